// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctlclient.c - the client end of the control sockets (lbctl,
 * rs-agent's CLI): blocking in appearance, but every step waits with
 * poll() against one deadline, so a server that never answers costs the
 * caller timeout_s and no more.  No libevent: lbctl does not link it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "keel_clock.h"
#include "keel_ctlsock.h"

#define KEEL_CTL_CALL_FIRST (64U << 10) /* first answer buffer */

/* deadline: keel_now_ns() at which the call gives up. */
static int keel_ctl_ms_left(uint64_t deadline)
{
	uint64_t now = keel_now_ns(), ms;

	if (now >= deadline)
		return 0;
	ms = (deadline - now) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static int keel_ctl_wait(uint64_t deadline, int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ms, n;

	for (;;) {
		ms = keel_ctl_ms_left(deadline);
		if (!ms)
			return -ETIMEDOUT;
		n = poll(&p, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int keel_ctl_connect(const char *path, uint64_t deadline, int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		/* A full listen backlog: the server is busy, not gone. */
		if (err != -EAGAIN)
			goto fail;
		if (!keel_ctl_ms_left(deadline)) {
			err = -ETIMEDOUT;
			goto fail;
		}
		poll(NULL, 0, 10);
	}
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return err;
}

static int keel_ctl_send(uint64_t deadline, int fd, const char *buf, size_t len)
{
	ssize_t n;
	int err;

	while (len) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			err = keel_ctl_wait(deadline, fd, POLLOUT);
			if (err)
				return err;
			continue;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static int keel_ctl_recv(uint64_t deadline, int fd, size_t answer_max,
			 char **linep, size_t *lenp)
{
	size_t cap = KEEL_CTL_CALL_FIRST, len = 0;
	char *buf, *nl, *bigger;
	ssize_t n;
	int err;

	/* answer_max bytes and a NUL at the most. */
	if (cap > answer_max + 1)
		cap = answer_max + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len + 1 == cap) {
			if (cap > answer_max) {
				err = -EMSGSIZE;
				goto fail;
			}
			cap = cap > answer_max / 2 ? answer_max + 1 : cap * 2;
			bigger = realloc(buf, cap);
			if (!bigger) {
				err = -ENOMEM;
				goto fail;
			}
			buf = bigger;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			if (err == -EAGAIN)
				err = keel_ctl_wait(deadline, fd, POLLIN);
			/* A reset after part of the answer is a cut answer. */
			if (err == -ECONNRESET && len)
				err = -EPROTO;
			if (err)
				goto fail;
			continue;
		}
		if (n == 0) {
			err = len ? -EPROTO : -ENODATA;
			goto fail;
		}
		nl = memchr(buf + len, '\n', n);
		len += n;
		if (nl) {
			*nl = '\0';
			*linep = buf;
			*lenp = nl - buf;
			return 0;
		}
	}
fail:
	free(buf);
	return err;
}

int keel_ctl_call(const char *path, const char *req, size_t len,
		  double timeout_s, size_t answer_max, char **linep,
		  size_t *lenp)
{
	uint64_t deadline = keel_now_ns();
	int fd = -1, err;

	if (timeout_s > 0)
		deadline += (uint64_t)(timeout_s * 1e9);

	err = keel_ctl_connect(path, deadline, &fd);
	if (err)
		return err;
	err = keel_ctl_send(deadline, fd, req, len);
	if (!err)
		err = keel_ctl_recv(deadline, fd, answer_max, linep, lenp);
	close(fd);
	return err;
}

bool keel_ctl_call_unanswered(int err)
{
	return err == -ENODATA || err == -EPIPE || err == -ECONNRESET;
}

void keel_ctl_call_strerror(char *buf, size_t size, const char *peer,
			    const char *path, int err, double timeout_s,
			    size_t answer_max)
{
	char why[64];

	switch (err) {
	case -ETIMEDOUT:
		snprintf(why, sizeof(why), "no answer within %g s", timeout_s);
		break;
	case -ENODATA:
		snprintf(why, sizeof(why),
			 "connection closed without an answer");
		break;
	case -EPROTO:
		snprintf(why, sizeof(why),
			 "connection closed in the middle of an answer");
		break;
	case -EMSGSIZE:
		if (answer_max % (1U << 20) == 0)
			snprintf(why, sizeof(why), "answer longer than %zu MiB",
				 answer_max >> 20);
		else
			snprintf(why, sizeof(why),
				 "answer longer than %zu bytes", answer_max);
		break;
	default:
		snprintf(why, sizeof(why), "%s", strerror(-err));
		break;
	}
	snprintf(buf, size, "cannot reach %s at %s: %s", peer, path, why);
}
