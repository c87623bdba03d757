// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_maglev.c - time lb_maglev_build, and the rebuild after one real
 * is removed, with the number of entries that rebuild changed; then
 * lb_maglev_digest of the built table (what lb_model adds to a ring
 * rebuild, docs/pair.md), with the build's median in the same run.
 *
 * usage: bench_maglev [runs]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keel_clock.h"
#include "keel_maps.h"
#include "lb_maglev.h"
#include "maglev_fixture.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RUNS_DEFAULT 51

static const uint32_t w_equal[] = { 1 };
static const uint32_t w_mixed[] = { 1, 2, 3, 5 };

static const struct {
	uint32_t n;
	uint32_t size;
	const uint32_t *w;
	size_t nw;
	const char *weights;
} cases[] = {
	{ 10, KEEL_RING_SIZE_DEFAULT, w_equal, 1, "1" },
	{ 100, KEEL_RING_SIZE_DEFAULT, w_equal, 1, "1" },
	{ 1000, KEEL_RING_SIZE_DEFAULT, w_equal, 1, "1" },
	{ 1000, KEEL_RING_SIZE_DEFAULT, w_mixed, 4, "1,2,3,5" },
	{ 1000, KEEL_RING_SIZE_MAX, w_equal, 1, "1" },
};

static double now_us(void)
{
	return keel_now_ns() / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Times runs builds into us[] (sorted on return). */
static int time_builds(const struct lb_maglev_real *r, size_t n, uint32_t size,
		       uint32_t *table, double *us, int runs)
{
	int i, err;

	for (i = 0; i < runs; i++) {
		double t0 = now_us();

		err = lb_maglev_build(r, n, size, table);
		us[i] = now_us() - t0;
		if (err)
			return err;
	}
	qsort(us, runs, sizeof(*us), cmp_double);
	return 0;
}

int main(int argc, char **argv)
{
	struct lb_maglev_real *reals = NULL;
	uint32_t *before = NULL, *after = NULL;
	double *us = NULL, dg_build[ARRAY_SIZE(cases)];
	uint32_t *ident = NULL;
	int runs = RUNS_DEFAULT, err = 0;
	size_t c;

	if (argc > 1)
		runs = atoi(argv[1]);
	if (argc > 2 || runs < 1) {
		fprintf(stderr, "usage: %s [runs]\n", argv[0]);
		return 2;
	}
	reals = calloc(1000, sizeof(*reals));
	before = calloc(KEEL_RING_SIZE_MAX, sizeof(*before));
	after = calloc(KEEL_RING_SIZE_MAX, sizeof(*after));
	us = calloc(runs, sizeof(*us));
	ident = calloc(1001, sizeof(*ident));
	if (!reals || !before || !after || !us || !ident) {
		err = -ENOMEM;
		goto out;
	}

	printf("lb_maglev_build, %d runs each, microseconds; rebuild: "
	       "without the middle real\n\n",
	       runs);
	printf("%5s %8s %-8s %9s %9s %9s %9s %8s %8s\n", "N", "M", "weights",
	       "median", "min", "rb_median", "rb_min", "changed", "other");
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		uint32_t n = cases[c].n, size = cases[c].size, gone = n / 2;
		uint32_t i, changed = 0, other = 0;
		double med, min;

		for (i = 0; i < n; i++)
			real_init(&reals[i], i, cases[c].w[i % cases[c].nw]);
		err = time_builds(reals, n, size, before, us, runs);
		if (err)
			goto out;
		med = us[runs / 2];
		min = us[0];

		memmove(&reals[gone], &reals[gone + 1],
			(n - gone - 1) * sizeof(*reals));
		err = time_builds(reals, n - 1, size, after, us, runs);
		if (err)
			goto out;
		for (i = 0; i < size; i++) {
			if (before[i] == after[i])
				continue;
			changed++;
			if (before[i] != gone + 1)
				other++;
		}
		printf("%5u %8u %-8s %9.0f %9.0f %9.0f %9.0f %8u %8u\n", n,
		       size, cases[c].weights, med, min, us[runs / 2], us[0],
		       changed, other);
		dg_build[c] = med;
	}
	printf("\nchanged: entries that differ after the rebuild; other: "
	       "those not owned by the removed real\n");

	printf("\nlb_maglev_digest of the table built, %d runs each, "
	       "microseconds\n\n",
	       runs);
	printf("%5s %8s %9s %9s %9s\n", "N", "M", "median", "min", "%build");
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		uint32_t n = cases[c].n, size = cases[c].size, i;
		uint8_t d[LB_MAGLEV_DIGEST_BYTES];
		int k;

		for (i = 0; i < n; i++) {
			real_init(&reals[i], i, cases[c].w[i % cases[c].nw]);
			ident[i + 1] =
				lb_maglev_ident(reals[i].key, reals[i].key_len);
		}
		err = lb_maglev_build(reals, n, size, before);
		for (k = 0; !err && k < runs; k++) {
			double t0 = now_us();

			err = lb_maglev_digest(before, size, 0, ident, n + 1,
					       d);
			us[k] = now_us() - t0;
		}
		if (err)
			goto out;
		qsort(us, runs, sizeof(*us), cmp_double);
		printf("%5u %8u %9.0f %9.0f %8.1f%%\n", n, size, us[runs / 2],
		       us[0], 100 * us[runs / 2] / dg_build[c]);
	}
	printf("\n%%build: the digest's median over the build's median "
	       "above\n");
out:
	if (err)
		fprintf(stderr, "lb_maglev_build: %s\n", strerror(-err));
	free(ident);
	free(us);
	free(after);
	free(before);
	free(reals);
	return err ? 1 : 0;
}
