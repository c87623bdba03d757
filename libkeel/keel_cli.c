// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_cli.h"

/* getopt_long's val for option i: clear of 1, '?', ':' and 'h'. */
#define KEEL_CLI_VAL_BASE 256

int keel_cli_parse(struct keel_cli *c, const char *prog, int argc, char **argv,
		   const struct keel_cli_opt *opts, int n, int help)
{
	struct option lo[KEEL_CLI_OPTS_MAX + 1];
	char so[4 + 2 * KEEL_CLI_OPTS_MAX] = "-:h";
	int letter[KEEL_CLI_OPTS_MAX];
	size_t ns = strlen(so);
	int opt, i;

	memset(c, 0, sizeof(*c));
	if (n < 0 || n > KEEL_CLI_OPTS_MAX)
		return -EINVAL;
	memset(lo, 0, sizeof(lo));
	for (i = 0; i < n; i++) {
		lo[i].name = opts[i].name;
		lo[i].has_arg = !opts[i].arg	 ? no_argument :
				opts[i].optional ? optional_argument :
						   required_argument;
		lo[i].val = KEEL_CLI_VAL_BASE + i;
		letter[i] = (unsigned char)opts[i].letter;
		if (!letter[i])
			continue;
		so[ns++] = opts[i].letter;
		if (opts[i].arg)
			so[ns++] = ':';
	}
	c->pos = calloc(argc > 0 ? argc : 1, sizeof(*c->pos));
	if (!c->pos)
		return -ENOMEM;
	/* "-": the words that are not options come back as option 1. */
	opterr = 0;
	optind = 0; /* a fresh scan, also when called again */
	while ((opt = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		if (opt == 1) {
			c->pos[c->npos++] = optarg;
			continue;
		}
		if (opt == 'h')
			opt = KEEL_CLI_VAL_BASE + help;
		for (i = 0; i < n && opt < KEEL_CLI_VAL_BASE; i++)
			if (letter[i] && opt == letter[i])
				opt = KEEL_CLI_VAL_BASE + i;
		if (opt == '?' || opt == ':') {
			char shortopt[3] = { '-', (char)optopt, '\0' };
			/* A short option (in a group too) is optopt itself. */
			bool is_short = optopt > 0 &&
					optopt < KEEL_CLI_VAL_BASE;

			fprintf(stderr,
				"%s: %s '%s'; '%s --help' lists the options\n",
				prog,
				opt == ':' ? "missing argument to" :
					     "unknown option",
				is_short ? shortopt : argv[optind - 1], prog);
			keel_cli_free(c);
			return -EINVAL;
		}
		c->seen |= 1U << (opt - KEEL_CLI_VAL_BASE);
		c->vals[opt - KEEL_CLI_VAL_BASE] = optarg;
	}
	while (optind < argc) /* after "--" */
		c->pos[c->npos++] = argv[optind++];
	return 0;
}

void keel_cli_free(struct keel_cli *c)
{
	free(c->pos);
	c->pos = NULL;
	c->npos = 0;
}

/* "--weight W", "--detach-on-exit[=yes|no]", "--json". */
static void cli_opt_word(char *buf, size_t size, const struct keel_cli_opt *o)
{
	snprintf(buf, size, "--%s%s%s%s", o->name,
		 !o->arg     ? "" :
		 o->optional ? "[=" :
			       " ",
		 o->arg ? o->arg : "", o->arg && o->optional ? "]" : "");
}

/* The option's word in a help list: "-i, --instance NAME" with a letter. */
static void cli_opt_help_word(char *buf, size_t size,
			      const struct keel_cli_opt *o)
{
	char w[64];

	cli_opt_word(w, sizeof(w), o);
	if (o->letter)
		snprintf(buf, size, "-%c, %s", o->letter, w);
	else
		snprintf(buf, size, "%s", w);
}

void keel_cli_opts_help(FILE *f, const struct keel_cli_opt *opts, int n,
			unsigned int mask)
{
	char w[72];
	int i, width = 0;

	/* One column for the whole table: a command's help lines up too. */
	for (i = 0; i < n; i++) {
		cli_opt_help_word(w, sizeof(w), &opts[i]);
		width = (int)strlen(w) > width ? (int)strlen(w) : width;
	}
	for (i = 0; i < n; i++) {
		if (!(mask & (1U << i)))
			continue;
		cli_opt_help_word(w, sizeof(w), &opts[i]);
		fprintf(f, "  %-*s  %s\n", width, w, opts[i].help);
	}
}

void keel_cli_bad_option(const char *prog, const struct keel_cli_opt *o,
			 const char *val)
{
	fprintf(stderr, "%s: bad --%s%s%s%s%s%s\n", prog, o->name,
		val ? " '" : "", val ? val : "", val ? "'" : "",
		o->hint ? ": " : "", o->hint ? o->hint : "");
}

static const struct keel_cli_arg cli_topic = { .name = "[COMMAND]" };

/* The built-in "help [COMMAND]", listed after the tool's commands. */
static const struct keel_cli_cmd cli_help_cmd = {
	.verb = "help",
	.args = { &cli_topic },
	.help = "this list, or one command's usage",
};

/* "real add SVC ADDR [--weight W]", from the tables. */
static void cli_cmd_usage(const struct keel_cli_tool *t,
			  const struct keel_cli_cmd *c, char *buf, size_t size)
{
	size_t n;
	char w[64];
	int i;

	n = snprintf(buf, size, "%s%s%s", c->verb, c->noun ? " " : "",
		     c->noun ? c->noun : "");
	for (i = 0; i < KEEL_CLI_ARGS_MAX && c->args[i] && n < size; i++)
		n += snprintf(buf + n, size - n, " %s", c->args[i]->name);
	for (i = 0; i < t->n_opts && n < size; i++) {
		if (!(c->opts & (1U << i)))
			continue;
		cli_opt_word(w, sizeof(w), &t->opts[i]);
		n += snprintf(buf + n, size - n, " [%s]", w);
	}
}

/* One column for every command's usage: the widest one's. */
static int cli_usage_width(const struct keel_cli_tool *t)
{
	char u[160];
	size_t i;
	int w;

	cli_cmd_usage(t, &cli_help_cmd, u, sizeof(u));
	w = strlen(u);
	for (i = 0; i < t->n_cmds; i++) {
		cli_cmd_usage(t, &t->cmds[i], u, sizeof(u));
		w = (int)strlen(u) > w ? (int)strlen(u) : w;
	}
	return w;
}

static void cli_cmd_line(FILE *f, const struct keel_cli_tool *t,
			 const struct keel_cli_cmd *c)
{
	char u[160];

	cli_cmd_usage(t, c, u, sizeof(u));
	fprintf(f, "  %-*s  %s\n", cli_usage_width(t), u, c->help);
}

static void cli_usage(FILE *f, const struct keel_cli_tool *t)
{
	size_t i;

	fprintf(f, "Usage: %s %s\n\nCommands:\n", t->prog, t->usage);
	for (i = 0; i < t->n_cmds; i++)
		cli_cmd_line(f, t, &t->cmds[i]);
	cli_cmd_line(f, t, &cli_help_cmd);
	fprintf(f, "\nOptions:\n");
	keel_cli_opts_help(f, t->opts, t->n_opts, ~0U);
	if (t->footer)
		fprintf(f, "\n%s", t->footer);
}

static void cli_cmd_help(FILE *f, const struct keel_cli_tool *t,
			 const struct keel_cli_cmd *c)
{
	char u[160];

	cli_cmd_usage(t, c, u, sizeof(u));
	fprintf(f, "Usage: %s %s\n  %s\n", t->prog, u, c->help);
	if (!c->opts)
		return;
	fprintf(f, "\nOptions:\n");
	keel_cli_opts_help(f, t->opts, t->n_opts, c->opts);
}

/* The command pos names; *used: how many words its name took. */
static const struct keel_cli_cmd *cli_cmd_find(const struct keel_cli_tool *t,
					       char **pos, int npos, int *used)
{
	size_t i;

	if (npos && !strcmp(pos[0], cli_help_cmd.verb)) {
		*used = 1;
		return &cli_help_cmd;
	}
	for (i = 0; i < t->n_cmds && npos; i++) {
		const struct keel_cli_cmd *c = &t->cmds[i];

		if (strcmp(c->verb, pos[0]))
			continue;
		if (!c->noun) {
			*used = 1;
			return c;
		}
		if (npos > 1 && !strcmp(c->noun, pos[1])) {
			*used = 2;
			return c;
		}
	}
	return NULL;
}

/* Lists the commands of a verb ("real"); false if it has none. */
static bool cli_verb_help(FILE *f, const struct keel_cli_tool *t,
			  const char *verb)
{
	bool any = false;
	size_t i;

	for (i = 0; i < t->n_cmds; i++) {
		if (strcmp(t->cmds[i].verb, verb))
			continue;
		if (!any)
			fprintf(f, "Commands:\n");
		cli_cmd_line(f, t, &t->cmds[i]);
		any = true;
	}
	return any;
}

static int cli_unknown(const struct keel_cli_tool *t, char **pos, int npos)
{
	size_t i;

	for (i = 0; i < t->n_cmds; i++) {
		if (strcmp(t->cmds[i].verb, pos[0]))
			continue;
		if (npos > 1)
			fprintf(stderr, "%s: unknown command '%s %s'\n",
				t->prog, pos[0], pos[1]);
		else
			fprintf(stderr, "%s: incomplete command '%s'\n",
				t->prog, pos[0]);
		cli_verb_help(stderr, t, pos[0]);
		return KEEL_EXIT_USAGE;
	}
	fprintf(stderr, "%s: unknown command '%s'; '%s help' lists them\n",
		t->prog, pos[0], t->prog);
	return KEEL_EXIT_USAGE;
}

/*
 * Help on stdout, exit 0.  --help (loose) may follow a whole command
 * line; "help COMMAND" (strict) names just the command.
 */
static int cli_help(const struct keel_cli_tool *t, char **pos, int npos,
		    bool strict)
{
	const struct keel_cli_cmd *c;
	int used;

	if (!npos) {
		cli_usage(stdout, t);
		return KEEL_EXIT_OK;
	}
	c = cli_cmd_find(t, pos, npos, &used);
	if (c && (used == npos || !strict)) {
		cli_cmd_help(stdout, t, c);
		return KEEL_EXIT_OK;
	}
	if (npos == 1 && cli_verb_help(stdout, t, pos[0]))
		return KEEL_EXIT_OK;
	if (c || npos > 2) {
		fprintf(stderr, "Usage: %s help [COMMAND]\n", t->prog);
		return KEEL_EXIT_USAGE;
	}
	return cli_unknown(t, pos, npos);
}

/* Checks what the user typed against the command's tables, then runs. */
static int cli_run(const struct keel_cli_tool *t, void *ctx,
		   const struct keel_cli *c)
{
	const struct keel_cli_cmd *cmd;
	unsigned int takes;
	char u[160], **args;
	int used = 0, nargs, i;

	if (c->seen & (1U << t->help_opt))
		return cli_help(t, c->pos, c->npos, false);
	if (!c->npos) {
		cli_usage(stderr, t);
		return KEEL_EXIT_USAGE;
	}
	cmd = cli_cmd_find(t, c->pos, c->npos, &used);
	if (!cmd)
		return cli_unknown(t, c->pos, c->npos);
	if (cmd == &cli_help_cmd)
		return cli_help(t, c->pos + used, c->npos - used, true);
	cli_cmd_usage(t, cmd, u, sizeof(u));
	takes = ((t->common & ~cmd->refuse) | cmd->opts) | (1U << t->help_opt);
	for (i = 0; i < t->n_opts; i++) {
		if (!(c->seen & (1U << i)))
			continue;
		if (!(takes & (1U << i))) {
			fprintf(stderr,
				"%s: option --%s does not apply to '%s%s%s'\nUsage: %s %s\n",
				t->prog, t->opts[i].name, cmd->verb,
				cmd->noun ? " " : "",
				cmd->noun ? cmd->noun : "", t->prog, u);
			return KEEL_EXIT_USAGE;
		}
		if (t->option && t->option(ctx, i, c->vals[i])) {
			keel_cli_bad_option(t->prog, &t->opts[i], c->vals[i]);
			return KEEL_EXIT_USAGE;
		}
	}
	for (nargs = 0; nargs < KEEL_CLI_ARGS_MAX && cmd->args[nargs]; nargs++)
		;
	if (c->npos - used != nargs) {
		fprintf(stderr, "Usage: %s %s\n", t->prog, u);
		return KEEL_EXIT_USAGE;
	}
	args = c->pos + used;
	for (i = 0; i < nargs; i++) {
		const struct keel_cli_arg *a = cmd->args[i];

		if (a->parse && a->parse(ctx, args[i])) {
			fprintf(stderr, "%s: bad %s '%s'%s%s\nUsage: %s %s\n",
				t->prog, a->name, args[i], a->hint ? ": " : "",
				a->hint ? a->hint : "", t->prog, u);
			return KEEL_EXIT_USAGE;
		}
	}
	return cmd->run(ctx, cmd, c, args);
}

int keel_cli_dispatch(const struct keel_cli_tool *t, void *ctx, int argc,
		      char **argv)
{
	struct keel_cli c;
	int ret;

	ret = keel_cli_parse(&c, t->prog, argc, argv, t->opts, t->n_opts,
			     t->help_opt);
	if (ret)
		return ret == -ENOMEM ? KEEL_EXIT_FAIL : KEEL_EXIT_USAGE;
	ret = cli_run(t, ctx, &c);
	keel_cli_free(&c);
	return ret;
}
