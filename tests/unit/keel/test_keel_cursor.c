// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * test_keel_cursor.c - keel_cursor.h: reads of each width at the exact
 * length and one byte short (false, destination untouched, the cursor
 * bad and staying bad), sub-cursors that cannot read past their end, and
 * the write buffer's big-endian output and sticky overflow.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check_run.h"
#include "keel_cursor.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t in[9] = { 0x01, 0x02, 0x03, 0x04, 0x05,
			       0x06, 0x07, 0x08, 0x09 };

enum op { U8, U16, U32, U64, BYTES3, SKIP3 };

static const struct {
	const char *name;
	enum op op;
	size_t len; /* bytes the cursor holds */
	bool ok;
	uint64_t want; /* the value read (BYTES3: first 3 bytes, big-endian) */
	size_t left; /* left after the read */
} read_cases[] = {
	{ "u8", U8, 1, true, 0x01, 0 },
	{ "u8 of 9", U8, 9, true, 0x01, 8 },
	{ "u8 of none", U8, 0, false, 0, 0 },
	{ "u16", U16, 2, true, 0x0102, 0 },
	{ "u16 short", U16, 1, false, 0, 1 },
	{ "u32", U32, 4, true, 0x01020304, 0 },
	{ "u32 short", U32, 3, false, 0, 3 },
	{ "u64", U64, 8, true, 0x0102030405060708ull, 0 },
	{ "u64 of 9", U64, 9, true, 0x0102030405060708ull, 1 },
	{ "u64 short", U64, 7, false, 0, 7 },
	{ "bytes", BYTES3, 3, true, 0x010203, 0 },
	{ "bytes short", BYTES3, 2, false, 0, 2 },
	{ "skip", SKIP3, 4, true, 0, 1 },
	{ "skip short", SKIP3, 2, false, 0, 2 },
};

START_TEST(test_read)
{
	struct keel_cur c = keel_cur_init(in, read_cases[_i].len);
	const char *name = read_cases[_i].name;
	uint64_t got = 0xdead, v64 = 0xdead;
	uint32_t v32 = 0xdead;
	uint16_t v16 = 0xdead;
	uint8_t v8 = 0xad, b[3] = { 0xad, 0xad, 0xad };
	bool ok = false;

	ck_assert(keel_cur_ok(&c));
	switch (read_cases[_i].op) {
	case U8:
		ok = keel_cur_u8(&c, &v8);
		got = ok ? v8 : (v8 == 0xad ? 0xdead : 1);
		break;
	case U16:
		ok = keel_cur_u16(&c, &v16);
		got = v16;
		break;
	case U32:
		ok = keel_cur_u32(&c, &v32);
		got = v32;
		break;
	case U64:
		ok = keel_cur_u64(&c, &v64);
		got = v64;
		break;
	case BYTES3:
		ok = keel_cur_bytes(&c, b, 3);
		got = ok ? (uint64_t)b[0] << 16 | b[1] << 8 | b[2] :
			   (b[0] == 0xad && b[1] == 0xad && b[2] == 0xad ?
				    0xdead :
				    1);
		break;
	case SKIP3:
		ok = keel_cur_skip(&c, 3);
		got = ok ? 0 : 0xdead;
		break;
	}
	ck_assert_msg(ok == read_cases[_i].ok, "%s: ok %d", name, ok);
	ck_assert_msg(keel_cur_ok(&c) == ok, "%s: cursor ok %d", name,
		      keel_cur_ok(&c));
	/* A failed read leaves its destination as it was. */
	ck_assert_msg(got == (ok ? read_cases[_i].want : 0xdead),
		      "%s: got %llx", name, (unsigned long long)got);
	ck_assert_msg(keel_cur_left(&c) == read_cases[_i].left, "%s: %zu left",
		      name, keel_cur_left(&c));
	if (!ok) {
		/* Sticky: bad stays bad even after a read that succeeds. */
		struct keel_cur d = c;

		if (keel_cur_left(&d))
			ck_assert(keel_cur_u8(&d, &v8));
		ck_assert(!keel_cur_ok(&d));
	}
}
END_TEST

/* A sub-cursor ends where its length field says, and c moves past it. */
START_TEST(test_sub)
{
	struct keel_cur c = keel_cur_init(in, sizeof(in)), sub;
	uint32_t v32;
	uint16_t v16;
	uint8_t v8;

	ck_assert(keel_cur_u8(&c, &v8));
	ck_assert(keel_cur_sub(&c, 3, &sub));
	ck_assert_uint_eq(keel_cur_left(&c), 5);
	ck_assert_uint_eq(keel_cur_left(&sub), 3);
	ck_assert(keel_cur_u16(&sub, &v16));
	ck_assert_uint_eq(v16, 0x0203);
	ck_assert(!keel_cur_u16(&sub, &v16)); /* 1 left in sub, not 6 */
	ck_assert(!keel_cur_ok(&sub));
	ck_assert(keel_cur_ok(&c)); /* the outer cursor is not hurt */
	ck_assert(keel_cur_u32(&c, &v32));
	ck_assert_uint_eq(v32, 0x05060708);
	ck_assert(!keel_cur_sub(&c, 2, &sub));
	ck_assert(!keel_cur_ok(&c));
	ck_assert_uint_eq(keel_cur_left(&c), 1);
}
END_TEST

static const struct {
	const char *name;
	size_t size;
	int want; /* keel_wbuf_len */
} write_cases[] = {
	{ "room for all", 32, 20 },
	{ "exact", 20, 20 },
	{ "one short", 19, -ENOSPC },
	{ "none", 0, -ENOSPC },
};

START_TEST(test_write)
{
	static const uint8_t want[20] = { 0x01, 0x00, 0x02, 0x00, 0x00,
					  0x00, 0x03, 0x00, 0x00, 0x00,
					  0x00, 0x00, 0x00, 0x00, 0x04,
					  0xaa, 0xbb, 0x00, 0x07, 0x05 };
	uint8_t buf[32];
	struct keel_wbuf w = keel_wbuf_init(buf, write_cases[_i].size);
	size_t at;

	memset(buf, 0xee, sizeof(buf));
	keel_wbuf_u8(&w, 1);
	keel_wbuf_u16(&w, 2);
	keel_wbuf_u32(&w, 3);
	keel_wbuf_u64(&w, 4);
	keel_wbuf_bytes(&w, "\xaa\xbb", 2);
	at = keel_wbuf_mark(&w, 2);
	keel_wbuf_u8(&w, 5);
	keel_wbuf_patch16(&w, at, 7);
	ck_assert_int_eq(keel_wbuf_len(&w), write_cases[_i].want);
	if (write_cases[_i].want > 0)
		ck_assert_mem_eq(buf, want, sizeof(want));
	/* Never a byte past size. */
	if (write_cases[_i].size < sizeof(buf))
		ck_assert_uint_eq(buf[write_cases[_i].size], 0xee);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keel_cursor");
	TCase *tc = tcase_create("cursor");

	tcase_add_loop_test(tc, test_read, 0, ARRAY_SIZE(read_cases));
	tcase_add_test(tc, test_sub);
	tcase_add_loop_test(tc, test_write, 0, ARRAY_SIZE(write_cases));
	suite_add_tcase(s, tc);
	return check_run(s);
}
