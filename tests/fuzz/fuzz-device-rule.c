/* SPDX-License-Identifier: Apache-2.0 */
/* Parses arbitrary --device-cgroup-rule values. A rule that parses must
 * print back in Docker's format to the text it came from, apart from
 * leading zeros of its numbers. The create check must accept exactly the
 * rules that parse. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/devices.h"
#include "jsonutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void format_number(char *buf, size_t size, int64_t n)
{
        if (n < 0)
                snprintf(buf, size, "*");
        else
                snprintf(buf, size, "%" PRId64, n);
}

/* Drops leading zeros of each number, the only liberty the parser takes. */
static void normalize(const char *text, char *out)
{
        bool number_start = false;

        for (const char *p = text; *p; p++) {
                if (p == text || p[-1] == ' ' || p[-1] == ':')
                        number_start = true;
                if (number_start && *p == '0' && p[1] >= '0' && p[1] <= '9')
                        continue;
                number_start = false;
                *out++ = *p;
        }
        *out = '\0';
}

static void check_round_trip(const char *text, const struct device_rule *rule)
{
        char major[24], minor[24], printed[96];
        char *expected = malloc(strlen(text) + 1);

        if (!strchr("abc", rule->type) || rule->major < -1 || rule->minor < -1 || rule->major > UINT32_MAX ||
            rule->minor > UINT32_MAX || rule->access[0] == '\0')
                abort();
        format_number(major, sizeof(major), rule->major);
        format_number(minor, sizeof(minor), rule->minor);
        snprintf(printed, sizeof(printed), "%c %s:%s %s", rule->type, major, minor, rule->access);
        if (!expected)
                return;
        /* Leading zeros make a valid rule of any length; compare to the
         * text without them. */
        normalize(text, expected);
        if (strcmp(printed, expected) != 0)
                abort();
        free(expected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct device_rule rule;
        json_object *rules;
        char *text;
        int r, checked;

        if (size > 256)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        r = device_rule_parse(text, &rule, NULL);
        if (r == 0)
                check_round_trip(text, &rule);
        else if (r != -EINVAL && r != -ERANGE)
                abort();

        rules = json_object_new_array();
        json_object_array_add(rules, json_object_new_string(text));
        checked = devices_check_rules(rules, NULL);
        if ((checked == 0) != (r == 0))
                abort();
        json_object_put(rules);
        free(text);
        return 0;
}
