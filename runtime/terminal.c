/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <termios.h>

#include "runtime/mountutil.h"
#include "runtime/terminal.h"

static int open_ptmx(int root_fd, struct error *err)
{
        _cleanup_close_ int fd = -1;
        struct statfs st;

        fd = mountutil_open_in_root(root_fd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, true);
        if (fd < 0)
                return error_set_errno(err, fd, "failed to open /dev/pts/ptmx in the container");
        if (fstatfs(fd, &st) < 0 || st.f_type != DEVPTS_SUPER_MAGIC)
                return error_set(err, -EXDEV, "/dev/pts/ptmx in the container is not on a devpts filesystem");
        return TAKE_FD(fd);
}

/* Binds the slave on /dev/console by fd: binding its /dev/pts/N path
 * would let the container swap that path first. */
static int bind_console(int root_fd, int slave, struct error *err)
{
        _cleanup_close_ int target_fd = -1, tree_fd = -1;

        target_fd = mountutil_open_target(root_fd, "/dev/console", true, true, err);
        if (target_fd < 0)
                return target_fd;
        tree_fd = mountutil_clone_tree(slave, "", false, "/dev/console", err);
        if (tree_fd < 0)
                return tree_fd;
        return mountutil_attach(tree_fd, target_fd, "/dev/console", err);
}

/* Allocates a pty in the devpts instance of the container's /dev/pts,
 * sized from process.consoleSize. */
static int open_pty(int root_fd, const struct runtime_process *process, int *ret_slave, struct error *err)
{
        _cleanup_close_ int master = -1, slave = -1;
        int unlock = 0;

        master = open_ptmx(root_fd, err);
        if (master < 0)
                return master;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return error_set_errno(err, negative_errno(), "failed to unlock the pty");
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return error_set_errno(err, negative_errno(), "failed to open the pty's slave");

        if (process->console_height && process->console_width) {
                struct winsize ws = { .ws_row = process->console_height, .ws_col = process->console_width };

                if (ioctl(master, TIOCSWINSZ, &ws) < 0)
                        return error_set_errno(err, negative_errno(), "failed to set the terminal size");
        }

        *ret_slave = TAKE_FD(slave);
        return TAKE_FD(master);
}

static int make_controlling(int slave, struct error *err)
{
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return error_set_errno(err, negative_errno(), "failed to make the pty the controlling terminal");
        return 0;
}

int terminal_open(const struct runtime_process *process, int *ret_slave, struct error *err)
{
        _cleanup_close_ int root_fd = -1, master = -1, slave = -1;
        int r;

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open the container's root");
        master = open_pty(root_fd, process, &slave, err);
        if (master < 0)
                return master;
        r = make_controlling(slave, err);
        if (r < 0)
                return r;

        *ret_slave = TAKE_FD(slave);
        return TAKE_FD(master);
}

int terminal_setup(const struct runtime_spec *spec, int *ret_slave, struct error *err)
{
        _cleanup_close_ int root_fd = -1, master = -1, slave = -1;
        int r;

        root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return error_set_errno(err, negative_errno(), "failed to open the container's root");
        master = open_pty(root_fd, &spec->process, &slave, err);
        if (master < 0)
                return master;

        r = bind_console(root_fd, slave, err);
        if (r < 0)
                return r;
        r = make_controlling(slave, err);
        if (r < 0)
                return r;

        *ret_slave = TAKE_FD(slave);
        return TAKE_FD(master);
}
