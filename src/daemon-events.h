/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "daemon.h"

/* Publishes the daemon's "reload" event after a SIGHUP applied the
 * configuration, with the settings as attributes and the daemon's ID as
 * the actor, as dockerd 20.10 does. */
void daemon_event_reload(struct daemon *d);
