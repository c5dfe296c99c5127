/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/stat.h>

#include "layerstack.h"
#include "macro.h"

#define OVERLAY_OPAQUE_XATTR  "trusted.overlay.opaque"
#define FILE_CAPABILITY_XATTR "security.capability"

/* The deepest directory the walks descend to. Each level keeps a
 * directory fd per contributing layer open and a stack frame, so a tree
 * that a container nested without bound cannot exhaust either. */
#define LAYERSTACK_MAX_DEPTH 256

/* One name of a directory, as the topmost layer holding it shows it. */
struct layerstack_entry {
        char *name;
        struct stat st; /* lstat, owners mapped to the container's ids */
        size_t layer;   /* index in layerstack.layers of that topmost layer */
        bool whiteout;  /* a character device 0:0 */
};

struct layerstack_entries {
        struct layerstack_entry *items; /* sorted by name (strcmp) */
        size_t n;
};

void layerstack_entries_clear(struct layerstack_entries *list);

/* A directory of the merged tree: the same path in each layer that adds
 * entries to it, topmost first. A layer stops contributing below an
 * opaque directory, a whiteout or a non-directory. */
struct layerstack_dir {
        int *fds;       /* owned */
        size_t *layers; /* index in layerstack.layers of each fd */
        size_t n;
        bool opaque; /* the topmost contributor is opaque */
};

void layerstack_dir_clear(struct layerstack_dir *dir);

/* Opens the root directory of the view made of layers first..n_layers-1. */
int layerstack_dir_open_root(const struct layerstack *fs, size_t first, struct layerstack_dir *ret);

enum layerstack_list_flags {
        LAYERSTACK_LIST_WHITEOUTS = 1 << 0, /* keep whiteouts in the list (flagged) */
};

/* Lists the merged entries of dir. Entries that vanish while being read
 * (the container may be running) are left out. */
int layerstack_dir_list(const struct layerstack *fs, const struct layerstack_dir *dir, unsigned flags,
                        struct layerstack_entries *ret);

/* Finds name in dir: 0 with the entry (its name not set), -ENOENT when no
 * layer has it or a whiteout hides it. */
int layerstack_dir_lookup(const struct layerstack *fs, const struct layerstack_dir *dir, const char *name,
                          struct layerstack_entry *ret);

/* Opens the child directory name of dir in every layer that contributes
 * to it. -ENOTDIR when the merged entry is not a directory. */
int layerstack_dir_open_child(const struct layerstack *fs, const struct layerstack_dir *dir, const char *name,
                              struct layerstack_dir *ret);

/* Opens the child directory name of dir's topmost layer only, the view
 * of the upper directory on its own. -ENOENT when it was removed or
 * replaced by something else since it was listed. */
int layerstack_dir_open_top_child(const struct layerstack_dir *dir, const char *name, struct layerstack_dir *ret);

/* Tells whether the directory fd is an opaque overlayfs directory. */
bool layerstack_fd_opaque(int fd);

/* Maps the owner of st, read from layer, to the container's ids. */
void layerstack_map_owner(const struct layerstack *fs, size_t layer, struct stat *st);

/* Joins a path of the tree and a name: "" and "etc" give "etc". */
char *layerstack_path_join(const char *dir, const char *name);

/* The tar writer both tar functions share. */
struct layerstack_tar;

int layerstack_tar_new(layerstack_write_fn write, void *userdata, struct layerstack_tar **ret, struct error *err);
/* Frees the writer; a writer that was not finished leaves its tar
 * without the end-of-archive blocks. */
void layerstack_tar_free(struct layerstack_tar *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct layerstack_tar *, layerstack_tar_free)

/* Adds the entry name of the directory dir_fd as path (relative, without
 * a trailing slash) with the metadata st, and the content of a regular
 * file. A second path of a hard-linked inode becomes a hard link entry.
 * Sockets are skipped, as Docker skips them. An entry that vanished
 * returns 0 and adds nothing. */
int layerstack_tar_add(struct layerstack_tar *t, const char *path, int dir_fd, const char *name, const struct stat *st,
                       struct error *err);

/* Adds the whiteout of path: ".wh.NAME" in path's directory, an empty
 * file of mode 0600 with the owner and mtime of st. */
int layerstack_tar_add_whiteout(struct layerstack_tar *t, const char *path, const struct stat *st, struct error *err);

/* Adds ".wh..wh..opq" in the directory path, whose metadata is dir_st:
 * the file takes its owner and permission bits, and no mtime. */
int layerstack_tar_add_opaque(struct layerstack_tar *t, const char *path, const struct stat *dir_st, struct error *err);

/* Writes the end-of-archive blocks. */
int layerstack_tar_finish(struct layerstack_tar *t, struct error *err);
