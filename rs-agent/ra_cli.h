/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_cli - the commands that talk to a running agent over its control
 * socket (status, drain, undrain; docs/rs-agent.md).
 */
#ifndef RA_CLI_H
#define RA_CLI_H

#include <stdbool.h>

#include "keel_cli.h"
#include "ra_config.h"

/* What the command line asked for. */
struct ra_cli {
	const char *config;
	bool config_given; /* --config: the socket is its control.socket */
	char socket[RA_CFG_SUN_PATH_MAX];
	bool json, wait;
	double timeout; /* 0: none */
};

/*
 * The agent's socket: --socket, else the config's control.socket (when
 * --config was given), else the default.  0 or -EINVAL (the config
 * cannot be loaded: logged).
 */
int ra_cli_socket(struct ra_cli *c);
/* Each returns the exit status (enum keel_exit). */
int ra_cli_drain(struct ra_cli *c);
int ra_cli_undrain(struct ra_cli *c);
int ra_cli_status(struct ra_cli *c);

#endif
