// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbctl_show - lbctl's answer printers over libkeel's codec structs
 * (keel_ctl_lbd.h, keel_ctl_bgpa.h): a member an older daemon lacks is a
 * has_* flag, printed as "-" or left out as before.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keel_cli.h"
#include "keel_ctl.h"
#include "keel_ctl_bgpa.h"
#include "keel_ctl_lbd.h"
#include "keel_names.h"
#include "lbctl_show.h"

/* "3d 4h", "5m 3s", "12s": how long, to the two largest units, in a
 * buffer of AGE_MAX (any long long fits). */
#define AGE_MAX 48
static const char *fmt_age(long long s, char *buf, size_t size)
{
	static const struct {
		const char *unit;
		long long secs;
	} units[] = { { "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 } };
	size_t i;

	if (s < 0)
		s = 0;
	for (i = 0; i < 3 && s < units[i].secs; i++)
		;
	if (i == 3)
		snprintf(buf, size, "%llds", s);
	else
		snprintf(buf, size, "%lld%s %lld%s", s / units[i].secs,
			 units[i].unit, s % units[i].secs / units[i + 1].secs,
			 units[i + 1].unit);
	return buf;
}

static const char *fmt_when(long long t, char *buf, size_t size)
{
	time_t tt = t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) ||
	    !strftime(buf, size, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(buf, size, "%lld", t);
	return buf;
}

static const char *fmt_u(uint64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

static void show_time(const char *what, const struct keel_ctl_last_reload *r)
{
	char when[64] = "-";
	struct tm tm;
	time_t t;

	if (r->at > 0) {
		t = r->at;
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z",
				 &tm);
	}
	if (!r->ok)
		printf("%s FAILED at %s: %s\n", what, when,
		       r->has_error ? r->error : "?");
	else
		printf("%s ok at %s\n", what, when);
}

static void show_occupancy(const char *what, int width, uint64_t n,
			   uint64_t cap, bool has_limit, uint32_t limit)
{
	printf("%-*s %" PRIu64 " / %" PRIu64, width, what, n, cap);
	if (cap > 0)
		printf(" (%.1f%%)", 100.0 * (double)n / (double)cap);
	/* An older lbd does not say. */
	if (has_limit && limit > 0)
		printf("  insert limit %" PRIu32 "/s per CPU", limit);
	else if (has_limit)
		printf("  no insert limit");
	printf("\n");
}

/* lbd's event loop: its longest stall, recently and since start. */
static void show_loop(const struct keel_ctl_loop *l)
{
	printf("event loop  longest stall %.1f ms in the last %" PRIu32
	       " s, %.1f ms since start; %" PRIu64 " over %" PRIu32 " ms\n",
	       l->stall_max_ms, l->window_s, l->stall_max_ms_since_start,
	       l->stalls_over_budget, l->budget_ms);
}

static void show_service_line(const struct keel_ctl_service *s)
{
	printf("service %s  ring %" PRIu32
	       "%s%s  %.1f packets/s  %.1f flows/s\n",
	       s->service, s->ring_size, s->persistent ? "  persistent" : "",
	       s->load_aware ? "  load-aware" : "", s->pps, s->fps);
}

/* A report's age with its unit: "42ms", "2.5s", then as fmt_age(). */
static const char *report_age(const struct keel_ctl_real *r, char *buf,
			      size_t size)
{
	uint64_t ms = r->report_age_ms;

	if (!r->has_report_age_ms)
		snprintf(buf, size, "-");
	else if (ms < 1000)
		snprintf(buf, size, "%" PRIu64 "ms", ms);
	else if (ms < 60000)
		snprintf(buf, size, "%.1fs", ms / 1000.0);
	else
		fmt_age(ms / 1000, buf, size);
	return buf;
}

/*
 * The reals of one service as a table.  Ring share is of ring_size when
 * the answer has it (status), else of the entries listed (reals).
 * WEIGHT is EFFECTIVE/BASE: BASE the admin override (marked *) or the
 * configured weight.  CHECK only when some real has an active check.
 */
static void show_real_table(const struct keel_ctl_real *reals, size_t n,
			    uint32_t ring_size)
{
	double ring = 0, fps = 0, pps = 0, share = 0;
	int w = (int)strlen("total");
	char st[72], wt[72], age[AGE_MAX], conns[32], load[32];
	bool checks = false;
	size_t i;

	if (!n) {
		printf("  (no reals)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		int len = (int)strlen(reals[i].real);

		w = len > w ? len : w;
		ring += reals[i].ring_entries;
		checks |= reals[i].has_check;
	}
	if (ring_size > 0)
		ring = ring_size;
	printf("  %-*s  %-22s  %-9s  %6s  %6s  %7s  %-17s  %9s  %10s  %6s%s\n",
	       w, "REAL", "STATE", "WEIGHT", "AGE", "CONNS", "LOADAVG", "MAC",
	       "FLOWS/S", "PACKETS/S", "RING", checks ? "  CHECK" : "");
	for (i = 0; i < n; i++) {
		const struct keel_ctl_real *r = &reals[i];
		double e = r->ring_entries;

		snprintf(st, sizeof(st), "%s (%s%s)",
			 keel_ctl_state_name(r->state), r->source,
			 r->sorry ? ", sorry" : "");
		if (r->admin.has_weight)
			snprintf(wt, sizeof(wt), "%" PRIu32 "/%" PRIu32 "*",
				 r->effective_weight, r->admin.weight);
		else
			snprintf(wt, sizeof(wt), "%" PRIu32 "/%" PRIu32,
				 r->effective_weight, r->configured_weight);
		if (r->has_conns)
			snprintf(conns, sizeof(conns), "%" PRIu32, r->conns);
		else
			snprintf(conns, sizeof(conns), "-");
		if (r->has_load)
			snprintf(load, sizeof(load), "%.2f", r->load);
		else
			snprintf(load, sizeof(load), "-");
		printf("  %-*s  %-22s  %-9s  %6s  %6s  %7s  %-17s  %9.1f  %10.1f  %5.1f%%",
		       w, r->real, st, wt, report_age(r, age, sizeof(age)),
		       conns, load,
		       r->mac_resolved ? (r->has_mac ? r->mac : "?") :
					 "unresolved",
		       r->fps, r->pps, ring > 0 ? 100.0 * e / ring : 0.0);
		if (checks)
			printf("  %s", r->has_check ? r->check : "-");
		printf("\n");
		fps += r->fps;
		pps += r->pps;
		share += ring > 0 ? 100.0 * e / ring : 0.0;
	}
	printf("  %-*s  %-22s  %-9s  %6s  %6s  %7s  %-17s  %9.1f  %10.1f  %5.1f%%\n",
	       w, "total", "", "", "", "", "", "", fps, pps, share);
}

/* The report receiver's line, when lbd has one. */
static void show_agents(const struct keel_ctl_agents *a)
{
	size_t i;

	if (!a->has_listen)
		return;
	printf("agents on %s  %" PRIu64 " known  dead after %" PRIu32
	       " ms, flows kept %" PRIu32 " ms more  reports:",
	       a->listen, a->agents, a->dead_after_ms, a->keep_flows_ms);
	for (i = 0; i < a->n_reports; i++)
		printf("%s %s %" PRIu64, i ? "," : "", a->reports[i].name,
		       a->reports[i].value);
	printf("\n");
}

/* " seg0 (native), seg1 (generic, NOT ATTACHED)\n" */
static void show_ifaces(const struct keel_ctl_dataplane *dp)
{
	size_t i;

	for (i = 0; i < dp->n_attached; i++)
		printf("%s %s (%s%s)", i ? "," : "", dp->attached[i].ifname,
		       dp->attached[i].mode,
		       dp->attached[i].attached ? "" : ", NOT ATTACHED");
	if (!dp->n_attached)
		printf(" nowhere");
	printf("\n");
}

/* One line: in service, or drained since when, and why. */
static void show_site_line(const char *what, const struct keel_ctl_site *site)
{
	char when[64], age[AGE_MAX];

	if (!site->drained) {
		printf("%s in service (not drained)\n", what);
		return;
	}
	printf("%s DRAINED", what);
	if (site->has_since)
		printf(" since %s (%s)",
		       fmt_when(site->since, when, sizeof(when)),
		       fmt_age(time(NULL) - site->since, age, sizeof(age)));
	printf(": announcers withdraw every VIP; reason: %s\n",
	       site->has_reason ? site->reason : "none given");
}

int lbctl_show_site(const char *line, size_t len, char *err, size_t errlen)
{
	struct keel_ctl_site_answer a;
	int ret;

	ret = keel_ctl_site_parse(line, len, &a, err, errlen);
	if (ret)
		return ret;
	show_site_line("site       ", &a.site);
	printf("data plane  %s", !a.dataplane.has_all_attached ?
					 "attached (lbd does not say):" :
				 a.dataplane.all_attached ? "attached:" :
							    "NOT attached:");
	show_ifaces(&a.dataplane);
	keel_ctl_site_free(&a);
	return 0;
}

static void show_status_head(const struct keel_ctl_status *a)
{
	const struct keel_ctl_dataplane *dp = &a->dataplane;

	printf("instance %s  generation %" PRIu64 "  config %s\n", a->instance,
	       a->generation, a->config[0] ? a->config : "-");
	show_time("last reload", &a->last_reload);
	if (a->has_site)
		show_site_line("site", &a->site);
	printf("attached");
	show_ifaces(dp);
	show_occupancy("conn table", 0, dp->conn_entries, dp->conn_capacity,
		       dp->has_conn_insert_limit, dp->conn_insert_limit);
	if (a->has_loop)
		show_loop(&a->loop);
	if (a->has_agents)
		show_agents(&a->agents);
}

int lbctl_show_status(const char *line, size_t len, char *err, size_t errlen)
{
	struct keel_ctl_status a;
	size_t i;
	int ret;

	ret = keel_ctl_status_parse(line, len, &a, err, errlen);
	if (ret)
		return ret;
	show_status_head(&a);
	for (i = 0; i < a.n_services; i++) {
		printf("\n");
		show_service_line(&a.services[i]);
		show_real_table(a.services[i].reals, a.services[i].n_reals,
				a.services[i].ring_size);
	}
	keel_ctl_status_free(&a);
	return 0;
}

/* A large site: each service's reals counted, not listed. */
bool lbctl_show_summary(const char *line, size_t len, uint64_t max)
{
	struct keel_ctl_head head;
	struct keel_ctl_status a;
	uint64_t total = 0;
	char err[128];
	size_t i;

	if (keel_ctl_head_parse(line, len, &head, err, sizeof(err)) ||
	    !head.ok || keel_ctl_status_parse(line, len, &a, err, sizeof(err)))
		return false;
	for (i = 0; i < a.n_services; i++) {
		if (!a.services[i].has_real_count)
			goto whole; /* an older lbd: no summary */
		total += a.services[i].real_count.total;
	}
	if (total <= max)
		goto whole;
	show_status_head(&a);
	printf("\n");
	for (i = 0; i < a.n_services; i++) {
		const struct keel_ctl_real_count *n = &a.services[i].real_count;

		show_service_line(&a.services[i]);
		printf("  %" PRIu32 " reals: %" PRIu32 " up, %" PRIu32
		       " draining, %" PRIu32 " down; %" PRIu32
		       " usable, %" PRIu32 " take new flows\n",
		       n->total, n->up, n->draining, n->down, n->usable,
		       n->selectable);
	}
	printf("\n%" PRIu64
	       " reals: 'lbctl reals SERVICE' lists one service's, 'lbctl --json status' every one\n",
	       total);
	keel_ctl_status_free(&a);
	return true;
whole:
	keel_ctl_status_free(&a);
	return false;
}

int lbctl_show_services(const char *line, size_t len, char *err, size_t errlen)
{
	struct keel_ctl_services a;
	size_t i;
	int ret;

	ret = keel_ctl_services_parse(line, len, &a, err, errlen);
	if (ret)
		return ret;
	for (i = 0; i < a.n_services; i++)
		show_service_line(&a.services[i]);
	if (!a.n_services)
		printf("no services\n");
	keel_ctl_services_free(&a);
	return 0;
}

int lbctl_show_reals(const char *line, size_t len, char *err, size_t errlen)
{
	struct keel_ctl_service s;
	int ret;

	ret = keel_ctl_reals_parse(line, len, &s, err, errlen);
	if (ret)
		return ret;
	printf("service %s\n", s.service);
	show_real_table(s.reals, s.n_reals, s.ring_size);
	keel_ctl_service_free(&s);
	return 0;
}

int lbctl_show_stats(const char *line, size_t len, char *err, size_t errlen)
{
	struct keel_ctl_stats a;
	char b1[32];
	unsigned int i;
	size_t j;
	int ret;

	ret = keel_ctl_stats_parse(line, len, &a, err, errlen);
	if (ret)
		return ret;
	/* Known counters in their documented order, then any newer ones. */
	for (i = 0; i < KEEL_CNT__MAX; i++) {
		snprintf(b1, sizeof(b1), "-");
		for (j = 0; j < a.n_counters; j++)
			if (!strcmp(a.counters[j].name, keel_cnt_name(i)))
				fmt_u(a.counters[j].value, b1, sizeof(b1));
		printf("%-22s %s\n", keel_cnt_name(i), b1);
	}
	for (j = 0; j < a.n_counters; j++) {
		for (i = 0; i < KEEL_CNT__MAX; i++)
			if (!strcmp(a.counters[j].name, keel_cnt_name(i)))
				break;
		if (i == KEEL_CNT__MAX)
			printf("%-22s %" PRIu64 "\n", a.counters[j].name,
			       a.counters[j].value);
	}
	show_occupancy("conn_table", 22, a.conn_entries, a.conn_capacity,
		       a.has_conn_insert_limit, a.conn_insert_limit);
	keel_ctl_stats_free(&a);
	return 0;
}

int lbctl_show_change(const char *line, size_t len, char *err, size_t errlen)
{
	struct keel_ctl_change a;
	int ret;

	ret = keel_ctl_change_parse(line, len, &a, err, errlen);
	if (ret)
		return ret;
	printf("ok (generation %" PRIu64 ")\n", a.generation);
	return 0;
}

int lbctl_show_empty(const char *line, size_t len, char *err, size_t errlen)
{
	int ret;

	ret = keel_ctl_empty_parse(line, len, err, errlen);
	if (ret)
		return ret;
	printf("ok\n");
	return 0;
}

int lbctl_show_reload(const char *line, size_t len, char *err, size_t errlen)
{
	const struct keel_ctl_changes *ch;
	struct keel_ctl_reload a;
	int ret;

	ret = keel_ctl_reload_parse(line, len, &a, err, errlen);
	if (ret)
		return ret;
	printf("ok (generation %" PRIu64 ")\n", a.generation);
	if (!a.has_changes)
		return 0;
	ch = &a.changes;
	printf("services: %" PRIu32 " added, %" PRIu32 " removed, %" PRIu32
	       " changed\n",
	       ch->services_added, ch->services_removed, ch->services_changed);
	printf("reals: %" PRIu32 " added, %" PRIu32 " removed, %" PRIu32
	       " changed\n",
	       ch->reals_added, ch->reals_removed, ch->reals_changed);
	return 0;
}

/*
 * bgp status.  An older announcer (keel_ctl_bgpa.h) wrote a prefix's
 * "peers" as a count and lacked reason and since: those columns left out,
 * and the prefix's peers found through the peers' "announced".  No
 * announcer omits router_id, uptime_s or reloads; if absent anyway they
 * print "-" (accepted for robustness).
 */

/* A string member, "-" when empty (a member the announcer left out). */
static const char *dash(const char *s)
{
	return s[0] ? s : "-";
}

/* "6/2 \"maintenance\" at TIME", or "" for none. */
static const char *fmt_bgp_err(bool has, const struct keel_ctl_bgpa_notif *e,
			       char *buf, size_t size)
{
	char when[64];
	size_t n;

	buf[0] = '\0';
	if (!has)
		return buf;
	n = (size_t)snprintf(buf, size, "%" PRIu32 "/%" PRIu32, e->code,
			     e->subcode);
	if (n < size && e->has_message)
		n += (size_t)snprintf(buf + n, size - n, " \"%s\"", e->message);
	if (n < size && e->at > 0)
		snprintf(buf + n, size - n, " at %s",
			 fmt_when(e->at, when, sizeof(when)));
	return buf;
}

static int width_of(int w, const char *s)
{
	int n = (int)strlen(dash(s));

	return n > w ? n : w;
}

/* The peers a prefix went to: the answer's names if it has them, else
 * (an older announcer's count) the peers whose "announced" holds it. */
static void fmt_prefix_peers(const struct keel_ctl_bgpa_prefix *x,
			     const struct keel_ctl_bgpa_status *a, char *buf,
			     size_t size)
{
	const struct keel_ctl_bgpa_peer *p;
	size_t i, j, n = 0;

	buf[0] = '\0';
	if (x->has_peers) {
		for (i = 0; i < x->n_peers && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
					      n ? "," : "", x->peers[i]);
	} else {
		for (i = 0; i < a->n_peers; i++) {
			p = &a->peers[i];
			for (j = 0; j < p->n_announced && n < size; j++)
				if (!strcmp(p->announced[j], x->prefix))
					n += (size_t)snprintf(buf + n, size - n,
							      "%s%s",
							      n ? "," : "",
							      dash(p->name));
		}
	}
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* "sent E; received E; REASON", the parts it has, or "-". */
static void show_bgp_why(const struct keel_ctl_bgpa_peer *p, const char *sent,
			 const char *recv)
{
	const char *why = p->has_last_reason ? p->last_reason : "";
	const char *sep = " ";

	if (sent[0]) {
		printf("%ssent %s", sep, sent);
		sep = "; ";
	}
	if (recv[0]) {
		printf("%sreceived %s", sep, recv);
		sep = "; ";
	}
	if (why[0])
		printf("%s%s", sep, why);
	else if (!sent[0] && !recv[0])
		printf(" -");
	printf("\n");
}

static void show_bgp_peers(const struct keel_ctl_bgpa_status *a)
{
	const struct keel_ctl_bgpa_peer *p;
	char e1[160], e2[160], fr[AGE_MAX], up[AGE_MAX];
	int wn = (int)strlen("PEER"), wa = (int)strlen("ADDRESS");
	size_t i;

	if (!a->n_peers) {
		printf("no peers\n");
		return;
	}
	for (i = 0; i < a->n_peers; i++) {
		wn = width_of(wn, a->peers[i].name);
		wa = width_of(wa, a->peers[i].address);
	}
	printf("%-*s  %-*s  %10s  %-11s  %8s  %8s  %9s  %s\n", wn, "PEER", wa,
	       "ADDRESS", "AS", "STATE", "FOR", "UPTIME", "ANNOUNCED",
	       "LAST ERROR / REASON");
	for (i = 0; i < a->n_peers; i++) {
		p = &a->peers[i];
		fmt_bgp_err(p->has_last_error_sent, &p->last_error_sent, e1,
			    sizeof(e1));
		fmt_bgp_err(p->has_last_error_received, &p->last_error_received,
			    e2, sizeof(e2));
		if (p->has_uptime_s)
			fmt_age(p->uptime_s, up, sizeof(up));
		else
			snprintf(up, sizeof(up), "-");
		printf("%-*s  %-*s  %10" PRIu32 "  %-11s  %8s  %8s  %9zu ", wn,
		       dash(p->name), wa, dash(p->address), p->remote_as,
		       dash(p->state), fmt_age(p->state_for_s, fr, sizeof(fr)),
		       up, p->n_announced);
		show_bgp_why(p, e1, e2);
	}
}

static void show_bgp_prefixes(const struct keel_ctl_bgpa_status *a)
{
	const struct keel_ctl_bgpa_prefix *x;
	int wp = (int)strlen("PREFIX"), wt = (int)strlen("STATE");
	bool reasons = false, since = false;
	char b1[AGE_MAX], to[512];
	size_t i;

	if (!a->n_prefixes) {
		printf("no prefixes\n");
		return;
	}
	/* reason and since came in one version: a column when any has it. */
	for (i = 0; i < a->n_prefixes; i++) {
		x = &a->prefixes[i];
		reasons |= x->has_reason;
		since |= x->has_reason || x->has_since;
		wp = width_of(wp, x->prefix);
		wt = width_of(wt, x->state);
	}
	printf("%-*s  %-*s  %-9s  %s%s\n", wp, "PREFIX", wt, "STATE",
	       "ANNOUNCED", since ? "   SINCE  " : "",
	       reasons ? "TO                    REASON" : "TO");
	for (i = 0; i < a->n_prefixes; i++) {
		x = &a->prefixes[i];
		fmt_prefix_peers(x, a, to, sizeof(to));
		printf("%-*s  %-*s  %-9s  ", wp, dash(x->prefix), wt,
		       dash(x->state), x->announce ? "yes" : "withdrawn");
		if (since) {
			if (x->has_since)
				fmt_age(time(NULL) - x->since, b1, sizeof(b1));
			else
				snprintf(b1, sizeof(b1), "-");
			printf("%8s  ", b1);
		}
		if (reasons)
			printf("%-20s  %s\n", x->announce ? to : "-",
			       x->has_reason ? x->reason : "-");
		else
			printf("%s\n", x->announce ? to : "-");
	}
}

/*
 * The announcer's status: sessions, then prefixes with what they are
 * announced to and why.
 */
int lbctl_show_bgp(const char *line, size_t len, char *err, size_t errlen)
{
	struct keel_ctl_bgpa_status a;
	char b1[AGE_MAX], b2[32];
	int ret;

	ret = keel_ctl_bgpa_status_parse(line, len, &a, err, errlen);
	if (ret)
		return ret;
	if (a.has_uptime_s)
		fmt_age(a.uptime_s, b1, sizeof(b1));
	else
		snprintf(b1, sizeof(b1), "-");
	if (a.has_reloads)
		fmt_u(a.reloads, b2, sizeof(b2));
	else
		snprintf(b2, sizeof(b2), "-");
	printf("bgp-announcer  AS %" PRIu32
	       "  router id %s  up %s  reloads %s\n",
	       a.local_as, a.has_router_id ? a.router_id : "-", b1, b2);
	printf("\n");
	show_bgp_peers(&a);
	printf("\n");
	show_bgp_prefixes(&a);
	keel_ctl_bgpa_status_free(&a);
	return 0;
}

int lbctl_answer(const char *peer, const char *path, bool json,
		 lbctl_show_fn show, const char *line, size_t len)
{
	struct keel_ctl_head head;
	char err[256];
	int ret;

	ret = keel_ctl_head_parse(line, len, &head, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "lbctl: bad answer from %s at %s: %s\n", peer,
			path, err);
		return KEEL_EXIT_UNREACHABLE;
	}
	if (json) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	}
	if (!head.ok) {
		/* "permission denied: real drain needs the admin group 'X'" */
		if (head.has_code && !strcmp(head.code, "permission_denied"))
			fprintf(stderr, "lbctl: permission denied: %s\n",
				head.has_error ? head.error : "");
		else
			fprintf(stderr, "lbctl: refused: %s: %s\n",
				head.has_code ? head.code : "unknown",
				head.has_error ? head.error : "");
		return KEEL_EXIT_FAIL;
	}
	if (json)
		return KEEL_EXIT_OK;
	ret = show(line, len, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "lbctl: bad answer from %s at %s: %s\n", peer,
			path, err);
		return KEEL_EXIT_UNREACHABLE;
	}
	return KEEL_EXIT_OK;
}

/* ---- pair status ---- */

/* "up 3h 12m", "one-way: lb2 does not hear us 5s", "never". */
static const char *fmt_link(const struct keel_ctl_pair_peer *p, time_t now,
			    char *buf, size_t size)
{
	char age[AGE_MAX] = "";

	if (p->has_since)
		fmt_age((long long)(now - p->since), age, sizeof(age));
	switch (p->link) {
	case KEEL_CTL_LINK_UP:
		snprintf(buf, size, "up %s", age);
		break;
	case KEEL_CTL_LINK_DOWN:
		snprintf(buf, size, "down %s", age);
		break;
	case KEEL_CTL_LINK_ONE_WAY:
		snprintf(buf, size, "one-way: %s does not hear us %s", p->name,
			 age);
		break;
	default:
		snprintf(buf, size, "never");
		break;
	}
	return buf;
}

static const char *fmt_ms(bool has, double ms, char *buf, size_t size)
{
	if (!has)
		return "-";
	snprintf(buf, size, "%.2fms", ms);
	return buf;
}

/* "0", or "5 (auth 4, replay 1)". */
static const char *fmt_rejected(const struct keel_ctl_pair_rejected *r,
				char *buf, size_t size)
{
	const struct {
		const char *name;
		uint64_t v;
	} k[] = { { "malformed", r->malformed },
		  { "version", r->version },
		  { "auth", r->auth },
		  { "replay", r->replay },
		  { "wrong_peer", r->wrong_peer },
		  { "no_session", r->no_session },
		  { "unexpected", r->unexpected } };
	uint64_t total = 0;
	const char *sep = " (";
	size_t i, off;
	int n;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		total += k[i].v;
	n = snprintf(buf, size, "%" PRIu64, total);
	off = n < 0 ? 0 : (size_t)n;
	for (i = 0; i < sizeof(k) / sizeof(k[0]) && off < size; i++) {
		if (!k[i].v)
			continue;
		n = snprintf(buf + off, size - off, "%s%s %" PRIu64, sep,
			     k[i].name, k[i].v);
		off += n < 0 ? 0 : (size_t)n;
		sep = ", ";
	}
	if (total && off < size)
		snprintf(buf + off, size - off, ")");
	return buf;
}

int lbctl_show_pair(const char *line, size_t len, char *err, size_t errlen)
{
	struct keel_ctl_pair_status a;
	const struct keel_ctl_pair_body *b = &a.pair;
	char lk[128], rtt[24], skew[24], lag[24], rej[160], u[4][24];
	time_t now = time(NULL);
	size_t i;
	int ret;

	ret = keel_ctl_pair_status_parse(line, len, &a, err, errlen);
	if (ret)
		return ret;
	if (!b->configured) {
		printf("pair: not configured (a single LB)\n");
		goto out;
	}
	printf("this LB: node %u, listen %s; from no peer's address: %" PRIu64
	       ", dropped by the kernel: %" PRIu64 "\n",
	       b->node_id, b->listen[0] ? b->listen : "-", b->unknown_source,
	       b->rx_overflow);
	printf("%-10s %-24s %-22s %-9s %-9s %-9s %-10s %-10s %-6s %-8s %s\n",
	       "PEER", "ADDRESS", "LINK", "RTT", "SKEW", "LAG", "REC SENT",
	       "REC RCVD", "LOST", "NOTREADY", "REJECTED");
	for (i = 0; i < b->n_peers; i++) {
		const struct keel_ctl_pair_peer *p = &b->peers[i];

		printf("%-10s %-24s %-22s %-9s %-9s %-9s %-10s %-10s %-6s %-8s %s\n",
		       p->name, p->address, fmt_link(p, now, lk, sizeof(lk)),
		       fmt_ms(p->has_rtt_ms, p->rtt_ms, rtt, sizeof(rtt)),
		       fmt_ms(p->has_clock_skew_ms, p->clock_skew_ms, skew,
			      sizeof(skew)),
		       fmt_ms(p->has_sync_lag_ms, p->sync_lag_ms, lag,
			      sizeof(lag)),
		       fmt_u(p->records_sent, u[0], sizeof(u[0])),
		       fmt_u(p->records_received, u[1], sizeof(u[1])),
		       fmt_u(p->rx_gaps, u[2], sizeof(u[2])),
		       fmt_u(p->peer_not_ready, u[3], sizeof(u[3])),
		       fmt_rejected(&p->rejected, rej, sizeof(rej)));
	}
	for (i = 0; i < b->n_peers; i++) {
		const struct keel_ctl_pair_peer *p = &b->peers[i];

		if (!p->has_peer)
			continue;
		printf("%s says: node %u%s%s%s, %" PRIu64
		       " conn entries; datagrams sent %" PRIu64
		       ", received %" PRIu64 "\n",
		       p->name, p->peer.node_id,
		       p->peer.synced ? ", synced" : ", not synced",
		       p->peer.bulk ? ", bulk under way" : "",
		       p->peer.alone ? ", alone" : "", p->peer.conns,
		       p->datagrams_sent, p->datagrams_received);
	}
out:
	keel_ctl_pair_status_free(&a);
	return 0;
}
