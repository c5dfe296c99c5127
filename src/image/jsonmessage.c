/* SPDX-License-Identifier: Apache-2.0 */
#include "jsonmessage.h"

#include <inttypes.h>
#include <stdio.h>

#include "macro.h"

#define PROGRESS_BAR_WIDTH 50

struct text {
        char *data;
        size_t len, allocated;
        bool failed;
};

static void text_add(struct text *t, const char *s, size_t len)
{
        if (t->failed)
                return;
        if (t->len + len + 1 > t->allocated) {
                size_t allocated = MAX(t->allocated * 2, t->len + len + 128);
                char *grown = realloc(t->data, allocated);

                if (!grown) {
                        t->failed = true;
                        return;
                }
                t->data = grown;
                t->allocated = allocated;
        }
        memcpy(t->data + t->len, s, len);
        t->len += len;
        t->data[t->len] = '\0';
}

static void text_addf(struct text *t, const char *s)
{
        text_add(t, s, strlen(s));
}

static char *text_take(struct text *t)
{
        if (t->failed) {
                free(t->data);
                return NULL;
        }
        return t->data;
}

/* Length of the valid UTF-8 sequence at p, or 0 when it is invalid. */
static size_t utf8_length(const unsigned char *p)
{
        size_t n;
        uint32_t cp;

        if (p[0] < 0x80)
                return 1;
        if ((p[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = p[0] & 0x1f;
        } else if ((p[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = p[0] & 0x0f;
        } else if ((p[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = p[0] & 0x07;
        } else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

/* Appends s as a JSON string the way Go's encoding/json writes it. */
static void add_string(struct text *t, const char *s)
{
        const unsigned char *p = (const unsigned char *)s;

        text_add(t, "\"", 1);
        while (*p) {
                char esc[8];
                size_t n;

                if (*p == '"' || *p == '\\') {
                        snprintf(esc, sizeof(esc), "\\%c", *p);
                        text_addf(t, esc);
                        p++;
                        continue;
                }
                if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&') {
                        if (*p == '\n')
                                snprintf(esc, sizeof(esc), "\\n");
                        else if (*p == '\r')
                                snprintf(esc, sizeof(esc), "\\r");
                        else if (*p == '\t')
                                snprintf(esc, sizeof(esc), "\\t");
                        else
                                snprintf(esc, sizeof(esc), "\\u%04x", *p);
                        text_addf(t, esc);
                        p++;
                        continue;
                }
                n = utf8_length(p);
                if (n == 0) {
                        text_addf(t, "\\ufffd");
                        p++;
                } else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
                        text_addf(t, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
                        p += n;
                } else {
                        text_add(t, (const char *)p, n);
                        p += n;
                }
        }
        text_add(t, "\"", 1);
}

char *jsonmessage_stream(const char *text)
{
        struct text t = { 0 };

        text_addf(&t, "{\"stream\":");
        add_string(&t, text);
        text_addf(&t, "}\r\n");
        return text_take(&t);
}

char *jsonmessage_status(const char *status)
{
        struct text t = { 0 };

        text_addf(&t, "{\"status\":");
        add_string(&t, status);
        text_addf(&t, "}\r\n");
        return text_take(&t);
}

char *jsonmessage_status_id(const char *id, const char *status)
{
        struct text t = { 0 };

        text_addf(&t, "{\"status\":");
        add_string(&t, status);
        text_addf(&t, ",\"id\":");
        add_string(&t, id);
        text_addf(&t, "}\r\n");
        return text_take(&t);
}

char *jsonmessage_error(const char *message)
{
        struct text t = { 0 };

        text_addf(&t, "{\"errorDetail\":{\"message\":");
        add_string(&t, message);
        text_addf(&t, "},\"error\":");
        add_string(&t, message);
        text_addf(&t, "}\r\n");
        return text_take(&t);
}

void jsonmessage_human_size(double size, char *ret, size_t size_ret)
{
        static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
        size_t i = 0;

        while (size >= 1000.0 && i < ARRAY_SIZE(units) - 1) {
                size /= 1000.0;
                i++;
        }
        snprintf(ret, size_ret, "%.4g%s", size, units[i]);
}

/* jsonmessage.JSONProgress.String() for a client without a terminal,
 * whose assumed width of 200 columns shows the bar. */
static void progress_text(struct text *t, int64_t current, int64_t total)
{
        char bar[PROGRESS_BAR_WIDTH + 8], now[32], all[32], numbers[80];
        int percent;

        if (current <= 0 && total <= 0)
                return;
        jsonmessage_human_size((double)current, now, sizeof(now));
        if (total <= 0) {
                snprintf(numbers, sizeof(numbers), "%8s", now);
                text_addf(t, numbers);
                return;
        }

        percent = (int)((double)current / (double)total * 100) / 2;
        percent = MIN(percent, PROGRESS_BAR_WIDTH);
        memset(bar, '=', (size_t)percent);
        bar[percent] = '>';
        memset(bar + percent + 1, ' ', (size_t)(PROGRESS_BAR_WIDTH - percent));
        bar[PROGRESS_BAR_WIDTH + 1] = '\0';
        text_addf(t, "[");
        text_addf(t, bar);
        text_addf(t, "] ");

        jsonmessage_human_size((double)total, all, sizeof(all));
        if (current > total)
                snprintf(numbers, sizeof(numbers), "%8s", now);
        else
                snprintf(numbers, sizeof(numbers), "%8s/%s", now, all);
        text_addf(t, numbers);
}

char *jsonmessage_progress(const char *id, const char *action, int64_t current, int64_t total)
{
        struct text t = { 0 }, bar = { 0 };
        char number[32];

        text_addf(&t, "{\"status\":");
        add_string(&t, action);
        text_addf(&t, ",\"progressDetail\":{");
        if (current != 0) {
                snprintf(number, sizeof(number), "\"current\":%" PRId64, current);
                text_addf(&t, number);
        }
        if (total != 0) {
                snprintf(number, sizeof(number), "%s\"total\":%" PRId64, current != 0 ? "," : "", total);
                text_addf(&t, number);
        }
        text_addf(&t, "}");

        progress_text(&bar, current, total);
        if (bar.len > 0) {
                text_addf(&t, ",\"progress\":");
                add_string(&t, bar.data);
        }
        free(bar.data);

        text_addf(&t, ",\"id\":");
        add_string(&t, id);
        text_addf(&t, "}\r\n");
        return text_take(&t);
}

char *jsonmessage_push_result(const char *tag, const char *digest, int64_t size)
{
        struct text t = { 0 };
        char number[32];

        text_addf(&t, "{\"progressDetail\":{},\"aux\":{\"Tag\":");
        add_string(&t, tag);
        text_addf(&t, ",\"Digest\":");
        add_string(&t, digest);
        snprintf(number, sizeof(number), ",\"Size\":%" PRId64 "}}\r\n", size);
        text_addf(&t, number);
        return text_take(&t);
}
