// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keel_prime.h"
#include "lb_maglev.h"
#include "lb_model.h"

/* id tables: 0 free, 1 in use, LB_ID_RELEASE freed after the next sync */
#define LB_ID_RELEASE 2

static int lb_id_alloc(uint8_t *used, uint32_t first, uint32_t limit)
{
	uint32_t i;

	for (i = first; i < limit; i++) {
		if (!used[i]) {
			used[i] = 1;
			return i;
		}
	}
	return -ENOSPC;
}

bool lb_real_usable(const struct lb_real *r)
{
	return !r->deleted && r->mac_ok && r->state != KEEL_RS_DOWN;
}

bool lb_real_selectable(const struct lb_real *r)
{
	return lb_real_usable(r) && r->weight > 0 &&
	       r->state != KEEL_RS_DRAINING;
}

uint32_t lb_real_weight_now(const struct lb_real *r)
{
	return lb_real_selectable(r) && (!r->sorry || r->ring_entries) ?
		       r->weight :
		       0;
}

static void lb_svc_free(struct lb_service *s)
{
	if (!s)
		return;
	free(s->ring);
	free(s->reals);
	lb_htab_free(&s->idx);
	free(s);
}

void lb_model_free(struct lb_model *m)
{
	size_t i;

	for (i = 0; i < m->n_svcs; i++)
		lb_svc_free(m->svcs[i]);
	free(m->svcs);
	m->svcs = NULL;
	m->n_svcs = 0;
	lb_htab_free(&m->svc_idx);
	lb_htab_free(&m->addr_idx);
	memset(m->svc_by_id, 0, sizeof(m->svc_by_id));
}

/* s's key and svc_id are set: it joins the model and its indexes. */
static int lb_model_push(struct lb_model *m, struct lb_service *s)
{
	struct lb_service **v;

	v = realloc(m->svcs, (m->n_svcs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->svcs = v;
	if (lb_htab_add(&m->svc_idx, lb_htab_hash_vip(&s->key), s->svc_id))
		return -ENOMEM;
	m->svcs[m->n_svcs++] = s;
	m->svc_by_id[s->svc_id] = s;
	return 0;
}

static struct lb_service *lb_model_svc_by_id(struct lb_model *m,
					     uint32_t svc_id)
{
	return svc_id < KEEL_MAX_SERVICES ? m->svc_by_id[svc_id] : NULL;
}

struct lb_service *lb_model_svc_find(struct lb_model *m,
				     const struct keel_vip_key *k)
{
	uint32_t cur = LB_HTAB_START, id;
	struct lb_service *s;

	while ((id = lb_htab_next(&m->svc_idx, lb_htab_hash_vip(k), &cur)) !=
	       LB_HTAB_NONE) {
		s = lb_model_svc_by_id(m, id);
		if (s && !s->deleted && memcmp(&s->key, k, sizeof(*k)) == 0)
			return s;
	}
	return NULL;
}

static struct lb_real *lb_svc_push_real(struct lb_service *s)
{
	struct lb_real *v;
	size_t cap;

	if (s->n_reals == s->cap_reals) {
		cap = s->cap_reals ? 2 * s->cap_reals : 8;
		v = realloc(s->reals, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->reals = v;
		s->cap_reals = cap;
	}
	memset(&s->reals[s->n_reals], 0, sizeof(*s->reals));
	return &s->reals[s->n_reals++];
}

/* The last real pushed on s (id, family, addr set) joins the indexes. */
static int lb_svc_index_last(struct lb_model *m, struct lb_service *s)
{
	uint32_t pos = s->n_reals - 1;
	const struct lb_real *r = &s->reals[pos];
	uint32_t h = lb_htab_hash_addr(r->family, r->addr);

	if (lb_htab_add(&s->idx, h, pos))
		return -ENOMEM;
	if (lb_htab_add(&m->addr_idx, h, r->id)) {
		lb_htab_del(&s->idx, h, pos);
		return -ENOMEM;
	}
	m->real_svc[r->id] = s->svc_id;
	m->real_pos[r->id] = pos;
	return 0;
}

/* After reals moved in s->reals: positions indexed anew. */
static void lb_svc_reindex(struct lb_model *m, struct lb_service *s)
{
	size_t j;

	/* No more entries than before: the table does not grow. */
	lb_htab_clear(&s->idx);
	for (j = 0; j < s->n_reals; j++) {
		const struct lb_real *r = &s->reals[j];

		lb_htab_add(&s->idx, lb_htab_hash_addr(r->family, r->addr), j);
		m->real_pos[r->id] = j;
	}
}

/* Each real's share of s->ring (for status: counted once per ring). */
static void lb_svc_count_shares(struct lb_service *s)
{
	static uint32_t n[KEEL_MAX_REALS];
	size_t i;

	for (i = 0; i < s->ring_size; i++)
		if (s->ring[i] < KEEL_MAX_REALS)
			n[s->ring[i]]++;
	for (i = 0; i < s->n_reals; i++) {
		s->reals[i].ring_entries = n[s->reals[i].id];
		n[s->reals[i].id] = 0;
	}
	/* Ids the ring names but s does not hold (never, after adoption's
	 * checks): cleared for the next service. */
	for (i = 0; i < s->ring_size; i++)
		if (s->ring[i] < KEEL_MAX_REALS)
			n[s->ring[i]] = 0;
}

/* The identity tag of a real, for digests (lb_maglev.h). */
static uint32_t lb_real_ident(uint8_t family, const __be32 addr[4])
{
	uint8_t key[17];

	key[0] = family;
	memcpy(&key[1], addr, 16);
	return lb_maglev_ident(key, sizeof(key));
}

/* s->digest of s->ring: once per built or adopted ring, on the first ask. */
static int lb_svc_digest(struct lb_service *s)
{
	static uint32_t ident[KEEL_MAX_REALS];
	size_t i;
	int err;

	for (i = 0; i < s->n_reals; i++)
		ident[s->reals[i].id] = s->reals[i].ident;
	err = lb_maglev_digest(s->ring, s->ring_size, s->flags, ident,
			       KEEL_MAX_REALS, s->digest);
	/* Cleared for the next service: an id another service holds is
	 * an empty slot here (never, after adoption's checks). */
	for (i = 0; i < s->n_reals; i++)
		ident[s->reals[i].id] = 0;
	return err;
}

int lb_model_ring_digest(struct lb_service *s,
			 uint8_t out[LB_MAGLEV_DIGEST_BYTES])
{
	int err;

	if (!s->ring)
		return -ENOENT;
	if (!s->digest_ok) {
		err = lb_svc_digest(s);
		if (err)
			return err;
		s->digest_ok = true;
	}
	memcpy(out, s->digest, LB_MAGLEV_DIGEST_BYTES);
	return 0;
}

static int lb_adopt_svc(const struct keel_vip_key *k,
			const struct keel_svc_info *info, void *arg)
{
	struct lb_model *m = arg;
	struct lb_service *s;
	uint32_t size;
	int err;

	if (info->flags & KEEL_SVC_F_ADDR_MARKER)
		return 0;
	if (info->svc_id >= KEEL_MAX_SERVICES ||
	    info->ring_id >= KEEL_MAX_RINGS || m->svc_used[info->svc_id] ||
	    m->ring_used[info->ring_id])
		return -EUCLEAN;
	err = lb_dp_ring_size(m->dp, info->ring_id, &size);
	if (err)
		return err;
	if (size != info->ring_size)
		return -EUCLEAN;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->key = *k;
	s->svc_id = info->svc_id;
	s->ring_id = info->ring_id;
	s->ring_size = info->ring_size;
	s->flags = info->flags;
	s->published = true;
	s->ring = malloc(size * sizeof(*s->ring));
	err = s->ring ? lb_dp_ring_read(m->dp, s->ring_id, s->ring, size) :
			-ENOMEM;
	if (!err)
		err = lb_model_push(m, s);
	if (err) {
		lb_svc_free(s);
		return err;
	}
	m->svc_used[s->svc_id] = 1;
	m->ring_used[s->ring_id] = 1;
	return 0;
}

static int lb_adopt_reals(struct lb_model *m)
{
	struct keel_real_info info;
	struct keel_real_meta meta;
	struct lb_service *s;
	struct lb_real *r;
	uint32_t id;
	int err;

	for (id = 1; id < KEEL_MAX_REALS; id++) {
		err = lb_dp_real_read(m->dp, id, &info, &meta);
		if (err)
			return err;
		if (!meta.family)
			continue;
		s = lb_model_svc_by_id(m, meta.svc_id);
		if (!s) {
			/* Left by a crash between unpublishing a service and
			 * releasing its reals: nothing can reach it. */
			memset(&meta, 0, sizeof(meta));
			info.flags = 0;
			err = lb_dp_real_write(m->dp, id, &info, &meta);
			if (err)
				return err;
			continue;
		}
		r = lb_svc_push_real(s);
		if (!r)
			return -ENOMEM;
		r->id = id;
		r->family = meta.family;
		memcpy(r->addr, meta.addr, sizeof(r->addr));
		r->weight = meta.weight;
		r->state = meta.state;
		r->sorry = meta.flags & KEEL_REAL_META_F_SORRY;
		memcpy(r->mac, info.dmac, 6);
		memcpy(r->smac, info.smac, 6);
		r->ifindex = info.ifindex;
		r->mac_ok = info.ifindex != 0;
		r->gen = info.gen;
		r->ident = lb_real_ident(r->family, r->addr);
		m->real_used[id] = 1;
		if (lb_svc_index_last(m, s))
			return -ENOMEM;
	}
	return 0;
}

int lb_model_init(struct lb_model *m, struct lb_dp *dp)
{
	size_t i;
	int err;

	memset(m, 0, sizeof(*m));
	m->dp = dp;
	m->real_used[KEEL_REAL_NONE] = 1;
	m->ring_used[LB_DP_RING_BARRIER] = 1;
	err = lb_dp_svc_foreach(dp, lb_adopt_svc, m);
	if (!err)
		err = lb_adopt_reals(m);
	if (err) {
		lb_model_free(m);
		return err;
	}
	for (i = 0; i < m->n_svcs; i++) {
		lb_svc_count_shares(m->svcs[i]);
		m->svcs[i]->digest_ok = false;
	}
	return 0;
}

static int lb_ring_size_check(uint32_t *size)
{
	if (*size == 0)
		*size = KEEL_RING_SIZE_DEFAULT;
	if (*size > KEEL_RING_SIZE_MAX || !keel_is_prime(*size))
		return -EINVAL;
	return 0;
}

int lb_model_svc_add(struct lb_model *m, const struct keel_vip_key *k,
		     uint32_t flags, uint32_t ring_size,
		     struct lb_service **out)
{
	struct lb_service *s;
	int svc_id, ring_id, err;

	if ((k->family != KEEL_F_INET && k->family != KEEL_F_INET6) ||
	    k->proto == KEEL_MARKER_PROTO || (flags & KEEL_SVC_F_ADDR_MARKER))
		return -EINVAL;
	if (k->family == KEEL_F_INET &&
	    (k->addr[1] || k->addr[2] || k->addr[3]))
		return -EINVAL;
	err = lb_ring_size_check(&ring_size);
	if (err)
		return err;
	if (lb_model_svc_find(m, k))
		return -EEXIST;
	/* No ring copy until its first commit: nothing reads it before. */
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	svc_id = lb_id_alloc(m->svc_used, 0, KEEL_MAX_SERVICES);
	ring_id = lb_id_alloc(m->ring_used, 0, KEEL_MAX_RINGS);
	err = svc_id < 0 ? svc_id : ring_id < 0 ? ring_id : 0;
	s->key = *k;
	s->svc_id = svc_id;
	if (!err)
		err = lb_model_push(m, s);
	if (err) {
		if (svc_id >= 0)
			m->svc_used[svc_id] = 0;
		if (ring_id >= 0)
			m->ring_used[ring_id] = 0;
		lb_svc_free(s);
		return err;
	}
	s->ring_id = ring_id;
	s->ring_size = ring_size;
	s->flags = flags;
	s->dirty = true;
	if (out)
		*out = s;
	return 0;
}

int lb_model_svc_set(struct lb_model *m, struct lb_service *s, uint32_t flags,
		     uint32_t ring_size)
{
	int err;

	(void)m;
	if (flags & KEEL_SVC_F_ADDR_MARKER)
		return -EINVAL;
	err = lb_ring_size_check(&ring_size);
	if (err)
		return err;
	if (ring_size != s->ring_size)
		s->next_ring_size = ring_size;
	if (flags != s->flags || s->next_ring_size)
		s->dirty = true;
	s->flags = flags;
	return 0;
}

int lb_model_svc_del(struct lb_model *m, struct lb_service *s)
{
	size_t i;

	(void)m;
	s->deleted = true;
	s->dirty = true;
	for (i = 0; i < s->n_reals; i++)
		lb_model_real_del(s, &s->reals[i]);
	return 0;
}

struct lb_real *lb_model_real_find(struct lb_service *s, uint8_t family,
				   const __be32 addr[4])
{
	uint32_t cur = LB_HTAB_START, pos;
	struct lb_real *r;

	while ((pos = lb_htab_next(&s->idx, lb_htab_hash_addr(family, addr),
				   &cur)) != LB_HTAB_NONE) {
		r = &s->reals[pos];
		if (!r->deleted && r->family == family &&
		    memcmp(r->addr, addr, 16) == 0)
			return r;
	}
	return NULL;
}

struct lb_real *lb_model_real_by_id(struct lb_model *m, uint32_t id,
				    struct lb_service **sp)
{
	struct lb_service *s;
	uint32_t pos;

	if (id == KEEL_REAL_NONE || id >= KEEL_MAX_REALS || !m->real_used[id])
		return NULL;
	s = lb_model_svc_by_id(m, m->real_svc[id]);
	pos = m->real_pos[id];
	if (!s || pos >= s->n_reals || s->reals[pos].id != id)
		return NULL;
	if (sp)
		*sp = s;
	return &s->reals[pos];
}

uint32_t lb_model_real_at(struct lb_model *m, uint8_t family,
			  const __be32 addr[4], uint32_t *cursor)
{
	const struct lb_real *r;
	uint32_t id;

	while ((id = lb_htab_next(&m->addr_idx, lb_htab_hash_addr(family, addr),
				  cursor)) != LB_HTAB_NONE) {
		r = lb_model_real_by_id(m, id, NULL);
		if (r && r->family == family && memcmp(r->addr, addr, 16) == 0)
			return id;
	}
	return LB_HTAB_NONE;
}

int lb_model_real_add(struct lb_model *m, struct lb_service *s, uint8_t family,
		      const __be32 addr[4], uint32_t weight,
		      struct lb_real **out)
{
	struct keel_real_info old;
	struct lb_real *r;
	int id, err;

	if (family != KEEL_F_INET && family != KEEL_F_INET6)
		return -EINVAL;
	if (lb_model_real_find(s, family, addr))
		return -EEXIST;
	id = lb_id_alloc(m->real_used, 1, KEEL_MAX_REALS);
	if (id < 0)
		return id;
	err = lb_dp_real_read(m->dp, id, &old, NULL);
	r = err ? NULL : lb_svc_push_real(s);
	if (!r) {
		m->real_used[id] = 0;
		return err ? err : -ENOMEM;
	}
	r->id = id;
	r->family = family;
	memcpy(r->addr, addr, 16);
	r->ident = lb_real_ident(family, addr);
	if (lb_svc_index_last(m, s)) {
		s->n_reals--;
		m->real_used[id] = 0;
		return -ENOMEM;
	}
	r->weight = weight;
	r->state = KEEL_RS_UNKNOWN;
	/* A new generation: conn entries left by the id's last owner will
	 * not match and are chosen again. */
	r->gen = old.gen + 1;
	r->dirty = true;
	s->dirty = true;
	if (out)
		*out = r;
	return 0;
}

void lb_model_real_set_weight(struct lb_service *s, struct lb_real *r,
			      uint32_t weight)
{
	if (r->weight == weight)
		return;
	r->weight = weight;
	r->dirty = s->dirty = true;
}

void lb_model_real_set_state(struct lb_service *s, struct lb_real *r,
			     uint8_t state)
{
	if (r->state == state)
		return;
	r->state = state;
	r->dirty = s->dirty = true;
}

void lb_model_real_set_sorry(struct lb_service *s, struct lb_real *r,
			     bool sorry)
{
	if (r->sorry == sorry)
		return;
	r->sorry = sorry;
	r->dirty = s->dirty = true;
}

void lb_model_real_set_mac(struct lb_service *s, struct lb_real *r,
			   const uint8_t mac[6], const uint8_t smac[6],
			   uint32_t ifindex)
{
	if (!mac) {
		if (!r->mac_ok)
			return;
		r->mac_ok = false;
		r->ifindex = 0;
	} else {
		if (r->mac_ok && !memcmp(r->mac, mac, 6) &&
		    !memcmp(r->smac, smac, 6) && r->ifindex == ifindex)
			return;
		memcpy(r->mac, mac, 6);
		memcpy(r->smac, smac, 6);
		r->ifindex = ifindex;
		r->mac_ok = true;
	}
	r->dirty = s->dirty = true;
}

void lb_model_real_del(struct lb_service *s, struct lb_real *r)
{
	r->deleted = true;
	r->dirty = s->dirty = true;
}

static int lb_real_write(struct lb_model *m, const struct lb_service *s,
			 const struct lb_real *r)
{
	struct keel_real_info info = {};
	struct keel_real_meta meta = {};

	memcpy(info.dmac, r->mac, 6);
	memcpy(info.smac, r->smac, 6);
	info.ifindex = r->mac_ok ? r->ifindex : 0;
	info.gen = r->gen;
	info.svc_id = s->svc_id;
	info.flags = lb_real_usable(r) ? KEEL_REAL_F_USABLE : 0;
	memcpy(meta.addr, r->addr, 16);
	meta.svc_id = s->svc_id;
	meta.weight = r->weight;
	meta.family = r->family;
	meta.state = r->state;
	meta.flags = r->sorry ? KEEL_REAL_META_F_SORRY : 0;
	return lb_dp_real_write(m->dp, r->id, &info, &meta);
}

static int lb_svc_build_ring(const struct lb_service *s, uint32_t size,
			     uint32_t *out)
{
	struct lb_maglev_real *mr;
	size_t i, n = 0;
	bool sorry;
	int err;

	mr = calloc(s->n_reals ? s->n_reals : 1, sizeof(*mr));
	if (!mr)
		return -ENOMEM;
	/* Sorry servers only when no other real is selectable. */
	for (i = 0; i < s->n_reals; i++)
		if (!s->reals[i].sorry && lb_real_selectable(&s->reals[i]))
			break;
	sorry = i == s->n_reals;
	for (i = 0; i < s->n_reals; i++) {
		const struct lb_real *r = &s->reals[i];

		if (!lb_real_selectable(r) || r->sorry != sorry)
			continue;
		/* Identity = family + address: the same on both LBs. */
		mr[n].key[0] = r->family;
		memcpy(&mr[n].key[1], r->addr, 16);
		mr[n].key_len = 17;
		mr[n].weight = r->weight;
		mr[n].id = r->id;
		n++;
	}
	err = lb_maglev_build(mr, n, size, out);
	free(mr);
	return err;
}

static struct keel_vip_key lb_marker_key(const struct keel_vip_key *k)
{
	struct keel_vip_key mk = {};

	memcpy(mk.addr, k->addr, sizeof(mk.addr));
	mk.family = k->family;
	mk.proto = KEEL_MARKER_PROTO;
	return mk;
}

static bool lb_addr_in_use(struct lb_model *m, const struct keel_vip_key *k)
{
	size_t i;

	for (i = 0; i < m->n_svcs; i++) {
		const struct lb_service *o = m->svcs[i];

		if (!o->deleted && o->key.family == k->family &&
		    memcmp(o->key.addr, k->addr, sizeof(k->addr)) == 0)
			return true;
	}
	return false;
}

/* Phase 2 for one service: its ring, then its entry in the services map. */
static int lb_svc_commit_ring(struct lb_model *m, struct lb_service *s,
			      struct lb_commit_stats *st, bool *need_sync)
{
	struct keel_svc_info info = {};
	uint32_t size = s->next_ring_size ? s->next_ring_size : s->ring_size;
	uint32_t *next = NULL;
	uint32_t ring_id = s->ring_id;
	bool fresh = !s->published || s->next_ring_size;
	int n, err;

	next = malloc(size * sizeof(*next));
	if (!next)
		return -ENOMEM;
	err = lb_svc_build_ring(s, size, next);
	if (err)
		goto out;
	if (fresh) {
		if (s->published) {
			n = lb_id_alloc(m->ring_used, 0, KEEL_MAX_RINGS);
			if (n < 0) {
				err = n;
				goto out;
			}
			ring_id = n;
		}
		err = lb_dp_ring_create(m->dp, ring_id, size);
		if (err)
			goto out;
	}
	n = lb_dp_ring_write(m->dp, ring_id, fresh ? NULL : s->ring, next,
			     size);
	if (n < 0) {
		err = n;
		goto out;
	}
	st->ring_entries_written += n;

	info.svc_id = s->svc_id;
	info.ring_id = ring_id;
	info.ring_size = size;
	info.flags = s->flags;
	/* One element update: readers see the old or the new service,
	 * ring and size always together. */
	err = lb_dp_svc_update(m->dp, &s->key, &info);
	if (err)
		goto out;
	if (s->published && ring_id != s->ring_id) {
		/* The old ring goes once no program can be using it. */
		m->ring_used[s->ring_id] = LB_ID_RELEASE;
		s->ring_id = ring_id;
		s->next_ring_size = 0;
		*need_sync = true;
	}
	s->published = true;
	s->ring_size = size;
	free(s->ring);
	s->ring = next;
	next = NULL;
	lb_svc_count_shares(s);
	s->digest_ok = false;
out:
	free(next);
	return err;
}

int lb_model_commit(struct lb_model *m, struct lb_commit_stats *stp)
{
	struct lb_commit_stats st = {};
	bool need_sync = false;
	size_t i, j, k;
	int err = 0;

	/* 1. Reals usable after the change. */
	for (i = 0; i < m->n_svcs; i++) {
		struct lb_service *s = m->svcs[i];

		if (!s->dirty || s->deleted)
			continue;
		st.services_changed++;
		for (j = 0; j < s->n_reals; j++) {
			struct lb_real *r = &s->reals[j];

			if (!r->dirty || !lb_real_usable(r))
				continue;
			err = lb_real_write(m, s, r);
			if (err)
				return err;
			r->dirty = false;
			st.reals_written++;
		}
	}
	/* 2. Rings and service entries. */
	for (i = 0; i < m->n_svcs; i++) {
		struct lb_service *s = m->svcs[i];

		if (!s->dirty || s->deleted)
			continue;
		err = lb_svc_commit_ring(m, s, &st, &need_sync);
		if (err)
			return err;
	}
	/* 3. Reals no longer usable; services going away. */
	for (i = 0; i < m->n_svcs; i++) {
		struct lb_service *s = m->svcs[i];

		if (!s->dirty)
			continue;
		if (s->deleted && s->published) {
			err = lb_dp_svc_delete(m->dp, &s->key);
			if (err)
				return err;
			s->published = false;
			need_sync = true;
		}
		for (j = 0; j < s->n_reals; j++) {
			struct lb_real *r = &s->reals[j];

			if (!r->dirty)
				continue;
			err = lb_real_write(m, s, r);
			if (err)
				return err;
			r->dirty = false;
			st.reals_written++;
			need_sync = true;
		}
	}
	/* 4. No program run that saw the old state is still going. */
	if (need_sync) {
		err = lb_dp_sync(m->dp);
		if (err)
			return err;
	}
	/* 5. Release what nothing can reach any more. */
	for (i = 0; i < KEEL_MAX_RINGS; i++) {
		if (m->ring_used[i] == LB_ID_RELEASE) {
			err = lb_dp_ring_delete(m->dp, i);
			if (err)
				return err;
			m->ring_used[i] = 0;
		}
	}
	for (i = 0; i < m->n_svcs;) {
		struct lb_service *s = m->svcs[i];

		/* Only a changed service can hold deleted reals. */
		if (!s->dirty && !s->deleted) {
			i++;
			continue;
		}
		for (j = 0, k = 0; j < s->n_reals; j++) {
			struct lb_real *r = &s->reals[j];

			if (r->deleted) {
				err = lb_dp_real_write(
					m->dp, r->id, NULL,
					&(struct keel_real_meta){});
				if (err)
					return err;
				m->real_used[r->id] = 0;
				lb_htab_del(&m->addr_idx,
					    lb_htab_hash_addr(r->family,
							      r->addr),
					    r->id);
				continue;
			}
			s->reals[k++] = *r;
		}
		if (k != s->n_reals) {
			s->n_reals = k;
			lb_svc_reindex(m, s);
		}
		if (s->deleted) {
			struct keel_vip_key mk = lb_marker_key(&s->key);

			err = lb_dp_ring_delete(m->dp, s->ring_id);
			if (err)
				return err;
			m->ring_used[s->ring_id] = 0;
			m->svc_used[s->svc_id] = 0;
			lb_htab_del(&m->svc_idx, lb_htab_hash_vip(&s->key),
				    s->svc_id);
			m->svc_by_id[s->svc_id] = NULL;
			m->svcs[i] = m->svcs[--m->n_svcs];
			if (!lb_addr_in_use(m, &mk)) {
				err = lb_dp_svc_delete(m->dp, &mk);
				if (err)
					return err;
			}
			lb_svc_free(s);
			continue;
		}
		if (s->dirty) {
			struct keel_vip_key mk = lb_marker_key(&s->key);
			struct keel_svc_info mi = {
				.flags = KEEL_SVC_F_ADDR_MARKER,
			};

			err = lb_dp_svc_update(m->dp, &mk, &mi);
			if (err)
				return err;
			s->dirty = false;
		}
		i++;
	}
	if (stp)
		*stp = st;
	return 0;
}
