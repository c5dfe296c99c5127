#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker run options beyond the basics: capabilities, resource limits,
# ulimits, sysctls, tmpfs, --mount, --add-host, log rotation, bind sources
# created on demand, and the clear errors for options not implemented.

# Single quotes keep $ for the container shell.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
run() {
        sl_run sl_docker run --rm --network none "$@"
}

# ---- capabilities: CapEff as a hex mask in /proc/self/status
cap_eff() {
        run "$@" "$busybox" sh -c 'grep CapEff /proc/self/status | cut -f2'
        echo "$SL_OUT"
}
sl_assert_eq "default capabilities" 00000000a80425fb "$(cap_eff)"
sl_assert_eq "--cap-drop ALL" 0000000000000000 "$(cap_eff --cap-drop ALL)"
# NET_ADMIN is bit 12: 0x1000 on top of the defaults.
sl_assert_eq "--cap-add NET_ADMIN" 00000000a80435fb "$(cap_eff --cap-add NET_ADMIN)"
sl_assert_eq "--cap-drop ALL --cap-add CHOWN" 0000000000000001 "$(cap_eff --cap-drop ALL --cap-add CHOWN)"
sl_assert_eq "--cap-drop with CAP_ prefix" 00000000a80425fa "$(cap_eff --cap-drop CAP_CHOWN)"
run --cap-add NOPE "$busybox" true
sl_assert_ne "--cap-add of an unknown name fails" 0 "$SL_RC"
# The CLI sends the name with a CAP_ prefix.
sl_assert_match "--cap-add unknown message" 'unknown capability: "(CAP_)?NOPE"' "$SL_ERR"

# ---- resource limits, read from the container's own cgroup files
limits_script='
if [ -f /sys/fs/cgroup/memory.max ]; then
        echo "$(cat /sys/fs/cgroup/memory.max) $(cat /sys/fs/cgroup/cpu.max) $(cat /sys/fs/cgroup/pids.max)"
else
        echo "$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes) $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/pids/pids.max)"
fi'
run -m 64m --cpus 0.5 --pids-limit 10 "$busybox" sh -c "$limits_script"
sl_assert_rc "limits run" 0
sl_assert_match "-m 64m" '^67108864 ' "$SL_OUT"
sl_assert_match "--cpus 0.5" ' 50000( 100000)? ' "$SL_OUT"
sl_assert_match "--pids-limit 10" ' 10$' "$SL_OUT"
run -m 1k "$busybox" true
sl_assert_ne "-m below 6MB fails" 0 "$SL_RC"
sl_assert_contains "-m below 6MB message" "Minimum memory limit allowed is 6MB" "$SL_ERR"
run --cpus 1000 "$busybox" true
sl_assert_ne "--cpus above the CPU count fails" 0 "$SL_RC"
sl_assert_contains "--cpus above the CPU count message" "Range of CPUs is from 0.01 to" "$SL_ERR"

# ---- ulimits and sysctls
run --ulimit nofile=100:200 "$busybox" sh -c 'echo $(ulimit -Sn) $(ulimit -Hn)'
sl_assert_out "--ulimit nofile" "100 200"
run --ulimit bogus=1 "$busybox" true
sl_assert_ne "--ulimit with an unknown name fails" 0 "$SL_RC"
run --sysctl net.ipv4.ip_forward=1 "$busybox" cat /proc/sys/net/ipv4/ip_forward
sl_assert_out "--sysctl in the container's network namespace" 1

# ---- tmpfs and --mount
run --tmpfs /scratch:size=1m "$busybox" sh -c 'grep " /scratch " /proc/mounts | cut -d" " -f3'
sl_assert_out "--tmpfs mounts a tmpfs" tmpfs
host_dir=$SL_TMP/mount-src
mkdir -p "$host_dir"
echo from-host >"$host_dir/file"
run --mount "type=bind,src=$host_dir,dst=/m,readonly" "$busybox" sh -c 'cat /m/file; touch /m/new 2>&1'
sl_assert_contains "--mount bind reads the host file" from-host "$SL_OUT"
sl_assert_contains "--mount bind readonly" "Read-only file system" "$SL_OUT"
run --mount "type=bind,src=$SL_TMP/nonexistent,dst=/m" "$busybox" true
sl_assert_ne "--mount of a missing source fails" 0 "$SL_RC"
sl_assert_contains "--mount missing source message" "bind source path does not exist" "$SL_ERR"
run --mount type=tmpfs,dst=/t,tmpfs-size=1048576 "$busybox" sh -c 'grep " /t " /proc/mounts | cut -d" " -f3'
sl_assert_out "--mount tmpfs" tmpfs

# ---- -v creates a missing host directory, as dockerd does
run -v "$SL_TMP/created-by-v:/c" "$busybox" sh -c 'echo x > /c/f'
sl_assert_rc "-v with a missing source runs" 0
sl_assert_eq "-v created the host directory" x "$(cat "$SL_TMP/created-by-v/f" 2>&1)"

# ---- --add-host
run --add-host db.example:192.0.2.7 "$busybox" grep db.example /etc/hosts
sl_assert_match "--add-host entry in /etc/hosts" '^192\.0\.2\.7[[:space:]]+db\.example$' "$SL_OUT"

# ---- json-file rotation with --log-opt
cid=$(sl_docker run -d --network none --log-opt max-size=1k --log-opt max-file=2 "$busybox" \
        sh -c 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done')
sl_docker wait "$cid" >/dev/null
log_path=$(sl_docker inspect -f '{{.LogPath}}' "$cid")
sl_assert_eq "--log-opt max-file keeps two files" 2 "$(find "$(dirname "$log_path")" -name '*-json.log*' | wc -l)"
sl_assert_eq "--log-opt keeps the newest lines" line-199 "$(sl_docker logs "$cid" | tail -n 1)"
sl_docker rm "$cid" >/dev/null

# ---- errors for what the daemon does not implement, instead of silence
if ! sl_engine_is dockerd; then
        run --cgroup-parent sl-options "$busybox" true
        sl_assert_ne "--cgroup-parent is rejected" 0 "$SL_RC"
        sl_assert_contains "--cgroup-parent says it is not supported" "not supported by this daemon" "$SL_ERR"
fi
sl_run sl_docker run --network none --restart bogus "$busybox" true
sl_assert_ne "--restart with an invalid policy fails" 0 "$SL_RC"
run -w relative "$busybox" true
sl_assert_ne "-w relative fails" 0 "$SL_RC"
sl_assert_contains "-w relative message" "needs to be an absolute path" "$SL_ERR"

# ---- a missing network fails at start with its name, as in dockerd
sl_run sl_docker run --rm --network sl-no-such-net "$busybox" true
sl_assert_ne "--network of a missing network fails" 0 "$SL_RC"
sl_assert_contains "--network missing network message" "network sl-no-such-net not found" "$SL_ERR"
sl_assert_not_contains "--network missing network is no image error" "Unable to find image" "$SL_ERR"

sl_done
