/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_report - sending the agent's reports (the codec is keel_report):
 * numbering (boot counter, boot id, sequence), signing, and one datagram
 * to every LB.
 *
 * One UDP socket per LB, bound to the real's address (lbd checks the
 * source against it) and connected to the LB: Linux reports ICMP errors
 * (port or host unreachable) only to connected UDP sockets, so each LB's
 * trouble shows up on its own socket, counted and logged on its own,
 * while the others keep getting every report.  Sends never block.
 */
#ifndef RA_REPORT_H
#define RA_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "keel_log.h"
#include "keel_report.h"
#include "ra_config.h"

/* An LB counts as reachable again after this long without an error. */
#define RA_REPORT_QUIET_MS 10000

struct ra_report_lb {
	int fd;
	bool connected; /* else connect() is retried before each send */
	struct sockaddr_storage dst;
	socklen_t dlen;
	char name[64]; /* "10.0.0.1:9460" */
	uint64_t sent, errors;
	bool failing; /* an error in the last RA_REPORT_QUIET_MS */
	int last_err; /* -errno of the last failed send */
	uint64_t last_fail_ms; /* monotonic */
	struct keel_ratelimit rl;
};

struct ra_report_tx {
	struct ra_report_lb lbs[RA_CFG_LBS_MAX];
	size_t n_lbs;
	uint8_t key[KEEL_REPORT_KEY_LEN];
	uint32_t key_id;
	struct keel_report_addr real;
	uint8_t version; /* cfg->report_version */
	uint64_t boot; /* this boot's counter (ra_boot), version 2 */
	uint8_t boot_id[KEEL_REPORT_BOOT_ID_LEN];
	uint64_t seq; /* of the last report built */
};

/*
 * Sockets for every LB of cfg, bound to cfg->real; this boot's counter
 * (already made durable: ra_boot_next()) and a fresh boot id.  Call
 * sodium_init() first.  0, or -errno with a reason in msg.
 */
int ra_report_open(struct ra_report_tx *t, const struct ra_config *cfg,
		   const uint8_t key[KEEL_REPORT_KEY_LEN], uint64_t boot,
		   char *msg, size_t msglen);
void ra_report_close(struct ra_report_tx *t);
/*
 * Number, timestamp, sign and send r (its services and load filled in by
 * the caller) to every LB.  Returns how many LBs took it.
 */
size_t ra_report_send(struct ra_report_tx *t, struct keel_report *r);

#endif
