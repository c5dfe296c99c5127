/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "error.h"

/* One "-v [SOURCE:]DESTINATION[:OPTIONS]" entry of HostConfig.Binds. */
struct bind {
        char *source;      /* absolute host path, volume name, or NULL for an anonymous volume */
        char *destination; /* absolute path in the container */
        char *mode;        /* the options as given ("ro,z"), "" when none */
        bool volume;       /* a named or anonymous volume, not a host path */
        bool read_only;
        bool nocopy;             /* "nocopy": a new volume gets none of the image's files */
        const char *propagation; /* "rshared", ... or NULL when not given */
};

void bind_clear(struct bind *b);

/* Parses one Binds entry as dockerd 20.10 does, with its messages for
 * errors ("invalid mode: x", "invalid volume specification: ..."): a
 * source with a leading "/" is a host path, another source a volume name,
 * and a destination alone an anonymous volume. */
int bind_parse(const char *spec, struct bind *ret, struct error *err);

/* Parses the mode of a --volumes-from entry "CONTAINER[:MODE]": "ro" or
 * "rw" and a label option ("z", "Z"). Returns the container's part in
 * ret_container (newly allocated) and whether the mode is read-write. */
int volumes_from_parse(const char *spec, char **ret_container, bool *ret_rw, struct error *err);
