// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * rs-agent - the real-server agent (docs/rs-agent.md): the command table
 * and main.  `run` is the daemon (ra_agent.c); check and cleanup look at
 * or undo this host's set-up (ra_host.c); status, drain and undrain talk
 * to a running agent (ra_cli.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_cli.h"
#include "keel_log.h"
#include "ra_agent.h"
#include "ra_cli.h"
#include "ra_config.h"
#include "ra_host.h"

#define RA_CONFIG_DEFAULT "/etc/keel/rs-agent.yaml"

enum ra_opt {
	OPT_CONFIG,
	OPT_SOCKET,
	OPT_JSON,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_HELP,
	OPT__MAX,
};

#define O(x) (1U << OPT_##x)
static const struct keel_cli_opt ra_opts[OPT__MAX] = {
	[OPT_CONFIG] = { "config", "FILE",
			 "the agent's configuration (default " RA_CONFIG_DEFAULT
			 ")" },
	[OPT_SOCKET] = { "socket", "PATH",
			 "the agent's control socket (default: the config's, else " RA_CFG_SOCKET_DEFAULT
			 ")",
			 "a path of 1..107 bytes" },
	[OPT_JSON] = { "json", NULL,
		       "status: the agent's answer as one JSON line" },
	[OPT_WAIT] = { "wait", NULL,
		       "drain: return once the served ports hold no established connection" },
	[OPT_TIMEOUT] = { "timeout", "S",
			  "drain --wait: give up after S seconds (exit 1); default: no limit",
			  "seconds, more than 0 and at most 2592000" },
	[OPT_HELP] = { "help", NULL, "this help" },
};

static int cmd_run(struct ra_cli *c)
{
	return ra_agent_run(c->config);
}

static int cmd_check(struct ra_cli *c)
{
	return ra_host_check(c->config);
}

static int cmd_cleanup(struct ra_cli *c)
{
	return ra_host_cleanup(c->config);
}

/* Each option given, before its command runs (keel_cli_dispatch). */
static int ra_option(void *ctx, int id, const char *val)
{
	struct ra_cli *c = ctx;
	char *end;

	switch (id) {
	case OPT_CONFIG:
		c->config = val;
		c->config_given = true;
		break;
	case OPT_SOCKET:
		if (!val[0] || strlen(val) >= sizeof(c->socket))
			return -EINVAL;
		snprintf(c->socket, sizeof(c->socket), "%s", val);
		break;
	case OPT_JSON:
		c->json = true;
		break;
	case OPT_WAIT:
		c->wait = true;
		break;
	case OPT_TIMEOUT:
		errno = 0;
		c->timeout = strtod(val, &end);
		if (errno || *end || end == val ||
		    !(c->timeout > 0 && c->timeout <= 30 * 86400.0))
			return -EINVAL;
		break;
	}
	return 0;
}

/* What a command runs, once its options are in struct ra_cli. */
struct ra_call {
	int (*fn)(struct ra_cli *c);
};

#define CALL(f) (&(const struct ra_call){ f })

/* A command of the table: its options are in ctx (ra_option). */
static int ra_run(void *ctx, const struct keel_cli_cmd *cmd,
		  const struct keel_cli *k, char **args)
{
	const struct ra_call *call = cmd->data;
	struct ra_cli *c = ctx;

	(void)k;
	(void)args;
	if (c->timeout > 0 && !c->wait) {
		fprintf(stderr, "rs-agent: --timeout is for drain --wait\n");
		return KEEL_EXIT_USAGE;
	}
	if ((cmd->opts & O(SOCKET)) && ra_cli_socket(c) < 0)
		return KEEL_EXIT_FAIL;
	return call->fn(c);
}

static const struct keel_cli_cmd ra_cmds[] = {
	{ .verb = "run",
	  .run = ra_run,
	  .data = CALL(cmd_run),
	  .help = "the daemon, in the foreground, logging to stderr" },
	{ .verb = "check",
	  .run = ra_run,
	  .data = CALL(cmd_check),
	  .help = "what is wrong with this host's DR set-up (changes nothing)" },
	{ .verb = "cleanup",
	  .run = ra_run,
	  .data = CALL(cmd_cleanup),
	  .help = "remove the VIPs an agent added, restore the sysctls" },
	{ .verb = "drain",
	  .opts = O(SOCKET) | O(WAIT) | O(TIMEOUT),
	  .run = ra_run,
	  .data = CALL(ra_cli_drain),
	  .help = "report every service DRAINING (kept across restarts)" },
	{ .verb = "undrain",
	  .opts = O(SOCKET),
	  .run = ra_run,
	  .data = CALL(ra_cli_undrain),
	  .help = "end a drain" },
	{ .verb = "status",
	  .opts = O(SOCKET) | O(JSON),
	  .run = ra_run,
	  .data = CALL(ra_cli_status),
	  .help = "services, checks, connections, LBs" },
};

static const struct keel_cli_tool ra_tool = {
	.prog = "rs-agent",
	.usage = "COMMAND [OPTIONS]",
	.opts = ra_opts,
	.n_opts = OPT__MAX,
	.help_opt = OPT_HELP,
	.common = O(CONFIG),
	.option = ra_option,
	.cmds = ra_cmds,
	.n_cmds = sizeof(ra_cmds) / sizeof(ra_cmds[0]),
	.footer =
		"Exit codes: 0 ok, 1 error, findings, refused or drain timeout, 2 usage,\n"
		"3 the agent cannot be reached.\n",
};

int main(int argc, char **argv)
{
	struct ra_cli c = { .config = RA_CONFIG_DEFAULT };

	keel_log_init("rs-agent", false, LOG_INFO);
	return keel_cli_dispatch(&ra_tool, &c, argc, argv);
}
