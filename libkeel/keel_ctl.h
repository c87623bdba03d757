/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_ctl - the control protocol's request codec (docs/control-protocol.md),
 * shared by lbd (parses) and lbctl (encodes).  Pure: no I/O, no logging;
 * jansson allocates only inside a call and frees before returning.
 *
 * Service and real stay text here: lbd parses them (keel_vip_parse,
 * keel_addr_parse) and answers not_found/invalid itself.
 */
#ifndef KEEL_CTL_H
#define KEEL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEEL_CTL_MSG_MAX 65536 /* one request or response line */
#define KEEL_CTL_SERVICE_MAX 64
#define KEEL_CTL_REAL_MAX 48
#define KEEL_CTL_WEIGHT_MAX 65535
#define KEEL_CTL_REASON_MAX 256 /* site.drain's reason, NUL included */
#define KEEL_CTL_SOCK_DIR "/run/keel" /* lbd's default: <dir>/<instance>.sock */
/* bgp-announcer's default control socket (docs/bgp-announcer.md). */
#define KEEL_CTL_BGPA_SOCK KEEL_CTL_SOCK_DIR "/bgp-announcer.sock"

enum keel_ctl_cmd {
	KEEL_CTL_STATUS,
	KEEL_CTL_SERVICES,
	KEEL_CTL_REALS,
	KEEL_CTL_STATS,
	KEEL_CTL_REAL_WEIGHT,
	KEEL_CTL_REAL_DRAIN,
	KEEL_CTL_REAL_UNDRAIN,
	KEEL_CTL_REAL_DOWN,
	KEEL_CTL_REAL_UP,
	KEEL_CTL_REAL_ADD,
	KEEL_CTL_REAL_DEL,
	KEEL_CTL_SERVICE_ADD,
	KEEL_CTL_SERVICE_DEL,
	KEEL_CTL_RELOAD,
	KEEL_CTL_SHUTDOWN,
	KEEL_CTL_SITE_STATUS,
	KEEL_CTL_SITE_DRAIN,
	KEEL_CTL_SITE_UNDRAIN,
	/* bgp-announcer's (docs/bgp-announcer.md) */
	KEEL_CTL_PREFIXES,
	/* rs-agent's (docs/rs-agent.md): the agent's own drain */
	KEEL_CTL_DRAIN,
	KEEL_CTL_UNDRAIN,
	/* lbd's, the LB pair (docs/pair.md): synced by the operator */
	KEEL_CTL_PAIR_SYNCED,
	/* lbd's, the LB pair (docs/pair.md): its peers and sessions */
	KEEL_CTL_PAIR_STATUS,
	KEEL_CTL__MAX,
};

/*
 * Which commands a daemon accepts (keel_ctl_req_parse_for()): any other
 * is answered as an unknown cmd, whichever daemon knows it.  The three
 * daemons share status and reload; the rest are their own.
 */
#define KEEL_CTL_BIT(c) (1U << (c))
/* STATUS..SITE_UNDRAIN, and the pair's (added after the others' own). */
#define KEEL_CTL_ACCEPT_LBD                              \
	((KEEL_CTL_BIT(KEEL_CTL_SITE_UNDRAIN + 1) - 1) | \
	 KEEL_CTL_BIT(KEEL_CTL_PAIR_SYNCED) |            \
	 KEEL_CTL_BIT(KEEL_CTL_PAIR_STATUS))
#define KEEL_CTL_ACCEPT_BGPA                                               \
	(KEEL_CTL_BIT(KEEL_CTL_STATUS) | KEEL_CTL_BIT(KEEL_CTL_PREFIXES) | \
	 KEEL_CTL_BIT(KEEL_CTL_RELOAD))
#define KEEL_CTL_ACCEPT_AGENT                                           \
	(KEEL_CTL_BIT(KEEL_CTL_STATUS) | KEEL_CTL_BIT(KEEL_CTL_DRAIN) | \
	 KEEL_CTL_BIT(KEEL_CTL_UNDRAIN))
#define KEEL_CTL_ACCEPT_ALL (KEEL_CTL_BIT(KEEL_CTL__MAX) - 1)

struct keel_ctl_req {
	enum keel_ctl_cmd cmd;
	char service[KEEL_CTL_SERVICE_MAX]; /* "" if absent */
	char real[KEEL_CTL_REAL_MAX]; /* "" if absent */
	bool has_weight; /* weight given (real.weight, real.add) */
	bool weight_clear; /* real.weight with null: drop the override */
	uint32_t weight; /* 0..65535 */
	bool persistent; /* service.add */
	uint32_t ring_size; /* service.add, 0: default */
	bool unload; /* shutdown */
	bool summary; /* status: counts of reals per service, not the reals */
	/* site.drain ("" if absent), pair.synced (required) */
	char reason[KEEL_CTL_REASON_MAX];
};

enum keel_ctl_code {
	KEEL_CTL_E_BAD_REQUEST,
	KEEL_CTL_E_NOT_FOUND,
	KEEL_CTL_E_EXISTS,
	KEEL_CTL_E_INVALID,
	KEEL_CTL_E_INTERNAL,
	/* The peer's role does not allow the command (keel_ctlsock.h). */
	KEEL_CTL_E_DENIED,
};

/*
 * An operator's free text (site.drain's reason, kept in lbd's state file
 * and shown in logs and tables): 1..KEEL_CTL_REASON_MAX-1 bytes without
 * control characters (C0, DEL, C1), so that it stays one line wherever it
 * goes and cannot drive a terminal.  UTF-8
 * validity is the JSON layer's to check.
 */
static inline bool keel_ctl_text_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= KEEL_CTL_REASON_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
		/* C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F): some
		 * terminals act on them (U+009B is CSI). */
		if ((unsigned char)s[i] == 0xc2 && i + 1 < len &&
		    (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return false;
	}
	return true;
}

/*
 * Parse one request (len bytes, no trailing newline needed).  Returns 0,
 * or with a message in err (always NUL-terminated, printable ASCII) and
 * out zeroed:
 * -EBADMSG for anything malformed (answer bad_request): bad JSON, not an
 *   object, unknown or missing cmd, unknown member, wrong type, a member
 *   the cmd does not take, a required member missing, len over
 *   KEEL_CTL_MSG_MAX;
 * -ERANGE for a value of the right type out of range (answer invalid):
 *   weight, ring_size, an empty or over-long service or real, a reason
 *   that keel_ctl_text_ok() refuses;
 * -ENOMEM.
 */
int keel_ctl_req_parse(const char *buf, size_t len, struct keel_ctl_req *out,
		       char *err, size_t errlen);
/*
 * keel_ctl_req_parse() for a daemon that takes the commands of accept
 * (KEEL_CTL_ACCEPT_*): any other cmd is -EBADMSG "unknown cmd".
 * keel_ctl_req_parse() is this with KEEL_CTL_ACCEPT_LBD.
 */
int keel_ctl_req_parse_for(const char *buf, size_t len, uint32_t accept,
			   struct keel_ctl_req *out, char *err, size_t errlen);
/*
 * One request as a JSON line with '\n', NUL-terminated; returns the bytes
 * written before the NUL, -ENOSPC, or -EINVAL for a request that
 * keel_ctl_req_parse() would refuse.
 */
int keel_ctl_req_encode(const struct keel_ctl_req *r, char *buf, size_t size);
/*
 * {"ok":false,"code":...,"error":...}\n, NUL-terminated; bytes written
 * before the NUL, -ENOSPC or -EINVAL (unknown code).  Bytes of msg that
 * are not UTF-8 become '?'.
 */
int keel_ctl_err_encode(enum keel_ctl_code code, const char *msg, char *buf,
			size_t size);
const char *keel_ctl_cmd_name(enum keel_ctl_cmd cmd);
/*
 * status, services, reals, stats and site.status change nothing: the
 * read-only role may send them; every other command needs the admin role.
 */
bool keel_ctl_cmd_read_only(enum keel_ctl_cmd cmd);
const char *keel_ctl_code_name(enum keel_ctl_code code);

/*
 * Every answer's envelope: {"ok": true, ...} or {"ok": false, "code":
 * CODE, "error": TEXT}.  code and error are copied (cut to their
 * buffers, bytes outside printable ASCII made '?') when ok is false and
 * the member is a string; has_code/has_error say whether it was.
 */
struct keel_ctl_head {
	bool ok;
	bool has_code, has_error;
	char code[24];
	char error[512];
};

/*
 * The envelope of one answer line (len bytes, trailing newline allowed).
 * 0; -EBADMSG (not JSON, not an object, "ok" missing or not a boolean)
 * with a message in err (printable ASCII) and out zeroed; -ENOMEM.
 * Other members are not looked at.
 */
int keel_ctl_head_parse(const char *line, size_t len, struct keel_ctl_head *out,
			char *err, size_t errlen);
/* The longest answer a client reads (a status of a large site). */
#define KEEL_CTL_ANSWER_MAX (16U << 20)

#endif /* KEEL_CTL_H */
