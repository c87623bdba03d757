// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's agent report socket filter (docs/agent-protocol.md, "Before the
 * MAC"): attached to the report socket with SO_ATTACH_BPF, it keeps only
 * datagrams whose source address is an agent's (a hash map lbd fills from
 * its agents table), so that a flood from anywhere else is dropped in the
 * kernel, costs lbd no wake-up, no copy and no syscall, and never fills
 * the socket's buffer ahead of the genuine reports.  What it drops is
 * counted; everything else is lbd's to check.
 *
 * It runs at the socket's receive (sk_filter): the network header is that
 * of the datagram, IPv4 (also for a dual-stack socket's IPv4 senders) or
 * IPv6.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "keel_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KEEL_MAX_AGENTS);
	__type(key, struct keel_agent_key);
	__type(value, __u8);
} keel_agents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} keel_agents_dropped SEC(".maps");

SEC("socket")
int keel_agents_filter(struct __sk_buff *skb)
{
	struct keel_agent_key k = {};
	__u32 zero = 0;
	__u64 *n;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		k.family = KEEL_F_INET;
		/* iphdr.saddr */
		if (bpf_skb_load_bytes_relative(skb, 12, &k.addr[0], 4,
						BPF_HDR_START_NET))
			goto drop;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		k.family = KEEL_F_INET6;
		/* ipv6hdr.saddr */
		if (bpf_skb_load_bytes_relative(skb, 8, k.addr, 16,
						BPF_HDR_START_NET))
			goto drop;
	} else {
		goto drop;
	}
	if (bpf_map_lookup_elem(&keel_agents, &k))
		return skb->len;
drop:
	n = bpf_map_lookup_elem(&keel_agents_dropped, &zero);
	if (n)
		*n += 1;
	return 0;
}

char _license[] SEC("license") = "Dual BSD/GPL";
