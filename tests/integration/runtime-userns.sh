#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs containers in a new user namespace whose root is host uid and gid
# 200000, as with dockerd's --userns-remap, on a root filesystem owned by
# that user, and on layers of host root that the runtime id-maps. Checks
# the maps, the ownership of files written to a volume and to the
# overlay's upper layer, and the mounts that a user namespace cannot
# create itself. Then runs containers that join the user namespace of a
# running one, as dockerd's configs for container:X modes do, and
# compares one with runc.

# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"
rt_init

HOST_ID=200000
userns="d['linux']['namespaces'].append({'type': 'user'})"
maps="d['linux']['uidMappings'] = d['linux']['gidMappings'] = [{'containerID': 0, 'hostID': $HOST_ID, 'size': 65536}]"
# The gid range of ping_group_range must be mapped in the namespace.
sysctls="d['linux']['sysctl'] = {'net.ipv4.ip_unprivileged_port_start': '0'}"

# The namespace's root is an ordinary user on the host, which must be able
# to reach the bundles, the layers and the volumes.
chmod 755 "$RT_TMP"

B=$RT_TMP/userns
rt_rootfs "$B/rootfs" || exit 99
chown -R -h "$HOST_ID:$HOST_ID" "$B/rootfs"
V=$RT_TMP/volume
mkdir -p "$V"
chown "$HOST_ID:$HOST_ID" "$V"

rt_bundle "$B" "$userns" "$maps" "$sysctls" \
        "d['process']['args'] = ['sh', '-c', 'id; cat /proc/self/uid_map; echo data > /vol/file; stat -c \"%u:%g\" /vol/file /bin/busybox; stat -c \"%t:%T\" /dev/null; hostname']" \
        "d['mounts'].append({'destination': '/vol', 'type': 'bind', 'source': '$V', 'options': ['rbind']})"
rt_run "$B" userns
rt_check_eq "container runs in a user namespace" 0 "$RT_RC"
rt_check_eq "process is root in the namespace" "uid=0(root) gid=0(root)" "$(sed -n 1p <<<"$RT_OUT")"
rt_check_eq "uid map from the spec" "0 $HOST_ID 65536" "$(sed -n 2p <<<"$RT_OUT" | tr -s ' ' | sed 's/^ //')"
rt_check_eq "new file owned by root inside" 0:0 "$(sed -n 3p <<<"$RT_OUT")"
rt_check_eq "image files owned by root inside" 0:0 "$(sed -n 4p <<<"$RT_OUT")"
rt_check_eq "new file owned by the mapped id on the host" "$HOST_ID:$HOST_ID" "$(stat -c %u:%g "$V/file")"
rt_check_eq "/dev/null is the null device" 1:3 "$(sed -n 5p <<<"$RT_OUT")"
rt_check_eq "hostname set in the user namespace" rt-test "$(sed -n 6p <<<"$RT_OUT")"

rt_bundle "$B" "$userns" "$maps" "$sysctls" "d['annotations'] = {'org.sockerless.user': 'app'}" \
        "d['process']['args'] = ['sh', '-c', 'id; grep CapEff /proc/self/status']"
rt_run "$B" userns
rt_check_eq "user of the image inside the namespace" "uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)" \
        "$(sed -n 1p <<<"$RT_OUT")"

# The init cannot write its own oom_score_adj from the namespace.
rt_bundle "$B" "$userns" "$maps" "$sysctls" "d['process']['oomScoreAdj'] = 500" \
        "d['process']['args'] = ['cat', '/proc/self/oom_score_adj']"
rt_run "$B" userns
rt_check_eq "oomScoreAdj in a user namespace" 500 "$RT_OUT"

rt_bundle "$B" "$userns" "$maps" "$sysctls" "d['process']['args'] = ['true']" \
        "d['linux']['uidMappings'] = [{'containerID': 1, 'hostID': $HOST_ID, 'size': 10}]"
rt_run "$B" userns
rt_check_contains "unmapped root is reported" "$RT_ERR" "failed to become root in the user namespace"

# --- overlay in the user namespace

O=$RT_TMP/overlay
mkdir -p "$O/lower1" "$O/lower2" "$O/upper" "$O/work" "$O/bundle/rootfs"
rt_rootfs "$O/lower1" || exit 99
echo from-lower2 >"$O/lower2/file"
echo hidden >"$O/lower1/gone"
mknod "$O/lower2/gone" c 0 0
chown -R -h "$HOST_ID:$HOST_ID" "$O"
rt_bundle "$O/bundle" "$userns" "$maps" "$sysctls" \
        "d['process']['args'] = ['sh', '-c', 'cat /file; ls /gone 2>&1; echo new > /new-file; rm /file']" \
        "d['annotations'] = {'org.sockerless.rootfs.lower': '$O/lower2:$O/lower1', 'org.sockerless.rootfs.upper': '$O/upper', 'org.sockerless.rootfs.work': '$O/work'}"
rt_run "$O/bundle" overlay
rt_check_eq "overlay in a user namespace runs" 0 "$RT_RC"
rt_check_contains "overlay shows the top layer" "$RT_OUT" "from-lower2"
rt_check_contains "overlay whiteout hides the file" "$RT_OUT" "/gone: No such file or directory"
rt_check_eq "upper file owned by the mapped id" "$HOST_ID:$HOST_ID" "$(stat -c %u:%g "$O/upper/new-file" 2>&1)"
rt_check_eq "removal leaves a whiteout in the upper layer" "character special file 0:0" \
        "$(stat -c '%F %t:%T' "$O/upper/file" 2>&1)"

# --- id-mapped layers: lower directories of host root, seen as root's

I=$RT_TMP/idmap
mkdir -p "$I/lower1" "$I/lower2/data" "$I/upper" "$I/work" "$I/bundle/rootfs"
rt_rootfs "$I/lower1" || exit 99
echo from-lower2 >"$I/lower2/file"
echo hidden >"$I/lower1/gone"
mknod "$I/lower2/gone" c 0 0
mkdir -p "$I/lower1/data" && echo old >"$I/lower1/data/old"
setfattr_opaque() {
        "$RT_PYTHON" -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' "$1"
}
setfattr_opaque "$I/lower2/data"
mkdir -p "$I/lower2/owned" && chown 1234:1234 "$I/lower2/owned"
# Layers readable by host root only: the runtime builds the overlay as host
# root, not as the container's root.
chmod 700 "$I/lower1" "$I/lower2"
chown "$HOST_ID:$HOST_ID" "$I/upper" "$I/work"
idmap="d['annotations'] = {'org.sockerless.rootfs.lower': '$I/lower2:$I/lower1', 'org.sockerless.rootfs.upper': '$I/upper', 'org.sockerless.rootfs.work': '$I/work', 'org.sockerless.rootfs.idmap': 'true'}"
rt_bundle "$I/bundle" "$userns" "$maps" "$sysctls" "$idmap" \
        "d['process']['args'] = ['sh', '-c', 'stat -c %u:%g /bin/busybox /file /owned; cat /file; ls /gone 2>&1; echo data:$(ls /data); echo new > /new-file; rm /file; rm -rf /data; mkdir /data; ls -a /data']"
rt_run "$I/bundle" idmap
rt_check_eq "id-mapped overlay runs" 0 "$RT_RC"
rt_check_eq "layer files of host root are root's inside" "0:0 0:0" "$(sed -n 1,2p <<<"$RT_OUT" | paste -sd' ')"
rt_check_eq "layer owners other than root keep their id inside" "1234:1234" "$(sed -n 3p <<<"$RT_OUT")"
rt_check_eq "id-mapped overlay shows the top layer" "from-lower2" "$(sed -n 4p <<<"$RT_OUT")"
rt_check_contains "id-mapped whiteout hides the file" "$RT_OUT" "/gone: No such file or directory"
rt_check_eq "id-mapped opaque directory hides the lower one" "data:" "$(sed -n 6p <<<"$RT_OUT")"
rt_check_eq "recreated directory is empty" ". .." "$(tail -n 2 <<<"$RT_OUT" | paste -sd' ')"
rt_check_eq "upper file owned by the mapped id" "$HOST_ID:$HOST_ID" "$(stat -c %u:%g "$I/upper/new-file" 2>&1)"
rt_check_eq "layers keep host root's ids" "0:0" "$(stat -c %u:%g "$I/lower1/bin/busybox")"
rt_check_eq "upper directory made opaque" "y" \
        "$("$RT_PYTHON" -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' \
                "$I/upper/data" 2>&1)"

rt_bundle "$I/bundle" "$sysctls" "$idmap" "d['process']['args'] = ['true']"
rt_run "$I/bundle" idmap
rt_check_contains "id-mapping needs a user namespace" "$RT_ERR" \
        "org.sockerless.rootfs.idmap needs a user namespace"
rt_bundle "$I/bundle" "$userns" "$maps" "$sysctls" "d['process']['args'] = ['true']" \
        "d['annotations'] = {'org.sockerless.rootfs.idmap': 'yes'}"
rt_run "$I/bundle" idmap
rt_check_contains "id-mapping annotation must be a boolean" "$RT_ERR" "org.sockerless.rootfs.idmap"

# --- joining the user namespace of a running container, as dockerd does
# for --network, --ipc and --pid container:X under --userns-remap

F=$RT_TMP/first
J=$RT_TMP/joiner
rt_rootfs "$F/rootfs" || exit 99
rt_rootfs "$J/rootfs" || exit 99
chown -R -h "$HOST_ID:$HOST_ID" "$F/rootfs" "$J/rootfs"
netadmin="for k in ('bounding', 'effective', 'permitted'): d['process']['capabilities'][k].append('CAP_NET_ADMIN')"
rt_bundle "$F" "$userns" "$maps" "$sysctls" "$netadmin" \
        "d['process']['args'] = ['sh', '-c', 'ip addr add 10.99.0.1/32 dev lo; touch /tmp/ready; exec sleep 60']"
"$RT_RUNTIME" run --bundle "$F" --pid-file "$RT_TMP/first.pid" userns-first </dev/null >/dev/null 2>"$RT_TMP/first.err" &
runner=$!
for _ in $(seq 600); do [ -e "$F/rootfs/tmp/ready" ] && break; sleep 0.1; done
first_pid=$(cat "$RT_TMP/first.pid" 2>/dev/null)
rt_check "first container in a user namespace runs" [ -n "$first_pid" ]

# The joiner creates its mount, PID, UTS, IPC and cgroup namespaces inside
# the joined user namespace, so its root may mount /proc and sysfs and set
# the hostname.
joined="d['linux']['namespaces'] = [{'type': t} for t in ('mount', 'pid', 'uts', 'ipc', 'cgroup')] + [{'type': 'user', 'path': '/proc/$first_pid/ns/user'}, {'type': 'network', 'path': '/proc/$first_pid/ns/net'}]"
observe='readlink /proc/self/ns/user; cat /proc/self/uid_map; id; ip addr show lo | grep -o 10.99.0.1; echo $$; hostname; echo data > /vol/joined; stat -c %u:%g /vol/joined'
rt_bundle "$J" "$joined" "$maps" "$sysctls" "d['hostname'] = 'joiner'" \
        "d['process']['args'] = ['sh', '-c', '$observe']" \
        "d['mounts'].append({'destination': '/vol', 'type': 'bind', 'source': '$V', 'options': ['rbind']})"
rt_run "$J" userns-joiner
rt_check_eq "container joining a user namespace runs" 0 "$RT_RC"
rt_check_eq "joined user namespace is the first's" "$(readlink "/proc/$first_pid/ns/user")" "$(sed -n 1p <<<"$RT_OUT")"
rt_check_eq "joined namespace keeps its uid map" "0 $HOST_ID 65536" "$(sed -n 2p <<<"$RT_OUT" | tr -s ' ' | sed 's/^ //')"
rt_check_eq "process is root in the joined namespace" "uid=0(root) gid=0(root)" "$(sed -n 3p <<<"$RT_OUT")"
rt_check_eq "joined network namespace has the first's address" 10.99.0.1 "$(sed -n 4p <<<"$RT_OUT")"
rt_check_eq "new PID namespace in the joined one" 1 "$(sed -n 5p <<<"$RT_OUT")"
rt_check_eq "hostname set in a new UTS namespace" joiner "$(sed -n 6p <<<"$RT_OUT")"
rt_check_eq "file root writes belongs to root inside" 0:0 "$(sed -n 7p <<<"$RT_OUT")"
rt_check_eq "file root writes belongs to the mapped id on the host" "$HOST_ID:$HOST_ID" \
        "$(stat -c %u:%g "$V/joined" 2>&1)"

# Without maps, which a joined namespace does not need, and with
# the first's PID namespace joined too.
rt_bundle "$J" "$joined" "$sysctls" \
        "d['linux']['namespaces'] = [n for n in d['linux']['namespaces'] if n['type'] != 'pid'] + [{'type': 'pid', 'path': '/proc/$first_pid/ns/pid'}]" \
        "d['process']['args'] = ['sh', '-c', 'ps -o comm | grep -x sleep; cat /proc/self/oom_score_adj']" \
        "d['process']['oomScoreAdj'] = 300"
rt_run "$J" userns-joiner-pid
rt_check_eq "joining user and PID namespaces runs" 0 "$RT_RC"
rt_check_eq "joined PID namespace shows the first's process" sleep "$(sed -n 1p <<<"$RT_OUT")"
rt_check_eq "oomScoreAdj in a joined user namespace" 300 "$(sed -n 2p <<<"$RT_OUT")"

# Layers of host root, id-mapped through the joined namespace.
J2=$RT_TMP/joiner-idmap
mkdir -p "$J2/rootfs" "$RT_TMP/joiner-upper" "$RT_TMP/joiner-work"
chown "$HOST_ID:$HOST_ID" "$RT_TMP/joiner-upper" "$RT_TMP/joiner-work"
rt_bundle "$J2" "$joined" "$sysctls" \
        "d['annotations'] = {'org.sockerless.rootfs.lower': '$I/lower1', 'org.sockerless.rootfs.upper': '$RT_TMP/joiner-upper', 'org.sockerless.rootfs.work': '$RT_TMP/joiner-work', 'org.sockerless.rootfs.idmap': 'true'}" \
        "d['process']['args'] = ['sh', '-c', 'stat -c %u:%g /bin/busybox; touch /new']"
rt_run "$J2" userns-joiner-idmap
rt_check_eq "id-mapped layers in a joined user namespace" 0:0 "$RT_OUT"
rt_check_eq "upper file of a joined namespace owned by the mapped id" "$HOST_ID:$HOST_ID" \
        "$(stat -c %u:%g "$RT_TMP/joiner-upper/new" 2>&1)"

# The same bundle with runc.
RUNC=${SOCKERLESS_TEST_RUNC:-runc}
if command -v "$RUNC" >/dev/null; then
        rt_bundle "$J" "$joined" "$maps" "$sysctls" "d['hostname'] = 'joiner'" \
                "d['process']['args'] = ['sh', '-c', 'readlink /proc/self/ns/user; cat /proc/self/uid_map; id; echo \$\$; hostname; grep CapEff /proc/self/status']"
        rt_run "$J" userns-joiner-runc
        theirs=$(timeout 60 "$RUNC" --root "$RT_TMP/runc-state" run --bundle "$J" joiner-compare </dev/null 2>"$RT_TMP/runc-err")
        "$RUNC" --root "$RT_TMP/runc-state" delete --force joiner-compare >/dev/null 2>&1
        rt_check_eq "joined user namespace matches runc" "$theirs" "$RT_OUT"
fi

# Paths that are no user namespace, or the runtime's own.
rt_bundle "$J" "$joined" "$sysctls" \
        "d['linux']['namespaces'][-2]['path'] = '/proc/$first_pid/ns/net'"
rt_run "$J" userns-joiner-bad
rt_check_contains "network namespace as user namespace is rejected" "$RT_ERR" \
        "/proc/$first_pid/ns/net is not a user namespace"
rt_bundle "$J" "$joined" "$sysctls" "d['linux']['namespaces'][-2]['path'] = '$RT_TMP/first.pid'"
rt_run "$J" userns-joiner-bad
rt_check_contains "regular file as user namespace is rejected" "$RT_ERR" "$RT_TMP/first.pid is not a namespace"
rt_bundle "$J" "$joined" "$sysctls" "d['linux']['namespaces'][-2]['path'] = '$RT_TMP/missing'"
rt_run "$J" userns-joiner-bad
rt_check_contains "missing user namespace is reported" "$RT_ERR" \
        "failed to open the user namespace $RT_TMP/missing"
rt_bundle "$J" "$joined" "$sysctls" "d['linux']['namespaces'][-2]['path'] = '/proc/self/ns/user'"
rt_run "$J" userns-joiner-bad
rt_check_contains "runtime's own user namespace is rejected" "$RT_ERR" \
        "/proc/self/ns/user is the runtime's own user namespace"

kill -KILL "$first_pid"
wait "$runner"
rt_check_eq "first container killed" 137 "$?"

rt_check_eq "no cgroup left" "" "$(rt_cgroup_dirs userns; rt_cgroup_dirs bundle; rt_cgroup_dirs first; rt_cgroup_dirs joiner; rt_cgroup_dirs joiner-idmap)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"

rt_done
