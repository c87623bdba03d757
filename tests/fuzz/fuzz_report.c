// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: keel_report_parse() on arbitrary datagrams, as lbd's
 * report socket receives them, under a fixed key (bytes 0x00..0x1f; the
 * seeds in corpus/report/ are signed with it).
 *
 * Random input almost never carries a valid MAC, so each input is also
 * re-signed here (its last 32 bytes replaced by the MAC of the rest) and
 * parsed again: that reaches the field parsing.  Checked: refusals leave
 * a zeroed report and use only the documented errors; the MAC check is
 * the only difference between parse and parse_body; an accepted report
 * is valid, encodes back to the very same bytes, and passes the replay
 * guard exactly once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keel_report.h"

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
	uint32_t id;
	int n;

	FUZZ_CHECK(r->count <= KEEL_REPORT_MAX);
	FUZZ_CHECK(size == KEEL_REPORT_LEN(r->count));
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
	FUZZ_CHECK(keel_replay_check(&g, r) == 0);
	FUZZ_CHECK(keel_replay_check(&g, r) == -EALREADY);
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
