/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_ctlsock - the local control sockets of lbd, rs-agent and
 * bgp-announcer, both ends: a Unix stream socket carrying one request
 * line and one answer line at a time (JSON in practice; this module only
 * sees lines).
 *
 * Server (keel_ctlsock.c, library keelctlsock, on libevent): binds the
 * socket with its owner, group and mode set before it listens, replaces a
 * socket file left by a dead process but never a live one or a non-socket,
 * hands each line to a handler and writes the handler's answer, one
 * request at a time per connection (a client that does not read its
 * answers is not read either).  A line longer than line_max is answered
 * with a bad_request error (logged, rate-limited) and skipped up to its
 * '\n'.
 *
 * Limits (each closing is counted and logged, rate-limited):
 * - at most max_conns connections: a new one past the cap closes an idle
 *   one (nothing asked, nothing to answer), else a busy one, among those
 *   connected at least KEEL_LISTEN_GRACE_MS ago, the one that made
 *   progress (connected, or had an answer) least recently first; only
 *   when every one is younger, the least recent (keel_listen_victim):
 *   a crowd of idle or slow clients cannot lock out an operator, nor
 *   close one just connected while they can go;
 * - at most KEEL_LISTEN_BATCH accepts per loop turn (keel_listen.h);
 * - a connection with nothing read or written for idle_ms is closed;
 * - a request must arrive whole within request_ms of its first byte (a
 *   client sending 1 byte/s is cut, where an idle timer alone would wait
 *   forever);
 * - accept() failures (EMFILE...) pause accepting (keel_listen.h).
 *
 * Roles: the peer's credentials (SO_PEERCRED, SO_PEERGROUPS) are read once
 * at accept and give each connection a role the handler checks: root, the
 * socket's owner and members of the admin group are admin; members of the
 * read group are read-only; anyone else the filesystem let in has none.
 *
 * Paths: the socket's directory is created 0750 (owner uid, the socket's
 * group) when missing, and refused when it is a symlink, is owned by
 * someone other than root or uid, or is writable by group or others.
 * Owner and mode are set without following symlinks (the mode through the
 * umask at bind, the owner with AT_SYMLINK_NOFOLLOW), and the socket is
 * removed through the directory's descriptor.
 *
 * Client (keel_ctlclient.c, in libkeel, no libevent): one request, one
 * answer line, all within a timeout.
 */
#ifndef KEEL_CTLSOCK_H
#define KEEL_CTLSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include "keel_ctl.h"
#include "keel_listen.h"

#define KEEL_CTLSOCK_IDLE_MS 60000 /* default idle timeout */
#define KEEL_CTLSOCK_REQUEST_MS 10000 /* default whole-request deadline */
#define KEEL_CTLSOCK_CONNS 64 /* default cap on connections */
#define KEEL_CTLSOCK_CONNS_MAX 4096 /* the highest cap configs may ask */

struct event_base;
struct keel_ctlsock;

enum keel_ctl_role {
	KEEL_CTL_ROLE_NONE = 0,
	KEEL_CTL_ROLE_READ, /* status and the other read verbs */
	KEEL_CTL_ROLE_ADMIN, /* everything */
};

/* Who sent a request, as the kernel said at connect time. */
struct keel_ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	enum keel_ctl_role role;
	struct keel_ctlsock *s; /* for keel_ctlsock_deny() */
};

/*
 * The answer to one request line (len bytes, NUL-terminated, without its
 * '\n') from peer: a malloc'ed string ending in '\n', freed by the
 * server.  NULL (out of memory) closes that connection.  It must not stop
 * the server.
 */
typedef char *(*keel_ctlsock_handler)(void *arg,
				      const struct keel_ctl_peer *peer,
				      const char *line, size_t len);

struct keel_ctlsock_cfg {
	const char *path; /* shorter than sun_path; its directory is made */
	/* The admin group by name (looked up at start); NULL or "": gid. */
	const char *group;
	/* The read-only group by name; NULL or "": none. */
	const char *read_group;
	/* Owner of the socket and of a directory made for it; (uid_t)-1:
	 * the process's effective uid.  Admin like root. */
	uid_t uid;
	/* Admin group when none is named; (gid_t)-1: the socket's group. */
	gid_t gid;
	mode_t mode; /* 0: 0660 */
	size_t line_max; /* longest request, without '\n'; 0: KEEL_CTL_MSG_MAX */
	unsigned int idle_ms; /* 0: KEEL_CTLSOCK_IDLE_MS */
	unsigned int request_ms; /* 0: KEEL_CTLSOCK_REQUEST_MS */
	unsigned int max_conns; /* 0: KEEL_CTLSOCK_CONNS */
	keel_ctlsock_handler handle;
	void *arg;
};

/*
 * Listen on cfg->path.  The socket's group is the read group when one is
 * named (every operator reaches it; lbd tells admins apart), else the
 * admin group's.  The process must ignore SIGPIPE (libevent writes with
 * write(2): a client gone before its answer would kill it).  Errors are
 * logged with keel_log and returned as -errno: -ENOENT (no such group),
 * -EADDRINUSE (a live server answers there), -EEXIST (the path is not a
 * socket), -EPERM (the directory is a symlink, someone else's, or
 * writable by group or others), or what the failing call said.
 */
int keel_ctlsock_start(struct event_base *base,
		       const struct keel_ctlsock_cfg *cfg,
		       struct keel_ctlsock **out);
/* Closes the listener and every connection, removes the socket file. */
void keel_ctlsock_stop(struct keel_ctlsock *s);
/* Counters and the connections open now. */
const struct keel_listen_stats *
keel_ctlsock_stats(const struct keel_ctlsock *s);

/*
 * Answer lines for handlers, malloc'ed, NULL when out of memory.
 * keel_ctlsock_ok: body's members and "ok":true (an "ok" already in body
 * keeps its place); takes body; a NULL body (a json_pack that failed)
 * gives an internal error.  keel_ctlsock_err: {"ok":false,"code":..,
 * "error":..} with a printf-style message (cut at 511 bytes).
 */
char *keel_ctlsock_ok(json_t *body);
/*
 * The answer line an encoder writes (keel_ctl_lbd.h, keel_ctl_bgpa.h,
 * keel_ctl_agent.h: enc(buf, size, in)), malloc'ed: from the size the
 * encoder's last answer fitted in (64 KiB at first), doubled while the
 * encoder says -ENOSPC, up to KEEL_CTL_ANSWER_MAX.  An encoder
 * that fails otherwise, or an answer longer than that, gives an internal
 * error line; NULL only when out of memory.
 */
char *keel_ctlsock_answer(int (*enc)(char *buf, size_t size, const void *in),
			  const void *in);
char *keel_ctlsock_err(enum keel_ctl_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The permission_denied answer to verb for a peer whose role is below
 * need: "VERB needs the admin group 'G'" (or "... root" when no admin
 * group is named; "the read group 'R' or ..." for a read verb); logged,
 * rate-limited, with the peer's uid and pid.
 */
char *keel_ctlsock_deny(const struct keel_ctl_peer *peer, const char *verb,
			enum keel_ctl_role need);

/* ---- client ---- */

/*
 * Connect to path (a full backlog is retried: the server is busy, not
 * gone), send req (len bytes, its '\n' included) and read one answer
 * line, all within timeout_s.  *linep: the answer, malloc'ed, NUL in
 * place of its '\n'; *lenp its length.  An answer may be answer_max
 * bytes long, its '\n' included.  Returns 0, or -ETIMEDOUT (no answer in time),
 * -ENODATA (closed before answering), -EPROTO (closed in the middle of
 * an answer), -EMSGSIZE (answer too long), -ENAMETOOLONG, -ENOMEM, or
 * socket/connect/send/recv's -errno.
 */
int keel_ctl_call(const char *path, const char *req, size_t len,
		  double timeout_s, size_t answer_max, char **linep,
		  size_t *lenp);

/*
 * True for a keel_ctl_call error that means the server closed the
 * connection before any byte of its answer (-ENODATA, -EPIPE,
 * -ECONNRESET): a read-only request may be sent again; a change may have
 * been applied.
 */
bool keel_ctl_call_unanswered(int err);

/*
 * "cannot reach PEER at PATH: WHY" for a keel_ctl_call error, as lbctl
 * and rs-agent print it (timeout_s and answer_max as passed to the call).
 */
void keel_ctl_call_strerror(char *buf, size_t size, const char *peer,
			    const char *path, int err, double timeout_s,
			    size_t answer_max);

#endif
