#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Docker's default seccomp profile and --security-opt: the filter is there
# by default and gone with seccomp=unconfined, what it denies fails with
# EPERM (clone3 with ENOSYS), --cap-add SYS_ADMIN opens the calls it gates,
# a profile file applies, no-new-privileges, inspect and info, and the
# daemon's own default profile (--seccomp-profile). With
# SOCKERLESS_TEST_ENGINE=dockerd the same checks run against dockerd, except
# the ones marked as this daemon's own choices.

# Single quotes keep $ for the container shell.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
# Docker's current profile, as the daemon builds it in. dockerd 20.10 has
# an older one built in, so checks that need this one pass it explicitly.
profile=$SL_TOP_SRCDIR/contrib/seccomp/default.json

run() {
        sl_run sl_docker run --rm --network none "$@"
}

# status_field FIELD [OPTION...]: a field of the container's /proc/self/status.
status_field() {
        local field=$1
        shift
        run "$@" "$busybox" sh -c "grep '^$field:' /proc/self/status | cut -f2"
        echo "$SL_OUT"
}

# ---- the filter is on by default, off on request
sl_assert_eq "default: a filter" 2 "$(status_field Seccomp)"
sl_assert_eq "seccomp=unconfined: no filter" 0 "$(status_field Seccomp --security-opt seccomp=unconfined)"
sl_assert_eq "seccomp:unconfined (old syntax)" 0 "$(status_field Seccomp --security-opt seccomp:unconfined)"
sl_assert_eq "apparmor=unconfined is accepted" 2 "$(status_field Seccomp --security-opt apparmor=unconfined)"
run --privileged "$busybox" true
if [ "$SL_RC" != 0 ]; then
        # Not implemented yet, or a host whose bounding set lacks capabilities.
        sl_skip "--privileged: no filter" "--privileged fails here: $(head -n 1 <<<"$SL_ERR")"
else
        sl_assert_eq "--privileged: no filter" 0 "$(status_field Seccomp --privileged)"
fi

# ---- no_new_privs
sl_assert_eq "default: no_new_privs off" 0 "$(status_field NoNewPrivs)"
sl_assert_eq "no-new-privileges" 1 "$(status_field NoNewPrivs --security-opt no-new-privileges)"
sl_assert_eq "no-new-privileges=true" 1 "$(status_field NoNewPrivs --security-opt no-new-privileges=true)"
sl_assert_eq "no-new-privileges=false" 0 "$(status_field NoNewPrivs --security-opt no-new-privileges=false)"
sl_assert_eq "no-new-privileges keeps the filter" 2 "$(status_field Seccomp --security-opt no-new-privileges)"

# ---- what the profile denies, through busybox
run "$busybox" unshare -U true
sl_assert_ne "unshare -U fails" 0 "$SL_RC"
sl_assert_contains "unshare -U: EPERM" "Operation not permitted" "$SL_ERR"
run --cap-add SYS_ADMIN "$busybox" unshare -U true
sl_assert_rc "--cap-add SYS_ADMIN: unshare -U runs" 0
run --security-opt seccomp=unconfined "$busybox" unshare -U true
sl_assert_rc "seccomp=unconfined: unshare -U runs" 0

# ---- single system calls, through a static probe
probe_dir=$SL_TMP/probe
mkdir -p "$probe_dir"
if command -v gcc >/dev/null &&
        gcc -static -O2 -o "$probe_dir/seccomp-probe" "$SL_SRCDIR/seccomp-probe.c" 2>"$SL_TMP/gcc.err"; then
        probe_ok=1
else
        probe_ok=
fi

# probe OPTION... -- CALL [ARG]: the errno name of CALL in a container, or ok.
probe() {
        local -a options=()
        while [ "$1" != -- ]; do
                options+=("$1")
                shift
        done
        shift
        run "${options[@]}" -v "$probe_dir:/probe:ro" "$busybox" /probe/seccomp-probe "$@"
        echo "$SL_OUT"
}

# probe_check NAME EXPECTED OPTION... -- CALL [ARG]
probe_check() {
        local name=$1 expected=$2
        shift 2
        if [ -z "$probe_ok" ]; then
                sl_skip "$name" "no static C compiler: $(tail -n 1 "$SL_TMP/gcc.err" 2>/dev/null)"
                return
        fi
        sl_assert_eq "$name" "$expected" "$(probe "$@")"
}

probe_check "add_key: EPERM" EPERM -- add_key
probe_check "keyctl: EPERM" EPERM -- keyctl
probe_check "unshare(CLONE_NEWUSER): EPERM" EPERM -- unshare-user
probe_check "mount: EPERM" EPERM -- mount
probe_check "clone3: ENOSYS, so that libcs use clone" ENOSYS -- clone3
probe_check "personality(0xffffffff) is allowed" ok -- personality 0xffffffff
probe_check "personality(PER_BSD): EPERM" EPERM -- personality 6
probe_check "seccomp=unconfined: add_key runs" ok --security-opt seccomp=unconfined -- add_key
probe_check "seccomp=unconfined: clone3 reaches the kernel" EINVAL --security-opt seccomp=unconfined -- clone3
# With CAP_SYS_ADMIN the filter lets mount and clone3 through to the kernel.
probe_check "--cap-add SYS_ADMIN: mount reaches the kernel" ENODEV --cap-add SYS_ADMIN -- mount
probe_check "--cap-add SYS_ADMIN: clone3 reaches the kernel" EINVAL --cap-add SYS_ADMIN -- clone3
probe_check "--cap-add SYS_ADMIN: add_key still EPERM" EPERM --cap-add SYS_ADMIN -- add_key
# socket families: AF_ALG (38) and AF_VSOCK (40) are denied.
probe_check "profile file: socket(AF_VSOCK): EPERM" EPERM --security-opt "seccomp=$profile" -- socket 40
probe_check "profile file: socket(AF_ALG): EPERM" EPERM --security-opt "seccomp=$profile" -- socket 38
probe_check "profile file: socket(AF_UNIX) is allowed" ok --security-opt "seccomp=$profile" -- socket 1
if ! sl_engine_is dockerd; then
        probe_check "default: socket(AF_VSOCK): EPERM" EPERM -- socket 40
        probe_check "default: socket(AF_ALG): EPERM" EPERM -- socket 38
fi

# ---- a profile file that denies mkdir
deny_mkdir='{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}'
printf '%s\n' "$deny_mkdir" >"$SL_TMP/deny-mkdir.json"
run --security-opt "seccomp=$SL_TMP/deny-mkdir.json" "$busybox" mkdir /made
sl_assert_ne "profile denying mkdir: mkdir fails" 0 "$SL_RC"
sl_assert_contains "profile denying mkdir: EPERM" "Operation not permitted" "$SL_ERR"
run --security-opt "seccomp=$SL_TMP/deny-mkdir.json" "$busybox" touch /made
sl_assert_rc "profile denying mkdir: touch runs" 0

# ---- inspect shows SecurityOpt as given: the CLI sends the file's JSON
sl_run sl_docker create --network none --security-opt "seccomp=$SL_TMP/deny-mkdir.json" \
        --security-opt no-new-privileges "$busybox" true
cid=$SL_OUT
sl_run sl_docker inspect -f '{{json .HostConfig.SecurityOpt}}' "$cid"
sl_assert_eq "inspect SecurityOpt" "$(jq -c -n --arg p "seccomp=$deny_mkdir" '[$p, "no-new-privileges"]')" "$SL_OUT"
sl_docker rm "$cid" >/dev/null
sl_run sl_docker create --network none "$busybox" true
cid=$SL_OUT
sl_run sl_docker inspect -f '{{json .HostConfig.SecurityOpt}}' "$cid"
sl_assert_eq "inspect SecurityOpt without options" null "$SL_OUT"
sl_docker rm "$cid" >/dev/null

# ---- errors, with dockerd's texts
run --security-opt foo=bar "$busybox" true
sl_assert_ne "unknown option fails" 0 "$SL_RC"
sl_assert_contains "unknown option message" 'invalid --security-opt 2: "foo=bar"' "$SL_ERR"
run --security-opt no-new-privileges=maybe "$busybox" true
sl_assert_contains "no-new-privileges=maybe message" 'invalid --security-opt 2: "no-new-privileges=maybe"' "$SL_ERR"
printf '%s\n' '{"defaultAction":1}' >"$SL_TMP/bad-type.json"
run --security-opt "seccomp=$SL_TMP/bad-type.json" "$busybox" true
sl_assert_ne "profile with a wrong type fails" 0 "$SL_RC"
sl_assert_contains "profile with a wrong type message" "Decoding seccomp profile failed" "$SL_ERR"
printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}' \
        >"$SL_TMP/both.json"
printf '%s\n' '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ALLOW"}]}' \
        >"$SL_TMP/name-names.json"
run --security-opt "seccomp=$SL_TMP/name-names.json" "$busybox" true
sl_assert_contains "name and names message" "'name' and 'names' were specified in the seccomp profile" "$SL_ERR"

# ---- this daemon's own choices
if ! sl_engine_is dockerd; then
        # A bad profile fails at create; dockerd takes it and fails at start.
        sl_run sl_docker create --network none --security-opt "seccomp=$SL_TMP/bad-type.json" "$busybox" true
        sl_assert_ne "bad profile fails at create" 0 "$SL_RC"
        sl_assert_contains "bad profile names the field" "defaultAction: expected a string" "$SL_ERR"
        # It applies neither AppArmor profiles nor SELinux labels, so it
        # rejects them, where dockerd ignores them on a host without either.
        # label=disable requests what every container gets.
        run --security-opt apparmor=docker-default "$busybox" true
        sl_assert_ne "apparmor profile is rejected" 0 "$SL_RC"
        sl_assert_contains "apparmor profile message" "--security-opt apparmor=docker-default: AppArmor" "$SL_ERR"
        run --security-opt label=type:svirt_t "$busybox" true
        sl_assert_ne "SELinux label is rejected" 0 "$SL_RC"
        sl_assert_contains "SELinux label message" "SELinux labels are not supported by this daemon" "$SL_ERR"
        run --security-opt label=disable "$busybox" true
        sl_assert_rc "label=disable is accepted" 0
        # "builtin" is the CLI's name for Docker's default profile, which
        # dockerd 20.10 does not know.
        sl_assert_eq "seccomp=builtin: a filter" 2 "$(status_field Seccomp --security-opt seccomp=builtin)"

        # Compiled filters are kept under the exec root and reused.
        cached=$(find "$SL_EXEC/seccomp" -name '*.bpf' | wc -l)
        sl_assert_ne "compiled filters are cached" 0 "$cached"
        run "$busybox" true
        sl_assert_eq "a known filter adds no cache file" "$cached" "$(find "$SL_EXEC/seccomp" -name '*.bpf' | wc -l)"
        for file in "$SL_EXEC"/seccomp/*.bpf; do
                truncate -s 100 "$file"
        done
        run "$busybox" unshare -U true
        sl_assert_contains "a damaged cache file is not used" "Operation not permitted" "$SL_ERR"
        sl_assert_eq "a damaged cache file still gives a filter" 2 "$(status_field Seccomp)"
fi

# ---- docker info
sl_run sl_docker info --format '{{json .SecurityOptions}}'
sl_assert_contains "info lists the default profile" '"name=seccomp,profile=default"' "$SL_OUT"

# ---- the daemon's default profile
jq --arg p "$SL_TMP/deny-mkdir.json" '. + {"seccomp-profile": $p}' "$SL_CONFIG" >"$SL_CONFIG.new" &&
        mv "$SL_CONFIG.new" "$SL_CONFIG"
sl_daemon_restart
sl_run sl_docker info --format '{{json .SecurityOptions}}'
sl_assert_contains "info lists the daemon's profile" "\"name=seccomp,profile=$SL_TMP/deny-mkdir.json\"" "$SL_OUT"
run "$busybox" mkdir /made
sl_assert_contains "daemon profile applies" "Operation not permitted" "$SL_ERR"
run --security-opt seccomp=unconfined "$busybox" mkdir /made
sl_assert_rc "seccomp=unconfined overrides the daemon profile" 0
run --security-opt "seccomp=$profile" "$busybox" mkdir /made
sl_assert_rc "a container's profile overrides the daemon's" 0

if ! sl_engine_is dockerd; then
        run --security-opt seccomp=builtin "$busybox" mkdir /made
        sl_assert_rc "seccomp=builtin is Docker's profile, not the daemon's" 0

        # "unconfined" turns the filter off; dockerd 20.10 takes it for a file.
        jq '. + {"seccomp-profile": "unconfined"}' "$SL_CONFIG" >"$SL_CONFIG.new" && mv "$SL_CONFIG.new" "$SL_CONFIG"
        sl_daemon_restart
        sl_assert_eq "daemon profile unconfined: no filter" 0 "$(status_field Seccomp)"
        sl_run sl_docker info --format '{{json .SecurityOptions}}'
        sl_assert_contains "info lists unconfined" '"name=seccomp,profile=unconfined"' "$SL_OUT"

        # A profile that cannot be read stops the daemon at start, with the file's name.
        echo '{}' >"$SL_TMP/other.json"
        sl_run timeout "$SL_TIMEOUT" "$SL_DAEMON" -H "unix://$SL_TMP/other.sock" --data-root "$SL_TMP/other-data" \
                --exec-root "$SL_TMP/other-run" --pidfile "$SL_TMP/other.pid" --config-file "$SL_TMP/other.json" \
                --seccomp-profile "$SL_TMP/both.json"
        sl_assert_ne "daemon with an invalid profile does not start" 0 "$SL_RC"
        sl_assert_contains "daemon names the invalid profile" "invalid seccomp profile $SL_TMP/both.json" "$SL_ERR"
fi

sl_done
