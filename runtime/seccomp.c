/* SPDX-License-Identifier: Apache-2.0 */
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "runtime/seccomp.h"
#include "strv.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release)

/* The filter flags of the spec, with the lowest libseccomp API level at
 * which the kernel supports each. TSYNC maps to no flag: the init that
 * loads the filter is single-threaded, and execve ends any other thread. */
static const struct {
        const char *name;
        unsigned flag;
        unsigned min_api;
} filter_flags[] = {
        { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, 3 },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, 4 },
        { "SECCOMP_FILTER_FLAG_TSYNC", 0, 1 },
};

static uint32_t action_value(enum runtime_seccomp_action action, bool has_errno, unsigned errno_ret)
{
        switch (action) {
        case RUNTIME_SECCOMP_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case RUNTIME_SECCOMP_KILL_PROCESS:
                return SCMP_ACT_KILL_PROCESS;
        case RUNTIME_SECCOMP_TRAP:
                return SCMP_ACT_TRAP;
        case RUNTIME_SECCOMP_ERRNO:
                return SCMP_ACT_ERRNO(has_errno ? errno_ret : EPERM);
        case RUNTIME_SECCOMP_TRACE:
                return SCMP_ACT_TRACE(has_errno ? errno_ret : EPERM);
        case RUNTIME_SECCOMP_LOG:
                return SCMP_ACT_LOG;
        case RUNTIME_SECCOMP_ALLOW:
        default:
                return SCMP_ACT_ALLOW;
        }
}

static enum scmp_compare compare_op(enum runtime_seccomp_op op)
{
        switch (op) {
        case RUNTIME_SECCOMP_NE:
                return SCMP_CMP_NE;
        case RUNTIME_SECCOMP_LT:
                return SCMP_CMP_LT;
        case RUNTIME_SECCOMP_LE:
                return SCMP_CMP_LE;
        case RUNTIME_SECCOMP_GE:
                return SCMP_CMP_GE;
        case RUNTIME_SECCOMP_GT:
                return SCMP_CMP_GT;
        case RUNTIME_SECCOMP_MASKED_EQ:
                return SCMP_CMP_MASKED_EQ;
        case RUNTIME_SECCOMP_EQ:
        default:
                return SCMP_CMP_EQ;
        }
}

static int add_architectures(scmp_filter_ctx ctx, char *const *names, struct error *err)
{
        STRV_FOREACH (name, names) {
                const char *short_name = startswith(*name, "SCMP_ARCH_");
                _cleanup_free_ char *lower = strdup(short_name ?: *name);
                uint32_t arch;
                int r;

                if (!lower)
                        return -ENOMEM;
                for (char *p = lower; *p; p++)
                        *p = (*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p;
                arch = seccomp_arch_resolve_name(lower);
                if (!short_name || arch == 0)
                        return error_set(err, -EINVAL, "linux.seccomp.architectures: unknown architecture %s", *name);
                r = seccomp_arch_add(ctx, arch);
                if (r < 0 && r != -EEXIST)
                        return error_set_errno(err, r, "failed to add seccomp architecture %s", *name);
        }
        return 0;
}

/* Adds one syscall of a rule. When several conditions test the same
 * argument, libseccomp cannot join them in one rule; each then becomes a
 * rule of its own, as runc does. */
static int add_syscall(scmp_filter_ctx ctx, const struct runtime_seccomp_rule *rule, uint32_t action, int nr,
                       struct error *err)
{
        struct scmp_arg_cmp cmps[6];
        unsigned seen = 0;
        bool repeated = false;
        int r;

        for (size_t i = 0; i < rule->n_args && i < ARRAY_SIZE(cmps); i++) {
                const struct runtime_seccomp_arg *a = &rule->args[i];

                cmps[i] = (struct scmp_arg_cmp){ a->index, compare_op(a->op), a->value, a->value_two };
                repeated |= (seen & (1u << a->index)) != 0;
                seen |= 1u << a->index;
        }
        if (rule->n_args > ARRAY_SIZE(cmps))
                repeated = true;

        if (!repeated)
                r = seccomp_rule_add_array(ctx, action, nr, rule->n_args, cmps);
        else {
                r = 0;
                for (size_t i = 0; r >= 0 && i < rule->n_args; i++) {
                        const struct runtime_seccomp_arg *a = &rule->args[i];
                        struct scmp_arg_cmp one = { a->index, compare_op(a->op), a->value, a->value_two };

                        r = seccomp_rule_add_array(ctx, action, nr, 1, &one);
                }
        }
        if (r < 0)
                return error_set_errno(err, r, "failed to add a seccomp rule for syscall %d", nr);
        return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct runtime_seccomp *s, uint32_t default_action, struct error *err)
{
        for (size_t i = 0; i < s->n_rules; i++) {
                const struct runtime_seccomp_rule *rule = &s->rules[i];
                uint32_t action = action_value(rule->action, rule->has_errno_ret, rule->errno_ret);

                /* libseccomp rejects rules that repeat the default action. */
                if (action == default_action)
                        continue;
                STRV_FOREACH (name, rule->names) {
                        int nr = seccomp_syscall_resolve_name(*name);
                        int r;

                        if (nr == __NR_SCMP_ERROR)
                                continue;
                        r = add_syscall(ctx, rule, action, nr, err);
                        if (r < 0)
                                return error_prefix(err, r, "syscall %s", *name);
                }
        }
        return 0;
}

/* Without a flags array in the spec, SPEC_ALLOW where the kernel has it, as
 * runc does: the filter then leaves the Speculative Store Bypass mitigation
 * as it is instead of forcing it on for the container. */
static int load_flags(char *const *flags, unsigned *ret, struct error *err)
{
        unsigned api = seccomp_api_get(), result = 0;

        if (!flags) {
                *ret = api >= 4 ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0;
                return 0;
        }
        STRV_FOREACH (flag, flags) {
                size_t i;

                for (i = 0; i < ARRAY_SIZE(filter_flags); i++)
                        if (streq(*flag, filter_flags[i].name))
                                break;
                if (i == ARRAY_SIZE(filter_flags))
                        return error_set(err, -EOPNOTSUPP, "linux.seccomp.flags: %s is not supported", *flag);
                if (api < filter_flags[i].min_api)
                        return error_set(err, -EOPNOTSUPP, "linux.seccomp.flags: the kernel does not support %s",
                                         *flag);
                result |= filter_flags[i].flag;
        }
        *ret = result;
        return 0;
}

/* Reads back the BPF that libseccomp exports to an fd. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_n, struct error *err)
{
        _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
        _cleanup_free_ struct sock_filter *insns = NULL;
        struct stat st;
        ssize_t n;
        int r;

        if (fd < 0)
                return error_set_errno(err, negative_errno(), "failed to create a memfd for the seccomp filter");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return error_set_errno(err, r, "failed to compile the seccomp filter");
        if (fstat(fd, &st) < 0)
                return error_set_errno(err, negative_errno(), "failed to read the seccomp filter");
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
            st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return error_set(err, -E2BIG, "the seccomp filter has %lld bytes of BPF: at most %d instructions fit",
                                 (long long)st.st_size, BPF_MAXINSNS);

        insns = malloc(st.st_size);
        if (!insns)
                return -ENOMEM;
        n = pread(fd, insns, st.st_size, 0);
        if (n != st.st_size)
                return error_set_errno(err, n < 0 ? negative_errno() : -EIO, "failed to read the seccomp filter");
        *ret = TAKE_PTR(insns);
        *ret_n = st.st_size / sizeof(struct sock_filter);
        return 0;
}

static int compile(const struct runtime_seccomp *s, struct sock_filter **ret, size_t *ret_n, struct error *err)
{
        uint32_t default_action = action_value(s->default_action, s->has_default_errno_ret, s->default_errno_ret);
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        int r;

        ctx = seccomp_init(default_action);
        if (!ctx)
                return error_set(err, -EINVAL, "failed to create the seccomp filter");
        /* no_new_privs is the spec's decision, not libseccomp's. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return error_set_errno(err, r, "failed to configure the seccomp filter");

        r = add_architectures(ctx, s->architectures, err);
        if (r < 0)
                return r;
        r = add_rules(ctx, s, default_action, err);
        if (r < 0)
                return r;
        return export_bpf(ctx, ret, ret_n, err);
}

/* Looks the filter up in the cache, or compiles and stores it. A cache that
 * cannot be used only costs the compilation. */
static int compile_cached(const struct runtime_seccomp *s, const char *cache_dir, struct runtime_seccomp_program *p,
                          struct error *err)
{
        _cleanup_close_ int dirfd = -1;
        _cleanup_free_ char *key = NULL;
        size_t key_len;
        int r;

        dirfd = seccomp_cache_open_dir(cache_dir);
        if (dirfd >= 0 && seccomp_cache_key(s, &key, &key_len) >= 0 &&
            seccomp_cache_read(dirfd, key, key_len, &p->insns, &p->n_insns) > 0)
                return 0;

        r = compile(s, &p->insns, &p->n_insns, err);
        if (r < 0)
                return r;
        if (key)
                (void)seccomp_cache_write(dirfd, key, key_len, p->insns, p->n_insns);
        return 0;
}

int runtime_seccomp_prepare(const struct runtime_seccomp *s, const char *cache_dir,
                            struct runtime_seccomp_program **ret, struct error *err)
{
        _cleanup_(runtime_seccomp_program_freep) struct runtime_seccomp_program *p = NULL;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        r = load_flags(s->flags, &p->flags, err);
        if (r < 0)
                return r;
        if (cache_dir)
                r = compile_cached(s, cache_dir, p, err);
        else
                r = compile(s, &p->insns, &p->n_insns, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int runtime_seccomp_program_load(const struct runtime_seccomp_program *p, struct error *err)
{
        struct sock_fprog prog = { .len = (unsigned short)p->n_insns, .filter = p->insns };

        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &prog) < 0)
                return error_set_errno(err, negative_errno(), "failed to load the seccomp filter");
        return 0;
}

void runtime_seccomp_program_free(struct runtime_seccomp_program *p)
{
        if (!p)
                return;
        free(p->insns);
        free(p);
}
