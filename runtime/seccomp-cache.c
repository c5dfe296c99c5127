/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compiled seccomp filters kept on disk, so that containers with identical
 * filters share one compilation: libseccomp takes milliseconds for Docker's
 * default profile, reading the file takes microseconds.
 *
 * A cache file is "<hash of the key>.bpf": a header, the key, then the BPF
 * instructions. The hash is FNV-1a (64 bits), not a digest from libcrypto:
 * loading libcrypto costs every exec of the monitor about 0.4 ms (measured
 * with a trivial program on a 2-CPU x86_64 VM), and nothing here needs a
 * digest's collision resistance. The key stored in the file is compared
 * byte for byte, so a collision is a miss. A checksum over key and program
 * catches a damaged file. Only the owner of the directory can write there.
 */
#include <seccomp.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "runtime/seccomp.h"
#include "strv.h"

#define CACHE_MAGIC "SLBPF001"

struct cache_header {
        char magic[8];
        uint32_t key_len;
        uint32_t n_insns;
        uint64_t checksum; /* FNV-1a over the key, then the instructions */
};

#define FNV_OFFSET_BASIS UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME        UINT64_C(0x100000001b3)

static uint64_t fnv1a(uint64_t hash, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++) {
                hash ^= p[i];
                hash *= FNV_PRIME;
        }
        return hash;
}

/* insns may be unaligned in a file's buffer, so they are plain bytes here. */
static uint64_t checksum(const char *key, size_t key_len, const void *insns, size_t n)
{
        return fnv1a(fnv1a(FNV_OFFSET_BASIS, key, key_len), insns, n * sizeof(struct sock_filter));
}

/* Strings go into the key with their length, so that no two filters give
 * the same text whatever their names contain. */
static void put_string(FILE *f, const char *s)
{
        fprintf(f, " %zu:%s", strlen(s), s);
}

static void put_rule(FILE *f, const struct runtime_seccomp_rule *rule)
{
        fprintf(f, "rule %d %d %u names", (int)rule->action, (int)rule->has_errno_ret, rule->errno_ret);
        STRV_FOREACH (name, rule->names)
                put_string(f, *name);
        fputs(" args", f);
        for (size_t i = 0; i < rule->n_args; i++) {
                const struct runtime_seccomp_arg *a = &rule->args[i];

                fprintf(f, " %u %d %llu %llu", a->index, (int)a->op, (unsigned long long)a->value,
                        (unsigned long long)a->value_two);
        }
        fputc('\n', f);
}

int seccomp_cache_key(const struct runtime_seccomp *s, char **ret, size_t *ret_len)
{
        const struct scmp_version *v = seccomp_version();
        char *text = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        /* The BPF also depends on the libseccomp that compiles it and on
         * the kernel features it detected (its API level). */
        fprintf(f, "libseccomp %u.%u.%u api %u native %u\n", v->major, v->minor, v->micro, seccomp_api_get(),
                seccomp_arch_native());
        fprintf(f, "default %d %d %u\narchitectures", (int)s->default_action, (int)s->has_default_errno_ret,
                s->default_errno_ret);
        STRV_FOREACH (arch, s->architectures)
                put_string(f, *arch);
        fputc('\n', f);
        for (size_t i = 0; i < s->n_rules; i++)
                put_rule(f, &s->rules[i]);
        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        *ret_len = len;
        return 0;
}

static void file_name(const char *key, size_t key_len, char buf[static 32])
{
        snprintf(buf, 32, "%016llx.bpf", (unsigned long long)fnv1a(FNV_OFFSET_BASIS, key, key_len));
}

/* A cache file counts only when the caller alone could have written it. */
static bool trusted(const struct stat *st)
{
        return S_ISREG(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & 022) == 0;
}

static bool valid(const struct cache_header *h, size_t size, const char *key, size_t key_len)
{
        const char *stored_key = (const char *)(h + 1);
        const char *insns = stored_key + key_len;

        if (memcmp(h->magic, CACHE_MAGIC, sizeof(h->magic)) != 0 || h->key_len != key_len)
                return false;
        if (h->n_insns == 0 || h->n_insns > BPF_MAXINSNS)
                return false;
        if (size != sizeof(*h) + key_len + (size_t)h->n_insns * sizeof(struct sock_filter))
                return false;
        if (memcmp(stored_key, key, key_len) != 0)
                return false;
        return h->checksum == checksum(key, key_len, insns, h->n_insns);
}

int seccomp_cache_read(int dirfd, const char *key, size_t key_len, struct sock_filter **ret_insns, size_t *ret_n)
{
        size_t max_size = sizeof(struct cache_header) + key_len + BPF_MAXINSNS * sizeof(struct sock_filter);
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *data = NULL;
        struct cache_header *h;
        struct sock_filter *insns;
        char name[32];
        struct stat st;
        ssize_t n;

        file_name(key, key_len, name);
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT || errno == ELOOP ? 0 : negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!trusted(&st) || st.st_size < (off_t)sizeof(*h) || (size_t)st.st_size > max_size)
                return 0;

        data = malloc(st.st_size);
        if (!data)
                return -ENOMEM;
        n = fs_read_all(fd, data, st.st_size);
        if (n < 0)
                return (int)n;
        h = (struct cache_header *)data;
        if (n != st.st_size || !valid(h, (size_t)n, key, key_len))
                return 0;

        insns = malloc(h->n_insns * sizeof(*insns));
        if (!insns)
                return -ENOMEM;
        memcpy(insns, data + sizeof(*h) + key_len, h->n_insns * sizeof(*insns));
        *ret_n = h->n_insns;
        *ret_insns = insns;
        return 1;
}

int seccomp_cache_write(int dirfd, const char *key, size_t key_len, const struct sock_filter *insns, size_t n)
{
        struct cache_header h = {
                .key_len = (uint32_t)key_len,
                .n_insns = (uint32_t)n,
                .checksum = checksum(key, key_len, insns, n),
        };
        size_t size = sizeof(h) + key_len + n * sizeof(*insns);
        _cleanup_free_ char *data = NULL;
        char name[32];

        if (key_len > UINT32_MAX || n == 0 || n > BPF_MAXINSNS)
                return -EINVAL;
        data = malloc(size);
        if (!data)
                return -ENOMEM;
        memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
        memcpy(data, &h, sizeof(h));
        memcpy(data + sizeof(h), key, key_len);
        memcpy(data + sizeof(h) + key_len, insns, n * sizeof(*insns));

        file_name(key, key_len, name);
        return fs_write_atomic_at(dirfd, name, data, size, 0600);
}

int seccomp_cache_open_dir(const char *path)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                return negative_errno();
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_uid != geteuid() || (st.st_mode & 022) != 0)
                return -EPERM;
        return TAKE_FD(fd);
}
