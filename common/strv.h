/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "macro.h"

/* NULL-terminated arrays of heap strings ("string vectors"). */

void strv_free(char **v);
size_t strv_length(char *const *v);
bool strv_contains(char *const *v, const char *s);

/* Appends a copy of s to *v, growing it. Returns 0 or -ENOMEM. */
int strv_append(char ***v, const char *s);

/* Appends s itself (taking ownership, freed on failure). */
int strv_consume(char ***v, char *s);

/* Removes and frees the first entry equal to s, keeping the order of the
 * others. Returns whether there was one. */
bool strv_remove(char **v, const char *s);

/* Splits s at every separator character in seps; empty parts are kept
 * only when keep_empty is set. Returns NULL when out of memory. */
char **strv_split(const char *s, const char *seps, bool keep_empty);

static inline void strv_freep(char ***v)
{
        strv_free(*v);
}

#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define STRV_FOREACH(s, v) for (char *const *s = (v); s && *s; s++)
