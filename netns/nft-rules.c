/* SPDX-License-Identifier: Apache-2.0 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include <libnftnl/udata.h>

#include "netns/link.h"
#include "netns/nft-expr.h"
#include "netns/nft-rules.h"
#include "netns/nft-validate.h"

/* The set type nft shows for ifname keys (TYPE_IFNAME in nftables'
 * datatype.h) and the key byte order it expects in the set's user data
 * (BYTEORDER_HOST_ENDIAN). The kernel stores both without interpreting
 * them, and nft needs them to print the elements as names. */
#define NFT_DATATYPE_IFNAME       41
#define NFT_BYTEORDER_HOST_ENDIAN 1

static const struct chain_spec {
        const char *name;
        const char *type; /* NULL for a regular chain */
        uint32_t hook;
        int32_t priority;
} chain_specs[NFT_CHAIN_COUNT] = {
        [NFT_CHAIN_PREROUTING] = { "prerouting", "nat", NF_INET_PRE_ROUTING, -100 },
        [NFT_CHAIN_OUTPUT] = { "output", "nat", NF_INET_LOCAL_OUT, -100 },
        [NFT_CHAIN_POSTROUTING] = { "postrouting", "nat", NF_INET_POST_ROUTING, 100 },
        [NFT_CHAIN_FORWARD] = { "forward", "filter", NF_INET_FORWARD, 0 },
        [NFT_CHAIN_PUBLISHED_PORTS] = { "published-ports", NULL, 0, 0 },
};

/* The state of one build: the plan and the table name every object carries. */
struct builder {
        struct nft_plan *plan;
        const char *table;
        size_t allocated;
};

const char *nft_chain_name(enum nft_chain_id id)
{
        return chain_specs[id].name;
}

struct nftnl_table *nft_table_new(const char *name)
{
        struct nftnl_table *t = nftnl_table_alloc();

        if (!t)
                return NULL;
        nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
        if (nftnl_table_set_str(t, NFTNL_TABLE_NAME, name) < 0) {
                nftnl_table_free(t);
                return NULL;
        }
        return t;
}

static struct nftnl_chain *chain_new(const char *table, const struct chain_spec *spec)
{
        struct nftnl_chain *c = nftnl_chain_alloc();

        if (!c)
                return NULL;
        nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
        nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
        nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, spec->name);
        if (spec->type) {
                nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, spec->type);
                nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, spec->hook);
                nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, spec->priority);
                /* Accept what no rule drops. Other tables see the packet
                 * too and may still drop it, but Sockerless never changes them. */
                nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
        }
        return c;
}

static int set_key_byteorder(struct nftnl_set *s)
{
        struct nftnl_udata_buf *udata = nftnl_udata_buf_alloc(64);
        int k = -ENOMEM;

        if (!udata)
                return -ENOMEM;
        if (nftnl_udata_put_u32(udata, NFTNL_UDATA_SET_KEYBYTEORDER, NFT_BYTEORDER_HOST_ENDIAN))
                k = nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(udata), nftnl_udata_buf_len(udata));
        nftnl_udata_buf_free(udata);
        return k < 0 ? -ENOMEM : 0;
}

static struct nftnl_set *bridge_set_new(const struct nft_ruleset *rs, const char *table)
{
        struct nftnl_set *s = nftnl_set_alloc();

        if (!s)
                return NULL;
        if (set_key_byteorder(s) < 0) {
                nftnl_set_free(s);
                return NULL;
        }
        nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
        nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
        nftnl_set_set_str(s, NFTNL_SET_NAME, NFT_SET_BRIDGES);
        nftnl_set_set_u32(s, NFTNL_SET_ID, NFT_SET_BRIDGES_ID);
        nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, NFT_DATATYPE_IFNAME);
        nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, IFNAMSIZ);

        for (size_t i = 0; i < rs->n_networks; i++) {
                char key[IFNAMSIZ] = { 0 };
                struct nftnl_set_elem *e = nftnl_set_elem_alloc();

                if (!e) {
                        nftnl_set_free(s);
                        return NULL;
                }
                strncpy(key, rs->networks[i].bridge, sizeof(key) - 1);
                nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, sizeof(key));
                nftnl_set_elem_add(s, e);
        }
        return s;
}

/* Appends an empty rule of chain id to the plan; NULL when out of memory. */
static struct nftnl_rule *rule_new(struct builder *b, enum nft_chain_id id)
{
        struct nft_plan *plan = b->plan;
        struct nftnl_rule *r;

        if (plan->n_rules == b->allocated) {
                size_t n = b->allocated ? 2 * b->allocated : 32;
                struct nftnl_rule **rules = reallocarray(plan->rules, n, sizeof(*rules));

                if (!rules)
                        return NULL;
                plan->rules = rules;
                b->allocated = n;
        }

        r = nftnl_rule_alloc();
        if (!r)
                return NULL;
        nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
        nftnl_rule_set_str(r, NFTNL_RULE_TABLE, b->table);
        nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain_specs[id].name);
        plan->rules[plan->n_rules++] = r;
        return r;
}

/* prerouting and output: fib daddr type local jump published-ports */
static int add_port_jump(struct builder *b, enum nft_chain_id id)
{
        struct nftnl_rule *r = rule_new(b, id);

        if (!r)
                return -ENOMEM;
        if (nft_expr_fib_daddr_local(r) < 0)
                return -ENOMEM;
        return nft_expr_verdict(r, NFT_JUMP, chain_specs[NFT_CHAIN_PUBLISHED_PORTS].name);
}

/* [ip daddr HOST] meta l4proto PROTO th dport FIRST-LAST dnat to CONTAINER[:PORT] */
static int add_dnat_rule(struct builder *b, const struct nft_port *p, uint16_t first, uint16_t last, uint16_t to_port)
{
        struct nftnl_rule *r = rule_new(b, NFT_CHAIN_PUBLISHED_PORTS);

        if (!r)
                return -ENOMEM;
        if (nft_expr_nfproto(r, p->family) < 0)
                return -ENOMEM;
        if (!p->host_addr_any &&
            nft_expr_addr(r, p->family, false, &p->host_addr, p->family == AF_INET6 ? 128 : 32) < 0)
                return -ENOMEM;
        if (nft_expr_l4proto(r, (uint8_t)p->protocol) < 0)
                return -ENOMEM;
        if (nft_expr_dport(r, first, last) < 0)
                return -ENOMEM;
        return nft_expr_dnat(r, p->family, &p->container_addr, to_port);
}

static int add_port_rules(struct builder *b, const struct nft_port *p)
{
        int k;

        /* A range onto the same ports needs no port rewrite, so one rule
         * covers it. */
        if (p->host_port_first == p->container_port_first)
                return add_dnat_rule(b, p, p->host_port_first, p->host_port_last, 0);

        /* Otherwise one rule per port, because an nftables DNAT to a port
         * range picks any port of it instead of keeping the offset.
         * NOTE: a wide shifted range becomes as many rules as it has ports. */
        for (unsigned port = p->host_port_first; port <= p->host_port_last; port++) {
                uint16_t to = (uint16_t)(p->container_port_first + (port - p->host_port_first));

                k = add_dnat_rule(b, p, (uint16_t)port, (uint16_t)port, to);
                if (k < 0)
                        return k;
        }
        return 0;
}

/* Hairpin: a container reaching a published port through a host address
 * gets its connection DNAT'ed back out through its own bridge. Masquerading
 * it makes the reply come back through the host, where it is un-NAT'ed:
 *   oifname BRIDGE ct status dnat ip saddr SUBNET masquerade */
static int add_hairpin_rule(struct builder *b, const struct nft_network *n, const struct netns_addr *subnet)
{
        struct nftnl_rule *r = rule_new(b, NFT_CHAIN_POSTROUTING);

        if (!r)
                return -ENOMEM;
        if (nft_expr_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, n->bridge) < 0)
                return -ENOMEM;
        if (nft_expr_ct_status(r, IPS_DST_NAT) < 0)
                return -ENOMEM;
        if (nft_expr_nfproto(r, subnet->family) < 0)
                return -ENOMEM;
        if (nft_expr_addr(r, subnet->family, true, &subnet->addr, subnet->prefixlen) < 0)
                return -ENOMEM;
        return nft_expr_masquerade(r);
}

/* Outbound: meta nfproto FAMILY ip saddr SUBNET oifname != BRIDGE masquerade */
static int add_outbound_rule(struct builder *b, const struct nft_network *n, const struct netns_addr *subnet)
{
        struct nftnl_rule *r = rule_new(b, NFT_CHAIN_POSTROUTING);

        if (!r)
                return -ENOMEM;
        if (nft_expr_nfproto(r, subnet->family) < 0)
                return -ENOMEM;
        if (nft_expr_addr(r, subnet->family, true, &subnet->addr, subnet->prefixlen) < 0)
                return -ENOMEM;
        if (nft_expr_ifname(r, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge) < 0)
                return -ENOMEM;
        return nft_expr_masquerade(r);
}

/* The host reaches a container through 127.0.0.1 after the DNAT in output,
 * which works because the bridges have route_localnet=1. A 127.0.0.0/8
 * source cannot leave the host, so it is masqueraded to the bridge's address.
 *   meta nfproto ipv4 ip saddr 127.0.0.0/8 oifname @bridges masquerade
 * NOTE: the kernel never routes a packet from ::1 out of lo, so a published
 * port cannot be reached through [::1]. */
static int add_localhost_rule(struct builder *b)
{
        const struct in_addr loopback = { htonl(INADDR_LOOPBACK) };
        struct nftnl_rule *r = rule_new(b, NFT_CHAIN_POSTROUTING);

        if (!r)
                return -ENOMEM;
        if (nft_expr_nfproto(r, AF_INET) < 0)
                return -ENOMEM;
        if (nft_expr_addr(r, AF_INET, true, &loopback, 8) < 0)
                return -ENOMEM;
        if (nft_expr_ifname_in_set(r, NFT_META_OIFNAME, NFT_SET_BRIDGES, NFT_SET_BRIDGES_ID, false) < 0)
                return -ENOMEM;
        return nft_expr_masquerade(r);
}

static int add_postrouting_rules(struct builder *b, const struct nft_ruleset *rs)
{
        int k;

        for (size_t i = 0; i < rs->n_networks; i++) {
                const struct nft_network *n = &rs->networks[i];

                for (size_t j = 0; j < n->n_subnets; j++) {
                        k = add_hairpin_rule(b, n, &n->subnets[j]);
                        if (k < 0)
                                return k;
                }
        }

        k = add_localhost_rule(b);
        if (k < 0)
                return k;

        for (size_t i = 0; i < rs->n_networks; i++) {
                const struct nft_network *n = &rs->networks[i];

                if (!n->masquerade || n->internal)
                        continue;
                for (size_t j = 0; j < n->n_subnets; j++) {
                        k = add_outbound_rule(b, n, &n->subnets[j]);
                        if (k < 0)
                                return k;
                }
        }
        return 0;
}

/* A drop rule matching the input and output interfaces:
 *   iifname [!=] IN oifname [!=] OUT [oifname @bridges] drop
 * where a NULL name is not matched. */
static int add_drop_rule(struct builder *b, const char *in, enum nft_cmp_ops in_op, const char *out,
                         enum nft_cmp_ops out_op, bool out_in_bridges)
{
        struct nftnl_rule *r = rule_new(b, NFT_CHAIN_FORWARD);

        if (!r)
                return -ENOMEM;
        if (in && nft_expr_ifname(r, NFT_META_IIFNAME, in_op, in) < 0)
                return -ENOMEM;
        if (out && nft_expr_ifname(r, NFT_META_OIFNAME, out_op, out) < 0)
                return -ENOMEM;
        if (out_in_bridges &&
            nft_expr_ifname_in_set(r, NFT_META_OIFNAME, NFT_SET_BRIDGES, NFT_SET_BRIDGES_ID, false) < 0)
                return -ENOMEM;
        return nft_expr_verdict(r, NF_DROP, NULL);
}

static int add_isolation_rules(struct builder *b, const struct nft_network *n)
{
        int k;

        /* An internal network passes traffic only within its bridge. */
        if (n->internal) {
                k = add_drop_rule(b, n->bridge, NFT_CMP_EQ, n->bridge, NFT_CMP_NEQ, false);
                if (k < 0)
                        return k;
                k = add_drop_rule(b, n->bridge, NFT_CMP_NEQ, n->bridge, NFT_CMP_EQ, false);
                if (k < 0)
                        return k;
        }

        /* From this bridge to another Sockerless bridge. Every bridge has
         * this rule, so both directions are dropped. */
        k = add_drop_rule(b, n->bridge, NFT_CMP_EQ, n->bridge, NFT_CMP_NEQ, true);
        if (k < 0)
                return k;

        /* Bridged traffic between two containers of this bridge crosses the
         * forward hook through br_netfilter, with the bridge as both
         * interfaces. */
        if (!n->icc)
                return add_drop_rule(b, n->bridge, NFT_CMP_EQ, n->bridge, NFT_CMP_EQ, false);
        return 0;
}

static int add_accept_rule_ct(struct builder *b)
{
        struct nftnl_rule *r = rule_new(b, NFT_CHAIN_FORWARD);

        if (!r)
                return -ENOMEM;
        if (nft_expr_ct_state(r, NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | NF_CT_STATE_BIT(IP_CT_RELATED)) < 0)
                return -ENOMEM;
        return nft_expr_verdict(r, NF_ACCEPT, NULL);
}

static int add_accept_rule_bridges(struct builder *b, uint32_t key)
{
        struct nftnl_rule *r = rule_new(b, NFT_CHAIN_FORWARD);

        if (!r)
                return -ENOMEM;
        if (nft_expr_ifname_in_set(r, key, NFT_SET_BRIDGES, NFT_SET_BRIDGES_ID, false) < 0)
                return -ENOMEM;
        return nft_expr_verdict(r, NF_ACCEPT, NULL);
}

/* ct status dnat accept: a connection to a published port, from another
 * bridge too, as dockerd's userland proxy lets it through. The status
 * belongs to the connection, so its replies match as well. */
static int add_accept_rule_dnat(struct builder *b)
{
        struct nftnl_rule *r = rule_new(b, NFT_CHAIN_FORWARD);

        if (!r)
                return -ENOMEM;
        if (nft_expr_ct_status(r, IPS_DST_NAT) < 0)
                return -ENOMEM;
        return nft_expr_verdict(r, NF_ACCEPT, NULL);
}

static int add_forward_rules(struct builder *b, const struct nft_ruleset *rs)
{
        int k;

        /* Before the isolation rules, which would drop it between bridges. */
        if (rs->n_ports > 0) {
                k = add_accept_rule_dnat(b);
                if (k < 0)
                        return k;
        }
        for (size_t i = 0; i < rs->n_networks; i++) {
                k = add_isolation_rules(b, &rs->networks[i]);
                if (k < 0)
                        return k;
        }

        /* Accepting here only ends this table's forward chain: a drop in
         * another table's forward chain still drops the packet. */
        k = add_accept_rule_ct(b);
        if (k < 0)
                return k;
        k = add_accept_rule_bridges(b, NFT_META_IIFNAME);
        if (k < 0)
                return k;
        return add_accept_rule_bridges(b, NFT_META_OIFNAME);
}

static int build_rules(struct builder *b, const struct nft_ruleset *rs)
{
        int k;

        k = add_port_jump(b, NFT_CHAIN_PREROUTING);
        if (k < 0)
                return k;
        k = add_port_jump(b, NFT_CHAIN_OUTPUT);
        if (k < 0)
                return k;
        k = add_postrouting_rules(b, rs);
        if (k < 0)
                return k;
        k = add_forward_rules(b, rs);
        if (k < 0)
                return k;
        for (size_t i = 0; i < rs->n_ports; i++) {
                k = add_port_rules(b, &rs->ports[i]);
                if (k < 0)
                        return k;
        }
        return 0;
}

int nft_plan_build(const struct nft_ruleset *rs, struct nft_plan *plan, struct error *err)
{
        struct builder b = { .plan = plan, .table = rs->table ? rs->table : NFT_TABLE_DEFAULT };
        int k;

        *plan = (struct nft_plan){ 0 };
        k = nft_ruleset_validate(rs, err);
        if (k < 0)
                return k;

        plan->table = nft_table_new(b.table);
        if (!plan->table)
                goto oom;
        for (int i = 0; i < NFT_CHAIN_COUNT; i++) {
                plan->chains[i] = chain_new(b.table, &chain_specs[i]);
                if (!plan->chains[i])
                        goto oom;
        }
        plan->bridges = bridge_set_new(rs, b.table);
        plan->n_bridges = rs->n_networks;
        if (!plan->bridges)
                goto oom;
        if (build_rules(&b, rs) < 0)
                goto oom;
        return 0;

oom:
        nft_plan_done(plan);
        return error_set(err, -ENOMEM, "out of memory building the nftables rules");
}

void nft_plan_done(struct nft_plan *plan)
{
        if (plan->table)
                nftnl_table_free(plan->table);
        for (int i = 0; i < NFT_CHAIN_COUNT; i++)
                if (plan->chains[i])
                        nftnl_chain_free(plan->chains[i]);
        if (plan->bridges)
                nftnl_set_free(plan->bridges);
        for (size_t i = 0; i < plan->n_rules; i++)
                nftnl_rule_free(plan->rules[i]);
        free(plan->rules);
        *plan = (struct nft_plan){ 0 };
}
