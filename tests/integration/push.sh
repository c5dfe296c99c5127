#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker push to Debian's docker-registry on 127.0.0.1. The checks cover
# the progress stream, the errors before and inside it, and what the
# registry stores, as skopeo and the registry API see it. They also cover
# existence checks and cross-repository mounts on later pushes, pushes of
# every tag, monolithic and chunked blob uploads, retries, Basic and token
# auth, and round trips through docker pull.

# shellcheck disable=SC2317 # helpers are called through sl_wait_for
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry-lib.sh"
registry_require_tools
sl_require_tools jq sha256sum
sl_setup

registry_start open
registry_start basic --basic alice:alice-password
registry_start token --token --user alice:alice-password --reader bob:bob-password
R=$REGISTRY_OPEN_ADDR
B=$REGISTRY_BASIC_ADDR
T=$REGISTRY_TOKEN_ADDR

sl_image_load busybox layers
busybox_id=$(sl_docker image inspect -f '{{.Id}}' sockerless-test/busybox:1.35)
busybox_diff_id=$(sl_docker image inspect -f '{{index .RootFS.Layers 0}}' sockerless-test/busybox:1.35)
busybox_short=${busybox_diff_id#sha256:}
busybox_short=${busybox_short:0:12}
# An empty X-Registry-Auth: "{}" in base64, what the CLI sends without a login.
no_auth=e30=

# push_api NAME [QUERY] [CURL-ARGS...]: POST /images/NAME/push through the
# API; the raw body goes to $SL_TMP/api.body, one JSON message a line.
push_api() {
        local name=$1 query=${2:-}
        shift 2
        sl_api POST "/v1.41/images/$name/push${query:+?$query}" "$@"
}

# stream_lines STATUS: the messages of the last push_api with that status.
stream_lines() {
        jq -c --arg s "$1" 'select(.status == $s)' "$SL_TMP/api.body" 2>/dev/null
}

# registry_requests NAME ERE: how many requests of the registry's access log
# match, e.g. '"PATCH /v2/app/blobs/uploads/'.
registry_requests() {
        local dir
        dir=$(registry_var "$1" DIR)
        grep -cE "$2" "${!dir}/registry.log"
}

# manifest_digest ADDR REPO TAG: the digest the registry serves for a tag.
manifest_digest() {
        curl -s --noproxy '*' --max-time 10 -o /dev/null -D - \
                -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
                "http://$1/v2/$2/manifests/$3" | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }'
}

repo_digests() {
        sl_docker image inspect -f '{{json .RepoDigests}}' "$1"
}

# store_login ADDR USER PASSWORD: store credentials in the CLI's
# config.json as docker login does, so that docker push sends them in
# X-Registry-Auth. docker login itself needs POST /auth, which is not what
# this script tests.
store_login() {
        local auth
        auth=$(printf '%s:%s' "$2" "$3" | base64 -w0)
        jq -n --arg addr "$1" --arg auth "$auth" '{auths: {($addr): {auth: $auth}}}' >"$DOCKER_CONFIG/config.json"
}

# ---- Errors before the stream: dockerd 20.10's status codes and texts
sl_docker tag sockerless-test/busybox:1.35 "$R/bb:1"

# dockerd 20.10 replies to a malformed name or tag with 500, as for docker tag.
push_api "$R/Upper" "" -H "X-Registry-Auth: $no_auth"
sl_assert_eq "uppercase name is 500" 500 "$SL_API_STATUS"
sl_assert_eq "uppercase name message" "invalid reference format: repository name must be lowercase" \
        "$(jq -r .message <<<"$SL_API_BODY")"

push_api "$R/bb" "tag=a:b" -H "X-Registry-Auth: $no_auth"
sl_assert_eq "invalid tag is 500" 500 "$SL_API_STATUS"
sl_assert_eq "invalid tag message" "invalid tag format" "$(jq -r .message <<<"$SL_API_BODY")"

push_api "$R/bb" "tag=1"
sl_assert_eq "push without credentials header is 400" 400 "$SL_API_STATUS"
sl_assert_eq "push without credentials header message" "Bad parameters and missing X-Registry-Auth: EOF" \
        "$(jq -r .message <<<"$SL_API_BODY")"

# Old clients send the credentials as the body.
push_api "$R/nothing" "tag=1" -H 'Content-Type: application/json' -d '{}'
sl_assert_eq "credentials in the body are accepted" 200 "$SL_API_STATUS"

# ---- Errors inside the stream, after its first line, as dockerd sends them
push_api "$R/nothing" "tag=1" -H "X-Registry-Auth: $no_auth"
sl_assert_eq "unknown repository answers 200" 200 "$SL_API_STATUS"
sl_assert_eq "unknown repository: first line" "{\"status\":\"The push refers to repository [$R/nothing]\"}" \
        "$(head -n 1 "$SL_TMP/api.body" | tr -d '\r')"
sl_assert_eq "unknown repository: error line" \
        "{\"errorDetail\":{\"message\":\"An image does not exist locally with the tag: $R/nothing\"},\"error\":\"An image does not exist locally with the tag: $R/nothing\"}" \
        "$(sed -n 2p "$SL_TMP/api.body" | tr -d '\r')"

sl_run sl_docker push "$R/nothing:1"
sl_assert_ne "docker push of an unknown image fails" 0 "$SL_RC"
sl_assert_contains "docker push of an unknown image says so" \
        "An image does not exist locally with the tag: $R/nothing" "$SL_ERR"

sl_run sl_docker push "$R/bb:nope"
sl_assert_ne "docker push of a missing tag fails" 0 "$SL_RC"
sl_assert_contains "docker push of a missing tag says so" "tag does not exist: $R/bb:nope" "$SL_ERR"

push_api "$R/bb@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" "" \
        -H "X-Registry-Auth: $no_auth"
sl_assert_eq "digest reference: error in the stream" "cannot push a digest reference" \
        "$(jq -r 'select(.error) | .error' "$SL_TMP/api.body")"

# Credentials that do not decode count as none, as in dockerd.
push_api "$R/nothing" "tag=1" -H "X-Registry-Auth: %%%"
sl_assert_eq "undecodable credentials are ignored" 200 "$SL_API_STATUS"

# ---- First push: the stream, line by line
uploads_before=$(registry_requests open '"POST /v2/bb/blobs/uploads/')
push_api "$R/bb" "tag=1" -H "X-Registry-Auth: $no_auth"
sl_assert_eq "push answers 200" 200 "$SL_API_STATUS"
sl_assert_eq "push stream: no error" "" "$(jq -r 'select(.error) | .error' "$SL_TMP/api.body")"
sl_assert_eq "push stream: every line ends with CRLF" "$(wc -l <"$SL_TMP/api.body")" \
        "$(grep -c $'\r$' "$SL_TMP/api.body")"
sl_assert_eq "push stream: first line" "{\"status\":\"The push refers to repository [$R/bb]\"}" \
        "$(head -n 1 "$SL_TMP/api.body" | tr -d '\r')"
sl_assert_eq "push stream: Preparing" "{\"status\":\"Preparing\",\"progressDetail\":{},\"id\":\"$busybox_short\"}" \
        "$(stream_lines Preparing)"
pushing=$(stream_lines Pushing | tail -n 1)
sl_assert_eq "push stream: Pushing has the layer's id" "$busybox_short" "$(jq -r .id <<<"$pushing")"
sl_assert_eq "push stream: Pushing total is the layer size" \
        "$(sl_docker image inspect -f '{{.Size}}' sockerless-test/busybox:1.35)" \
        "$(jq -r .progressDetail.total <<<"$pushing")"
sl_assert_match "push stream: Pushing has a progress bar" '^\[=*>? *\] +[0-9.]+[kM]?B' \
        "$(jq -r .progress <<<"$pushing")"
sl_assert_eq "push stream: Pushed" "{\"status\":\"Pushed\",\"progressDetail\":{},\"id\":\"$busybox_short\"}" \
        "$(stream_lines Pushed)"

digest=$(manifest_digest "$R" bb 1)
manifest_size=$(curl -s --noproxy '*' -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$R/v2/bb/manifests/1" | wc -c)
sl_assert_match "registry serves the manifest" '^sha256:[0-9a-f]{64}$' "$digest"
sl_assert_eq "push stream: digest line" "{\"status\":\"1: digest: $digest size: $manifest_size\"}" \
        "$(jq -c 'select(.status and (.status | test(": digest: ")))' "$SL_TMP/api.body")"
sl_assert_eq "push stream: aux result" \
        "{\"progressDetail\":{},\"aux\":{\"Tag\":\"1\",\"Digest\":\"$digest\",\"Size\":$manifest_size}}" \
        "$(jq -c 'select(.aux)' "$SL_TMP/api.body")"
sl_assert_eq "push stream: aux is the last line" "$(jq -c 'select(.aux)' "$SL_TMP/api.body")" \
        "$(tail -n 1 "$SL_TMP/api.body" | tr -d '\r')"
sl_assert_contains "RepoDigests has the pushed digest" "\"$R/bb@$digest\"" "$(repo_digests "$R/bb:1")"
sl_assert_eq "first push uploads two blobs" 2 \
        "$(($(registry_requests open '"POST /v2/bb/blobs/uploads/') - uploads_before))"

# ---- What the registry stores, as skopeo and the registry API see it
sl_run skopeo inspect --tls-verify=false --raw "docker://$R/bb:1"
raw=$SL_OUT
sl_assert_rc "skopeo reads the manifest" 0
sl_assert_eq "manifest media type" "application/vnd.docker.distribution.manifest.v2+json" \
        "$(jq -r .mediaType <<<"$raw")"
sl_assert_eq "manifest config media type" "application/vnd.docker.container.image.v1+json" \
        "$(jq -r .config.mediaType <<<"$raw")"
sl_assert_eq "manifest config is the image ID" "$busybox_id" "$(jq -r .config.digest <<<"$raw")"
sl_assert_eq "manifest layer media type" "application/vnd.docker.image.rootfs.diff.tar.gzip" \
        "$(jq -r '.layers[0].mediaType' <<<"$raw")"
sl_assert_eq "manifest has one layer" 1 "$(jq '.layers | length' <<<"$raw")"

sl_run skopeo inspect --tls-verify=false --config "docker://$R/bb:1"
sl_assert_eq "config diff IDs" "[\"$busybox_diff_id\"]" "$(jq -c .rootfs.diff_ids <<<"$SL_OUT")"
sl_assert_eq "config command" '["sh"]' "$(jq -c .config.Cmd <<<"$SL_OUT")"

layer_digest=$(jq -r '.layers[0].digest' <<<"$raw")
curl -s --noproxy '*' -o "$SL_TMP/layer.gz" "http://$R/v2/bb/blobs/$layer_digest"
sl_assert_eq "layer blob has its digest" "${layer_digest#sha256:}" "$(sha256sum <"$SL_TMP/layer.gz" | cut -d' ' -f1)"
sl_assert_eq "layer blob has its size" "$(jq -r '.layers[0].size' <<<"$raw")" "$(stat -c %s "$SL_TMP/layer.gz")"
sl_assert_eq "layer blob unpacks to the diff ID" "${busybox_diff_id#sha256:}" \
        "$(gzip -dc <"$SL_TMP/layer.gz" | sha256sum | cut -d' ' -f1)"

sl_run skopeo copy --src-tls-verify=false "docker://$R/bb:1" "dir:$SL_TMP/copied"
sl_assert_rc "skopeo copies the pushed image, checking every digest" 0

# ---- Second push: HEAD finds every blob, nothing is uploaded
uploads_before=$(registry_requests open '"POST /v2/bb/blobs/uploads/')
sl_run sl_docker push "$R/bb:1"
sl_assert_rc "second push" 0
sl_assert_contains "second push: layer already exists" "$busybox_short: Layer already exists" "$SL_OUT"
sl_assert_contains "second push: same digest" "1: digest: $digest size: $manifest_size" "$SL_OUT"
sl_assert_eq "second push uploads nothing" 0 \
        "$(($(registry_requests open '"POST /v2/bb/blobs/uploads/') - uploads_before))"

# ---- Another repository of the same registry: the layer is mounted
sl_docker tag sockerless-test/busybox:1.35 "$R/other/bb:2"
sl_run sl_docker push "$R/other/bb:2"
sl_assert_rc "push to another repository" 0
sl_assert_contains "layer mounted from the first repository" "$busybox_short: Mounted from bb" "$SL_OUT"
sl_assert_eq "mount request" 1 "$(registry_requests open '"POST /v2/other/bb/blobs/uploads/\?from=bb&mount=sha256%3A')"
sl_assert_contains "same manifest digest in the other repository" "2: digest: $digest" "$SL_OUT"

# ---- Every tag of a repository, sorted, sharing what the first pushed
sl_docker tag sockerless-test/layers:1 "$R/multi:a"
sl_docker tag sockerless-test/busybox:1.35 "$R/multi:b"
sl_run sl_docker push "$R/multi"
sl_assert_ne "push without tag pushes latest only" 0 "$SL_RC"
sl_assert_contains "push without tag: latest is missing" "tag does not exist: $R/multi:latest" "$SL_ERR"

push_api "$R/multi" "" -H "X-Registry-Auth: $no_auth"
sl_assert_eq "all tags: no error" "" "$(jq -r 'select(.error) | .error' "$SL_TMP/api.body")"
sl_assert_eq "all tags: both tags in order" "a b" \
        "$(jq -r 'select(.aux) | .aux.Tag' "$SL_TMP/api.body" | tr '\n' ' ' | sed 's/ $//')"
sl_assert_eq "all tags: one first line" 1 "$(grep -c 'The push refers to repository' "$SL_TMP/api.body")"
sl_assert_eq "all tags: tag b reuses the layer of tag a" \
        "{\"status\":\"Layer already exists\",\"progressDetail\":{},\"id\":\"$busybox_short\"}" \
        "$(sed -n '/"Tag":"a"/,$p' "$SL_TMP/api.body" |
                jq -c "select(.id == \"$busybox_short\" and .status == \"Layer already exists\")")"
sl_assert_eq "all tags: layers image has its digest" "$(manifest_digest "$R" multi a)" \
        "$(jq -r 'select(.aux.Tag == "a") | .aux.Digest' "$SL_TMP/api.body")"

# ---- More layers than uploads at once: the rest wait
"$SL_PYTHON" - "$SL_TMP/stack.tar" <<'EOF'
import hashlib, io, json, sys, tarfile

layers, diff_ids = [], []
for i in range(7):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        data = ("layer %d\n" % i).encode() * (i + 1)
        info = tarfile.TarInfo("file%d" % i)
        info.size, info.mtime = len(data), 1672531200
        tar.addfile(info, io.BytesIO(data))
    layers.append(buf.getvalue())
    diff_ids.append("sha256:" + hashlib.sha256(buf.getvalue()).hexdigest())
config = json.dumps({"architecture": "amd64", "os": "linux", "created": "2023-01-01T00:00:00Z",
                     "config": {"Cmd": ["true"]},
                     "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
config_name = hashlib.sha256(config).hexdigest() + ".json"
with tarfile.open(sys.argv[1], "w") as out:
    def add(name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
    names = []
    for i, layer in enumerate(layers):
        names.append("layer%d.tar" % i)
        add(names[-1], layer)
    add(config_name, config)
    add("manifest.json", json.dumps([{"Config": config_name, "RepoTags": ["sockerless-test/stack:7"],
                                      "Layers": names}]).encode())
EOF
sl_run sl_docker load -i "$SL_TMP/stack.tar"
sl_assert_rc "load a seven-layer image" 0
sl_docker tag sockerless-test/stack:7 "$R/stack:7"
push_api "$R/stack" "tag=7" -H "X-Registry-Auth: $no_auth"
sl_assert_eq "seven layers: no error" "" "$(jq -r 'select(.error) | .error' "$SL_TMP/api.body")"
sl_assert_eq "seven layers: seven Preparing" 7 "$(stream_lines Preparing | wc -l)"
sl_assert_eq "seven layers: two wait for an upload slot" 2 "$(stream_lines Waiting | wc -l)"
sl_assert_eq "seven layers: seven Pushed" 7 "$(stream_lines Pushed | wc -l)"
sl_run skopeo copy --src-tls-verify=false "docker://$R/stack:7" "dir:$SL_TMP/stack-copy"
sl_assert_rc "skopeo copies the seven-layer image" 0

# daemon.json's max-concurrent-uploads: one layer at a time, six wait.
cp "$SL_CONFIG" "$SL_TMP/config.saved"
jq '. + {"max-concurrent-uploads": 1}' "$SL_TMP/config.saved" >"$SL_CONFIG"
sl_daemon_restart
sl_docker tag sockerless-test/stack:7 "$R/stack-one:7"
push_api "$R/stack-one" "tag=7" -H "X-Registry-Auth: $no_auth"
sl_assert_eq "one upload at a time: no error" "" "$(jq -r 'select(.error) | .error' "$SL_TMP/api.body")"
sl_assert_eq "one upload at a time: six wait" 6 "$(stream_lines Waiting | wc -l)"
cp "$SL_TMP/config.saved" "$SL_CONFIG"
sl_daemon_restart

# ---- Round trip: remove the image, pull it back, same ID and digest
sl_run sl_docker rmi -f "$busybox_id"
sl_assert_rc "remove the pushed image" 0
sl_run sl_docker pull "$R/bb:1"
if [[ $SL_ERR == *"not available in this build"* ]]; then
        sl_skip "pull gives back the pushed image" "this build cannot pull"
else
        sl_assert_rc "pull the pushed image" 0
        sl_assert_eq "pulled image has the pushed image's ID" "$busybox_id" \
                "$(sl_docker image inspect -f '{{.Id}}' "$R/bb:1")"
        sl_assert_contains "pulled image has the pushed digest" "\"$R/bb@$digest\"" "$(repo_digests "$R/bb:1")"

        # A pulled image pushes to another repository without an upload.
        sl_run sl_docker push "$R/bb:1"
        sl_assert_contains "pulled image: layer already exists" "$busybox_short: Layer already exists" "$SL_OUT"
        registry_seed "$R" busybox
        sl_run sl_docker pull "$R/sockerless-test/busybox:1.35-single"
        sl_assert_rc "pull an image that skopeo pushed" 0
        sl_docker tag "$R/sockerless-test/busybox:1.35-single" "$R/copy:1"
        sl_run sl_docker push "$R/copy:1"
        sl_assert_rc "push a pulled image to another repository" 0
        # Which known repository dockerd mounts from depends on its own
        # ranking of candidates.
        sl_assert_match "pulled image: layer mounted, not uploaded" "$busybox_short: Mounted from " "$SL_OUT"
fi
sl_docker load -q -i "$(sl_image_archive busybox)" >/dev/null

# ---- Chunked uploads: a layer larger than one chunk goes in PATCHes
if sl_image_try_load debian; then
        sl_docker tag sockerless-test/debian:bookworm "$R/debian:12"
        patches_before=$(registry_requests open '"PATCH /v2/debian/blobs/uploads/')
        sl_run sl_docker push "$R/debian:12"
        sl_assert_rc "push the Debian image" 0
        patches=$(($(registry_requests open '"PATCH /v2/debian/blobs/uploads/') - patches_before))
        if sl_engine_is dockerd; then
                # dockerd streams each blob in one PATCH.
                sl_assert_eq "dockerd sends one PATCH per blob" 2 "$patches"
        else
                # The base layer is about 49 MB of gzip, so 16 MiB chunks.
                sl_assert_match "layer sent in several chunks" '^[3-9]$' "$patches"
        fi
        sl_run skopeo copy --src-tls-verify=false "docker://$R/debian:12" "dir:$SL_TMP/debian-copy"
        sl_assert_rc "skopeo copies the chunked upload" 0
else
        sl_skip "chunked upload of the Debian image" "$SL_SKIP_REASON"
fi

# ---- A failed upload is retried after 5 seconds, as dockerd does: a
# proxy in front of the registry fails the first commit of a blob.
flaky_dir=$REGISTRY_OPEN_DIR/flaky
registry_start_python_server open "$flaky_dir" "$SL_SRCDIR/../fixtures/flaky-proxy.py" \
        --upstream "$R" --fail-method PUT --fail-match 'digest=' --times 1
F=127.0.0.1:$(cat "$flaky_dir/port")
sl_docker tag sockerless-test/busybox:1.35 "$F/flaky:1"
sl_run sl_docker push "$F/flaky:1"
sl_assert_rc "push through a failing proxy succeeds" 0
sl_assert_contains "failed upload: retry announced" "$busybox_short: Retrying in 5 seconds" "$SL_OUT"
sl_assert_contains "failed upload: countdown to one second" "$busybox_short: Retrying in 1 second" "$SL_OUT"
sl_assert_contains "failed upload: pushed on the second attempt" "$busybox_short: Pushed" "$SL_OUT"
sl_assert_eq "failed upload: one request failed" 1 "$(grep -c '"failed": true' "$flaky_dir/requests.log")"

# ---- Basic auth
sl_docker tag sockerless-test/busybox:1.35 "$B/bb:1"
sl_run sl_docker push "$B/bb:1"
sl_assert_ne "push to a Basic auth registry without login fails" 0 "$SL_RC"
sl_assert_contains "push without login: no credentials" "no basic auth credentials" "$SL_ERR"
sl_assert_not_contains "push without login: fails before any upload" "Pushed" "$SL_OUT"
store_login "$B" alice alice-password
sl_run sl_docker push "$B/bb:1"
sl_assert_rc "push with Basic auth" 0
sl_assert_contains "push with Basic auth: layer pushed" "$busybox_short: Pushed" "$SL_OUT"
sl_assert_eq "Basic auth registry serves the pushed digest" "$digest" \
        "$(curl -s --noproxy '*' -u alice:alice-password -o /dev/null -D - \
                -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
                "http://$B/v2/bb/manifests/1" | tr -d '\r' | awk 'tolower($1) == "docker-content-digest:" { print $2 }')"

# ---- Token auth: the scopes of push and of a mount's source
token_log=$REGISTRY_TOKEN_TOKEN_LOG
sl_docker tag sockerless-test/busybox:1.35 "$T/bb:1"
store_login "$T" alice alice-password
sl_run sl_docker push "$T/bb:1"
sl_assert_rc "push with a token" 0
# dockerd requests "push,pull", and the order carries no meaning.
sl_assert_match "token for push asks for pull and push" '"repository:bb:(pull,push|push,pull)"' \
        "$(jq -c '.scopes' "$token_log" | sort -u)"

sl_docker tag sockerless-test/busybox:1.35 "$T/other:1"
sl_run sl_docker push "$T/other:1"
sl_assert_rc "push to another repository with a token" 0
sl_assert_contains "token registry: layer mounted" "$busybox_short: Mounted from bb" "$SL_OUT"
sl_assert_contains "token for the mount also reads the source" '"repository:bb:pull"' \
        "$(jq -c 'select(.scopes | any(startswith("repository:other:"))) | .scopes' "$token_log" | sort -u)"

store_login "$T" bob bob-password
sl_docker tag sockerless-test/busybox:1.35 "$T/bob:1"
sl_run sl_docker push "$T/bob:1"
sl_assert_ne "a reader cannot push" 0 "$SL_RC"
sl_assert_match "a reader gets an auth error" 'denied|unauthorized|authentication required' "$SL_ERR"

sl_done
