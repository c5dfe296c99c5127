#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Networks through docker-py (dockerpy-networks.py): create with IPAM
# configuration, list filters, get, connect and disconnect with aliases,
# name resolution between containers, remove and prune. The daemon runs
# in its own network namespace with bridge networking (netlib.sh).
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/dockerpy-lib.sh"
dp_require
net_setup
sl_image_load busybox

dp_run dockerpy-networks.py "$NET_BUSYBOX"

sl_done
