// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_state_file.c - the state file on disk: read whole and parsed, or
 * dumped and written atomically and durably (keel_file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_file.h"
#include "lb_state.h"

int lb_state_load(const char *path, struct lb_state *out, char *err,
		  size_t errlen)
{
	char *buf, why[160];
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	ret = keel_file_read(path, LB_STATE_MAX_BYTES, &buf, &len, NULL, why,
			     sizeof(why));
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s", why);
		return ret;
	}
	ret = lb_state_parse(buf, len, out, err, errlen);
	free(buf);
	return ret;
}

int lb_state_save(const char *path, const struct lb_state *st)
{
	char *text;
	size_t len;
	int ret;

	ret = lb_state_dump_text(st, &text);
	if (ret)
		return ret;
	/* The dump and a newline: one line for those who cat it. */
	len = strlen(text);
	text[len] = '\n';
	ret = keel_file_write_atomic(path, text, len + 1, 0640, true);
	free(text);
	return ret;
}
