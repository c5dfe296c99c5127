/* SPDX-License-Identifier: Apache-2.0 */
/* A container's /etc/hosts and /etc/resolv.conf for each network mode, the
 * upstreams of the embedded DNS server, the variables of legacy links, and
 * the in-place update of a bind-mounted hosts file. The cases marked
 * "dockerd" are files that dockerd 20.10.24 wrote for the same options.
 * The others follow its source (daemon, libnetwork etchosts and
 * resolvconf). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "daemon.h"
#include "engine/container.h"
#include "engine/etcfiles-internal.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "strv.h"

#define DEFAULT_HOSTS                                 \
        "127.0.0.1\tlocalhost\n"                      \
        "::1\tlocalhost ip6-localhost ip6-loopback\n" \
        "fe00::0\tip6-localnet\n"                     \
        "ff00::0\tip6-mcastprefix\n"                  \
        "ff02::1\tip6-allnodes\n"                     \
        "ff02::2\tip6-allrouters\n"

static json_object *parse_json(const char *text)
{
        json_object *obj = NULL;

        assert_int_equal(json_parse_buffer(text, strlen(text), &obj, NULL), 0);
        return obj;
}

static void expect_hosts(const char *hostname, const char *domainname, const char *extra_hosts,
                         const struct etcfiles_network *net, const char *expected)
{
        _cleanup_json_ json_object *extra = extra_hosts ? parse_json(extra_hosts) : NULL;
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(etcfiles_hosts_text(hostname, domainname, NULL, extra, net, &text, &err), 0);
        assert_string_equal(text, expected);
}

static void expect_resolv(const char *host, const struct etcfiles_dns *dns, const struct etcfiles_network *net,
                          const char *expected)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *text = NULL;

        assert_int_equal(etcfiles_resolv_text(host, dns, net, &text, &err), 0);
        assert_string_equal(text, expected);
}

/* ---- /etc/hosts */

/* dockerd: docker run --link db1:my-db --link web, with web's line the
 * form without NAME; here with --add-host entries before the links. */
static void hosts_default_bridge(void **state)
{
        const struct etcfiles_endpoint endpoint = { .address = "172.17.0.2" };
        const struct etcfiles_link link = {
                .alias = "webalias", .name = "web", .hostname = "0123456789ab", .address = "172.17.0.3"
        };
        const struct etcfiles_network net = {
                .endpoints = &endpoint, .n_endpoints = 1, .links = &link, .n_links = 1, .host_gateway = "172.17.0.1"
        };

        expect_hosts("abc123def456", "", "[\"db:10.0.0.5\",\"host.docker.internal:host-gateway\"]", &net,
                     DEFAULT_HOSTS "10.0.0.5\tdb\n"
                                   "172.17.0.1\thost.docker.internal\n"
                                   "172.17.0.3\twebalias 0123456789ab web\n"
                                   "172.17.0.2\tabc123def456\n");
}

static void hosts_link_alias_equals_name(void **state)
{
        const struct etcfiles_link link = {
                .alias = "web", .name = "web", .hostname = "0123456789ab", .address = "172.17.0.3"
        };
        const struct etcfiles_network net = { .links = &link, .n_links = 1 };

        expect_hosts("abc123def456", "", NULL, &net, DEFAULT_HOSTS "172.17.0.3\tweb 0123456789ab\n");
}

/* dockerd: docker run --network front -h app --domainname example.com
 * --add-host db:10.0.0.5 --add-host gw:host-gateway, then docker network
 * connect bridge. */
static void hosts_connect_with_domain(void **state)
{
        const struct etcfiles_endpoint endpoints[] = { { .address = "172.18.0.2" }, { .address = "172.17.0.4" } };
        struct etcfiles_network net = {
                .endpoints = endpoints, .n_endpoints = 1, .host_gateway = "172.17.0.1", .embedded_dns = true
        };
        const char *extra = "[\"db:10.0.0.5\",\"gw:host-gateway\"]";

        expect_hosts("app", "example.com", extra, &net,
                     DEFAULT_HOSTS "10.0.0.5\tdb\n172.17.0.1\tgw\n172.18.0.2\tapp.example.com app\n");
        net.n_endpoints = 2;
        expect_hosts("app", "example.com", extra, &net,
                     DEFAULT_HOSTS "10.0.0.5\tdb\n172.17.0.1\tgw\n172.18.0.2\tapp.example.com app\n"
                                   "172.17.0.4\tapp.example.com app\n");
}

static void hosts_user_networks(void **state)
{
        const struct etcfiles_endpoint endpoints[] = {
                { .address = "172.18.0.2" },
                { .address = "172.19.0.5", .address6 = "fd00::5" },
                { .address6 = "fd01::7" },
        };
        const struct etcfiles_network net = { .endpoints = endpoints, .n_endpoints = 3, .embedded_dns = true };

        expect_hosts("app", "example.com", NULL, &net,
                     DEFAULT_HOSTS "172.18.0.2\tapp.example.com app\n"
                                   "172.19.0.5\tapp.example.com app\n"
                                   "fd01::7\tapp.example.com app\n");
        expect_hosts("app.corp", "", NULL, &net,
                     DEFAULT_HOSTS "172.18.0.2\tapp.corp app\n"
                                   "172.19.0.5\tapp.corp app\n"
                                   "fd01::7\tapp.corp app\n");
}

static void hosts_without_network(void **state)
{
        expect_hosts("abc", "", "[\"db:10.0.0.5\"]", NULL, DEFAULT_HOSTS "10.0.0.5\tdb\n");
}

static void hosts_host_gateway_unknown(void **state)
{
        _cleanup_json_ json_object *extra = parse_json("[\"gw:host-gateway\"]");
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *text = NULL;
        const struct etcfiles_network net = { 0 };

        assert_int_equal(etcfiles_hosts_text("abc", "", NULL, extra, &net, &text, &err), -EINVAL);
        assert_string_equal(error_message(&err, -EINVAL), "unable to derive the IP value for host-gateway");
}

/* ---- /etc/resolv.conf */

static const char host_resolv[] = "nameserver 127.0.0.53\n"
                                  "options edns0 trust-ad\n"
                                  "search example.com\n";

static void resolv_default_bridge(void **state)
{
        const struct etcfiles_dns none = { 0 };
        const struct etcfiles_network bridge = { 0 };
        char *servers[] = { "10.0.0.2", NULL };
        char *search[] = { "corp.example", NULL };
        char *dot[] = { ".", NULL };
        char *options[] = { "timeout:1", NULL };

        /* No nameserver is left: dockerd's public fallback. */
        expect_resolv(host_resolv, &none, &bridge,
                      "options edns0 trust-ad\nsearch example.com\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
        /* --dns: the host's search and options stay. */
        expect_resolv(host_resolv, &(struct etcfiles_dns){ .servers = servers }, &bridge,
                      "search example.com\nnameserver 10.0.0.2\noptions edns0 trust-ad\n");
        expect_resolv("nameserver 10.0.0.1\n", &(struct etcfiles_dns){ .search = search, .options = options }, &bridge,
                      "search corp.example\nnameserver 10.0.0.1\noptions timeout:1\n");
        /* --dns-search . removes the search line. */
        expect_resolv("nameserver 10.0.0.1\nsearch example.com\n",
                      &(struct etcfiles_dns){ .servers = servers, .search = dot }, &bridge, "nameserver 10.0.0.2\n");
        /* Without a readable host file. */
        expect_resolv(NULL, &none, &bridge, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
}

static void resolv_without_network(void **state)
{
        const struct etcfiles_dns none = { 0 };

        expect_resolv(host_resolv, &none, NULL, "options edns0 trust-ad\nsearch example.com\n");
        expect_resolv("nameserver 10.0.0.1\nnameserver ::1\n", &none, NULL, "nameserver 10.0.0.1\n");
}

/* dockerd, with the daemon's --dns 127.0.0.1: a plain run on a user
 * network, then --dns 10.0.0.2 --dns fd00::2 --dns-search corp.example
 * --dns-option timeout:1, then --dns-option ndots:2. */
static void resolv_user_network_dockerd(void **state)
{
        const struct etcfiles_network user = { .embedded_dns = true };
        char *daemon_servers[] = { "127.0.0.1", NULL };
        char *servers[] = { "10.0.0.2", "fd00::2", NULL };
        char *search[] = { "corp.example", NULL };
        char *timeout[] = { "timeout:1", NULL };
        char *ndots[] = { "ndots:2", NULL };

        expect_resolv("nameserver 10.0.0.1\n", &(struct etcfiles_dns){ .servers = daemon_servers }, &user,
                      "nameserver 127.0.0.11\noptions ndots:0\n");
        expect_resolv("", &(struct etcfiles_dns){ .servers = servers, .search = search, .options = timeout }, &user,
                      "search corp.example\nnameserver 127.0.0.11\nnameserver fd00::2\noptions timeout:1 ndots:0\n");
        expect_resolv("", &(struct etcfiles_dns){ .servers = daemon_servers, .options = ndots }, &user,
                      "nameserver 127.0.0.11\noptions ndots:2\n");
}

static void resolv_user_network(void **state)
{
        const struct etcfiles_dns none = { 0 };
        const struct etcfiles_network user = { .embedded_dns = true };
        char *servers[] = { "10.0.0.2", "fd00::2", NULL };
        char *ndots[] = { "ndots:2", "timeout:1", NULL };

        expect_resolv("nameserver 10.0.0.1\nnameserver fd00::1\nsearch example.com\n", &none, &user,
                      "search example.com\nnameserver 127.0.0.11\nnameserver fd00::1\noptions ndots:0\n");
        expect_resolv(host_resolv, &(struct etcfiles_dns){ .servers = servers }, &user,
                      "search example.com\nnameserver 127.0.0.11\nnameserver fd00::2\noptions edns0 trust-ad "
                      "ndots:0\n");
        /* A user's ndots wins over the embedded server's ndots:0. */
        expect_resolv("nameserver 10.0.0.1\n", &(struct etcfiles_dns){ .options = ndots }, &user,
                      "nameserver 127.0.0.11\noptions ndots:2 timeout:1\n");
}

static void resolv_user_network_invalid_ndots(void **state)
{
        _cleanup_error_ struct error err = ERROR_INIT;
        _cleanup_free_ char *text = NULL;
        char *options[] = { "ndots:x", NULL };
        const struct etcfiles_network user = { .embedded_dns = true };

        assert_int_equal(etcfiles_resolv_text("nameserver 10.0.0.1\n", &(struct etcfiles_dns){ .options = options },
                                              &user, &text, &err),
                         -EINVAL);
        assert_string_equal(error_message(&err, -EINVAL), "invalid number for ndots option: x");
}

static void dns_upstreams(void **state)
{
        _cleanup_strv_free_ char **upstreams = NULL;
        char *servers[] = { "10.0.0.2", "fd00::2", NULL };

        assert_int_equal(etcfiles_upstreams("nameserver 127.0.0.53\nnameserver fd00::1\nnameserver 10.0.0.1\n",
                                            &(struct etcfiles_dns){ 0 }, &upstreams),
                         0);
        assert_int_equal(strv_length(upstreams), 2);
        assert_string_equal(upstreams[0], "127.0.0.53");
        assert_string_equal(upstreams[1], "10.0.0.1");
        strv_free(upstreams);

        assert_int_equal(etcfiles_upstreams(NULL, &(struct etcfiles_dns){ .servers = servers }, &upstreams), 0);
        assert_int_equal(strv_length(upstreams), 1);
        assert_string_equal(upstreams[0], "10.0.0.2");
        strv_free(upstreams);

        assert_int_equal(etcfiles_upstreams(NULL, &(struct etcfiles_dns){ 0 }, &upstreams), 0);
        assert_non_null(upstreams);
        assert_null(upstreams[0]);
}

/* ---- legacy links */

/* docker run --link db1:my-db, where db1 has Env PASSWORD=x=y, EMPTY= and
 * PATH, and exposes 443, 5432, 8080-8082 and 53/udp: the variables in the
 * order that dockerd 20.10.24 gave its container. A port that starts a
 * range keeps its _ADDR and _PROTO where the range put them. */
static void link_env_vars(void **state)
{
        _cleanup_json_ json_object *env = parse_json("[\"PASSWORD=x=y\",\"EMPTY=\",\"PATH=/bin\"]");
        _cleanup_json_ json_object *exposed = parse_json("{\"443/tcp\":{},\"53/udp\":{},\"5432/tcp\":{},"
                                                         "\"8080/tcp\":{},\"8081/tcp\":{},\"8082/tcp\":{}}");
        const struct etcfiles_link link = {
                .alias = "my-db", .name = "db1", .address = "172.17.0.5", .env = env, .exposed = exposed
        };
        static const char *const expected[] = {
                "MY_DB_PORT=udp://172.17.0.5:53",
                "MY_DB_PORT_8080_TCP_START=tcp://172.17.0.5:8080",
                "MY_DB_PORT_8080_TCP_ADDR=172.17.0.5",
                "MY_DB_PORT_8080_TCP_PROTO=tcp",
                "MY_DB_PORT_8080_TCP_PORT_START=8080",
                "MY_DB_PORT_8080_TCP_END=tcp://172.17.0.5:8082",
                "MY_DB_PORT_8080_TCP_PORT_END=8082",
                "MY_DB_PORT_53_UDP=udp://172.17.0.5:53",
                "MY_DB_PORT_53_UDP_ADDR=172.17.0.5",
                "MY_DB_PORT_53_UDP_PORT=53",
                "MY_DB_PORT_53_UDP_PROTO=udp",
                "MY_DB_PORT_443_TCP=tcp://172.17.0.5:443",
                "MY_DB_PORT_443_TCP_ADDR=172.17.0.5",
                "MY_DB_PORT_443_TCP_PORT=443",
                "MY_DB_PORT_443_TCP_PROTO=tcp",
                "MY_DB_PORT_5432_TCP=tcp://172.17.0.5:5432",
                "MY_DB_PORT_5432_TCP_ADDR=172.17.0.5",
                "MY_DB_PORT_5432_TCP_PORT=5432",
                "MY_DB_PORT_5432_TCP_PROTO=tcp",
                "MY_DB_PORT_8080_TCP=tcp://172.17.0.5:8080",
                "MY_DB_PORT_8080_TCP_PORT=8080",
                "MY_DB_PORT_8081_TCP=tcp://172.17.0.5:8081",
                "MY_DB_PORT_8081_TCP_ADDR=172.17.0.5",
                "MY_DB_PORT_8081_TCP_PORT=8081",
                "MY_DB_PORT_8081_TCP_PROTO=tcp",
                "MY_DB_PORT_8082_TCP=tcp://172.17.0.5:8082",
                "MY_DB_PORT_8082_TCP_ADDR=172.17.0.5",
                "MY_DB_PORT_8082_TCP_PORT=8082",
                "MY_DB_PORT_8082_TCP_PROTO=tcp",
                "MY_DB_NAME=/client/my-db",
                "MY_DB_ENV_PASSWORD=x=y",
                "MY_DB_ENV_EMPTY=",
        };
        _cleanup_strv_free_ char **vars = NULL;

        assert_int_equal(etcfiles_link_env("client", &link, 1, &vars), 0);
        assert_int_equal(strv_length(vars), ARRAY_SIZE(expected));
        for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
                assert_string_equal(vars[i], expected[i]);
}

static void link_env_tcp_before_udp(void **state)
{
        _cleanup_json_ json_object *exposed = parse_json("{\"53/udp\":{},\"53/tcp\":{}}");
        const struct etcfiles_link link = {
                .alias = "dns", .name = "dns", .address = "172.17.0.4", .exposed = exposed
        };
        _cleanup_strv_free_ char **vars = NULL;

        assert_int_equal(etcfiles_link_env("client", &link, 1, &vars), 0);
        assert_string_equal(vars[0], "DNS_PORT=tcp://172.17.0.4:53");
        assert_string_equal(vars[1], "DNS_PORT_53_TCP=tcp://172.17.0.4:53");
        assert_string_equal(vars[5], "DNS_PORT_53_UDP=udp://172.17.0.4:53");
        assert_string_equal(vars[9], "DNS_NAME=/client/dns");
        assert_null(vars[10]);
}

/* ---- the files of a container */

/* Writes the files of a container on a user network into a new directory,
 * binds its hosts file on another file as the runtime binds it into the
 * container, and checks that a connect shows through the bind mount. The
 * test runs in a private mount namespace, so the mount ends with it. */
static void update_hosts_through_bind_mount(void **state)
{
        char dir[] = "/tmp/test-etcfiles-XXXXXX";
        _cleanup_free_ char *source = NULL, *target = NULL, *seen = NULL;
        _cleanup_close_ int dirfd = -1;
        struct daemon_config config = { 0 };
        struct container c = { .id = "0123456789ab" };
        const struct etcfiles_endpoint endpoints[] = { { .address = "172.18.0.2" }, { .address = "172.19.0.3" } };
        struct etcfiles_network net = { .endpoints = endpoints, .n_endpoints = 1, .embedded_dns = true };
        _cleanup_error_ struct error err = ERROR_INIT;
        struct stat before, after;

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fail_msg("a private mount namespace is needed: %m");
        assert_non_null(mkdtemp(dir));
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dirfd >= 0);
        c.config = parse_json("{\"Hostname\":\"0123456789ab\"}");
        c.host_config = parse_json("{\"NetworkMode\":\"front\",\"Dns\":[\"10.0.0.2\"]}");

        assert_int_equal(etcfiles_write_network(&config, &c, dirfd, &net, &err), 0);
        assert_int_equal(fs_read_file_at(dirfd, "resolv.conf", 4096, &seen, NULL), 0);
        assert_string_equal(seen, "nameserver 127.0.0.11\noptions ndots:0\n");
        free(seen);
        seen = NULL;

        source = fs_path_join(dir, "hosts");
        target = fs_path_join(dir, "mounted-hosts");
        assert_int_equal(fs_write_atomic_at(dirfd, "mounted-hosts", "", 0, 0644), 0);
        assert_int_equal(mount(source, target, NULL, MS_BIND, NULL), 0);
        assert_int_equal(stat(source, &before), 0);

        net.n_endpoints = 2;
        assert_int_equal(etcfiles_update_hosts(&c, dirfd, &net, &err), 0);
        assert_int_equal(stat(source, &after), 0);
        assert_int_equal(before.st_ino, after.st_ino);
        assert_int_equal(fs_read_file_at(AT_FDCWD, target, 4096, &seen, NULL), 0);
        assert_string_equal(seen, DEFAULT_HOSTS "172.18.0.2\t0123456789ab\n172.19.0.3\t0123456789ab\n");
        free(seen);
        seen = NULL;

        /* A disconnect makes the file shorter. */
        net.endpoints = &endpoints[1];
        net.n_endpoints = 1;
        assert_int_equal(etcfiles_update_hosts(&c, dirfd, &net, &err), 0);
        assert_int_equal(fs_read_file_at(AT_FDCWD, target, 4096, &seen, NULL), 0);
        assert_string_equal(seen, DEFAULT_HOSTS "172.19.0.3\t0123456789ab\n");

        free(seen);
        seen = NULL;

        /* Leaving the last user-defined network leaves the embedded DNS
         * server too, in the file the container has open. */
        free(target);
        target = fs_path_join(dir, "mounted-resolv.conf");
        free(source);
        source = fs_path_join(dir, "resolv.conf");
        assert_int_equal(fs_write_atomic_at(dirfd, "mounted-resolv.conf", "", 0, 0644), 0);
        assert_int_equal(mount(source, target, NULL, MS_BIND, NULL), 0);
        net.embedded_dns = false;
        assert_int_equal(etcfiles_update_resolv(&config, &c, dirfd, &net, &err), 0);
        assert_int_equal(fs_read_file_at(AT_FDCWD, target, 4096, &seen, NULL), 0);
        assert_string_equal(seen, "nameserver 10.0.0.2\n");
        assert_int_equal(umount2(target, MNT_DETACH), 0);
        free(target);
        target = fs_path_join(dir, "mounted-hosts");

        assert_int_equal(umount2(target, MNT_DETACH), 0);
        assert_int_equal(fs_rm_rf_at(AT_FDCWD, dir), 0);
        json_object_put(c.config);
        json_object_put(c.host_config);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(hosts_default_bridge),
                cmocka_unit_test(hosts_link_alias_equals_name),
                cmocka_unit_test(hosts_connect_with_domain),
                cmocka_unit_test(hosts_user_networks),
                cmocka_unit_test(hosts_without_network),
                cmocka_unit_test(hosts_host_gateway_unknown),
                cmocka_unit_test(resolv_default_bridge),
                cmocka_unit_test(resolv_without_network),
                cmocka_unit_test(resolv_user_network_dockerd),
                cmocka_unit_test(resolv_user_network),
                cmocka_unit_test(resolv_user_network_invalid_ndots),
                cmocka_unit_test(dns_upstreams),
                cmocka_unit_test(link_env_vars),
                cmocka_unit_test(link_env_tcp_before_udp),
                cmocka_unit_test(update_hosts_through_bind_mount),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
