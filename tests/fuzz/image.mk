# Fuzz targets of the image store: reference parsing, archive manifests
# and configs, layer extraction, tar-split records and their recording,
# and the registry headers of blob uploads, and the config of a commit
# (see tests/fuzz/local.mk).
IMAGE_FUZZ_TARGETS = tests/fuzz/fuzz-reference tests/fuzz/fuzz-manifest tests/fuzz/fuzz-extract \
	tests/fuzz/fuzz-tar-split tests/fuzz/fuzz-layer-tar tests/fuzz/fuzz-blob-upload \
	tests/fuzz/fuzz-commit-config
check_PROGRAMS += $(IMAGE_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(IMAGE_FUZZ_TARGETS)
endif

IMAGE_FUZZ_COMPILE = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS) $(ARCHIVE_CFLAGS) $(NETTLE_CFLAGS)
IMAGE_FUZZ_LINK = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)

tests_fuzz_fuzz_reference_SOURCES = tests/fuzz/fuzz-reference.c $(FUZZ_MAIN)
tests_fuzz_fuzz_reference_CFLAGS = $(IMAGE_FUZZ_COMPILE)
tests_fuzz_fuzz_reference_LDFLAGS = $(IMAGE_FUZZ_LINK)
tests_fuzz_fuzz_reference_LDADD = $(IMAGE_LIBS)

tests_fuzz_fuzz_manifest_SOURCES = tests/fuzz/fuzz-manifest.c $(FUZZ_MAIN)
tests_fuzz_fuzz_manifest_CFLAGS = $(IMAGE_FUZZ_COMPILE)
tests_fuzz_fuzz_manifest_LDFLAGS = $(IMAGE_FUZZ_LINK)
tests_fuzz_fuzz_manifest_LDADD = $(IMAGE_LIBS)

tests_fuzz_fuzz_extract_SOURCES = tests/fuzz/fuzz-extract.c $(FUZZ_MAIN)
tests_fuzz_fuzz_extract_CFLAGS = $(IMAGE_FUZZ_COMPILE)
tests_fuzz_fuzz_extract_LDFLAGS = $(IMAGE_FUZZ_LINK)
tests_fuzz_fuzz_extract_LDADD = $(IMAGE_LIBS)

tests_fuzz_fuzz_tar_split_SOURCES = tests/fuzz/fuzz-tar-split.c $(FUZZ_MAIN)
tests_fuzz_fuzz_tar_split_CFLAGS = $(IMAGE_FUZZ_COMPILE)
tests_fuzz_fuzz_tar_split_LDFLAGS = $(IMAGE_FUZZ_LINK)
tests_fuzz_fuzz_tar_split_LDADD = $(IMAGE_LIBS)

tests_fuzz_fuzz_layer_tar_SOURCES = tests/fuzz/fuzz-layer-tar.c $(FUZZ_MAIN)
tests_fuzz_fuzz_layer_tar_CFLAGS = $(IMAGE_FUZZ_COMPILE)
tests_fuzz_fuzz_layer_tar_LDFLAGS = $(IMAGE_FUZZ_LINK)
tests_fuzz_fuzz_layer_tar_LDADD = $(IMAGE_LIBS)

tests_fuzz_fuzz_blob_upload_SOURCES = tests/fuzz/fuzz-blob-upload.c $(FUZZ_MAIN)
tests_fuzz_fuzz_blob_upload_CFLAGS = $(IMAGE_FUZZ_COMPILE)
tests_fuzz_fuzz_blob_upload_LDFLAGS = $(IMAGE_FUZZ_LINK)
tests_fuzz_fuzz_blob_upload_LDADD = $(IMAGE_LIBS)

tests_fuzz_fuzz_commit_config_SOURCES = tests/fuzz/fuzz-commit-config.c $(FUZZ_MAIN)
tests_fuzz_fuzz_commit_config_CFLAGS = $(IMAGE_FUZZ_COMPILE)
tests_fuzz_fuzz_commit_config_LDFLAGS = $(IMAGE_FUZZ_LINK)
tests_fuzz_fuzz_commit_config_LDADD = $(IMAGE_LIBS)
