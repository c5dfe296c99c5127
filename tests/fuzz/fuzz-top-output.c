/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reads arbitrary text as the output of ps for docker top, whose command
 * column a container controls, and its first line as ps_args. A parsed
 * result must have as many columns in each process as it has titles.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/top.h"
#include "jsonutil.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_shape(json_object *result)
{
        json_object *titles = json_object_object_get(result, "Titles");
        json_object *processes = json_object_object_get(result, "Processes");
        size_t n_titles = json_object_array_length(titles);

        for (size_t i = 0; processes && i < json_object_array_length(processes); i++)
                if (json_object_array_length(json_object_array_get_idx(processes, i)) != n_titles)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_free_ char *text = strndup((const char *)data, size);
        _cleanup_free_ char *first_line = NULL;
        _cleanup_strv_free_ char **args = NULL;
        _cleanup_json_ json_object *result = NULL;
        const pid_t pids[] = { 1, 42, 4242 };

        if (!text)
                return 0;
        first_line = strndup(text, strcspn(text, "\n"));
        if (!first_line)
                return 0;
        (void)top_check_ps_args(first_line, NULL);
        args = top_split_ps_args(first_line);
        if (top_parse_ps_output(text, pids, sizeof(pids) / sizeof(pids[0]), &result, NULL) >= 0)
                check_shape(result);
        return 0;
}
