// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_cli.c - status, drain and undrain: requests to a running agent's
 * control socket (keel_ctl_call) and what the operator sees of the
 * answers.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "keel_clock.h"
#include "keel_ctlsock.h" /* keel_ctl_call: the client end */
#include "keel_log.h"
#include "keel_report.h"
#include "ra_cli.h"
#include "ra_config.h"

#define RA_REQ_TIMEOUT_S 5.0
#define RA_ANSWER_MAX (1U << 20)
#define RA_POLL_MS 200

int ra_cli_socket(struct ra_cli *c)
{
	struct ra_config *cfg;
	char msg[640];

	if (c->socket[0])
		return 0;
	if (!c->config_given) {
		snprintf(c->socket, sizeof(c->socket), "%s",
			 RA_CFG_SOCKET_DEFAULT);
		return 0;
	}
	if (ra_config_new(c->config, &cfg, msg, sizeof(msg))) {
		keel_log(LOG_ERR, "%s", msg);
		return -EINVAL;
	}
	snprintf(c->socket, sizeof(c->socket), "%s", cfg->ctl_socket);
	free(cfg);
	return 0;
}

/*
 * Send {"cmd":cmd} and read the answer.  *answer (to free) is the parsed
 * answer for KEEL_EXIT_OK and for a refusal (KEEL_EXIT_FAIL); the failure is
 * on stderr otherwise.
 */
static int ra_ask(struct ra_cli *c, const char *cmd, json_t **answer)
{
	json_error_t jerr;
	char req[64], msg[512], *line = NULL;
	size_t len;
	json_t *a;
	int err;

	*answer = NULL;
	snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}\n", cmd);
	err = keel_ctl_call(c->socket, req, strlen(req), RA_REQ_TIMEOUT_S,
			    RA_ANSWER_MAX, &line, &len);
	if (err) {
		keel_ctl_call_strerror(msg, sizeof(msg), "the agent", c->socket,
				       err, RA_REQ_TIMEOUT_S, RA_ANSWER_MAX);
		fprintf(stderr, "rs-agent: %s\n", msg);
		return KEEL_EXIT_UNREACHABLE;
	}
	a = json_loadb(line, len, 0, &jerr);
	free(line);
	if (!json_is_boolean(json_object_get(a, "ok"))) {
		fprintf(stderr,
			"rs-agent: bad answer from the agent at %s: %s\n",
			c->socket, a ? "no \"ok\" member" : jerr.text);
		json_decref(a);
		return KEEL_EXIT_UNREACHABLE;
	}
	*answer = a;
	if (json_is_false(json_object_get(a, "ok"))) {
		fprintf(stderr, "rs-agent: %s: refused: %s: %s\n", cmd,
			json_string_value(json_object_get(a, "code")) ?: "?",
			json_string_value(json_object_get(a, "error")) ?: "");
		return KEEL_EXIT_FAIL;
	}
	return KEEL_EXIT_OK;
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static double ra_elapsed_s(uint64_t t0_us)
{
	return (keel_now_us() - t0_us) / 1e6;
}

/* Polls status until no service holds a connection, or the timeout. */
static int ra_drain_wait(struct ra_cli *c)
{
	long long last[KEEL_REPORT_MAX];
	uint64_t t0;
	long long total, n;
	json_t *a, *svcs, *s;
	size_t i;
	int ret;

	for (i = 0; i < KEEL_REPORT_MAX; i++)
		last[i] = -1;
	t0 = keel_now_us();
	for (;;) {
		ret = ra_ask(c, "status", &a);
		if (ret)
			return ret;
		if (!json_is_true(json_object_get(a, "draining"))) {
			fprintf(stderr,
				"rs-agent: drain: the agent was undrained while waiting\n");
			json_decref(a);
			return KEEL_EXIT_FAIL;
		}
		svcs = json_object_get(a, "services");
		total = 0;
		json_array_foreach(svcs, i, s)
		{
			n = json_integer_value(json_object_get(s, "conns"));
			total += n;
			if (i < KEEL_REPORT_MAX && n != last[i] &&
			    (n > 0 || last[i] > 0))
				printf("draining: %lld connection%s left on %s\n",
				       n, n == 1 ? "" : "s",
				       jstr(s, "service"));
			if (i < KEEL_REPORT_MAX)
				last[i] = n;
		}
		fflush(stdout);
		if (!total) {
			printf("drained: no established connection left (%.1f s)\n",
			       ra_elapsed_s(t0));
			json_decref(a);
			return KEEL_EXIT_OK;
		}
		if (c->timeout > 0 && ra_elapsed_s(t0) >= c->timeout) {
			fprintf(stderr,
				"rs-agent: drain: timeout after %g s: %lld connection%s left\n",
				c->timeout, total, total == 1 ? "" : "s");
			json_decref(a);
			return KEEL_EXIT_FAIL;
		}
		json_decref(a);
		poll(NULL, 0, RA_POLL_MS);
	}
}

int ra_cli_drain(struct ra_cli *c)
{
	json_t *a;
	int ret;

	ret = ra_ask(c, "drain", &a);
	json_decref(a);
	if (ret)
		return ret;
	printf("draining: every service reports DRAINING; 'rs-agent undrain' resumes\n");
	fflush(stdout);
	return c->wait ? ra_drain_wait(c) : KEEL_EXIT_OK;
}

int ra_cli_undrain(struct ra_cli *c)
{
	json_t *a;
	int ret;

	ret = ra_ask(c, "undrain", &a);
	json_decref(a);
	if (!ret)
		printf("undrained: every service reports its check's state\n");
	return ret;
}

int ra_cli_status(struct ra_cli *c)
{
	json_t *a, *s;
	char *text;
	size_t i;
	int ret;

	ret = ra_ask(c, "status", &a);
	if (ret) {
		json_decref(a);
		return ret;
	}
	if (c->json) {
		text = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (text)
			printf("%s\n", text);
		free(text);
		json_decref(a);
		return KEEL_EXIT_OK;
	}
	printf("real %s  boot %" JSON_INTEGER_FORMAT
	       " (id %s)  seq %" JSON_INTEGER_FORMAT "  load %.2f%s%s\n",
	       jstr(a, "real"), json_integer_value(json_object_get(a, "boot")),
	       jstr(a, "boot_id"),
	       json_integer_value(json_object_get(a, "seq")),
	       json_number_value(json_object_get(a, "load")),
	       json_is_true(json_object_get(a, "draining")) ? "  DRAINING" : "",
	       json_is_true(json_object_get(a, "stopping")) ? " (stopping)" :
							      "");
	printf("%-32s  %-8s  %-7s  %8s  %s\n", "SERVICE", "STATE", "CHECK",
	       "CONNS", "DETAIL");
	json_array_foreach(json_object_get(a, "services"), i, s)
		printf("%-32s  %-8s  %-7s  %8" JSON_INTEGER_FORMAT "  %s\n",
		       jstr(s, "service"), jstr(s, "state"), jstr(s, "check"),
		       json_integer_value(json_object_get(s, "conns")),
		       jstr(s, "detail"));
	printf("%-32s  %10s  %8s  %s\n", "LB", "SENT", "ERRORS", "LAST ERROR");
	json_array_foreach(json_object_get(a, "lbs"), i, s) printf(
		"%-32s  %10" JSON_INTEGER_FORMAT "  %8" JSON_INTEGER_FORMAT
		"  %s\n",
		jstr(s, "lb"), json_integer_value(json_object_get(s, "sent")),
		json_integer_value(json_object_get(s, "errors")),
		json_string_value(json_object_get(s, "last_error")) ?: "-");
	json_decref(a);
	return KEEL_EXIT_OK;
}
