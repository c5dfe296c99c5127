dist_man_MANS += man/sockerlessd.8 man/sockerless-runtime.8
