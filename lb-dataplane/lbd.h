/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd - the load-balancer daemon: config + state file -> lb_model ->
 * pinned XDP maps; control socket, metrics, neighbour tracking.
 *
 * lbd.c: start-up, reload, neighbours, the event loop, shutdown.
 * lbd_ctl.c: the control socket and its requests.
 * lbd_view.c: status JSON and Prometheus metrics.
 */
#ifndef LBD_H
#define LBD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <event2/event.h>
#include <jansson.h>

#include "keel_ctl.h"
#include "lb_config.h"
#include "lb_dp.h"
#include "lb_model.h"
#include "lb_reconcile.h"
#include "lb_state.h"

struct lb_metrics;
struct lb_neigh_mon;
struct evconnlistener;

struct lbd_rate {
	uint64_t packets, new_flows; /* at the last sample */
	double pps, fps;
};

struct lbd {
	const char *config_path;
	struct lb_config cfg;
	struct lb_state st;
	struct lb_dp *dp;
	struct lb_model m;
	struct event_base *base;
	int attached[LB_CFG_IFACES_MAX]; /* ifindex per cfg.ifaces[] */
	uint64_t generation;
	bool reload_ok;
	time_t reload_at;
	char reload_err[256];
	bool detach_on_exit; /* --detach-on-exit / shutdown --unload */
	int exit_code;

	struct evconnlistener *ctl;
	struct lb_metrics *metrics;
	struct lb_neigh_mon *nm;
	struct event *tick;
	struct event *sig_hup, *sig_term, *sig_int;
	uint64_t ticks;
	uint64_t conn_entries; /* sampled */
	uint32_t conn_capacity;
	struct lbd_rate svc_rate[KEEL_MAX_SERVICES];
	struct lbd_rate real_rate[KEEL_MAX_REALS];
};

/* lbd.c */
int lbd_apply(struct lbd *d, struct lb_reconcile_stats *rs);
int lbd_reload(struct lbd *d, struct lb_reconcile_stats *rs, char *err,
	       size_t errlen);
void lbd_stop(struct lbd *d, bool unload);

/* lbd_ctl.c */
int lbd_ctl_start(struct lbd *d);
void lbd_ctl_stop(struct lbd *d);
/* One request line in, one response line out (malloc'd, with '\n'). */
char *lbd_ctl_handle(struct lbd *d, const char *line, size_t len);

/* lbd_view.c */
json_t *lbd_view_service(struct lbd *d, struct lb_service *s, bool reals);
json_t *lbd_view_status(struct lbd *d);
json_t *lbd_view_stats(struct lbd *d);
int lbd_metrics_start(struct lbd *d);
void lbd_sample(struct lbd *d); /* rates, once a second */
const char *lbd_state_name(uint8_t state);

#endif /* LBD_H */
