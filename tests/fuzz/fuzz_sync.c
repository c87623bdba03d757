// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: the pair's wire codec (keel_sync.c) on arbitrary
 * bytes, as lbd's pair socket receives them.  keel_sync_frame() on the
 * input; then every body parser on the input taken as a body.  Checked:
 * refusals use only the documented errors and leave outputs zeroed; a
 * body that parses is valid and encodes back to the very same bytes (one
 * encoding per message); a frame that passes was sealed the same way and
 * opens to the same body under the key, and any flipped byte of it fails
 * to open.  The first bytes also drive the replay window against a plain
 * model (a list of the seqs seen): both must agree on every seq and on
 * the count of seqs lost.  The AEAD
 * of random input never verifies, so it is reached by sealing here.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keel_sync.h"

#define FUZZ_CHECK(x)            \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

#define MAXE 512

static const uint8_t key[KEEL_SYNC_KEY_LEN] = { 0x6b, 0x65, 0x65, 0x6c };

static bool fuzz_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void fuzz_same(const uint8_t *data, size_t size, const uint8_t *enc,
		      int len)
{
	FUZZ_CHECK(len >= 0 && (size_t)len == size);
	FUZZ_CHECK(!memcmp(data, enc, size));
}

static void fuzz_frame(const uint8_t *data, size_t size)
{
	static uint8_t body[KEEL_SYNC_BODY_MAX], buf[KEEL_SYNC_LEN_MAX];
	struct keel_sync_hdr h;
	int err = keel_sync_frame(data, size, &h), len;

	if (err) {
		FUZZ_CHECK(err == -EBADMSG || err == -EPROTONOSUPPORT);
		FUZZ_CHECK(err == -EPROTONOSUPPORT || fuzz_zero(&h, sizeof(h)));
		return;
	}
	/* Random bytes do not authenticate. */
	FUZZ_CHECK(keel_sync_open(data, size, &h, key, body) == -EACCES);
	FUZZ_CHECK(fuzz_zero(body, h.n));
	/* Seal the same header over the same bytes: it must frame alike
	 * and open back; a flipped byte must not. */
	len = keel_sync_seal(buf, sizeof(buf), &h, data + KEEL_SYNC_HDR_LEN,
			     h.n, key);
	FUZZ_CHECK(len == (int)size);
	FUZZ_CHECK(!memcmp(buf, data, KEEL_SYNC_HDR_LEN));
	FUZZ_CHECK(keel_sync_open(buf, size, &h, key, body) == 0);
	FUZZ_CHECK(!memcmp(body, data + KEEL_SYNC_HDR_LEN, h.n));
	buf[data[0] % size] ^= 0x80;
	FUZZ_CHECK(keel_sync_open(buf, size, &h, key, body) == -EACCES);
}

static void fuzz_bodies(const uint8_t *data, size_t size)
{
	static struct keel_sync_rec recs[MAXE];
	static struct keel_sync_reg regs[MAXE];
	static struct keel_sync_digest dig[MAXE];
	static struct keel_sync_svc svcs[MAXE];
	static struct keel_sync_table tabs[MAXE];
	static struct keel_sync_table_real treals[MAXE];
	static uint8_t enc[KEEL_SYNC_BODY_MAX + 64];
	struct keel_sync_hello hello;
	struct keel_sync_flows fl;
	struct keel_sync_bulk_data bd;
	struct keel_sync_bulk_req br;
	struct keel_sync_admin ad;
	struct keel_sync_digests dg;
	struct keel_sync_wr w;
	uint16_t count;
	size_t nt, nr;
	int err;

	if (!keel_sync_hello_parse(data, size, &hello))
		fuzz_same(data, size, enc,
			  keel_sync_hello_encode(enc, sizeof(enc), &hello));
	else
		FUZZ_CHECK(fuzz_zero(&hello, sizeof(hello)));

	err = keel_sync_flows_parse(data, size, &fl, recs, MAXE);
	FUZZ_CHECK(!err || err == -EBADMSG || err == -ERANGE);
	if (!err) {
		keel_sync_flows_begin(&w, enc, sizeof(enc), fl.queue_us);
		for (uint16_t i = 0; i < fl.count; i++)
			FUZZ_CHECK(keel_sync_rec_put(&w, &recs[i]) == 0);
		fuzz_same(data, size, enc, keel_sync_wr_end(&w));
	} else {
		FUZZ_CHECK(fuzz_zero(&fl, sizeof(fl)));
	}

	err = keel_sync_bulk_data_parse(data, size, &bd, recs, MAXE);
	FUZZ_CHECK(!err || err == -EBADMSG || err == -ERANGE);
	if (!err) {
		keel_sync_bulk_data_begin(&w, enc, sizeof(enc), &bd);
		for (uint16_t i = 0; i < bd.count; i++)
			FUZZ_CHECK(keel_sync_rec_put(&w, &recs[i]) == 0);
		fuzz_same(data, size, enc, keel_sync_wr_end(&w));
	} else {
		FUZZ_CHECK(fuzz_zero(&bd, sizeof(bd)));
	}

	if (!keel_sync_bulk_req_parse(data, size, &br))
		fuzz_same(data, size, enc,
			  keel_sync_bulk_req_encode(enc, sizeof(enc), &br));
	else
		FUZZ_CHECK(fuzz_zero(&br, sizeof(br)));

	err = keel_sync_admin_parse(data, size, &ad, regs, MAXE);
	FUZZ_CHECK(!err || err == -EBADMSG || err == -ERANGE);
	if (!err)
		fuzz_same(data, size, enc,
			  keel_sync_admin_encode(enc, sizeof(enc), &ad, regs));
	else
		FUZZ_CHECK(fuzz_zero(&ad, sizeof(ad)));

	err = keel_sync_digests_parse(data, size, &dg, dig, MAXE);
	FUZZ_CHECK(!err || err == -EBADMSG || err == -ERANGE);
	if (!err)
		fuzz_same(data, size, enc,
			  keel_sync_digests_encode(enc, sizeof(enc), &dg, dig));
	else
		FUZZ_CHECK(fuzz_zero(&dg, sizeof(dg)));

	err = keel_sync_table_req_parse(data, size, &count, svcs, MAXE);
	FUZZ_CHECK(!err || err == -EBADMSG || err == -ERANGE);
	if (!err)
		fuzz_same(data, size, enc,
			  keel_sync_table_req_encode(enc, sizeof(enc), count,
						     svcs));
	else
		FUZZ_CHECK(count == 0);

	err = keel_sync_table_data_parse(data, size, tabs, MAXE, &nt, treals,
					 MAXE, &nr);
	FUZZ_CHECK(!err || err == -EBADMSG || err == -ERANGE);
	if (!err)
		fuzz_same(data, size, enc,
			  keel_sync_table_data_encode(enc, sizeof(enc), tabs,
						      nt, treals));
	else
		FUZZ_CHECK(nt == 0 && nr == 0);
}

/* The window against a model: the seqs seen, and the highest. */
static void fuzz_window(const uint8_t *data, size_t size)
{
	static uint64_t seen[256];
	struct keel_sync_window w;
	const uint64_t first = 1000;
	uint64_t top = first, seq;
	size_t n = 0;

	keel_sync_window_init(&w, top);
	seen[n++] = top;
	for (size_t i = 0; i + 2 <= size && n < 256; i += 2) {
		/* A step around top: -1536 .. +511, so both edges are hit. */
		int step = (int)((data[i] << 8 | data[i + 1]) % 2048) - 1536;
		bool dup = false;
		int want;

		seq = (int64_t)top + step > 0 ?
			      (uint64_t)((int64_t)top + step) :
			      0;
		for (size_t j = 0; j < n; j++)
			dup |= seen[j] == seq;
		/* Nothing up to the session's first seq is fresh. */
		want = (seq <= first || dup ||
			(seq <= top && top - seq >= 1024)) ?
			       -EALREADY :
			       0;
		FUZZ_CHECK(keel_sync_window_check(&w, seq) == want);
		if (want)
			continue;
		keel_sync_window_mark(&w, seq);
		seen[n++] = seq;
		if (seq > top)
			top = seq;
		FUZZ_CHECK(w.top == top);
		FUZZ_CHECK(keel_sync_window_check(&w, seq) == -EALREADY);
		/* Lost: the seqs after the first up to top not seen. */
		FUZZ_CHECK(w.lost == (top - first) - (n - 1));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;

	if (!init) {
		FUZZ_CHECK(sodium_init() >= 0);
		init = true;
	}
	fuzz_frame(data, size);
	fuzz_bodies(data, size);
	fuzz_window(data, size);
	return 0;
}
