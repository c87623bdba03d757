// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_keel_conn_merge.c - keel_conn_merge.h: every row of the rule in
 * docs/pair.md (no entry; the same real; a real not usable here; used
 * here within `active`; otherwise the more recent use), with the
 * boundaries (now - seen = active and active + 1, equal recency, a seen
 * stamp ahead of now, an entry a peer wrote and nobody used here since).
 */
#include <check.h>
#include <stddef.h>

#include "check_run.h"
#include "keel_conn_merge.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;
	int has; /* an entry here */
	struct keel_conn cur;
	int usable;
	__u32 id, gen, peer_last, now;
	enum keel_merge want;
} cases[] = {
	{ "no entry", 0, { 0 }, 0, 5, 1, 100, 100, KEEL_MERGE_INSERT },
	{ "same real",
	  1,
	  { 5, 1, 100, 0, 0 },
	  1,
	  5,
	  1,
	  100,
	  100,
	  KEEL_MERGE_SAME },
	{ "same real, not usable",
	  1,
	  { 5, 1, 10, 0, 0 },
	  0,
	  5,
	  1,
	  100,
	  100,
	  KEEL_MERGE_SAME },
	{ "same id, other generation",
	  1,
	  { 5, 1, 10, 0, 0 },
	  0,
	  5,
	  2,
	  100,
	  100,
	  KEEL_MERGE_REPLACE },
	{ "real down here",
	  1,
	  { 4, 1, 100, 0, 0 },
	  0,
	  5,
	  1,
	  90,
	  100,
	  KEEL_MERGE_REPLACE },
	{ "used here now",
	  1,
	  { 4, 1, 100, 0, 0 },
	  1,
	  5,
	  1,
	  100,
	  100,
	  KEEL_MERGE_KEEP_ACTIVE },
	{ "used here 2 ago (= active)",
	  1,
	  { 4, 1, 98, 0, 0 },
	  1,
	  5,
	  1,
	  100,
	  100,
	  KEEL_MERGE_KEEP_ACTIVE },
	{ "used here 3 ago, peer now",
	  1,
	  { 4, 1, 97, 0, 0 },
	  1,
	  5,
	  1,
	  100,
	  100,
	  KEEL_MERGE_REPLACE },
	{ "used here 3 ago, peer as long ago",
	  1,
	  { 4, 1, 97, 0, 0 },
	  1,
	  5,
	  1,
	  97,
	  100,
	  KEEL_MERGE_KEEP_NEWER },
	{ "used here 3 ago, peer longer ago",
	  1,
	  { 4, 1, 97, 0, 0 },
	  1,
	  5,
	  1,
	  50,
	  100,
	  KEEL_MERGE_KEEP_NEWER },
	{ "seen ahead of now",
	  1,
	  { 4, 1, 101, 0, 0 },
	  1,
	  5,
	  1,
	  100,
	  100,
	  KEEL_MERGE_KEEP_ACTIVE },
	{ "a peer's entry, fresh",
	  1,
	  { 4, 1, 100, KEEL_CONN_F_PEER, 0 },
	  1,
	  5,
	  1,
	  100,
	  100,
	  KEEL_MERGE_KEEP_NEWER },
	{ "a peer's entry, older",
	  1,
	  { 4, 1, 99, KEEL_CONN_F_PEER, 0 },
	  1,
	  5,
	  1,
	  100,
	  100,
	  KEEL_MERGE_REPLACE },
	{ "clock near zero",
	  1,
	  { 4, 1, 0, 0, 0 },
	  1,
	  5,
	  1,
	  1,
	  1,
	  KEEL_MERGE_KEEP_ACTIVE },
};

START_TEST(test_merge)
{
	const struct keel_conn *cur = cases[_i].has ? &cases[_i].cur : NULL;

	ck_assert_msg(keel_conn_merge(cur, cases[_i].usable, cases[_i].id,
				      cases[_i].gen, cases[_i].peer_last,
				      cases[_i].now, 2) == cases[_i].want,
		      "%s", cases[_i].name);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keel_conn_merge");
	TCase *tc = tcase_create("merge");

	tcase_add_loop_test(tc, test_merge, 0, ARRAY_SIZE(cases));
	suite_add_tcase(s, tc);
	return check_run(s);
}
