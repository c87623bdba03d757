/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* lb_health - a real's state from its health inputs (lb_health.h).  Pure. */
#include "lb_health.h"

static uint8_t mode_source(const struct lb_health_in *in)
{
	if (in->mode == LB_HEALTH_CHECK)
		return in->held ? LB_SRC_CHECK_HELD : LB_SRC_CHECK;
	/* timeout explains a DOWN verdict, or a DRAINING one that keeps
	 * a silent agent's flows; it means nothing with UP. */
	if (in->timeout && in->verdict == KEEL_RS_DOWN)
		return LB_SRC_AGENT_TIMEOUT;
	if (in->timeout && in->verdict == KEEL_RS_DRAINING)
		return LB_SRC_AGENT_SILENT;
	return LB_SRC_AGENT;
}

/* The table of lb_health.h, in its order: the first rule that applies. */
static uint16_t combine(const struct lb_health_in *in)
{
#define R(state, source) ((uint16_t)((state) << 8 | (source)))
	uint8_t init;

	if (in->admin_down)
		return R(KEEL_RS_DOWN, LB_SRC_ADMIN);
	if (in->mode != LB_HEALTH_AGENT && in->mode != LB_HEALTH_CHECK)
		return in->admin_drain ? R(KEEL_RS_DRAINING, LB_SRC_ADMIN) :
					 R(KEEL_RS_UP, LB_SRC_CONFIG);
	switch (in->verdict) {
	case KEEL_RS_UP:
	case KEEL_RS_DRAINING:
		/* Both say drain: the operator's word is the one shown. */
		if (in->admin_drain)
			return R(KEEL_RS_DRAINING, LB_SRC_ADMIN);
		return R(in->verdict, mode_source(in));
	case KEEL_RS_UNKNOWN:
		/*
		 * No verdict yet.  A real the data plane already had keeps
		 * its state through a hot restart; a new one is not selected
		 * blind.  DOWN wins over an admin drain here too: draining
		 * would make a real nothing vouches for usable again.
		 */
		init = in->adopted ? in->adopted_state : KEEL_RS_DOWN;
		if (init != KEEL_RS_UP && init != KEEL_RS_DRAINING)
			return R(KEEL_RS_DOWN, LB_SRC_INIT);
		if (in->admin_drain)
			return R(KEEL_RS_DRAINING, LB_SRC_ADMIN);
		return R(init, LB_SRC_INIT);
	default: /* KEEL_RS_DOWN, or a value no verdict has: not up */
		return R(KEEL_RS_DOWN, mode_source(in));
	}
#undef R
}

void lb_health_combine(const struct lb_health_in *in, struct lb_health_out *out)
{
	uint16_t r = combine(in);

	out->state = r >> 8;
	out->source = r & 0xff;
}

const char *lb_health_source_name(uint8_t source)
{
	static const char *const names[] = {
		[LB_SRC_CONFIG] = "config",
		[LB_SRC_ADMIN] = "admin",
		[LB_SRC_AGENT] = "agent",
		[LB_SRC_AGENT_TIMEOUT] = "agent-timeout",
		[LB_SRC_CHECK] = "check",
		[LB_SRC_INIT] = "init",
		[LB_SRC_AGENT_SILENT] = "agent-silent",
		[LB_SRC_CHECK_HELD] = "check-held",
	};

	if (source >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[source];
}
