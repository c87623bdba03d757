/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_metrics - bgp-announcer's Prometheus endpoint (metrics.listen).
 */
#ifndef BGPA_METRICS_H
#define BGPA_METRICS_H

struct bgpa;

/* metrics.listen, if set: 0 or -errno. */
int bgpa_metrics_start(struct bgpa *b);
void bgpa_metrics_stop(struct bgpa *b);

#endif /* BGPA_METRICS_H */
