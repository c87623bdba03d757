/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* xdp_fwd.h - VS/DR forwarding: rewrite MACs, then XDP_TX or redirect. */
#ifndef XDP_FWD_H
#define XDP_FWD_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include "keel_maps.h"
#include "xdp_maps.h"

static __always_inline void keel_count(__u32 cnt)
{
	__u64 *v = bpf_map_lookup_elem(&keel_stats, &cnt);

	if (v)
		*v += 1;
}

/* One verdict counter and one reason counter per packet. */
static __always_inline int keel_verdict(int verdict, __u32 reason)
{
	__u32 vc;

	switch (verdict) {
	case XDP_PASS:
		vc = KEEL_CNT_V_PASS;
		break;
	case XDP_TX:
		vc = KEEL_CNT_V_TX;
		break;
	case XDP_REDIRECT:
		vc = KEEL_CNT_V_REDIRECT;
		break;
	default:
		vc = KEEL_CNT_V_DROP;
		break;
	}
	keel_count(vc);
	keel_count(reason);
	return verdict;
}

static __always_inline void keel_traffic_add(void *map, __u32 idx, __u64 bytes,
					     int new_flow)
{
	struct keel_traffic *t = bpf_map_lookup_elem(map, &idx);

	if (!t)
		return;
	t->packets++;
	t->bytes += bytes;
	t->new_flows += new_flow;
}

/*
 * Direct routing: the IP packet is untouched; only the frame is readdressed
 * to the real.  The real holds the VIP on lo and answers the client itself.
 */
static __always_inline int keel_forward(struct xdp_md *ctx,
					const struct keel_real_info *r)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	int act;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, r->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, r->smac, ETH_ALEN);
	if (r->ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	act = bpf_redirect_map(&keel_tx_ports, r->ifindex, XDP_DROP);
	if (act != XDP_REDIRECT)
		keel_count(KEEL_CNT_REDIRECT_ERR);
	return act;
}

#endif /* XDP_FWD_H */
