/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "runtime/cli/store.h"
#include "runtime/container.h"

/* The options of create and run. */
struct cli_create_options {
        const char *id;
        const char *bundle;
        const char *pid_file;
        const char *console_socket; /* create only */
        bool no_new_keyring;
};

/* Parses the options and the ID argument of verb, which is "create" or
 * "run". Only create accepts --console-socket: for run it is an unknown
 * option. usage prints the verb's help to the stream it gets. Returns 1
 * to go on, 0 after --help, or a negative errno after reporting the
 * error. */
int cli_parse_create_options(const char *verb, int argc, char **argv, bool with_console_socket, void (*usage)(FILE *f),
                             struct cli_create_options *ret);

/* A container that create or run is bringing up from a bundle. */
struct cli_new_container {
        const char *id;
        char *bundle; /* absolute */
        struct runtime_spec *spec;
        char *cgroup_path;
        bool no_new_keyring; /* keep the caller's session keyring */
};

/* Loads the bundle's config.json and creates the container's state
 * directory. Reports any failure itself and returns a negative errno. */
int cli_prepare_container(const char *id, const char *bundle, struct cli_new_container *ret);

/* Creates the container's processes: the init waits before execve. */
int cli_create_container(const struct cli_new_container *n, struct runtime_container **ret, struct error *err);

/* Writes the first state record of container c, while its init waits
 * for start. */
int cli_record_container(const struct cli_new_container *n, const struct runtime_container *c);

/* Records that container id has started. */
int cli_mark_started(const char *id);

void cli_new_container_done(struct cli_new_container *n);

/* Runs the poststart hooks; a failure is a warning, as the OCI runtime
 * spec has it. */
void cli_run_poststart(const struct runtime_spec *spec, const struct store_container *rec);

/* Removes what remains of a stopped container: kills what is left in its
 * cgroup and removes it, runs the poststop hooks (a failure is a warning),
 * and removes the state directory. */
int cli_destroy_container(const struct store_container *rec, const struct runtime_spec *spec);

/* Exit status of a verb for a failure to create or start a container:
 * runc's 1. */
#define CLI_EXIT_FAILURE 1
