# Fuzz targets of the HTTP layer (see tests/fuzz/local.mk): the request
# target, route and version parsers, and the filters parser.
HTTP_FUZZ_TARGETS = tests/fuzz/fuzz-http-route tests/fuzz/fuzz-http-filters
check_PROGRAMS += $(HTTP_FUZZ_TARGETS)
if !ENABLE_FUZZING
TESTS += $(HTTP_FUZZ_TARGETS)
endif

tests_fuzz_fuzz_http_route_SOURCES = tests/fuzz/fuzz-http-route.c $(FUZZ_MAIN)
tests_fuzz_fuzz_http_route_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_http_route_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_http_route_LDADD = libhttp.a libcommon.a $(JSONC_LIBS)

tests_fuzz_fuzz_http_filters_SOURCES = tests/fuzz/fuzz-http-filters.c $(FUZZ_MAIN)
tests_fuzz_fuzz_http_filters_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(JSONC_CFLAGS)
tests_fuzz_fuzz_http_filters_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_http_filters_LDADD = libhttp.a libcommon.a $(JSONC_LIBS)
