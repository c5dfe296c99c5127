# sockerless-init, the init of `docker run --init`. The daemon bind-mounts
# it into containers, so it is linked statically against libc only and built
# without the sanitizers, whose runtime cannot be linked statically.
libexec_PROGRAMS += sockerless-init
sockerless_init_SOURCES = runtime/pid1/main.c
sockerless_init_CFLAGS = -std=gnu11 $(WARN_CFLAGS) -Os
sockerless_init_LDFLAGS = -static
