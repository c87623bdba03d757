// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* ra_boot: the agent's boot counter, raised and kept at every start. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keel_file.h"
#include "ra_boot.h"

int ra_boot_parse(const char *buf, size_t len, uint64_t *boot)
{
	uint64_t v = 0;
	size_t i;

	*boot = 0;
	if (len && buf[len - 1] == '\n')
		len--;
	/* One spelling: no sign, no blanks, no leading zero. */
	if (!len || len > 19 || buf[0] == '0')
		return -EBADMSG;
	for (i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EBADMSG;
		v = v * 10 + (uint64_t)(buf[i] - '0');
	}
	if (v > RA_BOOT_MAX)
		return -EBADMSG;
	*boot = v;
	return 0;
}

int ra_boot_next(const char *path, uint64_t now_s, uint64_t *boot,
		 enum ra_boot_found *found, char *aside, size_t asidelen,
		 char *msg, size_t msglen)
{
	enum ra_boot_found f = RA_BOOT_FOUND;
	char *buf = NULL, why[160], line[32];
	uint64_t last = 0;
	size_t len;
	int ret, n;

	if (msglen)
		msg[0] = '\0';
	if (asidelen)
		aside[0] = '\0';
	ret = keel_file_read(path, 64, &buf, &len, NULL, why, sizeof(why));
	if (ret == -ENOENT) {
		f = RA_BOOT_MISSING;
	} else if (ret || ra_boot_parse(buf, len, &last)) {
		if (!ret)
			snprintf(why, sizeof(why),
				 "not a number 1..%lld on one line",
				 (long long)RA_BOOT_MAX);
		f = RA_BOOT_BAD;
		last = 0;
		/* Kept for whoever looks into it; the clock takes over. */
		ret = keel_file_set_aside(path, (time_t)now_s, aside, asidelen);
		if (ret) {
			snprintf(
				msg, msglen,
				"boot counter %s: %s, and it cannot be kept aside: %s",
				path, why, strerror(-ret));
			goto out;
		}
		snprintf(msg, msglen, "boot counter %s: %s; kept as %s", path,
			 why, aside);
	}
	if (last >= RA_BOOT_MAX) {
		snprintf(msg, msglen, "boot counter %s: at its maximum", path);
		ret = -ERANGE;
		goto out;
	}
	*boot = last + 1 > now_s ? last + 1 : now_s;
	if (*boot > RA_BOOT_MAX)
		*boot = RA_BOOT_MAX;
	n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)*boot);
	ret = keel_file_write_atomic(path, line, (size_t)n, 0644, true);
	if (ret)
		snprintf(msg, msglen, "boot counter %s: cannot write it: %s",
			 path, strerror(-ret));
out:
	free(buf);
	if (found)
		*found = f;
	return ret;
}
