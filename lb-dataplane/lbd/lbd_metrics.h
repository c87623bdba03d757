/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lbd's Prometheus metrics (docs/lbd.md, "Metrics"). */
#ifndef LBD_METRICS_H
#define LBD_METRICS_H

struct lbd;

/* The metrics listener (cfg.metrics_listen), if configured. */
int lbd_metrics_start(struct lbd *d);

#endif /* LBD_METRICS_H */
