/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>

#include "netns/nft.h"

/* Checks names, families, prefix lengths, protocols and port ranges of rs.
 * Returns 0 or -EINVAL with a message naming the invalid value. */
int nft_ruleset_validate(const struct nft_ruleset *rs, struct error *err);

/* Returns whether a network of rs has the bridge `bridge`. */
bool nft_ruleset_has_bridge(const struct nft_ruleset *rs, const char *bridge);
