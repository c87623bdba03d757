// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctl_bgpa: bgp-announcer's control answers (table-driven,
 * ctl_answer_test.h).  The golden lines are what bgpa_ctl.c writes:
 * members, order, null or absent.
 */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_answer_test.h"
#include "keel_ctl_bgpa.h"

CTL_KIND_FREE(k_status, struct keel_ctl_bgpa_status, keel_ctl_bgpa_status,
	      keel_ctl_bgpa_status_free);
CTL_KIND_FREE(k_prefixes, struct keel_ctl_bgpa_prefixes, keel_ctl_bgpa_prefixes,
	      keel_ctl_bgpa_prefixes_free);

#define PEER_UP                                                               \
	"{\"name\":\"router\",\"address\":\"10.20.0.1\",\"remote_as\":65000," \
	"\"state\":\"Established\",\"state_for_s\":100,\"established\":true," \
	"\"ipv4\":true,\"ipv6\":false,\"hold_time\":90,\"keepalive\":30,"     \
	"\"last_error_sent\":null,\"last_error_received\":{\"code\":6,"       \
	"\"subcode\":2,\"message\":\"maintenance\",\"at\":1763780000},"       \
	"\"announced\":[\"203.0.113.10/32\",\"2001:db8::10/128\"],"           \
	"\"updates_sent\":2,\"updates_received\":1,\"updates_bad\":0,"        \
	"\"uptime_s\":100,\"last_reason\":\"BFD went down\"}"
#define PEER_DOWN                                                          \
	"{\"name\":\"10.20.0.9\",\"address\":\"10.20.0.9\","               \
	"\"remote_as\":4200000000,\"state\":\"Active\",\"state_for_s\":5," \
	"\"established\":false,\"ipv4\":false,\"ipv6\":false,"             \
	"\"hold_time\":0,\"keepalive\":0,\"last_error_sent\":{\"code\":4," \
	"\"subcode\":0,\"at\":1763780001},\"last_error_received\":null,"   \
	"\"announced\":[],\"updates_sent\":0,\"updates_received\":0,"      \
	"\"updates_bad\":0,\"uptime_s\":null,\"last_reason\":null}"
#define PFX_UP                                                                \
	"{\"prefix\":\"203.0.113.10/32\",\"state\":\"up\",\"announce\":true," \
	"\"peers\":[\"router\"],\"reason\":\"lbd: 203.0.113.10:80/tcp 2/3 "   \
	"up\",\"since\":1763780000"
#define PFX_DOWN                                                              \
	"{\"prefix\":\"2001:db8::10/128\",\"state\":\"down\","                \
	"\"announce\":false,\"peers\":[],\"reason\":\"lbd silent: timeout\"," \
	"\"since\":null"
#define LBD                                                                  \
	"{\"socket\":\"/run/keel/lab-lb1.sock\",\"ok\":false,"               \
	"\"last_result\":\"timeout\",\"polls_ok\":120,\"polls_failed\":1,"   \
	"\"error\":\"lbd silent: timeout\",\"last_ok_at\":1763780100,"       \
	"\"attached\":true,\"site\":{\"drained\":true,\"since\":1763780050," \
	"\"reason\":\"maintenance\"}}"

static void check_status(const void *p)
{
	const struct keel_ctl_bgpa_status *s = p;
	const struct keel_ctl_bgpa_peer *e;

	ck_assert(s->local_as == 65001 && s->uptime_s == 120 &&
		  s->reloads == 1);
	ck_assert(s->has_router_id && s->has_uptime_s && s->has_reloads);
	ck_assert_str_eq(s->router_id, "10.20.0.2");
	ck_assert_uint_eq(s->n_peers, 2);
	e = &s->peers[0];
	ck_assert(e->established && !e->has_last_error_sent &&
		  e->has_last_error_received);
	ck_assert(e->last_error_received.code == 6 &&
		  e->last_error_received.has_message);
	ck_assert(e->n_announced == 2 && e->has_uptime_s && e->has_last_reason);
	ck_assert_str_eq(e->announced[1], "2001:db8::10/128");
	ck_assert_str_eq(e->last_reason, "BFD went down");
	e = &s->peers[1];
	ck_assert(e->remote_as == 4200000000U && e->has_last_error_sent &&
		  !e->last_error_sent.has_message && !e->has_uptime_s &&
		  !e->has_last_reason && e->n_announced == 0);
	ck_assert_uint_eq(s->n_prefixes, 2);
	ck_assert(s->prefixes[0].announce && s->prefixes[0].n_peers == 1 &&
		  s->prefixes[0].has_since && !s->prefixes[1].has_since);
	ck_assert(s->prefixes[0].has_peers && s->prefixes[1].has_peers &&
		  s->prefixes[1].n_peers == 0 && s->prefixes[0].has_reason);
	ck_assert(s->has_lbd && !s->lbd.ok && s->lbd.has_error &&
		  s->lbd.has_attached && s->lbd.site.drained);
	ck_assert_str_eq(s->lbd.site.reason, "maintenance");
	ck_assert(s->has_disable_file && !s->disable_file.exists);
}

static void check_static(const void *p)
{
	const struct keel_ctl_bgpa_status *s = p;

	ck_assert(!s->has_lbd && !s->has_disable_file && s->n_peers == 0);
}

static void check_prefixes(const void *p)
{
	const struct keel_ctl_bgpa_prefixes *x = p;

	ck_assert_uint_eq(x->n_prefixes, 2);
	ck_assert(x->prefixes[0].gated && x->prefixes[0].has_health &&
		  !x->prefixes[0].has_probe);
	ck_assert_str_eq(x->prefixes[0].health, "up");
	ck_assert(!x->prefixes[1].gated && !x->prefixes[1].has_health &&
		  x->prefixes[1].has_probe && x->prefixes[1].fail_safe &&
		  x->prefixes[1].bad_in_row == 3);
	ck_assert_str_eq(x->prefixes[1].probe, "down");
}

static const struct ctl_case golden[] = {
	CTL_GOLD(
		"status", &k_status,
		"{\"local_as\":65001,\"router_id\":\"10.20.0.2\",\"uptime_s\":120,"
		"\"reloads\":1,\"peers\":[" PEER_UP "," PEER_DOWN
		"],\"prefixes\":[" PFX_UP "}," PFX_DOWN "}],\"lbd\":" LBD
		",\"disable_file\":{"
		"\"path\":\"/run/keel/disable\",\"exists\":false},\"ok\":true}\n",
		check_status),
	CTL_GOLD("status without lbd: nor disable_file", &k_status,
		 "{\"local_as\":65001,\"router_id\":\"10.20.0.2\",\"uptime_s\":0,"
		 "\"reloads\":0,\"peers\":[],\"prefixes\":[],\"lbd\":null,"
		 "\"disable_file\":null,\"ok\":true}\n",
		 check_static),
	CTL_GOLD("prefixes", &k_prefixes,
		 "{\"prefixes\":[" PFX_UP ",\"gated\":true,\"fail_safe\":false,"
		 "\"health\":\"up\",\"good_in_row\":5,\"bad_in_row\":0,"
		 "\"probe\":null}," PFX_DOWN
		 ",\"gated\":false,\"fail_safe\":true,"
		 "\"health\":null,\"good_in_row\":0,\"bad_in_row\":3,"
		 "\"probe\":\"down\"}],\"ok\":true}\n",
		 check_prefixes),
	/* Captured from scripts/lab.sh (lbd, bgp-announcer and rs-agent of
	 * this tree), byte for byte: lbctl --json prints these lines. */
	CTL_GOLD(
		"lab: status, lbd site-drained", &k_status,
		"{\"local_as\":65001,\"router_id\":\"10.20.0.2\",\"uptime_s\":21,\""
		"reloads\":0,\"peers\":[{\"name\":\"router\",\"address\":\"10.20.0."
		"1\",\"remote_as\":65000,\"state\":\"Established\",\"state_for_s\":"
		"21,\"established\":true,\"ipv4\":true,\"ipv6\":false,\"hold_time\""
		":9,\"keepalive\":3,\"last_error_sent\":null,\"last_error_received\""
		":null,\"announced\":[],\"updates_sent\":2,\"updates_received\":1,\""
		"updates_bad\":0,\"uptime_s\":21,\"last_reason\":null}],\"prefixes\""
		":[{\"prefix\":\"203.0.113.10/32\",\"state\":\"disabled\",\"announc"
		"e\":false,\"peers\":[],\"reason\":\"site drained: maintenance 4\","
		"\"since\":1796665520}],\"lbd\":{\"socket\":\"/run/keel-lab/lb1.d/c"
		"tl.sock\",\"ok\":true,\"last_result\":\"ok\",\"polls_ok\":103,\"po"
		"lls_failed\":0,\"error\":null,\"last_ok_at\":1796665522,\"attached"
		"\":true,\"site\":{\"drained\":true,\"since\":1796665520,\"reason\""
		":\"maintenance 4\"}},\"disable_file\":{\"path\":\"/run/keel-lab/lb"
		"1.bgp-disable\",\"exists\":false},\"ok\":true}\n",
		NULL),
	CTL_GOLD(
		"lab: prefixes", &k_prefixes,
		"{\"prefixes\":[{\"prefix\":\"203.0.113.10/32\",\"state\":\"up\",\""
		"announce\":true,\"peers\":[\"router\"],\"reason\":\"203.0.113.10:8"
		"0/tcp: 3 reals up\",\"since\":1796665523,\"gated\":true,\"fail_saf"
		"e\":false,\"health\":\"up\",\"good_in_row\":132,\"bad_in_row\":0,\""
		"probe\":null}],\"ok\":true}\n",
		NULL),
};

static void check_old(const void *p)
{
	const struct keel_ctl_bgpa_status *s = p;

	/* An announcer from before lbd:'s site: not drained. */
	ck_assert(s->has_lbd && !s->lbd.site.drained && !s->lbd.has_attached);
	ck_assert(s->has_router_id && !s->has_uptime_s && !s->has_reloads);
}

/* An announcer from before the prefixes' peer names, reason and since. */
static void check_peers_count(const void *p)
{
	const struct keel_ctl_bgpa_status *s = p;
	const struct keel_ctl_bgpa_prefix *x;

	ck_assert(!s->has_router_id && !s->has_uptime_s && !s->has_reloads);
	ck_assert_uint_eq(s->local_as, 65001);
	ck_assert(s->n_peers == 1 && s->peers[0].n_announced == 1);
	ck_assert_uint_eq(s->n_prefixes, 2);
	x = &s->prefixes[0];
	ck_assert(!x->has_peers && !x->peers && x->peers_count == 1);
	ck_assert(!x->has_reason && !x->has_since && x->announce);
	x = &s->prefixes[1];
	ck_assert(!x->has_peers && x->peers_count == 0 && !x->has_reason);
}

static const struct ctl_case old[] = {
	CTL_GOLD("status before lbd.site and lbd.attached", &k_status,
		 "{\"ok\":true,\"local_as\":65001,\"router_id\":\"10.0.0.1\","
		 "\"peers\":[{\"name\":\"r\",\"state\":\"Idle\"}],\"prefixes\":[],"
		 "\"lbd\":{\"socket\":\"/run/keel/x.sock\",\"ok\":true},"
		 "\"newer\":{\"x\":1}}",
		 check_old),
	CTL_GOLD(
		"status with peers as a count, no router_id, uptime_s, "
		"reloads, reason, since",
		&k_status,
		"{\"local_as\":65001,\"peers\":[{\"name\":\"r1\","
		"\"address\":\"10.99.1.1\",\"remote_as\":65000,"
		"\"state\":\"Established\",\"state_for_s\":75,\"uptime_s\":75,"
		"\"announced\":[\"203.0.113.10/32\"],\"last_error_sent\":null,"
		"\"last_error_received\":null,\"last_reason\":null}],"
		"\"prefixes\":[{\"prefix\":\"203.0.113.10/32\",\"state\":\"up\","
		"\"announce\":true,\"peers\":1},{\"prefix\":\"203.0.113.20/32\","
		"\"state\":\"down\",\"announce\":false,\"peers\":0}],"
		"\"ok\":true}",
		check_peers_count),
	CTL_GOLD("prefixes before the detail", &k_prefixes,
		 "{\"ok\":true,\"prefixes\":[{\"prefix\":\"10.0.0.0/24\","
		 "\"state\":\"disabled\",\"announce\":false}]}",
		 NULL),
};

static const struct ctl_case bad[] = {
	CTL_BAD("not JSON", &k_status, "garbage", -EBADMSG, "invalid JSON"),
	CTL_BAD("refused", &k_prefixes,
		"{\"ok\":false,\"code\":\"bad_request\",\"error\":\"unknown cmd\"}",
		-EBADMSG, "refused: unknown cmd"),
	CTL_BAD("local_as above 32 bits", &k_status,
		"{\"ok\":true,\"local_as\":4294967296}", -ERANGE,
		"local_as: must be 0..4294967295"),
	CTL_BAD("announced not strings", &k_status,
		"{\"ok\":true,\"peers\":[{\"announced\":[1]}]}", -EBADMSG,
		"peers[0].announced[0]: must be a string"),
	CTL_BAD("an error not an object", &k_status,
		"{\"ok\":true,\"peers\":[{\"last_error_sent\":\"x\"}]}",
		-EBADMSG, "peers[0].last_error_sent: must be an object"),
	CTL_BAD("lbd's site null", &k_status,
		"{\"ok\":true,\"lbd\":{\"site\":null}}", -EBADMSG,
		"lbd.site: must be an object"),
	CTL_BAD("peers a negative count", &k_status,
		"{\"ok\":true,\"prefixes\":[{\"peers\":-1}]}", -ERANGE,
		"prefixes[0].peers: must be 0..4294967295"),
	CTL_BAD("peers a count above 32 bits", &k_prefixes,
		"{\"ok\":true,\"prefixes\":[{\"peers\":4294967296}]}", -ERANGE,
		"prefixes[0].peers: must be 0..4294967295"),
	CTL_BAD("peers a string", &k_status,
		"{\"ok\":true,\"prefixes\":[{\"peers\":\"1\"}]}", -EBADMSG,
		"prefixes[0].peers: must be an array"),
	CTL_BAD("router_id a number", &k_status,
		"{\"ok\":true,\"router_id\":1}", -EBADMSG,
		"router_id: must be a string"),
	CTL_BAD("a prefix too long", &k_prefixes,
		"{\"ok\":true,\"prefixes\":[{\"prefix\":\""
		"0123456789012345678901234567890123456789012345678901234567890123"
		"\"}]}",
		-ERANGE, "prefixes[0].prefix: must be a string of at most 63"),
};

/* The members a reader accepts absent are written always. */
START_TEST(test_written_always)
{
	struct keel_ctl_bgpa_prefix x = { .prefix = "10.0.0.0/24",
					  .state = "up",
					  .peers_count = 3 };
	struct keel_ctl_bgpa_status st = { .local_as = 1,
					   .prefixes = &x,
					   .n_prefixes = 1 };
	char buf[4096];

	ck_assert_int_gt(keel_ctl_bgpa_status_encode(buf, sizeof(buf), &st), 0);
	ck_assert_str_eq(
		buf,
		"{\"local_as\":1,\"router_id\":\"\",\"uptime_s\":0,\"reloads\":0,"
		"\"peers\":[],\"prefixes\":[{\"prefix\":\"10.0.0.0/24\","
		"\"state\":\"up\",\"announce\":false,\"peers\":[],\"reason\":\"\","
		"\"since\":null}],\"lbd\":null,\"disable_file\":null,"
		"\"ok\":true}\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keel_ctl_bgpa");
	TCase *tc = CTL_TCASE(golden, old, bad);

	tcase_add_test(tc, test_written_always);
	suite_add_tcase(s, tc);
	return check_run(s);
}
