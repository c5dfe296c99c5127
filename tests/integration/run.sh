#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker run: image defaults and overrides, layers with whiteouts, exit
# codes and their messages, environment, working directory, users, hostname,
# labels, --rm, bind mounts, networks and container names.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox layers

busybox=sockerless-test/busybox:1.35
layers=sockerless-test/layers:1
run() {
        sl_run sl_docker run --rm "$@"
}

# ---- the layers image: ENTRYPOINT + CMD, USER, WORKDIR, ENV, whiteouts
run "$layers"
sl_assert_rc "layers image exit code" 0
sl_assert_out "layers image greeting" "hello world from app in /home/app"
run --entrypoint ls "$layers" /keep
sl_assert_out "whiteout hides deleted file" k
run --entrypoint ls "$layers" /data
sl_assert_out "opaque directory hides old entries" new
run --entrypoint cat "$layers" /data/new
sl_assert_out "file from upper layer" v2
run --entrypoint stat "$layers" -c '%u:%g %a' /home/app
sl_assert_out "owner from a layer kept" "1234:1234 755"
run --entrypoint stat "$layers" -c '%a' /tmp
sl_assert_out "sticky /tmp from the base layer" 1777

# ---- Debian image, when it can be had
if sl_image_try_load debian; then
        run sockerless-test/debian:bookworm cat /etc/debian_version
        sl_assert_match "debian bookworm version" '^12\.[0-9]+$' "$SL_OUT"
else
        sl_skip "debian bookworm version" "$SL_SKIP_REASON"
fi

# ---- stdin, exit codes and their messages
run -i "$busybox" cat <<<hi
sl_assert_out "stdin piped through -i" hi
run "$busybox" sh -c 'exit 3'
sl_assert_rc "exit code passed through" 3

run "$busybox" sl-no-such-command
sl_assert_rc "missing command exits 127" 127
sl_assert_contains "missing command message" \
        'exec: "sl-no-such-command": executable file not found in $PATH' "$SL_ERR"
run "$busybox" /etc/passwd
sl_assert_rc "non-executable command exits 126" 126
sl_assert_contains "non-executable command message" 'exec: "/etc/passwd": permission denied' "$SL_ERR"
run "$busybox" /tmp
sl_assert_rc "directory as command exits 126" 126

# A signal ends the main process only from outside: PID 1 ignores signals
# it has no handler for, even SIGKILL from inside its namespace.
sl_docker run --name sl-run-signal "$busybox" sleep 1000 >"$SL_TMP/signal.out" 2>&1 &
run_pid=$!
sl_wait_for 20 sh -c "[ \"\$(docker inspect -f '{{.State.Running}}' sl-run-signal 2>/dev/null)\" = true ]"
sl_docker kill sl-run-signal >/dev/null
wait "$run_pid"
sl_assert_eq "killed container: docker run exits 137" 137 "$?"
sl_assert_eq "killed container: ExitCode 137" 137 "$(sl_docker inspect -f '{{.State.ExitCode}}' sl-run-signal)"
sl_docker rm sl-run-signal >/dev/null

# ---- Cmd and Entrypoint overrides
run "$busybox" echo override
sl_assert_out "Cmd override" override
run "$layers" 'echo $0 is the shell'
sl_assert_out "Cmd after image Entrypoint" "/bin/sh is the shell"
run --entrypoint echo "$layers" a b
sl_assert_out "Entrypoint override" "a b"
run --entrypoint "" "$layers" echo no entrypoint
sl_assert_out "empty Entrypoint runs Cmd" "no entrypoint"
run --entrypoint "" "$layers"
sl_assert_rc "empty Entrypoint without Cmd fails" 125
sl_assert_contains "empty Entrypoint without Cmd message" "No command specified" "$SL_ERR"

# ---- environment
run -e FOO=bar -e GREETING=override "$layers" 'echo "$FOO|$GREETING|$EMPTY|$PATH"'
sl_assert_out "-e adds and overrides image Env" \
        "bar|override||/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
run "$layers" 'env | sort'
sl_assert_contains "image Env with empty value" "EMPTY=" "$SL_OUT"
sl_assert_contains "HOME from the user's passwd entry" "HOME=/home/app" "$SL_OUT"
sl_assert_match "HOSTNAME is set" $'(^|\n)HOSTNAME=[0-9a-f]{12}(\n|$)' "$SL_OUT"
SL_RUN_FROM_CLI=cli run -e SL_RUN_FROM_CLI -e SL_RUN_UNSET "$busybox" env
sl_assert_contains "-e NAME takes the client's value" "SL_RUN_FROM_CLI=cli" "$SL_OUT"
sl_assert_not_contains "-e NAME unset in client is dropped" "SL_RUN_UNSET" "$SL_OUT"

# ---- working directory
run -w /sl/new/dir "$busybox" pwd
sl_assert_out "-w sets the directory" /sl/new/dir
run -w /sl/new/dir "$layers" 'test -d /sl/new/dir && echo created'
sl_assert_out "-w creates the directory" created
run "$busybox" pwd
sl_assert_out "default working directory" /

# ---- users
run -u nobody "$busybox" id
sl_assert_out "-u name" "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)"
run -u 1000 "$busybox" id
sl_assert_out "-u uid" "uid=1000 gid=0(root) groups=0(root)"
run -u 1000:2000 "$busybox" id
sl_assert_out "-u uid:gid" "uid=1000 gid=2000 groups=2000"
run -u 0 "$layers" id
sl_assert_out "-u overrides image USER" "uid=0(root) gid=0(root) groups=0(root)"
run "$layers" id
sl_assert_out "image USER" "uid=1234(app) gid=1234(app) groups=1234(app)"
run -u sl-no-such-user "$busybox" id
sl_assert_rc "-u unknown name fails" 125
sl_assert_contains "-u unknown name message" "unable to find user sl-no-such-user" "$SL_ERR"

# ---- hostname and labels
run --hostname sl-host "$busybox" hostname
sl_assert_out "--hostname" sl-host
id=$(sl_docker create -l a=b -l empty= --name sl-run-labels "$layers")
sl_assert_eq "create -l merges image labels" \
        '{"a":"b","empty":"","org.example.layers":"4","org.example.suite":"sockerless"}' \
        "$(sl_docker inspect -f '{{json .Config.Labels}}' sl-run-labels)"
sl_assert_eq "default hostname is the short ID" "${id:0:12}" \
        "$(sl_docker inspect -f '{{.Config.Hostname}}' sl-run-labels)"
sl_docker rm sl-run-labels >/dev/null

# ---- --rm
sl_run sl_docker run --rm --name sl-run-rm "$busybox" true
sl_assert_eq "--rm removes the container" "" "$(sl_docker ps -aq --filter name=sl-run-rm)"
sl_run sl_docker run --name sl-run-kept "$busybox" true
sl_assert_eq "without --rm the container stays" exited \
        "$(sl_docker inspect -f '{{.State.Status}}' sl-run-kept)"
sl_docker rm sl-run-kept >/dev/null

# ---- bind mounts
host_dir=$SL_TMP/bind
mkdir -p "$host_dir"
# With --userns-remap, root in the container may write only where the
# remapped root may, as with dockerd.
sl_remap_chown "$host_dir"
echo from-host >"$host_dir/in"
run -v "$host_dir:/mnt" "$busybox" sh -c 'cat /mnt/in && echo from-container >/mnt/out'
sl_assert_out "bind mount reads host file" from-host
sl_assert_eq "bind mount writes reach host" from-container "$(cat "$host_dir/out" 2>&1)"
run -v "$host_dir:/mnt:ro" "$busybox" sh -c 'cat /mnt/in && echo x >/mnt/ro-write'
sl_assert_rc "write to :ro bind mount fails" 1
sl_assert_contains "write to :ro bind mount message" "Read-only file system" "$SL_ERR"
sl_assert_eq "nothing written through :ro" no "$([ -e "$host_dir/ro-write" ] && echo yes || echo no)"
run -v "$host_dir:/sl/deep/mnt" "$busybox" cat /sl/deep/mnt/in
sl_assert_out "bind mount target created" from-host

# ---- networks
run --network none "$busybox" ls /sys/class/net
sl_assert_out "--network none has only lo" lo
if sl_remapped; then
        sl_skip "--network host" "dockerd refuses --network host with --userns-remap"
else
        run --network host "$busybox" ls /sys/class/net
        # shellcheck disable=SC2012 # interface names are plain words
        sl_assert_eq "--network host sees host interfaces" "$(ls /sys/class/net | sort | xargs)" \
                "$(xargs -n1 <<<"$SL_OUT" | sort | xargs)"
        run --network host "$busybox" hostname
        sl_assert_out "--network host keeps host name" "$(hostname)"
fi

# ---- container names
sl_run sl_docker create --name sl-run-dup "$busybox"
sl_assert_rc "create named container" 0
dup_id=$SL_OUT
sl_run sl_docker create --name sl-run-dup "$busybox"
sl_assert_rc "duplicate name fails" 1
sl_assert_contains "duplicate name message" \
        "Conflict. The container name \"/sl-run-dup\" is already in use by container \"$dup_id\". You have to remove (or rename) that container to be able to reuse that name." \
        "$SL_ERR"
sl_api POST "/containers/create?name=sl-run-dup" -H 'Content-Type: application/json' -d "{\"Image\":\"$busybox\"}"
sl_assert_eq "duplicate name is 409" 409 "$SL_API_STATUS"
sl_api POST "/containers/create?name=bad%20name" -H 'Content-Type: application/json' -d "{\"Image\":\"$busybox\"}"
sl_assert_eq "invalid name is 400" 400 "$SL_API_STATUS"
sl_assert_eq "invalid name message" \
        "Invalid container name (bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed" \
        "$(jq -r .message <<<"$SL_API_BODY")"
sl_run sl_docker create --name -sl-leading-dash "$busybox"
sl_assert_rc "name with leading dash fails" 1
sl_assert_contains "leading dash message" "Invalid container name (-sl-leading-dash)" "$SL_ERR"
sl_api POST "/containers/create?name=/sl-run-slash" -H 'Content-Type: application/json' -d "{\"Image\":\"$busybox\"}"
sl_assert_eq "leading slash accepted" 201 "$SL_API_STATUS"
sl_assert_eq "leading slash stripped" sl-run-slash "$(sl_docker ps -a --filter name=sl-run-slash --format '{{.Names}}')"

sl_done
