/* SPDX-License-Identifier: Apache-2.0 */
/* Runs one health probe as an exec in its container and collects its
 * output and exit code. */
#include "health-probe.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine-internal.h"
#include "exec.h"
#include "log.h"
#include "pool/backend.h"
#include "strv.h"
#include "timeutil.h"

/* How long to wait for the exit code once the probe's output has ended. */
#define PROBE_EXIT_WAIT_MS 5000

static int64_t monotonic_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads fd until EOF or deadline_ms (monotonic). Keeps at most
 * HEALTH_OUTPUT_MAX + 1 bytes, enough to tell whether it was cut. Returns
 * 1 at EOF, 0 at the deadline. */
static int read_output(int fd, int64_t deadline_ms, char *buf, size_t *len)
{
        char scratch[4096];

        for (;;) {
                int64_t left = deadline_ms - monotonic_ms();
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (left <= 0)
                        return 0;
                if (poll(&pfd, 1, (int)MIN(left, INT32_MAX)) < 0) {
                        if (errno == EINTR)
                                continue;
                        return 1;
                }
                if (pfd.revents == 0)
                        continue;
                n = read(fd, scratch, sizeof(scratch));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return 1;
                if (*len <= HEALTH_OUTPUT_MAX) {
                        size_t keep = MIN((size_t)n, HEALTH_OUTPUT_MAX + 1 - *len);

                        memcpy(buf + *len, scratch, keep);
                        *len += keep;
                }
        }
}

static int start_probe(struct engine *e, struct container *c, char *const *probe, int fd, struct exec **ret,
                       struct error *err)
{
        struct exec_config config = { .attach_stdout = true, .attach_stderr = true };
        struct exec_start_options options = { .detach = false, .tty = true };
        struct attach_request *req;
        _cleanup_exec_ struct exec *x = NULL;
        int r;

        for (size_t i = 0; probe && probe[i]; i++)
                if (strv_append(&config.cmd, probe[i]) < 0) {
                        exec_config_clear(&config);
                        return -ENOMEM;
                }
        if (!config.cmd) {
                exec_config_clear(&config);
                return error_set(err, -EINVAL, "No exec command specified");
        }
        r = engine_exec_create(e, c, c->id, &config, &x, err);
        exec_config_clear(&config);
        if (r < 0)
                return r;
        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        *req = (struct attach_request){ .fd = fd, .attach_stdout = true, .attach_stderr = true };
        /* With options.tty, the output arrives without stream framing. */
        r = engine_exec_start(e, x, &options, req, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(x);
        return 0;
}

int health_probe_run(struct engine *e, struct container *c, const struct health_config *config,
                     struct health_result *ret)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_exec_ struct exec *x = NULL;
        char *output = malloc(HEALTH_OUTPUT_MAX + 4);
        int sv[2], r, exit_code = -1;
        size_t len = 0;
        int64_t deadline_ms;

        *ret = (struct health_result){ .start_ns = timeutil_now_ns(), .exit_code = -1 };
        if (!output)
                return -ENOMEM;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                free(output);
                return -errno;
        }
        deadline_ms = monotonic_ms() + config->timeout_ns / 1000000;
        r = start_probe(e, c, config->probe, sv[1], &x, &err);
        if (r < 0) {
                /* dockerd records a probe that cannot start as a failure
                 * with the error as its output. */
                close(sv[0]);
                free(output);
                ret->end_ns = timeutil_now_ns();
                ret->output = strdup(error_message(&err, r));
                log_warn("Health check of container %s failed to start: %s", c->id, error_message(&err, r));
                return ret->output ? 0 : -ENOMEM;
        }

        if (read_output(sv[0], deadline_ms, output, &len) == 0) {
                /* Only the probe's own process gets the signal, so its children
                 * keep running in the container, as with dockerd 20.10.24. */
                engine_exec_signal(e, x, SIGKILL);
                close(sv[0]);
                free(output);
                ret->end_ns = timeutil_now_ns();
                ret->output = health_timeout_message(config->timeout_ns);
                return ret->output ? 0 : -ENOMEM;
        }
        close(sv[0]);
        engine_exec_sync(e, x);
        if (!engine_exec_wait_exited(e, x, PROBE_EXIT_WAIT_MS, &exit_code))
                exit_code = -1;
        health_truncate_output(output, len);
        ret->end_ns = timeutil_now_ns();
        ret->exit_code = exit_code;
        ret->output = output;
        return 0;
}
