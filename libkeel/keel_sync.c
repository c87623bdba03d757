// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_sync - the LB pair's wire codec; see keel_sync.h and docs/pair.md.
 */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "keel_cursor.h"
#include "keel_sync.h"

_Static_assert(KEEL_SYNC_STREAM_LEN + 8 ==
		       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
	       "nonce = stream id | seq");
_Static_assert(KEEL_SYNC_TAG_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES,
	       "tag length");
_Static_assert(KEEL_SYNC_KEY_LEN == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	       "key length");

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static size_t alen(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

/* An address of family: IPv4 in the first 4 bytes, the rest zero. */
static bool addr_ok(uint8_t family, const uint8_t a[16])
{
	if (family == 6)
		return true;
	return family == 4 && zero(a + 4, 12);
}

/* ---- the frame and the AEAD ---- */

static void hdr_put(uint8_t out[KEEL_SYNC_HDR_LEN],
		    const struct keel_sync_hdr *h, uint16_t n)
{
	struct keel_wbuf w = keel_wbuf_init(out, KEEL_SYNC_HDR_LEN);

	keel_wbuf_u32(&w, KEEL_SYNC_MAGIC);
	keel_wbuf_u8(&w, h->version);
	keel_wbuf_u8(&w, h->type);
	keel_wbuf_u16(&w, n);
	keel_wbuf_u32(&w, h->key_id);
	keel_wbuf_bytes(&w, h->stream, KEEL_SYNC_STREAM_LEN);
	keel_wbuf_u64(&w, h->seq);
	keel_wbuf_u32(&w, 0);
}

static void
nonce_of(uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES],
	 const struct keel_sync_hdr *h)
{
	struct keel_wbuf w = keel_wbuf_init(nonce, KEEL_SYNC_STREAM_LEN + 8);

	keel_wbuf_bytes(&w, h->stream, KEEL_SYNC_STREAM_LEN);
	keel_wbuf_u64(&w, h->seq);
}

int keel_sync_frame(const uint8_t *buf, size_t len, struct keel_sync_hdr *h)
{
	struct keel_cur c = keel_cur_init(buf, len);
	uint32_t magic = 0, reserved = 0;

	memset(h, 0, sizeof(*h));
	if (len < KEEL_SYNC_OVERHEAD || len > KEEL_SYNC_LEN_MAX)
		return -EBADMSG;
	keel_cur_u32(&c, &magic);
	keel_cur_u8(&c, &h->version);
	keel_cur_u8(&c, &h->type);
	keel_cur_u16(&c, &h->n);
	keel_cur_u32(&c, &h->key_id);
	keel_cur_bytes(&c, h->stream, KEEL_SYNC_STREAM_LEN);
	keel_cur_u64(&c, &h->seq);
	keel_cur_u32(&c, &reserved);
	if (magic != KEEL_SYNC_MAGIC) {
		memset(h, 0, sizeof(*h));
		return -EBADMSG;
	}
	/* The version before anything that may change with it (section 2.7). */
	if (h->version < KEEL_SYNC_VERSION_MIN ||
	    h->version > KEEL_SYNC_VERSION) {
		uint8_t v = h->version;

		memset(h, 0, sizeof(*h));
		h->version = v;
		return -EPROTONOSUPPORT;
	}
	if (!keel_cur_ok(&c) || reserved || !h->seq || !h->type ||
	    h->type > KEEL_SYNC_TYPE_MAX ||
	    len != (size_t)KEEL_SYNC_OVERHEAD + h->n) {
		memset(h, 0, sizeof(*h));
		return -EBADMSG;
	}
	return 0;
}

int keel_sync_open(const uint8_t *buf, size_t len,
		   const struct keel_sync_hdr *h,
		   const uint8_t key[KEEL_SYNC_KEY_LEN], uint8_t *body)
{
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];

	if (len != (size_t)KEEL_SYNC_OVERHEAD + h->n)
		return -EACCES;
	nonce_of(nonce, h);
	/* The header as it came is the associated data: any change fails. */
	if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
		    body, NULL, buf + KEEL_SYNC_HDR_LEN, h->n,
		    buf + KEEL_SYNC_HDR_LEN + h->n, buf, KEEL_SYNC_HDR_LEN,
		    nonce, key)) {
		if (h->n)
			memset(body, 0, h->n);
		return -EACCES;
	}
	return 0;
}

int keel_sync_seal(uint8_t *buf, size_t size, const struct keel_sync_hdr *h,
		   const uint8_t *body, size_t n,
		   const uint8_t key[KEEL_SYNC_KEY_LEN])
{
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];

	if (!h->type || h->type > KEEL_SYNC_TYPE_MAX || !h->seq ||
	    n > KEEL_SYNC_BODY_MAX || h->version < KEEL_SYNC_VERSION_MIN ||
	    h->version > KEEL_SYNC_VERSION)
		return -EINVAL;
	if (size < KEEL_SYNC_OVERHEAD + n)
		return -ENOSPC;
	hdr_put(buf, h, (uint16_t)n);
	nonce_of(nonce, h);
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
		buf + KEEL_SYNC_HDR_LEN, buf + KEEL_SYNC_HDR_LEN + n, NULL,
		body, n, buf, KEEL_SYNC_HDR_LEN, NULL, nonce, key);
	return (int)(KEEL_SYNC_OVERHEAD + n);
}

/* ---- HELLO ---- */

static bool hello_ok(const struct keel_sync_hello *h)
{
	return h->node && h->wire_min && h->wire_min <= h->wire_max &&
	       !(h->flags & ~KEEL_SYNC_HELLO_F_ALL);
}

int keel_sync_hello_parse(const uint8_t *b, size_t n,
			  struct keel_sync_hello *out)
{
	struct keel_cur c = keel_cur_init(b, n);
	uint16_t reserved = 0;

	memset(out, 0, sizeof(*out));
	if (n != KEEL_SYNC_HELLO_LEN)
		return -EBADMSG;
	keel_cur_u16(&c, &out->node);
	keel_cur_u8(&c, &out->wire_min);
	keel_cur_u8(&c, &out->wire_max);
	keel_cur_u32(&c, &out->flags);
	keel_cur_bytes(&c, out->challenge, sizeof(out->challenge));
	keel_cur_bytes(&c, out->echo, sizeof(out->echo));
	keel_cur_bytes(&c, out->accepted, sizeof(out->accepted));
	keel_cur_u64(&c, &out->t_us);
	keel_cur_u64(&c, &out->echo_t_us);
	keel_cur_u32(&c, &out->hold_us);
	keel_cur_u64(&c, &out->wall_ms);
	keel_cur_u64(&c, &out->rx_top);
	keel_cur_u64(&c, &out->conns);
	keel_cur_u64(&c, &out->admin_hlc);
	keel_cur_bytes(&c, out->admin_digest, sizeof(out->admin_digest));
	keel_cur_bytes(&c, out->tables_digest, sizeof(out->tables_digest));
	keel_cur_u16(&c, &out->services);
	keel_cur_u16(&c, &reserved);
	if (!keel_cur_ok(&c) || keel_cur_left(&c) || reserved ||
	    !hello_ok(out)) {
		memset(out, 0, sizeof(*out));
		return -EBADMSG;
	}
	return 0;
}

int keel_sync_hello_encode(uint8_t *b, size_t size,
			   const struct keel_sync_hello *in)
{
	struct keel_wbuf w = keel_wbuf_init(b, size);

	if (!hello_ok(in))
		return -EINVAL;
	keel_wbuf_u16(&w, in->node);
	keel_wbuf_u8(&w, in->wire_min);
	keel_wbuf_u8(&w, in->wire_max);
	keel_wbuf_u32(&w, in->flags);
	keel_wbuf_bytes(&w, in->challenge, sizeof(in->challenge));
	keel_wbuf_bytes(&w, in->echo, sizeof(in->echo));
	keel_wbuf_bytes(&w, in->accepted, sizeof(in->accepted));
	keel_wbuf_u64(&w, in->t_us);
	keel_wbuf_u64(&w, in->echo_t_us);
	keel_wbuf_u32(&w, in->hold_us);
	keel_wbuf_u64(&w, in->wall_ms);
	keel_wbuf_u64(&w, in->rx_top);
	keel_wbuf_u64(&w, in->conns);
	keel_wbuf_u64(&w, in->admin_hlc);
	keel_wbuf_bytes(&w, in->admin_digest, sizeof(in->admin_digest));
	keel_wbuf_bytes(&w, in->tables_digest, sizeof(in->tables_digest));
	keel_wbuf_u16(&w, in->services);
	keel_wbuf_u16(&w, 0);
	return keel_wbuf_len(&w);
}

/* ---- connection records ---- */

static bool rec_ok(const struct keel_sync_rec *r, bool bulk)
{
	if (bulk ? r->kind != KEEL_SYNC_BULK :
		   (r->kind < KEEL_SYNC_NEW || r->kind > KEEL_SYNC_REFRESH))
		return false;
	if (r->family != 4 && r->family != 6)
		return false;
	if (!r->proto || (r->flags & ~KEEL_SYNC_REC_F_PORTLESS))
		return false;
	/* Packet-triggered records are in use now (section 2.3). */
	if (!bulk && r->kind != KEEL_SYNC_REFRESH && r->idle_s)
		return false;
	return addr_ok(r->family, r->client) && addr_ok(r->family, r->vip) &&
	       addr_ok(r->family, r->real);
}

static void rec_get(struct keel_cur *c, struct keel_sync_rec *r)
{
	uint16_t reserved = 0;
	size_t a;

	memset(r, 0, sizeof(*r));
	keel_cur_u8(c, &r->kind);
	keel_cur_u8(c, &r->family);
	keel_cur_u8(c, &r->proto);
	keel_cur_u8(c, &r->flags);
	keel_cur_u16(c, &r->cport);
	keel_cur_u16(c, &r->vport);
	keel_cur_u16(c, &r->idle_s);
	keel_cur_u16(c, &reserved);
	if (reserved || (r->family != 4 && r->family != 6)) {
		c->bad = true;
		return;
	}
	a = alen(r->family);
	keel_cur_bytes(c, r->client, a);
	keel_cur_bytes(c, r->vip, a);
	keel_cur_bytes(c, r->real, a);
}

/* count records, all of them valid, filling the rest of c exactly. */
static int recs_parse(struct keel_cur *c, uint16_t count, bool bulk,
		      struct keel_sync_rec *recs, size_t max)
{
	if (count > max)
		return -ERANGE;
	for (uint16_t i = 0; i < count; i++) {
		rec_get(c, &recs[i]);
		if (!keel_cur_ok(c) || !rec_ok(&recs[i], bulk))
			return -EBADMSG;
	}
	return keel_cur_left(c) ? -EBADMSG : 0;
}

int keel_sync_flows_parse(const uint8_t *b, size_t n,
			  struct keel_sync_flows *out,
			  struct keel_sync_rec *recs, size_t max)
{
	struct keel_cur c = keel_cur_init(b, n);
	uint16_t reserved = 0;
	int err;

	memset(out, 0, sizeof(*out));
	keel_cur_u16(&c, &out->count);
	keel_cur_u16(&c, &reserved);
	keel_cur_u32(&c, &out->queue_us);
	if (!keel_cur_ok(&c) || reserved)
		err = -EBADMSG;
	else
		err = recs_parse(&c, out->count, false, recs, max);
	if (err) {
		if (out->count && out->count <= max)
			memset(recs, 0, out->count * sizeof(*recs));
		memset(out, 0, sizeof(*out));
	}
	return err;
}

int keel_sync_bulk_data_parse(const uint8_t *b, size_t n,
			      struct keel_sync_bulk_data *out,
			      struct keel_sync_rec *recs, size_t max)
{
	struct keel_cur c = keel_cur_init(b, n);
	uint8_t r8 = 0;
	uint16_t r16 = 0;
	int err;

	memset(out, 0, sizeof(*out));
	keel_cur_u32(&c, &out->bulk_id);
	keel_cur_u32(&c, &out->page);
	keel_cur_u64(&c, &out->next_cursor);
	keel_cur_u8(&c, &out->part);
	keel_cur_u8(&c, &out->parts);
	keel_cur_u8(&c, &out->flags);
	keel_cur_u8(&c, &r8);
	keel_cur_u16(&c, &out->count);
	keel_cur_u16(&c, &r16);
	if (!keel_cur_ok(&c) || r8 || r16 || !out->parts ||
	    out->part >= out->parts || (out->flags & ~KEEL_SYNC_BULK_F_LAST))
		err = -EBADMSG;
	else
		err = recs_parse(&c, out->count, true, recs, max);
	if (err) {
		if (out->count && out->count <= max)
			memset(recs, 0, out->count * sizeof(*recs));
		memset(out, 0, sizeof(*out));
	}
	return err;
}

static void wr_begin(struct keel_sync_wr *w, uint8_t *b, size_t size, bool bulk,
		     size_t hdr)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->size = size;
	w->bulk = bulk;
	/* Too small for the header: every put fails and end says -ENOSPC. */
	w->len = hdr <= size ? hdr : size + 1;
	if (hdr <= size)
		memset(b, 0, hdr);
}

void keel_sync_flows_begin(struct keel_sync_wr *w, uint8_t *b, size_t size,
			   uint32_t queue_us)
{
	struct keel_wbuf h;

	wr_begin(w, b, size, false, KEEL_SYNC_FLOWS_HDR_LEN);
	if (w->len > size)
		return;
	h = keel_wbuf_init(b, KEEL_SYNC_FLOWS_HDR_LEN);
	keel_wbuf_u16(&h, 0); /* count: patched by end */
	keel_wbuf_u16(&h, 0);
	keel_wbuf_u32(&h, queue_us);
}

void keel_sync_bulk_data_begin(struct keel_sync_wr *w, uint8_t *b, size_t size,
			       const struct keel_sync_bulk_data *in)
{
	struct keel_wbuf h;

	wr_begin(w, b, size, true, KEEL_SYNC_BULK_DATA_HDR_LEN);
	/* A header its own parser would refuse: nothing is written. */
	if (!in->parts || in->part >= in->parts ||
	    (in->flags & ~KEEL_SYNC_BULK_F_LAST)) {
		w->bad = true;
		return;
	}
	if (w->len > size)
		return;
	h = keel_wbuf_init(b, KEEL_SYNC_BULK_DATA_HDR_LEN);
	keel_wbuf_u32(&h, in->bulk_id);
	keel_wbuf_u32(&h, in->page);
	keel_wbuf_u64(&h, in->next_cursor);
	keel_wbuf_u8(&h, in->part);
	keel_wbuf_u8(&h, in->parts);
	keel_wbuf_u8(&h, in->flags);
	keel_wbuf_u8(&h, 0);
	keel_wbuf_u16(&h, 0); /* count: patched by end */
	keel_wbuf_u16(&h, 0);
}

int keel_sync_rec_put(struct keel_sync_wr *w, const struct keel_sync_rec *r)
{
	struct keel_wbuf o;
	size_t a, need;

	if (w->bad || !rec_ok(r, w->bulk))
		return -EINVAL;
	a = alen(r->family);
	need = KEEL_SYNC_REC_LEN(r->family);
	if (w->len > w->size || w->size - w->len < need ||
	    w->count == UINT16_MAX)
		return -ENOSPC;
	o = keel_wbuf_init(w->b + w->len, need);
	keel_wbuf_u8(&o, r->kind);
	keel_wbuf_u8(&o, r->family);
	keel_wbuf_u8(&o, r->proto);
	keel_wbuf_u8(&o, r->flags);
	keel_wbuf_u16(&o, r->cport);
	keel_wbuf_u16(&o, r->vport);
	keel_wbuf_u16(&o, r->idle_s);
	keel_wbuf_u16(&o, 0);
	keel_wbuf_bytes(&o, r->client, a);
	keel_wbuf_bytes(&o, r->vip, a);
	keel_wbuf_bytes(&o, r->real, a);
	w->len += need;
	w->count++;
	return 0;
}

int keel_sync_wr_end(struct keel_sync_wr *w)
{
	size_t at = w->bulk ? 20 : 0; /* where count is */

	if (w->bad)
		return -EINVAL;
	if (w->len > w->size)
		return -ENOSPC;
	w->b[at] = (uint8_t)(w->count >> 8);
	w->b[at + 1] = (uint8_t)w->count;
	return (int)w->len;
}

/* ---- BULK_REQ ---- */

static bool bulk_req_ok(const struct keel_sync_bulk_req *r)
{
	return r->max && r->max <= KEEL_SYNC_BULK_MAX &&
	       (r->page || !r->cursor);
}

int keel_sync_bulk_req_parse(const uint8_t *b, size_t n,
			     struct keel_sync_bulk_req *out)
{
	struct keel_cur c = keel_cur_init(b, n);
	uint16_t reserved = 0;

	memset(out, 0, sizeof(*out));
	keel_cur_u32(&c, &out->bulk_id);
	keel_cur_u32(&c, &out->page);
	keel_cur_u64(&c, &out->cursor);
	keel_cur_u16(&c, &out->max);
	keel_cur_u16(&c, &reserved);
	if (!keel_cur_ok(&c) || keel_cur_left(&c) || reserved ||
	    !bulk_req_ok(out)) {
		memset(out, 0, sizeof(*out));
		return -EBADMSG;
	}
	return 0;
}

int keel_sync_bulk_req_encode(uint8_t *b, size_t size,
			      const struct keel_sync_bulk_req *in)
{
	struct keel_wbuf w = keel_wbuf_init(b, size);

	if (!bulk_req_ok(in))
		return -EINVAL;
	keel_wbuf_u32(&w, in->bulk_id);
	keel_wbuf_u32(&w, in->page);
	keel_wbuf_u64(&w, in->cursor);
	keel_wbuf_u16(&w, in->max);
	keel_wbuf_u16(&w, 0);
	return keel_wbuf_len(&w);
}

/* ---- services, registers, digests, tables ---- */

static bool svc_ok(const struct keel_sync_svc *s)
{
	return s->proto && addr_ok(s->family, s->addr);
}

static void svc_get(struct keel_cur *c, struct keel_sync_svc *s)
{
	keel_cur_bytes(c, s->addr, sizeof(s->addr));
	keel_cur_u16(c, &s->port);
	keel_cur_u8(c, &s->proto);
	keel_cur_u8(c, &s->family);
}

static void svc_put(struct keel_wbuf *w, const struct keel_sync_svc *s)
{
	keel_wbuf_bytes(w, s->addr, sizeof(s->addr));
	keel_wbuf_u16(w, s->port);
	keel_wbuf_u8(w, s->proto);
	keel_wbuf_u8(w, s->family);
}

static bool reg_ok(const struct keel_sync_reg *r)
{
	if (!r->node || !svc_ok(&r->svc))
		return false;
	if (r->object == KEEL_SYNC_OBJ_SERVICE) {
		/* A service has presence only; arg1 its flags (persistent). */
		return r->field == KEEL_SYNC_FIELD_PRESENCE &&
		       zero(r->real, sizeof(r->real)) &&
		       r->value <= KEEL_SYNC_PRESENCE_REMOVED && r->arg1 <= 1 &&
		       (r->value == KEEL_SYNC_PRESENCE_ADDED ||
			(!r->arg1 && !r->arg2));
	}
	if (r->object != KEEL_SYNC_OBJ_REAL || !addr_ok(r->svc.family, r->real))
		return false;
	switch (r->field) {
	case KEEL_SYNC_FIELD_PRESENCE:
		return r->value <= KEEL_SYNC_PRESENCE_REMOVED && !r->arg2 &&
		       r->arg1 <= UINT16_MAX &&
		       (r->value == KEEL_SYNC_PRESENCE_ADDED || !r->arg1);
	case KEEL_SYNC_FIELD_DRAIN:
	case KEEL_SYNC_FIELD_DOWN:
		return r->value <= 1 && !r->arg1 && !r->arg2;
	case KEEL_SYNC_FIELD_WEIGHT:
		return (r->value <= UINT16_MAX ||
			r->value == KEEL_SYNC_WEIGHT_NONE) &&
		       !r->arg1 && !r->arg2;
	default:
		return false;
	}
}

int keel_sync_admin_parse(const uint8_t *b, size_t n,
			  struct keel_sync_admin *out,
			  struct keel_sync_reg *regs, size_t max)
{
	struct keel_cur c = keel_cur_init(b, n);
	uint32_t reserved = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	keel_cur_u16(&c, &out->count);
	keel_cur_u16(&c, &out->flags);
	keel_cur_u32(&c, &reserved);
	if (!keel_cur_ok(&c) || reserved ||
	    (out->flags & ~KEEL_SYNC_ADMIN_F_REPLY))
		err = -EBADMSG;
	else if (out->count > max)
		err = -ERANGE;
	for (uint16_t i = 0; !err && i < out->count; i++) {
		struct keel_sync_reg *r = &regs[i];
		uint32_t r32 = 0;

		memset(r, 0, sizeof(*r));
		keel_cur_u8(&c, &r->object);
		keel_cur_u8(&c, &r->field);
		keel_cur_u16(&c, &r->node);
		keel_cur_u64(&c, &r->hlc);
		svc_get(&c, &r->svc);
		keel_cur_bytes(&c, r->real, sizeof(r->real));
		keel_cur_u32(&c, &r->value);
		keel_cur_u32(&c, &r->arg1);
		keel_cur_u32(&c, &r->arg2);
		keel_cur_u32(&c, &r32);
		if (!keel_cur_ok(&c) || r32 || !reg_ok(r))
			err = -EBADMSG;
	}
	if (!err && keel_cur_left(&c))
		err = -EBADMSG;
	if (err) {
		if (out->count && out->count <= max)
			memset(regs, 0, out->count * sizeof(*regs));
		memset(out, 0, sizeof(*out));
	}
	return err;
}

int keel_sync_admin_encode(uint8_t *b, size_t size,
			   const struct keel_sync_admin *in,
			   const struct keel_sync_reg *regs)
{
	struct keel_wbuf w = keel_wbuf_init(b, size);

	if (in->flags & ~KEEL_SYNC_ADMIN_F_REPLY)
		return -EINVAL;
	for (uint16_t i = 0; i < in->count; i++)
		if (!reg_ok(&regs[i]))
			return -EINVAL;
	keel_wbuf_u16(&w, in->count);
	keel_wbuf_u16(&w, in->flags);
	keel_wbuf_u32(&w, 0);
	for (uint16_t i = 0; i < in->count; i++) {
		const struct keel_sync_reg *r = &regs[i];

		keel_wbuf_u8(&w, r->object);
		keel_wbuf_u8(&w, r->field);
		keel_wbuf_u16(&w, r->node);
		keel_wbuf_u64(&w, r->hlc);
		svc_put(&w, &r->svc);
		keel_wbuf_bytes(&w, r->real, sizeof(r->real));
		keel_wbuf_u32(&w, r->value);
		keel_wbuf_u32(&w, r->arg1);
		keel_wbuf_u32(&w, r->arg2);
		keel_wbuf_u32(&w, 0);
	}
	return keel_wbuf_len(&w);
}

static bool digests_ok(const struct keel_sync_digests *d)
{
	return (d->what == KEEL_SYNC_DIGESTS_ADMIN ||
		d->what == KEEL_SYNC_DIGESTS_TABLES) &&
	       d->parts && d->part < d->parts;
}

int keel_sync_digests_parse(const uint8_t *b, size_t n,
			    struct keel_sync_digests *out,
			    struct keel_sync_digest *d, size_t max)
{
	struct keel_cur c = keel_cur_init(b, n);
	uint8_t r8 = 0;
	uint16_t r16 = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	keel_cur_u8(&c, &out->what);
	keel_cur_u8(&c, &out->part);
	keel_cur_u8(&c, &out->parts);
	keel_cur_u8(&c, &r8);
	keel_cur_u16(&c, &out->count);
	keel_cur_u16(&c, &r16);
	if (!keel_cur_ok(&c) || r8 || r16 || !digests_ok(out))
		err = -EBADMSG;
	else if (out->count > max)
		err = -ERANGE;
	for (uint16_t i = 0; !err && i < out->count; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		svc_get(&c, &d[i].svc);
		keel_cur_bytes(&c, d[i].digest, sizeof(d[i].digest));
		if (!keel_cur_ok(&c) || !svc_ok(&d[i].svc))
			err = -EBADMSG;
	}
	if (!err && keel_cur_left(&c))
		err = -EBADMSG;
	if (err) {
		if (out->count && out->count <= max)
			memset(d, 0, out->count * sizeof(*d));
		memset(out, 0, sizeof(*out));
	}
	return err;
}

int keel_sync_digests_encode(uint8_t *b, size_t size,
			     const struct keel_sync_digests *in,
			     const struct keel_sync_digest *d)
{
	struct keel_wbuf w = keel_wbuf_init(b, size);

	if (!digests_ok(in))
		return -EINVAL;
	for (uint16_t i = 0; i < in->count; i++)
		if (!svc_ok(&d[i].svc))
			return -EINVAL;
	keel_wbuf_u8(&w, in->what);
	keel_wbuf_u8(&w, in->part);
	keel_wbuf_u8(&w, in->parts);
	keel_wbuf_u8(&w, 0);
	keel_wbuf_u16(&w, in->count);
	keel_wbuf_u16(&w, 0);
	for (uint16_t i = 0; i < in->count; i++) {
		svc_put(&w, &d[i].svc);
		keel_wbuf_bytes(&w, d[i].digest, sizeof(d[i].digest));
	}
	return keel_wbuf_len(&w);
}

int keel_sync_table_req_parse(const uint8_t *b, size_t n, uint16_t *count,
			      struct keel_sync_svc *svcs, size_t max)
{
	struct keel_cur c = keel_cur_init(b, n);
	uint16_t reserved = 0;
	int err = 0;

	*count = 0;
	keel_cur_u16(&c, count);
	keel_cur_u16(&c, &reserved);
	if (!keel_cur_ok(&c) || reserved)
		err = -EBADMSG;
	else if (*count > max)
		err = -ERANGE;
	for (uint16_t i = 0; !err && i < *count; i++) {
		memset(&svcs[i], 0, sizeof(svcs[i]));
		svc_get(&c, &svcs[i]);
		if (!keel_cur_ok(&c) || !svc_ok(&svcs[i]))
			err = -EBADMSG;
	}
	if (!err && keel_cur_left(&c))
		err = -EBADMSG;
	if (err) {
		if (*count && *count <= max)
			memset(svcs, 0, *count * sizeof(*svcs));
		*count = 0;
	}
	return err;
}

int keel_sync_table_req_encode(uint8_t *b, size_t size, uint16_t count,
			       const struct keel_sync_svc *svcs)
{
	struct keel_wbuf w = keel_wbuf_init(b, size);

	for (uint16_t i = 0; i < count; i++)
		if (!svc_ok(&svcs[i]))
			return -EINVAL;
	keel_wbuf_u16(&w, count);
	keel_wbuf_u16(&w, 0);
	for (uint16_t i = 0; i < count; i++)
		svc_put(&w, &svcs[i]);
	return keel_wbuf_len(&w);
}

static bool table_ok(const struct keel_sync_table *t)
{
	return svc_ok(&t->svc) && t->parts && t->part < t->parts;
}

static bool table_real_ok(const struct keel_sync_table_real *r)
{
	return r->selectable <= 1 && addr_ok(r->family, r->addr);
}

int keel_sync_table_data_parse(const uint8_t *b, size_t n,
			       struct keel_sync_table *tables, size_t max_t,
			       size_t *n_t, struct keel_sync_table_real *reals,
			       size_t max_r, size_t *n_r)
{
	struct keel_cur c = keel_cur_init(b, n);
	uint16_t count = 0, reserved = 0;
	int err = 0;

	*n_t = *n_r = 0;
	keel_cur_u16(&c, &count);
	keel_cur_u16(&c, &reserved);
	if (!keel_cur_ok(&c) || reserved)
		err = -EBADMSG;
	else if (count > max_t)
		err = -ERANGE;
	for (uint16_t i = 0; !err && i < count; i++) {
		struct keel_sync_table *t = &tables[i];

		memset(t, 0, sizeof(*t));
		svc_get(&c, &t->svc);
		keel_cur_u32(&c, &t->ring_size);
		keel_cur_u32(&c, &t->flags);
		keel_cur_u8(&c, &t->part);
		keel_cur_u8(&c, &t->parts);
		keel_cur_u16(&c, &t->n);
		(*n_t)++;
		if (!keel_cur_ok(&c) || !table_ok(t)) {
			err = -EBADMSG;
			break;
		}
		if (t->n > max_r - *n_r) {
			err = -ERANGE;
			break;
		}
		for (uint16_t j = 0; !err && j < t->n; j++) {
			struct keel_sync_table_real *r = &reals[(*n_r)++];
			uint16_t r16 = 0;

			memset(r, 0, sizeof(*r));
			keel_cur_u8(&c, &r->family);
			keel_cur_u8(&c, &r->selectable);
			keel_cur_u16(&c, &r16);
			keel_cur_u32(&c, &r->weight);
			keel_cur_bytes(&c, r->addr, sizeof(r->addr));
			if (!keel_cur_ok(&c) || r16 || !table_real_ok(r))
				err = -EBADMSG;
		}
	}
	if (!err && keel_cur_left(&c))
		err = -EBADMSG;
	if (err) {
		memset(tables, 0, *n_t * sizeof(*tables));
		memset(reals, 0, *n_r * sizeof(*reals));
		*n_t = *n_r = 0;
	}
	return err;
}

int keel_sync_table_data_encode(uint8_t *b, size_t size,
				const struct keel_sync_table *tables,
				size_t n_t,
				const struct keel_sync_table_real *reals)
{
	struct keel_wbuf w = keel_wbuf_init(b, size);
	size_t k = 0;

	if (n_t > UINT16_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n_t; i++) {
		if (!table_ok(&tables[i]))
			return -EINVAL;
		for (uint16_t j = 0; j < tables[i].n; j++)
			if (!table_real_ok(&reals[k++]))
				return -EINVAL;
	}
	keel_wbuf_u16(&w, (uint16_t)n_t);
	keel_wbuf_u16(&w, 0);
	k = 0;
	for (size_t i = 0; i < n_t; i++) {
		const struct keel_sync_table *t = &tables[i];

		svc_put(&w, &t->svc);
		keel_wbuf_u32(&w, t->ring_size);
		keel_wbuf_u32(&w, t->flags);
		keel_wbuf_u8(&w, t->part);
		keel_wbuf_u8(&w, t->parts);
		keel_wbuf_u16(&w, t->n);
		for (uint16_t j = 0; j < t->n; j++, k++) {
			keel_wbuf_u8(&w, reals[k].family);
			keel_wbuf_u8(&w, reals[k].selectable);
			keel_wbuf_u16(&w, 0);
			keel_wbuf_u32(&w, reals[k].weight);
			keel_wbuf_bytes(&w, reals[k].addr,
					sizeof(reals[k].addr));
		}
	}
	return keel_wbuf_len(&w);
}

/* ---- the replay window ---- */

static bool win_bit(const struct keel_sync_window *w, uint64_t seq)
{
	uint64_t i = seq % KEEL_SYNC_WINDOW;

	return w->bits[i / 64] >> (i % 64) & 1;
}

static void win_set(struct keel_sync_window *w, uint64_t seq, bool on)
{
	uint64_t i = seq % KEEL_SYNC_WINDOW;

	if (on)
		w->bits[i / 64] |= 1ULL << (i % 64);
	else
		w->bits[i / 64] &= ~(1ULL << (i % 64));
}

void keel_sync_window_init(struct keel_sync_window *w, uint64_t seq)
{
	/* Nothing the sender sent before the HELLO that proved the session
	 * is fresh: every seq up to it counts as seen. */
	memset(w, 0, sizeof(*w));
	memset(w->bits, 0xff, sizeof(w->bits));
	w->top = seq;
}

int keel_sync_window_check(const struct keel_sync_window *w, uint64_t seq)
{
	if (!seq)
		return -EALREADY;
	if (seq > w->top)
		return 0;
	if (w->top - seq >= KEEL_SYNC_WINDOW || win_bit(w, seq))
		return -EALREADY;
	return 0;
}

void keel_sync_window_mark(struct keel_sync_window *w, uint64_t seq)
{
	if (keel_sync_window_check(w, seq))
		return;
	if (seq > w->top) {
		uint64_t d = seq - w->top;

		if (d >= KEEL_SYNC_WINDOW) {
			memset(w->bits, 0, sizeof(w->bits));
		} else {
			for (uint64_t s = w->top + 1; s < seq; s++)
				win_set(w, s, false);
		}
		w->lost += d - 1;
		w->top = seq;
	} else if (w->lost) {
		w->lost--; /* one passed over earlier came late */
	}
	win_set(w, seq, true);
}
