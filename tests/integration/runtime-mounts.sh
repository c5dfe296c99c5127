#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks the root filesystem and the spec's mounts. The cases are read-only
# and file bind mounts, the overlay built from the annotations (two lower
# layers, a whiteout, writes going to the upper layer), a read-only root,
# and symlinks in the image that must not redirect mounts. Afterwards
# nothing may be mounted on the host.

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

B=$RT_TMP/mounts
rt_rootfs "$B/rootfs" || exit 99
V=$RT_TMP/volume
mkdir -p "$V"
echo volume-file >"$V/data"
echo generated-hosts >"$RT_TMP/hosts"

# --- bind mounts

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'cat /vol/data; echo x > /vol/new 2>&1; cat /etc/hosts; echo y >> /etc/hosts; grep -E \" /(vol|etc/hosts) \" /proc/self/mountinfo']" \
        "d['mounts'].append({'destination': '/vol', 'type': 'bind', 'source': '$V', 'options': ['rbind', 'ro', 'rprivate']})" \
        "d['mounts'].append({'destination': '/etc/hosts', 'type': 'bind', 'source': '$RT_TMP/hosts', 'options': ['rbind', 'rprivate']})"
rt_run "$B" mounts
rt_check_eq "bind mounts run" 0 "$RT_RC"
rt_check_contains "read-only volume is readable" "$RT_OUT" "volume-file"
rt_check_contains "read-only volume rejects writes" "$RT_ERR" "can't create /vol/new: Read-only file system"
rt_check "read-only volume unchanged on the host" [ ! -e "$V/new" ]
rt_check_contains "read-only volume mounted ro" "$RT_OUT" " /vol ro,"
rt_check_contains "file bind mount shows the file" "$RT_OUT" "generated-hosts"
rt_check_eq "file bind mount is writable" "$(printf 'generated-hosts\ny')" "$(cat "$RT_TMP/hosts")"

# A symlink in the image may point a mount elsewhere inside the root, but
# never out of it.
ln -s /etc "$B/rootfs/escape"
rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'cat /etc/data']" \
        "d['mounts'].append({'destination': '/escape', 'type': 'bind', 'source': '$V', 'options': ['rbind', 'ro']})"
rt_run "$B" mounts
rt_check_eq "symlinked destination resolves inside the root" volume-file "$RT_OUT"
rt_check_eq "symlinked destination mounts nothing on the host" "" "$(grep -F "$V" /proc/self/mountinfo)"
rm "$B/rootfs/escape"

# --- read-only root

rt_bundle "$B" "d['process']['args'] = ['sh', '-c', 'touch /file 2>&1; touch /dev/shm/ok && echo shm-writable; pwd']" \
        "d['root']['readonly'] = True" "d['process']['cwd'] = '/made/for/cwd'"
rt_run "$B" mounts
rt_check_contains "read-only root rejects writes" "$RT_OUT" "Read-only file system"
rt_check_contains "tmpfs mounts stay writable" "$RT_OUT" "shm-writable"
rt_check_contains "working directory created before the root turns read-only" "$RT_OUT" "/made/for/cwd"

# --- overlay from the annotations

O=$RT_TMP/overlay
mkdir -p "$O/lower1" "$O/lower2" "$O/upper" "$O/work" "$O/bundle/rootfs"
rt_rootfs "$O/lower1" || exit 99
echo from-lower1 >"$O/lower1/only-lower1"
echo shadowed >"$O/lower1/both"
echo deleted-by-lower2 >"$O/lower1/whited-out"
echo from-lower2 >"$O/lower2/both"
mknod "$O/lower2/whited-out" c 0 0
rt_bundle "$O/bundle" "d['process']['args'] = ['sh', '-c', 'cat /only-lower1 /both; ls /whited-out 2>&1; echo written > /new-file; grep \" / \" /proc/self/mountinfo']" \
        "d['annotations'] = {'org.sockerless.rootfs.lower': '$O/lower2:$O/lower1', 'org.sockerless.rootfs.upper': '$O/upper', 'org.sockerless.rootfs.work': '$O/work'}"
rt_run "$O/bundle" overlay
rt_check_eq "overlay container runs" 0 "$RT_RC"
rt_check_contains "file of the bottom layer" "$RT_OUT" "from-lower1"
rt_check_contains "top layer shadows the bottom one" "$RT_OUT" "from-lower2"
rt_check_contains "whiteout hides the file" "$RT_OUT" "/whited-out: No such file or directory"
rt_check_contains "root is the overlay" "$RT_OUT" " / rw,relatime - overlay overlay"
rt_check_eq "writes go to the upper layer" written "$(cat "$O/upper/new-file" 2>&1)"
rt_check "lower layers are unchanged" [ ! -e "$O/lower1/new-file" ] && [ ! -e "$O/lower2/new-file" ]
rt_check_eq "overlay is not mounted on the host" "" "$(grep -F " $O/bundle/rootfs " /proc/self/mountinfo)"

# --- image content that must not redirect kernel filesystems

P=$RT_TMP/proclink
rt_rootfs "$P/rootfs" || exit 99
rmdir "$P/rootfs/proc" && ln -s /tmp "$P/rootfs/proc"
rt_bundle "$P"
rt_run "$P" proclink
rt_check "image with /proc as a symlink fails" [ "$RT_RC" != 0 ]
rt_check_contains "error names the /proc symlink" "$RT_ERR" "/proc is a symbolic link"

D=$RT_TMP/devlink
rt_rootfs "$D/rootfs" || exit 99
rmdir "$D/rootfs/dev" && ln -s /tmp "$D/rootfs/dev"
rt_bundle "$D"
rt_run "$D" devlink
rt_check "image with /dev as a symlink fails" [ "$RT_RC" != 0 ]
rt_check_contains "error names the /dev symlink" "$RT_ERR" "/dev is a symbolic link"

# Volumes may not replace or cover procfs, however the destination is
# spelled or reached.
for dest in /proc //proc/ /x/../proc /proc/sys /proc/sysrq-trigger /procfs-link/sys; do
        rt_bundle "$B" "d['process']['args'] = ['true']" \
                "d['mounts'].append({'destination': '$dest', 'type': 'bind', 'source': '$V', 'options': ['rbind']})"
        ln -sfn /proc "$B/rootfs/procfs-link"
        rt_run "$B" mounts
        rt_check "volume on $dest is rejected" [ "$RT_RC" != 0 ]
        rt_check_contains "volume on $dest names procfs" "$RT_ERR" "procfs"
done
rm -f "$B/rootfs/procfs-link"
echo 'fake cpuinfo' >"$RT_TMP/cpuinfo"
rt_bundle "$B" "d['process']['args'] = ['cat', '/proc/cpuinfo']" \
        "d['mounts'].append({'destination': '/proc/cpuinfo', 'type': 'bind', 'source': '$RT_TMP/cpuinfo', 'options': ['rbind', 'ro']})"
rt_run "$B" mounts
rt_check_eq "lxcfs-style bind on /proc/cpuinfo is allowed" "fake cpuinfo" "$RT_OUT"
rt_bundle "$B" "d['process']['args'] = ['true']" \
        "d['mounts'] = [{'destination': '/proc', 'type': 'tmpfs', 'source': 'tmpfs'}] + d['mounts']"
rt_run "$B" mounts
rt_check_contains "tmpfs on /proc is rejected" "$RT_ERR" "mount on /proc must be a procfs mount, not tmpfs"

# Without a tmpfs on /dev, the image's /dev is used as it is, and a
# symlink in place of a device node must not be followed.
N=$RT_TMP/devnull-link
rt_rootfs "$N/rootfs" || exit 99
ln -s /proc/sys/kernel/core_pattern "$N/rootfs/dev/null"
rt_bundle "$N" "d['mounts'] = [m for m in d['mounts'] if not m['destination'].startswith('/dev')]"
rt_run "$N" devnull
rt_check "image with /dev/null as a symlink fails" [ "$RT_RC" != 0 ]
rt_check_contains "error names /dev/null" "$RT_ERR" "/dev/null exists in the image and is not the expected device"

# --- nothing left behind

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs mounts; rt_cgroup_dirs overlay; rt_cgroup_dirs proclink; rt_cgroup_dirs devnull-link)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"

rt_done
