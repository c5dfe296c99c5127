dist_man_MANS += man/sockerlessd.8
