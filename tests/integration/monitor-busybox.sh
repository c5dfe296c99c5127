#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Runs the monitor's end-to-end cases (tests/unit/test-monitor-e2e.c) on the
# real sockerless-monitor and container runtime, in containers whose root
# filesystem is the host's static busybox. Needs root; exits 77 (skipped)
# without it, without a static busybox or without the programs built.
# MONITOR_TEST_BUSYBOX names another busybox binary.
set -eu

builddir=${abs_top_builddir:-$(pwd)}

skip() {
        echo "SKIP: $*"
        exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root"
busybox=${MONITOR_TEST_BUSYBOX:-$(command -v busybox || true)}
if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
        skip "no busybox found"
fi
# ldd fails on a static executable, which is what a root filesystem of one
# file needs.
if ldd "$busybox" >/dev/null 2>&1; then
        skip "$busybox is not statically linked"
fi
for program in sockerless-monitor sockerless-runtime tests/unit/test-monitor-e2e; do
        [ -x "$builddir/$program" ] || skip "$builddir/$program is not built"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/monitor-busybox.XXXXXX")
# The containers' cgroups go under a parent of this run's own, removed at
# the end (the runtime removes each container's cgroup when it ends).
cgroup_parent=sockerless-monitor-test-$$
cleanup() {
        rm -rf "$tmp"
        for dir in /sys/fs/cgroup/*/"$cgroup_parent" /sys/fs/cgroup/"$cgroup_parent"; do
                [ -d "$dir" ] && rmdir "$dir" 2>/dev/null
        done
        return 0
}
trap cleanup EXIT

mkdir -p "$tmp/rootfs/bin"
cp "$busybox" "$tmp/rootfs/bin/busybox"
for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$tmp/rootfs/bin/$applet"
done
"$builddir/sockerless-runtime" spec >"$tmp/template.json"

rc=0
MONITOR_E2E_CGROUP_PARENT=$cgroup_parent \
        MONITOR_E2E_PROGRAM="$builddir/sockerless-monitor" \
        MONITOR_E2E_TEMPLATE="$tmp/template.json" \
        MONITOR_E2E_ROOTFS="$tmp/rootfs" \
        "$builddir/tests/unit/test-monitor-e2e" || rc=$?
exit "$rc"
