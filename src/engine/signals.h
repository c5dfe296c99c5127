/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Parses a signal as Docker accepts it: "SIGKILL", "KILL", "kill" or a
 * number from 1 to 64 ("RTMIN+3" too). Returns the number or -EINVAL. */
int signal_from_string(const char *s);

/* Returns "SIGKILL" for 9, or NULL for an unknown number. */
const char *signal_to_string(int sig);
