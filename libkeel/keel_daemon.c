// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "keel_daemon.h"
#include "keel_log.h"

enum { OPT_CONFIG, OPT_CHECK, OPT_SYSLOG, OPT_LOG_LEVEL, OPT_HELP, OPT__MAX };

#define KEEL_DAEMON_LEVELS "err|warning|notice|info|debug"

static void daemon_usage(FILE *f, const struct keel_daemon *d,
			 const struct keel_cli_opt *opts, int n)
{
	fprintf(f, "Usage: %s [OPTIONS]\n\nOptions:\n", d->name);
	keel_cli_opts_help(f, opts, n, ~0U);
	fprintf(f,
		"\nExit codes: 0 after a stop, 1 a bad config or a start-up failure, 2 usage.\n");
}

/* The command line into ctx; -1 to go on, else the exit status. */
static int daemon_options(const struct keel_daemon *d, void *ctx,
			  const struct keel_cli *c,
			  const struct keel_cli_opt *opts, int n, int *level)
{
	int i;

	if (c->seen & (1U << OPT_HELP)) {
		daemon_usage(stdout, d, opts, n);
		return KEEL_EXIT_OK;
	}
	if (c->npos) {
		fprintf(stderr,
			"%s: unexpected argument '%s'; '%s --help' lists the options\n",
			d->name, c->pos[0], d->name);
		return KEEL_EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (!(c->seen & (1U << i)) || i == OPT_CONFIG ||
		    i == OPT_CHECK || i == OPT_SYSLOG)
			continue;
		if (i == OPT_LOG_LEVEL) {
			*level = keel_log_level_parse(c->vals[i]);
			if (*level >= 0)
				continue;
		} else if (!d->option ||
			   !d->option(ctx, i - OPT__MAX, c->vals[i])) {
			continue;
		}
		keel_cli_bad_option(d->name, &opts[i], c->vals[i]);
		return KEEL_EXIT_USAGE;
	}
	return -1;
}

int keel_daemon_main(const struct keel_daemon *d, void *ctx, int argc,
		     char **argv)
{
	struct keel_cli_opt opts[KEEL_CLI_OPTS_MAX] = {
		[OPT_CONFIG] = { "config", "FILE", NULL, NULL },
		[OPT_CHECK] = { "check", NULL,
				"validate the configuration and exit", NULL },
		[OPT_SYSLOG] = { "syslog", NULL,
				 "log to syslog instead of stderr", NULL },
		[OPT_LOG_LEVEL] = { "log-level", "L",
				    "least severe level logged: " KEEL_DAEMON_LEVELS
				    " (default info)",
				    KEEL_DAEMON_LEVELS },
		[OPT_HELP] = { "help", NULL, "this help", NULL },
	};
	int n = OPT__MAX + d->n_extra, level = LOG_INFO, ret;
	char config_help[256], msg[1024];
	const char *path;
	struct keel_cli c;

	if (d->n_extra < 0 || d->n_extra > KEEL_DAEMON_EXTRA_MAX)
		return KEEL_EXIT_FAIL;
	snprintf(config_help, sizeof(config_help), "configuration (default %s)",
		 d->config_default);
	opts[OPT_CONFIG].help = config_help;
	if (d->n_extra)
		memcpy(&opts[OPT__MAX], d->extra,
		       d->n_extra * sizeof(*d->extra));
	ret = keel_cli_parse(&c, d->name, argc, argv, opts, n, OPT_HELP);
	if (ret)
		return ret == -ENOMEM ? KEEL_EXIT_FAIL : KEEL_EXIT_USAGE;
	ret = daemon_options(d, ctx, &c, opts, n, &level);
	if (ret >= 0)
		goto out;
	path = c.vals[OPT_CONFIG] ? c.vals[OPT_CONFIG] : d->config_default;
	keel_log_init(d->name, c.seen & (1U << OPT_SYSLOG), level);
	msg[0] = '\0';
	if (d->load(ctx, path, msg, sizeof(msg))) {
		keel_log(LOG_ERR, "%s", msg);
		ret = KEEL_EXIT_FAIL;
		goto out;
	}
	if (c.seen & (1U << OPT_CHECK)) {
		msg[0] = '\0';
		ret = d->check ? d->check(ctx, msg, sizeof(msg)) : 0;
		if (ret)
			keel_log(LOG_ERR, "%s", msg);
		else
			printf("%s: ok%s%s%s\n", path, msg[0] ? " (" : "", msg,
			       msg[0] ? ")" : "");
		ret = ret ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
	} else {
		/* A peer that closes first is an error return, not a kill. */
		signal(SIGPIPE, SIG_IGN);
		ret = d->run(ctx);
	}
	if (d->free)
		d->free(ctx);
out:
	keel_cli_free(&c);
	return ret;
}
