// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The reload diff: lb_reconcile stages only what changed between the
 * desired state (config + run-time overlay + admin) and the model.  Each
 * row is one step applied on top of the previous one, with the changes it
 * must count and what the commit may write; a conn-table entry of the
 * service the steps never touch must survive all of them.  test_hook: the
 * health hook of lb_reconcile_with() sees every wanted real, and only
 * the states and weights it changes are staged.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "check_run.h"
#include "lb_reconcile.h"

#define MAXR 8

/* A tiny desired state: two services, A (changes) and B (never). */
struct want {
	int a_reals; /* reals 10.0.0.1..n in A */
	uint32_t a_weight2; /* weight of 10.0.0.2 */
	uint32_t a_ring; /* 0: default */
	bool a_persistent;
	bool c_present; /* a third service C */
	/* overlay and admin */
	bool st_drop_a; /* A removed at run time */
	bool st_add_real; /* 10.0.0.9 added to B at run time */
	bool st_drain1; /* admin drain of A's 10.0.0.1 */
	bool st_weight1; /* admin weight 7 on A's 10.0.0.1 */
};

static const struct step {
	const char *name;
	struct want w;
	struct lb_reconcile_stats want;
	bool b_untouched; /* B's ring and reals not written */
	uint32_t max_ring_writes; /* upper bound on ring entries written */
	/* Upper bounds on what the commit wrote: a reload must not rewrite
	 * the reals and services it did not change (issue 15). */
	uint32_t max_reals_written, max_services_changed;
} steps[] = {
#define W(n, w2, ring, pers, c, ...)                              \
	{                                                         \
		.a_reals = n, .a_weight2 = w2, .a_ring = ring,    \
		.a_persistent = pers, .c_present = c, __VA_ARGS__ \
	}
#define RS(sa, sr, sc, ra, rr, rc)                                \
	{                                                         \
		.services_added = (sa), .services_removed = (sr), \
		.services_changed = (sc), .reals_added = (ra),    \
		.reals_removed = (rr), .reals_changed = (rc)      \
	}
	{ "initial", W(3, 1, 0, false, false), RS(2, 0, 0, 6, 0, 0), false,
	  2 * 65537, 6, 2 },
	{ "same again", W(3, 1, 0, false, false), RS(0, 0, 0, 0, 0, 0), true, 0,
	  0, 0 },
	{ "weight of one real", W(3, 2, 0, false, false), RS(0, 0, 0, 0, 0, 1),
	  true, 65537, 1, 1 },
	{ "one real fewer", W(2, 2, 0, false, false), RS(0, 0, 0, 0, 1, 0),
	  true, 65537, 1, 1 },
	{ "one real more", W(3, 2, 0, false, false), RS(0, 0, 0, 1, 0, 0), true,
	  65537, 1, 1 },
	{ "service added", W(3, 2, 0, false, true), RS(1, 0, 0, 1, 0, 0), true,
	  65537, 1, 1 },
	{ "service removed", W(3, 2, 0, false, false), RS(0, 1, 0, 0, 0, 0),
	  true, 0, 1, 0 },
	{ "ring size", W(3, 2, 1009, false, false), RS(0, 0, 1, 0, 0, 0), true,
	  1009, 0, 1 },
	{ "persistent", W(3, 2, 1009, true, false), RS(0, 0, 1, 0, 0, 0), true,
	  0, 0, 1 },
	{ "admin drain", W(3, 2, 1009, true, false, .st_drain1 = true),
	  RS(0, 0, 0, 0, 0, 1), true, 1009, 1, 1 },
	{ "admin weight",
	  W(3, 2, 1009, true, false, .st_drain1 = true, .st_weight1 = true),
	  RS(0, 0, 0, 0, 0, 1), true, 0, 1, 1 },
	{ "undrain", W(3, 2, 1009, true, false, .st_weight1 = true),
	  RS(0, 0, 0, 0, 0, 1), true, 1009, 1, 1 },
	{ "run-time removal", W(3, 2, 1009, true, false, .st_drop_a = true),
	  RS(0, 1, 0, 0, 0, 0), true, 0, 3, 0 },
	{ "run-time real",
	  W(3, 2, 1009, true, false, .st_drop_a = true, .st_add_real = true),
	  RS(0, 0, 0, 1, 0, 0), false, 65537, 1, 1 },
};

static struct lb_dp *dp;
static struct lb_model m;
static char instance[64], instance_h[64];
static struct lb_cfg_real ra[MAXR], rb[MAXR], rc[1];
static struct lb_cfg_service svcs[3];
static struct lb_state_admin adm[1];
static struct keel_vip_key removed[1];
static struct lb_state_real added[1];

static struct keel_vip_key key(const char *a, uint16_t port)
{
	struct keel_vip_key k = { .family = KEEL_F_INET,
				  .proto = IPPROTO_TCP,
				  .port = htons(port) };

	inet_pton(AF_INET, a, k.addr);
	return k;
}

static struct lb_cfg_real real(int n, uint32_t w)
{
	struct lb_cfg_real r = { .family = KEEL_F_INET, .weight = w };

	r.addr[0] = htonl(0x0a000000 + n);
	return r;
}

static void build(const struct want *w, struct lb_config *c,
		  struct lb_state *st)
{
	int i;

	memset(c, 0, sizeof(*c));
	memset(st, 0, sizeof(*st));
	for (i = 0; i < w->a_reals; i++)
		ra[i] = real(i + 1, i == 1 ? w->a_weight2 : 1);
	svcs[0] = (struct lb_cfg_service){
		.key = key("203.0.113.1", 80),
		.flags = w->a_persistent ? KEEL_SVC_F_PERSISTENT : 0,
		.ring_size = w->a_ring,
		.reals = ra,
		.n_reals = w->a_reals
	};
	rb[0] = real(21, 1);
	rb[1] = real(22, 1);
	rb[2] = real(23, 1);
	svcs[1] = (struct lb_cfg_service){ .key = key("203.0.113.2", 443),
					   .reals = rb,
					   .n_reals = 3 };
	rc[0] = real(31, 1);
	svcs[2] = (struct lb_cfg_service){ .key = key("203.0.113.3", 0),
					   .reals = rc,
					   .n_reals = 1 };
	c->services = svcs;
	c->n_services = w->c_present ? 3 : 2;
	if (w->st_drain1 || w->st_weight1) {
		adm[0] = (struct lb_state_admin){
			.ref = { .svc = svcs[0].key, .family = KEEL_F_INET },
			.drain = w->st_drain1,
			.has_weight = w->st_weight1,
			.weight = 7,
		};
		adm[0].ref.addr[0] = ra[0].addr[0];
		st->admin = adm;
		st->n_admin = 1;
	}
	if (w->st_drop_a) {
		removed[0] = svcs[0].key;
		st->svc_removed = removed;
		st->n_svc_removed = 1;
	}
	if (w->st_add_real) {
		added[0] = (struct lb_state_real){
			.ref = { .svc = svcs[1].key, .family = KEEL_F_INET },
			.weight = 1,
		};
		added[0].ref.addr[0] = htonl(0x0a000009);
		st->real_added = added;
		st->n_real_added = 1;
	}
	ck_assert_int_eq(lb_config_index(c), 0);
}

/* The indexes build() made (the lists themselves are static). */
static void unbuild(struct lb_config *c)
{
	size_t i;

	for (i = 0; i < c->n_services; i++)
		lb_htab_free(&c->services[i].real_idx);
	lb_htab_free(&c->svc_idx);
}

static void resolve_all(void)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	size_t i, j;

	for (i = 0; i < m.n_svcs; i++)
		for (j = 0; j < m.svcs[i]->n_reals; j++)
			lb_model_real_set_mac(m.svcs[i], &m.svcs[i]->reals[j],
					      mac, mac, 1);
}

START_TEST(test_steps)
{
	struct lb_dp_opts o = { .instance = instance, .conn_table_size = 1024 };
	struct keel_flow flow = { .family = KEEL_F_INET,
				  .proto = IPPROTO_TCP,
				  .sport = htons(40000),
				  .dport = htons(443) };
	struct keel_conn conn, got;
	struct keel_vip_key kb = key("203.0.113.2", 443);
	int conn_fd;
	size_t i;

	ck_assert_int_eq(lb_dp_load(&o, &dp), 0);
	ck_assert_int_eq(lb_model_init(&m, dp), 0);
	conn_fd = lb_dp_map_fd(dp, KEEL_PIN_CONN);
	flow.src[0] = htonl(0xc6336401);
	flow.dst[0] = kb.addr[0];

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *s = &steps[i];
		struct lb_reconcile_stats rs;
		struct lb_commit_stats cs;
		struct lb_config c;
		struct lb_state st;
		struct lb_service *b;
		uint32_t b_ring[65537];

		build(&s->w, &c, &st);
		b = lb_model_svc_find(&m, &kb);
		if (b)
			memcpy(b_ring, b->ring, b->ring_size * 4);
		ck_assert_int_eq(lb_reconcile(&m, &c, &st, &rs), 0);
		resolve_all();
		ck_assert_int_eq(lb_model_commit(&m, &cs), 0);
		ck_assert_msg(
			!memcmp(&rs, &s->want, sizeof(rs)),
			"%s: counted +%u -%u ~%u services, +%u -%u ~%u reals",
			s->name, rs.services_added, rs.services_removed,
			rs.services_changed, rs.reals_added, rs.reals_removed,
			rs.reals_changed);
		ck_assert_msg(cs.ring_entries_written <= s->max_ring_writes,
			      "%s: %u ring entries written", s->name,
			      cs.ring_entries_written);
		ck_assert_msg(cs.reals_written <= s->max_reals_written,
			      "%s: %u reals written", s->name,
			      cs.reals_written);
		ck_assert_msg(cs.services_changed <= s->max_services_changed,
			      "%s: %u services changed", s->name,
			      cs.services_changed);
		b = lb_model_svc_find(&m, &kb);
		ck_assert_ptr_nonnull(b);
		if (s->b_untouched && i > 0)
			ck_assert_msg(!memcmp(b_ring, b->ring,
					      b->ring_size * 4),
				      "%s: B's ring changed", s->name);
		if (i == 0) {
			/* A live flow of B, as the XDP program would record. */
			conn.real_id = b->reals[0].id;
			conn.real_gen = b->reals[0].gen;
			ck_assert_int_eq(bpf_map_update_elem(conn_fd, &flow,
							     &conn, BPF_ANY),
					 0);
		}
		ck_assert_msg(!bpf_map_lookup_elem(conn_fd, &flow, &got) &&
				      !memcmp(&got, &conn, sizeof(got)),
			      "%s: B's conn entry lost", s->name);
		unbuild(&c);
	}
	/* The admin override reached the model. */
	lb_model_free(&m);
	lb_dp_unpin(dp);
	lb_dp_close(dp);
}
END_TEST

/* The health hook: it sees every wanted real and only its changes count. */
struct hook_ctx {
	uint32_t down_addr; /* 10.0.0.x of A set DOWN, 0: none */
	uint32_t weight; /* weight for every real, 0: keep */
	int calls, news;
	uint8_t seen_state; /* state 10.0.0.1 of A had before the call */
};

static void hook_real(void *arg, struct lb_real_want *w)
{
	struct hook_ctx *h = arg;

	h->calls++;
	h->news += w->is_new;
	if (w->svc->key.addr[0] == svcs[0].key.addr[0] &&
	    w->real->addr[0] == htonl(0x0a000001))
		h->seen_state = w->real->state;
	if (h->down_addr && w->svc->key.addr[0] == svcs[0].key.addr[0] &&
	    w->real->addr[0] == htonl(0x0a000000 + h->down_addr))
		w->state = KEEL_RS_DOWN;
	if (h->weight)
		w->weight = h->weight;
	ck_assert_ptr_nonnull(w->cs); /* all from the config here */
	ck_assert_ptr_nonnull(w->cr);
}

START_TEST(test_hook)
{
	struct lb_dp_opts o = { .instance = instance_h,
				.conn_table_size = 1024 };
	static const struct {
		const char *name;
		struct hook_ctx h;
		uint32_t changed, max_ring, max_reals_written;
	} rows[] = {
		{ "first: 6 new reals", { 0 }, 0, 2 * 65537, 6 },
		{ "nothing new", { 0 }, 0, 0, 0 },
		{ "health downs 10.0.0.2", { .down_addr = 2 }, 1, 65537, 1 },
		{ "still down", { .down_addr = 2 }, 0, 0, 0 },
		{ "load-aware weight 3 everywhere",
		  { .down_addr = 2, .weight = 3 },
		  6,
		  2 * 65537,
		  6 },
		{ "the same again", { .down_addr = 2, .weight = 3 }, 0, 0, 0 },
		{ "up again", { .weight = 3 }, 1, 65537, 1 },
	};
	const struct want w = { .a_reals = 3, .a_weight2 = 1 };
	struct lb_reconcile_hook hook = { .real = hook_real };
	struct lb_reconcile_stats rs;
	struct lb_commit_stats cs;
	struct lb_config c;
	struct lb_state st;
	struct hook_ctx h;
	size_t i;

	ck_assert_int_eq(lb_dp_load(&o, &dp), 0);
	ck_assert_int_eq(lb_model_init(&m, dp), 0);
	build(&w, &c, &st);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		h = rows[i].h;
		hook.arg = &h;
		ck_assert_int_eq(lb_reconcile_with(&m, &c, &st, &hook, &rs), 0);
		resolve_all();
		ck_assert_int_eq(lb_model_commit(&m, &cs), 0);
		ck_assert_msg(h.calls == 6, "%s: hook called %d times",
			      rows[i].name, h.calls);
		ck_assert_int_eq(h.news, i == 0 ? 6 : 0);
		ck_assert_msg(rs.reals_changed == rows[i].changed,
			      "%s: %u reals changed", rows[i].name,
			      rs.reals_changed);
		ck_assert_msg(cs.ring_entries_written <= rows[i].max_ring,
			      "%s: %u ring entries written", rows[i].name,
			      cs.ring_entries_written);
		ck_assert_msg(cs.reals_written <= rows[i].max_reals_written,
			      "%s: %u reals written", rows[i].name,
			      cs.reals_written);
		if (i > 0)
			ck_assert_uint_eq(h.seen_state, KEEL_RS_UP);
	}
	/* Without the hook, what the admin state says comes back. */
	ck_assert_int_eq(lb_reconcile(&m, &c, &st, &rs), 0);
	ck_assert_uint_eq(rs.reals_changed, 6);
	unbuild(&c);
	lb_model_free(&m);
	lb_dp_unpin(dp);
	lb_dp_close(dp);
}
END_TEST

/*
 * The pins of both tests, removed before and after the test case in the
 * runner itself (an unchecked fixture): a failed check ends the forked
 * test before its own unpin, and must not leave a program and maps
 * pinned on the machine.
 */
static void pins_clear(void)
{
	struct lb_dp_opts o = { .instance = instance };
	struct lb_dp_opts oh = { .instance = instance_h };

	lb_dp_unload(&o);
	lb_dp_unload(&oh);
}

int main(void)
{
	Suite *s = suite_create("lb_reconcile");
	TCase *tc = tcase_create("steps");

	if (geteuid() != 0) {
		fprintf(stderr, "needs root (BPF)\n");
		return 77;
	}
	/* The runner's pid: the same in every forked test and in pins_clear. */
	snprintf(instance, sizeof(instance), "reconcile-%d", getpid());
	snprintf(instance_h, sizeof(instance_h), "reconcile-h-%d", getpid());
	tcase_add_unchecked_fixture(tc, pins_clear, pins_clear);
	tcase_add_test(tc, test_steps);
	tcase_add_test(tc, test_hook);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
