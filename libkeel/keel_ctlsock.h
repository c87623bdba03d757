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
 * '\n'; a connection idle for idle_ms is closed.
 *
 * Client (keel_ctlclient.c, in libkeel, no libevent): one request, one
 * answer line, all within a timeout.
 */
#ifndef KEEL_CTLSOCK_H
#define KEEL_CTLSOCK_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

#include "keel_ctl.h"

#define KEEL_CTLSOCK_IDLE_MS 60000 /* default idle timeout */

struct event_base;
struct keel_ctlsock;

/*
 * The answer to one request line (len bytes, NUL-terminated, without its
 * '\n'): a malloc'ed string ending in '\n', freed by the server.  NULL
 * (out of memory) closes that connection.  It must not stop the server.
 */
typedef char *(*keel_ctlsock_handler)(void *arg, const char *line, size_t len);

struct keel_ctlsock_cfg {
	const char *path; /* shorter than sun_path; its directory is made */
	/* Group by name (looked up at start); NULL or "": gid below. */
	const char *group;
	uid_t uid; /* owner to set; (uid_t)-1 keeps the creator */
	gid_t gid; /* group when no name is given; (gid_t)-1 keeps it */
	mode_t mode; /* 0: 0660 */
	size_t line_max; /* longest request, without '\n'; 0: KEEL_CTL_MSG_MAX */
	unsigned int idle_ms; /* 0: KEEL_CTLSOCK_IDLE_MS */
	keel_ctlsock_handler handle;
	void *arg;
};

/*
 * Listen on cfg->path.  The process must ignore SIGPIPE (libevent writes
 * with write(2): a client gone before its answer would kill it).  Errors are logged with keel_log and returned as
 * -errno: -ENOENT (no such group), -EADDRINUSE (a live server answers
 * there), -EEXIST (the path is not a socket), or what the failing call
 * said.
 */
int keel_ctlsock_start(struct event_base *base,
		       const struct keel_ctlsock_cfg *cfg,
		       struct keel_ctlsock **out);
/* Closes the listener and every connection, removes the socket file. */
void keel_ctlsock_stop(struct keel_ctlsock *s);

/*
 * Answer lines for handlers, malloc'ed, NULL when out of memory.
 * keel_ctlsock_ok: body's members and "ok":true (an "ok" already in body
 * keeps its place); takes body; a NULL body (a json_pack that failed)
 * gives an internal error.  keel_ctlsock_err: {"ok":false,"code":..,
 * "error":..} with a printf-style message (cut at 511 bytes).
 */
char *keel_ctlsock_ok(json_t *body);
char *keel_ctlsock_err(enum keel_ctl_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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
 * "cannot reach PEER at PATH: WHY" for a keel_ctl_call error, as lbctl
 * and rs-agent print it (timeout_s and answer_max as passed to the call).
 */
void keel_ctl_call_strerror(char *buf, size_t size, const char *peer,
			    const char *path, int err, double timeout_s,
			    size_t answer_max);

#endif
