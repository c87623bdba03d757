/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* keel_probe_cmd - being written: refused until then. */
#include <errno.h>

#include "keel_probe_int.h"

static int cmd_start(struct keel_probe *p)
{
	(void)p;
	return -EOPNOTSUPP;
}

static void cmd_stop(struct keel_probe *p)
{
	(void)p;
}

const struct keel_probe_ops keel_probe_cmd_ops = {
	.start = cmd_start,
	.stop = cmd_stop,
};
