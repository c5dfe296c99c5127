/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"

/* One "-v SOURCE:DESTINATION[:OPTIONS]" entry of HostConfig.Binds. */
struct bind {
        char *source;      /* absolute host path */
        char *destination; /* absolute path in the container */
        char *mode;        /* the options as given ("ro,z"), "" when none */
        bool read_only;
        const char *propagation; /* "rprivate", "rslave", ... ("rprivate" by default) */
};

void bind_clear(struct bind *b);

/* Parses one Binds entry as Docker does, with Docker's messages for errors
 * ("invalid mode: x", "invalid volume specification: ..."). Named volumes
 * (a source without "/") are reported as -EOPNOTSUPP. */
int bind_parse(const char *spec, struct bind *ret, struct error *err);

/* Returns Docker's "Mounts" array for HostConfig.Binds (the inspect and
 * list views). */
json_object *binds_to_mounts_json(json_object *binds);
