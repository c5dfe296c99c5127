/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v1 and v2 file writes of runtime/cgroup*.c, checked on a
 * temporary directory that stands in for a container's cgroup. Each test
 * creates the files a kernel would offer and reads back what was written;
 * a file the kernel lacks is simply not created. No root is needed, so the
 * cgroup v2 writes are checked even on a host without a v2 hierarchy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "runtime/cgroup.h"

#define TMPDIR_TEMPLATE "/tmp/test-runtime-cgroup-XXXXXX"

struct fixture {
        char dir[sizeof(TMPDIR_TEMPLATE)];
        int fd;
        struct runtime_resources res;
        struct runtime_blkio_device devices[2];
        struct error err;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        strcpy(f->dir, TMPDIR_TEMPLATE);
        if (!mkdtemp(f->dir))
                return -1;
        f->fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (f->fd < 0)
                return -1;
        f->err = ERROR_INIT;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        close(f->fd);
        fs_rm_rf_at(AT_FDCWD, f->dir);
        error_clear(&f->err);
        free(f);
        return 0;
}

/* Creates the cgroup file name with content, as the kernel would offer it. */
static void offer(struct fixture *f, const char *name, const char *content)
{
        assert_int_equal(fs_write_atomic_at(f->fd, name, content, strlen(content), 0644), 0);
}

/* Returns what the file holds. The runtime writes cgroup files without
 * truncating them, so a test offers an empty file for each value it
 * checks, or a value as long as the one written over it. */
static char *content(struct fixture *f, const char *name)
{
        static char text[256];
        char *data = NULL;

        assert_int_equal(fs_read_file_at(f->fd, name, sizeof(text) - 1, &data, NULL), 0);
        snprintf(text, sizeof(text), "%s", data);
        free(data);
        return text;
}

static void set_device(struct runtime_blkio_device *d, int64_t major, int64_t minor, uint64_t value)
{
        *d = (struct runtime_blkio_device){ .major = major, .minor = minor, .value = value };
}

static void v1_blkio_weights(void **state)
{
        struct fixture *f = *state;

        offer(f, "blkio.weight", "");
        offer(f, "blkio.weight_device", "");
        f->res.blkio.weight = 500;
        set_device(&f->devices[0], 8, 16, 300);
        f->res.blkio.weight_devices = f->devices;
        f->res.blkio.n_weight_devices = 1;

        assert_int_equal(cgroup_v1_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "blkio.weight"), "500");
        assert_string_equal(content(f, "blkio.weight_device"), "8:16 300");
}

static void v1_blkio_bfq_weights(void **state)
{
        struct fixture *f = *state;

        offer(f, "blkio.bfq.weight", "");
        f->res.blkio.weight = 5;

        assert_int_equal(cgroup_v1_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "blkio.bfq.weight"), "5");
}

static void v1_blkio_weight_unsupported(void **state)
{
        struct fixture *f = *state;

        offer(f, "blkio.throttle.read_bps_device", "");
        f->res.blkio.weight = 500;

        assert_int_equal(cgroup_v1_ops.set_blkio(f->fd, &f->res, &f->err), -EOPNOTSUPP);
        assert_string_equal(f->err.message, "block I/O weights are not supported: the blkio cgroup controller has "
                                            "no weight file (it needs the BFQ I/O scheduler)");
}

static void v1_blkio_throttle(void **state)
{
        static const char *const files[] = {
                "blkio.throttle.read_bps_device",
                "blkio.throttle.write_bps_device",
                "blkio.throttle.read_iops_device",
                "blkio.throttle.write_iops_device",
        };
        struct fixture *f = *state;
        struct runtime_blkio_device devices[4];
        char want[64];

        for (size_t i = 0; i < 4; i++) {
                offer(f, files[i], "");
                set_device(&devices[i], 254, (int64_t)i, 1000 * (i + 1));
                f->res.blkio.throttle[i] = &devices[i];
                f->res.blkio.n_throttle[i] = 1;
        }

        assert_int_equal(cgroup_v1_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        for (size_t i = 0; i < 4; i++) {
                snprintf(want, sizeof(want), "254:%zu %zu", i, 1000 * (i + 1));
                assert_string_equal(content(f, files[i]), want);
        }
}

static void v1_blkio_missing_file(void **state)
{
        struct fixture *f = *state;

        set_device(&f->devices[0], 8, 0, 100);
        f->res.blkio.throttle[RUNTIME_BLKIO_WRITE_IOPS] = f->devices;
        f->res.blkio.n_throttle[RUNTIME_BLKIO_WRITE_IOPS] = 1;

        assert_int_equal(cgroup_v1_ops.set_blkio(f->fd, &f->res, &f->err), -ENOENT);
        assert_string_equal(f->err.message,
                            "failed to open cgroup file blkio.throttle.write_iops_device: No such file or directory");
}

static void v2_io_weight(void **state)
{
        struct fixture *f = *state;

        offer(f, "io.weight", "");
        f->res.blkio.weight = 500;

        assert_int_equal(cgroup_v2_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        /* 1 + (500 - 10) * 9999 / 990 */
        assert_string_equal(content(f, "io.weight"), "4950");
}

static void v2_io_prefers_bfq_weight(void **state)
{
        struct fixture *f = *state;

        offer(f, "io.weight", "default 100\n");
        offer(f, "io.bfq.weight", "");
        f->res.blkio.weight = 500;

        assert_int_equal(cgroup_v2_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "io.bfq.weight"), "500");
        assert_string_equal(content(f, "io.weight"), "default 100\n");
}

static void v2_io_weight_scale(void **state)
{
        struct fixture *f = *state;

        offer(f, "io.weight", "");
        set_device(&f->devices[0], 8, 0, 1000);
        f->res.blkio.weight_devices = f->devices;
        f->res.blkio.n_weight_devices = 1;

        assert_int_equal(cgroup_v2_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "io.weight"), "8:0 10000");
}

static void v2_io_bfq_weight(void **state)
{
        struct fixture *f = *state;

        offer(f, "io.bfq.weight", "");
        set_device(&f->devices[0], 8, 0, 10);
        f->res.blkio.weight_devices = f->devices;
        f->res.blkio.n_weight_devices = 1;

        assert_int_equal(cgroup_v2_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "io.bfq.weight"), "8:0 10");
}

static void v2_io_weight_unsupported(void **state)
{
        struct fixture *f = *state;

        offer(f, "io.max", "");
        f->res.blkio.weight = 300;

        assert_int_equal(cgroup_v2_ops.set_blkio(f->fd, &f->res, &f->err), -EOPNOTSUPP);
        assert_string_equal(f->err.message, "block I/O weights are not supported: the io cgroup controller has "
                                            "neither io.weight nor io.bfq.weight");
}

static void v2_io_max(void **state)
{
        struct fixture *f = *state;

        offer(f, "io.max", "");
        set_device(&f->devices[0], 254, 0, 2097152);
        f->res.blkio.throttle[RUNTIME_BLKIO_WRITE_BPS] = f->devices;
        f->res.blkio.n_throttle[RUNTIME_BLKIO_WRITE_BPS] = 1;

        assert_int_equal(cgroup_v2_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "io.max"), "254:0 wbps=2097152");
}

static void v2_io_max_unlimited(void **state)
{
        struct fixture *f = *state;

        offer(f, "io.max", "");
        set_device(&f->devices[0], 8, 32, 0);
        f->res.blkio.throttle[RUNTIME_BLKIO_READ_IOPS] = f->devices;
        f->res.blkio.n_throttle[RUNTIME_BLKIO_READ_IOPS] = 1;

        assert_int_equal(cgroup_v2_ops.set_blkio(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "io.max"), "8:32 riops=max");
}

static void v1_memory_swappiness(void **state)
{
        struct fixture *f = *state;

        offer(f, "memory.swappiness", "");
        f->res.has_memory_swappiness = true;
        f->res.memory_swappiness = 0;

        assert_int_equal(cgroup_v1_ops.set_memory(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "memory.swappiness"), "0");
}

/* A directory in place of memory.limit_in_bytes makes that write fail, so
 * the test sees which of the two limits was written first. */
static void v1_memory_raise_writes_swap_first(void **state)
{
        struct fixture *f = *state;

        offer(f, "memory.memsw.limit_in_bytes", "134217728\n");
        assert_int_equal(mkdirat(f->fd, "memory.limit_in_bytes", 0755), 0);
        f->res.has_memory_limit = true;
        f->res.memory_limit = 268435456;
        f->res.has_memory_swap = true;
        f->res.memory_swap = 536870912;

        assert_int_equal(cgroup_v1_ops.set_memory(f->fd, &f->res, &f->err), -EISDIR);
        assert_string_equal(content(f, "memory.memsw.limit_in_bytes"), "536870912\n");
}

static void v1_memory_cut_writes_memory_first(void **state)
{
        struct fixture *f = *state;

        offer(f, "memory.memsw.limit_in_bytes", "536870912\n");
        assert_int_equal(mkdirat(f->fd, "memory.limit_in_bytes", 0755), 0);
        f->res.has_memory_limit = true;
        f->res.memory_limit = 67108864;
        f->res.has_memory_swap = true;
        f->res.memory_swap = 134217728;

        assert_int_equal(cgroup_v1_ops.set_memory(f->fd, &f->res, &f->err), -EISDIR);
        assert_string_equal(content(f, "memory.memsw.limit_in_bytes"), "536870912\n");
        assert_string_equal(f->err.message, "failed to open cgroup file memory.limit_in_bytes: Is a directory");
}

static void v1_cpu_realtime(void **state)
{
        struct fixture *f = *state;

        offer(f, "cpu.rt_period_us", "");
        offer(f, "cpu.rt_runtime_us", "");
        f->res.cpu_rt_period = 100000;
        f->res.cpu_rt_runtime = 1000;

        assert_int_equal(cgroup_v1_ops.set_cpu(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "cpu.rt_period_us"), "100000");
        assert_string_equal(content(f, "cpu.rt_runtime_us"), "1000");
}

/* With the runtime above the new period, the runtime must go first; a
 * missing period file shows the order. */
static void v1_cpu_realtime_order(void **state)
{
        struct fixture *f = *state;

        offer(f, "cpu.rt_runtime_us", "950000\n");
        f->res.cpu_rt_period = 400000;
        f->res.cpu_rt_runtime = 300000;

        assert_int_equal(cgroup_v1_ops.set_cpu(f->fd, &f->res, &f->err), -ENOENT);
        assert_string_equal(content(f, "cpu.rt_runtime_us"), "300000\n");
}

static void v2_rejects_v1_only_limits(void **state)
{
        struct fixture *f = *state;
        struct runtime_resources res = { .has_memory_swappiness = true, .memory_swappiness = 10 };

        assert_int_equal(cgroup_v2_ops.set_memory(f->fd, &res, &f->err), -EOPNOTSUPP);
        assert_string_equal(f->err.message, "memory swappiness is not supported with cgroup v2");
        error_clear(&f->err);

        res = (struct runtime_resources){ .cpu_rt_runtime = 1000 };
        assert_int_equal(cgroup_v2_ops.set_cpu(f->fd, &res, &f->err), -EOPNOTSUPP);
        assert_string_equal(f->err.message, "real-time CPU limits are not supported with cgroup v2, which has no "
                                            "real-time group scheduling");
        error_clear(&f->err);

        res = (struct runtime_resources){ .disable_oom_killer = true };
        assert_int_equal(cgroup_v2_ops.set_memory(f->fd, &res, &f->err), -EOPNOTSUPP);
        assert_string_equal(f->err.message, "disabling the OOM killer is not supported with cgroup v2");
}

static void v2_memory_and_swap(void **state)
{
        struct fixture *f = *state;

        offer(f, "memory.max", "");
        offer(f, "memory.swap.max", "");
        offer(f, "memory.low", "");
        f->res.has_memory_limit = true;
        f->res.memory_limit = 67108864;
        f->res.has_memory_swap = true;
        f->res.memory_swap = 100663296;
        f->res.has_memory_reservation = true;
        f->res.memory_reservation = 33554432;

        assert_int_equal(cgroup_v2_ops.set_memory(f->fd, &f->res, &f->err), 0);
        assert_string_equal(content(f, "memory.max"), "67108864");
        /* OCI's swap counts memory too; memory.swap.max is swap alone. */
        assert_string_equal(content(f, "memory.swap.max"), "33554432");
        assert_string_equal(content(f, "memory.low"), "33554432");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(v1_blkio_weights, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_blkio_bfq_weights, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_blkio_weight_unsupported, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_blkio_throttle, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_blkio_missing_file, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_io_weight, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_io_prefers_bfq_weight, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_io_weight_scale, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_io_bfq_weight, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_io_weight_unsupported, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_io_max, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_io_max_unlimited, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_memory_swappiness, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_memory_raise_writes_swap_first, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_memory_cut_writes_memory_first, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_cpu_realtime, setup, teardown),
                cmocka_unit_test_setup_teardown(v1_cpu_realtime_order, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_rejects_v1_only_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(v2_memory_and_swap, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
