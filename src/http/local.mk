# The HTTP layer of sockerlessd over libmicrohttpd.
noinst_LIBRARIES += libhttp.a
libhttp_a_SOURCES = \
	src/http/http.h \
	src/http/http-parse.h \
	src/http/http-private.h \
	src/http/body.c \
	src/http/filters.c \
	src/http/hijack.c \
	src/http/reply.c \
	src/http/request.c \
	src/http/route.c \
	src/http/server.c \
	src/http/stream.c \
	src/http/uri.c
libhttp_a_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JSONC_CFLAGS)
