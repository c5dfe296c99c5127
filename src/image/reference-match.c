/* SPDX-License-Identifier: Apache-2.0 */
/* Shell pattern matching with the semantics of Go's path.Match, which
 * Docker uses for the "reference" filter of GET /images/json. */
#include "reference.h"

#include <stdint.h>

/* Reads one character of a class, honouring '\' escapes. Returns the
 * number of pattern bytes used, or 0 when the class is malformed there. */
static size_t class_char(const char *p, char *ret)
{
        if (*p == '\0' || *p == '-' || *p == ']')
                return 0;
        if (*p == '\\') {
                if (p[1] == '\0')
                        return 0;
                *ret = p[1];
                return p[2] ? 2 : 0;
        }
        *ret = *p;
        return p[1] ? 1 : 0;
}

/* Parses the class starting after '[' and sets *ret_match when c is in it.
 * Returns the number of pattern bytes up to and including ']', or 0 when
 * the class is malformed. */
static size_t match_class(const char *p, char c, bool *ret_match)
{
        const char *start = p;
        bool negated = false, match = false;
        size_t ranges = 0;

        if (*p == '^') {
                negated = true;
                p++;
        }
        for (;;) {
                char lo, hi;
                size_t n;

                if (*p == ']' && ranges > 0) {
                        p++;
                        break;
                }
                n = class_char(p, &lo);
                if (n == 0)
                        return 0;
                p += n;
                hi = lo;
                if (*p == '-') {
                        n = class_char(p + 1, &hi);
                        if (n == 0)
                                return 0;
                        p += 1 + n;
                }
                if (lo <= c && c <= hi)
                        match = true;
                ranges++;
        }
        *ret_match = match != negated;
        return (size_t)(p - start);
}

/* Checks the whole pattern for syntax errors, as Go reports them even
 * when the name fails to match earlier. */
static bool pattern_valid(const char *p)
{
        while (*p) {
                bool unused;
                size_t n;

                switch (*p) {
                case '\\':
                        if (p[1] == '\0')
                                return false;
                        p += 2;
                        break;
                case '[':
                        n = match_class(p + 1, 'a', &unused);
                        if (n == 0)
                                return false;
                        p += 1 + n;
                        break;
                default:
                        p++;
                }
        }
        return true;
}

/* Decodes the UTF-8 character at s into *ret, returning its length; an
 * invalid byte counts as one character of its own, as in Go. */
static size_t decode_rune(const char *s, uint32_t *ret)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t n = p[0] < 0x80             ? 1
                   : (p[0] & 0xe0) == 0xc0 ? 2
                   : (p[0] & 0xf0) == 0xe0 ? 3
                   : (p[0] & 0xf8) == 0xf0 ? 4
                                           : 1;
        uint32_t cp = n == 1 ? p[0] : p[0] & (0x7f >> n);

        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80) {
                        *ret = 0xfffd;
                        return 1;
                }
                cp = (cp << 6) | (p[i] & 0x3f);
        }
        *ret = cp;
        return n;
}

/* Splits off the next chunk of the pattern: a run of stars, then the text
 * up to the next star outside a class. */
static const char *scan_chunk(const char *p, bool *ret_star, size_t *ret_len)
{
        bool in_range = false;
        size_t i;

        *ret_star = false;
        while (*p == '*') {
                p++;
                *ret_star = true;
        }
        for (i = 0; p[i]; i++) {
                if (p[i] == '\\' && p[i + 1])
                        i++;
                else if (p[i] == '[')
                        in_range = true;
                else if (p[i] == ']')
                        in_range = false;
                else if (p[i] == '*' && !in_range)
                        break;
        }
        *ret_len = i;
        return p;
}

/* Matches a chunk (no stars) against the start of s, as Go's matchChunk:
 * returns the rest of s after the match, or NULL. The pattern is known to
 * be valid. */
static const char *match_chunk(const char *chunk, size_t len, const char *s)
{
        const char *end = chunk + len;

        while (chunk < end) {
                uint32_t c, lo, hi;
                bool negated, match;

                if (!*s)
                        return NULL;
                switch (*chunk) {
                case '[':
                        s += decode_rune(s, &c);
                        chunk++;
                        negated = *chunk == '^';
                        chunk += negated;
                        match = false;
                        for (size_t ranges = 0; !(*chunk == ']' && ranges > 0); ranges++) {
                                if (*chunk == '\\')
                                        chunk++;
                                chunk += decode_rune(chunk, &lo);
                                hi = lo;
                                if (*chunk == '-') {
                                        chunk++;
                                        if (*chunk == '\\')
                                                chunk++;
                                        chunk += decode_rune(chunk, &hi);
                                }
                                match = match || (lo <= c && c <= hi);
                        }
                        chunk++;
                        if (match == negated)
                                return NULL;
                        break;
                case '?':
                        if (*s == '/')
                                return NULL;
                        s += decode_rune(s, &c);
                        chunk++;
                        break;
                case '\\':
                        chunk++;
                        /* fall through */
                default:
                        if (*chunk != *s)
                                return NULL;
                        chunk++;
                        s++;
                }
        }
        return s;
}

/* Go's path.Match over a valid pattern: each star chunk takes the first
 * position where the rest can continue, without backtracking into earlier
 * stars, so the cost stays linear in the pattern times the name. */
static bool match_pattern(const char *p, const char *name)
{
        while (*p) {
                const char *chunk, *rest;
                size_t len;
                bool star, found = false;

                chunk = scan_chunk(p, &star, &len);
                p = chunk + len;
                if (star && len == 0)
                        return !strchr(name, '/');

                rest = match_chunk(chunk, len, name);
                if (rest && (!*rest || *p)) {
                        name = rest;
                        continue;
                }
                for (size_t i = 0; star && !found && name[i] && name[i] != '/'; i++) {
                        rest = match_chunk(chunk, len, name + i + 1);
                        if (rest && !(!*p && *rest)) {
                                name = rest;
                                found = true;
                        }
                }
                if (!found)
                        return false;
        }
        return !*name;
}

int reference_path_match(const char *pattern, const char *name, bool *ret_match)
{
        if (!pattern_valid(pattern))
                return -EINVAL;
        *ret_match = match_pattern(pattern, name);
        return 0;
}

int reference_familiar_match(const char *pattern, const struct reference *r, bool *ret_match)
{
        _cleanup_free_ char *full = reference_familiar_string(r);
        _cleanup_free_ char *name = reference_familiar_name(r);
        bool match = false;
        int k;

        if (!full || !name)
                return -ENOMEM;

        k = reference_path_match(pattern, full, &match);
        if (k < 0)
                return k;
        if (!match) {
                k = reference_path_match(pattern, name, &match);
                if (k < 0)
                        return k;
        }
        *ret_match = match;
        return 0;
}
