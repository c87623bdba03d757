// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_boot: the agent's boot counter on real files in a temporary
 * directory, one row per state the file can be found in: missing (first
 * start, reinstall), ahead of or behind the clock, damaged (kept aside,
 * the clock takes over), at its maximum, in a directory that does not
 * exist.  Links ra_boot.c and keel_file.c.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "keel_file.h"
#include "ra_boot.h"
#include "tmpdir.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define NOW 1763800000ULL

static const struct boot_case {
	const char *name;
	const char *before; /* the file's bytes; NULL: no file */
	bool no_dir; /* the state directory does not exist */
	uint64_t now;
	int err;
	uint64_t boot;
	enum ra_boot_found found;
	const char *after; /* the file's bytes after */
} boot_cases[] = {
	{ "first start", NULL, false, NOW, 0, NOW, RA_BOOT_MISSING,
	  "1763800000\n" },
	{ "clock ahead of the counter", "100\n", false, NOW, 0, NOW,
	  RA_BOOT_FOUND, "1763800000\n" },
	{ "counter ahead of the clock (fast restarts)", "1763800005\n", false,
	  NOW, 0, NOW + 6, RA_BOOT_FOUND, "1763800006\n" },
	{ "same second as the last start", "1763800000", false, NOW, 0, NOW + 1,
	  RA_BOOT_FOUND, "1763800001\n" },
	{ "clock at the epoch (no RTC)", "50\n", false, 0, 0, 51, RA_BOOT_FOUND,
	  "51\n" },
	{ "no file and no clock", NULL, false, 0, 0, 1, RA_BOOT_MISSING,
	  "1\n" },
	{ "damaged: text", "abc\n", false, NOW, 0, NOW, RA_BOOT_BAD,
	  "1763800000\n" },
	{ "damaged: empty (a crash before rename cannot do this)", "", false,
	  NOW, 0, NOW, RA_BOOT_BAD, "1763800000\n" },
	{ "damaged: zero", "0\n", false, NOW, 0, NOW, RA_BOOT_BAD,
	  "1763800000\n" },
	{ "damaged: leading zero", "0100\n", false, NOW, 0, NOW, RA_BOOT_BAD,
	  "1763800000\n" },
	{ "damaged: two lines", "12\n\n", false, NOW, 0, NOW, RA_BOOT_BAD,
	  "1763800000\n" },
	{ "damaged: a blank first", " 12\n", false, NOW, 0, NOW, RA_BOOT_BAD,
	  "1763800000\n" },
	{ "damaged: over the maximum", "9223372036854775808\n", false, NOW, 0,
	  NOW, RA_BOOT_BAD, "1763800000\n" },
	{ "at the maximum: refused, file kept", "9223372036854775807\n", false,
	  NOW, -ERANGE, 0, RA_BOOT_FOUND, "9223372036854775807\n" },
	{ "one below the maximum", "9223372036854775806\n", false, NOW, 0,
	  9223372036854775807ULL, RA_BOOT_FOUND, "9223372036854775807\n" },
	{ "no state directory: cannot be made durable", NULL, true, NOW,
	  -ENOENT, 0, RA_BOOT_MISSING, NULL },
};

START_TEST(test_next)
{
	const struct boot_case *c = &boot_cases[_i];
	char path[256], aside[300], msg[512], pattern[300], *buf;
	enum ra_boot_found found;
	uint64_t boot = 0;
	glob_t g;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%sboot", tmpdir,
		 c->no_dir ? "none/" : "");
	if (c->before) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, c->before, strlen(c->before)),
				 (ssize_t)strlen(c->before));
		close(fd);
	}
	ck_assert_int_eq(ra_boot_next(path, c->now, &boot, &found, aside,
				      sizeof(aside), msg, sizeof(msg)),
			 c->err);
	ck_assert_int_eq(found, c->found);
	if (!c->err)
		ck_assert_uint_eq(boot, c->boot);
	if (c->after) {
		ck_assert_int_eq(
			keel_file_read(path, 64, &buf, &len, NULL, NULL, 0), 0);
		ck_assert_str_eq(buf, c->after);
		free(buf);
	}
	/* A damaged file is kept aside with its bytes, and said so. */
	snprintf(pattern, sizeof(pattern), "%s/boot.bad-*", tmpdir);
	ck_assert_int_eq(glob(pattern, 0, NULL, &g),
			 c->found == RA_BOOT_BAD ? 0 : GLOB_NOMATCH);
	if (c->found == RA_BOOT_BAD) {
		ck_assert_uint_eq(g.gl_pathc, 1);
		ck_assert_str_eq(g.gl_pathv[0], aside);
		ck_assert_int_eq(keel_file_read(aside, 64, &buf, &len, NULL,
						NULL, 0),
				 0);
		ck_assert_str_eq(buf, c->before);
		free(buf);
		ck_assert_msg(strstr(msg, aside), "message: %s", msg);
		globfree(&g);
	}
	if (c->err)
		ck_assert_msg(strstr(msg, path), "message: %s", msg);
}
END_TEST

/* Starts in a row: strictly increasing, whatever the clock does. */
START_TEST(test_restarts)
{
	static const uint64_t clock[] = { NOW,	    NOW, NOW - 3600,
					  NOW + 10, 0,	 NOW + 10 };
	char path[256], aside[300], msg[256];
	uint64_t boot, last = 0;
	int i;

	snprintf(path, sizeof(path), "%s/boot", tmpdir);
	for (i = 0; i < N(clock); i++) {
		ck_assert_int_eq(ra_boot_next(path, clock[i], &boot, NULL,
					      aside, sizeof(aside), msg,
					      sizeof(msg)),
				 0);
		ck_assert_msg(boot > last, "start %d: %llu after %llu", i,
			      (unsigned long long)boot,
			      (unsigned long long)last);
		last = boot;
	}
	ck_assert_uint_eq(last, NOW + 12); /* NOW, +1, +2, +10, +11, +12 */
}
END_TEST

static Suite *ra_boot_suite(void)
{
	Suite *s = suite_create("ra_boot");
	TCase *tc = tcase_create("boot");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_loop_test(tc, test_next, 0, N(boot_cases));
	tcase_add_test(tc, test_restarts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(ra_boot_suite());
}
