/* SPDX-License-Identifier: Apache-2.0 */
#include "base64.h"

#include <stdint.h>

#include "macro.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t len)
{
        const unsigned char *in = data;
        char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t)in[i] << 16;

                if (i + 1 < len)
                        v |= (uint32_t)in[i + 1] << 8;
                if (i + 2 < len)
                        v |= in[i + 2];
                *p++ = alphabet[(v >> 18) & 63];
                *p++ = alphabet[(v >> 12) & 63];
                *p++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
                *p++ = i + 2 < len ? alphabet[v & 63] : '=';
        }
        *p = '\0';
        return out;
}

static int decode_char(char c)
{
        const char *p = c ? strchr(alphabet, c) : NULL;

        return p ? (int)(p - alphabet) : -1;
}

int base64_decode(const char *text, void **ret, size_t *ret_len)
{
        size_t len = strlen(text);
        unsigned char *out, *p;
        uint32_t acc = 0;
        int bits = 0;

        while (len > 0 && text[len - 1] == '=')
                len--;
        if (len % 4 == 1)
                return -EINVAL;
        out = malloc(len * 3 / 4 + 1);
        if (!out)
                return -ENOMEM;
        p = out;
        for (size_t i = 0; i < len; i++) {
                int v = decode_char(text[i]);

                if (v < 0) {
                        free(out);
                        return -EINVAL;
                }
                acc = (acc << 6) | (uint32_t)v;
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        *p++ = (unsigned char)(acc >> bits);
                }
        }
        *p = '\0';
        *ret = out;
        *ret_len = (size_t)(p - out);
        return 0;
}
