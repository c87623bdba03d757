// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * rs-agent - the real-server agent (docs/rs-agent.md): `run` is the
 * daemon; the other commands set up, inspect or steer it.
 *
 * The daemon: VIPs on lo and the ARP sysctls (ra_net), one health check
 * per service (keel_check), connection counts (ra_diag) and the load, in
 * a signed report to every LB every interval (ra_report); the control
 * socket (ra_ctl) drains and undrains.  SIGTERM drains for good and keeps
 * reporting; a second SIGTERM (or SIGINT) exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>
#include <sodium.h>

#include "keel_cli.h"
#include "keel_clock.h"
#include "keel_health.h"
#include "keel_listen.h"
#include "keel_log.h"
#include "keel_probe.h"
#include "keel_addr.h"
#include "keel_metrics.h"
#include "ra_boot.h"
#include "ra_config.h"
#include "ra_ctl.h"
#include "ra_diag.h"
#include "ra_net.h"
#include "ra_report.h"
#include "rs_agent.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1, /* error, findings, refused, drain timeout */
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,
};

#define RA_CONFIG_DEFAULT "/etc/keel/rs-agent.yaml"
#define RA_REQ_TIMEOUT_S 5.0
#define RA_POLL_MS 200
#define RA_FINDINGS_MAX 64

enum ra_opt {
	OPT_CONFIG,
	OPT_SOCKET,
	OPT_JSON,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_HELP,
	OPT__MAX,
};

#define O(x) (1U << OPT_##x)
static const struct keel_cli_opt ra_opts[OPT__MAX] = {
	[OPT_CONFIG] = { "config", "FILE",
			 "the agent's configuration (default " RA_CONFIG_DEFAULT
			 ")" },
	[OPT_SOCKET] = { "socket", "PATH",
			 "the agent's control socket (default: the config's, else " RA_CFG_SOCKET_DEFAULT
			 ")" },
	[OPT_JSON] = { "json", NULL,
		       "status: the agent's answer as one JSON line" },
	[OPT_WAIT] = { "wait", NULL,
		       "drain: return once the served ports hold no established connection" },
	[OPT_TIMEOUT] = { "timeout", "S",
			  "drain --wait: give up after S seconds (exit 1); default: no limit" },
	[OPT_HELP] = { "help", NULL, "this help" },
};

struct ra_cli {
	const char *config;
	char socket[RA_CFG_SUN_PATH_MAX];
	bool json, wait;
	double timeout; /* 0: none */
};

static int cmd_run(struct ra_cli *c);
static int cmd_check(struct ra_cli *c);
static int cmd_cleanup(struct ra_cli *c);
static int cmd_drain(struct ra_cli *c);
static int cmd_undrain(struct ra_cli *c);
static int cmd_status(struct ra_cli *c);
static int cmd_help(struct ra_cli *c);

static const struct ra_cmd {
	const char *verb;
	int (*fn)(struct ra_cli *c);
	unsigned int opts;
	const char *help;
} ra_cmds[] = {
	{ "run", cmd_run, O(CONFIG),
	  "the daemon, in the foreground, logging to stderr" },
	{ "check", cmd_check, O(CONFIG),
	  "what is wrong with this host's DR set-up (changes nothing)" },
	{ "cleanup", cmd_cleanup, O(CONFIG),
	  "remove the VIPs an agent added, restore the sysctls" },
	{ "drain", cmd_drain, O(CONFIG) | O(SOCKET) | O(WAIT) | O(TIMEOUT),
	  "report every service DRAINING (kept across restarts)" },
	{ "undrain", cmd_undrain, O(CONFIG) | O(SOCKET), "end a drain" },
	{ "status", cmd_status, O(CONFIG) | O(SOCKET) | O(JSON),
	  "services, checks, connections, LBs" },
	{ "help", cmd_help, 0, "this help" },
};

#define N_CMDS (sizeof(ra_cmds) / sizeof(ra_cmds[0]))

static void ra_usage(FILE *f)
{
	char o[32];
	size_t i;

	fprintf(f, "Usage: rs-agent COMMAND [OPTIONS]\n\nCommands:\n");
	for (i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-9s %s\n", ra_cmds[i].verb, ra_cmds[i].help);
	fprintf(f, "\nOptions:\n");
	for (i = 0; i < OPT__MAX; i++) {
		snprintf(o, sizeof(o), "--%s%s%s", ra_opts[i].name,
			 ra_opts[i].arg ? " " : "",
			 ra_opts[i].arg ? ra_opts[i].arg : "");
		fprintf(f, "  %-16s %s\n", o, ra_opts[i].help);
	}
	fprintf(f,
		"\nExit codes: 0 ok, 1 error, findings, refused or drain timeout, 2 usage,\n"
		"3 the agent cannot be reached.\n");
}

static int cmd_help(struct ra_cli *c)
{
	(void)c;
	ra_usage(stdout);
	return EXIT_OK;
}

/* ---- helpers for the commands ---- */

static int ra_load_config(const char *file, struct ra_config **out)
{
	struct ra_config_error e;
	struct ra_config *cfg;
	char msg[640];
	int err;

	*out = NULL; /* on every path: -O3 warns otherwise (release build) */
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		fprintf(stderr, "rs-agent: out of memory\n");
		return -ENOMEM;
	}
	err = ra_config_load(file, cfg, &e);
	if (err) {
		ra_config_error_format(&e, msg, sizeof(msg));
		keel_log(LOG_ERR, "%s", msg);
		free(cfg);
		return err;
	}
	*out = cfg;
	return 0;
}

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

/* ---- the daemon ---- */

uint8_t ra_agent_svc_state(const struct ra_agent *a, const struct ra_svc *s)
{
	/* Never advertise what was not verified; a dead service is DOWN
	 * even while draining (its flows are dead anyway). */
	if (s->vip_failed || s->check_state != KEEL_RS_UP)
		return KEEL_RS_DOWN;
	return a->draining ? KEEL_RS_DRAINING : KEEL_RS_UP;
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

void ra_agent_report_now(struct ra_agent *a)
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

int ra_agent_set_drain(struct ra_agent *a, bool on)
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

		if (ftruncate(a->drain_fd, 0) == 0 && a->draining)
			pwrite(a->drain_fd, "drained\n", 8, 0);
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

static void ra_metrics_render(struct evbuffer *b, void *arg)
{
	static const char *const names[] = { "up", "down", "draining" };
	static const uint8_t states[] = { KEEL_RS_UP, KEEL_RS_DOWN,
					  KEEL_RS_DRAINING };
	struct ra_agent *a = arg;
	struct keel_metrics_listener ls[] = {
		{ "control", a->ctl ? ra_ctl_stats(a->ctl) : NULL },
		{ "metrics",
		  a->metrics ? keel_metrics_stats(a->metrics) : NULL },
	};
	struct keel_prom_label l[2];
	size_t i, j;

	keel_prom_help(b, "keel_agent_service_state", "gauge",
		       "1 for the state each service reports now");
	for (i = 0; i < a->n_svc; i++) {
		uint8_t st = ra_agent_svc_state(a, &a->svc[i]);

		l[0] = (struct keel_prom_label){ "service", a->svc[i].name };
		for (j = 0; j < 3; j++) {
			l[1] = (struct keel_prom_label){ "state", names[j] };
			keel_prom_sample(b, "keel_agent_service_state", l, 2,
					 st == states[j]);
		}
	}
	keel_prom_help(b, "keel_agent_service_connections", "gauge",
		       "established connections to each service");
	for (i = 0; i < a->n_svc; i++) {
		l[0] = (struct keel_prom_label){ "service", a->svc[i].name };
		keel_prom_sample(b, "keel_agent_service_connections", l, 1,
				 a->svc[i].conns);
	}
	keel_prom_help(b, "keel_agent_reports_sent_total", "counter",
		       "reports each LB's socket took");
	for (i = 0; i < a->tx.n_lbs; i++) {
		l[0] = (struct keel_prom_label){ "lb", a->tx.lbs[i].name };
		keel_prom_sample(b, "keel_agent_reports_sent_total", l, 1,
				 a->tx.lbs[i].sent);
	}
	keel_prom_help(b, "keel_agent_report_send_errors_total", "counter",
		       "reports that could not be sent to each LB");
	for (i = 0; i < a->tx.n_lbs; i++) {
		l[0] = (struct keel_prom_label){ "lb", a->tx.lbs[i].name };
		keel_prom_sample(b, "keel_agent_report_send_errors_total", l, 1,
				 a->tx.lbs[i].errors);
	}
	keel_prom_help(b, "keel_agent_draining", "gauge",
		       "1 while the agent drains (command or SIGTERM)");
	keel_prom_sample(b, "keel_agent_draining", NULL, 0, a->draining);
	keel_prom_help(b, "keel_agent_load", "gauge",
		       "the 1-minute load average the reports carry");
	keel_prom_sample(b, "keel_agent_load", NULL, 0, a->load / 1000.0);
	keel_prom_help(b, "keel_agent_conn_count_errors_total", "counter",
		       "failed sock_diag counts (the last counts are kept)");
	keel_prom_sample(b, "keel_agent_conn_count_errors_total", NULL, 0,
			 a->diag_errors);
	keel_metrics_probes_not_run(b, keel_probe_not_run());
	keel_metrics_listeners(b, ls, sizeof(ls) / sizeof(ls[0]));
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

static int cmd_run(struct ra_cli *c)
{
	static struct ra_agent agent;
	struct ra_agent *a = &agent;
	uint8_t key[KEEL_REPORT_KEY_LEN];
	struct timeval tv;
	uint64_t boot = 0, quiet_ms;
	char msg[512];
	size_t i;
	int err, ret = EXIT_FAIL;

	if (sodium_init() < 0) {
		keel_log(LOG_ERR, "libsodium cannot start");
		return EXIT_FAIL;
	}
	keel_listen_event_log();
	a->drain_fd = -1;
	if (ra_load_config(c->config, &a->cfg))
		return EXIT_FAIL;
	if (ra_user_prepare(a, c->config))
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
	err = ra_ctl_start(a, &a->ctl);
	if (err)
		goto out;
	if (a->cfg->metrics_listen[0]) {
		struct keel_metrics_limits lim = {
			.max_conns = a->cfg->metrics_max_conns
		};

		err = keel_metrics_start(a->base, a->cfg->metrics_listen, &lim,
					 ra_metrics_render, a, &a->metrics);
		if (err) {
			keel_log(LOG_ERR, "metrics on %s: %s",
				 a->cfg->metrics_listen, strerror(-err));
			goto out;
		}
	}
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
	ret = EXIT_OK;
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
	keel_metrics_stop(a->metrics);
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

/* ---- check, cleanup ---- */

static int cmd_check(struct ra_cli *c)
{
	struct ra_net_finding *f = NULL;
	const char *ifaces[RA_CFG_IFACES_MAX + 1];
	struct ra_vip vips[KEEL_REPORT_MAX];
	struct ra_config *cfg;
	struct ra_net *net = NULL;
	int n, i, ret = EXIT_FAIL;

	if (ra_load_config(c->config, &cfg))
		return EXIT_FAIL;
	f = calloc(RA_FINDINGS_MAX, sizeof(*f));
	if (!f)
		goto out;
	n = ra_net_open(&net);
	if (n) {
		fprintf(stderr, "rs-agent: rtnetlink: %s\n", strerror(-n));
		goto out;
	}
	n = ra_net_check(net, vips, ra_config_vips(cfg, vips),
			 ra_config_ifaces(cfg, ifaces), f, RA_FINDINGS_MAX);
	if (n < 0) {
		fprintf(stderr, "rs-agent: check: %s\n", strerror(-n));
		goto out;
	}
	for (i = 0; i < n && i < RA_FINDINGS_MAX; i++)
		printf("%s\n", f[i].what);
	if (n > RA_FINDINGS_MAX)
		printf("(%d more)\n", n - RA_FINDINGS_MAX);
	if (!n)
		printf("ok: the DR set-up of every VIP and interface is right\n");
	ret = n ? EXIT_FAIL : EXIT_OK;
out:
	if (net)
		ra_net_close(net);
	free(f);
	free(cfg);
	return ret;
}

static int cmd_cleanup(struct ra_cli *c)
{
	char state[RA_CFG_PATH_MAX + 16];
	struct ra_config *cfg;
	struct ra_net *net = NULL;
	unsigned int removed = 0;
	int err, ret = EXIT_FAIL;

	if (ra_load_config(c->config, &cfg))
		return EXIT_FAIL;
	err = ra_net_open(&net);
	if (err) {
		fprintf(stderr, "rs-agent: rtnetlink: %s\n", strerror(-err));
		goto out;
	}
	err = ra_net_vip_cleanup(net, &removed);
	printf("removed %u VIP%s from lo\n", removed, removed == 1 ? "" : "s");
	if (err) {
		fprintf(stderr, "rs-agent: removing VIPs: %s\n",
			strerror(-err));
		goto out;
	}
	ra_config_sysctl_state(cfg, state, sizeof(state));
	err = ra_net_sysctl_restore(state);
	if (err) {
		fprintf(stderr, "rs-agent: restoring sysctls from %s: %s\n",
			state, strerror(-err));
		goto out;
	}
	printf("sysctls restored from %s\n", state);
	ret = EXIT_OK;
out:
	if (net)
		ra_net_close(net);
	free(cfg);
	return ret;
}

/* ---- control socket clients ---- */

/* --socket, else the config's control.socket (if --config), else default. */
static int ra_socket(struct ra_cli *c, bool config_given)
{
	struct ra_config *cfg;

	if (c->socket[0])
		return 0;
	if (!config_given) {
		snprintf(c->socket, sizeof(c->socket), "%s",
			 RA_CFG_SOCKET_DEFAULT);
		return 0;
	}
	if (ra_load_config(c->config, &cfg))
		return -EINVAL;
	snprintf(c->socket, sizeof(c->socket), "%s", cfg->ctl_socket);
	free(cfg);
	return 0;
}

static int ra_ask(struct ra_cli *c, const char *cmd, json_t **answer)
{
	char msg[512];
	int ret;

	ret = ra_ctl_request(c->socket, cmd, RA_REQ_TIMEOUT_S, answer, msg,
			     sizeof(msg));
	if (ret == RA_CTL_UNREACHABLE)
		fprintf(stderr, "rs-agent: %s\n", msg);
	else if (ret == RA_CTL_REFUSED)
		fprintf(stderr, "rs-agent: %s: %s\n", cmd, msg);
	return ret == RA_CTL_OK	     ? EXIT_OK :
	       ret == RA_CTL_REFUSED ? EXIT_FAIL :
				       EXIT_UNREACHABLE;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static double ra_elapsed_s(uint64_t t0_us)
{
	return (keel_now_us() - t0_us) / 1e6;
}

/* Polls status until no service holds a connection, or the timeout. */
static int ra_drain_wait(struct ra_cli *c)
{
	long long last[KEEL_REPORT_MAX];
	uint64_t t0;
	long long total, n;
	json_t *a, *svcs, *s;
	size_t i;
	int ret;

	for (i = 0; i < KEEL_REPORT_MAX; i++)
		last[i] = -1;
	t0 = keel_now_us();
	for (;;) {
		ret = ra_ask(c, "status", &a);
		if (ret)
			return ret;
		if (!json_is_true(json_object_get(a, "draining"))) {
			fprintf(stderr,
				"rs-agent: drain: the agent was undrained while waiting\n");
			json_decref(a);
			return EXIT_FAIL;
		}
		svcs = json_object_get(a, "services");
		total = 0;
		json_array_foreach(svcs, i, s)
		{
			n = json_integer_value(json_object_get(s, "conns"));
			total += n;
			if (i < KEEL_REPORT_MAX && n != last[i] &&
			    (n > 0 || last[i] > 0))
				printf("draining: %lld connection%s left on %s\n",
				       n, n == 1 ? "" : "s",
				       jstr(s, "service"));
			if (i < KEEL_REPORT_MAX)
				last[i] = n;
		}
		fflush(stdout);
		if (!total) {
			printf("drained: no established connection left (%.1f s)\n",
			       ra_elapsed_s(t0));
			json_decref(a);
			return EXIT_OK;
		}
		if (c->timeout > 0 && ra_elapsed_s(t0) >= c->timeout) {
			fprintf(stderr,
				"rs-agent: drain: timeout after %g s: %lld connection%s left\n",
				c->timeout, total, total == 1 ? "" : "s");
			json_decref(a);
			return EXIT_FAIL;
		}
		json_decref(a);
		poll(NULL, 0, RA_POLL_MS);
	}
}

static int cmd_drain(struct ra_cli *c)
{
	json_t *a;
	int ret;

	ret = ra_ask(c, "drain", &a);
	json_decref(a);
	if (ret)
		return ret;
	printf("draining: every service reports DRAINING; 'rs-agent undrain' resumes\n");
	fflush(stdout);
	return c->wait ? ra_drain_wait(c) : EXIT_OK;
}

static int cmd_undrain(struct ra_cli *c)
{
	json_t *a;
	int ret;

	ret = ra_ask(c, "undrain", &a);
	json_decref(a);
	if (!ret)
		printf("undrained: every service reports its check's state\n");
	return ret;
}

static int cmd_status(struct ra_cli *c)
{
	json_t *a, *s;
	char *text;
	size_t i;
	int ret;

	ret = ra_ask(c, "status", &a);
	if (ret) {
		json_decref(a);
		return ret;
	}
	if (c->json) {
		text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(a);
		return EXIT_OK;
	}
	printf("real %s  boot %" JSON_INTEGER_FORMAT
	       " (id %s)  seq %" JSON_INTEGER_FORMAT "  load %.2f%s%s\n",
	       jstr(a, "real"), json_integer_value(json_object_get(a, "boot")),
	       jstr(a, "boot_id"),
	       json_integer_value(json_object_get(a, "seq")),
	       json_number_value(json_object_get(a, "load")),
	       json_is_true(json_object_get(a, "draining")) ? "  DRAINING" : "",
	       json_is_true(json_object_get(a, "stopping")) ? " (stopping)" :
							      "");
	printf("%-32s  %-8s  %-7s  %8s  %s\n", "SERVICE", "STATE", "CHECK",
	       "CONNS", "DETAIL");
	json_array_foreach(json_object_get(a, "services"), i, s)
		printf("%-32s  %-8s  %-7s  %8" JSON_INTEGER_FORMAT "  %s\n",
		       jstr(s, "service"), jstr(s, "state"), jstr(s, "check"),
		       json_integer_value(json_object_get(s, "conns")),
		       jstr(s, "detail"));
	printf("%-32s  %10s  %8s  %s\n", "LB", "SENT", "ERRORS", "LAST ERROR");
	json_array_foreach(json_object_get(a, "lbs"), i, s) printf(
		"%-32s  %10" JSON_INTEGER_FORMAT "  %8" JSON_INTEGER_FORMAT
		"  %s\n",
		jstr(s, "lb"), json_integer_value(json_object_get(s, "sent")),
		json_integer_value(json_object_get(s, "errors")),
		json_string_value(json_object_get(s, "last_error")) ?: "-");
	json_decref(a);
	return EXIT_OK;
}

/* ---- main ---- */

static int ra_dispatch(unsigned int seen, const char *const *vals, char **pos,
		       int npos)
{
	struct ra_cli c = { .config = RA_CONFIG_DEFAULT };
	const struct ra_cmd *cmd = NULL;
	char *end;
	size_t i;
	int o;

	if (seen & O(HELP) || (npos && !strcmp(pos[0], "help"))) {
		ra_usage(stdout);
		return EXIT_OK;
	}
	if (!npos) {
		ra_usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(ra_cmds[i].verb, pos[0]))
			cmd = &ra_cmds[i];
	if (!cmd) {
		fprintf(stderr,
			"rs-agent: unknown command '%s'; 'rs-agent help' lists them\n",
			pos[0]);
		return EXIT_USAGE;
	}
	if (npos > 1) {
		fprintf(stderr, "rs-agent: %s takes no argument ('%s')\n",
			cmd->verb, pos[1]);
		return EXIT_USAGE;
	}
	for (o = 0; o < OPT__MAX; o++) {
		if (!(seen & (1U << o)))
			continue;
		if (!(cmd->opts & (1U << o))) {
			fprintf(stderr,
				"rs-agent: option --%s does not apply to '%s'\n",
				ra_opts[o].name, cmd->verb);
			return EXIT_USAGE;
		}
	}
	if (seen & O(CONFIG))
		c.config = vals[OPT_CONFIG];
	if (seen & O(SOCKET)) {
		if (!vals[OPT_SOCKET][0] ||
		    strlen(vals[OPT_SOCKET]) >= sizeof(c.socket)) {
			fprintf(stderr,
				"rs-agent: bad --socket: a path of 1..107 bytes\n");
			return EXIT_USAGE;
		}
		snprintf(c.socket, sizeof(c.socket), "%s", vals[OPT_SOCKET]);
	}
	if (seen & O(TIMEOUT)) {
		errno = 0;
		c.timeout = strtod(vals[OPT_TIMEOUT], &end);
		if (errno || *end || end == vals[OPT_TIMEOUT] ||
		    !(c.timeout > 0 && c.timeout <= 30 * 86400.0)) {
			fprintf(stderr,
				"rs-agent: bad --timeout '%s': seconds, more than 0 and at most 2592000\n",
				vals[OPT_TIMEOUT]);
			return EXIT_USAGE;
		}
		if (!(seen & O(WAIT))) {
			fprintf(stderr,
				"rs-agent: --timeout is for drain --wait\n");
			return EXIT_USAGE;
		}
	}
	c.json = seen & O(JSON);
	c.wait = seen & O(WAIT);
	if ((cmd->opts & O(SOCKET)) && ra_socket(&c, seen & O(CONFIG)) < 0)
		return EXIT_FAIL;
	return cmd->fn(&c);
}

int main(int argc, char **argv)
{
	struct keel_cli c;
	int ret;

	keel_log_init("rs-agent", false, LOG_INFO);
	ret = keel_cli_parse(&c, "rs-agent", argc, argv, ra_opts, OPT__MAX,
			     OPT_HELP);
	if (ret)
		return ret == -ENOMEM ? EXIT_FAIL : EXIT_USAGE;
	ret = ra_dispatch(c.seen, c.vals, c.pos, c.npos);
	keel_cli_free(&c);
	return ret;
}
