/* SPDX-License-Identifier: Apache-2.0 */
#include "shellword.h"

#include <ctype.h>
#include <stdio.h>

#include "strv.h"

#define END (-1)

struct buffer {
        char *data;
        size_t len, allocated;
};

static int buffer_add(struct buffer *b, const char *s, size_t len)
{
        if (b->len + len + 1 > b->allocated) {
                size_t allocated = MAX(b->allocated * 2, b->len + len + 64);
                char *grown = realloc(b->data, allocated);

                if (!grown)
                        return -ENOMEM;
                b->data = grown;
                b->allocated = allocated;
        }
        memcpy(b->data + b->len, s, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
}

static int buffer_add_char(struct buffer *b, char c)
{
        return buffer_add(b, &c, 1);
}

/* Returns the text (never NULL unless out of memory) and empties b. */
static char *buffer_take(struct buffer *b)
{
        char *s = b->data ? b->data : strdup("");

        *b = (struct buffer){ 0 };
        return s;
}

/* Word splitting for shellword_process_words: expanded and plain text
 * splits at whitespace, quoted or escaped text does not. */
struct words {
        char **list;
        struct buffer word;
        bool in_word;
};

static int words_add_raw(struct words *w, const char *s, size_t len)
{
        w->in_word = true;
        return buffer_add(&w->word, s, len);
}

static int words_flush(struct words *w)
{
        w->in_word = false;
        if (w->word.len == 0)
                return 0;
        return strv_consume(&w->list, buffer_take(&w->word));
}

static int words_add_char(struct words *w, char c)
{
        if (isspace((unsigned char)c))
                return w->in_word ? words_flush(w) : 0;
        return words_add_raw(w, &c, 1);
}

static int words_add_string(struct words *w, const char *s)
{
        for (; *s; s++) {
                int r = words_add_char(w, *s);

                if (r < 0)
                        return r;
        }
        return 0;
}

struct lexer {
        const char *s;
        size_t pos;
        char escape;
        char *const *env;
        struct error *err;
};

static int peek(struct lexer *lx)
{
        return lx->s[lx->pos] ? (unsigned char)lx->s[lx->pos] : END;
}

static int next(struct lexer *lx)
{
        return lx->s[lx->pos] ? (unsigned char)lx->s[lx->pos++] : END;
}

static const char *env_get(struct lexer *lx, const char *name)
{
        STRV_FOREACH (entry, lx->env) {
                const char *eq = strchr(*entry, '=');

                if (!eq) {
                        if (streq(*entry, name))
                                return "";
                        continue;
                }
                if ((size_t)(eq - *entry) == strlen(name) && strncmp(*entry, name, strlen(name)) == 0)
                        return eq + 1;
        }
        return "";
}

static bool is_special_param(int c)
{
        return c != END && strchr("@*#?-$!0", c);
}

/* A name: letters, digits and '_'; a leading digit takes only digits and a
 * special parameter only itself. */
static int read_name(struct lexer *lx, struct buffer *name)
{
        int c = peek(lx);

        if (c != END && isdigit(c)) {
                while ((c = peek(lx)) != END && isdigit(c))
                        if (buffer_add_char(name, (char)next(lx)) < 0)
                                return -ENOMEM;
                return 0;
        }
        if (is_special_param(c))
                return buffer_add_char(name, (char)next(lx));
        while ((c = peek(lx)) != END && (isalnum(c) || c == '_'))
                if (buffer_add_char(name, (char)next(lx)) < 0)
                        return -ENOMEM;
        return 0;
}

static int process_stop_on(struct lexer *lx, int stop, char **ret, struct words *words);

/* ${name:-word} and ${name:+word} */
static int process_modifier(struct lexer *lx, const char *value, char **ret)
{
        _cleanup_free_ char *word = NULL;
        int modifier = next(lx);
        int r;

        r = process_stop_on(lx, '}', &word, NULL);
        if (r < 0) {
                if (peek(lx) == END) {
                        error_clear(lx->err);
                        return error_set(lx->err, -EINVAL, "syntax error: missing '}'");
                }
                return r;
        }

        if (modifier == '+')
                *ret = strdup(*value ? word : "");
        else if (modifier == '-')
                *ret = strdup(*value ? value : word);
        else
                return error_set(lx->err, -EINVAL, "unsupported modifier (%c) in substitution", modifier);
        return *ret ? 0 : -ENOMEM;
}

static int process_dollar(struct lexer *lx, char **ret)
{
        _cleanup_free_ char *name_text = NULL;
        struct buffer name = { 0 };
        int c, r;

        next(lx);
        if (peek(lx) != '{') {
                r = read_name(lx, &name);
                name_text = buffer_take(&name);
                if (r < 0 || !name_text)
                        return -ENOMEM;
                *ret = strdup(*name_text ? env_get(lx, name_text) : "$");
                return *ret ? 0 : -ENOMEM;
        }

        next(lx);
        c = peek(lx);
        if (c == END)
                return error_set(lx->err, -EINVAL, "syntax error: missing '}'");
        if (c == '{' || c == '}' || c == ':')
                return error_set(lx->err, -EINVAL, "syntax error: bad substitution");

        r = read_name(lx, &name);
        name_text = buffer_take(&name);
        if (r < 0 || !name_text)
                return -ENOMEM;

        c = next(lx);
        if (c == '}') {
                *ret = strdup(env_get(lx, name_text));
                return *ret ? 0 : -ENOMEM;
        }
        if (c == ':')
                return process_modifier(lx, env_get(lx, name_text), ret);
        return error_set(lx->err, -EINVAL, "missing ':' in substitution");
}

/* Everything up to the next single quote is literal. */
static int process_single_quote(struct lexer *lx, char **ret)
{
        struct buffer b = { 0 };
        int c;

        next(lx);
        while ((c = next(lx)) != '\'') {
                if (c == END) {
                        free(b.data);
                        return error_set(lx->err, -EINVAL,
                                         "unexpected end of statement while looking for matching single-quote");
                }
                if (buffer_add_char(&b, (char)c) < 0) {
                        free(b.data);
                        return -ENOMEM;
                }
        }
        *ret = buffer_take(&b);
        return *ret ? 0 : -ENOMEM;
}

/* Up to the next double quote, with $ expansion; the escape character
 * quotes only '"', '$' and itself. */
static int process_double_quote(struct lexer *lx, char **ret)
{
        struct buffer b = { 0 };
        int r = 0;

        next(lx);
        for (;;) {
                int c = peek(lx);

                if (c == END) {
                        r = error_set(lx->err, -EINVAL,
                                      "unexpected end of statement while looking for matching double-quote");
                        break;
                }
                if (c == '"') {
                        next(lx);
                        break;
                }
                if (c == '$') {
                        _cleanup_free_ char *value = NULL;

                        r = process_dollar(lx, &value);
                        if (r >= 0)
                                r = buffer_add(&b, value, strlen(value));
                        if (r < 0)
                                break;
                        continue;
                }

                c = next(lx);
                if (c == lx->escape) {
                        int following = peek(lx);

                        if (following == END)
                                continue;
                        if (following == '"' || following == '$' || following == lx->escape)
                                c = next(lx);
                }
                r = buffer_add_char(&b, (char)c);
                if (r < 0)
                        break;
        }
        if (r < 0) {
                free(b.data);
                return r;
        }
        *ret = buffer_take(&b);
        return *ret ? 0 : -ENOMEM;
}

static int process_special(struct lexer *lx, int c, struct buffer *result, struct words *words)
{
        _cleanup_free_ char *part = NULL;
        int r;

        if (c == '\'')
                r = process_single_quote(lx, &part);
        else if (c == '"')
                r = process_double_quote(lx, &part);
        else
                r = process_dollar(lx, &part);
        if (r < 0)
                return r;

        r = buffer_add(result, part, strlen(part));
        if (r < 0 || !words)
                return r;
        return c == '$' ? words_add_string(words, part) : words_add_raw(words, part, strlen(part));
}

static int process_stop_on(struct lexer *lx, int stop, char **ret, struct words *words)
{
        struct buffer result = { 0 };
        int r = 0;

        for (;;) {
                int c = peek(lx);

                if (c == END)
                        break;
                if (stop != END && c == stop) {
                        next(lx);
                        *ret = buffer_take(&result);
                        return *ret ? 0 : -ENOMEM;
                }
                if (c == '\'' || c == '"' || c == '$') {
                        r = process_special(lx, c, &result, words);
                        if (r < 0)
                                break;
                        continue;
                }

                c = next(lx);
                if (c == lx->escape) {
                        c = next(lx);
                        if (c == END)
                                break;
                        r = words ? words_add_raw(words, &(char){ (char)c }, 1) : 0;
                } else if (words)
                        r = words_add_char(words, (char)c);
                if (r >= 0)
                        r = buffer_add_char(&result, (char)c);
                if (r < 0)
                        break;
        }

        if (r >= 0 && stop != END) {
                char text[2] = { (char)stop, '\0' };

                r = error_set(lx->err, -EINVAL, "unexpected end of statement while looking for matching %s", text);
        }
        if (r < 0) {
                free(result.data);
                return r;
        }
        *ret = buffer_take(&result);
        return *ret ? 0 : -ENOMEM;
}

int shellword_process(const char *word, char *const *env, char escape, char **ret, struct error *err)
{
        struct lexer lx = { .s = word, .escape = escape, .env = env, .err = err };

        return process_stop_on(&lx, END, ret, NULL);
}

int shellword_process_words(const char *word, char *const *env, char escape, char ***ret, struct error *err)
{
        struct lexer lx = { .s = word, .escape = escape, .env = env, .err = err };
        struct words words = { 0 };
        _cleanup_free_ char *unused = NULL;
        int r;

        r = process_stop_on(&lx, END, &unused, &words);
        if (r >= 0)
                r = words_flush(&words);
        if (r >= 0 && !words.list && !(words.list = calloc(1, sizeof(char *))))
                r = -ENOMEM;
        free(words.word.data);
        if (r < 0) {
                strv_free(words.list);
                return r;
        }
        *ret = words.list;
        return 0;
}

char **shellword_split(const char *rest, char escape)
{
        _cleanup_strv_free_ char **words = calloc(1, sizeof(char *));
        struct buffer word = { 0 };
        bool in_word = false, in_quote = false, blank_ok = false;
        char quote = 0;

        if (!words)
                return NULL;

        for (size_t pos = 0;; pos++) {
                char c = rest[pos];
                bool end = c == '\0';

                if (!in_word && !in_quote) {
                        if (end)
                                break;
                        if (isspace((unsigned char)c))
                                continue;
                        in_word = true;
                }
                if (end) {
                        if ((blank_ok || word.len > 0) && strv_consume(&words, buffer_take(&word)) < 0)
                                return NULL;
                        break;
                }

                if (in_word && !in_quote) {
                        if (isspace((unsigned char)c)) {
                                in_word = false;
                                if ((blank_ok || word.len > 0) && strv_consume(&words, buffer_take(&word)) < 0)
                                        return NULL;
                                blank_ok = false;
                                continue;
                        }
                        if (c == '\'' || c == '"') {
                                quote = c;
                                blank_ok = true;
                                in_quote = true;
                        } else if (c == escape) {
                                if (rest[pos + 1] == '\0')
                                        continue;
                                if (buffer_add_char(&word, c) < 0)
                                        return NULL;
                                c = rest[++pos];
                        }
                        if (buffer_add_char(&word, c) < 0)
                                return NULL;
                        continue;
                }

                /* In quotes: the escape character works except in '...'. */
                if (c == quote)
                        in_quote = false;
                else if (c == escape && quote != '\'') {
                        if (rest[pos + 1] == '\0') {
                                in_quote = false;
                                continue;
                        }
                        if (buffer_add_char(&word, c) < 0)
                                return NULL;
                        c = rest[++pos];
                }
                if (buffer_add_char(&word, c) < 0)
                        return NULL;
        }
        free(word.data);
        return TAKE_PTR(words);
}

char *shellword_go_quote(const char *s)
{
        struct buffer b = { 0 };

        if (buffer_add_char(&b, '"') < 0)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                char esc[8];

                if (*p == '"' || *p == '\\')
                        snprintf(esc, sizeof(esc), "\\%c", *p);
                else if (*p == '\n')
                        snprintf(esc, sizeof(esc), "\\n");
                else if (*p == '\t')
                        snprintf(esc, sizeof(esc), "\\t");
                else if (*p == '\r')
                        snprintf(esc, sizeof(esc), "\\r");
                else if (*p < 0x20 || *p == 0x7f)
                        snprintf(esc, sizeof(esc), "\\x%02x", *p);
                else
                        snprintf(esc, sizeof(esc), "%c", *p);
                if (buffer_add(&b, esc, strlen(esc)) < 0) {
                        free(b.data);
                        return NULL;
                }
        }
        if (buffer_add_char(&b, '"') < 0) {
                free(b.data);
                return NULL;
        }
        return buffer_take(&b);
}
