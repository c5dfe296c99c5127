#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# From a fresh checkout to a first container:
#
#   sudo scripts/quickstart.sh [DIR]
#
# installs the build dependencies and builds in build/ of the checkout
# (configure runs only when build/Makefile is missing, and make rebuilds
# only what changed). It starts
# sockerlessd with its socket, data root and exec root in DIR (default
# /tmp/sockerless-quickstart). It makes a busybox image from the host's
# busybox-static with docker import, so no registry is needed, runs a
# container from it and prints how to reach and stop the daemon.
#
# SOCKERLESS_DAEMON names another daemon binary that takes dockerd's flags;
# the build is skipped then.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/sockerless-quickstart}
sock=$dir/sockerless.sock
pidfile=$dir/sockerlessd.pid
log=$dir/sockerlessd.log
image=quickstart/busybox:latest

say() {
        printf '==> %s\n' "$*"
}

die() {
        echo "quickstart.sh: $*" >&2
        exit 1
}

ping_daemon() {
        [ "$(curl -s --max-time 2 --unix-socket "$sock" http://localhost/_ping 2>/dev/null)" = OK ]
}

build() {
        say "installing build dependencies"
        "$repo/scripts/install-deps.sh"
        say "building in $repo/build"
        cd "$repo"
        autoreconf -fi
        mkdir -p build
        cd build
        [ -f Makefile ] || ../configure
        make -j2
}

start_daemon() {
        local daemon=$1
        if ping_daemon; then
                say "a daemon already listens on $sock; using it"
                return 0
        fi
        mkdir -p "$dir"
        say "starting $daemon on $sock (log: $log)"
        SOCKERLESS_MONITOR=${SOCKERLESS_MONITOR:-$repo/build/sockerless-monitor} \
                setsid "$daemon" -H "unix://$sock" --data-root "$dir/data" --exec-root "$dir/run" \
                --pidfile "$pidfile" >>"$log" 2>&1 </dev/null &
        local pid=$!
        local _
        for _ in $(seq 300); do
                ping_daemon && return 0
                kill -0 "$pid" 2>/dev/null || die "$daemon exited during startup; see $log"
                sleep 0.1
        done
        die "$daemon did not return OK on GET /_ping within 30 s; see $log"
}

# Build a root filesystem tar of the host's static busybox, with every
# applet linked in /bin, and import it as an image.
make_busybox_image() {
        local busybox=/bin/busybox
        [ -x "$busybox" ] || die "no $busybox: install busybox-static"
        if ldd "$busybox" >/dev/null 2>&1; then
                die "$busybox is dynamically linked: install busybox-static"
        fi

        local root
        root=$(mktemp -d "$dir/rootfs.XXXXXX")
        mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/proc" "$root/sys" "$root/dev"
        cp "$busybox" "$root/bin/busybox"
        local applet
        for applet in $("$busybox" --list); do
                [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
        done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
                >"$root/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
        chmod 1777 "$root/tmp"

        say "importing $image from $busybox"
        tar -C "$root" --numeric-owner -cf - . | docker import -c 'CMD ["sh"]' - "$image" >/dev/null
        rm -rf "$root"
}

[ "$(id -u)" = 0 ] || die "must run as root: it installs packages and starts a rootful daemon"

daemon=${SOCKERLESS_DAEMON:-}
if [ -z "$daemon" ]; then
        build
        daemon=$repo/build/sockerlessd
fi

start_daemon "$daemon"
export DOCKER_HOST=unix://$sock
if docker image inspect "$image" >/dev/null 2>&1; then
        say "$image is already there"
else
        make_busybox_image
fi

say "running a first container"
docker run --rm "$image" echo "Hello from a container run by Sockerless."

# A daemon started inside a named network namespace must be started
# there again.
restart=$daemon
netns=$(ip netns identify $$ 2>/dev/null || true)
[ -z "$netns" ] || restart="nsenter --net=/run/netns/$netns $daemon"

cat <<EOF

The daemon keeps running. To use it from this shell:

    export DOCKER_HOST=unix://$sock
    docker run --rm -it $image

To stop it (containers keep running without the daemon):

    kill \$(cat $pidfile)

To start it again, without building:

    $restart -H unix://$sock --data-root $dir/data --exec-root $dir/run --pidfile $pidfile &

To remove everything, remove the containers first, then stop the daemon
and delete $dir:

    docker rm -f \$(docker ps -aq); kill \$(cat $pidfile); rm -rf $dir
EOF
