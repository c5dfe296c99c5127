/* SPDX-License-Identifier: Apache-2.0 */
/* The crash points of --crash-at (see crash-point.h). */
#include "crash-point.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"

static char *armed;

void crash_point_arm(const char *name)
{
        free(armed);
        armed = isempty(name) ? NULL : strdup(name);
}

void crash_point(const char *name)
{
        if (!armed || !streq(armed, name))
                return;
        log_warn("Crash point %s reached: killing the daemon with SIGKILL", name);
        raise(SIGKILL);
}
