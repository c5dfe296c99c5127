/* SPDX-License-Identifier: Apache-2.0 */
#include "proto.h"

#include "jsonutil.h"
#include "unixsock.h"

int monitor_proto_send(int sock, json_object *msg, const int *fds, size_t n_fds)
{
        const char *text;
        size_t len;

        if (!msg || !json_object_is_type(msg, json_type_object))
                return -EINVAL;
        text = json_to_string(msg);
        if (!text)
                return -ENOMEM;
        len = strlen(text);
        if (len > MONITOR_PROTO_MAX_PACKET)
                return -EMSGSIZE;
        return unixsock_send(sock, text, len, fds, n_fds);
}

int monitor_proto_parse(const char *buf, size_t len, json_object **ret)
{
        json_object *obj = NULL, *type;
        int r;

        r = json_parse_buffer(buf, len, &obj, NULL);
        if (r < 0)
                return -EBADMSG;
        if (!obj || !json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, "type", &type) ||
            !json_object_is_type(type, json_type_string)) {
                json_object_put(obj);
                return -EBADMSG;
        }
        *ret = obj;
        return 0;
}

static void close_fds(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                close(fds[i]);
}

int monitor_proto_recv(int sock, json_object **ret, int *fds, size_t max_fds, size_t *ret_n_fds)
{
        /* A SOCK_SEQPACKET socket truncates an oversized packet; reading one
         * byte more than the limit detects it. */
        _cleanup_free_ char *buf = malloc(MONITOR_PROTO_MAX_PACKET + 1);
        int received[16];
        size_t n_received = 0;
        json_object *msg;
        ssize_t n;
        int r;

        if (!buf)
                return -ENOMEM;
        n = unixsock_recv(sock, buf, MONITOR_PROTO_MAX_PACKET + 1, received, MIN(max_fds, ARRAY_SIZE(received)),
                          &n_received);
        if (n < 0)
                return (int)n;
        if (n == 0) {
                close_fds(received, n_received);
                return 0;
        }
        if (n > MONITOR_PROTO_MAX_PACKET) {
                close_fds(received, n_received);
                return -EBADMSG;
        }

        r = monitor_proto_parse(buf, (size_t)n, &msg);
        if (r < 0) {
                close_fds(received, n_received);
                return r;
        }

        if (n_received > 0)
                memcpy(fds, received, n_received * sizeof(int));
        if (ret_n_fds)
                *ret_n_fds = n_received;
        *ret = msg;
        return 1;
}

const char *monitor_proto_type(json_object *msg)
{
        json_object *type;

        if (!msg || !json_object_object_get_ex(msg, "type", &type) || !json_object_is_type(type, json_type_string))
                return "";
        return json_object_get_string(type);
}
