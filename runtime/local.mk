# The local container runtime: libruntime.a and the sockerless-runtime CLI.
noinst_LIBRARIES += libruntime.a
libruntime_a_SOURCES = \
	runtime/caps.c runtime/caps.h \
	runtime/cgroup.c runtime/cgroup.h \
	runtime/cgroup-bpf.c \
	runtime/cgroup-blkio.c \
	runtime/cgroup-mount.c \
	runtime/cgroup-procs.c runtime/cgroup-procs.h \
	runtime/cgroup-v1.c \
	runtime/cgroup-v2.c \
	runtime/container.c runtime/container.h \
	runtime/devices.c runtime/devices.h \
	runtime/exec.c runtime/exec.h \
	runtime/hooks.c runtime/hooks.h \
	runtime/init.c runtime/init.h \
	runtime/mountopts.c runtime/mountopts.h \
	runtime/mounts.c runtime/mounts.h \
	runtime/mountutil.c runtime/mountutil.h \
	runtime/namespaces.c runtime/namespaces.h \
	runtime/process.c runtime/process.h \
	runtime/procfs.c runtime/procfs.h \
	runtime/rootfs.c runtime/rootfs.h \
	runtime/seccomp.c runtime/seccomp.h \
	runtime/seccomp-cache.c \
	runtime/spec.c runtime/spec.h \
	runtime/spec-internal.h \
	runtime/spec-exec.c \
	runtime/spec-hooks.c \
	runtime/spec-json.c runtime/spec-json.h \
	runtime/spec-linux.c \
	runtime/spec-process.c \
	runtime/spec-resources.c \
	runtime/spec-seccomp.c \
	runtime/sync.c runtime/sync.h \
	runtime/terminal.c runtime/terminal.h \
	runtime/user.c runtime/user.h
libruntime_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CAP_CFLAGS) $(SECCOMP_CFLAGS) $(NL_CFLAGS)

# What a program using libruntime.a links, in order.
RUNTIME_LIBS = libruntime.a libnetns.a libcommon.a $(JSONC_LIBS) $(CAP_LIBS) $(SECCOMP_LIBS) $(NL_LIBS)

bin_PROGRAMS += sockerless-runtime
sockerless_runtime_SOURCES = \
	runtime/cli/cli.h \
	runtime/cli/create.c \
	runtime/cli/delete.c \
	runtime/cli/exec.c \
	runtime/cli/features.c \
	runtime/cli/holder.h \
	runtime/cli/kill.c \
	runtime/cli/lifecycle.c runtime/cli/lifecycle.h \
	runtime/cli/list.c \
	runtime/cli/log.c \
	runtime/cli/main.c \
	runtime/cli/pause.c \
	runtime/cli/ps.c \
	runtime/cli/run.c \
	runtime/cli/sealed.c \
	runtime/cli/spec.c \
	runtime/cli/start.c \
	runtime/cli/state.c \
	runtime/cli/store.c runtime/cli/store.h \
	runtime/cli/util.c \
	runtime/cli/wait.c
sockerless_runtime_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CAP_CFLAGS) $(SECCOMP_CFLAGS)
sockerless_runtime_LDADD = $(RUNTIME_LIBS)
