#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Regression tests for published container escapes: each case runs the
# attack against containers this test creates and checks that it fails and
# that nothing on the host changed. The advisory behind each case is named
# so its history can be looked up.

# Single quotes keep $ for the container shell.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
run() {
        sl_run sl_docker run --rm --network none "$@"
}
core_pattern_before=$(cat /proc/sys/kernel/core_pattern)

# A root filesystem of static busybox to import as a crafted image. $1 is
# the directory; the caller adds the crafted entries before tarring it.
make_rootfs() {
        local root=$1 applet
        mkdir -p "$root/bin" "$root/etc" "$root/tmp"
        cp "$(command -v busybox)" "$root/bin/busybox"
        for applet in sh true cat ls echo stat grep; do
                ln -sf busybox "$root/bin/$applet"
        done
}

import_rootfs() {
        tar -C "$1" -cf "$1.tar" . && sl_docker import "$1.tar" "$2" >/dev/null
}

# ---- CVE-2024-21626: a working directory through a leaked fd
for n in 3 4 5 8 16 32; do
        run -w "/proc/self/fd/$n" "$busybox" true
        sl_assert_ne "cwd /proc/self/fd/$n is refused" 0 "$SL_RC"
done
run "$busybox" sh -c 'for fd in /proc/1/fd/*; do readlink "$fd"; done'
# Every fd of the container's init is its stdio or its own; none names a
# host path such as the daemon's directories or sockets.
sl_assert_not_contains "no host path among the init's fds" "$SL_TMP" "$SL_OUT"
sl_assert_not_contains "no daemon socket among the init's fds" "socket:" "$SL_OUT"

# ---- CVE-2019-16884, CVE-2023-27561: /proc redirected by the image or a volume
root=$SL_TMP/evil-proc
make_rootfs "$root"
ln -s /etc "$root/proc"
import_rootfs "$root" sl-escape/proc-symlink
run sl-escape/proc-symlink true
if sl_engine_is dockerd; then
        # runc 1.1 of dockerd 20.10 mounts procfs inside the container's /etc instead.
        sl_assert_rc "image with /proc -> /etc on dockerd" 0
else
        sl_assert_ne "image with /proc -> /etc does not start" 0 "$SL_RC"
        sl_assert_match "image with /proc -> /etc message" 'proc' "$SL_ERR"
fi
mkdir -p "$SL_TMP/not-proc"
run -v "$SL_TMP/not-proc:/proc" "$busybox" true
sl_assert_ne "a volume on /proc does not start" 0 "$SL_RC"
sl_assert_match "a volume on /proc message" 'proc' "$SL_ERR"

# ---- CVE-2025-31133: /dev/null in the image links to a procfs file
root=$SL_TMP/evil-null
make_rootfs "$root"
mkdir -p "$root/dev"
ln -s /proc/sys/kernel/core_pattern "$root/dev/null"
import_rootfs "$root" sl-escape/dev-null
run sl-escape/dev-null sh -c 'echo "|/evil" > /proc/sys/kernel/core_pattern; stat -c "%F %t:%T" /dev/null'
sl_assert_eq "core_pattern unchanged" "$core_pattern_before" "$(cat /proc/sys/kernel/core_pattern)"
if [ "$SL_RC" = 0 ]; then
        sl_assert_out "/dev/null is the real device" "character special file 1:3"
else
        sl_assert_match "image /dev/null symlink fails clearly" '.' "$SL_ERR"
fi
# Every masked file is the null device and every masked directory is empty.
run "$busybox" sh -c 'for f in /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; do
        [ -e "$f" ] && stat -c "%n %t:%T" "$f"; done; ls -A /proc/acpi /proc/scsi /sys/firmware 2>/dev/null | grep -v ":$" | grep -c .'
sl_assert_not_contains "masked files are 1:3" " 0:0" "$SL_OUT"
sl_assert_eq "masked directories are empty" 0 "$(tail -n 1 <<<"$SL_OUT")"

# ---- image /dev or /dev/pts replaced by a symlink
root=$SL_TMP/evil-dev
make_rootfs "$root"
ln -s /etc "$root/dev"
import_rootfs "$root" sl-escape/dev-symlink
host_passwd_sum=$(sha256sum /etc/passwd)
run sl-escape/dev-symlink sh -c 'echo x > /dev/hacked; ls /dev/null'
sl_assert_eq "image /dev symlink: host /etc/passwd unchanged" "$host_passwd_sum" "$(sha256sum /etc/passwd)"
sl_assert_eq "image /dev symlink: nothing written on the host" no "$([ -e /etc/hacked ] && echo yes || echo no)"
if [ "$SL_RC" != 0 ]; then
        sl_assert_match "image /dev symlink fails clearly" '.' "$SL_ERR"
fi

# ---- CVE-2022-29162: inheritable capabilities and file capabilities
run --user 1000 "$busybox" grep -E 'Cap(Inh|Prm|Eff|Amb)' /proc/self/status
sl_assert_eq "--user 1000: no inheritable, permitted, effective or ambient capabilities" \
        "0000000000000000 0000000000000000 0000000000000000 0000000000000000" \
        "$(awk '{print $2}' <<<"$SL_OUT" | xargs)"
if command -v setcap >/dev/null; then
        mkdir -p "$SL_TMP/fcaps"
        cp "$(command -v busybox)" "$SL_TMP/fcaps/busybox"
        setcap cap_net_raw,cap_chown+ei "$SL_TMP/fcaps/busybox"
        run --user 1000 -v "$SL_TMP/fcaps:/fcaps:ro" "$busybox" /fcaps/busybox grep CapEff /proc/self/status
        sl_assert_match "+ei file capabilities give nothing to uid 1000" '0000000000000000$' "$SL_OUT"
else
        sl_skip "+ei file capabilities give nothing to uid 1000" "setcap is not installed"
fi

# ---- CVE-2025-52565: /dev/console is the container's own pty
run -t "$busybox" stat -c '%t:%T' /dev/console
sl_assert_match "/dev/console is a pty of the container's devpts" '^88:[0-9a-f]+' "$SL_OUT"

# ---- CVE-2025-52881: sysctl names that climb out of /proc/sys
run --sysctl 'net.ipv4.conf.all/../../../kernel/core_pattern=|/evil' "$busybox" true
sl_assert_ne "sysctl name with .. is rejected" 0 "$SL_RC"
sl_assert_eq "core_pattern unchanged after the sysctl attempt" "$core_pattern_before" \
        "$(cat /proc/sys/kernel/core_pattern)"

# ---- CVE-2022-0492: cgroup v1 release_agent through unshare and mount
run "$busybox" sh -c 'unshare -UrmC sh -c "mkdir -p /tmp/cg && mount -t cgroup -o rdma cgroup /tmp/cg" 2>&1; echo rc=$?'
sl_assert_not_contains "unshare and mount of a cgroup hierarchy fail" "rc=0" "$SL_OUT"
run "$busybox" sh -c 'touch /sys/fs/cgroup/probe 2>&1; mkdir /sys/fs/cgroup/memory/probe 2>&1; echo done'
if sl_remapped && sl_engine_is dockerd; then
        sl_skip "/sys/fs/cgroup is read-only" "dockerd's runc 1.1 leaves it writable in a user namespace on cgroup v1"
else
        sl_assert_contains "/sys/fs/cgroup is read-only" "Read-only file system" "$SL_OUT"
fi

# ---- CVE-2021-30465: a mount target swapped for a symlink during start
# Resolved inside the container's root, a swapped target lands at the
# container's own /inner at worst. An escape would create /inner on the
# host or leave a mount on the host under the test's directory.
if sl_engine_is dockerd; then
        # dockerd keeps container roots mounted in the host's table, and its
        # runc 1.1 was seen creating the target on the host's /: not run there.
        sl_skip "racing symlink never reaches the host" "checked for Sockerless only"
elif [ -e /inner ]; then
        sl_skip "racing symlink never reaches the host" "/inner exists on this host already"
else
        shared=$SL_TMP/race
        mkdir -p "$shared/d" "$SL_TMP/inner"
        racer=$(sl_docker run -d --network none -v "$shared:/shared" "$busybox" sh -c \
                'while true; do mv /shared/d /shared/d.tmp 2>/dev/null; ln -s / /shared/d 2>/dev/null;
                        rm -f /shared/d 2>/dev/null; mv /shared/d.tmp /shared/d 2>/dev/null; done')
        escaped=0
        for _ in $(seq 1 15); do
                sl_docker run --rm --network none -v "$shared:/mnt" -v "$SL_TMP/inner:/mnt/d/inner" \
                        "$busybox" true >/dev/null 2>&1
                # The daemon's own mounts of network namespaces are no escape.
                if [ -e /inner ] || awk '{print $5}' /proc/self/mountinfo | grep "^$SL_TMP/" |
                        grep -qv "^$SL_EXEC/netns/"; then
                        escaped=$((escaped + 1))
                fi
        done
        sl_docker rm -f "$racer" >/dev/null
        sl_assert_eq "racing symlink never reaches the host" 0 "$escaped"
        [ -d /inner ] && rmdir /inner
fi

# ---- CVE-2024-41110: the body the handler sees is the body that was checked
sl_api POST /containers/create -H 'Content-Type: text/plain' -d '{"Image":"busybox"}'
sl_assert_eq "JSON endpoint rejects another content type" 400 "$SL_API_STATUS"
# curl sends the body after a Content-Length of 0 given as a header.
sl_api POST /containers/create -H 'Content-Type: application/json' -H 'Content-Length: 0' \
        --data-binary "{\"Image\":\"$busybox\"}"
sl_assert_ne "Content-Length 0 with a body creates nothing" 201 "$SL_API_STATUS"
sl_assert_eq "no container created by the smuggled body" "" "$(sl_docker ps -aq --filter status=created)"

sl_docker rmi sl-escape/proc-symlink sl-escape/dev-null sl-escape/dev-symlink >/dev/null 2>&1 || true
sl_done
