/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Reals for Maglev tests and benchmarks: shared by both. */
#ifndef MAGLEV_FIXTURE_H
#define MAGLEV_FIXTURE_H

#include <string.h>
#include "keel_maps.h"
#include "lb_maglev.h"

/* Real i: family tag and IPv4 address 10.x.y.z, id i + 1. */
static inline void real_init(struct lb_maglev_real *r, uint32_t i,
			     uint32_t weight)
{
	memset(r, 0, sizeof(*r));
	r->key[0] = KEEL_F_INET;
	r->key[1] = 10;
	r->key[2] = i >> 16;
	r->key[3] = i >> 8;
	r->key[4] = i;
	r->key_len = 5;
	r->weight = weight;
	r->id = i + 1;
}

#endif
