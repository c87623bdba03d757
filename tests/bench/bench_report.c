// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_report.c - what one agent report costs lbd's receiver: the
 * verdict on a datagram (lb_agents_classify: header checks, HMAC-SHA256
 * check with the key's pads hashed once, parse, replay check, store)
 * against, in the same loop, the bare HMAC-SHA256 of the same bytes
 * (libsodium's crypto_auth_hmacsha256).  For reports of 1, 8 and 44 (the
 * most) services from `agents` agents, each sending `rounds` fresh
 * reports.
 *
 * Then what junk costs it, per kind of datagram, in the same run: random
 * bytes, a report from no agent's address, naming another real, a replay,
 * an earlier boot, a wrong key with the agent's next sequence (an on-path
 * attacker's: one HMAC), a wrong key with an unlikely header while the
 * budget is spent, beside a genuine report, the HMAC alone, and the
 * parse with an unprepared key that every well-framed datagram cost
 * before the cheap checks came first.
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

#include "keel_clock.h"
#include "keel_maps.h"
#include "keel_report.h"
#include "lb_agents.h"

static const uint8_t key[KEEL_REPORT_KEY_LEN] = { 7, 7, 7, 7 };

static double now_ns(void)
{
	return (double)keel_now_ns();
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

/* ---- junk ---- */

enum jk {
	JK_GENUINE,
	JK_RANDOM,
	JK_UNKNOWN_SOURCE,
	JK_WRONG_REAL,
	JK_REPLAY,
	JK_OLD_BOOT,
	JK_WRONGKEY_NEXT,
	JK_WRONGKEY_LIMITED,
	JK__MAX,
};

static const struct {
	const char *name;
	enum lb_agents_result want;
} jk_info[JK__MAX] = {
	[JK_GENUINE] = { "genuine (for reference)", LB_AGENTS_RX_OK },
	[JK_RANDOM] = { "random bytes", LB_AGENTS_RX_MALFORMED },
	[JK_UNKNOWN_SOURCE] = { "from no agent's address",
				LB_AGENTS_RX_UNKNOWN_SOURCE },
	[JK_WRONG_REAL] = { "naming another real", LB_AGENTS_RX_WRONG_REAL },
	[JK_REPLAY] = { "a replay", LB_AGENTS_RX_REPLAY },
	[JK_OLD_BOOT] = { "an earlier boot", LB_AGENTS_RX_OLD_BOOT },
	[JK_WRONGKEY_NEXT] = { "wrong key, next seq (HMAC)",
			       LB_AGENTS_RX_BAD_MAC },
	[JK_WRONGKEY_LIMITED] = { "wrong key, unlikely, no budget",
				  LB_AGENTS_RX_RATE_LIMITED },
};

#define JK_POOL 4096
#define JK_NOW 1000000000000ULL /* after every priming */

struct jk_dg {
	uint8_t b[KEEL_REPORT_LEN(1)];
	struct lb_agent_addr src;
};

static void jk_report(struct keel_report *r, const struct lb_agent_addr *real,
		      uint64_t boot, uint64_t seq)
{
	memset(r, 0, sizeof(*r));
	r->key_id = 1;
	r->boot = boot;
	r->seq = seq;
	r->real.family = real->family;
	memcpy(r->real.addr, real->addr, 16);
	r->count = 1;
	r->svc[0].vip.family = KEEL_F_INET;
	r->svc[0].vip.addr[0] = 203;
	r->svc[0].port = 443;
	r->svc[0].proto = IPPROTO_TCP;
	r->svc[0].state = KEEL_RS_UP;
	r->load = 1500;
}

/* Every agent of t heard once at boot 100, seq 1000. */
static void jk_prime(struct lb_agents *t, const struct lb_agent_addr *addrs,
		     unsigned int agents)
{
	struct lb_agent_slot *slot;
	struct keel_report r;
	uint8_t b[KEEL_REPORT_LEN(1)];
	unsigned int a;

	for (a = 0; a < agents; a++) {
		jk_report(&r, &addrs[a], 100, 1000);
		keel_report_encode(b, sizeof(b), &r, key);
		/* A second apart: the budget for first reports is full. */
		if (lb_agents_classify(t, b, sizeof(b), addrs[a].family,
				       addrs[a].addr, (a + 1) * 1000ULL,
				       &slot) != LB_AGENTS_RX_OK)
			exit(1);
	}
}

static void jk_build(struct jk_dg *d, enum jk k, unsigned int i,
		     const struct lb_agent_addr *addrs, unsigned int agents)
{
	const struct lb_agent_addr *ag = &addrs[i % agents];
	uint8_t other[KEEL_REPORT_KEY_LEN] = { 9 };
	struct lb_agent_addr stranger;
	struct keel_report r;

	d->src = *ag;
	switch (k) {
	case JK_GENUINE:
		/* Each agent's next ones (a fresh table each run). */
		jk_report(&r, ag, 100, 1001 + i / agents);
		break;
	case JK_RANDOM:
		randombytes_buf(d->b, sizeof(d->b));
		return;
	case JK_UNKNOWN_SOURCE:
		addr_of(agents + 10 + i, &stranger);
		d->src = stranger;
		jk_report(&r, &stranger, 100, 5000);
		break;
	case JK_WRONG_REAL:
		jk_report(&r, &addrs[(i + 1) % agents], 100, 5000);
		break;
	case JK_REPLAY:
		jk_report(&r, ag, 100, 1000);
		break;
	case JK_OLD_BOOT:
		jk_report(&r, ag, 99, 5000);
		break;
	case JK_WRONGKEY_NEXT:
		jk_report(&r, ag, 100, 1001);
		keel_report_encode(d->b, sizeof(d->b), &r, other);
		return;
	case JK_WRONGKEY_LIMITED:
	default:
		jk_report(&r, ag, 100, 1000000 + i);
		keel_report_encode(d->b, sizeof(d->b), &r, other);
		return;
	}
	keel_report_encode(d->b, sizeof(d->b), &r, key);
}

static void junk_bench(unsigned int agents, unsigned int runs)
{
	struct lb_agent_addr *addrs = calloc(agents, sizeof(*addrs));
	struct jk_dg *dg = calloc(JK_POOL, sizeof(*dg));
	double *ns = calloc(runs, sizeof(double)), med[JK__MAX + 2];
	volatile unsigned int sink = 0;
	unsigned int a, run, i, k;

	if (!addrs || !dg || !ns)
		exit(1);
	for (a = 0; a < agents; a++)
		addr_of(a, &addrs[a]);
	printf("\njunk: %u agents, %d datagrams of 132 bytes per kind, %u runs; median per datagram\n",
	       agents, JK_POOL, runs);
	for (k = 0; k < JK__MAX + 2; k++) {
		for (run = 0; run < runs; run++) {
			struct lb_agents t = { .n_keys = 1 };
			struct keel_report out;
			struct lb_agent_slot *slot;
			uint8_t mac[32];
			double t0;

			t.keys[0].id = 1;
			memcpy(t.keys[0].key, key, sizeof(key));
			lb_agents_key_init(&t.keys[0]);
			if (lb_agents_rebuild(&t, addrs, agents))
				exit(1);
			jk_prime(&t, addrs, agents);
			for (i = 0; i < JK_POOL; i++)
				jk_build(&dg[i], k < JK__MAX ? k : JK_REPLAY, i,
					 addrs, agents);
			/* No token, none coming: now never moves. */
			t.budget = 0;
			t.budget_ms = JK_NOW;
			t0 = now_ns();
			for (i = 0; i < JK_POOL; i++) {
				const struct jk_dg *d = &dg[i];

				if (k == JK__MAX) {
					crypto_auth_hmacsha256(
						mac, d->b,
						sizeof(d->b) -
							KEEL_REPORT_MAC_LEN,
						key);
					sink += mac[0];
				} else if (k == JK__MAX + 1) {
					sink += keel_report_parse(
						d->b, sizeof(d->b), key, &out);
				} else if (lb_agents_classify(
						   &t, d->b, sizeof(d->b),
						   d->src.family, d->src.addr,
						   JK_NOW,
						   &slot) != jk_info[k].want) {
					fprintf(stderr,
						"junk %s: wrong verdict\n",
						jk_info[k].name);
					exit(1);
				}
			}
			ns[run] = (now_ns() - t0) / JK_POOL;
			lb_agents_free(&t);
		}
		qsort(ns, runs, sizeof(double), cmp_double);
		med[k] = ns[runs / 2];
	}
	printf("%-34s %10s %9s\n", "datagram", "ns", "x HMAC");
	for (k = 0; k < JK__MAX + 2; k++)
		printf("%-34s %10.0f %8.2fx\n",
		       k == JK__MAX	? "HMAC alone (raw key)" :
		       k == JK__MAX + 1 ? "parse, unprepared key (MAC first)" :
					  jk_info[k].name,
		       med[k], med[k] / med[JK__MAX]);
	printf("\n");
	free(addrs);
	free(dg);
	free(ns);
	(void)sink;
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
	junk_bench(agents, runs);
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
			lb_agents_key_init(&t.keys[0]);
			if (lb_agents_rebuild(&t, addrs, agents))
				return 1;
			t0 = now_ns();
			for (i = 0; i < n; i++) {
				const uint8_t *d = dg + i * KEEL_REPORT_LEN_MAX;
				struct lb_agent_addr *src = &addrs[i % agents];

				/* ms from 10^6: the first reports' budget. */
				if (lb_agents_classify(&t, d, len, src->family,
						       src->addr, 1000000 + i,
						       &slot) !=
				    LB_AGENTS_RX_OK) {
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
