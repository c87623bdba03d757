// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* keel_prom: the exact exposition text and its escaping. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "check_run.h"
#include "keel_prom.h"

/* The evbuffer's bytes as a NUL-terminated string (malloc'd). */
static char *drain(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(evbuffer_remove(b, s, n), (int)n);
	s[n] = '\0';
	return s;
}

static const struct {
	double v;
	const char *text;
} value_cases[] = {
	{ 0, "0" },
	{ -0.0, "0" },
	{ 1, "1" },
	{ -42, "-42" },
	{ 1e6, "1000000" },
	{ 123456789012.0, "123456789012" },
	{ 9007199254740993.0, "9007199254740992" }, /* 2^53+1 is not a double */
	{ 9223372036854774784.0, "9223372036854774784" }, /* below 2^63 */
	{ 0x1p63, "9.223372036854776e+18" },
	{ -0x1p63, "-9.223372036854776e+18" },
	{ 1e300, "1e+300" },
	{ 0.5, "0.5" },
	{ 0.1, "0.1" },
	{ -2.25, "-2.25" },
	{ 1.0 / 3, "0.3333333333333333" },
	{ 1.5e-7, "1.5e-07" },
	{ 12345.678, "12345.678" },
	{ NAN, "NaN" },
	{ INFINITY, "+Inf" },
	{ -INFINITY, "-Inf" },
};

START_TEST(test_value)
{
	char buf[32];
	int n = keel_prom_value(buf, sizeof(buf), value_cases[_i].v);

	ck_assert_int_eq(n, (int)strlen(value_cases[_i].text));
	ck_assert_str_eq(buf, value_cases[_i].text);
}
END_TEST

START_TEST(test_value_nospace)
{
	char buf[4];

	ck_assert_int_eq(keel_prom_value(buf, sizeof(buf), 1000), -ENOSPC);
	ck_assert_int_eq(keel_prom_value(buf, sizeof(buf), 100), 3);
}
END_TEST

static const struct keel_prom_label l_vip[] = { { "vip",
						  "203.0.113.10:443/tcp" } };
static const struct keel_prom_label l_three[] = {
	{ "vip", "[2001:db8::1]:443/tcp" },
	{ "real", "10.0.0.2" },
	{ "state", "up" },
};
static const struct keel_prom_label l_escape[] = {
	{ "path", "a\\b\"c\nd" },
	{ "empty", "" },
};
static const struct keel_prom_label l_only_specials[] = { { "x", "\\\"\n" } };

static const struct {
	const char *name;
	const struct keel_prom_label *labels;
	size_t n;
	double v;
	const char *text;
} sample_cases[] = {
	{ "keel_up", NULL, 0, 1, "keel_up 1\n" },
	{ "keel_rx_bytes_total", l_vip, 1, 1e6,
	  "keel_rx_bytes_total{vip=\"203.0.113.10:443/tcp\"} 1000000\n" },
	{ "keel_real_weight", l_three, 3, 0.5,
	  "keel_real_weight{vip=\"[2001:db8::1]:443/tcp\",real=\"10.0.0.2\","
	  "state=\"up\"} 0.5\n" },
	{ "keel_x", l_escape, 2, -3,
	  "keel_x{path=\"a\\\\b\\\"c\\nd\",empty=\"\"} -3\n" },
	{ "keel_y", l_only_specials, 1, NAN,
	  "keel_y{x=\"\\\\\\\"\\n\"} NaN\n" },
};

START_TEST(test_sample)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	keel_prom_sample(b, sample_cases[_i].name, sample_cases[_i].labels,
			 sample_cases[_i].n, sample_cases[_i].v);
	s = drain(b);
	ck_assert_str_eq(s, sample_cases[_i].text);
	free(s);
	evbuffer_free(b);
}
END_TEST

static const struct {
	const char *name, *type, *help, *text;
} help_cases[] = {
	{ "keel_up", "gauge", "1 while lbd runs.",
	  "# HELP keel_up 1 while lbd runs.\n# TYPE keel_up gauge\n" },
	/* HELP escapes backslash and newline only, not the double quote. */
	{ "keel_c", "counter", "a \"b\" c\\d\ne",
	  "# HELP keel_c a \"b\" c\\\\d\\ne\n# TYPE keel_c counter\n" },
	{ "keel_e", "untyped", "", "# HELP keel_e \n# TYPE keel_e untyped\n" },
};

START_TEST(test_help)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	keel_prom_help(b, help_cases[_i].name, help_cases[_i].type,
		       help_cases[_i].help);
	s = drain(b);
	ck_assert_str_eq(s, help_cases[_i].text);
	free(s);
	evbuffer_free(b);
}
END_TEST

/* A whole family, as lbd renders one: the lines follow each other. */
START_TEST(test_family)
{
	static const struct keel_prom_label a[] = { { "verdict", "tx" } };
	static const struct keel_prom_label b2[] = { { "verdict", "pass" } };
	struct evbuffer *b = evbuffer_new();
	char *s;

	keel_prom_help(b, "keel_packets_total", "counter",
		       "Packets by verdict.");
	keel_prom_sample(b, "keel_packets_total", a, 1, 12);
	keel_prom_sample(b, "keel_packets_total", b2, 1, 0);
	s = drain(b);
	ck_assert_str_eq(s, "# HELP keel_packets_total Packets by verdict.\n"
			    "# TYPE keel_packets_total counter\n"
			    "keel_packets_total{verdict=\"tx\"} 12\n"
			    "keel_packets_total{verdict=\"pass\"} 0\n");
	free(s);
	evbuffer_free(b);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
	Suite *s = suite_create("prom");
	TCase *tc = tcase_create("prom");

	tcase_add_loop_test(tc, test_value, 0, N(value_cases));
	tcase_add_test(tc, test_value_nospace);
	tcase_add_loop_test(tc, test_sample, 0, N(sample_cases));
	tcase_add_loop_test(tc, test_help, 0, N(help_cases));
	tcase_add_test(tc, test_family);
	suite_add_tcase(s, tc);
	return check_run(s);
}
