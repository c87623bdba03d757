// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: ra_config_parse() (rs-agent's config) on arbitrary
 * bytes.  Besides the sanitizers, every accepted config must hold what
 * the agent relies on, and every refusal must leave a zeroed config and
 * a message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "keel_health.h"
#include "ra_config.h"

#define FUZZ_CHECK(x)                     \
	do {                              \
		if (!(x))                 \
			__builtin_trap(); \
	} while (0)

static bool fuzz_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool fuzz_zeroed(const void *p, size_t size)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i])
			return false;
	return true;
}

static void fuzz_check_config(const struct ra_config *c)
{
	size_t i, j;

	FUZZ_CHECK(c->n_lbs >= 1 && c->n_lbs <= RA_CFG_LBS_MAX);
	FUZZ_CHECK(c->real.family == KEEL_F_INET ||
		   c->real.family == KEEL_F_INET6);
	for (i = 0; i < c->n_lbs; i++) {
		FUZZ_CHECK(c->lbs[i].a.family == c->real.family);
		FUZZ_CHECK(c->lbs[i].port != 0);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(&c->lbs[i], &c->lbs[j],
					  sizeof(c->lbs[i])) != 0);
	}
	FUZZ_CHECK(c->key_file[0] == '/' &&
		   fuzz_terminated(c->key_file, sizeof(c->key_file)));
	FUZZ_CHECK(c->interval_ms >= 10 && c->interval_ms <= 10000);
	FUZZ_CHECK(c->n_ifaces <= RA_CFG_IFACES_MAX);
	for (i = 0; i < c->n_ifaces; i++)
		FUZZ_CHECK(c->ifaces[i][0] &&
			   fuzz_terminated(c->ifaces[i], sizeof(c->ifaces[i])));
	FUZZ_CHECK(c->ctl_socket[0] == '/' && c->state_dir[0] == '/');
	FUZZ_CHECK(fuzz_terminated(c->ctl_socket, sizeof(c->ctl_socket)));
	FUZZ_CHECK(
		fuzz_terminated(c->metrics_listen, sizeof(c->metrics_listen)));
	FUZZ_CHECK(c->n_services >= 1 && c->n_services <= KEEL_REPORT_MAX);
	for (i = 0; i < c->n_services; i++) {
		const struct ra_cfg_service *s = &c->svc[i];
		const struct keel_probe_spec *p = &s->check.spec;

		FUZZ_CHECK(s->vip.family == c->real.family);
		FUZZ_CHECK(s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP);
		FUZZ_CHECK(s->line > 0);
		FUZZ_CHECK(p->type >= KEEL_PROBE_TCP &&
			   p->type <= KEEL_PROBE_CMD);
		FUZZ_CHECK(p->type == KEEL_PROBE_CMD ?
				   p->cmd[0] != '\0' :
				   p->port != 0 && (p->family == KEEL_F_INET ||
						    p->family == KEEL_F_INET6));
		FUZZ_CHECK(p->type != KEEL_PROBE_HTTP ||
			   (p->path[0] == '/' && p->status_min >= 100 &&
			    p->status_min <= p->status_max &&
			    p->status_max <= 599));
		FUZZ_CHECK(p->timeout_ms >= 10 && p->timeout_ms <= 60000);
		FUZZ_CHECK(s->check.interval_ms >= 10 &&
			   s->check.interval_ms <= 60000);
		FUZZ_CHECK(s->check.rise >= 1 &&
			   s->check.rise <= KEEL_RISEFALL_MAX);
		FUZZ_CHECK(s->check.fall >= 1 &&
			   s->check.fall <= KEEL_RISEFALL_MAX);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(&s->vip, &c->svc[j].vip,
					  sizeof(s->vip)) != 0 ||
				   s->port != c->svc[j].port ||
				   s->proto != c->svc[j].proto);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ra_config c;
	struct ra_config_error e;
	char msg[600];
	int err;

	err = ra_config_parse((const char *)data, size, "fuzz.yaml", &c, &e);
	if (err == 0) {
		fuzz_check_config(&c);
	} else {
		FUZZ_CHECK(err == -EINVAL || err == -ENOMEM);
		FUZZ_CHECK(fuzz_zeroed(&c, sizeof(c)));
		FUZZ_CHECK(e.msg[0] && e.line >= 0 && e.column >= 0);
		FUZZ_CHECK(ra_config_error_format(&e, msg, sizeof(msg)) > 0);
	}
	return 0;
}
