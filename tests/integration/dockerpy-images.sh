#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Images through docker-py (dockerpy-images.py): load, get, tag, list
# filters, history, save, remove and prune, and pull and push against
# Debian's docker-registry on 127.0.0.1 (registry-lib.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/registry-lib.sh"
. "$(dirname "$0")/dockerpy-lib.sh"
dp_require
registry_require_tools
sl_setup
registry_start open
registry_seed "$REGISTRY_OPEN_ADDR" busybox

busybox=$(sl_image_archive busybox) || sl_bail "test image busybox is not available"
layers=$(sl_image_archive layers) || sl_bail "test image layers is not available"
dp_run dockerpy-images.py "$busybox" "$layers" "$REGISTRY_OPEN_ADDR"

sl_done
