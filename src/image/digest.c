/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256 through Nettle rather than OpenSSL's libcrypto. After a docker
 * load, libcrypto had 1.6 MiB of the daemon's RSS and Nettle has 0.3 MiB
 * (OpenSSL 3.0.22, Nettle 3.8.1, Debian 12; docs/benchmarks.md, "Memory").
 */
#include "digest.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>

#include "idutil.h"

int digester_init(struct digester *d)
{
        d->ctx = malloc(sizeof(*d->ctx));
        if (!d->ctx)
                return -ENOMEM;
        sha256_init(d->ctx);
        return 0;
}

void digester_update(struct digester *d, const void *data, size_t len)
{
        if (len > 0)
                sha256_update(d->ctx, len, data);
}

int digester_final(struct digester *d, char *ret)
{
        uint8_t md[SHA256_DIGEST_SIZE];
        char *p = ret;

        /* sha256_digest also resets the context for the next message. */
        sha256_digest(d->ctx, sizeof(md), md);

        p += sprintf(p, DIGEST_PREFIX);
        for (unsigned i = 0; i < sizeof(md); i++)
                p += sprintf(p, "%02x", md[i]);
        return 0;
}

void digester_done(struct digester *d)
{
        free(d->ctx);
        d->ctx = NULL;
}

int digest_buffer(const void *data, size_t len, char *ret)
{
        _cleanup_digester_ struct digester d = { 0 };
        int r;

        r = digester_init(&d);
        if (r < 0)
                return r;
        digester_update(&d, data, len);
        return digester_final(&d, ret);
}

bool digest_is_sha256(const char *s)
{
        const char *hex = startswith(s, DIGEST_PREFIX);

        return hex && id_is_hex(hex, 64);
}

const char *digest_hex(const char *s)
{
        return startswith(s, DIGEST_PREFIX) ?: s;
}

int digest_chain_id(const char *parent, const char *diff_id, char *ret)
{
        _cleanup_free_ char *text = NULL;

        if (!parent) {
                snprintf(ret, DIGEST_STRING_MAX, "%s", diff_id);
                return 0;
        }
        if (asprintf(&text, "%s %s", parent, diff_id) < 0)
                return -ENOMEM;
        return digest_buffer(text, strlen(text), ret);
}
