#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Log drivers through the real CLI: json-file, local and none, and their
# --log-opt checks. Rotation with max-size, max-file and compress keeps
# gzip'd rotated files that docker logs still reads. Also lines over
# 16 KiB, and docker logs --details with the labels and env options.

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
