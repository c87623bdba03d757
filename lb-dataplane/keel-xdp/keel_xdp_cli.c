// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel-xdp - load the keel XDP program and edit its services by hand.
 *
 * Each run adopts the instance's pinned maps through lb_model, applies one
 * change with lb_model_commit() and exits; forwarding never stops.  lbd
 * (next) drives the same layers from its config and control socket.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "keel_names.h"
#include "keel_trivial.skel.h"
#include "keel_addr.h"
#include "lb_dp.h"
#include "lb_model.h"
#include "lb_neigh.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NODP = 3 };

struct cli {
	struct lb_dp_opts dp_opts;
	const char *iface;
	const char *svc;
	const char *addr;
	const char *mac;
	const char *dev;
	const char *state;
	long weight; /* -1: unset */
	long ring_size;
	long conn_size;
	long conn_inserts; /* -1: unset */
	int persistent; /* -1 unset, 0, 1 */
	bool generic;
};

struct cmd {
	const char *verb;
	const char *noun; /* NULL: single word command */
	int (*fn)(struct cli *c);
	int npos; /* positional arguments */
	const char *usage;
	const char *help;
};

static void die_errno(const char *what, int err)
{
	fprintf(stderr, "keel-xdp: %s: %s\n", what, strerror(-err));
}

static int cli_ifindex(const char *name)
{
	int idx = if_nametoindex(name);

	if (!idx)
		fprintf(stderr, "keel-xdp: no interface %s\n", name);
	return idx;
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
		return EXIT_NODP;
	}
	if (!m)
		return EXIT_OK;
	err = lb_model_init(m, *dp);
	if (err) {
		die_errno("reading the pinned state", err);
		lb_dp_close(*dp);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
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
	return err ? EXIT_REFUSED : EXIT_OK;
}

static int cmd_load(struct cli *c)
{
	struct lb_dp *dp;
	int err;

	c->dp_opts.conn_table_size = c->conn_size > 0 ? c->conn_size : 0;
	err = lb_dp_load(&c->dp_opts, &dp);
	if (err) {
		die_errno("loading the XDP program", err);
		return EXIT_REFUSED;
	}
	printf("loaded, pinned under %s\n", lb_dp_pin_dir(dp));
	lb_dp_close(dp);
	return EXIT_OK;
}

static int cmd_attach(struct cli *c)
{
	struct lb_dp *dp;
	int idx, err, ret;

	idx = cli_ifindex(c->iface);
	if (!idx)
		return EXIT_USAGE;
	ret = cli_open(c, &dp, NULL);
	if (ret)
		return ret;
	err = lb_dp_attach(dp, idx, c->generic);
	if (err)
		die_errno("attaching", err);
	lb_dp_close(dp);
	return err ? EXIT_REFUSED : EXIT_OK;
}

static int cmd_detach(struct cli *c)
{
	struct lb_dp *dp;
	int idx, err, ret;

	idx = cli_ifindex(c->iface);
	if (!idx)
		return EXIT_USAGE;
	ret = cli_open(c, &dp, NULL);
	if (ret)
		return ret;
	err = lb_dp_detach(dp, idx);
	if (err)
		die_errno("detaching", err);
	lb_dp_close(dp);
	return err ? EXIT_REFUSED : EXIT_OK;
}

/* Whatever the pins' layout: the way out of a refused adoption. */
static int cmd_unload(struct cli *c)
{
	int err = lb_dp_unload(&c->dp_opts);

	if (err == -ENOENT) {
		fprintf(stderr, "keel-xdp: instance %s is not loaded\n",
			c->dp_opts.instance ? c->dp_opts.instance :
					      LB_DP_INSTANCE_DEFAULT);
		return EXIT_NODP;
	}
	if (err)
		die_errno("removing pins", err);
	return err ? EXIT_REFUSED : EXIT_OK;
}

/* The trivial XDP_PASS program, for veths that must receive XDP_TX frames. */
static int cmd_pass(struct cli *c)
{
	struct keel_trivial *t;
	int idx, err;
	uint32_t flags = c->generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;

	idx = cli_ifindex(c->iface);
	if (!idx)
		return EXIT_USAGE;
	t = keel_trivial__open_and_load();
	if (!t) {
		die_errno("loading xdp_pass", -errno);
		return EXIT_REFUSED;
	}
	err = bpf_xdp_attach(idx, bpf_program__fd(t->progs.xdp_pass), flags,
			     NULL);
	if (err)
		die_errno("attaching xdp_pass", err);
	keel_trivial__destroy(t);
	return err ? EXIT_REFUSED : EXIT_OK;
}

static int cli_svc(struct cli *c, struct lb_model *m, struct lb_service **s)
{
	struct keel_vip_key k;

	if (keel_vip_parse(c->svc, &k)) {
		fprintf(stderr,
			"keel-xdp: bad service '%s' (ADDR:PORT/PROTO)\n",
			c->svc);
		return EXIT_USAGE;
	}
	*s = lb_model_svc_find(m, &k);
	if (!*s) {
		fprintf(stderr, "keel-xdp: no service %s\n", c->svc);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

static int cmd_svc_add(struct cli *c)
{
	struct keel_vip_key k;
	struct lb_model m;
	struct lb_dp *dp;
	int err, ret;

	if (keel_vip_parse(c->svc, &k)) {
		fprintf(stderr,
			"keel-xdp: bad service '%s' (ADDR:PORT/PROTO)\n",
			c->svc);
		return EXIT_USAGE;
	}
	ret = cli_open(c, &dp, &m);
	if (ret)
		return ret;
	err = lb_model_svc_add(&m, &k,
			       c->persistent > 0 ? KEEL_SVC_F_PERSISTENT : 0,
			       c->ring_size > 0 ? c->ring_size : 0, NULL);
	if (err) {
		die_errno(c->svc, err);
		lb_model_free(&m);
		lb_dp_close(dp);
		return EXIT_REFUSED;
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
		ret = EXIT_REFUSED;
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

static const struct {
	const char *name;
	uint8_t state;
} cli_states[] = {
	{ "up", KEEL_RS_UP },
	{ "down", KEEL_RS_DOWN },
	{ "drain", KEEL_RS_DRAINING },
	{ "unknown", KEEL_RS_UNKNOWN },
};

static int cli_state_parse(const char *s, uint8_t *out)
{
	size_t i;

	for (i = 0; i < sizeof(cli_states) / sizeof(cli_states[0]); i++) {
		if (strcmp(s, cli_states[i].name) == 0) {
			*out = cli_states[i].state;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *cli_state_name(uint8_t st)
{
	size_t i;

	for (i = 0; i < sizeof(cli_states) / sizeof(cli_states[0]); i++)
		if (cli_states[i].state == st)
			return cli_states[i].name;
	return "?";
}

/* --mac/--dev, or the kernel's neighbour table; unresolved is allowed. */
static int cli_resolve(struct cli *c, struct lb_service *s, struct lb_real *r)
{
	uint8_t mac[6], smac[6];
	int idx = 0, err;

	if (c->mac) {
		if (keel_mac_parse(c->mac, mac)) {
			fprintf(stderr, "keel-xdp: bad MAC '%s'\n", c->mac);
			return EXIT_USAGE;
		}
		if (!c->dev) {
			fprintf(stderr, "keel-xdp: --mac needs --dev IFACE\n");
			return EXIT_USAGE;
		}
		idx = cli_ifindex(c->dev);
		if (!idx)
			return EXIT_USAGE;
	} else {
		err = lb_neigh_lookup(r->family, r->addr, mac, &idx);
		if (err && r->mac_ok)
			return EXIT_OK; /* keep what was resolved before */
		if (err) {
			fprintf(stderr,
				"keel-xdp: warning: %s has no resolved neighbour entry (%s); it is not selected until 'real set' finds one\n",
				c->addr, strerror(-err));
			lb_model_real_set_mac(s, r, NULL, NULL, 0);
			return EXIT_OK;
		}
	}
	err = lb_link_mac(idx, smac);
	if (err) {
		die_errno("reading the egress MAC", err);
		return EXIT_REFUSED;
	}
	lb_model_real_set_mac(s, r, mac, smac, idx);
	return EXIT_OK;
}

static int cli_real_apply(struct cli *c, struct lb_service *s,
			  struct lb_real *r)
{
	uint8_t st;

	if (c->state) {
		if (cli_state_parse(c->state, &st)) {
			fprintf(stderr, "keel-xdp: bad state '%s'\n", c->state);
			return EXIT_USAGE;
		}
		lb_model_real_set_state(s, r, st);
	}
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
	__be32 addr[4];
	uint8_t fam;
	int err, ret;

	if (keel_addr_parse(c->addr, &fam, addr)) {
		fprintf(stderr, "keel-xdp: bad address '%s'\n", c->addr);
		return EXIT_USAGE;
	}
	ret = cli_open(c, &dp, &m);
	if (ret)
		return ret;
	ret = cli_svc(c, &m, &s);
	if (ret)
		goto fail;
	r = lb_model_real_find(s, fam, addr);
	if (op == 'a') {
		err = lb_model_real_add(&m, s, fam, addr,
					c->weight >= 0 ? c->weight : 1, &r);
		if (err) {
			die_errno(c->addr, err);
			ret = EXIT_REFUSED;
			goto fail;
		}
		if (!c->state)
			c->state = "up";
	} else if (!r) {
		fprintf(stderr, "keel-xdp: %s has no real %s\n", c->svc,
			c->addr);
		ret = EXIT_REFUSED;
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
			       buf, r->id, r->weight, cli_state_name(r->state),
			       mac, lb_real_usable(r) ? "usable" : "unusable",
			       slots);
			if (lb_dp_real_stats(dp, r->id, &t) == 0)
				print_traffic("    ", &t);
		}
	}
	lb_model_free(&m);
	lb_dp_close(dp);
	return EXIT_OK;
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
		return EXIT_REFUSED;
	}
	for (i = 0; i < KEEL_CNT__MAX; i++)
		printf("%-22s %llu\n", keel_cnt_name(i),
		       (unsigned long long)cnt[i]);
	lb_dp_close(dp);
	return EXIT_OK;
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
	return err ? EXIT_REFUSED : EXIT_OK;
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
	return err ? EXIT_REFUSED : EXIT_OK;
}

static const struct cmd cmds[] = {
	{ "load", NULL, cmd_load, 0, "load [--conn-table N]",
	  "load the program; create or adopt the pinned maps" },
	{ "attach", NULL, cmd_attach, 1, "attach IFACE [--generic]",
	  "attach to IFACE and make it a redirect target" },
	{ "detach", NULL, cmd_detach, 1, "detach IFACE", "detach from IFACE" },
	{ "unload", NULL, cmd_unload, 0, "unload",
	  "remove the instance's pins (detach first)" },
	{ "pass", NULL, cmd_pass, 1, "pass IFACE [--generic]",
	  "attach an XDP_PASS program (veth receivers of XDP_TX)" },
	{ "service", "add", cmd_svc_add, 1,
	  "service add SVC [--persistent] [--ring-size PRIME]",
	  "add a service: ADDR:PORT/PROTO, [V6]:PORT/PROTO, ADDR/PROTO" },
	{ "service", "set", cmd_svc_set, 1,
	  "service set SVC [--persistent|--no-persistent] [--ring-size PRIME]",
	  "change a service's options" },
	{ "service", "del", cmd_svc_del, 1, "service del SVC",
	  "delete a service and its reals" },
	{ "real", "add", cmd_real_add, 2,
	  "real add SVC ADDR [--weight W] [--state S] [--mac MAC --dev IFACE]",
	  "add a real (MAC from the neighbour table unless given)" },
	{ "real", "set", cmd_real_set, 2,
	  "real set SVC ADDR [--weight W] [--state up|down|drain] [--mac MAC --dev IFACE]",
	  "change a real; also re-reads its MAC" },
	{ "real", "del", cmd_real_del, 2, "real del SVC ADDR",
	  "remove a real" },
	{ "status", NULL, cmd_status, 0, "status",
	  "services, reals, ring shares and traffic" },
	{ "stats", NULL, cmd_stats, 0, "stats", "global verdict counters" },
	{ "limit", NULL, cmd_limit, 0, "limit [--conn-inserts N]",
	  "cap new conn entries per CPU per second (0: none); show it" },
	{ "conn", "count", cmd_conn_count, 0, "conn count",
	  "walk the conn table and count its entries (O(entries))" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: keel-xdp [--instance NAME] [--bpffs DIR] COMMAND\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-40s %s\n", cmds[i].usage, cmds[i].help);
	fprintf(f, "\nExit codes: 0 ok, 1 refused, 2 usage, 3 not loaded.\n");
}

static const struct option long_opts[] = {
	{ "instance", required_argument, NULL, 'i' },
	{ "bpffs", required_argument, NULL, 'b' },
	{ "conn-table", required_argument, NULL, 'c' },
	{ "conn-inserts", required_argument, NULL, 'I' },
	{ "generic", no_argument, NULL, 'g' },
	{ "persistent", no_argument, NULL, 'p' },
	{ "no-persistent", no_argument, NULL, 'P' },
	{ "ring-size", required_argument, NULL, 'r' },
	{ "weight", required_argument, NULL, 'w' },
	{ "state", required_argument, NULL, 's' },
	{ "mac", required_argument, NULL, 'm' },
	{ "dev", required_argument, NULL, 'd' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int num_arg(const char *s, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || *end || !*s || *out < 0 || *out > max ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	struct cli c = { .weight = -1, .persistent = -1, .conn_inserts = -1 };
	const struct cmd *cmd = NULL;
	int opt, npos, i, sub_argc;
	char **pos, **sub_argv;

	while ((opt = getopt_long(argc, argv, "+i:b:h", long_opts, NULL)) !=
	       -1) {
		switch (opt) {
		case 'i':
			c.dp_opts.instance = optarg;
			break;
		case 'b':
			c.dp_opts.bpffs = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	for (i = 0; i < (int)(sizeof(cmds) / sizeof(cmds[0])) && optind < argc;
	     i++) {
		if (strcmp(cmds[i].verb, argv[optind]))
			continue;
		if (!cmds[i].noun ||
		    (optind + 1 < argc &&
		     !strcmp(cmds[i].noun, argv[optind + 1]))) {
			cmd = &cmds[i];
			break;
		}
	}
	if (!cmd) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* The command's own arguments, with options anywhere among them:
	 * parse them as a fresh argv whose [0] is the command word. */
	sub_argv = argv + optind + (cmd->noun ? 1 : 0);
	sub_argc = argc - optind - (cmd->noun ? 1 : 0);
	optind = 0;
	pos = calloc(argc, sizeof(*pos));
	if (!pos)
		return EXIT_REFUSED;
	npos = 0;
	for (;;) {
		opt = getopt_long(sub_argc, sub_argv, "-h", long_opts, NULL);
		if (opt == -1)
			break;
		switch (opt) {
		case 1:
			pos[npos++] = optarg;
			break;
		case 'c':
			if (num_arg(optarg, 1L << 30, &c.conn_size))
				goto bad;
			break;
		case 'I':
			if (num_arg(optarg, UINT32_MAX, &c.conn_inserts))
				goto bad;
			break;
		case 'g':
			c.generic = true;
			break;
		case 'p':
			c.persistent = 1;
			break;
		case 'P':
			c.persistent = 0;
			break;
		case 'r':
			if (num_arg(optarg, KEEL_RING_SIZE_MAX, &c.ring_size))
				goto bad;
			break;
		case 'w':
			if (num_arg(optarg, 65535, &c.weight))
				goto bad;
			break;
		case 's':
			c.state = optarg;
			break;
		case 'm':
			c.mac = optarg;
			break;
		case 'd':
			c.dev = optarg;
			break;
		case 'h':
			fprintf(stdout, "Usage: keel-xdp %s\n  %s\n",
				cmd->usage, cmd->help);
			free(pos);
			return EXIT_OK;
		default:
			goto bad;
		}
	}
	if (npos != cmd->npos)
		goto bad;
	if (!cmd->noun && cmd->npos)
		c.iface = pos[0];
	if (cmd->noun) {
		c.svc = pos[0];
		c.addr = npos > 1 ? pos[1] : NULL;
	}
	free(pos);
	return cmd->fn(&c);
bad:
	fprintf(stderr, "Usage: keel-xdp %s\n", cmd->usage);
	free(pos);
	return EXIT_USAGE;
}
