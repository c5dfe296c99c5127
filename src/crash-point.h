/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Fault injection for the crash-safety tests. The hidden daemon option
 * --crash-at NAME arms one point. The daemon kills itself with SIGKILL
 * the first time it reaches that point, as a crash or a power cut at that
 * step would. Names are OPERATION.STEP, such as "create.after-definition",
 * and docs/architecture.md lists them.
 */

/* Arms the point name (copied), or none for NULL or "". Call before any
 * thread starts. */
void crash_point_arm(const char *name);

/* Kills the daemon with SIGKILL when name is the armed point. */
void crash_point(const char *name);
