/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_state_json - what the two versions of the state file share
 * (lb_state_codec.c, lb_admin_codec.c): the "site" member.  Pure.
 */
#ifndef LB_STATE_JSON_H
#define LB_STATE_JSON_H

#include <jansson.h>
#include "lb_state.h"

/* 0 or -EBADMSG with a message in err. */
int lb_state_site_from_json(json_t *v, struct lb_state_site *site, char *err,
			    size_t errlen);
/* Sets root's "site" while drained: 0, -EINVAL or -ENOMEM. */
int lb_state_site_to_json(const struct lb_state_site *site, json_t *root);

#endif /* LB_STATE_JSON_H */
