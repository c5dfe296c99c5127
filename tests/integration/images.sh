#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Images: docker load (plain, gzip'd, several images in one, OCI layout),
# docker images filters, inspect, tag, rmi, history and import.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup

busybox_tar=$(sl_image_archive busybox) || sl_bail "no busybox image archive"
layers_tar=$(sl_image_archive layers) || sl_bail "no layers image archive"
mkimage() {
        "$SL_PYTHON" "$SL_SRCDIR/../fixtures/mkimage.py" "$@"
}

# Image ID that an archive's manifest.json names for its first image.
archive_image_id() {
        local config
        config=$(tar -xOf "$1" manifest.json | jq -r '.[0].Config')
        config=${config##*/}
        echo "sha256:${config%.json}"
}

image_id() {
        sl_docker image inspect -f '{{.Id}}' "$1" 2>/dev/null
}

# ---- docker load: plain, gzip'd and several images in one archive
sl_run sl_docker load -i "$busybox_tar"
sl_assert_rc "load plain archive" 0
sl_assert_out "load plain archive output" "Loaded image: sockerless-test/busybox:1.35"
sl_assert_eq "loaded image ID is the config digest" "$(archive_image_id "$busybox_tar")" \
        "$(image_id sockerless-test/busybox:1.35)"

sl_run sl_docker rmi sockerless-test/busybox:1.35
sl_assert_rc "remove image before gzip'd load" 0
gzip -c "$busybox_tar" >"$SL_TMP/busybox.tar.gz"
sl_run sl_docker load -i "$SL_TMP/busybox.tar.gz"
sl_assert_rc "load gzip'd archive" 0
sl_assert_out "load gzip'd archive output" "Loaded image: sockerless-test/busybox:1.35"

sl_run sl_docker load <"$SL_TMP/busybox.tar.gz"
sl_assert_rc "load archive from stdin" 0
sl_assert_out "load from stdin output" "Loaded image: sockerless-test/busybox:1.35"

sl_run sl_docker rmi sockerless-test/busybox:1.35
mkimage merge "$SL_TMP/family.tar" "$busybox_tar" "$layers_tar"
sl_run sl_docker load -i "$SL_TMP/family.tar"
sl_assert_rc "load two images in one archive" 0
sl_assert_contains "two images: busybox loaded" "Loaded image: sockerless-test/busybox:1.35" "$SL_OUT"
sl_assert_contains "two images: layers loaded" "Loaded image: sockerless-test/layers:1" "$SL_OUT"
sl_assert_eq "two images: shared base layer" \
        "$(sl_docker image inspect -f '{{index .RootFS.Layers 0}}' sockerless-test/busybox:1.35)" \
        "$(sl_docker image inspect -f '{{index .RootFS.Layers 0}}' sockerless-test/layers:1)"

printf 'not a tar archive\n' >"$SL_TMP/garbage.tar"
sl_run sl_docker load -i "$SL_TMP/garbage.tar"
sl_assert_ne "load of garbage fails" 0 "$SL_RC"
sl_assert_match "load of garbage has an error message" '.' "$SL_ERR"

# ---- OCI image layout archive
if oci_tar=$(sl_image_archive oci); then
        sl_run sl_docker load -i "$oci_tar"
        if sl_engine_is dockerd; then
                # dockerd 20.10 reads only docker-archives: it looks for the
                # legacy per-layer json files and fails.
                sl_assert_ne "load OCI archive fails on dockerd 20.10" 0 "$SL_RC"
        else
                # NOTE: what Docker 25 and later print here was not checked.
                sl_assert_rc "load OCI archive" 0
                sl_assert_eq "OCI image picked for the host" "$(sl_docker version -f '{{.Server.Arch}}')" \
                        "$(sl_docker image inspect -f '{{.Architecture}}' sockerless-test/busybox:1.35)"
                # The OCI image took the busybox tag: give it back to the
                # docker-archive image and drop the OCI one, so the checks
                # below see the images they expect.
                oci_id=$(sl_docker image inspect -f '{{.Id}}' sockerless-test/busybox:1.35)
                sl_run sl_docker load -i "$(sl_image_archive busybox)"
                sl_assert_rc "reload busybox after the OCI archive" 0
                sl_run sl_docker rmi "$oci_id"
                sl_assert_rc "remove the OCI image" 0
        fi
else
        sl_skip "load OCI archive" "no OCI archive"
fi

# ---- docker images and its filters
sl_run sl_docker images --format '{{.Repository}}:{{.Tag}}'
sl_assert_eq "images lists both" "sockerless-test/busybox:1.35 sockerless-test/layers:1" \
        "$(tr '\n' ' ' <<<"$SL_OUT" | xargs -n1 | sort | xargs)"

sl_run sl_docker images --filter 'reference=sockerless-test/b*' --format '{{.Repository}}:{{.Tag}}'
sl_assert_out "filter reference glob" "sockerless-test/busybox:1.35"
sl_run sl_docker images --filter 'reference=*/*:1' --format '{{.Repository}}:{{.Tag}}'
sl_assert_out "filter reference tag glob" "sockerless-test/layers:1"
sl_run sl_docker images --filter 'label=org.example.suite=sockerless' --format '{{.Repository}}'
sl_assert_out "filter label key=value" "sockerless-test/layers"
sl_run sl_docker images --filter 'label=org.example.layers' --format '{{.Repository}}'
sl_assert_out "filter label key" "sockerless-test/layers"
sl_run sl_docker images --filter 'label=org.example.suite=other' -q
sl_assert_out "filter label other value" ""
sl_run sl_docker images --filter dangling=true -q
sl_assert_out "no dangling images yet" ""
sl_run sl_docker images -q --no-trunc sockerless-test/layers
sl_assert_out "images by repository" "$(image_id sockerless-test/layers:1)"

# ---- docker image inspect
layers=sockerless-test/layers:1
inspect() {
        sl_docker image inspect -f "$1" "$layers"
}
sl_assert_match "inspect Id" '^sha256:[0-9a-f]{64}$' "$(inspect '{{.Id}}')"
sl_assert_eq "inspect Id is the config digest" "$(archive_image_id "$layers_tar")" "$(inspect '{{.Id}}')"
sl_assert_eq "inspect RepoTags" '["sockerless-test/layers:1"]' "$(inspect '{{json .RepoTags}}')"
sl_assert_eq "inspect Os" linux "$(inspect '{{.Os}}')"
sl_assert_eq "inspect Architecture" "$(sl_docker version -f '{{.Server.Arch}}')" "$(inspect '{{.Architecture}}')"
sl_assert_eq "inspect User" app "$(inspect '{{.Config.User}}')"
sl_assert_eq "inspect Env" \
        '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","GREETING=hello world","EMPTY="]' \
        "$(inspect '{{json .Config.Env}}')"
sl_assert_eq "inspect Entrypoint" '["/bin/sh","-c"]' "$(inspect '{{json .Config.Entrypoint}}')"
sl_assert_eq "inspect Cmd" '["echo $GREETING from $(id -un) in $(pwd)"]' "$(inspect '{{json .Config.Cmd}}')"
sl_assert_eq "inspect WorkingDir" /home/app "$(inspect '{{.Config.WorkingDir}}')"
sl_assert_eq "inspect Labels" '{"org.example.layers":"4","org.example.suite":"sockerless"}' \
        "$(inspect '{{json .Config.Labels}}')"
sl_assert_eq "inspect ExposedPorts" '{"53/udp":{},"8080/tcp":{}}' "$(inspect '{{json .Config.ExposedPorts}}')"
sl_assert_eq "inspect Volumes" '{"/home/app/state":{}}' "$(inspect '{{json .Config.Volumes}}')"
sl_assert_eq "inspect Healthcheck" \
        '{"Test":["CMD-SHELL","test -f /tmp/healthy"],"Interval":2000000000,"Timeout":1000000000,"Retries":2}' \
        "$(inspect '{{json .Config.Healthcheck}}')"
sl_assert_eq "inspect StopSignal" SIGUSR1 "$(inspect '{{.Config.StopSignal}}')"
sl_assert_eq "inspect RootFS type" layers "$(inspect '{{.RootFS.Type}}')"
sl_assert_eq "inspect RootFS layer count" 4 "$(inspect '{{len .RootFS.Layers}}')"
sl_assert_eq "inspect Size" 1984413 "$(inspect '{{.Size}}')"
sl_assert_eq "inspect busybox Comment" "Imported from -" \
        "$(sl_docker image inspect -f '{{.Comment}}' sockerless-test/busybox:1.35)"
sl_run sl_docker image inspect sl-images/missing:1
sl_assert_rc "inspect missing image exit code" 1
sl_assert_contains "inspect missing image message" "No such image: sl-images/missing:1" "$SL_ERR"

# ---- docker history
sl_run sl_docker history --no-trunc --format '{{.CreatedBy}}|{{.Size}}|{{.Comment}}' "$layers"
sl_assert_rc "history exit code" 0
history=$SL_OUT
sl_assert_eq "history rows" 14 "$(wc -l <<<"$history")"
sl_assert_eq "history newest row" '/bin/sh -c #(nop)  CMD ["echo $GREETING from $(id -un) in $(pwd)"]|0B|' \
        "$(head -n 1 <<<"$history")"
sl_assert_eq "history base row" '|1.98MB|Imported from -' "$(tail -n 1 <<<"$history")"
sl_assert_eq "history whiteout layer" \
        '/bin/sh -c rm /keep/gone && rm -rf /data && mkdir -p /data && echo v2 >/data/new|3B|' \
        "$(sed -n 12p <<<"$history")"
sl_run sl_docker history -q "$layers"
sl_assert_eq "history -q first row is the image" "$(inspect '{{.Id}}' | cut -c8-19)" "$(head -n 1 <<<"$SL_OUT")"
sl_assert_eq "history -q older rows missing" "<missing>" "$(sed -n 2p <<<"$SL_OUT")"

# ---- docker tag
sl_check "tag image" sl_docker tag sockerless-test/busybox:1.35 sl-images/tagged:v1
sl_assert_eq "tag shares the image ID" "$(image_id sockerless-test/busybox:1.35)" "$(image_id sl-images/tagged:v1)"
sl_assert_eq "tag in RepoTags" '["sl-images/tagged:v1","sockerless-test/busybox:1.35"]' \
        "$(sl_docker image inspect -f '{{json .RepoTags}}' sl-images/tagged:v1 | jq -c sort)"
sl_run sl_docker tag sl-images/missing:1 sl-images/other:1
sl_assert_rc "tag of missing image fails" 1
sl_assert_contains "tag of missing image message" "No such image: sl-images/missing:1" "$SL_ERR"

# ---- docker rmi: untag, conflict with a container, force
sl_run sl_docker rmi sl-images/tagged:v1
sl_assert_rc "rmi of second tag" 0
sl_assert_out "rmi of second tag only untags" "Untagged: sl-images/tagged:v1"
sl_assert_match "image kept after untag" '^sha256:' "$(image_id sockerless-test/busybox:1.35)"

busybox_id=$(image_id sockerless-test/busybox:1.35)
container=$(sl_docker create --name sl-images-user sockerless-test/busybox:1.35 true)
sl_run sl_docker rmi sockerless-test/busybox:1.35
sl_assert_rc "rmi of image in use fails" 1
sl_assert_contains "rmi of image in use message" "conflict: unable to remove repository reference" "$SL_ERR"
sl_api DELETE /images/sockerless-test/busybox:1.35
sl_assert_eq "rmi of image in use is 409" 409 "$SL_API_STATUS"
sl_api DELETE "/images/$busybox_id"
sl_assert_eq "rmi by ID of image in use is 409" 409 "$SL_API_STATUS"
sl_assert_contains "rmi by ID message names the container" "${container:0:12}" "$SL_API_BODY"

sl_run sl_docker rmi -f sockerless-test/busybox:1.35
sl_assert_rc "rmi -f of image in use" 0
sl_assert_contains "rmi -f untags" "Untagged: sockerless-test/busybox:1.35" "$SL_OUT"
sl_run sl_docker image inspect sockerless-test/busybox:1.35
sl_assert_rc "rmi -f removed the tag" 1
sl_assert_eq "container survives rmi -f" "$container" "$(sl_docker inspect -f '{{.Id}}' sl-images-user)"
sl_docker rm sl-images-user >/dev/null
sl_run sl_docker rmi sl-images/missing:1
sl_assert_rc "rmi of missing image" 1
sl_assert_contains "rmi of missing image message" "No such image: sl-images/missing:1" "$SL_ERR"

sl_image_load busybox

# ---- docker import from stdin
rootfs=$SL_TMP/rootfs.tar
base_layer=$(tar -xOf "$busybox_tar" manifest.json | jq -r '.[0].Layers[0]')
tar -xOf "$busybox_tar" "$base_layer" >"$rootfs"

sl_run sl_docker import -c 'CMD ["x"]' - sl-images/import:cmd <"$rootfs"
sl_assert_rc "import with CMD" 0
sl_assert_match "import prints the image ID" '^sha256:[0-9a-f]{64}$' "$SL_OUT"
sl_assert_eq "import CMD in config" '["x"]' \
        "$(sl_docker image inspect -f '{{json .Config.Cmd}}' sl-images/import:cmd)"
sl_assert_eq "import Comment" "Imported from -" \
        "$(sl_docker image inspect -f '{{.Comment}}' sl-images/import:cmd)"
sl_assert_eq "import layer is the tar's digest" "sha256:$(sha256sum <"$rootfs" | cut -d' ' -f1)" \
        "$(sl_docker image inspect -f '{{index .RootFS.Layers 0}}' sl-images/import:cmd)"

# A rejected change is answered while the CLI still streams the tar: the
# reply must reach it every time, never a broken pipe or a hang.
for attempt in 1 2 3 4 5; do
        sl_run sl_docker import -c 'BOGUS x' - sl-images/import:bad <"$rootfs"
        sl_assert_ne "import with an invalid change fails ($attempt)" 0 "$SL_RC"
        sl_assert_match "import with an invalid change message ($attempt)" 'bogus is not a valid change command' "$SL_ERR"
done
head -c 300000 /dev/urandom >"$SL_TMP/not-a-tar"
sl_run sl_docker import "$SL_TMP/not-a-tar" sl-images/import:junk
sl_assert_ne "import of a non-tar fails" 0 "$SL_RC"
sl_assert_match "import of a non-tar message" '.' "$SL_ERR"

sl_run sl_docker import -c 'ENV A=b' - sl-images/import:env <"$rootfs"
sl_assert_rc "import with ENV" 0
sl_assert_eq "import ENV in config" '["A=b"]' \
        "$(sl_docker image inspect -f '{{json .Config.Env}}' sl-images/import:env)"
sl_run sl_docker run --rm sl-images/import:env sh -c 'echo $A'
sl_assert_out "imported image runs with its ENV" b

sl_run sl_docker import - <"$rootfs"
sl_assert_rc "import without a tag" 0
dangling=$SL_OUT
sl_run sl_docker images --filter dangling=true -q --no-trunc
sl_assert_out "untagged import is dangling" "$dangling"
sl_run sl_docker rmi "$dangling"
sl_assert_contains "rmi of dangling image deletes it" "Deleted: $dangling" "$SL_OUT"

sl_done
