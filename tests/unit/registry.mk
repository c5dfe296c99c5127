# Unit tests of the registry client and the manifests of pulls.
if HAVE_CMOCKA
REGISTRY_UNIT_TESTS = tests/unit/test-image-registry tests/unit/test-image-manifest \
	tests/unit/test-image-registry-client tests/unit/test-image-pull-tags
check_PROGRAMS += $(REGISTRY_UNIT_TESTS)
TESTS += $(REGISTRY_UNIT_TESTS)

REGISTRY_UNIT_COMPILE = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) $(NETTLE_CFLAGS) $(CURL_CFLAGS)

tests_unit_test_image_registry_SOURCES = tests/unit/test-image-registry.c
tests_unit_test_image_registry_CFLAGS = $(REGISTRY_UNIT_COMPILE)
tests_unit_test_image_registry_LDADD = $(IMAGE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_image_manifest_SOURCES = tests/unit/test-image-manifest.c
tests_unit_test_image_manifest_CFLAGS = $(REGISTRY_UNIT_COMPILE)
tests_unit_test_image_manifest_LDADD = $(IMAGE_LIBS) $(CMOCKA_LIBS)

tests_unit_test_image_pull_tags_SOURCES = tests/unit/test-image-pull-tags.c
tests_unit_test_image_pull_tags_CFLAGS = $(REGISTRY_UNIT_COMPILE)
tests_unit_test_image_pull_tags_LDADD = $(IMAGE_LIBS) $(CMOCKA_LIBS)

# A mock registry on 127.0.0.1, served by libmicrohttpd.
tests_unit_test_image_registry_client_SOURCES = tests/unit/test-image-registry-client.c
tests_unit_test_image_registry_client_CFLAGS = $(REGISTRY_UNIT_COMPILE) $(MHD_CFLAGS)
tests_unit_test_image_registry_client_LDADD = $(IMAGE_LIBS) $(MHD_LIBS) $(CMOCKA_LIBS) -lpthread
endif
