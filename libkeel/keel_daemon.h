/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_daemon - the daemons' main (lbd, bgp-announcer): the options every
 * daemon takes, the log, the config, --check, then the daemon's own run.
 */
#ifndef KEEL_DAEMON_H
#define KEEL_DAEMON_H

#include <stddef.h>

#include "keel_cli.h"

/* Options of their own: with the five below, at most KEEL_CLI_OPTS_MAX. */
#define KEEL_DAEMON_EXTRA_MAX (KEEL_CLI_OPTS_MAX - 5)

struct keel_daemon {
	const char *name; /* "lbd": the log's ident and the usage's */
	const char *config_default; /* "/etc/keel/lbd.yaml" */
	const struct keel_cli_opt *extra; /* its own options (lbd's
					     --detach-on-exit[=yes|no]) */
	int n_extra;
	/* Each of its own options given, in table order (val NULL for a flag
	 * or an optional argument left out): 0, or -EINVAL for a bad value. */
	int (*option)(void *ctx, int extra_id, const char *val);
	/* Read and check the config: 0, or an error with msg "file:line: ..."
	 * (logged); nothing to free after a failure. */
	int (*load)(void *ctx, const char *path, char *msg, size_t size);
	/* --check, after load: what a start would refuse beyond the config
	 * (NULL: nothing).  0 with a summary in line ("3 services"), or an
	 * error with its message in line (logged). */
	int (*check)(void *ctx, char *line, size_t size);
	/* Start, loop, stop: its exit status (enum keel_exit). */
	int (*run)(void *ctx);
	/* After --check or run (NULL: nothing to free). */
	void (*free)(void *ctx);
};

/*
 * --config FILE, --check, --syslog, --log-level L, --help (-h) and d's
 * own options, anywhere (keel_cli_parse); keel_log_init; load; then
 * either --check ("PATH: ok (SUMMARY)" on stdout) or SIGPIPE ignored and
 * run.  KEEL_EXIT_USAGE for a bad command line (one line on stderr,
 * before the log or the config is touched), KEEL_EXIT_OK after --help,
 * KEEL_EXIT_FAIL for a config or a check that fails, else run's.
 */
int keel_daemon_main(const struct keel_daemon *d, void *ctx, int argc,
		     char **argv);

#endif /* KEEL_DAEMON_H */
