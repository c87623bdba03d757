// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_replay_parse() (lbd's replay file) on arbitrary bytes.  Beyond not
 * crashing: a refusal leaves nothing and says why; whatever it accepts,
 * restored into a table of its agents, dumps to text that parses back to
 * the same guards (numbers past 2^63 - 1 excepted: they are lowered), or
 * the guards would not survive a restart.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb_replay.h"

#define FUZZ_CHECK(x)            \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_replay_entry *e, *back;
	struct lb_agent_addr *a;
	struct lb_agents t = { 0 };
	size_t n, m, i;
	char err[256], *text;

	err[0] = '\0';
	if (lb_replay_parse((const char *)data, size, &e, &n, err,
			    sizeof(err))) {
		FUZZ_CHECK(!e && !n && err[0]);
		return 0;
	}
	a = calloc(n + 1, sizeof(*a));
	FUZZ_CHECK(a);
	for (i = 0; i < n; i++) {
		a[i].family = e[i].family;
		memcpy(a[i].addr, e[i].addr, sizeof(a[i].addr));
	}
	FUZZ_CHECK(lb_agents_rebuild(&t, a, n) == 0 && t.n == n);
	FUZZ_CHECK(lb_replay_restore(&t, e, n) == n);
	text = lb_replay_dump(&t);
	FUZZ_CHECK(text);
	FUZZ_CHECK(lb_replay_parse(text, strlen(text), &back, &m, err,
				   sizeof(err)) == 0);
	FUZZ_CHECK(m == n);
	/* Both sorted by address. */
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(back[i].family == e[i].family &&
			   !memcmp(back[i].addr, e[i].addr, 16));
		FUZZ_CHECK(back[i].g.v2 == e[i].g.v2 &&
			   back[i].g.boot == e[i].g.boot &&
			   back[i].g.last_seq == e[i].g.last_seq &&
			   !memcmp(back[i].g.boot_id, e[i].g.boot_id, 16));
	}
	free(back);
	free(text);
	free(a);
	free(e);
	lb_agents_free(&t);
	return 0;
}
