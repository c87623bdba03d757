// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_xdp.c - cost of the keel XDP program per packet, above the cost of
 * running any XDP program at all, path by path.
 *
 * BPF_PROG_TEST_RUN with repeat=1, in a loop: the program rewrites the
 * MACs, and repeat=N would time N-1 runs on its own output.  Each timed
 * call of a keel program is paired with a call of xdp_drop (keel_trivial)
 * on the same packet, interleaved, and the kernel-measured durations are
 * summed per run.  Reported: the median over runs of (keel - drop) per
 * packet, the raw medians of both, and ratios between cases taken run by
 * run (the median of the per-run ratios): the machine's drift hits both
 * sides of a ratio alike.
 *
 * Programs, all sharing one instance's maps (a second instance with a
 * 65,536-entry conn table for the last record-first case):
 *   keel      the production object
 *   recfirst  KEEL_XDP_RECORD_FIRST: every first packet, SYN included, is
 *             recorded at once (layout 1's policy, the "before")
 *   noseen    KEEL_XDP_NO_SEEN: no last-seen stamp on a hit
 *   noguard   KEEL_XDP_NO_MAC_GUARD: no destination-MAC check
 * Tuples: "fixed" one packet; "estab" 1024 flows recorded beforehand, in
 * turn; "fresh" a new 5-tuple every call (source port, then address);
 * "batch" BATCH fresh 5-tuples with distinct hint slots whose SYNs all
 * run (untimed) before their ACKs are timed, so that an ACK finds its
 * hint but neither it nor its conn-table bucket still in the cache (as
 * one RTT after its SYN on a busy LB).
 * "pre": an untimed packet of the same tuple first (its SYN, or the same
 * datagram); "clean": the entry the call made is deleted after it
 * (outside the timed region), so the table never fills.
 * After every run the case's reason counter must have moved once per
 * call: a case that took another path stops the benchmark.
 * Cases marked "sync" run with pair sync on (keel_sync_cfg): every entry
 * written is also a record in keel_sync_ring, which is drained between
 * calls, outside the timed region; the difference to the same case with
 * sync off is the record's cost (budget: 30 ns on the new-flow path).
 * "sync ringbuf" is the same with the first version's BPF ring buffer
 * (the variant KEEL_XDP_SYNC_RINGBUF), for the per-CPU ring to be timed
 * against in the same run.
 *
 * KEEL_BENCH_WINDOW=T adds the SYN hint's window: T trials each of a SYN,
 * N SYNs of other fresh flows (a flood, or other clients), then the first
 * SYN's ACK; the share of ACKs that found their hint, for several N,
 * against exp(-N / KEEL_HINT_SLOTS) (a uniform hash into a direct-mapped
 * table).
 *
 * Needs root and the veth kg0 (ingress; reals are behind it, so the
 * verdict is XDP_TX as in production):
 *   sudo tests/bpf/run-in-netns.sh build/tests/bench/bench_xdp [runs [calls]]
 * KEEL_BENCH_CONN=N sets the main conn table's size (default 1048576).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "keel_clock.h"
#include "keel_hash.h"
#include "keel_maps.h"
#include "keel_names.h"
#include "keel_trivial.skel.h"
#include "keel_xdp_noguard.skel.h"
#include "keel_xdp_noseen.skel.h"
#include "keel_xdp_recfirst.skel.h"
#include "keel_xdp_ringbuf.skel.h"
#include "keel_addr.h"
#include "lb_dp.h"
#include "lb_model.h"
#include "lb_neigh.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RUNS_DEFAULT 7
#define CALLS_DEFAULT 200000
#define RUNS_MAX 64
#define FLOWS 1024 /* established flows cycled through */
#define FRESH_MAX 14000000 /* distinct fresh tuples (port x address) */
#define SMALL_CONN 65536
#define BATCH 8192 /* T_BATCH: SYNs between a SYN and its ACK */
#define IF_IN "kg0"
#define REPEAT_N 100000 /* the warm-cache view */
#define PKT_MAX 128
#define TCP_SYN 0x02
#define TCP_ACK 0x10

static const uint8_t mac_lb[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_router[6] = { 0x02, 0, 0, 0, 0, 0xfe };

enum prog_ix {
	P_KEEL,
	P_RECFIRST,
	P_NOSEEN,
	P_NOGUARD,
	P_SMALL,
	P_RINGBUF,
	P__N
};
enum pkt_ix { K_NOTVIP, K_SYN4, K_ACK4, K_ACK6, K_UDP4, K__N };
enum tuples { T_FIXED, T_ESTAB, T_FRESH, T_BATCH };
enum pre { PRE_NONE, PRE_SYN, PRE_SAME };

static const char *const prog_names[P__N] = {
	[P_KEEL] = "keel",	    [P_RECFIRST] = "recfirst",
	[P_NOSEEN] = "noseen",	    [P_NOGUARD] = "noguard",
	[P_SMALL] = "recfirst-64K", [P_RINGBUF] = "ringbuf",
};

static const struct bcase {
	const char *name;
	enum prog_ix prog;
	enum pkt_ix pkt;
	enum tuples tuples;
	enum pre pre;
	bool clean;
	enum keel_cnt reason; /* moves once per timed call */
	bool stable; /* the same packet takes the same path: repeat=N too */
	bool sync; /* pair sync on: records to drain */
} cases[] = {
	{ "not-VIP pass", P_KEEL, K_NOTVIP, T_FIXED, PRE_NONE, false,
	  KEEL_CNT_PASS_NOT_VIP, true, false },
	{ "SYN (hint only)", P_KEEL, K_SYN4, T_FRESH, PRE_NONE, false,
	  KEEL_CNT_SYN_UNRECORDED, true, false },
	{ "first ACK, records", P_KEEL, K_ACK4, T_FRESH, PRE_SYN, true,
	  KEEL_CNT_FLOW_RECORDED, false, false },
	{ "first ACK, cold", P_KEEL, K_ACK4, T_BATCH, PRE_SYN, true,
	  KEEL_CNT_FLOW_RECORDED, false, false },
	{ "ACK, no entry/hint", P_KEEL, K_ACK4, T_FRESH, PRE_NONE, false,
	  KEEL_CNT_MISS_UNRECORDED, false, false },
	{ "SYN, record-first", P_RECFIRST, K_SYN4, T_FRESH, PRE_NONE, true,
	  KEEL_CNT_FLOW_RECORDED, false, false },
	{ "SYN, rec-1st 64K full", P_SMALL, K_SYN4, T_FRESH, PRE_NONE, false,
	  KEEL_CNT_FLOW_RECORDED, false, false },
	{ "established v4", P_KEEL, K_ACK4, T_ESTAB, PRE_NONE, false,
	  KEEL_CNT_CONN_HIT, true, false },
	{ "estab. v4 no stamp", P_NOSEEN, K_ACK4, T_ESTAB, PRE_NONE, false,
	  KEEL_CNT_CONN_HIT, true, false },
	{ "estab. v4 no guard", P_NOGUARD, K_ACK4, T_ESTAB, PRE_NONE, false,
	  KEEL_CNT_CONN_HIT, true, false },
	{ "established v6", P_KEEL, K_ACK6, T_ESTAB, PRE_NONE, false,
	  KEEL_CNT_CONN_HIT, true, false },
	{ "udp 1st datagram", P_KEEL, K_UDP4, T_FRESH, PRE_NONE, false,
	  KEEL_CNT_MISS_UNRECORDED, false, false },
	{ "udp 2nd, records", P_KEEL, K_UDP4, T_FRESH, PRE_SAME, true,
	  KEEL_CNT_FLOW_RECORDED, false, false },
	{ "udp established", P_KEEL, K_UDP4, T_ESTAB, PRE_NONE, false,
	  KEEL_CNT_CONN_HIT, true, false },
	{ "first ACK, sync on", P_KEEL, K_ACK4, T_FRESH, PRE_SYN, true,
	  KEEL_CNT_FLOW_RECORDED, false, true },
	{ "established v4, sync on", P_KEEL, K_ACK4, T_ESTAB, PRE_NONE, false,
	  KEEL_CNT_CONN_HIT, false, true },
	{ "first ACK, sync ringbuf", P_RINGBUF, K_ACK4, T_FRESH, PRE_SYN, true,
	  KEEL_CNT_FLOW_RECORDED, false, true },
};

#define C__N ARRAY_SIZE(cases)

/* Ratios printed: num / den of "above drop", run by run. */
static const struct {
	const char *what;
	const char *num, *den;
} ratios[] = {
	{ "SYN / established (target <= 1.5)", "SYN (hint only)",
	  "established v4" },
	{ "recording ACK / record-first SYN (target <= 1)",
	  "first ACK, records", "SYN, record-first" },
	{ "record-first SYN / established (before)", "SYN, record-first",
	  "established v4" },
	{ "recording ACK / established", "first ACK, records",
	  "established v4" },
	{ "cold recording ACK / record-first SYN (target <= 1)",
	  "first ACK, cold", "SYN, record-first" },
	{ "udp 2nd (records) / record-first SYN", "udp 2nd, records",
	  "SYN, record-first" },
	{ "spoofed ACK / established", "ACK, no entry/hint", "established v4" },
	{ "full 64K record-first SYN / established", "SYN, rec-1st 64K full",
	  "established v4" },
};

/* Differences printed: a - b of "above drop", run by run. */
static const struct {
	const char *what;
	const char *a, *b;
} deltas[] = {
	{ "last-seen stamp on a hit", "established v4", "estab. v4 no stamp" },
	{ "MAC guard on a hit", "established v4", "estab. v4 no guard" },
	{ "pair sync record, recording ACK (budget <= 30)",
	  "first ACK, sync on", "first ACK, records" },
	{ "pair sync on, established hit", "established v4, sync on",
	  "established v4" },
	{ "pair sync record, BPF ring buffer (first version)",
	  "first ACK, sync ringbuf", "first ACK, records" },
	{ "per-CPU ring minus ring buffer, recording ACK", "first ACK, sync on",
	  "first ACK, sync ringbuf" },
};

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t sport; /* offset of the source port */
	size_t saddr; /* offset of the last byte of the source address */
	size_t flags; /* offset of the TCP flags, or 0 */
	int ipv;
};

struct inst {
	struct lb_dp *dp;
	struct lb_model m;
	bool model_ok;
};

struct bench {
	struct inst main, small;
	struct lb_dp_sync_reader sync_rd; /* main's keel_sync_ring */
	struct ring_buffer *sync_rb; /* the ringbuf variant's */
	struct keel_trivial *triv;
	struct keel_xdp_recfirst *recfirst, *small_recfirst;
	struct keel_xdp_noseen *noseen;
	struct keel_xdp_noguard *noguard;
	struct keel_xdp_ringbuf *ringbuf;
	int fd[P__N], drop_fd, ifindex;
	uint8_t mac_in[6];
	uint32_t fresh; /* next fresh tuple */
};

static void wr16(uint8_t *q, uint16_t v)
{
	q[0] = v >> 8;
	q[1] = v;
}

static void build(struct pkt *p, int ipv, uint8_t proto, const char *dst,
		  uint16_t dport, uint8_t tcp_flags)
{
	size_t l3 = ETH_HLEN, l4, hl = ipv == 4 ? 20 : 40;
	uint8_t *b = p->b;

	memset(p, 0, sizeof(*p));
	p->ipv = ipv;
	memcpy(b, mac_lb, 6);
	memcpy(b + 6, mac_router, 6);
	wr16(b + 12, ipv == 4 ? ETH_P_IP : ETH_P_IPV6);
	l4 = l3 + hl;
	p->len = l4 + 20; /* a TCP header, or UDP's 8 and 12 bytes of payload */
	if (ipv == 4) {
		b[l3] = 0x45;
		wr16(b + l3 + 2, p->len - l3);
		b[l3 + 8] = 64;
		b[l3 + 9] = proto;
		inet_pton(AF_INET, "198.51.100.7", b + l3 + 12);
		inet_pton(AF_INET, dst, b + l3 + 16);
		p->saddr = l3 + 15;
	} else {
		b[l3] = 0x60;
		wr16(b + l3 + 4, p->len - l4);
		b[l3 + 6] = proto;
		b[l3 + 7] = 64;
		inet_pton(AF_INET6, "2001:db8:c::7", b + l3 + 8);
		inet_pton(AF_INET6, dst, b + l3 + 24);
		p->saddr = l3 + 23;
	}
	p->sport = l4;
	wr16(b + l4, 40000);
	wr16(b + l4 + 2, dport);
	if (proto == IPPROTO_TCP) {
		b[l4 + 12] = 5 << 4;
		b[l4 + 13] = tcp_flags;
		wr16(b + l4 + 14, 65535);
		p->flags = l4 + 13;
	} else {
		wr16(b + l4 + 4, 8 + 12);
	}
}

/* Flow i of a template: source port, and source address past 60000. */
static void set_flow(struct pkt *p, uint32_t i)
{
	wr16(p->b + p->sport, 1024 + i % 60000);
	p->b[p->saddr] = 7 + i / 60000;
}

/* Throw away the records of every CPU's region (outside the timing). */
static int sync_drain(struct bench *bn)
{
	struct keel_sync_ev ev[256];
	uint32_t cpu;
	int n;

	for (cpu = 0; cpu < bn->sync_rd.ncpus; cpu++) {
		do
			n = lb_dp_sync_drain(&bn->sync_rd, cpu, ev,
					     sizeof(ev) / sizeof(ev[0]));
		while (n == (int)(sizeof(ev) / sizeof(ev[0])));
		if (n < 0)
			return n;
	}
	return bn->sync_rb && ring_buffer__consume(bn->sync_rb) < 0 ? -EIO : 0;
}

static int run_n(const struct bench *bn, int fd, struct pkt *p, uint32_t n,
		 uint32_t *ns, int *verdict)
{
	uint8_t out[PKT_MAX];
	struct xdp_md ctx = { .data_end = p->len,
			      .ingress_ifindex = bn->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b,
		    .data_size_in = p->len, .data_out = out,
		    .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = n);

	if (bpf_prog_test_run_opts(fd, &o))
		return errno ? -errno : -EIO;
	*ns = o.duration;
	*verdict = o.retval;
	return 0;
}

/* The conn-table key of the client flow in p (parsed back from p). */
static void flow_key(const struct pkt *p, struct keel_flow *f)
{
	size_t l3 = ETH_HLEN;

	memset(f, 0, sizeof(*f));
	if (p->ipv == 4) {
		f->family = KEEL_F_INET;
		f->proto = p->b[l3 + 9];
		memcpy(f->src, p->b + l3 + 12, 4);
		memcpy(f->dst, p->b + l3 + 16, 4);
	} else {
		f->family = KEEL_F_INET6;
		f->proto = p->b[l3 + 6];
		memcpy(f->src, p->b + l3 + 8, 16);
		memcpy(f->dst, p->b + l3 + 24, 16);
	}
	memcpy(&f->sport, p->b + p->sport, 2);
	memcpy(&f->dport, p->b + p->sport + 2, 2);
}

static struct inst *inst_of(struct bench *bn, enum prog_ix prog)
{
	return prog == P_SMALL ? &bn->small : &bn->main;
}

static int reason_count(struct inst *in, enum keel_cnt reason, uint64_t *n)
{
	uint64_t cnt[KEEL_CNT__MAX];
	int err = lb_dp_stats(in->dp, cnt);

	if (!err)
		*n = cnt[reason];
	return err;
}

struct sample {
	double keel, drop;
};

/*
 * T_BATCH: n fresh tuples whose hint slots differ (so every ACK finds its
 * hint), their SYNs first, then their ACKs timed.  Adds to the sums.
 */
static int bench_batch(struct bench *bn, const struct bcase *c, struct pkt *p,
		       uint32_t n, uint64_t *sum_keel, uint64_t *sum_drop)
{
	static uint32_t tuple[BATCH];
	static uint8_t used[KEEL_HINT_SLOTS];
	int fd = bn->fd[c->prog], err = 0, v;
	struct keel_flow f;
	uint32_t i, k, ns;

	memset(used, 0, sizeof(used));
	for (i = 0; i < n;) {
		tuple[i] = FLOWS + bn->fresh++ % FRESH_MAX;
		set_flow(p, tuple[i]);
		flow_key(p, &f);
		k = keel_hash_flow(&f) & (KEEL_HINT_SLOTS - 1);
		if (used[k])
			continue;
		used[k] = 1;
		i++;
	}
	p->b[p->flags] = TCP_SYN;
	for (i = 0; !err && i < n; i++) {
		set_flow(p, tuple[i]);
		err = run_n(bn, fd, p, 1, &ns, &v);
	}
	p->b[p->flags] = TCP_ACK;
	for (i = 0; !err && i < n; i++) {
		set_flow(p, tuple[i]);
		err = run_n(bn, fd, p, 1, &ns, &v);
		if (!err && v != XDP_TX)
			err = -EPROTO;
		*sum_keel += ns;
		if (!err)
			err = run_n(bn, bn->drop_fd, p, 1, &ns, &v);
		*sum_drop += ns;
		flow_key(p, &f);
		if (!err &&
		    bpf_map_delete_elem(
			    lb_dp_map_fd(bn->main.dp, KEEL_PIN_CONN), &f))
			err = -errno;
	}
	return err;
}

/* One run of a case: calls pairs of (keel, drop); means per packet. */
static int bench_run(struct bench *bn, const struct bcase *c, struct pkt *p,
		     uint32_t calls, struct sample *s)
{
	int want = c->pkt == K_NOTVIP ? XDP_PASS : XDP_TX, fd = bn->fd[c->prog];
	struct inst *in = inst_of(bn, c->prog);
	uint64_t sum_keel = 0, sum_drop = 0, before, after;
	uint8_t flags = p->flags ? p->b[p->flags] : 0;
	struct keel_flow f;
	uint32_t i, ns = 0;
	int err, v = -1;

	err = reason_count(in, c->reason, &before);
	if (!err && c->sync)
		err = lb_dp_sync_set(in->dp, true, 600);
	for (i = 0; !err && c->tuples == T_BATCH && i < calls; i += BATCH)
		err = bench_batch(bn, c, p,
				  calls - i < BATCH ? calls - i : BATCH,
				  &sum_keel, &sum_drop);
	for (i = 0; !err && c->tuples != T_BATCH && i < calls; i++) {
		if (c->tuples == T_FRESH)
			set_flow(p, FLOWS + bn->fresh++ % FRESH_MAX);
		else if (c->tuples == T_ESTAB)
			set_flow(p, i % FLOWS);
		if (c->pre != PRE_NONE) {
			if (c->pre == PRE_SYN)
				p->b[p->flags] = TCP_SYN;
			err = run_n(bn, fd, p, 1, &ns, &v);
			if (c->pre == PRE_SYN)
				p->b[p->flags] = flags;
			if (!err && v != want)
				err = -EPROTO;
		}
		if (!err)
			err = run_n(bn, fd, p, 1, &ns, &v);
		if (!err && v != want) {
			fprintf(stderr, "bench_xdp: %s: verdict %d, want %d\n",
				c->name, v, want);
			err = -EPROTO;
		}
		sum_keel += ns;
		if (!err)
			err = run_n(bn, bn->drop_fd, p, 1, &ns, &v);
		sum_drop += ns;
		/* Well before a CPU's region fills. */
		if (!err && c->sync && i % 4096 == 4095)
			err = sync_drain(bn);
		if (!err && c->clean) {
			flow_key(p, &f);
			if (bpf_map_delete_elem(
				    lb_dp_map_fd(in->dp, KEEL_PIN_CONN), &f))
				err = -errno;
		}
	}
	if (c->sync) {
		int e = lb_dp_sync_set(in->dp, false, 0);

		if (!err)
			err = e;
		if (!err)
			err = sync_drain(bn);
	}
	if (!err)
		err = reason_count(in, c->reason, &after);
	if (!err && after - before != calls) {
		fprintf(stderr,
			"bench_xdp: %s: %s moved by %llu in %u calls: "
			"the case took another path\n",
			c->name, keel_cnt_name(c->reason),
			(unsigned long long)(after - before), calls);
		err = -EPROTO;
	}
	s->keel = (double)sum_keel / calls;
	s->drop = (double)sum_drop / calls;
	return err;
}

/* The estab cases' flows get their entries from the program: two packets. */
static int warm(struct bench *bn, struct pkt *p)
{
	uint32_t i, ns;
	int err = 0, v;

	for (i = 0; !err && i < 2 * FLOWS; i++) {
		set_flow(p, i / 2);
		err = run_n(bn, bn->fd[P_KEEL], p, 1, &ns, &v);
	}
	return err;
}

static int add_service(struct bench *bn, struct inst *in, const char *vip,
		       const char *fmt, int nreals)
{
	struct lb_service *s;
	struct keel_vip_key k;
	struct lb_real *r;
	uint8_t fam;
	__be32 addr[4];
	char a[64];
	int i, err;

	err = keel_vip_parse(vip, &k);
	if (!err)
		err = lb_model_svc_add(&in->m, &k, 0, 0, &s);
	for (i = 0; !err && i < nreals; i++) {
		snprintf(a, sizeof(a), fmt, i + 1);
		err = keel_addr_parse(a, &fam, addr);
		if (!err)
			err = lb_model_real_add(&in->m, s, fam, addr, 1, &r);
		if (err)
			break;
		/*
		 * Every real has the LB's MAC: a forwarded frame is still
		 * addressed to the LB, so repeat=N runs the same path again
		 * (the MAC guard would pass a frame addressed to a real).
		 */
		lb_model_real_set_state(s, r, KEEL_RS_UP);
		lb_model_real_set_mac(s, r, mac_lb, bn->mac_in, bn->ifindex);
	}
	if (err)
		fprintf(stderr, "bench_xdp: service %s: %s\n", vip,
			strerror(-err));
	return err;
}

/* The interface's MAC, over netlink like lbd does it. */
static int if_mac(const char *name, uint8_t mac[6])
{
	int idx = if_nametoindex(name);

	return idx ? lb_link_mac(idx, mac) : -ENODEV;
}

/* An instance with three services of ten reals, kg0's MAC as mac_lb. */
static int inst_setup(struct bench *bn, struct inst *in, const char *suffix,
		      uint32_t conn)
{
	struct lb_dp_opts o = { .conn_table_size = conn };
	char name[64];
	int err;

	snprintf(name, sizeof(name), "bench-%d%s", (int)getpid(), suffix);
	o.instance = name;
	err = lb_dp_load(&o, &in->dp);
	if (err) {
		in->dp = NULL;
		fprintf(stderr, "bench_xdp: lb_dp_load: %s\n", strerror(-err));
		return err;
	}
	/* The frames are addressed to mac_lb: the guard lets them in. */
	err = lb_dp_if_mac_set(in->dp, bn->ifindex, mac_lb);
	if (!err)
		err = lb_model_init(&in->m, in->dp);
	if (err)
		return err;
	in->model_ok = true;
	err = add_service(bn, in, "10.0.0.10:80/tcp", "192.168.1.%d", 10);
	if (!err)
		err = add_service(bn, in, "10.0.0.10:53/udp", "192.168.2.%d",
				  10);
	if (!err)
		err = add_service(bn, in, "[2001:db8::10]:443/tcp",
				  "2001:db8:1::%x", 10);
	if (!err)
		err = lb_model_commit(&in->m, NULL);
	return err;
}

/* A variant object on an instance's maps: every map by its fd. */
static int reuse_maps(struct bpf_object *obj, struct inst *in)
{
	struct bpf_map *map;
	int fd, err;

	bpf_object__for_each_map(map, obj) {
		/* The ringbuf variant's own ring is its own. */
		if (!strcmp(bpf_map__name(map), "keel_sync_rb"))
			continue;
		fd = lb_dp_map_fd(in->dp, bpf_map__name(map));
		if (fd < 0)
			return fd;
		/* Or libbpf pins the reused map under /sys/fs/bpf. */
		err = bpf_map__set_pin_path(map, NULL);
		if (!err)
			err = bpf_map__reuse_fd(map, fd);
		if (err)
			return err;
	}
	return 0;
}

#define LOAD_VARIANT(bn, field, type, in, ix)                                 \
	({                                                                    \
		int _e = 0;                                                   \
		(bn)->field = type##__open();                                 \
		if (!(bn)->field)                                             \
			_e = -errno;                                          \
		if (!_e)                                                      \
			_e = reuse_maps((bn)->field->obj, (in));              \
		if (!_e)                                                      \
			_e = type##__load((bn)->field);                       \
		if (!_e)                                                      \
			(bn)->fd[ix] =                                        \
				bpf_program__fd((bn)->field->progs.keel_xdp); \
		if (_e)                                                       \
			fprintf(stderr, "bench_xdp: loading %s: %s\n", #type, \
				strerror(-_e));                               \
		_e;                                                           \
	})

static int sync_drop_ev(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static int setup(struct bench *bn)
{
	uint32_t conn = KEEL_CONN_TABLE_SIZE;
	int err;

	bn->ifindex = if_nametoindex(IF_IN);
	if (!bn->ifindex || if_mac(IF_IN, bn->mac_in)) {
		fprintf(stderr,
			"bench_xdp: no %s: run it through "
			"tests/bpf/run-in-netns.sh\n",
			IF_IN);
		return -ENODEV;
	}
	/* KEEL_BENCH_CONN: conn table size (default: lbd's default). */
	if (getenv("KEEL_BENCH_CONN"))
		conn = strtoul(getenv("KEEL_BENCH_CONN"), NULL, 10);
	err = inst_setup(bn, &bn->main, "", conn);
	if (!err)
		err = inst_setup(bn, &bn->small, "-small", SMALL_CONN);
	if (err)
		return err;
	bn->triv = keel_trivial__open_and_load();
	if (!bn->triv) {
		err = -errno;
		fprintf(stderr, "bench_xdp: loading xdp_drop: %s\n",
			strerror(-err));
		return err;
	}
	bn->fd[P_KEEL] = lb_dp_prog_fd(bn->main.dp);
	err = lb_dp_sync_reader_open(bn->main.dp, &bn->sync_rd);
	if (err) {
		fprintf(stderr, "bench_xdp: the sync ring: %s\n",
			strerror(-err));
		return err;
	}
	bn->drop_fd = bpf_program__fd(bn->triv->progs.xdp_drop);
	err = LOAD_VARIANT(bn, recfirst, keel_xdp_recfirst, &bn->main,
			   P_RECFIRST);
	if (!err)
		err = LOAD_VARIANT(bn, small_recfirst, keel_xdp_recfirst,
				   &bn->small, P_SMALL);
	if (!err)
		err = LOAD_VARIANT(bn, noseen, keel_xdp_noseen, &bn->main,
				   P_NOSEEN);
	if (!err)
		err = LOAD_VARIANT(bn, noguard, keel_xdp_noguard, &bn->main,
				   P_NOGUARD);
	if (!err)
		err = LOAD_VARIANT(bn, ringbuf, keel_xdp_ringbuf, &bn->main,
				   P_RINGBUF);
	if (!err) {
		bn->sync_rb = ring_buffer__new(
			bpf_map__fd(bn->ringbuf->maps.keel_sync_rb),
			sync_drop_ev, NULL, NULL);
		if (!bn->sync_rb)
			err = -errno;
	}
	return err;
}

static void inst_fini(struct inst *in)
{
	if (in->model_ok)
		lb_model_free(&in->m);
	if (in->dp) {
		lb_dp_unpin(in->dp);
		lb_dp_close(in->dp);
	}
}

static void teardown(struct bench *bn)
{
	lb_dp_sync_reader_close(&bn->sync_rd);
	keel_xdp_recfirst__destroy(bn->recfirst);
	keel_xdp_recfirst__destroy(bn->small_recfirst);
	keel_xdp_noseen__destroy(bn->noseen);
	keel_xdp_noguard__destroy(bn->noguard);
	ring_buffer__free(bn->sync_rb);
	keel_xdp_ringbuf__destroy(bn->ringbuf);
	keel_trivial__destroy(bn->triv);
	inst_fini(&bn->main);
	inst_fini(&bn->small);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v. */
static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static unsigned long arg(const char *s, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || v == 0 || v > 100000000) {
		fprintf(stderr, "bench_xdp: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static int case_ix(const char *name)
{
	size_t c;

	for (c = 0; c < C__N; c++)
		if (!strcmp(cases[c].name, name))
			return c;
	abort(); /* a typo in the ratio tables */
}

static double diff[C__N][RUNS_MAX], keel[C__N][RUNS_MAX], drop[C__N][RUNS_MAX];
static double rdiff[C__N][RUNS_MAX], rkeel[C__N][RUNS_MAX],
	rdrop[C__N][RUNS_MAX];

static void print_table(double d[][RUNS_MAX], double k[][RUNS_MAX],
			double x[][RUNS_MAX], int runs, bool stable_only)
{
	double tmp[RUNS_MAX];
	size_t c;

	printf("%-22s %-12s %10s %10s %10s %16s\n", "case", "program",
	       "above drop", "keel", "xdp_drop", "above: min..max");
	for (c = 0; c < C__N; c++) {
		if (stable_only && !cases[c].stable)
			continue;
		memcpy(tmp, d[c], runs * sizeof(double));
		qsort(tmp, runs, sizeof(double), cmp_double);
		printf("%-22s %-12s %10.1f %10.1f %10.1f %7.1f..%-7.1f\n",
		       cases[c].name, prog_names[cases[c].prog],
		       median(tmp, runs), median(k[c], runs),
		       median(x[c], runs), tmp[0], tmp[runs - 1]);
	}
}

/*
 * The hint's window: how many other first packets on this CPU between a
 * SYN and its ACK still leave the ACK its hint.  Prints one line per N.
 */
/*
 * Applying the pair peer's records (keel_sync_apply through
 * lb_dp_conn_apply, KEEL_SYNC_APPLY_MAX per run) against, in the same
 * run, a blind bpf_map_update_batch of the same entries and one
 * bpf_map_update_elem per entry: ns per record, for new keys and for keys
 * already there.  The table is emptied of them between methods.
 */
#define APPLY_N (64 * KEEL_SYNC_APPLY_MAX)

static int bench_apply(struct bench *bn, unsigned long runs)
{
	static struct keel_sync_apply_rec recs[APPLY_N];
	static struct keel_flow keys[APPLY_N];
	static struct keel_conn vals[APPLY_N];
	static double t[4][RUNS_MAX], ratio[RUNS_MAX];
	const char *const what[4] = { "apply, new keys", "apply, same keys",
				      "update_batch (blind)", "update_elem" };
	int fd = lb_dp_map_fd(bn->main.dp, KEEL_PIN_CONN), err = 0, m;
	struct lb_service *s = bn->main.m.svcs[0];
	uint32_t res[KEEL_APPLY__MAX], i, cnt;
	unsigned long r;
	uint64_t t0;
	LIBBPF_OPTS(bpf_map_batch_opts, bo);

	for (i = 0; i < APPLY_N; i++) {
		memset(&keys[i], 0, sizeof(keys[i]));
		keys[i].family = KEEL_F_INET;
		keys[i].proto = IPPROTO_TCP;
		keys[i].src[0] = htonl(0x0b000000 | i);
		keys[i].dst[0] = htonl(0x0a00000a);
		keys[i].sport = htons(1024 + (i & 0x7fff));
		keys[i].dport = htons(80);
		recs[i].flow = keys[i];
		recs[i].real_id = s->reals[i % s->n_reals].id;
		recs[i].real_gen = s->reals[i % s->n_reals].gen;
		vals[i].real_id = recs[i].real_id;
		vals[i].real_gen = recs[i].real_gen;
	}
	for (r = 0; !err && r < runs; r++) {
		for (m = 0; !err && m < 4; m++) {
			t0 = keel_now_ns();
			if (m < 2) {
				err = lb_dp_conn_apply(bn->main.dp, recs,
						       APPLY_N, 600, res);
				if (!err &&
				    res[m == 0 ? KEEL_APPLY_INSERTED :
						 KEEL_APPLY_SAME] != APPLY_N)
					err = -EPROTO;
			} else if (m == 2) {
				cnt = APPLY_N;
				err = bpf_map_update_batch(fd, keys, vals, &cnt,
							   &bo);
			} else {
				for (i = 0; !err && i < APPLY_N; i++)
					err = bpf_map_update_elem(fd, &keys[i],
								  &vals[i],
								  BPF_ANY);
			}
			t[m][r] = (double)(keel_now_ns() - t0) / APPLY_N;
			/* Empty before the next method (not after "new"). */
			if (!err && m != 0) {
				cnt = APPLY_N;
				err = bpf_map_delete_batch(fd, keys, &cnt, &bo);
			}
		}
	}
	if (err) {
		fprintf(stderr, "bench_xdp: apply: %s\n", strerror(-err));
		return err;
	}
	for (r = 0; r < runs; r++)
		ratio[r] = t[0][r] / t[2][r];
	printf("\npair sync: applying %d records per run (ns per record), "
	       "median of %lu runs\n",
	       APPLY_N, runs);
	for (m = 0; m < 4; m++)
		printf("  %-24s %8.1f\n", what[m], median(t[m], runs));
	printf("  apply (new) / blind update_batch, median of per-run "
	       "ratios: %.2f (budget <= 1.3)\n",
	       median(ratio, runs));
	return 0;
}

static int bench_window(struct bench *bn, struct pkt *syn, uint32_t trials)
{
	static const double per_slots[] = { 0.1, 0.5, 1, 2, 4 };
	struct inst *in = &bn->main;
	struct keel_flow f;
	uint64_t a, b;
	uint32_t i, t, n, ns, found;
	size_t k;
	int err = 0, v;

	printf("\nSYN hint window (%d slots per CPU), %u trials per row\n",
	       KEEL_HINT_SLOTS, trials);
	printf("%10s %12s %14s\n", "other SYNs", "ACK found it",
	       "exp(-N/slots)");
	for (k = 0; !err && k < ARRAY_SIZE(per_slots); k++) {
		n = per_slots[k] * KEEL_HINT_SLOTS;
		found = 0;
		for (t = 0; !err && t < trials; t++) {
			uint32_t me = FLOWS + bn->fresh++ % FRESH_MAX;

			set_flow(syn, me);
			syn->b[syn->flags] = TCP_SYN;
			err = run_n(bn, bn->fd[P_KEEL], syn, 1, &ns, &v);
			for (i = 0; !err && i < n; i++) {
				set_flow(syn, FLOWS + bn->fresh++ % FRESH_MAX);
				err = run_n(bn, bn->fd[P_KEEL], syn, 1, &ns,
					    &v);
			}
			set_flow(syn, me);
			syn->b[syn->flags] = TCP_ACK;
			if (!err)
				err = reason_count(in, KEEL_CNT_FLOW_RECORDED,
						   &a);
			if (!err)
				err = run_n(bn, bn->fd[P_KEEL], syn, 1, &ns,
					    &v);
			if (!err)
				err = reason_count(in, KEEL_CNT_FLOW_RECORDED,
						   &b);
			found += !err && b - a == 1;
			flow_key(syn, &f);
			bpf_map_delete_elem(lb_dp_map_fd(in->dp, KEEL_PIN_CONN),
					    &f);
		}
		if (!err)
			printf("%10u %11.1f%% %13.1f%%\n", n,
			       100.0 * found / trials,
			       100.0 * exp(-(double)n / KEEL_HINT_SLOTS));
	}
	syn->b[syn->flags] = TCP_SYN;
	return err;
}

int main(int argc, char **argv)
{
	struct pkt tmpl[K__N], pk[C__N];
	struct sample smp = {};
	struct bench bn = {};
	unsigned long runs = RUNS_DEFAULT, calls = CALLS_DEFAULT;
	double v[RUNS_MAX], med;
	int r, err, cpu;
	size_t c, i;
	cpu_set_t set;

	if (argc > 3) {
		fprintf(stderr, "usage: bench_xdp [runs [calls]]\n");
		return 2;
	}
	if (argc > 1)
		runs = arg(argv[1], "runs");
	if (argc > 2)
		calls = arg(argv[2], "calls");
	if (runs > RUNS_MAX) {
		fprintf(stderr, "bench_xdp: at most %d runs\n", RUNS_MAX);
		return 2;
	}
	/* One CPU: its LRU list, its hints, no migration mid-run. */
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (cpu < 0 || sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "bench_xdp: not pinned to a CPU\n");

	err = setup(&bn);
	build(&tmpl[K_NOTVIP], 4, IPPROTO_TCP, "10.0.0.99", 80, TCP_SYN);
	build(&tmpl[K_SYN4], 4, IPPROTO_TCP, "10.0.0.10", 80, TCP_SYN);
	build(&tmpl[K_ACK4], 4, IPPROTO_TCP, "10.0.0.10", 80, TCP_ACK);
	build(&tmpl[K_ACK6], 6, IPPROTO_TCP, "2001:db8::10", 443, TCP_ACK);
	build(&tmpl[K_UDP4], 4, IPPROTO_UDP, "10.0.0.10", 53, 0);
	for (c = 0; c < C__N; c++)
		pk[c] = tmpl[cases[c].pkt];
	for (i = K_ACK4; !err && i <= K_UDP4; i++)
		err = warm(&bn, &tmpl[i]);
	/* Interleaved: every run times every case, so drift hits all. */
	for (r = 0; !err && r < (int)runs; r++) {
		for (c = 0; !err && c < C__N; c++) {
			err = bench_run(&bn, &cases[c], &pk[c], calls, &smp);
			diff[c][r] = smp.keel - smp.drop;
			keel[c][r] = smp.keel;
			drop[c][r] = smp.drop;
		}
	}
	/*
	 * Second view, for the cases whose path the MAC rewrite and the
	 * repetition do not change: repeat=REPEAT_N in one call keeps the
	 * caches warm between packets, as a busy NIC queue does.
	 */
	for (r = 0; !err && r < (int)runs; r++) {
		for (c = 0; !err && c < C__N; c++) {
			uint32_t nk = 0, nd = 0;
			int vd;

			if (!cases[c].stable)
				continue;
			if (cases[c].tuples == T_ESTAB)
				set_flow(&pk[c], 0);
			err = run_n(&bn, bn.fd[cases[c].prog], &pk[c], REPEAT_N,
				    &nk, &vd);
			if (!err)
				err = run_n(&bn, bn.drop_fd, &pk[c], REPEAT_N,
					    &nd, &vd);
			rdiff[c][r] = (double)nk - nd;
			rkeel[c][r] = nk;
			rdrop[c][r] = nd;
		}
	}
	if (err) {
		teardown(&bn);
		fprintf(stderr, "bench_xdp: %s\n", strerror(-err));
		return 1;
	}

	printf("keel_xdp vs xdp_drop, BPF_PROG_TEST_RUN repeat=1, CPU %d\n"
	       "median of %lu runs x %lu calls per case (ns per packet)\n\n",
	       cpu, runs, calls);
	print_table(diff, keel, drop, runs, false);
	printf("\nratios of 'above drop', median of the per-run ratios "
	       "(min..max)\n");
	for (i = 0; i < ARRAY_SIZE(ratios); i++) {
		int a = case_ix(ratios[i].num), b = case_ix(ratios[i].den);

		for (r = 0; r < (int)runs; r++)
			v[r] = diff[a][r] / diff[b][r];
		med = median(v, runs);
		printf("%-52s %6.2f (%.2f..%.2f)\n", ratios[i].what, med, v[0],
		       v[runs - 1]);
	}
	printf("\ndifferences of 'above drop', median of the per-run "
	       "differences, ns (min..max)\n");
	for (i = 0; i < ARRAY_SIZE(deltas); i++) {
		int a = case_ix(deltas[i].a), b = case_ix(deltas[i].b);

		for (r = 0; r < (int)runs; r++)
			v[r] = diff[a][r] - diff[b][r];
		med = median(v, runs);
		printf("%-52s %6.1f (%.1f..%.1f)\n", deltas[i].what, med, v[0],
		       v[runs - 1]);
	}
	printf("\nsame packet, repeat=%d per call (path-stable cases only)\n",
	       REPEAT_N);
	print_table(rdiff, rkeel, rdrop, runs, true);
	for (i = 0; i < ARRAY_SIZE(deltas); i++) {
		int a = case_ix(deltas[i].a), b = case_ix(deltas[i].b);

		if (!cases[a].stable || !cases[b].stable)
			continue;

		for (r = 0; r < (int)runs; r++)
			v[r] = rdiff[a][r] - rdiff[b][r];
		med = median(v, runs);
		printf("%-52s %6.1f (%.1f..%.1f)\n", deltas[i].what, med, v[0],
		       v[runs - 1]);
	}
	if (!err)
		err = bench_apply(&bn, runs);
	if (!err && getenv("KEEL_BENCH_WINDOW"))
		err = bench_window(&bn, &tmpl[K_SYN4],
				   arg(getenv("KEEL_BENCH_WINDOW"), "trials"));
	teardown(&bn);
	if (err)
		fprintf(stderr, "bench_xdp: %s\n", strerror(-err));
	return err ? 1 : 0;
}
