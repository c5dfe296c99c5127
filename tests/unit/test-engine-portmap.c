/* SPDX-License-Identifier: Apache-2.0 */
/* Published ports: the PortBindings forms the docker CLI 20.10 sends, the
 * create checks, host port allocation and reservation, NetworkSettings.Ports
 * and the saved state. The allocation tests run in a private network
 * namespace with a small ephemeral range, so they bind no port of the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "engine/portmap.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "netns/link.h"
#include "netns/nft.h"

#define ENDPOINT_ID "3f1e0c6a9b2d4e5f60718293a4b5c6d7e8f90123456789abcdef0123456789ab"

static json_object *parse_json(const char *text)
{
        json_object *obj = NULL;

        assert_int_equal(json_parse_buffer(text, strlen(text), &obj, NULL), 0);
        return obj;
}

/* Parses HostConfig and Config texts into a portmap, asserting success.
 * Without config, every port of PortBindings is exposed, as the docker CLI
 * exposes the ports it publishes. */
static struct portmap *parse_ok(const char *host_config, const char *config)
{
        _cleanup_json_ json_object *hc = parse_json(host_config);
        _cleanup_json_ json_object *cfg = parse_json(config ? config : "{}");
        _cleanup_error_ struct error err = ERROR_INIT;
        struct portmap *pm = NULL;

        if (!config) {
                json_object *exposed = json_object_new_object();

                json_object_object_foreach (json_field_object(hc, "PortBindings"), key, value) {
                        (void)value;
                        json_object_object_add(exposed, key, json_object_new_object());
                }
                json_object_object_add(cfg, "ExposedPorts", exposed);
        }

        assert_int_equal(portmap_parse(hc, cfg, &pm, &err), 0);
        assert_non_null(pm);
        return pm;
}

static void expect_invalid(const char *host_config, const char *message)
{
        _cleanup_json_ json_object *hc = parse_json(host_config);
        _cleanup_error_ struct error err = ERROR_INIT;

        assert_int_equal(portmap_validate(hc, &err), -EINVAL);
        assert_string_equal(error_message(&err, -EINVAL), message);
}

static void expect_json(const struct portmap *pm, const char *expected)
{
        _cleanup_json_ json_object *ports = portmap_to_json(pm);

        assert_string_equal(json_to_string(ports), expected);
}

static int allocate(struct portmap *pm, char *message, size_t size)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        int r = portmap_allocate(pm, "web", ENDPOINT_ID, &err);

        snprintf(message, size, "%s", r < 0 ? error_message(&err, r) : "");
        return r;
}

static void allocate_ok(struct portmap *pm)
{
        char message[512];

        assert_int_equal(allocate(pm, message, sizeof(message)), 0);
}

/* Binds a socket of the test itself, as another program would, with
 * SO_REUSEADDR when reuse is set. */
static int bind_port_with(int family, int type, const char *address, uint16_t port, bool reuse)
{
        struct sockaddr_storage sa = { 0 };
        socklen_t len;
        int one = 1;
        int fd = socket(family, type | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        if (reuse)
                assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
        if (family == AF_INET6)
                assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)), 0);
        if (family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *)&sa;

                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                assert_int_equal(inet_pton(AF_INET, address, &in->sin_addr), 1);
                len = sizeof(*in);
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                assert_int_equal(inet_pton(AF_INET6, address, &in6->sin6_addr), 1);
                len = sizeof(*in6);
        }
        if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

static int bind_port(int family, int type, const char *address, uint16_t port)
{
        return bind_port_with(family, type, address, port, false);
}

/* Connects a TCP socket to address:port. Returns 0 or a negative errno. */
static int connect_port(int family, const char *address, uint16_t port)
{
        struct sockaddr_storage sa = { 0 };
        socklen_t len;
        int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int r = 0;

        assert_true(fd >= 0);
        if (family == AF_INET) {
                struct sockaddr_in *in = (struct sockaddr_in *)&sa;

                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                assert_int_equal(inet_pton(AF_INET, address, &in->sin_addr), 1);
                len = sizeof(*in);
        } else {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                assert_int_equal(inet_pton(AF_INET6, address, &in6->sin6_addr), 1);
                len = sizeof(*in6);
        }
        if (connect(fd, (struct sockaddr *)&sa, len) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* Whether the test can bind the port with SO_REUSEADDR set first, as many
 * servers do. */
static bool port_free_reuse(int family, int type, const char *address, uint16_t port)
{
        int fd = bind_port_with(family, type, address, port, true);
        bool ok = fd >= 0;

        if (ok)
                close(fd);
        return ok;
}

/* Whether the test can bind the port itself, so no socket holds it. */
static bool port_free(int family, int type, const char *address, uint16_t port)
{
        int fd = bind_port(family, type, address, port);

        if (fd < 0)
                return false;
        close(fd);
        return true;
}

/* Moves the test into a new network namespace with lo up and an ephemeral
 * range of three ports, 40000 to 40002. */
static int enter_private_netns(void **state)
{
        struct ifreq ifr = { 0 };
        int fd;

        if (unshare(CLONE_NEWNET) < 0)
                return -1;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        ifr.ifr_flags = IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
                close(fd);
                return -1;
        }
        close(fd);
        fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        if (fs_write_all(fd, "40000 40002\n", 12) < 0) {
                close(fd);
                return -1;
        }
        close(fd);
        return 0;
}

/* ---- parsing and the create checks */

static void parse_cli_forms(void **state)
{
        struct portmap *pm;

        /* -p 8000-8001:80-81, expanded by the CLI to one binding a port. */
        pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8000\"}],"
                      "\"81/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8001\"}]}}",
                      "{\"ExposedPorts\":{\"80/tcp\":{},\"81/tcp\":{}}}");
        assert_true(portmap_publishes(pm));
        expect_json(pm, "{\"80/tcp\":null,\"81/tcp\":null}");
        portmap_free(pm);

        /* -p 127.0.0.1::80, -p 80, -p 8000-8010:80, -p [::1]:8080:80, -p 80/sctp */
        pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}}", NULL);
        assert_true(portmap_publishes(pm));
        portmap_free(pm);
        pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]}}", NULL);
        portmap_free(pm);
        pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8000-8010\"}]}}", NULL);
        portmap_free(pm);
        pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"::1\",\"HostPort\":\"8080\"}]}}", NULL);
        portmap_free(pm);
        pm = parse_ok("{\"PortBindings\":{\"80/sctp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]}}", NULL);
        portmap_free(pm);

        /* Exposed only, with -P and without it. */
        pm = parse_ok("{\"PortBindings\":{}}", "{\"ExposedPorts\":{\"80/tcp\":{}}}");
        assert_false(portmap_publishes(pm));
        expect_json(pm, "{\"80/tcp\":null}");
        portmap_free(pm);
        pm = parse_ok("{\"PortBindings\":{},\"PublishAllPorts\":true}", "{\"ExposedPorts\":{\"80/tcp\":{}}}");
        assert_true(portmap_publishes(pm));
        portmap_free(pm);

        /* dockerd publishes only exposed ports. */
        pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8080\"}]}}", "{}");
        assert_false(portmap_publishes(pm));
        portmap_free(pm);

        /* API clients may leave out the protocol, or send a null list. */
        pm = parse_ok("{\"PortBindings\":{\"80\":[{\"HostPort\":\"8080\"}],\"81/TCP\":null}}", NULL);
        assert_true(portmap_publishes(pm));
        portmap_free(pm);
}

static void parse_rejects_invalid(void **state)
{
        expect_invalid("{\"PortBindings\":{\"x/tcp\":[]}}", "invalid port specification: \"x\"");
        expect_invalid("{\"PortBindings\":{\"0/tcp\":[]}}", "invalid port specification: \"0\"");
        expect_invalid("{\"PortBindings\":{\"65536/tcp\":[]}}", "invalid port specification: \"65536\"");
        expect_invalid("{\"PortBindings\":{\"80-81/tcp\":[]}}", "invalid port specification: \"80-81\"");
        expect_invalid("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"99999\"}]}}",
                       "invalid port specification: \"99999\"");
        expect_invalid("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8010-8000\"}]}}",
                       "invalid port specification: \"8010-8000\"");
        expect_invalid("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"http\"}]}}",
                       "invalid port specification: \"http\"");
        expect_invalid("{\"PortBindings\":{\"80/xyz\":[]}}", "invalid proto: xyz");
        expect_invalid("{\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"localhost\",\"HostPort\":\"80\"}]}}",
                       "invalid IP address in port binding: \"localhost\"");
}

/* ---- allocation and reservation */

static void allocate_explicit_port(void **state)
{
        struct portmap *pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8080\"}],"
                                      "\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"5353\"}]}}",
                                      NULL);

        allocate_ok(pm);
        assert_false(port_free(AF_INET, SOCK_STREAM, "0.0.0.0", 8080));
        assert_false(port_free(AF_INET6, SOCK_STREAM, "::", 8080));
        assert_false(port_free(AF_INET, SOCK_DGRAM, "127.0.0.1", 5353));
        /* IPv4 listens, IPv6 resets, so that clients fall back to IPv4. */
        assert_int_equal(connect_port(AF_INET, "127.0.0.1", 8080), 0);
        assert_int_equal(connect_port(AF_INET6, "::1", 8080), -ECONNREFUSED);
        /* A program that sets SO_REUSEADDR cannot share a reserved port.
         * The IPv6 TCP reservation sets SO_REUSEADDR itself, so that the
         * userland proxy's closed connections in TIME_WAIT do not block the
         * next start: while it does not listen, such a program can bind the
         * port too (a NOTE in portmap-reserve.c). */
        assert_false(port_free_reuse(AF_INET, SOCK_DGRAM, "127.0.0.1", 5353));
        /* UDP 8080 and IPv6 5353 are not published. */
        assert_true(port_free(AF_INET, SOCK_DGRAM, "0.0.0.0", 8080));
        assert_true(port_free(AF_INET6, SOCK_DGRAM, "::", 5353));

        portmap_release(pm);
        assert_true(port_free(AF_INET, SOCK_STREAM, "0.0.0.0", 8080));
        assert_true(port_free(AF_INET6, SOCK_STREAM, "::", 8080));
        assert_true(port_free(AF_INET, SOCK_DGRAM, "127.0.0.1", 5353));
        portmap_free(pm);
}

static void allocate_conflict_with_program(void **state)
{
        struct portmap *pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8081\"}],"
                                      "\"81/tcp\":[{\"HostPort\":\"8082\"}]}}",
                                      NULL);
        int fd = bind_port(AF_INET, SOCK_STREAM, "0.0.0.0", 8082);
        char message[512];

        assert_true(fd >= 0);
        assert_int_equal(listen(fd, 1), 0);
        assert_int_equal(allocate(pm, message, sizeof(message)), -EADDRINUSE);
        assert_string_equal(message, "driver failed programming external connectivity on endpoint web (" ENDPOINT_ID
                                     "): Error starting userland proxy: listen tcp4 0.0.0.0:8082: bind: address "
                                     "already in use");
        /* The port reserved before the failure is free again. */
        assert_true(port_free(AF_INET, SOCK_STREAM, "0.0.0.0", 8081));
        expect_json(pm, "{\"80/tcp\":null,\"81/tcp\":null}");
        close(fd);
        allocate_ok(pm);
        portmap_free(pm);
}

static void allocate_conflict_between_containers(void **state)
{
        const char *text = "{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8083\"}]}}";
        struct portmap *first = parse_ok(text, NULL), *second = parse_ok(text, NULL);
        char message[512];

        allocate_ok(first);
        assert_int_equal(allocate(second, message, sizeof(message)), -EADDRINUSE);
        assert_string_equal(message, "driver failed programming external connectivity on endpoint web (" ENDPOINT_ID
                                     "): Bind for 0.0.0.0:8083 failed: port is already allocated");
        portmap_free(first);
        allocate_ok(second);
        portmap_free(second);
}

static void allocate_in_range(void **state)
{
        struct portmap *pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"9000-9002\"}]}}", NULL);
        int fd = bind_port(AF_INET, SOCK_STREAM, "0.0.0.0", 9000);

        assert_true(fd >= 0);
        assert_int_equal(listen(fd, 1), 0);
        allocate_ok(pm);
        expect_json(pm, "{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"9001\"},"
                        "{\"HostIp\":\"::\",\"HostPort\":\"9001\"}]}");
        portmap_free(pm);
        close(fd);
}

/* The ephemeral range is 40000 to 40002 in the test's namespace. UDP on
 * 127.0.0.2 has a cursor that no other test moves. */
static void allocate_ephemeral(void **state)
{
        const char *one = "{\"PortBindings\":{\"80/udp\":[{\"HostIp\":\"127.0.0.2\"}]}}";
        struct portmap *a = parse_ok(one, NULL), *b = parse_ok(one, NULL);
        struct portmap *c = parse_ok("{\"PortBindings\":{\"80/udp\":[{\"HostIp\":\"127.0.0.2\"}],"
                                     "\"81/udp\":[{\"HostIp\":\"127.0.0.2\"}]}}",
                                     NULL);
        char message[512];

        allocate_ok(a);
        expect_json(a, "{\"80/udp\":[{\"HostIp\":\"127.0.0.2\",\"HostPort\":\"40000\"}]}");
        allocate_ok(b);
        expect_json(b, "{\"80/udp\":[{\"HostIp\":\"127.0.0.2\",\"HostPort\":\"40001\"}]}");
        assert_false(port_free(AF_INET, SOCK_DGRAM, "127.0.0.2", 40001));

        /* A released port is not handed out again at once. */
        portmap_release(a);
        allocate_ok(a);
        expect_json(a, "{\"80/udp\":[{\"HostIp\":\"127.0.0.2\",\"HostPort\":\"40002\"}]}");

        /* One port, 40000, is left for two bindings. */
        assert_int_equal(allocate(c, message, sizeof(message)), -EADDRINUSE);
        assert_string_equal(message, "driver failed programming external connectivity on endpoint web (" ENDPOINT_ID
                                     "): all ports are allocated");
        assert_true(port_free(AF_INET, SOCK_DGRAM, "127.0.0.2", 40000));
        portmap_free(a);
        portmap_free(b);
        portmap_free(c);
}

/* SCTP needs the kernel's sctp module. Without it the start fails with
 * dockerd's message instead of a search through the ephemeral range. */
static void allocate_sctp(void **state)
{
        struct portmap *pm = parse_ok("{\"PortBindings\":{\"80/sctp\":[{}]}}", NULL);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_SCTP);
        char message[512];

        if (fd >= 0) {
                close(fd);
                allocate_ok(pm);
                assert_true(portmap_publishes(pm));
        } else {
                assert_int_equal(errno, EPROTONOSUPPORT);
                assert_int_equal(allocate(pm, message, sizeof(message)), -EPROTONOSUPPORT);
                assert_string_equal(message,
                                    "driver failed programming external connectivity on endpoint web (" ENDPOINT_ID
                                    "): Error starting userland proxy: protocol not supported");
        }
        portmap_free(pm);
}

/* ---- NetworkSettings.Ports, nftables, state */

/* docker run -p 8080:80 -p 127.0.0.1::53/udp -P on an image with EXPOSE
 * 443, with the request body that the docker CLI 20.10 sends. dockerd
 * 20.10.24 showed this object, with 32768 from its ephemeral range where
 * the test's range gives 40000: keys sorted as Go sorts map keys, IPv4
 * then IPv6 per binding, one ephemeral cursor per protocol and address. */
static void render_cli_example(void **state)
{
        struct portmap *pm = parse_ok("{\"PortBindings\":{\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}],"
                                      "\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]},"
                                      "\"PublishAllPorts\":true}",
                                      "{\"ExposedPorts\":{\"443/tcp\":{},\"53/udp\":{},\"80/tcp\":{}}}");

        expect_json(pm, "{\"443/tcp\":null,\"53/udp\":null,\"80/tcp\":null}");
        allocate_ok(pm);
        expect_json(pm, "{\"443/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"40000\"},"
                        "{\"HostIp\":\"::\",\"HostPort\":\"40000\"}],"
                        "\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"40000\"}],"
                        "\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"},"
                        "{\"HostIp\":\"::\",\"HostPort\":\"8080\"}]}");
        portmap_release(pm);
        expect_json(pm, "{\"443/tcp\":null,\"53/udp\":null,\"80/tcp\":null}");
        portmap_free(pm);
}

static void render_exposed_only(void **state)
{
        struct portmap *pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8084\"}]}}",
                                      "{\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{}}}");

        allocate_ok(pm);
        expect_json(pm, "{\"443/tcp\":null,\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8084\"},"
                        "{\"HostIp\":\"::\",\"HostPort\":\"8084\"}]}");
        portmap_free(pm);
}

static void nft_ports_follow_addresses(void **state)
{
        struct portmap *pm = parse_ok("{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8085\"}],"
                                      "\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"5354\"}]}}",
                                      NULL);
        struct netns_addr addrs[2];
        struct nft_port *ports = NULL;
        size_t n = 0;
        char text[INET6_ADDRSTRLEN];

        assert_int_equal(netns_addr_parse("172.18.0.2/16", &addrs[0]), 0);
        assert_int_equal(netns_addr_parse("fd00::2/64", &addrs[1]), 0);
        allocate_ok(pm);

        /* IPv4 only: one rule a binding. */
        assert_int_equal(portmap_nft_ports(pm, addrs, 1, "br-test", &ports, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(ports[0].family, AF_INET);
        assert_int_equal(ports[0].protocol, IPPROTO_TCP);
        assert_true(ports[0].host_addr_any);
        assert_int_equal(ports[0].host_port_first, 8085);
        assert_int_equal(ports[0].host_port_last, 8085);
        assert_int_equal(ports[0].container_port_first, 80);
        assert_string_equal(ports[0].bridge, "br-test");
        inet_ntop(AF_INET, &ports[0].container_addr.v4, text, sizeof(text));
        assert_string_equal(text, "172.18.0.2");
        assert_int_equal(ports[1].protocol, IPPROTO_UDP);
        assert_false(ports[1].host_addr_any);
        inet_ntop(AF_INET, &ports[1].host_addr.v4, text, sizeof(text));
        assert_string_equal(text, "127.0.0.1");
        free(ports);

        /* With IPv6 too, the binding on every address gets an IPv6 rule. */
        assert_int_equal(portmap_nft_ports(pm, addrs, 2, "br-test", &ports, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(ports[1].family, AF_INET6);
        assert_true(ports[1].host_addr_any);
        inet_ntop(AF_INET6, &ports[1].container_addr.v6, text, sizeof(text));
        assert_string_equal(text, "fd00::2");
        free(ports);

        portmap_release(pm);
        assert_int_equal(portmap_nft_ports(pm, addrs, 2, "br-test", &ports, &n), 0);
        assert_int_equal(n, 0);
        assert_null(ports);
        portmap_free(pm);
}

static void state_round_trip(void **state)
{
        const char *host_config = "{\"PortBindings\":{\"80/tcp\":[{\"HostPort\":\"8086\"},{}],"
                                  "\"81/tcp\":[{\"HostPort\":\"9100-9105\"}]}}";
        struct portmap *pm = parse_ok(host_config, NULL), *restored;
        _cleanup_json_ json_object *saved = NULL, *before = NULL, *after = NULL;

        allocate_ok(pm);
        saved = portmap_state_to_json(pm);
        assert_string_equal(json_to_string(saved), "{\"80/tcp\":[8086,40001],\"81/tcp\":[9100]}");
        before = portmap_to_json(pm);
        /* The daemon stops: the sockets go, the ports are kept on disk. */
        portmap_free(pm);

        restored = parse_ok(host_config, NULL);
        assert_int_equal(portmap_state_restore(restored, saved), 0);
        allocate_ok(restored);
        after = portmap_to_json(restored);
        assert_string_equal(json_to_string(after), json_to_string(before));
        portmap_free(restored);

        restored = parse_ok(host_config, NULL);
        {
                _cleanup_json_ json_object *array = parse_json("[8080]");
                _cleanup_json_ json_object *big = parse_json("{\"80/tcp\":[65536]}");
                _cleanup_json_ json_object *text = parse_json("{\"80/tcp\":[\"8080\"]}");

                assert_int_equal(portmap_state_restore(restored, array), -EINVAL);
                assert_int_equal(portmap_state_restore(restored, big), -EINVAL);
                assert_int_equal(portmap_state_restore(restored, text), -EINVAL);
        }
        portmap_free(restored);
}

int main(void)
{
        const struct CMUnitTest parsing[] = {
                cmocka_unit_test(parse_cli_forms),
                cmocka_unit_test(parse_rejects_invalid),
        };
        const struct CMUnitTest reservation[] = {
                cmocka_unit_test(allocate_explicit_port),
                cmocka_unit_test(allocate_conflict_with_program),
                cmocka_unit_test(allocate_conflict_between_containers),
                cmocka_unit_test(render_cli_example),
                cmocka_unit_test(allocate_in_range),
                cmocka_unit_test(allocate_ephemeral),
                cmocka_unit_test(allocate_sctp),
                cmocka_unit_test(render_exposed_only),
                cmocka_unit_test(nft_ports_follow_addresses),
                cmocka_unit_test(state_round_trip),
        };
        int failed = cmocka_run_group_tests(parsing, NULL, NULL);

        return failed + cmocka_run_group_tests(reservation, enter_private_netns, NULL);
}
