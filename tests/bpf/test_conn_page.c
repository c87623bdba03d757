// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_dp_conn_page() against a real conn table (an LRU hash, as lbd loads
 * it): N entries paged through with several page sizes come back each
 * exactly once; a page size below a bucket's entries is -ENOSPC and the
 * same cursor with a larger one goes on; with entries deleted and
 * inserted between pages, every entry present throughout comes back
 * exactly once and no entry comes back twice; cursors it did not make
 * are refused.
 */
#include <arpa/inet.h>
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "lb_dp.h"

#define TABLE 16384 /* buckets: the next power of two */
#define N_FILL 3000
#define N_NEW 600 /* inserted during the churn walk */
#define ID_MAX (N_FILL + N_NEW)

static struct lb_dp *dp;
static int conn_fd;
static char instance[64];

static void pins_clear(void)
{
	struct lb_dp_opts o = { .instance = instance };

	lb_dp_unload(&o);
}

/* Loaded once (a load costs seconds here); each test empties the table. */
static void load(void)
{
	struct lb_dp_opts o = { .instance = instance,
				.conn_table_size = TABLE };

	pins_clear();
	if (lb_dp_load(&o, &dp)) {
		fprintf(stderr, "lb_dp_load failed\n");
		exit(1);
	}
	conn_fd = lb_dp_map_fd(dp, KEEL_PIN_CONN);
}

static void unload(void)
{
	if (dp) {
		lb_dp_unpin(dp);
		lb_dp_close(dp);
		dp = NULL;
	}
	pins_clear();
}

static void setup(void)
{
	struct keel_flow k;

	ck_assert_int_ge(conn_fd, 0);
	while (!bpf_map_get_next_key(conn_fd, NULL, &k))
		ck_assert_int_eq(bpf_map_delete_elem(conn_fd, &k), 0);
}

/* Flow i: client 10.0.x.y:i, the id again in real_id to check values. */
static struct keel_flow flow_of(uint32_t i)
{
	struct keel_flow f = { 0 };

	f.src[0] = htonl(0x0a000000 | i);
	f.dst[0] = htonl(0xc0000201);
	f.sport = htons((uint16_t)(1024 + i % 50000));
	f.dport = htons(80);
	f.proto = 6;
	f.family = KEEL_F_INET;
	return f;
}

static uint32_t id_of(const struct keel_flow *f)
{
	return ntohl(f->src[0]) & 0xffffff;
}

static void put(uint32_t i)
{
	struct keel_flow f = flow_of(i);
	struct keel_conn c = { .real_id = i + 1 };

	ck_assert_int_eq(bpf_map_update_elem(conn_fd, &f, &c, BPF_NOEXIST), 0);
}

static void del(uint32_t i)
{
	struct keel_flow f = flow_of(i);

	ck_assert_int_eq(bpf_map_delete_elem(conn_fd, &f), 0);
}

/*
 * One walk with pages of max (larger on -ENOSPC, same cursor), seen[id]
 * counting each entry; between(page) runs after each page.  The pages.
 */
static unsigned int walk(uint32_t max, uint8_t *seen,
			 void (*between)(unsigned int page))
{
	struct keel_flow *keys = calloc(TABLE, sizeof(*keys));
	struct keel_conn *vals = calloc(TABLE, sizeof(*vals));
	uint64_t cur = LB_DP_CONN_PAGE_START, next;
	unsigned int pages = 0, enospc = 0;
	uint32_t n, i, m = max;
	bool end = false;
	int err;

	ck_assert(keys && vals);
	while (!end) {
		ck_assert_uint_lt(pages, 2 * TABLE); /* bounded */
		err = lb_dp_conn_page(dp, cur, keys, vals, m, &n, &next, &end);
		if (err == -ENOSPC) {
			ck_assert_uint_eq(n, 0);
			ck_assert(next == cur && !end);
			ck_assert_uint_lt(m, TABLE);
			m *= 2;
			enospc++;
			continue;
		}
		ck_assert_int_eq(err, 0);
		ck_assert_uint_le(n, m);
		for (i = 0; i < n; i++) {
			uint32_t id = id_of(&keys[i]);

			ck_assert_uint_lt(id, ID_MAX);
			ck_assert_uint_eq(vals[i].real_id, id + 1);
			ck_assert_uint_lt(seen[id], 255);
			seen[id]++;
		}
		m = max;
		cur = next;
		pages++;
		if (between && !end)
			between(pages);
	}
	free(keys);
	free(vals);
	if (max == 1)
		/* 3000 flows in 16384 buckets: some share one. */
		ck_assert_uint_gt(enospc, 0);
	return pages;
}

static const uint32_t page_sizes[] = { 1, 7, 64, 1024, N_FILL, TABLE };

START_TEST(test_every_entry_once)
{
	uint32_t max = page_sizes[_i], i;
	uint8_t seen[ID_MAX] = { 0 };
	unsigned int pages;

	for (i = 0; i < N_FILL; i++)
		put(i);
	pages = walk(max, seen, NULL);
	for (i = 0; i < N_FILL; i++)
		ck_assert_msg(seen[i] == 1,
			      "page size %u: entry %u seen %u times", max, i,
			      seen[i]);
	/* A page holds whole buckets: up to max entries, never more. */
	if (max >= N_FILL)
		ck_assert_uint_eq(pages, 1);
	else
		ck_assert_uint_gt(pages, 1);
}
END_TEST

START_TEST(test_empty)
{
	struct keel_flow k[4];
	struct keel_conn v[4];
	uint64_t next = 7;
	uint32_t n = 9;
	bool end = false;

	ck_assert_int_eq(lb_dp_conn_page(dp, LB_DP_CONN_PAGE_START, k, v, 4, &n,
					 &next, &end),
			 0);
	ck_assert(end && n == 0 && next == 0);
}
END_TEST

/* Cursors from a peer: refused unless this function could have made it. */
START_TEST(test_bad_cursor)
{
	struct keel_flow k[4];
	struct keel_conn v[4];
	uint64_t next;
	uint32_t n;
	bool end;

	put(1);
	ck_assert_int_eq(lb_dp_conn_page(dp, 5, k, v, 4, &n, &next, &end),
			 -EINVAL);
	ck_assert_int_eq(lb_dp_conn_page(dp, 2ULL << 32, k, v, 4, &n, &next,
					 &end),
			 -EINVAL);
	ck_assert_int_eq(lb_dp_conn_page(dp, 0, k, v, 0, &n, &next, &end),
			 -EINVAL);
	/* A token past the last bucket: the end, nothing in it. */
	n = 99;
	ck_assert_int_eq(lb_dp_conn_page(dp, (1ULL << 32) | 0xfffffff0u, k, v,
					 4, &n, &next, &end),
			 0);
	ck_assert(end && n == 0);
	ck_assert_int_eq(lb_dp_conn_page(dp, (1ULL << 32) | TABLE, k, v, 4, &n,
					 &next, &end),
			 0);
	ck_assert(end && n == 0);
}
END_TEST

/*
 * Churn: after each page, delete 10 of the first N_FILL / 2 (every
 * 7th id) and insert 10 new ones; an entry never touched must come back
 * exactly once, the others at most once.
 */
static uint32_t next_del, next_new;

static void churn(unsigned int page)
{
	int k;

	(void)page;
	for (k = 0; k < 10 && next_del < N_FILL / 2; k++, next_del += 7)
		del(next_del);
	for (k = 0; k < 10 && next_new < ID_MAX; k++)
		put(next_new++);
}

static const uint32_t churn_sizes[] = { 16, 64, 257 };

START_TEST(test_churn)
{
	uint8_t seen[ID_MAX] = { 0 };
	uint32_t i, steady = 0;

	for (i = 0; i < N_FILL; i++)
		put(i);
	next_del = 0;
	next_new = N_FILL;
	walk(churn_sizes[_i], seen, churn);
	/* The walk did churn: deletes and inserts happened. */
	ck_assert_uint_gt(next_del, 100);
	ck_assert_uint_gt(next_new, N_FILL + 50);
	for (i = 0; i < ID_MAX; i++) {
		bool touched = i >= N_FILL ||
			       (i < N_FILL / 2 && i % 7 == 0 && i < next_del);

		ck_assert_msg(seen[i] <= 1, "entry %u seen %u times", i,
			      seen[i]);
		if (!touched) {
			ck_assert_msg(seen[i] == 1,
				      "page %u: unchanged entry %u missed",
				      churn_sizes[_i], i);
			steady++;
		}
	}
	ck_assert_uint_gt(steady, N_FILL / 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conn_page");
	TCase *tc = tcase_create("maps");

	if (geteuid() != 0) {
		fprintf(stderr, "needs root (BPF)\n");
		return 77;
	}
	snprintf(instance, sizeof(instance), "page-%d", getpid());
	tcase_add_unchecked_fixture(tc, load, unload);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_every_entry_once, 0,
			    sizeof(page_sizes) / sizeof(page_sizes[0]));
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_bad_cursor);
	tcase_add_loop_test(tc, test_churn, 0,
			    sizeof(churn_sizes) / sizeof(churn_sizes[0]));
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
