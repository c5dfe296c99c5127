#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Resource limits through the docker CLI. Every limit option is read back
# from the container's own /sys/fs/cgroup files and from the host's, with
# the warnings and errors for what the host cannot enforce. Then come
# State.OOMKilled and docker update of created, running and stopped
# containers.
#
# The cgroup file checks need cgroup v1 or a hybrid host (controllers in v1
# hierarchies); on a cgroup2-only host they are skipped, and the checks of
# messages, inspect and update still run.

# Single quotes keep $ for the container shell.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
run() {
        sl_run sl_docker run --rm --network none "$@"
}

v1=
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || v1=1

# on_v1 NAME: true on a host with v1 controllers, else records a skip.
on_v1() {
        [ -n "$v1" ] && return 0
        sl_skip "$1" "cgroup v1 files on a cgroup2-only host"
        return 1
}

# host_file CONTROLLER ID FILE: a file of the container's cgroup on the
# host, found below the test's cgroup parent of that hierarchy.
host_file() {
        local dir
        dir=$(find "/sys/fs/cgroup/$1" -maxdepth 6 -type d -path "*/$SL_CGROUP_PARENT/$2" 2>/dev/null | head -n 1)
        cat "$dir/$3" 2>&1
}

# The cgroup files a watched container (watch_run) copies, every 0.1 s,
# from its own /sys/fs/cgroup to a host directory, since the daemon has no
# docker exec yet.
mkdir -p "$SL_TMP/watch"
sl_remap_chown "$SL_TMP/watch"
watch_files='/sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes
/sys/fs/cgroup/memory/memory.soft_limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us
/sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max
/sys/fs/cgroup/cpuset/cpuset.cpus'

# watch_run NAME DOCKER-RUN-OPTIONS...: starts NAME detached.
watch_run() {
        local name=$1
        shift
        sl_docker run -d --name "$name" --network none -v "$SL_TMP/watch:/watch" "$@" "$busybox" sh -c \
                "while :; do cat $(tr '\n' ' ' <<<"$watch_files") >/watch/$name.tmp 2>&1;
                        mv /watch/$name.tmp /watch/$name; sleep 0.1; done" >/dev/null
}

# watched NAME: the files of the watched container, one value a line.
watched() {
        cat "$SL_TMP/watch/$1" 2>/dev/null
}

# assert_watched NAME CHECK EXPECTED: waits up to 10 s for the values.
assert_watched() {
        sl_wait_for 10 sh -c "[ \"\$(cat '$SL_TMP/watch/$1' 2>/dev/null)\" = '$3' ]"
        sl_assert_eq "$2" "$3" "$(watched "$1")"
}

# A whole disk of the host for the block I/O limits; partitions cannot be
# throttled. Loop devices do when nothing else is there.
disk=
for dev in /sys/block/*; do
        name=$(basename "$dev")
        case $name in loop* | ram* | zram*) continue ;; esac
        [ -b "/dev/$name" ] && disk=/dev/$name && break
done
[ -n "$disk" ] || { [ -b /dev/loop0 ] && disk=/dev/loop0; }
disk_number=
[ -n "$disk" ] && disk_number=$(stat -c '%Hr:%Lr' "$disk")

# ---- block I/O throttling: the four limits in one container
if [ -n "$disk" ] && on_v1 "block I/O throttle files"; then
        cid=$(sl_docker run -d --network none --device-read-bps "$disk:1mb" --device-write-bps "$disk:2mb" \
                --device-read-iops "$disk:100" --device-write-iops "$disk:200" -v "$SL_TMP/watch:/watch" \
                "$busybox" sh -c 'cd /sys/fs/cgroup/blkio && cat blkio.throttle.read_bps_device \
                        blkio.throttle.write_bps_device blkio.throttle.read_iops_device \
                        blkio.throttle.write_iops_device >/watch/throttle; sleep 600')
        sl_wait_for 10 test -s "$SL_TMP/watch/throttle"
        sl_assert_eq "--device-read-bps, --device-write-bps, -iops in the container" \
                "$(printf '%s 1048576\n%s 2097152\n%s 100\n%s 200' "$disk_number" "$disk_number" "$disk_number" \
                        "$disk_number")" "$(cat "$SL_TMP/watch/throttle")"
        sl_assert_eq "--device-read-bps on the host" "$disk_number 1048576" \
                "$(host_file blkio "$cid" blkio.throttle.read_bps_device)"
        sl_assert_eq "--device-write-iops on the host" "$disk_number 200" \
                "$(host_file blkio "$cid" blkio.throttle.write_iops_device)"
        sl_assert_eq "--device-read-bps in HostConfig" "[{\"Path\":\"$disk\",\"Rate\":1048576}]" \
                "$(sl_docker inspect -f '{{json .HostConfig.BlkioDeviceReadBps}}' "$cid")"
        sl_docker rm -f "$cid" >/dev/null
elif [ -z "$disk" ]; then
        sl_skip "block I/O throttle files" "no block device on this host"
fi

run --device-read-bps /dev/sl-no-such-disk:1mb "$busybox" true
sl_assert_eq "--device-read-bps of a missing device fails at start" 127 "$SL_RC"
sl_assert_contains "--device-read-bps missing device message" \
        "stat /dev/sl-no-such-disk: no such file or directory" "$SL_ERR"

# ---- block I/O weights, which need the CFQ or BFQ I/O scheduler
weight_file=
for f in blkio.weight blkio.bfq.weight; do
        [ -e "/sys/fs/cgroup/blkio/$f" ] && weight_file=$f && break
done
if [ -n "$disk" ] && [ -n "$v1" ] && [ -n "$weight_file" ]; then
        run --blkio-weight 300 "$busybox" cat "/sys/fs/cgroup/blkio/$weight_file"
        sl_assert_match "--blkio-weight in the container" '^(default )?300$' "$SL_OUT"
        run --blkio-weight-device "$disk:400" "$busybox" cat "/sys/fs/cgroup/blkio/${weight_file}_device"
        sl_assert_contains "--blkio-weight-device in the container" "$disk_number 400" "$SL_OUT"
elif [ -n "$v1" ]; then
        run --blkio-weight 300 "$busybox" true
        sl_assert_rc "--blkio-weight without a weight file runs" 0
        sl_assert_contains "--blkio-weight without a weight file warns" \
                "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded." \
                "$SL_ERR"
        if [ -n "$disk" ]; then
                cid=$(sl_docker create --network none --blkio-weight-device "$disk:400" "$busybox" true 2>"$SL_TMP/warn")
                sl_assert_contains "--blkio-weight-device without a weight file warns" \
                        "Weight-device discarded." "$(cat "$SL_TMP/warn")"
                sl_assert_eq "--blkio-weight-device discarded from HostConfig" "[]" \
                        "$(sl_docker inspect -f '{{json .HostConfig.BlkioWeightDevice}}' "$cid")"
                sl_docker rm "$cid" >/dev/null
        fi
fi
sl_api POST /v1.41/containers/create -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"HostConfig\":{\"NetworkMode\":\"none\",\"BlkioWeight\":5}}"
if [ -n "$weight_file" ]; then
        sl_assert_eq "BlkioWeight 5 is out of range" 400 "$SL_API_STATUS"
        sl_assert_contains "BlkioWeight range message" "Range of blkio weight is from 10 to 1000" "$SL_API_BODY"
else
        sl_assert_eq "BlkioWeight 5 without a weight file is discarded" 201 "$SL_API_STATUS"
        sl_docker rm "$(jq -r .Id <<<"$SL_API_BODY")" >/dev/null 2>&1
fi

# ---- memory options of cgroup v1: OOM killer, swappiness
if on_v1 "memory.oom_control and memory.swappiness"; then
        run --oom-kill-disable -m 64m "$busybox" sh -c \
                'head -n 1 /sys/fs/cgroup/memory/memory.oom_control; cat /sys/fs/cgroup/memory/memory.swappiness'
        sl_assert_eq "--oom-kill-disable in memory.oom_control" "oom_kill_disable 1" "$(head -n 1 <<<"$SL_OUT")"
        run --memory-swappiness 10 "$busybox" cat /sys/fs/cgroup/memory/memory.swappiness
        sl_assert_out "--memory-swappiness in the container" 10
        cid=$(sl_docker run -d --network none --memory-swappiness 0 --oom-kill-disable -m 32m "$busybox" sleep 600)
        sl_assert_eq "--memory-swappiness on the host" 0 "$(host_file memory "$cid" memory.swappiness)"
        sl_assert_eq "--oom-kill-disable on the host" "oom_kill_disable 1" \
                "$(host_file memory "$cid" memory.oom_control | head -n 1)"
        sl_assert_eq "--oom-kill-disable in HostConfig" true \
                "$(sl_docker inspect -f '{{.HostConfig.OomKillDisable}}' "$cid")"
        sl_assert_eq "--memory-swappiness in HostConfig" 0 \
                "$(sl_docker inspect -f '{{.HostConfig.MemorySwappiness}}' "$cid")"
        sl_docker rm -f "$cid" >/dev/null
        run --oom-kill-disable "$busybox" true
        sl_assert_contains "--oom-kill-disable without -m warns" \
                "OOM killer is disabled for the container, but no memory limit is set" "$SL_ERR"
fi
cid=$(sl_docker create --network none "$busybox" true)
sl_assert_eq "unset swappiness is null" null "$(sl_docker inspect -f '{{json .HostConfig.MemorySwappiness}}' "$cid")"
sl_docker rm "$cid" >/dev/null
sl_api POST /v1.41/containers/create -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"HostConfig\":{\"MemorySwappiness\":200}}"
sl_assert_eq "MemorySwappiness 200 is rejected" 400 "$SL_API_STATUS"
sl_assert_contains "MemorySwappiness range message" "Invalid value: 200, valid memory swappiness range is 0-100" \
        "$SL_API_BODY"

# ---- kernel memory: deprecated, kept in HostConfig and not applied
cid=$(sl_docker create --network none --kernel-memory 64m "$busybox" true 2>"$SL_TMP/warn")
sl_assert_contains "--kernel-memory warns" "Specifying a kernel memory limit is deprecated" "$(cat "$SL_TMP/warn")"
sl_assert_eq "--kernel-memory in HostConfig" 67108864 "$(sl_docker inspect -f '{{.HostConfig.KernelMemory}}' "$cid")"
sl_docker rm "$cid" >/dev/null
sl_api POST /v1.41/containers/create -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"HostConfig\":{\"KernelMemory\":1048576}}"
sl_assert_contains "KernelMemory below 6MB message" "Minimum kernel memory limit allowed is 6MB" "$SL_API_BODY"

# ---- real-time CPU time: the parent cgroup must have a budget to share
if on_v1 "real-time CPU limits" && [ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
        run --cpu-rt-runtime 2000 --cpu-rt-period 1000 "$busybox" true
        sl_assert_contains "--cpu-rt-runtime above the period message" \
                "cpu real-time runtime cannot be higher than cpu real-time period" "$SL_ERR"
        # A new cgroup starts with no real-time time, as the kernel gives it.
        run --cpu-rt-runtime 1000 "$busybox" true
        sl_assert_ne "--cpu-rt-runtime without a budget in the parent fails" 0 "$SL_RC"
        sl_assert_contains "--cpu-rt-runtime without a budget names the file" "cpu.rt_runtime_us" "$SL_ERR"
        # The parent gets 10% of each second, the container 5% of each 100 ms.
        mkdir -p "/sys/fs/cgroup/cpu/$SL_CGROUP_PARENT"
        echo 100000 >"/sys/fs/cgroup/cpu/$SL_CGROUP_PARENT/cpu.rt_runtime_us"
        run --cpu-rt-runtime 5000 --cpu-rt-period 100000 "$busybox" \
                cat /sys/fs/cgroup/cpu/cpu.rt_runtime_us /sys/fs/cgroup/cpu/cpu.rt_period_us
        sl_assert_out "--cpu-rt-runtime and --cpu-rt-period in the container" "$(printf '5000\n100000')"
        echo 0 >"/sys/fs/cgroup/cpu/$SL_CGROUP_PARENT/cpu.rt_runtime_us"
fi

# ---- OOM kill: State.OOMKilled and exit 137
sl_run sl_docker run --name oom --network none -m 64m --memory-swap 64m "$busybox" \
        sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived'
sl_assert_rc "a memory hog above -m is killed with 137" 137
sl_assert_eq "State.OOMKilled of an OOM-killed container" "true 137" \
        "$(sl_docker inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' oom)"
sl_docker rm oom >/dev/null
sl_run sl_docker run --name no-oom --network none -m 64m "$busybox" sh -c 'exit 3'
sl_assert_eq "State.OOMKilled of a container that exits" "false 3" \
        "$(sl_docker inspect -f '{{.State.OOMKilled}} {{.State.ExitCode}}' no-oom)"
sl_docker rm no-oom >/dev/null

# ---- docker update of a running container: the cgroup changes at once
watch_run upd -m 64m
cid=$(sl_docker inspect -f '{{.Id}}' upd)
sl_assert_eq "create stores twice the memory as MemorySwap" 134217728 \
        "$(sl_docker inspect -f '{{.HostConfig.MemorySwap}}' upd)"
sl_run sl_docker update -m 100m --memory-swap 200m --memory-reservation 50m --cpus 0.5 --cpu-shares 512 \
        --pids-limit 50 --cpuset-cpus 0 --cpuset-mems 0 upd
sl_assert_rc "docker update of a running container" 0
sl_assert_eq "docker update prints the container" upd "$SL_OUT"
sl_assert_eq "updated limits in HostConfig" "104857600 209715200 52428800 500000000 512 50 0 0" \
        "$(sl_docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpusetCpus}} {{.HostConfig.CpusetMems}}' upd)"
if on_v1 "updated limits in the cgroup files"; then
        assert_watched upd "updated limits in the container" \
                "$(printf '104857600\n209715200\n52428800\n50000\n100000\n512\n50\n0')"
        sl_assert_eq "updated memory limit on the host" 104857600 "$(host_file memory "$cid" memory.limit_in_bytes)"
        sl_assert_eq "updated pids limit on the host" 50 "$(host_file pids "$cid" pids.max)"
        sl_assert_eq "updated cpuset on the host" 0 "$(host_file cpuset "$cid" cpuset.cpus)"
fi

sl_run sl_docker update --pids-limit -1 upd
sl_assert_rc "docker update --pids-limit -1" 0
sl_assert_eq "removed pids limit in HostConfig" 0 "$(sl_docker inspect -f '{{.HostConfig.PidsLimit}}' upd)"
if on_v1 "removed pids limit in pids.max"; then
        sl_assert_eq "removed pids limit in pids.max" max "$(host_file pids "$cid" pids.max)"
fi

sl_run sl_docker update -m 300m upd
sl_assert_ne "a memory limit above the swap limit fails" 0 "$SL_RC"
sl_assert_contains "memory above swap message" "Cannot update container $cid: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time" "$SL_ERR"
sl_run sl_docker update --cpu-period 50000 upd
sl_assert_contains "CPU period after --cpus message" \
        "Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set" "$SL_ERR"
sl_run sl_docker update --cpuset-cpus 4096 upd
sl_assert_contains "unavailable CPUs message" "Requested CPUs are not available - requested 4096, available: " "$SL_ERR"
# The CLI prints the warnings of an update to stdout.
sl_run sl_docker update --kernel-memory 64m upd
sl_assert_contains "docker update --kernel-memory warns" "Specifying a kernel memory limit is deprecated" "$SL_OUT"
sl_run sl_docker update --restart bogus upd
sl_assert_contains "docker update --restart bogus message" "invalid restart policy 'bogus'" "$SL_ERR"
sl_run sl_docker update --restart no upd
sl_assert_rc "docker update --restart no" 0
sl_run sl_docker update --restart always upd
sl_assert_rc "docker update --restart always" 0
sl_docker update --restart no upd >/dev/null

# Limits survive a restart of the container.
rm -f "$SL_TMP/watch/upd"
sl_docker restart -t 0 upd >/dev/null
if on_v1 "updated limits after a restart"; then
        assert_watched upd "updated limits after a restart" \
                "$(printf '104857600\n209715200\n52428800\n50000\n100000\n512\nmax\n0')"
fi
sl_docker rm -f upd >/dev/null

# A memory limit below the container's tmpfs usage cannot be set, and
# HostConfig keeps the old one.
cid=$(sl_docker run -d --network none -m 100m --memory-swap 100m -v "$SL_TMP/watch:/watch" "$busybox" \
        sh -c 'head -c 50000000 /dev/zero >/dev/shm/fill && touch /watch/filled && sleep 600')
sl_wait_for 20 test -e "$SL_TMP/watch/filled"
sl_run sl_docker update -m 20m --memory-swap 20m "$cid"
sl_assert_ne "a memory limit below the usage fails" 0 "$SL_RC"
sl_assert_contains "memory below usage names the container" "Cannot update container $cid:" "$SL_ERR"
sl_assert_contains "memory below usage gives the usage" "unable to set memory limit to 20971520 (current usage:" \
        "$SL_ERR"
sl_assert_eq "a failed update keeps HostConfig" "104857600 104857600" \
        "$(sl_docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' "$cid")"
sl_docker rm -f "$cid" >/dev/null

# ---- docker update of created and stopped containers: the next start
cid=$(sl_docker create --network none "$busybox" cat /sys/fs/cgroup/pids/pids.max)
sl_run sl_docker update --pids-limit 20 "$cid"
sl_assert_rc "docker update of a created container" 0
sl_assert_eq "created container gets the limit at start" 20 "$(sl_docker start -a "$cid")"
sl_run sl_docker update --pids-limit 30 "$cid"
sl_assert_rc "docker update of a stopped container" 0
sl_assert_eq "stopped container gets the limit at its next start" 30 "$(sl_docker start -a "$cid")"
sl_docker rm "$cid" >/dev/null

# ---- the raw API
cid=$(sl_docker create --network none -m 64m "$busybox" true)
sl_api POST "/v1.41/containers/$cid/update" -H 'Content-Type: application/json' -d '{"CpuShares":256}'
sl_assert_eq "POST update status" 200 "$SL_API_STATUS"
sl_assert_eq "POST update reply without warnings" '{"Warnings":null}' "$SL_API_BODY"
sl_api POST "/v1.41/containers/$cid/update" -H 'Content-Type: application/json' -d '{"Memory":268435456}'
sl_assert_eq "memory above swap is a conflict" 409 "$SL_API_STATUS"
sl_api POST "/v1.41/containers/$cid/update" -H 'Content-Type: application/json' -d '{"Memory":1024}'
sl_assert_eq "memory below 6MB status" 400 "$SL_API_STATUS"
sl_assert_contains "memory below 6MB message" "Minimum memory limit allowed is 6MB" "$SL_API_BODY"
sl_api POST "/v1.41/containers/$cid/update" -H 'Content-Type: application/json' -d '{"Memory":"lots"}'
sl_assert_contains "wrong type message" \
        "json: cannot unmarshal string into Go struct field UpdateConfig.Memory of type int64" "$SL_API_BODY"
sl_api POST "/v1.41/containers/$cid/update" -H 'Content-Type: application/json' -d '{"CpuQuota":500}'
sl_assert_contains "CPU quota below 1ms message" "CPU cfs quota can not be less than 1ms (i.e. 1000)" "$SL_API_BODY"
sl_api POST /v1.41/containers/sl-no-such-container/update -H 'Content-Type: application/json' -d '{}'
sl_assert_eq "update of a missing container" 404 "$SL_API_STATUS"
sl_assert_contains "update of a missing container message" "No such container: sl-no-such-container" \
        "$SL_API_BODY"
sl_assert_eq "updated CpuShares in HostConfig" 256 "$(sl_docker inspect -f '{{.HostConfig.CpuShares}}' "$cid")"
if ! sl_engine_is dockerd; then
        # dockerd 20.10 ignores these fields in an update, and this daemon
        # rejects them.
        sl_api POST "/v1.41/containers/$cid/update" -H 'Content-Type: application/json' -d '{"OomKillDisable":true}'
        sl_assert_eq "update of OomKillDisable is rejected" 400 "$SL_API_STATUS"
        sl_assert_contains "update of OomKillDisable message" "OomKillDisable cannot be changed by docker update" \
                "$SL_API_BODY"
fi
sl_docker rm "$cid" >/dev/null

sl_done
