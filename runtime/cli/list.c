/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>

#include "jsonutil.h"
#include "runtime/cli/cli.h"
#include "runtime/cli/store.h"
#include "strv.h"

/* Columns as runc's tabwriter sets them: at least 12 wide, 3 apart. */
#define COLUMN_MIN     12
#define COLUMN_PADDING 3
#define N_COLUMNS      6

static const char *const headers[N_COLUMNS] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };

/* The owner runc shows: the user owning the container's state directory. */
static char *owner_of(const char *id)
{
        _cleanup_free_ char *path = store_path(id, NULL);
        struct passwd *pw;
        struct stat st;
        char *name;

        if (!path || stat(path, &st) < 0)
                return strdup("");
        pw = getpwuid(st.st_uid);
        if (pw)
                return strdup(pw->pw_name);
        return asprintf(&name, "#%u", (unsigned)st.st_uid) < 0 ? NULL : name;
}

static int collect(char **ids, json_object *array)
{
        STRV_FOREACH (id, ids) {
                _cleanup_(store_container_freep) struct store_container *rec = NULL;
                _cleanup_(runtime_spec_freep) struct runtime_spec *spec = NULL;
                _cleanup_free_ char *owner = NULL;

                /* A container deleted meanwhile is no error. */
                if (store_load(*id, &rec, NULL) < 0)
                        continue;
                (void)store_load_spec(rec, &spec, NULL);
                owner = owner_of(*id);
                if (!owner)
                        return -ENOMEM;
                json_object_array_add(array, store_state_json(rec, spec, owner));
        }
        return 0;
}

static const char *cell(json_object *state, int column, char *buf, size_t size)
{
        static const char *const keys[N_COLUMNS] = { "id", "pid", "status", "bundle", "created", "owner" };

        json_object *value = NULL;

        (void)json_object_object_get_ex(state, keys[column], &value);
        snprintf(buf, size, "%s", value ? json_object_get_string(value) : "");
        return buf;
}

/* Prints one row, each cell padded to its column's width but the last. */
static void print_row(const char *const *cells, const size_t *width)
{
        for (int col = 0; col < N_COLUMNS - 1; col++)
                printf("%-*s", (int)width[col], cells[col]);
        printf("%s\n", cells[N_COLUMNS - 1]);
}

static void print_table(json_object *array)
{
        size_t width[N_COLUMNS];
        size_t n = json_object_array_length(array);
        char buf[4096];

        for (int col = 0; col < N_COLUMNS; col++) {
                width[col] = MAX(strlen(headers[col]) + COLUMN_PADDING, COLUMN_MIN);
                for (size_t i = 0; i < n; i++)
                        width[col] = MAX(width[col],
                                         strlen(cell(json_object_array_get_idx(array, i), col, buf, sizeof(buf))) +
                                                 COLUMN_PADDING);
        }
        print_row(headers, width);
        for (size_t i = 0; i < n; i++) {
                char cells[N_COLUMNS][4096];
                const char *row[N_COLUMNS];

                for (int col = 0; col < N_COLUMNS; col++)
                        row[col] = cell(json_object_array_get_idx(array, i), col, cells[col], sizeof(cells[col]));
                print_row(row, width);
        }
}

int cli_list(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "format", required_argument, NULL, 'f' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_json_ json_object *array = json_object_new_array();
        _cleanup_strv_free_ char **ids = NULL;
        const char *format = "table";
        bool quiet = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "+f:qh", longopts, NULL)) >= 0)
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        printf("Usage: sockerless-runtime list [-f table|json] [-q]\n\nLists the containers of "
                               "the state directory; -q prints only their IDs.\n");
                        return 0;
                default:
                        return 1;
                }
        if (!cli_check_args("list", argc - optind, 0, 0))
                return 1;
        if (!streq(format, "table") && !streq(format, "json")) {
                cli_error("invalid format option");
                return 1;
        }

        r = store_list(&ids);
        if (r >= 0)
                r = collect(ids, array);
        if (r < 0) {
                cli_error("failed to list the containers in %s: %s", cli.root, strerror(-r));
                return 1;
        }
        if (quiet) {
                for (size_t i = 0; i < json_object_array_length(array); i++)
                        puts(json_field_string(json_object_array_get_idx(array, i), "id", ""));
        } else if (streq(format, "json"))
                puts(json_to_string(array));
        else
                print_table(array);
        return 0;
}
