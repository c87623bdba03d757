/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_neigh - the kernel's neighbour and link tables over netlink (libmnl).
 */
#ifndef LB_NEIGH_H
#define LB_NEIGH_H

#include <stdint.h>
#include "keel_maps.h"

/*
 * MAC and interface of a resolved neighbour (REACHABLE, STALE, DELAY,
 * PROBE, PERMANENT or NOARP).  -ENOENT when the kernel has none resolved.
 */
int lb_neigh_lookup(uint8_t family, const __be32 addr[4], uint8_t mac[6],
		    int *ifindex);
/* Hardware address of an interface. */
int lb_link_mac(int ifindex, uint8_t mac[6]);

#endif
