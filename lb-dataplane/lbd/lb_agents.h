/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_agents - the pure half of lbd's report receiver
 * (docs/agent-protocol.md, "What lbd does with a datagram"): the keys it
 * verifies with, the table of agents it accepts reports from (one per
 * real address configured with agent health) and the verdict on one
 * datagram.  No I/O, no clock, no logging: lbd_rx.c owns the socket,
 * time and logs.  And one agent's own logic: its verdict on a service,
 * its deadlines, accepting a report.
 */
#ifndef LB_AGENTS_H
#define LB_AGENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keel_maps.h"
#include "keel_report.h"

/*
 * One agent (one real address) as lbd tracks it: replay guard and the
 * last authenticated report.  Zeroed = never heard from.
 */
struct lb_agent {
	uint8_t family;
	__be32 addr[4];
	struct keel_replay replay;
	bool heard;
	uint64_t last_ms; /* monotonic ms of the last accepted report */
	struct keel_report last;
};

/*
 * The agent's verdict for service k at now_ms.  Until the first report,
 * UNKNOWN while now_ms < start_ms + dead_after_ms (lbd's start or when the
 * real was added), then DOWN with *timeout (DRAINING for keep_ms first
 * when had_flows: lbd started over a data plane that had the real UP or
 * DRAINING, so its flows exist).  After a report, once
 * now_ms - last_ms > dead_after_ms (*timeout set): DRAINING for keep_ms
 * more if the last report had k UP or DRAINING (its flows stay through an
 * agent restart), else DOWN.  Otherwise the report's state for k
 * (port-exact match on vip, port, protocol), DOWN if the report does not
 * list k.  *conns: the reported connections for k (0 if none or silent).
 */
uint8_t lb_agent_verdict(const struct lb_agent *a, const struct keel_vip_key *k,
			 uint64_t now_ms, uint64_t start_ms,
			 uint32_t dead_after_ms, uint32_t keep_ms,
			 bool had_flows, bool *timeout, uint32_t *conns);

/*
 * The first time after now_ms at which lb_agent_verdict() (same
 * arguments) may answer otherwise without a new report: dead_after or
 * keep_ms passing.  UINT64_MAX when only a report can change it.  lbd
 * re-evaluates a real then instead of on every tick.
 */
uint64_t lb_agent_deadline(const struct lb_agent *a,
			   const struct keel_vip_key *k, uint64_t now_ms,
			   uint64_t start_ms, uint32_t dead_after_ms,
			   uint32_t keep_ms, bool had_flows);
/*
 * A deadline of one of a's reals, set when a's last report was at
 * sched_ms (0: none), reached at now_ms: true when only the deadline
 * moves (a report came since, which changed nothing or it would have been
 * evaluated, and the agent is not silent now); false when the real must
 * be evaluated.  A deadline acted on late (a held loop) after the agent
 * fell silent is evaluated: moving it from now would skip the silence.
 */
bool lb_agent_deadline_moves(const struct lb_agent *a, uint64_t sched_ms,
			     uint64_t now_ms, uint32_t dead_after_ms);

/*
 * Accept an authenticated report (keel_report_parse() returned 0) for
 * agent a at now_ms: -EALREADY if replayed/reordered (keel_replay_check),
 * else 0 and it becomes a->last.
 */
int lb_agent_accept(struct lb_agent *a, const struct keel_report *r,
		    uint64_t now_ms);

/*
 * What became of one datagram; the first failing check decides, in this
 * order (the cheap ones first: only a datagram that passes every check
 * before LB_AGENTS_RX_BAD_MAC costs an HMAC).
 */
enum lb_agents_result {
	LB_AGENTS_RX_OK = 0,
	LB_AGENTS_RX_MALFORMED, /* not a report (-EBADMSG), before or after the MAC */
	LB_AGENTS_RX_VERSION, /* a version this lbd does not know */
	LB_AGENTS_RX_UNKNOWN_SOURCE, /* not sent from a real with agent health */
	LB_AGENTS_RX_WRONG_REAL, /* names another real than its source address */
	LB_AGENTS_RX_REPLAY, /* this boot's sequence is not above the last */
	LB_AGENTS_RX_OLD_BOOT, /* an earlier boot than the last accepted one */
	LB_AGENTS_RX_DOWNGRADE, /* version 1 from an agent heard in version 2 */
	LB_AGENTS_RX_RATE_LIMITED, /* unlikely header, verification budget spent */
	LB_AGENTS_RX_BAD_MAC, /* unknown key id, or the MAC does not verify */
	LB_AGENTS_RX__MAX,
};

/* "ok", "malformed", ... (metric labels, logs); "?" out of range. */
const char *lb_agents_result_name(unsigned int result);

#define LB_AGENTS_KEYS_MAX 2 /* the current key and, rotating, the previous */

struct lb_agents_key {
	uint32_t id;
	uint8_t key[KEEL_REPORT_KEY_LEN];
	struct keel_report_mac_key mk; /* lb_agents_key_init() */
	uint64_t reports; /* accepted under this key */
};

/* After setting id and key: prepare the key for verification. */
void lb_agents_key_init(struct lb_agents_key *k);

struct lb_agent_slot {
	struct lb_agent a; /* address, replay guard, last report */
	uint64_t accepted; /* reports */
	uint64_t boots; /* boot changes after the first report */
	/* Set by each accepted report, for lbd to act at once or later: */
	uint64_t states; /* digest of the services and their states */
	uint64_t prev_ms; /* last_ms before this report (0: first) */
	bool changed; /* states differ from the previous report's */
};

/*
 * After slot's report accepted at now_ms: whether it may change a real
 * at once (evaluate now, not at the next timer): the agent's first
 * report, its states changed, or it had been silent past dead_after_ms.
 */
bool lb_agent_urgent(const struct lb_agent_slot *s, uint64_t now_ms,
		     uint32_t dead_after_ms);

/*
 * Verifications of unlikely headers (docs/agent-protocol.md, "Before the
 * MAC"): a token bucket shared by every agent.  A header is likely when
 * it is the next of its agent's boot (seq within LB_AGENTS_SEQ_WINDOW of
 * the last) or the start of a next boot (a counter at most
 * LB_AGENTS_BOOT_WINDOW above the last, seq within the window): what a
 * genuine agent sends, and what nobody who does not see its reports can
 * guess.  Everything else (a first report, a far jump) is verified while
 * the bucket has tokens.
 */
#define LB_AGENTS_SEQ_WINDOW 1024 /* 100 s of lost reports at 100 ms */
#define LB_AGENTS_BOOT_WINDOW (1ULL << 32)
#define LB_AGENTS_BUDGET_PER_S 20000 /* about 2% of a core of HMAC */

/*
 * The agents' index: open addressing over lb_agents.v, a power of two:
 * pos is index + 1 (0 empty), tag the address's hash, compared first so
 * that a lookup touches one slot (a slot holds a whole report: a cache
 * miss each).
 */
struct lb_agents_ix {
	uint32_t pos;
	uint32_t tag;
};

struct lb_agents {
	struct lb_agents_key keys[LB_AGENTS_KEYS_MAX];
	size_t n_keys;
	struct lb_agent_slot *v; /* sorted by family, address */
	size_t n;
	struct lb_agents_ix *idx; /* the index over v */
	size_t idx_size;
	uint64_t budget_ms; /* when the bucket was last filled */
	uint32_t budget; /* tokens left */
};

/*
 * Make the table hold exactly the n addresses (duplicates allowed; family
 * KEEL_F_INET with IPv4 in addr[0], or KEEL_F_INET6).  An agent already
 * there keeps its replay guard, last report and counters.  0, or -ENOMEM
 * with the table unchanged.
 */
struct lb_agent_addr {
	uint8_t family;
	__be32 addr[4];
};
int lb_agents_rebuild(struct lb_agents *t, const struct lb_agent_addr *addrs,
		      size_t n);
/* O(1): a hash of the address into idx. */
struct lb_agent_slot *lb_agents_find(const struct lb_agents *t, uint8_t family,
				     const __be32 addr[4]);
void lb_agents_free(struct lb_agents *t);

/*
 * One datagram of len bytes from (src_family, src): the cheap checks on
 * its header (frame, source address, named real, replay), then the MAC,
 * then the fields; on LB_AGENTS_RX_OK it is stored in its agent
 * (lb_agent_accept(): last report, last_ms = now_ms), *slot set to it.
 * Any other result changes no agent.  src: the datagram's source address
 * (an IPv4-mapped IPv6 source given as KEEL_F_INET).
 */
enum lb_agents_result lb_agents_classify(struct lb_agents *t,
					 const uint8_t *buf, size_t len,
					 uint8_t src_family,
					 const __be32 src[4], uint64_t now_ms,
					 struct lb_agent_slot **slot);

#endif
