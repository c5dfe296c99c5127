/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/*
 * User namespace remapping, dockerd's --userns-remap. A container whose
 * HostConfig.UsernsMode is not "host" runs in a user namespace. Its ids
 * map to the subordinate ranges of one host user (/etc/subuid and
 * /etc/subgid), so root in the container is an unprivileged uid on the
 * host.
 */

/* The largest number of lines a uid_map or gid_map takes (Linux 4.15 and
 * later). */
#define USERNS_MAX_RANGES 340

/* One line of a uid_map or gid_map. */
struct userns_range {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

/* A uid or gid map: ranges sorted by host id, with container ids
 * following each other from 0. */
struct userns_idmap {
        struct userns_range *ranges;
        size_t n_ranges;
};

/* The daemon's resolved --userns-remap setting. */
struct userns_remap {
        char *user;  /* owner of the subordinate ranges */
        char *group; /* the group named in the setting, or the user's */
        struct userns_idmap uids;
        struct userns_idmap gids;
        uid_t root_uid; /* host ids of the container's root */
        gid_t root_gid;
};

/* Splits a --userns-remap value "USER[:GROUP]" into its parts (*ret_group
 * is NULL without a group), with dockerd's message for a third part. */
int userns_split_spec(const char *spec, char **ret_user, char **ret_group, struct error *err);

/* Collects the ranges of /etc/subuid or /etc/subgid text whose owner
 * field is name or id (id may be NULL); with name NULL, every range. path
 * names the file in messages. The format is dockerd's: blank lines and
 * lines starting with '#' are skipped, other lines are OWNER:START:COUNT
 * with decimal numbers. Each range gets container_id 0; see
 * userns_idmap_build. */
int userns_subid_parse(const char *text, size_t len, const char *path, const char *name, const char *id,
                       struct userns_range **ret_ranges, size_t *ret_n, struct error *err);

/* Turns subordinate ranges into a map as dockerd does: sorted by host id,
 * container ids from 0 on. Rejects ranges that are empty, overlap, reach
 * id 4294967295 (which means "no id") or are more than the kernel takes.
 * kind ("subuid" or "subgid") names them in messages. Takes ranges over. */
int userns_idmap_build(struct userns_range *ranges, size_t n, const char *kind, struct userns_idmap *ret,
                       struct error *err);

/* Returns the host id that container id maps to, or -1 when it is unmapped. */
int64_t userns_idmap_to_host(const struct userns_idmap *map, uint32_t container_id);

/* Returns the container id that host id maps to, or -1 when it is unmapped. */
int64_t userns_idmap_to_container(const struct userns_idmap *map, uint32_t host_id);

void userns_idmap_clear(struct userns_idmap *map);
void userns_remap_free(struct userns_remap *remap);

static inline void userns_remap_freep(struct userns_remap **remap)
{
        userns_remap_free(*remap);
}

/* Tells whether a container with this HostConfig gets a user namespace
 * (remap is NULL when the daemon does not remap). */
bool userns_container_remapped(const struct userns_remap *remap, json_object *host_config);

/* Checks HostConfig.UsernsMode ("host", "private" or empty) and, for a
 * remapped container, the options that would share the host's
 * namespaces, with dockerd's messages. */
int userns_check_host_config(const struct userns_remap *remap, json_object *host_config, struct error *err);

/* Adds the user namespace and its uid and gid maps to the spec's "linux"
 * object. */
void userns_spec_add(const struct userns_remap *remap, json_object *linux_obj);

/* Gives a remapped container's files to its root, as dockerd does. Its
 * init goes through its data and exec directories (data_fd, exec_fd) and
 * the data directory's "mounts", so they get the remapped root's group
 * and mode 0710. The writable layer ("upper", "work"), the generated /etc
 * files and the tmpfs "mounts/shm" in the data directory become the
 * remapped root's. Does nothing for other containers. */
int userns_prepare_container_files(const struct userns_remap *remap, json_object *host_config, int data_fd, int exec_fd,
                                   struct error *err);

/* Creates the missing directories of path with mode 0755, as dockerd
 * does for the source of a -v bind. With remap (NULL when the daemon does
 * not remap), each new directory belongs to the remapped root, also for a
 * container with --userns host, as with dockerd. */
int userns_mkdir_bind_source(const struct userns_remap *remap, const char *path);
