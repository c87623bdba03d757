// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_model against the kernel's maps: only changed ring entries are
 * written, a second view adopts the pinned state exactly (what a restarted
 * lbd does), ring resizes swap rings, address markers follow services, a
 * reused real id gets a new generation, the indexes find reals by address
 * and id through adds, removals and reloads, and ring digests depend on
 * what each slot's address is, not on ids.
 */
#include <arpa/inet.h>
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "lb_dp.h"
#include "lb_model.h"

static struct lb_dp *dp;
static struct lb_model m;
static char instance[64];
static char instance_b[64]; /* a second LB, for digests */
static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x10 };

/*
 * The instance's pins, whatever state a test left them in: before each
 * test, and in the runner (an unchecked fixture) before and after the
 * test case, since a failed check ends the forked test before teardown().
 */
static void pins_clear(void)
{
	struct lb_dp_opts o = { .instance = instance };
	struct lb_dp_opts ob = { .instance = instance_b };

	lb_dp_unload(&o);
	lb_dp_unload(&ob);
}

static void setup(void)
{
	struct lb_dp_opts o = { .instance = instance, .conn_table_size = 1024 };

	pins_clear(); /* what a failed test before this one left */
	ck_assert_int_eq(lb_dp_load(&o, &dp), 0);
	ck_assert_int_eq(lb_model_init(&m, dp), 0);
}

static void teardown(void)
{
	lb_model_free(&m);
	lb_dp_unpin(dp);
	lb_dp_close(dp);
}

static struct keel_vip_key vip(const char *addr, uint16_t port, uint8_t proto)
{
	struct keel_vip_key k = { .port = htons(port), .proto = proto };

	if (inet_pton(AF_INET, addr, k.addr) == 1)
		k.family = KEEL_F_INET;
	else if (inet_pton(AF_INET6, addr, k.addr) == 1)
		k.family = KEEL_F_INET6;
	return k;
}

static struct lb_real *real_in(struct lb_model *mm, struct lb_service *s, int n,
			       uint32_t weight)
{
	__be32 a[4] = { htonl(0x0a000000 + n) };
	struct lb_real *r;

	ck_assert_int_eq(lb_model_real_add(mm, s, KEEL_F_INET, a, weight, &r),
			 0);
	lb_model_real_set_state(s, r, KEEL_RS_UP);
	lb_model_real_set_mac(s, r, mac, mac, 1);
	return r;
}

static struct lb_real *real(struct lb_service *s, int n, uint32_t weight)
{
	return real_in(&m, s, n, weight);
}

static uint32_t ring_diff(const uint32_t *a, const uint32_t *b, uint32_t n)
{
	uint32_t i, d = 0;

	for (i = 0; i < n; i++)
		d += a[i] != b[i];
	return d;
}

START_TEST(test_diff_only)
{
	struct keel_vip_key k = vip("203.0.113.10", 80, IPPROTO_TCP);
	struct lb_commit_stats st;
	struct lb_service *s;
	uint32_t *before, *kernel;
	int i;

	ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, 0, &s), 0);
	for (i = 1; i <= 3; i++)
		real(s, i, 1);
	ck_assert_int_eq(lb_model_commit(&m, &st), 0);
	ck_assert_uint_eq(st.ring_entries_written, KEEL_RING_SIZE_DEFAULT);

	/* Nothing staged: nothing written. */
	ck_assert_int_eq(lb_model_commit(&m, &st), 0);
	ck_assert_uint_eq(st.ring_entries_written, 0);
	ck_assert_uint_eq(st.reals_written, 0);

	before = malloc(s->ring_size * sizeof(*before));
	kernel = malloc(s->ring_size * sizeof(*kernel));
	memcpy(before, s->ring, s->ring_size * sizeof(*before));
	real(s, 4, 1);
	ck_assert_int_eq(lb_model_commit(&m, &st), 0);
	/* Exactly the entries that changed, about a quarter of the ring. */
	ck_assert_uint_eq(st.ring_entries_written,
			  ring_diff(before, s->ring, s->ring_size));
	ck_assert_uint_gt(st.ring_entries_written, s->ring_size / 4 - 200);
	ck_assert_uint_lt(st.ring_entries_written, s->ring_size / 4 + 200);
	ck_assert_int_eq(lb_dp_ring_read(dp, s->ring_id, kernel, s->ring_size),
			 0);
	ck_assert_mem_eq(kernel, s->ring, s->ring_size * sizeof(*kernel));
	free(before);
	free(kernel);
}
END_TEST

START_TEST(test_adopt)
{
	struct keel_vip_key k4 = vip("203.0.113.10", 443, IPPROTO_TCP);
	struct keel_vip_key k6 = vip("2001:db8::10", 0, IPPROTO_UDP);
	struct lb_service *s4, *s6, *a;
	struct lb_model m2;
	struct lb_dp *dp2;
	struct lb_real *r;
	struct lb_dp_opts o = { .instance = instance };
	size_t i;

	ck_assert_int_eq(
		lb_model_svc_add(&m, &k4, KEEL_SVC_F_PERSISTENT, 251, &s4), 0);
	ck_assert_int_eq(lb_model_svc_add(&m, &k6, 0, 0, &s6), 0);
	real(s4, 1, 3);
	r = real(s4, 2, 1);
	lb_model_real_set_state(s4, r, KEEL_RS_DRAINING);
	real(s6, 1, 1);
	real(s6, 7, 0);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);

	/* A second, independent view: what a restarted daemon sees. */
	ck_assert_int_eq(lb_dp_open(&o, &dp2), 0);
	ck_assert_int_eq(lb_model_init(&m2, dp2), 0);
	ck_assert_uint_eq(m2.n_svcs, 2);
	a = lb_model_svc_find(&m2, &k4);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->svc_id, s4->svc_id);
	ck_assert_uint_eq(a->ring_id, s4->ring_id);
	ck_assert_uint_eq(a->ring_size, 251);
	ck_assert_uint_eq(a->flags, KEEL_SVC_F_PERSISTENT);
	ck_assert_mem_eq(a->ring, s4->ring, 251 * sizeof(uint32_t));
	ck_assert_uint_eq(a->n_reals, 2);
	for (i = 0; i < a->n_reals; i++) {
		struct lb_real *o1 = lb_model_real_find(s4, a->reals[i].family,
							a->reals[i].addr);

		ck_assert_ptr_nonnull(o1);
		ck_assert_uint_eq(a->reals[i].id, o1->id);
		ck_assert_uint_eq(a->reals[i].gen, o1->gen);
		ck_assert_uint_eq(a->reals[i].weight, o1->weight);
		ck_assert_uint_eq(a->reals[i].state, o1->state);
		ck_assert_mem_eq(a->reals[i].mac, o1->mac, 6);
	}
	a = lb_model_svc_find(&m2, &k6);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->n_reals, 2);
	ck_assert_mem_eq(a->ring, s6->ring,
			 KEEL_RING_SIZE_DEFAULT * sizeof(uint32_t));
	/* The adopted view changes nothing when committed. */
	ck_assert_int_eq(lb_model_commit(&m2, NULL), 0);
	lb_model_free(&m2);
	lb_dp_close(dp2);
}
END_TEST

/* How many of s's ring slots each of reals[0..n) holds. */
static void ring_counts(const struct lb_service *s, struct lb_real **reals,
			size_t n, uint32_t *out)
{
	uint32_t i;
	size_t j;

	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < s->ring_size; i++)
		for (j = 0; j < n; j++)
			out[j] += s->ring[i] == reals[j]->id;
}

/*
 * A sorry server (reals[2]) holds the whole ring exactly while neither
 * other real is selectable, none of it otherwise; its weight counts only
 * then, and the flag survives adoption.  One row per step.
 */
static const struct {
	const char *what;
	uint8_t state[3]; /* KEEL_RS_* of reals 0, 1, 2 (the sorry one) */
	bool sorry_holds; /* the sorry server has the whole ring */
	bool empty; /* nobody has it */
} sorry_rows[] = {
	{ "all up: the others share it", { 1, 1, 1 }, false, false },
	{ "one down", { 2, 1, 1 }, false, false },
	{ "one down, one draining: sorry", { 2, 3, 1 }, true, false },
	{ "both down: sorry", { 2, 2, 1 }, true, false },
	{ "sorry down too: empty", { 2, 2, 2 }, false, true },
	{ "sorry draining: empty", { 2, 2, 3 }, false, true },
	{ "one back: it has it all", { 1, 2, 1 }, false, false },
};

START_TEST(test_sorry_server)
{
	struct keel_vip_key k = vip("203.0.113.20", 80, IPPROTO_TCP);
	struct lb_real *r[3];
	struct lb_service *s, *a;
	struct lb_model m2;
	struct lb_dp *dp2;
	struct lb_dp_opts o = { .instance = instance };
	uint32_t n[3];
	size_t i, j;

	ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, 251, &s), 0);
	for (j = 0; j < 3; j++)
		r[j] = real(s, (int)j + 1, 1);
	lb_model_real_set_sorry(s, r[2], true);
	for (i = 0; i < sizeof(sorry_rows) / sizeof(sorry_rows[0]); i++) {
		for (j = 0; j < 3; j++)
			lb_model_real_set_state(s, r[j],
						sorry_rows[i].state[j]);
		ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
		ring_counts(s, r, 3, n);
		ck_assert_msg(n[2] == (sorry_rows[i].sorry_holds ? 251u : 0u),
			      "%s: sorry server has %u slots",
			      sorry_rows[i].what, n[2]);
		ck_assert_msg((n[0] + n[1] + n[2] == 0) == sorry_rows[i].empty,
			      "%s: %u+%u+%u slots", sorry_rows[i].what, n[0],
			      n[1], n[2]);
		ck_assert_msg(lb_real_weight_now(r[2]) ==
				      (sorry_rows[i].sorry_holds ? 1u : 0u),
			      "%s: sorry weight %u", sorry_rows[i].what,
			      lb_real_weight_now(r[2]));
		/* Usable whenever it is not DOWN: its flows stay. */
		ck_assert(lb_real_usable(r[2]) ==
			  (sorry_rows[i].state[2] != KEEL_RS_DOWN));
	}
	/* A restarted lbd knows which real is the sorry server. */
	lb_model_real_set_state(s, r[0], KEEL_RS_DOWN);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_int_eq(lb_dp_open(&o, &dp2), 0);
	ck_assert_int_eq(lb_model_init(&m2, dp2), 0);
	a = lb_model_svc_find(&m2, &k);
	ck_assert_ptr_nonnull(a);
	for (j = 0; j < a->n_reals; j++)
		ck_assert(a->reals[j].sorry == (a->reals[j].id == r[2]->id));
	ck_assert_int_eq(lb_model_commit(&m2, NULL), 0);
	ck_assert_mem_eq(a->ring, s->ring, 251 * sizeof(uint32_t));
	lb_model_free(&m2);
	lb_dp_close(dp2);
	/* No longer a sorry server: an ordinary real again, sharing. */
	lb_model_real_set_state(s, r[1], KEEL_RS_UP);
	lb_model_real_set_sorry(s, r[2], false);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ring_counts(s, r, 3, n);
	ck_assert_uint_gt(n[2], 0);
	ck_assert_uint_gt(n[1], 0);
}
END_TEST

START_TEST(test_resize_and_markers)
{
	struct keel_vip_key a = vip("203.0.113.20", 80, IPPROTO_TCP);
	struct keel_vip_key b = vip("203.0.113.20", 0, IPPROTO_UDP);
	struct keel_vip_key mk = vip("203.0.113.20", 0, KEEL_MARKER_PROTO);
	struct keel_svc_info info;
	struct lb_service *sa, *sb;
	uint32_t old_ring, size;
	int fd = lb_dp_map_fd(dp, KEEL_PIN_SERVICES);

	ck_assert_int_eq(lb_model_svc_add(&m, &a, 0, 0, &sa), 0);
	ck_assert_int_eq(lb_model_svc_add(&m, &b, 0, 0, &sb), 0);
	real(sa, 1, 1);
	real(sb, 1, 1);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &mk, &info), 0);
	ck_assert_uint_eq(info.flags, KEEL_SVC_F_ADDR_MARKER);

	old_ring = sa->ring_id;
	ck_assert_int_eq(lb_model_svc_set(&m, sa, 0, 1009), 0);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_uint_ne(sa->ring_id, old_ring);
	ck_assert_int_eq(lb_dp_ring_size(dp, sa->ring_id, &size), 0);
	ck_assert_uint_eq(size, 1009);
	ck_assert_int_eq(lb_dp_ring_size(dp, old_ring, &size), -ENOENT);
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &a, &info), 0);
	ck_assert_uint_eq(info.ring_id, sa->ring_id);
	ck_assert_uint_eq(info.ring_size, 1009);
	ck_assert_int_eq(lb_model_svc_set(&m, sa, 0, 1000), -EINVAL);

	/* The marker stays while any service uses the address. */
	ck_assert_int_eq(lb_model_svc_del(&m, sa), 0);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &mk, &info), 0);
	ck_assert_int_ne(bpf_map_lookup_elem(fd, &a, &info), 0);
	ck_assert_int_eq(lb_model_svc_del(&m, sb), 0);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_int_ne(bpf_map_lookup_elem(fd, &mk, &info), 0);
	ck_assert_uint_eq(m.n_svcs, 0);
}
END_TEST

START_TEST(test_id_reuse_generation)
{
	struct keel_vip_key k = vip("203.0.113.30", 80, IPPROTO_TCP);
	struct keel_real_info info;
	struct keel_real_meta meta;
	struct lb_service *s;
	struct lb_real *r;
	uint32_t id, gen;

	ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, 0, &s), 0);
	r = real(s, 1, 1);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	id = r->id;
	gen = r->gen;
	lb_model_real_del(s, r);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_int_eq(lb_dp_real_read(dp, id, &info, &meta), 0);
	ck_assert_uint_eq(meta.family, 0);
	ck_assert_uint_eq(info.flags & KEEL_REAL_F_USABLE, 0);

	r = real(s, 2, 1);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_uint_eq(r->id, id);
	ck_assert_uint_eq(r->gen, gen + 1);
	ck_assert_int_eq(lb_dp_real_read(dp, id, &info, NULL), 0);
	ck_assert_uint_eq(info.gen, gen + 1);
}
END_TEST

/* Real n's address, as real() makes it. */
static void addr_of(int n, __be32 a[4])
{
	memset(a, 0, 16);
	a[0] = htonl(0x0a000000 + n);
}

/* The id of real n in s by every index, or 0 where none holds it. */
static uint32_t lookups(struct lb_model *mm, struct lb_service *s, int n)
{
	uint32_t cur = LB_HTAB_START, id, at = 0;
	struct lb_service *in = NULL;
	struct lb_real *r, *b;
	__be32 a[4];

	addr_of(n, a);
	r = lb_model_real_find(s, KEEL_F_INET, a);
	if (!r)
		return 0;
	ck_assert_mem_eq(r->addr, a, 16);
	b = lb_model_real_by_id(mm, r->id, &in);
	ck_assert_ptr_eq(b, r);
	ck_assert_ptr_eq(in, s);
	while ((id = lb_model_real_at(mm, KEEL_F_INET, a, &cur)) !=
	       LB_HTAB_NONE)
		if (id == r->id)
			at = id;
	ck_assert_uint_eq(at, r->id);
	return r->id;
}

/*
 * The indexes (service by key, real by address, by id, at an address in
 * any service) after adds, a removal that moves reals in their array,
 * and a reload by a second view of the same maps.
 */
START_TEST(test_index_lookups)
{
	struct keel_vip_key k1 = vip("203.0.113.50", 80, IPPROTO_TCP);
	struct keel_vip_key k2 = vip("203.0.113.50", 443, IPPROTO_TCP);
	struct lb_dp_opts o = { .instance = instance };
	uint32_t id[6], cur = LB_HTAB_START, n_at = 0;
	struct lb_service *s1, *s2, *a1;
	struct lb_real *gone;
	struct lb_model m2;
	struct lb_dp *dp2;
	__be32 a[4];
	int i;

	ck_assert_int_eq(lb_model_svc_add(&m, &k1, 0, 0, &s1), 0);
	ck_assert_int_eq(lb_model_svc_add(&m, &k2, 0, 251, &s2), 0);
	ck_assert_ptr_eq(lb_model_svc_find(&m, &k1), s1);
	ck_assert_ptr_eq(lb_model_svc_find(&m, &k2), s2);
	/* Found as soon as added, before any commit. */
	for (i = 1; i <= 5; i++) {
		real(s1, i, 1);
		id[i] = lookups(&m, s1, i);
		ck_assert_uint_ne(id[i], 0);
	}
	real(s2, 3, 1); /* the same address in another service */
	ck_assert_uint_ne(lookups(&m, s2, 3), id[3]);
	ck_assert_uint_eq(lookups(&m, s2, 1), 0);
	ck_assert_ptr_null(lb_model_real_by_id(&m, 0, NULL));
	ck_assert_ptr_null(lb_model_real_by_id(&m, KEEL_MAX_REALS, NULL));
	ck_assert_ptr_null(lb_model_real_by_id(&m, id[5] + 100, NULL));
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);

	/* Removing real 2 moves 3..5 down in s1->reals. */
	addr_of(2, a);
	gone = lb_model_real_find(s1, KEEL_F_INET, a);
	lb_model_real_del(s1, gone);
	ck_assert_ptr_null(lb_model_real_find(s1, KEEL_F_INET, a));
	ck_assert_ptr_eq(lb_model_real_by_id(&m, id[2], NULL), gone);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_ptr_null(lb_model_real_by_id(&m, id[2], NULL));
	ck_assert_uint_eq(lb_model_real_at(&m, KEEL_F_INET, a, &cur),
			  LB_HTAB_NONE);
	for (i = 1; i <= 5; i++)
		ck_assert_uint_eq(lookups(&m, s1, i), i == 2 ? 0 : id[i]);
	/* Real 3 is at its address in both services. */
	addr_of(3, a);
	cur = LB_HTAB_START;
	while (lb_model_real_at(&m, KEEL_F_INET, a, &cur) != LB_HTAB_NONE)
		n_at++;
	ck_assert_uint_eq(n_at, 2);

	/* A restarted daemon's view finds the same reals under the same ids. */
	ck_assert_int_eq(lb_dp_open(&o, &dp2), 0);
	ck_assert_int_eq(lb_model_init(&m2, dp2), 0);
	a1 = lb_model_svc_find(&m2, &k1);
	ck_assert_ptr_nonnull(a1);
	for (i = 1; i <= 5; i++)
		ck_assert_uint_eq(lookups(&m2, a1, i), i == 2 ? 0 : id[i]);
	ck_assert_uint_eq(lookups(&m2, lb_model_svc_find(&m2, &k2), 3),
			  lookups(&m, s2, 3));
	lb_model_free(&m2);
	lb_dp_close(dp2);
}
END_TEST

/*
 * Ring digests: a second LB (its own maps) with the same config, reals
 * added in the opposite order after another service took the first ids,
 * builds the same ring under other ids and so the same digest.  Each row
 * then changes one thing on the second LB: the digest must differ, and
 * where the change is undone, match again.
 */
enum dg_change { DG_NONE, DG_WEIGHT, DG_REPLACE, DG_DRAIN, DG_FLAGS, DG_SIZE };

static const struct dg_row {
	const char *name;
	enum dg_change change;
	bool undo;
} dg_rows[] = {
	{ "same config, other order and ids", DG_NONE, false },
	{ "a weight changed", DG_WEIGHT, true },
	{ "a real replaced by another address", DG_REPLACE, false },
	{ "a real drained", DG_DRAIN, true },
	{ "persistence on", DG_FLAGS, true },
	{ "another ring size", DG_SIZE, false },
};

START_TEST(test_ring_digest)
{
	const struct dg_row *row = &dg_rows[_i];
	struct keel_vip_key k = vip("203.0.113.60", 80, IPPROTO_TCP);
	struct keel_vip_key other = vip("203.0.113.61", 80, IPPROTO_TCP);
	struct lb_dp_opts ob = { .instance = instance_b,
				 .conn_table_size = 1024 };
	uint8_t da[LB_MAGLEV_DIGEST_BYTES], db[LB_MAGLEV_DIGEST_BYTES];
	struct lb_service *sa, *sb, *so;
	struct lb_real *ra[4], *rb[4];
	struct lb_model mb;
	struct lb_dp *dpb;
	int i;

	ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, 0, &sa), 0);
	ck_assert_int_eq(lb_model_ring_digest(sa, da), -ENOENT);
	for (i = 1; i <= 3; i++)
		ra[i] = real(sa, i, i);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_int_eq(lb_model_ring_digest(sa, da), 0);

	ck_assert_int_eq(lb_dp_load(&ob, &dpb), 0);
	ck_assert_int_eq(lb_model_init(&mb, dpb), 0);
	ck_assert_int_eq(lb_model_svc_add(&mb, &other, 0, 0, &so), 0);
	real_in(&mb, so, 9, 1);
	ck_assert_int_eq(lb_model_svc_add(&mb, &k, 0, 0, &sb), 0);
	for (i = 3; i >= 1; i--)
		rb[i] = real_in(&mb, sb, i, i);
	ck_assert_int_eq(lb_model_commit(&mb, NULL), 0);
	for (i = 1; i <= 3; i++)
		ck_assert_uint_ne(ra[i]->id, rb[i]->id);
	ck_assert_uint_ne(ring_diff(sa->ring, sb->ring, sa->ring_size), 0);
	ck_assert_int_eq(lb_model_ring_digest(sb, db), 0);
	ck_assert_mem_eq(da, db, sizeof(da));

	switch (row->change) {
	case DG_NONE:
		break;
	case DG_WEIGHT:
		lb_model_real_set_weight(sb, rb[2], 5);
		break;
	case DG_REPLACE:
		lb_model_real_del(sb, rb[2]);
		real_in(&mb, sb, 4, 2);
		break;
	case DG_DRAIN:
		lb_model_real_set_state(sb, rb[2], KEEL_RS_DRAINING);
		break;
	case DG_FLAGS:
		ck_assert_int_eq(
			lb_model_svc_set(&mb, sb, KEEL_SVC_F_PERSISTENT, 0), 0);
		break;
	case DG_SIZE:
		ck_assert_int_eq(lb_model_svc_set(&mb, sb, 0, 1009), 0);
		break;
	}
	ck_assert_int_eq(lb_model_commit(&mb, NULL), 0);
	ck_assert_int_eq(lb_model_ring_digest(sb, db), 0);
	ck_assert_msg((memcmp(da, db, sizeof(da)) == 0) ==
			      (row->change == DG_NONE),
		      "%s: digests %s", row->name,
		      row->change == DG_NONE ? "differ" : "equal");

	if (row->undo) {
		/* rb[] stay valid: no real was added or removed. */
		lb_model_real_set_weight(sb, rb[2], 2);
		lb_model_real_set_state(sb, rb[2], KEEL_RS_UP);
		ck_assert_int_eq(lb_model_svc_set(&mb, sb, 0, 0), 0);
		ck_assert_int_eq(lb_model_commit(&mb, NULL), 0);
		ck_assert_int_eq(lb_model_ring_digest(sb, db), 0);
		ck_assert_mem_eq(da, db, sizeof(da));
	}
	lb_model_free(&mb);
	lb_dp_unpin(dpb);
	lb_dp_close(dpb);
}
END_TEST

/* A restarted daemon's view computes the digest of the adopted ring. */
START_TEST(test_ring_digest_adopt)
{
	struct keel_vip_key k = vip("2001:db8::60", 0, IPPROTO_UDP);
	struct lb_dp_opts o = { .instance = instance };
	uint8_t da[LB_MAGLEV_DIGEST_BYTES], db[LB_MAGLEV_DIGEST_BYTES];
	struct lb_service *s;
	struct lb_model m2;
	struct lb_dp *dp2;
	int i;

	ck_assert_int_eq(
		lb_model_svc_add(&m, &k, KEEL_SVC_F_PERSISTENT, 251, &s), 0);
	for (i = 1; i <= 4; i++)
		real(s, i, i);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	ck_assert_int_eq(lb_model_ring_digest(s, da), 0);
	ck_assert_int_eq(lb_dp_open(&o, &dp2), 0);
	ck_assert_int_eq(lb_model_init(&m2, dp2), 0);
	ck_assert_int_eq(lb_model_ring_digest(lb_model_svc_find(&m2, &k), db),
			 0);
	ck_assert_mem_eq(da, db, sizeof(da));
	lb_model_free(&m2);
	lb_dp_close(dp2);
}
END_TEST

static const struct bad_svc {
	const char *addr;
	uint16_t port;
	uint8_t proto;
	uint32_t ring;
	int err;
} bad_svcs[] = {
	{ "203.0.113.40", 80, KEEL_MARKER_PROTO, 0, -EINVAL },
	{ "203.0.113.40", 80, IPPROTO_TCP, 65536, -EINVAL },
	{ "203.0.113.40", 80, IPPROTO_TCP, KEEL_RING_SIZE_MAX + 2, -EINVAL },
	{ "bogus", 80, IPPROTO_TCP, 0, -EINVAL },
};

START_TEST(test_bad_services)
{
	const struct bad_svc *c = &bad_svcs[_i];
	struct keel_vip_key k = vip(c->addr, c->port, c->proto);

	ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, c->ring, NULL), c->err);
	k = vip("203.0.113.41", 80, IPPROTO_TCP);
	ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, 0, NULL), 0);
	ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, 0, NULL), -EEXIST);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb_model");
	TCase *tc = tcase_create("maps");

	if (geteuid() != 0) {
		fprintf(stderr, "needs root (BPF)\n");
		return 77;
	}
	/* The runner's pid: the same in every forked test and in pins_clear. */
	snprintf(instance, sizeof(instance), "model-%d", getpid());
	snprintf(instance_b, sizeof(instance_b), "model-%d-b", getpid());
	tcase_add_unchecked_fixture(tc, pins_clear, pins_clear);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_diff_only);
	tcase_add_test(tc, test_adopt);
	tcase_add_test(tc, test_sorry_server);
	tcase_add_test(tc, test_resize_and_markers);
	tcase_add_test(tc, test_id_reuse_generation);
	tcase_add_test(tc, test_index_lookups);
	tcase_add_loop_test(tc, test_ring_digest, 0,
			    sizeof(dg_rows) / sizeof(dg_rows[0]));
	tcase_add_test(tc, test_ring_digest_adopt);
	tcase_add_loop_test(tc, test_bad_services, 0,
			    sizeof(bad_svcs) / sizeof(bad_svcs[0]));
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return check_run(s);
}
