// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The BFD Control packet (RFC 5880 section 4) through the bounds-checked
 * cursor of the BGP codec.  Layout of the mandatory section (4.1):
 *
 *   Vers(3) Diag(5) | Sta(2) P F C A D M | Detect Mult | Length
 *   My Discriminator | Your Discriminator
 *   Desired Min TX | Required Min RX | Required Min Echo RX
 */
#include <errno.h>
#include <string.h>

#include "bfd_pkt.h"
#include "keel_cursor.h"

#define F_POLL 0x20
#define F_FINAL 0x10
#define F_CPI 0x08
#define F_AUTH 0x04
#define F_DEMAND 0x02
#define F_MULTIPOINT 0x01

/* Auth Len of each type (4.2-4.4); simple password is 3 + 1..16. */
static int auth_len_ok(uint8_t type, uint8_t len)
{
	switch (type) {
	case BFD_AUTH_SIMPLE:
		return len >= 4 && len <= 3 + BFD_PASSWORD_MAX;
	case BFD_AUTH_KEYED_MD5:
	case BFD_AUTH_METICULOUS_MD5:
		return len == 24;
	case BFD_AUTH_KEYED_SHA1:
	case BFD_AUTH_METICULOUS_SHA1:
		return len == 28;
	default:
		return 0; /* 0 and 6..255 are reserved (4.1) */
	}
}

static int auth_parse(struct keel_cur *c, struct bfd_auth *a)
{
	uint8_t reserved;

	if (!keel_cur_u8(c, &a->type) || !keel_cur_u8(c, &a->len) ||
	    !auth_len_ok(a->type, a->len) || keel_cur_left(c) < a->len - 2u ||
	    !keel_cur_u8(c, &a->key_id))
		return -EBADMSG;
	if (a->type == BFD_AUTH_SIMPLE) {
		a->data_len = a->len - 3;
	} else {
		/* Reserved: ignored on receipt (4.3, 4.4). */
		if (!keel_cur_u8(c, &reserved) || !keel_cur_u32(c, &a->seq))
			return -EBADMSG;
		a->data_len = a->len - 8;
	}
	if (!keel_cur_bytes(c, a->data, a->data_len))
		return -EBADMSG;
	return 0;
}

static int fail(enum bfd_pkt_err *err, enum bfd_pkt_err why)
{
	if (err)
		*err = why;
	return -EBADMSG;
}

int bfd_pkt_parse(const uint8_t *buf, size_t len, bool auth_configured,
		  struct bfd_pkt *out, enum bfd_pkt_err *err)
{
	struct keel_cur c = keel_cur_init(buf, len), body;
	uint8_t b0, b1;

	memset(out, 0, sizeof(*out));
	if (err)
		*err = BFD_PKT_OK;
	if (len < BFD_PKT_LEN)
		return fail(err, BFD_PKT_ERR_SHORT);
	if (!keel_cur_u8(&c, &b0) || !keel_cur_u8(&c, &b1) ||
	    !keel_cur_u8(&c, &out->detect_mult) ||
	    !keel_cur_u8(&c, &out->length))
		return fail(err, BFD_PKT_ERR_SHORT);
	out->version = b0 >> 5;
	out->diag = b0 & 0x1f;
	out->state = b1 >> 6;
	out->poll = b1 & F_POLL;
	out->final = b1 & F_FINAL;
	out->cpi = b1 & F_CPI;
	out->auth = b1 & F_AUTH;
	out->demand = b1 & F_DEMAND;
	out->multipoint = b1 & F_MULTIPOINT;

	/* RFC 5880 6.8.6: the version must be 1. */
	if (out->version != BFD_VERSION)
		return fail(err, BFD_PKT_ERR_VERSION);
	/*
	 * 6.8.6: Length below 24 (26 with the A bit) or beyond the UDP
	 * payload: discard.  Bytes past Length are not part of the packet.
	 */
	if (out->length < (out->auth ? BFD_PKT_LEN + 2 : BFD_PKT_LEN) ||
	    out->length > len)
		return fail(err, BFD_PKT_ERR_LENGTH);
	/* 6.8.6: Detect Mult zero: discard. */
	if (!out->detect_mult)
		return fail(err, BFD_PKT_ERR_DETECT_MULT);
	/* 6.8.6: the Multipoint bit is reserved for future use: discard. */
	if (out->multipoint)
		return fail(err, BFD_PKT_ERR_MULTIPOINT);
	/* 6.5: a packet never carries both Poll and Final. */
	if (out->poll && out->final)
		return fail(err, BFD_PKT_ERR_POLL_FINAL);

	/* Cannot fail after the Length checks; kept for the cursor's sake. */
	if (!keel_cur_sub(&c, out->length - 4u, &body) ||
	    !keel_cur_u32(&body, &out->my_disc) ||
	    !keel_cur_u32(&body, &out->your_disc) ||
	    !keel_cur_u32(&body, &out->desired_min_tx) ||
	    !keel_cur_u32(&body, &out->required_min_rx) ||
	    !keel_cur_u32(&body, &out->required_min_echo_rx))
		return fail(err, BFD_PKT_ERR_LENGTH);

	/* 6.8.6: My Discriminator zero: discard. */
	if (!out->my_disc)
		return fail(err, BFD_PKT_ERR_MY_DISC);
	/*
	 * 6.8.6: Your Discriminator zero is only allowed while the sender
	 * does not know ours yet, i.e. in Down or AdminDown.
	 */
	if (!out->your_disc && out->state != BFD_STATE_DOWN &&
	    out->state != BFD_STATE_ADMIN_DOWN)
		return fail(err, BFD_PKT_ERR_YOUR_DISC);
	/* 6.8.6 (and 6.7): the A bit must match what is configured. */
	if (out->auth && !auth_configured)
		return fail(err, BFD_PKT_ERR_AUTH_UNEXPECTED);
	if (!out->auth && auth_configured)
		return fail(err, BFD_PKT_ERR_AUTH_MISSING);
	/* 4.2-4.4: the section must fit within Length. */
	if (out->auth && auth_parse(&body, &out->auth_sec))
		return fail(err, BFD_PKT_ERR_AUTH_FORMAT);
	return 0;
}

int bfd_pkt_encode(uint8_t *buf, size_t size, const struct bfd_pkt *in)
{
	struct keel_wbuf w = keel_wbuf_init(buf, size);
	const struct bfd_auth *a = &in->auth_sec;
	uint8_t len = BFD_PKT_LEN, flags;

	if (in->diag > BFD_DIAG_MAX || in->state > BFD_STATE_UP)
		return -EINVAL;
	if (in->auth) {
		if (!auth_len_ok(a->type, a->len) ||
		    a->data_len !=
			    a->len - (a->type == BFD_AUTH_SIMPLE ? 3 : 8))
			return -EINVAL;
		len += a->len;
	}
	flags = (uint8_t)(in->state << 6) | (in->poll ? F_POLL : 0) |
		(in->final ? F_FINAL : 0) | (in->cpi ? F_CPI : 0) |
		(in->auth ? F_AUTH : 0) | (in->demand ? F_DEMAND : 0) |
		(in->multipoint ? F_MULTIPOINT : 0);
	keel_wbuf_u8(&w, (uint8_t)(BFD_VERSION << 5 | in->diag));
	keel_wbuf_u8(&w, flags);
	keel_wbuf_u8(&w, in->detect_mult);
	keel_wbuf_u8(&w, len);
	keel_wbuf_u32(&w, in->my_disc);
	keel_wbuf_u32(&w, in->your_disc);
	keel_wbuf_u32(&w, in->desired_min_tx);
	keel_wbuf_u32(&w, in->required_min_rx);
	keel_wbuf_u32(&w, in->required_min_echo_rx);
	if (in->auth) {
		keel_wbuf_u8(&w, a->type);
		keel_wbuf_u8(&w, a->len);
		keel_wbuf_u8(&w, a->key_id);
		if (a->type != BFD_AUTH_SIMPLE) {
			keel_wbuf_u8(&w, 0); /* Reserved */
			keel_wbuf_u32(&w, a->seq);
		}
		keel_wbuf_bytes(&w, a->data, a->data_len);
	}
	return keel_wbuf_len(&w);
}

const char *bfd_state_name(unsigned int state)
{
	static const char *const names[] = { "AdminDown", "Down", "Init",
					     "Up" };

	return state < 4 ? names[state] : "?";
}

const char *bfd_diag_name(unsigned int diag)
{
	static const char *const names[] = {
		[BFD_DIAG_NONE] = "no diagnostic",
		[BFD_DIAG_DETECT_EXPIRED] = "control detection time expired",
		[BFD_DIAG_ECHO_FAILED] = "echo function failed",
		[BFD_DIAG_NEIGHBOR_DOWN] = "neighbor signaled session down",
		[BFD_DIAG_FWD_RESET] = "forwarding plane reset",
		[BFD_DIAG_PATH_DOWN] = "path down",
		[BFD_DIAG_CONCAT_PATH_DOWN] = "concatenated path down",
		[BFD_DIAG_ADMIN_DOWN] = "administratively down",
		[BFD_DIAG_REV_CONCAT_PATH_DOWN] =
			"reverse concatenated path down",
	};

	return diag < sizeof(names) / sizeof(names[0]) ? names[diag] :
							 "unknown diagnostic";
}

const char *bfd_pkt_err_name(enum bfd_pkt_err err)
{
	static const char *const names[] = {
		[BFD_PKT_OK] = "ok",
		[BFD_PKT_ERR_SHORT] = "shorter than 24 bytes",
		[BFD_PKT_ERR_VERSION] = "version is not 1",
		[BFD_PKT_ERR_LENGTH] = "bad Length field",
		[BFD_PKT_ERR_DETECT_MULT] = "Detect Mult is zero",
		[BFD_PKT_ERR_MULTIPOINT] = "Multipoint bit set",
		[BFD_PKT_ERR_POLL_FINAL] = "Poll and Final both set",
		[BFD_PKT_ERR_MY_DISC] = "My Discriminator is zero",
		[BFD_PKT_ERR_YOUR_DISC] =
			"Your Discriminator is zero in state Init or Up",
		[BFD_PKT_ERR_AUTH_UNEXPECTED] =
			"authentication present but not configured",
		[BFD_PKT_ERR_AUTH_MISSING] =
			"authentication configured but absent",
		[BFD_PKT_ERR_AUTH_FORMAT] = "malformed authentication section",
	};

	return (unsigned int)err < BFD_PKT_ERR_MAX ? names[err] : "?";
}
