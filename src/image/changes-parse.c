/* SPDX-License-Identifier: Apache-2.0 */
/* The Dockerfile parser, as far as "docker import --change" uses it. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "changes.h"
#include "jsonutil.h"
#include "shellword.h"
#include "strv.h"

#define MSG_NOT_STRING_ARRAY "when using JSON array syntax, arrays must be comprised of strings only"

static void instruction_free(struct instruction *in)
{
        if (!in)
                return;
        free(in->command);
        free(in->original);
        strv_free(in->flags);
        strv_free(in->args);
        free(in);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct instruction *, instruction_free)

void instructions_free(struct instruction **list)
{
        for (size_t i = 0; list && list[i]; i++)
                instruction_free(list[i]);
        free(list);
}

/* Go's tokenWhitespace: [\t\v\f\r ] (no newline). */
static bool is_token_space(char c)
{
        return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static char *trim(const char *s)
{
        size_t len;

        while (isspace((unsigned char)*s))
                s++;
        len = strlen(s);
        while (len > 0 && isspace((unsigned char)s[len - 1]))
                len--;
        return strndup(s, len);
}

static bool is_comment(const char *line)
{
        while (isspace((unsigned char)*line))
                line++;
        return *line == '#';
}

/* A parser directive line: "# key = value". Returns true for "escape". */
static int parse_directive(const char *line, char *escape, struct error *err)
{
        const char *p = line, *key, *value;
        size_t key_len, value_len;

        if (*p++ != '#')
                return 0;
        while (isspace((unsigned char)*p))
                p++;
        key = p;
        while (isalnum((unsigned char)*p))
                p++;
        key_len = (size_t)(p - key);
        while (isspace((unsigned char)*p))
                p++;
        if (key_len == 0 || !isalpha((unsigned char)key[0]) || *p++ != '=')
                return 0;
        while (isspace((unsigned char)*p))
                p++;
        value = p;
        value_len = strlen(value);
        while (value_len > 0 && isspace((unsigned char)value[value_len - 1]))
                value_len--;
        if (value_len == 0)
                return 0;

        if (key_len != 6 || strncasecmp(key, "escape", 6) != 0)
                return 1;
        if (value_len != 1 || (value[0] != '\\' && value[0] != '`'))
                return error_set(err, -EINVAL, "invalid ESCAPE '%.*s'. Must be ` or \\", (int)value_len, value);
        *escape = value[0];
        return 1;
}

/* Removes a trailing escape character (and blanks after it); returns
 * true when the line continues on the next one. */
static bool trim_continuation(char *line, char escape)
{
        size_t len = strlen(line);

        while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
                len--;
        if (len == 0 || line[len - 1] != escape)
                return false;
        line[len - 1] = '\0';
        return true;
}

/* Splits off the builder flags (words starting with "--") at the start of
 * the arguments, as the Dockerfile parser's extractBuilderFlags does. */
static int extract_flags(const char *line, char ***ret_flags, const char **ret_rest)
{
        _cleanup_strv_free_ char **flags = calloc(1, sizeof(char *));
        size_t pos = 0;

        if (!flags)
                return -ENOMEM;
        for (;;) {
                _cleanup_free_ char *word = NULL;
                size_t start, len = 0;
                char quote = 0;

                while (isspace((unsigned char)line[pos]))
                        pos++;
                if (line[pos] != '-' || line[pos + 1] != '-')
                        break;

                start = pos;
                word = malloc(strlen(line + start) + 1);
                if (!word)
                        return -ENOMEM;
                for (; line[pos] && (quote || !isspace((unsigned char)line[pos])); pos++) {
                        char c = line[pos];

                        if (!quote && (c == '\'' || c == '"')) {
                                quote = c;
                                continue;
                        }
                        if (quote && c == quote) {
                                quote = 0;
                                continue;
                        }
                        if (c == '\\') {
                                if (!line[pos + 1])
                                        continue;
                                c = line[++pos];
                        }
                        word[len++] = c;
                }
                word[len] = '\0';
                if (streq(word, "--"))
                        break;
                if (strv_consume(&flags, TAKE_PTR(word)) < 0)
                        return -ENOMEM;
        }

        *ret_flags = TAKE_PTR(flags);
        *ret_rest = line + pos;
        return 0;
}

/* Parses a JSON array of strings at the start of rest (what follows it is
 * ignored, as Go's json.Decoder does) into *ret, replacing what it held.
 * Returns 1 for a valid array, 0 when rest is no JSON array, or -EINVAL
 * for an array with a non-string. */
static int parse_json_array(const char *rest, char ***ret)
{
        _cleanup_strv_free_ char **values = NULL;
        json_tokener *tok;
        json_object *array;
        int r;

        while (isspace((unsigned char)*rest))
                rest++;
        if (*rest != '[')
                return 0;

        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
        array = json_tokener_parse_ex(tok, rest, (int)strlen(rest));
        json_tokener_free(tok);
        if (!json_object_is_type(array, json_type_array)) {
                json_object_put(array);
                return 0;
        }

        r = json_array_to_strv(array, &values);
        json_object_put(array);
        if (r < 0)
                return r;
        if (!values && !(values = calloc(1, sizeof(char *))))
                return -ENOMEM;
        strv_free(*ret);
        *ret = TAKE_PTR(values);
        return 1;
}

/* CMD, ENTRYPOINT, RUN, SHELL: a JSON array, or the rest as one string. */
static int parse_maybe_json(const char *rest, struct instruction *in, struct error *err)
{
        int r;

        if (!*rest)
                return 0;
        r = parse_json_array(rest, &in->args);
        if (r == -EINVAL)
                return error_set(err, r, MSG_NOT_STRING_ARRAY);
        if (r < 0)
                return r;
        if (r > 0) {
                in->json = true;
                return 0;
        }
        return strv_append(&in->args, rest);
}

static int parse_whitespace_list(const char *rest, struct instruction *in)
{
        _cleanup_strv_free_ char **parts = NULL;

        if (!*rest)
                return 0;
        parts = strv_split(rest, " \t\v\f\r", false);
        if (!parts)
                return -ENOMEM;
        strv_free(in->args);
        in->args = TAKE_PTR(parts);
        return 0;
}

/* VOLUME: a JSON array, or words separated by whitespace. */
static int parse_maybe_json_list(const char *rest, struct instruction *in, struct error *err)
{
        int r = parse_json_array(rest, &in->args);

        if (r == -EINVAL)
                return error_set(err, r, MSG_NOT_STRING_ARRAY);
        if (r != 0) {
                in->json = r > 0;
                return r < 0 ? r : 0;
        }
        return parse_whitespace_list(rest, in);
}

/* ENV and LABEL: "KEY value" (the old form) or "k1=v1 k2=v2 ...", as
 * key/value pairs in args. Quotes stay for the word processing later. */
static int parse_name_value(const char *rest, const char *command, struct instruction *in, struct error *err)
{
        _cleanup_strv_free_ char **words = shellword_split(rest, '\\');

        if (!words)
                return -ENOMEM;
        if (!words[0])
                return 0;

        if (!strchr(words[0], '=')) {
                size_t key_len = 0;
                const char *value;

                while (rest[key_len] && !is_token_space(rest[key_len]))
                        key_len++;
                value = rest + key_len;
                while (is_token_space(*value))
                        value++;
                if (!rest[key_len] || !*value)
                        return error_set(err, -EINVAL, "%s must have two arguments", command);
                if (strv_consume(&in->args, strndup(rest, key_len)) < 0 || strv_append(&in->args, value) < 0)
                        return -ENOMEM;
                return 0;
        }

        STRV_FOREACH (word, words) {
                const char *eq = strchr(*word, '=');

                if (!eq)
                        return error_set(err, -EINVAL,
                                         "Syntax error - can't find = in \"%s\". Must be of the form: name=value",
                                         *word);
                if (strv_consume(&in->args, strndup(*word, (size_t)(eq - *word))) < 0 ||
                    strv_append(&in->args, eq + 1) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* HEALTHCHECK: the type word, then the command as for CMD. */
static int parse_health(const char *rest, struct instruction *in, struct error *err)
{
        size_t type_len = 0, n;
        const char *command;
        char *type;
        int r;

        while (rest[type_len] && !isspace((unsigned char)rest[type_len]))
                type_len++;
        if (type_len == 0)
                return 0;
        command = rest + type_len;
        while (isspace((unsigned char)*command))
                command++;

        r = parse_maybe_json(command, in, err);
        if (r < 0)
                return r;
        /* The type goes first: append a slot, then shift it to the front. */
        r = strv_consume(&in->args, strndup(rest, type_len));
        if (r < 0)
                return r;
        n = strv_length(in->args);
        type = in->args[n - 1];
        memmove(in->args + 1, in->args, (n - 1) * sizeof(char *));
        in->args[0] = type;
        return 0;
}

/* ONBUILD: the trigger instruction's name, lowercase. */
static int parse_trigger(const char *rest, struct instruction *in)
{
        size_t len = 0;
        char *name;

        if (!*rest)
                return 0;
        while (rest[len] && !is_token_space(rest[len]))
                len++;
        name = strndup(rest, len);
        if (!name)
                return -ENOMEM;
        for (char *p = name; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        return strv_consume(&in->args, name);
}

static int parse_arguments(struct instruction *in, const char *rest, struct error *err)
{
        const char *c = in->command;

        if (streq(c, "env") || streq(c, "label"))
                return parse_name_value(rest, streq(c, "env") ? "ENV" : "LABEL", in, err);
        if (streq(c, "cmd") || streq(c, "entrypoint") || streq(c, "run") || streq(c, "shell"))
                return parse_maybe_json(rest, in, err);
        if (streq(c, "expose"))
                return parse_whitespace_list(rest, in);
        if (streq(c, "volume"))
                return parse_maybe_json_list(rest, in, err);
        if (streq(c, "onbuild"))
                return parse_trigger(rest, in);
        if (streq(c, "healthcheck"))
                return parse_health(rest, in, err);
        /* USER, WORKDIR, STOPSIGNAL and the rest: the whole text. */
        return *rest ? strv_append(&in->args, rest) : 0;
}

static int parse_line(const char *line, struct instruction **ret, struct error *err)
{
        _cleanup_(instruction_freep) struct instruction *in = calloc(1, sizeof(*in));
        _cleanup_free_ char *trimmed = trim(line), *rest = NULL;
        const char *args = "";
        size_t name_len = 0;
        int r;

        if (!in || !trimmed)
                return -ENOMEM;
        in->original = strdup(line);
        in->args = calloc(1, sizeof(char *));
        if (!in->original || !in->args)
                return -ENOMEM;

        while (trimmed[name_len] && !is_token_space(trimmed[name_len]))
                name_len++;
        in->command = strndup(trimmed, name_len);
        if (!in->command)
                return -ENOMEM;
        for (char *p = in->command; *p; p++)
                *p = (char)tolower((unsigned char)*p);

        if (trimmed[name_len]) {
                r = extract_flags(trimmed + name_len, &in->flags, &args);
                if (r < 0)
                        return r;
        } else if (!(in->flags = calloc(1, sizeof(char *))))
                return -ENOMEM;
        rest = trim(args);
        if (!rest)
                return -ENOMEM;

        r = parse_arguments(in, rest, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(in);
        return 0;
}

static int append_instruction(struct instruction ***list, size_t *n, struct instruction *in)
{
        struct instruction **grown = realloc(*list, (*n + 2) * sizeof(**list));

        if (!grown) {
                instruction_free(in);
                return -ENOMEM;
        }
        grown[(*n)++] = in;
        grown[*n] = NULL;
        *list = grown;
        return 0;
}

static bool is_blank(const char *line)
{
        while (isspace((unsigned char)*line))
                line++;
        return *line == '\0';
}

/* Reads the next logical line from lines[*i...] into *ret (NULL at the
 * end): comment lines dropped, continuation lines joined, empty lines
 * between continuations skipped. */
static int next_logical_line(char **lines, size_t *i, char escape, char **ret)
{
        for (; lines[*i]; (*i)++) {
                _cleanup_free_ char *line = NULL;
                const char *start = lines[*i];
                bool more;

                if (is_comment(start))
                        continue;
                while (isspace((unsigned char)*start))
                        start++;
                line = strdup(start);
                if (!line)
                        return -ENOMEM;
                more = trim_continuation(line, escape);
                if (!more && !*line)
                        continue;

                for ((*i)++; more && lines[*i]; (*i)++) {
                        _cleanup_free_ char *part = NULL;
                        char *joined = NULL;

                        if (is_comment(lines[*i]) || is_blank(lines[*i]))
                                continue;
                        part = strdup(lines[*i]);
                        if (!part)
                                return -ENOMEM;
                        more = trim_continuation(part, escape);
                        if (asprintf(&joined, "%s%s", line, part) < 0)
                                return -ENOMEM;
                        free(line);
                        line = joined;
                }
                *ret = TAKE_PTR(line);
                return 0;
        }
        *ret = NULL;
        return 0;
}

int changes_parse(char *const *changes, struct instruction ***ret, char *ret_escape, struct error *err)
{
        _cleanup_(instructions_freep) struct instruction **list = NULL;
        _cleanup_strv_free_ char **lines = NULL;
        _cleanup_free_ char *text = NULL;
        char escape = '\\';
        size_t i = 0, n = 0, len = 0;
        int r;

        STRV_FOREACH (c, changes)
                len += strlen(*c) + 1;
        text = calloc(1, len + 1);
        if (!text)
                return -ENOMEM;
        STRV_FOREACH (c, changes) {
                if (c != changes)
                        strcat(text, "\n");
                strcat(text, *c);
        }

        lines = strv_split(text, "\n", true);
        if (!lines)
                return -ENOMEM;
        STRV_FOREACH (l, lines) {
                size_t l_len = strlen(*l);

                if (l_len > 0 && (*l)[l_len - 1] == '\r')
                        (*l)[l_len - 1] = '\0';
        }
        if (lines[0] && startswith(lines[0], "\xef\xbb\xbf"))
                memmove(lines[0], lines[0] + 3, strlen(lines[0]) - 2);

        /* Parser directives come first and end at the first other line. */
        for (; lines[i]; i++) {
                r = parse_directive(lines[i], &escape, err);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
        }

        for (;;) {
                _cleanup_free_ char *line = NULL;
                struct instruction *in;

                r = next_logical_line(lines, &i, escape, &line);
                if (r < 0)
                        return r;
                if (!line)
                        break;
                r = parse_line(line, &in, err);
                if (r < 0)
                        return r;
                r = append_instruction(&list, &n, in);
                if (r < 0)
                        return r;
        }
        if (n == 0)
                return error_set(err, -EINVAL, "file with no instructions");

        *ret = TAKE_PTR(list);
        *ret_escape = escape;
        return 0;
}
