// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's receiver of rs-agent reports (lbd_rx.h): keys and the socket,
 * its filter, the replay guards on disk, and the reading of datagrams
 * (docs/lbd.md, "Health"; docs/agent-protocol.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sodium.h>

#include "keel_addr.h"
#include "keel_clock.h"
#include "keel_report.h"
#include "lbd.h"
#include "lbd_eval.h"
#include "lbd_loop.h"
#include "lbd_rx.h"

#define LBD_RX_BATCH 64
#define LBD_RX_ROUNDS 8 /* batches per wake-up; the rest on the next */
#define LBD_RX_RCVBUF (4 << 20)
/*
 * A busy socket is read on a clock instead of at every datagram: a
 * wake-up costs more than the checks of a hundred junk datagrams
 * (docs/PERFORMANCE.md, "Agent report floods"), and on a virtual machine
 * the context switch alone costs more than a report.  Busy: at least
 * LBD_RX_BUSY datagrams in LBD_RX_WINDOW_MS; calm again when a poll finds
 * fewer than LBD_RX_CALM.  A poll reads at most LBD_RX_POLL_ROUNDS
 * batches (the rest stays queued for the next).  The clock runs every
 * LBD_RX_POLL_SLOW_MS (thousands of agents: 3000 at 10 Hz is 300 a poll),
 * every LBD_RX_POLL_MS once a poll finds LBD_RX_FAST or more (a flood:
 * the socket's buffer holds about 4000), back when fewer than
 * LBD_RX_FAST / 4.
 */
#define LBD_RX_POLL_MS 2
#define LBD_RX_POLL_SLOW_MS 10
#define LBD_RX_FAST 512
#define LBD_RX_WINDOW_MS 10
#define LBD_RX_BUSY 64
#define LBD_RX_CALM 8

/* How often the replay guards are written while reports come in. */
#define LBD_REPLAY_SAVE_MS 5000

int lbd_rx_replay_path(const struct lbd *d, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s.replay", d->cfg.state_file);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ---- keys and the socket ---- */

static int lbd_rx_open(const char *listen, int *fdp, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int fd, one = 1, zero = 0, size = LBD_RX_RCVBUF, ret;
	socklen_t len;

	if (keel_sockaddr_parse(listen, &ss, &len)) {
		snprintf(err, errlen, "agents.listen %s: bad address", listen);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	/* [::] takes IPv4 agents too (as mapped addresses). */
	if (ss.ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/*
	 * Bursts from many agents at once, and floods between two polls:
	 * beyond net.core.rmem_max with CAP_NET_ADMIN (lbd keeps it), best
	 * effort otherwise.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	*fdp = fd;
	return 0;
fail:
	snprintf(err, errlen, "agents.listen %s: %s", listen, strerror(-ret));
	return ret;
}

/* Key files may be the user's lbd becomes, not only root's. */
static uid_t lbd_key_user(const struct lbd *d)
{
	return d->drop ? d->user.uid : (uid_t)-1;
}

int lbd_rx_keys_load(const struct lb_cfg_agents *a, uid_t user,
		     struct lb_agents_key keys[LB_AGENTS_KEYS_MAX], size_t *n,
		     char *err, size_t errlen)
{
	int ret;

	*n = 0;
	ret = keel_report_key_load(a->key_file, user, keys[0].key, err, errlen);
	if (ret)
		goto out;
	keys[0].id = a->key_id;
	*n = 1;
	if (a->previous_key_file[0]) {
		ret = keel_report_key_load(a->previous_key_file, user,
					   keys[1].key, err, errlen);
		if (ret)
			goto out;
		keys[1].id = a->previous_key_id;
		*n = 2;
	}
out:
	if (ret) {
		sodium_memzero(keys, LB_AGENTS_KEYS_MAX * sizeof(*keys));
		*n = 0;
	}
	return ret;
}

int lbd_rx_prepare(struct lbd *d, const struct lb_config *cfg,
		   struct lbd_rx_prep *p, char *err, size_t errlen)
{
	const struct lb_cfg_agents *a = &cfg->agents;
	int ret;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (!a->listen[0]) {
		p->close_rx = true;
		return 0;
	}
	ret = lbd_rx_keys_load(a, lbd_key_user(d), p->keys, &p->n_keys, err,
			       errlen);
	if (ret)
		goto fail;
	if (d->rx.fd < 0 || strcmp(a->listen, d->rx.listen)) {
		ret = lbd_rx_open(a->listen, &p->fd, err, errlen);
		if (ret)
			goto fail;
	}
	return 0;
fail:
	lbd_rx_discard(p);
	return ret;
}

void lbd_rx_discard(struct lbd_rx_prep *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	sodium_memzero(p->keys, sizeof(p->keys));
}

static void lbd_rx_close(struct lbd_rx *h)
{
	if (h->rx_poll)
		event_del(h->rx_poll);
	h->rx_busy = false;
	if (h->rx)
		event_free(h->rx);
	h->rx = NULL;
	if (h->fd >= 0)
		close(h->fd);
	if (h->filter_fd == h->fd)
		h->filter_fd = -1;
	h->fd = -1;
	h->listen[0] = '\0';
}

static void lbd_on_report(evutil_socket_t fd, short what, void *arg);

int lbd_rx_install(struct lbd *d, struct lbd_rx_prep *p)
{
	struct lbd_rx *h = &d->rx;
	struct lb_agents *ag = &d->agents;
	size_t i, j;

	/* Counters of keys that stay. */
	for (i = 0; i < p->n_keys; i++)
		for (j = 0; j < ag->n_keys; j++)
			if (ag->keys[j].id == p->keys[i].id)
				p->keys[i].reports = ag->keys[j].reports;
	memcpy(ag->keys, p->keys, sizeof(p->keys));
	ag->n_keys = p->n_keys;
	for (i = 0; i < ag->n_keys; i++)
		lb_agents_key_init(&ag->keys[i]);
	sodium_memzero(p->keys, sizeof(p->keys));
	if (p->close_rx && h->fd >= 0) {
		keel_log(LOG_NOTICE, "agent report receiver on %s stopped",
			 h->listen);
		lbd_rx_close(h);
	}
	if (p->fd < 0)
		return 0;
	lbd_rx_close(h);
	h->fd = p->fd;
	p->fd = -1;
	snprintf(h->listen, sizeof(h->listen), "%s", d->cfg.agents.listen);
	h->rx = event_new(d->base, h->fd, EV_READ | EV_PERSIST, lbd_on_report,
			  d);
	if (!h->rx || event_add(h->rx, NULL)) {
		lbd_rx_close(h);
		return -ENOMEM;
	}
	keel_log(
		LOG_NOTICE,
		"receiving agent reports on %s (key id %u%s, dead after %u ms, flows kept %u ms more)",
		h->listen, d->cfg.agents.key_id,
		ag->n_keys > 1 ? " and the previous one" : "",
		d->cfg.agents.dead_after_ms, d->cfg.agents.keep_flows_ms);
	return 0;
}

/* The filter off the socket and unloaded: lbd checks every source. */
static void lbd_rxfilter_off(struct lbd_rx *h, const char *why, int err)
{
	keel_log(
		LOG_ERR,
		"agent report socket filter %s: %s; taken off, lbd checks every source itself",
		why, strerror(-err));
	if (h->filter_fd >= 0)
		lb_rxfilter_detach(h->filter_fd);
	h->filter_fd = -1;
	lb_rxfilter_close(h->filter);
	h->filter = NULL;
}

/*
 * The filter lets exactly the agents' addresses through: synced with the
 * table before it goes on a new socket (start, a new agents.listen).
 */
static void lbd_rxfilter_update(struct lbd *d)
{
	struct lbd_rx *h = &d->rx;
	int err;

	if (!h->filter)
		return;
	err = lb_rxfilter_sync(h->filter, &d->agents);
	if (err) {
		lbd_rxfilter_off(h, "cannot be updated", err);
		return;
	}
	if (h->fd < 0 || h->filter_fd == h->fd)
		return;
	err = lb_rxfilter_attach(h->filter, h->fd);
	if (err) {
		lbd_rxfilter_off(h, "cannot be attached", err);
		return;
	}
	h->filter_fd = h->fd;
	keel_log(LOG_INFO,
		 "agent report socket filter on %s: %zu agent addresses",
		 h->listen, d->agents.n);
}

/*
 * The replay guards to disk (lb_replay.h): every LBD_REPLAY_SAVE_MS while
 * reports are accepted, and durably when lbd stops.  After a crash, what
 * lbd could take again is what agents sent since the last save.
 */
void lbd_rx_replay_save(struct lbd *d, uint64_t now, bool durable)
{
	static struct keel_ratelimit rl = { .interval_ms = 60000, .burst = 1 };
	struct lbd_rx *h = &d->rx;
	char path[PATH_MAX];
	uint64_t n;
	int err;

	if (!h->replay_dirty ||
	    (!durable && now - h->replay_saved_ms < LBD_REPLAY_SAVE_MS))
		return;
	err = lbd_rx_replay_path(d, path, sizeof(path));
	if (!err)
		err = lb_replay_save(path, &d->agents, durable);
	h->replay_saved_ms = now;
	if (!err) {
		h->replay_dirty = false;
		return;
	}
	if (keel_ratelimit_ok(&rl, now, &n))
		keel_log(
			LOG_ERR,
			"replay file %s: %s (a restarted lbd may accept reports it has already seen)",
			path, strerror(-err));
}

/* ---- the receiver ---- */

/* The datagram's source as a keel family and address. */
static bool lbd_src(const struct sockaddr_storage *ss, uint8_t *family,
		    __be32 addr[4])
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

	memset(addr, 0, 16);
	if (ss->ss_family == AF_INET) {
		*family = KEEL_F_INET;
		addr[0] = s4->sin_addr.s_addr;
	} else if (ss->ss_family == AF_INET6 &&
		   IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		*family = KEEL_F_INET;
		memcpy(addr, &s6->sin6_addr.s6_addr[12], 4);
	} else if (ss->ss_family == AF_INET6) {
		*family = KEEL_F_INET6;
		memcpy(addr, &s6->sin6_addr, 16);
	} else {
		return false;
	}
	return true;
}

static const char *const lbd_rx_why[LB_AGENTS_RX__MAX] = {
	[LB_AGENTS_RX_MALFORMED] = "malformed",
	[LB_AGENTS_RX_VERSION] = "a protocol version this lbd does not know",
	[LB_AGENTS_RX_UNKNOWN_SOURCE] =
		"not sent from the address of a real with agent health",
	[LB_AGENTS_RX_WRONG_REAL] =
		"it names another real than its source address",
	[LB_AGENTS_RX_REPLAY] = "replayed or reordered",
	[LB_AGENTS_RX_OLD_BOOT] =
		"from an earlier boot of the agent than the last accepted (a replay, or an agent whose boot counter went back: docs/agent-protocol.md)",
	[LB_AGENTS_RX_DOWNGRADE] =
		"protocol version 1 from an agent that speaks version 2",
	[LB_AGENTS_RX_RATE_LIMITED] =
		"an unlikely header while many arrive: not verified",
	[LB_AGENTS_RX_BAD_MAC] = "bad MAC (wrong key or key id, or altered)",
};

/*
 * urgent: a report that must be acted on now (lbd_eval_heard()); the
 * others wait for the timer, so steady reports from many agents cost no
 * evaluation and agents coming up one evaluation per half interval.
 */
static void lbd_rx_one(struct lbd *d, const uint8_t *buf, size_t len,
		       const struct sockaddr_storage *ss, uint64_t now,
		       bool *urgent)
{
	struct lbd_rx *h = &d->rx;
	struct lb_agent_slot *slot;
	enum lb_agents_result res;
	uint64_t suppressed;
	bool changed;
	char src[64];
	uint8_t fam;
	__be32 addr[4];

	if (!lbd_src(ss, &fam, addr))
		return;
	res = lb_agents_classify(&d->agents, buf, len, fam, addr, now, &slot);
	h->results[res]++;
	if (res == LB_AGENTS_RX_OK) {
		h->replay_dirty = true;
		changed =
			lb_agent_urgent(slot, now, d->cfg.agents.dead_after_ms);
		*urgent |= lbd_eval_heard(d, slot, changed, now);
		return;
	}
	if (!keel_ratelimit_ok(&h->rl[res], now, &suppressed))
		return;
	if (keel_addr_format(fam, addr, src, sizeof(src)) < 0)
		snprintf(src, sizeof(src), "?");
	keel_log(LOG_WARNING,
		 "agent report from %s (%zu bytes) rejected, %s: %s%s", src,
		 len, lb_agents_result_name(res), lbd_rx_why[res],
		 suppressed ? " (more of these suppressed)" : "");
}

/* Up to rounds batches from the socket; how many datagrams were read. */
int lbd_rx_drain(struct lbd *d, int rounds)
{
	static uint8_t bufs[LBD_RX_BATCH][KEEL_REPORT_LEN_MAX + 1];
	struct sockaddr_storage from[LBD_RX_BATCH];
	struct mmsghdr msgs[LBD_RX_BATCH];
	struct iovec iov[LBD_RX_BATCH];
	bool urgent = false;
	int n, i, round, total = 0;
	uint64_t now;

	for (round = 0; round < rounds && d->rx.fd >= 0; round++) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < LBD_RX_BATCH; i++) {
			/* One byte more than a report: longer is malformed. */
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(d->rx.fd, msgs, LBD_RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		total += n;
		now = keel_now_ms();
		for (i = 0; i < n; i++) {
			size_t len = msgs[i].msg_len;

			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				len = sizeof(bufs[i]);
			lbd_rx_one(d, bufs[i], len, &from[i], now, &urgent);
		}
		if (n < LBD_RX_BATCH)
			break;
	}
	/*
	 * A DOWN report takes effect now, not at the next tick: in this
	 * loop turn, once every waiting report is read (one evaluation).
	 */
	if (urgent && d->rx.notify)
		d->rx.notify(d);
	return total;
}

static void lbd_on_report(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, LBD_RX_POLL_SLOW_MS * 1000 };
	struct lbd *d = arg;
	struct lbd_rx *h = &d->rx;
	uint64_t now;
	int n;

	(void)fd;
	(void)what;
	n = lbd_rx_drain(d, LBD_RX_ROUNDS);
	now = keel_now_ms();
	if (now - h->rx_win_ms >= LBD_RX_WINDOW_MS) {
		h->rx_win_ms = now;
		h->rx_win_n = 0;
	}
	h->rx_win_n += n;
	/* Busy: read on a clock from now on, not at every datagram. */
	if (h->rx_win_n >= LBD_RX_BUSY && h->rx_poll && !event_del(h->rx)) {
		if (event_add(h->rx_poll, &tv)) {
			event_add(h->rx, NULL); /* never leave it unread */
		} else {
			h->rx_busy = true;
			h->rx_fast = false;
		}
	}
	lbd_loop_note(d);
}

static void lbd_on_rx_poll(evutil_socket_t fd, short what, void *arg)
{
	struct lbd *d = arg;
	struct lbd_rx *h = &d->rx;

	struct timeval tv = { 0, 0 };
	bool fast;
	int n;

	(void)fd;
	(void)what;
	n = lbd_rx_drain(d, LBD_RX_POLL_ROUNDS);
	if (n < LBD_RX_CALM && h->rx) {
		/* Calm again: back to reading when a datagram comes (if
		 * that cannot be set up, the clock keeps reading). */
		if (!event_add(h->rx, NULL)) {
			event_del(h->rx_poll);
			h->rx_busy = false;
			h->rx_win_n = 0;
		}
	} else {
		fast = h->rx_fast ? n >= LBD_RX_FAST / 4 : n >= LBD_RX_FAST;
		if (fast != h->rx_fast) {
			h->rx_fast = fast;
			tv.tv_usec = 1000 * (fast ? LBD_RX_POLL_MS :
						    LBD_RX_POLL_SLOW_MS);
			event_del(h->rx_poll);
			event_add(h->rx_poll, &tv);
		}
	}
	lbd_loop_note(d);
}

/* Datagrams with this result; unknown_source includes the filter's. */
uint64_t lbd_rx_count(const struct lbd *d, unsigned int res)
{
	const struct lbd_rx *h = &d->rx;
	uint64_t n = h->results[res];

	if (res == LB_AGENTS_RX_UNKNOWN_SOURCE && h->filter)
		n += lb_rxfilter_dropped(h->filter);
	return n;
}

bool lbd_rx_filtered(const struct lbd *d)
{
	return d->rx.filter_fd >= 0 && d->rx.filter_fd == d->rx.fd;
}

void lbd_rx_agents_rebuilt(struct lbd *d)
{
	struct lbd_rx *h = &d->rx;

	lbd_rxfilter_update(d);
	if (!h->restore)
		return;
	keel_log(
		LOG_INFO,
		"replay guards of %zu of %zu agents restored from the replay file",
		lb_replay_restore(&d->agents, h->restore, h->n_restore),
		h->n_restore);
	free(h->restore);
	h->restore = NULL;
	h->n_restore = 0;
}

/* Called once from lbd_start() before the first apply. */
int lbd_rx_init(struct lbd *d, void (*notify)(struct lbd *d))
{
	struct lbd_rx *h = &d->rx;
	size_t i;
	int err;

	h->fd = -1;
	h->filter_fd = -1;
	h->notify = notify;
	/* Now, while lbd may still load BPF programs (lb_rxfilter.h). */
	err = lb_rxfilter_open(&h->filter);
	if (err)
		keel_log(
			LOG_WARNING,
			"agent report socket filter not loaded (%s): lbd drops reports from other sources itself",
			strerror(-err));
	for (i = 0; i < LB_AGENTS_RX__MAX; i++) {
		h->rl[i].interval_ms = 10000;
		h->rl[i].burst = 5;
	}
	h->rx_poll = event_new(d->base, -1, EV_PERSIST, lbd_on_rx_poll, d);
	return h->rx_poll ? 0 : -ENOMEM;
}

void lbd_rx_stop(struct lbd *d)
{
	struct lbd_rx *h = &d->rx;

	lbd_rx_close(h);
	h->filter_fd = -1;
	lb_rxfilter_close(h->filter);
	h->filter = NULL;
	lbd_rx_replay_save(d, keel_now_ms(), true);
	free(h->restore);
	h->restore = NULL;
	if (h->rx_poll)
		event_free(h->rx_poll);
	h->rx_poll = NULL;
}
