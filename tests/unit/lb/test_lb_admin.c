// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_admin: the pair's admin registers.  Merge rows (last writer wins by
 * (hlc, node), idempotent, commutative), local edits through lb_state's
 * edit API and the registers they stamp, the overlay the registers imply
 * against v1's, state file version 2 (good, bad with the message, every
 * truncated prefix, round trips), the v1 -> v2 migration, the digests
 * (incremental = from scratch), keel_sync's registers, the file on disk,
 * and two LBs exchanging registers in both orders.  Links lb_admin's and
 * lb_state's libraries (jansson, libsodium), keel_addr, keel_file, Check.
 */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sodium.h>

#include "keel_addr.h"
#include "lb_admin.h"
#include "lb_state.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define S4 "203.0.113.10:443/tcp"
#define S4B "203.0.113.20:80/tcp"
#define S6 "[2001:db8::10]:443/tcp"
#define MS 1763800000000ULL

/* ---- helpers ---- */

static struct keel_vip_key key(const char *s)
{
	struct keel_vip_key k;

	ck_assert_int_eq(keel_vip_parse(s, &k), 0);
	return lb_state_key_canon(&k);
}

static struct lb_state_real_ref ref(const char *s, const char *r)
{
	struct lb_state_real_ref x;

	memset(&x, 0, sizeof(x));
	x.svc = key(s);
	ck_assert_int_eq(keel_addr_parse(r, &x.family, x.addr), 0);
	return x;
}

/* A register: real NULL for the service's presence. */
static struct lb_admin_reg reg(const char *s, const char *r, uint8_t field,
			       uint32_t value, uint32_t arg1, uint64_t ms,
			       uint16_t ctr, uint16_t node)
{
	struct lb_admin_reg x;

	memset(&x, 0, sizeof(x));
	x.svc = key(s);
	x.field = field;
	x.object = r ? LB_ADMIN_REAL : LB_ADMIN_SERVICE;
	if (r)
		ck_assert_int_eq(keel_addr_parse(r, &x.family, x.addr), 0);
	x.value = value;
	x.arg1 = arg1;
	x.at.hlc = keel_hlc_pack(ms, ctr);
	x.at.node = node;
	return x;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The overlay as sorted lines: v1's lists in any order compare equal. */
static void describe(const struct lb_state *st, char *buf, size_t size)
{
	char *lines[512], s[80], r[64], one[256];
	size_t i, k = 0, n = 0;

#define ADD(...)                                         \
	do {                                             \
		snprintf(one, sizeof(one), __VA_ARGS__); \
		ck_assert(k < 512);                      \
		lines[k++] = strdup(one);                \
	} while (0)
#define SVC(x) (keel_vip_format((x), s, sizeof(s)) < 0 ? "?" : s)
#define REAL(x) \
	(keel_addr_format((x)->family, (x)->addr, r, sizeof(r)) < 0 ? "?" : r)
	for (i = 0; i < st->n_admin; i++) {
		const struct lb_state_admin *a = &st->admin[i];

		if (!a->drain && !a->down && !a->has_weight)
			continue; /* v1 compacts these away */
		if (a->has_weight)
			ADD("admin %s %s drain=%d down=%d weight=%u\n",
			    SVC(&a->ref.svc), REAL(&a->ref), a->drain, a->down,
			    a->weight);
		else
			ADD("admin %s %s drain=%d down=%d weight=-\n",
			    SVC(&a->ref.svc), REAL(&a->ref), a->drain, a->down);
	}
	for (i = 0; i < st->n_svc_added; i++)
		ADD("svc+ %s flags=%u ring=%u\n", SVC(&st->svc_added[i].svc),
		    st->svc_added[i].flags, st->svc_added[i].ring_size);
	for (i = 0; i < st->n_svc_removed; i++)
		ADD("svc- %s\n", SVC(&st->svc_removed[i]));
	for (i = 0; i < st->n_real_added; i++)
		ADD("real+ %s %s weight=%u\n", SVC(&st->real_added[i].ref.svc),
		    REAL(&st->real_added[i].ref), st->real_added[i].weight);
	for (i = 0; i < st->n_real_removed; i++)
		ADD("real- %s %s\n", SVC(&st->real_removed[i].svc),
		    REAL(&st->real_removed[i]));
	qsort(lines, k, sizeof(lines[0]), line_cmp);
	buf[0] = '\0';
	for (i = 0; i < k; i++) {
		n += snprintf(buf + n, n < size ? size - n : 0, "%s", lines[i]);
		free(lines[i]);
	}
#undef ADD
#undef SVC
#undef REAL
}

/* One line per register: "S [R] field=value/arg1/arg2 @ms.ctr.node". */
static void describe_regs(const struct lb_admin_reg *v, size_t n, char *buf,
			  size_t size)
{
	static const char *const fields[] = { "?", "presence", "drain", "down",
					      "weight" };
	char s[80], r[64];
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		ck_assert_int_ge(keel_vip_format(&v[i].svc, s, sizeof(s)), 0);
		if (v[i].object == LB_ADMIN_REAL)
			ck_assert_int_ge(keel_addr_format(v[i].family,
							  v[i].addr, r,
							  sizeof(r)),
					 0);
		else
			strcpy(r, "-");
		o += snprintf(buf + o, o < size ? size - o : 0,
			      "%s %s %s=%d/%u/%u @%llu.%u.%u\n", s, r,
			      fields[v[i].field], (int)v[i].value, v[i].arg1,
			      v[i].arg2,
			      (unsigned long long)keel_hlc_ms(v[i].at.hlc) -
				      (keel_hlc_ms(v[i].at.hlc) >= MS ? MS : 0),
			      keel_hlc_ctr(v[i].at.hlc), v[i].at.node);
	}
}

static void all_regs(const struct lb_admin *a, char *buf, size_t size)
{
	struct lb_admin_reg *v = NULL;
	struct keel_vip_key *keys = calloc(a->n + 1, sizeof(*keys));
	size_t i, n = 0;

	ck_assert_ptr_nonnull(keys);
	for (i = 0; i < a->n; i++)
		keys[i] = a->svcs[i].key;
	ck_assert_int_eq(lb_admin_svc_regs(a, keys, a->n, &v, &n), 0);
	ck_assert_uint_eq(n, a->n_regs);
	describe_regs(v, n, buf, size);
	free(v);
	free(keys);
}

/* ---- merge: last writer wins ---- */

static const struct merge_case {
	const char *name;
	uint64_t held_ms;
	uint16_t held_ctr, held_node;
	uint32_t held_v;
	uint64_t in_ms;
	uint16_t in_ctr, in_node;
	uint32_t in_v;
	bool changes;
} merge_cases[] = {
	{ "later ms wins", 10, 0, 1, 1, 11, 0, 1, 0, true },
	{ "earlier ms loses", 10, 0, 1, 1, 9, 5, 2, 0, false },
	{ "same ms, higher counter wins", 10, 1, 2, 1, 10, 2, 1, 0, true },
	{ "same ms, lower counter loses", 10, 2, 1, 1, 10, 1, 2, 0, false },
	{ "same hlc: the higher node wins", 10, 1, 1, 1, 10, 1, 2, 0, true },
	{ "same hlc: the lower node loses", 10, 1, 2, 1, 10, 1, 1, 0, false },
	{ "the same stamp is the same write", 10, 1, 2, 1, 10, 1, 2, 0, false },
	{ "a tombstone with a higher stamp wins", 10, 0, 1, 1, 12, 0, 2, 0,
	  true },
};

START_TEST(test_merge)
{
	const struct merge_case *c = &merge_cases[_i];
	struct lb_admin a = { 0 };
	struct lb_admin_reg h = reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, c->held_v,
				    0, c->held_ms, c->held_ctr, c->held_node);
	struct lb_admin_reg in = reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, c->in_v,
				     0, c->in_ms, c->in_ctr, c->in_node);
	const struct lb_admin_reg *got;
	uint8_t d1[16], d2[16];
	bool changed;

	ck_assert_int_eq(lb_admin_merge(&a, &h, 1, &changed, NULL, NULL), 0);
	ck_assert(changed);
	ck_assert(lb_admin_svc_digest(&a, &h.svc, d1));
	ck_assert_int_eq(lb_admin_merge(&a, &in, 1, &changed, NULL, NULL), 0);
	ck_assert_msg(changed == c->changes, "%s", c->name);
	got = lb_admin_get(&a, &in);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(got->value, c->changes ? c->in_v : c->held_v);
	ck_assert(lb_admin_svc_digest(&a, &h.svc, d2));
	ck_assert_msg(!memcmp(d1, d2, 16) == !c->changes, "%s: digest",
		      c->name);
	/* Idempotent: again changes nothing. */
	ck_assert_int_eq(lb_admin_merge(&a, &in, 1, &changed, NULL, NULL), 0);
	ck_assert(!changed);
	/* The clock saw both. */
	ck_assert_uint_ge(a.hlc, in.at.hlc);
	ck_assert_uint_ge(a.hlc, h.at.hlc);
	lb_admin_free(&a);
}
END_TEST

START_TEST(test_merge_refuses)
{
	struct lb_admin a = { 0 };
	struct lb_admin_reg v[2] = {
		reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, 1, 0, 10, 0, 1),
		reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, 2, 0, 11, 0, 1),
	};
	bool changed = true;

	/* One bad register: nothing merged. */
	ck_assert_int_eq(lb_admin_merge(&a, v, 2, &changed, NULL, NULL),
			 -EBADMSG);
	ck_assert(!changed);
	ck_assert_uint_eq(a.n_regs, 0);
	ck_assert_uint_eq(a.hlc, 0);
	lb_admin_free(&a);
}
END_TEST

/* ---- register checks and keel_sync's registers ---- */

static void bad_regs(struct lb_admin_reg *v, const char **names, int *n)
{
	int k = 0;

#define BAD(nm, expr)          \
	do {                   \
		names[k] = nm; \
		v[k] = (expr); \
		k++;           \
	} while (0)
	BAD("node 0", reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, 1, 0, 1, 0, 0));
	BAD("drain 2", reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, 2, 0, 1, 0, 1));
	BAD("down 2", reg(S4, "10.20.0.11", LB_ADMIN_DOWN, 2, 0, 1, 0, 1));
	BAD("weight 65536",
	    reg(S4, "10.20.0.11", LB_ADMIN_WEIGHT, 65536, 0, 1, 0, 1));
	BAD("presence 3",
	    reg(S4, "10.20.0.11", LB_ADMIN_PRESENCE, 3, 0, 1, 0, 1));
	BAD("real added weight 65536",
	    reg(S4, "10.20.0.11", LB_ADMIN_PRESENCE, 1, 65536, 1, 0, 1));
	BAD("removed real with a weight",
	    reg(S4, "10.20.0.11", LB_ADMIN_PRESENCE, 2, 3, 1, 0, 1));
	BAD("drain with arg1",
	    reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, 1, 1, 1, 0, 1));
	BAD("field 5", reg(S4, "10.20.0.11", 5, 0, 0, 1, 0, 1));
	BAD("field 0", reg(S4, "10.20.0.11", 0, 0, 0, 1, 0, 1));
	BAD("service drain", reg(S4, NULL, LB_ADMIN_DRAIN, 1, 0, 1, 0, 1));
	BAD("service flags 2", reg(S4, NULL, LB_ADMIN_PRESENCE, 1, 2, 1, 0, 1));
	BAD("real of another family",
	    reg(S4, "fd00::1", LB_ADMIN_DRAIN, 1, 0, 1, 0, 1));
	BAD("object 3", reg(S4, NULL, LB_ADMIN_PRESENCE, 0, 0, 1, 0, 1));
	v[k - 1].object = 3;
	BAD("ring size not prime",
	    reg(S4, NULL, LB_ADMIN_PRESENCE, 1, 0, 1, 0, 1));
	v[k - 1].arg2 = 65536;
	BAD("removed service with a ring",
	    reg(S4, NULL, LB_ADMIN_PRESENCE, 2, 0, 1, 0, 1));
	v[k - 1].arg2 = 257;
	BAD("service with a real address",
	    reg(S4, NULL, LB_ADMIN_PRESENCE, 0, 0, 1, 0, 1));
	v[k - 1].addr[0] = 1;
	BAD("IPv4 real with bytes past 4",
	    reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, 1, 0, 1, 0, 1));
	v[k - 1].addr[2] = 1;
	BAD("protocol 0", reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, 1, 0, 1, 0, 1));
	v[k - 1].svc.proto = 0;
	*n = k;
#undef BAD
}

START_TEST(test_reg_check)
{
	struct lb_admin_reg v[32], back;
	struct keel_sync_reg w;
	const char *names[32];
	int n, i;

	bad_regs(v, names, &n);
	for (i = 0; i < n; i++) {
		ck_assert_msg(lb_admin_reg_check(&v[i]) == -EBADMSG, "%s",
			      names[i]);
		/* The same from the wire. */
		lb_admin_to_sync(&v[i], &w);
		if ((v[i].object == LB_ADMIN_REAL &&
		     v[i].family != v[i].svc.family) ||
		    (v[i].object == LB_ADMIN_SERVICE && v[i].addr[0]) ||
		    (v[i].family == KEEL_F_INET && v[i].addr[2]))
			continue; /* the wire cannot carry these */
		ck_assert_msg(lb_admin_from_sync(&w, &back) == -EBADMSG, "%s",
			      names[i]);
	}
	/* Bytes past an IPv4 address on the wire. */
	v[0] = reg(S4, "10.20.0.11", LB_ADMIN_DRAIN, 1, 0, 1, 0, 1);
	lb_admin_to_sync(&v[0], &w);
	ck_assert_int_eq(lb_admin_from_sync(&w, &back), 0);
	w.real[7] = 1;
	ck_assert_int_eq(lb_admin_from_sync(&w, &back), -EBADMSG);
	w.real[7] = 0;
	w.svc.addr[9] = 1;
	ck_assert_int_eq(lb_admin_from_sync(&w, &back), -EBADMSG);
}
END_TEST

static const struct lb_admin_reg *sync_rows(int *n)
{
	static struct lb_admin_reg v[8];

	v[0] = reg(S4, NULL, LB_ADMIN_PRESENCE, LB_ADMIN_ADDED,
		   KEEL_SVC_F_PERSISTENT, MS, 3, 1);
	v[0].arg2 = 65537;
	v[1] = reg(S6, NULL, LB_ADMIN_PRESENCE, LB_ADMIN_REMOVED, 0, MS, 0,
		   65535);
	v[2] = reg(S4, "10.20.0.11", LB_ADMIN_PRESENCE, LB_ADMIN_ADDED, 7, MS,
		   1, 2);
	v[3] = reg(S6, "fd00::12", LB_ADMIN_DRAIN, 1, 0, MS, 65535, 2);
	v[4] = reg(S6, "fd00::12", LB_ADMIN_DOWN, 0, 0, 0, 0, 1);
	v[5] = reg(S4, "10.20.0.11", LB_ADMIN_WEIGHT, LB_ADMIN_WEIGHT_NONE, 0,
		   KEEL_HLC_MS_MAX, 65535, 9);
	v[6] = reg(S4, "10.20.0.11", LB_ADMIN_WEIGHT, 65535, 0, MS, 0, 9);
	v[7] = reg(S4B, "10.20.0.13", LB_ADMIN_PRESENCE, LB_ADMIN_CONFIG, 0, MS,
		   0, 1);
	*n = 8;
	return v;
}

START_TEST(test_sync_round_trip)
{
	const struct lb_admin_reg *v;
	struct lb_admin_reg back;
	struct keel_sync_reg w;
	char a[256], b[256];
	int n, i;

	v = sync_rows(&n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(lb_admin_reg_check(&v[i]), 0);
		lb_admin_to_sync(&v[i], &w);
		ck_assert_uint_eq(w.object, v[i].object);
		ck_assert_uint_eq(w.field, v[i].field);
		ck_assert_uint_eq(w.hlc, v[i].at.hlc);
		ck_assert_uint_eq(w.node, v[i].at.node);
		ck_assert_uint_eq(w.svc.port, ntohs(v[i].svc.port));
		ck_assert_int_eq(lb_admin_from_sync(&w, &back), 0);
		describe_regs(&v[i], 1, a, sizeof(a));
		describe_regs(&back, 1, b, sizeof(b));
		ck_assert_str_eq(a, b);
		ck_assert_int_eq(memcmp(&back.svc, &v[i].svc, sizeof(back.svc)),
				 0);
		ck_assert_int_eq(memcmp(back.addr, v[i].addr, 16), 0);
	}
}
END_TEST

/* ---- local edits: lb_state's edit API, then the registers it made ---- */

enum op_kind {
	SADD,
	SDEL,
	RADD,
	RDEL,
	DRAIN,
	UNDRAIN,
	DOWN,
	UP,
	WEIGHT,
	UNWEIGHT
};

struct op {
	enum op_kind k;
	const char *svc, *real;
	bool cfg;
	uint32_t v;
};

static const struct track_case {
	const char *name;
	struct op ops[6];
	const char *regs; /* what the last op stamped (ctr = op number) */
	const char *overlay;
} track_cases[] = {
	{ "drain",
	  { { DRAIN, S4, "10.20.0.11", false, 0 } },
	  S4 " 10.20.0.11 drain=1/0/0 @0.1.7\n",
	  "admin " S4 " 10.20.0.11 drain=1 down=0 weight=-\n" },
	{ "undrain: a tombstone",
	  { { DRAIN, S4, "10.20.0.11", false, 0 },
	    { UNDRAIN, S4, "10.20.0.11", false, 0 } },
	  S4 " 10.20.0.11 drain=0/0/0 @0.2.7\n",
	  "" },
	{ "drain again: no change, no stamp",
	  { { DRAIN, S4, "10.20.0.11", false, 0 },
	    { DRAIN, S4, "10.20.0.11", false, 0 } },
	  "",
	  "admin " S4 " 10.20.0.11 drain=1 down=0 weight=-\n" },
	{ "weight, then none",
	  { { WEIGHT, S4, "10.20.0.11", false, 5 },
	    { UNWEIGHT, S4, "10.20.0.11", false, 0 } },
	  S4 " 10.20.0.11 weight=-1/0/0 @0.2.7\n",
	  "" },
	{ "down and up",
	  { { DOWN, S6, "fd00::12", false, 0 },
	    { UP, S6, "fd00::12", false, 0 } },
	  "[2001:db8::10]:443/tcp fd00::12 down=0/0/0 @0.2.7\n",
	  "" },
	{ "add a service",
	  { { SADD, S4B, NULL, false, 257 } },
	  S4B " - presence=1/1/257 @0.1.7\n",
	  "svc+ " S4B " flags=1 ring=257\n" },
	{ "remove a config service with a drained real: tombstones",
	  { { DRAIN, S4, "10.20.0.11", false, 0 },
	    { SDEL, S4, NULL, true, 0 } },
	  S4 " - presence=2/0/0 @0.2.7\n" S4 " 10.20.0.11 drain=0/0/0 @0.2.7\n",
	  "svc- " S4 "\n" },
	{ "add back the config service: nothing of before comes back",
	  { { DRAIN, S4, "10.20.0.11", false, 0 },
	    { SDEL, S4, NULL, true, 0 },
	    { SADD, S4, NULL, true, 0 } },
	  S4 " - presence=0/0/0 @0.3.7\n",
	  "" },
	{ "add a real",
	  { { RADD, S4, "10.20.0.21", false, 3 } },
	  S4 " 10.20.0.21 presence=1/3/0 @0.1.7\n",
	  "real+ " S4 " 10.20.0.21 weight=3\n" },
	{ "remove a config real with an override",
	  { { WEIGHT, S4, "10.20.0.13", false, 2 },
	    { RDEL, S4, "10.20.0.13", true, 0 } },
	  S4 " 10.20.0.13 presence=2/0/0 @0.2.7\n" S4
	     " 10.20.0.13 weight=-1/0/0 @0.2.7\n",
	  "real- " S4 " 10.20.0.13\n" },
	{ "remove a run-time real: presence back to config",
	  { { RADD, S4, "10.20.0.21", false, 3 },
	    { RDEL, S4, "10.20.0.21", false, 0 } },
	  S4 " 10.20.0.21 presence=0/0/0 @0.2.7\n",
	  "" },
	{ "edits of one service leave another's registers alone",
	  { { DRAIN, S4B, "10.20.0.31", false, 0 },
	    { DOWN, S4, "10.20.0.11", false, 0 } },
	  S4 " 10.20.0.11 down=1/0/0 @0.2.7\n",
	  "admin " S4 " 10.20.0.11 drain=0 down=1 weight=-\n"
	  "admin " S4B " 10.20.0.31 drain=1 down=0 weight=-\n" },
};

static void apply(struct lb_state *st, const struct op *o)
{
	struct lb_state_real_ref r;
	struct lb_state_admin *a;

	if (o->real)
		r = ref(o->svc, o->real);
	else {
		memset(&r, 0, sizeof(r));
		r.svc = key(o->svc);
	}
	switch (o->k) {
	case SADD: {
		struct lb_state_svc s = { .svc = r.svc,
					  .flags = KEEL_SVC_F_PERSISTENT,
					  .ring_size = o->v };

		ck_assert_int_eq(lb_state_svc_add(st, &s, o->cfg), 0);
		return;
	}
	case SDEL:
		ck_assert_int_eq(lb_state_svc_del(st, &r.svc, o->cfg), 0);
		return;
	case RADD: {
		struct lb_state_real x = { .ref = r, .weight = o->v };

		ck_assert_int_eq(lb_state_real_add(st, &x, o->cfg), 0);
		return;
	}
	case RDEL:
		ck_assert_int_eq(lb_state_real_del(st, &r, o->cfg), 0);
		return;
	default:
		break;
	}
	a = lb_state_admin_get(st, &r, true);
	ck_assert_ptr_nonnull(a);
	if (o->k == DRAIN || o->k == UNDRAIN)
		a->drain = o->k == DRAIN;
	else if (o->k == DOWN || o->k == UP)
		a->down = o->k == DOWN;
	else {
		a->has_weight = o->k == WEIGHT;
		a->weight = o->k == WEIGHT ? o->v : 0;
	}
	lb_state_admin_compact(st);
}

START_TEST(test_track)
{
	const struct track_case *c = &track_cases[_i];
	struct lb_state st = { 0 }, ov = { 0 };
	struct lb_admin a = { 0 };
	struct lb_admin_reg *out = NULL, *prev = NULL;
	char got[2048], want[2048];
	size_t n = 0;
	int i;

	for (i = 0; i < N(c->ops) && c->ops[i].svc; i++) {
		struct keel_vip_key k = key(c->ops[i].svc);

		apply(&st, &c->ops[i]);
		free(out);
		free(prev);
		out = prev = NULL;
		n = 0;
		/* The wall clock stands still: the counter orders. */
		ck_assert_int_eq(
			lb_admin_track(&a, &st, &k, 7, 0, &out, &n, &prev), 0);
	}
	describe_regs(out, n, got, sizeof(got));
	ck_assert_msg(!strcmp(got, c->regs), "%s:\ngot:\n%swant:\n%s", c->name,
		      got, c->regs);
	/* The registers imply the overlay the v1 edits made. */
	ck_assert_int_eq(lb_admin_overlay(&a, &ov), 0);
	describe(&ov, got, sizeof(got));
	describe(&st, want, sizeof(want));
	ck_assert_msg(!strcmp(got, want), "%s: overlay\n%s\nv1:\n%s", c->name,
		      got, want);
	ck_assert_msg(!strcmp(got, c->overlay), "%s: overlay\n%s", c->name,
		      got);
	/* Undo puts the registers back as they were before the last op. */
	if (n) {
		uint8_t g[32];

		memcpy(g, a.global, 32);
		lb_admin_undo(&a, prev, n);
		for (i = 0; i < (int)n; i++) {
			const struct lb_admin_reg *h =
				lb_admin_get(&a, &out[i]);

			if (!prev[i].at.node)
				ck_assert_ptr_null(h);
			else
				ck_assert(h &&
					  !keel_stamp_cmp(&h->at, &prev[i].at));
		}
		ck_assert(memcmp(g, a.global, 32));
	}
	free(out);
	free(prev);
	lb_state_free(&st);
	lb_state_free(&ov);
	lb_admin_free(&a);
}
END_TEST

/* ---- state file version 2 ---- */

static const char v2_full[] =
	"{\"version\": 2, \"hlc\": [1763800000123, 4],\n"
	" \"services\": [{\"service\": \"" S6 "\", \"presence\": \"added\",\n"
	"   \"persistent\": false, \"ring_size\": 65537,"
	" \"at\": [1763800000123, 0, 1]},\n"
	"  {\"service\": \"" S4B "\", \"presence\": \"removed\","
	" \"at\": [1763800000000, 2, 2]}],\n"
	" \"reals\": [{\"service\": \"" S4 "\", \"real\": \"10.20.0.11\",\n"
	"   \"drain\": true, \"drain_at\": [1763800000123, 1, 2],\n"
	"   \"weight\": null, \"weight_at\": [1763790000000, 0, 1]},\n"
	"  {\"service\": \"" S4 "\", \"real\": \"10.20.0.21\","
	" \"presence\": \"added\", \"real_weight\": 3,"
	" \"presence_at\": [1763800000001, 0, 1],"
	" \"down\": false, \"down_at\": [1763800000002, 0, 1]},\n"
	"  {\"service\": \"" S4 "\", \"real\": \"10.20.0.13\","
	" \"presence\": \"removed\", \"presence_at\": [5, 0, 1],"
	" \"drain\": true, \"drain_at\": [4, 0, 1]},\n"
	"  {\"service\": \"" S4B "\", \"real\": \"10.20.0.31\","
	" \"down\": true, \"down_at\": [1, 0, 1]}],\n"
	" \"site\": {\"drained\": true, \"since\": 1763800000, \"reason\": \"x\"}}\n";

START_TEST(test_v2_good)
{
	struct lb_admin a, back;
	struct lb_state_site site, site2;
	struct lb_state ov = { 0 };
	char err[256], got[4096], *text, *again;

	ck_assert_msg(lb_admin_parse(v2_full, strlen(v2_full), &a, &site, err,
				     sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(a.n_regs, 9);
	ck_assert_uint_eq(a.hlc, keel_hlc_pack(1763800000123ULL, 4));
	ck_assert(site.drained && site.has_since && !strcmp(site.reason, "x"));
	all_regs(&a, got, sizeof(got));
	ck_assert_str_eq(got,
			 S6 " - presence=1/0/65537 @123.0.1\n" S4
			    " 10.20.0.11 drain=1/0/0 @123.1.2\n" S4
			    " 10.20.0.11 weight=-1/0/0 @1763790000000.0.1\n" S4
			    " 10.20.0.13 presence=2/0/0 @5.0.1\n" S4
			    " 10.20.0.13 drain=1/0/0 @4.0.1\n" S4
			    " 10.20.0.21 presence=1/3/0 @1.0.1\n" S4
			    " 10.20.0.21 down=0/0/0 @2.0.1\n" S4B
			    " - presence=2/0/0 @0.2.2\n" S4B
			    " 10.20.0.31 down=1/0/0 @1.0.1\n");
	/* Orphans (under a removed service, of a removed real) do nothing. */
	ck_assert_int_eq(lb_admin_overlay(&a, &ov), 0);
	describe(&ov, got, sizeof(got));
	ck_assert_str_eq(got,
			 "admin " S4 " 10.20.0.11 drain=1 down=0 weight=-\n"
			 "real+ " S4 " 10.20.0.21 weight=3\n"
			 "real- " S4 " 10.20.0.13\n"
			 "svc+ " S6 " flags=0 ring=65537\n"
			 "svc- " S4B "\n");
	/* Round trip: dump, parse, equal, and the same text again. */
	ck_assert_int_eq(lb_admin_dump_text(&a, &site, &text), 0);
	ck_assert_msg(lb_admin_parse(text, strlen(text), &back, &site2, err,
				     sizeof(err)) == 0,
		      "%s", err);
	ck_assert(lb_admin_equal(&a, &back));
	ck_assert(!memcmp(a.global, back.global, 32));
	ck_assert_int_eq(lb_admin_dump_text(&back, &site2, &again), 0);
	ck_assert_str_eq(text, again);
	free(text);
	free(again);
	lb_state_free(&ov);
	lb_admin_free(&a);
	lb_admin_free(&back);
}
END_TEST

#define V2(m) "{\"version\": 2, \"hlc\": [1, 0]" m "}"
#define R4(m)                                                                 \
	V2(", \"reals\": [{\"service\": \"" S4 "\", \"real\": \"10.0.0.1\"" m \
	   "}]")
#define SV(m) V2(", \"services\": [{\"service\": \"" S4 "\"" m "}]")
#define AT ", \"at\": [1, 0, 1]"

static const struct v2_bad {
	const char *json, *msg;
} v2_bad[] = {
	{ "{\"version\": 2}", "hlc: missing" },
	{ "{\"hlc\": [1, 0]}", "version: missing" },
	{ "{\"version\": 3, \"hlc\": [1, 0]}", "version: must be 2" },
	{ "[]", "the file must hold a JSON object" },
	{ V2(", \"x\": 1"), "x: unknown member" },
	{ "{\"version\": 2, \"hlc\": [1]}", "hlc: must be [ms, counter]" },
	{ "{\"version\": 2, \"hlc\": [1, 65536]}",
	  "hlc: must be [ms, counter]" },
	{ "{\"version\": 2, \"hlc\": [-1, 0]}", "hlc: must be [ms, counter]" },
	{ "{\"version\": 2, \"hlc\": [281474976710656, 0]}",
	  "hlc: must be [ms, counter]" },
	{ "{\"version\": 2, \"hlc\": \"1\"}", "hlc: must be [ms, counter]" },
	{ V2(", \"services\": {}"), "services: must be an array" },
	{ V2(", \"reals\": [1]"), "reals[0]: must be an object" },
	{ SV(", \"presence\": \"added\""), "services[0].at: missing" },
	{ SV(", \"presence\": \"added\", \"at\": [1, 0]"),
	  "services[0].at: must be [ms, counter, node]" },
	{ SV(", \"presence\": \"added\", \"at\": [1, 0, 0]"),
	  "services[0].at: must be [ms, counter, node]" },
	{ SV(", \"presence\": \"added\", \"at\": [1, 0, 65536]"),
	  "services[0].at: must be [ms, counter, node]" },
	{ SV(", \"presence\": \"added\", \"at\": [1, 1.5, 1]"),
	  "services[0].at: must be [ms, counter, node]" },
	{ SV(AT), "services[0].presence: missing" },
	{ SV(", \"presence\": \"gone\"" AT),
	  "services[0].presence: must be \"config\", \"added\" or \"removed\"" },
	{ SV(", \"presence\": \"removed\", \"persistent\": true" AT),
	  "services[0].persistent: only when added" },
	{ SV(", \"presence\": \"added\", \"persistent\": 1" AT),
	  "services[0].persistent: must be true or false" },
	{ SV(", \"presence\": \"added\", \"ring_size\": 65536" AT),
	  "services[0].ring_size: must be a prime 2..1048573 (e.g. 65537)" },
	{ SV(", \"presence\": \"config\", \"ring_size\": 257" AT),
	  "services[0].ring_size: only when added" },
	{ SV(", \"presence\": \"added\", \"drain\": true" AT),
	  "services[0].drain: unknown member" },
	{ V2(", \"services\": [{\"presence\": \"added\"" AT "}]"),
	  "services[0].service: missing" },
	{ V2(", \"services\": [{\"service\": \"x\", \"presence\": \"added\"" AT
	     "}]"),
	  "services[0].service: not a service (ADDR:PORT/PROTO)" },
	{ V2(", \"services\": [{\"service\": \"" S4
	     "\", \"presence\": \"added\"" AT "}, {\"service\": \"" S4
	     "\", \"presence\": \"removed\"" AT "}]"),
	  "services[1]: duplicate of an earlier entry" },
	{ R4(""), "reals[0]: holds no register" },
	{ R4(", \"drain\": true"), "reals[0].drain_at: missing" },
	{ R4(", \"drain_at\": [1, 0, 1]"),
	  "reals[0].drain: missing (drain_at is given)" },
	{ R4(", \"drain\": true, \"drain_at\": [1, 0]"),
	  "reals[0].drain_at: must be [ms, counter, node]" },
	{ R4(", \"drain\": true, \"drain_at\": \"now\""),
	  "reals[0].drain_at: must be [ms, counter, node]" },
	{ R4(", \"down\": 1, \"down_at\": [1, 0, 1]"),
	  "reals[0].down: must be true or false" },
	{ R4(", \"weight\": 65536, \"weight_at\": [1, 0, 1]"),
	  "reals[0].weight: must be an integer 0..65535 or null" },
	{ R4(", \"weight\": 5"), "reals[0].weight_at: missing" },
	{ R4(", \"presence\": \"removed\", \"real_weight\": 3, \"presence_at\": [1, 0, 1]"),
	  "reals[0].real_weight: only when added" },
	{ R4(", \"real_weight\": 3, \"drain\": true, \"drain_at\": [1, 0, 1]"),
	  "reals[0].real_weight: only when added" },
	{ R4(", \"presence\": \"added\", \"real_weight\": 65536, \"presence_at\": [1, 0, 1]"),
	  "reals[0].real_weight: must be an integer 0..65535" },
	{ R4(", \"at\": [1, 0, 1]"), "reals[0].at: unknown member" },
	{ V2(", \"reals\": [{\"service\": \"" S4
	     "\", \"real\": \"fd00::1\", \"down\": true, \"down_at\": [1, 0, 1]}]"),
	  "reals[0].real: address family differs from the service's" },
	{ V2(", \"reals\": [{\"service\": \"" S4
	     "\", \"real\": \"10.0.0.300\", \"down\": true, \"down_at\": [1, 0, 1]}]"),
	  "reals[0].real: not an IPv4 or IPv6 address" },
	{ V2(", \"reals\": [{\"service\": \"" S4
	     "\", \"down\": true, \"down_at\": [1, 0, 1]}]"),
	  "reals[0].real: missing" },
	{ V2(", \"reals\": [{\"service\": \"" S4
	     "\", \"real\": \"10.0.0.1\", \"down\": true, \"down_at\": [1, 0, 1]},"
	     " {\"service\": \"" S4
	     "\", \"real\": \"10.0.0.1\", \"down\": false, \"down_at\": [2, 0, 1]}]"),
	  "reals[1]: duplicate of an earlier entry" },
	{ V2(", \"site\": {\"drained\": 1}"),
	  "site.drained: must be true or false" },
	{ "{\"version\": 2, \"version\": 2, \"hlc\": [1, 0]}",
	  "line 1 column 24: duplicate object key near '\"version\"'" },
};

START_TEST(test_v2_bad)
{
	const struct v2_bad *c = &v2_bad[_i];
	struct lb_state_site site;
	struct lb_admin a;
	char err[256];

	ck_assert_int_eq(lb_admin_parse(c->json, strlen(c->json), &a, &site,
					err, sizeof(err)),
			 -EBADMSG);
	ck_assert_msg(!strcmp(err, c->msg), "%s\ngot:  %s\nwant: %s", c->json,
		      err, c->msg);
	ck_assert(!a.n && !a.svcs && !a.n_regs && !site.drained);
}
END_TEST

/* Every prefix of a valid v2 file is refused whole: nothing half-applied. */
START_TEST(test_v2_truncated)
{
	struct lb_state_site site;
	struct lb_admin a, full;
	size_t len = strlen(v2_full), end, i;
	char err[256];

	ck_assert_int_eq(lb_admin_parse(v2_full, len, &full, &site, err,
					sizeof(err)),
			 0);
	end = strrchr(v2_full, '}') - v2_full + 1;
	for (i = 0; i <= len; i++) {
		int ret =
			lb_admin_parse(v2_full, i, &a, &site, err, sizeof(err));

		if (i < end) {
			ck_assert_msg(ret == -EBADMSG, "prefix %zu: %d", i,
				      ret);
			ck_assert(!a.n && !a.svcs && !site.drained);
		} else {
			ck_assert_msg(ret == 0, "prefix %zu: %s", i, err);
			ck_assert(lb_admin_equal(&a, &full));
			lb_admin_free(&a);
		}
	}
	lb_admin_free(&full);
}
END_TEST

/* ---- migration v1 -> v2 ---- */

static const char v1_full[] =
	"{\"version\": 1,\n"
	" \"admin\": [{\"service\": \"" S4 "\", \"real\": \"10.20.0.11\","
	" \"drain\": true, \"down\": false, \"weight\": 5},\n"
	"   {\"service\": \"" S6
	"\", \"real\": \"fd00::12\", \"down\": true}],\n"
	" \"services_added\": [{\"service\": \"" S4B "\", \"persistent\": true,"
	" \"ring_size\": 65537}],\n"
	" \"services_removed\": [\"203.0.113.30:53/udp\"],\n"
	" \"reals_added\": [{\"service\": \"" S4B
	"\", \"real\": \"10.20.0.21\","
	" \"weight\": 3}],\n"
	" \"reals_removed\": [{\"service\": \"" S4
	"\", \"real\": \"10.20.0.13\"}],\n"
	" \"site\": {\"drained\": true, \"since\": 1763800000,"
	" \"reason\": \"power work\"}}\n";

/* What lbd without pair: writes for v1_full: byte for byte as before. */
static const char v1_dump[] = "{\n"
			      "  \"version\": 1,\n"
			      "  \"site\": {\n"
			      "    \"drained\": true,\n"
			      "    \"since\": 1763800000,\n"
			      "    \"reason\": \"power work\"\n"
			      "  },\n"
			      "  \"admin\": [\n"
			      "    {\n"
			      "      \"service\": \"203.0.113.10:443/tcp\",\n"
			      "      \"real\": \"10.20.0.11\",\n"
			      "      \"drain\": true,\n"
			      "      \"down\": false,\n"
			      "      \"weight\": 5\n"
			      "    },\n"
			      "    {\n"
			      "      \"service\": \"[2001:db8::10]:443/tcp\",\n"
			      "      \"real\": \"fd00::12\",\n"
			      "      \"drain\": false,\n"
			      "      \"down\": true\n"
			      "    }\n"
			      "  ],\n"
			      "  \"services_added\": [\n"
			      "    {\n"
			      "      \"service\": \"203.0.113.20:80/tcp\",\n"
			      "      \"persistent\": true,\n"
			      "      \"ring_size\": 65537\n"
			      "    }\n"
			      "  ],\n"
			      "  \"services_removed\": [\n"
			      "    \"203.0.113.30:53/udp\"\n"
			      "  ],\n"
			      "  \"reals_added\": [\n"
			      "    {\n"
			      "      \"service\": \"203.0.113.20:80/tcp\",\n"
			      "      \"real\": \"10.20.0.21\",\n"
			      "      \"weight\": 3\n"
			      "    }\n"
			      "  ],\n"
			      "  \"reals_removed\": [\n"
			      "    {\n"
			      "      \"service\": \"203.0.113.10:443/tcp\",\n"
			      "      \"real\": \"10.20.0.13\"\n"
			      "    }\n"
			      "  ]\n"
			      "}";

START_TEST(test_v1_dump_unchanged)
{
	struct lb_state st;
	char err[256], *text;

	ck_assert_msg(lb_state_parse(v1_full, strlen(v1_full), &st, err,
				     sizeof(err)) == 0,
		      "%s", err);
	text = lb_state_dump(&st);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, v1_dump);
	free(text);
	lb_state_free(&st);
}
END_TEST

START_TEST(test_migrate)
{
	struct keel_stamp at = { keel_hlc_pack(MS + 42, 0), 3 };
	struct lb_state st, ov = { 0 };
	struct lb_admin a = { 0 };
	char err[256], got[4096], want[4096];

	ck_assert_int_eq(lb_state_parse(v1_full, strlen(v1_full), &st, err,
					sizeof(err)),
			 0);
	ck_assert_int_eq(lb_admin_from_state(&a, &st, at), 0);
	all_regs(&a, got, sizeof(got));
	ck_assert_str_eq(got,
			 S6 " fd00::12 down=1/0/0 @42.0.3\n" S4
			    " 10.20.0.11 drain=1/0/0 @42.0.3\n" S4
			    " 10.20.0.11 weight=5/0/0 @42.0.3\n" S4
			    " 10.20.0.13 presence=2/0/0 @42.0.3\n" S4B
			    " - presence=1/1/65537 @42.0.3\n" S4B
			    " 10.20.0.21 presence=1/3/0 @42.0.3\n"
			    "203.0.113.30:53/udp - presence=2/0/0 @42.0.3\n");
	ck_assert_uint_eq(a.hlc, at.hlc);
	ck_assert_int_eq(lb_admin_overlay(&a, &ov), 0);
	describe(&ov, got, sizeof(got));
	describe(&st, want, sizeof(want));
	ck_assert_str_eq(got, want);
	/* The site is not a register: the overlay keeps the one it had. */
	ck_assert(!ov.site.drained);
	lb_state_free(&st);
	lb_state_free(&ov);
	lb_admin_free(&a);
}
END_TEST

/* ---- digests ---- */

START_TEST(test_digests)
{
	int n, i, j;
	const struct lb_admin_reg *v = sync_rows(&n);
	struct lb_admin a = { 0 }, b = { 0 };
	struct keel_sync_digest d[8];
	uint8_t x[16], y[16], zero[32] = { 0 };
	size_t nd;

	/* The same registers in opposite orders: the same digests. */
	for (i = 0; i < n; i++)
		ck_assert_int_eq(lb_admin_merge(&a, &v[i], 1, NULL, NULL, NULL),
				 0);
	for (i = n - 1; i >= 0; i--)
		ck_assert_int_eq(lb_admin_merge(&b, &v[i], 1, NULL, NULL, NULL),
				 0);
	ck_assert(!memcmp(a.global, b.global, 32));
	ck_assert(memcmp(a.global, zero, 32));
	nd = lb_admin_digests(&a, d, 8);
	ck_assert_uint_eq(nd, 3); /* S4, S4B, S6 */
	for (i = 0; i < (int)nd; i++) {
		struct keel_vip_key k = lb_admin_key_from_sync(&d[i].svc);

		ck_assert(lb_admin_svc_digest(&b, &k, x));
		ck_assert(!memcmp(x, d[i].digest, 16));
	}
	ck_assert_uint_eq(lb_admin_digests(&a, d, 2), 2);
	/* One change: that service's digest and the global change, no other. */
	{
		struct lb_admin_reg c = v[3];
		struct keel_vip_key k4 = key(S4);
		uint8_t g[32];

		memcpy(g, a.global, 32);
		ck_assert(lb_admin_svc_digest(&a, &k4, y));
		c.at.hlc++;
		ck_assert_int_eq(lb_admin_merge(&a, &c, 1, NULL, NULL, NULL),
				 0);
		ck_assert(memcmp(g, a.global, 32));
		ck_assert(lb_admin_svc_digest(&a, &k4, x));
		ck_assert(!memcmp(x, y, 16));
		ck_assert(lb_admin_svc_digest(&a, &c.svc, x));
		ck_assert(lb_admin_svc_digest(&b, &c.svc, y));
		ck_assert(memcmp(x, y, 16));
		/* The other side catches up: equal again. */
		ck_assert_int_eq(lb_admin_merge(&b, &c, 1, NULL, NULL, NULL),
				 0);
		ck_assert(!memcmp(a.global, b.global, 32));
	}
	/* A stamp alone differs: the digest says so (stamps included). */
	for (j = 0; j < 2; j++) {
		struct lb_admin p = { 0 }, q = { 0 };
		struct lb_admin_reg r1 = v[2], r2 = v[2];

		r2.at.node += j + 1;
		ck_assert_int_eq(lb_admin_merge(&p, &r1, 1, NULL, NULL, NULL),
				 0);
		ck_assert_int_eq(lb_admin_merge(&q, &r2, 1, NULL, NULL, NULL),
				 0);
		ck_assert(memcmp(p.global, q.global, 32));
		lb_admin_free(&p);
		lb_admin_free(&q);
	}
	lb_admin_free(&a);
	lb_admin_free(&b);
}
END_TEST

/* ---- two LBs ---- */

/* A's and B's edits, then each merges the other's in the order given. */
static void exchange(struct lb_admin *a, const struct lb_admin_reg *from_b,
		     size_t nb, struct lb_admin *b,
		     const struct lb_admin_reg *from_a, size_t na, bool reverse)
{
	size_t i;

	for (i = 0; i < nb; i++)
		ck_assert_int_eq(
			lb_admin_merge(a, &from_b[reverse ? nb - 1 - i : i], 1,
				       NULL, NULL, NULL),
			0);
	for (i = 0; i < na; i++)
		ck_assert_int_eq(
			lb_admin_merge(b, &from_a[reverse ? na - 1 - i : i], 1,
				       NULL, NULL, NULL),
			0);
}

START_TEST(test_two_lbs)
{
	struct lb_state sa = { 0 }, sb = { 0 }, oa = { 0 }, ob = { 0 };
	struct lb_admin a = { 0 }, b = { 0 }, back;
	struct lb_admin_reg *ra = NULL, *rb = NULL, old;
	struct lb_state_site site = { 0 }, site2;
	struct keel_vip_key k = key(S4);
	char ga[4096], gb[4096], err[256], *text;
	size_t na = 0, nb = 0, i;
	bool changed;
	bool reverse = _i;

	/* During a link cut: a drain on A, a weight on B, one real. */
	apply(&sa, &(struct op){ DRAIN, S4, "10.20.0.11", false, 0 });
	ck_assert_int_eq(
		lb_admin_track(&a, &sa, &k, 1, MS + 100, &ra, &na, NULL), 0);
	apply(&sb, &(struct op){ WEIGHT, S4, "10.20.0.11", false, 9 });
	ck_assert_int_eq(
		lb_admin_track(&b, &sb, &k, 2, MS + 200, &rb, &nb, NULL), 0);
	/* Conflicting downs on another real: B's is later by the clock. */
	apply(&sa, &(struct op){ DOWN, S4, "10.20.0.12", false, 0 });
	ck_assert_int_eq(
		lb_admin_track(&a, &sa, &k, 1, MS + 300, &ra, &na, NULL), 0);
	apply(&sb, &(struct op){ DOWN, S4, "10.20.0.12", false, 0 });
	ck_assert_int_eq(
		lb_admin_track(&b, &sb, &k, 2, MS + 250, &rb, &nb, NULL), 0);
	apply(&sb, &(struct op){ UP, S4, "10.20.0.12", false, 0 });
	ck_assert_int_eq(
		lb_admin_track(&b, &sb, &k, 2, MS + 400, &rb, &nb, NULL), 0);
	/* A service added on A only, with a real added on B under it. */
	{
		struct keel_vip_key k6 = key(S6);

		apply(&sa, &(struct op){ SADD, S6, NULL, false, 0 });
		ck_assert_int_eq(lb_admin_track(&a, &sa, &k6, 1, MS + 500, &ra,
						&na, NULL),
				 0);
		apply(&sb, &(struct op){ RADD, S6, "fd00::1", false, 4 });
		ck_assert_int_eq(lb_admin_track(&b, &sb, &k6, 2, MS + 600, &rb,
						&nb, NULL),
				 0);
	}
	exchange(&a, rb, nb, &b, ra, na, reverse);
	/* Same registers, same digests, same overlays. */
	all_regs(&a, ga, sizeof(ga));
	all_regs(&b, gb, sizeof(gb));
	ck_assert_str_eq(ga, gb);
	ck_assert(!memcmp(a.global, b.global, 32));
	ck_assert_int_eq(lb_admin_overlay(&a, &oa), 0);
	ck_assert_int_eq(lb_admin_overlay(&b, &ob), 0);
	describe(&oa, ga, sizeof(ga));
	describe(&ob, gb, sizeof(gb));
	ck_assert_str_eq(ga, gb);
	/* Both edits survive (per field), and the later down wins. */
	ck_assert_str_eq(ga, "admin " S4 " 10.20.0.11 drain=1 down=0 weight=9\n"
			     "real+ " S6 " fd00::1 weight=4\n"
			     "svc+ " S6 " flags=1 ring=0\n");
	/* A replayed older register changes nothing. */
	old = ra[0];
	ck_assert_int_eq(lb_admin_merge(&b, &old, 1, &changed, NULL, NULL), 0);
	ck_assert(!changed);
	old.value = 0;
	old.at.hlc--;
	ck_assert_int_eq(lb_admin_merge(&b, &old, 1, &changed, NULL, NULL), 0);
	ck_assert(!changed);
	ck_assert(!memcmp(a.global, b.global, 32));
	/* A later edit on A after seeing B's: it wins whatever the clock. */
	apply(&oa, &(struct op){ UNWEIGHT, S4, "10.20.0.11", false, 0 });
	free(ra);
	ra = NULL;
	na = 0;
	ck_assert_int_eq(lb_admin_track(&a, &oa, &k, 1, MS, &ra, &na, NULL), 0);
	ck_assert_uint_eq(na, 1);
	ck_assert_uint_gt(ra[0].at.hlc, keel_hlc_pack(MS + 600, 0));
	ck_assert_int_eq(lb_admin_merge(&b, ra, na, &changed, NULL, NULL), 0);
	ck_assert(changed);
	ck_assert(!memcmp(a.global, b.global, 32));
	/* Restart: dump and parse keep everything, tombstones too. */
	for (i = 0; i < 2; i++) {
		struct lb_admin *x = i ? &b : &a;

		ck_assert_int_eq(lb_admin_dump_text(x, &site, &text), 0);
		ck_assert_msg(lb_admin_parse(text, strlen(text), &back, &site2,
					     err, sizeof(err)) == 0,
			      "%s", err);
		ck_assert(!memcmp(back.global, x->global, 32));
		ck_assert_uint_eq(back.n_regs, x->n_regs);
		all_regs(&back, gb, sizeof(gb));
		all_regs(x, ga, sizeof(ga));
		ck_assert_str_eq(ga, gb);
		ck_assert(strstr(ga, "10.20.0.12 down=0/0/0")); /* tombstone */
		ck_assert_uint_ge(back.hlc, x->hlc);
		free(text);
		lb_admin_free(&back);
	}
	free(ra);
	free(rb);
	lb_state_free(&sa);
	lb_state_free(&sb);
	lb_state_free(&oa);
	lb_state_free(&ob);
	lb_admin_free(&a);
	lb_admin_free(&b);
}
END_TEST

/* ---- the file ---- */

static char tmpdir[64];

static void files_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_lb_admin.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void files_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void spit(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	close(fd);
}

START_TEST(test_files)
{
	struct timeval tv[2] = { { 1763800000, 250000 },
				 { 1763800000, 250000 } };
	struct lb_state st, want;
	struct lb_admin a, b;
	char path[128], kept[160], err[256], x[4096], y[4096];
	int64_t mtime;
	int version;

	snprintf(path, sizeof(path), "%s/lbd.state", tmpdir);
	snprintf(kept, sizeof(kept), "%s.v1", path);
	ck_assert_int_eq(lb_admin_load(path, &st, &a, &version, &mtime, err,
				       sizeof(err)),
			 -ENOENT);
	/* Version 1: read as v1, mtime for the migration's stamps. */
	spit(path, v1_full);
	ck_assert_int_eq(utimes(path, tv), 0);
	ck_assert_msg(lb_admin_load(path, &st, &a, &version, &mtime, err,
				    sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(version, 1);
	ck_assert_int_eq(mtime, 1763800000250LL);
	ck_assert_uint_eq(a.n_regs, 0);
	ck_assert_int_eq(lb_state_parse(v1_full, strlen(v1_full), &want, err,
					sizeof(err)),
			 0);
	ck_assert(lb_state_equal(&st, &want));
	lb_state_free(&want);
	/* Kept once. */
	ck_assert_int_eq(lb_admin_keep_v1(path), 0);
	ck_assert_int_eq(lb_admin_keep_v1(path), -EEXIST);
	ck_assert_int_eq(
		lb_admin_from_state(
			&a, &st,
			(struct keel_stamp){ keel_hlc_pack(mtime, 0), 1 }),
		0);
	ck_assert_int_eq(lb_admin_save(path, &a, &st.site), 0);
	/* Version 2 back: the registers, the overlay, the site. */
	ck_assert_msg(lb_admin_load(path, &want, &b, &version, &mtime, err,
				    sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(version, 2);
	ck_assert(lb_admin_equal(&a, &b));
	describe(&st, x, sizeof(x));
	describe(&want, y, sizeof(y));
	ck_assert_str_eq(x, y);
	ck_assert(want.site.drained && !strcmp(want.site.reason, "power work"));
	lb_state_free(&want);
	lb_admin_free(&b);
	/* The v1 file kept is the original. */
	ck_assert_int_eq(lb_admin_load(kept, &want, &b, &version, &mtime, err,
				       sizeof(err)),
			 0);
	ck_assert_int_eq(version, 1);
	lb_state_free(&want);
	/* A corrupt v2 file: refused whole with the reason. */
	spit(path, "{\"version\": 2, \"hlc\": [1, 0], \"reals\": "
		   "[{\"service\": \"" S4 "\", \"real\": \"10.0.0.1\","
		   " \"drain\": true, \"drain_at\": [1, 0]}]}");
	ck_assert_int_eq(lb_admin_load(path, &want, &b, &version, &mtime, err,
				       sizeof(err)),
			 -EBADMSG);
	ck_assert_str_eq(err, "reals[0].drain_at: must be [ms, counter, node]");
	ck_assert(!b.n && !want.n_admin);
	/* Not JSON at all: v1's parser gives the reason. */
	spit(path, "{\"version\": 2,");
	ck_assert_int_eq(lb_admin_load(path, &want, &b, &version, &mtime, err,
				       sizeof(err)),
			 -EBADMSG);
	ck_assert(strstr(err, "line 1"));
	lb_state_free(&st);
	lb_admin_free(&a);
}
END_TEST

/* The clock resumes above what the file holds, and above the wall. */
/*
 * Tombstones are kept, so a store can outgrow what lb_admin_parse() takes
 * (KEEL_MAX_REALS reals): the dump refuses it (the change is refused)
 * rather than write a file the next start would refuse.
 */
START_TEST(test_dump_limit)
{
	struct lb_admin a = { 0 }, b = { 0 };
	struct lb_admin_reg r;
	struct lb_state_site site = { 0 };
	char svc[64], addr[32], *text = NULL, err[256];
	bool changed;
	uint32_t i;

	for (i = 0; i < KEEL_MAX_REALS; i++) {
		snprintf(svc, sizeof(svc), "203.0.113.10:%u/tcp", 1 + i / 256);
		snprintf(addr, sizeof(addr), "10.%u.%u.%u", 20 + i / 65536,
			 i / 256 % 256, i % 256);
		r = reg(svc, addr, LB_ADMIN_DRAIN, 1, 0, MS + i, 0, 1);
		ck_assert_int_eq(
			lb_admin_merge(&a, &r, 1, &changed, NULL, NULL), 0);
	}
	ck_assert_int_eq(lb_admin_dump_text(&a, &site, &text), 0);
	ck_assert_int_eq(lb_admin_parse(text, strlen(text), &b, &site, err,
					sizeof(err)),
			 0);
	free(text);
	text = NULL;
	r = reg("203.0.113.10:9999/tcp", "10.99.0.1", LB_ADMIN_DRAIN, 1, 0, MS,
		0, 1);
	ck_assert_int_eq(lb_admin_merge(&a, &r, 1, &changed, NULL, NULL), 0);
	ck_assert_int_eq(lb_admin_dump_text(&a, &site, &text), -ENOSPC);
	ck_assert_ptr_null(text);
	lb_admin_free(&a);
	lb_admin_free(&b);
}
END_TEST

START_TEST(test_clock_start)
{
	struct lb_admin a = { 0 };

	a.hlc = keel_hlc_pack(MS + 5000, 7);
	lb_admin_clock_start(&a, MS);
	ck_assert_uint_eq(a.hlc, keel_hlc_pack(MS + 5000, 7));
	lb_admin_clock_start(&a, MS + 9000);
	ck_assert_uint_eq(a.hlc, keel_hlc_pack(MS + 9000, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lb_admin");
	TCase *tr = tcase_create("registers");
	TCase *tv = tcase_create("v2");
	TCase *tf = tcase_create("files");

	if (sodium_init() < 0)
		return 1;
	tcase_add_loop_test(tr, test_merge, 0, N(merge_cases));
	tcase_add_test(tr, test_merge_refuses);
	tcase_add_test(tr, test_reg_check);
	tcase_add_test(tr, test_sync_round_trip);
	tcase_add_loop_test(tr, test_track, 0, N(track_cases));
	tcase_add_test(tr, test_digests);
	tcase_add_loop_test(tr, test_two_lbs, 0, 2);
	tcase_add_test(tr, test_clock_start);
	suite_add_tcase(s, tr);

	tcase_add_test(tv, test_v2_good);
	tcase_add_loop_test(tv, test_v2_bad, 0, N(v2_bad));
	tcase_add_test(tv, test_v2_truncated);
	tcase_add_test(tv, test_v1_dump_unchanged);
	tcase_add_test(tv, test_dump_limit);
	tcase_add_test(tv, test_migrate);
	suite_add_tcase(s, tv);

	tcase_add_checked_fixture(tf, files_setup, files_teardown);
	tcase_add_test(tf, test_files);
	suite_add_tcase(s, tf);
	return check_run(s);
}
