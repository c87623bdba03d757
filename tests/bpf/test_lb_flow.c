// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_lb_flow.c - a pair's flow records end to end on two loaded
 * instances in one process, LB A and LB B (lb_flow.h, docs/pair.md).
 *
 * Both hold the same services and reals, added in another order on B (and
 * B holds an extra real first), so the same real has another id on each.
 * Packets through A's program (BPF_PROG_TEST_RUN) create conn entries and
 * ring records; lb_flow_out_drain() on A emits them, they are encoded into
 * FLOWS bodies and parsed back, and lb_flow_in_apply() merges them into
 * B's conn table.  Then every flow's entry on B names B's id of the same
 * address, and a packet of it through B's program goes to that real's MAC
 * on B; a real draining on B is honoured, a DOWN one is not applied (the
 * packet goes to another real), an unknown one is parked until it is added
 * and committed (lb_flow_in_retry()).  IPv4, IPv6 and a port-less service.
 * The translation rows check every outcome of each side on its own.
 *
 * Needs root and the veths kg0/kg1 of run-in-netns.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <check.h>
#include "check_run.h"

#include "keel_addr.h"
#include "keel_maps.h"
#include "keel_sync.h"
#include "lb_dp.h"
#include "lb_flow.h"
#include "lb_model.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define IF_IN "kg0"
#define IF_OUT "kg1"
#define REANNOUNCE 100
#define NFLOWS 48 /* per service */
#define T0 1000000 /* ms, the tests' clock */

enum svc_ix { S_WEB4, S_ANY4, S_WEB6, S__N };

static const struct svc_def {
	const char *vip;
	const char *reals[4];
} svc_defs[S__N] = {
	[S_WEB4] = { "10.0.0.10:80/tcp",
		     { "192.168.1.1", "192.168.1.2", "192.168.1.3",
		       "192.168.1.4" } },
	[S_ANY4] = { "10.0.0.20/tcp", { "192.168.1.5", "192.168.1.6" } },
	[S_WEB6] = { "[2001:db8::10]:443/tcp",
		     { "2001:db8:1::1", "2001:db8:1::2" } },
};

/* On B: .1 drains, .2 is DOWN, .3 is unknown until added later. */
#define B_DRAIN "192.168.1.2"
#define B_DOWN "192.168.1.1"
#define B_LATE "192.168.1.3"

static char inst_a[64], inst_b[64];

struct lb {
	struct lb_dp *dp;
	struct lb_model m;
	bool model_ok;
	struct lb_service *svc[S__N];
	uint8_t tag; /* MACs: 02:00:00:00:tag:n */
};

static struct lb A, B;
static int if_in, if_out;

static void mac_of(const struct lb *lb, const __be32 addr[4], uint8_t m[6])
{
	/* From the address, so a test can say which real a frame went to. */
	const uint8_t *a = (const uint8_t *)addr;

	m[0] = 0x02;
	m[1] = 0;
	m[2] = 0;
	m[3] = lb->tag;
	m[4] = a[14] ^ a[2];
	m[5] = a[15] ^ a[3];
}

static struct lb_real *add_real(struct lb *lb, int ix, const char *a,
				uint8_t state)
{
	struct lb_service *s = lb->svc[ix];
	struct lb_real *r;
	__be32 addr[4];
	uint8_t fam, mac[6], smac[6] = { 2, 0, 0, 0, 0, 1 };

	ck_assert_int_eq(keel_addr_parse(a, &fam, addr), 0);
	ck_assert_int_eq(lb_model_real_add(&lb->m, s, fam, addr, 1, &r), 0);
	mac_of(lb, addr, mac);
	lb_model_real_set_state(s, r, state);
	lb_model_real_set_mac(s, r, mac, smac, if_in);
	return r;
}

static void lb_up(struct lb *lb, const char *inst, bool is_b)
{
	struct lb_dp_opts o = { .instance = inst, .conn_table_size = 4096 };
	struct keel_vip_key k;
	int i, j;

	memset(lb, 0, sizeof(*lb));
	lb->tag = is_b ? 0xb : 0xa;
	ck_assert_int_eq(lb_dp_load(&o, &lb->dp), 0);
	ck_assert_int_eq(lb_model_init(&lb->m, lb->dp), 0);
	lb->model_ok = true;
	ck_assert_int_eq(lb_dp_tx_port_add(lb->dp, if_out), 0);
	for (i = 0; i < S__N; i++) {
		ck_assert_int_eq(keel_vip_parse(svc_defs[i].vip, &k), 0);
		ck_assert_int_eq(
			lb_model_svc_add(&lb->m, &k, 0, 251, &lb->svc[i]), 0);
	}
	if (is_b) /* ids move: an extra real first, the rest reversed */
		add_real(lb, S_WEB6, "2001:db8:1::9", KEEL_RS_UP);
	for (i = 0; i < S__N; i++) {
		int n = 0;

		while (n < 4 && svc_defs[i].reals[n])
			n++;
		for (j = 0; j < n; j++) {
			const char *a = svc_defs[i].reals[is_b ? n - 1 - j : j];
			uint8_t st = KEEL_RS_UP;

			if (is_b && !strcmp(a, B_LATE))
				continue;
			if (is_b && !strcmp(a, B_DRAIN))
				st = KEEL_RS_DRAINING;
			if (is_b && !strcmp(a, B_DOWN))
				st = KEEL_RS_DOWN;
			add_real(lb, i, a, st);
		}
	}
	ck_assert_int_eq(lb_model_commit(&lb->m, NULL), 0);
}

static void lb_down(struct lb *lb)
{
	if (lb->model_ok)
		lb_model_free(&lb->m);
	if (lb->dp) {
		lb_dp_unpin(lb->dp);
		lb_dp_close(lb->dp);
	}
	memset(lb, 0, sizeof(*lb));
}

static void pins_clear(void)
{
	struct lb_dp_opts a = { .instance = inst_a };
	struct lb_dp_opts b = { .instance = inst_b };

	lb_dp_unload(&a);
	lb_dp_unload(&b);
}

static void setup(void)
{
	pins_clear();
	if_in = (int)if_nametoindex(IF_IN);
	if_out = (int)if_nametoindex(IF_OUT);
	ck_assert_msg(if_in && if_out, "no %s/%s (run-in-netns.sh)", IF_IN,
		      IF_OUT);
	lb_up(&A, inst_a, false);
	lb_up(&B, inst_b, true);
}

static void teardown(void)
{
	lb_down(&A);
	lb_down(&B);
}

/* ------------------------------------------------------------------ */
/* Packets                                                            */

struct pkt {
	uint8_t b[128];
	size_t len;
};

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A TCP ACK of flow f (no SYN: the program records the flow). */
static void ack_of(const struct keel_flow *f, struct pkt *p)
{
	uint8_t *q = p->b, *tcp;
	const uint8_t lb_mac[6] = { 2, 0, 0, 0, 0, 1 };
	const uint8_t rt_mac[6] = { 2, 0, 0, 0, 0, 0xfe };

	memset(p, 0, sizeof(*p));
	memcpy(q, lb_mac, 6);
	memcpy(q + 6, rt_mac, 6);
	if (f->family == KEEL_F_INET) {
		q[12] = 0x08;
		q[14] = 0x45;
		q[16] = 0;
		q[17] = 40;
		q[22] = 64;
		q[23] = IPPROTO_TCP;
		memcpy(q + 26, f->src, 4);
		memcpy(q + 30, f->dst, 4);
		{
			uint16_t c = csum(q + 14, 20);

			q[24] = c >> 8;
			q[25] = c & 0xff;
		}
		tcp = q + 34;
	} else {
		q[12] = 0x86;
		q[13] = 0xdd;
		q[14] = 0x60;
		q[19] = 20;
		q[20] = IPPROTO_TCP;
		q[21] = 64;
		memcpy(q + 22, f->src, 16);
		memcpy(q + 38, f->dst, 16);
		tcp = q + 54;
	}
	memcpy(tcp, &f->sport, 2);
	memcpy(tcp + 2, &f->dport, 2);
	tcp[12] = 5 << 4;
	tcp[13] = 0x10; /* ACK */
	tcp[14] = 0xff;
	p->len = (size_t)(tcp + 20 - q);
}

/* Run one ACK of f through lb's program: its verdict and the frame's
 * destination MAC. */
static int run(struct lb *lb, const struct keel_flow *f, uint8_t dmac[6])
{
	struct pkt p;
	uint8_t out[256];
	struct xdp_md ctx = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o);

	ack_of(f, &p);
	ctx.data_end = (uint32_t)p.len;
	ctx.ingress_ifindex = (uint32_t)if_in;
	o.data_in = p.b;
	o.data_size_in = (uint32_t)p.len;
	o.data_out = out;
	o.data_size_out = sizeof(out);
	o.ctx_in = &ctx;
	o.ctx_size_in = sizeof(ctx);
	o.ctx_out = &ctx;
	o.ctx_size_out = sizeof(ctx);
	o.repeat = 1;
	ck_assert_int_eq(bpf_prog_test_run_opts(lb_dp_prog_fd(lb->dp), &o), 0);
	memcpy(dmac, out + ctx.data, 6);
	return (int)o.retval;
}

static struct keel_flow flow_of(int ix, unsigned int i)
{
	struct keel_vip_key k;
	struct keel_flow f;

	memset(&f, 0, sizeof(f));
	ck_assert_int_eq(keel_vip_parse(svc_defs[ix].vip, &k), 0);
	f.family = k.family;
	f.proto = k.proto;
	memcpy(f.dst, k.addr, sizeof(f.dst));
	if (k.family == KEEL_F_INET)
		inet_pton(AF_INET, "198.51.100.7", f.src);
	else
		inet_pton(AF_INET6, "2001:db8:c::7", f.src);
	f.sport = htons((uint16_t)(40000 + i));
	/* The port-less service: flows to many ports, keyed by them. */
	f.dport = k.port ? k.port : htons((uint16_t)(8000 + i % 7));
	return f;
}

static bool conn_get(struct lb *lb, const struct keel_flow *f,
		     struct keel_conn *c)
{
	return bpf_map_lookup_elem(lb_dp_map_fd(lb->dp, KEEL_PIN_CONN), f, c) ==
	       0;
}

/* ------------------------------------------------------------------ */
/* The wire in between                                                */

struct wire {
	struct keel_sync_rec recs[4 * NFLOWS * S__N];
	size_t n;
};

static int emit_to(void *arg, const struct keel_sync_rec *r)
{
	struct wire *w = arg;

	if (w->n >= ARRAY_SIZE(w->recs))
		return -ENOSPC;
	w->recs[w->n++] = *r;
	return 0;
}

/* recs through FLOWS bodies of a 1500-byte MTU and back. */
static size_t wire_pass(const struct keel_sync_rec *in, size_t n,
			struct keel_sync_rec *out)
{
	uint8_t body[1396];
	struct keel_sync_rec got[64];
	struct keel_sync_flows fl;
	struct keel_sync_wr w;
	size_t i = 0, o = 0;
	int len, k;

	while (i < n) {
		keel_sync_flows_begin(&w, body, sizeof(body), 10);
		while (i < n && keel_sync_rec_put(&w, &in[i]) == 0)
			i++;
		len = keel_sync_wr_end(&w);
		ck_assert_int_gt(len, 0);
		ck_assert_int_eq(keel_sync_flows_parse(body, (size_t)len, &fl,
						       got, ARRAY_SIZE(got)),
				 0);
		for (k = 0; k < fl.count; k++)
			out[o++] = got[k];
	}
	return o;
}

static const char *addr_str(uint8_t family, const void *a, char *buf)
{
	inet_ntop(family == KEEL_F_INET ? AF_INET : AF_INET6, a, buf, 64);
	return buf;
}

/* B's real in the service of f at a (family's) address, or NULL. */
static struct lb_real *b_real(int ix, uint8_t family, const __be32 a[4])
{
	return lb_model_real_find(B.svc[ix], family, a);
}

/* ------------------------------------------------------------------ */
/* A -> B                                                             */

START_TEST(a_to_b)
{
	static struct wire w;
	static struct keel_sync_rec back[ARRAY_SIZE(w.recs)];
	struct lb_flow_out out;
	struct lb_flow_in in;
	struct keel_flow f;
	struct keel_conn ca, cb;
	uint8_t mac[6], want[6];
	char buf[64];
	int ix, n, v, kinds[5] = { 0 };
	unsigned int i, n_flows = 0, n_same = 0, n_drain = 0, n_down = 0,
			n_late = 0, n_v6 = 0, n_portless = 0, n_other_id = 0;
	size_t nb;
	uint32_t late_id;

	ck_assert_int_eq(lb_dp_sync_set(A.dp, true, REANNOUNCE), 0);
	ck_assert_int_eq(lb_flow_out_init(&out, A.dp, 50000), 0);
	ck_assert_int_eq(lb_flow_in_init(&in, 1024, REANNOUNCE), 0);

	/* Flows through A: two ACKs each (a hint first, then the entry). */
	for (ix = 0; ix < S__N; ix++)
		for (i = 0; i < NFLOWS; i++) {
			f = flow_of(ix, i);
			run(&A, &f, mac);
			run(&A, &f, mac);
			ck_assert_msg(conn_get(&A, &f, &ca), "no entry on A");
			n_flows++;
		}
	/* A small budget: several drains, each fair over the regions. */
	do {
		n = lb_flow_out_drain(&out, &A.m, T0, 17, emit_to, &w);
		ck_assert_int_ge(n, 0);
	} while (n > 0);
	ck_assert_uint_eq(w.n, n_flows);
	ck_assert_uint_eq(out.res[LB_FLOW_OUT_EMITTED], n_flows);
	for (i = 0; i < w.n; i++) {
		kinds[w.recs[i].kind]++;
		ck_assert_uint_eq(w.recs[i].idle_s, 0);
	}
	ck_assert_int_eq(kinds[KEEL_SYNC_NEW], (int)n_flows);

	nb = wire_pass(w.recs, w.n, back);
	ck_assert_uint_eq(nb, w.n);
	ck_assert_int_eq(lb_flow_in_apply(&in, &B.m, B.dp, back, nb, T0), 0);

	/* Every flow on B, by what its real is on B. */
	for (ix = 0; ix < S__N; ix++)
		for (i = 0; i < NFLOWS; i++) {
			struct lb_service *sa;
			struct lb_real *ra, *rb;

			f = flow_of(ix, i);
			ck_assert(conn_get(&A, &f, &ca));
			ra = lb_model_real_by_id(&A.m, ca.real_id, &sa);
			ck_assert_ptr_nonnull(ra);
			ck_assert_ptr_eq(sa, A.svc[ix]);
			rb = b_real(ix, f.family, ra->addr);
			addr_str(f.family, ra->addr, buf);
			if (ix == S_WEB6)
				n_v6++;
			if (ix == S_ANY4)
				n_portless++;
			if (!rb) { /* unknown on B: parked */
				ck_assert_str_eq(buf, B_LATE);
				ck_assert_msg(!conn_get(&B, &f, &cb),
					      "unknown real applied");
				n_late++;
				continue;
			}
			if (rb->state == KEEL_RS_DOWN) {
				ck_assert_msg(!conn_get(&B, &f, &cb),
					      "DOWN real %s applied", buf);
				v = run(&B, &f, mac);
				mac_of(&B, rb->addr, want);
				ck_assert_msg(v == XDP_TX || v == XDP_REDIRECT,
					      "verdict %d", v);
				ck_assert_msg(memcmp(mac, want, 6) != 0,
					      "sent to DOWN real %s", buf);
				ck_assert_int_eq(mac[3], 0xb);
				n_down++;
				continue;
			}
			ck_assert_msg(conn_get(&B, &f, &cb),
				      "flow to %s not on B", buf);
			ck_assert_msg(cb.real_id == rb->id &&
					      cb.real_gen == rb->gen,
				      "flow to %s on B's id %u, want %u", buf,
				      cb.real_id, rb->id);
			ck_assert_uint_eq(cb.flags, KEEL_CONN_F_PEER);
			if (rb->id != ra->id)
				n_other_id++;
			if (rb->state == KEEL_RS_DRAINING)
				n_drain++;
			else
				n_same++;
			v = run(&B, &f, mac);
			mac_of(&B, rb->addr, want);
			ck_assert_msg(v == XDP_TX || v == XDP_REDIRECT,
				      "verdict %d", v);
			ck_assert_msg(!memcmp(mac, want, 6),
				      "flow to %s sent elsewhere on B", buf);
		}
	/* Every case happened, so none of the checks above was vacuous. */
	ck_assert_uint_gt(n_same, 0);
	ck_assert_uint_gt(n_drain, 0);
	ck_assert_uint_gt(n_down, 0);
	ck_assert_uint_gt(n_late, 0);
	ck_assert_uint_gt(n_v6, 0);
	ck_assert_uint_gt(n_portless, 0);
	ck_assert_uint_eq(n_other_id, n_same + n_drain);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_REAL_DOWN], n_down);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_PARKED], n_late);
	ck_assert_uint_eq(lb_flow_in_parked(&in), n_late);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_TRANSLATED], n_same + n_drain);
	ck_assert_uint_eq(in.apply[KEEL_APPLY_INSERTED], n_same + n_drain);

	/* A retry with nothing new changes nothing. */
	ck_assert_int_eq(lb_flow_in_retry(&in, &B.m, B.dp, T0 + 100), 0);
	ck_assert_uint_eq(lb_flow_in_parked(&in), n_late);
	/* The late real is added and committed: the parked records apply. */
	late_id = add_real(&B, S_WEB4, B_LATE, KEEL_RS_UP)->id;
	ck_assert_int_eq(lb_model_commit(&B.m, NULL), 0);
	ck_assert_int_eq(lb_flow_in_retry(&in, &B.m, B.dp, T0 + 200), 0);
	ck_assert_uint_eq(lb_flow_in_parked(&in), 0);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_TRANSLATED],
			  n_same + n_drain + n_late);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_UNKNOWN_REAL], 0);
	for (i = 0; i < NFLOWS; i++) {
		struct lb_real *ra;

		f = flow_of(S_WEB4, i);
		ck_assert(conn_get(&A, &f, &ca));
		ra = lb_model_real_by_id(&A.m, ca.real_id, NULL);
		if (strcmp(addr_str(f.family, ra->addr, buf), B_LATE))
			continue;
		ck_assert_msg(conn_get(&B, &f, &cb), "late flow not applied");
		ck_assert_uint_eq(cb.real_id, late_id);
		v = run(&B, &f, mac);
		mac_of(&B, ra->addr, want);
		ck_assert(!memcmp(mac, want, 6));
	}
	/* The same records again: nothing new is written. */
	ck_assert_int_eq(lb_flow_in_apply(&in, &B.m, B.dp, back, nb, T0 + 300),
			 0);
	ck_assert_uint_eq(in.apply[KEEL_APPLY_SAME], n_same + n_drain + n_late);
	lb_flow_in_fini(&in);
	lb_flow_out_fini(&out);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Translation rows, each side on its own                             */

enum ev_mut {
	EV_AS_IS,
	EV_GEN,
	EV_ID_FREE,
	EV_KIND0,
	EV_KIND4,
	EV_FAM5,
	EV_PROTO,
	EV_REFRESH
};

static const struct out_row {
	const char *name;
	int ix;
	enum ev_mut mut;
	enum lb_flow_out_res want;
	uint8_t flags; /* of the record, when emitted */
} out_rows[] = {
	{ "v4 NEW", S_WEB4, EV_AS_IS, LB_FLOW_OUT_EMITTED, 0 },
	{ "v6 NEW", S_WEB6, EV_AS_IS, LB_FLOW_OUT_EMITTED, 0 },
	{ "port-less", S_ANY4, EV_AS_IS, LB_FLOW_OUT_EMITTED,
	  KEEL_SYNC_REC_F_PORTLESS },
	{ "REFRESH", S_WEB4, EV_REFRESH, LB_FLOW_OUT_EMITTED, 0 },
	{ "other generation", S_WEB4, EV_GEN, LB_FLOW_OUT_STALE_GEN, 0 },
	{ "id not in use", S_WEB6, EV_ID_FREE, LB_FLOW_OUT_STALE_GEN, 0 },
	{ "kind 0", S_WEB4, EV_KIND0, LB_FLOW_OUT_BAD, 0 },
	{ "kind 4 (BULK)", S_WEB4, EV_KIND4, LB_FLOW_OUT_BAD, 0 },
	{ "family 5", S_WEB4, EV_FAM5, LB_FLOW_OUT_BAD, 0 },
	{ "protocol not the service's", S_WEB4, EV_PROTO, LB_FLOW_OUT_BAD, 0 },
};

START_TEST(out_translate)
{
	const struct out_row *row = &out_rows[_i];
	struct lb_real *r = &A.svc[row->ix]->reals[0];
	struct keel_sync_ev ev = { .kind = KEEL_SYNC_EV_NEW };
	struct keel_sync_rec rec;
	enum lb_flow_out_res got;

	ev.flow = flow_of(row->ix, 5);
	ev.real_id = r->id;
	ev.real_gen = r->gen;
	switch (row->mut) {
	case EV_GEN:
		ev.real_gen++;
		break;
	case EV_ID_FREE:
		ev.real_id = KEEL_MAX_REALS - 1;
		break;
	case EV_KIND0:
		ev.kind = 0;
		break;
	case EV_KIND4:
		ev.kind = 4;
		break;
	case EV_FAM5:
		ev.flow.family = 5;
		break;
	case EV_PROTO:
		ev.flow.proto = IPPROTO_UDP;
		break;
	case EV_REFRESH:
		ev.kind = KEEL_SYNC_EV_REFRESH;
		break;
	default:
		break;
	}
	got = lb_flow_out_translate(&A.m, &ev, &rec);
	ck_assert_msg(got == row->want, "%s: %d, want %d", row->name, got,
		      row->want);
	if (got != LB_FLOW_OUT_EMITTED)
		return;
	ck_assert_uint_eq(rec.kind, ev.kind);
	ck_assert_uint_eq(rec.family, ev.flow.family);
	ck_assert_uint_eq(rec.flags, row->flags);
	ck_assert_uint_eq(rec.cport, ntohs(ev.flow.sport));
	ck_assert_uint_eq(rec.vport, ntohs(ev.flow.dport));
	ck_assert_uint_eq(rec.idle_s, 0);
	ck_assert(!memcmp(rec.client, ev.flow.src, 16));
	ck_assert(!memcmp(rec.vip, ev.flow.dst, 16));
	ck_assert(!memcmp(rec.real, r->addr, 16));
}
END_TEST

/* A service gone from the model (staged): its records are not sent. */
START_TEST(out_no_service)
{
	struct lb_real *r = &A.svc[S_WEB4]->reals[0];
	struct keel_sync_ev ev = { .kind = KEEL_SYNC_EV_NEW };
	struct keel_sync_rec rec;

	ev.flow = flow_of(S_WEB4, 1);
	ev.real_id = r->id;
	ev.real_gen = r->gen;
	ck_assert_int_eq(lb_model_svc_del(&A.m, A.svc[S_WEB4]), 0);
	ck_assert_int_eq(lb_flow_out_translate(&A.m, &ev, &rec),
			 LB_FLOW_OUT_NO_SERVICE);
}
END_TEST

/* REFRESH over the cap is dropped; NEW never is. */
START_TEST(out_refresh_cap)
{
	struct lb_flow_out o;
	int i, ok = 0;

	memset(&o, 0, sizeof(o));
	o.refresh_rate_max = 10;
	o.refresh_tokens = 10;
	o.refresh_ms = T0;
	for (i = 0; i < 15; i++)
		ok += lb_flow_refresh_take(&o, T0);
	ck_assert_int_eq(ok, 10);
	ck_assert(!lb_flow_refresh_take(&o, T0 + 99)); /* 0.99 token */
	ck_assert(lb_flow_refresh_take(&o, T0 + 100)); /* 1.0 */
	ck_assert(!lb_flow_refresh_take(&o, T0 + 100));
	/* A long pause fills the bucket to one second's worth, no more. */
	for (ok = 0, i = 0; i < 30; i++)
		ok += lb_flow_refresh_take(&o, T0 + 100000);
	ck_assert_int_eq(ok, 10);
	o.refresh_rate_max = 0; /* no cap */
	for (ok = 0, i = 0; i < 30; i++)
		ok += lb_flow_refresh_take(&o, T0 + 100000);
	ck_assert_int_eq(ok, 30);
}
END_TEST

/* Through the drain: at a cap of 1/s, REFRESH records put into the ring
 * by hand beside NEW ones: every NEW is emitted, one REFRESH. */
static int count_emit(void *arg, const struct keel_sync_rec *r)
{
	int *n = arg;

	n[r->kind]++;
	return 0;
}

START_TEST(out_drain_cap)
{
	struct lb_flow_out o;
	struct lb_real *r = &A.svc[S_WEB4]->reals[0];
	struct keel_sync_slot *reg;
	int n[5] = { 0 }, k, got;
	uint64_t head;

	ck_assert_int_eq(lb_dp_sync_set(A.dp, true, REANNOUNCE), 0);
	ck_assert_int_eq(lb_flow_out_init(&o, A.dp, 1), 0);
	/* CPU 0's region, written as the program would. */
	reg = o.rd.mem;
	head = reg[KEEL_SYNC_HEAD].pos;
	for (k = 0; k < 20; k++) {
		struct keel_sync_ev *ev =
			&reg[KEEL_SYNC_RECS + (head + k) % KEEL_SYNC_RING_SLOTS]
				 .ev;

		memset(ev, 0, sizeof(*ev));
		ev->flow = flow_of(S_WEB4, (unsigned int)k);
		ev->real_id = r->id;
		ev->real_gen = r->gen;
		ev->kind = k % 2 ? KEEL_SYNC_EV_REFRESH : KEEL_SYNC_EV_NEW;
	}
	__atomic_store_n(&reg[KEEL_SYNC_HEAD].pos, head + 20, __ATOMIC_RELEASE);
	got = lb_flow_out_drain(&o, &A.m, T0, 1000, count_emit, n);
	ck_assert_int_eq(got, 20);
	ck_assert_int_eq(n[KEEL_SYNC_NEW], 10);
	ck_assert_int_eq(n[KEEL_SYNC_REFRESH], 1);
	ck_assert_uint_eq(o.res[LB_FLOW_OUT_REFRESH_DROPPED], 9);
	ck_assert_uint_eq(o.res[LB_FLOW_OUT_EMITTED], 11);
	ck_assert_int_eq(lb_flow_out_drain(&o, &A.m, T0, 1000, count_emit, n),
			 0);
	lb_flow_out_fini(&o);
}
END_TEST

enum rec_mut { R_AS_IS, R_NO_SVC, R_PORT_ELSEWHERE, R_NO_REAL, R_PROTO };

static const struct in_row {
	const char *name;
	int ix;
	const char *real; /* address on the wire */
	enum rec_mut mut;
	uint16_t idle_s;
	enum lb_flow_in_res want;
} in_rows[] = {
	{ "v4 UP", S_WEB4, "192.168.1.4", R_AS_IS, 0, LB_FLOW_IN_TRANSLATED },
	{ "v4 draining", S_WEB4, B_DRAIN, R_AS_IS, 0, LB_FLOW_IN_TRANSLATED },
	{ "v4 DOWN", S_WEB4, B_DOWN, R_AS_IS, 0, LB_FLOW_IN_REAL_DOWN },
	{ "v4 unknown real", S_WEB4, B_LATE, R_AS_IS, 0, LB_FLOW_IN_PARKED },
	{ "real of another service", S_WEB4, "192.168.1.5", R_AS_IS, 0,
	  LB_FLOW_IN_PARKED },
	{ "v6 UP, idle", S_WEB6, "2001:db8:1::2", R_AS_IS, 60,
	  LB_FLOW_IN_TRANSLATED },
	{ "port-less", S_ANY4, "192.168.1.6", R_AS_IS, 0,
	  LB_FLOW_IN_TRANSLATED },
	{ "port-less, the flag clear", S_ANY4, "192.168.1.6", R_PORT_ELSEWHERE,
	  0, LB_FLOW_IN_TRANSLATED },
	{ "no such VIP", S_WEB4, "192.168.1.4", R_NO_SVC, 0,
	  LB_FLOW_IN_UNKNOWN_SERVICE },
	{ "no such protocol", S_WEB4, "192.168.1.4", R_PROTO, 0,
	  LB_FLOW_IN_UNKNOWN_SERVICE },
	{ "no such port", S_WEB4, "192.168.1.4", R_NO_REAL, 0,
	  LB_FLOW_IN_UNKNOWN_SERVICE },
};

START_TEST(in_translate)
{
	const struct in_row *row = &in_rows[_i];
	struct keel_flow f = flow_of(row->ix, 3);
	struct keel_sync_rec r;
	struct keel_sync_apply_rec a;
	struct lb_real *want;
	__be32 addr[4];
	uint8_t fam;
	enum lb_flow_in_res got;

	memset(&r, 0, sizeof(r));
	r.kind = KEEL_SYNC_NEW;
	r.family = f.family;
	r.proto = f.proto;
	r.cport = ntohs(f.sport);
	r.vport = ntohs(f.dport);
	r.idle_s = row->idle_s;
	r.flags = row->ix == S_ANY4 ? KEEL_SYNC_REC_F_PORTLESS : 0;
	memcpy(r.client, f.src, 16);
	memcpy(r.vip, f.dst, 16);
	ck_assert_int_eq(keel_addr_parse(row->real, &fam, addr), 0);
	memcpy(r.real, addr, 16);
	switch (row->mut) {
	case R_NO_SVC:
		r.vip[3] = 99;
		break;
	case R_PROTO:
		r.proto = IPPROTO_UDP;
		break;
	case R_NO_REAL:
		r.vport = 81;
		break;
	case R_PORT_ELSEWHERE:
		r.flags = 0;
		break;
	default:
		break;
	}
	got = lb_flow_in_translate(&B.m, &r, &a);
	ck_assert_msg(got == row->want, "%s: %d, want %d", row->name, got,
		      row->want);
	if (got != LB_FLOW_IN_TRANSLATED)
		return;
	want = lb_model_real_find(B.svc[row->ix], fam, addr);
	ck_assert_ptr_nonnull(want);
	ck_assert_uint_eq(a.real_id, want->id);
	ck_assert_uint_eq(a.real_gen, want->gen);
	/* Exactly the program's key, padding and all. */
	ck_assert(!memcmp(&a.flow, &f, sizeof(f)));
	/* 60 s is 55 units of 1.07 s, rounded down. */
	ck_assert_uint_eq(a.idle, row->idle_s ? 55 : 0);
}
END_TEST

/* The park: bounded, expired after 5 s. */
START_TEST(in_park)
{
	struct lb_flow_in in;
	struct keel_sync_rec r[3];
	struct keel_flow f;
	__be32 addr[4];
	uint8_t fam;
	int k;

	ck_assert_int_eq(lb_flow_in_init(&in, 2, REANNOUNCE), 0);
	ck_assert_int_eq(keel_addr_parse(B_LATE, &fam, addr), 0);
	for (k = 0; k < 3; k++) {
		f = flow_of(S_WEB4, (unsigned int)k);
		memset(&r[k], 0, sizeof(r[k]));
		r[k].kind = KEEL_SYNC_NEW;
		r[k].family = f.family;
		r[k].proto = f.proto;
		r[k].cport = ntohs(f.sport);
		r[k].vport = ntohs(f.dport);
		memcpy(r[k].client, f.src, 16);
		memcpy(r[k].vip, f.dst, 16);
		memcpy(r[k].real, addr, 16);
	}
	ck_assert_int_eq(lb_flow_in_apply(&in, &B.m, B.dp, r, 3, T0), 0);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_PARKED], 2);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_PARK_FULL], 1);
	ck_assert_uint_eq(lb_flow_in_parked(&in), 2);
	ck_assert_int_eq(lb_flow_in_retry(&in, &B.m, B.dp, T0 + 4999), 0);
	ck_assert_uint_eq(lb_flow_in_parked(&in), 2);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_PARKED], 2); /* not again */
	ck_assert_int_eq(lb_flow_in_retry(&in, &B.m, B.dp, T0 + 5000), 0);
	ck_assert_uint_eq(lb_flow_in_parked(&in), 0);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_UNKNOWN_REAL], 2);
	ck_assert_uint_eq(in.res[LB_FLOW_IN_TRANSLATED], 0);
	lb_flow_in_fini(&in);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb_flow");
	TCase *tc = tcase_create("pair");
	TCase *rows = tcase_create("rows");

	if (geteuid() != 0) {
		fprintf(stderr, "needs root (BPF)\n");
		return 77;
	}
	snprintf(inst_a, sizeof(inst_a), "flow-%d-a", getpid());
	snprintf(inst_b, sizeof(inst_b), "flow-%d-b", getpid());
	tcase_add_unchecked_fixture(tc, pins_clear, pins_clear);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_to_b);
	tcase_add_test(tc, out_drain_cap);
	tcase_add_test(tc, in_park);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	/*
	 * The translation rows change nothing in the kernel (a staged
	 * removal at most, in the forked test's copy of the model): one
	 * set-up for all of them, in the runner.
	 */
	tcase_add_unchecked_fixture(rows, setup, teardown);
	tcase_add_loop_test(rows, out_translate, 0, ARRAY_SIZE(out_rows));
	tcase_add_test(rows, out_no_service);
	tcase_add_test(rows, out_refresh_cap);
	tcase_add_loop_test(rows, in_translate, 0, ARRAY_SIZE(in_rows));
	tcase_set_timeout(rows, 60);
	suite_add_tcase(s, rows);
	return check_run(s);
}
