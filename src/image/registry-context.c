/* SPDX-License-Identifier: Apache-2.0 */
/* The daemon-wide registry settings (insecure-registries, registry-mirrors)
 * and the cache of bearer tokens. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "registry-internal.h"
#include "strv.h"
#include "timeutil.h"

/* Enough for every scope of a busy daemon; expired entries go first. */
#define TOKEN_CACHE_MAX 256
/* A token is dropped this long before the expiry the server stated, so it
 * never expires between lookup and use. */
#define TOKEN_SLACK_NS (10LL * 1000000000)

int cidr_parse(const char *s, struct cidr *ret)
{
        _cleanup_free_ char *addr = NULL;
        const char *slash = strchr(s, '/');
        struct cidr c = { 0 };
        unsigned max;
        char *end;
        unsigned long prefix;

        if (!slash || slash == s)
                return -EINVAL;
        addr = strndup(s, slash - s);
        if (!addr)
                return -ENOMEM;
        if (inet_pton(AF_INET, addr, c.addr) == 1) {
                c.family = AF_INET;
                max = 32;
        } else if (inet_pton(AF_INET6, addr, c.addr) == 1) {
                c.family = AF_INET6;
                max = 128;
        } else
                return -EINVAL;

        errno = 0;
        prefix = strtoul(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || prefix > max)
                return -EINVAL;
        c.prefix = (unsigned)prefix;
        *ret = c;
        return 0;
}

bool cidr_contains(const struct cidr *c, const char *host)
{
        unsigned char addr[16];
        unsigned full, rest;

        if (inet_pton(c->family, host, addr) != 1)
                return false;
        full = c->prefix / 8;
        rest = c->prefix % 8;
        if (memcmp(addr, c->addr, full) != 0)
                return false;
        if (rest == 0)
                return true;
        return ((addr[full] ^ c->addr[full]) & (0xff << (8 - rest))) == 0;
}

/* Splits "host[:port]" or "[v6]:port" into the bare host (no brackets). */
static char *domain_host(const char *domain)
{
        const char *colon;

        if (domain[0] == '[') {
                const char *close = strchr(domain, ']');

                return close ? strndup(domain + 1, close - domain - 1) : strdup(domain);
        }
        colon = strchr(domain, ':');
        /* More than one colon is a bare IPv6 address. */
        if (colon && strchr(colon + 1, ':'))
                return strdup(domain);
        return colon ? strndup(domain, colon - domain) : strdup(domain);
}

static int add_insecure(struct registry_context *ctx, const char *entry, struct error *err)
{
        struct cidr c, *grown;
        int r;

        if (strstr(entry, "://"))
                return error_set(err, -EINVAL, "insecure registry %s should not contain '://'", entry);

        r = cidr_parse(entry, &c);
        if (r == -ENOMEM)
                return r;
        if (r >= 0) {
                grown = reallocarray(ctx->insecure_cidrs, ctx->n_insecure_cidrs + 1, sizeof(*grown));
                if (!grown)
                        return -ENOMEM;
                ctx->insecure_cidrs = grown;
                ctx->insecure_cidrs[ctx->n_insecure_cidrs++] = c;
                return 0;
        }
        if (isempty(entry) || strpbrk(entry, "/ \t"))
                return error_set(err, -EINVAL, "invalid insecure registry \"%s\"", entry);
        return strv_append(&ctx->insecure_hosts, entry);
}

/* Checks a mirror as dockerd 20.10's ValidateMirror does and stores it
 * without a trailing slash. */
static int add_mirror(struct registry_context *ctx, const char *url, struct error *err)
{
        _cleanup_free_ char *copy = NULL;
        const char *rest = startswith(url, "http://");
        size_t len;

        if (!rest)
                rest = startswith(url, "https://");
        if (!rest) {
                const char *sep = strstr(url, "://");

                return error_set(err, -EINVAL, "invalid mirror: unsupported scheme \"%.*s\" in \"%s\"",
                                 sep ? (int)(sep - url) : 0, url, url);
        }
        if (isempty(rest) || rest[0] == '/')
                return error_set(err, -EINVAL, "invalid mirror: no host in \"%s\"", url);

        copy = strdup(url);
        if (!copy)
                return -ENOMEM;
        len = strlen(copy);
        if (copy[len - 1] == '/')
                copy[--len] = '\0';
        if (strpbrk(copy + (rest - url), "/?#"))
                return error_set(err, -EINVAL, "invalid mirror: path, query, or fragment at end of the URI \"%s\"",
                                 url);
        return strv_consume(&ctx->mirrors, TAKE_PTR(copy));
}

int registry_context_new(const struct registry_options *opts, struct registry_context **ret, struct error *err)
{
        struct registry_context *ctx;
        int r = 0;

        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        pthread_mutex_init(&ctx->lock, NULL);

        /* Loopback is always insecure, as dockerd's default
         * insecure-registries 127.0.0.0/8 makes it. */
        r = add_insecure(ctx, "127.0.0.0/8", err);
        if (r >= 0)
                r = add_insecure(ctx, "::1/128", err);
        STRV_FOREACH (entry, opts ? opts->insecure_registries : NULL)
                if (r >= 0)
                        r = add_insecure(ctx, *entry, err);
        STRV_FOREACH (url, opts ? opts->mirrors : NULL)
                if (r >= 0)
                        r = add_mirror(ctx, *url, err);
        if (r >= 0 && opts && opts->certs_dir && !(ctx->certs_dir = strdup(opts->certs_dir)))
                r = -ENOMEM;
        if (r >= 0 && !ctx->mirrors && !(ctx->mirrors = calloc(1, sizeof(char *))))
                r = -ENOMEM;
        if (r < 0) {
                registry_context_free(ctx);
                return r;
        }
        *ret = ctx;
        return 0;
}

void registry_context_free(struct registry_context *ctx)
{
        if (!ctx)
                return;
        while (ctx->tokens) {
                struct token_entry *e = ctx->tokens;

                ctx->tokens = e->next;
                free(e->key);
                free(e->token);
                free(e);
        }
        pthread_mutex_destroy(&ctx->lock);
        strv_free(ctx->insecure_hosts);
        free(ctx->insecure_cidrs);
        strv_free(ctx->mirrors);
        free(ctx->certs_dir);
        free(ctx);
}

char *const *registry_context_mirrors(const struct registry_context *ctx, const char *domain)
{
        static char *const none[] = { NULL };

        if (!streq_ptr(domain, "docker.io"))
                return none;
        return ctx->mirrors;
}

bool registry_context_is_insecure(const struct registry_context *ctx, const char *domain)
{
        _cleanup_free_ char *host = NULL;

        if (strv_contains(ctx->insecure_hosts, domain))
                return true;
        host = domain_host(domain);
        if (!host)
                return false;
        if (streq(host, "localhost") || strv_contains(ctx->insecure_hosts, host))
                return true;
        for (size_t i = 0; i < ctx->n_insecure_cidrs; i++)
                if (cidr_contains(&ctx->insecure_cidrs[i], host))
                        return true;
        return false;
}

/* ---- Token cache ---- */

static void entry_free(struct token_entry *e)
{
        free(e->key);
        free(e->token);
        free(e);
}

/* Unlinks expired entries, and the oldest ones beyond the limit. Lock
 * held. */
static void cache_prune(struct registry_context *ctx, int64_t now)
{
        struct token_entry **p = &ctx->tokens;
        size_t kept = 0;

        while (*p) {
                struct token_entry *e = *p;

                if (e->expires_ns <= now || kept >= TOKEN_CACHE_MAX - 1) {
                        *p = e->next;
                        entry_free(e);
                        ctx->n_tokens--;
                        continue;
                }
                kept++;
                p = &e->next;
        }
}

char *token_cache_get(struct registry_context *ctx, const char *key)
{
        int64_t now = timeutil_monotonic_ns();
        char *token = NULL;

        pthread_mutex_lock(&ctx->lock);
        for (struct token_entry *e = ctx->tokens; e; e = e->next)
                if (streq(e->key, key) && e->expires_ns > now) {
                        token = strdup(e->token);
                        break;
                }
        pthread_mutex_unlock(&ctx->lock);
        return token;
}

static void cache_unlink(struct registry_context *ctx, const char *key)
{
        for (struct token_entry **p = &ctx->tokens; *p; p = &(*p)->next)
                if (streq((*p)->key, key)) {
                        struct token_entry *e = *p;

                        *p = e->next;
                        entry_free(e);
                        ctx->n_tokens--;
                        return;
                }
}

void token_cache_put(struct registry_context *ctx, const char *key, const char *token, int64_t expires_in)
{
        int64_t now = timeutil_monotonic_ns();
        struct token_entry *e = calloc(1, sizeof(*e));

        if (!e)
                return;
        e->key = strdup(key);
        e->token = strdup(token);
        e->expires_ns = now + expires_in * 1000000000LL - TOKEN_SLACK_NS;
        if (!e->key || !e->token) {
                entry_free(e);
                return;
        }

        /* Newest first, so pruning by count drops the oldest. */
        pthread_mutex_lock(&ctx->lock);
        cache_unlink(ctx, key);
        cache_prune(ctx, now);
        e->next = ctx->tokens;
        ctx->tokens = e;
        ctx->n_tokens++;
        pthread_mutex_unlock(&ctx->lock);
}

void token_cache_drop(struct registry_context *ctx, const char *key)
{
        pthread_mutex_lock(&ctx->lock);
        cache_unlink(ctx, key);
        pthread_mutex_unlock(&ctx->lock);
}
