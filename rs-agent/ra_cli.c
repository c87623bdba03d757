// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * ra_cli.c - status, drain and undrain: requests to a running agent's
 * control socket (keel_ctl_call) and what the operator sees of the
 * answers.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "keel_clock.h"
#include "keel_ctl_agent.h"
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
 * Send {"cmd":cmd} and read the answer.  *line (to free, '\n' cut) is
 * an answer with "ok": true for KEEL_EXIT_OK; a refusal (KEEL_EXIT_FAIL)
 * or a failure is on stderr otherwise.
 */
static int ra_ask(struct ra_cli *c, const char *cmd, char **line, size_t *len)
{
	json_error_t jerr;
	char req[64], msg[512];
	json_t *a, *ok;
	int err, ret;

	*line = NULL;
	snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}\n", cmd);
	err = keel_ctl_call(c->socket, req, strlen(req), RA_REQ_TIMEOUT_S,
			    RA_ANSWER_MAX, line, len);
	if (err) {
		keel_ctl_call_strerror(msg, sizeof(msg), "the agent", c->socket,
				       err, RA_REQ_TIMEOUT_S, RA_ANSWER_MAX);
		fprintf(stderr, "rs-agent: %s\n", msg);
		return KEEL_EXIT_UNREACHABLE;
	}
	while (*len && (*line)[*len - 1] == '\n')
		(*line)[--*len] = '\0';
	/* The refusal {"ok":false,"code":..,"error":..} is lbd's, not the
	 * agent codec's: its code is shown too. */
	a = json_loadb(*line, *len, 0, &jerr);
	ok = json_object_get(a, "ok");
	if (!json_is_boolean(ok)) {
		fprintf(stderr,
			"rs-agent: bad answer from the agent at %s: %s\n",
			c->socket, a ? "no \"ok\" member" : jerr.text);
		ret = KEEL_EXIT_UNREACHABLE;
	} else if (json_is_false(ok)) {
		fprintf(stderr, "rs-agent: %s: refused: %s: %s\n", cmd,
			json_string_value(json_object_get(a, "code")) ?: "?",
			json_string_value(json_object_get(a, "error")) ?: "");
		ret = KEEL_EXIT_FAIL;
	} else {
		ret = KEEL_EXIT_OK;
	}
	json_decref(a);
	if (ret) {
		free(*line);
		*line = NULL;
	}
	return ret;
}

/* The status answer through keel_ctl_agent's codec (to free). */
static int ra_status(struct ra_cli *c, struct keel_ctl_agent_status *st,
		     char **line, size_t *len)
{
	char why[256];
	int ret;

	ret = ra_ask(c, "status", line, len);
	if (ret)
		return ret;
	if (keel_ctl_agent_status_parse(*line, *len, st, why, sizeof(why))) {
		fprintf(stderr,
			"rs-agent: bad answer from the agent at %s: %s\n",
			c->socket, why);
		free(*line);
		*line = NULL;
		return KEEL_EXIT_UNREACHABLE;
	}
	return KEEL_EXIT_OK;
}

static double ra_elapsed_s(uint64_t t0_us)
{
	return (keel_now_us() - t0_us) / 1e6;
}

/* Polls status until no service holds a connection, or the timeout. */
static int ra_drain_wait(struct ra_cli *c)
{
	struct keel_ctl_agent_status st;
	long long last[KEEL_REPORT_MAX];
	long long total, n;
	uint64_t t0;
	char *line;
	size_t i, len;
	int ret;

	for (i = 0; i < KEEL_REPORT_MAX; i++)
		last[i] = -1;
	t0 = keel_now_us();
	for (;;) {
		ret = ra_status(c, &st, &line, &len);
		if (ret)
			return ret;
		free(line);
		if (!st.draining) {
			fprintf(stderr,
				"rs-agent: drain: the agent was undrained while waiting\n");
			keel_ctl_agent_status_free(&st);
			return KEEL_EXIT_FAIL;
		}
		total = 0;
		for (i = 0; i < st.n_services; i++) {
			n = (long long)st.services[i].conns;
			total += n;
			if (i < KEEL_REPORT_MAX && n != last[i] &&
			    (n > 0 || last[i] > 0))
				printf("draining: %lld connection%s left on %s\n",
				       n, n == 1 ? "" : "s",
				       st.services[i].service);
			if (i < KEEL_REPORT_MAX)
				last[i] = n;
		}
		keel_ctl_agent_status_free(&st);
		fflush(stdout);
		if (!total) {
			printf("drained: no established connection left (%.1f s)\n",
			       ra_elapsed_s(t0));
			return KEEL_EXIT_OK;
		}
		if (c->timeout > 0 && ra_elapsed_s(t0) >= c->timeout) {
			fprintf(stderr,
				"rs-agent: drain: timeout after %g s: %lld connection%s left\n",
				c->timeout, total, total == 1 ? "" : "s");
			return KEEL_EXIT_FAIL;
		}
		poll(NULL, 0, RA_POLL_MS);
	}
}

/* drain or undrain: its answer through keel_ctl_agent's codec. */
static int ra_set_drain(struct ra_cli *c, const char *cmd)
{
	struct keel_ctl_agent_drain d;
	char *line, why[256];
	size_t len;
	int ret;

	ret = ra_ask(c, cmd, &line, &len);
	if (ret)
		return ret;
	if (keel_ctl_agent_drain_parse(line, len, &d, why, sizeof(why))) {
		fprintf(stderr,
			"rs-agent: bad answer from the agent at %s: %s\n",
			c->socket, why);
		ret = KEEL_EXIT_UNREACHABLE;
	}
	free(line);
	return ret;
}

int ra_cli_drain(struct ra_cli *c)
{
	int ret;

	ret = ra_set_drain(c, "drain");
	if (ret)
		return ret;
	printf("draining: every service reports DRAINING; 'rs-agent undrain' resumes\n");
	fflush(stdout);
	return c->wait ? ra_drain_wait(c) : KEEL_EXIT_OK;
}

int ra_cli_undrain(struct ra_cli *c)
{
	int ret;

	ret = ra_set_drain(c, "undrain");
	if (!ret)
		printf("undrained: every service reports its check's state\n");
	return ret;
}

int ra_cli_status(struct ra_cli *c)
{
	struct keel_ctl_agent_status st;
	char *line;
	size_t i, len;
	int ret;

	ret = ra_status(c, &st, &line, &len);
	if (ret)
		return ret;
	if (c->json) {
		/* The agent's own line, as it wrote it. */
		printf("%.*s\n", (int)len, line);
		goto out;
	}
	printf("real %s  boot %" PRIu64 " (id %s)  seq %" PRIu64
	       "  load %.2f%s%s\n",
	       st.real, st.boot, st.boot_id, st.seq, st.load,
	       st.draining ? "  DRAINING" : "",
	       st.stopping ? " (stopping)" : "");
	printf("%-32s  %-8s  %-7s  %8s  %s\n", "SERVICE", "STATE", "CHECK",
	       "CONNS", "DETAIL");
	for (i = 0; i < st.n_services; i++) {
		const struct keel_ctl_agent_service *v = &st.services[i];

		printf("%-32s  %-8s  %-7s  %8" PRIu64 "  %s\n", v->service,
		       v->state, v->check, v->conns, v->detail);
	}
	printf("%-32s  %10s  %8s  %s\n", "LB", "SENT", "ERRORS", "LAST ERROR");
	for (i = 0; i < st.n_lbs; i++) {
		const struct keel_ctl_agent_lb *lb = &st.lbs[i];

		printf("%-32s  %10" PRIu64 "  %8" PRIu64 "  %s\n", lb->lb,
		       lb->sent, lb->errors,
		       lb->has_last_error ? lb->last_error : "-");
	}
out:
	keel_ctl_agent_status_free(&st);
	free(line);
	return KEEL_EXIT_OK;
}
