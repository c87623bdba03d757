/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_reload - a new configuration applied (SIGHUP, the control socket's
 * reload), and the prefix table's life: loaded, and released with each
 * prefix's gating.
 */
#ifndef BGPA_RELOAD_H
#define BGPA_RELOAD_H

#include <stddef.h>

struct bgpa;
struct bgpa_prefix;

/* 0, or -errno with errbuf filled (and logged); the old config stays. */
int bgpa_reload(struct bgpa *b, char *errbuf, size_t errlen);
/* The prefix table from b->cfg at start-up: 0 or -ENOMEM. */
int bgpa_rib_start(struct bgpa *b);
/* Prefixes dropped from the table: their probes stop, then freed. */
void bgpa_prefixes_release(struct bgpa_prefix *t, size_t n);

#endif /* BGPA_RELOAD_H */
