#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker pull, docker login and GET /distribution/{name}/json against
# Debian's docker-registry on 127.0.0.1. Covered: multi-platform indexes
# and --platform, pulls by digest, Basic and token auth (one token per
# scope), the progress stream, up-to-date pulls that download nothing,
# zstd and uncompressed layers, a mirror of Docker Hub and
# insecure-registries. The failures: a missing platform, schema 1, a
# digest mismatch, cut downloads and their retry, a client that leaves, a
# killed daemon and a full disk. Pulled images run.

# shellcheck disable=SC2317 # helpers are called through sl_wait_for
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry-lib.sh"
registry_require_tools
sl_require_tools jq script zstd sha256sum
sl_setup

registry_start open
registry_start basic --basic alice:alice-password
registry_start token --token --user alice:alice-password --reader bob:bob-password
registry_start broken --bad
R=$REGISTRY_OPEN_ADDR
B=$REGISTRY_BASIC_ADDR
T=$REGISTRY_TOKEN_ADDR
X=$REGISTRY_BROKEN_ADDR
registry_seed "$R"
registry_seed "$B" busybox oci
registry_seed "$T" busybox oci

case $(uname -m) in
x86_64) HOST_ARCH=amd64 ;;
aarch64) HOST_ARCH=arm64 ;;
*) HOST_ARCH=$(uname -m) ;;
esac
BUSYBOX=sockerless-test/busybox

# pull_api NAME [QUERY] [CURL-ARGS...]: POST /images/create?fromImage=NAME
# through the API; the body goes to $SL_TMP/api.body, a JSON message a line.
pull_api() {
        local name=$1 query=${2:-}
        shift 2
        sl_api POST "/v1.41/images/create?fromImage=$name${query:+&$query}" "$@"
}

# stream_statuses: the "status" of every message of the last pull_api, in order.
stream_statuses() {
        jq -r '.status // empty' "$SL_TMP/api.body" 2>/dev/null
}

stream_error() {
        jq -r '.error // empty' "$SL_TMP/api.body" 2>/dev/null
}

# registry_gets NAME KIND: how many GET and HEAD requests for blobs or manifests
# the registry NAME has served.
registry_gets() {
        local dir
        dir=$(registry_var "$1" DIR)
        grep -cE "\"(GET|HEAD) /v2/[^ ]*/$2/" "${!dir}/registry.log"
}

# layer_downloads REPO: the most GET requests of one blob of REPO that the
# broken registry has served.
layer_downloads() {
        jq -r --arg repo "/v2/$1/blobs/" 'select(.method == "GET" and (.path | startswith($repo))) | .path'                 "$REGISTRY_BROKEN_REQUEST_LOG" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $1 }'
}

# layer_ranges REPO: the Range header of each GET of REPO's layer blob
# ("-" for none), in order, joined by spaces. The layer blob is the one
# fetched more than once.
layer_ranges() {
        jq -r --arg repo "/v2/$1/blobs/" \
                'select(.method == "GET" and (.path | startswith($repo))) | "\(.path) \(.range // "-")"' \
                "$REGISTRY_BROKEN_REQUEST_LOG" |
                awk '{ n[$1]++; r[$1] = r[$1] " " $2 } END { for (p in n) if (n[p] > 1) print substr(r[p], 2) }'
}

# store_tmp_files: files left in the store's directory of downloads in
# progress (sockerlessd's image/tmp, dockerd's tmp).
store_tmp_files() {
        find "$SL_DATA/image/tmp" "$SL_DATA/tmp" -type f 2>/dev/null
}

store_tmp_empty() {
        [ -z "$(store_tmp_files)" ]
}

# restart_with JSON: restart the daemon with extra daemon.json keys.
restart_with() {
        sl_daemon_stop
        sl_write_config
        jq -s '.[0] * .[1]' "$SL_CONFIG" - <<<"$1" >"$SL_CONFIG.new" && mv "$SL_CONFIG.new" "$SL_CONFIG"
        sl_daemon_start
}

# manifest_digest ADDR REPO TAG: the digest the registry serves for a tag.
manifest_digest() {
        curl -s --noproxy '*' --max-time 10 -o /dev/null -D - \
                -H 'Accept: application/vnd.oci.image.index.v1+json' \
                -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
                "http://$1/v2/$2/manifests/$3" | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }'
}

architecture() {
        sl_docker image inspect -f '{{.Architecture}}' "$1" 2>&1
}

# ---------------------------------------------------------------- multi-platform index

sl_run sl_docker pull "$R/$BUSYBOX:1.35"
sl_assert_rc "index: docker pull succeeds" 0
sl_assert_contains "index: Pulling from the repository path" "1.35: Pulling from $BUSYBOX" "$SL_OUT"
index_digest=$(manifest_digest "$R" "$BUSYBOX" 1.35)
sl_assert_contains "index: Digest is the index's" "Digest: $index_digest" "$SL_OUT"
sl_assert_contains "index: new image status" "Status: Downloaded newer image for $R/$BUSYBOX:1.35" "$SL_OUT"
sl_assert_eq "index: the host's platform" "$HOST_ARCH" "$(architecture "$R/$BUSYBOX:1.35")"
sl_assert_eq "index: RepoDigests names the index" "[\"$R/$BUSYBOX@$index_digest\"]" \
        "$(sl_docker image inspect -f '{{json .RepoDigests}}' "$R/$BUSYBOX:1.35")"
sl_check "index: pulled image runs" sl_docker run --rm "$R/$BUSYBOX:1.35" echo pulled-and-ran
sl_assert_out "index: the container's output" pulled-and-ran

# A second pull downloads nothing.
gets=$(registry_gets open blobs)
pull_api "$R/$BUSYBOX" tag=1.35
sl_assert_eq "up to date: status 200" 200 "$SL_API_STATUS"
sl_assert_eq "up to date: the whole stream" "Pulling from $BUSYBOX
Digest: $index_digest
Status: Image is up to date for $R/$BUSYBOX:1.35" "$(stream_statuses)"
sl_assert_eq "up to date: no blob downloaded" "$gets" "$(registry_gets open blobs)"

other_arch=arm64
[ "$HOST_ARCH" != arm64 ] || other_arch=amd64
sl_run sl_docker pull --platform "linux/$other_arch" "$R/$BUSYBOX:1.35"
sl_assert_rc "platform: docker pull --platform linux/$other_arch" 0
sl_assert_eq "platform: image architecture" "$other_arch" "$(architecture "$R/$BUSYBOX:1.35")"

sl_run sl_docker pull --platform linux/s390x "$R/$BUSYBOX:1.35"
sl_assert_rc "platform: missing platform fails" 1
sl_assert_contains "platform: missing platform message" \
        "no matching manifest for linux/s390x in the manifest list entries" "$SL_ERR"
pull_api "$R/$BUSYBOX" 'tag=1.35&platform=linux/s390x'
sl_assert_eq "platform: missing platform is reported in the stream" 200 "$SL_API_STATUS"
sl_assert_eq "platform: stream error" "no matching manifest for linux/s390x in the manifest list entries" \
        "$(stream_error)"
pull_api "$R/$BUSYBOX" 'tag=1.35&platform=bogus'
sl_assert_eq "platform: invalid --platform is 400" 400 "$SL_API_STATUS"
sl_assert_eq "platform: invalid --platform message" \
        '"bogus": unknown operating system or architecture: invalid argument' "$(jq -r .message <<<"$SL_API_BODY")"

# ---------------------------------------------------------------- by digest, single platform, layers

single_digest=$(manifest_digest "$R" "$BUSYBOX" 1.35-single)
sl_run sl_docker pull "$R/$BUSYBOX@$single_digest"
sl_assert_rc "digest: docker pull NAME@DIGEST" 0
sl_assert_contains "digest: Pulling from, by digest" "Pulling from $BUSYBOX" "$SL_OUT"
sl_assert_contains "digest: status names the digest" "Status: Downloaded newer image for $R/$BUSYBOX@$single_digest" "$SL_OUT"
sl_assert_eq "digest: no tag" "[]" "$(sl_docker image inspect -f '{{json .RepoTags}}' "$R/$BUSYBOX@$single_digest")"
sl_check "digest: pulled image runs" sl_docker run --rm "$R/$BUSYBOX@$single_digest" true

pull_api "$R/$BUSYBOX" "tag=sha256:$(printf '%064d' 0)"
sl_assert_eq "digest: unknown digest is 404" 404 "$SL_API_STATUS"
sl_assert_contains "digest: unknown digest message" "manifest unknown" "$SL_API_BODY"

sl_run sl_docker pull "$R/sockerless-test/layers:1"
sl_assert_rc "layers: docker pull of a four-layer image" 0
sl_run sl_docker run --rm "$R/sockerless-test/layers:1"
sl_assert_out "layers: whiteouts and opaque directories survive the pull" "hello world from app in /home/app"

pull_api "$R/$BUSYBOX" tag=nope
sl_assert_eq "unknown tag: 404" 404 "$SL_API_STATUS"
sl_assert_eq "unknown tag: message" \
        "manifest for $R/$BUSYBOX:nope not found: manifest unknown: manifest unknown" \
        "$(jq -r .message <<<"$SL_API_BODY")"
pull_api "$R/Upper" tag=1
sl_assert_eq "bad name: 400" 400 "$SL_API_STATUS"

# ---------------------------------------------------------------- layer compressions

# upload_blob ADDR REPO FILE: a monolithic blob upload; prints the digest.
upload_blob() {
        local digest location separator='?'
        digest=sha256:$(sha256sum "$3" | cut -d' ' -f1)
        location=$(curl -s --noproxy '*' --max-time 10 -X POST -D - -o /dev/null "http://$1/v2/$2/blobs/uploads/" |
                tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
        [[ $location == http* ]] || location=http://$1$location
        [[ $location != *\?* ]] || separator='&'
        curl -s --noproxy '*' --max-time 30 -X PUT -H 'Content-Type: application/octet-stream' \
                --data-binary "@$3" -o /dev/null "$location${separator}digest=$digest"
        echo "$digest"
}

# push_compressed ADDR REPO MEDIA-TYPE COMPRESSOR: the busybox image with
# its layer compressed by COMPRESSOR (a filter command, or cat), as an OCI
# image manifest tagged 1.
push_compressed() {
        local addr=$1 repo=$2 media_type=$3 compressor=$4 dir=$SL_TMP/compressed-$2
        local config layer config_digest layer_digest
        mkdir -p "$dir"
        tar -xf "$(sl_image_archive busybox)" -C "$dir"
        config=$dir/$(jq -r '.[0].Config' "$dir/manifest.json")
        layer=$dir/$(jq -r '.[0].Layers[0]' "$dir/manifest.json")
        $compressor <"$layer" >"$dir/layer.blob"
        config_digest=$(upload_blob "$addr" "$repo" "$config")
        layer_digest=$(upload_blob "$addr" "$repo" "$dir/layer.blob")
        jq -n --arg cd "$config_digest" --argjson cs "$(stat -c %s "$config")" --arg ld "$layer_digest" \
                --argjson ls "$(stat -c %s "$dir/layer.blob")" --arg lt "$media_type" \
                '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
                  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
                  layers: [{mediaType: $lt, digest: $ld, size: $ls}]}' >"$dir/manifest.oci"
        curl -s --noproxy '*' --max-time 10 -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
                --data-binary "@$dir/manifest.oci" -o /dev/null -w '%{http_code}' "http://$addr/v2/$repo/manifests/1"
}

zstd_filter() {
        zstd -q -c
}

sl_assert_eq "zstd: image pushed" 201 \
        "$(push_compressed "$R" compression/zstd application/vnd.oci.image.layer.v1.tar+zstd zstd_filter)"
sl_assert_eq "uncompressed: image pushed" 201 \
        "$(push_compressed "$R" compression/plain application/vnd.oci.image.layer.v1.tar cat)"
for kind in zstd plain; do
        sl_run sl_docker pull "$R/compression/$kind:1"
        sl_assert_rc "$kind: docker pull" 0
        sl_run sl_docker run --rm "$R/compression/$kind:1" echo "layer was $kind"
        sl_assert_out "$kind: pulled image runs" "layer was $kind"
done

# ---------------------------------------------------------------- distribution inspect

sl_api GET "/v1.41/distribution/$R/$BUSYBOX:1.35/json"
sl_assert_eq "distribution: status" 200 "$SL_API_STATUS"
sl_assert_eq "distribution: index descriptor" \
        "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"digest\":\"$index_digest\"}" \
        "$(jq -c '.Descriptor | {mediaType, digest}' <<<"$SL_API_BODY")"
sl_assert_contains "distribution: platforms" "{\"architecture\":\"$HOST_ARCH\",\"os\":\"linux\"}" \
        "$(jq -c '.Platforms[]' <<<"$SL_API_BODY")"
sl_api GET "/v1.41/distribution/$R/$BUSYBOX:1.35-single/json"
sl_assert_eq "distribution: single manifest platform" "[{\"architecture\":\"$HOST_ARCH\",\"os\":\"linux\"}]" \
        "$(jq -c .Platforms <<<"$SL_API_BODY")"
sl_assert_eq "distribution: single manifest digest" "$single_digest" "$(jq -r .Descriptor.digest <<<"$SL_API_BODY")"
sl_api GET "/v1.41/distribution/$R/$BUSYBOX:nope/json"
sl_assert_eq "distribution: unknown tag is 404" 404 "$SL_API_STATUS"
sl_assert_eq "distribution: unknown tag message" "manifest unknown: manifest unknown" \
        "$(jq -r .message <<<"$SL_API_BODY")"

# ---------------------------------------------------------------- Basic auth

sl_run sl_docker pull "$B/$BUSYBOX:1.35"
sl_assert_rc "basic: pull without login fails" 1
sl_assert_contains "basic: no credentials message" "no basic auth credentials" "$SL_ERR"

sl_run sl_docker login -u alice --password-stdin "$B" <<<"wrong"
sl_assert_rc "basic: login with a wrong password fails" 1
sl_assert_contains "basic: wrong password message" \
        "login attempt to http://$B/v2/ failed with status: 401 Unauthorized" "$SL_ERR"
sl_run sl_docker login -u alice --password-stdin "$B" <<<"alice-password"
sl_assert_rc "basic: docker login" 0
sl_assert_contains "basic: Login Succeeded" "Login Succeeded" "$SL_OUT"
sl_run sl_docker pull "$B/$BUSYBOX:1.35"
sl_assert_rc "basic: pull after login" 0
sl_check "basic: pulled image runs" sl_docker run --rm "$B/$BUSYBOX:1.35" true
sl_api POST /v1.41/auth -H 'Content-Type: application/json' \
        -d "{\"username\":\"alice\",\"password\":\"alice-password\",\"serveraddress\":\"$B\"}"
sl_assert_eq "basic: POST /auth reply" '{"IdentityToken":"","Status":"Login Succeeded"}' "$SL_API_BODY"

# ---------------------------------------------------------------- token auth

sl_run sl_docker pull "$T/$BUSYBOX:1.35"
sl_assert_rc "token: anonymous pull is denied" 1
sl_assert_contains "token: denied message" "$T/$BUSYBOX" "$SL_ERR"

sl_run sl_docker login -u bob --password-stdin "$T" <<<"bob-password"
sl_assert_rc "token: docker login" 0
: >"$REGISTRY_TOKEN_TOKEN_LOG"
sl_run sl_docker pull "$T/$BUSYBOX:1.35"
sl_assert_rc "token: pull after login" 0
scope="repository:$BUSYBOX:pull"
tokens=$(jq -c --arg scope "$scope" 'select(.scopes == [$scope] and .account == "bob")' "$REGISTRY_TOKEN_TOKEN_LOG" | wc -l)
sl_assert_eq "token: one token for the pull's scope" 1 "$tokens"
sl_assert_eq "token: no token request for any other scope" 0 \
        "$(jq -c --arg scope "$scope" 'select(.scopes != [$scope])' "$REGISTRY_TOKEN_TOKEN_LOG" | wc -l)"
sl_run sl_docker pull --platform "linux/$other_arch" "$T/$BUSYBOX:1.35"
sl_assert_rc "token: second pull" 0
# Tokens live 300 s here: sockerlessd's second pull of the same scope uses
# the cached one. The daemon-wide token cache is sockerlessd's own, so the
# check runs against it only.
if sl_engine_is sockerlessd; then
        sl_assert_eq "token: the token is cached per scope" 1 \
                "$(jq -c 'select(.account == "bob")' "$REGISTRY_TOKEN_TOKEN_LOG" | wc -l)"
fi

# ---------------------------------------------------------------- progress of a large image

if registry_seed "$R" debian >/dev/null 2>&1; then
        script -qec "timeout -k 10 $SL_TIMEOUT docker pull $R/sockerless-test/debian:bookworm" "$SL_TMP/tty.out" \
                >/dev/null 2>&1
        tty_out=$(tr '\r' '\n' <"$SL_TMP/tty.out")
        sl_assert_match "progress: Downloading with byte counts" 'Downloading +[0-9.]+[kMG]?B/[0-9.]+[kMG]?B' "$tty_out"
        sl_assert_match "progress: Extracting with byte counts" 'Extracting +[0-9.]+[kMG]?B/[0-9.]+[kMG]?B' "$tty_out"
        sl_assert_contains "progress: Pull complete" "Pull complete" "$tty_out"
        sl_assert_contains "progress: status" "Status: Downloaded newer image for $R/sockerless-test/debian:bookworm" \
                "$tty_out"
        pull_api "$R/sockerless-test/debian" tag=bookworm
        sl_assert_eq "progress: second pull is up to date" "Status: Image is up to date for $R/sockerless-test/debian:bookworm" \
                "$(stream_statuses | tail -n 1)"
        sl_run sl_docker run --rm "$R/sockerless-test/debian:bookworm" cat /etc/debian_version
        sl_assert_match "progress: pulled Debian runs" '^12\.' "$SL_OUT"
else
        sl_skip "progress: pull of the Debian image" "no prebuilt debian-family.tar.gz in SOCKERLESS_TEST_IMAGES"
fi

# The messages of one layer in the JSON stream, in dockerd's order.
sl_run sl_docker rmi "$R/sockerless-test/layers:1"
pull_api "$R/sockerless-test/layers" tag=1
layer=$(jq -r 'select(.status == "Pulling fs layer") | .id' "$SL_TMP/api.body" | tail -n 1)
sl_assert_match "stream: layer ids are 12 hex digits" '^[0-9a-f]{12}$' "$layer"
sl_assert_eq "stream: messages of one layer" "Pulling fs layer
Downloading
Verifying Checksum
Download complete
Extracting
Pull complete" "$(jq -r --arg id "$layer" 'select(.id == $id) | .status' "$SL_TMP/api.body" | uniq)"
sl_assert_eq "stream: progress detail" '["current","total"]' \
        "$(jq -c --arg id "$layer" 'select(.id == $id and .status == "Downloading") | .progressDetail | keys' \
                "$SL_TMP/api.body" | tail -n 1)"
sl_assert_match "stream: progress bar" '^\[=+>\] +[0-9.]+[kM]?B/[0-9.]+[kM]?B$' \
        "$(jq -r --arg id "$layer" 'select(.id == $id and .status == "Downloading") | .progress' \
                "$SL_TMP/api.body" | tail -n 1)"
sl_assert_match "stream: Already exists for the shared base layer" 'Already exists' "$(stream_statuses)"

# ---------------------------------------------------------------- broken registry

sl_run sl_docker pull "$X/good/img"
sl_assert_rc "broken: the good image pulls" 0

pull_api "$X/bad-digest/img" tag=latest
sl_assert_eq "digest mismatch: reported in the stream" 200 "$SL_API_STATUS"
sl_assert_match "digest mismatch: message" '^filesystem layer verification failed for digest sha256:[0-9a-f]{64}$' \
        "$(stream_error)"
sl_run sl_docker image inspect "$X/bad-digest/img"
sl_assert_rc "digest mismatch: no image" 1

pull_api "$X/schema1/img" tag=latest
if sl_engine_is sockerlessd; then
        sl_assert_eq "schema1: rejected before the stream" 400 "$SL_API_STATUS"
        sl_assert_contains "schema1: message" "Docker image manifest version 2, schema 1" "$SL_API_BODY"
else
        sl_skip "schema1: rejected" "dockerd 20.10 still pulls schema 1 images"
fi

# ---------------------------------------------------------------- cut downloads

# dockerd counts retries against max-download-attempts: 1 means two
# attempts, the second after 5 s.
restart_with '{"max-download-attempts": 1}'
pull_api "$X/truncated/img" tag=latest
sl_assert_eq "cut: reported in the stream" 200 "$SL_API_STATUS"
sl_assert_ne "cut: an error" "" "$(stream_error)"
sl_assert_eq "cut: two attempts" 2 "$(layer_downloads truncated/img)"
sl_assert_eq "cut: no partial download left in the store" "" "$(store_tmp_files)"
sl_run sl_docker image inspect "$X/truncated/img"
sl_assert_rc "cut: no image" 1

pull_api "$X/truncated-once/img" tag=latest
sl_assert_eq "cut once: the retry succeeds" "" "$(stream_error)"
sl_assert_match "cut once: Retrying in 5 seconds" 'Retrying in 5 seconds' "$(stream_statuses)"
sl_assert_contains "cut once: status" "Status: Downloaded newer image for $X/truncated-once/img:latest" \
        "$(stream_statuses)"
sl_assert_eq "cut once: two downloads of the layer" 2 "$(layer_downloads truncated-once/img)"
sl_check "cut once: the image is there" sl_docker image inspect "$X/truncated-once/img"
# The fixture cuts the layer blob after half of its bytes, and the retry
# requests only the rest. The digest check still covers the whole blob.
cut_at=$(jq -r --arg repo /v2/truncated-once/img/blobs/ \
        'select(.cut and (.path | startswith($repo))) | .sent' "$REGISTRY_BROKEN_REQUEST_LOG")
sl_assert_eq "cut once: the retry resumes with a Range" "- bytes=$cut_at-" "$(layer_ranges truncated-once/img)"

# A registry that returns the whole blob (200) for a Range request gets a
# download from the start, which the digest check accepts. Sockerless
# keeps that response. dockerd 20.10.24 drops it and downloads the blob
# once more without a Range.
pull_api "$X/truncated-norange/img" tag=latest
sl_assert_eq "no ranges: the retry succeeds" "" "$(stream_error)"
sl_check "no ranges: the image is there" sl_docker image inspect "$X/truncated-norange/img"
cut_at=$(jq -r --arg repo /v2/truncated-norange/img/blobs/ \
        'select(.cut and (.path | startswith($repo))) | .sent' "$REGISTRY_BROKEN_REQUEST_LOG")
if sl_engine_is sockerlessd; then
        sl_assert_eq "no ranges: the Range requests" "- bytes=$cut_at-" \
                "$(layer_ranges truncated-norange/img)"
else
        sl_assert_eq "no ranges: the Range requests" "- bytes=$cut_at- -" \
                "$(layer_ranges truncated-norange/img)"
fi

# A client that goes away in the middle, and a daemon killed in the middle,
# leave no partial download, and the next pull succeeds.
sl_run sl_docker image inspect "$R/sockerless-test/debian:bookworm"
if [ "$SL_RC" = 0 ]; then
        sl_run sl_docker rmi "$R/sockerless-test/debian:bookworm"
        curl -s --max-time 0.5 --unix-socket "$SL_SOCK" -X POST \
                "http://localhost/v1.41/images/create?fromImage=$R/sockerless-test/debian&tag=bookworm" >/dev/null
        sl_wait_for 30 store_tmp_empty
        sl_assert_eq "interrupted: no partial download left" "" "$(store_tmp_files)"
        sl_run sl_docker pull "$R/sockerless-test/debian:bookworm"
        sl_assert_rc "interrupted: the next pull succeeds" 0

        sl_run sl_docker rmi "$R/sockerless-test/debian:bookworm"
        curl -s -N --max-time 60 --unix-socket "$SL_SOCK" -X POST \
                "http://localhost/v1.41/images/create?fromImage=$R/sockerless-test/debian&tag=bookworm" \
                >"$SL_TMP/killed.body" &
        curl_pid=$!
        # Extracting the Debian layer takes seconds, time enough for the kill.
        sl_wait_for 30 grep -q Extracting "$SL_TMP/killed.body"
        sl_daemon_restart --kill
        wait "$curl_pid"
        sl_assert_eq "killed: no partial download left" "" "$(store_tmp_files)"
        # The layer may still be completed by the extraction under way at
        # the kill; what must never be there is an image that cannot run.
        sl_run sl_docker image inspect "$R/sockerless-test/debian:bookworm"
        if [ "$SL_RC" = 0 ]; then
                sl_run sl_docker run --rm --network none "$R/sockerless-test/debian:bookworm" cat /etc/debian_version
                sl_assert_rc "killed: an image left is complete" 0
        else
                sl_assert_rc "killed: no image" 1
        fi
        sl_run sl_docker pull "$R/sockerless-test/debian:bookworm"
        sl_assert_rc "killed: the next pull succeeds" 0
else
        sl_skip "interrupted: pulls cut by the client and by a crash" "no Debian image in the registry"
fi

# ---------------------------------------------------------------- mirror of Docker Hub

# The mirror has sockerless-test/busybox, so the pull never goes past it
# (the daemon's proxy settings send anything else to a closed port).
restart_with "{\"registry-mirrors\": [\"http://$R\"]}"
gets=$(registry_gets open manifests)
sl_run sl_docker pull "$BUSYBOX:1.35-single"
sl_assert_rc "mirror: docker pull of a Docker Hub name" 0
sl_assert_contains "mirror: status names the Docker Hub image" "Status: Downloaded newer image for $BUSYBOX:1.35-single" \
        "$SL_OUT"
sl_assert_ne "mirror: the manifest came from the mirror" "$gets" "$(registry_gets open manifests)"
sl_assert_contains "mirror: RepoTags" "\"$BUSYBOX:1.35-single\"" \
        "$(sl_docker image inspect -f '{{json .RepoTags}}' "$BUSYBOX:1.35-single")"
sl_check "mirror: pulled image runs" sl_docker run --rm "$BUSYBOX:1.35-single" true
sl_api GET "/v1.41/distribution/$BUSYBOX:1.35-single/json"
sl_assert_eq "mirror: distribution inspect through the mirror" "$single_digest" \
        "$(jq -r .Descriptor.digest <<<"$SL_API_BODY")"

# ---------------------------------------------------------------- insecure-registries

# A registry on an address that is not loopback, without TLS: reachable
# only with insecure-registries. The daemon runs in a network namespace of
# its own where 192.0.2.1 (TEST-NET-1) sits on lo next to a registry that
# serves the open registry's storage, so nothing leaves the namespace. The
# daemon skips the test's dead-end proxy for that address only.
NETNS_ADDR=192.0.2.1:5000
NETNS_REGISTRY_DIR=$SL_TMP/netns-registry

eval "sl_daemon_command_host() $(declare -f sl_daemon_command | tail -n +2)"
sl_daemon_command() {
        sl_daemon_command_host
        [ -n "${NETNS_WRAP:-}" ] || return 0
        # shellcheck disable=SC2016 # expanded by the inner shell
        SL_DAEMON_CMD=(unshare --net sh -c 'ip link set lo up && ip addr add "$1/32" dev lo &&
                { docker-registry serve "$2/config.yml" >>"$2/registry.log" 2>&1 </dev/null & echo $! >"$2/pid"; } &&
                export NO_PROXY="$1" no_proxy="$1" && shift 2 && exec "$@"' sl-netns "${NETNS_ADDR%:*}" "$NETNS_REGISTRY_DIR" "${SL_DAEMON_CMD[@]}")
}

stop_netns_registry() {
        [ -s "$NETNS_REGISTRY_DIR/pid" ] || return 0
        kill "$(cat "$NETNS_REGISTRY_DIR/pid")" 2>/dev/null
        rm -f "$NETNS_REGISTRY_DIR/pid"
}

# restart_in_netns JSON: restart the daemon in a new namespace with its
# registry, with extra daemon.json keys.
restart_in_netns() {
        sl_daemon_stop
        stop_netns_registry
        NETNS_WRAP=1
        sl_write_config
        jq -s '.[0] * .[1]' "$SL_CONFIG" - <<<"$1" >"$SL_CONFIG.new" && mv "$SL_CONFIG.new" "$SL_CONFIG"
        sl_daemon_start
        sl_wait_for 30 nsenter --net="/proc/$SL_DAEMON_PID/ns/net" \
                curl -s --noproxy '*' --max-time 2 -o /dev/null "http://$NETNS_ADDR/v2/"
}

mkdir -p "$NETNS_REGISTRY_DIR"
sed "s|^  addr: .*|  addr: $NETNS_ADDR|" "$REGISTRY_OPEN_DIR/config.yml" >"$NETNS_REGISTRY_DIR/config.yml"
if command -v ip >/dev/null && command -v nsenter >/dev/null && command -v unshare >/dev/null; then
        restart_in_netns '{}'
        sl_run sl_docker pull "$NETNS_ADDR/$BUSYBOX:1.35-single"
        sl_assert_rc "insecure: plain HTTP off loopback is refused by default" 1
        sl_assert_contains "insecure: only HTTPS was tried" "https://$NETNS_ADDR/v2/" "$SL_ERR"
        restart_in_netns "{\"insecure-registries\": [\"$NETNS_ADDR\"]}"
        sl_run sl_docker pull "$NETNS_ADDR/$BUSYBOX:1.35-single"
        sl_assert_rc "insecure: listed by host:port" 0
        sl_run sl_docker rmi "$NETNS_ADDR/$BUSYBOX:1.35-single"
        restart_in_netns '{"insecure-registries": ["192.0.2.0/24"]}'
        sl_run sl_docker pull "$NETNS_ADDR/$BUSYBOX:1.35-single"
        sl_assert_rc "insecure: listed by CIDR range" 0
        sl_check "insecure: pulled image runs" sl_docker run --rm "$NETNS_ADDR/$BUSYBOX:1.35-single" true
        sl_daemon_stop
        stop_netns_registry
        NETNS_WRAP=
        sl_write_config
        sl_daemon_start
else
        sl_skip "insecure: a registry off loopback" "ip, nsenter or unshare is missing"
fi

# ---------------------------------------------------------------- a full disk

sl_daemon_stop
small_fs_mount "$SL_DATA" 64
sl_write_config
sl_daemon_start
avail=$(df -B1 --output=avail "$SL_DATA" | tail -n 1)
# Leave less room than the busybox layer needs extracted (about 2 MB).
fallocate -l $((avail - 1500000)) "$SL_DATA/filler" 2>/dev/null ||
        dd if=/dev/zero of="$SL_DATA/filler" bs=1M count=$(((avail - 1500000) / 1048576)) status=none
pull_api "$R/$BUSYBOX" tag=1.35
sl_assert_match "full disk: the pull fails" 'no space left on device|No space left on device' "$(stream_error)"
sl_run sl_docker image inspect "$R/$BUSYBOX:1.35"
sl_assert_rc "full disk: no image" 1
sl_assert_eq "full disk: no partial download left" "" "$(store_tmp_files)"
rm -f "$SL_DATA/filler"
sl_run sl_docker pull "$R/$BUSYBOX:1.35"
sl_assert_rc "full disk: the pull succeeds once there is room" 0
sl_check "full disk: pulled image runs" sl_docker run --rm "$R/$BUSYBOX:1.35" true
sl_daemon_restart
sl_check "full disk: the store opens after the failure" sl_docker image inspect "$R/$BUSYBOX:1.35"

sl_done
