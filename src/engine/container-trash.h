/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

struct engine;
struct container;

/* Renames c's data and exec directories to hidden names and deletes them
 * on a thread of their own. A directory that cannot be renamed is deleted
 * at once. Returns 0, or -errno when the data directory could not be
 * renamed or deleted. */
int engine_trash_container_dirs(struct engine *e, struct container *c);

/* Deletes the hidden directories of removals that a stopped daemon left.
 * Call at start, before the containers are loaded. */
void engine_trash_empty(struct engine *e);
