/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_state - what operators changed at run time, kept across restarts:
 * admin overrides per real (drain, down, weight), an overlay of
 * services and reals added or removed through the control socket, and
 * the site's maintenance switch (site drain).
 *
 * The file is JSON (docs/state-file.md): lb_state_codec.c parses and
 * dumps it (pure), lb_state_file.c reads it and writes it atomically
 * (keel_file_write_atomic: temporary file in the same directory, fsync,
 * rename, fsync of the directory), lb_state_edit.c edits it in memory.  A
 * file that does not parse or validate completely is refused as a whole:
 * never half-applied (lbd then does not start: docs/state-file.md).
 */
#ifndef LB_STATE_H
#define LB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "keel_ctl.h"
#include "keel_maps.h"

struct lb_state_real_ref {
	struct keel_vip_key svc;
	uint8_t family;
	__be32 addr[4];
};

struct lb_state_admin {
	struct lb_state_real_ref ref;
	bool drain;
	bool down;
	bool has_weight;
	uint32_t weight; /* 0..65535 */
};

struct lb_state_svc {
	struct keel_vip_key svc;
	uint32_t flags; /* KEEL_SVC_F_PERSISTENT */
	uint32_t ring_size; /* 0: default */
};

struct lb_state_real {
	struct lb_state_real_ref ref;
	uint32_t weight;
};

/*
 * The site drain: announcers withdraw every VIP while it is set; the data
 * plane is not affected.  All zero when the site is not drained.
 */
struct lb_state_site {
	bool drained;
	bool has_since;
	int64_t since; /* unix seconds when drained */
	char reason[KEEL_CTL_REASON_MAX]; /* "": none */
};

struct lb_state {
	struct lb_state_admin *admin;
	size_t n_admin;
	struct lb_state_svc *svc_added;
	size_t n_svc_added;
	struct keel_vip_key *svc_removed;
	size_t n_svc_removed;
	struct lb_state_real *real_added;
	size_t n_real_added;
	struct lb_state_real_ref *real_removed;
	size_t n_real_removed;
	struct lb_state_site site;
};

/*
 * Entry keys are compared field by field: struct lb_state_real_ref has
 * padding after family.  Stored keys are canonical (IPv4 in word 0, the
 * other words zero), so memcmp of the address words is exact.
 */
static inline int lb_state_ref_cmp(const struct lb_state_real_ref *a,
				   const struct lb_state_real_ref *b)
{
	int c = memcmp(&a->svc, &b->svc, sizeof(a->svc));

	if (c)
		return c;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

static inline struct keel_vip_key
lb_state_key_canon(const struct keel_vip_key *k)
{
	struct keel_vip_key c = *k;

	if (c.family == KEEL_F_INET)
		c.addr[1] = c.addr[2] = c.addr[3] = 0;
	return c;
}

static inline struct lb_state_real_ref
lb_state_ref_canon(const struct lb_state_real_ref *r)
{
	struct lb_state_real_ref c;

	memset(&c, 0, sizeof(c));
	c.svc = lb_state_key_canon(&r->svc);
	c.family = r->family;
	memcpy(c.addr, r->addr, r->family == KEEL_F_INET ? 4 : 16);
	return c;
}

/* Service keys are compared whole: struct keel_vip_key has no padding. */
static inline bool lb_state_key_eq(const struct keel_vip_key *a,
				   const struct keel_vip_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* r names the real (family, addr) of service k (r's padding not read). */
static inline bool lb_state_ref_eq(const struct lb_state_real_ref *r,
				   const struct keel_vip_key *k, uint8_t family,
				   const __be32 addr[4])
{
	return lb_state_key_eq(&r->svc, k) && r->family == family &&
	       memcmp(r->addr, addr, 16) == 0;
}

/* The largest state file read or parsed. */
#define LB_STATE_MAX_BYTES (16U << 20)

/*
 * Pure: parse len bytes (at most LB_STATE_MAX_BYTES); -EBADMSG with a
 * message in err on any defect, -ENOMEM.  On error out is left empty.
 */
int lb_state_parse(const char *buf, size_t len, struct lb_state *out, char *err,
		   size_t errlen);
/*
 * Pure: serialize; a malloc'd NUL-terminated string, or NULL (no memory,
 * or st holds what lb_state_parse() would refuse).
 */
char *lb_state_dump(const struct lb_state *st);
/* The same into *text (malloc'd): 0, -EINVAL (what parse would refuse) or
 * -ENOMEM; lb_state_save() writes it. */
int lb_state_dump_text(const struct lb_state *st, char **text);
/* Same entries in the same order (what a dump and parse keeps). */
bool lb_state_equal(const struct lb_state *a, const struct lb_state *b);
/*
 * Read path (-ENOENT if absent: an empty state; -EFBIG over 16 MiB,
 * -EINVAL if not a regular file) / write it atomically (-EINVAL if st
 * holds what parse would refuse).  Not for two threads at once.
 */
int lb_state_load(const char *path, struct lb_state *out, char *err,
		  size_t errlen);
int lb_state_save(const char *path, const struct lb_state *st);
void lb_state_free(struct lb_state *st);

/* Edits (return 0 or -ENOMEM); each keeps the lists minimal. */
struct lb_state_admin *lb_state_admin_get(struct lb_state *st,
					  const struct lb_state_real_ref *r,
					  bool create);
/* The admin override of a real, or NULL. */
const struct lb_state_admin *lb_state_find_admin(const struct lb_state *st,
						 const struct keel_vip_key *k,
						 uint8_t family,
						 const __be32 addr[4]);
/* Drop admin entries with nothing set. */
void lb_state_admin_compact(struct lb_state *st);
int lb_state_svc_add(struct lb_state *st, const struct lb_state_svc *s,
		     bool in_config);
int lb_state_svc_del(struct lb_state *st, const struct keel_vip_key *k,
		     bool in_config);
int lb_state_real_add(struct lb_state *st, const struct lb_state_real *r,
		      bool in_config);
int lb_state_real_del(struct lb_state *st, const struct lb_state_real_ref *r,
		      bool in_config);

#endif /* LB_STATE_H */
