/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "runtime/cli/cli.h"
#include "timeutil.h"

/* Appends one line to the --log file, in logrus' text or JSON form, which
 * callers of runc such as containerd read back for the error message. */
static void log_to_file(const char *level, const char *message)
{
        char now[TIMEUTIL_RFC3339_MAX];
        _cleanup_free_ char *line = NULL;
        _cleanup_close_ int fd = -1;
        int n;

        timeutil_format_rfc3339(timeutil_now_ns(), now, sizeof(now));
        if (cli.log_json) {
                _cleanup_json_ json_object *obj = json_object_new_object();

                json_object_object_add(obj, "level", json_object_new_string(level));
                json_object_object_add(obj, "msg", json_object_new_string(message));
                json_object_object_add(obj, "time", json_object_new_string(now));
                n = asprintf(&line, "%s\n", json_to_string(obj));
        } else {
                _cleanup_json_ json_object *quoted = json_object_new_string(message);

                n = asprintf(&line, "time=\"%s\" level=%s msg=%s\n", now, level, json_to_string(quoted));
        }
        if (n < 0)
                return;

        fd = open(cli.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd >= 0)
                (void)fs_write_all(fd, line, n);
}

static void report(const char *level, const char *prefix, const char *fmt, va_list ap)
{
        _cleanup_free_ char *message = NULL;

        if (vasprintf(&message, fmt, ap) < 0)
                return;
        if (cli.log)
                log_to_file(level, message);
        if (!streq(level, "debug") || !cli.log)
                fprintf(stderr, "sockerless-runtime: %s%s\n", prefix, message);
}

void cli_error(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        report("error", "", fmt, ap);
        va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        report("warning", "warning: ", fmt, ap);
        va_end(ap);
}

void cli_debug(const char *fmt, ...)
{
        va_list ap;

        if (!cli.debug)
                return;
        va_start(ap, fmt);
        report("debug", "debug: ", fmt, ap);
        va_end(ap);
}
