// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_nl against the kernel's rtnetlink: requests answered by one
 * message, by a dump, by an ACK or by an error, and callbacks that fail,
 * through a kept socket (keel_nl_talk) and a socket of its own
 * (keel_nl_once).  After each row the kept socket must be closed if the
 * row failed, and usable for the next request either way.
 *
 * Needs root: meson runs it in a throw-away namespace holding lo and the
 * veth pair kg0/kg1 (tests/bpf/run-in-netns.sh), never the host's.
 * Links keel_nl.c alone (libmnl).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "check_run.h"
#include "keel_nl.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* No interface has this index in a fresh namespace. */
#define NO_IFINDEX 7777

enum req { R_LINK_GET, R_LINK_DUMP, R_ADDR_ADD, R_ADDR_ADD_EXCL };
enum cb { CB_NONE, CB_COUNT, CB_ERR_NO_ERRNO, CB_ERR_ERRNO };

struct seen {
	enum cb cb;
	int n;
	char ifname[IF_NAMESIZE];
};

static int cb_link(const struct nlmsghdr *nlh, void *arg)
{
	struct seen *s = arg;
	const struct nlattr *a;

	if (s->cb == CB_ERR_NO_ERRNO)
		return MNL_CB_ERROR;
	if (s->cb == CB_ERR_ERRNO) {
		errno = ENOBUFS;
		return MNL_CB_ERROR;
	}
	s->n++;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    !mnl_attr_validate(a, MNL_TYPE_STRING))
			snprintf(s->ifname, sizeof(s->ifname), "%s",
				 mnl_attr_get_str(a));
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *build(char *buf, enum req r, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct ifaddrmsg *ifa;
	struct in_addr a4;

	switch (r) {
	case R_LINK_GET:
	case R_LINK_DUMP:
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST;
		if (r == R_LINK_DUMP)
			nlh->nlmsg_flags |= NLM_F_DUMP;
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = r == R_LINK_GET ? ifindex : 0;
		break;
	case R_ADDR_ADD:
	case R_ADDR_ADD_EXCL:
		nlh->nlmsg_type = RTM_NEWADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
		nlh->nlmsg_flags |= r == R_ADDR_ADD_EXCL ? NLM_F_EXCL :
							   NLM_F_REPLACE;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 32;
		ifa->ifa_scope = RT_SCOPE_HOST;
		ifa->ifa_index = (unsigned int)ifindex;
		inet_pton(AF_INET, "192.0.2.77", &a4);
		mnl_attr_put(nlh, IFA_LOCAL, sizeof(a4), &a4);
		mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a4), &a4);
		break;
	}
	return nlh;
}

static const struct nl_case {
	const char *name;
	enum req req;
	int ifindex; /* 0: lo's */
	enum cb cb;
	int err;
	int n; /* messages the callback saw (-1: at least 3) */
	const char *ifname; /* the last one's name, NULL: not checked */
} nl_cases[] = {
	{ "GETLINK of lo", R_LINK_GET, 0, CB_COUNT, 0, 1, "lo" },
	{ "GETLINK of a missing interface", R_LINK_GET, NO_IFINDEX, CB_COUNT,
	  -ENODEV, 0, NULL },
	/* Answered in parts up to NLMSG_DONE: lo, kg0, kg1 at least. */
	{ "a dump of the links", R_LINK_DUMP, 0, CB_COUNT, 0, -1, NULL },
	/* A callback's error without errno is a failure, never success. */
	{ "the callback fails without errno", R_LINK_GET, 0, CB_ERR_NO_ERRNO,
	  -EPROTO, 0, NULL },
	{ "the callback fails with errno", R_LINK_GET, 0, CB_ERR_ERRNO,
	  -ENOBUFS, 0, NULL },
	{ "the callback fails mid-dump", R_LINK_DUMP, 0, CB_ERR_NO_ERRNO,
	  -EPROTO, 0, NULL },
	/* No callback: only the ACK (or the kernel's error) counts. */
	{ "an address added, ACK", R_ADDR_ADD, 0, CB_NONE, 0, 0, NULL },
	{ "the same address again, exclusive", R_ADDR_ADD_EXCL, 0, CB_NONE,
	  -EEXIST, 0, NULL },
	{ "an address on a missing interface", R_ADDR_ADD, NO_IFINDEX, CB_NONE,
	  -ENODEV, 0, NULL },
};

/*
 * Check runs each row in a child of its own, but the namespace is shared:
 * the exclusive add needs the address there whatever ran before.
 */
static void before(const struct nl_case *c, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	if (c->req == R_ADDR_ADD_EXCL)
		ck_assert_int_eq(keel_nl_once(NETLINK_ROUTE,
					      build(buf, R_ADDR_ADD, ifindex),
					      NULL, NULL),
				 0);
}

static void check_seen(const struct nl_case *c, const struct seen *s, int ret,
		       const char *how)
{
	ck_assert_msg(ret == c->err, "%s (%s): %d (%s), expected %d", c->name,
		      how, ret, strerror(-ret), c->err);
	if (c->n >= 0)
		ck_assert_msg(s->n == c->n, "%s (%s): %d messages, expected %d",
			      c->name, how, s->n, c->n);
	else
		ck_assert_msg(s->n >= 3, "%s (%s): %d messages", c->name, how,
			      s->n);
	if (c->ifname)
		ck_assert_str_eq(s->ifname, c->ifname);
}

/* The row through a kept socket, then GETLINK of lo on the same one. */
START_TEST(test_talk)
{
	const struct nl_case *c = &nl_cases[_i];
	static struct keel_nl nl; /* 32 KiB: not on the stack */
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct seen s = { .cb = c->cb };
	struct mnl_socket *sock;
	unsigned int seq;
	int ifindex = c->ifindex ? c->ifindex : (int)if_nametoindex("lo");
	int ret;

	before(c, ifindex);
	memset(&nl, 0, sizeof(nl));
	ck_assert_int_eq(keel_nl_open(&nl, NETLINK_ROUTE), 0);
	sock = nl.sock;
	seq = nl.seq;
	errno = EBADF; /* stale: must not become the answer */
	ret = keel_nl_talk(&nl, build(buf, c->req, ifindex),
			   c->cb == CB_NONE ? NULL : cb_link, &s);
	check_seen(c, &s, ret, "talk");
	ck_assert_uint_eq(nl.seq, seq + 1);
	if (ret)
		ck_assert_msg(!nl.sock, "%s: socket kept after a failure",
			      c->name);
	else
		ck_assert_ptr_eq(nl.sock, sock);

	/* Reopened after a failure, kept after a success. */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(
		keel_nl_talk(&nl,
			     build(buf, R_LINK_GET, (int)if_nametoindex("lo")),
			     cb_link, &s),
		0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_str_eq(s.ifname, "lo");
	ck_assert_ptr_nonnull(nl.sock);
	if (!ret)
		ck_assert_ptr_eq(nl.sock, sock);
	keel_nl_close(&nl);
	ck_assert_ptr_null(nl.sock);
}
END_TEST

START_TEST(test_once)
{
	const struct nl_case *c = &nl_cases[_i];
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct seen s = { .cb = c->cb };
	int ifindex = c->ifindex ? c->ifindex : (int)if_nametoindex("lo");
	int ret;

	before(c, ifindex);
	errno = EBADF;
	ret = keel_nl_once(NETLINK_ROUTE, build(buf, c->req, ifindex),
			   c->cb == CB_NONE ? NULL : cb_link, &s);
	check_seen(c, &s, ret, "once");
}
END_TEST

/* A bus that cannot be opened: the error, and nothing left open. */
START_TEST(test_open_fails)
{
	static struct keel_nl nl;
	char buf[MNL_SOCKET_BUFFER_SIZE];

	memset(&nl, 0, sizeof(nl));
	ck_assert_int_eq(keel_nl_open(&nl, 1000), -EPROTONOSUPPORT);
	ck_assert_ptr_null(nl.sock);
	/* The next call tries again, and fails the same way. */
	ck_assert_int_eq(keel_nl_talk(&nl, build(buf, R_LINK_GET, 1), NULL,
				      NULL),
			 -EPROTONOSUPPORT);
	ck_assert_int_eq(keel_nl_once(1000, build(buf, R_LINK_GET, 1), NULL,
				      NULL),
			 -EPROTONOSUPPORT);
}
END_TEST

static Suite *nl_suite(void)
{
	Suite *s = suite_create("keel_nl");
	TCase *tc = tcase_create("nl");

	tcase_add_loop_test(tc, test_talk, 0, N(nl_cases));
	tcase_add_loop_test(tc, test_once, 0, N(nl_cases));
	tcase_add_test(tc, test_open_fails);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_keel_nl: needs root, skipped\n");
		return 77;
	}
	/* It adds an address to lo: never the host's. */
	if (!if_nametoindex("kg1")) {
		fprintf(stderr, "test_keel_nl: run it in "
				"tests/bpf/run-in-netns.sh, skipped\n");
		return 77;
	}
	return check_run(nl_suite());
}
