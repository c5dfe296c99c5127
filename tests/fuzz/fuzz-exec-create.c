/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds arbitrary POST /containers/{id}/exec bodies to the exec request's
 * parser, and what it accepts to the environment merge. */
#include <stdint.h>
#include <stdlib.h>

#include "engine/exec.h"
#include "jsonutil.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_json_ json_object *body = NULL;
        _cleanup_strv_free_ char **env = NULL;
        struct exec_config config;

        if (json_parse_buffer((const char *)data, size, &body, NULL) < 0)
                return 0;
        if (exec_config_parse(body, &config, NULL) < 0)
                return 0;
        /* An accepted request has a command to run. */
        if (!config.cmd || !config.cmd[0] || !config.env)
                abort();
        if (strv_append(&env, "PATH=/bin") == 0 && strv_append(&env, "HOSTNAME=x") == 0)
                (void)exec_env_apply(&env, config.env);
        exec_config_clear(&config);
        return 0;
}
