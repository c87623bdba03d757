// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* keel_ctl: the control protocol's request codec (table-driven). */
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "keel_ctl.h"
#include "keel_maps.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define S63 "203.0.113.100:65535/tcp-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define S64 S63 "a"
#define R47 "2001:db8:1111:2222:3333:4444:5555:6666-aaaaaaaa"
#define R48 R47 "a"
/* 255 bytes, the longest reason; T256 one more. */
#define T15 "maintenance 123"
#define T255 T15 T15 T15 T15 T15 T15 T15 T15 T15 T15 T15 T15 T15 T15 T15 T15 T15
#define T256 T255 "x"

static void req_assert_eq(const struct keel_ctl_req *got,
			  const struct keel_ctl_req *want, const char *what)
{
	ck_assert_msg(got->cmd == want->cmd, "%s: cmd %d want %d", what,
		      got->cmd, want->cmd);
	ck_assert_msg(strcmp(got->service, want->service) == 0,
		      "%s: service '%s' want '%s'", what, got->service,
		      want->service);
	ck_assert_msg(strcmp(got->real, want->real) == 0,
		      "%s: real '%s' want '%s'", what, got->real, want->real);
	ck_assert_msg(got->has_weight == want->has_weight &&
			      got->weight_clear == want->weight_clear &&
			      got->weight == want->weight,
		      "%s: weight %d/%d/%u want %d/%d/%u", what,
		      got->has_weight, got->weight_clear, got->weight,
		      want->has_weight, want->weight_clear, want->weight);
	ck_assert_msg(got->persistent == want->persistent &&
			      got->ring_size == want->ring_size,
		      "%s: persistent %d ring %u want %d %u", what,
		      got->persistent, got->ring_size, want->persistent,
		      want->ring_size);
	ck_assert_msg(got->unload == want->unload, "%s: unload %d want %d",
		      what, got->unload, want->unload);
	ck_assert_msg(got->summary == want->summary, "%s: summary %d want %d",
		      what, got->summary, want->summary);
	ck_assert_msg(strcmp(got->reason, want->reason) == 0,
		      "%s: reason '%s' want '%s'", what, got->reason,
		      want->reason);
}

static const struct good_case {
	const char *in;
	struct keel_ctl_req want;
} good_cases[] = {
	{ "{\"cmd\":\"status\"}", { .cmd = KEEL_CTL_STATUS } },
	{ " { \"cmd\" : \"status\" } \n", { .cmd = KEEL_CTL_STATUS } },
	{ "{\"cmd\":\"status\",\"summary\":true}",
	  { .cmd = KEEL_CTL_STATUS, .summary = true } },
	{ "{\"cmd\":\"status\",\"summary\":false}",
	  { .cmd = KEEL_CTL_STATUS } },
	{ "{\"cmd\":\"services\"}", { .cmd = KEEL_CTL_SERVICES } },
	{ "{\"cmd\":\"reals\",\"service\":\"203.0.113.10:80/tcp\"}",
	  { .cmd = KEEL_CTL_REALS, .service = "203.0.113.10:80/tcp" } },
	{ "{\"cmd\":\"stats\"}", { .cmd = KEEL_CTL_STATS } },
	{ "{\"cmd\":\"real.weight\",\"service\":\"203.0.113.10:80/tcp\","
	  "\"real\":\"10.20.0.11\",\"weight\":7}",
	  { .cmd = KEEL_CTL_REAL_WEIGHT,
	    .service = "203.0.113.10:80/tcp",
	    .real = "10.20.0.11",
	    .has_weight = true,
	    .weight = 7 } },
	{ "{\"weight\":0,\"real\":\"10.20.0.11\",\"cmd\":\"real.weight\","
	  "\"service\":\"203.0.113.10:80/tcp\"}",
	  { .cmd = KEEL_CTL_REAL_WEIGHT,
	    .service = "203.0.113.10:80/tcp",
	    .real = "10.20.0.11",
	    .has_weight = true } },
	{ "{\"cmd\":\"real.weight\",\"service\":\"[2001:db8::10]:443/tcp\","
	  "\"real\":\"fd00::11\",\"weight\":65535}",
	  { .cmd = KEEL_CTL_REAL_WEIGHT,
	    .service = "[2001:db8::10]:443/tcp",
	    .real = "fd00::11",
	    .has_weight = true,
	    .weight = 65535 } },
	{ "{\"cmd\":\"real.weight\",\"service\":\"203.0.113.10/udp\","
	  "\"real\":\"10.20.0.11\",\"weight\":null}",
	  { .cmd = KEEL_CTL_REAL_WEIGHT,
	    .service = "203.0.113.10/udp",
	    .real = "10.20.0.11",
	    .has_weight = true,
	    .weight_clear = true } },
	{ "{\"cmd\":\"real.drain\",\"service\":\"s\",\"real\":\"r\"}",
	  { .cmd = KEEL_CTL_REAL_DRAIN, .service = "s", .real = "r" } },
	{ "{\"cmd\":\"real.undrain\",\"service\":\"s\",\"real\":\"r\"}",
	  { .cmd = KEEL_CTL_REAL_UNDRAIN, .service = "s", .real = "r" } },
	{ "{\"cmd\":\"real.down\",\"service\":\"s\",\"real\":\"r\"}",
	  { .cmd = KEEL_CTL_REAL_DOWN, .service = "s", .real = "r" } },
	{ "{\"cmd\":\"real.up\",\"service\":\"s\",\"real\":\"r\"}",
	  { .cmd = KEEL_CTL_REAL_UP, .service = "s", .real = "r" } },
	{ "{\"cmd\":\"real.add\",\"service\":\"s\",\"real\":\"r\"}",
	  { .cmd = KEEL_CTL_REAL_ADD, .service = "s", .real = "r" } },
	{ "{\"cmd\":\"real.add\",\"service\":\"s\",\"real\":\"r\",\"weight\":3}",
	  { .cmd = KEEL_CTL_REAL_ADD,
	    .service = "s",
	    .real = "r",
	    .has_weight = true,
	    .weight = 3 } },
	{ "{\"cmd\":\"real.del\",\"service\":\"" S63 "\",\"real\":\"" R47 "\"}",
	  { .cmd = KEEL_CTL_REAL_DEL, .service = S63, .real = R47 } },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\"}",
	  { .cmd = KEEL_CTL_SERVICE_ADD, .service = "s" } },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\",\"persistent\":false,"
	  "\"ring_size\":1}",
	  { .cmd = KEEL_CTL_SERVICE_ADD, .service = "s", .ring_size = 1 } },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\",\"persistent\":true,"
	  "\"ring_size\":1048573}",
	  { .cmd = KEEL_CTL_SERVICE_ADD,
	    .service = "s",
	    .persistent = true,
	    .ring_size = KEEL_RING_SIZE_MAX } },
	{ "{\"cmd\":\"service.del\",\"service\":\"s\\u00e9\"}",
	  { .cmd = KEEL_CTL_SERVICE_DEL, .service = "s\xc3\xa9" } },
	{ "{\"cmd\":\"reload\"}", { .cmd = KEEL_CTL_RELOAD } },
	{ "{\"cmd\":\"shutdown\"}", { .cmd = KEEL_CTL_SHUTDOWN } },
	{ "{\"cmd\":\"shutdown\",\"unload\":false}",
	  { .cmd = KEEL_CTL_SHUTDOWN } },
	{ "{\"cmd\":\"shutdown\",\"unload\":true}",
	  { .cmd = KEEL_CTL_SHUTDOWN, .unload = true } },
	{ "{\"cmd\":\"site.status\"}", { .cmd = KEEL_CTL_SITE_STATUS } },
	{ "{\"cmd\":\"site.drain\"}", { .cmd = KEEL_CTL_SITE_DRAIN } },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"power work, ticket #42\"}",
	  { .cmd = KEEL_CTL_SITE_DRAIN, .reason = "power work, ticket #42" } },
	{ "{\"reason\":\"x\",\"cmd\":\"site.drain\"}",
	  { .cmd = KEEL_CTL_SITE_DRAIN, .reason = "x" } },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"" T255 "\"}",
	  { .cmd = KEEL_CTL_SITE_DRAIN, .reason = T255 } },
	/* Any UTF-8 is text; only control characters are refused. */
	{ "{\"cmd\":\"site.drain\",\"reason\":\"Wartung \\u00fc \u00e9\"}",
	  { .cmd = KEEL_CTL_SITE_DRAIN,
	    .reason = "Wartung \xc3\xbc \xc3\xa9" } },
	/* U+00A0 and U+00FF: past C1, text again. */
	{ "{\"cmd\":\"site.drain\",\"reason\":\"a\xc2\xa0"
	  "b\xc3\xbf\"}",
	  { .cmd = KEEL_CTL_SITE_DRAIN,
	    .reason = "a\xc2\xa0"
		      "b\xc3\xbf" } },
	{ "{\"cmd\":\"site.undrain\"}", { .cmd = KEEL_CTL_SITE_UNDRAIN } },
	{ "{\"cmd\":\"pair.synced\",\"reason\":\"lb2 replaced, ticket 7\"}",
	  { .cmd = KEEL_CTL_PAIR_SYNCED, .reason = "lb2 replaced, ticket 7" } },
};

START_TEST(test_parse_good)
{
	const struct good_case *c = &good_cases[_i];
	struct keel_ctl_req r;
	char err[256];
	int ret;

	ret = keel_ctl_req_parse(c->in, strlen(c->in), &r, err, sizeof(err));
	ck_assert_msg(ret == 0, "%s: %d %s", c->in, ret, err);
	req_assert_eq(&r, &c->want, c->in);
}
END_TEST

static const struct bad_case {
	const char *in;
	int ret;
	const char *err; /* a substring of the message */
} bad_cases[] = {
	{ "", -EBADMSG, "empty request" },
	{ "   \n", -EBADMSG, "invalid JSON" },
	{ "status", -EBADMSG, "invalid JSON" },
	{ "{\"cmd\":\"status\"", -EBADMSG, "invalid JSON" },
	{ "{\"cmd\":\"status\",}", -EBADMSG, "invalid JSON" },
	{ "{\"cmd\":\"status\"} x", -EBADMSG, "invalid JSON" },
	{ "{\"cmd\":\"status\"}{\"cmd\":\"stats\"}", -EBADMSG, "invalid JSON" },
	{ "\"status\"", -EBADMSG, "invalid JSON" },
	{ "[{\"cmd\":\"status\"}]", -EBADMSG, "must be a JSON object" },
	{ "{\"cmd\":\"st\xff\"}", -EBADMSG, "invalid JSON" },
	{ "{\"cmd\":\"status\\u0000\"}", -EBADMSG, "invalid JSON" },
	{ "{}", -EBADMSG, "missing member 'cmd'" },
	{ "{\"service\":\"s\"}", -EBADMSG, "missing member 'cmd'" },
	{ "{\"cmd\":1}", -EBADMSG, "member 'cmd': must be a string" },
	{ "{\"cmd\":null}", -EBADMSG, "member 'cmd': must be a string" },
	{ "{\"cmd\":[\"status\"]}", -EBADMSG,
	  "member 'cmd': must be a string" },
	{ "{\"cmd\":\"statuss\"}", -EBADMSG, "unknown cmd 'statuss'" },
	{ "{\"cmd\":\"STATUS\"}", -EBADMSG, "unknown cmd 'STATUS'" },
	{ "{\"cmd\":\"real_drain\"}", -EBADMSG, "unknown cmd 'real_drain'" },
	{ "{\"cmd\":\"status\",\"verbose\":true}", -EBADMSG,
	  "unknown member 'verbose'" },
	{ "{\"cmd\":\"status\",\"a\\nb\":1}", -EBADMSG,
	  "unknown member 'a?b'" },
	{ "{\"cmd\":\"status\",\"cmd\":\"stats\"}", -EBADMSG, "duplicate" },
	{ "{\"cmd\":\"real.drain\",\"service\":\"s\",\"real\":\"a\","
	  "\"real\":\"b\"}",
	  -EBADMSG, "duplicate" },
	{ "{\"cmd\":\"status\",\"service\":\"s\"}", -EBADMSG,
	  "member 'service': not taken by status" },
	{ "{\"cmd\":\"services\",\"summary\":true}", -EBADMSG,
	  "member 'summary': not taken by services" },
	{ "{\"cmd\":\"status\",\"summary\":1}", -EBADMSG,
	  "member 'summary': must be true or false" },
	{ "{\"cmd\":\"real.drain\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":1}",
	  -EBADMSG, "member 'weight': not taken by real.drain" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":1,\"persistent\":true}",
	  -EBADMSG, "member 'persistent': not taken by real.weight" },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\",\"unload\":true}",
	  -EBADMSG, "member 'unload': not taken by service.add" },
	{ "{\"cmd\":\"real.drain\",\"service\":\"s\"}", -EBADMSG,
	  "member 'real': required by real.drain" },
	{ "{\"cmd\":\"real.drain\",\"real\":\"r\"}", -EBADMSG,
	  "member 'service': required by real.drain" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\"}",
	  -EBADMSG, "member 'weight': required by real.weight" },
	{ "{\"cmd\":\"reals\"}", -EBADMSG,
	  "member 'service': required by reals" },
	{ "{\"cmd\":\"service.add\"}", -EBADMSG,
	  "member 'service': required by service.add" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":-1}",
	  -ERANGE, "member 'weight': must be an integer 0..65535 or null" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":65536}",
	  -ERANGE, "member 'weight': must be an integer 0..65535 or null" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":1.5}",
	  -EBADMSG, "member 'weight': must be an integer" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":1.0}",
	  -EBADMSG, "member 'weight': must be an integer" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":\"1\"}",
	  -EBADMSG, "member 'weight': must be an integer" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":true}",
	  -EBADMSG, "member 'weight': must be an integer" },
	{ "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":99999999999999999999}",
	  -EBADMSG, "invalid JSON" },
	{ "{\"cmd\":\"real.add\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":null}",
	  -EBADMSG, "member 'weight': must be an integer 0..65535" },
	{ "{\"cmd\":\"real.add\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":-1}",
	  -ERANGE, "member 'weight': must be an integer 0..65535" },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\",\"ring_size\":0}",
	  -ERANGE, "member 'ring_size': must be an integer 1..1048573" },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\",\"ring_size\":1048574}",
	  -ERANGE, "member 'ring_size': must be an integer 1..1048573" },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\",\"ring_size\":null}",
	  -EBADMSG, "member 'ring_size': must be an integer" },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\",\"persistent\":\"yes\"}",
	  -EBADMSG, "member 'persistent': must be true or false" },
	{ "{\"cmd\":\"service.add\",\"service\":\"s\",\"persistent\":1}",
	  -EBADMSG, "member 'persistent': must be true or false" },
	{ "{\"cmd\":\"shutdown\",\"unload\":null}", -EBADMSG,
	  "member 'unload': must be true or false" },
	{ "{\"cmd\":\"service.del\",\"service\":\"" S64 "\"}", -ERANGE,
	  "member 'service': must be a string of 1..63 bytes" },
	{ "{\"cmd\":\"real.del\",\"service\":\"s\",\"real\":\"" R48 "\"}",
	  -ERANGE, "member 'real': must be a string of 1..47 bytes" },
	{ "{\"cmd\":\"service.del\",\"service\":\"\"}", -ERANGE,
	  "member 'service': must be a string of 1..63 bytes" },
	{ "{\"cmd\":\"service.del\",\"service\":5}", -EBADMSG,
	  "member 'service': must be a string" },
	{ "{\"cmd\":\"real.up\",\"service\":\"s\",\"real\":[\"r\"]}", -EBADMSG,
	  "member 'real': must be a string" },
	{ "{\"cmd\":\"service.del\",\"service\":\"s\\u0000x\"}", -EBADMSG,
	  "invalid JSON" },
	{ "{\"cmd\":\"site\"}", -EBADMSG, "unknown cmd 'site'" },
	{ "{\"cmd\":\"site.drained\"}", -EBADMSG,
	  "unknown cmd 'site.drained'" },
	{ "{\"cmd\":\"site.undrain\",\"reason\":\"x\"}", -EBADMSG,
	  "member 'reason': not taken by site.undrain" },
	{ "{\"cmd\":\"site.status\",\"reason\":\"x\"}", -EBADMSG,
	  "member 'reason': not taken by site.status" },
	{ "{\"cmd\":\"real.drain\",\"service\":\"s\",\"real\":\"r\","
	  "\"reason\":\"x\"}",
	  -EBADMSG, "member 'reason': not taken by real.drain" },
	{ "{\"cmd\":\"site.drain\",\"service\":\"s\"}", -EBADMSG,
	  "member 'service': not taken by site.drain" },
	/* pair.synced: the operator's reason is required, one line. */
	{ "{\"cmd\":\"pair.synced\"}", -EBADMSG,
	  "member 'reason': required by pair.synced" },
	{ "{\"cmd\":\"pair.synced\",\"reason\":\"\"}", -ERANGE,
	  "member 'reason': must be a string of 1..255 bytes" },
	{ "{\"cmd\":\"pair.synced\",\"reason\":\"a\\nb\"}", -ERANGE,
	  "without control characters" },
	{ "{\"cmd\":\"pair.synced\",\"reason\":\"x\",\"service\":\"s\"}",
	  -EBADMSG, "member 'service': not taken by pair.synced" },
	{ "{\"cmd\":\"site.drain\",\"reason\":null}", -EBADMSG,
	  "member 'reason': must be a string" },
	{ "{\"cmd\":\"site.drain\",\"reason\":42}", -EBADMSG,
	  "member 'reason': must be a string" },
	{ "{\"cmd\":\"site.drain\",\"reason\":[\"x\"]}", -EBADMSG,
	  "member 'reason': must be a string" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"\"}", -ERANGE,
	  "member 'reason': must be a string of 1..255 bytes without control characters" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"" T256 "\"}", -ERANGE,
	  "member 'reason': must be a string of 1..255 bytes" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"two\\nlines\"}", -ERANGE,
	  "without control characters" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"tab\\there\"}", -ERANGE,
	  "without control characters" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"esc\\u001b[31m\"}", -ERANGE,
	  "without control characters" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"del\\u007f\"}", -ERANGE,
	  "without control characters" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"csi\\u009b2J\"}", -ERANGE,
	  "without control characters" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"c1 \xc2\x80\"}", -ERANGE,
	  "without control characters" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"x\\u0000y\"}", -EBADMSG,
	  "invalid JSON" },
	{ "{\"cmd\":\"site.drain\",\"reason\":\"\xff\"}", -EBADMSG,
	  "invalid JSON" },
};

static bool printable(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

/* Every byte 0, padding too: what memset leaves (r was 0xa5 before). */
static bool all_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

START_TEST(test_parse_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	struct keel_ctl_req r;
	char err[256];
	int ret;

	memset(&r, 0xa5, sizeof(r));
	ret = keel_ctl_req_parse(c->in, strlen(c->in), &r, err, sizeof(err));
	ck_assert_msg(ret == c->ret, "%s: got %d want %d (%s)", c->in, ret,
		      c->ret, err);
	ck_assert_msg(strstr(err, c->err), "%s: message '%s' lacks '%s'", c->in,
		      err, c->err);
	ck_assert_msg(printable(err), "%s: message not printable", c->in);
	ck_assert_msg(all_zero(&r, sizeof(r)), "%s: out not zeroed", c->in);
}
END_TEST

/* The length limit applies to the bytes given, whitespace included. */
START_TEST(test_parse_size)
{
	static const char req[] = "{\"cmd\":\"status\"}";
	struct keel_ctl_req r;
	char err[128], *buf;

	buf = malloc(KEEL_CTL_MSG_MAX + 1);
	ck_assert_ptr_nonnull(buf);
	memset(buf, ' ', KEEL_CTL_MSG_MAX + 1);
	memcpy(buf, req, strlen(req));
	ck_assert_int_eq(keel_ctl_req_parse(buf, KEEL_CTL_MSG_MAX, &r, err,
					    sizeof(err)),
			 0);
	ck_assert_int_eq(keel_ctl_req_parse(buf, KEEL_CTL_MSG_MAX + 1, &r, err,
					    sizeof(err)),
			 -EBADMSG);
	ck_assert_str_eq(err, "request longer than 65536 bytes");
	/* Only len bytes are read: no NUL needed, none looked for. */
	ck_assert_int_eq(keel_ctl_req_parse(req, strlen(req) - 1, &r, err,
					    sizeof(err)),
			 -EBADMSG);
	free(buf);
}
END_TEST

START_TEST(test_parse_errlen)
{
	static const char bad[] = "{\"cmd\":\"nope\"}";
	struct keel_ctl_req r;
	char err[8];

	ck_assert_int_eq(keel_ctl_req_parse(bad, strlen(bad), &r, NULL, 0),
			 -EBADMSG);
	memset(err, 'x', sizeof(err));
	ck_assert_int_eq(keel_ctl_req_parse(bad, strlen(bad), &r, err, 1),
			 -EBADMSG);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(keel_ctl_req_parse(bad, strlen(bad), &r, err,
					    sizeof(err)),
			 -EBADMSG);
	ck_assert_str_eq(err, "unknown");
}
END_TEST

/* One per command: the exact line lbctl sends, and back. */
static const struct enc_case {
	struct keel_ctl_req in;
	const char *out;
} enc_cases[] = {
	{ { .cmd = KEEL_CTL_STATUS }, "{\"cmd\":\"status\"}\n" },
	{ { .cmd = KEEL_CTL_SERVICES }, "{\"cmd\":\"services\"}\n" },
	{ { .cmd = KEEL_CTL_REALS, .service = "203.0.113.10:80/tcp" },
	  "{\"cmd\":\"reals\",\"service\":\"203.0.113.10:80/tcp\"}\n" },
	{ { .cmd = KEEL_CTL_STATS }, "{\"cmd\":\"stats\"}\n" },
	{ { .cmd = KEEL_CTL_REAL_WEIGHT,
	    .service = "s",
	    .real = "r",
	    .has_weight = true },
	  "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":0}\n" },
	{ { .cmd = KEEL_CTL_REAL_WEIGHT,
	    .service = "s",
	    .real = "r",
	    .has_weight = true,
	    .weight_clear = true },
	  "{\"cmd\":\"real.weight\",\"service\":\"s\",\"real\":\"r\","
	  "\"weight\":null}\n" },
	{ { .cmd = KEEL_CTL_REAL_DRAIN, .service = "s", .real = "r" },
	  "{\"cmd\":\"real.drain\",\"service\":\"s\",\"real\":\"r\"}\n" },
	{ { .cmd = KEEL_CTL_REAL_UNDRAIN, .service = "s", .real = "r" },
	  "{\"cmd\":\"real.undrain\",\"service\":\"s\",\"real\":\"r\"}\n" },
	{ { .cmd = KEEL_CTL_REAL_DOWN, .service = "s", .real = "r" },
	  "{\"cmd\":\"real.down\",\"service\":\"s\",\"real\":\"r\"}\n" },
	{ { .cmd = KEEL_CTL_REAL_UP, .service = "s", .real = "r" },
	  "{\"cmd\":\"real.up\",\"service\":\"s\",\"real\":\"r\"}\n" },
	{ { .cmd = KEEL_CTL_REAL_ADD, .service = "s", .real = "r" },
	  "{\"cmd\":\"real.add\",\"service\":\"s\",\"real\":\"r\"}\n" },
	{ { .cmd = KEEL_CTL_REAL_ADD,
	    .service = "[2001:db8::10]:443/tcp",
	    .real = "fd00::11",
	    .has_weight = true,
	    .weight = 65535 },
	  "{\"cmd\":\"real.add\",\"service\":\"[2001:db8::10]:443/tcp\","
	  "\"real\":\"fd00::11\",\"weight\":65535}\n" },
	{ { .cmd = KEEL_CTL_REAL_DEL, .service = S63, .real = R47 },
	  "{\"cmd\":\"real.del\",\"service\":\"" S63 "\",\"real\":\"" R47
	  "\"}\n" },
	{ { .cmd = KEEL_CTL_SERVICE_ADD, .service = "s" },
	  "{\"cmd\":\"service.add\",\"service\":\"s\"}\n" },
	{ { .cmd = KEEL_CTL_SERVICE_ADD,
	    .service = "s",
	    .persistent = true,
	    .ring_size = 251 },
	  "{\"cmd\":\"service.add\",\"service\":\"s\",\"persistent\":true,"
	  "\"ring_size\":251}\n" },
	{ { .cmd = KEEL_CTL_SERVICE_DEL, .service = "a\"b\\c" },
	  "{\"cmd\":\"service.del\",\"service\":\"a\\\"b\\\\c\"}\n" },
	{ { .cmd = KEEL_CTL_RELOAD }, "{\"cmd\":\"reload\"}\n" },
	{ { .cmd = KEEL_CTL_SHUTDOWN }, "{\"cmd\":\"shutdown\"}\n" },
	{ { .cmd = KEEL_CTL_SHUTDOWN, .unload = true },
	  "{\"cmd\":\"shutdown\",\"unload\":true}\n" },
	{ { .cmd = KEEL_CTL_SITE_STATUS }, "{\"cmd\":\"site.status\"}\n" },
	{ { .cmd = KEEL_CTL_STATUS, .summary = true },
	  "{\"cmd\":\"status\",\"summary\":true}\n" },
	{ { .cmd = KEEL_CTL_SITE_DRAIN }, "{\"cmd\":\"site.drain\"}\n" },
	{ { .cmd = KEEL_CTL_SITE_DRAIN, .reason = "DC power \"B\" \\ work" },
	  "{\"cmd\":\"site.drain\",\"reason\":\"DC power \\\"B\\\" \\\\ work\"}\n" },
	{ { .cmd = KEEL_CTL_SITE_UNDRAIN }, "{\"cmd\":\"site.undrain\"}\n" },
};

START_TEST(test_encode)
{
	const struct enc_case *c = &enc_cases[_i];
	char buf[KEEL_CTL_MSG_MAX], err[256];
	struct keel_ctl_req back;
	int n;

	n = keel_ctl_req_encode(&c->in, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)strlen(c->out));
	ck_assert_str_eq(buf, c->out);
	ck_assert_msg(keel_ctl_req_parse(buf, n, &back, err, sizeof(err)) == 0,
		      "%s: %s", c->out, err);
	req_assert_eq(&back, &c->in, c->out);
}
END_TEST

/* Every accepted request encodes, and that parses back to itself. */
START_TEST(test_round_trip)
{
	const struct good_case *c = &good_cases[_i];
	struct keel_ctl_req r, back;
	char buf[KEEL_CTL_MSG_MAX], err[256];
	int n;

	ck_assert_int_eq(keel_ctl_req_parse(c->in, strlen(c->in), &r, err,
					    sizeof(err)),
			 0);
	n = keel_ctl_req_encode(&r, buf, sizeof(buf));
	ck_assert_msg(n > 0, "%s: encode %d", c->in, n);
	ck_assert_int_eq(strlen(buf), n);
	ck_assert(buf[n - 1] == '\n' && !memchr(buf, '\n', n - 1));
	ck_assert_msg(keel_ctl_req_parse(buf, n, &back, err, sizeof(err)) == 0,
		      "%s: %s", buf, err);
	req_assert_eq(&back, &r, buf);
}
END_TEST

/* The encoder refuses what the parser would refuse. */
static const struct keel_ctl_req enc_bad[] = {
	{ .cmd = KEEL_CTL__MAX },
	{ .cmd = (enum keel_ctl_cmd) - 1 },
	{ .cmd = KEEL_CTL_REAL_DRAIN, .service = "s" },
	{ .cmd = KEEL_CTL_REAL_DRAIN, .real = "r" },
	{ .cmd = KEEL_CTL_REAL_DRAIN,
	  .service = "s",
	  .real = "r",
	  .has_weight = true },
	{ .cmd = KEEL_CTL_REAL_WEIGHT, .service = "s", .real = "r" },
	{ .cmd = KEEL_CTL_REAL_WEIGHT,
	  .service = "s",
	  .real = "r",
	  .has_weight = true,
	  .weight = 65536 },
	{ .cmd = KEEL_CTL_REAL_ADD,
	  .service = "s",
	  .real = "r",
	  .has_weight = true,
	  .weight_clear = true },
	{ .cmd = KEEL_CTL_STATUS, .service = "s" },
	{ .cmd = KEEL_CTL_SERVICE_ADD, .service = "s", .ring_size = 1048574 },
	{ .cmd = KEEL_CTL_SERVICE_ADD, .service = "s", .unload = true },
	{ .cmd = KEEL_CTL_SHUTDOWN, .persistent = true },
	{ .cmd = KEEL_CTL_SERVICE_DEL, .service = "\xff" },
	{ .cmd = KEEL_CTL_SERVICE_DEL, .service = S63, .real = "r" },
	{ .cmd = KEEL_CTL_SITE_UNDRAIN, .reason = "x" },
	{ .cmd = KEEL_CTL_SITE_STATUS, .reason = "x" },
	{ .cmd = KEEL_CTL_STATUS, .reason = "x" },
	{ .cmd = KEEL_CTL_SITE_DRAIN, .reason = "two\nlines" },
	{ .cmd = KEEL_CTL_SITE_DRAIN, .reason = "del\x7f" },
	{ .cmd = KEEL_CTL_SITE_DRAIN, .reason = "cut \xc3" },
	{ .cmd = KEEL_CTL_SITE_DRAIN, .service = "s" },
};

START_TEST(test_encode_bad)
{
	char buf[KEEL_CTL_MSG_MAX];

	ck_assert_int_eq(keel_ctl_req_encode(&enc_bad[_i], buf, sizeof(buf)),
			 -EINVAL);
}
END_TEST

START_TEST(test_encode_unterminated)
{
	struct keel_ctl_req r = { .cmd = KEEL_CTL_SERVICE_DEL };
	char buf[KEEL_CTL_MSG_MAX];

	memset(r.service, 'a', sizeof(r.service));
	ck_assert_int_eq(keel_ctl_req_encode(&r, buf, sizeof(buf)), -EINVAL);
	memset(&r, 0, sizeof(r));
	r.cmd = KEEL_CTL_SITE_DRAIN;
	memset(r.reason, 'a', sizeof(r.reason));
	ck_assert_int_eq(keel_ctl_req_encode(&r, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(test_encode_nospace)
{
	const struct enc_case *c = &enc_cases[_i];
	size_t need = strlen(c->out) + 1, size;
	char buf[256];

	ck_assert_uint_le(need, sizeof(buf));
	for (size = 0; size < need; size++)
		ck_assert_int_eq(keel_ctl_req_encode(&c->in, buf, size),
				 -ENOSPC);
	ck_assert_int_eq(keel_ctl_req_encode(&c->in, buf, need), need - 1);
	ck_assert_str_eq(buf, c->out);
}
END_TEST

static const struct err_case {
	enum keel_ctl_code code;
	const char *code_name;
	const char *msg;
	const char *back; /* the "error" jansson reads back */
} err_cases[] = {
	{ KEEL_CTL_E_BAD_REQUEST, "bad_request", "unknown cmd 'x'",
	  "unknown cmd 'x'" },
	{ KEEL_CTL_E_NOT_FOUND, "not_found", "no service 203.0.113.10:80/tcp",
	  "no service 203.0.113.10:80/tcp" },
	{ KEEL_CTL_E_EXISTS, "exists", "", "" },
	{ KEEL_CTL_E_INVALID, "invalid", "quote \" backslash \\ tab \t nl \n",
	  "quote \" backslash \\ tab \t nl \n" },
	{ KEEL_CTL_E_INTERNAL, "internal", "caf\xc3\xa9", "caf\xc3\xa9" },
	{ KEEL_CTL_E_INTERNAL, "internal", "cut \xc3", "cut ?" },
	{ KEEL_CTL_E_INVALID, "invalid", "\xff\xfe ok", "?? ok" },
	{ KEEL_CTL_E_DENIED, "permission_denied",
	  "real drain needs the admin group 'keel'",
	  "real drain needs the admin group 'keel'" },
};

START_TEST(test_err_encode)
{
	const struct err_case *c = &err_cases[_i];
	char buf[512];
	json_error_t jerr;
	json_t *o;
	int n;

	n = keel_ctl_err_encode(c->code, c->msg, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(strlen(buf), n);
	ck_assert(buf[n - 1] == '\n' && !memchr(buf, '\n', n - 1));
	o = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(o, "%s: %s", buf, jerr.text);
	ck_assert_int_eq(json_object_size(o), 3);
	ck_assert(json_is_false(json_object_get(o, "ok")));
	ck_assert_str_eq(json_string_value(json_object_get(o, "code")),
			 c->code_name);
	ck_assert_str_eq(json_string_value(json_object_get(o, "error")),
			 c->back);
	ck_assert_str_eq(keel_ctl_code_name(c->code), c->code_name);
	json_decref(o);
}
END_TEST

START_TEST(test_err_encode_limits)
{
	static const char want[] =
		"{\"ok\":false,\"code\":\"exists\",\"error\":\"dup\"}\n";
	char buf[64];
	size_t size;

	for (size = 0; size < sizeof(want); size++)
		ck_assert_int_eq(keel_ctl_err_encode(KEEL_CTL_E_EXISTS, "dup",
						     buf, size),
				 -ENOSPC);
	ck_assert_int_eq(keel_ctl_err_encode(KEEL_CTL_E_EXISTS, "dup", buf,
					     sizeof(want)),
			 sizeof(want) - 1);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(keel_ctl_err_encode(KEEL_CTL_E_DENIED + 1, "x", buf,
					     sizeof(buf)),
			 -EINVAL);
	ck_assert_int_eq(keel_ctl_err_encode(KEEL_CTL_E_EXISTS, NULL, buf,
					     sizeof(buf)),
			 -EINVAL);
	ck_assert_str_eq(keel_ctl_code_name(KEEL_CTL_E_DENIED + 1), "unknown");
}
END_TEST

/* Every command has its own name, and the name is what the parser reads. */
/* The read-only role's commands: the ones that change nothing. */
static const struct {
	enum keel_ctl_cmd cmd;
	bool read;
} read_cases[] = {
	{ KEEL_CTL_STATUS, true },	 { KEEL_CTL_SERVICES, true },
	{ KEEL_CTL_REALS, true },	 { KEEL_CTL_STATS, true },
	{ KEEL_CTL_SITE_STATUS, true },	 { KEEL_CTL_REAL_WEIGHT, false },
	{ KEEL_CTL_REAL_DRAIN, false },	 { KEEL_CTL_REAL_UNDRAIN, false },
	{ KEEL_CTL_REAL_DOWN, false },	 { KEEL_CTL_REAL_UP, false },
	{ KEEL_CTL_REAL_ADD, false },	 { KEEL_CTL_REAL_DEL, false },
	{ KEEL_CTL_SERVICE_ADD, false }, { KEEL_CTL_SERVICE_DEL, false },
	{ KEEL_CTL_RELOAD, false },	 { KEEL_CTL_SHUTDOWN, false },
	{ KEEL_CTL_SITE_DRAIN, false },	 { KEEL_CTL_SITE_UNDRAIN, false },
	{ KEEL_CTL_PREFIXES, true },	 { KEEL_CTL_DRAIN, false },
	{ KEEL_CTL_UNDRAIN, false },	 { KEEL_CTL_PAIR_SYNCED, false },
	{ KEEL_CTL_PAIR_STATUS, true },	 { KEEL_CTL__MAX, false },
};
_Static_assert(sizeof(read_cases) / sizeof(read_cases[0]) == KEEL_CTL__MAX + 1,
	       "a row for every command");

START_TEST(test_read_only)
{
	ck_assert_int_eq(keel_ctl_cmd_read_only(read_cases[_i].cmd),
			 read_cases[_i].read);
}
END_TEST

START_TEST(test_cmd_names)
{
	struct keel_ctl_req r;
	char buf[128], err[128];
	int i, j;

	for (i = 0; i < KEEL_CTL__MAX; i++) {
		const char *name = keel_ctl_cmd_name(i);

		ck_assert_str_ne(name, "unknown");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(name, keel_ctl_cmd_name(j));
		snprintf(buf, sizeof(buf), "{\"cmd\":\"%s\"}", name);
		keel_ctl_req_parse_for(buf, strlen(buf), KEEL_CTL_ACCEPT_ALL,
				       &r, err, sizeof(err));
		ck_assert_msg(strstr(err, "unknown") == NULL, "%s: %s", name,
			      err);
	}
	ck_assert_str_eq(keel_ctl_cmd_name(KEEL_CTL__MAX), "unknown");
}
END_TEST

/*
 * Each daemon's commands: another daemon's is an unknown cmd, and a
 * shared one (status, reload) keeps its members' rules.
 */
static const struct accept_case {
	const char *in;
	uint32_t accept;
	int ret; /* 0: parsed as cmd */
	enum keel_ctl_cmd cmd;
	const char *msg;
} accept_cases[] = {
	{ "{\"cmd\":\"prefixes\"}", KEEL_CTL_ACCEPT_BGPA, 0, KEEL_CTL_PREFIXES,
	  "" },
	{ "{\"cmd\":\"status\"}", KEEL_CTL_ACCEPT_BGPA, 0, KEEL_CTL_STATUS,
	  "" },
	{ "{\"cmd\":\"reload\"}", KEEL_CTL_ACCEPT_BGPA, 0, KEEL_CTL_RELOAD,
	  "" },
	{ "{\"cmd\":\"real.drain\",\"service\":\"s\",\"real\":\"r\"}",
	  KEEL_CTL_ACCEPT_BGPA, -EBADMSG, 0, "unknown cmd 'real.drain'" },
	{ "{\"cmd\":\"drain\"}", KEEL_CTL_ACCEPT_BGPA, -EBADMSG, 0,
	  "unknown cmd 'drain'" },
	{ "{\"cmd\":\"prefixes\",\"x\":1}", KEEL_CTL_ACCEPT_BGPA, -EBADMSG, 0,
	  "unknown member 'x'" },
	{ "{\"cmd\":\"prefixes\",\"service\":\"s\"}", KEEL_CTL_ACCEPT_BGPA,
	  -EBADMSG, 0, "member 'service': not taken by prefixes" },
	{ "{\"cmd\":\"drain\"}", KEEL_CTL_ACCEPT_AGENT, 0, KEEL_CTL_DRAIN, "" },
	{ "{\"cmd\":\"undrain\"}", KEEL_CTL_ACCEPT_AGENT, 0, KEEL_CTL_UNDRAIN,
	  "" },
	{ "{\"cmd\":\"status\"}", KEEL_CTL_ACCEPT_AGENT, 0, KEEL_CTL_STATUS,
	  "" },
	{ "{\"cmd\":\"reload\"}", KEEL_CTL_ACCEPT_AGENT, -EBADMSG, 0,
	  "unknown cmd 'reload'" },
	{ "{\"cmd\":\"site.drain\"}", KEEL_CTL_ACCEPT_AGENT, -EBADMSG, 0,
	  "unknown cmd 'site.drain'" },
	/* lbd's own parser is the lbd mask: the others' commands are unknown. */
	{ "{\"cmd\":\"prefixes\"}", KEEL_CTL_ACCEPT_LBD, -EBADMSG, 0,
	  "unknown cmd 'prefixes'" },
	{ "{\"cmd\":\"undrain\"}", KEEL_CTL_ACCEPT_LBD, -EBADMSG, 0,
	  "unknown cmd 'undrain'" },
	{ "{\"cmd\":\"site.undrain\"}", KEEL_CTL_ACCEPT_LBD, 0,
	  KEEL_CTL_SITE_UNDRAIN, "" },
	{ "{\"cmd\":\"pair.status\"}", KEEL_CTL_ACCEPT_LBD, 0,
	  KEEL_CTL_PAIR_STATUS, "" },
	{ "{\"cmd\":\"pair.status\"}", KEEL_CTL_ACCEPT_BGPA, -EBADMSG, 0,
	  "unknown cmd 'pair.status'" },
	{ "{\"cmd\":\"pair.status\",\"service\":\"x\"}", KEEL_CTL_ACCEPT_LBD,
	  -EBADMSG, 0, "service" },
	{ "{\"cmd\":\"status\"}", 0, -EBADMSG, 0, "unknown cmd 'status'" },
	{ "{\"cmd\":\"pair.synced\",\"reason\":\"x\"}", KEEL_CTL_ACCEPT_LBD, 0,
	  KEEL_CTL_PAIR_SYNCED, "" },
	{ "{\"cmd\":\"pair.synced\",\"reason\":\"x\"}", KEEL_CTL_ACCEPT_BGPA,
	  -EBADMSG, 0, "unknown cmd 'pair.synced'" },
};

/* One test for all rows: each row forked would cost the suite seconds. */
START_TEST(test_accept)
{
	const struct accept_case *c;
	struct keel_ctl_req r, lbd;
	char err[256], err2[256];
	int ret, i;

	for (i = 0; i < N(accept_cases); i++) {
		c = &accept_cases[i];
		ret = keel_ctl_req_parse_for(c->in, strlen(c->in), c->accept,
					     &r, err, sizeof(err));
		ck_assert_msg(ret == c->ret, "%s: %d (%s)", c->in, ret, err);
		if (!ret)
			ck_assert_int_eq(r.cmd, c->cmd);
		ck_assert_msg(strstr(err, c->msg), "%s: '%s' lacks '%s'", c->in,
			      err, c->msg);
		if (c->accept == KEEL_CTL_ACCEPT_LBD) {
			ck_assert_int_eq(keel_ctl_req_parse(c->in,
							    strlen(c->in), &lbd,
							    err2, sizeof(err2)),
					 ret);
			ck_assert_str_eq(err, err2);
		}
	}
}
END_TEST

/* Every command encodes, the others' too (lbctl asks all three daemons). */
START_TEST(test_encode_others)
{
	static const enum keel_ctl_cmd cmds[] = { KEEL_CTL_PREFIXES,
						  KEEL_CTL_DRAIN,
						  KEEL_CTL_UNDRAIN };
	static const char *const want[] = { "{\"cmd\":\"prefixes\"}\n",
					    "{\"cmd\":\"drain\"}\n",
					    "{\"cmd\":\"undrain\"}\n" };
	struct keel_ctl_req r = { 0 };
	char buf[64];
	int i;

	for (i = 0; i < N(cmds); i++) {
		r.cmd = cmds[i];
		ck_assert_int_eq(keel_ctl_req_encode(&r, buf, sizeof(buf)),
				 (int)strlen(want[i]));
		ck_assert_str_eq(buf, want[i]);
	}
}
END_TEST

/* The envelope of any answer: ok, and a refusal's code and error. */
static const struct head_case {
	const char *in;
	int ret;
	bool ok, has_code, has_error;
	const char *code, *error; /* or the message when ret != 0 */
} head_cases[] = {
	{ "{\"ok\":true,\"generation\":3}\n", 0, true, false, false, "", "" },
	{ "{\"generation\":3,\"ok\":true}", 0, true, false, false, "", "" },
	{ "{\"ok\":false,\"code\":\"not_found\",\"error\":\"no service "
	  "x\"}\n",
	  0, false, true, true, "not_found", "no service x" },
	{ "{\"ok\":false}", 0, false, false, false, "", "" },
	{ "{\"ok\":false,\"code\":5,\"error\":null}", 0, false, false, false,
	  "", "" },
	/* A terminal's escape in an error never reaches the terminal. */
	{ "{\"ok\":false,\"code\":\"invalid\",\"error\":\"a\\u001b[2Jb\\u00e9\"}",
	  0, false, true, true, "invalid", "a?[2Jb??" },
	{ "{\"ok\":false,\"code\":\"permission_denied_and_more_than_23\"}", 0,
	  false, true, false, "permission_denied_and_m", "" },
	{ "{\"ok\":1}", -EBADMSG, false, false, false, "", "no \"ok\" member" },
	{ "{\"generation\":3}", -EBADMSG, false, false, false, "",
	  "no \"ok\" member" },
	{ "[true]", -EBADMSG, false, false, false, "",
	  "must be a JSON object" },
	{ "{\"ok\":tr", -EBADMSG, false, false, false, "", "invalid JSON" },
	{ "", -EBADMSG, false, false, false, "", "invalid JSON" },
};

START_TEST(test_head)
{
	const struct head_case *c;
	struct keel_ctl_head h;
	char err[256];
	int ret, i;

	for (i = 0; i < N(head_cases); i++) {
		c = &head_cases[i];
		memset(&h, 0x5a, sizeof(h));
		ret = keel_ctl_head_parse(c->in, strlen(c->in), &h, err,
					  sizeof(err));
		ck_assert_msg(ret == c->ret, "%s: %d (%s)", c->in, ret, err);
		if (ret) {
			ck_assert_msg(strstr(err, c->error), "%s: '%s'", c->in,
				      err);
			ck_assert(!h.ok && !h.has_code && !h.code[0] &&
				  !h.error[0]);
			continue;
		}
		ck_assert_msg(h.ok == c->ok && h.has_code == c->has_code &&
				      h.has_error == c->has_error,
			      "%s", c->in);
		ck_assert_str_eq(h.code, c->code);
		ck_assert_str_eq(h.error, c->error);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keel_ctl");
	TCase *tc = tcase_create("codec");

	tcase_add_loop_test(tc, test_parse_good, 0, N(good_cases));
	tcase_add_loop_test(tc, test_parse_bad, 0, N(bad_cases));
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_parse_errlen);
	tcase_add_loop_test(tc, test_encode, 0, N(enc_cases));
	tcase_add_loop_test(tc, test_round_trip, 0, N(good_cases));
	tcase_add_loop_test(tc, test_encode_bad, 0, N(enc_bad));
	tcase_add_test(tc, test_encode_unterminated);
	tcase_add_loop_test(tc, test_encode_nospace, 0, N(enc_cases));
	tcase_add_loop_test(tc, test_err_encode, 0, N(err_cases));
	tcase_add_test(tc, test_err_encode_limits);
	tcase_add_test(tc, test_cmd_names);
	tcase_add_loop_test(tc, test_read_only, 0,
			    sizeof(read_cases) / sizeof(read_cases[0]));
	tcase_add_test(tc, test_accept);
	tcase_add_test(tc, test_encode_others);
	tcase_add_test(tc, test_head);
	suite_add_tcase(s, tc);
	return check_run(s);
}
