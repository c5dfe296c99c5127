/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tar headers as the recorder reads them. Field offsets are POSIX ustar's
 * (name 0, size 124, chksum 148, typeflag 156, magic 257, prefix 345) and
 * GNU tar's for old sparse files (sparse map 386, isextended 482,
 * realsize 483; extension blocks hold 21 map entries and isextended at
 * 504). Names resolve as libarchive resolves them: GNU.sparse.name, then
 * pax path, then a GNU long name, then prefix/name for POSIX ustar.
 */
#include <stdio.h>

#include "extract.h"
#include "tar-split-internal.h"

#define NAME_OFFSET     0
#define NAME_SIZE       100
#define SIZE_OFFSET     124
#define CHKSUM_OFFSET   148
#define TYPE_OFFSET     156
#define MAGIC_OFFSET    257
#define PREFIX_OFFSET   345
#define PREFIX_SIZE     155
#define GNU_SPARSE      386
#define GNU_EXTENDED    482
#define GNU_REALSIZE    483
#define EXT_ENTRIES     21
#define EXT_EXTENDED    504
#define SPARSE_ENTRY    24 /* offset[12] numbytes[12] */
#define HEADER_ENTRIES  4
#define NUMBER_SIZE     12
#define WHITEOUT_PREFIX ".wh."
#define NUMBER_MAX      (UINT64_MAX >> 1)

void tar_entry_meta_clear(struct tar_entry_meta *m)
{
        free(m->path);
        free(m->long_name);
        free(m->sparse_name);
        free(m->map);
        *m = (struct tar_entry_meta){ 0 };
}

void tar_entry_clear(struct tar_entry *e)
{
        free(e->name);
        free(e->ranges);
        free(e->path);
        *e = (struct tar_entry){ 0 };
}

/* An octal field (leading spaces, then digits up to a space or NUL) or a
 * GNU base-256 one (top bit set). Negative and oversized values fail. */
static int parse_number(const unsigned char *p, size_t n, uint64_t *ret)
{
        uint64_t value = 0;
        size_t i = 0;

        if (p[0] & 0x80) {
                if (p[0] & 0x40)
                        return -EINVAL;
                value = p[0] & 0x3f;
                for (i = 1; i < n; i++) {
                        if (value > NUMBER_MAX >> 8)
                                return -EINVAL;
                        value = value << 8 | p[i];
                }
                *ret = value;
                return 0;
        }

        while (i < n && p[i] == ' ')
                i++;
        for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
                if (value > NUMBER_MAX >> 3)
                        return -EINVAL;
                value = value << 3 | (uint64_t)(p[i] - '0');
        }
        for (; i < n; i++)
                if (p[i] != ' ' && p[i] != '\0')
                        return -EINVAL;
        *ret = value;
        return 0;
}

static int parse_decimal(const char *s, size_t len, uint64_t *ret)
{
        uint64_t value = 0;

        if (len == 0)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9' || value > (NUMBER_MAX - 9) / 10)
                        return -EINVAL;
                value = value * 10 + (uint64_t)(s[i] - '0');
        }
        *ret = value;
        return 0;
}

/* The stored checksum must equal the sum of the block's bytes with the
 * checksum field read as spaces, unsigned or (old writers) signed. */
static bool checksum_valid(const unsigned char *block)
{
        uint64_t stored;
        int64_t sum_signed = 0;
        uint64_t sum = 0;

        if (parse_number(block + CHKSUM_OFFSET, 8, &stored) < 0)
                return false;
        for (size_t i = 0; i < BLOCK_SIZE; i++) {
                bool in_field = i >= CHKSUM_OFFSET && i < CHKSUM_OFFSET + 8;
                unsigned char c = in_field ? ' ' : block[i];

                sum += c;
                sum_signed += (signed char)c;
        }
        return stored == sum || (int64_t)stored == sum_signed;
}

static bool is_meta_type(char type)
{
        return type == 'x' || type == 'X' || type == 'g' || type == 'L' || type == 'K';
}

static char *field_string(const unsigned char *p, size_t n)
{
        return strndup((const char *)p, n);
}

static char *header_name(const unsigned char *block)
{
        _cleanup_free_ char *name = field_string(block + NAME_OFFSET, NAME_SIZE);
        _cleanup_free_ char *prefix = NULL;
        char *joined = NULL;

        if (!name)
                return NULL;
        /* Only POSIX ustar has a prefix; GNU's magic is "ustar  \0" and it
         * keeps other fields there. */
        if (memcmp(block + MAGIC_OFFSET, "ustar\0", 6) != 0 || block[PREFIX_OFFSET] == '\0')
                return TAKE_PTR(name);
        prefix = field_string(block + PREFIX_OFFSET, PREFIX_SIZE);
        if (!prefix || asprintf(&joined, "%s/%s", prefix, name) < 0)
                return NULL;
        return joined;
}

static int add_range(struct tar_split_range **ranges, size_t *n, uint64_t offset, uint64_t length)
{
        struct tar_split_range *grown;

        if (*n >= TAR_SPLIT_RANGES_MAX)
                return -EINVAL;
        grown = realloc(*ranges, (*n + 1) * sizeof(**ranges));
        if (!grown)
                return -ENOMEM;
        grown[*n] = (struct tar_split_range){ offset, length };
        *ranges = grown;
        (*n)++;
        return 0;
}

/* Reads count old GNU sparse entries; an entry whose offset field starts
 * with NUL ends the map. */
static int parse_sparse_entries(const unsigned char *p, size_t count, struct tar_entry *e)
{
        for (size_t i = 0; i < count; i++, p += SPARSE_ENTRY) {
                uint64_t offset, length;
                int k;

                if (p[0] == '\0')
                        break;
                if (parse_number(p, NUMBER_SIZE, &offset) < 0 ||
                    parse_number(p + NUMBER_SIZE, NUMBER_SIZE, &length) < 0)
                        return -EINVAL;
                k = add_range(&e->ranges, &e->n_ranges, offset, length);
                if (k < 0)
                        return k;
        }
        return 0;
}

static int apply_sparse(const unsigned char *block, const struct tar_entry_meta *next, struct tar_entry *e)
{
        if (e->type == 'S') {
                e->sparse = true;
                e->sparse_extended = block[GNU_EXTENDED] != '\0';
                if (parse_number(block + GNU_REALSIZE, NUMBER_SIZE, &e->real_size) < 0)
                        return -EINVAL;
                return parse_sparse_entries(block + GNU_SPARSE, HEADER_ENTRIES, e);
        }

        if (next->sparse_1_0) {
                e->sparse = true;
                e->sparse_map_in_payload = true;
                e->real_size = next->real_size;
                return next->has_real_size ? 0 : -EINVAL;
        }
        if (next->map) {
                e->sparse = true;
                e->real_size = next->real_size;
                if (!next->has_real_size)
                        return -EINVAL;
                e->ranges = malloc(next->n_map * sizeof(*e->ranges));
                if (!e->ranges)
                        return -ENOMEM;
                memcpy(e->ranges, next->map, next->n_map * sizeof(*e->ranges));
                e->n_ranges = next->n_map;
        }
        return 0;
}

int tar_header_parse(const unsigned char *block, const struct tar_entry_meta *next, struct tar_entry *e,
                     char *ret_meta_type)
{
        const char *name;
        uint64_t size;

        *ret_meta_type = 0;
        if (block[0] == '\0' && !memcmp(block, block + 1, BLOCK_SIZE - 1))
                return -EINVAL;
        if (!checksum_valid(block) || parse_number(block + SIZE_OFFSET, NUMBER_SIZE, &size) < 0)
                return -EINVAL;

        e->type = (char)block[TYPE_OFFSET];
        if (is_meta_type(e->type)) {
                *ret_meta_type = e->type;
                e->payload_size = size;
                return 0;
        }

        e->payload_size = next->has_size ? next->size : size;
        name = next->sparse_name ?: next->path ?: next->long_name;
        e->name = name ? strdup(name) : header_name(block);
        if (!e->name)
                return -ENOMEM;
        return apply_sparse(block, next, e);
}

static int parse_map_list(const char *value, size_t len, struct tar_entry_meta *next)
{
        const char *p = value, *end = value + len;
        uint64_t numbers[2];
        size_t n = 0;

        free(next->map);
        next->map = NULL;
        next->n_map = 0;
        while (p < end) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                const char *stop = comma ?: end;
                int k;

                if (parse_decimal(p, (size_t)(stop - p), &numbers[n % 2]) < 0)
                        return -EINVAL;
                if (++n % 2 == 0) {
                        k = add_range(&next->map, &next->n_map, numbers[0], numbers[1]);
                        if (k < 0)
                                return k;
                }
                p = comma ? comma + 1 : end;
        }
        if (n % 2 != 0)
                return -EINVAL;
        /* An empty map still marks the file sparse: all of it is a hole. */
        if (!next->map)
                next->map = calloc(1, sizeof(*next->map));
        return next->map ? 0 : -ENOMEM;
}

static int set_string(char **target, const char *value, size_t len)
{
        char *copy = strndup(value, len);

        if (!copy)
                return -ENOMEM;
        free(*target);
        *target = copy;
        return 0;
}

static int apply_sparse_offset(struct tar_entry_meta *next, const char *key, uint64_t number)
{
        int k;

        if (streq(key, "GNU.sparse.offset")) {
                next->offset = number;
                next->has_offset = true;
                return 0;
        }
        if (!next->has_offset)
                return -EINVAL;
        next->has_offset = false;
        k = add_range(&next->map, &next->n_map, next->offset, number);
        return k;
}

static int apply_pax_record(struct tar_entry_meta *next, const char *key, const char *value, size_t len)
{
        uint64_t number;

        if (streq(key, "path"))
                return set_string(&next->path, value, len);
        if (streq(key, "GNU.sparse.name"))
                return set_string(&next->sparse_name, value, len);
        if (streq(key, "GNU.sparse.map"))
                return parse_map_list(value, len, next);

        if (!streq(key, "size") && !startswith(key, "GNU.sparse."))
                return 0;
        if (streq(key, "GNU.sparse.numblocks"))
                return 0;
        if (parse_decimal(value, len, &number) < 0)
                return -EINVAL;

        if (streq(key, "size")) {
                next->size = number;
                next->has_size = true;
        } else if (streq(key, "GNU.sparse.realsize") || streq(key, "GNU.sparse.size")) {
                next->real_size = number;
                next->has_real_size = true;
        } else if (streq(key, "GNU.sparse.major"))
                next->sparse_major = (unsigned)MIN(number, 1000u);
        else if (streq(key, "GNU.sparse.minor"))
                next->sparse_minor = (unsigned)MIN(number, 1000u);
        else if (streq(key, "GNU.sparse.offset") || streq(key, "GNU.sparse.numbytes"))
                return apply_sparse_offset(next, key, number);
        next->sparse_1_0 = next->sparse_major == 1 && next->sparse_minor == 0;
        return 0;
}

static bool all_zero(const char *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (p[i] != '\0')
                        return false;
        return true;
}

/* Records are "LENGTH KEY=VALUE\n", LENGTH counting the whole record. */
static int parse_pax(const char *buf, size_t len, struct tar_entry_meta *next)
{
        const char *p = buf, *end = buf + len;

        while (p < end) {
                _cleanup_free_ char *key = NULL;
                const char *space, *eq, *record_end;
                uint64_t record_len;
                int k;

                /* Some writers pad the records with NULs. */
                if (*p == '\0')
                        return all_zero(p, (size_t)(end - p)) ? 0 : -EINVAL;
                space = memchr(p, ' ', (size_t)MIN(end - p, 20));
                if (!space || parse_decimal(p, (size_t)(space - p), &record_len) < 0 ||
                    record_len > (uint64_t)(end - p) || record_len < (uint64_t)(space - p) + 3)
                        return -EINVAL;
                record_end = p + record_len - 1;
                if (*record_end != '\n')
                        return -EINVAL;
                eq = memchr(space + 1, '=', (size_t)(record_end - space - 1));
                if (!eq || eq == space + 1)
                        return -EINVAL;

                key = strndup(space + 1, (size_t)(eq - space - 1));
                if (!key)
                        return -ENOMEM;
                k = apply_pax_record(next, key, eq + 1, (size_t)(record_end - eq - 1));
                if (k < 0)
                        return k;
                p += record_len;
        }
        return 0;
}

int tar_meta_parse(char type, const char *buf, size_t len, struct tar_entry_meta *next)
{
        if (type == 'L')
                return set_string(&next->long_name, buf, strnlen(buf, len));
        if (type == 'x' || type == 'X')
                return parse_pax(buf, len, next);
        return 0;
}

int tar_sparse_ext_parse(const unsigned char *block, struct tar_entry *e, bool *ret_more)
{
        *ret_more = block[EXT_EXTENDED] != '\0';
        return parse_sparse_entries(block, EXT_ENTRIES, e);
}

/* Keeps the ranges with data and checks that they are in order, inside
 * the file, and add up to the bytes the payload holds. */
static int check_ranges(struct tar_entry *e, uint64_t data_size)
{
        uint64_t end = 0, sum = 0;
        size_t kept = 0;

        for (size_t i = 0; i < e->n_ranges; i++) {
                struct tar_split_range r = e->ranges[i];

                if (r.length == 0)
                        continue;
                if (r.offset < end || r.offset > e->file_size || r.length > e->file_size - r.offset)
                        return -EINVAL;
                end = r.offset + r.length;
                sum += r.length;
                e->ranges[kept++] = r;
        }
        e->n_ranges = kept;
        return sum == data_size ? 0 : -EINVAL;
}

static bool is_regular_type(char type)
{
        return type == '0' || type == '\0' || type == '7' || type == 'S';
}

int tar_entry_plan(struct tar_entry *e)
{
        const char *base;
        int k;

        if (!is_regular_type(e->type) || isempty(e->name) || endswith(e->name, "/"))
                return -EINVAL;
        k = extract_clean_path(e->name, &e->path);
        if (k < 0)
                return k == -ENOMEM ? k : -EINVAL;
        if (isempty(e->path) || strlen(e->path) > TAR_SPLIT_PATH_MAX)
                return -EINVAL;
        base = strrchr(e->path, '/');
        if (startswith(base ? base + 1 : e->path, WHITEOUT_PREFIX))
                return -EINVAL;

        if (!e->sparse) {
                free(e->ranges);
                e->ranges = calloc(1, sizeof(*e->ranges));
                if (!e->ranges)
                        return -ENOMEM;
                e->ranges[0] = (struct tar_split_range){ 0, e->payload_size };
                e->n_ranges = 1;
                e->file_size = e->payload_size;
                return 0;
        }
        e->file_size = e->real_size;
        if (e->sparse_map_in_payload)
                return 0;
        return check_ranges(e, e->payload_size);
}

int tar_sparse_map_count(const unsigned char *map, size_t len, uint64_t *ret_count)
{
        const unsigned char *nl = memchr(map, '\n', len);
        uint64_t count;

        if (!nl || parse_decimal((const char *)map, (size_t)(nl - map), &count) < 0 || count > TAR_SPLIT_RANGES_MAX)
                return -EINVAL;
        *ret_count = count;
        return 0;
}

int tar_sparse_map_apply(struct tar_entry *e, const unsigned char *map, size_t len, uint64_t data_size)
{
        const char *p = (const char *)map, *end = p + len;
        uint64_t count, numbers[2];
        int k;

        k = tar_sparse_map_count(map, len, &count);
        if (k < 0)
                return k;
        p = memchr(p, '\n', len) + 1;

        free(e->ranges);
        e->ranges = NULL;
        e->n_ranges = 0;
        for (uint64_t i = 0; i < 2 * count; i++) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));

                if (!nl || parse_decimal(p, (size_t)(nl - p), &numbers[i % 2]) < 0)
                        return -EINVAL;
                if (i % 2 == 1) {
                        k = add_range(&e->ranges, &e->n_ranges, numbers[0], numbers[1]);
                        if (k < 0)
                                return k;
                }
                p = nl + 1;
        }
        return check_ranges(e, data_size);
}
