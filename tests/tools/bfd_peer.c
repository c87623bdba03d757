// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bfd-peer: one BFD session through bgp-announcer/bfd_io.c, for the
 * end-to-end tests.  Prints each state change as one line on stdout:
 *
 *   <unix time, s.us> <peer> <old> -> <new> diag=<n> remote=<state>/<diag>
 *
 * and "ready" once the session is set up.  SIGTERM or SIGINT deletes the
 * session (AdminDown to the peer) and exits 0.
 *
 *   bfd-peer PEER [-l LOCAL] [-i IFNAME] [-t TX_MS] [-r RX_MS] [-m MULT]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>

#include "bfd_io.h"
#include "keel_log.h"

static int parse_addr(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

static void on_state(struct bfd_io_session *bs, const struct bfd_io_event *ev,
		     void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("%lld.%06ld %s %s -> %s diag=%u remote=%s/%u detect_us=%llu\n",
	       (long long)ts.tv_sec, ts.tv_nsec / 1000, bfd_io_session_name(bs),
	       bfd_state_name(ev->old_state), bfd_state_name(ev->new_state),
	       ev->diag, bfd_state_name(ev->remote_state), ev->remote_diag,
	       (unsigned long long)bfd_io_session_detect_time(bs));
	fflush(stdout);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

static void usage(void)
{
	fprintf(stderr, "usage: bfd-peer PEER [-l LOCAL] [-i IFNAME] "
			"[-t TX_MS] [-r RX_MS] [-m MULT]\n");
	exit(2);
}

static unsigned long num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || v == 0 || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct bfd_io_params params = {
		.min_tx_us = 100000,
		.min_rx_us = 100000,
		.detect_mult = 3,
	};
	struct sockaddr_storage peer, local;
	struct event *sigterm = NULL, *sigint = NULL;
	struct bfd_io_session *bs = NULL;
	struct bfd_io_ctx *ctx = NULL;
	struct event_base *base;
	const char *ifname = NULL;
	bool have_local = false;
	int c, ret = 1;

	keel_log_init("bfd-peer", false, LOG_INFO);
	while ((c = getopt(argc, argv, "l:i:t:r:m:")) != -1) {
		switch (c) {
		case 'l':
			if (parse_addr(optarg, &local))
				usage();
			have_local = true;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 't':
			params.min_tx_us = (uint32_t)num(optarg, 60000) * 1000;
			break;
		case 'r':
			params.min_rx_us = (uint32_t)num(optarg, 60000) * 1000;
			break;
		case 'm':
			params.detect_mult = (uint8_t)num(optarg, 255);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || parse_addr(argv[optind], &peer))
		usage();

	base = event_base_new();
	if (!base)
		return 1;
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (!sigterm || !sigint || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL))
		goto out;
	ctx = bfd_io_ctx_new(base);
	if (!ctx) {
		perror("bfd-peer: context");
		goto out;
	}
	c = bfd_io_session_add(ctx, (struct sockaddr *)&peer,
			       have_local ? (struct sockaddr *)&local : NULL,
			       ifname, &params, on_state, NULL, &bs);
	if (c) {
		fprintf(stderr, "bfd-peer: session to %s: %s\n", argv[optind],
			strerror(-c));
		goto out;
	}
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	/* The AdminDown of a graceful stop. */
	bfd_io_session_del(bs);
	printf("stopped\n");
	ret = 0;
out:
	bfd_io_ctx_free(ctx);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	event_base_free(base);
	return ret;
}
