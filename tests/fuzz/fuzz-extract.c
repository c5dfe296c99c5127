/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes layer extraction: each input is read as a tar archive (any
 * compression) and extracted into a fresh directory next to a sentinel
 * directory. Anything appearing outside the layer directory aborts.
 */
#include <archive.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "image/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root;

static int count_entries(const char *path)
{
        DIR *dir = opendir(path);
        struct dirent *de;
        int n = 0;

        if (!dir)
                abort();
        while ((de = readdir(dir)))
                n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        closedir(dir);
        return n;
}

static void remove_root(void)
{
        fs_rm_rf_at(AT_FDCWD, root);
        free(root);
}

static void setup_once(void)
{
        char path[4096];
        const char *tmp = getenv("TMPDIR");

        if (root)
                return;
        if (asprintf(&root, "%s/fuzz-extract.XXXXXX", tmp ? tmp : "/tmp") < 0 || !mkdtemp(root))
                abort();
        snprintf(path, sizeof(path), "%s/outside", root);
        if (mkdir(path, 0755) < 0)
                abort();
        atexit(remove_root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct archive *a;
        char layer[4096], outside[4096];
        int fd;

        setup_once();
        snprintf(layer, sizeof(layer), "%s/layer", root);
        snprintf(outside, sizeof(outside), "%s/outside", root);
        if (mkdir(layer, 0755) < 0)
                abort();
        fd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                abort();

        a = archive_read_new();
        archive_read_support_filter_all(a);
        archive_read_support_format_tar(a);
        if (archive_read_open_memory(a, data, size) == ARCHIVE_OK)
                extract_archive(a, fd, NULL);
        archive_read_free(a);
        close(fd);

        if (count_entries(outside) != 0 || count_entries(root) != 2)
                abort();
        if (fs_rm_rf_at(AT_FDCWD, layer) < 0)
                abort();
        return 0;
}
