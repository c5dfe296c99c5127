/* SPDX-License-Identifier: Apache-2.0 */
/* The ps arguments and output of docker top (top.h). */
#include <limits.h>
#include <stdio.h>

#include "jsonutil.h"
#include "strv.h"
#include "top.h"

/* Go's \s in the RE2 syntax dockerd uses: ASCII whitespace only. */
static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v';
}

/*
 * dockerd matches \s+([^\s]*)=\s*(PID[^\s]*) anywhere in ps_args and
 * rejects every match whose key is not "pid". A key is the run of
 * non-space characters before an "=" and after whitespace. RE2 takes the
 * leftmost match and the longest key, so the "=" is the last one in the
 * run that optional spaces and "PID" follow.
 */
int top_check_ps_args(const char *ps_args, struct error *err)
{
        const char *p = ps_args;

        while (*p) {
                const char *start, *end, *eq = NULL, *value;

                if (!is_space(*p)) {
                        p++;
                        continue;
                }
                while (is_space(*p))
                        p++;
                start = p;
                for (end = start; *end && !is_space(*end); end++)
                        ;
                /* The last "=" of the run after which (past spaces) "PID" follows. */
                for (const char *q = end; q > start; q--) {
                        const char *v;

                        if (q[-1] != '=')
                                continue;
                        for (v = q; is_space(*v); v++)
                                ;
                        if (startswith(v, "PID")) {
                                eq = q - 1;
                                break;
                        }
                }
                if (!eq) {
                        p = end;
                        continue;
                }
                for (value = eq + 1; is_space(*value); value++)
                        ;
                if (eq - start != 3 || strncmp(start, "pid", 3) != 0) {
                        size_t value_len = strcspn(value, " \t\n\f\r\v");

                        return error_set(err, -EIO, "specifying \"%.*s=%.*s\" is not allowed", (int)(eq - start), start,
                                         (int)value_len, value);
                }
                p = value + strcspn(value, " \t\n\f\r\v");
        }
        return 0;
}

char **top_split_ps_args(const char *ps_args)
{
        return strv_split(ps_args, " ", true);
}

/* Go's strings.FieldsFunc with ASCII whitespace, the fields of a line. */
static char **fields_of(const char *line, size_t len)
{
        _cleanup_strv_free_ char **fields = NULL;
        size_t i = 0;

        while (i < len) {
                size_t start;

                while (i < len && is_space(line[i]))
                        i++;
                if (i == len)
                        break;
                start = i;
                while (i < len && !is_space(line[i]))
                        i++;
                if (strv_consume(&fields, strndup(line + start, i - start)) < 0)
                        return NULL;
        }
        if (!fields)
                fields = calloc(1, sizeof(*fields));
        return TAKE_PTR(fields);
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* One row with as many columns as titles: the fields past the last title
 * joined with spaces into the last column. */
static json_object *process_row(char **fields, size_t n_titles)
{
        json_object *row = json_object_new_array();
        size_t n = strv_length(fields);
        char *joined = NULL;
        size_t len = 0;
        FILE *out;

        for (size_t i = 0; i + 1 < n_titles && i < n; i++)
                json_object_array_add(row, json_object_new_string(fields[i]));
        out = open_memstream(&joined, &len);
        if (!out) {
                json_object_put(row);
                return NULL;
        }
        for (size_t i = n_titles - 1; i < n; i++)
                fprintf(out, "%s%s", i > n_titles - 1 ? " " : "", fields[i]);
        fclose(out);
        json_object_array_add(row, json_object_new_string(joined ?: ""));
        free(joined);
        return row;
}

/* Reads the PID column: 1 for a pid, 0 for "-" (a thread), or -EIO. */
static int parse_pid(const char *field, long *ret, struct error *err)
{
        char *end;
        long pid;

        if (streq(field, "-"))
                return 0;
        errno = 0;
        pid = strtol(field, &end, 10);
        if (errno != 0 || end == field || *end || pid > INT_MAX || pid < INT_MIN)
                return error_set(err, -EIO, "Unexpected pid '%s': strconv.Atoi: parsing \"%s\": invalid syntax", field,
                                 field);
        *ret = pid;
        return 1;
}

static int add_rows(const char *rows, const pid_t *pids, size_t n_pids, size_t pid_index, size_t n_titles,
                    json_object *processes, struct error *err)
{
        bool previous_kept = false;

        for (const char *line = rows; *line;) {
                size_t len = strcspn(line, "\n");
                _cleanup_strv_free_ char **fields = fields_of(line, len);
                long pid = 0;
                bool keep;
                int r;

                line += len + (line[len] == '\n');
                if (!fields)
                        return -ENOMEM;
                if (len == 0)
                        continue;
                /* A line of blanks has no fields; Go would index past them. */
                if (strv_length(fields) <= pid_index)
                        return error_set(err, -EIO, "Unexpected ps output line without a PID column");
                r = parse_pid(fields[pid_index], &pid, err);
                if (r < 0)
                        return r;
                keep = r == 0 ? previous_kept : has_pid(pids, n_pids, pid);
                if (r > 0)
                        previous_kept = keep;
                if (!keep)
                        continue;
                /* A row with a column left empty would shift the others;
                 * dockerd's slicing fails on it too. */
                if (strv_length(fields) < n_titles)
                        return error_set(err, -EIO, "Unexpected ps output line with fewer columns than titles");
                json_object_array_add(processes, process_row(fields, n_titles));
        }
        return 0;
}

int top_parse_ps_output(const char *output, const pid_t *pids, size_t n_pids, json_object **ret, struct error *err)
{
        size_t header_len = strcspn(output, "\n");
        _cleanup_strv_free_ char **titles = fields_of(output, header_len);
        _cleanup_json_ json_object *processes = NULL;
        json_object *result;
        size_t pid_index;
        int r;

        if (!titles)
                return -ENOMEM;
        for (pid_index = 0; titles[pid_index] && !streq(titles[pid_index], "PID"); pid_index++)
                ;
        if (!titles[pid_index])
                return error_set(err, -EIO, "Couldn't find PID field in ps output");

        processes = json_object_new_array();
        r = add_rows(output + header_len + (output[header_len] == '\n'), pids, n_pids, pid_index, strv_length(titles),
                     processes, err);
        if (r < 0)
                return r;

        /* Go's nil slice: null when no process is listed. */
        result = json_object_new_object();
        json_object_object_add(result, "Processes",
                               json_object_array_length(processes) > 0 ? TAKE_PTR(processes) : NULL);
        json_object_object_add(result, "Titles", json_array_from_strv(titles));
        *ret = result;
        return 0;
}
