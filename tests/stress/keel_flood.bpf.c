// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel-flood's frame rewriter (tests/stress/keel_flood.c, live mode): run
 * by BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on a template frame
 * (Ethernet, IPv4, TCP or UDP), it gives each frame the spoofed source
 * address and port of tuple n / per_tuple (a hash of n, so the copies of
 * one tuple are identical), the TCP flags of its place in the tuple, fixes
 * both checksums incrementally, and returns XDP_TX: the kernel transmits
 * it on the interface the run names.  Live frames are not restored between
 * runs, so every value written is computed from the template's (cfg), not
 * read back from the frame.
 *
 * keel_flood_sink stands for the reals' own defences: attached to a real
 * server's interface (keel-flood --sink), it drops every IPv4 frame from
 * the flood's source prefix, so that the servers simulated on the same
 * machine do not spend its CPU answering the flood the LB forwards them.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Set by keel-flood before the load (the template's values). */
const volatile __u32 src_base; /* host order */
const volatile __u32 src_span_mask; /* host order: bits that vary */
const volatile __u32 seed;
const volatile __u16 ip_csum0; /* template's, with saddr 0 */
const volatile __u16 l4_csum0; /* template's, saddr 0, sport 0, flags0 */
const volatile __u16 flags_word0; /* TCP doff/flags word of the template */
const volatile __u16 flags_word_first; /* first frame of a tuple */
const volatile __u16 flags_word_next; /* the later frames */
const volatile __u8 is_tcp;
const volatile __u8 per_tuple_shift; /* 0: one frame per tuple, 1: two */

__u64 frames; /* frames rewritten (one CPU runs it: no atomics) */

static __always_inline __u32 fmix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* One's complement sum of ~csum0 and the replaced words (RFC 1624 eq. 3). */
static __always_inline __u16 csum_update(__u16 csum0, __u32 add)
{
	__u32 s = (__u16)~csum0 + add;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

SEC("xdp")
int keel_flood_rewrite(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__u64 n = frames++;
	__u32 t = (__u32)(n >> per_tuple_shift), h1, h2, src;
	__u16 sport, fw = 0, s_hi, s_lo;
	__u32 add;

	if ((void *)(ip + 1) > end)
		return XDP_ABORTED;
	h1 = fmix32(t ^ seed);
	h2 = fmix32(h1 ^ 0x9e3779b9);
	src = src_base | (h1 & src_span_mask);
	sport = (__u16)(1024 + h2 % 64512);
	src = bpf_htonl(src);
	sport = bpf_htons(sport);
	ip->saddr = src;
	s_hi = (__u16)src;
	s_lo = (__u16)(src >> 16);
	/* The template's saddr was 0: only the new words are added. */
	ip->check = csum_update(ip_csum0, (__u32)s_hi + s_lo);
	add = (__u32)s_hi + s_lo + sport;
	if (is_tcp) {
		struct tcphdr *tcp = (void *)(ip + 1);

		if ((void *)(tcp + 1) > end)
			return XDP_ABORTED;
		fw = (n & ((1U << per_tuple_shift) - 1)) ? flags_word_next :
							   flags_word_first;
		/* doff/flags is the 16-bit word at byte 12 of the header. */
		*(__u16 *)((__u8 *)tcp + 12) = fw;
		add += (__u16)~flags_word0 + (__u32)fw;
		tcp->source = sport;
		tcp->check = csum_update(l4_csum0, add);
	} else {
		struct udphdr *udp = (void *)(ip + 1);
		__u16 c;

		if ((void *)(udp + 1) > end)
			return XDP_ABORTED;
		udp->source = sport;
		c = csum_update(l4_csum0, add);
		udp->check = c ? c : 0xffff; /* RFC 768: 0 means none */
	}
	return XDP_TX;
}

SEC("xdp")
int keel_flood_sink(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if ((bpf_ntohl(ip->saddr) & ~src_span_mask) == src_base)
		return XDP_DROP;
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
