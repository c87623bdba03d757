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
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/listener.h>

#include "bgpa.h"
#include "keel_clock.h"
#include "keel_daemon.h"
#include "keel_priv.h"

#define BGPA_CONFIG_DEFAULT "/etc/keel/bgp-announcer.yaml"
#define BGPA_STOP_MAX_S 3

/*
 * Connections are bounded by the peers: one not from a peer is closed at
 * once, and a peer keeps at most its session and one parked connection
 * (bgpa_peer_accept).
 */
static void bgpa_on_accept(struct evconnlistener *l, evutil_socket_t fd,
			   struct sockaddr *sa, int salen, void *arg)
{
	struct bgpa *b = arg;

	(void)salen;
	keel_listen_accepted(&b->listen_guard[l == b->listener[1]]);
	evutil_make_socket_nonblocking(fd);
	bgpa_peer_accept(b, fd, sa);
}

static void bgpa_listen_keys(struct bgpa *b, const struct bgpa_cfg_peer *c,
			     const char *key)
{
	int i = c->family == AF_INET ? 0 : 1, err;

	if (b->listen_fd[i] < 0)
		return;
	err = bgpa_md5_set(b->listen_fd[i], c, key);
	if (err && key[0])
		keel_log(LOG_ERR, "peer %s: TCP-MD5 key on the listener: %s",
			 c->name, strerror(-err));
}

/* One listener per family: v4-mapped addresses would need their own keys. */
static int bgpa_listen(struct bgpa *b)
{
	static const int fams[2] = { AF_INET, AF_INET6 };
	int i, fd, one = 1, err;
	char name[64];

	for (i = 0; i < 2; i++) {
		struct sockaddr_storage ss = { 0 };
		socklen_t len;

		b->listen_fd[i] = -1;
		if (!b->cfg.listen_port)
			continue;
		fd = socket(fams[i], SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
		if (fd < 0) {
			err = -errno;
			if (fams[i] == AF_INET6 && err == -EAFNOSUPPORT)
				continue;
			goto fail;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fams[i] == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&ss;

			s->sin_family = AF_INET;
			s->sin_port = htons(b->cfg.listen_port);
			len = sizeof(*s);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				   sizeof(one));
			s->sin6_family = AF_INET6;
			s->sin6_port = htons(b->cfg.listen_port);
			len = sizeof(*s);
		}
		if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
		    listen(fd, 16) < 0) {
			err = -errno;
			close(fd);
			goto fail;
		}
		b->listen_fd[i] = fd;
		b->listener[i] = evconnlistener_new(b->base, bgpa_on_accept, b,
						    LEV_OPT_CLOSE_ON_FREE, -1,
						    fd);
		if (!b->listener[i]) {
			close(fd);
			b->listen_fd[i] = -1;
			return -ENOMEM;
		}
		snprintf(name, sizeof(name), "BGP listener on port %u (%s)",
			 b->cfg.listen_port,
			 fams[i] == AF_INET ? "IPv4" : "IPv6");
		/* EMFILE and the like pause accepting instead of a spin. */
		if (keel_listen_init(&b->listen_guard[i], b->base,
				     b->listener[i], name))
			return -ENOMEM;
	}
	return 0;
fail:
	keel_log(LOG_ERR, "BGP listener on port %u (%s): %s",
		 b->cfg.listen_port, fams[i] == AF_INET ? "IPv4" : "IPv6",
		 strerror(-err));
	return err;
}

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

/*
 * Apply a new config: peers added, removed or changed (a changed peer's
 * session restarts), the prefix table replaced, and every established
 * session sent only the difference.  Settings fixed at start-up (AS,
 * router id, listener, user, control socket) need a restart.
 */
int bgpa_reload(struct bgpa *b, char *errbuf, size_t errlen)
{
	struct bgpa_config nc;
	struct bgpa_config_error ce;
	struct bgpa_peer **np;
	bool metrics_changed;
	size_t i, n = 0;
	int ret;

	ret = bgpa_config_load(b->config_path, &nc, &ce);
	if (ret) {
		bgpa_config_error_format(&ce, errbuf, errlen);
		keel_log(LOG_ERR, "reload refused: %s", errbuf);
		return ret;
	}
	if (nc.local_as != b->cfg.local_as ||
	    nc.router_id != b->cfg.router_id ||
	    nc.listen_port != b->cfg.listen_port ||
	    strcmp(nc.user, b->cfg.user) ||
	    strcmp(nc.ctl_socket, b->cfg.ctl_socket)) {
		snprintf(errbuf, errlen,
			 "%s: local_as, router_id, listen_port, user and "
			 "control.socket change only with a restart",
			 b->config_path);
		keel_log(LOG_ERR, "reload refused: %s", errbuf);
		bgpa_config_free(&nc);
		return -EINVAL;
	}
	np = calloc(nc.n_peers, sizeof(*np));
	if (!np) {
		bgpa_config_free(&nc);
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	/* Removed or changed peers: withdraw, Cease, free. */
	for (i = 0; i < b->n_peers; i++) {
		struct bgpa_peer *p = b->peers[i];
		size_t j;

		for (j = 0; j < nc.n_peers; j++)
			if (nc.peers[j].family == p->cfg.family &&
			    !memcmp(nc.peers[j].addr, p->cfg.addr, 16))
				break;
		if (j < nc.n_peers && bgpa_peer_same(&p->cfg, &nc.peers[j])) {
			snprintf(p->cfg.name, sizeof(p->cfg.name), "%s",
				 nc.peers[j].name);
			continue;
		}
		keel_log(LOG_NOTICE, "peer %s: %s", p->cfg.name,
			 j < nc.n_peers ? "changed, restarting the session" :
					  "removed");
		bgpa_peer_stop(p,
			       j < nc.n_peers ?
				       "configuration changed" :
				       "peer removed from the configuration");
		bgpa_listen_keys(b, &p->cfg, "");
		bgpa_peer_free(p);
		b->peers[i] = NULL;
	}
	ret = bgpa_rib_load(b, &nc);
	if (ret) {
		free(np);
		bgpa_config_free(&nc);
		snprintf(errbuf, errlen, "out of memory");
		return ret;
	}
	for (i = 0; i < nc.n_peers; i++) {
		struct bgpa_peer *p = NULL;
		size_t j;

		for (j = 0; j < b->n_peers; j++)
			if (b->peers[j] &&
			    b->peers[j]->cfg.family == nc.peers[i].family &&
			    !memcmp(b->peers[j]->cfg.addr, nc.peers[i].addr,
				    16)) {
				p = b->peers[j];
				b->peers[j] = NULL;
			}
		if (!p) {
			p = bgpa_peer_new(b, &nc.peers[i]);
			if (!p) {
				keel_log(LOG_ERR, "peer %s: out of memory",
					 nc.peers[i].name);
				continue;
			}
			bgpa_listen_keys(b, &p->cfg, p->cfg.password);
			np[n++] = p;
			bgpa_peer_start(p);
			continue;
		}
		np[n++] = p;
	}
	free(b->peers);
	b->peers = np;
	b->n_peers = n;
	metrics_changed = strcmp(nc.metrics_listen, b->cfg.metrics_listen);
	bgpa_config_free(&b->cfg);
	b->cfg = nc;
	b->reloads++;
	bgpa_health_reload(b);
	bgpa_rib_sync_all(b);
	if (metrics_changed) {
		bgpa_metrics_stop(b);
		bgpa_metrics_start(b);
	}
	keel_log(LOG_NOTICE, "reloaded %s: %zu peers, %zu prefixes",
		 b->config_path, b->n_peers, b->n_prefixes);
	return 0;
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
	ret = bgpa_rib_load(b, &b->cfg);
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
		 b->n_peers, b->n_prefixes);
	return 0;
}

static void bgpa_free(struct bgpa *b)
{
	size_t i;

	for (i = 0; i < b->n_peers; i++)
		bgpa_peer_free(b->peers[i]);
	free(b->peers);
	for (i = 0; i < 2; i++) {
		keel_listen_fini(&b->listen_guard[i]);
		if (b->listener[i])
			evconnlistener_free(b->listener[i]);
	}
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
	bgpa_rib_free(b);
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
