/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "health.h"

struct engine;
struct container;

/* Runs config's probe as an exec in c and fills ret. A probe that cannot
 * start, or does not end within the timeout (it is killed then), gives
 * exit code -1 with the reason as output, as in dockerd. Returns
 * -ENOMEM or a socket error when the probe cannot be run at all. */
int health_probe_run(struct engine *e, struct container *c, const struct health_config *config,
                     struct health_result *ret);
