/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_report - the rs-agent -> lbd report codec (docs/agent-protocol.md),
 * shared by rs-agent (encodes) and lbd (parses).  Pure: no I/O, no
 * logging, no allocation; libsodium only for HMAC-SHA256.
 *
 * Wire format, big-endian, one UDP datagram:
 *   header | count x service (25) | load (4) | HMAC-SHA256 (32)
 * The header is 71 bytes in version 2 (the agent's boot counter after the
 * key id) and 63 in version 1, still parsed for rolling upgrades.  The MAC
 * covers every byte before it.  Callers run sodium_init() once at start,
 * as for any libsodium use.
 */
#ifndef KEEL_REPORT_H
#define KEEL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include <sys/types.h>

#include "keel_maps.h" /* enum keel_family, enum keel_real_state */

#define KEEL_REPORT_MAGIC "KEEL"
#define KEEL_REPORT_VERSION 2 /* what agents send */
#define KEEL_REPORT_VERSION_1 1 /* no boot counter; still parsed */
#define KEEL_REPORT_TYPE_REPORT 1

#define KEEL_REPORT_KEY_LEN 32
#define KEEL_REPORT_BOOT_ID_LEN 16
/*
 * The largest boot counter: lbd shows it as a JSON integer (signed 64
 * bits), and rs-agent never takes a larger one (RA_BOOT_MAX).  Above it
 * a version-2 report is malformed.
 */
#define KEEL_REPORT_BOOT_MAX INT64_MAX
#define KEEL_REPORT_MAC_LEN 32

#define KEEL_REPORT_HDR_LEN 71
#define KEEL_REPORT_HDR_LEN_V1 63
#define KEEL_REPORT_SVC_LEN 25
#define KEEL_REPORT_TAIL_LEN (4 + KEEL_REPORT_MAC_LEN) /* load + MAC */
/*
 * Services per report: the most that keep the datagram within 1232 bytes
 * (the IPv6 minimum MTU, 1280, less IPv6 and UDP headers), so a report is
 * never fragmented on any path.
 */
#define KEEL_REPORT_MAX 44
#define KEEL_REPORT_LEN(n) \
	(KEEL_REPORT_HDR_LEN + (n)*KEEL_REPORT_SVC_LEN + KEEL_REPORT_TAIL_LEN)
#define KEEL_REPORT_LEN_V1(n)                               \
	(KEEL_REPORT_HDR_LEN_V1 + (n)*KEEL_REPORT_SVC_LEN + \
	 KEEL_REPORT_TAIL_LEN)
/* The longest of either version: 1207 */
#define KEEL_REPORT_LEN_MAX KEEL_REPORT_LEN(KEEL_REPORT_MAX)

/* An address: family is enum keel_family; IPv4 in addr[0..3], rest zero. */
struct keel_report_addr {
	uint8_t family;
	uint8_t addr[16];
};

struct keel_report_svc {
	struct keel_report_addr vip;
	uint16_t port; /* host order; 0: the port-less service */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state; /* KEEL_RS_UP, KEEL_RS_DOWN or KEEL_RS_DRAINING */
	uint32_t conns; /* established connections */
};

struct keel_report {
	/* 1 or 2 as parsed; 0 counts as KEEL_REPORT_VERSION (encode, guard) */
	uint8_t version;
	uint16_t flags; /* none defined; carried, MAC'd */
	uint32_t key_id; /* which shared key signed it */
	/* Version 2: the agent's boot counter, persisted by the agent and
	 * raised at every start, 0..KEEL_REPORT_BOOT_MAX; 0 in version 1. */
	uint64_t boot;
	uint8_t boot_id[KEEL_REPORT_BOOT_ID_LEN]; /* random, per agent start */
	uint64_t seq; /* strictly increasing per boot */
	uint64_t ts_ms; /* agent's wall clock, informational only */
	struct keel_report_addr real;
	uint16_t count; /* 0..KEEL_REPORT_MAX */
	struct keel_report_svc svc[KEEL_REPORT_MAX];
	uint32_t load; /* host load x 1000, e.g. loadavg1 * 1000 */
};

/*
 * Encode r in its version (r->version; 0: KEEL_REPORT_VERSION) and sign
 * it with key.  Returns the bytes written (KEEL_REPORT_LEN(r->count), or
 * KEEL_REPORT_LEN_V1 in version 1), -EINVAL for a report
 * keel_report_parse() would refuse (version, count, family, non-zero IPv4
 * padding, protocol, state), or -ENOSPC when size is too small (nothing
 * useful is left in buf).
 */
int keel_report_encode(uint8_t *buf, size_t size, const struct keel_report *r,
		       const uint8_t key[KEEL_REPORT_KEY_LEN]);

/*
 * A key ready to verify with: HMAC-SHA256's inner and outer padded key
 * blocks already hashed, which saves two of the five or six SHA-256 blocks
 * a short report costs.  Key material: wipe it with sodium_memzero().
 */
struct keel_report_mac_key {
	crypto_auth_hmacsha256_state st;
};
void keel_report_mac_key_init(struct keel_report_mac_key *k,
			      const uint8_t key[KEEL_REPORT_KEY_LEN]);

/*
 * Verify and parse one datagram of either version.  Returns 0 with *out
 * filled (out->version 1 or 2), or with *out zeroed:
 * -EBADMSG: malformed: bad magic, unknown type, length not that of the
 *   count it carries (truncated, trailing bytes), count over
 *   KEEL_REPORT_MAX, bad family or IPv4 padding, unknown protocol or state;
 * -EPROTONOSUPPORT: a version other than 1 and 2;
 * -EACCES: the MAC does not verify under the key (constant-time).
 * Before the MAC is verified, only magic, version and lengths are read,
 * and only to reject: no field is trusted or returned unauthenticated.
 */
int keel_report_parse(const uint8_t *buf, size_t len,
		      const uint8_t key[KEEL_REPORT_KEY_LEN],
		      struct keel_report *out);
/* The same with a prepared key (lbd: every datagram). */
int keel_report_parse_with(const uint8_t *buf, size_t len,
			   const struct keel_report_mac_key *k,
			   struct keel_report *out);

/*
 * The header of a datagram, UNAUTHENTICATED: read before its MAC is
 * checked, only to choose the key and to reject cheaply what could never
 * be accepted (another sender, a replay).  Nothing here may be stored,
 * used or trusted otherwise.
 */
struct keel_report_hdr {
	uint8_t version;
	uint32_t key_id;
	uint64_t boot; /* 0 in version 1 */
	uint8_t boot_id[KEEL_REPORT_BOOT_ID_LEN];
	uint64_t seq;
	struct keel_report_addr real; /* as sent: not validated */
};

/*
 * The frame checks of keel_report_parse() (magic, version, length for the
 * count), then the header: 0 with *h filled, or -EBADMSG /
 * -EPROTONOSUPPORT with *h zeroed.
 */
int keel_report_peek(const uint8_t *buf, size_t len, struct keel_report_hdr *h);

/*
 * The shared key as a key file holds it: exactly 32 raw bytes, or 64 hex
 * digits (either case) followed by nothing but whitespace (a newline, or
 * CR LF).  0, or -EINVAL with key zeroed and why in msg (msglen may be 0).
 */
int keel_report_key_parse(const uint8_t *buf, size_t len,
			  uint8_t key[KEEL_REPORT_KEY_LEN], char *msg,
			  size_t msglen);

/*
 * Read a key file (keel_report_key.c, the one function here with I/O):
 * keel_report_key_parse() of a regular file of at most 4 KiB that neither
 * group nor others may access (-EPERM, "chmod 600"), owned by root, by
 * the process's user or by user (the one the daemon runs as after its
 * start; (uid_t)-1: none) (-EPERM, "chown").  The message starts
 * "key file PATH: "; the file's bytes are wiped from memory once read.
 */
int keel_report_key_load(const char *path, uid_t user,
			 uint8_t key[KEEL_REPORT_KEY_LEN], char *msg,
			 size_t msglen);

/*
 * The key id of a datagram, UNAUTHENTICATED (keel_report_peek()): only
 * for choosing which key to verify with (key rotation).  0, or -EBADMSG /
 * -EPROTONOSUPPORT as keel_report_parse() would say.
 */
int keel_report_key_id(const uint8_t *buf, size_t len, uint32_t *key_id);

/*
 * For tests/fuzz only: keel_report_parse() without the MAC check (the 32
 * MAC bytes must still be there).  Random input almost never carries a
 * valid MAC, so this is how a fuzzer reaches the field parsing.  Never use
 * it on input from the network.
 */
int keel_report_parse_body(const uint8_t *buf, size_t len,
			   struct keel_report *out);

/*
 * Replay guard for one agent (lbd keeps one per agent address, and saves
 * it across its restarts).  Pure.  A zeroed struct has seen nothing.
 */
struct keel_replay {
	uint8_t boot_id[KEEL_REPORT_BOOT_ID_LEN]; /* of the last accepted */
	uint64_t boot; /* version 2: its boot counter */
	uint64_t last_seq;
	bool seen;
	bool v2; /* a version-2 report was accepted: version 1 is refused */
};

/*
 * Would a report of this version, boot counter, boot id and sequence be
 * new (docs/agent-protocol.md, "Replay")?  0, or:
 * -EALREADY: the same boot and seq <= the last (replayed or reordered);
 * -ESTALE: version 2, a boot counter below the last accepted one (a
 *   report of an earlier boot, or an agent whose counter went back);
 * -EPROTO: version 1 from an agent that has spoken version 2 (downgrade).
 * Version 2 is new when (boot, seq) is above the last (boot, seq), or when
 * the guard has seen nothing or only version 1 (the agent was upgraded).
 * Version 1 (no counter) keeps the old rule: a different boot id is a
 * restart and is accepted, which is why an agent once heard in version 2
 * is never accepted in version 1 again.
 * Changes nothing: safe on the unauthenticated header, to reject early.
 */
int keel_replay_test(const struct keel_replay *g, uint8_t version,
		     uint64_t boot,
		     const uint8_t boot_id[KEEL_REPORT_BOOT_ID_LEN],
		     uint64_t seq);

/*
 * Call only with a report keel_report_parse() accepted (authenticated):
 * keel_replay_test(), and on 0 the report is recorded as the last one.
 * Error as keel_replay_test(), guard unchanged.
 */
int keel_replay_check(struct keel_replay *g, const struct keel_report *r);

/* Would accepting r start a new boot of this agent (for its counter)? */
bool keel_replay_new_boot(const struct keel_replay *g,
			  const struct keel_report *r);

#endif
