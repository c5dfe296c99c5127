#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# ping, version, info and df through docker-py (dockerpy-system.py), and
# containers.run with its common keyword arguments, commit, export, kill,
# update and attach_socket. The daemon runs in its own network namespace
# with bridge networking (netlib.sh), where the script reaches published
# ports.
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/dockerpy-lib.sh"
dp_require
net_setup
sl_image_load busybox

host_dir=$SL_TMP/host
mkdir -p "$host_dir"
# The script's containers run as 1000:1000 and write there.
chmod 1777 "$host_dir"
dp_run dockerpy-system.py "$NET_BUSYBOX" "$host_dir" "$(sl_state_dir)" "$SL_NETNS"

sl_done
