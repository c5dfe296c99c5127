#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the same bundles under sockerless-runtime, runc and crun and compares
# what the container observes from inside. The observations are the
# hostname, environment, working directory, uid, gid and additional
# groups, the five capability sets and the resource limits. They include
# mountinfo (mount points, options, propagation, file system type, source
# and super options), masked and read-only paths, the seccomp mode and the
# errno of denied system calls. The last is the cgroup view with the
# memory, pids, cpu, cpuset and device limits. Every bundle runs
# on a root filesystem from the busybox image and on one from the Debian
# image. The Debian part is skipped, with a SKIP line, when no Debian image
# can be had.
#
# Two rounds:
#   host     sockerless-runtime and runc on the host's own cgroups (v1, v2
#            or hybrid).
#   cgroup2  sockerless-runtime, runc and crun in a private mount namespace
#            with the cgroup2 hierarchy on /sys/fs/cgroup, as on a
#            cgroup2-only host. crun 1.8.1 refuses hybrid hosts ("cgroups
#            in hybrid mode not supported"), so it runs only here.
#
# What is not compared with crun, and why:
#   - cgroup limits. On a hybrid host the cgroup2 hierarchy holds none of
#     the memory, pids and cpu controllers, so no runtime can apply those
#     limits in this round. And crun runs with --cgroup-manager=disabled,
#     because without CAP_SYS_RESOURCE it cannot raise RLIMIT_MEMLOCK to
#     load its eBPF device filter ("setrlimit (RLIM_MEMLOCK): Operation not
#     permitted"), so it creates no cgroup at all. The cgroup view (the
#     container's /proc/self/cgroup and its cgroup mount) is compared.
#   - where runc 1.1.5 and crun 1.8.1 disagree; sockerless-runtime does as
#     runc there (checked in both rounds), and crun_view lists each case.
#
# Differences from runc that are intentional:
#   - on a hybrid host the tmpfs on /sys/fs/cgroup is read-only, like the
#     hierarchies in it; runc leaves it writable (runc_view).
#   - when a container cannot start, `run` exits with Docker's status (127
#     for a missing file, 126 for one that cannot run, 128 otherwise) where
#     runc and crun exit with 1 (runtime-exec-errors.sh checks it). No bundle
#     here fails to start.
#
# Environment: SOCKERLESS_TEST_RUNC and SOCKERLESS_TEST_CRUN, the runc and
# crun binaries (default: runc and crun); SOCKERLESS_TEST_IMAGES, the
# directory with busybox.tar and debian-family.tar.gz. Without it
# tests/fixtures/build-images.sh builds the images: busybox from the host's
# static busybox, Debian from the host's installed Debian packages.

# shellcheck disable=SC2016 # the observer scripts expand in the container
# shellcheck source=tests/integration/runtime-lib.sh
. "$(dirname "$0")/runtime-lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
RUNC=${SOCKERLESS_TEST_RUNC:-runc}
CRUN=${SOCKERLESS_TEST_CRUN:-crun}
COMMON_CASES="identity user-unknown cwd-missing caps caps-user rlimits mounts mounts-hostnet masked readonly
        seccomp seccomp-docker"
HOST_CASES="$COMMON_CASES cgroup"
CGROUP2_CASES="$COMMON_CASES cgroup-view"

# ------------------------------------------------------------- observers

# write_observers DIR: writes the script each case runs in the container,
# DIR/CASE.sh. Each prints what it reads inside the container. PID 1 is
# the shell that runs the script, so /proc/1 shows the process as the
# runtime started it.
write_observers() {
        local dir=$1
        mkdir -p "$dir" || return 1
        cat >"$dir/identity.sh" <<'EOF'
echo "uname -n: $(uname -n)"
echo "hostname file: $(cat /proc/sys/kernel/hostname)"
echo "cwd: $(pwd -P)"
grep -E '^(Uid|Gid|Groups):' /proc/1/status
echo "umask: $(umask)"
echo "environment:"
tr '\0' '\n' </proc/1/environ | sort
EOF
        cp "$dir/identity.sh" "$dir/user-unknown.sh"
        cat >"$dir/cwd-missing.sh" <<'EOF'
echo "cwd: $(pwd -P)"
stat -c '%n %F %a %u:%g' /new/cwd
EOF
        cat >"$dir/caps.sh" <<'EOF'
echo "init:"
grep -E '^(Cap|NoNewPrivs)' /proc/1/status
echo "after execve:"
grep -E '^(Cap|NoNewPrivs)' /proc/self/status
EOF
        cp "$dir/caps.sh" "$dir/caps-user.sh"
        echo 'cat /proc/1/limits' >"$dir/rlimits.sh"
        # Each mount as: mount point, mount options, the optional fields
        # without their peer group numbers, file system type, source and
        # super options.
        cat >"$dir/mounts.sh" <<'EOF'
awk '{ tags = ""; i = 7
       while ($i != "-") { tag = $i; sub(/:.*/, "", tag); tags = tags " " tag; i++ }
       print $5, $6, "[" tags " ]", $(i + 1), $(i + 2), $(i + 3) }' /proc/self/mountinfo
EOF
        cp "$dir/mounts.sh" "$dir/mounts-hostnet.sh"
        cat >"$dir/masked.sh" <<'EOF'
for p in /proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats \
        /proc/sched_debug /proc/scsi /sys/firmware /proc/cmp-missing; do
        if [ -d "$p" ]; then
                echo "$p: directory, mode $(stat -c %a "$p"), $(ls -A "$p" | wc -l) entries"
                touch "$p/cmp-new" 2>/dev/null && echo "$p: file created"
        elif [ -e "$p" ]; then
                echo "$p: $(stat -c '%F, mode %a, device %t:%T' "$p"), $(head -c 4096 "$p" | wc -c) bytes"
                (echo x >"$p") 2>/dev/null && echo "$p: written"
        else
                echo "$p: missing"
        fi
done
EOF
        cat >"$dir/readonly.sh" <<'EOF'
for p in /proc/sysrq-trigger /proc/sys/kernel/domainname /proc/sys/cmp-new /proc/fs/cmp-new /proc/irq/cmp-new \
        /proc/bus/cmp-new; do
        if (echo x >"$p") 2>/dev/null; then echo "$p: written"; else echo "$p: not written"; fi
done
mkdir /proc/sys/cmp-dir 2>/dev/null && echo "/proc/sys/cmp-dir: created"
awk '$5 ~ /^\/proc\/(bus|fs|irq|sys|sysrq-trigger)$/ { print $5, $6 }' /proc/self/mountinfo | sort
EOF
        # Docker's profile allows mkdir, so the script removes the directory
        # again, because the runtimes share the root filesystem.
        cat >"$dir/seccomp.sh" <<'EOF'
grep -E '^(Seccomp|NoNewPrivs)' /proc/1/status
for call in "mkdir /tmp/cmp-dir" "personality 6" "personality 0xffffffff" keyctl add_key "socket 40" "socket 1" \
        unshare-user mount clone3; do
        echo "$call: $(seccomp-probe $call)"
done
rmdir /tmp/cmp-dir 2>/dev/null || true
EOF
        cp "$dir/seccomp.sh" "$dir/seccomp-docker.sh"
        # The kernel lists the device rules of cgroup v1 in the order they
        # were written. The order does not change what they allow, so the
        # script sorts them.
        cat >"$dir/cgroup.sh" <<'EOF'
cat /proc/self/cgroup
for f in memory/memory.limit_in_bytes memory/memory.soft_limit_in_bytes memory/memory.memsw.limit_in_bytes \
        memory/memory.swappiness pids/pids.max cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us \
        cpuset/cpuset.cpus cpuset/cpuset.mems devices/devices.list \
        memory.max memory.low memory.swap.max pids.max cpu.weight cpu.max cpuset.cpus cpuset.mems; do
        [ -e "/sys/fs/cgroup/$f" ] && echo "$f: $(sort "/sys/fs/cgroup/$f" | tr '\n' ' ')"
done
echo "cgroup mount: $(awk '$5 == "/sys/fs/cgroup" { print $6 }' /proc/self/mountinfo)"
EOF
        cp "$dir/cgroup.sh" "$dir/cgroup-view.sh"
}

# ---------------------------------------------------------------- bundles

# case_python CASE: prints the Python code that turns rt_bundle's default
# bundle (`d`: Docker's defaults) into the bundle of CASE.
case_python() {
        case $1 in
        identity)
                cat <<EOF
d['hostname'] = 'cmp-host'
d['process']['env'] = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
                       'CMP_EMPTY=', 'CMP_SPACE=a b', 'CMP_EQUALS=x=y']
d['process']['cwd'] = '/tmp'
d['process']['user'] = {'uid': 1000, 'gid': 1000, 'additionalGids': [2000, 3000], 'umask': 0o027}
EOF
                ;;
        user-unknown)
                cat <<EOF
d['process']['user'] = {'uid': 4242, 'gid': 4343}
d['process']['env'] = ['PATH=/usr/bin:/bin']
EOF
                ;;
        cwd-missing)
                echo "d['process']['cwd'] = '/new/cwd'"
                ;;
        caps)
                cat <<EOF
caps = d['process']['capabilities']['bounding'] + ['CAP_SYS_PTRACE']
d['process']['capabilities'] = {'bounding': caps, 'permitted': caps[1:], 'effective': caps[2:],
                                'inheritable': ['CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_PTRACE'],
                                'ambient': ['CAP_NET_BIND_SERVICE']}
EOF
                ;;
        caps-user)
                cat <<EOF
caps = d['process']['capabilities']['bounding']
d['process']['capabilities'] = {'bounding': caps, 'permitted': caps, 'effective': caps,
                                'inheritable': ['CAP_KILL', 'CAP_NET_BIND_SERVICE'],
                                'ambient': ['CAP_NET_BIND_SERVICE', 'CAP_KILL']}
d['process']['user'] = {'uid': 1000, 'gid': 1000}
d['process']['noNewPrivileges'] = True
EOF
                ;;
        rlimits)
                # Every limit is set, so none comes from the runtime's own
                # process, and none is above this host's hard limits. The
                # address space and data limits stay far above what a
                # sanitizer build of the runtime maps before it execs.
                cat <<EOF
d['process']['rlimits'] = [{'type': t, 'soft': s, 'hard': h} for t, s, h in (
    ('RLIMIT_AS', 1 << 61, 1 << 62), ('RLIMIT_CORE', 0, 1 << 20), ('RLIMIT_CPU', 3600, 7200),
    ('RLIMIT_DATA', 1 << 61, 1 << 62), ('RLIMIT_FSIZE', 1 << 30, 1 << 31), ('RLIMIT_LOCKS', 100, 200),
    ('RLIMIT_MEMLOCK', 65536, 131072), ('RLIMIT_MSGQUEUE', 8192, 16384), ('RLIMIT_NICE', 0, 0),
    ('RLIMIT_NOFILE', 512, 1024), ('RLIMIT_NPROC', 1000, 2000), ('RLIMIT_RSS', 1 << 30, 1 << 31),
    ('RLIMIT_RTPRIO', 0, 0), ('RLIMIT_RTTIME', 1000000, 2000000), ('RLIMIT_SIGPENDING', 500, 1000),
    ('RLIMIT_STACK', 8 << 20, 16 << 20))]
EOF
                ;;
        mounts)
                cat <<EOF
share = '$RT_TMP/share'
d['mounts'] += [
    {'destination': '/srv/share', 'type': 'bind', 'source': share, 'options': ['rbind', 'ro']},
    {'destination': '/srv/share-rw', 'type': 'bind', 'source': share,
     'options': ['bind', 'nosuid', 'nodev', 'noexec']},
    {'destination': '/etc/cmp-file', 'type': 'bind', 'source': share + '/file', 'options': ['bind', 'ro']},
    {'destination': '/scratch', 'type': 'tmpfs', 'source': 'tmpfs',
     'options': ['nosuid', 'size=1m', 'mode=700', 'uid=1000', 'gid=2000']},
    {'destination': '/srv/private', 'type': 'bind', 'source': share, 'options': ['rbind', 'rprivate']},
    {'destination': '/srv/slave', 'type': 'bind', 'source': share, 'options': ['rbind', 'rslave']},
    {'destination': '/run', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['nosuid', 'nodev', 'noexec', 'mode=755']},
    {'destination': '/run/ro', 'type': 'tmpfs', 'source': 'tmpfs', 'options': ['ro', 'size=64k']},
    {'destination': '/srv/mqueue-ro', 'type': 'mqueue', 'source': 'mqueue', 'options': ['ro', 'nosuid']}]
EOF
                ;;
        mounts-hostnet)
                # Without its own network namespace the container's sysfs
                # is the host's superblock, which must stay read-write.
                cat <<EOF
d['linux']['namespaces'] = [n for n in d['linux']['namespaces'] if n['type'] != 'network']
del d['linux']['sysctl']
EOF
                ;;
        seccomp)
                cat <<EOF
d['linux']['seccomp'] = {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [
    {'names': ['mkdir', 'mkdirat'], 'action': 'SCMP_ACT_ERRNO'},
    {'names': ['keyctl'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 38},
    {'names': ['socket'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 97,
     'args': [{'index': 0, 'value': 40, 'op': 'SCMP_CMP_EQ'}]},
    {'names': ['personality'], 'action': 'SCMP_ACT_ERRNO',
     'args': [{'index': 0, 'value': 6, 'op': 'SCMP_CMP_EQ'}]}]}
EOF
                ;;
        seccomp-docker)
                echo "d['linux']['seccomp'] = json.load(open('$RT_TMP/seccomp-docker.json'))"
                ;;
        cgroup)
                cat <<EOF
d['linux']['resources'].update({
    'memory': {'limit': 64 << 20, 'reservation': 32 << 20, 'swap': 128 << 20, 'swappiness': 10},
    'pids': {'limit': 100},
    'cpu': {'shares': 512, 'quota': 50000, 'period': 100000, 'cpus': '0', 'mems': '0'}})
EOF
                ;;
        esac
}

# write_bundle ROOTFS CASE: writes $RT_TMP/bundles/ROOTFS-CASE/config.json.
write_bundle() {
        rt_bundle "$RT_TMP/bundles/$1-$2" "d['root']['path'] = '$RT_TMP/rootfs/$1'" \
                "d['process']['args'] = ['sh', '/cmp/$2.sh']" "$(case_python "$2")"
}

# write_docker_profile OUT: resolves Docker's default seccomp profile
# (contrib/seccomp/default.json) into the OCI profile that dockerd gives
# its runtime for a container with Docker's default capabilities on this
# machine's architecture, and writes it to OUT.
write_docker_profile() {
        "$RT_PYTHON" - "$HERE/../../contrib/seccomp/default.json" "$1" <<'PYEOF'
import json, os, sys

profile = json.load(open(sys.argv[1]))
machine = os.uname().machine
goarch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
native = {"amd64": "SCMP_ARCH_X86_64", "arm64": "SCMP_ARCH_AARCH64"}.get(goarch)
default_caps = {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
                "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}


def applies(entry):
    includes, excludes = entry.get("includes") or {}, entry.get("excludes") or {}
    if includes.get("arches") and goarch not in includes["arches"]:
        return False
    if includes.get("caps") and not set(includes["caps"]) <= default_caps:
        return False
    if goarch in (excludes.get("arches") or []):
        return False
    return not set(excludes.get("caps") or []) & default_caps


out = {"defaultAction": profile["defaultAction"], "defaultErrnoRet": profile.get("defaultErrnoRet", 1),
       "architectures": [], "syscalls": []}
for arch in profile["archMap"]:
    if arch["architecture"] == native:
        out["architectures"] = [native] + arch["subArchitectures"]
for entry in profile["syscalls"]:
    if applies(entry):
        out["syscalls"].append({k: entry[k] for k in ("names", "action", "errnoRet", "args") if k in entry})
json.dump(out, open(sys.argv[2], "w"), indent=1)
PYEOF
}

# ---------------------------------------------------------- root filesystems

# image_archive NAME: prints the path of test image NAME (busybox or
# debian): the prebuilt one in SOCKERLESS_TEST_IMAGES, or one that
# tests/fixtures/build-images.sh builds and caches.
image_archive() {
        local prebuilt=busybox.tar cache=${XDG_CACHE_HOME:-$HOME/.cache}/sockerless-test
        [ "$1" = debian ] && prebuilt=debian-family.tar.gz
        if [ -n "${SOCKERLESS_TEST_IMAGES:-}" ] && [ -f "$SOCKERLESS_TEST_IMAGES/$prebuilt" ]; then
                echo "$SOCKERLESS_TEST_IMAGES/$prebuilt"
                return 0
        fi
        [ -n "${abs_top_builddir:-}" ] && cache=$abs_top_builddir/tests/.cache
        "$HERE/../fixtures/build-images.sh" "$cache" "$1"
}

# make_rootfs NAME TAG: unpacks image TAG of test image NAME into
# $RT_TMP/rootfs/NAME and adds what the observers need: user app (1000)
# in group extra (2000), the observer scripts in /cmp and the seccomp
# probe. On failure the reason is in $RT_TMP/image.err.
make_rootfs() {
        local root=$RT_TMP/rootfs/$1 archive
        archive=$(image_archive "$1" 2>"$RT_TMP/image.err") || return 1
        "$RT_PYTHON" "$HERE/image-rootfs.py" "$archive" "$2" "$root" 2>"$RT_TMP/image.err" || return 1
        grep -q '^app:' "$root/etc/passwd" || echo 'app:x:1000:1000:app:/home/app:/bin/sh' >>"$root/etc/passwd"
        grep -q '^app:' "$root/etc/group" || echo 'app:x:1000:' >>"$root/etc/group"
        echo 'extra:x:2000:app' >>"$root/etc/group"
        mkdir -p "$root/home/app" "$root/usr/local/bin" "$root/cmp" &&
                cp "$RT_TMP/observers/"*.sh "$root/cmp/" &&
                cp "$RT_TMP/seccomp-probe" "$root/usr/local/bin/"
}

# ------------------------------------------------------------------ rounds

# run_one ROUND NAME ROOTFS CASE COMMAND...: runs the bundle of ROOTFS and
# CASE with the runtime COMMAND from a bundle directory of its own, with a
# cgroup of its own, and stores the output and exit status in
# $RT_TMP/observed/ROUND/NAME/ROOTFS-CASE, its stderr next to it.
run_one() {
        local round=$1 name=$2 rootfs=$3 test=$4
        shift 4
        local id=$rootfs-$test-$name dir=$RT_TMP/run/$round-$name-$rootfs-$test
        local out=$RT_TMP/observed/$round/$name/$rootfs-$test
        mkdir -p "$dir" "$(dirname "$out")"
        jq --arg path "/$RT_CGROUP_PARENT/$round-$name-$rootfs-$test" '.linux.cgroupsPath = $path' \
                "$RT_TMP/bundles/$rootfs-$test/config.json" >"$dir/config.json"
        # A runtime creates a missing working directory in the root
        # filesystem, which the runtimes share.
        rm -rf "$RT_TMP/rootfs/$rootfs/new"
        timeout 60 "$@" run --bundle "$dir" "$id" </dev/null >"$out" 2>"$out.stderr"
        echo "exit status: $?" >>"$out"
        "$@" delete --force "$id" >/dev/null 2>&1
}

# run_round ROUND CASES "NAME|COMMAND"...: runs every bundle with each
# runtime, the runtimes one after the other for each bundle.
run_round() {
        local round=$1 cases=$2 rootfs test spec
        shift 2
        for rootfs in $ROOTFS_LIST; do
                for test in $cases; do
                        for spec in "$@"; do
                                # shellcheck disable=SC2086 # the command is split into words on purpose
                                run_one "$round" "${spec%%|*}" "$rootfs" "$test" ${spec#*|}
                        done
                done
        done
}

# cgroup2_round: the second round, in the private mount namespace that the
# script re-executes itself in.
cgroup2_round() {
        if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
                mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 77
        fi
        local runtimes=("sockerless-runtime|$RT_RUNTIME --root $RT_TMP/state")
        [ -n "$HAVE_RUNC" ] && runtimes+=("runc|$RUNC --root $RT_TMP/runc-state")
        [ -n "$HAVE_CRUN" ] && runtimes+=("crun|$CRUN --cgroup-manager=disabled --root $RT_TMP/crun-state")
        run_round cgroup2 "$CGROUP2_CASES" "${runtimes[@]}"
}

# ------------------------------------------------------------ comparison

# runc_view: sed script for both outputs of the runc comparison. On a
# hybrid or cgroup v1 host it makes one intentional difference invisible:
# this runtime makes the tmpfs on /sys/fs/cgroup read-only, like the
# hierarchies mounted in it, and runc 1.1.5 leaves that tmpfs writable.
runc_view() {
        [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ] || return 0
        cat <<'EOF'
s#^(/sys/fs/cgroup) rw,(.*) tmpfs tmpfs #\1 ro,\2 tmpfs tmpfs #
s#^(cgroup mount: )rw,#\1ro,#
EOF
}

# crun_view: sed script for both outputs of the crun comparison. It
# replaces what runc 1.1.5 and crun 1.8.1 do differently with a mark.
# sockerless-runtime does as runc in each case, which the runc comparison
# of the same round checks.
#   - HOME: runc sets HOME=/ for a uid without a passwd entry, crun
#     sets none.
#   - masked files: runc binds the container's /dev/null (on the /dev
#     tmpfs, mount options rw,nosuid), crun binds the host's /dev/null
#     (devtmpfs) read-only. Both are the null device, so reads return
#     nothing and writes succeed either way.
#   - masked directories: runc mounts a tmpfs with a read-only superblock,
#     crun one of size 0 with a writable superblock. Both mounts are
#     read-only.
#   - read-only paths: runc keeps nosuid, nodev and noexec of /proc on the
#     read-only bind, crun drops them.
#   - sysfs: runc mounts it with a read-only superblock, crun makes only
#     the mount read-only.
#   - the cgroup2 mount on /sys/fs/cgroup: source "cgroup" in runc,
#     "cgroup2" in crun.
#   - the order of the mounts: crun mounts the masked paths before the
#     read-only ones, runc after. The crun comparison sorts the lines.
crun_view() {
        cat <<'EOF'
/^HOME=\/$/d
s#^(/proc/[a-z_]+|/sys/firmware) ro,relatime \[ \] tmpfs tmpfs (ro|rw,size=0k)$#\1 (masked directory)#
s#^(/proc/[a-z_]+) (rw,nosuid \[ \] tmpfs tmpfs|ro,relatime \[ \] devtmpfs devtmpfs) .*#\1 (masked file)#
s#^(/proc/(bus|fs|irq|sys|sysrq-trigger)) ro,[a-z,]+#\1 ro (read-only path)#
s#^(/sys [a-z,]+ \[ \] sysfs sysfs) r[ow]$#\1 (superblock)#
s#^(/sys/fs/cgroup [a-z,]+ \[ \] cgroup2) cgroup2? #\1 (source) #
EOF
}

# compare NAME EXPECTED_FILE ACTUAL_FILE [SED_SCRIPT [sort]]: passes when
# the files are the same once the extended sed script has edited both
# (and sorted them, with "sort").
compare() {
        local name=$1 expected=$2 actual=$3 script=${4:-} sorted=${5:-}
        local view=(sed -E -e "$script")
        [ -n "$script" ] || view=(cat)
        if [ ! -f "$expected" ] || [ ! -f "$actual" ]; then
                rt_not_ok "$name" "no output: $expected or $actual is missing"
                return
        fi
        if [ -n "$sorted" ]; then
                diff -u <("${view[@]}" "$expected" | sort) <("${view[@]}" "$actual" | sort) >"$RT_TMP/diff"
        else
                diff -u <("${view[@]}" "$expected") <("${view[@]}" "$actual") >"$RT_TMP/diff"
        fi
        local status=$?
        if [ "$status" = 0 ]; then
                rt_ok "$name"
        else
                rt_not_ok "$name" "$(cat "$RT_TMP/diff")" "stderr: $(cat "$actual.stderr")"
        fi
}

# compare_round ROUND CASES OTHER [SED_SCRIPT [sort]]: compares the output
# of each bundle under sockerless-runtime with that under OTHER.
compare_round() {
        local round=$1 cases=$2 other=$3 script=${4:-} sorted=${5:-} rootfs test dir=$RT_TMP/observed/$1
        for rootfs in $ROOTFS_LIST; do
                for test in $cases; do
                        compare "$round: $rootfs $test: same as $other" "$dir/$other/$rootfs-$test" \
                                "$dir/sockerless-runtime/$rootfs-$test" "$script" "$sorted"
                done
        done
}

# ------------------------------------------------------------------- main

HAVE_RUNC=$(command -v "$RUNC" || true)
HAVE_CRUN=$(command -v "$CRUN" || true)

if [ "${1:-}" = --cgroup2-round ]; then
        RT_TMP=$CMP_TMP
        RT_CGROUP_PARENT=$CMP_CGROUP_PARENT
        ROOTFS_LIST=$CMP_ROOTFS_LIST
        cgroup2_round
        exit 0
fi

rt_init
[ -n "$HAVE_RUNC$HAVE_CRUN" ] || rt_skip_all "neither runc nor crun found"
command -v jq >/dev/null || rt_skip_all "jq not found"
mkdir -p "$RT_TMP/share" && echo shared >"$RT_TMP/share/file" || exit 99
gcc -static -O2 -o "$RT_TMP/seccomp-probe" "$HERE/seccomp-probe.c" 2>"$RT_TMP/gcc.err" ||
        rt_skip_all "cannot build the static seccomp probe: $(tail -n 1 "$RT_TMP/gcc.err")"
write_observers "$RT_TMP/observers" || exit 99
write_docker_profile "$RT_TMP/seccomp-docker.json" || exit 99

make_rootfs busybox sockerless-test/busybox:1.35 ||
        rt_skip_all "no busybox root filesystem: $(tail -n 1 "$RT_TMP/image.err")"
ROOTFS_LIST=busybox
if make_rootfs debian sockerless-test/debian:bookworm; then
        ROOTFS_LIST+=" debian"
else
        rt_ok "# SKIP no Debian root filesystem: $(tail -n 1 "$RT_TMP/image.err")"
fi
for rootfs in $ROOTFS_LIST; do
        for test in $HOST_CASES cgroup-view; do
                write_bundle "$rootfs" "$test" || exit 99
        done
done

if [ -n "$HAVE_RUNC" ]; then
        run_round host "$HOST_CASES" "sockerless-runtime|$RT_RUNTIME --root $RT_TMP/state" \
                "runc|$RUNC --root $RT_TMP/runc-state"
        compare_round host "$HOST_CASES" runc "$(runc_view)"
else
        rt_ok "# SKIP runc not found: no comparison on the host's cgroups"
fi

export CMP_TMP=$RT_TMP CMP_CGROUP_PARENT=$RT_CGROUP_PARENT CMP_ROOTFS_LIST=$ROOTFS_LIST RT_RUNTIME
unshare --mount --propagation private bash "$0" --cgroup2-round
case $? in
0)
        if [ -n "$HAVE_RUNC" ]; then
                compare_round cgroup2 "$CGROUP2_CASES" runc
        fi
        if [ -n "$HAVE_CRUN" ]; then
                compare_round cgroup2 "$CGROUP2_CASES" crun "$(crun_view)" sort
        else
                rt_ok "# SKIP crun not found (Debian package crun): no comparison with crun"
        fi
        ;;
77) rt_ok "# SKIP cannot mount the cgroup2 hierarchy: no cgroup2 round" ;;
*) rt_not_ok "cgroup2 round runs" ;;
esac

rt_check_eq "host sysfs superblock still read-write" "rw" \
        "$(awk '$5 == "/sys" { print $NF }' /proc/self/mountinfo | head -n 1 | cut -d, -f1)"
rt_check_eq "no container left" "" "$(
        "$RT_RUNTIME" --root "$RT_TMP/state" list -q
        [ -z "$HAVE_RUNC" ] || "$RUNC" --root "$RT_TMP/runc-state" list -q
        [ -z "$HAVE_CRUN" ] || "$CRUN" --root "$RT_TMP/crun-state" list -q
)"
rt_check_eq "no container cgroup left" "" \
        "$(find /sys/fs/cgroup/*/"$RT_CGROUP_PARENT" /sys/fs/cgroup/"$RT_CGROUP_PARENT" -mindepth 1 -type d 2>/dev/null)"
rt_check_eq "nothing mounted on the host" "" "$(rt_host_mounts)"
rt_done
