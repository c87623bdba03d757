// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgp_msg - BGP-4 message parsing and encoding; see bgp_msg.h.
 *
 * Shape: every length field becomes a sub-cursor, every block must be used
 * up exactly, and each check names the RFC section that asks for it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "keel_cursor.h"
#include "bgp_msg.h"

#define BGP_VERSION 4
#define BGP_CAP_PARAM 2 /* RFC 5492 section 4 */
#define BGP_CAP_MP 1 /* RFC 4760 section 8 */
#define BGP_CAP_RR 2 /* RFC 2918 section 2 */
#define BGP_CAP_AS4 65 /* RFC 6793 section 3 */

static int bgp_fail(struct bgp_notification *err, uint8_t code, uint8_t subcode,
		    const void *data, size_t data_len, const char *reason)
{
	memset(err, 0, sizeof(*err));
	err->code = code;
	err->subcode = subcode;
	if (data_len > sizeof(err->data))
		data_len = sizeof(err->data);
	if (data_len)
		memcpy(err->data, data, data_len);
	err->data_len = (uint16_t)data_len;
	err->reason = reason;
	return -EBADMSG;
}

static int bgp_fail_len(struct bgp_notification *err, uint16_t length,
			const char *reason)
{
	/* RFC 4271 section 6.1: the data is the erroneous Length field. */
	uint8_t d[2] = { (uint8_t)(length >> 8), (uint8_t)length };

	return bgp_fail(err, BGP_ERR_HEADER, BGP_HDR_LENGTH, d, 2, reason);
}

int bgp_hdr_parse(const uint8_t *buf, size_t len, struct bgp_hdr *out,
		  struct bgp_notification *err)
{
	struct keel_cur c = keel_cur_init(buf, len);
	uint16_t length = 0;
	uint8_t type = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	if (len < BGP_HDR_LEN)
		return bgp_fail(err, BGP_ERR_HEADER, BGP_HDR_LENGTH, NULL, 0,
				"message shorter than the header");
	/* RFC 4271 section 4.1, 6.1: the marker is all ones. */
	for (i = 0; i < BGP_MARKER_LEN; i++)
		if (buf[i] != 0xff)
			return bgp_fail(err, BGP_ERR_HEADER, BGP_HDR_SYNC, NULL,
					0, "bad marker");
	keel_cur_skip(&c, BGP_MARKER_LEN);
	keel_cur_u16(&c, &length);
	keel_cur_u8(&c, &type);
	/* RFC 4271 section 4.1, 6.1: 19..4096. */
	if (length < BGP_HDR_LEN || length > BGP_MSG_MAX)
		return bgp_fail_len(err, length, "length out of range");
	/* RFC 4271 section 6.1 (type 5: RFC 2918 section 3). */
	if (type < BGP_OPEN || type > BGP_ROUTE_REFRESH)
		return bgp_fail(err, BGP_ERR_HEADER, BGP_HDR_TYPE, &type, 1,
				"unknown message type");
	/* RFC 4271 section 6.1: per-type minimum (KEEPALIVE: exactly 19). */
	if ((type == BGP_OPEN && length < BGP_OPEN_MIN) ||
	    (type == BGP_UPDATE && length < BGP_UPDATE_MIN) ||
	    (type == BGP_NOTIFICATION && length < BGP_NOTIF_MIN) ||
	    (type == BGP_KEEPALIVE && length != BGP_HDR_LEN) ||
	    (type == BGP_ROUTE_REFRESH && length != BGP_RR_LEN))
		return bgp_fail_len(err, length, "length wrong for the type");
	out->length = length;
	out->type = type;
	return 0;
}

/* The header of a whole message of the expected type; body after it. */
static int bgp_msg_begin(const uint8_t *buf, size_t len, uint8_t type,
			 struct keel_cur *body, struct bgp_notification *err)
{
	struct bgp_hdr h;
	int ret;

	ret = bgp_hdr_parse(buf, len, &h, err);
	if (ret)
		return ret;
	if (h.type != type) {
		memset(err, 0, sizeof(*err));
		return -EINVAL;
	}
	if (h.length != len)
		return bgp_fail_len(err, h.length,
				    "length field differs from the message");
	*body = keel_cur_init(buf + BGP_HDR_LEN, len - BGP_HDR_LEN);
	return 0;
}

int bgp_keepalive_parse(const uint8_t *buf, size_t len,
			struct bgp_notification *err)
{
	struct keel_cur body;

	return bgp_msg_begin(buf, len, BGP_KEEPALIVE, &body, err);
}

/* ---- OPEN (RFC 4271 section 4.2, 6.2; RFC 5492) ---- */

static int bgp_open_cap(struct bgp_open *o, uint8_t code, struct keel_cur *v,
			uint32_t *as4, struct bgp_notification *err)
{
	uint16_t afi = 0;
	uint8_t reserved = 0, safi = 0;

	switch (code) {
	case BGP_CAP_MP:
		/* RFC 4760 section 8: AFI, reserved, SAFI. */
		if (keel_cur_left(v) != 4)
			break;
		keel_cur_u16(v, &afi);
		keel_cur_u8(v, &reserved);
		keel_cur_u8(v, &safi);
		if (o->n_mp < BGP_OPEN_MP_MAX) {
			o->mp[o->n_mp].afi = afi;
			o->mp[o->n_mp++].safi = safi;
		}
		return 0;
	case BGP_CAP_RR:
		/* RFC 2918 section 2: length 0. */
		if (keel_cur_left(v) != 0)
			break;
		o->cap_route_refresh = true;
		return 0;
	case BGP_CAP_AS4:
		/* RFC 6793 section 3: the 4-octet AS; the first one counts. */
		if (keel_cur_left(v) != 4)
			break;
		if (!o->cap_as4)
			keel_cur_u32(v, as4);
		o->cap_as4 = true;
		return 0;
	default:
		/* RFC 5492 section 3: unknown capabilities are ignored. */
		if (o->n_unknown < BGP_OPEN_UNKNOWN_MAX) {
			struct bgp_cap_unknown *u = &o->unknown[o->n_unknown++];

			u->code = code;
			u->len = (uint8_t)keel_cur_left(v);
			keel_cur_bytes(v, u->data, u->len);
		}
		return 0;
	}
	/* RFC 4271 section 6.2: a recognized but malformed parameter. */
	return bgp_fail(err, BGP_ERR_OPEN, 0, NULL, 0, "malformed capability");
}

static int bgp_open_params(struct bgp_open *o, struct keel_cur *params,
			   uint32_t *as4, struct bgp_notification *err)
{
	while (keel_cur_left(params)) {
		struct keel_cur param;
		uint8_t type = 0, plen = 0;

		if (!keel_cur_u8(params, &type) ||
		    !keel_cur_u8(params, &plen) ||
		    !keel_cur_sub(params, plen, &param))
			return bgp_fail(err, BGP_ERR_OPEN, 0, NULL, 0,
					"optional parameter overruns");
		/* RFC 4271 section 6.2; RFC 5492 section 4. */
		if (type != BGP_CAP_PARAM)
			return bgp_fail(err, BGP_ERR_OPEN, BGP_OPEN_OPT_PARAM,
					NULL, 0,
					"unsupported optional parameter");
		while (keel_cur_left(&param)) {
			struct keel_cur v;
			uint8_t code = 0, clen = 0;
			int ret;

			if (!keel_cur_u8(&param, &code) ||
			    !keel_cur_u8(&param, &clen) ||
			    !keel_cur_sub(&param, clen, &v))
				return bgp_fail(err, BGP_ERR_OPEN, 0, NULL, 0,
						"capability overruns");
			ret = bgp_open_cap(o, code, &v, as4, err);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int bgp_open_parse(const uint8_t *buf, size_t len, struct bgp_open *out,
		   struct bgp_notification *err)
{
	static const uint8_t version[2] = { 0, BGP_VERSION };
	struct keel_cur body, params;
	uint32_t as4 = 0;
	uint8_t optlen = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = bgp_msg_begin(buf, len, BGP_OPEN, &body, err);
	if (ret)
		return ret;
	/* The header check guarantees the 10 fixed bytes. */
	keel_cur_u8(&body, &out->version);
	keel_cur_u16(&body, &out->my_as);
	keel_cur_u16(&body, &out->hold_time);
	keel_cur_u32(&body, &out->bgp_id);
	keel_cur_u8(&body, &optlen);
	/* RFC 4271 section 6.2: data = the version we support. */
	if (out->version != BGP_VERSION) {
		ret = bgp_fail(err, BGP_ERR_OPEN, BGP_OPEN_VERSION, version, 2,
			       "unsupported version");
		goto out;
	}
	/* RFC 7607 section 2: AS 0 is refused as Bad Peer AS. */
	if (out->my_as == 0) {
		ret = bgp_fail(err, BGP_ERR_OPEN, BGP_OPEN_PEER_AS, NULL, 0,
			       "AS 0");
		goto out;
	}
	/* RFC 4271 section 4.2, 6.2: zero or at least three seconds. */
	if (out->hold_time == 1 || out->hold_time == 2) {
		ret = bgp_fail(err, BGP_ERR_OPEN, BGP_OPEN_HOLD_TIME, NULL, 0,
			       "hold time 1 or 2");
		goto out;
	}
	/* RFC 6286 section 2.1: any non-zero 4-octet value. */
	if (out->bgp_id == 0) {
		ret = bgp_fail(err, BGP_ERR_OPEN, BGP_OPEN_BGP_ID, NULL, 0,
			       "BGP identifier 0");
		goto out;
	}
	/* The optional parameters must fill the message exactly. */
	if (!keel_cur_sub(&body, optlen, &params) || keel_cur_left(&body)) {
		ret = bgp_fail_len(err, (uint16_t)len,
				   "optional parameters length mismatch");
		goto out;
	}
	ret = bgp_open_params(out, &params, &as4, err);
	if (ret)
		goto out;
	out->asn = out->my_as;
	if (out->cap_as4) {
		/* RFC 7607 section 2 again, for the capability. */
		if (as4 == 0) {
			ret = bgp_fail(err, BGP_ERR_OPEN, BGP_OPEN_PEER_AS,
				       NULL, 0, "AS4 capability with AS 0");
			goto out;
		}
		/*
		 * RFC 6793 section 4.1 puts AS_TRANS in My AS for a 4-octet
		 * AS; a mismatch is tolerated (as BIRD does): the capability
		 * wins.
		 */
		out->asn = as4;
	}
	return 0;
out:
	memset(out, 0, sizeof(*out));
	return ret;
}

int bgp_keepalive_encode(uint8_t *buf, size_t size)
{
	struct keel_wbuf w = keel_wbuf_init(buf, size);
	static const uint8_t marker[BGP_MARKER_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};

	keel_wbuf_bytes(&w, marker, sizeof(marker));
	keel_wbuf_u16(&w, BGP_HDR_LEN);
	keel_wbuf_u8(&w, BGP_KEEPALIVE);
	return keel_wbuf_len(&w);
}

/* Marker, a length to patch, type; bgp_msg_end() fills the length. */
static void bgp_msg_start(struct keel_wbuf *w, uint8_t type)
{
	size_t i;

	for (i = 0; i < BGP_MARKER_LEN; i++)
		keel_wbuf_u8(w, 0xff);
	keel_wbuf_mark(w, 2);
	keel_wbuf_u8(w, type);
}

static int bgp_msg_end(struct keel_wbuf *w)
{
	int n = keel_wbuf_len(w);

	if (n < 0)
		return n;
	if (n > BGP_MSG_MAX)
		return -EMSGSIZE;
	keel_wbuf_patch16(w, BGP_MARKER_LEN, (uint16_t)n);
	return n;
}

int bgp_open_encode(uint8_t *buf, size_t size, const struct bgp_open *in)
{
	struct keel_wbuf w = keel_wbuf_init(buf, size);
	size_t optlen_at, plen_at, start;
	unsigned int i;

	if (in->asn == 0 || in->bgp_id == 0 || in->hold_time == 1 ||
	    in->hold_time == 2 || in->n_mp > BGP_OPEN_MP_MAX ||
	    in->n_unknown > BGP_OPEN_UNKNOWN_MAX ||
	    (in->asn > 0xffff && !in->cap_as4))
		return -EINVAL;
	for (i = 0; i < in->n_unknown; i++)
		if (in->unknown[i].len > sizeof(in->unknown[i].data))
			return -EINVAL;
	bgp_msg_start(&w, BGP_OPEN);
	keel_wbuf_u8(&w, BGP_VERSION);
	/* RFC 6793 section 4.1: AS_TRANS when the AS needs 4 octets. */
	keel_wbuf_u16(&w, in->asn > 0xffff ? BGP_AS_TRANS : (uint16_t)in->asn);
	keel_wbuf_u16(&w, in->hold_time);
	keel_wbuf_u32(&w, in->bgp_id);
	optlen_at = keel_wbuf_mark(&w, 1);
	/* One Capabilities parameter holding them all (RFC 5492 section 4). */
	keel_wbuf_u8(&w, BGP_CAP_PARAM);
	plen_at = keel_wbuf_mark(&w, 1);
	start = w.len;
	for (i = 0; i < in->n_mp; i++) {
		keel_wbuf_u8(&w, BGP_CAP_MP);
		keel_wbuf_u8(&w, 4);
		keel_wbuf_u16(&w, in->mp[i].afi);
		keel_wbuf_u8(&w, 0);
		keel_wbuf_u8(&w, in->mp[i].safi);
	}
	if (in->cap_route_refresh) {
		keel_wbuf_u8(&w, BGP_CAP_RR);
		keel_wbuf_u8(&w, 0);
	}
	if (in->cap_as4) {
		keel_wbuf_u8(&w, BGP_CAP_AS4);
		keel_wbuf_u8(&w, 4);
		keel_wbuf_u32(&w, in->asn);
	}
	for (i = 0; i < in->n_unknown; i++) {
		keel_wbuf_u8(&w, in->unknown[i].code);
		keel_wbuf_u8(&w, in->unknown[i].len);
		keel_wbuf_bytes(&w, in->unknown[i].data, in->unknown[i].len);
	}
	if (w.overflow)
		return -ENOSPC;
	if (w.len == start) {
		w.len -= 2; /* no capabilities: no parameter */
		keel_wbuf_patch8(&w, optlen_at, 0);
		return bgp_msg_end(&w);
	}
	/* RFC 4271 section 4.2: one octet of parameters length. */
	if (w.len - start > 253)
		return -EMSGSIZE;
	keel_wbuf_patch8(&w, plen_at, (uint8_t)(w.len - start));
	keel_wbuf_patch8(&w, optlen_at, (uint8_t)(w.len - start + 2));
	return bgp_msg_end(&w);
}

/* ---- NOTIFICATION (RFC 4271 section 4.5; RFC 9003) ---- */

/* RFC 3629 section 4: well-formed UTF-8; NUL refused for C strings. */
static bool bgp_utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k, more;
		uint32_t cp;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= more)
			return false;
		for (k = 1; k <= more; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}

static bool bgp_is_shutdown(uint8_t code, uint8_t subcode)
{
	return code == BGP_ERR_CEASE &&
	       (subcode == BGP_CEASE_SHUTDOWN || subcode == BGP_CEASE_RESET);
}

int bgp_notification_parse(const uint8_t *buf, size_t len,
			   struct bgp_notification *out,
			   struct bgp_notification *err)
{
	struct keel_cur body;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = bgp_msg_begin(buf, len, BGP_NOTIFICATION, &body, err);
	if (ret)
		return ret;
	/*
	 * Any code is taken: RFC 4271 section 6.4 forbids answering a
	 * NOTIFICATION with one.
	 */
	keel_cur_u8(&body, &out->code);
	keel_cur_u8(&body, &out->subcode);
	out->data_len = (uint16_t)keel_cur_left(&body);
	keel_cur_bytes(&body, out->data, out->data_len);
	/*
	 * RFC 9003 section 2: a length octet and that many octets of UTF-8;
	 * anything else is kept as plain data (section 3: not an error).
	 */
	if (bgp_is_shutdown(out->code, out->subcode) && out->data_len >= 1 &&
	    out->data[0] == out->data_len - 1 &&
	    bgp_utf8_valid(out->data + 1, out->data[0])) {
		out->has_shutdown = true;
		out->shutdown_len = out->data[0];
		memcpy(out->shutdown, out->data + 1, out->shutdown_len);
	}
	return 0;
}

int bgp_notification_encode(uint8_t *buf, size_t size,
			    const struct bgp_notification *in)
{
	struct keel_wbuf w = keel_wbuf_init(buf, size);

	if (in->has_shutdown) {
		if (!bgp_is_shutdown(in->code, in->subcode) ||
		    !bgp_utf8_valid((const uint8_t *)in->shutdown,
				    in->shutdown_len))
			return -EINVAL;
	} else if (in->data_len > BGP_NOTIF_DATA_MAX) {
		return -EINVAL;
	}
	bgp_msg_start(&w, BGP_NOTIFICATION);
	keel_wbuf_u8(&w, in->code);
	keel_wbuf_u8(&w, in->subcode);
	if (in->has_shutdown) {
		keel_wbuf_u8(&w, in->shutdown_len);
		keel_wbuf_bytes(&w, in->shutdown, in->shutdown_len);
	} else {
		keel_wbuf_bytes(&w, in->data, in->data_len);
	}
	return bgp_msg_end(&w);
}

/* ---- ROUTE-REFRESH (RFC 2918 section 3) ---- */

int bgp_route_refresh_parse(const uint8_t *buf, size_t len,
			    struct bgp_route_refresh *out,
			    struct bgp_notification *err)
{
	struct keel_cur body;
	int ret;

	memset(out, 0, sizeof(*out));
	/* The header check holds the length to exactly 23. */
	ret = bgp_msg_begin(buf, len, BGP_ROUTE_REFRESH, &body, err);
	if (ret)
		return ret;
	keel_cur_u16(&body, &out->afi);
	keel_cur_u8(&body, &out->reserved);
	keel_cur_u8(&body, &out->safi);
	return 0;
}

int bgp_route_refresh_encode(uint8_t *buf, size_t size,
			     const struct bgp_route_refresh *in)
{
	struct keel_wbuf w = keel_wbuf_init(buf, size);

	bgp_msg_start(&w, BGP_ROUTE_REFRESH);
	keel_wbuf_u16(&w, in->afi);
	keel_wbuf_u8(&w, in->reserved);
	keel_wbuf_u8(&w, in->safi);
	return bgp_msg_end(&w);
}

/* ---- UPDATE (RFC 4271 section 4.3, 6.3; RFC 4760; RFC 7606) ---- */

static unsigned int bgp_afi_bits(uint16_t afi)
{
	return afi == BGP_AFI_IPV4 ? 32 : afi == BGP_AFI_IPV6 ? 128 : 0;
}

int bgp_nlri_next(const uint8_t **p, size_t *left, uint16_t afi,
		  struct bgp_prefix *out)
{
	struct keel_cur c = keel_cur_init(*p, *left);
	unsigned int bits = bgp_afi_bits(afi);
	size_t n;
	uint8_t plen = 0;

	memset(out, 0, sizeof(*out));
	if (!keel_cur_left(&c))
		return 0;
	keel_cur_u8(&c, &plen);
	/* RFC 4271 section 4.3: length in bits, then the covering octets. */
	n = (plen + 7u) / 8;
	if (!bits || plen > bits || !keel_cur_bytes(&c, out->addr, n))
		return -EBADMSG;
	if (plen % 8)
		out->addr[n - 1] &= (uint8_t)(0xff << (8 - plen % 8));
	out->afi = afi;
	out->len = plen;
	*p = c.p;
	*left = c.left;
	return 1;
}

/* RFC 7606 section 5.3: every prefix inside the field, no bytes left. */
static bool bgp_nlri_valid(const uint8_t *p, size_t n, uint16_t afi)
{
	struct bgp_prefix pfx;
	int ret;

	while ((ret = bgp_nlri_next(&p, &n, afi, &pfx)) == 1)
		;
	return ret == 0;
}

static bool bgp_nlri_family(const struct bgp_afi_safi *af)
{
	return bgp_afi_bits(af->afi) && (af->safi == 1 || af->safi == 2);
}

struct bgp_attr_ctx {
	const struct bgp_parse_opts *opts;
	struct bgp_update *u;
	const uint8_t *attr; /* the whole attribute, for NOTIFICATION data */
	size_t attr_len;
	struct bgp_notification *err;
};

/* A handler's verdict for its attribute (RFC 7606 section 2). */
enum bgp_attr_verdict {
	BGP_ATTR_OK,
	BGP_ATTR_DISCARD_IT,
	BGP_ATTR_WITHDRAW,
	BGP_ATTR_RESET, /* err filled */
};

/* RFC 7606 section 7.1. */
static int bgp_attr_origin(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	if (keel_cur_left(v) != 1 || !keel_cur_u8(v, &x->u->origin) ||
	    x->u->origin > 2)
		return BGP_ATTR_WITHDRAW;
	x->u->has_origin = true;
	return BGP_ATTR_OK;
}

/* Segments of 1..255 ASes of width octets (RFC 4271 section 4.3). */
static bool bgp_as_path_valid(struct keel_cur v, size_t width)
{
	while (keel_cur_left(&v)) {
		uint8_t type = 0, count = 0;

		if (!keel_cur_u8(&v, &type) || !keel_cur_u8(&v, &count))
			return false;
		/* RFC 7606 section 7.2: type 1..4 (RFC 5065), count > 0. */
		if (type < 1 || type > 4 || count == 0 ||
		    !keel_cur_skip(&v, (size_t)count * width))
			return false;
	}
	return true;
}

/* RFC 7606 section 7.2. */
static int bgp_attr_as_path(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	if (!bgp_as_path_valid(*v, x->opts->as4 ? 4 : 2))
		return BGP_ATTR_WITHDRAW;
	x->u->has_as_path = true;
	x->u->as_path = v->p;
	x->u->as_path_len = (uint16_t)keel_cur_left(v);
	return BGP_ATTR_OK;
}

/* RFC 7606 section 7.3; RFC 4271 section 6.3: a usable host address. */
static int bgp_attr_next_hop(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	uint32_t nh = 0;

	if (keel_cur_left(v) != 4 || !keel_cur_u32(v, &nh) || nh == 0 ||
	    nh >= 0xe0000000u)
		return BGP_ATTR_WITHDRAW;
	x->u->has_next_hop = true;
	x->u->next_hop = nh;
	return BGP_ATTR_OK;
}

/* RFC 7606 section 7.4. */
static int bgp_attr_med(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	if (keel_cur_left(v) != 4 || !keel_cur_u32(v, &x->u->med))
		return BGP_ATTR_WITHDRAW;
	x->u->has_med = true;
	return BGP_ATTR_OK;
}

/* RFC 7606 section 7.5: from an external peer, discarded. */
static int bgp_attr_local_pref(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	if (x->opts->ebgp)
		return BGP_ATTR_DISCARD_IT;
	if (keel_cur_left(v) != 4 || !keel_cur_u32(v, &x->u->local_pref))
		return BGP_ATTR_WITHDRAW;
	x->u->has_local_pref = true;
	return BGP_ATTR_OK;
}

/* RFC 7606 section 7.6. */
static int bgp_attr_atomic(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	(void)x;
	return keel_cur_left(v) == 0 ? BGP_ATTR_OK : BGP_ATTR_DISCARD_IT;
}

/* RFC 7606 section 7.7: AS width follows the session. */
static int bgp_attr_aggregator(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	return keel_cur_left(v) == (x->opts->as4 ? 8u : 6u) ?
		       BGP_ATTR_OK :
		       BGP_ATTR_DISCARD_IT;
}

/* RFC 7606 section 7.8: a non-zero multiple of 4. */
static int bgp_attr_communities(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	size_t n = keel_cur_left(v);

	if (n == 0 || n % 4)
		return BGP_ATTR_WITHDRAW;
	x->u->communities = v->p;
	x->u->n_communities = (uint16_t)(n / 4);
	return BGP_ATTR_OK;
}

/* RFC 7606 section 7.9. */
static int bgp_attr_originator(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	(void)x;
	return keel_cur_left(v) == 4 ? BGP_ATTR_OK : BGP_ATTR_WITHDRAW;
}

/* RFC 7606 section 7.10: a non-zero multiple of 4. */
static int bgp_attr_cluster_list(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	size_t n = keel_cur_left(v);

	(void)x;
	return n && n % 4 == 0 ? BGP_ATTR_OK : BGP_ATTR_WITHDRAW;
}

/*
 * RFC 7606 section 7.11 and 5.3: when the NLRI cannot be located or is
 * broken, the session is reset.
 */
static int bgp_mp_fail(struct bgp_attr_ctx *x, uint8_t subcode,
		       const char *reason)
{
	bgp_fail(x->err, BGP_ERR_UPDATE, subcode,
		 subcode == BGP_UPD_OPT_ATTR ? x->attr : NULL,
		 subcode == BGP_UPD_OPT_ATTR ? x->attr_len : 0, reason);
	return BGP_ATTR_RESET;
}

/* RFC 4760 section 3. */
static int bgp_attr_mp_reach(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	struct bgp_update *u = x->u;
	uint8_t nhlen = 0, reserved = 0;

	if (!keel_cur_u16(v, &u->mp_reach_af.afi) ||
	    !keel_cur_u8(v, &u->mp_reach_af.safi) || !keel_cur_u8(v, &nhlen) ||
	    nhlen > sizeof(u->mp_nh) || !keel_cur_bytes(v, u->mp_nh, nhlen) ||
	    !keel_cur_u8(v, &reserved))
		return bgp_mp_fail(x, BGP_UPD_OPT_ATTR, "MP_REACH overruns");
	u->mp_nh_len = nhlen;
	u->has_mp_reach = true;
	if (!bgp_nlri_family(&u->mp_reach_af))
		return BGP_ATTR_OK; /* not ours: not read (RFC 4760 section 7) */
	/* RFC 4760 section 3; RFC 2545 section 3: 16 or 32 for IPv6. */
	if ((u->mp_reach_af.afi == BGP_AFI_IPV4 && nhlen != 4) ||
	    (u->mp_reach_af.afi == BGP_AFI_IPV6 && nhlen != 16 && nhlen != 32))
		return bgp_mp_fail(x, BGP_UPD_OPT_ATTR,
				   "MP_REACH next hop length");
	if (!bgp_nlri_valid(v->p, keel_cur_left(v), u->mp_reach_af.afi))
		return bgp_mp_fail(x, BGP_UPD_NETWORK, "MP_REACH NLRI");
	u->mp_reach_nlri = v->p;
	u->mp_reach_nlri_len = (uint16_t)keel_cur_left(v);
	return BGP_ATTR_OK;
}

/* RFC 4760 section 4. */
static int bgp_attr_mp_unreach(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	struct bgp_update *u = x->u;

	if (!keel_cur_u16(v, &u->mp_unreach_af.afi) ||
	    !keel_cur_u8(v, &u->mp_unreach_af.safi))
		return bgp_mp_fail(x, BGP_UPD_OPT_ATTR, "MP_UNREACH overruns");
	u->has_mp_unreach = true;
	if (!bgp_nlri_family(&u->mp_unreach_af))
		return BGP_ATTR_OK;
	if (!bgp_nlri_valid(v->p, keel_cur_left(v), u->mp_unreach_af.afi))
		return bgp_mp_fail(x, BGP_UPD_NETWORK, "MP_UNREACH NLRI");
	u->mp_unreach_nlri = v->p;
	u->mp_unreach_nlri_len = (uint16_t)keel_cur_left(v);
	return BGP_ATTR_OK;
}

/* RFC 6793 section 6: a malformed AS4_PATH is discarded. */
static int bgp_attr_as4_path(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	(void)x;
	return bgp_as_path_valid(*v, 4) ? BGP_ATTR_OK : BGP_ATTR_DISCARD_IT;
}

/* RFC 6793 section 6. */
static int bgp_attr_as4_aggregator(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	(void)x;
	return keel_cur_left(v) == 8 ? BGP_ATTR_OK : BGP_ATTR_DISCARD_IT;
}

/* RFC 8092 section 5 and 6: a non-zero multiple of 12. */
static int bgp_attr_large(struct bgp_attr_ctx *x, struct keel_cur *v)
{
	size_t n = keel_cur_left(v);

	if (n == 0 || n % 12)
		return BGP_ATTR_WITHDRAW;
	x->u->large = v->p;
	x->u->n_large = (uint16_t)(n / 12);
	return BGP_ATTR_OK;
}

#define O BGP_AF_OPTIONAL
#define T BGP_AF_TRANSITIVE

/* Indexed by type code: the Optional/Transitive bits and the handler. */
static const struct bgp_attr_desc {
	uint8_t flags;
	int (*decode)(struct bgp_attr_ctx *x, struct keel_cur *v);
} bgp_attr_table[] = {
	[BGP_ATTR_ORIGIN] = { T, bgp_attr_origin },
	[BGP_ATTR_AS_PATH] = { T, bgp_attr_as_path },
	[BGP_ATTR_NEXT_HOP] = { T, bgp_attr_next_hop },
	[BGP_ATTR_MED] = { O, bgp_attr_med },
	[BGP_ATTR_LOCAL_PREF] = { T, bgp_attr_local_pref },
	[BGP_ATTR_ATOMIC_AGGR] = { T, bgp_attr_atomic },
	[BGP_ATTR_AGGREGATOR] = { O | T, bgp_attr_aggregator },
	[BGP_ATTR_COMMUNITIES] = { O | T, bgp_attr_communities },
	[BGP_ATTR_ORIGINATOR_ID] = { O, bgp_attr_originator },
	[BGP_ATTR_CLUSTER_LIST] = { O, bgp_attr_cluster_list },
	[BGP_ATTR_MP_REACH] = { O, bgp_attr_mp_reach },
	[BGP_ATTR_MP_UNREACH] = { O, bgp_attr_mp_unreach },
	[BGP_ATTR_AS4_PATH] = { O | T, bgp_attr_as4_path },
	[BGP_ATTR_AS4_AGGREGATOR] = { O | T, bgp_attr_as4_aggregator },
	[BGP_ATTR_LARGE_COMMUNITIES] = { O | T, bgp_attr_large },
};

#undef O
#undef T

static void bgp_update_note(struct bgp_update *u, enum bgp_update_action a,
			    uint8_t type, const char *reason)
{
	if (a <= u->action)
		return;
	u->action = a;
	u->err_attr = type;
	u->reason = reason;
}

static bool bgp_seen(struct bgp_update *u, uint8_t type)
{
	uint64_t bit = 1ull << (type % 64);
	bool was = u->seen[type / 64] & bit;

	u->seen[type / 64] |= bit;
	return was;
}

static int bgp_update_attrs(struct bgp_update *u, struct keel_cur *attrs,
			    const struct bgp_parse_opts *opts,
			    struct bgp_notification *err)
{
	struct bgp_attr_ctx x = { .opts = opts, .u = u, .err = err };

	while (keel_cur_left(attrs)) {
		const struct bgp_attr_desc *d = NULL;
		const uint8_t *start = attrs->p;
		uint8_t flags = 0, type = 0, len8 = 0;
		uint16_t len = 0;
		struct keel_cur v;
		bool ok;
		int verdict;

		/*
		 * RFC 7606 section 4: an attribute that does not fit, or
		 * fewer bytes than an attribute header: treat-as-withdraw,
		 * the NLRI is still found through Total Path Attribute
		 * Length.
		 */
		ok = keel_cur_u8(attrs, &flags) && keel_cur_u8(attrs, &type);
		if (ok && (flags & BGP_AF_EXTLEN))
			ok = keel_cur_u16(attrs, &len);
		else if (ok && (ok = keel_cur_u8(attrs, &len8)))
			len = len8;
		if (!ok || !keel_cur_sub(attrs, len, &v)) {
			bgp_update_note(u, BGP_UPD_TREAT_AS_WITHDRAW, type,
					"attribute overruns the list");
			return 0;
		}
		x.attr = start;
		x.attr_len = (size_t)(attrs->p - start);
		/* RFC 7606 section 3 (g). */
		if (bgp_seen(u, type)) {
			if (type == BGP_ATTR_MP_REACH ||
			    type == BGP_ATTR_MP_UNREACH)
				return bgp_fail(err, BGP_ERR_UPDATE,
						BGP_UPD_ATTR_LIST, NULL, 0,
						"MP attribute twice");
			bgp_update_note(u, BGP_UPD_ATTR_DISCARD, type,
					"duplicate attribute");
			continue;
		}
		if (type < sizeof(bgp_attr_table) / sizeof(bgp_attr_table[0]))
			d = &bgp_attr_table[type];
		if (!d || !d->decode) {
			/*
			 * RFC 4271 section 5: unknown optional attributes are
			 * passed over; an unknown well-known one is an
			 * attribute error, treat-as-withdraw as BIRD does
			 * (RFC 7606 section 2).
			 */
			if (!(flags & BGP_AF_OPTIONAL))
				bgp_update_note(u, BGP_UPD_TREAT_AS_WITHDRAW,
						type, "unknown well-known");
			continue;
		}
		/*
		 * RFC 7606 section 3 (c): wrong Optional/Transitive bits make
		 * the attribute malformed.  MP attributes are still read so
		 * that their NLRI can be withdrawn.
		 */
		if ((flags & (BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE)) !=
		    d->flags) {
			bgp_update_note(u, BGP_UPD_TREAT_AS_WITHDRAW, type,
					"attribute flags");
			if (type != BGP_ATTR_MP_REACH &&
			    type != BGP_ATTR_MP_UNREACH)
				continue;
		}
		verdict = d->decode(&x, &v);
		if (verdict == BGP_ATTR_RESET)
			return -EBADMSG;
		if (verdict == BGP_ATTR_WITHDRAW)
			bgp_update_note(u, BGP_UPD_TREAT_AS_WITHDRAW, type,
					"malformed attribute");
		else if (verdict == BGP_ATTR_DISCARD_IT)
			bgp_update_note(u, BGP_UPD_ATTR_DISCARD, type,
					"attribute discarded");
	}
	return 0;
}

static bool bgp_has(const struct bgp_update *u, uint8_t type)
{
	return u->seen[type / 64] & 1ull << (type % 64);
}

/* Exactly one attribute type present, this one. */
static bool bgp_has_only(const struct bgp_update *u, uint8_t type)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (u->seen[i] != (i == type / 64u ? 1ull << (type % 64) : 0))
			return false;
	return true;
}

int bgp_update_parse(const uint8_t *buf, size_t len,
		     const struct bgp_parse_opts *opts, struct bgp_update *out,
		     struct bgp_notification *err)
{
	struct keel_cur body, withdrawn, attrs;
	uint16_t wlen = 0, alen = 0;
	bool reach;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = bgp_msg_begin(buf, len, BGP_UPDATE, &body, err);
	if (ret)
		return ret;
	/* RFC 4271 section 6.3: both lengths must fit in the message. */
	if (!keel_cur_u16(&body, &wlen) ||
	    !keel_cur_sub(&body, wlen, &withdrawn) ||
	    !keel_cur_u16(&body, &alen) || !keel_cur_sub(&body, alen, &attrs)) {
		ret = bgp_fail(err, BGP_ERR_UPDATE, BGP_UPD_ATTR_LIST, NULL, 0,
			       "withdrawn or attribute length overruns");
		goto out;
	}
	/* RFC 7606 section 5.3; RFC 4271 section 6.3: Invalid Network. */
	if (!bgp_nlri_valid(withdrawn.p, wlen, BGP_AFI_IPV4) ||
	    !bgp_nlri_valid(body.p, keel_cur_left(&body), BGP_AFI_IPV4)) {
		ret = bgp_fail(err, BGP_ERR_UPDATE, BGP_UPD_NETWORK, NULL, 0,
			       "bad prefix");
		goto out;
	}
	out->withdrawn = withdrawn.p;
	out->withdrawn_len = wlen;
	out->nlri = body.p;
	out->nlri_len = (uint16_t)keel_cur_left(&body);
	ret = bgp_update_attrs(out, &attrs, opts, err);
	if (ret)
		goto out;
	/*
	 * RFC 7606 section 3 (d): a missing well-known mandatory attribute
	 * is treat-as-withdraw; NEXT_HOP only for NLRI in the NLRI field
	 * (RFC 4760 section 3).
	 */
	reach = out->nlri_len || out->mp_reach_nlri_len;
	if (reach && (!bgp_has(out, BGP_ATTR_ORIGIN) ||
		      !bgp_has(out, BGP_ATTR_AS_PATH) ||
		      (out->nlri_len && !bgp_has(out, BGP_ATTR_NEXT_HOP))))
		bgp_update_note(out, BGP_UPD_TREAT_AS_WITHDRAW, 0,
				"missing well-known attribute");
	/*
	 * RFC 4724 section 2: End-of-RIB markers, an empty UPDATE (IPv4) or
	 * one with only an empty MP_UNREACH_NLRI (another family).
	 */
	if ((!wlen && !alen && !out->nlri_len) ||
	    (!wlen && !out->nlri_len && out->has_mp_unreach &&
	     !out->mp_unreach_nlri_len &&
	     bgp_has_only(out, BGP_ATTR_MP_UNREACH)))
		out->end_of_rib = true;
	return 0;
out:
	memset(out, 0, sizeof(*out));
	return ret;
}

/* ---- UPDATE encoding ---- */

static void bgp_put_attr(struct keel_wbuf *w, uint8_t flags, uint8_t type,
			 size_t len)
{
	/* RFC 4271 section 4.3: Extended Length past 255. */
	if (len > 255) {
		keel_wbuf_u8(w, flags | BGP_AF_EXTLEN);
		keel_wbuf_u8(w, type);
		keel_wbuf_u16(w, (uint16_t)len);
	} else {
		keel_wbuf_u8(w, flags);
		keel_wbuf_u8(w, type);
		keel_wbuf_u8(w, (uint8_t)len);
	}
}

static int bgp_prefixes_len(uint16_t afi, const struct bgp_prefix *p,
			    unsigned int n, size_t *len)
{
	unsigned int i;

	*len = 0;
	for (i = 0; i < n; i++) {
		if (p[i].afi != afi || p[i].len > bgp_afi_bits(afi))
			return -EINVAL;
		*len += 1 + (p[i].len + 7u) / 8;
		if (*len > BGP_MSG_MAX)
			return -EMSGSIZE;
	}
	return 0;
}

static void bgp_put_prefixes(struct keel_wbuf *w, const struct bgp_prefix *p,
			     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		size_t bytes = (p[i].len + 7u) / 8;
		uint8_t last;

		keel_wbuf_u8(w, p[i].len);
		if (!bytes)
			continue;
		keel_wbuf_bytes(w, p[i].addr, bytes - 1);
		last = p[i].addr[bytes - 1];
		if (p[i].len % 8)
			last &= (uint8_t)(0xff << (8 - p[i].len % 8));
		keel_wbuf_u8(w, last);
	}
}

int bgp_update_encode_announce(uint8_t *buf, size_t size,
			       const struct bgp_announce *in)
{
	struct keel_wbuf w = keel_wbuf_init(buf, size);
	size_t plen, alen_at, start, aslen;
	unsigned int i, count = 1u + in->prepend;
	int ret;

	if ((in->afi != BGP_AFI_IPV4 && in->afi != BGP_AFI_IPV6) ||
	    !in->n_prefixes || in->origin > 2 || !in->local_as || count > 255 ||
	    (in->afi == BGP_AFI_IPV4 && !in->next_hop4) ||
	    (in->afi == BGP_AFI_IPV6 && in->next_hop6_len != 16 &&
	     in->next_hop6_len != 32) ||
	    in->n_communities > BGP_MSG_MAX / 4 ||
	    in->n_large > BGP_MSG_MAX / 12)
		return -EINVAL;
	ret = bgp_prefixes_len(in->afi, in->prefixes, in->n_prefixes, &plen);
	if (ret)
		return ret;
	bgp_msg_start(&w, BGP_UPDATE);
	keel_wbuf_u16(&w, 0); /* no withdrawn routes */
	alen_at = keel_wbuf_mark(&w, 2);
	start = w.len;
	if (in->afi == BGP_AFI_IPV6) {
		/* RFC 7606 section 5.1: MP_REACH_NLRI first. */
		bgp_put_attr(&w, BGP_AF_OPTIONAL, BGP_ATTR_MP_REACH,
			     5 + in->next_hop6_len + plen);
		keel_wbuf_u16(&w, BGP_AFI_IPV6);
		keel_wbuf_u8(&w, BGP_SAFI_UNICAST);
		keel_wbuf_u8(&w, in->next_hop6_len);
		keel_wbuf_bytes(&w, in->next_hop6, in->next_hop6_len);
		keel_wbuf_u8(&w, 0);
		bgp_put_prefixes(&w, in->prefixes, in->n_prefixes);
	}
	/* Then ascending type codes (RFC 4271 section 5). */
	bgp_put_attr(&w, BGP_AF_TRANSITIVE, BGP_ATTR_ORIGIN, 1);
	keel_wbuf_u8(&w, in->origin);
	/* One AS_SEQUENCE of 4-octet ASes (RFC 6793 section 4.1)... */
	if (!in->as2) {
		aslen = 2 + 4 * (size_t)count;
		bgp_put_attr(&w, BGP_AF_TRANSITIVE, BGP_ATTR_AS_PATH, aslen);
		keel_wbuf_u8(&w, 2);
		keel_wbuf_u8(&w, (uint8_t)count);
		for (i = 0; i < count; i++)
			keel_wbuf_u32(&w, in->local_as);
	} else {
		/* ...or of 2-octet ones, AS_TRANS standing in (section 4.2.2). */
		aslen = 2 + 2 * (size_t)count;
		bgp_put_attr(&w, BGP_AF_TRANSITIVE, BGP_ATTR_AS_PATH, aslen);
		keel_wbuf_u8(&w, 2);
		keel_wbuf_u8(&w, (uint8_t)count);
		for (i = 0; i < count; i++)
			keel_wbuf_u16(&w, in->local_as > 0xffff ?
						  BGP_AS_TRANS :
						  (uint16_t)in->local_as);
	}
	if (in->afi == BGP_AFI_IPV4) {
		bgp_put_attr(&w, BGP_AF_TRANSITIVE, BGP_ATTR_NEXT_HOP, 4);
		keel_wbuf_u32(&w, in->next_hop4);
	}
	if (in->has_med) {
		bgp_put_attr(&w, BGP_AF_OPTIONAL, BGP_ATTR_MED, 4);
		keel_wbuf_u32(&w, in->med);
	}
	if (in->n_communities) {
		/* RFC 1997. */
		bgp_put_attr(&w, BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE,
			     BGP_ATTR_COMMUNITIES,
			     4 * (size_t)in->n_communities);
		for (i = 0; i < in->n_communities; i++)
			keel_wbuf_u32(&w, in->communities[i]);
	}
	if (in->as2 && in->local_as > 0xffff) {
		/* RFC 6793 section 4.2.2: the true path for new speakers. */
		bgp_put_attr(&w, BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE,
			     BGP_ATTR_AS4_PATH, 2 + 4 * (size_t)count);
		keel_wbuf_u8(&w, 2);
		keel_wbuf_u8(&w, (uint8_t)count);
		for (i = 0; i < count; i++)
			keel_wbuf_u32(&w, in->local_as);
	}
	if (in->n_large) {
		/* RFC 8092 section 3. */
		bgp_put_attr(&w, BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE,
			     BGP_ATTR_LARGE_COMMUNITIES,
			     12 * (size_t)in->n_large);
		for (i = 0; i < in->n_large; i++) {
			keel_wbuf_u32(&w, in->large[i].global);
			keel_wbuf_u32(&w, in->large[i].local1);
			keel_wbuf_u32(&w, in->large[i].local2);
		}
	}
	if (w.overflow)
		return -ENOSPC;
	if (w.len - start > BGP_MSG_MAX)
		return -EMSGSIZE;
	keel_wbuf_patch16(&w, alen_at, (uint16_t)(w.len - start));
	if (in->afi == BGP_AFI_IPV4)
		bgp_put_prefixes(&w, in->prefixes, in->n_prefixes);
	return bgp_msg_end(&w);
}

int bgp_update_encode_withdraw(uint8_t *buf, size_t size, uint16_t afi,
			       const struct bgp_prefix *prefixes,
			       unsigned int n)
{
	struct keel_wbuf w = keel_wbuf_init(buf, size);
	size_t plen;
	int ret;

	if ((afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6) || !n)
		return -EINVAL;
	ret = bgp_prefixes_len(afi, prefixes, n, &plen);
	if (ret)
		return ret;
	if (plen > BGP_MSG_MAX)
		return -EMSGSIZE;
	bgp_msg_start(&w, BGP_UPDATE);
	if (afi == BGP_AFI_IPV4) {
		keel_wbuf_u16(&w, (uint16_t)plen);
		bgp_put_prefixes(&w, prefixes, n);
		keel_wbuf_u16(&w, 0);
		return bgp_msg_end(&w);
	}
	/* RFC 4760 section 4: IPv6 withdrawals go in MP_UNREACH_NLRI. */
	keel_wbuf_u16(&w, 0);
	keel_wbuf_u16(&w, (uint16_t)(3 + plen + (3 + plen > 255 ? 4 : 3)));
	bgp_put_attr(&w, BGP_AF_OPTIONAL, BGP_ATTR_MP_UNREACH, 3 + plen);
	keel_wbuf_u16(&w, BGP_AFI_IPV6);
	keel_wbuf_u8(&w, BGP_SAFI_UNICAST);
	bgp_put_prefixes(&w, prefixes, n);
	return bgp_msg_end(&w);
}

int bgp_update_encode_eor(uint8_t *buf, size_t size, uint16_t afi)
{
	struct keel_wbuf w = keel_wbuf_init(buf, size);

	if (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6)
		return -EINVAL;
	bgp_msg_start(&w, BGP_UPDATE);
	keel_wbuf_u16(&w, 0);
	if (afi == BGP_AFI_IPV4) {
		keel_wbuf_u16(&w, 0);
		return bgp_msg_end(&w);
	}
	keel_wbuf_u16(&w, 6);
	bgp_put_attr(&w, BGP_AF_OPTIONAL, BGP_ATTR_MP_UNREACH, 3);
	keel_wbuf_u16(&w, afi);
	keel_wbuf_u8(&w, BGP_SAFI_UNICAST);
	return bgp_msg_end(&w);
}

void bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (p->afi == BGP_AFI_IPV4 || p->afi == BGP_AFI_IPV6)
		inet_ntop(p->afi == BGP_AFI_IPV4 ? AF_INET : AF_INET6, p->addr,
			  a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, p->len);
}
