/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgp_msg - the BGP-4 message codec (RFC 4271 and the extensions the
 * announcer speaks: RFC 5492, 4760, 2918, 6793, 1997, 8092, 9003; errors
 * classified per RFC 7606).  Pure: no I/O, no logging, no allocation.
 *
 * Parsers take one whole message (header included) and return 0, or
 * -EBADMSG with *err holding the NOTIFICATION to send (session reset); the
 * output struct is zeroed then.  Encoders take (buf, size, in) and return
 * the bytes written, -ENOSPC (buf too small), -EMSGSIZE (over 4096 bytes)
 * or -EINVAL (input the parser would refuse).
 *
 * Pointers in parsed structs point into the caller's message buffer.
 */
#ifndef BGP_MSG_H
#define BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BGP_MARKER_LEN 16
#define BGP_HDR_LEN 19
#define BGP_MSG_MAX 4096
#define BGP_OPEN_MIN 29
#define BGP_UPDATE_MIN 23
#define BGP_NOTIF_MIN 21
#define BGP_RR_LEN 23
#define BGP_NOTIF_DATA_MAX (BGP_MSG_MAX - BGP_NOTIF_MIN)
#define BGP_AS_TRANS 23456 /* RFC 6793 */
#define BGP_SHUTDOWN_MAX 255 /* RFC 9003 section 2 */

enum bgp_msg_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5, /* RFC 2918 */
};

/* NOTIFICATION error codes (RFC 4271 section 4.5) and subcodes. */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
};

enum {
	BGP_HDR_SYNC = 1,
	BGP_HDR_LENGTH = 2,
	BGP_HDR_TYPE = 3,
	BGP_OPEN_VERSION = 1,
	BGP_OPEN_PEER_AS = 2,
	BGP_OPEN_BGP_ID = 3,
	BGP_OPEN_OPT_PARAM = 4,
	BGP_OPEN_HOLD_TIME = 6,
	BGP_UPD_ATTR_LIST = 1,
	BGP_UPD_WK_UNKNOWN = 2,
	BGP_UPD_WK_MISSING = 3,
	BGP_UPD_ATTR_FLAGS = 4,
	BGP_UPD_ATTR_LEN = 5,
	BGP_UPD_OPT_ATTR = 9,
	BGP_UPD_NETWORK = 10,
	BGP_CEASE_SHUTDOWN = 2, /* RFC 4486, RFC 9003 */
	BGP_CEASE_RESET = 4,
};

enum bgp_afi { BGP_AFI_IPV4 = 1, BGP_AFI_IPV6 = 2 };
enum bgp_safi { BGP_SAFI_UNICAST = 1 };

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGR = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_ORIGINATOR_ID = 9,
	BGP_ATTR_CLUSTER_LIST = 10,
	BGP_ATTR_MP_REACH = 14,
	BGP_ATTR_MP_UNREACH = 15,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};

#define BGP_AF_OPTIONAL 0x80
#define BGP_AF_TRANSITIVE 0x40
#define BGP_AF_PARTIAL 0x20
#define BGP_AF_EXTLEN 0x10

/* A NOTIFICATION, received or to send (RFC 4271 section 4.5). */
struct bgp_notification {
	uint8_t code;
	uint8_t subcode;
	uint16_t data_len;
	uint8_t data[BGP_NOTIF_DATA_MAX];
	/*
	 * RFC 9003: Cease/2 and Cease/4 may carry a length octet and a UTF-8
	 * message.  Parsed: set when data is exactly that.  Encoded: when
	 * set, data is built from it and data_len/data are ignored.
	 */
	bool has_shutdown;
	uint8_t shutdown_len;
	char shutdown[BGP_SHUTDOWN_MAX + 1]; /* NUL-terminated */
	const char *reason; /* parse errors: a static text for the log */
};

struct bgp_hdr {
	uint16_t length;
	uint8_t type;
};

struct bgp_afi_safi {
	uint16_t afi;
	uint8_t safi;
};

#define BGP_OPEN_MP_MAX 16
#define BGP_OPEN_UNKNOWN_MAX 32

struct bgp_cap_unknown {
	uint8_t code;
	uint8_t len;
	uint8_t data[253]; /* a parameter is at most 255 bytes */
};

struct bgp_open {
	uint8_t version; /* 4 */
	uint16_t my_as; /* on the wire: AS_TRANS for a 4-octet AS */
	uint32_t asn; /* the speaker's AS: the AS4 capability's, else my_as */
	uint16_t hold_time;
	uint32_t bgp_id; /* host order */
	bool cap_as4; /* RFC 6793 */
	bool cap_route_refresh; /* RFC 2918 */
	unsigned int n_mp; /* RFC 4760 */
	struct bgp_afi_safi mp[BGP_OPEN_MP_MAX];
	unsigned int n_unknown; /* kept, re-sent only if encoded back */
	struct bgp_cap_unknown unknown[BGP_OPEN_UNKNOWN_MAX];
};

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t reserved; /* RFC 7313 subtype; 0 for RFC 2918 */
	uint8_t safi;
};

struct bgp_prefix {
	uint16_t afi;
	uint8_t len;
	uint8_t addr[16]; /* network order, bits past len zero */
};

/* Same prefix, member by member: the struct has a padding byte. */
static inline bool bgp_prefix_eq(const struct bgp_prefix *a,
				 const struct bgp_prefix *b)
{
	return a->afi == b->afi && a->len == b->len &&
	       !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* "203.0.113.10/32", "2001:db8::10/128" ("?" for an unknown afi). */
void bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t size);

struct bgp_large_comm {
	uint32_t global, local1, local2;
};

/* What to do with a received UPDATE (RFC 7606 section 2). */
enum bgp_update_action {
	BGP_UPD_OK = 0,
	BGP_UPD_ATTR_DISCARD, /* drop the bad attribute(s), keep the rest */
	BGP_UPD_TREAT_AS_WITHDRAW, /* withdraw every NLRI it carries */
	BGP_UPD_SESSION_RESET, /* only in err, with -EBADMSG */
};

struct bgp_update {
	enum bgp_update_action action;
	uint8_t err_attr; /* first attribute that caused the action */
	const char *reason; /* static text for the log, NULL when OK */
	/* Validated NLRI blocks; walk them with bgp_nlri_next(). */
	const uint8_t *withdrawn;
	uint16_t withdrawn_len;
	const uint8_t *nlri;
	uint16_t nlri_len;
	bool has_mp_reach, has_mp_unreach;
	struct bgp_afi_safi mp_reach_af, mp_unreach_af;
	uint8_t mp_nh_len;
	uint8_t mp_nh[32];
	const uint8_t *mp_reach_nlri;
	uint16_t mp_reach_nlri_len;
	const uint8_t *mp_unreach_nlri;
	uint16_t mp_unreach_nlri_len;
	/* Attributes; a has_* flag only for a well-formed one. */
	bool has_origin, has_as_path, has_next_hop, has_med, has_local_pref;
	uint8_t origin;
	const uint8_t *as_path; /* the attribute value */
	uint16_t as_path_len;
	uint32_t next_hop; /* host order */
	uint32_t med, local_pref;
	const uint8_t *communities;
	uint16_t n_communities;
	const uint8_t *large;
	uint16_t n_large;
	bool end_of_rib; /* RFC 4724 section 2 */
	uint64_t seen[4]; /* attribute types present, for duplicates */
};

/* How a received UPDATE is read: the session's negotiated state. */
struct bgp_parse_opts {
	bool as4; /* both sides sent the AS4 capability: 4-octet AS_PATH */
	bool ebgp; /* the peer is in another AS (LOCAL_PREF discarded) */
};

/* One announcement: prefixes of one family sharing the same attributes. */
struct bgp_announce {
	uint16_t afi;
	const struct bgp_prefix *prefixes;
	unsigned int n_prefixes;
	uint8_t origin; /* 0 IGP */
	uint32_t local_as;
	uint8_t prepend; /* extra copies of local_as (AS_PATH is 1 + prepend) */
	uint32_t next_hop4; /* host order, IPv4 */
	uint8_t next_hop6[32]; /* global, then optionally link-local */
	uint8_t next_hop6_len; /* 16 or 32 */
	bool has_med;
	uint32_t med;
	const uint32_t *communities;
	unsigned int n_communities;
	const struct bgp_large_comm *large;
	unsigned int n_large;
	/*
	 * The peer lacks the 4-octet AS capability: AS_PATH in 2-octet ASes
	 * (AS_TRANS for a larger one) and, when local_as needs 4 octets, the
	 * real path in AS4_PATH (RFC 6793 section 4.2.2).
	 */
	bool as2;
};

/*
 * The fixed header alone: len >= BGP_HDR_LEN bytes, the first 19 used.
 * Checks the marker, the length range and the type (RFC 4271 section 6.1).
 */
int bgp_hdr_parse(const uint8_t *buf, size_t len, struct bgp_hdr *out,
		  struct bgp_notification *err);

/* One whole message of the type named: header checked again. */
int bgp_keepalive_parse(const uint8_t *buf, size_t len,
			struct bgp_notification *err);
int bgp_open_parse(const uint8_t *buf, size_t len, struct bgp_open *out,
		   struct bgp_notification *err);
int bgp_notification_parse(const uint8_t *buf, size_t len,
			   struct bgp_notification *out,
			   struct bgp_notification *err);
int bgp_route_refresh_parse(const uint8_t *buf, size_t len,
			    struct bgp_route_refresh *out,
			    struct bgp_notification *err);
/*
 * 0 with out->action OK, ATTR_DISCARD or TREAT_AS_WITHDRAW; -EBADMSG for a
 * session reset (err says why).
 */
int bgp_update_parse(const uint8_t *buf, size_t len,
		     const struct bgp_parse_opts *opts, struct bgp_update *out,
		     struct bgp_notification *err);

/*
 * Walk a validated NLRI block: returns 1 with *out, 0 at its end, -EBADMSG
 * if malformed (never for a block bgp_update_parse() accepted).
 */
int bgp_nlri_next(const uint8_t **p, size_t *left, uint16_t afi,
		  struct bgp_prefix *out);

int bgp_keepalive_encode(uint8_t *buf, size_t size);
/* in->my_as is ignored: derived from in->asn (AS_TRANS above 65535). */
int bgp_open_encode(uint8_t *buf, size_t size, const struct bgp_open *in);
int bgp_notification_encode(uint8_t *buf, size_t size,
			    const struct bgp_notification *in);
int bgp_route_refresh_encode(uint8_t *buf, size_t size,
			     const struct bgp_route_refresh *in);
/* AS_PATH of 4-octet ASes unless in->as2. */
int bgp_update_encode_announce(uint8_t *buf, size_t size,
			       const struct bgp_announce *in);
int bgp_update_encode_withdraw(uint8_t *buf, size_t size, uint16_t afi,
			       const struct bgp_prefix *prefixes,
			       unsigned int n);
/* End-of-RIB (RFC 4724 section 2): empty UPDATE, or empty MP_UNREACH. */
int bgp_update_encode_eor(uint8_t *buf, size_t size, uint16_t afi);

#endif /* BGP_MSG_H */
