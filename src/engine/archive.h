/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "copy.h"
#include "engine.h"

/*
 * docker cp: the /containers/{id}/archive endpoints on running and
 * stopped containers, with dockerd's rules and messages. A path that does
 * not exist is -ENOENT without a message: the caller names the container
 * as the client did ("Could not find the file ... in container ...").
 */

/* An open GET: the resolved path, its stat and the container's
 * filesystem, kept until engine_container_archive_close. While it is open
 * a stopped container cannot start. */
struct container_archive;

/* Resolves and stats path (HEAD /containers/{id}/archive). */
int engine_container_archive_stat(struct engine *e, struct container *c, const char *path, struct copy_path_stat *ret,
                                  struct error *err);

/* Resolves and stats path for a GET. */
int engine_container_archive_open(struct engine *e, struct container *c, const char *path,
                                  struct container_archive **ret, struct error *err);

/* Returns the stat of the open path (X-Docker-Container-Path-Stat). */
const struct copy_path_stat *engine_container_archive_path_stat(const struct container_archive *ar);

/* Writes the tar archive of the open path through write. */
int engine_container_archive_write(struct container_archive *ar, copy_write_fn write, void *userdata,
                                   struct error *err);

void engine_container_archive_close(struct container_archive *ar);

/* The query options of a PUT. */
struct engine_extract_request {
        bool no_overwrite_dir_non_dir;
        bool copy_uid_gid;
};

/* Extracts the tar archive read from fd into the directory path of the
 * container (PUT /containers/{id}/archive). */
int engine_container_extract(struct engine *e, struct container *c, const char *path, int fd,
                             const struct engine_extract_request *req, struct error *err);
