/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"
#include "macro.h"

/*
 * The "changes" of POST /images/create?fromSrc= (docker import --change):
 * Dockerfile instructions joined into one Dockerfile, parsed and applied to
 * an empty container config as Docker Engine 20.10 does. CMD, ENTRYPOINT,
 * ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME and
 * WORKDIR are allowed. Docker 20.10 itself rejects STOPSIGNAL here;
 * accepting it follows later Docker releases.
 */

/* One parsed instruction. */
struct instruction {
        char *command;  /* lowercase: "cmd" */
        char *original; /* the whole line, continuations joined */
        char **flags;   /* "--interval=5s" */
        char **args;    /* as the command's parser splits them */
        bool json;      /* exec (JSON array) form */
};

/* Parses the changes into instructions (NULL-terminated array). Errors
 * are -EINVAL with Docker's messages. */
int changes_parse(char *const *changes, struct instruction ***ret, char *ret_escape, struct error *err);
void instructions_free(struct instruction **list);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct instruction **, instructions_free)

/* Applies changes to an empty config and returns it in Docker's form (see
 * config_container_normalize). */
int changes_apply(char *const *changes, json_object **ret, struct error *err);

/* Applies changes to a copy of base (a container config, or NULL for an
 * empty one), as docker commit does to the container's config. */
int changes_apply_to(json_object *base, char *const *changes, json_object **ret, struct error *err);
