#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# GitLab Runner's docker executor, replayed: gitlab-runner.py sends the
# runner's API calls for one job with a service on a per-job network, its
# stages through hijacked attaches, and its cleanup, then a second job
# that finds the cache volume. The daemon runs in a network namespace of
# its own with bridge networking (netlib.sh). The busybox test image is
# used as the build and the helper image, and the redis test image is
# tagged redis:7, the service name of the job.
# shellcheck source=SCRIPTDIR/../../integration/netlib.sh
. "$(dirname "$0")/../../integration/netlib.sh"
# shellcheck source=SCRIPTDIR/../../integration/dockerpy-lib.sh
. "$(dirname "$0")/../../integration/dockerpy-lib.sh"

HELPER_IMAGE=registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v16.10.0
SERVICE_IMAGE=redis:7

net_setup
net_load_images
sl_check "tag the helper image" sl_docker tag "$NET_BUSYBOX" "$HELPER_IMAGE"
sl_check "tag the service image" sl_docker tag "$NET_REDIS" "$SERVICE_IMAGE"

dp_run ../clients/runners/gitlab-runner.py "$NET_BUSYBOX" "$HELPER_IMAGE" "$SERVICE_IMAGE"

sl_done
