// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Updates never expose a half-built state: while a thread runs the XDP
 * program back to back, the main thread removes (or downs, or drains) the
 * real a flow is on.  Every run that *started* after lb_model_commit()
 * returned must avoid the removed real; runs that started before may not.
 */
#include <arpa/inet.h>
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>

#include "lb_dp.h"
#include "lb_model.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa1 };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb2 };
static const uint8_t mac_lb[6] = { 0x02, 0, 0, 0, 0, 0x01 };

struct pkt4 {
	struct ethhdr eth;
	struct iphdr ip;
	struct tcphdr tcp;
} __attribute__((packed));

static void pkt_build(struct pkt4 *p, uint16_t sport)
{
	memset(p, 0, sizeof(*p));
	p->eth.h_proto = htons(ETH_P_IP);
	p->ip.version = 4;
	p->ip.ihl = 5;
	p->ip.ttl = 64;
	p->ip.protocol = IPPROTO_TCP;
	p->ip.tot_len = htons(sizeof(p->ip) + sizeof(p->tcp));
	p->ip.saddr = htonl(0xc6336401); /* 198.51.100.1 */
	p->ip.daddr = htonl(0xcb00710a); /* 203.0.113.10 */
	p->tcp.source = htons(sport);
	p->tcp.dest = htons(80);
	p->tcp.doff = 5;
	p->tcp.ack = 1;
}

struct runner {
	int prog_fd;
	atomic_int epoch; /* 1 once the commit has returned */
	atomic_int stop;
	bool new_flows; /* a new source port every run */
	uint8_t gone_mac[6];
	long runs[2];
	long violations; /* started after the commit, went to gone_mac */
	long other; /* started after the commit, went elsewhere */
	long errors;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;
	uint16_t sport = 40000;
	struct pkt4 in, out = {};

	while (!atomic_load(&r->stop)) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &in,
			    .data_size_in = sizeof(in), .data_out = &out,
			    .data_size_out = sizeof(out), .repeat = 1);
		int e = atomic_load(&r->epoch);

		pkt_build(&in, r->new_flows ? sport++ : 40000);
		if (sport < 40000)
			sport = 40000;
		if (bpf_prog_test_run_opts(r->prog_fd, &o) ||
		    o.retval != XDP_TX) {
			r->errors++;
			continue;
		}
		r->runs[e]++;
		if (e && memcmp(out.eth.h_dest, r->gone_mac, 6) == 0)
			r->violations++;
		else if (e)
			r->other++;
	}
	return NULL;
}

static struct lb_dp *dp;
static struct lb_model m;
static struct lb_service *svc;
static char instance[64];

static struct lb_real *add_real(const char *addr, const uint8_t *mac)
{
	struct lb_real *r;
	__be32 a[4] = {};

	ck_assert_int_eq(inet_pton(AF_INET, addr, a), 1);
	ck_assert_int_eq(lb_model_real_add(&m, svc, KEEL_F_INET, a, 1, &r), 0);
	lb_model_real_set_state(svc, r, KEEL_RS_UP);
	/* ifindex 1 is lo, the test run's ingress device: XDP_TX. */
	lb_model_real_set_mac(svc, r, mac, mac_lb, 1);
	return r;
}

/*
 * The instance's pins, whatever state a test left them in: before each
 * test, and in the runner (an unchecked fixture) before and after the
 * test case, since a failed check ends the forked test before teardown().
 */
static void pins_clear(void)
{
	struct lb_dp_opts o = { .instance = instance };

	lb_dp_unload(&o);
}

static void setup(void)
{
	struct lb_dp_opts o = { .instance = instance, .conn_table_size = 4096 };
	struct keel_vip_key k = {};

	pins_clear(); /* what a failed test before this one left */
	ck_assert_int_eq(lb_dp_load(&o, &dp), 0);
	ck_assert_int_eq(lb_model_init(&m, dp), 0);
	k.family = KEEL_F_INET;
	k.addr[0] = htonl(0xcb00710a);
	k.port = htons(80);
	k.proto = IPPROTO_TCP;
	ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, 0, &svc), 0);
	add_real("10.0.0.1", mac_a);
	add_real("10.0.0.2", mac_b);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
}

static void teardown(void)
{
	lb_model_free(&m);
	lb_dp_unpin(dp);
	lb_dp_close(dp);
}

enum change { CH_DELETE, CH_DOWN, CH_DRAIN };

static const struct update_case {
	const char *name;
	enum change change;
	bool new_flows;
	bool existing_keep; /* the real keeps the flow it already had */
} cases[] = {
	{ "delete, established flow", CH_DELETE, false, false },
	{ "delete, new flows", CH_DELETE, true, false },
	{ "down, established flow", CH_DOWN, false, false },
	{ "down, new flows", CH_DOWN, true, false },
	{ "drain, new flows", CH_DRAIN, true, false },
	{ "drain, established flow", CH_DRAIN, false, true },
};

START_TEST(test_update_under_load)
{
	const struct update_case *c = &cases[_i % 6];
	struct runner r = { .prog_fd = lb_dp_prog_fd(dp) };
	struct timespec ms = { 0, 15 * 1000 * 1000 };
	struct lb_real *victim = NULL;
	struct pkt4 in, out = {};
	pthread_t t;
	size_t i;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = &in,
		    .data_size_in = sizeof(in), .data_out = &out,
		    .data_size_out = sizeof(out), .repeat = 1);

	/* The established flow's real is the one to change. */
	pkt_build(&in, 40000);
	ck_assert_int_eq(bpf_prog_test_run_opts(r.prog_fd, &o), 0);
	ck_assert_int_eq(o.retval, XDP_TX);
	for (i = 0; i < svc->n_reals; i++)
		if (!memcmp(svc->reals[i].mac, out.eth.h_dest, 6))
			victim = &svc->reals[i];
	ck_assert_ptr_nonnull(victim);
	memcpy(r.gone_mac, victim->mac, 6);
	r.new_flows = c->new_flows;

	ck_assert_int_eq(pthread_create(&t, NULL, runner_fn, &r), 0);
	nanosleep(&ms, NULL);
	if (c->change == CH_DELETE)
		lb_model_real_del(svc, victim);
	else
		lb_model_real_set_state(
			svc, victim,
			c->change == CH_DOWN ? KEEL_RS_DOWN : KEEL_RS_DRAINING);
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);
	atomic_store(&r.epoch, 1);
	nanosleep(&ms, NULL);
	atomic_store(&r.stop, 1);
	pthread_join(t, NULL);

	printf("%-26s runs before %ld after %ld, to changed real after: %ld\n",
	       c->name, r.runs[0], r.runs[1], r.violations);
	ck_assert_int_eq(r.errors, 0);
	ck_assert_int_gt(r.runs[0], 50);
	ck_assert_int_gt(r.runs[1], 50);
	if (c->existing_keep) {
		/* Drain keeps established flows where they are. */
		ck_assert_int_eq(r.other, 0);
		ck_assert_int_eq(r.violations, r.runs[1]);
	} else {
		ck_assert_int_eq(r.violations, 0);
		ck_assert_int_eq(r.other, r.runs[1]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("xdp_update");
	TCase *tc = tcase_create("under_load");

	if (geteuid() != 0) {
		fprintf(stderr, "needs root (BPF)\n");
		return 77;
	}
	/* The runner's pid: the same in every forked test and in pins_clear. */
	snprintf(instance, sizeof(instance), "update-%d", getpid());
	tcase_add_unchecked_fixture(tc, pins_clear, pins_clear);
	tcase_add_checked_fixture(tc, setup, teardown);
	/* Each case three times: the race window is narrow. */
	tcase_add_loop_test(tc, test_update_under_load, 0, 18);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return check_run(s);
}
