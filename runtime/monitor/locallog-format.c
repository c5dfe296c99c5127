/* SPDX-License-Identifier: Apache-2.0 */
/* Encoding and decoding of the local log driver's records (see locallog.h). */
#include "locallog.h"

#include <errno.h>
#include <string.h>

/* Protobuf wire types. */
#define WIRE_VARINT  0
#define WIRE_FIXED64 1
#define WIRE_BYTES   2
#define WIRE_FIXED32 5

#define VARINT_MAX 10

/* LogEntry's fields. */
#define FIELD_SOURCE    1
#define FIELD_TIME_NANO 2
#define FIELD_LINE      3
#define FIELD_PARTIAL   4
#define FIELD_METADATA  5

/* PartialLogEntryMetadata's fields. */
#define FIELD_LAST    1
#define FIELD_ID      2
#define FIELD_ORDINAL 3

static size_t varint_size(uint64_t v)
{
        size_t n = 1;

        while (v >= 0x80) {
                v >>= 7;
                n++;
        }
        return n;
}

static size_t put_varint(uint8_t *out, uint64_t v)
{
        size_t n = 0;

        while (v >= 0x80) {
                out[n++] = (uint8_t)(v | 0x80);
                v >>= 7;
        }
        out[n++] = (uint8_t)v;
        return n;
}

static size_t put_key(uint8_t *out, unsigned field, unsigned wire)
{
        return put_varint(out, (uint64_t)(field << 3 | wire));
}

static size_t put_bytes(uint8_t *out, unsigned field, const void *data, size_t len)
{
        size_t n = put_key(out, field, WIRE_BYTES);

        n += put_varint(out + n, len);
        memcpy(out + n, data, len);
        return n + len;
}

static size_t metadata_size(const struct locallog_entry *e)
{
        size_t size = 0;

        if (e->last)
                size += 2;
        if (e->id_len > 0)
                size += 1 + varint_size(e->id_len) + e->id_len;
        /* A negative int32 is sign-extended to 64 bits on the wire. */
        if (e->ordinal != 0)
                size += 1 + varint_size((uint64_t)(int64_t)e->ordinal);
        return size;
}

static size_t entry_size(const struct locallog_entry *e)
{
        size_t size = 0;

        if (e->source_len > 0)
                size += 1 + varint_size(e->source_len) + e->source_len;
        if (e->time_ns != 0)
                size += 1 + varint_size((uint64_t)e->time_ns);
        if (e->line_len > 0)
                size += 1 + varint_size(e->line_len) + e->line_len;
        if (e->partial)
                size += 2;
        if (e->has_metadata)
                size += 1 + varint_size(metadata_size(e)) + metadata_size(e);
        return size;
}

size_t locallog_record_max(const struct locallog_entry *e)
{
        return entry_size(e) + 2 * LOCALLOG_LENGTH_SIZE;
}

static void put_length(uint8_t *out, uint32_t len)
{
        out[0] = (uint8_t)(len >> 24);
        out[1] = (uint8_t)(len >> 16);
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
}

static size_t put_metadata(uint8_t *out, const struct locallog_entry *e)
{
        size_t n = put_key(out, FIELD_METADATA, WIRE_BYTES);

        n += put_varint(out + n, metadata_size(e));
        if (e->last) {
                n += put_key(out + n, FIELD_LAST, WIRE_VARINT);
                out[n++] = 1;
        }
        if (e->id_len > 0)
                n += put_bytes(out + n, FIELD_ID, e->id, e->id_len);
        if (e->ordinal != 0) {
                n += put_key(out + n, FIELD_ORDINAL, WIRE_VARINT);
                n += put_varint(out + n, (uint64_t)(int64_t)e->ordinal);
        }
        return n;
}

size_t locallog_encode_record(const struct locallog_entry *e, uint8_t *out)
{
        size_t size = entry_size(e);
        size_t n = LOCALLOG_LENGTH_SIZE;

        put_length(out, (uint32_t)size);
        if (e->source_len > 0)
                n += put_bytes(out + n, FIELD_SOURCE, e->source, e->source_len);
        if (e->time_ns != 0) {
                n += put_key(out + n, FIELD_TIME_NANO, WIRE_VARINT);
                n += put_varint(out + n, (uint64_t)e->time_ns);
        }
        if (e->line_len > 0)
                n += put_bytes(out + n, FIELD_LINE, e->line, e->line_len);
        if (e->partial) {
                n += put_key(out + n, FIELD_PARTIAL, WIRE_VARINT);
                out[n++] = 1;
        }
        if (e->has_metadata)
                n += put_metadata(out + n, e);
        put_length(out + n, (uint32_t)size);
        return n + LOCALLOG_LENGTH_SIZE;
}

/* A cursor over protobuf input. */
struct cursor {
        const uint8_t *p;
        const uint8_t *end;
};

static int get_varint(struct cursor *c, uint64_t *ret)
{
        uint64_t v = 0;

        for (unsigned i = 0; i < VARINT_MAX; i++) {
                uint8_t b;

                if (c->p == c->end)
                        return -EBADMSG;
                b = *c->p++;
                v |= (uint64_t)(b & 0x7f) << (7 * i);
                if (!(b & 0x80)) {
                        *ret = v;
                        return 0;
                }
        }
        return -EBADMSG;
}

static int get_bytes(struct cursor *c, const uint8_t **ret, size_t *ret_len)
{
        uint64_t len;
        int r = get_varint(c, &len);

        if (r < 0)
                return r;
        if (len > (uint64_t)(c->end - c->p))
                return -EBADMSG;
        *ret = c->p;
        *ret_len = (size_t)len;
        c->p += len;
        return 0;
}

static int skip_field(struct cursor *c, unsigned wire)
{
        const uint8_t *ignored;
        size_t ignored_len;
        uint64_t v = 0;

        switch (wire) {
        case WIRE_VARINT:
                return get_varint(c, &v);
        case WIRE_FIXED64:
        case WIRE_FIXED32: {
                size_t n = wire == WIRE_FIXED64 ? 8 : 4;

                if ((size_t)(c->end - c->p) < n)
                        return -EBADMSG;
                c->p += n;
                return 0;
        }
        case WIRE_BYTES:
                return get_bytes(c, &ignored, &ignored_len);
        default:
                /* Groups are deprecated and never part of these messages. */
                return -EBADMSG;
        }
}

static int get_key(struct cursor *c, unsigned *ret_field, unsigned *ret_wire)
{
        uint64_t key;
        int r = get_varint(c, &key);

        if (r < 0)
                return r;
        if (key >> 3 == 0 || key >> 3 > UINT32_MAX >> 3)
                return -EBADMSG;
        *ret_field = (unsigned)(key >> 3);
        *ret_wire = (unsigned)(key & 7);
        return 0;
}

/* Decodes PartialLogEntryMetadata into e, over what an earlier occurrence
 * of the field set, as protobuf merges repeated message fields. */
static int decode_metadata(const uint8_t *data, size_t len, struct locallog_entry *e)
{
        struct cursor c = { data, data + len };

        e->has_metadata = true;
        while (c.p < c.end) {
                const uint8_t *bytes = NULL;
                unsigned field, wire;
                uint64_t v = 0;
                int r = get_key(&c, &field, &wire);

                if (r < 0)
                        return r;
                if (field == FIELD_LAST && wire == WIRE_VARINT) {
                        r = get_varint(&c, &v);
                        e->last = v != 0;
                } else if (field == FIELD_ID && wire == WIRE_BYTES) {
                        r = get_bytes(&c, &bytes, &e->id_len);
                        e->id = (const char *)bytes;
                } else if (field == FIELD_ORDINAL && wire == WIRE_VARINT) {
                        r = get_varint(&c, &v);
                        e->ordinal = (int32_t)(uint32_t)v;
                } else if (field <= FIELD_ORDINAL) {
                        r = -EBADMSG; /* a known field with the wrong wire type */
                } else {
                        r = skip_field(&c, wire);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static int decode_field(struct cursor *c, unsigned field, unsigned wire, struct locallog_entry *e)
{
        const uint8_t *bytes = NULL;
        size_t len;
        uint64_t v = 0;
        int r;

        switch (field) {
        case FIELD_SOURCE:
                if (wire != WIRE_BYTES)
                        return -EBADMSG;
                r = get_bytes(c, &bytes, &e->source_len);
                e->source = (const char *)bytes;
                return r;
        case FIELD_TIME_NANO:
                if (wire != WIRE_VARINT)
                        return -EBADMSG;
                r = get_varint(c, &v);
                e->time_ns = (int64_t)v;
                return r;
        case FIELD_LINE:
                if (wire != WIRE_BYTES)
                        return -EBADMSG;
                return get_bytes(c, &e->line, &e->line_len);
        case FIELD_PARTIAL:
                if (wire != WIRE_VARINT)
                        return -EBADMSG;
                r = get_varint(c, &v);
                e->partial = v != 0;
                return r;
        case FIELD_METADATA:
                if (wire != WIRE_BYTES)
                        return -EBADMSG;
                r = get_bytes(c, &bytes, &len);
                return r < 0 ? r : decode_metadata(bytes, len, e);
        default:
                return skip_field(c, wire);
        }
}

int locallog_decode_entry(const uint8_t *data, size_t len, struct locallog_entry *ret)
{
        struct cursor c = { data, data + len };

        *ret = (struct locallog_entry){ 0 };
        while (c.p < c.end) {
                unsigned field, wire;
                int r = get_key(&c, &field, &wire);

                if (r < 0)
                        return r;
                r = decode_field(&c, field, wire, ret);
                if (r < 0)
                        return r;
        }
        return 0;
}
