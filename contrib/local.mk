EXTRA_DIST += contrib/sockerless.service contrib/sockerless.socket contrib/daemon.json
