/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

_printf_(3, 0) static int error_vset(struct error *err, int code, const char *fmt, va_list ap, bool with_errno)
{
        char *text = NULL;

        if (!err || err->code != 0)
                return code;

        err->code = code;
        if (vasprintf(&text, fmt, ap) < 0)
                return code;

        if (with_errno) {
                char *full = NULL;

                if (asprintf(&full, "%s: %s", text, strerror(-code)) >= 0) {
                        free(text);
                        text = full;
                }
        }
        err->message = text;
        return code;
}

int error_set(struct error *err, int code, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        code = error_vset(err, code, fmt, ap, false);
        va_end(ap);
        return code;
}

int error_set_errno(struct error *err, int code, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        code = error_vset(err, code, fmt, ap, true);
        va_end(ap);
        return code;
}

int error_prefix(struct error *err, int code, const char *fmt, ...)
{
        _cleanup_free_ char *prefix = NULL;
        char *full = NULL;
        va_list ap;
        int r;

        if (!err)
                return code;
        if (err->code == 0)
                err->code = code;

        va_start(ap, fmt);
        r = vasprintf(&prefix, fmt, ap);
        va_end(ap);
        if (r < 0)
                return err->code;

        r = asprintf(&full, "%s: %s", prefix, err->message ? err->message : strerror(-err->code));
        if (r < 0)
                return err->code;

        free(err->message);
        err->message = full;
        return err->code;
}

const char *error_message(const struct error *err, int code)
{
        if (err && err->message)
                return err->message;
        if (err && err->code)
                code = err->code;
        return strerror(code < 0 ? -code : code);
}

void error_clear(struct error *err)
{
        if (!err)
                return;
        free(err->message);
        *err = ERROR_INIT;
}
