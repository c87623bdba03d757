// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_state_parse() on arbitrary bytes.  Beyond not crashing: whatever it
 * accepts must dump to text that parses back to an equal state and dumps
 * to the same text, or a saved state file would not survive a restart.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lb_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
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
		return 0;
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
	return 0;
}
