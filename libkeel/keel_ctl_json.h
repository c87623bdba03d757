/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_ctl_json - the engine under the control answers' codecs
 * (keel_ctl_lbd, keel_ctl_bgpa, keel_ctl_agent): each answer is a table of
 * members (name, JSON type, where it lives in the C struct), and one
 * encoder, one parser and one free walk the tables.  Pure: no I/O, no
 * logging; jansson allocates only inside a call, and the parser's arrays
 * are the only memory it returns (keel_cj_free()).
 *
 * The compatibility rule of every answer (a rolling upgrade mixes
 * versions):
 * - a member the table does not name is ignored (a newer peer);
 * - a missing member leaves its presence flag false (has_off), or its
 *   value zero, "" or false (an older peer); the headers say what that
 *   means member by member;
 * - a member of the wrong JSON type is -EBADMSG, a value of the right
 *   type out of range (a negative count, a string longer than its
 *   buffer, an unknown name of a closed set) -ERANGE.
 * The encoder writes the members in table order, then "ok": true (last,
 * as keel_ctlsock_ok() always has, unless the table says first); a member
 * with a presence flag that is false is written null (KEEL_CJ_NULL) or
 * left out.
 */
#ifndef KEEL_CTL_JSON_H
#define KEEL_CTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum keel_cj_type {
	KEEL_CJ_STR, /* char[size]: a JSON string shorter than size */
	KEEL_CJ_BOOL, /* bool */
	KEEL_CJ_U32, /* uint32_t */
	KEEL_CJ_U64, /* uint64_t, 0..INT64_MAX on the wire */
	KEEL_CJ_I64, /* int64_t */
	KEEL_CJ_REAL, /* double: written a JSON real, read from any number */
	KEEL_CJ_ENUM, /* uint8_t: the index of a string in names[] */
	KEEL_CJ_OBJ, /* a struct in place, members in sub */
	KEEL_CJ_ARR, /* heap array of sub's structs: pointer at off */
	KEEL_CJ_STRS, /* heap array of char[size]: pointer at off */
	KEEL_CJ_COUNTS, /* {"name": count, ...}: heap keel_ctl_count[] */
};

#define KEEL_CJ_NULL 0x1 /* not present: written null (else left out) */
/*
 * has_off says only whether a parse saw the member; the encoder writes
 * it always (a member every version of the daemon writes, whose absence
 * a reader refuses: "services" of lbd's status).
 */
#define KEEL_CJ_SEEN 0x2
/*
 * An array member an older peer wrote as an integer (a count instead of
 * the names): the count goes to the uint32_t at alt_off, has_off stays
 * false.  Encoded as the array always (with KEEL_CJ_SEEN).
 */
#define KEEL_CJ_OR_COUNT 0x4
/*
 * An ENUM whose set a newer peer may grow: a name not in names[] reads as
 * index 0 (the set's "unknown") instead of -ERANGE; a non-string is still
 * -EBADMSG.
 */
#define KEEL_CJ_OPEN 0x8

/* One member of an object whose names are open ("reports", "counters"). */
#define KEEL_CTL_COUNT_NAME 32
struct keel_ctl_count {
	char name[KEEL_CTL_COUNT_NAME];
	uint64_t value;
};

struct keel_cj_obj;

struct keel_cj_member {
	const char *name;
	uint8_t type;
	uint8_t flags; /* KEEL_CJ_NULL, _SEEN, _OR_COUNT, _OPEN */
	uint32_t size; /* STR, STRS: buffer size; ARR: element size */
	size_t off;
	size_t has_off; /* KEEL_CJ_HAS(): bool "present"; 0: always there */
	size_t n_off; /* ARR, STRS, COUNTS: its size_t count */
	uint32_t max; /* ARR, STRS, COUNTS: most elements (-ERANGE above) */
	size_t alt_off; /* KEEL_CJ_OR_COUNT: the uint32_t count */
	const struct keel_cj_obj *sub; /* OBJ, ARR */
	const char *const *names; /* ENUM */
	uint8_t n_names;
};

struct keel_cj_obj {
	const struct keel_cj_member *m;
	size_t n;
	size_t size; /* of the struct */
	bool ok_first; /* the answer writes "ok" first (rs-agent's drain) */
};

#define KEEL_CJ_HAS(type, f) (offsetof(type, f) + 1)
#define KEEL_CJ_OBJ_OF(type, members)                                        \
	{                                                                    \
		.m = (members), .n = sizeof(members) / sizeof((members)[0]), \
		.size = sizeof(type),                                        \
	}

/* A member f of struct T named nm, of type ty (STR, BOOL, ...). */
#define KEEL_CJ_M(T, nm, ty, f, ...)                                     \
	{                                                                \
		.name = nm, .type = KEEL_CJ_##ty, .off = offsetof(T, f), \
		.size = sizeof(((T *)0)->f), __VA_ARGS__                 \
	}
/* ... present when T's bool h is, else null. */
#define KEEL_CJ_NUL(T, nm, ty, f, h, ...)                     \
	KEEL_CJ_M(T, nm, ty, f, .has_off = KEEL_CJ_HAS(T, h), \
		  .flags = KEEL_CJ_NULL, __VA_ARGS__)
/* ... present when T's bool h is, else left out. */
#define KEEL_CJ_OPT(T, nm, ty, f, h, ...) \
	KEEL_CJ_M(T, nm, ty, f, .has_off = KEEL_CJ_HAS(T, h), __VA_ARGS__)
/* A heap array f of n elements (at most mx), each sub's; ty ARR or STRS. */
#define KEEL_CJ_ARRAY(T, nm, ty, f, n, sb, mx, ...)                      \
	{                                                                \
		.name = nm, .type = KEEL_CJ_##ty, .off = offsetof(T, f), \
		.size = sizeof(*((T *)0)->f), .n_off = offsetof(T, n),   \
		.max = mx, .sub = sb, __VA_ARGS__                        \
	}

/*
 * The public codec of one answer: pfx##_encode(buf, size, in) and
 * pfx##_parse(line, len, out, err, errlen) over struct T, table o.
 * T is a type, which parentheses would break: hence the NOLINTs.
 */
#define KEEL_CJ_CODEC(pfx, T, o)                                         \
	int pfx##_encode(char *buf, size_t size, const T *in)            \
	{                                                                \
		return keel_cj_answer_encode(&(o), in, buf, size);       \
	}                                                                \
	/* NOLINTNEXTLINE(bugprone-macro-parentheses): T is a type */    \
	int pfx##_parse(const char *line, size_t len, T *out, char *err, \
			size_t errlen)                                   \
	{                                                                \
		return keel_cj_answer_parse(&(o), line, len, out, err,   \
					    errlen);                     \
	}
/* ... and what frees what its parse allocated. */
#define KEEL_CJ_FREE(name, T, o)                                         \
	void name(T *p) /* NOLINT(bugprone-macro-parentheses): a type */ \
	{                                                                \
		keel_cj_free(&(o), p);                                   \
	}

/*
 * in as one answer line: {members..., "ok": true}\n and a NUL.  Returns
 * the bytes before the NUL; -ENOSPC if size is too small; -EINVAL for a
 * value JSON cannot hold (a string without its NUL, a NaN); -ENOMEM.
 * Bytes of a string that are not UTF-8 are written '?'.
 */
int keel_cj_answer_encode(const struct keel_cj_obj *o, const void *in,
			  char *buf, size_t size);
/*
 * One answer line into out (zeroed first).  0; -EBADMSG (not JSON, not
 * an object, "ok" not true: err is then "refused: " and the answer's
 * error, or "?"; a member of the wrong type), -ERANGE, -ENOMEM, with a
 * message in err (printable ASCII, naming the member) and out zeroed.
 */
int keel_cj_answer_parse(const struct keel_cj_obj *o, const char *line,
			 size_t len, void *out, char *err, size_t errlen);
/* The arrays a parse allocated; p is zeroed. */
void keel_cj_free(const struct keel_cj_obj *o, void *p);

#endif /* KEEL_CTL_JSON_H */
