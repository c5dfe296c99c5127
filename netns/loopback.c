/* SPDX-License-Identifier: Apache-2.0 */
#include "netns/loopback.h"
#include "netns/nlutil.h"

int netns_loopback_up(struct error *err)
{
        _cleanup_(nl_socket_freep) struct nl_sock *sock = NULL;
        int r;

        r = netns_nl_open(-1, &sock, err);
        if (r < 0)
                return r;
        r = netns_nl_link_set_up(sock, "lo");
        if (r < 0)
                return error_set_errno(err, r, "failed to set the loopback interface up");
        return 0;
}
