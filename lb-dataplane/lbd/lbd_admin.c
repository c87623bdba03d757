// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's side of the pair's admin registers (lb_admin.h, docs/pair.md):
 * the state file in the version pair: asks for, the queue of registers
 * lbctl changed for the pair code to send, and the merge of a peer's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "keel_log.h"
#include "lbd.h"
#include "lbd_admin.h"
#include "lbd_commit.h"

/* Realtime milliseconds: the stamps' clock (keel_hlc.h). */
uint64_t lbd_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Version 2 with pair: (the registers), else version 1 as always. */
int lbd_state_write(struct lbd *d)
{
	if (d->cfg.pair.on)
		return lb_admin_save(d->cfg.state_file, &d->admin, &d->st.site);
	return lb_state_save(d->cfg.state_file, &d->st);
}

void lbd_admin_queue(struct lbd *d, const struct lb_admin_reg *regs, size_t n)
{
	size_t drop;
	void *p;

	if (!n)
		return;
	if (n > LBD_ADMIN_PENDING_MAX) {
		d->admin_pending_dropped += n - LBD_ADMIN_PENDING_MAX;
		regs += n - LBD_ADMIN_PENDING_MAX;
		n = LBD_ADMIN_PENDING_MAX;
	}
	if (d->n_admin_pending + n > LBD_ADMIN_PENDING_MAX) {
		drop = d->n_admin_pending + n - LBD_ADMIN_PENDING_MAX;
		memmove(d->admin_pending, d->admin_pending + drop,
			(d->n_admin_pending - drop) *
				sizeof(*d->admin_pending));
		d->n_admin_pending -= drop;
		d->admin_pending_dropped += drop;
	}
	p = reallocarray(d->admin_pending, d->n_admin_pending + n,
			 sizeof(*d->admin_pending));
	if (!p) {
		d->admin_pending_dropped += n;
		return;
	}
	d->admin_pending = p;
	memcpy(d->admin_pending + d->n_admin_pending, regs, n * sizeof(*regs));
	d->n_admin_pending += n;
}

size_t lbd_admin_take(struct lbd *d, struct lb_admin_reg **regs)
{
	size_t n = d->n_admin_pending;

	*regs = d->admin_pending;
	d->admin_pending = NULL;
	d->n_admin_pending = 0;
	return n;
}

int lbd_admin_receive(struct lbd *d, const struct lb_admin_reg *regs, size_t n,
		      bool *changed)
{
	struct lb_reconcile_stats rs;
	struct lb_admin_reg *prev = NULL;
	struct lb_state st;
	size_t n_prev = 0;
	int err;

	memset(&st, 0, sizeof(st));
	err = lb_admin_merge(&d->admin, regs, n, changed, &prev, &n_prev);
	if (err || !*changed)
		goto out;
	st.site = d->st.site;
	err = lb_admin_overlay(&d->admin, &st);
	if (!err)
		err = lb_admin_save(d->cfg.state_file, &d->admin, &st.site);
	if (err) {
		lb_admin_undo(&d->admin, prev, n_prev);
		lb_state_free(&st);
		*changed = false;
		keel_log(
			LOG_ERR,
			"pair: admin change not applied: saving %s: %s (retried at the next exchange)",
			d->cfg.state_file, strerror(-err));
		goto out;
	}
	lb_state_free(&d->st);
	d->st = st;
	err = lbd_commit(d, LBD_CAUSE_CONTROL, &rs);
out:
	free(prev);
	return err;
}
