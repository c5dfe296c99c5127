/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "error.h"
#include "runtime/spec.h"

/* Returns the CLONE_NEW* flags of the namespaces the spec creates, except
 * the cgroup namespace, which the init unshares once it is in its cgroup.
 * Rejects what this runtime cannot do: no mount namespace, or joining a
 * mount namespace. */
int namespaces_clone_flags(const struct runtime_spec *spec, uint64_t *ret, struct error *err);

/* Opens the user namespace the spec gives a path for, in *ret_fd, or sets
 * it to -1 when the spec joins none. Rejects a path that is not a user
 * namespace or is the caller's own one, which setns(2) cannot join. */
int namespaces_open_user(const struct runtime_spec *spec, int *ret_fd, struct error *err);

/* Joins the namespaces the spec gives a path for, other than the PID one
 * (see namespaces_enter_pid) and the user one, which the init is cloned
 * in. Called by the init. */
int namespaces_join(const struct runtime_spec *spec, struct error *err);

/* setns(2) on a PID namespace changes only where the caller's next child
 * goes, so the parent joins a PID namespace path before it clones the
 * init. Sets *ret_saved_fd to an fd of the caller's own namespace for
 * namespaces_leave_pid, or to -1 when the spec joins none. */
int namespaces_enter_pid(const struct runtime_spec *spec, int *ret_saved_fd, struct error *err);
void namespaces_leave_pid(int saved_fd);

/* For exec: makes the caller's next child start in the PID namespace of
 * the process pidfd refers to, when the spec has a PID namespace. Sets
 * *ret_saved_fd as namespaces_enter_pid does. */
int namespaces_enter_pid_of(const struct runtime_spec *spec, int pidfd, int *ret_saved_fd, struct error *err);

/* For exec: joins the namespaces the spec lists other than the PID one,
 * taking them from the process pidfd refers to, all in one setns(2). */
int namespaces_join_process(const struct runtime_spec *spec, int pidfd, struct error *err);

/* Writes linux.uidMappings and linux.gidMappings for the new user
 * namespace of the init pid, if the spec creates one. Called by the parent,
 * which needs CAP_SETUID and CAP_SETGID over the host ids mapped. */
int namespaces_write_id_maps(const struct runtime_spec *spec, pid_t pid, struct error *err);
