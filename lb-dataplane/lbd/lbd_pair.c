// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's side of the LB pair (lbd_pair.h; docs/pair.md): the socket, the
 * HELLO clock, the receive checks in order, FLOWS batching, status and
 * metrics.  The per-peer session rules are lb_pair_sess.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <event2/event.h>
#include <sodium.h>

#include "keel_addr.h"
#include "keel_clock.h"
#include "keel_log.h"
#include "keel_prom.h"
#include "keel_report.h"
#include "lb_flow.h"
#include "lb_pair_sess.h"
#include "lbd.h"
#include "lbd_admin.h"
#include "lbd_loop.h"
#include "lbd_pair.h"

#define LBD_PAIR_BATCH 64 /* datagrams per recvmmsg / sendmmsg */
#define LBD_PAIR_RX_ROUNDS 4 /* at most 256 datagrams per loop turn */
#define LBD_PAIR_SOCKBUF (4 << 20)
#define LBD_PAIR_CS6 0xc0 /* DSCP 48 (CS6, network control) << 2 */
#define LBD_PAIR_IP_UDP 48 /* IPv6 + UDP headers: the largest datagram */
#define LBD_PAIR_WAIT_MAX 65536 /* records kept for a peer not ready */
#define LBD_PAIR_WAIT_US 1000000ULL /* ... for at most 1 s */
#define LBD_PAIR_WAIT_POLL_MS 100
#define LBD_PAIR_DRAIN_MS 5 /* the XDP records taken every 5 ms */
#define LBD_PAIR_PARK_MAX 65536 /* a peer's records for reals not here yet */
/* Records received in one burst, merged with one lb_flow_in_apply(): a
 * BPF_PROG_RUN costs ~9 us whatever its size (bench_sync pipeline). */
#define LBD_PAIR_IN_MAX 4096
/* The most records a FLOWS body holds (IPv4 records, largest MTU). */
#define LBD_PAIR_RECS_MAX \
	((KEEL_SYNC_BODY_MAX - KEEL_SYNC_FLOWS_HDR_LEN) / KEEL_SYNC_REC_LEN(4))

struct lbd_pair_wait {
	struct keel_sync_rec r;
	uint64_t at_us;
};

struct lbd_pair_peer {
	struct lb_cfg_peer cfg;
	struct sockaddr_storage sa;
	socklen_t salen;
	struct lb_pair_sess s;
	uint64_t sent[KEEL_SYNC_TYPE_MAX + 1]; /* datagrams, by type */
	uint64_t recs_sent, recs_rcvd, dg_rcvd, not_ready;
	uint64_t rejected[LB_PAIR_RX__MAX];
	/* the pending FLOWS body: encoded when sent (queue_us known then) */
	struct keel_sync_rec pend[LBD_PAIR_RECS_MAX];
	size_t n_pend, pend_len; /* records, body bytes they take */
	uint64_t oldest_us;
	/* records waiting for the session (a ring, allocated when needed) */
	struct lbd_pair_wait *wait;
	size_t wait_head, wait_n;
	bool has_queue;
	uint32_t last_queue_us; /* of the last FLOWS received */
	/* admin anti-entropy: HELLOs in a row whose admin digest differed
	 * from ours, when DIGESTS were last sent, registers both ways */
	uint32_t admin_differ;
	uint64_t digests_us;
	uint64_t admin_sent, admin_rcvd, admin_changed;
};

struct lbd_pair {
	int fd;
	int family; /* the socket's */
	char listen[LB_CFG_NAME_MAX];
	uint16_t node;
	struct event *rx_ev, *hello_ev, *flush_ev;
	bool flush_armed;
	struct lbd_pair_peer *peers[LB_CFG_PEERS_MAX];
	size_t n_peers;
	uint8_t key[KEEL_SYNC_KEY_LEN], prev[KEEL_SYNC_KEY_LEN];
	uint32_t key_id, prev_id;
	bool has_prev;
	size_t body_max; /* of a datagram at pair.mtu */
	uint64_t results[LB_PAIR_RX__MAX];
	struct keel_ratelimit rl[LB_PAIR_RX__MAX];
	uint32_t rx_overflow; /* the kernel's drops (SO_RXQ_OVFL) */
	uint64_t records_in; /* handed to lbd_pair_on_records() */
	uint64_t tx_errors;
	/* the flow records (lb_flow.h): XDP's out, the peers' in */
	bool out_on; /* the ring is read and the program writes records */
	struct lb_flow_out out;
	struct lb_flow_in in;
	struct event *drain_ev;
	struct keel_sync_rec *inbuf; /* LBD_PAIR_IN_MAX, merged per burst */
	size_t n_in;
	uint64_t in_errors, emit_refused;
	struct keel_ratelimit in_rl;
	/* the send batch */
	size_t tx_n;
	struct lbd_pair_peer *tx_peer[LBD_PAIR_BATCH];
	uint8_t tx_type[LBD_PAIR_BATCH];
	struct iovec tx_iov[LBD_PAIR_BATCH];
	struct mmsghdr tx_msg[LBD_PAIR_BATCH];
	uint8_t tx_buf[LBD_PAIR_BATCH][KEEL_SYNC_LEN_MAX];
};

static const char *const lbd_pair_type_names[KEEL_SYNC_TYPE_MAX + 1] = {
	[KEEL_SYNC_HELLO] = "hello",
	[KEEL_SYNC_FLOWS] = "flows",
	[KEEL_SYNC_BULK_REQ] = "bulk_req",
	[KEEL_SYNC_BULK_DATA] = "bulk_data",
	[KEEL_SYNC_ADMIN] = "admin",
	[KEEL_SYNC_DIGESTS] = "digests",
	[KEEL_SYNC_TABLE_REQ] = "table_req",
	[KEEL_SYNC_TABLE_DATA] = "table_data",
};

static const char *const lbd_pair_why[LB_PAIR_RX__MAX] = {
	[LB_PAIR_RX_UNKNOWN_SOURCE] = "not from a configured peer's address",
	[LB_PAIR_RX_MALFORMED] = "malformed",
	[LB_PAIR_RX_VERSION] = "a wire version this lbd does not speak",
	[LB_PAIR_RX_AUTH] = "does not verify (wrong key or key id, or altered)",
	[LB_PAIR_RX_REPLAY] = "replayed or too old",
	[LB_PAIR_RX_WRONG_PEER] =
		"another node id (a clash with ours, or not the session's)",
	[LB_PAIR_RX_NO_SESSION] = "data on a stream with no session",
	[LB_PAIR_RX_UNEXPECTED] =
		"valid but not expected (not built yet, or not asked for)",
};

/* ---- addresses ---- */

/* A peer's address as the socket sends to it (IPv4 mapped on [::]). */
static void lbd_pair_peer_sa(const struct lb_cfg_peer *c, int family,
			     struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(c->port);
		s4->sin_addr.s_addr = c->addr[0];
		*len = sizeof(*s4);
		return;
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(c->port);
	if (c->family == KEEL_F_INET) {
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&s6->sin6_addr.s6_addr[12], c->addr, 4);
	} else {
		memcpy(&s6->sin6_addr, c->addr, 16);
	}
	*len = sizeof(*s6);
}

/* The source as (family, address, port); false for another family. */
static bool lbd_pair_src(const struct sockaddr_storage *ss, uint8_t *family,
			 __be32 addr[4], uint16_t *port)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		*family = KEEL_F_INET;
		addr[0] = s4->sin_addr.s_addr;
		*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		*port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			*family = KEEL_F_INET;
			memcpy(addr, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			*family = KEEL_F_INET6;
			memcpy(addr, &s6->sin6_addr, 16);
		}
	} else {
		return false;
	}
	return true;
}

/* The peer at (family, addr, port): its index in p->peers, or -1. */
static int lbd_pair_find_at(const struct lbd_pair *p, uint8_t family,
			    const __be32 addr[4], uint16_t port)
{
	size_t i;

	for (i = 0; i < p->n_peers; i++) {
		const struct lb_cfg_peer *c = &p->peers[i]->cfg;

		if (c->family == family && c->port == port &&
		    !memcmp(c->addr, addr, family == KEEL_F_INET ? 4 : 16))
			return (int)i;
	}
	return -1;
}

static struct lbd_pair_peer *lbd_pair_find(struct lbd_pair *p, uint8_t family,
					   const __be32 addr[4], uint16_t port)
{
	int i = lbd_pair_find_at(p, family, addr, port);

	return i < 0 ? NULL : p->peers[i];
}

/* ---- sending ---- */

static void lbd_pair_tx_flush(struct lbd_pair *p)
{
	static struct keel_ratelimit rl = { .interval_ms = 10000, .burst = 5 };
	size_t done = 0, i;
	int n, err = 0;

	while (done < p->tx_n) {
		n = sendmmsg(p->fd, p->tx_msg + done, p->tx_n - done,
			     MSG_DONTWAIT);
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		for (i = done; i < done + (size_t)n; i++)
			p->tx_peer[i]->sent[p->tx_type[i]]++;
		done += n;
	}
	if (done < p->tx_n) {
		/* A full socket buffer or an unreachable peer: the datagram
		 * is lost like any on the wire; HELLOs and re-announces heal. */
		p->tx_errors += p->tx_n - done;
		if (keel_ratelimit_ok(&rl, keel_now_ms(), NULL))
			keel_log(LOG_WARNING,
				 "pair: %zu datagrams not sent: %s",
				 p->tx_n - done, strerror(err));
	}
	p->tx_n = 0;
}

/* Seal body as type for peer into the send batch (sent when full). */
static void lbd_pair_tx(struct lbd_pair *p, struct lbd_pair_peer *pe,
			uint8_t type, uint8_t version, const uint8_t *body,
			size_t n)
{
	struct keel_sync_hdr h = { .version = version,
				   .type = type,
				   .key_id = p->key_id };
	size_t i;
	int len;

	if (p->tx_n == LBD_PAIR_BATCH)
		lbd_pair_tx_flush(p);
	i = p->tx_n;
	memcpy(h.stream, pe->s.tx_stream, sizeof(h.stream));
	h.seq = lb_pair_sess_next_seq(&pe->s);
	len = keel_sync_seal(p->tx_buf[i], sizeof(p->tx_buf[i]), &h, body, n,
			     p->key);
	if (len < 0) {
		p->tx_errors++;
		return;
	}
	p->tx_iov[i] = (struct iovec){ p->tx_buf[i], (size_t)len };
	memset(&p->tx_msg[i], 0, sizeof(p->tx_msg[i]));
	p->tx_msg[i].msg_hdr.msg_name = &pe->sa;
	p->tx_msg[i].msg_hdr.msg_namelen = pe->salen;
	p->tx_msg[i].msg_hdr.msg_iov = &p->tx_iov[i];
	p->tx_msg[i].msg_hdr.msg_iovlen = 1;
	p->tx_peer[i] = pe;
	p->tx_type[i] = type;
	p->tx_n++;
}

static void lbd_pair_hello(struct lbd *d, struct lbd_pair_peer *pe,
			   uint64_t now_us)
{
	struct lbd_pair *p = d->pair;
	struct keel_sync_hello m = {
		.node = p->node,
		.wire_min = KEEL_SYNC_VERSION_MIN,
		.wire_max = KEEL_SYNC_VERSION,
		.conns = d->conn_entries,
		.services = d->m.n_svcs > UINT16_MAX ? UINT16_MAX :
						       (uint16_t)d->m.n_svcs,
	};
	uint8_t body[KEEL_SYNC_HELLO_LEN];
	int n;

	memcpy(m.admin_digest, d->admin.global, sizeof(m.admin_digest));
	m.admin_hlc = d->admin.hlc;
	if (lb_pair_fsm_synced(&d->pair_fsm))
		m.flags |= KEEL_SYNC_HELLO_F_SYNCED;
	if (d->pair_fsm.state == LB_PAIR_BULK)
		m.flags |= KEEL_SYNC_HELLO_F_BULK;
	if (d->pair_fsm.state == LB_PAIR_SYNCED &&
	    d->pair_fsm.mode == LB_PAIR_M_ALONE)
		m.flags |= KEEL_SYNC_HELLO_F_ALONE;
	lb_pair_sess_hello_fill(&pe->s, now_us, (uint64_t)time(NULL) * 1000,
				&m);
	n = keel_sync_hello_encode(body, sizeof(body), &m);
	/* HELLO in the oldest version spoken: any peer can read it. */
	if (n > 0)
		lbd_pair_tx(p, pe, KEEL_SYNC_HELLO, KEEL_SYNC_VERSION_MIN, body,
			    (size_t)n);
}

/* The pending records of pe as one FLOWS datagram. */
static void lbd_pair_flows_send(struct lbd_pair *p, struct lbd_pair_peer *pe,
				uint64_t now_us)
{
	uint8_t body[KEEL_SYNC_BODY_MAX];
	struct keel_sync_wr w;
	uint64_t age = now_us - pe->oldest_us;
	uint8_t ver = pe->s.peer.wire_max ? pe->s.peer.wire_max : 1;
	size_t i;
	int n;

	if (!pe->n_pend)
		return;
	keel_sync_flows_begin(&w, body, p->body_max,
			      age > UINT32_MAX ? UINT32_MAX : (uint32_t)age);
	for (i = 0; i < pe->n_pend; i++)
		keel_sync_rec_put(&w, &pe->pend[i]);
	n = keel_sync_wr_end(&w);
	if (ver > KEEL_SYNC_VERSION)
		ver = KEEL_SYNC_VERSION;
	if (n > 0) {
		lbd_pair_tx(p, pe, KEEL_SYNC_FLOWS, ver, body, (size_t)n);
		pe->recs_sent += w.count;
	}
	pe->n_pend = 0;
	pe->pend_len = KEEL_SYNC_FLOWS_HDR_LEN;
}

static void lbd_pair_arm(struct lbd *d)
{
	struct lbd_pair *p = d->pair;
	uint32_t ms = d->cfg.pair.batch_delay_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (p->flush_armed)
		return;
	if (!evtimer_add(p->flush_ev, &tv))
		p->flush_armed = true;
}

/* Into pe's pending body; a full body is sent first. */
static void lbd_pair_pend(struct lbd_pair *p, struct lbd_pair_peer *pe,
			  const struct keel_sync_rec *r, uint64_t at_us,
			  uint64_t now_us)
{
	size_t len = KEEL_SYNC_REC_LEN(r->family);

	if (pe->n_pend && (pe->pend_len + len > p->body_max ||
			   pe->n_pend == LBD_PAIR_RECS_MAX))
		lbd_pair_flows_send(p, pe, now_us);
	if (!pe->n_pend) {
		pe->oldest_us = at_us;
		pe->pend_len = KEEL_SYNC_FLOWS_HDR_LEN;
	}
	pe->pend[pe->n_pend++] = *r;
	pe->pend_len += len;
}

static void lbd_pair_wait_push(struct lbd_pair_peer *pe,
			       const struct keel_sync_rec *r, uint64_t now_us)
{
	if (!pe->wait) {
		pe->wait = calloc(LBD_PAIR_WAIT_MAX, sizeof(*pe->wait));
		if (!pe->wait) {
			pe->not_ready++;
			return;
		}
	}
	if (pe->wait_n == LBD_PAIR_WAIT_MAX) {
		pe->not_ready++;
		return;
	}
	pe->wait[(pe->wait_head + pe->wait_n) % LBD_PAIR_WAIT_MAX] =
		(struct lbd_pair_wait){ *r, now_us };
	pe->wait_n++;
}

/* Waiting records: too old ones dropped, the rest sent once pe is ready. */
static void lbd_pair_wait_run(struct lbd *d, struct lbd_pair_peer *pe,
			      uint64_t now_us)
{
	struct lbd_pair *p = d->pair;
	uint64_t dead = d->cfg.pair.dead_after_ms * 1000ULL;
	bool ready = lb_pair_sess_can_send(&pe->s, now_us, dead);
	struct lbd_pair_wait *w;

	while (pe->wait_n) {
		w = &pe->wait[pe->wait_head];
		if (now_us - w->at_us > LBD_PAIR_WAIT_US)
			pe->not_ready++;
		else if (ready)
			lbd_pair_pend(p, pe, &w->r, w->at_us, now_us);
		else
			break;
		pe->wait_head = (pe->wait_head + 1) % LBD_PAIR_WAIT_MAX;
		pe->wait_n--;
	}
}

int lbd_pair_emit(struct lbd *d, const struct keel_sync_rec *r)
{
	struct lbd_pair *p = d->pair;
	uint64_t now = keel_now_us(), dead;
	struct keel_sync_wr w;
	uint8_t probe[KEEL_SYNC_FLOWS_HDR_LEN + 60];
	size_t i;

	if (!p)
		return 0;
	/* What the codec refuses must not sit in a body it will refuse. */
	keel_sync_flows_begin(&w, probe, sizeof(probe), 0);
	if (keel_sync_rec_put(&w, r))
		return -EINVAL;
	dead = d->cfg.pair.dead_after_ms * 1000ULL;
	for (i = 0; i < p->n_peers; i++) {
		struct lbd_pair_peer *pe = p->peers[i];

		if (!pe->wait_n && lb_pair_sess_can_send(&pe->s, now, dead))
			lbd_pair_pend(p, pe, r, now, now);
		else
			lbd_pair_wait_push(pe, r, now);
	}
	lbd_pair_arm(d);
	return 0;
}

static void lbd_on_pair_flush(evutil_socket_t fd, short what, void *arg)
{
	struct lbd *d = arg;
	struct lbd_pair *p = d->pair;
	uint64_t now = keel_now_us(), delay;
	bool again = false;
	size_t i;

	(void)fd;
	(void)what;
	p->flush_armed = false;
	delay = d->cfg.pair.batch_delay_ms * 1000ULL;
	for (i = 0; i < p->n_peers; i++) {
		struct lbd_pair_peer *pe = p->peers[i];

		lbd_pair_wait_run(d, pe, now);
		if (pe->n_pend && now - pe->oldest_us + 500 >= delay)
			lbd_pair_flows_send(p, pe, now);
		again |= pe->n_pend || pe->wait_n;
	}
	lbd_pair_tx_flush(p);
	if (again)
		lbd_pair_arm(d);
	lbd_loop_note(d);
}

/* ---- receiving ---- */

static void lbd_pair_link_log(struct lbd *d, struct lbd_pair_peer *pe,
			      uint64_t now_us)
{
	uint64_t dead = d->cfg.pair.dead_after_ms * 1000ULL;

	if (!lb_pair_sess_tick(&pe->s, now_us, dead))
		return;
	switch (pe->s.link) {
	case LB_PAIR_LINK_UP:
		keel_log(LOG_NOTICE, "pair: link to %s (%s) up, rtt %.2f ms",
			 pe->cfg.name, pe->cfg.address,
			 pe->s.has_rtt ? pe->s.rtt_us / 1000.0 : 0.0);
		break;
	case LB_PAIR_LINK_ONE_WAY:
		keel_log(LOG_WARNING,
			 "pair: link to %s (%s) one-way: %s does not hear us",
			 pe->cfg.name, pe->cfg.address, pe->cfg.name);
		break;
	case LB_PAIR_LINK_DOWN:
		keel_log(LOG_WARNING,
			 "pair: link to %s (%s) down: no HELLO for %u ms",
			 pe->cfg.name, pe->cfg.address,
			 d->cfg.pair.dead_after_ms);
		break;
	default:
		break;
	}
}

/* Step 7: the body of its type; recs filled for FLOWS and BULK_DATA. */
/* What the last ADMIN or DIGESTS parsed held (one datagram at a time). */
static struct {
	struct keel_sync_admin ad;
	struct keel_sync_reg regs[KEEL_SYNC_BODY_MAX / KEEL_SYNC_REG_LEN];
	struct keel_sync_digests ds;
	struct keel_sync_digest
		dg[KEEL_SYNC_BODY_MAX / KEEL_SYNC_DIGEST_ENTRY_LEN];
} lbd_rx;

static int lbd_pair_parse(uint8_t type, const uint8_t *b, size_t n,
			  struct keel_sync_hello *hello,
			  struct keel_sync_flows *fl,
			  struct keel_sync_rec *recs, size_t max,
			  size_t *n_recs)
{
	static struct keel_sync_svc svcs[KEEL_SYNC_BODY_MAX / KEEL_SYNC_SVC_LEN];
	static struct keel_sync_table
		tabs[KEEL_SYNC_BODY_MAX / KEEL_SYNC_TABLE_LEN];
	static struct keel_sync_table_real
		tr[KEEL_SYNC_BODY_MAX / KEEL_SYNC_TABLE_REAL_LEN];
	struct keel_sync_bulk_data bd;
	struct keel_sync_bulk_req br;
	size_t nt, nr;
	uint16_t cnt;
	int ret;

	*n_recs = 0;
	switch (type) {
	case KEEL_SYNC_HELLO:
		return keel_sync_hello_parse(b, n, hello);
	case KEEL_SYNC_FLOWS:
		ret = keel_sync_flows_parse(b, n, fl, recs, max);
		if (!ret)
			*n_recs = fl->count;
		return ret;
	case KEEL_SYNC_BULK_DATA:
		ret = keel_sync_bulk_data_parse(b, n, &bd, recs, max);
		if (!ret)
			*n_recs = bd.count;
		return ret;
	case KEEL_SYNC_BULK_REQ:
		return keel_sync_bulk_req_parse(b, n, &br);
	case KEEL_SYNC_ADMIN:
		return keel_sync_admin_parse(b, n, &lbd_rx.ad, lbd_rx.regs,
					     sizeof(lbd_rx.regs) /
						     sizeof(lbd_rx.regs[0]));
	case KEEL_SYNC_DIGESTS:
		return keel_sync_digests_parse(b, n, &lbd_rx.ds, lbd_rx.dg,
					       sizeof(lbd_rx.dg) /
						       sizeof(lbd_rx.dg[0]));
	case KEEL_SYNC_TABLE_REQ:
		return keel_sync_table_req_parse(
			b, n, &cnt, svcs, sizeof(svcs) / sizeof(svcs[0]));
	case KEEL_SYNC_TABLE_DATA:
		return keel_sync_table_data_parse(
			b, n, tabs, sizeof(tabs) / sizeof(tabs[0]), &nt, tr,
			sizeof(tr) / sizeof(tr[0]), &nr);
	default:
		return -EBADMSG;
	}
}

/* ---- one admin truth (docs/pair.md, "One admin truth") ---- */

#define LBD_PAIR_DIGESTS_EVERY_US 5000000ULL /* DIGESTS at most every 5 s */
#define LBD_PAIR_DIFFER_HELLOS 2 /* not just an update in flight */
#define LBD_PAIR_HLC_AHEAD_MS (24ULL * 3600 * 1000) /* refused beyond */

/* n registers to pe in ADMIN datagrams (flags: KEEL_SYNC_ADMIN_F_REPLY). */
static void lbd_pair_admin_send(struct lbd_pair *p, struct lbd_pair_peer *pe,
				const struct lb_admin_reg *regs, size_t n,
				uint16_t flags)
{
	static struct keel_sync_reg w[KEEL_SYNC_BODY_MAX / KEEL_SYNC_REG_LEN];
	uint8_t body[KEEL_SYNC_BODY_MAX];
	size_t per =
		(p->body_max - KEEL_SYNC_ADMIN_HDR_LEN) / KEEL_SYNC_REG_LEN;
	size_t i, k;
	int len;

	for (i = 0; i < n; i += k) {
		struct keel_sync_admin a = { .flags = flags };

		k = n - i < per ? n - i : per;
		for (a.count = 0; a.count < k; a.count++)
			lb_admin_to_sync(&regs[i + a.count], &w[a.count]);
		len = keel_sync_admin_encode(body, sizeof(body), &a, w);
		if (len < 0) {
			p->tx_errors++;
			continue;
		}
		lbd_pair_tx(p, pe, KEEL_SYNC_ADMIN, KEEL_SYNC_VERSION, body,
			    (size_t)len);
		pe->admin_sent += k;
	}
}

/*
 * The registers lbctl changed here since the last tick, to every peer
 * with a session; a peer without one gets them through anti-entropy when
 * its link returns.
 */
static void lbd_pair_admin_push(struct lbd *d, uint64_t now_us)
{
	struct lbd_pair *p = d->pair;
	uint64_t dead = d->cfg.pair.dead_after_ms * 1000ULL;
	struct lb_admin_reg *regs = NULL;
	size_t i, n = lbd_admin_take(d, &regs);

	for (i = 0; n && i < p->n_peers; i++)
		if (lb_pair_sess_can_send(&p->peers[i]->s, now_us, dead))
			lbd_pair_admin_send(p, p->peers[i], regs, n, 0);
	free(regs);
}

/* Every service's admin digest to pe (DIGESTS, as many parts as needed). */
static void lbd_pair_digests_send(struct lbd *d, struct lbd_pair_peer *pe,
				  const struct keel_sync_digest *dg, size_t n)
{
	struct lbd_pair *p = d->pair;
	uint8_t body[KEEL_SYNC_BODY_MAX];
	size_t per = (p->body_max - KEEL_SYNC_DIGESTS_HDR_LEN) /
		     KEEL_SYNC_DIGEST_ENTRY_LEN;
	size_t parts = n ? (n + per - 1) / per : 1, i;
	int len;

	if (parts > UINT8_MAX)
		parts = UINT8_MAX; /* 255 x 38 services: more is not sent */
	for (i = 0; i < parts; i++) {
		struct keel_sync_digests ds = {
			.what = KEEL_SYNC_DIGESTS_ADMIN,
			.part = (uint8_t)i,
			.parts = (uint8_t)parts,
		};
		size_t k = n - i * per < per ? n - i * per : per;

		ds.count = (uint16_t)k;
		len = keel_sync_digests_encode(body, sizeof(body), &ds,
					       dg + i * per);
		if (len < 0) {
			p->tx_errors++;
			continue;
		}
		lbd_pair_tx(p, pe, KEEL_SYNC_DIGESTS, KEEL_SYNC_VERSION, body,
			    (size_t)len);
	}
}

/*
 * A peer's HELLO: its admin digest against ours.  Different in
 * LBD_PAIR_DIFFER_HELLOS HELLOs in a row (not an update in flight), our
 * per-service digests go to it, at most every 5 s: it answers with its
 * registers of every service that differs, and does the same to us.
 */
static void lbd_pair_admin_compare(struct lbd *d, struct lbd_pair_peer *pe,
				   const struct keel_sync_hello *m,
				   uint64_t now_us)
{
	static struct keel_sync_digest dg[KEEL_MAX_SERVICES];
	uint64_t dead = d->cfg.pair.dead_after_ms * 1000ULL;
	size_t n;

	if (!memcmp(m->admin_digest, d->admin.global,
		    sizeof(m->admin_digest))) {
		pe->admin_differ = 0;
		return;
	}
	if (++pe->admin_differ < LBD_PAIR_DIFFER_HELLOS ||
	    (pe->digests_us &&
	     now_us - pe->digests_us < LBD_PAIR_DIGESTS_EVERY_US) ||
	    !lb_pair_sess_can_send(&pe->s, now_us, dead))
		return;
	pe->digests_us = now_us;
	n = lb_admin_digests(&d->admin, dg, KEEL_MAX_SERVICES);
	lbd_pair_digests_send(d, pe, dg, n);
}

/* ADMIN from a peer: merged, saved and applied (lbd_admin_receive()). */
static enum lb_pair_rx lbd_pair_admin_in(struct lbd *d,
					 struct lbd_pair_peer *pe)
{
	static struct lb_admin_reg regs[KEEL_SYNC_BODY_MAX / KEEL_SYNC_REG_LEN];
	uint64_t ahead = keel_hlc_pack(
		(uint64_t)time(NULL) * 1000 + LBD_PAIR_HLC_AHEAD_MS, 0);
	bool changed = false;
	size_t i;
	int err;

	/* A stamp a day ahead of our clock would win every later edit. */
	for (i = 0; i < lbd_rx.ad.count; i++)
		if (lb_admin_from_sync(&lbd_rx.regs[i], &regs[i]) ||
		    regs[i].at.hlc > ahead)
			return LB_PAIR_RX_MALFORMED;
	pe->admin_rcvd += lbd_rx.ad.count;
	err = lbd_admin_receive(d, regs, lbd_rx.ad.count, &changed);
	if (err)
		keel_log(
			LOG_ERR,
			"pair: admin changes from %s not applied: %s (retried at the next exchange)",
			pe->cfg.name, strerror(-err));
	else if (changed)
		pe->admin_changed++;
	return LB_PAIR_RX_OK;
}

/*
 * DIGESTS(admin) from a peer: our registers of every listed service whose
 * digest differs from ours go back (ADMIN REPLY); a listed service we
 * hold no register of goes back listed with a zero digest, so the peer
 * sends us its registers (a zero entry of a service we lack is not
 * answered: nothing to send either way).  Work: the services listed.
 */
static enum lb_pair_rx
lbd_pair_digests_in(struct lbd *d, struct lbd_pair_peer *pe, uint64_t now_us)
{
	static struct keel_vip_key
		keys[KEEL_SYNC_BODY_MAX / KEEL_SYNC_DIGEST_ENTRY_LEN];
	static struct keel_sync_digest
		lack[KEEL_SYNC_BODY_MAX / KEEL_SYNC_DIGEST_ENTRY_LEN];
	static const uint8_t zero[KEEL_SYNC_DIGEST_LEN];
	uint8_t mine[LB_ADMIN_DIGEST_LEN];
	struct lb_admin_reg *regs = NULL;
	size_t i, n_keys = 0, n_lack = 0, n_regs = 0;

	(void)now_us;
	for (i = 0; i < lbd_rx.ds.count; i++) {
		const struct keel_sync_digest *e = &lbd_rx.dg[i];
		struct keel_vip_key k = lb_admin_key_from_sync(&e->svc);

		if (!lb_admin_svc_digest(&d->admin, &k, mine)) {
			if (memcmp(e->digest, zero, sizeof(zero)))
				lack[n_lack++] = (struct keel_sync_digest){
					.svc = e->svc
				};
			continue;
		}
		if (memcmp(mine, e->digest, sizeof(mine)))
			keys[n_keys++] = k;
	}
	if (n_keys &&
	    !lb_admin_svc_regs(&d->admin, keys, n_keys, &regs, &n_regs))
		lbd_pair_admin_send(d->pair, pe, regs, n_regs,
				    KEEL_SYNC_ADMIN_F_REPLY);
	free(regs);
	if (n_lack)
		lbd_pair_digests_send(d, pe, lack, n_lack);
	return LB_PAIR_RX_OK;
}

/* The checks of docs/pair.md, "Receiving a datagram", in their order. */
static enum lb_pair_rx lbd_pair_check(struct lbd *d, struct lbd_pair_peer *pe,
				      const uint8_t *buf, size_t len,
				      bool trunc, uint64_t now_us)
{
	static uint8_t body[KEEL_SYNC_BODY_MAX];
	static struct keel_sync_rec
		recs[KEEL_SYNC_BODY_MAX / KEEL_SYNC_REC_LEN(4)];
	struct lbd_pair *p = d->pair;
	struct keel_sync_hello m;
	struct keel_sync_flows fl;
	struct keel_sync_hdr h;
	const uint8_t *key;
	enum lb_pair_rx res;
	uint8_t fresh[KEEL_SYNC_CHALLENGE_LEN];
	size_t n_recs;
	bool answer;
	int ret;

	if (trunc)
		return LB_PAIR_RX_MALFORMED;
	ret = keel_sync_frame(buf, len, &h);
	if (ret == -EPROTONOSUPPORT)
		return LB_PAIR_RX_VERSION;
	if (ret)
		return LB_PAIR_RX_MALFORMED;
	if (h.key_id == p->key_id)
		key = p->key;
	else if (p->has_prev && h.key_id == p->prev_id)
		key = p->prev;
	else
		return LB_PAIR_RX_AUTH;
	res = lb_pair_sess_precheck(&pe->s, &h);
	if (res != LB_PAIR_RX_OK)
		return res;
	if (keel_sync_open(buf, len, &h, key, body))
		return LB_PAIR_RX_AUTH;
	if (lbd_pair_parse(h.type, body, h.n, &m, &fl, recs,
			   sizeof(recs) / sizeof(recs[0]), &n_recs))
		return LB_PAIR_RX_MALFORMED;
	if (h.type == KEEL_SYNC_HELLO) {
		randombytes_buf(fresh, sizeof(fresh));
		res = lb_pair_sess_hello(&pe->s, &h, &m, p->node, now_us,
					 (uint64_t)time(NULL) * 1000, fresh,
					 &answer);
		sodium_memzero(fresh, sizeof(fresh));
		if (res == LB_PAIR_RX_OK && answer &&
		    lb_pair_sess_answer_ok(&pe->s, now_us))
			lbd_pair_hello(d, pe, now_us);
		if (res == LB_PAIR_RX_OK) {
			lbd_pair_link_log(d, pe, now_us);
			lbd_pair_admin_compare(d, pe, &m, now_us);
		}
		return res;
	}
	res = lb_pair_sess_data(&pe->s, &h, &answer);
	if (res != LB_PAIR_RX_OK)
		return res;
	if (h.type == KEEL_SYNC_ADMIN)
		return lbd_pair_admin_in(d, pe);
	if (h.type == KEEL_SYNC_DIGESTS &&
	    lbd_rx.ds.what == KEEL_SYNC_DIGESTS_ADMIN)
		return lbd_pair_digests_in(d, pe, now_us);
	if (h.type != KEEL_SYNC_FLOWS)
		return LB_PAIR_RX_UNEXPECTED; /* bulk, tables: not built yet */
	pe->has_queue = true;
	pe->last_queue_us = fl.queue_us;
	pe->recs_rcvd += n_recs;
	lbd_pair_on_records(d, recs, n_recs);
	return LB_PAIR_RX_OK;
}

static void lbd_pair_rx_one(struct lbd *d, const uint8_t *buf, size_t len,
			    bool trunc, const struct sockaddr_storage *ss,
			    uint64_t now_us)
{
	struct lbd_pair *p = d->pair;
	struct lbd_pair_peer *pe = NULL;
	enum lb_pair_rx res = LB_PAIR_RX_UNKNOWN_SOURCE;
	uint64_t suppressed;
	char src[80], a[64];
	uint16_t port = 0;
	uint8_t fam = 0;
	__be32 addr[4];

	/* Step 1, before any crypto is spent. */
	if (lbd_pair_src(ss, &fam, addr, &port))
		pe = lbd_pair_find(p, fam, addr, port);
	if (pe)
		res = lbd_pair_check(d, pe, buf, len, trunc, now_us);
	p->results[res]++;
	if (pe) {
		pe->dg_rcvd++;
		pe->rejected[res]++;
	}
	if (res == LB_PAIR_RX_OK ||
	    !keel_ratelimit_ok(&p->rl[res], now_us / 1000, &suppressed))
		return;
	if (!fam || keel_addr_format(fam, addr, a, sizeof(a)) < 0)
		snprintf(a, sizeof(a), "?");
	snprintf(src, sizeof(src), fam == KEEL_F_INET6 ? "[%s]:%u" : "%s:%u", a,
		 port);
	keel_log(LOG_WARNING,
		 "pair: datagram from %s%s%s (%zu bytes) rejected, %s: %s%s",
		 src, pe ? " " : "", pe ? pe->cfg.name : "", len,
		 lb_pair_rx_name(res), lbd_pair_why[res],
		 suppressed ? " (more of these suppressed)" : "");
}

static void lbd_pair_overflow(struct lbd_pair *p, struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_RXQ_OVFL &&
		    c->cmsg_len >= CMSG_LEN(sizeof(uint32_t)))
			memcpy(&p->rx_overflow, CMSG_DATA(c), sizeof(uint32_t));
}

/* The records received since the last merge, into the conn table. */
static void lbd_pair_in_flush(struct lbd *d)
{
	struct lbd_pair *p = d->pair;
	uint64_t suppressed;
	int err;

	if (!p->n_in)
		return;
	err = lb_flow_in_apply(&p->in, &d->m, d->dp, p->inbuf, p->n_in,
			       keel_now_ms());
	p->n_in = 0;
	if (!err)
		return;
	p->in_errors++;
	if (keel_ratelimit_ok(&p->in_rl, keel_now_ms(), &suppressed))
		keel_log(
			LOG_ERR,
			"pair: merging peers' records into the conn table: %s%s",
			strerror(-err),
			suppressed ? " (more of these suppressed)" : "");
}

static void lbd_on_pair_rx(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t bufs[LBD_PAIR_BATCH][KEEL_SYNC_LEN_MAX + 1];
	static uint8_t ctl[LBD_PAIR_BATCH][CMSG_SPACE(sizeof(uint32_t))];
	struct sockaddr_storage from[LBD_PAIR_BATCH];
	struct mmsghdr msgs[LBD_PAIR_BATCH];
	struct iovec iov[LBD_PAIR_BATCH];
	struct lbd *d = arg;
	int n, i, round;
	uint64_t now;

	(void)what;
	for (round = 0; round < LBD_PAIR_RX_ROUNDS && d->pair; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < LBD_PAIR_BATCH; i++) {
			/* One byte over the largest: longer is malformed. */
			iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msgs[i].msg_hdr.msg_control = ctl[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
		}
		n = recvmmsg(fd, msgs, LBD_PAIR_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		now = keel_now_us();
		for (i = 0; i < n; i++) {
			struct msghdr *mh = &msgs[i].msg_hdr;

			lbd_pair_overflow(d->pair, mh);
			lbd_pair_rx_one(d, bufs[i], msgs[i].msg_len,
					(mh->msg_flags & MSG_TRUNC) ||
						msgs[i].msg_len >
							KEEL_SYNC_LEN_MAX,
					&from[i], now);
		}
		if (n < LBD_PAIR_BATCH)
			break;
	}
	/* One merge for the burst's records; answers queued on the way out. */
	if (d->pair) {
		lbd_pair_in_flush(d);
		lbd_pair_tx_flush(d->pair);
	}
	lbd_loop_note(d);
}

void lbd_pair_on_records(struct lbd *d, const struct keel_sync_rec *recs,
			 size_t n)
{
	struct lbd_pair *p = d->pair;
	size_t k;

	p->records_in += n;
	if (!p->inbuf)
		return;
	while (n) {
		if (p->n_in == LBD_PAIR_IN_MAX)
			lbd_pair_in_flush(d);
		k = LBD_PAIR_IN_MAX - p->n_in < n ? LBD_PAIR_IN_MAX - p->n_in :
						    n;
		memcpy(&p->inbuf[p->n_in], recs, k * sizeof(*recs));
		p->n_in += k;
		recs += k;
		n -= k;
	}
}

/* Parked records again: their real may exist now; expired ones go. */
static void lbd_pair_parked_retry(struct lbd *d)
{
	struct lbd_pair *p = d->pair;

	if (p && p->inbuf && lb_flow_in_parked(&p->in))
		lb_flow_in_retry(&p->in, &d->m, d->dp, keel_now_ms());
}

void lbd_pair_committed(struct lbd *d)
{
	lbd_pair_parked_retry(d);
}

/* lb_flow_out_drain()'s emit: to every peer. */
static int lbd_pair_emit_one(void *arg, const struct keel_sync_rec *r)
{
	struct lbd *d = arg;

	if (lbd_pair_emit(d, r))
		d->pair->emit_refused++;
	return 0;
}

/* Every 5 ms: what the XDP program recorded, at most records_rate_max/s. */
static void lbd_on_pair_drain(evutil_socket_t fd, short what, void *arg)
{
	struct lbd *d = arg;
	struct lbd_pair *p = d->pair;
	uint32_t budget =
		d->cfg.pair.records_rate_max / (1000 / LBD_PAIR_DRAIN_MS);
	uint64_t suppressed;
	int n;

	(void)fd;
	(void)what;
	n = lb_flow_out_drain(&p->out, &d->m, keel_now_ms(),
			      budget ? budget : 1, lbd_pair_emit_one, d);
	if (n < 0 && keel_ratelimit_ok(&p->in_rl, keel_now_ms(), &suppressed))
		keel_log(LOG_ERR, "pair: reading the XDP sync ring: %s",
			 strerror(-n));
	if (p->n_peers)
		lbd_pair_tx_flush(p);
	lbd_loop_note(d);
}

/* reannounce in seen's units (2^30 ns), as lb_dp_sync_set() takes it. */
static uint16_t lbd_pair_reannounce(const struct lb_cfg_pair *c)
{
	uint64_t u = ((uint64_t)c->reannounce_ms * 1000000ULL) >>
		     KEEL_SEEN_SHIFT;

	if (u < 1)
		u = 1;
	return u > KEEL_SYNC_REANNOUNCE_MAX ? KEEL_SYNC_REANNOUNCE_MAX :
					      (uint16_t)u;
}

/*
 * The flow records on: the XDP program records every flow it writes and
 * re-announces live ones; lbd reads them every 5 ms and merges its peers'.
 * An instance an older lbd loaded has no ring: sessions still run, flows
 * are not synced (logged).
 */
static int lbd_pair_flows_on(struct lbd *d)
{
	struct lbd_pair *p = d->pair;
	const struct lb_cfg_pair *c = &d->cfg.pair;
	struct timeval tv = { 0, LBD_PAIR_DRAIN_MS * 1000 };
	uint16_t re = lbd_pair_reannounce(c);
	int err;

	if (p->out_on) {
		/* A reload: new rates and period. */
		p->out.refresh_rate_max = c->reannounce_rate_max;
		p->in.reannounce = re;
		return lb_dp_sync_set(d->dp, true, re);
	}
	err = lb_flow_out_init(&p->out, d->dp, c->reannounce_rate_max);
	if (err) {
		keel_log(
			LOG_ERR,
			"pair: the data plane's sync ring: %s: flows are not synced",
			strerror(-err));
		return 0;
	}
	p->out_on = true; /* from here lbd_pair_stop() undoes it all */
	err = lb_flow_in_init(&p->in, LBD_PAIR_PARK_MAX, re);
	p->inbuf = err ? NULL : calloc(LBD_PAIR_IN_MAX, sizeof(*p->inbuf));
	p->drain_ev = event_new(d->base, -1, EV_PERSIST, lbd_on_pair_drain, d);
	if (err || !p->inbuf || !p->drain_ev || event_add(p->drain_ev, &tv))
		return err ? err : -ENOMEM;
	p->in_rl.interval_ms = 10000;
	p->in_rl.burst = 5;
	return lb_dp_sync_set(d->dp, true, re);
}

static void lbd_on_pair_hello(evutil_socket_t fd, short what, void *arg)
{
	struct lbd *d = arg;
	struct lbd_pair *p = d->pair;
	uint64_t now = keel_now_us();
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < p->n_peers; i++) {
		lbd_pair_link_log(d, p->peers[i], now);
		lbd_pair_hello(d, p->peers[i], now);
	}
	lbd_pair_admin_push(d, now);
	lbd_pair_tx_flush(p);
	lbd_pair_parked_retry(d); /* expiry even without commits */
	lbd_loop_note(d);
}

/* ---- set-up, reload, stop ---- */

static int lbd_pair_open(const struct lb_cfg_pair *c, int *fdp, char *err,
			 size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int fd, one = 1, zero = 0, size = LBD_PAIR_SOCKBUF, tos = LBD_PAIR_CS6;
	int pmtu = IP_PMTUDISC_DO, ret;
	socklen_t len;

	if (keel_sockaddr_parse(c->listen, &ss, &len)) {
		snprintf(err, errlen, "pair.listen %s: bad address", c->listen);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (ss.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	/* Bursts of FLOWS: beyond rmem_max/wmem_max with CAP_NET_ADMIN
	 * (lbd keeps it, and a start does this before dropping root). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	/* The kernel's drops, counted as keel_pair_rx_overflow_total. */
	setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
	/* An oversized datagram fails visibly instead of fragmenting. */
	if (ss.ss_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &one, sizeof(one));
		pmtu = IPV6_PMTUDISC_DO;
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu,
			   sizeof(pmtu));
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	}
	if (ss.ss_family == AF_INET ||
	    IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr)) {
		pmtu = IP_PMTUDISC_DO;
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
			   sizeof(pmtu));
		setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	snprintf(err, errlen, "pair.listen %s: %s", c->listen, strerror(-ret));
	return ret;
}

int lbd_pair_prepare(struct lbd *d, const struct lb_config *cfg,
		     struct lbd_pair_prep *pp, char *err, size_t errlen)
{
	const struct lb_cfg_pair *c = &cfg->pair;
	uid_t user = d->drop ? d->user.uid : (uid_t)-1;
	int ret;

	memset(pp, 0, sizeof(*pp));
	pp->fd = -1;
	if (!c->on) {
		pp->off = true;
		return 0;
	}
	ret = keel_report_key_load(c->key_file, user, pp->key, err, errlen);
	if (!ret && c->previous_key_file[0]) {
		ret = keel_report_key_load(c->previous_key_file, user, pp->prev,
					   err, errlen);
		pp->has_prev = !ret;
	}
	if (ret)
		goto fail;
	if (!d->pair || strcmp(c->listen, d->pair->listen)) {
		ret = lbd_pair_open(c, &pp->fd, err, errlen);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	lbd_pair_discard(pp);
	return ret;
}

void lbd_pair_discard(struct lbd_pair_prep *pp)
{
	if (pp->fd >= 0)
		close(pp->fd);
	pp->fd = -1;
	sodium_memzero(pp->key, sizeof(pp->key));
	sodium_memzero(pp->prev, sizeof(pp->prev));
}

static void lbd_pair_peer_free(struct lbd_pair_peer *pe)
{
	if (!pe)
		return;
	free(pe->wait);
	free(pe);
}

/* The peers of the new config: a peer at the same address keeps its
 * session and counters; a new one gets a fresh stream. */
static int lbd_pair_peers(struct lbd *d)
{
	struct lbd_pair *p = d->pair;
	const struct lb_cfg_pair *c = &d->cfg.pair;
	struct lbd_pair_peer *next[LB_CFG_PEERS_MAX] = { 0 }, *pe;
	uint8_t stream[KEEL_SYNC_STREAM_LEN], ch[KEEL_SYNC_CHALLENGE_LEN];
	/* Old peers kept (same address): p->peers stays whole until the end,
	 * so lookups never meet a hole. */
	bool kept[LB_CFG_PEERS_MAX] = { false },
	     fresh[LB_CFG_PEERS_MAX] = { false };
	size_t i, j;
	int at;

	for (i = 0; i < c->n_peers; i++) {
		const struct lb_cfg_peer *cp = &c->peers[i];

		at = lbd_pair_find_at(p, cp->family, cp->addr, cp->port);
		if (at >= 0 && !kept[at]) {
			pe = p->peers[at];
			kept[at] = true;
		} else {
			pe = calloc(1, sizeof(*pe));
			if (!pe)
				goto nomem;
			randombytes_buf(stream, sizeof(stream));
			randombytes_buf(ch, sizeof(ch));
			lb_pair_sess_init(&pe->s, stream, ch);
			pe->pend_len = KEEL_SYNC_FLOWS_HDR_LEN;
			fresh[i] = true;
		}
		next[i] = pe;
	}
	/* Nothing can fail from here: the kept peers take their new config. */
	for (i = 0; i < c->n_peers; i++) {
		next[i]->cfg = c->peers[i];
		lbd_pair_peer_sa(&c->peers[i], p->family, &next[i]->sa,
				 &next[i]->salen);
	}
	for (j = 0; j < p->n_peers; j++) {
		if (kept[j])
			continue;
		keel_log(LOG_NOTICE, "pair: peer %s (%s) removed",
			 p->peers[j]->cfg.name, p->peers[j]->cfg.address);
		lbd_pair_peer_free(p->peers[j]);
	}
	memcpy(p->peers, next, sizeof(next));
	p->n_peers = c->n_peers;
	return 0;
nomem:
	/* The old peers stay as they were; the new ones made so far go. */
	for (i = 0; i < c->n_peers; i++)
		if (fresh[i])
			lbd_pair_peer_free(next[i]);
	return -ENOMEM;
}

static int lbd_pair_new(struct lbd *d)
{
	struct lbd_pair *p = calloc(1, sizeof(*p));
	size_t i;

	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->node = d->cfg.pair.node_id;
	for (i = 0; i < LB_PAIR_RX__MAX; i++) {
		p->rl[i].interval_ms = 10000;
		p->rl[i].burst = 5;
	}
	p->hello_ev = event_new(d->base, -1, EV_PERSIST, lbd_on_pair_hello, d);
	p->flush_ev = evtimer_new(d->base, lbd_on_pair_flush, d);
	d->pair = p;
	if (!p->hello_ev || !p->flush_ev) {
		lbd_pair_stop(d);
		return -ENOMEM;
	}
	return 0;
}

int lbd_pair_install(struct lbd *d, struct lbd_pair_prep *pp)
{
	const struct lb_cfg_pair *c = &d->cfg.pair;
	uint32_t ms = c->hello_interval_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	struct lbd_pair *p;
	struct sockaddr_storage ss;
	socklen_t len;
	int ret;

	if (pp->off) {
		if (d->pair) {
			keel_log(LOG_NOTICE, "pair: stopped (no pair: in %s)",
				 d->config_path);
			/* Nobody reads the records any more. */
			if (d->pair->out_on)
				lb_dp_sync_set(d->dp, false, 1);
		}
		lbd_pair_stop(d);
		lbd_pair_discard(pp);
		return 0;
	}
	if (!d->pair) {
		ret = lbd_pair_new(d);
		if (ret) {
			lbd_pair_discard(pp);
			return ret;
		}
	} else if (d->pair->node != c->node_id) {
		keel_log(LOG_WARNING,
			 "pair: node_id %u takes effect at restart; %u kept",
			 c->node_id, d->pair->node);
	}
	p = d->pair;
	if (pp->fd >= 0) {
		if (p->rx_ev)
			event_free(p->rx_ev);
		if (p->fd >= 0)
			close(p->fd);
		p->fd = pp->fd;
		pp->fd = -1;
		snprintf(p->listen, sizeof(p->listen), "%s", c->listen);
		len = sizeof(ss);
		p->family = getsockname(p->fd, (struct sockaddr *)&ss, &len) ?
				    AF_INET6 :
				    ss.ss_family;
		p->rx_ev = event_new(d->base, p->fd, EV_READ | EV_PERSIST,
				     lbd_on_pair_rx, d);
		if (!p->rx_ev || event_add(p->rx_ev, NULL)) {
			lbd_pair_discard(pp);
			lbd_pair_stop(d);
			return -ENOMEM;
		}
	}
	memcpy(p->key, pp->key, sizeof(p->key));
	memcpy(p->prev, pp->prev, sizeof(p->prev));
	p->key_id = c->key_id;
	p->prev_id = c->previous_key_id;
	p->has_prev = pp->has_prev;
	lbd_pair_discard(pp);
	p->body_max = c->mtu - LBD_PAIR_IP_UDP - KEEL_SYNC_OVERHEAD;
	if (p->body_max > KEEL_SYNC_BODY_MAX)
		p->body_max = KEEL_SYNC_BODY_MAX;
	ret = lbd_pair_peers(d);
	if (!ret)
		ret = lbd_pair_flows_on(d);
	d->cm.committed = lbd_pair_committed;
	if (ret)
		return ret;
	event_del(p->hello_ev);
	if (event_add(p->hello_ev, &tv))
		return -ENOMEM;
	keel_log(
		LOG_NOTICE,
		"pair: node %u on %s, %zu peers, key id %u%s, hello every %u ms, dead after %u ms",
		p->node, p->listen, p->n_peers, p->key_id,
		p->has_prev ? " and the previous one" : "", ms,
		c->dead_after_ms);
	return 0;
}

void lbd_pair_stop(struct lbd *d)
{
	struct lbd_pair *p = d->pair;
	size_t i;

	if (!p)
		return;
	d->cm.committed = NULL;
	if (p->rx_ev)
		event_free(p->rx_ev);
	if (p->hello_ev)
		event_free(p->hello_ev);
	if (p->flush_ev)
		event_free(p->flush_ev);
	if (p->drain_ev)
		event_free(p->drain_ev);
	/* The program keeps recording (flag on): a restarted lbd finds its
	 * flows, the ring full meanwhile (counted, healed by re-announces). */
	if (p->out_on)
		lb_flow_out_fini(&p->out);
	lb_flow_in_fini(&p->in);
	free(p->inbuf);
	if (p->fd >= 0)
		close(p->fd);
	for (i = 0; i < p->n_peers; i++)
		lbd_pair_peer_free(p->peers[i]);
	sodium_memzero(p->key, sizeof(p->key));
	sodium_memzero(p->prev, sizeof(p->prev));
	free(p);
	d->pair = NULL;
}

/* ---- status and metrics ---- */

static double lbd_pair_lag_ms(const struct lbd_pair_peer *pe)
{
	return pe->last_queue_us / 1000.0 + pe->s.rtt_us / 2000.0;
}

int lbd_pair_status(struct lbd *d, struct keel_ctl_pair_status *out)
{
	struct lbd_pair *p = d->pair;
	struct keel_ctl_pair_body *b = &out->pair;
	uint64_t now = keel_now_us();
	time_t wall = time(NULL);
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!p)
		return 0;
	b->configured = true;
	b->has_node_id = b->has_listen = true;
	b->node_id = p->node;
	snprintf(b->listen, sizeof(b->listen), "%s", p->listen);
	b->has_unknown_source = b->has_rx_overflow = true;
	b->unknown_source = p->results[LB_PAIR_RX_UNKNOWN_SOURCE];
	b->rx_overflow = p->rx_overflow;
	b->has_peers = true;
	b->peers = calloc(p->n_peers ? p->n_peers : 1, sizeof(*b->peers));
	if (!b->peers)
		return -ENOMEM;
	b->n_peers = p->n_peers;
	for (i = 0; i < p->n_peers; i++) {
		struct lbd_pair_peer *pe = p->peers[i];
		struct keel_ctl_pair_peer *o = &b->peers[i];
		const uint64_t *rj = pe->rejected;
		size_t t;

		lbd_pair_link_log(d, pe, now);
		snprintf(o->name, sizeof(o->name), "%s", pe->cfg.name);
		snprintf(o->address, sizeof(o->address), "%s", pe->cfg.address);
		o->link = (uint8_t)pe->s.link; /* same order as the ctl enum */
		o->has_since = pe->s.since_us != 0;
		o->since = wall - (int64_t)((now - pe->s.since_us) / 1000000);
		o->has_rtt_ms = o->has_clock_skew_ms = pe->s.has_rtt;
		o->rtt_ms = pe->s.rtt_us / 1000.0;
		o->clock_skew_ms = (double)pe->s.skew_ms;
		o->has_sync_lag_ms = pe->has_queue && pe->s.has_rtt;
		o->sync_lag_ms = lbd_pair_lag_ms(pe);
		o->records_sent = pe->recs_sent;
		o->records_received = pe->recs_rcvd;
		for (t = 0; t <= KEEL_SYNC_TYPE_MAX; t++)
			o->datagrams_sent += pe->sent[t];
		o->datagrams_received = pe->dg_rcvd;
		o->rejected = (struct keel_ctl_pair_rejected){
			.malformed = rj[LB_PAIR_RX_MALFORMED],
			.version = rj[LB_PAIR_RX_VERSION],
			.auth = rj[LB_PAIR_RX_AUTH],
			.replay = rj[LB_PAIR_RX_REPLAY],
			.wrong_peer = rj[LB_PAIR_RX_WRONG_PEER],
			.no_session = rj[LB_PAIR_RX_NO_SESSION],
			.unexpected = rj[LB_PAIR_RX_UNEXPECTED],
		};
		o->rx_gaps = lb_pair_sess_gaps(&pe->s);
		o->peer_not_ready = pe->not_ready;
		o->has_peer = pe->s.heard;
		o->peer = (struct keel_ctl_pair_hello){
			.node_id = pe->s.peer.node,
			.synced = pe->s.peer.flags & KEEL_SYNC_HELLO_F_SYNCED,
			.bulk = pe->s.peer.flags & KEEL_SYNC_HELLO_F_BULK,
			.alone = pe->s.peer.flags & KEEL_SYNC_HELLO_F_ALONE,
			.conns = pe->s.peer.conns,
		};
	}
	return 0;
}

_Static_assert((int)LB_PAIR_LINK_NEVER == (int)KEEL_CTL_LINK_NEVER &&
		       (int)LB_PAIR_LINK_DOWN == (int)KEEL_CTL_LINK_DOWN &&
		       (int)LB_PAIR_LINK_ONE_WAY ==
			       (int)KEEL_CTL_LINK_ONE_WAY &&
		       (int)LB_PAIR_LINK_UP == (int)KEEL_CTL_LINK_UP,
	       "pair.status's link is lb_pair_sess's");

enum {
	LBD_PAIR_M_UP,
	LBD_PAIR_M_RTT,
	LBD_PAIR_M_SKEW,
	LBD_PAIR_M_LAG,
	LBD_PAIR_M_RSENT,
	LBD_PAIR_M_RRCVD,
	LBD_PAIR_M_GAPS,
	LBD_PAIR_M_NOT_READY,
	LBD_PAIR_M_ADMIN_SAME,
	LBD_PAIR_M_ADMIN_SENT,
	LBD_PAIR_M_ADMIN_RCVD,
	LBD_PAIR_M__MAX
};

static const struct {
	const char *name, *type, *help;
} lbd_pair_m[LBD_PAIR_M__MAX] = {
	[LBD_PAIR_M_UP] = { "keel_pair_peer_up", "gauge",
			    "1 while the session with the peer is up both ways" },
	[LBD_PAIR_M_RTT] = { "keel_pair_rtt_seconds", "gauge",
			     "round-trip time to the peer, from its last HELLO" },
	[LBD_PAIR_M_SKEW] = { "keel_pair_clock_skew_seconds", "gauge",
			      "the peer's wall clock minus ours (RTT-corrected)" },
	[LBD_PAIR_M_LAG] = { "keel_pair_sync_lag_seconds", "gauge",
			     "age of the oldest record of the peer's last FLOWS when sent, plus RTT/2" },
	[LBD_PAIR_M_RSENT] = { "keel_pair_records_sent_total", "counter",
			       "flow records sent to the peer" },
	[LBD_PAIR_M_RRCVD] = { "keel_pair_records_received_total", "counter",
			       "flow records received from the peer (accepted datagrams)" },
	[LBD_PAIR_M_GAPS] = { "keel_pair_rx_gaps_total", "counter",
			      "datagrams of the peer's streams never received (sequence gaps)" },
	[LBD_PAIR_M_NOT_READY] = { "keel_pair_peer_not_ready_total", "counter",
				   "records dropped: the peer's session was not ready within 1 s (or 65536 waited)" },
	[LBD_PAIR_M_ADMIN_SAME] = { "keel_pair_admin_identical", "gauge",
				    "1 while the peer's last HELLO had our admin digest" },
	[LBD_PAIR_M_ADMIN_SENT] = { "keel_pair_admin_registers_sent_total",
				    "counter",
				    "admin registers sent to the peer (changes and anti-entropy replies)" },
	[LBD_PAIR_M_ADMIN_RCVD] = { "keel_pair_admin_registers_received_total",
				    "counter",
				    "admin registers received from the peer" },
};

/* false: no value yet (no RTT measured, no FLOWS received). */
/* The flow records' outcomes (lb_flow.h), metric label values. */
static const char *const lbd_flow_out_names[LB_FLOW_OUT__MAX] = {
	[LB_FLOW_OUT_EMITTED] = "sent",
	[LB_FLOW_OUT_STALE_GEN] = "stale_gen",
	[LB_FLOW_OUT_NO_SERVICE] = "no_service",
	[LB_FLOW_OUT_REFRESH_DROPPED] = "refresh_dropped",
	[LB_FLOW_OUT_BAD] = "bad",
};
static const char *const lbd_flow_in_names[LB_FLOW_IN__MAX] = {
	[LB_FLOW_IN_TRANSLATED] = "translated",
	[LB_FLOW_IN_UNKNOWN_SERVICE] = "unknown_service",
	[LB_FLOW_IN_PARKED] = "parked",
	[LB_FLOW_IN_UNKNOWN_REAL] = "unknown_real",
	[LB_FLOW_IN_PARK_FULL] = "park_full",
	[LB_FLOW_IN_REAL_DOWN] = "real_down",
};
static const char *const lbd_flow_apply_names[KEEL_APPLY__MAX] = {
	[KEEL_APPLY_INSERTED] = "inserted",
	[KEEL_APPLY_SAME] = "same",
	[KEEL_APPLY_REPLACED] = "replaced",
	[KEEL_APPLY_KEPT_ACTIVE] = "kept_active",
	[KEEL_APPLY_KEPT_NEWER] = "kept_newer",
	[KEEL_APPLY_RACE] = "race",
	[KEEL_APPLY_STALE] = "stale",
	[KEEL_APPLY_DOWN] = "down",
	[KEEL_APPLY_FAULT] = "fault",
};

/* One counter by result: name{result="..."} for n values. */
static void lbd_pair_by_result(struct evbuffer *b, const char *name,
			       const char *help, const char *const *names,
			       const uint64_t *v, int n)
{
	int k;

	keel_prom_help(b, name, "counter", help);
	for (k = 0; k < n; k++) {
		struct keel_prom_label l[] = { { "result", names[k] } };

		keel_prom_sample(b, name, l, 1, v[k]);
	}
}

static bool lbd_pair_mval(int k, const struct lbd_pair_peer *pe, double *v)
{
	switch (k) {
	case LBD_PAIR_M_UP:
		*v = pe->s.link == LB_PAIR_LINK_UP;
		return true;
	case LBD_PAIR_M_RTT:
		*v = pe->s.rtt_us / 1e6;
		return pe->s.has_rtt;
	case LBD_PAIR_M_SKEW:
		*v = pe->s.skew_ms / 1e3;
		return pe->s.has_rtt;
	case LBD_PAIR_M_LAG:
		*v = lbd_pair_lag_ms(pe) / 1e3;
		return pe->s.has_rtt && pe->has_queue;
	case LBD_PAIR_M_RSENT:
		*v = pe->recs_sent;
		return true;
	case LBD_PAIR_M_RRCVD:
		*v = pe->recs_rcvd;
		return true;
	case LBD_PAIR_M_GAPS:
		*v = lb_pair_sess_gaps(&pe->s);
		return true;
	case LBD_PAIR_M_ADMIN_SAME:
		*v = pe->admin_differ == 0;
		return pe->s.link == LB_PAIR_LINK_UP;
	case LBD_PAIR_M_ADMIN_SENT:
		*v = pe->admin_sent;
		return true;
	case LBD_PAIR_M_ADMIN_RCVD:
		*v = pe->admin_rcvd;
		return true;
	default:
		*v = pe->not_ready;
		return true;
	}
}

void lbd_pair_metrics(struct lbd *d, struct evbuffer *b)
{
	struct lbd_pair *p = d->pair;
	uint64_t now = keel_now_us();
	size_t i;
	int k;

	keel_prom_help(
		b, "keel_pair_synced", "gauge",
		"1 when this LB counts as synced (always without pair:): "
		"its announcers may attract traffic");
	keel_prom_sample(b, "keel_pair_synced", NULL, 0,
			 lb_pair_fsm_synced(&d->pair_fsm));
	if (!p)
		return;
	if (p->out_on) {
		lbd_pair_by_result(
			b, "keel_pair_flow_records_out_total",
			"flow records taken from the XDP program, by what became of them",
			lbd_flow_out_names, p->out.res, LB_FLOW_OUT__MAX);
		lbd_pair_by_result(
			b, "keel_pair_flow_records_in_total",
			"peers' flow records, by how they were translated here",
			lbd_flow_in_names, p->in.res, LB_FLOW_IN__MAX);
		lbd_pair_by_result(
			b, "keel_pair_flow_merged_total",
			"peers' flow records merged into the conn table, by outcome",
			lbd_flow_apply_names, p->in.apply, KEEL_APPLY__MAX);
	}
	keel_prom_help(
		b, "keel_pair_datagrams_received_total", "counter",
		"pair datagrams received, by the check that took or refused them");
	for (k = 0; k < LB_PAIR_RX__MAX; k++) {
		struct keel_prom_label l[] = { { "result",
						 lb_pair_rx_name(k) } };

		keel_prom_sample(b, "keel_pair_datagrams_received_total", l, 1,
				 p->results[k]);
	}
	keel_prom_help(
		b, "keel_pair_rx_overflow_total", "counter",
		"pair datagrams the kernel dropped (socket buffer full)");
	keel_prom_sample(b, "keel_pair_rx_overflow_total", NULL, 0,
			 p->rx_overflow);
	keel_prom_help(b, "keel_pair_datagrams_sent_total", "counter",
		       "pair datagrams sent, by peer and type");
	for (i = 0; i < p->n_peers; i++) {
		struct keel_prom_label l[] = {
			{ "peer", p->peers[i]->cfg.name }, { "type", NULL }
		};

		for (k = 1; k <= KEEL_SYNC_TYPE_MAX; k++) {
			l[1].value = lbd_pair_type_names[k];
			keel_prom_sample(b, "keel_pair_datagrams_sent_total", l,
					 2, p->peers[i]->sent[k]);
		}
	}
	for (k = 0; k < LBD_PAIR_M__MAX; k++) {
		keel_prom_help(b, lbd_pair_m[k].name, lbd_pair_m[k].type,
			       lbd_pair_m[k].help);
		for (i = 0; i < p->n_peers; i++) {
			struct keel_prom_label l[] = {
				{ "peer", p->peers[i]->cfg.name }
			};
			double v;

			if (k == LBD_PAIR_M_UP)
				lbd_pair_link_log(d, p->peers[i], now);
			if (lbd_pair_mval(k, p->peers[i], &v))
				keel_prom_sample(b, lbd_pair_m[k].name, l, 1,
						 v);
		}
	}
}
