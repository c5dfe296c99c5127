/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The json-file entry format: quoting for the writer, line parsing for the
 * reader. The parser is written for the one flat object json-file uses and
 * decodes the "log" string in place, because `docker logs` of a large log
 * parses every line and a general JSON tree per line (json-c) costs several
 * allocations each.
 */
#include "jsonlog.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "timeutil.h"

static const char hex_digits[] = "0123456789abcdef";

/* Returns the length of the valid UTF-8 sequence at s (2 to 4), or 0 when
 * the bytes there are not one, with the rules of Go's utf8.DecodeRune:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_sequence_length(const uint8_t *s, size_t len)
{
        uint8_t lo = 0x80, hi = 0xbf;
        size_t need;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                need = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                need = 3;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                need = 4;
        else
                return 0;

        if (s[0] == 0xe0)
                lo = 0xa0;
        else if (s[0] == 0xed)
                hi = 0x9f;
        else if (s[0] == 0xf0)
                lo = 0x90;
        else if (s[0] == 0xf4)
                hi = 0x8f;

        if (len < need || s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < need; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return need;
}

static size_t quote_ascii(uint8_t c, char *out)
{
        switch (c) {
        case '"':
        case '\\':
                out[0] = '\\';
                out[1] = (char)c;
                return 2;
        case '\n':
                memcpy(out, "\\n", 2);
                return 2;
        case '\r':
                memcpy(out, "\\r", 2);
                return 2;
        default:
                memcpy(out, "\\u00", 4);
                out[4] = hex_digits[c >> 4];
                out[5] = hex_digits[c & 0xf];
                return 6;
        }
}

static bool ascii_needs_escape(uint8_t c)
{
        return c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&';
}

/* Writes the escaped bytes of data without the surrounding quotes. */
static size_t quote_body(const uint8_t *s, size_t len, char *out)
{
        size_t o = 0, i = 0;

        while (i < len) {
                size_t n;

                if (s[i] < 0x80) {
                        if (ascii_needs_escape(s[i]))
                                o += quote_ascii(s[i], out + o);
                        else
                                out[o++] = (char)s[i];
                        i++;
                        continue;
                }

                n = utf8_sequence_length(s + i, len - i);
                if (n == 0) {
                        memcpy(out + o, "\\ufffd", 6);
                        o += 6;
                        i++;
                        continue;
                }

                /* U+2028 and U+2029 end lines in JavaScript. */
                if (n == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
                        memcpy(out + o, "\\u202", 5);
                        out[o + 5] = s[i + 2] == 0xa8 ? '8' : '9';
                        o += 6;
                } else {
                        memcpy(out + o, s + i, n);
                        o += n;
                }
                i += n;
        }
        return o;
}

size_t jsonlog_quote(const void *data, size_t len, char *out)
{
        size_t o = 0;

        out[o++] = '"';
        o += quote_body(data, len, out + o);
        out[o++] = '"';
        return o;
}

static size_t append_text(char *out, const char *text)
{
        size_t len = strlen(text);

        memcpy(out, text, len);
        return len;
}

size_t jsonlog_format_entry(int stream, int64_t time_ns, const void *data, size_t len, bool newline, char *out)
{
        return jsonlog_format_entry_attrs(stream, time_ns, data, len, newline, NULL, out);
}

size_t jsonlog_format_entry_attrs(int stream, int64_t time_ns, const void *data, size_t len, bool newline,
                                  const char *attrs, char *out)
{
        char stamp[TIMEUTIL_RFC3339_MAX];
        size_t o = 0;

        memcpy(out, "{\"log\":\"", 8);
        o = 8;
        o += quote_body(data, len, out + o);
        if (newline) {
                memcpy(out + o, "\\n", 2);
                o += 2;
        }

        /* Copied rather than printed: this runs for every line a container
         * writes, and sprintf() took more of the monitor's time than the
         * escaping. */
        timeutil_format_rfc3339(time_ns, stamp, sizeof(stamp));
        o += append_text(out + o, "\",\"stream\":\"");
        o += append_text(out + o, stream == JSONLOG_STDERR ? "stderr" : "stdout");
        o += append_text(out + o, "\",");
        if (attrs) {
                o += append_text(out + o, "\"attrs\":");
                o += append_text(out + o, attrs);
                o += append_text(out + o, ",");
        }
        o += append_text(out + o, "\"time\":\"");
        o += append_text(out + o, stamp);
        o += append_text(out + o, "\"}\n");
        return o;
}

/* Parsing. p walks a line of known end; every helper returns false on a
 * syntax error. */
struct cursor {
        char *p;
        char *end;
};

static void skip_space(struct cursor *c)
{
        while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
                c->p++;
}

static bool expect(struct cursor *c, char ch)
{
        skip_space(c);
        if (c->p >= c->end || *c->p != ch)
                return false;
        c->p++;
        return true;
}

static int hex_value(char ch)
{
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return -1;
}

static bool read_hex4(struct cursor *c, uint32_t *ret)
{
        uint32_t v = 0;

        if (c->end - c->p < 4)
                return false;
        for (int i = 0; i < 4; i++) {
                int d = hex_value(c->p[i]);

                if (d < 0)
                        return false;
                v = v << 4 | (uint32_t)d;
        }
        c->p += 4;
        *ret = v;
        return true;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xc0 | cp >> 6);
                out[1] = (char)(0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char)(0xe0 | cp >> 12);
                out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
                out[2] = (char)(0x80 | (cp & 0x3f));
                return 3;
        }
        out[0] = (char)(0xf0 | cp >> 18);
        out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        return 4;
}

/* Decodes \uXXXX (the "\u" already consumed), joining surrogate pairs; a
 * lone surrogate becomes U+FFFD as in Go's decoder. */
static bool decode_unicode_escape(struct cursor *c, uint32_t *ret)
{
        uint32_t cp, low;

        if (!read_hex4(c, &cp))
                return false;
        if (cp < 0xd800 || cp > 0xdfff) {
                *ret = cp;
                return true;
        }
        if (cp <= 0xdbff && c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u') {
                struct cursor look = { c->p + 2, c->end };

                if (read_hex4(&look, &low) && low >= 0xdc00 && low <= 0xdfff) {
                        c->p = look.p;
                        *ret = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                        return true;
                }
        }
        *ret = 0xfffd;
        return true;
}

static bool decode_escape(struct cursor *c, char **out)
{
        uint32_t cp;
        char ch;

        if (c->p >= c->end)
                return false;
        ch = *c->p++;
        switch (ch) {
        case '"':
        case '\\':
        case '/':
                *(*out)++ = ch;
                return true;
        case 'b':
                *(*out)++ = '\b';
                return true;
        case 'f':
                *(*out)++ = '\f';
                return true;
        case 'n':
                *(*out)++ = '\n';
                return true;
        case 'r':
                *(*out)++ = '\r';
                return true;
        case 't':
                *(*out)++ = '\t';
                return true;
        case 'u':
                if (!decode_unicode_escape(c, &cp))
                        return false;
                *out += utf8_encode(cp, *out);
                return true;
        default:
                return false;
        }
}

/* Tells whether any byte of the 8 in word is a quote, a backslash or a
 * control character. Each test leaves high bits set only when some byte
 * matches (the borrows of the subtractions start at a match), so the
 * result has no false positives. */
static bool word_has_special_byte(uint64_t word)
{
        const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
        uint64_t quote = word ^ (ones * '"');
        uint64_t backslash = word ^ (ones * '\\');
        uint64_t found = ((word - ones * 0x20) & ~word) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash);

        return found & highs;
}

/* Returns the length of the run of bytes at p that a JSON string contains
 * unescaped. A program's log is mostly such runs, so they are scanned 8
 * bytes at a time. */
static size_t plain_run_length(const char *p, const char *end)
{
        const char *q = p;

        for (; end - q >= 8; q += 8) {
                uint64_t word;

                memcpy(&word, q, sizeof(word));
                if (word_has_special_byte(word))
                        break;
        }
        while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
                q++;
        return (size_t)(q - p);
}

/* Decodes the string at the cursor in place: escapes never take fewer
 * bytes than what they decode to, so the output never overtakes the input. */
static bool parse_string(struct cursor *c, const char **ret, size_t *ret_len)
{
        char *out, *start;

        if (!expect(c, '"'))
                return false;
        out = start = c->p;
        while (c->p < c->end) {
                size_t run = plain_run_length(c->p, c->end);
                char ch;

                /* After the first escape the decoded text trails the input. */
                if (out != c->p)
                        memmove(out, c->p, run);
                out += run;
                c->p += run;
                if (c->p >= c->end)
                        break;
                ch = *c->p;

                if (ch == '"') {
                        c->p++;
                        *ret = start;
                        *ret_len = (size_t)(out - start);
                        return true;
                }
                if (ch != '\\')
                        return false;
                c->p++;
                if (!decode_escape(c, &out))
                        return false;
        }
        return false;
}

/* Skips a string without decoding it, so the bytes stay as written. */
static bool skip_string(struct cursor *c)
{
        c->p++;
        while (c->p < c->end) {
                char ch = *c->p++;

                if ((unsigned char)ch < 0x20)
                        return false;
                if (ch == '"')
                        return true;
                if (ch == '\\') {
                        if (c->p >= c->end)
                                return false;
                        c->p++;
                }
        }
        return false;
}

/* Skips a value of a member this parser does not decode, such as
 * "attrs", leaving its text unchanged. */
static bool skip_value(struct cursor *c)
{
        int depth = 0;

        skip_space(c);
        do {
                if (c->p >= c->end)
                        return false;
                switch (*c->p) {
                case '"':
                        if (!skip_string(c))
                                return false;
                        break;
                case '{':
                case '[':
                        if (++depth > 64)
                                return false;
                        c->p++;
                        break;
                case '}':
                case ']':
                        if (--depth < 0)
                                return false;
                        c->p++;
                        break;
                default:
                        /* Numbers, literals, commas and colons inside a
                         * skipped value; no validation beyond balance. */
                        c->p++;
                        break;
                }
                skip_space(c);
        } while (depth > 0 || (c->p < c->end && *c->p != ',' && *c->p != '}'));
        return true;
}

struct parsed_fields {
        const char *log, *stream, *time, *attrs;
        size_t log_len, stream_len, time_len, attrs_len;
};

static bool parse_member(struct cursor *c, struct parsed_fields *f)
{
        const char *key, **value = NULL;
        size_t key_len, *value_len = NULL;

        if (!parse_string(c, &key, &key_len) || !expect(c, ':'))
                return false;

        if (key_len == 3 && memcmp(key, "log", 3) == 0) {
                value = &f->log;
                value_len = &f->log_len;
        } else if (key_len == 6 && memcmp(key, "stream", 6) == 0) {
                value = &f->stream;
                value_len = &f->stream_len;
        } else if (key_len == 4 && memcmp(key, "time", 4) == 0) {
                value = &f->time;
                value_len = &f->time_len;
        }

        if (key_len == 5 && memcmp(key, "attrs", 5) == 0) {
                skip_space(c);
                f->attrs = c->p;
                if (!skip_value(c))
                        return false;
                f->attrs_len = (size_t)(c->p - f->attrs);
                return true;
        }
        if (!value)
                return skip_value(c);
        skip_space(c);
        return parse_string(c, value, value_len);
}

static bool parse_object(struct cursor *c, struct parsed_fields *f)
{
        if (!expect(c, '{'))
                return false;
        skip_space(c);
        if (c->p < c->end && *c->p == '}') {
                c->p++;
                return true;
        }
        for (;;) {
                if (!parse_member(c, f))
                        return false;
                skip_space(c);
                if (c->p < c->end && *c->p == ',') {
                        c->p++;
                        continue;
                }
                return expect(c, '}');
        }
}

/* Nanoseconds since the epoch in an int64_t reach from 1677 to 2262; other
 * years (but Go's zero time) would overflow the conversion. */
static bool year_representable(const char *stamp)
{
        int year = 0;

        if (startswith(stamp, "0001-01-01T00:00:00"))
                return true;
        for (int i = 0; i < 4; i++) {
                if (stamp[i] < '0' || stamp[i] > '9')
                        return false;
                year = year * 10 + (stamp[i] - '0');
        }
        return year >= 1678 && year <= 2261;
}

int jsonlog_parse_line(char *line, size_t len, struct jsonlog_entry *ret)
{
        struct cursor c = { line, line + len };
        struct parsed_fields f = { 0 };
        char stamp[TIMEUTIL_RFC3339_MAX];
        int64_t time_ns;
        int stream;

        if (!parse_object(&c, &f))
                return -EBADMSG;
        skip_space(&c);
        if (c.p != c.end || !f.stream || !f.time)
                return -EBADMSG;

        if (f.stream_len == 6 && memcmp(f.stream, "stdout", 6) == 0)
                stream = JSONLOG_STDOUT;
        else if (f.stream_len == 6 && memcmp(f.stream, "stderr", 6) == 0)
                stream = JSONLOG_STDERR;
        else
                return -EBADMSG;

        if (f.time_len >= sizeof(stamp) || memchr(f.time, '\0', f.time_len))
                return -EBADMSG;
        memcpy(stamp, f.time, f.time_len);
        stamp[f.time_len] = '\0';
        if (!year_representable(stamp) || timeutil_parse_rfc3339(stamp, &time_ns) < 0)
                return -EBADMSG;

        *ret = (struct jsonlog_entry){
                .stream = stream,
                .time_ns = time_ns,
                .data = f.log ? f.log : "",
                .len = f.log ? f.log_len : 0,
                .attrs = f.attrs,
                .attrs_len = f.attrs_len,
        };
        return 0;
}
