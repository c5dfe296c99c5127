#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The fixtures of registry-lib.sh. A registry of each kind starts on
# 127.0.0.1, takes the test images and serves them to the right clients
# only. The bad registry serves each fault it promises, and the small
# filesystem fills up. The cleanup leaves no process, mount, loop device
# or file behind. No daemon is involved.

# shellcheck disable=SC2016 # the child script is expanded by the child shell
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry-lib.sh"

registry_require_tools
sl_require_tools jq sha256sum findmnt losetup mkfs.ext4 dd
sl_setup_dir

OCI_INDEX=application/vnd.oci.image.index.v1+json
DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
BUSYBOX=sockerless-test/busybox

# http_get URL [CURL-ARGS...]: sets HTTP_STATUS, HTTP_BODY and
# HTTP_CHALLENGE (the WWW-Authenticate header).
http_get() {
        local url=$1
        shift
        HTTP_STATUS=$(curl -sS --noproxy '*' --max-time "$SL_TIMEOUT" -o "$SL_TMP/http.body" \
                -D "$SL_TMP/http.headers" -w '%{http_code}' "$@" "$url")
        HTTP_BODY=$(cat "$SL_TMP/http.body")
        HTTP_CHALLENGE=$(tr -d '\r' <"$SL_TMP/http.headers" |
                awk 'tolower($0) ~ /^www-authenticate:/ { sub(/^[^:]*:[ \t]*/, ""); print; exit }')
}

# inspect_raw REFERENCE [SKOPEO-OPTION...]: skopeo inspect --raw into SL_OUT.
inspect_raw() {
        local reference=$1
        shift
        sl_run timeout -k 10 "$SL_TIMEOUT" skopeo inspect --raw --tls-verify=false "$@" "docker://$reference"
}

# listens_on_loopback_only PID...: check that every listening socket of
# these processes is on 127.0.0.1, and print the ones that are not.
listens_on_loopback_only() {
        local pid sockets
        for pid in "$@"; do
                sockets=$(ss -Hltnp | grep "pid=$pid,")
                [ -n "$sockets" ] || {
                        echo "process $pid listens on nothing"
                        return 1
                }
                ! awk '$4 !~ /^127\.0\.0\.1:/' <<<"$sockets" | grep . || return 1
        done
}

token_count() {
        local scope=$1 account=$2
        jq -c --arg scope "$scope" --arg account "$account" \
                'select(.scopes == [$scope] and .account == $account)' "$3" | wc -l
}

# ---------------------------------------------------------------- anonymous

registry_start open
addr=$REGISTRY_OPEN_ADDR
sl_assert_match "open: address on loopback" '^127\.0\.0\.1:[0-9]+$' "$addr"
http_get "http://$addr/v2/"
sl_assert_eq "open: GET /v2/ status" 200 "$HTTP_STATUS"

registry_seed "$addr"
inspect_raw "$addr/$BUSYBOX:1.35"
sl_assert_rc "open: inspect busybox:1.35" 0
sl_assert_eq "open: busybox:1.35 media type" "$OCI_INDEX" "$(jq -r .mediaType <<<"$SL_OUT")"
sl_assert_eq "open: busybox:1.35 platforms" 2 "$(jq '.manifests | length' <<<"$SL_OUT")"
sl_assert_contains "open: busybox:1.35 has the host platform" "\"$(uname -m | sed 's/x86_64/amd64/; s/aarch64/arm64/')\"" \
        "$(jq -c '[.manifests[].platform.architecture]' <<<"$SL_OUT")"

inspect_raw "$addr/$BUSYBOX:1.35-single"
sl_assert_rc "open: inspect busybox:1.35-single" 0
sl_assert_eq "open: busybox:1.35-single media type" "$DOCKER_MANIFEST" "$(jq -r .mediaType <<<"$SL_OUT")"
single_manifest=$SL_OUT

# The blob comes back with the digest the manifest names.
config_digest=$(jq -r .config.digest <<<"$single_manifest")
curl -s --noproxy '*' -o "$SL_TMP/config.blob" "http://$addr/v2/$BUSYBOX/blobs/$config_digest"
sl_assert_eq "open: config blob digest" "$config_digest" "sha256:$(sha256sum <"$SL_TMP/config.blob" | cut -d' ' -f1)"

inspect_raw "$addr/sockerless-test/layers:1"
sl_assert_rc "open: inspect layers:1" 0
sl_assert_eq "open: layers:1 layer count" 4 "$(jq '.layers | length' <<<"$SL_OUT")"

if [ -n "${SOCKERLESS_TEST_IMAGES:-}" ] && [ -f "$SOCKERLESS_TEST_IMAGES/debian-family.tar.gz" ]; then
        for reference in debian:bookworm nginx:1.22 redis:7.0; do
                inspect_raw "$addr/sockerless-test/$reference"
                sl_assert_rc "open: inspect $reference" 0
        done
else
        sl_skip "open: debian family" "no debian-family.tar.gz in SOCKERLESS_TEST_IMAGES"
fi

# Deletes are enabled: a manifest goes away by digest.
http_get "http://$addr/v2/$BUSYBOX/manifests/1.35-single" -I -H "Accept: $DOCKER_MANIFEST"
single_digest=$(tr -d '\r' <"$SL_TMP/http.headers" | awk 'tolower($1) == "docker-content-digest:" { print $2 }')
status=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' -X DELETE "http://$addr/v2/$BUSYBOX/manifests/$single_digest")
sl_assert_eq "open: DELETE manifest status" 202 "$status"
http_get "http://$addr/v2/$BUSYBOX/manifests/1.35-single" -H "Accept: $DOCKER_MANIFEST"
sl_assert_eq "open: deleted manifest status" 404 "$HTTP_STATUS"

# ---------------------------------------------------------------- basic

registry_start basic --basic alice:alice-password --basic carol:carol-password
addr=$REGISTRY_BASIC_ADDR
sl_assert_eq "basic: exported user" alice "$REGISTRY_BASIC_USER"
registry_seed "$addr" busybox oci

http_get "http://$addr/v2/"
sl_assert_eq "basic: anonymous GET /v2/ status" 401 "$HTTP_STATUS"
sl_assert_eq "basic: challenge" 'Basic realm="sockerless-test-registry"' "$HTTP_CHALLENGE"
http_get "http://$addr/v2/" -u alice:wrong-password
sl_assert_eq "basic: wrong password status" 401 "$HTTP_STATUS"
http_get "http://$addr/v2/" -u carol:carol-password
sl_assert_eq "basic: second account status" 200 "$HTTP_STATUS"

inspect_raw "$addr/$BUSYBOX:1.35" --creds alice:alice-password
sl_assert_rc "basic: inspect with credentials" 0
inspect_raw "$addr/$BUSYBOX:1.35"
sl_assert_rc "basic: inspect without credentials" 1
sl_assert_contains "basic: inspect without credentials error" "unauthorized" "$SL_ERR"

# ---------------------------------------------------------------- token

registry_start token --token --user alice:alice-password --reader bob:bob-password
addr=$REGISTRY_TOKEN_ADDR
realm=$REGISTRY_TOKEN_REALM
log=$REGISTRY_TOKEN_TOKEN_LOG
sl_assert_match "token: realm on loopback" '^http://127\.0\.0\.1:[0-9]+/token$' "$realm"
registry_seed "$addr" busybox oci

http_get "http://$addr/v2/"
sl_assert_eq "token: anonymous GET /v2/ status" 401 "$HTTP_STATUS"
sl_assert_eq "token: /v2/ challenge" "Bearer realm=\"$realm\",service=\"sockerless-test-registry\"" "$HTTP_CHALLENGE"
http_get "http://$addr/v2/$BUSYBOX/manifests/1.35"
sl_assert_eq "token: anonymous manifest status" 401 "$HTTP_STATUS"
sl_assert_eq "token: manifest challenge" \
        "Bearer realm=\"$realm\",service=\"sockerless-test-registry\",scope=\"repository:$BUSYBOX:pull\"" \
        "$HTTP_CHALLENGE"

scope=repository:$BUSYBOX:pull
before=$(token_count "$scope" bob "$log")
http_get "$realm?service=sockerless-test-registry&scope=$scope" -u bob:bob-password
sl_assert_eq "token: fetch status" 200 "$HTTP_STATUS"
sl_assert_eq "token: reply fields" '["access_token","expires_in","issued_at","token"]' "$(jq -c keys <<<"$HTTP_BODY")"
sl_assert_eq "token: one log line for one fetch" $((before + 1)) "$(token_count "$scope" bob "$log")"
sl_assert_eq "token: log has no password" 0 "$(grep -c bob-password "$log")"
token=$(jq -r .token <<<"$HTTP_BODY")
http_get "http://$addr/v2/$BUSYBOX/manifests/1.35" -H "Authorization: Bearer $token" -H "Accept: $OCI_INDEX"
sl_assert_eq "token: manifest with token status" 200 "$HTTP_STATUS"

http_get "$realm?service=sockerless-test-registry&scope=$scope" -u bob:wrong-password
sl_assert_eq "token: wrong password status" 401 "$HTTP_STATUS"
http_get "$realm?service=another-service&scope=$scope" -u bob:bob-password
sl_assert_eq "token: other service status" 400 "$HTTP_STATUS"

# An anonymous token grants nothing here, so the registry still rejects
# the request.
http_get "$realm?service=sockerless-test-registry&scope=$scope"
sl_assert_eq "token: anonymous fetch status" 200 "$HTTP_STATUS"
token=$(jq -r .token <<<"$HTTP_BODY")
http_get "http://$addr/v2/$BUSYBOX/manifests/1.35" -H "Authorization: Bearer $token" -H "Accept: $OCI_INDEX"
sl_assert_eq "token: manifest with anonymous token status" 401 "$HTTP_STATUS"
sl_assert_contains "token: insufficient scope" 'error="insufficient_scope"' "$HTTP_CHALLENGE"

inspect_raw "$addr/$BUSYBOX:1.35" --creds bob:bob-password
sl_assert_rc "token: reader inspects" 0
inspect_raw "$addr/$BUSYBOX:1.35"
sl_assert_rc "token: anonymous inspect" 1
sl_run timeout -k 10 "$SL_TIMEOUT" skopeo --insecure-policy copy -q --dest-tls-verify=false \
        --dest-creds bob:bob-password "docker://$addr/$BUSYBOX:1.35" "docker://$addr/$BUSYBOX:by-bob" \
        --src-tls-verify=false --src-creds bob:bob-password
sl_assert_rc "token: reader push" 1
sl_assert_contains "token: reader push error" "denied" "$SL_ERR"

# A full account may delete, with the scope that the challenge names.
http_get "$realm?service=sockerless-test-registry&scope=$scope" -u alice:alice-password
token=$(jq -r .token <<<"$HTTP_BODY")
http_get "http://$addr/v2/$BUSYBOX/manifests/1.35" -I -H "Authorization: Bearer $token" -H "Accept: $OCI_INDEX"
index_digest=$(tr -d '\r' <"$SL_TMP/http.headers" | awk 'tolower($1) == "docker-content-digest:" { print $2 }')
http_get "http://$addr/v2/$BUSYBOX/manifests/$index_digest" -X DELETE
sl_assert_eq "token: anonymous DELETE status" 401 "$HTTP_STATUS"
delete_scope=$(sed -n 's/.*scope="\([^"]*\)".*/\1/p' <<<"$HTTP_CHALLENGE")
sl_assert_match "token: DELETE challenge scope" "^repository:$BUSYBOX:" "$delete_scope"
http_get "$realm?service=sockerless-test-registry&scope=$delete_scope" -u alice:alice-password
token=$(jq -r .token <<<"$HTTP_BODY")
http_get "http://$addr/v2/$BUSYBOX/manifests/$index_digest" -X DELETE -H "Authorization: Bearer $token"
sl_assert_eq "token: DELETE with token status" 202 "$HTTP_STATUS"

registry_start public --token --anonymous-pull
addr=$REGISTRY_PUBLIC_ADDR
sl_assert_eq "public: default account" sockerless "$REGISTRY_PUBLIC_USER"
registry_seed "$addr" busybox
inspect_raw "$addr/$BUSYBOX:1.35-single"
sl_assert_rc "public: anonymous inspect" 0

# ---------------------------------------------------------------- bad registry

registry_start broken --bad
addr=$REGISTRY_BROKEN_ADDR
requests=$REGISTRY_BROKEN_REQUEST_LOG
http_get "http://$addr/v2/"
sl_assert_eq "bad: GET /v2/ status" 200 "$HTTP_STATUS"

# fetch_layer MODE [CURL-ARGS...]: download the layer of a case to
# $SL_TMP/layer.MODE. Sets LAYER_DIGEST, LAYER_SIZE (from the manifest),
# FETCH_EXIT (curl's exit code) and FETCH_STATUS.
fetch_layer() {
        local mode=$1
        shift
        http_get "http://$addr/v2/$mode/img/manifests/latest"
        LAYER_DIGEST=$(jq -r '.layers[0].digest' <<<"$HTTP_BODY")
        LAYER_SIZE=$(jq -r '.layers[0].size' <<<"$HTTP_BODY")
        FETCH_STATUS=$(curl -s --noproxy '*' --max-time "$SL_TIMEOUT" -o "$SL_TMP/layer.$mode" \
                -D "$SL_TMP/layer.headers" -w '%{http_code}' "$@" "http://$addr/v2/$mode/img/blobs/$LAYER_DIGEST")
        FETCH_EXIT=$?
}

file_digest() {
        echo "sha256:$(sha256sum <"$1" | cut -d' ' -f1)"
}

fetch_layer good
sl_assert_eq "bad: good layer status" 200 "$FETCH_STATUS"
sl_assert_eq "bad: good layer digest" "$LAYER_DIGEST" "$(file_digest "$SL_TMP/layer.good")"
good_digest=$LAYER_DIGEST

fetch_layer bad-digest
sl_assert_ne "bad: layers differ per case" "$good_digest" "$LAYER_DIGEST"
sl_assert_eq "bad: bad-digest layer status" 200 "$FETCH_STATUS"
sl_assert_ne "bad: bad-digest layer digest" "$LAYER_DIGEST" "$(file_digest "$SL_TMP/layer.bad-digest")"
sl_assert_eq "bad: bad-digest layer size" "$LAYER_SIZE" "$(stat -c %s "$SL_TMP/layer.bad-digest")"
sl_check "bad: bad-digest layer is a tar.gz" tar -tzf "$SL_TMP/layer.bad-digest"

for attempt in 1 2; do
        fetch_layer truncated
        sl_assert_eq "bad: truncated download $attempt curl exit" 18 "$FETCH_EXIT"
        sl_assert_eq "bad: truncated download $attempt size" $((LAYER_SIZE / 2)) "$(stat -c %s "$SL_TMP/layer.truncated")"
done
fetch_layer truncated -H 'Range: bytes=1000-'
sl_assert_eq "bad: truncated range status" 200 "$FETCH_STATUS"
sl_assert_eq "bad: truncated range curl exit" 18 "$FETCH_EXIT"

fetch_layer truncated-once
sl_assert_eq "bad: truncated-once first curl exit" 18 "$FETCH_EXIT"
fetch_layer truncated-once -H 'Range: bytes=1000-'
sl_assert_eq "bad: truncated-once range status" 206 "$FETCH_STATUS"
sl_assert_contains "bad: truncated-once Content-Range" "bytes 1000-$((LAYER_SIZE - 1))/$LAYER_SIZE" \
        "$(tr -d '\r' <"$SL_TMP/layer.headers")"
fetch_layer truncated-once
sl_assert_eq "bad: truncated-once second curl exit" 0 "$FETCH_EXIT"
sl_assert_eq "bad: truncated-once second digest" "$LAYER_DIGEST" "$(file_digest "$SL_TMP/layer.truncated-once")"
sl_assert_eq "bad: request log marks cuts" 4 "$(jq -s 'map(select(.cut)) | length' "$requests")"

http_get "http://$addr/v2/schema1/img/manifests/latest"
sl_assert_eq "bad: schema1 status" 200 "$HTTP_STATUS"
sl_assert_eq "bad: schema1 schemaVersion" 1 "$(jq .schemaVersion <<<"$HTTP_BODY")"
sl_assert_contains "bad: schema1 media type" "application/vnd.docker.distribution.manifest.v1+prettyjws" \
        "$(tr -d '\r' <"$SL_TMP/http.headers")"
cp "$SL_TMP/http.body" "$SL_TMP/schema1.json"
schema1_layer=$(jq -r '.fsLayers[0].blobSum' "$SL_TMP/schema1.json")
curl -s --noproxy '*' -o "$SL_TMP/schema1.layer" "http://$addr/v2/schema1/img/blobs/$schema1_layer"
sl_assert_eq "bad: schema1 layer digest" "$schema1_layer" "$(file_digest "$SL_TMP/schema1.layer")"

http_get "http://$addr/v2/unknown/img/manifests/latest"
sl_assert_eq "bad: unknown case status" 404 "$HTTP_STATUS"
sl_assert_eq "bad: unknown case code" NAME_UNKNOWN "$(jq -r '.errors[0].code' <<<"$HTTP_BODY")"
http_get "http://$addr/v2/good/img/manifests/other"
sl_assert_eq "bad: unknown tag code" MANIFEST_UNKNOWN "$(jq -r '.errors[0].code' <<<"$HTTP_BODY")"
http_get "http://$addr/v2/good/img/blobs/sha256:$(printf '%064d' 0)"
sl_assert_eq "bad: unknown blob code" BLOB_UNKNOWN "$(jq -r '.errors[0].code' <<<"$HTTP_BODY")"
http_get "http://$addr/v2/good/img/manifests/latest" -X PUT --data-binary '{}'
sl_assert_eq "bad: push status" 405 "$HTTP_STATUS"

# Distribution verifies the libtrust signature of a schema 1 manifest on
# push: it takes the fixture's manifest and rejects a changed copy.
registry_start legacy --schema1
addr=$REGISTRY_LEGACY_ADDR
location=$(curl -s --noproxy '*' -D - -o /dev/null -X POST "http://$addr/v2/schema1/img/blobs/uploads/" |
        tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
[[ $location == http* ]] || location=http://$addr$location
http_get "$location&digest=$schema1_layer" -X PUT --data-binary "@$SL_TMP/schema1.layer" \
        -H 'Content-Type: application/octet-stream'
sl_assert_eq "schema1: layer upload status" 201 "$HTTP_STATUS"
http_get "http://$addr/v2/schema1/img/manifests/latest" -X PUT --data-binary "@$SL_TMP/schema1.json" \
        -H 'Content-Type: application/vnd.docker.distribution.manifest.v1+prettyjws'
sl_assert_eq "schema1: signed manifest accepted" 201 "$HTTP_STATUS"
sed 's/"tag": "latest"/"tag": "edited"/' "$SL_TMP/schema1.json" >"$SL_TMP/schema1-edited.json"
http_get "http://$addr/v2/schema1/img/manifests/edited" -X PUT --data-binary "@$SL_TMP/schema1-edited.json" \
        -H 'Content-Type: application/vnd.docker.distribution.manifest.v1+prettyjws'
sl_assert_ne "schema1: edited manifest rejected" 201 "$HTTP_STATUS"
registry_stop legacy

# ---------------------------------------------------------------- small filesystem

small=$SL_TMP/small
small_fs_mount "$small" 8
sl_assert_eq "small fs: type" ext4 "$(findmnt -n -o FSTYPE "$small")"
sl_assert_match "small fs: loop device" '^/dev/loop[0-9]+$' "$(findmnt -n -o SOURCE "$small")"
available=$(df -k --output=avail "$small" | tail -n 1 | tr -d ' ')
sl_assert_match "small fs: free space" '^[0-9]+$' "$available"
if [ "$available" -gt 4096 ] && [ "$available" -le 8192 ]; then
        sl_ok "small fs: free space between 4 and 8 MiB"
else
        sl_not_ok "small fs: free space between 4 and 8 MiB" "available: $available KiB"
fi
sl_run dd if=/dev/zero of="$small/fill" bs=1M count=16
sl_assert_rc "small fs: fill fails" 1
sl_assert_contains "small fs: fill error" "No space left on device" "$SL_ERR"

# Invalid arguments bail out of the script with a message.
for arguments in "/tmp 8" "$SL_TMP/small-2 0" "$SL_TMP/small-2 8M"; do
        sl_run bash -c '. "$1/lib.sh"; . "$1/registry-lib.sh"; sl_setup_dir; small_fs_mount $2' \
                registry-fixtures-child "$SL_SRCDIR" "$arguments"
        sl_assert_rc "small fs: rejects '${arguments#"$SL_TMP/"}'" 99
        sl_assert_match "small fs: message for '${arguments#"$SL_TMP/"}'" 'small_fs_mount: (invalid size|.* is outside)' "$SL_OUT"
done

# ---------------------------------------------------------------- addresses

pids=()
for name in "${!REGISTRY_PIDS[@]}"; do
        read -ra name_pids <<<"${REGISTRY_PIDS[$name]}"
        pids+=("${name_pids[@]}")
done
sl_assert_eq "fixtures: process count" 7 "${#pids[@]}"
if output=$(listens_on_loopback_only "${pids[@]}"); then
        sl_ok "fixtures listen on 127.0.0.1 only"
else
        sl_not_ok "fixtures listen on 127.0.0.1 only" "$output"
fi

# ---------------------------------------------------------------- stop

open_pids=${REGISTRY_PIDS[open]}
open_dir=$REGISTRY_OPEN_DIR
registry_stop open
sl_assert_eq "stop: process gone" "" "$(for pid in $open_pids; do sl_pid_alive "$pid" && echo "$pid"; done)"
sl_assert_eq "stop: directory gone" "" "$(ls -d "$open_dir" 2>/dev/null)"
sl_assert_eq "stop: address unset" unset "${REGISTRY_OPEN_ADDR-unset}"

token_pids=${REGISTRY_PIDS[token]}
token_dir=$REGISTRY_TOKEN_DIR
registry_stop token
sl_assert_eq "stop: token processes gone" "" "$(for pid in $token_pids; do sl_pid_alive "$pid" && echo "$pid"; done)"
sl_assert_eq "stop: token directory gone" "" "$(ls -d "$token_dir" 2>/dev/null)"

# ---------------------------------------------------------------- cleanup

# A child script starts fixtures and ends as given: through sl_done, or
# through a failing command that leaves the cleanup to the EXIT trap.
child='
. "$1/lib.sh"
. "$1/registry-lib.sh"
sl_setup_dir
registry_start open
registry_start token --token
registry_start broken --bad
registry_seed "$REGISTRY_TOKEN_ADDR" busybox
small_fs_mount "$SL_TMP/small" 4
echo data >"$SL_TMP/small/file"
{
        echo "$SL_TMP"
        for name in "${!REGISTRY_PIDS[@]}"; do echo ${REGISTRY_PIDS[$name]}; done
} >"$2"
sl_ok "child started"
[ "$3" = sl_done ] && sl_done
exit 3
'
for ending in sl_done exit_trap; do
        report=$SL_TMP/child-$ending
        sl_run bash -c "$child" registry-fixtures-child "$SL_SRCDIR" "$report" "$ending"
        [ "$ending" = sl_done ] && expected=0 || expected=3
        sl_assert_rc "cleanup by $ending: child exit code" "$expected"
        child_dir=$(head -n 1 "$report")
        read -ra child_pids <<<"$(tail -n +2 "$report" | tr '\n' ' ')"
        sl_assert_eq "cleanup by $ending: process count" 4 "${#child_pids[@]}"
        sl_assert_eq "cleanup by $ending: no process left" "" \
                "$(for pid in "${child_pids[@]}"; do sl_pid_alive "$pid" && ps -o pid=,args= -p "$pid"; done)"
        sl_assert_eq "cleanup by $ending: no directory left" "" "$(ls -d "$child_dir" 2>/dev/null)"
        sl_assert_eq "cleanup by $ending: nothing names the directory" "" \
                "$(pgrep -af -- "$child_dir/" | grep -v pgrep)"
        sl_assert_eq "cleanup by $ending: no mount left" "" "$(grep -F "$child_dir/" /proc/self/mountinfo)"
        sl_assert_eq "cleanup by $ending: no loop device left" "" "$(losetup -n -O NAME,BACK-FILE | grep -F "$child_dir/")"
done

sl_done
