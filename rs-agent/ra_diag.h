/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_diag - established connections per served (VIP, port, protocol),
 * counted with the kernel's sock_diag (NETLINK_SOCK_DIAG, inet_diag_req_v2)
 * over libmnl.  TCP: sockets in ESTABLISHED whose local address is the VIP
 * and local port the service's (port 0: any port).  UDP: connected
 * sockets (state ESTABLISHED) likewise.  An IPv4 VIP's connections on a
 * dual-stack (AF_INET6) socket, local address ::ffff:a.b.c.d, count for
 * the IPv4 VIP.  Sockets in CLOSE_WAIT (client gone, server not yet
 * closed) and TIME_WAIT do not count.
 *
 * Cost: at most four dumps per call (TCP and UDP, AF_INET and AF_INET6,
 * only those a key needs; AF_INET6 also for IPv4 keys), filtered in the
 * kernel on state and (local address, port), so only counted sockets are
 * sent.  The kernel still walks every socket of the protocol: measured
 * here (tests/bench/bench_diag.c, 2-core VM) about 0.15 ms per TCP dump on
 * an idle host (the established-hash walk), plus about 0.06 us per other
 * established TCP socket per dump and about 1.4 us per counted socket.
 * A real holding 100k clients on the served port pays ~0.15 s of CPU per
 * call: count far less often than the report interval on such hosts.
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
/*
 * counts[i] = connections matching keys[i] (a key of unknown family or
 * protocol counts 0; duplicate keys each get the count); 0 or -errno,
 * with counts all 0 on error.
 */
int ra_diag_count(struct ra_diag *d, const struct ra_diag_key *keys, size_t n,
		  uint32_t *counts);

#endif
