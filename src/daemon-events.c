/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon's own events. */
#include <stdio.h>

#include "daemon-events.h"
#include "engine/engine.h"
#include "jsonutil.h"
#include "strv.h"

/* A list as Go's fmt prints a []string: "[a b c]", "[]" when empty. */
static char *go_list(char *const *items)
{
        char *text = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&text, &len);

        if (!out)
                return NULL;
        fputc('[', out);
        for (size_t i = 0; items && items[i]; i++)
                fprintf(out, "%s%s", i > 0 ? " " : "", items[i]);
        fputc(']', out);
        if (fclose(out) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

static int append(char ***pairs, const char *key, const char *value)
{
        int r = strv_append(pairs, key);

        return r < 0 ? r : strv_append(pairs, value ?: "");
}

static int append_number(char ***pairs, const char *key, unsigned long long value)
{
        char text[32];

        snprintf(text, sizeof(text), "%llu", value);
        return append(pairs, key, text);
}

static int append_list(char ***pairs, const char *key, char *const *items)
{
        _cleanup_free_ char *text = go_list(items);

        return text ? append(pairs, key, text) : -ENOMEM;
}

/* The settings dockerd 20.10 lists in its reload event, where Sockerless
 * has them, sorted by key. */
static int reload_attributes(const struct daemon_config *config, char ***pairs)
{
        _cleanup_strv_free_ char **labels = NULL;
        char hostname[256] = "";
        int r;

        r = config->labels ? json_array_to_strv(config->labels, &labels) : 0;
        if (r >= 0)
                r = append(pairs, "debug", config->log_level >= LOG_LEVEL_DEBUG ? "true" : "false");
        if (r >= 0)
                r = append(pairs, "default-ipc-mode", "private");
        if (r >= 0)
                r = append(pairs, "default-shm-size", "67108864");
        if (r >= 0)
                r = append_list(pairs, "insecure-registries", config->insecure_registries);
        if (r >= 0)
                r = append_list(pairs, "labels", labels);
        if (r >= 0)
                r = append(pairs, "live-restore", config->live_restore ? "true" : "false");
        if (r >= 0)
                r = append_number(pairs, "max-concurrent-downloads", config->max_concurrent_downloads);
        if (r >= 0)
                r = append_number(pairs, "max-concurrent-uploads", config->max_concurrent_uploads);
        if (r >= 0)
                r = append_number(pairs, "max-download-attempts", config->max_download_attempts);
        if (r >= 0 && gethostname(hostname, sizeof(hostname) - 1) == 0)
                r = append(pairs, "name", hostname);
        if (r >= 0)
                r = append_list(pairs, "registry-mirrors", config->registry_mirrors);
        return r;
}

void daemon_event_reload(struct daemon *d)
{
        _cleanup_strv_free_ char **pairs = NULL;

        if (reload_attributes(&d->config, &pairs) < 0) {
                log_error("Failed to record the reload event: out of memory");
                return;
        }
        engine_event_emit(d->engine, "daemon", "reload", d->engine_id, pairs);
}
