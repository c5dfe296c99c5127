/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

#include "digest.h"
#include "error.h"

/*
 * The client side of one blob upload session of the registry API v2 (the
 * OCI distribution spec's "pushing blobs"), as a state machine without
 * I/O: blob_upload_next() names the request to send and
 * blob_upload_handle() takes its response.
 *
 *   POST  blobs/uploads/                          202, Location
 *   monolithic (size <= chunk size):
 *   PUT   <location>?digest=D  the whole blob     201
 *   chunked:
 *   PATCH <location>  Content-Range: a-b, bytes   202, Location, Range
 *   ...   until the registry has every byte, then
 *   PUT   <location>?digest=D  no body            201
 *
 * When the registry rejects a PATCH with 416 (it has stored a different
 * amount than the chunk's start), a GET <location> requests the session's
 * state (204 with Range), and the upload resumes from there. Each response's Location is
 * the URL of the next request.
 *
 * A streaming upload starts before the blob is complete, so it is always
 * chunked: its size and digest come with blob_upload_finish_input, and
 * until then the caller sends a PATCH only once a whole chunk is ready.
 */

/* Chunk size of chunked uploads: blobs up to this size go in one PUT. A
 * registry's OCI-Chunk-Min-Length raises it. */
#define BLOB_UPLOAD_CHUNK_SIZE (16 * 1024 * 1024)

/* Status queries in a row that find no more bytes on the registry than
 * the one before, after which the upload fails. */
#define BLOB_UPLOAD_MAX_STALLS 3

enum blob_upload_state {
        BLOB_UPLOAD_CREATE, /* POST to open the session */
        BLOB_UPLOAD_SEND,   /* PATCH the next chunk */
        BLOB_UPLOAD_STATUS, /* GET the session's state after a 416 */
        BLOB_UPLOAD_COMMIT, /* PUT with the digest */
        BLOB_UPLOAD_DONE,
};

struct blob_upload {
        char digest[DIGEST_STRING_MAX];
        int64_t size;       /* -1 while a streaming upload's input goes on */
        int64_t chunk_size; /* 0 for one monolithic PUT */
        enum blob_upload_state state;
        int64_t offset;   /* bytes the registry has stored */
        char *location;   /* the session's URL, from the last Location */
        char *commit_url; /* location with the digest parameter, once both are known */
        int64_t stall_offset;
        unsigned stalls;
};

/* The request to send next. The body is bytes [offset, offset + length)
 * of the blob; url is NULL for the repository's "blobs/uploads/". */
struct blob_upload_request {
        const char *method; /* "POST", "PATCH", "GET" or "PUT" */
        const char *url;
        int64_t offset;
        int64_t length;
        bool content_range; /* send Content-Range: <offset>-<offset+length-1> */
};

/* The parts of a response that blob_upload_handle reads. Absent headers
 * are NULL. */
struct blob_upload_response {
        long status;
        const char *location;  /* Location, resolved to an absolute URL */
        const char *range;     /* Range */
        const char *chunk_min; /* OCI-Chunk-Min-Length */
};

/* Starts an upload of a blob of size bytes with the given digest.
 * chunk_size 0 uploads it in one PUT, else a blob larger than chunk_size
 * is sent in chunks of that size. */
int blob_upload_init(struct blob_upload *u, const char *digest, int64_t size, int64_t chunk_size);
/* Starts an upload whose blob is still being produced, in chunks of
 * chunk_size bytes (> 0). */
int blob_upload_init_streaming(struct blob_upload *u, int64_t chunk_size);

/* Gives a streaming upload its blob's digest and final size, at least the
 * bytes sent so far (-EINVAL otherwise, or when already given). */
int blob_upload_finish_input(struct blob_upload *u, const char *digest, int64_t size);

void blob_upload_done(struct blob_upload *u);

static inline void blob_upload_donep(struct blob_upload *u)
{
        blob_upload_done(u);
}

#define _cleanup_blob_upload_ _cleanup_(blob_upload_donep)

/* Fills *ret with the request to send next and returns 1, or returns 0
 * once the registry has committed the blob. Strings point into u and stay
 * valid until the next blob_upload_handle. */
int blob_upload_next(struct blob_upload *u, struct blob_upload_request *ret);

/* Takes the response to the request blob_upload_next named. A status the
 * protocol does not allow there returns -EPROTO with err untouched, so the
 * caller can turn the registry's error document into the message. Other
 * failures (a missing or malformed header, an upload that makes no
 * progress) return -EBADMSG or -EIO with a message. */
int blob_upload_handle(struct blob_upload *u, const struct blob_upload_response *resp, struct error *err);

/* ---- Parsers of registry headers, exposed for tests ---- */

/* Returns location with its "digest" query parameter set to digest
 * (replacing any there) and any fragment dropped, as a new string.
 * A location with control characters or spaces is -EBADMSG. */
int blob_upload_url_with_digest(const char *location, const char *digest, char **ret);

/* Parses a Range header of an upload session, "0-<end>" or
 * "bytes=0-<end>", into the number of bytes the registry has stored. The
 * distribution registry sends "0-0" for an empty session as well as for
 * one byte, and this returns 0 for it. Anything else is -EBADMSG. */
int blob_upload_parse_range(const char *value, int64_t *ret_size);

/* Parses OCI-Chunk-Min-Length, a positive decimal byte count. */
int blob_upload_parse_chunk_min(const char *value, int64_t *ret);
