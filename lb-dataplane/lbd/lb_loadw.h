/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_loadw - load-aware weights (a per-service option, off by default).
 * Pure: callers pass samples and monotonic milliseconds.
 *
 * Each real's reported metric (its connections for the service, or its
 * host load) is smoothed (EWMA, per sample).  A real below its share of
 * the service's total gets proportionally more than its configured
 * weight, one above it less:
 *     share  = base x (sum of ewma / sum of base)   (reals with a sample
 *                                                     and base > 0)
 *     factor = (share + k) / (ewma + k),  clamped to [min_pct, max_pct] %
 *     weight = round(base x factor), 1..65535 (base 0 stays 0)
 * (with equal bases, share is the mean; k damps the ratio when counts are
 * small).  Weights change at most once per period_ms and only when one
 * moves by more than deadband_pct points of its base, so the Maglev
 * table does not churn.  A real that restarts with zero
 * connections gets at most max_pct % of its configured weight: it fills
 * faster than the others, never all at once (docs/health.md).
 */
#ifndef LB_LOADW_H
#define LB_LOADW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LB_LOADW_WEIGHT_MAX 65535 /* weights are 0..65535 */
/* k above, in the metric's unit: connections, or load x 1000. */
#define LB_LOADW_K_CONNS 10.0
#define LB_LOADW_K_LOAD 100.0

enum lb_loadw_metric {
	LB_LOADW_CONNS = 0, /* established connections for the service */
	LB_LOADW_LOAD, /* host load x 1000 */
};

struct lb_loadw_cfg {
	bool enabled;
	uint8_t metric; /* enum lb_loadw_metric */
	uint32_t period_ms; /* default 10000; 1000..3600000 */
	uint16_t alpha_pct; /* EWMA weight of a new sample, default 20; 1..100 */
	uint16_t min_pct; /* default 50; 1..100 */
	uint16_t max_pct; /* default 200; 100..1000 */
	uint16_t deadband_pct; /* default 10; 0..100 */
};

struct lb_loadw_real {
	uint32_t base; /* configured or admin weight (0: stays 0) */
	bool have; /* a sample was fed */
	double ewma;
	uint32_t weight; /* the weight in effect; start it at base */
};

/* Defaults as above (enabled false). */
void lb_loadw_cfg_default(struct lb_loadw_cfg *c);
/* -EINVAL for a value outside the ranges above. */
int lb_loadw_cfg_check(const struct lb_loadw_cfg *c);
/* One sample (a report) for one real. */
void lb_loadw_sample(const struct lb_loadw_cfg *c, struct lb_loadw_real *r,
		     uint32_t value);
/*
 * Recompute a service's weights when period_ms has passed since *last_ms
 * (0: never).  Reals without a sample keep base.  Returns how many weights
 * changed (then *last_ms = now_ms), 0 when too soon or within the deadband.
 */
int lb_loadw_update(const struct lb_loadw_cfg *c, struct lb_loadw_real *r,
		    size_t n, uint64_t now_ms, uint64_t *last_ms);

#endif
