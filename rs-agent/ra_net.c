// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "keel_file.h"
#include "keel_maps.h"
#include "keel_nl.h"
#include "ra_net.h"

#define RA_SYSCTL_DIR "/proc/sys/net/ipv4/conf"
#define RA_STATE_MAX 256 /* entries in the sysctl state file */
#define RA_STATE_HEADER "# rs-agent sysctl state v1: iface key before agent\n"

struct ra_net {
	struct keel_nl nl;
};

struct ra_link {
	int ifindex;
	unsigned int flags; /* IFF_* */
	char name[IFNAMSIZ];
};

struct ra_addr {
	int ifindex;
	uint8_t family; /* AF_* */
	uint8_t prefixlen;
	int proto; /* IFA_PROTO, -1 when absent */
	uint32_t flags; /* IFA_F_* */
	uint8_t addr[16];
};

/* The links and addresses of the namespace, as one dump saw them. */
struct ra_snap {
	struct ra_link *links;
	size_t n_links;
	struct ra_addr *addrs;
	size_t n_addrs;
	int err; /* first failure inside a callback */
};

int ra_net_open(struct ra_net **out)
{
	struct ra_net *n;
	int err;

	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	err = keel_nl_open(&n->nl, NETLINK_ROUTE);
	if (err) {
		free(n);
		return err;
	}
	*out = n;
	return 0;
}

void ra_net_close(struct ra_net *n)
{
	if (!n)
		return;
	keel_nl_close(&n->nl);
	free(n);
}

static void ra_snap_free(struct ra_snap *s)
{
	free(s->links);
	free(s->addrs);
	memset(s, 0, sizeof(*s));
}

/* arr grown to n + 1 elements of size sz, the last zeroed; NULL: no memory. */
static void *ra_grow(void *arr, size_t n, size_t sz)
{
	char *p = realloc(arr, (n + 1) * sz);

	if (p)
		memset(p + n * sz, 0, sz);
	return p;
}

static int ra_link_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct ra_snap *s = arg;
	const struct nlattr *a;
	struct ra_link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK || s->err ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	l = ra_grow(s->links, s->n_links, sizeof(*l));
	if (!l) {
		s->err = -ENOMEM;
		return MNL_CB_OK;
	}
	s->links = l;
	l += s->n_links++;
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s",
				 mnl_attr_get_str(a));
	}
	return MNL_CB_OK;
}

static int ra_addr_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const void *local = NULL, *address = NULL;
	struct ra_snap *s = arg;
	const struct nlattr *a;
	struct ra_addr *r;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWADDR || s->err ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	if (ifa->ifa_family == AF_INET)
		alen = 4;
	else if (ifa->ifa_family == AF_INET6)
		alen = 16;
	else
		return MNL_CB_OK;
	r = ra_grow(s->addrs, s->n_addrs, sizeof(*r));
	if (!r) {
		s->err = -ENOMEM;
		return MNL_CB_OK;
	}
	s->addrs = r;
	r += s->n_addrs++;
	r->ifindex = ifa->ifa_index;
	r->family = ifa->ifa_family;
	r->prefixlen = ifa->ifa_prefixlen;
	r->flags = ifa->ifa_flags;
	r->proto = -1;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		switch (mnl_attr_get_type(a)) {
		case IFA_LOCAL:
			if (mnl_attr_get_payload_len(a) == alen)
				local = mnl_attr_get_payload(a);
			break;
		case IFA_ADDRESS:
			if (mnl_attr_get_payload_len(a) == alen)
				address = mnl_attr_get_payload(a);
			break;
		case IFA_FLAGS: /* the full u32 set; ifa_flags holds 8 bits */
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				r->flags = mnl_attr_get_u32(a);
			break;
		case IFA_PROTO:
			if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
				r->proto = mnl_attr_get_u8(a);
			break;
		}
	}
	/* IFA_ADDRESS is the peer on point-to-point links; IFA_LOCAL ours. */
	if (!local)
		local = address;
	if (!local) {
		s->n_addrs--;
		return MNL_CB_OK;
	}
	memcpy(r->addr, local, alen);
	return MNL_CB_OK;
}

static int ra_dump(struct ra_net *n, uint16_t type, mnl_cb_t cb,
		   struct ra_snap *s)
{
	char req[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct ifinfomsg))];
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;

	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	/* ifinfomsg and ifaddrmsg both start with the family. */
	g = mnl_nlmsg_put_extra_header(nlh, type == RTM_GETLINK ?
						    sizeof(struct ifinfomsg) :
						    sizeof(struct ifaddrmsg));
	g->rtgen_family = AF_UNSPEC;
	return keel_nl_talk(&n->nl, nlh, cb, s);
}

/* Links and addresses; a dump interrupted by a change is retried. */
static int ra_snap_take(struct ra_net *n, struct ra_snap *s)
{
	int err = 0, tries;

	for (tries = 0; tries < 5; tries++) {
		ra_snap_free(s);
		err = ra_dump(n, RTM_GETLINK, ra_link_cb, s);
		if (!err)
			err = s->err;
		if (!err)
			err = ra_dump(n, RTM_GETADDR, ra_addr_cb, s);
		if (!err)
			err = s->err;
		if (err != -EINTR)
			break;
	}
	if (err)
		ra_snap_free(s);
	return err;
}

static const struct ra_link *ra_snap_link(const struct ra_snap *s, int ifindex)
{
	size_t i;

	for (i = 0; i < s->n_links; i++)
		if (s->links[i].ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

static const struct ra_link *ra_snap_lo(const struct ra_snap *s)
{
	size_t i;

	for (i = 0; i < s->n_links; i++)
		if (s->links[i].flags & IFF_LOOPBACK)
			return &s->links[i];
	return NULL;
}

static const char *ra_snap_ifname(const struct ra_snap *s, int ifindex)
{
	const struct ra_link *l = ra_snap_link(s, ifindex);

	return l && l->name[0] ? l->name : "?";
}

/* KEEL_F_* -> AF_*, address length and host prefix; -EAFNOSUPPORT. */
static int ra_vip_af(const struct ra_vip *v, int *af, size_t *alen,
		     uint8_t *host_plen)
{
	switch (v->family) {
	case KEEL_F_INET:
		*af = AF_INET;
		*alen = 4;
		*host_plen = 32;
		return 0;
	case KEEL_F_INET6:
		*af = AF_INET6;
		*alen = 16;
		*host_plen = 128;
		return 0;
	}
	return -EAFNOSUPPORT;
}

static const char *ra_vip_str(const struct ra_vip *v, char *buf, size_t len)
{
	int af = v->family == KEEL_F_INET6 ? AF_INET6 : AF_INET;

	if (!inet_ntop(af, v->addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static bool ra_addr_is(const struct ra_addr *r, int af, const uint8_t *addr,
		       size_t alen)
{
	return r->family == af && memcmp(r->addr, addr, alen) == 0;
}

static void ra_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ra_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* RTM_NEWADDR / RTM_DELADDR of addr/plen on ifindex, acknowledged. */
static int ra_addr_change(struct ra_net *n, uint16_t type, int ifindex, int af,
			  const uint8_t *addr, size_t alen, uint8_t plen)
{
	char req[256];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (type == RTM_NEWADDR)
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = af;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	if (type == RTM_NEWADDR) {
		if (af == AF_INET6) {
			/* lo never runs DAD; say so, so it is usable at once. */
			ifa->ifa_flags = IFA_F_NODAD;
			mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
		}
		mnl_attr_put_u8(nlh, IFA_PROTO, RA_IFA_PROTO);
	}
	return keel_nl_talk(&n->nl, nlh, NULL, NULL);
}

/*
 * 0 when v is on lo and usable; -ENOENT when not on lo; -EEXIST (and the
 * interface in *other) when it is on another interface.
 */
static int ra_vip_where(const struct ra_snap *s, const struct ra_link *lo,
			int af, const uint8_t *addr, size_t alen,
			const struct ra_addr **on_lo,
			const struct ra_addr **other)
{
	size_t i;

	*on_lo = *other = NULL;
	for (i = 0; i < s->n_addrs; i++) {
		const struct ra_addr *r = &s->addrs[i];

		if (!ra_addr_is(r, af, addr, alen))
			continue;
		if (lo && r->ifindex == lo->ifindex)
			*on_lo = r;
		else if (!*other)
			*other = r;
	}
	if (*other)
		return -EEXIST;
	return *on_lo ? 0 : -ENOENT;
}

int ra_net_vip_add(struct ra_net *n, const struct ra_vip *v, char *err,
		   size_t errlen)
{
	const struct ra_addr *on_lo, *other;
	char vs[INET6_ADDRSTRLEN];
	const struct ra_link *lo;
	struct ra_snap s = {};
	uint8_t plen;
	size_t alen;
	int af, ret, tries;

	ret = ra_vip_af(v, &af, &alen, &plen);
	if (ret) {
		ra_err(err, errlen, "VIP of unknown family %u", v->family);
		return ret;
	}
	ra_vip_str(v, vs, sizeof(vs));
	/* Twice at most: the second round checks what the kernel made of it. */
	for (tries = 0; tries < 2; tries++) {
		ret = ra_snap_take(n, &s);
		if (ret) {
			ra_err(err, errlen, "%s: cannot list addresses: %s", vs,
			       strerror(-ret));
			goto out;
		}
		lo = ra_snap_lo(&s);
		if (!lo) {
			ret = -ENODEV;
			ra_err(err, errlen, "%s: no loopback interface", vs);
			goto out;
		}
		ret = ra_vip_where(&s, lo, af, v->addr, alen, &on_lo, &other);
		if (ret == -EEXIST) {
			ra_err(err, errlen,
			       "%s is on %s: the real would answer ARP/ND for it and take the VIP's traffic off the LBs; a DR real holds it on lo only",
			       vs, ra_snap_ifname(&s, other->ifindex));
			goto out;
		}
		if (ret == 0) {
			/* An operator's own address (no tag) is left alone. */
			if (on_lo->flags &
			    (IFA_F_TENTATIVE | IFA_F_DADFAILED)) {
				ret = -EADDRNOTAVAIL;
				ra_err(err, errlen,
				       "%s on lo is %s: not usable", vs,
				       on_lo->flags & IFA_F_DADFAILED ?
					       "dadfailed" :
					       "tentative");
			}
			goto out;
		}
		if (tries > 0)
			break;
		ret = ra_addr_change(n, RTM_NEWADDR, lo->ifindex, af, v->addr,
				     alen, plen);
		if (ret && ret != -EEXIST) {
			ra_err(err, errlen, "%s/%u on lo: %s%s", vs, plen,
			       strerror(-ret),
			       ret == -EACCES && af == AF_INET6 ?
				       " (IPv6 disabled on lo?)" :
				       "");
			goto out;
		}
	}
	ret = -ENOENT;
	ra_err(err, errlen, "%s/%u on lo: added but not listed", vs, plen);
out:
	ra_snap_free(&s);
	return ret;
}

int ra_net_vip_cleanup(struct ra_net *n, unsigned *removed)
{
	const struct ra_link *lo;
	struct ra_snap s = {};
	unsigned int count = 0;
	int ret, err = 0;
	size_t i;

	ret = ra_snap_take(n, &s);
	if (ret)
		goto out;
	lo = ra_snap_lo(&s);
	for (i = 0; lo && i < s.n_addrs; i++) {
		const struct ra_addr *r = &s.addrs[i];

		if (r->ifindex != lo->ifindex || r->proto != RA_IFA_PROTO)
			continue;
		ret = ra_addr_change(n, RTM_DELADDR, r->ifindex, r->family,
				     r->addr, r->family == AF_INET6 ? 16 : 4,
				     r->prefixlen);
		if (ret == 0)
			count++;
		else if (ret != -EADDRNOTAVAIL && ret != -ENOENT && !err)
			err = ret; /* gone meanwhile is fine; others are not */
	}
	ret = err;
out:
	if (removed)
		*removed = count;
	ra_snap_free(&s);
	return ret;
}

/* ---- sysctls ---- */

/*
 * What each sysctl must be for DR, the value the agent writes, and why.
 * The kernel uses max(all, iface) for all three (IN_DEV_MAXCONF).
 */
enum ra_key { RA_ARP_IGNORE, RA_ARP_ANNOUNCE, RA_RP_FILTER, RA_N_KEYS };

static const struct ra_sysctl {
	const char *key;
	int want;
} ra_sysctls[RA_N_KEYS] = {
	[RA_ARP_IGNORE] = { "arp_ignore", 1 },
	[RA_ARP_ANNOUNCE] = { "arp_announce", 2 },
	[RA_RP_FILTER] = { "rp_filter", 2 },
};

static bool ra_sysctl_ok(enum ra_key k, int v)
{
	switch (k) {
	case RA_ARP_IGNORE:
		/*
		 * 1 and 2 answer only for addresses on the incoming interface,
		 * 8 never answers; 0 answers for lo's VIP, 3 for any global
		 * address, 4-7 are reserved and mean 0.
		 */
		return v == 1 || v == 2 || v == 8;
	case RA_ARP_ANNOUNCE:
		return v == 2;
	case RA_RP_FILTER:
		return v != 1;
	default:
		return false;
	}
}

/* Interface names that are safe as one path component of /proc/sys. */
static bool ra_ifname_ok(const char *name)
{
	size_t len = strnlen(name, IFNAMSIZ);

	if (len == 0 || len >= IFNAMSIZ || strchr(name, '/') ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (; *name; name++)
		if (!isgraph((unsigned char)*name))
			return false;
	return true;
}

static int ra_sysctl_path(char *buf, size_t len, const char *ifname,
			  const char *key)
{
	int r = snprintf(buf, len, RA_SYSCTL_DIR "/%s/%s", ifname, key);

	return r < 0 || (size_t)r >= len ? -ENAMETOOLONG : 0;
}

static int ra_sysctl_read(const char *ifname, const char *key, int *val)
{
	char path[128], buf[32], *end;
	ssize_t len;
	long v;
	int fd, err;

	err = ra_sysctl_path(path, sizeof(path), ifname, key);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	err = len < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[len] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v < -1 || v > 255)
		return -EBADMSG;
	*val = (int)v;
	return 0;
}

static int ra_sysctl_write(const char *ifname, const char *key, int val)
{
	char path[128], buf[16];
	ssize_t w;
	int fd, len, err = 0;

	err = ra_sysctl_path(path, sizeof(path), ifname, key);
	if (err)
		return err;
	len = snprintf(buf, sizeof(buf), "%d\n", val);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w = write(fd, buf, len);
	if (w < 0)
		err = -errno;
	else if (w != len)
		err = -EIO;
	close(fd);
	return err;
}

/* One change the agent made (or is about to make). */
struct ra_state_ent {
	char ifname[IFNAMSIZ];
	enum ra_key key;
	int before; /* found there */
	int agent; /* what the agent wrote */
};

struct ra_state {
	struct ra_state_ent e[RA_STATE_MAX];
	size_t n;
};

static int ra_key_by_name(const char *name)
{
	int k;

	for (k = 0; k < RA_N_KEYS; k++)
		if (strcmp(ra_sysctls[k].key, name) == 0)
			return k;
	return -1;
}

/*
 * Read state_path into st; a missing file is an empty state.  The file
 * is ours but checked like any input: a line that does not parse makes
 * the whole file rejected (-EBADMSG, *bad_line set) rather than half-used.
 */
static int ra_state_load(const char *path, struct ra_state *st, int *bad_line)
{
	char line[128], ifname[32], key[32], extra[2];
	int before, agent, k, lineno = 0, err = 0;
	FILE *f;

	st->n = 0;
	*bad_line = 0;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			err = -EBADMSG;
			break;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%31s %31s %d %d %1s", ifname, key, &before,
			   &agent, extra) != 4) {
			err = -EBADMSG;
			break;
		}
		k = ra_key_by_name(key);
		if (k < 0 || !ra_ifname_ok(ifname) || before < -1 ||
		    before > 255 || agent < -1 || agent > 255) {
			err = -EBADMSG;
			break;
		}
		if (st->n == RA_STATE_MAX) {
			err = -E2BIG;
			break;
		}
		/* ra_ifname_ok(): shorter than IFNAMSIZ. */
		memcpy(st->e[st->n].ifname, ifname, strlen(ifname) + 1);
		st->e[st->n].key = k;
		st->e[st->n].before = before;
		st->e[st->n].agent = agent;
		st->n++;
	}
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (err)
		*bad_line = lineno;
	return err;
}

/* Write st to path atomically and durably (keel_file_write_atomic). */
static int ra_state_save(const char *path, const struct ra_state *st)
{
	/* A line: ifname, key, two ints (at most 11 characters each). */
	size_t size = sizeof(RA_STATE_HEADER) + st->n * (IFNAMSIZ + 48), len;
	char *buf;
	size_t i;
	int n, err;

	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	len = (size_t)snprintf(buf, size, "%s", RA_STATE_HEADER);
	for (i = 0; i < st->n; i++) {
		n = snprintf(buf + len, size - len, "%s %s %d %d\n",
			     st->e[i].ifname, ra_sysctls[st->e[i].key].key,
			     st->e[i].before, st->e[i].agent);
		if (n < 0 || (size_t)n >= size - len) {
			err = -ENOSPC;
			goto out;
		}
		len += (size_t)n;
	}
	err = keel_file_write_atomic(path, buf, len, 0600, true);
out:
	free(buf);
	return err;
}

static struct ra_state_ent *ra_state_find(struct ra_state *st,
					  const char *ifname, enum ra_key k)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->e[i].key == k && strcmp(st->e[i].ifname, ifname) == 0)
			return &st->e[i];
	return NULL;
}

/*
 * The interfaces the sysctls are about: "all" first, then the names
 * given, or every non-lo interface that is up.  *names_out (freed by the
 * caller) points into ifaces or into *snap, which the caller frees too.
 */
static int ra_ifaces(const char *const *ifaces, const char ***names_out,
		     size_t *n_out, struct ra_snap *snap, char *err,
		     size_t errlen)
{
	struct ra_net *n = NULL;
	size_t i, j, max, n_names = 0;
	const char **names;
	int ret;

	if (!ifaces || !ifaces[0]) {
		ret = ra_net_open(&n);
		if (!ret)
			ret = ra_snap_take(n, snap);
		ra_net_close(n);
		if (ret) {
			ra_err(err, errlen, "cannot list interfaces: %s",
			       strerror(-ret));
			return ret;
		}
		max = snap->n_links + 1;
	} else {
		for (max = 1; ifaces[max - 1]; max++)
			;
	}
	names = calloc(max, sizeof(*names));
	if (!names) {
		ra_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	names[n_names++] = "all";
	if (ifaces && ifaces[0]) {
		for (i = 0; ifaces[i]; i++) {
			if (!ra_ifname_ok(ifaces[i])) {
				ra_err(err, errlen,
				       "bad interface name \"%.*s\"", IFNAMSIZ,
				       ifaces[i]);
				free(names);
				return -EINVAL;
			}
			for (j = 0; j < n_names; j++)
				if (strcmp(names[j], ifaces[i]) == 0)
					break;
			if (j == n_names)
				names[n_names++] = ifaces[i];
		}
	} else {
		for (i = 0; i < snap->n_links; i++) {
			const struct ra_link *l = &snap->links[i];

			if (!(l->flags & IFF_LOOPBACK) && (l->flags & IFF_UP) &&
			    ra_ifname_ok(l->name))
				names[n_names++] = l->name;
		}
	}
	*names_out = names;
	*n_out = n_names;
	return 0;
}

int ra_net_sysctl_apply(const char *const *ifaces, const char *state_path,
			char *err, size_t errlen)
{
	const char **names = NULL;
	struct ra_state_ent **todo = NULL;
	struct ra_state *st = NULL;
	struct ra_snap snap = {};
	size_t n_names = 0, n_todo = 0, i;
	int k, cur, bad_line, ret;

	st = calloc(1, sizeof(*st));
	if (!st) {
		ret = -ENOMEM;
		ra_err(err, errlen, "out of memory");
		goto out;
	}
	ret = ra_ifaces(ifaces, &names, &n_names, &snap, err, errlen);
	if (ret)
		goto out;
	todo = calloc(n_names * RA_N_KEYS, sizeof(*todo));
	if (!todo) {
		ret = -ENOMEM;
		ra_err(err, errlen, "out of memory");
		goto out;
	}
	/* Keep what an earlier run recorded: it holds the operator's values. */
	if (state_path) {
		ret = ra_state_load(state_path, st, &bad_line);
		if (ret && bad_line) {
			ra_err(err, errlen, "%s:%d: %s", state_path, bad_line,
			       ret == -EBADMSG ? "not a state line" :
						 strerror(-ret));
			goto out;
		}
		if (ret) {
			ra_err(err, errlen, "%s: %s", state_path,
			       strerror(-ret));
			goto out;
		}
	}
	for (i = 0; i < n_names; i++) {
		for (k = 0; k < RA_N_KEYS; k++) {
			struct ra_state_ent *e;

			ret = ra_sysctl_read(names[i], ra_sysctls[k].key, &cur);
			if (ret) {
				ra_err(err, errlen,
				       "cannot read net.ipv4.conf.%s.%s: %s%s",
				       names[i], ra_sysctls[k].key,
				       strerror(-ret),
				       ret == -ENOENT ?
					       " (no such interface, or no IPv4 on it)" :
					       "");
				goto out;
			}
			if (ra_sysctl_ok(k, cur))
				continue;
			e = ra_state_find(st, names[i], k);
			if (!e) {
				if (st->n == RA_STATE_MAX) {
					ret = -E2BIG;
					ra_err(err, errlen,
					       "more than %d sysctls to record",
					       RA_STATE_MAX);
					goto out;
				}
				e = &st->e[st->n++];
				snprintf(e->ifname, sizeof(e->ifname), "%s",
					 names[i]);
				e->key = k;
				e->before = cur;
			}
			e->agent = ra_sysctls[k].want;
			todo[n_todo++] = e;
		}
	}
	/*
	 * The record goes to disk before the first write: a crash in between
	 * then leaves entries whose value is not the agent's, which restore
	 * skips, instead of changes nobody knows how to undo.
	 */
	if (state_path && n_todo) {
		ret = ra_state_save(state_path, st);
		if (ret) {
			ra_err(err, errlen, "%s: %s", state_path,
			       strerror(-ret));
			goto out;
		}
	}
	for (i = 0; i < n_todo; i++) {
		const char *key = ra_sysctls[todo[i]->key].key;

		ret = ra_sysctl_write(todo[i]->ifname, key, todo[i]->agent);
		if (ret) {
			ra_err(err, errlen,
			       "cannot set net.ipv4.conf.%s.%s=%d: %s",
			       todo[i]->ifname, key, todo[i]->agent,
			       strerror(-ret));
			goto out;
		}
	}
	ret = 0;
out:
	ra_snap_free(&snap);
	free(names);
	free(todo);
	free(st);
	return ret;
}

int ra_net_sysctl_restore(const char *state_path)
{
	struct ra_state *st;
	int ret, bad_line, cur, err = 0;
	size_t i;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ret = ra_state_load(state_path, st, &bad_line);
	if (ret)
		goto out;
	for (i = 0; i < st->n; i++) {
		const struct ra_state_ent *e = &st->e[i];
		const char *key = ra_sysctls[e->key].key;

		/* Gone, or changed since by someone else: theirs now. */
		if (ra_sysctl_read(e->ifname, key, &cur) || cur != e->agent)
			continue;
		ret = ra_sysctl_write(e->ifname, key, e->before);
		if (ret && !err)
			err = ret;
	}
	/* Kept on failure: running restore again is harmless. */
	if (!err && unlink(state_path) < 0 && errno != ENOENT)
		err = -errno;
	ret = err;
out:
	free(st);
	return ret;
}

/* ---- check ---- */

struct ra_findings {
	struct ra_net_finding *out;
	size_t max;
	int n;
};

static void ra_find(struct ra_findings *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ra_find(struct ra_findings *f, const char *fmt, ...)
{
	va_list ap;

	if ((size_t)f->n < f->max) {
		va_start(ap, fmt);
		vsnprintf(f->out[f->n].what, sizeof(f->out[f->n].what), fmt,
			  ap);
		va_end(ap);
	}
	f->n++;
}

static void ra_check_vip(struct ra_findings *f, const struct ra_snap *s,
			 const struct ra_link *lo, const struct ra_vip *v)
{
	const struct ra_addr *on_lo, *other;
	char vs[INET6_ADDRSTRLEN];
	uint8_t plen;
	size_t alen, i;
	int af;

	if (ra_vip_af(v, &af, &alen, &plen)) {
		ra_find(f, "a VIP has an unknown address family (%u)",
			v->family);
		return;
	}
	ra_vip_str(v, vs, sizeof(vs));
	ra_vip_where(s, lo, af, v->addr, alen, &on_lo, &other);
	for (i = 0; i < s->n_addrs; i++) {
		const struct ra_addr *r = &s->addrs[i];

		if (!ra_addr_is(r, af, v->addr, alen) ||
		    (lo && r->ifindex == lo->ifindex))
			continue;
		ra_find(f,
			"%s is on %s: the real will answer %s for it and take the VIP's traffic off the LBs; it belongs on lo only",
			vs, ra_snap_ifname(s, r->ifindex),
			af == AF_INET ? "ARP" : "ND");
	}
	if (!on_lo) {
		ra_find(f,
			"%s is not on lo: the real drops what the LBs forward to it (DR keeps the VIP as destination); needs %s/%u on lo",
			vs, vs, plen);
		return;
	}
	if (on_lo->prefixlen != plen)
		ra_find(f,
			"%s is on lo as /%u: needs /%u, a wider prefix makes the whole subnet local to this real",
			vs, on_lo->prefixlen, plen);
	if (on_lo->flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
		ra_find(f, "%s on lo is %s: not usable yet", vs,
			on_lo->flags & IFA_F_DADFAILED ? "dadfailed" :
							 "tentative");
}

static void ra_check_sysctls(struct ra_findings *f, const char *ifname,
			     const char *vs)
{
	int all[RA_N_KEYS], dev[RA_N_KEYS], k, eff, ret;

	for (k = 0; k < RA_N_KEYS; k++) {
		ret = ra_sysctl_read("all", ra_sysctls[k].key, &all[k]);
		if (ret) {
			ra_find(f, "cannot read net.ipv4.conf.all.%s: %s",
				ra_sysctls[k].key, strerror(-ret));
			return;
		}
		ret = ra_sysctl_read(ifname, ra_sysctls[k].key, &dev[k]);
		if (ret == -ENOENT) {
			ra_find(f,
				"%s: no such interface (or no IPv4 on it): cannot serve the VIPs",
				ifname);
			return;
		}
		if (ret) {
			ra_find(f, "cannot read net.ipv4.conf.%s.%s: %s",
				ifname, ra_sysctls[k].key, strerror(-ret));
			return;
		}
	}
	eff = all[RA_ARP_IGNORE] > dev[RA_ARP_IGNORE] ? all[RA_ARP_IGNORE] :
							dev[RA_ARP_IGNORE];
	if (!ra_sysctl_ok(RA_ARP_IGNORE, eff))
		ra_find(f,
			"arp_ignore is %d on %s (effective max(all=%d,%s=%d)): the real will answer ARP for %s and take the VIP's traffic off the LBs; needs 1",
			eff, ifname, all[RA_ARP_IGNORE], ifname,
			dev[RA_ARP_IGNORE], vs);
	eff = all[RA_ARP_ANNOUNCE] > dev[RA_ARP_ANNOUNCE] ?
		      all[RA_ARP_ANNOUNCE] :
		      dev[RA_ARP_ANNOUNCE];
	if (!ra_sysctl_ok(RA_ARP_ANNOUNCE, eff))
		ra_find(f,
			"arp_announce is %d on %s (effective max(all=%d,%s=%d)): ARP requests from %s may carry %s as sender and pull its traffic here; needs 2",
			eff, ifname, all[RA_ARP_ANNOUNCE], ifname,
			dev[RA_ARP_ANNOUNCE], ifname, vs);
	eff = all[RA_RP_FILTER] > dev[RA_RP_FILTER] ? all[RA_RP_FILTER] :
						      dev[RA_RP_FILTER];
	if (!ra_sysctl_ok(RA_RP_FILTER, eff))
		ra_find(f,
			"rp_filter is %d (strict) on %s (effective max(all=%d,%s=%d)): packets the LBs forward to %s are dropped if the route back to the client is not via %s; needs 2",
			eff, ifname, all[RA_RP_FILTER], ifname,
			dev[RA_RP_FILTER], vs, ifname);
}

int ra_net_check(struct ra_net *n, const struct ra_vip *vips, size_t n_vips,
		 const char *const *ifaces, struct ra_net_finding *out,
		 size_t max)
{
	struct ra_findings f = { .out = out, .max = max };
	char vs[INET6_ADDRSTRLEN] = "the VIPs";
	struct ra_snap s = {}, snap_if = {};
	const char **names = NULL;
	const struct ra_link *lo;
	size_t i, n_names = 0;
	bool any_v4 = n_vips == 0;
	char err[128];
	int ret;

	ret = ra_snap_take(n, &s);
	if (ret)
		goto out;
	lo = ra_snap_lo(&s);
	if (!lo)
		ra_find(&f,
			"no loopback interface: the VIPs have nowhere to go");
	else if (!(lo->flags & IFF_UP))
		ra_find(&f,
			"%s is down: packets to the VIPs on it are dropped; needs to be up",
			lo->name);
	for (i = 0; i < n_vips; i++) {
		ra_check_vip(&f, &s, lo, &vips[i]);
		if (vips[i].family == KEEL_F_INET && !any_v4) {
			any_v4 = true;
			ra_vip_str(&vips[i], vs, sizeof(vs));
		}
	}
	/* ARP and rp_filter are IPv4's; ND already ignores lo's addresses. */
	if (any_v4) {
		ret = ra_ifaces(ifaces, &names, &n_names, &snap_if, err,
				sizeof(err));
		if (ret)
			ra_find(&f, "%s", err);
		/* names[0] is "all": it counts through each interface. */
		for (i = 1; i < n_names; i++)
			ra_check_sysctls(&f, names[i], vs);
	}
	ret = f.n;
out:
	free(names);
	ra_snap_free(&snap_if);
	ra_snap_free(&s);
	return ret;
}
