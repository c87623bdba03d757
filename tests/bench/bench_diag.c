// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_diag.c - what ra_diag_count costs on a busy host: `other` TCP
 * connections to a port the agent does not serve and `served` to the
 * served one, all inside one namespace (each connection is two
 * established sockets: client and server).  Prints the median and the
 * 10th/90th percentiles of `runs` calls per key set.
 *
 * As root, in a throw-away namespace (it adds 203.0.113.10 to lo):
 *   tests/bpf/run-in-netns.sh build/tests/bench/bench_diag [other] [served] [runs]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "keel_clock.h"
#include "keel_maps.h"
#include "ra_diag.h"

#define VIP "203.0.113.10"
#define SERVED_PORT 443
#define OTHER_PORT 5222

static double now_us(void)
{
	return keel_now_ns() / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void sin4(struct sockaddr_in *s, const char *addr, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons(port);
	inet_pton(AF_INET, addr, &s->sin_addr);
}

static int listener(uint16_t port)
{
	struct sockaddr_in s;
	int fd, one = 1;

	sin4(&s, VIP, port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&s, sizeof(s)) < 0 ||
	    listen(fd, 4096) < 0) {
		perror("listener");
		exit(1);
	}
	return fd;
}

/* n connections from 127.0.0.1 to VIP:port; client fds kept open. */
static void connect_n(uint16_t port, unsigned int n)
{
	struct sockaddr_in dst, src;
	unsigned int i;
	int c;

	sin4(&dst, VIP, port);
	sin4(&src, "127.0.0.1", 0);
	for (i = 0; i < n; i++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 ||
		    bind(c, (struct sockaddr *)&src, sizeof(src)) < 0 ||
		    connect(c, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("connect");
			exit(1);
		}
	}
}

static void accept_n(int lfd, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (accept(lfd, NULL, NULL) < 0) {
			perror("accept");
			exit(1);
		}
}

/*
 * The clients live in a child process: one process may not hold both
 * ends of 11k connections under a 20000-file limit.  The child keeps its
 * sockets until the parent exits (its end of the pipe closes).
 */
static void clients(unsigned int other, unsigned int served)
{
	int done[2], hold[2];
	char c;

	if (pipe(done) < 0 || pipe(hold) < 0) {
		perror("pipe");
		exit(1);
	}
	switch (fork()) {
	case -1:
		perror("fork");
		exit(1);
	case 0:
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(done[0]);
		close(hold[1]);
		connect_n(OTHER_PORT, other);
		connect_n(SERVED_PORT, served);
		if (write(done[1], "", 1) != 1)
			_exit(1);
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(done[1]);
	close(hold[0]);
}

static struct ra_diag_key key(const char *addr, uint16_t port, uint8_t proto)
{
	struct ra_diag_key k = { .port = port, .proto = proto };

	if (inet_pton(AF_INET, addr, k.addr) == 1)
		k.family = KEEL_F_INET;
	else if (inet_pton(AF_INET6, addr, k.addr) == 1)
		k.family = KEEL_F_INET6;
	return k;
}

static void bench(struct ra_diag *d, const char *what,
		  const struct ra_diag_key *keys, size_t n, int runs)
{
	uint32_t counts[8];
	double *us = calloc(runs, sizeof(*us));
	int i, err;

	if (!us)
		exit(1);
	for (i = 0; i < runs; i++) {
		double t0 = now_us();

		err = ra_diag_count(d, keys, n, counts);
		us[i] = now_us() - t0;
		if (err) {
			fprintf(stderr, "ra_diag_count: %s\n", strerror(-err));
			exit(1);
		}
	}
	qsort(us, runs, sizeof(*us), cmp_double);
	printf("%-44s counted %6u  median %8.1f us  p10 %8.1f  p90 %8.1f\n",
	       what, counts[0], us[runs / 2], us[runs / 10], us[runs * 9 / 10]);
	free(us);
}

int main(int argc, char **argv)
{
	unsigned int other = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	unsigned int served = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
	int runs = argc > 3 ? atoi(argv[3]) : 101;
	const struct ra_diag_key k_served[] = {
		key(VIP, SERVED_PORT, IPPROTO_TCP),
	};
	const struct ra_diag_key k_agent[] = {
		/* A typical agent: v4 + v6 VIPs, TCP + UDP: four dumps. */
		key(VIP, SERVED_PORT, IPPROTO_TCP),
		key("2001:db8::10", SERVED_PORT, IPPROTO_TCP),
		key(VIP, SERVED_PORT, IPPROTO_UDP),
	};
	const struct ra_diag_key k_all[] = {
		key(VIP, 0, IPPROTO_TCP),
	};
	const struct ra_diag_key k_clients[] = {
		key("127.0.0.1", 0, IPPROTO_TCP),
	};
	struct rlimit rl;
	struct ra_diag *d;
	char line[160];
	int err, lo, ls;

	if (runs < 1)
		runs = 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
	    rl.rlim_max < other + served + 64) {
		fprintf(stderr, "needs %u open files\n", other + served + 64);
		return 1;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("setrlimit");
		return 1;
	}
	if (system("ip addr add " VIP "/32 dev lo") != 0)
		return 1;
	err = ra_diag_open(&d);
	if (err) {
		fprintf(stderr, "ra_diag_open: %s\n", strerror(-err));
		return 1;
	}
	bench(d, "empty host, 1 key (2 dumps)", k_served, 1, runs);
	lo = listener(OTHER_PORT);
	ls = listener(SERVED_PORT);
	clients(other, served);
	accept_n(lo, other);
	accept_n(ls, served);
	printf("%u connections to port %d, %u to port %d: %u established sockets\n",
	       other, OTHER_PORT, served, SERVED_PORT, 2 * (other + served));
	bench(d, "served port (VIP:443/tcp)", k_served, 1, runs);
	bench(d, "agent-like: 3 keys v4/v6 tcp/udp (4 dumps)", k_agent, 3,
	      runs);
	snprintf(line, sizeof(line), "every port of the VIP (%u sent)",
		 other + served);
	bench(d, line, k_all, 1, runs);
	snprintf(line, sizeof(line), "127.0.0.1, every port (%u sent)",
		 other + served);
	bench(d, line, k_clients, 1, runs);
	ra_diag_close(d);
	return 0;
}
