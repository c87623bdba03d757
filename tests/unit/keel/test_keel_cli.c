// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_cli_parse(): options anywhere among the words, "--", -h, the last
 * of a repeated option, and the refusals.  Links keel_cli.c only.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "keel_cli.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

enum { O_SOCKET, O_JSON, O_HELP, O_WEIGHT, O__MAX };

static const struct keel_cli_opt opts[O__MAX] = {
	[O_SOCKET] = { "socket", "PATH", "the socket", NULL },
	[O_JSON] = { "json", NULL, "JSON", NULL },
	[O_HELP] = { "help", NULL, "help", NULL },
	[O_WEIGHT] = { "weight", "W", "weight", "0..65535" },
};

static const struct cli_case {
	const char *argv[8]; /* after the program name; NULL-terminated */
	int err;
	unsigned int seen;
	const char *socket, *weight;
	const char *pos; /* the words left, joined by ' ' */
} cli_cases[] = {
	{ { "status" }, 0, 0, NULL, NULL, "status" },
	{ { "--json", "status" }, 0, 1U << O_JSON, NULL, NULL, "status" },
	{ { "real", "add", "--weight", "3", "v", "r" },
	  0,
	  1U << O_WEIGHT,
	  NULL,
	  "3",
	  "real add v r" },
	{ { "real", "add", "--weight=7", "v" },
	  0,
	  1U << O_WEIGHT,
	  NULL,
	  "7",
	  "real add v" },
	{ { "--socket", "/a", "--socket", "/b", "x" },
	  0,
	  1U << O_SOCKET,
	  "/b",
	  NULL,
	  "x" },
	{ { "-h" }, 0, 1U << O_HELP, NULL, NULL, "" },
	{ { "status", "--help" }, 0, 1U << O_HELP, NULL, NULL, "status" },
	{ { "a", "--", "--json", "-h" }, 0, 0, NULL, NULL, "a --json -h" },
	{ { "--js", "s" }, 0, 1U << O_JSON, NULL, NULL, "s" }, /* prefix */
	{ {}, 0, 0, NULL, NULL, "" },
	{ { "--bogus", "status" }, -EINVAL, 0, NULL, NULL, "" },
	{ { "status", "--socket" }, -EINVAL, 0, NULL, NULL, "" },
	{ { "-x" }, -EINVAL, 0, NULL, NULL, "" },
	{ { "-hx", "status" }, -EINVAL, 0, NULL, NULL, "" }, /* in a group */
	{ { "--json=yes" }, -EINVAL, 0, NULL, NULL, "" },
};

START_TEST(test_parse)
{
	const struct cli_case *t = &cli_cases[_i];
	char *argv[10], joined[128] = "";
	struct keel_cli c;
	int argc = 0, i;

	argv[argc++] = "tool";
	while (t->argv[argc - 1])
		argv[argc] = (char *)t->argv[argc - 1], argc++;
	argv[argc] = NULL;
	ck_assert_int_eq(keel_cli_parse(&c, "tool", argc, argv, opts, O__MAX,
					O_HELP),
			 t->err);
	if (t->err) {
		ck_assert_ptr_null(c.pos);
		return;
	}
	ck_assert_uint_eq(c.seen, t->seen);
	if (t->socket)
		ck_assert_str_eq(c.vals[O_SOCKET], t->socket);
	else
		ck_assert_ptr_null(c.vals[O_SOCKET]);
	if (t->weight)
		ck_assert_str_eq(c.vals[O_WEIGHT], t->weight);
	else
		ck_assert_ptr_null(c.vals[O_WEIGHT]);
	for (i = 0; i < c.npos; i++)
		snprintf(joined + strlen(joined),
			 sizeof(joined) - strlen(joined), "%s%s", i ? " " : "",
			 c.pos[i]);
	ck_assert_str_eq(joined, t->pos);
	keel_cli_free(&c);
}
END_TEST

/* Called twice in one process: the second scan starts afresh. */
START_TEST(test_twice)
{
	char *a1[] = { "tool", "--json", "x", NULL };
	char *a2[] = { "tool", "y", "--socket", "/s", NULL };
	struct keel_cli c;

	ck_assert_int_eq(
		keel_cli_parse(&c, "tool", 3, a1, opts, O__MAX, O_HELP), 0);
	keel_cli_free(&c);
	ck_assert_int_eq(
		keel_cli_parse(&c, "tool", 4, a2, opts, O__MAX, O_HELP), 0);
	ck_assert_uint_eq(c.seen, 1U << O_SOCKET);
	ck_assert_int_eq(c.npos, 1);
	ck_assert_str_eq(c.pos[0], "y");
	keel_cli_free(&c);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse, 0, N(cli_cases));
	tcase_add_test(tc, test_twice);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(cli_suite());
}
