/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_addr - text forms of addresses, services and MACs.  Pure functions:
 * no I/O, no allocation.  Parsers return 0 or -EINVAL; formatters return
 * the length written or -ENOSPC.
 *
 * Service syntax:  ADDR:PORT/PROTO, [ADDR6]:PORT/PROTO, or ADDR/PROTO for
 * a port-less service (port 0).  PROTO: tcp, udp, icmp, icmpv6, or 0-255.
 */
#ifndef KEEL_ADDR_H
#define KEEL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "keel_maps.h"

int keel_addr_parse(const char *s, uint8_t *family, __be32 addr[4]);
int keel_addr_format(uint8_t family, const __be32 addr[4], char *buf,
		     size_t size);
/*
 * ADDR, ADDR:PORT, [ADDR6] or [ADDR6]:PORT in the first len bytes of s.
 * A bare IPv6 address takes no port ("::1:80" is ambiguous); brackets
 * hold IPv6 only.  PORT: decimal digits only; above 65535 is -ERANGE.  need_port: the
 * port must be there.  *port is in host order, 0 when absent.
 */
int keel_hostport_parse(const char *s, size_t len, bool need_port,
			uint8_t *family, __be32 addr[4], uint16_t *port);
int keel_vip_parse(const char *s, struct keel_vip_key *k);
int keel_vip_format(const struct keel_vip_key *k, char *buf, size_t size);
int keel_mac_parse(const char *s, uint8_t mac[6]);
int keel_mac_format(const uint8_t mac[6], char *buf, size_t size);
int keel_proto_parse(const char *s, uint8_t *proto);
const char *keel_proto_name(uint8_t proto); /* NULL if it has none */

/*
 * "A.B.C.D:PORT" or "[IPV6]:PORT": address literals only (no names, no
 * scope ids), PORT decimal 0..65535 (0: the kernel picks).  Fills a
 * sockaddr_in or sockaddr_in6; 0 or -EINVAL.
 */
int keel_sockaddr_parse(const char *s, struct sockaddr_storage *ss,
			socklen_t *len);

#endif
