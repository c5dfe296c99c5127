#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Events and health checks through docker-py (dockerpy-events.py): the
# events of containers, execs, volumes and images with since, until and
# filters, State.Health, health_status events and the health filter.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dockerpy-lib.sh"
dp_require
sl_setup
sl_image_load busybox

dp_run dockerpy-events.py "$DP_BUSYBOX"

sl_done
