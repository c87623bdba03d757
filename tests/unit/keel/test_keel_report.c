// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* keel_report: the agent report codec, MAC and replay guard (table-driven). */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keel_report.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const uint8_t key[KEEL_REPORT_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/*
 * The golden report, written out field by field (docs/agent-protocol.md
 * shows the same datagram): real 10.20.0.11 reports 203.0.113.10:80/tcp
 * UP with 1234 connections and [2001:db8::1]:443/udp DRAINING, load 1.5.
 * The MAC is not here: the test computes it with crypto_auth_hmacsha256.
 */
/* clang-format off: one field per line */
static const uint8_t golden_body[] = {
	'K', 'E', 'E', 'L', /* magic */
	0x01, /* version */
	0x01, /* type: report */
	0x00, 0x00, /* flags */
	0x00, 0x00, 0x00, 0x01, /* key id 1 */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* boot id */
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x2a, /* seq 42 */
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, /* ts ms */
	0x04, 10, 20, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* real */
	0x00, 0x02, /* count */
	/* service 0 */
	0x04, 203, 0, 113, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00,
	0x50, /* port 80 */
	0x06, /* tcp */
	0x01, /* UP */
	0x00, 0x00, 0x04, 0xd2, /* 1234 connections */
	/* service 1 */
	0x06, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x01, 0xbb, /* port 443 */
	0x11, /* udp */
	0x03, /* DRAINING */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc, /* load 1.500 */
};
/* clang-format on */

static void golden_report(struct keel_report *r)
{
	static const uint8_t v4[16] = { 10, 20, 0, 11 };
	static const uint8_t vip4[16] = { 203, 0, 113, 10 };
	static const uint8_t vip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	memset(r, 0, sizeof(*r));
	r->version = 1;
	r->key_id = 1;
	for (int i = 0; i < 16; i++)
		r->boot_id[i] = (uint8_t)(0xa0 + i);
	r->seq = 42;
	r->ts_ms = 0x18bcfe56800ULL;
	r->real.family = KEEL_F_INET;
	memcpy(r->real.addr, v4, 16);
	r->count = 2;
	r->svc[0] = (struct keel_report_svc){ .vip.family = KEEL_F_INET,
					      .port = 80,
					      .proto = IPPROTO_TCP,
					      .state = KEEL_RS_UP,
					      .conns = 1234 };
	memcpy(r->svc[0].vip.addr, vip4, 16);
	r->svc[1] = (struct keel_report_svc){ .vip.family = KEEL_F_INET6,
					      .port = 443,
					      .proto = IPPROTO_UDP,
					      .state = KEEL_RS_DRAINING };
	memcpy(r->svc[1].vip.addr, vip6, 16);
	r->load = 1500;
}

/*
 * HMAC-SHA256(key, golden_body) as a third party computed it (Python's
 * hmac module), so that the check does not rest on libsodium alone.
 */
static const uint8_t golden_mac[KEEL_REPORT_MAC_LEN] = {
	0x11, 0x51, 0xc7, 0x0d, 0x26, 0x65, 0x6d, 0x95, 0xb3, 0x37, 0x17,
	0xf2, 0x37, 0xf9, 0xe8, 0x0e, 0x93, 0x79, 0x50, 0x85, 0xae, 0x6e,
	0x7f, 0x37, 0xf1, 0xb4, 0x4e, 0x0d, 0xb9, 0x31, 0x88, 0xf4,
};

/*
 * The same report in version 2: the boot counter 1763800000 (0x692173c0)
 * after the key id, everything after it 8 bytes further.
 */
/* clang-format off: one field per line */
static const uint8_t golden_body_v2[] = {
	'K', 'E', 'E', 'L', /* magic */
	0x02, /* version */
	0x01, /* type: report */
	0x00, 0x00, /* flags */
	0x00, 0x00, 0x00, 0x01, /* key id 1 */
	0x00, 0x00, 0x00, 0x00, 0x69, 0x21, 0x73, 0xc0, /* boot counter */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* boot id */
	0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x2a, /* seq 42 */
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, /* ts ms */
	0x04, 10, 20, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* real */
	0x00, 0x02, /* count */
	/* service 0 */
	0x04, 203, 0, 113, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00,
	0x50, /* port 80 */
	0x06, /* tcp */
	0x01, /* UP */
	0x00, 0x00, 0x04, 0xd2, /* 1234 connections */
	/* service 1 */
	0x06, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x01, 0xbb, /* port 443 */
	0x11, /* udp */
	0x03, /* DRAINING */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0xdc, /* load 1.500 */
};
/* clang-format on */

static const uint8_t golden_mac_v2[KEEL_REPORT_MAC_LEN] = {
	0x32, 0xef, 0x71, 0x3b, 0xc9, 0xd0, 0x22, 0xa3, 0x06, 0x83, 0xb8,
	0xf9, 0x4e, 0x25, 0x1b, 0x4a, 0xe3, 0xd3, 0x31, 0x7a, 0xb0, 0x2c,
	0x74, 0xe4, 0x47, 0xd4, 0x7b, 0xab, 0x60, 0x28, 0x23, 0x08,
};

/* The golden body of version v plus its MAC; returns the length. */
static size_t golden_datagram_v(uint8_t *buf, uint8_t v)
{
	const uint8_t *b = v == 1 ? golden_body : golden_body_v2;
	size_t n = v == 1 ? sizeof(golden_body) : sizeof(golden_body_v2);

	memcpy(buf, b, n);
	crypto_auth_hmacsha256(buf + n, b, n, key);
	return n + KEEL_REPORT_MAC_LEN;
}

/* Version 1's: the field offsets of the tables below are version 1's. */
static size_t golden_datagram(uint8_t *buf)
{
	return golden_datagram_v(buf, 1);
}

static void resign(uint8_t *buf, size_t len)
{
	crypto_auth_hmacsha256(buf + len - KEEL_REPORT_MAC_LEN, buf,
			       len - KEEL_REPORT_MAC_LEN, key);
}

static void addr_eq(const struct keel_report_addr *a,
		    const struct keel_report_addr *b, const char *what)
{
	ck_assert_msg(a->family == b->family &&
			      !memcmp(a->addr, b->addr, sizeof(a->addr)),
		      "%s: address differs", what);
}

static void report_eq(const struct keel_report *a, const struct keel_report *b,
		      const char *what)
{
	ck_assert_msg(a->version == b->version && a->flags == b->flags &&
			      a->key_id == b->key_id && a->boot == b->boot &&
			      a->seq == b->seq && a->ts_ms == b->ts_ms &&
			      a->count == b->count && a->load == b->load &&
			      !memcmp(a->boot_id, b->boot_id, 16),
		      "%s: header differs", what);
	addr_eq(&a->real, &b->real, what);
	for (int i = 0; i < a->count; i++) {
		const struct keel_report_svc *x = &a->svc[i], *y = &b->svc[i];

		addr_eq(&x->vip, &y->vip, what);
		ck_assert_msg(x->port == y->port && x->proto == y->proto &&
				      x->state == y->state &&
				      x->conns == y->conns,
			      "%s: service %d differs", what, i);
	}
}

static bool is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* A report with n services, all fields varied, real and VIPs of family f. */
static void make_report_v(struct keel_report *r, int n, uint8_t f, uint8_t v)
{
	static const uint8_t states[] = { KEEL_RS_UP, KEEL_RS_DOWN,
					  KEEL_RS_DRAINING };

	memset(r, 0, sizeof(*r));
	r->version = v;
	if (v != 1)
		r->boot = 0x7edcba9876543210ULL; /* <= KEEL_REPORT_BOOT_MAX */
	r->flags = 0x8001;
	r->key_id = 0xfedcba98;
	for (int i = 0; i < 16; i++)
		r->boot_id[i] = (uint8_t)(i * 17 + 3);
	r->seq = UINT64_MAX - 1;
	r->ts_ms = 0x0123456789abcdefULL;
	r->real.family = f;
	r->real.addr[0] = 10;
	r->real.addr[3] = 7;
	if (f == KEEL_F_INET6) {
		r->real.addr[0] = 0xfd;
		r->real.addr[15] = 0xff;
	}
	r->count = (uint16_t)n;
	for (int i = 0; i < n; i++) {
		struct keel_report_svc *s = &r->svc[i];

		s->vip.family = (i & 1) ? KEEL_F_INET6 : f;
		s->vip.addr[0] = 203;
		s->vip.addr[3] = (uint8_t)i;
		if (s->vip.family == KEEL_F_INET6)
			s->vip.addr[15] = (uint8_t)(i + 1);
		s->port = (uint16_t)(i * 1000);
		s->proto = (i % 3) ? IPPROTO_TCP : IPPROTO_UDP;
		s->state = states[i % 3];
		s->conns = i == n - 1 ? UINT32_MAX : (uint32_t)i * 7919;
	}
	r->load = n ? UINT32_MAX : 0;
}

static void make_report(struct keel_report *r, int n, uint8_t f)
{
	make_report_v(r, n, f, KEEL_REPORT_VERSION);
}

static const struct rt_case {
	const char *name;
	int n;
	uint8_t family;
	uint8_t version;
} rt_cases[] = {
	{ "v4, no service", 0, KEEL_F_INET, 2 },
	{ "v6, no service", 0, KEEL_F_INET6, 2 },
	{ "v4, one service", 1, KEEL_F_INET, 2 },
	{ "v6, three services", 3, KEEL_F_INET6, 2 },
	{ "v4, max services", KEEL_REPORT_MAX, KEEL_F_INET, 2 },
	{ "v6, max services", KEEL_REPORT_MAX, KEEL_F_INET6, 2 },
	{ "version 1, v4, one service", 1, KEEL_F_INET, 1 },
	{ "version 1, v6, max services", KEEL_REPORT_MAX, KEEL_F_INET6, 1 },
};

START_TEST(test_round_trip)
{
	const struct rt_case *c = &rt_cases[_i];
	uint8_t buf[KEEL_REPORT_LEN_MAX + 8];
	struct keel_report in, out;
	int len;

	make_report_v(&in, c->n, c->family, c->version);
	len = keel_report_encode(buf, sizeof(buf), &in, key);
	ck_assert_msg(len == (int)(c->version == 1 ? KEEL_REPORT_LEN_V1(c->n) :
						     KEEL_REPORT_LEN(c->n)),
		      "%s: len %d", c->name, len);
	ck_assert_int_le(len, 1232);
	ck_assert_int_eq(keel_report_parse(buf, (size_t)len, key, &out), 0);
	report_eq(&out, &in, c->name);
}
END_TEST

/* _i: 0 version 1, 1 version 2. */
START_TEST(test_golden)
{
	uint8_t v = (uint8_t)(_i + 1), want[256], got[256];
	const uint8_t *mac = v == 1 ? golden_mac : golden_mac_v2;
	struct keel_report r, out;
	size_t wlen = golden_datagram_v(want, v);
	int len;

	ck_assert_int_eq(wlen,
			 v == 1 ? KEEL_REPORT_LEN_V1(2) : KEEL_REPORT_LEN(2));
	ck_assert(!memcmp(want + wlen - KEEL_REPORT_MAC_LEN, mac,
			  KEEL_REPORT_MAC_LEN));
	golden_report(&r);
	if (v == 2) {
		r.version = 2;
		r.boot = 1763800000;
	}
	len = keel_report_encode(got, sizeof(got), &r, key);
	ck_assert_int_eq(len, (int)wlen);
	for (size_t i = 0; i < wlen; i++)
		ck_assert_msg(got[i] == want[i], "byte %zu: %02x want %02x", i,
			      got[i], want[i]);
	ck_assert_int_eq(keel_report_parse(want, wlen, key, &out), 0);
	report_eq(&out, &r, "golden");
}
END_TEST

/* An encoder's version 0 is the current one. */
START_TEST(test_version_default)
{
	uint8_t buf[256];
	struct keel_report r, out;
	int len;

	golden_report(&r);
	r.version = 0;
	len = keel_report_encode(buf, sizeof(buf), &r, key);
	ck_assert_int_eq(len, (int)KEEL_REPORT_LEN(2));
	ck_assert_uint_eq(buf[4], KEEL_REPORT_VERSION);
	ck_assert_int_eq(keel_report_parse(buf, (size_t)len, key, &out), 0);
	ck_assert_uint_eq(out.version, KEEL_REPORT_VERSION);
	r.version = 3;
	ck_assert_int_eq(keel_report_encode(buf, sizeof(buf), &r, key),
			 -EINVAL);
}
END_TEST

START_TEST(test_wrong_key)
{
	uint8_t buf[256], other[KEEL_REPORT_KEY_LEN];
	struct keel_report out;
	size_t len = golden_datagram(buf);

	memcpy(other, key, sizeof(other));
	other[31] ^= 0x80;
	ck_assert_int_eq(keel_report_parse(buf, len, other, &out), -EACCES);
	ck_assert(is_zero(&out, sizeof(out)));
}
END_TEST

/*
 * One bit flipped anywhere, the MAC left as it was: a change in a field
 * the frame check reads is refused by that check, any other by the MAC.
 * No single bit turns version 1 (01) into 2 (10) or back: every flip of
 * the version byte gives an unknown version.
 */
static const struct flip_region {
	const char *name;
	uint8_t version;
	size_t off, len;
	int want;
} flip_regions[] = {
	{ "magic", 1, 0, 4, -EBADMSG },
	{ "version", 1, 4, 1, -EPROTONOSUPPORT },
	{ "type", 1, 5, 1, -EACCES },
	{ "flags", 1, 6, 2, -EACCES },
	{ "key id", 1, 8, 4, -EACCES },
	{ "boot id", 1, 12, 16, -EACCES },
	{ "seq", 1, 28, 8, -EACCES },
	{ "timestamp", 1, 36, 8, -EACCES },
	{ "real family", 1, 44, 1, -EACCES },
	{ "real address", 1, 45, 16, -EACCES },
	{ "count", 1, 61, 2, -EBADMSG }, /* the length no longer matches */
	{ "service 0 vip", 1, 63, 17, -EACCES },
	{ "service 0 port", 1, 80, 2, -EACCES },
	{ "service 0 proto", 1, 82, 1, -EACCES },
	{ "service 0 state", 1, 83, 1, -EACCES },
	{ "service 0 conns", 1, 84, 4, -EACCES },
	{ "service 1", 1, 88, 25, -EACCES },
	{ "load", 1, 113, 4, -EACCES },
	{ "mac", 1, 117, 32, -EACCES },
	{ "v2 magic", 2, 0, 4, -EBADMSG },
	{ "v2 version", 2, 4, 1, -EPROTONOSUPPORT },
	{ "v2 type, flags, key id", 2, 5, 7, -EACCES },
	{ "v2 boot counter", 2, 12, 8, -EACCES },
	{ "v2 boot id", 2, 20, 16, -EACCES },
	{ "v2 seq, timestamp", 2, 36, 16, -EACCES },
	{ "v2 real", 2, 52, 17, -EACCES },
	{ "v2 count", 2, 69, 2, -EBADMSG },
	{ "v2 services, load", 2, 71, 54, -EACCES },
	{ "v2 mac", 2, 125, 32, -EACCES },
};

START_TEST(test_bit_flip)
{
	const struct flip_region *c = &flip_regions[_i];
	uint8_t buf[256];
	struct keel_report out;
	size_t len = golden_datagram_v(buf, c->version);

	for (size_t off = c->off; off < c->off + c->len; off++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[off] ^= (uint8_t)(1 << bit);
			ck_assert_msg(keel_report_parse(buf, len, key, &out) ==
					      c->want,
				      "%s: byte %zu bit %d", c->name, off, bit);
			ck_assert(is_zero(&out, sizeof(out)));
			buf[off] ^= (uint8_t)(1 << bit);
		}
	}
	ck_assert_int_eq(keel_report_parse(buf, len, key, &out), 0);
}
END_TEST

START_TEST(test_truncated)
{
	uint8_t buf[KEEL_REPORT_LEN_MAX];
	struct keel_report r, out;
	int len;

	make_report(&r, _i ? KEEL_REPORT_MAX : 2, KEEL_F_INET6);
	len = keel_report_encode(buf, sizeof(buf), &r, key);
	ck_assert_int_gt(len, 0);
	for (int n = 0; n < len; n++) {
		/* Truncated and re-signed: the length check still refuses. */
		uint8_t cut[KEEL_REPORT_LEN_MAX];

		memcpy(cut, buf, (size_t)n);
		ck_assert_msg(keel_report_parse(cut, (size_t)n, key, &out) ==
				      -EBADMSG,
			      "length %d", n);
		/* Re-signing shorter ones would overwrite magic/version. */
		if (n >= KEEL_REPORT_MAC_LEN + 5) {
			resign(cut, (size_t)n);
			ck_assert_msg(keel_report_parse(cut, (size_t)n, key,
							&out) == -EBADMSG,
				      "re-signed length %d", n);
		}
	}
}
END_TEST

START_TEST(test_trailing)
{
	uint8_t buf[256];
	struct keel_report out;
	size_t len = golden_datagram(buf);

	buf[len] = 0;
	ck_assert_int_eq(keel_report_parse(buf, len + 1, key, &out), -EBADMSG);
	resign(buf, len + 1);
	ck_assert_int_eq(keel_report_parse(buf, len + 1, key, &out), -EBADMSG);
}
END_TEST

/* A field changed and the datagram re-signed: the field check refuses. */
static const struct field_case {
	const char *name;
	size_t off;
	uint8_t val;
	int want;
} field_cases[] = {
	{ "magic", 0, 'k', -EBADMSG },
	{ "magic end", 3, 0, -EBADMSG },
	{ "version 0", 4, 0, -EPROTONOSUPPORT },
	{ "version 2 on a version-1 length", 4, 2, -EBADMSG },
	{ "version 3", 4, 3, -EPROTONOSUPPORT },
	{ "version 255", 4, 255, -EPROTONOSUPPORT },
	{ "type 0", 5, 0, -EBADMSG },
	{ "type 2", 5, 2, -EBADMSG },
	{ "flags carried", 6, 0xff, 0 },
	{ "real family 0", 44, 0, -EBADMSG },
	{ "real family AF_INET6 (10)", 44, 10, -EBADMSG },
	{ "real family 5", 44, 5, -EBADMSG },
	{ "real v4 padding", 49, 1, -EBADMSG },
	{ "real v4 padding end", 60, 1, -EBADMSG },
	{ "real as v6", 44, KEEL_F_INET6, 0 },
	{ "vip family 0", 63, 0, -EBADMSG },
	{ "vip family 255", 63, 255, -EBADMSG },
	{ "vip v4 padding", 68, 0x80, -EBADMSG },
	{ "port 0 (port-less)", 81, 0, 0 },
	{ "proto icmp", 82, IPPROTO_ICMP, -EBADMSG },
	{ "proto 0", 82, 0, -EBADMSG },
	{ "state unknown (0)", 83, KEEL_RS_UNKNOWN, -EBADMSG },
	{ "state 4", 83, 4, -EBADMSG },
	{ "state down", 83, KEEL_RS_DOWN, 0 },
	{ "second vip family 4 with v6 bytes", 88, KEEL_F_INET, -EBADMSG },
	{ "second state 0", 108, 0, -EBADMSG },
	{ "second state 255", 108, 255, -EBADMSG },
	{ "count 3", 62, 3, -EBADMSG },
	{ "count 1", 62, 1, -EBADMSG },
};

START_TEST(test_bad_field)
{
	const struct field_case *c = &field_cases[_i];
	uint8_t buf[256];
	struct keel_report out;
	size_t len = golden_datagram(buf);
	int err;

	buf[c->off] = c->val;
	resign(buf, len);
	err = keel_report_parse(buf, len, key, &out);
	ck_assert_msg(err == c->want, "%s: %d want %d", c->name, err, c->want);
	if (err)
		ck_assert(is_zero(&out, sizeof(out)));
	ck_assert_int_eq(keel_report_parse_body(buf, len, &out), c->want);
}
END_TEST

/* A count over the maximum, with a length and a MAC that match it. */
START_TEST(test_count_too_large)
{
	static uint8_t buf[KEEL_REPORT_LEN(KEEL_REPORT_MAX + 1)];
	struct keel_report r, out;
	size_t len = sizeof(buf);
	int n;

	make_report(&r, KEEL_REPORT_MAX, KEEL_F_INET);
	n = keel_report_encode(buf, sizeof(buf), &r, key);
	ck_assert_int_eq(n, KEEL_REPORT_LEN_MAX);
	/* Append a copy of the last service, move the load, re-sign. */
	memcpy(buf + n - 36 + KEEL_REPORT_SVC_LEN, buf + n - 36, 4);
	memcpy(buf + n - 36, buf + n - 36 - KEEL_REPORT_SVC_LEN,
	       KEEL_REPORT_SVC_LEN);
	buf[61] = 0;
	buf[62] = KEEL_REPORT_MAX + 1;
	resign(buf, len);
	ck_assert_int_eq(keel_report_parse(buf, len, key, &out), -EBADMSG);
	ck_assert_int_eq(keel_report_parse_body(buf, len, &out), -EBADMSG);

	buf[61] = 0xff;
	buf[62] = 0xff;
	resign(buf, len);
	ck_assert_int_eq(keel_report_parse(buf, len, key, &out), -EBADMSG);

	r.count = KEEL_REPORT_MAX + 1;
	ck_assert_int_eq(keel_report_encode(buf, sizeof(buf), &r, key),
			 -EINVAL);
}
END_TEST

START_TEST(test_key_id)
{
	uint8_t buf[256];
	uint32_t id = 7;
	size_t len = golden_datagram(buf);

	ck_assert_int_eq(keel_report_key_id(buf, len, &id), 0);
	ck_assert_uint_eq(id, 1);
	ck_assert_int_eq(keel_report_key_id(buf, len - 1, &id), -EBADMSG);
	ck_assert_uint_eq(id, 0);
	buf[4] = 3;
	ck_assert_int_eq(keel_report_key_id(buf, len, &id), -EPROTONOSUPPORT);
	len = golden_datagram_v(buf, 2);
	ck_assert_int_eq(keel_report_key_id(buf, len, &id), 0);
	ck_assert_uint_eq(id, 1);
}
END_TEST

/* The unauthenticated header of both versions, and what it refuses. */
START_TEST(test_peek)
{
	struct keel_report_hdr h;
	uint8_t buf[256];
	size_t len;

	for (uint8_t v = 1; v <= 2; v++) {
		len = golden_datagram_v(buf, v);
		/* A wrong MAC does not matter: nothing is verified. */
		buf[len - 1] ^= 1;
		ck_assert_int_eq(keel_report_peek(buf, len, &h), 0);
		ck_assert_uint_eq(h.version, v);
		ck_assert_uint_eq(h.key_id, 1);
		ck_assert_uint_eq(h.boot, v == 1 ? 0 : 1763800000);
		ck_assert_uint_eq(h.boot_id[0], 0xa0);
		ck_assert_uint_eq(h.boot_id[15], 0xaf);
		ck_assert_uint_eq(h.seq, 42);
		ck_assert_uint_eq(h.real.family, KEEL_F_INET);
		ck_assert_uint_eq(h.real.addr[0], 10);
		ck_assert_uint_eq(h.real.addr[3], 11);
		ck_assert_int_eq(keel_report_peek(buf, len - 1, &h), -EBADMSG);
		ck_assert(is_zero(&h, sizeof(h)));
		buf[4] = 7;
		ck_assert_int_eq(keel_report_peek(buf, len, &h),
				 -EPROTONOSUPPORT);
	}
}
END_TEST

/*
 * The boot counter's range (bytes 12..19 of version 2): up to INT64_MAX,
 * which lbd writes as a JSON integer; above it malformed, before the MAC
 * (peek, key_id) as after it (parse), and never encoded.
 */
static const struct boot_case {
	uint64_t boot;
	int want;
} boot_cases[] = {
	{ 0, 0 },
	{ INT64_MAX, 0 },
	{ (uint64_t)INT64_MAX + 1, -EBADMSG },
	{ UINT64_MAX, -EBADMSG },
};

START_TEST(test_boot_max)
{
	const struct boot_case *c = &boot_cases[_i];
	struct keel_report out, r;
	struct keel_report_hdr h;
	uint8_t buf[256];
	size_t len = golden_datagram_v(buf, 2);
	uint32_t id = 7;

	for (int i = 0; i < 8; i++)
		buf[12 + i] = (uint8_t)(c->boot >> (56 - 8 * i));
	resign(buf, len);
	ck_assert_int_eq(keel_report_parse(buf, len, key, &out), c->want);
	ck_assert_int_eq(keel_report_parse_body(buf, len, &out), c->want);
	ck_assert_int_eq(keel_report_peek(buf, len, &h), c->want);
	ck_assert_int_eq(keel_report_key_id(buf, len, &id), c->want);
	if (c->want) {
		ck_assert(is_zero(&out, sizeof(out)));
		ck_assert(is_zero(&h, sizeof(h)));
	} else {
		ck_assert_uint_eq(out.boot, c->boot);
		ck_assert_uint_eq(h.boot, c->boot);
	}
	golden_report(&r);
	r.version = 2;
	r.boot = c->boot;
	ck_assert_int_eq(keel_report_encode(buf, sizeof(buf), &r, key) < 0,
			 c->want != 0);
	/* Version 1 has no counter: whatever the struct holds is not sent. */
	r.version = 1;
	ck_assert_int_gt(keel_report_encode(buf, sizeof(buf), &r, key), 0);
}
END_TEST

/* A prepared key verifies as the raw key does. */
START_TEST(test_parse_with)
{
	struct keel_report_mac_key mk;
	struct keel_report a, b;
	uint8_t buf[256];
	size_t len = golden_datagram_v(buf, 2);

	keel_report_mac_key_init(&mk, key);
	ck_assert_int_eq(keel_report_parse_with(buf, len, &mk, &a), 0);
	ck_assert_int_eq(keel_report_parse(buf, len, key, &b), 0);
	report_eq(&a, &b, "parse_with");
	/* The prepared key is not spent by use. */
	ck_assert_int_eq(keel_report_parse_with(buf, len, &mk, &a), 0);
	buf[30] ^= 1;
	ck_assert_int_eq(keel_report_parse_with(buf, len, &mk, &a), -EACCES);
	ck_assert(is_zero(&a, sizeof(a)));
}
END_TEST

START_TEST(test_enospc)
{
	uint8_t buf[KEEL_REPORT_LEN_MAX];
	struct keel_report r;
	int n = _i ? KEEL_REPORT_MAX : 0;

	make_report(&r, n, KEEL_F_INET);
	for (size_t size = 0; size < KEEL_REPORT_LEN((size_t)n); size++)
		ck_assert_msg(keel_report_encode(buf, size, &r, key) == -ENOSPC,
			      "size %zu", size);
	ck_assert_int_eq(keel_report_encode(buf, KEEL_REPORT_LEN((size_t)n), &r,
					    key),
			 (int)KEEL_REPORT_LEN((size_t)n));
}
END_TEST

/* What the encoder refuses (what the parser would refuse). */
struct einval_case {
	const char *name;
	void (*spoil)(struct keel_report *r);
};

static void sp_real_family(struct keel_report *r)
{
	r->real.family = 0;
}
static void sp_real_pad(struct keel_report *r)
{
	r->real.addr[4] = 1;
}
static void sp_vip_family(struct keel_report *r)
{
	r->svc[1].vip.family = 2;
}
static void sp_proto(struct keel_report *r)
{
	r->svc[0].proto = 1;
}
static void sp_state(struct keel_report *r)
{
	r->svc[1].state = 0;
}
static void sp_state4(struct keel_report *r)
{
	r->svc[0].state = 4;
}
static void sp_count(struct keel_report *r)
{
	r->count = 1000;
}

static const struct einval_case einval_cases[] = {
	{ "real family", sp_real_family },
	{ "real padding", sp_real_pad },
	{ "vip family", sp_vip_family },
	{ "protocol", sp_proto },
	{ "state unknown", sp_state },
	{ "state 4", sp_state4 },
	{ "count", sp_count },
};

START_TEST(test_einval)
{
	uint8_t buf[KEEL_REPORT_LEN_MAX];
	struct keel_report r;

	golden_report(&r);
	einval_cases[_i].spoil(&r);
	ck_assert_msg(keel_report_encode(buf, sizeof(buf), &r, key) == -EINVAL,
		      "%s", einval_cases[_i].name);
}
END_TEST

/*
 * Replay guard: each case is a run of reports against one guard.  boot:
 * the boot id's bytes and, in version 2, the boot counter.
 */
struct replay_step {
	uint8_t version;
	uint8_t boot;
	uint64_t seq;
	int want;
};

static const struct replay_case {
	const char *name;
	struct replay_step steps[8];
	int n;
} replay_cases[] = {
	{ "first accepted, then increasing",
	  { { 2, 1, 5, 0 }, { 2, 1, 6, 0 }, { 2, 1, 7, 0 } },
	  3 },
	{ "first report with seq 0", { { 2, 1, 0, 0 }, { 2, 1, 1, 0 } }, 2 },
	{ "replayed", { { 2, 1, 5, 0 }, { 2, 1, 5, -EALREADY } }, 2 },
	{ "reordered",
	  { { 2, 1, 5, 0 },
	    { 2, 1, 7, 0 },
	    { 2, 1, 6, -EALREADY },
	    { 2, 1, 8, 0 } },
	  4 },
	{ "future sequence (lost datagrams)",
	  { { 2, 1, 5, 0 }, { 2, 1, 1000000, 0 }, { 2, 1, 999999, -EALREADY } },
	  3 },
	{ "seq max then nothing more",
	  { { 2, 1, UINT64_MAX, 0 }, { 2, 1, UINT64_MAX, -EALREADY } },
	  2 },
	{ "a new boot counter restarts the sequence",
	  { { 2, 1, 900, 0 },
	    { 2, 2, 1, 0 },
	    { 2, 2, 2, 0 },
	    { 2, 2, 1, -EALREADY } },
	  4 },
	/* The attack version 2 closes: two earlier boots, alternated. */
	{ "two recorded boots replayed alternately",
	  { { 2, 3, 50, 0 }, /* the genuine agent's last report */
	    { 2, 1, 900, -ESTALE },
	    { 2, 2, 40, -ESTALE },
	    { 2, 1, 901, -ESTALE },
	    { 2, 2, 41, -ESTALE },
	    { 2, 3, 50, -EALREADY } },
	  6 },
	{ "... even to a guard that had only seen the later one",
	  { { 2, 2, 41, 0 }, { 2, 1, 901, -ESTALE }, { 2, 2, 41, -EALREADY } },
	  3 },
	{ "a boot counter far ahead is a new boot",
	  { { 2, 2, 7, 0 }, { 2, 200, 1, 0 }, { 2, 3, 9, -ESTALE } },
	  3 },
	/* Version 1 keeps its rule, until the agent speaks version 2. */
	{ "version 1: a new boot id restarts the sequence",
	  { { 1, 1, 900, 0 },
	    { 1, 2, 1, 0 },
	    { 1, 2, 2, 0 },
	    { 1, 2, 1, -EALREADY } },
	  4 },
	{ "version 1: an old boot id after a restart is accepted (documented)",
	  { { 1, 1, 900, 0 },
	    { 1, 2, 1, 0 },
	    { 1, 1, 901, 0 },
	    { 1, 1, 901, -EALREADY } },
	  4 },
	{ "upgrade to version 2, then version 1 is a downgrade",
	  { { 1, 1, 900, 0 },
	    { 2, 5, 1, 0 },
	    { 1, 1, 901, -EPROTO },
	    { 1, 9, 1, -EPROTO },
	    { 2, 5, 2, 0 } },
	  5 },
	{ "version 2 first, version 1 never",
	  { { 2, 5, 1, 0 }, { 1, 6, 1, -EPROTO } },
	  2 },
};

/* Member by member: a struct copy need not copy the padding. */
static bool replay_eq(const struct keel_replay *a, const struct keel_replay *b)
{
	return !memcmp(a->boot_id, b->boot_id, sizeof(a->boot_id)) &&
	       a->boot == b->boot && a->last_seq == b->last_seq &&
	       a->seen == b->seen && a->v2 == b->v2;
}

START_TEST(test_replay)
{
	const struct replay_case *c = &replay_cases[_i];
	struct keel_replay g = { 0 };
	struct keel_report r;

	golden_report(&r);
	for (int i = 0; i < c->n; i++) {
		const struct replay_step *s = &c->steps[i];
		struct keel_replay before = g;
		int err, test;

		r.version = s->version;
		r.boot = s->version == 1 ? 0 : s->boot;
		memset(r.boot_id, s->boot, sizeof(r.boot_id));
		r.seq = s->seq;
		test = keel_replay_test(&g, r.version, r.boot, r.boot_id,
					r.seq);
		ck_assert(replay_eq(&g, &before));
		err = keel_replay_check(&g, &r);
		ck_assert_msg(err == s->want && test == err,
			      "%s: step %d: %d (test %d) want %d", c->name, i,
			      err, test, s->want);
		if (err) {
			ck_assert(replay_eq(&g, &before));
		} else {
			ck_assert(g.seen && g.last_seq == s->seq &&
				  g.boot == r.boot &&
				  g.v2 == (before.v2 || s->version == 2) &&
				  !memcmp(g.boot_id, r.boot_id, 16));
		}
	}
}
END_TEST

/* What counts as a restart of the agent (lbd's restart counter). */
START_TEST(test_new_boot)
{
	static const struct {
		uint8_t gv, gboot, rv, rboot;
		bool seen, want;
	} rows[] = {
		{ 2, 1, 2, 1, false, false }, /* the first report */
		{ 2, 1, 2, 1, true, false },  { 2, 1, 2, 2, true, true },
		{ 1, 1, 1, 1, true, false },  { 1, 1, 1, 2, true, true },
		{ 1, 1, 2, 1, true, false }, /* upgrade: the boot id decides */
		{ 1, 1, 2, 2, true, true },
	};
	struct keel_replay g;
	struct keel_report r;

	for (int i = 0; i < N(rows); i++) {
		memset(&g, 0, sizeof(g));
		memset(&r, 0, sizeof(r));
		g.seen = rows[i].seen;
		g.v2 = rows[i].gv == 2;
		g.boot = rows[i].gv == 2 ? rows[i].gboot : 0;
		memset(g.boot_id, rows[i].gboot, sizeof(g.boot_id));
		r.version = rows[i].rv;
		r.boot = rows[i].rv == 2 ? rows[i].rboot : 0;
		memset(r.boot_id, rows[i].rboot, sizeof(r.boot_id));
		ck_assert_msg(keel_replay_new_boot(&g, &r) == rows[i].want,
			      "row %d", i);
	}
}
END_TEST

static const struct key_case {
	const char *text;
	size_t len; /* 0: strlen */
	int want;
	uint8_t first, last;
	const char *msg; /* part of the message, for a refused key */
} key_cases[] = {
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0,
	  0, 0x00, 0x1f, NULL },
	{ "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1EFF\n",
	  0, 0, 0x00, 0xff, NULL },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \r\n",
	  0, 0, 0x00, 0x1f, NULL },
	/* 32 raw bytes, whatever they are */
	{ "0123456789abcdef0123456789abcdef", 0, 0, '0', 'f', NULL },
	{ "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n", 0,
	  0, '\n', '\n', NULL },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e", 0,
	  -EINVAL, 0, 0, "holds 62 bytes" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00",
	  0, -EINVAL, 0, 0, "holds 66 bytes" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g", 0,
	  -EINVAL, 0, 0, "not a hex digit at byte 63" },
	{ "g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0,
	  -EINVAL, 0, 0, "not a hex digit at byte 0" },
	{ " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	  0, -EINVAL, 0, 0, "holds 65 bytes" },
	{ "000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1f",
	  0, -EINVAL, 0, 0, "holds 65 bytes" },
	{ "0123456789abcdef0123456789abcde", 0, -EINVAL, 0, 0,
	  "holds 31 bytes" },
	/* 32 bytes and a newline: neither form */
	{ "0123456789abcdef0123456789abcdef\n", 0, -EINVAL, 0, 0,
	  "holds 33 bytes" },
	{ "", 0, -EINVAL, 0, 0, "holds 0 bytes" },
};

START_TEST(test_key_parse)
{
	const struct key_case *c = &key_cases[_i];
	size_t len = c->len ? c->len : strlen(c->text);
	uint8_t got[KEEL_REPORT_KEY_LEN];
	char msg[128] = "x";
	size_t i;

	ck_assert_int_eq(keel_report_key_parse((const uint8_t *)c->text, len,
					       got, msg, sizeof(msg)),
			 c->want);
	if (c->want) {
		ck_assert_msg(strstr(msg, c->msg), "message: %s", msg);
		/* a refused key leaves nothing behind */
		for (i = 0; i < KEEL_REPORT_KEY_LEN; i++)
			ck_assert_uint_eq(got[i], 0);
		return;
	}
	ck_assert_str_eq(msg, "");
	ck_assert_uint_eq(got[0], c->first);
	ck_assert_uint_eq(got[31], c->last);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("codec");

	tcase_add_loop_test(tc, test_round_trip, 0, N(rt_cases));
	tcase_add_loop_test(tc, test_golden, 0, 2);
	tcase_add_test(tc, test_version_default);
	tcase_add_test(tc, test_peek);
	tcase_add_loop_test(tc, test_boot_max, 0, N(boot_cases));
	tcase_add_test(tc, test_parse_with);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_loop_test(tc, test_bit_flip, 0, N(flip_regions));
	tcase_add_loop_test(tc, test_truncated, 0, 2);
	tcase_add_test(tc, test_trailing);
	tcase_add_loop_test(tc, test_bad_field, 0, N(field_cases));
	tcase_add_test(tc, test_count_too_large);
	tcase_add_test(tc, test_key_id);
	tcase_add_loop_test(tc, test_enospc, 0, 2);
	tcase_add_loop_test(tc, test_einval, 0, N(einval_cases));
	tcase_add_loop_test(tc, test_key_parse, 0, N(key_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("replay");
	tcase_add_loop_test(tc, test_replay, 0, N(replay_cases));
	tcase_add_test(tc, test_new_boot);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	return check_run(report_suite());
}
