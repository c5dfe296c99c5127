/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <sys/types.h>

#include "error.h"

/*
 * The parts of docker top (GET /containers/{id}/top) that need no
 * process: the check of ps_args and the reading of ps's output, after
 * dockerd 20.10's daemon/top_unix.go.
 */

/* Rejects a "-o name=PID..." that would rename a column to PID and so
 * fool the parser: dockerd allows only "pid=PID...". */
int top_check_ps_args(const char *ps_args, struct error *err);

/* Splits ps_args at every single space as Go's strings.Split does, so
 * that two spaces give an empty argument. */
char **top_split_ps_args(const char *ps_args);

/* Reads ps's output into Docker's {"Titles": [...], "Processes": [[...]]},
 * keeping the processes whose PID is in pids. The fields past the last
 * title are joined with single spaces into the last column. Lines of
 * threads ("-" in the PID column, from ps -L or m) are kept after their
 * process's line. Errors: "Couldn't find PID field in ps output" and
 * "Unexpected pid", -EIO as dockerd's untyped errors. */
int top_parse_ps_output(const char *output, const pid_t *pids, size_t n_pids, json_object **ret, struct error *err);
