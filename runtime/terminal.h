/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "runtime/spec.h"

/* Allocates a pty in the container's devpts instance (after pivot_root),
 * sizes it from process.consoleSize, binds the slave on /dev/console and
 * makes it the controlling terminal. Returns the master and sets *ret_slave. */
int terminal_setup(const struct runtime_spec *spec, int *ret_slave, struct error *err);

/* Allocates a pty as terminal_setup does, but leaves /dev/console alone:
 * for a process exec'd in a running container. */
int terminal_open(const struct runtime_process *process, int *ret_slave, struct error *err);
