# shellcheck shell=bash disable=SC2034 # globals are read by the test scripts
# SPDX-License-Identifier: Apache-2.0
#
# Harness for the integration tests. Each test script sources this file and
# calls sl_setup, which starts a private daemon (own socket, data root, exec
# root, pidfile and cgroup parent, all under one temporary directory) and
# points the docker CLI at it. sl_done, or the EXIT trap on any other exit,
# removes the test's containers, stops the daemon, kills what it left
# running, unmounts, removes its cgroups and deletes the directory.
#
# Output is TAP: one "ok N - name" or "not ok N - name" line per check. Exit
# status follows automake: 0 passed, 1 failed, 77 skipped, 99 hard error.
#
# Environment:
#   SOCKERLESS_TEST_ENGINE     sockerlessd (default) or dockerd
#   SOCKERLESS_DAEMON          daemon binary (default $abs_top_builddir/sockerlessd)
#   SOCKERLESS_MONITOR         monitor binary (default $abs_top_builddir/sockerless-monitor)
#   SOCKERLESS_TEST_DOCKERD    dockerd binary for the dockerd engine (default: dockerd)
#   SOCKERLESS_TEST_IMAGES     directory with prebuilt test image archives
#   SOCKERLESS_TEST_TMPDIR     where the per-test directory goes (default /tmp)
#   SOCKERLESS_TEST_TIMEOUT    seconds a docker or curl command may take (default 60)
#   SOCKERLESS_TEST_KEEP=1     keep the per-test directory after the test
#   SOCKERLESS_TEST_USERNS_REMAP=1 start the daemon with --userns-remap default
#                              (any other value but 0: that setting), in a mount
#                              namespace whose /etc is an overlay in the test
#                              directory, so the user the daemon may create
#                              (dockremap) never reaches the host's /etc
#
# A test that sets SL_DAEMON_NETNS=1 before sl_setup gets its daemon in a
# private network namespace SL_NETNS (only lo, up), deleted at cleanup after
# the daemon stops; there dockerd keeps its default bridge and iptables too.
# sl_netns_exec runs a command in that namespace. SL_CONFIG_EXTRA adds
# keys to daemon.json, as a JSON fragment ending in a comma.

set -u
set -o pipefail

SL_NAME=$(basename "$0" .sh)
SL_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SL_TOP_SRCDIR=${abs_top_srcdir:-$(cd "$SL_SRCDIR/../.." && pwd)}
SL_ENGINE=${SOCKERLESS_TEST_ENGINE:-sockerlessd}
SL_TIMEOUT=${SOCKERLESS_TEST_TIMEOUT:-60}
SL_START_TIMEOUT=60
SL_STOP_TIMEOUT=30
SL_PYTHON=/usr/bin/python3
SL_USERNS_REMAP=${SOCKERLESS_TEST_USERNS_REMAP:-}
case $SL_USERNS_REMAP in
0) SL_USERNS_REMAP= ;;
1) SL_USERNS_REMAP=default ;;
esac
[ -x "$SL_PYTHON" ] || SL_PYTHON=$(command -v python3 || echo python3)

SL_TMP=
SL_DAEMON_PID=
SL_DAEMON_STATUS=
SL_TEST_COUNT=0
SL_FAIL_COUNT=0
SL_SKIP_COUNT=0
SL_CLEANED=
SL_OUT=
SL_ERR=
SL_RC=0
# Mount points that the test made itself under the test directory. The
# leftover check at cleanup leaves them out, and sl_unmount_owned still
# unmounts them.
SL_FIXTURE_MOUNTS=()
# Functions sl_cleanup calls, last added first, with "check" or "" as the
# argument, after it has killed the test's processes and unmounted its
# mounts and before it removes the test directory (see sl_on_cleanup).
SL_CLEANUP_HOOKS=()
# Functions sl_setup calls, in order, once the test directory and the
# daemon's network namespace exist and before it starts the daemon.
SL_SETUP_HOOKS=()
# Arguments added to the sockerlessd command line (not to dockerd's).
SL_DAEMON_ARGS=()
SL_DAEMON_NETNS=${SL_DAEMON_NETNS:-}
SL_NETNS=
SL_CONFIG_EXTRA=${SL_CONFIG_EXTRA:-}

# ---------------------------------------------------------------- reporting

sl_diag() {
        local line
        while IFS= read -r line; do
                printf '#   %s\n' "$line"
        done <<<"$*"
}

sl_ok() {
        SL_TEST_COUNT=$((SL_TEST_COUNT + 1))
        printf 'ok %d - %s\n' "$SL_TEST_COUNT" "$1"
}

# sl_not_ok NAME [DETAIL...]: report a failed check with diagnostic lines.
sl_not_ok() {
        SL_TEST_COUNT=$((SL_TEST_COUNT + 1))
        SL_FAIL_COUNT=$((SL_FAIL_COUNT + 1))
        printf 'not ok %d - %s\n' "$SL_TEST_COUNT" "$1"
        shift
        local detail
        for detail in "$@"; do
                sl_diag "$detail"
        done
}

sl_skip() {
        SL_TEST_COUNT=$((SL_TEST_COUNT + 1))
        SL_SKIP_COUNT=$((SL_SKIP_COUNT + 1))
        printf 'ok %d - %s # SKIP %s\n' "$SL_TEST_COUNT" "$1" "$2"
}

# Output of the last sl_run, for failure reports.
sl_last_output() {
        printf 'command: %s\nexit code: %s\nstdout: %s\nstderr: %s' \
                "${SL_CMD:-}" "$SL_RC" "$SL_OUT" "$SL_ERR"
}

# sl_report_lines FILE: report the checks that a test program printed to
# FILE as "ok NAME", "not ok NAME" or "skip NAME # REASON" lines. The lines
# after one, without their leading "# ", are its diagnostics. Returns 1
# when a check failed.
sl_report_lines() {
        local line name='' failed=0
        local -a details=()
        while IFS= read -r line; do
                case $line in
                "not ok "* | "ok "* | "skip "*)
                        sl_report_line "$name" "${details[@]}"
                        name=$line
                        details=()
                        [[ $line != "not ok "* ]] || failed=1
                        ;;
                "# "*) details+=("${line#\# }") ;;
                *) details+=("$line") ;;
                esac
        done <"$1"
        sl_report_line "$name" "${details[@]}"
        return "$failed"
}

# sl_report_line LINE DETAILS...: report one check line of sl_report_lines.
sl_report_line() {
        local line=$1
        shift
        case $line in
        "ok "*) sl_ok "${line#ok }" ;;
        "not ok "*) sl_not_ok "${line#not ok }" "$@" ;;
        "skip "*)
                line=${line#skip }
                sl_skip "${line%% # *}" "${line#* # }"
                ;;
        esac
}

# sl_skip_all REASON: skip the whole script (before or after sl_setup).
sl_skip_all() {
        printf '1..0 # SKIP %s\n' "$1"
        exit 77
}

# sl_bail REASON: stop the script because later checks cannot run.
sl_bail() {
        printf 'Bail out! %s\n' "$1"
        exit 99
}

# ---------------------------------------------------------------- assertions

sl_assert_eq() {
        if [ "$2" = "$3" ]; then
                sl_ok "$1"
        else
                sl_not_ok "$1" "expected: '$2'" "actual:   '$3'"
        fi
}

sl_assert_ne() {
        if [ "$2" != "$3" ]; then
                sl_ok "$1"
        else
                sl_not_ok "$1" "expected anything but: '$2'"
        fi
}

# sl_assert_match NAME ERE ACTUAL
sl_assert_match() {
        if [[ $3 =~ $2 ]]; then
                sl_ok "$1"
        else
                sl_not_ok "$1" "expected to match: $2" "actual: '$3'"
        fi
}

sl_assert_contains() {
        if [[ $3 == *"$2"* ]]; then
                sl_ok "$1"
        else
                sl_not_ok "$1" "expected to contain: '$2'" "actual: '$3'"
        fi
}

sl_assert_not_contains() {
        if [[ $3 != *"$2"* ]]; then
                sl_ok "$1"
        else
                sl_not_ok "$1" "expected not to contain: '$2'" "actual: '$3'"
        fi
}

# sl_assert_rc NAME EXPECTED: check the exit code of the last sl_run.
sl_assert_rc() {
        if [ "$SL_RC" = "$2" ]; then
                sl_ok "$1"
        else
                sl_not_ok "$1" "expected exit code: $2" "$(sl_last_output)"
        fi
}

# sl_assert_out NAME EXPECTED: check the stdout of the last sl_run.
sl_assert_out() {
        if [ "$SL_OUT" = "$2" ]; then
                sl_ok "$1"
        else
                sl_not_ok "$1" "expected stdout: '$2'" "$(sl_last_output)"
        fi
}

# sl_check NAME COMMAND...: pass when the command exits 0.
sl_check() {
        local name=$1
        shift
        sl_run "$@"
        if [ "$SL_RC" = 0 ]; then
                sl_ok "$name"
        else
                sl_not_ok "$name" "expected exit code 0" "$(sl_last_output)"
        fi
}

# sl_wait_for SECONDS COMMAND...: poll every 0.1 s until the command succeeds.
sl_wait_for() {
        local deadline=$((SECONDS + $1))
        shift
        until "$@" >/dev/null 2>&1; do
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.1
        done
}

# ---------------------------------------------------------------- commands

# sl_run COMMAND...: run it and keep stdout, stderr and the exit code in
# SL_OUT, SL_ERR and SL_RC (trailing newlines stripped, as $(...) does).
sl_run() {
        SL_CMD="$*"
        "$@" >"$SL_TMP/run.out" 2>"$SL_TMP/run.err"
        SL_RC=$?
        SL_OUT=$(cat "$SL_TMP/run.out")
        SL_ERR=$(cat "$SL_TMP/run.err")
}

# sl_docker ARGS...: the docker CLI, killed after SOCKERLESS_TEST_TIMEOUT
# seconds so that a hang fails the test (exit code 124) instead of CI.
sl_docker() {
        timeout -k 10 "$SL_TIMEOUT" docker "$@"
}

# sl_api METHOD PATH [CURL-ARGS...]: a raw API request on the daemon's
# socket. Sets SL_API_STATUS (HTTP status), SL_API_BODY and SL_API_HEADERS.
sl_api() {
        local method=$1 path=$2
        shift 2
        local -a request=(-X "$method")
        local body=$SL_TMP/api.body
        # curl --head prints the headers as the body, and a HEAD reply has none.
        if [ "$method" = HEAD ]; then
                request=(--head)
                body=/dev/null
                : >"$SL_TMP/api.body"
        fi
        SL_API_STATUS=$(curl -sS --max-time "$SL_TIMEOUT" --unix-socket "$SL_SOCK" \
                -o "$body" -D "$SL_TMP/api.headers" -w '%{http_code}' \
                "${request[@]}" "$@" "http://localhost$path")
        SL_API_BODY=$(cat "$SL_TMP/api.body")
        SL_API_HEADERS=$(tr -d '\r' <"$SL_TMP/api.headers")
}

# sl_api_header NAME: value of a response header of the last sl_api call.
sl_api_header() {
        awk -v name="$1" 'BEGIN { IGNORECASE = 1 }
                tolower($0) ~ "^" tolower(name) ":" { sub(/^[^:]*:[ \t]*/, ""); print; exit }' \
                <<<"$SL_API_HEADERS"
}

sl_engine_is() {
        [ "$SL_ENGINE" = "$1" ]
}

# sl_pid_alive PID: true while the process exists and is not a zombie.
sl_pid_alive() {
        local stat
        stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        [ "${stat%% *}" != Z ]
}

# ---------------------------------------------------------------- daemon

sl_write_config() {
        local network='' remap=''
        # Daemons in the host's network namespace would share its bridges,
        # nftables or iptables rules and ip_forward with every other test's
        # daemon; keep them off all of these unless the daemon runs in a
        # network namespace of its own. Containers on the default network
        # then have only lo.
        if [ -z "$SL_NETNS" ]; then
                network='"bridge": "none", "iptables": false, "ip6tables": false,
  "ip-forward": false, "ip-masq": false,'
        fi
        [ -z "$SL_USERNS_REMAP" ] || remap="\"userns-remap\": \"$SL_USERNS_REMAP\","
        cat >"$SL_CONFIG" <<EOF
{
  $network
  $remap
  $SL_CONFIG_EXTRA
  "cgroup-parent": "$SL_CGROUP_PARENT",
  "live-restore": true
}
EOF
}

sl_daemon_command() {
        local -a common=(-H "unix://$SL_SOCK" --data-root "$SL_DATA" --exec-root "$SL_EXEC"
                --pidfile "$SL_PIDFILE" --config-file "$SL_CONFIG")
        case $SL_ENGINE in
        dockerd)
                SL_DAEMON_CMD=("${SOCKERLESS_TEST_DOCKERD:-dockerd}" "${common[@]}")
                ;;
        sockerlessd)
                SL_DAEMON_CMD=("$SL_DAEMON" "${common[@]}" --log-level debug "${SL_DAEMON_ARGS[@]}")
                ;;
        *)
                sl_bail "unknown SOCKERLESS_TEST_ENGINE '$SL_ENGINE': use sockerlessd or dockerd"
                ;;
        esac
        # With remapping, the daemon may add a user to /etc, so it runs in a
        # mount namespace whose /etc is an overlay kept in the test directory.
        if [ -n "$SL_USERNS_REMAP" ]; then
                mkdir -p "$SL_TMP/etc/upper" "$SL_TMP/etc/work"
                # shellcheck disable=SC2016 # expanded by the inner shell
                SL_DAEMON_CMD=(unshare --mount --propagation slave sh -c
                        'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc && shift 2 && exec "$@"'
                        sl-etc "$SL_TMP/etc/upper" "$SL_TMP/etc/work" "${SL_DAEMON_CMD[@]}")
        fi
        # nsenter, unlike ip netns exec, keeps the mount namespace, so the
        # cleanup finds and removes the daemon's mounts.
        if [ -n "$SL_NETNS" ]; then
                SL_DAEMON_CMD=(nsenter "--net=/run/netns/$SL_NETNS" "${SL_DAEMON_CMD[@]}")
        fi
}

# sl_netns_exec COMMAND...: run a command in the daemon's network namespace
# (SL_DAEMON_NETNS=1), or as it is without one.
sl_netns_exec() {
        if [ -n "$SL_NETNS" ]; then
                nsenter "--net=/run/netns/$SL_NETNS" "$@"
        else
                "$@"
        fi
}

# sl_netns_create: create the daemon's network namespace sl-TEST-PID.
sl_netns_create() {
        SL_NETNS=sl-$SL_NAME-$$
        ip netns add "$SL_NETNS" || sl_bail "cannot create the network namespace $SL_NETNS"
        sl_on_cleanup sl_netns_delete
        ip -n "$SL_NETNS" link set lo up || sl_bail "cannot bring up lo in $SL_NETNS"
}

# Deleting the namespace takes its links, bridges and nftables tables along.
sl_netns_delete() {
        [ -n "$SL_NETNS" ] || return 0
        ip netns delete "$SL_NETNS" 2>/dev/null
        SL_NETNS=
}

# sl_remapped: true when the daemon runs with --userns-remap.
sl_remapped() {
        [ -n "$SL_USERNS_REMAP" ]
}

# sl_remap_root: print the host uid:gid of root in remapped containers
# ("0:0" without remapping), from the name of the daemon's data root
# subdirectory <uid>.<gid>.
sl_remap_root() {
        local dir
        if ! sl_remapped; then
                echo 0:0
                return
        fi
        dir=$(find "$SL_DATA" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9]+\.[0-9]+' -printf '%f\n' | head -n 1)
        echo "${dir/./:}"
}

# sl_state_dir: print the directory where the daemon keeps its state: the
# data root, or with remapping its <uid>.<gid> subdirectory, which is also
# the DockerRootDir that `docker info` shows, as with dockerd.
sl_state_dir() {
        local root
        root=$(sl_remap_root)
        if [ "$root" = 0:0 ]; then
                echo "$SL_DATA"
        else
                echo "$SL_DATA/${root/:/.}"
        fi
}

# sl_remap_chown PATH...: give paths to the remapped root, so that root in
# a remapped container may write there as it may in a directory it owns.
sl_remap_chown() {
        sl_remapped || return 0
        chown "$(sl_remap_root)" "$@"
}

# sl_daemon_start: start the daemon and wait until GET /_ping returns OK.
sl_daemon_start() {
        sl_daemon_command
        printf '### %s: %s\n' "$(date -u +%FT%TZ)" "${SL_DAEMON_CMD[*]}" >>"$SL_LOG"

        # The owner variable lets the cleanup find every process that
        # inherited the daemon's environment (containerd, shims, monitors).
        # The proxy variables send any registry request to a closed port on
        # loopback, so a test that names a missing image never leaves the host.
        SOCKERLESS_TEST_OWNER=$SL_TMP \
                HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
                http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
                NO_PROXY='' no_proxy='' \
                setsid "${SL_DAEMON_CMD[@]}" >>"$SL_LOG" 2>&1 </dev/null &
        SL_DAEMON_PID=$!
        sl_daemon_wait_ready
}

sl_daemon_ping() {
        [ "$(curl -s --max-time 5 --unix-socket "$SL_SOCK" http://localhost/_ping 2>/dev/null)" = OK ]
}

sl_daemon_wait_ready() {
        local deadline=$((SECONDS + SL_START_TIMEOUT))
        until sl_daemon_ping; do
                if ! sl_pid_alive "$SL_DAEMON_PID"; then
                        wait "$SL_DAEMON_PID"
                        local status=$?
                        SL_DAEMON_PID=
                        sl_bail "$SL_ENGINE exited with status $status before GET /_ping returned OK"
                fi
                if [ "$SECONDS" -ge "$deadline" ]; then
                        sl_bail "$SL_ENGINE did not return OK on GET /_ping within ${SL_START_TIMEOUT}s"
                fi
                sleep 0.1
        done
}

# sl_daemon_stop: SIGTERM, then SIGKILL after SL_STOP_TIMEOUT seconds.
# Returns 1 when SIGKILL was needed, 2 when the daemon had already exited
# and 3 when the test had stopped it; SL_DAEMON_STATUS is its exit status.
sl_daemon_stop() {
        local pid=$SL_DAEMON_PID result=0
        [ -n "$pid" ] || return 3
        sl_pid_alive "$pid" || result=2
        kill -TERM "$pid" 2>/dev/null
        local deadline=$((SECONDS + SL_STOP_TIMEOUT))
        while sl_pid_alive "$pid"; do
                if [ "$SECONDS" -ge "$deadline" ]; then
                        printf '# %s did not exit within %ss of SIGTERM; sending SIGKILL\n' \
                                "$SL_ENGINE" "$SL_STOP_TIMEOUT"
                        kill -KILL "$pid" 2>/dev/null
                        result=1
                        break
                fi
                sleep 0.1
        done
        wait "$pid" 2>/dev/null
        SL_DAEMON_STATUS=$?
        SL_DAEMON_PID=
        sl_engine_is dockerd && sl_wait_containerd
        return "$result"
}

# dockerd exits before the containerd it started does, and a new dockerd
# that finds the old containerd still running fails to connect to it.
sl_wait_containerd() {
        local pid
        pid=$(cat "$SL_EXEC/containerd/containerd.pid" 2>/dev/null) || return 0
        sl_wait_for "$SL_STOP_TIMEOUT" sh -c "! kill -0 $pid 2>/dev/null" ||
                printf '# containerd %s still running %ss after dockerd exited\n' "$pid" "$SL_STOP_TIMEOUT"
}

# sl_daemon_kill: SIGKILL, as a crash would; containers keep running.
sl_daemon_kill() {
        local pid=$SL_DAEMON_PID
        [ -n "$pid" ] || return 0
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        SL_DAEMON_PID=
        sl_engine_is dockerd && sl_wait_containerd
}

# sl_daemon_restart [--kill]: stop (or SIGKILL) and start again.
sl_daemon_restart() {
        if [ "${1:-}" = --kill ]; then
                sl_daemon_kill
        else
                sl_daemon_stop
        fi
        sl_daemon_start
}

sl_daemon_log_tail() {
        [ -f "${SL_LOG:-}" ] || return 0
        printf '# last lines of the %s log (%s):\n' "$SL_ENGINE" "$SL_LOG"
        tail -n 40 "$SL_LOG" | sed 's/^/#   /'
}

# ---------------------------------------------------------------- images

sl_cache_dir() {
        if [ -n "${abs_top_builddir:-}" ]; then
                echo "$abs_top_builddir/tests/.cache"
        else
                echo "${XDG_CACHE_HOME:-$HOME/.cache}/sockerless-test"
        fi
}

# sl_image_archive NAME: print the path of a test image archive, building
# and caching it when SOCKERLESS_TEST_IMAGES does not have it. NAME is
# busybox, layers, debian or oci; the prebuilt debian-family archive also
# contains sockerless-test/nginx:1.22 and sockerless-test/redis:7.0.
# On failure, prints the reason to stderr and returns 1.
sl_image_archive() {
        local prebuilt
        case $1 in
        busybox) prebuilt=busybox.tar ;;
        layers) prebuilt=layers.tar ;;
        debian) prebuilt=debian-family.tar.gz ;;
        oci) prebuilt=busybox-multiarch.oci.tar ;;
        *)
                echo "unknown test image '$1'" >&2
                return 1
                ;;
        esac
        if [ -n "${SOCKERLESS_TEST_IMAGES:-}" ] && [ -f "$SOCKERLESS_TEST_IMAGES/$prebuilt" ]; then
                echo "$SOCKERLESS_TEST_IMAGES/$prebuilt"
                return 0
        fi
        "$SL_SRCDIR/../fixtures/build-images.sh" "$(sl_cache_dir)" "$1"
}

# sl_image_load NAME...: docker load each test image into the daemon.
sl_image_load() {
        local name archive
        for name in "$@"; do
                archive=$(sl_image_archive "$name") || sl_bail "test image '$name' is not available"
                sl_run sl_docker load -q -i "$archive"
                [ "$SL_RC" = 0 ] || sl_bail "docker load of $archive failed: $SL_ERR"
        done
}

# sl_image_try_load NAME: like sl_image_load, but returns 1 with the reason
# in SL_SKIP_REASON when the image cannot be had (no mirror for Debian).
sl_image_try_load() {
        local archive
        if ! archive=$(sl_image_archive "$1" 2>"$SL_TMP/image.err"); then
                SL_SKIP_REASON="image '$1' unavailable: $(tail -n 1 "$SL_TMP/image.err")"
                return 1
        fi
        sl_run sl_docker load -q -i "$archive"
        [ "$SL_RC" = 0 ] || sl_bail "docker load of $archive failed: $SL_ERR"
}

# ---------------------------------------------------------------- cleanup

# Print the PIDs of processes that belong to this test: started with the
# owner variable, naming the test directory in their command line, or placed
# in a cgroup below the test's cgroup parent. With "daemon", leave out the
# test script's own descendants (such as a docker logs -f it started), so
# that only what the daemon left behind is listed.
sl_owned_pids() {
        "$SL_PYTHON" - "$SL_TMP" "$SL_CGROUP_PARENT" "$$" "${1:-all}" <<'EOF'
import os, sys
tmp, parent, shell, scope = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
owner = ("SOCKERLESS_TEST_OWNER=" + tmp).encode()
skip = {os.getpid(), os.getppid(), shell}

def read(pid, name):
    with open(f"/proc/{pid}/{name}", "rb") as f:
        return f.read()

def parent_of(pid):
    try:
        return int(read(pid, "stat").rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0

def descends_from_shell(pid):
    while pid > 1:
        if pid == shell:
            return True
        pid = parent_of(pid)
    return False

for entry in os.listdir("/proc"):
    if not entry.isdigit() or int(entry) in skip:
        continue
    pid = int(entry)
    if scope == "daemon" and descends_from_shell(pid):
        continue
    try:
        cmdline = read(pid, "cmdline").split(b"\0")
        environ = read(pid, "environ").split(b"\0")
        cgroup = read(pid, "cgroup").decode()
    except OSError:
        continue
    if (owner in environ or any(tmp.encode() + b"/" in arg for arg in cmdline)
            or f"/{parent}/" in cgroup):
        print(pid)
EOF
}

sl_kill_owned() {
        local pids round
        for _ in 1 2 3 4 5; do
                pids=$(sl_owned_pids)
                [ -n "$pids" ] || return 0
                # shellcheck disable=SC2086 # one PID per word
                kill -KILL $pids 2>/dev/null
                sleep 0.2
        done
}

# Mount points under the test directory, deepest first.
sl_owned_mounts() {
        awk -v dir="$SL_TMP/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo |
                sed 's/\\040/ /g' | sort -r
}

sl_unmount_owned() {
        local mnt
        while IFS= read -r mnt; do
                [ -n "$mnt" ] || continue
                umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
        done <<<"$(sl_owned_mounts)"
}

# The test's cgroup parent in every hierarchy. A v1 hierarchy may nest it
# below the daemon's own cgroup there, so it is searched a few levels deep.
sl_owned_cgroups() {
        find /sys/fs/cgroup -maxdepth 6 -type d -name "$SL_CGROUP_PARENT" 2>/dev/null
}

sl_remove_cgroups() {
        local parent
        for parent in $(sl_owned_cgroups); do
                find "$parent" -depth -type d -exec rmdir {} + 2>/dev/null
        done
}

# Child cgroups still below the cgroup parent (the parent itself stays
# with dockerd, which never removes it).
sl_leftover_cgroups() {
        local parent
        for parent in $(sl_owned_cgroups); do
                find "$parent" -mindepth 1 -type d
        done
}

sl_remove_containers() {
        sl_daemon_ping || return 0
        local ids
        ids=$(sl_docker ps -aq 2>/dev/null)
        # shellcheck disable=SC2086 # one ID per word
        [ -z "$ids" ] || sl_docker rm -f $ids >/dev/null 2>&1
}

# Tear down everything the test created. With CHECK set, report leftovers
# as failed checks: a correct daemon removes its processes, mounts and
# cgroups when its containers are removed and it stops.
sl_cleanup() {
        local check=${1:-}
        [ -n "$SL_TMP" ] && [ -z "$SL_CLEANED" ] || return 0

        sl_remove_containers
        sl_daemon_stop
        case "$check:$?" in
        check:1)
                sl_not_ok "daemon exits on SIGTERM" "needed SIGKILL after ${SL_STOP_TIMEOUT}s"
                ;;
        check:2)
                sl_not_ok "daemon runs until the end" "it had exited with status $SL_DAEMON_STATUS"
                ;;
        check:0)
                # A sanitizer report at exit, such as a leak, shows up here.
                sl_assert_eq "daemon exit status after SIGTERM" 0 "$SL_DAEMON_STATUS"
                ;;
        esac

        local leftover
        leftover=$(sl_owned_pids daemon)
        if [ -n "$check" ] && [ -n "$leftover" ]; then
                # shellcheck disable=SC2086 # one PID per word
                sl_not_ok "no processes left after stop" "$(ps -o pid,ppid,args -p ${leftover//$'\n'/,})"
        fi
        sl_kill_owned

        leftover=$(sl_owned_mounts)
        if [ "${#SL_FIXTURE_MOUNTS[@]}" -gt 0 ]; then
                leftover=$(grep -vxF "${SL_FIXTURE_MOUNTS[@]/#/-e}" <<<"$leftover")
        fi
        # dockerd 20.10 keeps the default network namespace of libnetwork
        # mounted after it exits, and, once it was killed and restarted,
        # the bind mount of its data root that sets mount propagation.
        if sl_engine_is dockerd; then
                leftover=$(grep -vx -e "$SL_EXEC/netns/default" -e "$SL_DATA" <<<"$leftover")
        fi
        if [ -n "$check" ] && [ -n "$leftover" ]; then
                sl_not_ok "no mounts left after stop" "$leftover"
        fi
        sl_unmount_owned

        leftover=$(sl_leftover_cgroups)
        if [ -n "$check" ] && [ -n "$leftover" ]; then
                sl_not_ok "no cgroups left after stop" "$leftover"
        fi
        sl_remove_cgroups

        local hook index
        for ((index = ${#SL_CLEANUP_HOOKS[@]} - 1; index >= 0; index--)); do
                hook=${SL_CLEANUP_HOOKS[index]}
                "$hook" "$check"
        done

        if [ "${SOCKERLESS_TEST_KEEP:-0}" = 1 ]; then
                printf '# kept %s\n' "$SL_TMP"
        else
                rm -rf --one-file-system "$SL_TMP"
        fi
        # Set last, so that the EXIT trap repeats a cleanup that failed midway.
        SL_CLEANED=1
}

# sl_on_cleanup FUNCTION: have sl_cleanup call FUNCTION, for fixtures that
# helper libraries start (see SL_CLEANUP_HOOKS).
sl_on_cleanup() {
        SL_CLEANUP_HOOKS+=("$1")
}

sl_on_exit() {
        local status=$?
        trap - EXIT
        if [ -n "$SL_TMP" ] && [ -z "$SL_CLEANED" ]; then
                [ "$status" = 0 ] || [ "$status" = 77 ] || sl_daemon_log_tail
                sl_cleanup
        fi
        exit "$status"
}

# ---------------------------------------------------------------- setup

sl_require_root() {
        [ "$(id -u)" = 0 ] || sl_skip_all "needs root"
}

sl_require_tools() {
        local tool
        for tool in "$@"; do
                command -v "$tool" >/dev/null 2>&1 || sl_skip_all "needs $tool"
        done
}

sl_check_engine() {
        case $SL_ENGINE in
        dockerd)
                sl_require_tools "${SOCKERLESS_TEST_DOCKERD:-dockerd}" containerd runc
                ;;
        sockerlessd)
                SL_DAEMON=${SOCKERLESS_DAEMON:-${abs_top_builddir:-$SL_TOP_SRCDIR}/sockerlessd}
                export SOCKERLESS_MONITOR=${SOCKERLESS_MONITOR:-$(dirname "$SL_DAEMON")/sockerless-monitor}
                [ -x "$SL_DAEMON" ] || sl_skip_all "no daemon binary at $SL_DAEMON: run make first"
                ;;
        esac
}

# sl_setup_dir: create the test directory and install the cleanup traps.
# sl_setup calls it. A script that starts fixtures but no daemon calls it
# in place of sl_setup, and ends with sl_done all the same.
sl_setup_dir() {
        sl_require_root
        sl_require_tools curl timeout awk find "$SL_PYTHON"

        SL_TMP=$(mktemp -d "${SOCKERLESS_TEST_TMPDIR:-/tmp}/sl-$SL_NAME.XXXXXX") ||
                sl_bail "cannot create the test directory"
        # The remapped root must get through it to the data and exec roots.
        ! sl_remapped || chmod 711 "$SL_TMP"
        trap sl_on_exit EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM

        SL_SOCK=$SL_TMP/docker.sock
        SL_DATA=$SL_TMP/data
        SL_EXEC=$SL_TMP/run
        SL_PIDFILE=$SL_TMP/daemon.pid
        SL_CONFIG=$SL_TMP/daemon.json
        SL_LOG=$SL_TMP/daemon.log
        SL_CGROUP_PARENT=sockerless-test-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
}

# sl_setup: check prerequisites, create the test directory, start the daemon.
sl_setup() {
        sl_require_root
        sl_require_tools docker curl timeout setsid flock awk find "$SL_PYTHON"
        sl_remapped && sl_require_tools unshare
        [ "$SL_DAEMON_NETNS" != 1 ] || sl_require_tools ip nsenter
        sl_check_engine

        sl_setup_dir
        [ "$SL_DAEMON_NETNS" != 1 ] || sl_netns_create
        mkdir -p "$SL_TMP/cli"
        local hook
        for hook in "${SL_SETUP_HOOKS[@]}"; do
                "$hook"
        done
        sl_write_config

        # Only this test's daemon: never the host's /var/run/docker.sock,
        # whatever docker contexts or CLI configuration the caller has.
        export DOCKER_HOST=unix://$SL_SOCK
        export DOCKER_CONFIG=$SL_TMP/cli
        export DOCKER_CLI_HINTS=false
        unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_API_VERSION

        exec </dev/null
        printf '# %s against %s in %s%s%s\n' "$SL_NAME" "$SL_ENGINE" "$SL_TMP" \
                "${SL_USERNS_REMAP:+ with --userns-remap $SL_USERNS_REMAP}" \
                "${SL_NETNS:+ in network namespace $SL_NETNS}"
        sl_daemon_start
}

# sl_done: tear down, check for leftovers and print the plan and a summary.
sl_done() {
        [ "$SL_FAIL_COUNT" = 0 ] || sl_daemon_log_tail
        sl_cleanup check
        local passed=$((SL_TEST_COUNT - SL_FAIL_COUNT - SL_SKIP_COUNT))
        printf '1..%d\n' "$SL_TEST_COUNT"
        printf '# %d passed, %d failed, %d skipped\n' "$passed" "$SL_FAIL_COUNT" "$SL_SKIP_COUNT"
        trap - EXIT
        [ "$SL_FAIL_COUNT" = 0 ] || exit 1
        [ "$passed" -gt 0 ] || exit 77
        exit 0
}
