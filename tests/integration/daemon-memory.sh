#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# sockerlessd maps libarchive and libcurl only once an operation needs them
# (common/archive-lib.c, src/image/curl-lib.c), and works with them loaded
# that way. It maps neither libcrypto nor, when linked with the static
# libmicrohttpd, GnuTLS. dockerd has no such libraries, so the script
# skips with it.

. "$(dirname "$0")/lib.sh"
sl_engine_is sockerlessd || sl_skip_all "checks the libraries sockerlessd maps"
sl_setup

daemon_pid=$(cat "$SL_PIDFILE")

# mapped NAME: the daemon maps a file whose name starts with NAME.
mapped() {
        grep -qF "/$1" "/proc/$daemon_pid/maps"
}

not_mapped() {
        ! mapped "$1"
}

sl_check "new daemon maps no libarchive" not_mapped libarchive.so
sl_check "new daemon maps no libcurl" not_mapped libcurl.so
sl_check "new daemon maps no libcrypto" not_mapped libcrypto.so
# Linked with the static libmicrohttpd (configure's default where it links),
# the daemon maps no libmicrohttpd.so and then no GnuTLS either.
if not_mapped libmicrohttpd.so; then
        sl_check "static libmicrohttpd maps no GnuTLS" not_mapped libgnutls.so
fi

sl_image_load busybox
sl_check "load maps libarchive" mapped libarchive.so
sl_check "load maps no libcurl" not_mapped libcurl.so
sl_check "load maps no libcrypto" not_mapped libcrypto.so

# docker cp goes through libarchive, already loaded, in both directions.
sl_run sl_docker create sockerless-test/busybox:1.35 true
sl_assert_rc "create a container" 0
container=$SL_OUT
echo hello >"$SL_TMP/hello.txt"
sl_run sl_docker cp "$SL_TMP/hello.txt" "$container:/hello.txt"
sl_assert_rc "cp into the container" 0
sl_run sl_docker cp "$container:/hello.txt" "$SL_TMP/copied.txt"
sl_assert_rc "cp out of the container" 0
sl_assert_eq "cp keeps the content" hello "$(cat "$SL_TMP/copied.txt" 2>/dev/null)"

# Nothing listens on port 9 of loopback, so the pull fails after loading
# libcurl, and no request leaves the host.
sl_run sl_docker pull 127.0.0.1:9/sockerless-test/missing:1
sl_assert_ne "pull from a closed port fails" 0 "$SL_RC"
sl_assert_contains "pull names the connection failure" "Failed to connect to 127.0.0.1 port 9" "$SL_ERR"
sl_check "pull maps libcurl" mapped libcurl.so
# Debian's libcurl links GnuTLS through librtmp. The GnuTLS stubs of a
# daemon with the static libmicrohttpd are hidden, so the real library
# loads beside them, and the pull above reached its connection.
curl_path=$(grep -o '/[^ ]*/libcurl\.so[^ ]*' "/proc/$daemon_pid/maps" | head -n 1)
if [ -n "$curl_path" ] && ldd "$curl_path" 2>/dev/null | grep -qF libgnutls.so; then
        sl_check "pull maps GnuTLS through libcurl" mapped libgnutls.so
fi
sl_check "daemon still answers" sl_daemon_ping

sl_done
