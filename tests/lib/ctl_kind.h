/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * One control answer's codec (keel_ctl_lbd, _bgpa, _agent) behind void *,
 * for the tables of its unit tests (ctl_answer_test.h) and of its fuzz
 * target (tests/fuzz/fuzz_ctl_answer.c).
 */
#ifndef CTL_KIND_H
#define CTL_KIND_H

#include <stddef.h>

/* One answer's codec, with its struct behind void *. */
struct ctl_kind {
	const char *name;
	size_t size;
	int (*parse)(const char *line, size_t len, void *out, char *err,
		     size_t errlen);
	int (*encode)(char *buf, size_t size, const void *in);
	void (*free)(void *p); /* NULL: the answer allocates nothing */
};

/* Wrappers with void * for a codec named pfx over struct T... */
#define CTL_KIND_FNS(var, T, pfx)                                         \
	static int var##_parse(const char *l, size_t n, void *o, char *e, \
			       size_t el)                                 \
	{                                                                 \
		return pfx##_parse(l, n, (T *)o, e, el);                  \
	}                                                                 \
	static int var##_encode(char *b, size_t s, const void *i)         \
	{                                                                 \
		return pfx##_encode(b, s, (const T *)i);                  \
	}
/* ... that allocates nothing, */
#define CTL_KIND(var, T, pfx)                                              \
	CTL_KIND_FNS(var, T, pfx)                                          \
	static const struct ctl_kind var = { #pfx, sizeof(T), var##_parse, \
					     var##_encode, NULL }
/* ... or whose parse allocates what fr frees. */
#define CTL_KIND_FREE(var, T, pfx, fr)                                     \
	CTL_KIND_FNS(var, T, pfx)                                          \
	static void var##_free(void *p)                                    \
	{                                                                  \
		fr((T *)p);                                                \
	}                                                                  \
	static const struct ctl_kind var = { #pfx, sizeof(T), var##_parse, \
					     var##_encode, var##_free }

#endif /* CTL_KIND_H */
