// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Single-hop BFD (RFC 5881) on a libevent loop, around bfd_session.c: the
 * sockets, the clock, one timer per session and the demultiplexing of
 * received packets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bfd_io.h"
#include "bfd_session.h"
#include "keel_clock.h"
#include "keel_log.h"

#define BFD_TTL 255 /* RFC 5881 section 5 */
#define BFD_TOS 0xc0 /* precedence 6, Internet control */
#define RX_BURST 64 /* datagrams read per wake-up */
#define PORT_TRIES 64

union bfd_sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* A receiving socket on port 3784, shared by the sessions that use it. */
struct bfd_rx {
	struct bfd_rx *next;
	struct bfd_io_ctx *ctx;
	int fd;
	int family;
	union bfd_sa local; /* port 3784; the wildcard when not configured */
	char ifname[IF_NAMESIZE];
	unsigned int refs;
	struct event *ev;
};

struct bfd_io_session {
	struct bfd_io_session *next;
	struct bfd_io_ctx *ctx;
	struct bfd_session s;
	union bfd_sa peer; /* port 3784 */
	unsigned int ifindex; /* 0: any */
	char ifname[IF_NAMESIZE];
	char name[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	int tx_fd;
	struct bfd_rx *rx;
	struct event *timer;
	bfd_io_state_cb cb;
	void *arg;
};

struct bfd_io_ctx {
	struct event_base *base;
	struct bfd_io_session *sessions;
	struct bfd_rx *rxs;
	uint64_t rnd; /* xorshift64 state for jitter, ports, discriminators */
	struct keel_ratelimit rl_bad;
	struct keel_ratelimit rl_tx;
};

static uint32_t ctx_rand(void *arg)
{
	struct bfd_io_ctx *ctx = arg;
	uint64_t x = ctx->rnd;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	ctx->rnd = x;
	return (uint32_t)(x >> 32);
}

static socklen_t sa_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) :
				   sizeof(struct sockaddr_in6);
}

static void sa_set_port(union bfd_sa *a, uint16_t port)
{
	if (a->sa.sa_family == AF_INET)
		a->in.sin_port = htons(port);
	else
		a->in6.sin6_port = htons(port);
}

/* Same family and address (ports and scope ignored). */
static bool sa_addr_eq(const union bfd_sa *a, const union bfd_sa *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	return !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr,
		       sizeof(struct in6_addr));
}

static const char *sa_ntop(const union bfd_sa *a, char *buf, size_t size)
{
	const void *p = a->sa.sa_family == AF_INET ?
				(const void *)&a->in.sin_addr :
				(const void *)&a->in6.sin6_addr;

	if (!inet_ntop(a->sa.sa_family, p, buf, (socklen_t)size))
		snprintf(buf, size, "?");
	return buf;
}

/* Copy a caller's address, checking its family and length. */
static int sa_copy(union bfd_sa *dst, const struct sockaddr *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->sa_family == AF_INET)
		memcpy(&dst->in, src, sizeof(dst->in));
	else if (src->sa_family == AF_INET6)
		memcpy(&dst->in6, src, sizeof(dst->in6));
	else
		return -EINVAL;
	return 0;
}

static void log_bad(struct bfd_io_ctx *ctx, const union bfd_sa *from,
		    const char *why)
{
	char a[INET6_ADDRSTRLEN];
	uint64_t n;

	if (keel_ratelimit_ok(&ctx->rl_bad, keel_now_us() / 1000, &n))
		keel_log(
			LOG_WARNING,
			"bfd: packet from %s dropped: %s (%llu similar suppressed)",
			sa_ntop(from, a, sizeof(a)), why,
			(unsigned long long)n);
}

/* Socket options shared by both kinds of socket. */
static int sock_common(int fd, int family, const char *ifname)
{
	int ttl = BFD_TTL, tos = BFD_TOS, one = 1;

	if (family == AF_INET) {
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) ||
		    setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)))
			return -errno;
	} else {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			       sizeof(one)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
			       sizeof(ttl)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos,
			       sizeof(tos)))
			return -errno;
	}
	if (ifname && *ifname &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname,
		       (socklen_t)strlen(ifname)))
		return -errno;
	return 0;
}

static void rx_cb(evutil_socket_t fd, short what, void *arg);

static void rx_put(struct bfd_rx *rx)
{
	struct bfd_rx **pp;

	if (!rx || --rx->refs)
		return;
	for (pp = &rx->ctx->rxs; *pp; pp = &(*pp)->next) {
		if (*pp == rx) {
			*pp = rx->next;
			break;
		}
	}
	if (rx->ev)
		event_free(rx->ev);
	close(rx->fd);
	free(rx);
}

/* The receiving socket for (family, local, ifname), opened on first use. */
static int rx_get(struct bfd_io_ctx *ctx, const union bfd_sa *local,
		  const char *ifname, struct bfd_rx **out)
{
	int family = local->sa.sa_family, one = 1, ret;
	struct bfd_rx *rx;

	for (rx = ctx->rxs; rx; rx = rx->next) {
		if (sa_addr_eq(&rx->local, local) &&
		    !strcmp(rx->ifname, ifname ? ifname : "")) {
			rx->refs++;
			*out = rx;
			return 0;
		}
	}
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	rx->ctx = ctx;
	rx->family = family;
	rx->local = *local;
	sa_set_port(&rx->local, BFD_PORT_CONTROL);
	if (ifname)
		snprintf(rx->ifname, sizeof(rx->ifname), "%s", ifname);
	rx->refs = 1;
	rx->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (rx->fd < 0) {
		ret = -errno;
		free(rx);
		return ret;
	}
	/* Several local addresses (and a wildcard) may share the port. */
	if (setsockopt(rx->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		ret = -errno;
		goto out;
	}
	ret = sock_common(rx->fd, family, ifname);
	if (ret)
		goto out;
	/* The TTL / hop limit and the arrival interface of each packet. */
	if (family == AF_INET) {
		if (setsockopt(rx->fd, IPPROTO_IP, IP_RECVTTL, &one,
			       sizeof(one)) ||
		    setsockopt(rx->fd, IPPROTO_IP, IP_PKTINFO, &one,
			       sizeof(one)))
			ret = -errno;
	} else {
		if (setsockopt(rx->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
			       sizeof(one)) ||
		    setsockopt(rx->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			       sizeof(one)))
			ret = -errno;
	}
	if (ret)
		goto out;
	if (bind(rx->fd, &rx->local.sa, sa_len(family))) {
		ret = -errno;
		goto out;
	}
	rx->ev = event_new(ctx->base, rx->fd, EV_READ | EV_PERSIST, rx_cb, rx);
	if (!rx->ev || event_add(rx->ev, NULL)) {
		ret = -ENOMEM;
		goto out;
	}
	rx->next = ctx->rxs;
	ctx->rxs = rx;
	*out = rx;
	return 0;
out:
	if (rx->ev)
		event_free(rx->ev);
	close(rx->fd);
	free(rx);
	return ret;
}

/* The sending socket: bound to local and a source port in 49152-65535
 * (RFC 5881 section 4), the same for the session's whole life. */
static int tx_open(struct bfd_io_session *bs, const union bfd_sa *local)
{
	int family = bs->peer.sa.sa_family, fd, ret, i;
	union bfd_sa a = *local;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = sock_common(fd, family, bs->ifname);
	if (ret)
		goto out;
	ret = -EADDRINUSE;
	for (i = 0; i < PORT_TRIES && ret == -EADDRINUSE; i++) {
		uint16_t port =
			(uint16_t)(BFD_PORT_SRC_MIN +
				   ctx_rand(bs->ctx) % (BFD_PORT_SRC_MAX -
							BFD_PORT_SRC_MIN + 1));

		sa_set_port(&a, port);
		ret = bind(fd, &a.sa, sa_len(family)) ? -errno : 0;
	}
	if (ret)
		goto out;
	bs->tx_fd = fd;
	return 0;
out:
	close(fd);
	return ret;
}

static void arm_timer(struct bfd_io_session *bs, uint64_t now)
{
	uint64_t at = bfd_session_next_deadline(&bs->s), d;
	struct timeval tv;

	if (!at) {
		evtimer_del(bs->timer);
		return;
	}
	d = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(d / 1000000u);
	tv.tv_usec = (suseconds_t)(d % 1000000u);
	evtimer_add(bs->timer, &tv);
}

static void send_pkt(struct bfd_io_session *bs, const struct bfd_pkt *p)
{
	uint8_t buf[BFD_PKT_MAX];
	uint64_t n;
	int len;

	len = bfd_pkt_encode(buf, sizeof(buf), p);
	if (len < 0)
		return; /* cannot happen: the session builds valid packets */
	if (sendto(bs->tx_fd, buf, (size_t)len, 0, &bs->peer.sa,
		   sa_len(bs->peer.sa.sa_family)) < 0 &&
	    keel_ratelimit_ok(&bs->ctx->rl_tx, keel_now_us() / 1000, &n))
		keel_log(LOG_WARNING,
			 "bfd: send to %s: %s (%llu similar suppressed)",
			 bs->name, strerror(errno), (unsigned long long)n);
}

/*
 * Carry out what the session asked for.  The callback comes last: it may
 * delete the session, which must not be touched after it.
 */
static void apply(struct bfd_io_session *bs, const struct bfd_actions *act,
		  uint64_t now)
{
	struct bfd_io_event ev;

	if (act->send)
		send_pkt(bs, &act->pkt);
	arm_timer(bs, now);
	if (!act->changed)
		return;
	ev.old_state = act->old_state;
	ev.new_state = act->new_state;
	ev.diag = act->diag;
	ev.remote_state = bs->s.remote_session_state;
	ev.remote_diag = bs->s.remote_diag;
	keel_log(LOG_INFO, "bfd: session to %s: %s -> %s (%s)", bs->name,
		 bfd_state_name(ev.old_state), bfd_state_name(ev.new_state),
		 bfd_diag_name(ev.diag));
	if (bs->cb)
		bs->cb(bs, &ev, bs->arg);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bfd_io_session *bs = arg;
	struct bfd_actions act;
	uint64_t now = keel_now_us();

	(void)fd;
	(void)what;
	bfd_session_timer(&bs->s, now, &act);
	apply(bs, &act, now);
}

/* RFC 5880 6.8.6: by Your Discriminator, else by the source address. */
static struct bfd_io_session *demux(struct bfd_rx *rx, const struct bfd_pkt *p,
				    const union bfd_sa *from,
				    unsigned int ifindex, const char **why)
{
	struct bfd_io_session *bs;

	for (bs = rx->ctx->sessions; bs; bs = bs->next) {
		if (p->your_disc) {
			if (bs->s.local_discr != p->your_disc)
				continue;
			/* Ours, but not from our peer: refuse. */
			if (!sa_addr_eq(&bs->peer, from) ||
			    (bs->ifindex && bs->ifindex != ifindex)) {
				*why = "discriminator of another peer's session";
				return NULL;
			}
			return bs;
		}
		if (bs->rx == rx && sa_addr_eq(&bs->peer, from) &&
		    (!bs->ifindex || bs->ifindex == ifindex))
			return bs;
	}
	*why = p->your_disc ? "unknown Your Discriminator" :
			      "no session for this address";
	return NULL;
}

/* One datagram: GTSM, the codec's checks, the session. */
static void rx_one(struct bfd_rx *rx, const uint8_t *buf, size_t len,
		   const union bfd_sa *from, int ttl, unsigned int ifindex)
{
	struct bfd_io_session *bs;
	enum bfd_pkt_err err;
	struct bfd_actions act;
	const char *why = NULL;
	struct bfd_pkt p;
	uint64_t now;

	/* RFC 5881 section 5: without authentication, only TTL 255. */
	if (ttl != BFD_TTL) {
		log_bad(rx->ctx, from,
			ttl < 0 ? "no TTL information" :
				  "TTL/hop limit is not 255");
		return;
	}
	if (bfd_pkt_parse(buf, len, false, &p, &err)) {
		log_bad(rx->ctx, from, bfd_pkt_err_name(err));
		return;
	}
	bs = demux(rx, &p, from, ifindex, &why);
	if (!bs) {
		log_bad(rx->ctx, from, why);
		return;
	}
	now = keel_now_us();
	if (bfd_session_rx(&bs->s, &p, now, &act)) {
		log_bad(rx->ctx, from, "Your Discriminator is not ours");
		return;
	}
	apply(bs, &act, now);
}

static void rx_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bfd_rx *rx = arg;
	int i;

	(void)what;
	/* The peers of this socket may be deleted by a callback: keep it. */
	rx->refs++;
	for (i = 0; i < RX_BURST; i++) {
		uint8_t buf[256]; /* Length is one byte: nothing longer counts */
		union {
			char buf[CMSG_SPACE(sizeof(int)) +
				 CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} cbuf;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		union bfd_sa from;
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = cbuf.buf,
			.msg_controllen = sizeof(cbuf.buf),
		};
		struct cmsghdr *c;
		unsigned int ifindex = 0;
		int ttl = -1;
		ssize_t n;

		n = recvmsg(fd, &msg, 0);
		if (n < 0)
			break; /* EAGAIN, or an error the next wake-up sees */
		if (rx->refs == 1 || from.sa.sa_family != rx->family)
			continue; /* every session gone: drain */
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			/* Both an int: the TTL or hop limit (RFC 5881 5). */
			if ((c->cmsg_level == IPPROTO_IP &&
			     c->cmsg_type == IP_TTL) ||
			    (c->cmsg_level == IPPROTO_IPV6 &&
			     c->cmsg_type == IPV6_HOPLIMIT))
				memcpy(&ttl, CMSG_DATA(c), sizeof(ttl));
			else if (c->cmsg_level == IPPROTO_IP &&
				 c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = (unsigned int)pi.ipi_ifindex;
			} else if (c->cmsg_level == IPPROTO_IPV6 &&
				   c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = pi.ipi6_ifindex;
			}
		}
		if (msg.msg_flags & MSG_CTRUNC)
			ttl = -1;
		rx_one(rx, buf, (size_t)n, &from, ttl, ifindex);
	}
	rx_put(rx);
}

struct bfd_io_ctx *bfd_io_ctx_new(struct event_base *base)
{
	struct bfd_io_ctx *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->base = base;
	if (getrandom(&ctx->rnd, sizeof(ctx->rnd), 0) != sizeof(ctx->rnd))
		ctx->rnd = keel_now_us() ^ (uint64_t)getpid() << 32;
	if (!ctx->rnd)
		ctx->rnd = 0x9e3779b97f4a7c15ull;
	ctx->rl_bad.interval_ms = 10000;
	ctx->rl_bad.burst = 5;
	ctx->rl_tx.interval_ms = 10000;
	ctx->rl_tx.burst = 5;
	return ctx;
}

void bfd_io_ctx_free(struct bfd_io_ctx *ctx)
{
	if (!ctx)
		return;
	while (ctx->sessions)
		bfd_io_session_del(ctx->sessions);
	free(ctx);
}

static bool params_ok(const struct bfd_io_params *p)
{
	return p->min_tx_us && p->min_rx_us && p->detect_mult;
}

static uint32_t new_discr(struct bfd_io_ctx *ctx)
{
	struct bfd_io_session *bs;
	uint32_t d;

again:
	d = ctx_rand(ctx);
	if (!d)
		goto again;
	for (bs = ctx->sessions; bs; bs = bs->next)
		if (bs->s.local_discr == d)
			goto again;
	return d;
}

int bfd_io_session_add(struct bfd_io_ctx *ctx, const struct sockaddr *peer,
		       const struct sockaddr *local, const char *ifname,
		       const struct bfd_io_params *params, bfd_io_state_cb cb,
		       void *arg, struct bfd_io_session **out)
{
	static const struct bfd_io_params defaults = {
		.min_tx_us = BFD_IO_DEFAULT_MIN_TX_US,
		.min_rx_us = BFD_IO_DEFAULT_MIN_RX_US,
		.detect_mult = BFD_IO_DEFAULT_MULT,
	};
	struct bfd_session_cfg scfg = { 0 };
	struct bfd_io_session *bs, *o;
	struct bfd_actions act;
	char addr[INET6_ADDRSTRLEN];
	union bfd_sa loc;
	uint64_t now;
	int ret;

	if (!params)
		params = &defaults;
	if (!params_ok(params) || (ifname && strlen(ifname) >= IF_NAMESIZE))
		return -EINVAL;
	bs = calloc(1, sizeof(*bs));
	if (!bs)
		return -ENOMEM;
	bs->ctx = ctx;
	bs->tx_fd = -1;
	bs->cb = cb;
	bs->arg = arg;
	ret = sa_copy(&bs->peer, peer);
	if (ret)
		goto out;
	sa_set_port(&bs->peer, BFD_PORT_CONTROL);
	if (local) {
		ret = sa_copy(&loc, local);
		if (ret || loc.sa.sa_family != bs->peer.sa.sa_family) {
			ret = -EINVAL;
			goto out;
		}
		sa_set_port(&loc, 0);
	} else {
		memset(&loc, 0, sizeof(loc));
		loc.sa.sa_family = bs->peer.sa.sa_family;
	}
	if (ifname && *ifname) {
		snprintf(bs->ifname, sizeof(bs->ifname), "%s", ifname);
		bs->ifindex = if_nametoindex(ifname);
		if (!bs->ifindex) {
			ret = -ENODEV;
			goto out;
		}
	}
	/* A link-local peer is reached through its interface. */
	if (bs->peer.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LINKLOCAL(&bs->peer.in6.sin6_addr)) {
		if (!bs->ifindex) {
			ret = -EINVAL;
			goto out;
		}
		bs->peer.in6.sin6_scope_id = bs->ifindex;
		if (local && IN6_IS_ADDR_LINKLOCAL(&loc.in6.sin6_addr))
			loc.in6.sin6_scope_id = bs->ifindex;
	}
	for (o = ctx->sessions; o; o = o->next) {
		if (sa_addr_eq(&o->peer, &bs->peer) &&
		    o->ifindex == bs->ifindex) {
			ret = -EEXIST;
			goto out;
		}
	}
	snprintf(bs->name, sizeof(bs->name), "%s%s%s",
		 sa_ntop(&bs->peer, addr, sizeof(addr)), *bs->ifname ? "%" : "",
		 bs->ifname);
	ret = rx_get(ctx, &loc, bs->ifname, &bs->rx);
	if (ret)
		goto out;
	ret = tx_open(bs, &loc);
	if (ret)
		goto out;
	bs->timer = evtimer_new(ctx->base, timer_cb, bs);
	if (!bs->timer) {
		ret = -ENOMEM;
		goto out;
	}
	scfg.local_disc = new_discr(ctx);
	scfg.min_tx_us = params->min_tx_us;
	scfg.min_rx_us = params->min_rx_us;
	scfg.detect_mult = params->detect_mult;
	scfg.rand = ctx_rand;
	scfg.rand_arg = ctx;
	now = keel_now_us();
	ret = bfd_session_init(&bs->s, &scfg, now, &act);
	if (ret)
		goto out;
	bs->next = ctx->sessions;
	ctx->sessions = bs;
	apply(bs, &act, now);
	*out = bs;
	return 0;
out:
	if (bs->timer)
		event_free(bs->timer);
	if (bs->tx_fd >= 0)
		close(bs->tx_fd);
	rx_put(bs->rx);
	free(bs);
	return ret;
}

void bfd_io_session_del(struct bfd_io_session *bs)
{
	struct bfd_io_session **pp;
	struct bfd_actions act;

	if (!bs)
		return;
	/*
	 * RFC 5880 6.8.16: tell the peer it is on purpose.  Twice, since we
	 * will not be around to repeat it and one datagram may be lost.
	 */
	bfd_session_admin(&bs->s, true, BFD_DIAG_ADMIN_DOWN, keel_now_us(),
			  &act);
	if (act.send) {
		send_pkt(bs, &act.pkt);
		send_pkt(bs, &act.pkt);
	}
	for (pp = &bs->ctx->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == bs) {
			*pp = bs->next;
			break;
		}
	}
	event_free(bs->timer);
	close(bs->tx_fd);
	rx_put(bs->rx);
	free(bs);
}

int bfd_io_session_set_params(struct bfd_io_session *bs,
			      const struct bfd_io_params *params)
{
	struct bfd_actions act;
	uint64_t now = keel_now_us();
	int ret;

	ret = bfd_session_set_timers(&bs->s, params->min_tx_us,
				     params->min_rx_us, params->detect_mult,
				     now, &act);
	if (ret)
		return ret;
	apply(bs, &act, now);
	return 0;
}

void bfd_io_session_admin(struct bfd_io_session *bs, bool down)
{
	struct bfd_actions act;
	uint64_t now = keel_now_us();

	bfd_session_admin(&bs->s, down, BFD_DIAG_ADMIN_DOWN, now, &act);
	apply(bs, &act, now);
}

uint8_t bfd_io_session_state(const struct bfd_io_session *bs)
{
	return bs->s.session_state;
}

const char *bfd_io_session_name(const struct bfd_io_session *bs)
{
	return bs->name;
}

uint64_t bfd_io_session_detect_time(const struct bfd_io_session *bs)
{
	return bfd_session_detect_time(&bs->s);
}
