// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgp_msg.c alone: byte-exact golden messages written by hand from the RFCs
 * (encode == bytes, parse(bytes) == struct), a table of malformed messages
 * with the reaction RFC 4271/7606 asks for (as BIRD 2 answers them), and
 * every truncation of every golden message in a buffer of exactly that size
 * so that ASan sees any read past the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_msg.h"
#include "check_run.h"

/* clang-format off */
#define MARKER                                                          \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, \
		0xff, 0xff, 0xff, 0xff, 0xff

static const uint8_t keepalive[] = { MARKER, 0x00, 0x13, 0x04 };

/* AS 65001, hold 9, 10.99.1.2; MP IPv4+IPv6 unicast, route refresh, AS4. */
static const uint8_t open1[] = {
	MARKER, 0x00, 0x33, 0x01,
	0x04, 0xfd, 0xe9, 0x00, 0x09, 0x0a, 0x63, 0x01, 0x02,
	0x16, /* optional parameters length 22 */
	0x02, 0x14, /* capabilities, 20 bytes */
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01, /* MP IPv4 unicast */
	0x01, 0x04, 0x00, 0x02, 0x00, 0x01, /* MP IPv6 unicast */
	0x02, 0x00, /* route refresh */
	0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9, /* AS4 65001 */
};

/* AS 4200000001 (AS_TRANS in My AS), hold 90, 10.99.2.2. */
static const uint8_t open2[] = {
	MARKER, 0x00, 0x33, 0x01,
	0x04, 0x5b, 0xa0, 0x00, 0x5a, 0x0a, 0x63, 0x02, 0x02,
	0x16, 0x02, 0x14,
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01,
	0x01, 0x04, 0x00, 0x02, 0x00, 0x01,
	0x02, 0x00,
	0x41, 0x04, 0xfa, 0x56, 0xea, 0x01,
};

/* Cease / Administrative Shutdown with "site A drained" (RFC 9003). */
static const uint8_t notif_shutdown[] = {
	MARKER, 0x00, 0x24, 0x03, 0x06, 0x02, 0x0e,
	's', 'i', 't', 'e', ' ', 'A', ' ', 'd', 'r', 'a', 'i', 'n', 'e', 'd',
};

static const uint8_t route_refresh6[] = { MARKER, 0x00, 0x17, 0x05,
					  0x00, 0x02, 0x00, 0x01 };

/*
 * 203.0.113.10/32, AS_PATH [65001 65001 65001], NEXT_HOP 10.99.1.2, MED
 * 100, COMMUNITIES 65535:0, LARGE_COMMUNITIES 65001:1:2.
 */
static const uint8_t update4[] = {
	MARKER, 0x00, 0x55, 0x02,
	0x00, 0x00, /* no withdrawn routes */
	0x00, 0x39, /* 57 bytes of attributes */
	0x40, 0x01, 0x01, 0x00, /* ORIGIN IGP */
	0x40, 0x02, 0x0e, 0x02, 0x03, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00,
	0xfd, 0xe9, 0x00, 0x00, 0xfd, 0xe9, /* AS_SEQUENCE of 3 */
	0x40, 0x03, 0x04, 0x0a, 0x63, 0x01, 0x02, /* NEXT_HOP */
	0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x64, /* MED 100 */
	0xc0, 0x08, 0x04, 0xff, 0xff, 0x00, 0x00, /* 65535:0 */
	0xc0, 0x20, 0x0c, 0x00, 0x00, 0xfd, 0xe9, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02, /* 65001:1:2 */
	0x20, 0xcb, 0x00, 0x71, 0x0a, /* 203.0.113.10/32 */
};

#define V6_NH                                                           \
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, \
		0x00, 0x00, 0x00, 0x00, 0x02
#define V6_LL                                                           \
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, \
		0x00, 0x00, 0x00, 0x00, 0x01
#define V6_VIP                                                          \
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, \
		0x00, 0x00, 0x00, 0x00, 0x10

/* 2001:db8::10/128 via 2001:db8:1::2 and fe80::1, AS_PATH [65001]. */
static const uint8_t update6[] = {
	MARKER, 0x00, 0x5d, 0x02,
	0x00, 0x00, 0x00, 0x46,
	0x80, 0x0e, 0x36, 0x00, 0x02, 0x01, 0x20, V6_NH, V6_LL, 0x00,
	0x80, V6_VIP, /* MP_REACH_NLRI first (RFC 7606 section 5.1) */
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9,
};

static const uint8_t withdraw4[] = { MARKER, 0x00, 0x1c, 0x02, 0x00, 0x05,
				     0x20, 0xcb, 0x00, 0x71, 0x0a, 0x00, 0x00 };

static const uint8_t withdraw6[] = {
	MARKER, 0x00, 0x2e, 0x02, 0x00, 0x00, 0x00, 0x17,
	0x80, 0x0f, 0x14, 0x00, 0x02, 0x01, 0x80, V6_VIP,
};

static const uint8_t eor4[] = { MARKER, 0x00, 0x17, 0x02,
				0x00, 0x00, 0x00, 0x00 };
static const uint8_t eor6[] = { MARKER, 0x00, 0x1d, 0x02, 0x00, 0x00, 0x00,
				0x06, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01 };
/* clang-format on */

static const struct bgp_parse_opts as4_opts = { .as4 = true, .ebgp = true };

static const struct bgp_prefix vip4 = { .afi = BGP_AFI_IPV4,
					.len = 32,
					.addr = { 203, 0, 113, 10 } };
static const struct bgp_prefix vip6 = { .afi = BGP_AFI_IPV6,
					.len = 128,
					.addr = { V6_VIP } };

static void open_expect(struct bgp_open *o, uint32_t asn, uint16_t hold,
			uint32_t id)
{
	memset(o, 0, sizeof(*o));
	o->version = 4;
	o->my_as = asn > 0xffff ? BGP_AS_TRANS : (uint16_t)asn;
	o->asn = asn;
	o->hold_time = hold;
	o->bgp_id = id;
	o->cap_as4 = true;
	o->cap_route_refresh = true;
	o->n_mp = 2;
	o->mp[0] = (struct bgp_afi_safi){ BGP_AFI_IPV4, BGP_SAFI_UNICAST };
	o->mp[1] = (struct bgp_afi_safi){ BGP_AFI_IPV6, BGP_SAFI_UNICAST };
}

/* Every smaller buffer gives -ENOSPC and writes only inside it. */
#define CHECK_ENOSPC(call_with_buf_size, full)                         \
	do {                                                           \
		size_t sz_;                                            \
		for (sz_ = 0; sz_ < (full); sz_++) {                   \
			uint8_t *buf = malloc(sz_ ? sz_ : 1);          \
			size_t size = sz_;                             \
			ck_assert_int_eq(call_with_buf_size, -ENOSPC); \
			free(buf);                                     \
		}                                                      \
	} while (0)

START_TEST(test_keepalive)
{
	struct bgp_notification err;
	uint8_t out[64];

	ck_assert_int_eq(bgp_keepalive_encode(out, sizeof(out)), 19);
	ck_assert_mem_eq(out, keepalive, 19);
	ck_assert_int_eq(bgp_keepalive_parse(keepalive, 19, &err), 0);
	CHECK_ENOSPC(bgp_keepalive_encode(buf, size), sizeof(keepalive));
}
END_TEST

static void check_open(const uint8_t *bytes, size_t len,
		       const struct bgp_open *want)
{
	struct bgp_notification err;
	struct bgp_open got;
	uint8_t out[BGP_MSG_MAX];

	ck_assert_int_eq(bgp_open_encode(out, sizeof(out), want), (int)len);
	ck_assert_mem_eq(out, bytes, len);
	ck_assert_int_eq(bgp_open_parse(bytes, len, &got, &err), 0);
	ck_assert_mem_eq(&got, want, sizeof(got));
	CHECK_ENOSPC(bgp_open_encode(buf, size, want), len);
}

START_TEST(test_open_2octet)
{
	struct bgp_open want;

	open_expect(&want, 65001, 9, 0x0a630102);
	check_open(open1, sizeof(open1), &want);
}
END_TEST

START_TEST(test_open_4octet)
{
	struct bgp_open want, bad;
	uint8_t out[BGP_MSG_MAX];

	open_expect(&want, 4200000001u, 90, 0x0a630202);
	ck_assert_uint_eq(want.my_as, 23456);
	check_open(open2, sizeof(open2), &want);
	/* A 4-octet AS cannot be sent without the capability. */
	bad = want;
	bad.cap_as4 = false;
	ck_assert_int_eq(bgp_open_encode(out, sizeof(out), &bad), -EINVAL);
	bad = want;
	bad.hold_time = 2;
	ck_assert_int_eq(bgp_open_encode(out, sizeof(out), &bad), -EINVAL);
}
END_TEST

START_TEST(test_open_unknown_caps)
{
	/* Graceful restart (64) and enhanced route refresh (70) kept. */
	static const uint8_t msg[] = {
		MARKER, 0x00, 0x27, 0x01, 0x04, 0xfd, 0xe9, 0x00,
		0x00,	0x0a, 0x63, 0x01, 0x02, 0x0a, 0x02, 0x04,
		0x40,	0x02, 0x00, 0x78, 0x02, 0x02, 0x46, 0x00,
	};
	struct bgp_notification err;
	struct bgp_open o, back;
	uint8_t out[BGP_MSG_MAX];
	int n;

	ck_assert_int_eq(bgp_open_parse(msg, sizeof(msg), &o, &err), 0);
	ck_assert_uint_eq(o.asn, 65001);
	ck_assert(!o.cap_as4 && !o.cap_route_refresh && !o.n_mp);
	ck_assert_uint_eq(o.n_unknown, 2);
	ck_assert_uint_eq(o.unknown[0].code, 64);
	ck_assert_uint_eq(o.unknown[0].len, 2);
	ck_assert_uint_eq(o.unknown[0].data[1], 0x78);
	ck_assert_uint_eq(o.unknown[1].code, 70);
	ck_assert_uint_eq(o.unknown[1].len, 0);
	ck_assert_uint_eq(o.unknown[1].code, 70);
	/* Re-encoded as one parameter; parses back the same. */
	n = bgp_open_encode(out, sizeof(out), &o);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(bgp_open_parse(out, n, &back, &err), 0);
	ck_assert_mem_eq(&o, &back, sizeof(o));
}
END_TEST

START_TEST(test_notification)
{
	struct bgp_notification n, got, err;
	uint8_t out[BGP_MSG_MAX];
	static const char msg[] = "site A drained";
	char big[300];

	memset(&n, 0, sizeof(n));
	n.code = BGP_ERR_CEASE;
	n.subcode = BGP_CEASE_SHUTDOWN;
	n.has_shutdown = true;
	n.shutdown_len = sizeof(msg) - 1;
	memcpy(n.shutdown, msg, sizeof(msg));
	ck_assert_int_eq(bgp_notification_encode(out, sizeof(out), &n),
			 sizeof(notif_shutdown));
	ck_assert_mem_eq(out, notif_shutdown, sizeof(notif_shutdown));
	ck_assert_int_eq(bgp_notification_parse(notif_shutdown,
						sizeof(notif_shutdown), &got,
						&err),
			 0);
	ck_assert_uint_eq(got.code, 6);
	ck_assert_uint_eq(got.subcode, 2);
	ck_assert(got.has_shutdown);
	ck_assert_str_eq(got.shutdown, msg);
	ck_assert_uint_eq(got.data_len, 15);
	CHECK_ENOSPC(bgp_notification_encode(buf, size, &n),
		     sizeof(notif_shutdown));
	/* Not UTF-8: refused to encode. */
	n.shutdown[0] = (char)0xc0;
	ck_assert_int_eq(bgp_notification_encode(out, sizeof(out), &n),
			 -EINVAL);
	/* A 255-byte message is the maximum (RFC 9003 section 2). */
	memset(big, 'x', sizeof(big));
	n.shutdown_len = 255;
	memcpy(n.shutdown, big, 255);
	ck_assert_int_eq(bgp_notification_encode(out, sizeof(out), &n),
			 19 + 2 + 1 + 255);
	ck_assert_int_eq(
		bgp_notification_parse(out, 19 + 2 + 1 + 255, &got, &err), 0);
	ck_assert(got.has_shutdown && got.shutdown_len == 255);
	/* Hold timer expired, no data. */
	memset(&n, 0, sizeof(n));
	n.code = BGP_ERR_HOLD;
	ck_assert_int_eq(bgp_notification_encode(out, sizeof(out), &n), 21);
	ck_assert_int_eq(bgp_notification_parse(out, 21, &got, &err), 0);
	ck_assert(got.code == 4 && !got.subcode && !got.data_len &&
		  !got.has_shutdown);
}
END_TEST

START_TEST(test_notification_bad_shutdown)
{
	/* Length octet larger than the data: kept as plain data. */
	static const uint8_t msg[] = { MARKER, 0x00, 0x18, 0x03, 0x06,
				       0x02,   0x05, 'a',  'b' };
	struct bgp_notification got, err;

	ck_assert_int_eq(bgp_notification_parse(msg, sizeof(msg), &got, &err),
			 0);
	ck_assert(!got.has_shutdown);
	ck_assert_uint_eq(got.data_len, 3);
}
END_TEST

START_TEST(test_route_refresh)
{
	struct bgp_route_refresh rr = { .afi = BGP_AFI_IPV6,
					.safi = BGP_SAFI_UNICAST },
				 got;
	struct bgp_notification err;
	uint8_t out[64];

	ck_assert_int_eq(bgp_route_refresh_encode(out, sizeof(out), &rr), 23);
	ck_assert_mem_eq(out, route_refresh6, 23);
	ck_assert_int_eq(
		bgp_route_refresh_parse(route_refresh6, 23, &got, &err), 0);
	ck_assert_mem_eq(&got, &rr, sizeof(rr));
	CHECK_ENOSPC(bgp_route_refresh_encode(buf, size, &rr), 23);
}
END_TEST

/* encode(a) == golden, every smaller buffer -ENOSPC, parse(golden) OK. */
static void check_announce(const struct bgp_announce *a, const uint8_t *golden,
			   size_t len, struct bgp_update *u)
{
	struct bgp_notification err;
	uint8_t out[BGP_MSG_MAX];

	ck_assert_int_eq(bgp_update_encode_announce(out, sizeof(out), a),
			 (int)len);
	ck_assert_mem_eq(out, golden, len);
	CHECK_ENOSPC(bgp_update_encode_announce(buf, size, a), len);
	ck_assert_int_eq(bgp_update_parse(golden, len, &as4_opts, u, &err), 0);
	ck_assert_int_eq(u->action, BGP_UPD_OK);
}

/* A validated NLRI block holding exactly one prefix. */
static void check_one_prefix(const uint8_t *block, size_t left, uint16_t afi,
			     const struct bgp_prefix *want)
{
	struct bgp_prefix p;

	ck_assert_int_eq(bgp_nlri_next(&block, &left, afi, &p), 1);
	ck_assert_mem_eq(&p, want, sizeof(p));
	ck_assert_int_eq(bgp_nlri_next(&block, &left, afi, &p), 0);
}

START_TEST(test_update_announce4)
{
	static const uint32_t comm[] = { 0xffff0000u };
	static const struct bgp_large_comm large[] = { { 65001, 1, 2 } };
	struct bgp_announce a = {
		.afi = BGP_AFI_IPV4,
		.prefixes = &vip4,
		.n_prefixes = 1,
		.local_as = 65001,
		.prepend = 2,
		.next_hop4 = 0x0a630102,
		.has_med = true,
		.med = 100,
		.communities = comm,
		.n_communities = 1,
		.large = large,
		.n_large = 1,
	};
	struct bgp_update u;

	check_announce(&a, update4, sizeof(update4), &u);
	ck_assert(u.has_origin && u.origin == 0);
	ck_assert(u.has_as_path && u.as_path_len == 14);
	ck_assert(u.has_next_hop && u.next_hop == 0x0a630102);
	ck_assert(u.has_med && u.med == 100);
	ck_assert_uint_eq(u.n_communities, 1);
	ck_assert_mem_eq(u.communities, "\xff\xff\x00\x00", 4);
	ck_assert_uint_eq(u.n_large, 1);
	ck_assert(!u.withdrawn_len && !u.has_mp_reach && !u.end_of_rib);
	check_one_prefix(u.nlri, u.nlri_len, BGP_AFI_IPV4, &vip4);
}
END_TEST

START_TEST(test_update_announce6)
{
	static const uint8_t nh[32] = { V6_NH, V6_LL };
	struct bgp_announce a = {
		.afi = BGP_AFI_IPV6,
		.prefixes = &vip6,
		.n_prefixes = 1,
		.local_as = 65001,
		.next_hop6_len = 32,
	};
	struct bgp_notification err;
	struct bgp_update u;
	uint8_t out[BGP_MSG_MAX];

	memcpy(a.next_hop6, nh, 32);
	check_announce(&a, update6, sizeof(update6), &u);
	ck_assert(u.has_mp_reach && u.mp_reach_af.afi == 2 &&
		  u.mp_reach_af.safi == 1);
	ck_assert_uint_eq(u.mp_nh_len, 32);
	ck_assert_mem_eq(u.mp_nh, nh, 32);
	ck_assert(!u.has_next_hop && !u.nlri_len && !u.has_med);
	check_one_prefix(u.mp_reach_nlri, u.mp_reach_nlri_len, BGP_AFI_IPV6,
			 &vip6);
	/* A global next hop alone is 16 bytes. */
	a.next_hop6_len = 16;
	ck_assert_int_eq(bgp_update_encode_announce(out, sizeof(out), &a),
			 sizeof(update6) - 16);
	ck_assert_int_eq(bgp_update_parse(out, sizeof(update6) - 16, &as4_opts,
					  &u, &err),
			 0);
	ck_assert(u.action == BGP_UPD_OK && u.mp_nh_len == 16);
}
END_TEST

/*
 * A peer without the AS4 capability (RFC 6793 section 4.2.2): AS 4200000001
 * with one prepend goes out as AS_PATH [AS_TRANS AS_TRANS] in 2-octet ASes
 * plus AS4_PATH with the real path; AS 65001 needs no AS4_PATH.
 */
/* clang-format off */
static const uint8_t update_as2[] = {
	MARKER, 0x00, 0x3d, 0x02,
	0x00, 0x00, 0x00, 0x21,
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x06, 0x02, 0x02, 0x5b, 0xa0, 0x5b, 0xa0,
	0x40, 0x03, 0x04, 0x0a, 0x63, 0x01, 0x02,
	0xc0, 0x11, 0x0a, 0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0xfa, 0x56,
	0xea, 0x01,
	0x20, 0xcb, 0x00, 0x71, 0x0a,
};

static const uint8_t update_as2_small[] = {
	MARKER, 0x00, 0x30, 0x02,
	0x00, 0x00, 0x00, 0x14,
	0x40, 0x01, 0x01, 0x00,
	0x40, 0x02, 0x06, 0x02, 0x02, 0xfd, 0xe9, 0xfd, 0xe9,
	0x40, 0x03, 0x04, 0x0a, 0x63, 0x01, 0x02,
	0x20, 0xcb, 0x00, 0x71, 0x0a,
};
/* clang-format on */

START_TEST(test_update_as2)
{
	static const struct bgp_parse_opts as2_opts = { .as4 = false,
							.ebgp = true };
	struct bgp_announce a = {
		.afi = BGP_AFI_IPV4,
		.prefixes = &vip4,
		.n_prefixes = 1,
		.local_as = 4200000001u,
		.prepend = 1,
		.next_hop4 = 0x0a630102,
		.as2 = true,
	};
	struct bgp_notification err;
	struct bgp_update u;
	uint8_t out[BGP_MSG_MAX];
	int n;

	n = bgp_update_encode_announce(out, sizeof(out), &a);
	ck_assert_int_eq(n, sizeof(update_as2));
	ck_assert_mem_eq(out, update_as2, sizeof(update_as2));
	ck_assert_int_eq(bgp_update_parse(out, n, &as2_opts, &u, &err), 0);
	ck_assert(u.action == BGP_UPD_OK && u.as_path_len == 6);
	a.local_as = 65001;
	n = bgp_update_encode_announce(out, sizeof(out), &a);
	ck_assert_int_eq(n, sizeof(update_as2_small));
	ck_assert_mem_eq(out, update_as2_small, sizeof(update_as2_small));
	ck_assert_int_eq(bgp_update_parse(out, n, &as2_opts, &u, &err), 0);
	ck_assert(u.action == BGP_UPD_OK);
}
END_TEST

/* Long attributes take Extended Length; over 4096 bytes is refused. */
START_TEST(test_update_limits)
{
	static struct bgp_prefix many[1000];
	struct bgp_announce a = {
		.afi = BGP_AFI_IPV4,
		.prefixes = &vip4,
		.n_prefixes = 1,
		.local_as = 65001,
		.prepend = 100,
		.next_hop4 = 0x0a630102,
	};
	struct bgp_notification err;
	struct bgp_update u;
	uint8_t out[BGP_MSG_MAX];
	unsigned int i;
	int n;

	n = bgp_update_encode_announce(out, sizeof(out), &a);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(out[23 + 4], 0x50); /* AS_PATH flags: Extended */
	ck_assert_int_eq(bgp_update_parse(out, n, &as4_opts, &u, &err), 0);
	ck_assert(u.action == BGP_UPD_OK && u.as_path_len == 2 + 4 * 101);
	a.prepend = 255; /* 256 ASes do not fit one segment */
	ck_assert_int_eq(bgp_update_encode_announce(out, sizeof(out), &a),
			 -EINVAL);
	for (i = 0; i < 1000; i++)
		many[i] = vip4;
	a.prepend = 0;
	a.prefixes = many;
	a.n_prefixes = 1000;
	ck_assert_int_eq(bgp_update_encode_announce(out, sizeof(out), &a),
			 -EMSGSIZE);
	ck_assert_int_eq(bgp_update_encode_withdraw(out, sizeof(out),
						    BGP_AFI_IPV6, many, 1000),
			 -EINVAL);
	for (i = 0; i < 1000; i++)
		many[i] = vip6;
	ck_assert_int_eq(bgp_update_encode_withdraw(out, sizeof(out),
						    BGP_AFI_IPV6, many, 1000),
			 -EMSGSIZE);
	/* 200 IPv6 /128s: 3400 bytes, MP_UNREACH with Extended Length. */
	n = bgp_update_encode_withdraw(out, sizeof(out), BGP_AFI_IPV6, many,
				       200);
	ck_assert_int_eq(n, 19 + 4 + 4 + 3 + 200 * 17);
	ck_assert_int_eq(bgp_update_parse(out, n, &as4_opts, &u, &err), 0);
	ck_assert(u.action == BGP_UPD_OK && u.mp_unreach_nlri_len == 3400);
}
END_TEST

START_TEST(test_update_withdraw_eor)
{
	struct bgp_notification err;
	struct bgp_update u;
	uint8_t out[BGP_MSG_MAX];

	ck_assert_int_eq(bgp_update_encode_withdraw(out, sizeof(out),
						    BGP_AFI_IPV4, &vip4, 1),
			 sizeof(withdraw4));
	ck_assert_mem_eq(out, withdraw4, sizeof(withdraw4));
	ck_assert_int_eq(bgp_update_encode_withdraw(out, sizeof(out),
						    BGP_AFI_IPV6, &vip6, 1),
			 sizeof(withdraw6));
	ck_assert_mem_eq(out, withdraw6, sizeof(withdraw6));
	ck_assert_int_eq(bgp_update_encode_eor(out, sizeof(out), BGP_AFI_IPV4),
			 sizeof(eor4));
	ck_assert_mem_eq(out, eor4, sizeof(eor4));
	ck_assert_int_eq(bgp_update_encode_eor(out, sizeof(out), BGP_AFI_IPV6),
			 sizeof(eor6));
	ck_assert_mem_eq(out, eor6, sizeof(eor6));
	ck_assert_int_eq(bgp_update_encode_withdraw(out, sizeof(out),
						    BGP_AFI_IPV6, &vip4, 1),
			 -EINVAL);

	ck_assert_int_eq(bgp_update_parse(withdraw4, sizeof(withdraw4),
					  &as4_opts, &u, &err),
			 0);
	ck_assert(u.action == BGP_UPD_OK && u.withdrawn_len == 5 &&
		  !u.end_of_rib);
	ck_assert_int_eq(bgp_update_parse(withdraw6, sizeof(withdraw6),
					  &as4_opts, &u, &err),
			 0);
	ck_assert(u.action == BGP_UPD_OK && u.has_mp_unreach &&
		  u.mp_unreach_nlri_len == 17 && !u.end_of_rib);
	ck_assert_int_eq(
		bgp_update_parse(eor4, sizeof(eor4), &as4_opts, &u, &err), 0);
	ck_assert(u.action == BGP_UPD_OK && u.end_of_rib);
	ck_assert_int_eq(
		bgp_update_parse(eor6, sizeof(eor6), &as4_opts, &u, &err), 0);
	ck_assert(u.action == BGP_UPD_OK && u.end_of_rib &&
		  u.mp_unreach_af.afi == 2);
}
END_TEST

/* ---- malformed input ---- */

enum expect { E_OK, E_DISCARD, E_WITHDRAW, E_RESET };

struct patch {
	uint16_t off;
	uint8_t val;
};

/* A golden message with byte patches, cut to len (0: whole). */
struct bad_msg {
	const char *name;
	const uint8_t *base;
	size_t base_len;
	size_t len;
	struct patch p[4];
	unsigned int np;
	uint8_t code, subcode;
};

#define G(m) m, sizeof(m)

static const struct bad_msg bad_msgs[] = {
	{ "marker first byte", G(keepalive), 0, { { 0, 0xfe } }, 1, 1, 1 },
	{ "marker last byte", G(keepalive), 0, { { 15, 0x00 } }, 1, 1, 1 },
	{ "length 18", G(keepalive), 0, { { 17, 18 } }, 1, 1, 2 },
	{ "length 4097",
	  G(keepalive),
	  0,
	  { { 16, 0x10 }, { 17, 0x01 } },
	  2,
	  1,
	  2 },
	{ "length 0", G(keepalive), 0, { { 17, 0 } }, 1, 1, 2 },
	{ "type 0", G(keepalive), 0, { { 18, 0 } }, 1, 1, 3 },
	{ "type 6", G(keepalive), 0, { { 18, 6 } }, 1, 1, 3 },
	{ "keepalive length 20", G(keepalive), 0, { { 17, 20 } }, 1, 1, 2 },
	{ "header longer than message", G(open1), 0, { { 17, 0x34 } }, 1, 1, 2 },
	{ "open length 28", G(open1), 28, { { 17, 28 } }, 1, 1, 2 },
	{ "open version 3", G(open1), 0, { { 19, 3 } }, 1, 2, 1 },
	{ "open version 5", G(open1), 0, { { 19, 5 } }, 1, 2, 1 },
	{ "open my AS 0", G(open1), 0, { { 20, 0 }, { 21, 0 } }, 2, 2, 2 },
	{ "open hold time 1", G(open1), 0, { { 23, 1 } }, 1, 2, 6 },
	{ "open hold time 2", G(open1), 0, { { 23, 2 } }, 1, 2, 6 },
	{ "open BGP id 0",
	  G(open1),
	  0,
	  { { 24, 0 }, { 25, 0 }, { 26, 0 }, { 27, 0 } },
	  4,
	  2,
	  3 },
	{ "open optlen over message", G(open1), 0, { { 28, 23 } }, 1, 1, 2 },
	{ "open optlen short of message", G(open1), 0, { { 28, 21 } }, 1, 1, 2 },
	{ "open parameter type 1", G(open1), 0, { { 29, 1 } }, 1, 2, 4 },
	{ "open parameter overruns", G(open1), 0, { { 30, 21 } }, 1, 2, 0 },
	{ "open capability overruns", G(open1), 0, { { 46, 5 } }, 1, 2, 0 },
	{ "open MP capability length 3",
	  G(open1),
	  0,
	  { { 32, 3 }, { 37, 0 }, { 38, 3 } },
	  3,
	  2,
	  0 },
	{ "open route refresh length 1",
	  G(open1),
	  0,
	  { { 44, 2 }, { 45, 1 } },
	  2,
	  2,
	  0 },
	{ "open AS4 capability AS 0",
	  G(open1),
	  0,
	  { { 49, 0 }, { 50, 0 } },
	  2,
	  2,
	  2 },
	{ "notification length 20",
	  G(notif_shutdown),
	  20,
	  { { 17, 20 } },
	  1,
	  1,
	  2 },
	{ "route refresh length 22",
	  G(route_refresh6),
	  22,
	  { { 17, 22 } },
	  1,
	  1,
	  2 },
	{ "update length 22", G(eor4), 22, { { 17, 22 } }, 1, 1, 2 },
	{ "update withdrawn length overruns",
	  G(update4),
	  0,
	  { { 20, 0x60 } },
	  1,
	  3,
	  1 },
	{ "update attribute length overruns",
	  G(update4),
	  0,
	  { { 22, 0x40 } },
	  1,
	  3,
	  1 },
	{ "update withdrawn /33", G(withdraw4), 0, { { 21, 33 } }, 1, 3, 10 },
	{ "update NLRI /33", G(update4), 0, { { 80, 33 } }, 1, 3, 10 },
	{ "update NLRI /40 truncated", G(update4), 0, { { 80, 40 } }, 1, 3, 10 },
	{ "update MP_REACH /129", G(update6), 0, { { 63, 129 } }, 1, 3, 10 },
	{ "update MP_UNREACH /129", G(withdraw6), 0, { { 29, 129 } }, 1, 3, 10 },
	{ "update MP_REACH next hop 31", G(update6), 0, { { 29, 31 } }, 1, 3, 9 },
};

/* UPDATEs built from attribute bytes, with the base NLRI. */
struct bad_upd {
	const char *name;
	const char *attrs;
	size_t attrs_len;
	bool no_nlri, ibgp;
	enum expect expect;
	uint8_t subcode; /* for E_RESET */
};

#define ORIGIN "\x40\x01\x01\x00"
#define ASPATH "\x40\x02\x06\x02\x01\x00\x00\xfd\xe9"
#define NH "\x40\x03\x04\x0a\x63\x01\x02"
#define BASE ORIGIN ASPATH NH
#define A(s) s, sizeof(s) - 1
#define MPU6 "\x80\x0f\x03\x00\x02\x01"

static const struct bad_upd bad_upds[] = {
	{ "baseline", A(BASE), false, false, E_OK, 0 },
	{ "extended length ORIGIN", A("\x50\x01\x00\x01\x00" ASPATH NH), false,
	  false, E_OK, 0 },
	{ "unknown optional", A(BASE "\xc0\x63\x00"), false, false, E_OK, 0 },
	{ "AS4_PATH well formed",
	  A(BASE "\xc0\x11\x06\x02\x01\x00\x01\x00\x00"), false, false, E_OK,
	  0 },
	{ "missing ORIGIN", A(ASPATH NH), false, false, E_WITHDRAW, 0 },
	{ "missing AS_PATH", A(ORIGIN NH), false, false, E_WITHDRAW, 0 },
	{ "missing NEXT_HOP", A(ORIGIN ASPATH), false, false, E_WITHDRAW, 0 },
	{ "no NLRI, no attributes needed", A(MPU6), true, false, E_OK, 0 },
	{ "ORIGIN length 2", A("\x40\x01\x02\x00\x00" ASPATH NH), false, false,
	  E_WITHDRAW, 0 },
	{ "ORIGIN 3", A("\x40\x01\x01\x03" ASPATH NH), false, false, E_WITHDRAW,
	  0 },
	{ "ORIGIN flagged optional", A("\xc0\x01\x01\x00" ASPATH NH), false,
	  false, E_WITHDRAW, 0 },
	{ "AS_PATH segment type 0",
	  A(ORIGIN "\x40\x02\x06\x00\x01\x00\x00\xfd\xe9" NH), false, false,
	  E_WITHDRAW, 0 },
	{ "AS_PATH segment count 0", A(ORIGIN "\x40\x02\x02\x02\x00" NH), false,
	  false, E_WITHDRAW, 0 },
	{ "AS_PATH 2-octet on an AS4 session",
	  A(ORIGIN "\x40\x02\x04\x02\x01\xfd\xe9" NH), false, false, E_WITHDRAW,
	  0 },
	{ "AS_PATH count overruns",
	  A(ORIGIN "\x40\x02\x06\x02\x02\x00\x00\xfd\xe9" NH), false, false,
	  E_WITHDRAW, 0 },
	{ "NEXT_HOP length 5",
	  A(ORIGIN ASPATH "\x40\x03\x05\x0a\x63\x01\x02\x00"), false, false,
	  E_WITHDRAW, 0 },
	{ "NEXT_HOP 0.0.0.0", A(ORIGIN ASPATH "\x40\x03\x04\x00\x00\x00\x00"),
	  false, false, E_WITHDRAW, 0 },
	{ "NEXT_HOP multicast", A(ORIGIN ASPATH "\x40\x03\x04\xe0\x00\x00\x01"),
	  false, false, E_WITHDRAW, 0 },
	{ "MED length 3", A(BASE "\x80\x04\x03\x00\x00\x01"), false, false,
	  E_WITHDRAW, 0 },
	{ "MED flagged transitive", A(BASE "\xc0\x04\x04\x00\x00\x00\x01"),
	  false, false, E_WITHDRAW, 0 },
	{ "LOCAL_PREF length 3 (iBGP)", A(BASE "\x40\x05\x03\x00\x00\x64"),
	  false, true, E_WITHDRAW, 0 },
	{ "LOCAL_PREF from eBGP", A(BASE "\x40\x05\x04\x00\x00\x00\x64"), false,
	  false, E_DISCARD, 0 },
	{ "ATOMIC_AGGREGATE length 1", A(BASE "\x40\x06\x01\x00"), false, false,
	  E_DISCARD, 0 },
	{ "AGGREGATOR 2-octet on AS4 session",
	  A(BASE "\xc0\x07\x06\xfd\xe9\x0a\x00\x00\x01"), false, false,
	  E_DISCARD, 0 },
	{ "COMMUNITIES length 0", A(BASE "\xc0\x08\x00"), false, false,
	  E_WITHDRAW, 0 },
	{ "COMMUNITIES length 5", A(BASE "\xc0\x08\x05\xff\xff\x00\x00\x00"),
	  false, false, E_WITHDRAW, 0 },
	{ "COMMUNITIES flagged non-transitive",
	  A(BASE "\x80\x08\x04\xff\xff\x00\x00"), false, false, E_WITHDRAW, 0 },
	{ "ORIGINATOR_ID length 3", A(BASE "\x80\x09\x03\x01\x02\x03"), false,
	  false, E_WITHDRAW, 0 },
	{ "CLUSTER_LIST length 0", A(BASE "\x80\x0a\x00"), false, false,
	  E_WITHDRAW, 0 },
	{ "LARGE_COMMUNITIES length 8",
	  A(BASE "\xc0\x20\x08\x00\x00\xfd\xe9\x00\x00\x00\x01"), false, false,
	  E_WITHDRAW, 0 },
	{ "AS4_PATH malformed", A(BASE "\xc0\x11\x03\x02\x01\x00"), false,
	  false, E_DISCARD, 0 },
	{ "AS4_AGGREGATOR length 6",
	  A(BASE "\xc0\x12\x06\x00\x01\x0a\x00\x00\x01"), false, false,
	  E_DISCARD, 0 },
	{ "duplicate ORIGIN", A(BASE ORIGIN), false, false, E_DISCARD, 0 },
	{ "duplicate MP_UNREACH", A(MPU6 MPU6), true, false, E_RESET, 1 },
	{ "unknown well-known", A(BASE "\x40\x63\x00"), false, false,
	  E_WITHDRAW, 0 },
	{ "attribute overruns the list", A(BASE "\x40\x05\x04\x00"), false,
	  false, E_WITHDRAW, 0 },
	{ "two stray bytes after attributes", A(BASE "\x40\x05"), false, false,
	  E_WITHDRAW, 0 },
	{ "extended length header cut", A(BASE "\x50\x05\x00"), false, false,
	  E_WITHDRAW, 0 },
	{ "MP_REACH too short", A(BASE "\x80\x0e\x02\x00\x02"), false, false,
	  E_RESET, 9 },
	{ "MP_REACH IPv6 next hop 4",
	  A(BASE "\x80\x0e\x0a\x00\x02\x01\x04\x0a\x63\x01\x02\x00\x00"), false,
	  false, E_RESET, 9 },
	{ "MP_UNREACH too short", A("\x80\x0f\x02\x00\x02"), true, false,
	  E_RESET, 9 },
	{ "MP_UNREACH flagged transitive", A("\xc0\x0f\x03\x00\x02\x01"), true,
	  false, E_WITHDRAW, 0 },
	{ "MP_REACH unknown family kept unread",
	  A(BASE "\x80\x0e\x06\x00\x19\x46\x00\x00\xff"), false, false, E_OK,
	  0 },
};

static size_t build_update(uint8_t *buf, const struct bad_upd *c)
{
	static const uint8_t nlri[] = { 0x20, 0xcb, 0x00, 0x71, 0x0a };
	size_t n = 0, len;

	memset(buf, 0xff, 16);
	n = 16;
	n += 2; /* length below */
	buf[n++] = BGP_UPDATE;
	buf[n++] = 0;
	buf[n++] = 0;
	buf[n++] = (uint8_t)(c->attrs_len >> 8);
	buf[n++] = (uint8_t)c->attrs_len;
	memcpy(buf + n, c->attrs, c->attrs_len);
	n += c->attrs_len;
	if (!c->no_nlri) {
		memcpy(buf + n, nlri, sizeof(nlri));
		n += sizeof(nlri);
	}
	len = n;
	buf[16] = (uint8_t)(len >> 8);
	buf[17] = (uint8_t)len;
	return len;
}

/*
 * Parse any message: 0 or -EBADMSG; *act for UPDATEs.  The buffer is a
 * heap copy of exactly len bytes.
 */
static int parse_any(const uint8_t *msg, size_t len,
		     const struct bgp_parse_opts *opts,
		     struct bgp_notification *err, enum bgp_update_action *act)
{
	static struct bgp_notification notif;
	struct bgp_route_refresh rr;
	struct bgp_update u;
	struct bgp_open o;
	struct bgp_hdr h;
	uint8_t *buf = malloc(len ? len : 1);
	int ret;

	memcpy(buf, msg, len);
	*act = BGP_UPD_OK;
	ret = bgp_hdr_parse(buf, len, &h, err);
	if (ret)
		goto out;
	switch (h.type) {
	case BGP_OPEN:
		ret = bgp_open_parse(buf, len, &o, err);
		break;
	case BGP_UPDATE:
		ret = bgp_update_parse(buf, len, opts, &u, err);
		*act = ret ? BGP_UPD_SESSION_RESET : u.action;
		break;
	case BGP_NOTIFICATION:
		ret = bgp_notification_parse(buf, len, &notif, err);
		break;
	case BGP_KEEPALIVE:
		ret = bgp_keepalive_parse(buf, len, err);
		break;
	default:
		ret = bgp_route_refresh_parse(buf, len, &rr, err);
		break;
	}
out:
	free(buf);
	return ret;
}

START_TEST(test_bad_msg)
{
	const struct bad_msg *c = &bad_msgs[_i];
	struct bgp_notification err;
	enum bgp_update_action act;
	uint8_t buf[BGP_MSG_MAX];
	size_t len = c->len ? c->len : c->base_len;
	unsigned int i;

	memcpy(buf, c->base, c->base_len);
	for (i = 0; i < c->np; i++)
		buf[c->p[i].off] = c->p[i].val;
	ck_assert_msg(parse_any(buf, len, &as4_opts, &err, &act) == -EBADMSG,
		      "%s: accepted", c->name);
	ck_assert_msg(err.code == c->code && err.subcode == c->subcode,
		      "%s: %u/%u, want %u/%u", c->name, err.code, err.subcode,
		      c->code, c->subcode);
	ck_assert_ptr_nonnull(err.reason);
	/* The data each error carries (RFC 4271 section 6.1, 6.2). */
	if (c->code == 1 && c->subcode == 2 && len >= 19)
		ck_assert(err.data_len == 2 && !memcmp(err.data, buf + 16, 2));
	if (c->code == 1 && c->subcode == 3)
		ck_assert(err.data_len == 1 && err.data[0] == buf[18]);
	if (c->code == 2 && c->subcode == 1)
		ck_assert(err.data_len == 2 && err.data[0] == 0 &&
			  err.data[1] == 4);
	if (c->code == 3 && c->subcode == 9)
		ck_assert(err.data_len > 3 && (err.data[0] & 0x80));
}
END_TEST

START_TEST(test_bad_update)
{
	const struct bad_upd *c = &bad_upds[_i];
	struct bgp_parse_opts opts = { .as4 = true, .ebgp = !c->ibgp };
	struct bgp_notification err;
	enum bgp_update_action act;
	uint8_t buf[BGP_MSG_MAX];
	size_t len = build_update(buf, c);
	int ret;
	static const enum bgp_update_action map[] = {
		[E_OK] = BGP_UPD_OK,
		[E_DISCARD] = BGP_UPD_ATTR_DISCARD,
		[E_WITHDRAW] = BGP_UPD_TREAT_AS_WITHDRAW,
		[E_RESET] = BGP_UPD_SESSION_RESET,
	};

	ret = parse_any(buf, len, &opts, &err, &act);
	ck_assert_msg(act == map[c->expect], "%s: action %d, want %d", c->name,
		      act, map[c->expect]);
	if (c->expect == E_RESET)
		ck_assert_msg(ret == -EBADMSG && err.code == 3 &&
				      err.subcode == c->subcode,
			      "%s: %d %u/%u", c->name, ret, err.code,
			      err.subcode);
	else
		ck_assert_int_eq(ret, 0);
}
END_TEST

static const struct {
	const uint8_t *m;
	size_t len;
} goldens[] = {
	{ G(keepalive) },      { G(open1) },	      { G(open2) },
	{ G(notif_shutdown) }, { G(route_refresh6) }, { G(update4) },
	{ G(update6) },	       { G(withdraw4) },      { G(withdraw6) },
	{ G(eor4) },	       { G(eor6) },
};

/*
 * Every prefix of every golden message: with the header's length kept it
 * must be refused 1/2; with the length rewritten to the cut it may parse
 * or not, but ASan sees every byte read.
 */
START_TEST(test_truncated)
{
	const uint8_t *m = goldens[_i].m;
	size_t full = goldens[_i].len, cut;
	struct bgp_notification err;
	enum bgp_update_action act;
	uint8_t buf[BGP_MSG_MAX];

	ck_assert_int_eq(parse_any(m, full, &as4_opts, &err, &act), 0);
	ck_assert_int_eq(act, BGP_UPD_OK);
	for (cut = 0; cut < full; cut++) {
		ck_assert_int_eq(parse_any(m, cut, &as4_opts, &err, &act),
				 -EBADMSG);
		ck_assert(err.code == 1 && err.subcode == 2);
		if (cut < 19)
			continue;
		memcpy(buf, m, cut);
		buf[16] = (uint8_t)(cut >> 8);
		buf[17] = (uint8_t)cut;
		(void)parse_any(buf, cut, &as4_opts, &err, &act);
	}
}
END_TEST

START_TEST(test_nlri_masks_host_bits)
{
	static const uint8_t block[] = { 0x18, 0xcb, 0x00, 0x71, 0x17,
					 0xc0, 0x00, 0x00, 0x21 };
	const uint8_t *p = block;
	size_t left = sizeof(block);
	struct bgp_prefix pfx;

	ck_assert_int_eq(bgp_nlri_next(&p, &left, BGP_AFI_IPV4, &pfx), 1);
	ck_assert(pfx.len == 24 && pfx.addr[2] == 0x71 && pfx.addr[3] == 0);
	ck_assert_int_eq(bgp_nlri_next(&p, &left, BGP_AFI_IPV4, &pfx), 1);
	ck_assert(pfx.len == 23 && pfx.addr[0] == 0xc0 && pfx.addr[2] == 0);
	ck_assert_int_eq(bgp_nlri_next(&p, &left, BGP_AFI_IPV4, &pfx),
			 -EBADMSG);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct {
	struct bgp_prefix p;
	size_t size;
	const char *want;
} fmt_cases[] = {
	{ { BGP_AFI_IPV4, 32, { 203, 0, 113, 10 } }, 64, "203.0.113.10/32" },
	{ { BGP_AFI_IPV4, 0, { 0 } }, 64, "0.0.0.0/0" },
	{ { BGP_AFI_IPV6, 128, { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x10 } },
	  64,
	  "2001:db8::10/128" },
	{ { BGP_AFI_IPV6, 48, { 0x20, 0x01, 0x0d, 0xb8 } },
	  64,
	  "2001:db8::/48" },
	{ { 3, 8, { 1 } }, 64, "?/8" },
	{ { BGP_AFI_IPV4, 32, { 203, 0, 113, 10 } }, 8, "203.0.1" }, /* cut */
};

START_TEST(test_prefix_format)
{
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	bgp_prefix_format(&fmt_cases[_i].p, buf, fmt_cases[_i].size);
	ck_assert_str_eq(buf, fmt_cases[_i].want);
}
END_TEST

static Suite *bgp_msg_suite(void)
{
	Suite *s = suite_create("bgp_msg");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, test_keepalive);
	tcase_add_test(tc, test_open_2octet);
	tcase_add_test(tc, test_open_4octet);
	tcase_add_test(tc, test_open_unknown_caps);
	tcase_add_test(tc, test_notification);
	tcase_add_test(tc, test_notification_bad_shutdown);
	tcase_add_test(tc, test_route_refresh);
	tcase_add_test(tc, test_update_announce4);
	tcase_add_test(tc, test_update_announce6);
	tcase_add_test(tc, test_update_limits);
	tcase_add_test(tc, test_update_as2);
	tcase_add_test(tc, test_update_withdraw_eor);
	tcase_add_test(tc, test_nlri_masks_host_bits);
	tcase_add_loop_test(tc, test_prefix_format, 0, N(fmt_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_bad_msg, 0, N(bad_msgs));
	tcase_add_loop_test(tc, test_bad_update, 0, N(bad_upds));
	tcase_add_loop_test(tc, test_truncated, 0, N(goldens));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(bgp_msg_suite());
}
