# Network namespace code: named network namespaces, the loopback interface
# of a new namespace, bridges, veth endpoints, addresses and routes, all
# through netlink (libnl-route-3).
noinst_LIBRARIES += libnetns.a
libnetns_a_SOURCES = \
	netns/addr.c \
	netns/bridge.c \
	netns/endpoint.c \
	netns/link.c netns/link.h \
	netns/loopback.c netns/loopback.h \
	netns/dns.h netns/dns-wire.c netns/dns-server.c netns/dns-server-internal.h \
	netns/dns-query.c netns/dns-tcp.c netns/dns-forward.c \
	netns/netns.c netns/netns.h \
	netns/nft.c netns/nft.h \
	netns/nft-expr.c netns/nft-expr.h \
	netns/nft-rules.c netns/nft-rules.h \
	netns/nft-transaction.c netns/nft-transaction.h \
	netns/nft-validate.c netns/nft-validate.h \
	netns/nlutil.c netns/nlutil.h
libnetns_a_CFLAGS = $(AM_CFLAGS) $(NL_CFLAGS) $(MNL_CFLAGS) $(NFTNL_CFLAGS)
