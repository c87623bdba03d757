// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_host.c - check and cleanup: this host's DR set-up (ra_net), seen or
 * undone without a running agent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_log.h"
#include "keel_report.h"
#include "keel_cli.h"
#include "ra_config.h"
#include "ra_host.h"
#include "ra_net.h"

#define RA_FINDINGS_MAX 64

int ra_host_check(const char *config)
{
	struct ra_net_finding *f = NULL;
	const char *ifaces[RA_CFG_IFACES_MAX + 1];
	struct ra_vip vips[KEEL_REPORT_MAX];
	struct ra_config *cfg;
	struct ra_net *net = NULL;
	char msg[640];
	int n, i, ret = KEEL_EXIT_FAIL;

	if (ra_config_new(config, &cfg, msg, sizeof(msg))) {
		keel_log(LOG_ERR, "%s", msg);
		return KEEL_EXIT_FAIL;
	}
	f = calloc(RA_FINDINGS_MAX, sizeof(*f));
	if (!f)
		goto out;
	n = ra_net_open(&net);
	if (n) {
		fprintf(stderr, "rs-agent: rtnetlink: %s\n", strerror(-n));
		goto out;
	}
	n = ra_net_check(net, vips, ra_config_vips(cfg, vips),
			 ra_config_ifaces(cfg, ifaces), f, RA_FINDINGS_MAX);
	if (n < 0) {
		fprintf(stderr, "rs-agent: check: %s\n", strerror(-n));
		goto out;
	}
	for (i = 0; i < n && i < RA_FINDINGS_MAX; i++)
		printf("%s\n", f[i].what);
	if (n > RA_FINDINGS_MAX)
		printf("(%d more)\n", n - RA_FINDINGS_MAX);
	if (!n)
		printf("ok: the DR set-up of every VIP and interface is right\n");
	ret = n ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
out:
	if (net)
		ra_net_close(net);
	free(f);
	free(cfg);
	return ret;
}

int ra_host_cleanup(const char *config)
{
	char state[RA_CFG_PATH_MAX + 16];
	struct ra_config *cfg;
	struct ra_net *net = NULL;
	unsigned int removed = 0;
	char msg[640];
	int err, ret = KEEL_EXIT_FAIL;

	if (ra_config_new(config, &cfg, msg, sizeof(msg))) {
		keel_log(LOG_ERR, "%s", msg);
		return KEEL_EXIT_FAIL;
	}
	err = ra_net_open(&net);
	if (err) {
		fprintf(stderr, "rs-agent: rtnetlink: %s\n", strerror(-err));
		goto out;
	}
	err = ra_net_vip_cleanup(net, &removed);
	printf("removed %u VIP%s from lo\n", removed, removed == 1 ? "" : "s");
	if (err) {
		fprintf(stderr, "rs-agent: removing VIPs: %s\n",
			strerror(-err));
		goto out;
	}
	ra_config_sysctl_state(cfg, state, sizeof(state));
	err = ra_net_sysctl_restore(state);
	if (err) {
		fprintf(stderr, "rs-agent: restoring sysctls from %s: %s\n",
			state, strerror(-err));
		goto out;
	}
	printf("sysctls restored from %s\n", state);
	ret = KEEL_EXIT_OK;
out:
	if (net)
		ra_net_close(net);
	free(cfg);
	return ret;
}
