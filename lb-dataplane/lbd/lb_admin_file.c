// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * lb_admin_file.c - the state file in either version on disk: read and
 * parsed whole, version 2 written atomically and durably (keel_file).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "keel_file.h"
#include "lb_admin.h"

int lb_admin_load(const char *path, struct lb_state *st, struct lb_admin *a,
		  int *version, int64_t *mtime_ms, char *err, size_t errlen)
{
	struct stat sb;
	char *buf, why[160];
	size_t len;
	int ret;

	memset(st, 0, sizeof(*st));
	memset(a, 0, sizeof(*a));
	*version = 0;
	*mtime_ms = 0;
	if (err && errlen)
		err[0] = '\0';
	ret = keel_file_read(path, LB_STATE_MAX_BYTES, &buf, &len, &sb, why,
			     sizeof(why));
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s", why);
		return ret;
	}
	*mtime_ms = (int64_t)sb.st_mtim.tv_sec * 1000 +
		    sb.st_mtim.tv_nsec / 1000000;
	if (lb_admin_file_version(buf, len, version))
		*version = 1; /* v1's parser says what is wrong */
	if (*version == LB_STATE_V2) {
		ret = lb_admin_parse(buf, len, a, &st->site, err, errlen);
		if (!ret) {
			ret = lb_admin_overlay(a, st);
			if (ret)
				lb_admin_free(a);
		}
	} else {
		ret = lb_state_parse(buf, len, st, err, errlen);
	}
	free(buf);
	return ret;
}

int lb_admin_save(const char *path, const struct lb_admin *a,
		  const struct lb_state_site *site)
{
	char *text;
	size_t len;
	int ret;

	ret = lb_admin_dump_text(a, site, &text);
	if (ret)
		return ret;
	len = strlen(text);
	text[len] = '\n'; /* json_dumps left room for the NUL */
	ret = keel_file_write_atomic(path, text, len + 1, 0640, true);
	free(text);
	return ret;
}

int lb_admin_keep_v1(const char *path)
{
	char kept[PATH_MAX];
	int n;

	n = snprintf(kept, sizeof(kept), "%s.v1", path);
	if (n < 0 || (size_t)n >= sizeof(kept))
		return -ENAMETOOLONG;
	if (link(path, kept))
		return -errno;
	return 0;
}
