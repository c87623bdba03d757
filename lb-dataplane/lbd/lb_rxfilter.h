/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_rxfilter - the agent report socket filter (bpf/keel_agents.bpf.c):
 * an eBPF socket filter with a hash map of the agents' addresses, so that
 * datagrams from anyone else are dropped in the kernel before lbd reads
 * them (docs/agent-protocol.md, "Before the MAC").  An optimisation only:
 * lbd checks every source itself as well.
 *
 * Privileges (measured on kernel 6.18 with unprivileged_bpf_disabled=2,
 * as uid 65534 with no capability left): loading the program and creating
 * its maps needs CAP_BPF, so lbd does it at start, before it drops
 * privileges; attaching it to a socket (SO_ATTACH_BPF), updating the map
 * and reading its counter need only the fds lbd keeps.  Kernels that
 * still check every bpf() command against unprivileged_bpf_disabled
 * (before the checks moved to map creation and program load) refuse the
 * update with EPERM once CAP_BPF is gone: lbd then takes the filter off
 * the socket, never leaving one that would drop a new agent.
 */
#ifndef LB_RXFILTER_H
#define LB_RXFILTER_H

#include <stdint.h>

#include "lb_agents.h"

struct lb_rxfilter;

/* Load the program and its maps.  0, or -errno (the kernel's reason). */
int lb_rxfilter_open(struct lb_rxfilter **out);
/* SO_ATTACH_BPF on a socket (before bind: no datagram gets past it). */
int lb_rxfilter_attach(struct lb_rxfilter *f, int sock);
/* Take it off a socket again: everything reaches lbd. */
int lb_rxfilter_detach(int sock);
/*
 * Make the map hold exactly the addresses of t's agents: only the
 * differences with the last sync are written.  0, or -errno (the map is
 * then in an unknown state: detach the filter).
 */
int lb_rxfilter_sync(struct lb_rxfilter *f, const struct lb_agents *t);
/* Datagrams the filter dropped so far (every CPU). */
uint64_t lb_rxfilter_dropped(struct lb_rxfilter *f);
void lb_rxfilter_close(struct lb_rxfilter *f);

#endif
