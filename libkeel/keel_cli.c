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
	int opt, i;

	memset(c, 0, sizeof(*c));
	if (n < 0 || n > KEEL_CLI_OPTS_MAX)
		return -EINVAL;
	memset(lo, 0, sizeof(lo));
	for (i = 0; i < n; i++) {
		lo[i].name = opts[i].name;
		lo[i].has_arg = opts[i].arg ? required_argument : no_argument;
		lo[i].val = KEEL_CLI_VAL_BASE + i;
	}
	c->pos = calloc(argc > 0 ? argc : 1, sizeof(*c->pos));
	if (!c->pos)
		return -ENOMEM;
	/* "-": the words that are not options come back as option 1. */
	opterr = 0;
	optind = 0; /* a fresh scan, also when called again */
	while ((opt = getopt_long(argc, argv, "-:h", lo, NULL)) != -1) {
		if (opt == 1) {
			c->pos[c->npos++] = optarg;
			continue;
		}
		if (opt == 'h')
			opt = KEEL_CLI_VAL_BASE + help;
		if (opt == '?' || opt == ':') {
			char shortopt[3] = { '-', (char)optopt, '\0' };
			/* A short option (in a group too) is optopt itself. */
			bool is_short = optopt > 0 &&
					optopt < KEEL_CLI_VAL_BASE;

			fprintf(stderr,
				"%s: %s '%s'; '%s help' lists the options\n",
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
