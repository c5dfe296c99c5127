/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "runtime/spec.h"

/* The device cgroup rules every container gets after the spec's own, the
 * list runc appends: mknod of any device, the default device nodes, the
 * pty devices and /dev/net/tun. */
extern const struct runtime_device_rule runtime_default_device_rules[];
extern const size_t runtime_default_device_rules_count;

/* Creates in the container's /dev (below root_fd) the default device
 * nodes (null, zero, full, random, urandom, tty), the nodes of
 * linux.devices, and the links fd, stdin, stdout, stderr, ptmx and core. A
 * node that cannot be created (no CAP_MKNOD) is bound from the host's
 * /dev instead. */
int devices_create(const struct runtime_spec *spec, int root_fd, struct error *err);
