/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* keel_probe_http - being written: refused until then. */
#include <errno.h>

#include "keel_probe_int.h"

static int http_start(struct keel_probe *p)
{
	(void)p;
	return -EOPNOTSUPP;
}

static void http_stop(struct keel_probe *p)
{
	(void)p;
}

const struct keel_probe_ops keel_probe_http_ops = {
	.start = http_start,
	.stop = http_stop,
};
