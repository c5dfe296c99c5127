#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Install the Debian packages that building and testing Sockerless need.
# Safe to run again: apt-get skips what is already installed.
#
# The docker CLI drives the integration tests. When it is missing, Debian's
# docker.io is installed for its CLI only: its daemon is kept from starting,
# because the tests start their own daemons on private sockets. The same
# goes for docker-registry, whose service would listen on port 5000 of every
# address: the tests start their own registries on 127.0.0.1.
set -euo pipefail

build_packages=(
        autoconf automake pkg-config make gcc
        libmicrohttpd-dev libjson-c-dev libarchive-dev libseccomp-dev libcap-dev
        libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev
        libcurl4-openssl-dev nettle-dev zlib1g-dev libcmocka-dev
)

# clang and libclang-rt-dev build the libFuzzer targets; llvm provides
# llvm-symbolizer for sanitizer reports. runc and crun are the runtimes that
# the runtime comparison tests run the same bundles under. python3-docker
# is docker-py, which tests/integration/restart.sh drives. docker-compose
# (1.29.2 in Debian 12) is the client of tests/integration/clients-compose.sh.
# nftables is the nft CLI, which tests/integration/netns-nft.sh uses to
# list its own table; the library builds its rules without it. gitlab-ci-local
# in tests/integration/clients-node.sh copies the project and its artifacts
# with rsync.
test_packages=(
        busybox-static curl python3 python3-docker docker-compose jq rsync
        clang libclang-rt-dev llvm
        iproute2 util-linux procps psmisc coreutils findutils gawk gzip tar nftables
        ca-certificates shellcheck clang-format runc crun
)

# Registry fixtures (tests/integration/registry-lib.sh): skopeo copies the
# test images in, htpasswd writes bcrypt password files, and openssl makes
# the token server's key and certificate and signs its tokens. mkfs.ext4
# (e2fsprogs) makes the small filesystem of "store full" tests. zstd
# compresses the layer of the zstd image that pull.sh pushes.
registry_packages=(skopeo apache2-utils openssl e2fsprogs zstd)

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

# apt_install_stopped PACKAGE...: install packages without starting their
# services. policy-rc.d exit code 101 tells invoke-rc.d and
# deb-systemd-invoke not to start services, so the postinst scripts leave
# them down.
apt_install_stopped() {
        local policy=/usr/sbin/policy-rc.d created_policy='' status=0
        if [ ! -e "$policy" ]; then
                printf '#!/bin/sh\nexit 101\n' >"$policy"
                chmod 755 "$policy"
                created_policy=1
        fi
        apt_install "$@" || status=$?
        [ -z "$created_policy" ] || rm -f "$policy"
        return "$status"
}

apt-get update -q
apt_install "${build_packages[@]}" "${test_packages[@]}" "${registry_packages[@]}"

if ! command -v docker >/dev/null; then
        apt_install_stopped docker.io || die "installing docker.io for the docker CLI failed"
fi

if ! command -v docker-registry >/dev/null; then
        apt_install_stopped docker-registry || die "installing docker-registry failed"
        # Keep it from starting at the next boot too.
        if command -v systemctl >/dev/null; then
                systemctl disable docker-registry.service >/dev/null 2>&1 ||
                        echo "install-deps.sh: failed to disable docker-registry.service, so stop it before running tests" >&2
        fi
fi

echo "install-deps.sh: build and test dependencies are installed"
