/* SPDX-License-Identifier: Apache-2.0 */
/* A temporary directory with the path of a log file in it, for the cmocka
 * tests of the monitor's log writer and reader. */
#pragma once

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "fsutil.h"

struct fixture {
        char dir[64];
        char path[128];
};

/* Creates the directory, with path set to file_name in it (the file itself
 * is not created). */
static inline int log_fixture_setup(void **state, const char *file_name)
{
        struct fixture *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-monitor-log.XXXXXX");
        if (!mkdtemp(f->dir)) {
                free(f);
                return -1;
        }
        snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, file_name);
        *state = f;
        return 0;
}

static inline int log_fixture_teardown(void **state)
{
        struct fixture *f = *state;

        fs_rm_rf_at(AT_FDCWD, f->dir);
        free(f);
        return 0;
}
