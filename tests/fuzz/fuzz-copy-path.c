/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzzes the docker cp path handling: the request path of the archive
 * endpoints is cleaned as dockerd cleans it, then resolved in a small
 * tree full of symbolic links that point at the root, above it and at
 * each other. Whatever the path, the resolution ends below the tree's
 * root with a clean absolute path. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/copy.h"
#include "fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int tree_fd = -1;
static char tree_dir[] = "/tmp/fuzz-copy-path.XXXXXX";

static void remove_tree(void)
{
        fs_rm_rf_at(AT_FDCWD, tree_dir);
}

static void make_tree(void)
{
        const char *dir = mkdtemp(tree_dir);

        if (!dir || atexit(remove_tree) != 0)
                abort();
        tree_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tree_fd < 0 || mkdirat(tree_fd, "d", 0755) < 0 || mkdirat(tree_fd, "d/sub", 0755) < 0 ||
            symlinkat("/", tree_fd, "root") < 0 || symlinkat("../../..", tree_fd, "d/up") < 0 ||
            symlinkat("loop", tree_fd, "loop") < 0 || symlinkat("sub/../../d", tree_fd, "d/back") < 0 ||
            symlinkat("/d/sub", tree_fd, "abs") < 0)
                abort();
        close(openat(tree_fd, "d/file", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
}

/* A clean absolute path: starts with "/", no empty, "." or ".." components. */
static void check_clean(const char *path)
{
        if (path[0] != '/' || strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") ||
            (strlen(path) > 1 && (path[strlen(path) - 1] == '/' || strcmp(strrchr(path, '/'), "/..") == 0)))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct copy_target t = { .parent_fd = -1, .fd = -1 };
        struct copy_path_stat st = { 0 };
        char *text = malloc(size + 1), *clean = NULL;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (tree_fd < 0)
                make_tree();

        if (copy_clean_path(text, &clean) >= 0) {
                if (clean[0] != '/')
                        abort();
                free(clean);
        }
        if (copy_resolve(tree_fd, text, COPY_FOLLOW_FINAL, 0, 0, &t) >= 0) {
                check_clean(t.path);
                copy_target_clear(&t);
        }
        if (copy_stat_path(tree_fd, text, &t, &st) >= 0) {
                copy_path_stat_clear(&st);
                copy_target_clear(&t);
        }
        free(text);
        return 0;
}
