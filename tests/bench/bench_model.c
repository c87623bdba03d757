// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_model.c - what the pair's receiver will pay per record to find a
 * flow's service and real in lb_model (lb_model_svc_find, then
 * lb_model_real_find by address; lb_model_real_by_id for comparison),
 * and the commit of one weight change on a 65537-slot ring (the ring
 * built, its changed entries written, its digest computed; the digest
 * alone: bench_maglev).  Medians of `runs` runs of 2^20 lookups each.
 *
 * As root, in a throw-away namespace (it loads a private instance):
 *   tests/bpf/run-in-netns.sh build/tests/bench/bench_model [reals] [runs]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keel_clock.h"
#include "keel_maps.h"
#include "lb_dp.h"
#include "lb_maglev.h"
#include "lb_model.h"

#define SERVICES 64U
#define LOOKUPS (1U << 20)

static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x10 };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct keel_vip_key svc_key(uint32_t i)
{
	struct keel_vip_key k = { .family = KEEL_F_INET, .proto = 6 };

	k.addr[0] = htonl(0xcb007100 + i); /* 203.0.113.i */
	k.port = htons(443);
	return k;
}

static void real_addr(uint32_t i, __be32 a[4])
{
	memset(a, 0, 16);
	a[0] = htonl(0x0a000000 + i);
}

/* Which lookup a run times. */
enum { BY_ADDR, BY_ID, NKINDS };

static double run_lookups(struct lb_model *m, int kind, uint32_t nreals,
			  const uint32_t *ids, uint32_t *found)
{
	uint64_t t0 = keel_now_ns(), x = 88172645463325252ULL;
	struct keel_vip_key k;
	struct lb_service *s;
	__be32 a[4];
	uint32_t i, j;

	for (i = 0; i < LOOKUPS; i++) {
		x ^= x << 13; /* xorshift64: a real and service per lookup */
		x ^= x >> 7;
		x ^= x << 17;
		j = x % nreals;
		if (kind == BY_ID) {
			*found += lb_model_real_by_id(m, ids[j], &s) != NULL;
			continue;
		}
		k = svc_key(j % SERVICES);
		real_addr(j, a);
		s = lb_model_svc_find(m, &k);
		*found += s && lb_model_real_find(s, KEEL_F_INET, a) != NULL;
	}
	return (double)(keel_now_ns() - t0) / LOOKUPS;
}

int main(int argc, char **argv)
{
	uint32_t nreals = 1000, i, found = 0, *ids = NULL;
	double *ns[NKINDS] = {}, *commit_us = NULL;
	struct lb_dp_opts o = { .conn_table_size = 1024 };
	struct lb_service *svcs[SERVICES];
	char instance[64];
	struct lb_dp *dp = NULL;
	struct lb_model m;
	bool model = false;
	int runs = 11, r, kind, err = 0;

	if (argc > 1)
		nreals = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		runs = atoi(argv[2]);
	if (argc > 3 || runs < 1 || nreals < SERVICES ||
	    nreals > KEEL_MAX_REALS - 1U) {
		fprintf(stderr, "usage: %s [reals %u..%u] [runs]\n", argv[0],
			SERVICES, KEEL_MAX_REALS - 1U);
		return 2;
	}
	snprintf(instance, sizeof(instance), "bench-model-%d", getpid());
	o.instance = instance;
	ids = calloc(nreals, sizeof(*ids));
	commit_us = calloc(runs, sizeof(*commit_us));
	for (kind = 0; kind < NKINDS; kind++)
		ns[kind] = calloc(runs, sizeof(double));
	if (!ids || !commit_us || !ns[BY_ADDR] || !ns[BY_ID]) {
		err = -ENOMEM;
		goto out;
	}
	lb_dp_unload(&o);
	err = lb_dp_load(&o, &dp);
	if (err)
		goto out;
	err = lb_model_init(&m, dp);
	if (err)
		goto out;
	model = true;
	for (i = 0; !err && i < SERVICES; i++) {
		struct keel_vip_key k = svc_key(i);

		err = lb_model_svc_add(&m, &k, 0, 0, &svcs[i]);
	}
	for (i = 0; !err && i < nreals; i++) {
		struct lb_real *rl;
		__be32 a[4];

		real_addr(i, a);
		err = lb_model_real_add(&m, svcs[i % SERVICES], KEEL_F_INET, a,
					1, &rl);
		if (err)
			break;
		ids[i] = rl->id;
		lb_model_real_set_state(svcs[i % SERVICES], rl, KEEL_RS_UP);
		lb_model_real_set_mac(svcs[i % SERVICES], rl, mac, mac, 1);
	}
	if (!err)
		err = lb_model_commit(&m, NULL);
	if (err)
		goto out;

	for (r = 0; r < runs; r++) {
		struct lb_service *s = svcs[0];
		struct lb_real *rl = &s->reals[0];
		uint64_t t0;

		for (kind = 0; kind < NKINDS; kind++)
			ns[kind][r] =
				run_lookups(&m, kind, nreals, ids, &found);
		/* One service's ring rebuilt: build, diff write, digest. */
		lb_model_real_set_weight(s, rl, rl->weight == 1 ? 2 : 1);
		t0 = keel_now_ns();
		err = lb_model_commit(&m, NULL);
		commit_us[r] = (keel_now_ns() - t0) / 1e3;
		if (err)
			goto out;
	}
	if (found != (uint32_t)runs * NKINDS * LOOKUPS) {
		fprintf(stderr, "lookups missed: %u of %u found\n", found,
			runs * NKINDS * LOOKUPS);
		err = -EIO;
		goto out;
	}
	for (kind = 0; kind < NKINDS; kind++)
		qsort(ns[kind], runs, sizeof(double), cmp_double);
	qsort(commit_us, runs, sizeof(*commit_us), cmp_double);
	printf("lb_model lookups, %u reals in %u services, %d runs of %u, "
	       "median (min) ns per lookup\n",
	       nreals, SERVICES, runs, LOOKUPS);
	printf("  svc_find + real_find (address): %6.1f (%.1f)\n",
	       ns[BY_ADDR][runs / 2], ns[BY_ADDR][0]);
	printf("  real_by_id:                     %6.1f (%.1f)\n",
	       ns[BY_ID][runs / 2], ns[BY_ID][0]);
	printf("commit of one weight change (65537-slot ring, with its "
	       "digest), median (min) us: %.0f (%.0f)\n",
	       commit_us[runs / 2], commit_us[0]);
out:
	if (err)
		fprintf(stderr, "bench_model: %s\n", strerror(-err));
	if (model)
		lb_model_free(&m);
	if (dp) {
		lb_dp_unpin(dp);
		lb_dp_close(dp);
	}
	for (kind = 0; kind < NKINDS; kind++)
		free(ns[kind]);
	free(commit_us);
	free(ids);
	return err ? 1 : 0;
}
