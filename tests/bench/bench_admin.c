// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_admin.c - what one admin register change costs lb_admin with
 * its digests kept up to date (docs/pair.md, "Anti-entropy"): a merge
 * of one register with a higher stamp into a store of S services of 8
 * reals x 4 registers each (33 registers a service), for S = 16 ..
 * 4096.  It rehashes that service's registers and XORs its share into
 * the global digest, so the cost should not grow with S.  For scale,
 * the same run times what a from-scratch global digest would cost
 * (BLAKE2b-256 over every (service key, digest) pair in order).
 * Medians of `runs` runs of 4096 changes each.
 *
 *   build-rel/tests/bench/bench_admin [runs]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keel_clock.h"
#include "lb_admin.h"

#define REALS 8U
#define CHANGES 4096U

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct lb_admin_reg reg_of(uint32_t svc, uint32_t real, uint8_t field,
				  uint64_t hlc)
{
	struct lb_admin_reg r;

	memset(&r, 0, sizeof(r));
	r.svc.family = KEEL_F_INET;
	r.svc.proto = 6;
	r.svc.addr[0] = htonl(0xc6120000 + svc); /* 198.18.x.y */
	r.svc.port = htons(443);
	r.object = real == UINT32_MAX ? LB_ADMIN_SERVICE : LB_ADMIN_REAL;
	r.field = field;
	if (real != UINT32_MAX) {
		r.family = KEEL_F_INET;
		r.addr[0] = htonl(0x0a000000 + real);
	}
	if (field == LB_ADMIN_WEIGHT)
		r.value = 5;
	else if (field == LB_ADMIN_PRESENCE)
		r.value = LB_ADMIN_CONFIG;
	else
		r.value = 1;
	r.at.hlc = hlc;
	r.at.node = 1;
	return r;
}

static int fill(struct lb_admin *a, uint32_t services)
{
	struct lb_admin_reg r;
	uint32_t s, i, f;

	memset(a, 0, sizeof(*a));
	for (s = 0; s < services; s++) {
		r = reg_of(s, UINT32_MAX, LB_ADMIN_PRESENCE, 1);
		if (lb_admin_merge(a, &r, 1, NULL, NULL, NULL))
			return -1;
		for (i = 0; i < REALS; i++)
			for (f = LB_ADMIN_PRESENCE; f <= LB_ADMIN_WEIGHT; f++) {
				r = reg_of(s, i, f, 1);
				if (lb_admin_merge(a, &r, 1, NULL, NULL, NULL))
					return -1;
			}
	}
	return 0;
}

/* ns per change: a drain flipped on a pseudo-random service. */
static double run_changes(struct lb_admin *a, uint32_t services, uint64_t *hlc)
{
	uint64_t t0, x = 88172645463325252ULL;
	struct lb_admin_reg r;
	uint32_t i;

	t0 = keel_now_ns();
	for (i = 0; i < CHANGES; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = reg_of(x % services, (x >> 32) % REALS, LB_ADMIN_DRAIN,
			   ++*hlc);
		r.value = i & 1;
		if (lb_admin_merge(a, &r, 1, NULL, NULL, NULL))
			abort();
	}
	return (double)(keel_now_ns() - t0) / CHANGES;
}

static volatile uint8_t sink; /* keeps the hash computed */

/* ns for one from-scratch global digest over every service. */
static double run_scratch(const struct lb_admin *a)
{
	crypto_generichash_state h;
	uint8_t out[32];
	uint64_t t0 = keel_now_ns();
	size_t i;

	crypto_generichash_init(&h, NULL, 0, sizeof(out));
	for (i = 0; i < a->n; i++) {
		crypto_generichash_update(&h, (const uint8_t *)&a->svcs[i].key,
					  sizeof(a->svcs[i].key));
		crypto_generichash_update(&h, a->svcs[i].digest,
					  sizeof(a->svcs[i].digest));
	}
	crypto_generichash_final(&h, out, sizeof(out));
	sink ^= out[0];
	return (double)(keel_now_ns() - t0);
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 16, 256, 1024, 4096 };
	int runs = argc > 1 ? atoi(argv[1]) : 15, r;
	double *t = calloc(runs > 0 ? runs : 1, sizeof(*t)), base = 0;
	double *u = calloc(runs > 0 ? runs : 1, sizeof(*u));
	uint64_t hlc;
	size_t k;

	if (runs < 1 || !t || !u || sodium_init() < 0)
		return 1;
	printf("| services | registers | change (ns, median) | min..max | / 16 services | from-scratch global (ns, median) |\n");
	printf("|---:|---:|---:|---:|---:|---:|\n");
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct lb_admin a;

		if (fill(&a, sizes[k])) {
			fprintf(stderr, "out of memory\n");
			return 1;
		}
		hlc = 2;
		for (r = 0; r < runs; r++) {
			t[r] = run_changes(&a, sizes[k], &hlc);
			u[r] = run_scratch(&a);
		}
		qsort(t, runs, sizeof(*t), cmp_double);
		qsort(u, runs, sizeof(*u), cmp_double);
		if (!k)
			base = t[runs / 2];
		printf("| %u | %zu | %.0f | %.0f..%.0f | %.2f | %.0f |\n",
		       sizes[k], a.n_regs, t[runs / 2], t[0], t[runs - 1],
		       t[runs / 2] / base, u[runs / 2]);
		lb_admin_free(&a);
	}
	free(t);
	free(u);
	return 0;
}
