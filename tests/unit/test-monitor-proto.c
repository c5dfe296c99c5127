/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>

#include "jsonutil.h"
#include "runtime/monitor/detachkeys.h"
#include "runtime/monitor/proto.h"

static void make_pair(int sv[2])
{
        assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static void close_pair(int sv[2])
{
        close(sv[0]);
        close(sv[1]);
}

static void proto_round_trip_with_fd(void **state)
{
        _cleanup_json_ json_object *msg = json_object_new_object(), *got = NULL;
        int sv[2], pipefd[2], fds[2] = { -1, -1 };
        size_t n_fds = 99;
        char byte = 0;

        make_pair(sv);
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        json_object_object_add(msg, "type", json_object_new_string("attach"));
        json_object_object_add(msg, "stdin", json_object_new_boolean(true));
        json_object_object_add(msg, "detach_keys", json_object_new_string("ctrl-a,x/y"));

        assert_int_equal(monitor_proto_send(sv[0], msg, &pipefd[1], 1), 0);
        close(pipefd[1]);
        assert_int_equal(monitor_proto_recv(sv[1], &got, fds, 2, &n_fds), 1);

        assert_string_equal(monitor_proto_type(got), "attach");
        assert_true(json_field_bool(got, "stdin", false));
        assert_string_equal(json_field_string(got, "detach_keys", ""), "ctrl-a,x/y");
        assert_int_equal(n_fds, 1);
        assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);

        assert_int_equal(write(fds[0], "z", 1), 1);
        assert_int_equal(read(pipefd[0], &byte, 1), 1);
        assert_int_equal(byte, 'z');

        close(fds[0]);
        close(pipefd[0]);
        close_pair(sv);
}

static void proto_recv_end_of_stream(void **state)
{
        json_object *got = NULL;
        size_t n_fds = 0;
        int sv[2];

        make_pair(sv);
        close(sv[0]);
        assert_int_equal(monitor_proto_recv(sv[1], &got, NULL, 0, &n_fds), 0);
        assert_null(got);
        close(sv[1]);
}

static void expect_bad_packet(const char *text)
{
        json_object *got = NULL;
        int sv[2];

        make_pair(sv);
        assert_int_equal(send(sv[0], text, strlen(text), 0), (ssize_t)strlen(text));
        assert_int_equal(monitor_proto_recv(sv[1], &got, NULL, 0, NULL), -EBADMSG);
        assert_null(got);
        close_pair(sv);
}

static void proto_rejects_malformed(void **state)
{
        expect_bad_packet("not json");
        expect_bad_packet("[1,2]");
        expect_bad_packet("{\"kind\":\"start\"}");
        expect_bad_packet("{\"type\":5}");
        expect_bad_packet("{\"type\":\"start\"} trailing");
        expect_bad_packet("{\"type\":\"start\"");
        expect_bad_packet("null");
}

/* The fds of a rejected packet are closed, so a pipe's reader sees its end. */
static void proto_malformed_closes_fds(void **state)
{
        int sv[2], pipefd[2], fds[1] = { -1 };
        json_object *got = NULL;
        char byte;

        make_pair(sv);
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        {
                struct msghdr msg = { 0 };
                struct iovec iov = { .iov_base = "garbage", .iov_len = 7 };
                union {
                        struct cmsghdr align;
                        char buf[CMSG_SPACE(sizeof(int))];
                } control;
                struct cmsghdr *cmsg;

                memset(&control, 0, sizeof(control));
                msg.msg_iov = &iov;
                msg.msg_iovlen = 1;
                msg.msg_control = control.buf;
                msg.msg_controllen = sizeof(control.buf);
                cmsg = CMSG_FIRSTHDR(&msg);
                cmsg->cmsg_level = SOL_SOCKET;
                cmsg->cmsg_type = SCM_RIGHTS;
                cmsg->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cmsg), &pipefd[1], sizeof(int));
                assert_int_equal(sendmsg(sv[0], &msg, 0), 7);
        }
        close(pipefd[1]);
        assert_int_equal(monitor_proto_recv(sv[1], &got, fds, 1, NULL), -EBADMSG);
        assert_int_equal(read(pipefd[0], &byte, 1), 0);
        close(pipefd[0]);
        close_pair(sv);
}

static void proto_rejects_oversized(void **state)
{
        size_t len = MONITOR_PROTO_MAX_PACKET + 100;
        _cleanup_free_ char *big = malloc(len + 1);
        json_object *got = NULL;
        int sv[2], size = 1 << 20;

        assert_non_null(big);
        memset(big, ' ', len);
        memcpy(big, "{\"type\":\"x\"}", 12);
        big[len] = '\0';

        make_pair(sv);
        assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
        assert_int_equal(send(sv[0], big, len, 0), (ssize_t)len);
        assert_int_equal(monitor_proto_recv(sv[1], &got, NULL, 0, NULL), -EBADMSG);
        close_pair(sv);
}

static void proto_send_rejects_oversized(void **state)
{
        _cleanup_json_ json_object *msg = json_object_new_object();
        _cleanup_free_ char *big = malloc(MONITOR_PROTO_MAX_PACKET + 1);
        int sv[2];

        memset(big, 'a', MONITOR_PROTO_MAX_PACKET);
        big[MONITOR_PROTO_MAX_PACKET] = '\0';
        json_object_object_add(msg, "type", json_object_new_string("attach"));
        json_object_object_add(msg, "pending", json_object_new_string(big));

        make_pair(sv);
        assert_int_equal(monitor_proto_send(sv[0], msg, NULL, 0), -EMSGSIZE);
        close_pair(sv);
}

static void proto_extra_fds_closed(void **state)
{
        _cleanup_json_ json_object *msg = json_object_new_object(), *got = NULL;
        int sv[2], a[2], b[2], fds[1] = { -1 };
        size_t n_fds = 0;
        char byte;

        make_pair(sv);
        assert_int_equal(pipe2(a, O_CLOEXEC), 0);
        assert_int_equal(pipe2(b, O_CLOEXEC), 0);
        json_object_object_add(msg, "type", json_object_new_string("attach"));
        assert_int_equal(monitor_proto_send(sv[0], msg, (int[]){ a[1], b[1] }, 2), 0);
        close(a[1]);
        close(b[1]);

        assert_int_equal(monitor_proto_recv(sv[1], &got, fds, 1, &n_fds), 1);
        assert_int_equal(n_fds, 1);
        /* The second fd was closed on receipt, so b's reader sees its end. */
        assert_int_equal(read(b[0], &byte, 1), 0);
        close(fds[0]);
        assert_int_equal(read(a[0], &byte, 1), 0);
        close(a[0]);
        close(b[0]);
        close_pair(sv);
}

static void proto_send_rejects_non_object(void **state)
{
        _cleanup_json_ json_object *array = json_object_new_array();
        int sv[2];

        make_pair(sv);
        assert_int_equal(monitor_proto_send(sv[0], array, NULL, 0), -EINVAL);
        close_pair(sv);
}

static void proto_type_of_odd_messages(void **state)
{
        _cleanup_json_ json_object *empty = json_object_new_object();

        assert_string_equal(monitor_proto_type(NULL), "");
        assert_string_equal(monitor_proto_type(empty), "");
}

static void detach_keys_parse_forms(void **state)
{
        struct monitor_detach_keys keys;

        assert_int_equal(monitor_detach_keys_parse(NULL, &keys, NULL), 0);
        assert_int_equal(keys.n, 2);
        assert_int_equal(keys.keys[0], 16);
        assert_int_equal(keys.keys[1], 17);

        assert_int_equal(monitor_detach_keys_parse("ctrl-a,x", &keys, NULL), 0);
        assert_int_equal(keys.n, 2);
        assert_int_equal(keys.keys[0], 1);
        assert_int_equal(keys.keys[1], 'x');

        assert_int_equal(monitor_detach_keys_parse("ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_,DEL,X", &keys, NULL), 0);
        assert_int_equal(keys.n, 8);
        assert_memory_equal(keys.keys,
                            "\x00\x1b\x1c\x1d\x1e\x1f\x7f"
                            "X",
                            8);

        /* Any single character other than the comma stands for itself. */
        assert_int_equal(monitor_detach_keys_parse(" ", &keys, NULL), 0);
        assert_int_equal(keys.keys[0], ' ');
}

static void detach_keys_parse_rejects(void **state)
{
        static const char *const bad[] = { "ctrl-P", "ab", "a,,b", ",", "ctrl-", "ctrl-ab", "del", "a,", "ctrl-1" };
        struct monitor_detach_keys keys = { .n = 7 };

        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                char expected[64];

                assert_int_equal(monitor_detach_keys_parse(bad[i], &keys, &err), -EINVAL);
                snprintf(expected, sizeof(expected), "Invalid detach keys (%s) provided", bad[i]);
                assert_string_equal(err.message, expected);
                assert_int_equal(keys.n, 7);
        }
}

static void detach_keys_parse_too_many(void **state)
{
        char spec[MONITOR_DETACH_KEYS_MAX * 2 + 8];
        struct monitor_detach_keys keys;
        size_t o = 0;

        for (int i = 0; i < MONITOR_DETACH_KEYS_MAX; i++)
                o += (size_t)sprintf(spec + o, "a,");
        spec[o - 1] = '\0';
        assert_int_equal(monitor_detach_keys_parse(spec, &keys, NULL), 0);
        assert_int_equal(keys.n, MONITOR_DETACH_KEYS_MAX);
        spec[o - 1] = ',';
        spec[o] = 'b';
        spec[o + 1] = '\0';
        assert_int_equal(monitor_detach_keys_parse(spec, &keys, NULL), -EINVAL);
}

static void detach_match_key_presses(void **state)
{
        struct monitor_detach_keys keys;
        size_t pos = 0, held = 99;

        assert_int_equal(monitor_detach_keys_parse("ctrl-p,ctrl-q", &keys, NULL), 0);
        assert_int_equal(monitor_detach_match(&keys, &pos, "\x10", 1, &held), MONITOR_DETACH_HOLD);
        assert_int_equal(monitor_detach_match(&keys, &pos, "\x11", 1, &held), MONITOR_DETACH_DETACH);
        assert_int_equal(pos, 0);
}

static void detach_match_releases_held(void **state)
{
        struct monitor_detach_keys keys;
        size_t pos = 0, held = 99;

        assert_int_equal(monitor_detach_keys_parse("ctrl-p,ctrl-q", &keys, NULL), 0);

        /* A wrong second key gives back the held first one. */
        assert_int_equal(monitor_detach_match(&keys, &pos, "\x10", 1, &held), MONITOR_DETACH_HOLD);
        assert_int_equal(monitor_detach_match(&keys, &pos, "a", 1, &held), MONITOR_DETACH_FORWARD);
        assert_int_equal(held, 1);
        assert_int_equal(pos, 0);

        /* As in dockerd, a repeated first key does not restart the match. */
        assert_int_equal(monitor_detach_match(&keys, &pos, "\x10", 1, &held), MONITOR_DETACH_HOLD);
        assert_int_equal(monitor_detach_match(&keys, &pos, "\x10", 1, &held), MONITOR_DETACH_FORWARD);
        assert_int_equal(held, 1);
        assert_int_equal(monitor_detach_match(&keys, &pos, "\x11", 1, &held), MONITOR_DETACH_FORWARD);
        assert_int_equal(held, 0);
}

static void detach_match_ignores_bulk_reads(void **state)
{
        struct monitor_detach_keys keys;
        size_t pos = 0, held = 99;

        assert_int_equal(monitor_detach_keys_parse(NULL, &keys, NULL), 0);
        assert_int_equal(monitor_detach_match(&keys, &pos, "\x10\x11", 2, &held), MONITOR_DETACH_FORWARD);
        assert_int_equal(held, 0);

        assert_int_equal(monitor_detach_match(&keys, &pos, "\x10", 1, &held), MONITOR_DETACH_HOLD);
        assert_int_equal(monitor_detach_match(&keys, &pos, "\x11z", 2, &held), MONITOR_DETACH_FORWARD);
        assert_int_equal(held, 1);
}

static void detach_match_three_keys(void **state)
{
        struct monitor_detach_keys keys;
        size_t pos = 0, held = 99;

        assert_int_equal(monitor_detach_keys_parse("a,b,c", &keys, NULL), 0);
        assert_int_equal(monitor_detach_match(&keys, &pos, "a", 1, &held), MONITOR_DETACH_HOLD);
        assert_int_equal(monitor_detach_match(&keys, &pos, "b", 1, &held), MONITOR_DETACH_HOLD);
        assert_int_equal(monitor_detach_match(&keys, &pos, "x", 1, &held), MONITOR_DETACH_FORWARD);
        assert_int_equal(held, 2);
        assert_int_equal(monitor_detach_match(&keys, &pos, "a", 1, &held), MONITOR_DETACH_HOLD);
        assert_int_equal(monitor_detach_match(&keys, &pos, "b", 1, &held), MONITOR_DETACH_HOLD);
        assert_int_equal(monitor_detach_match(&keys, &pos, "c", 1, &held), MONITOR_DETACH_DETACH);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(proto_round_trip_with_fd),        cmocka_unit_test(proto_recv_end_of_stream),
                cmocka_unit_test(proto_rejects_malformed),         cmocka_unit_test(proto_malformed_closes_fds),
                cmocka_unit_test(proto_rejects_oversized),         cmocka_unit_test(proto_send_rejects_oversized),
                cmocka_unit_test(proto_extra_fds_closed),          cmocka_unit_test(proto_send_rejects_non_object),
                cmocka_unit_test(proto_type_of_odd_messages),      cmocka_unit_test(detach_keys_parse_forms),
                cmocka_unit_test(detach_keys_parse_rejects),       cmocka_unit_test(detach_keys_parse_too_many),
                cmocka_unit_test(detach_match_key_presses),        cmocka_unit_test(detach_match_releases_held),
                cmocka_unit_test(detach_match_ignores_bulk_reads), cmocka_unit_test(detach_match_three_keys),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
