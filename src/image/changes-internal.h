/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "changes.h"

/* Checks the instruction's flags against the names it accepts (each a
 * string flag "--name=value"); values land in ret_values[i] (borrowed
 * from in, NULL when unset). Messages are Docker's ("Unknown flag: x"). */
int changes_check_flags(struct instruction *in, const char *const *names, const char **ret_values, size_t n,
                        struct error *err);

/* HEALTHCHECK [--interval= --timeout= --start-period= --retries=] CMD ... | NONE */
int changes_apply_healthcheck(json_object *config, struct instruction *in, struct error *err);

/* Parses a Go duration ("1m30s", "500ms"); messages are Go's. */
int changes_parse_duration(const char *s, int64_t *ret_ns, struct error *err);

/* Adds the ports of one EXPOSE word ("80", "53/udp", "8000-8002/tcp",
 * "ip:host:container/proto") to ports, as Docker's nat.ParsePortSpecs. */
int changes_expose_port(const char *spec, json_object *ports, struct error *err);

/* Tells whether Docker accepts s as a signal: a non-zero number or a
 * name with or without "SIG", in any case. */
bool changes_signal_valid(const char *s);

/* Joins "/", dir and rel and cleans the result as Go's filepath.Join. */
int changes_path_join(const char *dir, const char *rel, char **ret);

/* Joins words with single spaces. */
char *changes_join(char *const *words);
