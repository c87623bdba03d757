// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_agent.c - the daemon (`rs-agent run`, ra_agent.h): start-up, the
 * loop (ticks, checks, signals), reports, and the drain state.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <event2/event.h>
#include <sodium.h>

#include "keel_addr.h"
#include "keel_clock.h"
#include "keel_health.h"
#include "keel_listen.h"
#include "keel_log.h"
#include "keel_probe.h"
#include "ra_agent.h"
#include "ra_agent_state.h"
#include "ra_boot.h"
#include "keel_cli.h"
#include "ra_config.h"
#include "ra_ctl.h"
#include "ra_diag.h"
#include "ra_metrics.h"
#include "ra_net.h"
#include "ra_report.h"

static void ra_svc_name(const struct ra_cfg_service *s, char *buf, size_t size)
{
	struct keel_vip_key k = { .family = s->vip.family,
				  .port = htons(s->port),
				  .proto = s->proto };

	memcpy(k.addr, s->vip.addr, 16);
	if (keel_vip_format(&k, buf, size) < 0)
		snprintf(buf, size, "?");
}

static int ra_mkdir_p(const char *path)
{
	char buf[RA_CFG_PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Is a service's check still to give its first result? */
static bool ra_agent_unchecked(const struct ra_agent *a)
{
	size_t i;

	for (i = 0; i < a->n_svc; i++)
		if (!a->svc[i].vip_failed &&
		    a->svc[i].check_state == KEEL_RS_UNKNOWN)
			return true;
	return false;
}

/* Build and send one report now. */
static void ra_agent_report_now(struct ra_agent *a)
{
	struct keel_report r;
	size_t i;

	/*
	 * A starting agent says nothing until every check has its first
	 * result (or quiet_until_ms): the DOWN it would report for what it
	 * has not checked yet makes lbd move the real's flows, while the
	 * silence of a restart within keep_flows_for cuts nobody.
	 */
	if (a->quiet_until_ms && keel_now_ms() < a->quiet_until_ms &&
	    ra_agent_unchecked(a))
		return;
	a->quiet_until_ms = 0;
	memset(&r, 0, sizeof(r));
	r.count = a->n_svc;
	for (i = 0; i < a->n_svc; i++) {
		const struct ra_svc *s = &a->svc[i];

		r.svc[i].vip.family = s->cfg->vip.family;
		memcpy(r.svc[i].vip.addr, s->cfg->vip.addr, 16);
		r.svc[i].port = s->cfg->port;
		r.svc[i].proto = s->cfg->proto;
		r.svc[i].state = ra_agent_svc_state(a, s);
		r.svc[i].conns = s->conns;
	}
	r.load = a->load;
	ra_report_send(&a->tx, &r);
}

/* Drain or undrain every service; 0 or -errno (state file not written). */
static int ra_agent_set_drain(struct ra_agent *a, bool on)
{
	if (on == a->draining)
		return 0;
	if (a->drain_fd < 0) {
		/* The record could not be read at start: the operator's word
		 * holds until the agent restarts, which starts drained. */
		keel_log(
			LOG_WARNING,
			"drain state %s cannot be recorded: a restart of the agent starts drained again",
			a->drain_file);
		goto applied;
	}
	/* An operator's drain outlives a restart of the agent. */
	errno = 0;
	if (ftruncate(a->drain_fd, 0) ||
	    (on && pwrite(a->drain_fd, "drained\n", 8, 0) != 8) ||
	    fsync(a->drain_fd)) {
		int err = errno ? -errno : -EIO;

		/* Best effort: put back the record of the drain in force. */
		if (ftruncate(a->drain_fd, 0) == 0 && a->draining &&
		    pwrite(a->drain_fd, "drained\n", 8, 0) != 8)
			keel_log(
				LOG_WARNING,
				"drain state %s could not be restored: a restart of the agent starts undrained",
				a->drain_file);
		return err;
	}
applied:
	a->draining = on;
	keel_log(LOG_NOTICE, "%s: every service reports %s",
		 on ? "drain" : "undrain",
		 on ? "DRAINING (unless DOWN)" : "its check's state");
	ra_agent_report_now(a);
	return 0;
}

static void ra_count(struct ra_agent *a)
{
	static struct keel_ratelimit rl = { .interval_ms = 10000, .burst = 1 };
	struct ra_diag_key keys[KEEL_REPORT_MAX];
	uint32_t counts[KEEL_REPORT_MAX];
	uint64_t n = 0, t0;
	double avg;
	size_t i;
	int err;

	/*
	 * Counting walks every established socket of the host (about 0.06 us
	 * each, 1.4 us per counted one: docs/PERFORMANCE.md): on a server
	 * holding 100k clients one count costs ~0.15 s.  Keep it under 5% of
	 * a CPU: after a count that took T, the next waits at least 20 T; the
	 * reports in between carry the last counts.
	 */
	t0 = keel_now_us();
	if (t0 / 1000 < a->count_next_ms)
		goto load;
	memset(keys, 0, sizeof(keys));
	for (i = 0; i < a->n_svc; i++) {
		keys[i].family = a->svc[i].cfg->vip.family;
		memcpy(keys[i].addr, a->svc[i].cfg->vip.addr, 16);
		keys[i].port = a->svc[i].cfg->port;
		keys[i].proto = a->svc[i].cfg->proto;
	}
	err = ra_diag_count(a->diag, keys, a->n_svc, counts);
	if (err) {
		/* Keep the last counts: better than a sudden zero. */
		a->diag_errors++;
		if (keel_ratelimit_ok(&rl, keel_now_ms(), &n))
			keel_log(
				LOG_WARNING,
				"counting connections: %s (%llu similar suppressed)",
				strerror(-err), (unsigned long long)n);
	} else {
		for (i = 0; i < a->n_svc; i++)
			a->svc[i].conns = counts[i];
	}
	a->count_cost_us = keel_now_us() - t0;
	a->count_next_ms = (t0 + 20 * a->count_cost_us) / 1000;
load:
	if (getloadavg(&avg, 1) == 1 && avg >= 0)
		a->load = avg * 1000 > UINT32_MAX ?
				  UINT32_MAX :
				  (uint32_t)(avg * 1000 + 0.5);
}

static void ra_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ra_agent *a = arg;

	(void)fd;
	(void)what;
	ra_count(a);
	ra_agent_report_now(a);
}

static void ra_check_changed(void *arg, uint8_t state, const char *detail)
{
	struct ra_svc *s = arg;

	snprintf(s->detail, sizeof(s->detail), "%s", detail ? detail : "");
	/*
	 * Held (its probe not run) or running again, the state unchanged:
	 * nothing to tell the LBs (keel_probe logged it, rate-limited).
	 */
	if (state == s->check_state)
		return;
	s->check_state = state;
	keel_log(state == KEEL_RS_UP ? LOG_NOTICE : LOG_WARNING,
		 "service %s: check %s%s%s", s->name,
		 state == KEEL_RS_UP ? "up" : "down", s->detail[0] ? ": " : "",
		 s->detail);
	/* Tell the LBs at once rather than at the next tick. */
	ra_agent_report_now(s->agent);
}

static void ra_signal(evutil_socket_t sig, short what, void *arg)
{
	struct ra_agent *a = arg;

	(void)what;
	if (a->stopping) {
		keel_log(LOG_NOTICE, "SIG%s again: exiting", sigabbrev_np(sig));
		event_base_loopbreak(a->base);
		return;
	}
	a->stopping = true;
	a->draining = true;
	keel_log(
		LOG_NOTICE,
		"SIG%s: every service reports DRAINING until the agent is stopped (a second SIGTERM or SIGINT exits)",
		sigabbrev_np(sig));
	ra_agent_report_now(a);
}

/* VIPs and sysctls; false only when the host cannot be made safe. */
static bool ra_setup_network(struct ra_agent *a)
{
	const char *ifaces[RA_CFG_IFACES_MAX + 1];
	struct ra_vip vips[KEEL_REPORT_MAX];
	char state[RA_CFG_PATH_MAX + 16], msg[256];
	struct ra_net *net = NULL;
	size_t n, i, j;
	int err;

	err = ra_net_open(&net);
	if (err) {
		keel_log(LOG_ERR, "rtnetlink: %s", strerror(-err));
		return false;
	}
	/*
	 * The ARP sysctls first: a VIP on lo with arp_ignore 0 would answer
	 * ARP for the VIP and pull the site's traffic to this host.
	 */
	ra_config_sysctl_state(a->cfg, state, sizeof(state));
	msg[0] = '\0';
	err = ra_net_sysctl_apply(ra_config_ifaces(a->cfg, ifaces), state, msg,
				  sizeof(msg));
	if (err) {
		keel_log(LOG_ERR, "ARP sysctls: %s (no VIP added)",
			 msg[0] ? msg : strerror(-err));
		ra_net_close(net);
		return false;
	}
	n = ra_config_vips(a->cfg, vips);
	for (i = 0; i < n; i++) {
		msg[0] = '\0';
		err = ra_net_vip_add(net, &vips[i], msg, sizeof(msg));
		if (!err)
			continue;
		/* That VIP's services report DOWN; the others go on. */
		for (j = 0; j < a->n_svc; j++) {
			struct ra_svc *s = &a->svc[j];

			if (s->cfg->vip.family != vips[i].family ||
			    memcmp(s->cfg->vip.addr, vips[i].addr, 16))
				continue;
			s->vip_failed = true;
			snprintf(s->vip_error, sizeof(s->vip_error),
				 "cannot add the VIP: %s",
				 msg[0] ? msg : strerror(-err));
			keel_log(LOG_ERR, "service %s: %s; it reports DOWN",
				 s->name, s->vip_error);
		}
	}
	ra_net_close(net);
	return true;
}

/*
 * The drain mark, opened (made) as root at start: drained when it holds
 * "drained".  Earlier agents removed it to undrain; a file left by them
 * holds "drained" too.  One that cannot be read starts the agent drained.
 */
static int ra_drain_open(struct ra_agent *a)
{
	char buf[8];
	ssize_t n;

	snprintf(a->drain_file, sizeof(a->drain_file), "%s/drained",
		 a->cfg->state_dir);
	a->drain_fd = open(a->drain_file,
			   O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	n = a->drain_fd < 0 ? -1 : pread(a->drain_fd, buf, sizeof(buf), 0);
	if (n < 0) {
		/*
		 * A record that cannot be read is not taken for "not
		 * drained": starting drained takes no new client and keeps
		 * every connection (docs/rs-agent.md, "State").
		 */
		keel_log(
			LOG_ERR,
			"drain state %s cannot be read (%s): starting drained; fix the state directory, then 'rs-agent undrain' if the host is not in maintenance",
			a->drain_file, strerror(errno));
		if (a->drain_fd >= 0)
			close(a->drain_fd);
		a->drain_fd = -1;
		a->draining = true;
		return 0;
	}
	a->draining = n == 8 && !memcmp(buf, "drained\n", 8);
	return 0;
}

/*
 * Started as root: the user the agent becomes once set up, looked up
 * (never root: the command checks run as it too).  Started as anyone
 * else: it stays who it is, and user:, if given, must name them.
 */
static int ra_user_prepare(struct ra_agent *a, const char *config)
{
	char why[200];
	int err;

	err = keel_user_start(a->cfg->user, a->cfg->user_given, &a->user,
			      &a->drop, why, sizeof(why));
	if (err)
		keel_log(
			LOG_ERR, "%s: %s%s", config, why,
			err == -ENOENT ?
				": the agent and its command checks run as that user once set up (name another with user:)" :
				"");
	return err;
}

/*
 * VIPs, sysctls, sockets and the drain mark are in place: become the
 * user, with no capability at all.  The control socket, the metrics and
 * the checks' first probes run only after this.
 */
static int ra_drop(struct ra_agent *a)
{
	return a->drop ? keel_priv_drop_logged(&a->user, NULL, 0) : 0;
}

/* This boot's counter, made durable before the first report. */
static int ra_boot_start(const struct ra_config *cfg, uint64_t *boot)
{
	char path[RA_CFG_PATH_MAX + 8], aside[RA_CFG_PATH_MAX + 64], msg[512];
	enum ra_boot_found found;
	int err;

	snprintf(path, sizeof(path), "%s/boot", cfg->state_dir);
	err = ra_boot_next(path, (uint64_t)time(NULL), boot, &found, aside,
			   sizeof(aside), msg, sizeof(msg));
	if (err) {
		keel_log(
			LOG_ERR,
			"%s: no report can be sent without it (docs/rs-agent.md, \"State\")",
			msg);
		return err;
	}
	if (found == RA_BOOT_BAD)
		keel_log(
			LOG_WARNING,
			"%s; this boot is %llu, from the clock: if the LBs refuse the reports as old_boot, write a counter above theirs (lbctl status: agent_boot) into %s",
			msg, (unsigned long long)*boot, path);
	else
		keel_log(
			LOG_INFO, "boot counter %llu%s",
			(unsigned long long)*boot,
			found == RA_BOOT_MISSING ?
				" (no counter yet: a first start, or a reinstall; seeded by the clock)" :
				"");
	return 0;
}

/* ---- the control socket's view of the agent (ra_ctl_ops) ---- */

static void ra_ctl_status_fill(void *arg, struct ra_ctl_status *out)
{
	struct ra_agent *a = arg;
	size_t i;

	out->tx = &a->tx;
	out->draining = a->draining;
	out->stopping = a->stopping;
	out->load = a->load;
	out->n_svc = a->n_svc;
	for (i = 0; i < a->n_svc; i++) {
		const struct ra_svc *s = &a->svc[i];

		out->svc[i] = (struct ra_ctl_service){
			.name = s->name,
			.state = ra_agent_svc_state(a, s),
			.check = s->check_state,
			.detail = s->vip_failed ? s->vip_error : s->detail,
			.vip_error = s->vip_failed ? s->vip_error : NULL,
			.conns = s->conns,
		};
	}
}

static int ra_ctl_set_drain(void *arg, bool on, char *err, size_t errlen)
{
	struct ra_agent *a = arg;
	int ret = ra_agent_set_drain(a, on);

	if (ret)
		snprintf(err, errlen, "%s: %s", a->drain_file, strerror(-ret));
	return ret;
}

static bool ra_ctl_stopping(void *arg)
{
	const struct ra_agent *a = arg;

	return a->stopping;
}

static const struct ra_ctl_ops ra_ctl_ops = {
	.status = ra_ctl_status_fill,
	.set_drain = ra_ctl_set_drain,
	.stopping = ra_ctl_stopping,
};

int ra_agent_run(const char *config)
{
	static struct ra_agent agent;
	struct ra_agent *a = &agent;
	uint8_t key[KEEL_REPORT_KEY_LEN];
	struct timeval tv;
	uint64_t boot = 0, quiet_ms;
	char msg[512];
	size_t i;
	int err, ret = KEEL_EXIT_FAIL;

	if (sodium_init() < 0) {
		keel_log(LOG_ERR, "libsodium cannot start");
		return KEEL_EXIT_FAIL;
	}
	keel_listen_event_log();
	a->drain_fd = -1;
	if (ra_config_new(config, &a->cfg, msg, sizeof(msg))) {
		keel_log(LOG_ERR, "%s", msg);
		return KEEL_EXIT_FAIL;
	}
	if (ra_user_prepare(a, config))
		goto out;
	if (keel_report_key_load(a->cfg->key_file,
				 a->drop ? a->user.uid : (uid_t)-1, key, msg,
				 sizeof(msg))) {
		keel_log(LOG_ERR, "%s", msg);
		goto out;
	}
	err = ra_mkdir_p(a->cfg->state_dir);
	if (!err)
		err = ra_drain_open(a);
	if (err) {
		keel_log(LOG_ERR, "state_dir %s: %s", a->cfg->state_dir,
			 strerror(-err));
		goto out;
	}
	if (ra_boot_start(a->cfg, &boot))
		goto out;
	a->n_svc = a->cfg->n_services;
	for (i = 0; i < a->n_svc; i++) {
		a->svc[i].cfg = &a->cfg->svc[i];
		a->svc[i].agent = a;
		ra_svc_name(a->svc[i].cfg, a->svc[i].name,
			    sizeof(a->svc[i].name));
		/* Never root, even while the agent still is. */
		a->cfg->svc[i].check.spec.uid = a->user.uid;
		a->cfg->svc[i].check.spec.gid = a->user.gid;
	}
	a->base = event_base_new();
	if (!a->base) {
		keel_log(LOG_ERR, "libevent: cannot create the loop");
		goto out;
	}
	err = ra_report_open(&a->tx, a->cfg, key, boot, msg, sizeof(msg));
	sodium_memzero(key, sizeof(key));
	if (err) {
		keel_log(LOG_ERR, "%s", msg);
		goto out;
	}
	err = ra_diag_open(&a->diag);
	if (err) {
		keel_log(LOG_ERR, "sock_diag: %s", strerror(-err));
		goto out;
	}
	if (a->cfg->manage_network && !ra_setup_network(a))
		goto out;
	quiet_ms = a->cfg->interval_ms;
	for (i = 0; i < a->n_svc; i++) {
		struct ra_svc *s = &a->svc[i];
		const struct ra_cfg_check *k = &s->cfg->check;

		if (s->vip_failed)
			continue;
		/* The first probe runs at once: its result by its timeout. */
		if (k->spec.timeout_ms + a->cfg->interval_ms > quiet_ms)
			quiet_ms = k->spec.timeout_ms + a->cfg->interval_ms;
		s->check = keel_check_new(a->base, &k->spec, k->interval_ms,
					  k->rise, k->fall, ra_check_changed,
					  s);
		if (!s->check) {
			keel_log(LOG_ERR, "service %s: check: %s", s->name,
				 strerror(errno));
			goto out;
		}
	}
	err = ra_ctl_start(a->base, a->cfg, a->drop ? a->user.uid : (uid_t)-1,
			   &ra_ctl_ops, a, &a->ctl);
	if (err)
		goto out;
	if (ra_metrics_start(a))
		goto out;
	a->tick = event_new(a->base, -1, EV_PERSIST, ra_tick, a);
	a->sigterm = evsignal_new(a->base, SIGTERM, ra_signal, a);
	a->sigint = evsignal_new(a->base, SIGINT, ra_signal, a);
	tv.tv_sec = a->cfg->interval_ms / 1000;
	tv.tv_usec = (a->cfg->interval_ms % 1000) * 1000;
	if (!a->tick || !a->sigterm || !a->sigint || event_add(a->tick, &tv) ||
	    event_add(a->sigterm, NULL) || event_add(a->sigint, NULL)) {
		keel_log(LOG_ERR, "libevent: cannot add events");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (ra_drop(a))
		goto out;
	keel_log(LOG_NOTICE,
		 "running: %zu services, %zu LBs, a report every %u ms%s",
		 a->n_svc, a->tx.n_lbs, a->cfg->interval_ms,
		 a->draining ? "; drained (rs-agent undrain resumes)" : "");
	a->quiet_until_ms = keel_now_ms() + quiet_ms;
	ra_tick(-1, 0, a);
	if (event_base_dispatch(a->base) < 0) {
		keel_log(LOG_ERR, "libevent: the loop failed");
		goto out;
	}
	ret = KEEL_EXIT_OK;
out:
	for (i = 0; i < a->n_svc; i++)
		if (a->svc[i].check)
			keel_check_free(a->svc[i].check);
	if (a->tick)
		event_free(a->tick);
	if (a->sigterm)
		event_free(a->sigterm);
	if (a->sigint)
		event_free(a->sigint);
	ra_metrics_stop(a);
	ra_ctl_stop(a->ctl);
	if (a->diag)
		ra_diag_close(a->diag);
	ra_report_close(&a->tx);
	if (a->base)
		event_base_free(a->base);
	if (a->drain_fd >= 0)
		close(a->drain_fd);
	free(a->cfg);
	return ret;
}
