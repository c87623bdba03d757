// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctl_lbd: lbd's control answers (table-driven, ctl_answer_test.h).
 * The golden lines are what lbd writes (lbd_view.c and lbd_ctl.c,
 * some through these encoders): members, order, null or absent,
 * integers or reals.
 */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_answer_test.h"
#include "ctl_lbd_golden.h"
#include "keel_ctl_lbd.h"
#include "keel_maps.h"

CTL_KIND_FREE(k_status, struct keel_ctl_status, keel_ctl_status,
	      keel_ctl_status_free);
CTL_KIND_FREE(k_services, struct keel_ctl_services, keel_ctl_services,
	      keel_ctl_services_free);
CTL_KIND_FREE(k_reals, struct keel_ctl_service, keel_ctl_reals,
	      keel_ctl_service_free);
CTL_KIND_FREE(k_stats, struct keel_ctl_stats, keel_ctl_stats,
	      keel_ctl_stats_free);
CTL_KIND_FREE(k_site, struct keel_ctl_site_answer, keel_ctl_site,
	      keel_ctl_site_free);
CTL_KIND(k_change, struct keel_ctl_change, keel_ctl_change);
CTL_KIND(k_pair, struct keel_ctl_pair_answer, keel_ctl_pair_answer);
CTL_KIND_FREE(k_pair_status, struct keel_ctl_pair_status, keel_ctl_pair_status,
	      keel_ctl_pair_status_free);
CTL_KIND(k_reload, struct keel_ctl_reload, keel_ctl_reload);

/* The empty answer has no struct: a one-byte stand-in. */
struct empty {
	char unused;
};
static int empty_parse(const char *l, size_t n, void *o, char *e, size_t el)
{
	(void)o;
	return keel_ctl_empty_parse(l, n, e, el);
}
static int empty_encode(char *b, size_t s, const void *i)
{
	(void)i;
	return keel_ctl_empty_encode(b, s);
}
static const struct ctl_kind k_empty = { "keel_ctl_empty", sizeof(struct empty),
					 empty_parse, empty_encode, NULL };

/* ---- lines as lbd writes them ---- */

static void check_pair_off(const void *p)
{
	const struct keel_ctl_pair_status *s = p;

	ck_assert(!s->pair.configured && !s->pair.has_node_id &&
		  !s->pair.has_peers && s->pair.n_peers == 0);
}

static void check_pair(const void *p)
{
	const struct keel_ctl_pair_status *s = p;
	const struct keel_ctl_pair_peer *a, *b;

	ck_assert(s->pair.configured && s->pair.has_node_id);
	ck_assert_uint_eq(s->pair.node_id, 1);
	ck_assert_str_eq(s->pair.listen, "10.0.3.1:7600");
	ck_assert_uint_eq(s->pair.unknown_source, 7);
	ck_assert_uint_eq(s->pair.rx_overflow, 2);
	ck_assert_uint_eq(s->pair.n_peers, 2);
	a = &s->pair.peers[0];
	b = &s->pair.peers[1];
	ck_assert_str_eq(a->name, "lb2");
	ck_assert_str_eq(a->address, "10.0.3.2:7600");
	ck_assert_uint_eq(a->link, KEEL_CTL_LINK_UP);
	ck_assert(a->has_since && a->since == 1763780000);
	ck_assert(a->has_rtt_ms && fabs(a->rtt_ms - 0.25) < 1e-9);
	ck_assert(a->has_clock_skew_ms && a->clock_skew_ms == -3);
	ck_assert(a->has_sync_lag_ms && fabs(a->sync_lag_ms - 1.125) < 1e-9);
	ck_assert_uint_eq(a->records_sent, 120);
	ck_assert_uint_eq(a->records_received, 57);
	ck_assert_uint_eq(a->datagrams_sent, 30);
	ck_assert_uint_eq(a->datagrams_received, 31);
	ck_assert_uint_eq(a->rejected.auth, 4);
	ck_assert_uint_eq(a->rejected.replay, 1);
	ck_assert_uint_eq(a->rx_gaps, 3);
	ck_assert(a->has_peer && a->peer.node_id == 2 && a->peer.synced &&
		  !a->peer.bulk && a->peer.conns == 900);
	ck_assert_uint_eq(b->link, KEEL_CTL_LINK_NEVER);
	ck_assert(!b->has_since && !b->has_rtt_ms && !b->has_sync_lag_ms &&
		  !b->has_peer);
}

#define PAIR_REJ(auth, replay)                                        \
	"\"rejected\":{\"malformed\":0,\"version\":0,\"auth\":" #auth \
	",\"replay\":" #replay ",\"wrong_peer\":0,\"no_session\":0,"  \
	"\"unexpected\":0}"

static void check_status(const void *p)
{
	const struct keel_ctl_status *s = p;
	const struct keel_ctl_service *v;
	const struct keel_ctl_real *r;

	ck_assert_str_eq(s->instance, "lab-lb1");
	ck_assert_uint_eq(s->generation, 3);
	ck_assert(s->last_reload.ok && s->last_reload.at == 1763780000 &&
		  !s->last_reload.has_error);
	ck_assert(s->has_site && !s->site.drained && !s->site.has_since &&
		  !s->site.has_reason);
	ck_assert(s->has_dataplane && s->dataplane.has_all_attached &&
		  !s->dataplane.all_attached);
	ck_assert_uint_eq(s->dataplane.n_attached, 2);
	ck_assert_str_eq(s->dataplane.attached[1].ifname, "seg1");
	ck_assert_str_eq(s->dataplane.attached[1].mode, "generic");
	ck_assert(s->dataplane.attached[0].attached &&
		  !s->dataplane.attached[1].attached);
	ck_assert(s->dataplane.has_conn_insert_limit &&
		  s->dataplane.conn_insert_limit == 2184);
	ck_assert(s->has_loop && s->loop.stall_max_ms == 1.5 &&
		  s->loop.stalls_over_budget == 2 && s->loop.budget_ms == 50);
	ck_assert(s->has_agents && s->agents.has_listen);
	ck_assert_str_eq(s->agents.listen, "0.0.0.0:9460");
	ck_assert_uint_eq(s->agents.n_reports, 10);
	ck_assert_str_eq(s->agents.reports[5].name, "replay");
	ck_assert_uint_eq(s->agents.reports[5].value, 1);
	ck_assert(s->agents.n_keys == 1 && s->agents.keys[0].reports == 5120);
	ck_assert(s->has_pair && s->pair.configured && !s->pair.synced &&
		  !s->pair.has_mode && s->pair.has_reason);
	ck_assert_str_eq(s->pair.reason, "bulk from lb2: 61% (4.1 s)");
	ck_assert(s->has_services && s->n_services == 2);
	v = &s->services[0];
	ck_assert(v->has_reals && !v->has_real_count && v->n_reals == 2);
	ck_assert(v->pps == 12.5 && v->fps == 2.0 && v->ring_size == 65537);
	r = &v->reals[0];
	ck_assert_str_eq(r->real, "10.20.0.11");
	ck_assert(r->state == KEEL_RS_UP && r->has_usable && r->usable);
	ck_assert(r->has_conns && r->conns == 1234 && r->has_load &&
		  r->load == 0.5 && r->has_agent_boot &&
		  r->agent_boot == 1763800000 && !r->has_check);
	ck_assert(r->has_mac && r->has_ifname && !r->admin.has_weight);
	r = &v->reals[1];
	ck_assert(r->state == KEEL_RS_DOWN && !r->has_report_age_ms &&
		  !r->has_conns && !r->has_load && !r->has_mac &&
		  !r->has_ifname && r->has_check);
	ck_assert_str_eq(r->check, "timeout 500ms");
	ck_assert(r->admin.drain && r->admin.has_weight &&
		  r->admin.weight == 3);
	v = &s->services[1];
	ck_assert(!v->has_reals && v->has_real_count && v->load_aware);
	ck_assert(v->real_count.total == 2 && v->real_count.up_usable == 1);
}

static void check_site(const void *p)
{
	const struct keel_ctl_site_answer *s = p;

	ck_assert(s->has_site && s->site.drained && s->site.has_since &&
		  s->site.since == 1763780000 && s->site.has_reason);
	ck_assert_str_eq(s->site.reason, "maintenance 4");
	ck_assert(s->has_dataplane && s->dataplane.n_attached == 2);
}

static void check_stats(const void *p)
{
	const struct keel_ctl_stats *s = p;

	ck_assert_uint_eq(s->n_counters, 3);
	ck_assert_str_eq(s->counters[2].name, "verdict_tx");
	ck_assert_uint_eq(s->counters[2].value, 9000000000ULL);
	ck_assert(s->conn_capacity == 1048576 && !s->has_conn_insert_limit);
}

static void check_reload(const void *p)
{
	const struct keel_ctl_reload *r = p;

	ck_assert(r->generation == 5 && r->has_changes &&
		  r->changes.services_changed == 1 &&
		  r->changes.reals_removed == 1 && r->changes.reals_added == 0);
}

static void check_change(const void *p)
{
	ck_assert_uint_eq(((const struct keel_ctl_change *)p)->generation, 4);
}

static void check_reals(const void *p)
{
	const struct keel_ctl_service *v = p;

	ck_assert_str_eq(v->service, "203.0.113.10:80/tcp");
	ck_assert(v->has_reals && v->n_reals == 2);
}

static void check_services(const void *p)
{
	const struct keel_ctl_services *s = p;

	ck_assert(s->n_services == 1 && s->services[0].has_real_count &&
		  s->services[0].real_count.down == 1);
}

/* A status with nothing but its pair (what the encoder always writes). */
#define ST_PAIR(pair)                                                          \
	"{\"instance\":\"x\",\"generation\":1,\"config\":\"c\","               \
	"\"last_reload\":{\"ok\":true,\"at\":0,\"error\":null},\"pair\":" pair \
	",\"services\":[],\"ok\":true}\n"

static void check_pair_bulk(const void *p)
{
	const struct keel_ctl_status *s = p;

	ck_assert(s->has_pair && s->pair.configured && s->pair.synced &&
		  s->pair.has_mode && s->pair.has_reason);
	ck_assert_str_eq(s->pair.mode, "bulk");
	ck_assert_str_eq(s->pair.reason,
			 "bulk from lb2: 1234 entries in 4.1 s");
}

static void check_pair_single(const void *p)
{
	const struct keel_ctl_status *s = p;

	ck_assert(s->has_pair && !s->pair.configured && s->pair.synced &&
		  s->pair.has_mode && !s->pair.has_reason);
	ck_assert_str_eq(s->pair.mode, "single");
}

static void check_pair_newer(const void *p)
{
	const struct keel_ctl_status *s = p;

	/* A mode a newer lbd adds is kept as written (an open set). */
	ck_assert(s->has_pair && s->pair.synced && s->pair.has_mode);
	ck_assert_str_eq(s->pair.mode, "vrrp");
}

static const struct ctl_case golden[] = {
	CTL_GOLD("pair.synced", &k_pair,
		 "{\"pair\":{\"configured\":true,\"synced\":true,\"mode\":"
		 "\"forced\",\"reason\":\"forced by the operator: lb2 "
		 "replaced\"},\"ok\":true}\n",
		 NULL),
	CTL_GOLD("status, pair synced after a bulk", &k_status,
		 ST_PAIR("{\"configured\":true,\"synced\":true,\"mode\":"
			 "\"bulk\",\"reason\":\"bulk from lb2: 1234 entries "
			 "in 4.1 s\"}"),
		 check_pair_bulk),
	CTL_GOLD("status, no pair: in the config", &k_status,
		 ST_PAIR("{\"configured\":false,\"synced\":true,\"mode\":"
			 "\"single\",\"reason\":null}"),
		 check_pair_single),
	CTL_GOLD("status, a pair mode of a newer lbd", &k_status,
		 ST_PAIR("{\"configured\":true,\"synced\":true,\"mode\":"
			 "\"vrrp\",\"reason\":\"x\"}"),
		 check_pair_newer),
	CTL_GOLD("status", &k_status, LBD_GOLD_STATUS, check_status),
	CTL_GOLD("status, no services, no receiver, a failed reload", &k_status,
		 LBD_GOLD_STATUS_EMPTY, NULL),
	CTL_GOLD("services", &k_services,
		 "{\"services\":[" SVC_COUNT "],\"ok\":true}\n",
		 check_services),
	CTL_GOLD("reals", &k_reals,
		 SVC_HEAD("203.0.113.10:80/tcp",
			  "false") ",\"reals\":[" REAL_AGENT "," REAL_TCP
				   "],\"ok\":true}\n",
		 check_reals),
	CTL_GOLD("stats", &k_stats,
		 "{\"counters\":{\"verdict_pass\":10,\"verdict_drop\":0,"
		 "\"verdict_tx\":9000000000},\"conn_entries\":300,"
		 "\"conn_capacity\":1048576,\"conn_insert_limit\":null,"
		 "\"ok\":true}\n",
		 check_stats),
	CTL_GOLD("site.drain", &k_site,
		 "{" SITE_DRAINED "," DATAPLANE ",\"ok\":true}\n", check_site),
	CTL_GOLD("a change", &k_change, "{\"generation\":4,\"ok\":true}\n",
		 check_change),
	CTL_GOLD("reload", &k_reload,
		 "{\"generation\":5,\"changes\":{\"services_added\":0,"
		 "\"services_removed\":0,\"services_changed\":1,\"reals_added\":0,"
		 "\"reals_removed\":1,\"reals_changed\":1},\"ok\":true}\n",
		 check_reload),
	CTL_GOLD("shutdown", &k_empty, "{\"ok\":true}\n", NULL),
	CTL_GOLD("pair.status without pair:", &k_pair_status,
		 "{\"pair\":{\"configured\":false},\"ok\":true}\n",
		 check_pair_off),
	CTL_GOLD(
		"pair.status: one peer up, one never heard", &k_pair_status,
		"{\"pair\":{\"configured\":true,\"node_id\":1,\"listen\":"
		"\"10.0.3.1:7600\",\"unknown_source\":7,\"rx_overflow\":2,"
		"\"peers\":[{\"name\":\"lb2\",\"address\":\"10.0.3.2:7600\","
		"\"link\":\"up\",\"since\":1763780000,\"rtt_ms\":0.25,"
		"\"clock_skew_ms\":-3.0,\"sync_lag_ms\":1.125,"
		"\"records_sent\":120,\"records_received\":57,"
		"\"datagrams_sent\":30,\"datagrams_received\":31," PAIR_REJ(
			4,
			1) ",\"rx_gaps\":3,\"peer_not_ready\":0,\"peer\":"
			   "{\"node_id\":2,\"synced\":true,\"bulk\":false,"
			   "\"alone\":false,\"conns\":900}},"
			   "{\"name\":\"lb3\",\"address\":\"[2001:db8::3]:7600\","
			   "\"link\":\"never\",\"since\":null,\"rtt_ms\":null,"
			   "\"clock_skew_ms\":null,\"sync_lag_ms\":null,"
			   "\"records_sent\":0,\"records_received\":0,"
			   "\"datagrams_sent\":5,\"datagrams_received\":0," PAIR_REJ(
				   0, 0) ",\"rx_gaps\":0,\"peer_not_ready\":64,"
					 "\"peer\":null}]},\"ok\":true}\n",
		check_pair),
	/* Captured from scripts/lab.sh (lbd, bgp-announcer and rs-agent of
	 * this tree), byte for byte: lbctl --json prints these lines. */
	CTL_GOLD("lab: status", &k_status, LBD_GOLD_LAB_STATUS, NULL),
	CTL_GOLD("lab: status with summary", &k_status,
		 LBD_GOLD_LAB_STATUS_SUMMARY, NULL),
	CTL_GOLD(
		"lab: stats", &k_stats,
		"{\"counters\":{\"verdict_pass\":498,\"verdict_drop\":0,\"verdict_t"
		"x\":0,\"verdict_redirect\":0,\"pass_not_ip\":11,\"pass_not_vip\":4"
		"87,\"pass_unparsed\":0,\"drop_malformed\":0,\"drop_no_real\":0,\"d"
		"rop_frag_no_service\":0,\"conn_hit\":0,\"flow_recorded\":0,\"conn_"
		"rechosen\":0,\"fragment\":0,\"icmp_too_big\":0,\"redirect_error\":"
		"0,\"pass_not_our_mac\":0,\"pass_multicast\":0,\"syn_unrecorded\":0"
		",\"syn_reused_tuple\":0,\"miss_unrecorded\":0,\"conn_inserts\":0,\""
		"mac_guard_off\":0,\"flow_unrecorded_capped\":0},\"conn_entries\":0"
		",\"conn_capacity\":65536,\"conn_insert_limit\":0,\"ok\":true}\n",
		NULL),
	CTL_GOLD(
		"lab: site drain", &k_site,
		"{\"site\":{\"drained\":true,\"since\":1796665520,\"reason\":\"main"
		"tenance 4\"},\"dataplane\":{\"all_attached\":true,\"attached\":[{\""
		"ifname\":\"seg0\",\"mode\":\"native\",\"attached\":true}],\"conn_e"
		"ntries\":0,\"conn_capacity\":65536,\"conn_insert_limit\":0},\"ok\""
		":true}\n",
		NULL),
	CTL_GOLD(
		"lab: reals", &k_reals,
		"{\"service\":\"203.0.113.10:80/tcp\",\"persistent\":false,\"ring_s"
		"ize\":65537,\"packets\":0,\"bytes\":0,\"new_flows\":0,\"pps\":0.0,"
		"\"fps\":0.0,\"load_aware\":false,\"reals\":[{\"real\":\"10.20.0.11"
		"\",\"id\":1,\"weight\":1,\"effective_weight\":1,\"state\":\"up\",\""
		"source\":\"agent\",\"health\":\"agent\",\"configured_weight\":1,\""
		"report_age_ms\":37,\"conns\":0,\"load\":10.762,\"agent_restarts\":"
		"0,\"agent_protocol\":2,\"agent_boot\":1796665497,\"check\":null,\""
		"admin\":{\"drain\":false,\"down\":false,\"weight\":null},\"mac\":\""
		"5e:cb:34:05:1e:f7\",\"mac_resolved\":true,\"ifname\":\"seg0\",\"ri"
		"ng_entries\":21846,\"usable\":true,\"packets\":0,\"bytes\":0,\"new"
		"_flows\":0,\"pps\":0.0,\"fps\":0.0},{\"real\":\"10.20.0.12\",\"id\""
		":2,\"weight\":1,\"effective_weight\":1,\"state\":\"up\",\"source\""
		":\"agent\",\"health\":\"agent\",\"configured_weight\":1,\"report_a"
		"ge_ms\":25,\"conns\":0,\"load\":10.762,\"agent_restarts\":0,\"agen"
		"t_protocol\":2,\"agent_boot\":1796665498,\"check\":null,\"admin\":"
		"{\"drain\":false,\"down\":false,\"weight\":null},\"mac\":\"a2:d5:9"
		"3:6c:ee:3b\",\"mac_resolved\":true,\"ifname\":\"seg0\",\"ring_entr"
		"ies\":21846,\"usable\":true,\"packets\":0,\"bytes\":0,\"new_flows\""
		":0,\"pps\":0.0,\"fps\":0.0},{\"real\":\"10.20.0.13\",\"id\":3,\"we"
		"ight\":1,\"effective_weight\":1,\"state\":\"up\",\"source\":\"agen"
		"t\",\"health\":\"agent\",\"configured_weight\":1,\"report_age_ms\""
		":40,\"conns\":1,\"load\":10.762,\"agent_restarts\":0,\"agent_proto"
		"col\":2,\"agent_boot\":1796665499,\"check\":null,\"admin\":{\"drai"
		"n\":false,\"down\":false,\"weight\":null},\"mac\":\"0a:27:fd:e7:f1"
		":30\",\"mac_resolved\":true,\"ifname\":\"seg0\",\"ring_entries\":2"
		"1845,\"usable\":true,\"packets\":0,\"bytes\":0,\"new_flows\":0,\"p"
		"ps\":0.0,\"fps\":0.0}],\"ok\":true}\n",
		NULL),
};

/* ---- an older lbd's lines: what the headers promise for a gap ---- */

static void check_old_status(const void *p)
{
	const struct keel_ctl_status *s = p;
	const struct keel_ctl_real *r;

	/* No site: not drained; no all_attached: not attached. */
	ck_assert(!s->has_site && !s->site.drained);
	ck_assert(s->has_dataplane && !s->dataplane.has_all_attached &&
		  !s->dataplane.all_attached);
	ck_assert(!s->dataplane.has_conn_insert_limit);
	ck_assert(!s->has_loop && !s->has_agents);
	/* No pair: an lbd from before the pair (readers: synced). */
	ck_assert(!s->has_pair && !s->pair.synced);
	ck_assert(s->has_services && s->n_services == 1);
	r = &s->services[0].reals[0];
	/* No usable: the state alone counts. */
	ck_assert(r->state == KEEL_RS_UP && !r->has_usable);
	ck_assert(s->services[0].pps == 3.0);
}

/* No services: parsed (the gate refuses it), has_services false. */
static void check_no_services(const void *p)
{
	const struct keel_ctl_status *s = p;

	ck_assert(!s->has_services && !s->services && !s->n_services);
	ck_assert_uint_eq(s->generation, 2);
}

static void check_old_stats(const void *p)
{
	const struct keel_ctl_stats *s = p;

	ck_assert(!s->has_conn_insert_limit && s->n_counters == 1);
}

static void check_newer(const void *p)
{
	const struct keel_ctl_change *c = p;

	ck_assert_uint_eq(c->generation, 9);
}

/* The member is sent only for a sorry server; absent reads as false. */
static void check_sorry(const void *p)
{
	const struct keel_ctl_service *v = p;

	ck_assert_uint_eq(v->n_reals, 2);
	ck_assert(v->reals[0].has_sorry && v->reals[0].sorry);
	ck_assert(!v->reals[1].has_sorry && !v->reals[1].sorry);
}

static const struct ctl_case old[] = {
	CTL_GOLD("status before site, usable, all_attached, loop, agents",
		 &k_status, LBD_GOLD_OLD_STATUS, check_old_status),
	CTL_GOLD("status without services", &k_status,
		 "{\"ok\":true,\"generation\":2}", check_no_services),
	CTL_GOLD("stats before conn_insert_limit", &k_stats,
		 "{\"ok\":true,\"counters\":{\"verdict_pass\":1},"
		 "\"conn_entries\":0,\"conn_capacity\":1}",
		 check_old_stats),
	CTL_GOLD("a newer lbd's members are ignored", &k_change,
		 "{\"ok\":true,\"generation\":9,\"pair\":{\"role\":\"master\"},"
		 "\"future\":[1,2,null]}",
		 check_newer),
	CTL_GOLD("a sorry server and an ordinary real", &k_reals,
		 "{\"ok\":true,\"service\":\"s\",\"reals\":[{\"sorry\":true},"
		 "{}]}",
		 check_sorry),
	CTL_GOLD(
		"an lbd from before real_count", &k_services,
		"{\"ok\":true,\"services\":[{\"service\":\"203.0.113.10:80/tcp\"}]}",
		NULL),
};

/* ---- refused ---- */

#define OKS(x) "{\"ok\":true," x "}"
#define REALS_OF(r) OKS("\"service\":\"s\",\"reals\":[" r "]")

static const struct ctl_case bad[] = {
	CTL_BAD("empty", &k_change, "", -EBADMSG, "invalid JSON"),
	CTL_BAD("truncated", &k_status, "{\"ok\":true,\"services\":[", -EBADMSG,
		"invalid JSON"),
	CTL_BAD("an array", &k_change, "[1]", -EBADMSG,
		"must be a JSON object"),
	CTL_BAD("refused, its error quoted", &k_status,
		"{\"ok\":false,\"code\":\"permission_denied\","
		"\"error\":\"status needs the read group\"}",
		-EBADMSG, "refused: status needs the read group"),
	CTL_BAD("ok missing", &k_change, "{\"generation\":1}", -EBADMSG,
		"refused: ?"),
	CTL_BAD("ok a string", &k_change, "{\"ok\":\"true\"}", -EBADMSG,
		"refused: ?"),
	CTL_BAD("duplicate member", &k_change,
		OKS("\"generation\":1,\"generation\":2"), -EBADMSG,
		"duplicate"),
	CTL_BAD("generation a string", &k_change, OKS("\"generation\":\"3\""),
		-EBADMSG, "generation: must be an integer"),
	CTL_BAD("generation negative", &k_change, OKS("\"generation\":-1"),
		-ERANGE, "generation: must be 0.."),
	CTL_BAD("generation a real", &k_change, OKS("\"generation\":1.5"),
		-EBADMSG, "generation: must be an integer"),
	CTL_BAD("an unknown state", &k_reals,
		REALS_OF("{\"state\":\"frozen\"}"), -ERANGE,
		"reals[0].state: unknown value 'frozen'"),
	CTL_BAD("a state a number", &k_reals, REALS_OF("{},{\"state\":1}"),
		-EBADMSG, "reals[1].state: must be a string"),
	CTL_BAD("conns above 32 bits", &k_reals,
		REALS_OF("{\"conns\":4294967296}"), -ERANGE,
		"reals[0].conns: must be 0..4294967295"),
	CTL_BAD("usable null", &k_reals, REALS_OF("{\"usable\":null}"),
		-EBADMSG, "reals[0].usable: must be true or false"),
	CTL_BAD("sorry a string", &k_reals, REALS_OF("{\"sorry\":\"yes\"}"),
		-EBADMSG, "reals[0].sorry: must be true or false"),
	CTL_BAD("admin a string", &k_reals, REALS_OF("{\"admin\":\"x\"}"),
		-EBADMSG, "reals[0].admin: must be an object"),
	CTL_BAD("a real's name too long", &k_reals,
		REALS_OF(
			"{\"real\":\"2001:db8:1111:2222:3333:4444:5555:6666-aaaaaaaaa\"}"),
		-ERANGE, "reals[0].real: must be a string of at most 47"),
	CTL_BAD("a NUL in a name", &k_reals,
		REALS_OF("{\"real\":\"10.0.0.1\\u0000x\"}"), -EBADMSG,
		"invalid JSON"),
	CTL_BAD("pps a string", &k_reals, REALS_OF("{\"pps\":\"1\"}"), -EBADMSG,
		"reals[0].pps: must be a number"),
	CTL_BAD("reals an object", &k_reals, OKS("\"reals\":{}"), -EBADMSG,
		"reals: must be an array"),
	CTL_BAD("a real not an object", &k_reals, REALS_OF("1"), -EBADMSG,
		"reals[0]: must be an object"),
	CTL_BAD("site not an object", &k_site, OKS("\"site\":[]"), -EBADMSG,
		"site: must be an object"),
	CTL_BAD("pair: a link of another name", &k_pair_status,
		OKS("\"pair\":{\"configured\":true,\"peers\":[{\"link\":"
		    "\"sideways\"}]}"),
		-ERANGE, "pair.peers[0].link: unknown value 'sideways'"),
	CTL_BAD("pair: 9 peers", &k_pair_status,
		OKS("\"pair\":{\"configured\":true,\"peers\":[{},{},{},{},"
		    "{},{},{},{},{}]}"),
		-ERANGE, "pair.peers: more than 8 elements"),
	CTL_BAD("pair: configured a string", &k_pair_status,
		OKS("\"pair\":{\"configured\":\"yes\"}"), -EBADMSG,
		"pair.configured: must be"),
	CTL_BAD("since a string", &k_site, OKS("\"site\":{\"since\":\"now\"}"),
		-EBADMSG, "site.since: must be an integer"),
	CTL_BAD("a counter negative", &k_stats,
		OKS("\"counters\":{\"verdict_pass\":-1}"), -ERANGE,
		"counters.verdict_pass: must be 0.."),
	CTL_BAD("a counter's name too long", &k_stats,
		OKS("\"counters\":{\""
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "\":1}"),
		-ERANGE, "name too long"),
	CTL_BAD("counters an array", &k_stats, OKS("\"counters\":[]"), -EBADMSG,
		"counters: must be an object"),
	CTL_BAD("65 interfaces", &k_site,
		OKS("\"dataplane\":{\"attached\":[{},{},{},{},{},{},{},{},{},{},"
		    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
		    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
		    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]}"),
		-ERANGE, "dataplane.attached: more than 64 elements"),
	CTL_BAD("pair not an object", &k_status, OKS("\"pair\":true"), -EBADMSG,
		"pair: must be an object"),
	CTL_BAD("pair.synced a string", &k_status,
		OKS("\"pair\":{\"synced\":\"yes\"}"), -EBADMSG,
		"pair.synced: must be true or false"),
	CTL_BAD("pair.mode a number", &k_status, OKS("\"pair\":{\"mode\":1}"),
		-EBADMSG, "pair.mode: must be a string"),
	CTL_BAD("pair.mode too long", &k_status,
		OKS("\"pair\":{\"mode\":\"abcdefghijklmnop\"}"), -ERANGE,
		"pair.mode: must be a string of at most 15"),
	CTL_BAD("a bad real deep in a status", &k_status,
		OKS("\"services\":[{\"service\":\"a\"},{\"reals\":[{},{},"
		    "{\"admin\":{\"weight\":65536.5}}]}]"),
		-EBADMSG,
		"services[1].reals[2].admin.weight: must be an integer"),
};

/*
 * Empty objects cost 3 bytes of JSON and a whole struct each: a line
 * that asks for more structs than 64 times its size is refused before
 * anything is allocated (16384 empty reals: 48 KiB asking for ~9 MiB).
 */
START_TEST(test_budget)
{
	const char *head = "{\"ok\":true,\"service\":\"s\",\"reals\":[";
	size_t i, n = KEEL_MAX_REALS, len = strlen(head);
	struct keel_ctl_service v;
	char *line = malloc(len + 3 * n + 8), err[256];
	int ret;

	ck_assert_ptr_nonnull(line);
	memcpy(line, head, len);
	for (i = 0; i < n; i++) {
		memcpy(line + len, i ? ",{}" : "{}", i ? 3 : 2);
		len += i ? 3 : 2;
	}
	memcpy(line + len, "]}", 3);
	ret = keel_ctl_reals_parse(line, strlen(line), &v, err, sizeof(err));
	ck_assert_msg(ret == -ERANGE, "ret %d: %s", ret, err);
	ck_assert_msg(strstr(err, "reals: more elements than the line holds"),
		      "%s", err);
	free(line);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(keel_ctl_state_name(KEEL_RS_UNKNOWN), "unknown");
	ck_assert_str_eq(keel_ctl_state_name(KEEL_RS_UP), "up");
	ck_assert_str_eq(keel_ctl_state_name(KEEL_RS_DOWN), "down");
	ck_assert_str_eq(keel_ctl_state_name(KEEL_RS_DRAINING), "draining");
	ck_assert_str_eq(keel_ctl_state_name(KEEL_RS_DRAINING + 1), "unknown");
}
END_TEST

/* Encoding what JSON cannot hold: -EINVAL, not a broken line. */
START_TEST(test_encode_invalid)
{
	struct keel_ctl_service v = { .pps = NAN };
	struct keel_ctl_real r = { .state = KEEL_RS_DRAINING + 1 };
	char buf[4096];

	strcpy(v.service, "s");
	ck_assert_int_eq(keel_ctl_reals_encode(buf, sizeof(buf), &v), -EINVAL);
	v.pps = 0;
	v.has_reals = true;
	v.reals = &r;
	v.n_reals = 1;
	ck_assert_int_eq(keel_ctl_reals_encode(buf, sizeof(buf), &v), -EINVAL);
	r.state = KEEL_RS_UP;
	memset(r.real, 'x', sizeof(r.real));
	ck_assert_int_eq(keel_ctl_reals_encode(buf, sizeof(buf), &v), -EINVAL);
	/* Bytes that are not UTF-8 are written '?', the line stays JSON. */
	snprintf(r.real, sizeof(r.real), "10.0.0.\xff");
	ck_assert_int_gt(keel_ctl_reals_encode(buf, sizeof(buf), &v), 0);
	ck_assert_ptr_nonnull(strstr(buf, "\"real\":\"10.0.0.?\""));
}
END_TEST

/* has_services is the parser's alone: "services" is always written. */
START_TEST(test_services_always_written)
{
	struct keel_ctl_status st = { .generation = 2 };
	struct keel_ctl_status back;
	char buf[4096], err[256];
	int n;

	n = keel_ctl_status_encode(buf, sizeof(buf), &st);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(strstr(buf, ",\"services\":[],\"ok\":true}\n"), "%s",
		      buf);
	ck_assert_int_eq(keel_ctl_status_parse(buf, (size_t)n, &back, err,
					       sizeof(err)),
			 0);
	ck_assert(back.has_services && !back.n_services);
	keel_ctl_status_free(&back);
}
END_TEST

/*
 * The gate's view (keel_ctl_status_gate_parse) of every status golden
 * line reads what the full codec reads, member for member.
 */
static const char *const gate_lines[] = {
	LBD_GOLD_STATUS,     LBD_GOLD_STATUS_EMPTY,
	LBD_GOLD_LAB_STATUS, LBD_GOLD_LAB_STATUS_SUMMARY,
	LBD_GOLD_OLD_STATUS,
};

START_TEST(test_gate_view)
{
	const char *line = gate_lines[_i];
	const struct keel_ctl_service *fs;
	const struct keel_ctl_gate_service *gs;
	struct keel_ctl_gate_view g;
	struct keel_ctl_status f;
	char err[256];
	size_t i, j;

	ck_assert_int_eq(keel_ctl_status_parse(line, strlen(line), &f, err,
					       sizeof(err)),
			 0);
	ck_assert_msg(!keel_ctl_status_gate_parse(line, strlen(line), &g, err,
						  sizeof(err)),
		      "%s", err);
	ck_assert_uint_eq(g.generation, f.generation);
	ck_assert(g.has_site == f.has_site &&
		  g.site.drained == f.site.drained &&
		  g.site.has_since == f.site.has_since &&
		  g.site.since == f.site.since &&
		  !strcmp(g.site.reason, f.site.reason));
	ck_assert(g.has_dataplane == f.has_dataplane &&
		  g.dataplane.has_all_attached ==
			  f.dataplane.has_all_attached &&
		  g.dataplane.all_attached == f.dataplane.all_attached);
	ck_assert_uint_eq(g.dataplane.n_attached, f.dataplane.n_attached);
	for (i = 0; i < g.dataplane.n_attached; i++)
		ck_assert(!strcmp(g.dataplane.attached[i].ifname,
				  f.dataplane.attached[i].ifname) &&
			  g.dataplane.attached[i].attached ==
				  f.dataplane.attached[i].attached);
	ck_assert(g.has_services == f.has_services);
	ck_assert_uint_eq(g.n_services, f.n_services);
	for (i = 0; i < g.n_services; i++) {
		gs = &g.services[i];
		fs = &f.services[i];
		ck_assert_str_eq(gs->service, fs->service);
		ck_assert(gs->has_reals == fs->has_reals);
		ck_assert_uint_eq(gs->n_reals, fs->n_reals);
		for (j = 0; j < gs->n_reals; j++)
			ck_assert(gs->reals[j].state == fs->reals[j].state &&
				  gs->reals[j].has_usable ==
					  fs->reals[j].has_usable &&
				  gs->reals[j].usable == fs->reals[j].usable);
	}
	keel_ctl_gate_view_free(&g);
	ck_assert(!g.services && !g.n_services && !g.dataplane.attached);
	keel_ctl_status_free(&f);
}
END_TEST

/*
 * What only the gate accepts: an unknown state (KEEL_CJ_OPEN: index 0,
 * unknown) and a display-only member of the wrong type; what it still
 * refuses: a member it reads, of the wrong type.
 */
START_TEST(test_gate_view_narrow)
{
	static const char held[] =
		"{\"ok\":true,\"services\":[{\"service\":\"s\",\"reals\":["
		"{\"state\":\"held\"},{\"state\":\"draining\"}]}]}";
	static const char loop[] = "{\"ok\":true,\"loop\":7,\"generation\":3}";
	static const char state[] =
		"{\"ok\":true,\"services\":[{\"service\":\"s\",\"reals\":["
		"{\"state\":1}]}]}";
	struct keel_ctl_gate_view g;
	struct keel_ctl_status f;
	char err[256];

	ck_assert_int_eq(keel_ctl_status_parse(held, strlen(held), &f, err,
					       sizeof(err)),
			 -ERANGE);
	ck_assert_int_eq(keel_ctl_status_gate_parse(held, strlen(held), &g, err,
						    sizeof(err)),
			 0);
	ck_assert(g.n_services == 1 && g.services[0].n_reals == 2);
	ck_assert_uint_eq(g.services[0].reals[0].state, KEEL_RS_UNKNOWN);
	ck_assert_uint_eq(g.services[0].reals[1].state, KEEL_RS_DRAINING);
	keel_ctl_gate_view_free(&g);

	ck_assert_int_eq(keel_ctl_status_parse(loop, strlen(loop), &f, err,
					       sizeof(err)),
			 -EBADMSG);
	ck_assert_int_eq(keel_ctl_status_gate_parse(loop, strlen(loop), &g, err,
						    sizeof(err)),
			 0);
	ck_assert(g.generation == 3 && !g.has_services);

	ck_assert_int_eq(keel_ctl_status_gate_parse(state, strlen(state), &g,
						    err, sizeof(err)),
			 -EBADMSG);
	ck_assert_str_eq(err, "services[0].reals[0].state: must be a string");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keel_ctl_lbd");
	TCase *tc = CTL_TCASE(golden, old, bad);

	tcase_add_test(tc, test_budget);
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_encode_invalid);
	tcase_add_test(tc, test_services_always_written);
	tcase_add_loop_test(tc, test_gate_view, 0,
			    sizeof(gate_lines) / sizeof(gate_lines[0]));
	tcase_add_test(tc, test_gate_view_narrow);
	suite_add_tcase(s, tc);
	return check_run(s);
}
