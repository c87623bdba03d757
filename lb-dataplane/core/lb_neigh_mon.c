// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The neighbour monitor (and, on request, interfaces' hardware
 * addresses): apart from lb_neigh.c so that users of the
 * one-shot lookups (keel-xdp) do not link libevent.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>
#include <event2/event.h>

#include "lb_neigh.h"

/* Events read per wake-up before the loop's other events get a turn. */
#define LB_NEIGH_MON_BATCH 64

struct lb_neigh_mon {
	struct mnl_socket *nl;
	struct event *ev;
	lb_neigh_cb cb;
	lb_neigh_link_cb link_cb; /* NULL: no link events asked */
	void *arg;
	bool lost; /* overrun seen: discarding until the socket is empty */
};

/* An interface's hardware address, as RTM_NEWLINK carries it. */
static int lb_neigh_mon_link(struct lb_neigh_mon *m, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi;
	const struct nlattr *a;

	if (!m->link_cb || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_ADDRESS &&
		    mnl_attr_get_payload_len(a) == 6) {
			m->link_cb(m->arg, ifi->ifi_index,
				   mnl_attr_get_payload(a));
			break;
		}
	}
	return MNL_CB_OK;
}

static int lb_neigh_mon_msg(const struct nlmsghdr *nlh, void *arg)
{
	struct lb_neigh_mon *m = arg;
	const void *dst = NULL, *ll = NULL;
	size_t dst_len = 0, ll_len = 0, alen;
	const struct nlattr *a;
	__be32 addr[4] = {};
	struct ndmsg *nd;
	uint8_t family;
	bool resolved;

	if (nlh->nlmsg_type == RTM_NEWLINK)
		return lb_neigh_mon_link(m, nlh);
	if ((nlh->nlmsg_type != RTM_NEWNEIGH &&
	     nlh->nlmsg_type != RTM_DELNEIGH) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*nd))
		return MNL_CB_OK;
	nd = mnl_nlmsg_get_payload(nlh);
	if (nd->ndm_family == AF_INET) {
		family = KEEL_F_INET;
		alen = 4;
	} else if (nd->ndm_family == AF_INET6) {
		family = KEEL_F_INET6;
		alen = 16;
	} else {
		return MNL_CB_OK;
	}
	if (nd->ndm_flags & NTF_PROXY)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		if (mnl_attr_get_type(a) == NDA_DST) {
			dst = mnl_attr_get_payload(a);
			dst_len = mnl_attr_get_payload_len(a);
		} else if (mnl_attr_get_type(a) == NDA_LLADDR) {
			ll = mnl_attr_get_payload(a);
			ll_len = mnl_attr_get_payload_len(a);
		}
	}
	if (!dst || dst_len != alen)
		return MNL_CB_OK;
	memcpy(addr, dst, alen);
	/* A deleted entry still carries its last state and MAC. */
	resolved = nlh->nlmsg_type == RTM_NEWNEIGH &&
		   (nd->ndm_state & LB_NUD_RESOLVED) && ll && ll_len == 6;
	m->cb(m->arg, family, addr, resolved ? ll : NULL, nd->ndm_ifindex);
	return MNL_CB_OK;
}

static void lb_neigh_mon_read(evutil_socket_t fd, short what, void *arg)
{
	static const __be32 none[4];
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct lb_neigh_mon *m = arg;
	int i, n;

	(void)fd;
	(void)what;
	for (i = 0; i < LB_NEIGH_MON_BATCH; i++) {
		n = mnl_socket_recvfrom(m->nl, buf, sizeof(buf));
		if (n < 0 && errno == ENOBUFS) {
			/* The socket lives on; only the lost events are gone. */
			m->lost = true;
			continue;
		}
		if (n < 0) {
			/* EAGAIN: drained. */
			if (m->lost) {
				m->lost = false;
				m->cb(m->arg, 0, none, NULL, 0);
			}
			return;
		}
		/*
		 * After an overrun the kernel reports no further loss until
		 * the queue has been emptied (netlink's congested bit), and
		 * what is queued is older than the re-read the caller does
		 * on family 0: discard it and say "lost" once it is empty,
		 * so that the re-read comes after every event that was
		 * dropped, and any later change is an event again.
		 */
		if (m->lost)
			continue;
		/* seq and portid 0: notifications are nobody's answer. */
		mnl_cb_run(buf, n, 0, 0, lb_neigh_mon_msg, m);
	}
	/* More may be queued; the "lost" report waits for an empty queue. */
	if (m->lost)
		event_active(m->ev, EV_READ, 0);
}

int lb_neigh_mon_start(struct event_base *base, lb_neigh_cb cb,
		       lb_neigh_link_cb link_cb, void *arg,
		       struct lb_neigh_mon **out)
{
	int grp = RTNLGRP_NEIGH, lgrp = RTNLGRP_LINK, err;
	struct lb_neigh_mon *m;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cb = cb;
	m->link_cb = link_cb;
	m->arg = arg;
	m->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!m->nl) {
		err = -errno;
		goto out;
	}
	if (mnl_socket_bind(m->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	if (mnl_socket_setsockopt(m->nl, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0 ||
	    (link_cb && mnl_socket_setsockopt(m->nl, NETLINK_ADD_MEMBERSHIP,
					      &lgrp, sizeof(lgrp)) < 0)) {
		err = -errno;
		goto out;
	}
	m->ev = event_new(base, mnl_socket_get_fd(m->nl), EV_READ | EV_PERSIST,
			  lb_neigh_mon_read, m);
	if (!m->ev || event_add(m->ev, NULL)) {
		err = -ENOMEM;
		goto out;
	}
	*out = m;
	return 0;
out:
	lb_neigh_mon_stop(m);
	return err;
}

void lb_neigh_mon_stop(struct lb_neigh_mon *m)
{
	if (!m)
		return;
	if (m->ev)
		event_free(m->ev);
	if (m->nl)
		mnl_socket_close(m->nl);
	free(m);
}
