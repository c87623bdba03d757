/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_cli - the command line of the operators' tools (lbctl, rs-agent):
 * long options anywhere among the words, in one pass, as git and ip take
 * them ("lbctl real add --weight 3 VIP REAL" and "lbctl --json status"
 * alike); "--" ends the options; -h is --help.
 */
#ifndef KEEL_CLI_H
#define KEEL_CLI_H

#define KEEL_CLI_OPTS_MAX 32

/* One --option of a tool: the table is indexed by the tool's enum. */
struct keel_cli_opt {
	const char *name;
	const char *arg; /* NULL: a flag; else its placeholder, e.g. "PATH" */
	const char *help;
	const char *hint; /* what a valid argument is (may be NULL) */
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

#endif /* KEEL_CLI_H */
