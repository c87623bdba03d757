// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The configuration loaders' file half: read, check the owner, parse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keel_file.h"
#include "keel_yaml.h"

int keel_yaml_load_file(const char *file, size_t max, keel_yaml_parse_fn parse,
			void *out, struct keel_yaml_error *err,
			struct stat *stp)
{
	struct keel_yaml_error scratch;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file);
	ret = keel_file_read(file, max, &buf, &len, &st, err->msg,
			     sizeof(err->msg));
	if (ret)
		return ret;
	if (stp)
		*stp = st;
	/* Whoever can write it runs the daemon: refuse before parsing. */
	ret = keel_file_check_config(&st, err->msg, sizeof(err->msg));
	if (ret)
		goto out;
	ret = parse(buf, len, file, out, err);
out:
	free(buf);
	return ret;
}
