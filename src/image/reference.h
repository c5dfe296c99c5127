/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "macro.h"

/*
 * Image references as Docker parses them (the grammar of
 * github.com/docker/distribution/reference, vendored by Docker Engine 20.10):
 *
 *   [domain[:port]/]path-component[/path-component...][:tag][@algorithm:hex]
 *
 * A normalized reference always has a domain: "busybox" becomes
 * "docker.io/library/busybox", and the "familiar" form shown to users strips
 * "docker.io/" and "library/" again. Error messages are Docker's own texts,
 * because clients show them verbatim.
 */

#define REFERENCE_DEFAULT_DOMAIN "docker.io"
#define REFERENCE_NAME_MAX       255

struct reference {
        char *domain; /* "docker.io"; empty when a raw parse found none */
        char *path;   /* "library/busybox" */
        char *tag;    /* "latest", or NULL */
        char *digest; /* "sha256:<hex>", or NULL */
};

void reference_done(struct reference *r);

static inline void reference_donep(struct reference *r)
{
        reference_done(r);
}

#define _cleanup_reference_ _cleanup_(reference_donep)

/* Parses s exactly as written, without adding a domain (Docker's Parse).
 * Fills *ret only on success. */
int reference_parse(const char *s, struct reference *ret, struct error *err);

/* Parses a user-supplied name and normalizes it: adds "docker.io" and
 * "library/" as Docker does, rejects uppercase repository names and bare
 * 64-hex strings (Docker's ParseNormalizedNamed). No tag is added. */
int reference_parse_normalized(const char *s, struct reference *ret, struct error *err);

/* Adds the tag "latest" when r has neither tag nor digest. */
int reference_tag_name_only(struct reference *r);

/* Replaces r's tag with tag and drops its digest (Docker's
 * WithTag(TrimNamed(r), tag)). Fails with "invalid tag format". */
int reference_set_tag(struct reference *r, const char *tag, struct error *err);

/* Copies src into *ret. */
int reference_copy(const struct reference *src, struct reference *ret);

/* The full name ("docker.io/library/busybox") and full string with tag and
 * digest. Return NULL when out of memory. */
char *reference_name(const struct reference *r);
char *reference_string(const struct reference *r);

/* The familiar forms users see: "busybox", "busybox:latest",
 * "localhost:5000/a/b@sha256:...". */
char *reference_familiar_name(const struct reference *r);
char *reference_familiar_string(const struct reference *r);

/* Tells whether s is exactly 64 lowercase hex characters, which Docker
 * reads as an image ID and never as a repository name. */
bool reference_is_identifier(const char *s);

/* Validates a digest as Docker's go-digest does: a known algorithm
 * (sha256, sha384, sha512) and lowercase hex of the right length. */
int reference_digest_validate(const char *digest, struct error *err);

/* Matches name against a shell pattern with the semantics of Go's
 * path.Match: '*' and '?' never match '/', "[...]" classes with ranges
 * and '^' negation, '\' escapes. A malformed pattern is -EINVAL; Docker
 * answers it with Go's "syntax error in pattern". */
int reference_path_match(const char *pattern, const char *name, bool *ret_match);

/* Matches a reference filter pattern against r as "docker images
 * --filter reference=" does: against the familiar string, then against
 * the familiar name alone. */
int reference_familiar_match(const char *pattern, const struct reference *r, bool *ret_match);
