/* SPDX-License-Identifier: Apache-2.0 */
/* Platforms as containerd's platforms package (1.4, vendored by dockerd
 * 20.10) parses, normalizes and matches them. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "manifest.h"
#include "strv.h"

static const char *const known_os[] = {
        "aix",   "android", "darwin", "dragonfly", "freebsd", "hurd",    "illumos", "ios", "js",
        "linux", "nacl",    "netbsd", "openbsd",   "plan9",   "solaris", "windows", "zos", NULL,
};

static const char *const known_arch[] = {
        "386",     "amd64", "amd64p32", "arm",    "armbe",    "arm64",     "arm64be",     "ppc64", "ppc64le",
        "loong64", "mips",  "mipsle",   "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc",   "riscv",
        "riscv64", "s390",  "s390x",    "sparc",  "sparc64",  "wasm",      NULL,
};

/* Copies value into a platform field, cut to its size; the parsers
 * reject longer values before they get here. */
static void set_field(char *field, const char *value)
{
        size_t len = MIN(strlen(value), (size_t)PLATFORM_FIELD_MAX - 1);

        memmove(field, value, len);
        field[len] = '\0';
}

static void lowercase(char *s)
{
        for (; *s; s++)
                *s = (char)tolower((unsigned char)*s);
}

/* containerd's normalizeArch, on p's architecture and variant. */
static void normalize_arch(struct platform *p)
{
        char *arch = p->architecture, *variant = p->variant;

        lowercase(arch);
        lowercase(variant);
        if (streq(arch, "i386"))
                set_field(arch, "386");
        else if (streq(arch, "x86_64") || streq(arch, "x86-64")) {
                set_field(arch, "amd64");
                variant[0] = '\0';
        } else if (streq(arch, "aarch64") || streq(arch, "arm64")) {
                set_field(arch, "arm64");
                if (streq(variant, "8") || streq(variant, "v8"))
                        variant[0] = '\0';
        } else if (streq(arch, "armhf")) {
                set_field(arch, "arm");
                set_field(variant, "v7");
        } else if (streq(arch, "armel")) {
                set_field(arch, "arm");
                set_field(variant, "v6");
        } else if (streq(arch, "arm")) {
                if (isempty(variant) || streq(variant, "7"))
                        set_field(variant, "v7");
                else if (streq(variant, "5") || streq(variant, "6") || streq(variant, "8")) {
                        char v[4] = { 'v', variant[0], '\0', '\0' };

                        set_field(variant, v);
                }
        }
}

void platform_normalize(struct platform *p)
{
        lowercase(p->os);
        if (streq(p->os, "macos"))
                set_field(p->os, "darwin");
        normalize_arch(p);
}

void platform_default(struct platform *ret)
{
        struct utsname u;

        *ret = (struct platform){ 0 };
        set_field(ret->os, "linux");
        set_field(ret->architecture, uname(&u) == 0 ? u.machine : "amd64");
        normalize_arch(ret);
        if (streq(ret->architecture, "arm64"))
                set_field(ret->variant, "v8");
}

/* Each part must match containerd's ^[A-Za-z0-9_-]+$. */
static bool component_valid(const char *s)
{
        if (isempty(s) || strlen(s) >= PLATFORM_FIELD_MAX)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
                        return false;
        return true;
}

int platform_parse(const char *spec, struct platform *ret, struct error *err)
{
        _cleanup_strv_free_ char **parts = NULL;
        struct platform p = { 0 }, host;
        size_t n;

        if (strchr(spec, '*'))
                return error_set(err, -EINVAL, "\"%s\": wildcards not yet supported: invalid argument", spec);
        parts = strv_split(spec, "/", true);
        if (!parts)
                return -ENOMEM;
        n = strv_length(parts);
        STRV_FOREACH (part, parts)
                if (!component_valid(*part))
                        return error_set(err, -EINVAL,
                                         "\"%s\" is an invalid component of \"%s\": platform specifier component "
                                         "must match \"^[A-Za-z0-9_-]+$\": invalid argument",
                                         *part, spec);
        if (n < 1 || n > 3)
                return error_set(err, -EINVAL, "\"%s\": cannot parse platform specifier: invalid argument", spec);

        platform_default(&host);
        if (n == 1) {
                char *one = parts[0];

                lowercase(one);
                if (strv_contains((char **)known_os, one) || streq(one, "macos")) {
                        set_field(p.os, one);
                        platform_normalize(&p);
                        set_field(p.architecture, host.architecture);
                        set_field(p.variant, host.variant);
                } else {
                        set_field(p.architecture, one);
                        normalize_arch(&p);
                        if (!strv_contains((char **)known_arch, p.architecture))
                                return error_set(err, -EINVAL,
                                                 "\"%s\": unknown operating system or architecture: invalid argument",
                                                 spec);
                        set_field(p.os, host.os);
                }
        } else {
                set_field(p.os, parts[0]);
                set_field(p.architecture, parts[1]);
                if (n == 3)
                        set_field(p.variant, parts[2]);
                platform_normalize(&p);
        }
        if (streq(p.architecture, "arm64") && isempty(p.variant))
                set_field(p.variant, "v8");
        *ret = p;
        return 0;
}

/* The variant as a number: "v7" is 7; -1 when it is no "vN". */
static int variant_number(const char *variant)
{
        if (variant[0] != 'v' || !isdigit((unsigned char)variant[1]) || variant[2])
                return -1;
        return variant[1] - '0';
}

/* Exact match of normalized platforms; an empty wanted variant takes any. */
static bool same_platform(const struct platform *want, const struct platform *have)
{
        return streq(want->os, have->os) && streq(want->architecture, have->architecture) &&
               (isempty(want->variant) || streq(want->variant, have->variant));
}

int platform_rank(const struct platform *want_raw, const struct platform *have_raw)
{
        struct platform want = *want_raw, have = *have_raw;
        int wanted, offered;

        platform_normalize(&want);
        platform_normalize(&have);
        if (same_platform(&want, &have))
                return 0;
        if (!streq(want.os, have.os) || !streq(have.architecture, "arm"))
                return -1;

        /* containerd's platformVector: arm64 runs arm/v8 and older, arm/vN
         * runs arm variants down to v5, each one step worse. */
        if (streq(want.architecture, "arm64"))
                wanted = 8;
        else if (streq(want.architecture, "arm"))
                wanted = variant_number(want.variant);
        else
                return -1;
        offered = variant_number(have.variant);
        if (wanted < 0 || offered < 5 || offered > wanted)
                return -1;
        return (streq(want.architecture, "arm64") ? 1 : 0) + (wanted - offered);
}

void platform_format(const struct platform *p, char *ret, size_t size)
{
        snprintf(ret, size, "%s/%s%s%s", isempty(p->os) ? "unknown" : p->os,
                 isempty(p->architecture) ? "unknown" : p->architecture, isempty(p->variant) ? "" : "/", p->variant);
}

int manifest_select_platform(const struct manifest *index, const struct platform *want)
{
        int best = -ENOENT, best_rank = -1;

        for (size_t i = 0; i < index->n_manifests; i++) {
                const struct descriptor *d = &index->manifests[i];
                int rank;

                if (!d->has_platform)
                        continue;
                rank = platform_rank(want, &d->platform);
                if (rank >= 0 && (best_rank < 0 || rank < best_rank)) {
                        best = (int)i;
                        best_rank = rank;
                }
        }
        return best;
}
