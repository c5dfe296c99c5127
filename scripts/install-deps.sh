#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Install the Debian packages that building and testing Sockerless need.
# Safe to run again: apt-get skips what is already installed.
#
# The docker CLI drives the integration tests. When it is missing, Debian's
# docker.io is installed for its CLI only: its daemon is kept from starting,
# because the tests start their own daemons on private sockets.
set -euo pipefail

build_packages=(
        autoconf automake pkg-config make gcc
        libmicrohttpd-dev libjson-c-dev libarchive-dev libseccomp-dev libcap-dev
        libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev
        libcurl4-openssl-dev libssl-dev libcmocka-dev
)

# clang and libclang-rt-dev build the libFuzzer targets; llvm provides
# llvm-symbolizer for sanitizer reports. debootstrap builds the Debian test
# image when no prebuilt one is given.
test_packages=(
        busybox-static curl python3 jq debootstrap
        clang libclang-rt-dev llvm
        iproute2 util-linux procps psmisc coreutils findutils gawk gzip tar
        ca-certificates shellcheck clang-format runc
)

die() {
        echo "install-deps.sh: $*" >&2
        exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root, because it installs packages with apt-get"
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian and its derivatives"

export DEBIAN_FRONTEND=noninteractive
apt_install() {
        apt-get install -y -q --no-install-recommends "$@"
}

apt-get update -q
apt_install "${build_packages[@]}" "${test_packages[@]}"

if ! command -v docker >/dev/null; then
        # policy-rc.d exit code 101 tells invoke-rc.d and deb-systemd-invoke
        # not to start services, so docker.io's postinst leaves dockerd down.
        policy=/usr/sbin/policy-rc.d
        created_policy=
        if [ ! -e "$policy" ]; then
                printf '#!/bin/sh\nexit 101\n' >"$policy"
                chmod 755 "$policy"
                created_policy=1
        fi
        apt_install docker.io || status=$?
        [ -z "$created_policy" ] || rm -f "$policy"
        [ "${status:-0}" = 0 ] || die "installing docker.io for the docker CLI failed"
fi

echo "install-deps.sh: build and test dependencies are installed"
