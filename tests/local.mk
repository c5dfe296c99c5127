# Test programs and scripts; each module describes its own tests.
AM_TESTS_ENVIRONMENT = \
	abs_top_builddir='$(abs_top_builddir)'; export abs_top_builddir; \
	abs_top_srcdir='$(abs_top_srcdir)'; export abs_top_srcdir;

include tests/unit/common.mk
include tests/unit/http.mk
include tests/unit/image.mk
include tests/unit/registry.mk
include tests/unit/runtime.mk
include tests/unit/monitor.mk
include tests/unit/engine.mk
include tests/unit/netns-addr.mk
include tests/unit/dns.mk
include tests/unit/netns-nft.mk
include tests/fuzz/local.mk
include tests/integration/local.mk
include tests/clients/runners/local.mk
