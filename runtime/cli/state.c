/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "jsonutil.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/store.h"

int cli_state(int argc, char **argv)
{
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_json_ json_object *obj = NULL;
        int r;

        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: sockerless-runtime state ID\n\nPrints the OCI state of container ID as JSON: "
                       "ociVersion, id, pid, status\n(created, running, paused or stopped), bundle, rootfs, "
                       "created, owner and\nannotations.\n");
                return 0;
        }
        if (!cli_check_args("state", argc - 1, 1, 1))
                return 1;
        r = store_load(argv[1], &rec, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return 1;
        }
        /* Annotations are left out when the copy of config.json cannot be
         * read: the state itself is still worth printing. */
        (void)store_load_spec(rec, &spec, NULL);

        obj = store_state_json(rec, spec, "");
        /* runc prints the state without a final newline. */
        fputs(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE),
              stdout);
        return 0;
}
