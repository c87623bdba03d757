/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_agents - the pure half of lbd's report receiver
 * (docs/agent-protocol.md, "What lbd does with a datagram"): the keys it
 * verifies with, the table of agents it accepts reports from (one per
 * real address configured with agent health) and the verdict on one
 * datagram.  No I/O, no clock, no logging: lbd_health.c owns the socket,
 * time and logs.
 */
#ifndef LB_AGENTS_H
#define LB_AGENTS_H

#include <stddef.h>
#include <stdint.h>

#include "keel_report.h"
#include "lb_health.h" /* struct lb_agent */

/*
 * What became of one datagram; the first failing check decides, in this
 * order (the cheap ones first: only a datagram that passes every check
 * before LB_RX_BAD_MAC costs an HMAC).
 */
enum lb_rx_result {
	LB_RX_OK = 0,
	LB_RX_MALFORMED, /* not a report (-EBADMSG), before or after the MAC */
	LB_RX_VERSION, /* a version this lbd does not know */
	LB_RX_UNKNOWN_SOURCE, /* not sent from a real with agent health */
	LB_RX_WRONG_REAL, /* names another real than its source address */
	LB_RX_REPLAY, /* this boot's sequence is not above the last */
	LB_RX_OLD_BOOT, /* an earlier boot than the last accepted one */
	LB_RX_DOWNGRADE, /* version 1 from an agent heard in version 2 */
	LB_RX_RATE_LIMITED, /* unlikely header, verification budget spent */
	LB_RX_BAD_MAC, /* unknown key id, or the MAC does not verify */
	LB_RX__MAX,
};

/* "ok", "malformed", ... (metric labels, logs); "?" out of range. */
const char *lb_rx_name(unsigned int result);

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

struct lb_agents {
	struct lb_agents_key keys[LB_AGENTS_KEYS_MAX];
	size_t n_keys;
	struct lb_agent_slot *v; /* sorted by family, address */
	size_t n;
	/*
	 * Open addressing over v, a power of two: pos is index + 1 (0
	 * empty), tag the address's hash, compared first so that a lookup
	 * touches one slot (a slot holds a whole report: a cache miss each).
	 */
	struct lb_agents_ix {
		uint32_t pos;
		uint32_t tag;
	} *idx;
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
 * then the fields; on LB_RX_OK it is stored in its agent
 * (lb_agent_accept(): last report, last_ms = now_ms), *slot set to it.
 * Any other result changes no agent.  src: the datagram's source address
 * (an IPv4-mapped IPv6 source given as KEEL_F_INET).
 */
enum lb_rx_result lb_agents_classify(struct lb_agents *t, const uint8_t *buf,
				     size_t len, uint8_t src_family,
				     const __be32 src[4], uint64_t now_ms,
				     struct lb_agent_slot **slot);

#endif
