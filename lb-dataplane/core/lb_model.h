/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_model - services and their reals as lbd sees them, kept in step with
 * the data plane (lb_dp).
 *
 * Changes are staged on the model and applied by lb_model_commit(), which
 * orders the map writes so that no packet ever sees a half-built state:
 *   1. reals that are usable after the change are written;
 *   2. each changed ring gets only its changed entries (a resized ring is
 *      built aside and swapped in with the service entry);
 *   3. reals that stop being usable are written (conn-table hits on them
 *      now choose again), and deleted services are unpublished;
 *   4. lb_dp_sync(): every program run that could have used the old state
 *      has finished when commit returns;
 *   5. ids of deleted reals, services and rings are released.
 * A real's id survives restarts (it is recorded in the pinned meta map),
 * so conn-table entries stay valid across lbd restarts.
 */
#ifndef LB_MODEL_H
#define LB_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "keel_maps.h"
#include "lb_dp.h"
#include "lb_htab.h"
#include "lb_maglev.h"

struct lb_real {
	uint32_t id;
	uint8_t family;
	__be32 addr[4];
	uint32_t weight;
	uint8_t state; /* enum keel_real_state */
	bool mac_ok;
	uint8_t mac[6];
	uint8_t smac[6];
	uint32_t ifindex;
	uint32_t gen;
	uint32_t ring_entries; /* its share of the service's ring (s->ring) */
	uint32_t ident; /* lb_maglev_ident(family, addr): the same on every LB */
	bool sorry; /* a sorry server: used only when no other real can be */
	bool deleted; /* staged for removal */
	bool dirty;
};

struct lb_service {
	struct keel_vip_key key;
	uint32_t svc_id;
	uint32_t ring_id;
	uint32_t ring_size;
	uint32_t flags; /* KEEL_SVC_F_* */
	uint32_t *ring; /* what the kernel's ring holds; NULL until published */
	uint8_t digest[LB_MAGLEV_DIGEST_BYTES]; /* of ring, if digest_ok */
	bool digest_ok; /* cleared whenever ring changes */
	uint32_t next_ring_size; /* staged resize, 0 if none */
	struct lb_real *reals;
	size_t n_reals, cap_reals;
	struct lb_htab idx; /* (family, addr) -> position in reals */
	bool published; /* its key is in the services map */
	bool deleted;
	bool dirty;
};

struct lb_model {
	struct lb_dp *dp;
	struct lb_service **svcs;
	size_t n_svcs;
	uint8_t real_used[KEEL_MAX_REALS];
	uint8_t svc_used[KEEL_MAX_SERVICES];
	uint8_t ring_used[KEEL_MAX_RINGS];
	/*
	 * Indexes, so that no lookup walks a list: services by key and by
	 * id, reals by address (in any service) and by id
	 * (svc_by_id[real_svc[id]]->reals[real_pos[id]]); each service
	 * indexes its own reals.
	 */
	struct lb_htab svc_idx; /* key -> svc_id */
	struct lb_htab addr_idx; /* (family, addr) -> real id */
	struct lb_service *svc_by_id[KEEL_MAX_SERVICES];
	uint16_t real_svc[KEEL_MAX_REALS];
	uint32_t real_pos[KEEL_MAX_REALS];
};

/* Figures from the last commit, for logs and tests. */
struct lb_commit_stats {
	uint32_t ring_entries_written;
	uint32_t reals_written;
	uint32_t services_changed;
};

/* Build the model from what the instance's pinned maps hold. */
int lb_model_init(struct lb_model *m, struct lb_dp *dp);
void lb_model_free(struct lb_model *m);

struct lb_service *lb_model_svc_find(struct lb_model *m,
				     const struct keel_vip_key *k);
/* ring_size 0: KEEL_RING_SIZE_DEFAULT.  -EEXIST, -EINVAL, -ENOSPC. */
int lb_model_svc_add(struct lb_model *m, const struct keel_vip_key *k,
		     uint32_t flags, uint32_t ring_size,
		     struct lb_service **out);
int lb_model_svc_set(struct lb_model *m, struct lb_service *s, uint32_t flags,
		     uint32_t ring_size);
int lb_model_svc_del(struct lb_model *m, struct lb_service *s);

struct lb_real *lb_model_real_find(struct lb_service *s, uint8_t family,
				   const __be32 addr[4]);
/* The real with this id (and its service), deleted or not; NULL if none. */
struct lb_real *lb_model_real_by_id(struct lb_model *m, uint32_t id,
				    struct lb_service **s);
/*
 * Every real at an address, in any service: the next one's id after
 * *cursor (start with LB_HTAB_START), or LB_HTAB_NONE.  Deleted reals
 * are included until the commit releases them.
 */
uint32_t lb_model_real_at(struct lb_model *m, uint8_t family,
			  const __be32 addr[4], uint32_t *cursor);
int lb_model_real_add(struct lb_model *m, struct lb_service *s, uint8_t family,
		      const __be32 addr[4], uint32_t weight,
		      struct lb_real **out);
void lb_model_real_set_weight(struct lb_service *s, struct lb_real *r,
			      uint32_t weight);
void lb_model_real_set_state(struct lb_service *s, struct lb_real *r,
			     uint8_t state);
/*
 * A sorry server takes the whole ring while none of the service's other
 * reals is selectable, and no slot otherwise; its flows stay with it
 * (usable) when the others come back.  Kept in the pinned meta map.
 */
void lb_model_real_set_sorry(struct lb_service *s, struct lb_real *r,
			     bool sorry);
/* mac NULL: unresolved (the real is not selected). */
void lb_model_real_set_mac(struct lb_service *s, struct lb_real *r,
			   const uint8_t mac[6], const uint8_t smac[6],
			   uint32_t ifindex);
void lb_model_real_del(struct lb_service *s, struct lb_real *r);

/* Does the real take new flows / keep its flows after the next commit? */
bool lb_real_usable(const struct lb_real *r);
bool lb_real_selectable(const struct lb_real *r);
/* The weight it takes new flows with now: 0 if not selectable, and for a
 * sorry server 0 while the others hold the ring. */
uint32_t lb_real_weight_now(const struct lb_real *r);

/*
 * The digest of the service's committed ring (lb_maglev_digest(), by the
 * reals' addresses, not their ids): equal on two LBs whose rings send
 * every slot to the same address.  Computed on the first ask after the
 * ring was built or adopted (0.5 ms at 65537 slots: lbd's start and
 * commits never pay it unless a peer asks), then cached.  0, or -ENOENT
 * before the first commit.
 */
int lb_model_ring_digest(struct lb_service *s,
			 uint8_t out[LB_MAGLEV_DIGEST_BYTES]);

int lb_model_commit(struct lb_model *m, struct lb_commit_stats *st);

#endif /* LB_MODEL_H */
