/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_cli - the command line of the operators' tools (lbctl, rs-agent,
 * keel-xdp) and of the daemons (keel_daemon.h): long options anywhere
 * among the words, in one pass, as git and ip take them ("lbctl real add
 * --weight 3 VIP REAL" and "lbctl --json status" alike); "--" ends the
 * options; -h is --help.  A tool's commands are a table that
 * keel_cli_dispatch() checks and runs, with one set of exit codes.
 */
#ifndef KEEL_CLI_H
#define KEEL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define KEEL_CLI_OPTS_MAX 32
#define KEEL_CLI_ARGS_MAX 4

/*
 * The exit status of every keel tool and daemon (lbctl, rs-agent,
 * keel-xdp, lbd, bgp-announcer): docs/lbctl.md, "Exit codes and messages".
 */
enum keel_exit {
	KEEL_EXIT_OK = 0,
	KEEL_EXIT_FAIL = 1, /* refused, an error, findings, a timeout */
	KEEL_EXIT_USAGE = 2, /* found before anything was done */
	KEEL_EXIT_UNREACHABLE = 3, /* the daemon or data plane is absent */
};

/* One --option of a tool: the table is indexed by the tool's enum. */
struct keel_cli_opt {
	const char *name;
	const char *arg; /* NULL: a flag; else its placeholder, e.g. "PATH" */
	const char *help;
	const char *hint; /* what a valid argument is (may be NULL) */
	bool optional; /* arg may be left out: --x or --x=V, never --x V */
	char letter; /* also -l (-l V, -lV), as keel-xdp's -i; 0: none */
};

struct keel_cli {
	unsigned int seen; /* bit i: option i was given */
	const char *vals[KEEL_CLI_OPTS_MAX]; /* option i's (last) argument */
	char **pos; /* the other words, in order (to keel_cli_free) */
	int npos;
};

/*
 * Parse argv against opts[0..n) (n at most KEEL_CLI_OPTS_MAX; help is the
 * index -h stands for).  0; -ENOMEM; or -EINVAL after one line to stderr:
 * "PROG: unknown option '--x'; 'PROG help' lists the options" (or
 * "missing argument to").
 */
int keel_cli_parse(struct keel_cli *c, const char *prog, int argc, char **argv,
		   const struct keel_cli_opt *opts, int n, int help);
void keel_cli_free(struct keel_cli *c);

/* "  --weight W        real add: weight", for the options in mask. */
void keel_cli_opts_help(FILE *f, const struct keel_cli_opt *opts, int n,
			unsigned int mask);

/* "PROG: bad --x 'v': HINT" (or "bad --x" for a flag) on stderr. */
void keel_cli_bad_option(const char *prog, const struct keel_cli_opt *o,
			 const char *val);

/* A command's word, checked and converted into the tool's context. */
struct keel_cli_arg {
	const char *name; /* in its usage: "SVC" */
	int (*parse)(void *ctx, const char *s); /* 0 or -EINVAL; NULL: any */
	const char *hint; /* what a valid word is */
};

/* One command: "status" or "real add", its words and its options. */
struct keel_cli_cmd {
	const char *verb, *noun; /* noun NULL: one word */
	unsigned int opts; /* bit i: its own option i, shown in its usage */
	unsigned int refuse; /* bit i: a common option it does not take */
	const struct keel_cli_arg *args[KEEL_CLI_ARGS_MAX + 1]; /* NULL-ended */
	/* After its options and words were taken: an enum keel_exit. */
	int (*run)(void *ctx, const struct keel_cli_cmd *cmd,
		   const struct keel_cli *c, char **args);
	const void *data; /* the tool's, for run */
	const char *help;
};

struct keel_cli_tool {
	const char *prog;
	const char *usage; /* after "Usage: PROG ": "[--json] COMMAND" */
	const struct keel_cli_opt *opts;
	int n_opts;
	int help_opt; /* the index of --help (and -h) */
	unsigned int common; /* bit i: option i applies to every command */
	/* Each option given, in table order (val NULL for a flag or an
	 * optional argument left out): 0, or -EINVAL for "bad --x 'v'". */
	int (*option)(void *ctx, int id, const char *val);
	const struct keel_cli_cmd *cmds;
	size_t n_cmds;
	const char *footer; /* the usage's last lines: words, exit codes */
};

/*
 * A tool's whole command line, modelled on xdp-loader's
 * dispatch_commands(): parse (keel_cli_parse); help on stdout, exit 0
 * (--help or -h anywhere, "help", "help real", "help real add",
 * "real add --help"); find the command; refuse options it does not
 * take; hand each option given to t->option; check the number of words
 * and each word; run.  Each refusal is one line on stderr (and the
 * command's usage) and KEEL_EXIT_USAGE, before anything was done:
 *   PROG: unknown command 'x'; 'PROG help' lists them
 *   PROG: unknown command 'real x'   (then the real commands)
 *   PROG: incomplete command 'real'  (then the real commands)
 *   PROG: option --x does not apply to 'real drain'
 *   PROG: bad --x 'v': HINT
 *   PROG: bad ARG 'x': HINT
 *   Usage: PROG real drain SVC ADDR
 * Else what run returned.  KEEL_EXIT_FAIL when out of memory.
 */
int keel_cli_dispatch(const struct keel_cli_tool *t, void *ctx, int argc,
		      char **argv);

#endif /* KEEL_CLI_H */
