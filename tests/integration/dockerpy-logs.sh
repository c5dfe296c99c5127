#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Container logs through docker-py (dockerpy-logs.py): stream and follow,
# timestamps, since, until and tail, with the json-file, local and none
# log drivers, rotation, long lines and details.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dockerpy-lib.sh"
dp_require
sl_setup
sl_image_load busybox

dp_run dockerpy-logs.py "$DP_BUSYBOX"

sl_done
