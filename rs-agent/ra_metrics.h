/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* ra_metrics - the agent's Prometheus endpoint (keel_metrics). */
#ifndef RA_METRICS_H
#define RA_METRICS_H

struct ra_agent;

/* Serve a's metrics when the config has metrics.listen; 0 or -errno (logged). */
int ra_metrics_start(struct ra_agent *a);
void ra_metrics_stop(struct ra_agent *a);

#endif
