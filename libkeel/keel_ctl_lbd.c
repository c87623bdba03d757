// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctl_lbd - lbd's control answers as member tables (keel_ctl_json.h):
 * each table lists the members in the order lbd writes them.
 */
#include <stddef.h>

#include "keel_ctl_lbd.h"
#include "keel_maps.h"

/*
 * A closed set for status: an unknown state is -ERANGE (KEEL_RS_*,
 * keel_maps.h); the gate's view reads it as index 0, "unknown".
 */
_Static_assert(KEEL_RS_UNKNOWN == 0, "KEEL_CJ_OPEN reads unknown names as 0");
static const char *const lbd_states[] = {
	[KEEL_RS_UNKNOWN] = "unknown",
	[KEEL_RS_UP] = "up",
	[KEEL_RS_DOWN] = "down",
	[KEEL_RS_DRAINING] = "draining",
};

const char *keel_ctl_state_name(uint8_t state)
{
	return state <= KEEL_RS_DRAINING ? lbd_states[state] : "unknown";
}

#define T struct keel_ctl_admin
static const struct keel_cj_member admin_m[] = {
	KEEL_CJ_M(T, "drain", BOOL, drain),
	KEEL_CJ_M(T, "down", BOOL, down),
	KEEL_CJ_NUL(T, "weight", U32, weight, has_weight),
};
static const struct keel_cj_obj admin_o = KEEL_CJ_OBJ_OF(T, admin_m);
#undef T

#define T struct keel_ctl_real
static const struct keel_cj_member real_m[] = {
	KEEL_CJ_M(T, "real", STR, real),
	KEEL_CJ_M(T, "id", U32, id),
	KEEL_CJ_M(T, "weight", U32, weight),
	KEEL_CJ_M(T, "effective_weight", U32, effective_weight),
	KEEL_CJ_M(T, "state", ENUM, state, .names = lbd_states,
		  .n_names = sizeof(lbd_states) / sizeof(lbd_states[0])),
	KEEL_CJ_M(T, "source", STR, source),
	KEEL_CJ_M(T, "health", STR, health),
	KEEL_CJ_M(T, "configured_weight", U32, configured_weight),
	KEEL_CJ_NUL(T, "report_age_ms", U64, report_age_ms, has_report_age_ms),
	KEEL_CJ_NUL(T, "conns", U32, conns, has_conns),
	KEEL_CJ_NUL(T, "load", REAL, load, has_load),
	KEEL_CJ_NUL(T, "agent_restarts", U64, agent_restarts,
		    has_agent_restarts),
	KEEL_CJ_NUL(T, "agent_protocol", U32, agent_protocol,
		    has_agent_protocol),
	KEEL_CJ_NUL(T, "agent_boot", U64, agent_boot, has_agent_boot),
	KEEL_CJ_NUL(T, "check", STR, check, has_check),
	KEEL_CJ_M(T, "admin", OBJ, admin, .sub = &admin_o),
	KEEL_CJ_NUL(T, "mac", STR, mac, has_mac),
	KEEL_CJ_M(T, "mac_resolved", BOOL, mac_resolved),
	KEEL_CJ_NUL(T, "ifname", STR, ifname, has_ifname),
	KEEL_CJ_M(T, "ring_entries", U32, ring_entries),
	KEEL_CJ_OPT(T, "usable", BOOL, usable, has_usable),
	KEEL_CJ_OPT(T, "sorry", BOOL, sorry, has_sorry),
	KEEL_CJ_M(T, "packets", U64, packets),
	KEEL_CJ_M(T, "bytes", U64, bytes),
	KEEL_CJ_M(T, "new_flows", U64, new_flows),
	KEEL_CJ_M(T, "pps", REAL, pps),
	KEEL_CJ_M(T, "fps", REAL, fps),
};
static const struct keel_cj_obj real_o = KEEL_CJ_OBJ_OF(T, real_m);
#undef T

#define T struct keel_ctl_real_count
static const struct keel_cj_member count_m[] = {
	KEEL_CJ_M(T, "total", U32, total),
	KEEL_CJ_M(T, "up", U32, up),
	KEEL_CJ_M(T, "draining", U32, draining),
	KEEL_CJ_M(T, "down", U32, down),
	KEEL_CJ_M(T, "unknown", U32, unknown),
	KEEL_CJ_M(T, "usable", U32, usable),
	KEEL_CJ_M(T, "up_usable", U32, up_usable),
	KEEL_CJ_M(T, "selectable", U32, selectable),
};
static const struct keel_cj_obj count_o = KEEL_CJ_OBJ_OF(T, count_m);
#undef T

/* reals and real_count: the one lbd wrote (never both today). */
#define T struct keel_ctl_service
static const struct keel_cj_member service_m[] = {
	KEEL_CJ_M(T, "service", STR, service),
	KEEL_CJ_M(T, "persistent", BOOL, persistent),
	KEEL_CJ_M(T, "ring_size", U32, ring_size),
	KEEL_CJ_M(T, "packets", U64, packets),
	KEEL_CJ_M(T, "bytes", U64, bytes),
	KEEL_CJ_M(T, "new_flows", U64, new_flows),
	KEEL_CJ_M(T, "pps", REAL, pps),
	KEEL_CJ_M(T, "fps", REAL, fps),
	KEEL_CJ_M(T, "load_aware", BOOL, load_aware),
	KEEL_CJ_OPT(T, "real_count", OBJ, real_count, has_real_count,
		    .sub = &count_o),
	KEEL_CJ_ARRAY(T, "reals", ARR, reals, n_reals, &real_o, KEEL_MAX_REALS,
		      .has_off = KEEL_CJ_HAS(T, has_reals)),
};
static const struct keel_cj_obj service_o = KEEL_CJ_OBJ_OF(T, service_m);
#undef T

#define T struct keel_ctl_site
static const struct keel_cj_member site_m[] = {
	KEEL_CJ_M(T, "drained", BOOL, drained),
	KEEL_CJ_NUL(T, "since", I64, since, has_since),
	KEEL_CJ_NUL(T, "reason", STR, reason, has_reason),
};
const struct keel_cj_obj keel_ctl_site_table = KEEL_CJ_OBJ_OF(T, site_m);
#undef T

#define T struct keel_ctl_iface
static const struct keel_cj_member iface_m[] = {
	KEEL_CJ_M(T, "ifname", STR, ifname),
	KEEL_CJ_M(T, "mode", STR, mode),
	KEEL_CJ_M(T, "attached", BOOL, attached),
};
static const struct keel_cj_obj iface_o = KEEL_CJ_OBJ_OF(T, iface_m);
#undef T

#define T struct keel_ctl_dataplane
static const struct keel_cj_member dataplane_m[] = {
	KEEL_CJ_OPT(T, "all_attached", BOOL, all_attached, has_all_attached),
	KEEL_CJ_ARRAY(T, "attached", ARR, attached, n_attached, &iface_o,
		      KEEL_MAX_IFACES),
	KEEL_CJ_M(T, "conn_entries", U64, conn_entries),
	KEEL_CJ_M(T, "conn_capacity", U64, conn_capacity),
	KEEL_CJ_NUL(T, "conn_insert_limit", U32, conn_insert_limit,
		    has_conn_insert_limit),
};
static const struct keel_cj_obj dataplane_o = KEEL_CJ_OBJ_OF(T, dataplane_m);
#undef T

#define T struct keel_ctl_loop
static const struct keel_cj_member loop_m[] = {
	KEEL_CJ_M(T, "stall_max_ms", REAL, stall_max_ms),
	KEEL_CJ_M(T, "stall_max_ms_since_start", REAL,
		  stall_max_ms_since_start),
	KEEL_CJ_M(T, "stalls_over_budget", U64, stalls_over_budget),
	KEEL_CJ_M(T, "budget_ms", U32, budget_ms),
	KEEL_CJ_M(T, "window_s", U32, window_s),
	KEEL_CJ_M(T, "heartbeat_ms", U32, heartbeat_ms),
};
static const struct keel_cj_obj loop_o = KEEL_CJ_OBJ_OF(T, loop_m);
#undef T

#define T struct keel_ctl_key_count
static const struct keel_cj_member key_m[] = {
	KEEL_CJ_M(T, "id", U32, id),
	KEEL_CJ_M(T, "reports", U64, reports),
};
static const struct keel_cj_obj key_o = KEEL_CJ_OBJ_OF(T, key_m);
#undef T

/* Results and keys are few (agent-protocol.md); the caps are generous. */
#define LBD_RESULTS_MAX 64
#define LBD_KEYS_MAX 64

#define T struct keel_ctl_agents
static const struct keel_cj_member agents_m[] = {
	KEEL_CJ_NUL(T, "listen", STR, listen, has_listen),
	KEEL_CJ_M(T, "filter", BOOL, filter),
	KEEL_CJ_M(T, "busy", BOOL, busy),
	KEEL_CJ_M(T, "interval_ms", U32, interval_ms),
	KEEL_CJ_M(T, "dead_after_ms", U32, dead_after_ms),
	KEEL_CJ_M(T, "keep_flows_ms", U32, keep_flows_ms),
	KEEL_CJ_M(T, "agents", U64, agents),
	KEEL_CJ_ARRAY(T, "reports", COUNTS, reports, n_reports, NULL,
		      LBD_RESULTS_MAX),
	KEEL_CJ_ARRAY(T, "keys", ARR, keys, n_keys, &key_o, LBD_KEYS_MAX),
	KEEL_CJ_M(T, "probes_not_run", U64, probes_not_run),
};
static const struct keel_cj_obj agents_o = KEEL_CJ_OBJ_OF(T, agents_m);
#undef T

#define T struct keel_ctl_last_reload
static const struct keel_cj_member last_reload_m[] = {
	KEEL_CJ_M(T, "ok", BOOL, ok),
	KEEL_CJ_M(T, "at", I64, at),
	KEEL_CJ_NUL(T, "error", STR, error, has_error),
};
static const struct keel_cj_obj last_reload_o =
	KEEL_CJ_OBJ_OF(T, last_reload_m);
#undef T

#define T struct keel_ctl_pair
static const struct keel_cj_member pair_m[] = {
	KEEL_CJ_M(T, "configured", BOOL, configured),
	KEEL_CJ_M(T, "synced", BOOL, synced),
	KEEL_CJ_NUL(T, "mode", STR, mode, has_mode),
	KEEL_CJ_NUL(T, "reason", STR, reason, has_reason),
};
static const struct keel_cj_obj pair_o = KEEL_CJ_OBJ_OF(T, pair_m);
#undef T

#define T struct keel_ctl_status
static const struct keel_cj_member status_m[] = {
	KEEL_CJ_M(T, "instance", STR, instance),
	KEEL_CJ_M(T, "generation", U64, generation),
	KEEL_CJ_M(T, "config", STR, config),
	KEEL_CJ_M(T, "last_reload", OBJ, last_reload, .sub = &last_reload_o),
	KEEL_CJ_OPT(T, "site", OBJ, site, has_site,
		    .sub = &keel_ctl_site_table),
	KEEL_CJ_OPT(T, "dataplane", OBJ, dataplane, has_dataplane,
		    .sub = &dataplane_o),
	KEEL_CJ_OPT(T, "loop", OBJ, loop, has_loop, .sub = &loop_o),
	KEEL_CJ_OPT(T, "agents", OBJ, agents, has_agents, .sub = &agents_o),
	KEEL_CJ_OPT(T, "pair", OBJ, pair, has_pair, .sub = &pair_o),
	KEEL_CJ_ARRAY(T, "services", ARR, services, n_services, &service_o,
		      KEEL_MAX_SERVICES,
		      .has_off = KEEL_CJ_HAS(T, has_services),
		      .flags = KEEL_CJ_SEEN),
};
static const struct keel_cj_obj status_o = KEEL_CJ_OBJ_OF(T, status_m);
#undef T

/* ---- the gate's view: only what bgp-announcer's gate reads ---- */

#define T struct keel_ctl_gate_real
static const struct keel_cj_member gate_real_m[] = {
	/* Open: a newer lbd's state is not up for the gate (KEEL_RS_UNKNOWN). */
	KEEL_CJ_M(T, "state", ENUM, state, .names = lbd_states,
		  .n_names = sizeof(lbd_states) / sizeof(lbd_states[0]),
		  .flags = KEEL_CJ_OPEN),
	KEEL_CJ_OPT(T, "usable", BOOL, usable, has_usable),
	KEEL_CJ_OPT(T, "sorry", BOOL, sorry, has_sorry),
};
static const struct keel_cj_obj gate_real_o = KEEL_CJ_OBJ_OF(T, gate_real_m);
#undef T

#define T struct keel_ctl_gate_service
static const struct keel_cj_member gate_service_m[] = {
	KEEL_CJ_M(T, "service", STR, service),
	KEEL_CJ_ARRAY(T, "reals", ARR, reals, n_reals, &gate_real_o,
		      KEEL_MAX_REALS, .has_off = KEEL_CJ_HAS(T, has_reals)),
};
static const struct keel_cj_obj gate_service_o =
	KEEL_CJ_OBJ_OF(T, gate_service_m);
#undef T

#define T struct keel_ctl_gate_iface
static const struct keel_cj_member gate_iface_m[] = {
	KEEL_CJ_M(T, "ifname", STR, ifname),
	KEEL_CJ_M(T, "attached", BOOL, attached),
};
static const struct keel_cj_obj gate_iface_o = KEEL_CJ_OBJ_OF(T, gate_iface_m);
#undef T

#define T struct keel_ctl_gate_dataplane
static const struct keel_cj_member gate_dataplane_m[] = {
	KEEL_CJ_OPT(T, "all_attached", BOOL, all_attached, has_all_attached),
	KEEL_CJ_ARRAY(T, "attached", ARR, attached, n_attached, &gate_iface_o,
		      KEEL_MAX_IFACES),
};
static const struct keel_cj_obj gate_dataplane_o =
	KEEL_CJ_OBJ_OF(T, gate_dataplane_m);
#undef T

#define T struct keel_ctl_gate_pair
static const struct keel_cj_member gate_pair_m[] = {
	KEEL_CJ_OPT(T, "synced", BOOL, synced, has_synced),
	KEEL_CJ_NUL(T, "reason", STR, reason, has_reason),
};
static const struct keel_cj_obj gate_pair_o = KEEL_CJ_OBJ_OF(T, gate_pair_m);
#undef T

#define T struct keel_ctl_gate_view
static const struct keel_cj_member gate_view_m[] = {
	KEEL_CJ_M(T, "generation", U64, generation),
	KEEL_CJ_OPT(T, "pair", OBJ, pair, has_pair, .sub = &gate_pair_o),
	KEEL_CJ_OPT(T, "site", OBJ, site, has_site,
		    .sub = &keel_ctl_site_table),
	KEEL_CJ_OPT(T, "dataplane", OBJ, dataplane, has_dataplane,
		    .sub = &gate_dataplane_o),
	KEEL_CJ_ARRAY(T, "services", ARR, services, n_services, &gate_service_o,
		      KEEL_MAX_SERVICES,
		      .has_off = KEEL_CJ_HAS(T, has_services)),
};
static const struct keel_cj_obj gate_view_o = KEEL_CJ_OBJ_OF(T, gate_view_m);
#undef T

#define T struct keel_ctl_pair_answer
static const struct keel_cj_member pair_answer_m[] = {
	KEEL_CJ_OPT(T, "pair", OBJ, pair, has_pair, .sub = &pair_o),
};
static const struct keel_cj_obj pair_answer_o =
	KEEL_CJ_OBJ_OF(T, pair_answer_m);
#undef T

#define T struct keel_ctl_services
static const struct keel_cj_member services_m[] = {
	KEEL_CJ_ARRAY(T, "services", ARR, services, n_services, &service_o,
		      KEEL_MAX_SERVICES),
};
static const struct keel_cj_obj services_o = KEEL_CJ_OBJ_OF(T, services_m);
#undef T

#define T struct keel_ctl_stats
static const struct keel_cj_member stats_m[] = {
	/* Names this side lacks are kept: a newer lbd's counters show. */
	KEEL_CJ_ARRAY(T, "counters", COUNTS, counters, n_counters, NULL,
		      KEEL_STATS_SLOTS),
	KEEL_CJ_M(T, "conn_entries", U64, conn_entries),
	KEEL_CJ_M(T, "conn_capacity", U64, conn_capacity),
	KEEL_CJ_NUL(T, "conn_insert_limit", U32, conn_insert_limit,
		    has_conn_insert_limit),
};
static const struct keel_cj_obj stats_o = KEEL_CJ_OBJ_OF(T, stats_m);
#undef T

#define T struct keel_ctl_site_answer
static const struct keel_cj_member site_answer_m[] = {
	KEEL_CJ_OPT(T, "site", OBJ, site, has_site,
		    .sub = &keel_ctl_site_table),
	KEEL_CJ_OPT(T, "dataplane", OBJ, dataplane, has_dataplane,
		    .sub = &dataplane_o),
};
static const struct keel_cj_obj site_answer_o =
	KEEL_CJ_OBJ_OF(T, site_answer_m);
#undef T

#define T struct keel_ctl_change
static const struct keel_cj_member change_m[] = {
	KEEL_CJ_M(T, "generation", U64, generation),
};
static const struct keel_cj_obj change_o = KEEL_CJ_OBJ_OF(T, change_m);
#undef T

#define T struct keel_ctl_changes
static const struct keel_cj_member changes_m[] = {
	KEEL_CJ_M(T, "services_added", U32, services_added),
	KEEL_CJ_M(T, "services_removed", U32, services_removed),
	KEEL_CJ_M(T, "services_changed", U32, services_changed),
	KEEL_CJ_M(T, "reals_added", U32, reals_added),
	KEEL_CJ_M(T, "reals_removed", U32, reals_removed),
	KEEL_CJ_M(T, "reals_changed", U32, reals_changed),
};
static const struct keel_cj_obj changes_o = KEEL_CJ_OBJ_OF(T, changes_m);
#undef T

#define T struct keel_ctl_reload
static const struct keel_cj_member reload_m[] = {
	KEEL_CJ_M(T, "generation", U64, generation),
	KEEL_CJ_OPT(T, "changes", OBJ, changes, has_changes, .sub = &changes_o),
};
static const struct keel_cj_obj reload_o = KEEL_CJ_OBJ_OF(T, reload_m);
#undef T

struct lbd_empty {
	char unused;
};
static const struct keel_cj_obj empty_o = { .size = sizeof(struct lbd_empty) };

KEEL_CJ_CODEC(keel_ctl_status, struct keel_ctl_status, status_o)
KEEL_CJ_FREE(keel_ctl_status_free, struct keel_ctl_status, status_o)
KEEL_CJ_FREE(keel_ctl_gate_view_free, struct keel_ctl_gate_view, gate_view_o)
KEEL_CJ_CODEC(keel_ctl_pair_answer, struct keel_ctl_pair_answer, pair_answer_o)
KEEL_CJ_CODEC(keel_ctl_services, struct keel_ctl_services, services_o)
KEEL_CJ_FREE(keel_ctl_services_free, struct keel_ctl_services, services_o)
KEEL_CJ_CODEC(keel_ctl_reals, struct keel_ctl_service, service_o)
KEEL_CJ_FREE(keel_ctl_service_free, struct keel_ctl_service, service_o)
KEEL_CJ_CODEC(keel_ctl_stats, struct keel_ctl_stats, stats_o)
KEEL_CJ_FREE(keel_ctl_stats_free, struct keel_ctl_stats, stats_o)
KEEL_CJ_CODEC(keel_ctl_site, struct keel_ctl_site_answer, site_answer_o)
KEEL_CJ_FREE(keel_ctl_site_free, struct keel_ctl_site_answer, site_answer_o)
KEEL_CJ_CODEC(keel_ctl_change, struct keel_ctl_change, change_o)
KEEL_CJ_CODEC(keel_ctl_reload, struct keel_ctl_reload, reload_o)

int keel_ctl_empty_encode(char *buf, size_t size)
{
	struct lbd_empty e = { 0 };

	return keel_cj_answer_encode(&empty_o, &e, buf, size);
}

int keel_ctl_empty_parse(const char *line, size_t len, char *err, size_t errlen)
{
	struct lbd_empty e;

	return keel_cj_answer_parse(&empty_o, line, len, &e, err, errlen);
}

int keel_ctl_status_gate_parse(const char *line, size_t len,
			       struct keel_ctl_gate_view *out, char *err,
			       size_t errlen)
{
	return keel_cj_answer_parse(&gate_view_o, line, len, out, err, errlen);
}

/* ---- pair.status ---- */

const char *const keel_ctl_pair_link_names[KEEL_CTL_LINK__MAX] = {
	[KEEL_CTL_LINK_NEVER] = "never",
	[KEEL_CTL_LINK_DOWN] = "down",
	[KEEL_CTL_LINK_ONE_WAY] = "one-way",
	[KEEL_CTL_LINK_UP] = "up",
};

#define T struct keel_ctl_pair_rejected
static const struct keel_cj_member pair_rejected_m[] = {
	KEEL_CJ_M(T, "malformed", U64, malformed),
	KEEL_CJ_M(T, "version", U64, version),
	KEEL_CJ_M(T, "auth", U64, auth),
	KEEL_CJ_M(T, "replay", U64, replay),
	KEEL_CJ_M(T, "wrong_peer", U64, wrong_peer),
	KEEL_CJ_M(T, "no_session", U64, no_session),
	KEEL_CJ_M(T, "unexpected", U64, unexpected),
};
static const struct keel_cj_obj pair_rejected_o =
	KEEL_CJ_OBJ_OF(T, pair_rejected_m);
#undef T

#define T struct keel_ctl_pair_hello
static const struct keel_cj_member pair_hello_m[] = {
	KEEL_CJ_M(T, "node_id", U32, node_id),
	KEEL_CJ_M(T, "synced", BOOL, synced),
	KEEL_CJ_M(T, "bulk", BOOL, bulk),
	KEEL_CJ_M(T, "alone", BOOL, alone),
	KEEL_CJ_M(T, "conns", U64, conns),
};
static const struct keel_cj_obj pair_hello_o = KEEL_CJ_OBJ_OF(T, pair_hello_m);
#undef T

#define T struct keel_ctl_pair_peer
static const struct keel_cj_member pair_peer_m[] = {
	KEEL_CJ_M(T, "name", STR, name),
	KEEL_CJ_M(T, "address", STR, address),
	KEEL_CJ_M(T, "link", ENUM, link, .names = keel_ctl_pair_link_names,
		  .n_names = KEEL_CTL_LINK__MAX),
	KEEL_CJ_NUL(T, "since", I64, since, has_since),
	KEEL_CJ_NUL(T, "rtt_ms", REAL, rtt_ms, has_rtt_ms),
	KEEL_CJ_NUL(T, "clock_skew_ms", REAL, clock_skew_ms, has_clock_skew_ms),
	KEEL_CJ_NUL(T, "sync_lag_ms", REAL, sync_lag_ms, has_sync_lag_ms),
	KEEL_CJ_M(T, "records_sent", U64, records_sent),
	KEEL_CJ_M(T, "records_received", U64, records_received),
	KEEL_CJ_M(T, "datagrams_sent", U64, datagrams_sent),
	KEEL_CJ_M(T, "datagrams_received", U64, datagrams_received),
	KEEL_CJ_M(T, "rejected", OBJ, rejected, .sub = &pair_rejected_o),
	KEEL_CJ_M(T, "rx_gaps", U64, rx_gaps),
	KEEL_CJ_M(T, "peer_not_ready", U64, peer_not_ready),
	KEEL_CJ_NUL(T, "peer", OBJ, peer, has_peer, .sub = &pair_hello_o),
};
static const struct keel_cj_obj pair_peer_o = KEEL_CJ_OBJ_OF(T, pair_peer_m);
#undef T

#define T struct keel_ctl_pair_body
static const struct keel_cj_member pair_body_m[] = {
	KEEL_CJ_M(T, "configured", BOOL, configured),
	KEEL_CJ_OPT(T, "node_id", U32, node_id, has_node_id),
	KEEL_CJ_OPT(T, "listen", STR, listen, has_listen),
	KEEL_CJ_OPT(T, "unknown_source", U64, unknown_source,
		    has_unknown_source),
	KEEL_CJ_OPT(T, "rx_overflow", U64, rx_overflow, has_rx_overflow),
	KEEL_CJ_ARRAY(T, "peers", ARR, peers, n_peers, &pair_peer_o,
		      KEEL_CTL_PAIR_PEERS_MAX,
		      .has_off = KEEL_CJ_HAS(T, has_peers)),
};
static const struct keel_cj_obj pair_body_o = KEEL_CJ_OBJ_OF(T, pair_body_m);
#undef T

#define T struct keel_ctl_pair_status
static const struct keel_cj_member pair_status_m[] = {
	KEEL_CJ_M(T, "pair", OBJ, pair, .sub = &pair_body_o),
};
static const struct keel_cj_obj pair_status_o =
	KEEL_CJ_OBJ_OF(T, pair_status_m);
#undef T

KEEL_CJ_CODEC(keel_ctl_pair_status, struct keel_ctl_pair_status, pair_status_o)
KEEL_CJ_FREE(keel_ctl_pair_status_free, struct keel_ctl_pair_status,
	     pair_status_o)
