/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>

#include "runtime/spec.h"

/* Parsers of the parts of config.json, each filling its part of the spec. */
int spec_parse_process(json_object *obj, struct runtime_process *ret, struct error *err);
int spec_parse_linux(json_object *obj, struct runtime_linux *ret, struct error *err);
int spec_parse_seccomp(json_object *obj, struct runtime_seccomp **ret, struct error *err);
int spec_parse_hooks(json_object *obj, struct runtime_spec *spec, struct error *err);
int spec_parse_resources(json_object *obj, struct runtime_resources *ret, struct error *err);

/* Reads a device number member: -1 (absent, or "any") up to UINT32_MAX. */
int spec_parse_device_number(json_object *obj, const char *path, const char *key, int64_t *ret, struct error *err);

void spec_process_done(struct runtime_process *process);
void spec_linux_done(struct runtime_linux *linux_config);
void spec_seccomp_free(struct runtime_seccomp *seccomp);
void spec_hooks_done(struct runtime_spec *spec);
void spec_resources_done(struct runtime_resources *res);
