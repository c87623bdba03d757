/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_neigh - the kernel's neighbour and link tables over netlink (libmnl).
 */
#ifndef LB_NEIGH_H
#define LB_NEIGH_H

#include <stddef.h>
#include <stdint.h>
#include <linux/neighbour.h>
#include "keel_maps.h"
#include "lb_htab.h"

/* Entry states whose MAC can be forwarded to. */
#define LB_NUD_RESOLVED                                                      \
	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | \
	 NUD_NOARP)

/*
 * MAC and interface of a resolved neighbour (REACHABLE, STALE, DELAY,
 * PROBE, PERMANENT or NOARP).  -ENOENT when the kernel has none resolved.
 */
int lb_neigh_lookup(uint8_t family, const __be32 addr[4], uint8_t mac[6],
		    int *ifindex);
/* One resolved neighbour entry (addr zero past the address). */
struct lb_neigh_entry {
	uint8_t family; /* KEEL_F_INET, KEEL_F_INET6 */
	__be32 addr[4];
	uint8_t mac[6];
	int ifindex;
};

/* The kernel's resolved neighbours, indexed by address. */
struct lb_neigh_table {
	struct lb_neigh_entry *v;
	size_t n, cap;
	struct lb_htab idx; /* (family, addr) -> index in v */
};

/*
 * Every resolved IPv4 and IPv6 neighbour entry (not proxies), read in one
 * dump: the way to look up many addresses at once (lb_neigh_lookup dumps
 * the table for each).  An address known on several interfaces keeps the
 * first entry, as lb_neigh_lookup does.  0 or -errno (t then empty).
 */
int lb_neigh_dump(struct lb_neigh_table *t);
const struct lb_neigh_entry *lb_neigh_table_find(const struct lb_neigh_table *t,
						 uint8_t family,
						 const __be32 addr[4]);
void lb_neigh_table_free(struct lb_neigh_table *t);

/* Hardware address of an interface. */
int lb_link_mac(int ifindex, uint8_t mac[6]);

/*
 * The interface of the kernel's route to addr (RTM_GETROUTE).  The kernel's
 * errors come back as they are: -ENETUNREACH (no route), -EHOSTUNREACH,
 * -EACCES (unreachable/prohibit routes), -EINVAL (blackhole).  A route
 * through a gateway is -EREMOTE: direct routing needs the real on-link,
 * and resolving its address there could never succeed.  An address of
 * this host gives lo.  -EAFNOSUPPORT for a family other than KEEL_F_*.
 */
int lb_route_oif(uint8_t family, const __be32 addr[4], int *ifindex);

/*
 * Ask the kernel to resolve addr on ifindex now, without a packet to send
 * (RTM_NEWNEIGH, NTF_USE): an absent or FAILED entry is created
 * INCOMPLETE and an ARP request / neighbour solicitation goes out at once;
 * a STALE one is re-confirmed through DELAY/PROBE (after delay_first_probe,
 * 5 s by default); a REACHABLE one is left alone.  Returns once asked:
 * the answer arrives as a neighbour event (lb_neigh_mon) or through
 * lb_neigh_lookup.
 */
int lb_neigh_resolve(uint8_t family, const __be32 addr[4], int ifindex);

/*
 * Neighbour events from the kernel, read on a libevent loop
 * (lb_neigh_mon.c, which alone needs libevent).
 *
 * cb(arg, family, addr, mac, ifindex) for every IPv4/IPv6 neighbour entry
 * that changes (proxy and bridge entries are skipped):
 *   mac != NULL  the entry is resolved (REACHABLE, STALE, DELAY, PROBE,
 *                PERMANENT, NOARP); the same MAC may be reported again on
 *                every state change.
 *   mac == NULL  the entry is INCOMPLETE, FAILED or deleted.
 * addr is 16 bytes, zero past the address (as in lb_real.addr).
 *
 * family == 0 means "events were lost": the kernel overran the socket
 * (ENOBUFS).  addr is all-zero and mac NULL; the caller must re-read
 * every entry it cares about (lb_neigh_lookup).  It comes once the events
 * queued with the loss have been discarded (older than the re-read; while
 * any is queued, the kernel drops more without saying so), and events
 * keep coming after it.
 *
 * An interface's own MAC change: the kernel flushes that interface's
 * entries (mac == NULL for each), and with link_cb given,
 * link_cb(arg, ifindex, mac) comes for every RTM_NEWLINK of an interface
 * with a 6-byte hardware address (any change of any interface: the same
 * MAC comes again and again; the callee compares).  Lost events (family
 * 0 above) may have been link events too.  Neither callback may call
 * lb_neigh_mon_stop.
 */
struct event_base;
struct lb_neigh_mon;
typedef void (*lb_neigh_cb)(void *arg, uint8_t family, const __be32 addr[4],
			    const uint8_t mac[6], int ifindex);
typedef void (*lb_neigh_link_cb)(void *arg, int ifindex, const uint8_t mac[6]);

/* link_cb NULL: neighbour events only. */
int lb_neigh_mon_start(struct event_base *base, lb_neigh_cb cb,
		       lb_neigh_link_cb link_cb, void *arg,
		       struct lb_neigh_mon **out);
/* NULL is a no-op. */
void lb_neigh_mon_stop(struct lb_neigh_mon *m);

#endif
