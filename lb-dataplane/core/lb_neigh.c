// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "keel_nl.h"
#include "lb_neigh.h"

/* A neighbour dump: each resolved entry given to fn. */
struct lb_neigh_walk {
	void (*fn)(void *arg, const struct lb_neigh_entry *e);
	void *arg;
};

static int lb_neigh_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct lb_neigh_walk *w = arg;
	struct lb_neigh_entry e = {};
	const struct nlattr *a;
	const void *dst = NULL, *ll = NULL;
	size_t dst_len = 0, ll_len = 0, alen;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nd) ||
	    !(nd->ndm_state & LB_NUD_RESOLVED) || (nd->ndm_flags & NTF_PROXY))
		return MNL_CB_OK;
	if (nd->ndm_family == AF_INET) {
		e.family = KEEL_F_INET;
		alen = 4;
	} else if (nd->ndm_family == AF_INET6) {
		e.family = KEEL_F_INET6;
		alen = 16;
	} else {
		return MNL_CB_OK;
	}
	mnl_attr_for_each(a, nlh, sizeof(*nd)) {
		if (mnl_attr_get_type(a) == NDA_DST) {
			dst = mnl_attr_get_payload(a);
			dst_len = mnl_attr_get_payload_len(a);
		} else if (mnl_attr_get_type(a) == NDA_LLADDR) {
			ll = mnl_attr_get_payload(a);
			ll_len = mnl_attr_get_payload_len(a);
		}
	}
	if (!dst || dst_len != alen || !ll || ll_len != 6)
		return MNL_CB_OK;
	memcpy(e.addr, dst, alen);
	memcpy(e.mac, ll, 6);
	e.ifindex = nd->ndm_ifindex;
	w->fn(w->arg, &e);
	return MNL_CB_OK;
}

/* One dump of the kernel's neighbour table(s) of af (AF_UNSPEC: both). */
static int lb_neigh_walk(uint8_t af, struct lb_neigh_walk *w)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ndmsg *nd;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = af;
	return keel_nl_once(NETLINK_ROUTE, nlh, lb_neigh_dump_cb, w);
}

struct lb_neigh_q {
	struct lb_neigh_entry want, got;
	bool found;
};

static void lb_neigh_match(void *arg, const struct lb_neigh_entry *e)
{
	struct lb_neigh_q *q = arg;

	if (!q->found && e->family == q->want.family &&
	    !memcmp(e->addr, q->want.addr, 16)) {
		q->got = *e;
		q->found = true;
	}
}

int lb_neigh_lookup(uint8_t family, const __be32 addr[4], uint8_t mac[6],
		    int *ifindex)
{
	struct lb_neigh_q q = {};
	struct lb_neigh_walk w = { lb_neigh_match, &q };
	int err;

	q.want.family = family == KEEL_F_INET6 ? KEEL_F_INET6 : KEEL_F_INET;
	memcpy(q.want.addr, addr, q.want.family == KEEL_F_INET6 ? 16 : 4);
	err = lb_neigh_walk(family == KEEL_F_INET6 ? AF_INET6 : AF_INET, &w);
	if (err)
		return err;
	if (!q.found)
		return -ENOENT;
	memcpy(mac, q.got.mac, 6);
	*ifindex = q.got.ifindex;
	return 0;
}

struct lb_neigh_fill {
	struct lb_neigh_table *t;
	int err;
};

static void lb_neigh_add(void *arg, const struct lb_neigh_entry *e)
{
	struct lb_neigh_fill *f = arg;
	struct lb_neigh_table *t = f->t;
	struct lb_neigh_entry *v;
	size_t cap;

	/* The first entry for an address wins, as lb_neigh_lookup's. */
	if (f->err || lb_neigh_table_find(t, e->family, e->addr))
		return;
	if (t->n == t->cap) {
		cap = t->cap ? 2 * t->cap : 256;
		v = realloc(t->v, cap * sizeof(*v));
		if (!v) {
			f->err = -ENOMEM;
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	if (lb_htab_add(&t->idx, lb_htab_hash_addr(e->family, e->addr), t->n)) {
		f->err = -ENOMEM;
		return;
	}
	t->v[t->n++] = *e;
}

int lb_neigh_dump(struct lb_neigh_table *t)
{
	struct lb_neigh_fill f = { .t = t };
	struct lb_neigh_walk w = { lb_neigh_add, &f };
	int err;

	memset(t, 0, sizeof(*t));
	err = lb_neigh_walk(AF_UNSPEC, &w);
	if (!err)
		err = f.err;
	if (err)
		lb_neigh_table_free(t);
	return err;
}

const struct lb_neigh_entry *lb_neigh_table_find(const struct lb_neigh_table *t,
						 uint8_t family,
						 const __be32 addr[4])
{
	uint32_t cur = LB_HTAB_START, i;

	while ((i = lb_htab_next(&t->idx, lb_htab_hash_addr(family, addr),
				 &cur)) != LB_HTAB_NONE)
		if (t->v[i].family == family && !memcmp(t->v[i].addr, addr, 16))
			return &t->v[i];
	return NULL;
}

void lb_neigh_table_free(struct lb_neigh_table *t)
{
	free(t->v);
	lb_htab_free(&t->idx);
	memset(t, 0, sizeof(*t));
}

struct lb_link_q {
	uint8_t mac[6];
	int found;
};

static int lb_link_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct lb_link_q *q = arg;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) == IFLA_ADDRESS &&
		    mnl_attr_get_payload_len(a) == 6) {
			memcpy(q->mac, mnl_attr_get_payload(a), 6);
			q->found = 1;
		}
	}
	return MNL_CB_OK;
}

int lb_link_mac(int ifindex, uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct lb_link_q q = {};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	/* The ACK ends the exchange: a plain get has no NLMSG_DONE. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	err = keel_nl_once(NETLINK_ROUTE, nlh, lb_link_cb, &q);
	if (err)
		return err;
	if (!q.found)
		return -ENOENT;
	memcpy(mac, q.mac, 6);
	return 0;
}

/* KEEL_F_* -> AF_* and address length; -EAFNOSUPPORT for anything else. */
static int lb_neigh_af(uint8_t family, uint8_t *af, size_t *alen)
{
	switch (family) {
	case KEEL_F_INET:
		*af = AF_INET;
		*alen = 4;
		return 0;
	case KEEL_F_INET6:
		*af = AF_INET6;
		*alen = 16;
		return 0;
	}
	return -EAFNOSUPPORT;
}

struct lb_route_q {
	int oif;
	int gateway;
};

static int lb_route_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct lb_route_q *q = arg;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_OIF:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				q->oif = mnl_attr_get_u32(a);
			break;
		case RTA_GATEWAY:
		case RTA_VIA:
			q->gateway = 1;
			break;
		}
	}
	return MNL_CB_OK;
}

int lb_route_oif(uint8_t family, const __be32 addr[4], int *ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct lb_route_q q = {};
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint8_t af;
	size_t alen;
	int err;

	err = lb_neigh_af(family, &af, &alen);
	if (err)
		return err;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = af;
	rtm->rtm_dst_len = alen * 8;
	mnl_attr_put(nlh, RTA_DST, alen, addr);
	err = keel_nl_once(NETLINK_ROUTE, nlh, lb_route_cb, &q);
	if (err)
		return err;
	if (q.gateway)
		return -EREMOTE;
	if (!q.oif)
		return -ENETUNREACH;
	*ifindex = q.oif;
	return 0;
}

int lb_neigh_resolve(uint8_t family, const __be32 addr[4], int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ndmsg *nd;
	uint8_t af;
	size_t alen;
	int err;

	err = lb_neigh_af(family, &af, &alen);
	if (err)
		return err;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	/*
	 * NTF_USE makes neigh_add() call neigh_event_send() (what an outgoing
	 * packet would do) instead of setting a state; NLM_F_CREATE lets it
	 * start from no entry.  No NLM_F_REPLACE: a resolved MAC is kept.
	 */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = af;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_NONE;
	nd->ndm_flags = NTF_USE;
	mnl_attr_put(nlh, NDA_DST, alen, addr);
	return keel_nl_once(NETLINK_ROUTE, nlh, NULL, NULL);
}
