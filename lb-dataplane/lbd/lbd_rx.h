/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's receiver of rs-agent reports: the keys, the UDP socket, its
 * filter, the replay guards on disk, and the reading of datagrams into
 * the agents table (struct lbd.agents).  A report that must be acted on
 * now (lbd_eval_heard()) calls the notify function given at init.
 */
#ifndef LBD_RX_H
#define LBD_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <event2/event.h>

#include "keel_log.h"
#include "lb_agents.h"
#include "lb_config.h"
#include "lb_replay.h"
#include "lb_rxfilter.h"

struct lbd;

/* Reads of a deadline's turn: a flood does not keep the clock out. */
#define LBD_RX_POLL_ROUNDS 32

/* Listening socket and keys, prepared before a config is applied. */
struct lbd_rx_prep {
	struct lb_agents_key keys[LB_AGENTS_KEYS_MAX];
	size_t n_keys;
	int fd; /* -1: keep the current socket (or none) */
	bool close_rx; /* the receiver is turned off */
};

struct lbd_rx {
	int fd;
	struct event *rx; /* reports */
	/* A busy socket is read on this clock instead (lbd_rx.c). */
	struct event *rx_poll;
	bool rx_busy;
	bool rx_fast; /* polled every LBD_RX_POLL_MS, not the slow period */
	uint64_t rx_win_ms; /* datagrams read since, for "busy" */
	uint32_t rx_win_n;
	char listen[LB_CFG_NAME_MAX];
	uint64_t results[LB_AGENTS_RX__MAX];
	struct keel_ratelimit rl[LB_AGENTS_RX__MAX];
	/* The report socket filter (lb_rxfilter.h); NULL: not loaded. */
	struct lb_rxfilter *filter;
	int filter_fd; /* the socket it is attached to, -1: none */
	/* Replay guards across restarts (lb_replay.h): */
	struct lb_replay_entry *restore; /* read at start, until restored */
	size_t n_restore;
	bool replay_dirty; /* a report accepted since the last save */
	uint64_t replay_saved_ms;
	void (*notify)(struct lbd *d); /* a report to act on now */
};

/*
 * The agents' keys of a (the key file, and the previous one if named)
 * into keys[], *n of them, as user would read them ((uid_t)-1: root's
 * rules); what a start, a reload and --check read.  0 or -errno with
 * err set; keys[] is wiped on error.
 */
int lbd_rx_keys_load(const struct lb_cfg_agents *a, uid_t user,
		     struct lb_agents_key keys[LB_AGENTS_KEYS_MAX], size_t *n,
		     char *err, size_t errlen);
/* Once, before the first apply: the filter, the events. */
int lbd_rx_init(struct lbd *d, void (*notify)(struct lbd *d));
/* Keys and socket of cfg, checked and opened; nothing changes yet. */
int lbd_rx_prepare(struct lbd *d, const struct lb_config *cfg,
		   struct lbd_rx_prep *p, char *err, size_t errlen);
/* The prepared keys and socket in use (after d->cfg became their config). */
int lbd_rx_install(struct lbd *d, struct lbd_rx_prep *p);
void lbd_rx_discard(struct lbd_rx_prep *p);
/*
 * The agents table was rebuilt: the filter follows it, and the replay
 * guards read at start are restored into it (the first time).
 */
void lbd_rx_agents_rebuilt(struct lbd *d);
/* Up to rounds batches of waiting datagrams; how many were read. */
int lbd_rx_drain(struct lbd *d, int rounds);
/* The replay guards to disk, when due (durable: now, and synced). */
void lbd_rx_replay_save(struct lbd *d, uint64_t now, bool durable);
/* <state_file>.replay: the agents' replay guards (lb_replay.h). */
int lbd_rx_replay_path(const struct lbd *d, char *buf, size_t size);
/* Datagrams with result res; unknown_source includes the filter's. */
uint64_t lbd_rx_count(const struct lbd *d, unsigned int res);
/* The filter is on the socket. */
bool lbd_rx_filtered(const struct lbd *d);
void lbd_rx_stop(struct lbd *d);

#endif /* LBD_RX_H */
