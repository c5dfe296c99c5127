/* SPDX-License-Identifier: Apache-2.0 */
/* Removing stopped containers in bulk (docker container prune). */
#include <dirent.h>
#include <stdio.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "engine-internal.h"
#include "image/timestamp.h"
#include "jsonutil.h"
#include "log.h"
#include "timeutil.h"

/* Sums the sizes of the regular files below dirfd/name (not following links). */
static int64_t tree_size(int parent_fd, const char *name)
{
        int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        int64_t total = 0;

        if (!dir) {
                if (fd >= 0)
                        close(fd);
                return 0;
        }
        while ((de = readdir(dir))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        total += tree_size(dirfd(dir), de->d_name);
                else if (S_ISREG(st.st_mode))
                        total += st.st_size;
        }
        closedir(dir);
        return total;
}

/* Reads the "until" filter as dockerd's prune does, with Docker's
 * GetTimestamp: durations ("24h"), dates, times and Unix timestamps.
 * Returns 1 with the time, or 0 when there is no such filter. */
static int parse_until(json_object *filters, int64_t *ret_ns, struct error *err)
{
        json_object *until = json_field_array(filters, "until");
        int r;

        if (!until || json_object_array_length(until) == 0)
                return 0;
        if (json_object_array_length(until) > 1)
                return error_set(err, -EINVAL, "more than one until filter specified");
        r = timestamp_parse_docker(json_object_get_string(json_object_array_get_idx(until, 0)), timeutil_now_ns(),
                                   ret_ns, err);
        return r < 0 ? r : 1;
}

/* dockerd reports a prune as a container event of no container. */
static void prune_event(struct engine *e, int64_t reclaimed)
{
        char bytes[32];
        char *attributes[] = { (char *)"reclaimed", bytes, NULL };

        snprintf(bytes, sizeof(bytes), "%" PRId64, reclaimed);
        engine_event_emit(e, "container", "prune", "", attributes);
}

static int check_prune_keys(json_object *filters, struct error *err)
{
        json_object_object_foreach (filters, key, value) {
                (void)value;
                if (!streq(key, "until") && !streq(key, "label") && !streq(key, "label!"))
                        return error_set(err, -EINVAL, "Invalid filter '%s'", key);
        }
        return 0;
}

int engine_container_prune(struct engine *e, json_object *filters, json_object *ret_deleted, int64_t *ret_space,
                           struct error *err)
{
        struct container **list = NULL;
        size_t n = 0;
        int64_t until_ns = 0;
        bool has_until;
        int r;

        r = check_prune_keys(filters, err);
        if (r < 0)
                return r;
        r = parse_until(filters, &until_ns, err);
        if (r < 0)
                return r;
        has_until = r > 0;
        r = engine_container_list(e, &list, &n);
        if (r < 0)
                return r;

        *ret_space = 0;
        for (size_t i = 0; i < n; i++) {
                struct container *c = list[i];
                _cleanup_error_ struct error remove_err = ERROR_INIT;
                json_object *labels;
                bool candidate;
                int64_t size;

                pthread_mutex_lock(&c->lock);
                labels = json_field_object(c->config, "Labels");
                candidate = !container_is_running(c) && c->state.status != CONTAINER_RESTARTING &&
                            (!has_until || c->created_ns <= until_ns) &&
                            json_labels_match(json_field_array(filters, "label"), labels, false) &&
                            json_labels_match(json_field_array(filters, "label!"), labels, true);
                pthread_mutex_unlock(&c->lock);
                if (!candidate)
                        continue;

                {
                        char upper[ID_LENGTH + 8];

                        snprintf(upper, sizeof(upper), "%s/upper", c->id);
                        size = tree_size(e->containers_dirfd, upper);
                }
                r = engine_container_remove(e, c, false, false, &remove_err);
                if (r < 0) {
                        log_warn("Prune: removing container %s failed: %s", c->id, error_message(&remove_err, r));
                        continue;
                }
                json_object_array_add(ret_deleted, json_object_new_string(c->id));
                *ret_space += size;
        }
        engine_container_list_free(list, n);
        prune_event(e, *ret_space);
        return 0;
}
