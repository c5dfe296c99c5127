#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# --userns-remap. The daemon creates dockremap and its ranges, and
# containers run in a user namespace mapped to them. Image files are
# root's inside, while the layers stay as they are on the host. The
# writable layer and new files belong to the remapped root on the host.
# --userns host opts out, the options that share the host's namespaces
# are rejected, container:X modes join X's user namespace, and the
# remapped state lives apart from the plain one.

# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# This test always remaps, whatever the value of SOCKERLESS_TEST_USERNS_REMAP.
SL_USERNS_REMAP=default
sl_setup
sl_image_load busybox layers
busybox=sockerless-test/busybox:1.35

# ---- the user dockerd's "default" stands for, created in the daemon's /etc
upper_etc=$SL_TMP/etc/upper
sl_assert_match "dockremap user created" '^dockremap:x:[0-9]+:[0-9]+:' \
        "$(grep '^dockremap:' "$upper_etc/passwd" 2>&1)"
sl_assert_match "dockremap group created" '^dockremap:x:[0-9]+:' "$(grep '^dockremap:' "$upper_etc/group" 2>&1)"
subuid=$(grep '^dockremap:' "$upper_etc/subuid" 2>&1)
subgid=$(grep '^dockremap:' "$upper_etc/subgid" 2>&1)
sl_assert_match "dockremap subuid range of 65536" '^dockremap:[0-9]+:65536$' "$subuid"
sl_assert_match "dockremap subgid range of 65536" '^dockremap:[0-9]+:65536$' "$subgid"
sl_assert_eq "host's /etc/passwd untouched" "" "$(grep '^dockremap:' /etc/passwd)"

root_uid=$(cut -d: -f2 <<<"$subuid")
root_gid=$(cut -d: -f2 <<<"$subgid")
sl_assert_eq "remapped root from the ranges" "$root_uid:$root_gid" "$(sl_remap_root)"

# ---- docker info
info=$(sl_docker info --format '{{json .}}')
sl_assert_contains "info SecurityOptions has userns" '"name=userns"' "$(jq -c .SecurityOptions <<<"$info")"
sl_assert_eq "info DockerRootDir is the remapped subdirectory" "$SL_DATA/$root_uid.$root_gid" \
        "$(jq -r .DockerRootDir <<<"$info")"
sl_assert_eq "data root mode and group" "710 $root_gid" "$(stat -c '%a %g' "$SL_DATA" "$SL_DATA/$root_uid.$root_gid" |
        sort -u)"

# ---- a remapped container
bind=$SL_TMP/bind-created/sub
mkdir -p "$SL_TMP/bind-root"
sl_docker run -d --name sl-userns-main -v "$bind:/created" "$busybox" \
        sh -c 'echo data >/created/file && echo new >/new-file && touch /ready && sleep 1000' >/dev/null
pid=$(sl_docker inspect -f '{{.State.Pid}}' sl-userns-main)
sl_assert_eq "uid_map maps root to the subordinate range" "0 $root_uid 65536" \
        "$(tr -s ' ' <"/proc/$pid/uid_map" | sed 's/^ //')"
sl_assert_eq "gid_map maps root to the subordinate range" "0 $root_gid 65536" \
        "$(tr -s ' ' <"/proc/$pid/gid_map" | sed 's/^ //')"
sl_assert_eq "process runs as the remapped uid on the host" "$root_uid" "$(stat -c %u "/proc/$pid")"

upper=$(sl_docker inspect -f '{{.GraphDriver.Data.UpperDir}}' sl-userns-main)
sl_wait_for 10 test -e "$upper/ready"
sl_assert_eq "bind source created for the remapped root" "$root_uid:$root_gid" "$(stat -c %u:%g "$bind")"
sl_assert_eq "file in the bind owned by the remapped root" "$root_uid:$root_gid" \
        "$(stat -c %u:%g "$bind/file" 2>&1)"
sl_assert_eq "upper dir owned by the remapped root" "$root_uid:$root_gid" "$(stat -c %u:%g "$upper")"
sl_assert_eq "new file in the upper dir owned by the remapped root" "$root_uid:$root_gid" \
        "$(stat -c %u:%g "$upper/new-file" 2>&1)"
sl_assert_eq "generated /etc files owned by the remapped root" "$root_uid:$root_gid" \
        "$(stat -c %u:%g "$(sl_docker inspect -f '{{.HostsPath}}' sl-userns-main)")"
if sl_engine_is sockerlessd; then
        # sockerlessd shows the layers through id-mapped mounts, so nothing
        # of the image store belongs to the remapped ids.
        sl_assert_eq "image layers stay host root's" "" \
                "$(find "$SL_DATA/$root_uid.$root_gid/image" -uid "$root_uid" | head -n 3)"
fi

sl_run sl_docker run --rm "$busybox" sh -c 'id -u; id -g; stat -c %u:%g /bin/busybox /etc/passwd'
sl_assert_eq "root inside, image files root's" "0 0 0:0 0:0" "$(paste -sd' ' <<<"$SL_OUT")"

# A directory of host root keeps its owner, which the namespace does not
# map, so root in the container cannot write there, as with dockerd.
sl_run sl_docker run --rm -v "$SL_TMP/bind-root:/rootdir" "$busybox" \
        sh -c 'stat -c %u:%g /rootdir; touch /rootdir/file'
sl_assert_eq "root's bind shows as nobody inside" "65534:65534" "$(head -n 1 <<<"$SL_OUT")"
sl_assert_ne "root's bind not writable inside" 0 "$SL_RC"
sl_assert_eq "root's bind source keeps its owner" "0:0" "$(stat -c %u:%g "$SL_TMP/bind-root")"

# ---- layers: whiteouts, opaque directories and owners other than root
sl_run sl_docker run --rm -u 0 --entrypoint sh sockerless-test/layers:1 -c \
        'ls /data; ls /keep; stat -c %u:%g /home/app; rm -rf /data; mkdir /data; ls /data | wc -l'
sl_assert_eq "layered image under remapping" "new k 1234:1234 0" "$(paste -sd' ' <<<"$SL_OUT")"

# ---- --userns host: no user namespace, host root
sl_run sl_docker run --rm --userns host -v "$SL_TMP/bind-host:/b" "$busybox" \
        sh -c 'cat /proc/self/uid_map; touch /b/file'
sl_assert_eq "--userns host runs" 0 "$SL_RC"
sl_assert_eq "--userns host has the host's uid map" "0 0 4294967295" "$(tr -s ' ' <<<"$SL_OUT" | sed 's/^ //')"
sl_assert_eq "--userns host writes as host root" "0:0" "$(stat -c %u:%g "$SL_TMP/bind-host/file" 2>&1)"
host_id=$(sl_docker create --userns host "$busybox" true)
sl_assert_eq "inspect UsernsMode host" host "$(sl_docker inspect -f '{{.HostConfig.UsernsMode}}' "$host_id")"
sl_assert_eq "inspect UsernsMode default" "" "$(sl_docker inspect -f '{{.HostConfig.UsernsMode}}' sl-userns-main)"

# ---- options that share the host's namespaces
sl_run sl_docker run --rm --privileged "$busybox" true
sl_assert_contains "--privileged needs --userns host" \
        "privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode" \
        "$SL_ERR"
sl_run sl_docker run --rm --network host "$busybox" true
sl_assert_contains "--network host needs --userns host" \
        "cannot share the host's network namespace when user namespaces are enabled" "$SL_ERR"
sl_run sl_docker run --rm --pid host "$busybox" true
sl_assert_contains "--pid host needs --userns host" \
        "cannot share the host PID namespace when user namespaces are enabled" "$SL_ERR"
sl_run sl_docker run --rm --userns host --network host "$busybox" true
sl_assert_eq "--network host with --userns host" 0 "$SL_RC"
sl_run sl_docker create --userns host --privileged "$busybox" true
sl_assert_not_contains "--privileged with --userns host passes the check" "user namespaces" "$SL_ERR"

# ---- container:X modes join X's user namespace too, as with dockerd
sl_docker run -d --name sl-userns-donor --ipc shareable "$busybox" sleep 1000 >/dev/null
donor_pid=$(sl_docker inspect -f '{{.State.Pid}}' sl-userns-donor)
sl_run sl_docker run --rm --cap-add NET_ADMIN --network container:sl-userns-donor \
        --ipc container:sl-userns-donor --pid container:sl-userns-donor "$busybox" \
        sh -c 'readlink /proc/self/ns/user; cat /proc/self/uid_map; ps -o comm | grep -x sleep; ip addr add 10.99.0.2/32 dev lo'
sl_assert_eq "container:X modes run" 0 "$SL_RC"
sl_assert_eq "container:X joins X's user namespace" "$(readlink "/proc/$donor_pid/ns/user")" \
        "$(sed -n 1p <<<"$SL_OUT")"
sl_assert_eq "container:X has the remapped uid map" "0 $root_uid 65536" \
        "$(sed -n 2p <<<"$SL_OUT" | tr -s ' ' | sed 's/^ //')"
sl_assert_eq "--pid container:X sees X's process" sleep "$(sed -n 3p <<<"$SL_OUT")"
sl_run sl_docker exec sl-userns-donor ip -o addr show lo
sl_assert_contains "container:X may configure X's network namespace" 10.99.0.2/32 "$SL_OUT"
sl_run sl_docker run --rm --userns host --network container:sl-userns-donor "$busybox" readlink /proc/self/ns/user
sl_assert_eq "--userns host joins X's network only" "$(readlink /proc/self/ns/user)" "$SL_OUT"
sl_docker run -d --name sl-userns-host-donor --userns host "$busybox" sleep 1000 >/dev/null
sl_run sl_docker run --rm --network container:sl-userns-host-donor "$busybox" true
sl_assert_ne "container:X of a --userns host X fails" 0 "$SL_RC"
sl_assert_contains "container:X of a --userns host X message" \
        "runs with --userns host, so this container needs --userns host too" "$SL_ERR"
sl_docker rm -f sl-userns-donor sl-userns-host-donor >/dev/null

# ---- the remapped state lives apart from the plain one
sl_docker rm -f sl-userns-main >/dev/null
sl_docker create --name sl-userns-kept "$busybox" true >/dev/null
SL_USERNS_REMAP=
sl_write_config
sl_daemon_restart
sl_assert_eq "plain daemon sees no remapped image" "" "$(sl_docker images -q)"
sl_assert_eq "plain daemon sees no remapped container" "" "$(sl_docker ps -aq)"
sl_assert_not_contains "plain daemon has no userns option" "name=userns" \
        "$(sl_docker info --format '{{json .SecurityOptions}}')"
sl_image_load busybox
sl_run sl_docker run --rm --userns host "$busybox" true
sl_assert_eq "--userns host accepted without remapping" 0 "$SL_RC"

# ---- USER:GROUP with more than one range (the daemon is down while its
# /etc overlay changes)
sl_daemon_stop
echo "dockremap:$((root_uid + 200000)):1000" >>"$upper_etc/subuid"
echo "dockremap:$((root_gid + 300000)):2000" >>"$upper_etc/subgid"
SL_USERNS_REMAP=dockremap:dockremap
sl_write_config
sl_daemon_start
sl_assert_eq "remapped daemon finds its container again" /sl-userns-kept \
        "$(sl_docker inspect -f '{{.Name}}' sl-userns-kept 2>&1)"
sl_docker run -d --name sl-userns-two "$busybox" sleep 1000 >/dev/null
pid=$(sl_docker inspect -f '{{.State.Pid}}' sl-userns-two)
sl_assert_eq "uid_map of two ranges" "0 $root_uid 65536,65536 $((root_uid + 200000)) 1000" \
        "$(tr -s ' ' <"/proc/$pid/uid_map" | sed 's/^ //' | paste -sd,)"
sl_assert_eq "gid_map of two ranges" "0 $root_gid 65536,65536 $((root_gid + 300000)) 2000" \
        "$(tr -s ' ' <"/proc/$pid/gid_map" | sed 's/^ //' | paste -sd,)"
sl_docker rm -f sl-userns-two >/dev/null

# ---- the setting's errors, as dockerd words them
if sl_engine_is sockerlessd; then
        daemon_binary=$SL_DAEMON
else
        daemon_binary=${SOCKERLESS_TEST_DOCKERD:-dockerd}
fi
# The daemon's error lines with the setting, without logfmt's escapes.
setting_error() {
        timeout -k 5 30 "$daemon_binary" --userns-remap "$1" -H "unix://$SL_TMP/bad.sock" \
                --data-root "$SL_TMP/bad-data" --exec-root "$SL_TMP/bad-run" --pidfile "$SL_TMP/bad.pid" \
                --config-file "$SL_TMP/bad.json" 2>&1 | grep -v 'level=\(info\|debug\|warn\)' | tr -d '\\'
}
echo '{}' >"$SL_TMP/bad.json"
sl_assert_contains "three parts rejected" 'Invalid user/group specification in --userns-remap: "a:b:c"' \
        "$(setting_error a:b:c)"
sl_assert_contains "unknown user rejected" 'Error during uid lookup for "sl-no-such-user"' \
        "$(setting_error sl-no-such-user)"
sl_assert_contains "unknown uid rejected" 'Uid 4242424 has no entry in /etc/passwd' "$(setting_error 4242424)"
sl_assert_contains "unknown group rejected" 'Error during groupname lookup for "sl-no-such-group"' \
        "$(setting_error daemon:sl-no-such-group)"
if ! grep -q '^daemon:' /etc/subuid 2>/dev/null; then
        sl_assert_contains "user without ranges rejected" 'no subuid ranges found for user "daemon"' \
                "$(setting_error daemon)"
fi

sl_done
