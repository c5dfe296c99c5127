/* SPDX-License-Identifier: Apache-2.0 */
#include <netinet/in.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "netns/nft-transaction.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct mnl_socket *, mnl_socket_close)

/* Size of the receive buffer. A reply is at most a netlink error with a
 * short message, and several replies may arrive in one datagram. */
#define REPLY_BUFFER_SIZE (32 * 1024)

/* Commits the message started last to the batch. */
static void finish_message(struct nft_transaction *t)
{
        if (!t->pending)
                return;
        t->pending = false;
        if (nftnl_batch_update(t->batch) < 0 && t->error == 0)
                t->error = -ENOMEM;
}

int nft_transaction_begin(struct nft_transaction *t, size_t max_messages)
{
        *t = (struct nft_transaction){ 0 };

        /* Each page has room for one more message past its size, which
         * nftnl_batch_update then moves to a new page. */
        t->batch = nftnl_batch_alloc(8 * MNL_SOCKET_BUFFER_SIZE, MNL_SOCKET_BUFFER_SIZE);
        t->messages = calloc(max_messages, sizeof(*t->messages));
        if (!t->batch || !t->messages)
                return -ENOMEM;
        t->max_messages = max_messages;

        t->seq = (uint32_t)time(NULL);
        nftnl_batch_begin(nftnl_batch_buffer(t->batch), t->seq++);
        t->pending = true;
        finish_message(t);
        t->seq_first = t->seq;
        return t->error;
}

struct nlmsghdr *nft_transaction_message(struct nft_transaction *t, uint16_t type, uint16_t flags, const char *name)
{
        finish_message(t);
        if (t->n_messages < t->max_messages)
                t->messages[t->n_messages] = (struct nft_message_info){ type, name };
        t->n_messages++;

        t->pending = true;
        t->last = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(t->batch), type, NFPROTO_INET, flags, t->seq++);
        return t->last;
}

/* Describes the message with sequence number seq into buf, as in "adding a
 * rule to chain forward", or returns NULL when seq is not one of the
 * messages added with nft_transaction_message. */
static const char *describe_message(const struct nft_transaction *t, uint32_t seq, char *buf, size_t size)
{
        uint32_t i = seq - t->seq_first;
        const struct nft_message_info *m;

        if (i >= t->n_messages || i >= t->max_messages)
                return NULL;
        m = &t->messages[i];
        switch (m->type) {
        case NFT_MSG_NEWTABLE:
                return "adding the table";
        case NFT_MSG_DELTABLE:
                return "deleting the table";
        case NFT_MSG_NEWCHAIN:
                snprintf(buf, size, "adding chain %s", m->name);
                return buf;
        case NFT_MSG_NEWSET:
                snprintf(buf, size, "adding set %s", m->name);
                return buf;
        case NFT_MSG_NEWSETELEM:
                snprintf(buf, size, "adding the elements of set %s", m->name);
                return buf;
        case NFT_MSG_NEWRULE:
                snprintf(buf, size, "adding a rule to chain %s", m->name);
                return buf;
        default:
                return NULL;
        }
}

/*
 * One netfilter netlink socket, kept open between commits and used under
 * its lock. On Linux 6.18, close() of a socket that has just committed a
 * batch took 11 to 15 ms, while sending and applying a small batch took
 * 0.3 ms (strace -T of bench/nft-bench). Its kernel stack shows why:
 * nf_tables' handler of the socket's release (nft_rcv_nl_event) waits in
 * flush_work for the work that frees earlier transactions. A socket
 * belongs to the network namespace it was opened in, so a commit from
 * another namespace, or from a forked child, opens a new one.
 */
static struct {
        pthread_mutex_t lock;
        struct mnl_socket *nl;
        pid_t pid;
        dev_t netns_dev;
        ino_t netns_ino;
} shared = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define THREAD_NETNS_PATH "/proc/thread-self/ns/net"

static int open_socket(struct mnl_socket **ret, struct error *err)
{
        _cleanup_(mnl_socket_closep) struct mnl_socket *nl = NULL;
        int one = 1;

        nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
        if (!nl)
                return error_set_errno(err, -errno, "failed to open a netfilter netlink socket");
        if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
                return error_set_errno(err, -errno, "failed to bind a netfilter netlink socket");

        /* Errors without a copy of the failed message, and with the
         * kernel's text when it has one. Older kernels lack them, which
         * costs only detail. */
        (void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
        (void)mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));

        *ret = nl;
        nl = NULL;
        return 0;
}

/* Drops the shared socket, after a failed send or receive or when it
 * belongs to another namespace. A forked child only closes its copy of
 * the descriptor, which leaves the parent's socket open. */
static void shared_socket_drop(void)
{
        if (shared.nl)
                mnl_socket_close(shared.nl);
        shared.nl = NULL;
}

/* Returns the shared socket of the calling thread's network namespace,
 * opening it when needed. Call with shared.lock held. */
static int shared_socket_get(struct mnl_socket **ret, struct error *err)
{
        struct stat st;
        int k;

        if (stat(THREAD_NETNS_PATH, &st) < 0)
                return error_set_errno(err, -errno, "failed to read the network namespace of this thread");
        if (shared.nl && (shared.pid != getpid() || shared.netns_dev != st.st_dev || shared.netns_ino != st.st_ino))
                shared_socket_drop();
        if (!shared.nl) {
                k = open_socket(&shared.nl, err);
                if (k < 0)
                        return k;
                shared.pid = getpid();
                shared.netns_dev = st.st_dev;
                shared.netns_ino = st.st_ino;
        }
        *ret = shared.nl;
        return 0;
}

static int send_batch(struct mnl_socket *nl, struct nftnl_batch *batch, struct error *err)
{
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        int n = nftnl_batch_iovec_len(batch);
        struct iovec iov[n];
        struct msghdr msg = {
                .msg_name = &kernel,
                .msg_namelen = sizeof(kernel),
                .msg_iov = iov,
                .msg_iovlen = (size_t)n,
        };
        size_t total = 0;
        int size;

        nftnl_batch_iovec(batch, iov, (uint32_t)n);
        for (int i = 0; i < n; i++)
                total += iov[i].iov_len;

        /* The kernel takes a netlink message only when it fits the
         * socket's send buffer. */
        if (total > 64 * 1024) {
                size = total > INT32_MAX ? INT32_MAX : (int)total;
                if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
                        (void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
        }

        if (sendmsg(mnl_socket_get_fd(nl), &msg, 0) < 0)
                return error_set_errno(err, -errno, "failed to send %zu bytes of nftables batch", total);
        return 0;
}

/* The text of an extended acknowledgement (NLMSGERR_ATTR_MSG), or NULL. */
static const char *extack_message(const struct nlmsghdr *nlh)
{
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
        size_t offset = sizeof(*e);
        const struct nlattr *attr;

        if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
                return NULL;
        /* Without NLM_F_CAPPED, the failed request follows the header. */
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                offset += e->msg.nlmsg_len - sizeof(e->msg);
        mnl_attr_for_each(attr, nlh, offset)
        {
                if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
                        return mnl_attr_get_str(attr);
        }
        return NULL;
}

/* The result of reading the replies to one batch. */
struct replies {
        bool acknowledged; /* the last message was acknowledged */
        int error;         /* the first error, 0 when none */
};

static void read_reply(const struct nft_transaction *t, const struct nlmsghdr *nlh, uint32_t portid, const char *table,
                       struct replies *r, struct error *err)
{
        const struct nlmsgerr *e;
        const char *text, *what;
        char buf[64 + NFT_NAME_MAXLEN];

        if (nlh->nlmsg_pid != portid || nlh->nlmsg_type != NLMSG_ERROR)
                return;
        if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
                return;
        /* A reply to another batch on the shared socket: from the batch
         * begin at seq_first - 1 to the batch end at seq. */
        if (nlh->nlmsg_seq - (t->seq_first - 1) > t->seq - (t->seq_first - 1))
                return;

        e = mnl_nlmsg_get_payload(nlh);
        if (e->error == 0) {
                if (nlh->nlmsg_seq == t->seq - 1)
                        r->acknowledged = true;
                return;
        }
        if (r->error != 0)
                return;

        r->error = e->error;
        text = extack_message(nlh);
        what = describe_message(t, nlh->nlmsg_seq, buf, sizeof(buf));
        if (what && text)
                error_set(err, e->error, "failed to apply nftables table inet %s when %s: %s: %s", table, what, text,
                          strerror(-e->error));
        else if (what)
                error_set_errno(err, e->error, "failed to apply nftables table inet %s when %s", table, what);
        else
                error_set_errno(err, e->error, "failed to apply nftables table inet %s", table);
}

/* Reads every reply the kernel queued. nfnetlink handles a batch inside
 * sendmsg, so all replies are queued once it returns and a read that
 * would block means there are no more. */
static int read_replies(const struct nft_transaction *t, struct mnl_socket *nl, const char *table, struct error *err)
{
        _cleanup_free_ char *buf = malloc(REPLY_BUFFER_SIZE);
        uint32_t portid = mnl_socket_get_portid(nl);
        struct replies r = { 0 };

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = recv(mnl_socket_get_fd(nl), buf, REPLY_BUFFER_SIZE, MSG_DONTWAIT);
                const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
                int len;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                        break;
                if (n < 0)
                        return error_set_errno(err, -errno, "failed to read the replies to an nftables batch");

                len = (int)n;
                for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
                        read_reply(t, nlh, portid, table, &r, err);
        }

        if (r.error != 0)
                return r.error;
        if (!r.acknowledged)
                return error_set(err, -EIO, "nftables batch for table inet %s got no acknowledgement", table);
        return 0;
}

/* Discards what the kernel queued on the shared socket before this batch,
 * such as replies left by a commit whose reading failed. */
static void discard_queued(struct mnl_socket *nl)
{
        char buf[4096];

        for (;;) {
                ssize_t n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
        }
}

int nft_transaction_commit(struct nft_transaction *t, const char *table, struct error *err)
{
        struct mnl_socket *nl = NULL;
        int k;

        if (!t->last)
                return error_set(err, -EINVAL, "nftables batch for table inet %s is empty", table);
        t->last->nlmsg_flags |= NLM_F_ACK;
        finish_message(t);
        nftnl_batch_end(nftnl_batch_buffer(t->batch), t->seq);
        t->pending = true;
        finish_message(t);
        if (t->error < 0)
                return error_set(err, t->error, "out of memory building the nftables batch");

        pthread_mutex_lock(&shared.lock);
        k = shared_socket_get(&nl, err);
        if (k >= 0) {
                discard_queued(nl);
                k = send_batch(nl, t->batch, err);
        }
        if (k >= 0)
                k = read_replies(t, nl, table, err);
        /* A failure may leave the socket in an unknown state, and a new
         * one costs only the wait in close(). */
        if (k < 0)
                shared_socket_drop();
        pthread_mutex_unlock(&shared.lock);
        return k;
}

void nft_transaction_done(struct nft_transaction *t)
{
        if (t->batch)
                nftnl_batch_free(t->batch);
        free(t->messages);
        *t = (struct nft_transaction){ 0 };
}
