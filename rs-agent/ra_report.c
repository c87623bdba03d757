// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_report.c - reports to every LB (docs/agent-protocol.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <sodium.h>

#include "keel_addr.h"
#include "keel_clock.h"
#include "ra_report.h"

/* One line per LB per 10 s while it keeps failing. */
#define RA_REPORT_LOG_INTERVAL_MS 10000
#define RA_REPORT_LOG_BURST 1

static socklen_t ra_report_sockaddr(const struct ra_cfg_addr *a, uint16_t port,
				    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == KEEL_F_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->addr, 4);
		return sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->addr, 16);
		return sizeof(*s6);
	}
}

static void ra_report_lb_name(const struct ra_cfg_lb *lb, char *buf,
			      size_t size)
{
	char a[48];
	__be32 w[4];

	memcpy(w, lb->a.addr, 16);
	if (keel_addr_format(lb->a.family, w, a, sizeof(a)) < 0)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, size, lb->a.family == KEEL_F_INET6 ? "[%s]:%u" : "%s:%u",
		 a, lb->port);
}

int ra_report_open(struct ra_report_tx *t, const struct ra_config *cfg,
		   const uint8_t key[KEEL_REPORT_KEY_LEN], uint64_t boot,
		   char *msg, size_t msglen)
{
	struct sockaddr_storage src;
	socklen_t slen;
	char real[48];
	__be32 w[4];
	size_t i;
	int err, fd;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < RA_CFG_LBS_MAX; i++)
		t->lbs[i].fd = -1;
	memcpy(t->key, key, sizeof(t->key));
	t->key_id = cfg->key_id;
	t->real.family = cfg->real.family;
	memcpy(t->real.addr, cfg->real.addr, 16);
	t->version = cfg->report_version;
	t->boot = boot;
	randombytes_buf(t->boot_id, sizeof(t->boot_id));
	memcpy(w, cfg->real.addr, 16);
	keel_addr_format(cfg->real.family, w, real, sizeof(real));
	slen = ra_report_sockaddr(&cfg->real, 0, &src);
	for (i = 0; i < cfg->n_lbs; i++) {
		struct ra_report_lb *lb = &t->lbs[i];

		ra_report_lb_name(&cfg->lbs[i], lb->name, sizeof(lb->name));
		lb->rl.interval_ms = RA_REPORT_LOG_INTERVAL_MS;
		lb->rl.burst = RA_REPORT_LOG_BURST;
		fd = socket(src.ss_family,
			    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    IPPROTO_UDP);
		if (fd < 0) {
			err = -errno;
			snprintf(msg, msglen, "socket: %s", strerror(-err));
			goto fail;
		}
		lb->fd = fd;
		t->n_lbs = i + 1;
		/* lbd accepts reports from the real's own address only. */
		if (bind(fd, (struct sockaddr *)&src, slen) < 0) {
			err = -errno;
			snprintf(
				msg, msglen,
				"binding the report socket to real %s: %s%s",
				real, strerror(-err),
				err == -EADDRNOTAVAIL ?
					" (real must be an address of this host)" :
					"");
			goto fail;
		}
		lb->dlen = ra_report_sockaddr(&cfg->lbs[i].a, cfg->lbs[i].port,
					      &lb->dst);
	}
	return 0;
fail:
	ra_report_close(t);
	return err;
}

void ra_report_close(struct ra_report_tx *t)
{
	size_t i;

	for (i = 0; i < t->n_lbs; i++)
		if (t->lbs[i].fd >= 0)
			close(t->lbs[i].fd);
	sodium_memzero(t->key, sizeof(t->key));
	t->n_lbs = 0;
}

/*
 * ICMP errors reach a connected UDP socket only now and then (the LB's
 * kernel rate-limits them), so successes and failures interleave while an
 * LB is down: log the first failure and a new kind of failure at once,
 * the rest rate-limited, and recovery only after a quiet period.
 */
static void ra_report_failed(struct ra_report_lb *lb, int err, uint64_t now)
{
	uint64_t n = 0;

	lb->errors++;
	if (!lb->failing || err != lb->last_err ||
	    keel_ratelimit_ok(&lb->rl, now, &n))
		keel_log(LOG_WARNING,
			 "reports to LB %s fail: %s (%llu failed sends so far)",
			 lb->name, strerror(-err),
			 (unsigned long long)lb->errors);
	lb->failing = true;
	lb->last_err = err;
	lb->last_fail_ms = now;
}

static void ra_report_ok(struct ra_report_lb *lb, uint64_t now)
{
	lb->sent++;
	if (lb->failing && now - lb->last_fail_ms >= RA_REPORT_QUIET_MS) {
		keel_log(
			LOG_NOTICE,
			"reports to LB %s go through again (no error for %u s)",
			lb->name, RA_REPORT_QUIET_MS / 1000);
		lb->failing = false;
	}
}

size_t ra_report_send(struct ra_report_tx *t, struct keel_report *r)
{
	uint8_t buf[KEEL_REPORT_LEN_MAX];
	uint64_t now = keel_now_ms();
	struct timespec wall;
	size_t i, ok = 0;
	ssize_t n;
	int len;

	clock_gettime(CLOCK_REALTIME, &wall);
	r->version = t->version;
	r->flags = 0;
	r->key_id = t->key_id;
	r->boot = t->version == KEEL_REPORT_VERSION_1 ? 0 : t->boot;
	memcpy(r->boot_id, t->boot_id, sizeof(r->boot_id));
	r->seq = ++t->seq;
	r->ts_ms = (uint64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
	r->real = t->real;
	len = keel_report_encode(buf, sizeof(buf), r, t->key);
	if (len < 0) {
		/* The agent built it: a bug, not an input. */
		keel_log(LOG_ERR, "cannot encode a report: %s", strerror(-len));
		return 0;
	}
	for (i = 0; i < t->n_lbs; i++) {
		struct ra_report_lb *lb = &t->lbs[i];

		/* No route at start is a send error like any other. */
		if (!lb->connected) {
			if (connect(lb->fd, (struct sockaddr *)&lb->dst,
				    lb->dlen) < 0) {
				ra_report_failed(lb, -errno, now);
				continue;
			}
			lb->connected = true;
		}
		n = send(lb->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == len) {
			ra_report_ok(lb, now);
			ok++;
			continue;
		}
		ra_report_failed(lb, n < 0 ? -errno : -EMSGSIZE, now);
	}
	return ok;
}
