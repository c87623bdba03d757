/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_diag - established connections per served (VIP, port, protocol),
 * counted with the kernel's sock_diag (NETLINK_SOCK_DIAG, inet_diag_req_v2)
 * over libmnl.  TCP: sockets in ESTABLISHED whose local address is the VIP
 * and local port the service's (port 0: any port).  UDP: connected
 * sockets (state ESTABLISHED) likewise.
 */
#ifndef RA_DIAG_H
#define RA_DIAG_H

#include <stddef.h>
#include <stdint.h>

struct ra_diag_key {
	uint8_t family; /* KEEL_F_INET / KEEL_F_INET6 */
	uint8_t addr[16]; /* the VIP */
	uint16_t port; /* host order; 0: every port */
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
};

struct ra_diag;

int ra_diag_open(struct ra_diag **out);
void ra_diag_close(struct ra_diag *d);
/* counts[i] = connections matching keys[i]; 0 or -errno. */
int ra_diag_count(struct ra_diag *d, const struct ra_diag_key *keys, size_t n,
		  uint32_t *counts);

#endif
