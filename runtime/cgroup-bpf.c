/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device rules of a cgroup2 hierarchy, which has no devices
 * controller: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached
 * to the container's cgroup decides each open and mknod of a device node.
 */
#include <linux/bpf.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "runtime/cgroup.h"
#include "runtime/devices.h"

/* Enough for the default rules and a few hundred of the spec's: each rule
 * takes at most 9 instructions. */
#define MAX_INSNS 4096

struct program {
        struct bpf_insn insns[MAX_INSNS];
        size_t n;
};

static int emit(struct program *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        if (p->n >= MAX_INSNS)
                return -E2BIG;
        p->insns[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
        return 0;
}

/* Loads the request into registers: r2 the device type, r3 the access
 * bits, r4 the major and r5 the minor number. */
static int emit_prologue(struct program *p)
{
        int r = 0;

        r |= emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
        r |= emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
        r |= emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
        r |= emit(p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
        r |= emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
        r |= emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
        return r < 0 ? -E2BIG : 0;
}

static int32_t access_bits(const char *access)
{
        int32_t bits = 0;

        if (strchr(access, 'r'))
                bits |= BPF_DEVCG_ACC_READ;
        if (strchr(access, 'w'))
                bits |= BPF_DEVCG_ACC_WRITE;
        if (strchr(access, 'm'))
                bits |= BPF_DEVCG_ACC_MKNOD;
        return bits;
}

/* Emits "if the request matches rule, return its verdict". An allow rule
 * matches a request whose access it covers entirely; a deny rule one that
 * requests any access it names, as with the v1 controller. Every test
 * jumps past the block when it fails. */
static int emit_rule(struct program *p, const struct runtime_device_rule *rule)
{
        size_t jumps[4], n_jumps = 0;
        int32_t access = access_bits(rule->access);
        int r = 0;

        if (rule->type != 'a') {
                jumps[n_jumps++] = p->n;
                r |= emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
                          rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        }
        r |= emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_3, 0, 0);
        r |= emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_6, 0, 0, rule->allow ? ~access & 7 : access);
        jumps[n_jumps++] = p->n;
        r |= emit(p, BPF_JMP | (rule->allow ? BPF_JNE : BPF_JEQ) | BPF_K, BPF_REG_6, 0, 0, 0);
        if (rule->major >= 0) {
                jumps[n_jumps++] = p->n;
                r |= emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)rule->major);
        }
        if (rule->minor >= 0) {
                jumps[n_jumps++] = p->n;
                r |= emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)rule->minor);
        }
        r |= emit(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, rule->allow ? 1 : 0);
        r |= emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        if (r < 0)
                return -E2BIG;

        for (size_t i = 0; i < n_jumps; i++)
                p->insns[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
        return 0;
}

static bool rule_is_all(const struct runtime_device_rule *rule)
{
        return rule->type == 'a' && rule->major < 0 && rule->minor < 0;
}

/* Builds the program from the spec's rules followed by the default ones.
 * The last rule that matches decides, so the rules are tested from the
 * end; those before the last rule for all devices can never decide. */
static int build(const struct runtime_resources *res, struct program *p, struct error *err)
{
        size_t n = res->n_devices + runtime_default_device_rules_count;
        size_t first = 0;
        bool fallback = true;
        int r;

        for (size_t i = 0; i < n; i++) {
                const struct runtime_device_rule *rule =
                        i < res->n_devices ? &res->devices[i] : &runtime_default_device_rules[i - res->n_devices];

                if (rule->major > INT32_MAX || rule->minor > INT32_MAX)
                        return error_set(err, -EINVAL, "device rule %zu: device number out of range", i);
                if (rule_is_all(rule)) {
                        first = i + 1;
                        fallback = rule->allow;
                }
        }

        r = emit_prologue(p);
        for (size_t i = n; r >= 0 && i > first; i--) {
                size_t k = i - 1;

                r = emit_rule(p, k < res->n_devices ? &res->devices[k]
                                                    : &runtime_default_device_rules[k - res->n_devices]);
        }
        if (r >= 0)
                r = emit(p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, fallback ? 1 : 0);
        if (r >= 0)
                r = emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        if (r < 0)
                return error_set(err, r, "too many device rules for the eBPF device filter");
        return 0;
}

static int prog_load(const struct program *p, char *log, size_t log_size)
{
        union bpf_attr attr = {
                .prog_type = BPF_PROG_TYPE_CGROUP_DEVICE,
                .insns = (uint64_t)(uintptr_t)p->insns,
                .insn_cnt = p->n,
                .license = (uint64_t)(uintptr_t) "Apache-2.0",
                .log_buf = (uint64_t)(uintptr_t)log,
                .log_size = log_size,
                .log_level = log ? 1 : 0,
        };
        int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));

        return fd < 0 ? negative_errno() : fd;
}

/* Loads the program. On failure it loads it again with the verifier's log,
 * whose last line gives the reason; the first attempt goes without, because a
 * log that does not fit its buffer fails the load by itself. */
static int load(const struct program *p, struct error *err)
{
        _cleanup_free_ char *log = NULL;
        size_t log_size = 1u << 20;
        char *last;
        int fd, again;

        fd = prog_load(p, NULL, 0);
        if (fd >= 0)
                return fd;

        log = calloc(1, log_size);
        if (!log)
                return error_set_errno(err, fd, "failed to load the eBPF device filter");
        again = prog_load(p, log, log_size);
        if (again >= 0) {
                close(again);
                return error_set_errno(err, fd, "failed to load the eBPF device filter");
        }
        while (*log && log[strlen(log) - 1] == '\n')
                log[strlen(log) - 1] = '\0';
        last = strrchr(log, '\n');
        return error_set(err, fd, "failed to load the eBPF device filter: %s", last ? last + 1 : log);
}

int cgroup_bpf_devices_attach(int dir_fd, const struct runtime_resources *res, struct error *err)
{
        _cleanup_free_ struct program *p = calloc(1, sizeof(struct program));
        _cleanup_close_ int prog_fd = -1;
        union bpf_attr attr = {};
        int r;

        if (!p)
                return -ENOMEM;
        r = build(res, p, err);
        if (r < 0)
                return r;
        prog_fd = load(p, err);
        if (prog_fd < 0)
                return prog_fd;

        /* With BPF_F_ALLOW_MULTI the programs of the parent cgroups still
         * run too, and a device must pass all of them. */
        attr.target_fd = dir_fd;
        attr.attach_bpf_fd = prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
                return error_set_errno(err, negative_errno(), "failed to attach the eBPF device filter");
        return 0;
}
