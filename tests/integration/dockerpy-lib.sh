# shellcheck shell=bash disable=SC2034 # globals are read by the test scripts
# SPDX-License-Identifier: Apache-2.0
#
# Helpers of the docker-py scenario tests (dockerpy-*.sh), sourced after
# lib.sh. Each wrapper starts its daemon with sl_setup and runs one
# dockerpy-*.py script against it with dp_run.

DP_BUSYBOX=sockerless-test/busybox:1.35
DP_LAYERS=sockerless-test/layers:1

# dp_require: skip the whole test unless Debian's python3-docker imports.
# Under Python 3.11, docker-py 5.0.3 needs SETUPTOOLS_USE_DISTUTILS=stdlib.
dp_require() {
        export SETUPTOOLS_USE_DISTUTILS=stdlib
        "$SL_PYTHON" -c 'import docker' 2>/dev/null || sl_skip_all "python3-docker is not installed"
}

# dp_run SCRIPT ARGS...: run a docker-py script against the test's daemon
# and report each of its "ok NAME", "not ok NAME" and "skip NAME # REASON"
# lines as a check, with the "# DETAIL" lines after it as diagnostics. An
# exit status that does not match the lines (1 with a failed check, else
# 0) is one more failed check, such as a traceback before the first check.
dp_run() {
        local script=$1 status failed=0
        shift
        timeout -k 10 600 env SOCKERLESS_TEST_ENGINE="$SL_ENGINE" PYTHONDONTWRITEBYTECODE=1 \
                "$SL_PYTHON" "$SL_SRCDIR/$script" "$@" >"$SL_TMP/dockerpy.out" 2>"$SL_TMP/dockerpy.err"
        status=$?
        sl_report_lines "$SL_TMP/dockerpy.out" || failed=1
        if [ "$status" != "$failed" ]; then
                sl_not_ok "$script exit status matches its checks" "exit status: $status" \
                        "$(tail -n 20 "$SL_TMP/dockerpy.err")"
        fi
}
