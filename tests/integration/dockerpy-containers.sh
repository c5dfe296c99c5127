#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The container endpoints through docker-py (dockerpy-containers.py): exec,
# docker cp's archive endpoints, stats, top, pause, rename, wait, prune and
# sizes, with the values and errors docker-py returns.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dockerpy-lib.sh"
dp_require
sl_setup
sl_image_load busybox

dp_run dockerpy-containers.py "$DP_BUSYBOX"

sl_done
