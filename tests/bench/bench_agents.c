// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_agents.c - many rs-agents at once, for measuring what their
 * reports cost lbd (tests/bench/bench_lbd.sh agents).  Agent i has the
 * address first + i (IPv4, which must be an address of this host: each
 * datagram leaves from it through IP_PKTINFO, so one socket speaks for
 * every agent) and reports one service, vip:(port0 + i / per_service)/tcp,
 * UP, with i % 100 connections, `hz` times a second, evenly spread, for
 * `seconds`.  Sequence numbers start at the wall clock in ms, as
 * rs-agent's do, so runs one after the other are never replays.
 *
 * usage: bench_agents LB-ADDR:PORT KEY-FILE FIRST-ADDR AGENTS PER-SERVICE
 *                     VIP PORT0 HZ SECONDS
 * Prints the reports sent and the send errors (also when stopped by
 * SIGTERM).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sodium.h>

#include "keel_clock.h"
#include "keel_maps.h"
#include "keel_report.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int send_from(int fd, const struct sockaddr_in *to, struct in_addr src,
		     const uint8_t *buf, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = {};
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = (void *)to,
		.msg_namelen = sizeof(*to),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	struct in_pktinfo pi = { .ipi_spec_dst = src };

	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	uint8_t key[KEEL_REPORT_KEY_LEN], buf[KEEL_REPORT_LEN_MAX];
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct in_addr first, vip, src;
	unsigned int agents, per, hz, seconds, port0, i;
	uint64_t t0, slot_ns, sent = 0, errors = 0, tick, seq0;
	struct keel_report r;
	struct timespec wall;
	char msg[256], *colon;
	int fd, len, err;

	if (argc != 10 || sodium_init() < 0) {
		fprintf(stderr,
			"usage: bench_agents LB-ADDR:PORT KEY-FILE FIRST-ADDR AGENTS PER-SERVICE VIP PORT0 HZ SECONDS\n");
		return 2;
	}
	colon = strrchr(argv[1], ':');
	if (!colon)
		return 2;
	*colon = '\0';
	to.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[3], &first) != 1 ||
	    inet_pton(AF_INET, argv[6], &vip) != 1) {
		fprintf(stderr, "bench_agents: bad address\n");
		return 2;
	}
	if (keel_report_key_load(argv[2], (uid_t)-1, key, msg, sizeof(msg))) {
		fprintf(stderr, "bench_agents: %s\n", msg);
		return 2;
	}
	agents = atoi(argv[4]);
	per = atoi(argv[5]);
	port0 = atoi(argv[7]);
	hz = atoi(argv[8]);
	seconds = atoi(argv[9]);
	if (!agents || !per || !hz || !seconds)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &wall);
	seq0 = wall.tv_sec * 1000ULL + wall.tv_nsec / 1000000;
	/* One agent per slot of 1/(agents * hz) s: an even stream. */
	slot_ns = 1000000000ULL / ((uint64_t)agents * hz);
	t0 = keel_now_ns();
	signal(SIGTERM, on_term);
	for (tick = 0; !stop && tick < (uint64_t)agents * hz * seconds;
	     tick++) {
		uint64_t due = t0 + tick * slot_ns, t = keel_now_ns();

		if (due > t + 200000) {
			struct timespec ts = { 0, (long)(due - t) };

			nanosleep(&ts, NULL);
		}
		i = tick % agents;
		memset(&r, 0, sizeof(r));
		r.key_id = 1;
		memcpy(r.boot_id, &i, sizeof(i));
		r.boot_id[15] = 0xbe;
		r.seq = seq0 + tick / agents;
		r.ts_ms = seq0;
		r.real.family = KEEL_F_INET;
		src.s_addr = htonl(ntohl(first.s_addr) + i);
		memcpy(r.real.addr, &src.s_addr, 4);
		r.count = 1;
		r.svc[0].vip.family = KEEL_F_INET;
		memcpy(r.svc[0].vip.addr, &vip.s_addr, 4);
		r.svc[0].port = port0 + i / per;
		r.svc[0].proto = IPPROTO_TCP;
		r.svc[0].state = KEEL_RS_UP;
		r.svc[0].conns = i % 100;
		r.load = 500;
		len = keel_report_encode(buf, sizeof(buf), &r, key);
		if (len < 0)
			return 1;
		err = send_from(fd, &to, src, buf, len);
		if (err)
			errors++;
		else
			sent++;
	}
	printf("sent %llu errors %llu in %.2f s\n", (unsigned long long)sent,
	       (unsigned long long)errors, (keel_now_ns() - t0) / 1e9);
	close(fd);
	return 0;
}
