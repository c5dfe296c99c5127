#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker save (its archive, a load of it, errors), docker system df,
# docker image prune filters and docker search, through the docker CLI.
# With SOCKERLESS_TEST_ENGINE=dockerd the same checks run against dockerd,
# except search, which dockerd would send to Docker Hub.

# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup

sl_image_load busybox layers
busybox=sockerless-test/busybox:1.35
layers=sockerless-test/layers:1
saved=$SL_TMP/saved.tar

image_id() {
        sl_docker image inspect -f '{{.Id}}' "$1" 2>/dev/null
}

# member ARCHIVE PATH: print one member of a tar archive.
member() {
        tar -xOf "$1" "$2"
}

busybox_id=$(image_id "$busybox")
layers_id=$(image_id "$layers")

# ---- docker save: the archive
sl_run sl_docker save -o "$saved" "$layers" "$busybox"
sl_assert_rc "save two images" 0

manifest=$(member "$saved" manifest.json)
sl_assert_eq "manifest lists both images" 2 "$(jq length <<<"$manifest")"
sl_assert_eq "manifest keeps tags" '["sockerless-test/layers:1"]["sockerless-test/busybox:1.35"]' \
        "$(jq -c '.[].RepoTags' <<<"$manifest" | tr -d '\n')"
sl_assert_eq "config member keeps the image ID" "$layers_id" \
        "sha256:$(member "$saved" "$(jq -r '.[0].Config' <<<"$manifest")" | sha256sum | cut -d' ' -f1)"

# Every layer.tar (a symlink for a layer saved under another v1 ID) has
# the digest the config names.
layer_digests=
expected=
for i in 0 1; do
        config=$(member "$saved" "$(jq -r ".[$i].Config" <<<"$manifest")")
        for path in $(jq -r ".[$i].Layers[]" <<<"$manifest"); do
                link=$(tar -tvf "$saved" "$path" | awk '$1 ~ /^l/ { print $NF }')
                [ -z "$link" ] || path=${link#../}
                layer_digests+="sha256:$(member "$saved" "$path" | sha256sum | cut -d' ' -f1) "
        done
        expected+=$(jq -r '.rootfs.diff_ids | join(" ")' <<<"$config")" "
done
sl_assert_eq "layer tars have the diff IDs' digests" "$expected" "$layer_digests"

sl_assert_eq "repositories names the top layers" \
        "$(jq -r '.[1].Layers[-1] | split("/")[0]' <<<"$manifest")" \
        "$(member "$saved" repositories | jq -r '.["sockerless-test/busybox"]["1.35"]')"
sl_assert_eq "members in directory walk order" "$(tar -tf "$saved" | LC_ALL=C sort -t/ -k1,1 -s)" \
        "$(tar -tf "$saved")"

# What dockerd 20.10.24 writes for the prebuilt test images, member for
# member (v1 IDs and json included).
if [ "$layers_id" = sha256:4a0f6e7308093fbfcdf77c81f156c393f737a02f28ab4503da900d02d4aec949 ]; then
        sl_assert_eq "manifest as dockerd writes it" \
                "54406ed6d80b4a775b5feab4da857837d563383768578af11d629583e9587251/layer.tar 1e40c913d0912ae95260321958a6bd54172ec323c7f2dabf26198f64714d6985/layer.tar b7deb74a6f17a3dba06a3f53fa9216ad76d090fceddbe41eca0668caeba16bb8/layer.tar ac9ed78b013c5a1304e2d068002f6fcf5dd4149227d78e0312c046b8e0418846/layer.tar d944710efb9cf4748508c97a2c9806d1e44a7b0af9132a1a3be5d954364348d1/layer.tar" \
                "$(jq -r '[.[].Layers[]] | join(" ")' <<<"$manifest")"
        sl_assert_eq "base layer json as dockerd writes it" \
                "0658500e90280fb10439c0841094618b5a0435d5f2ef4f24a189e58b120aec98" \
                "$(member "$saved" 54406ed6d80b4a775b5feab4da857837d563383768578af11d629583e9587251/json |
                        sha256sum | cut -d' ' -f1)"
        sl_assert_eq "top layer json as dockerd writes it" \
                "17a84ac71a722c5702b68294e3982b8e1377b98d137f12f735a08795d9a176f9" \
                "$(member "$saved" ac9ed78b013c5a1304e2d068002f6fcf5dd4149227d78e0312c046b8e0418846/json |
                        sha256sum | cut -d' ' -f1)"
else
        sl_skip "manifest as dockerd writes it" "the test images were rebuilt, so their IDs differ"
        sl_skip "base layer json as dockerd writes it" "the test images were rebuilt"
        sl_skip "top layer json as dockerd writes it" "the test images were rebuilt"
fi

if command -v skopeo >/dev/null; then
        sl_run skopeo inspect --raw "docker-archive:$saved:$busybox"
        sl_assert_rc "skopeo reads the archive" 0
else
        sl_skip "skopeo reads the archive" "skopeo is not installed"
fi

# ---- docker load of the saved archive gives back the same images
sl_run sl_docker rmi "$layers" "$busybox"
sl_run sl_docker load -i "$saved"
sl_assert_rc "load the saved archive" 0
sl_assert_eq "reloaded busybox keeps its ID" "$busybox_id" "$(image_id "$busybox")"
sl_assert_eq "reloaded layers keeps its ID" "$layers_id" "$(image_id "$layers")"
sl_run sl_docker run --rm "$layers"
sl_assert_out "reloaded image runs" "hello world from app in /home/app"

# ---- names: a repository takes all its tags, an ID none
sl_docker tag "$busybox" sockerless-test/busybox:extra
sl_run sl_docker save -o "$SL_TMP/repo.tar" sockerless-test/busybox
sl_assert_eq "repository name saves every tag" '["sockerless-test/busybox:1.35","sockerless-test/busybox:extra"]' \
        "$(member "$SL_TMP/repo.tar" manifest.json | jq -c '.[0].RepoTags | sort')"
sl_run sl_docker save -o "$SL_TMP/id.tar" "$busybox_id"
sl_assert_eq "image ID saves no tag" null "$(member "$SL_TMP/id.tar" manifest.json | jq -c '.[0].RepoTags')"
sl_assert_eq "no repositories without tags" "" "$(tar -tf "$SL_TMP/id.tar" | grep -x repositories)"
sl_docker rmi sockerless-test/busybox:extra >/dev/null

sl_run sl_docker save -o "$SL_TMP/none.tar" sockerless-test/nosuch
sl_assert_contains "save of a missing image" "No such image: sockerless-test/nosuch" "$SL_ERR"
sl_run sl_docker save -o "$SL_TMP/none.tar" sockerless-test/busybox:nosuch
sl_assert_contains "save of a missing tag" "reference does not exist" "$SL_ERR"
status=$(curl -sS --max-time "$SL_TIMEOUT" --unix-socket "$SL_SOCK" -o "$SL_TMP/two.tar" -w '%{http_code}' \
        "http://localhost/v1.41/images/get?names=$busybox&names=$layers")
sl_assert_eq "images/get with two names" "200 2" "$status $(member "$SL_TMP/two.tar" manifest.json | jq length)"

# ---- docker system df
sl_run sl_docker create --name df-user "$busybox" sh -c 'dd if=/dev/zero of=/big bs=1k count=64'
sl_run sl_docker start -a df-user
sl_api GET /v1.41/system/df
df=$SL_API_BODY
sl_assert_eq "df keys" '["LayersSize","Images","Containers","Volumes","BuildCache","BuilderSize"]' \
        "$(jq -c 'keys_unsorted' <<<"$df")"
sl_assert_eq "df counts the container of busybox" "1 0" \
        "$(jq -r --arg b "$busybox_id" --arg l "$layers_id" \
                '[(.Images[] | select(.Id == $b) | .Containers), (.Images[] | select(.Id == $l) | .Containers)] | join(" ")' <<<"$df")"
sl_assert_eq "df shares the base layer" "$(jq -r --arg b "$busybox_id" '.Images[] | select(.Id == $b) | .Size' <<<"$df")" \
        "$(jq -r --arg l "$layers_id" '.Images[] | select(.Id == $l) | .SharedSize' <<<"$df")"
sl_assert_eq "df LayersSize counts each layer once" \
        "$(jq -r --arg l "$layers_id" '.Images[] | select(.Id == $l) | .Size' <<<"$df")" "$(jq -r .LayersSize <<<"$df")"
sl_assert_eq "df container sizes" "65536 true" \
        "$(jq -r '.Containers[] | select(.Names == ["/df-user"]) | "\(.SizeRw) \(.SizeRootFs > .SizeRw)"' <<<"$df")"
sl_assert_eq "df volumes and build cache" "[] null" "$(jq -c '.Volumes, .BuildCache' <<<"$df" | tr '\n' ' ' | sed 's/ $//')"
sl_run sl_docker system df
sl_assert_match "docker system df images row" 'Images +2 +1 ' "$SL_OUT"
sl_run sl_docker system df -v
sl_assert_match "docker system df -v unique size" 'sockerless-test/layers +1 .* 172B +0' "$SL_OUT"
sl_docker rm df-user >/dev/null

# ---- docker image prune
sl_run sl_docker image prune -f --filter until=garbage
sl_assert_contains "prune until garbage" 'failed to parse value as time or duration: "garbage"' "$SL_ERR"
sl_run sl_docker image prune -f --filter until=2023-13-01
sl_assert_contains "prune until bad month" 'parsing time "2023-13-01": month out of range' "$SL_ERR"
sl_run sl_docker image prune -f --filter until=1h --filter until=2h
sl_assert_contains "prune two untils" "more than one until filter specified" "$SL_ERR"
sl_run sl_docker image prune -f --filter foo=bar
sl_assert_contains "prune unknown filter" "Invalid filter 'foo'" "$SL_ERR"
sl_run sl_docker image prune -a -f --filter until=2000-01-01
sl_assert_out "prune until 2000 keeps everything" "Total reclaimed space: 0B"
sl_run sl_docker image prune -a -f --filter 'label!=org.example.suite=sockerless' --filter until=0
sl_assert_out "prune until the epoch keeps everything" "Total reclaimed space: 0B"
sl_run sl_docker image prune -a -f --filter label=org.example.suite=sockerless --filter until=1m
sl_assert_contains "prune by label untags" "untagged: $layers" "$SL_OUT"
sl_assert_contains "prune by label reclaims the top layers" "Total reclaimed space: 172B" "$SL_OUT"
sl_assert_eq "prune by label keeps busybox" "$busybox_id" "$(image_id "$busybox")"

# A dangling image: its last tag moves to another image.
sl_run sl_docker load -i "$saved"
sl_docker tag "$busybox" sockerless-test/moved:1
sl_docker rmi "$busybox" >/dev/null
sl_docker tag "$layers" sockerless-test/moved:1
sl_run sl_docker image prune -f
sl_assert_contains "prune removes the dangling image" "deleted: $busybox_id" "$SL_OUT"

# ---- docker search
if sl_engine_is sockerlessd; then
        sl_run sl_docker search busybox
        sl_assert_contains "search is not supported" "searching registries is not supported" "$SL_ERR"
        sl_api GET "/v1.41/images/search?term=busybox"
        sl_assert_eq "search status" 500 "$SL_API_STATUS"
        sl_api GET "/v1.41/images/search?term=busybox&limit=500"
        sl_assert_eq "search limit out of range" '400 {"message":"Limit 500 is outside the range of [1, 100]"}' \
                "$SL_API_STATUS $SL_API_BODY"
        sl_api GET '/v1.41/images/search?term=busybox&filters=%7B%22is-official%22%3A%7B%22maybe%22%3Atrue%7D%7D'
        sl_assert_eq "search invalid filter" "400 {\"message\":\"Invalid filter 'is-official=[maybe]'\"}" \
                "$SL_API_STATUS $SL_API_BODY"
else
        sl_skip "search checks" "dockerd sends searches to Docker Hub"
fi

sl_done
