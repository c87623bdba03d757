/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_probe_tcp - up when a non-blocking connect() completes within the
 * timeout.  The connection is closed at once with a normal FIN: the
 * service sees an accept and an EOF, nothing it would log as an error.
 * A socket() that fails, and a connect() refused for a local reason
 * (keel_probe_errno_local), are probes not run.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <event2/event.h>

#include "keel_probe_int.h"

static void tcp_connected(evutil_socket_t fd, short what, void *arg)
{
	struct keel_probe *p = arg;
	socklen_t len = sizeof(int);
	int err = 0;

	(void)what;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err)
		keel_probe_done(p,
				keel_probe_errno_local(err) ?
					KEEL_PROBE_NOT_RUN :
					KEEL_PROBE_FAILED,
				"connect: %s", strerror(err));
	else
		keel_probe_done(p, KEEL_PROBE_PASSED, "connected");
}

static int tcp_start(struct keel_probe *p)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, err;

	sl = keel_probe_sockaddr(&p->spec, false, &ss);
	p->u.tcp.fd = socket(ss.ss_family,
			     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->u.tcp.fd < 0)
		return -errno;
	if (p->spec.src_family) {
		struct sockaddr_storage src;
		socklen_t srcl = keel_probe_sockaddr(&p->spec, true, &src);

		/* The port is chosen at connect(), per destination: frequent
		 * probes do not use up the ephemeral range. */
		setsockopt(p->u.tcp.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
			   &one, sizeof(one));
		if (bind(p->u.tcp.fd, (struct sockaddr *)&src, srcl)) {
			/* EADDRNOTAVAIL is a result, not a failure to probe:
			 * the check's source address is missing here. */
			err = errno;
			keel_probe_done(
				p,
				err != EADDRNOTAVAIL &&
						keel_probe_errno_local(err) ?
					KEEL_PROBE_NOT_RUN :
					KEEL_PROBE_FAILED,
				"bind: %s", strerror(err));
			return 0;
		}
	}
	if (!connect(p->u.tcp.fd, (struct sockaddr *)&ss, sl)) {
		keel_probe_done(p, KEEL_PROBE_PASSED, "connected");
		return 0;
	}
	err = errno;
	if (err != EINPROGRESS) {
		/* No local port, no buffer, a local firewall: ours. */
		keel_probe_done(p,
				keel_probe_errno_local(err) ?
					KEEL_PROBE_NOT_RUN :
					KEEL_PROBE_FAILED,
				"connect: %s", strerror(err));
		return 0;
	}
	p->u.tcp.ev =
		event_new(p->base, p->u.tcp.fd, EV_WRITE, tcp_connected, p);
	if (!p->u.tcp.ev || event_add(p->u.tcp.ev, NULL))
		return -ENOMEM;
	return 0;
}

static void tcp_stop(struct keel_probe *p)
{
	if (p->u.tcp.ev) {
		event_free(p->u.tcp.ev);
		p->u.tcp.ev = NULL;
	}
	if (p->u.tcp.fd >= 0) {
		close(p->u.tcp.fd);
		p->u.tcp.fd = -1;
	}
}

const struct keel_probe_ops keel_probe_tcp_ops = {
	.start = tcp_start,
	.stop = tcp_stop,
};
