// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd - keel's load-balancer daemon.
 *
 * Start: read and validate the config (exit 1 on any error), read the
 * state file (one that cannot be used stops the start, exit 3, unless
 * --reset-state; the data plane is left as it is), load the XDP program
 * reusing the instance's pinned maps (the conn table survives restarts),
 * adopt the pinned model, reconcile it with config + state, attach, and
 * serve.  Stop: forwarding goes on unless --detach-on-exit or
 * `lbctl shutdown --unload`.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sodium.h>

#include "keel_cli.h"
#include "keel_clock.h"
#include "keel_daemon.h"
#include "keel_file.h"
#include "keel_listen.h"
#include "keel_log.h"
#include "keel_addr.h"
#include "keel_metrics.h"
#include "keel_yaml.h"
#include "lb_neigh.h"
#include "lbd.h"
#include "lbd_commit.h"
#include "lbd_ctl.h"
#include "lbd_eval.h"
#include "lbd_loop.h"
#include "lbd_metrics.h"
#include "lbd_neigh.h"
#include "lbd_pair_fsm.h"
#include "lbd_pair.h"
#include "lbd_reload.h"
#include "lbd_rx.h"
#include "lbd_view.h"

#define LBD_CONFIG_DEFAULT "/etc/keel/lbd.yaml"
/* A state file cannot be used: the unit does not restart lbd in a loop. */
#define LBD_EXIT_STATE 3
/* A neighbour event: staged, and committed once this loop turn. */
static void lbd_on_neigh(void *arg, uint8_t family, const __be32 addr[4],
			 const uint8_t mac[6], int ifindex)
{
	struct lbd *d = arg;

	lbd_neigh_apply(d, family, addr, mac, ifindex);
	lbd_commit_neigh_soon(d);
}

static void lbd_tick(struct lbd *d)
{
	uint32_t every = d->cfg.neigh_refresh_ms / 1000;

	d->ticks++;
	lbd_sample(d);
	lbd_pair_fsm_tick(d);
	if (every && d->ticks % every)
		return;
	/* With neighbour events, asking is enough: answers come as events. */
	if (d->nm) {
		lbd_neigh_probe_unresolved(d);
		return;
	}
	lbd_neigh_if_mac_check(d);
	lbd_commit(d, LBD_CAUSE_REFRESH, NULL);
}

static void lbd_on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	lbd_tick(arg);
	lbd_loop_note(arg);
}

/*
 * Every LBD_BEAT_MS: how late this beat is, is how long the loop was
 * held, also by work that is not lbd's (libevent writing a long answer,
 * a probe): within LBD_BEAT_MS.
 */
static void lbd_on_beat(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { 0, LBD_BEAT_MS * 1000 };
	struct lbd *d = arg;
	uint64_t now = keel_now_us(), lag;

	(void)fd;
	(void)what;
	lag = now > d->beat_due_us ? now - d->beat_due_us : 0;
	lb_stall_note(&d->stall, now / 1000,
		      lag > UINT32_MAX ? UINT32_MAX : (uint32_t)lag);
	d->beat_due_us = now + tv.tv_usec;
	evtimer_add(d->beat, &tv);
}

static void lbd_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct lbd *d = arg;
	struct lb_reconcile_stats rs;
	char err[512];

	(void)what;
	if (sig == SIGHUP) {
		lbd_reload(d, &rs, err, sizeof(err));
		lbd_loop_note(d);
		return;
	}
	keel_log(LOG_NOTICE, "signal %d: stopping", (int)sig);
	lbd_stop(d, false);
}

static void lbd_shutdown(struct lbd *d)
{
	bool bad = false;
	size_t i;
	int err;

	lbd_ctl_stop(d);
	lbd_rx_stop(d);
	lbd_pair_stop(d);
	lbd_eval_stop(d);
	lbd_commit_stop(d);
	lbd_neigh_stop(d);
	lb_agents_free(&d->agents);
	if (d->metrics)
		keel_metrics_stop(d->metrics);
	if (d->nm)
		lb_neigh_mon_stop(d->nm);
	if (d->dp && d->detach_on_exit) {
		for (i = 0; i < d->cfg.n_ifaces; i++) {
			if (!d->attached[i])
				continue;
			err = lb_dp_detach(d->dp, d->attached[i]);
			if (err)
				keel_log(LOG_ERR, "detaching from %s: %s",
					 d->cfg.ifaces[i].name, strerror(-err));
			bad |= err != 0;
		}
		err = lb_dp_unpin(d->dp);
		if (err)
			keel_log(LOG_ERR, "removing the pins under %s: %s",
				 lb_dp_pin_dir(d->dp), strerror(-err));
		keel_log(LOG_NOTICE, "%s",
			 bad || err ? "unload incomplete (see above)" :
				      "detached and unloaded");
	} else if (d->dp) {
		keel_log(
			LOG_NOTICE,
			"stopped; the data plane keeps forwarding (pinned under %s)",
			lb_dp_pin_dir(d->dp));
	}
	if (d->tick)
		event_free(d->tick);
	if (d->beat)
		event_free(d->beat);
	if (d->sig_hup)
		event_free(d->sig_hup);
	if (d->sig_term)
		event_free(d->sig_term);
	if (d->sig_int)
		event_free(d->sig_int);
	lb_model_free(&d->m);
	lb_dp_close(d->dp);
	lb_state_free(&d->st);
	lb_admin_free(&d->admin);
	free(d->admin_pending);
	lb_config_free(&d->cfg);
	event_base_free(d->base);
}

/*
 * --check: the key files a start would read, as it reads them.  The
 * pair's keys (not used yet) follow the same rules and must not be the
 * agents' key: every real server holds that one, and the pair key can
 * steer flows (docs/pair.md).
 */
static int lbd_check_keys(const struct lbd *d, char *msg, size_t size)
{
	const struct lb_cfg_agents *a = &d->cfg.agents;
	const struct lb_cfg_pair *p = &d->cfg.pair;
	const char *pair_file[LB_AGENTS_KEYS_MAX] = { p->key_file,
						      p->previous_key_file };
	const char *agents_file[LB_AGENTS_KEYS_MAX] = { a->key_file,
							a->previous_key_file };
	uid_t user = d->drop ? d->user.uid : (uid_t)-1;
	struct lb_agents_key keys[LB_AGENTS_KEYS_MAX];
	uint8_t pk[KEEL_REPORT_KEY_LEN];
	size_t n = 0, i, j;
	int ret = 0;

	if (a->listen[0])
		ret = lbd_rx_keys_load(a, user, keys, &n, msg, size);
	for (i = 0; !ret && p->on && i < LB_AGENTS_KEYS_MAX; i++) {
		if (!pair_file[i][0])
			continue;
		ret = keel_report_key_load(pair_file[i], user, pk, msg, size);
		for (j = 0; !ret && j < n; j++) {
			if (sodium_memcmp(pk, keys[j].key, sizeof(pk)))
				continue;
			snprintf(
				msg, size,
				"pair key file %s: the same key as the agents' %s: every real server holds that key; give the pair a key of its own",
				pair_file[i], agents_file[j]);
			ret = -EPERM;
		}
	}
	sodium_memzero(pk, sizeof(pk));
	sodium_memzero(keys, sizeof(keys));
	return ret;
}

/*
 * A state file that exists but cannot be used: refuse to start (the
 * data plane keeps forwarding with its last tables, and the file is left
 * as it is), unless --reset-state, which keeps it aside under a new name.
 * Running without it would bring back every real an operator took down
 * and undo every drain (docs/state-file.md).
 */
static int lbd_state_bad(struct lbd *d, const char *what, const char *path,
			 const char *why)
{
	char aside[PATH_MAX];
	int ret;

	if (!d->reset_state) {
		keel_log(
			LOG_ERR,
			"%s %s cannot be used: %s. lbd does not start, so that nothing recorded in it is lost; the data plane keeps forwarding with its last tables. Fix or restore the file (docs/state-file.md), or start lbd once with --reset-state to keep it aside under a new name and start without it",
			what, path, why);
		d->exit_code = LBD_EXIT_STATE;
		return -EINVAL;
	}
	ret = keel_file_set_aside(path, time(NULL), aside, sizeof(aside));
	if (ret) {
		keel_log(
			LOG_ERR,
			"%s %s cannot be used (%s), and --reset-state cannot keep it aside: %s",
			what, path, why, strerror(-ret));
		d->exit_code = LBD_EXIT_STATE;
		return ret;
	}
	keel_log(
		LOG_WARNING,
		"--reset-state: %s %s could not be used (%s); kept as %s, starting without it",
		what, path, why, aside);
	return 0;
}

/*
 * What lbd keeps once set up, as the user it becomes (docs/lbd.md,
 * "Privileges", has what each was measured for):
 *   CAP_BPF        BPF_MAP_CREATE of rings (a service added at run time
 *                  or by a reload, a ring resized, lb_dp_sync()'s barrier);
 *                  on kernels before 6.5 (Debian 12's 6.1) with
 *                  kernel.unprivileged_bpf_disabled set, every bpf() call
 *   CAP_NET_ADMIN  XDP attach and detach (reload, shutdown --unload),
 *                  RTM_NEWNEIGH to make the kernel resolve a real's MAC
 * CAP_SYS_ADMIN is not kept: the rings' maps stay open (lb_dp), so none is
 * reached by id; CAP_PERFMON served the verifier at load only.
 */
static const int lbd_keep_caps[] = { CAP_BPF, CAP_NET_ADMIN };

/* The directory of path; made 0750 for u when missing (u not NULL). */
static void lbd_state_dir(const struct keel_user *u, const char *path,
			  char *dir, size_t size)
{
	char *slash;
	int fd;

	snprintf(dir, size, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, size, ".");
	else
		slash[slash == dir] = '\0';
	if (!u || mkdir(dir, 0700))
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fchown(fd, u->uid, u->gid) == 0)
		fchmod(fd, 0750);
	close(fd);
}

/*
 * Started as root: the user lbd becomes once set up, looked up, and what
 * it needs then checked as that user would open it, so that a start
 * fails now rather than every admin change or reload later.  Started as
 * anyone else: lbd stays who it is, and user:, if given, must name them.
 */
static int lbd_user_prepare(struct lbd *d, bool check, char *msg, size_t size)
{
	const struct lb_cfg_agents *a = &d->cfg.agents;
	/* The agents' (when listening), then the pair's ("" without pair:). */
	const char *keys[4] = { a->key_file, a->previous_key_file,
				d->cfg.pair.key_file,
				d->cfg.pair.previous_key_file };
	char dir[LB_CFG_PATH_MAX], why[200];
	size_t i;
	int err;

	err = keel_user_start(d->cfg.user, d->cfg.user_given, &d->user,
			      &d->drop, why, sizeof(why));
	if (err == -EPERM && !d->drop) {
		snprintf(msg, size, "%s: %s", d->config_path, why);
		return err;
	}
	if (err) {
		snprintf(
			msg, size,
			"%s: %s: lbd runs as that user once set up (create it: useradd --system %s; or name another with user:)",
			d->config_path, why, d->cfg.user);
		return err;
	}
	if (!d->drop)
		return 0;
	/* --check changes nothing: a missing directory, a start makes. */
	lbd_state_dir(check ? NULL : &d->user, d->cfg.state_file, dir,
		      sizeof(dir));
	if ((!check || access(dir, F_OK) == 0) &&
	    keel_priv_access(&d->user, dir, W_OK | X_OK)) {
		snprintf(
			msg, size,
			"state_file %s: user %s cannot write to %s, and lbd saves admin state as that user (chown %s %s)",
			d->cfg.state_file, d->user.name, dir, d->user.name,
			dir);
		return -EACCES;
	}
	if (keel_priv_access(&d->user, d->config_path, R_OK)) {
		snprintf(
			msg, size,
			"%s: user %s cannot read it, and lbd reloads it as that user",
			d->config_path, d->user.name);
		return -EACCES;
	}
	for (i = 0; i < 4; i++)
		if (keys[i][0] && (i >= 2 || a->listen[0]) &&
		    keel_priv_access(&d->user, keys[i], R_OK))
			keel_log(
				LOG_WARNING,
				"key file %s: user %s cannot read it: read now, but a reload will fail (chown %s %s)",
				keys[i], d->user.name, d->user.name, keys[i]);
	return 0;
}

/*
 * The state file's version against pair: (docs/state-file.md).  Without
 * pair:, version 1 as always; a version 2 file (pair: removed) is read
 * for its overlay and written back as version 1 at the next change.
 * With pair:, version 1 (version 0: no file) migrates to registers
 * stamped [file mtime, 0, own node id], the version 1 file is kept once
 * as "<state>.v1", and version 2 is saved before anything is sent.  The
 * clock resumes above every stamp held (keel_hlc.h).
 */
static int lbd_admin_start(struct lbd *d, int version, int64_t mtime_ms)
{
	const char *path = d->cfg.state_file;
	struct keel_stamp at = { 0 };
	struct timespec now;
	int ret;

	if (!d->cfg.pair.on) {
		if (version == LB_STATE_V2)
			keel_log(
				LOG_NOTICE,
				"state file %s is version 2 but pair: is not configured: its overlay is used, and the next change writes version 1",
				path);
		lb_admin_free(&d->admin);
		return 0;
	}
	if (version == 1) {
		at.hlc = keel_hlc_pack(mtime_ms > 0 ? mtime_ms : 0, 0);
		at.node = d->cfg.pair.node_id;
		ret = lb_admin_from_state(&d->admin, &d->st, at);
		if (ret) {
			keel_log(LOG_ERR,
				 "state file %s: migrating to version 2: %s",
				 path, strerror(-ret));
			d->exit_code = LBD_EXIT_STATE;
			return ret;
		}
		ret = lb_admin_keep_v1(path);
		if (ret && ret != -EEXIST) {
			keel_log(
				LOG_ERR,
				"state file %s: keeping the version 1 file as %s.v1: %s",
				path, path, strerror(-ret));
			d->exit_code = LBD_EXIT_STATE;
			return ret;
		}
	}
	clock_gettime(CLOCK_REALTIME, &now);
	lb_admin_clock_start(&d->admin, (uint64_t)now.tv_sec * 1000 +
						now.tv_nsec / 1000000);
	/* No file: nothing to migrate; the first change writes version 2. */
	if (version != 1)
		return 0;
	ret = lb_admin_save(path, &d->admin, &d->st.site);
	if (ret) {
		keel_log(LOG_ERR, "state file %s: saving version 2: %s", path,
			 strerror(-ret));
		d->exit_code = LBD_EXIT_STATE;
		return ret;
	}
	keel_log(
		LOG_NOTICE,
		"state file %s: migrated to version 2 for pair: (%zu registers; version 1 kept as %s.v1)",
		path, d->admin.n_regs, path);
	return 0;
}

/*
 * The state file and the agents' replay file: missing is a first start;
 * anything else must load.
 */
static int lbd_state_open(struct lbd *d)
{
	struct lbd_rx *h = &d->rx;
	char err[512], path[PATH_MAX];
	int64_t mtime_ms = 0;
	int ret, version = 0;

	ret = lb_admin_load(d->cfg.state_file, &d->st, &d->admin, &version,
			    &mtime_ms, err, sizeof(err));
	if (ret && ret != -ENOENT) {
		ret = lbd_state_bad(d, "state file", d->cfg.state_file, err);
		if (ret)
			return ret;
		version = 0;
	}
	ret = lbd_admin_start(d, ret == -ENOENT ? 0 : version, mtime_ms);
	if (ret)
		return ret;
	ret = lbd_rx_replay_path(d, path, sizeof(path));
	if (ret) {
		keel_log(LOG_ERR, "state_file %s: name too long",
			 d->cfg.state_file);
		return ret;
	}
	ret = lb_replay_load(path, &h->restore, &h->n_restore, err,
			     sizeof(err));
	if (ret && ret != -ENOENT)
		return lbd_state_bad(d, "replay file", path, err);
	return 0;
}

/*
 * Everything that needed root is done (program, pins, attachments,
 * sockets): become the user.  No parser of lbd's (control JSON, agent
 * reports, HTTP) ever runs before this.
 */
static int lbd_drop(struct lbd *d)
{
	int err;

	if (!d->drop)
		return 0;
	err = lb_dp_pin_owner(d->dp, d->user.uid, d->user.gid);
	if (err)
		keel_log(
			LOG_WARNING,
			"pin directory %s: %s: shutdown --unload will leave the pins",
			lb_dp_pin_dir(d->dp), strerror(-err));
	return keel_priv_drop_logged(&d->user, lbd_keep_caps,
				     sizeof(lbd_keep_caps) /
					     sizeof(lbd_keep_caps[0]));
}

static int lbd_start(struct lbd *d)
{
	struct lb_dp_opts o = { .bpffs = d->cfg.bpffs,
				.instance = d->cfg.instance,
				.conn_table_size = d->cfg.conn_table_size };
	struct lb_reconcile_stats rs;
	struct lbd_rx_prep hp;
	struct lbd_pair_prep pp;
	struct timeval one = { 1, 0 }, beat = { 0, LBD_BEAT_MS * 1000 };
	char err[512];
	uint32_t gen;
	int ret;

	/* First, before anything is loaded, attached or written. */
	ret = lbd_state_open(d);
	if (ret)
		return ret;
	ret = lb_dp_load(&o, &d->dp);
	if (ret) {
		keel_log(LOG_ERR, "loading the XDP program: %s",
			 strerror(-ret));
		return ret;
	}
	lb_dp_conn_capacity(d->dp, &d->conn_capacity);
	if (!lb_dp_generation(d->dp, &gen))
		d->generation = gen;
	if (d->conn_capacity != d->cfg.conn_table_size)
		keel_log(
			LOG_WARNING,
			"conn table kept at %u entries (config says %u): it was adopted with its flows; unload to resize",
			d->conn_capacity, d->cfg.conn_table_size);
	ret = lbd_insert_limit(d, d->cfg.conn_insert_limit);
	if (ret < 0)
		return ret;
	ret = lb_model_init(&d->m, d->dp);
	if (ret) {
		keel_log(LOG_ERR, "adopting the pinned state: %s",
			 strerror(-ret));
		return ret;
	}
	if (d->m.n_svcs)
		keel_log(LOG_NOTICE, "adopted %zu services from %s",
			 d->m.n_svcs, lb_dp_pin_dir(d->dp));
	ret = lbd_ifaces_attach(d, &d->cfg, d->attached);
	if (ret)
		return ret;
	lbd_neigh_if_mac_check(d);
	ret = lbd_commit_init(d);
	if (!ret)
		ret = lbd_eval_init(d, lbd_commit_soon);
	if (!ret)
		ret = lbd_rx_init(d, lbd_commit_soon);
	if (!ret)
		ret = lbd_neigh_init(d);
	if (ret)
		return ret;
	ret = lbd_rx_prepare(d, &d->cfg, &hp, err, sizeof(err));
	if (ret) {
		keel_log(LOG_ERR, "%s", err);
		return ret;
	}
	ret = lbd_rx_install(d, &hp);
	if (ret)
		return ret;
	/* The pair's socket (none without pair:), bound while root. */
	ret = lbd_pair_prepare(d, &d->cfg, &pp, err, sizeof(err));
	if (ret) {
		keel_log(LOG_ERR, "%s", err);
		return ret;
	}
	ret = lbd_pair_install(d, &pp);
	if (ret)
		return ret;
	/* Before the first apply: it asks the kernel to resolve reals, and
	 * the answers come as events. */
	ret = lb_neigh_mon_start(d->base, lbd_on_neigh, lbd_neigh_link_event, d,
				 &d->nm);
	if (ret)
		keel_log(LOG_WARNING,
			 "neighbour monitor: %s (MACs refreshed by polling)",
			 strerror(-ret));
	ret = lbd_commit(d, LBD_CAUSE_START, &rs);
	if (ret)
		return ret;
	d->reload_ok = true;
	d->reload_at = time(NULL);
	/* Before the control socket: status never shows START. */
	lbd_pair_fsm_start(d);

	d->tick = event_new(d->base, -1, EV_PERSIST, lbd_on_tick, d);
	d->beat = evtimer_new(d->base, lbd_on_beat, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, lbd_on_signal, d);
	d->sig_term = evsignal_new(d->base, SIGTERM, lbd_on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, lbd_on_signal, d);
	if (!d->tick || !d->beat || !d->sig_hup || !d->sig_term ||
	    !d->sig_int || event_add(d->tick, &one) ||
	    event_add(d->sig_hup, NULL) || event_add(d->sig_term, NULL) ||
	    event_add(d->sig_int, NULL))
		return -ENOMEM;
	d->beat_due_us = keel_now_us() + beat.tv_usec;
	evtimer_add(d->beat, &beat);
	ret = lbd_ctl_start(d);
	if (ret)
		return ret;
	ret = lbd_metrics_start(d);
	if (ret)
		return ret;
	ret = lbd_drop(d);
	if (ret)
		return ret;
	/* Adopted flows show at once, not at the first tick. */
	lbd_sample(d);
	keel_log(
		LOG_NOTICE,
		"instance %s serving %zu services on %zu interfaces (generation %llu)",
		d->cfg.instance, d->m.n_svcs, d->cfg.n_ifaces,
		(unsigned long long)d->generation);
	return 0;
}

/* lbd's own options (keel_daemon has --config, --check, the log's). */
enum { LBD_OPT_DETACH, LBD_OPT_RESET_STATE, LBD_OPT__MAX };

static const struct keel_cli_opt lbd_opts[LBD_OPT__MAX] = {
	[LBD_OPT_DETACH] = { "detach-on-exit", "yes|no",
			     "on exit, detach and unload the data plane (default: it keeps forwarding for the next lbd)",
			     "yes or no", true },
	[LBD_OPT_RESET_STATE] = { "reset-state", NULL,
				  "start even if a state file cannot be used: keep it aside (FILE.bad-TIME) and start without it, once",
				  NULL },
};

static int lbd_option(void *ctx, int id, const char *val)
{
	struct lbd *d = ctx;

	switch (id) {
	case LBD_OPT_DETACH:
		if (!val || !strcmp(val, "yes"))
			d->detach_on_exit = true;
		else if (!strcmp(val, "no"))
			d->detach_on_exit = false;
		else
			return -EINVAL;
		return 0;
	case LBD_OPT_RESET_STATE:
		d->reset_state = true;
		return 0;
	default:
		return -EINVAL;
	}
}

static int lbd_load(void *ctx, const char *path, char *msg, size_t size)
{
	struct lb_config_error ce = {};
	struct lbd *d = ctx;
	int ret;

	keel_listen_event_log();
	d->config_path = path;
	ret = lb_config_load(path, &d->cfg, &ce);
	if (ret)
		lb_config_error_format(&ce, msg, size);
	return ret;
}

/* What a start would refuse: the user, its access, the agents' keys. */
static int lbd_check(void *ctx, char *line, size_t size)
{
	struct lbd *d = ctx;
	int ret;

	ret = lbd_user_prepare(d, true, line, size);
	if (!ret)
		ret = lbd_check_keys(d, line, size);
	if (!ret)
		snprintf(line, size, "%zu services", d->cfg.n_services);
	return ret;
}

static int lbd_run(void *ctx)
{
	struct lbd *d = ctx;
	char msg[1024];
	int ret;

	ret = lbd_user_prepare(d, false, msg, sizeof(msg));
	if (ret) {
		keel_log(LOG_ERR, "%s", msg);
		return KEEL_EXIT_FAIL;
	}
	if (sodium_init() < 0) {
		keel_log(LOG_ERR, "libsodium cannot start");
		return KEEL_EXIT_FAIL;
	}
	d->base = event_base_new();
	if (!d->base) {
		keel_log(LOG_ERR, "event loop: out of memory");
		return KEEL_EXIT_FAIL;
	}
	ret = lbd_start(d);
	if (ret) {
		/* A failed start leaves the data plane forwarding as it was. */
		d->detach_on_exit = false;
		lbd_shutdown(d);
		return d->exit_code ? d->exit_code : KEEL_EXIT_FAIL;
	}
	ret = event_base_dispatch(d->base) < 0 ? -EIO : 0;
	lbd_shutdown(d);
	return ret ? KEEL_EXIT_FAIL : d->exit_code;
}

/* After --check (lbd_run's shutdown frees the rest). */
static void lbd_free(void *ctx)
{
	struct lbd *d = ctx;

	if (!d->base)
		lb_config_free(&d->cfg);
}

int main(int argc, char **argv)
{
	static const struct keel_daemon dm = {
		.name = "lbd",
		.config_default = LBD_CONFIG_DEFAULT,
		.extra = lbd_opts,
		.n_extra = LBD_OPT__MAX,
		.option = lbd_option,
		.load = lbd_load,
		.check = lbd_check,
		.run = lbd_run,
		.free = lbd_free,
	};
	static struct lbd d;

	d.rx.fd = -1;
	return keel_daemon_main(&dm, &d, argc, argv);
}
