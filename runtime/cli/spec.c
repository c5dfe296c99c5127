/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>

#include "jsonutil.h"
#include "runtime/cli/cli.h"

/* Docker's default capabilities. */
static const char *const default_caps[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FSETID",
        "CAP_FOWNER",
        "CAP_MKNOD",
        "CAP_NET_RAW",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETFCAP",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT",
        "CAP_KILL",
        "CAP_AUDIT_WRITE",
        NULL,
};

static const char *const masked_paths[] = {
        "/proc/acpi",
        "/proc/asound",
        "/proc/interrupts",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/sys/devices/virtual/powercap",
        "/sys/firmware",
        NULL,
};

static const char *const readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static const struct {
        const char *destination;
        const char *type;
        const char *source;
        const char *options[7];
} default_mounts[] = {
        { "/proc", "proc", "proc", { "nosuid", "noexec", "nodev" } },
        { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k" } },
        { "/dev/pts",
          "devpts",
          "devpts",
          { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" } },
        { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" } },
        { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev" } },
        { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro" } },
        { "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro" } },
};

static const char *const namespaces[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };

static json_object *string_array(const char *const *v)
{
        return json_array_from_strv((char *const *)v);
}

static json_object *process_object(void)
{
        static const char *const args[] = { "sh", NULL };
        static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                           "TERM=xterm", NULL };
        json_object *process = json_object_new_object();
        json_object *user = json_object_new_object();
        json_object *caps = json_object_new_object();

        json_object_object_add(process, "terminal", json_object_new_boolean(true));
        json_object_object_add(user, "uid", json_object_new_int(0));
        json_object_object_add(user, "gid", json_object_new_int(0));
        json_object_object_add(process, "user", user);
        json_object_object_add(process, "args", string_array(args));
        json_object_object_add(process, "env", string_array(env));
        json_object_object_add(process, "cwd", json_object_new_string("/"));
        json_object_object_add(caps, "bounding", string_array(default_caps));
        json_object_object_add(caps, "effective", string_array(default_caps));
        json_object_object_add(caps, "permitted", string_array(default_caps));
        json_object_object_add(process, "capabilities", caps);
        json_object_object_add(process, "noNewPrivileges", json_object_new_boolean(true));
        return process;
}

static json_object *mounts_array(void)
{
        json_object *mounts = json_object_new_array();

        for (size_t i = 0; i < ARRAY_SIZE(default_mounts); i++) {
                json_object *m = json_object_new_object();

                json_object_object_add(m, "destination", json_object_new_string(default_mounts[i].destination));
                json_object_object_add(m, "type", json_object_new_string(default_mounts[i].type));
                json_object_object_add(m, "source", json_object_new_string(default_mounts[i].source));
                json_object_object_add(m, "options", string_array(default_mounts[i].options));
                json_object_array_add(mounts, m);
        }
        return mounts;
}

static json_object *linux_object(void)
{
        json_object *linux_obj = json_object_new_object();
        json_object *resources = json_object_new_object();
        json_object *devices = json_object_new_array();
        json_object *deny_all = json_object_new_object();
        json_object *ns = json_object_new_array();

        json_object_object_add(deny_all, "allow", json_object_new_boolean(false));
        json_object_object_add(deny_all, "access", json_object_new_string("rwm"));
        json_object_array_add(devices, deny_all);
        json_object_object_add(resources, "devices", devices);
        json_object_object_add(linux_obj, "resources", resources);

        for (const char *const *n = namespaces; *n; n++) {
                json_object *entry = json_object_new_object();

                json_object_object_add(entry, "type", json_object_new_string(*n));
                json_object_array_add(ns, entry);
        }
        json_object_object_add(linux_obj, "namespaces", ns);
        json_object_object_add(linux_obj, "maskedPaths", string_array(masked_paths));
        json_object_object_add(linux_obj, "readonlyPaths", string_array(readonly_paths));
        return linux_obj;
}

int cli_spec(int argc, char **argv)
{
        _cleanup_json_ json_object *spec = NULL;
        json_object *root;

        if (argc > 1) {
                if (streq(argv[1], "--help") || streq(argv[1], "-h")) {
                        printf("Usage: sockerless-runtime spec\n\nPrints a default config.json with Docker's "
                               "defaults for a busybox root\nfilesystem in the bundle's rootfs directory.\n");
                        return 0;
                }
                cli_error("spec takes no arguments");
                return 2;
        }

        spec = json_object_new_object();
        root = json_object_new_object();
        json_object_object_add(spec, "ociVersion", json_object_new_string("1.0.2"));
        json_object_object_add(spec, "process", process_object());
        json_object_object_add(root, "path", json_object_new_string("rootfs"));
        json_object_object_add(root, "readonly", json_object_new_boolean(true));
        json_object_object_add(spec, "root", root);
        json_object_object_add(spec, "hostname", json_object_new_string("sockerless"));
        json_object_object_add(spec, "mounts", mounts_array());
        json_object_object_add(spec, "linux", linux_object());

        puts(json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
        return 0;
}
