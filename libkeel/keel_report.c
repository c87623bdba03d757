// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* keel_report: the agent report codec (docs/agent-protocol.md). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "keel_cursor.h"
#include "keel_report.h"

/* Field offsets in the header (docs/agent-protocol.md, "Layout"). */
#define OFF_VERSION 4
#define OFF_KEY_ID 8
#define OFF_BOOT 12 /* version 2 only: the rest moves by 8 */
#define OFF_COUNT(v) ((v) == KEEL_REPORT_VERSION_1 ? 61 : 69)

/* The header length and total length of a version's report. */
static size_t hdr_len(uint8_t v)
{
	return v == KEEL_REPORT_VERSION_1 ? KEEL_REPORT_HDR_LEN_V1 :
					    KEEL_REPORT_HDR_LEN;
}

static size_t report_len(uint8_t v, size_t count)
{
	return hdr_len(v) + count * KEEL_REPORT_SVC_LEN + KEEL_REPORT_TAIL_LEN;
}

_Static_assert(crypto_auth_hmacsha256_BYTES == KEEL_REPORT_MAC_LEN,
	       "HMAC-SHA256 tag size");
_Static_assert(crypto_auth_hmacsha256_KEYBYTES == KEEL_REPORT_KEY_LEN,
	       "HMAC-SHA256 key size");
_Static_assert(KEEL_REPORT_LEN_MAX <= 1232, "a report fits one datagram");
_Static_assert(KEEL_REPORT_LEN_V1(KEEL_REPORT_MAX) < KEEL_REPORT_LEN_MAX,
	       "version 1 is the shorter");

static bool addr_valid(const struct keel_report_addr *a)
{
	static const uint8_t zero[12];

	if (a->family == KEEL_F_INET6)
		return true;
	/* One encoding per address: IPv4 padding is zero. */
	return a->family == KEEL_F_INET && !memcmp(a->addr + 4, zero, 12);
}

static bool svc_valid(const struct keel_report_svc *s)
{
	return addr_valid(&s->vip) &&
	       (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP) &&
	       (s->state == KEEL_RS_UP || s->state == KEEL_RS_DOWN ||
		s->state == KEEL_RS_DRAINING);
}

static void put_addr(struct keel_wbuf *w, const struct keel_report_addr *a)
{
	keel_wbuf_u8(w, a->family);
	keel_wbuf_bytes(w, a->addr, sizeof(a->addr));
}

int keel_report_encode(uint8_t *buf, size_t size, const struct keel_report *r,
		       const uint8_t key[KEEL_REPORT_KEY_LEN])
{
	uint8_t v = r->version ? r->version : KEEL_REPORT_VERSION;
	struct keel_wbuf w = keel_wbuf_init(buf, size);
	size_t len;

	if (v != KEEL_REPORT_VERSION && v != KEEL_REPORT_VERSION_1)
		return -EINVAL;
	if (r->count > KEEL_REPORT_MAX || !addr_valid(&r->real))
		return -EINVAL;
	if (v != KEEL_REPORT_VERSION_1 && r->boot > KEEL_REPORT_BOOT_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < r->count; i++)
		if (!svc_valid(&r->svc[i]))
			return -EINVAL;
	len = report_len(v, r->count);
	if (size < len)
		return -ENOSPC;

	keel_wbuf_bytes(&w, KEEL_REPORT_MAGIC, 4);
	keel_wbuf_u8(&w, v);
	keel_wbuf_u8(&w, KEEL_REPORT_TYPE_REPORT);
	keel_wbuf_u16(&w, r->flags);
	keel_wbuf_u32(&w, r->key_id);
	if (v != KEEL_REPORT_VERSION_1)
		keel_wbuf_u64(&w, r->boot);
	keel_wbuf_bytes(&w, r->boot_id, KEEL_REPORT_BOOT_ID_LEN);
	keel_wbuf_u64(&w, r->seq);
	keel_wbuf_u64(&w, r->ts_ms);
	put_addr(&w, &r->real);
	keel_wbuf_u16(&w, r->count);
	for (unsigned int i = 0; i < r->count; i++) {
		const struct keel_report_svc *s = &r->svc[i];

		put_addr(&w, &s->vip);
		keel_wbuf_u16(&w, s->port);
		keel_wbuf_u8(&w, s->proto);
		keel_wbuf_u8(&w, s->state);
		keel_wbuf_u32(&w, s->conns);
	}
	keel_wbuf_u32(&w, r->load);
	/* size >= len was checked: the body always fits, the MAC after it. */
	if (keel_wbuf_len(&w) != (int)(len - KEEL_REPORT_MAC_LEN))
		return -ENOSPC;
	crypto_auth_hmacsha256(buf + w.len, buf, w.len, key);
	return (int)len;
}

/*
 * What may be read before the MAC: magic and version (which protocol and
 * layout this is) and the count (how long it must be).  All are used only
 * to reject; nothing from here is returned.
 */
static int frame_check(const uint8_t *buf, size_t len)
{
	size_t count;
	uint8_t v;

	if (len < OFF_VERSION + 1 || memcmp(buf, KEEL_REPORT_MAGIC, 4))
		return -EBADMSG;
	/* Another version may have another layout: say so, read no further. */
	v = buf[OFF_VERSION];
	if (v != KEEL_REPORT_VERSION && v != KEEL_REPORT_VERSION_1)
		return -EPROTONOSUPPORT;
	if (len < report_len(v, 0))
		return -EBADMSG;
	count = (size_t)buf[OFF_COUNT(v)] << 8 | buf[OFF_COUNT(v) + 1];
	if (count > KEEL_REPORT_MAX || len != report_len(v, count))
		return -EBADMSG;
	return 0;
}

static void cur_addr(struct keel_cur *c, struct keel_report_addr *a)
{
	keel_cur_u8(c, &a->family);
	keel_cur_bytes(c, a->addr, sizeof(a->addr));
}

/* The fields, after frame_check() and (outside tests) the MAC. */
static int body_parse(const uint8_t *buf, size_t len, struct keel_report *out)
{
	struct keel_cur c = keel_cur_init(buf, len - KEEL_REPORT_MAC_LEN);
	uint8_t type = 0;

	/* A failed read leaves its field as it was: what steers the reads
	 * (version, count) starts at 0, and the cursor is checked at the end. */
	out->version = 0;
	out->count = 0;
	keel_cur_skip(&c, 4); /* magic: frame_check() */
	keel_cur_u8(&c, &out->version);
	keel_cur_u8(&c, &type);
	if (type != KEEL_REPORT_TYPE_REPORT)
		return -EBADMSG;
	keel_cur_u16(&c, &out->flags);
	keel_cur_u32(&c, &out->key_id);
	if (out->version != KEEL_REPORT_VERSION_1)
		keel_cur_u64(&c, &out->boot);
	if (out->boot > KEEL_REPORT_BOOT_MAX)
		return -EBADMSG;
	keel_cur_bytes(&c, out->boot_id, KEEL_REPORT_BOOT_ID_LEN);
	keel_cur_u64(&c, &out->seq);
	keel_cur_u64(&c, &out->ts_ms);
	cur_addr(&c, &out->real);
	if (!keel_cur_ok(&c) || !addr_valid(&out->real))
		return -EBADMSG;
	keel_cur_u16(&c, &out->count);
	if (out->count > KEEL_REPORT_MAX)
		return -EBADMSG;
	for (unsigned int i = 0; i < out->count; i++) {
		struct keel_report_svc *s = &out->svc[i];

		cur_addr(&c, &s->vip);
		keel_cur_u16(&c, &s->port);
		keel_cur_u8(&c, &s->proto);
		keel_cur_u8(&c, &s->state);
		keel_cur_u32(&c, &s->conns);
		if (!keel_cur_ok(&c) || !svc_valid(s))
			return -EBADMSG;
	}
	keel_cur_u32(&c, &out->load);
	/* frame_check() fixed the length: the cursor must end exactly. */
	if (!keel_cur_ok(&c) || keel_cur_left(&c))
		return -EBADMSG;
	return 0;
}

int keel_report_parse_body(const uint8_t *buf, size_t len,
			   struct keel_report *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = frame_check(buf, len);
	if (!err)
		err = body_parse(buf, len, out);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

void keel_report_mac_key_init(struct keel_report_mac_key *k,
			      const uint8_t key[KEEL_REPORT_KEY_LEN])
{
	crypto_auth_hmacsha256_init(&k->st, key, KEEL_REPORT_KEY_LEN);
}

int keel_report_parse_with(const uint8_t *buf, size_t len,
			   const struct keel_report_mac_key *k,
			   struct keel_report *out)
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[KEEL_REPORT_MAC_LEN];
	size_t body;
	int err;

	memset(out, 0, sizeof(*out));
	err = frame_check(buf, len);
	if (err)
		return err;
	body = len - KEEL_REPORT_MAC_LEN;
	st = k->st;
	crypto_auth_hmacsha256_update(&st, buf, body);
	crypto_auth_hmacsha256_final(&st, mac);
	/* Constant time; the copy of the keyed state does not outlive us. */
	err = crypto_verify_32(mac, buf + body) ? -EACCES : 0;
	sodium_memzero(&st, sizeof(st));
	if (err)
		return err;
	err = body_parse(buf, len, out);
	if (err)
		memset(out, 0, sizeof(*out));
	return err;
}

int keel_report_parse(const uint8_t *buf, size_t len,
		      const uint8_t key[KEEL_REPORT_KEY_LEN],
		      struct keel_report *out)
{
	struct keel_report_mac_key k;
	int err;

	keel_report_mac_key_init(&k, key);
	err = keel_report_parse_with(buf, len, &k, out);
	sodium_memzero(&k, sizeof(k));
	return err;
}

int keel_report_peek(const uint8_t *buf, size_t len, struct keel_report_hdr *h)
{
	struct keel_cur c = keel_cur_init(buf, len);
	int err;

	memset(h, 0, sizeof(*h));
	err = frame_check(buf, len);
	if (err)
		return err;
	keel_cur_skip(&c, 4);
	keel_cur_u8(&c, &h->version);
	keel_cur_skip(&c, 3); /* type, flags */
	keel_cur_u32(&c, &h->key_id);
	if (h->version != KEEL_REPORT_VERSION_1)
		keel_cur_u64(&c, &h->boot);
	/* What body_parse() refuses after the MAC is refused before it. */
	if (h->boot > KEEL_REPORT_BOOT_MAX) {
		memset(h, 0, sizeof(*h));
		return -EBADMSG;
	}
	keel_cur_bytes(&c, h->boot_id, KEEL_REPORT_BOOT_ID_LEN);
	keel_cur_u64(&c, &h->seq);
	keel_cur_skip(&c, 8); /* timestamp */
	cur_addr(&c, &h->real);
	/* frame_check() made sure the header is there. */
	return 0;
}

int keel_report_key_id(const uint8_t *buf, size_t len, uint32_t *key_id)
{
	struct keel_report_hdr h;
	int err = keel_report_peek(buf, len, &h);

	*key_id = h.key_id;
	return err;
}

int keel_replay_test(const struct keel_replay *g, uint8_t version,
		     uint64_t boot,
		     const uint8_t boot_id[KEEL_REPORT_BOOT_ID_LEN],
		     uint64_t seq)
{
	if (!g->seen)
		return 0;
	if (version == KEEL_REPORT_VERSION_1) {
		/* Downgrade: a recorded version-1 report must not win. */
		if (g->v2)
			return -EPROTO;
		/* Same boot: the sequence must go up; gaps are lost
		 * datagrams.  A new boot id is a restart (no counter). */
		if (!memcmp(g->boot_id, boot_id, KEEL_REPORT_BOOT_ID_LEN) &&
		    seq <= g->last_seq)
			return -EALREADY;
		return 0;
	}
	/* Version 2 after version 1 only: the agent was upgraded. */
	if (!g->v2)
		return 0;
	if (boot < g->boot)
		return -ESTALE;
	if (boot == g->boot && seq <= g->last_seq)
		return -EALREADY;
	return 0;
}

int keel_replay_check(struct keel_replay *g, const struct keel_report *r)
{
	int err = keel_replay_test(g, r->version, r->boot, r->boot_id, r->seq);

	if (err)
		return err;
	memcpy(g->boot_id, r->boot_id, sizeof(g->boot_id));
	g->boot = r->boot;
	g->last_seq = r->seq;
	g->seen = true;
	g->v2 |= r->version != KEEL_REPORT_VERSION_1;
	return 0;
}

bool keel_replay_new_boot(const struct keel_replay *g,
			  const struct keel_report *r)
{
	if (!g->seen)
		return false;
	if (g->v2 && r->version != KEEL_REPORT_VERSION_1)
		return r->boot != g->boot;
	return memcmp(g->boot_id, r->boot_id, sizeof(g->boot_id)) != 0;
}

static int keel_report_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int keel_report_key_parse(const uint8_t *buf, size_t len,
			  uint8_t key[KEEL_REPORT_KEY_LEN], char *msg,
			  size_t msglen)
{
	size_t i, all = len;
	int hi, lo;

	if (msglen)
		msg[0] = '\0';
	if (len == KEEL_REPORT_KEY_LEN) {
		memcpy(key, buf, len);
		return 0;
	}
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
		       buf[len - 1] == '\r' || buf[len - 1] == '\n'))
		len--;
	if (len != 2 * KEEL_REPORT_KEY_LEN) {
		snprintf(
			msg, msglen,
			"must hold 64 hex digits or 32 raw bytes, holds %zu bytes",
			all);
		goto fail;
	}
	for (i = 0; i < KEEL_REPORT_KEY_LEN; i++) {
		hi = keel_report_hex(buf[2 * i]);
		lo = keel_report_hex(buf[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			snprintf(msg, msglen, "not a hex digit at byte %zu",
				 2 * i + (hi < 0 ? 0 : 1));
			goto fail;
		}
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
fail:
	sodium_memzero(key, KEEL_REPORT_KEY_LEN);
	return -EINVAL;
}
