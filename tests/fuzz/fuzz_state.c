// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The state file's parsers on arbitrary bytes: lb_state_parse() (version
 * 1) and lb_admin_parse() (version 2, the pair's registers).  Beyond not
 * crashing: whatever one accepts must dump to text that parses back to
 * an equal state and dumps to the same text, or a saved state file would
 * not survive a restart; and the overlay that version 2's registers
 * imply must be a state version 1 can hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb_admin.h"
#include "lb_state.h"

static void fuzz_v1(const uint8_t *data, size_t size)
{
	struct lb_state st, back;
	char err[256], *text, *again;

	err[0] = '\0';
	if (lb_state_parse((const char *)data, size, &st, err, sizeof(err))) {
		/* Refused whole: nothing half-applied, and a reason given. */
		if (st.admin || st.svc_added || st.svc_removed ||
		    st.real_added || st.real_removed || st.n_admin ||
		    st.n_svc_added || st.n_svc_removed || st.n_real_added ||
		    st.n_real_removed || !err[0])
			abort();
		return;
	}
	text = lb_state_dump(&st);
	if (!text)
		abort();
	if (lb_state_parse(text, strlen(text), &back, err, sizeof(err)))
		abort();
	if (!lb_state_equal(&st, &back))
		abort();
	again = lb_state_dump(&back);
	if (!again || strcmp(text, again))
		abort();
	free(again);
	free(text);
	lb_state_free(&back);
	lb_state_free(&st);
}

static void fuzz_v2(const uint8_t *data, size_t size)
{
	struct lb_state_site site, site2;
	struct lb_admin a, back;
	struct lb_state ov;
	char err[256], *text, *again;

	err[0] = '\0';
	if (lb_admin_parse((const char *)data, size, &a, &site, err,
			   sizeof(err))) {
		if (a.svcs || a.n || a.n_regs || site.drained || !err[0])
			abort();
		return;
	}
	if (lb_admin_dump_text(&a, &site, &text))
		abort();
	if (lb_admin_parse(text, strlen(text), &back, &site2, err, sizeof(err)))
		abort();
	if (!lb_admin_equal(&a, &back) ||
	    memcmp(a.global, back.global, sizeof(a.global)))
		abort();
	if (lb_admin_dump_text(&back, &site2, &again) || strcmp(text, again))
		abort();
	memset(&ov, 0, sizeof(ov));
	if (lb_admin_overlay(&a, &ov))
		abort();
	free(again);
	again = lb_state_dump(&ov);
	if (!again)
		abort();
	free(again);
	free(text);
	lb_state_free(&ov);
	lb_admin_free(&back);
	lb_admin_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_v1(data, size);
	fuzz_v2(data, size);
	return 0;
}
