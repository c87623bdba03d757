/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd - the load-balancer daemon: config + state file -> lb_model ->
 * pinned XDP maps; control socket, metrics, neighbour tracking.
 *
 * lbd_main.c: start-up, the event loop, shutdown.
 * lbd_reload.c: a reload.
 * lbd_commit.c: the paths to the data plane, the generation.
 * lbd_rx.c: the agents' reports (keys, socket, replay guards).
 * lbd_eval.c: active checks, health evaluation, load-aware weights
 *   (docs/lbd.md, "Health").
 * lbd_neigh.c: the reals' and interfaces' MACs.
 * lbd_ctl.c: the control socket and its requests.
 * lbd_view.c: status JSON, counters and rates; lbd_metrics.c: metrics.
 * lbd_loop.c: the event loop's stalls.
 * lbd_pair_fsm.c: synced or not (the LB pair), status.pair.
 * lbd_pair.c: the LB pair's socket and sessions (NULL without pair:).
 *
 * This header holds struct lbd; each module declares its functions in
 * its own header.
 */
#ifndef LBD_H
#define LBD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/time.h>
#include <event2/event.h>

#include "keel_priv.h"
#include "lb_admin.h"
#include "lb_agents.h"
#include "lb_config.h"
#include "lb_dp.h"
#include "lb_model.h"
#include "lb_pair_fsm.h"
#include "lb_stall.h"
#include "lb_state.h"
#include "lbd_commit.h"
#include "lbd_eval.h"
#include "lbd_rx.h"

struct keel_metrics;
struct lb_neigh_mon;
struct keel_ctlsock;
struct lbd_pair;

struct lbd_rate {
	uint64_t packets, new_flows; /* at the last sample */
	double pps, fps;
};

struct lbd {
	const char *config_path;
	struct lb_config cfg;
	struct lb_state st;
	struct lb_dp *dp;
	struct lb_model m;
	struct event_base *base;
	int attached[LB_CFG_IFACES_MAX]; /* ifindex per cfg.ifaces[] */
	uint64_t generation;
	bool reload_ok;
	time_t reload_at;
	char reload_err[256];
	bool detach_on_exit; /* --detach-on-exit / shutdown --unload */
	bool reset_state; /* --reset-state: keep bad state files aside */
	int exit_code;
	/* Started as root: the user it becomes once set up (cfg.user). */
	bool drop;
	struct keel_user user;

	struct keel_ctlsock *ctl;
	struct keel_metrics *metrics;
	struct lb_neigh_mon *nm;
	struct event *probe_ev; /* the next batch of the probe queue */
	uint32_t probe[KEEL_MAX_REALS]; /* ring of real ids to resolve */
	uint32_t probe_head, probe_n;
	uint8_t probe_pending[KEEL_MAX_REALS]; /* LBD_PROBE_* while queued */
	uint8_t link_mac[LB_CFG_IFACES_MAX][6]; /* of attached[i] */
	bool link_ok[LB_CFG_IFACES_MAX];
	/* What the MAC guard's map holds for attached[i] (lbd_if_mac). */
	uint8_t if_mac[LB_CFG_IFACES_MAX][6];
	bool if_mac_ok[LB_CFG_IFACES_MAX];
	uint64_t if_mac_changes; /* MAC changes of attached interfaces seen */
	struct event *tick;
	struct event *beat; /* a heartbeat: its lateness is a stall too */
	uint64_t beat_due_us;
	struct lb_stall stall;
	struct event *sig_hup, *sig_term, *sig_int;
	uint64_t ticks;
	uint64_t conn_entries; /* sampled */
	uint32_t conn_capacity;
	uint32_t prog_id; /* of lbd's XDP program; 0 until first asked */
	struct lbd_rate svc_rate[KEEL_MAX_SERVICES];
	struct lbd_rate real_rate[KEEL_MAX_REALS];
	/* Traffic counters by id, read in one batch (lbd_stats_read). */
	struct keel_traffic svc_t[KEEL_MAX_SERVICES];
	struct keel_traffic real_t[KEEL_MAX_REALS];
	/* The agents: rx classifies reports into it, eval rebuilds it. */
	struct lb_agents agents;
	struct lbd_rx rx;
	struct lbd_eval_state ev;
	struct lbd_commit_state cm;
	/* Synced or not (lbd_pair_fsm.c): what announcers gate on. */
	struct lb_pair_fsm pair_fsm;
	/*
	 * The pair's admin registers (lb_admin.h; kept only with pair:, when
	 * the state file is version 2), and those changed here by lbctl and
	 * not yet taken by the pair code to send (lbd_ctl.h).
	 */
	struct lb_admin admin;
	struct lb_admin_reg *admin_pending;
	size_t n_admin_pending;
	uint64_t admin_pending_dropped; /* oldest dropped when over the cap */
	struct lbd_pair *pair; /* lbd_pair.h; NULL without pair: */
};

/* Anti-entropy resends what a full queue drops (docs/pair.md). */
#define LBD_ADMIN_PENDING_MAX 4096U

/*
 * Stop the loop (a signal, the shutdown request); unload: detach and
 * unload the data plane at exit.
 */
static inline void lbd_stop(struct lbd *d, bool unload)
{
	/* Long enough for a control response to be written out. */
	struct timeval soon = { 0, 100 * 1000 };

	d->detach_on_exit |= unload;
	event_base_loopexit(d->base, &soon);
}

#endif /* LBD_H */
