# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# Helpers for the runtime's integration tests, which drive the
# sockerless-runtime CLI on bundles they build themselves from the host's
# static busybox. Output is TAP; the exit status follows automake (0 passed,
# 1 failed, 77 skipped, 99 hard error).
#
# Environment:
#   SOCKERLESS_RUNTIME   the runtime binary (default $abs_top_builddir/sockerless-runtime)
#   SOCKERLESS_BUSYBOX   a statically linked busybox (default /bin/busybox)
#   SOCKERLESS_TEST_TMPDIR  where the per-test directory goes (default /tmp)

set -u
set -o pipefail

RT_RUNTIME=${SOCKERLESS_RUNTIME:-${abs_top_builddir:-$(pwd)}/sockerless-runtime}
RT_BUSYBOX=${SOCKERLESS_BUSYBOX:-/bin/busybox}
RT_PYTHON=$(command -v python3 || echo python3)
RT_COUNT=0
RT_FAILED=0
RT_TMP=
RT_OUT=
RT_ERR=
RT_RC=0

rt_diag() {
        local line
        while IFS= read -r line; do
                printf '#   %s\n' "$line"
        done <<<"$*"
}

rt_ok() {
        RT_COUNT=$((RT_COUNT + 1))
        printf 'ok %d - %s\n' "$RT_COUNT" "$1"
}

# rt_not_ok NAME [DETAIL...]
rt_not_ok() {
        RT_COUNT=$((RT_COUNT + 1))
        RT_FAILED=$((RT_FAILED + 1))
        printf 'not ok %d - %s\n' "$RT_COUNT" "$1"
        shift
        local d
        for d in "$@"; do
                rt_diag "$d"
        done
}

# rt_check NAME COMMAND...: passes when COMMAND succeeds.
rt_check() {
        local name=$1
        shift
        if "$@"; then
                rt_ok "$name"
        else
                rt_not_ok "$name" "failed: $*" "stdout: $RT_OUT" "stderr: $RT_ERR" "exit status: $RT_RC"
        fi
}

# rt_check_eq NAME EXPECTED ACTUAL
rt_check_eq() {
        if [ "$2" = "$3" ]; then
                rt_ok "$1"
        else
                rt_not_ok "$1" "expected: $2" "actual:   $3" "stderr: $RT_ERR"
        fi
}

# rt_check_contains NAME HAYSTACK NEEDLE
rt_check_contains() {
        case "$2" in
        *"$3"*) rt_ok "$1" ;;
        *) rt_not_ok "$1" "expected to contain: $3" "actual: $2" "stderr: $RT_ERR" ;;
        esac
}

rt_skip_all() {
        echo "1..0 # SKIP $1"
        exit 77
}

# Kills the processes a failed test left in the cgroups under its parent,
# removes those cgroups, and unmounts anything left below the test directory.
rt_cleanup() {
        local dir
        if [ -n "$RT_TMP" ]; then
                for dir in /sys/fs/cgroup/*/"$RT_CGROUP_PARENT" /sys/fs/cgroup/"$RT_CGROUP_PARENT"; do
                        [ -d "$dir" ] || continue
                        find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do
                                kill -KILL "$pid" 2>/dev/null
                        done
                        sleep 0.2
                        find "$dir" -depth -mindepth 1 -type d -exec rmdir {} \; 2>/dev/null
                        rmdir "$dir" 2>/dev/null
                done
                grep -F " $RT_TMP/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r dir; do
                        umount -l "$dir" 2>/dev/null
                done
                rm -rf "$RT_TMP"
        fi
}

rt_init() {
        [ "$(id -u)" = 0 ] || rt_skip_all "needs root"
        [ -x "$RT_RUNTIME" ] || rt_skip_all "no runtime binary at $RT_RUNTIME"
        [ -x "$RT_BUSYBOX" ] || rt_skip_all "no busybox at $RT_BUSYBOX (Debian package busybox-static)"
        # ldd fails on a static executable, which is what runs in a bare rootfs.
        ! ldd "$RT_BUSYBOX" >/dev/null 2>&1 || rt_skip_all "$RT_BUSYBOX is not statically linked"
        RT_TMP=$(mktemp -d "${SOCKERLESS_TEST_TMPDIR:-/tmp}/runtime-test.XXXXXX") || exit 99
        RT_CGROUP_PARENT="sockerless-runtime-test-$$"
        trap rt_cleanup EXIT
}

# rt_done: prints the plan and exits with the automake status.
rt_done() {
        echo "1..$RT_COUNT"
        [ "$RT_FAILED" = 0 ] || exit 1
        exit 0
}

# rt_rootfs DIR: a root filesystem with busybox, its applets as symlinks,
# and a user database: root, app (1000) in group extra (2000).
rt_rootfs() {
        local root=$1
        mkdir -p "$root/bin" "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/root" \
                "$root/home/app" || return 1
        cp "$RT_BUSYBOX" "$root/bin/busybox" || return 1
        chroot "$root" /bin/busybox --install -s /bin || return 1
        printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:1000:1000:app:/home/app:/bin/sh' \
                'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
        printf '%s\n' 'root:x:0:' 'app:x:1000:' 'extra:x:2000:app' 'nogroup:x:65534:' >"$root/etc/group"
}

# rt_bundle DIR [PYTHON...]: writes DIR/config.json with Docker's defaults
# for a container running `true`, then runs each PYTHON statement on it as
# `d` (the spec) with `json` imported, for instance
#   "d['process']['args'] = ['sh', '-c', 'exit 3']"
# The root filesystem is DIR/rootfs unless a statement changes root.path.
rt_bundle() {
        local dir=$1
        shift
        mkdir -p "$dir" || return 1
        "$RT_PYTHON" - "$dir" "$RT_CGROUP_PARENT" "$@" <<'PYEOF'
import json, os, sys

bundle, parent, statements = sys.argv[1], sys.argv[2], sys.argv[3:]
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
d = {
    "ociVersion": "1.0.2",
    "process": {
        "user": {"uid": 0, "gid": 0},
        "args": ["true"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=rt-test"],
        "cwd": "/",
        "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
        "oomScoreAdj": 0,
    },
    "root": {"path": "rootfs"},
    "hostname": "rt-test",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["ro", "nosuid", "noexec", "nodev"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"]},
    ],
    "linux": {
        "sysctl": {"net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647"},
        "resources": {
            "devices": [{"allow": False, "access": "rwm"}]
            + [{"allow": True, "type": "c", "major": ma, "minor": mi, "access": "rwm"}
               for ma, mi in ((1, 5), (1, 3), (1, 9), (1, 8), (5, 0), (5, 1))],
        },
        "cgroupsPath": "/%s/%s" % (parent, os.path.basename(os.path.abspath(bundle))),
        "namespaces": [{"type": t} for t in ("mount", "network", "uts", "pid", "ipc", "cgroup")],
        "maskedPaths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
}
for statement in statements:
    exec(statement)
with open(os.path.join(bundle, "config.json"), "w") as f:
    json.dump(d, f, indent=1)
PYEOF
}

# rt_run BUNDLE ID [RUNTIME ARGS...]: runs the container; sets RT_OUT,
# RT_ERR and RT_RC. Stdin is /dev/null.
rt_run() {
        local bundle=$1 id=$2
        shift 2
        RT_OUT=$(timeout 60 "$RT_RUNTIME" run --bundle "$bundle" "$@" "$id" </dev/null 2>"$RT_TMP/stderr")
        RT_RC=$?
        RT_ERR=$(cat "$RT_TMP/stderr")
}

# rt_cli ARGS...: runs the runtime with its state directory in the test
# directory; sets RT_OUT, RT_ERR and RT_RC. Stdin is /dev/null. Output
# goes through files of its own, not a pipe, because a created container
# keeps the stdout of `create` open.
RT_CLI_CALLS=0
rt_cli() {
        RT_CLI_CALLS=$((RT_CLI_CALLS + 1))
        local out=$RT_TMP/cli-out.$RT_CLI_CALLS err=$RT_TMP/cli-err.$RT_CLI_CALLS
        timeout 60 "$RT_RUNTIME" --root "$RT_TMP/state" "$@" </dev/null >"$out" 2>"$err"
        RT_RC=$?
        RT_OUT=$(cat "$out")
        RT_ERR=$(cat "$err")
}

# rt_cgroup_dirs ID: lists the container's cgroup directories that exist.
rt_cgroup_dirs() {
        local dir
        for dir in /sys/fs/cgroup/*/"$RT_CGROUP_PARENT/$1" /sys/fs/cgroup/"$RT_CGROUP_PARENT/$1"; do
                [ -d "$dir" ] && echo "$dir"
        done
        return 0
}

# rt_host_mounts: lists the host's mounts below the test directory.
rt_host_mounts() {
        grep -F "$RT_TMP" /proc/self/mountinfo || true
}
