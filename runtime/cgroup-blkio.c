/* SPDX-License-Identifier: Apache-2.0 */
/* Block I/O weights and throttling: the blkio controller of cgroup v1 and
 * the io controller of cgroup v2. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>

#include "runtime/cgroup.h"

static const char *const v1_throttle_files[_RUNTIME_BLKIO_THROTTLE_MAX] = {
        [RUNTIME_BLKIO_READ_BPS] = "blkio.throttle.read_bps_device",
        [RUNTIME_BLKIO_WRITE_BPS] = "blkio.throttle.write_bps_device",
        [RUNTIME_BLKIO_READ_IOPS] = "blkio.throttle.read_iops_device",
        [RUNTIME_BLKIO_WRITE_IOPS] = "blkio.throttle.write_iops_device",
};

/* The keys of io.max, in the order of the throttle lists. */
static const char *const v2_throttle_keys[_RUNTIME_BLKIO_THROTTLE_MAX] = {
        [RUNTIME_BLKIO_READ_BPS] = "rbps",
        [RUNTIME_BLKIO_WRITE_BPS] = "wbps",
        [RUNTIME_BLKIO_READ_IOPS] = "riops",
        [RUNTIME_BLKIO_WRITE_IOPS] = "wiops",
};

static bool has_file(int dir_fd, const char *name)
{
        return faccessat(dir_fd, name, F_OK, 0) == 0;
}

static bool has_weights(const struct runtime_blkio *b)
{
        return b->weight != 0 || b->n_weight_devices > 0;
}

/* Writes the default weight and the per-device weights: "W" into file and
 * "MAJOR:MINOR W" into device_file, converted by scale. */
static int write_weights(int fd, const struct runtime_blkio *b, const char *file, const char *device_file,
                         uint64_t (*scale)(uint64_t weight), struct error *err)
{
        char text[96];
        int r;

        if (b->weight != 0) {
                snprintf(text, sizeof(text), "%" PRIu64, scale(b->weight));
                r = cgroup_write(fd, file, text, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < b->n_weight_devices; i++) {
                const struct runtime_blkio_device *d = &b->weight_devices[i];

                snprintf(text, sizeof(text), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, scale(d->value));
                r = cgroup_write(fd, device_file, text, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static uint64_t same_weight(uint64_t weight)
{
        return weight;
}

/* Maps the v1 range 10..1000 onto io.weight's 1..10000 with runc's
 * formula. BFQ's weights below 10 become 1. */
static uint64_t io_weight(uint64_t weight)
{
        return weight <= 10 ? 1 : 1 + (weight - 10) * 9999 / 990;
}

int cgroup_v1_set_blkio(int fd, const struct runtime_resources *res, struct error *err)
{
        const struct runtime_blkio *b = &res->blkio;
        char text[96];
        int r;

        /* blkio.weight belongs to the CFQ scheduler, which Linux 5.0
         * removed. BFQ has its own files with the same scale. */
        if (has_weights(b)) {
                if (has_file(fd, "blkio.weight"))
                        r = write_weights(fd, b, "blkio.weight", "blkio.weight_device", same_weight, err);
                else if (has_file(fd, "blkio.bfq.weight"))
                        r = write_weights(fd, b, "blkio.bfq.weight", "blkio.bfq.weight_device", same_weight, err);
                else
                        r = error_set(err, -EOPNOTSUPP,
                                      "block I/O weights are not supported: the blkio cgroup controller has no "
                                      "weight file (it needs the BFQ I/O scheduler)");
                if (r < 0)
                        return r;
        }

        for (size_t t = 0; t < _RUNTIME_BLKIO_THROTTLE_MAX; t++)
                for (size_t i = 0; i < b->n_throttle[t]; i++) {
                        const struct runtime_blkio_device *d = &b->throttle[t][i];

                        snprintf(text, sizeof(text), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor, d->value);
                        r = cgroup_write(fd, v1_throttle_files[t], text, err);
                        if (r < 0)
                                return r;
                }
        return 0;
}

int cgroup_v2_set_blkio(int fd, const struct runtime_resources *res, struct error *err)
{
        const struct runtime_blkio *b = &res->blkio;
        char text[96];
        int r;

        /* io.bfq.weight comes with the BFQ scheduler and takes the v1 scale.
         * runc 1.1 prefers it too, and falls back to io.weight (io.cost). */
        if (has_weights(b)) {
                if (has_file(fd, "io.bfq.weight"))
                        r = write_weights(fd, b, "io.bfq.weight", "io.bfq.weight", same_weight, err);
                else if (has_file(fd, "io.weight"))
                        r = write_weights(fd, b, "io.weight", "io.weight", io_weight, err);
                else
                        r = error_set(err, -EOPNOTSUPP,
                                      "block I/O weights are not supported: the io cgroup controller has neither "
                                      "io.weight nor io.bfq.weight");
                if (r < 0)
                        return r;
        }

        /* Each write sets one key, and io.max keeps the keys it leaves out. */
        for (size_t t = 0; t < _RUNTIME_BLKIO_THROTTLE_MAX; t++)
                for (size_t i = 0; i < b->n_throttle[t]; i++) {
                        const struct runtime_blkio_device *d = &b->throttle[t][i];
                        int n = snprintf(text, sizeof(text), "%" PRId64 ":%" PRId64 " %s=", d->major, d->minor,
                                         v2_throttle_keys[t]);

                        if (d->value == 0)
                                snprintf(text + n, sizeof(text) - (size_t)n, "max");
                        else
                                snprintf(text + n, sizeof(text) - (size_t)n, "%" PRIu64, d->value);
                        r = cgroup_write(fd, "io.max", text, err);
                        if (r < 0)
                                return r;
                }
        return 0;
}
