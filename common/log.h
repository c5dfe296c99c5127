/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "macro.h"

/* Levels in dockerd's order and spelling, so --log-level takes the same words. */
enum log_level {
        LOG_LEVEL_FATAL,
        LOG_LEVEL_ERROR,
        LOG_LEVEL_WARN,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
};

/* Parses "fatal", "error", "warn", "info" or "debug". Returns the level or -EINVAL. */
int log_level_from_string(const char *s);

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Sets the program name written on each line (default: none). */
void log_set_ident(const char *ident);

/* Writes one line to stderr in logfmt, as dockerd does:
 * time="2026-01-02T03:04:05.123456789Z" level=info msg="text".
 * errno is kept, and %m in fmt expands to strerror(errno). */
void log_write(enum log_level level, const char *fmt, ...) _printf_(2, 3);

/* Logs at the given level with errno set to -err so %m names the cause,
 * and returns err (a negative errno) for `return log_error_errno(r, ...)`. */
int log_write_errno(enum log_level level, int err, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                           \
        do {                                                     \
                if (log_get_level() >= LOG_LEVEL_DEBUG)          \
                        log_write(LOG_LEVEL_DEBUG, __VA_ARGS__); \
        } while (0)

#define log_error_errno(err, ...) log_write_errno(LOG_LEVEL_ERROR, (err), __VA_ARGS__)
#define log_warn_errno(err, ...)  log_write_errno(LOG_LEVEL_WARN, (err), __VA_ARGS__)
#define log_debug_errno(err, ...) log_write_errno(LOG_LEVEL_DEBUG, (err), __VA_ARGS__)
