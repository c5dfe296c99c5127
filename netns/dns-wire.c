/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"

static uint16_t read_u16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void write_u16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void write_u32(uint8_t *p, uint32_t v)
{
        write_u16(p, (uint16_t)(v >> 16));
        write_u16(p + 2, (uint16_t)v);
}

/* Label bytes kept in a name: printable ASCII except the separator, so the
 * text form maps back to one wire form without escapes. */
static bool label_byte_valid(uint8_t c)
{
        return c > 0x20 && c < 0x7f && c != '.';
}

int dns_query_error_rcode(const uint8_t *buf, size_t len)
{
        uint16_t flags;

        if (len < DNS_HEADER_SIZE)
                return -EBADMSG;
        flags = read_u16(buf + 2);
        if (flags & DNS_FLAG_QR)
                return -EBADMSG;
        if (flags & DNS_OPCODE_MASK)
                return DNS_RCODE_NOTIMP;
        if (read_u16(buf + 4) != 1 || read_u16(buf + 6) != 0 || read_u16(buf + 8) != 0)
                return DNS_RCODE_FORMERR;
        return -EBADMSG;
}

/* Moves *offset past a name of an additional record. A compression pointer
 * ends the name and is not followed. */
static int skip_name(const uint8_t *buf, size_t len, size_t *offset)
{
        for (;;) {
                uint8_t label_len;

                if (*offset >= len)
                        return -EBADMSG;
                label_len = buf[*offset];
                if ((label_len & 0xc0) == 0xc0) {
                        if (len - *offset < 2)
                                return -EBADMSG;
                        *offset += 2;
                        return 0;
                }
                if (label_len > 63)
                        return -EBADMSG;
                *offset += 1 + (size_t)label_len;
                if (label_len == 0)
                        return 0;
        }
}

/* Reads the n additional records from offset and returns the UDP size of an
 * OPT record owned by the root name (RFC 6891), or 0 without one. */
static int parse_additional(const uint8_t *buf, size_t len, size_t offset, uint16_t n, uint16_t *ret_udp_size)
{
        uint16_t udp_size = 0;

        for (uint16_t i = 0; i < n; i++) {
                bool root_owner = offset < len && buf[offset] == 0;
                uint16_t type, class, data_len;

                if (skip_name(buf, len, &offset) < 0 || len - offset < 10)
                        return -EBADMSG;
                type = read_u16(buf + offset);
                class = read_u16(buf + offset + 2);
                data_len = read_u16(buf + offset + 8);
                offset += 10;
                if (len - offset < data_len)
                        return -EBADMSG;
                offset += data_len;

                /* The class of an OPT record is the sender's UDP size, and
                 * sizes below 512 count as 512. */
                if (type == DNS_TYPE_OPT && root_owner)
                        udp_size = MAX(class, (uint16_t)DNS_UDP_MAX_SIZE);
        }

        *ret_udp_size = udp_size;
        return 0;
}

int dns_query_parse(const uint8_t *buf, size_t len, struct dns_query *ret)
{
        struct dns_query q = { 0 };
        size_t offset = DNS_HEADER_SIZE, name_len = 0, wire_len = 0;

        if (len < DNS_HEADER_SIZE || len > DNS_TCP_MAX_SIZE)
                return -EBADMSG;

        q.id = read_u16(buf);
        q.flags = read_u16(buf + 2);
        if (q.flags & (DNS_FLAG_QR | DNS_OPCODE_MASK))
                return -EBADMSG;
        /* Exactly one question and no answer or authority records. Of the
         * additional section only an EDNS0 OPT record is used. */
        if (read_u16(buf + 4) != 1 || read_u16(buf + 6) != 0 || read_u16(buf + 8) != 0)
                return -EBADMSG;

        for (;;) {
                uint8_t label_len;

                if (offset >= len)
                        return -EBADMSG;
                label_len = buf[offset++];
                wire_len += 1 + (label_len & 0x3f);
                if (wire_len > 255)
                        return -EBADMSG;
                if (label_len == 0)
                        break;
                /* 0xc0 is a compression pointer, 0x40 and 0x80 are obsolete
                 * or extended label types. None belongs in a question. */
                if (label_len > 63)
                        return -EBADMSG;
                if (label_len > len - offset)
                        return -EBADMSG;

                if (name_len > 0)
                        q.name[name_len++] = '.';
                for (uint8_t i = 0; i < label_len; i++) {
                        uint8_t c = buf[offset + i];

                        if (!label_byte_valid(c))
                                return -EBADMSG;
                        if (c >= 'A' && c <= 'Z')
                                c = (uint8_t)(c - 'A' + 'a');
                        q.name[name_len++] = (char)c;
                }
                offset += label_len;
        }
        q.name[name_len] = '\0';

        if (len - offset < 4)
                return -EBADMSG;
        q.qtype = read_u16(buf + offset);
        q.qclass = read_u16(buf + offset + 2);
        q.question_end = offset + 4;

        if (parse_additional(buf, len, q.question_end, read_u16(buf + 10), &q.edns_udp_size) < 0)
                return -EBADMSG;

        *ret = q;
        return 0;
}

#define OPT_RECORD_SIZE 11

static size_t opt_size(const struct dns_query *q)
{
        return q->edns_udp_size ? OPT_RECORD_SIZE : 0;
}

/* Appends the OPT record when q has one: root owner, DNS_EDNS_UDP_SIZE as
 * the class, no extended rcode, version 0 and no options. The builders keep
 * opt_size(q) bytes free for it. */
static size_t write_opt(const struct dns_query *q, uint8_t *buf, size_t offset)
{
        uint8_t *p = buf + offset;

        if (!q->edns_udp_size)
                return offset;
        p[0] = 0;
        write_u16(p + 1, DNS_TYPE_OPT);
        write_u16(p + 3, DNS_EDNS_UDP_SIZE);
        write_u32(p + 5, 0);
        write_u16(p + 9, 0);
        write_u16(buf + 10, 1);
        return offset + OPT_RECORD_SIZE;
}

/* Writes the header and the question of a response to q. Returns the offset
 * after the question, or -EMSGSIZE. */
static int write_response_start(const uint8_t *query, const struct dns_query *q, int rcode, uint16_t n_answers,
                                uint8_t *buf, size_t size)
{
        uint16_t flags = DNS_FLAG_QR | DNS_FLAG_RA | (q->flags & DNS_FLAG_RD) | (uint16_t)(rcode & 0xf);

        if (q->question_end < DNS_HEADER_SIZE || q->question_end + opt_size(q) > size)
                return -EMSGSIZE;

        write_u16(buf, q->id);
        write_u16(buf + 2, flags);
        write_u16(buf + 4, 1);
        write_u16(buf + 6, n_answers);
        write_u16(buf + 8, 0);
        write_u16(buf + 10, 0);
        memcpy(buf + DNS_HEADER_SIZE, query + DNS_HEADER_SIZE, q->question_end - DNS_HEADER_SIZE);
        return (int)q->question_end;
}

static void set_truncated(uint8_t *buf, uint16_t n_answers)
{
        write_u16(buf + 2, read_u16(buf + 2) | DNS_FLAG_TC);
        write_u16(buf + 6, n_answers);
}

/* Writes the fixed part of an answer record: a pointer to the question's
 * name at offset 12, the type, class IN, the TTL and the data length. */
static size_t write_record_header(uint8_t *p, uint16_t type, uint16_t data_len)
{
        write_u16(p, 0xc000 | DNS_HEADER_SIZE);
        write_u16(p + 2, type);
        write_u16(p + 4, DNS_CLASS_IN);
        write_u32(p + 6, DNS_TTL);
        write_u16(p + 10, data_len);
        return 12;
}

int dns_response_addrs(const uint8_t *query, const struct dns_query *q, const struct netns_addr *addrs, size_t n,
                       uint8_t *buf, size_t size)
{
        int family = q->qtype == DNS_TYPE_AAAA ? AF_INET6 : AF_INET;
        size_t data_len = family == AF_INET6 ? 16 : 4;
        uint16_t count = 0;
        size_t offset;
        int r;

        r = write_response_start(query, q, DNS_RCODE_NOERROR, 0, buf, size);
        if (r < 0)
                return r;
        offset = (size_t)r;

        for (size_t i = 0; i < n; i++) {
                if (addrs[i].family != family)
                        continue;
                if (count == UINT16_MAX || size - opt_size(q) - offset < 12 + data_len) {
                        set_truncated(buf, count);
                        return (int)write_opt(q, buf, offset);
                }
                offset += write_record_header(buf + offset, q->qtype, (uint16_t)data_len);
                memcpy(buf + offset,
                       family == AF_INET6 ? (const void *)&addrs[i].addr.v6 : (const void *)&addrs[i].addr.v4,
                       data_len);
                offset += data_len;
                count++;
        }

        write_u16(buf + 6, count);
        return (int)write_opt(q, buf, offset);
}

/* Encodes a dotted name as labels ending with the root label. Returns the
 * length, -EINVAL for an empty label or one over 63 bytes, or -EMSGSIZE. */
static int encode_name(const char *name, uint8_t *buf, size_t size)
{
        size_t offset = 0;
        const char *p = name;

        while (*p) {
                const char *dot = strchr(p, '.');
                size_t label_len = dot ? (size_t)(dot - p) : strlen(p);

                if (label_len == 0 || label_len > 63)
                        return -EINVAL;
                if (offset + 1 + label_len > 254)
                        return -EINVAL;
                if (size - offset < 1 + label_len)
                        return -EMSGSIZE;
                buf[offset++] = (uint8_t)label_len;
                memcpy(buf + offset, p, label_len);
                offset += label_len;
                p += label_len;
                if (*p == '.')
                        p++;
        }
        if (size - offset < 1)
                return -EMSGSIZE;
        buf[offset++] = 0;
        return (int)offset;
}

int dns_response_ptr(const uint8_t *query, const struct dns_query *q, const char *target, uint8_t *buf, size_t size)
{
        uint8_t encoded[256];
        size_t offset;
        int r, encoded_len;

        encoded_len = encode_name(target, encoded, sizeof(encoded));
        if (encoded_len < 0)
                return -EINVAL;

        r = write_response_start(query, q, DNS_RCODE_NOERROR, 1, buf, size);
        if (r < 0)
                return r;
        offset = (size_t)r;

        if (size - opt_size(q) - offset < 12 + (size_t)encoded_len) {
                set_truncated(buf, 0);
                return (int)write_opt(q, buf, offset);
        }
        offset += write_record_header(buf + offset, DNS_TYPE_PTR, (uint16_t)encoded_len);
        memcpy(buf + offset, encoded, (size_t)encoded_len);
        return (int)write_opt(q, buf, offset + (size_t)encoded_len);
}

int dns_response_rcode(const uint8_t *query, const struct dns_query *q, int rcode, uint8_t *buf, size_t size)
{
        int r = write_response_start(query, q, rcode, 0, buf, size);

        if (r < 0)
                return r;
        return (int)write_opt(q, buf, (size_t)r);
}

int dns_response_error(const uint8_t *query, size_t len, int rcode, uint8_t *buf, size_t size)
{
        uint16_t flags;

        if (len < DNS_HEADER_SIZE || size < DNS_HEADER_SIZE)
                return -EBADMSG;

        flags = DNS_FLAG_QR | DNS_FLAG_RA | (read_u16(query + 2) & (DNS_OPCODE_MASK | DNS_FLAG_RD)) |
                (uint16_t)(rcode & 0xf);
        memset(buf, 0, DNS_HEADER_SIZE);
        memcpy(buf, query, 2);
        write_u16(buf + 2, flags);
        return DNS_HEADER_SIZE;
}

static int parse_decimal_octet(const char *s, size_t len, uint8_t *ret)
{
        unsigned v = 0;

        if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v > 255)
                return -EINVAL;
        *ret = (uint8_t)v;
        return 0;
}

static int hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

int dns_ptr_name_to_addr(const char *name, struct netns_addr *ret)
{
        static const char v4_suffix[] = ".in-addr.arpa", v6_suffix[] = ".ip6.arpa";
        size_t len = strlen(name);
        struct netns_addr a = { 0 };

        if (len > strlen(v4_suffix) && streq(name + len - strlen(v4_suffix), v4_suffix)) {
                const char *p = name, *end = name + len - strlen(v4_suffix);
                uint8_t octets[4];

                /* The labels are the octets in reverse order. */
                for (int i = 3; i >= 0; i--) {
                        const char *dot = memchr(p, '.', (size_t)(end - p));
                        const char *label_end = dot ? dot : end;

                        if ((i > 0) != (dot != NULL))
                                return -EINVAL;
                        if (parse_decimal_octet(p, (size_t)(label_end - p), &octets[i]) < 0)
                                return -EINVAL;
                        p = label_end + 1;
                }
                a.family = AF_INET;
                memcpy(&a.addr.v4, octets, 4);
                a.prefixlen = 32;
                *ret = a;
                return 0;
        }

        if (len > strlen(v6_suffix) && streq(name + len - strlen(v6_suffix), v6_suffix)) {
                uint8_t bytes[16] = { 0 };

                /* 32 one-digit labels, the least significant nibble first. */
                if (len - strlen(v6_suffix) != 63)
                        return -EINVAL;
                for (int i = 0; i < 32; i++) {
                        int v = hex_value(name[2 * i]);

                        if (v < 0 || (i < 31 && name[2 * i + 1] != '.'))
                                return -EINVAL;
                        /* Nibble i counts from the end of the address. */
                        bytes[15 - i / 2] |= (uint8_t)(i % 2 == 0 ? v : v << 4);
                }
                a.family = AF_INET6;
                memcpy(&a.addr.v6, bytes, 16);
                a.prefixlen = 128;
                *ret = a;
                return 0;
        }

        return -EINVAL;
}
