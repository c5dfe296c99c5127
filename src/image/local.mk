# The image store (libimage.a) and the image API routes (libimageapi.a,
# src/api/images.c), which the daemon links before libimage.a.
noinst_LIBRARIES += libimageapi.a libimage.a

libimage_a_SOURCES = \
	src/image/blob-compress.c src/image/blob-compress.h \
	src/image/blob-upload.c src/image/blob-upload.h \
	src/image/changes.c src/image/changes.h \
	src/image/changes-health.c \
	src/image/changes-internal.h \
	src/image/changes-misc.c \
	src/image/changes-parse.c \
	src/image/commit.c \
	src/image/commit-config.c \
	src/image/config.c src/image/config.h \
	src/image/curl-lib.c \
	src/image/digest.c src/image/digest.h \
	src/image/distribution-inspect.c \
	src/image/distribution.c src/image/distribution.h \
	src/image/extract.c src/image/extract.h \
	src/image/extract-entry.c \
	src/image/extract-layer.c \
	src/image/extract-path.c \
	src/image/image.h \
	src/image/import.c \
	src/image/jsonmessage.c src/image/jsonmessage.h \
	src/image/layer-tar.c src/image/layer-tar.h \
	src/image/layerstack.h src/image/layerstack-internal.h \
	src/image/layerstack-changes.c \
	src/image/layerstack-copy.c \
	src/image/layerstack-tar.c \
	src/image/layerstack-tree.c \
	src/image/layerstack-write.c \
	src/image/load.c src/image/load.h \
	src/image/load-oci.c \
	src/image/manifest.c src/image/manifest.h \
	src/image/platform.c \
	src/image/pull.c src/image/pull.h \
	src/image/pull-internal.h \
	src/image/pull-layers.c \
	src/image/pull-tags.c \
	src/image/push.c src/image/push.h \
	src/image/push-blob.c \
	src/image/push-compress.c \
	src/image/push-internal.h \
	src/image/push-layer.c \
	src/image/push-manifest.c src/image/push-manifest.h \
	src/image/push-output.c \
	src/image/reference.c src/image/reference.h \
	src/image/reference-match.c \
	src/image/registry.c src/image/registry.h \
	src/image/registry-auth.c \
	src/image/registry-batch.c \
	src/image/registry-context.c \
	src/image/registry-internal.h \
	src/image/registry-response.c \
	src/image/registry-token.c \
	src/image/registry-transfer.c \
	src/image/render.c src/image/render.h \
	src/image/render-list.c \
	src/image/save.c src/image/save.h \
	src/image/save-plan.c \
	src/image/shellword.c src/image/shellword.h \
	src/image/spool.c src/image/spool.h \
	src/image/store.c src/image/store-internal.h \
	src/image/store-delete.c \
	src/image/store-hold.c \
	src/image/store-image.c \
	src/image/store-layer.c \
	src/image/store-prune.c \
	src/image/store-snapshot.c \
	src/image/store-tag.c \
	src/image/tar-split.h \
	src/image/tar-split-internal.h \
	src/image/tar-split-parse.c \
	src/image/tar-split-record.c \
	src/image/tar-split-tar.c \
	src/image/tar-split-write.c \
	src/image/timestamp.c src/image/timestamp.h
libimage_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(ARCHIVE_CFLAGS) $(NETTLE_CFLAGS) $(CURL_CFLAGS) $(ZLIB_CFLAGS)

libimageapi_a_SOURCES = src/api/images.c src/api/images.h src/api/images-search.c src/api/images-pull.c src/api/images-push.c
libimageapi_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(MHD_CFLAGS)

# Everything a program linking libimage.a needs after it. The daemon links
# IMAGE_LIBS_LAZY: src/image/curl-lib.c and common/archive-lib.c load
# libcurl and libarchive when a function of theirs is first called. A
# function of theirs that the daemon starts to call goes into the table of
# that file, or the daemon fails to link with an undefined reference. Tests
# link the libraries too, for the functions those files leave out.
IMAGE_LIBS_LAZY = libimage.a libcommon.a $(NETTLE_LIBS) $(ZLIB_LIBS) $(JSONC_LIBS) -lpthread
IMAGE_LIBS = $(IMAGE_LIBS_LAZY) $(ARCHIVE_LIBS) $(CURL_LIBS)
