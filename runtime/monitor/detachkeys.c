/* SPDX-License-Identifier: Apache-2.0 */
#include "detachkeys.h"

/* The characters after "ctrl-" in code order: ctrl-@ is 0, ctrl-_ is 31. */
static const char control_names[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";

static int parse_key(const char *key, size_t len, uint8_t *ret)
{
        if (len == 1) {
                *ret = (uint8_t)key[0];
                return 0;
        }
        if (len == 6 && strncmp(key, "ctrl-", 5) == 0 && key[5] != '\0') {
                const char *p = strchr(control_names, key[5]);

                if (p) {
                        *ret = (uint8_t)(p - control_names);
                        return 0;
                }
        }
        if (len == 3 && strncmp(key, "DEL", 3) == 0) {
                *ret = 127;
                return 0;
        }
        return -EINVAL;
}

int monitor_detach_keys_parse(const char *spec, struct monitor_detach_keys *ret, struct error *err)
{
        struct monitor_detach_keys keys = { .n = 0 };
        const char *p;

        if (isempty(spec))
                spec = MONITOR_DETACH_KEYS_DEFAULT;

        p = spec;
        for (;;) {
                size_t len = strcspn(p, ",");

                if (keys.n == MONITOR_DETACH_KEYS_MAX || parse_key(p, len, &keys.keys[keys.n]) < 0)
                        return error_set(err, -EINVAL, "Invalid detach keys (%s) provided", spec);
                keys.n++;
                if (p[len] == '\0')
                        break;
                p += len + 1;
        }

        *ret = keys;
        return 0;
}

enum monitor_detach_action monitor_detach_match(const struct monitor_detach_keys *keys, size_t *pos, const void *data,
                                                size_t len, size_t *ret_held)
{
        const uint8_t *bytes = data;

        *ret_held = 0;
        if (keys->n == 0)
                return MONITOR_DETACH_FORWARD;

        if (len != 1 || bytes[0] != keys->keys[*pos]) {
                *ret_held = *pos;
                *pos = 0;
                return MONITOR_DETACH_FORWARD;
        }
        if (*pos + 1 == keys->n) {
                *pos = 0;
                return MONITOR_DETACH_DETACH;
        }
        (*pos)++;
        return MONITOR_DETACH_HOLD;
}
