#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docker cp through the real CLI and the raw archive endpoints. It copies
# files, directories and symbolic links into and out of running and
# stopped containers, with cp -a, bind mounts and tmpfs mounts, and checks
# dockerd's errors. Last comes the symlink race of CVE-2018-15664: a
# container swaps a directory and a link to / while the host copies.

# Single quotes keep $ for the container shell.
# shellcheck disable=SC2016
. "$(dirname "$0")/lib.sh"
sl_setup
sl_image_load busybox

busybox=sockerless-test/busybox:1.35
src=$SL_TMP/src
out=$SL_TMP/out
mkdir -p "$src/dir/sub" "$out"
printf 'hello\n' >"$src/file"
printf 'inner\n' >"$src/dir/sub/inner"
ln -s sub/inner "$src/dir/link"
chown 1234:2345 "$src/file"

# list CONTAINER PATH: the entries of GET archive as "mode owner name".
list() {
        sl_docker cp "$1:$2" - | tar -tvf - --numeric-owner | awk '{ print $1, $2, $NF }'
}

# ---- a running container
sl_run sl_docker run -d --name running "$busybox" sh -c \
        'mkdir -p /d/sub; echo data >/d/f; ln -s /d /lnk; ln -s f /d/rel; touch /ready; sleep 1000'
sl_assert_rc "running container starts" 0
sl_wait_for 20 sl_docker cp running:/ready "$out/ready" || sl_bail "the running container did not get ready"

sl_check "cp a file into a running container" sl_docker cp "$src/file" running:/d/copied
sl_run list running /d/copied
sl_assert_out "the file keeps the archive's owner" "-rw-r--r-- 1234/2345 copied"
sl_check "cp a file out of a running container" sl_docker cp running:/d/copied "$out/copied"
sl_assert_eq "the copied file's content" hello "$(cat "$out/copied")"

sl_check "cp a directory in" sl_docker cp "$src/dir" running:/tmp/
sl_run list running /tmp/dir
sl_assert_contains "the directory's link is a link" "lrwxrwxrwx 0/0 sub/inner" "$SL_OUT"
sl_assert_contains "the directory's nested file" "-rw-r--r-- 0/0 dir/sub/inner" "$SL_OUT"
sl_check "cp a directory out" sl_docker cp running:/tmp/dir "$out/dir"
sl_assert_eq "nested content of the copied directory" inner "$(cat "$out/dir/sub/inner")"
sl_assert_eq "link of the copied directory" sub/inner "$(readlink "$out/dir/link")"

sl_check "cp a symbolic link out copies the link" sl_docker cp running:/lnk "$out/lnk"
sl_assert_eq "the copied link's target" /d "$(readlink "$out/lnk")"
sl_check "cp -L follows the link" sl_docker cp -L running:/d/rel "$out/rel-followed"
sl_assert_eq "content behind the followed link" data "$(cat "$out/rel-followed")"
sl_check "cp into a symbolic link to a directory" sl_docker cp "$src/file" running:/lnk/via-link
sl_run list running /d/via-link
sl_assert_contains "the file landed in the link's directory" "via-link" "$SL_OUT"
sl_check "cp the content of a directory with /." sl_docker cp running:/d/. "$out/d-content"
sl_assert_eq "content of /d/." data "$(cat "$out/d-content/f")"

# ---- the stat header and the raw endpoints (bodies go as application/x-tar,
# as the CLI sends them: dockerd reads a form-encoded body as a form)
sl_api HEAD "/containers/running/archive?path=/lnk"
sl_assert_eq "HEAD of a link" 200 "$SL_API_STATUS"
sl_assert_eq "stat of a link" '{"name":"lnk","size":2,"mode":134218239,"linkTarget":"/d"}' \
        "$(sl_api_header X-Docker-Container-Path-Stat | base64 -d | sed 's/"mtime":"[^"]*",//')"
sl_api HEAD "/containers/running/archive?path=/lnk/."
sl_assert_eq "stat of a link's directory with /." '{"name":".","size":4096,"mode":2147484141,"linkTarget":""}' \
        "$(sl_api_header X-Docker-Container-Path-Stat | base64 -d | sed 's/"mtime":"[^"]*",//')"
sl_api GET "/containers/running/archive?path=/nonexistent"
sl_assert_eq "GET of a missing path" 404 "$SL_API_STATUS"
sl_assert_contains "message of a missing path" "Could not find the file /nonexistent in container running" \
        "$SL_API_BODY"
sl_api GET "/containers/running/archive?path="
sl_assert_eq "GET without a path" 400 "$SL_API_STATUS"
sl_api PUT "/containers/running/archive?path=/d/f" -H "Content-Type: application/x-tar" --data-binary @/dev/null
sl_assert_eq "PUT to a file" 500 "$SL_API_STATUS"
sl_assert_contains "message of a PUT to a file" "extraction point is not a directory" "$SL_API_BODY"
sl_api PUT "/containers/running/archive?path=/missing" -H "Content-Type: application/x-tar" --data-binary @/dev/null
sl_assert_eq "PUT to a missing directory" 404 "$SL_API_STATUS"
printf 'not a tar archive, long enough to be read as a header block %0512d' 0 >"$SL_TMP/garbage"
sl_api PUT "/containers/running/archive?path=/d" -H "Content-Type: application/x-tar" --data-binary @"$SL_TMP/garbage"
sl_assert_eq "PUT of garbage" 500 "$SL_API_STATUS"
sl_assert_contains "message of garbage" "Error processing tar file" "$SL_API_BODY"
tar -C "$src" -czf "$SL_TMP/gz.tar.gz" file
sl_api PUT "/containers/running/archive?path=/d" -H "Content-Type: application/x-tar" --data-binary @"$SL_TMP/gz.tar.gz"
sl_assert_eq "PUT of a gzip archive" 200 "$SL_API_STATUS"
sl_run list running /d/file
sl_assert_out "the gzip archive's file" "-rw-r--r-- 1234/2345 file"

mkdir -p "$SL_TMP/clash/f"
tar -C "$SL_TMP/clash" -cf "$SL_TMP/clash.tar" f
sl_api PUT "/containers/running/archive?path=/d&noOverwriteDirNonDir=1" -H "Content-Type: application/x-tar" --data-binary @"$SL_TMP/clash.tar"
sl_assert_eq "noOverwriteDirNonDir conflict" 500 "$SL_API_STATUS"
sl_assert_contains "message of the conflict" 'cannot overwrite non-directory \"/d/f\" with directory \"/d\"' \
        "$SL_API_BODY"
"$SL_PYTHON" - "$SL_TMP/escape.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tar:
    info = tarfile.TarInfo("../../x")
    info.size = 1
    tar.addfile(info, io.BytesIO(b"x"))
PY
sl_api PUT "/containers/running/archive?path=/d/sub" -H "Content-Type: application/x-tar" --data-binary @"$SL_TMP/escape.tar"
sl_assert_eq "an entry that leaves the destination" 500 "$SL_API_STATUS"
sl_assert_contains "message of the breakout" "is outside of" "$SL_API_BODY"

# ---- cp -a: the container's user owns the files
sl_run sl_docker run -d --name as-nobody -u nobody "$busybox" sleep 1000
sl_assert_rc "container with a user starts" 0
sl_check "cp -a into a container with a user" sl_docker cp -a "$src/file" as-nobody:/tmp/file
sl_run list as-nobody /tmp/file
sl_assert_out "cp -a gives the file to the user" "-rw-r--r-- 65534/65534 file"
sl_check "cp -a into a container without a user" sl_docker cp -a "$src/file" running:/tmp/file-a
sl_run list running /tmp/file-a
sl_assert_out "cp -a keeps the archive's owner" "-rw-r--r-- 1234/2345 file-a"

# ---- a stopped container, with binds
mkdir -p "$SL_TMP/bind" "$SL_TMP/bind-ro"
sl_remap_chown "$SL_TMP/bind"
sl_run sl_docker create --name stopped -v "$SL_TMP/bind:/bind" -v "$SL_TMP/bind-ro:/bind-ro:ro" \
        "$busybox" sh -c 'cat /etc/copied /bind/copied'
sl_assert_rc "stopped container is created" 0
sl_check "cp into a created container" sl_docker cp "$src/file" stopped:/etc/copied
sl_check "cp into a created container's bind" sl_docker cp "$src/file" stopped:/bind/copied
sl_assert_eq "the bind's file is on the host" hello "$(cat "$SL_TMP/bind/copied" 2>&1)"
sl_run sl_docker cp "$src/file" stopped:/bind-ro/copied
sl_assert_ne "cp into a read-only bind fails" 0 "$SL_RC"
sl_assert_contains "message of a read-only bind" "mounted volume is marked read-only" "$SL_ERR"
sl_run sl_docker start -a stopped
sl_assert_out "the container sees the copied files" "hello
hello"
sl_check "cp out of an exited container" sl_docker cp stopped:/etc/copied "$out/from-exited"
sl_assert_eq "content from the exited container" hello "$(cat "$out/from-exited")"
sl_run list stopped /bind
sl_assert_contains "GET of an exited container's bind" "copied" "$SL_OUT"

sl_run sl_docker create --name readonly --read-only "$busybox" true
sl_run sl_docker cp "$src/file" readonly:/tmp/
sl_assert_ne "cp into a read-only root fails" 0 "$SL_RC"
sl_assert_contains "message of a read-only root" "container rootfs is marked read-only" "$SL_ERR"

# ---- tmpfs of a running container
sl_run sl_docker run -d --name with-tmpfs --tmpfs /scratch "$busybox" sleep 1000
if sl_engine_is dockerd; then
        # dockerd 20.10 copies into the directory under the tmpfs instead.
        sl_skip "cp into a running container's tmpfs" "dockerd does not see tmpfs mounts"
elif sl_remapped; then
        sl_skip "cp into a running container's tmpfs" "the tmpfs of a remapped container rejects host root's files"
else
        sl_check "cp into a running container's tmpfs" sl_docker cp "$src/file" with-tmpfs:/scratch/f
        sl_run list with-tmpfs /scratch/f
        sl_assert_out "the tmpfs holds the file" "-rw-r--r-- 1234/2345 f"
        sl_run sl_docker stop -t 0 with-tmpfs
        sl_run sl_docker cp with-tmpfs:/scratch/f "$out/tmpfs-f"
        sl_assert_ne "the file went with the tmpfs" 0 "$SL_RC"
fi

# ---- CVE-2018-15664: a directory swapped with a link to / during cp
secret=$SL_TMP/host/secret
mkdir -p "$SL_TMP/host"
printf 'host secret\n' >"$secret"
touch -d '2001-01-01' "$secret"
before=$(stat -c '%Y %s' "$secret")
sl_run sl_docker run -d --name swapper "$busybox" sh -c \
        "mkdir -p /w/x$SL_TMP/host && echo container >/w/x$secret && mv /w/x /w/real && touch /ready &&
         while :; do ln -s / /w/x; rm /w/x; mv /w/real /w/x; mv /w/x /w/real; done"
sl_wait_for 20 sl_docker cp swapper:/ready "$out/ready-swapper" || sl_bail "the swapping container did not get ready"
leaked=0 overwritten=0
printf 'intruder\n' >"$SL_TMP/intruder"
for _ in $(seq 1 60); do
        if sl_docker cp "swapper:/w/x$secret" - 2>/dev/null | tar -xOf - 2>/dev/null | grep -q 'host secret'; then
                leaked=$((leaked + 1))
        fi
        sl_docker cp "$SL_TMP/intruder" "swapper:/w/x$SL_TMP/host/secret" >/dev/null 2>&1
        grep -q intruder "$secret" && overwritten=$((overwritten + 1))
done
# After the reads: the copy puts the secret's text into the container,
# where a later read would find it without any escape.
sl_docker cp "$SL_TMP/host" "swapper:/w/x$SL_TMP/" >/dev/null 2>&1
sl_assert_eq "no read of the host's file through the race" 0 "$leaked"
sl_assert_eq "no write of the host's file through the race" 0 "$overwritten"
sl_assert_eq "the host's file is unchanged" "$before" "$(stat -c '%Y %s' "$secret")"
sl_assert_eq "the host's directory has only its file" secret "$(ls "$SL_TMP/host")"

sl_done
