/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "error.h"

struct archive;
struct userns_idmap;

/*
 * docker cp inside a container's filesystem. Every function works below
 * root_fd, the container's root directory, through file descriptors: a
 * path is walked one component at a time with openat(O_PATH | O_NOFOLLOW),
 * symbolic links are read and expanded here in the scope of the root (an
 * absolute target restarts at root_fd, ".." never goes above it), and ".."
 * is taken lexically, as Docker's FollowSymlinkInScope does. No path is
 * ever resolved by the kernel from a point outside the root, so a
 * container that swaps directories and symlinks meanwhile cannot make an
 * operation read or write outside its root.
 */

#define COPY_MAX_SYMLINKS 255

/* The options of copy_resolve. */
enum copy_resolve_flags {
        COPY_FOLLOW_FINAL = 1 << 0, /* follow a symbolic link in the last component too */
        COPY_CREATE_DIRS = 1 << 1,  /* create missing directories (with owner) */
};

/* A path resolved in the container. */
struct copy_target {
        int parent_fd; /* O_PATH directory that contains the object, -1 when missing */
        char *name;    /* the object's name in parent_fd, "." for the root */
        int fd;        /* O_PATH fd of the object itself (not followed), -1 when missing */
        char *path;    /* the resolved absolute path in the container */
        bool pseudo;   /* the object is on a kernel filesystem (proc, sysfs, ...) */
};

void copy_target_clear(struct copy_target *t);

/* Resolves the absolute path in the container below root_fd. A missing
 * component is accepted, as Docker accepts it: fd (and parent_fd when a
 * parent is missing) is -1, and path is what the resolution gives. With
 * COPY_CREATE_DIRS, missing components are created as directories of mode
 * 0755 owned by uid and gid. Errors: -ELOOP after COPY_MAX_SYMLINKS
 * links, -ENOTDIR when a component that must be a directory is not.
 * Kernel filesystems such as proc and sysfs are opaque: nothing below
 * their mount points is found. */
int copy_resolve(int root_fd, const char *path, unsigned flags, uid_t uid, gid_t gid, struct copy_target *ret);

/* Docker's ContainerPathStat. */
struct copy_path_stat {
        char *name;
        int64_t size;
        uint32_t mode; /* Go's os.FileMode bits */
        int64_t mtime_ns;
        char *link_target; /* "" unless the object is a symbolic link */
};

void copy_path_stat_clear(struct copy_path_stat *s);

/* Converts st_mode to Go's os.FileMode bits, as Docker reports them. */
uint32_t copy_go_file_mode(mode_t mode);

/* Returns the JSON text of the stat, as in X-Docker-Container-Path-Stat
 * before base64 encoding. */
char *copy_path_stat_to_json(const struct copy_path_stat *s);

/* The request path made absolute and cleaned as Docker makes it: a
 * trailing "/" or "/." of the original is kept. "" is -EINVAL. */
int copy_clean_path(const char *path, char **ret);

/* Resolves a request path (GET and HEAD /containers/{id}/archive) and
 * stats it as dockerd does: the last component is followed only when the
 * path ends with "/" or "/.", and a symbolic link's linkTarget is its
 * fully resolved path. -ENOENT when it does not exist. */
int copy_stat_path(int root_fd, const char *path, struct copy_target *ret_target, struct copy_path_stat *ret_stat);

/* The maps between container and host ids. NULL maps are the identity
 * (no user namespace). */
struct copy_idmaps {
        const struct userns_idmap *uids;
        const struct userns_idmap *gids;
};

/* Tells whether fd is on a kernel filesystem (proc, sysfs, cgroup, ...)
 * whose files are not the container's data. */
bool copy_on_pseudo_fs(int fd);

/* Receives the bytes of an archive and returns 0 or a negative errno. */
typedef int (*copy_write_fn)(const void *data, size_t len, void *userdata);

/* Writes a tar archive of the target through write, entries named as
 * Docker names them: the object as top_name, its content below it.
 * Symbolic links are archived, not followed; directories on kernel
 * filesystems are archived empty; sockets are left out, as by dockerd.
 * Owners are written as container ids (maps). */
int copy_tar_write(const struct copy_target *target, const char *top_name, const struct copy_idmaps *maps,
                   copy_write_fn write, void *userdata, struct error *err);

/* The options of a PUT /containers/{id}/archive. */
struct copy_extract_options {
        bool no_overwrite_dir_non_dir;
        bool chown_to_user; /* give every entry to uid:gid (cp -a of a container with a user) */
        uid_t uid;          /* host ids of that user, or of the container's root for new parents */
        gid_t gid;
        uid_t root_uid; /* host ids of the container's root */
        gid_t root_gid;
        struct copy_idmaps maps; /* archive ids are container ids, mapped to the host with these */
};

/* Extracts the tar archive read from fd (plain, gzip, bzip2 or xz) into
 * the directory dest_path (resolved, absolute) below root_fd with Docker's
 * rules: entries replace what exists unless both are directories, names
 * and link targets may not leave dest_path, parents missing in the
 * archive are created. Error messages are dockerd's. */
int copy_extract(int root_fd, const char *dest_path, int fd, const struct copy_extract_options *opts,
                 struct error *err);
