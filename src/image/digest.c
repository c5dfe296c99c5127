/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sha256 through OpenSSL's SHA256_* functions rather than EVP. The first
 * EVP digest makes OpenSSL 3 load its configuration and fetch the digest
 * from a provider, which added 2.1 MiB to a test program's RSS. The first
 * SHA256_Init added 0.3 MiB (OpenSSL 3.0.22, Debian 12; docs/benchmarks.md,
 * "Memory"). These functions are deprecated since OpenSSL 3.0 but are
 * still built by default.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "digest.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>

#include "idutil.h"

int digester_init(struct digester *d)
{
        d->ctx = malloc(sizeof(*d->ctx));
        if (!d->ctx)
                return -ENOMEM;
        if (SHA256_Init(d->ctx) != 1) {
                digester_done(d);
                return -EIO;
        }
        return 0;
}

void digester_update(struct digester *d, const void *data, size_t len)
{
        if (len > 0)
                SHA256_Update(d->ctx, data, len);
}

int digester_final(struct digester *d, char *ret)
{
        unsigned char md[SHA256_DIGEST_LENGTH];
        char *p = ret;

        if (SHA256_Final(md, d->ctx) != 1)
                return -EIO;

        p += sprintf(p, DIGEST_PREFIX);
        for (unsigned i = 0; i < sizeof(md); i++)
                p += sprintf(p, "%02x", md[i]);

        if (SHA256_Init(d->ctx) != 1)
                return -EIO;
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
