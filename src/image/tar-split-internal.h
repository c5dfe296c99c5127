/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "tar-split.h"

/* Tar header parsing for the recorder (tar-split-tar.c). */

#define BLOCK_SIZE         512
#define TAR_SPARSE_MAP_MAX (1u << 20) /* bytes of a pax 1.0 sparse map */

/* Metadata that pax and GNU long-name headers give the entry that follows. */
struct tar_entry_meta {
        char *path;        /* pax "path" */
        char *long_name;   /* GNU 'L' */
        char *sparse_name; /* pax "GNU.sparse.name" */
        bool has_size;
        uint64_t size; /* pax "size" */
        bool has_real_size;
        uint64_t real_size; /* "GNU.sparse.realsize" or "GNU.sparse.size" */
        bool sparse_1_0;    /* "GNU.sparse.major=1", "GNU.sparse.minor=0" */
        unsigned sparse_major, sparse_minor;
        struct tar_split_range *map; /* GNU.sparse 0.0 and 0.1 */
        size_t n_map;
        bool has_offset; /* a 0.0 "GNU.sparse.offset" waiting for its numbytes */
        uint64_t offset;
};

/* One entry whose payload the recorder reads. */
struct tar_entry {
        char type;
        char *name;            /* as libarchive resolves it */
        uint64_t payload_size; /* bytes after the header blocks, before padding */
        bool sparse;
        bool sparse_extended;       /* old GNU extension blocks follow */
        bool sparse_map_in_payload; /* pax 1.0: the map starts the payload */
        uint64_t real_size;
        struct tar_split_range *ranges; /* the sparse map; then the file ranges */
        size_t n_ranges;

        /* Set by tar_entry_plan. */
        char *path; /* cleaned, relative to the layer directory */
        uint64_t file_size;
};

void tar_entry_meta_clear(struct tar_entry_meta *m);
void tar_entry_clear(struct tar_entry *e);

/* Parses one header block. For a pax, 'g' or long-name header ret_meta_type
 * is its type and e->payload_size its payload's size; otherwise e is the
 * entry, with next applied. -EINVAL for a zero block or anything that is no
 * valid header. */
int tar_header_parse(const unsigned char *block, const struct tar_entry_meta *next, struct tar_entry *e,
                     char *ret_meta_type);

/* Applies the payload of a pax ('x', 'X') or long-name ('L') header to
 * next; 'g' and 'K' change nothing. -EINVAL for malformed pax records. */
int tar_meta_parse(char type, const char *buf, size_t len, struct tar_entry_meta *next);

/* Adds the entries of an old GNU sparse extension block. ret_more is set
 * when another extension block follows. */
int tar_sparse_ext_parse(const unsigned char *block, struct tar_entry *e, bool *ret_more);

/* Decides whether the payload can come from the extracted file: sets path,
 * file_size and the ranges. -EINVAL when the payload must be stored as
 * data (not a regular file, a whiteout, an unusable name or sparse map).
 * For a pax 1.0 sparse entry the ranges follow with tar_sparse_map_apply. */
int tar_entry_plan(struct tar_entry *e);

/* Parses the first line of a pax 1.0 sparse map (its entry count).
 * -EINVAL when it is not a number or too large. */
int tar_sparse_map_count(const unsigned char *map, size_t len, uint64_t *ret_count);

/* Sets the ranges from a complete pax 1.0 map text; data_size is what
 * follows the map and its padding. -EINVAL when they do not describe it. */
int tar_sparse_map_apply(struct tar_entry *e, const unsigned char *map, size_t len, uint64_t data_size);
