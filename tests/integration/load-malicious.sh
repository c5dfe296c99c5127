#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker load of archives whose layer tries to write outside the layer: a
# ../ entry, an absolute name, a symlink to / or to ../.. followed by a file
# below it, and a hard link to a host file. The engine must reject the
# archive with a message or keep every entry inside the image; nothing may
# appear on the host.
#
# dockerd 20.10 loads the first four (it extracts in a chroot, so the
# entries land inside the layer) and rejects the hard link, so either
# outcome passes here.

# Single quotes keep $ for the container shell, and sl_wait_for calls helpers.
# shellcheck disable=SC2016,SC2317
. "$(dirname "$0")/lib.sh"
sl_setup

busybox_tar=$(sl_image_archive busybox) || sl_bail "no busybox image archive"
outside=$SL_TMP/outside
mkdir -p "$outside"
echo secret >"$outside/secret"
tag=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')

for kind in dotdot absolute symlink symlink-relative hardlink; do
        image=sockerless-test/evil:$kind
        if [ "$kind" = hardlink ]; then
                targets=("$outside/secret")
        else
                # One target below the test directory, one at the host's root.
                targets=("$outside/escape-$kind" "/sl-escape-$tag-$kind")
        fi
        target_args=()
        for target in "${targets[@]}"; do
                target_args+=(--target "$target")
        done
        "$SL_PYTHON" "$SL_SRCDIR/../fixtures/mkimage.py" evil "$kind" "$SL_TMP/$kind.tar" \
                "${target_args[@]}" --base "$busybox_tar"

        sl_run sl_docker load -i "$SL_TMP/$kind.tar"
        loaded=$SL_RC
        if [ "$loaded" = 0 ]; then
                sl_assert_out "$kind: loaded image is tagged" "Loaded image: $image"
        else
                sl_assert_match "$kind: rejection has a message" '[[:alnum:]]' "$SL_ERR"
                sl_run sl_docker image inspect "$image"
                sl_assert_rc "$kind: rejected image not listed" 1
        fi

        if [ "$kind" = hardlink ]; then
                sl_assert_eq "hardlink: host file has one link" 1 "$(stat -c %h "$outside/secret")"
                sl_assert_eq "hardlink: host file unchanged" secret "$(cat "$outside/secret")"
                if [ "$loaded" = 0 ]; then
                        sl_run sl_docker run --rm "$image" cat /h-secret
                        sl_assert_not_contains "hardlink: container cannot read host file" secret "$SL_OUT"
                fi
                continue
        fi

        for target in "${targets[@]}"; do
                if [ -e "$target" ]; then
                        sl_not_ok "$kind: nothing written at ${target#"$SL_TMP"/}" "$(ls -la "$target")"
                        rm -f "$target"
                else
                        sl_ok "$kind: nothing written at ${target#"$SL_TMP"/}"
                fi
        done
        sl_assert_eq "$kind: nothing else outside the data root" secret "$(ls "$outside")"
done

sl_run sl_docker images -q
sl_assert_rc "daemon still serves after bad archives" 0

sl_done
