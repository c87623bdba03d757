/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bfd_pkt - the BFD Control packet (RFC 5880 section 4), pure: no I/O, no
 * allocation.  bfd_pkt_parse() applies the reception checks of section
 * 6.8.6 that need nothing but the packet (and whether authentication is
 * configured); the rest of 6.8.6 (session lookup, state machine) is
 * bfd_session.c's and the I/O's.  Intervals are in microseconds, as on the
 * wire.
 */
#ifndef BFD_PKT_H
#define BFD_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFD_VERSION 1
#define BFD_PKT_LEN 24 /* mandatory section, RFC 5880 4.1 */
#define BFD_AUTH_MAX 28 /* Keyed SHA1, the longest section (4.4) */
#define BFD_PKT_MAX (BFD_PKT_LEN + BFD_AUTH_MAX)
#define BFD_PASSWORD_MAX 16 /* 4.2 */

/* UDP ports, RFC 5881 section 4. */
#define BFD_PORT_CONTROL 3784
#define BFD_PORT_SRC_MIN 49152
#define BFD_PORT_SRC_MAX 65535

enum bfd_state {
	BFD_STATE_ADMIN_DOWN = 0,
	BFD_STATE_DOWN = 1,
	BFD_STATE_INIT = 2,
	BFD_STATE_UP = 3,
};

/* RFC 5880 4.1, Diagnostic. */
enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_DETECT_EXPIRED = 1,
	BFD_DIAG_ECHO_FAILED = 2,
	BFD_DIAG_NEIGHBOR_DOWN = 3,
	BFD_DIAG_FWD_RESET = 4,
	BFD_DIAG_PATH_DOWN = 5,
	BFD_DIAG_CONCAT_PATH_DOWN = 6,
	BFD_DIAG_ADMIN_DOWN = 7,
	BFD_DIAG_REV_CONCAT_PATH_DOWN = 8,
	BFD_DIAG_MAX = 31, /* 5 bits */
};

/* RFC 5880 4.1, Auth Type. */
enum bfd_auth_type {
	BFD_AUTH_RESERVED = 0,
	BFD_AUTH_SIMPLE = 1,
	BFD_AUTH_KEYED_MD5 = 2,
	BFD_AUTH_METICULOUS_MD5 = 3,
	BFD_AUTH_KEYED_SHA1 = 4,
	BFD_AUTH_METICULOUS_SHA1 = 5,
};

/* The authentication section, structurally valid (RFC 5880 4.2-4.4). */
struct bfd_auth {
	uint8_t type; /* enum bfd_auth_type */
	uint8_t len; /* Auth Len, the whole section */
	uint8_t key_id;
	uint32_t seq; /* Sequence Number: MD5 and SHA1 types */
	uint8_t data_len; /* password (1..16), digest (16) or hash (20) */
	uint8_t data[20];
};

struct bfd_pkt {
	uint8_t version;
	uint8_t diag; /* enum bfd_diag; unknown codes are kept */
	uint8_t state; /* enum bfd_state */
	bool poll, final, cpi, auth, demand, multipoint;
	uint8_t detect_mult;
	uint8_t length; /* Length field; on encode computed, ignored */
	uint32_t my_disc;
	uint32_t your_disc;
	uint32_t desired_min_tx; /* us */
	uint32_t required_min_rx; /* us */
	uint32_t required_min_echo_rx; /* us */
	struct bfd_auth auth_sec; /* when .auth */
};

/* Why bfd_pkt_parse() refused a packet (for a log line and the tests). */
enum bfd_pkt_err {
	BFD_PKT_OK = 0,
	BFD_PKT_ERR_SHORT, /* fewer bytes than the mandatory section */
	BFD_PKT_ERR_VERSION,
	BFD_PKT_ERR_LENGTH, /* Length < 24 (26 with A), or > what arrived */
	BFD_PKT_ERR_DETECT_MULT,
	BFD_PKT_ERR_MULTIPOINT,
	BFD_PKT_ERR_POLL_FINAL, /* P and F both set */
	BFD_PKT_ERR_MY_DISC,
	BFD_PKT_ERR_YOUR_DISC, /* zero while State is Init or Up */
	BFD_PKT_ERR_AUTH_UNEXPECTED, /* A set, no authentication configured */
	BFD_PKT_ERR_AUTH_MISSING, /* A clear, authentication configured */
	BFD_PKT_ERR_AUTH_FORMAT, /* the section does not fit or is malformed */
	BFD_PKT_ERR_MAX,
};

/*
 * Parse the len bytes of one UDP payload.  auth_configured: whether the
 * session would use authentication (keel does not implement it yet, so its
 * callers pass false and every packet with the A bit is refused, 6.7).
 * Bytes after Length are ignored (6.8.6 only refuses Length larger than the
 * payload; RFC 9764 pads packets that way).  Returns 0, or -EBADMSG with
 * *err (may be NULL) saying why; *out is zeroed first.
 */
int bfd_pkt_parse(const uint8_t *buf, size_t len, bool auth_configured,
		  struct bfd_pkt *out, enum bfd_pkt_err *err);

/*
 * Encode in as a packet: Version 1, Length computed (24, or 24 + Auth Len
 * when in->auth).  Returns bytes written, -ENOSPC, or -EINVAL for a field
 * the packet cannot carry (diag > 31, state > 3, an auth section that
 * bfd_pkt_parse() would refuse).
 */
int bfd_pkt_encode(uint8_t *buf, size_t size, const struct bfd_pkt *in);

const char *bfd_state_name(unsigned int state);
const char *bfd_diag_name(unsigned int diag);
const char *bfd_pkt_err_name(enum bfd_pkt_err err);

#endif /* BFD_PKT_H */
