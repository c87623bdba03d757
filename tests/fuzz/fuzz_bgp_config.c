// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: bgpa_config_parse() on arbitrary bytes.  Besides the
 * sanitizers, an accepted config must hold what the daemon relies on, and
 * a refusal must leave a zeroed config and a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "bgpa_config.h"

#define FUZZ_CHECK(x)                     \
	do {                              \
		if (!(x))                 \
			__builtin_trap(); \
	} while (0)

static bool fuzz_zeroed(const void *p, size_t size)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i])
			return false;
	return true;
}

static void fuzz_check(const struct bgpa_config *c)
{
	size_t i, j;

	FUZZ_CHECK(c->local_as && c->router_id);
	FUZZ_CHECK(c->hold_time == 0 || c->hold_time >= 3);
	FUZZ_CHECK(c->retry_min_ms <= c->retry_max_ms);
	FUZZ_CHECK(c->ctl_socket[0] == '/');
	FUZZ_CHECK(
		memchr(c->shutdown_message, '\0', sizeof(c->shutdown_message)));
	FUZZ_CHECK(c->n_peers >= 1 && c->n_peers <= BGPA_PEERS_MAX);
	for (i = 0; i < c->n_peers; i++) {
		const struct bgpa_cfg_peer *p = &c->peers[i];

		FUZZ_CHECK(p->family == AF_INET || p->family == AF_INET6);
		FUZZ_CHECK(p->remote_as && p->port);
		FUZZ_CHECK(p->hold_time == 0 || p->hold_time >= 3);
		FUZZ_CHECK(!p->has_local || p->local_family == p->family);
		FUZZ_CHECK(p->name[0] &&
			   memchr(p->name, '\0', sizeof(p->name)));
		FUZZ_CHECK(memchr(p->password, '\0', sizeof(p->password)));
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(p->name, c->peers[j].name) != 0);
	}
	FUZZ_CHECK(c->n_prefixes <= BGPA_PREFIXES_MAX);
	for (i = 0; i < c->n_prefixes; i++) {
		const struct bgpa_cfg_prefix *x = &c->prefixes[i];

		FUZZ_CHECK(x->pfx.afi == BGP_AFI_IPV4 ||
			   x->pfx.afi == BGP_AFI_IPV6);
		FUZZ_CHECK(x->pfx.len <=
			   (x->pfx.afi == BGP_AFI_IPV4 ? 32 : 128));
		FUZZ_CHECK(x->attrs.prepend <= BGPA_PREPEND_MAX);
		FUZZ_CHECK(x->attrs.n_comm <= BGPA_COMM_MAX);
		FUZZ_CHECK(x->attrs.n_large <= BGPA_LARGE_MAX);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgpa_config c;
	struct bgpa_config_error e;
	char msg[512];

	if (bgpa_config_parse((const char *)data, size, "fuzz.yaml", &c, &e) ==
	    0) {
		fuzz_check(&c);
		bgpa_config_free(&c);
		return 0;
	}
	FUZZ_CHECK(fuzz_zeroed(&c, sizeof(c)));
	FUZZ_CHECK(e.msg[0]);
	bgpa_config_error_format(&e, msg, sizeof(msg));
	return 0;
}
