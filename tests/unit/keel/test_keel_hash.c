// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_keel_hash.c - keel_hash.h: the flow hash is MurmurHash3_x86_32 of the
 * 5-tuple's words, IPv4 flows ignore the unused address words, and
 * keel_hash_index spreads hashes evenly over a ring.
 */
#include <check.h>
#include "check_run.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel_hash.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Reference MurmurHash3_x86_32 (Austin Appleby, SMHasher), byte-wise:
 * blocks read as little-endian, as the original does on x86.
 */
static uint32_t rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static uint32_t ref_murmur3_32(const void *key, size_t len, uint32_t seed)
{
	const uint8_t *p = key;
	const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
	size_t nblocks = len / 4, i;
	uint32_t h = seed, k;

	for (i = 0; i < nblocks; i++, p += 4) {
		k = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
		h = rotl32(h, 13);
		h = h * 5 + 0xe6546b64;
	}
	k = 0;
	switch (len & 3) {
	case 3:
		k ^= (uint32_t)p[2] << 16;
		/* fallthrough */
	case 2:
		k ^= (uint32_t)p[1] << 8;
		/* fallthrough */
	case 1:
		k ^= p[0];
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
	}
	h ^= (uint32_t)len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/* Published MurmurHash3_x86_32 vectors. */
static const struct {
	const char *data;
	size_t len;
	uint32_t seed;
	uint32_t want;
} vectors[] = {
	{ "", 0, 0, 0 },
	{ "", 0, 1, 0x514e28b7 },
	{ "", 0, 0xffffffff, 0x81f16f39 },
	{ "\xff\xff\xff\xff", 4, 0, 0x76293b50 },
	{ "\x21\x43\x65\x87", 4, 0, 0xf55b516b },
	{ "\x21\x43\x65\x87", 4, 0x5082edee, 0x2362f9de },
	{ "\x21\x43\x65", 3, 0, 0x7e4a8634 },
	{ "\x21\x43", 2, 0, 0xa0f7b07a },
	{ "\x21", 1, 0, 0x72661cf4 },
	{ "\0\0\0\0", 4, 0, 0x2362f9de },
	{ "\0\0\0", 3, 0, 0x85f0b427 },
	{ "\0\0", 2, 0, 0x30f4c306 },
	{ "\0", 1, 0, 0x514e28b7 },
	{ "aaaa", 4, 0x9747b28c, 0x5a97808a },
	{ "aaa", 3, 0x9747b28c, 0x283e0130 },
	{ "aa", 2, 0x9747b28c, 0x5d211726 },
	{ "a", 1, 0x9747b28c, 0x7fa09ea6 },
	{ "abcd", 4, 0x9747b28c, 0xf0478627 },
	{ "abc", 3, 0x9747b28c, 0xc84a62dd },
	{ "ab", 2, 0x9747b28c, 0x74875592 },
	{ "abc", 3, 0, 0xb3dd93fa },
	{ "Hello, world!", 13, 0x9747b28c, 0x24884cba },
	{ "The quick brown fox jumps over the lazy dog", 43, 0x9747b28c,
	  0x2fa826cd },
};

START_TEST(test_reference_vectors)
{
	uint32_t got = ref_murmur3_32(vectors[_i].data, vectors[_i].len,
				      vectors[_i].seed);

	ck_assert_msg(got == vectors[_i].want, "vector %d: 0x%08x, want 0x%08x",
		      _i, got, vectors[_i].want);
}
END_TEST

/* The same vectors through keel_hash_words, where whole words. */
START_TEST(test_words_vectors)
{
	uint32_t w[16];
	size_t i, n = vectors[_i].len / 4;
	const uint8_t *p = (const uint8_t *)vectors[_i].data;

	if (vectors[_i].len % 4)
		return;
	for (i = 0; i < n; i++, p += 4)
		w[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	ck_assert_uint_eq(keel_hash_words(w, n, vectors[_i].seed),
			  vectors[_i].want);
}
END_TEST

static uint64_t prng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void words_to_le(const uint32_t *w, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[4 * i] = w[i];
		out[4 * i + 1] = w[i] >> 8;
		out[4 * i + 2] = w[i] >> 16;
		out[4 * i + 3] = w[i] >> 24;
	}
}

/* keel_hash_words(w) == MurmurHash3_x86_32(little-endian bytes of w). */
static const uint32_t word_seeds[] = { 0, 1, KEEL_HASH_SEED, 0xffffffff };

START_TEST(test_words_match_reference)
{
	uint32_t seed = word_seeds[_i], w[12];
	uint64_t rng = 0x1234 + _i;
	uint8_t bytes[sizeof(w)];
	int n, round, bad = 0;
	size_t k;

	for (round = 0; round < 200; round++) {
		for (n = 0; n <= (int)ARRAY_SIZE(w); n++) {
			for (k = 0; k < ARRAY_SIZE(w); k++)
				w[k] = prng_next(&rng);
			if (round < 2)
				memset(w, round ? 0 : 0xff, sizeof(w));
			words_to_le(w, n, bytes);
			if (keel_hash_words(w, n, seed) !=
			    ref_murmur3_32(bytes, 4 * n, seed))
				bad++;
		}
	}
	ck_assert_int_eq(bad, 0);
}
END_TEST

/* The header promises this on little-endian hosts: the words' own bytes. */
START_TEST(test_words_host_bytes)
{
	uint32_t w[10];
	uint64_t rng = 99;
	size_t k;

	if (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
		return;
	for (k = 0; k < ARRAY_SIZE(w); k++)
		w[k] = prng_next(&rng);
	ck_assert_uint_eq(keel_hash_words(w, ARRAY_SIZE(w), KEEL_HASH_SEED),
			  ref_murmur3_32(w, sizeof(w), KEEL_HASH_SEED));
}
END_TEST

static struct keel_flow flow_v4(uint64_t *rng)
{
	struct keel_flow f;

	memset(&f, 0, sizeof(f));
	f.family = KEEL_F_INET;
	f.src[0] = prng_next(rng);
	f.dst[0] = prng_next(rng);
	f.sport = prng_next(rng);
	f.dport = prng_next(rng);
	f.proto = 6;
	return f;
}

static struct keel_flow flow_v6(uint64_t *rng)
{
	struct keel_flow f;
	int i;

	memset(&f, 0, sizeof(f));
	f.family = KEEL_F_INET6;
	for (i = 0; i < 4; i++) {
		f.src[i] = prng_next(rng);
		f.dst[i] = prng_next(rng);
	}
	f.sport = prng_next(rng);
	f.dport = prng_next(rng);
	f.proto = 17;
	return f;
}

/*
 * The three flow hashes are MurmurHash3 of a documented word sequence,
 * so that tools outside the XDP program can compute them.
 */
START_TEST(test_flow_words)
{
	uint64_t rng = 7;
	int round, v6, i;

	for (round = 0; round < 100; round++) {
		for (v6 = 0; v6 < 2; v6++) {
			struct keel_flow f = v6 ? flow_v6(&rng) : flow_v4(&rng);
			const uint32_t seed = KEEL_HASH_SEED;
			int n = v6 ? 4 : 1, k = 0;
			uint32_t w[10];

			for (i = 0; i < n; i++)
				w[k++] = f.src[i];
			ck_assert_uint_eq(keel_hash_src(&f),
					  keel_hash_words(w, k, seed));
			for (i = 0; i < n; i++)
				w[k++] = f.dst[i];
			ck_assert_uint_eq(keel_hash_addrs(&f),
					  keel_hash_words(w, k, seed));
			w[k++] = (uint32_t)f.sport << 16 | f.dport;
			w[k++] = f.proto;
			ck_assert_uint_eq(keel_hash_flow(&f),
					  keel_hash_words(w, k, seed));
		}
	}
}
END_TEST

/*
 * Which fields each hash may see.  An IPv4 flow uses word 0 of each
 * address only; IPv6 uses all four.  changes: 1 if the field must change
 * the hash, 0 if it must not.
 */
enum field {
	F_SRC0,
	F_SRC1,
	F_SRC3,
	F_DST0,
	F_DST2,
	F_SPORT,
	F_DPORT,
	F_PROTO,
	F_PAD,
};

static const struct {
	const char *name;
	enum field field;
	int v6;
	int flow, src, addrs; /* must change keel_hash_flow, _src, _addrs */
} field_cases[] = {
	{ "v4 src[0]", F_SRC0, 0, 1, 1, 1 },
	{ "v4 src[1]", F_SRC1, 0, 0, 0, 0 },
	{ "v4 src[3]", F_SRC3, 0, 0, 0, 0 },
	{ "v4 dst[0]", F_DST0, 0, 1, 0, 1 },
	{ "v4 dst[2]", F_DST2, 0, 0, 0, 0 },
	{ "v4 sport", F_SPORT, 0, 1, 0, 0 },
	{ "v4 dport", F_DPORT, 0, 1, 0, 0 },
	{ "v4 proto", F_PROTO, 0, 1, 0, 0 },
	{ "v4 pad", F_PAD, 0, 0, 0, 0 },
	{ "v6 src[0]", F_SRC0, 1, 1, 1, 1 },
	{ "v6 src[1]", F_SRC1, 1, 1, 1, 1 },
	{ "v6 src[3]", F_SRC3, 1, 1, 1, 1 },
	{ "v6 dst[0]", F_DST0, 1, 1, 0, 1 },
	{ "v6 dst[2]", F_DST2, 1, 1, 0, 1 },
	{ "v6 sport", F_SPORT, 1, 1, 0, 0 },
	{ "v6 dport", F_DPORT, 1, 1, 0, 0 },
	{ "v6 proto", F_PROTO, 1, 1, 0, 0 },
	{ "v6 pad", F_PAD, 1, 0, 0, 0 },
};

static void field_flip(struct keel_flow *f, enum field field)
{
	switch (field) {
	case F_SRC0:
		f->src[0] ^= 0x01000000;
		break;
	case F_SRC1:
		f->src[1] ^= 0x5a5a5a5a;
		break;
	case F_SRC3:
		f->src[3] ^= 1;
		break;
	case F_DST0:
		f->dst[0] ^= 0x80;
		break;
	case F_DST2:
		f->dst[2] ^= 0xffffffff;
		break;
	case F_SPORT:
		f->sport ^= 1;
		break;
	case F_DPORT:
		f->dport ^= 0x8000;
		break;
	case F_PROTO:
		f->proto ^= 6 ^ 17;
		break;
	case F_PAD:
		f->pad[0] ^= 0xff;
		f->pad[1] ^= 0x01;
		break;
	}
}

START_TEST(test_fields)
{
	uint64_t rng = 11 + _i;
	int round;

	for (round = 0; round < 20; round++) {
		struct keel_flow a = field_cases[_i].v6 ? flow_v6(&rng) :
							  flow_v4(&rng);
		struct keel_flow b = a;

		field_flip(&b, field_cases[_i].field);
		ck_assert_msg((keel_hash_flow(&a) != keel_hash_flow(&b)) ==
				      field_cases[_i].flow,
			      "%s: keel_hash_flow", field_cases[_i].name);
		ck_assert_msg((keel_hash_src(&a) != keel_hash_src(&b)) ==
				      field_cases[_i].src,
			      "%s: keel_hash_src", field_cases[_i].name);
		ck_assert_msg((keel_hash_addrs(&a) != keel_hash_addrs(&b)) ==
				      field_cases[_i].addrs,
			      "%s: keel_hash_addrs", field_cases[_i].name);
	}
}
END_TEST

/* keel_hash_index(h, size): exact values at the ends of the hash range. */
static const struct {
	uint32_t h;
	uint32_t size;
	uint32_t want;
} index_cases[] = {
	{ 0, 1, 0 },
	{ 0xffffffff, 1, 0 },
	{ 0, 2, 0 },
	{ 0x7fffffff, 2, 0 },
	{ 0x80000000, 2, 1 },
	{ 0xffffffff, 2, 1 },
	{ 0, KEEL_RING_SIZE_DEFAULT, 0 },
	{ 0xffffffff, KEEL_RING_SIZE_DEFAULT, KEEL_RING_SIZE_DEFAULT - 1 },
	{ 0x80000000, KEEL_RING_SIZE_DEFAULT, KEEL_RING_SIZE_DEFAULT / 2 },
	{ 0, KEEL_RING_SIZE_MAX, 0 },
	{ 0xffffffff, KEEL_RING_SIZE_MAX, KEEL_RING_SIZE_MAX - 1 },
	{ 0xffffffff, 0xffffffff, 0xfffffffe },
};

START_TEST(test_index_bounds)
{
	uint32_t got = keel_hash_index(index_cases[_i].h, index_cases[_i].size);

	ck_assert_uint_lt(got, index_cases[_i].size);
	ck_assert_uint_eq(got, index_cases[_i].want);
}
END_TEST

/*
 * Flows differing only in source port and address, as one client's
 * connections do, spread over a ring: chi-square of the bucket counts.
 * With k buckets it has k - 1 degrees of freedom, mean k - 1 and
 * standard deviation sqrt(2 (k - 1)); the bound is 6 of those above.
 */
static const struct {
	uint32_t size;
	int v6;
	int persistent; /* keel_hash_src instead of keel_hash_flow */
} uniform_cases[] = {
	{ 1021, 0, 0 },
	{ 1021, 1, 0 },
	{ 1021, 0, 1 },
	{ 61, 0, 0 },
	{ KEEL_RING_SIZE_DEFAULT, 0, 0 },
};

START_TEST(test_index_uniform)
{
	uint32_t size = uniform_cases[_i].size;
	uint32_t nflows = size * 32, i, *counts;
	double expect = 32, chi2 = 0, dof = size - 1;
	struct keel_flow f;

	counts = calloc(size, sizeof(*counts));
	ck_assert_ptr_nonnull(counts);
	memset(&f, 0, sizeof(f));
	f.family = uniform_cases[_i].v6 ? KEEL_F_INET6 : KEEL_F_INET;
	f.dst[0] = 0x0a000001;
	f.dport = 443;
	f.proto = 6;
	for (i = 0; i < nflows; i++) {
		uint32_t h;

		f.sport = 1024 + i % 60000;
		f.src[0] = 0xc0a80000 + i / 60000;
		if (uniform_cases[_i].v6)
			f.src[3] = f.src[0];
		if (uniform_cases[_i].persistent)
			f.src[0] = 0xc0a80000 + i;
		h = uniform_cases[_i].persistent ? keel_hash_src(&f) :
						   keel_hash_flow(&f);
		counts[keel_hash_index(h, size)]++;
	}
	for (i = 0; i < size; i++)
		chi2 += (counts[i] - expect) * (counts[i] - expect) / expect;
	free(counts);
	ck_assert_msg(chi2 < dof + 6 * __builtin_sqrt(2 * dof),
		      "chi2 %.1f with %.0f degrees of freedom", chi2, dof);
}
END_TEST

static Suite *hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc;

	tc = tcase_create("murmur3");
	tcase_add_loop_test(tc, test_reference_vectors, 0, ARRAY_SIZE(vectors));
	tcase_add_loop_test(tc, test_words_vectors, 0, ARRAY_SIZE(vectors));
	tcase_add_loop_test(tc, test_words_match_reference, 0,
			    ARRAY_SIZE(word_seeds));
	tcase_add_test(tc, test_words_host_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("flow");
	tcase_add_test(tc, test_flow_words);
	tcase_add_loop_test(tc, test_fields, 0, ARRAY_SIZE(field_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("index");
	tcase_add_loop_test(tc, test_index_bounds, 0, ARRAY_SIZE(index_cases));
	tcase_add_loop_test(tc, test_index_uniform, 0,
			    ARRAY_SIZE(uniform_cases));
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return check_run(hash_suite());
}
