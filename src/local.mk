sbin_PROGRAMS += sockerlessd
sockerlessd_SOURCES = src/main.c
sockerlessd_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
sockerlessd_LDADD = libcommon.a $(JSONC_LIBS)
