/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "engine.h"
#include "pool/backend.h"

/*
 * A container's filesystem against its image: docker diff, docker export
 * and docker commit, with dockerd 20.10's checks and messages. A dead
 * container or one being removed is -EBUSY (409).
 */

/* Lists the changes as GET /containers/{id}/changes replies: Docker's
 * [{"Path","Kind"}], or NULL when there are none. */
int engine_container_changes(struct engine *e, struct container *c, json_object **ret, struct error *err);

/* Checks that the container can be exported, before the reply starts. */
int engine_container_export_check(struct engine *e, struct container *c, struct error *err);

/* Writes the container's filesystem as a tar through write. */
int engine_container_export(struct engine *e, struct container *c, backend_write_fn write, void *userdata,
                            struct error *err);

/* The request of POST /commit, less the tag, which the caller applies. */
struct engine_commit_request {
        const char *author;   /* may be NULL */
        const char *comment;  /* may be NULL */
        char *const *changes; /* NULL-terminated, or NULL */
        json_object *config;  /* the config the request sent, or NULL */
        bool pause;           /* freeze a running container while its changes are read */
};

/* Commits the container's changes as a new image, whose ID
 * ("sha256:...") goes to ret_id (72 bytes). */
int engine_container_commit(struct engine *e, struct container *c, const struct engine_commit_request *req,
                            char *ret_id, struct error *err);
