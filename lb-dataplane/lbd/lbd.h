/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd - the load-balancer daemon: config + state file -> lb_model ->
 * pinned XDP maps; control socket, metrics, neighbour tracking.
 *
 * lbd.c: start-up, reload, neighbours, the event loop, shutdown.
 * lbd_ctl.c: the control socket and its requests.
 * lbd_view.c: status JSON and Prometheus metrics.
 * lbd_health.c: agent reports, active checks, health evaluation,
 *   load-aware weights (docs/lbd.md, "Health").
 */
#ifndef LBD_H
#define LBD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <event2/event.h>
#include <jansson.h>

#include "keel_ctl.h"
#include "keel_log.h"
#include "keel_priv.h"
#include "lb_agents.h"
#include "lb_config.h"
#include "lb_deadline.h"
#include "lb_dp.h"
#include "lb_model.h"
#include "lb_reconcile.h"
#include "lb_replay.h"
#include "lb_rxfilter.h"
#include "lb_stall.h"
#include "lb_state.h"

struct keel_metrics;
struct lb_neigh_mon;
struct keel_ctlsock;

struct keel_check;

/* Health of one real of one service, by model real id. */
struct lbd_hreal {
	struct keel_vip_key svc;
	uint8_t family;
	__be32 addr[4];
	uint32_t id; /* its model real id */
	struct lbd *d; /* for its check's callback */
	uint32_t pass; /* the full pass that last wanted it */
	uint8_t type; /* enum lb_cfg_hc_type */
	uint64_t spec_hash; /* of its check's settings: a change restarts it */
	struct keel_check *check; /* tcp, http */
	bool adopted; /* keep adopted_state until the first verdict */
	uint8_t adopted_state;
	bool had_flows; /* adopted UP or DRAINING: its flows are there */
	uint64_t start_ms; /* when lbd started watching it */
	/*
	 * What the last full pass wanted (admin state; admin or configured
	 * weight), for the evaluations until the next one.
	 */
	uint8_t want_state;
	uint32_t want_weight;
	bool admin_down, admin_drain, admin_weight, load_aware;
	uint32_t agent_next; /* the next real id of its agent; 0: none */
	uint64_t sched_ms; /* its agent's last report when its deadline was set */
	/* The last evaluation, for status and metrics. */
	uint8_t state, source, verdict;
	uint32_t cfg_weight; /* admin override or configured weight */
	/* Load-aware weights. */
	struct lb_loadw_real lw;
	uint64_t lw_seen; /* the agent's accepted count at the last sample */
};

struct lbd_hsvc {
	struct keel_vip_key key;
	bool used;
	uint64_t lw_last_ms;
};

/* Listening socket and keys, prepared before a config is applied. */
struct lbd_health_prep {
	struct lb_agents_key keys[LB_AGENTS_KEYS_MAX];
	size_t n_keys;
	int fd; /* -1: keep the current socket (or none) */
	bool close_rx; /* the receiver is turned off */
};

/*
 * Evaluations between full passes look only at what changed: reals
 * marked dirty (a check changed, a report changed its agent's states,
 * load-aware weights moved) and reals whose deadline passed (an agent
 * silent for dead_after, then keep_flows_for: lb_agent_deadline()).
 */
struct lbd_health {
	int fd;
	struct event *rx; /* reports */
	/* A busy socket is read on this clock instead (lbd_health.c). */
	struct event *rx_poll;
	bool rx_busy;
	bool rx_fast; /* polled every LBD_RX_POLL_MS, not the slow period */
	uint64_t rx_win_ms; /* datagrams read since, for "busy" */
	uint32_t rx_win_n;
	struct event *timer; /* deadlines, load-aware periods */
	struct event *soon; /* a check or a report changed a state */
	struct event *more; /* what one turn's budget left, next turn */
	char listen[LB_CFG_NAME_MAX];
	struct lb_agents agents;
	uint64_t results[LB_AGENTS_RX__MAX];
	struct keel_ratelimit rl[LB_AGENTS_RX__MAX];
	uint32_t pass;
	bool adopting; /* the first apply: reals in the model are adopted */
	/* The report socket filter (lb_rxfilter.h); NULL: not loaded. */
	struct lb_rxfilter *filter;
	int filter_fd; /* the socket it is attached to, -1: none */
	/* Replay guards across restarts (lb_replay.h): */
	struct lb_replay_entry *restore; /* read at start, until restored */
	size_t n_restore;
	bool replay_dirty; /* a report accepted since the last save */
	uint64_t replay_saved_ms;
	struct lbd_hreal *hr[KEEL_MAX_REALS];
	struct lbd_hsvc hs[KEEL_MAX_SERVICES];
	struct lb_deadline dl; /* agent reals' next deadline, by real id */
	uint8_t dirty[KEEL_MAX_REALS]; /* real ids to evaluate */
	uint32_t dirty_list[KEEL_MAX_REALS];
	uint32_t n_dirty;
	/* Ids whose change takes something away (a DOWN report, a check
	 * failing): evaluated first, whatever the turn's budget. */
	uint8_t urgent[KEEL_MAX_REALS];
	uint32_t urgent_list[KEEL_MAX_REALS];
	uint32_t n_urgent;
	/* A commit of health changes failed: they stay staged in the model
	 * and are committed again after retry_ms (100 ms, doubling to 1 s). */
	bool commit_pending;
	uint32_t retry_ms;
	/* Per slot of agents (rebuilt with it): its first real id (then
	 * lbd_hreal.agent_next), heard since the last tick. */
	uint32_t *agent_first;
	uint8_t *agent_dirty;
	uint32_t *agent_dirty_list;
	uint32_t n_agent_dirty;
	uint32_t lw_svcs[KEEL_MAX_SERVICES]; /* load-aware services' ids */
	uint32_t n_lw_svcs;
	uint32_t svc_cost_us; /* a service's commit, on average */
};

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
	struct event *neigh_soon; /* commit neighbour changes once a turn */
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
	struct lbd_health health;
};

/* lbd.c */
#define LBD_BEAT_MS 100 /* the heartbeat: a stall outside lbd's callbacks */
/* One more change applied to the data plane (lbd.c). */
void lbd_generation_bump(struct lbd *d);
int lbd_apply(struct lbd *d, struct lb_reconcile_stats *rs);
/* At the end of each of lbd's callbacks: how long this loop turn held
 * the loop so far (lb_stall.h). */
void lbd_loop_note(struct lbd *d);
int lbd_reload(struct lbd *d, struct lb_reconcile_stats *rs, char *err,
	       size_t errlen);
void lbd_stop(struct lbd *d, bool unload);

/* lbd_ctl.c */
int lbd_ctl_start(struct lbd *d);
void lbd_ctl_stop(struct lbd *d);
struct keel_ctl_peer;
/*
 * One request line from peer in, one response line out (malloc'd, with
 * '\n'); read verbs need the read role, the others admin.
 */
char *lbd_ctl_handle(struct lbd *d, const struct keel_ctl_peer *peer,
		     const char *line, size_t len);

/* lbd_health.c */
/* <state_file>.replay: the agents' replay guards (lb_replay.h). */
int lbd_replay_path(const struct lbd *d, char *buf, size_t size);
int lbd_health_init(struct lbd *d); /* before the first apply */
/* Keys and socket of cfg, checked and opened; nothing changes yet. */
int lbd_health_prepare(struct lbd *d, const struct lb_config *cfg,
		       struct lbd_health_prep *p, char *err, size_t errlen);
/* The prepared keys and socket in use (after d->cfg became their config). */
int lbd_health_install(struct lbd *d, struct lbd_health_prep *p);
void lbd_health_discard(struct lbd_health_prep *p);
/* Reconcile with health (what lbd_apply() uses). */
int lbd_health_reconcile(struct lbd *d, struct lb_reconcile_stats *rs);
void lbd_health_stop(struct lbd *d);
/* Health members of one real's status object o. */
void lbd_health_view_real(struct lbd *d, const struct lb_service *s,
			  const struct lb_real *r, json_t *o);
json_t *lbd_health_view(struct lbd *d);
struct evbuffer;
void lbd_health_metrics(struct lbd *d, struct evbuffer *b);

/* lbd_view.c */
/* reals false: "real_count" (per state, usable, selectable) instead. */
json_t *lbd_view_service(struct lbd *d, struct lb_service *s, bool reals);
json_t *lbd_view_status(struct lbd *d, bool summary);
json_t *lbd_view_stats(struct lbd *d);
json_t *lbd_view_site(struct lbd *d); /* {"drained", "since", "reason"} */
json_t *lbd_view_dataplane(struct lbd *d);
json_t *lbd_view_loop(struct lbd *d); /* the event loop's stalls */
/* Every service's and real's counters into svc_t, real_t (a batch each). */
int lbd_stats_read(struct lbd *d);
int lbd_metrics_start(struct lbd *d);
void lbd_sample(struct lbd *d); /* rates, once a second */
const char *lbd_state_name(uint8_t state);

#endif /* LBD_H */
