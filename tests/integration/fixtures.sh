#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The images that tests/fixtures/mkimage.py writes match the prebuilt ones in
# SOCKERLESS_TEST_IMAGES: the same docker image inspect output apart from
# IDs, dates, layer digests and the fields only a builder container sets,
# the same history, and the same files.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"

if [ -z "${SOCKERLESS_TEST_IMAGES:-}" ] || [ ! -f "$SOCKERLESS_TEST_IMAGES/layers.tar" ]; then
        sl_skip_all "no prebuilt images in SOCKERLESS_TEST_IMAGES to compare with"
fi
sl_setup

generated=$SL_TMP/generated
mkdir -p "$generated"
"$SL_PYTHON" "$SL_SRCDIR/../fixtures/mkimage.py" busybox "$generated/busybox.tar" ||
        sl_bail "mkimage.py busybox failed"
"$SL_PYTHON" "$SL_SRCDIR/../fixtures/mkimage.py" layers "$generated/layers.tar" --base "$generated/busybox.tar" ||
        sl_bail "mkimage.py layers failed"

# Fields that differ by construction: IDs, dates and digests, the Docker
# version and builder container that only `docker build` records.
normalized_inspect() {
        sl_docker image inspect "$@" | jq 'map(del(.Id, .Created, .Container, .ContainerConfig,
                .DockerVersion, .GraphDriver, .Metadata, .RepoDigests, .Parent)
                | .Config.Image = "" | .RootFS.Layers |= length)'
}

history() {
        sl_docker history --no-trunc --format '{{.CreatedBy}}|{{.Size}}|{{.Comment}}' "$1"
}

# Files of the layers image, with owners and modes but no times.
listing() {
        sl_docker run --rm -u 0 --entrypoint sh sockerless-test/layers:1 -c \
                'for d in / /bin /etc /home /home/app /keep /data /tmp; do
                        ls -lan "$d" | awk "NR > 1 { print \$1, \$3, \$4, \$5, \$NF }"
                 done; cat /etc/passwd /etc/group'
}

# describe DIRECTORY PREFIX: load the busybox and layers images from
# DIRECTORY and write their inspect output, history and file listing to
# PREFIX.inspect, PREFIX.history and PREFIX.listing.
describe() {
        sl_docker rmi -f sockerless-test/busybox:1.35 sockerless-test/layers:1 >/dev/null 2>&1
        sl_docker load -q -i "$1/busybox.tar" >/dev/null || sl_bail "docker load of $1/busybox.tar failed"
        sl_docker load -q -i "$1/layers.tar" >/dev/null || sl_bail "docker load of $1/layers.tar failed"
        normalized_inspect sockerless-test/busybox:1.35 sockerless-test/layers:1 >"$2.inspect"
        history sockerless-test/layers:1 >"$2.history"
        listing >"$2.listing"
}

describe "$SOCKERLESS_TEST_IMAGES" "$SL_TMP/prebuilt"
describe "$generated" "$SL_TMP/generated"

for part in inspect history listing; do
        if diff -u "$SL_TMP/prebuilt.$part" "$SL_TMP/generated.$part" >"$SL_TMP/$part.diff"; then
                sl_ok "generated images: same $part"
        else
                sl_not_ok "generated images: same $part" "$(cat "$SL_TMP/$part.diff")"
        fi
done

sl_done
