/* SPDX-License-Identifier: Apache-2.0 */
/* Registry manifests, indexes and platforms: parsing, checks and the
 * platform choice of docker pull, with containerd's platform rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "image/manifest.h"

#define HEX64  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64B "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64C "2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

#define DOCKER_MANIFEST                                                                                          \
        "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_DOCKER_MANIFEST                                       \
        "\",\"config\":{\"mediaType\":\"" MEDIA_TYPE_DOCKER_CONFIG "\",\"size\":1469,\"digest\":\"sha256:" HEX64 \
        "\"},\"layers\":[{\"mediaType\":"                                                                        \
        "\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":1087984,\"digest\":\"sha256:" HEX64B "\"}]}"

#define OCI_INDEX                                                                                       \
        "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_OCI_INDEX "\",\"manifests\":["               \
        "{\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\",\"size\":349,\"digest\":\"sha256:" HEX64 "\","  \
        "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"                                  \
        "{\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\",\"size\":350,\"digest\":\"sha256:" HEX64B "\"," \
        "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}},"               \
        "{\"mediaType\":\"" MEDIA_TYPE_OCI_MANIFEST "\",\"size\":351,\"digest\":\"sha256:" HEX64C "\"," \
        "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}}]}"

static void parse_docker_manifest(void **state)
{
        struct manifest m;

        (void)state;
        assert_int_equal(manifest_parse(MEDIA_TYPE_DOCKER_MANIFEST, DOCKER_MANIFEST, strlen(DOCKER_MANIFEST), &m, NULL),
                         0);
        assert_int_equal(m.kind, MANIFEST_IMAGE);
        assert_string_equal(m.media_type, MEDIA_TYPE_DOCKER_MANIFEST);
        assert_string_equal(m.config.digest, "sha256:" HEX64);
        assert_int_equal(m.config.size, 1469);
        assert_int_equal(m.n_layers, 1);
        assert_string_equal(m.layers[0].digest, "sha256:" HEX64B);
        assert_int_equal(m.layers[0].size, 1087984);
        assert_int_equal(manifest_check_config_type(&m, NULL), 0);
        manifest_done(&m);

        /* Without a useful Content-Type the body's mediaType decides. */
        assert_int_equal(
                manifest_parse("application/json; charset=utf-8", DOCKER_MANIFEST, strlen(DOCKER_MANIFEST), &m, NULL),
                0);
        assert_string_equal(m.media_type, MEDIA_TYPE_DOCKER_MANIFEST);
        manifest_done(&m);
}

static void parse_oci_index(void **state)
{
        struct manifest m;

        (void)state;
        assert_int_equal(manifest_parse(MEDIA_TYPE_OCI_INDEX "; charset=utf-8", OCI_INDEX, strlen(OCI_INDEX), &m, NULL),
                         0);
        assert_int_equal(m.kind, MANIFEST_INDEX);
        assert_int_equal(m.n_manifests, 3);
        assert_true(m.manifests[1].has_platform);
        assert_string_equal(m.manifests[1].platform.architecture, "arm64");
        assert_string_equal(m.manifests[1].platform.variant, "v8");
        assert_int_equal(m.manifests[2].size, 351);
        manifest_done(&m);
}

static void parse_by_shape(void **state)
{
        const char *oci = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64 "\",\"size\":2},\"layers\":[]}";
        const char *index = "{\"schemaVersion\":2,\"manifests\":[]}";
        const char *schema1 = "{\"schemaVersion\":1,\"name\":\"a\",\"tag\":\"b\",\"fsLayers\":[]}";
        struct manifest m;

        (void)state;
        assert_int_equal(manifest_parse(NULL, oci, strlen(oci), &m, NULL), 0);
        assert_string_equal(m.media_type, MEDIA_TYPE_OCI_MANIFEST);
        assert_int_equal(m.n_layers, 0);
        assert_int_equal(manifest_check_config_type(&m, NULL), 0);
        manifest_done(&m);
        assert_int_equal(manifest_parse(NULL, index, strlen(index), &m, NULL), 0);
        assert_int_equal(m.kind, MANIFEST_INDEX);
        manifest_done(&m);
        assert_int_equal(manifest_parse(NULL, schema1, strlen(schema1), &m, NULL), 0);
        assert_int_equal(m.kind, MANIFEST_SCHEMA1);
        manifest_done(&m);
        assert_int_equal(manifest_parse(MEDIA_TYPE_DOCKER_SIGNED, "{}", 2, &m, NULL), 0);
        assert_int_equal(m.kind, MANIFEST_SCHEMA1);
        manifest_done(&m);
}

struct invalid_case {
        const char *content_type;
        const char *body;
        const char *message;
};

static const struct invalid_case invalid_cases[] = {
        { NULL, "[]", "invalid manifest: not a JSON object" },
        { NULL, "{", NULL },
        { NULL, "{\"mediaType\":5}", NULL },
        { "text/html", "{}", "unsupported manifest media type \"text/html\"" },
        { MEDIA_TYPE_OCI_INDEX, DOCKER_MANIFEST,
          "invalid manifest: mediaType \"" MEDIA_TYPE_DOCKER_MANIFEST
          "\" does not match the Content-Type " MEDIA_TYPE_OCI_INDEX },
        { MEDIA_TYPE_OCI_MANIFEST, "{\"schemaVersion\":1}", "invalid manifest: schemaVersion must be 2" },
        { MEDIA_TYPE_OCI_MANIFEST, "{\"schemaVersion\":2}", "invalid manifest: no config descriptor" },
        { MEDIA_TYPE_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"size\":1}}",
          "invalid manifest: the config has no digest" },
        { MEDIA_TYPE_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:abc\",\"size\":1}}",
          "invalid manifest: the config has an invalid digest \"sha256:abc\"" },
        { MEDIA_TYPE_OCI_MANIFEST,
          "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha512:" HEX64 HEX64 "\",\"size\":1}}",
          "invalid manifest: the config uses the digest algorithm of \"sha512:" HEX64 HEX64
          "\"; only sha256 is supported" },
        { MEDIA_TYPE_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64 "\",\"size\":-1}}",
          "invalid manifest: the config has no valid size" },
        { MEDIA_TYPE_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64 "\"}}",
          "invalid manifest: the config has no valid size" },
        { MEDIA_TYPE_OCI_MANIFEST, "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64 "\",\"size\":\"1\"}}",
          NULL },
        { MEDIA_TYPE_OCI_MANIFEST,
          "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64 "\",\"size\":1},"
          "\"layers\":{}}",
          NULL },
        { MEDIA_TYPE_OCI_MANIFEST,
          "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:" HEX64 "\",\"size\":1},"
          "\"layers\":[7]}",
          "invalid manifest: layers is not an object" },
        { MEDIA_TYPE_OCI_INDEX, "{\"schemaVersion\":2}", "invalid manifest list: no manifests array" },
        { MEDIA_TYPE_OCI_INDEX,
          "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"sha256:" HEX64 "\",\"size\":1,"
          "\"platform\":{\"os\":\"linux\",\"architecture\":"
          "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}]}",
          "invalid manifest: a platform field is longer than 63 bytes" },
};

static void parse_invalid(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(invalid_cases); i++) {
                const struct invalid_case *c = &invalid_cases[i];
                _cleanup_error_ struct error err = ERROR_INIT;
                struct manifest m;

                print_message("case %zu: %s\n", i, c->body);
                assert_int_equal(manifest_parse(c->content_type, c->body, strlen(c->body), &m, &err), -EINVAL);
                assert_non_null(err.message);
                if (c->message)
                        assert_string_equal(err.message, c->message);
        }
}

static void parse_limits(void **state)
{
        size_t size = 64 + (MANIFEST_MAX_ENTRIES + 1) * 100;
        _cleanup_free_ char *body = malloc(size);
        _cleanup_error_ struct error err = ERROR_INIT;
        struct manifest m;
        size_t len;

        (void)state;
        assert_non_null(body);
        len = (size_t)snprintf(body, size, "{\"schemaVersion\":2,\"manifests\":[");
        for (size_t i = 0; i <= MANIFEST_MAX_ENTRIES; i++)
                len += (size_t)snprintf(body + len, size - len, "%s{\"digest\":\"sha256:" HEX64 "\",\"size\":1}",
                                        i ? "," : "");
        len += (size_t)snprintf(body + len, size - len, "]}");
        assert_int_equal(manifest_parse(NULL, body, len, &m, &err), -EINVAL);
        assert_string_equal(err.message, "invalid manifest: more than 1024 manifests");
        assert_int_equal(manifest_parse(NULL, body, MANIFEST_MAX_SIZE + 1, &m, NULL), -EINVAL);
}

static void config_types(void **state)
{
        const char *helm =
                "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.cncf.helm.config.v1+json\","
                "\"digest\":\"sha256:" HEX64 "\",\"size\":2},\"layers\":[]}";
        const char *odd = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x/y\",\"digest\":\"sha256:" HEX64
                          "\",\"size\":2},\"layers\":[]}";
        _cleanup_error_ struct error err = ERROR_INIT, err2 = ERROR_INIT;
        struct manifest m;

        (void)state;
        assert_int_equal(manifest_parse(NULL, helm, strlen(helm), &m, NULL), 0);
        assert_int_equal(manifest_check_config_type(&m, &err), -EINVAL);
        assert_string_equal(
                err.message,
                "Encountered remote \"application/vnd.cncf.helm.config.v1+json\"(Helm Chart) when fetching");
        manifest_done(&m);
        assert_int_equal(manifest_parse(NULL, odd, strlen(odd), &m, NULL), 0);
        assert_int_equal(manifest_check_config_type(&m, &err2), -EINVAL);
        assert_string_equal(err2.message, "Encountered remote \"x/y\"(unknown) when fetching");
        manifest_done(&m);
}

static void layer_compressions(void **state)
{
        enum layer_compression c;

        (void)state;
        assert_int_equal(layer_media_type_compression("application/vnd.docker.image.rootfs.diff.tar.gzip", &c), 0);
        assert_int_equal(c, LAYER_GZIP);
        assert_int_equal(layer_media_type_compression("application/vnd.oci.image.layer.v1.tar+zstd", &c), 0);
        assert_int_equal(c, LAYER_ZSTD);
        assert_int_equal(layer_media_type_compression("application/vnd.oci.image.layer.v1.tar", &c), 0);
        assert_int_equal(c, LAYER_UNCOMPRESSED);
        assert_int_equal(layer_media_type_compression("application/octet-stream", &c), -EINVAL);
        assert_int_equal(layer_media_type_compression(NULL, &c), -EINVAL);
}

/* ---- Platforms ---- */

struct platform_case {
        const char *spec;
        const char *formatted; /* NULL when invalid */
};

static void platform_specs(void **state)
{
        struct platform host;
        char expected[256], formatted[256];
        const struct platform_case cases[] = {
                { "linux/amd64", "linux/amd64" },
                { "linux/x86_64", "linux/amd64" },
                { "Linux/AMD64", "linux/amd64" },
                { "linux/arm64", "linux/arm64/v8" },
                { "linux/aarch64", "linux/arm64/v8" },
                { "linux/arm64/v8", "linux/arm64/v8" },
                { "linux/arm", "linux/arm/v7" },
                { "linux/armhf", "linux/arm/v7" },
                { "linux/armel", "linux/arm/v6" },
                { "linux/arm/6", "linux/arm/v6" },
                { "linux/386", "linux/386" },
                { "linux/i386", "linux/386" },
                { "windows/amd64", "windows/amd64" },
                { "linux/s390x", "linux/s390x" },
                { "arm64", "linux/arm64/v8" },
                { "bogus", NULL },
                { "linux/*", NULL },
                { "linux/amd64/v1/x", NULL },
                { "linux//amd64", NULL },
                { "linux/am d64", NULL },
                { "", NULL },
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_error_ struct error err = ERROR_INIT;
                struct platform p;
                int r = platform_parse(cases[i].spec, &p, &err);

                print_message("case %s\n", cases[i].spec);
                if (!cases[i].formatted) {
                        assert_int_equal(r, -EINVAL);
                        assert_non_null(err.message);
                        continue;
                }
                assert_int_equal(r, 0);
                platform_format(&p, formatted, sizeof(formatted));
                assert_string_equal(formatted, cases[i].formatted);
        }

        /* "linux" alone takes the daemon's architecture. */
        platform_default(&host);
        platform_format(&host, expected, sizeof(expected));
        {
                struct platform p;

                assert_int_equal(platform_parse("linux", &p, NULL), 0);
                platform_format(&p, formatted, sizeof(formatted));
                assert_string_equal(formatted, expected);
        }
}

static void platform_messages(void **state)
{
        _cleanup_error_ struct error unknown = ERROR_INIT, wildcard = ERROR_INIT;
        struct platform p;

        (void)state;
        assert_int_equal(platform_parse("bogus", &p, &unknown), -EINVAL);
        assert_string_equal(unknown.message, "\"bogus\": unknown operating system or architecture: invalid argument");
        assert_int_equal(platform_parse("linux/*", &p, &wildcard), -EINVAL);
        assert_string_equal(wildcard.message, "\"linux/*\": wildcards not yet supported: invalid argument");
}

static struct platform make(const char *os, const char *arch, const char *variant)
{
        struct platform p = { 0 };

        snprintf(p.os, sizeof(p.os), "%s", os);
        snprintf(p.architecture, sizeof(p.architecture), "%s", arch);
        snprintf(p.variant, sizeof(p.variant), "%s", variant);
        return p;
}

static void platform_ranks(void **state)
{
        struct platform arm64 = make("linux", "arm64", "v8"), amd64 = make("linux", "amd64", "");
        struct platform armv7 = make("linux", "arm", "v7"), armv6 = make("linux", "arm", "v6");
        struct platform armv8 = make("linux", "arm", "v8"), armv4 = make("linux", "arm", "v4");

        (void)state;
        assert_int_equal(platform_rank(&amd64, &amd64), 0);
        assert_int_equal(platform_rank(&amd64, &(struct platform){ .os = "linux", .architecture = "x86_64" }), 0);
        assert_int_equal(platform_rank(&amd64, &arm64), -1);
        assert_int_equal(platform_rank(&amd64, &(struct platform){ .os = "windows", .architecture = "amd64" }), -1);
        assert_int_equal(platform_rank(&arm64, &(struct platform){ .os = "linux", .architecture = "arm64" }), 0);
        assert_int_equal(platform_rank(&arm64, &(struct platform){ .os = "linux", .architecture = "aarch64" }), 0);
        assert_int_equal(platform_rank(&arm64, &armv7), 2);
        assert_int_equal(platform_rank(&armv7, &armv6), 1);
        assert_int_equal(platform_rank(&armv7, &armv8), -1);
        assert_int_equal(platform_rank(&armv7, &armv4), -1);
}

static void select_platforms(void **state)
{
        struct manifest m;
        struct platform amd64 = make("linux", "amd64", ""), arm64 = make("linux", "arm64", "v8");
        struct platform armv7 = make("linux", "arm", "v7"), s390x = make("linux", "s390x", "");
        struct platform armv5 = make("linux", "arm", "v5");

        (void)state;
        assert_int_equal(manifest_parse(NULL, OCI_INDEX, strlen(OCI_INDEX), &m, NULL), 0);
        assert_int_equal(manifest_select_platform(&m, &amd64), 0);
        assert_int_equal(manifest_select_platform(&m, &arm64), 1);
        assert_int_equal(manifest_select_platform(&m, &armv7), 2);
        assert_int_equal(manifest_select_platform(&m, &s390x), -ENOENT);
        assert_int_equal(manifest_select_platform(&m, &armv5), -ENOENT);
        manifest_done(&m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(parse_docker_manifest), cmocka_unit_test(parse_oci_index),
                cmocka_unit_test(parse_by_shape),        cmocka_unit_test(parse_invalid),
                cmocka_unit_test(parse_limits),          cmocka_unit_test(config_types),
                cmocka_unit_test(layer_compressions),    cmocka_unit_test(platform_specs),
                cmocka_unit_test(platform_messages),     cmocka_unit_test(platform_ranks),
                cmocka_unit_test(select_platforms),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
