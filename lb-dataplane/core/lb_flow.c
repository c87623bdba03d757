// SPDX-License-Identifier: GPL-2.0
/*
 * lb_flow.c - a pair's flow records between this LB's tables and the
 * wire (lb_flow.h, docs/pair.md "Translating records").  Work is
 * proportional to the records handled (and the parked ones on a retry),
 * never to the conn table or the model.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lb_flow.h"
#include "lb_model.h"

/* A parked record is dropped (UNKNOWN_REAL) this long after it came. */
#define LB_FLOW_PARK_MS 5000
/* Records taken from one CPU's region before the next region's turn. */
#define LB_FLOW_CHUNK 64

struct lb_flow_parked_rec {
	struct keel_sync_rec r;
	uint64_t t_ms; /* when it came */
};

/* A FIFO of park_max records (times ascending), and the apply batch. */
struct lb_flow_parked {
	struct lb_flow_parked_rec *q;
	size_t head, n;
	struct keel_sync_apply_rec batch[KEEL_SYNC_APPLY_MAX];
	uint32_t n_batch;
};

/* ------------------------------------------------------------------ */
/* Out: ring record -> wire record                                    */

int lb_flow_out_init(struct lb_flow_out *o, struct lb_dp *dp,
		     uint32_t refresh_rate_max)
{
	memset(o, 0, sizeof(*o));
	o->refresh_rate_max = refresh_rate_max;
	o->refresh_tokens = refresh_rate_max;
	return lb_dp_sync_reader_open(dp, &o->rd);
}

void lb_flow_out_fini(struct lb_flow_out *o)
{
	lb_dp_sync_reader_close(&o->rd);
}

static void lb_flow_addr_put(uint8_t out[16], const __be32 a[4], uint8_t family)
{
	memset(out, 0, 16);
	memcpy(out, a, family == KEEL_F_INET ? 4 : 16);
}

enum lb_flow_out_res lb_flow_out_translate(struct lb_model *m,
					   const struct keel_sync_ev *ev,
					   struct keel_sync_rec *r)
{
	const struct keel_flow *f = &ev->flow;
	struct lb_service *s = NULL;
	const struct lb_real *real;

	if (ev->kind < KEEL_SYNC_EV_NEW || ev->kind > KEEL_SYNC_EV_REFRESH ||
	    (f->family != KEEL_F_INET && f->family != KEEL_F_INET6) ||
	    !f->proto)
		return LB_FLOW_OUT_BAD;
	real = lb_model_real_by_id(m, ev->real_id, &s);
	if (!real || real->gen != ev->real_gen)
		return LB_FLOW_OUT_STALE_GEN;
	if (!s || s->deleted)
		return LB_FLOW_OUT_NO_SERVICE;
	/* The program keyed the flow under this service: same VIP family
	 * and protocol, and a real of that family (DR keeps the header). */
	if (s->key.family != f->family || s->key.proto != f->proto ||
	    real->family != f->family)
		return LB_FLOW_OUT_BAD;
	memset(r, 0, sizeof(*r));
	r->kind = ev->kind; /* keel_sync_ev_kind's values are the wire's */
	r->family = f->family;
	r->proto = f->proto;
	/* The flow's own ports always travel: the conn table keys a port-less
	 * service's TCP/UDP flows by them too; the flag names the service. */
	r->flags = s->key.port ? 0 : KEEL_SYNC_REC_F_PORTLESS;
	r->cport = ntohs(f->sport);
	r->vport = ntohs(f->dport);
	lb_flow_addr_put(r->client, f->src, f->family);
	lb_flow_addr_put(r->vip, f->dst, f->family);
	lb_flow_addr_put(r->real, real->addr, f->family);
	return LB_FLOW_OUT_EMITTED;
}

bool lb_flow_refresh_take(struct lb_flow_out *o, uint64_t now_ms)
{
	double max = o->refresh_rate_max;

	if (!o->refresh_rate_max)
		return true;
	if (now_ms > o->refresh_ms) {
		o->refresh_tokens +=
			(double)(now_ms - o->refresh_ms) * max / 1000.0;
		if (o->refresh_tokens > max)
			o->refresh_tokens = max;
	}
	o->refresh_ms = now_ms > o->refresh_ms ? now_ms : o->refresh_ms;
	if (o->refresh_tokens < 1.0)
		return false;
	o->refresh_tokens -= 1.0;
	return true;
}

int lb_flow_out_drain(struct lb_flow_out *o, struct lb_model *m,
		      uint64_t now_ms, uint32_t budget,
		      int (*emit)(void *arg, const struct keel_sync_rec *r),
		      void *arg)
{
	struct keel_sync_ev ev[LB_FLOW_CHUNK];
	struct keel_sync_rec rec;
	uint32_t taken = 0, cpu, visited, want;
	bool more = true;
	int n, i;

	if (!o->rd.mem || !o->rd.ncpus)
		return -EINVAL;
	if (o->next_cpu >= o->rd.ncpus)
		o->next_cpu = 0;
	/* Round robin over the regions, a chunk each, until the budget is
	 * spent or a whole round found every region empty. */
	while (more && taken < budget) {
		more = false;
		for (visited = 0; visited < o->rd.ncpus && taken < budget;
		     visited++) {
			cpu = o->next_cpu;
			o->next_cpu = (cpu + 1) % o->rd.ncpus;
			want = budget - taken < LB_FLOW_CHUNK ? budget - taken :
								LB_FLOW_CHUNK;
			n = lb_dp_sync_drain(&o->rd, cpu, ev, want);
			if (n < 0) {
				/* A head the program cannot have left: the
				 * region was reset to it. */
				o->res[LB_FLOW_OUT_BAD]++;
				continue;
			}
			if ((uint32_t)n == want)
				more = true;
			taken += (uint32_t)n;
			for (i = 0; i < n; i++) {
				enum lb_flow_out_res res;

				res = lb_flow_out_translate(m, &ev[i], &rec);
				if (res == LB_FLOW_OUT_EMITTED &&
				    rec.kind == KEEL_SYNC_REFRESH &&
				    !lb_flow_refresh_take(o, now_ms))
					res = LB_FLOW_OUT_REFRESH_DROPPED;
				o->res[res]++;
				if (res == LB_FLOW_OUT_EMITTED &&
				    emit(arg, &rec) < 0)
					return (int)taken;
			}
		}
	}
	return (int)taken;
}

/* ------------------------------------------------------------------ */
/* In: wire record -> this LB's (real id, gen) -> conn table          */

void lb_flow_in_fini(struct lb_flow_in *in)
{
	if (in->park)
		free(in->park->q);
	free(in->park);
	in->park = NULL;
}

int lb_flow_in_init(struct lb_flow_in *in, size_t park_max, uint16_t reannounce)
{
	int err = -ENOMEM;

	memset(in, 0, sizeof(*in));
	in->park = calloc(1, sizeof(*in->park));
	if (!in->park)
		goto out;
	if (park_max) {
		in->park->q = calloc(park_max, sizeof(*in->park->q));
		if (!in->park->q)
			goto out;
	}
	in->park_max = park_max;
	in->reannounce = reannounce;
	err = 0;
out:
	if (err)
		lb_flow_in_fini(in);
	return err;
}

static void lb_flow_addr_get(__be32 out[4], const uint8_t a[16], uint8_t family)
{
	memset(out, 0, 16);
	memcpy(out, a, family == KEEL_F_INET ? 4 : 16);
}

/* Seconds to units of seen's clock (2^KEEL_SEEN_SHIFT ns), rounded down:
 * the peer's last use is never made more recent than it was. */
static uint32_t lb_flow_idle_units(uint16_t idle_s)
{
	return (uint32_t)(((uint64_t)idle_s * 1000000000ULL) >>
			  KEEL_SEEN_SHIFT);
}

enum lb_flow_in_res lb_flow_in_translate(struct lb_model *m,
					 const struct keel_sync_rec *r,
					 struct keel_sync_apply_rec *a)
{
	struct keel_vip_key k;
	struct lb_service *s;
	const struct lb_real *real;
	__be32 addr[4];

	memset(&k, 0, sizeof(k));
	lb_flow_addr_get(k.addr, r->vip, r->family);
	k.proto = r->proto;
	k.family = r->family;
	/*
	 * The service the program here finds for this flow's packets: its
	 * port, then the port-less one (keel_find_service()), whatever the
	 * sender's PORTLESS flag says: a real of any other service would not
	 * be usable for the flow here.
	 */
	k.port = htons(r->vport);
	s = r->vport ? lb_model_svc_find(m, &k) : NULL;
	if (!s || s->deleted) {
		k.port = 0;
		s = lb_model_svc_find(m, &k);
	}
	if (!s || s->deleted)
		return LB_FLOW_IN_UNKNOWN_SERVICE;
	lb_flow_addr_get(addr, r->real, r->family);
	real = lb_model_real_find(s, r->family, addr);
	if (!real)
		return LB_FLOW_IN_PARKED;
	if (real->deleted || real->state == KEEL_RS_DOWN)
		return LB_FLOW_IN_REAL_DOWN;
	memset(a, 0, sizeof(*a));
	lb_flow_addr_get(a->flow.src, r->client, r->family);
	memcpy(a->flow.dst, k.addr, sizeof(a->flow.dst));
	a->flow.sport = htons(r->cport);
	a->flow.dport = htons(r->vport);
	a->flow.proto = r->proto;
	a->flow.family = r->family;
	a->real_id = real->id;
	a->real_gen = real->gen;
	a->idle = lb_flow_idle_units(r->idle_s);
	return LB_FLOW_IN_TRANSLATED;
}

static int lb_flow_in_flush(struct lb_flow_in *in, struct lb_dp *dp)
{
	struct lb_flow_parked *p = in->park;
	uint32_t res[KEEL_APPLY__MAX];
	int err, k;

	if (!p->n_batch)
		return 0;
	err = lb_dp_conn_apply(dp, p->batch, p->n_batch, in->reannounce, res);
	for (k = 0; k < KEEL_APPLY__MAX; k++)
		in->apply[k] += res[k];
	p->n_batch = 0;
	return err;
}

/* Park r (at t_ms, its arrival) at the queue's tail, or say it is full. */
static enum lb_flow_in_res lb_flow_park(struct lb_flow_in *in,
					const struct keel_sync_rec *r,
					uint64_t t_ms)
{
	struct lb_flow_parked *p = in->park;
	struct lb_flow_parked_rec *q;

	if (p->n >= in->park_max)
		return LB_FLOW_IN_PARK_FULL;
	q = &p->q[(p->head + p->n) % in->park_max];
	q->r = *r;
	q->t_ms = t_ms;
	p->n++;
	return LB_FLOW_IN_PARKED;
}

/* Drop parked records older than LB_FLOW_PARK_MS from the head. */
static void lb_flow_park_expire(struct lb_flow_in *in, uint64_t now_ms)
{
	struct lb_flow_parked *p = in->park;

	while (p->n && now_ms - p->q[p->head].t_ms >= LB_FLOW_PARK_MS) {
		p->head = (p->head + 1) % in->park_max;
		p->n--;
		in->res[LB_FLOW_IN_UNKNOWN_REAL]++;
	}
}

/* One record: translated into the batch (flushed when full), parked, or
 * counted. */
static int lb_flow_in_one(struct lb_flow_in *in, struct lb_model *m,
			  struct lb_dp *dp, const struct keel_sync_rec *r,
			  uint64_t t_ms, bool retry)
{
	struct lb_flow_parked *p = in->park;
	enum lb_flow_in_res res;

	res = lb_flow_in_translate(m, r, &p->batch[p->n_batch]);
	if (res == LB_FLOW_IN_PARKED) {
		/* A retry took this record off the queue: there is room. */
		res = lb_flow_park(in, r, t_ms);
		if (retry)
			return 0; /* counted PARKED when it first came */
	}
	in->res[res]++;
	if (res != LB_FLOW_IN_TRANSLATED)
		return 0;
	if (++p->n_batch < KEEL_SYNC_APPLY_MAX)
		return 0;
	return lb_flow_in_flush(in, dp);
}

int lb_flow_in_apply(struct lb_flow_in *in, struct lb_model *m,
		     struct lb_dp *dp, const struct keel_sync_rec *recs,
		     size_t n, uint64_t now_ms)
{
	size_t i;
	int err = 0;

	lb_flow_park_expire(in, now_ms);
	for (i = 0; i < n && !err; i++)
		err = lb_flow_in_one(in, m, dp, &recs[i], now_ms, false);
	if (!err)
		err = lb_flow_in_flush(in, dp);
	in->park->n_batch = 0;
	return err;
}

int lb_flow_in_retry(struct lb_flow_in *in, struct lb_model *m,
		     struct lb_dp *dp, uint64_t now_ms)
{
	struct lb_flow_parked *p = in->park;
	struct lb_flow_parked_rec q;
	size_t n;
	int err = 0;

	lb_flow_park_expire(in, now_ms);
	/* Each parked record once, oldest first; those still unknown go back
	 * to the tail with their arrival time, so the order holds. */
	for (n = p->n; n && !err; n--) {
		q = p->q[p->head];
		p->head = (p->head + 1) % in->park_max;
		p->n--;
		err = lb_flow_in_one(in, m, dp, &q.r, q.t_ms, true);
	}
	if (!err)
		err = lb_flow_in_flush(in, dp);
	p->n_batch = 0;
	return err;
}

size_t lb_flow_in_parked(const struct lb_flow_in *in)
{
	return in->park ? in->park->n : 0;
}
