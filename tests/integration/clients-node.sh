#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Node Docker clients (tests/clients/node): Testcontainers for Node and
# dockerode as node:test suites, gitlab-ci-local with its docker executor
# and the Dev Containers CLI, against a daemon in its own network namespace
# with bridge networking. The clients run in that namespace too, so that
# published ports are reachable on its 127.0.0.1. The npm packages, pinned
# by package-lock.json, are installed with npm ci into the build
# directory's test cache; without the npm registry the test is skipped.
. "$(dirname "$0")/netlib.sh"

NODE_SRC=$SL_TOP_SRCDIR/tests/clients/node
NODE_MAJOR_MIN=20

sl_require_tools node npm git ldd
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || node_major=0
[ "$node_major" -ge "$NODE_MAJOR_MIN" ] ||
        sl_skip_all "needs Node.js $NODE_MAJOR_MIN or later, found $(node --version 2>&1)"

# node_install: npm ci into a cache directory named after the lock file's
# hash, so that a changed lock file gets a fresh install. Prints the
# directory. A failed install leaves no directory behind.
node_install() {
        local hash dir staging
        hash=$(sha256sum "$NODE_SRC/package-lock.json" | cut -c1-16) || return 1
        dir=$(sl_cache_dir)/node-clients-$hash
        if [ ! -d "$dir/node_modules" ]; then
                mkdir -p "$(sl_cache_dir)" || return 1
                staging=$(mktemp -d "$dir.XXXXXX") || return 1
                cp "$NODE_SRC/package.json" "$NODE_SRC/package-lock.json" "$staging/" &&
                        (cd "$staging" && timeout -k 10 900 npm ci --ignore-scripts --no-audit --no-fund \
                                --loglevel=error) >"$staging/npm-ci.log" 2>&1 &&
                        mv -T "$staging" "$dir" 2>/dev/null
                if [ ! -d "$dir/node_modules" ]; then
                        tail -n 5 "$staging/npm-ci.log" >&2
                        rm -rf "$staging"
                        return 1
                fi
        fi
        echo "$dir"
}

if ! NODE_MODULES_DIR=$(node_install 2>"${TMPDIR:-/tmp}/clients-node-npm.$$"); then
        reason=$(tr '\n' ' ' <"${TMPDIR:-/tmp}/clients-node-npm.$$" | cut -c1-300)
        rm -f "${TMPDIR:-/tmp}/clients-node-npm.$$"
        sl_skip_all "npm ci of tests/clients/node failed (is the npm registry reachable?): $reason"
fi
rm -f "${TMPDIR:-/tmp}/clients-node-npm.$$"

net_setup
net_load_images

# The test files import their packages from the node_modules beside them.
RUN_DIR=$SL_TMP/node
mkdir -p "$RUN_DIR" "$SL_TMP/home" "$SL_TMP/tmp"
cp "$NODE_SRC"/*.mjs "$RUN_DIR/" || sl_bail "cannot copy the Node test files"
ln -s "$NODE_MODULES_DIR/node_modules" "$RUN_DIR/node_modules"

# Ryuk, the Testcontainers reaper, is an image from Docker Hub. Each test
# may take 300 s, and a handle that a failed test left open (an event
# stream) does not keep node running once the tests are done. The proxy
# variables send the requests that the CLIs make on their own (the Dev
# Containers CLI fetches a control manifest) to a closed port on loopback.
sl_netns_exec env -C "$RUN_DIR" \
        HOME="$SL_TMP/home" TMPDIR="$SL_TMP/tmp" \
        TESTCONTAINERS_RYUK_DISABLED=true \
        HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
        http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 NO_PROXY='' no_proxy='' \
        SL_NODE_ENGINE="$SL_ENGINE" \
        timeout -k 10 1200 node --test --test-concurrency=1 --test-timeout=300000 --test-force-exit \
        --test-reporter=./reporter.mjs \
        testcontainers.test.mjs dockerode.test.mjs gitlab-ci-local.test.mjs devcontainer.test.mjs \
        >"$SL_TMP/node.out" 2>"$SL_TMP/node.err"
status=$?
failed=0
sl_report_lines "$SL_TMP/node.out" || failed=1
if [ "$status" != "$failed" ]; then
        sl_not_ok "node --test exit status matches its checks" "exit status: $status" \
                "$(tail -n 30 "$SL_TMP/node.err")"
fi

sl_done
