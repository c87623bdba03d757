/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa - the bgp-announcer daemon's state, one struct: its peers
 * (bgpa_peer.h), the prefix table (bgpa_rib.h), health gating
 * (bgpa_health.h), the listeners (bgpa_listen.h), the control socket
 * (bgpa_ctl.h) and the metrics (bgpa_metrics.h).  Each module's
 * functions are in its own header.
 */
#ifndef BGPA_H
#define BGPA_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <event2/event.h>

#include "bfd_io.h"
#include "bgpa_config.h"
#include "bgpa_health.h"
#include "bgpa_rib.h"
#include "keel_listen.h"
#include "keel_priv.h"

struct bgpa_peer;
struct evconnlistener;
struct keel_ctlsock;
struct keel_metrics;

struct bgpa {
	struct event_base *base;
	const char *config_path;
	struct bgpa_config cfg;
	struct bgpa_peer **peers;
	size_t n_peers;
	struct bgpa_rib rib;
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

#endif /* BGPA_H */
