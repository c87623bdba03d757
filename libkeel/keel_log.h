/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_log - one line per event, to stderr or syslog, for every daemon.
 *
 * stderr form:  "lbd[1234]: warning: real 10.0.0.2 changed MAC"
 * When stderr is the journal's stream (systemd sets JOURNAL_STREAM), the
 * line is "<4>warning: real ..." instead: the journal records the
 * priority and adds ident, pid and time itself.
 * Control characters in the message (newlines included) become spaces, so
 * text that came from the network cannot forge a second line.  A message
 * longer than KEEL_LOG_LINE_MAX is cut and ends in "...".
 */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#define KEEL_LOG_LINE_MAX 2048

/*
 * ident: program name (copied, at most 31 bytes); to_syslog: LOG_DAEMON
 * facility instead of stderr; min_level: the least severe level written,
 * LOG_ERR..LOG_DEBUG.  Before the first call: "keel", stderr, LOG_INFO.
 */
void keel_log_init(const char *ident, bool to_syslog, int min_level);
/* Keeps errno. */
void keel_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "err", "warning", ...; "?" for a value outside LOG_EMERG..LOG_DEBUG. */
const char *keel_log_level_name(int level);
/*
 * The level a daemon's --log-level names: "err", "warning", "notice",
 * "info" or "debug"; -EINVAL for anything else (the more severe levels
 * are never a sensible minimum).
 */
int keel_log_level_parse(const char *name);

/*
 * At most `burst` events per `interval_ms` window.  Zero-initialise, set
 * the two limits, and keep the rest private:
 *
 *	static struct keel_ratelimit rl = { .interval_ms = 5000, .burst = 5 };
 *
 *	if (keel_ratelimit_ok(&rl, now_ms, &n))
 *		keel_log(LOG_WARNING, "bad report from %s (%llu similar suppressed)",
 *			 peer, (unsigned long long)n);
 *
 * When it allows an event, *suppressed (may be NULL) is the number denied
 * since the previous allowed one, and the count restarts; when it denies
 * one, *suppressed is 0.  now_ms is any monotonic clock in milliseconds.
 * burst 0 denies everything; interval_ms 0 allows everything.
 */
struct keel_ratelimit {
	uint32_t interval_ms;
	uint32_t burst;
	/* private */
	bool started;
	uint32_t allowed; /* in the current window */
	uint64_t window_ms; /* start of the current window */
	uint64_t missed; /* denied since the last allowed event */
};

bool keel_ratelimit_ok(struct keel_ratelimit *rl, uint64_t now_ms,
		       uint64_t *suppressed);

#endif
