// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbd's receiver of agent reports (lbd_rx.c) on a real UDP socket:
 * which reports are acted on at once (the notify lbd gives it, a health
 * evaluation and commit in the same loop turn) and which wait for the
 * clock (lbd_eval_heard()).  Only a report that leaves a real's verdict
 * not UP is urgent: a DOWN report that waited would cost up to half an
 * interval (50 ms with the e2e settings), which the end-to-end limits
 * hide; an UP report waits, so agents coming up together cost one
 * rebuild per service, not one per agent.
 *
 * lbd's evaluation state is built as lbd builds it: a config of one
 * service with one agent-health real, 127.0.0.1, a full pass
 * (lbd_eval_reconcile(), lbd_eval_done()) into a model of an empty data
 * plane (nothing is committed: no maps).  Then one ordered list of
 * reports from 127.0.0.1 (the agent's state carries from row to row),
 * each read by one turn of the event loop.  A last test takes the
 * out-of-memory fallback (no per-agent arrays: agent_first NULL), where
 * every changed report is urgent.  Links the lbdrx library (with
 * lbd_eval).  Runs under tests/bpf/run-in-netns.sh: a namespace of its
 * own, root (the report filter is loaded and attached), else skipped
 * (77).
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
#include "keel_yaml.h"
#include "lbd.h"
#include "lb_dp.h"
#include "lbd_eval.h"
#include "lbd_rx.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define PORT 47999
#define DEAD_AFTER_MS 50

static const uint8_t key[KEEL_REPORT_KEY_LEN] = { 7, 7, 7, 7, 7, 7, 7, 7 };
static const uint8_t other[KEEL_REPORT_KEY_LEN] = { 9, 9, 9, 9, 9, 9, 9, 9 };

struct row {
	const char *name;
	uint8_t state; /* of the report's one service */
	const uint8_t *key; /* signing key */
	unsigned int sleep_ms; /* before it is sent */
	int notify; /* acted on at once: notify calls */
	enum lb_agents_result result;
};

/* With lbd's evaluation state: only a verdict not UP is urgent. */
static const struct row rows[] = {
	{ "first report, UP", KEEL_RS_UP, key, 0, 0, LB_AGENTS_RX_OK },
	{ "UP again", KEEL_RS_UP, key, 0, 0, LB_AGENTS_RX_OK },
	{ "DOWN", KEEL_RS_DOWN, key, 0, 1, LB_AGENTS_RX_OK },
	{ "DOWN again", KEEL_RS_DOWN, key, 0, 0, LB_AGENTS_RX_OK },
	{ "UP", KEEL_RS_UP, key, 0, 0, LB_AGENTS_RX_OK },
	{ "DOWN once more", KEEL_RS_DOWN, key, 0, 1, LB_AGENTS_RX_OK },
	{ "DOWN again after a silence past dead_after", KEEL_RS_DOWN, key,
	  DEAD_AFTER_MS + 30, 1, LB_AGENTS_RX_OK },
	{ "UP after a silence past dead_after", KEEL_RS_UP, key,
	  DEAD_AFTER_MS + 30, 0, LB_AGENTS_RX_OK },
	{ "DRAINING", KEEL_RS_DRAINING, key, 0, 1, LB_AGENTS_RX_OK },
	{ "bad MAC", KEEL_RS_DOWN, other, 0, 0, LB_AGENTS_RX_BAD_MAC },
};

/* No per-agent arrays (out of memory): every changed report is urgent. */
static const struct row rows_fallback[] = {
	{ "first report, UP", KEEL_RS_UP, key, 0, 1, LB_AGENTS_RX_OK },
	{ "UP again", KEEL_RS_UP, key, 0, 0, LB_AGENTS_RX_OK },
	{ "DOWN", KEEL_RS_DOWN, key, 0, 1, LB_AGENTS_RX_OK },
	{ "DOWN again", KEEL_RS_DOWN, key, 0, 0, LB_AGENTS_RX_OK },
	{ "bad MAC", KEEL_RS_UP, other, 0, 0, LB_AGENTS_RX_BAD_MAC },
};

/* One service, one agent-health real: the agent 127.0.0.1. */
static const char cfg_yaml[] = "interfaces:\n"
			       "  - name: lo\n"
			       "agents:\n"
			       "  listen: 127.0.0.1:47999\n" /* PORT */
			       "  key_file: /etc/keel/site.key\n" /* not read */
			       "  key_id: 1\n"
			       "  interval: 20ms\n"
			       "  dead_after: 50ms\n" /* DEAD_AFTER_MS */
			       "services:\n"
			       "  - vip: 10.0.0.1\n"
			       "    port: 80\n"
			       "    protocol: tcp\n"
			       "    health: {type: agent}\n"
			       "    reals:\n"
			       "      - address: 127.0.0.1\n";

static struct lbd d;
static struct lb_dp *dp;
static char instance[64];
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

/*
 * lbd's evaluation state after a full pass over cfg_yaml, as lbd_start()
 * and lbd_commit make it, on the model of a freshly loaded data plane
 * (its maps empty; nothing is committed).
 */
static void eval_setup(void)
{
	struct lb_dp_opts o = { .instance = instance, .conn_table_size = 1024 };
	struct lb_config_error cerr;
	struct lb_reconcile_stats rs;
	char msg[256] = "";

	if (lb_config_parse(cfg_yaml, strlen(cfg_yaml), "test", &d.cfg,
			    &cerr)) {
		lb_config_error_format(&cerr, msg, sizeof(msg));
		ck_abort_msg("config: %s", msg);
	}
	ck_assert_int_eq(lb_dp_load(&o, &dp), 0);
	ck_assert_int_eq(lb_model_init(&d.m, dp), 0);
	ck_assert_int_eq(lbd_eval_init(&d, NULL), 0);
	ck_assert_int_eq(lbd_eval_reconcile(&d, &rs), 0);
	ck_assert_uint_eq(rs.reals_added, 1);
	ck_assert(lbd_eval_done(&d));
	ck_assert_uint_eq(d.agents.n, 1);
}

static void run_rows(const struct row *rows_, int n)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
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
	ck_assert_uint_eq(d.cfg.agents.dead_after_ms, DEAD_AFTER_MS);
	ck_assert_int_eq(lbd_rx_init(&d, count_notify), 0);
	/* What lbd_rx_prepare() gives after reading the key file. */
	memcpy(p.keys[0].key, key, sizeof(key));
	p.keys[0].id = 1;
	p.n_keys = 1;
	p.fd = udp_socket(PORT);
	ck_assert_int_eq(lbd_rx_install(&d, &p), 0);
	ck_assert_int_eq(p.fd, -1);
	lbd_rx_agents_rebuilt(&d);

	tx = udp_socket(0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < n; i++) {
		const struct row *r = &rows_[i];

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
}

static void teardown(void)
{
	lbd_eval_stop(&d);
	lb_model_free(&d.m);
	lb_dp_unpin(dp);
	lb_dp_close(dp);
	lb_config_free(&d.cfg);
	lb_agents_free(&d.agents);
	event_base_free(d.base);
	memset(&d, 0, sizeof(d));
}

START_TEST(test_urgent)
{
	eval_setup();
	ck_assert_ptr_nonnull(d.ev.agent_first);
	run_rows(rows, N(rows));
	teardown();
}
END_TEST

/* The fallback of lbd_eval_heard(): the per-agent arrays are missing. */
START_TEST(test_urgent_fallback)
{
	eval_setup();
	free(d.ev.agent_first);
	d.ev.agent_first = NULL;
	run_rows(rows_fallback, N(rows_fallback));
	teardown();
}
END_TEST

/*
 * The data plane's pins, removed before and after the test case in the
 * runner itself: a failed check ends the forked test before its unpin.
 */
static void pins_clear(void)
{
	struct lb_dp_opts o = { .instance = instance };

	lb_dp_unload(&o);
}

int main(void)
{
	Suite *s = suite_create("lbd_rx");
	TCase *tc = tcase_create("urgent");

	/* The runner's pid: the same in every forked test and in pins_clear. */
	snprintf(instance, sizeof(instance), "lbdrx-%d", getpid());
	tcase_add_unchecked_fixture(tc, pins_clear, pins_clear);
	tcase_add_test(tc, test_urgent);
	tcase_add_test(tc, test_urgent_fallback);
	suite_add_tcase(s, tc);
	return check_run(s);
}
