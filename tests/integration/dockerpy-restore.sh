#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Live restore through docker-py (dockerpy-restore.py): containers started
# before a daemon stop still run after the start, with the same process,
# exec, the logs written meanwhile, logs that follow, stop and wait.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dockerpy-lib.sh"
dp_require
sl_setup
sl_image_load busybox

sync_dir=$SL_TMP/sync
mkdir -p "$sync_dir"
dp_run dockerpy-restore.py before "$DP_BUSYBOX" "$SL_TMP/restore.json" "$sync_dir"
sl_daemon_stop
# The container logs a line once this file exists, while no daemon runs.
touch "$sync_dir/down"
sl_daemon_start
dp_run dockerpy-restore.py after "$DP_BUSYBOX" "$SL_TMP/restore.json" "$sync_dir"

sl_done
