/* SPDX-License-Identifier: Apache-2.0 */
#include "blob-upload.h"

#include <inttypes.h>
#include <stdio.h>

/* Maximum length of a Location header. Real ones carry a state token of
 * a few hundred bytes. */
#define LOCATION_MAX 8192

/* Any digest, to check a Location before the blob's digest is known. */
#define PLACEHOLDER_DIGEST "sha256:0000000000000000000000000000000000000000000000000000000000000000"

int blob_upload_init(struct blob_upload *u, const char *digest, int64_t size, int64_t chunk_size)
{
        if (!digest_is_sha256(digest) || size < 0 || chunk_size < 0)
                return -EINVAL;

        *u = (struct blob_upload){
                .size = size,
                .chunk_size = chunk_size,
                .state = BLOB_UPLOAD_CREATE,
                .stall_offset = -1,
        };
        snprintf(u->digest, sizeof(u->digest), "%s", digest);
        return 0;
}

int blob_upload_init_streaming(struct blob_upload *u, int64_t chunk_size)
{
        if (chunk_size <= 0)
                return -EINVAL;

        *u = (struct blob_upload){
                .size = -1,
                .chunk_size = chunk_size,
                .state = BLOB_UPLOAD_CREATE,
                .stall_offset = -1,
        };
        return 0;
}

/* Derives the commit URL once both the session's URL and the digest are known. */
static int update_commit_url(struct blob_upload *u)
{
        char *commit = NULL;
        int r;

        if (!u->location || u->size < 0)
                return 0;
        r = blob_upload_url_with_digest(u->location, u->digest, &commit);
        if (r < 0)
                return r;
        free(u->commit_url);
        u->commit_url = commit;
        return 0;
}

int blob_upload_finish_input(struct blob_upload *u, const char *digest, int64_t size)
{
        int r;

        if (u->size >= 0 || !digest_is_sha256(digest) || size < u->offset)
                return -EINVAL;

        snprintf(u->digest, sizeof(u->digest), "%s", digest);
        u->size = size;
        r = update_commit_url(u);
        if (r < 0)
                return r;
        if (u->state == BLOB_UPLOAD_SEND && u->offset >= size)
                u->state = BLOB_UPLOAD_COMMIT;
        return 0;
}

void blob_upload_done(struct blob_upload *u)
{
        free(u->location);
        free(u->commit_url);
        u->location = u->commit_url = NULL;
}

static bool monolithic(const struct blob_upload *u)
{
        return u->size >= 0 && (u->chunk_size == 0 || u->size <= u->chunk_size);
}

/* The length of the next PATCH: a whole chunk, or the rest of a blob
 * whose size is known. Giving the size of a streaming upload between a
 * PATCH and its response leaves this unchanged, because that PATCH was a
 * whole chunk of bytes the blob has. */
static int64_t chunk_length(const struct blob_upload *u)
{
        return u->size < 0 ? u->chunk_size : MIN(u->chunk_size, u->size - u->offset);
}

int blob_upload_next(struct blob_upload *u, struct blob_upload_request *ret)
{
        *ret = (struct blob_upload_request){ 0 };

        switch (u->state) {
        case BLOB_UPLOAD_CREATE:
                ret->method = "POST";
                return 1;
        case BLOB_UPLOAD_SEND:
                ret->method = "PATCH";
                ret->url = u->location;
                ret->offset = u->offset;
                ret->length = chunk_length(u);
                ret->content_range = true;
                return 1;
        case BLOB_UPLOAD_STATUS:
                ret->method = "GET";
                ret->url = u->location;
                return 1;
        case BLOB_UPLOAD_COMMIT:
                ret->method = "PUT";
                ret->url = u->commit_url;
                ret->offset = u->offset;
                ret->length = u->size - u->offset;
                return 1;
        case BLOB_UPLOAD_DONE:
                break;
        }
        return 0;
}

/* Takes the session URL of a response, which every step but the last
 * must give, and derives the commit URL from it. */
static int take_location(struct blob_upload *u, const char *location, struct error *err)
{
        _cleanup_free_ char *copy = NULL, *checked = NULL;
        int r;

        if (isempty(location))
                return error_set(err, -EBADMSG, "the registry's upload response has no Location header");
        if (strlen(location) > LOCATION_MAX)
                return error_set(err, -EBADMSG, "the registry's upload Location is longer than %d bytes", LOCATION_MAX);

        r = blob_upload_url_with_digest(location, PLACEHOLDER_DIGEST, &checked);
        if (r == -EBADMSG)
                return error_set(err, r, "invalid upload Location from the registry: '%s'", location);
        if (r < 0)
                return r;
        copy = strdup(location);
        if (!copy)
                return -ENOMEM;

        free(u->location);
        u->location = TAKE_PTR(copy);
        return update_commit_url(u);
}

/* Continues from the bytes the registry has stored: with more chunks, or
 * with the commit once it has them all. */
static void continue_at(struct blob_upload *u, int64_t stored)
{
        u->offset = stored;
        if (u->size < 0)
                u->state = BLOB_UPLOAD_SEND;
        else
                u->state = stored >= u->size || monolithic(u) ? BLOB_UPLOAD_COMMIT : BLOB_UPLOAD_SEND;
}

static int handle_create(struct blob_upload *u, const struct blob_upload_response *resp, struct error *err)
{
        int64_t chunk_min;
        int r;

        if (resp->status != 202)
                return -EPROTO;
        r = take_location(u, resp->location, err);
        if (r < 0)
                return r;

        /* A registry that rejects smaller chunks sends its minimum. Chunks
         * never shrink below BLOB_UPLOAD_CHUNK_SIZE, though. */
        if (u->chunk_size > 0 && resp->chunk_min && blob_upload_parse_chunk_min(resp->chunk_min, &chunk_min) >= 0)
                u->chunk_size = MAX(u->chunk_size, chunk_min);

        continue_at(u, 0);
        return 0;
}

static int handle_send(struct blob_upload *u, const struct blob_upload_response *resp, struct error *err)
{
        int64_t sent = u->offset + chunk_length(u), stored = sent;
        int r;

        if (resp->status == 416) {
                u->state = BLOB_UPLOAD_STATUS;
                return 0;
        }
        if (resp->status != 202 && resp->status != 204)
                return -EPROTO;
        r = take_location(u, resp->location, err);
        if (r < 0)
                return r;

        if (resp->range) {
                r = blob_upload_parse_range(resp->range, &stored);
                if (r < 0)
                        return error_set(err, r, "invalid Range header from the registry: '%s'", resp->range);
                /* "0-0" also means one byte stored. */
                if (stored == 0 && sent == 1)
                        stored = 1;
                if (stored > sent)
                        return error_set(err, -EBADMSG,
                                         "the registry reports %" PRId64 " bytes of the upload after %" PRId64
                                         " were sent",
                                         stored, sent);
        }
        continue_at(u, stored);
        return 0;
}

static int handle_status(struct blob_upload *u, const struct blob_upload_response *resp, struct error *err)
{
        int64_t stored = 0;
        int r;

        if (resp->status != 204 && resp->status != 200)
                return -EPROTO;
        if (resp->range) {
                r = blob_upload_parse_range(resp->range, &stored);
                if (r < 0)
                        return error_set(err, r, "invalid Range header from the registry: '%s'", resp->range);
        }
        if (u->size >= 0 && stored > u->size)
                return error_set(err, -EBADMSG, "the registry reports %" PRId64 " bytes of a %" PRId64 "-byte upload",
                                 stored, u->size);

        /* Without a limit, a registry that rejects every chunk at the offset
         * it reports would keep the upload looping forever. */
        if (stored <= u->stall_offset) {
                if (++u->stalls >= BLOB_UPLOAD_MAX_STALLS)
                        return error_set(err, -EIO,
                                         "the registry rejected the upload's chunks %u times at byte %" PRId64,
                                         u->stalls, stored);
        } else {
                u->stall_offset = stored;
                u->stalls = 0;
        }

        if (resp->location) {
                r = take_location(u, resp->location, err);
                if (r < 0)
                        return r;
        }
        /* The rest goes in chunks, whatever the registry has stored, because
         * a blob small enough for one PUT never gets a PATCH and so no 416. */
        u->offset = stored;
        u->state = u->size >= 0 && stored >= u->size ? BLOB_UPLOAD_COMMIT : BLOB_UPLOAD_SEND;
        return 0;
}

static int handle_commit(struct blob_upload *u, const struct blob_upload_response *resp)
{
        if (resp->status != 201 && resp->status != 204)
                return -EPROTO;
        u->offset = u->size;
        u->state = BLOB_UPLOAD_DONE;
        return 0;
}

int blob_upload_handle(struct blob_upload *u, const struct blob_upload_response *resp, struct error *err)
{
        switch (u->state) {
        case BLOB_UPLOAD_CREATE:
                return handle_create(u, resp, err);
        case BLOB_UPLOAD_SEND:
                return handle_send(u, resp, err);
        case BLOB_UPLOAD_STATUS:
                return handle_status(u, resp, err);
        case BLOB_UPLOAD_COMMIT:
                return handle_commit(u, resp);
        case BLOB_UPLOAD_DONE:
                break;
        }
        return -EINVAL;
}

/* ---- Header parsers ---- */

static bool url_char_valid(char c)
{
        return (unsigned char)c > 0x20 && (unsigned char)c != 0x7f;
}

/* Tells whether the query parameter at p (up to its '&' or the end) is
 * named "digest". */
static bool is_digest_param(const char *p, size_t len)
{
        return (len == 6 || (len > 6 && p[6] == '=')) && strncmp(p, "digest", 6) == 0;
}

int blob_upload_url_with_digest(const char *location, const char *digest, char **ret)
{
        size_t base_len = strcspn(location, "?#"), end = strcspn(location, "#");
        const char *hex = digest_hex(digest);
        bool first = true;
        char *url, *p;

        for (size_t i = 0; i < end; i++)
                if (!url_char_valid(location[i]))
                        return -EBADMSG;
        if (base_len == 0)
                return -EBADMSG;

        /* The result is never longer than the location plus the parameter. */
        url = malloc(end + strlen("?digest=sha256%3A") + strlen(hex) + 2);
        if (!url)
                return -ENOMEM;
        memcpy(url, location, base_len);
        p = url + base_len;

        /* Every other parameter stays, in its order: the registry's
         * session state travels in them. */
        for (size_t i = base_len + 1; i < end;) {
                size_t len = MIN(strcspn(location + i, "&"), end - i);

                if (len > 0 && !is_digest_param(location + i, len)) {
                        *p++ = first ? '?' : '&';
                        memcpy(p, location + i, len);
                        p += len;
                        first = false;
                }
                i += len + 1;
        }
        sprintf(p, "%cdigest=sha256%%3A%s", first ? '?' : '&', hex);
        *ret = url;
        return 0;
}

static int parse_decimal(const char *s, size_t len, int64_t *ret)
{
        int64_t value = 0;

        if (len == 0 || len > 18)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                value = value * 10 + (s[i] - '0');
        }
        *ret = value;
        return 0;
}

int blob_upload_parse_range(const char *value, int64_t *ret_size)
{
        const char *p = startswith(value, "bytes=") ?: value;
        const char *dash = strchr(p, '-');
        int64_t start, end;

        if (!dash || parse_decimal(p, (size_t)(dash - p), &start) < 0 ||
            parse_decimal(dash + 1, strlen(dash + 1), &end) < 0)
                return -EBADMSG;
        if (start != 0)
                return -EBADMSG;
        *ret_size = end == 0 ? 0 : end + 1;
        return 0;
}

int blob_upload_parse_chunk_min(const char *value, int64_t *ret)
{
        int64_t n;

        if (parse_decimal(value, strlen(value), &n) < 0 || n <= 0)
                return -EBADMSG;
        *ret = n;
        return 0;
}
