/* SPDX-License-Identifier: Apache-2.0 */
/* Deleting a removed container's directories after its removal returns.
 *
 * Deleting a container's data and exec directories takes tens of
 * milliseconds on a busy disk, and `docker run --rm` waits for the
 * removal. So a removal renames both directories to a hidden name, which
 * is atomic, and a thread deletes them afterwards. A daemon killed before
 * that thread finishes leaves the hidden directories, which the next
 * start deletes. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "container-trash.h"
#include "daemon.h"
#include "engine-internal.h"
#include "fsutil.h"
#include "log.h"

#define TRASH_PREFIX ".removing-"

struct trash_job {
        int dirfds[2]; /* <data-root>/containers and <exec-root>/containers, or -1 */
        char name[sizeof(TRASH_PREFIX) + ID_LENGTH];
};

static void close_dirfd(int *fd)
{
        closep(fd);
        *fd = -1;
}

static void trash_job_free(struct trash_job *job)
{
        for (size_t i = 0; i < ARRAY_SIZE(job->dirfds); i++)
                close_dirfd(&job->dirfds[i]);
        free(job);
}

static void *empty_thread(void *arg)
{
        struct trash_job *job = arg;

        for (size_t i = 0; i < ARRAY_SIZE(job->dirfds); i++) {
                int r;

                if (job->dirfds[i] < 0)
                        continue;
                r = fs_rm_rf_at(job->dirfds[i], job->name);
                if (r < 0)
                        log_warn_errno(r, "Failed to delete %s of a removed container: %m", job->name);
        }
        trash_job_free(job);
        return NULL;
}

/* Renames dirfd/id to the trash name, or deletes it where the rename fails.
 * Returns 1 when it was renamed, 0 when it is gone, or -errno. */
static int move_to_trash(int dirfd, const char *id, const char *trash_name)
{
        int r;

        if (renameat(dirfd, id, dirfd, trash_name) == 0)
                return 1;
        if (errno == ENOENT)
                return 0;
        r = -errno;
        log_warn_errno(r, "Failed to rename the directory of container %s, deleting it now: %m", id);
        r = fs_rm_rf_at(dirfd, id);
        return r < 0 ? r : 0;
}

static int open_exec_containers_dir(struct engine *e)
{
        _cleanup_free_ char *path = fs_path_join(e->daemon->config.exec_root, "containers");
        int fd;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int engine_trash_container_dirs(struct engine *e, struct container *c)
{
        struct trash_job *job = calloc(1, sizeof(*job));
        pthread_attr_t attr;
        pthread_t thread;
        int r, ret;

        if (!job)
                return -ENOMEM;
        snprintf(job->name, sizeof(job->name), TRASH_PREFIX "%s", c->id);
        job->dirfds[0] = fcntl(e->containers_dirfd, F_DUPFD_CLOEXEC, 3);
        if (job->dirfds[0] < 0) {
                r = -errno;
                free(job);
                return r;
        }
        job->dirfds[1] = open_exec_containers_dir(e);

        /* Only a failure on the data directory fails the removal, as the
         * exec directory holds nothing that outlives a run. */
        ret = move_to_trash(job->dirfds[0], c->id, job->name);
        if (job->dirfds[1] >= 0)
                r = move_to_trash(job->dirfds[1], c->id, job->name);
        else
                r = job->dirfds[1] == -ENOENT ? 0 : job->dirfds[1];
        if (r < 0)
                log_warn_errno(r, "Failed to remove the exec directory of container %s: %m", c->id);
        /* The thread deletes only the directories that were renamed. */
        if (ret <= 0)
                close_dirfd(&job->dirfds[0]);
        if (r <= 0)
                close_dirfd(&job->dirfds[1]);

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        if (pthread_create(&thread, &attr, empty_thread, job) != 0) {
                log_warn("Failed to start a thread to delete the files of container %s, deleting them now", c->id);
                empty_thread(job);
        }
        pthread_attr_destroy(&attr);
        return ret < 0 ? ret : 0;
}

static void empty_dir(int dirfd, const char *path)
{
        /* A new open file description: a duplicate of dirfd would share
         * its directory offset with the readers of dirfd. */
        _cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (!dir)
                return;
        TAKE_FD(fd);
        while ((de = readdir(dir))) {
                int r;

                if (strncmp(de->d_name, TRASH_PREFIX, strlen(TRASH_PREFIX)) != 0)
                        continue;
                log_info("Deleting %s/%s, left by a removal that did not finish", path, de->d_name);
                r = fs_rm_rf_at(dirfd, de->d_name);
                if (r < 0)
                        log_warn_errno(r, "Failed to delete %s/%s: %m", path, de->d_name);
        }
        closedir(dir);
}

void engine_trash_empty(struct engine *e)
{
        _cleanup_free_ char *data_path = fs_path_join(e->daemon->config.data_root, "containers");
        _cleanup_free_ char *exec_path = fs_path_join(e->daemon->config.exec_root, "containers");
        _cleanup_close_ int exec_fd = open_exec_containers_dir(e);

        empty_dir(e->containers_dirfd, data_path ? data_path : "containers");
        if (exec_fd >= 0)
                empty_dir(exec_fd, exec_path ? exec_path : "containers");
}
