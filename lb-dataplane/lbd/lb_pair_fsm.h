/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_pair_fsm - when this LB counts as "synced" (docs/pair.md, "When an
 * LB counts as synced"; DESIGN-11 section 4.2), pure: an event goes in
 * with the time, the next state and the actions come out.  No I/O, no
 * clock, no logging: lbd (lbd_pair_fsm.c) feeds it and does what the
 * actions say; announcers gate on the synced flag of lbd's status.
 *
 * The table (lb_pair_fsm_event() implements it, test_lb_pair_fsm.c has a
 * row for each line):
 *
 * state    | event                                  | next            | actions
 * ---------+----------------------------------------+-----------------+---------------
 * START    | START, not configured (no pair:)       | SINGLE          | SYNCED
 * START    | START, adopted maps fresh (sync flag   | SYNCED(adopted) | SYNCED, RESYNC
 *          |   on, now - alive_s <= 10 s)           |                 |
 * START    | START, otherwise                       | WAITING         |
 * WAITING  | SESSION_UP(p)                          | BULK(p)         | BULK_START
 * WAITING  | TICK, no session for alone_after       | SYNCED(alone)   | SYNCED
 * BULK(p)  | SESSION_UP(q), q's HELLO says SYNCED,  | BULK(q)         | BULK_ABANDON,
 *          |   p's did not, or p's session is down  |                 |   BULK_START
 * BULK(p)  | SESSION_UP(p) while paused             | BULK(p)         | BULK_RESUME
 * BULK(p)  | SESSION_DOWN(p)                        | BULK(p) paused  |
 * BULK(p)  | PROGRESS(p)                            | BULK(p)         | (reason moves)
 * BULK(p)  | LAST(p) applied                        | SYNCED(bulk)    | SYNCED
 * BULK(p)  | TICK, no progress (or paused) for      | SYNCED(partial) | SYNCED,
 *          |   alone_after                          |                 |   BULK_ABANDON, ERROR
 * START,   | FORCE(reason)                          | SYNCED(forced)  | SYNCED,
 * WAITING, |                                        |                 |   BULK_ABANDON if BULK
 * BULK     |                                        |                 |
 * SINGLE   | RELOAD_ON (pair: added by a reload)    | SYNCED(single)  | SYNCED, RESYNC
 * any      | RELOAD_OFF (pair: removed)             | SINGLE          | BULK_ABANDON if BULK
 * SYNCED   | anything else                          | SYNCED          | never lowered
 * SINGLE   | anything else                          | SINGLE          |
 * any      | anything else                          | unchanged       |
 *
 * alone_after 0 is "never": no TICK row fires.  Events of a peer that is
 * not the bulk's (PROGRESS, LAST, SESSION_DOWN of another) change nothing.
 * A RESYNC action asks for a background bulk that does not lower synced.
 */
#ifndef LB_PAIR_FSM_H
#define LB_PAIR_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How fresh adopted maps must be to count as synced: alive_s is on the
 * conn table's seen clock, units of 2^30 ns (~1.07 s), so ~10.7 s.
 */
#define LB_PAIR_ADOPT_FRESH_S 10
#define LB_PAIR_PEER_NAME_MAX 33 /* lb_config.h's LB_CFG_PEER_NAME_MAX */
/* The operator's reason: keel_ctl's KEEL_CTL_REASON_MAX (a request). */
#define LB_PAIR_FORCE_REASON_MAX 256
#define LB_PAIR_REASON_MAX 320 /* lb_pair_fsm_reason()'s longest */

enum lb_pair_state {
	LB_PAIR_START, /* before the START event */
	LB_PAIR_SINGLE, /* no pair: counts as synced */
	LB_PAIR_WAITING,
	LB_PAIR_BULK,
	LB_PAIR_SYNCED,
	LB_PAIR__STATES,
};

/* How it became synced (status "mode"); NONE while it is not. */
enum lb_pair_mode {
	LB_PAIR_M_NONE,
	LB_PAIR_M_ADOPTED,
	LB_PAIR_M_ALONE,
	LB_PAIR_M_BULK,
	LB_PAIR_M_PARTIAL,
	LB_PAIR_M_FORCED,
	LB_PAIR_M_SINGLE,
	LB_PAIR_M__MAX,
};

enum lb_pair_ev_type {
	LB_PAIR_EV_START, /* configured, fresh */
	LB_PAIR_EV_SESSION_UP, /* peer, peer_name, peer_synced */
	LB_PAIR_EV_SESSION_DOWN, /* peer */
	LB_PAIR_EV_PROGRESS, /* peer, done, total */
	LB_PAIR_EV_LAST, /* peer, done */
	LB_PAIR_EV_TICK, /* the time only */
	LB_PAIR_EV_FORCE, /* reason */
	LB_PAIR_EV_RELOAD_ON,
	LB_PAIR_EV_RELOAD_OFF,
	LB_PAIR_EV__MAX,
};

struct lb_pair_ev {
	enum lb_pair_ev_type type;
	uint64_t now_ms; /* monotonic */
	bool configured, fresh; /* START */
	int peer; /* the peer's index in pair.peers[] */
	const char *peer_name; /* SESSION_UP: for the reason text */
	bool peer_synced; /* SESSION_UP: its HELLO has the SYNCED flag */
	uint64_t done; /* PROGRESS, LAST: entries applied so far */
	uint64_t total; /* PROGRESS: the peer's table (HELLO), 0 unknown */
	const char *reason; /* FORCE: the operator's */
};

/* What the caller does (bits). */
enum lb_pair_action {
	LB_PAIR_ACT_SYNCED = 1u << 0, /* became synced now: log reason */
	LB_PAIR_ACT_BULK_START = 1u << 1, /* ask fsm.peer from cursor 0 */
	LB_PAIR_ACT_BULK_RESUME = 1u
				  << 2, /* ask fsm.peer from the last cursor */
	LB_PAIR_ACT_BULK_ABANDON = 1u << 3, /* stop asking the previous peer */
	LB_PAIR_ACT_RESYNC = 1u << 4, /* a background bulk, synced stays */
	LB_PAIR_ACT_ERROR = 1u << 5, /* log the reason as an error */
};

struct lb_pair_fsm {
	enum lb_pair_state state;
	enum lb_pair_mode mode;
	uint32_t alone_after_ms; /* 0: never */
	uint64_t since_ms; /* in this state since */
	uint64_t progress_ms; /* BULK: last progress, (re)start or pause */
	uint64_t bulk_ms; /* BULK: started (for its seconds) */
	int peer; /* BULK, SYNCED(bulk, partial): whose */
	bool peer_synced; /* BULK: its HELLO said SYNCED */
	bool paused; /* BULK: its session is down */
	uint64_t done, total; /* BULK: entries applied, the peer's table */
	char peer_name[LB_PAIR_PEER_NAME_MAX];
	char force_reason[LB_PAIR_FORCE_REASON_MAX];
};

/* Zeroed, in START, with alone_after (ms, 0: never). */
void lb_pair_fsm_init(struct lb_pair_fsm *f, uint32_t alone_after_ms);
/* One event; the actions (enum lb_pair_action bits). */
unsigned int lb_pair_fsm_event(struct lb_pair_fsm *f,
			       const struct lb_pair_ev *ev);
/* SINGLE and SYNCED count as synced; the others do not. */
bool lb_pair_fsm_synced(const struct lb_pair_fsm *f);
/*
 * The adopted maps' freshness (START's fresh): sync on and lbd's last
 * heartbeat (alive_s, on the conn table's clock) at most
 * LB_PAIR_ADOPT_FRESH_S before now_s.  alive_s 0: never written.
 */
bool lb_pair_fsm_fresh(bool adopted, bool sync_on, uint32_t alive_s,
		       uint32_t now_s);
/* "waiting", "bulk", ...; "adopted", "alone", ... ("?" out of range). */
const char *lb_pair_state_name(enum lb_pair_state s);
/* NULL for NONE (status "mode": null). */
const char *lb_pair_mode_name(enum lb_pair_mode m);
/*
 * Why it is in its state at now_ms, for people ("bulk from lb2: 61%
 * (4.1 s)"): always one printable line; cut at size - 1.
 */
void lb_pair_fsm_reason(const struct lb_pair_fsm *f, uint64_t now_ms, char *buf,
			size_t size);

#endif /* LB_PAIR_FSM_H */
