# Unit tests of the nftables rule building (netns/nft-rules.c), which needs
# no kernel: the table, chains and rules for a ruleset description, and
# the rejection of invalid descriptions.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test-netns-nft
TESTS += tests/unit/test-netns-nft
tests_unit_test_netns_nft_SOURCES = tests/unit/test-netns-nft.c
tests_unit_test_netns_nft_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(MNL_CFLAGS) $(NFTNL_CFLAGS)
tests_unit_test_netns_nft_LDADD = libnetns.a libcommon.a $(CMOCKA_LIBS) $(NFTNL_LIBS) $(MNL_LIBS)
endif
