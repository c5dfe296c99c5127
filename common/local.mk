noinst_LIBRARIES += libcommon.a
libcommon_a_SOURCES = \
	common/archive-lib.c \
	common/base64.c common/base64.h \
	common/dlutil.c common/dlutil.h \
	common/error.c common/error.h \
	common/fsutil.c common/fsutil.h \
	common/idutil.c common/idutil.h \
	common/jsonutil.c common/jsonutil.h \
	common/log.c common/log.h \
	common/macro.h \
	common/sealed.c common/sealed.h \
	common/strv.c common/strv.h \
	common/timeutil.c common/timeutil.h \
	common/unixsock.c common/unixsock.h
libcommon_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(ARCHIVE_CFLAGS)
