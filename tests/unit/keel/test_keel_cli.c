// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_cli_parse(): options anywhere among the words, "--", -h, a letter
 * (-s), the last of a repeated option, and the refusals.
 * keel_cli_dispatch(): a tool's table against command lines, each row the
 * exit code, what reached the tool (options, words, run) in order, and a
 * line of its stderr or stdout (tests/unit/ctl/test_lbctl.sh's messages).  Links keel_cli.c only.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_capture.h"
#include "check_run.h"
#include "keel_cli.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

enum { O_SOCKET, O_JSON, O_HELP, O_WEIGHT, O__MAX };

static const struct keel_cli_opt opts[O__MAX] = {
	[O_SOCKET] = { "socket", "PATH", "the socket", NULL, false, 's' },
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
	{ { "-s", "/c", "x" }, 0, 1U << O_SOCKET, "/c", NULL, "x" }, /* letter */
	{ { "x", "-s/d" }, 0, 1U << O_SOCKET, "/d", NULL, "x" },
	{ { "x", "-s" }, -EINVAL, 0, NULL, NULL, "" },
	{ { "-w", "3" }, -EINVAL, 0, NULL, NULL, "" }, /* weight has none */
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

/* ---- keel_cli_dispatch ---- */

enum { D_SOCKET, D_INSTANCE, D_JSON, D_HELP, D_WEIGHT, D_DETACH, D__MAX };

static const struct keel_cli_opt d_opts[D__MAX] = {
	[D_SOCKET] = { "socket", "PATH", "the socket", "a path" },
	[D_INSTANCE] = { "instance", "NAME", "the instance", "a name" },
	[D_JSON] = { "json", NULL, "JSON", NULL },
	[D_HELP] = { "help", NULL, "help", NULL },
	[D_WEIGHT] = { "weight", "W", "real add: weight", "0..65535" },
	[D_DETACH] = { "detach", "yes|no", "stop: detach", "yes or no", true },
};

/* What reached the tool, in order: "--weight=3;SVC=s;run real add;". */
struct d_ctx {
	char log[256];
};

static void d_log(struct d_ctx *x, const char *fmt, const char *a,
		  const char *b)
{
	size_t n = strlen(x->log);

	snprintf(x->log + n, sizeof(x->log) - n, fmt, a, b);
}

static int d_option(void *ctx, int id, const char *val)
{
	if (id == D_WEIGHT && strspn(val, "0123456789") != strlen(val))
		return -EINVAL;
	if (id == D_DETACH && val && strcmp(val, "yes") && strcmp(val, "no"))
		return -EINVAL;
	if (val)
		d_log(ctx, "--%s=%s;", d_opts[id].name, val);
	else
		d_log(ctx, "--%s;%s", d_opts[id].name, "");
	return 0;
}

static int d_svc(void *ctx, const char *s)
{
	if (!*s || strlen(s) > 8)
		return -EINVAL;
	d_log(ctx, "SVC=%s;%s", s, "");
	return 0;
}

static int d_run(void *ctx, const struct keel_cli_cmd *cmd,
		 const struct keel_cli *c, char **args)
{
	(void)c;
	d_log(ctx, "run %s%s", cmd->verb, cmd->noun ? " " : "");
	d_log(ctx, "%s;%s", cmd->noun ? cmd->noun : "", "");
	/* The words after the command's name. */
	if (cmd->args[0])
		d_log(ctx, "args %s;%s", args[0], "");
	return cmd->data ? *(const int *)cmd->data : KEEL_EXIT_OK;
}

static const struct keel_cli_arg d_arg_svc = { "SVC", d_svc,
					       "at most 8 bytes" };
static const struct keel_cli_arg d_arg_addr = { "ADDR", NULL, NULL };
static const int d_unreachable = KEEL_EXIT_UNREACHABLE;

#define DO(x) (1U << D_##x)
static const struct keel_cli_cmd d_cmds[] = {
	{ .verb = "status", .run = d_run, .help = "all of it" },
	{ .verb = "real",
	  .noun = "add",
	  .opts = DO(WEIGHT),
	  .args = { &d_arg_svc, &d_arg_addr },
	  .run = d_run,
	  .help = "add a real" },
	{ .verb = "real",
	  .noun = "drain",
	  .args = { &d_arg_svc, &d_arg_addr },
	  .run = d_run,
	  .help = "drain a real" },
	{ .verb = "bgp",
	  .noun = "status",
	  .opts = DO(SOCKET),
	  .refuse = DO(INSTANCE),
	  .run = d_run,
	  .help = "the announcer's" },
	{ .verb = "stop", .opts = DO(DETACH), .run = d_run, .help = "stop" },
	{ .verb = "probe",
	  .run = d_run,
	  .data = &d_unreachable,
	  .help = "nobody there" },
};

static const struct keel_cli_tool d_tool = {
	.prog = "tool",
	.usage = "[--json] COMMAND",
	.opts = d_opts,
	.n_opts = D__MAX,
	.help_opt = D_HELP,
	.common = DO(SOCKET) | DO(INSTANCE) | DO(JSON),
	.option = d_option,
	.cmds = d_cmds,
	.n_cmds = N(d_cmds),
	.footer = "Exit codes: 0 ok, 1 refused, 2 usage, 3 unreachable.\n",
};

static const struct dispatch_case {
	const char *argv[9]; /* after the program name; NULL-terminated */
	int exit;
	const char *log; /* what reached the tool */
	const char *err, *out; /* a line of stderr / stdout (NULL: empty) */
} dispatch_cases[] = {
	{ {}, 2, "", "Usage: tool [--json] COMMAND", NULL },
	{ { "status" }, 0, "run status;", NULL, NULL },
	{ { "--json", "status" }, 0, "--json;run status;", NULL, NULL },
	{ { "frob" },
	  2,
	  "",
	  "tool: unknown command 'frob'; 'tool help' lists them",
	  NULL },
	{ { "real", "frob", "s", "a" },
	  2,
	  "",
	  "tool: unknown command 'real frob'",
	  NULL },
	{ { "real" }, 2, "", "tool: incomplete command 'real'", NULL },
	{ { "real" }, 2, "", "  real drain SVC ADDR", NULL },
	{ { "real", "drain", "s" },
	  2,
	  "",
	  "Usage: tool real drain SVC ADDR\n",
	  NULL },
	{ { "real", "drain", "s", "a", "b" },
	  2,
	  "",
	  "Usage: tool real drain SVC ADDR\n",
	  NULL },
	{ { "status", "x" }, 2, "", "Usage: tool status\n", NULL },
	{ { "real", "add", "s", "a", "--weight", "x" },
	  2,
	  "",
	  "tool: bad --weight 'x': 0..65535\n",
	  NULL },
	{ { "real", "drain", "s", "a", "--weight", "3" },
	  2,
	  "",
	  "tool: option --weight does not apply to 'real drain'\nUsage: tool real drain SVC ADDR\n",
	  NULL },
	{ { "real", "add", "123456789", "a" },
	  2,
	  "",
	  "tool: bad SVC '123456789': at most 8 bytes\nUsage: tool real add SVC ADDR [--weight W]\n",
	  NULL },
	{ { "real", "add", "", "a" },
	  2,
	  "",
	  "tool: bad SVC '': at most 8 bytes",
	  NULL },
	{ { "real", "add", "s", "--weight", "3", "a" },
	  0,
	  "--weight=3;SVC=s;run real add;args s;",
	  NULL,
	  NULL },
	{ { "--socket", "/s", "real", "add", "s", "a" },
	  0,
	  "--socket=/s;SVC=s;run real add;args s;",
	  NULL,
	  NULL },
	{ { "bgp", "status", "--instance", "x" },
	  2,
	  "",
	  "tool: option --instance does not apply to 'bgp status'\nUsage: tool bgp status [--socket PATH]\n",
	  NULL },
	{ { "bgp", "status", "--json", "--socket", "/s" },
	  0,
	  "--socket=/s;--json;run bgp status;",
	  NULL,
	  NULL },
	{ { "--help" }, 0, "", NULL, "Usage: tool [--json] COMMAND\n" },
	{ { "--help" },
	  0,
	  "",
	  NULL,
	  "  real add SVC ADDR [--weight W]  add a real\n" },
	{ { "--help" },
	  0,
	  "",
	  NULL,
	  "  help [COMMAND]                  this list" },
	{ { "--help" }, 0, "", NULL, "  --detach[=yes|no]  stop: detach\n" },
	{ { "--help" }, 0, "", NULL, "\nExit codes: 0 ok" },
	{ { "help" }, 0, "", NULL, "Commands:\n" },
	{ { "help", "real" }, 0, "", NULL, "  real drain SVC ADDR" },
	{ { "help", "real", "add" },
	  0,
	  "",
	  NULL,
	  "Usage: tool real add SVC ADDR [--weight W]\n  add a real\n\nOptions:\n  --weight W         real add: weight\n" },
	{ { "real", "add", "--help" },
	  0,
	  "",
	  NULL,
	  "Usage: tool real add SVC ADDR [--weight W]\n" },
	{ { "-h", "real", "drain", "s", "a", "--weight", "x" },
	  0,
	  "",
	  NULL,
	  "Usage: tool real drain SVC ADDR\n" },
	{ { "help", "help" }, 0, "", NULL, "Usage: tool help [COMMAND]\n" },
	{ { "help", "nope" }, 2, "", "tool: unknown command 'nope'", NULL },
	{ { "help", "status", "now" },
	  2,
	  "",
	  "Usage: tool help [COMMAND]\n",
	  NULL },
	{ { "--frob", "status" }, 2, "", "tool: unknown option '--frob'", NULL },
	{ { "status", "--socket" },
	  2,
	  "",
	  "tool: missing argument to '--socket'",
	  NULL },
	{ { "stop" }, 0, "run stop;", NULL, NULL },
	{ { "stop", "--detach" }, 0, "--detach;run stop;", NULL, NULL },
	{ { "stop", "--detach=no" }, 0, "--detach=no;run stop;", NULL, NULL },
	{ { "stop", "--detach=maybe" },
	  2,
	  "",
	  "tool: bad --detach 'maybe': yes or no\n",
	  NULL },
	/* An optional argument is never the next word: "no" is one. */
	{ { "stop", "--detach", "no" },
	  2,
	  "--detach;",
	  "Usage: tool stop [--detach[=yes|no]]\n",
	  NULL },
	{ { "probe" }, 3, "run probe;", NULL, NULL },
};

static int d_main(void *ctx, int argc, char **argv)
{
	return keel_cli_dispatch(&d_tool, ctx, argc, argv);
}

START_TEST(test_dispatch)
{
	const struct dispatch_case *t = &dispatch_cases[_i];
	struct d_ctx x = { "" };
	struct check_output o;
	int ret;

	ret = check_capture(d_main, &x, t->argv, &o);
	ck_assert_msg(ret == t->exit, "exit %d, want %d; stderr: %s", ret,
		      t->exit, o.err);
	ck_assert_str_eq(x.log, t->log);
	check_output_has("stdout", o.out, t->out);
	check_output_has("stderr", o.err, t->err);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse, 0, N(cli_cases));
	tcase_add_test(tc, test_twice);
	suite_add_tcase(s, tc);
	tc = tcase_create("dispatch");
	tcase_add_loop_test(tc, test_dispatch, 0, N(dispatch_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(cli_suite());
}
