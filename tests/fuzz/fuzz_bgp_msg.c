// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: one BGP message of any type, as a peer sends it, through
 * bgp_msg.c.  A refused message must name a NOTIFICATION the encoder can
 * send; an accepted OPEN, NOTIFICATION or ROUTE-REFRESH must encode and
 * parse back to the same struct; an accepted UPDATE's NLRI blocks must walk
 * cleanly.  The first input byte picks the session options.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_msg.h"

#define FUZZ_CHECK(x)            \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static uint8_t out[BGP_MSG_MAX];

static void fuzz_err(const struct bgp_notification *err)
{
	struct bgp_notification back, e2;
	int n;

	FUZZ_CHECK(err->code >= 1 && err->code <= 3 && err->reason);
	n = bgp_notification_encode(out, sizeof(out), err);
	FUZZ_CHECK(n >= BGP_NOTIF_MIN);
	FUZZ_CHECK(bgp_notification_parse(out, n, &back, &e2) == 0);
	FUZZ_CHECK(back.code == err->code && back.subcode == err->subcode &&
		   back.data_len == err->data_len &&
		   !memcmp(back.data, err->data, err->data_len));
}

static void fuzz_walk(const uint8_t *p, size_t n, uint16_t afi)
{
	struct bgp_prefix pfx;
	int ret;

	if (!p)
		return;
	while ((ret = bgp_nlri_next(&p, &n, afi, &pfx)) == 1)
		;
	FUZZ_CHECK(ret == 0);
}

static void fuzz_open(const uint8_t *msg, size_t len)
{
	struct bgp_open o, back;
	struct bgp_notification err;
	int n;

	if (bgp_open_parse(msg, len, &o, &err)) {
		fuzz_err(&err);
		return;
	}
	FUZZ_CHECK(o.version == 4 && o.asn && o.bgp_id && o.hold_time != 1 &&
		   o.hold_time != 2);
	n = bgp_open_encode(out, sizeof(out), &o);
	if (n == -EINVAL) {
		/* Only a 4-octet AS announced without AS_TRANS: cannot be. */
		abort();
	}
	if (n == -EMSGSIZE)
		return; /* capabilities we keep but do not re-send as one */
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(bgp_open_parse(out, n, &back, &err) == 0);
	/* My AS is re-derived from the AS (RFC 6793 section 4.1). */
	o.my_as = o.asn > 0xffff ? BGP_AS_TRANS : (uint16_t)o.asn;
	FUZZ_CHECK(!memcmp(&o, &back, sizeof(o)));
}

static void fuzz_notification(const uint8_t *msg, size_t len)
{
	static struct bgp_notification nt, back;
	struct bgp_notification err;
	int n;

	if (bgp_notification_parse(msg, len, &nt, &err)) {
		fuzz_err(&err);
		return;
	}
	n = bgp_notification_encode(out, sizeof(out), &nt);
	FUZZ_CHECK(n == (int)len && !memcmp(out, msg, len));
	FUZZ_CHECK(bgp_notification_parse(out, n, &back, &err) == 0);
	FUZZ_CHECK(!memcmp(&nt, &back, sizeof(nt)));
}

static void fuzz_route_refresh(const uint8_t *msg, size_t len)
{
	struct bgp_route_refresh rr, back;
	struct bgp_notification err;
	int n;

	if (bgp_route_refresh_parse(msg, len, &rr, &err)) {
		fuzz_err(&err);
		return;
	}
	n = bgp_route_refresh_encode(out, sizeof(out), &rr);
	FUZZ_CHECK(n == BGP_RR_LEN && !memcmp(out, msg, len));
	FUZZ_CHECK(bgp_route_refresh_parse(out, n, &back, &err) == 0);
	FUZZ_CHECK(!memcmp(&rr, &back, sizeof(rr)));
}

static void fuzz_update(const uint8_t *msg, size_t len,
			const struct bgp_parse_opts *opts)
{
	struct bgp_notification err;
	struct bgp_update u;

	if (bgp_update_parse(msg, len, opts, &u, &err)) {
		FUZZ_CHECK(err.code == BGP_ERR_UPDATE ||
			   err.code == BGP_ERR_HEADER);
		fuzz_err(&err);
		return;
	}
	FUZZ_CHECK(u.action <= BGP_UPD_TREAT_AS_WITHDRAW);
	FUZZ_CHECK(u.action == BGP_UPD_OK || u.reason);
	fuzz_walk(u.withdrawn, u.withdrawn_len, BGP_AFI_IPV4);
	fuzz_walk(u.nlri, u.nlri_len, BGP_AFI_IPV4);
	fuzz_walk(u.mp_reach_nlri, u.mp_reach_nlri_len, u.mp_reach_af.afi);
	fuzz_walk(u.mp_unreach_nlri, u.mp_unreach_nlri_len,
		  u.mp_unreach_af.afi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_parse_opts opts;
	struct bgp_notification err;
	struct bgp_hdr h;
	uint8_t *msg;

	if (size < 1)
		return 0;
	opts.as4 = !(data[0] & 1);
	opts.ebgp = !(data[0] & 2);
	data++;
	size--;
	/* An exact-size copy, so that ASan sees a read past the end. */
	msg = malloc(size ? size : 1);
	FUZZ_CHECK(msg);
	memcpy(msg, data, size);
	if (bgp_hdr_parse(msg, size, &h, &err)) {
		fuzz_err(&err);
		goto out;
	}
	switch (h.type) {
	case BGP_OPEN:
		fuzz_open(msg, size);
		break;
	case BGP_UPDATE:
		fuzz_update(msg, size, &opts);
		break;
	case BGP_NOTIFICATION:
		fuzz_notification(msg, size);
		break;
	case BGP_KEEPALIVE:
		if (bgp_keepalive_parse(msg, size, &err))
			fuzz_err(&err);
		break;
	case BGP_ROUTE_REFRESH:
		fuzz_route_refresh(msg, size);
		break;
	default:
		abort();
	}
out:
	free(msg);
	return 0;
}
