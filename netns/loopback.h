/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

/* Sets the loopback interface of the caller's network namespace up, so a
 * container without any other network still has 127.0.0.1 and ::1. */
int netns_loopback_up(struct error *err);
