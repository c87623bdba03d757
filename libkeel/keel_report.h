/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_report - the rs-agent -> lbd report codec (docs/agent-protocol.md),
 * shared by rs-agent (encodes) and lbd (parses).  Pure: no I/O, no
 * logging, no allocation; libsodium only for HMAC-SHA256.
 *
 * Wire format version 1, big-endian, one UDP datagram:
 *   header (63) | count x service (25) | load (4) | HMAC-SHA256 (32)
 * The MAC covers every byte before it.  Callers run sodium_init() once at
 * start, as for any libsodium use.
 */
#ifndef KEEL_REPORT_H
#define KEEL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "keel_maps.h" /* enum keel_family, enum keel_real_state */

#define KEEL_REPORT_MAGIC "KEEL"
#define KEEL_REPORT_VERSION 1
#define KEEL_REPORT_TYPE_REPORT 1

#define KEEL_REPORT_KEY_LEN 32
#define KEEL_REPORT_BOOT_ID_LEN 16
#define KEEL_REPORT_MAC_LEN 32

#define KEEL_REPORT_HDR_LEN 63
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
#define KEEL_REPORT_LEN_MAX KEEL_REPORT_LEN(KEEL_REPORT_MAX) /* 1199 */

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
	uint16_t flags; /* none defined in version 1; carried, MAC'd */
	uint32_t key_id; /* which shared key signed it */
	uint8_t boot_id[KEEL_REPORT_BOOT_ID_LEN]; /* random, per agent start */
	uint64_t seq; /* strictly increasing per boot id */
	uint64_t ts_ms; /* agent's wall clock, informational only */
	struct keel_report_addr real;
	uint16_t count; /* 0..KEEL_REPORT_MAX */
	struct keel_report_svc svc[KEEL_REPORT_MAX];
	uint32_t load; /* host load x 1000, e.g. loadavg1 * 1000 */
};

/*
 * Encode r and sign it with key.  Returns the bytes written
 * (KEEL_REPORT_LEN(r->count)), -EINVAL for a report keel_report_parse()
 * would refuse (count, family, non-zero IPv4 padding, protocol, state), or
 * -ENOSPC when size is too small (nothing useful is left in buf).
 */
int keel_report_encode(uint8_t *buf, size_t size, const struct keel_report *r,
		       const uint8_t key[KEEL_REPORT_KEY_LEN]);

/*
 * Verify and parse one datagram.  Returns 0 with *out filled, or with *out
 * zeroed:
 * -EBADMSG: malformed: bad magic, unknown type, length not that of the
 *   count it carries (truncated, trailing bytes), count over
 *   KEEL_REPORT_MAX, bad family or IPv4 padding, unknown protocol or state;
 * -EPROTONOSUPPORT: a version other than KEEL_REPORT_VERSION;
 * -EACCES: the MAC does not verify under key (constant-time).
 * Before the MAC is verified, only magic, version and lengths are read,
 * and only to reject: no field is trusted or returned unauthenticated.
 */
int keel_report_parse(const uint8_t *buf, size_t len,
		      const uint8_t key[KEEL_REPORT_KEY_LEN],
		      struct keel_report *out);

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
 * The key id of a datagram that has a version 1 header, UNAUTHENTICATED:
 * only for choosing which key to verify with (key rotation).  0, or
 * -EBADMSG / -EPROTONOSUPPORT as keel_report_parse() would say.
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
 * Replay guard for one real (lbd keeps one per configured real).  Pure.
 * A zeroed struct is a guard that has seen nothing.
 */
struct keel_replay {
	uint8_t boot_id[KEEL_REPORT_BOOT_ID_LEN];
	uint64_t last_seq;
	bool seen;
};

/*
 * Call only with a report keel_report_parse() accepted (authenticated).
 * Returns 0 and records (boot id, seq) when the report is new: the first
 * one, a sequence above the last one of the same boot id (gaps are fine:
 * lost datagrams), or a different boot id (the agent restarted and drew a
 * new one; its sequence starts again).  Returns -EALREADY, guard
 * unchanged, for a replayed or reordered report: same boot id and
 * seq <= last.
 *
 * A new boot id is accepted because the agent keeps no state across
 * restarts and lbd cannot tell a restart from anything else; this is safe
 * against forgery because the MAC covers the boot id, so only a key holder
 * can mint one.  The implication: a report recorded from an EARLIER boot
 * of the same agent, under a key still accepted, also looks like a new
 * boot and is accepted once; the genuine agent's next report (one interval
 * later) switches the guard back.  Retiring keys bounds this window
 * (docs/agent-protocol.md, "Replay").
 */
int keel_replay_check(struct keel_replay *g, const struct keel_report *r);

#endif
