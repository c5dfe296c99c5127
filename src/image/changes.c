/* SPDX-License-Identifier: Apache-2.0 */
/* Applying parsed instructions to a container config, with Docker's
 * argument checks and messages. */
#include "changes.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>

#include "changes-internal.h"
#include "config.h"
#include "jsonutil.h"
#include "shellword.h"
#include "strv.h"

static const char *const allowed_commands[] = {
        "cmd",     "entrypoint", "env",  "expose", "healthcheck", "label",
        "onbuild", "stopsignal", "user", "volume", "workdir",
};

struct state {
        json_object *config; /* Docker's container config being built */
        char **env;          /* its Env, for word processing */
        bool cmd_set;
        char escape;
        struct error *err;
};

static void state_done(struct state *st)
{
        strv_free(st->env);
}

static bool command_allowed(const char *command)
{
        for (size_t i = 0; i < ARRAY_SIZE(allowed_commands); i++)
                if (streq(command, allowed_commands[i]))
                        return true;
        return false;
}

static void upper(const char *s, char *ret, size_t size)
{
        size_t i;

        for (i = 0; s[i] && i + 1 < size; i++)
                ret[i] = (char)toupper((unsigned char)s[i]);
        ret[i] = '\0';
}

static int error_at_least_one(struct state *st, const char *command)
{
        char name[32];

        upper(command, name, sizeof(name));
        return error_set(st->err, -EINVAL, "%s requires at least one argument", name);
}

static int error_exactly_one(struct state *st, const char *command)
{
        char name[32];

        upper(command, name, sizeof(name));
        return error_set(st->err, -EINVAL, "%s requires exactly one argument", name);
}

/* Runs Docker's word processing and wraps its errors as Docker does. */
static int expand(struct state *st, const char *word, char **ret)
{
        _cleanup_error_ struct error inner = ERROR_INIT;
        _cleanup_free_ char *quoted = NULL;
        int r;

        r = shellword_process(word, st->env, st->escape, ret, &inner);
        if (r != -EINVAL)
                return r;
        quoted = shellword_go_quote(word);
        return error_set(st->err, r, "failed to process %s: %s", quoted ?: word, error_message(&inner, r));
}

static json_object *default_shell(json_object *config)
{
        json_object *shell = json_field_array(config, "Shell");

        if (shell && json_object_array_length(shell) > 0)
                return shell;
        return NULL;
}

/* The command line of CMD and ENTRYPOINT: the exec form as given, the
 * shell form joined and run by the shell. */
static json_object *command_line(struct state *st, struct instruction *in, bool empty_as_null)
{
        size_t n = strv_length(in->args);
        json_object *line = json_object_new_array();

        if (n == 0 && empty_as_null) {
                json_object_put(line);
                return NULL;
        }
        if (!in->json && n > 0) {
                json_object *shell = default_shell(st->config);

                if (shell)
                        for (size_t i = 0; i < json_object_array_length(shell); i++)
                                json_object_array_add(line, json_object_get(json_object_array_get_idx(shell, i)));
                else {
                        json_object_array_add(line, json_object_new_string("/bin/sh"));
                        json_object_array_add(line, json_object_new_string("-c"));
                }
        }
        if (in->json)
                STRV_FOREACH (arg, in->args)
                        json_object_array_add(line, json_object_new_string(*arg));
        else if (n > 0) {
                _cleanup_free_ char *joined = changes_join(in->args);

                json_object_array_add(line, json_object_new_string(joined ?: ""));
        }
        return line;
}

static int apply_cmd(struct state *st, struct instruction *in)
{
        /* A bare "CMD" still runs the shell, as Docker's dispatcher does. */
        if (!in->json && strv_length(in->args) == 0) {
                json_object *line = json_object_new_array();

                json_object_array_add(line, json_object_new_string("/bin/sh"));
                json_object_array_add(line, json_object_new_string("-c"));
                json_object_object_add(st->config, "Cmd", line);
                return 0;
        }
        json_object_object_add(st->config, "Cmd", command_line(st, in, false));
        if (strv_length(in->args) > 0)
                st->cmd_set = true;
        return 0;
}

static int apply_entrypoint(struct state *st, struct instruction *in)
{
        json_object_object_add(st->config, "Entrypoint", command_line(st, in, true));
        if (!st->cmd_set)
                json_object_object_add(st->config, "Cmd", NULL);
        return 0;
}

static char **find_env(char **env, const char *key)
{
        size_t key_len = strlen(key);

        STRV_FOREACH (e, env)
                if (strcspn(*e, "=") == key_len && strncmp(*e, key, key_len) == 0)
                        return (char **)e;
        return NULL;
}

/* Replaces the variable's entry in place, or appends one. */
static int set_env(struct state *st, const char *key, const char *value)
{
        char *entry = NULL, **existing;

        if (asprintf(&entry, "%s=%s", key, value) < 0)
                return -ENOMEM;
        existing = find_env(st->env, key);
        if (existing) {
                free(*existing);
                *existing = entry;
        } else if (strv_consume(&st->env, entry) < 0)
                return -ENOMEM;

        json_object_object_add(st->config, "Env", json_array_from_strv(st->env));
        return 0;
}

static int apply_env(struct state *st, struct instruction *in)
{
        _cleanup_strv_free_ char **expanded = NULL;
        size_t n = strv_length(in->args);
        int r;

        if (n == 0)
                return error_at_least_one(st, "env");

        /* Every word expands with the Env from before this instruction. */
        for (size_t i = 0; i < n; i++) {
                char *word;

                r = expand(st, in->args[i], &word);
                if (r < 0)
                        return r;
                r = strv_consume(&expanded, word);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i + 1 < n; i += 2) {
                r = set_env(st, expanded[i], expanded[i + 1]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static json_object *config_object(struct state *st, const char *key)
{
        json_object *obj = json_field_object(st->config, key);

        if (!obj) {
                obj = json_object_new_object();
                json_object_object_add(st->config, key, obj);
        }
        return obj;
}

static int apply_label(struct state *st, struct instruction *in)
{
        size_t n = strv_length(in->args);
        json_object *labels;

        if (n == 0)
                return error_at_least_one(st, "label");

        labels = config_object(st, "Labels");
        for (size_t i = 0; i + 1 < n; i += 2) {
                _cleanup_free_ char *key = NULL, *value = NULL;
                int r;

                r = expand(st, in->args[i], &key);
                if (r >= 0)
                        r = expand(st, in->args[i + 1], &value);
                if (r < 0)
                        return r;
                json_object_object_add(labels, key, json_object_new_string(value));
        }
        return 0;
}

static int apply_single(struct state *st, struct instruction *in, const char *key)
{
        _cleanup_free_ char *value = NULL;
        int r;

        if (strv_length(in->args) != 1)
                return error_exactly_one(st, in->command);
        r = expand(st, in->args[0], &value);
        if (r < 0)
                return r;

        if (streq(key, "StopSignal") && !changes_signal_valid(value))
                return error_set(st->err, -EINVAL, "Invalid signal: %s", value);
        json_object_object_add(st->config, key, json_object_new_string(value));
        return 0;
}

/* WORKDIR: relative paths join the current one; absolute ones stay as
 * written. */
static int apply_workdir(struct state *st, struct instruction *in)
{
        _cleanup_free_ char *value = NULL, *joined = NULL;
        const char *current = json_field_string(st->config, "WorkingDir", "");
        int r;

        if (strv_length(in->args) != 1)
                return error_exactly_one(st, "workdir");
        r = expand(st, in->args[0], &value);
        if (r < 0)
                return r;
        if (!*value)
                return error_set(st->err, -EINVAL, "cannot normalize nothing");

        if (value[0] != '/') {
                r = changes_path_join(current, value, &joined);
                if (r < 0)
                        return r;
        }
        json_object_object_add(st->config, "WorkingDir", json_object_new_string(joined ?: value));
        return 0;
}

static int apply_volume(struct state *st, struct instruction *in)
{
        json_object *volumes;

        if (strv_length(in->args) == 0)
                return error_at_least_one(st, "volume");

        volumes = config_object(st, "Volumes");
        STRV_FOREACH (arg, in->args) {
                _cleanup_free_ char *trimmed = NULL, *value = NULL;
                int r;

                trimmed = strndup(*arg + strspn(*arg, " \t\n\v\f\r"), strlen(*arg));
                if (!trimmed)
                        return -ENOMEM;
                for (size_t len = strlen(trimmed); len > 0 && isspace((unsigned char)trimmed[len - 1]); len--)
                        trimmed[len - 1] = '\0';
                if (!*trimmed)
                        return error_set(st->err, -EINVAL, "VOLUME specified can not be an empty string");

                r = expand(st, trimmed, &value);
                if (r < 0)
                        return r;
                if (!*value)
                        return error_set(st->err, -EINVAL, "VOLUME specified can not be an empty string");
                json_object_object_add(volumes, value, json_object_new_object());
        }
        return 0;
}

static int apply_expose(struct state *st, struct instruction *in)
{
        json_object *ports;

        if (strv_length(in->args) == 0)
                return error_at_least_one(st, "expose");

        ports = config_object(st, "ExposedPorts");
        STRV_FOREACH (arg, in->args) {
                _cleanup_error_ struct error inner = ERROR_INIT;
                _cleanup_strv_free_ char **words = NULL;
                int r;

                r = shellword_process_words(*arg, st->env, st->escape, &words, &inner);
                if (r == -EINVAL) {
                        _cleanup_free_ char *quoted = shellword_go_quote(*arg);

                        return error_set(st->err, r, "failed to process %s: %s", quoted ?: *arg,
                                         error_message(&inner, r));
                }
                if (r < 0)
                        return r;
                STRV_FOREACH (word, words) {
                        r = changes_expose_port(*word, ports, st->err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int apply_onbuild(struct state *st, struct instruction *in)
{
        char trigger[32];
        const char *expression = in->original;
        json_object *onbuild;

        if (strv_length(in->args) == 0)
                return error_at_least_one(st, "onbuild");

        upper(in->args[0], trigger, sizeof(trigger));
        if (streq(trigger, "ONBUILD"))
                return error_set(st->err, -EINVAL, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (streq(trigger, "MAINTAINER") || streq(trigger, "FROM"))
                return error_set(st->err, -EINVAL, "%s isn't allowed as an ONBUILD trigger", trigger);

        /* The trigger is the line without "ONBUILD" and the blanks after it. */
        expression += strspn(expression, " \t\n\v\f\r");
        expression += strlen("onbuild");
        expression += strspn(expression, " \t\n\v\f\r");

        onbuild = json_field_array(st->config, "OnBuild");
        if (!onbuild) {
                onbuild = json_object_new_array();
                json_object_object_add(st->config, "OnBuild", onbuild);
        }
        json_object_array_add(onbuild, json_object_new_string(expression));
        return 0;
}

static int dispatch(struct state *st, struct instruction *in)
{
        const char *c = in->command;

        int r;

        if (streq(c, "healthcheck"))
                return changes_apply_healthcheck(st->config, in, st->err);
        r = changes_check_flags(in, NULL, NULL, 0, st->err);
        if (r < 0)
                return r;
        if (streq(c, "cmd"))
                return apply_cmd(st, in);
        if (streq(c, "entrypoint"))
                return apply_entrypoint(st, in);
        if (streq(c, "env"))
                return apply_env(st, in);
        if (streq(c, "label"))
                return apply_label(st, in);
        if (streq(c, "expose"))
                return apply_expose(st, in);
        if (streq(c, "user"))
                return apply_single(st, in, "User");
        if (streq(c, "stopsignal"))
                return apply_single(st, in, "StopSignal");
        if (streq(c, "workdir"))
                return apply_workdir(st, in);
        if (streq(c, "volume"))
                return apply_volume(st, in);
        return apply_onbuild(st, in);
}

int changes_apply(char *const *changes, json_object **ret, struct error *err)
{
        return changes_apply_to(NULL, changes, ret, err);
}

int changes_apply_to(json_object *base, char *const *changes, json_object **ret, struct error *err)
{
        _cleanup_json_ json_object *config = config_container_normalize(base);
        _cleanup_(instructions_freep) struct instruction **list = NULL;
        _cleanup_(state_done) struct state st = { .config = config, .escape = '\\', .err = err };
        json_object *env = json_field_array(config, "Env");
        int r;

        /* The instructions expand variables with the Env they start from. */
        if (env && json_array_to_strv(env, &st.env) < 0)
                return -ENOMEM;

        if (strv_length(changes) > 0) {
                r = changes_parse(changes, &list, &st.escape, err);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; list && list[i]; i++)
                if (!command_allowed(list[i]->command))
                        return error_set(err, -EINVAL, "%s is not a valid change command", list[i]->command);

        r = 0;
        for (size_t i = 0; list && list[i] && r >= 0; i++)
                r = dispatch(&st, list[i]);
        if (r < 0)
                return r;

        *ret = config_container_normalize(config);
        return 0;
}
