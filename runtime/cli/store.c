/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "jsonutil.h"
#include "runtime/cgroup-procs.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/store.h"
#include "runtime/hooks.h"
#include "strv.h"
#include "timeutil.h"

/* A record is a few hundred bytes, and config.json may be as large as the
 * spec parser allows. */
#define STATE_MAX_SIZE  (64u << 10)
#define CONFIG_MAX_SIZE (4u << 20)

int store_check_id(const char *id, struct error *err)
{
        bool ok = !isempty(id) && !streq(id, ".") && !streq(id, "..");

        for (const char *p = id; ok && *p; p++)
                ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                     strchr("_+-.", *p);
        if (!ok)
                return error_set(err, -EINVAL, "invalid id format: %s", id ?: "");
        return 0;
}

char *store_path(const char *id, const char *name)
{
        char *path;

        if (asprintf(&path, "%s/%s%s%s", cli.root, id, name ? "/" : "", name ?: "") < 0)
                return NULL;
        return path;
}

static int open_dir(const char *id)
{
        _cleanup_free_ char *path = store_path(id, NULL);
        int fd;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* Replaces dirfd/name atomically (a temporary file renamed over it), but
 * without fsync: the state directory describes processes, which a reboot
 * ends anyway, and the runtime's default one is on tmpfs. */
static int write_file(int dirfd, const char *name, const char *data, size_t len)
{
        char tmp[NAME_MAX + 1];
        _cleanup_close_ int fd = -1;
        int r;

        snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
        (void)unlinkat(dirfd, tmp, 0);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return negative_errno();
        r = fs_write_all(fd, data, len);
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = negative_errno();
        if (r < 0)
                (void)unlinkat(dirfd, tmp, 0);
        return r;
}

int store_create(const char *id, const char *config, size_t config_len, struct error *err)
{
        _cleanup_free_ char *path = store_path(id, NULL);
        _cleanup_close_ int fd = -1;
        int r;

        if (!path)
                return -ENOMEM;
        r = fs_mkdir_p(cli.root, 0700);
        if (r < 0)
                return error_set_errno(err, r, "failed to create the state directory %s", cli.root);
        if (mkdir(path, 0700) < 0) {
                if (errno == EEXIST)
                        return error_set(err, -EEXIST, "container with given ID already exists");
                return error_set_errno(err, negative_errno(), "failed to create %s", path);
        }

        fd = open_dir(id);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open %s", path);
        r = write_file(fd, "config.json", config, config_len);
        if (r < 0)
                return error_set_errno(err, r, "failed to write %s/config.json", path);
        return 0;
}

int store_save(const struct store_container *c)
{
        _cleanup_json_ json_object *obj = json_object_new_object();
        _cleanup_close_ int fd = open_dir(c->id);
        const char *text;

        if (fd < 0)
                return fd;
        json_object_object_add(obj, "id", json_object_new_string(c->id));
        json_object_object_add(obj, "pid", json_object_new_int(c->pid));
        json_object_object_add(obj, "start_time", json_object_new_uint64(c->start_time));
        json_object_object_add(obj, "bundle", json_object_new_string(c->bundle));
        json_object_object_add(obj, "rootfs", json_object_new_string(c->rootfs));
        json_object_object_add(obj, "created", json_object_new_int64(c->created_ns));
        json_object_object_add(obj, "cgroup_path", json_object_new_string(c->cgroup_path));
        json_object_object_add(obj, "started", json_object_new_boolean(c->started));
        json_object_object_add(obj, "no_new_keyring", json_object_new_boolean(c->no_new_keyring));
        text = json_to_string(obj);
        return write_file(fd, "state.json", text, strlen(text));
}

static int dup_field(json_object *obj, const char *key, char **ret)
{
        const char *v = json_field_string(obj, key, NULL);

        if (!v)
                return -EINVAL;
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

static int parse_record(json_object *obj, struct store_container *c)
{
        int r;

        c->pid = (pid_t)json_field_int(obj, "pid", 0);
        c->start_time = (uint64_t)json_field_int(obj, "start_time", 0);
        c->created_ns = json_field_int(obj, "created", 0);
        c->started = json_field_bool(obj, "started", false);
        c->no_new_keyring = json_field_bool(obj, "no_new_keyring", false);
        r = dup_field(obj, "id", &c->id);
        if (r >= 0)
                r = dup_field(obj, "bundle", &c->bundle);
        if (r >= 0)
                r = dup_field(obj, "rootfs", &c->rootfs);
        if (r >= 0)
                r = dup_field(obj, "cgroup_path", &c->cgroup_path);
        return r;
}

int store_load(const char *id, struct store_container **ret, struct error *err)
{
        _cleanup_(store_container_freep) struct store_container *c = NULL;
        _cleanup_json_ json_object *obj = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        r = store_check_id(id, err);
        if (r < 0)
                return r;
        fd = open_dir(id);
        if (fd == -ENOENT)
                return error_set(err, -ENOENT, "container does not exist");
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open the state of container %s", id);
        r = json_file_read(fd, "state.json", STATE_MAX_SIZE, &obj);
        if (r == -ENOENT)
                return error_set(err, -ENOENT, "container does not exist");
        if (r < 0)
                return error_set_errno(err, r, "failed to read the state of container %s", id);

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        r = parse_record(obj, c);
        if (r < 0)
                return error_set_errno(err, r, "invalid state of container %s", id);
        *ret = TAKE_PTR(c);
        return 0;
}

int store_load_spec(const struct store_container *c, struct runtime_spec **ret, struct error *err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = open_dir(c->id);
        size_t len;
        int r;

        if (fd < 0)
                return error_set_errno(err, fd, "failed to open the state of container %s", c->id);
        r = fs_read_file_at(fd, "config.json", CONFIG_MAX_SIZE, &text, &len);
        if (r < 0)
                return error_set_errno(err, r, "failed to read the configuration of container %s", c->id);
        return runtime_spec_parse(text, len, ret, err);
}

int store_remove(const char *id)
{
        _cleanup_close_ int fd = open(cli.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();
        return fs_rm_rf_at(fd, id);
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_list(char ***ret)
{
        _cleanup_strv_free_ char **ids = NULL;
        DIR *dir = opendir(cli.root);
        struct dirent *de;

        if (!dir) {
                if (errno != ENOENT)
                        return negative_errno();
                *ret = NULL;
                return 0;
        }
        while ((de = readdir(dir))) {
                _cleanup_free_ char *record = NULL;

                if (de->d_name[0] == '.' || store_check_id(de->d_name, NULL) < 0)
                        continue;
                record = store_path(de->d_name, "state.json");
                if (!record || access(record, F_OK) < 0)
                        continue;
                if (strv_append(&ids, de->d_name) < 0) {
                        closedir(dir);
                        return -ENOMEM;
                }
        }
        closedir(dir);
        if (ids)
                qsort(ids, strv_length(ids), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(ids);
        return 0;
}

int store_process_start_time(pid_t pid, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        char path[64], state;
        unsigned long long start;
        const char *p;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (fs_read_file_at(AT_FDCWD, path, 4096, &text, NULL) < 0)
                return -ESRCH;
        /* The command name may hold spaces and parentheses: the fields
         * after it start after the last ')'. */
        p = strrchr(text, ')');
        if (!p || sscanf(p + 1, " %c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu",
                         &state, &start) != 2)
                return -EINVAL;
        if (state == 'Z' || state == 'X')
                return -ESRCH;
        *ret = start;
        return 0;
}

bool store_init_alive(const struct store_container *c)
{
        uint64_t start;

        return c->pid > 0 && store_process_start_time(c->pid, &start) == 0 && start == c->start_time;
}

int store_open_init(const struct store_container *c)
{
        _cleanup_close_ int fd = -1;

        if (c->pid <= 0)
                return -ESRCH;
        fd = pidfd_open(c->pid, 0);
        if (fd < 0)
                return negative_errno();
        /* Checked after the pidfd exists: from then on the pid cannot be
         * reused without the pidfd noticing. */
        if (!store_init_alive(c))
                return -ESRCH;
        return TAKE_FD(fd);
}

const char *store_status(const struct store_container *c)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;

        if (!store_init_alive(c))
                return "stopped";
        if (cgroup_open(c->cgroup_path, false, &cg, NULL) >= 0 && cgroup_procs_frozen(cg))
                return "paused";
        return c->started ? "running" : "created";
}

json_object *store_state_json(const struct store_container *c, const struct runtime_spec *spec, const char *owner)
{
        json_object *obj = json_object_new_object();
        const char *status = store_status(c);
        char created[TIMEUTIL_RFC3339_MAX];

        json_object_object_add(obj, "ociVersion", json_object_new_string(RUNTIME_OCI_VERSION));
        json_object_object_add(obj, "id", json_object_new_string(c->id));
        json_object_object_add(obj, "pid", json_object_new_int(streq(status, "stopped") ? 0 : c->pid));
        json_object_object_add(obj, "status", json_object_new_string(status));
        json_object_object_add(obj, "bundle", json_object_new_string(c->bundle));
        json_object_object_add(obj, "rootfs", json_object_new_string(c->rootfs));
        json_object_object_add(
                obj, "created",
                json_object_new_string(timeutil_format_rfc3339(c->created_ns, created, sizeof(created))));
        json_object_object_add(obj, "owner", json_object_new_string(owner));
        if (spec && spec->annotations) {
                json_object *annotations = json_object_new_object();

                for (char **a = spec->annotations; a[0] && a[1]; a += 2)
                        json_object_object_add(annotations, a[0], json_object_new_string(a[1]));
                json_object_object_add(obj, "annotations", annotations);
        }
        return obj;
}

void store_container_free(struct store_container *c)
{
        if (!c)
                return;
        free(c->id);
        free(c->bundle);
        free(c->rootfs);
        free(c->cgroup_path);
        free(c);
}
