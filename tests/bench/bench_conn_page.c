// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_conn_page.c - what one page of a bulk copy costs the responder:
 * lb_dp_conn_page() of 1024 entries over a 1M-bucket conn table (a) sparse
 * (1024 entries spread over it: one page scans every bucket) and (b) full
 * (1M inserted; an LRU keeps at most its capacity), from the start and
 * from a cursor in the middle; and a whole walk of the full table in
 * pages of 1024.  Medians of `runs` calls; this is why lbd's walk runs in
 * a thread (DESIGN-11 section 4.1).
 *
 * As root, in a throw-away namespace (it loads a private instance):
 *   tests/bpf/run-in-netns.sh build/tests/bench/bench_conn_page [runs]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "keel_clock.h"
#include "keel_maps.h"
#include "lb_dp.h"

#define TABLE (1U << 20)
#define PAGE 1024U
#define CHUNK 65536U

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct keel_flow flow_of(uint32_t i)
{
	struct keel_flow f = { 0 };

	f.src[0] = htonl(0x0a000000 + i);
	f.dst[0] = htonl(0xc0000201);
	f.sport = htons((uint16_t)(1024 + (i & 0x7fff)));
	f.dport = htons(80);
	f.proto = 6;
	f.family = KEEL_F_INET;
	return f;
}

/* Entries [from, from + count) by batches; 0 or -1. */
static int fill(int fd, uint32_t from, uint32_t count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = BPF_ANY);
	static struct keel_flow k[CHUNK];
	static struct keel_conn v[CHUNK];
	uint32_t done = 0, n, j;

	while (done < count) {
		n = count - done;
		if (n > CHUNK)
			n = CHUNK;
		for (j = 0; j < n; j++) {
			k[j] = flow_of(from + done + j);
			v[j] = (struct keel_conn){ .real_id = 1 };
		}
		if (bpf_map_update_batch(fd, k, v, &n, &bo))
			return -1;
		done += n;
	}
	return 0;
}

/* The median µs of runs pages of PAGE from cursor. */
static double page_us(struct lb_dp *dp, uint64_t cursor, int runs,
		      uint32_t *got)
{
	static struct keel_flow k[PAGE];
	static struct keel_conn v[PAGE];
	double *t = calloc((size_t)runs, sizeof(*t)), med;
	uint64_t next, t0;
	bool end;
	int r, err;

	for (r = 0; r < runs; r++) {
		t0 = keel_now_ns();
		err = lb_dp_conn_page(dp, cursor, k, v, PAGE, got, &next, &end);
		if (err) {
			fprintf(stderr, "lb_dp_conn_page: %s\n",
				strerror(-err));
			*got = 0;
		}
		t[r] = (double)(keel_now_ns() - t0) / 1000.0;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	med = t[runs / 2];
	free(t);
	return med;
}

/* A whole walk in pages of PAGE: ms; entries and pages out. */
static double walk_ms(struct lb_dp *dp, uint64_t *entries, uint32_t *pages,
		      double *worst_us)
{
	static struct keel_flow k[PAGE];
	static struct keel_conn v[PAGE];
	uint64_t cur = LB_DP_CONN_PAGE_START, next, t0 = keel_now_ns(), t1;
	uint32_t n;
	bool end = false;
	double us;

	*entries = 0;
	*pages = 0;
	*worst_us = 0;
	while (!end) {
		t1 = keel_now_ns();
		if (lb_dp_conn_page(dp, cur, k, v, PAGE, &n, &next, &end))
			break;
		us = (double)(keel_now_ns() - t1) / 1000.0;
		*worst_us = us > *worst_us ? us : *worst_us;
		*entries += n;
		(*pages)++;
		cur = next;
	}
	return (double)(keel_now_ns() - t0) / 1e6;
}

int main(int argc, char **argv)
{
	struct lb_dp_opts o = { .conn_table_size = TABLE };
	int runs = argc > 1 ? atoi(argv[1]) : 21;
	char inst[64];
	struct lb_dp *dp;
	uint64_t entries, mid = 0, next;
	uint32_t got, pages, i, n;
	double worst, ms, us;
	bool end;
	int fd, ret = 1;

	if (runs < 1)
		runs = 1;
	snprintf(inst, sizeof(inst), "bench-page-%d", getpid());
	o.instance = inst;
	lb_dp_unload(&o);
	if (lb_dp_load(&o, &dp)) {
		fprintf(stderr, "bench_conn_page: load failed (root?)\n");
		return 1;
	}
	fd = lb_dp_map_fd(dp, KEEL_PIN_CONN);
	/* Sparse: 1024 entries, one per 1024 ids, spread by the hash. */
	for (i = 0; i < PAGE; i++)
		if (fill(fd, i * 1024, 1))
			goto out;
	printf("conn table %u buckets, pages of %u, median of %d\n", TABLE,
	       PAGE, runs);
	us = page_us(dp, LB_DP_CONN_PAGE_START, runs, &got);
	printf("sparse (%u entries), from the start: %.0f us (%u entries)\n",
	       PAGE, us, got);
	if (fill(fd, 0, TABLE))
		goto out;
	us = page_us(dp, LB_DP_CONN_PAGE_START, runs, &got);
	printf("full, from the start: %.0f us (%u entries)\n", us, got);
	/* A cursor half way: walk 512 pages first. */
	{
		static struct keel_flow k[PAGE];
		static struct keel_conn v[PAGE];

		for (i = 0; i < 512; i++) {
			if (lb_dp_conn_page(dp, mid, k, v, PAGE, &n, &next,
					    &end) ||
			    end)
				break;
			mid = next;
		}
	}
	us = page_us(dp, mid, runs, &got);
	printf("full, from the middle: %.0f us (%u entries)\n", us, got);
	ms = walk_ms(dp, &entries, &pages, &worst);
	printf("full, whole walk: %.0f ms, %llu entries in %u pages, slowest page %.0f us\n",
	       ms, (unsigned long long)entries, pages, worst);
	ret = 0;
out:
	lb_dp_unpin(dp);
	lb_dp_close(dp);
	return ret;
}
