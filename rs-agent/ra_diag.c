// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Connection counts from sock_diag: one dump per (family, protocol) that a
 * key needs, whatever the number of keys, with the state filter and an
 * inet_diag bytecode filter on (local address, local port) in the request,
 * so the kernel sends only the sockets that count.  AF_INET6 is dumped for
 * IPv4 keys too: a dual-stack listener's clients of an IPv4 VIP are
 * AF_INET6 sockets with the local address ::ffff:a.b.c.d.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <libmnl/libmnl.h>

#include "keel_maps.h"
#include "keel_nl.h"
#include "ra_diag.h"

/*
 * Room for the filter; past it (hundreds of keys) the kernel sends every
 * socket in the state and the counting below still matches each one.
 */
#define RA_DIAG_BC_MAX 8192

struct ra_diag {
	struct keel_nl nl;
	uint8_t bc[RA_DIAG_BC_MAX];
	char req[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2)) +
		 MNL_ATTR_HDRLEN + RA_DIAG_BC_MAX];
};

/* What one dump counts into. */
struct ra_diag_run {
	const struct ra_diag_key *keys;
	size_t n;
	uint32_t *counts;
	uint8_t proto;
};

static const uint8_t ra_v4mapped[12] = { 0, 0, 0, 0, 0,	   0,
					 0, 0, 0, 0, 0xff, 0xff };

int ra_diag_open(struct ra_diag **out)
{
	struct ra_diag *d;
	int err;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	err = keel_nl_open(&d->nl, NETLINK_SOCK_DIAG);
	if (err) {
		free(d);
		return err;
	}
	*out = d;
	return 0;
}

void ra_diag_close(struct ra_diag *d)
{
	if (!d)
		return;
	keel_nl_close(&d->nl);
	free(d);
}

static bool ra_diag_key_ok(const struct ra_diag_key *k)
{
	return (k->family == KEEL_F_INET || k->family == KEEL_F_INET6) &&
	       (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP);
}

/* Does a socket of this dump's family have to be looked at for k? */
static bool ra_diag_key_in(const struct ra_diag_key *k, int af, uint8_t proto)
{
	if (k->proto != proto)
		return false;
	/* AF_INET6 sockets may hold IPv4 keys' connections, v4-mapped. */
	return af == AF_INET6 || k->family == KEEL_F_INET;
}

static bool ra_diag_match(const struct ra_diag_key *k, int af,
			  const uint8_t *src, uint16_t sport)
{
	if (k->port && k->port != sport)
		return false;
	if (k->family == KEEL_F_INET6)
		return af == AF_INET6 && memcmp(src, k->addr, 16) == 0;
	if (af == AF_INET)
		return memcmp(src, k->addr, 4) == 0;
	return memcmp(src, ra_v4mapped, 12) == 0 &&
	       memcmp(src + 12, k->addr, 4) == 0;
}

static int ra_diag_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct ra_diag_run *r = arg;
	uint16_t sport;
	size_t i;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) ||
	    (m->idiag_family != AF_INET && m->idiag_family != AF_INET6))
		return MNL_CB_OK;
	sport = ntohs(m->id.idiag_sport);
	for (i = 0; i < r->n; i++)
		if (r->keys[i].proto == r->proto &&
		    ra_diag_key_ok(&r->keys[i]) &&
		    ra_diag_match(&r->keys[i], m->idiag_family,
				  (const uint8_t *)m->id.idiag_src, sport))
			r->counts[i]++;
	return MNL_CB_OK;
}

/*
 * The filter: accept a socket whose local (address, port) matches a key.
 * inet_diag bytecode runs forward only: a matching S_COND falls through to
 * a JMP to the end (accept), a failing one skips that JMP to the next
 * key's S_COND; the last key's failure jumps past the end (reject).  This
 * is how iproute2's ss compiles "or".  Returns the length, 0 when there
 * is no key or no room (no filter).
 */
static size_t ra_diag_bc(uint8_t *bc, size_t room,
			 const struct ra_diag_key *keys, size_t n, int af,
			 uint8_t proto)
{
	size_t i, j, len = 0;
	bool any = false;

	for (i = 0; i < n; i++) {
		const struct ra_diag_key *k = &keys[i];
		size_t alen = k->family == KEEL_F_INET6 ? 16 : 4;
		size_t oplen = sizeof(struct inet_diag_bc_op) +
			       sizeof(struct inet_diag_hostcond) + alen;
		struct inet_diag_bc_op *op, *jmp;
		struct inet_diag_hostcond *hc;

		if (!ra_diag_key_ok(k) || !ra_diag_key_in(k, af, proto))
			continue;
		for (j = 0; j < i; j++)
			if (keys[j].family == k->family &&
			    keys[j].proto == k->proto &&
			    keys[j].port == k->port &&
			    memcmp(keys[j].addr, k->addr, alen) == 0)
				break;
		if (j < i)
			continue; /* the same condition is there already */
		if (len + oplen + sizeof(*jmp) > room)
			return 0;
		op = (struct inet_diag_bc_op *)(bc + len);
		op->code = INET_DIAG_BC_S_COND;
		op->yes = oplen;
		op->no = oplen + sizeof(*jmp);
		hc = (struct inet_diag_hostcond *)(op + 1);
		hc->family = k->family == KEEL_F_INET6 ? AF_INET6 : AF_INET;
		hc->prefix_len = alen * 8;
		hc->port = k->port ? k->port : -1;
		memcpy(hc->addr, k->addr, alen);
		len += oplen;
		jmp = (struct inet_diag_bc_op *)(bc + len);
		jmp->code = INET_DIAG_BC_JMP;
		jmp->yes = sizeof(*jmp);
		jmp->no = 0; /* set below, once the end is known */
		len += sizeof(*jmp);
		any = true;
	}
	if (!any)
		return 0;
	/* The last key needs no JMP: its "yes" is the end, its "no" past it. */
	len -= sizeof(struct inet_diag_bc_op);
	for (i = 0; i < len;) {
		struct inet_diag_bc_op *op = (struct inet_diag_bc_op *)(bc + i);

		if (op->code == INET_DIAG_BC_JMP)
			op->no = len - i;
		i += op->yes;
	}
	return len;
}

static int ra_diag_dump(struct ra_diag *d, int af, uint8_t proto,
			struct ra_diag_run *r)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	size_t i, bclen;
	int port = -1;

	for (i = 0; i < r->n; i++) {
		const struct ra_diag_key *k = &r->keys[i];

		if (!ra_diag_key_ok(k) || !ra_diag_key_in(k, af, proto))
			continue;
		/* One port for every key: the kernel's cheapest test. */
		if (port == -1)
			port = k->port;
		else if (port != k->port)
			port = 0;
	}
	if (port == -1)
		return 0; /* no key needs this dump */
	memset(d->req, 0, MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*req)));
	nlh = mnl_nlmsg_put_header(d->req);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = af;
	req->sdiag_protocol = proto;
	/* Connected UDP sockets are in TCP_ESTABLISHED too. */
	req->idiag_states = 1U << TCP_ESTABLISHED;
	req->id.idiag_sport = htons(port);
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	bclen = ra_diag_bc(d->bc, sizeof(d->bc), r->keys, r->n, af, proto);
	if (bclen)
		mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, bclen, d->bc);
	r->proto = proto;
	return keel_nl_talk(&d->nl, nlh, ra_diag_cb, r);
}

int ra_diag_count(struct ra_diag *d, const struct ra_diag_key *keys, size_t n,
		  uint32_t *counts)
{
	static const int afs[] = { AF_INET, AF_INET6 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct ra_diag_run r = { .keys = keys, .n = n, .counts = counts };
	size_t a, p;
	int err, tries;

	if (!n)
		return 0;
	for (tries = 0; tries < 3; tries++) {
		memset(counts, 0, n * sizeof(*counts));
		err = 0;
		for (p = 0; !err && p < 2; p++)
			for (a = 0; !err && a < 2; a++)
				err = ra_diag_dump(d, afs[a], protos[p], &r);
		/* A dump that met a change of the table is counted again. */
		if (err != -EINTR)
			break;
	}
	if (err)
		memset(counts, 0, n * sizeof(*counts));
	return err;
}
