/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libarchive, loaded with dlopen on the first call of one of its functions.
 *
 * libarchive links libxml2, ICU, libstdc++ and four compression libraries,
 * which add about 2.6 MiB to the daemon's RSS once mapped, while a daemon
 * loads, saves or copies archives rarely (docs/benchmarks.md, "Memory").
 * This file defines the libarchive functions the daemon calls, with their
 * own names and prototypes, so callers include <archive.h> and call them
 * as usual. The first call loads the library. Each call then goes through
 * a table of pointers to the library's functions.
 *
 * When the library cannot be loaded, the failure is logged once and the
 * functions return what libarchive returns on failure: NULL from the
 * constructors (which callers report as out of memory), ARCHIVE_FATAL
 * from the others.
 * NOTE: the client then reads "Cannot allocate memory"; only the daemon's
 * log names the missing library.
 */
#include <archive.h>
#include <archive_entry.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "dlutil.h"
#include "macro.h"

/* The soname of libarchive 3 (3.6.2 in Debian 12). */
#define ARCHIVE_SONAME "libarchive.so.13"

/* The functions the daemon calls, in the X-macro form of dlutil.h. */
#define ARCHIVE_FUNCTIONS(X, V)                                                                                        \
        X(time_t, archive_entry_atime, (struct archive_entry * e), (e), 0)                                             \
        X(int, archive_entry_atime_is_set, (struct archive_entry * e), (e), 0)                                         \
        X(long, archive_entry_atime_nsec, (struct archive_entry * e), (e), 0)                                          \
        X(mode_t, archive_entry_filetype, (struct archive_entry * e), (e), 0)                                          \
        V(archive_entry_free, (struct archive_entry * e), (e))                                                         \
        X(la_int64_t, archive_entry_gid, (struct archive_entry * e), (e), 0)                                           \
        X(const char *, archive_entry_hardlink, (struct archive_entry * e), (e), NULL)                                 \
        X(time_t, archive_entry_mtime, (struct archive_entry * e), (e), 0)                                             \
        X(long, archive_entry_mtime_nsec, (struct archive_entry * e), (e), 0)                                          \
        X(struct archive_entry *, archive_entry_new, (void), (), NULL)                                                 \
        X(const char *, archive_entry_pathname, (struct archive_entry * e), (e), NULL)                                 \
        X(mode_t, archive_entry_perm, (struct archive_entry * e), (e), 0)                                              \
        X(dev_t, archive_entry_rdev, (struct archive_entry * e), (e), 0)                                               \
        V(archive_entry_set_filetype, (struct archive_entry * e, unsigned int type), (e, type))                        \
        V(archive_entry_set_gid, (struct archive_entry * e, la_int64_t gid), (e, gid))                                 \
        V(archive_entry_set_gname, (struct archive_entry * e, const char *name), (e, name))                            \
        V(archive_entry_set_hardlink, (struct archive_entry * e, const char *target), (e, target))                     \
        V(archive_entry_set_mode, (struct archive_entry * e, mode_t mode), (e, mode))                                  \
        V(archive_entry_set_mtime, (struct archive_entry * e, time_t sec, long nsec), (e, sec, nsec))                  \
        V(archive_entry_set_pathname, (struct archive_entry * e, const char *path), (e, path))                         \
        V(archive_entry_set_perm, (struct archive_entry * e, mode_t perm), (e, perm))                                  \
        V(archive_entry_set_rdev, (struct archive_entry * e, dev_t rdev), (e, rdev))                                   \
        V(archive_entry_set_size, (struct archive_entry * e, la_int64_t size), (e, size))                              \
        V(archive_entry_set_symlink, (struct archive_entry * e, const char *target), (e, target))                      \
        V(archive_entry_set_uid, (struct archive_entry * e, la_int64_t uid), (e, uid))                                 \
        V(archive_entry_set_uname, (struct archive_entry * e, const char *name), (e, name))                            \
        X(la_int64_t, archive_entry_size, (struct archive_entry * e), (e), 0)                                          \
        X(const char *, archive_entry_symlink, (struct archive_entry * e), (e), NULL)                                  \
        X(la_int64_t, archive_entry_uid, (struct archive_entry * e), (e), 0)                                           \
        V(archive_entry_xattr_add_entry, (struct archive_entry * e, const char *name, const void *value, size_t size), \
          (e, name, value, size))                                                                                      \
        X(int, archive_entry_xattr_next,                                                                               \
          (struct archive_entry * e, const char **name, const void **value, size_t *size), (e, name, value, size),     \
          ARCHIVE_FATAL)                                                                                               \
        X(int, archive_entry_xattr_reset, (struct archive_entry * e), (e), 0)                                          \
        X(int, archive_errno, (struct archive * a), (a), 0)                                                            \
        X(const char *, archive_error_string, (struct archive * a), (a), NULL)                                         \
        X(la_ssize_t, archive_read_data, (struct archive * a, void *buf, size_t size), (a, buf, size), ARCHIVE_FATAL)  \
        X(int, archive_read_data_block, (struct archive * a, const void **buf, size_t *size, la_int64_t *offset),      \
          (a, buf, size, offset), ARCHIVE_FATAL)                                                                       \
        X(int, archive_read_free, (struct archive * a), (a), ARCHIVE_FATAL)                                            \
        X(struct archive *, archive_read_new, (void), (), NULL)                                                        \
        X(int, archive_read_next_header, (struct archive * a, struct archive_entry * *entry), (a, entry),              \
          ARCHIVE_FATAL)                                                                                               \
        X(int, archive_read_open,                                                                                      \
          (struct archive * a, void *data, archive_open_callback *open, archive_read_callback *read,                   \
           archive_close_callback *close),                                                                             \
          (a, data, open, read, close), ARCHIVE_FATAL)                                                                 \
        X(int, archive_read_open_fd, (struct archive * a, int fd, size_t block_size), (a, fd, block_size),             \
          ARCHIVE_FATAL)                                                                                               \
        X(int, archive_read_support_filter_all, (struct archive * a), (a), ARCHIVE_FATAL)                              \
        X(int, archive_read_support_filter_bzip2, (struct archive * a), (a), ARCHIVE_FATAL)                            \
        X(int, archive_read_support_filter_gzip, (struct archive * a), (a), ARCHIVE_FATAL)                             \
        X(int, archive_read_support_filter_xz, (struct archive * a), (a), ARCHIVE_FATAL)                               \
        X(int, archive_read_support_filter_zstd, (struct archive * a), (a), ARCHIVE_FATAL)                             \
        X(int, archive_read_support_format_empty, (struct archive * a), (a), ARCHIVE_FATAL)                            \
        X(int, archive_read_support_format_raw, (struct archive * a), (a), ARCHIVE_FATAL)                              \
        X(int, archive_read_support_format_tar, (struct archive * a), (a), ARCHIVE_FATAL)                              \
        X(int, archive_write_add_filter_gzip, (struct archive * a), (a), ARCHIVE_FATAL)                                \
        X(int, archive_write_close, (struct archive * a), (a), ARCHIVE_FATAL)                                          \
        X(la_ssize_t, archive_write_data, (struct archive * a, const void *buf, size_t size), (a, buf, size),          \
          ARCHIVE_FATAL)                                                                                               \
        X(int, archive_write_free, (struct archive * a), (a), ARCHIVE_FATAL)                                           \
        X(int, archive_write_header, (struct archive * a, struct archive_entry * entry), (a, entry), ARCHIVE_FATAL)    \
        X(struct archive *, archive_write_new, (void), (), NULL)                                                       \
        X(int, archive_write_open,                                                                                     \
          (struct archive * a, void *data, archive_open_callback *open, archive_write_callback *write,                 \
           archive_close_callback *close),                                                                             \
          (a, data, open, write, close), ARCHIVE_FATAL)                                                                \
        X(int, archive_write_open2,                                                                                    \
          (struct archive * a, void *data, archive_open_callback *open, archive_write_callback *write,                 \
           archive_close_callback *close, archive_free_callback *free),                                                \
          (a, data, open, write, close, free), ARCHIVE_FATAL)                                                          \
        X(int, archive_write_open_fd, (struct archive * a, int fd), (a, fd), ARCHIVE_FATAL)                            \
        X(int, archive_write_set_bytes_in_last_block, (struct archive * a, int bytes), (a, bytes), ARCHIVE_FATAL)      \
        X(int, archive_write_set_bytes_per_block, (struct archive * a, int bytes), (a, bytes), ARCHIVE_FATAL)          \
        X(int, archive_write_set_format_pax_restricted, (struct archive * a), (a), ARCHIVE_FATAL)                      \
        X(int, archive_write_set_format_raw, (struct archive * a), (a), ARCHIVE_FATAL)

static struct archive_functions {
        void (*archive_set_error)(struct archive *a, int code, const char *fmt, ...);
        ARCHIVE_FUNCTIONS(DL_POINTER, DL_VOID_POINTER)
} functions;

static bool loaded;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static const char *const function_names[] = { "archive_set_error",
                                              /* Then the others, in the order of ARCHIVE_FUNCTIONS. */
                                              ARCHIVE_FUNCTIONS(DL_NAME, DL_VOID_NAME) };

_Static_assert(sizeof(functions) == ARRAY_SIZE(function_names) * sizeof(void (*)(void)),
               "function_names lists every member of functions");

static void load(void)
{
        loaded = dl_load_functions(ARCHIVE_SONAME, function_names, ARRAY_SIZE(function_names), &functions);
}

static bool library_loaded(void)
{
        pthread_once(&load_once, load);
        return loaded;
}

ARCHIVE_FUNCTIONS(DL_FUNCTION, DL_VOID_FUNCTION)

/* A variadic call cannot be forwarded, so the message is formatted here,
 * cut at 1023 bytes. */
void archive_set_error(struct archive *a, int code, const char *fmt, ...)
{
        char message[1024];
        va_list ap;

        if (!library_loaded())
                return;
        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        functions.archive_set_error(a, code, "%s", message);
}
