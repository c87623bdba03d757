// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* The pure half of the pair's table digests (lb_pair_tab.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "lb_pair_tab.h"

int lb_pair_tab_share(const struct keel_sync_svc *svc,
		      const uint8_t digest[LB_MAGLEV_DIGEST_BYTES],
		      uint8_t share[LB_PAIR_TAB_GLOBAL_LEN])
{
	uint8_t in[KEEL_SYNC_SVC_LEN + LB_MAGLEV_DIGEST_BYTES];

	if (sodium_init() < 0)
		return -EIO;
	/* The key as it travels: address, port (big-endian), proto,
	 * family; both LBs hash the same bytes. */
	memcpy(in, svc->addr, 16);
	in[16] = (uint8_t)(svc->port >> 8);
	in[17] = (uint8_t)svc->port;
	in[18] = svc->proto;
	in[19] = svc->family;
	memcpy(in + KEEL_SYNC_SVC_LEN, digest, LB_MAGLEV_DIGEST_BYTES);
	crypto_generichash(share, LB_PAIR_TAB_GLOBAL_LEN, in, sizeof(in), NULL,
			   0);
	return 0;
}

void lb_pair_tab_xor(uint8_t global[LB_PAIR_TAB_GLOBAL_LEN],
		     const uint8_t share[LB_PAIR_TAB_GLOBAL_LEN])
{
	size_t i;

	for (i = 0; i < LB_PAIR_TAB_GLOBAL_LEN; i++)
		global[i] ^= share[i];
}

int lb_pair_tab_compare(const struct keel_sync_table *t,
			const struct keel_sync_table_real *reals, size_t n,
			const uint32_t *mine, uint32_t my_size,
			uint32_t *differ)
{
	struct lb_maglev_real *mr = NULL;
	uint32_t *table = NULL, *ident = NULL, d = 0, i;
	size_t k = 0, j;
	int err = 0;

	*differ = 0;
	if (t->ring_size != my_size) {
		*differ = my_size;
		return 0;
	}
	mr = calloc(n ? n : 1, sizeof(*mr));
	ident = calloc(n + 1, sizeof(*ident));
	table = calloc(my_size ? my_size : 1, sizeof(*table));
	if (!mr || !ident || !table) {
		err = -ENOMEM;
		goto out;
	}
	for (j = 0; j < n; j++) {
		const struct keel_sync_table_real *r = &reals[j];

		if (r->family != 4 && r->family != 6) {
			err = -EINVAL;
			goto out;
		}
		if (!r->selectable)
			continue;
		/* Identity = family + address, as lb_model builds rings. */
		mr[k].key[0] = r->family;
		memcpy(&mr[k].key[1], r->addr, 16);
		mr[k].key_len = 17;
		mr[k].weight = r->weight;
		mr[k].id = (uint32_t)k + 1;
		ident[k + 1] = lb_maglev_ident(mr[k].key, mr[k].key_len);
		k++;
	}
	err = lb_maglev_build(mr, k, my_size, table);
	if (err)
		goto out;
	for (i = 0; i < my_size; i++)
		if (ident[table[i]] != mine[i])
			d++;
	*differ = d;
out:
	free(mr);
	free(ident);
	free(table);
	return err;
}
