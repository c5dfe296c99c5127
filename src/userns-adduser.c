/* SPDX-License-Identifier: Apache-2.0 */
/* Creating the dockremap user of --userns-remap default with the host's
 * own tools, which keep the files' locks and formats right. */
#include "userns-adduser.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "engine/userns.h"
#include "fsutil.h"
#include "log.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define OUTPUT_MAX   4096

extern char **environ;

/* Finds an executable in $PATH, as dockerd's exec.LookPath does. */
static char *find_binary(const char *name)
{
        const char *path = getenv("PATH");
        _cleanup_free_ char *copy = strdup(isempty(path) ? DEFAULT_PATH : path);
        char *saveptr = NULL;

        if (!copy)
                return NULL;
        for (char *dir = strtok_r(copy, ":", &saveptr); dir; dir = strtok_r(NULL, ":", &saveptr)) {
                char *candidate = fs_path_join(dir, name);

                if (candidate && access(candidate, X_OK) == 0)
                        return candidate;
                free(candidate);
        }
        return NULL;
}

/* Keeps the first OUTPUT_MAX - 1 bytes the command writes and reads the
 * rest to the end, so the command never blocks on a full pipe, then
 * reaps it. */
static int collect(pid_t pid, int fd, char *output, int *ret_status)
{
        char discard[512];
        size_t len = 0;
        ssize_t n;

        for (;;) {
                bool full = len == OUTPUT_MAX - 1;

                n = read(fd, full ? discard : output + len, full ? sizeof(discard) : OUTPUT_MAX - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (!full)
                        len += (size_t)n;
        }
        output[len] = '\0';
        while (waitpid(pid, ret_status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

/* Runs argv with stdin from /dev/null, fails with its output when it
 * does not exit 0. */
static int run(char *const argv[], struct error *err)
{
        posix_spawn_file_actions_t actions;
        char output[OUTPUT_MAX];
        int pipe_fds[2], status = 0, r;
        pid_t pid;

        if (pipe2(pipe_fds, O_CLOEXEC) < 0)
                return error_set_errno(err, -errno, "creating a pipe for %s failed", argv[0]);
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
        r = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        close(pipe_fds[1]);
        if (r != 0) {
                close(pipe_fds[0]);
                return error_set_errno(err, -r, "running %s failed", argv[0]);
        }
        r = collect(pid, pipe_fds[0], output, &status);
        close(pipe_fds[0]);
        if (r < 0)
                return error_set_errno(err, r, "waiting for %s failed", argv[0]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return error_set(err, -EIO, "%s failed with status %d; output: \"%s\"", argv[0], status, output);
        return 0;
}

static int add_user(const char *name, struct error *err)
{
        _cleanup_free_ char *adduser = find_binary("adduser"), *useradd = NULL;

        if (adduser) {
                char *const argv[] = { adduser,
                                       "--system",
                                       "--shell",
                                       "/bin/false",
                                       "--no-create-home",
                                       "--disabled-login",
                                       "--disabled-password",
                                       "--group",
                                       (char *)name,
                                       NULL };

                log_info("Creating the user and group %s with %s", name, adduser);
                return run(argv, err);
        }
        useradd = find_binary("useradd");
        if (useradd) {
                char *const argv[] = { useradd, "-r", "-s", "/bin/false", (char *)name, NULL };

                log_info("Creating the user %s with %s", name, useradd);
                return run(argv, err);
        }
        return error_set(err, -ENOENT, "cannot add user; no useradd/adduser binary found");
}

int64_t userns_adduser_free_range(const char *text, size_t len, const char *path, struct error *err)
{
        _cleanup_free_ struct userns_range *ranges = NULL;
        uint64_t start = USERNS_ADDUSER_RANGE_START;
        bool moved = true;
        size_t n;
        int r;

        r = userns_subid_parse(text, len, path, NULL, NULL, &ranges, &n, err);
        if (r < 0)
                return r;
        /* Moves past every range the candidate overlaps until none does. */
        while (moved) {
                moved = false;
                for (size_t i = 0; i < n; i++) {
                        uint64_t end = (uint64_t)ranges[i].host_id + ranges[i].size;

                        if (start < end && ranges[i].host_id < start + USERNS_ADDUSER_RANGE_SIZE) {
                                start = end;
                                moved = true;
                        }
                }
        }
        if (start + USERNS_ADDUSER_RANGE_SIZE > UINT32_MAX)
                return error_set(err, -ERANGE, "no free range of %u ids is left in %s", USERNS_ADDUSER_RANGE_SIZE,
                                 path);
        return (int64_t)start;
}

/* Gives name a subordinate range in path with "usermod OPTION
 * START-END", unless it has one. A missing file has no ranges. */
static int add_range(const char *path, const char *option, const char *name, struct error *err)
{
        _cleanup_free_ char *text = NULL, *usermod = NULL;
        _cleanup_free_ struct userns_range *owned = NULL;
        char range[48];
        size_t len = 0, n = 0;
        int64_t start;
        int r;

        r = fs_read_file_at(AT_FDCWD, path, 16u << 20, &text, &len);
        if (r < 0 && r != -ENOENT)
                return error_set_errno(err, r, "Error while looking for ranges for user \"%s\" in %s", name, path);
        if (r >= 0) {
                r = userns_subid_parse(text, len, path, name, NULL, &owned, &n, err);
                if (r < 0)
                        return r;
        }
        if (n > 0)
                return 0;

        start = userns_adduser_free_range(text ?: "", len, path, err);
        if (start < 0)
                return (int)start;
        usermod = find_binary("usermod");
        if (!usermod)
                return error_set(err, -ENOENT, "cannot add subordinate ids; no usermod binary found");
        snprintf(range, sizeof(range), "%lld-%lld", (long long)start, (long long)start + USERNS_ADDUSER_RANGE_SIZE - 1);
        log_info("Adding the range %s of %s to %s", range, path, name);

        char *const argv[] = { usermod, (char *)option, range, (char *)name, NULL };
        return run(argv, err);
}

int userns_adduser_create(const char *name, struct error *err)
{
        int r;

        r = add_user(name, err);
        if (r >= 0)
                r = add_range("/etc/subuid", "-v", name, err);
        if (r >= 0)
                r = add_range("/etc/subgid", "-w", name, err);
        return r;
}
