/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_ctl - bgp-announcer's control socket (docs/bgp-announcer.md,
 * "Control socket"): status, prefixes, reload.
 */
#ifndef BGPA_CTL_H
#define BGPA_CTL_H

#include <stddef.h>

struct bgpa;
struct keel_ctl_peer;

int bgpa_ctl_start(struct bgpa *b);
void bgpa_ctl_stop(struct bgpa *b);
/* status and prefixes need the read role, reload admin. */
char *bgpa_ctl_handle(struct bgpa *b, const struct keel_ctl_peer *peer,
		      const char *line, size_t len);

#endif /* BGPA_CTL_H */
