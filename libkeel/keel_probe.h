/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_probe - health probes on a libevent loop, shared by rs-agent
 * (checks of the local service) and lbd (active checks of reals without an
 * agent).  Nothing blocks: connects are non-blocking, every probe has a
 * timeout, commands run as children watched by the loop.
 *
 *   keel_probe_run(): one probe, one callback (passed, failed, or not
 *                     run at all, and why).
 *   keel_check_*():   a probe every interval fed through rise/fall
 *                     (keel_health.h); a callback on each state change.
 *
 * A probe the prober itself could not run (no descriptor, no memory, no
 * process, no local port, a local policy refusing the connect: EMFILE,
 * ENFILE, ENOBUFS, ENOMEM, EAGAIN, EACCES, EPERM, EADDRNOTAVAIL at
 * connect) says nothing of the service: it is KEEL_PROBE_NOT_RUN, never
 * fed to rise/fall (the check's state stands, "held"), counted
 * process-wide (keel_probe_not_run()) and logged, rate-limited.
 *
 * One file per probe type behind this interface (keepalived's check_tcp.c,
 * check_http.c shape): keel_probe.c (dispatch, timers, checks),
 * keel_probe_tcp.c, keel_probe_http.c, keel_probe_cmd.c.
 */
#ifndef KEEL_PROBE_H
#define KEEL_PROBE_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;

enum keel_probe_type {
	KEEL_PROBE_TCP = 1, /* connect() completes */
	KEEL_PROBE_HTTP, /* GET path answers with a status in [min, max] */
	KEEL_PROBE_CMD, /* /bin/sh -c cmd exits 0 */
};

#define KEEL_PROBE_PATH_MAX 256
#define KEEL_PROBE_HOST_MAX 256
#define KEEL_PROBE_CMD_MAX 1024

struct keel_probe_spec {
	uint8_t type; /* enum keel_probe_type */
	/* TCP, HTTP: where to connect */
	uint8_t family; /* KEEL_F_INET / KEEL_F_INET6 (keel_maps.h) */
	uint8_t addr[16]; /* network order; IPv4 in addr[0..3] */
	uint16_t port; /* host order */
	/* Optional source address to bind (family 0: any). */
	uint8_t src_family;
	uint8_t src_addr[16];
	/* HTTP */
	char path[KEEL_PROBE_PATH_MAX]; /* default "/" */
	char host[KEEL_PROBE_HOST_MAX]; /* Host header; default the address */
	uint16_t status_min, status_max; /* default 200..399 */
	/* CMD: run as this user and group (no other groups), never root */
	char cmd[KEEL_PROBE_CMD_MAX];
	uint32_t uid, gid;
	uint32_t timeout_ms; /* every type; a command past it is killed */
};

#define KEEL_PROBE_TIMEOUT_MAX 600000 /* ms */
#define KEEL_CHECK_INTERVAL_MIN 10 /* ms */
#define KEEL_CHECK_INTERVAL_MAX 3600000 /* ms */

/*
 * 0, or -EINVAL for a spec keel_probe_run() would refuse: unknown type;
 * TCP/HTTP: family not KEEL_F_INET/INET6, IPv4 padding not zero, port 0,
 * a source of another family; HTTP: path not "" or "/..." of visible
 * ASCII, host with a space or control character, status range not
 * 0..0 (the default) or within 100..599 with min <= max; CMD: empty
 * (its uid and gid are checked when it runs: 0, root, is never run);
 * any string not NUL-terminated; timeout_ms not 1..KEEL_PROBE_TIMEOUT_MAX.
 * For config loaders, to refuse a bad check before anything runs.
 */
int keel_probe_spec_check(const struct keel_probe_spec *spec);

enum keel_probe_result {
	KEEL_PROBE_FAILED = 0, /* the service failed the probe */
	KEEL_PROBE_PASSED, /* it passed */
	KEEL_PROBE_NOT_RUN, /* the prober could not run it: no verdict */
};

/* detail: a short human reason ("connect: Connection refused",
 * "status 503", "exit 1", "timeout 500ms", "not run: socket: Too many
 * open files"), valid during the call only. */
typedef void (*keel_probe_cb)(void *arg, enum keel_probe_result res,
			      const char *detail);

struct keel_probe;

/*
 * Start one probe.  The callback runs exactly once, from the loop (never
 * from within keel_probe_run), unless the probe is cancelled first.
 * Returns NULL with errno set (EINVAL for a bad spec, ENOMEM, or the
 * socket()/fork() error: a probe not run, counted as such).
 */
struct keel_probe *keel_probe_run(struct event_base *base,
				  const struct keel_probe_spec *spec,
				  keel_probe_cb cb, void *arg);
/* Cancel a probe whose callback has not run: no callback; frees it. */
void keel_probe_cancel(struct keel_probe *p);

struct keel_check;
/* state: KEEL_RS_UP or KEEL_RS_DOWN; detail: the last probe's reason. */
typedef void (*keel_check_cb)(void *arg, uint8_t state, const char *detail);

/*
 * A probe every interval_ms (the first at once), results through rise/fall;
 * cb on every change of state (including the first verdict out of
 * UNKNOWN), and also, with the state unchanged, when the check starts or
 * stops being held (keel_check_held()).  A probe still running when the
 * next is due is not doubled.  NULL with errno on error.
 */
struct keel_check *keel_check_new(struct event_base *base,
				  const struct keel_probe_spec *spec,
				  uint32_t interval_ms, uint16_t rise,
				  uint16_t fall, keel_check_cb cb, void *arg);
void keel_check_free(struct keel_check *c);
uint8_t keel_check_state(const struct keel_check *c); /* KEEL_RS_* */
/* The last probe's reason ("" before the first). */
const char *keel_check_detail(const struct keel_check *c);
/*
 * True while the last probe could not be run (KEEL_PROBE_NOT_RUN): the
 * state is the last verdict, held, not a fresh one.
 */
bool keel_check_held(const struct keel_check *c);

/* Probes not run since the process started (a counter for metrics). */
uint64_t keel_probe_not_run(void);

#endif
