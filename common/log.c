/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

#include "timeutil.h"

static enum log_level current_level = LOG_LEVEL_INFO;
static const char *current_ident;

static const char *const level_names[] = {
        [LOG_LEVEL_FATAL] = "fatal", [LOG_LEVEL_ERROR] = "error", [LOG_LEVEL_WARN] = "warning",
        [LOG_LEVEL_INFO] = "info",   [LOG_LEVEL_DEBUG] = "debug",
};

int log_level_from_string(const char *s)
{
        if (streq(s, "warning"))
                return LOG_LEVEL_WARN;
        for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
                if (streq(s, level_names[i]) || (i == LOG_LEVEL_WARN && streq(s, "warn")))
                        return (int)i;
        return -EINVAL;
}

void log_set_level(enum log_level level)
{
        current_level = level;
}

enum log_level log_get_level(void)
{
        return current_level;
}

void log_set_ident(const char *ident)
{
        current_ident = ident;
}

/* Appends text to the line, escaping quotes, backslashes and control
 * characters so that one call is always one logfmt line. */
static void append_escaped(FILE *out, const char *text)
{
        for (const char *p = text; *p; p++) {
                unsigned char c = (unsigned char)*p;

                if (c == '"' || c == '\\')
                        fprintf(out, "\\%c", c);
                else if (c == '\n')
                        fputs("\\n", out);
                else if (c < 0x20)
                        fprintf(out, "\\x%02x", c);
                else
                        fputc(c, out);
        }
}

_printf_(2, 0) static void log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
        char stamp[TIMEUTIL_RFC3339_MAX];
        _cleanup_free_ char *text = NULL;
        char *line = NULL;
        size_t size = 0;
        FILE *out;

        if (level > current_level)
                return;
        if (vasprintf(&text, fmt, ap) < 0)
                return;

        out = open_memstream(&line, &size);
        if (!out)
                return;

        timeutil_format_rfc3339(timeutil_now_ns(), stamp, sizeof(stamp));
        fprintf(out, "time=\"%s\" level=%s", stamp, level_names[level]);
        if (current_ident)
                fprintf(out, " prog=%s", current_ident);
        fputs(" msg=\"", out);
        append_escaped(out, text);
        fputs("\"\n", out);
        fclose(out);

        /* One write per line keeps lines from several threads apart. */
        if (write(STDERR_FILENO, line, size) < 0) {
                /* Nowhere left to report a failing stderr. */
        }
        free(line);
}

void log_write(enum log_level level, const char *fmt, ...)
{
        int saved_errno = errno;
        va_list ap;

        va_start(ap, fmt);
        log_vwrite(level, fmt, ap);
        va_end(ap);
        errno = saved_errno;
}

int log_write_errno(enum log_level level, int err, const char *fmt, ...)
{
        int saved_errno = errno;
        va_list ap;

        errno = err < 0 ? -err : err;
        va_start(ap, fmt);
        log_vwrite(level, fmt, ap);
        va_end(ap);
        errno = saved_errno;
        return err;
}
