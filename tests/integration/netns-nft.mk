# Integration test of the nftables rules (netns/nft*.c): netns-nft.sh builds
# bridges and namespaces of its own and checks NAT, published ports and
# isolation with real traffic, applying rulesets through netns-nft-apply.
# It needs root and skips (77) without it.
check_PROGRAMS += tests/integration/netns-nft-apply
tests_integration_netns_nft_apply_SOURCES = tests/integration/netns-nft-apply.c
tests_integration_netns_nft_apply_LDADD = libnetns.a libcommon.a $(NL_LIBS) $(NFTNL_LIBS) $(MNL_LIBS)
TESTS += tests/integration/netns-nft.sh
EXTRA_DIST += tests/integration/netns-nft.sh
