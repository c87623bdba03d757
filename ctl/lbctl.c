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
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "keel_cli.h"
#include "keel_ctl.h"
#include "keel_ctlsock.h"
#include "keel_names.h"

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

static void show_status(json_t *a);
static void show_status_summary(json_t *a, json_int_t total);
static void show_services(json_t *a);
static void show_reals(json_t *a);
static void show_stats(json_t *a);
static void show_change(json_t *a);
static void show_reload(json_t *a);
static void show_site(json_t *a);
static void show_bgp(json_t *a);

/* What a command asks, of whom, and how its answer is printed. */
struct lbctl_call {
	enum keel_ctl_cmd ctl;
	enum lbctl_peer peer;
	const char *request; /* PEER_BGPA: the request line as sent */
	void (*show)(json_t *answer);
};

#define LBD(c, s) (&(const struct lbctl_call){ .ctl = (c), .show = (s) })
#define BGPA(r, s)                                         \
	(&(const struct lbctl_call){ .ctl = KEEL_CTL__MAX, \
				     .peer = PEER_BGPA,    \
				     .request = (r),       \
				     .show = (s) })

static int lbctl_run(void *ctx, const struct keel_cli_cmd *cmd,
		     const struct keel_cli *c, char **args);

static const struct keel_cli_cmd lbctl_cmds[] = {
	{ .verb = "status",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_STATUS, show_status),
	  .help = "instance, data plane, services and their reals" },
	{ .verb = "services",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SERVICES, show_services),
	  .help = "services only, without reals" },
	{ .verb = "reals",
	  .args = { SVC },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REALS, show_reals),
	  .help = "the reals of one service" },
	{ .verb = "stats",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_STATS, show_stats),
	  .help = "global verdict counters, conn-table occupancy" },
	{ .verb = "reload",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_RELOAD, show_reload),
	  .help = "re-read the config file, apply the difference" },
	{ .verb = "service",
	  .noun = "add",
	  .args = { SVC },
	  .opts = O(PERSISTENT) | O(RING_SIZE),
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SERVICE_ADD, show_change),
	  .help = "add a service at run time" },
	{ .verb = "service",
	  .noun = "del",
	  .args = { SVC },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SERVICE_DEL, show_change),
	  .help = "remove a service at run time" },
	{ .verb = "real",
	  .noun = "add",
	  .args = { SVC, ADDR },
	  .opts = O(WEIGHT),
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_ADD, show_change),
	  .help = "add a real at run time" },
	{ .verb = "real",
	  .noun = "del",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_DEL, show_change),
	  .help = "remove a real at run time" },
	{ .verb = "real",
	  .noun = "weight",
	  .args = { SVC, ADDR, WEIGHT },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_WEIGHT, show_change),
	  .help = "set the admin weight override; clear drops it" },
	{ .verb = "real",
	  .noun = "drain",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_DRAIN, show_change),
	  .help = "no new flows; existing flows stay" },
	{ .verb = "real",
	  .noun = "undrain",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_UNDRAIN, show_change),
	  .help = "end an admin drain" },
	{ .verb = "real",
	  .noun = "down",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_DOWN, show_change),
	  .help = "out of selection; its flows are re-chosen" },
	{ .verb = "real",
	  .noun = "up",
	  .args = { SVC, ADDR },
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_REAL_UP, show_change),
	  .help = "end an admin down" },
	{ .verb = "site",
	  .noun = "status",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SITE_STATUS, show_site),
	  .help = "the site drain and whether the data plane is attached" },
	{ .verb = "site",
	  .noun = "drain",
	  .opts = O(REASON),
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SITE_DRAIN, show_site),
	  .help = "announcers withdraw every VIP; traffic that arrives is served" },
	{ .verb = "site",
	  .noun = "undrain",
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SITE_UNDRAIN, show_site),
	  .help = "end the site drain; announcers may announce again" },
	{ .verb = "bgp",
	  .noun = "status",
	  .opts = O(SOCKET),
	  .refuse = O(INSTANCE),
	  .run = lbctl_run,
	  .data = BGPA("{\"cmd\":\"status\"}\n", show_bgp),
	  .help = "bgp-announcer: sessions, and what is announced to whom and why" },
	{ .verb = "shutdown",
	  .opts = O(UNLOAD),
	  .run = lbctl_run,
	  .data = LBD(KEEL_CTL_SHUTDOWN, show_change),
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

static int lbctl_answer(const struct lbctl *l, const struct lbctl_call *c,
			const char *line, size_t len)
{
	const char *code, *error;
	json_error_t jerr;
	json_t *a, *ok;
	int ret = KEEL_EXIT_OK;

	a = json_loadb(line, len, 0, &jerr);
	if (!a) {
		fprintf(stderr, "lbctl: bad answer from %s at %s: %s\n",
			l->peer, l->path, jerr.text);
		return KEEL_EXIT_UNREACHABLE;
	}
	ok = json_object_get(a, "ok");
	if (!json_is_boolean(ok)) {
		fprintf(stderr,
			"lbctl: bad answer from %s at %s: no \"ok\" member\n",
			l->peer, l->path);
		ret = KEEL_EXIT_UNREACHABLE;
		goto out;
	}
	if (l->json) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	}
	if (json_is_false(ok)) {
		code = json_string_value(json_object_get(a, "code"));
		error = json_string_value(json_object_get(a, "error"));
		/* "permission denied: real drain needs the admin group 'X'" */
		if (code && !strcmp(code, "permission_denied"))
			fprintf(stderr, "lbctl: permission denied: %s\n",
				error ? error : "");
		else
			fprintf(stderr, "lbctl: refused: %s: %s\n",
				code ? code : "unknown", error ? error : "");
		ret = KEEL_EXIT_FAIL;
	} else if (!l->json) {
		c->show(a);
	}
out:
	json_decref(a);
	return ret;
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
	ret = lbctl_answer(l, c, line, alen);
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
	json_int_t total = 0;
	size_t alen, i;
	json_t *a, *s, *n;
	char *line;
	int err, len;

	l->req.summary = true;
	len = keel_ctl_req_encode(&l->req, req, sizeof(req));
	if (len < 0)
		return KEEL_EXIT_USAGE;
	err = lbctl_call(l, req, len, &line, &alen);
	if (err)
		return lbctl_unreachable(l, err);
	a = json_loadb(line, alen, 0, NULL);
	free(line);
	if (a && json_is_true(json_object_get(a, "ok"))) {
		json_array_foreach(json_object_get(a, "services"), i, s)
		{
			n = json_object_get(json_object_get(s, "real_count"),
					    "total");
			total = json_is_integer(n) && total >= 0 ?
					total + json_integer_value(n) :
					-1;
		}
		if (total > LBCTL_STATUS_REALS) {
			show_status_summary(a, total);
			json_decref(a);
			return KEEL_EXIT_OK;
		}
	}
	json_decref(a);
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
	if (call->request)
		return lbctl_request(l, call, call->request,
				     strlen(call->request));
	l->req.cmd = call->ctl;
	if (call->ctl == KEEL_CTL_STATUS && !l->json)
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

/* Answer printers: tolerant of members a newer or older lbd lacks. */

static const char *jstr(json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

/* An integer as is, a real with one decimal, "-" when absent. */
static const char *jnum(json_t *o, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		snprintf(buf, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, size, "%.1f", json_real_value(v));
	else
		snprintf(buf, size, "-");
	return buf;
}

static void show_time(const char *what, json_t *o)
{
	json_t *at = json_object_get(o, "at");
	char when[64] = "-";
	struct tm tm;
	time_t t;

	if (json_integer_value(at) > 0) {
		t = json_integer_value(at);
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z",
				 &tm);
	}
	if (json_is_false(json_object_get(o, "ok")))
		printf("%s FAILED at %s: %s\n", what, when,
		       jstr(o, "error", "?"));
	else
		printf("%s ok at %s\n", what, when);
}

static void show_occupancy(const char *what, int width, json_t *o)
{
	json_t *n = json_object_get(o, "conn_entries");
	json_t *cap = json_object_get(o, "conn_capacity");
	json_t *limit = json_object_get(o, "conn_insert_limit");
	char b1[32], b2[32];

	printf("%-*s %s / %s", width, what,
	       jnum(o, "conn_entries", b1, sizeof(b1)),
	       jnum(o, "conn_capacity", b2, sizeof(b2)));
	if (json_is_integer(n) && json_integer_value(cap) > 0)
		printf(" (%.1f%%)",
		       100.0 * json_number_value(n) / json_number_value(cap));
	/* An older lbd does not say. */
	if (json_is_integer(limit) && json_integer_value(limit) > 0)
		printf("  insert limit %s/s per CPU",
		       jnum(o, "conn_insert_limit", b1, sizeof(b1)));
	else if (json_is_integer(limit))
		printf("  no insert limit");
	printf("\n");
}

/* lbd's event loop: its longest stall, recently and since start. */
static void show_loop(json_t *l)
{
	char b1[32], b2[32], b3[32], b4[32], b5[32];

	if (!json_is_object(l))
		return;
	printf("event loop  longest stall %s ms in the last %s s, %s ms since start; %s over %s ms\n",
	       jnum(l, "stall_max_ms", b1, sizeof(b1)),
	       jnum(l, "window_s", b2, sizeof(b2)),
	       jnum(l, "stall_max_ms_since_start", b3, sizeof(b3)),
	       jnum(l, "stalls_over_budget", b4, sizeof(b4)),
	       jnum(l, "budget_ms", b5, sizeof(b5)));
}

static void show_service_line(json_t *s)
{
	char b1[32], b2[32], b3[32];

	printf("service %s  ring %s%s%s  %s packets/s  %s flows/s\n",
	       jstr(s, "service", "?"), jnum(s, "ring_size", b1, sizeof(b1)),
	       json_is_true(json_object_get(s, "persistent")) ? "  persistent" :
								"",
	       json_is_true(json_object_get(s, "load_aware")) ? "  load-aware" :
								"",
	       jnum(s, "pps", b2, sizeof(b2)), jnum(s, "fps", b3, sizeof(b3)));
}

/* A member that may be null: an integer, a real with two decimals, "-". */
static const char *jopt(json_t *o, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(o, key);

	if (json_is_real(v))
		snprintf(buf, size, "%.2f", json_real_value(v));
	else
		jnum(o, key, buf, size);
	return buf;
}

/* "3d 4h", "5m 3s", "12s": how long, to the two largest units, in a
 * buffer of AGE_MAX (any long long fits). */
#define AGE_MAX 48
static const char *fmt_age(long long s, char *buf, size_t size)
{
	static const struct {
		const char *unit;
		long long secs;
	} units[] = { { "d", 86400 }, { "h", 3600 }, { "m", 60 }, { "s", 1 } };
	size_t i;

	if (s < 0)
		s = 0;
	for (i = 0; i < 3 && s < units[i].secs; i++)
		;
	if (i == 3)
		snprintf(buf, size, "%llds", s);
	else
		snprintf(buf, size, "%lld%s %lld%s", s / units[i].secs,
			 units[i].unit, s % units[i].secs / units[i + 1].secs,
			 units[i + 1].unit);
	return buf;
}

/* A report's age with its unit: "42ms", "2.5s", then as fmt_age(). */
static const char *report_age(json_t *o, char *buf, size_t size)
{
	json_t *v = json_object_get(o, "report_age_ms");
	long long ms;

	if (!json_is_integer(v)) {
		snprintf(buf, size, "-");
		return buf;
	}
	ms = json_integer_value(v);
	if (ms < 1000)
		snprintf(buf, size, "%lldms", ms < 0 ? 0 : ms);
	else if (ms < 60000)
		snprintf(buf, size, "%.1fs", ms / 1000.0);
	else
		fmt_age(ms / 1000, buf, size);
	return buf;
}

/*
 * The reals of one service as a table.  Ring share is of ring_size when
 * the answer has it (status), else of the entries listed (reals).
 * WEIGHT is EFFECTIVE/BASE: BASE the admin override (marked *) or the
 * configured weight.  CHECK only when some real has an active check.
 */
static void show_real_table(json_t *reals, json_t *ring_size)
{
	double ring = 0, fps = 0, pps = 0, share = 0;
	int w = (int)strlen("total");
	char st[72], wt[72], b1[32], b2[32], age[AGE_MAX], conns[32], load[32];
	bool checks = false;
	json_t *r, *adm;
	size_t i;

	if (!json_array_size(reals)) {
		printf("  (no reals)\n");
		return;
	}
	json_array_foreach(reals, i, r)
	{
		int len = (int)strlen(jstr(r, "real", "?"));

		w = len > w ? len : w;
		ring += json_number_value(json_object_get(r, "ring_entries"));
		checks |= json_is_string(json_object_get(r, "check"));
	}
	if (json_number_value(ring_size) > 0)
		ring = json_number_value(ring_size);
	printf("  %-*s  %-22s  %-9s  %6s  %6s  %7s  %-17s  %9s  %10s  %6s%s\n",
	       w, "REAL", "STATE", "WEIGHT", "AGE", "CONNS", "LOADAVG", "MAC",
	       "FLOWS/S", "PACKETS/S", "RING", checks ? "  CHECK" : "");
	json_array_foreach(reals, i, r)
	{
		double e =
			json_number_value(json_object_get(r, "ring_entries"));

		adm = json_object_get(json_object_get(r, "admin"), "weight");
		snprintf(st, sizeof(st), "%s (%s)", jstr(r, "state", "?"),
			 jstr(r, "source", "?"));
		if (json_is_integer(adm))
			snprintf(wt, sizeof(wt), "%s/%" JSON_INTEGER_FORMAT "*",
				 jnum(r, "effective_weight", b1, sizeof(b1)),
				 json_integer_value(adm));
		else
			snprintf(wt, sizeof(wt), "%s/%s",
				 jnum(r, "effective_weight", b1, sizeof(b1)),
				 jnum(r, "configured_weight", b2, sizeof(b2)));
		printf("  %-*s  %-22s  %-9s  %6s  %6s  %7s  %-17s  %9.1f  %10.1f  %5.1f%%",
		       w, jstr(r, "real", "?"), st, wt,
		       report_age(r, age, sizeof(age)),
		       jopt(r, "conns", conns, sizeof(conns)),
		       jopt(r, "load", load, sizeof(load)),
		       json_is_true(json_object_get(r, "mac_resolved")) ?
			       jstr(r, "mac", "?") :
			       "unresolved",
		       json_number_value(json_object_get(r, "fps")),
		       json_number_value(json_object_get(r, "pps")),
		       ring > 0 ? 100.0 * e / ring : 0.0);
		if (checks)
			printf("  %s", jstr(r, "check", "-"));
		printf("\n");
		fps += json_number_value(json_object_get(r, "fps"));
		pps += json_number_value(json_object_get(r, "pps"));
		share += ring > 0 ? 100.0 * e / ring : 0.0;
	}
	printf("  %-*s  %-22s  %-9s  %6s  %6s  %7s  %-17s  %9.1f  %10.1f  %5.1f%%\n",
	       w, "total", "", "", "", "", "", "", fps, pps, share);
}

/* The report receiver's line, when lbd has one. */
static void show_agents(json_t *a)
{
	json_t *res = json_object_get(a, "reports"), *v;
	const char *name;
	char b1[32], b2[32], b3[32];
	bool first = true;

	if (!json_is_string(json_object_get(a, "listen")))
		return;
	printf("agents on %s  %s known  dead after %s ms, flows kept %s ms more  reports:",
	       jstr(a, "listen", "?"), jnum(a, "agents", b1, sizeof(b1)),
	       jnum(a, "dead_after_ms", b2, sizeof(b2)),
	       jnum(a, "keep_flows_ms", b3, sizeof(b3)));
	json_object_foreach(res, name, v)
	{
		printf("%s %s %s", first ? "" : ",", name,
		       jnum(res, name, b1, sizeof(b1)));
		first = false;
	}
	printf("\n");
}

static const char *fmt_when(long long t, char *buf, size_t size)
{
	time_t tt = t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) ||
	    !strftime(buf, size, "%Y-%m-%d %H:%M:%S %z", &tm))
		snprintf(buf, size, "%lld", t);
	return buf;
}

/* " seg0 (native), seg1 (generic, NOT ATTACHED)\n" */
static void show_ifaces(json_t *dp)
{
	json_t *att = json_object_get(dp, "attached"), *v;
	size_t i;

	json_array_foreach(att, i, v)
		printf("%s %s (%s%s)", i ? "," : "", jstr(v, "ifname", "?"),
		       jstr(v, "mode", "?"),
		       json_is_false(json_object_get(v, "attached")) ?
			       ", NOT ATTACHED" :
			       "");
	if (!json_array_size(att))
		printf(" nowhere");
	printf("\n");
}

/* One line: in service, or drained since when, and why. */
static void show_site_line(const char *what, json_t *site)
{
	json_t *since = json_object_get(site, "since");
	char when[64], age[AGE_MAX];

	if (!json_is_true(json_object_get(site, "drained"))) {
		printf("%s in service (not drained)\n", what);
		return;
	}
	printf("%s DRAINED", what);
	if (json_is_integer(since))
		printf(" since %s (%s)",
		       fmt_when(json_integer_value(since), when, sizeof(when)),
		       fmt_age(time(NULL) - json_integer_value(since), age,
			       sizeof(age)));
	printf(": announcers withdraw every VIP; reason: %s\n",
	       jstr(site, "reason", "none given"));
}

static void show_site(json_t *a)
{
	json_t *dp = json_object_get(a, "dataplane");
	json_t *all = json_object_get(dp, "all_attached");

	show_site_line("site       ", json_object_get(a, "site"));
	printf("data plane  %s",
	       json_is_true(all)  ? "attached:" :
	       json_is_false(all) ? "NOT attached:" :
				    "attached (lbd does not say):");
	show_ifaces(dp);
}

static void show_status_head(json_t *a)
{
	json_t *dp = json_object_get(a, "dataplane");
	char b1[32];

	printf("instance %s  generation %s  config %s\n",
	       jstr(a, "instance", "?"), jnum(a, "generation", b1, sizeof(b1)),
	       jstr(a, "config", "-"));
	if (json_is_object(json_object_get(a, "last_reload")))
		show_time("last reload", json_object_get(a, "last_reload"));
	if (json_is_object(json_object_get(a, "site")))
		show_site_line("site", json_object_get(a, "site"));
	printf("attached");
	show_ifaces(dp);
	show_occupancy("conn table", 0, dp);
	show_loop(json_object_get(a, "loop"));
	show_agents(json_object_get(a, "agents"));
}

static void show_status(json_t *a)
{
	json_t *s;
	size_t i;

	show_status_head(a);
	json_array_foreach(json_object_get(a, "services"), i, s)
	{
		printf("\n");
		show_service_line(s);
		show_real_table(json_object_get(s, "reals"),
				json_object_get(s, "ring_size"));
	}
}

/* A large site: each service's reals counted, not listed. */
static void show_status_summary(json_t *a, json_int_t total)
{
	char b[7][32];
	json_t *s, *n;
	size_t i;

	show_status_head(a);
	printf("\n");
	json_array_foreach(json_object_get(a, "services"), i, s)
	{
		n = json_object_get(s, "real_count");
		show_service_line(s);
		printf("  %s reals: %s up, %s draining, %s down; %s usable, %s take new flows\n",
		       jnum(n, "total", b[0], sizeof(b[0])),
		       jnum(n, "up", b[1], sizeof(b[1])),
		       jnum(n, "draining", b[2], sizeof(b[2])),
		       jnum(n, "down", b[3], sizeof(b[3])),
		       jnum(n, "usable", b[4], sizeof(b[4])),
		       jnum(n, "selectable", b[5], sizeof(b[5])));
	}
	printf("\n%" JSON_INTEGER_FORMAT
	       " reals: 'lbctl reals SERVICE' lists one service's, 'lbctl --json status' every one\n",
	       total);
}

static void show_services(json_t *a)
{
	json_t *s;
	size_t i;

	json_array_foreach(json_object_get(a, "services"), i, s)
		show_service_line(s);
	if (!json_array_size(json_object_get(a, "services")))
		printf("no services\n");
}

static void show_reals(json_t *a)
{
	printf("service %s\n", jstr(a, "service", "?"));
	show_real_table(json_object_get(a, "reals"),
			json_object_get(a, "ring_size"));
}

static void show_stats(json_t *a)
{
	json_t *cnt = json_object_get(a, "counters"), *v;
	const char *name;
	char b1[32];
	unsigned int i;

	/* Known counters in their documented order, then any newer ones. */
	for (i = 0; i < KEEL_CNT__MAX; i++)
		printf("%-22s %s\n", keel_cnt_name(i),
		       jnum(cnt, keel_cnt_name(i), b1, sizeof(b1)));
	json_object_foreach(cnt, name, v)
	{
		for (i = 0; i < KEEL_CNT__MAX; i++)
			if (!strcmp(name, keel_cnt_name(i)))
				break;
		if (i == KEEL_CNT__MAX)
			printf("%-22s %s\n", name,
			       jnum(cnt, name, b1, sizeof(b1)));
	}
	show_occupancy("conn_table", 22, a);
}

static void show_change(json_t *a)
{
	char b1[32];

	if (json_object_get(a, "generation"))
		printf("ok (generation %s)\n",
		       jnum(a, "generation", b1, sizeof(b1)));
	else
		printf("ok\n");
}

static void show_reload(json_t *a)
{
	json_t *ch = json_object_get(a, "changes");
	char b[6][32];

	show_change(a);
	if (!json_is_object(ch))
		return;
	printf("services: %s added, %s removed, %s changed\n",
	       jnum(ch, "services_added", b[0], sizeof(b[0])),
	       jnum(ch, "services_removed", b[1], sizeof(b[1])),
	       jnum(ch, "services_changed", b[2], sizeof(b[2])));
	printf("reals: %s added, %s removed, %s changed\n",
	       jnum(ch, "reals_added", b[3], sizeof(b[3])),
	       jnum(ch, "reals_removed", b[4], sizeof(b[4])),
	       jnum(ch, "reals_changed", b[5], sizeof(b[5])));
}

/* "6/2 \"maintenance\" at TIME", or "" for null. */
static const char *fmt_bgp_err(json_t *e, char *buf, size_t size)
{
	char b1[32], b2[32], when[64];
	size_t n;

	if (!json_is_object(e)) {
		buf[0] = '\0';
		return buf;
	}
	n = snprintf(buf, size, "%s/%s", jnum(e, "code", b1, sizeof(b1)),
		     jnum(e, "subcode", b2, sizeof(b2)));
	if (n < size && json_is_string(json_object_get(e, "message")))
		n += snprintf(buf + n, size - n, " \"%s\"",
			      jstr(e, "message", ""));
	if (n < size && json_is_integer(json_object_get(e, "at")))
		snprintf(buf + n, size - n, " at %s",
			 fmt_when(json_integer_value(json_object_get(e, "at")),
				  when, sizeof(when)));
	return buf;
}

/* An integer member as a duration, "-" when absent or null. */
static const char *jage(json_t *o, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v))
		return fmt_age(json_integer_value(v), buf, size);
	snprintf(buf, size, "-");
	return buf;
}

static int col_width(json_t *arr, const char *key, const char *title)
{
	int w = (int)strlen(title), n;
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
	{
		n = (int)strlen(jstr(v, key, "-"));
		w = n > w ? n : w;
	}
	return w;
}

/* The peers a prefix went to: the answer's list if it has one, else the
 * peers whose "announced" holds it. */
static void fmt_prefix_peers(json_t *x, json_t *peers, char *buf, size_t size)
{
	json_t *to = json_object_get(x, "peers"), *p, *r;
	const char *pfx = jstr(x, "prefix", "");
	size_t i, j, n = 0;

	buf[0] = '\0';
	if (json_is_array(to)) {
		json_array_foreach(to, i, p) if (json_is_string(p) && n < size)
			n += snprintf(buf + n, size - n, "%s%s", n ? "," : "",
				      json_string_value(p));
	} else {
		json_array_foreach(peers, i, p) json_array_foreach(
			json_object_get(p, "announced"), j,
			r) if (!strcmp(json_string_value(r) ?: "", pfx) &&
			       n < size)
			n += snprintf(buf + n, size - n, "%s%s", n ? "," : "",
				      jstr(p, "name", "?"));
	}
	if (!buf[0])
		snprintf(buf, size, "-");
}

/* A prefix's "since": unix seconds (shown as an age) or text. */
static const char *fmt_since(json_t *x, char *buf, size_t size)
{
	json_t *v = json_object_get(x, "since");

	if (json_is_integer(v))
		return fmt_age(time(NULL) - json_integer_value(v), buf, size);
	snprintf(buf, size, "%s",
		 json_is_string(v) ? json_string_value(v) : "-");
	return buf;
}

/* "sent E; received E; REASON", the parts it has, or "-". */
static void show_bgp_why(json_t *p, const char *sent, const char *recv)
{
	const char *why = jstr(p, "last_reason", "");
	const char *sep = " ";

	if (sent[0]) {
		printf("%ssent %s", sep, sent);
		sep = "; ";
	}
	if (recv[0]) {
		printf("%sreceived %s", sep, recv);
		sep = "; ";
	}
	if (why[0])
		printf("%s%s", sep, why);
	else if (!sent[0] && !recv[0])
		printf(" -");
	printf("\n");
}

/*
 * The announcer's status: sessions, then prefixes with what they are
 * announced to and why.  Members a given announcer lacks print as "-".
 */
static void show_bgp(json_t *a)
{
	json_t *peers = json_object_get(a, "peers");
	json_t *pfxs = json_object_get(a, "prefixes"), *p, *x;
	char b1[AGE_MAX], b2[AGE_MAX], b3[32], e1[160], e2[160], to[512];
	int wn, wa, wp, wt;
	bool reasons = false, since = false;
	size_t i;

	printf("bgp-announcer  AS %s  router id %s  up %s  reloads %s\n",
	       jnum(a, "local_as", b1, sizeof(b1)), jstr(a, "router_id", "-"),
	       jage(a, "uptime_s", b2, sizeof(b2)),
	       jnum(a, "reloads", b3, sizeof(b3)));
	printf("\n");
	if (!json_array_size(peers)) {
		printf("no peers\n");
	} else {
		wn = col_width(peers, "name", "PEER");
		wa = col_width(peers, "address", "ADDRESS");
		printf("%-*s  %-*s  %10s  %-11s  %8s  %8s  %9s  %s\n", wn,
		       "PEER", wa, "ADDRESS", "AS", "STATE", "FOR", "UPTIME",
		       "ANNOUNCED", "LAST ERROR / REASON");
		json_array_foreach(peers, i, p)
		{
			char asn[32], fr[AGE_MAX], up[AGE_MAX];

			fmt_bgp_err(json_object_get(p, "last_error_sent"), e1,
				    sizeof(e1));
			fmt_bgp_err(json_object_get(p, "last_error_received"),
				    e2, sizeof(e2));
			printf("%-*s  %-*s  %10s  %-11s  %8s  %8s  %9zu ", wn,
			       jstr(p, "name", "-"), wa,
			       jstr(p, "address", "-"),
			       jnum(p, "remote_as", asn, sizeof(asn)),
			       jstr(p, "state", "-"),
			       jage(p, "state_for_s", fr, sizeof(fr)),
			       jage(p, "uptime_s", up, sizeof(up)),
			       json_array_size(
				       json_object_get(p, "announced")));
			show_bgp_why(p, e1, e2);
		}
	}
	printf("\n");
	if (!json_array_size(pfxs)) {
		printf("no prefixes\n");
		return;
	}
	json_array_foreach(pfxs, i, x)
	{
		reasons |= json_object_get(x, "reason") != NULL;
		since |= json_object_get(x, "since") != NULL;
	}
	wp = col_width(pfxs, "prefix", "PREFIX");
	wt = col_width(pfxs, "state", "STATE");
	printf("%-*s  %-*s  %-9s  %s%s\n", wp, "PREFIX", wt, "STATE",
	       "ANNOUNCED", since ? "   SINCE  " : "",
	       reasons ? "TO                    REASON" : "TO");
	json_array_foreach(pfxs, i, x)
	{
		json_t *ann = json_object_get(x, "announce");

		fmt_prefix_peers(x, peers, to, sizeof(to));
		printf("%-*s  %-*s  %-9s  ", wp, jstr(x, "prefix", "-"), wt,
		       jstr(x, "state", "-"),
		       json_is_true(ann)  ? "yes" :
		       json_is_false(ann) ? "withdrawn" :
					    "-");
		if (since)
			printf("%8s  ", fmt_since(x, b1, sizeof(b1)));
		if (reasons)
			printf("%-20s  %s\n", json_is_true(ann) ? to : "-",
			       jstr(x, "reason", "-"));
		else
			printf("%s\n", json_is_true(ann) ? to : "-");
	}
}
