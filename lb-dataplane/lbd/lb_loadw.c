/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lb_loadw - load-aware weights (lb_loadw.h, docs/health.md).  Pure. */
#include <errno.h>
#include <string.h>

#include "lb_loadw.h"

/*
 * k of the factor, in the metric's unit: a difference of a few
 * connections (or a tenth of a load point) between reals is noise, not a
 * reason to move weights.
 */
static double damping(const struct lb_loadw_cfg *c)
{
	return c->metric == LB_LOADW_LOAD ? LB_LOADW_K_LOAD : LB_LOADW_K_CONNS;
}

void lb_loadw_cfg_default(struct lb_loadw_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->metric = LB_LOADW_CONNS;
	c->period_ms = 10000;
	c->alpha_pct = 20;
	c->min_pct = 50;
	c->max_pct = 200;
	c->deadband_pct = 10;
}

int lb_loadw_cfg_check(const struct lb_loadw_cfg *c)
{
	if (c->metric > LB_LOADW_LOAD)
		return -EINVAL;
	if (c->period_ms < 1000 || c->period_ms > 3600000)
		return -EINVAL;
	if (c->alpha_pct < 1 || c->alpha_pct > 100)
		return -EINVAL;
	if (c->min_pct < 1 || c->min_pct > 100)
		return -EINVAL;
	if (c->max_pct < 100 || c->max_pct > 1000)
		return -EINVAL;
	if (c->deadband_pct > 100)
		return -EINVAL;
	return 0;
}

void lb_loadw_sample(const struct lb_loadw_cfg *c, struct lb_loadw_real *r,
		     uint32_t value)
{
	if (!r->have) {
		r->ewma = value;
		r->have = true;
		return;
	}
	r->ewma += ((double)value - r->ewma) * c->alpha_pct / 100.0;
}

static double base_of(const struct lb_loadw_real *r)
{
	return r->base < LB_LOADW_WEIGHT_MAX ? r->base : LB_LOADW_WEIGHT_MAX;
}

/* The weight r should have when the service carries per_unit per unit
 * of configured weight. */
static uint32_t target(const struct lb_loadw_cfg *c,
		       const struct lb_loadw_real *r, double per_unit)
{
	double base = base_of(r), k = damping(c), f, w;

	if (!r->base)
		return 0;
	if (!r->have)
		return base;
	f = (per_unit * base + k) / (r->ewma + k);
	if (f < c->min_pct / 100.0)
		f = c->min_pct / 100.0;
	if (f > c->max_pct / 100.0)
		f = c->max_pct / 100.0;
	w = base * f; /* <= 65535 x 10: no overflow below */
	if (w >= LB_LOADW_WEIGHT_MAX)
		return LB_LOADW_WEIGHT_MAX;
	/* A real with a weight keeps at least 1: load does not drain. */
	if (w < 1)
		return 1;
	return (uint32_t)(w + 0.5);
}

/* More than the deadband away from where it is (in points of its base). */
static bool moved(const struct lb_loadw_cfg *c, const struct lb_loadw_real *r,
		  uint32_t t)
{
	double diff = t > r->weight ? t - r->weight : r->weight - t;

	/* base 0 must reach 0, and a weight of 0 must leave it, whatever
	 * the deadband. */
	if ((t == 0) != (r->weight == 0))
		return true;
	return diff * 100.0 > c->deadband_pct * base_of(r) && diff > 0;
}

int lb_loadw_update(const struct lb_loadw_cfg *c, struct lb_loadw_real *r,
		    size_t n, uint64_t now_ms, uint64_t *last_ms)
{
	double sum = 0, units = 0, per_unit;
	bool move = false;
	int changed = 0;
	size_t i;

	if (*last_ms && now_ms < *last_ms + c->period_ms)
		return 0;
	/* Per unit of weight: a real of weight 200 is meant to carry twice
	 * what one of 100 carries.  Reals with no sample or weight 0 do
	 * not count. */
	for (i = 0; i < n; i++) {
		if (!r[i].have || !r[i].base)
			continue;
		sum += r[i].ewma;
		units += base_of(&r[i]);
	}
	per_unit = units > 0 ? sum / units : 0;
	for (i = 0; i < n && !move; i++)
		move = moved(c, &r[i], target(c, &r[i], per_unit));
	if (!move)
		return 0;
	/* All at once: one table rebuild for the lot. */
	for (i = 0; i < n; i++) {
		uint32_t t = target(c, &r[i], per_unit);

		if (t != r[i].weight) {
			r[i].weight = t;
			changed++;
		}
	}
	*last_ms = now_ms;
	return changed;
}
