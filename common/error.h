/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "macro.h"

/*
 * The error convention (docs/architecture.md has the full text):
 * actions return int, >= 0 on success and a negative errno on failure.
 * When a failure must reach an API client with a message, the function
 * also takes a `struct error *` (which may be NULL) and fills it.
 * The errno then classifies the failure for the HTTP status: -ENOENT is
 * "not found", -EEXIST and -EBUSY are conflicts, -EINVAL is a bad request.
 */
struct error {
        int code;      /* negative errno, 0 when unset */
        char *message; /* heap-allocated text for the client, or NULL */
};

#define ERROR_INIT ((struct error){ 0, NULL })

/* Records code and a formatted message in err unless err already holds an
 * error (the innermost cause wins). Returns code, so callers can write
 * `return error_set(err, -EINVAL, "...")`. err may be NULL. */
int error_set(struct error *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Like error_set, appending ": <strerror(-code)>" to the message. */
int error_set_errno(struct error *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Prepends "prefix: " to the message already in err (or sets it to the
 * prefix and strerror(-code) when err is empty). Returns err->code. */
int error_prefix(struct error *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Returns the message in err, or strerror(-code) when err has none. */
const char *error_message(const struct error *err, int code);

void error_clear(struct error *err);

static inline void error_clearp(struct error *err)
{
        error_clear(err);
}

#define _cleanup_error_ _cleanup_(error_clearp)
