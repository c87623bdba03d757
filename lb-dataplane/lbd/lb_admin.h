/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_admin - the pair's one admin truth (docs/pair.md, "One admin
 * truth"): every run-time change the state file keeps, except the site
 * drain, as per-field registers {value, stamp}:
 *   service: presence;
 *   real:    presence, drain, down, weight.
 * A stamp is (hlc, node) (keel_hlc.h).  A register takes a value only
 * from a higher stamp (last writer wins): merging is commutative and
 * idempotent, so two LBs that hold the same registers agree whatever the
 * order they saw them in.  Defaults with a stamp (tombstones) are kept,
 * so an older value cannot come back.
 *
 * lb_admin.c: the registers, local edits (lb_admin_track), merging,
 * the overlay they imply (a struct lb_state, v1's lists), the digests
 * (BLAKE2b, updated with each change) and keel_sync's wire registers.
 * lb_admin_codec.c: state file version 2 (docs/state-file.md) and the
 * migration from version 1.  lb_admin_file.c: the file on disk.  All
 * but the last are pure.
 */
#ifndef LB_ADMIN_H
#define LB_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keel_hlc.h"
#include "keel_maps.h"
#include "keel_sync.h"
#include "lb_state.h"

/* The values are keel_sync's: a register travels as it is. */
enum lb_admin_obj {
	LB_ADMIN_SERVICE = KEEL_SYNC_OBJ_SERVICE,
	LB_ADMIN_REAL = KEEL_SYNC_OBJ_REAL,
};

enum lb_admin_field {
	LB_ADMIN_PRESENCE = KEEL_SYNC_FIELD_PRESENCE,
	LB_ADMIN_DRAIN = KEEL_SYNC_FIELD_DRAIN,
	LB_ADMIN_DOWN = KEEL_SYNC_FIELD_DOWN,
	LB_ADMIN_WEIGHT = KEEL_SYNC_FIELD_WEIGHT,
};

enum lb_admin_presence {
	LB_ADMIN_CONFIG = KEEL_SYNC_PRESENCE_CONFIG, /* as the config says */
	LB_ADMIN_ADDED = KEEL_SYNC_PRESENCE_ADDED,
	LB_ADMIN_REMOVED = KEEL_SYNC_PRESENCE_REMOVED,
};

#define LB_ADMIN_WEIGHT_NONE KEEL_SYNC_WEIGHT_NONE /* no override */
#define LB_ADMIN_DIGEST_LEN 16 /* per service, BLAKE2b-128 */
#define LB_ADMIN_GLOBAL_LEN 32 /* all services */

/*
 * One register.  The key is (svc, object, family, addr, field); svc is
 * canonical (lb_state_key_canon), family and addr are the real's (zero
 * for a service).  value: presence, 0/1 (drain, down), a weight 0..65535
 * or LB_ADMIN_WEIGHT_NONE.  arg1: an added real's weight or an added
 * service's flags (KEEL_SVC_F_PERSISTENT); arg2: an added service's ring
 * size (0: default).  Other args are 0.
 */
struct lb_admin_reg {
	struct keel_vip_key svc;
	uint8_t object, field, family;
	__be32 addr[4];
	uint32_t value, arg1, arg2;
	struct keel_stamp at;
};

/* The registers of one service, sorted by (object, real, field). */
struct lb_admin_svc {
	struct keel_vip_key key;
	struct lb_admin_reg *regs;
	size_t n, cap;
	uint8_t digest[LB_ADMIN_DIGEST_LEN];
	uint8_t mix[LB_ADMIN_GLOBAL_LEN]; /* BLAKE2b-256(key, digest) */
};

struct lb_admin {
	struct lb_admin_svc *svcs; /* sorted by key */
	size_t n, cap;
	size_t n_regs;
	uint64_t hlc; /* the highest stamp issued or seen */
	/* XOR of every service's mix: one change costs one service. */
	uint8_t global[LB_ADMIN_GLOBAL_LEN];
};

void lb_admin_free(struct lb_admin *a);
/* Same registers (value and stamp) and hlc. */
bool lb_admin_equal(const struct lb_admin *a, const struct lb_admin *b);

/* The register under r's key, or NULL. */
const struct lb_admin_reg *lb_admin_get(const struct lb_admin *a,
					const struct lb_admin_reg *r);
/*
 * A register with its key, value and stamp within range (what a file or
 * a peer may send): 0 or -EBADMSG.
 */
int lb_admin_reg_check(const struct lb_admin_reg *r);

/*
 * Merge received (or read) registers: each replaces the one held only if
 * its stamp is higher.  a->hlc observes every stamp.  *changed (may be
 * NULL) is set if any register changed.  When prev is not NULL, the
 * versions replaced are appended to *prev (malloc'd, *n_prev grows; a
 * register that did not exist has at.node 0) for lb_admin_undo.  0,
 * -EBADMSG (a register that fails lb_admin_reg_check: nothing merged)
 * or -ENOMEM (a as it was when prev is given).
 */
int lb_admin_merge(struct lb_admin *a, const struct lb_admin_reg *regs,
		   size_t n, bool *changed, struct lb_admin_reg **prev,
		   size_t *n_prev);

/*
 * A local edit: make service svc's registers say what the overlay st
 * says for it (st being the state after an lb_state_* edit of that
 * service).  Registers that differ get one new stamp (keel_hlc_tick at
 * wall_ms, node) and are appended to *out (malloc'd, *n_out grows) for
 * the peers; their previous versions to *prev when prev is not NULL (a
 * register that did not exist has at.node 0), for lb_admin_undo.
 * 0 or -ENOMEM (a left as it was).
 */
int lb_admin_track(struct lb_admin *a, const struct lb_state *st,
		   const struct keel_vip_key *svc, uint16_t node,
		   uint64_t wall_ms, struct lb_admin_reg **out, size_t *n_out,
		   struct lb_admin_reg **prev);
/* Put back what lb_admin_track or lb_admin_merge changed (their prev). */
void lb_admin_undo(struct lb_admin *a, const struct lb_admin_reg *prev,
		   size_t n);

/*
 * The overlay the registers imply, as v1's lists (site left alone):
 * presence added/removed -> services_/reals_added/removed, drain, down
 * and weight -> admin[].  Registers under a removed service, or of a
 * removed real, have no effect (orphans of concurrent edits).  The lists
 * are sorted.  0 or -ENOMEM.
 */
int lb_admin_overlay(const struct lb_admin *a, struct lb_state *st);
/*
 * Migration from a v1 state: each entry becomes its registers, all
 * stamped at (docs/state-file.md: [file mtime, 0, own node]).
 */
int lb_admin_from_state(struct lb_admin *a, const struct lb_state *st,
			struct keel_stamp at);
/* At start: last = max(persisted, wall << 16). */
void lb_admin_clock_start(struct lb_admin *a, uint64_t wall_ms);

/* ---- anti-entropy (docs/pair.md) ---- */

/* The digest of service k's registers; false if it has none. */
bool lb_admin_svc_digest(const struct lb_admin *a, const struct keel_vip_key *k,
			 uint8_t out[LB_ADMIN_DIGEST_LEN]);
/* Every service's digest, in key order, for DIGESTS: how many (<= max). */
size_t lb_admin_digests(const struct lb_admin *a, struct keel_sync_digest *out,
			size_t max);
/*
 * The registers of the n services keys (ADMIN REPLY), appended to *out
 * (malloc'd): 0 or -ENOMEM.  Keys without registers add nothing.
 */
int lb_admin_svc_regs(const struct lb_admin *a, const struct keel_vip_key *keys,
		      size_t n, struct lb_admin_reg **out, size_t *n_out);

/* ---- keel_sync's ADMIN registers ---- */
void lb_admin_to_sync(const struct lb_admin_reg *r, struct keel_sync_reg *w);
/* 0 or -EBADMSG (lb_admin_reg_check's rules). */
int lb_admin_from_sync(const struct keel_sync_reg *w, struct lb_admin_reg *r);
struct keel_vip_key lb_admin_key_from_sync(const struct keel_sync_svc *s);
struct keel_sync_svc lb_admin_key_to_sync(const struct keel_vip_key *k);

/* ---- state file version 2 (lb_admin_codec.c, pure) ---- */

#define LB_STATE_V2 2

/*
 * Which version buf holds (1 or 2): 0, or -EBADMSG when it is neither a
 * JSON object nor has an integer version (lb_state_parse says why).
 */
int lb_admin_file_version(const char *buf, size_t len, int *version);
/*
 * Parse a version 2 file: the registers into *a, the site into *site.
 * -EBADMSG with a message in err (the whole file refused), -ENOMEM.
 */
int lb_admin_parse(const char *buf, size_t len, struct lb_admin *a,
		   struct lb_state_site *site, char *err, size_t errlen);
/*
 * Serialize (malloc'd into *text): 0, -EINVAL, -ENOMEM, or -ENOSPC for
 * more services or reals than lb_admin_parse() takes (the change that
 * made them is refused).
 */
int lb_admin_dump_text(const struct lb_admin *a,
		       const struct lb_state_site *site, char **text);

/* ---- the file (lb_admin_file.c) ---- */

/*
 * Read the state file in either version.  Version 1: st holds it, a is
 * empty; version 2: a holds the registers and st their overlay and the
 * site.  *mtime_ms: the file's modification time (for the migration).
 * -ENOENT if absent; other errors as lb_state_load.
 */
int lb_admin_load(const char *path, struct lb_state *st, struct lb_admin *a,
		  int *version, int64_t *mtime_ms, char *err, size_t errlen);
/* Write version 2 atomically. */
int lb_admin_save(const char *path, const struct lb_admin *a,
		  const struct lb_state_site *site);
/*
 * Keep the version 1 file once as "<path>.v1" (a hard link: the next
 * save replaces path, not it): 0, or -EEXIST if one is kept already.
 */
int lb_admin_keep_v1(const char *path);

#endif /* LB_ADMIN_H */
