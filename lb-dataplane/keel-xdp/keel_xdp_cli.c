// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel-xdp - load the keel XDP program and edit its services by hand.
 *
 * Each run adopts the instance's pinned maps through lb_model, applies one
 * change with lb_model_commit() and exits; forwarding never stops.  lbd
 * (next) drives the same layers from its config and control socket.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "keel_addr.h"
#include "keel_cli.h"
#include "keel_names.h"
#include "keel_trivial.skel.h"
#include "lb_dp.h"
#include "lb_model.h"
#include "lb_neigh.h"

/* What the command line said, checked (xdp_option, the xdp_arg_*). */
struct cli {
	struct lb_dp_opts dp_opts;
	int ifindex; /* IFACE */
	const char *iface;
	const char *svc; /* SVC as given, for messages */
	struct keel_vip_key key;
	const char *addr; /* ADDR as given */
	uint8_t family;
	__be32 raddr[4];
	uint8_t mac[6];
	bool mac_set;
	int dev; /* --dev's ifindex; 0: not given */
	uint8_t state;
	bool state_set;
	long weight; /* -1: unset */
	long ring_size;
	long conn_size;
	long conn_inserts; /* -1: unset */
	int persistent; /* -1 unset, 0, 1 */
	bool generic;
};

static void die_errno(const char *what, int err)
{
	fprintf(stderr, "keel-xdp: %s: %s\n", what, strerror(-err));
}

static int cli_open(struct cli *c, struct lb_dp **dp, struct lb_model *m)
{
	int err = lb_dp_open(&c->dp_opts, dp);

	if (err) {
		fprintf(stderr,
			"keel-xdp: instance %s is not loaded (%s); run 'keel-xdp load' first\n",
			c->dp_opts.instance ? c->dp_opts.instance :
					      LB_DP_INSTANCE_DEFAULT,
			strerror(-err));
		return KEEL_EXIT_UNREACHABLE;
	}
	if (!m)
		return KEEL_EXIT_OK;
	err = lb_model_init(m, *dp);
	if (err) {
		die_errno("reading the pinned state", err);
		lb_dp_close(*dp);
		return KEEL_EXIT_FAIL;
	}
	return KEEL_EXIT_OK;
}

static int cli_commit(struct lb_dp *dp, struct lb_model *m)
{
	struct lb_commit_stats st;
	int err = lb_model_commit(m, &st);

	if (err)
		die_errno("applying the change", err);
	else
		printf("ok: %u ring entries, %u reals written\n",
		       st.ring_entries_written, st.reals_written);
	lb_model_free(m);
	lb_dp_close(dp);
	return err ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
}

static int cmd_load(struct cli *c)
{
	struct lb_dp *dp;
	int err;

	c->dp_opts.conn_table_size = c->conn_size > 0 ? c->conn_size : 0;
	err = lb_dp_load(&c->dp_opts, &dp);
	if (err) {
		die_errno("loading the XDP program", err);
		return KEEL_EXIT_FAIL;
	}
	printf("loaded, pinned under %s\n", lb_dp_pin_dir(dp));
	lb_dp_close(dp);
	return KEEL_EXIT_OK;
}

static int cmd_attach(struct cli *c)
{
	struct lb_dp *dp;
	int err, ret;

	ret = cli_open(c, &dp, NULL);
	if (ret)
		return ret;
	err = lb_dp_attach(dp, c->ifindex, c->generic);
	if (err)
		die_errno("attaching", err);
	lb_dp_close(dp);
	return err ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
}

static int cmd_detach(struct cli *c)
{
	struct lb_dp *dp;
	int err, ret;

	ret = cli_open(c, &dp, NULL);
	if (ret)
		return ret;
	err = lb_dp_detach(dp, c->ifindex);
	if (err)
		die_errno("detaching", err);
	lb_dp_close(dp);
	return err ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
}

/* Whatever the pins' layout: the way out of a refused adoption. */
static int cmd_unload(struct cli *c)
{
	int err = lb_dp_unload(&c->dp_opts);

	if (err == -ENOENT) {
		fprintf(stderr, "keel-xdp: instance %s is not loaded\n",
			c->dp_opts.instance ? c->dp_opts.instance :
					      LB_DP_INSTANCE_DEFAULT);
		return KEEL_EXIT_UNREACHABLE;
	}
	if (err)
		die_errno("removing pins", err);
	return err ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
}

/* The trivial XDP_PASS program, for veths that must receive XDP_TX frames. */
static int cmd_pass(struct cli *c)
{
	struct keel_trivial *t;
	uint32_t flags = c->generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	int err;

	t = keel_trivial__open_and_load();
	if (!t) {
		die_errno("loading xdp_pass", -errno);
		return KEEL_EXIT_FAIL;
	}
	err = bpf_xdp_attach(c->ifindex, bpf_program__fd(t->progs.xdp_pass),
			     flags, NULL);
	if (err)
		die_errno("attaching xdp_pass", err);
	keel_trivial__destroy(t);
	return err ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
}

static int cli_svc(struct cli *c, struct lb_model *m, struct lb_service **s)
{
	*s = lb_model_svc_find(m, &c->key);
	if (!*s) {
		fprintf(stderr, "keel-xdp: no service %s\n", c->svc);
		return KEEL_EXIT_FAIL;
	}
	return KEEL_EXIT_OK;
}

static int cmd_svc_add(struct cli *c)
{
	struct lb_model m;
	struct lb_dp *dp;
	int err, ret;

	ret = cli_open(c, &dp, &m);
	if (ret)
		return ret;
	err = lb_model_svc_add(&m, &c->key,
			       c->persistent > 0 ? KEEL_SVC_F_PERSISTENT : 0,
			       c->ring_size > 0 ? c->ring_size : 0, NULL);
	if (err) {
		die_errno(c->svc, err);
		lb_model_free(&m);
		lb_dp_close(dp);
		return KEEL_EXIT_FAIL;
	}
	return cli_commit(dp, &m);
}

static int cmd_svc_set(struct cli *c)
{
	struct lb_service *s;
	struct lb_model m;
	struct lb_dp *dp;
	uint32_t flags;
	int err, ret;

	ret = cli_open(c, &dp, &m);
	if (ret)
		return ret;
	ret = cli_svc(c, &m, &s);
	if (ret)
		goto fail;
	flags = s->flags;
	if (c->persistent >= 0)
		flags = c->persistent ? flags | KEEL_SVC_F_PERSISTENT :
					flags & ~KEEL_SVC_F_PERSISTENT;
	err = lb_model_svc_set(&m, s, flags,
			       c->ring_size > 0 ? c->ring_size : s->ring_size);
	if (err) {
		die_errno(c->svc, err);
		ret = KEEL_EXIT_FAIL;
		goto fail;
	}
	return cli_commit(dp, &m);
fail:
	lb_model_free(&m);
	lb_dp_close(dp);
	return ret;
}

static int cmd_svc_del(struct cli *c)
{
	struct lb_service *s;
	struct lb_model m;
	struct lb_dp *dp;
	int ret;

	ret = cli_open(c, &dp, &m);
	if (ret)
		return ret;
	ret = cli_svc(c, &m, &s);
	if (ret) {
		lb_model_free(&m);
		lb_dp_close(dp);
		return ret;
	}
	lb_model_svc_del(&m, s);
	return cli_commit(dp, &m);
}

/* --mac/--dev, or the kernel's neighbour table; unresolved is allowed. */
static int cli_resolve(struct cli *c, struct lb_service *s, struct lb_real *r)
{
	uint8_t mac[6], smac[6];
	int idx = 0, err;

	if (c->mac_set) {
		memcpy(mac, c->mac, sizeof(mac));
		idx = c->dev;
	} else {
		err = lb_neigh_lookup(r->family, r->addr, mac, &idx);
		if (err && r->mac_ok)
			return KEEL_EXIT_OK; /* keep what was resolved before */
		if (err) {
			fprintf(stderr,
				"keel-xdp: warning: %s has no resolved neighbour entry (%s); it is not selected until 'real set' finds one\n",
				c->addr, strerror(-err));
			lb_model_real_set_mac(s, r, NULL, NULL, 0);
			return KEEL_EXIT_OK;
		}
	}
	err = lb_link_mac(idx, smac);
	if (err) {
		die_errno("reading the egress MAC", err);
		return KEEL_EXIT_FAIL;
	}
	lb_model_real_set_mac(s, r, mac, smac, idx);
	return KEEL_EXIT_OK;
}

static int cli_real_apply(struct cli *c, struct lb_service *s,
			  struct lb_real *r)
{
	if (c->state_set)
		lb_model_real_set_state(s, r, c->state);
	if (c->weight >= 0)
		lb_model_real_set_weight(s, r, c->weight);
	return cli_resolve(c, s, r);
}

static int cmd_real(struct cli *c, int op)
{
	struct lb_service *s;
	struct lb_real *r;
	struct lb_model m;
	struct lb_dp *dp;
	int err, ret;

	ret = cli_open(c, &dp, &m);
	if (ret)
		return ret;
	ret = cli_svc(c, &m, &s);
	if (ret)
		goto fail;
	r = lb_model_real_find(s, c->family, c->raddr);
	if (op == 'a') {
		err = lb_model_real_add(&m, s, c->family, c->raddr,
					c->weight >= 0 ? c->weight : 1, &r);
		if (err) {
			die_errno(c->addr, err);
			ret = KEEL_EXIT_FAIL;
			goto fail;
		}
		if (!c->state_set) {
			c->state = KEEL_RS_UP;
			c->state_set = true;
		}
	} else if (!r) {
		fprintf(stderr, "keel-xdp: %s has no real %s\n", c->svc,
			c->addr);
		ret = KEEL_EXIT_FAIL;
		goto fail;
	}
	if (op == 'd')
		lb_model_real_del(s, r);
	else
		ret = cli_real_apply(c, s, r);
	if (ret)
		goto fail;
	return cli_commit(dp, &m);
fail:
	lb_model_free(&m);
	lb_dp_close(dp);
	return ret;
}

static int cmd_real_add(struct cli *c)
{
	return cmd_real(c, 'a');
}

static int cmd_real_set(struct cli *c)
{
	return cmd_real(c, 's');
}

static int cmd_real_del(struct cli *c)
{
	return cmd_real(c, 'd');
}

static void print_traffic(const char *indent, const struct keel_traffic *t)
{
	printf("%spackets %llu bytes %llu new_flows %llu\n", indent,
	       (unsigned long long)t->packets, (unsigned long long)t->bytes,
	       (unsigned long long)t->new_flows);
}

static int cmd_status(struct cli *c)
{
	char buf[64], mac[20];
	struct keel_traffic t;
	struct lb_model m;
	struct lb_dp *dp;
	uint64_t conns = 0, cap = 0;
	size_t i, j, e;
	int ret;

	ret = cli_open(c, &dp, &m);
	if (ret)
		return ret;
	lb_dp_conn_occupancy(dp, &conns, &cap);
	printf("instance %s  services %zu  conn_table_entries %llu of %llu\n",
	       lb_dp_pin_dir(dp), m.n_svcs, (unsigned long long)conns,
	       (unsigned long long)cap);
	for (i = 0; i < m.n_svcs; i++) {
		struct lb_service *s = m.svcs[i];

		keel_vip_format(&s->key, buf, sizeof(buf));
		printf("service %s%s  ring %u\n", buf,
		       s->flags & KEEL_SVC_F_PERSISTENT ? " persistent" : "",
		       s->ring_size);
		if (lb_dp_svc_stats(dp, s->svc_id, &t) == 0)
			print_traffic("    ", &t);
		for (j = 0; j < s->n_reals; j++) {
			struct lb_real *r = &s->reals[j];
			uint32_t slots = 0;

			for (e = 0; e < s->ring_size; e++)
				slots += s->ring[e] == r->id;
			keel_addr_format(r->family, r->addr, buf, sizeof(buf));
			if (r->mac_ok)
				keel_mac_format(r->mac, mac, sizeof(mac));
			else
				snprintf(mac, sizeof(mac), "unresolved");
			printf("  real %-15s id %u weight %u state %s mac %s %s ring_entries %u\n",
			       buf, r->id, r->weight, keel_rs_name(r->state),
			       mac, lb_real_usable(r) ? "usable" : "unusable",
			       slots);
			if (lb_dp_real_stats(dp, r->id, &t) == 0)
				print_traffic("    ", &t);
		}
	}
	lb_model_free(&m);
	lb_dp_close(dp);
	return KEEL_EXIT_OK;
}

static int cmd_stats(struct cli *c)
{
	uint64_t cnt[KEEL_CNT__MAX];
	struct lb_dp *dp;
	int err, ret, i;

	ret = cli_open(c, &dp, NULL);
	if (ret)
		return ret;
	err = lb_dp_stats(dp, cnt);
	if (err) {
		die_errno("reading counters", err);
		lb_dp_close(dp);
		return KEEL_EXIT_FAIL;
	}
	for (i = 0; i < KEEL_CNT__MAX; i++)
		printf("%-22s %llu\n", keel_cnt_name(i),
		       (unsigned long long)cnt[i]);
	lb_dp_close(dp);
	return KEEL_EXIT_OK;
}

/* The walk lbd never does: an operator asked for it. */
static int cmd_conn_count(struct cli *c)
{
	uint64_t n = 0, est = 0, cap = 0;
	struct lb_dp *dp;
	int err, ret;

	ret = cli_open(c, &dp, NULL);
	if (ret)
		return ret;
	err = lb_dp_conn_count(dp, &n);
	if (!err)
		err = lb_dp_conn_occupancy(dp, &est, &cap);
	if (err)
		die_errno("counting conn-table entries", err);
	else
		printf("conn_table_entries %llu (walked)  estimate %llu  capacity %llu\n",
		       (unsigned long long)n, (unsigned long long)est,
		       (unsigned long long)cap);
	lb_dp_close(dp);
	return err ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
}

static int cmd_limit(struct cli *c)
{
	struct lb_dp *dp;
	uint32_t cap = 0;
	int err, ret;

	ret = cli_open(c, &dp, NULL);
	if (ret)
		return ret;
	err = c->conn_inserts >= 0 ?
		      lb_dp_conn_insert_cap_set(dp, c->conn_inserts) :
		      0;
	if (!err)
		err = lb_dp_conn_insert_cap(dp, &cap);
	if (err)
		die_errno("conn insert cap", err);
	else
		printf("conn_inserts %u per CPU per second%s\n", cap,
		       cap ? "" : " (no cap)");
	lb_dp_close(dp);
	return err ? KEEL_EXIT_FAIL : KEEL_EXIT_OK;
}

enum xdp_opt {
	OPT_INSTANCE,
	OPT_BPFFS,
	OPT_CONN_TABLE,
	OPT_CONN_INSERTS,
	OPT_GENERIC,
	OPT_PERSISTENT,
	OPT_NO_PERSISTENT,
	OPT_RING_SIZE,
	OPT_WEIGHT,
	OPT_STATE,
	OPT_MAC,
	OPT_DEV,
	OPT_HELP,
	OPT__MAX,
};

#define O(x) (1U << OPT_##x)
static const struct keel_cli_opt xdp_opts[OPT__MAX] = {
	[OPT_INSTANCE] = { "instance", "NAME",
			   "the instance (default: " LB_DP_INSTANCE_DEFAULT ")",
			   NULL, false, 'i' },
	[OPT_BPFFS] = { "bpffs", "DIR",
			"the bpffs mount (default: " LB_DP_BPFFS_DEFAULT ")",
			NULL, false, 'b' },
	[OPT_CONN_TABLE] = { "conn-table", "N",
			     "load: conn-table entries (default: the program's)",
			     "0..1073741824" },
	[OPT_CONN_INSERTS] = { "conn-inserts", "N",
			       "limit: new conn entries per CPU per second (0: no cap)",
			       "0..4294967295" },
	[OPT_GENERIC] = { "generic", NULL, "attach, pass: generic (skb) XDP" },
	[OPT_PERSISTENT] = { "persistent", NULL,
			     "service: a client's flows stick to one real" },
	[OPT_NO_PERSISTENT] = { "no-persistent", NULL,
				"service set: not persistent" },
	[OPT_RING_SIZE] = { "ring-size", "PRIME",
			    "service: the Maglev ring's size",
			    "a prime up to 1048573" },
	[OPT_WEIGHT] = { "weight", "W", "real: its weight (add: default 1)",
			 "0..65535" },
	[OPT_STATE] = { "state", "S", "real: its state (add: default up)",
			"up, down, drain or unknown" },
	[OPT_MAC] = { "mac", "MAC",
		      "real: its MAC (with --dev; else the neighbour table's)",
		      "aa:bb:cc:dd:ee:ff" },
	[OPT_DEV] = { "dev", "IFACE",
		      "real: the interface towards it (with --mac)",
		      "an interface of this namespace" },
	[OPT_HELP] = { "help", NULL, "this help" },
};

/* "0..max" in decimal; -EINVAL for anything else. */
static int num_arg(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || *end || !*s || *out < 0 || *out > max ? -EINVAL : 0;
}

/* Each option given, before its command runs (keel_cli_dispatch). */
static int xdp_option(void *ctx, int id, const char *val)
{
	struct cli *c = ctx;

	switch (id) {
	case OPT_INSTANCE:
		c->dp_opts.instance = val;
		break;
	case OPT_BPFFS:
		c->dp_opts.bpffs = val;
		break;
	case OPT_CONN_TABLE:
		return num_arg(val, 1L << 30, &c->conn_size);
	case OPT_CONN_INSERTS:
		return num_arg(val, UINT32_MAX, &c->conn_inserts);
	case OPT_GENERIC:
		c->generic = true;
		break;
	case OPT_PERSISTENT:
		c->persistent = 1;
		break;
	case OPT_NO_PERSISTENT:
		c->persistent = 0;
		break;
	case OPT_RING_SIZE:
		return num_arg(val, KEEL_RING_SIZE_MAX, &c->ring_size);
	case OPT_WEIGHT:
		return num_arg(val, 65535, &c->weight);
	case OPT_STATE:
		c->state_set = true;
		return keel_rs_parse(val, &c->state);
	case OPT_MAC:
		c->mac_set = true;
		return keel_mac_parse(val, c->mac) ? -EINVAL : 0;
	case OPT_DEV:
		c->dev = if_nametoindex(val);
		return c->dev ? 0 : -EINVAL;
	}
	return 0;
}

static int xdp_arg_iface(void *ctx, const char *s)
{
	struct cli *c = ctx;

	c->iface = s;
	c->ifindex = if_nametoindex(s);
	return c->ifindex ? 0 : -EINVAL;
}

static int xdp_arg_svc(void *ctx, const char *s)
{
	struct cli *c = ctx;

	c->svc = s;
	return keel_vip_parse(s, &c->key) ? -EINVAL : 0;
}

static int xdp_arg_addr(void *ctx, const char *s)
{
	struct cli *c = ctx;

	c->addr = s;
	return keel_addr_parse(s, &c->family, c->raddr) ? -EINVAL : 0;
}

static const struct keel_cli_arg a_iface = { "IFACE", xdp_arg_iface,
					     "an interface of this namespace" };
static const struct keel_cli_arg a_svc = {
	"SVC", xdp_arg_svc, "ADDR:PORT/PROTO, [V6]:PORT/PROTO or ADDR/PROTO"
};
static const struct keel_cli_arg a_addr = { "ADDR", xdp_arg_addr,
					    "an IPv4 or IPv6 address" };

/* What a command runs, once its options and words are in struct cli. */
struct xdp_call {
	int (*fn)(struct cli *c);
};

#define CALL(f) (&(const struct xdp_call){ f })

static int xdp_run(void *ctx, const struct keel_cli_cmd *cmd,
		   const struct keel_cli *k, char **args)
{
	const struct xdp_call *call = cmd->data;
	struct cli *c = ctx;

	(void)k;
	(void)args;
	if (c->mac_set != !!c->dev) {
		fprintf(stderr, "keel-xdp: --mac and --dev go together\n");
		return KEEL_EXIT_USAGE;
	}
	return call->fn(c);
}

static const struct keel_cli_cmd xdp_cmds[] = {
	{ .verb = "load",
	  .opts = O(CONN_TABLE),
	  .run = xdp_run,
	  .data = CALL(cmd_load),
	  .help = "load the program; create or adopt the pinned maps" },
	{ .verb = "attach",
	  .opts = O(GENERIC),
	  .args = { &a_iface },
	  .run = xdp_run,
	  .data = CALL(cmd_attach),
	  .help = "attach to IFACE and make it a redirect target" },
	{ .verb = "detach",
	  .args = { &a_iface },
	  .run = xdp_run,
	  .data = CALL(cmd_detach),
	  .help = "detach from IFACE" },
	{ .verb = "unload",
	  .run = xdp_run,
	  .data = CALL(cmd_unload),
	  .help = "remove the instance's pins (detach first)" },
	{ .verb = "pass",
	  .opts = O(GENERIC),
	  .args = { &a_iface },
	  .run = xdp_run,
	  .data = CALL(cmd_pass),
	  .help = "attach an XDP_PASS program (veth receivers of XDP_TX)" },
	{ .verb = "service",
	  .noun = "add",
	  .opts = O(PERSISTENT) | O(RING_SIZE),
	  .args = { &a_svc },
	  .run = xdp_run,
	  .data = CALL(cmd_svc_add),
	  .help = "add a service" },
	{ .verb = "service",
	  .noun = "set",
	  .opts = O(PERSISTENT) | O(NO_PERSISTENT) | O(RING_SIZE),
	  .args = { &a_svc },
	  .run = xdp_run,
	  .data = CALL(cmd_svc_set),
	  .help = "change a service's options" },
	{ .verb = "service",
	  .noun = "del",
	  .args = { &a_svc },
	  .run = xdp_run,
	  .data = CALL(cmd_svc_del),
	  .help = "delete a service and its reals" },
	{ .verb = "real",
	  .noun = "add",
	  .opts = O(WEIGHT) | O(STATE) | O(MAC) | O(DEV),
	  .args = { &a_svc, &a_addr },
	  .run = xdp_run,
	  .data = CALL(cmd_real_add),
	  .help = "add a real (MAC from the neighbour table unless given)" },
	{ .verb = "real",
	  .noun = "set",
	  .opts = O(WEIGHT) | O(STATE) | O(MAC) | O(DEV),
	  .args = { &a_svc, &a_addr },
	  .run = xdp_run,
	  .data = CALL(cmd_real_set),
	  .help = "change a real; also re-reads its MAC" },
	{ .verb = "real",
	  .noun = "del",
	  .args = { &a_svc, &a_addr },
	  .run = xdp_run,
	  .data = CALL(cmd_real_del),
	  .help = "remove a real" },
	{ .verb = "status",
	  .run = xdp_run,
	  .data = CALL(cmd_status),
	  .help = "services, reals, ring shares and traffic" },
	{ .verb = "stats",
	  .run = xdp_run,
	  .data = CALL(cmd_stats),
	  .help = "global verdict counters" },
	{ .verb = "limit",
	  .opts = O(CONN_INSERTS),
	  .run = xdp_run,
	  .data = CALL(cmd_limit),
	  .help = "cap new conn entries per CPU per second; show it" },
	{ .verb = "conn",
	  .noun = "count",
	  .run = xdp_run,
	  .data = CALL(cmd_conn_count),
	  .help = "walk the conn table and count its entries (O(entries))" },
};

static const struct keel_cli_tool xdp_tool = {
	.prog = "keel-xdp",
	.usage = "[--instance NAME] [--bpffs DIR] COMMAND [OPTIONS]",
	.opts = xdp_opts,
	.n_opts = OPT__MAX,
	.help_opt = OPT_HELP,
	.common = O(INSTANCE) | O(BPFFS),
	.option = xdp_option,
	.cmds = xdp_cmds,
	.n_cmds = sizeof(xdp_cmds) / sizeof(xdp_cmds[0]),
	.footer =
		"Exit codes: 0 ok, 1 refused or an error, 2 usage, 3 the instance is not loaded.\n",
};

int main(int argc, char **argv)
{
	struct cli c = { .weight = -1, .persistent = -1, .conn_inserts = -1 };

	return keel_cli_dispatch(&xdp_tool, &c, argc, argv);
}
