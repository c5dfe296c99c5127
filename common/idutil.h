/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "macro.h"

/* A Docker object ID: 64 lowercase hex characters. */
#define ID_LENGTH       64
#define ID_SHORT_LENGTH 12

/* Fills out (at least ID_LENGTH + 1 bytes) with a random ID that is not all
 * digits, because the Docker CLI would read such a short ID as a number. */
int id_generate(char *out);

/* Tells whether s is exactly len lowercase hex characters. */
bool id_is_hex(const char *s, size_t len);

/* Tells whether s is a non-empty string of at most ID_LENGTH lowercase hex characters. */
bool id_is_prefix(const char *s);
