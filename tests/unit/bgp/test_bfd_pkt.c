// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bfd_pkt.c alone: byte-exact packets written by hand from RFC 5880 4.1-4.4
 * (encode == bytes, parse(bytes) == struct), one packet captured from BIRD
 * 2.0.12, every reception check of 6.8.6 the codec owns, and every
 * truncation of every golden packet in a buffer of exactly that size so that
 * ASan sees any read past the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bfd_pkt.h"
#include "check_run.h"

/* clang-format off */
/* Down, no diag, mult 3, My 0x11223344, Your 0, TX 1 s, RX 100 ms. */
static const uint8_t down[] = {
	0x20, 0x40, 0x03, 0x18,
	0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0f, 0x42, 0x40, 0x00, 0x01, 0x86, 0xa0, 0x00, 0x00, 0x00, 0x00,
};

/* Up with Poll, mult 5, My 1, Your 0xfffffffe, TX 100 ms, RX 300 ms, echo 50 ms. */
static const uint8_t up_poll[] = {
	0x20, 0xe0, 0x05, 0x18,
	0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe,
	0x00, 0x01, 0x86, 0xa0, 0x00, 0x04, 0x93, 0xe0, 0x00, 0x00, 0xc3, 0x50,
};

/* Down, diag 3 (neighbor signaled down), Final, C and D set. */
static const uint8_t down_final[] = {
	0x23, 0x5a, 0x01, 0x18,
	0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x07,
	0x00, 0x0f, 0x42, 0x40, 0x00, 0x0f, 0x42, 0x40, 0x00, 0x00, 0x00, 0x00,
};

/* AdminDown, diag 7, Your 0 (allowed in AdminDown). */
static const uint8_t admin_down[] = {
	0x27, 0x00, 0x03, 0x18,
	0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0f, 0x42, 0x40, 0x00, 0x0f, 0x42, 0x40, 0x00, 0x00, 0x00, 0x00,
};

/* Init with simple password "keel", key id 5 (4.2). */
static const uint8_t auth_simple[] = {
	0x20, 0x84, 0x03, 0x1f,
	0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x0a,
	0x00, 0x0f, 0x42, 0x40, 0x00, 0x0f, 0x42, 0x40, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x07, 0x05, 'k', 'e', 'e', 'l',
};

/* Up, Meticulous Keyed MD5 (4.3), key id 1, sequence 0x01020304. */
static const uint8_t auth_md5[] = {
	0x20, 0xc4, 0x03, 0x30,
	0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x0a,
	0x00, 0x01, 0x86, 0xa0, 0x00, 0x01, 0x86, 0xa0, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x18, 0x01, 0x00, 0x01, 0x02, 0x03, 0x04,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
};

/* Up, Keyed SHA1 (4.4), key id 2, sequence 7. */
static const uint8_t auth_sha1[] = {
	0x20, 0xc4, 0x03, 0x34,
	0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x0a,
	0x00, 0x01, 0x86, 0xa0, 0x00, 0x01, 0x86, 0xa0, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x1c, 0x02, 0x00, 0x00, 0x00, 0x00, 0x07,
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9,
	0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3,
};

/*
 * Captured from BIRD 2.0.12 (Debian bird2) in a namespace, `min rx interval
 * 100 ms; min tx interval 100 ms; multiplier 3`, the first packet of a new
 * session: Down, no diag, Your 0, the 1 s idle TX interval BIRD uses while
 * the session is not Up (RFC 5880 6.8.3) and RX 100 ms.  It came from
 * source port 52564 with TTL 255 (RFC 5881 sections 4 and 5).
 */
static const uint8_t bird_down[] = {
	0x20, 0x40, 0x03, 0x18,
	0x75, 0x67, 0x23, 0xdd, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0f, 0x42, 0x40, 0x00, 0x01, 0x86, 0xa0, 0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

struct golden {
	const char *name;
	const uint8_t *bytes;
	size_t len;
	bool auth;
	struct bfd_pkt pkt;
};

#define G(b) .bytes = (b), .len = sizeof(b)

static const struct golden goldens[] = {
	{ "down",
	  G(down),
	  false,
	  { .version = 1,
	    .state = BFD_STATE_DOWN,
	    .detect_mult = 3,
	    .length = 24,
	    .my_disc = 0x11223344,
	    .desired_min_tx = 1000000,
	    .required_min_rx = 100000 } },
	{ "up_poll",
	  G(up_poll),
	  false,
	  { .version = 1,
	    .state = BFD_STATE_UP,
	    .poll = true,
	    .detect_mult = 5,
	    .length = 24,
	    .my_disc = 1,
	    .your_disc = 0xfffffffe,
	    .desired_min_tx = 100000,
	    .required_min_rx = 300000,
	    .required_min_echo_rx = 50000 } },
	{ "down_final",
	  G(down_final),
	  false,
	  { .version = 1,
	    .diag = BFD_DIAG_NEIGHBOR_DOWN,
	    .state = BFD_STATE_DOWN,
	    .final = true,
	    .cpi = true,
	    .demand = true,
	    .detect_mult = 1,
	    .length = 24,
	    .my_disc = 0xdeadbeef,
	    .your_disc = 7,
	    .desired_min_tx = 1000000,
	    .required_min_rx = 1000000 } },
	{ "admin_down",
	  G(admin_down),
	  false,
	  { .version = 1,
	    .diag = BFD_DIAG_ADMIN_DOWN,
	    .state = BFD_STATE_ADMIN_DOWN,
	    .detect_mult = 3,
	    .length = 24,
	    .my_disc = 42,
	    .desired_min_tx = 1000000,
	    .required_min_rx = 1000000 } },
	{ "auth_simple",
	  G(auth_simple),
	  true,
	  { .version = 1,
	    .state = BFD_STATE_INIT,
	    .auth = true,
	    .detect_mult = 3,
	    .length = 31,
	    .my_disc = 9,
	    .your_disc = 10,
	    .desired_min_tx = 1000000,
	    .required_min_rx = 1000000,
	    .auth_sec = { .type = BFD_AUTH_SIMPLE,
			  .len = 7,
			  .key_id = 5,
			  .data_len = 4,
			  .data = "keel" } } },
	{ "auth_md5",
	  G(auth_md5),
	  true,
	  { .version = 1,
	    .state = BFD_STATE_UP,
	    .auth = true,
	    .detect_mult = 3,
	    .length = 48,
	    .my_disc = 9,
	    .your_disc = 10,
	    .desired_min_tx = 100000,
	    .required_min_rx = 100000,
	    .auth_sec = { .type = BFD_AUTH_METICULOUS_MD5,
			  .len = 24,
			  .key_id = 1,
			  .seq = 0x01020304,
			  .data_len = 16,
			  .data = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
				    0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad,
				    0xae, 0xaf } } } },
	{ "auth_sha1",
	  G(auth_sha1),
	  true,
	  { .version = 1,
	    .state = BFD_STATE_UP,
	    .auth = true,
	    .detect_mult = 3,
	    .length = 52,
	    .my_disc = 9,
	    .your_disc = 10,
	    .desired_min_tx = 100000,
	    .required_min_rx = 100000,
	    .auth_sec = { .type = BFD_AUTH_KEYED_SHA1,
			  .len = 28,
			  .key_id = 2,
			  .seq = 7,
			  .data_len = 20,
			  .data = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
				    0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd,
				    0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3 } } } },
	{ "bird_down",
	  G(bird_down),
	  false,
	  { .version = 1,
	    .state = BFD_STATE_DOWN,
	    .detect_mult = 3,
	    .length = 24,
	    .my_disc = 0x756723dd,
	    .desired_min_tx = 1000000,
	    .required_min_rx = 100000 } },
};

/* An exact-size heap copy, so that ASan catches a read past the end. */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(q);
	if (n)
		memcpy(q, p, n);
	return q;
}

static void assert_pkt_eq(const struct bfd_pkt *a, const struct bfd_pkt *b)
{
	ck_assert_uint_eq(a->version, b->version);
	ck_assert_uint_eq(a->diag, b->diag);
	ck_assert_uint_eq(a->state, b->state);
	ck_assert(a->poll == b->poll && a->final == b->final &&
		  a->cpi == b->cpi && a->auth == b->auth &&
		  a->demand == b->demand && a->multipoint == b->multipoint);
	ck_assert_uint_eq(a->detect_mult, b->detect_mult);
	ck_assert_uint_eq(a->length, b->length);
	ck_assert_uint_eq(a->my_disc, b->my_disc);
	ck_assert_uint_eq(a->your_disc, b->your_disc);
	ck_assert_uint_eq(a->desired_min_tx, b->desired_min_tx);
	ck_assert_uint_eq(a->required_min_rx, b->required_min_rx);
	ck_assert_uint_eq(a->required_min_echo_rx, b->required_min_echo_rx);
	ck_assert_mem_eq(&a->auth_sec, &b->auth_sec, sizeof(a->auth_sec));
}

START_TEST(golden_parse)
{
	const struct golden *g = &goldens[_i];
	uint8_t *buf = dup_exact(g->bytes, g->len);
	enum bfd_pkt_err err = BFD_PKT_ERR_MAX;
	struct bfd_pkt p;

	ck_assert_msg(bfd_pkt_parse(buf, g->len, g->auth, &p, &err) == 0,
		      "%s: %s", g->name, bfd_pkt_err_name(err));
	ck_assert_int_eq(err, BFD_PKT_OK);
	assert_pkt_eq(&p, &g->pkt);
	free(buf);
}
END_TEST

START_TEST(golden_encode)
{
	const struct golden *g = &goldens[_i];
	uint8_t out[BFD_PKT_MAX + 8];
	size_t n;

	ck_assert_int_eq(bfd_pkt_encode(out, sizeof(out), &g->pkt),
			 (int)g->len);
	ck_assert_mem_eq(out, g->bytes, g->len);
	/* Exactly big enough works; one byte short at any size is -ENOSPC. */
	ck_assert_int_eq(bfd_pkt_encode(out, g->len, &g->pkt), (int)g->len);
	for (n = 0; n < g->len; n++)
		ck_assert_int_eq(bfd_pkt_encode(out, n, &g->pkt), -ENOSPC);
}
END_TEST

/* Every truncation fails, whatever the cut (Length then exceeds it). */
START_TEST(golden_truncated)
{
	const struct golden *g = &goldens[_i];
	enum bfd_pkt_err err;
	struct bfd_pkt p;
	size_t n;

	for (n = 0; n < g->len; n++) {
		uint8_t *buf = dup_exact(g->bytes, n);

		ck_assert_int_eq(bfd_pkt_parse(buf, n, g->auth, &p, &err),
				 -EBADMSG);
		ck_assert_int_eq(err, n < BFD_PKT_LEN ? BFD_PKT_ERR_SHORT :
							BFD_PKT_ERR_LENGTH);
		free(buf);
	}
}
END_TEST

/* Bytes past Length are padding (RFC 9764), not part of the packet. */
START_TEST(padding_ignored)
{
	uint8_t buf[sizeof(down) + 40];
	struct bfd_pkt p;

	memcpy(buf, down, sizeof(down));
	memset(buf + sizeof(down), 0xee, 40);
	ck_assert_int_eq(bfd_pkt_parse(buf, sizeof(buf), false, &p, NULL), 0);
	assert_pkt_eq(&p, &goldens[0].pkt);
}
END_TEST

struct bad {
	const char *name;
	size_t off; /* patch down[] (or auth_simple[] when .auth) here */
	uint8_t val;
	uint8_t n; /* bytes set to val from off; 0 means 1 */
	bool auth_pkt, auth_cfg;
	enum bfd_pkt_err err;
};

/* RFC 5880 6.8.6 (and 6.5 for P+F), one field at a time. */
static const struct bad bads[] = {
	{ "version 0", 0, 0x00, 0, false, false, BFD_PKT_ERR_VERSION },
	{ "version 2", 0, 0x40, 0, false, false, BFD_PKT_ERR_VERSION },
	{ "version 7", 0, 0xe0, 0, false, false, BFD_PKT_ERR_VERSION },
	{ "length 0", 3, 0, 0, false, false, BFD_PKT_ERR_LENGTH },
	{ "length 23", 3, 23, 0, false, false, BFD_PKT_ERR_LENGTH },
	{ "length 25 > payload", 3, 25, 0, false, false, BFD_PKT_ERR_LENGTH },
	{ "length 255", 3, 255, 0, false, false, BFD_PKT_ERR_LENGTH },
	{ "detect mult 0", 2, 0, 0, false, false, BFD_PKT_ERR_DETECT_MULT },
	{ "multipoint", 1, 0x41, 0, false, false, BFD_PKT_ERR_MULTIPOINT },
	{ "poll and final", 1, 0x70, 0, false, false, BFD_PKT_ERR_POLL_FINAL },
	{ "my disc 0", 4, 0x00, 4, false, false, BFD_PKT_ERR_MY_DISC },
	/* down[] has Your 0: fine in Down, not in Init or Up. */
	{ "your 0 in init", 1, 0x80, 0, false, false, BFD_PKT_ERR_YOUR_DISC },
	{ "your 0 in up", 1, 0xc0, 0, false, false, BFD_PKT_ERR_YOUR_DISC },
	{ "A bit, auth not configured", 1, 0x44, 0, false, false,
	  BFD_PKT_ERR_LENGTH /* Length 24 < 26 */ },
	{ "auth present, not configured", 0xff, 0, 0, true, false,
	  BFD_PKT_ERR_AUTH_UNEXPECTED },
	{ "auth configured, A clear", 1, 0x80, 0, true, true,
	  BFD_PKT_ERR_AUTH_MISSING },
	{ "auth type 0", 24, 0, 0, true, true, BFD_PKT_ERR_AUTH_FORMAT },
	{ "auth type 6", 24, 6, 0, true, true, BFD_PKT_ERR_AUTH_FORMAT },
	{ "auth type MD5, len 7", 24, 2, 0, true, true,
	  BFD_PKT_ERR_AUTH_FORMAT },
	{ "simple auth len 3", 25, 3, 0, true, true, BFD_PKT_ERR_AUTH_FORMAT },
	{ "simple auth len 8 > Length", 25, 8, 0, true, true,
	  BFD_PKT_ERR_AUTH_FORMAT },
	{ "simple auth len 20", 25, 20, 0, true, true,
	  BFD_PKT_ERR_AUTH_FORMAT },
	{ "A set, length 25", 3, 25, 0, true, true, BFD_PKT_ERR_LENGTH },
};

START_TEST(bad_packet)
{
	const struct bad *b = &bads[_i];
	const uint8_t *src = b->auth_pkt ? auth_simple : down;
	size_t len = b->auth_pkt ? sizeof(auth_simple) : sizeof(down);
	uint8_t *buf = dup_exact(src, len);
	enum bfd_pkt_err err = BFD_PKT_OK;
	struct bfd_pkt p;

	if (b->off != 0xff)
		memset(buf + b->off, b->val, b->n ? b->n : 1);
	ck_assert_msg(bfd_pkt_parse(buf, len, b->auth_cfg, &p, &err) ==
			      -EBADMSG,
		      "%s: accepted", b->name);
	ck_assert_msg(err == b->err, "%s: got '%s', want '%s'", b->name,
		      bfd_pkt_err_name(err), bfd_pkt_err_name(b->err));
	free(buf);
}
END_TEST

/* Your 0 is allowed in AdminDown; unknown diagnostic codes are kept. */
START_TEST(accepted_edges)
{
	uint8_t buf[sizeof(down)];
	struct bfd_pkt p;

	memcpy(buf, down, sizeof(down));
	buf[0] = 0x3f; /* diag 31 */
	buf[1] = 0x00; /* AdminDown */
	ck_assert_int_eq(bfd_pkt_parse(buf, sizeof(buf), false, &p, NULL), 0);
	ck_assert_uint_eq(p.diag, 31);
	ck_assert_uint_eq(p.state, BFD_STATE_ADMIN_DOWN);
	ck_assert_str_eq(bfd_diag_name(31), "unknown diagnostic");
	ck_assert_str_eq(bfd_diag_name(BFD_DIAG_NEIGHBOR_DOWN),
			 "neighbor signaled session down");
	ck_assert_str_eq(bfd_state_name(BFD_STATE_INIT), "Init");
	ck_assert_str_eq(bfd_state_name(4), "?");
}
END_TEST

START_TEST(encode_invalid)
{
	struct bfd_pkt p = goldens[0].pkt;
	uint8_t out[BFD_PKT_MAX];

	p.diag = 32;
	ck_assert_int_eq(bfd_pkt_encode(out, sizeof(out), &p), -EINVAL);
	p = goldens[0].pkt;
	p.state = 4;
	ck_assert_int_eq(bfd_pkt_encode(out, sizeof(out), &p), -EINVAL);
	p = goldens[4].pkt; /* simple password */
	p.auth_sec.data_len = 5;
	ck_assert_int_eq(bfd_pkt_encode(out, sizeof(out), &p), -EINVAL);
	p = goldens[4].pkt;
	p.auth_sec.type = 9;
	ck_assert_int_eq(bfd_pkt_encode(out, sizeof(out), &p), -EINVAL);
	p = goldens[6].pkt; /* SHA1 */
	p.auth_sec.len = 24;
	ck_assert_int_eq(bfd_pkt_encode(out, sizeof(out), &p), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bfd_pkt");
	TCase *tc = tcase_create("codec");
	int n = (int)(sizeof(goldens) / sizeof(goldens[0]));

	tcase_add_loop_test(tc, golden_parse, 0, n);
	tcase_add_loop_test(tc, golden_encode, 0, n);
	tcase_add_loop_test(tc, golden_truncated, 0, n);
	tcase_add_test(tc, padding_ignored);
	tcase_add_loop_test(tc, bad_packet, 0,
			    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, accepted_edges);
	tcase_add_test(tc, encode_invalid);
	suite_add_tcase(s, tc);
	return check_run(s);
}
