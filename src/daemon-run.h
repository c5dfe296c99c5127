/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "daemon.h"

/* Runs the daemon with the loaded configuration until SIGTERM or SIGINT.
 * Returns 0 after a clean shutdown or a negative errno (already logged). */
int daemon_run(struct daemon_config *config);
