/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records a tar stream as it passes (tar-split.h). The framing below
 * follows the tar formats libarchive reads: ustar and its GNU variant
 * (base-256 numbers, 'L' long names, old 'S' sparse files with extension
 * blocks) and pax ('x' records for path and size, GNU.sparse 0.0, 0.1 and
 * 1.0). It only has to find which bytes are a regular file's payload and
 * where extraction put them. A header it cannot frame, and everything
 * after it, is stored as data, which keeps the record exact: a wrong guess
 * costs record size, never a different tar.
 */
#include "tar-split.h"

#include <archive.h>
#include <archive_entry.h>
#include <endian.h>
#include <fcntl.h>

#include "extract.h"
#include "tar-split-internal.h"

#define DATA_CHUNK (64 * 1024)
#define META_MAX   (1u << 20) /* pax and long-name payloads parsed here */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct archive_entry *, archive_entry_free)

enum state {
        STATE_HEADER,       /* reading a header block */
        STATE_META,         /* payload of a pax or long-name header */
        STATE_SPARSE_EXT,   /* old GNU sparse extension blocks */
        STATE_SPARSE_MAP,   /* the map at the start of a pax 1.0 sparse payload */
        STATE_PAYLOAD_DATA, /* payload stored as data */
        STATE_PAYLOAD_FILE, /* payload found in an extracted file */
        STATE_PADDING,      /* zeros up to the next block */
        STATE_RAW,          /* end of the archive or unframable: all data */
};

struct tar_split_recorder {
        int fd;
        struct archive *out;
        int error;
        uint64_t total; /* bytes of the tar stream so far */
        unsigned char data[DATA_CHUNK];
        size_t data_len;

        enum state state;
        unsigned char block[BLOCK_SIZE];
        size_t block_len;
        uint64_t remaining; /* bytes left in the current payload */
        uint64_t padding;   /* padding after it */

        char meta_type;
        unsigned char *meta;
        size_t meta_len;

        struct tar_entry_meta next; /* from pax and long-name headers */
        struct tar_entry entry;     /* the entry whose payload is read */
        unsigned char *map;         /* a pax 1.0 sparse map being read */
        size_t map_len, map_region;
        uint64_t map_lines, map_entries;
        bool map_failed;
};

/* ---- Output ---- */

static void out_write(struct tar_split_recorder *r, const void *buf, size_t len)
{
        la_ssize_t n;

        if (r->error < 0 || len == 0)
                return;
        n = archive_write_data(r->out, buf, len);
        if (n < 0 || (size_t)n != len)
                r->error = -(archive_errno(r->out) ?: EIO);
}

static void out_varint(struct tar_split_recorder *r, uint64_t value)
{
        unsigned char buf[10];
        size_t n = 0;

        do {
                buf[n] = value & 0x7f;
                value >>= 7;
                if (value)
                        buf[n] |= 0x80;
                n++;
        } while (value);
        out_write(r, buf, n);
}

static void flush_data(struct tar_split_recorder *r)
{
        if (r->data_len == 0)
                return;
        out_write(r, "D", 1);
        out_varint(r, r->data_len);
        out_write(r, r->data, r->data_len);
        r->data_len = 0;
}

static void add_data(struct tar_split_recorder *r, const unsigned char *buf, size_t len)
{
        while (len > 0) {
                size_t n = MIN(len, sizeof(r->data) - r->data_len);

                memcpy(r->data + r->data_len, buf, n);
                r->data_len += n;
                buf += n;
                len -= n;
                if (r->data_len == sizeof(r->data))
                        flush_data(r);
        }
}

static void add_file(struct tar_split_recorder *r, const struct tar_entry *e)
{
        flush_data(r);
        out_write(r, "F", 1);
        out_varint(r, strlen(e->path));
        out_write(r, e->path, strlen(e->path));
        out_varint(r, e->file_size);
        out_varint(r, e->n_ranges);
        for (size_t i = 0; i < e->n_ranges; i++) {
                out_varint(r, e->ranges[i].offset);
                out_varint(r, e->ranges[i].length);
        }
}

/* ---- Framing ---- */

static void set_padding(struct tar_split_recorder *r, uint64_t size)
{
        r->padding = (BLOCK_SIZE - size % BLOCK_SIZE) % BLOCK_SIZE;
        r->state = r->padding > 0 ? STATE_PADDING : STATE_HEADER;
}

static void go_raw(struct tar_split_recorder *r)
{
        r->state = STATE_RAW;
}

/* Decides how the current entry's payload is recorded. */
static void start_payload(struct tar_split_recorder *r)
{
        struct tar_entry *e = &r->entry;
        int k;

        tar_entry_meta_clear(&r->next);
        if (e->payload_size == 0) {
                r->state = STATE_HEADER;
                return;
        }

        k = tar_entry_plan(e);
        if (k == -ENOMEM)
                r->error = k;
        if (k < 0) {
                r->remaining = e->payload_size;
                r->state = STATE_PAYLOAD_DATA;
                return;
        }
        if (e->sparse_map_in_payload) {
                r->remaining = e->payload_size;
                r->map_len = 0;
                r->map_region = 0;
                r->map_lines = 0;
                r->map_failed = false;
                r->state = STATE_SPARSE_MAP;
                return;
        }
        add_file(r, e);
        r->remaining = e->payload_size;
        r->state = STATE_PAYLOAD_FILE;
}

static void on_header(struct tar_split_recorder *r)
{
        int k;

        tar_entry_clear(&r->entry);
        k = tar_header_parse(r->block, &r->next, &r->entry, &r->meta_type);
        if (k == -ENOMEM)
                r->error = k;
        if (k < 0) {
                go_raw(r);
                return;
        }

        if (r->meta_type) {
                if (r->entry.payload_size > META_MAX) {
                        go_raw(r);
                        return;
                }
                free(r->meta);
                r->meta = malloc(r->entry.payload_size + 1);
                if (!r->meta) {
                        r->error = -ENOMEM;
                        go_raw(r);
                        return;
                }
                r->meta_len = 0;
                r->remaining = r->entry.payload_size;
                r->state = STATE_META;
                if (r->remaining == 0)
                        set_padding(r, 0);
                return;
        }

        if (r->entry.sparse_extended) {
                r->state = STATE_SPARSE_EXT;
                return;
        }
        start_payload(r);
}

static void on_meta_done(struct tar_split_recorder *r)
{
        int k;

        r->meta[r->meta_len] = '\0';
        k = tar_meta_parse(r->meta_type, (const char *)r->meta, r->meta_len, &r->next);
        free(r->meta);
        r->meta = NULL;
        if (k == -ENOMEM)
                r->error = k;
        if (k < 0) {
                go_raw(r);
                return;
        }
        set_padding(r, r->entry.payload_size);
        r->meta_type = 0;
}

static void on_sparse_ext(struct tar_split_recorder *r)
{
        bool more;
        int k = tar_sparse_ext_parse(r->block, &r->entry, &more);

        if (k == -ENOMEM)
                r->error = k;
        if (k < 0) {
                go_raw(r);
                return;
        }
        if (!more)
                start_payload(r);
}

/* Reads one byte of a pax 1.0 sparse map: a line with the entry count,
 * then a line per offset and per length, then NULs up to the next block.
 * Once the map is complete, the rest of the payload is the file's data. */
static void on_map_byte(struct tar_split_recorder *r, unsigned char byte)
{
        struct tar_entry *e = &r->entry;
        bool complete;

        r->map[r->map_len++] = byte;
        r->remaining--;
        if (r->map_region == 0 && byte == '\n') {
                r->map_lines++;
                if (r->map_lines == 1 && tar_sparse_map_count(r->map, r->map_len, &r->map_entries) < 0)
                        r->map_failed = true;
                if (!r->map_failed && r->map_lines == 2 * r->map_entries + 1)
                        r->map_region = (r->map_len + BLOCK_SIZE - 1) / BLOCK_SIZE * BLOCK_SIZE;
        }

        complete = r->map_region > 0 && r->map_len == r->map_region;
        if (!complete && !r->map_failed && r->remaining > 0)
                return;

        if (complete && tar_sparse_map_apply(e, r->map, r->map_len, r->remaining) >= 0) {
                add_file(r, e);
                r->state = STATE_PAYLOAD_FILE;
        } else
                r->state = STATE_PAYLOAD_DATA;
        if (r->remaining == 0)
                set_padding(r, e->payload_size);
}

static size_t feed_block(struct tar_split_recorder *r, const unsigned char *buf, size_t len)
{
        size_t n = MIN(len, BLOCK_SIZE - r->block_len);

        memcpy(r->block + r->block_len, buf, n);
        r->block_len += n;
        add_data(r, buf, n);
        if (r->block_len < BLOCK_SIZE)
                return n;

        r->block_len = 0;
        if (r->state == STATE_HEADER)
                on_header(r);
        else
                on_sparse_ext(r);
        return n;
}

static size_t feed_payload(struct tar_split_recorder *r, const unsigned char *buf, size_t len)
{
        size_t n = (size_t)MIN((uint64_t)len, r->remaining);

        switch (r->state) {
        case STATE_META:
                memcpy(r->meta + r->meta_len, buf, n);
                r->meta_len += n;
                add_data(r, buf, n);
                break;
        case STATE_PAYLOAD_DATA:
                add_data(r, buf, n);
                break;
        default:
                /* STATE_PAYLOAD_FILE: the bytes are in the extracted file. */
                break;
        }

        r->remaining -= n;
        if (r->remaining == 0) {
                if (r->state == STATE_META)
                        on_meta_done(r);
                else
                        set_padding(r, r->entry.payload_size);
        }
        return n;
}

static size_t feed_map(struct tar_split_recorder *r, const unsigned char *buf, size_t len)
{
        size_t n = 0;

        if (!r->map) {
                r->map = malloc(TAR_SPARSE_MAP_MAX);
                if (!r->map) {
                        r->error = -ENOMEM;
                        r->state = STATE_PAYLOAD_DATA;
                        return 0;
                }
        }
        while (n < len && r->state == STATE_SPARSE_MAP) {
                if (r->map_len == TAR_SPARSE_MAP_MAX) {
                        r->state = STATE_PAYLOAD_DATA;
                        break;
                }
                add_data(r, buf + n, 1);
                on_map_byte(r, buf[n]);
                n++;
        }
        return n;
}

static size_t feed_padding(struct tar_split_recorder *r, const unsigned char *buf, size_t len)
{
        size_t n = (size_t)MIN((uint64_t)len, r->padding);

        add_data(r, buf, n);
        r->padding -= n;
        if (r->padding == 0)
                r->state = STATE_HEADER;
        return n;
}

void tar_split_recorder_feed(struct tar_split_recorder *r, const void *buf, size_t len)
{
        const unsigned char *p = buf;

        r->total += len;
        while (len > 0) {
                size_t n;

                switch (r->state) {
                case STATE_HEADER:
                case STATE_SPARSE_EXT:
                        n = feed_block(r, p, len);
                        break;
                case STATE_META:
                case STATE_PAYLOAD_DATA:
                case STATE_PAYLOAD_FILE:
                        n = feed_payload(r, p, len);
                        break;
                case STATE_SPARSE_MAP:
                        n = feed_map(r, p, len);
                        break;
                case STATE_PADDING:
                        n = feed_padding(r, p, len);
                        break;
                default:
                        add_data(r, p, len);
                        n = len;
                        break;
                }
                p += n;
                len -= n;
        }
}

/* ---- Life cycle ---- */

int tar_split_recorder_new(int dirfd, const char *name, struct tar_split_recorder **ret)
{
        _cleanup_(tar_split_recorder_freep) struct tar_split_recorder *r = calloc(1, sizeof(*r));
        _cleanup_(archive_entry_freep) struct archive_entry *entry = archive_entry_new();
        struct archive *a;

        if (!r || !entry)
                return -ENOMEM;
        r->fd = -1;
        r->fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (r->fd < 0)
                return -errno;
        if (lseek(r->fd, TAR_SPLIT_HEADER_SIZE, SEEK_SET) < 0)
                return -errno;

        a = r->out = archive_write_new();
        if (!a)
                return -ENOMEM;
        /* A raw gzip stream, without the padding to 10 KiB blocks that
         * libarchive adds to archives by default. */
        if (archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_set_format_raw(a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK || archive_write_open_fd(a, r->fd) != ARCHIVE_OK)
                return -(archive_errno(a) ?: EIO);

        archive_entry_set_pathname(entry, TAR_SPLIT_FILE);
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_perm(entry, 0600);
        if (archive_write_header(a, entry) != ARCHIVE_OK)
                return -(archive_errno(a) ?: EIO);

        *ret = TAKE_PTR(r);
        return 0;
}

static int write_header(int fd, uint64_t tar_size)
{
        unsigned char header[TAR_SPLIT_HEADER_SIZE] = "SLTSPLIT";
        uint32_t version = htole32(1);
        uint64_t size = htole64(tar_size);
        ssize_t n;

        memcpy(header + 8, &version, sizeof(version));
        memcpy(header + 16, &size, sizeof(size));
        n = pwrite(fd, header, sizeof(header), 0);
        if (n < 0)
                return -errno;
        return n == sizeof(header) ? 0 : -EIO;
}

int tar_split_recorder_finish(struct tar_split_recorder *r)
{
        flush_data(r);
        out_write(r, "E", 1);
        if (r->error < 0)
                return r->error;

        if (archive_write_close(r->out) != ARCHIVE_OK)
                return -(archive_errno(r->out) ?: EIO);
        /* The caller syncs the layer directory as a whole. */
        return write_header(r->fd, r->total);
}

void tar_split_recorder_free(struct tar_split_recorder *r)
{
        if (!r)
                return;
        if (r->out)
                archive_write_free(r->out);
        if (r->fd >= 0)
                close(r->fd);
        tar_entry_clear(&r->entry);
        tar_entry_meta_clear(&r->next);
        free(r->meta);
        free(r->map);
        free(r);
}
