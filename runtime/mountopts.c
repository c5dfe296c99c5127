/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <sys/mount.h>

#include "runtime/mountopts.h"
#include "strv.h"

enum option_kind {
        OPTION_ATTR,        /* sets set and clears clr on the mount */
        OPTION_ATTR_REC,    /* the "r" form of an OPTION_ATTR, for every mount of the tree */
        OPTION_PROPAGATION, /* set is the MS_* propagation */
        OPTION_BIND,
        OPTION_RBIND,
        OPTION_IGNORED,
};

struct option {
        const char *name;
        enum option_kind kind;
        uint64_t set;
        uint64_t clr;
};

#define ATIME(value) MOUNT_ATTR_##value, MOUNT_ATTR__ATIME

static const struct option options[] = {
        { "ro", OPTION_ATTR, MOUNT_ATTR_RDONLY, 0 },
        { "rw", OPTION_ATTR, 0, MOUNT_ATTR_RDONLY },
        { "nosuid", OPTION_ATTR, MOUNT_ATTR_NOSUID, 0 },
        { "suid", OPTION_ATTR, 0, MOUNT_ATTR_NOSUID },
        { "nodev", OPTION_ATTR, MOUNT_ATTR_NODEV, 0 },
        { "dev", OPTION_ATTR, 0, MOUNT_ATTR_NODEV },
        { "noexec", OPTION_ATTR, MOUNT_ATTR_NOEXEC, 0 },
        { "exec", OPTION_ATTR, 0, MOUNT_ATTR_NOEXEC },
        { "nodiratime", OPTION_ATTR, MOUNT_ATTR_NODIRATIME, 0 },
        { "diratime", OPTION_ATTR, 0, MOUNT_ATTR_NODIRATIME },
        { "nosymfollow", OPTION_ATTR, MOUNT_ATTR_NOSYMFOLLOW, 0 },
        { "symfollow", OPTION_ATTR, 0, MOUNT_ATTR_NOSYMFOLLOW },
        { "noatime", OPTION_ATTR, ATIME(NOATIME) },
        { "atime", OPTION_ATTR, ATIME(RELATIME) },
        { "relatime", OPTION_ATTR, ATIME(RELATIME) },
        { "norelatime", OPTION_ATTR, ATIME(STRICTATIME) },
        { "strictatime", OPTION_ATTR, ATIME(STRICTATIME) },
        { "nostrictatime", OPTION_ATTR, ATIME(RELATIME) },

        { "private", OPTION_PROPAGATION, MS_PRIVATE, 0 },
        { "rprivate", OPTION_PROPAGATION, MS_PRIVATE | MS_REC, 0 },
        { "slave", OPTION_PROPAGATION, MS_SLAVE, 0 },
        { "rslave", OPTION_PROPAGATION, MS_SLAVE | MS_REC, 0 },
        { "shared", OPTION_PROPAGATION, MS_SHARED, 0 },
        { "rshared", OPTION_PROPAGATION, MS_SHARED | MS_REC, 0 },
        { "unbindable", OPTION_PROPAGATION, MS_UNBINDABLE, 0 },
        { "runbindable", OPTION_PROPAGATION, MS_UNBINDABLE | MS_REC, 0 },

        { "bind", OPTION_BIND, 0, 0 },
        { "rbind", OPTION_RBIND, 0, 0 },
        { "defaults", OPTION_IGNORED, 0, 0 },
};

/* Options of other runtimes that change what is mounted; running without
 * them would give the container something else than it asked for. */
static const char *const unsupported[] = {
        "remount", "idmap", "ridmap", "tmpcopyup", "copy-symlink", "src-nofollow", "dest-nofollow",
};

static const struct option *option_lookup(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(options); i++)
                if (streq(options[i].name, name))
                        return &options[i];
        return NULL;
}

/* Finds name in options, where "r" before the name of an attribute option
 * ("rro", "rnosuid") makes it an OPTION_ATTR_REC with the same change. */
static bool option_find(const char *name, struct option *ret)
{
        const struct option *opt = option_lookup(name);

        if (opt) {
                *ret = *opt;
                return true;
        }
        opt = name[0] == 'r' ? option_lookup(name + 1) : NULL;
        if (!opt || opt->kind != OPTION_ATTR)
                return false;
        *ret = *opt;
        ret->kind = OPTION_ATTR_REC;
        return true;
}

/* Applies an attribute change so that the last option wins, as with
 * mount(8): "ro,rw" is read-write. */
static void attr_apply(uint64_t *set, uint64_t *clr, const struct option *opt)
{
        *set &= ~opt->clr;
        *clr &= ~opt->set;
        *set |= opt->set;
        *clr |= opt->clr;
}

static bool data_option_valid(const char *s)
{
        if (!*s || *s == '=' || strchr(s, ','))
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

static int option_apply(const char *name, struct runtime_mount_options *o, struct error *err)
{
        struct option opt;

        if (!option_find(name, &opt)) {
                for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
                        if (streq(name, unsupported[i]))
                                return error_set(err, -EOPNOTSUPP, "mount option %s is not supported", name);
                if (!data_option_valid(name))
                        return error_set(err, -EINVAL, "invalid mount option \"%s\"", name);
                return strv_append(&o->data, name);
        }

        switch (opt.kind) {
        case OPTION_ATTR:
                attr_apply(&o->attr_set, &o->attr_clr, &opt);
                break;
        case OPTION_ATTR_REC:
                attr_apply(&o->recursive_attr_set, &o->recursive_attr_clr, &opt);
                break;
        case OPTION_PROPAGATION:
                o->propagation = opt.set;
                break;
        case OPTION_BIND:
                o->bind = true;
                break;
        case OPTION_RBIND:
                o->bind = o->recursive_bind = true;
                break;
        case OPTION_IGNORED:
                break;
        }
        return 0;
}

int runtime_mount_options_parse(char *const *opts, struct runtime_mount_options *ret, struct error *err)
{
        struct runtime_mount_options o = {};
        int r;

        STRV_FOREACH (name, opts) {
                r = option_apply(*name, &o, err);
                if (r < 0) {
                        runtime_mount_options_done(&o);
                        return r;
                }
        }

        *ret = o;
        return 0;
}

void runtime_mount_options_done(struct runtime_mount_options *o)
{
        strv_free(o->data);
        o->data = NULL;
}

int runtime_mount_options_readonly_superblock(struct runtime_mount_options *o, const char *type)
{
        if (!((o->attr_set | o->recursive_attr_set) & MOUNT_ATTR_RDONLY) || streq_ptr(type, "tmpfs"))
                return 0;
        if (strv_contains(o->data, "ro"))
                return 0;
        return strv_append(&o->data, "ro");
}

int runtime_mount_options_known(char ***ret)
{
        _cleanup_strv_free_ char **names = NULL;

        for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
                _cleanup_free_ char *recursive = NULL;

                if (strv_append(&names, options[i].name) < 0)
                        return -ENOMEM;
                if (options[i].kind != OPTION_ATTR)
                        continue;
                if (asprintf(&recursive, "r%s", options[i].name) < 0 || strv_append(&names, recursive) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(names);
        return 0;
}
