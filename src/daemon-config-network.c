/* SPDX-License-Identifier: Apache-2.0 */
/* The networking settings of sockerlessd, with dockerd's names and defaults. */
#include "daemon-config.h"

#include "jsonutil.h"

static int read_string(json_object *settings, const char *key, char **ret, struct error *err)
{
        json_object *value = NULL;

        free(*ret);
        *ret = NULL;
        if (!json_object_object_get_ex(settings, key, &value) || !value)
                return 0;
        if (!json_object_is_type(value, json_type_string))
                return error_set(err, -EINVAL, "invalid \"%s\": expected a string", key);
        if (!*json_object_get_string(value))
                return 0;
        *ret = strdup(json_object_get_string(value));
        return *ret ? 0 : -ENOMEM;
}

static int read_bool(json_object *settings, const char *key, bool fallback, bool *ret, struct error *err)
{
        json_object *value = NULL;

        *ret = fallback;
        if (!json_object_object_get_ex(settings, key, &value) || !value)
                return 0;
        if (!json_object_is_type(value, json_type_boolean))
                return error_set(err, -EINVAL, "invalid \"%s\": expected true or false", key);
        *ret = json_object_get_boolean(value);
        return 0;
}

static int read_pools(json_object *settings, json_object **ret, struct error *err)
{
        json_object *pools = json_object_object_get(settings, "default-address-pools");

        json_object_put(*ret);
        *ret = NULL;
        if (!pools)
                return 0;
        if (!json_object_is_type(pools, json_type_array))
                return error_set(err, -EINVAL, "invalid \"default-address-pools\": expected a list of pools");
        for (size_t i = 0; i < json_object_array_length(pools); i++) {
                json_object *pool = json_object_array_get_idx(pools, i);

                if (!json_object_is_type(pool, json_type_object) ||
                    !json_object_is_type(json_object_object_get(pool, "base"), json_type_string) ||
                    !json_object_is_type(json_object_object_get(pool, "size"), json_type_int))
                        return error_set(err, -EINVAL,
                                         "invalid \"default-address-pools\": expected {\"base\": CIDR, \"size\": "
                                         "BITS} entries");
        }
        *ret = json_object_get(pools);
        return 0;
}

int config_apply_network(struct daemon_config *config, json_object *settings, struct error *err)
{
        int64_t mtu = json_field_int(settings, "mtu", 0);
        int r;

        r = read_string(settings, "bridge", &config->bridge, err);
        if (r >= 0)
                r = read_string(settings, "bip", &config->bip, err);
        if (r >= 0)
                r = read_string(settings, "fixed-cidr", &config->fixed_cidr, err);
        if (r >= 0)
                r = read_string(settings, "fixed-cidr-v6", &config->fixed_cidr_v6, err);
        if (r >= 0)
                r = read_pools(settings, &config->default_address_pools, err);
        if (r >= 0)
                r = read_bool(settings, "ip-forward", true, &config->ip_forward, err);
        if (r >= 0)
                r = read_bool(settings, "ip-masq", true, &config->ip_masq, err);
        if (r >= 0)
                r = read_bool(settings, "icc", true, &config->icc, err);
        if (r >= 0)
                r = read_bool(settings, "iptables", true, &config->iptables, err);
        if (r >= 0)
                r = read_bool(settings, "ipv6", false, &config->ipv6, err);
        if (r < 0)
                return r;
        if (mtu < 0 || mtu > 65535)
                return error_set(err, -EINVAL, "invalid \"mtu\" %lld: expected 0 to 65535", (long long)mtu);
        config->mtu = (unsigned)mtu;
        if (config->bridge && config->bip)
                return error_set(err, -EINVAL,
                                 "You specified -b & --bip, mutually exclusive options. Please specify only one");
        return 0;
}

void config_clear_network(struct daemon_config *config)
{
        free(config->bridge);
        free(config->bip);
        free(config->fixed_cidr);
        free(config->fixed_cidr_v6);
        json_object_put(config->default_address_pools);
        config->bridge = config->bip = config->fixed_cidr = config->fixed_cidr_v6 = NULL;
        config->default_address_pools = NULL;
}
