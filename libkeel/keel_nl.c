// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <sys/socket.h>

#include "keel_nl.h"

void keel_nl_close(struct keel_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

int keel_nl_open(struct keel_nl *nl, int bus)
{
	int err;

	nl->bus = bus;
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		keel_nl_close(nl);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	/* Not 0 after a restart: an old answer cannot match a new request. */
	if (!nl->seq)
		nl->seq = (unsigned int)time(NULL);
	return 0;
}

int keel_nl_talk(struct keel_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		 void *arg)
{
	unsigned int seq;
	ssize_t len;
	int ret, err = 0;

	if (!nl->sock) {
		err = keel_nl_open(nl, nl->bus);
		if (err)
			return err;
	}
	/* A single answer ends with nothing else: without the ACK, a wait. */
	if (!(req->nlmsg_flags & NLM_F_DUMP))
		req->nlmsg_flags |= NLM_F_ACK;
	seq = req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		/*
		 * mnl_cb_run sets errno for the kernel's error and a stray
		 * answer; a callback's MNL_CB_ERROR may not: -EPROTO then,
		 * never a stale errno nor 0 (success).
		 */
		errno = 0;
		ret = mnl_cb_run(nl->buf, len, seq, nl->portid, cb, arg);
		if (ret < 0) {
			err = errno ? -errno : -EPROTO;
			break;
		}
		if (ret == MNL_CB_STOP)
			break;
	}
out:
	if (err)
		keel_nl_close(nl);
	return err;
}

int keel_nl_once(int bus, struct nlmsghdr *req, mnl_cb_t cb, void *arg)
{
	struct keel_nl *nl;
	int err;

	/* 32 KiB: not on the caller's stack. */
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	err = keel_nl_open(nl, bus);
	if (!err)
		err = keel_nl_talk(nl, req, cb, arg);
	keel_nl_close(nl);
	free(nl);
	return err;
}
