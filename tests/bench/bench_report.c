// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_report.c - what one agent report costs lbd's receiver: the
 * verdict on a datagram (lb_agents_classify: key id, HMAC-SHA256 check,
 * parse, sender and replay checks, store) against, in the same loop, the
 * bare HMAC-SHA256 of the same bytes (libsodium's crypto_auth_hmacsha256,
 * which the check cannot avoid).  For reports of 1, 8 and 44 (the most)
 * services from `agents` agents, each sending `rounds` fresh reports.
 *
 * usage: bench_report [agents] [rounds] [runs]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sodium.h>

#include "keel_maps.h"
#include "keel_report.h"
#include "lb_agents.h"

static const uint8_t key[KEEL_REPORT_KEY_LEN] = { 7, 7, 7, 7 };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void addr_of(unsigned int i, struct lb_agent_addr *a)
{
	uint32_t v = htonl(0x0a000000u | (i + 1)); /* 10.0.0.0/8 */

	memset(a, 0, sizeof(*a));
	a->family = KEEL_F_INET;
	a->addr[0] = v;
}

int main(int argc, char **argv)
{
	static const unsigned int svcs[] = { 1, 8, KEEL_REPORT_MAX };
	unsigned int agents = argc > 1 ? atoi(argv[1]) : 1000;
	unsigned int rounds = argc > 2 ? atoi(argv[2]) : 20;
	unsigned int runs = argc > 3 ? atoi(argv[3]) : 11;
	volatile unsigned int sink = 0;
	size_t c;

	if (sodium_init() < 0 || !agents || !rounds || !runs) {
		fprintf(stderr,
			"usage: bench_report [agents] [rounds] [runs]\n");
		return 2;
	}
	printf("%u agents x %u reports each, %u runs; median per datagram\n",
	       agents, rounds, runs);
	printf("%-9s %6s %12s %12s %7s %14s\n", "services", "bytes", "classify",
	       "hmac alone", "ratio", "reports/s/core");
	for (c = 0; c < sizeof(svcs) / sizeof(svcs[0]); c++) {
		size_t n = (size_t)agents * rounds, len = 0, i;
		double *cl = calloc(runs, sizeof(double));
		double *mac = calloc(runs, sizeof(double));
		struct lb_agent_addr *addrs = calloc(agents, sizeof(*addrs));
		uint8_t *dg = malloc(n * KEEL_REPORT_LEN_MAX);
		unsigned int a, r, run, s;
		struct keel_report rep;

		if (!cl || !mac || !addrs || !dg)
			return 1;
		for (a = 0; a < agents; a++)
			addr_of(a, &addrs[a]);
		/* Datagrams in arrival order: round by round, every agent. */
		for (r = 0; r < rounds; r++)
			for (a = 0; a < agents; a++) {
				memset(&rep, 0, sizeof(rep));
				rep.key_id = 1;
				memcpy(rep.boot_id, &a, sizeof(a));
				rep.boot_id[15] = 1;
				rep.real.family = KEEL_F_INET;
				memcpy(rep.real.addr, addrs[a].addr, 4);
				rep.count = svcs[c];
				for (s = 0; s < svcs[c]; s++) {
					struct keel_report_svc *v = &rep.svc[s];

					v->vip.family = KEEL_F_INET;
					v->vip.addr[0] = 203;
					v->vip.addr[3] = (uint8_t)s;
					v->port = 443;
					v->proto = IPPROTO_TCP;
					v->state = KEEL_RS_UP;
					v->conns = a + s;
				}
				rep.load = 1500;
				rep.seq = r + 1;
				len = keel_report_encode(
					dg + ((size_t)r * agents + a) *
							KEEL_REPORT_LEN_MAX,
					KEEL_REPORT_LEN_MAX, &rep, key);
			}
		for (run = 0; run < runs; run++) {
			struct lb_agents t = { .n_keys = 1 };
			struct lb_agent_slot *slot;
			uint8_t out[32];
			double t0;

			t.keys[0].id = 1;
			memcpy(t.keys[0].key, key, sizeof(key));
			if (lb_agents_rebuild(&t, addrs, agents))
				return 1;
			t0 = now_ns();
			for (i = 0; i < n; i++) {
				const uint8_t *d = dg + i * KEEL_REPORT_LEN_MAX;
				struct lb_agent_addr *src = &addrs[i % agents];

				if (lb_agents_classify(&t, d, len, src->family,
						       src->addr, i,
						       &slot) != LB_RX_OK) {
					fprintf(stderr,
						"datagram %zu refused\n", i);
					return 1;
				}
			}
			cl[run] = (now_ns() - t0) / n;
			t0 = now_ns();
			for (i = 0; i < n; i++) {
				crypto_auth_hmacsha256(
					out, dg + i * KEEL_REPORT_LEN_MAX,
					len - KEEL_REPORT_MAC_LEN, key);
				sink += out[0];
			}
			mac[run] = (now_ns() - t0) / n;
			lb_agents_free(&t);
		}
		qsort(cl, runs, sizeof(double), cmp_double);
		qsort(mac, runs, sizeof(double), cmp_double);
		printf("%-9u %6zu %9.0f ns %9.0f ns %6.2fx %14.0f\n", svcs[c],
		       len, cl[runs / 2], mac[runs / 2],
		       cl[runs / 2] / mac[runs / 2], 1e9 / cl[runs / 2]);
		free(cl);
		free(mac);
		free(addrs);
		free(dg);
	}
	return sink == 0xffffffffu;
}
