/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

/* Tells whether name (with or without the leading "/") follows Docker's
 * rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool container_name_is_valid(const char *name);

/* Returns a new random "adjective_surname" name, with a number appended
 * when retry > 0, or NULL when out of memory. */
char *container_name_generate(unsigned retry);
