/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "runtime/spec.h"

/* Sets the hostname and domain name; each needs a UTS namespace. */
int process_set_hostname(const struct runtime_spec *spec, struct error *err);

/* Writes linux.sysctl through the private procfs procfd. Only sysctls of
 * a namespace the container has its own of are accepted (IPC, network,
 * UTS), and names may not contain "." or ".." components. */
int process_set_sysctls(const struct runtime_spec *spec, int procfd, struct error *err);

/* Sets process.rlimits and process.oomScoreAdj. */
int process_set_limits(const struct runtime_spec *spec, int procfd, struct error *err);

/* Writes process.oomScoreAdj for pid, the caller's child, when the spec
 * has a user namespace, new or joined. The child is not dumpable during its setup,
 * so its /proc files belong to host root, which its namespace's root
 * cannot write as. Call from the parent, as host root. */
int process_set_oom_score_adj_of(const struct runtime_spec *spec, pid_t pid, struct error *err);

/* Checks a sysctl name and returns its path below /proc/sys. */
int process_sysctl_path(const char *name, char **ret, struct error *err);
