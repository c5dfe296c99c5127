#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Log drivers through the real CLI: json-file, local and none, and their
# --log-opt checks. Rotation with max-size, max-file and compress keeps
# gzip'd rotated files that docker logs still reads. The local driver
# writes dockerd's protobuf records. Also lines over 16 KiB, and
# docker logs --details with the labels and env options.

# Single quotes keep $ for the container shell.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35

# ---- none: nothing to read
sl_docker run --name sl-ld-none --log-driver none "$busybox" echo hidden >/dev/null
sl_run sl_docker logs sl-ld-none
sl_assert_rc "logs of none fails" 1
sl_assert_contains "none's message" "configured logging driver does not support reading" "$SL_ERR"
sl_assert_eq "none has no LogPath" "" "$(sl_docker inspect -f '{{.LogPath}}' sl-ld-none)"

# ---- option checks
sl_run sl_docker create --log-driver json-file --log-opt bogus=1 "$busybox"
sl_assert_rc "unknown json-file option fails" 1
sl_assert_contains "unknown json-file option message" "unknown log opt 'bogus' for json-file log driver" "$SL_ERR"
sl_run sl_docker create --log-driver local --log-opt labels=x "$busybox"
sl_assert_rc "labels is not a local option" 1
sl_assert_contains "local option message" "unknown log opt 'labels' for log driver local" "$SL_ERR"
sl_api POST /containers/create -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$busybox\",\"HostConfig\":{\"LogConfig\":{\"Type\":\"none\",\"Config\":{\"max-size\":\"1k\"}}}}"
sl_assert_eq "none ignores options given through the API" 201 "$SL_API_STATUS"
sl_run sl_docker run --log-opt compress=true "$busybox" true
sl_assert_rc "compress without rotation fails" 125
sl_assert_contains "compress without rotation message" \
        "compress cannot be true when max-file is less than 2 or max-size is not set" "$SL_ERR"
sl_run sl_docker run --log-opt compress=maybe --log-opt max-size=1k --log-opt max-file=2 "$busybox" true
sl_assert_rc "invalid compress fails" 125
sl_assert_contains "invalid compress message" 'strconv.ParseBool: parsing "maybe": invalid syntax' "$SL_ERR"

# ---- json-file rotation with compress
cid=$(sl_docker run -d --log-opt max-size=1k --log-opt max-file=3 --log-opt compress=true "$busybox" \
        sh -c 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done')
sl_docker wait "$cid" >/dev/null
log_path=$(sl_docker inspect -f '{{.LogPath}}' "$cid")
if sl_engine_is sockerlessd || [ -e "$log_path" ]; then
        sl_assert_eq "compressed rotation keeps max-file files" "$(basename "$log_path") $(basename "$log_path").1.gz $(basename "$log_path").2.gz" \
                "$(cd "$(dirname "$log_path")" && ls "$(basename "$log_path")"* | sort | tr '\n' ' ' | sed 's/ $//')"
        sl_run gzip -t "$log_path.1.gz"
        sl_assert_rc "rotated file is gzip" 0
fi
sl_run sl_docker logs "$cid"
sl_assert_eq "logs read through gzip'd files: last line" line-199 "$(tail -n 1 <<<"$SL_OUT")"
first=$(head -n 1 <<<"$SL_OUT")
sl_assert_match "logs read through gzip'd files: older lines" '^line-1[0-9][0-9]$' "$first"
sl_assert_eq "logs are in order" "$(seq -f 'line-%g' "${first#line-}" 199)" "$SL_OUT"

# ---- local
cid=$(sl_docker run -d --log-driver local --log-opt max-size=1k --log-opt max-file=2 "$busybox" \
        sh -c 'i=0; while [ $i -lt 200 ]; do echo line-$i; i=$((i+1)); done')
sl_docker wait "$cid" >/dev/null
sl_assert_eq "local has no LogPath" "" "$(sl_docker inspect -f '{{.LogPath}}' "$cid")"
sl_run sl_docker logs "$cid"
sl_assert_eq "local keeps the last line" line-199 "$(tail -n 1 <<<"$SL_OUT")"
sl_assert_match "local keeps older lines" '^line-1[0-9][0-9]$' "$(head -n 1 <<<"$SL_OUT")"
sl_run sl_docker logs --tail 2 "$cid"
sl_assert_eq "local --tail" $'line-198\nline-199' "$SL_OUT"
cid=$(sl_docker run -d --log-driver local "$busybox" sh -c 'echo out; echo err >&2')
sl_docker wait "$cid" >/dev/null
sl_run sl_docker logs "$cid"
sl_assert_eq "local stdout" out "$SL_OUT"
sl_assert_eq "local keeps stderr apart" err "$SL_ERR"

# The file contains dockerd's records: a 4-byte big-endian length, a
# protobuf LogEntry (source 1, time_nano 2, line 3, partial 4, metadata 5)
# and the length again. Prints "source|line|partial|last|ordinal" per record.
local_records() {
        "$SL_PYTHON" - "$1" <<'EOF'
import struct, sys

def varint(b, i):
    v = s = 0
    while True:
        v |= (b[i] & 0x7f) << s
        s += 7
        i += 1
        if not b[i - 1] & 0x80:
            return v, i

def fields(b):
    i, out = 0, {}
    while i < len(b):
        key, i = varint(b, i)
        if key & 7 == 0:
            out[key >> 3], i = varint(b, i)
        else:
            n, i = varint(b, i)
            out[key >> 3], i = b[i:i + n], i + n
    return out

data = open(sys.argv[1], "rb").read()
pos = 0
while pos < len(data):
    n = struct.unpack(">I", data[pos:pos + 4])[0]
    if struct.unpack(">I", data[pos + 4 + n:pos + 8 + n])[0] != n:
        sys.exit("lengths differ at offset %d" % pos)
    f = fields(data[pos + 4:pos + 4 + n])
    meta = fields(f.get(5, b""))
    print("%s|%s|%d|%d|%d" % (f.get(1, b"").decode(), f.get(3, b"").decode(), f.get(4, 0), meta.get(1, 0),
                              meta.get(3, 0)))
    pos += n + 8
EOF
}

cid=$(sl_docker run -d --log-driver local "$busybox" \
        sh -c 'echo first; echo; echo oops >&2; head -c 20000 /dev/zero | tr "\0" x; echo; printf tail')
sl_docker wait "$cid" >/dev/null
sl_run local_records "$(sl_state_dir)/containers/$cid/local-logs/container.log"
sl_assert_rc "local file is a sequence of records" 0
long_line=$(printf "%020000d" 0 | tr 0 x)
# stdout and stderr are separate pipes, so "oops" may come first.
expected="stdout|first|0|0|0
stdout||0|0|0
stdout|${long_line:0:16384}|1|0|1
stdout|${long_line:16384}|1|1|2
stdout|tail|1|0|1"
sl_assert_eq "local records as dockerd writes them" yes \
        "$([ "$(grep -v '^stderr' <<<"$SL_OUT")" = "$expected" ] && echo yes)"
sl_assert_eq "local stderr record" "stderr|oops|0|0|0" "$(grep '^stderr' <<<"$SL_OUT")"
sl_run sl_docker logs "$cid"
# The here-string adds a last newline, so the last "|" comes from it.
sl_assert_eq "local logs of every record" yes \
        "$([ "$(tr '\n' '|' <<<"$SL_OUT")" = "first||$long_line|tail|" ] && echo yes)"
sl_run sl_docker logs -t --tail 1 "$cid"
sl_assert_match "local logs -t --tail 1" '^20[0-9-]+T[0-9:.]+Z tail$' "$SL_OUT"
first_time=$(sl_docker logs -t "$cid" 2>/dev/null | head -n 1 | cut -d' ' -f1)
sl_run sl_docker logs --until "$first_time" "$cid"
sl_assert_eq "local logs --until" first "$SL_OUT"
sl_run sl_docker logs --since "$(($(date -u +%s) + 1))" "$cid"
sl_assert_eq "local logs --since after the last entry" "" "$SL_OUT"

cid=$(sl_docker run -d --log-driver local "$busybox" \
        sh -c 'echo one; until [ -e /tmp/go ]; do sleep 0.1; done; echo two')
timeout 30 docker logs -f "$cid" >"$SL_TMP/follow.out" 2>&1 &
follow_pid=$!
sl_wait_for 10 grep -q one "$SL_TMP/follow.out"
sl_docker exec "$cid" touch /tmp/go
wait "$follow_pid"
sl_assert_eq "local logs -f to the end" $'one\ntwo' "$(cat "$SL_TMP/follow.out")"

# ---- a line over 16 KiB
cid=$(sl_docker run -d "$busybox" sh -c 'head -c 40000 /dev/zero | tr "\0" x; echo; echo next')
sl_docker wait "$cid" >/dev/null
sl_run sl_docker logs "$cid"
sl_assert_eq "long line comes back whole" 40000 "$(head -n 1 <<<"$SL_OUT" | tr -d '\n' | wc -c)"
sl_assert_eq "line after the long one" next "$(tail -n 1 <<<"$SL_OUT")"
sl_run sl_docker logs -t "$cid"
sl_assert_eq "long line with -t is one line" 2 "$(wc -l <<<"$SL_OUT")"

# ---- --details with labels and env
cid=$(sl_docker run -d --label app=web --label other=x -e STAGE=test --log-opt labels=app,missing \
        --log-opt env=STAGE "$busybox" echo detailed)
sl_docker wait "$cid" >/dev/null
sl_run sl_docker logs --details "$cid"
sl_assert_eq "--details prefixes the attributes" "STAGE=test,app=web detailed" "$SL_OUT"
cid=$(sl_docker run -d "$busybox" echo plain)
sl_docker wait "$cid" >/dev/null
sl_run sl_docker logs --details "$cid"
sl_assert_eq "--details without attributes" " plain" "$SL_OUT"

sl_done
