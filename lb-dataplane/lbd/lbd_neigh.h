/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's neighbours: each real's MAC and egress interface (from the
 * kernel's neighbour table and its events; reals without one are asked
 * for, a batch per loop turn), and the MACs of the interfaces lbd serves
 * (the XDP program's MAC guard).  Changes are staged in the model; the
 * caller commits them (lbd_commit.h).
 */
#ifndef LBD_NEIGH_H
#define LBD_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>

struct lbd;

int lbd_neigh_init(struct lbd *d); /* the probe queue's timer */
void lbd_neigh_stop(struct lbd *d);
/*
 * Every real without a MAC (all: every real) looked up in one dump of
 * the kernel's neighbour table; the rest queued to be asked for.
 */
void lbd_neigh_resolve(struct lbd *d, bool all);
/*
 * A neighbour event (lb_neigh_mon): the MAC of addr through ifindex, or
 * mac NULL (an entry expired, failed or was flushed); family 0: events
 * were lost, everything is looked up again.
 */
void lbd_neigh_apply(struct lbd *d, uint8_t family, const __be32 addr[4],
		     const uint8_t mac[6], int ifindex);
/* A link event (lb_neigh_mon): an interface's MAC; arg is the lbd. */
void lbd_neigh_link_event(void *arg, int ifindex, const uint8_t mac[6]);
/* Every attached interface's MAC asked from the kernel. */
void lbd_neigh_if_mac_check(struct lbd *d);
/* Forget the MAC of attached ifindex (0: of every interface). */
void lbd_neigh_link_forget(struct lbd *d, int ifindex);
/* Queue every real without a MAC (the refresh, with neighbour events). */
void lbd_neigh_probe_unresolved(struct lbd *d);

#endif /* LBD_NEIGH_H */
