// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_sync.c - what the pair's wire codec costs per datagram and per
 * record (docs/pair.md): a full FLOWS datagram at a 1500-byte MTU (57
 * IPv4 or 23 IPv6 records) built record by record and sealed, then
 * framed, opened and parsed, against in the same loop the bare
 * HMAC-SHA256 of the same bytes (what an agent report's MAC costs, for a
 * ratio taken in one run).  Medians over runs.
 *
 * "pipeline" (root: it loads two instances, LB A and LB B, with 1M-entry
 * conn tables) times the whole of each side per record, as lbd will run
 * it (lb_flow.h): (a) sending, A's sync ring drained, translated
 * (lb_flow_out_drain()), put into FLOWS bodies and sealed; (c) receiving,
 * each datagram framed, opened and parsed, its records translated
 * (lb_flow_in_translate) and merged into B's conn table by
 * lb_dp_conn_apply(), once per datagram and once per 16 datagrams (as
 * after a recvmmsg).  The ring is filled by hand between runs, as the
 * program writes it, outside the timed region; every run's flows are new
 * to B.  Times are this thread's CPU time (user and system).  No
 * sockets: sendmmsg/recvmmsg are not in these figures.
 *
 * usage: bench_sync [datagrams] [runs]
 *        bench_sync pipeline [records per run] [runs]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "keel_addr.h"
#include "keel_clock.h"
#include "keel_maps.h"
#include "keel_sync.h"
#include "lb_dp.h"
#include "lb_flow.h"
#include "lb_model.h"

#define BODY_MAX 1396 /* 1500 - IPv6 (40) - UDP (8) - the frame (56) */

static const uint8_t key[KEEL_SYNC_KEY_LEN] = { 9, 9, 9, 9 };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void rec_of(struct keel_sync_rec *r, int family, unsigned int i)
{
	memset(r, 0, sizeof(*r));
	r->kind = KEEL_SYNC_NEW;
	r->family = (uint8_t)family;
	r->proto = 6;
	r->cport = (uint16_t)(1024 + i);
	r->vport = 443;
	if (family == 4) {
		r->client[0] = 10;
		memcpy(r->client + 1, &i, 3);
		r->vip[0] = 192;
		r->vip[3] = 10;
		r->real[0] = 10;
		r->real[3] = (uint8_t)(i % 8);
	} else {
		r->client[0] = 0x20;
		memcpy(r->client + 12, &i, 4);
		r->vip[0] = 0x20;
		r->vip[15] = 0x10;
		r->real[0] = 0x20;
		r->real[15] = (uint8_t)(i % 8);
	}
}

static void run(int family, unsigned int dgrams, unsigned int runs)
{
	static uint8_t body[BODY_MAX], buf[KEEL_SYNC_LEN_MAX],
		out[KEEL_SYNC_BODY_MAX];
	static struct keel_sync_rec recs[64];
	double *enc = calloc(runs, sizeof(double));
	double *dec = calloc(runs, sizeof(double));
	double *mac = calloc(runs, sizeof(double));
	struct keel_sync_hdr h = { .version = 1, .type = KEEL_SYNC_FLOWS };
	struct keel_sync_flows fl;
	struct keel_sync_rec r;
	struct keel_sync_wr w;
	uint8_t tag[crypto_auth_hmacsha256_BYTES];
	unsigned int per = 0;
	int len = 0;

	if (!enc || !dec || !mac)
		exit(1);
	randombytes_buf(h.stream, sizeof(h.stream));
	for (unsigned int k = 0; k < runs; k++) {
		uint64_t t0 = keel_now_ns(), t1, t2, t3;

		for (unsigned int d = 0; d < dgrams; d++) {
			keel_sync_flows_begin(&w, body, sizeof(body), 100);
			for (per = 0;; per++) {
				rec_of(&r, family, d * 64 + per);
				if (keel_sync_rec_put(&w, &r))
					break;
			}
			h.seq = (uint64_t)k * dgrams + d + 1;
			len = keel_sync_seal(buf, sizeof(buf), &h, body,
					     (size_t)keel_sync_wr_end(&w), key);
		}
		t1 = keel_now_ns();
		for (unsigned int d = 0; d < dgrams; d++) {
			struct keel_sync_hdr g;

			if (keel_sync_frame(buf, (size_t)len, &g) ||
			    keel_sync_open(buf, (size_t)len, &g, key, out) ||
			    keel_sync_flows_parse(out, g.n, &fl, recs, 64))
				exit(2);
		}
		t2 = keel_now_ns();
		for (unsigned int d = 0; d < dgrams; d++)
			crypto_auth_hmacsha256(tag, buf, (size_t)len, key);
		t3 = keel_now_ns();
		enc[k] = (double)(t1 - t0) / dgrams;
		dec[k] = (double)(t2 - t1) / dgrams;
		mac[k] = (double)(t3 - t2) / dgrams;
	}
	qsort(enc, runs, sizeof(double), cmp_double);
	qsort(dec, runs, sizeof(double), cmp_double);
	qsort(mac, runs, sizeof(double), cmp_double);
	printf("IPv%d: %u records, %d-byte datagrams; median of %u runs x %u\n",
	       family, per, len, runs, dgrams);
	printf("  build + seal     %8.0f ns/datagram %6.1f ns/record\n",
	       enc[runs / 2], enc[runs / 2] / per);
	printf("  frame+open+parse %8.0f ns/datagram %6.1f ns/record\n",
	       dec[runs / 2], dec[runs / 2] / per);
	printf("  HMAC-SHA256 of the same bytes %8.0f ns (open+parse / HMAC = %.2f)\n",
	       mac[runs / 2], dec[runs / 2] / mac[runs / 2]);
	printf("  at 100,000 records/s: %.2f%% of a core sending, %.2f%% receiving\n",
	       enc[runs / 2] / per * 1e5 / 1e7,
	       dec[runs / 2] / per * 1e5 / 1e7);
	free(enc);
	free(dec);
	free(mac);
}

/* ---- pipeline ---- */

/*
 * This thread's CPU time, user and system (BPF_PROG_RUN runs in the
 * syscall): "% of a core" is CPU time, and a shared machine's preemption
 * does not count in it as it does in the wall clock.
 */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define PL_REALS 8
#define PL_DGRAMS_MAX 8192
#define PL_RUNS_MAX 99

struct pl_lb {
	struct lb_dp *dp;
	struct lb_model m;
	char inst[64];
};

static int pl_up(struct pl_lb *lb, const char *name, bool reverse)
{
	struct lb_dp_opts o = { .conn_table_size = 1U << 20 };
	static const char *vips[] = { "10.0.0.10:80/tcp",
				      "[2001:db8::10]:443/tcp" };
	uint8_t mac[6] = { 2, 0, 0, 0, 1, 0 }, smac[6] = { 2, 0, 0, 0, 0, 1 };
	struct keel_vip_key k;
	struct lb_service *s;
	struct lb_real *r;
	char a[64];
	__be32 addr[4];
	uint8_t fam;
	int v, i, j, err;

	snprintf(lb->inst, sizeof(lb->inst), "bench-sync-%d-%s", getpid(),
		 name);
	o.instance = lb->inst;
	err = lb_dp_load(&o, &lb->dp);
	if (!err)
		err = lb_model_init(&lb->m, lb->dp);
	for (v = 0; !err && v < 2; v++) {
		err = keel_vip_parse(vips[v], &k);
		if (!err)
			err = lb_model_svc_add(&lb->m, &k, 0, 0, &s);
		for (i = 0; !err && i < PL_REALS; i++) {
			j = reverse ? PL_REALS - 1 - i : i;
			snprintf(a, sizeof(a),
				 v ? "2001:db8:1::%d" : "192.168.1.%d", j + 1);
			err = keel_addr_parse(a, &fam, addr);
			if (!err)
				err = lb_model_real_add(&lb->m, s, fam, addr, 1,
							&r);
			if (err)
				break;
			mac[5] = (uint8_t)j;
			lb_model_real_set_state(s, r, KEEL_RS_UP);
			lb_model_real_set_mac(s, r, mac, smac, 1);
		}
	}
	if (!err)
		err = lb_model_commit(&lb->m, NULL);
	if (err)
		fprintf(stderr, "bench_sync: instance %s: %s\n", name,
			strerror(-err));
	return err;
}

static void pl_down(struct pl_lb *lb)
{
	struct lb_dp_opts o = { .instance = lb->inst };

	if (!lb->dp)
		return;
	lb_model_free(&lb->m);
	lb_dp_unpin(lb->dp);
	lb_dp_close(lb->dp);
	lb_dp_unload(&o);
}

/* The sender's state: the body being filled and the sealed datagrams. */
struct pl_tx {
	uint8_t body[BODY_MAX];
	struct keel_sync_wr w;
	struct keel_sync_hdr h;
	uint8_t (*dg)[1500];
	int *len;
	unsigned int n;
};

static void pl_seal(struct pl_tx *t)
{
	int n = keel_sync_wr_end(&t->w);

	if (n <= 0 || t->n >= PL_DGRAMS_MAX)
		exit(3);
	t->h.seq++;
	t->len[t->n] = keel_sync_seal(t->dg[t->n], sizeof(t->dg[0]), &t->h,
				      t->body, (size_t)n, key);
	if (t->len[t->n] < 0)
		exit(3);
	t->n++;
	keel_sync_flows_begin(&t->w, t->body, sizeof(t->body), 100);
}

static int pl_emit(void *arg, const struct keel_sync_rec *r)
{
	struct pl_tx *t = arg;

	if (keel_sync_rec_put(&t->w, r) == -ENOSPC) {
		pl_seal(t);
		if (keel_sync_rec_put(&t->w, r))
			return -EINVAL;
	}
	return 0;
}

/* Fill the regions with n records of family fam, each a new flow. */
static void pl_fill(struct lb_flow_out *o, struct lb_model *m, int fam,
		    unsigned int n, uint32_t *next)
{
	struct lb_service *s;
	struct keel_vip_key k;
	unsigned int cpu, i, per = n / o->rd.ncpus;

	if (keel_vip_parse(fam == 4 ? "10.0.0.10:80/tcp" :
				      "[2001:db8::10]:443/tcp",
			   &k))
		exit(3);
	s = lb_model_svc_find(m, &k);
	if (per >= KEEL_SYNC_RING_SLOTS)
		per = KEEL_SYNC_RING_SLOTS - 1;
	for (cpu = 0; cpu < o->rd.ncpus; cpu++) {
		struct keel_sync_slot *reg =
			o->rd.mem + (size_t)cpu * KEEL_SYNC_REGION;
		uint64_t head = reg[KEEL_SYNC_HEAD].pos;

		for (i = 0; i < per; i++, (*next)++) {
			struct keel_sync_ev *ev =
				&reg[KEEL_SYNC_RECS +
				     (head + i) % KEEL_SYNC_RING_SLOTS]
					 .ev;
			const struct lb_real *r = &s->reals[*next % PL_REALS];

			memset(ev, 0, sizeof(*ev));
			ev->flow.family = (uint8_t)fam;
			ev->flow.proto = 6;
			memcpy(ev->flow.dst, k.addr, sizeof(k.addr));
			ev->flow.src[0] = htonl(0x0a000000 | (*next >> 8));
			if (fam == 6)
				ev->flow.src[3] = htonl(*next);
			ev->flow.sport =
				htons((uint16_t)(1024 + (*next & 0xff)));
			ev->flow.dport = k.port;
			ev->real_id = r->id;
			ev->real_gen = r->gen;
			ev->kind = KEEL_SYNC_EV_NEW;
		}
		__atomic_store_n(&reg[KEEL_SYNC_HEAD].pos, head + per,
				 __ATOMIC_RELEASE);
	}
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return v[n / 2];
}

/* B's side of t's datagrams: frame, open, parse, translate, apply every
 * `group` datagrams.  ns per record. */
static double pl_rx(struct pl_lb *b, struct pl_tx *t, unsigned int group,
		    unsigned int *nrec, double *apply_ns)
{
	uint64_t in_apply = 0, ta;
	static struct keel_sync_apply_rec ap[16 * 64];
	static uint8_t out[KEEL_SYNC_BODY_MAX];
	struct keel_sync_rec recs[64];
	uint32_t res[KEEL_APPLY__MAX];
	struct keel_sync_flows fl;
	unsigned int d, i, n = 0, total = 0, inserted = 0;
	uint64_t t0 = cpu_ns();

	for (d = 0; d < t->n; d++) {
		struct keel_sync_hdr g;

		if (keel_sync_frame(t->dg[d], (size_t)t->len[d], &g) ||
		    keel_sync_open(t->dg[d], (size_t)t->len[d], &g, key, out) ||
		    keel_sync_flows_parse(out, g.n, &fl, recs, 64))
			exit(4);
		for (i = 0; i < fl.count; i++)
			if (lb_flow_in_translate(&b->m, &recs[i], &ap[n]) ==
			    LB_FLOW_IN_TRANSLATED)
				n++;
		total += fl.count;
		if ((d + 1) % group && d + 1 < t->n)
			continue;
		ta = cpu_ns();
		if (lb_dp_conn_apply(b->dp, ap, n, 60, res))
			exit(4);
		in_apply += cpu_ns() - ta;
		inserted += res[KEEL_APPLY_INSERTED];
		n = 0;
	}
	*nrec = total;
	*apply_ns = (double)in_apply / total;
	if (inserted != total) {
		fprintf(stderr, "bench_sync: %u of %u inserted\n", inserted,
			total);
		exit(4);
	}
	return (double)(cpu_ns() - t0) / total;
}

static int pipeline(unsigned int records, unsigned int runs)
{
	static struct pl_tx t;
	struct pl_lb a = { 0 }, b = { 0 };
	struct lb_flow_out o;
	static double tx[PL_RUNS_MAX], rx1[PL_RUNS_MAX], rx16[PL_RUNS_MAX],
		ap1[PL_RUNS_MAX], ap16[PL_RUNS_MAX];
	static uint8_t dg[PL_DGRAMS_MAX][1500];
	static int len[PL_DGRAMS_MAX];
	uint32_t next = 1;
	unsigned int k, nrec = 0, ndg = 0;
	int fam, err;

	if (geteuid() != 0) {
		fprintf(stderr, "bench_sync pipeline: needs root (BPF)\n");
		return 77;
	}
	if (!runs || runs > PL_RUNS_MAX || !records)
		return 1;
	t.dg = dg;
	t.len = len;
	err = pl_up(&a, "a", false);
	if (!err)
		err = pl_up(&b, "b", true);
	if (!err)
		err = lb_dp_sync_set(a.dp, true, 60);
	if (!err)
		err = lb_flow_out_init(&o, a.dp, 0);
	if (err)
		goto out;
	t.h.version = KEEL_SYNC_VERSION;
	t.h.type = KEEL_SYNC_FLOWS;
	randombytes_buf(t.h.stream, sizeof(t.h.stream));
	for (fam = 4; fam <= 6; fam += 2) {
		for (k = 0; k < 2 * runs; k++) {
			uint64_t t0;
			int got;

			pl_fill(&o, &a.m, fam, records, &next);
			t.n = 0;
			keel_sync_flows_begin(&t.w, t.body, sizeof(t.body),
					      100);
			t0 = cpu_ns();
			got = lb_flow_out_drain(&o, &a.m, 0, records, pl_emit,
						&t);
			if (t.w.count)
				pl_seal(&t);
			if (got <= 0)
				exit(3);
			nrec = (unsigned int)got;
			ndg = t.n;
			/* Runs alternate between the two ways of applying,
			 * so each sees the table at the same fill. */
			if (k % 2 == 0) {
				tx[k / 2] = (double)(cpu_ns() - t0) / got;
				rx1[k / 2] =
					pl_rx(&b, &t, 1, &nrec, &ap1[k / 2]);
			} else {
				rx16[k / 2] =
					pl_rx(&b, &t, 16, &nrec, &ap16[k / 2]);
			}
		}
		printf("IPv%d pipeline: %u records in %u datagrams a run, "
		       "median of %u runs; B's conn table 1M entries\n",
		       fam, nrec, ndg, runs);
		printf("  (a) send: drain + translate + encode + seal   %6.0f ns/record = %.2f%% of a core at 100,000/s\n",
		       median(tx, runs), median(tx, runs) / 100);
		printf("  (c) receive: frame+open+parse+translate+apply, "
		       "apply per datagram  %6.0f ns/record = %.2f%% "
		       "(lb_dp_conn_apply %.0f)\n",
		       median(rx1, runs), median(rx1, runs) / 100,
		       median(ap1, runs));
		printf("  (c) receive: same, apply per 16 datagrams      %6.0f ns/record = %.2f%% "
		       "(lb_dp_conn_apply %.0f)\n",
		       median(rx16, runs), median(rx16, runs) / 100,
		       median(ap16, runs));
	}
	lb_flow_out_fini(&o);
out:
	pl_down(&a);
	pl_down(&b);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "pipeline")) {
		if (sodium_init() < 0)
			return 1;
		return pipeline(argc > 2 ? (unsigned int)atoi(argv[2]) : 16384,
				argc > 3 ? (unsigned int)atoi(argv[3]) : 9);
	}
	unsigned int dgrams = argc > 1 ? (unsigned int)atoi(argv[1]) : 20000;
	unsigned int runs = argc > 2 ? (unsigned int)atoi(argv[2]) : 9;

	if (sodium_init() < 0 || !dgrams || !runs)
		return 1;
	run(4, dgrams, runs);
	run(6, dgrams, runs);
	return 0;
}
