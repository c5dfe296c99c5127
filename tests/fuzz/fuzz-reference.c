/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes image reference parsing, normalisation, formatting and the
 * reference filter's pattern matching. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct reference ref = { 0 };
        char *text, *pattern;
        bool match;

        /* Names and patterns are short, so longer inputs would only make
         * each run slower. */
        if (size > 512)
                return 0;
        text = strndup((const char *)data, size);
        if (!text)
                return 0;

        if (reference_parse_normalized(text, &ref, NULL) >= 0) {
                char *full = reference_string(&ref), *familiar = reference_familiar_string(&ref);
                struct reference again = { 0 };

                /* What the store prints must parse back to itself. */
                if (familiar && reference_parse_normalized(familiar, &again, NULL) < 0)
                        abort();
                reference_done(&again);
                if (reference_tag_name_only(&ref) >= 0 && reference_familiar_match(text, &ref, &match) < 0)
                        match = false;
                free(full);
                free(familiar);
        }
        reference_done(&ref);
        if (reference_parse(text, &ref, NULL) >= 0)
                reference_done(&ref);
        reference_digest_validate(text, NULL);

        /* The first half as a pattern, the rest as a name (strndup stopped
         * at the first NUL, if any). */
        size = strlen(text);
        pattern = strndup(text, size / 2);
        if (pattern) {
                reference_path_match(pattern, text + size / 2, &match);
                free(pattern);
        }
        free(text);
        return 0;
}
