// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: keel_report_parse() on arbitrary datagrams, as lbd's
 * report socket receives them, under a fixed key (bytes 0x00..0x1f; the
 * seeds in corpus/report/ are signed with it), in both versions; and
 * lbd's receiver (lb_agents_classify(), the checks it makes on the
 * unauthenticated header before the MAC) on the same bytes.
 *
 * Random input almost never carries a valid MAC, so each input is also
 * re-signed here (its last 32 bytes replaced by the MAC of the rest) and
 * parsed again: that reaches the field parsing.  Checked: refusals leave
 * a zeroed report and use only the documented errors; the MAC check is
 * the only difference between parse and parse_body; peek reads the same
 * header the parser accepts; an accepted report is valid, encodes back to
 * the very same bytes, and passes the replay guard exactly once; the
 * receiver accepts exactly the reports that parse, come from their own
 * real and are new, and then refuses the same datagram as a replay.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keel_report.h"
#include "lb_agents.h"

#define FUZZ_CHECK(x)            \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static const uint8_t key[KEEL_REPORT_KEY_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
	0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static bool fuzz_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static bool fuzz_addr_ok(const struct keel_report_addr *a)
{
	if (a->family == KEEL_F_INET6)
		return true;
	return a->family == KEEL_F_INET && fuzz_zero(a->addr + 4, 12);
}

static void fuzz_accepted(const uint8_t *data, size_t size,
			  const struct keel_report *r)
{
	static uint8_t buf[KEEL_REPORT_LEN_MAX];
	struct keel_replay g = { 0 };
	struct keel_report_hdr h;
	uint32_t id;
	int n;

	FUZZ_CHECK(r->count <= KEEL_REPORT_MAX);
	FUZZ_CHECK(r->version == KEEL_REPORT_VERSION ||
		   r->version == KEEL_REPORT_VERSION_1);
	FUZZ_CHECK(size == (r->version == KEEL_REPORT_VERSION_1 ?
				    KEEL_REPORT_LEN_V1(r->count) :
				    KEEL_REPORT_LEN(r->count)));
	FUZZ_CHECK(fuzz_addr_ok(&r->real));
	for (unsigned int i = 0; i < r->count; i++) {
		const struct keel_report_svc *s = &r->svc[i];

		FUZZ_CHECK(fuzz_addr_ok(&s->vip));
		FUZZ_CHECK(s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP);
		FUZZ_CHECK(s->state == KEEL_RS_UP || s->state == KEEL_RS_DOWN ||
			   s->state == KEEL_RS_DRAINING);
	}
	/* One encoding per report: what was accepted encodes back as is. */
	n = keel_report_encode(buf, sizeof(buf), r, key);
	FUZZ_CHECK(n == (int)size && !memcmp(buf, data, size));
	FUZZ_CHECK(keel_report_key_id(data, size, &id) == 0 && id == r->key_id);
	FUZZ_CHECK(keel_report_peek(data, size, &h) == 0);
	FUZZ_CHECK(h.version == r->version && h.boot == r->boot &&
		   h.seq == r->seq && h.key_id == r->key_id &&
		   !memcmp(h.boot_id, r->boot_id, sizeof(h.boot_id)) &&
		   !memcmp(&h.real, &r->real, sizeof(h.real)));
	FUZZ_CHECK(keel_replay_check(&g, r) == 0);
	FUZZ_CHECK(keel_replay_check(&g, r) == -EALREADY);
	FUZZ_CHECK(keel_replay_test(&g, r->version, r->boot, r->boot_id,
				    r->seq) == -EALREADY);
}

/*
 * lbd's receiver on the datagram, sent from the address it names (and
 * from another): a fresh table of two agents, key id 1 the fuzz key.
 */
static void fuzz_classify(const uint8_t *data, size_t size, int parsed,
			  const struct keel_report *r)
{
	static const struct lb_agent_addr agents[] = {
		{ KEEL_F_INET, { 0x0b00140a } }, /* 10.20.0.11, as read */
		{ KEEL_F_INET6, { 0x000000fd, 0, 0, 0x11000000 } },
	};
	struct lb_agents t = { .n_keys = 1 };
	struct lb_agent_slot *slot;
	struct keel_report_hdr h;
	enum lb_agents_result res;
	bool known = false;
	__be32 src[4];

	t.keys[0].id = 1;
	memcpy(t.keys[0].key, key, sizeof(key));
	lb_agents_key_init(&t.keys[0]);
	FUZZ_CHECK(lb_agents_rebuild(&t, agents, 2) == 0);
	memset(src, 0, sizeof(src));
	if (keel_report_peek(data, size, &h) == 0 &&
	    (h.real.family == KEEL_F_INET || h.real.family == KEEL_F_INET6)) {
		memcpy(src, h.real.addr, sizeof(src));
		known = lb_agents_find(&t, h.real.family, src) != NULL;
	}
	res = lb_agents_classify(&t, data, size, h.real.family, src, 1, &slot);
	FUZZ_CHECK(res < LB_AGENTS_RX__MAX);
	FUZZ_CHECK((res == LB_AGENTS_RX_OK) == (slot != NULL));
	/* Accepted: it parsed, from a known agent, the key id is 1. */
	FUZZ_CHECK(res != LB_AGENTS_RX_OK ||
		   (parsed == 0 && known && r->key_id == 1));
	/* Every report that parses under key id 1 from its agent is taken. */
	if (parsed == 0 && known && r->key_id == 1)
		FUZZ_CHECK(res == LB_AGENTS_RX_OK);
	if (res == LB_AGENTS_RX_OK) {
		FUZZ_CHECK(lb_agents_classify(&t, data, size, h.real.family,
					      src, 2,
					      &slot) == LB_AGENTS_RX_REPLAY);
		FUZZ_CHECK(slot == NULL);
	}
	/* From an address that is no agent's: refused before anything. */
	src[3] ^= 0xff;
	if (!lb_agents_find(&t, h.real.family, src))
		FUZZ_CHECK(lb_agents_classify(&t, data, size, h.real.family,
					      src, 3,
					      &slot) != LB_AGENTS_RX_OK);
	lb_agents_free(&t);
}

static int fuzz_parse(const uint8_t *data, size_t size)
{
	struct keel_report r, body;
	int ret, bret;

	ret = keel_report_parse(data, size, key, &r);
	bret = keel_report_parse_body(data, size, &body);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -EPROTONOSUPPORT ||
		   ret == -EACCES);
	FUZZ_CHECK(bret == 0 || bret == -EBADMSG || bret == -EPROTONOSUPPORT);
	if (ret != -EACCES)
		FUZZ_CHECK(ret == bret);
	fuzz_classify(data, size, ret, &r);
	if (ret) {
		FUZZ_CHECK(fuzz_zero(&r, sizeof(r)));
		if (bret)
			FUZZ_CHECK(fuzz_zero(&body, sizeof(body)));
		return ret;
	}
	fuzz_accepted(data, size, &r);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return sodium_init() < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[2 * KEEL_REPORT_LEN_MAX];

	fuzz_parse(data, size);
	if (size < KEEL_REPORT_MAC_LEN || size > sizeof(buf))
		return 0;
	memcpy(buf, data, size);
	crypto_auth_hmacsha256(buf + size - KEEL_REPORT_MAC_LEN, buf,
			       size - KEEL_REPORT_MAC_LEN, key);
	fuzz_parse(buf, size);
	return 0;
}
