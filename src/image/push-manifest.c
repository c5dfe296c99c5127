/* SPDX-License-Identifier: Apache-2.0 */
#include "push-manifest.h"

#include <inttypes.h>
#include <stdio.h>

static bool descriptor_valid(const struct blob_descriptor *d)
{
        return digest_is_sha256(d->digest) && d->size >= 0;
}

/* Writes one descriptor object at the indentation of a layer entry or of
 * the config. No string needs escaping: media types are constants and
 * digests are checked to be "sha256:" and hex. */
static void write_descriptor(FILE *f, const char *indent, const char *media_type, const struct blob_descriptor *d)
{
        fprintf(f,
                "{\n"
                "%s   \"mediaType\": \"%s\",\n"
                "%s   \"size\": %" PRId64 ",\n"
                "%s   \"digest\": \"%s\"\n"
                "%s}",
                indent, media_type, indent, d->size, indent, d->digest, indent);
}

int push_manifest_build(const struct blob_descriptor *config, const struct blob_descriptor *layers, size_t n_layers,
                        char **ret, size_t *ret_len)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f;

        if (!descriptor_valid(config))
                return -EINVAL;
        for (size_t i = 0; i < n_layers; i++)
                if (!descriptor_valid(&layers[i]))
                        return -EINVAL;

        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;

        fprintf(f,
                "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"%s\",\n   \"config\": ", MEDIA_TYPE_DOCKER_MANIFEST);
        write_descriptor(f, "   ", MEDIA_TYPE_DOCKER_CONFIG, config);

        /* Go writes an empty slice as "[]" on one line. */
        fputs(",\n   \"layers\": [", f);
        for (size_t i = 0; i < n_layers; i++) {
                fputs(i == 0 ? "\n      " : ",\n      ", f);
                write_descriptor(f, "      ", MEDIA_TYPE_DOCKER_LAYER, &layers[i]);
        }
        fputs(n_layers > 0 ? "\n   ]\n}" : "]\n}", f);

        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        *ret_len = len;
        return 0;
}
