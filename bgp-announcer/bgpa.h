/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa - the bgp-announcer daemon's shared state: peers (bgpa_peer.c),
 * the prefix table and what each peer was sent (bgpa_rib.c), the control
 * socket (bgpa_ctl.c), start-up, signals and reload (bgpa_main.c).
 */
#ifndef BGPA_H
#define BGPA_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <event2/event.h>

#include "bfd_io.h"
#include "bgp_fsm.h"
#include "bgp_msg.h"
#include "bgpa_config.h"
#include "bgpa_health.h"
#include "keel_listen.h"
#include "keel_log.h"
#include "keel_priv.h"

/*
 * A prefix's state (enum bgpa_pstate, bgpa_gate.h) and what each state
 * does (up:, down:, disabled:).  Health gating (bgpa_health.c) sets the
 * state at run time; g.withdraw withdraws the prefix whatever its state's
 * action (fail safe).
 */
struct bgpa_prefix {
	struct bgp_prefix pfx;
	enum bgpa_pstate state;
	bool announce[BGPA_P__MAX]; /* false: withdrawn in that state */
	struct bgpa_attrs attrs[BGPA_P__MAX];
	struct bgpa_gate g;
};

/* One route as last sent to a peer (its Adj-RIB-Out). */
struct bgpa_sent {
	struct bgp_prefix pfx;
	struct bgpa_attrs attrs;
};

struct bgpa_peer_err {
	bool set;
	time_t at;
	struct bgp_notification n;
};

struct bgpa;

struct bgpa_peer {
	struct bgpa *b;
	struct bgpa_cfg_peer cfg;
	struct bgp_fsm fsm;
	struct bufferevent *bev; /* the session's connection, or NULL */
	struct bufferevent *parked; /* incoming, waiting for its OPEN (6.8) */
	struct event *t_retry, *t_hold, *t_keepalive, *t_parked, *t_kick;
	int local_family; /* of bev's local address */
	uint8_t local[16];
	time_t up_since, state_since;
	struct bgpa_peer_err last_sent, last_recv;
	char last_reason[128]; /* why the session last went down */
	struct bgpa_sent *sent;
	size_t n_sent, cap_sent;
	uint64_t updates_out, updates_in, bad_updates;
	uint64_t msgs_out, msgs_in;
	struct keel_ratelimit rl;
	struct bfd_io_session *bfd; /* cfg.bfd */
	uint8_t bfd_state; /* enum bfd_state */
};

struct bgpa {
	struct event_base *base;
	const char *config_path;
	struct bgpa_config cfg;
	struct bgpa_peer **peers;
	size_t n_peers;
	struct bgpa_prefix *prefixes;
	size_t n_prefixes;
	int listen_fd[2]; /* IPv4, IPv6; -1 when absent */
	bool drop; /* started as root: becomes user once bound */
	struct keel_user user;
	struct evconnlistener *listener[2];
	struct keel_listen listen_guard[2]; /* accept() back-off, counters */
	struct keel_ctlsock *ctl;
	struct bfd_io_ctx *bfd; /* created when a peer has bfd: true */
	struct event *sig_hup, *sig_term, *sig_int, *t_stop;
	bool stopping;
	unsigned int lingering; /* connections flushing a NOTIFICATION */
	time_t started;
	uint64_t reloads;
	struct bgpa_health health;
	struct keel_metrics *metrics;
};

/* bgpa_peer.c */
struct bgpa_peer *bgpa_peer_new(struct bgpa *b, const struct bgpa_cfg_peer *c);
void bgpa_peer_start(struct bgpa_peer *p);
/* Withdraw everything, then Cease/Administrative Shutdown with msg. */
void bgpa_peer_stop(struct bgpa_peer *p, const char *msg);
void bgpa_peer_free(struct bgpa_peer *p);
/* An accepted connection from addr (listener side). */
void bgpa_peer_accept(struct bgpa *b, int fd, const struct sockaddr *sa);
/* Send one encoded message on the session's connection. */
void bgpa_peer_send(struct bgpa_peer *p, const uint8_t *msg, int len);
/* TCP-MD5 key for the peer's address on socket fd ("" removes it). */
int bgpa_md5_set(int fd, const struct bgpa_cfg_peer *c, const char *key);
bool bgpa_peer_same(const struct bgpa_cfg_peer *a,
		    const struct bgpa_cfg_peer *b);

/* bgpa_rib.c */
/* The prefix table from the config (states from announce:). */
int bgpa_rib_load(struct bgpa *b, const struct bgpa_config *cfg);
void bgpa_rib_free(struct bgpa *b);
/* Send the peer what differs between its Adj-RIB-Out and the table. */
void bgpa_rib_sync(struct bgpa_peer *p);
void bgpa_rib_sync_all(struct bgpa *b);
/* Session up: everything, then End-of-RIB per family. */
void bgpa_rib_established(struct bgpa_peer *p);
/* ROUTE-REFRESH: everything again. */
void bgpa_rib_resend(struct bgpa_peer *p);
/* Withdraw all that was sent (before a Cease). */
void bgpa_rib_withdraw_all(struct bgpa_peer *p);
/* Session down: forget what was sent. */
void bgpa_rib_down(struct bgpa_peer *p);
int bgpa_rib_set_state(struct bgpa *b, const struct bgp_prefix *pfx,
		       enum bgpa_pstate st);
const char *bgpa_pstate_name(enum bgpa_pstate s);

/* bgpa_ctl.c */
int bgpa_ctl_start(struct bgpa *b);
void bgpa_ctl_stop(struct bgpa *b);
struct keel_ctl_peer;
/* status and prefixes need the read role, reload admin. */
char *bgpa_ctl_handle(struct bgpa *b, const struct keel_ctl_peer *peer,
		      const char *line, size_t len);

/* bgpa_metrics.c: metrics.listen, if set. */
int bgpa_metrics_start(struct bgpa *b);
void bgpa_metrics_stop(struct bgpa *b);

/* bgpa_main.c */
int bgpa_reload(struct bgpa *b, char *err, size_t errlen);

#endif /* BGPA_H */
