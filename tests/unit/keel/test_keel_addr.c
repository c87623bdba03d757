// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* keel_addr: text forms of services, addresses, MACs and listen addresses
 * (table-driven). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <string.h>

#include "keel_addr.h"

static const struct vip_case {
	const char *in;
	int err;
	uint8_t family;
	const char *addr; /* as inet_pton input */
	uint16_t port;
	uint8_t proto;
	const char *canon; /* keel_vip_format output */
} vip_cases[] = {
	{ "203.0.113.10:80/tcp", 0, KEEL_F_INET, "203.0.113.10", 80, 6,
	  "203.0.113.10:80/tcp" },
	{ "203.0.113.10:53/udp", 0, KEEL_F_INET, "203.0.113.10", 53, 17,
	  "203.0.113.10:53/udp" },
	{ "203.0.113.10/tcp", 0, KEEL_F_INET, "203.0.113.10", 0, 6,
	  "203.0.113.10:0/tcp" },
	{ "203.0.113.10:0/udp", 0, KEEL_F_INET, "203.0.113.10", 0, 17,
	  "203.0.113.10:0/udp" },
	{ "203.0.113.10:65535/47", 0, KEEL_F_INET, "203.0.113.10", 65535, 47,
	  "203.0.113.10:65535/47" },
	{ "[2001:db8::10]:443/tcp", 0, KEEL_F_INET6, "2001:db8::10", 443, 6,
	  "[2001:db8::10]:443/tcp" },
	{ "[2001:db8::10]/udp", 0, KEEL_F_INET6, "2001:db8::10", 0, 17,
	  "[2001:db8::10]:0/udp" },
	{ "2001:db8::10/tcp", 0, KEEL_F_INET6, "2001:db8::10", 0, 6,
	  "[2001:db8::10]:0/tcp" },
	{ "[2001:db8::1]:1/icmpv6", 0, KEEL_F_INET6, "2001:db8::1", 1, 58,
	  "[2001:db8::1]:1/icmpv6" },
	{ .in = "203.0.113.10:80", .err = -EINVAL },
	{ .in = "203.0.113.10:80/", .err = -EINVAL },
	{ .in = "203.0.113.10:80/sctpx", .err = -EINVAL },
	{ .in = "203.0.113.10:65536/tcp", .err = -EINVAL },
	{ .in = "203.0.113.10:-1/tcp", .err = -EINVAL },
	{ .in = "203.0.113.10:/tcp", .err = -EINVAL },
	{ .in = "203.0.113.10:8x/tcp", .err = -EINVAL },
	{ .in = "203.0.113.256:80/tcp", .err = -EINVAL },
	{ .in = "203.0.113.10:80/0",
	  .err = -EINVAL }, /* proto 0 is the address marker */
	{ .in = "203.0.113.10:80/256", .err = -EINVAL },
	{ .in = "[203.0.113.10]:80/tcp", .err = -EINVAL },
	{ .in = "[2001:db8::10:443/tcp", .err = -EINVAL },
	{ .in = "[2001:db8::10]x443/tcp", .err = -EINVAL },
	{ .in = ":80/tcp", .err = -EINVAL },
	{ .in = "/tcp", .err = -EINVAL },
	{ .in = "", .err = -EINVAL },
	{ .in = "[]:80/tcp", .err = -EINVAL },
	{ .in = "[2001:db8::10]:99999999999999999999/tcp", .err = -EINVAL },
};

START_TEST(test_vip_parse)
{
	const struct vip_case *c = &vip_cases[_i];
	struct keel_vip_key k, want = {};
	char buf[80];
	int err;

	err = keel_vip_parse(c->in, &k);
	ck_assert_msg(err == c->err, "%s: got %d want %d", c->in, err, c->err);
	if (c->err)
		return;
	want.family = c->family;
	want.port = htons(c->port);
	want.proto = c->proto;
	ck_assert_int_eq(inet_pton(c->family == KEEL_F_INET ? AF_INET :
							      AF_INET6,
				   c->addr, want.addr),
			 1);
	ck_assert_msg(memcmp(&k, &want, sizeof(k)) == 0, "%s: key differs",
		      c->in);
	ck_assert_int_gt(keel_vip_format(&k, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, c->canon);
	/* The canonical form parses back to the same key. */
	ck_assert_int_eq(keel_vip_parse(buf, &want), 0);
	ck_assert_mem_eq(&k, &want, sizeof(k));
}
END_TEST

START_TEST(test_vip_format_nospace)
{
	struct keel_vip_key k;
	char buf[8];

	ck_assert_int_eq(keel_vip_parse("203.0.113.10:80/tcp", &k), 0);
	ck_assert_int_eq(keel_vip_format(&k, buf, sizeof(buf)), -ENOSPC);
	k.family = 9;
	ck_assert_int_eq(keel_vip_format(&k, buf, sizeof(buf)), -EINVAL);
}
END_TEST

static const struct mac_case {
	const char *in;
	int err;
	uint8_t mac[6];
} mac_cases[] = {
	{ "02:00:5e:10:00:01", 0, { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 } },
	{ "FF:ff:Ff:00:00:00", 0, { 0xff, 0xff, 0xff, 0, 0, 0 } },
	{ .in = "02:00:5e:10:00", .err = -EINVAL },
	{ .in = "02:00:5e:10:00:01:02", .err = -EINVAL },
	{ .in = "02:00:5e:10:00:0g", .err = -EINVAL },
	{ .in = "02-00-5e-10-00-01", .err = -EINVAL },
	{ .in = "02:00:5e:10:00:1 ", .err = -EINVAL },
	{ .in = " 2:00:5e:10:00:01", .err = -EINVAL },
	{ .in = "+2:00:5e:10:00:01", .err = -EINVAL },
	{ .in = "", .err = -EINVAL },
};

START_TEST(test_mac_parse)
{
	const struct mac_case *c = &mac_cases[_i];
	uint8_t mac[6];
	char buf[18];

	ck_assert_msg(keel_mac_parse(c->in, mac) == c->err, "%s", c->in);
	if (c->err)
		return;
	ck_assert_mem_eq(mac, c->mac, 6);
	ck_assert_int_eq(keel_mac_format(mac, buf, sizeof(buf)), 17);
	ck_assert_int_eq(strcasecmp(buf, c->in), 0);
}
END_TEST

static const struct addr_case {
	const char *in;
	int err;
	uint8_t family;
} addr_cases[] = {
	{ "10.20.0.11", 0, KEEL_F_INET },
	{ "fd00::11", 0, KEEL_F_INET6 },
	{ "::ffff:10.0.0.1", 0, KEEL_F_INET6 },
	{ .in = "10.20.0", .err = -EINVAL },
	{ .in = "10.20.0.11/32", .err = -EINVAL },
	{ .in = "fd00::11::1", .err = -EINVAL },
	{ .in = "", .err = -EINVAL },
};

START_TEST(test_addr_parse)
{
	const struct addr_case *c = &addr_cases[_i];
	__be32 addr[4];
	uint8_t fam;
	char buf[64];

	ck_assert_msg(keel_addr_parse(c->in, &fam, addr) == c->err, "%s",
		      c->in);
	if (c->err)
		return;
	ck_assert_int_eq(fam, c->family);
	if (fam == KEEL_F_INET)
		ck_assert(addr[1] == 0 && addr[2] == 0 && addr[3] == 0);
	ck_assert_int_gt(keel_addr_format(fam, addr, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, c->in);
}
END_TEST

static const struct proto_case {
	const char *in;
	int err;
	uint8_t proto;
} proto_cases[] = {
	{ "tcp", 0, 6 },
	{ "udp", 0, 17 },
	{ "icmp", 0, 1 },
	{ "icmpv6", 0, 58 },
	{ "132", 0, 132 },
	{ "255", 0, 255 },
	{ .in = "0", .err = -EINVAL },
	{ .in = "256", .err = -EINVAL },
	{ .in = "TCP", .err = -EINVAL },
	{ .in = "6x", .err = -EINVAL },
	{ .in = "-6", .err = -EINVAL },
	{ .in = "", .err = -EINVAL },
};

START_TEST(test_proto_parse)
{
	const struct proto_case *c = &proto_cases[_i];
	uint8_t p;

	ck_assert_msg(keel_proto_parse(c->in, &p) == c->err, "%s", c->in);
	if (!c->err)
		ck_assert_int_eq(p, c->proto);
}
END_TEST

static const struct hp_case {
	const char *in;
	bool need_port;
	int err;
	uint8_t family;
	uint16_t port;
} hp_cases[] = {
	{ "127.0.0.1:9450", true, 0, KEEL_F_INET, 9450 },
	{ "[::1]:9450", true, 0, KEEL_F_INET6, 9450 },
	{ "10.0.0.1", false, 0, KEEL_F_INET, 0 },
	{ "[fd00::1]", false, 0, KEEL_F_INET6, 0 },
	{ "fd00::1", false, 0, KEEL_F_INET6, 0 },
	{ "10.0.0.1:0", true, 0, KEEL_F_INET, 0 },
	{ "10.0.0.1:65535", true, 0, KEEL_F_INET, 65535 },
	{ "10.0.0.1", true, -EINVAL, 0, 0 },
	{ "fd00::1", true, -EINVAL, 0, 0 }, /* "::1:9450" is ambiguous */
	{ "10.0.0.1:65536", true, -ERANGE, 0, 0 },
	{ "10.0.0.1:99999", true, -ERANGE, 0, 0 },
	{ "10.0.0.1:123456", true, -EINVAL, 0, 0 },
	{ "10.0.0.1:+80", true, -EINVAL, 0, 0 },
	{ "10.0.0.1:", true, -EINVAL, 0, 0 },
	{ "[10.0.0.1]:80", true, -EINVAL, 0, 0 },
	{ "[::1]x80", true, -EINVAL, 0, 0 },
	{ "[::1:80", true, -EINVAL, 0, 0 },
	{ "localhost:80", true, -EINVAL, 0, 0 },
	{ ":80", true, -EINVAL, 0, 0 },
};

START_TEST(test_hostport_parse)
{
	const struct hp_case *c = &hp_cases[_i];
	__be32 addr[4];
	uint16_t port;
	uint8_t fam;
	int err;

	err = keel_hostport_parse(c->in, strlen(c->in), c->need_port, &fam,
				  addr, &port);
	ck_assert_msg(err == c->err, "%s: got %d want %d", c->in, err, c->err);
	if (c->err)
		return;
	ck_assert_int_eq(fam, c->family);
	ck_assert_int_eq(port, c->port);
}
END_TEST

/* keel_sockaddr_parse: the listen addresses of the metrics endpoints. */
static const struct {
	const char *in;
	int err;
	int af;
	const char *addr;
	unsigned int port;
} listen_cases[] = {
	{ "127.0.0.1:9450", 0, AF_INET, "127.0.0.1", 9450 },
	{ "0.0.0.0:1", 0, AF_INET, "0.0.0.0", 1 },
	{ "10.1.2.3:0", 0, AF_INET, "10.1.2.3", 0 },
	{ "127.0.0.1:65535", 0, AF_INET, "127.0.0.1", 65535 },
	{ "[::1]:9450", 0, AF_INET6, "::1", 9450 },
	{ "[2001:db8::1]:80", 0, AF_INET6, "2001:db8::1", 80 },
	{ "[::ffff:10.0.0.1]:80", 0, AF_INET6, "::ffff:10.0.0.1", 80 },
	{ "127.0.0.1:09450", 0, AF_INET, "127.0.0.1", 9450 },
	{ NULL, -EINVAL, 0, NULL, 0 },
	{ "", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1:", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1:65536", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1:100000", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1:-1", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1:+80", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1: 80", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1:80 ", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1:80x", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1:0x50", -EINVAL, 0, NULL, 0 },
	{ ":9450", -EINVAL, 0, NULL, 0 },
	{ "localhost:9450", -EINVAL, 0, NULL, 0 },
	{ "127.1:9450", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.01:9450", -EINVAL, 0, NULL, 0 },
	{ "127.0.0.1.5:9450", -EINVAL, 0, NULL, 0 },
	{ "::1:9450", -EINVAL, 0, NULL, 0 },
	{ "[::1]", -EINVAL, 0, NULL, 0 },
	{ "[::1]:", -EINVAL, 0, NULL, 0 },
	{ "[::1]9450", -EINVAL, 0, NULL, 0 },
	{ "[::1:9450", -EINVAL, 0, NULL, 0 },
	{ "::1]:9450", -EINVAL, 0, NULL, 0 },
	{ "[]:9450", -EINVAL, 0, NULL, 0 },
	{ "[127.0.0.1]:9450", -EINVAL, 0, NULL, 0 },
	{ "[fe80::1%lo]:9450", -EINVAL, 0, NULL, 0 },
	{ "[::1]:9450:1", -EINVAL, 0, NULL, 0 },
	{ "[[::1]]:9450", -EINVAL, 0, NULL, 0 },
	{ "[0000:0000:0000:0000:0000:0000:0000:0000:0]:1", -EINVAL, 0, NULL,
	  0 },
};

START_TEST(test_listen)
{
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN];
	socklen_t len = 0;
	unsigned int port;
	const void *a;
	int err;

	err = keel_sockaddr_parse(listen_cases[_i].in, &ss, &len);
	ck_assert_msg(err == listen_cases[_i].err, "\"%s\": %d, want %d",
		      listen_cases[_i].in ? listen_cases[_i].in : "(null)", err,
		      listen_cases[_i].err);
	if (err)
		return;
	ck_assert_int_eq(ss.ss_family, listen_cases[_i].af);
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&ss;

		ck_assert_uint_eq(len, sizeof(*s6));
		a = &s6->sin6_addr;
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)&ss;

		ck_assert_uint_eq(len, sizeof(*s4));
		a = &s4->sin_addr;
		port = ntohs(s4->sin_port);
	}
	ck_assert_ptr_nonnull(inet_ntop(ss.ss_family, a, text, sizeof(text)));
	ck_assert_str_eq(text, listen_cases[_i].addr);
	ck_assert_uint_eq(port, listen_cases[_i].port);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("keel_addr");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_vip_parse, 0, N(vip_cases));
	tcase_add_test(tc, test_vip_format_nospace);
	tcase_add_loop_test(tc, test_mac_parse, 0, N(mac_cases));
	tcase_add_loop_test(tc, test_addr_parse, 0, N(addr_cases));
	tcase_add_loop_test(tc, test_proto_parse, 0, N(proto_cases));
	tcase_add_loop_test(tc, test_hostport_parse, 0, N(hp_cases));
	tcase_add_loop_test(tc, test_listen, 0, N(listen_cases));
	suite_add_tcase(s, tc);
	return check_run(s);
}
