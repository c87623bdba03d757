// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgp_fsm.c alone: a table of (state, event, input) -> (next state,
 * actions, NOTIFICATION), the OPEN negotiation outcomes, the back-off and
 * the collision rule.  Every row starts from a fresh FSM put in the state
 * named, as it would be after a normal session start with hold time 9.
 */
#include <string.h>

#include "bgp_fsm.h"
#include "check_run.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define LOCAL_AS 65001
#define PEER_AS 65000
#define LOCAL_ID 0x0a630102 /* 10.99.1.2 */
#define PEER_ID 0x0a630101

enum in_kind {
	IN_NONE,
	IN_OPEN_OK, /* AS 65000, hold 90, IPv4+IPv6, AS4, RR */
	IN_OPEN_BAD_AS,
	IN_OPEN_NO_MP, /* no MP capability: IPv4 only (RFC 4760) */
	IN_OPEN_V4_ONLY_MP, /* MP for IPv4 only: no IPv6 (RFC 5492) */
	IN_OPEN_V6_ONLY_MP,
	IN_OPEN_OTHER_AFI, /* MP for a family we do not carry */
	IN_OPEN_HOLD0,
	IN_OPEN_HOLD3,
	IN_ERR_MARKER, /* a header error to send: 1/1 */
	IN_NOTIF,
	IN_RR4,
	IN_RR_OTHER,
};

static struct bgp_open open_with(enum in_kind k)
{
	struct bgp_open o = {
		.version = 4,
		.asn = PEER_AS,
		.my_as = PEER_AS,
		.hold_time = 90,
		.bgp_id = PEER_ID,
		.cap_as4 = true,
		.cap_route_refresh = true,
		.n_mp = 2,
		.mp = { { BGP_AFI_IPV4, 1 }, { BGP_AFI_IPV6, 1 } },
	};

	switch (k) {
	case IN_OPEN_BAD_AS:
		o.asn = o.my_as = 65099;
		break;
	case IN_OPEN_NO_MP:
		o.n_mp = 0;
		break;
	case IN_OPEN_V4_ONLY_MP:
		o.n_mp = 1;
		break;
	case IN_OPEN_V6_ONLY_MP:
		o.n_mp = 1;
		o.mp[0].afi = BGP_AFI_IPV6;
		break;
	case IN_OPEN_OTHER_AFI:
		o.n_mp = 1;
		o.mp[0].afi = 25; /* L2VPN */
		break;
	case IN_OPEN_HOLD0:
		o.hold_time = 0;
		break;
	case IN_OPEN_HOLD3:
		o.hold_time = 3;
		break;
	default:
		break;
	}
	return o;
}

#define A(x) BGP_ACT_##x
/* What a failure from a connected state does, with restart armed. */
#define FAIL (A(CLOSE) | A(STOP_HOLD) | A(STOP_KEEPALIVE) | A(ARM_RETRY))
#define FAIL_N (FAIL | A(SEND_NOTIF))
#define ESTAB_DOWN (A(DOWN))

/* Idle after a failure, restart pending (a row's from only). */
#define ST_IDLE_AUTO BGP_ST__MAX

struct fsm_case {
	unsigned int from; /* enum bgp_state, or ST_IDLE_AUTO */
	enum bgp_event ev;
	enum in_kind in;
	enum bgp_state to;
	uint32_t actions;
	uint8_t code, subcode; /* NOTIFICATION sent, when SEND_NOTIF */
	uint16_t hold_ms_s; /* hold timer armed (s), when ARM_HOLD */
	const char *why; /* the reason given (status last_reason); NULL: any */
};

/* Rows give the trailing NOTIFICATION, hold and why fields only when used. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct fsm_case cases[] = {
	/* Idle */
	{ BGP_ST_IDLE, BGP_EV_START, IN_NONE, BGP_ST_CONNECT,
	  A(CONNECT) | A(ARM_RETRY) },
	{ BGP_ST_IDLE, BGP_EV_RETRY_EXP, IN_NONE, BGP_ST_IDLE, 0 },
	{ BGP_ST_IDLE, BGP_EV_TCP_CONFIRMED, IN_NONE, BGP_ST_IDLE, A(CLOSE) },
	/* Idle after a failure, waiting out the back-off */
	{ ST_IDLE_AUTO, BGP_EV_RETRY_EXP, IN_NONE, BGP_ST_CONNECT,
	  A(CONNECT) | A(ARM_RETRY) },
	{ ST_IDLE_AUTO, BGP_EV_TCP_CONFIRMED, IN_NONE, BGP_ST_OPENSENT,
	  A(STOP_RETRY) | A(SEND_OPEN) | A(ARM_HOLD), 0, 0, 240 },
	{ ST_IDLE_AUTO, BGP_EV_STOP, IN_NONE, BGP_ST_IDLE,
	  A(STOP_RETRY) | A(STOP_HOLD) | A(STOP_KEEPALIVE) },
	{ ST_IDLE_AUTO, BGP_EV_START, IN_NONE, BGP_ST_CONNECT,
	  A(CONNECT) | A(ARM_RETRY) },
	{ BGP_ST_IDLE, BGP_EV_STOP, IN_NONE, BGP_ST_IDLE,
	  A(STOP_RETRY) | A(STOP_HOLD) | A(STOP_KEEPALIVE) },
	{ BGP_ST_IDLE, BGP_EV_HOLD_EXP, IN_NONE, BGP_ST_IDLE, 0 },
	{ BGP_ST_IDLE, BGP_EV_KEEPALIVE, IN_NONE, BGP_ST_IDLE, 0 },
	{ BGP_ST_IDLE, BGP_EV_OPEN, IN_OPEN_OK, BGP_ST_IDLE, 0 },
	{ BGP_ST_IDLE, BGP_EV_TCP_FAILS, IN_NONE, BGP_ST_IDLE, 0 },
	/* BFD down without a session: nothing to end (RFC 5882 section 4.3). */
	{ BGP_ST_IDLE, BGP_EV_BFD_DOWN, IN_NONE, BGP_ST_IDLE, 0 },
	{ ST_IDLE_AUTO, BGP_EV_BFD_DOWN, IN_NONE, BGP_ST_IDLE, 0 },

	/* Connect */
	{ BGP_ST_CONNECT, BGP_EV_START, IN_NONE, BGP_ST_CONNECT, 0 },
	{ BGP_ST_CONNECT, BGP_EV_RETRY_EXP, IN_NONE, BGP_ST_CONNECT,
	  A(CLOSE) | A(CONNECT) | A(ARM_RETRY) },
	{ BGP_ST_CONNECT, BGP_EV_TCP_CONFIRMED, IN_NONE, BGP_ST_OPENSENT,
	  A(STOP_RETRY) | A(SEND_OPEN) | A(ARM_HOLD), 0, 0, 240 },
	{ BGP_ST_CONNECT, BGP_EV_TCP_FAILS, IN_NONE, BGP_ST_ACTIVE,
	  A(CLOSE) | A(ARM_RETRY) },
	{ BGP_ST_CONNECT, BGP_EV_STOP, IN_NONE, BGP_ST_IDLE,
	  A(CLOSE) | A(STOP_RETRY) | A(STOP_HOLD) | A(STOP_KEEPALIVE) },
	{ BGP_ST_CONNECT, BGP_EV_HOLD_EXP, IN_NONE, BGP_ST_CONNECT, 0 },
	{ BGP_ST_CONNECT, BGP_EV_KEEPALIVE, IN_NONE, BGP_ST_IDLE, FAIL },
	{ BGP_ST_CONNECT, BGP_EV_BFD_DOWN, IN_NONE, BGP_ST_CONNECT, 0 },

	/* Active */
	{ BGP_ST_ACTIVE, BGP_EV_RETRY_EXP, IN_NONE, BGP_ST_CONNECT,
	  A(CONNECT) | A(ARM_RETRY) },
	{ BGP_ST_ACTIVE, BGP_EV_TCP_CONFIRMED, IN_NONE, BGP_ST_OPENSENT,
	  A(STOP_RETRY) | A(SEND_OPEN) | A(ARM_HOLD), 0, 0, 240 },
	{ BGP_ST_ACTIVE, BGP_EV_TCP_FAILS, IN_NONE, BGP_ST_ACTIVE,
	  A(CLOSE) | A(ARM_RETRY) },
	{ BGP_ST_ACTIVE, BGP_EV_STOP, IN_NONE, BGP_ST_IDLE,
	  A(CLOSE) | A(STOP_RETRY) | A(STOP_HOLD) | A(STOP_KEEPALIVE) },
	{ BGP_ST_ACTIVE, BGP_EV_UPDATE, IN_NONE, BGP_ST_IDLE, FAIL },
	{ BGP_ST_ACTIVE, BGP_EV_BFD_DOWN, IN_NONE, BGP_ST_ACTIVE, 0 },

	/* OpenSent */
	{ BGP_ST_OPENSENT, BGP_EV_OPEN, IN_OPEN_OK, BGP_ST_OPENCONFIRM,
	  A(STOP_RETRY) | A(SEND_KEEPALIVE) | A(ARM_HOLD) | A(ARM_KEEPALIVE), 0,
	  0, 9 },
	{ BGP_ST_OPENSENT, BGP_EV_OPEN, IN_OPEN_HOLD3, BGP_ST_OPENCONFIRM,
	  A(STOP_RETRY) | A(SEND_KEEPALIVE) | A(ARM_HOLD) | A(ARM_KEEPALIVE), 0,
	  0, 3 },
	{ BGP_ST_OPENSENT, BGP_EV_OPEN, IN_OPEN_HOLD0, BGP_ST_OPENCONFIRM,
	  A(STOP_RETRY) | A(SEND_KEEPALIVE) | A(STOP_HOLD) |
		  A(STOP_KEEPALIVE) },
	{ BGP_ST_OPENSENT, BGP_EV_OPEN, IN_OPEN_NO_MP, BGP_ST_OPENCONFIRM,
	  A(STOP_RETRY) | A(SEND_KEEPALIVE) | A(ARM_HOLD) | A(ARM_KEEPALIVE), 0,
	  0, 9 },
	{ BGP_ST_OPENSENT, BGP_EV_OPEN, IN_OPEN_BAD_AS, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_OPEN, BGP_OPEN_PEER_AS },
	{ BGP_ST_OPENSENT, BGP_EV_OPEN, IN_OPEN_OTHER_AFI, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_OPEN, BGP_OPEN_UNSUP_CAP },
	{ BGP_ST_OPENSENT, BGP_EV_HOLD_EXP, IN_NONE, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_HOLD, 0 },
	{ BGP_ST_OPENSENT, BGP_EV_TCP_FAILS, IN_NONE, BGP_ST_ACTIVE,
	  A(CLOSE) | A(STOP_HOLD) | A(ARM_RETRY), 0, 0, 0,
	  "connection lost before the OPEN" },
	/* The path is gone: as a TCP failure, no NOTIFICATION, BFD's reason. */
	{ BGP_ST_OPENSENT, BGP_EV_BFD_DOWN, IN_NONE, BGP_ST_ACTIVE,
	  A(CLOSE) | A(STOP_HOLD) | A(ARM_RETRY), 0, 0, 0, "BFD went down" },
	{ BGP_ST_OPENSENT, BGP_EV_MSG_ERR, IN_ERR_MARKER, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_HEADER, BGP_HDR_SYNC },
	{ BGP_ST_OPENSENT, BGP_EV_NOTIF, IN_NOTIF, BGP_ST_IDLE, FAIL },
	{ BGP_ST_OPENSENT, BGP_EV_KEEPALIVE, IN_NONE, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_FSM, 1 },
	{ BGP_ST_OPENSENT, BGP_EV_UPDATE, IN_NONE, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_FSM, 1 },
	{ BGP_ST_OPENSENT, BGP_EV_ROUTE_REFRESH, IN_RR4, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_FSM, 1 },
	{ BGP_ST_OPENSENT, BGP_EV_COLLISION_DUMP, IN_NONE, BGP_ST_ACTIVE,
	  A(SEND_NOTIF) | A(CLOSE) | A(STOP_HOLD) | A(STOP_KEEPALIVE) |
		  A(ARM_RETRY),
	  BGP_ERR_CEASE, BGP_CEASE_COLLISION },
	{ BGP_ST_OPENSENT, BGP_EV_STOP, IN_NONE, BGP_ST_IDLE,
	  A(SEND_NOTIF) | A(CLOSE) | A(STOP_RETRY) | A(STOP_HOLD) |
		  A(STOP_KEEPALIVE),
	  BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN },
	{ BGP_ST_OPENSENT, BGP_EV_KEEPALIVE_EXP, IN_NONE, BGP_ST_OPENSENT, 0 },

	/* OpenConfirm */
	{ BGP_ST_OPENCONFIRM, BGP_EV_KEEPALIVE, IN_NONE, BGP_ST_ESTABLISHED,
	  A(ARM_HOLD) | A(ESTABLISHED), 0, 0, 9 },
	{ BGP_ST_OPENCONFIRM, BGP_EV_KEEPALIVE_EXP, IN_NONE, BGP_ST_OPENCONFIRM,
	  A(SEND_KEEPALIVE) | A(ARM_KEEPALIVE) },
	{ BGP_ST_OPENCONFIRM, BGP_EV_HOLD_EXP, IN_NONE, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_HOLD, 0 },
	{ BGP_ST_OPENCONFIRM, BGP_EV_TCP_FAILS, IN_NONE, BGP_ST_IDLE, FAIL, 0,
	  0, 0, "connection lost" },
	{ BGP_ST_OPENCONFIRM, BGP_EV_BFD_DOWN, IN_NONE, BGP_ST_IDLE, FAIL, 0, 0,
	  0, "BFD went down" },
	{ BGP_ST_OPENCONFIRM, BGP_EV_NOTIF, IN_NOTIF, BGP_ST_IDLE, FAIL },
	{ BGP_ST_OPENCONFIRM, BGP_EV_OPEN, IN_OPEN_OK, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_FSM, 2 },
	{ BGP_ST_OPENCONFIRM, BGP_EV_UPDATE, IN_NONE, BGP_ST_IDLE, FAIL_N,
	  BGP_ERR_FSM, 2 },
	{ BGP_ST_OPENCONFIRM, BGP_EV_MSG_ERR, IN_ERR_MARKER, BGP_ST_IDLE,
	  FAIL_N, BGP_ERR_HEADER, BGP_HDR_SYNC },
	{ BGP_ST_OPENCONFIRM, BGP_EV_COLLISION_DUMP, IN_NONE, BGP_ST_ACTIVE,
	  A(SEND_NOTIF) | A(CLOSE) | A(STOP_HOLD) | A(STOP_KEEPALIVE) |
		  A(ARM_RETRY),
	  BGP_ERR_CEASE, BGP_CEASE_COLLISION },
	{ BGP_ST_OPENCONFIRM, BGP_EV_STOP, IN_NONE, BGP_ST_IDLE,
	  A(SEND_NOTIF) | A(CLOSE) | A(STOP_RETRY) | A(STOP_HOLD) |
		  A(STOP_KEEPALIVE),
	  BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN },

	/* Established */
	{ BGP_ST_ESTABLISHED, BGP_EV_KEEPALIVE, IN_NONE, BGP_ST_ESTABLISHED,
	  A(ARM_HOLD), 0, 0, 9 },
	{ BGP_ST_ESTABLISHED, BGP_EV_UPDATE, IN_NONE, BGP_ST_ESTABLISHED,
	  A(ARM_HOLD), 0, 0, 9 },
	{ BGP_ST_ESTABLISHED, BGP_EV_ROUTE_REFRESH, IN_RR4, BGP_ST_ESTABLISHED,
	  A(ARM_HOLD) | A(RESEND), 0, 0, 9 },
	{ BGP_ST_ESTABLISHED, BGP_EV_ROUTE_REFRESH, IN_RR_OTHER,
	  BGP_ST_ESTABLISHED, A(ARM_HOLD), 0, 0, 9 },
	{ BGP_ST_ESTABLISHED, BGP_EV_KEEPALIVE_EXP, IN_NONE, BGP_ST_ESTABLISHED,
	  A(SEND_KEEPALIVE) | A(ARM_KEEPALIVE) },
	{ BGP_ST_ESTABLISHED, BGP_EV_HOLD_EXP, IN_NONE, BGP_ST_IDLE,
	  FAIL_N | ESTAB_DOWN, BGP_ERR_HOLD, 0 },
	{ BGP_ST_ESTABLISHED, BGP_EV_TCP_FAILS, IN_NONE, BGP_ST_IDLE,
	  FAIL | ESTAB_DOWN, 0, 0, 0, "connection lost" },
	{ BGP_ST_ESTABLISHED, BGP_EV_BFD_DOWN, IN_NONE, BGP_ST_IDLE,
	  FAIL | ESTAB_DOWN, 0, 0, 0, "BFD went down" },
	{ BGP_ST_ESTABLISHED, BGP_EV_NOTIF, IN_NOTIF, BGP_ST_IDLE,
	  FAIL | ESTAB_DOWN },
	{ BGP_ST_ESTABLISHED, BGP_EV_MSG_ERR, IN_ERR_MARKER, BGP_ST_IDLE,
	  FAIL_N | ESTAB_DOWN, BGP_ERR_HEADER, BGP_HDR_SYNC },
	{ BGP_ST_ESTABLISHED, BGP_EV_OPEN, IN_OPEN_OK, BGP_ST_IDLE,
	  FAIL_N | ESTAB_DOWN, BGP_ERR_FSM, 3 },
	{ BGP_ST_ESTABLISHED, BGP_EV_STOP, IN_NONE, BGP_ST_IDLE,
	  A(SEND_NOTIF) | A(CLOSE) | A(DOWN) | A(STOP_RETRY) | A(STOP_HOLD) |
		  A(STOP_KEEPALIVE),
	  BGP_ERR_CEASE, BGP_CEASE_SHUTDOWN },
	{ BGP_ST_ESTABLISHED, BGP_EV_TCP_CONFIRMED, IN_NONE, BGP_ST_ESTABLISHED,
	  0 },
	{ BGP_ST_ESTABLISHED, BGP_EV_RETRY_EXP, IN_NONE, BGP_ST_ESTABLISHED,
	  0 },
};
#pragma GCC diagnostic pop

static const struct bgp_fsm_cfg base_cfg = {
	.local_as = LOCAL_AS,
	.peer_as = PEER_AS,
	.local_id = LOCAL_ID,
	.hold_time = 9,
	.want_ipv4 = true,
	.want_ipv6 = true,
	.retry_min_ms = 1000,
	.retry_max_ms = 30000,
};

/* Drive a fresh FSM through a normal start up to state s. */
static void fsm_to(struct bgp_fsm *f, unsigned int s)
{
	struct bgp_open o = open_with(IN_OPEN_OK);
	struct bgp_fsm_in in = { .open = &o };
	struct bgp_fsm_out out;

	bgp_fsm_init(f, &base_cfg);
	if (s == BGP_ST_IDLE)
		return;
	bgp_fsm_step(f, BGP_EV_START, NULL, &out);
	if (s == ST_IDLE_AUTO) {
		bgp_fsm_step(f, BGP_EV_TCP_CONFIRMED, NULL, &out);
		bgp_fsm_step(f, BGP_EV_HOLD_EXP, NULL, &out);
		ck_assert(out.actions & BGP_ACT_ARM_RETRY);
		ck_assert_int_eq(f->state, BGP_ST_IDLE);
		return;
	}
	if (s == BGP_ST_CONNECT)
		goto out;
	if (s == BGP_ST_ACTIVE) {
		bgp_fsm_step(f, BGP_EV_TCP_FAILS, NULL, &out);
		goto out;
	}
	bgp_fsm_step(f, BGP_EV_TCP_CONFIRMED, NULL, &out);
	if (s == BGP_ST_OPENSENT)
		goto out;
	bgp_fsm_step(f, BGP_EV_OPEN, &in, &out);
	if (s == BGP_ST_OPENCONFIRM)
		goto out;
	bgp_fsm_step(f, BGP_EV_KEEPALIVE, NULL, &out);
out:
	ck_assert_int_eq(f->state, s);
}

START_TEST(test_table)
{
	const struct fsm_case *c = &cases[_i];
	struct bgp_open o = open_with(c->in);
	struct bgp_notification err = { .code = BGP_ERR_HEADER,
					.subcode = BGP_HDR_SYNC };
	struct bgp_notification notif = { .code = BGP_ERR_CEASE };
	struct bgp_route_refresh rr4 = { .afi = BGP_AFI_IPV4, .safi = 1 };
	struct bgp_route_refresh rrx = { .afi = 25, .safi = 65 };
	struct bgp_fsm_in in = { .rand = 0 };
	struct bgp_fsm_out out;
	struct bgp_fsm f;

	if (c->in >= IN_OPEN_OK && c->in <= IN_OPEN_HOLD3)
		in.open = &o;
	if (c->in == IN_ERR_MARKER)
		in.err = &err;
	if (c->in == IN_NOTIF)
		in.notif = &notif;
	if (c->in == IN_RR4)
		in.rr = &rr4;
	if (c->in == IN_RR_OTHER)
		in.rr = &rrx;
	fsm_to(&f, c->from);
	bgp_fsm_step(&f, c->ev, &in, &out);
	ck_assert_msg(f.state == c->to, "%s + %s: state %s, want %s",
		      bgp_state_name(c->from), bgp_event_name(c->ev),
		      bgp_state_name(f.state), bgp_state_name(c->to));
	ck_assert_msg(out.actions == c->actions,
		      "%s + %s: actions %#x, want %#x", bgp_state_name(c->from),
		      bgp_event_name(c->ev), out.actions, c->actions);
	if (c->actions & BGP_ACT_SEND_NOTIF) {
		ck_assert_int_eq(out.notif.code, c->code);
		ck_assert_int_eq(out.notif.subcode, c->subcode);
	}
	if (c->actions & BGP_ACT_ARM_HOLD)
		ck_assert_uint_eq(out.hold_ms, c->hold_ms_s * 1000u);
	if (c->actions & BGP_ACT_ARM_RETRY)
		ck_assert(out.retry_ms >= 750 && out.retry_ms <= 30000);
	if (c->why)
		ck_assert_msg(out.why && !strcmp(out.why, c->why),
			      "%s + %s: why \"%s\", want \"%s\"",
			      bgp_state_name(c->from), bgp_event_name(c->ev),
			      out.why ? out.why : "(none)", c->why);
}
END_TEST

/* What the OPEN exchange settles, per received OPEN. */
static const struct nego_case {
	enum in_kind in;
	bool want6;
	uint16_t hold, keepalive;
	bool ipv4, ipv6;
} nego_cases[] = {
	{ IN_OPEN_OK, true, 9, 3, true, true },
	{ IN_OPEN_HOLD0, true, 0, 0, true, true },
	{ IN_OPEN_HOLD3, true, 3, 1, true, true },
	{ IN_OPEN_NO_MP, true, 9, 3, true, false },
	{ IN_OPEN_V4_ONLY_MP, true, 9, 3, true, false },
	{ IN_OPEN_V6_ONLY_MP, true, 9, 3, false, true },
	{ IN_OPEN_OK, false, 9, 3, true, false },
};

START_TEST(test_negotiation)
{
	const struct nego_case *c = &nego_cases[_i];
	struct bgp_open o = open_with(c->in);
	struct bgp_fsm_in in = { .open = &o };
	struct bgp_fsm_cfg cfg = base_cfg;
	struct bgp_fsm_out out;
	struct bgp_fsm f;

	cfg.want_ipv6 = c->want6;
	bgp_fsm_init(&f, &cfg);
	bgp_fsm_step(&f, BGP_EV_START, NULL, &out);
	bgp_fsm_step(&f, BGP_EV_TCP_CONFIRMED, NULL, &out);
	bgp_fsm_step(&f, BGP_EV_OPEN, &in, &out);
	ck_assert_int_eq(f.state, BGP_ST_OPENCONFIRM);
	ck_assert_uint_eq(f.nego.hold_time, c->hold);
	ck_assert_uint_eq(f.nego.keepalive, c->keepalive);
	ck_assert_int_eq(f.nego.ipv4, c->ipv4);
	ck_assert_int_eq(f.nego.ipv6, c->ipv6);
	ck_assert(f.nego.as4);
	ck_assert_uint_eq(f.nego.peer_id, PEER_ID);
	if (c->keepalive)
		ck_assert_uint_eq(out.keepalive_ms, c->keepalive * 1000u);
}
END_TEST

/* RFC 6286 section 2.2: our own BGP identifier, refused only for iBGP. */
START_TEST(test_same_id)
{
	struct bgp_open o = open_with(IN_OPEN_OK);
	struct bgp_fsm_in in = { .open = &o };
	struct bgp_fsm_cfg cfg = base_cfg;
	struct bgp_fsm_out out;
	struct bgp_fsm f;

	o.bgp_id = LOCAL_ID;
	fsm_to(&f, BGP_ST_OPENSENT);
	bgp_fsm_step(&f, BGP_EV_OPEN, &in, &out);
	ck_assert_int_eq(f.state, BGP_ST_OPENCONFIRM);

	cfg.peer_as = LOCAL_AS;
	o.asn = LOCAL_AS;
	bgp_fsm_init(&f, &cfg);
	bgp_fsm_step(&f, BGP_EV_START, NULL, &out);
	bgp_fsm_step(&f, BGP_EV_TCP_CONFIRMED, NULL, &out);
	bgp_fsm_step(&f, BGP_EV_OPEN, &in, &out);
	ck_assert_int_eq(f.state, BGP_ST_IDLE);
	ck_assert_int_eq(out.notif.code, BGP_ERR_OPEN);
	ck_assert_int_eq(out.notif.subcode, BGP_OPEN_BGP_ID);
}
END_TEST

/* The OPEN we send: our AS, hold, id; AS4, route refresh, MP per family. */
START_TEST(test_open_sent)
{
	struct bgp_fsm_cfg cfg = base_cfg;
	struct bgp_open o;
	struct bgp_fsm f;

	cfg.local_as = 4200000001u;
	cfg.want_ipv4 = false;
	bgp_fsm_init(&f, &cfg);
	bgp_fsm_open(&f, &o);
	ck_assert_uint_eq(o.asn, 4200000001u);
	ck_assert_uint_eq(o.hold_time, 9);
	ck_assert_uint_eq(o.bgp_id, LOCAL_ID);
	ck_assert(o.cap_as4 && o.cap_route_refresh);
	ck_assert_uint_eq(o.n_mp, 1);
	ck_assert_uint_eq(o.mp[0].afi, BGP_AFI_IPV6);
}
END_TEST

/* Stop carries the RFC 9003 message; afterwards nothing restarts it. */
START_TEST(test_stop_message)
{
	struct bgp_fsm_in in = { .shutdown_msg = "site A drained" };
	struct bgp_fsm_out out;
	struct bgp_fsm f;

	fsm_to(&f, BGP_ST_ESTABLISHED);
	bgp_fsm_step(&f, BGP_EV_STOP, &in, &out);
	ck_assert(out.notif.has_shutdown);
	ck_assert_str_eq(out.notif.shutdown, "site A drained");
	ck_assert_uint_eq(out.notif.shutdown_len, 14);
	bgp_fsm_step(&f, BGP_EV_RETRY_EXP, NULL, &out);
	ck_assert_int_eq(f.state, BGP_ST_IDLE);
	ck_assert_uint_eq(out.actions, 0);
	bgp_fsm_step(&f, BGP_EV_TCP_CONFIRMED, NULL, &out);
	ck_assert_int_eq(f.state, BGP_ST_IDLE);
	ck_assert_uint_eq(out.actions, BGP_ACT_CLOSE);
	bgp_fsm_step(&f, BGP_EV_START, NULL, &out);
	ck_assert_int_eq(f.state, BGP_ST_CONNECT);
}
END_TEST

/* Passive peers never connect: Start waits in Active. */
START_TEST(test_passive)
{
	struct bgp_fsm_cfg cfg = base_cfg;
	struct bgp_fsm_out out;
	struct bgp_fsm f;

	cfg.passive = true;
	bgp_fsm_init(&f, &cfg);
	bgp_fsm_step(&f, BGP_EV_START, NULL, &out);
	ck_assert_int_eq(f.state, BGP_ST_ACTIVE);
	ck_assert(!(out.actions & BGP_ACT_CONNECT));
	bgp_fsm_step(&f, BGP_EV_RETRY_EXP, NULL, &out);
	ck_assert_int_eq(f.state, BGP_ST_ACTIVE);
	ck_assert(!(out.actions & BGP_ACT_CONNECT));
	bgp_fsm_step(&f, BGP_EV_TCP_CONFIRMED, NULL, &out);
	ck_assert_int_eq(f.state, BGP_ST_OPENSENT);
}
END_TEST

/* Failures grow the back-off to the cap; Established resets it. */
START_TEST(test_backoff)
{
	struct bgp_fsm_out out;
	struct bgp_fsm f;
	uint32_t last = 0;
	int i;

	ck_assert_uint_eq(bgp_fsm_backoff_ms(&base_cfg, 0, 0), 1000);
	ck_assert_uint_eq(bgp_fsm_backoff_ms(&base_cfg, 1, 0), 1000);
	ck_assert_uint_eq(bgp_fsm_backoff_ms(&base_cfg, 2, 0), 2000);
	ck_assert_uint_eq(bgp_fsm_backoff_ms(&base_cfg, 4, 0), 8000);
	ck_assert_uint_eq(bgp_fsm_backoff_ms(&base_cfg, 40, 0), 30000);
	ck_assert_uint_eq(bgp_fsm_backoff_ms(&base_cfg, 1, 25), 750);
	ck_assert_uint_eq(bgp_fsm_backoff_ms(&base_cfg, 40, 25), 22500);

	fsm_to(&f, BGP_ST_CONNECT);
	for (i = 0; i < 10; i++) {
		bgp_fsm_step(&f, BGP_EV_TCP_FAILS, NULL, &out);
		ck_assert(out.actions & BGP_ACT_ARM_RETRY);
		ck_assert(out.retry_ms >= last);
		last = out.retry_ms;
		bgp_fsm_step(&f, BGP_EV_RETRY_EXP, NULL, &out);
	}
	ck_assert_uint_eq(last, 30000);
	bgp_fsm_step(&f, BGP_EV_TCP_CONFIRMED, NULL, &out);
	{
		struct bgp_open o = open_with(IN_OPEN_OK);
		struct bgp_fsm_in in = { .open = &o };

		bgp_fsm_step(&f, BGP_EV_OPEN, &in, &out);
	}
	bgp_fsm_step(&f, BGP_EV_KEEPALIVE, NULL, &out);
	ck_assert_int_eq(f.state, BGP_ST_ESTABLISHED);
	ck_assert_uint_eq(f.failures, 0);
	bgp_fsm_step(&f, BGP_EV_TCP_FAILS, NULL, &out);
	ck_assert_uint_eq(out.retry_ms, 1000);
}
END_TEST

/* RFC 4271 section 6.8: the higher BGP Identifier's connection stays. */
START_TEST(test_collision)
{
	ck_assert(bgp_fsm_keep_incoming(0x0a000001, 0x0a000002));
	ck_assert(!bgp_fsm_keep_incoming(0x0a000002, 0x0a000001));
	ck_assert(!bgp_fsm_keep_incoming(0x0a000001, 0x0a000001));
	/* Compared as unsigned 32-bit integers. */
	ck_assert(bgp_fsm_keep_incoming(0x7fffffff, 0x80000000));
}
END_TEST

/*
 * An incoming connection, per state, before its OPEN (at accept) and
 * with it: a higher peer identifier than LOCAL_ID, a lower one.
 */
enum in_open { NO_OPEN, OPEN_HIGHER, OPEN_LOWER };

static const struct incoming_case {
	unsigned int from; /* enum bgp_state, or ST_IDLE_AUTO */
	enum in_open open;
	enum bgp_incoming want;
} incoming_cases[] = {
	/* RFC 4271 section 6.8: a collision is decided on the OPEN. */
	{ BGP_ST_OPENSENT, NO_OPEN, BGP_IN_PARK },
	{ BGP_ST_OPENSENT, OPEN_HIGHER, BGP_IN_DUMP_OURS },
	{ BGP_ST_OPENSENT, OPEN_LOWER, BGP_IN_REFUSE },
	{ BGP_ST_OPENCONFIRM, NO_OPEN, BGP_IN_PARK },
	{ BGP_ST_OPENCONFIRM, OPEN_HIGHER, BGP_IN_DUMP_OURS },
	{ BGP_ST_OPENCONFIRM, OPEN_LOWER, BGP_IN_REFUSE },
	/* Established wins over a new connection. */
	{ BGP_ST_ESTABLISHED, NO_OPEN, BGP_IN_REFUSE },
	{ BGP_ST_ESTABLISHED, OPEN_HIGHER, BGP_IN_REFUSE },
	/*
	 * No connection of ours past Connect/Active: nothing to collide
	 * with, whether the OPEN came before or after ours failed (a
	 * connection parked in OpenSent whose OPEN arrives in Active).
	 */
	{ BGP_ST_CONNECT, NO_OPEN, BGP_IN_ADOPT },
	{ BGP_ST_CONNECT, OPEN_LOWER, BGP_IN_ADOPT },
	{ BGP_ST_ACTIVE, NO_OPEN, BGP_IN_ADOPT },
	{ BGP_ST_ACTIVE, OPEN_HIGHER, BGP_IN_ADOPT },
	{ BGP_ST_ACTIVE, OPEN_LOWER, BGP_IN_ADOPT },
	{ ST_IDLE_AUTO, NO_OPEN, BGP_IN_ADOPT },
	{ ST_IDLE_AUTO, OPEN_LOWER, BGP_IN_ADOPT },
	/* Not started, or stopped by the operator: closed, nothing sent. */
	{ BGP_ST_IDLE, NO_OPEN, BGP_IN_CLOSE },
	{ BGP_ST_IDLE, OPEN_HIGHER, BGP_IN_CLOSE },
};

/* In the order of enum bgp_incoming. */
static const char *const incoming_names[] = { "ADOPT", "PARK", "DUMP_OURS",
					      "REFUSE", "CLOSE" };
_Static_assert(N(incoming_names) == BGP_IN_CLOSE + 1, "incoming_names");

static const char *incoming_name(enum bgp_incoming v)
{
	return (unsigned int)v < N(incoming_names) ? incoming_names[v] : "?";
}

START_TEST(test_incoming)
{
	static const char *const opens[] = { "no OPEN yet", "OPEN, higher id",
					     "OPEN, lower id" };
	const struct incoming_case *c = &incoming_cases[_i];
	struct bgp_open o = open_with(IN_OPEN_OK);
	enum bgp_incoming got;
	struct bgp_fsm f;

	o.bgp_id = c->open == OPEN_HIGHER ? LOCAL_ID + 1 : LOCAL_ID - 1;
	fsm_to(&f, c->from);
	got = bgp_fsm_incoming(&f, c->open == NO_OPEN ? NULL : &o);
	ck_assert_msg(got == c->want, "%s, %s: %s, want %s",
		      c->from == ST_IDLE_AUTO ? "Idle (restart pending)" :
						bgp_state_name(c->from),
		      opens[c->open], incoming_name(got),
		      incoming_name(c->want));
}
END_TEST

/*
 * The router test's case: a connection parked while ours was in OpenSent
 * (or OpenConfirm) sends its OPEN after ours failed.  It is adopted and
 * the session goes on with it to OpenConfirm.
 */
START_TEST(test_incoming_after_collision)
{
	static const unsigned int from[] = { BGP_ST_OPENSENT,
					     BGP_ST_OPENCONFIRM };
	struct bgp_open o = open_with(IN_OPEN_OK);
	struct bgp_fsm_in in = { .open = &o };
	struct bgp_fsm_out out;
	struct bgp_fsm f;

	o.bgp_id = LOCAL_ID - 1; /* ours would have stayed */
	fsm_to(&f, from[_i]);
	ck_assert_int_eq(bgp_fsm_incoming(&f, NULL), BGP_IN_PARK);
	bgp_fsm_step(&f, BGP_EV_TCP_FAILS, NULL, &out);
	ck_assert_int_eq(bgp_fsm_incoming(&f, &o), BGP_IN_ADOPT);
	bgp_fsm_step(&f, BGP_EV_TCP_CONFIRMED, NULL, &out);
	ck_assert_int_eq(f.state, BGP_ST_OPENSENT);
	ck_assert(out.actions & BGP_ACT_SEND_OPEN);
	bgp_fsm_step(&f, BGP_EV_OPEN, &in, &out);
	ck_assert_int_eq(f.state, BGP_ST_OPENCONFIRM);
	ck_assert(out.actions & BGP_ACT_SEND_KEEPALIVE);
}
END_TEST

/* Every name has a text; out-of-range values do not crash. */
START_TEST(test_names)
{
	int i;

	for (i = 0; i < BGP_ST__MAX; i++)
		ck_assert_str_ne(bgp_state_name(i), "?");
	for (i = 0; i < BGP_EV__MAX; i++)
		ck_assert_str_ne(bgp_event_name(i), "?");
	ck_assert_str_eq(bgp_state_name(BGP_ST__MAX), "?");
	ck_assert_str_eq(bgp_event_name(BGP_EV__MAX), "?");
}
END_TEST

static Suite *bgp_fsm_suite(void)
{
	Suite *s = suite_create("bgp_fsm");
	TCase *tc = tcase_create("fsm");

	tcase_add_loop_test(tc, test_table, 0, N(cases));
	tcase_add_loop_test(tc, test_negotiation, 0, N(nego_cases));
	tcase_add_test(tc, test_same_id);
	tcase_add_test(tc, test_open_sent);
	tcase_add_test(tc, test_stop_message);
	tcase_add_test(tc, test_passive);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_collision);
	tcase_add_loop_test(tc, test_incoming, 0, N(incoming_cases));
	tcase_add_loop_test(tc, test_incoming_after_collision, 0, 2);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(bgp_fsm_suite());
}
