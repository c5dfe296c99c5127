#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Raw Engine API: /_ping, version negotiation, errors for unknown routes,
# bad bodies and missing objects, and the fields of docker version and info.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup

# ---- /_ping
sl_api GET /_ping
sl_assert_eq "GET /_ping status" 200 "$SL_API_STATUS"
sl_assert_eq "GET /_ping body" OK "$SL_API_BODY"
api_version=$(sl_api_header API-Version)
sl_assert_match "GET /_ping API-Version" '^1\.[0-9]+$' "$api_version"
sl_assert_eq "GET /_ping OSType" linux "$(sl_api_header OSType)"
sl_assert_match "GET /_ping Docker-Experimental" '^(true|false)$' "$(sl_api_header Docker-Experimental)"
sl_assert_eq "GET /_ping Cache-Control" "no-cache, no-store, must-revalidate" "$(sl_api_header Cache-Control)"
sl_assert_eq "GET /_ping Pragma" no-cache "$(sl_api_header Pragma)"

sl_api HEAD /_ping
sl_assert_eq "HEAD /_ping status" 200 "$SL_API_STATUS"
sl_assert_eq "HEAD /_ping API-Version" "$api_version" "$(sl_api_header API-Version)"
sl_assert_eq "HEAD /_ping OSType" linux "$(sl_api_header OSType)"
sl_assert_match "HEAD /_ping Docker-Experimental" '^(true|false)$' "$(sl_api_header Docker-Experimental)"
sl_assert_eq "HEAD /_ping Cache-Control" "no-cache, no-store, must-revalidate" "$(sl_api_header Cache-Control)"
sl_assert_eq "HEAD /_ping Pragma" no-cache "$(sl_api_header Pragma)"

sl_api GET "/v$api_version/_ping"
sl_assert_eq "GET /_ping with version prefix" "200 OK" "$SL_API_STATUS $SL_API_BODY"

# ---- /version and negotiation
sl_api GET /version
sl_assert_eq "GET /version status" 200 "$SL_API_STATUS"
sl_assert_eq "GET /version ApiVersion" "$api_version" "$(jq -r .ApiVersion <<<"$SL_API_BODY")"
sl_assert_match "GET /version MinAPIVersion" '^1\.[0-9]+$' "$(jq -r .MinAPIVersion <<<"$SL_API_BODY")"
sl_assert_eq "GET /version Os" linux "$(jq -r .Os <<<"$SL_API_BODY")"
sl_assert_match "GET /version Version" '^[0-9]' "$(jq -r .Version <<<"$SL_API_BODY")"
sl_assert_match "GET /version Arch" '^(amd64|arm64|arm|386|ppc64le|s390x|riscv64)$' \
        "$(jq -r .Arch <<<"$SL_API_BODY")"

sl_api GET /v1.99/version
sl_assert_eq "GET /v1.99/version status" 400 "$SL_API_STATUS"
sl_assert_eq "GET /v1.99/version message" \
        "client version 1.99 is too new. Maximum supported API version is $api_version" \
        "$(jq -r .message <<<"$SL_API_BODY")"

# ---- unknown routes and bad requests
sl_api GET "/v$api_version/nonexistent"
sl_assert_eq "unknown endpoint status" 404 "$SL_API_STATUS"
sl_assert_eq "unknown endpoint JSON message" "page not found" "$(jq -r .message <<<"$SL_API_BODY")"

# Endpoints Sockerless does not implement yet name themselves in a 501.
if ! sl_engine_is dockerd; then
        sl_api POST "/v$api_version/build/prune"
        sl_assert_eq "unimplemented endpoint status" 501 "$SL_API_STATUS"
        sl_assert_eq "unimplemented endpoint message" "POST /build/prune is not implemented by Sockerless yet" \
                "$(jq -r .message <<<"$SL_API_BODY")"
fi

sl_api POST "/v$api_version/containers/create" -H 'Content-Type: application/json' -d '{bad'
# dockerd 20.10 returns 500 here, later versions 400.
sl_assert_match "malformed JSON container create status" '^(400|500)$' "$SL_API_STATUS"
sl_assert_match "malformed JSON container create message" '.' "$(jq -r .message <<<"$SL_API_BODY")"
sl_assert_eq "malformed JSON creates no container" "" "$(sl_docker ps -aq)"

sl_api POST "/v$api_version/containers/create" -H 'Content-Type: text/plain' -d '{"Image":"busybox"}'
sl_assert_eq "wrong Content-Type status" 400 "$SL_API_STATUS"
sl_assert_eq "wrong Content-Type message" \
        "Content-Type specified (text/plain) must be 'application/json'" \
        "$(jq -r .message <<<"$SL_API_BODY")"

sl_api GET "/v$api_version/containers/x/json"
sl_assert_eq "missing container status" 404 "$SL_API_STATUS"
sl_assert_eq "missing container message" "No such container: x" "$(jq -r .message <<<"$SL_API_BODY")"
sl_assert_match "missing container Content-Type" '^application/json' "$(sl_api_header Content-Type)"

# ---- behaviour that depends on the request's API version
sl_image_load busybox
cid=$(sl_docker create sockerless-test/busybox:1.35 true)
sl_api POST "/v$api_version/containers/$cid/start" -H 'Content-Type: application/json' -d '{"Binds":[]}'
sl_assert_eq "start with a body status" 400 "$SL_API_STATUS"
sl_assert_eq "start with a body message" \
        "starting container with non-empty request body was deprecated since API v1.22 and removed in v1.24" \
        "$(jq -r .message <<<"$SL_API_BODY")"
# Before 1.30 a wait has no condition: next-exit is ignored and the
# created container counts as not running.
sl_api POST "/v1.29/containers/$cid/wait?condition=next-exit"
sl_assert_eq "wait before 1.30 status" 200 "$SL_API_STATUS"
sl_assert_eq "wait before 1.30 ignores condition" 0 "$(jq -r .StatusCode <<<"$SL_API_BODY")"
# dockerd 20.10 waits for not-running when the condition is unknown.
sl_api POST "/containers/$cid/wait?condition=sl-bogus"
sl_assert_eq "wait with an unknown condition" '200 0' "$SL_API_STATUS $(jq -r .StatusCode <<<"$SL_API_BODY")"
# dockerd 20.10 still serves 1.12 and up; Sockerless starts at 1.24, the
# oldest version the docker CLI speaks.
if ! sl_engine_is dockerd; then
        sl_api GET "/v1.23/containers/$cid/json"
        sl_assert_eq "API 1.23 status" 400 "$SL_API_STATUS"
fi
sl_docker rm "$cid" >/dev/null

# ---- docker version and docker info through the CLI
sl_run sl_docker version --format '{{.Server.APIVersion}} {{.Server.Os}}'
sl_assert_rc "docker version exit code" 0
sl_assert_out "docker version server fields" "$api_version linux"

sl_run sl_docker info --format '{{json .}}'
sl_assert_rc "docker info exit code" 0
info=$SL_OUT
for field in ID Containers ContainersRunning ContainersStopped Images Driver \
        OperatingSystem OSType Architecture NCPU MemTotal DockerRootDir ServerVersion \
        CgroupDriver CgroupVersion KernelVersion Name; do
        sl_assert_eq "docker info has $field" true "$(jq "has(\"$field\")" <<<"$info")"
done
# With --userns-remap, the state of remapped containers lives in a
# subdirectory named after the remapped root's ids, as with dockerd.
root_dir=$SL_DATA
sl_remapped && root_dir=$SL_DATA/$(sl_remap_root | tr : .)
sl_assert_eq "docker info DockerRootDir" "$root_dir" "$(jq -r .DockerRootDir <<<"$info")"
sl_assert_eq "docker info OSType" linux "$(jq -r .OSType <<<"$info")"
sl_assert_eq "docker info NCPU" "$(nproc)" "$(jq -r .NCPU <<<"$info")"

sl_done
