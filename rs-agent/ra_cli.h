/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_cli - the commands that talk to a running agent over its control
 * socket (status, drain, undrain; docs/rs-agent.md), and the exit codes
 * of every rs-agent command.
 */
#ifndef RA_CLI_H
#define RA_CLI_H

#include <stdbool.h>

#include "ra_config.h"

enum ra_exit {
	RA_EXIT_OK = 0,
	RA_EXIT_FAIL = 1, /* error, findings, refused, drain timeout */
	RA_EXIT_USAGE = 2,
	RA_EXIT_UNREACHABLE = 3,
};

/* What the command line asked for. */
struct ra_cli {
	const char *config;
	char socket[RA_CFG_SUN_PATH_MAX];
	bool json, wait;
	double timeout; /* 0: none */
};

/*
 * The agent's socket: --socket, else the config's control.socket (when
 * --config was given), else the default.  0 or -EINVAL (the config
 * cannot be loaded: logged).
 */
int ra_cli_socket(struct ra_cli *c, bool config_given);
/* Each returns the exit status (enum ra_exit). */
int ra_cli_drain(struct ra_cli *c);
int ra_cli_undrain(struct ra_cli *c);
int ra_cli_status(struct ra_cli *c);

#endif
