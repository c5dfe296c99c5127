/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parses arbitrary text as the "filters" query parameter. A result must
 * map keys to arrays of distinct strings and parse again to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http-parse.h"
#include "jsonutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_shape(json_object *obj)
{
        if (!json_object_is_type(obj, json_type_object))
                abort();
        json_object_object_foreach (obj, key, values) {
                size_t n;

                if (!json_object_is_type(values, json_type_array))
                        abort();
                n = json_object_array_length(values);
                for (size_t i = 0; i < n; i++) {
                        json_object *item = json_object_array_get_idx(values, i);

                        if (!json_object_is_type(item, json_type_string))
                                abort();
                        for (size_t j = 0; j < i; j++)
                                if (strcmp(json_object_get_string(item),
                                           json_object_get_string(json_object_array_get_idx(values, j))) == 0)
                                        abort();
                }
                (void)key;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_object *obj = NULL, *again = NULL;
        char *text = malloc(size + 1);

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        if (http_filters_parse(text, &obj, NULL) == 0) {
                check_shape(obj);
                if (http_filters_parse(json_to_string(obj), &again, NULL) != 0 ||
                    strcmp(json_to_string(obj), json_to_string(again)) != 0)
                        abort();
        }
        json_object_put(again);
        json_object_put(obj);
        free(text);
        return 0;
}
