// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_xdp - LVS-style VS/DR load balancing in XDP.
 *
 * Non-VIP traffic passes untouched.  A packet for a service follows its
 * conn-table entry while that real is usable, except a TCP SYN (a new
 * connection, perhaps on a reused 5-tuple): it and any packet without a
 * usable entry are placed by the service's
 * Maglev ring chooses (5-tuple hash, source hash for persistent services,
 * address hash for fragments) and the choice is recorded.  The frame is
 * then readdressed to the real's MAC and sent out (XDP_TX or redirect).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "keel_maps.h"
#include "keel_hash.h"
#include "xdp_maps.h"
#include "xdp_parse.h"
#include "xdp_fwd.h"

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

static __always_inline __u32 keel_ring_pick(const struct keel_svc_info *svc,
					    const struct keel_pkt *p)
{
	__u32 h, idx, *rid;
	void *ring;

	if (p->is_frag)
		h = keel_hash_addrs(&p->flow);
	else if (svc->flags & KEEL_SVC_F_PERSISTENT)
		h = keel_hash_src(&p->flow);
	else
		h = keel_hash_flow(&p->flow);
	ring = bpf_map_lookup_elem(&keel_rings, &svc->ring_id);
	if (!ring)
		return KEEL_REAL_NONE;
	idx = keel_hash_index(h, svc->ring_size);
	rid = bpf_map_lookup_elem(ring, &idx);
	return rid ? *rid : KEEL_REAL_NONE;
}

SEC("xdp")
int keel_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	struct keel_real_info *real;
	struct keel_svc_info *svc;
	struct keel_vip_key vk;
	struct keel_pkt p = {};
	struct keel_conn *conn;
	__u32 reason, real_id;
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
	keel_traffic_add(&keel_svc_stats, svc->svc_id, bytes, 0);

	if (p.is_frag) {
		reason = KEEL_CNT_FRAGMENT;
		goto pick;
	}
	reason = p.is_too_big ? KEEL_CNT_ICMP_TOO_BIG : KEEL_CNT_CONN_MISS;
	/*
	 * A SYN opens a new connection even when its 5-tuple has an entry
	 * (a client reusing a port): the ring decides, so a draining real
	 * gets no new connection (Katran does the same).
	 */
	if (p.is_syn)
		goto pick;
	conn = bpf_map_lookup_elem(&keel_conn, &p.flow);
	if (conn) {
		real_id = conn->real_id;
		real = bpf_map_lookup_elem(&keel_reals, &real_id);
		if (real && real->gen == conn->real_gen &&
		    keel_real_usable(real, svc->svc_id)) {
			if (!p.is_too_big)
				reason = KEEL_CNT_CONN_HIT;
			goto forward;
		}
		if (!p.is_too_big)
			reason = KEEL_CNT_CONN_RECHOSEN;
	}
pick:
	real_id = keel_ring_pick(svc, &p);
	real = bpf_map_lookup_elem(&keel_reals, &real_id);
	if (real_id == KEEL_REAL_NONE || !real ||
	    !keel_real_usable(real, svc->svc_id))
		return keel_verdict(XDP_DROP, KEEL_CNT_DROP_NO_REAL);
	/* ICMP errors and fragments follow flows; they never create one. */
	if (reason == KEEL_CNT_CONN_MISS || reason == KEEL_CNT_CONN_RECHOSEN) {
		struct keel_conn c = { .real_id = real_id,
				       .real_gen = real->gen };

		bpf_map_update_elem(&keel_conn, &p.flow, &c, BPF_ANY);
		new_flow = 1;
		keel_count_new_flow(svc->svc_id);
	}
forward:
	keel_traffic_add(&keel_real_stats, real_id, bytes, new_flow);
	act = keel_forward(ctx, real);
	return keel_verdict(act, reason);
}

char _license[] SEC("license") = "Dual BSD/GPL";
