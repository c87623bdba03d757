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
			 ")" },
	[OPT_JSON] = { "json", NULL,
		       "status: the agent's answer as one JSON line" },
	[OPT_WAIT] = { "wait", NULL,
		       "drain: return once the served ports hold no established connection" },
	[OPT_TIMEOUT] = { "timeout", "S",
			  "drain --wait: give up after S seconds (exit 1); default: no limit" },
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

static int cmd_help(struct ra_cli *c);

static const struct ra_cmd {
	const char *verb;
	int (*fn)(struct ra_cli *c);
	unsigned int opts;
	const char *help;
} ra_cmds[] = {
	{ "run", cmd_run, O(CONFIG),
	  "the daemon, in the foreground, logging to stderr" },
	{ "check", cmd_check, O(CONFIG),
	  "what is wrong with this host's DR set-up (changes nothing)" },
	{ "cleanup", cmd_cleanup, O(CONFIG),
	  "remove the VIPs an agent added, restore the sysctls" },
	{ "drain", ra_cli_drain, O(CONFIG) | O(SOCKET) | O(WAIT) | O(TIMEOUT),
	  "report every service DRAINING (kept across restarts)" },
	{ "undrain", ra_cli_undrain, O(CONFIG) | O(SOCKET), "end a drain" },
	{ "status", ra_cli_status, O(CONFIG) | O(SOCKET) | O(JSON),
	  "services, checks, connections, LBs" },
	{ "help", cmd_help, 0, "this help" },
};

#define N_CMDS (sizeof(ra_cmds) / sizeof(ra_cmds[0]))

static void ra_usage(FILE *f)
{
	char o[32];
	size_t i;

	fprintf(f, "Usage: rs-agent COMMAND [OPTIONS]\n\nCommands:\n");
	for (i = 0; i < N_CMDS; i++)
		fprintf(f, "  %-9s %s\n", ra_cmds[i].verb, ra_cmds[i].help);
	fprintf(f, "\nOptions:\n");
	for (i = 0; i < OPT__MAX; i++) {
		snprintf(o, sizeof(o), "--%s%s%s", ra_opts[i].name,
			 ra_opts[i].arg ? " " : "",
			 ra_opts[i].arg ? ra_opts[i].arg : "");
		fprintf(f, "  %-16s %s\n", o, ra_opts[i].help);
	}
	fprintf(f,
		"\nExit codes: 0 ok, 1 error, findings, refused or drain timeout, 2 usage,\n"
		"3 the agent cannot be reached.\n");
}

static int cmd_help(struct ra_cli *c)
{
	(void)c;
	ra_usage(stdout);
	return RA_EXIT_OK;
}

/* ---- main ---- */

static int ra_dispatch(unsigned int seen, const char *const *vals, char **pos,
		       int npos)
{
	struct ra_cli c = { .config = RA_CONFIG_DEFAULT };
	const struct ra_cmd *cmd = NULL;
	char *end;
	size_t i;
	int o;

	if (seen & O(HELP) || (npos && !strcmp(pos[0], "help"))) {
		ra_usage(stdout);
		return RA_EXIT_OK;
	}
	if (!npos) {
		ra_usage(stderr);
		return RA_EXIT_USAGE;
	}
	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(ra_cmds[i].verb, pos[0]))
			cmd = &ra_cmds[i];
	if (!cmd) {
		fprintf(stderr,
			"rs-agent: unknown command '%s'; 'rs-agent help' lists them\n",
			pos[0]);
		return RA_EXIT_USAGE;
	}
	if (npos > 1) {
		fprintf(stderr, "rs-agent: %s takes no argument ('%s')\n",
			cmd->verb, pos[1]);
		return RA_EXIT_USAGE;
	}
	for (o = 0; o < OPT__MAX; o++) {
		if (!(seen & (1U << o)))
			continue;
		if (!(cmd->opts & (1U << o))) {
			fprintf(stderr,
				"rs-agent: option --%s does not apply to '%s'\n",
				ra_opts[o].name, cmd->verb);
			return RA_EXIT_USAGE;
		}
	}
	if (seen & O(CONFIG))
		c.config = vals[OPT_CONFIG];
	if (seen & O(SOCKET)) {
		if (!vals[OPT_SOCKET][0] ||
		    strlen(vals[OPT_SOCKET]) >= sizeof(c.socket)) {
			fprintf(stderr,
				"rs-agent: bad --socket: a path of 1..107 bytes\n");
			return RA_EXIT_USAGE;
		}
		snprintf(c.socket, sizeof(c.socket), "%s", vals[OPT_SOCKET]);
	}
	if (seen & O(TIMEOUT)) {
		errno = 0;
		c.timeout = strtod(vals[OPT_TIMEOUT], &end);
		if (errno || *end || end == vals[OPT_TIMEOUT] ||
		    !(c.timeout > 0 && c.timeout <= 30 * 86400.0)) {
			fprintf(stderr,
				"rs-agent: bad --timeout '%s': seconds, more than 0 and at most 2592000\n",
				vals[OPT_TIMEOUT]);
			return RA_EXIT_USAGE;
		}
		if (!(seen & O(WAIT))) {
			fprintf(stderr,
				"rs-agent: --timeout is for drain --wait\n");
			return RA_EXIT_USAGE;
		}
	}
	c.json = seen & O(JSON);
	c.wait = seen & O(WAIT);
	if ((cmd->opts & O(SOCKET)) && ra_cli_socket(&c, seen & O(CONFIG)) < 0)
		return RA_EXIT_FAIL;
	return cmd->fn(&c);
}

int main(int argc, char **argv)
{
	struct keel_cli c;
	int ret;

	keel_log_init("rs-agent", false, LOG_INFO);
	ret = keel_cli_parse(&c, "rs-agent", argc, argv, ra_opts, OPT__MAX,
			     OPT_HELP);
	if (ret)
		return ret == -ENOMEM ? RA_EXIT_FAIL : RA_EXIT_USAGE;
	ret = ra_dispatch(c.seen, c.vals, c.pos, c.npos);
	keel_cli_free(&c);
	return ret;
}
