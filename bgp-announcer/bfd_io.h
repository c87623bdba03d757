/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bfd_io - BFD sessions on a libevent loop: single-hop BFD over UDP (RFC
 * 5881) around the pure bfd_session.c.
 *
 *  - Control packets are received on UDP port 3784, one socket per
 *    (family, local address, interface) shared by the sessions using it,
 *    and sent from a socket per session bound to the local address and a
 *    random source port in 49152-65535 (RFC 5881 section 4).
 *  - TTL / hop limit 255 on every packet sent, and required on every packet
 *    received (GTSM, RFC 5881 section 5); IP precedence 6 (Internet
 *    control), as routers send it.
 *  - A packet is matched to its session by Your Discriminator, or, when
 *    that is zero, by its source address (and the interface when the
 *    session has one) (RFC 5880 6.8.6); bad packets are dropped and logged,
 *    rate-limited.
 *  - Deleting a session (or the context) sends AdminDown first (RFC 5880
 *    6.8.16), which the peer must not treat as a failure (RFC 5882 3.2).
 *
 * Nothing here needs privileges: port 3784 is above 1023, and TTL 255,
 * the TOS byte and (since Linux 5.7) SO_BINDTODEVICE are unprivileged.
 */
#ifndef BFD_IO_H
#define BFD_IO_H

#include <stdint.h>
#include <sys/socket.h>

#include "bfd_pkt.h"

struct event_base;
struct bfd_io_ctx;
struct bfd_io_session;

/* Defaults: 300 ms x 3 detects a silent loss within 0.9 s. */
#define BFD_IO_DEFAULT_MIN_TX_US 300000u
#define BFD_IO_DEFAULT_MIN_RX_US 300000u
#define BFD_IO_DEFAULT_MULT 3

struct bfd_io_params {
	uint32_t min_tx_us; /* DesiredMinTxInterval once Up */
	uint32_t min_rx_us; /* RequiredMinRxInterval */
	uint8_t detect_mult;
};

/* A state change of a session. */
struct bfd_io_event {
	uint8_t old_state, new_state; /* enum bfd_state */
	uint8_t diag; /* ours: why it changed (enum bfd_diag) */
	/*
	 * What the peer last said.  remote_state AdminDown with new_state
	 * Down means the peer took the session down on purpose: RFC 5882 3.2
	 * says not to treat that as a path failure.
	 */
	uint8_t remote_state, remote_diag;
};

/* Called on every state change; may delete the session. */
typedef void (*bfd_io_state_cb)(struct bfd_io_session *bs,
				const struct bfd_io_event *ev, void *arg);

/* Returns NULL with errno set. */
struct bfd_io_ctx *bfd_io_ctx_new(struct event_base *base);
/* Deletes every session (AdminDown first), then the context. */
void bfd_io_ctx_free(struct bfd_io_ctx *ctx);

/*
 * A session to peer (sockaddr_in or sockaddr_in6, port ignored), sent from
 * local (same family; NULL: the kernel's choice) and, when ifname is not
 * NULL, bound to that interface (needed for an IPv6 link-local peer).
 * params NULL: the defaults.  Starts in Down and begins sending at once.
 * Returns 0 and *out, or -errno (-EINVAL for bad addresses or parameters,
 * -EEXIST for a second session to the same peer and interface, -ENODEV
 * for an unknown interface, a socket error otherwise).
 */
int bfd_io_session_add(struct bfd_io_ctx *ctx, const struct sockaddr *peer,
		       const struct sockaddr *local, const char *ifname,
		       const struct bfd_io_params *params, bfd_io_state_cb cb,
		       void *arg, struct bfd_io_session **out);

/* Sends AdminDown (diag 7), then frees the session. */
void bfd_io_session_del(struct bfd_io_session *bs);

/* New intervals: applied with a Poll Sequence when Up. 0 or -EINVAL. */
int bfd_io_session_set_params(struct bfd_io_session *bs,
			      const struct bfd_io_params *params);

/* AdminDown (down) or back to Down, keeping the session. */
void bfd_io_session_admin(struct bfd_io_session *bs, bool down);

uint8_t bfd_io_session_state(const struct bfd_io_session *bs);
/* "10.0.0.1" / "fe80::1%eth0" */
const char *bfd_io_session_name(const struct bfd_io_session *bs);
/* Detection time in force (us), 0 before the peer was heard. */
uint64_t bfd_io_session_detect_time(const struct bfd_io_session *bs);

#endif /* BFD_IO_H */
