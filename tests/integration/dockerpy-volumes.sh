#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Volumes through docker-py (dockerpy-volumes.py): create with driver
# options and labels, list filters, remove and prune, and containers with
# volumes=, mounts=[Mount(...)], anonymous volumes and volumes_from.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dockerpy-lib.sh"
dp_require
sl_setup
sl_image_load busybox layers

host_dir=$SL_TMP/host
mkdir -p "$host_dir"
# Under --userns-remap the containers' root must be able to write there.
sl_remap_chown "$host_dir"
dp_run dockerpy-volumes.py "$DP_BUSYBOX" "$DP_LAYERS" "$host_dir"

sl_done
