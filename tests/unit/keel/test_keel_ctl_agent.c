// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_ctl_agent: rs-agent's control answers (table-driven,
 * ctl_answer_test.h).  The golden lines are what ra_ctl.c writes:
 * members, order, null or absent.
 */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_answer_test.h"
#include "keel_ctl_agent.h"

CTL_KIND_FREE(k_status, struct keel_ctl_agent_status, keel_ctl_agent_status,
	      keel_ctl_agent_status_free);
CTL_KIND(k_drain, struct keel_ctl_agent_drain, keel_ctl_agent_drain);

static void check_status(const void *p)
{
	const struct keel_ctl_agent_status *s = p;

	ck_assert_str_eq(s->real, "10.20.0.11");
	ck_assert_str_eq(s->boot_id, "00112233445566778899aabbccddeeff");
	ck_assert(s->boot == 7 && s->report_version == 2 && !s->draining &&
		  s->stopping && s->seq == 1234 && s->load == 0.25);
	ck_assert_uint_eq(s->n_services, 2);
	ck_assert(!s->services[0].has_vip_error && s->services[0].conns == 12);
	ck_assert(s->services[1].has_vip_error);
	ck_assert_str_eq(s->services[1].vip_error, "cannot add VIP: EEXIST");
	ck_assert_uint_eq(s->n_lbs, 2);
	ck_assert(!s->lbs[0].has_last_error && s->lbs[1].has_last_error &&
		  s->lbs[1].errors == 34);
}

static void check_drain(const void *p)
{
	ck_assert(((const struct keel_ctl_agent_drain *)p)->draining);
}

static const struct ctl_case golden[] = {
	CTL_GOLD("status", &k_status,
		 "{\"real\":\"10.20.0.11\","
		 "\"boot_id\":\"00112233445566778899aabbccddeeff\",\"boot\":7,"
		 "\"report_version\":2,\"draining\":false,\"stopping\":true,"
		 "\"seq\":1234,\"interval_ms\":100,\"load\":0.25,\"services\":["
		 "{\"service\":\"203.0.113.10:80/tcp\",\"state\":\"draining\","
		 "\"check\":\"up\",\"detail\":\"connected\",\"conns\":12},"
		 "{\"service\":\"203.0.113.20:80/tcp\",\"state\":\"down\","
		 "\"check\":\"up\",\"detail\":\"cannot add VIP: EEXIST\","
		 "\"conns\":0,\"vip_error\":\"cannot add VIP: EEXIST\"}],\"lbs\":["
		 "{\"lb\":\"10.20.0.2:9460\",\"sent\":1234,\"errors\":0},"
		 "{\"lb\":\"10.20.0.3:9460\",\"sent\":1200,\"errors\":34,"
		 "\"last_error\":\"Network is unreachable\"}],\"ok\":true}\n",
		 check_status),
	CTL_GOLD("drain", &k_drain, "{\"ok\":true,\"draining\":true}\n",
		 check_drain),
	CTL_GOLD("undrain", &k_drain, "{\"ok\":true,\"draining\":false}\n",
		 NULL),
	/* Captured from scripts/lab.sh (lbd, bgp-announcer and rs-agent of
	 * this tree), byte for byte: lbctl --json prints these lines. */
	CTL_GOLD(
		"lab: status", &k_status,
		"{\"real\":\"10.20.0.11\",\"boot_id\":\"28ef835c124f0c53a7e81e05acb"
		"befaa\",\"boot\":1796665497,\"report_version\":2,\"draining\":fals"
		"e,\"stopping\":false,\"seq\":366,\"interval_ms\":100,\"load\":10.1"
		"92,\"services\":[{\"service\":\"203.0.113.10:80/tcp\",\"state\":\""
		"up\",\"check\":\"up\",\"detail\":\"connected\",\"conns\":0}],\"lbs"
		"\":[{\"lb\":\"10.20.0.2:9460\",\"sent\":366,\"errors\":0},{\"lb\":"
		"\"10.20.0.3:9460\",\"sent\":366,\"errors\":0}],\"ok\":true}\n",
		NULL),
};

static void check_old(const void *p)
{
	const struct keel_ctl_agent_status *s = p;

	/* An agent from before boot counters: version 1, boot 0. */
	ck_assert(s->boot == 0 && s->report_version == 0 && s->n_lbs == 0);
	ck_assert_uint_eq(s->n_services, 1);
}

static const struct ctl_case old[] = {
	CTL_GOLD("status before boot, report_version and lbs", &k_status,
		 "{\"ok\":true,\"real\":\"10.0.0.1\",\"boot_id\":\"ab\","
		 "\"draining\":false,\"seq\":1,\"load\":1,\"services\":["
		 "{\"service\":\"203.0.113.10:80/tcp\",\"state\":\"up\"}]}",
		 check_old),
};

static const struct ctl_case bad[] = {
	CTL_BAD("truncated", &k_drain, "{\"ok\":true,", -EBADMSG,
		"invalid JSON"),
	CTL_BAD("refused", &k_drain,
		"{\"ok\":false,\"code\":\"invalid\",\"error\":\"the agent is "
		"stopping\"}",
		-EBADMSG, "refused: the agent is stopping"),
	CTL_BAD("draining a number", &k_drain, "{\"ok\":true,\"draining\":1}",
		-EBADMSG, "draining: must be true or false"),
	CTL_BAD("conns negative", &k_status,
		"{\"ok\":true,\"services\":[{\"conns\":-1}]}", -ERANGE,
		"services[0].conns: must be 0.."),
	CTL_BAD("45 services", &k_status,
		"{\"ok\":true,\"services\":[{},{},{},{},{},{},{},{},{},{},{},{},"
		"{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},"
		"{},{},{},{},{},{},{},{},{},{},{},{}]}",
		-ERANGE, "services: more than 44 elements"),
	CTL_BAD("lbs an object", &k_status, "{\"ok\":true,\"lbs\":{}}",
		-EBADMSG, "lbs: must be an array"),
};

int main(void)
{
	Suite *s = suite_create("keel_ctl_agent");
	TCase *tc = CTL_TCASE(golden, old, bad);

	suite_add_tcase(s, tc);
	return check_run(s);
}
