// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* keel_log: the rate limiter (a table of events) and the stderr line. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "check_run.h"
#include "keel_log.h"

struct rl_step {
	uint64_t now_ms;
	bool allow;
	uint64_t suppressed;
};

#define RL_STEPS_MAX 16

static const struct {
	const char *what;
	uint32_t interval_ms, burst;
	struct rl_step steps[RL_STEPS_MAX];
	int n;
} rl_cases[] = {
	{ "burst 2 per second, then the count of those denied",
	  1000,
	  2,
	  {
		  { 0, true, 0 },
		  { 10, true, 0 },
		  { 20, false, 0 },
		  { 500, false, 0 },
		  { 999, false, 0 },
		  { 1000, true, 3 }, /* new window: the three denied */
		  { 1001, true, 0 },
		  { 1002, false, 0 },
		  { 5000, true, 1 },
	  },
	  9 },
	{ "the window opens at the first event, not at time 0",
	  1000,
	  1,
	  {
		  { 123456, true, 0 },
		  { 124000, false, 0 },
		  { 124455, false, 0 },
		  { 124456, true, 2 },
	  },
	  4 },
	{ "suppressed counts carry across quiet windows",
	  100,
	  1,
	  {
		  { 0, true, 0 },
		  { 1, false, 0 },
		  { 2, false, 0 },
		  { 10000, true, 2 },
		  { 10000, false, 0 },
		  { 10100, true, 1 },
	  },
	  6 },
	{ "burst 0 denies everything",
	  1000,
	  0,
	  {
		  { 0, false, 0 },
		  { 5000, false, 0 },
	  },
	  2 },
	{ "interval 0 allows everything",
	  0,
	  1,
	  {
		  { 0, true, 0 },
		  { 0, true, 0 },
		  { 0, true, 0 },
	  },
	  3 },
	{ "a clock that goes back opens a new window",
	  1000,
	  1,
	  {
		  { 5000, true, 0 },
		  { 5001, false, 0 },
		  { 4000, true, 1 },
		  { 4001, false, 0 },
	  },
	  4 },
};

START_TEST(test_ratelimit)
{
	struct keel_ratelimit rl = { .interval_ms = rl_cases[_i].interval_ms,
				     .burst = rl_cases[_i].burst };
	int k;

	for (k = 0; k < rl_cases[_i].n; k++) {
		const struct rl_step *st = &rl_cases[_i].steps[k];
		uint64_t sup = 12345;
		bool ok = keel_ratelimit_ok(&rl, st->now_ms, &sup);

		ck_assert_msg(
			ok == st->allow && sup == st->suppressed,
			"%s: step %d (t=%llu): allow %d suppressed %llu, want %d %llu",
			rl_cases[_i].what, k, (unsigned long long)st->now_ms,
			ok, (unsigned long long)sup, st->allow,
			(unsigned long long)st->suppressed);
	}
}
END_TEST

START_TEST(test_ratelimit_null)
{
	struct keel_ratelimit rl = { .interval_ms = 10, .burst = 1 };

	ck_assert(keel_ratelimit_ok(&rl, 0, NULL));
	ck_assert(!keel_ratelimit_ok(&rl, 1, NULL));
}
END_TEST

/*
 * Run keel_log with stderr sent to a file, announced as the journal's
 * stream or not; return what it wrote.
 */
static char *capture_to(bool journal, int min_level, int level, const char *msg)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	static char out[KEEL_LOG_LINE_MAX * 2];
	char js[64];
	struct stat st;
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + !journal);
	setenv("JOURNAL_STREAM", js, 1);
	keel_log_init("lbd", false, min_level);
	keel_log(level, "%s", msg);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	unsetenv("JOURNAL_STREAM");
	return out;
}

static char *capture(int min_level, int level, const char *msg)
{
	return capture_to(false, min_level, level, msg);
}

/*
 * A plain stderr line starts with the time, RFC 3339 UTC with ms
 * ("2026-12-07T15:20:01.123Z "), within a minute of now: what follows it.
 */
static const char *skip_stamp(const char *line)
{
	struct tm tm = { 0 };
	const char *p;
	time_t t;

	p = strptime(line, "%Y-%m-%dT%H:%M:%S", &tm);
	ck_assert_msg(p, "no time at the start of \"%s\"", line);
	ck_assert_msg(p[0] == '.' && isdigit((unsigned char)p[1]) &&
			      isdigit((unsigned char)p[2]) &&
			      isdigit((unsigned char)p[3]) && p[4] == 'Z' &&
			      p[5] == ' ',
		      "not .mmmZ after the time: \"%s\"", line);
	t = timegm(&tm);
	ck_assert_msg(llabs((long long)(t - time(NULL))) < 60,
		      "time %s is not now", line);
	return p + 6;
}

static const struct {
	int min_level, level;
	const char *msg, *want; /* want without the "TIME lbd[pid]: " prefix */
} line_cases[] = {
	{ LOG_INFO, LOG_WARNING, "real 10.0.0.2 changed MAC",
	  "warning: real 10.0.0.2 changed MAC\n" },
	{ LOG_INFO, LOG_ERR, "x", "err: x\n" },
	{ LOG_DEBUG, LOG_DEBUG, "d", "debug: d\n" },
	{ LOG_INFO, LOG_DEBUG, "hidden", NULL },
	{ LOG_ERR, LOG_WARNING, "hidden", NULL },
	/* Input from the network must not forge a second line. */
	{ LOG_INFO, LOG_NOTICE, "bad\nlbd[1]: err: forged\r\x1b[2J",
	  "notice: bad lbd[1]: err: forged  [2J\n" },
	{ LOG_INFO, LOG_INFO, "", "info: \n" },
};

START_TEST(test_line)
{
	char prefix[64], want[256];
	const char *got;

	got = capture(line_cases[_i].min_level, line_cases[_i].level,
		      line_cases[_i].msg);
	if (!line_cases[_i].want) {
		ck_assert_str_eq(got, "");
		return;
	}
	got = skip_stamp(got);
	snprintf(prefix, sizeof(prefix), "lbd[%d]: ", (int)getpid());
	snprintf(want, sizeof(want), "%s%s", prefix, line_cases[_i].want);
	ck_assert_str_eq(got, want);
}
END_TEST

/* A message too long for one line is cut, marked, and stays one line. */
START_TEST(test_line_long)
{
	static char msg[KEEL_LOG_LINE_MAX * 2];
	const char *got;
	size_t len;

	memset(msg, 'a', sizeof(msg) - 1);
	got = capture(LOG_INFO, LOG_INFO, msg);
	len = strlen(got);
	ck_assert_uint_eq(len, KEEL_LOG_LINE_MAX - 1);
	ck_assert_str_eq(got + len - 4, "...\n");
	ck_assert_ptr_eq(strchr(got, '\n'), got + len - 1);
}
END_TEST

/* Under systemd: the priority as "<N>", nothing the journal adds itself. */
START_TEST(test_line_journal)
{
	ck_assert_str_eq(capture_to(true, LOG_INFO, LOG_WARNING, "a\nb"),
			 "<4>warning: a b\n");
	ck_assert_str_eq(capture_to(true, LOG_DEBUG, LOG_DEBUG, "d"),
			 "<7>debug: d\n");
	ck_assert_str_eq(capture_to(true, LOG_INFO, LOG_DEBUG, "d"), "");
}
END_TEST

START_TEST(test_errno_kept)
{
	errno = EADDRINUSE;
	capture(LOG_INFO, LOG_INFO, "m");
	ck_assert_int_eq(errno, EADDRINUSE);
}
END_TEST

START_TEST(test_level_names)
{
	ck_assert_str_eq(keel_log_level_name(LOG_ERR), "err");
	ck_assert_str_eq(keel_log_level_name(LOG_NOTICE), "notice");
	ck_assert_str_eq(keel_log_level_name(-1), "?");
	ck_assert_str_eq(keel_log_level_name(8), "?");
}
END_TEST

static const struct {
	const char *name;
	int level;
} parse_cases[] = {
	{ "err", LOG_ERR },	  { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG },	  { "crit", -EINVAL },
	{ "emerg", -EINVAL },	  { "INFO", -EINVAL },
	{ "", -EINVAL },	  { "debug ", -EINVAL },
	{ "warn", -EINVAL },
};

START_TEST(test_level_parse)
{
	ck_assert_int_eq(keel_log_level_parse(parse_cases[_i].name),
			 parse_cases[_i].level);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_loop_test(tc, test_ratelimit, 0, N(rl_cases));
	tcase_add_test(tc, test_ratelimit_null);
	tcase_add_loop_test(tc, test_line, 0, N(line_cases));
	tcase_add_test(tc, test_line_long);
	tcase_add_test(tc, test_line_journal);
	tcase_add_test(tc, test_errno_kept);
	tcase_add_test(tc, test_level_names);
	tcase_add_loop_test(tc, test_level_parse, 0, N(parse_cases));
	suite_add_tcase(s, tc);
	return check_run(s);
}
