// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_net against the kernel: VIPs on lo, the ARP/rp_filter sysctls, and
 * `check`.  Needs root; meson runs it in a throw-away namespace holding lo
 * and the veth pair kg0/kg1 (tests/bpf/run-in-netns.sh), never the host's.
 * Each test starts from a known state (set_host()): a namespace's IPv4
 * sysctls are copied from the host's, so nothing is assumed.
 *
 * The oracle is independent of the code under test: addresses are read
 * back with a libmnl dump of this file's own, and set up with `ip`.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "check_run.h"
#include "keel_maps.h"
#include "ra_net.h"

#define V4 "203.0.113.10"
#define V6 "2001:db8::10"

static char state_dir[] = "/tmp/test_ra_net.XXXXXX";
static char state_path[128];

static void sh(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

static void sysctl_set(const char *ifname, const char *key, int v)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname,
		 key);
	f = fopen(path, "w");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fprintf(f, "%d\n", v);
	ck_assert_int_eq(fclose(f), 0);
}

static int sysctl_get(const char *ifname, const char *key)
{
	char path[128];
	FILE *f;
	int v = -100;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname,
		 key);
	f = fopen(path, "r");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fscanf(f, "%d", &v), 1);
	fclose(f);
	return v;
}

/* arp_ignore, arp_announce, rp_filter on one interface. */
static void sysctl3(const char *ifname, int ign, int ann, int rp)
{
	sysctl_set(ifname, "arp_ignore", ign);
	sysctl_set(ifname, "arp_announce", ann);
	sysctl_set(ifname, "rp_filter", rp);
}

static void expect3(const char *ifname, int ign, int ann, int rp)
{
	ck_assert_msg(
		sysctl_get(ifname, "arp_ignore") == ign &&
			sysctl_get(ifname, "arp_announce") == ann &&
			sysctl_get(ifname, "rp_filter") == rp,
		"%s: arp_ignore %d arp_announce %d rp_filter %d, want %d %d %d",
		ifname, sysctl_get(ifname, "arp_ignore"),
		sysctl_get(ifname, "arp_announce"),
		sysctl_get(ifname, "rp_filter"), ign, ann, rp);
}

/*
 * The "clean host" every test starts from: no global address anywhere,
 * the kernel's defaults for ARP and a strict rp_filter (a common distro
 * setting) on all and the veths, no state file.
 */
static void set_host(void)
{
	sh("ip -4 addr flush dev lo scope global; ip -6 addr flush dev lo scope global;"
	   "ip addr flush dev kg0 scope global; ip addr flush dev kg1 scope global");
	sysctl3("all", 0, 0, 1);
	sysctl3("kg0", 0, 0, 1);
	sysctl3("kg1", 0, 0, 1);
	sysctl3("lo", 0, 0, 0);
	sh("ip link set lo up");
	unlink(state_path);
}

static struct ra_vip vip(const char *s)
{
	struct ra_vip v = {};

	if (inet_pton(AF_INET, s, v.addr) == 1)
		v.family = KEEL_F_INET;
	else if (inet_pton(AF_INET6, s, v.addr) == 1)
		v.family = KEEL_F_INET6;
	else
		ck_abort_msg("bad address %s", s);
	return v;
}

/* ---- the oracle: one address as the kernel lists it ---- */

struct seen {
	int af;
	uint8_t addr[16];
	int ifindex;
	int found;
	int prefixlen;
	int proto; /* -1: no IFA_PROTO */
	uint32_t flags;
};

static int seen_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	size_t alen = ifa->ifa_family == AF_INET6 ? 16 : 4;
	struct seen *q = arg;
	const struct nlattr *a;
	int match = 0, proto = -1;
	uint32_t flags = ifa->ifa_flags;

	if (ifa->ifa_family != q->af)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		switch (mnl_attr_get_type(a)) {
		case IFA_ADDRESS:
			if (mnl_attr_get_payload_len(a) == alen &&
			    memcmp(mnl_attr_get_payload(a), q->addr, alen) == 0)
				match = 1;
			break;
		case IFA_PROTO:
			proto = mnl_attr_get_u8(a);
			break;
		case IFA_FLAGS:
			flags = mnl_attr_get_u32(a);
			break;
		}
	}
	if (match) {
		q->found++;
		q->ifindex = ifa->ifa_index;
		q->prefixlen = ifa->ifa_prefixlen;
		q->proto = proto;
		q->flags = flags;
	}
	return MNL_CB_OK;
}

/* How the kernel lists address s (found 0 when absent). */
static struct seen lookup(const char *s)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct seen q = { .proto = -1 };
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned int seq = 1;
	int ret;

	q.af = strchr(s, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(q.af, s, q.addr), 1);
	nl = mnl_socket_open(NETLINK_ROUTE);
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = q.af;
	ck_assert_int_ge(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len), 0);
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		ck_assert_int_ge(ret, 0);
		ret = mnl_cb_run(buf, ret, seq, mnl_socket_get_portid(nl),
				 seen_cb, &q);
		ck_assert_int_ge(ret, 0);
	} while (ret > MNL_CB_STOP);
	mnl_socket_close(nl);
	return q;
}

static int lo_index(void)
{
	return (int)if_nametoindex("lo");
}

/* ---- VIPs ---- */

static const struct vip_case {
	const char *addr;
	int af;
	int plen;
} vip_cases[] = {
	{ V4, AF_INET, 32 },
	{ V6, AF_INET6, 128 },
};

/* Added once, then again: present once, host prefix, our tag. */
START_TEST(vip_add_idempotent)
{
	const struct vip_case *c = &vip_cases[_i];
	struct ra_vip v = vip(c->addr);
	struct ra_net *n;
	struct seen s;
	char err[256] = "";
	int round;

	set_host();
	ck_assert_int_eq(ra_net_open(&n), 0);
	for (round = 0; round < 2; round++) {
		ck_assert_msg(ra_net_vip_add(n, &v, err, sizeof(err)) == 0,
			      "round %d: %s", round, err);
		s = lookup(c->addr);
		ck_assert_int_eq(s.found, 1);
		ck_assert_int_eq(s.ifindex, lo_index());
		ck_assert_int_eq(s.prefixlen, c->plen);
		/* The kernel echoes IFA_PROTO: what cleanup relies on. */
		ck_assert_int_eq(s.proto, RA_IFA_PROTO);
		ck_assert_uint_eq(s.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED),
				  0);
		if (c->af == AF_INET6)
			ck_assert_uint_ne(s.flags & IFA_F_NODAD, 0);
	}
	ra_net_close(n);
}
END_TEST

/* Already on a veth: an error naming the interface; lo left alone. */
static const struct other_case {
	const char *setup;
	const char *addr;
	const char *iface;
} other_cases[] = {
	{ "ip addr add 203.0.113.10/24 dev kg0", V4, "kg0" },
	{ "ip -6 addr add 2001:db8::10/64 dev kg1 nodad", V6, "kg1" },
	/* On lo too (an operator's), and on a veth: still the veth's fault. */
	{ "ip addr add 203.0.113.10/32 dev lo; ip addr add 203.0.113.10/32 dev kg1",
	  V4, "kg1" },
};

START_TEST(vip_on_other_iface)
{
	const struct other_case *c = &other_cases[_i];
	struct ra_vip v = vip(c->addr);
	struct ra_net *n;
	char err[256] = "";
	int before_on_lo;

	set_host();
	sh(c->setup);
	before_on_lo = strstr(c->setup, "dev lo") != NULL;
	ck_assert_int_eq(ra_net_open(&n), 0);
	ck_assert_int_eq(ra_net_vip_add(n, &v, err, sizeof(err)), -EEXIST);
	ck_assert_msg(strstr(err, c->addr) && strstr(err, c->iface) &&
			      strstr(err, "lo only"),
		      "message: %s", err);
	/* Nothing added to lo: the operator has to fix it first. */
	if (!before_on_lo) {
		struct seen s = lookup(c->addr);

		ck_assert_int_eq(s.found, 1);
		ck_assert_int_ne(s.ifindex, lo_index());
	}
	ra_net_close(n);
}
END_TEST

/* An untagged address the operator put on lo is used as it is. */
START_TEST(vip_operator_address_kept)
{
	struct ra_vip v = vip(V4);
	struct ra_net *n;
	unsigned int removed = 99;
	char err[256] = "";
	struct seen s;

	set_host();
	sh("ip addr add " V4 "/32 dev lo");
	ck_assert_int_eq(ra_net_open(&n), 0);
	ck_assert_msg(ra_net_vip_add(n, &v, err, sizeof(err)) == 0, "%s", err);
	s = lookup(V4);
	ck_assert_int_eq(s.found, 1);
	ck_assert_int_eq(s.proto, -1);
	ck_assert_int_eq(ra_net_vip_cleanup(n, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(lookup(V4).found, 1);
	ra_net_close(n);
}
END_TEST

/* cleanup removes exactly the tagged addresses, and is repeatable. */
START_TEST(vip_cleanup_tagged_only)
{
	static const char *const ours[] = { V4, V6, "203.0.113.11",
					    "2001:db8::11" };
	static const char *const theirs[] = { "203.0.113.20", "2001:db8::20",
					      "127.0.0.1", "::1" };
	struct ra_net *n;
	unsigned int removed = 0;
	char err[256] = "";
	size_t i;

	set_host();
	sh("ip addr add 203.0.113.20/32 dev lo;"
	   "ip -6 addr add 2001:db8::20/128 dev lo");
	ck_assert_int_eq(ra_net_open(&n), 0);
	for (i = 0; i < 4; i++) {
		struct ra_vip v = vip(ours[i]);

		ck_assert_msg(ra_net_vip_add(n, &v, err, sizeof(err)) == 0,
			      "%s", err);
	}
	ck_assert_int_eq(ra_net_vip_cleanup(n, &removed), 0);
	ck_assert_uint_eq(removed, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_msg(lookup(ours[i]).found == 0, "%s left", ours[i]);
		ck_assert_msg(lookup(theirs[i]).found == 1, "%s gone",
			      theirs[i]);
	}
	ck_assert_int_eq(ra_net_vip_cleanup(n, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ra_net_close(n);
}
END_TEST

START_TEST(vip_bad_family)
{
	struct ra_vip v = { .family = 5 };
	struct ra_net *n;
	char err[256] = "";

	ck_assert_int_eq(ra_net_open(&n), 0);
	ck_assert_int_eq(ra_net_vip_add(n, &v, err, sizeof(err)),
			 -EAFNOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err, "family"));
	ra_net_close(n);
}
END_TEST

/* ---- sysctls ---- */

static const char *const kg0_only[] = { "kg0", NULL };
static const char *const both[] = { "kg0", "kg1", NULL };

/* Nothing but the state file (no temp files left behind). */
static void expect_state_file(int present)
{
	struct dirent *de;
	int files = 0;
	DIR *d;

	d = opendir(state_dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			files++;
			ck_assert_str_eq(de->d_name, "sysctl.state");
		}
	closedir(d);
	ck_assert_int_eq(files, present);
}

START_TEST(sysctl_apply_restore)
{
	char err[256] = "";

	set_host();
	ck_assert_msg(ra_net_sysctl_apply(kg0_only, state_path, err,
					  sizeof(err)) == 0,
		      "%s", err);
	expect3("all", 1, 2, 2);
	expect3("kg0", 1, 2, 2);
	expect3("kg1", 0, 0, 1); /* not serving */
	expect3("lo", 0, 0, 0);
	expect_state_file(1);
	ck_assert_int_eq(ra_net_sysctl_restore(state_path), 0);
	expect3("all", 0, 0, 1);
	expect3("kg0", 0, 0, 1);
	expect3("kg1", 0, 0, 1);
	expect_state_file(0);
	/* Nothing recorded: nothing to do. */
	ck_assert_int_eq(ra_net_sysctl_restore(state_path), 0);
}
END_TEST

/* A value an operator set after apply is theirs: restore leaves it. */
START_TEST(sysctl_restore_keeps_operator_change)
{
	char err[256] = "";

	set_host();
	ck_assert_msg(ra_net_sysctl_apply(kg0_only, state_path, err,
					  sizeof(err)) == 0,
		      "%s", err);
	sysctl_set("kg0", "arp_ignore", 2);
	sysctl_set("all", "rp_filter", 0);
	ck_assert_int_eq(ra_net_sysctl_restore(state_path), 0);
	expect3("all", 0, 0, 0);
	expect3("kg0", 2, 0, 1);
}
END_TEST

/* Values that already do the job are not touched (nor recorded). */
START_TEST(sysctl_good_values_untouched)
{
	char err[256] = "";

	set_host();
	sysctl3("all", 2, 2, 0);
	sysctl3("kg0", 8, 0, 2);
	ck_assert_msg(ra_net_sysctl_apply(kg0_only, state_path, err,
					  sizeof(err)) == 0,
		      "%s", err);
	expect3("all", 2, 2, 0);
	expect3("kg0", 8, 2, 2);
	ck_assert_int_eq(ra_net_sysctl_restore(state_path), 0);
	expect3("all", 2, 2, 0);
	expect3("kg0", 8, 0, 2);
}
END_TEST

/* A second apply (agent restarted) keeps the first one's record. */
START_TEST(sysctl_apply_twice)
{
	char err[256] = "";

	set_host();
	ck_assert_int_eq(
		ra_net_sysctl_apply(kg0_only, state_path, err, sizeof(err)), 0);
	/* An operator undoes one in between; the agent sets it again. */
	sysctl_set("kg0", "arp_announce", 1);
	ck_assert_msg(ra_net_sysctl_apply(both, state_path, err, sizeof(err)) ==
			      0,
		      "%s", err);
	expect3("kg0", 1, 2, 2);
	expect3("kg1", 1, 2, 2);
	ck_assert_int_eq(ra_net_sysctl_restore(state_path), 0);
	expect3("all", 0, 0, 1);
	expect3("kg0", 0, 0, 1);
	expect3("kg1", 0, 0, 1);
}
END_TEST

/* No list: "all" and every interface that is up except lo. */
START_TEST(sysctl_apply_all_up)
{
	char err[256] = "";

	set_host();
	sh("ip link set kg1 down");
	ck_assert_msg(ra_net_sysctl_apply(NULL, state_path, err, sizeof(err)) ==
			      0,
		      "%s", err);
	sh("ip link set kg1 up");
	expect3("all", 1, 2, 2);
	expect3("kg0", 1, 2, 2);
	expect3("kg1", 0, 0, 1);
	expect3("lo", 0, 0, 0);
	ck_assert_int_eq(ra_net_sysctl_restore(state_path), 0);
	expect3("all", 0, 0, 1);
	expect3("kg0", 0, 0, 1);
}
END_TEST

START_TEST(sysctl_errors)
{
	static const char *const nope[] = { "kg0", "nope0", NULL };
	static const char *const dots[] = { "..", NULL };
	char err[256] = "";
	FILE *f;

	set_host();
	ck_assert_int_eq(ra_net_sysctl_apply(nope, state_path, err,
					     sizeof(err)),
			 -ENOENT);
	ck_assert_msg(strstr(err, "nope0") && strstr(err, "no such interface"),
		      "%s", err);
	expect3("all", 0, 0, 1); /* checked before anything is written */
	ck_assert_int_eq(ra_net_sysctl_apply(dots, state_path, err,
					     sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bad interface name"));

	/* A damaged record is refused whole, by apply and restore alike. */
	f = fopen(state_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# header\nall arp_ignore 0\n", f);
	fclose(f);
	ck_assert_int_eq(ra_net_sysctl_apply(kg0_only, state_path, err,
					     sizeof(err)),
			 -EBADMSG);
	ck_assert_msg(strstr(err, ":2:") != NULL, "%s", err);
	ck_assert_int_eq(ra_net_sysctl_restore(state_path), -EBADMSG);
	expect3("all", 0, 0, 1);
}
END_TEST

/* ---- check ---- */

struct check_case {
	const char *name;
	int apply; /* sysctl_apply(kg0, kg1) and the VIPs added first */
	const char *setup; /* shell, after that */
	const char *vips[3];
	const char *const *ifaces;
	int count;
	const char *want[6]; /* a substring of each finding, in order */
};

static const struct check_case check_cases[] = {
	{ "clean host",
	  0,
	  NULL,
	  { V4, V6 },
	  kg0_only,
	  5,
	  { V4 " is not on lo", V6 " is not on lo",
	    "arp_ignore is 0 on kg0 (effective max(all=0,kg0=0)): the real will answer ARP for " V4,
	    "arp_announce is 0 on kg0", "rp_filter is 1 (strict) on kg0" } },
	{ "set up", 1, NULL, { V4, V6 }, both, 0, {} },
	{ "set up, interfaces found", 1, NULL, { V4, V6 }, NULL, 0, {} },
	{ "arp_ignore wrong on kg1",
	  1,
	  "echo 3 > /proc/sys/net/ipv4/conf/kg1/arp_ignore",
	  { V4, V6 },
	  both,
	  1,
	  { "arp_ignore is 3 on kg1 (effective max(all=1,kg1=3))" } },
	{ "arp_ignore 1 on all covers kg1's 0",
	  1,
	  "echo 0 > /proc/sys/net/ipv4/conf/kg1/arp_ignore",
	  { V4 },
	  both,
	  0,
	  {} },
	{ "arp_ignore only on the interface",
	  1,
	  "echo 0 > /proc/sys/net/ipv4/conf/all/arp_ignore",
	  { V4 },
	  both,
	  0,
	  {} },
	{ "arp_announce lowered",
	  1,
	  "echo 0 > /proc/sys/net/ipv4/conf/all/arp_announce;"
	  "echo 1 > /proc/sys/net/ipv4/conf/kg0/arp_announce",
	  { V4 },
	  kg0_only,
	  1,
	  { "arp_announce is 1 on kg0 (effective max(all=0,kg0=1)): ARP requests from kg0 may carry " V4 } },
	{ "VIP missing",
	  1,
	  "ip -6 addr del " V6 "/128 dev lo",
	  { V4, V6 },
	  both,
	  1,
	  { V6 " is not on lo" } },
	{ "rp_filter strict on all",
	  1,
	  "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter;"
	  "echo 0 > /proc/sys/net/ipv4/conf/kg0/rp_filter; echo 0 > /proc/sys/net/ipv4/conf/kg1/rp_filter",
	  { V4 },
	  both,
	  2,
	  { "rp_filter is 1 (strict) on kg0 (effective max(all=1,kg0=0))",
	    "rp_filter is 1 (strict) on kg1" } },
	{ "VIP also on a veth",
	  1,
	  "ip addr add " V4 "/24 dev kg1",
	  { V4 },
	  both,
	  1,
	  { V4 " is on kg1: the real will answer ARP for it" } },
	{ "VIP with a subnet prefix",
	  0,
	  "ip addr add " V4
	  "/24 dev lo; echo 1 > /proc/sys/net/ipv4/conf/all/arp_ignore;"
	  "echo 2 > /proc/sys/net/ipv4/conf/all/arp_announce; echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter;"
	  "echo 0 > /proc/sys/net/ipv4/conf/kg0/rp_filter",
	  { V4 },
	  kg0_only,
	  1,
	  { V4 " is on lo as /24: needs /32" } },
	{ "lo down",
	  1,
	  "ip link set lo down",
	  { V4 },
	  both,
	  1,
	  { "lo is down" } },
	{ "rp_filter loose on the interface wins over strict all",
	  1,
	  "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter",
	  { V4 },
	  both,
	  0,
	  {} },
	{ "IPv6 only: no ARP findings",
	  0,
	  "ip -6 addr add " V6 "/128 dev lo",
	  { V6 },
	  both,
	  0,
	  {} },
	{ "interface missing",
	  1,
	  NULL,
	  { V4 },
	  (const char *const[]){ "kg0", "nope0", NULL },
	  1,
	  { "nope0: no such interface" } },
};

START_TEST(check_table)
{
	const struct check_case *c = &check_cases[_i];
	struct ra_net_finding out[8];
	struct ra_vip vips[3];
	struct ra_net *n;
	char err[256] = "";
	size_t n_vips, i;
	int got;

	set_host();
	ck_assert_int_eq(ra_net_open(&n), 0);
	for (n_vips = 0; n_vips < 3 && c->vips[n_vips]; n_vips++)
		vips[n_vips] = vip(c->vips[n_vips]);
	if (c->apply) {
		ck_assert_msg(ra_net_sysctl_apply(both, state_path, err,
						  sizeof(err)) == 0,
			      "%s", err);
		for (i = 0; i < n_vips; i++)
			ck_assert_msg(ra_net_vip_add(n, &vips[i], err,
						     sizeof(err)) == 0,
				      "%s", err);
	}
	if (c->setup)
		sh(c->setup);
	memset(out, 0, sizeof(out));
	got = ra_net_check(n, vips, n_vips, c->ifaces, out, 8);
	for (i = 0; got > 0 && i < (size_t)got && i < 8; i++)
		fprintf(stderr, "%s: finding: %s\n", c->name, out[i].what);
	ck_assert_msg(got == c->count, "%s: %d findings, want %d", c->name, got,
		      c->count);
	for (i = 0; i < (size_t)c->count; i++)
		ck_assert_msg(strstr(out[i].what, c->want[i]),
			      "%s: finding %zu \"%s\" lacks \"%s\"", c->name, i,
			      out[i].what, c->want[i]);
	sh("ip link set lo up");
	ra_net_close(n);
}
END_TEST

/* More findings than room: the count is still the whole count. */
START_TEST(check_max)
{
	struct ra_net_finding out[3];
	struct ra_vip vips[2] = { vip(V4), vip(V6) };
	struct ra_net *n;

	set_host();
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(ra_net_open(&n), 0);
	ck_assert_int_eq(ra_net_check(n, vips, 2, kg0_only, out, 2), 5);
	ck_assert_str_eq(out[2].what, "");
	ck_assert_int_eq(ra_net_check(n, vips, 2, kg0_only, NULL, 0), 5);
	ra_net_close(n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ra_net");
	TCase *tc = tcase_create("net");

	int ret;

	if (geteuid() != 0) {
		fprintf(stderr, "test_ra_net: needs root, skipped\n");
		return 77;
	}
	if (!mkdtemp(state_dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(state_path, sizeof(state_path), "%s/sysctl.state", state_dir);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, vip_add_idempotent, 0,
			    sizeof(vip_cases) / sizeof(vip_cases[0]));
	tcase_add_loop_test(tc, vip_on_other_iface, 0,
			    sizeof(other_cases) / sizeof(other_cases[0]));
	tcase_add_test(tc, vip_operator_address_kept);
	tcase_add_test(tc, vip_cleanup_tagged_only);
	tcase_add_test(tc, vip_bad_family);
	tcase_add_test(tc, sysctl_apply_restore);
	tcase_add_test(tc, sysctl_restore_keeps_operator_change);
	tcase_add_test(tc, sysctl_good_values_untouched);
	tcase_add_test(tc, sysctl_apply_twice);
	tcase_add_test(tc, sysctl_apply_all_up);
	tcase_add_test(tc, sysctl_errors);
	tcase_add_loop_test(tc, check_table, 0,
			    sizeof(check_cases) / sizeof(check_cases[0]));
	tcase_add_test(tc, check_max);
	suite_add_tcase(s, tc);
	ret = check_run(s);
	unlink(state_path);
	rmdir(state_dir);
	return ret;
}
