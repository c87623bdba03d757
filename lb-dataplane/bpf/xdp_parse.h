/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * xdp_parse.h - header parsing for the keel XDP program.
 *
 * Every dereference is preceded by a bounds check against data_end.  The
 * parser fills a struct keel_pkt and returns one of enum keel_parse; it
 * never decides a verdict itself.
 */
#ifndef XDP_PARSE_H
#define XDP_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include "keel_maps.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define KEEL_IP_MF 0x2000
#define KEEL_IP_OFFSET 0x1fff
#define KEEL_IP6_MF 0x0001

/*
 * The ICMPv4 header, declared here: <linux/icmp.h> pulls in <linux/if.h> and
 * through it glibc's <sys/socket.h>, which under -target bpf asks for
 * gnu/stubs-32.h (only there with the i386 libc headers).
 */
struct keel_icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest;
};
#define KEEL_ICMP_DEST_UNREACH 3
#define KEEL_ICMP_FRAG_NEEDED 4
#define KEEL_IP6_OFFSET 0xfff8

enum keel_parse {
	KEEL_P_OK = 0,
	KEEL_P_NOT_IP, /* not IPv4/IPv6, or a runt L2 header */
	KEEL_P_MALFORMED, /* IP or L4 header inconsistent or truncated */
	KEEL_P_UNPARSED, /* valid but beyond what we walk (ext header bound) */
};

struct keel_pkt {
	struct keel_flow flow; /* client -> VIP, as the conn table keys it */
	__u8 is_frag; /* IP fragment: no ports, hash on addresses */
	__u8 is_too_big; /* ICMP too-big: flow is the quoted one, reversed */
	__u8 is_syn; /* TCP SYN without ACK: a connection being opened */
};

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

/* Ports of a TCP or UDP header at l4; 0 ok, else KEEL_P_MALFORMED. */
static __always_inline int keel_parse_ports(void *l4, void *l4_end,
					    void *data_end, __u8 proto,
					    struct keel_flow *f, __u8 *syn)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end || (void *)(th + 1) > l4_end)
			return KEEL_P_MALFORMED;
		if (th->doff < 5)
			return KEEL_P_MALFORMED;
		f->sport = th->source;
		f->dport = th->dest;
		*syn = th->syn && !th->ack;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end || (void *)(uh + 1) > l4_end)
			return KEEL_P_MALFORMED;
		f->sport = uh->source;
		f->dport = uh->dest;
	}
	return KEEL_P_OK;
}

/*
 * The flow quoted in an ICMP error (RFC 792, RFC 4443 section 3.2: the IP
 * header plus at least 8 bytes) was sent by the real as VIP -> client.
 * Reversed, it names the client's conn-table entry.  Only TCP and UDP
 * quotes are followed; any other leaves p untouched (plain ICMP).
 */
static __always_inline int keel_take_quote(void *l4, void *l4_end,
					   void *data_end, __u8 proto,
					   struct keel_flow *q,
					   struct keel_pkt *p)
{
	struct udphdr *uh = l4; /* TCP and UDP both start with the ports */

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return KEEL_P_OK;
	if ((void *)uh + 4 > data_end || (void *)uh + 4 > l4_end)
		return KEEL_P_MALFORMED;
	q->sport = uh->dest;
	q->dport = uh->source;
	q->proto = proto;
	q->family = p->flow.family;
	p->flow = *q;
	p->is_too_big = 1;
	return KEEL_P_OK;
}

static __always_inline int keel_parse_icmp4_too_big(void *icmp, void *l4_end,
						    void *data_end,
						    struct keel_pkt *p)
{
	struct iphdr *in = icmp + sizeof(struct keel_icmphdr);
	struct keel_flow q = {};

	if ((void *)(in + 1) > data_end || (void *)(in + 1) > l4_end)
		return KEEL_P_MALFORMED;
	if (in->version != 4 || in->ihl < 5)
		return KEEL_P_MALFORMED;
	q.src[0] = in->daddr;
	q.dst[0] = in->saddr;
	return keel_take_quote((void *)in + in->ihl * 4, l4_end, data_end,
			       in->protocol, &q, p);
}

static __always_inline int keel_parse_icmp6_too_big(void *icmp, void *l4_end,
						    void *data_end,
						    struct keel_pkt *p)
{
	struct ipv6hdr *in = icmp + sizeof(struct icmp6hdr);
	struct keel_flow q = {};

	if ((void *)(in + 1) > data_end || (void *)(in + 1) > l4_end)
		return KEEL_P_MALFORMED;
	if (in->version != 6)
		return KEEL_P_MALFORMED;
	__builtin_memcpy(q.src, &in->daddr, 16);
	__builtin_memcpy(q.dst, &in->saddr, 16);
	return keel_take_quote(in + 1, l4_end, data_end, in->nexthdr, &q, p);
}

/* L4 of a non-fragment at l4, bounded by the IP datagram's end. */
static __always_inline int keel_parse_l4(void *l4, void *l4_end, void *data_end,
					 struct keel_pkt *p)
{
	__u8 proto = p->flow.proto;

	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		return keel_parse_ports(l4, l4_end, data_end, proto, &p->flow,
					&p->is_syn);

	if (proto == IPPROTO_ICMP) {
		struct keel_icmphdr *ic = l4;

		if ((void *)(ic + 1) > data_end || (void *)(ic + 1) > l4_end)
			return KEEL_P_MALFORMED;
		if (ic->type == KEEL_ICMP_DEST_UNREACH &&
		    ic->code == KEEL_ICMP_FRAG_NEEDED)
			return keel_parse_icmp4_too_big(l4, l4_end, data_end,
							p);
	} else if (proto == IPPROTO_ICMPV6) {
		struct icmp6hdr *ic = l4;

		if ((void *)(ic + 1) > data_end || (void *)(ic + 1) > l4_end)
			return KEEL_P_MALFORMED;
		if (ic->icmp6_type == ICMPV6_PKT_TOOBIG)
			return keel_parse_icmp6_too_big(l4, l4_end, data_end,
							p);
	}
	return KEEL_P_OK;
}

static __always_inline int keel_parse_ipv4(void *l3, void *data_end,
					   struct keel_pkt *p)
{
	struct iphdr *iph = l3;
	__u32 hlen, tot;
	__u16 frag;

	if ((void *)(iph + 1) > data_end)
		return KEEL_P_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return KEEL_P_MALFORMED;
	hlen = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	/* The datagram must hold its header and fit in the frame. */
	if (tot < hlen || l3 + tot > data_end)
		return KEEL_P_MALFORMED;

	p->flow.family = KEEL_F_INET;
	p->flow.proto = iph->protocol;
	p->flow.src[0] = iph->saddr;
	p->flow.dst[0] = iph->daddr;

	frag = bpf_ntohs(iph->frag_off);
	if (frag & (KEEL_IP_MF | KEEL_IP_OFFSET)) {
		p->is_frag = 1;
		return KEEL_P_OK;
	}
	return keel_parse_l4(l3 + hlen, l3 + tot, data_end, p);
}

static __always_inline int keel_parse_ipv6(void *l3, void *data_end,
					   struct keel_pkt *p)
{
	struct ipv6hdr *ip6h = l3;
	void *cur, *end;
	__u32 plen;
	__u8 nh;
	int i;

	if ((void *)(ip6h + 1) > data_end)
		return KEEL_P_MALFORMED;
	if (ip6h->version != 6)
		return KEEL_P_MALFORMED;
	plen = bpf_ntohs(ip6h->payload_len);
	/* Jumbograms (payload length 0, RFC 2675) are not supported. */
	if (plen == 0)
		return KEEL_P_MALFORMED;
	cur = ip6h + 1;
	end = cur + plen;
	if (end > data_end)
		return KEEL_P_MALFORMED;

	p->flow.family = KEEL_F_INET6;
	__builtin_memcpy(p->flow.src, &ip6h->saddr, 16);
	__builtin_memcpy(p->flow.dst, &ip6h->daddr, 16);
	nh = ip6h->nexthdr;

	/* RFC 8200 section 4: walk the usual extension headers, bounded. */
#pragma unroll
	for (i = 0; i < KEEL_IPV6_EXT_MAX; i++) {
		struct ipv6_ext *ext = cur;
		struct ipv6_frag *fh = cur;

		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(ext + 1) > data_end)
				return KEEL_P_MALFORMED;
			nh = ext->nexthdr;
			cur += (ext->hdrlen + 1) * 8;
			break;
		case IPPROTO_AH: /* RFC 4302: length in 4-octet units, minus 2 */
			if ((void *)(ext + 1) > data_end)
				return KEEL_P_MALFORMED;
			nh = ext->nexthdr;
			cur += (ext->hdrlen + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			if ((void *)(fh + 1) > data_end)
				return KEEL_P_MALFORMED;
			nh = fh->nexthdr;
			cur += sizeof(*fh);
			if (bpf_ntohs(fh->frag_off) &
			    (KEEL_IP6_MF | KEEL_IP6_OFFSET)) {
				p->is_frag = 1;
				if (cur > end)
					return KEEL_P_MALFORMED;
				goto l4;
			}
			break;
		default:
			goto l4;
		}
		if (cur > end)
			return KEEL_P_MALFORMED;
	}
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_FRAGMENT:
		return KEEL_P_UNPARSED;
	}
l4:
	p->flow.proto = nh;
	if (p->is_frag)
		return KEEL_P_OK;
	return keel_parse_l4(cur, end, data_end, p);
}

/* Parse from the Ethernet header, through at most one VLAN tag. */
static __always_inline int keel_parse(void *data, void *data_end,
				      struct keel_pkt *p)
{
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	__u16 proto;

	if ((void *)(eth + 1) > data_end)
		return KEEL_P_NOT_IP;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) ||
	    proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > data_end)
			return KEEL_P_NOT_IP;
		proto = vh->encap_proto;
		l3 = vh + 1;
	}
	if (proto == bpf_htons(ETH_P_IP))
		return keel_parse_ipv4(l3, data_end, p);
	if (proto == bpf_htons(ETH_P_IPV6))
		return keel_parse_ipv6(l3, data_end, p);
	return KEEL_P_NOT_IP;
}

#endif /* XDP_PARSE_H */
