/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_sync - the LB pair's wire codec (docs/pair.md): connection records,
 * bulk copies, admin registers and digests between the LBs of a site.
 * Pure: no I/O, no logging, no allocation; libsodium only for the AEAD.
 *
 * One UDP datagram, big-endian:
 *   header (40, cleartext, the AEAD's associated data) | body (n) | tag (16)
 * The body is XChaCha20-Poly1305 ciphertext under the pair key; the nonce
 * is the sender's stream id (16 random bytes per lbd start and peer) and
 * the sequence number (8), so a nonce never repeats under a key with no
 * counter kept on disk.  A parser reads all of its body or refuses it:
 * trailing bytes, reserved bits or fields that are not zero, unknown kinds
 * and families are -EBADMSG, so every message has one encoding and a valid
 * body encodes back to the same bytes.  Refusals leave outputs zeroed.
 * Callers run sodium_init() once at start.
 */
#ifndef KEEL_SYNC_H
#define KEEL_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEEL_SYNC_MAGIC 0x4b53594eU /* "KSYN" */
#define KEEL_SYNC_VERSION 1 /* the newest this code speaks */
#define KEEL_SYNC_VERSION_MIN 1 /* the oldest it still accepts */

#define KEEL_SYNC_HDR_LEN 40
#define KEEL_SYNC_TAG_LEN 16
#define KEEL_SYNC_KEY_LEN 32
#define KEEL_SYNC_STREAM_LEN 16
#define KEEL_SYNC_OVERHEAD (KEEL_SYNC_HDR_LEN + KEEL_SYNC_TAG_LEN)
/* The largest datagram a receiver takes: a 9000-byte MTU less IPv6+UDP. */
#define KEEL_SYNC_LEN_MAX 8952
#define KEEL_SYNC_BODY_MAX (KEEL_SYNC_LEN_MAX - KEEL_SYNC_OVERHEAD)

enum keel_sync_type {
	KEEL_SYNC_HELLO = 1,
	KEEL_SYNC_FLOWS = 2,
	KEEL_SYNC_BULK_REQ = 3,
	KEEL_SYNC_BULK_DATA = 4,
	KEEL_SYNC_ADMIN = 5,
	KEEL_SYNC_DIGESTS = 6,
	KEEL_SYNC_TABLE_REQ = 7,
	KEEL_SYNC_TABLE_DATA = 8,
	KEEL_SYNC_TYPE_MAX = 8 /* 9 is reserved for a NACK */
};

struct keel_sync_hdr {
	uint8_t version;
	uint8_t type; /* enum keel_sync_type */
	uint16_t n; /* body length */
	uint32_t key_id;
	uint8_t stream[KEEL_SYNC_STREAM_LEN];
	uint64_t seq; /* per stream, from 1 */
};

/* HELLO (176 bytes): the session handshake and the pair's heartbeat. */
#define KEEL_SYNC_HELLO_LEN 176
#define KEEL_SYNC_HELLO_F_SYNCED (1U << 0)
#define KEEL_SYNC_HELLO_F_BULK (1U << 1) /* a bulk copy is under way */
#define KEEL_SYNC_HELLO_F_ALONE (1U << 2) /* synced with no peer seen */
#define KEEL_SYNC_HELLO_F_ALL 0x7U
#define KEEL_SYNC_CHALLENGE_LEN 16

struct keel_sync_hello {
	uint16_t node; /* 1..65535 */
	uint8_t wire_min, wire_max; /* the versions the sender speaks */
	uint32_t flags; /* KEEL_SYNC_HELLO_F_* */
	uint8_t challenge[KEEL_SYNC_CHALLENGE_LEN]; /* for the receiver to echo */
	uint8_t echo[KEEL_SYNC_CHALLENGE_LEN]; /* the receiver's, or zero */
	uint8_t accepted[KEEL_SYNC_STREAM_LEN]; /* receiver's stream, or zero */
	uint64_t t_us; /* the sender's monotonic clock */
	uint64_t echo_t_us; /* the receiver's last t_us the sender had */
	uint32_t hold_us; /* from receiving that to sending this */
	uint64_t wall_ms; /* realtime: shows clock skew only */
	uint64_t rx_top; /* the highest seq accepted from the receiver */
	uint64_t conns; /* conn table entries */
	uint64_t admin_hlc; /* the highest admin stamp held */
	uint8_t admin_digest[32];
	uint8_t tables_digest[32];
	uint16_t services;
};

/* Connection records (FLOWS and BULK_DATA). */
enum keel_sync_kind {
	KEEL_SYNC_NEW = 1,
	KEEL_SYNC_RECHOSEN = 2,
	KEEL_SYNC_REFRESH = 3,
	KEEL_SYNC_BULK = 4 /* BULK_DATA only */
};
#define KEEL_SYNC_REC_F_PORTLESS (1U << 0) /* service (VIP, 0, proto) */
#define KEEL_SYNC_REC_LEN(family) ((family) == 4 ? 24 : 60)

struct keel_sync_rec {
	uint8_t kind; /* enum keel_sync_kind */
	uint8_t family; /* enum keel_family: 4 or 6 */
	uint8_t proto; /* not 0 */
	uint8_t flags; /* KEEL_SYNC_REC_F_* */
	uint16_t cport; /* client port */
	uint16_t vport; /* the flow's VIP port, also when PORTLESS: the conn
			 * table keys a port-less service's TCP/UDP flows by
			 * their ports; 0 for protocols without ports */
	uint16_t idle_s; /* since the sender last used the entry */
	/* IPv4 in the first 4 bytes, the rest zero */
	uint8_t client[16], vip[16], real[16];
};

#define KEEL_SYNC_FLOWS_HDR_LEN 8
struct keel_sync_flows {
	uint16_t count;
	uint32_t queue_us; /* age of the oldest record at send */
};

#define KEEL_SYNC_BULK_REQ_LEN 20
#define KEEL_SYNC_BULK_MAX 2048 /* entries per page */
struct keel_sync_bulk_req {
	uint32_t bulk_id;
	uint32_t page;
	uint64_t cursor; /* 0 on page 0 */
	uint16_t max; /* 1..KEEL_SYNC_BULK_MAX */
};

#define KEEL_SYNC_BULK_DATA_HDR_LEN 24
#define KEEL_SYNC_BULK_F_LAST (1U << 0)
struct keel_sync_bulk_data {
	uint32_t bulk_id;
	uint32_t page;
	uint64_t next_cursor;
	uint8_t part, parts; /* part < parts */
	uint8_t flags; /* KEEL_SYNC_BULK_F_LAST */
	uint16_t count;
};

/* A service on the wire: (VIP, port, protocol, family), 20 bytes. */
#define KEEL_SYNC_SVC_LEN 20
struct keel_sync_svc {
	uint8_t addr[16];
	uint16_t port;
	uint8_t proto;
	uint8_t family;
};

/* ADMIN: 64-byte registers {value, stamp} of one object's field. */
#define KEEL_SYNC_ADMIN_HDR_LEN 8
#define KEEL_SYNC_REG_LEN 64
#define KEEL_SYNC_ADMIN_F_REPLY (1U << 0)
enum keel_sync_obj { KEEL_SYNC_OBJ_SERVICE = 1, KEEL_SYNC_OBJ_REAL = 2 };
enum keel_sync_field {
	KEEL_SYNC_FIELD_PRESENCE = 1,
	KEEL_SYNC_FIELD_DRAIN = 2,
	KEEL_SYNC_FIELD_DOWN = 3,
	KEEL_SYNC_FIELD_WEIGHT = 4
};
enum keel_sync_presence {
	KEEL_SYNC_PRESENCE_CONFIG = 0,
	KEEL_SYNC_PRESENCE_ADDED = 1,
	KEEL_SYNC_PRESENCE_REMOVED = 2
};
#define KEEL_SYNC_WEIGHT_NONE 0xffffffffU /* no override */

struct keel_sync_reg {
	uint8_t object; /* enum keel_sync_obj */
	uint8_t field; /* enum keel_sync_field; a service has presence only */
	uint16_t node; /* the stamp: (hlc, node) */
	uint64_t hlc;
	struct keel_sync_svc svc;
	uint8_t real[16]; /* the service's family; zero for a service */
	uint32_t value; /* presence, 0/1, or a weight 0..65535 / NONE */
	uint32_t arg1; /* added real: its weight; added service: flags */
	uint32_t arg2; /* added service: ring size, 0 for the default */
};

struct keel_sync_admin {
	uint16_t count;
	uint16_t flags; /* KEEL_SYNC_ADMIN_F_REPLY */
};

/* DIGESTS: a digest per service, of its admin registers or its table. */
#define KEEL_SYNC_DIGESTS_HDR_LEN 8
#define KEEL_SYNC_DIGEST_LEN 16
#define KEEL_SYNC_DIGEST_ENTRY_LEN (KEEL_SYNC_SVC_LEN + KEEL_SYNC_DIGEST_LEN)
enum keel_sync_digests_what {
	KEEL_SYNC_DIGESTS_ADMIN = 1,
	KEEL_SYNC_DIGESTS_TABLES = 2
};
struct keel_sync_digests {
	uint8_t what; /* enum keel_sync_digests_what */
	uint8_t part, parts;
	uint16_t count;
};
struct keel_sync_digest {
	struct keel_sync_svc svc;
	uint8_t digest[KEEL_SYNC_DIGEST_LEN];
};

/* TABLE_REQ: count (2) | reserved (2) | services. */
#define KEEL_SYNC_TABLE_REQ_HDR_LEN 4

/*
 * TABLE_DATA: count (2) | reserved (2), then per service a 32-byte block
 * (service | ring size | flags | part | parts | n) and n 24-byte reals
 * (family | selectable | reserved (2) | weight | address): a peer's Maglev
 * inputs, to rebuild its table here and count the slots that differ.
 */
#define KEEL_SYNC_TABLE_DATA_HDR_LEN 4
#define KEEL_SYNC_TABLE_LEN 32
#define KEEL_SYNC_TABLE_REAL_LEN 24
struct keel_sync_table {
	struct keel_sync_svc svc;
	uint32_t ring_size;
	uint32_t flags; /* KEEL_SVC_F_* */
	uint8_t part, parts;
	uint16_t n; /* its reals: the next n of the reals array */
};
struct keel_sync_table_real {
	uint8_t family;
	uint8_t selectable; /* 0 or 1 */
	uint32_t weight;
	uint8_t addr[16];
};

/*
 * The frame, before any crypto: length, magic, version, type, reserved
 * bytes, seq != 0.  h filled.  0; -EBADMSG; -EPROTONOSUPPORT for a
 * version outside [KEEL_SYNC_VERSION_MIN, KEEL_SYNC_VERSION] (h->version
 * set, so the caller can say which).
 */
int keel_sync_frame(const uint8_t *buf, size_t len, struct keel_sync_hdr *h);

/* Decrypt and verify buf's body into body (h->n bytes).  0 or -EACCES. */
int keel_sync_open(const uint8_t *buf, size_t len,
		   const struct keel_sync_hdr *h,
		   const uint8_t key[KEEL_SYNC_KEY_LEN], uint8_t *body);

/*
 * Header h (its n taken from n) + body encrypted under key, into buf.
 * Bytes written, -ENOSPC, or -EINVAL (type, seq 0, n too long).
 */
int keel_sync_seal(uint8_t *buf, size_t size, const struct keel_sync_hdr *h,
		   const uint8_t *body, size_t n,
		   const uint8_t key[KEEL_SYNC_KEY_LEN]);

/* Body codecs: parse 0, -EBADMSG, or -ERANGE (more entries than max);
 * encode: bytes written, -ENOSPC or -EINVAL (an invalid input). */
int keel_sync_hello_parse(const uint8_t *b, size_t n,
			  struct keel_sync_hello *out);
int keel_sync_hello_encode(uint8_t *b, size_t size,
			   const struct keel_sync_hello *in);

int keel_sync_flows_parse(const uint8_t *b, size_t n,
			  struct keel_sync_flows *out,
			  struct keel_sync_rec *recs, size_t max);
int keel_sync_bulk_data_parse(const uint8_t *b, size_t n,
			      struct keel_sync_bulk_data *out,
			      struct keel_sync_rec *recs, size_t max);

int keel_sync_bulk_req_parse(const uint8_t *b, size_t n,
			     struct keel_sync_bulk_req *out);
int keel_sync_bulk_req_encode(uint8_t *b, size_t size,
			      const struct keel_sync_bulk_req *in);

int keel_sync_admin_parse(const uint8_t *b, size_t n,
			  struct keel_sync_admin *out,
			  struct keel_sync_reg *regs, size_t max);
int keel_sync_admin_encode(uint8_t *b, size_t size,
			   const struct keel_sync_admin *in,
			   const struct keel_sync_reg *regs);

int keel_sync_digests_parse(const uint8_t *b, size_t n,
			    struct keel_sync_digests *out,
			    struct keel_sync_digest *d, size_t max);
int keel_sync_digests_encode(uint8_t *b, size_t size,
			     const struct keel_sync_digests *in,
			     const struct keel_sync_digest *d);

int keel_sync_table_req_parse(const uint8_t *b, size_t n, uint16_t *count,
			      struct keel_sync_svc *svcs, size_t max);
int keel_sync_table_req_encode(uint8_t *b, size_t size, uint16_t count,
			       const struct keel_sync_svc *svcs);

/* tables[] and reals[] up to max_t and max_r; *n_t, *n_r set. */
int keel_sync_table_data_parse(const uint8_t *b, size_t n,
			       struct keel_sync_table *tables, size_t max_t,
			       size_t *n_t, struct keel_sync_table_real *reals,
			       size_t max_r, size_t *n_r);
int keel_sync_table_data_encode(uint8_t *b, size_t size,
				const struct keel_sync_table *tables,
				size_t n_t,
				const struct keel_sync_table_real *reals);

/*
 * The record writer: a FLOWS or BULK_DATA body filled record by record
 * until it is full.  begin writes the body's header (count patched by
 * end); put adds one record or returns -ENOSPC leaving the body as it
 * was (the caller seals it and starts the next), -EINVAL for an invalid
 * record or one of the wrong kind; end returns the body's length.
 */
struct keel_sync_wr {
	uint8_t *b;
	size_t size, len;
	uint16_t count;
	bool bulk;
	bool bad; /* begun with an invalid header: put and end -EINVAL */
};
void keel_sync_flows_begin(struct keel_sync_wr *w, uint8_t *b, size_t size,
			   uint32_t queue_us);
void keel_sync_bulk_data_begin(struct keel_sync_wr *w, uint8_t *b, size_t size,
			       const struct keel_sync_bulk_data *hdr);
int keel_sync_rec_put(struct keel_sync_wr *w, const struct keel_sync_rec *r);
int keel_sync_wr_end(struct keel_sync_wr *w);

/*
 * The replay window of one accepted stream (RFC 4303 section 3.4.3): seqs
 * more than 1024 below the highest accepted, or seen already, are
 * replays, and so is every seq up to the one the window began with.
 * check before decrypting, mark after.  lost counts seqs passed over and
 * not (yet) seen: a late arrival inside the window takes one back.
 */
#define KEEL_SYNC_WINDOW 1024
struct keel_sync_window {
	uint64_t top; /* highest seq marked */
	uint64_t lost;
	uint64_t bits[KEEL_SYNC_WINDOW / 64];
};
/* A window whose first accepted datagram is seq (the session's HELLO). */
void keel_sync_window_init(struct keel_sync_window *w, uint64_t seq);
/* 0, or -EALREADY for a replay (too old or seen). */
int keel_sync_window_check(const struct keel_sync_window *w, uint64_t seq);
/* Mark seq seen (after check passed and the AEAD verified). */
void keel_sync_window_mark(struct keel_sync_window *w, uint64_t seq);

#endif /* KEEL_SYNC_H */
