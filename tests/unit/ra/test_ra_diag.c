// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_diag against real sockets: listeners on VIPs on lo, client
 * connections from 127.0.0.1 / ::1 (so only the server side has the VIP
 * as its local address), counts per key exact.  Needs root (the VIPs);
 * meson runs it in a throw-away namespace (tests/bpf/run-in-netns.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "check_run.h"
#include "keel_maps.h"
#include "ra_diag.h"

#define V4 "203.0.113.10"
#define V6 "2001:db8::10"
#define MAXC 64

static struct ra_diag_key key(const char *addr, uint16_t port, uint8_t proto)
{
	struct ra_diag_key k = { .port = port, .proto = proto };

	if (inet_pton(AF_INET, addr, k.addr) == 1)
		k.family = KEEL_F_INET;
	else if (inet_pton(AF_INET6, addr, k.addr) == 1)
		k.family = KEEL_F_INET6;
	else
		ck_abort_msg("bad address %s", addr);
	return k;
}

static socklen_t sa(struct sockaddr_storage *ss, const char *addr,
		    uint16_t port)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	ck_assert_int_eq(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	return sizeof(*s6);
}

/* A socket bound to addr:port; v6only 0 makes [::] dual-stack. */
static int bound(const char *addr, uint16_t port, int type, int v6only)
{
	struct sockaddr_storage ss;
	socklen_t len = sa(&ss, addr, port);
	int fd, one = 1;

	fd = socket(ss.ss_family, type, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	if (ss.ss_family == AF_INET6)
		ck_assert_int_eq(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
					    &v6only, sizeof(v6only)),
				 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&ss, len) == 0,
		      "bind %s:%u: %s", addr, port, strerror(errno));
	return fd;
}

static int listener(const char *addr, uint16_t port, int v6only)
{
	int fd = bound(addr, port, SOCK_STREAM, v6only);

	ck_assert_int_eq(listen(fd, 1024), 0);
	return fd;
}

/* One TCP connection from src to dst:port; both ends' fds. */
struct conn {
	int cli;
	int srv;
};

static struct conn tcp_conn(int lfd, const char *src, const char *dst,
			    uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa(&ss, dst, port);
	struct conn c;

	c.cli = bound(src, 0, SOCK_STREAM, 1);
	ck_assert_msg(connect(c.cli, (struct sockaddr *)&ss, len) == 0,
		      "connect %s:%u: %s", dst, port, strerror(errno));
	c.srv = accept(lfd, NULL, NULL);
	ck_assert_int_ge(c.srv, 0);
	return c;
}

static void conn_close(struct conn *c)
{
	close(c->cli);
	close(c->srv);
}

static void count(const struct ra_diag_key *keys, size_t n, uint32_t *got)
{
	struct ra_diag *d;

	ck_assert_int_eq(ra_diag_open(&d), 0);
	ck_assert_int_eq(ra_diag_count(d, keys, n, got), 0);
	ra_diag_close(d);
}

static const unsigned int n_conns[] = { 0, 1, 37 };

/*
 * N connections to V4:8080, plus decoys that must not count for it: other
 * ports of the VIP, the same port on another address, the clients' own
 * sockets (local address 127.0.0.1), the listeners.
 */
START_TEST(tcp_v4)
{
	unsigned int n = n_conns[_i], i;
	struct conn c[MAXC], other[5];
	const struct ra_diag_key keys[] = {
		key(V4, 8080, IPPROTO_TCP), key(V4, 0, IPPROTO_TCP),
		key(V4, 9090, IPPROTO_TCP), key(V4, 8080, IPPROTO_UDP),
		key(V6, 8080, IPPROTO_TCP), key("127.0.0.1", 8080, IPPROTO_TCP),
	};
	const uint32_t want[] = { n, n + 3, 0, 0, 0, 2 };
	uint32_t got[6];
	int l1, l2, l3;

	l1 = listener(V4, 8080, 1);
	l2 = listener(V4, 9091, 1);
	l3 = listener("127.0.0.1", 8080, 1);
	for (i = 0; i < n; i++)
		c[i] = tcp_conn(l1, "127.0.0.1", V4, 8080);
	for (i = 0; i < 3; i++)
		other[i] = tcp_conn(l2, "127.0.0.1", V4, 9091);
	for (i = 3; i < 5; i++)
		other[i] = tcp_conn(l3, "127.0.0.2", "127.0.0.1", 8080);
	count(keys, 6, got);
	for (i = 0; i < 6; i++)
		ck_assert_msg(got[i] == want[i], "n=%u key %u: %u, want %u", n,
			      i, got[i], want[i]);
	for (i = 0; i < n; i++)
		conn_close(&c[i]);
	for (i = 0; i < 5; i++)
		conn_close(&other[i]);
	close(l1);
	close(l2);
	close(l3);
}
END_TEST

/* Closed connections leave the count; so do half-closed ones. */
START_TEST(tcp_closed)
{
	const struct ra_diag_key k = key(V4, 8082, IPPROTO_TCP);
	struct conn c[10];
	uint32_t got;
	int l, i;

	l = listener(V4, 8082, 1);
	for (i = 0; i < 10; i++)
		c[i] = tcp_conn(l, "127.0.0.1", V4, 8082);
	count(&k, 1, &got);
	ck_assert_uint_eq(got, 10);
	for (i = 0; i < 4; i++)
		conn_close(&c[i]);
	count(&k, 1, &got);
	ck_assert_uint_eq(got, 6);
	/* The client left: the server's socket is in CLOSE_WAIT. */
	close(c[4].cli);
	usleep(20000);
	count(&k, 1, &got);
	ck_assert_uint_eq(got, 5);
	close(c[4].srv);
	for (i = 5; i < 10; i++)
		conn_close(&c[i]);
	count(&k, 1, &got);
	ck_assert_uint_eq(got, 0);
	close(l);
}
END_TEST

START_TEST(tcp_v6)
{
	unsigned int n = n_conns[_i], i;
	const struct ra_diag_key keys[] = {
		key(V6, 8083, IPPROTO_TCP),
		key(V6, 0, IPPROTO_TCP),
		key(V4, 8083, IPPROTO_TCP),
		key("2001:db8::11", 8083, IPPROTO_TCP),
	};
	const uint32_t want[] = { n, n + 2, 0, 0 };
	struct conn c[MAXC], other[2];
	uint32_t got[4];
	int l, l2;

	l = listener(V6, 8083, 1);
	l2 = listener(V6, 8084, 1);
	for (i = 0; i < n; i++)
		c[i] = tcp_conn(l, "::1", V6, 8083);
	for (i = 0; i < 2; i++)
		other[i] = tcp_conn(l2, "::1", V6, 8084);
	count(keys, 4, got);
	for (i = 0; i < 4; i++)
		ck_assert_msg(got[i] == want[i], "n=%u key %u: %u, want %u", n,
			      i, got[i], want[i]);
	for (i = 0; i < n; i++)
		conn_close(&c[i]);
	for (i = 0; i < 2; i++)
		conn_close(&other[i]);
	close(l);
	close(l2);
}
END_TEST

/*
 * A dual-stack listener on [::]: clients of the IPv4 VIP land on AF_INET6
 * sockets as ::ffff:203.0.113.10 and count for the IPv4 VIP; clients of
 * the IPv6 VIP on the same listener count for that one.
 */
START_TEST(tcp_v4_mapped)
{
	const struct ra_diag_key keys[] = {
		key(V4, 8085, IPPROTO_TCP),
		key(V4, 0, IPPROTO_TCP),
		key(V6, 8085, IPPROTO_TCP),
		key("203.0.113.11", 8085, IPPROTO_TCP),
	};
	const uint32_t want[] = { 5, 5, 3, 0 };
	struct conn c[8];
	uint32_t got[4];
	int l, i;

	l = listener("::", 8085, 0);
	for (i = 0; i < 5; i++)
		c[i] = tcp_conn(l, "127.0.0.1", V4, 8085);
	for (; i < 8; i++)
		c[i] = tcp_conn(l, "::1", V6, 8085);
	count(keys, 4, got);
	for (i = 0; i < 4; i++)
		ck_assert_msg(got[i] == want[i], "key %d: %u, want %u", i,
			      got[i], want[i]);
	for (i = 0; i < 8; i++)
		conn_close(&c[i]);
	close(l);
}
END_TEST

/* UDP: connected sockets count, the unconnected server socket does not. */
START_TEST(udp_connected)
{
	const struct ra_diag_key keys[] = {
		key(V4, 5353, IPPROTO_UDP), key(V4, 5353, IPPROTO_TCP),
		key(V6, 5353, IPPROTO_UDP), key(V4, 0, IPPROTO_UDP),
		key(V4, 5354, IPPROTO_UDP),
	};
	const uint32_t want[] = { 3, 0, 1, 3, 0 };
	struct sockaddr_storage ss;
	int fds[6], one = 1, i;
	uint32_t got[5];
	socklen_t len;

	fds[0] = bound(V4, 5353, SOCK_DGRAM, 1); /* unconnected */
	for (i = 1; i < 4; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		ck_assert_int_eq(setsockopt(fds[i], SOL_SOCKET, SO_REUSEADDR,
					    &one, sizeof(one)),
				 0);
		len = sa(&ss, V4, 5353);
		ck_assert_int_eq(bind(fds[i], (struct sockaddr *)&ss, len), 0);
		len = sa(&ss, "127.0.0.1", 40000 + i);
		ck_assert_int_eq(connect(fds[i], (struct sockaddr *)&ss, len),
				 0);
	}
	fds[4] = bound(V6, 5353, SOCK_DGRAM, 1);
	len = sa(&ss, "::1", 40000);
	ck_assert_int_eq(connect(fds[4], (struct sockaddr *)&ss, len), 0);
	/* A connected client whose local address is not the VIP. */
	fds[5] = bound("127.0.0.1", 0, SOCK_DGRAM, 1);
	len = sa(&ss, V4, 5353);
	ck_assert_int_eq(connect(fds[5], (struct sockaddr *)&ss, len), 0);
	count(keys, 5, got);
	for (i = 0; i < 5; i++)
		ck_assert_msg(got[i] == want[i], "key %d: %u, want %u", i,
			      got[i], want[i]);
	for (i = 0; i < 6; i++)
		close(fds[i]);
}
END_TEST

/*
 * Many keys: 100 fit the in-kernel filter, 600 do not (the filter is left
 * out and every socket is matched here); the counts are the same.
 * Duplicate keys each get the count; keys of unknown family or protocol
 * count 0 without failing the others.
 */
static const unsigned int n_keys[] = { 100, 600 };

START_TEST(many_keys)
{
	unsigned int nk = n_keys[_i], i;
	struct ra_diag_key *keys;
	struct conn c[4];
	uint32_t *got;
	int l;

	keys = calloc(nk, sizeof(*keys));
	got = calloc(nk, sizeof(*got));
	ck_assert_ptr_nonnull(keys);
	ck_assert_ptr_nonnull(got);
	for (i = 0; i < nk; i++)
		keys[i] = key(i % 2 ? V6 : V4, 20000 + i, IPPROTO_TCP);
	keys[10] = key(V4, 8086, IPPROTO_TCP);
	keys[nk - 1] = key(V4, 8086, IPPROTO_TCP);
	keys[nk - 2] = keys[10];
	keys[nk - 2].family = 0;
	keys[nk - 3] = keys[10];
	keys[nk - 3].proto = IPPROTO_ICMP;
	l = listener(V4, 8086, 1);
	for (i = 0; i < 4; i++)
		c[i] = tcp_conn(l, "127.0.0.1", V4, 8086);
	count(keys, nk, got);
	for (i = 0; i < nk; i++)
		ck_assert_msg(got[i] == (i == 10 || i == nk - 1 ? 4u : 0u),
			      "%u keys: key %u: %u", nk, i, got[i]);
	for (i = 0; i < 4; i++)
		conn_close(&c[i]);
	close(l);
	free(keys);
	free(got);
}
END_TEST

/* No keys: nothing asked of the kernel, nothing written. */
START_TEST(no_keys)
{
	struct ra_diag *d;
	uint32_t got = 7;

	ck_assert_int_eq(ra_diag_open(&d), 0);
	ck_assert_int_eq(ra_diag_count(d, NULL, 0, &got), 0);
	ck_assert_uint_eq(got, 7);
	ra_diag_close(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ra_diag");
	TCase *tc = tcase_create("diag");

	if (geteuid() != 0) {
		fprintf(stderr, "test_ra_diag: needs root, skipped\n");
		return 77;
	}
	if (system("ip addr add " V4 "/32 dev lo && "
		   "ip -6 addr add " V6 "/128 dev lo nodad") != 0) {
		fprintf(stderr, "test_ra_diag: cannot add the VIPs to lo\n");
		return 1;
	}
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, tcp_v4, 0, 3);
	tcase_add_test(tc, tcp_closed);
	tcase_add_loop_test(tc, tcp_v6, 0, 3);
	tcase_add_test(tc, tcp_v4_mapped);
	tcase_add_test(tc, udp_connected);
	tcase_add_loop_test(tc, many_keys, 0, 2);
	tcase_add_test(tc, no_keys);
	suite_add_tcase(s, tc);
	return check_run(s);
}
