// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lbctl - the operators' tool: sends one request to lbd's control socket
 * (docs/control-protocol.md), or for "bgp" commands to bgp-announcer's
 * (docs/bgp-announcer.md), and prints the answer for people or, with
 * --json, as received.  Reference: docs/lbctl.md.
 *
 * Everything the user typed is checked before connecting, so a typo is a
 * usage error (2) and never a half-done change.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "keel_cli.h"
#include "keel_ctl.h"
#include "keel_ctlsock.h"
#include "keel_names.h"
#include "lbctl_show.h"

/* A big site's status answer outgrows KEEL_CTL_MSG_MAX. */
#define LBCTL_ANSWER_MAX (16U << 20)
/* Before sending a read-only request again (lbctl_call). */
#define LBCTL_RETRY_MS 50
#define LBCTL_TIMEOUT_DEFAULT 5.0
#define LBCTL_TIMEOUT_MAX 86400.0
#define LBCTL_INSTANCE_DEFAULT "default"
#define LBCTL_STATUS_REALS 1000 /* above: status shows counts per service */

#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

enum lbctl_opt {
	OPT_SOCKET,
	OPT_INSTANCE,
	OPT_JSON,
	OPT_TIMEOUT,
	OPT_HELP,
	OPT_PERSISTENT,
	OPT_RING_SIZE,
	OPT_WEIGHT,
	OPT_UNLOAD,
	OPT_REASON,
	OPT__MAX,
};

#define O(x) (1U << OPT_##x)
static const struct keel_cli_opt lbctl_opts[OPT__MAX] = {
	[OPT_SOCKET] = { .name = "socket",
			 .arg = "PATH",
			 .help = "lbd's control socket (default " KEEL_CTL_SOCK_DIR
				 "/" LBCTL_INSTANCE_DEFAULT
				 ".sock); bgp commands: the announcer's (default " KEEL_CTL_BGPA_SOCK
				 ")",
			 .hint = "a path of 1..107 bytes" },
	[OPT_INSTANCE] = { .name = "instance",
			   .arg = "NAME",
			   .help = "the socket of instance NAME: " KEEL_CTL_SOCK_DIR
				   "/NAME.sock",
			   .hint = "a name without '/' (lbd.yaml's instance)" },
	[OPT_JSON] = { .name = "json",
		       .help = "print the daemon's answer as received: one JSON line" },
	[OPT_TIMEOUT] = { .name = "timeout",
			  .arg = "S",
			  .help = "give up after S seconds (default 5)",
			  .hint = "seconds, more than 0 and at most 86400" },
	[OPT_HELP] = { .name = "help",
		       .help = "this help, or a command's: lbctl real add --help" },
	[OPT_PERSISTENT] = { .name = "persistent",
			     .help = "service add: hash on the client address only" },
	[OPT_RING_SIZE] = { .name = "ring-size",
			    .arg = "P",
			    .help = "service add: Maglev ring size, a prime (default 65537)",
			    .hint = "1..1048573, and lbd wants a prime" },
	[OPT_WEIGHT] = { .name = "weight",
			 .arg = "W",
			 .help = "real add: weight (default 1)",
			 .hint = "0..65535" },
	[OPT_UNLOAD] = { .name = "unload",
			 .help = "shutdown: also detach and remove the pinned program and maps" },
	[OPT_REASON] = { .name = "reason",
			 .arg = "TEXT",
			 .help = "site drain: why, shown in status and kept with the drain",
			 .hint = "1..255 bytes without control characters" },
};

/* Who a command talks to. */
enum lbctl_peer { PEER_LBD, PEER_BGPA };

static const char *const lbctl_peers[] = {
	[PEER_LBD] = "lbd",
	[PEER_BGPA] = "bgp-announcer",
};

/* Every command takes these (bgp: --instance names an lbd, so not it). */
#define LBCTL_COMMON (O(SOCKET) | O(INSTANCE) | O(JSON) | O(TIMEOUT))

struct lbctl {
	char path[SUN_PATH_MAX];
	const char *peer; /* "lbd", "bgp-announcer": for messages */
	double timeout;
	bool json;
	struct keel_ctl_req req;
};

/* Decimal digits only: no sign, no blanks, no hex. */
static int lbctl_uint(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int lbctl_str(char *dst, size_t size, const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= size)
		return -EINVAL;
	memcpy(dst, s, len + 1);
	return 0;
}

/* lbd parses services and addresses; here only what the codec needs. */
static int arg_svc(void *ctx, const char *s)
{
	struct lbctl *l = ctx;

	return lbctl_str(l->req.service, sizeof(l->req.service), s);
}

static int arg_addr(void *ctx, const char *s)
{
	struct lbctl *l = ctx;

	return lbctl_str(l->req.real, sizeof(l->req.real), s);
}

static int arg_weight(void *ctx, const char *s)
{
	struct lbctl *l = ctx;

	l->req.has_weight = true;
	if (!strcmp(s, "clear")) {
		l->req.weight_clear = true;
		return 0;
	}
	return lbctl_uint(s, 0, KEEL_CTL_WEIGHT_MAX, &l->req.weight);
}

static const struct keel_cli_arg arg_svc_desc = {
	.name = "SVC",
	.parse = arg_svc,
	.hint = "ADDR:PORT/PROTO, [ADDR6]:PORT/PROTO or ADDR/PROTO, at most 63 bytes"
};
static const struct keel_cli_arg arg_addr_desc = {
	.name = "ADDR",
	.parse = arg_addr,
	.hint = "an IPv4 or IPv6 address, at most 47 bytes"
};
static const struct keel_cli_arg arg_weight_desc = {
	.name = "W|clear",
	.parse = arg_weight,
	.hint = "a weight 0..65535, or clear"
};

#define SVC (&arg_svc_desc)
#define ADDR (&arg_addr_desc)
#define WEIGHT (&arg_weight_desc)

/* What a command asks, of whom, and how its answer is printed. */
struct lbctl_call {
	enum keel_ctl_cmd ctl;
	enum lbctl_peer peer;
	lbctl_show_fn show;
};

#define LBD(c, s) (&(const struct lbctl_call){ .ctl = (c), .show = (s) })
#define BGPA(c, s)                   \
	(&(const struct lbctl_call){ \
		.ctl = (c), .peer = PEER_BGPA, .show = (s) })

static int lbctl_run(void *ctx, const struct keel_cli_cmd *cmd,
		     const struct keel_cli *c, char **args);

static const struct keel_cli_cmd lbctl_cmds[] = {
	{ .verb = "status",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_STATUS, lbctl_show_status),
	  .help = "instance, data plane, services and their reals" },
	{ .verb = "services",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SERVICES, lbctl_show_services),
	  .help = "services only, without reals" },
	{ .verb = "reals",
	  .args = { SVC },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REALS, lbctl_show_reals),
	  .help = "the reals of one service" },
	{ .verb = "stats",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_STATS, lbctl_show_stats),
	  .help = "global verdict counters, conn-table occupancy" },
	{ .verb = "reload",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_RELOAD, lbctl_show_reload),
	  .help = "re-read the config file, apply the difference" },
	{ .verb = "service",
	  .noun = "add",
	  .args = { SVC },
	  .opts = O(PERSISTENT) | O(RING_SIZE),
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SERVICE_ADD, lbctl_show_change),
	  .help = "add a service at run time" },
	{ .verb = "service",
	  .noun = "del",
	  .args = { SVC },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SERVICE_DEL, lbctl_show_change),
	  .help = "remove a service at run time" },
	{ .verb = "real",
	  .noun = "add",
	  .args = { SVC, ADDR },
	  .opts = O(WEIGHT),
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_ADD, lbctl_show_change),
	  .help = "add a real at run time" },
	{ .verb = "real",
	  .noun = "del",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_DEL, lbctl_show_change),
	  .help = "remove a real at run time" },
	{ .verb = "real",
	  .noun = "weight",
	  .args = { SVC, ADDR, WEIGHT },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_WEIGHT, lbctl_show_change),
	  .help = "set the admin weight override; clear drops it" },
	{ .verb = "real",
	  .noun = "drain",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_DRAIN, lbctl_show_change),
	  .help = "no new flows; existing flows stay" },
	{ .verb = "real",
	  .noun = "undrain",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_UNDRAIN, lbctl_show_change),
	  .help = "end an admin drain" },
	{ .verb = "real",
	  .noun = "down",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_DOWN, lbctl_show_change),
	  .help = "out of selection; its flows are re-chosen" },
	{ .verb = "real",
	  .noun = "up",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_UP, lbctl_show_change),
	  .help = "end an admin down" },
	{ .verb = "site",
	  .noun = "status",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SITE_STATUS, lbctl_show_site),
	  .help = "the site drain and whether the data plane is attached" },
	{ .verb = "site",
	  .noun = "drain",
	  .opts = O(REASON),
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SITE_DRAIN, lbctl_show_site),
	  .help = "announcers withdraw every VIP; traffic that arrives is served" },
	{ .verb = "site",
	  .noun = "undrain",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SITE_UNDRAIN, lbctl_show_site),
	  .help = "end the site drain; announcers may announce again" },
	{ .verb = "pair",
	  .noun = "status",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_PAIR_STATUS, lbctl_show_pair),
	  .help = "the LB pair: each peer's link, RTT, clock skew, records and refusals" },
	{ .verb = "bgp",
	  .noun = "status",
	  .opts = O(SOCKET),
	  .refuse = O(INSTANCE),
	  .run = lbctl_run,
	  .data = BGPA(KEEL_CTL_STATUS, lbctl_show_bgp),
	  .help = "bgp-announcer: sessions, and what is announced to whom and why" },
	{ .verb = "shutdown",
	  .opts = O(UNLOAD),
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SHUTDOWN, lbctl_show_empty),
	  .help = "stop lbd" },
};

static int lbctl_option(void *ctx, int id, const char *v)
{
	struct lbctl *l = ctx;
	char *end;

	switch (id) {
	case OPT_SOCKET:
		return lbctl_str(l->path, sizeof(l->path), v);
	case OPT_INSTANCE:
		if (!*v || strchr(v, '/'))
			return -EINVAL;
		if (snprintf(l->path, sizeof(l->path), "%s/%s.sock",
			     KEEL_CTL_SOCK_DIR, v) >= (int)sizeof(l->path))
			return -EINVAL;
		return 0;
	case OPT_JSON:
		l->json = true;
		return 0;
	case OPT_TIMEOUT:
		errno = 0;
		l->timeout = strtod(v, &end);
		if (errno || *end || end == v || !isfinite(l->timeout) ||
		    l->timeout <= 0 || l->timeout > LBCTL_TIMEOUT_MAX)
			return -EINVAL;
		return 0;
	case OPT_PERSISTENT:
		l->req.persistent = true;
		return 0;
	case OPT_RING_SIZE:
		return lbctl_uint(v, 1, KEEL_RING_SIZE_MAX, &l->req.ring_size);
	case OPT_WEIGHT:
		l->req.has_weight = true;
		return lbctl_uint(v, 0, KEEL_CTL_WEIGHT_MAX, &l->req.weight);
	case OPT_UNLOAD:
		l->req.unload = true;
		return 0;
	case OPT_REASON:
		if (!keel_ctl_text_ok(v, strlen(v)))
			return -EINVAL;
		snprintf(l->req.reason, sizeof(l->req.reason), "%s", v);
		return 0;
	}
	return 0;
}

static const struct keel_cli_tool lbctl_tool = {
	.prog = "lbctl",
	.usage =
		"[--socket PATH | --instance NAME] [--json] [--timeout S] COMMAND",
	.opts = lbctl_opts,
	.n_opts = OPT__MAX,
	.help_opt = OPT_HELP,
	.common = LBCTL_COMMON,
	.option = lbctl_option,
	.cmds = lbctl_cmds,
	.n_cmds = sizeof(lbctl_cmds) / sizeof(lbctl_cmds[0]),
	.footer =
		"SVC is ADDR:PORT/PROTO, [ADDR6]:PORT/PROTO or ADDR/PROTO; ADDR is a real's address.\n"
		"Exit codes: 0 ok, 1 refused, 2 usage, 3 lbd (bgp: the announcer) unreachable\n"
		"or no usable answer.\n",
};

static int lbctl_unreachable(const struct lbctl *l, int err)
{
	char msg[512];

	/* The filesystem said no before the daemon could. */
	if (err == -EACCES || err == -EPERM) {
		fprintf(stderr,
			"lbctl: permission denied: %s's control socket %s (its read or admin group may connect)\n",
			l->peer, l->path);
		return KEEL_EXIT_FAIL;
	}
	keel_ctl_call_strerror(msg, sizeof(msg), l->peer, l->path, err,
			       l->timeout, LBCTL_ANSWER_MAX);
	fprintf(stderr, "lbctl: %s\n", msg);
	return KEEL_EXIT_UNREACHABLE;
}

/*
 * One call; a read-only request whose connection was closed before any
 * byte of the answer is sent once more after a pause: a daemon at its
 * connection cap under a crowd may close a client just connected
 * (docs/lbd.md, "Listeners and their limits").  A change is never sent
 * twice: it may have been applied.
 */
static int lbctl_call(const struct lbctl *l, const char *req, size_t len,
		      char **line, size_t *alen)
{
	int err;

	err = keel_ctl_call(l->path, req, len, l->timeout, LBCTL_ANSWER_MAX,
			    line, alen);
	if (!keel_ctl_call_unanswered(err) ||
	    !keel_ctl_cmd_read_only(l->req.cmd))
		return err;
	poll(NULL, 0, LBCTL_RETRY_MS);
	return keel_ctl_call(l->path, req, len, l->timeout, LBCTL_ANSWER_MAX,
			     line, alen);
}

static int lbctl_request(struct lbctl *l, const struct lbctl_call *c,
			 const char *req, size_t len)
{
	size_t alen;
	char *line;
	int err, ret;

	err = lbctl_call(l, req, len, &line, &alen);
	if (err)
		return lbctl_unreachable(l, err);
	ret = lbctl_answer(l->peer, l->path, l->json, c->show, line, alen);
	free(line);
	return ret;
}

/*
 * status for people: every real of a large site would be megabytes for
 * lbd to build and for us to read, and pages to scroll.  Its summary
 * first; the whole answer when the site has at most LBCTL_STATUS_REALS
 * reals (or when lbd is older and has no summary).  --json: the whole.
 */
static int lbctl_status(struct lbctl *l, const struct lbctl_call *c)
{
	char req[KEEL_CTL_MSG_MAX];
	size_t alen;
	char *line;
	int err, len;
	bool shown;

	l->req.summary = true;
	len = keel_ctl_req_encode(&l->req, req, sizeof(req));
	if (len < 0)
		return KEEL_EXIT_USAGE;
	err = lbctl_call(l, req, len, &line, &alen);
	if (err)
		return lbctl_unreachable(l, err);
	shown = lbctl_show_summary(line, alen, LBCTL_STATUS_REALS);
	free(line);
	if (shown)
		return KEEL_EXIT_OK;
	l->req.summary = false;
	len = keel_ctl_req_encode(&l->req, req, sizeof(req));
	if (len < 0)
		return KEEL_EXIT_USAGE;
	return lbctl_request(l, c, req, len);
}

/* The command's options and words are in l (lbctl_option, arg_*): ask. */
static int lbctl_run(void *ctx, const struct keel_cli_cmd *cmd,
		     const struct keel_cli *c, char **args)
{
	const struct lbctl_call *call = cmd->data;
	struct lbctl *l = ctx;
	char req[KEEL_CTL_MSG_MAX];
	int n;

	(void)args;
	l->peer = lbctl_peers[call->peer];
	if ((c->seen & O(SOCKET)) && (c->seen & O(INSTANCE))) {
		fprintf(stderr,
			"lbctl: --socket and --instance exclude each other\n");
		return KEEL_EXIT_USAGE;
	}
	if (!(c->seen & (O(SOCKET) | O(INSTANCE)))) {
		if (call->peer == PEER_BGPA)
			lbctl_option(l, OPT_SOCKET, KEEL_CTL_BGPA_SOCK);
		else
			lbctl_option(l, OPT_INSTANCE, LBCTL_INSTANCE_DEFAULT);
	}
	l->req.cmd = call->ctl;
	/* lbd's status: its summary first (the announcer has none). */
	if (call->peer == PEER_LBD && call->ctl == KEEL_CTL_STATUS && !l->json)
		return lbctl_status(l, call);
	n = keel_ctl_req_encode(&l->req, req, sizeof(req));
	if (n < 0) {
		/* All but bytes that are not UTF-8 was checked before. */
		fprintf(stderr, "lbctl: cannot write the request: %s\n",
			strerror(-n));
		return KEEL_EXIT_USAGE;
	}
	return lbctl_request(l, call, req, n);
}

int main(int argc, char **argv)
{
	struct lbctl l = { .timeout = LBCTL_TIMEOUT_DEFAULT };

	return keel_cli_dispatch(&lbctl_tool, &l, argc, argv);
}
