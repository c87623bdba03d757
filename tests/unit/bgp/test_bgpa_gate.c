// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_gate.c alone (health gating's decisions, docs/bgp-announcer.md
 * "Health gating"): tables of lbd answers and what is read from them (or
 * the refusal), VIPs against prefixes, samples (min_up, services, the
 * fail-safe causes, probes), rise/fall sequences, the state precedence
 * with disabled_withdraw_after, the commit of a decision; then a few
 * scenarios through all of it as bgpa_health.c drives it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgpa_gate.h"
#include "check_run.h"
#include "ctl_lbd_golden.h"
#include "keel_addr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* "203.0.113.0/24" or "2001:db8::/32" */
static struct bgp_prefix pfx_of(const char *s)
{
	const char *slash = strchr(s, '/');
	struct bgp_prefix p;
	char a[64];

	memset(&p, 0, sizeof(p));
	ck_assert_ptr_nonnull(slash);
	snprintf(a, sizeof(a), "%.*s", (int)(slash - s), s);
	if (inet_pton(AF_INET, a, p.addr) == 1) {
		p.afi = BGP_AFI_IPV4;
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, a, p.addr), 1);
		p.afi = BGP_AFI_IPV6;
	}
	p.len = (uint8_t)atoi(slash + 1);
	return p;
}

static struct keel_vip_key vip_of(const char *s)
{
	struct keel_vip_key k;

	ck_assert_msg(!keel_vip_parse(s, &k), "bad service %s in the test", s);
	return k;
}

/*
 * A prefix as bgpa_config leaves it (announce, min_up 1, rise 3, fall 2),
 * with services (space-separated, NULL: every lbd service inside it).
 */
static void cfg_prefix(struct bgpa_cfg_prefix *c, const char *pfx,
		       const char *services, uint32_t min_up, bool probe)
{
	char buf[512], *tok, *save = NULL;

	memset(c, 0, sizeof(*c));
	c->pfx = pfx_of(pfx);
	c->announce = true;
	c->min_up = min_up ? min_up : 1;
	c->rise = 3;
	c->fall = 2;
	c->probe.set = probe;
	if (!services)
		return;
	c->has_services = true;
	snprintf(buf, sizeof(buf), "%s", services);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		c->services[c->n_services++] = vip_of(tok);
}

/* "SVC up/reals, ..." */
static void svcs_str(const struct bgpa_gate_lbd *l, char *buf, size_t size)
{
	size_t i, n = 0;
	char name[80];

	buf[0] = '\0';
	for (i = 0; i < l->n_svcs && n < size; i++) {
		keel_vip_format(&l->svcs[i].key, name, sizeof(name));
		n += (size_t)snprintf(buf + n, size - n, "%s%s %u/%u",
				      i ? ", " : "", name, l->svcs[i].up,
				      l->svcs[i].reals);
	}
}

static void parse_ok(const char *line, struct bgpa_gate_lbd *l)
{
	char why[BGPA_REASON_MAX] = "";
	int ret = bgpa_gate_parse(line, strlen(line), l, why, sizeof(why));

	ck_assert_msg(ret == 0, "test answer refused: %s", why);
}

/* ---- lbd's answers ---- */

#define UP_ "{\"state\":\"up\",\"usable\":true}"
#define DN_ "{\"state\":\"down\",\"usable\":false}"
#define SVC(name, reals) "{\"service\":\"" name "\",\"reals\":[" reals "]}"
#define ANSWER(svcs, rest) "{\"ok\":true,\"services\":[" svcs "]" rest "}"
#define ATT ",\"dataplane\":{\"all_attached\":true}"

/* What every parse starts from: a drained site with one service. */
#define BEFORE                                                          \
	ANSWER(SVC("192.0.2.1:80/tcp", UP_),                            \
	       ATT ",\"site\":{\"drained\":true,\"reason\":\"before\"," \
		   "\"since\":5},\"generation\":9")

/* A refused answer: only the reason matters. */
#define BAD(n, l, w)                                                  \
	{                                                             \
		.name = (n), .line = (l), .ret = -EBADMSG, .why = (w) \
	}
/* ... refused for a value out of range (keel_ctl_lbd's -ERANGE). */
#define BAD_RANGE(n, l, w)                                           \
	{                                                            \
		.name = (n), .line = (l), .ret = -ERANGE, .why = (w) \
	}

static const struct parse_case {
	const char *name, *line;
	int ret;
	const char *why; /* the refusal; a trailing '*': its beginning */
	const char *svcs; /* as svcs_str() writes them */
	bool attached;
	const char *detached;
	bool drained;
	const char *drain_reason;
	long drain_since;
	uint64_t generation;
} parse_cases[] = {
	/* accepted */
	{ "no services", ANSWER("", ATT), 0, "", "", true, "", false, "", 0,
	  0 },
	{ "IPv4: up and usable counts, down or unusable does not, no "
	  "usable member is the state alone",
	  ANSWER(SVC("203.0.113.10:80/tcp",
		     UP_ "," DN_ ",{\"state\":\"up\",\"usable\":false},"
			 "{\"state\":\"down\",\"usable\":true},"
			 "{\"state\":\"up\"}"),
		 ATT),
	  0, "", "203.0.113.10:80/tcp 2/5", true, "", false, "", 0, 0 },
	{ "IPv6 and a port-less service",
	  ANSWER(SVC("[2001:db8::10]:443/tcp", UP_) "," SVC("203.0.113.20/udp",
							    ""),
		 ATT),
	  0, "", "[2001:db8::10]:443/tcp 1/1, 203.0.113.20:0/udp 0/0", true, "",
	  false, "", 0, 0 },
	{ "a real draining, unknown or without state is not up",
	  ANSWER(SVC("203.0.113.10:80/tcp",
		     "{\"state\":\"draining\",\"usable\":true},"
		     "{\"state\":\"unknown\",\"usable\":true},"
		     "{\"usable\":true}"),
		 ATT),
	  0, "", "203.0.113.10:80/tcp 0/3", true, "", false, "", 0, 0 },
	{ "a sorry server up is not serving capacity; sorry false is a real",
	  ANSWER(SVC("203.0.113.10:80/tcp",
		     DN_ ",{\"state\":\"up\",\"usable\":true,\"sorry\":true},"
			 "{\"state\":\"up\",\"usable\":true,\"sorry\":false}"),
		 ATT),
	  0, "", "203.0.113.10:80/tcp 1/3", true, "", false, "", 0, 0 },
	{ "missing all_attached is not attached", ANSWER("", ""), 0, "", "",
	  false, "", false, "", 0, 0 },
	{ "the detached interfaces listed (attached missing: false)",
	  ANSWER("", ",\"dataplane\":{\"all_attached\":false,\"attached\":["
		     "{\"ifname\":\"seg0\",\"attached\":false},"
		     "{\"ifname\":\"seg1\",\"attached\":true},"
		     "{\"ifname\":\"seg2\",\"attached\":false},"
		     "{\"ifname\":\"seg3\"}]}"),
	  0, "", "", false, "seg0, seg2, seg3", false, "", 0, 0 },
	{ "drained with reason and since",
	  ANSWER("", ATT ",\"site\":{\"drained\":true,\"reason\":\"power "
			 "work\",\"since\":1700000000}"),
	  0, "", "", true, "", true, "power work", 1700000000, 0 },
	{ "drained without reason or since",
	  ANSWER("", ATT ",\"site\":{\"drained\":true}"), 0, "", "", true, "",
	  true, "", 0, 0 },
	{ "not drained: its reason and since ignored",
	  ANSWER("", ATT ",\"site\":{\"drained\":false,\"reason\":\"x\","
			 "\"since\":3}"),
	  0, "", "", true, "", false, "", 0, 0 },
	{ "a reason on two lines is dropped, the drain kept",
	  ANSWER("", ATT ",\"site\":{\"drained\":true,\"reason\":\"a\\nb\"}"),
	  0, "", "", true, "", true, "", 0, 0 },
	{ "drained, reason and since null",
	  ANSWER("", ATT ",\"site\":{\"drained\":true,\"reason\":null,"
			 "\"since\":null}"),
	  0, "", "", true, "", true, "", 0, 0 },
	{ "no site member: an lbd from before site drain",
	  ANSWER("", ATT ",\"generation\":42"), 0, "", "", true, "", false, "",
	  0, 42 },
	{ "unknown members ignored",
	  ANSWER(SVC("203.0.113.10:80/tcp", UP_), ATT ",\"model\":\"x\","
						      "\"future\":[1,2]"),
	  0, "", "203.0.113.10:80/tcp 1/1", true, "", false, "", 0, 0 },
	/* A state a newer lbd adds is not up; the rest of the answer counts. */
	{ "a state not lbd's (held) is not up, the others count",
	  ANSWER(SVC("203.0.113.10:80/tcp",
		     UP_ ",{\"state\":\"held\",\"usable\":true}," UP_),
		 ATT),
	  0, "", "203.0.113.10:80/tcp 2/3", true, "", false, "", 0, 0 },
	{ "a state not lbd's (upper case) is not up",
	  ANSWER(SVC("203.0.113.10:80/tcp",
		     UP_ ",{\"state\":\"UP\",\"usable\":true}"),
		 ATT),
	  0, "", "203.0.113.10:80/tcp 1/2", true, "", false, "", 0, 0 },
	/* Display-only members are not read, whatever their type. */
	{ "loop not an object",
	  ANSWER(SVC("203.0.113.10:80/tcp", UP_), ATT ",\"loop\":7"), 0, "",
	  "203.0.113.10:80/tcp 1/1", true, "", false, "", 0, 0 },
	{ "display-only members of the wrong type, at every level",
	  ANSWER("{\"service\":\"203.0.113.10:80/tcp\",\"pps\":\"x\","
		 "\"persistent\":1,\"real_count\":[],\"reals\":["
		 "{\"state\":\"up\",\"usable\":true,\"load\":\"high\","
		 "\"check\":5,\"agent_boot\":-1,\"agent_protocol\":\"2\","
		 "\"admin\":null,\"real\":[],\"weight\":-3}]}",
		 ",\"dataplane\":{\"all_attached\":true,\"conn_entries\":-1,"
		 "\"conn_insert_limit\":\"x\",\"attached\":[{\"ifname\":"
		 "\"seg0\",\"attached\":true,\"mode\":7}]},"
		 "\"agents\":{\"reports\":{\"ok\":-1},\"keys\":1},"
		 "\"last_reload\":[],\"instance\":7,\"config\":null,"
		 "\"generation\":8"),
	  0, "", "203.0.113.10:80/tcp 1/1", true, "", false, "", 0, 8 },
	/* lbd's own lines (ctl_lbd_golden.h, the codec's golden rows). */
	{ "lbd's status captured in the lab", LBD_GOLD_LAB_STATUS, 0, "",
	  "203.0.113.10:80/tcp 3/3", true, "", false, "", 0, 4 },
	{ "lbd's status: no services, seg list empty, drained",
	  LBD_GOLD_STATUS_EMPTY, 0, "", "", false, "", true, "maintenance 4",
	  1763780000, 0 },
	{ "an older lbd's status (no site, usable, all_attached)",
	  LBD_GOLD_OLD_STATUS, 0, "", "203.0.113.10:80/tcp 1/1", false, "",
	  false, "", 0, 1 },
	/*
	 * The summary form (lbctl status --summary) has no reals: the gate
	 * never asks for it, and refuses it rather than guess.
	 */
	BAD("lbd's status with a summary service", LBD_GOLD_STATUS,
	    "services[1].reals: missing"),
	BAD("lbd's status with summary, captured in the lab",
	    LBD_GOLD_LAB_STATUS_SUMMARY, "services[0].reals: missing"),
	/* refused: not JSON */
	BAD("empty line", "", "invalid JSON at column *"),
	BAD("not JSON", "garbage", "invalid JSON at column *"),
	BAD("truncated", "{\"ok\":true,\"services\":[",
	    "invalid JSON at column *"),
	BAD("trailing garbage", ANSWER("", ATT) " x",
	    "invalid JSON at column *"),
	BAD("an array", "[1,2]", "answer must be a JSON object"),
	BAD("a string", "\"ok\"", "invalid JSON at column *"),
	/* refused: ok is not true */
	BAD("ok:false with its error",
	    "{\"ok\":false,\"code\":\"invalid\",\"error\":\"permission "
	    "denied\"}",
	    "refused: permission denied"),
	BAD("ok:false without error", "{\"ok\":false}", "refused: ?"),
	BAD("ok missing", "{\"services\":[]}", "refused: ?"),
	BAD("ok as a string", "{\"ok\":\"true\",\"services\":[]}",
	    "refused: ?"),
	BAD("ok as 1", "{\"ok\":1,\"services\":[]}", "refused: ?"),
	BAD("error not a string", "{\"ok\":false,\"error\":5}", "refused: ?"),
	/* refused: members missing or of the wrong type */
	BAD("services missing", "{\"ok\":true}", "no services list"),
	BAD("services an object", "{\"ok\":true,\"services\":{}}",
	    "services: must be an array"),
	BAD("services null", "{\"ok\":true,\"services\":null}",
	    "services: must be an array"),
	BAD("a service not an object", ANSWER("1", ATT),
	    "services[0]: must be an object"),
	BAD("service name missing", ANSWER("{\"reals\":[]}", ATT),
	    "services[0].service: not a service"),
	BAD("service name a number",
	    ANSWER("{\"service\":80,\"reals\":[]}", ATT),
	    "services[0].service: must be a string"),
	BAD("service name not a service", ANSWER(SVC("203.0.113.10", ""), ATT),
	    "services[0].service: not a service"),
	BAD("service with a bad protocol",
	    ANSWER(SVC("203.0.113.10:80/xyz", ""), ATT),
	    "services[0].service: not a service"),
	BAD("reals missing",
	    ANSWER("{\"service\":\"203.0.113.10:80/tcp\"}", ATT),
	    "services[0].reals: missing"),
	BAD("reals an object",
	    ANSWER("{\"service\":\"203.0.113.10:80/tcp\",\"reals\":{}}", ATT),
	    "services[0].reals: must be an array"),
	BAD("a real's state a number",
	    ANSWER(SVC("203.0.113.10:80/tcp", "{\"state\":1}"), ATT),
	    "services[0].reals[0].state: must be a string"),
	BAD("a real not an object",
	    ANSWER(SVC("203.0.113.10:80/tcp", "1"), ATT),
	    "services[0].reals[0]: must be an object"),
	BAD("the second service malformed, after a good one",
	    ANSWER(SVC("203.0.113.10:80/tcp", UP_) ",{\"service\":\"x\"}", ATT),
	    "services[1].service: not a service"),
	/*
	 * refused: a member the gate reads, of the wrong type (the gate
	 * fails on what it reads: lbd is unusable for this poll, it withdraws)
	 */
	BAD("usable null",
	    ANSWER(SVC("203.0.113.10:80/tcp",
		       "{\"state\":\"up\",\"usable\":null}"),
		   ATT),
	    "services[0].reals[0].usable: must be true or false"),
	BAD("usable a string",
	    ANSWER(SVC("203.0.113.10:80/tcp",
		       "{\"state\":\"up\",\"usable\":\"true\"}"),
		   ATT),
	    "services[0].reals[0].usable: must be true or false"),
	BAD("all_attached a string",
	    ANSWER("", ",\"dataplane\":{\"all_attached\":\"true\"}"),
	    "dataplane.all_attached: must be true or false"),
	BAD("an interface name a number",
	    ANSWER("", ",\"dataplane\":{\"all_attached\":false,\"attached\":["
		       "{\"ifname\":\"seg0\",\"attached\":false},"
		       "{\"ifname\":7,\"attached\":false}]}"),
	    "dataplane.attached[1].ifname: must be a string"),
	BAD("drained a string",
	    ANSWER("", ATT ",\"site\":{\"drained\":\"yes\"}"),
	    "site.drained: must be true or false"),
	BAD("a drain reason a number",
	    ANSWER("", ATT ",\"site\":{\"drained\":true,\"reason\":1}"),
	    "site.reason: must be a string"),
	BAD("since a string",
	    ANSWER("", ATT ",\"site\":{\"drained\":true,\"since\":\"now\"}"),
	    "site.since: must be an integer"),
	BAD("generation a string", ANSWER("", ATT ",\"generation\":\"42\""),
	    "generation: must be an integer"),
	BAD_RANGE("generation negative", ANSWER("", ATT ",\"generation\":-1"),
		  "generation: must be 0..*"),
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parse_cases[_i];
	struct bgpa_gate_lbd l;
	char why[BGPA_REASON_MAX] = "", svcs[512];
	size_t n;
	int ret;

	memset(&l, 0, sizeof(l));
	parse_ok(BEFORE, &l);
	ret = bgpa_gate_parse(c->line, strlen(c->line), &l, why, sizeof(why));
	ck_assert_msg(ret == c->ret, "%s: ret %d (%s), want %d", c->name, ret,
		      why, c->ret);
	svcs_str(&l, svcs, sizeof(svcs));
	if (ret) {
		n = strlen(c->why);
		if (c->why[n - 1] == '*')
			ck_assert_msg(!strncmp(why, c->why, n - 1),
				      "%s: why \"%s\"", c->name, why);
		else
			ck_assert_msg(!strcmp(why, c->why), "%s: why \"%s\"",
				      c->name, why);
		/* Refused: the last answer stands (a drain stays). */
		ck_assert_str_eq(svcs, "192.0.2.1:80/tcp 1/1");
		ck_assert(l.drained);
		ck_assert_str_eq(l.drain_reason, "before");
		ck_assert_int_eq(l.drain_since, 5);
		ck_assert(l.attached);
		ck_assert_uint_eq(l.generation, 9);
	} else {
		ck_assert_msg(!strcmp(svcs, c->svcs), "%s: services \"%s\"",
			      c->name, svcs);
		ck_assert_msg(l.attached == c->attached, "%s: attached",
			      c->name);
		ck_assert_msg(!strcmp(l.detached, c->detached),
			      "%s: detached \"%s\"", c->name, l.detached);
		ck_assert_msg(l.drained == c->drained, "%s: drained", c->name);
		ck_assert_msg(!strcmp(l.drain_reason, c->drain_reason),
			      "%s: drain reason \"%s\"", c->name,
			      l.drain_reason);
		ck_assert_msg(l.drain_since == c->drain_since, "%s: since %ld",
			      c->name, (long)l.drain_since);
		ck_assert_msg(l.generation == c->generation, "%s: generation",
			      c->name);
	}
	bgpa_gate_lbd_free(&l);
	ck_assert_ptr_null(l.svcs);
	ck_assert_uint_eq(l.n_svcs, 0);
}
END_TEST

/*
 * Interface names: at most 15 bytes (IFNAMSIZ), the list cut at 127; a
 * longer name is refused (ifname is a member the gate reads).
 */
static int parse_detached(const char *name, struct bgpa_gate_lbd *l, char *why,
			  size_t size)
{
	char line[2048];
	size_t n;
	int i;

	n = (size_t)snprintf(line, sizeof(line),
			     "{\"ok\":true,\"services\":[],\"dataplane\":{"
			     "\"all_attached\":false,\"attached\":[");
	for (i = 0; i < 8; i++)
		n += (size_t)snprintf(
			line + n, sizeof(line) - n,
			"%s{\"ifname\":\"%s\",\"attached\":false}",
			i ? "," : "", name);
	snprintf(line + n, sizeof(line) - n, "]}}");
	return bgpa_gate_parse(line, strlen(line), l, why, size);
}

START_TEST(test_parse_detached_long)
{
	static const char name[] = "abcdefghijklmno";
	struct bgpa_gate_lbd l;
	char why[BGPA_REASON_MAX], want[160];

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(parse_detached(name, &l, why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "%s, %s, %s, %s, %s, %s, %s, %.8s", name,
		 name, name, name, name, name, name, name);
	ck_assert_uint_eq(strlen(l.detached), 127);
	ck_assert_str_eq(l.detached, want);
	ck_assert_int_eq(parse_detached("abcdefghijklmnop", &l, why,
					sizeof(why)),
			 -ERANGE);
	ck_assert_str_eq(why, "dataplane.attached[0].ifname: must be a string "
			      "of at most 15 bytes, no NUL");
	ck_assert_str_eq(l.detached, want);
	bgpa_gate_lbd_free(&l);
}
END_TEST

/* The line is len bytes, not up to a NUL: a line with its newline cut. */
START_TEST(test_parse_len)
{
	static const char line[] =
		ANSWER(SVC("203.0.113.10:80/tcp", UP_), ATT) "\n{garbage";
	struct bgpa_gate_lbd l;
	char why[BGPA_REASON_MAX];

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(bgpa_gate_parse(line, strcspn(line, "\n"), &l, why,
					 sizeof(why)),
			 0);
	ck_assert_uint_eq(l.n_svcs, 1);
	/* One byte short: no longer JSON. */
	ck_assert_int_eq(bgpa_gate_parse(line, strcspn(line, "\n") - 1, &l, why,
					 sizeof(why)),
			 -EBADMSG);
	ck_assert_uint_eq(l.n_svcs, 1);
	bgpa_gate_lbd_free(&l);
}
END_TEST

/* ---- a VIP inside a prefix ---- */

static const struct in_case {
	const char *svc, *pfx;
	bool in;
} in_cases[] = {
	{ "203.0.113.10:80/tcp", "203.0.113.10/32", true },
	{ "203.0.113.10:80/tcp", "203.0.113.11/32", false },
	{ "203.0.113.10:80/tcp", "203.0.113.0/24", true },
	{ "203.0.113.10:80/tcp", "203.0.114.0/24", false },
	{ "203.0.113.10:80/tcp", "203.0.112.0/23", true },
	{ "203.0.114.1:80/tcp", "203.0.112.0/23", false },
	{ "203.0.113.10:80/tcp", "203.0.113.8/29", true },
	{ "203.0.113.15:80/tcp", "203.0.113.8/29", true },
	{ "203.0.113.16:80/tcp", "203.0.113.8/29", false },
	{ "203.0.113.7:80/tcp", "203.0.113.8/29", false },
	{ "203.0.113.200:80/tcp", "203.0.113.128/25", true },
	{ "203.0.113.10:80/tcp", "203.0.113.128/25", false },
	{ "203.0.113.10:80/tcp", "0.0.0.0/0", true },
	{ "203.0.113.10/udp", "203.0.113.10/32", true },
	{ "[2001:db8::10]:80/tcp", "2001:db8::10/128", true },
	{ "[2001:db8::10]:80/tcp", "2001:db8::11/128", false },
	{ "[2001:db8::10]:80/tcp", "2001:db8::/32", true },
	{ "[2001:db8::10]:80/tcp", "2001:db9::/32", false },
	{ "[2001:db8::10]:80/tcp", "2001:db8::/123", true },
	{ "[2001:db8::10]:80/tcp", "2001:db8::/124", false },
	{ "[2001:db8::10]:80/tcp", "2001:db8::/125", false },
	{ "[2001:db8::8000:0:0:1]:80/tcp", "2001:db8:0:0:8000::/65", true },
	{ "[2001:db8::1]:80/tcp", "2001:db8:0:0:8000::/65", false },
	{ "[2001:db8::10]:80/tcp", "::/0", true },
	/* the families never mix, whatever the bytes */
	{ "[2001:db8::10]:80/tcp", "0.0.0.0/0", false },
	{ "203.0.113.10:80/tcp", "::/0", false },
	{ "203.0.113.10:80/tcp", "cb00:710a::/32", false },
	{ "[cb00:710a::]:80/tcp", "203.0.113.10/32", false },
};

START_TEST(test_in_prefix)
{
	const struct in_case *c = &in_cases[_i];
	struct keel_vip_key k = vip_of(c->svc);
	struct bgp_prefix p = pfx_of(c->pfx);

	ck_assert_msg(bgpa_gate_in_prefix(&k, &p) == c->in, "%s in %s: %d",
		      c->svc, c->pfx, !c->in);
}
END_TEST

/* ---- lbd's pair (docs/pair.md, "Gating") ---- */

#define PAIR(x) ANSWER(SVC("192.0.2.1:80/tcp", UP_), ATT ",\"pair\":" x)
#define PAIR_NOT(r)                                                              \
	PAIR("{\"configured\":true,\"synced\":false,\"mode\":null,\"reason\":" r \
	     "}")

static const struct pair_case {
	const char *name, *line;
	int ret;
	const char *why; /* refused: the reason */
	bool synced;
	const char *reason;
} pair_cases[] = {
	{ "no pair: an lbd from before the pair, synced", ANSWER("", ATT), 0,
	  "", true, "" },
	{ "no pair: in lbd's config",
	  PAIR("{\"configured\":false,\"synced\":"
	       "true,\"mode\":\"single\","
	       "\"reason\":null}"),
	  0, "", true, "" },
	{ "synced after a bulk",
	  PAIR("{\"configured\":true,\"synced\":true,\"mode\":\"bulk\","
	       "\"reason\":\"bulk from lb2: 9 entries in 1 s\"}"),
	  0, "", true, "" },
	{ "not synced, with lbd's reason",
	  PAIR_NOT("\"bulk from lb2: 61% (4.1 s)\""), 0, "", false,
	  "bulk from lb2: 61% (4.1 s)" },
	{ "not synced, reason null", PAIR_NOT("null"), 0, "", false, "?" },
	{ "not synced, a reason on two lines is dropped", PAIR_NOT("\"a\\nb\""),
	  0, "", false, "?" },
	{ "pair without synced: not synced (fail safe)",
	  PAIR("{\"configured\":true}"), 0, "", false, "pair.synced missing" },
	{ "pair's display-only members of any type are not read",
	  PAIR("{\"configured\":\"x\",\"mode\":7,\"synced\":true,\"peers\":1}"),
	  0, "", true, "" },
	{ "lbd's status without pair: (golden)", LBD_GOLD_STATUS_EMPTY, 0, "",
	  true, "" },
	/* refused: what the gate reads, of the wrong type (withdraw) */
	{ "pair a number", PAIR("7"), -EBADMSG, "pair: must be an object",
	  false, "" },
	{ "pair null", PAIR("null"), -EBADMSG, "pair: must be an object", false,
	  "" },
	{ "pair.synced a string", PAIR("{\"synced\":\"true\"}"), -EBADMSG,
	  "pair.synced: must be true or false", false, "" },
	{ "pair.synced null", PAIR("{\"synced\":null}"), -EBADMSG,
	  "pair.synced: must be true or false", false, "" },
	{ "pair.reason a number", PAIR_NOT("5"), -EBADMSG,
	  "pair.reason: must be a string", false, "" },
};

START_TEST(test_pair)
{
	const struct pair_case *c = &pair_cases[_i];
	struct bgpa_gate_lbd l;
	char why[BGPA_REASON_MAX] = "";
	int ret;

	memset(&l, 0, sizeof(l));
	parse_ok(BEFORE, &l);
	ck_assert(l.pair_synced);
	ret = bgpa_gate_parse(c->line, strlen(c->line), &l, why, sizeof(why));
	ck_assert_msg(ret == c->ret, "%s: ret %d (%s), want %d", c->name, ret,
		      why, c->ret);
	if (ret) {
		ck_assert_msg(!strcmp(why, c->why), "%s: why \"%s\"", c->name,
			      why);
		/* Refused: the last answer (synced, drained) stands. */
		ck_assert(l.pair_synced && l.drained);
	} else {
		ck_assert_msg(l.pair_synced == c->synced, "%s: synced %d",
			      c->name, l.pair_synced);
		ck_assert_msg(!strcmp(l.pair_reason, c->reason),
			      "%s: reason \"%s\"", c->name, l.pair_reason);
	}
	bgpa_gate_lbd_free(&l);
}
END_TEST

/* A reason longer than the codec's buffer is out of range: refused. */
START_TEST(test_pair_reason_long)
{
	char line[1024], r[300], why[BGPA_REASON_MAX] = "";
	struct bgpa_gate_lbd l;
	int ret;

	memset(&l, 0, sizeof(l));
	memset(r, 'r', sizeof(r) - 1);
	r[sizeof(r) - 1] = '\0';
	snprintf(line, sizeof(line),
		 "{\"ok\":true,\"services\":[],\"pair\":{\"synced\":false,"
		 "\"reason\":\"%s\"}}",
		 r);
	ret = bgpa_gate_parse(line, strlen(line), &l, why, sizeof(why));
	ck_assert_msg(ret == -ERANGE, "ret %d: %s", ret, why);
	ck_assert_msg(!strncmp(why, "pair.reason: must be a string of at most",
			       40),
		      "%s", why);
}
END_TEST

/* ---- one sample ---- */

/* lbd's usual answer in the sample table. */
#define SITE                                                                                                      \
	ANSWER(SVC("203.0.113.10:80/tcp", UP_ "," UP_ "," UP_) "," SVC(                                           \
		       "203.0.113.10:443/tcp", UP_                                                                \
		       "," DN_) "," SVC("203.0.113.20:80/tcp", DN_                                                \
					"," DN_) "," SVC("[2001:db8::10]:80/tcp",                                 \
							 UP_                                                      \
							 "," UP_) "," SVC("198.51.100.5:53/udp",                  \
									  UP_                                     \
									  "," UP_) "," SVC("198.51.100.6:53/udp", \
											   ""),                   \
	       ATT)
#define SILENT "lbd silent: no answer within 500ms"
#define NOPROBE 0xff /* no probe: in the prefix */

static const struct sample_case {
	const char *name;
	const char *answer; /* lbd's last answer; NULL: no lbd: */
	const char *lbd_error; /* the last poll failed so; NULL: it did not */
	const char *pfx, *services;
	uint32_t min_up;
	uint8_t probe; /* KEEL_RS_*, or NOPROBE */
	const char *detail;
	bool ok, failsafe;
	const char *reason;
} sample_cases[] = {
	/* every service inside the prefix */
	{ "one service inside", SITE, NULL, "198.51.100.5/32", NULL, 1, NOPROBE,
	  "", true, false, "198.51.100.5:53/udp: 2 reals up" },
	{ "two services inside, each with min_up", SITE, NULL,
	  "203.0.113.10/32", NULL, 1, NOPROBE, "", true, false,
	  "2 services, each with at least 1 reals up" },
	{ "two inside, one short of min_up 2", SITE, NULL, "203.0.113.10/32",
	  NULL, 2, NOPROBE, "", false, false,
	  "203.0.113.10:443/tcp has 1 of min 2 reals up" },
	{ "min_up equal to the reals up", SITE, NULL, "198.51.100.5/32", NULL,
	  2, NOPROBE, "", true, false, "198.51.100.5:53/udp: 2 reals up" },
	{ "min_up one above", SITE, NULL, "198.51.100.5/32", NULL, 3, NOPROBE,
	  "", false, false, "198.51.100.5:53/udp has 2 of min 3 reals up" },
	{ "none up", SITE, NULL, "203.0.113.20/32", NULL, 1, NOPROBE, "", false,
	  false, "203.0.113.20:80/tcp has 0 of min 1 reals up" },
	{ "a service without reals", SITE, NULL, "198.51.100.6/32", NULL, 1,
	  NOPROBE, "", false, false,
	  "198.51.100.6:53/udp has 0 of min 1 reals up" },
	{ "a /24: one bad service makes the sample bad", SITE, NULL,
	  "203.0.113.0/24", NULL, 1, NOPROBE, "", false, false,
	  "203.0.113.20:80/tcp has 0 of min 1 reals up" },
	{ "a /31 with the good one", SITE, NULL, "198.51.100.4/31", NULL, 1,
	  NOPROBE, "", true, false, "198.51.100.5:53/udp: 2 reals up" },
	{ "a /30 with it and one without reals", SITE, NULL, "198.51.100.4/30",
	  NULL, 1, NOPROBE, "", false, false,
	  "198.51.100.6:53/udp has 0 of min 1 reals up" },
	{ "nothing inside", SITE, NULL, "192.0.2.0/24", NULL, 1, NOPROBE, "",
	  false, false, "lbd has no service inside 192.0.2.0/24" },
	{ "IPv6 inside", SITE, NULL, "2001:db8::10/128", NULL, 1, NOPROBE, "",
	  true, false, "[2001:db8::10]:80/tcp: 2 reals up" },
	{ "IPv6 /32", SITE, NULL, "2001:db8::/32", NULL, 2, NOPROBE, "", true,
	  false, "[2001:db8::10]:80/tcp: 2 reals up" },
	{ "IPv6 nothing inside", SITE, NULL, "2001:db8::11/128", NULL, 1,
	  NOPROBE, "", false, false,
	  "lbd has no service inside 2001:db8::11/128" },
	{ "IPv4 services are not inside ::/0", SITE, NULL, "::/0", NULL, 1,
	  NOPROBE, "", true, false, "[2001:db8::10]:80/tcp: 2 reals up" },
	{ "no services at all", ANSWER("", ATT), NULL, "203.0.113.10/32", NULL,
	  1, NOPROBE, "", false, false,
	  "lbd has no service inside 203.0.113.10/32" },
	/* services: */
	{ "services: one, enough", SITE, NULL, "203.0.113.10/32",
	  "203.0.113.10:80/tcp", 3, NOPROBE, "", true, false,
	  "203.0.113.10:80/tcp: 3 reals up" },
	{ "services: one, min_up one above", SITE, NULL, "203.0.113.10/32",
	  "203.0.113.10:80/tcp", 4, NOPROBE, "", false, false,
	  "203.0.113.10:80/tcp has 3 of min 4 reals up" },
	{ "services: the short one not listed is ignored", SITE, NULL,
	  "203.0.113.0/24", "203.0.113.10:80/tcp", 1, NOPROBE, "", true, false,
	  "203.0.113.10:80/tcp: 3 reals up" },
	{ "services: IPv4 and IPv6, each with min_up", SITE, NULL,
	  "203.0.113.10/32", "203.0.113.10:80/tcp [2001:db8::10]:80/tcp", 2,
	  NOPROBE, "", true, false,
	  "2 services, each with at least 2 reals up" },
	{ "services: the least of three shown", SITE, NULL, "203.0.113.10/32",
	  "203.0.113.10:80/tcp 203.0.113.10:443/tcp 198.51.100.5:53/udp", 1,
	  NOPROBE, "", true, false,
	  "3 services, each with at least 1 reals up" },
	{ "services: the second short", SITE, NULL, "203.0.113.10/32",
	  "203.0.113.10:80/tcp 203.0.113.10:443/tcp", 2, NOPROBE, "", false,
	  false, "203.0.113.10:443/tcp has 1 of min 2 reals up" },
	{ "services: the first short stops there", SITE, NULL,
	  "203.0.113.10/32", "203.0.113.20:80/tcp 203.0.113.99:80/tcp", 1,
	  NOPROBE, "", false, false,
	  "203.0.113.20:80/tcp has 0 of min 1 reals up" },
	{ "services: one not in lbd", SITE, NULL, "203.0.113.10/32",
	  "203.0.113.10:80/tcp 203.0.113.99:80/tcp", 1, NOPROBE, "", false,
	  false, "203.0.113.99:80/tcp is not in lbd's configuration" },
	{ "services: same VIP, other protocol is another service", SITE, NULL,
	  "203.0.113.10/32", "203.0.113.10:80/udp", 1, NOPROBE, "", false,
	  false, "203.0.113.10:80/udp is not in lbd's configuration" },
	{ "services: IPv6 not in lbd", SITE, NULL, "2001:db8::10/128",
	  "[2001:db8::10]:443/tcp", 1, NOPROBE, "", false, false,
	  "[2001:db8::10]:443/tcp is not in lbd's configuration" },
	{ "services: outside the prefix is fine", SITE, NULL, "192.0.2.1/32",
	  "198.51.100.5:53/udp", 2, NOPROBE, "", true, false,
	  "198.51.100.5:53/udp: 2 reals up" },
	/* fail safe */
	{ "lbd failing, its last answer good", SITE, SILENT, "198.51.100.5/32",
	  NULL, 1, NOPROBE, "", false, true, SILENT },
	{ "lbd failing, services:", SITE,
	  "lbd unreachable: connect: No such file or directory",
	  "203.0.113.10/32", "203.0.113.10:80/tcp", 1, NOPROBE, "", false, true,
	  "lbd unreachable: connect: No such file or directory" },
	{ "lbd never asked", ANSWER("", ATT), "lbd not asked yet",
	  "203.0.113.10/32", NULL, 1, NOPROBE, "", false, true,
	  "lbd not asked yet" },
	{ "lbd failing, probe up: still lbd", SITE, SILENT, "198.51.100.5/32",
	  NULL, 1, KEEL_RS_UP, "HTTP 200", false, true, SILENT },
	{ "data plane detached, named",
	  ANSWER(SVC("198.51.100.5:53/udp", UP_),
		 ",\"dataplane\":{\"all_attached\":false,\"attached\":["
		 "{\"ifname\":\"seg0\",\"attached\":false}]}"),
	  NULL, "198.51.100.5/32", NULL, 1, NOPROBE, "", false, true,
	  "lbd's data plane is not attached: seg0" },
	{ "data plane: all_attached missing",
	  ANSWER(SVC("198.51.100.5:53/udp", UP_), ""), NULL, "198.51.100.5/32",
	  NULL, 1, NOPROBE, "", false, true,
	  "lbd's data plane is not attached" },
	{ "a drain is not the sample's business",
	  ANSWER(SVC("198.51.100.5:53/udp", UP_),
		 ATT ",\"site\":{\"drained\":true}"),
	  NULL, "198.51.100.5/32", NULL, 1, NOPROBE, "", true, false,
	  "198.51.100.5:53/udp: 1 reals up" },
	/* the LB pair */
	{ "pair not synced: fail safe, lbd's reason",
	  ANSWER(SVC("198.51.100.5:53/udp", UP_), ATT
		 ",\"pair\":{\"configured\":true,\"synced\":false,"
		 "\"mode\":null,\"reason\":\"bulk from lb2: 61% (4.1 s)\"}"),
	  NULL, "198.51.100.5/32", NULL, 1, NOPROBE, "", false, true,
	  "pair not synced: bulk from lb2: 61% (4.1 s)" },
	{ "pair not synced, services: too",
	  ANSWER(SVC("198.51.100.5:53/udp", UP_),
		 ATT ",\"pair\":{\"synced\":false,\"reason\":\"waiting\"}"),
	  NULL, "192.0.2.1/32", "198.51.100.5:53/udp", 1, NOPROBE, "", false,
	  true, "pair not synced: waiting" },
	{ "pair synced: the services decide",
	  ANSWER(SVC("198.51.100.5:53/udp", UP_),
		 ATT ",\"pair\":{\"configured\":true,\"synced\":true,"
		     "\"mode\":\"alone\",\"reason\":\"x\"}"),
	  NULL, "198.51.100.5/32", NULL, 1, NOPROBE, "", true, false,
	  "198.51.100.5:53/udp: 1 reals up" },
	{ "pair not synced, data plane detached: detached first",
	  ANSWER(SVC("198.51.100.5:53/udp", UP_),
		 ",\"pair\":{\"synced\":false,\"reason\":\"waiting\"}"),
	  NULL, "198.51.100.5/32", NULL, 1, NOPROBE, "", false, true,
	  "lbd's data plane is not attached" },
	{ "pair not synced, lbd failing: lbd's error",
	  ANSWER("", ATT ",\"pair\":{\"synced\":false}"), SILENT,
	  "198.51.100.5/32", NULL, 1, NOPROBE, "", false, true, SILENT },
	/* probes, with lbd */
	{ "lbd good, probe up: lbd's reason", SITE, NULL, "198.51.100.5/32",
	  NULL, 1, KEEL_RS_UP, "HTTP 200", true, false,
	  "198.51.100.5:53/udp: 2 reals up" },
	{ "lbd good, probe down", SITE, NULL, "198.51.100.5/32", NULL, 1,
	  KEEL_RS_DOWN, "connect: Connection refused", false, true,
	  "probe down: connect: Connection refused" },
	{ "lbd good, probe no verdict", SITE, NULL, "198.51.100.5/32", NULL, 1,
	  KEEL_RS_UNKNOWN, "", false, true,
	  "probe no verdict yet: not run yet" },
	{ "lbd short, probe down: lbd's reason, not fail safe", SITE, NULL,
	  "203.0.113.20/32", NULL, 1, KEEL_RS_DOWN, "timeout", false, false,
	  "203.0.113.20:80/tcp has 0 of min 1 reals up" },
	/* probes alone */
	{ "probe up", NULL, NULL, "203.0.113.10/32", NULL, 1, KEEL_RS_UP,
	  "HTTP 200", true, false, "probe up: HTTP 200" },
	{ "probe down", NULL, NULL, "203.0.113.10/32", NULL, 1, KEEL_RS_DOWN,
	  "HTTP 503", false, true, "probe down: HTTP 503" },
	{ "probe down, no detail", NULL, NULL, "203.0.113.10/32", NULL, 1,
	  KEEL_RS_DOWN, "", false, true, "probe down: not run yet" },
	{ "probe not run yet", NULL, NULL, "203.0.113.10/32", NULL, 1,
	  KEEL_RS_UNKNOWN, "", false, true,
	  "probe no verdict yet: not run yet" },
	{ "probe no verdict, with a detail", NULL, NULL, "203.0.113.10/32",
	  NULL, 1, KEEL_RS_UNKNOWN, "connect: Connection refused", false, true,
	  "probe no verdict yet: connect: Connection refused" },
	{ "probe draining is no verdict", NULL, NULL, "203.0.113.10/32", NULL,
	  1, KEEL_RS_DRAINING, "", false, true,
	  "probe no verdict yet: not run yet" },
};

START_TEST(test_sample)
{
	const struct sample_case *c = &sample_cases[_i];
	struct bgpa_gate_lbd l;
	struct bgpa_gate_site site;
	struct bgpa_cfg_prefix p;
	struct bgpa_gate_sample s;

	memset(&l, 0, sizeof(l));
	if (c->answer)
		parse_ok(c->answer, &l);
	site = (struct bgpa_gate_site){
		.has_lbd = c->answer != NULL,
		.lbd_ok = !c->lbd_error,
		.lbd_error = c->lbd_error,
		.lbd = &l,
	};
	cfg_prefix(&p, c->pfx, c->services, c->min_up, c->probe != NOPROBE);
	memset(&s, 0xa5, sizeof(s));
	bgpa_gate_sample(&site, &p, c->probe == NOPROBE ? 0 : c->probe,
			 c->detail, &s);
	ck_assert_msg(s.ok == c->ok, "%s: ok %d (%s)", c->name, s.ok, s.reason);
	ck_assert_msg(s.failsafe == c->failsafe, "%s: failsafe %d", c->name,
		      s.failsafe);
	ck_assert_msg(!strcmp(s.reason, c->reason), "%s: reason \"%s\"",
		      c->name, s.reason);
	bgpa_gate_lbd_free(&l);
}
END_TEST

/* ---- rise/fall ---- */

/*
 * Samples G(ood), B(ad), F(ail-safe bad), one a step; after each the
 * verdict: '-' none yet, 'U' healthy, 'D' not.
 */
static const struct feed_case {
	uint32_t rise, fall;
	const char *samples, *verdicts;
	uint16_t ok_run, bad_run;
	bool bad_failsafe;
} feed_cases[] = {
	{ 3, 2, "GGG", "--U", 3, 0, false },
	{ 3, 2, "BB", "-D", 0, 2, false },
	{ 3, 2, "FF", "-D", 0, 2, true },
	{ 3, 2, "GGBGGG", "-----U", 3, 0, false },
	{ 3, 2, "BGBGBG", "------", 1, 0, false },
	{ 3, 2, "GGB", "---", 0, 1, false },
	{ 3, 2, "GBB", "--D", 0, 2, false },
	/* a bad sample inside a healthy run changes nothing */
	{ 3, 2, "GGGBG", "--UUU", 1, 0, false },
	{ 3, 2, "GGGFGBGG", "--UUUUUU", 2, 0, false },
	{ 3, 2, "GGGBB", "--UUD", 0, 2, false },
	{ 3, 2, "GGGBBB", "--UUDD", 0, 3, false },
	/* back up after rise good ones, not before */
	{ 3, 2, "GGGBBGG", "--UUDDD", 2, 0, false },
	{ 3, 2, "GGGBBGGG", "--UUDDDU", 3, 0, false },
	{ 3, 2, "BBGGBGGG", "-DDDDDDU", 3, 0, false },
	/* the last bad sample says whether it is a fail-safe one */
	{ 3, 2, "GGGFF", "--UUD", 0, 2, true },
	{ 3, 2, "GGGFB", "--UUD", 0, 2, false },
	{ 3, 2, "GGGBF", "--UUD", 0, 2, true },
	{ 3, 2, "FFG", "-DD", 1, 0, true },
	{ 1, 1, "G", "U", 1, 0, false },
	{ 1, 1, "B", "D", 0, 1, false },
	{ 1, 1, "GBGBF", "UDUDD", 0, 2, true },
	{ 5, 1, "GGGGB", "----D", 0, 1, false },
	{ 5, 1, "GGGGGBGGGGG", "----UDDDDDU", 5, 0, false },
	{ 2, 3, "GGBBGBBB", "-UUUUUUD", 0, 3, false },
};

static void feed(struct bgpa_gate *g, const struct bgpa_cfg_prefix *p, char k)
{
	struct bgpa_gate_sample s;

	memset(&s, 0, sizeof(s));
	s.ok = k == 'G';
	s.failsafe = k == 'F';
	snprintf(s.reason, sizeof(s.reason), "sample %c", k);
	bgpa_gate_feed(g, p, &s);
}

START_TEST(test_feed)
{
	const struct feed_case *c = &feed_cases[_i];
	struct bgpa_cfg_prefix p;
	struct bgpa_gate g;
	size_t i;

	memset(&g, 0, sizeof(g));
	bgpa_gate_set_gated(&g, true);
	cfg_prefix(&p, "203.0.113.10/32", NULL, 1, false);
	p.rise = c->rise;
	p.fall = c->fall;
	for (i = 0; c->samples[i]; i++) {
		char v;

		feed(&g, &p, c->samples[i]);
		v = !g.verdict ? '-' : g.healthy ? 'U' : 'D';
		ck_assert_msg(v == c->verdicts[i], "%s: after %zu: %c",
			      c->samples, i + 1, v);
	}
	ck_assert_uint_eq(g.ok_run, c->ok_run);
	ck_assert_uint_eq(g.bad_run, c->bad_run);
	ck_assert(g.bad_failsafe == c->bad_failsafe);
}
END_TEST

/* The runs stop at 65535 instead of wrapping. */
START_TEST(test_feed_saturates)
{
	struct bgpa_cfg_prefix p;
	struct bgpa_gate g;
	long i;

	memset(&g, 0, sizeof(g));
	bgpa_gate_set_gated(&g, true);
	cfg_prefix(&p, "203.0.113.10/32", NULL, 1, false);
	for (i = 0; i < 70000; i++)
		feed(&g, &p, 'G');
	ck_assert_uint_eq(g.ok_run, UINT16_MAX);
	ck_assert(g.verdict && g.healthy);
	feed(&g, &p, 'B');
	ck_assert_uint_eq(g.ok_run, 0);
	ck_assert_uint_eq(g.bad_run, 1);
	ck_assert(g.healthy);
	for (i = 0; i < 70000; i++)
		feed(&g, &p, 'B');
	ck_assert_uint_eq(g.bad_run, UINT16_MAX);
	ck_assert(g.verdict && !g.healthy);
	feed(&g, &p, 'G');
	feed(&g, &p, 'G');
	ck_assert_uint_eq(g.ok_run, 2);
	ck_assert(!g.healthy);
	feed(&g, &p, 'G');
	ck_assert(g.healthy);
}
END_TEST

/* The reasons kept are the last good and the last bad sample's. */
START_TEST(test_feed_reasons)
{
	struct bgpa_cfg_prefix p;
	struct bgpa_gate g;

	memset(&g, 0, sizeof(g));
	bgpa_gate_set_gated(&g, true);
	cfg_prefix(&p, "203.0.113.10/32", NULL, 1, false);
	feed(&g, &p, 'G');
	feed(&g, &p, 'F');
	feed(&g, &p, 'G');
	ck_assert_str_eq(g.ok_reason, "sample G");
	ck_assert_str_eq(g.bad_reason, "sample F");
	feed(&g, &p, 'B');
	ck_assert_str_eq(g.bad_reason, "sample B");
	ck_assert_str_eq(g.ok_reason, "sample G");
}
END_TEST

/* ---- the state ---- */

#define U BGPA_P_UP
#define D BGPA_P_DOWN
#define X BGPA_P_DISABLED
#define OKR "203.0.113.10:80/tcp: 3 reals up"
#define BADR "203.0.113.10:80/tcp has 0 of min 1 reals up"
#define DISF "/etc/keel/bgp-disable"
/*
 * The prefix's gate: healthy, no verdict yet, unhealthy (services, fail
 * safe); the runs matter only where a row sets them.
 */
#define HEALTHY .gated = true, .verdict = true, .healthy = true
#define NOVERDICT .gated = true
#define SICK .gated = true, .verdict = true
#define SICKFS SICK, .failsafe = true, .bad = SILENT

static const struct decide_case {
	const char *name;
	/* the configuration */
	bool no_announce;
	uint32_t after; /* disabled_withdraw_after_ms */
	/* the site */
	bool disable, drained;
	const char *drain_reason;
	/* the gate */
	bool gated, verdict, healthy, failsafe;
	uint16_t ok_run, bad_run;
	const char *bad; /* bad_reason, BADR if NULL */
	enum bgpa_pstate cur;
	uint64_t disabled_ms, now_ms;
	/* the decision */
	enum bgpa_pstate st;
	bool wd;
	const char *reason;
} decide_cases[] = {
	/* announce: false, first whatever else holds */
	{ "announce false", .no_announce = true, HEALTHY, .st = X,
	  .reason = "announce: false in the configuration" },
	{ "announce false before the disable file and the drain",
	  .no_announce = true, .disable = true, .drained = true,
	  .drain_reason = "x", HEALTHY, .st = X,
	  .reason = "announce: false in the configuration" },
	{ "announce false, not gated", .no_announce = true, .st = X,
	  .reason = "announce: false in the configuration" },
	{ "announce false, no verdict yet: withdrawn", .no_announce = true,
	  NOVERDICT, .st = X, .wd = true,
	  .reason = "announce: false in the configuration" },
	/* the disable file */
	{ "disable file, healthy", .disable = true, HEALTHY, .st = X,
	  .reason = "disable file " DISF " exists" },
	{ "disable file before the drain", .disable = true, .drained = true,
	  .drain_reason = "power work", HEALTHY, .st = X,
	  .reason = "disable file " DISF " exists" },
	{ "disable file, not gated", .disable = true, .st = X,
	  .reason = "disable file " DISF " exists" },
	{ "disable file, down: withdrawn", .disable = true, SICK, .st = X,
	  .wd = true, .reason = "disable file " DISF " exists" },
	{ "disable file, fail safe: withdrawn", .disable = true, SICKFS,
	  .st = X, .wd = true, .reason = "disable file " DISF " exists" },
	/* the site drain */
	{ "drained, healthy", .drained = true, .drain_reason = "power work",
	  HEALTHY, .st = X, .reason = "site drained: power work" },
	{ "drained without a reason", .drained = true, .drain_reason = "",
	  HEALTHY, .st = X, .reason = "site drained" },
	{ "drained, healthy with a bad sample: still announced",
	  .drained = true, .drain_reason = "", HEALTHY, .bad_run = 1, .st = X,
	  .reason = "site drained" },
	{ "drained, no verdict yet: withdrawn", .drained = true,
	  .drain_reason = "", NOVERDICT, .st = X, .wd = true,
	  .reason = "site drained" },
	{ "drained, no verdict but good samples: withdrawn", .drained = true,
	  .drain_reason = "", NOVERDICT, .ok_run = 2, .st = X, .wd = true,
	  .reason = "site drained" },
	{ "drained, down (services): withdrawn", .drained = true,
	  .drain_reason = "", SICK, .st = X, .wd = true,
	  .reason = "site drained" },
	{ "drained, down (fail safe): withdrawn", .drained = true,
	  .drain_reason = "", SICKFS, .st = X, .wd = true,
	  .reason = "site drained" },
	{ "drained, down but rising: withdrawn", .drained = true,
	  .drain_reason = "", SICK, .ok_run = 2, .st = X, .wd = true,
	  .reason = "site drained" },
	/* not gated */
	{ "not gated", .st = U,
	  .reason = "not health-gated (no lbd: or probe:)" },
	{ "not gated, whatever stale verdict", .verdict = true, .bad_run = 5,
	  .st = U, .reason = "not health-gated (no lbd: or probe:)" },
	/* no verdict yet */
	{ "no sample yet", NOVERDICT, .st = D, .wd = true,
	  .reason = "waiting for the first verdict" },
	{ "good samples, not rise yet", NOVERDICT, .ok_run = 2, .st = D,
	  .wd = true, .reason = "waiting for the first verdict" },
	{ "a bad sample, not fall yet", NOVERDICT, .bad_run = 1, .st = D,
	  .wd = true, .reason = "waiting for the first verdict: " BADR },
	{ "a fail-safe one", NOVERDICT, .bad_run = 1, .failsafe = true,
	  .bad = SILENT, .st = D, .wd = true,
	  .reason = "waiting for the first verdict: " SILENT },
	{ "no sample since (re)gated: no stale reason", NOVERDICT,
	  .bad = "lbd unreachable: connect: x", .st = D, .wd = true,
	  .reason = "waiting for the first verdict" },
	{ "no verdict, from DISABLED", NOVERDICT, .cur = X, .after = 1000,
	  .now_ms = 99999, .st = D, .wd = true,
	  .reason = "waiting for the first verdict" },
	/* healthy */
	{ "healthy", HEALTHY, .st = U, .reason = OKR },
	{ "healthy, one bad sample", HEALTHY, .bad_run = 1, .st = U,
	  .reason = OKR " (1 of fall 2 bad: " BADR ")" },
	{ "healthy, one fail-safe sample: still announced", HEALTHY,
	  .bad_run = 1, .failsafe = true, .bad = SILENT, .st = U,
	  .reason = OKR " (1 of fall 2 bad: " SILENT ")" },
	{ "healthy again after DISABLED: at once", HEALTHY, .cur = X,
	  .after = 1000, .disabled_ms = 0, .now_ms = 5000, .st = U,
	  .reason = OKR },
	/* down */
	{ "down (services): down: decides", SICK, .st = D, .reason = BADR },
	{ "down (fail safe): withdrawn", SICKFS, .st = D, .wd = true,
	  .reason = SILENT },
	{ "down, rising", SICK, .ok_run = 2, .st = D,
	  .reason = BADR " (2 of rise 3 good)" },
	{ "down (fail safe), rising: still withdrawn", SICKFS, .ok_run = 1,
	  .st = D, .wd = true, .reason = SILENT " (1 of rise 3 good)" },
	/* disabled_withdraw_after */
	{ "DISABLED for less than the time", .drained = true,
	  .drain_reason = "", HEALTHY, .cur = X, .after = 30000,
	  .disabled_ms = 1000, .now_ms = 30999, .st = X,
	  .reason = "site drained" },
	{ "DISABLED for exactly the time", .drained = true, .drain_reason = "",
	  HEALTHY, .cur = X, .after = 30000, .disabled_ms = 1000,
	  .now_ms = 31000, .st = X, .wd = true,
	  .reason = "site drained, withdrawn after 30000ms" },
	{ "DISABLED for longer", .disable = true, HEALTHY, .cur = X,
	  .after = 5000, .disabled_ms = 1000, .now_ms = 99000, .st = X,
	  .wd = true,
	  .reason = "disable file " DISF " exists, withdrawn after 5000ms" },
	{ "becoming DISABLED: the time starts now", .drained = true,
	  .drain_reason = "", HEALTHY, .cur = U, .after = 30000,
	  .disabled_ms = 0, .now_ms = 99000, .st = X,
	  .reason = "site drained" },
	{ "disabled_withdraw_after 0: never", .drained = true,
	  .drain_reason = "", HEALTHY, .cur = X, .after = 0, .disabled_ms = 0,
	  .now_ms = 999999999, .st = X, .reason = "site drained" },
	{ "expired and unhealthy", .drained = true, .drain_reason = "", SICK,
	  .cur = X, .after = 1000, .disabled_ms = 0, .now_ms = 1000, .st = X,
	  .wd = true, .reason = "site drained, withdrawn after 1000ms" },
	{ "expired, announce false, not gated", .no_announce = true, .cur = X,
	  .after = 1000, .now_ms = 1000, .st = X, .wd = true,
	  .reason = "announce: false in the configuration, withdrawn after "
		    "1000ms" },
	{ "expired, no room for the note: withdrawn all the same",
	  .drained = true,
	  .drain_reason = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	  HEALTHY, .cur = X, .after = 1000, .now_ms = 1000, .st = X, .wd = true,
	  .reason = "site drained: "
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
	{ "the note just fits", .drained = true,
	  .drain_reason = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	  HEALTHY, .cur = X, .after = 1000, .now_ms = 1000, .st = X, .wd = true,
	  .reason = "site drained: "
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    ", withdrawn after 1000ms" },
	{ "the time does not apply to UP", HEALTHY, .cur = U, .after = 1000,
	  .now_ms = 99000, .st = U, .reason = OKR },
	{ "nor to DOWN", SICK, .cur = D, .after = 1000, .now_ms = 99000,
	  .st = D, .reason = BADR },
};

START_TEST(test_decide)
{
	const struct decide_case *c = &decide_cases[_i];
	struct bgpa_gate_decision d;
	struct bgpa_cfg_prefix p;
	struct bgpa_gate_lbd l;
	struct bgpa_gate_site site;
	struct bgpa_gate g;

	memset(&l, 0, sizeof(l));
	l.attached = true;
	l.drained = c->drained;
	if (c->drain_reason)
		snprintf(l.drain_reason, sizeof(l.drain_reason), "%s",
			 c->drain_reason);
	site = (struct bgpa_gate_site){ .has_lbd = true,
					.lbd_ok = true,
					.lbd = &l,
					.disable_exists = c->disable,
					.disable_file = DISF };
	cfg_prefix(&p, "203.0.113.10/32", NULL, 1, false);
	p.announce = !c->no_announce;
	p.disabled_withdraw_after_ms = c->after;
	memset(&g, 0, sizeof(g));
	g.gated = c->gated;
	g.verdict = c->verdict;
	g.healthy = c->healthy;
	g.ok_run = c->ok_run;
	g.bad_run = c->bad_run;
	g.bad_failsafe = c->failsafe;
	snprintf(g.ok_reason, sizeof(g.ok_reason), "%s", OKR);
	snprintf(g.bad_reason, sizeof(g.bad_reason), "%s",
		 c->bad ? c->bad : BADR);
	g.disabled_ms = c->disabled_ms;
	memset(&d, 0xa5, sizeof(d));
	bgpa_gate_decide(&g, c->cur, &p, &site, c->now_ms, &d);
	ck_assert_msg(d.state == c->st, "%s: state %d", c->name, d.state);
	ck_assert_msg(d.withdraw == c->wd, "%s: withdraw %d", c->name,
		      d.withdraw);
	ck_assert_msg(!strcmp(d.reason, c->reason), "%s: reason \"%s\"",
		      c->name, d.reason);
}
END_TEST

/* ---- commit ---- */

/* One prefix through decisions in a row, as gate_evaluate applies them. */
static const struct commit_step {
	enum bgpa_pstate st;
	bool wd;
	uint64_t now_ms;
	bool changed;
	uint64_t changes, disabled_ms;
	time_t since;
} commit_steps[] = {
	{ D, true, 100, false, 0, 0, 0 }, /* as bgpa_rib_load starts it */
	{ D, false, 200, true, 0, 0, 200 }, /* withdraw alone: no change */
	{ U, false, 300, true, 1, 0, 300 },
	{ U, false, 400, false, 1, 0, 300 },
	{ X, false, 500, true, 2, 500, 500 }, /* the time starts */
	{ X, false, 600, false, 2, 500, 500 },
	{ X, true, 700, true, 2, 500, 700 }, /* expired: not again */
	{ X, true, 800, false, 2, 500, 700 },
	{ D, true, 900, true, 3, 500, 900 },
	{ X, true, 1000, true, 4, 1000, 1000 }, /* DISABLED anew */
	{ U, false, 1100, true, 5, 1000, 1100 },
};

START_TEST(test_commit)
{
	enum bgpa_pstate state = BGPA_P_DOWN;
	struct bgpa_gate_decision d;
	struct bgpa_gate g;
	size_t i;

	memset(&g, 0, sizeof(g));
	g.withdraw = true;
	for (i = 0; i < N(commit_steps); i++) {
		const struct commit_step *s = &commit_steps[i];
		bool changed;

		d.state = s->st;
		d.withdraw = s->wd;
		snprintf(d.reason, sizeof(d.reason), "step %zu", i);
		changed = bgpa_gate_commit(&g, &state, &d, s->now_ms,
					   (time_t)s->now_ms);
		ck_assert_msg(changed == s->changed, "step %zu: changed", i);
		ck_assert_msg(state == s->st, "step %zu: state", i);
		ck_assert_msg(g.withdraw == s->wd, "step %zu: withdraw", i);
		ck_assert_msg(g.changes == s->changes, "step %zu: changes %lu",
			      i, (unsigned long)g.changes);
		ck_assert_msg(g.disabled_ms == s->disabled_ms,
			      "step %zu: disabled_ms %lu", i,
			      (unsigned long)g.disabled_ms);
		ck_assert_msg(g.since == s->since, "step %zu: since", i);
		/* The reason follows every decision, changed or not. */
		ck_assert_str_eq(g.reason, d.reason);
	}
}
END_TEST

/* ---- gated or not ---- */

START_TEST(test_gated)
{
	struct bgpa_cfg_prefix p;
	struct bgpa_gate g;

	cfg_prefix(&p, "203.0.113.10/32", NULL, 1, false);
	ck_assert(!bgpa_gate_is_gated(false, &p));
	ck_assert(bgpa_gate_is_gated(true, &p));
	p.probe.set = true;
	ck_assert(bgpa_gate_is_gated(false, &p));
	ck_assert(bgpa_gate_is_gated(true, &p));

	memset(&g, 0, sizeof(g));
	bgpa_gate_set_gated(&g, true);
	ck_assert(g.gated && !g.verdict);
	feed(&g, &p, 'G');
	feed(&g, &p, 'G');
	feed(&g, &p, 'G');
	feed(&g, &p, 'F');
	ck_assert(g.verdict && g.healthy);
	/* Unchanged: the samples go on. */
	bgpa_gate_set_gated(&g, true);
	ck_assert(g.verdict && g.healthy);
	ck_assert_uint_eq(g.bad_run, 1);
	ck_assert_str_eq(g.bad_reason, "sample F");
	/* Changed either way: from nothing. */
	bgpa_gate_set_gated(&g, false);
	ck_assert(!g.gated && !g.verdict && !g.healthy && !g.bad_failsafe);
	ck_assert_uint_eq(g.ok_run, 0);
	ck_assert_uint_eq(g.bad_run, 0);
	ck_assert_str_eq(g.ok_reason, "");
	ck_assert_str_eq(g.bad_reason, "");
	feed(&g, &p, 'G');
	feed(&g, &p, 'G');
	feed(&g, &p, 'G');
	bgpa_gate_set_gated(&g, true);
	ck_assert(g.gated && !g.verdict && !g.healthy);
	ck_assert_uint_eq(g.ok_run, 0);
}
END_TEST

/* ---- scenarios: parse, sample, feed, decide, commit ---- */

struct world {
	struct bgpa_cfg_prefix p;
	struct bgpa_gate_lbd l;
	struct bgpa_gate_site site;
	struct bgpa_gate g;
	enum bgpa_pstate state;
	char lbd_error[BGPA_REASON_MAX];
	uint64_t now_ms;
};

static void world_init(struct world *w, const char *pfx, uint32_t after)
{
	memset(w, 0, sizeof(*w));
	cfg_prefix(&w->p, pfx, NULL, 1, false);
	w->p.disabled_withdraw_after_ms = after;
	snprintf(w->lbd_error, sizeof(w->lbd_error), "lbd not asked yet");
	w->site = (struct bgpa_gate_site){ .has_lbd = true,
					   .lbd_error = w->lbd_error,
					   .lbd = &w->l,
					   .disable_file = DISF };
	/* As bgpa_rib_load and gate_apply leave a new prefix. */
	w->state = BGPA_P_DOWN;
	w->g.withdraw = true;
	bgpa_gate_set_gated(&w->g, bgpa_gate_is_gated(true, &w->p));
	w->now_ms = 1000000;
}

static void world_decide(struct world *w)
{
	struct bgpa_gate_decision d;

	bgpa_gate_decide(&w->g, w->state, &w->p, &w->site, w->now_ms, &d);
	bgpa_gate_commit(&w->g, &w->state, &d, w->now_ms, 0);
}

/* One poll, 200 ms after the last: answer (NULL: failed with err). */
static void world_poll(struct world *w, const char *answer, const char *err)
{
	struct bgpa_gate_sample s;
	char why[BGPA_REASON_MAX];

	w->now_ms += 200;
	if (answer &&
	    !bgpa_gate_parse(answer, strlen(answer), &w->l, why, sizeof(why))) {
		w->site.lbd_ok = true;
	} else {
		w->site.lbd_ok = false;
		snprintf(w->lbd_error, sizeof(w->lbd_error), "%s",
			 answer ? "lbd answered garbage" : err);
	}
	bgpa_gate_sample(&w->site, &w->p, 0, "", &s);
	bgpa_gate_feed(&w->g, &w->p, &s);
	world_decide(w);
}

static void expect(const struct world *w, enum bgpa_pstate st, bool wd,
		   const char *reason)
{
	ck_assert_int_eq(w->state, st);
	ck_assert_int_eq(w->g.withdraw, wd);
	ck_assert_str_eq(w->g.reason, reason);
}

#define GOOD ANSWER(SVC("203.0.113.10:80/tcp", UP_ "," UP_), ATT)
#define SHORT ANSWER(SVC("203.0.113.10:80/tcp", DN_ "," DN_), ATT)
#define DRAINED(r)                                      \
	ANSWER(SVC("203.0.113.10:80/tcp", UP_ "," UP_), \
	       ATT ",\"site\":{\"drained\":true,\"reason\":\"" r "\"}")
#define GOODR "203.0.113.10:80/tcp: 2 reals up"

/* Start, lbd failing, lbd answering, reals lost, lbd gone. */
START_TEST(test_scenario_start)
{
	struct world w;

	world_init(&w, "203.0.113.10/32", 0);
	world_decide(&w);
	expect(&w, D, true, "waiting for the first verdict");
	world_poll(&w, NULL, "lbd unreachable: connect: No such file");
	expect(&w, D, true,
	       "waiting for the first verdict: lbd unreachable: connect: No "
	       "such file");
	world_poll(&w, NULL, "lbd unreachable: connect: No such file");
	expect(&w, D, true, "lbd unreachable: connect: No such file");
	/* Never announced blind: rise (3) good answers first. */
	world_poll(&w, GOOD, NULL);
	expect(&w, D, true,
	       "lbd unreachable: connect: No such file (1 of rise 3 good)");
	world_poll(&w, GOOD, NULL);
	world_poll(&w, GOOD, NULL);
	expect(&w, U, false, GOODR);
	/* Reals lost: fall (2) samples, then down: (not fail safe). */
	world_poll(&w, SHORT, NULL);
	expect(&w, U, false,
	       GOODR " (1 of fall 2 bad: 203.0.113.10:80/tcp has 0 of min 1 "
		     "reals up)");
	world_poll(&w, SHORT, NULL);
	expect(&w, D, false, "203.0.113.10:80/tcp has 0 of min 1 reals up");
	/* lbd answering garbage now: fail safe, withdrawn at once. */
	world_poll(&w, "garbage", NULL);
	expect(&w, D, true, "lbd answered garbage");
	ck_assert_uint_eq(w.g.changes, 2);
	bgpa_gate_lbd_free(&w.l);
}
END_TEST

/* A drain with graceful_shutdown and disabled_withdraw_after 30 s. */
START_TEST(test_scenario_drain)
{
	struct world w;
	int i;

	world_init(&w, "203.0.113.10/32", 30000);
	for (i = 0; i < 3; i++)
		world_poll(&w, GOOD, NULL);
	expect(&w, U, false, GOODR);
	/* Drained: at the poll that sees it, no fall. */
	world_poll(&w, DRAINED("power work"), NULL);
	expect(&w, X, false, "site drained: power work");
	ck_assert_uint_eq(w.g.disabled_ms, w.now_ms);
	/* 29.8 s later: still announced (with its disabled: action). */
	for (i = 0; i < 149; i++)
		world_poll(&w, DRAINED("power work"), NULL);
	expect(&w, X, false, "site drained: power work");
	world_poll(&w, DRAINED("power work"), NULL);
	expect(&w, X, true,
	       "site drained: power work, withdrawn after 30000ms");
	/* Undrained: its health verdict at once. */
	world_poll(&w, GOOD, NULL);
	expect(&w, U, false, GOODR);
	/* Drained again: the time starts again. */
	world_poll(&w, DRAINED("again"), NULL);
	expect(&w, X, false, "site drained: again");
	bgpa_gate_lbd_free(&w.l);
}
END_TEST

/*
 * DISABLED announces only while the site is healthy: a drain stays while
 * lbd fails, and after fall failed polls the prefix is withdrawn.
 */
START_TEST(test_scenario_drain_lbd_fails)
{
	struct world w;
	int i;

	world_init(&w, "203.0.113.10/32", 0);
	for (i = 0; i < 3; i++)
		world_poll(&w, GOOD, NULL);
	world_poll(&w, DRAINED("power work"), NULL);
	expect(&w, X, false, "site drained: power work");
	world_poll(&w, NULL, SILENT);
	expect(&w, X, false, "site drained: power work");
	world_poll(&w, "{\"ok\":false,\"error\":\"busy\"}", NULL);
	expect(&w, X, true, "site drained: power work");
	/* lbd back, still drained: announced (disabled:) again after rise. */
	world_poll(&w, DRAINED("power work"), NULL);
	world_poll(&w, DRAINED("power work"), NULL);
	expect(&w, X, true, "site drained: power work");
	world_poll(&w, DRAINED("power work"), NULL);
	expect(&w, X, false, "site drained: power work");
	bgpa_gate_lbd_free(&w.l);
}
END_TEST

/* The disable file: DISABLED at once, its health verdict at once after. */
START_TEST(test_scenario_disable_file)
{
	struct world w;
	int i;

	world_init(&w, "203.0.113.10/32", 0);
	for (i = 0; i < 3; i++)
		world_poll(&w, GOOD, NULL);
	w.site.disable_exists = true;
	world_decide(&w);
	expect(&w, X, false, "disable file " DISF " exists");
	/* The samples go on meanwhile: the reals fail. */
	world_poll(&w, SHORT, NULL);
	world_poll(&w, SHORT, NULL);
	expect(&w, X, true, "disable file " DISF " exists");
	w.site.disable_exists = false;
	world_decide(&w);
	expect(&w, D, false, "203.0.113.10:80/tcp has 0 of min 1 reals up");
	bgpa_gate_lbd_free(&w.l);
}
END_TEST

#define UNSYNCED                                            \
	ANSWER(SVC("203.0.113.10:80/tcp", UP_ "," UP_), ATT \
	       ",\"pair\":{\"configured\":true,\"synced\":" \
	       "false,\"mode\":null,\"reason\":\"bulk from lb2: 61% (4.1 s)\"}")
#define SYNCED                                                  \
	ANSWER(SVC("203.0.113.10:80/tcp", UP_ "," UP_),         \
	       ATT ",\"pair\":{\"configured\":true,\"synced\":" \
		   "true,\"mode\":\"bulk\",\"reason\":\"x\"}")

/* A cold restart of one LB of a pair: withdrawn until synced. */
START_TEST(test_scenario_pair)
{
	struct world w;
	int i;

	world_init(&w, "203.0.113.10/32", 0);
	for (i = 0; i < 10; i++)
		world_poll(&w, UNSYNCED, NULL);
	expect(&w, D, true, "pair not synced: bulk from lb2: 61% (4.1 s)");
	/* Synced: rise (3) good samples, as any start. */
	world_poll(&w, SYNCED, NULL);
	world_poll(&w, SYNCED, NULL);
	expect(&w, D, true,
	       "pair not synced: bulk from lb2: 61% (4.1 s) (2 of rise 3 "
	       "good)");
	world_poll(&w, SYNCED, NULL);
	expect(&w, U, false, GOODR);
	/* An older lbd (no pair) after a downgrade: still synced. */
	world_poll(&w, GOOD, NULL);
	expect(&w, U, false, GOODR);
	bgpa_gate_lbd_free(&w.l);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bgpa_gate");
	TCase *tc = tcase_create("gate");

	tcase_add_loop_test(tc, test_parse, 0, N(parse_cases));
	tcase_add_test(tc, test_parse_detached_long);
	tcase_add_test(tc, test_parse_len);
	tcase_add_loop_test(tc, test_pair, 0, N(pair_cases));
	tcase_add_test(tc, test_pair_reason_long);
	tcase_add_loop_test(tc, test_in_prefix, 0, N(in_cases));
	tcase_add_loop_test(tc, test_sample, 0, N(sample_cases));
	tcase_add_loop_test(tc, test_feed, 0, N(feed_cases));
	tcase_add_test(tc, test_feed_saturates);
	tcase_add_test(tc, test_feed_reasons);
	tcase_add_loop_test(tc, test_decide, 0, N(decide_cases));
	tcase_add_test(tc, test_commit);
	tcase_add_test(tc, test_gated);
	tcase_add_test(tc, test_scenario_start);
	tcase_add_test(tc, test_scenario_drain);
	tcase_add_test(tc, test_scenario_drain_lbd_fails);
	tcase_add_test(tc, test_scenario_disable_file);
	tcase_add_test(tc, test_scenario_pair);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
