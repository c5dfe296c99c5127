#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker run options that change a container's isolation: --privileged,
# --device, --device-cgroup-rule, --group-add, --sysctl, --init, the
# namespace modes (--ipc, --pid, --uts, --cgroupns), the daemon's default
# ulimits and the host's limits, --oom-score-adj, --domainname,
# --stop-signal and --stop-timeout.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox layers

busybox=sockerless-test/busybox:1.35
layers=sockerless-test/layers:1
run() {
        sl_run sl_docker run --rm --network none "$@"
}

state() {
        sl_docker inspect -f "{{.State.$2}}" "$1"
}

logs_contain() {
        timeout 10 docker logs "$1" 2>&1 | grep -qx "$2"
}

is_running() {
        [ "$(state "$1" Running 2>/dev/null)" = true ]
}

# Creates and starts a container through the API and prints the message of
# whichever step failed: dockerd checks some settings only at start.
create_and_start() {
        local name=$1 host_config=$2
        sl_api POST "/containers/create?name=$name" -H 'Content-Type: application/json' \
                -d "{\"Image\":\"$busybox\",\"Cmd\":[\"true\"],\"HostConfig\":$host_config}"
        if [ "$SL_API_STATUS" = 201 ]; then
                sl_api POST "/containers/$name/start"
        fi
        jq -r '.message // empty' <<<"$SL_API_BODY" 2>/dev/null
        sl_docker rm -f "$name" >/dev/null 2>&1
}

# /proc/mounts of a container: the options of the mount on $1.
mount_options() {
        awk -v dir="$1" '$2 == dir { print $4 }'
}

# ---- --privileged: every capability of the daemon, every device, no masks,
# sysfs and the cgroup filesystem writable, no seccomp
host_caps=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
last_cap=$(cat /proc/sys/kernel/cap_last_cap)
full_caps=$(printf '%016x' $(((1 << (last_cap + 1)) - 1)))
if sl_remapped; then
        sl_skip "privileged containers" "dockerd refuses --privileged with --userns-remap"
elif sl_engine_is dockerd && [ "$host_caps" != "$full_caps" ]; then
        for check in "privileged capabilities" "privileged devices" "privileged device cgroup" \
                "privileged masks" "privileged sysfs" "privileged cgroupfs" "privileged seccomp" \
                "privileged ignores --cap-drop" "privileged non-root user"; do
                sl_skip "$check" "dockerd's runc grants every capability, and this host's bounding set lacks some"
        done
else
        run --privileged "$busybox" sh -c '
                grep -E "^(CapEff|Seccomp):" /proc/self/status
                mknod /dev/sl-probe c 1 12 && cat /dev/sl-probe 2>&1
                grep -c " /proc/" /proc/mounts
                cat /proc/mounts'
        sl_assert_rc "privileged run" 0
        sl_assert_contains "privileged capabilities" "CapEff:	$host_caps" "$SL_OUT"
        # An unknown device number passes the device cgroup and fails in
        # the kernel instead: ENXIO, not EPERM.
        sl_assert_contains "privileged device cgroup" "No such device or address" "$SL_OUT"
        sl_assert_match "privileged masks" $'\n0\n' "$SL_OUT"
        sl_assert_match "privileged sysfs" '^rw,' "$(mount_options /sys <<<"$SL_OUT")"
        sl_assert_eq "privileged cgroupfs" "" \
                "$(awk '$2 ~ "^/sys/fs/cgroup" && $4 ~ /^ro/' <<<"$SL_OUT")"
        sl_assert_contains "privileged seccomp" "Seccomp:	0" "$SL_OUT"

        # The host's top-level device nodes, as "type major:minor name".
        list_devices='find /dev -maxdepth 1 \( -type c -o -type b \) ! -name console ! -name ptmx \
                -exec stat -c "%F %t:%T %n" {} \; | sort'
        run --privileged "$busybox" sh -c "$list_devices"
        sl_assert_eq "privileged devices" "$(sh -c "$list_devices")" "$SL_OUT"

        run --privileged --cap-drop ALL "$busybox" grep CapEff /proc/self/status
        sl_assert_eq "privileged ignores --cap-drop" "CapEff:	$host_caps" "$SL_OUT"
        run --privileged -u 1000 "$busybox" grep -E '^Cap(Eff|Bnd):' /proc/self/status
        sl_assert_eq "privileged non-root user" "CapEff:	0000000000000000
CapBnd:	$host_caps" "$SL_OUT"
fi

# The same checks in a default container, so that they can fail.
run "$busybox" sh -c '
        mknod /dev/sl-probe c 1 12 && cat /dev/sl-probe 2>&1
        grep -c " /proc/" /proc/mounts
        cat /proc/mounts'
if sl_remapped; then
        sl_skip "default device cgroup denies" "a user namespace cannot create device nodes (mknod)"
else
        sl_assert_contains "default device cgroup denies" "Operation not permitted" "$SL_OUT"
fi
sl_assert_not_contains "default container has masks" $'\n0\n' "$SL_OUT"
sl_assert_match "default sysfs is read-only" '^ro,' "$(mount_options /sys <<<"$SL_OUT")"

# ---- --device: the node, its permissions in the device cgroup, directories
# and Docker's errors. The test's own node 1:12 has no driver, so a use the
# device cgroup allows fails with ENXIO and one it denies with EPERM.
mknod "$SL_TMP/sl-dev" c 1 12
mkdir -p "$SL_TMP/devdir/sub"
mknod "$SL_TMP/devdir/sl-a" c 1 12
mknod "$SL_TMP/devdir/sub/sl-b" c 1 12
if sl_remapped; then
        # A user namespace cannot create device nodes, so the runtime binds
        # the host's node of the same path, as runc does: other paths fail.
        sl_skip "--device nodes" "dockerd's runc fails too: a user namespace cannot create device nodes"
else
        run --device /dev/null:/dev/sl-null "$busybox" stat -c '%F %t:%T' /dev/sl-null
        sl_assert_out "--device creates the node" "character special file 1:3"
        run --device "$SL_TMP/sl-dev:/dev/sl-dev:r" "$busybox" sh -c \
                'cat /dev/sl-dev 2>&1; echo x 2>&1 >/dev/sl-dev'
        sl_assert_contains "--device :r allows reads" "No such device or address" "$SL_OUT"
        sl_assert_contains "--device :r denies writes" "Operation not permitted" "$SL_OUT$SL_ERR"
        run --device "$SL_TMP/sl-dev:/dev/sl-dev" "$busybox" sh -c 'echo x 2>&1 >/dev/sl-dev'
        sl_assert_contains "--device allows writes by default" "No such device or address" "$SL_OUT$SL_ERR"
        run --device "$SL_TMP/devdir:/dev/sl-dir" "$busybox" sh -c 'ls /dev/sl-dir /dev/sl-dir/sub'
        sl_assert_contains "--device directory top node" "sl-a" "$SL_OUT"
        sl_assert_contains "--device directory nested node" "sl-b" "$SL_OUT"
fi
run --device /dev/sl-no-such-device "$busybox" true
sl_assert_rc "--device missing exits 127" 127
sl_assert_contains "--device missing message" \
        'error gathering device information while adding custom device "/dev/sl-no-such-device": no such file or directory' \
        "$SL_ERR"
run --device /etc/passwd:/dev/sl-passwd "$busybox" true
sl_assert_ne "--device of a file fails" 0 "$SL_RC"
sl_assert_contains "--device of a file message" \
        'error gathering device information while adding custom device "/etc/passwd": not a device node' "$SL_ERR"
if ! sl_engine_is dockerd; then
        run --device /dev/null:/sl-null "$busybox" true
        sl_assert_ne "--device outside /dev is rejected" 0 "$SL_RC"
        sl_assert_contains "--device outside /dev message" "devices only below /dev" "$SL_ERR"
fi

# ---- --device-cgroup-rule
probe='mknod /dev/sl-probe c 1 12; cat /dev/sl-probe 2>&1; echo x 2>&1 >/dev/sl-probe'
if sl_remapped; then
        sl_skip "--device-cgroup-rule probes" "a user namespace cannot create device nodes (mknod)"
else
        run --device-cgroup-rule 'c 1:12 r' "$busybox" sh -c "$probe"
        sl_assert_contains "rule allows reads" "No such device or address" "$SL_OUT"
        sl_assert_contains "rule without w denies writes" "Operation not permitted" "$SL_OUT$SL_ERR"
        run --device-cgroup-rule 'c 1:* rw' "$busybox" sh -c "$probe"
        sl_assert_not_contains "wildcard rule allows writes" "Operation not permitted" "$SL_OUT$SL_ERR"
fi
sl_assert_contains "invalid rule message" "invalid device cgroup rule format: 'c 1:3'" \
        "$(create_and_start sl-iso-rule '{"NetworkMode":"none","DeviceCgroupRules":["c 1:3"]}')"

# ---- --group-add: names from the container's /etc/group, numbers as they are
run --group-add nogroup --group-add 1234 --group-add 0 "$busybox" id
sl_assert_out "--group-add as root" "uid=0(root) gid=0(root) groups=0(root),1234,65534(nogroup)"
run -u 1000:1000 --group-add 0 --group-add nogroup "$busybox" id
sl_assert_out "--group-add with -u" "uid=1000 gid=1000 groups=0(root),1000,65534(nogroup)"
run --group-add nogroup "$layers" id
sl_assert_out "--group-add with image USER" "uid=1234(app) gid=1234(app) groups=1234(app),65534(nogroup)"
run --group-add sl-no-such-group "$busybox" true
sl_assert_rc "--group-add unknown name exits 125" 125
sl_assert_contains "--group-add unknown name message" \
        "Unable to find group sl-no-such-group: no matching entries in group file" "$SL_ERR"
run --group-add -5 "$busybox" true
sl_assert_contains "--group-add negative gid message" "uids and gids must be in range 0-2147483647" "$SL_ERR"

# ---- --sysctl: namespaced ones only
run --sysctl kernel.shmmax=1073741824 --sysctl fs.mqueue.msg_max=20 --sysctl net.ipv4.ip_forward=1 \
        "$busybox" sh -c 'cat /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max /proc/sys/net/ipv4/ip_forward'
sl_assert_out "--sysctl namespaced values" "1073741824
20
1"
sl_run sl_docker run --rm --network host --sysctl net.ipv4.ip_forward=1 "$busybox" true
sl_assert_ne "--sysctl net with host network fails" 0 "$SL_RC"
if sl_remapped; then
        sl_skip "--sysctl net with host network message" "dockerd refuses --network host with --userns-remap"
else
        sl_assert_contains "--sysctl net with host network message" \
                'sysctl "net.ipv4.ip_forward" not allowed in host network namespace' "$SL_ERR"
fi
run --ipc host --sysctl kernel.shmmax=1 "$busybox" true
sl_assert_contains "--sysctl ipc with host ipc message" \
        'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace' "$SL_ERR"
sl_assert_contains "sysctl outside namespaces message" 'sysctl "vm.swappiness" is not in a separate kernel namespace' \
        "$(create_and_start sl-iso-sysctl '{"NetworkMode":"none","Sysctls":{"vm.swappiness":"1"}}')"
sl_assert_contains "sysctl kernel.hostname message" \
        'sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field' \
        "$(create_and_start sl-iso-sysctl '{"NetworkMode":"none","Sysctls":{"kernel.hostname":"x"}}')"
if ! sl_engine_is dockerd; then
        sl_assert_contains "sysctl name with .. is rejected" 'cannot contain "/" or ".."' \
                "$(create_and_start sl-iso-sysctl '{"NetworkMode":"none","Sysctls":{"net.ipv4/../../kernel/x":"1"}}')"
fi

# ---- --init: a small init as PID 1 that reaps and forwards signals
run --init "$busybox" sh -c 'ps -o pid,args; grep " /sbin/docker-init " /proc/mounts'
sl_assert_match "--init is PID 1" $'(^|\n) *1 /sbin/docker-init -- sh -c ps' "$SL_OUT"
sl_assert_match "--init binary is read-only" ' /sbin/docker-init [^ ]+ ro[, ]' "$SL_OUT"
run --init "$layers"
sl_assert_out "--init runs the image's command" "hello world from app in /home/app"
run --init "$layers" 'ps -o pid,user,args'
sl_assert_match "--init runs as the image's user" $'(^|\n) *1 app +/sbin/docker-init -- /bin/sh -c ps' "$SL_OUT"
run --init "$busybox" sh -c 'exit 7'
sl_assert_rc "--init passes the exit code" 7
run --init "$busybox" sh -c 'kill -TERM $$'
sl_assert_rc "--init passes a killing signal" 143
run --init "$busybox" sl-no-such-command
sl_assert_rc "--init missing command exits 127" 127
run --init "$busybox" /etc/passwd
sl_assert_rc "--init non-executable command exits 126" 126
run --init "$busybox" sh -c '(sleep 0.2 &); sleep 1; ps -o stat,args'
sl_assert_not_contains "--init reaps orphans" "Z " "$SL_OUT"

sl_docker run -d --name sl-iso-init-stop --network none --init "$busybox" sleep 1000 >/dev/null
sl_wait_for 20 is_running sl-iso-init-stop
start=$SECONDS
sl_check "--init stop" sl_docker stop sl-iso-init-stop
sl_assert_match "--init stop is immediate" '^[0-4]$' "$((SECONDS - start))"
sl_assert_eq "--init stop exit code" 143 "$(state sl-iso-init-stop ExitCode)"
sl_docker rm sl-iso-init-stop >/dev/null

sl_docker run -d --name sl-iso-init-kill --network none --init "$busybox" sh -c \
        'trap "echo got-usr1; exit 0" USR1; echo ready; while true; do sleep 0.1; done' >/dev/null
sl_wait_for 20 logs_contain sl-iso-init-kill ready
sl_check "--init kill -s USR1" sl_docker kill -s USR1 sl-iso-init-kill
sl_assert_eq "--init forwards USR1" 0 "$(sl_docker wait sl-iso-init-kill)"
sl_assert_eq "--init forwarded USR1 reached the shell" yes \
        "$(logs_contain sl-iso-init-kill got-usr1 && echo yes || echo no)"
sl_docker rm sl-iso-init-kill >/dev/null

# ---- --ipc: host, none, shareable and container:X
if sl_remapped; then
        sl_skip "--ipc host namespace" "dockerd's runc fails too: a user namespace cannot mount the host's mqueue"
else
        run --ipc host "$busybox" readlink /proc/self/ns/ipc
        sl_assert_out "--ipc host namespace" "$(readlink /proc/self/ns/ipc)"
fi
run --ipc none "$busybox" ls /dev/shm
sl_assert_ne "--ipc none has no /dev/shm" 0 "$SL_RC"
run --ipc shareable --shm-size 8m "$busybox" df -k /dev/shm
sl_assert_match "--ipc shareable --shm-size" ' 8192 ' "$SL_OUT"

sl_docker run -d --name sl-iso-donor --network none --ipc shareable "$busybox" sh -c \
        'echo shared > /dev/shm/sl-file; echo ready; sleep 1000' >/dev/null
sl_wait_for 20 logs_contain sl-iso-donor ready
donor_id=$(sl_docker inspect -f '{{.Id}}' sl-iso-donor)
donor_ipc=$(readlink "/proc/$(state sl-iso-donor Pid)/ns/ipc")
run --ipc container:sl-iso-donor "$busybox" sh -c 'cat /dev/shm/sl-file; readlink /proc/self/ns/ipc'
sl_assert_out "--ipc container: shares /dev/shm and the namespace" "shared
$donor_ipc"
sl_docker create --name sl-iso-joiner --network none --ipc container:sl-iso-donor "$busybox" \
        sleep 1000 >/dev/null
sl_assert_eq "--ipc container: stored as the full ID" "container:$donor_id" \
        "$(sl_docker inspect -f '{{.HostConfig.IpcMode}}' sl-iso-joiner)"
sl_docker start sl-iso-joiner >/dev/null
# As with dockerd, a remapped container joins the user namespace of the
# container whose IPC namespace it joins.
sl_assert_eq "--ipc container: shares the user namespace" \
        "$(readlink "/proc/$(state sl-iso-donor Pid)/ns/user")" \
        "$(readlink "/proc/$(state sl-iso-joiner Pid)/ns/user")"
run --ipc container:sl-iso-joiner "$busybox" cat /dev/shm/sl-file
sl_assert_out "--ipc container: of a joiner" shared
sl_docker rm -f sl-iso-joiner >/dev/null

sl_docker run -d --name sl-iso-private --network none "$busybox" sleep 1000 >/dev/null
run --ipc container:sl-iso-private "$busybox" true
sl_assert_contains "--ipc container: of a private donor" \
        "non-shareable IPC (hint: use IpcMode:shareable for the donor container)" "$SL_ERR"
run --ipc container:sl-no-such-container "$busybox" true
sl_assert_contains "--ipc container: missing donor" "No such container: sl-no-such-container" "$SL_ERR"
if sl_remapped && sl_engine_is sockerlessd; then
        sl_docker run -d --name sl-iso-host-userns --userns host --network none --ipc shareable "$busybox" \
                sleep 1000 >/dev/null
        run --ipc container:sl-iso-host-userns "$busybox" true
        sl_assert_contains "--ipc container: of a --userns host donor" \
                "runs with --userns host, so this container needs --userns host too" "$SL_ERR"
        sl_docker rm -f sl-iso-host-userns >/dev/null
fi

sl_check "stop the shareable donor" sl_docker stop -t 1 sl-iso-donor
sl_assert_eq "shareable /dev/shm unmounted after stop" "" \
        "$(grep "$donor_id" /proc/self/mountinfo)"
run --ipc container:sl-iso-donor "$busybox" true
sl_assert_contains "--ipc container: of a stopped donor" "container $donor_id is not running" "$SL_ERR"

# ---- --pid: host and container:X
if sl_remapped; then
        sl_skip "--pid host namespace" "dockerd refuses --pid host with --userns-remap"
else
        run --pid host "$busybox" readlink /proc/self/ns/pid
        sl_assert_out "--pid host namespace" "$(readlink /proc/self/ns/pid)"
fi
run --pid container:sl-iso-private "$busybox" sh -c 'ps -o pid,args; readlink /proc/self/ns/user'
sl_assert_match "--pid container: sees the donor" $'(^|\n) *1 sleep 1000' "$SL_OUT"
sl_assert_eq "--pid container: shares the user namespace" \
        "$(readlink "/proc/$(state sl-iso-private Pid)/ns/user")" "$(tail -n 1 <<<"$SL_OUT")"
run --pid container:sl-iso-donor "$busybox" true
sl_assert_contains "--pid container: of a stopped donor" "is not running" "$SL_ERR"
sl_docker rm -f sl-iso-private sl-iso-donor >/dev/null

# ---- --uts host and --cgroupns
run --uts host "$busybox" hostname
sl_assert_out "--uts host keeps the host name" "$(hostname)"
run --uts host -h sl-name "$busybox" true
sl_assert_contains "--uts host with -h" "conflicting options: hostname and the UTS mode" "$SL_ERR"
run --cgroupns host "$busybox" readlink /proc/self/ns/cgroup
sl_assert_out "--cgroupns host namespace" "$(readlink /proc/self/ns/cgroup)"
run --cgroupns private "$busybox" readlink /proc/self/ns/cgroup
sl_assert_ne "--cgroupns private namespace" "$(readlink /proc/self/ns/cgroup)" "$SL_OUT"

# ---- --oom-score-adj, --domainname, --stop-signal, --stop-timeout
run --oom-score-adj 500 "$busybox" cat /proc/self/oom_score_adj
sl_assert_out "--oom-score-adj" 500
run --oom-score-adj 1001 "$busybox" true
sl_assert_contains "--oom-score-adj range message" \
        "Invalid value 1001, range for oom score adj is [-1000, 1000]" "$SL_ERR"
if sl_remapped && sl_engine_is dockerd; then
        sl_skip "--domainname" "dockerd's runc 1.1 cannot write the domain name from a user namespace"
else
        run --domainname sl.example "$busybox" cat /proc/sys/kernel/domainname
        sl_assert_out "--domainname" sl.example
fi
run --stop-signal SIGBOGUS "$busybox" true
sl_assert_contains "--stop-signal invalid message" "Invalid signal: SIGBOGUS" "$SL_ERR"

sl_docker run -d --name sl-iso-stopsig --network none --stop-signal USR1 "$busybox" sh -c \
        'trap "echo got-usr1; exit 3" USR1; echo ready; while true; do sleep 0.1; done' >/dev/null
sl_wait_for 20 logs_contain sl-iso-stopsig ready
sl_check "--stop-signal stop" sl_docker stop sl-iso-stopsig
sl_assert_eq "--stop-signal sends the signal" 3 "$(state sl-iso-stopsig ExitCode)"
sl_docker rm sl-iso-stopsig >/dev/null

# sleep as PID 1 has no handler, so SIGTERM does nothing and SIGKILL follows.
sl_docker run -d --name sl-iso-stoptime --network none --stop-timeout 1 "$busybox" sleep 1000 >/dev/null
sl_wait_for 20 is_running sl-iso-stoptime
start=$SECONDS
sl_check "--stop-timeout stop" sl_docker stop sl-iso-stoptime
sl_assert_match "--stop-timeout waits about a second" '^[1-4]$' "$((SECONDS - start))"
sl_assert_eq "--stop-timeout ends with SIGKILL" 137 "$(state sl-iso-stoptime ExitCode)"
sl_docker rm sl-iso-stoptime >/dev/null

# ---- ulimits: the host's hard limit and the daemon's defaults
# Without CAP_SYS_RESOURCE (bit 24), no process can raise its hard limit.
host_hard=$(ulimit -Hn)
cap_eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
if [ "$host_hard" != unlimited ] && [ $((0x$cap_eff >> 24 & 1)) = 0 ]; then
        above=$((host_hard + 1000))
        run --ulimit "nofile=$above:$above" "$busybox" true
        sl_assert_ne "--ulimit above the host's limit fails" 0 "$SL_RC"
        if ! sl_engine_is dockerd; then
                sl_assert_contains "--ulimit above the host's limit message" \
                        "--ulimit nofile: the hard limit $above is above the maximum $host_hard" "$SL_ERR"
        fi
else
        sl_skip "--ulimit above the host's limit fails" "the daemon can raise its hard limits here"
fi

jq '. + {"default-ulimits": {"nofile": {"Name": "nofile", "Hard": 2000, "Soft": 1000}}}' "$SL_CONFIG" \
        >"$SL_CONFIG.new" && mv "$SL_CONFIG.new" "$SL_CONFIG"
sl_daemon_restart
run "$busybox" sh -c 'echo $(ulimit -Sn) $(ulimit -Hn)'
sl_assert_out "default-ulimits applied" "1000 2000"
run --ulimit nofile=100:200 "$busybox" sh -c 'echo $(ulimit -Sn) $(ulimit -Hn)'
sl_assert_out "--ulimit wins over default-ulimits" "100 200"
sl_docker create --name sl-iso-ulimits --network none "$busybox" true >/dev/null
sl_assert_eq "default-ulimits stored in HostConfig" '[{"Name":"nofile","Hard":2000,"Soft":1000}]' \
        "$(sl_docker inspect -f '{{json .HostConfig.Ulimits}}' sl-iso-ulimits)"
sl_docker rm sl-iso-ulimits >/dev/null

if ! sl_engine_is dockerd && [ "$host_hard" != unlimited ] && [ $((0x$cap_eff >> 24 & 1)) = 0 ]; then
        echo '{}' >"$SL_TMP/other.json"
        sl_run "$SL_DAEMON" -H "unix://$SL_TMP/other.sock" --data-root "$SL_TMP/other-data" \
                --exec-root "$SL_TMP/other-run" --pidfile "$SL_TMP/other.pid" --config-file "$SL_TMP/other.json" \
                --default-ulimit "nofile=$((host_hard + 1000))"
        sl_assert_ne "default ulimit above the host's limit stops the daemon" 0 "$SL_RC"
        sl_assert_contains "default ulimit above the host's limit message" \
                "is above the maximum $host_hard" "$SL_ERR"
fi

sl_done
