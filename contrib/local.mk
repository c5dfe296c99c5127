EXTRA_DIST += contrib/sockerless.service contrib/sockerless.socket contrib/daemon.json

# Docker's default seccomp profile, for users to copy and edit; the daemon
# has it built in (src/local.mk).
seccompprofiledir = $(pkgdatadir)/seccomp
dist_seccompprofile_DATA = contrib/seccomp/default.json
