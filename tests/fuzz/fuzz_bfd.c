// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: BFD Control packets through bfd_pkt.c, then into a
 * session (bfd_session.c).
 *
 * Input: one option byte (bit 0: authentication configured; bit 1: Detect
 * Mult 1), then records [len][ms][len bytes]: ms milliseconds pass (the
 * session's timers fire on the way), then len bytes arrive as a UDP payload.
 *
 * Stage 1: a packet the parser accepts encodes again to the same packet
 * (Length normalised), and that parses back to the same struct.
 * Stage 2: every packet the session asks to send passes our own reception
 * checks, the state stays within the four states, the deadlines lie ahead
 * and no packet is later than the TX interval (6.8.7).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bfd_pkt.h"
#include "bfd_session.h"

#define FUZZ_CHECK(x)            \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

static uint32_t rnd_state;

static uint32_t fuzz_rand(void *arg)
{
	(void)arg;
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state;
}

static void check_packet(const uint8_t *msg, size_t len, bool auth)
{
	uint8_t out[BFD_PKT_MAX];
	struct bfd_pkt p, back;
	int n;

	if (bfd_pkt_parse(msg, len, auth, &p, NULL))
		return;
	FUZZ_CHECK(p.version == 1 && p.detect_mult && p.my_disc &&
		   !p.multipoint && p.auth == auth && !(p.poll && p.final));
	FUZZ_CHECK(p.length >= BFD_PKT_LEN && p.length <= len);
	n = bfd_pkt_encode(out, sizeof(out), &p);
	FUZZ_CHECK(n >= BFD_PKT_LEN && n <= (int)p.length);
	FUZZ_CHECK(bfd_pkt_parse(out, n, auth, &back, NULL) == 0);
	/* Byte-exact unless Length had slack or an ignored Reserved byte. */
	if (n == (int)p.length && !auth)
		FUZZ_CHECK(!memcmp(out, msg, n));
	p.length = (uint8_t)n;
	FUZZ_CHECK(!memcmp(&p, &back, sizeof(p)));
}

static void check_actions(const struct bfd_session *s,
			  const struct bfd_actions *a, uint64_t now)
{
	uint8_t out[BFD_PKT_MAX];
	struct bfd_pkt back;
	int n;

	FUZZ_CHECK(s->session_state <= BFD_STATE_UP);
	if (a->changed)
		FUZZ_CHECK(a->old_state != a->new_state &&
			   a->new_state == s->session_state);
	if (a->send) {
		n = bfd_pkt_encode(out, sizeof(out), &a->pkt);
		FUZZ_CHECK(n == BFD_PKT_LEN);
		FUZZ_CHECK(bfd_pkt_parse(out, n, false, &back, NULL) == 0);
		FUZZ_CHECK(back.state == s->session_state &&
			   back.my_disc == s->local_discr);
		/* 6.8.3: slow while not Up. */
		if (back.state != BFD_STATE_UP)
			FUZZ_CHECK(back.desired_min_tx >= BFD_SLOW_TX_US);
	}
	if (a->next_tx) {
		uint64_t iv = s->tx_in_use > s->remote_min_rx ?
				      s->tx_in_use :
				      s->remote_min_rx;

		FUZZ_CHECK(a->next_tx >= now);
		/* 6.8.7: never later than the interval (an interval that
		 * grew applies from the next packet on). */
		FUZZ_CHECK(a->next_tx - s->last_tx <= iv || a->next_tx == now);
	}
	if (a->detect_at)
		FUZZ_CHECK(a->detect_at >= now &&
			   s->session_state != BFD_STATE_ADMIN_DOWN);
	FUZZ_CHECK(a->next_tx == s->next_tx && a->detect_at == s->detect_at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bfd_session_cfg cfg = {
		.local_disc = 0x4b45454c,
		.min_tx_us = 100000,
		.min_rx_us = 100000,
		.detect_mult = 3,
		.rand = fuzz_rand,
	};
	struct bfd_session s;
	struct bfd_actions a;
	struct bfd_pkt p;
	uint64_t now = 1000000;
	bool auth;

	if (size < 1)
		return 0;
	auth = data[0] & 1;
	if (data[0] & 2)
		cfg.detect_mult = 1;
	data++;
	size--;
	rnd_state = 1;
	FUZZ_CHECK(bfd_session_init(&s, &cfg, now, &a) == 0);
	check_actions(&s, &a, now);

	while (size >= 2) {
		size_t len = data[0];
		uint64_t until = now + (uint64_t)data[1] * 1000;
		uint8_t *msg;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		/* Fire every deadline on the way, in order. */
		for (;;) {
			uint64_t d = bfd_session_next_deadline(&s);

			if (!d || d > until)
				break;
			now = d;
			bfd_session_timer(&s, now, &a);
			check_actions(&s, &a, now);
		}
		now = until;
		/* An exact-size copy, so that ASan sees a read past the end. */
		msg = malloc(len ? len : 1);
		FUZZ_CHECK(msg);
		memcpy(msg, data, len);
		check_packet(msg, len, auth);
		if (!bfd_pkt_parse(msg, len, false, &p, NULL)) {
			int ret = bfd_session_rx(&s, &p, now, &a);

			FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
			check_actions(&s, &a, now);
		}
		free(msg);
		data += len;
		size -= len;
	}
	return 0;
}
