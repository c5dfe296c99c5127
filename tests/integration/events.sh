#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker events: the events of a container's life, of images and of the
# daemon with dockerd's attributes, the replay of "since" and "until",
# the filters, the live stream (flushed per event) and bad input. Also a
# reader too slow to keep up, which must never hold up the daemon.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox
sl_require_tools jq

busybox=sockerless-test/busybox:1.35

# The events between two times, as the CLI prints them with a format.
# Usage: replay FORMAT [ARGS...] (uses $since and $until).
replay() {
        local format=$1
        shift
        sl_run sl_docker events --since "$since" --until "$until" --format "$format" "$@"
}

now() {
        date +%s.%N
}

# ---- one container's life
since=$(now)
sl_docker run -d --name sl-ev-a -l sl.role=web "$busybox" sleep 1000 >/dev/null || sl_bail "docker run failed"
cid=$(sl_docker inspect -f '{{.Id}}' sl-ev-a)
sl_docker pause sl-ev-a >/dev/null
sl_docker unpause sl-ev-a >/dev/null
sl_docker rename sl-ev-a sl-ev-b
sl_docker kill -s USR1 sl-ev-b >/dev/null
sl_docker stop -t 1 sl-ev-b >/dev/null
sl_docker start sl-ev-b >/dev/null
sl_docker restart -t 1 sl-ev-b >/dev/null
sl_docker exec sl-ev-b true
sl_docker top sl-ev-b >/dev/null
sl_docker update --cpu-shares 512 sl-ev-b >/dev/null
sl_docker rm -f sl-ev-b >/dev/null
until=$(now)

replay '{{.Action}}' --filter "container=$cid"
# One event a line. dockerd ends exec actions with a space when the
# command has no arguments.
expected='create|start|pause|unpause|rename|kill|kill|kill|die|stop|start|kill|kill|die|stop|start|restart'
expected+='|exec_create: true |exec_start: true |exec_die|top|update|kill|die|destroy|'
sl_assert_eq "container events in order" "$expected" "$(tr '\n' '|' <<<"$SL_OUT")"

replay '{{.Action}} {{index .Actor.Attributes "signal"}}' --filter "container=$cid" --filter event=kill
sl_assert_eq "kill events carry the signal" "kill 10 kill 15 kill 9 kill 15 kill 9 kill 9" "$(xargs <<<"$SL_OUT")"
replay '{{index .Actor.Attributes "exitCode"}}' --filter "container=$cid" --filter event=die
sl_assert_eq "die events carry the exit code" "137 137 137" "$(xargs <<<"$SL_OUT")"
replay '{{index .Actor.Attributes "oldName"}} {{.Actor.Attributes.name}}' --filter "container=$cid" \
        --filter event=rename
sl_assert_eq "rename carries the old name" "/sl-ev-a sl-ev-b" "$SL_OUT"
replay '{{json .}}' --filter "container=$cid" --filter event=create
sl_assert_eq "container event type" container "$(jq -r .Type <<<"$SL_OUT")"
sl_assert_eq "container event scope" local "$(jq -r .scope <<<"$SL_OUT")"
sl_assert_eq "container event actor" "$cid" "$(jq -r .Actor.ID <<<"$SL_OUT")"
sl_assert_eq "container event image attribute" "$busybox" "$(jq -r .Actor.Attributes.image <<<"$SL_OUT")"
sl_assert_eq "container event label attribute" web "$(jq -r '.Actor.Attributes["sl.role"]' <<<"$SL_OUT")"
sl_assert_eq "deprecated status field" create "$(jq -r .status <<<"$SL_OUT")"
sl_assert_eq "deprecated id field" "$cid" "$(jq -r .id <<<"$SL_OUT")"
sl_assert_eq "deprecated from field" "$busybox" "$(jq -r .from <<<"$SL_OUT")"
sl_assert_eq "time and timeNano agree" "$(jq -r .time <<<"$SL_OUT")" \
        "$(jq -r '.timeNano / 1000000000 | floor' <<<"$SL_OUT")"
replay '{{index .Actor.Attributes "execID"}} {{index .Actor.Attributes "exitCode"}}' --filter "container=$cid" \
        --filter event=exec_die
exec_die=$SL_OUT
replay '{{index .Actor.Attributes "execID"}}' --filter "container=$cid" --filter event=exec_create
sl_assert_eq "exec_die names the exec and its exit code" "$SL_OUT 0" "$exec_die"

# ---- docker run --rm: attach before start, destroy after die
since=$(now)
sl_docker run --rm --name sl-ev-rm "$busybox" true
until=$(now)
replay '{{.Action}}' --filter container=sl-ev-rm --filter type=container
sl_assert_eq "run --rm events" "create attach start die destroy" "$(xargs <<<"$SL_OUT")"

# ---- a paused container thaws for the signal that ends it
since=$(now)
sl_docker run -d --name sl-ev-p "$busybox" sleep 1000 >/dev/null
sl_docker pause sl-ev-p >/dev/null
sl_docker kill -s USR1 sl-ev-p >/dev/null
sl_run sl_docker inspect -f '{{.State.Status}}' sl-ev-p
sl_assert_out "kill thaws a container without a stop signal" running
sl_docker rm -f sl-ev-p >/dev/null
until=$(now)
replay '{{.Action}}' --filter container=sl-ev-p
sl_assert_eq "kill of a paused container unpauses it" "create start pause kill unpause kill die destroy" \
        "$(xargs <<<"$SL_OUT")"

# ---- image events
since=$(now)
sl_docker tag "$busybox" sl-ev-image:1
sl_docker rmi sl-ev-image:1 >/dev/null
until=$(now)
image_id=$(sl_docker image inspect -f '{{.Id}}' "$busybox")
replay '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}' --filter type=image
sl_assert_eq "tag and untag events" "tag $image_id sl-ev-image:1 untag $image_id $image_id" "$(xargs <<<"$SL_OUT")"

# An image's labels come with its events, except once it is deleted.
sl_docker create --name sl-ev-lab "$busybox" true >/dev/null
sl_docker commit --change 'LABEL sl.ev=img' sl-ev-lab sl-ev-labelled:1 >/dev/null
since=$(now)
sl_docker tag sl-ev-labelled:1 sl-ev-labelled:2
sl_docker rmi sl-ev-labelled:1 sl-ev-labelled:2 >/dev/null
until=$(now)
replay '{{.Action}}={{index .Actor.Attributes "sl.ev"}}' --filter type=image
sl_assert_eq "image events carry the image's labels" "tag=img untag=img untag=img delete=" "$(xargs <<<"$SL_OUT")"

# docker save sends one event per image, named by its ID, even when two
# names give the same image.
sl_docker commit --change 'LABEL sl.ev=saved' sl-ev-lab sl-ev-saved:1 >/dev/null
saved_id=$(sl_docker image inspect -f '{{.Id}}' sl-ev-saved:1)
since=$(now)
sl_docker save -o "$SL_TMP/saved.tar" sl-ev-saved:1 "$saved_id" "$busybox"
until=$(now)
replay '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "sl.ev"}}' \
        --filter type=image
sl_assert_eq "save events name each image once" \
        "$(printf 'save %s %s \nsave %s %s saved\n' "$image_id" "$image_id" "$saved_id" "$saved_id" | sort)" \
        "$(sort <<<"$SL_OUT")"
sl_run sl_docker save -o "$SL_TMP/missing.tar" sl-ev-missing:1
sl_assert_rc "save of a missing image fails" 1
since=$until
until=$(now)
replay '{{.Action}}' --filter type=image
sl_assert_out "failed save sends no event" ""
sl_docker rm sl-ev-lab >/dev/null

# docker push sends one event once all its tags are pushed: the reference as
# given, with the name and labels of the image that it names.
if command -v docker-registry >/dev/null; then
        . "$SL_SRCDIR/registry-lib.sh"
        registry_start open
        pushed=$REGISTRY_OPEN_ADDR/sl-ev-pushed
        sl_docker tag sl-ev-saved:1 "$pushed:1"
        sl_docker tag "$busybox" "$pushed:2"
        since=$(now)
        sl_docker push "$pushed:1" >/dev/null
        sl_docker push --all-tags "$pushed" >/dev/null
        until=$(now)
        replay '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{index .Actor.Attributes "sl.ev"}}' \
                --filter event=push
        sl_assert_eq "push events" "push $pushed:1 $pushed saved|push $pushed $pushed |" "$(tr '\n' '|' <<<"$SL_OUT")"
        registry_stop open
else
        sl_skip "push events" "docker-registry is not installed"
fi
sl_docker rmi sl-ev-saved:1 >/dev/null

# ---- attach and exec ended by the detach keys
# dockerd 20.10.24 sends neither "detach" nor "exec_detach" for them,
# though its event list names both, so neither is expected here.
sl_docker run -dit --name sl-ev-detach "$busybox" sh >/dev/null
since=$(now)
# The CLI's exit status after a detach differs between versions, so the
# checks are the events and the container still running.
sl_run "$SL_PYTHON" "$SL_SRCDIR/pty-drive.py" --timeout 20 expect='# ' 'send=\x10\x11' -- \
        docker attach sl-ev-detach
sl_run "$SL_PYTHON" "$SL_SRCDIR/pty-drive.py" --timeout 20 expect='# ' 'send=\x10\x11' -- \
        docker exec -it sl-ev-detach sh
sl_assert_eq "container runs after the detaches" running "$(sl_docker inspect -f '{{.State.Status}}' sl-ev-detach)"
until=$(now)
replay '{{.Action}}' --filter container=sl-ev-detach
# The CLI sends its resizes as soon as the attach gets its 101 reply, but
# the attach event is logged after that reply (dockerd 20.10 logs it there
# too). So the order of these three events varies, and the check sorts.
sl_assert_eq "detach sends no event" "attach|exec_create: sh |exec_start: sh |resize|resize|" \
        "$(sort <<<"$SL_OUT" | tr '\n' '|')"
sl_docker rm -f sl-ev-detach >/dev/null

# ---- filters, on a replay of a few containers
since=$(now)
sl_docker create --name sl-ev-web -l tier=web "$busybox" true >/dev/null
sl_docker create --name sl-ev-web2 -l tier=web -l extra=1 "$busybox" true >/dev/null
sl_docker create --name sl-ev-db -l tier=db "$busybox" true >/dev/null
sl_docker start sl-ev-db >/dev/null
sl_docker wait sl-ev-db >/dev/null
until=$(now)
sorted_names() {
        replay '{{.Actor.Attributes.name}}' --filter event=create "$@"
        SL_OUT=$(sort -u <<<"$SL_OUT" | xargs)
}
sorted_names --filter container=sl-ev-web
sl_assert_out "filter container matches a name prefix" "sl-ev-web sl-ev-web2"
sorted_names --filter container=sl-ev-db --filter container=sl-ev-web2
sl_assert_out "filter container values are alternatives" "sl-ev-db sl-ev-web2"
sorted_names --filter label=tier=web
sl_assert_out "filter label key=value" "sl-ev-web sl-ev-web2"
sorted_names --filter label=tier=web --filter label=extra
sl_assert_out "filter labels must all match" sl-ev-web2
sorted_names --filter image=sockerless-test/busybox
sl_assert_out "filter image without its tag" "sl-ev-db sl-ev-web sl-ev-web2"
sorted_names --filter image=sl-ev-other
sl_assert_out "filter image without a match" ""
replay '{{.Action}}' --filter container=sl-ev-db --filter event=start --filter event=die
sl_assert_eq "filter event values are alternatives" "start die" "$(xargs <<<"$SL_OUT")"
replay '{{.Type}}' --filter type=image
sl_assert_out "filter type" ""
replay '{{.Action}}' --filter container=sl-ev-db --filter scope=local --filter event=create
sl_assert_out "filter scope local" create

# ---- since as a duration, and an until in the future
sl_run sl_docker events --since 10m --until "$(( $(date +%s) + 1 ))" --filter container=sl-ev-db \
        --filter event=create --format '{{.Actor.Attributes.name}}'
sl_assert_out "since as a duration" sl-ev-db
until=$(( $(date +%s) + 2 ))
sl_run sl_docker events --since "$(date +%s)" --until "$until" --filter container=sl-ev-none
sl_assert_rc "until in the future ends the stream" 0
sl_assert_eq "until in the future streams until then" yes "$([ "$(date +%s)" -ge "$until" ] && echo yes)"

# ---- the live stream, flushed per event
live=$SL_TMP/live.txt
sl_docker events --filter container=sl-ev-web --filter event=start --format '{{.Action}}' >"$live" &
live_pid=$!
# The subscription starts when the CLI has its reply headers; give it time.
sleep 1
sl_docker start sl-ev-web >/dev/null
has_start() {
        grep -q start "$live"
}
sl_assert_eq "live stream delivers an event at once" yes "$(sl_wait_for 10 has_start && echo yes)"
sl_assert_eq "live stream stays open" yes "$(kill -0 "$live_pid" 2>/dev/null && echo yes)"
kill "$live_pid" 2>/dev/null
wait "$live_pid" 2>/dev/null

# ---- the daemon's reload
since=$(now)
kill -HUP "$SL_DAEMON_PID"
has_reload() {
        [ -n "$(sl_docker events --since "$since" --until "$(( $(date +%s) + 1 ))" --filter type=daemon \
                --format '{{.Action}}')" ]
}
sl_assert_eq "SIGHUP sends a reload event" yes "$(sl_wait_for 10 has_reload && echo yes)"
until=$(( $(date +%s) + 1 ))
replay '{{.Actor.ID}} {{.Actor.Attributes.name}}' --filter type=daemon
sl_assert_eq "reload names the daemon" "$(sl_docker info -f '{{.ID}} {{.Name}}')" "$SL_OUT"
replay '{{index .Actor.Attributes "live-restore"}} {{index .Actor.Attributes "max-concurrent-downloads"}}' \
        --filter type=daemon
sl_assert_eq "reload lists the settings" "true 3" "$SL_OUT"

# ---- bad input
sl_api GET "/events?since=20&until=10"
sl_assert_eq "until before since status" 400 "$SL_API_STATUS"
sl_assert_eq "until before since message" '`since` time (20) cannot be after `until` time (10)' \
        "$(jq -r .message <<<"$SL_API_BODY")"
sl_api GET "/events?since=yesterday&until=1"
sl_assert_match "invalid since is an error" '^(400|500)$' "$SL_API_STATUS"
sl_assert_ne "invalid since has a message" "" "$(jq -r '.message // empty' <<<"$SL_API_BODY")"
sl_api GET "/events?until=1&filters=%7Bbad"
sl_assert_match "invalid filters are an error" '^(400|500)$' "$SL_API_STATUS"
# dockerd accepts filter keys it does not know.
sl_api GET "/events?until=1&filters=%7B%22colour%22%3A%5B%22blue%22%5D%7D"
sl_assert_eq "unknown filter key accepted" 200 "$SL_API_STATUS"
if sl_engine_is sockerlessd; then
        sl_api GET "/events?since=yesterday&until=1"
        sl_assert_eq "invalid since status" 400 "$SL_API_STATUS"
        sl_assert_contains "invalid since message" "invalid value of since" "$SL_API_BODY"
fi

# ---- a reader that stops reading never holds up the daemon
# A client subscribes and reads nothing while thousands of prune events
# are published. Sockerless ends that client's stream once it is 1024
# events behind, while dockerd drops events for it after 100 ms each.
reader_log=$SL_TMP/slow-reader.txt
go=$SL_TMP/slow-reader.go
"$SL_PYTHON" - "$SL_SOCK" "$go" >"$reader_log" 2>&1 <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /v1.41/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
while not os.path.exists(sys.argv[2]):
    time.sleep(0.1)
s.settimeout(5)
tail = b""
try:
    while True:
        data = s.recv(65536)
        if not data:
            print("closed")
            break
        tail = (tail + data)[-16:]
        if tail.endswith(b"\r\n0\r\n\r\n"):
            print("ended")
            break
except socket.timeout:
    print("open")
EOF
reader_pid=$!
sleep 1
flood_ok=$("$SL_PYTHON" - "$SL_SOCK" <<'EOF'
import http.client, socket, sys

class Conn(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(30)
        self.sock.connect(self.path)

conn = Conn(sys.argv[1])
ok = 0
for i in range(6000):
    conn.request("POST", "/v1.41/containers/prune?filters=%7B%22label%22%3A%5B%22sl.none%22%5D%7D")
    response = conn.getresponse()
    response.read()
    ok += response.status == 200
print(ok)
EOF
)
sl_assert_eq "daemon serves requests while a reader is stuck" 6000 "$flood_ok"
sl_assert_eq "daemon answers ping after the flood" OK \
        "$(curl -s --max-time 5 --unix-socket "$SL_SOCK" http://localhost/_ping)"
touch "$go"
wait "$reader_pid"
if sl_engine_is sockerlessd; then
        sl_assert_eq "stuck reader's stream is ended" ended "$(cat "$reader_log")"
fi

sl_done
