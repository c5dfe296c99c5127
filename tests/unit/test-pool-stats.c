/* SPDX-License-Identifier: Apache-2.0 */
/* docker stats from cgroup v1 and v2 files and /proc, read from
 * directories this test writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "pool/stats.h"

static const struct stats_host host = {
        .machine_memory = 8ULL << 30,
        .system_cpu_ns = 5000000000000ULL,
        .online_cpus = 2,
};

struct fixture {
        char dir[64];
        int fd;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-pool-stats.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        f->fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->fd >= 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        close(f->fd);
        fs_rm_rf_at(AT_FDCWD, f->dir);
        free(f);
        return 0;
}

static void write_file(int dir_fd, const char *name, const char *text)
{
        assert_int_equal(fs_write_atomic_at(dir_fd, name, text, strlen(text), 0644), 0);
}

/* The JSON text of the field at a dotted path, "(missing)" when absent. */
static const char *field(json_object *obj, const char *path)
{
        _cleanup_free_ char *copy = strdup(path);
        char *saved = NULL;

        for (char *key = strtok_r(copy, ".", &saved); key; key = strtok_r(NULL, ".", &saved))
                if (!json_object_object_get_ex(obj, key, &obj))
                        return "(missing)";
        return obj ? json_to_string(obj) : "null";
}

static void cgroup_v1_sample(void **state)
{
        struct fixture *f = *state;
        struct stats_v1_dirs dirs = { .cpuacct = f->fd, .cpu = f->fd, .memory = f->fd, .pids = f->fd, .blkio = f->fd };
        _cleanup_json_ json_object *sample = NULL;

        write_file(f->fd, "cpuacct.usage", "22337190\n");
        write_file(f->fd, "cpuacct.usage_percpu", "19095513 3241677 \n");
        write_file(f->fd, "cpuacct.stat", "user 3\nsystem 1\n");
        write_file(f->fd, "cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 500\nnr_bursts 0\n");
        write_file(f->fd, "memory.usage_in_bytes", "5898240\n");
        write_file(f->fd, "memory.max_usage_in_bytes", "7458816\n");
        write_file(f->fd, "memory.failcnt", "0\n");
        write_file(f->fd, "memory.limit_in_bytes", "9223372036854771712\n");
        write_file(f->fd, "memory.stat", "cache 5341184\nrss 53248\nshmem 0\ntotal_cache 5341184\n");
        write_file(f->fd, "pids.current", "3\n");
        write_file(f->fd, "pids.max", "max\n");
        write_file(f->fd, "blkio.throttle.io_service_bytes", "254:0 Read 98304\n254:0 Write 0\nTotal 98304\n");
        write_file(f->fd, "blkio.throttle.io_serviced", "254:0 Read 9\nTotal 9\n");

        sample = stats_from_cgroup_v1(&dirs, &host);
        assert_string_equal(field(sample, "pids_stats"), "{\"current\":3}");
        assert_string_equal(field(sample, "blkio_stats.io_service_bytes_recursive"),
                            "[{\"major\":254,\"minor\":0,\"op\":\"Read\",\"value\":98304},"
                            "{\"major\":254,\"minor\":0,\"op\":\"Write\",\"value\":0}]");
        assert_string_equal(field(sample, "blkio_stats.io_serviced_recursive"),
                            "[{\"major\":254,\"minor\":0,\"op\":\"Read\",\"value\":9}]");
        assert_string_equal(field(sample, "blkio_stats.sectors_recursive"), "[]");
        assert_string_equal(field(sample, "num_procs"), "0");
        assert_string_equal(field(sample, "storage_stats"), "{}");
        assert_string_equal(field(sample, "cpu_stats"),
                            "{\"cpu_usage\":{\"total_usage\":22337190,\"percpu_usage\":[19095513,3241677],"
                            "\"usage_in_kernelmode\":10000000,\"usage_in_usermode\":30000000},"
                            "\"system_cpu_usage\":5000000000000,\"online_cpus\":2,"
                            "\"throttling_data\":{\"periods\":10,\"throttled_periods\":2,\"throttled_time\":500}}");
        assert_string_equal(field(sample, "memory_stats.usage"), "5898240");
        assert_string_equal(field(sample, "memory_stats.max_usage"), "7458816");
        assert_string_equal(field(sample, "memory_stats.stats.cache"), "5341184");
        assert_string_equal(field(sample, "memory_stats.stats.total_cache"), "5341184");
        assert_string_equal(field(sample, "memory_stats.stats.hierarchical_memsw_limit"), "0");
        /* Keys dockerd does not report stay out. */
        assert_string_equal(field(sample, "memory_stats.stats.shmem"), "(missing)");
        assert_int_equal(json_object_object_length(
                                 json_object_object_get(json_object_object_get(sample, "memory_stats"), "stats")),
                         32);
        assert_string_equal(field(sample, "memory_stats.failcnt"), "(missing)");
        /* An unlimited container reports the machine's memory. */
        assert_string_equal(field(sample, "memory_stats.limit"), "8589934592");
}

/* The CFQ counters win when they count something. */
static void cgroup_v1_cfq_counters(void **state)
{
        struct fixture *f = *state;
        struct stats_v1_dirs dirs = { .cpuacct = -1, .cpu = -1, .memory = -1, .pids = -1, .blkio = f->fd };
        _cleanup_json_ json_object *sample = NULL;

        write_file(f->fd, "blkio.io_serviced_recursive", "8:0 Read 4\n8:0 Total 4\nTotal 4\n");
        write_file(f->fd, "blkio.sectors_recursive", "8:0 16\n");
        write_file(f->fd, "blkio.throttle.io_serviced", "254:0 Read 9\n");

        sample = stats_from_cgroup_v1(&dirs, &host);
        assert_string_equal(field(sample, "blkio_stats.io_serviced_recursive"),
                            "[{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":4},"
                            "{\"major\":8,\"minor\":0,\"op\":\"Total\",\"value\":4}]");
        assert_string_equal(field(sample, "blkio_stats.sectors_recursive"),
                            "[{\"major\":8,\"minor\":0,\"op\":\"\",\"value\":16}]");
        assert_string_equal(field(sample, "memory_stats"), "{}");
        assert_string_equal(field(sample, "pids_stats"), "{}");
}

static void cgroup_v2_sample(void **state)
{
        struct fixture *f = *state;
        _cleanup_json_ json_object *sample = NULL;

        write_file(f->fd, "cpu.stat",
                   "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 4\nnr_throttled 1\n"
                   "throttled_usec 30\n");
        write_file(f->fd, "memory.current", "1048576\n");
        write_file(f->fd, "memory.max", "67108864\n");
        write_file(f->fd, "memory.stat", "anon 4096\nfile 8192\nworkingset_refault_anon 0\npgfault 12\n");
        write_file(f->fd, "memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n");
        write_file(f->fd, "pids.current", "1\n");
        write_file(f->fd, "pids.max", "50\n");
        write_file(f->fd, "io.stat", "254:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n");

        sample = stats_from_cgroup_v2(f->fd, &host);
        assert_string_equal(field(sample, "pids_stats"), "{\"current\":1,\"limit\":50}");
        assert_string_equal(field(sample, "blkio_stats.io_service_bytes_recursive"),
                            "[{\"major\":254,\"minor\":0,\"op\":\"read\",\"value\":4096},"
                            "{\"major\":254,\"minor\":0,\"op\":\"write\",\"value\":512}]");
        assert_string_equal(field(sample, "blkio_stats.io_serviced_recursive"), "null");
        assert_string_equal(field(sample, "cpu_stats.cpu_usage"),
                            "{\"total_usage\":2000000,\"usage_in_kernelmode\":500000,\"usage_in_usermode\":1500000}");
        assert_string_equal(field(sample, "cpu_stats.throttling_data"),
                            "{\"periods\":4,\"throttled_periods\":1,\"throttled_time\":30000}");
        assert_string_equal(field(sample, "memory_stats.usage"), "1048576");
        assert_string_equal(field(sample, "memory_stats.max_usage"), "(missing)");
        assert_string_equal(field(sample, "memory_stats.stats.anon"), "4096");
        assert_string_equal(field(sample, "memory_stats.stats.pgfault"), "12");
        assert_string_equal(field(sample, "memory_stats.stats.workingset_refault"), "0");
        assert_int_equal(json_object_object_length(
                                 json_object_object_get(json_object_object_get(sample, "memory_stats"), "stats")),
                         31);
        assert_string_equal(field(sample, "memory_stats.failcnt"), "2");
        assert_string_equal(field(sample, "memory_stats.limit"), "67108864");
}

/* Without the memory controller in the cgroup: no memory stats; without
 * a limit: the machine's memory. */
static void cgroup_v2_without_controllers(void **state)
{
        struct fixture *f = *state;
        _cleanup_json_ json_object *bare = NULL, *unlimited = NULL;

        write_file(f->fd, "cpu.stat", "usage_usec 10\nuser_usec 5\nsystem_usec 5\n");
        bare = stats_from_cgroup_v2(f->fd, &host);
        assert_string_equal(field(bare, "memory_stats"), "{}");
        assert_string_equal(field(bare, "pids_stats"), "{}");
        assert_string_equal(field(bare, "blkio_stats.io_service_bytes_recursive"), "null");
        assert_string_equal(field(bare, "cpu_stats.cpu_usage.total_usage"), "10000");

        write_file(f->fd, "memory.stat", "anon 1\n");
        write_file(f->fd, "memory.max", "max\n");
        unlimited = stats_from_cgroup_v2(f->fd, &host);
        assert_string_equal(field(unlimited, "memory_stats.limit"), "8589934592");
}

static void proc_stat_and_meminfo(void **state)
{
        struct stats_host parsed = { 0 };

        assert_int_equal(stats_parse_proc_stat("cpu  100 0 50 800 10 0 40 7 0 0\n"
                                               "cpu0 50 0 25 400 5 0 20 0 0 0\n"
                                               "cpu1 50 0 25 400 5 0 20 0 0 0\n"
                                               "intr 1 2 3\n"
                                               "cpu9 this line comes after intr\n",
                                               &parsed),
                         0);
        /* 1000 ticks of 10 ms; steal (7) is the eighth field and stays out. */
        assert_int_equal(parsed.system_cpu_ns, 10000000000ULL);
        assert_int_equal(parsed.online_cpus, 2);
        assert_int_equal(stats_parse_proc_stat("cpu  1 2\n", &parsed), -EINVAL);

        assert_int_equal(stats_parse_meminfo("MemTotal:       24684576 kB\nMemFree: 1 kB\n"), 24684576ULL * 1024);
        assert_int_equal(stats_parse_meminfo("MemFree: 1 kB\n"), 0);
}

static void net_dev_without_loopback(void **state)
{
        static const char text[] =
                "Inter-|   Receive                                                |  Transmit\n"
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo "
                "colls carrier compressed\n"
                "    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     "
                "0       0          0\n"
                "  eth1:    2000      20    1    2    0     0          0         0     3000      30    3    4    0     "
                "0       0          0\n"
                "  eth0:    1000      10    0    0    0     0          0         0      500       5    0    0    0     "
                "0       0          0\n";
        _cleanup_json_ json_object *nets = stats_parse_net_dev(text);

        assert_non_null(nets);
        assert_string_equal(json_to_string(nets),
                            "{\"eth0\":{\"rx_bytes\":1000,\"rx_packets\":10,\"rx_errors\":0,\"rx_dropped\":0,"
                            "\"tx_bytes\":500,\"tx_packets\":5,\"tx_errors\":0,\"tx_dropped\":0},"
                            "\"eth1\":{\"rx_bytes\":2000,\"rx_packets\":20,\"rx_errors\":1,\"rx_dropped\":2,"
                            "\"tx_bytes\":3000,\"tx_packets\":30,\"tx_errors\":3,\"tx_dropped\":4}}");
        assert_null(stats_parse_net_dev("Inter-|\n face |\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(cgroup_v1_sample, setup, teardown),
                cmocka_unit_test_setup_teardown(cgroup_v1_cfq_counters, setup, teardown),
                cmocka_unit_test_setup_teardown(cgroup_v2_sample, setup, teardown),
                cmocka_unit_test_setup_teardown(cgroup_v2_without_controllers, setup, teardown),
                cmocka_unit_test(proc_stat_and_meminfo),
                cmocka_unit_test(net_dev_without_loopback),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
