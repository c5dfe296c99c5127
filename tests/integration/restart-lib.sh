# shellcheck shell=bash disable=SC2034 # globals are read by lib.sh and the test scripts
# SPDX-License-Identifier: Apache-2.0
#
# Helpers of restart.sh and live-restore.sh, sourced after lib.sh. As in
# moby's restart tests, a case that stops or kills its daemon gets a
# daemon of its own (rl_case), with its own socket, data root and exec
# root under the test directory, so that no case finds the containers of
# another.

RL_BUSYBOX=sockerless-test/busybox:1.35

# rl_case NAME [LIVE-RESTORE]: remove the containers of the current daemon,
# stop it, and start a new one for the case NAME with live-restore true
# (the default) or false, with the busybox test image loaded.
rl_case() {
        local dir=$SL_TMP/case-$1 live=${2:-true}
        sl_remove_containers
        sl_daemon_stop
        # dockerd leaves its data root and network namespace mounted (see
        # sl_cleanup); only the last case's are left to sl_cleanup.
        if sl_engine_is dockerd; then
                umount "$SL_EXEC/netns/default" "$SL_DATA" 2>/dev/null
        fi
        mkdir -p "$dir"
        SL_SOCK=$dir/docker.sock
        SL_DATA=$dir/data
        SL_EXEC=$dir/run
        SL_PIDFILE=$dir/daemon.pid
        SL_CONFIG=$dir/daemon.json
        SL_LOG=$dir/daemon.log
        export DOCKER_HOST=unix://$SL_SOCK
        sl_write_config
        if [ "$live" = false ]; then
                sed -i 's/"live-restore": true/"live-restore": false/' "$SL_CONFIG"
        fi
        printf '# case %s (live-restore %s)\n' "$1" "$live"
        sl_daemon_start
        sl_image_load busybox
}

# rl_state CONTAINER TEMPLATE: a field of docker inspect, "gone" when the
# container does not exist.
rl_state() {
        local value
        value=$(sl_docker inspect -f "$2" "$1" 2>/dev/null) || value=gone
        echo "$value"
}

# rl_status CONTAINER: State.Status, or "gone".
rl_status() {
        rl_state "$1" '{{.State.Status}}'
}

# rl_wait_status SECONDS CONTAINER STATUS: wait until the container has
# that status, and return true when it does.
rl_wait_status() {
        local deadline=$((SECONDS + $1))
        until [ "$(rl_status "$2")" = "$3" ]; do
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.1
        done
}

# rl_wait_restarts SECONDS CONTAINER COUNT: wait until RestartCount is at
# least COUNT.
rl_wait_restarts() {
        local deadline=$((SECONDS + $1)) count
        while :; do
                count=$(rl_state "$2" '{{.RestartCount}}')
                [ "$count" != gone ] && [ "$count" -ge "$3" ] && return 0
                [ "$SECONDS" -lt "$deadline" ] || return 1
                sleep 0.1
        done
}

# rl_daemon_wait_exit: wait for the daemon, which is to kill itself at a
# crash point, and set RL_DAEMON_EXIT to its exit status (137 after
# SIGKILL), or to "running" when it is still alive after 30 s.
rl_daemon_wait_exit() {
        RL_DAEMON_EXIT=running
        sl_wait_for 30 sh -c "! kill -0 $SL_DAEMON_PID 2>/dev/null" || return 0
        wait "$SL_DAEMON_PID" 2>/dev/null
        RL_DAEMON_EXIT=$?
        SL_DAEMON_PID=
}

# rl_case_mounts: the mount points under the current case's data and exec
# roots.
rl_case_mounts() {
        awk -v data="$SL_DATA/" -v exec="$SL_EXEC/" \
                'index($5, data) == 1 || index($5, exec) == 1 { print $5 }' /proc/self/mountinfo
}
