// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_xdp.c - cost of the keel XDP program per packet, above the cost of
 * running any XDP program at all.
 *
 * BPF_PROG_TEST_RUN with repeat=1, in a loop: the program rewrites the
 * MACs, and repeat=N would time N-1 runs on its own output.  Each call of
 * keel_xdp is paired with a call of xdp_drop (keel_trivial) on the same
 * packet, interleaved, and the kernel-measured durations are summed per
 * run.  Reported: the median over runs of (keel - drop) per packet, and
 * the raw medians of both.
 *
 * Cases:
 *   not-VIP pass  TCP SYN to an address without service
 *   new flow      TCP SYN; the source port (and, every 60000 calls, the
 *                 source address) changes every call, and the conn entry
 *                 the call created is deleted before the next call
 *                 (outside the timed region): every call is a miss that
 *                 inserts into a table that never fills
 *   established   TCP ACK of 1024 flows created beforehand, in turn
 *   ipv6 estab.   the same over IPv6
 *   udp estab.    UDP datagrams (12 bytes of payload) of 1024 flows
 *
 * Needs root and the veth kg0 (ingress; reals are behind it, so the
 * verdict is XDP_TX as in production):
 *   sudo tests/bpf/run-in-netns.sh build/tests/bench/bench_xdp [runs [calls]]
 * KEEL_BENCH_CONN=N sets the conn table's size (default 1048576).
 */
#include <arpa/inet.h>
#include <errno.h>
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

#include "keel_maps.h"
#include "keel_trivial.skel.h"
#include "lb_addr.h"
#include "lb_dp.h"
#include "lb_model.h"
#include "lb_neigh.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RUNS_DEFAULT 7
#define CALLS_DEFAULT 200000
#define FLOWS 1024 /* established flows cycled through */
#define NEW_FLOWS 600000 /* new-flow tuples, after the established ones */
#define IF_IN "kg0"
#define REPEAT_N 100000 /* the warm-cache view */
#define PKT_MAX 128

static const uint8_t mac_lb[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t mac_router[6] = { 0x02, 0, 0, 0, 0, 0xfe };

enum bench_case {
	C_NOT_VIP,
	C_NEW_FLOW,
	C_ESTAB4,
	C_ESTAB6,
	C_UDP,
	C__N,
};

static const char *const case_names[C__N] = {
	[C_NOT_VIP] = "not-VIP pass",  [C_NEW_FLOW] = "new flow (SYN)",
	[C_ESTAB4] = "established v4", [C_ESTAB6] = "established v6",
	[C_UDP] = "udp established",
};

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t sport; /* offset of the source port */
	size_t saddr; /* offset of the last byte of the source address */
	int ipv;
};

struct bench {
	struct lb_dp *dp;
	struct lb_model m;
	bool model_ok;
	struct keel_trivial *triv;
	int keel_fd, drop_fd, conn_fd, ifindex;
	uint8_t mac_in[6];
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
	p->len = l4 + (proto == IPPROTO_TCP ? 20 : 8 + 12);
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
	} else {
		wr16(b + l4 + 4, 8 + 12);
	}
}

/* Flow i of a case: source port, and source address past 60000. */
static void set_flow(struct pkt *p, uint32_t i)
{
	wr16(p->b + p->sport, 1024 + i % 60000);
	p->b[p->saddr] = 7 + i / 60000;
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

static int run_once(const struct bench *bn, int fd, struct pkt *p, uint32_t *ns,
		    int *verdict)
{
	return run_n(bn, fd, p, 1, ns, verdict);
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

struct sample {
	double keel, drop;
};

/*
 * One run: calls pairs of (keel, drop) on the case's packets.  Returns
 * the mean ns per packet of each.
 */
static int bench_run(struct bench *bn, enum bench_case c, struct pkt *p,
		     uint32_t calls, struct sample *s)
{
	static uint32_t next_new;
	uint64_t sum_keel = 0, sum_drop = 0;
	struct keel_flow f;
	uint32_t i, ns;
	int err, v = -1, want = c == C_NOT_VIP ? XDP_PASS : XDP_TX;

	for (i = 0; i < calls; i++) {
		if (c == C_NEW_FLOW)
			set_flow(p, FLOWS + next_new++ % NEW_FLOWS);
		else if (c != C_NOT_VIP)
			set_flow(p, i % FLOWS);
		err = run_once(bn, bn->keel_fd, p, &ns, &v);
		if (err)
			return err;
		if (v != want) {
			fprintf(stderr, "bench_xdp: %s: verdict %d, want %d\n",
				case_names[c], v, want);
			return -EPROTO;
		}
		sum_keel += ns;
		err = run_once(bn, bn->drop_fd, p, &ns, &v);
		if (err)
			return err;
		sum_drop += ns;
		if (c == C_NEW_FLOW) {
			flow_key(p, &f);
			if (bpf_map_delete_elem(bn->conn_fd, &f))
				return -errno;
		}
	}
	s->keel = (double)sum_keel / calls;
	s->drop = (double)sum_drop / calls;
	return 0;
}

/* The hit cases' flows get their conn entries from the program itself. */
static int warm(struct bench *bn, struct pkt *p)
{
	uint32_t i, ns;
	int err, v;

	for (i = 0; i < FLOWS; i++) {
		set_flow(p, i);
		err = run_once(bn, bn->keel_fd, p, &ns, &v);
		if (err)
			return err;
	}
	return 0;
}

static int add_service(struct bench *bn, const char *vip, const char *fmt,
		       int nreals)
{
	struct lb_service *s;
	struct keel_vip_key k;
	struct lb_real *r;
	uint8_t fam, mac[6] = { 0x02, 0, 0, 0, 0x01, 0 };
	__be32 addr[4];
	char a[64];
	int i, err;

	err = lb_vip_parse(vip, &k);
	if (!err)
		err = lb_model_svc_add(&bn->m, &k, 0, 0, &s);
	for (i = 0; !err && i < nreals; i++) {
		snprintf(a, sizeof(a), fmt, i + 1);
		err = lb_addr_parse(a, &fam, addr);
		if (!err)
			err = lb_model_real_add(&bn->m, s, fam, addr, 1, &r);
		if (err)
			break;
		mac[5] = i + 1;
		lb_model_real_set_state(s, r, KEEL_RS_UP);
		lb_model_real_set_mac(s, r, mac, bn->mac_in, bn->ifindex);
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

static int setup(struct bench *bn)
{
	struct lb_dp_opts o = {};
	char inst[64];
	int err;

	bn->ifindex = if_nametoindex(IF_IN);
	if (!bn->ifindex || if_mac(IF_IN, bn->mac_in)) {
		fprintf(stderr,
			"bench_xdp: no %s: run it through "
			"tests/bpf/run-in-netns.sh\n",
			IF_IN);
		return -ENODEV;
	}
	snprintf(inst, sizeof(inst), "bench-%d", (int)getpid());
	o.instance = inst;
	/* KEEL_BENCH_CONN: conn table size (default: lbd's default). */
	if (getenv("KEEL_BENCH_CONN"))
		o.conn_table_size =
			strtoul(getenv("KEEL_BENCH_CONN"), NULL, 10);
	err = lb_dp_load(&o, &bn->dp);
	if (err) {
		bn->dp = NULL;
		fprintf(stderr, "bench_xdp: lb_dp_load: %s\n", strerror(-err));
		return err;
	}
	err = lb_model_init(&bn->m, bn->dp);
	if (err)
		return err;
	bn->model_ok = true;
	err = add_service(bn, "10.0.0.10:80/tcp", "192.168.1.%d", 10);
	if (!err)
		err = add_service(bn, "10.0.0.10:53/udp", "192.168.2.%d", 10);
	if (!err)
		err = add_service(bn, "[2001:db8::10]:443/tcp",
				  "2001:db8:1::%x", 10);
	if (!err)
		err = lb_model_commit(&bn->m, NULL);
	if (err)
		return err;
	bn->triv = keel_trivial__open_and_load();
	if (!bn->triv) {
		err = -errno;
		fprintf(stderr, "bench_xdp: loading xdp_drop: %s\n",
			strerror(-err));
		return err;
	}
	bn->keel_fd = lb_dp_prog_fd(bn->dp);
	bn->drop_fd = bpf_program__fd(bn->triv->progs.xdp_drop);
	bn->conn_fd = lb_dp_map_fd(bn->dp, KEEL_PIN_CONN);
	return 0;
}

static void teardown(struct bench *bn)
{
	keel_trivial__destroy(bn->triv);
	if (bn->model_ok)
		lb_model_free(&bn->m);
	if (bn->dp) {
		lb_dp_unpin(bn->dp);
		lb_dp_close(bn->dp);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

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

int main(int argc, char **argv)
{
	struct pkt pk[C__N];
	struct sample smp = {};
	struct bench bn = {};
	double diff[C__N][64], keel[C__N][64], drop[C__N][64];
	double rdiff[C__N][64], rkeel[C__N][64], rdrop[C__N][64];
	unsigned long runs = RUNS_DEFAULT, calls = CALLS_DEFAULT;
	int c, r, err, cpu;
	cpu_set_t set;

	if (argc > 3) {
		fprintf(stderr, "usage: bench_xdp [runs [calls]]\n");
		return 2;
	}
	if (argc > 1)
		runs = arg(argv[1], "runs");
	if (argc > 2)
		calls = arg(argv[2], "calls");
	if (runs > ARRAY_SIZE(diff[0])) {
		fprintf(stderr, "bench_xdp: at most %zu runs\n",
			ARRAY_SIZE(diff[0]));
		return 2;
	}
	/* One CPU: its LRU list, its caches, no migration mid-run. */
	cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (cpu < 0 || sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "bench_xdp: not pinned to a CPU\n");

	err = setup(&bn);
	build(&pk[C_NOT_VIP], 4, IPPROTO_TCP, "10.0.0.99", 80, 0x02);
	build(&pk[C_NEW_FLOW], 4, IPPROTO_TCP, "10.0.0.10", 80, 0x02);
	build(&pk[C_ESTAB4], 4, IPPROTO_TCP, "10.0.0.10", 80, 0x10);
	build(&pk[C_ESTAB6], 6, IPPROTO_TCP, "2001:db8::10", 443, 0x10);
	build(&pk[C_UDP], 4, IPPROTO_UDP, "10.0.0.10", 53, 0);
	for (c = C_ESTAB4; !err && c <= C_UDP; c++)
		err = warm(&bn, &pk[c]);
	/* Interleaved: every run times every case, so drift hits all. */
	for (r = 0; !err && r < (int)runs; r++) {
		for (c = 0; !err && c < C__N; c++) {
			err = bench_run(&bn, c, &pk[c], calls, &smp);
			diff[c][r] = smp.keel - smp.drop;
			keel[c][r] = smp.keel;
			drop[c][r] = smp.drop;
		}
	}
	/*
	 * Second view, for the cases whose path the MAC rewrite does not
	 * change (all but the new flow): repeat=REPEAT_N in one call keeps
	 * the caches warm between packets, as a busy NIC queue does.
	 */
	for (r = 0; !err && r < (int)runs; r++) {
		for (c = 0; !err && c < C__N; c++) {
			uint32_t nk = 0, nd = 0;
			int v;

			if (c == C_NEW_FLOW)
				continue;
			if (c != C_NOT_VIP)
				set_flow(&pk[c], 0);
			err = run_n(&bn, bn.keel_fd, &pk[c], REPEAT_N, &nk, &v);
			if (!err)
				err = run_n(&bn, bn.drop_fd, &pk[c], REPEAT_N,
					    &nd, &v);
			rdiff[c][r] = (double)nk - nd;
			rkeel[c][r] = nk;
			rdrop[c][r] = nd;
		}
	}
	teardown(&bn);
	if (err) {
		fprintf(stderr, "bench_xdp: %s\n", strerror(-err));
		return 1;
	}

	printf("keel_xdp vs xdp_drop, BPF_PROG_TEST_RUN repeat=1, CPU %d\n"
	       "median of %lu runs x %lu calls per case (ns per packet)\n\n",
	       cpu, runs, calls);
	printf("%-18s %10s %10s %10s %16s\n", "case", "above drop", "keel",
	       "xdp_drop", "above: min..max");
	for (c = 0; c < C__N; c++) {
		double lo, hi;

		qsort(diff[c], runs, sizeof(double), cmp_double);
		lo = diff[c][0];
		hi = diff[c][runs - 1];
		printf("%-18s %10.1f %10.1f %10.1f %7.1f..%-7.1f\n",
		       case_names[c], median(diff[c], runs),
		       median(keel[c], runs), median(drop[c], runs), lo, hi);
	}
	printf("\nsame packet, repeat=%d per call (path-stable cases only)\n",
	       REPEAT_N);
	for (c = 0; c < C__N; c++) {
		if (c == C_NEW_FLOW)
			continue;
		qsort(rdiff[c], runs, sizeof(double), cmp_double);
		printf("%-18s %10.1f %10.1f %10.1f %7.1f..%-7.1f\n",
		       case_names[c], median(rdiff[c], runs),
		       median(rkeel[c], runs), median(rdrop[c], runs),
		       rdiff[c][0], rdiff[c][runs - 1]);
	}
	return 0;
}
