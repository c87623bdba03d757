// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The agent report socket filter (lb_rxfilter.c, bpf/keel_agents.bpf.c)
 * on a real socket: a dual-stack UDP socket on the namespace's loopback
 * receives from 127.0.0.1, 127.0.0.2, 127.0.0.3 and ::1; each row sets
 * the agents table, sends one datagram from every sender, and checks
 * which arrived and how many the filter counted as dropped.  Needs root
 * (run-in-netns.sh).  Links lb_rxfilter.c, lb_agents.c, lb_health.c and
 * keel_report.c with libbpf.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sodium.h>

#include "check_run.h"
#include "lb_rxfilter.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const senders[] = { "127.0.0.1", "127.0.0.2", "127.0.0.3",
				       "::1" };

static const struct row {
	const char *name;
	const char *agents[3];
	bool attached;
	const char *arrive; /* one letter per sender: y arrives, n dropped */
} rows[] = {
	{ "no agent yet", { NULL }, true, "nnnn" },
	{ "127.0.0.2 and ::1", { "127.0.0.2", "::1" }, true, "nyny" },
	{ "127.0.0.3 only (the others removed)", { "127.0.0.3" }, true, "nnyn" },
	{ "the same again (nothing to write)", { "127.0.0.3" }, true, "nnyn" },
	{ "detached: everyone", { "127.0.0.3" }, false, "yyyy" },
};

static void sa_of(const char *a, uint16_t port, struct sockaddr_in6 *s6)
{
	memset(s6, 0, sizeof(*s6));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	if (strchr(a, ':')) {
		ck_assert_int_eq(inet_pton(AF_INET6, a, &s6->sin6_addr), 1);
	} else {
		s6->sin6_addr.s6_addr[10] = 0xff;
		s6->sin6_addr.s6_addr[11] = 0xff;
		ck_assert_int_eq(
			inet_pton(AF_INET, a, &s6->sin6_addr.s6_addr[12]), 1);
	}
}

static void table_of(struct lb_agents *t, const char *const agents[3])
{
	struct lb_agent_addr a[3];
	size_t n = 0;

	memset(a, 0, sizeof(a));
	for (; n < 3 && agents[n]; n++) {
		if (strchr(agents[n], ':')) {
			a[n].family = KEEL_F_INET6;
			ck_assert_int_eq(
				inet_pton(AF_INET6, agents[n], a[n].addr), 1);
		} else {
			a[n].family = KEEL_F_INET;
			ck_assert_int_eq(
				inet_pton(AF_INET, agents[n], a[n].addr), 1);
		}
	}
	ck_assert_int_eq(lb_agents_rebuild(t, a, n), 0);
}

START_TEST(test_filter)
{
	struct sockaddr_in6 lsa, from;
	struct lb_agents t = { 0 };
	struct lb_rxfilter *f;
	socklen_t len = sizeof(lsa);
	uint64_t dropped = 0;
	int rx, zero = 0, i, j;
	char got[8], buf[16];

	ck_assert_int_eq(lb_rxfilter_open(&f), 0);
	rx = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(rx, 0);
	ck_assert_int_eq(setsockopt(rx, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				    sizeof(zero)),
			 0);
	/* Before bind: nothing gets past it unfiltered. */
	ck_assert_int_eq(lb_rxfilter_attach(f, rx), 0);
	sa_of("::", 0, &lsa);
	ck_assert_int_eq(bind(rx, (struct sockaddr *)&lsa, sizeof(lsa)), 0);
	ck_assert_int_eq(getsockname(rx, (struct sockaddr *)&lsa, &len), 0);
	for (i = 0; i < N(rows); i++) {
		table_of(&t, rows[i].agents);
		ck_assert_int_eq(lb_rxfilter_sync(f, &t), 0);
		if (!rows[i].attached)
			ck_assert_int_eq(lb_rxfilter_detach(rx), 0);
		for (j = 0; j < N(senders); j++) {
			int tx = socket(AF_INET6, SOCK_DGRAM, 0);
			struct sockaddr_in6 src, dst;

			sa_of(senders[j], 0, &src);
			sa_of(strchr(senders[j], ':') ? "::1" : "127.0.0.1",
			      ntohs(lsa.sin6_port), &dst);
			ck_assert_int_eq(setsockopt(tx, IPPROTO_IPV6,
						    IPV6_V6ONLY, &zero,
						    sizeof(zero)),
					 0);
			ck_assert_int_eq(bind(tx, (struct sockaddr *)&src,
					      sizeof(src)),
					 0);
			ck_assert_int_eq(sendto(tx, "x", 1, 0,
						(struct sockaddr *)&dst,
						sizeof(dst)),
					 1);
			close(tx);
		}
		memset(got, 'n', sizeof(got));
		got[N(senders)] = '\0';
		for (;;) {
			struct pollfd p = { .fd = rx, .events = POLLIN };

			if (poll(&p, 1, 100) <= 0)
				break;
			len = sizeof(from);
			ck_assert_int_eq(recvfrom(rx, buf, sizeof(buf), 0,
						  (struct sockaddr *)&from,
						  &len),
					 1);
			for (j = 0; j < N(senders); j++) {
				struct sockaddr_in6 s;

				sa_of(senders[j], 0, &s);
				if (!memcmp(&s.sin6_addr, &from.sin6_addr, 16))
					got[j] = 'y';
			}
		}
		ck_assert_msg(!strcmp(got, rows[i].arrive),
			      "%s: arrived %s, want %s", rows[i].name, got,
			      rows[i].arrive);
		if (rows[i].attached)
			for (j = 0; j < N(senders); j++)
				dropped += rows[i].arrive[j] == 'n';
		ck_assert_uint_eq(lb_rxfilter_dropped(f), dropped);
	}
	close(rx);
	lb_agents_free(&t);
	lb_rxfilter_close(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rxfilter");
	TCase *tc = tcase_create("filter");

	if (sodium_init() < 0)
		return 1;
	tcase_add_test(tc, test_filter);
	suite_add_tcase(s, tc);
	return check_run(s);
}
