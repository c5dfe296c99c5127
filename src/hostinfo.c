/* SPDX-License-Identifier: Apache-2.0 */
#include "hostinfo.h"

#include <linux/magic.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include "fsutil.h"
#include "macro.h"
#include "strv.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *go_arch(const char *machine)
{
        static const char *const names[][2] = {
                { "x86_64", "amd64" },    { "aarch64", "arm64" }, { "armv7l", "arm" },      { "i686", "386" },
                { "ppc64le", "ppc64le" }, { "s390x", "s390x" },   { "riscv64", "riscv64" },
        };

        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
                if (streq(machine, names[i][0]))
                        return names[i][1];
        return machine;
}

/* Copies the value of KEY= from os-release text, without quotes. */
static void os_release_value(char **lines, const char *key, char *out, size_t size)
{
        STRV_FOREACH (line, lines) {
                const char *value = startswith(*line, key);
                size_t len;

                if (!value || *value != '=')
                        continue;
                value++;
                len = strlen(value);
                if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
                        value++;
                        len -= 2;
                }
                snprintf(out, size, "%.*s", (int)len, value);
                return;
        }
}

void hostinfo_read(struct hostinfo *info)
{
        _cleanup_free_ char *os_release = NULL;
        _cleanup_strv_free_ char **lines = NULL;
        struct utsname uts;
        struct sysinfo si;
        struct statfs sfs;

        memset(info, 0, sizeof(*info));
        if (uname(&uts) == 0) {
                snprintf(info->kernel_version, sizeof(info->kernel_version), "%s", uts.release);
                snprintf(info->architecture, sizeof(info->architecture), "%s", uts.machine);
                snprintf(info->go_architecture, sizeof(info->go_architecture), "%s", go_arch(uts.machine));
        }
        gethostname(info->hostname, sizeof(info->hostname) - 1);

        if (fs_read_file_at(AT_FDCWD, "/etc/os-release", 64 * 1024, &os_release, NULL) >= 0 ||
            fs_read_file_at(AT_FDCWD, "/usr/lib/os-release", 64 * 1024, &os_release, NULL) >= 0) {
                lines = strv_split(os_release, "\n", false);
                os_release_value(lines, "PRETTY_NAME", info->operating_system, sizeof(info->operating_system));
                os_release_value(lines, "VERSION_ID", info->os_version, sizeof(info->os_version));
        }

        info->cpus = sysconf(_SC_NPROCESSORS_ONLN);
        if (sysinfo(&si) == 0)
                info->memory_total = (int64_t)si.totalram * si.mem_unit;
        info->cgroup_version = statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1;
}
