// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's receiver of agent reports (lbd_rx.c) on a real UDP socket:
 * which reports are acted on at once (the notify lbd gives it, a health
 * evaluation and commit in the same loop turn) and which wait for the
 * clock.  A DOWN report that waited would cost up to half an interval
 * (50 ms with the e2e settings), which the end-to-end limits hide.
 *
 * One ordered list of reports from 127.0.0.1 through one lbd (the
 * agent's state carries from row to row), each read by one turn of the
 * event loop.  Links the lbdrx library (with lbd_eval, which it marks
 * reals through; no reals here, so a changed agent is urgent itself).
 * Runs under tests/bpf/run-in-netns.sh: a namespace of its own, root
 * (the report filter is loaded and attached), else skipped (77).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include <sodium.h>

#include "check_run.h"
#include "keel_report.h"
#include "lbd.h"
#include "lbd_rx.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define PORT 47999
#define DEAD_AFTER_MS 50

static const uint8_t key[KEEL_REPORT_KEY_LEN] = { 7, 7, 7, 7, 7, 7, 7, 7 };
static const uint8_t other[KEEL_REPORT_KEY_LEN] = { 9, 9, 9, 9, 9, 9, 9, 9 };

static const struct row {
	const char *name;
	uint8_t state; /* of the report's one service */
	const uint8_t *key; /* signing key */
	unsigned int sleep_ms; /* before it is sent */
	int notify; /* acted on at once: notify calls */
	enum lb_agents_result result;
} rows[] = {
	{ "first report, UP", KEEL_RS_UP, key, 0, 1, LB_AGENTS_RX_OK },
	{ "UP again", KEEL_RS_UP, key, 0, 0, LB_AGENTS_RX_OK },
	{ "DOWN", KEEL_RS_DOWN, key, 0, 1, LB_AGENTS_RX_OK },
	{ "DOWN again", KEEL_RS_DOWN, key, 0, 0, LB_AGENTS_RX_OK },
	{ "DOWN again after a silence past dead_after", KEEL_RS_DOWN, key,
	  DEAD_AFTER_MS + 30, 1, LB_AGENTS_RX_OK },
	{ "bad MAC", KEEL_RS_UP, other, 0, 0, LB_AGENTS_RX_BAD_MAC },
	{ "DRAINING", KEEL_RS_DRAINING, key, 0, 1, LB_AGENTS_RX_OK },
};

static struct lbd d;
static int notified;

static void count_notify(struct lbd *dd)
{
	ck_assert_ptr_eq(dd, &d);
	notified++;
}

static int udp_socket(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* A report of 127.0.0.1 with one service, 10.0.0.1:80/tcp, in state. */
static int report(uint8_t *buf, size_t size, uint64_t seq, uint8_t state,
		  const uint8_t *k)
{
	struct keel_report r = {
		.key_id = 1,
		.boot = 1,
		.seq = seq,
		.real = { .family = KEEL_F_INET, .addr = { 127, 0, 0, 1 } },
		.count = 1,
		.svc = { { .vip = { .family = KEEL_F_INET,
				    .addr = { 10, 0, 0, 1 } },
			   .port = 80,
			   .proto = IPPROTO_TCP,
			   .state = state } },
	};

	memset(r.boot_id, 0x42, sizeof(r.boot_id));
	return keel_report_encode(buf, size, &r, k);
}

START_TEST(test_urgent)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	struct lb_agent_addr a = { .family = KEEL_F_INET };
	struct lbd_rx_prep p = { .fd = -1 };
	char dir[] = "/tmp/test_lbd_rx.XXXXXX", path[PATH_MAX];
	uint8_t buf[KEEL_REPORT_LEN_MAX];
	struct timespec ts;
	uint64_t before;
	int tx, len, i, bad = 0;

	ck_assert_int_ge(sodium_init(), 0);
	d.base = event_base_new();
	ck_assert_ptr_nonnull(d.base);
	d.rx.fd = -1;
	/* The replay guards are saved at stop: <state_file>.replay. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(d.cfg.state_file, sizeof(d.cfg.state_file), "%s/state", dir);
	snprintf(d.cfg.agents.listen, sizeof(d.cfg.agents.listen),
		 "127.0.0.1:%d", PORT);
	d.cfg.agents.key_id = 1;
	d.cfg.agents.dead_after_ms = DEAD_AFTER_MS;
	d.cfg.agents.interval_ms = 20;
	ck_assert_int_eq(lbd_rx_init(&d, count_notify), 0);
	/* What lbd_rx_prepare() gives after reading the key file. */
	memcpy(p.keys[0].key, key, sizeof(key));
	p.keys[0].id = 1;
	p.n_keys = 1;
	p.fd = udp_socket(PORT);
	ck_assert_int_eq(lbd_rx_install(&d, &p), 0);
	ck_assert_int_eq(p.fd, -1);
	/* The agents table as a full pass makes it: one agent. */
	a.addr[0] = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(lb_agents_rebuild(&d.agents, &a, 1), 0);
	lbd_rx_agents_rebuilt(&d);

	tx = udp_socket(0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < N(rows); i++) {
		const struct row *r = &rows[i];

		if (r->sleep_ms) {
			ts.tv_sec = 0;
			ts.tv_nsec = r->sleep_ms * 1000000L;
			nanosleep(&ts, NULL);
		}
		len = report(buf, sizeof(buf), i + 1, r->state, r->key);
		ck_assert_int_gt(len, 0);
		ck_assert_int_eq(sendto(tx, buf, len, 0, (struct sockaddr *)&to,
					sizeof(to)),
				 len);
		before = d.rx.results[r->result];
		notified = 0;
		/* Bounded: the datagram is on lo before sendto() returns. */
		ck_assert_int_eq(event_base_loop(d.base, EVLOOP_ONCE), 0);
		/* Every row is looked at, so that a failure shows its pattern. */
		if (d.rx.results[r->result] != before + 1) {
			fprintf(stderr, "row %d (%s): result %s not counted\n",
				i, r->name, lb_agents_result_name(r->result));
			bad++;
		}
		if (notified != r->notify) {
			fprintf(stderr,
				"row %d (%s): %d notify calls, want %d\n", i,
				r->name, notified, r->notify);
			bad++;
		}
	}
	close(tx);
	ck_assert_msg(!bad, "%d of the rows' checks failed (above)", bad);
	lbd_rx_stop(&d);
	ck_assert_int_eq(lbd_rx_replay_path(&d, path, sizeof(path)), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	lb_agents_free(&d.agents);
	event_base_free(d.base);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lbd_rx");
	TCase *tc = tcase_create("urgent");

	tcase_add_test(tc, test_urgent);
	suite_add_tcase(s, tc);
	return check_run(s);
}
