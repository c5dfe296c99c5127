/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "netns/link.h"
#include "netns/nft-validate.h"

/* Maximum length of nftables table names, NFT_NAME_MAXLEN less the NUL. */
#define TABLE_NAME_MAX 255

static int check_ifname(const char *name, const char *what, struct error *err)
{
        if (!name || !name[0])
                return error_set(err, -EINVAL, "%s is missing", what);
        if (strlen(name) >= IFNAMSIZ)
                return error_set(err, -EINVAL, "%s \"%s\" is longer than %d characters", what, name, IFNAMSIZ - 1);
        return 0;
}

static int check_subnet(const struct nft_network *n, const struct netns_addr *a, struct error *err)
{
        if (a->family == AF_INET && a->prefixlen <= 32)
                return 0;
        if (a->family == AF_INET6 && a->prefixlen <= 128)
                return 0;
        return error_set(err, -EINVAL,
                         "invalid subnet on bridge \"%s\": family %d, prefix length %u (expected AF_INET up to "
                         "/32 or AF_INET6 up to /128)",
                         n->bridge, a->family, a->prefixlen);
}

static int check_network(const struct nft_ruleset *rs, size_t i, struct error *err)
{
        const struct nft_network *n = &rs->networks[i];
        int k;

        k = check_ifname(n->bridge, "network bridge name", err);
        if (k < 0)
                return k;
        for (size_t j = 0; j < i; j++)
                if (strcmp(rs->networks[j].bridge, n->bridge) == 0)
                        return error_set(err, -EINVAL, "bridge \"%s\" is listed for two networks", n->bridge);
        if (n->n_subnets > 0 && !n->subnets)
                return error_set(err, -EINVAL, "subnets of bridge \"%s\" are missing", n->bridge);
        for (size_t j = 0; j < n->n_subnets; j++) {
                k = check_subnet(n, &n->subnets[j], err);
                if (k < 0)
                        return k;
        }
        return 0;
}

bool nft_ruleset_has_bridge(const struct nft_ruleset *rs, const char *bridge)
{
        for (size_t i = 0; i < rs->n_networks; i++)
                if (strcmp(rs->networks[i].bridge, bridge) == 0)
                        return true;
        return false;
}

static int check_port(const struct nft_ruleset *rs, const struct nft_port *p, struct error *err)
{
        unsigned span;
        int k;

        if (p->family != AF_INET && p->family != AF_INET6)
                return error_set(err, -EINVAL, "invalid published port family %d (expected AF_INET or AF_INET6)",
                                 p->family);
        if (p->protocol != IPPROTO_TCP && p->protocol != IPPROTO_UDP && p->protocol != IPPROTO_SCTP)
                return error_set(err, -EINVAL, "invalid published port protocol %d (expected tcp, udp or sctp)",
                                 p->protocol);
        if (p->host_port_first == 0 || p->host_port_last < p->host_port_first)
                return error_set(err, -EINVAL, "invalid host port range %u-%u", p->host_port_first, p->host_port_last);

        span = (unsigned)p->host_port_last - p->host_port_first;
        if (p->container_port_first == 0 || p->container_port_first + span > UINT16_MAX)
                return error_set(err, -EINVAL, "invalid container port range %u-%u", p->container_port_first,
                                 p->container_port_first + span);

        k = check_ifname(p->bridge, "bridge name of a published port", err);
        if (k < 0)
                return k;
        if (!nft_ruleset_has_bridge(rs, p->bridge))
                return error_set(err, -EINVAL, "published port %u uses bridge \"%s\", which no network has",
                                 p->host_port_first, p->bridge);
        return 0;
}

int nft_ruleset_validate(const struct nft_ruleset *rs, struct error *err)
{
        const char *table = rs->table ? rs->table : NFT_TABLE_DEFAULT;
        int k;

        if (!table[0] || strlen(table) > TABLE_NAME_MAX)
                return error_set(err, -EINVAL, "invalid nftables table name \"%s\" (expected 1 to %d characters)",
                                 table, TABLE_NAME_MAX);
        if ((rs->n_networks > 0 && !rs->networks) || (rs->n_ports > 0 && !rs->ports))
                return error_set(err, -EINVAL, "networks or published ports of the ruleset are missing");

        for (size_t i = 0; i < rs->n_networks; i++) {
                k = check_network(rs, i, err);
                if (k < 0)
                        return k;
        }
        for (size_t i = 0; i < rs->n_ports; i++) {
                k = check_port(rs, &rs->ports[i], err);
                if (k < 0)
                        return k;
        }
        return 0;
}
