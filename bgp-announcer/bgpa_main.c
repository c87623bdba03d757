// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgp-announcer: the site's BGP-4 speaker.  Start-up order matters for
 * privileges: read the config, bind the BGP listeners (port 179) and the
 * control socket, set the TCP-MD5 keys, then drop to the configured user
 * with no capabilities left (docs/bgp-announcer.md).  Then the loop:
 * sessions, SIGHUP reload (differences only), SIGTERM/SIGINT graceful
 * stop (withdraw, Cease with the shutdown message, flush, exit).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgpa.h"
#include "bgpa_config.h"
#include "bgpa_ctl.h"
#include "bgpa_health.h"
#include "bgpa_listen.h"
#include "bgpa_metrics.h"
#include "bgpa_peer.h"
#include "bgpa_reload.h"
#include "keel_clock.h"
#include "keel_daemon.h"
#include "keel_priv.h"

#define BGPA_CONFIG_DEFAULT "/etc/keel/bgp-announcer.yaml"
#define BGPA_STOP_MAX_S 3

#define BGPA_USER_DEFAULT "keel-bgp"

/*
 * Started as root: the user it becomes once its ports are bound
 * (cfg.user, default keel-bgp), looked up now.  Started as anyone else:
 * it stays who it is, and user:, if given, must name them.
 */
static int bgpa_user_prepare(struct bgpa *b)
{
	const char *name = b->cfg.user[0] ? b->cfg.user : BGPA_USER_DEFAULT;
	char why[200];
	int err;

	err = keel_user_start(name, b->cfg.user[0], &b->user, &b->drop, why,
			      sizeof(why));
	if (err)
		keel_log(
			LOG_ERR, "%s: %s%s", b->config_path, why,
			err == -ENOENT ?
				": bgp-announcer never runs as root and becomes that user once its ports are bound (useradd --system, or name another with user:)" :
				"");
	return err;
}

/*
 * Become the user with no capability left: its own groups (lbd's read
 * group among them is what lets health gating read lbd's socket), group,
 * user, no_new_privs; checked (keel_priv.h).
 */
static int bgpa_drop(struct bgpa *b)
{
	return b->drop ? keel_priv_drop_logged(&b->user, NULL, 0) : 0;
}

static void bgpa_stop(struct bgpa *b)
{
	struct timeval tv = { BGPA_STOP_MAX_S, 0 };
	size_t i;

	if (b->stopping)
		return;
	b->stopping = true;
	keel_log(LOG_NOTICE, "stopping: withdrawing and closing %zu sessions",
		 b->n_peers);
	for (i = 0; i < b->n_peers; i++)
		bgpa_peer_stop(b->peers[i], b->cfg.shutdown_message);
	if (!b->lingering) {
		event_base_loopexit(b->base, NULL);
		return;
	}
	/* Flushing NOTIFICATIONs: bounded in time. */
	event_base_loopexit(b->base, &tv);
}

static void bgpa_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct bgpa *b = arg;
	char err[512];

	(void)what;
	if (sig == SIGHUP) {
		keel_log(LOG_NOTICE, "SIGHUP: reloading %s", b->config_path);
		bgpa_reload(b, err, sizeof(err));
		return;
	}
	bgpa_stop(b);
}

static int bgpa_start(struct bgpa *b)
{
	size_t i;
	int ret;

	b->started = time(NULL);
	ret = bgpa_listen(b);
	if (ret)
		return ret;
	ret = bgpa_ctl_start(b);
	if (ret)
		return ret;
	ret = bgpa_rib_start(b);
	if (ret)
		return ret;
	ret = bgpa_metrics_start(b);
	if (ret)
		return ret;
	b->peers = calloc(b->cfg.n_peers, sizeof(*b->peers));
	if (!b->peers)
		return -ENOMEM;
	for (i = 0; i < b->cfg.n_peers; i++) {
		b->peers[i] = bgpa_peer_new(b, &b->cfg.peers[i]);
		if (!b->peers[i])
			return -ENOMEM;
		b->n_peers++;
		bgpa_listen_keys(b, &b->cfg.peers[i], b->cfg.peers[i].password);
	}
	/* Everything needing privileges is done. */
	ret = bgpa_drop(b);
	if (ret)
		return ret;
	b->sig_hup = evsignal_new(b->base, SIGHUP, bgpa_on_signal, b);
	b->sig_term = evsignal_new(b->base, SIGTERM, bgpa_on_signal, b);
	b->sig_int = evsignal_new(b->base, SIGINT, bgpa_on_signal, b);
	if (!b->sig_hup || !b->sig_term || !b->sig_int ||
	    event_add(b->sig_hup, NULL) || event_add(b->sig_term, NULL) ||
	    event_add(b->sig_int, NULL))
		return -ENOMEM;
	/* Before the sessions: nothing gated is announced blind. */
	ret = bgpa_health_start(b);
	if (ret)
		return ret;
	for (i = 0; i < b->n_peers; i++)
		bgpa_peer_start(b->peers[i]);
	keel_log(LOG_NOTICE, "AS %u, %zu peers, %zu prefixes", b->cfg.local_as,
		 b->n_peers, b->rib.n_prefixes);
	return 0;
}

static void bgpa_free(struct bgpa *b)
{
	size_t i;

	for (i = 0; i < b->n_peers; i++)
		bgpa_peer_free(b->peers[i]);
	free(b->peers);
	bgpa_listen_free(b);
	bgpa_ctl_stop(b);
	bgpa_health_stop(b);
	bgpa_metrics_stop(b);
	if (b->bfd)
		bfd_io_ctx_free(b->bfd);
	if (b->sig_hup)
		event_free(b->sig_hup);
	if (b->sig_term)
		event_free(b->sig_term);
	if (b->sig_int)
		event_free(b->sig_int);
	bgpa_prefixes_release(b->rib.prefixes, b->rib.n_prefixes);
	b->rib.prefixes = NULL;
	b->rib.n_prefixes = 0;
	bgpa_config_free(&b->cfg);
	if (b->base)
		event_base_free(b->base);
}

static int bgpa_load(void *ctx, const char *path, char *msg, size_t size)
{
	struct bgpa_config_error ce;
	struct bgpa *b = ctx;
	int ret;

	b->config_path = path;
	ret = bgpa_config_load(path, &b->cfg, &ce);
	if (ret)
		bgpa_config_error_format(&ce, msg, size);
	return ret;
}

static int bgpa_check(void *ctx, char *line, size_t size)
{
	struct bgpa *b = ctx;

	snprintf(line, size, "%zu peers, %zu prefixes", b->cfg.n_peers,
		 b->cfg.n_prefixes);
	return 0;
}

static int bgpa_run(void *ctx)
{
	struct bgpa *b = ctx;
	int ret;

	keel_listen_event_log();
	if (bgpa_user_prepare(b))
		return KEEL_EXIT_FAIL;
	srandom((unsigned int)(keel_now_ms() ^ (uint64_t)getpid()));
	b->base = event_base_new();
	if (!b->base) {
		keel_log(LOG_ERR, "event loop: out of memory");
		return KEEL_EXIT_FAIL;
	}
	ret = bgpa_start(b);
	if (ret) {
		keel_log(LOG_ERR, "start-up failed: %s", strerror(-ret));
		return KEEL_EXIT_FAIL;
	}
	event_base_dispatch(b->base);
	keel_log(LOG_NOTICE, "stopped");
	return KEEL_EXIT_OK;
}

/* After --check, a refused start or a stop. */
static void bgpa_daemon_free(void *ctx)
{
	struct bgpa *b = ctx;

	if (b->base)
		bgpa_free(b);
	else
		bgpa_config_free(&b->cfg);
}

int main(int argc, char **argv)
{
	static const struct keel_daemon d = {
		.name = "bgp-announcer",
		.config_default = BGPA_CONFIG_DEFAULT,
		.load = bgpa_load,
		.check = bgpa_check,
		.run = bgpa_run,
		.free = bgpa_daemon_free,
	};
	static struct bgpa b;

	b.listen_fd[0] = b.listen_fd[1] = -1;
	return keel_daemon_main(&d, &b, argc, argv);
}
