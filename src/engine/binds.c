/* SPDX-License-Identifier: Apache-2.0 */
#include "binds.h"

#include "jsonutil.h"
#include "strv.h"

static const char *const propagation_modes[] = { "private", "rprivate", "shared", "rshared", "slave", "rslave" };

void bind_clear(struct bind *b)
{
        free(b->source);
        free(b->destination);
        free(b->mode);
        *b = (struct bind){ 0 };
}

static const char *find_propagation(const char *option)
{
        for (size_t i = 0; i < ARRAY_SIZE(propagation_modes); i++)
                if (streq(option, propagation_modes[i]))
                        return propagation_modes[i];
        return NULL;
}

/* Checks the comma-separated options: at most one of ro/rw, one label
 * option (z, Z), one propagation mode, and "nocopy". */
static int parse_mode(const char *mode, struct bind *b, struct error *err)
{
        _cleanup_strv_free_ char **options = strv_split(mode, ",", true);
        int rw = 0, label = 0, propagation = 0, nocopy = 0;

        if (!options)
                return -ENOMEM;
        STRV_FOREACH (o, options) {
                const char *p;

                if (streq(*o, "ro") || streq(*o, "rw")) {
                        rw++;
                        b->read_only = streq(*o, "ro");
                } else if (streq(*o, "z") || streq(*o, "Z")) {
                        label++;
                } else if (streq(*o, "nocopy")) {
                        nocopy++;
                } else if ((p = find_propagation(*o))) {
                        propagation++;
                        b->propagation = p;
                } else {
                        return error_set(err, -EINVAL, "invalid mode: %s", mode);
                }
        }
        if (rw > 1 || label > 1 || propagation > 1 || nocopy > 1)
                return error_set(err, -EINVAL, "invalid mode: %s", mode);
        return 0;
}

int bind_parse(const char *spec, struct bind *ret, struct error *err)
{
        _cleanup_strv_free_ char **parts = strv_split(spec, ":", true);
        struct bind b = { .propagation = "rprivate" };
        size_t n;
        int r;

        if (!parts)
                return -ENOMEM;
        n = strv_length(parts);
        if (n < 2 || n > 3 || isempty(parts[0]) || isempty(parts[1]))
                return error_set(err, -EINVAL, "invalid volume specification: '%s'", spec);

        if (parts[0][0] != '/')
                return error_set(err, -EOPNOTSUPP,
                                 "invalid volume specification: '%s': named volumes are not supported by this daemon "
                                 "yet, use an absolute host path",
                                 spec);
        if (parts[1][0] != '/')
                return error_set(err, -EINVAL,
                                 "invalid volume specification: '%s': invalid mount config for type \"bind\": invalid "
                                 "mount path: '%s' mount path must be absolute",
                                 spec, parts[1]);
        if (streq(parts[1], "/"))
                return error_set(err, -EINVAL,
                                 "invalid volume specification: '%s': invalid mount config for type \"bind\": invalid "
                                 "specification: destination can't be '/'",
                                 spec);

        if (n == 3) {
                r = parse_mode(parts[2], &b, err);
                if (r < 0)
                        return r;
        }
        b.source = strdup(parts[0]);
        b.destination = strdup(parts[1]);
        b.mode = strdup(n == 3 ? parts[2] : "");
        if (!b.source || !b.destination || !b.mode) {
                bind_clear(&b);
                return -ENOMEM;
        }
        *ret = b;
        return 0;
}

json_object *binds_to_mounts_json(json_object *binds)
{
        json_object *mounts = json_object_new_array();
        size_t n = binds ? json_object_array_length(binds) : 0;

        for (size_t i = 0; i < n; i++) {
                const char *spec = json_object_get_string(json_object_array_get_idx(binds, i));
                struct bind b;
                json_object *m;

                if (!spec || bind_parse(spec, &b, NULL) < 0)
                        continue;
                m = json_object_new_object();
                json_object_object_add(m, "Type", json_object_new_string("bind"));
                json_object_object_add(m, "Source", json_object_new_string(b.source));
                json_object_object_add(m, "Destination", json_object_new_string(b.destination));
                json_object_object_add(m, "Mode", json_object_new_string(b.mode));
                json_object_object_add(m, "RW", json_object_new_boolean(!b.read_only));
                json_object_object_add(m, "Propagation", json_object_new_string(b.propagation));
                json_object_array_add(mounts, m);
                bind_clear(&b);
        }
        return mounts;
}
