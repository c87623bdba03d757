/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbd's status answers as lbd writes them (lbd_view.c, lbd_health.c,
 * lbd_ctl.c): the golden lines of test_keel_ctl_lbd.c, shared with
 * test_bgpa_gate.c so that bgp-announcer's gate is tested on the same
 * bytes the codec is pinned to.
 */
#ifndef CTL_LBD_GOLDEN_H
#define CTL_LBD_GOLDEN_H

/* An agent-health real, every member set. */
#define REAL_AGENT                                                               \
	"{\"real\":\"10.20.0.11\",\"id\":1,\"weight\":1,\"effective_weight\":1," \
	"\"state\":\"up\",\"source\":\"agent\",\"health\":\"agent\","            \
	"\"configured_weight\":1,\"report_age_ms\":42,\"conns\":1234,"           \
	"\"load\":0.5,\"agent_restarts\":0,\"agent_protocol\":2,"                \
	"\"agent_boot\":1763800000,\"check\":null,"                              \
	"\"admin\":{\"drain\":false,\"down\":false,\"weight\":null},"            \
	"\"mac\":\"fe:9f:f1:ee:b1:b0\",\"mac_resolved\":true,"                   \
	"\"ifname\":\"seg0\",\"ring_entries\":21846,\"usable\":true,"            \
	"\"packets\":624,\"bytes\":43741,\"new_flows\":104,\"pps\":4.25,"        \
	"\"fps\":0.75}"
/* A tcp-health real, down, drained with a weight override, no MAC yet. */
#define REAL_TCP                                                             \
	"{\"real\":\"2001:db8::12\",\"id\":2,\"weight\":3,"                  \
	"\"effective_weight\":0,\"state\":\"down\",\"source\":\"check\","    \
	"\"health\":\"tcp\",\"configured_weight\":5,\"report_age_ms\":null," \
	"\"conns\":null,\"load\":null,\"agent_restarts\":null,"              \
	"\"agent_protocol\":null,\"agent_boot\":null,"                       \
	"\"check\":\"timeout 500ms\","                                       \
	"\"admin\":{\"drain\":true,\"down\":false,\"weight\":3},"            \
	"\"mac\":null,\"mac_resolved\":false,\"ifname\":null,"               \
	"\"ring_entries\":0,\"usable\":false,\"packets\":0,\"bytes\":0,"     \
	"\"new_flows\":0,\"pps\":0.0,\"fps\":0.0}"
#define SVC_HEAD(name, aware)                                                 \
	"{\"service\":\"" name "\",\"persistent\":false,\"ring_size\":65537," \
	"\"packets\":1800,\"bytes\":126190,\"new_flows\":300,\"pps\":12.5,"   \
	"\"fps\":2.0,\"load_aware\":" aware
#define SVC_REALS                                \
	SVC_HEAD("203.0.113.10:80/tcp", "false") \
	",\"reals\":[" REAL_AGENT "," REAL_TCP "]}"
#define SVC_COUNT                                                          \
	SVC_HEAD("[2001:db8::10]:443/tcp", "true")                         \
	",\"real_count\":{\"total\":2,\"up\":1,\"draining\":0,\"down\":1," \
	"\"unknown\":0,\"usable\":1,\"up_usable\":1,\"selectable\":1}}"
#define SITE_NOT "\"site\":{\"drained\":false,\"since\":null,\"reason\":null}"
#define SITE_DRAINED                                       \
	"\"site\":{\"drained\":true,\"since\":1763780000," \
	"\"reason\":\"maintenance 4\"}"
#define DATAPLANE                                                         \
	"\"dataplane\":{\"all_attached\":false,\"attached\":["            \
	"{\"ifname\":\"seg0\",\"mode\":\"native\",\"attached\":true},"    \
	"{\"ifname\":\"seg1\",\"mode\":\"generic\",\"attached\":false}]," \
	"\"conn_entries\":300,\"conn_capacity\":1048576,"                 \
	"\"conn_insert_limit\":2184}"
#define LOOP                                                                 \
	"\"loop\":{\"stall_max_ms\":1.5,\"stall_max_ms_since_start\":12.25," \
	"\"stalls_over_budget\":2,\"budget_ms\":50,\"window_s\":60,"         \
	"\"heartbeat_ms\":100}"
#define AGENTS                                                          \
	"\"agents\":{\"listen\":\"0.0.0.0:9460\",\"filter\":true,"      \
	"\"busy\":false,\"interval_ms\":100,\"dead_after_ms\":300,"     \
	"\"keep_flows_ms\":5000,\"agents\":3,\"reports\":{\"ok\":5120," \
	"\"malformed\":0,\"version\":0,\"unknown_source\":0,"           \
	"\"wrong_real\":0,\"replay\":1,\"old_boot\":0,\"downgrade\":0," \
	"\"rate_limited\":0,\"bad_mac\":1},\"keys\":[{\"id\":1,"        \
	"\"reports\":5120}],\"probes_not_run\":0}"
/* The LB pair: a bulk under way; no pair: in the config. */
#define PAIR_BULK                                                       \
	"\"pair\":{\"configured\":true,\"synced\":false,\"mode\":null," \
	"\"reason\":\"bulk from lb2: 61% (4.1 s)\"}"
#define PAIR_SINGLE                                                \
	"\"pair\":{\"configured\":false,\"synced\":true,\"mode\":" \
	"\"single\",\"reason\":null}"
#define STATUS_HEAD                                                       \
	"{\"instance\":\"lab-lb1\",\"generation\":3,"                     \
	"\"config\":\"/etc/keel/lbd.yaml\",\"last_reload\":{\"ok\":true," \
	"\"at\":1763780000,\"error\":null},"

/* status: every member, a full service and a summary one. */
#define LBD_GOLD_STATUS                                                      \
	STATUS_HEAD SITE_NOT "," DATAPLANE "," LOOP "," AGENTS "," PAIR_BULK \
			     ",\"services\":[" SVC_REALS "," SVC_COUNT       \
			     "],\"ok\":true}\n"
/* status: no services, no receiver, a failed reload, drained. */
#define LBD_GOLD_STATUS_EMPTY                                                        \
	"{\"instance\":\"default\",\"generation\":0,\"config\":\"c.yaml\","          \
	"\"last_reload\":{\"ok\":false,\"at\":17,\"error\":\"c.yaml:3: "             \
	"ring_size: not a prime\"}," SITE_DRAINED ",\"dataplane\":{"                 \
	"\"all_attached\":false,\"attached\":[],\"conn_entries\":0,"                 \
	"\"conn_capacity\":0,\"conn_insert_limit\":null}," LOOP                      \
	",\"agents\":{\"listen\":null,\"filter\":false,\"busy\":false,"              \
	"\"interval_ms\":100,\"dead_after_ms\":300,\"keep_flows_ms\":5000,"          \
	"\"agents\":0,\"reports\":{},\"keys\":[],\"probes_not_run\":0}," PAIR_SINGLE \
	",\"services\":[],\"ok\":true}\n"
/*
 * Captured from scripts/lab.sh (lbd, bgp-announcer and rs-agent of this
 * tree), byte for byte: lbctl --json prints these lines.
 */
#define LBD_GOLD_LAB_STATUS                                                   \
	"{\"instance\":\"lab-lb1\",\"generation\":4,\"config\":\"/run/keel-"  \
	"lab/lb1.yaml\",\"last_reload\":{\"ok\":true,\"at\":1796665496,\"er"  \
	"ror\":null},\"site\":{\"drained\":false,\"since\":null,\"reason\":"  \
	"null},\"dataplane\":{\"all_attached\":true,\"attached\":[{\"ifname"  \
	"\":\"seg0\",\"mode\":\"native\",\"attached\":true}],\"conn_entries"  \
	"\":0,\"conn_capacity\":65536,\"conn_insert_limit\":0},\"loop\":{\""  \
	"stall_max_ms\":22.672999999999998,\"stall_max_ms_since_start\":22."  \
	"672999999999998,\"stalls_over_budget\":0,\"budget_ms\":50,\"window"  \
	"_s\":60,\"heartbeat_ms\":100},\"agents\":{\"listen\":\"0.0.0.0:946"  \
	"0\",\"filter\":true,\"busy\":false,\"interval_ms\":100,\"dead_afte"  \
	"r_ms\":300,\"keep_flows_ms\":5000,\"agents\":3,\"reports\":{\"ok\""  \
	":371,\"malformed\":0,\"version\":0,\"unknown_source\":0,\"wrong_re"  \
	"al\":0,\"replay\":0,\"old_boot\":0,\"downgrade\":0,\"rate_limited\"" \
	":0,\"bad_mac\":0},\"keys\":[{\"id\":1,\"reports\":371}],\"probes_n"  \
	"ot_run\":0},\"services\":[{\"service\":\"203.0.113.10:80/tcp\",\"p"  \
	"ersistent\":false,\"ring_size\":65537,\"packets\":0,\"bytes\":0,\""  \
	"new_flows\":0,\"pps\":0.0,\"fps\":0.0,\"load_aware\":false,\"reals"  \
	"\":[{\"real\":\"10.20.0.11\",\"id\":1,\"weight\":1,\"effective_wei"  \
	"ght\":1,\"state\":\"up\",\"source\":\"agent\",\"health\":\"agent\""  \
	",\"configured_weight\":1,\"report_age_ms\":73,\"conns\":0,\"load\""  \
	":10.762,\"agent_restarts\":0,\"agent_protocol\":2,\"agent_boot\":1"  \
	"796665497,\"check\":null,\"admin\":{\"drain\":false,\"down\":false"  \
	",\"weight\":null},\"mac\":\"5e:cb:34:05:1e:f7\",\"mac_resolved\":t"  \
	"rue,\"ifname\":\"seg0\",\"ring_entries\":21846,\"usable\":true,\"p"  \
	"ackets\":0,\"bytes\":0,\"new_flows\":0,\"pps\":0.0,\"fps\":0.0},{\"" \
	"real\":\"10.20.0.12\",\"id\":2,\"weight\":1,\"effective_weight\":1"  \
	",\"state\":\"up\",\"source\":\"agent\",\"health\":\"agent\",\"conf"  \
	"igured_weight\":1,\"report_age_ms\":69,\"conns\":0,\"load\":10.762"  \
	",\"agent_restarts\":0,\"agent_protocol\":2,\"agent_boot\":17966654"  \
	"98,\"check\":null,\"admin\":{\"drain\":false,\"down\":false,\"weig"  \
	"ht\":null},\"mac\":\"a2:d5:93:6c:ee:3b\",\"mac_resolved\":true,\"i"  \
	"fname\":\"seg0\",\"ring_entries\":21846,\"usable\":true,\"packets\"" \
	":0,\"bytes\":0,\"new_flows\":0,\"pps\":0.0,\"fps\":0.0},{\"real\":"  \
	"\"10.20.0.13\",\"id\":3,\"weight\":1,\"effective_weight\":1,\"stat"  \
	"e\":\"up\",\"source\":\"agent\",\"health\":\"agent\",\"configured_"  \
	"weight\":1,\"report_age_ms\":91,\"conns\":0,\"load\":10.762,\"agen"  \
	"t_restarts\":0,\"agent_protocol\":2,\"agent_boot\":1796665499,\"ch"  \
	"eck\":null,\"admin\":{\"drain\":false,\"down\":false,\"weight\":nu"  \
	"ll},\"mac\":\"0a:27:fd:e7:f1:30\",\"mac_resolved\":true,\"ifname\""  \
	":\"seg0\",\"ring_entries\":21845,\"usable\":true,\"packets\":0,\"b"  \
	"ytes\":0,\"new_flows\":0,\"pps\":0.0,\"fps\":0.0}]}],\"ok\":true}\n"
/* ... with summary (lbctl status --summary). */
#define LBD_GOLD_LAB_STATUS_SUMMARY                                           \
	"{\"instance\":\"lab-lb1\",\"generation\":10,\"config\":\"/run/keel"  \
	"-lab/lb1.yaml\",\"last_reload\":{\"ok\":true,\"at\":1796665519,\"e"  \
	"rror\":null},\"site\":{\"drained\":false,\"since\":null,\"reason\""  \
	":null},\"dataplane\":{\"all_attached\":true,\"attached\":[{\"ifnam"  \
	"e\":\"seg0\",\"mode\":\"native\",\"attached\":true}],\"conn_entrie"  \
	"s\":0,\"conn_capacity\":65536,\"conn_insert_limit\":0},\"loop\":{\"" \
	"stall_max_ms\":24.698,\"stall_max_ms_since_start\":24.698,\"stalls"  \
	"_over_budget\":0,\"budget_ms\":50,\"window_s\":60,\"heartbeat_ms\""  \
	":100},\"agents\":{\"listen\":\"0.0.0.0:9460\",\"filter\":true,\"bu"  \
	"sy\":false,\"interval_ms\":100,\"dead_after_ms\":300,\"keep_flows_"  \
	"ms\":5000,\"agents\":3,\"reports\":{\"ok\":1129,\"malformed\":0,\""  \
	"version\":0,\"unknown_source\":0,\"wrong_real\":0,\"replay\":0,\"o"  \
	"ld_boot\":0,\"downgrade\":0,\"rate_limited\":0,\"bad_mac\":0},\"ke"  \
	"ys\":[{\"id\":1,\"reports\":1129}],\"probes_not_run\":0},\"service"  \
	"s\":[{\"service\":\"203.0.113.10:80/tcp\",\"persistent\":false,\"r"  \
	"ing_size\":65537,\"packets\":0,\"bytes\":0,\"new_flows\":0,\"pps\""  \
	":0.0,\"fps\":0.0,\"load_aware\":false,\"real_count\":{\"total\":3,"  \
	"\"up\":3,\"draining\":0,\"down\":0,\"unknown\":0,\"usable\":3,\"up"  \
	"_usable\":3,\"selectable\":3}}],\"ok\":true}\n"
/* An lbd from before site, usable, all_attached, loop and agents. */
#define LBD_GOLD_OLD_STATUS                                                  \
	"{\"ok\":true,\"instance\":\"x\",\"generation\":1,\"config\":\"c\"," \
	"\"last_reload\":{\"ok\":true,\"at\":0,\"error\":null},"             \
	"\"dataplane\":{\"attached\":[],\"conn_entries\":0,"                 \
	"\"conn_capacity\":1},\"services\":[{\"service\":"                   \
	"\"203.0.113.10:80/tcp\",\"persistent\":false,\"ring_size\":65537,"  \
	"\"packets\":0,\"bytes\":0,\"new_flows\":0,\"pps\":3,\"fps\":0,"     \
	"\"reals\":[{\"real\":\"10.0.0.1\",\"id\":1,\"weight\":1,"           \
	"\"effective_weight\":1,\"state\":\"up\"}]}]}"

#endif /* CTL_LBD_GOLDEN_H */
