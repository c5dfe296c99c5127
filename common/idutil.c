/* SPDX-License-Identifier: Apache-2.0 */
#include "idutil.h"

#include <sys/random.h>

int id_generate(char *out)
{
        static const char hex[] = "0123456789abcdef";
        unsigned char raw[ID_LENGTH / 2];

        for (;;) {
                bool all_digits = true;

                if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
                        return -errno;
                for (size_t i = 0; i < sizeof(raw); i++) {
                        out[2 * i] = hex[raw[i] >> 4];
                        out[2 * i + 1] = hex[raw[i] & 0xf];
                }
                out[ID_LENGTH] = '\0';
                for (size_t i = 0; i < ID_SHORT_LENGTH; i++)
                        if (out[i] > '9')
                                all_digits = false;
                if (!all_digits)
                        return 0;
        }
}

bool id_is_hex(const char *s, size_t len)
{
        size_t i;

        for (i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return s[i] == '\0';
}

bool id_is_prefix(const char *s)
{
        size_t n = strlen(s);

        return n > 0 && n <= ID_LENGTH && id_is_hex(s, n);
}
