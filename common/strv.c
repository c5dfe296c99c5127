/* SPDX-License-Identifier: Apache-2.0 */
#include "strv.h"

void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

size_t strv_length(char *const *v)
{
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

bool strv_contains(char *const *v, const char *s)
{
        STRV_FOREACH (p, v)
                if (streq(*p, s))
                        return true;
        return false;
}

int strv_consume(char ***v, char *s)
{
        size_t n = strv_length(*v);
        char **grown;

        if (!s)
                return -ENOMEM;
        grown = realloc(*v, (n + 2) * sizeof(char *));
        if (!grown) {
                free(s);
                return -ENOMEM;
        }
        grown[n] = s;
        grown[n + 1] = NULL;
        *v = grown;
        return 0;
}

bool strv_remove(char **v, const char *s)
{
        for (char **p = v; p && *p; p++) {
                if (!streq(*p, s))
                        continue;
                free(*p);
                memmove(p, p + 1, (strv_length(p + 1) + 1) * sizeof(*p));
                return true;
        }
        return false;
}

int strv_append(char ***v, const char *s)
{
        return strv_consume(v, strdup(s));
}

char **strv_split(const char *s, const char *seps, bool keep_empty)
{
        char **v = calloc(1, sizeof(char *));
        const char *p = s;

        if (!v)
                return NULL;
        for (;;) {
                size_t n = strcspn(p, seps);

                if ((n > 0 || keep_empty) && strv_consume(&v, strndup(p, n)) < 0) {
                        strv_free(v);
                        return NULL;
                }
                if (p[n] == '\0')
                        break;
                p += n + 1;
        }
        return v;
}
