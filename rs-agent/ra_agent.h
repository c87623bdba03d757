/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_agent - the running agent (rs-agent run, docs/rs-agent.md): VIPs on
 * lo and the ARP sysctls (ra_net), one health check per service
 * (keel_check), connection counts (ra_diag) and the load, in a signed
 * report to every LB every interval (ra_report); the control socket
 * (ra_ctl, through its ops) drains and undrains.  SIGTERM drains for good
 * and keeps reporting; a second SIGTERM (or SIGINT) exits.
 *
 * ra_agent.c is the daemon; its state is in ra_agent_state.h, which
 * ra_metrics.c renders.
 */
#ifndef RA_AGENT_H
#define RA_AGENT_H

/* The daemon, in the foreground: the exit status (KEEL_EXIT_OK or _FAIL). */
int ra_agent_run(const char *config);

#endif
