// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* lb_deadline - a min-heap of deadlines, one per id (lb_deadline.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lb_deadline.h"

int lb_deadline_init(struct lb_deadline *q, uint32_t ids)
{
	memset(q, 0, sizeof(*q));
	q->pos = calloc(ids ? ids : 1, sizeof(*q->pos));
	if (!q->pos)
		return -ENOMEM;
	q->ids = ids;
	return 0;
}

void lb_deadline_free(struct lb_deadline *q)
{
	free(q->v);
	free(q->pos);
	memset(q, 0, sizeof(*q));
}

void lb_deadline_clear(struct lb_deadline *q)
{
	uint32_t i;

	for (i = 0; i < q->n; i++)
		q->pos[q->v[i].id] = 0;
	q->n = 0;
}

static void lb_deadline_place(struct lb_deadline *q, uint32_t i,
			      struct lb_deadline_ent e)
{
	q->v[i] = e;
	q->pos[e.id] = i + 1;
}

/* The entry at i moves towards the root while it is earlier. */
static void lb_deadline_up(struct lb_deadline *q, uint32_t i)
{
	struct lb_deadline_ent e = q->v[i];
	uint32_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (q->v[parent].at <= e.at)
			break;
		lb_deadline_place(q, i, q->v[parent]);
		i = parent;
	}
	lb_deadline_place(q, i, e);
}

/* The entry at i moves towards the leaves while a child is earlier. */
static void lb_deadline_down(struct lb_deadline *q, uint32_t i)
{
	struct lb_deadline_ent e = q->v[i];
	uint32_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= q->n)
			break;
		if (child + 1 < q->n && q->v[child + 1].at < q->v[child].at)
			child++;
		if (e.at <= q->v[child].at)
			break;
		lb_deadline_place(q, i, q->v[child]);
		i = child;
	}
	lb_deadline_place(q, i, e);
}

int lb_deadline_set(struct lb_deadline *q, uint32_t id, uint64_t at)
{
	struct lb_deadline_ent *v;
	uint32_t i, cap;

	if (id >= q->ids)
		return -EINVAL;
	if (q->pos[id]) {
		i = q->pos[id] - 1;
		q->v[i].at = at;
		lb_deadline_up(q, i);
		lb_deadline_down(q, q->pos[id] - 1);
		return 0;
	}
	if (q->n == q->cap) {
		cap = q->cap ? 2 * q->cap : 64;
		v = realloc(q->v, (size_t)cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	i = q->n++;
	lb_deadline_place(q, i, (struct lb_deadline_ent){ at, id });
	lb_deadline_up(q, i);
	return 0;
}

void lb_deadline_del(struct lb_deadline *q, uint32_t id)
{
	struct lb_deadline_ent last;
	uint32_t i;

	if (id >= q->ids || !q->pos[id])
		return;
	i = q->pos[id] - 1;
	q->pos[id] = 0;
	if (i == --q->n)
		return;
	/* The last entry fills the hole, then finds its place. */
	last = q->v[q->n];
	lb_deadline_place(q, i, last);
	lb_deadline_up(q, i);
	lb_deadline_down(q, q->pos[last.id] - 1);
}

bool lb_deadline_peek(const struct lb_deadline *q, uint32_t *id, uint64_t *at)
{
	if (!q->n)
		return false;
	if (id)
		*id = q->v[0].id;
	if (at)
		*at = q->v[0].at;
	return true;
}

bool lb_deadline_pop(struct lb_deadline *q, uint64_t now, uint32_t *id)
{
	if (!q->n || q->v[0].at > now)
		return false;
	*id = q->v[0].id;
	lb_deadline_del(q, *id);
	return true;
}
