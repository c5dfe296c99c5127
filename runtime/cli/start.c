/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <sys/socket.h>

#include "runtime/cli/cli.h"
#include "runtime/cli/holder.h"
#include "runtime/cli/lifecycle.h"
#include "unixsock.h"

/* Asks the holder of the created container to start it. */
static int request_start(const struct store_container *rec, struct error *err)
{
        _cleanup_free_ char *path = store_path(rec->id, HOLDER_SOCKET);
        struct holder_reply reply = {};
        _cleanup_close_ int sock = -1;
        ssize_t n;

        if (!path)
                return -ENOMEM;
        sock = unixsock_connect(path, SOCK_SEQPACKET);
        if (sock < 0)
                return error_set_errno(err, sock, "failed to reach the holder of container %s", rec->id);
        if (send(sock, HOLDER_START, strlen(HOLDER_START), MSG_NOSIGNAL) < 0)
                return error_set_errno(err, negative_errno(), "failed to reach the holder of container %s", rec->id);
        n = recv(sock, &reply, sizeof(reply) - 1, 0);
        if (n < (ssize_t)offsetof(struct holder_reply, message))
                return error_set(err, -EIO, "the holder of container %s exited without starting it", rec->id);
        if (reply.code < 0) {
                reply.message[n - offsetof(struct holder_reply, message)] = '\0';
                return error_set(err, reply.code > -4096 ? reply.code : -EIO, "%s", reply.message);
        }
        return 0;
}

int cli_start(int argc, char **argv)
{
        _cleanup_(store_container_freep) struct store_container *rec = NULL;
        _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        const char *status;
        int r;

        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                printf("Usage: sockerless-runtime start ID\n\nLets the created container ID run its process, "
                       "then runs the poststart hooks.\n");
                return 0;
        }
        if (!cli_check_args("start", argc - 1, 1, 1))
                return 1;
        r = store_load(argv[1], &rec, &err);
        if (r >= 0)
                r = store_load_spec(rec, &spec, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return 1;
        }

        status = store_status(rec);
        if (streq(status, "stopped"))
                r = error_set(&err, -EINVAL, "cannot start a container that has stopped");
        else if (streq(status, "running"))
                r = error_set(&err, -EINVAL, "cannot start an already running container");
        else if (!streq(status, "created"))
                r = error_set(&err, -EINVAL, "cannot start a container in the %s state", status);
        else
                r = request_start(rec, &err);
        if (r < 0) {
                cli_error("%s", error_message(&err, r));
                return 1;
        }
        cli_debug("container %s started", rec->id);
        cli_run_poststart(spec, rec);
        return 0;
}
