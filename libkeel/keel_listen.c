// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_listen.c - back-off on accept() failures and rate-limited listener
 * logs (keel_listen.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "keel_clock.h"
#include "keel_listen.h"

/*
 * evconnlistener hands its error callback the accept callback's argument,
 * which for evhttp's listener is evhttp's own: the guard is found by its
 * listener in this list instead (a handful per process, one thread).
 */
static struct keel_listen *keel_listen_all;

void keel_listen_log(struct keel_listen *g, const char *fmt, ...)
{
	char msg[256];
	uint64_t n = 0;
	va_list ap;

	if (!keel_ratelimit_ok(&g->rl, keel_now_ms(), &n))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		keel_log(LOG_NOTICE, "%s: %s (%llu similar suppressed)",
			 g->name, msg, (unsigned long long)n);
	else
		keel_log(LOG_NOTICE, "%s: %s", g->name, msg);
}

static void keel_listen_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct keel_listen *g = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(g->l);
}

/* The next loop turn after a full batch: accepting again (unless paused). */
static void keel_listen_on_turn(evutil_socket_t fd, short what, void *arg)
{
	struct keel_listen *g = arg;

	(void)fd;
	(void)what;
	g->batch = 0;
	if (!keel_listen_paused(g))
		evconnlistener_enable(g->l);
}

static void keel_listen_on_error(struct evconnlistener *l, void *arg)
{
	int err = errno; /* accept()'s, as libevent leaves it */
	struct keel_listen *g;
	struct timeval tv;

	(void)arg;
	for (g = keel_listen_all; g && g->l != l; g = g->next)
		;
	if (!g)
		return;
	g->st.accept_errors++;
	/*
	 * Whatever the error, never try again at once: EMFILE and ENFILE
	 * (descriptors), ENOBUFS and ENOMEM (memory) clear only when
	 * something else lets go, and anything else would spin as well.
	 */
	evconnlistener_disable(l);
	tv.tv_sec = g->pause_ms / 1000;
	tv.tv_usec = g->pause_ms % 1000 * 1000;
	evtimer_add(g->resume, &tv);
	keel_listen_log(g, "accept: %s: not accepting for %u ms", strerror(err),
			g->pause_ms);
	if (g->pause_ms < KEEL_LISTEN_PAUSE_MAX_MS)
		g->pause_ms *= 2;
	if (g->pause_ms > KEEL_LISTEN_PAUSE_MAX_MS)
		g->pause_ms = KEEL_LISTEN_PAUSE_MAX_MS;
}

int keel_listen_init(struct keel_listen *g, struct event_base *base,
		     struct evconnlistener *l, const char *name)
{
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->l = l;
	g->pause_ms = KEEL_LISTEN_PAUSE_MIN_MS;
	g->rl.interval_ms = 10000;
	g->rl.burst = 5;
	g->resume = evtimer_new(base, keel_listen_on_resume, g);
	g->turn = evtimer_new(base, keel_listen_on_turn, g);
	if (!g->resume || !g->turn) {
		if (g->resume)
			event_free(g->resume);
		g->resume = NULL;
		return -ENOMEM;
	}
	g->next = keel_listen_all;
	keel_listen_all = g;
	evconnlistener_set_error_cb(l, keel_listen_on_error);
	return 0;
}

void keel_listen_fini(struct keel_listen *g)
{
	struct keel_listen **p;

	for (p = &keel_listen_all; *p; p = &(*p)->next) {
		if (*p == g) {
			*p = g->next;
			break;
		}
	}
	if (g->resume)
		event_free(g->resume);
	if (g->turn)
		event_free(g->turn);
	g->resume = NULL;
	g->turn = NULL;
	g->l = NULL;
}

void keel_listen_accepted(struct keel_listen *g)
{
	struct timeval now, zero = { 0, 0 };

	g->st.accepted++;
	g->pause_ms = KEEL_LISTEN_PAUSE_MIN_MS;
	if (!g->l || !g->turn)
		return;
	/*
	 * The loop's cached time is that of its turn: a new value, a new
	 * turn.  A full batch stops accepting, which ends libevent's accept
	 * loop, until a zero timer (run after the next poll) resumes it.
	 */
	event_base_gettimeofday_cached(evconnlistener_get_base(g->l), &now);
	if (timercmp(&now, &g->batch_tv, !=)) {
		g->batch_tv = now;
		g->batch = 0;
	}
	if (++g->batch < KEEL_LISTEN_BATCH)
		return;
	evconnlistener_disable(g->l);
	evtimer_add(g->turn, &zero);
}

size_t keel_listen_victim(const struct keel_listen_cand *v, size_t n,
			  uint64_t now_ms, uint32_t grace_ms)
{
	size_t i, busy = n;

	for (i = 0; i < n; i++) {
		if (now_ms - v[i].accepted_ms < grace_ms)
			continue;
		if (!v[i].busy)
			return i;
		if (busy == n)
			busy = i;
	}
	return busy < n ? busy : 0;
}

bool keel_listen_paused(const struct keel_listen *g)
{
	return g->resume && evtimer_pending(g->resume, NULL);
}

static void keel_listen_on_event_log(int severity, const char *msg)
{
	static struct keel_ratelimit rl = { .interval_ms = 10000, .burst = 10 };
	uint64_t n = 0;

	if (severity < EVENT_LOG_WARN ||
	    !keel_ratelimit_ok(&rl, keel_now_ms(), &n))
		return;
	keel_log(severity == EVENT_LOG_ERR ? LOG_ERR : LOG_WARNING,
		 "libevent: %s (%llu similar suppressed)", msg,
		 (unsigned long long)n);
}

void keel_listen_event_log(void)
{
	event_set_log_callback(keel_listen_on_event_log);
}
