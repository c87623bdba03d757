// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_listen.c - the BGP listeners: one per family on listen_port, bound
 * before the privileges drop, with each peer's TCP-MD5 key; accepted
 * connections go to bgpa_peer_accept().
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/listener.h>

#include "bgpa.h"
#include "bgpa_listen.h"
#include "bgpa_peer.h"

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

void bgpa_listen_keys(struct bgpa *b, const struct bgpa_cfg_peer *c,
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
int bgpa_listen(struct bgpa *b)
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

void bgpa_listen_free(struct bgpa *b)
{
	int i;

	for (i = 0; i < 2; i++) {
		keel_listen_fini(&b->listen_guard[i]);
		if (b->listener[i])
			evconnlistener_free(b->listener[i]);
		b->listener[i] = NULL;
	}
}
