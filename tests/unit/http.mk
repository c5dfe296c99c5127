# Unit tests of the HTTP layer (libhttp.a): a real server on a unix socket
# driven with libcurl and raw sockets.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-http
TESTS += tests/unit/test-http
tests_unit_test_http_SOURCES = tests/unit/test-http.c
tests_unit_test_http_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
tests_unit_test_http_LDADD = libhttp.a libcommon.a $(MHD_LIBS) $(CMOCKA_LIBS) $(CURL_LIBS) $(JSONC_LIBS) -lpthread
endif
