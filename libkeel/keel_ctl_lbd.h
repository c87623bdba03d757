/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_ctl_lbd - lbd's control answers (docs/control-protocol.md): structs
 * <-> JSON lines, written by lbd and read by lbctl and bgp-announcer.
 * Pure (keel_ctl_json.h): encoders write (buf, size) and return the
 * bytes before the NUL or -ENOSPC; parsers return 0, -EBADMSG, -ERANGE or
 * -ENOMEM with err filled and out zeroed; *_free() releases what a
 * parse allocated (the services and reals arrays, the counters).
 *
 * Compatibility (a rolling upgrade mixes lbd, lbctl and announcer
 * versions): members a newer lbd adds are ignored; a member an older lbd
 * lacks leaves its has_* flag false, or its value zero.  What a reader
 * must assume then, as the readers of today do:
 * - no "usable" (has_usable false): the state alone says whether the
 *   real may carry flows;
 * - no "site" (has_site false): not drained;
 * - no "all_attached" (has_all_attached false): not attached;
 * - no "reals" nor "real_count" on a service: nothing known of its reals;
 * - no "conn_insert_limit", "loop", "agents": not shown;
 * - no "pair" (has_pair false): an lbd from before the LB pair, which
 *   counts as synced (docs/pair.md, "Gating").
 * The encoders write exactly the members lbd writes, in its order, with
 * its null-or-absent choices; the golden lines in
 * tests/unit/keel/test_keel_ctl_lbd.c pin them, so change one only with
 * docs/control-protocol.md.
 */
#ifndef KEEL_CTL_LBD_H
#define KEEL_CTL_LBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keel_ctl.h"
#include "keel_ctl_json.h"

#define KEEL_CTL_NAME_MAX 64 /* instance, agents.listen */
#define KEEL_CTL_PATH_MAX 4096 /* config */
#define KEEL_CTL_IFNAME_MAX 16 /* IFNAMSIZ */
#define KEEL_CTL_CHECK_MAX 128 /* a probe's detail */
#define KEEL_CTL_ERROR_MAX 512 /* last_reload.error */

struct keel_ctl_admin {
	bool drain, down;
	bool has_weight; /* null: no override */
	uint32_t weight;
};

struct keel_ctl_real {
	char real[KEEL_CTL_REAL_MAX];
	uint32_t id, weight, effective_weight;
	uint8_t state; /* KEEL_RS_*: "unknown", "up", "down", "draining" */
	char source[16]; /* config, admin, agent, agent-silent, ... */
	char health[8]; /* none, agent, tcp, http */
	uint32_t configured_weight;
	/* Agent health only: null before the first accepted report. */
	bool has_report_age_ms, has_conns, has_load, has_agent_restarts;
	bool has_agent_protocol, has_agent_boot;
	uint64_t report_age_ms;
	uint32_t conns;
	double load;
	uint64_t agent_restarts;
	uint32_t agent_protocol;
	uint64_t agent_boot;
	bool has_check; /* tcp/http health: the last probe's detail */
	char check[KEEL_CTL_CHECK_MAX];
	struct keel_ctl_admin admin;
	bool has_mac, has_ifname; /* null until resolved */
	char mac[18];
	bool mac_resolved;
	char ifname[KEEL_CTL_IFNAME_MAX];
	uint32_t ring_entries;
	bool has_usable; /* false: an lbd from before "usable" */
	bool usable;
	/* A sorry server (docs/config.md); lbd sends the member only for one. */
	bool has_sorry, sorry;
	uint64_t packets, bytes, new_flows;
	double pps, fps;
};

/* How many of a service's reals are in each state (the summary form). */
struct keel_ctl_real_count {
	uint32_t total, up, draining, down, unknown, usable, up_usable,
		selectable;
};

struct keel_ctl_service {
	char service[KEEL_CTL_SERVICE_MAX];
	bool persistent;
	uint32_t ring_size;
	uint64_t packets, bytes, new_flows;
	double pps, fps;
	bool load_aware;
	bool has_real_count; /* services, status with summary */
	struct keel_ctl_real_count real_count;
	bool has_reals; /* status, reals */
	struct keel_ctl_real *reals;
	size_t n_reals;
};

struct keel_ctl_site {
	bool drained;
	bool has_since; /* null: not drained, or a drain written by hand */
	int64_t since; /* unix seconds */
	bool has_reason;
	char reason[KEEL_CTL_REASON_MAX];
};

struct keel_ctl_iface {
	char ifname[KEEL_CTL_IFNAME_MAX];
	char mode[16]; /* native, generic */
	bool attached;
};

struct keel_ctl_dataplane {
	bool has_all_attached; /* false: an lbd from before: not attached */
	bool all_attached;
	struct keel_ctl_iface *attached;
	size_t n_attached;
	uint64_t conn_entries, conn_capacity;
	bool has_conn_insert_limit; /* null: unreadable; absent: older lbd */
	uint32_t conn_insert_limit;
};

struct keel_ctl_loop {
	double stall_max_ms, stall_max_ms_since_start;
	uint64_t stalls_over_budget;
	uint32_t budget_ms, window_s, heartbeat_ms;
};

struct keel_ctl_key_count {
	uint32_t id;
	uint64_t reports;
};

struct keel_ctl_agents {
	bool has_listen; /* null: no receiver */
	char listen[KEEL_CTL_NAME_MAX];
	bool filter, busy;
	uint32_t interval_ms, dead_after_ms, keep_flows_ms;
	uint64_t agents;
	/* By result name (agent-protocol.md), as lbd sends them. */
	struct keel_ctl_count *reports;
	size_t n_reports;
	struct keel_ctl_key_count *keys;
	size_t n_keys;
	uint64_t probes_not_run;
};

struct keel_ctl_last_reload {
	bool ok;
	int64_t at;
	bool has_error;
	char error[KEEL_CTL_ERROR_MAX];
};

/*
 * status's "pair" (docs/pair.md, "When an LB counts as synced"): without
 * pair: in lbd's config {"configured": false, "synced": true, "mode":
 * "single", "reason": null}.  mode is null while not synced; a mode a
 * newer lbd adds is kept as written (an open set).
 */
#define KEEL_CTL_PAIR_MODE_MAX 16
struct keel_ctl_pair {
	bool configured, synced;
	bool has_mode; /* null: not synced */
	char mode[KEEL_CTL_PAIR_MODE_MAX]; /* adopted, alone, bulk, ... */
	bool has_reason;
	char reason[KEEL_CTL_REASON_MAX]; /* for people, one line */
};

/* status: {"instance", ..., "services": [...], "ok": true} */
struct keel_ctl_status {
	char instance[KEEL_CTL_NAME_MAX];
	uint64_t generation;
	char config[KEEL_CTL_PATH_MAX];
	struct keel_ctl_last_reload last_reload;
	bool has_site;
	struct keel_ctl_site site;
	bool has_dataplane;
	struct keel_ctl_dataplane dataplane;
	bool has_loop;
	struct keel_ctl_loop loop;
	bool has_agents;
	struct keel_ctl_agents agents;
	bool has_pair; /* false: an lbd from before the pair: synced */
	struct keel_ctl_pair pair;
	/*
	 * Parse only: the answer had "services" (every lbd writes it, so
	 * bgp-announcer's gate refuses an answer without); always encoded.
	 */
	bool has_services;
	struct keel_ctl_service *services;
	size_t n_services;
};

/*
 * bgp-announcer's gate: the members of status it reads, and no other
 * (docs/bgp-announcer.md, "Health gating").  Those are typed as in
 * struct keel_ctl_status (a wrong type is refused: the gate withdraws);
 * every other member (agents, loop, last_reload, a real's load, check,
 * agent_*, ...) is display only and ignored whatever its type, so a
 * mistake in one of them cannot withdraw a site's prefixes.  A real's
 * state not in the set reads KEEL_RS_UNKNOWN (not up), the rest of the
 * answer still counts.  Of "pair" only synced and reason are read
 * (configured, mode: display only).
 */
struct keel_ctl_gate_real {
	uint8_t state; /* KEEL_RS_*; missing or unknown: KEEL_RS_UNKNOWN */
	bool has_usable; /* false: an lbd from before "usable" */
	bool usable;
	bool has_sorry, sorry; /* a sorry server is not serving capacity */
};

struct keel_ctl_gate_service {
	char service[KEEL_CTL_SERVICE_MAX];
	bool has_reals;
	struct keel_ctl_gate_real *reals;
	size_t n_reals;
};

struct keel_ctl_gate_iface {
	char ifname[KEEL_CTL_IFNAME_MAX];
	bool attached;
};

struct keel_ctl_gate_dataplane {
	bool has_all_attached; /* false: an lbd from before: not attached */
	bool all_attached;
	struct keel_ctl_gate_iface *attached;
	size_t n_attached;
};

/*
 * The pair as the gate reads it: synced and reason, typed (a wrong type
 * is refused, as site's members are); a pair without synced is not
 * synced (fail safe); no pair at all: an older lbd, synced.
 */
struct keel_ctl_gate_pair {
	bool has_synced;
	bool synced;
	bool has_reason;
	char reason[KEEL_CTL_REASON_MAX];
};

struct keel_ctl_gate_view {
	uint64_t generation;
	bool has_pair;
	struct keel_ctl_gate_pair pair;
	bool has_site;
	struct keel_ctl_site site;
	bool has_dataplane;
	struct keel_ctl_gate_dataplane dataplane;
	bool has_services; /* false: refused by the gate */
	struct keel_ctl_gate_service *services;
	size_t n_services;
};

/* pair.synced: {"pair": {...}} (status's pair after the request). */
struct keel_ctl_pair_answer {
	bool has_pair;
	struct keel_ctl_pair pair;
};

/* services: {"services": [service without reals, with real_count]} */
struct keel_ctl_services {
	struct keel_ctl_service *services;
	size_t n_services;
};

/* stats: {"counters": {name: N}, "conn_entries", ...} */
struct keel_ctl_stats {
	struct keel_ctl_count *counters; /* KEEL_CNT_NAMES, as lbd sends */
	size_t n_counters;
	uint64_t conn_entries, conn_capacity;
	bool has_conn_insert_limit;
	uint32_t conn_insert_limit;
};

/* site.status, site.drain, site.undrain: {"site", "dataplane"} */
struct keel_ctl_site_answer {
	bool has_site;
	struct keel_ctl_site site;
	bool has_dataplane;
	struct keel_ctl_dataplane dataplane;
};

/* The commands that change state: {"generation": N} */
struct keel_ctl_change {
	uint64_t generation;
};

struct keel_ctl_changes {
	uint32_t services_added, services_removed, services_changed;
	uint32_t reals_added, reals_removed, reals_changed;
};

/* reload: {"generation": N, "changes": {...}} */
struct keel_ctl_reload {
	uint64_t generation;
	bool has_changes;
	struct keel_ctl_changes changes;
};

/* site's members: bgp-announcer's status repeats lbd's (keel_ctl_bgpa). */
extern const struct keel_cj_obj keel_ctl_site_table;

/* The names of a real's state, indexed by KEEL_RS_*. */
const char *keel_ctl_state_name(uint8_t state);

int keel_ctl_status_encode(char *buf, size_t size,
			   const struct keel_ctl_status *in);
int keel_ctl_status_parse(const char *line, size_t len,
			  struct keel_ctl_status *out, char *err,
			  size_t errlen);
void keel_ctl_status_free(struct keel_ctl_status *s);

/* status as the gate reads it: parse only (lbd encodes the full status). */
int keel_ctl_status_gate_parse(const char *line, size_t len,
			       struct keel_ctl_gate_view *out, char *err,
			       size_t errlen);
void keel_ctl_gate_view_free(struct keel_ctl_gate_view *v);

int keel_ctl_pair_answer_encode(char *buf, size_t size,
				const struct keel_ctl_pair_answer *in);
int keel_ctl_pair_answer_parse(const char *line, size_t len,
			       struct keel_ctl_pair_answer *out, char *err,
			       size_t errlen);

int keel_ctl_services_encode(char *buf, size_t size,
			     const struct keel_ctl_services *in);
int keel_ctl_services_parse(const char *line, size_t len,
			    struct keel_ctl_services *out, char *err,
			    size_t errlen);
void keel_ctl_services_free(struct keel_ctl_services *s);

/* reals: one service, with its reals, as the answer's own members. */
int keel_ctl_reals_encode(char *buf, size_t size,
			  const struct keel_ctl_service *in);
int keel_ctl_reals_parse(const char *line, size_t len,
			 struct keel_ctl_service *out, char *err,
			 size_t errlen);
void keel_ctl_service_free(struct keel_ctl_service *s);

int keel_ctl_stats_encode(char *buf, size_t size,
			  const struct keel_ctl_stats *in);
int keel_ctl_stats_parse(const char *line, size_t len,
			 struct keel_ctl_stats *out, char *err, size_t errlen);
void keel_ctl_stats_free(struct keel_ctl_stats *s);

int keel_ctl_site_encode(char *buf, size_t size,
			 const struct keel_ctl_site_answer *in);
int keel_ctl_site_parse(const char *line, size_t len,
			struct keel_ctl_site_answer *out, char *err,
			size_t errlen);
void keel_ctl_site_free(struct keel_ctl_site_answer *s);

int keel_ctl_change_encode(char *buf, size_t size,
			   const struct keel_ctl_change *in);
int keel_ctl_change_parse(const char *line, size_t len,
			  struct keel_ctl_change *out, char *err,
			  size_t errlen);

int keel_ctl_reload_encode(char *buf, size_t size,
			   const struct keel_ctl_reload *in);
int keel_ctl_reload_parse(const char *line, size_t len,
			  struct keel_ctl_reload *out, char *err,
			  size_t errlen);

/* shutdown, and bgp-announcer's reload: {"ok": true} alone. */
int keel_ctl_empty_encode(char *buf, size_t size);
int keel_ctl_empty_parse(const char *line, size_t len, char *err,
			 size_t errlen);

/*
 * pair.status (docs/pair.md, "Status"): the LB pair's sessions.  An lbd
 * without pair: answers {"pair": {"configured": false}} and nothing else.
 */
#define KEEL_CTL_PAIR_PEERS_MAX 8
enum keel_ctl_pair_link {
	KEEL_CTL_LINK_NEVER, /* no fresh HELLO ever */
	KEEL_CTL_LINK_DOWN, /* none within dead_after */
	KEEL_CTL_LINK_ONE_WAY, /* heard, but the peer does not hear us */
	KEEL_CTL_LINK_UP,
	KEEL_CTL_LINK__MAX
};

/* Datagrams from a peer's address refused, by the check that refused. */
struct keel_ctl_pair_rejected {
	uint64_t malformed, version, auth, replay, wrong_peer, no_session,
		unexpected;
};

/* What the peer's latest HELLO said of itself. */
struct keel_ctl_pair_hello {
	uint32_t node_id;
	bool synced, bulk, alone;
	uint64_t conns;
};

struct keel_ctl_pair_peer {
	char name[KEEL_CTL_NAME_MAX];
	char address[KEEL_CTL_NAME_MAX];
	uint8_t link; /* enum keel_ctl_pair_link */
	bool has_since; /* null: never changed */
	int64_t since; /* unix seconds the link took its state */
	bool has_rtt_ms, has_clock_skew_ms, has_sync_lag_ms;
	double rtt_ms;
	double clock_skew_ms; /* peer's wall clock minus ours */
	double sync_lag_ms; /* last FLOWS' queue age + RTT/2 */
	uint64_t records_sent, records_received;
	uint64_t datagrams_sent, datagrams_received;
	struct keel_ctl_pair_rejected rejected;
	uint64_t rx_gaps, peer_not_ready;
	bool has_peer; /* null: no HELLO taken yet */
	struct keel_ctl_pair_hello peer;
};

struct keel_ctl_pair_body {
	bool configured;
	bool has_node_id, has_listen; /* with configured */
	uint32_t node_id;
	char listen[KEEL_CTL_NAME_MAX];
	bool has_unknown_source, has_rx_overflow;
	uint64_t unknown_source; /* datagrams from no peer's address */
	uint64_t rx_overflow; /* dropped by the kernel (SO_RXQ_OVFL) */
	bool has_peers;
	struct keel_ctl_pair_peer *peers;
	size_t n_peers;
};

struct keel_ctl_pair_status {
	struct keel_ctl_pair_body pair;
};

extern const char *const keel_ctl_pair_link_names[KEEL_CTL_LINK__MAX];
int keel_ctl_pair_status_encode(char *buf, size_t size,
				const struct keel_ctl_pair_status *in);
int keel_ctl_pair_status_parse(const char *line, size_t len,
			       struct keel_ctl_pair_status *out, char *err,
			       size_t errlen);
void keel_ctl_pair_status_free(struct keel_ctl_pair_status *s);

#endif /* KEEL_CTL_LBD_H */
