/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_nl - a netlink request and its answer over libmnl: rtnetlink for
 * rs-agent's VIPs and lbd's neighbours, sock_diag for rs-agent's
 * connection counts.
 *
 * A struct keel_nl keeps its socket between requests.  After a failed
 * exchange the socket is closed and reopened on the next call: an error
 * in the middle of a dump (NLM_F_DUMP_INTR, a full receive buffer) leaves
 * parts of the answer queued, and reading them as the answer to the next
 * request would be wrong.
 */
#ifndef KEEL_NL_H
#define KEEL_NL_H

#include <libmnl/libmnl.h>

/* libmnl's advice for dumps (MNL_SOCKET_DUMP_SIZE, absent from 1.0.4). */
#define KEEL_NL_BUF_SIZE 32768

struct keel_nl {
	struct mnl_socket *sock; /* NULL: reopen before the next request */
	int bus; /* NETLINK_ROUTE, NETLINK_SOCK_DIAG... */
	unsigned int portid;
	unsigned int seq;
	char buf[KEEL_NL_BUF_SIZE];
};

/* Open and bind a socket on bus (nl zeroed first, or after a close). */
int keel_nl_open(struct keel_nl *nl, int bus);
void keel_nl_close(struct keel_nl *nl);

/*
 * Send req (its sequence number is set here, and NLM_F_ACK unless it is a
 * dump) and feed every answer to cb (NULL: only the ACK is awaited) until
 * the kernel's NLMSG_DONE or ACK.
 * 0 or -errno: the kernel's error for a refused request, -EINTR for a dump
 * interrupted by a change, -EPROTO when cb returned MNL_CB_ERROR without
 * setting errno.  EINTR of the receive is retried.  After any failure the
 * socket is closed, and reopened by the next call.
 */
int keel_nl_talk(struct keel_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		 void *arg);

/* One exchange on a socket of its own: open, talk, close. */
int keel_nl_once(int bus, struct nlmsghdr *req, mnl_cb_t cb, void *arg);

#endif /* KEEL_NL_H */
