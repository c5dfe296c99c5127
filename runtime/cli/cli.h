/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* One function per verb of sockerless-runtime. Each gets the arguments
 * after the verb (argv[0] is the verb) and returns the exit status. */
int cli_run(int argc, char **argv);
int cli_spec(int argc, char **argv);

/* Prints "sockerless-runtime: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
