# Unit tests of the image store (src/image). The archive tests load the
# images in $SOCKERLESS_TEST_IMAGES when it names a directory holding them
# and skip otherwise.
if HAVE_CMOCKA
IMAGE_UNIT_TESTS = \
	tests/unit/test-image-reference \
	tests/unit/test-image-changes \
	tests/unit/test-image-extract \
	tests/unit/test-image-layerstack \
	tests/unit/test-image-layerstack-copy \
	tests/unit/test-image-store \
	tests/unit/test-image-archives \
	tests/unit/test-image-blob-upload \
	tests/unit/test-image-push-parts \
	tests/unit/test-image-layer-tar \
	tests/unit/test-image-save \
	tests/unit/test-image-timestamp
check_PROGRAMS += $(IMAGE_UNIT_TESTS)
TESTS += $(IMAGE_UNIT_TESTS)

IMAGE_UNIT_COMPILE = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) $(ARCHIVE_CFLAGS) $(NETTLE_CFLAGS) $(ZLIB_CFLAGS)
IMAGE_UNIT_LINK = $(IMAGE_LIBS) $(CMOCKA_LIBS)
IMAGE_UNIT_UTIL = tests/unit/image-test-util.c tests/unit/image-test-util.h

tests_unit_test_image_reference_SOURCES = tests/unit/test-image-reference.c
tests_unit_test_image_reference_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_reference_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_changes_SOURCES = tests/unit/test-image-changes.c
tests_unit_test_image_changes_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_changes_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_extract_SOURCES = tests/unit/test-image-extract.c $(IMAGE_UNIT_UTIL)
tests_unit_test_image_extract_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_extract_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_layerstack_SOURCES = tests/unit/test-image-layerstack.c $(IMAGE_UNIT_UTIL)
tests_unit_test_image_layerstack_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_layerstack_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_layerstack_copy_SOURCES = tests/unit/test-image-layerstack-copy.c
tests_unit_test_image_layerstack_copy_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_layerstack_copy_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_store_SOURCES = tests/unit/test-image-store.c $(IMAGE_UNIT_UTIL)
tests_unit_test_image_store_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_store_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_archives_SOURCES = tests/unit/test-image-archives.c $(IMAGE_UNIT_UTIL)
tests_unit_test_image_archives_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_archives_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_layer_tar_SOURCES = tests/unit/test-image-layer-tar.c $(IMAGE_UNIT_UTIL)
tests_unit_test_image_layer_tar_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_layer_tar_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_save_SOURCES = tests/unit/test-image-save.c $(IMAGE_UNIT_UTIL)
tests_unit_test_image_save_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_save_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_timestamp_SOURCES = tests/unit/test-image-timestamp.c
tests_unit_test_image_timestamp_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_timestamp_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_blob_upload_SOURCES = tests/unit/test-image-blob-upload.c
tests_unit_test_image_blob_upload_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_blob_upload_LDADD = $(IMAGE_UNIT_LINK)

tests_unit_test_image_push_parts_SOURCES = tests/unit/test-image-push-parts.c $(IMAGE_UNIT_UTIL)
tests_unit_test_image_push_parts_CFLAGS = $(IMAGE_UNIT_COMPILE)
tests_unit_test_image_push_parts_LDADD = $(IMAGE_UNIT_LINK)
endif
