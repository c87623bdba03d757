// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/stat.h>

#include "keel_log.h"

static struct {
	char ident[32];
	bool to_syslog;
	bool journal;
	int min_level;
} keel_log_cfg = { "keel", false, false, LOG_INFO };

static const char *const keel_log_names[] = {
	[LOG_EMERG] = "emerg",	   [LOG_ALERT] = "alert",
	[LOG_CRIT] = "crit",	   [LOG_ERR] = "err",
	[LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info",	   [LOG_DEBUG] = "debug",
};

const char *keel_log_level_name(int level)
{
	if (level < LOG_EMERG || level > LOG_DEBUG)
		return "?";
	return keel_log_names[level];
}

int keel_log_level_parse(const char *name)
{
	int l;

	for (l = LOG_ERR; l <= LOG_DEBUG; l++)
		if (!strcmp(name, keel_log_names[l]))
			return l;
	return -EINVAL;
}

/* systemd names the stream it connected to stderr (systemd.exec(5)). */
static bool keel_log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void keel_log_init(const char *ident, bool to_syslog, int min_level)
{
	snprintf(keel_log_cfg.ident, sizeof(keel_log_cfg.ident), "%s", ident);
	keel_log_cfg.to_syslog = to_syslog;
	keel_log_cfg.journal = !to_syslog && keel_log_stderr_is_journal();
	keel_log_cfg.min_level = min_level;
	if (to_syslog)
		/* openlog keeps the pointer: the static copy outlives it. */
		openlog(keel_log_cfg.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

/*
 * A line on a plain stderr (a terminal, a file, a container's log) starts
 * with the time, RFC 3339 in UTC with milliseconds: syslog and the journal
 * stamp their lines themselves.
 */
static int keel_log_stamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	if (clock_gettime(CLOCK_REALTIME, &ts) || !gmtime_r(&ts.tv_sec, &tm))
		return 0;
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!n)
		return 0;
	return (int)n +
	       snprintf(buf + n, size - n, ".%03ldZ ", ts.tv_nsec / 1000000);
}

void keel_log(int level, const char *fmt, ...)
{
	char line[KEEL_LOG_LINE_MAX];
	int saved = errno, hdr = 0, n;
	va_list ap;
	char *p;

	if (level > keel_log_cfg.min_level)
		return;
	if (keel_log_cfg.journal)
		/* The journal takes "<N>" as the priority, adds ident and pid. */
		hdr = snprintf(line, sizeof(line), "<%d>%s: ", level & 7,
			       keel_log_level_name(level));
	else if (!keel_log_cfg.to_syslog) {
		hdr = keel_log_stamp(line, sizeof(line));
		hdr += snprintf(line + hdr, sizeof(line) - hdr,
				"%s[%d]: %s: ", keel_log_cfg.ident,
				(int)getpid(), keel_log_level_name(level));
	}
	va_start(ap, fmt);
	errno = saved; /* for %m */
	n = vsnprintf(line + hdr, sizeof(line) - hdr - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(line) - hdr - 1) {
		n = sizeof(line) - hdr - 2;
		memcpy(line + hdr + n - 3, "...", 3);
	}
	for (p = line + hdr; p < line + hdr + n; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (keel_log_cfg.to_syslog) {
		syslog(level, "%s", line);
	} else {
		/* One write: lines from several processes do not interleave. */
		line[hdr + n] = '\n';
		if (write(STDERR_FILENO, line, hdr + n + 1) < 0) {
			/* Nowhere left to report it. */
		}
	}
	errno = saved;
}

bool keel_ratelimit_ok(struct keel_ratelimit *rl, uint64_t now_ms,
		       uint64_t *suppressed)
{
	uint64_t dummy;

	if (!suppressed)
		suppressed = &dummy;
	*suppressed = 0;
	if (rl->interval_ms == 0)
		return true;
	/* A clock that went back (another clock, a bug) opens a window too. */
	if (!rl->started || now_ms < rl->window_ms ||
	    now_ms - rl->window_ms >= rl->interval_ms) {
		rl->started = true;
		rl->window_ms = now_ms;
		rl->allowed = 0;
	}
	if (rl->allowed >= rl->burst) {
		rl->missed++;
		return false;
	}
	rl->allowed++;
	*suppressed = rl->missed;
	rl->missed = 0;
	return true;
}
