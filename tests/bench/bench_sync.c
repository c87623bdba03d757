// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_sync.c - what the pair's wire codec costs per datagram and per
 * record (docs/pair.md): a full FLOWS datagram at a 1500-byte MTU (57
 * IPv4 or 23 IPv6 records) built record by record and sealed, then
 * framed, opened and parsed, against in the same loop the bare
 * HMAC-SHA256 of the same bytes (what an agent report's MAC costs, for a
 * ratio taken in one run).  Medians over runs.
 *
 * usage: bench_sync [datagrams] [runs]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keel_clock.h"
#include "keel_sync.h"

#define BODY_MAX 1396 /* 1500 - IPv6 (40) - UDP (8) - the frame (56) */

static const uint8_t key[KEEL_SYNC_KEY_LEN] = { 9, 9, 9, 9 };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void rec_of(struct keel_sync_rec *r, int family, unsigned int i)
{
	memset(r, 0, sizeof(*r));
	r->kind = KEEL_SYNC_NEW;
	r->family = (uint8_t)family;
	r->proto = 6;
	r->cport = (uint16_t)(1024 + i);
	r->vport = 443;
	if (family == 4) {
		r->client[0] = 10;
		memcpy(r->client + 1, &i, 3);
		r->vip[0] = 192;
		r->vip[3] = 10;
		r->real[0] = 10;
		r->real[3] = (uint8_t)(i % 8);
	} else {
		r->client[0] = 0x20;
		memcpy(r->client + 12, &i, 4);
		r->vip[0] = 0x20;
		r->vip[15] = 0x10;
		r->real[0] = 0x20;
		r->real[15] = (uint8_t)(i % 8);
	}
}

static void run(int family, unsigned int dgrams, unsigned int runs)
{
	static uint8_t body[BODY_MAX], buf[KEEL_SYNC_LEN_MAX],
		out[KEEL_SYNC_BODY_MAX];
	static struct keel_sync_rec recs[64];
	double *enc = calloc(runs, sizeof(double));
	double *dec = calloc(runs, sizeof(double));
	double *mac = calloc(runs, sizeof(double));
	struct keel_sync_hdr h = { .version = 1, .type = KEEL_SYNC_FLOWS };
	struct keel_sync_flows fl;
	struct keel_sync_rec r;
	struct keel_sync_wr w;
	uint8_t tag[crypto_auth_hmacsha256_BYTES];
	unsigned int per = 0;
	int len = 0;

	if (!enc || !dec || !mac)
		exit(1);
	randombytes_buf(h.stream, sizeof(h.stream));
	for (unsigned int k = 0; k < runs; k++) {
		uint64_t t0 = keel_now_ns(), t1, t2, t3;

		for (unsigned int d = 0; d < dgrams; d++) {
			keel_sync_flows_begin(&w, body, sizeof(body), 100);
			for (per = 0;; per++) {
				rec_of(&r, family, d * 64 + per);
				if (keel_sync_rec_put(&w, &r))
					break;
			}
			h.seq = (uint64_t)k * dgrams + d + 1;
			len = keel_sync_seal(buf, sizeof(buf), &h, body,
					     (size_t)keel_sync_wr_end(&w), key);
		}
		t1 = keel_now_ns();
		for (unsigned int d = 0; d < dgrams; d++) {
			struct keel_sync_hdr g;

			if (keel_sync_frame(buf, (size_t)len, &g) ||
			    keel_sync_open(buf, (size_t)len, &g, key, out) ||
			    keel_sync_flows_parse(out, g.n, &fl, recs, 64))
				exit(2);
		}
		t2 = keel_now_ns();
		for (unsigned int d = 0; d < dgrams; d++)
			crypto_auth_hmacsha256(tag, buf, (size_t)len, key);
		t3 = keel_now_ns();
		enc[k] = (double)(t1 - t0) / dgrams;
		dec[k] = (double)(t2 - t1) / dgrams;
		mac[k] = (double)(t3 - t2) / dgrams;
	}
	qsort(enc, runs, sizeof(double), cmp_double);
	qsort(dec, runs, sizeof(double), cmp_double);
	qsort(mac, runs, sizeof(double), cmp_double);
	printf("IPv%d: %u records, %d-byte datagrams; median of %u runs x %u\n",
	       family, per, len, runs, dgrams);
	printf("  build + seal     %8.0f ns/datagram %6.1f ns/record\n",
	       enc[runs / 2], enc[runs / 2] / per);
	printf("  frame+open+parse %8.0f ns/datagram %6.1f ns/record\n",
	       dec[runs / 2], dec[runs / 2] / per);
	printf("  HMAC-SHA256 of the same bytes %8.0f ns (open+parse / HMAC = %.2f)\n",
	       mac[runs / 2], dec[runs / 2] / mac[runs / 2]);
	printf("  at 100,000 records/s: %.2f%% of a core sending, %.2f%% receiving\n",
	       enc[runs / 2] / per * 1e5 / 1e7,
	       dec[runs / 2] / per * 1e5 / 1e7);
	free(enc);
	free(dec);
	free(mac);
}

int main(int argc, char **argv)
{
	unsigned int dgrams = argc > 1 ? (unsigned int)atoi(argv[1]) : 20000;
	unsigned int runs = argc > 2 ? (unsigned int)atoi(argv[2]) : 9;

	if (sodium_init() < 0 || !dgrams || !runs)
		return 1;
	run(4, dgrams, runs);
	run(6, dgrams, runs);
	return 0;
}
