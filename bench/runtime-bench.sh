#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Times the lifecycle of one busybox container, create + start + wait +
# delete, with sockerless-runtime, runc and crun on the same bundle, and
# prints the median and 90th percentile of each and their ratio to the
# baseline: crun when it runs here, runc otherwise.
#
# The driver acts as containerd's shim does: it is the subreaper, runs
# `create --pid-file`, then `start`, reaps the container's init when it
# exits, then runs `delete`. The container runs `true` with Docker's
# default capabilities, mounts, namespaces and device rules, without a
# seccomp profile.
#
# Two rounds:
#   host     the host's own cgroups (v1, v2 or hybrid);
#   cgroup2  a private mount namespace with the cgroup2 hierarchy on
#            /sys/fs/cgroup, as on a cgroup2-only host. crun refuses
#            hybrid hosts ("cgroups in hybrid mode not supported"), and
#            here cannot load its eBPF device filter without
#            CAP_SYS_RESOURCE; it then runs with --cgroup-manager=disabled,
#            which skips the cgroup work the others do, so its numbers are a
#            lower bound for crun.
#
# Usage: bench/runtime-bench.sh [RUNS]   (as root; RUNS default 50)
# Environment: SOCKERLESS_RUNTIME, the binary to time (default
# ./sockerless-runtime); SOCKERLESS_BUSYBOX, a static busybox
# (default /bin/busybox); RUNC and CRUN, the other runtimes.

set -u
RUNS=${1:-${BENCH_RUNS:-50}}
HERE=$(cd "$(dirname "$0")" && pwd)
export SOCKERLESS_RUNTIME=${SOCKERLESS_RUNTIME:-$(pwd)/sockerless-runtime}
RUNC=${RUNC:-runc}
CRUN=${CRUN:-crun}

if [ "$(id -u)" = 0 ] && [ -z "${BENCH_CGROUP2_NAMESPACE:-}" ] && [ "${BENCH_ROUND:-host}" = cgroup2 ]; then
        exec unshare --mount --propagation private env BENCH_CGROUP2_NAMESPACE=1 bash "$0" "$@"
fi

# shellcheck source=tests/integration/runtime-lib.sh
. "$HERE/../tests/integration/runtime-lib.sh"
rt_init

if [ -n "${BENCH_CGROUP2_NAMESPACE:-}" ] && [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
        mount -t cgroup2 cgroup2 /sys/fs/cgroup || rt_skip_all "cannot mount the cgroup2 hierarchy"
fi

B=$RT_TMP/bench
rt_rootfs "$B/rootfs" || exit 99
rt_bundle "$B" || exit 99

# runtimes: "name|command prefix" lines for the driver.
runtimes="sockerless-runtime|$RT_RUNTIME --root $RT_TMP/ours"
command -v "$RUNC" >/dev/null && runtimes+=$'\n'"runc|$RUNC --root $RT_TMP/runc"
if command -v "$CRUN" >/dev/null; then
        if [ -n "${BENCH_CGROUP2_NAMESPACE:-}" ]; then
                runtimes+=$'\n'"crun|$CRUN --cgroup-manager=disabled --root $RT_TMP/crun"
        else
                runtimes+=$'\n'"crun|$CRUN --root $RT_TMP/crun"
        fi
fi

echo "# round: ${BENCH_ROUND:-host} ($(stat -f -c %T /sys/fs/cgroup) on /sys/fs/cgroup), $RUNS runs each, $(nproc) CPUs"
"$RT_PYTHON" - "$B" "$RUNS" "$runtimes" <<'PYEOF'
import ctypes, os, shlex, statistics, subprocess, sys, time

bundle, runs, spec = sys.argv[1], int(sys.argv[2]), sys.argv[3]
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap(pid):
    """Reaps orphans until pid, the container's init, is among them."""
    while True:
        got, _ = os.waitpid(-1, 0)
        if got == pid:
            return


class Failed(Exception):
    pass


def run(cmd, errors):
    # The container keeps the stdio of create: a pipe there would stay open
    # until the container ends, so errors go to a file.
    errors.seek(0)
    errors.truncate()
    if subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors).returncode != 0:
        errors.seek(0)
        raise Failed(errors.read().strip().splitlines()[-1:])


def lifecycle(cmd, cid):
    pidfile = os.path.join(bundle, "bench.pid")
    errors = open(os.path.join(bundle, "bench.err"), "w+")
    t0 = time.perf_counter()
    run(cmd + ["create", "--bundle", bundle, "--pid-file", pidfile, cid], errors)
    pid = int(open(pidfile).read())
    run(cmd + ["start", cid], errors)
    reap(pid)
    run(cmd + ["delete", cid], errors)
    return time.perf_counter() - t0


results = {}
for line in spec.splitlines():
    name, prefix = line.split("|", 1)
    cmd = shlex.split(prefix)
    try:
        lifecycle(cmd, "warmup")
    except Failed as e:
        print("%-20s cannot run here: %s" % (name, e))
        subprocess.run(cmd + ["delete", "--force", "warmup"], capture_output=True)
        continue
    times = sorted(lifecycle(cmd, "bench%d" % i) for i in range(runs))
    results[name] = times

base = "crun" if "crun" in results else "runc" if "runc" in results else None
print("%-20s %10s %10s %14s" % ("runtime", "median ms", "p90 ms", "median ratio"))
for name, times in results.items():
    median = statistics.median(times)
    p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
    ratio = "%.2f x %s" % (median / statistics.median(results[base]), base) if base else "-"
    print("%-20s %10.1f %10.1f %14s" % (name, median * 1000, p90 * 1000, ratio))
PYEOF
status=$?
if [ -z "${BENCH_ROUND:-}" ] && [ $status = 0 ]; then
        BENCH_ROUND=cgroup2 bash "$0" "$@"
        status=$?
fi
exit $status
