/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_nl - one netlink socket and one request/answer exchange over libmnl,
 * shared by ra_net.c (rtnetlink) and ra_diag.c (sock_diag).  Header-only
 * so that each unit test still links just the file it tests.
 *
 * After a failed exchange the socket is closed and reopened on the next
 * call: an error in the middle of a dump (NLM_F_DUMP_INTR, a full receive
 * buffer) leaves parts of the answer queued, and reading them as the
 * answer to the next request would be wrong.
 */
#ifndef RA_NL_H
#define RA_NL_H

#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>

/* libmnl's advice for dumps (MNL_SOCKET_DUMP_SIZE, absent from 1.0.4). */
#define RA_NL_BUF_SIZE 32768

struct ra_nl {
	struct mnl_socket *sock; /* NULL: reopen before the next request */
	int bus;
	unsigned int portid;
	unsigned int seq;
	char buf[RA_NL_BUF_SIZE];
};

static inline void ra_nl_close(struct ra_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

static inline int ra_nl_open(struct ra_nl *nl, int bus)
{
	int err;

	nl->bus = bus;
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		ra_nl_close(nl);
		return err;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	if (!nl->seq)
		nl->seq = (unsigned int)time(NULL);
	return 0;
}

/*
 * Send req (its sequence number is set here) and feed every answer to cb
 * until the kernel's NLMSG_DONE or ACK; 0 or -errno (the kernel's error
 * for a refused request, -EINTR for a dump interrupted by a change).
 */
static inline int ra_nl_talk(struct ra_nl *nl, struct nlmsghdr *req,
			     mnl_cb_t cb, void *arg)
{
	unsigned int seq;
	ssize_t len;
	int ret, err = 0;

	if (!nl->sock) {
		err = ra_nl_open(nl, nl->bus);
		if (err)
			return err;
	}
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
		ra_nl_close(nl);
	return err;
}

#endif
