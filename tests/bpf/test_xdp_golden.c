// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_xdp_golden.c - golden packets through the keel XDP program.
 *
 * Each row of the table is one packet (or a few variants of it), run with
 * BPF_PROG_TEST_RUN on maps built through lb_model, with its expectations:
 * verdict, output bytes, the delta of every global counter, the per-service
 * and per-real counters and the conn table.  The real a new flow must reach
 * is computed here, from keel_hash.h and the ring read back from the kernel.
 * Rows marked .cuts are also cut at every byte of the headers the parser
 * needs, three ways: frame cut, frame cut with the IP length matching the
 * cut, and IP length cut with the original bytes left as padding.
 *
 * Every row gets a fresh instance (maps and program), so rows never see
 * each other's conn entries or counters.
 *
 * Every row runs twice: with pair sync off (the default: no record, no
 * sync counter moves) and on, where the records the program puts in
 * keel_sync_ring are read back after each packet and checked: one NEW
 * or RECHOSEN for each entry written, of that flow and real; a REFRESH
 * for a hit whose entry was due; nothing else.  sync_paths checks the
 * re-announce, the peer flag, the order of one CPU's records and a full
 * region on their own; sync_race the reader against the program running
 * on another CPU at the same time.
 *
 * Needs root, and a network namespace holding veths kg0 and kg1
 * (run-in-netns.sh): the ctx names kg0 as the ingress device and kg1 is
 * the redirect target.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <check.h>
#include "check_run.h"

#include "keel_hash.h"
#include "keel_maps.h"
#include "keel_names.h"
#include "keel_addr.h"
#include "lb_dp.h"
#include "lb_model.h"
#include "lb_neigh.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define EXIT_SKIP 77

#define IF_IN "kg0"
#define IF_OUT "kg1"
#define CONN_SIZE 4096
#define PKT_MAX 512
#define DIAG_MAX 3000 /* Check refuses longer failure messages */
#define REAL_IDS 32 /* real ids checked for counter changes */

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define IP_MF 0x2000
#define VLAN_TCI 0x0064 /* VLAN 100 */

#define CLIENT4 "198.51.100.7"
#define ROUTER4 "203.0.113.1"
#define WEB4 "10.0.0.10" /* :80/tcp, :53/udp */
#define ANY4 "10.0.0.20" /* port-less tcp */
#define PERS4 "10.0.0.30" /* :80/tcp persistent */
#define EMPTY4 "10.0.0.40" /* :80/tcp no real, :443/tcp real without MAC */
#define NONVIP4 "10.0.0.99"
#define CLIENT6 "2001:db8:c::7"
#define ROUTER6 "2001:db8:ffff::1"
#define WEB6 "2001:db8::10" /* :443/tcp */
#define ANY6 "2001:db8::20" /* port-less udp */
#define NONVIP6 "2001:db8::99"

static const uint8_t mac_lb[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_router[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };

/* ------------------------------------------------------------------ */
/* Services and reals every row starts from                           */

enum svc_ix {
	S_NONE,
	S_WEB4,
	S_DNS4,
	S_ANY4,
	S_PERS4,
	S_EMPTY4,
	S_NOMAC4,
	S_WEB6,
	S_ANY6,
	S__N,
};

/*
 * The web services keep the default ring size; the others use a small
 * prime, since writing and installing rings is most of a row's set-up.
 */
#define RING_SMALL 251

static const struct svc_def {
	const char *vip; /* keel_vip_parse syntax */
	uint32_t flags;
	uint32_t ring_size; /* 0: KEEL_RING_SIZE_DEFAULT */
	bool no_mac; /* reals left unresolved */
	const char *reals[4];
} svc_defs[S__N] = {
	[S_WEB4] = { .vip = WEB4 ":80/tcp",
		     .reals = { "192.168.1.1", "192.168.1.2" } },
	[S_DNS4] = { .vip = WEB4 ":53/udp",
		     .ring_size = RING_SMALL,
		     .reals = { "192.168.1.3" } },
	[S_ANY4] = { .vip = ANY4 "/tcp",
		     .ring_size = RING_SMALL,
		     .reals = { "192.168.1.4", "192.168.1.5" } },
	[S_PERS4] = { .vip = PERS4 ":80/tcp",
		      .ring_size = RING_SMALL,
		      .flags = KEEL_SVC_F_PERSISTENT,
		      .reals = { "192.168.1.6", "192.168.1.7",
				 "192.168.1.8" } },
	[S_EMPTY4] = { .vip = EMPTY4 ":80/tcp", .ring_size = RING_SMALL },
	[S_NOMAC4] = { .vip = EMPTY4 ":443/tcp",
		       .ring_size = RING_SMALL,
		       .no_mac = true,
		       .reals = { "192.168.1.9" } },
	[S_WEB6] = { .vip = "[" WEB6 "]:443/tcp",
		     .reals = { "2001:db8:1::1", "2001:db8:1::2" } },
	[S_ANY6] = { .vip = "[" ANY6 "]/udp",
		     .ring_size = RING_SMALL,
		     .reals = { "2001:db8:1::3", "2001:db8:1::4" } },
};

/* ------------------------------------------------------------------ */
/* Packet builder                                                     */

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t l3; /* outer IP header; 0 if none */
	uint8_t ipv; /* 4, 6, or 0 */
	size_t udp; /* outer UDP header, for its length */
	size_t tcp; /* outer TCP header, for its flags */
	bool frag; /* a fragment: L4 is not parsed */
	/* The parser needs [0, need): every shorter cut is malformed. */
	size_t need;
	/* Conn-table key of the client's flow this packet belongs to. */
	struct keel_flow flow;
};

static void wr16(uint8_t *q, uint16_t v)
{
	q[0] = v >> 8;
	q[1] = v;
}

static void wr32(uint8_t *q, uint32_t v)
{
	wr16(q, v >> 16);
	wr16(q + 2, v);
}

static uint8_t *put(struct pkt *p, size_t n)
{
	uint8_t *q = p->b + p->len;

	if (p->len + n > sizeof(p->b))
		abort(); /* a builder bug, not a test failure */
	memset(q, 0, n);
	p->len += n;
	return q;
}

static void addr_of(uint8_t family, const char *s, __be32 out[4])
{
	memset(out, 0, 16);
	if (inet_pton(family == KEEL_F_INET ? AF_INET : AF_INET6, s, out) != 1)
		abort();
}

static void set_flow(struct pkt *p, uint8_t family, const char *src,
		     const char *dst, uint8_t proto, uint16_t sport,
		     uint16_t dport)
{
	memset(&p->flow, 0, sizeof(p->flow));
	p->flow.family = family;
	addr_of(family, src, p->flow.src);
	addr_of(family, dst, p->flow.dst);
	p->flow.proto = proto;
	p->flow.sport = htons(sport);
	p->flow.dport = htons(dport);
}

/* Ethernet header, with one tag when tpid is non-zero. */
static void l2(struct pkt *p, uint16_t tpid, uint16_t type)
{
	uint8_t *q = put(p, ETH_HLEN);

	memcpy(q, mac_lb, 6);
	memcpy(q + 6, mac_router, 6);
	if (!tpid) {
		wr16(q + 12, type);
		return;
	}
	wr16(q + 12, tpid);
	q = put(p, 4);
	wr16(q, VLAN_TCI);
	wr16(q + 2, type);
}

static void ip4_csum(struct pkt *p, size_t off)
{
	uint8_t *q = p->b + off;
	size_t i, hlen = (q[0] & 0xf) * 4;
	uint32_t sum = 0;

	if (hlen < 20)
		hlen = 20;
	wr16(q + 10, 0);
	for (i = 0; i < hlen; i += 2)
		sum += (q[i] << 8) | q[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(q + 10, ~sum);
}

static void ip4_set_len(struct pkt *p, size_t off, uint16_t len)
{
	wr16(p->b + off + 2, len);
	ip4_csum(p, off);
}

/* The first IP header written is the packet's; later ones are quotes. */
static size_t ip4(struct pkt *p, const char *src, const char *dst,
		  uint8_t proto, unsigned int ihl, uint16_t frag)
{
	size_t off = p->len;
	uint8_t *q = put(p, ihl * 4);

	q[0] = 0x40 | ihl;
	wr16(q + 4, 0x1234);
	wr16(q + 6, frag);
	q[8] = 64;
	q[9] = proto;
	if (inet_pton(AF_INET, src, q + 12) != 1 ||
	    inet_pton(AF_INET, dst, q + 16) != 1)
		abort();
	memset(q + 20, 1, ihl * 4 - 20); /* NOP options */
	if (!p->l3) {
		p->l3 = off;
		p->ipv = 4;
		set_flow(p, KEEL_F_INET, src, dst, proto, 0, 0);
		p->frag = frag & (IP_MF | 0x1fff);
	}
	p->need = p->len;
	return off;
}

static size_t ip6(struct pkt *p, const char *src, const char *dst, uint8_t nh)
{
	size_t off = p->len;
	uint8_t *q = put(p, 40);

	q[0] = 0x60;
	q[6] = nh;
	q[7] = 64;
	if (inet_pton(AF_INET6, src, q + 8) != 1 ||
	    inet_pton(AF_INET6, dst, q + 24) != 1)
		abort();
	if (!p->l3) {
		p->l3 = off;
		p->ipv = 6;
		set_flow(p, KEEL_F_INET6, src, dst, nh, 0, 0);
	}
	p->need = p->len;
	return off;
}

/* IPv6 extension header of len bytes (RFC 8200 section 4, RFC 4302). */
static void ext6(struct pkt *p, uint8_t type, uint8_t nh, size_t len)
{
	uint8_t *q = put(p, len);

	q[0] = nh;
	switch (type) {
	case IPPROTO_AH:
		q[1] = len / 4 - 2;
		wr32(q + 4, 0x100); /* SPI */
		wr32(q + 8, 1); /* sequence */
		break;
	case IPPROTO_ROUTING:
		q[1] = len / 8 - 1;
		q[2] = 253; /* experimental type, segments left 0 */
		break;
	default: /* hop-by-hop, destination options: one PadN */
		q[1] = len / 8 - 1;
		q[2] = 1;
		q[3] = len - 4;
		break;
	}
	p->flow.proto = nh;
	p->need = p->len;
}

static void frag6(struct pkt *p, uint8_t nh, uint16_t off8, bool mf)
{
	uint8_t *q = put(p, 8);

	q[0] = nh;
	wr16(q + 2, off8 << 3 | mf);
	wr32(q + 4, 0xabcd);
	p->flow.proto = nh;
	if (off8 || mf)
		p->frag = true;
	p->need = p->len;
}

static void tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t *q = put(p, 20);

	wr16(q, sport);
	wr16(q + 2, dport);
	wr32(q + 4, 1000);
	q[12] = 5 << 4;
	q[13] = flags;
	wr16(q + 14, 65535);
	if (p->frag)
		return;
	p->tcp = q - p->b;
	p->flow.sport = htons(sport);
	p->flow.dport = htons(dport);
	p->need = p->len;
}

static void udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *q;

	p->udp = p->len;
	q = put(p, 8);
	wr16(q, sport);
	wr16(q + 2, dport);
	if (p->frag)
		return;
	p->flow.sport = htons(sport);
	p->flow.dport = htons(dport);
	p->need = p->len;
}

static void icmp(struct pkt *p, uint8_t type, uint8_t code, uint32_t word)
{
	uint8_t *q = put(p, 8);

	q[0] = type;
	q[1] = code;
	wr32(q + 4, word);
	p->need = p->len;
}

/* The 8 bytes of the quoted L4 header (RFC 792); the parser needs 4. */
static void quote_ports(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t *q = put(p, 8);

	wr16(q, sport);
	wr16(q + 2, dport);
	wr32(q + 4, 1000);
	p->need = p->len - 4;
}

static void bytes(struct pkt *p, size_t n, uint8_t fill)
{
	memset(put(p, n), fill, n);
}

/* Length fields of the outer IP and UDP headers. */
static void done(struct pkt *p)
{
	if (p->ipv == 4)
		ip4_set_len(p, p->l3, p->len - p->l3);
	else if (p->ipv == 6)
		wr16(p->b + p->l3 + 4, p->len - p->l3 - 40);
	if (p->udp)
		wr16(p->b + p->udp + 4, p->len - p->udp);
}

static void tcp4_pkt(struct pkt *p, uint16_t tpid, const char *dst,
		     uint16_t sport, uint16_t dport, uint8_t flags)
{
	l2(p, tpid, ETH_P_IP);
	ip4(p, CLIENT4, dst, IPPROTO_TCP, 5, 0);
	tcp(p, sport, dport, flags);
	done(p);
}

static void udp4_pkt(struct pkt *p, const char *dst, uint16_t sport,
		     uint16_t dport)
{
	l2(p, 0, ETH_P_IP);
	ip4(p, CLIENT4, dst, IPPROTO_UDP, 5, 0);
	udp(p, sport, dport);
	bytes(p, 12, 0x5a);
	done(p);
}

static void tcp6_pkt(struct pkt *p, uint16_t tpid, const char *dst,
		     uint16_t sport, uint16_t dport, uint8_t flags)
{
	l2(p, tpid, ETH_P_IPV6);
	ip6(p, CLIENT6, dst, IPPROTO_TCP);
	tcp(p, sport, dport, flags);
	done(p);
}

static void udp6_pkt(struct pkt *p, const char *dst, uint16_t sport,
		     uint16_t dport)
{
	l2(p, 0, ETH_P_IPV6);
	ip6(p, CLIENT6, dst, IPPROTO_UDP);
	udp(p, sport, dport);
	bytes(p, 12, 0x5a);
	done(p);
}

/*
 * ICMP "fragmentation needed" (RFC 792, RFC 1191) from a router to the
 * VIP, quoting a packet the real sent as VIP:vport -> client:cport.  The
 * packet belongs to the client's flow client:cport -> VIP:vport.
 */
static void icmp4_too_big(struct pkt *p, const char *vip, uint8_t proto,
			  uint16_t vport, uint16_t cport)
{
	size_t q;

	l2(p, 0, ETH_P_IP);
	ip4(p, ROUTER4, vip, IPPROTO_ICMP, 5, 0);
	icmp(p, 3, 4, 1400);
	q = ip4(p, vip, CLIENT4, proto, 5, 0);
	ip4_set_len(p, q, 1500);
	quote_ports(p, vport, cport);
	done(p);
	set_flow(p, KEEL_F_INET, CLIENT4, vip, proto, cport, vport);
}

/* ICMPv6 packet too big (RFC 4443 section 3.2), same shape. */
static void icmp6_too_big(struct pkt *p, const char *vip, uint8_t proto,
			  uint16_t vport, uint16_t cport)
{
	size_t q;

	l2(p, 0, ETH_P_IPV6);
	ip6(p, ROUTER6, vip, IPPROTO_ICMPV6);
	icmp(p, 2, 0, 1280);
	q = ip6(p, vip, CLIENT6, proto);
	wr16(p->b + q + 4, 1460);
	quote_ports(p, vport, cport);
	done(p);
	set_flow(p, KEEL_F_INET6, CLIENT6, vip, proto, cport, vport);
}

/* ------------------------------------------------------------------ */
/* Packets of the table (v: variant)                                  */

static void b_arp(struct pkt *p, int v)
{
	uint8_t *q;

	(void)v;
	l2(p, 0, ETH_P_ARP);
	q = put(p, 28);
	wr16(q, 1); /* Ethernet */
	wr16(q + 2, ETH_P_IP);
	q[4] = 6;
	q[5] = 4;
	wr16(q + 6, 1); /* request */
	memcpy(q + 8, mac_router, 6);
	inet_pton(AF_INET, ROUTER4, q + 14);
	inet_pton(AF_INET, WEB4, q + 24);
}

static void b_vlan_arp(struct pkt *p, int v)
{
	uint8_t *q;

	(void)v;
	l2(p, ETH_P_8021Q, ETH_P_ARP);
	q = put(p, 28);
	wr16(q, 1);
	wr16(q + 2, ETH_P_IP);
	q[4] = 6;
	q[5] = 4;
	wr16(q + 6, 1);
}

static void b_lldp(struct pkt *p, int v)
{
	(void)v;
	l2(p, 0, 0x88cc);
	bytes(p, 32, 0x02);
}

/* v bytes of frame: 0 to ETH_HLEN - 1 */
static void b_runt(struct pkt *p, int v)
{
	static const uint8_t hdr[ETH_HLEN] = {
		0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0xfe, 0x08, 0x00,
	};

	memcpy(put(p, v), hdr, v);
}

/* Two tags (802.1ad outer, 802.1Q inner): only one is walked. */
static void b_qinq(struct pkt *p, int v)
{
	uint8_t *q;

	(void)v;
	l2(p, ETH_P_8021AD, ETH_P_8021Q);
	q = put(p, 4);
	wr16(q, 200);
	wr16(q + 2, ETH_P_IP);
	ip4(p, CLIENT4, WEB4, IPPROTO_TCP, 5, 0);
	tcp(p, 40000, 80, TCP_SYN);
	done(p);
}

static void b_tcp4_nonvip(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, NONVIP4, 40000, 80, TCP_SYN);
}

static void b_tcp6_nonvip(struct pkt *p, int v)
{
	(void)v;
	tcp6_pkt(p, 0, NONVIP6, 40000, 443, TCP_SYN);
}

static void b_tcp4_noport(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, WEB4, 40000, 8080, TCP_SYN);
}

static void b_udp4_noport(struct pkt *p, int v)
{
	(void)v;
	udp4_pkt(p, WEB4, 40000, 123);
}

static void b_echo4(struct pkt *p, int v)
{
	(void)v;
	l2(p, 0, ETH_P_IP);
	ip4(p, CLIENT4, WEB4, IPPROTO_ICMP, 5, 0);
	icmp(p, 8, 0, 0x00010001);
	bytes(p, 16, 0x61);
	done(p);
}

static void b_echo6(struct pkt *p, int v)
{
	(void)v;
	l2(p, 0, ETH_P_IPV6);
	ip6(p, CLIENT6, WEB6, IPPROTO_ICMPV6);
	icmp(p, 128, 0, 0x00010001);
	bytes(p, 16, 0x61);
	done(p);
}

static void b_tcp4_syn(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, WEB4, 40000, 80, TCP_SYN);
}

static void b_tcp4_ack(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, WEB4, 40000, 80, TCP_ACK);
}

static const uint8_t mac_other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };

/* A VIP's SYN on a flooding segment, addressed to another host. */
static void b_other_mac(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, WEB4, 40000, 80, TCP_SYN);
	memcpy(p->b, mac_other, 6);
}

static void b_other_mac_nonvip(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, NONVIP4, 40000, 80, TCP_SYN);
	memcpy(p->b, mac_other, 6);
}

/* Broadcast, IPv4 multicast (RFC 1112), IPv6 multicast (RFC 2464). */
static void b_mcast(struct pkt *p, int v)
{
	static const uint8_t macs[][6] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
	};

	udp4_pkt(p, WEB4, 40000, 53);
	memcpy(p->b, macs[v], 6);
}

/* Eight flows: at least one pair lands on different reals. */
static void b_tcp4_flows(struct pkt *p, int v)
{
	tcp4_pkt(p, 0, WEB4, 40100 + v, 80, TCP_SYN);
}

static void b_udp4(struct pkt *p, int v)
{
	(void)v;
	udp4_pkt(p, WEB4, 40000, 53);
}

static void b_tcp6_syn(struct pkt *p, int v)
{
	(void)v;
	tcp6_pkt(p, 0, WEB6, 40000, 443, TCP_SYN);
}

static void b_tcp6_ack(struct pkt *p, int v)
{
	(void)v;
	tcp6_pkt(p, 0, WEB6, 40000, 443, TCP_ACK);
}

static void b_udp6(struct pkt *p, int v)
{
	udp6_pkt(p, ANY6, 40000 + v, 5000);
}

static void b_tcp4_8021q(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, ETH_P_8021Q, WEB4, 40000, 80, TCP_SYN);
}

static void b_tcp4_8021ad(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, ETH_P_8021AD, WEB4, 40000, 80, TCP_SYN);
}

static void b_tcp6_8021q(struct pkt *p, int v)
{
	(void)v;
	tcp6_pkt(p, ETH_P_8021Q, WEB6, 40000, 443, TCP_SYN);
}

/* ihl 6 to 15 */
static void b_ip4_opts(struct pkt *p, int v)
{
	l2(p, 0, ETH_P_IP);
	ip4(p, CLIENT4, WEB4, IPPROTO_TCP, 6 + v, 0);
	tcp(p, 41000 + v, 80, TCP_SYN);
	done(p);
}

/* IPv6 with extension headers before TCP: one of each kind, then six. */
static const struct {
	uint8_t type;
	size_t len;
} ext_kinds[] = {
	{ IPPROTO_HOPOPTS, 8 },	 { IPPROTO_ROUTING, 24 },
	{ IPPROTO_DSTOPTS, 16 }, { IPPROTO_AH, 24 },
	{ IPPROTO_FRAGMENT, 8 }, /* atomic: offset 0, M clear (RFC 8200 4.5) */
};

static void ext_chain(struct pkt *p, const uint8_t *types, const size_t *lens,
		      int n, uint8_t last)
{
	int i;

	for (i = 0; i < n; i++) {
		uint8_t nh = i + 1 < n ? types[i + 1] : last;

		if (types[i] == IPPROTO_FRAGMENT)
			frag6(p, nh, 0, false);
		else
			ext6(p, types[i], nh, lens[i]);
	}
}

static void b_ext6(struct pkt *p, int v)
{
	static const uint8_t six[] = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS,
				       IPPROTO_ROUTING, IPPROTO_FRAGMENT,
				       IPPROTO_AH,	IPPROTO_DSTOPTS };
	static const size_t six_len[] = { 8, 8, 24, 8, 16, 8 };
	uint8_t t;
	size_t len;

	l2(p, 0, ETH_P_IPV6);
	if (v < (int)ARRAY_SIZE(ext_kinds)) {
		t = ext_kinds[v].type;
		len = ext_kinds[v].len;
		ip6(p, CLIENT6, WEB6, t);
		ext_chain(p, &t, &len, 1, IPPROTO_TCP);
	} else {
		ip6(p, CLIENT6, WEB6, six[0]);
		ext_chain(p, six, six_len, ARRAY_SIZE(six), IPPROTO_TCP);
	}
	tcp(p, 42000 + v, 443, TCP_SYN);
	done(p);
}

/* One more extension header than the parser walks (KEEL_IPV6_EXT_MAX). */
static void b_ext6_too_many(struct pkt *p, int v)
{
	uint8_t t[KEEL_IPV6_EXT_MAX + 1];
	size_t len[KEEL_IPV6_EXT_MAX + 1];
	int i;

	(void)v;
	for (i = 0; i <= KEEL_IPV6_EXT_MAX; i++) {
		t[i] = IPPROTO_DSTOPTS;
		len[i] = 8;
	}
	l2(p, 0, ETH_P_IPV6);
	ip6(p, CLIENT6, WEB6, t[0]);
	ext_chain(p, t, len, ARRAY_SIZE(t), IPPROTO_TCP);
	tcp(p, 40000, 443, TCP_SYN);
	done(p);
}

/* A header claiming more bytes than the payload holds. */
static void b_ext6_overrun(struct pkt *p, int v)
{
	(void)v;
	l2(p, 0, ETH_P_IPV6);
	ip6(p, CLIENT6, WEB6, IPPROTO_HOPOPTS);
	ext6(p, IPPROTO_HOPOPTS, IPPROTO_TCP, 8);
	tcp(p, 40000, 443, TCP_SYN);
	done(p);
	p->b[p->l3 + 40 + 1] = 4; /* 40 bytes */
}

static void frag4_pkt(struct pkt *p, const char *dst, bool later)
{
	l2(p, 0, ETH_P_IP);
	if (later) {
		ip4(p, CLIENT4, dst, IPPROTO_TCP, 5, 185);
		bytes(p, 40, 0xaa);
	} else {
		ip4(p, CLIENT4, dst, IPPROTO_TCP, 5, IP_MF);
		tcp(p, 40000, 80, TCP_ACK);
		bytes(p, 1460 / 40, 0xaa);
	}
	done(p);
}

static void b_frag4_first(struct pkt *p, int v)
{
	(void)v;
	frag4_pkt(p, ANY4, false);
}

static void b_frag4_later(struct pkt *p, int v)
{
	(void)v;
	frag4_pkt(p, ANY4, true);
}

static void b_frag4_nosvc(struct pkt *p, int v)
{
	frag4_pkt(p, WEB4, v);
}

static void b_frag4_nonvip(struct pkt *p, int v)
{
	frag4_pkt(p, NONVIP4, v);
}

static void frag6_pkt(struct pkt *p, const char *dst, bool later)
{
	l2(p, 0, ETH_P_IPV6);
	ip6(p, CLIENT6, dst, IPPROTO_FRAGMENT);
	if (later) {
		frag6(p, IPPROTO_UDP, 185, false);
		bytes(p, 40, 0xaa);
	} else {
		frag6(p, IPPROTO_UDP, 0, true);
		udp(p, 40000, 5000);
		bytes(p, 40, 0xaa);
	}
	done(p);
	p->udp = 0;
}

static void b_frag6_first(struct pkt *p, int v)
{
	(void)v;
	frag6_pkt(p, ANY6, false);
}

static void b_frag6_later(struct pkt *p, int v)
{
	(void)v;
	frag6_pkt(p, ANY6, true);
}

static void b_frag6_nosvc(struct pkt *p, int v)
{
	frag6_pkt(p, WEB6, v);
}

static void b_frag6_nonvip(struct pkt *p, int v)
{
	frag6_pkt(p, NONVIP6, v);
}

/*
 * A destination options header in the fragmentable part (RFC 8200 4.5):
 * only the first fragment holds it; a later one holds payload bytes where
 * the first holds that header.
 */
static void b_frag6_dst_first(struct pkt *p, int v)
{
	(void)v;
	l2(p, 0, ETH_P_IPV6);
	ip6(p, CLIENT6, ANY6, IPPROTO_FRAGMENT);
	frag6(p, IPPROTO_DSTOPTS, 0, true);
	ext6(p, IPPROTO_DSTOPTS, IPPROTO_UDP, 8);
	udp(p, 40000, 5000);
	bytes(p, 32, 0xaa);
	done(p);
}

static void b_frag6_dst_later(struct pkt *p, int v)
{
	(void)v;
	l2(p, 0, ETH_P_IPV6);
	ip6(p, CLIENT6, ANY6, IPPROTO_FRAGMENT);
	frag6(p, IPPROTO_DSTOPTS, 6, false);
	bytes(p, 40, 0xaa);
	done(p);
}

static void b_tb4_tcp(struct pkt *p, int v)
{
	(void)v;
	icmp4_too_big(p, WEB4, IPPROTO_TCP, 80, 40000);
}

static void b_tb4_udp(struct pkt *p, int v)
{
	(void)v;
	icmp4_too_big(p, WEB4, IPPROTO_UDP, 53, 40000);
}

static void b_tb6_tcp(struct pkt *p, int v)
{
	(void)v;
	icmp6_too_big(p, WEB6, IPPROTO_TCP, 443, 40000);
}

static void b_tb4_pers(struct pkt *p, int v)
{
	(void)v;
	icmp4_too_big(p, PERS4, IPPROTO_TCP, 80, 40000);
}

static void b_tb4_nonvip(struct pkt *p, int v)
{
	(void)v;
	icmp4_too_big(p, NONVIP4, IPPROTO_TCP, 80, 40000);
}

/* Quoting an ICMP packet: no ports, so handled as plain ICMP. */
static void b_tb4_icmp(struct pkt *p, int v)
{
	size_t q;

	(void)v;
	l2(p, 0, ETH_P_IP);
	ip4(p, ROUTER4, WEB4, IPPROTO_ICMP, 5, 0);
	icmp(p, 3, 4, 1400);
	q = ip4(p, WEB4, CLIENT4, IPPROTO_ICMP, 5, 0);
	ip4_set_len(p, q, 1500);
	icmp(p, 0, 0, 0x00010001);
	done(p);
}

/* Other unreachable codes are not followed: plain ICMP to the VIP. */
static void b_unreach4(struct pkt *p, int v)
{
	size_t q;

	(void)v;
	l2(p, 0, ETH_P_IP);
	ip4(p, ROUTER4, WEB4, IPPROTO_ICMP, 5, 0);
	icmp(p, 3, 1, 0);
	q = ip4(p, WEB4, CLIENT4, IPPROTO_TCP, 5, 0);
	ip4_set_len(p, q, 1500);
	quote_ports(p, 80, 40000);
	done(p);
}

/* Ports 1, 443, 65535 of the port-less service. */
static void b_any4(struct pkt *p, int v)
{
	static const uint16_t ports[] = { 1, 443, 65535 };

	tcp4_pkt(p, 0, ANY4, 40000 + v, ports[v], TCP_SYN);
}

static void b_pers_a(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, PERS4, 1000, 80, TCP_SYN);
}

/* See x_persist_meaningful for the choice of ports. */
static void b_pers_b(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, PERS4, 2000, 80, TCP_SYN);
}

static void b_empty(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, EMPTY4, 40000, 80, TCP_SYN);
}

static void b_nomac(struct pkt *p, int v)
{
	(void)v;
	tcp4_pkt(p, 0, EMPTY4, 40000, 443, TCP_SYN);
}

/* ihl 0 to 4 */
static void b_bad_ihl(struct pkt *p, int v)
{
	b_tcp4_syn(p, 0);
	p->b[p->l3] = 0x40 | v;
	ip4_csum(p, p->l3);
}

static void b_totlen_long(struct pkt *p, int v)
{
	b_tcp4_syn(p, v);
	ip4_set_len(p, p->l3, p->len - p->l3 + 1);
}

/* v 0: ihl 5, tot_len 19; v 1: ihl 6, tot_len 20 */
static void b_totlen_short(struct pkt *p, int v)
{
	l2(p, 0, ETH_P_IP);
	ip4(p, CLIENT4, WEB4, IPPROTO_TCP, 5 + v, 0);
	tcp(p, 40000, 80, TCP_SYN);
	done(p);
	ip4_set_len(p, p->l3, (5 + v) * 4 - 1);
}

static void b_plen_long(struct pkt *p, int v)
{
	b_tcp6_syn(p, v);
	wr16(p->b + p->l3 + 4, p->len - p->l3 - 40 + 1);
}

static void b_plen_zero(struct pkt *p, int v)
{
	b_tcp6_syn(p, v);
	wr16(p->b + p->l3 + 4, 0);
}

/* Ethertype IPv4, version 0, 5, 6, 15 */
static void b_ver4(struct pkt *p, int v)
{
	static const uint8_t ver[] = { 0, 5, 6, 15 };

	b_tcp4_syn(p, 0);
	p->b[p->l3] = ver[v] << 4 | 5;
	ip4_csum(p, p->l3);
}

/* Ethertype IPv6, version 0, 4, 7 */
static void b_ver6(struct pkt *p, int v)
{
	static const uint8_t ver[] = { 0, 4, 7 };

	b_tcp6_syn(p, 0);
	p->b[p->l3] = ver[v] << 4;
}

/* doff 0 to 4 */
static void b_doff(struct pkt *p, int v)
{
	b_tcp4_syn(p, 0);
	p->b[p->l3 + 20 + 12] = v << 4;
}

static void b_tb4_quote_ver(struct pkt *p, int v)
{
	b_tb4_tcp(p, v);
	p->b[p->l3 + 20 + 8] = 0x65;
}

static void b_tb4_quote_ihl(struct pkt *p, int v)
{
	b_tb4_tcp(p, v);
	p->b[p->l3 + 20 + 8] = 0x44;
}

static void b_tb6_quote_ver(struct pkt *p, int v)
{
	b_tb6_tcp(p, v);
	p->b[p->l3 + 40 + 8] = 0x40;
}

/* IP protocol 0 (a valid number, HOPOPT) to an address that has services. */
static void b_proto0(struct pkt *p, int v)
{
	(void)v;
	l2(p, 0, ETH_P_IP);
	ip4(p, CLIENT4, PERS4, 0, 5, 0);
	bytes(p, 20, 0x11);
	done(p);
}

static void b_proto0_frag(struct pkt *p, int v)
{
	(void)v;
	l2(p, 0, ETH_P_IP);
	ip4(p, CLIENT4, PERS4, 0, 5, IP_MF);
	bytes(p, 24, 0x11);
	done(p);
}

/* ------------------------------------------------------------------ */
/* The instance under test                                            */

struct obs {
	int verdict;
	int reason; /* the reason counter that moved, or -1 */
	uint32_t real; /* the real the frame was addressed to, or 0 */
};

struct world {
	struct lb_dp *dp;
	struct lb_model m;
	bool model_ok;
	struct lb_service *svc[S__N];
	int if_in, if_out;
	uint8_t mac_in[6], mac_out[6];
	const struct golden *row;
	/* Left by a row's prep for its expectations. */
	struct obs prep;
	uint32_t prep_real;
	uint32_t aux_real; /* a real the packet must not reach */
	/* Pair sync on for this run, and the records read back. */
	bool sync;
	struct lb_dp_sync_reader rd;
	struct keel_sync_ev ev[4];
	int n_ev;
	char diag[DIAG_MAX];
	size_t diag_len;
	int nfail;
	int nrun;
	int nskip; /* runts the kernel cannot run */
};

enum real_how {
	R_NONE, /* not forwarded */
	R_FLOW, /* the service's ring, 5-tuple hash */
	R_SRC, /* the service's ring, source hash */
	R_ADDRS, /* the service's ring, address hash */
	R_PREP, /* the real the row's prep recorded */
};

#define SAME_AS_PREP (-1)

struct golden {
	const char *name;
	void (*build)(struct pkt *p, int v);
	/* State before the packet (p: the packet about to be checked). */
	int (*prep)(struct world *w, const struct pkt *p);
	void (*prep_build)(struct pkt *p, int v); /* a packet prep sends */
	/* More checks on the outcome (real: the real it reached). */
	void (*extra)(struct world *w, const struct pkt *p, uint32_t real);
	int nvar; /* variants of the packet; 0 means 1 */
	int verdict; /* XDP_*, or SAME_AS_PREP (verdict, reason, real) */
	enum keel_cnt reason;
	enum svc_ix svc; /* service the packet is counted to */
	enum real_how real;
	bool redirect_err;
	bool same_as_prep; /* and that real is the one prep saw */
	bool cuts; /* also every cut short of what the parser needs */
	bool guard_off; /* keel_if_mac has no entry for the interface */
	/* Depends on the insert cap's window (a clock unit): run again if
	 * the unit changed while the row ran. */
	bool tick;
};

static void failf(struct world *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void failf(struct world *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	w->nfail++;
	if (w->diag_len + 2 >= sizeof(w->diag))
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->diag + w->diag_len, sizeof(w->diag) - w->diag_len, fmt,
		      ap);
	va_end(ap);
	if (n < 0)
		return;
	w->diag_len += n;
	if (w->diag_len + 2 >= sizeof(w->diag)) {
		w->diag_len = sizeof(w->diag) - 1;
		return;
	}
	w->diag[w->diag_len++] = '\n';
	w->diag[w->diag_len] = '\0';
}

/* The interface's MAC, over netlink like lbd does it. */
static int if_mac(const char *name, uint8_t mac[6])
{
	int idx = if_nametoindex(name);

	return idx ? lb_link_mac(idx, mac) : -ENODEV;
}

static struct lb_real *real_by_id(struct world *w, uint32_t id)
{
	size_t i, j;

	for (i = 0; i < w->m.n_svcs; i++) {
		struct lb_service *s = w->m.svcs[i];

		for (j = 0; j < s->n_reals; j++)
			if (s->reals[j].id == id && !s->reals[j].deleted)
				return &s->reals[j];
	}
	return NULL;
}

static uint32_t real_by_mac(struct world *w, const uint8_t mac[6])
{
	size_t i, j;

	for (i = 0; i < w->m.n_svcs; i++) {
		struct lb_service *s = w->m.svcs[i];

		for (j = 0; j < s->n_reals; j++)
			if (!memcmp(s->reals[j].mac, mac, 6))
				return s->reals[j].id;
	}
	return 0;
}

static uint8_t real_mac_seq;

static void real_up(struct world *w, struct lb_service *s, struct lb_real *r,
		    bool mac)
{
	uint8_t m[6] = { 0x02, 0x00, 0x00, 0x00, 0x01, ++real_mac_seq };

	lb_model_real_set_state(s, r, KEEL_RS_UP);
	if (mac)
		lb_model_real_set_mac(s, r, m, w->mac_in, w->if_in);
}

static int world_add_real(struct world *w, enum svc_ix ix, const char *a,
			  bool mac, uint32_t *id)
{
	struct lb_service *s = w->svc[ix];
	struct lb_real *r;
	__be32 addr[4];
	uint8_t fam;
	int err;

	err = keel_addr_parse(a, &fam, addr);
	if (!err)
		err = lb_model_real_add(&w->m, s, fam, addr, 1, &r);
	if (err) {
		failf(w, "setup: real %s: %s", a, strerror(-err));
		return err;
	}
	real_up(w, s, r, mac);
	if (id)
		*id = r->id;
	return 0;
}

/* Re-announce period of the sync runs, in units of seen's clock. */
#define SYNC_REANNOUNCE 100

/* Take what the ring holds, CPU by CPU, into w->ev (the count in
 * w->n_ev). */
static void sync_drain(struct world *w)
{
	struct keel_sync_ev ev[64];
	uint32_t cpu;
	int i, n;

	w->n_ev = 0;
	for (cpu = 0; w->rd.mem && cpu < w->rd.ncpus; cpu++) {
		do {
			n = lb_dp_sync_drain(&w->rd, cpu, ev, ARRAY_SIZE(ev));
			for (i = 0; i < n; i++, w->n_ev++)
				if (w->n_ev < (int)ARRAY_SIZE(w->ev))
					w->ev[w->n_ev] = ev[i];
		} while (n == (int)ARRAY_SIZE(ev));
		if (n < 0)
			failf(w, "sync ring, CPU %u: %s", cpu, strerror(-n));
	}
}

static int world_init(struct world *w, int row)
{
	struct lb_dp_opts o = { .conn_table_size = CONN_SIZE };
	struct keel_vip_key k;
	char inst[64];
	int i, j, err;

	real_mac_seq = 0;
	w->if_in = if_nametoindex(IF_IN);
	w->if_out = if_nametoindex(IF_OUT);
	if (!w->if_in || !w->if_out || if_mac(IF_IN, w->mac_in) ||
	    if_mac(IF_OUT, w->mac_out)) {
		failf(w, "setup: no %s/%s here (run-in-netns.sh)", IF_IN,
		      IF_OUT);
		return -ENODEV;
	}
	snprintf(inst, sizeof(inst), "golden-%d-%d", (int)getpid(), row);
	o.instance = inst;
	err = lb_dp_load(&o, &w->dp);
	if (err) {
		w->dp = NULL;
		failf(w, "setup: lb_dp_load: %s", strerror(-err));
		return err;
	}
	err = lb_model_init(&w->m, w->dp);
	if (err) {
		failf(w, "setup: lb_model_init: %s", strerror(-err));
		return err;
	}
	w->model_ok = true;
	err = lb_dp_tx_port_add(w->dp, w->if_out);
	/* The MAC guard: the frames here are addressed to mac_lb. */
	if (!err)
		err = lb_dp_if_mac_set(w->dp, w->if_in, mac_lb);
	if (err) {
		failf(w, "setup: tx port, MAC: %s", strerror(-err));
		return err;
	}
	for (i = 1; i < S__N; i++) {
		const struct svc_def *d = &svc_defs[i];

		err = keel_vip_parse(d->vip, &k);
		if (!err)
			err = lb_model_svc_add(&w->m, &k, d->flags,
					       d->ring_size, &w->svc[i]);
		if (err) {
			failf(w, "setup: service %s: %s", d->vip,
			      strerror(-err));
			return err;
		}
		for (j = 0; d->reals[j]; j++) {
			err = world_add_real(w, i, d->reals[j], !d->no_mac,
					     NULL);
			if (err)
				return err;
		}
	}
	err = lb_model_commit(&w->m, NULL);
	if (err) {
		failf(w, "setup: commit: %s", strerror(-err));
		return err;
	}
	if (!w->sync)
		return 0;
	err = lb_dp_sync_set(w->dp, true, SYNC_REANNOUNCE);
	if (!err)
		err = lb_dp_sync_reader_open(w->dp, &w->rd);
	if (err)
		failf(w, "setup: pair sync: %s", strerror(-err));
	return err;
}

/* Teardown always runs, and always unpins: nothing outlives the row. */
static void world_fini(struct world *w)
{
	int err;

	lb_dp_sync_reader_close(&w->rd);
	if (w->model_ok)
		lb_model_free(&w->m);
	if (!w->dp)
		return;
	err = lb_dp_unpin(w->dp);
	if (err)
		failf(w, "teardown: unpin: %s", strerror(-err));
	lb_dp_close(w->dp);
	w->dp = NULL;
}

static int commit(struct world *w)
{
	int err = lb_model_commit(&w->m, NULL);

	if (err)
		failf(w, "prep: commit: %s", strerror(-err));
	return err;
}

/* ------------------------------------------------------------------ */
/* Running the program and reading the maps                           */

/*
 * Kernels since "bpf: Support specifying linear xdp packet data size for
 * BPF_PROG_TEST_RUN" refuse frames shorter than an Ethernet header, even
 * behind metadata; older ones take them behind metadata.  main() probes.
 */
static bool runt_ok;

struct result {
	int verdict;
	uint8_t out[PKT_MAX];
	size_t out_len;
};

static int prog_run(struct world *w, const uint8_t *frame, size_t len,
		    struct result *r)
{
	uint8_t in[PKT_MAX + 32], out[PKT_MAX + 32];
	struct xdp_md ctx = {};
	size_t meta = 0;
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	/*
	 * A runt goes in behind enough metadata (a multiple of 4 bytes) to
	 * make up an Ethernet header's length; the program sees the frame.
	 */
	if (len < ETH_HLEN) {
		if (!runt_ok) {
			w->nskip++;
			return -EOPNOTSUPP;
		}
		meta = (ETH_HLEN - len + 3) & ~3UL;
	}
	memset(in, 0, meta);
	memcpy(in + meta, frame, len);
	ctx.data = meta;
	ctx.data_end = meta + len;
	ctx.ingress_ifindex = w->if_in;
	o.data_in = in;
	o.data_size_in = meta + len;
	o.data_out = out;
	o.data_size_out = sizeof(out);
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	o.ctx_out = &ctx;
	o.ctx_size_out = sizeof(ctx);
	o.repeat = 1;
	err = bpf_prog_test_run_opts(lb_dp_prog_fd(w->dp), &o);
	if (err) {
		err = errno ? -errno : -EIO;
		failf(w, "BPF_PROG_TEST_RUN (%zu bytes): %s", len,
		      strerror(-err));
		return err;
	}
	w->nrun++;
	r->verdict = o.retval;
	if (ctx.data > ctx.data_end || ctx.data_end > o.data_size_out) {
		failf(w, "test run returned data %u..%u of %u", ctx.data,
		      ctx.data_end, o.data_size_out);
		return -EIO;
	}
	r->out_len = ctx.data_end - ctx.data;
	memcpy(r->out, out + ctx.data, r->out_len);
	return 0;
}

struct snap {
	uint64_t cnt[KEEL_CNT__MAX];
	struct keel_traffic svc[S__N];
	struct keel_traffic real[REAL_IDS];
	uint64_t conns; /* walked */
	uint64_t occ; /* lb_dp_conn_occupancy() */
	bool has_conn;
	struct keel_conn conn;
};

static int snap_take(struct world *w, const struct keel_flow *f, struct snap *s)
{
	uint64_t cap;
	int i, err;

	memset(s, 0, sizeof(*s));
	err = lb_dp_stats(w->dp, s->cnt);
	for (i = 1; !err && i < S__N; i++)
		err = lb_dp_svc_stats(w->dp, w->svc[i]->svc_id, &s->svc[i]);
	for (i = 1; !err && i < REAL_IDS; i++)
		err = lb_dp_real_stats(w->dp, i, &s->real[i]);
	if (!err)
		err = lb_dp_conn_count(w->dp, &s->conns);
	if (!err)
		err = lb_dp_conn_occupancy(w->dp, &s->occ, &cap);
	if (err) {
		failf(w, "reading counters: %s", strerror(-err));
		return err;
	}
	s->has_conn = bpf_map_lookup_elem(lb_dp_map_fd(w->dp, KEEL_PIN_CONN), f,
					  &s->conn) == 0;
	return 0;
}

/* Counters that are no packet's reason: verdicts and the extras. */
static bool is_reason(int i)
{
	switch (i) {
	case KEEL_CNT_V_PASS:
	case KEEL_CNT_V_DROP:
	case KEEL_CNT_V_TX:
	case KEEL_CNT_V_REDIRECT:
	case KEEL_CNT_REDIRECT_ERR:
	case KEEL_CNT_CONN_INSERTS:
	case KEEL_CNT_MAC_GUARD_OFF:
	case KEEL_CNT_SYNC_RECORDS:
	case KEEL_CNT_SYNC_REFRESH:
	case KEEL_CNT_SYNC_RING_FULL:
		return false;
	}
	return i < KEEL_CNT__MAX;
}

/*
 * The SYN hint of flow f on any CPU (the test run's CPU wrote it): its
 * real, or 0.  A hint slot on another CPU may hold anything.
 */
static uint32_t hint_real(struct world *w, const struct keel_flow *f,
			  uint32_t *gen)
{
	uint32_t slot = keel_hash_flow(f) & (KEEL_HINT_SLOTS - 1), k, id = 0;
	int c, ncpu = libbpf_num_possible_cpus();
	struct keel_hint h;

	for (c = 0; c < ncpu; c++) {
		k = c * KEEL_HINT_SLOTS + slot;
		if (bpf_map_lookup_elem(lb_dp_map_fd(w->dp, KEEL_PIN_HINT), &k,
					&h)) {
			failf(w, "hint lookup: %s", strerror(errno));
			break;
		}
		if (!memcmp(&h.flow, f, sizeof(*f))) {
			id = h.real_id;
			*gen = h.real_gen;
		}
	}
	return id;
}

static int conn_write(struct world *w, const struct keel_flow *f,
		      uint32_t real_id, uint32_t gen)
{
	struct keel_conn c = { .real_id = real_id,
			       .real_gen = gen,
			       .seen = lb_dp_seen_now() };

	if (bpf_map_update_elem(lb_dp_map_fd(w->dp, KEEL_PIN_CONN), f, &c,
				BPF_ANY)) {
		failf(w, "prep: conn write: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* The real keel_xdp must choose for flow f from service ix's ring. */
static uint32_t ring_pick(struct world *w, enum svc_ix ix, enum real_how how,
			  const struct keel_flow *f)
{
	struct keel_svc_info info;
	uint32_t h, *ring, id = 0;
	int err;

	if (bpf_map_lookup_elem(lb_dp_map_fd(w->dp, KEEL_PIN_SERVICES),
				&w->svc[ix]->key, &info)) {
		failf(w, "service %s not in the map", svc_defs[ix].vip);
		return 0;
	}
	if (how == R_SRC)
		h = keel_hash_src(f);
	else if (how == R_ADDRS)
		h = keel_hash_addrs(f);
	else
		h = keel_hash_flow(f);
	ring = calloc(info.ring_size, sizeof(*ring));
	if (!ring)
		abort();
	err = lb_dp_ring_read(w->dp, info.ring_id, ring, info.ring_size);
	if (err)
		failf(w, "ring read: %s", strerror(-err));
	else
		id = ring[keel_hash_index(h, info.ring_size)];
	free(ring);
	return id;
}

static uint32_t verdict_cnt(int verdict)
{
	switch (verdict) {
	case XDP_PASS:
		return KEEL_CNT_V_PASS;
	case XDP_TX:
		return KEEL_CNT_V_TX;
	case XDP_REDIRECT:
		return KEEL_CNT_V_REDIRECT;
	default:
		return KEEL_CNT_V_DROP;
	}
}

static const char *verdict_name(int v)
{
	static const char *const n[] = { "ABORTED", "DROP", "PASS", "TX",
					 "REDIRECT" };

	return v >= 0 && v < (int)ARRAY_SIZE(n) ? n[v] : "?";
}

/* Run p once and see what happened, for preps. */
static int observe(struct world *w, const struct pkt *p, struct obs *ob)
{
	struct result r = {};
	struct snap a, b;
	int i, err;

	err = snap_take(w, &p->flow, &a);
	if (!err)
		err = prog_run(w, p->b, p->len, &r);
	if (!err)
		err = snap_take(w, &p->flow, &b);
	if (err)
		return err;
	ob->verdict = r.verdict;
	ob->reason = -1;
	for (i = 0; i < KEEL_CNT__MAX; i++)
		if (is_reason(i) && b.cnt[i] != a.cnt[i])
			ob->reason = i;
	ob->real = 0;
	if (r.out_len >= 6 && memcmp(r.out, p->b, 6))
		ob->real = real_by_mac(w, r.out);
	return 0;
}

struct expect {
	int verdict;
	int reason;
	bool redirect_err;
	bool guard_off; /* mac_guard_off moves */
	enum svc_ix svc;
	uint32_t real; /* frame readdressed to it, its counters move */
	bool new_flow; /* the flow's entry is (re)written with real */
	bool hint; /* a hint for the flow names real; no entry written */
};

#define CHECK_TRAFFIC(what, d, want_pk, want_by, want_nf)                      \
	do {                                                                   \
		if ((d).packets != (want_pk) || (d).bytes != (want_by) ||      \
		    (d).new_flows != (want_nf))                                \
			failf(w,                                               \
			      "%s: %s counters moved by %llu/%llu/%llu, want " \
			      "%llu/%llu/%llu (packets/bytes/new flows)",      \
			      tag, what, (unsigned long long)(d).packets,      \
			      (unsigned long long)(d).bytes,                   \
			      (unsigned long long)(d).new_flows,               \
			      (unsigned long long)(want_pk),                   \
			      (unsigned long long)(want_by),                   \
			      (unsigned long long)(want_nf));                  \
	} while (0)

static struct keel_traffic traffic_delta(const struct keel_traffic *a,
					 const struct keel_traffic *b)
{
	struct keel_traffic d = {
		.packets = b->packets - a->packets,
		.bytes = b->bytes - a->bytes,
		.new_flows = b->new_flows - a->new_flows,
	};

	return d;
}

/* The entry was stamped by this packet (the kernel's coarse clock lags). */
static void check_seen(struct world *w, const char *tag,
		       const struct keel_conn *c)
{
	uint32_t now = lb_dp_seen_now();

	if (c->seen != now && c->seen + 1 != now)
		failf(w, "%s: entry last seen at %u, now is %u", tag, c->seen,
		      now);
}

/*
 * Pair sync's records for one packet (w->ev, read back after it): with
 * sync on, one NEW (a flow recorded, a SYN reusing its 5-tuple) or
 * RECHOSEN for an entry written, naming the flow and the real written; a
 * REFRESH for a hit that moved the entry's seen while its ann was due,
 * then ann is now; nothing else.  With sync off, none.
 */
static void check_sync(struct world *w, const char *tag, const struct pkt *p,
		       const struct expect *e, const struct snap *a,
		       const struct snap *b, int inserted, int *recs,
		       int *refresh)
{
	const struct keel_sync_ev *ev = &w->ev[0];
	struct lb_real *real = e->real ? real_by_id(w, e->real) : NULL;
	uint32_t id = e->real, gen = real ? real->gen : 0;
	uint8_t kind = 0;

	if (w->sync && e->new_flow &&
	    (e->reason != KEEL_CNT_FLOW_RECORDED || inserted)) {
		kind = e->reason == KEEL_CNT_CONN_RECHOSEN ?
			       KEEL_SYNC_EV_RECHOSEN :
			       KEEL_SYNC_EV_NEW;
	} else if (w->sync && e->reason == KEEL_CNT_CONN_HIT && b->has_conn &&
		   b->conn.seen != a->conn.seen &&
		   (uint16_t)((uint16_t)b->conn.seen - a->conn.ann) >=
			   SYNC_REANNOUNCE) {
		kind = KEEL_SYNC_EV_REFRESH;
		id = a->conn.real_id;
		gen = a->conn.real_gen;
		*refresh = 1;
	}
	*recs = kind != 0;
	if (w->n_ev != *recs) {
		failf(w, "%s: %d sync records, want %d", tag, w->n_ev, *recs);
		return;
	}
	if (kind &&
	    (ev->kind != kind || ev->real_id != id || ev->real_gen != gen ||
	     memcmp(&ev->flow, &p->flow, sizeof(ev->flow)) ||
	     ev->pad[0] | ev->pad[1] | ev->pad[2]))
		failf(w, "%s: sync record kind %u real %u/%u, want %u %u/%u%s",
		      tag, ev->kind, ev->real_id, ev->real_gen, kind, id, gen,
		      memcmp(&ev->flow, &p->flow, sizeof(ev->flow)) ?
			      ", another flow" :
			      "");
	/* Announced now: its next re-announce is a period away. */
	if (kind && b->has_conn && b->conn.ann != (uint16_t)b->conn.seen)
		failf(w, "%s: entry announced at %u, seen %u", tag, b->conn.ann,
		      b->conn.seen);
}

/* Run p and check everything it may change against e; returns the real. */
static uint32_t check_packet(struct world *w, const char *tag,
			     const struct pkt *p, const struct expect *e)
{
	uint8_t want[PKT_MAX];
	struct snap a, b;
	struct result r = {};
	struct lb_real *real = NULL;
	uint32_t got_real = 0;
	int err, inserted, sync_recs = 0, refresh = 0;
	size_t i;

	sync_drain(w); /* what preps left */
	err = snap_take(w, &p->flow, &a);
	if (!err)
		err = prog_run(w, p->b, p->len, &r);
	if (!err)
		err = snap_take(w, &p->flow, &b);
	if (err)
		return 0;
	sync_drain(w);

	if (r.verdict != e->verdict)
		failf(w, "%s: verdict %s, want %s", tag,
		      verdict_name(r.verdict), verdict_name(e->verdict));
	if (e->reason == KEEL_CNT_DROP_MALFORMED &&
	    (r.verdict == XDP_TX || r.verdict == XDP_REDIRECT))
		failf(w, "%s: a malformed packet was FORWARDED", tag);

	memcpy(want, p->b, p->len);
	if (e->real) {
		real = real_by_id(w, e->real);
		if (!real) {
			failf(w, "%s: expected real %u does not exist", tag,
			      e->real);
			return 0;
		}
		memcpy(want, real->mac, 6);
		memcpy(want + 6, real->smac, 6);
	}
	if (r.out_len >= 6 && memcmp(r.out, p->b, 6))
		got_real = real_by_mac(w, r.out);
	if (r.out_len != p->len) {
		failf(w, "%s: output %zu bytes, want %zu", tag, r.out_len,
		      p->len);
	} else {
		for (i = 0; i < p->len && r.out[i] == want[i]; i++)
			;
		if (i < p->len)
			failf(w,
			      "%s: output differs at byte %zu (0x%02x, want "
			      "0x%02x); sent to real %u, want %u",
			      tag, i, r.out[i], want[i], got_real, e->real);
	}

	inserted = e->new_flow && !a.has_conn;
	check_sync(w, tag, p, e, &a, &b, inserted, &sync_recs, &refresh);
	for (i = 0; i < KEEL_CNT__MAX; i++) {
		uint64_t d = b.cnt[i] - a.cnt[i];
		uint64_t want_d =
			(i == verdict_cnt(e->verdict)) + ((int)i == e->reason) +
			(i == KEEL_CNT_REDIRECT_ERR && e->redirect_err) +
			(i == KEEL_CNT_CONN_INSERTS && inserted) +
			(i == KEEL_CNT_MAC_GUARD_OFF && e->guard_off) +
			(i == KEEL_CNT_SYNC_RECORDS) * sync_recs +
			(i == KEEL_CNT_SYNC_REFRESH) * refresh;

		if (d != want_d)
			failf(w, "%s: counter %s moved by %llu, want %llu", tag,
			      keel_cnt_name(i), (unsigned long long)d,
			      (unsigned long long)want_d);
	}
	for (i = 1; i < S__N; i++) {
		struct keel_traffic d = traffic_delta(&a.svc[i], &b.svc[i]);
		bool hit = (int)i == (int)e->svc;

		CHECK_TRAFFIC(svc_defs[i].vip, d, hit, hit ? p->len : 0,
			      hit && e->new_flow);
	}
	for (i = 1; i < REAL_IDS; i++) {
		struct keel_traffic d = traffic_delta(&a.real[i], &b.real[i]);
		bool hit = i == e->real;
		char what[32];

		snprintf(what, sizeof(what), "real %zu", i);
		CHECK_TRAFFIC(what, d, hit, hit ? p->len : 0,
			      hit && e->new_flow);
	}

	/* The walk and the occupancy estimate agree, packet by packet. */
	if (b.conns - a.conns != (uint64_t)inserted ||
	    b.occ - a.occ != (uint64_t)inserted)
		failf(w,
		      "%s: conn table grew by %lld (walked), %lld "
		      "(occupancy), want %d",
		      tag, (long long)(b.conns - a.conns),
		      (long long)(b.occ - a.occ), inserted);
	if (e->new_flow && !real) {
		failf(w, "%s: a new flow without an expected real", tag);
	} else if (e->new_flow) {
		/* A new entry, or the flow's old one rewritten in place
		 * (rechosen, or a SYN reusing its 5-tuple). */
		if (!b.has_conn || b.conn.real_id != e->real ||
		    b.conn.real_gen != real->gen || b.conn.flags)
			failf(w,
			      "%s: conn entry %s%u/%u flags %u, want %u/%u/0",
			      tag, b.has_conn ? "" : "missing, ",
			      b.conn.real_id, b.conn.real_gen, b.conn.flags,
			      e->real, real->gen);
		check_seen(w, tag, &b.conn);
	} else {
		if (a.has_conn != b.has_conn ||
		    a.conn.real_id != b.conn.real_id ||
		    a.conn.real_gen != b.conn.real_gen ||
		    a.conn.flags != b.conn.flags)
			failf(w, "%s: conn entry changed", tag);
		/* A hit stamps its entry; nothing else touches it. */
		if (b.has_conn && e->reason == KEEL_CNT_CONN_HIT)
			check_seen(w, tag, &b.conn);
		else if (b.has_conn && a.conn.seen != b.conn.seen)
			failf(w, "%s: last seen changed without a hit", tag);
	}
	if (e->hint) {
		uint32_t gen = 0, id = hint_real(w, &p->flow, &gen);

		if (!real || id != e->real || gen != real->gen)
			failf(w, "%s: hint names real %u/%u, want %u/%u", tag,
			      id, gen, e->real, real ? real->gen : 0);
	}
	return got_real;
}

/* ------------------------------------------------------------------ */
/* Truncation                                                         */

enum cut_mode {
	CUT_FRAME, /* frame ends at the cut */
	CUT_LEN, /* frame ends at the cut, IP length says so too */
	CUT_PAD, /* IP length ends at the cut, original bytes follow */
	CUT__N,
};

static const char *const cut_names[CUT__N] = { "frame cut", "length cut",
					       "length cut + padding" };

static bool cut_make(const struct pkt *full, enum cut_mode mode, size_t at,
		     struct pkt *c)
{
	size_t hdr = full->ipv == 4 ? 20 : 40;

	*c = *full;
	if (mode == CUT_FRAME) {
		c->len = at;
		return true;
	}
	/* The length field means something only with a whole fixed header. */
	if (!full->ipv || at < full->l3 + hdr)
		return false;
	if (mode == CUT_LEN)
		c->len = at;
	if (full->ipv == 4)
		ip4_set_len(c, c->l3, at - c->l3);
	else
		wr16(c->b + c->l3 + 4, at - c->l3 - 40);
	return true;
}

static void cut_summary(struct world *w, const char *name, enum cut_mode m,
			const bool *bad, size_t n)
{
	char list[256];
	size_t at, end, len = 0;

	list[0] = '\0';
	for (at = 0; at < n; at = end) {
		if (!bad[at]) {
			end = at + 1;
			continue;
		}
		for (end = at; end < n && bad[end]; end++)
			;
		len += snprintf(list + len, sizeof(list) - len, "%s%zu..%zu",
				len ? ", " : "", at, end - 1);
		if (len >= sizeof(list))
			break;
	}
	if (len)
		failf(w, "%s, %s: wrong at cut lengths %s", name, cut_names[m],
		      list);
}

/*
 * Every cut short of what the parser needs: never forwarded, no state.
 * The first wrong cut is told in full, the rest only by position.
 */
static void check_cuts(struct world *w, const char *name,
		       const struct pkt *full)
{
	bool bad[CUT__N][PKT_MAX] = {}, told = false;
	struct expect e = {};
	enum cut_mode m;
	struct pkt c;
	char tag[320];
	size_t at, len;
	int before;

	for (m = 0; m < CUT__N; m++) {
		for (at = 0; at < full->need; at++) {
			if (!cut_make(full, m, at, &c))
				continue;
			if (at < full->l3) {
				e.verdict = XDP_PASS;
				e.reason = KEEL_CNT_PASS_NOT_IP;
			} else {
				e.verdict = XDP_DROP;
				e.reason = KEEL_CNT_DROP_MALFORMED;
			}
			snprintf(tag, sizeof(tag), "%s, %s at %zu of %zu", name,
				 cut_names[m], at, full->len);
			before = w->nfail;
			len = w->diag_len;
			check_packet(w, tag, &c, &e);
			if (w->nfail == before)
				continue;
			bad[m][at] = true;
			if (told) {
				w->diag_len = len;
				w->diag[len] = '\0';
			}
			told = true;
		}
		cut_summary(w, name, m, bad[m], full->need);
	}
}

/* ------------------------------------------------------------------ */
/* Preps: state a row needs before its packet                         */

static struct lb_service *row_svc(struct world *w)
{
	return w->svc[w->row->svc];
}

/*
 * The flow gets a conn entry: the row's packet (or prep_build's, the flow
 * an ICMP error quotes) goes through the program once.
 */
static int set_state(struct world *w, uint32_t id, uint8_t state);

/* The same flow's next packet: a SYN's ACK, or the packet again. */
static void next_of(const struct pkt *p, struct pkt *q)
{
	*q = *p;
	if (q->tcp && q->b[q->tcp + 13] == TCP_SYN)
		q->b[q->tcp + 13] = TCP_ACK;
}

/*
 * The flow's first packet leaves a hint (a SYN, a first datagram or
 * ACK); the next one records the flow with the hint's real.
 */
static int prep_established(struct world *w, const struct pkt *p)
{
	struct pkt q = {}, n;
	struct obs o, o2;
	int err;

	if (w->row->prep_build) {
		w->row->prep_build(&q, 0);
		p = &q;
	}
	err = observe(w, p, &o);
	if (err)
		return err;
	if ((o.reason != KEEL_CNT_SYN_UNRECORDED &&
	     o.reason != KEEL_CNT_MISS_UNRECORDED) ||
	    !o.real) {
		failf(w,
		      "prep: first packet of the flow was not a new flow "
		      "(reason %d)",
		      o.reason);
		return -EINVAL;
	}
	next_of(p, &n);
	err = observe(w, &n, &o2);
	if (err)
		return err;
	if (o2.reason != KEEL_CNT_FLOW_RECORDED || o2.real != o.real) {
		failf(w,
		      "prep: the flow's next packet did not record it "
		      "(reason %d, real %u, want %u)",
		      o2.reason, o2.real, o.real);
		return -EINVAL;
	}
	w->prep_real = o.real;
	return 0;
}

/* Only the flow's first packet: a hint, no entry. */
static int prep_first(struct world *w, const struct pkt *p)
{
	struct pkt q = {};
	int err;

	if (w->row->prep_build)
		w->row->prep_build(&q, 0);
	else
		q = *p;
	memset(&w->prep, 0, sizeof(w->prep));
	err = observe(w, &q, &w->prep);
	w->prep_real = w->prep.real;
	if (!err && !w->prep_real) {
		failf(w, "prep: the first packet was not forwarded");
		return -EINVAL;
	}
	return err;
}

/* The SYN left its hint; then its real drains: the ring moves on. */
static int prep_first_then_drain(struct world *w, const struct pkt *p)
{
	int err = prep_first(w, p);

	w->aux_real = w->prep_real;
	return err ? err : set_state(w, w->prep_real, KEEL_RS_DRAINING);
}

/* The SYN left its hint; then its real goes DOWN. */
static int prep_first_then_down(struct world *w, const struct pkt *p)
{
	int err = prep_first(w, p);

	w->aux_real = w->prep_real;
	return err ? err : set_state(w, w->prep_real, KEEL_RS_DOWN);
}

/*
 * The SYN left its hint, a flood overwrote it (every CPU's slot), then
 * the ring moved: the window a hint cannot cover.
 */
static int prep_first_overwritten_drain(struct world *w, const struct pkt *p)
{
	uint32_t slot = keel_hash_flow(&p->flow) & (KEEL_HINT_SLOTS - 1), k;
	int c, err, ncpu = libbpf_num_possible_cpus();
	struct keel_hint h = { .flow = p->flow };

	err = prep_first_then_drain(w, p);
	if (err)
		return err;
	h.flow.sport ^= htons(1); /* another flow, same slot */
	h.real_id = w->prep_real;
	for (c = 0; !err && c < ncpu; c++) {
		k = c * KEEL_HINT_SLOTS + slot;
		if (bpf_map_update_elem(lb_dp_map_fd(w->dp, KEEL_PIN_HINT), &k,
					&h, BPF_ANY))
			err = -errno;
	}
	if (err)
		failf(w, "prep: hint overwrite: %s", strerror(-err));
	return err;
}

/* The flow's entry, last seen long ago: the hit must stamp it. */
static int prep_established_old(struct world *w, const struct pkt *p)
{
	int fd = lb_dp_map_fd(w->dp, KEEL_PIN_CONN);
	struct keel_conn c;
	int err = prep_established(w, p);

	if (err)
		return err;
	if (bpf_map_lookup_elem(fd, &p->flow, &c))
		return -errno;
	c.seen = 0;
	if (bpf_map_update_elem(fd, &p->flow, &c, BPF_EXIST))
		return -errno;
	return 0;
}

/* An insert cap of 1 per CPU per second, already used in this second. */
static int prep_capped(struct world *w, const struct pkt *p)
{
	int c, err, ncpu = libbpf_num_possible_cpus();
	struct keel_rate *r;
	uint32_t zero = 0;

	err = lb_dp_conn_insert_cap_set(w->dp, 1);
	if (err)
		return err;
	r = calloc(ncpu, sizeof(*r));
	if (!r)
		abort();
	for (c = 0; c < ncpu; c++) {
		r[c].unit = lb_dp_seen_now();
		r[c].inserts = 1;
	}
	if (bpf_map_update_elem(lb_dp_map_fd(w->dp, KEEL_PIN_RATE), &zero, r,
				BPF_ANY))
		err = -errno;
	free(r);
	if (err) {
		failf(w, "prep: rate: %s", strerror(-err));
		return err;
	}
	return prep_first(w, p);
}

/* A cap of 1, not used yet. */
static int prep_cap_left(struct world *w, const struct pkt *p)
{
	int err = lb_dp_conn_insert_cap_set(w->dp, 1);

	return err ? err : prep_first(w, p);
}

/* The interface has no keel_if_mac entry (attached by other means). */
static int prep_no_if_mac(struct world *w, const struct pkt *p)
{
	int err = lb_dp_if_mac_del(w->dp, w->if_in);

	(void)p;
	if (err)
		failf(w, "prep: if_mac delete: %s", strerror(-err));
	return err;
}

/*
 * Point the flow's conn entry at a real the hash would not choose, so that
 * only a conn-table hit can take the packet there.
 */
static int prep_conn_other(struct world *w, const struct pkt *p)
{
	struct lb_service *s = row_svc(w);
	uint32_t hashed = ring_pick(w, w->row->svc, R_FLOW, &p->flow);
	size_t i;

	for (i = 0; i < s->n_reals; i++) {
		if (s->reals[i].id == hashed)
			continue;
		w->prep_real = s->reals[i].id;
		return conn_write(w, &p->flow, s->reals[i].id, s->reals[i].gen);
	}
	failf(w, "prep: service has a single real");
	return -EINVAL;
}

static int prep_observe(struct world *w, const struct pkt *p)
{
	struct pkt q = {};
	int err;

	(void)p;
	w->row->prep_build(&q, 0);
	err = observe(w, &q, &w->prep);
	w->prep_real = w->prep.real;
	return err;
}

static int set_state(struct world *w, uint32_t id, uint8_t state)
{
	struct lb_real *r = real_by_id(w, id);

	if (!r) {
		failf(w, "prep: no real %u", id);
		return -ENOENT;
	}
	lb_model_real_set_state(row_svc(w), r, state);
	return commit(w);
}

/* The flow is established on X, then X drains. */
static int prep_drain_established(struct world *w, const struct pkt *p)
{
	int err = prep_established(w, p);

	return err ? err : set_state(w, w->prep_real, KEEL_RS_DRAINING);
}

/* The real this new flow would have reached drains first. */
static int prep_drain_hashed(struct world *w, const struct pkt *p)
{
	w->aux_real = ring_pick(w, w->row->svc, R_FLOW, &p->flow);
	return set_state(w, w->aux_real, KEEL_RS_DRAINING);
}

/* The flow's 5-tuple has an entry on X, X drains, a SYN reuses it. */
static int prep_drain_reused(struct world *w, const struct pkt *p)
{
	int err = prep_drain_established(w, p);

	w->aux_real = w->prep_real;
	return err;
}

static int prep_down_established(struct world *w, const struct pkt *p)
{
	int err = prep_established(w, p);

	w->aux_real = w->prep_real;
	return err ? err : set_state(w, w->prep_real, KEEL_RS_DOWN);
}

/*
 * The flow is established on X; X is deleted and a new real added to
 * service ix, which must get X's id with the next generation.
 */
static int reuse_id(struct world *w, const struct pkt *p, enum svc_ix ix)
{
	struct lb_real *r;
	uint32_t old_gen, id;
	int err;

	err = prep_established(w, p);
	if (err)
		return err;
	r = real_by_id(w, w->prep_real);
	old_gen = r->gen;
	lb_model_real_del(row_svc(w), r);
	err = commit(w);
	if (!err)
		err = world_add_real(w, ix, "192.168.1.99", true, &id);
	if (!err)
		err = commit(w);
	if (err)
		return err;
	r = real_by_id(w, id);
	if (id != w->prep_real || r->gen != old_gen + 1) {
		failf(w, "prep: new real got id %u gen %u, want %u gen %u", id,
		      r->gen, w->prep_real, old_gen + 1);
		return -EINVAL;
	}
	w->aux_real = id;
	return 0;
}

static int prep_reuse_same_svc(struct world *w, const struct pkt *p)
{
	return reuse_id(w, p, w->row->svc);
}

static int prep_reuse_other_svc(struct world *w, const struct pkt *p)
{
	return reuse_id(w, p, S_ANY4);
}

static int move_real(struct world *w, uint32_t ifindex)
{
	struct lb_service *s = row_svc(w);
	struct lb_real *r = &s->reals[0];
	uint8_t mac[6];

	memcpy(mac, r->mac, 6);
	lb_model_real_set_mac(s, r, mac, w->mac_out, ifindex);
	return commit(w);
}

/* The service's real sits behind kg1, a redirect target. */
static int prep_redirect(struct world *w, const struct pkt *p)
{
	(void)p;
	return move_real(w, w->if_out);
}

/* The service's real sits behind lo, which is not in keel_tx_ports. */
static int prep_redirect_missing(struct world *w, const struct pkt *p)
{
	(void)p;
	return move_real(w, 1);
}

/* ------------------------------------------------------------------ */
/* Extra checks                                                       */

static void x_not_aux(struct world *w, const struct pkt *p, uint32_t real)
{
	(void)p;
	if (real == w->aux_real)
		failf(w, "packet reached real %u, which it must avoid", real);
}

/* The ring no longer picks the prep's real: only the hint can reach it. */
static void x_ring_moved(struct world *w, const struct pkt *p, uint32_t real)
{
	(void)real;
	if (ring_pick(w, w->row->svc, R_FLOW, &p->flow) == w->prep_real)
		failf(w, "precondition: the ring still picks real %u",
		      w->prep_real);
}

/* With only one real left the row would prove nothing. */
static void x_ring_without_aux(struct world *w, const struct pkt *p,
			       uint32_t real)
{
	struct keel_svc_info info;
	uint32_t i, *ring;

	x_not_aux(w, p, real);
	if (bpf_map_lookup_elem(lb_dp_map_fd(w->dp, KEEL_PIN_SERVICES),
				&row_svc(w)->key, &info))
		return;
	ring = calloc(info.ring_size, sizeof(*ring));
	if (!ring)
		abort();
	if (!lb_dp_ring_read(w->dp, info.ring_id, ring, info.ring_size))
		for (i = 0; i < info.ring_size; i++)
			if (ring[i] == w->aux_real) {
				failf(w,
				      "drained real %u still in ring slot %u",
				      w->aux_real, i);
				break;
			}
	free(ring);
}

/*
 * The persistence row proves something only if a 5-tuple hash would have
 * sent its two flows to two reals, neither the one the source hash picks.
 */
static void x_persist_meaningful(struct world *w, const struct pkt *p,
				 uint32_t real)
{
	uint32_t fa, fb, src;
	struct pkt a = {};

	(void)real;
	b_pers_a(&a, 0);
	fa = ring_pick(w, S_PERS4, R_FLOW, &a.flow);
	fb = ring_pick(w, S_PERS4, R_FLOW, &p->flow);
	src = ring_pick(w, S_PERS4, R_SRC, &p->flow);
	if (fa == fb || fa == src || fb == src)
		failf(w,
		      "precondition: choose ports whose 5-tuple hashes "
		      "pick two reals other than the source hash's "
		      "(%u, %u; source %u)",
		      fa, fb, src);
}

/* Across variants, flows must spread (the ring is not one real). */
static uint32_t spread_seen[2];

static void x_spread(struct world *w, const struct pkt *p, uint32_t real)
{
	if (ntohs(p->flow.sport) == 40100)
		spread_seen[0] = spread_seen[1] = real;
	else if (real != spread_seen[0])
		spread_seen[1] = real;
	if (ntohs(p->flow.sport) == 40107 && spread_seen[0] == spread_seen[1])
		failf(w, "eight flows all went to real %u", real);
}

/* ------------------------------------------------------------------ */
/* The table                                                          */

#define PASS(r) .verdict = XDP_PASS, .reason = KEEL_CNT_PASS_##r
#define DROP(r) .verdict = XDP_DROP, .reason = KEEL_CNT_DROP_##r
#define MALFORMED DROP(MALFORMED)
#define TX(r) .verdict = XDP_TX, .reason = KEEL_CNT_##r

static const struct golden rows[] = {
	/* Layer 2 */
	{ "arp", b_arp, PASS(NOT_IP) },
	{ "802.1Q arp", b_vlan_arp, PASS(NOT_IP) },
	{ "lldp (unknown ethertype)", b_lldp, PASS(NOT_IP) },
	/* Skipped where the kernel refuses such test frames (see runt_ok). */
	{ "runt frame of 0..13 bytes", b_runt, .nvar = ETH_HLEN, PASS(NOT_IP) },
	{ "802.1ad + 802.1Q (two tags: not walked)", b_qinq, PASS(NOT_IP) },

	/* Not for a service */
	{ "ipv4 tcp to a non-VIP", b_tcp4_nonvip, PASS(NOT_VIP) },
	{ "ipv6 tcp to a non-VIP", b_tcp6_nonvip, PASS(NOT_VIP) },
	{ "tcp to a VIP port without service", b_tcp4_noport, PASS(NOT_VIP) },
	{ "udp to a VIP port without service", b_udp4_noport, PASS(NOT_VIP) },
	{ "icmp echo to a VIP", b_echo4, PASS(NOT_VIP) },
	{ "icmpv6 echo to a VIP", b_echo6, PASS(NOT_VIP) },

	/* New and established flows: a SYN leaves a hint, its ACK records */
	{ "tcp syn, new flow: ring, hint, no entry", b_tcp4_syn,
	  TX(SYN_UNRECORDED), .svc = S_WEB4, .real = R_FLOW, .cuts = true },
	{ "eight new flows spread over the ring", b_tcp4_flows, .nvar = 8,
	  TX(SYN_UNRECORDED), .svc = S_WEB4, .real = R_FLOW,
	  .extra = x_spread },
	{ "first ACK after the SYN records the flow", b_tcp4_ack,
	  .prep = prep_first, .prep_build = b_tcp4_syn, TX(FLOW_RECORDED),
	  .svc = S_WEB4, .real = R_PREP },
	{ "SYN, its real drains (ring moved), ACK: the hint keeps it",
	  b_tcp4_ack, .prep = prep_first_then_drain, .prep_build = b_tcp4_syn,
	  TX(FLOW_RECORDED), .svc = S_WEB4, .real = R_PREP,
	  .extra = x_ring_moved },
	{ "SYN, its real goes DOWN, ACK: the ring chooses and records",
	  b_tcp4_ack, .prep = prep_first_then_down, .prep_build = b_tcp4_syn,
	  TX(FLOW_RECORDED), .svc = S_WEB4, .real = R_FLOW,
	  .extra = x_not_aux },
	{ "SYN, hint overwritten, ring moved, ACK: the ring (the window)",
	  b_tcp4_ack, .prep = prep_first_overwritten_drain,
	  .prep_build = b_tcp4_syn, TX(MISS_UNRECORDED), .svc = S_WEB4,
	  .real = R_FLOW, .extra = x_not_aux },
	{ "ACK without entry or hint (mid-stream, spoofed): not recorded",
	  b_tcp4_ack, TX(MISS_UNRECORDED), .svc = S_WEB4, .real = R_FLOW },
	{ "its second packet records it", b_tcp4_ack, .prep = prep_first,
	  TX(FLOW_RECORDED), .svc = S_WEB4, .real = R_PREP },
	{ "tcp established (conn entry, not the hash)", b_tcp4_ack,
	  .prep = prep_conn_other, TX(CONN_HIT), .svc = S_WEB4,
	  .real = R_PREP },
	{ "tcp second packet of a flow", b_tcp4_ack, .prep = prep_established,
	  TX(CONN_HIT), .svc = S_WEB4, .real = R_PREP },
	{ "insert cap reached: forwarded by its hint, not recorded", b_tcp4_ack,
	  .prep = prep_capped, .prep_build = b_tcp4_syn, TX(FLOW_CAPPED),
	  .svc = S_WEB4, .real = R_PREP, .tick = true },
	{ "insert cap not reached: recorded", b_tcp4_ack, .prep = prep_cap_left,
	  .prep_build = b_tcp4_syn, TX(FLOW_RECORDED), .svc = S_WEB4,
	  .real = R_PREP },
	{ "conn hit stamps last seen", b_tcp4_ack, .prep = prep_established_old,
	  TX(CONN_HIT), .svc = S_WEB4, .real = R_PREP },
	{ "udp first datagram: ring, hint, no entry", b_udp4,
	  TX(MISS_UNRECORDED), .svc = S_DNS4, .real = R_FLOW, .cuts = true },
	{ "udp second datagram records the flow", b_udp4, .prep = prep_first,
	  TX(FLOW_RECORDED), .svc = S_DNS4, .real = R_PREP },
	{ "udp established", b_udp4, .prep = prep_established, TX(CONN_HIT),
	  .svc = S_DNS4, .real = R_PREP },
	{ "ipv6 tcp syn, new flow", b_tcp6_syn, TX(SYN_UNRECORDED),
	  .svc = S_WEB6, .real = R_FLOW, .cuts = true },
	{ "ipv6 first ACK records the flow", b_tcp6_ack, .prep = prep_first,
	  .prep_build = b_tcp6_syn, TX(FLOW_RECORDED), .svc = S_WEB6,
	  .real = R_PREP },
	{ "ipv6 tcp established (conn entry, not the hash)", b_tcp6_ack,
	  .prep = prep_conn_other, TX(CONN_HIT), .svc = S_WEB6,
	  .real = R_PREP },
	{ "ipv6 udp new flows, port-less service", b_udp6, .nvar = 3,
	  TX(MISS_UNRECORDED), .svc = S_ANY6, .real = R_FLOW, .cuts = true },
	{ "tcp to port-less service, ports 1/443/65535", b_any4, .nvar = 3,
	  TX(SYN_UNRECORDED), .svc = S_ANY4, .real = R_FLOW },

	/* Encapsulations and header options */
	{ "802.1Q tcp syn (tag kept)", b_tcp4_8021q, TX(SYN_UNRECORDED),
	  .svc = S_WEB4, .real = R_FLOW, .cuts = true },
	{ "802.1ad tcp syn (tag kept)", b_tcp4_8021ad, TX(SYN_UNRECORDED),
	  .svc = S_WEB4, .real = R_FLOW, .cuts = true },
	{ "802.1Q ipv6 tcp syn (tag kept)", b_tcp6_8021q, TX(SYN_UNRECORDED),
	  .svc = S_WEB6, .real = R_FLOW, .cuts = true },
	{ "ipv4 options, ihl 6..15", b_ip4_opts, .nvar = 10, TX(SYN_UNRECORDED),
	  .svc = S_WEB4, .real = R_FLOW, .cuts = true },
	{ "ipv6 ext headers: hbh, rt, dst, ah, atomic frag; six", b_ext6,
	  .nvar = ARRAY_SIZE(ext_kinds) + 1, TX(SYN_UNRECORDED), .svc = S_WEB6,
	  .real = R_FLOW, .cuts = true },
	{ "ipv6 with too many ext headers", b_ext6_too_many, PASS(UNPARSED) },

	/* Fragments */
	{ "ipv4 first fragment (MF)", b_frag4_first, TX(FRAGMENT),
	  .svc = S_ANY4, .real = R_ADDRS, .cuts = true },
	{ "ipv4 later fragment follows the first", b_frag4_later,
	  .prep = prep_observe, .prep_build = b_frag4_first, TX(FRAGMENT),
	  .svc = S_ANY4, .real = R_ADDRS, .same_as_prep = true, .cuts = true },
	{ "ipv4 fragments, VIP without port-less service", b_frag4_nosvc,
	  .nvar = 2, DROP(FRAG_NO_SERVICE) },
	{ "ipv4 fragments to a non-VIP", b_frag4_nonvip, .nvar = 2,
	  PASS(NOT_VIP) },
	{ "ipv6 first fragment", b_frag6_first, TX(FRAGMENT), .svc = S_ANY6,
	  .real = R_ADDRS, .cuts = true },
	{ "ipv6 later fragment follows the first", b_frag6_later,
	  .prep = prep_observe, .prep_build = b_frag6_first, TX(FRAGMENT),
	  .svc = S_ANY6, .real = R_ADDRS, .same_as_prep = true },
	{ "ipv6 fragments, VIP without port-less service", b_frag6_nosvc,
	  .nvar = 2, DROP(FRAG_NO_SERVICE) },
	{ "ipv6 fragments to a non-VIP", b_frag6_nonvip, .nvar = 2,
	  PASS(NOT_VIP) },
	{ "ipv6 later fragment, dest opts in fragmentable part",
	  b_frag6_dst_later, .prep = prep_observe,
	  .prep_build = b_frag6_dst_first, .verdict = SAME_AS_PREP,
	  .svc = S_ANY6 },

	/* ICMP errors follow the quoted flow */
	{ "icmp frag-needed, known tcp flow", b_tb4_tcp,
	  .prep = prep_conn_other, TX(ICMP_TOO_BIG), .svc = S_WEB4,
	  .real = R_PREP, .cuts = true },
	{ "icmp frag-needed, unknown flow of a VIP", b_tb4_tcp,
	  TX(ICMP_TOO_BIG), .svc = S_WEB4, .real = R_FLOW },
	{ "icmp frag-needed, known udp flow", b_tb4_udp,
	  .prep = prep_established, .prep_build = b_udp4, TX(ICMP_TOO_BIG),
	  .svc = S_DNS4, .real = R_PREP },
	{ "icmp frag-needed, flow on a DOWN real", b_tb4_tcp,
	  .prep = prep_down_established, .prep_build = b_tcp4_syn,
	  TX(ICMP_TOO_BIG), .svc = S_WEB4, .real = R_FLOW, .extra = x_not_aux },
	{ "icmp frag-needed, persistent service", b_tb4_pers, TX(ICMP_TOO_BIG),
	  .svc = S_PERS4, .real = R_SRC },
	{ "icmp frag-needed quoting a non-VIP flow", b_tb4_nonvip,
	  PASS(NOT_VIP) },
	{ "icmp frag-needed quoting icmp (plain icmp)", b_tb4_icmp,
	  PASS(NOT_VIP) },
	{ "icmp port unreachable (not followed)", b_unreach4, PASS(NOT_VIP) },
	{ "icmpv6 packet too big, known tcp flow", b_tb6_tcp,
	  .prep = prep_conn_other, TX(ICMP_TOO_BIG), .svc = S_WEB6,
	  .real = R_PREP, .cuts = true },
	{ "icmpv6 packet too big, unknown flow of a VIP", b_tb6_tcp,
	  TX(ICMP_TOO_BIG), .svc = S_WEB6, .real = R_FLOW },

	/* Real selection and state */
	{ "persistent: same source, other port, same real", b_pers_b,
	  .prep = prep_observe, .prep_build = b_pers_a, TX(SYN_UNRECORDED),
	  .svc = S_PERS4, .real = R_SRC, .same_as_prep = true,
	  .extra = x_persist_meaningful },
	{ "draining real keeps its flow", b_tcp4_ack,
	  .prep = prep_drain_established, TX(CONN_HIT), .svc = S_WEB4,
	  .real = R_PREP },
	{ "draining real takes no new flow", b_tcp4_syn,
	  .prep = prep_drain_hashed, TX(SYN_UNRECORDED), .svc = S_WEB4,
	  .real = R_FLOW, .extra = x_ring_without_aux },
	{ "SYN reusing a draining real's 5-tuple: the ring chooses", b_tcp4_syn,
	  .prep = prep_drain_reused, TX(SYN_REUSED), .svc = S_WEB4,
	  .real = R_FLOW, .extra = x_not_aux },
	{ "DOWN real: flow chosen again", b_tcp4_ack,
	  .prep = prep_down_established, TX(CONN_RECHOSEN), .svc = S_WEB4,
	  .real = R_FLOW, .extra = x_not_aux },
	{ "real deleted, id reused in its service (gen bumped)", b_tcp4_ack,
	  .prep = prep_reuse_same_svc, TX(CONN_RECHOSEN), .svc = S_WEB4,
	  .real = R_FLOW },
	{ "real deleted, id reused by another service", b_tcp4_ack,
	  .prep = prep_reuse_other_svc, TX(CONN_RECHOSEN), .svc = S_WEB4,
	  .real = R_FLOW, .extra = x_not_aux },
	{ "service without reals", b_empty, DROP(NO_REAL), .svc = S_EMPTY4 },
	{ "service whose real has no MAC", b_nomac, DROP(NO_REAL),
	  .svc = S_NOMAC4 },

	/* Egress */
	{ "real behind another port: redirect", b_udp4, .prep = prep_redirect,
	  .verdict = XDP_REDIRECT, .reason = KEEL_CNT_MISS_UNRECORDED,
	  .svc = S_DNS4, .real = R_FLOW },
	/* Dropped after the MAC rewrite: the output shows the new MACs. */
	{ "real behind a port missing from the devmap", b_udp4,
	  .prep = prep_redirect_missing, .verdict = XDP_DROP,
	  .reason = KEEL_CNT_MISS_UNRECORDED, .redirect_err = true,
	  .svc = S_DNS4, .real = R_FLOW },

	/* The destination-MAC guard */
	{ "VIP frame addressed to another host", b_other_mac,
	  PASS(NOT_OUR_MAC) },
	{ "non-VIP frame addressed to another host", b_other_mac_nonvip,
	  PASS(NOT_VIP) },
	{ "VIP frame to broadcast, IPv4 and IPv6 multicast MACs", b_mcast,
	  .nvar = 3, PASS(MULTICAST) },
	{ "interface without a known MAC: balanced, counted", b_tcp4_syn,
	  .prep = prep_no_if_mac, TX(SYN_UNRECORDED), .svc = S_WEB4,
	  .real = R_FLOW, .guard_off = true },
	{ "interface without a known MAC: another host's frame too",
	  b_other_mac, .prep = prep_no_if_mac, TX(SYN_UNRECORDED),
	  .svc = S_WEB4, .real = R_FLOW, .guard_off = true },

	/* Malformed */
	{ "ipv4 ihl 0..4", b_bad_ihl, .nvar = 5, MALFORMED },
	{ "ipv4 tot_len beyond the frame", b_totlen_long, MALFORMED },
	{ "ipv4 tot_len below ihl * 4", b_totlen_short, .nvar = 2, MALFORMED },
	{ "ipv6 payload length beyond the frame", b_plen_long, MALFORMED },
	{ "ipv6 payload length 0", b_plen_zero, MALFORMED },
	{ "ipv6 ext header beyond the payload", b_ext6_overrun, MALFORMED },
	{ "ethertype ipv4, version 0/5/6/15", b_ver4, .nvar = 4, MALFORMED },
	{ "ethertype ipv6, version 0/4/7", b_ver6, .nvar = 3, MALFORMED },
	{ "tcp doff 0..4", b_doff, .nvar = 5, MALFORMED },
	{ "icmp frag-needed, quoted version 6", b_tb4_quote_ver, MALFORMED },
	{ "icmp frag-needed, quoted ihl 4", b_tb4_quote_ihl, MALFORMED },
	{ "icmpv6 too big, quoted version 4", b_tb6_quote_ver, MALFORMED },

	/* The address marker (VIP, 0, proto 0) is not a service. */
	{ "ipv4 protocol 0 to a VIP address", b_proto0, PASS(NOT_VIP) },
	{ "ipv4 fragment, protocol 0, to a VIP address", b_proto0_frag,
	  DROP(FRAG_NO_SERVICE) },
};

static int row_expect(struct world *w, const struct golden *g,
		      const struct pkt *p, struct expect *e)
{
	memset(e, 0, sizeof(*e));
	e->verdict = g->verdict;
	e->reason = g->reason;
	e->redirect_err = g->redirect_err;
	e->svc = g->svc;
	switch (g->real) {
	case R_NONE:
		break;
	case R_PREP:
		e->real = w->prep_real;
		break;
	default:
		e->real = ring_pick(w, g->svc, g->real, &p->flow);
		break;
	}
	if (g->verdict == SAME_AS_PREP) {
		e->verdict = w->prep.verdict;
		e->reason = w->prep.reason;
		e->real = w->prep.real;
		if (e->verdict != XDP_TX && e->verdict != XDP_REDIRECT)
			e->svc = S_NONE;
	}
	if (g->same_as_prep && e->real != w->prep_real)
		failf(w, "expected real %u, but the prep packet went to %u",
		      e->real, w->prep_real);
	if (g->real != R_NONE && !e->real) {
		failf(w, "no expected real");
		return -EINVAL;
	}
	e->guard_off = g->guard_off;
	e->new_flow = e->reason == KEEL_CNT_FLOW_RECORDED ||
		      e->reason == KEEL_CNT_CONN_RECHOSEN ||
		      e->reason == KEEL_CNT_SYN_REUSED;
	e->hint = e->reason == KEEL_CNT_SYN_UNRECORDED ||
		  e->reason == KEEL_CNT_MISS_UNRECORDED ||
		  e->reason == KEEL_CNT_FLOW_CAPPED;
	return 0;
}

static void run_row(struct world *w, int ix)
{
	const struct golden *g = &rows[ix];
	int v, nvar = g->nvar ? g->nvar : 1;
	struct expect e;
	char tag[160];
	uint32_t real;
	struct pkt p;

	w->row = g;
	for (v = 0; v < nvar; v++) {
		memset(&p, 0, sizeof(p));
		g->build(&p, v);
		snprintf(tag, sizeof(tag), "%s [%d]", g->name, v);
		if (g->prep && g->prep(w, &p))
			return;
		if (row_expect(w, g, &p, &e))
			return;
		real = check_packet(w, tag, &p, &e);
		if (g->extra)
			g->extra(w, &p, real);
		if (g->cuts)
			check_cuts(w, tag, &p);
	}
}

static void golden_run(int ix, bool sync)
{
	static struct world w; /* lb_model is large */
	uint32_t unit;
	int attempt;
	const int _i = ix;

	for (attempt = 0;; attempt++) {
		memset(&w, 0, sizeof(w));
		w.sync = sync;
		unit = lb_dp_seen_now();
		if (!world_init(&w, _i))
			run_row(&w, _i);
		world_fini(&w);
		if (!rows[_i].tick || !w.nfail || unit == lb_dp_seen_now() ||
		    attempt == 2)
			break;
	}
	ck_assert_msg(w.nfail == 0, "%s%s: %d failed checks (%d runs):\n%s",
		      rows[_i].name, sync ? " (pair sync on)" : "", w.nfail,
		      w.nrun, w.diag);
}

START_TEST(golden)
{
	golden_run(_i, false);
}
END_TEST

START_TEST(golden_sync)
{
	golden_run(_i, true);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Pair sync's own paths                                              */

static uint64_t cnt_of(struct world *w, enum keel_cnt c)
{
	uint64_t cnt[KEEL_CNT__MAX];

	if (lb_dp_stats(w->dp, cnt)) {
		failf(w, "reading counters");
		return 0;
	}
	return cnt[c];
}

/* The entry of flow f, with seen one unit back and ann and flags set. */
static void entry_age(struct world *w, const struct keel_flow *f,
		      uint16_t ann_back, uint16_t flags)
{
	int fd = lb_dp_map_fd(w->dp, KEEL_PIN_CONN);
	uint32_t now = lb_dp_seen_now();
	struct keel_conn c;

	if (bpf_map_lookup_elem(fd, f, &c)) {
		failf(w, "no entry to age");
		return;
	}
	c.seen = now - 1;
	c.ann = (uint16_t)(now - ann_back);
	c.flags = flags;
	if (bpf_map_update_elem(fd, f, &c, BPF_EXIST))
		failf(w, "aging the entry: %s", strerror(errno));
}

static struct keel_conn entry_of(struct world *w, const struct keel_flow *f)
{
	struct keel_conn c = {};

	if (bpf_map_lookup_elem(lb_dp_map_fd(w->dp, KEEL_PIN_CONN), f, &c))
		failf(w, "no entry");
	return c;
}

/* One packet; the records it left, in w->ev. */
static void sync_send(struct world *w, const struct pkt *p)
{
	struct result r;

	sync_drain(w);
	if (!prog_run(w, p->b, p->len, &r) && r.verdict != XDP_TX)
		failf(w, "verdict %s", verdict_name(r.verdict));
	sync_drain(w);
}

/* Run this thread on one CPU (its records then share one region). */
static int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void pin_cpu_all(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (int i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

START_TEST(sync_paths)
{
	static struct world w;
	uint64_t recs, full, refresh;
	struct keel_conn c;
	struct pkt syn, ack;
	struct xdp_md ctx = {};
	uint32_t runs;
	int err;
	LIBBPF_OPTS(bpf_test_run_opts, o);

	memset(&w, 0, sizeof(w));
	w.sync = true;
	memset(&syn, 0, sizeof(syn));
	memset(&ack, 0, sizeof(ack));
	b_tcp4_syn(&syn, 0);
	b_tcp4_ack(&ack, 0);
	if (world_init(&w, 1000))
		goto out;
	/* One region: the full ring below is this CPU's. */
	err = pin_cpu(0);
	if (err)
		failf(&w, "pinning to CPU 0: %s", strerror(-err));

	/* A flow: its ACK records it, announced NEW. */
	sync_send(&w, &syn);
	sync_send(&w, &ack);
	if (w.n_ev != 1 || w.ev[0].kind != KEEL_SYNC_EV_NEW)
		failf(&w, "first ACK: %d records, kind %u", w.n_ev,
		      w.ev[0].kind);

	/* In use, announced 5 units ago: not due. */
	entry_age(&w, &ack.flow, 5, 0);
	refresh = cnt_of(&w, KEEL_CNT_SYNC_REFRESH);
	sync_send(&w, &ack);
	if (w.n_ev)
		failf(&w, "not due: %d records", w.n_ev);

	/* Announced a period ago: due, announced again, ann is now. */
	entry_age(&w, &ack.flow, SYNC_REANNOUNCE, 0);
	sync_send(&w, &ack);
	c = entry_of(&w, &ack.flow);
	if (w.n_ev != 1 || w.ev[0].kind != KEEL_SYNC_EV_REFRESH ||
	    c.ann != (uint16_t)c.seen ||
	    cnt_of(&w, KEEL_CNT_SYNC_REFRESH) != refresh + 1)
		failf(&w, "due: %d records, kind %u, ann %u seen %u", w.n_ev,
		      w.ev[0].kind, c.ann, c.seen);

	/* A peer's entry used here: the flag goes, nothing is sent. */
	entry_age(&w, &ack.flow, 1, KEEL_CONN_F_PEER);
	sync_send(&w, &ack);
	c = entry_of(&w, &ack.flow);
	if (w.n_ev || c.flags)
		failf(&w, "peer's entry used: %d records, flags %u", w.n_ev,
		      c.flags);

	/* Sync off: a due entry is not announced. */
	err = lb_dp_sync_set(w.dp, false, 0);
	if (err)
		failf(&w, "sync off: %s", strerror(-err));
	entry_age(&w, &ack.flow, SYNC_REANNOUNCE, 0);
	sync_send(&w, &ack);
	if (w.n_ev)
		failf(&w, "sync off: %d records", w.n_ev);

	/* Records come out in the order they were written. */
	err = lb_dp_sync_set(w.dp, true, SYNC_REANNOUNCE);
	if (err)
		failf(&w, "sync on: %s", strerror(-err));
	{
		struct keel_sync_ev ev[8];
		struct pkt s1 = {}, a1 = {};
		struct result rr;
		int n;

		for (int i = 0; i < 8; i++) {
			memset(&s1, 0, sizeof(s1));
			memset(&a1, 0, sizeof(a1));
			tcp4_pkt(&s1, 0, WEB4, 41000 + i, 80, TCP_SYN);
			tcp4_pkt(&a1, 0, WEB4, 41000 + i, 80, TCP_ACK);
			prog_run(&w, s1.b, s1.len, &rr);
			prog_run(&w, a1.b, a1.len, &rr);
		}
		n = lb_dp_sync_drain(&w.rd, 0, ev, 8);
		for (int i = 0; i < n; i++)
			if (ev[i].kind != KEEL_SYNC_EV_NEW ||
			    ntohs(ev[i].flow.sport) != 41000 + i)
				failf(&w,
				      "in order: record %d: kind %u port %u", i,
				      ev[i].kind, ntohs(ev[i].flow.sport));
		if (n != 8)
			failf(&w, "in order: %d records of 8", n);
	}

	/*
	 * A full ring: SYNs reusing the 5-tuple rewrite the entry and
	 * announce it each time; past the region's room each is counted
	 * and leaves the entry due.
	 */
	sync_drain(&w);
	recs = cnt_of(&w, KEEL_CNT_SYNC_RECORDS);
	full = cnt_of(&w, KEEL_CNT_SYNC_RING_FULL);
	runs = KEEL_SYNC_RING_SLOTS + 16;
	ctx.ingress_ifindex = w.if_in;
	ctx.data_end = syn.len;
	o.data_in = syn.b;
	o.data_size_in = syn.len;
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	/* One run each: a run rewrites the frame's MACs in place, so a
	 * repeat would no longer be addressed to this LB. */
	for (uint32_t i = 0; i < runs && !err; i++)
		err = bpf_prog_test_run_opts(lb_dp_prog_fd(w.dp), &o);
	c = entry_of(&w, &ack.flow);
	recs = cnt_of(&w, KEEL_CNT_SYNC_RECORDS) - recs;
	full = cnt_of(&w, KEEL_CNT_SYNC_RING_FULL) - full;
	if (err || recs + full != runs || full < 16 ||
	    c.ann != (uint16_t)(c.seen - SYNC_REANNOUNCE))
		failf(&w,
		      "full ring: err %d, %llu records and %llu full of %u "
		      "runs, ann %u seen %u",
		      err, (unsigned long long)recs, (unsigned long long)full,
		      runs, c.ann, c.seen);
	{
		/*
		 * Still full: a new flow is recorded, left due at once; a hit
		 * on a due entry leaves it due an eighth of a period later.
		 */
		struct pkt syn2 = {}, ack2 = {};
		struct result rr;
		uint64_t f0 = cnt_of(&w, KEEL_CNT_SYNC_RING_FULL);
		uint64_t r0 = cnt_of(&w, KEEL_CNT_SYNC_RECORDS);
		uint64_t h0 = cnt_of(&w, KEEL_CNT_SYNC_REFRESH);

		tcp4_pkt(&syn2, 0, WEB4, 40001, 80, TCP_SYN);
		tcp4_pkt(&ack2, 0, WEB4, 40001, 80, TCP_ACK);
		prog_run(&w, syn2.b, syn2.len, &rr);
		prog_run(&w, ack2.b, ack2.len, &rr);
		c = entry_of(&w, &ack2.flow);
		if (cnt_of(&w, KEEL_CNT_SYNC_RING_FULL) != f0 + 1 ||
		    cnt_of(&w, KEEL_CNT_SYNC_RECORDS) != r0 ||
		    c.ann != (uint16_t)(c.seen - SYNC_REANNOUNCE))
			failf(&w, "full ring, new flow: ann %u seen %u", c.ann,
			      c.seen);
		entry_age(&w, &ack2.flow, SYNC_REANNOUNCE, 0);
		prog_run(&w, ack2.b, ack2.len, &rr);
		c = entry_of(&w, &ack2.flow);
		if (cnt_of(&w, KEEL_CNT_SYNC_RING_FULL) != f0 + 2 ||
		    cnt_of(&w, KEEL_CNT_SYNC_RECORDS) != r0 ||
		    cnt_of(&w, KEEL_CNT_SYNC_REFRESH) != h0 ||
		    c.ann != (uint16_t)(c.seen - SYNC_REANNOUNCE +
					SYNC_REANNOUNCE / 8 + 1))
			failf(&w, "full ring, due hit: ann %u seen %u", c.ann,
			      c.seen);
	}
	sync_drain(&w);
	if ((uint64_t)w.n_ev != recs)
		failf(&w, "full ring: %d records read, %llu counted", w.n_ev,
		      (unsigned long long)recs);
	if (recs != KEEL_SYNC_RING_SLOTS)
		failf(&w, "full ring: %llu records, room for %u",
		      (unsigned long long)recs, KEEL_SYNC_RING_SLOTS);
	/* Drained, the next one goes through. */
	sync_send(&w, &syn);
	if (w.n_ev != 1 || w.ev[0].kind != KEEL_SYNC_EV_NEW)
		failf(&w, "after the drain: %d records", w.n_ev);
	{
		/* The flow left due while full is announced on a packet a
		 * period later (its next second, in production). */
		struct pkt ack2 = {};

		tcp4_pkt(&ack2, 0, WEB4, 40001, 80, TCP_ACK);
		entry_age(&w, &ack2.flow, SYNC_REANNOUNCE, 0);
		sync_send(&w, &ack2);
		if (w.n_ev != 1 || w.ev[0].kind != KEEL_SYNC_EV_REFRESH ||
		    memcmp(&w.ev[0].flow, &ack2.flow, sizeof(ack2.flow)))
			failf(&w, "full ring healed: %d records, kind %u",
			      w.n_ev, w.ev[0].kind);
	}
out:
	pin_cpu_all();
	world_fini(&w);
	ck_assert_msg(w.nfail == 0, "sync paths: %d failed checks:\n%s",
		      w.nfail, w.diag);
}
END_TEST

/*
 * The reader against the program running at the same time on another
 * CPU: SYN and ACK of SYNC_RACE_FLOWS flows, each a port higher, on CPU
 * 0, while CPU 1 drains CPU 0's region.  Every record read must be
 * whole (the flow of its port, the real of its conn entry) and come after
 * the one before: a record read before it was written (a head published
 * too early) is a zeroed slot or an older record a region back.  A
 * record the region had no room for is counted as ring_full instead.
 */
#define SYNC_RACE_FLOWS 40000
#define SYNC_RACE_PORT 20000

struct sync_race {
	struct world *w;
	atomic_bool done;
	int err;
};

static void *sync_race_producer(void *arg)
{
	struct sync_race *sr = arg;
	struct pkt syn = {}, ack = {};
	struct xdp_md ctx = {};
	LIBBPF_OPTS(bpf_test_run_opts, o);

	sr->err = pin_cpu(0);
	ctx.ingress_ifindex = sr->w->if_in;
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	for (int i = 0; i < SYNC_RACE_FLOWS && !sr->err; i++) {
		memset(&syn, 0, sizeof(syn));
		memset(&ack, 0, sizeof(ack));
		tcp4_pkt(&syn, 0, WEB4, SYNC_RACE_PORT + i, 80, TCP_SYN);
		tcp4_pkt(&ack, 0, WEB4, SYNC_RACE_PORT + i, 80, TCP_ACK);
		ctx.data_end = syn.len;
		o.data_in = syn.b;
		o.data_size_in = syn.len;
		if (bpf_prog_test_run_opts(lb_dp_prog_fd(sr->w->dp), &o)) {
			sr->err = -errno;
			break;
		}
		o.data_in = ack.b;
		if (bpf_prog_test_run_opts(lb_dp_prog_fd(sr->w->dp), &o))
			sr->err = -errno;
	}
	atomic_store(&sr->done, true);
	return NULL;
}

/*
 * Check one record of the race against the real the ring chooses for its
 * flow (the conn table is too small to keep every entry); its port, or
 * -1.
 */
static int sync_race_check(struct world *w, const struct keel_sync_ev *ev,
			   int last, const uint32_t *ring, uint32_t size)
{
	int port = ntohs(ev->flow.sport);
	struct keel_real_info ri = {};
	struct pkt ack = {};
	uint32_t id;

	if (port <= last || port >= SYNC_RACE_PORT + SYNC_RACE_FLOWS) {
		failf(w, "race: port %d after %d", port, last);
		return -1;
	}
	tcp4_pkt(&ack, 0, WEB4, port, 80, TCP_ACK);
	id = ring[keel_hash_index(keel_hash_flow(&ack.flow), size)];
	if (lb_dp_real_read(w->dp, id, &ri, NULL) || ev->real_id != id ||
	    ev->real_gen != ri.gen || ev->kind != KEEL_SYNC_EV_NEW ||
	    memcmp(&ev->flow, &ack.flow, sizeof(ack.flow))) {
		failf(w, "race: port %d: kind %u, real %u/%u, ring's %u/%u",
		      port, ev->kind, ev->real_id, ev->real_gen, id, ri.gen);
		return -1;
	}
	return port;
}

START_TEST(sync_race)
{
	static struct world w;
	static struct sync_race sr;
	struct keel_sync_ev ev[256];
	struct keel_svc_info info;
	uint32_t *ring = NULL;
	uint64_t full;
	long got = 0;
	int last = SYNC_RACE_PORT - 1, n, i;
	pthread_t t;
	bool finished;

	memset(&w, 0, sizeof(w));
	memset(&sr, 0, sizeof(sr));
	w.sync = true;
	if (world_init(&w, 1001))
		goto out;
	if (w.rd.ncpus < 2 || pin_cpu(1)) {
		/* One CPU: no race to show; the rest still runs. */
		fprintf(stderr, "sync_race: one CPU, not concurrent\n");
	}
	if (bpf_map_lookup_elem(lb_dp_map_fd(w.dp, KEEL_PIN_SERVICES),
				&w.svc[S_WEB4]->key, &info) ||
	    !(ring = calloc(info.ring_size, sizeof(*ring))) ||
	    lb_dp_ring_read(w.dp, info.ring_id, ring, info.ring_size)) {
		failf(&w, "race: reading the ring");
		goto out;
	}
	full = cnt_of(&w, KEEL_CNT_SYNC_RING_FULL);
	sr.w = &w;
	ck_assert_int_eq(pthread_create(&t, NULL, sync_race_producer, &sr), 0);
	do {
		finished = atomic_load(&sr.done);
		n = lb_dp_sync_drain(&w.rd, 0, ev, ARRAY_SIZE(ev));
		for (i = 0; i < n && last >= 0; i++, got++)
			last = sync_race_check(&w, &ev[i], last, ring,
					       info.ring_size);
		if (n < 0)
			failf(&w, "race: drain: %s", strerror(-n));
	} while ((!finished || n > 0) && n >= 0 && last >= 0);
	pthread_join(t, NULL);
	full = cnt_of(&w, KEEL_CNT_SYNC_RING_FULL) - full;
	if (sr.err)
		failf(&w, "race: producer: %s", strerror(-sr.err));
	if (last >= 0 && (uint64_t)got + full != SYNC_RACE_FLOWS)
		failf(&w, "race: %ld records and %llu full of %d flows", got,
		      (unsigned long long)full, SYNC_RACE_FLOWS);
	fprintf(stderr, "sync_race: %ld records read, %llu full\n", got,
		(unsigned long long)full);
out:
	free(ring);
	pin_cpu_all();
	world_fini(&w);
	ck_assert_msg(w.nfail == 0, "sync race: %d failed checks:\n%s", w.nfail,
		      w.diag);
}
END_TEST

/*
 * keel_sync_apply on the real maps: each row puts (or not) an entry for a
 * flow of S_WEB4, applies one record naming real B (or a stale one), and
 * checks the outcome counted and the entry left.  A is S_WEB4's first
 * real, B its second, D S_DNS4's (another service: not usable for a
 * flow of S_WEB4).
 */
enum ar { AR_NONE, AR_A, AR_B, AR_D };
#define AR_DOWN_ID 0xffffffffU /* rec_id: B, after it went DOWN here */

static const struct {
	const char *name;
	enum ar entry; /* the entry here before, on that real */
	int entry_gen_off; /* added to its generation (stale) */
	uint32_t entry_back; /* its seen, units before now */
	uint16_t entry_flags;
	int rec_gen_off; /* added to the record's generation */
	uint32_t rec_id; /* the record's real id instead of B's (0: B) */
	uint32_t idle; /* the record's idle units */
	enum keel_sync_apply_res want;
	enum ar after; /* the entry's real after */
} apply_rows[] = {
	{ "no entry: inserted as the peer's", AR_NONE, 0, 0, 0, 0, 0, 3,
	  KEEL_APPLY_INSERTED, AR_B },
	{ "the same real: nothing written", AR_B, 0, 9, 0, 0, 0, 0,
	  KEEL_APPLY_SAME, AR_B },
	{ "an entry on a reused id: replaced", AR_A, 1, 0, 0, 0, 0, 9,
	  KEEL_APPLY_REPLACED, AR_B },
	{ "an entry on another service's real: replaced", AR_D, 0, 0, 0, 0, 0,
	  9, KEEL_APPLY_REPLACED, AR_B },
	{ "forwarded here just now: kept", AR_A, 0, 0, 0, 0, 0, 0,
	  KEEL_APPLY_KEPT_ACTIVE, AR_A },
	{ "forwarded here 2 units ago: kept", AR_A, 0, 2, 0, 0, 0, 0,
	  KEEL_APPLY_KEPT_ACTIVE, AR_A },
	{ "used here 10 ago, there now: replaced", AR_A, 0, 10, 0, 0, 0, 0,
	  KEEL_APPLY_REPLACED, AR_B },
	{ "used here 10 ago, there 20 ago: kept", AR_A, 0, 10, 0, 0, 0, 20,
	  KEEL_APPLY_KEPT_NEWER, AR_A },
	{ "a peer's entry of now, a record of now: kept (tie)", AR_A, 0, 0,
	  KEEL_CONN_F_PEER, 0, 0, 0, KEEL_APPLY_KEPT_NEWER, AR_A },
	{ "a record of an older generation: stale", AR_NONE, 0, 0, 0, -1, 0, 0,
	  KEEL_APPLY_STALE, AR_NONE },
	{ "a record of an unknown real: stale", AR_NONE, 0, 0, 0, 0, 4000, 0,
	  KEEL_APPLY_STALE, AR_NONE },
	{ "a record of a real DOWN here: not applied", AR_A, 0, 10, 0, 0,
	  AR_DOWN_ID, 0, KEEL_APPLY_DOWN, AR_A },
};

static struct keel_flow apply_flow(uint16_t sport)
{
	struct pkt p = {};

	tcp4_pkt(&p, 0, WEB4, sport, 80, TCP_ACK);
	return p.flow;
}

static const struct lb_real *apply_real(struct world *w, enum ar a)
{
	switch (a) {
	case AR_A:
		return &w->svc[S_WEB4]->reals[0];
	case AR_B:
		return &w->svc[S_WEB4]->reals[1];
	case AR_D:
		return &w->svc[S_DNS4]->reals[0];
	default:
		return NULL;
	}
}

START_TEST(sync_apply)
{
	static struct world w;
	const struct lb_real *b, *e, *want;
	uint32_t res[KEEL_APPLY__MAX], now;
	struct keel_sync_apply_rec rec = {};
	struct keel_flow f = apply_flow(41000);
	struct keel_conn c;
	int fd, err, k;

	memset(&w, 0, sizeof(w));
	w.sync = true; /* applying announces nothing: the ring stays empty */
	if (world_init(&w, 2000 + _i))
		goto out;
	fd = lb_dp_map_fd(w.dp, KEEL_PIN_CONN);
	b = apply_real(&w, AR_B);
	if (apply_rows[_i].rec_id == AR_DOWN_ID) {
		/* B goes DOWN here; the record names it. */
		lb_model_real_set_state(w.svc[S_WEB4], &w.svc[S_WEB4]->reals[1],
					KEEL_RS_DOWN);
		if (commit(&w))
			goto out;
	}
	e = apply_real(&w, apply_rows[_i].entry);
	now = lb_dp_seen_now();
	if (e) {
		c = (struct keel_conn){
			.real_id = e->id,
			.real_gen = e->gen + apply_rows[_i].entry_gen_off,
			.seen = now - apply_rows[_i].entry_back,
			.flags = apply_rows[_i].entry_flags
		};
		if (bpf_map_update_elem(fd, &f, &c, BPF_NOEXIST))
			failf(&w, "entry: %s", strerror(errno));
	}
	rec.flow = f;
	rec.real_id = apply_rows[_i].rec_id &&
				      apply_rows[_i].rec_id != AR_DOWN_ID ?
			      apply_rows[_i].rec_id :
			      b->id;
	rec.real_gen = b->gen + apply_rows[_i].rec_gen_off;
	rec.idle = apply_rows[_i].idle;
	err = lb_dp_conn_apply(w.dp, &rec, 1, SYNC_REANNOUNCE, res);
	if (err)
		failf(&w, "apply: %s", strerror(-err));
	sync_drain(&w);
	if (w.n_ev)
		failf(&w, "applying put %d records in the ring", w.n_ev);
	for (k = 0; k < KEEL_APPLY__MAX; k++)
		if (res[k] != (k == (int)apply_rows[_i].want))
			failf(&w, "outcome %d counted %u", k, res[k]);
	want = apply_real(&w, apply_rows[_i].after);
	memset(&c, 0, sizeof(c));
	if ((bpf_map_lookup_elem(fd, &f, &c) == 0) != (want != NULL))
		failf(&w, "entry %s", want ? "missing" : "written");
	if (want && c.real_id != want->id)
		failf(&w, "entry on real %u, want %u", c.real_id, want->id);
	/* Written from the record: the peer's, last used then, announced
	 * again within one period. */
	if (apply_rows[_i].want == KEEL_APPLY_INSERTED ||
	    apply_rows[_i].want == KEEL_APPLY_REPLACED) {
		uint32_t t = lb_dp_seen_now();

		if (c.real_gen != b->gen || c.flags != KEEL_CONN_F_PEER ||
		    (c.seen != now - rec.idle && c.seen != t - rec.idle) ||
		    (uint16_t)((uint16_t)t - c.ann) > SYNC_REANNOUNCE)
			failf(&w,
			      "written: gen %u flags %u seen %u ann %u "
			      "(now %u)",
			      c.real_gen, c.flags, c.seen, c.ann, t);
	}
out:
	world_fini(&w);
	ck_assert_msg(w.nfail == 0, "%s: %d failed checks:\n%s",
		      apply_rows[_i].name, w.nfail, w.diag);
}
END_TEST

/* Many records in one call: runs of KEEL_SYNC_APPLY_MAX, and the count. */
START_TEST(sync_apply_many)
{
	static struct world w;
	static struct keel_sync_apply_rec recs[KEEL_SYNC_APPLY_MAX + 5];
	const uint32_t n = ARRAY_SIZE(recs);
	uint32_t res[KEEL_APPLY__MAX], i;
	uint64_t before, after, cap;
	const struct lb_real *b;
	int err;

	memset(&w, 0, sizeof(w));
	if (world_init(&w, 2100))
		goto out;
	b = apply_real(&w, AR_B);
	for (i = 0; i < n; i++) {
		recs[i].flow = apply_flow((uint16_t)(10000 + i));
		recs[i].real_id = b->id;
		recs[i].real_gen = b->gen;
	}
	err = lb_dp_conn_apply(w.dp, recs, 0, SYNC_REANNOUNCE, res);
	for (i = 0; i < KEEL_APPLY__MAX; i++)
		if (err || res[i])
			failf(&w, "none: err %d, outcome %u counted %u", err, i,
			      res[i]);
	lb_dp_conn_occupancy(w.dp, &before, &cap);
	err = lb_dp_conn_apply(w.dp, recs, n, SYNC_REANNOUNCE, res);
	lb_dp_conn_occupancy(w.dp, &after, &cap);
	if (err || res[KEEL_APPLY_INSERTED] != n || after - before != n)
		failf(&w, "%u records: err %d, %u inserted, occupancy +%llu", n,
		      err, res[KEEL_APPLY_INSERTED],
		      (unsigned long long)(after - before));
	/* Again: all the same. */
	err = lb_dp_conn_apply(w.dp, recs, n, SYNC_REANNOUNCE, res);
	if (err || res[KEEL_APPLY_SAME] != n)
		failf(&w, "again: err %d, %u same", err, res[KEEL_APPLY_SAME]);
out:
	world_fini(&w);
	ck_assert_msg(w.nfail == 0, "apply many: %d failed checks:\n%s",
		      w.nfail, w.diag);
}
END_TEST

/* Can BPF_PROG_TEST_RUN present a frame shorter than 14 bytes? */
static bool probe_runt(void)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	uint8_t in[16] = {}, out[64];
	struct xdp_md ctx = { .data = 8, .data_end = sizeof(in) };
	int fd, err;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in,
		    .data_size_in = sizeof(in), .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "runt_probe", "GPL", prog,
			   ARRAY_SIZE(prog), NULL);
	if (fd < 0)
		return false;
	err = bpf_prog_test_run_opts(fd, &o);
	close(fd);
	return err == 0;
}

int main(void)
{
	Suite *s;
	TCase *tc;
	int first, last;
	const char *row;

	if (geteuid() != 0) {
		fprintf(stderr, "test_xdp_golden: needs root, skipped\n");
		return EXIT_SKIP;
	}
	if (!if_nametoindex(IF_IN) || !if_nametoindex(IF_OUT)) {
		fprintf(stderr,
			"test_xdp_golden: no %s/%s: run it through "
			"run-in-netns.sh; skipped\n",
			IF_IN, IF_OUT);
		return EXIT_SKIP;
	}
	runt_ok = probe_runt();
	if (!runt_ok)
		fprintf(stderr,
			"test_xdp_golden: this kernel's test runs refuse "
			"frames under %d bytes: those cuts are skipped\n",
			ETH_HLEN);
	s = suite_create("xdp_golden");
	tc = tcase_create("rows");
	tcase_set_timeout(tc, 30);
	/* KEEL_GOLDEN_ROW=n runs row n alone (with CK_FORK=no, in gdb). */
	first = 0;
	last = ARRAY_SIZE(rows);
	row = getenv("KEEL_GOLDEN_ROW");
	if (row) {
		first = atoi(row);
		if (first < 0 || first >= last) {
			fprintf(stderr, "test_xdp_golden: rows are 0..%d\n",
				last - 1);
			return EXIT_FAILURE;
		}
		last = first + 1;
	}
	tcase_add_loop_test(tc, golden, first, last);
	tcase_add_loop_test(tc, golden_sync, first, last);
	suite_add_tcase(s, tc);
	tc = tcase_create("sync");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sync_paths);
	tcase_add_test(tc, sync_race);
	tcase_add_loop_test(tc, sync_apply, 0, ARRAY_SIZE(apply_rows));
	tcase_add_test(tc, sync_apply_many);
	suite_add_tcase(s, tc);
	return check_run(s);
}
