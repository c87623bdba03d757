// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: keel_ctl_req_parse() on arbitrary bytes, as lbd's
 * control socket receives them.  An accepted request must encode and
 * parse back to the same struct; a refused one must leave a zeroed struct
 * and a printable message that keel_ctl_err_encode() makes valid JSON.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "keel_ctl.h"
#include "keel_maps.h"

#define FUZZ_CHECK(x)            \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static bool fuzz_same(const struct keel_ctl_req *a,
		      const struct keel_ctl_req *b)
{
	return a->cmd == b->cmd && !strcmp(a->service, b->service) &&
	       !strcmp(a->real, b->real) && a->has_weight == b->has_weight &&
	       a->weight_clear == b->weight_clear && a->weight == b->weight &&
	       a->persistent == b->persistent && a->ring_size == b->ring_size &&
	       a->unload == b->unload && !strcmp(a->reason, b->reason);
}

static void fuzz_check_req(const struct keel_ctl_req *r)
{
	FUZZ_CHECK((unsigned int)r->cmd < KEEL_CTL__MAX);
	FUZZ_CHECK(memchr(r->service, '\0', sizeof(r->service)));
	FUZZ_CHECK(memchr(r->real, '\0', sizeof(r->real)));
	FUZZ_CHECK(r->weight <= KEEL_CTL_WEIGHT_MAX);
	FUZZ_CHECK(!r->weight_clear || (r->has_weight && !r->weight));
	FUZZ_CHECK(r->ring_size <= KEEL_RING_SIZE_MAX);
	FUZZ_CHECK(!r->reason[0] ||
		   keel_ctl_text_ok(r->reason, strlen(r->reason)));
}

static void fuzz_check_refusal(const char *err)
{
	char buf[1024];
	json_t *o;
	const char *p;
	int n;

	FUZZ_CHECK(err[0]);
	for (p = err; *p; p++)
		FUZZ_CHECK(*p >= 0x20 && *p <= 0x7e);
	n = keel_ctl_err_encode(KEEL_CTL_E_BAD_REQUEST, err, buf, sizeof(buf));
	FUZZ_CHECK(n > 0 && buf[n - 1] == '\n');
	o = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(o);
	FUZZ_CHECK(json_is_false(json_object_get(o, "ok")));
	FUZZ_CHECK(
		!strcmp(json_string_value(json_object_get(o, "error")), err));
	json_decref(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct keel_ctl_req zero;
	static char buf[KEEL_CTL_MSG_MAX];
	struct keel_ctl_req r, back;
	char err[256];
	int ret, n;

	ret = keel_ctl_req_parse((const char *)data, size, &r, err,
				 sizeof(err));
	if (ret) {
		FUZZ_CHECK(ret == -EBADMSG || ret == -ERANGE || ret == -ENOMEM);
		FUZZ_CHECK(!memcmp(&r, &zero, sizeof(r)));
		fuzz_check_refusal(err);
		return 0;
	}
	fuzz_check_req(&r);
	n = keel_ctl_req_encode(&r, buf, sizeof(buf));
	FUZZ_CHECK(n > 0 && buf[n - 1] == '\n' && !memchr(buf, '\n', n - 1));
	FUZZ_CHECK(keel_ctl_req_parse(buf, n, &back, err, sizeof(err)) == 0);
	FUZZ_CHECK(fuzz_same(&r, &back));
	return 0;
}
