/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "runtime/spec.h"

/* Drops from the bounding set every capability not in caps->bounding.
 * Needs CAP_SETPCAP, so call before the uid switch. */
int caps_drop_bounding(const struct runtime_capabilities *caps, struct error *err);

/* Sets the effective, permitted, inheritable and ambient sets exactly as
 * caps says. Call after the uid switch, which keeps the permitted set. */
int caps_apply(const struct runtime_capabilities *caps, struct error *err);
