// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_xdp - LVS-style VS/DR load balancing in XDP.
 *
 * Non-VIP traffic passes untouched, and so does a VIP frame not addressed
 * to the interface's own MAC.  A packet for a service follows its
 * conn-table entry while that real is usable.  Without an entry the
 * service's Maglev ring chooses (5-tuple hash, source hash for persistent
 * services, address hash for fragments), and the flow is recorded only
 * when its next packet comes: the first packet (a SYN, a first datagram)
 * leaves a per-CPU hint naming its real, and the packet that finds its own
 * hint writes the entry with that real.  A flood of one-packet flows
 * (spoofed SYNs, datagrams, ACKs) therefore never enters the conn table
 * and cannot evict established flows; docs/dataplane.md says why this was
 * chosen and what it costs.  A SYN never follows an entry: it opens a new
 * connection, perhaps on a reused 5-tuple, and the ring decides.  The
 * frame is then readdressed to the real's MAC and sent out (XDP_TX or
 * redirect).
 *
 * Benchmark-only variants (tests/bench/meson.build builds them from this
 * file; never the production object): KEEL_XDP_RECORD_FIRST records a flow
 * on its first packet, SYN included (layout 1's policy);
 * KEEL_XDP_NO_SEEN neither reads the clock nor stamps entries;
 * KEEL_XDP_NO_MAC_GUARD balances whatever the destination MAC;
 * KEEL_XDP_SYNC_RINGBUF puts pair sync's records into a BPF ring buffer
 * (the first version) instead of the per-CPU ring.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "keel_maps.h"
#include "keel_hash.h"
#include "xdp_maps.h"
#include "xdp_parse.h"
#include "xdp_fwd.h"
#include "keel_conn_merge.h"

static __always_inline int keel_real_usable(const struct keel_real_info *r,
					    __u32 svc_id)
{
	return (r->flags & KEEL_REAL_F_USABLE) && r->svc_id == svc_id;
}

static __always_inline void keel_count_new_flow(__u32 svc_id)
{
	struct keel_traffic *t = bpf_map_lookup_elem(&keel_svc_stats, &svc_id);

	if (t)
		t->new_flows++;
}

static __always_inline struct keel_svc_info *
keel_find_service(struct keel_pkt *p, struct keel_vip_key *vk)
{
	struct keel_svc_info *svc;

	__builtin_memcpy(vk->addr, p->flow.dst, sizeof(vk->addr));
	vk->family = p->flow.family;
	vk->proto = p->flow.proto;
	/* Later fragments carry no ports: all fragments use the port-less
	 * service, so every fragment of a datagram reaches one real. */
	vk->port = p->is_frag ? 0 : p->flow.dport;
	svc = bpf_map_lookup_elem(&keel_services, vk);
	if (svc || !vk->port)
		return svc;
	vk->port = 0;
	return bpf_map_lookup_elem(&keel_services, vk);
}

/* Slow path: is the destination a VIP address at all? */
static __always_inline int keel_is_vip_addr(struct keel_vip_key *vk)
{
	vk->port = 0;
	vk->proto = KEEL_MARKER_PROTO;
	return bpf_map_lookup_elem(&keel_services, vk) != NULL;
}

/*
 * Only frames addressed to the ingress interface are balanced: on a
 * segment that floods unicast, two LBs would otherwise forward each
 * other's frames for ever (DR leaves the IP header, and its TTL, alone).
 * Returns the PASS reason, or 0 to balance.  An interface keel_if_mac
 * does not know (attached by other means than lb_dp_attach) is balanced
 * as before the guard existed, and counted.
 */
static __always_inline __u32 keel_mac_guard(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 ifindex = ctx->ingress_ifindex;
	struct ethhdr *eth = data;
	struct keel_if_mac *m;
	__u8 d = 0;
	int i;

	if ((void *)(eth + 1) > data_end)
		return KEEL_CNT_PASS_NOT_IP;
	/* IEEE 802: the I/G bit; broadcast is a multicast address too. */
	if (eth->h_dest[0] & 1)
		return KEEL_CNT_PASS_MULTICAST;
	m = bpf_map_lookup_elem(&keel_if_mac, &ifindex);
	if (!m) {
		keel_count(KEEL_CNT_MAC_GUARD_OFF);
		return 0;
	}
#pragma unroll
	for (i = 0; i < ETH_ALEN; i++)
		d |= eth->h_dest[i] ^ m->mac[i];
	return d ? KEEL_CNT_PASS_NOT_OUR_MAC : 0;
}

/* The ring's hash: fh is keel_hash_flow() of the packet's 5-tuple. */
static __always_inline __u32 keel_ring_pick(const struct keel_svc_info *svc,
					    const struct keel_pkt *p, __u32 fh)
{
	__u32 h, idx, *rid;
	void *ring;

	if (p->is_frag)
		h = keel_hash_addrs(&p->flow);
	else if (svc->flags & KEEL_SVC_F_PERSISTENT)
		h = keel_hash_src(&p->flow);
	else
		h = fh;
	ring = bpf_map_lookup_elem(&keel_rings, &svc->ring_id);
	if (!ring)
		return KEEL_REAL_NONE;
	idx = keel_hash_index(h, svc->ring_size);
	rid = bpf_map_lookup_elem(ring, &idx);
	return rid ? *rid : KEEL_REAL_NONE;
}

/* The ring's choice if it is usable (*real set), else KEEL_REAL_NONE. */
static __always_inline __u32 keel_choose(const struct keel_svc_info *svc,
					 const struct keel_pkt *p, __u32 fh,
					 struct keel_real_info **real)
{
	__u32 id = keel_ring_pick(svc, p, fh);
	struct keel_real_info *r = bpf_map_lookup_elem(&keel_reals, &id);

	if (id == KEEL_REAL_NONE || !r || !keel_real_usable(r, svc->svc_id))
		return KEEL_REAL_NONE;
	*real = r;
	return id;
}

static __always_inline __u32 keel_now(void)
{
#ifdef KEEL_XDP_NO_SEEN
	return 0; /* the benchmark's "before": no clock read either */
#else
	return bpf_ktime_get_coarse_ns() >> KEEL_SEEN_SHIFT;
#endif
}

static __always_inline int keel_flow_eq(const struct keel_flow *a,
					const struct keel_flow *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
	__u32 d = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*a) / 4); i++)
		d |= x[i] ^ y[i];
	return !d;
}

/*
 * An entry's real id and generation in one 8-byte load: the apply
 * program and other CPUs rewrite both in one 8-byte store, so two loads
 * could pair one real's id with another's generation.
 */
static __always_inline __u32 keel_conn_real(const struct keel_conn *c,
					    __u32 *gen)
{
	union {
		struct keel_conn_v1 v;
		__u64 w;
	} u;

	u.w = *(volatile const __u64 *)c;
	*gen = u.v.real_gen;
	return u.v.real_id;
}

/* Pair sync's settings when lbd turned it on, else NULL (a period of 0,
 * which lb_dp refuses, counts as off). */
static __always_inline const struct keel_sync_cfg *keel_sync_on(void)
{
	const struct keel_sync_cfg *sc;
	__u32 zero = 0;

	sc = bpf_map_lookup_elem(&keel_sync_cfg, &zero);
	return sc && (sc->flags & KEEL_SYNC_F_ON) && sc->reannounce ? sc : NULL;
}

static __always_inline void keel_sync_fill(struct keel_sync_ev *ev,
					   const struct keel_flow *f, __u32 id,
					   __u32 gen, __u8 kind)
{
	ev->flow = *f;
	ev->real_id = id;
	ev->real_gen = gen;
	ev->kind = kind;
	ev->pad[0] = ev->pad[1] = ev->pad[2] = 0;
}

#ifdef KEEL_XDP_SYNC_RINGBUF
/* Benchmark-only: the first version's BPF ring buffer, timed against the
 * per-CPU ring (PERFORMANCE.md, "Pair sync"). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8U << 20);
} keel_sync_rb SEC(".maps");

static __always_inline void *keel_sync_reserve(const struct keel_flow *f,
					       __u32 id, __u32 gen, __u8 kind)
{
	struct keel_sync_ev *ev;

	ev = bpf_ringbuf_reserve(&keel_sync_rb, sizeof(*ev), 0);
	if (!ev) {
		keel_count(KEEL_CNT_SYNC_RING_FULL);
		return NULL;
	}
	keel_sync_fill(ev, f, id, gen, kind);
	return ev;
}

static __always_inline void keel_sync_submit(void *ev)
{
	bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	keel_count(KEEL_CNT_SYNC_RECORDS);
}

static __always_inline void keel_sync_discard(void *ev)
{
	bpf_ringbuf_discard(ev, BPF_RB_NO_WAKEUP);
}
#else
/*
 * Write a record of (flow, real) for the pair into this CPU's region of
 * keel_sync_ring, unpublished: keel_sync_submit() publishes it, and a
 * record never submitted is overwritten by the next.  Returns the
 * region's head, or NULL when the region is full (counted): the caller
 * then leaves the entry's ann due, so the flow is announced again on its
 * next packet a unit later.  No lock: this CPU is the region's only
 * writer; no wakeup: lbd drains the ring on a timer.
 */
static __always_inline void *keel_sync_reserve(const struct keel_flow *f,
					       __u32 id, __u32 gen, __u8 kind)
{
	__u32 k = bpf_get_smp_processor_id() * KEEL_SYNC_REGION;
	struct keel_sync_slot *h, *t, *s;
	__u64 head;

	h = bpf_map_lookup_elem(&keel_sync_ring, &k);
	k += KEEL_SYNC_TAIL;
	t = bpf_map_lookup_elem(&keel_sync_ring, &k);
	if (!h || !t)
		goto full;
	head = h->pos;
	if (head - *(volatile const __u64 *)&t->pos >= KEEL_SYNC_RING_SLOTS)
		goto full;
	k += KEEL_SYNC_RECS - KEEL_SYNC_TAIL +
	     (__u32)(head & (KEEL_SYNC_RING_SLOTS - 1));
	s = bpf_map_lookup_elem(&keel_sync_ring, &k);
	if (!s)
		goto full;
	keel_sync_fill(&s->ev, f, id, gen, kind);
	return h;
full:
	keel_count(KEEL_CNT_SYNC_RING_FULL);
	return NULL;
}

/*
 * Publish the record written last: the record's stores, then the head's.
 * The JIT keeps the program's order and x86 does not reorder stores with
 * stores, so a compiler barrier is the release here (the reader's
 * acquire load of the head pairs with it).  A weakly ordered CPU would
 * need a store-release (BPF_STORE_REL) or a BPF_FETCH atomic instead.
 */
static __always_inline void keel_sync_submit(void *head)
{
	struct keel_sync_slot *h = head;
	__u64 next = h->pos + 1;

	asm volatile("" ::: "memory");
	*(volatile __u64 *)&h->pos = next;
	keel_count(KEEL_CNT_SYNC_RECORDS);
}

/* A record not to publish: the next one overwrites it. */
static __always_inline void keel_sync_discard(void *head)
{
}
#endif

/*
 * Announce an entry that was just written in place; on a full ring its
 * ann goes due instead.
 */
static __always_inline void keel_sync_rewritten(struct keel_conn *c,
						const struct keel_flow *f,
						__u32 id, __u32 gen, __u32 now,
						__u8 kind)
{
	const struct keel_sync_cfg *sc = keel_sync_on();
	void *ev;

	if (!sc)
		return;
	ev = keel_sync_reserve(f, id, gen, kind);
	if (ev)
		keel_sync_submit(ev);
	else
		c->ann = (__u16)(now - sc->reannounce);
}

/*
 * A flow in use, at most once per unit (its seen just moved): no longer
 * only the peer's, and announced again once per reannounce units, so a
 * record the peer lost heals and a restarted peer learns live flows.
 */
static __always_inline void
keel_sync_refresh(struct keel_conn *c, const struct keel_flow *f, __u32 now)
{
	const struct keel_sync_cfg *sc;
	void *ev;
	__u32 id, gen;

	if (c->flags & KEEL_CONN_F_PEER)
		c->flags &= ~KEEL_CONN_F_PEER;
	sc = keel_sync_on();
	if (!sc || (__u16)((__u16)now - c->ann) < sc->reannounce)
		return;
	id = keel_conn_real(c, &gen);
	ev = keel_sync_reserve(f, id, gen, KEEL_SYNC_EV_REFRESH);
	if (!ev) {
		/* Due again an eighth of a period later: a ring that stays
		 * full (lbd gone, a flood) is not asked by every live flow
		 * every unit. */
		c->ann = (__u16)(now - sc->reannounce + (sc->reannounce >> 3) +
				 1);
		return;
	}
	keel_sync_submit(ev);
	keel_count(KEEL_CNT_SYNC_REFRESH);
	c->ann = (__u16)now;
}

/*
 * Rewrite an entry where it lies (no allocation: the LRU is not asked for
 * a node and evicts nothing).  Id and generation go in one 8-byte store,
 * so a reader on another CPU never pairs one with the other's old value.
 * The pair hears of it (kind).
 */
static __always_inline void keel_conn_rewrite(struct keel_conn *c,
					      const struct keel_flow *f,
					      __u32 id, __u32 gen, __u32 now,
					      __u8 kind)
{
	union {
		struct keel_conn_v1 v;
		__u64 w;
	} u = { .v = { .real_id = id, .real_gen = gen } };

	*(__u64 *)c = u.w;
	c->seen = now;
	c->flags = 0;
	c->ann = (__u16)now;
	keel_sync_rewritten(c, f, id, gen, now, kind);
}

/*
 * May this CPU insert another conn entry in this unit of time?  Only when
 * userspace set a cap (keel_config); the window is one unit of the
 * last-seen clock (about a second), per CPU, so no lock.
 */
static __always_inline int keel_insert_allowed(__u32 now)
{
	struct keel_config *cfg;
	struct keel_rate *r;
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&keel_config, &zero);
	if (!cfg || !cfg->conn_insert_cap)
		return 1;
	r = bpf_map_lookup_elem(&keel_rate, &zero);
	if (!r)
		return 1;
	if (r->unit != now) {
		r->unit = now;
		r->inserts = 0;
	}
	if (r->inserts >= cfg->conn_insert_cap)
		return 0;
	r->inserts++;
	return 1;
}

/*
 * A new entry; only a key that was not there counts as an insert, and
 * only an insert is announced to the pair (the record is written first,
 * so a full ring leaves the entry due for a re-announce).
 */
static __always_inline void keel_conn_record(const struct keel_flow *f,
					     __u32 id, __u32 gen, __u32 now)
{
	struct keel_conn c = {
		.real_id = id, .real_gen = gen, .seen = now, .ann = (__u16)now
	};
	const struct keel_sync_cfg *sc = keel_sync_on();
	void *ev = NULL;

	if (sc) {
		ev = keel_sync_reserve(f, id, gen, KEEL_SYNC_EV_NEW);
		if (!ev)
			c.ann = (__u16)(now - sc->reannounce);
	}
	if (bpf_map_update_elem(&keel_conn, f, &c, BPF_NOEXIST)) {
		if (ev)
			keel_sync_discard(ev);
		return;
	}
	keel_count(KEEL_CNT_CONN_INSERTS);
	if (ev)
		keel_sync_submit(ev);
}

/* This CPU's hint slot for the flow hash fh (NULL past the map's end). */
static __always_inline struct keel_hint *keel_hint_slot(__u32 fh)
{
	__u32 slot = bpf_get_smp_processor_id() * KEEL_HINT_SLOTS +
		     (fh & (KEEL_HINT_SLOTS - 1));

	return bpf_map_lookup_elem(&keel_hint, &slot);
}

static __always_inline void keel_hint_write(struct keel_hint *h,
					    const struct keel_flow *f, __u32 id,
					    __u32 gen)
{
	if (!h)
		return;
	h->flow = *f;
	h->real_id = id;
	h->real_gen = gen;
}

SEC("xdp")
int keel_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct keel_real_info *real;
	struct keel_svc_info *svc;
	struct keel_hint *hint;
	struct keel_vip_key vk;
	struct keel_pkt p = {};
	struct keel_conn *conn;
	__u32 reason, real_id, fh, now;
	int act, new_flow = 0;

	switch (keel_parse(data, data_end, &p)) {
	case KEEL_P_OK:
		break;
	case KEEL_P_NOT_IP:
		return keel_verdict(XDP_PASS, KEEL_CNT_PASS_NOT_IP);
	case KEEL_P_UNPARSED:
		return keel_verdict(XDP_PASS, KEEL_CNT_PASS_UNPARSED);
	default:
		return keel_verdict(XDP_DROP, KEEL_CNT_DROP_MALFORMED);
	}

	svc = keel_find_service(&p, &vk);
	if (!svc || (svc->flags & KEEL_SVC_F_ADDR_MARKER)) {
		if (p.is_frag && keel_is_vip_addr(&vk))
			return keel_verdict(XDP_DROP,
					    KEEL_CNT_DROP_FRAG_NO_SERVICE);
		return keel_verdict(XDP_PASS, KEEL_CNT_PASS_NOT_VIP);
	}
#ifndef KEEL_XDP_NO_MAC_GUARD
	reason = keel_mac_guard(ctx);
	if (reason)
		return keel_verdict(XDP_PASS, reason);
#endif
	keel_traffic_add(&keel_svc_stats, svc->svc_id, bytes, 0);

	/* Fragments and ICMP errors follow flows; they never record one. */
	if (p.is_frag) {
		reason = KEEL_CNT_FRAGMENT;
		real_id = keel_choose(svc, &p, 0, &real);
		if (!real_id)
			goto no_real;
		goto forward;
	}
	if (p.is_too_big) {
		reason = KEEL_CNT_ICMP_TOO_BIG;
		conn = bpf_map_lookup_elem(&keel_conn, &p.flow);
		if (conn) {
			__u32 gen;

			real_id = keel_conn_real(conn, &gen);
			real = bpf_map_lookup_elem(&keel_reals, &real_id);
			if (real && real->gen == gen &&
			    keel_real_usable(real, svc->svc_id))
				goto forward;
		}
		real_id = keel_choose(svc, &p, keel_hash_flow(&p.flow), &real);
		if (!real_id)
			goto no_real;
		goto forward;
	}

	now = keel_now();
#ifdef KEEL_XDP_RECORD_FIRST
	/* Layout 1: every SYN and every miss is recorded at once. */
	conn = p.is_syn ? NULL : bpf_map_lookup_elem(&keel_conn, &p.flow);
	if (!conn) {
		reason = KEEL_CNT_FLOW_RECORDED;
		real_id = keel_choose(svc, &p, keel_hash_flow(&p.flow), &real);
		if (!real_id)
			goto no_real;
		{
			struct keel_conn c = { .real_id = real_id,
					       .real_gen = real->gen,
					       .seen = now };

			bpf_map_update_elem(&keel_conn, &p.flow, &c, BPF_ANY);
		}
		goto new_flow;
	}
#else
	conn = bpf_map_lookup_elem(&keel_conn, &p.flow);
	if (p.is_syn) {
		/*
		 * A SYN opens a new connection even when its 5-tuple has an
		 * entry (a client reusing a port): the ring decides, so a
		 * draining real gets no new connection (Katran does the
		 * same).  An existing entry is rewritten where it lies; a new
		 * flow only leaves a hint, for the ACK that follows.
		 */
		fh = keel_hash_flow(&p.flow);
		real_id = keel_choose(svc, &p, fh, &real);
		if (!real_id)
			goto no_real;
		if (conn) {
			reason = KEEL_CNT_SYN_REUSED;
			keel_conn_rewrite(conn, &p.flow, real_id, real->gen,
					  now, KEEL_SYNC_EV_NEW);
			goto new_flow;
		}
		reason = KEEL_CNT_SYN_UNRECORDED;
		keel_hint_write(keel_hint_slot(fh), &p.flow, real_id,
				real->gen);
		goto forward;
	}
#endif
	if (conn) {
		__u32 gen;

		real_id = keel_conn_real(conn, &gen);
		real = bpf_map_lookup_elem(&keel_reals, &real_id);
		if (real && real->gen == gen &&
		    keel_real_usable(real, svc->svc_id)) {
#ifndef KEEL_XDP_NO_SEEN
			if (conn->seen != now) {
				conn->seen = now;
				keel_sync_refresh(conn, &p.flow, now);
			}
#endif
			reason = KEEL_CNT_CONN_HIT;
			goto forward;
		}
		/* Its real is gone or DOWN: the flow is dead there anyway. */
		reason = KEEL_CNT_CONN_RECHOSEN;
		real_id = keel_choose(svc, &p, keel_hash_flow(&p.flow), &real);
		if (!real_id)
			goto no_real;
		keel_conn_rewrite(conn, &p.flow, real_id, real->gen, now,
				  KEEL_SYNC_EV_RECHOSEN);
		goto new_flow;
	}

	/*
	 * No entry.  The packet whose 5-tuple left the hint before (the ACK
	 * after a SYN, a second datagram) records the flow with the hint's
	 * real, even if the ring changed since; any other only leaves a hint.
	 */
	fh = keel_hash_flow(&p.flow);
	hint = keel_hint_slot(fh);
	if (hint && keel_flow_eq(&hint->flow, &p.flow)) {
		reason = KEEL_CNT_FLOW_RECORDED;
		real_id = hint->real_id;
		real = bpf_map_lookup_elem(&keel_reals, &real_id);
		if (!real || real->gen != hint->real_gen ||
		    !keel_real_usable(real, svc->svc_id)) {
			real_id = keel_choose(svc, &p, fh, &real);
			if (!real_id)
				goto no_real;
		}
		/* Over the cap the hint stays: a later packet records. */
		if (!keel_insert_allowed(now)) {
			reason = KEEL_CNT_FLOW_CAPPED;
			goto forward;
		}
		keel_conn_record(&p.flow, real_id, real->gen, now);
		goto new_flow;
	}
	reason = KEEL_CNT_MISS_UNRECORDED;
	real_id = keel_choose(svc, &p, fh, &real);
	if (!real_id)
		goto no_real;
	keel_hint_write(hint, &p.flow, real_id, real->gen);
	goto forward;

new_flow:
	new_flow = 1;
	keel_count_new_flow(svc->svc_id);
forward:
	keel_traffic_add(&keel_real_stats, real_id, bytes, new_flow);
	act = keel_forward(ctx, real);
	return keel_verdict(act, reason);
no_real:
	return keel_verdict(XDP_DROP, KEEL_CNT_DROP_NO_REAL);
}

/* ------------------------------------------------------------------ */
/* Pair sync: applying the peers' records (lbd runs it, BPF_PROG_RUN)  */

struct keel_apply_state {
	__u64 recs;
	__u32 now;
	__u16 reannounce;
	__u16 active;
	__u32 res[KEEL_APPLY__MAX];
};

static __always_inline void keel_apply_res(struct keel_apply_state *st,
					   __u32 res)
{
	if (res < KEEL_APPLY__MAX)
		st->res[res]++;
}

static long keel_apply_one(__u32 i, void *data)
{
	struct keel_apply_state *st = data;
	struct keel_conn *cur, snap, c = {};
	struct keel_real_info *rr, *cr;
	struct keel_sync_apply_rec r;
	__u32 peer_last, id;
	enum keel_merge m;
	int usable = 0;

	if (bpf_copy_from_user(&r, sizeof(r),
			       (void *)(st->recs + (__u64)i * sizeof(r)))) {
		keel_apply_res(st, KEEL_APPLY_FAULT);
		return 1; /* the rest would fault too */
	}
	id = r.real_id;
	rr = bpf_map_lookup_elem(&keel_reals, &id);
	if (!rr || rr->gen != r.real_gen) {
		keel_apply_res(st, KEEL_APPLY_STALE);
		return 0;
	}
	/* DOWN here (or unresolved): the ring chooses again on the flow's
	 * next packet, as for any flow of a real that is not usable. */
	if (!(rr->flags & KEEL_REAL_F_USABLE)) {
		keel_apply_res(st, KEEL_APPLY_DOWN);
		return 0;
	}
	peer_last = r.idle >= st->now ? 0 : st->now - r.idle;
	cur = bpf_map_lookup_elem(&keel_conn, &r.flow);
	if (cur) {
		/* The merge reads a snapshot, id and generation as a pair. */
		snap.real_id = keel_conn_real(cur, &snap.real_gen);
		snap.seen = cur->seen;
		snap.flags = cur->flags;
		snap.ann = cur->ann;
		id = snap.real_id;
		cr = bpf_map_lookup_elem(&keel_reals, &id);
		usable = cr && cr->gen == snap.real_gen &&
			 keel_real_usable(cr, rr->svc_id);
	}
	m = keel_conn_merge(cur ? &snap : NULL, usable, r.real_id, r.real_gen,
			    peer_last, st->now, st->active);
	/* Written as the peer's, announced again somewhere in one period
	 * (a bulk or a failover does not come back as one burst). */
	c.ann = (__u16)(st->now - bpf_get_prandom_u32() % st->reannounce);
	if (m == KEEL_MERGE_INSERT) {
		c.real_id = r.real_id;
		c.real_gen = r.real_gen;
		c.seen = peer_last;
		c.flags = KEEL_CONN_F_PEER;
		if (bpf_map_update_elem(&keel_conn, &r.flow, &c, BPF_NOEXIST))
			keel_apply_res(st, KEEL_APPLY_RACE);
		else
			keel_apply_res(st, KEEL_APPLY_INSERTED);
		return 0;
	}
	if (m == KEEL_MERGE_REPLACE && cur) {
		union {
			struct keel_conn_v1 v;
			__u64 w;
		} u = { .v = { .real_id = r.real_id, .real_gen = r.real_gen } };

		/* In place, id and generation in one store (as XDP reads). */
		*(__u64 *)cur = u.w;
		cur->seen = peer_last;
		cur->flags = KEEL_CONN_F_PEER;
		cur->ann = c.ann;
	}
	keel_apply_res(st, (__u32)m);
	return 0;
}

SEC("syscall")
int keel_sync_apply(struct keel_sync_apply_ctx *ctx)
{
	struct keel_apply_state st = {};
	__u32 n = ctx->n;
	int i;

	if (n > KEEL_SYNC_APPLY_MAX)
		n = KEEL_SYNC_APPLY_MAX;
	st.recs = ctx->recs;
	st.now = ctx->now;
	st.reannounce = ctx->reannounce ? ctx->reannounce : 1;
	st.active = ctx->active;
	bpf_loop(n, keel_apply_one, &st, 0);
	for (i = 0; i < KEEL_APPLY__MAX; i++)
		ctx->res[i] = st.res[i];
	return 0;
}

char _license[] SEC("license") = "Dual BSD/GPL";
