/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A main() for fuzz targets built without libFuzzer: it feeds every file of
 * the target's seed corpus, tests/fuzz/corpus/<target>/, to
 * LLVMFuzzerTestOneInput once, so that `make check` (and its sanitizer run)
 * replays the corpus as a regression test. The target name is the program
 * name without its "fuzz-" prefix.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>

#include "fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
        const char *srcdir = getenv("abs_top_srcdir");
        _cleanup_free_ char *program = strdup(argv[0]);
        char path[4096];
        const char *name;
        struct dirent *de;
        DIR *dir;
        int count = 0;

        if (!program)
                return 1;
        name = basename(program);
        name = startswith(name, "fuzz-") ?: name;
        snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/%s", srcdir ? srcdir : ".", name);

        dir = opendir(path);
        if (!dir) {
                fprintf(stderr, "corpus %s: %m\n", path);
                return 1;
        }
        while ((de = readdir(dir))) {
                _cleanup_free_ char *data = NULL;
                size_t len;

                if (de->d_name[0] == '.')
                        continue;
                if (fs_read_file_at(dirfd(dir), de->d_name, 64u << 20, &data, &len) < 0) {
                        fprintf(stderr, "reading %s/%s failed\n", path, de->d_name);
                        closedir(dir);
                        return 1;
                }
                LLVMFuzzerTestOneInput((const uint8_t *)data, len);
                count++;
        }
        closedir(dir);
        printf("replayed %d inputs from %s\n", count, path);
        return count > 0 ? 0 : 1;
}
