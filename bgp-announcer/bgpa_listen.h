/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_listen - the BGP listeners (one per family, port listen_port) and
 * the peers' TCP-MD5 keys on them.
 */
#ifndef BGPA_LISTEN_H
#define BGPA_LISTEN_H

#include "bgpa_config.h"

struct bgpa;

/* Bind and listen (before the privileges drop): 0 or -errno. */
int bgpa_listen(struct bgpa *b);
/* The peer's key on its family's listener ("" removes it). */
void bgpa_listen_keys(struct bgpa *b, const struct bgpa_cfg_peer *c,
		      const char *key);
void bgpa_listen_free(struct bgpa *b);

#endif /* BGPA_LISTEN_H */
