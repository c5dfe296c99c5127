/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the tar-split recorder, which frames untrusted tar streams: each
 * input is extracted as a layer (any compression) while it is recorded.
 * When the extraction succeeds, the tar written back from the record must
 * have the diff ID's digest, unless a payload's file changed during the
 * extraction (a name given twice), which the writer reports as -EIO.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "image/extract.h"
#include "image/tar-split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root;

static void remove_root(void)
{
        fs_rm_rf_at(AT_FDCWD, root);
        free(root);
}

static void setup_once(void)
{
        const char *tmp = getenv("TMPDIR");

        if (root)
                return;
        if (asprintf(&root, "%s/fuzz-layer-tar.XXXXXX", tmp ? tmp : "/tmp") < 0 || !mkdtemp(root))
                abort();
        atexit(remove_root);
}

static int discard(void *userdata, const void *buf, size_t len)
{
        (void)userdata;
        (void)buf;
        (void)len;
        return 0;
}

/* Records and extracts the input into dirfd/diff; returns the diff ID in
 * ret_diff_id, or -1 when the extraction failed. */
static int record(int dirfd, int input, char *ret_diff_id)
{
        struct tar_split_recorder *recorder = NULL;
        struct extract_layer_result result;
        int content_fd, r;

        if (mkdirat(dirfd, "diff", 0755) < 0)
                abort();
        content_fd = openat(dirfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (content_fd < 0 || tar_split_recorder_new(dirfd, TAR_SPLIT_FILE, &recorder) < 0)
                abort();

        r = extract_layer_recorded(input, content_fd, recorder, NULL, NULL, &result, NULL);
        if (r >= 0 && tar_split_recorder_finish(recorder) < 0)
                abort();
        tar_split_recorder_free(recorder);
        close(content_fd);
        if (r < 0)
                return -1;
        memcpy(ret_diff_id, result.diff_id, DIGEST_STRING_MAX);
        return 0;
}

static void write_back(int dirfd, const char *diff_id)
{
        char digest[DIGEST_STRING_MAX];
        int record_fd = openat(dirfd, TAR_SPLIT_FILE, O_RDONLY | O_CLOEXEC);
        int content_fd = openat(dirfd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct error err = ERROR_INIT;
        int r;

        if (record_fd < 0 || content_fd < 0)
                abort();
        r = tar_split_write(record_fd, content_fd, "fuzz", discard, NULL, digest, &err);
        if (r >= 0 && strcmp(digest, diff_id) != 0)
                abort();
        if (r < 0 && r != -EIO)
                abort();
        error_clear(&err);
        close(record_fd);
        close(content_fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char layer[4096], diff_id[DIGEST_STRING_MAX];
        int input, dirfd;

        setup_once();
        snprintf(layer, sizeof(layer), "%s/layer", root);
        if (mkdir(layer, 0755) < 0)
                abort();
        dirfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        input = memfd_create("input", MFD_CLOEXEC);
        if (dirfd < 0 || input < 0 || fs_write_all(input, data, size) < 0 || lseek(input, 0, SEEK_SET) < 0)
                abort();

        if (record(dirfd, input, diff_id) >= 0)
                write_back(dirfd, diff_id);

        close(input);
        close(dirfd);
        if (fs_rm_rf_at(AT_FDCWD, layer) < 0)
                abort();
        return 0;
}
