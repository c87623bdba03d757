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
#include <jansson.h>

#include "keel_cli.h"
#include "keel_ctl.h"
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

		snprintf(st, sizeof(st), "%s (%s)",
			 keel_ctl_state_name(r->state), r->source);
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
 * bgp status stays on jansson: keel_ctl_bgpa_status_parse() refuses an
 * older announcer's answer ("peers" a count, not names) and cannot tell
 * an absent router_id, uptime_s, reloads, reason or since from a zero,
 * which this table prints as "-" or leaves out (tests/unit/ctl).
 */

static const char *jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* An integer as is, a real with one decimal, "-" when absent. */
static const char *jnum(json_t *o, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%.1f", json_real_value(v));
	else
		snprintf(buf, size, "-");
	return buf;
}

/* "6/2 \"maintenance\" at TIME", or "" for null. */
static const char *fmt_bgp_err(json_t *e, char *buf, size_t size)
{
	char b1[32], b2[32], when[64];
	size_t n;

	if (!json_is_object(e)) {
		buf[0] = '\0';
		return buf;
	}
	n = snprintf(buf, size, "%s/%s", jnum(e, "code", b1, sizeof(b1)),
		     jnum(e, "subcode", b2, sizeof(b2)));
	if (n < size && json_is_string(json_object_get(e, "message")))
		n += snprintf(buf + n, size - n, " \"%s\"",
			      jstr(e, "message", ""));
	if (n < size && json_is_integer(json_object_get(e, "at")))
		snprintf(buf + n, size - n, " at %s",
			 fmt_when(json_integer_value(json_object_get(e, "at")),
				  when, sizeof(when)));
	return buf;
}

/* An integer member as a duration, "-" when absent or null. */
static const char *jage(json_t *o, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return fmt_age(json_integer_value(v), buf, size);
	snprintf(buf, size, "-");
	return buf;
}

static int col_width(json_t *arr, const char *key, const char *title)
{
	int w = (int)strlen(title), n;
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
	{
		n = (int)strlen(jstr(v, key, "-"));
		w = n > w ? n : w;
	}
	return w;
}

/* The peers a prefix went to: the answer's list if it has one, else the
 * peers whose "announced" holds it. */
static void fmt_prefix_peers(json_t *x, json_t *peers, char *buf, size_t size)
{
	json_t *to = json_object_get(x, "peers"), *p, *r;
	const char *pfx = jstr(x, "prefix", "");
	size_t i, j, n = 0;

	buf[0] = '\0';
	if (json_is_array(to)) {
		json_array_foreach(to, i, p) if (json_is_string(p) && n < size)
			n += snprintf(buf + n, size - n, "%s%s", n ? "," : "",
				      json_string_value(p));
	} else {
		json_array_foreach(peers, i, p) json_array_foreach(
			json_object_get(p, "announced"), j,
			r) if (!strcmp(json_string_value(r) ?: "", pfx) &&
			       n < size)
			n += snprintf(buf + n, size - n, "%s%s", n ? "," : "",
				      jstr(p, "name", "?"));
	}
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* A prefix's "since": unix seconds (shown as an age) or text. */
static const char *fmt_since(json_t *x, char *buf, size_t size)
{
	json_t *v = json_object_get(x, "since");

	if (json_is_integer(v))
		return fmt_age(time(NULL) - json_integer_value(v), buf, size);
	snprintf(buf, size, "%s",
		 json_is_string(v) ? json_string_value(v) : "-");
	return buf;
}

/* "sent E; received E; REASON", the parts it has, or "-". */
static void show_bgp_why(json_t *p, const char *sent, const char *recv)
{
	const char *why = jstr(p, "last_reason", "");
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

/*
 * The announcer's status: sessions, then prefixes with what they are
 * announced to and why.  Members a given announcer lacks print as "-".
 */
static void show_bgp_json(json_t *a)
{
	json_t *peers = json_object_get(a, "peers");
	json_t *pfxs = json_object_get(a, "prefixes"), *p, *x;
	char b1[AGE_MAX], b2[AGE_MAX], b3[32], e1[160], e2[160], to[512];
	int wn, wa, wp, wt;
	bool reasons = false, since = false;
	size_t i;

	printf("bgp-announcer  AS %s  router id %s  up %s  reloads %s\n",
	       jnum(a, "local_as", b1, sizeof(b1)), jstr(a, "router_id", "-"),
	       jage(a, "uptime_s", b2, sizeof(b2)),
	       jnum(a, "reloads", b3, sizeof(b3)));
	printf("\n");
	if (!json_array_size(peers)) {
		printf("no peers\n");
	} else {
		wn = col_width(peers, "name", "PEER");
		wa = col_width(peers, "address", "ADDRESS");
		printf("%-*s  %-*s  %10s  %-11s  %8s  %8s  %9s  %s\n", wn,
		       "PEER", wa, "ADDRESS", "AS", "STATE", "FOR", "UPTIME",
		       "ANNOUNCED", "LAST ERROR / REASON");
		json_array_foreach(peers, i, p)
		{
			char asn[32], fr[AGE_MAX], up[AGE_MAX];

			fmt_bgp_err(json_object_get(p, "last_error_sent"), e1,
				    sizeof(e1));
			fmt_bgp_err(json_object_get(p, "last_error_received"),
				    e2, sizeof(e2));
			printf("%-*s  %-*s  %10s  %-11s  %8s  %8s  %9zu ", wn,
			       jstr(p, "name", "-"), wa,
			       jstr(p, "address", "-"),
			       jnum(p, "remote_as", asn, sizeof(asn)),
			       jstr(p, "state", "-"),
			       jage(p, "state_for_s", fr, sizeof(fr)),
			       jage(p, "uptime_s", up, sizeof(up)),
			       json_array_size(
				       json_object_get(p, "announced")));
			show_bgp_why(p, e1, e2);
		}
	}
	printf("\n");
	if (!json_array_size(pfxs)) {
		printf("no prefixes\n");
		return;
	}
	json_array_foreach(pfxs, i, x)
	{
		reasons |= json_object_get(x, "reason") != NULL;
		since |= json_object_get(x, "since") != NULL;
	}
	wp = col_width(pfxs, "prefix", "PREFIX");
	wt = col_width(pfxs, "state", "STATE");
	printf("%-*s  %-*s  %-9s  %s%s\n", wp, "PREFIX", wt, "STATE",
	       "ANNOUNCED", since ? "   SINCE  " : "",
	       reasons ? "TO                    REASON" : "TO");
	json_array_foreach(pfxs, i, x)
	{
		json_t *ann = json_object_get(x, "announce");

		fmt_prefix_peers(x, peers, to, sizeof(to));
		printf("%-*s  %-*s  %-9s  ", wp, jstr(x, "prefix", "-"), wt,
		       jstr(x, "state", "-"),
		       json_is_true(ann)  ? "yes" :
		       json_is_false(ann) ? "withdrawn" :
					    "-");
		if (since)
			printf("%8s  ", fmt_since(x, b1, sizeof(b1)));
		if (reasons)
			printf("%-20s  %s\n", json_is_true(ann) ? to : "-",
			       jstr(x, "reason", "-"));
		else
			printf("%s\n", json_is_true(ann) ? to : "-");
	}
}

int lbctl_show_bgp(const char *line, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *a;

	a = json_loadb(line, len, 0, &jerr);
	if (!a) {
		snprintf(err, errlen, "%s", jerr.text);
		return -EBADMSG;
	}
	show_bgp_json(a);
	json_decref(a);
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
