/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_peer - one BGP session per configured peer on libevent
 * (bgpa_peer.c): the connection, framing, timers, bgp_fsm's actions, and
 * what the session was sent (bgpa_rib.h's Adj-RIB-Out).
 */
#ifndef BGPA_PEER_H
#define BGPA_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/socket.h>

#include "bfd_io.h"
#include "bgp_fsm.h"
#include "bgp_msg.h"
#include "bgpa_config.h"
#include "bgpa_rib.h"
#include "keel_log.h"

struct bgpa;
struct bufferevent;
struct event;

struct bgpa_peer_err {
	bool set;
	time_t at;
	struct bgp_notification n;
};

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
	struct bgpa_adjout ao; /* what the session was sent */
	uint64_t updates_out, updates_in, bad_updates;
	uint64_t msgs_out, msgs_in;
	struct keel_ratelimit rl;
	struct bfd_io_session *bfd; /* cfg.bfd */
	uint8_t bfd_state; /* enum bfd_state */
};

struct bgpa_peer *bgpa_peer_new(struct bgpa *b, const struct bgpa_cfg_peer *c);
void bgpa_peer_start(struct bgpa_peer *p);
/* Withdraw everything, then Cease/Administrative Shutdown with msg. */
void bgpa_peer_stop(struct bgpa_peer *p, const char *msg);
void bgpa_peer_free(struct bgpa_peer *p);
/* An accepted connection from addr (listener side). */
void bgpa_peer_accept(struct bgpa *b, int fd, const struct sockaddr *sa);
/* Send one encoded message on the session's connection. */
void bgpa_peer_send(struct bgpa_peer *p, const uint8_t *msg, int len);
/* Every established session: send what differs from the prefix table. */
void bgpa_peers_sync(struct bgpa *b);
/* TCP-MD5 key for the peer's address on socket fd ("" removes it). */
int bgpa_md5_set(int fd, const struct bgpa_cfg_peer *c, const char *key);
bool bgpa_peer_same(const struct bgpa_cfg_peer *a,
		    const struct bgpa_cfg_peer *b);

#endif /* BGPA_PEER_H */
