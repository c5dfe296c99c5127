sbin_PROGRAMS += sockerlessd
sockerlessd_SOURCES = src/main.c
sockerlessd_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
sockerlessd_LDADD = libsockerlessd.a libimageapi.a libhttp.a libmonitor.a $(IMAGE_LIBS) $(RUNTIME_LIBS) \
	$(MHD_LIBS) -lpthread

# Everything of the daemon but main(), so unit tests can link it.
noinst_LIBRARIES += libsockerlessd.a
libsockerlessd_a_SOURCES = \
	src/api/api.h \
	src/api/containers.c \
	src/api/containers-io.c \
	src/api/containers-json.c \
	src/api/containers-list.c \
	src/api/containers-update.c \
	src/api/system.c \
	src/api/unimplemented.c \
	src/daemon-config.c src/daemon-config.h \
	src/daemon-run.c src/daemon-run.h \
	src/daemon-ulimits.c src/daemon-ulimits.h \
	src/daemon.h \
	src/engine/binds.c src/engine/binds.h \
	src/engine/container.c src/engine/container.h \
	src/engine/create.c \
	src/engine/create-config.c src/engine/create-config.h \
	src/engine/create-isolation.c src/engine/create-isolation.h \
	src/engine/create-options.c src/engine/create-options.h \
	src/engine/devices.c src/engine/devices.h \
	src/engine/engine.c src/engine/engine.h src/engine/engine-internal.h \
	src/engine/etcfiles.c src/engine/etcfiles.h \
	src/engine/lifecycle.c \
	src/engine/names.c src/engine/names.h \
	src/engine/namespace-modes.c src/engine/namespace-modes.h \
	src/engine/ocispec.c src/engine/ocispec.h \
	src/engine/ocispec-isolation.c src/engine/ocispec-isolation.h \
	src/engine/ocispec-options.c src/engine/ocispec-options.h \
	src/engine/ocispec-resources.c src/engine/ocispec-resources.h \
	src/engine/prune.c \
	src/engine/resources.c src/engine/resources.h \
	src/engine/restore.c \
	src/engine/signals.c src/engine/signals.h \
	src/engine/userns.c src/engine/userns.h \
	src/engine/update.c \
	src/hostinfo.c src/hostinfo.h \
	src/userns-adduser.c src/userns-adduser.h \
	src/userns-remap.c src/userns-remap.h \
	src/pool/backend.h \
	src/pool/local.c src/pool/local-events.c src/pool/local-internal.h src/pool/local-start.c \
	src/pool/local-update.c
libsockerlessd_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(MHD_CFLAGS)
