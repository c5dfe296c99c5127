/* SPDX-License-Identifier: Apache-2.0 */
/* The host's CPU time and memory, and a container's network counters,
 * from /proc (stats.h). */
#include <ctype.h>
#include <stdio.h>

#include "macro.h"
#include "stats.h"
#include "strv.h"

#define CLOCK_TICKS_PER_SECOND 100
#define NSEC_PER_SEC           1000000000ULL

int stats_parse_proc_stat(const char *text, struct stats_host *host)
{
        uint64_t usage = 0;
        uint32_t cpus = 0;

        /* The cpu lines come first, as glibc's get_nprocs also assumes. */
        for (const char *line = text; startswith(line, "cpu") && strlen(line) >= 4;) {
                if (line[3] == ' ') {
                        unsigned long long fields[7];

                        if (sscanf(line + 3, "%llu %llu %llu %llu %llu %llu %llu", &fields[0], &fields[1], &fields[2],
                                   &fields[3], &fields[4], &fields[5], &fields[6]) != 7)
                                return -EINVAL;
                        usage = 0;
                        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
                                usage += fields[i];
                        usage = usage * NSEC_PER_SEC / CLOCK_TICKS_PER_SECOND;
                } else if (isdigit((unsigned char)line[3])) {
                        cpus++;
                }
                line = strchr(line, '\n');
                if (!line)
                        break;
                line++;
        }
        host->system_cpu_ns = usage;
        host->online_cpus = cpus;
        return 0;
}

uint64_t stats_parse_meminfo(const char *text)
{
        const char *line = strstr(text, "MemTotal:");
        unsigned long long kib;

        if (!line || (line != text && line[-1] != '\n'))
                return 0;
        if (sscanf(line + strlen("MemTotal:"), "%llu", &kib) != 1)
                return 0;
        return (uint64_t)kib * 1024;
}

/* One line of /proc/net/dev: "  eth0: rx_bytes rx_packets rx_errs rx_drop
 * fifo frame compressed multicast tx_bytes tx_packets tx_errs tx_drop
 * ...". */
static json_object *interface_stats(const char *counters)
{
        unsigned long long v[12];
        static const struct {
                const char *name;
                int index;
        } fields[] = {
                { "rx_bytes", 0 }, { "rx_packets", 1 }, { "rx_errors", 2 },  { "rx_dropped", 3 },
                { "tx_bytes", 8 }, { "tx_packets", 9 }, { "tx_errors", 10 }, { "tx_dropped", 11 },
        };
        json_object *obj;

        if (sscanf(counters, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11]) != 12)
                return NULL;
        obj = json_object_new_object();
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
                json_object_object_add(obj, fields[i].name, json_object_new_uint64(v[fields[i].index]));
        return obj;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

json_object *stats_parse_net_dev(const char *text)
{
        _cleanup_strv_free_ char **names = NULL;
        json_object *by_name = json_object_new_object(), *sorted;

        for (const char *line = text; line && *line;) {
                const char *end = line + strcspn(line, "\n"), *colon = memchr(line, ':', (size_t)(end - line));

                if (colon) {
                        const char *name = line + strspn(line, " ");
                        _cleanup_free_ char *interface = strndup(name, (size_t)(colon - name));
                        json_object *stats = interface_stats(colon + 1);

                        if (interface && stats && !streq(interface, "lo") &&
                            !json_object_object_get_ex(by_name, interface, NULL)) {
                                json_object_object_add(by_name, interface, stats);
                                strv_append(&names, interface);
                        } else {
                                json_object_put(stats);
                        }
                }
                line = *end ? end + 1 : end;
        }
        if (!names) {
                json_object_put(by_name);
                return NULL;
        }

        /* Sorted by name, as Go writes a map. */
        qsort(names, strv_length(names), sizeof(*names), compare_strings);
        sorted = json_object_new_object();
        STRV_FOREACH (name, names)
                json_object_object_add(sorted, *name, json_object_get(json_object_object_get(by_name, *name)));
        json_object_put(by_name);
        return sorted;
}
