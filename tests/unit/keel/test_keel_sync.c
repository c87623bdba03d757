// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_keel_sync.c - keel_sync.c, the pair's wire codec: each body type
 * against hand-written bytes and back (parse(encode(x)) == x and the same
 * bytes again), one row per malformed reason (each a mutation of a valid
 * body that must be refused with outputs zeroed), the frame's checks, the
 * AEAD (a flipped header, ciphertext or tag byte, the wrong key), the
 * record writer filling a body to the byte, and the replay window.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sodium.h>

#include "check_run.h"
#include "keel_sync.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t key1[KEEL_SYNC_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t key2[KEEL_SYNC_KEY_LEN] = { 8, 7, 6, 5, 4, 3, 2, 1 };

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* ---- golden bodies ---- */

/* 10.0.0.1:40000 -> 192.0.2.10:443/tcp via real 10.1.0.5, NEW. */
static const struct keel_sync_rec rec4 = {
	.kind = KEEL_SYNC_NEW,
	.family = 4,
	.proto = 6,
	.cport = 40000,
	.vport = 443,
	.client = { 10, 0, 0, 1 },
	.vip = { 192, 0, 2, 10 },
	.real = { 10, 1, 0, 5 },
};

static const uint8_t flows_golden[] = {
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0xf4, /* 1 rec, 500 us */
	0x01, 0x04, 0x06, 0x00, 0x9c, 0x40, 0x01, 0xbb, /* NEW v4 tcp ports */
	0x00, 0x00, 0x00, 0x00, /* idle, reserved */
	10,   0,    0,	  1,	192,  0,    2,	  10,	10, 1, 0, 5,
};

static const struct keel_sync_bulk_req breq = {
	.bulk_id = 0x01020304,
	.page = 2,
	.cursor = 0x1122334455667788ULL,
	.max = 1024,
};
static const uint8_t breq_golden[] = {
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x02, 0x11, 0x22,
	0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x04, 0x00, 0x00, 0x00,
};

/* A macro too: C11 takes no const object as a static initializer. */
#define SVC4                                                        \
	{                                                           \
		.addr = { 192, 0, 2, 10 }, .port = 443, .proto = 6, \
		.family = 4,                                        \
	}
static const struct keel_sync_svc svc4 = SVC4;

/* real 10.1.0.5 of 192.0.2.10:443/tcp drained at hlc 0x...0102 by node 2 */
static const struct keel_sync_reg reg_drain = {
	.object = KEEL_SYNC_OBJ_REAL,
	.field = KEEL_SYNC_FIELD_DRAIN,
	.node = 2,
	.hlc = 0x0000019a00000102ULL,
	.svc = SVC4,
	.real = { 10, 1, 0, 5 },
	.value = 1,
};
static const uint8_t admin_golden[] = {
	0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, /* 1 reg, REPLY */
	0x02, 0x02, 0x00, 0x02, 0x00, 0x00, 0x01, 0x9a, 0x00, 0x00, 0x01,
	0x02, 192,  0,	  2,	10,   0,    0,	  0,	0,    0,    0,
	0,    0,    0,	  0,	0,    0,    0x01, 0xbb, 6,    4,    10,
	1,    0,    5,	  0,	0,    0,    0,	  0,	0,    0,    0,
	0,    0,    0,	  0,	0,    0,    0,	  1,	0,    0,    0,
	0,    0,    0,	  0,	0,    0,    0,	  0,	0,
};

static const uint8_t digests_golden[] = {
	0x02, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, /* tables 0/1, 1 */
	192,  0,    2,	  10,	0,    0,    0,	  0,	0,    0,    0,	  0,
	0,    0,    0,	  0,	0x01, 0xbb, 6,	  4,	0xa0, 0xa1, 0xa2, 0xa3,
	0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};

static const uint8_t treq_golden[] = {
	0x00, 0x01, 0x00, 0x00, 192, 0, 2, 10, 0,    0,	   0, 0,
	0,    0,    0,	  0,	0,   0, 0, 0,  0x01, 0xbb, 6, 4,
};

static const uint8_t tdata_golden[] = {
	0x00, 0x01, 0x00, 0x00, /* one service */
	192,  0,    2,	  10,	0,    0,    0,	  0,	0, 0, 0, 0, 0, 0, 0, 0,
	0x01, 0xbb, 6,	  4,	0x00, 0x01, 0x00, 0x01, /* ring 65537 */
	0x00, 0x00, 0x00, 0x01, /* persistent */
	0x00, 0x01, 0x00, 0x01, /* part 0 of 1, 1 real */
	0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, /* v4, up, weight 5 */
	10,   1,    0,	  5,	0,    0,    0,	  0,	0, 0, 0, 0, 0, 0, 0, 0,
};

static void hello_fill(struct keel_sync_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->node = 0x0002;
	h->wire_min = 1;
	h->wire_max = 1;
	h->flags = KEEL_SYNC_HELLO_F_SYNCED | KEEL_SYNC_HELLO_F_ALONE;
	memset(h->challenge, 0xc1, sizeof(h->challenge));
	memset(h->echo, 0xe1, sizeof(h->echo));
	memset(h->accepted, 0xa1, sizeof(h->accepted));
	h->t_us = 0x1000000000000001ULL;
	h->echo_t_us = 0x2000000000000002ULL;
	h->hold_us = 0x30000003;
	h->wall_ms = 0x4000000000000004ULL;
	h->rx_top = 0x5000000000000005ULL;
	h->conns = 0x6000000000000006ULL;
	h->admin_hlc = 0x7000000000000007ULL;
	memset(h->admin_digest, 0xad, sizeof(h->admin_digest));
	memset(h->tables_digest, 0x7d, sizeof(h->tables_digest));
	h->services = 0x0809;
}

START_TEST(test_hello)
{
	struct keel_sync_hello in, out;
	uint8_t b[KEEL_SYNC_HELLO_LEN + 8];

	hello_fill(&in);
	ck_assert_int_eq(keel_sync_hello_encode(b, sizeof(b), &in),
			 KEEL_SYNC_HELLO_LEN);
	/* The offsets of docs/pair.md, byte for byte. */
	ck_assert_uint_eq(b[0], 0x00);
	ck_assert_uint_eq(b[1], 0x02);
	ck_assert_uint_eq(b[2], 1);
	ck_assert_uint_eq(b[3], 1);
	ck_assert_uint_eq(b[7], 0x05);
	ck_assert_uint_eq(b[8], 0xc1);
	ck_assert_uint_eq(b[24], 0xe1);
	ck_assert_uint_eq(b[40], 0xa1);
	ck_assert_uint_eq(b[56], 0x10);
	ck_assert_uint_eq(b[64], 0x20);
	ck_assert_uint_eq(b[72], 0x30);
	ck_assert_uint_eq(b[76], 0x40);
	ck_assert_uint_eq(b[84], 0x50);
	ck_assert_uint_eq(b[92], 0x60);
	ck_assert_uint_eq(b[100], 0x70);
	ck_assert_uint_eq(b[108], 0xad);
	ck_assert_uint_eq(b[140], 0x7d);
	ck_assert_uint_eq(b[172], 0x08);
	ck_assert_uint_eq(b[173], 0x09);
	ck_assert_uint_eq(b[174] | b[175], 0);
	ck_assert_int_eq(keel_sync_hello_parse(b, KEEL_SYNC_HELLO_LEN, &out),
			 0);
	ck_assert_mem_eq(&in, &out, sizeof(in));
	ck_assert_int_eq(keel_sync_hello_encode(b, KEEL_SYNC_HELLO_LEN - 1,
						&in),
			 -ENOSPC);
	in.node = 0;
	ck_assert_int_eq(keel_sync_hello_encode(b, sizeof(b), &in), -EINVAL);
}
END_TEST

START_TEST(test_golden)
{
	uint8_t b[256];
	struct keel_sync_wr w;
	struct keel_sync_flows fl;
	struct keel_sync_rec recs[4];
	struct keel_sync_bulk_req br;
	struct keel_sync_admin ad = { .count = 1,
				      .flags = KEEL_SYNC_ADMIN_F_REPLY };
	struct keel_sync_reg regs[2];
	struct keel_sync_digests dg = { .what = KEEL_SYNC_DIGESTS_TABLES,
					.parts = 1,
					.count = 1 };
	struct keel_sync_digest d[2] = { { .svc = svc4 } };
	struct keel_sync_svc svcs[2];
	struct keel_sync_table t[2] = { { .svc = svc4,
					  .ring_size = 65537,
					  .flags = 1,
					  .parts = 1,
					  .n = 1 } };
	struct keel_sync_table_real tr[2] = { { .family = 4,
						.selectable = 1,
						.weight = 5,
						.addr = { 10, 1, 0, 5 } } };
	size_t nt, nr;
	uint16_t count;

	for (int i = 0; i < 16; i++)
		d[0].digest[i] = (uint8_t)(0xa0 + i);

	keel_sync_flows_begin(&w, b, sizeof(b), 500);
	ck_assert_int_eq(keel_sync_rec_put(&w, &rec4), 0);
	ck_assert_int_eq(keel_sync_wr_end(&w), sizeof(flows_golden));
	ck_assert_mem_eq(b, flows_golden, sizeof(flows_golden));
	ck_assert_int_eq(keel_sync_flows_parse(b, sizeof(flows_golden), &fl,
					       recs, 4),
			 0);
	ck_assert_uint_eq(fl.count, 1);
	ck_assert_uint_eq(fl.queue_us, 500);
	ck_assert_mem_eq(&recs[0], &rec4, sizeof(rec4));

	ck_assert_int_eq(keel_sync_bulk_req_encode(b, sizeof(b), &breq),
			 sizeof(breq_golden));
	ck_assert_mem_eq(b, breq_golden, sizeof(breq_golden));
	ck_assert_int_eq(keel_sync_bulk_req_parse(b, sizeof(breq_golden), &br),
			 0);
	ck_assert_mem_eq(&br, &breq, sizeof(br));

	ck_assert_int_eq(keel_sync_admin_encode(b, sizeof(b), &ad, &reg_drain),
			 sizeof(admin_golden));
	ck_assert_mem_eq(b, admin_golden, sizeof(admin_golden));
	memset(&ad, 0, sizeof(ad));
	ck_assert_int_eq(keel_sync_admin_parse(b, sizeof(admin_golden), &ad,
					       regs, 2),
			 0);
	ck_assert_uint_eq(ad.count, 1);
	ck_assert_uint_eq(ad.flags, KEEL_SYNC_ADMIN_F_REPLY);
	ck_assert_mem_eq(&regs[0], &reg_drain, sizeof(reg_drain));

	ck_assert_int_eq(keel_sync_digests_encode(b, sizeof(b), &dg, d),
			 sizeof(digests_golden));
	ck_assert_mem_eq(b, digests_golden, sizeof(digests_golden));
	memset(&dg, 0, sizeof(dg));
	ck_assert_int_eq(keel_sync_digests_parse(b, sizeof(digests_golden), &dg,
						 &d[1], 1),
			 0);
	ck_assert_mem_eq(&d[1], &d[0], sizeof(d[0]));

	ck_assert_int_eq(keel_sync_table_req_encode(b, sizeof(b), 1, &svc4),
			 sizeof(treq_golden));
	ck_assert_mem_eq(b, treq_golden, sizeof(treq_golden));
	ck_assert_int_eq(keel_sync_table_req_parse(b, sizeof(treq_golden),
						   &count, svcs, 2),
			 0);
	ck_assert_uint_eq(count, 1);
	ck_assert_mem_eq(&svcs[0], &svc4, sizeof(svc4));

	ck_assert_int_eq(keel_sync_table_data_encode(b, sizeof(b), t, 1, tr),
			 sizeof(tdata_golden));
	ck_assert_mem_eq(b, tdata_golden, sizeof(tdata_golden));
	ck_assert_int_eq(keel_sync_table_data_parse(b, sizeof(tdata_golden),
						    &t[1], 1, &nt, &tr[1], 1,
						    &nr),
			 0);
	ck_assert_uint_eq(nt, 1);
	ck_assert_uint_eq(nr, 1);
	ck_assert_mem_eq(&t[1], &t[0], sizeof(t[0]));
	ck_assert_mem_eq(&tr[1], &tr[0], sizeof(tr[0]));
}
END_TEST

/* ---- malformed bodies: a valid one, mutated ---- */

enum body {
	B_HELLO,
	B_FLOWS,
	B_BULK,
	B_BREQ,
	B_ADMIN,
	B_DIGESTS,
	B_TREQ,
	B_TDATA
};

/* A valid body of each kind into b: its length. */
static size_t body_make(enum body k, uint8_t *b, size_t size)
{
	struct keel_sync_hello h;
	struct keel_sync_wr w;
	struct keel_sync_bulk_data bd = { .bulk_id = 7,
					  .parts = 2,
					  .part = 1,
					  .flags = KEEL_SYNC_BULK_F_LAST };
	struct keel_sync_rec r = rec4;

	switch (k) {
	case B_HELLO:
		hello_fill(&h);
		return (size_t)keel_sync_hello_encode(b, size, &h);
	case B_FLOWS:
		memcpy(b, flows_golden, sizeof(flows_golden));
		return sizeof(flows_golden);
	case B_BULK:
		keel_sync_bulk_data_begin(&w, b, size, &bd);
		r.kind = KEEL_SYNC_BULK;
		r.idle_s = 30;
		ck_assert_int_eq(keel_sync_rec_put(&w, &r), 0);
		return (size_t)keel_sync_wr_end(&w);
	case B_BREQ:
		memcpy(b, breq_golden, sizeof(breq_golden));
		return sizeof(breq_golden);
	case B_ADMIN:
		memcpy(b, admin_golden, sizeof(admin_golden));
		return sizeof(admin_golden);
	case B_DIGESTS:
		memcpy(b, digests_golden, sizeof(digests_golden));
		return sizeof(digests_golden);
	case B_TREQ:
		memcpy(b, treq_golden, sizeof(treq_golden));
		return sizeof(treq_golden);
	case B_TDATA:
		memcpy(b, tdata_golden, sizeof(tdata_golden));
		return sizeof(tdata_golden);
	}
	return 0;
}

/* Parse b as k; every output must be zero on a refusal. */
static int body_parse(enum body k, const uint8_t *b, size_t n, size_t max)
{
	union {
		struct keel_sync_hello h;
		struct keel_sync_flows f;
		struct keel_sync_bulk_data bd;
		struct keel_sync_bulk_req br;
		struct keel_sync_admin a;
		struct keel_sync_digests d;
		uint16_t count;
	} o;
	union {
		struct keel_sync_rec rec[4];
		struct keel_sync_reg reg[4];
		struct keel_sync_digest dig[4];
		struct keel_sync_svc svc[4];
		struct keel_sync_table t[4];
	} a;
	struct keel_sync_table_real tr[4];
	size_t nt = 9, nr = 9;
	int err = -1;

	memset(&o, 0xee, sizeof(o));
	memset(&a, 0, sizeof(a));
	memset(tr, 0, sizeof(tr));
	switch (k) {
	case B_HELLO:
		err = keel_sync_hello_parse(b, n, &o.h);
		break;
	case B_FLOWS:
		err = keel_sync_flows_parse(b, n, &o.f, a.rec, max);
		break;
	case B_BULK:
		err = keel_sync_bulk_data_parse(b, n, &o.bd, a.rec, max);
		break;
	case B_BREQ:
		err = keel_sync_bulk_req_parse(b, n, &o.br);
		break;
	case B_ADMIN:
		err = keel_sync_admin_parse(b, n, &o.a, a.reg, max);
		break;
	case B_DIGESTS:
		err = keel_sync_digests_parse(b, n, &o.d, a.dig, max);
		break;
	case B_TREQ:
		err = keel_sync_table_req_parse(b, n, &o.count, a.svc, max);
		break;
	case B_TDATA:
		err = keel_sync_table_data_parse(b, n, a.t, max, &nt, tr, max,
						 &nr);
		break;
	}
	if (err) {
		size_t osz[] = { sizeof(o.h),	  sizeof(o.f),
				 sizeof(o.bd),	  sizeof(o.br),
				 sizeof(o.a),	  sizeof(o.d),
				 sizeof(o.count), 0 };

		ck_assert(all_zero(&o, osz[k]));
		ck_assert(all_zero(&a, sizeof(a)));
		ck_assert(all_zero(tr, sizeof(tr)));
		if (k == B_TDATA)
			ck_assert(nt == 0 && nr == 0);
	}
	return err;
}

static const struct {
	const char *name;
	enum body k;
	int off; /* byte to set (-1: none) */
	uint8_t val;
	int grow; /* bytes added (zeros) or cut off the end */
	size_t max; /* entries the caller has room for */
	int err;
} bad_cases[] = {
	{ "hello as is", B_HELLO, -1, 0, 0, 4, 0 },
	{ "hello short", B_HELLO, -1, 0, -1, 4, -EBADMSG },
	{ "hello trailing", B_HELLO, -1, 0, 1, 4, -EBADMSG },
	{ "hello node 0", B_HELLO, 1, 0, 0, 4, -EBADMSG },
	{ "hello wire_min 0", B_HELLO, 2, 0, 0, 4, -EBADMSG },
	{ "hello min > max", B_HELLO, 2, 2, 0, 4, -EBADMSG },
	{ "hello unknown flag", B_HELLO, 7, 0x0d, 0, 4, -EBADMSG },
	{ "hello reserved", B_HELLO, 175, 1, 0, 4, -EBADMSG },
	{ "flows as is", B_FLOWS, -1, 0, 0, 4, 0 },
	{ "flows count over max", B_FLOWS, -1, 0, 0, 0, -ERANGE },
	{ "flows reserved", B_FLOWS, 3, 1, 0, 4, -EBADMSG },
	{ "flows count 2, one record", B_FLOWS, 1, 2, 0, 4, -EBADMSG },
	{ "flows count 0, one record", B_FLOWS, 1, 0, 0, 4, -EBADMSG },
	{ "flows truncated record", B_FLOWS, -1, 0, -1, 4, -EBADMSG },
	{ "flows trailing", B_FLOWS, -1, 0, 1, 4, -EBADMSG },
	{ "flows kind 0", B_FLOWS, 8, 0, 0, 4, -EBADMSG },
	{ "flows BULK kind", B_FLOWS, 8, KEEL_SYNC_BULK, 0, 4, -EBADMSG },
	{ "flows REFRESH kind", B_FLOWS, 8, KEEL_SYNC_REFRESH, 0, 4, 0 },
	{ "flows family 5", B_FLOWS, 9, 5, 0, 4, -EBADMSG },
	{ "flows family 6, v4 length", B_FLOWS, 9, 6, 0, 4, -EBADMSG },
	{ "flows proto 0", B_FLOWS, 10, 0, 0, 4, -EBADMSG },
	{ "flows unknown flag", B_FLOWS, 11, 2, 0, 4, -EBADMSG },
	{ "flows portless with the flow's port", B_FLOWS, 11, 1, 0, 4, 0 },
	{ "flows NEW with idle", B_FLOWS, 17, 1, 0, 4, -EBADMSG },
	{ "flows record reserved", B_FLOWS, 19, 1, 0, 4, -EBADMSG },
	{ "bulk as is", B_BULK, -1, 0, 0, 4, 0 },
	{ "bulk FLOWS kind", B_BULK, 24, KEEL_SYNC_NEW, 0, 4, -EBADMSG },
	{ "bulk part = parts", B_BULK, 16, 2, 0, 4, -EBADMSG },
	{ "bulk parts 0", B_BULK, 17, 0, 0, 4, -EBADMSG },
	{ "bulk unknown flag", B_BULK, 18, 3, 0, 4, -EBADMSG },
	{ "bulk reserved", B_BULK, 19, 1, 0, 4, -EBADMSG },
	{ "bulk count over max", B_BULK, -1, 0, 0, 0, -ERANGE },
	{ "breq as is", B_BREQ, -1, 0, 0, 4, 0 },
	{ "breq max 0", B_BREQ, 16, 0, 0, 4, -EBADMSG },
	{ "breq max 2304", B_BREQ, 16, 0x09, 0, 4, -EBADMSG },
	{ "breq page 0 with a cursor", B_BREQ, 7, 0, 0, 4, -EBADMSG },
	{ "breq reserved", B_BREQ, 19, 1, 0, 4, -EBADMSG },
	{ "breq short", B_BREQ, -1, 0, -1, 4, -EBADMSG },
	{ "admin as is", B_ADMIN, -1, 0, 0, 4, 0 },
	{ "admin count over max", B_ADMIN, -1, 0, 0, 0, -ERANGE },
	{ "admin unknown flag", B_ADMIN, 3, 2, 0, 4, -EBADMSG },
	{ "admin object 3", B_ADMIN, 8, 3, 0, 4, -EBADMSG },
	{ "admin field 5", B_ADMIN, 9, 5, 0, 4, -EBADMSG },
	{ "admin service with drain", B_ADMIN, 8, 1, 0, 4, -EBADMSG },
	{ "admin node 0", B_ADMIN, 11, 0, 0, 4, -EBADMSG },
	{ "admin v4 address tail", B_ADMIN, 25, 1, 0, 4, -EBADMSG },
	{ "admin proto 0", B_ADMIN, 38, 0, 0, 4, -EBADMSG },
	{ "admin family 5", B_ADMIN, 39, 5, 0, 4, -EBADMSG },
	{ "admin v4 real tail", B_ADMIN, 45, 1, 0, 4, -EBADMSG },
	{ "admin drain 2", B_ADMIN, 59, 2, 0, 4, -EBADMSG },
	{ "admin drain with arg", B_ADMIN, 63, 1, 0, 4, -EBADMSG },
	{ "admin reg reserved", B_ADMIN, 71, 1, 0, 4, -EBADMSG },
	{ "admin trailing", B_ADMIN, -1, 0, 1, 4, -EBADMSG },
	{ "digests as is", B_DIGESTS, -1, 0, 0, 4, 0 },
	{ "digests what 3", B_DIGESTS, 0, 3, 0, 4, -EBADMSG },
	{ "digests part = parts", B_DIGESTS, 1, 1, 0, 4, -EBADMSG },
	{ "digests reserved", B_DIGESTS, 3, 1, 0, 4, -EBADMSG },
	{ "digests count over max", B_DIGESTS, -1, 0, 0, 0, -ERANGE },
	{ "digests short", B_DIGESTS, -1, 0, -1, 4, -EBADMSG },
	{ "treq as is", B_TREQ, -1, 0, 0, 4, 0 },
	{ "treq proto 0", B_TREQ, 22, 0, 0, 4, -EBADMSG },
	{ "treq trailing", B_TREQ, -1, 0, 1, 4, -EBADMSG },
	{ "treq count over max", B_TREQ, -1, 0, 0, 0, -ERANGE },
	{ "tdata as is", B_TDATA, -1, 0, 0, 4, 0 },
	{ "tdata part = parts", B_TDATA, 32, 1, 0, 4, -EBADMSG },
	{ "tdata real count over", B_TDATA, 35, 2, 0, 4, -EBADMSG },
	{ "tdata selectable 2", B_TDATA, 37, 2, 0, 4, -EBADMSG },
	{ "tdata real family 5", B_TDATA, 36, 5, 0, 4, -EBADMSG },
	{ "tdata real reserved", B_TDATA, 39, 1, 0, 4, -EBADMSG },
	{ "tdata v4 real tail", B_TDATA, 50, 1, 0, 4, -EBADMSG },
	{ "tdata services over max", B_TDATA, -1, 0, 0, 0, -ERANGE },
};

START_TEST(test_bad)
{
	uint8_t b[512];
	size_t n;

	memset(b, 0, sizeof(b));
	n = body_make(bad_cases[_i].k, b, sizeof(b));
	ck_assert_uint_gt(n, 0);
	if (bad_cases[_i].off >= 0)
		b[bad_cases[_i].off] = bad_cases[_i].val;
	n = (size_t)((long)n + bad_cases[_i].grow);
	ck_assert_msg(body_parse(bad_cases[_i].k, b, n, bad_cases[_i].max) ==
			      bad_cases[_i].err,
		      "%s", bad_cases[_i].name);
}
END_TEST

/* ---- encoders refuse what the parsers refuse ---- */

START_TEST(test_encode_invalid)
{
	uint8_t b[256];
	struct keel_sync_wr w;
	struct keel_sync_rec r = rec4;
	struct keel_sync_reg g = reg_drain;
	struct keel_sync_admin ad = { .count = 1 };
	struct keel_sync_bulk_req br = breq;

	keel_sync_flows_begin(&w, b, sizeof(b), 0);
	r.kind = KEEL_SYNC_BULK;
	ck_assert_int_eq(keel_sync_rec_put(&w, &r), -EINVAL);
	{
		/* A bulk header its parser would refuse. */
		struct keel_sync_bulk_data bd = { .parts = 2, .part = 2 };
		struct keel_sync_rec rb = rec4;

		rb.kind = KEEL_SYNC_BULK;
		keel_sync_bulk_data_begin(&w, b, sizeof(b), &bd);
		ck_assert_int_eq(keel_sync_rec_put(&w, &rb), -EINVAL);
		ck_assert_int_eq(keel_sync_wr_end(&w), -EINVAL);
		bd.part = 1;
		bd.flags = 2;
		keel_sync_bulk_data_begin(&w, b, sizeof(b), &bd);
		ck_assert_int_eq(keel_sync_wr_end(&w), -EINVAL);
		bd.flags = KEEL_SYNC_BULK_F_LAST;
		keel_sync_bulk_data_begin(&w, b, sizeof(b), &bd);
		ck_assert_int_eq(keel_sync_rec_put(&w, &rb), 0);
		ck_assert_int_eq(keel_sync_wr_end(&w), 24 + 24);
	}
	keel_sync_flows_begin(&w, b, sizeof(b), 0);
	r = rec4;
	r.vip[5] = 1; /* an IPv4 address with bytes past its 4th */
	ck_assert_int_eq(keel_sync_rec_put(&w, &r), -EINVAL);
	ck_assert_int_eq(keel_sync_wr_end(&w), KEEL_SYNC_FLOWS_HDR_LEN);
	g.value = 2;
	ck_assert_int_eq(keel_sync_admin_encode(b, sizeof(b), &ad, &g),
			 -EINVAL);
	g = reg_drain;
	g.field = KEEL_SYNC_FIELD_WEIGHT;
	g.value = KEEL_SYNC_WEIGHT_NONE;
	ck_assert_int_eq(keel_sync_admin_encode(b, sizeof(b), &ad, &g),
			 KEEL_SYNC_ADMIN_HDR_LEN + KEEL_SYNC_REG_LEN);
	g.value = 65536;
	ck_assert_int_eq(keel_sync_admin_encode(b, sizeof(b), &ad, &g),
			 -EINVAL);
	br.page = 0;
	ck_assert_int_eq(keel_sync_bulk_req_encode(b, sizeof(b), &br), -EINVAL);
}
END_TEST

/* ---- the writer fills a body exactly ---- */

START_TEST(test_writer_full)
{
	uint8_t b[KEEL_SYNC_FLOWS_HDR_LEN + 3 * 24 + 23]; /* 3 v4 */
	struct keel_sync_rec r6 = rec4, out[8];
	struct keel_sync_flows fl;
	struct keel_sync_wr w;
	int i, n;

	r6.family = 6;
	memset(r6.client, 0x20, 16);
	memset(r6.vip, 0x20, 16);
	memset(r6.real, 0x20, 16);
	keel_sync_flows_begin(&w, b, sizeof(b), 9);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(keel_sync_rec_put(&w, &rec4), 0);
	ck_assert_int_eq(keel_sync_rec_put(&w, &r6), -ENOSPC);
	ck_assert_int_eq(keel_sync_rec_put(&w, &rec4), -ENOSPC);
	n = keel_sync_wr_end(&w);
	ck_assert_int_eq(n, KEEL_SYNC_FLOWS_HDR_LEN + 3 * 24);
	ck_assert_int_eq(keel_sync_flows_parse(b, (size_t)n, &fl, out, 8), 0);
	ck_assert_uint_eq(fl.count, 3);

	/* v6 and v4 mixed in one body. */
	{
		uint8_t big[256];

		keel_sync_flows_begin(&w, big, sizeof(big), 0);
		ck_assert_int_eq(keel_sync_rec_put(&w, &r6), 0);
		ck_assert_int_eq(keel_sync_rec_put(&w, &rec4), 0);
		n = keel_sync_wr_end(&w);
		ck_assert_int_eq(n, KEEL_SYNC_FLOWS_HDR_LEN + 60 + 24);
		ck_assert_int_eq(
			keel_sync_flows_parse(big, (size_t)n, &fl, out, 8), 0);
		ck_assert_mem_eq(&out[0], &r6, sizeof(r6));
		ck_assert_mem_eq(&out[1], &rec4, sizeof(rec4));
	}
	/* A buffer smaller than the header: nothing fits. */
	keel_sync_flows_begin(&w, b, 4, 0);
	ck_assert_int_eq(keel_sync_rec_put(&w, &rec4), -ENOSPC);
	ck_assert_int_eq(keel_sync_wr_end(&w), -ENOSPC);
}
END_TEST

/* ---- the frame ---- */

static size_t sealed(uint8_t *buf, size_t size, uint8_t type, uint64_t seq,
		     const uint8_t *key, const uint8_t *body, size_t n)
{
	struct keel_sync_hdr h = {
		.version = 1, .type = type, .key_id = 3, .seq = seq
	};
	int len;

	memset(h.stream, 0x5a, sizeof(h.stream));
	len = keel_sync_seal(buf, size, &h, body, n, key);
	ck_assert_int_gt(len, 0);
	return (size_t)len;
}

static const struct {
	const char *name;
	int off; /* -1: none */
	uint8_t val;
	int grow;
	int err;
	uint8_t version; /* h->version after -EPROTONOSUPPORT */
} frame_cases[] = {
	{ "as is", -1, 0, 0, 0, 0 },
	{ "magic", 0, 'k', 0, -EBADMSG, 0 },
	{ "version 2", 4, 2, 0, -EPROTONOSUPPORT, 2 },
	{ "version 0", 4, 0, 0, -EPROTONOSUPPORT, 0 },
	{ "type 0", 5, 0, 0, -EBADMSG, 0 },
	{ "type 9 (NACK, reserved)", 5, 9, 0, -EBADMSG, 0 },
	{ "length field", 7, 21, 0, -EBADMSG, 0 },
	{ "one byte more", -1, 0, 1, -EBADMSG, 0 },
	{ "one byte less", -1, 0, -1, -EBADMSG, 0 },
	{ "seq 0", 35, 0, 0, -EBADMSG, 0 },
	{ "reserved", 39, 1, 0, -EBADMSG, 0 },
	{ "shorter than a frame", -1, 0, -40, -EBADMSG, 0 },
};

START_TEST(test_frame)
{
	uint8_t body[20] = { 0 }, buf[128];
	struct keel_sync_hdr h;
	size_t n = sealed(buf, sizeof(buf), KEEL_SYNC_BULK_REQ, 1, key1, body,
			  sizeof(body));

	if (frame_cases[_i].off >= 0)
		buf[frame_cases[_i].off] = frame_cases[_i].val;
	n = (size_t)((long)n + frame_cases[_i].grow);
	ck_assert_msg(keel_sync_frame(buf, n, &h) == frame_cases[_i].err, "%s",
		      frame_cases[_i].name);
	if (frame_cases[_i].err == -EPROTONOSUPPORT) {
		ck_assert_uint_eq(h.version, frame_cases[_i].version);
	} else if (frame_cases[_i].err) {
		ck_assert(all_zero(&h, sizeof(h)));
	} else {
		ck_assert_uint_eq(h.type, KEEL_SYNC_BULK_REQ);
		ck_assert_uint_eq(h.n, 20);
		ck_assert_uint_eq(h.key_id, 3);
		ck_assert_uint_eq(h.seq, 1);
		ck_assert_uint_eq(h.stream[15], 0x5a);
	}
}
END_TEST

/* ---- the AEAD ---- */

static const struct {
	const char *name;
	int flip; /* byte to flip (-1: none) */
	bool other_key;
	int err;
} aead_cases[] = {
	{ "as sealed", -1, false, 0 },
	{ "header byte (AD)", 8, false, -EACCES },
	{ "stream byte (nonce)", 20, false, -EACCES },
	{ "seq byte (nonce)", 35, false, -EACCES },
	{ "ciphertext byte", 45, false, -EACCES },
	{ "tag byte", 40 + 20 + 15, false, -EACCES },
	{ "other key", -1, true, -EACCES },
};

START_TEST(test_aead)
{
	uint8_t body[20], out[20], buf[128];
	struct keel_sync_hdr h;
	size_t n;

	for (int i = 0; i < 20; i++)
		body[i] = (uint8_t)i;
	n = sealed(buf, sizeof(buf), KEEL_SYNC_BULK_REQ, 77, key1, body,
		   sizeof(body));
	ck_assert_uint_eq(n, KEEL_SYNC_OVERHEAD + 20);
	/* The body does not travel in the clear. */
	ck_assert(memcmp(buf + KEEL_SYNC_HDR_LEN, body, 20));
	ck_assert_int_eq(keel_sync_frame(buf, n, &h), 0);
	if (aead_cases[_i].flip >= 0)
		buf[aead_cases[_i].flip] ^= 0x01;
	memset(out, 0xee, sizeof(out));
	ck_assert_msg(keel_sync_open(buf, n, &h,
				     aead_cases[_i].other_key ? key2 : key1,
				     out) == aead_cases[_i].err,
		      "%s", aead_cases[_i].name);
	if (aead_cases[_i].err)
		ck_assert(all_zero(out, sizeof(out)));
	else
		ck_assert_mem_eq(out, body, sizeof(body));
}
END_TEST

START_TEST(test_seal_limits)
{
	uint8_t buf[KEEL_SYNC_LEN_MAX + 1], body[KEEL_SYNC_BODY_MAX + 1];
	struct keel_sync_hdr h = { .version = 1,
				   .type = KEEL_SYNC_FLOWS,
				   .seq = 1 };

	memset(body, 0, sizeof(body));
	ck_assert_int_eq(keel_sync_seal(buf, sizeof(buf), &h, body,
					KEEL_SYNC_BODY_MAX, key1),
			 KEEL_SYNC_LEN_MAX);
	ck_assert_int_eq(keel_sync_seal(buf, sizeof(buf), &h, body,
					KEEL_SYNC_BODY_MAX + 1, key1),
			 -EINVAL);
	ck_assert_int_eq(keel_sync_seal(buf, KEEL_SYNC_OVERHEAD + 9, &h, body,
					10, key1),
			 -ENOSPC);
	h.seq = 0;
	ck_assert_int_eq(keel_sync_seal(buf, sizeof(buf), &h, body, 10, key1),
			 -EINVAL);
	h.seq = 1;
	h.type = 9;
	ck_assert_int_eq(keel_sync_seal(buf, sizeof(buf), &h, body, 10, key1),
			 -EINVAL);
	/* The largest frame passes the receiver's length check. */
	h.type = KEEL_SYNC_FLOWS;
	ck_assert_int_eq(keel_sync_seal(buf, sizeof(buf), &h, body,
					KEEL_SYNC_BODY_MAX, key1),
			 KEEL_SYNC_LEN_MAX);
	ck_assert_int_eq(keel_sync_frame(buf, KEEL_SYNC_LEN_MAX, &h), 0);
	ck_assert_int_eq(keel_sync_frame(buf, KEEL_SYNC_LEN_MAX + 1, &h),
			 -EBADMSG);
}
END_TEST

/* ---- the replay window ---- */

/* A run of seqs: each 'c' checks (want), then marks if it passed. */
static const struct {
	const char *name;
	uint64_t first; /* init */
	uint64_t seq[8];
	int want[8]; /* 0 or -EALREADY */
	uint64_t top, lost;
} win_cases[] = {
	{ "in order", 1, { 2, 3, 4 }, { 0, 0, 0 }, 4, 0 },
	{ "the session's own HELLO again", 5, { 5 }, { -EALREADY }, 5, 0 },
	{ "duplicate", 1, { 2, 2 }, { 0, -EALREADY }, 2, 0 },
	{ "reorder within the window", 1, { 5, 3, 4, 2 }, { 0, 0, 0, 0 }, 5, 0 },
	{ "gap, then late", 1, { 5, 3 }, { 0, 0 }, 5, 2 },
	{ "gap left", 1, { 10 }, { 0 }, 10, 8 },
	{ "just inside", 1, { 1025, 2 }, { 0, 0 }, 1025, 1022 },
	{ "too old", 1, { 1026, 2 }, { 0, -EALREADY }, 1026, 1024 },
	{ "jump past the window",
	  10,
	  { 5000, 4000, 4999, 4999 },
	  { 0, 0, 0, -EALREADY },
	  5000,
	  4987 },
	{ "seq 0", 1, { 0 }, { -EALREADY }, 1, 0 },
	{ "below the session's first",
	  1000,
	  { 999, 500, 1001, 998 },
	  { -EALREADY, -EALREADY, 0, -EALREADY },
	  1001,
	  0 },
	{ "below the first, after a jump",
	  1000,
	  { 1500, 999, 1200 },
	  { 0, -EALREADY, 0 },
	  1500,
	  498 },
	{ "old after a jump",
	  100,
	  { 2000, 100, 976, 977 },
	  { 0, -EALREADY, -EALREADY, 0 },
	  2000,
	  1898 },
};

START_TEST(test_window)
{
	struct keel_sync_window w;

	keel_sync_window_init(&w, win_cases[_i].first);
	for (int j = 0; j < 8 && (win_cases[_i].seq[j] || !j); j++) {
		uint64_t s = win_cases[_i].seq[j];
		int got = keel_sync_window_check(&w, s);

		ck_assert_msg(got == win_cases[_i].want[j], "%s: seq %llu",
			      win_cases[_i].name, (unsigned long long)s);
		if (!got)
			keel_sync_window_mark(&w, s);
	}
	ck_assert_uint_eq(w.top, win_cases[_i].top);
	ck_assert_msg(w.lost == win_cases[_i].lost, "%s: lost %llu",
		      win_cases[_i].name, (unsigned long long)w.lost);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keel_sync");
	TCase *tc = tcase_create("sync");

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_hello);
	tcase_add_test(tc, test_golden);
	tcase_add_loop_test(tc, test_bad, 0, ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_encode_invalid);
	tcase_add_test(tc, test_writer_full);
	tcase_add_loop_test(tc, test_frame, 0, ARRAY_SIZE(frame_cases));
	tcase_add_loop_test(tc, test_aead, 0, ARRAY_SIZE(aead_cases));
	tcase_add_test(tc, test_seal_limits);
	tcase_add_loop_test(tc, test_window, 0, ARRAY_SIZE(win_cases));
	suite_add_tcase(s, tc);
	return check_run(s);
}
