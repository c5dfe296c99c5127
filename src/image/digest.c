/* SPDX-License-Identifier: Apache-2.0 */
#include "digest.h"

#include <stdio.h>

#include "idutil.h"

int digester_init(struct digester *d)
{
        d->ctx = EVP_MD_CTX_new();
        if (!d->ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
                EVP_MD_CTX_free(d->ctx);
                d->ctx = NULL;
                return -EIO;
        }
        return 0;
}

void digester_update(struct digester *d, const void *data, size_t len)
{
        if (len > 0)
                EVP_DigestUpdate(d->ctx, data, len);
}

int digester_final(struct digester *d, char *ret)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        char *p = ret;

        if (EVP_DigestFinal_ex(d->ctx, md, &len) != 1 || len != 32)
                return -EIO;

        p += sprintf(p, DIGEST_PREFIX);
        for (unsigned i = 0; i < len; i++)
                p += sprintf(p, "%02x", md[i]);

        if (EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
                return -EIO;
        return 0;
}

void digester_done(struct digester *d)
{
        EVP_MD_CTX_free(d->ctx);
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
