/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_deadline - a min-heap of deadlines, at most one per id (ids below a
 * fixed bound): what lbd's health evaluation waits for (an agent's
 * dead_after or keep_flows_for passing), so that a clock tick looks only
 * at what is due instead of at every real.  Setting an id's deadline
 * again moves it; every operation is O(log n).  Pure.
 */
#ifndef LB_DEADLINE_H
#define LB_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

struct lb_deadline_ent {
	uint64_t at;
	uint32_t id;
};

/* Zeroed and lb_deadline_init()ed: empty. */
struct lb_deadline {
	struct lb_deadline_ent *v; /* the heap, earliest first */
	uint32_t n, cap;
	uint32_t *pos; /* id -> its index in v + 1; 0: not queued */
	uint32_t ids; /* ids are below this */
};

/* Room for ids 0..ids-1; 0 or -ENOMEM. */
int lb_deadline_init(struct lb_deadline *q, uint32_t ids);
void lb_deadline_free(struct lb_deadline *q);
void lb_deadline_clear(struct lb_deadline *q);
/* id due at `at` (its earlier deadline, if any, replaced); 0, -EINVAL for
 * an id out of range, -ENOMEM. */
int lb_deadline_set(struct lb_deadline *q, uint32_t id, uint64_t at);
void lb_deadline_del(struct lb_deadline *q, uint32_t id);
/* The earliest deadline (and its id), or false when empty. */
bool lb_deadline_peek(const struct lb_deadline *q, uint32_t *id, uint64_t *at);
/* Remove and give the earliest id due at or before now; false if none. */
bool lb_deadline_pop(struct lb_deadline *q, uint64_t now, uint32_t *id);

#endif /* LB_DEADLINE_H */
