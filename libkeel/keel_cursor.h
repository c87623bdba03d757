/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_cursor - a bounds-checked read cursor and a bounded write buffer for
 * the wire codecs (BGP, BFD, the agent reports).  Every read checks what
 * is left first; a length field read from the wire becomes a sub-cursor
 * (keel_cur_sub) so that nothing inside it can read past its end, and the
 * caller checks keel_cur_left() == 0 to reject trailing bytes.  A failed
 * read returns false, leaves its destination untouched and marks the
 * cursor bad (sticky), so a run of reads may be checked once at the end
 * with keel_cur_ok().  Writes never go past size; an overflow is sticky
 * and reported once by keel_wbuf_len() as -ENOSPC.  Header-only, libc only.
 */
#ifndef KEEL_CURSOR_H
#define KEEL_CURSOR_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct keel_cur {
	const uint8_t *p;
	size_t left;
	bool bad; /* a read failed: sticky */
};

static inline struct keel_cur keel_cur_init(const uint8_t *p, size_t len)
{
	struct keel_cur c = { .p = p, .left = len };

	return c;
}

static inline size_t keel_cur_left(const struct keel_cur *c)
{
	return c->left;
}

/* No read has failed on c. */
static inline bool keel_cur_ok(const struct keel_cur *c)
{
	return !c->bad;
}

/* n more bytes are there; else c goes bad. */
static inline bool keel_cur_has(struct keel_cur *c, size_t n)
{
	if (c->left < n) {
		c->bad = true;
		return false;
	}
	return true;
}

static inline bool keel_cur_u8(struct keel_cur *c, uint8_t *v)
{
	if (!keel_cur_has(c, 1))
		return false;
	*v = c->p[0];
	c->p++;
	c->left--;
	return true;
}

static inline bool keel_cur_u16(struct keel_cur *c, uint16_t *v)
{
	if (!keel_cur_has(c, 2))
		return false;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return true;
}

static inline bool keel_cur_u32(struct keel_cur *c, uint32_t *v)
{
	if (!keel_cur_has(c, 4))
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return true;
}

static inline bool keel_cur_u64(struct keel_cur *c, uint64_t *v)
{
	uint64_t x = 0;
	int i;

	if (!keel_cur_has(c, 8))
		return false;
	for (i = 0; i < 8; i++)
		x = x << 8 | c->p[i];
	*v = x;
	c->p += 8;
	c->left -= 8;
	return true;
}

static inline bool keel_cur_bytes(struct keel_cur *c, void *dst, size_t n)
{
	if (!keel_cur_has(c, n))
		return false;
	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

static inline bool keel_cur_skip(struct keel_cur *c, size_t n)
{
	if (!keel_cur_has(c, n))
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

/* The next n bytes as a cursor of their own; c moves past them. */
static inline bool keel_cur_sub(struct keel_cur *c, size_t n,
				struct keel_cur *sub)
{
	if (!keel_cur_has(c, n))
		return false;
	*sub = keel_cur_init(c->p, n);
	c->p += n;
	c->left -= n;
	return true;
}

struct keel_wbuf {
	uint8_t *p;
	size_t size;
	size_t len;
	bool overflow;
};

static inline struct keel_wbuf keel_wbuf_init(uint8_t *p, size_t size)
{
	struct keel_wbuf w = { .p = p, .size = size };

	return w;
}

static inline bool keel_wbuf_room(struct keel_wbuf *w, size_t n)
{
	if (w->overflow || w->size - w->len < n) {
		w->overflow = true;
		return false;
	}
	return true;
}

static inline void keel_wbuf_u8(struct keel_wbuf *w, uint8_t v)
{
	if (keel_wbuf_room(w, 1))
		w->p[w->len++] = v;
}

static inline void keel_wbuf_u16(struct keel_wbuf *w, uint16_t v)
{
	if (!keel_wbuf_room(w, 2))
		return;
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

static inline void keel_wbuf_u32(struct keel_wbuf *w, uint32_t v)
{
	if (!keel_wbuf_room(w, 4))
		return;
	w->p[w->len++] = (uint8_t)(v >> 24);
	w->p[w->len++] = (uint8_t)(v >> 16);
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

static inline void keel_wbuf_u64(struct keel_wbuf *w, uint64_t v)
{
	int i;

	if (!keel_wbuf_room(w, 8))
		return;
	for (i = 7; i >= 0; i--)
		w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

static inline void keel_wbuf_bytes(struct keel_wbuf *w, const void *src,
				   size_t n)
{
	if (!keel_wbuf_room(w, n))
		return;
	if (n)
		memcpy(w->p + w->len, src, n);
	w->len += n;
}

/* Reserve a 1- or 2-octet length field, filled in by keel_wbuf_patch*(). */
static inline size_t keel_wbuf_mark(struct keel_wbuf *w, size_t n)
{
	size_t at = w->len;

	if (keel_wbuf_room(w, n)) {
		memset(w->p + w->len, 0, n);
		w->len += n;
	}
	return at;
}

static inline void keel_wbuf_patch16(struct keel_wbuf *w, size_t at, uint16_t v)
{
	if (w->overflow)
		return;
	w->p[at] = (uint8_t)(v >> 8);
	w->p[at + 1] = (uint8_t)v;
}

static inline void keel_wbuf_patch8(struct keel_wbuf *w, size_t at, uint8_t v)
{
	if (!w->overflow)
		w->p[at] = v;
}

static inline int keel_wbuf_len(const struct keel_wbuf *w)
{
	return w->overflow ? -ENOSPC : (int)w->len;
}

#endif /* KEEL_CURSOR_H */
