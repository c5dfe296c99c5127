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

/* The options of a mode and how often each kind appears. */
struct mode_options {
        unsigned rw, label, propagation, nocopy;
        bool read_only;
        const char *propagation_mode;
};

/* Reads the comma-separated options: ro/rw, z/Z, a propagation mode and
 * "nocopy". Returns false on an unknown option or a repeated kind. */
static bool parse_mode_options(const char *mode, struct mode_options *ret)
{
        _cleanup_strv_free_ char **options = strv_split(mode, ",", true);
        struct mode_options m = { 0 };

        if (!options)
                return false;
        STRV_FOREACH (o, options) {
                const char *p;

                if (streq(*o, "ro") || streq(*o, "rw")) {
                        m.rw++;
                        m.read_only = streq(*o, "ro");
                } else if (streq(*o, "z") || streq(*o, "Z")) {
                        m.label++;
                } else if (streq(*o, "nocopy")) {
                        m.nocopy++;
                } else if ((p = find_propagation(*o))) {
                        m.propagation++;
                        m.propagation_mode = p;
                } else {
                        return false;
                }
        }
        if (m.rw > 1 || m.label > 1 || m.propagation > 1 || m.nocopy > 1)
                return false;
        *ret = m;
        return true;
}

static int invalid_spec(struct error *err, const char *spec)
{
        return error_set(err, -EINVAL, "invalid volume specification: '%s'", spec);
}

/* The checks of the destination, with the mount type in the message. */
static int check_destination(const char *spec, const char *type, const char *destination, struct error *err)
{
        if (destination[0] != '/')
                return error_set(err, -EINVAL,
                                 "invalid volume specification: '%s': invalid mount config for type \"%s\": invalid "
                                 "mount path: '%s' mount path must be absolute",
                                 spec, type, destination);
        if (streq(destination, "/"))
                return error_set(err, -EINVAL,
                                 "invalid volume specification: '%s': invalid mount config for type \"%s\": invalid "
                                 "specification: destination can't be '/'",
                                 spec, type);
        return 0;
}

static int check_mode(const char *spec, struct bind *b, const char *mode, struct error *err)
{
        struct mode_options m = { 0 };

        if (*mode && !parse_mode_options(mode, &m))
                return error_set(err, -EINVAL, "invalid mode: %s", mode);
        if (b->volume && m.propagation)
                return error_set(err, -EINVAL,
                                 "invalid volume specification: '%s': invalid mount config for type \"volume\": field "
                                 "BindOptions must not be specified",
                                 spec);
        if (!b->volume && m.nocopy)
                return error_set(err, -EINVAL,
                                 "invalid volume specification: '%s': invalid mount config for type \"bind\": field "
                                 "VolumeOptions must not be specified",
                                 spec);
        b->read_only = m.read_only;
        b->nocopy = m.nocopy > 0;
        b->propagation = m.propagation_mode;
        return 0;
}

int bind_parse(const char *spec, struct bind *ret, struct error *err)
{
        _cleanup_strv_free_ char **parts = NULL;
        struct bind b = { 0 };
        const char *source = NULL, *destination, *mode = "";
        struct mode_options unused;
        size_t n;
        int r;

        if (!spec)
                return error_set(err, -EINVAL, "invalid volume specification: ''");
        parts = strv_split(spec, ":", true);
        if (!parts)
                return -ENOMEM;
        n = strv_length(parts);
        if (n == 0 || n > 3)
                return invalid_spec(err, spec);
        for (size_t i = 0; i < n; i++)
                if (isempty(parts[i]))
                        return invalid_spec(err, spec);
        /* "/data:ro" is a destination and a mode without a source, which
         * only the CLI's -v /data form (Config.Volumes) can express. */
        if (n == 2 && parse_mode_options(parts[1], &unused))
                return invalid_spec(err, spec);

        destination = n == 1 ? parts[0] : parts[1];
        if (n >= 2)
                source = parts[0];
        if (n == 3)
                mode = parts[2];
        b.volume = !source || source[0] != '/';
        r = check_destination(spec, b.volume ? "volume" : "bind", destination, err);
        if (r >= 0)
                r = check_mode(spec, &b, mode, err);
        if (r < 0)
                return r;

        b.source = source ? strdup(source) : NULL;
        b.destination = strdup(destination);
        b.mode = strdup(mode);
        if ((source && !b.source) || !b.destination || !b.mode) {
                bind_clear(&b);
                return -ENOMEM;
        }
        *ret = b;
        return 0;
}

int volumes_from_parse(const char *spec, char **ret_container, bool *ret_rw, struct error *err)
{
        const char *colon = spec ? strchr(spec, ':') : NULL;
        struct mode_options m = { 0 };
        char *container;

        if (isempty(spec))
                return error_set(err, -EINVAL, "invalid volumes-from specification: ''");
        if (colon && (!parse_mode_options(colon + 1, &m) || m.propagation || m.nocopy || isempty(colon + 1)))
                return error_set(err, -EINVAL, "invalid mode: %s", colon + 1);
        container = colon ? strndup(spec, (size_t)(colon - spec)) : strdup(spec);
        if (!container)
                return -ENOMEM;
        *ret_container = container;
        *ret_rw = !m.read_only;
        return 0;
}
