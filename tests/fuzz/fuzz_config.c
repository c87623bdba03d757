// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: lb_config_parse() on arbitrary bytes.  Besides the
 * sanitizers, every accepted config must hold the invariants lbd relies
 * on, and every refusal must leave a zeroed config and a message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "keel_prime.h"
#include "keel_yaml.h"
#include "lb_config.h"

#define FUZZ_CHECK(x)                     \
	do {                              \
		if (!(x))                 \
			__builtin_trap(); \
	} while (0)

static bool fuzz_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* Every byte, padding too: lb_config_parse() memsets on failure. */
static bool fuzz_zeroed(const void *p, size_t size)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i])
			return false;
	return true;
}

static void fuzz_check_config(const struct lb_config *c)
{
	size_t i, j, reals = 0;

	FUZZ_CHECK(c->n_ifaces >= 1 && c->n_ifaces <= LB_CFG_IFACES_MAX);
	for (i = 0; i < c->n_ifaces; i++)
		FUZZ_CHECK(c->ifaces[i].name[0] &&
			   fuzz_terminated(c->ifaces[i].name,
					   sizeof(c->ifaces[i].name)));
	FUZZ_CHECK(c->instance[0] && c->bpffs[0] == '/');
	FUZZ_CHECK(c->ctl_socket[0] == '/' && c->state_file[0] == '/');
	FUZZ_CHECK(fuzz_terminated(c->ctl_socket, sizeof(c->ctl_socket)));
	FUZZ_CHECK(
		fuzz_terminated(c->metrics_listen, sizeof(c->metrics_listen)));
	FUZZ_CHECK(c->neigh_refresh_ms >= 100 && c->neigh_refresh_ms <= 60000);
	FUZZ_CHECK(c->n_services <= KEEL_MAX_SERVICES);
	FUZZ_CHECK(!c->n_services == !c->services);
	for (i = 0; i < c->n_services; i++) {
		const struct lb_cfg_service *s = &c->services[i];

		FUZZ_CHECK(s->key.proto != 0);
		FUZZ_CHECK(s->key.family == KEEL_F_INET ||
			   s->key.family == KEEL_F_INET6);
		FUZZ_CHECK(keel_is_prime(s->ring_size) &&
			   s->ring_size <= KEEL_RING_SIZE_MAX);
		FUZZ_CHECK(!s->n_reals == !s->reals);
		for (j = 0; j < s->n_reals; j++) {
			FUZZ_CHECK(s->reals[j].family == s->key.family);
			FUZZ_CHECK(s->reals[j].weight <= 65535);
			FUZZ_CHECK(s->reals[j].line > 0);
		}
		for (j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(&s->key, &c->services[j].key,
					  sizeof(s->key)) != 0);
		reals += s->n_reals;
	}
	FUZZ_CHECK(reals < KEEL_MAX_REALS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_config c;
	struct lb_config_error e;
	char msg[600];
	int err;

	err = lb_config_parse((const char *)data, size, "fuzz.yaml", &c, &e);
	if (err == 0) {
		fuzz_check_config(&c);
	} else {
		FUZZ_CHECK(err == -EINVAL || err == -ENOMEM);
		FUZZ_CHECK(fuzz_zeroed(&c, sizeof(c)));
		FUZZ_CHECK(e.msg[0] && e.line >= 0 && e.column >= 0);
		FUZZ_CHECK(lb_config_error_format(&e, msg, sizeof(msg)) > 0);
	}
	lb_config_free(&c);
	return 0;
}
