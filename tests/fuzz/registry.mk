# Fuzz targets of what registries and clients send the registry client:
# manifests, indexes, image configs and platform specifiers in one,
# credentials, challenges, token responses and error bodies in the other
# (see tests/fuzz/local.mk).
REGISTRY_FUZZ_TARGETS = tests/fuzz/fuzz-registry-manifest tests/fuzz/fuzz-registry-auth
check_PROGRAMS += $(REGISTRY_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(REGISTRY_FUZZ_TARGETS)
endif

REGISTRY_FUZZ_COMPILE = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS) $(NETTLE_CFLAGS) $(CURL_CFLAGS)
REGISTRY_FUZZ_LINK = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_registry_manifest_SOURCES = tests/fuzz/fuzz-registry-manifest.c $(FUZZ_MAIN)
tests_fuzz_fuzz_registry_manifest_CFLAGS = $(REGISTRY_FUZZ_COMPILE)
tests_fuzz_fuzz_registry_manifest_LDFLAGS = $(REGISTRY_FUZZ_LINK)
tests_fuzz_fuzz_registry_manifest_LDADD = $(IMAGE_LIBS)

tests_fuzz_fuzz_registry_auth_SOURCES = tests/fuzz/fuzz-registry-auth.c $(FUZZ_MAIN)
tests_fuzz_fuzz_registry_auth_CFLAGS = $(REGISTRY_FUZZ_COMPILE)
tests_fuzz_fuzz_registry_auth_LDFLAGS = $(REGISTRY_FUZZ_LINK)
tests_fuzz_fuzz_registry_auth_LDADD = $(IMAGE_LIBS)
