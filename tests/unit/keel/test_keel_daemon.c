// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_keel_daemon.c - keel_daemon_main(): each row a command line and
 * what the daemon's callbacks return, against the exit code, the calls
 * made in order, and a line of stdout or stderr.  The daemon here has
 * lbd's own options: --detach-on-exit[=yes|no] (an optional argument)
 * and --reset-state.  Links keel_daemon.c, keel_cli.c and keel_log.c.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check_capture.h"
#include "check_run.h"
#include "keel_daemon.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

enum { X_DETACH, X_RESET, X__MAX };

static const struct keel_cli_opt x_opts[X__MAX] = {
	[X_DETACH] = { "detach-on-exit", "yes|no",
		       "on exit, detach the data plane", "yes or no", true },
	[X_RESET] = { "reset-state", NULL, "start without the saved state",
		      NULL },
};

struct t_ctx {
	int load_ret, check_ret, run_ret;
	char log[256]; /* the calls, in order */
};

static void t_log(struct t_ctx *x, const char *a, const char *b)
{
	size_t n = strlen(x->log);

	snprintf(x->log + n, sizeof(x->log) - n, "%s%s;", a, b ? b : "");
}

static int t_option(void *ctx, int id, const char *val)
{
	char w[64];

	if (id == X_DETACH && val && strcmp(val, "yes") && strcmp(val, "no"))
		return -EINVAL;
	snprintf(w, sizeof(w), "opt %s%s%s", x_opts[id].name, val ? "=" : "",
		 val ? val : "");
	t_log(ctx, w, NULL);
	return 0;
}

static int t_load(void *ctx, const char *path, char *msg, size_t size)
{
	struct t_ctx *x = ctx;

	t_log(x, "load ", path);
	if (x->load_ret)
		snprintf(msg, size, "%s:3: peers: bad", path);
	return x->load_ret;
}

static int t_check(void *ctx, char *line, size_t size)
{
	struct t_ctx *x = ctx;

	t_log(x, "check", NULL);
	snprintf(line, size, "%s",
		 x->check_ret ? "key file: absent" : "2 peers");
	return x->check_ret;
}

static int t_run(void *ctx)
{
	struct t_ctx *x = ctx;

	t_log(x, "run", NULL);
	return x->run_ret;
}

static void t_free(void *ctx)
{
	t_log(ctx, "free", NULL);
}

static const struct keel_daemon t_daemon = {
	.name = "tool",
	.config_default = "/etc/keel/tool.yaml",
	.extra = x_opts,
	.n_extra = X__MAX,
	.option = t_option,
	.load = t_load,
	.check = t_check,
	.run = t_run,
	.free = t_free,
};

#define DEF "/etc/keel/tool.yaml"

static const struct daemon_case {
	const char *argv[6]; /* after the program name; NULL-terminated */
	int load_ret, check_ret, run_ret;
	int exit;
	const char *log;
	const char *out, *err; /* a line of stdout / stderr (NULL: empty) */
} daemon_cases[] = {
	{ {}, 0, 0, 0, 0, "load " DEF ";run;free;", NULL, NULL },
	{ { "--config", "/c.yaml" },
	  0,
	  0,
	  0,
	  0,
	  "load /c.yaml;run;free;",
	  NULL,
	  NULL },
	{ { "--config=/c.yaml" },
	  0,
	  0,
	  0,
	  0,
	  "load /c.yaml;run;free;",
	  NULL,
	  NULL },
	{ {}, 0, 0, 3, 3, "load " DEF ";run;free;", NULL, NULL },
	{ {}, 0, 0, 1, 1, "load " DEF ";run;free;", NULL, NULL },
	/* A bad config: logged, exit 1, nothing run or freed. */
	{ {}, -EBADMSG, 0, 0, 1, "load " DEF ";", NULL, DEF ":3: peers: bad" },
	{ { "--check" },
	  0,
	  0,
	  0,
	  0,
	  "load " DEF ";check;free;",
	  DEF ": ok (2 peers)\n",
	  NULL },
	{ { "--config", "/c.yaml", "--check" },
	  0,
	  0,
	  0,
	  0,
	  "load /c.yaml;check;free;",
	  "/c.yaml: ok (2 peers)\n",
	  NULL },
	{ { "--check" },
	  0,
	  -ENOENT,
	  0,
	  1,
	  "load " DEF ";check;free;",
	  NULL,
	  "key file: absent" },
	{ { "--check" }, -EBADMSG, 0, 0, 1, "load " DEF ";", NULL, "peers: bad" },
	{ { "--help" }, 0, 0, 0, 0, "", "Usage: tool [OPTIONS]\n", NULL },
	{ { "-h" },
	  0,
	  0,
	  0,
	  0,
	  "",
	  "  --config FILE              configuration (default " DEF ")\n",
	  NULL },
	{ { "--help" },
	  0,
	  0,
	  0,
	  0,
	  "",
	  "  --detach-on-exit[=yes|no]  on exit, detach",
	  NULL },
	{ { "--help" },
	  0,
	  0,
	  0,
	  0,
	  "",
	  "  --log-level L              least severe level logged: err|warning|notice|info|debug",
	  NULL },
	{ { "--help", "--check" }, 0, 0, 0, 0, "", "Usage: tool", NULL },
	{ { "run" },
	  0,
	  0,
	  0,
	  2,
	  "",
	  NULL,
	  "tool: unexpected argument 'run'; 'tool --help' lists the options\n" },
	{ { "--bogus" },
	  0,
	  0,
	  0,
	  2,
	  "",
	  NULL,
	  "tool: unknown option '--bogus'; 'tool --help' lists the options\n" },
	{ { "--config" },
	  0,
	  0,
	  0,
	  2,
	  "",
	  NULL,
	  "tool: missing argument to '--config'" },
	{ { "--log-level", "loud" },
	  0,
	  0,
	  0,
	  2,
	  "",
	  NULL,
	  "tool: bad --log-level 'loud': err|warning|notice|info|debug\n" },
	{ { "--log-level", "debug" },
	  0,
	  0,
	  0,
	  0,
	  "load " DEF ";run;free;",
	  NULL,
	  NULL },
	{ { "--syslog", "--log-level=err" },
	  0,
	  0,
	  0,
	  0,
	  "load " DEF ";run;free;",
	  NULL,
	  NULL },
	{ { "--detach-on-exit" },
	  0,
	  0,
	  0,
	  0,
	  "opt detach-on-exit;load " DEF ";run;free;",
	  NULL,
	  NULL },
	{ { "--detach-on-exit=no" },
	  0,
	  0,
	  0,
	  0,
	  "opt detach-on-exit=no;load " DEF ";run;free;",
	  NULL,
	  NULL },
	{ { "--detach-on-exit=yes", "--reset-state" },
	  0,
	  0,
	  0,
	  0,
	  "opt detach-on-exit=yes;opt reset-state;load " DEF ";run;free;",
	  NULL,
	  NULL },
	{ { "--detach-on-exit=maybe" },
	  0,
	  0,
	  0,
	  2,
	  "",
	  NULL,
	  "tool: bad --detach-on-exit 'maybe': yes or no\n" },
	/* An optional argument is never the next word: "no" is one. */
	{ { "--detach-on-exit", "no" },
	  0,
	  0,
	  0,
	  2,
	  "",
	  NULL,
	  "tool: unexpected argument 'no'" },
	{ { "--reset-state=1" },
	  0,
	  0,
	  0,
	  2,
	  "",
	  NULL,
	  "tool: unknown option '--reset-state=1'" },
};

static int t_main(void *ctx, int argc, char **argv)
{
	return keel_daemon_main(&t_daemon, ctx, argc, argv);
}

START_TEST(test_main)
{
	const struct daemon_case *t = &daemon_cases[_i];
	struct t_ctx x = { t->load_ret, t->check_ret, t->run_ret, "" };
	struct check_output o;
	int ret;

	ret = check_capture(t_main, &x, t->argv, &o);
	ck_assert_msg(ret == t->exit, "exit %d, want %d; stderr: %s", ret,
		      t->exit, o.err);
	ck_assert_str_eq(x.log, t->log);
	check_output_has("stdout", o.out, t->out);
	check_output_has("stderr", o.err, t->err);
}
END_TEST

static Suite *daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("main");

	tcase_add_loop_test(tc, test_main, 0, N(daemon_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(daemon_suite());
}
