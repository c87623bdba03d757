// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "keel_clock.h"
#include "keel_log.h"
#include "lb_dp.h"
#include "lb_neigh.h"
#include "keel_xdp.skel.h"

enum lb_dp_map {
	LB_MAP_SERVICES,
	LB_MAP_RINGS,
	LB_MAP_REALS,
	LB_MAP_REAL_META,
	LB_MAP_CONN,
	LB_MAP_TX_PORTS,
	LB_MAP_STATS,
	LB_MAP_SVC_STATS,
	LB_MAP_REAL_STATS,
	LB_MAP_HINT,
	LB_MAP_IF_MAC,
	LB_MAP_INFO,
	LB_MAP_CONFIG,
	LB_MAP_RATE,
	LB_MAP_SYNC_CFG, /* optional when opening: an older instance's */
	LB_MAP_SYNC_RING, /* pins lack the two (lb_dp_open_pins) */
	LB_MAP__MAX,
};

static const char *const lb_map_pins[LB_MAP__MAX] = {
	[LB_MAP_SERVICES] = KEEL_PIN_SERVICES,
	[LB_MAP_RINGS] = KEEL_PIN_RINGS,
	[LB_MAP_REALS] = KEEL_PIN_REALS,
	[LB_MAP_REAL_META] = KEEL_PIN_REAL_META,
	[LB_MAP_CONN] = KEEL_PIN_CONN,
	[LB_MAP_TX_PORTS] = KEEL_PIN_TX_PORTS,
	[LB_MAP_STATS] = KEEL_PIN_STATS,
	[LB_MAP_SVC_STATS] = KEEL_PIN_SVC_STATS,
	[LB_MAP_REAL_STATS] = KEEL_PIN_REAL_STATS,
	[LB_MAP_HINT] = KEEL_PIN_HINT,
	[LB_MAP_IF_MAC] = KEEL_PIN_IF_MAC,
	[LB_MAP_INFO] = KEEL_PIN_INFO,
	[LB_MAP_CONFIG] = KEEL_PIN_CONFIG,
	[LB_MAP_RATE] = KEEL_PIN_RATE,
	[LB_MAP_SYNC_CFG] = KEEL_PIN_SYNC_CFG,
	[LB_MAP_SYNC_RING] = KEEL_PIN_SYNC_RING,
};

/*
 * Pins of layout 1 whose shape changed in layout 2: adoption renames them
 * to <name>LB_DP_OLD_SUFFIX, loads the new maps, copies what is worth
 * keeping, then removes the renamed pins (lb_dp_migrate_*).
 */
#define LB_DP_OLD_SUFFIX "_layout1" /* bpffs refuses dots in names */
static const char *const lb_v1_changed[] = { KEEL_PIN_CONN, KEEL_PIN_STATS };
#define LB_V1_N (sizeof(lb_v1_changed) / sizeof(lb_v1_changed[0]))
/*
 * Layouts 1 and 2 -> 3: the rings' outer map, whose template was not
 * mmapable, is renamed so, and its rings are copied into mmapable ones.
 */
#define LB_DP_OLD_RINGS KEEL_PIN_RINGS "_layout2"

struct lb_dp {
	char dir[PATH_MAX - 64];
	int dirfd; /* the pin directory: unpins need no path above it */
	int prog_fd;
	int fd[LB_MAP__MAX];
	/*
	 * Each ring's map, kept open with the map id it had in keel_rings:
	 * reaching an inner map by id (BPF_MAP_GET_FD_BY_ID) needs
	 * CAP_SYS_ADMIN, which lbd drops after its start.
	 */
	int ring_fd[KEEL_MAX_RINGS];
	uint32_t ring_id[KEEL_MAX_RINGS];
	uint32_t ring_size[KEEL_MAX_RINGS]; /* entries */
	uint32_t *ring_mem[KEEL_MAX_RINGS]; /* its mapping, or NULL */
	int barrier_fd; /* lb_dp_sync()'s ring, -1 until the first */
	int ncpus;
	struct keel_xdp *skel; /* set when this process loaded the program */
};

static int lb_dp_alloc(const struct lb_dp_opts *o, struct lb_dp **out)
{
	const char *root = o && o->bpffs ? o->bpffs : LB_DP_BPFFS_DEFAULT;
	const char *inst = o && o->instance ? o->instance :
					      LB_DP_INSTANCE_DEFAULT;
	struct lb_dp *dp;
	int i, n;

	if (!*inst || strchr(inst, '/') || strcmp(inst, ".") == 0 ||
	    strcmp(inst, "..") == 0)
		return -EINVAL;
	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	n = snprintf(dp->dir, sizeof(dp->dir), "%s/keel/%s", root, inst);
	if (n < 0 || (size_t)n >= sizeof(dp->dir)) {
		free(dp);
		return -ENAMETOOLONG;
	}
	dp->prog_fd = -1;
	dp->dirfd = -1;
	for (i = 0; i < LB_MAP__MAX; i++)
		dp->fd[i] = -1;
	for (i = 0; i < KEEL_MAX_RINGS; i++)
		dp->ring_fd[i] = -1;
	dp->barrier_fd = -1;
	dp->ncpus = libbpf_num_possible_cpus();
	if (dp->ncpus <= 0) {
		n = dp->ncpus;
		free(dp);
		return n ? n : -EINVAL;
	}
	*out = dp;
	return 0;
}

static int lb_dp_path(const struct lb_dp *dp, const char *name, char *buf,
		      size_t size)
{
	int n = snprintf(buf, size, "%s/%s", dp->dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int lb_dp_mkdirs(const char *dir)
{
	char tmp[PATH_MAX];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int lb_dp_open_pins(struct lb_dp *dp, bool need_prog)
{
	char path[PATH_MAX];
	int i, err;

	dp->dirfd = open(dp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dp->dirfd < 0)
		return -errno;
	for (i = 0; i < LB_MAP__MAX; i++) {
		err = lb_dp_path(dp, lb_map_pins[i], path, sizeof(path));
		if (err)
			return err;
		dp->fd[i] = bpf_obj_get(path);
		/* Pair sync's maps came after layout 3: an instance that an
		 * older lbd loaded runs without them (sync stays off). */
		if (dp->fd[i] < 0 && errno == ENOENT &&
		    (i == LB_MAP_SYNC_CFG || i == LB_MAP_SYNC_RING))
			continue;
		if (dp->fd[i] < 0)
			return -errno;
	}
	/* Both or neither: a switch without its ring would lose records. */
	if ((dp->fd[LB_MAP_SYNC_CFG] < 0) != (dp->fd[LB_MAP_SYNC_RING] < 0)) {
		keel_log(LOG_ERR,
			 "%s: %s without %s: unload the instance, or "
			 "load it again (a load adds what is missing)",
			 dp->dir,
			 dp->fd[LB_MAP_SYNC_CFG] < 0 ? KEEL_PIN_SYNC_RING :
						       KEEL_PIN_SYNC_CFG,
			 dp->fd[LB_MAP_SYNC_CFG] < 0 ? KEEL_PIN_SYNC_CFG :
						       KEEL_PIN_SYNC_RING);
		return -EPROTO;
	}
	if (!need_prog)
		return 0;
	err = lb_dp_path(dp, LB_DP_PIN_PROG, path, sizeof(path));
	if (err)
		return err;
	dp->prog_fd = bpf_obj_get(path);
	return dp->prog_fd < 0 ? -errno : 0;
}

/* A pinned map's description, and its fd if fd is not NULL. */
static int lb_dp_pin_info(const struct lb_dp *dp, const char *name,
			  struct bpf_map_info *info, int *fd)
{
	uint32_t len = sizeof(*info);
	char path[PATH_MAX];
	int mfd, err;

	err = lb_dp_path(dp, name, path, sizeof(path));
	if (err)
		return err;
	mfd = bpf_obj_get(path);
	if (mfd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(mfd, info, &len)) {
		err = -errno;
		close(mfd);
		return err;
	}
	if (fd)
		*fd = mfd;
	else
		close(mfd);
	return 0;
}

static int lb_dp_old_name(const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", name, LB_DP_OLD_SUFFIX);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* An existing pinned conn table keeps its size: reuse needs equal maps. */
static int lb_dp_pinned_conn_size(struct lb_dp *dp, uint32_t *size)
{
	struct bpf_map_info info;
	char old[64];
	int err;

	err = lb_dp_pin_info(dp, KEEL_PIN_CONN, &info, NULL);
	if (err == -ENOENT && !lb_dp_old_name(KEEL_PIN_CONN, old, sizeof(old)))
		err = lb_dp_pin_info(dp, old, &info, NULL);
	if (!err)
		*size = info.max_entries;
	return err;
}

/* ------------------------------------------------------------------ */
/* Layout versions: adoption of maps pinned by an earlier keel         */

#define LB_DP_V1_COUNTERS 16 /* keel_stats entries in layout 1 */
#define LB_DP_BATCH 4096 /* entries per batch syscall */

/* Has this pinned map (one of lb_v1_changed) the shape of layout 1? */
static bool lb_dp_v1_shape(const char *name, const struct bpf_map_info *mi)
{
	if (!strcmp(name, KEEL_PIN_CONN))
		return mi->value_size == sizeof(struct keel_conn_v1);
	return mi->max_entries == LB_DP_V1_COUNTERS;
}

static int lb_dp_refuse(const struct lb_dp *dp, const char *pin,
			const char *why)
{
	keel_log(LOG_ERR,
		 "%s/%s: %s; this keel uses layout %d. Run the keel that "
		 "pinned these maps, or unload the instance (keel-xdp "
		 "--instance %s unload: every connection entry is lost) and "
		 "load again",
		 dp->dir, pin, why, KEEL_LAYOUT_VERSION,
		 strrchr(dp->dir, '/') + 1);
	return -EPROTO;
}

/*
 * The layout of the instance's pinned maps: 0 when nothing is pinned, 1
 * for layout 1 (or a migration from it left unfinished: renamed pins
 * remain), 2 while layout 2's rings are set aside, otherwise keel_info's
 * version.  -EPROTO (logged) for maps this
 * keel cannot tell.
 */
static int lb_dp_pinned_layout(struct lb_dp *dp, uint32_t *layout)
{
	struct bpf_map_info mi;
	uint32_t key = 0;
	char old[64], why[160];
	void *val;
	size_t i;
	int fd, err;

	for (i = 0; i < LB_V1_N; i++) {
		err = lb_dp_old_name(lb_v1_changed[i], old, sizeof(old));
		if (!err)
			err = lb_dp_pin_info(dp, old, &mi, NULL);
		if (!err) {
			*layout = 1;
			return 0;
		}
		if (err != -ENOENT)
			return err;
	}
	err = lb_dp_pin_info(dp, LB_DP_OLD_RINGS, &mi, NULL);
	if (err != -ENOENT) {
		*layout = 2;
		return err;
	}
	err = lb_dp_pin_info(dp, KEEL_PIN_INFO, &mi, &fd);
	if (err == 0) {
		val = mi.value_size >= sizeof(uint32_t) ?
			      calloc(1, mi.value_size) :
			      NULL;
		if (!val) {
			close(fd);
			return mi.value_size < sizeof(uint32_t) ?
				       lb_dp_refuse(dp, KEEL_PIN_INFO,
						    "a value too short for a "
						    "version") :
				       -ENOMEM;
		}
		err = bpf_map_lookup_elem(fd, &key, val) ? -errno : 0;
		close(fd);
		memcpy(layout, val, sizeof(*layout));
		free(val);
		/* Created by a load of this layout that stopped before
		 * writing it (a later layout writes its own at once). */
		if (!err && *layout == 0)
			*layout = KEEL_LAYOUT_VERSION;
		return err;
	}
	if (err != -ENOENT)
		return err;
	err = lb_dp_pin_info(dp, KEEL_PIN_CONN, &mi, NULL);
	if (err == -ENOENT) {
		*layout = 0;
		return 0;
	}
	if (err)
		return err;
	if (mi.key_size == sizeof(struct keel_flow) &&
	    mi.value_size == sizeof(struct keel_conn_v1)) {
		*layout = 1;
		return 0;
	}
	snprintf(why, sizeof(why),
		 "a conn table of %u-byte keys and %u-byte values without %s, "
		 "a layout this keel does not know",
		 mi.key_size, mi.value_size, KEEL_PIN_INFO);
	return lb_dp_refuse(dp, KEEL_PIN_CONN, why);
}

/*
 * Migration, step 1 (before the load): the pins whose shape changed step
 * aside, so that the load creates new maps under their names.  From
 * layout 1: keel_conn and keel_stats (unless they already have the new
 * shape: an earlier migration stopped after its load); from layouts 1
 * and 2: keel_rings (unless an earlier attempt set it aside already).
 * Every other map is adopted as it is.
 */
static int lb_dp_migrate_begin(struct lb_dp *dp, uint32_t layout)
{
	char path[PATH_MAX], opath[PATH_MAX], old[64];
	struct bpf_map_info mi;
	size_t i;
	int err;

	err = lb_dp_path(dp, KEEL_PIN_RINGS, path, sizeof(path));
	if (!err)
		err = lb_dp_path(dp, LB_DP_OLD_RINGS, opath, sizeof(opath));
	if (err)
		return err;
	if (access(opath, F_OK) && rename(path, opath) && errno != ENOENT)
		return -errno;
	for (i = 0; layout == 1 && i < LB_V1_N; i++) {
		const char *name = lb_v1_changed[i];

		err = lb_dp_pin_info(dp, name, &mi, NULL);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		if (!lb_dp_v1_shape(name, &mi))
			continue;
		err = lb_dp_old_name(name, old, sizeof(old));
		if (!err)
			err = lb_dp_path(dp, name, path, sizeof(path));
		if (!err)
			err = lb_dp_path(dp, old, opath, sizeof(opath));
		if (err)
			return err;
		if (access(opath, F_OK) == 0)
			return lb_dp_refuse(dp, old,
					    "two layout-1 copies of one map");
		if (rename(path, opath))
			return -errno;
	}
	return 0;
}

uint32_t lb_dp_seen_now(void)
{
	return keel_now_ns() >> KEEL_SEEN_SHIFT;
}

/*
 * Copy layout-1 conn entries into the new table, a batch at a time; they
 * get the current time as last seen.  BPF_ANY: a copy resumed after an
 * interrupted one rewrites what it finds with the old table's value.
 */
static int lb_dp_conn_copy_v1(int from, int to)
{
	LIBBPF_OPTS(bpf_map_batch_opts, lo);
	LIBBPF_OPTS(bpf_map_batch_opts, uo, .elem_flags = BPF_ANY);
	struct keel_conn_v1 *v1 = NULL;
	struct keel_conn *v2 = NULL;
	struct keel_flow *keys = NULL;
	uint32_t i, n, cnt, now = lb_dp_seen_now();
	uint64_t batch = 0;
	bool last = false, first = true;
	int err = 0;

	keys = calloc(LB_DP_BATCH, sizeof(*keys));
	v1 = calloc(LB_DP_BATCH, sizeof(*v1));
	v2 = calloc(LB_DP_BATCH, sizeof(*v2));
	if (!keys || !v1 || !v2) {
		err = -ENOMEM;
		goto out;
	}
	while (!last) {
		n = LB_DP_BATCH;
		if (bpf_map_lookup_batch(from, first ? NULL : &batch, &batch,
					 keys, v1, &n, &lo)) {
			if (errno != ENOENT) {
				err = -errno;
				goto out;
			}
			last = true;
		}
		first = false;
		for (i = 0; i < n; i++) {
			memset(&v2[i], 0, sizeof(v2[i]));
			v2[i].real_id = v1[i].real_id;
			v2[i].real_gen = v1[i].real_gen;
			v2[i].seen = now;
		}
		cnt = n;
		if (n && bpf_map_update_batch(to, keys, v2, &cnt, &uo)) {
			err = -errno;
			goto out;
		}
	}
out:
	free(keys);
	free(v1);
	free(v2);
	return err;
}

/* Layout-1 counters keep their values, but for a slot whose meaning changed. */
static int lb_dp_stats_copy_v1(struct lb_dp *dp, int from, int to)
{
	uint64_t *vals;
	uint32_t k;
	int err = 0;

	vals = calloc(dp->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (k = 0; k < LB_DP_V1_COUNTERS; k++) {
		if (k == KEEL_CNT_FLOW_RECORDED)
			continue;
		if (bpf_map_lookup_elem(from, &k, vals) ||
		    bpf_map_update_elem(to, &k, vals, BPF_ANY)) {
			err = -errno;
			break;
		}
	}
	free(vals);
	return err;
}

static int lb_dp_batch_count(int fd, uint32_t key_size, uint32_t value_size,
			     uint64_t *count);

static void lb_dp_ring_forget(struct lb_dp *dp, uint32_t ring_id);
static int lb_dp_ring_keep(struct lb_dp *dp, uint32_t ring_id, int fd,
			   uint32_t map_id, uint32_t size);
static int lb_dp_ring_new(uint32_t size, uint32_t *map_id);
static uint32_t *lb_dp_ring_entry(uint32_t *mem, uint32_t i);

/* A ring of layout 1 or 2 (not mmapable): its size entries into out. */
static int lb_dp_ring_read_old(int fd, uint32_t *out, uint32_t size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint32_t i, n, batch, *keys;
	int err = 0;

	keys = calloc(size, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < size;) {
		n = size - i;
		if (bpf_map_lookup_batch(fd, i ? &batch : NULL, &batch,
					 keys + i, out + i, &n, &bo) &&
		    errno != ENOENT) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		i += n;
	}
	if (!err && i != size)
		err = -EIO;
	free(keys);
	return err;
}

/*
 * Every ring of the set-aside outer map (from) into a new mmapable ring
 * in the same slot of the new one (to), entry for entry: the new program
 * chooses exactly as the old one did.  The barrier slot is lb_dp_sync()'s.
 */
static int lb_dp_rings_copy(struct lb_dp *dp, int from, int to,
			    uint32_t *copied)
{
	struct bpf_map_info info;
	uint32_t slot, j, map_id, len, *buf = NULL;
	int old = -1, fd = -1, err = 0;

	*copied = 0;
	for (slot = 0; slot < LB_DP_RING_BARRIER; slot++) {
		if (bpf_map_lookup_elem(from, &slot, &map_id)) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			break;
		}
		old = bpf_map_get_fd_by_id(map_id);
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (old < 0 || bpf_obj_get_info_by_fd(old, &info, &len)) {
			err = -errno;
			break;
		}
		free(buf);
		buf = malloc((size_t)info.max_entries * sizeof(*buf));
		err = buf ? lb_dp_ring_read_old(old, buf, info.max_entries) :
			    -ENOMEM;
		close(old);
		old = -1;
		if (err)
			break;
		fd = lb_dp_ring_new(info.max_entries, &map_id);
		if (fd < 0) {
			err = fd;
			break;
		}
		err = lb_dp_ring_keep(dp, slot, fd, map_id, info.max_entries);
		if (err)
			break;
		fd = -1; /* dp's now */
		for (j = 0; j < info.max_entries; j++)
			*lb_dp_ring_entry(dp->ring_mem[slot], j) = buf[j];
		__atomic_thread_fence(__ATOMIC_RELEASE);
		if (bpf_map_update_elem(to, &slot, &dp->ring_fd[slot],
					BPF_ANY)) {
			err = -errno;
			lb_dp_ring_forget(dp, slot);
			break;
		}
		(*copied)++;
	}
	if (old >= 0)
		close(old);
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

/*
 * Migration, step 2 (after the load, before any attach).  From layout 1:
 * copy the conn entries and counters out of the renamed maps, and record
 * the copied entries in keel_info.  From layouts 1 and 2: copy the rings.
 * Then record the layout and remove the renamed pins.  The old program
 * keeps forwarding with its own maps until lb_dp_attach() replaces it:
 * conn entries it creates after the copy read them are not in the new
 * table (layout 1 only: from layout 2 the conn table is adopted as it
 * is), so those flows are recorded again on their next packets (to the
 * same real unless the ring changed in between).
 */
static int lb_dp_migrate_finish(struct lb_dp *dp, uint32_t layout)
{
	int conn_fd = bpf_map__fd(dp->skel->maps.keel_conn);
	int stats_fd = bpf_map__fd(dp->skel->maps.keel_stats);
	int info_fd = bpf_map__fd(dp->skel->maps.keel_info);
	int rings_fd = bpf_map__fd(dp->skel->maps.keel_rings);
	struct keel_info info = { .layout = KEEL_LAYOUT_VERSION };
	char old[64], path[PATH_MAX];
	struct bpf_map_info mi;
	uint32_t key = 0, rings = 0;
	uint64_t kept = 0, t0_us;
	size_t i;
	int fd, err;

	t0_us = keel_now_us();
	for (i = 0; layout == 1 && i < LB_V1_N; i++) {
		const char *name = lb_v1_changed[i];

		err = lb_dp_old_name(name, old, sizeof(old));
		if (err)
			return err;
		err = lb_dp_pin_info(dp, old, &mi, &fd);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		if (!strcmp(name, KEEL_PIN_CONN))
			err = lb_dp_conn_copy_v1(fd, conn_fd);
		else
			err = lb_dp_stats_copy_v1(dp, fd, stats_fd);
		close(fd);
		if (err) {
			keel_log(LOG_ERR, "%s/%s: copying into layout %d: %s",
				 dp->dir, old, KEEL_LAYOUT_VERSION,
				 strerror(-err));
			return err;
		}
	}
	err = lb_dp_pin_info(dp, LB_DP_OLD_RINGS, &mi, &fd);
	if (!err) {
		err = lb_dp_rings_copy(dp, fd, rings_fd, &rings);
		close(fd);
		if (err) {
			keel_log(LOG_ERR, "%s/%s: copying into layout %d: %s",
				 dp->dir, LB_DP_OLD_RINGS, KEEL_LAYOUT_VERSION,
				 strerror(-err));
			return err;
		}
	} else if (err != -ENOENT) {
		return err;
	}
	if (layout == 1) {
		/* The new program has inserted nothing yet: what is there
		 * is ours. */
		err = lb_dp_batch_count(conn_fd, sizeof(struct keel_flow),
					sizeof(struct keel_conn), &kept);
		info.conn_user_inserts = kept;
	} else {
		/* Adopted as it is, with userspace's counts. */
		err = bpf_map_lookup_elem(info_fd, &key, &info) ? -errno : 0;
		info.layout = KEEL_LAYOUT_VERSION;
	}
	if (!err && bpf_map_update_elem(info_fd, &key, &info, BPF_ANY))
		err = -errno;
	if (err)
		return err;
	for (i = 0; i <= LB_V1_N; i++) {
		if (i < LB_V1_N)
			err = lb_dp_old_name(lb_v1_changed[i], old,
					     sizeof(old));
		else
			snprintf(old, sizeof(old), "%s", LB_DP_OLD_RINGS);
		if (!err)
			err = lb_dp_path(dp, old, path, sizeof(path));
		if (err)
			return err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	if (layout == 1)
		keel_log(LOG_NOTICE,
			 "%s: maps of layout 1 migrated to layout %d in %ld "
			 "ms, %llu connection entries kept, %u rings copied; "
			 "flows the old program records until the new one is "
			 "attached are recorded again on their next packets",
			 dp->dir, KEEL_LAYOUT_VERSION,
			 (long)((keel_now_us() - t0_us) / 1000),
			 (unsigned long long)kept, rings);
	else
		keel_log(LOG_NOTICE,
			 "%s: maps of layout %u migrated to layout %d in %ld "
			 "ms, %u rings copied; the connection table and every "
			 "other map adopted as they were",
			 dp->dir, layout, KEEL_LAYOUT_VERSION,
			 (long)((keel_now_us() - t0_us) / 1000), rings);
	return 0;
}

/*
 * A migration that failed puts the old layout back as it was (the maps it
 * created go), for the next attempt or for the old keel to run on.
 */
static void lb_dp_migrate_undo(struct lb_dp *dp, uint32_t layout)
{
	static const char *const created[] = {
		KEEL_PIN_HINT,	   KEEL_PIN_IF_MAC, KEEL_PIN_INFO,
		KEEL_PIN_CONFIG,   KEEL_PIN_RATE,   KEEL_PIN_SYNC_CFG,
		KEEL_PIN_SYNC_RING
	};
	char path[PATH_MAX], opath[PATH_MAX], old[64];
	size_t i;

	for (i = 0; i <= LB_V1_N; i++) {
		const char *name = i < LB_V1_N ? lb_v1_changed[i] :
						 KEEL_PIN_RINGS;

		if (i < LB_V1_N ? lb_dp_old_name(name, old, sizeof(old)) :
				  snprintf(old, sizeof(old), "%s",
					   LB_DP_OLD_RINGS) < 0)
			continue;
		if (lb_dp_path(dp, name, path, sizeof(path)) ||
		    lb_dp_path(dp, old, opath, sizeof(opath)) ||
		    access(opath, F_OK))
			continue;
		unlink(path);
		if (rename(opath, path))
			keel_log(LOG_ERR, "%s: putting %s back: %s", dp->dir,
				 old, strerror(errno));
	}
	for (i = 0; layout == 1 && i < sizeof(created) / sizeof(created[0]);
	     i++)
		if (!lb_dp_path(dp, created[i], path, sizeof(path)))
			unlink(path);
}

/* A new instance (or one whose load stopped early) records its layout. */
static int lb_dp_info_init(struct lb_dp *dp)
{
	int fd = bpf_map__fd(dp->skel->maps.keel_info);
	struct keel_info info;
	uint32_t key = 0;

	if (bpf_map_lookup_elem(fd, &key, &info))
		return -errno;
	if (info.layout == KEEL_LAYOUT_VERSION)
		return 0;
	info.layout = KEEL_LAYOUT_VERSION;
	return bpf_map_update_elem(fd, &key, &info, BPF_ANY) ? -errno : 0;
}

/* A map type's name for a message ("ringbuf"), or "unknown". */
static const char *lb_dp_map_type(uint32_t type)
{
	const char *name = libbpf_bpf_map_type_str(type);

	return name ? name : "unknown";
}

/*
 * Maps sized by the possible CPUs that hold nothing a restart needs: a
 * pinned one of another shape is dropped (the program running now keeps
 * its own) and the load makes a new one.  The hints; and the sync ring,
 * which an earlier keel made a BPF ring buffer (its records not drained
 * yet are lost: their flows are announced again, docs/pair.md).
 */
static int lb_dp_percpu_fit(struct lb_dp *dp, const char *pin, uint32_t type,
			    uint32_t flags, uint32_t value_size,
			    uint32_t per_cpu)
{
	struct bpf_map_info mi;
	char path[PATH_MAX];
	int err;

	err = lb_dp_pin_info(dp, pin, &mi, NULL);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (mi.type == type && (mi.map_flags & flags) == flags &&
	    mi.value_size == value_size &&
	    mi.max_entries == per_cpu * (uint32_t)dp->ncpus)
		return 0;
	err = lb_dp_path(dp, pin, path, sizeof(path));
	if (!err && unlink(path))
		err = -errno;
	if (!err && !strcmp(pin, KEEL_PIN_SYNC_RING))
		keel_log(LOG_NOTICE,
			 "%s/%s: a %s map of %u entries of %u bytes replaced "
			 "by this keel's per-CPU ring; records not drained "
			 "from it are announced again by their flows",
			 dp->dir, pin, lb_dp_map_type(mi.type), mi.max_entries,
			 mi.value_size);
	return err;
}

/*
 * The kernel adds BPF_F_RDONLY_PROG to every devmap it creates, so
 * libbpf's pinned-map compatibility check never matches one.  Adopt (or
 * pin) the devmap by hand: before load (before=true), then after it.
 */
static int lb_dp_reuse_devmap(struct lb_dp *dp, bool before)
{
	struct bpf_map *map = dp->skel->maps.keel_tx_ports;
	char path[PATH_MAX];
	int fd, err;

	err = lb_dp_path(dp, KEEL_PIN_TX_PORTS, path, sizeof(path));
	if (err)
		return err;
	if (!before)
		return access(path, F_OK) == 0 ? 0 : bpf_map__pin(map, path);
	err = bpf_map__set_pin_path(map, NULL);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = bpf_map__reuse_fd(map, fd);
	close(fd);
	return err;
}

/*
 * Pins live on a BPF filesystem.  Under `ip netns exec` /sys is a fresh
 * sysfs whose fs/bpf is an empty directory: say so, not "No such file".
 */
static int lb_dp_bpffs_check(const struct lb_dp_opts *o)
{
	const char *root = o && o->bpffs ? o->bpffs : LB_DP_BPFFS_DEFAULT;
	char path[PATH_MAX], *slash;
	struct statfs st;
	int err;

	/* The nearest existing directory: bpffs may name one to be made. */
	if (snprintf(path, sizeof(path), "%s", root) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	while (statfs(path, &st)) {
		err = -errno;
		slash = strrchr(path, '/');
		if (err != -ENOENT || !slash || slash == path) {
			keel_log(LOG_ERR, "bpffs %s: %s", root, strerror(-err));
			return err;
		}
		*slash = '\0';
	}
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	keel_log(
		LOG_ERR,
		"%s is not on a BPF filesystem: mount one (mount -t bpf bpf %s); under 'ip netns exec', /sys is remounted and hides /sys/fs/bpf: use 'nsenter --net=/run/netns/NAME' instead, or mount it in that view",
		root, path);
	return -EMEDIUMTYPE;
}

int lb_dp_load(const struct lb_dp_opts *o, struct lb_dp **out)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	char path[PATH_MAX];
	struct lb_dp *dp;
	uint32_t conn_size, layout = 0;
	bool migrating = false;
	int err;

	err = lb_dp_bpffs_check(o);
	if (err)
		return err;
	err = lb_dp_alloc(o, &dp);
	if (err)
		return err;
	err = lb_dp_mkdirs(dp->dir);
	if (err)
		goto out;
	/*
	 * A previous lbd gave the directory to the user it became
	 * (lb_dp_pin_owner): take it back, or root without CAP_DAC_OVERRIDE
	 * cannot replace the pins.  A failure shows at the first pin.
	 */
	if (chown(dp->dir, geteuid(), getegid())) {
		/* not ours to take: pinning says why */
	}
	err = lb_dp_pinned_layout(dp, &layout);
	if (!err && layout > KEEL_LAYOUT_VERSION) {
		char why[64];

		snprintf(why, sizeof(why), "pinned maps of layout %u", layout);
		err = lb_dp_refuse(dp, KEEL_PIN_INFO, why);
	}
	if (!err && layout && layout < KEEL_LAYOUT_VERSION) {
		migrating = true;
		err = lb_dp_migrate_begin(dp, layout);
	}
	if (err)
		goto out;
	oo.pin_root_path = dp->dir;
	dp->skel = keel_xdp__open_opts(&oo);
	if (!dp->skel) {
		err = -errno;
		goto out;
	}
	err = lb_dp_percpu_fit(dp, KEEL_PIN_HINT, BPF_MAP_TYPE_ARRAY, 0,
			       sizeof(struct keel_hint), KEEL_HINT_SLOTS);
	if (!err)
		err = lb_dp_percpu_fit(dp, KEEL_PIN_SYNC_RING,
				       BPF_MAP_TYPE_ARRAY, BPF_F_MMAPABLE,
				       sizeof(struct keel_sync_slot),
				       KEEL_SYNC_REGION);
	if (err)
		goto out;
	conn_size = o && o->conn_table_size ? o->conn_table_size :
					      KEEL_CONN_TABLE_SIZE;
	/* An adopted conn table keeps its size (and its entries). */
	(void)lb_dp_pinned_conn_size(dp, &conn_size);
	err = bpf_map__set_max_entries(dp->skel->maps.keel_conn, conn_size);
	if (!err)
		err = bpf_map__set_max_entries(dp->skel->maps.keel_hint,
					       KEEL_HINT_SLOTS * dp->ncpus);
	if (!err)
		err = bpf_map__set_max_entries(dp->skel->maps.keel_sync_ring,
					       KEEL_SYNC_REGION * dp->ncpus);
	if (err)
		goto out;
	err = lb_dp_reuse_devmap(dp, true);
	if (err)
		goto out;
	err = keel_xdp__load(dp->skel);
	if (err)
		goto out;
	err = lb_dp_reuse_devmap(dp, false);
	if (err)
		goto out;
	err = migrating ? lb_dp_migrate_finish(dp, layout) :
			  lb_dp_info_init(dp);
	if (err)
		goto out;
	migrating = false;
	err = lb_dp_path(dp, LB_DP_PIN_PROG, path, sizeof(path));
	if (err)
		goto out;
	/* A new program replaces the pinned one; attachments follow on
	 * the next lb_dp_attach(). */
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	err = bpf_program__pin(dp->skel->progs.keel_xdp, path);
	if (err)
		goto out;
	err = lb_dp_open_pins(dp, true);
out:
	if (err && migrating)
		lb_dp_migrate_undo(dp, layout);
	if (err) {
		lb_dp_close(dp);
		return err;
	}
	*out = dp;
	return 0;
}

int lb_dp_open(const struct lb_dp_opts *o, struct lb_dp **out)
{
	struct lb_dp *dp;
	uint32_t layout;
	int err;

	err = lb_dp_alloc(o, &dp);
	if (err)
		return err;
	err = lb_dp_pinned_layout(dp, &layout);
	if (!err && layout == 0)
		err = -ENOENT;
	if (!err && layout != KEEL_LAYOUT_VERSION) {
		keel_log(LOG_ERR,
			 "%s: pinned maps of layout %u, this keel uses %d: "
			 "%s",
			 dp->dir, layout, KEEL_LAYOUT_VERSION,
			 layout < KEEL_LAYOUT_VERSION ?
				 "loading this keel's program (keel-xdp load, "
				 "or starting lbd) migrates them" :
				 "run the keel that pinned them");
		err = -EPROTO;
	}
	if (!err)
		err = lb_dp_open_pins(dp, true);
	if (err) {
		lb_dp_close(dp);
		return err;
	}
	*out = dp;
	return 0;
}

void lb_dp_close(struct lb_dp *dp)
{
	int i;

	if (!dp)
		return;
	for (i = 0; i < LB_MAP__MAX; i++)
		if (dp->fd[i] >= 0)
			close(dp->fd[i]);
	for (i = 0; i < KEEL_MAX_RINGS; i++)
		lb_dp_ring_forget(dp, i);
	if (dp->barrier_fd >= 0)
		close(dp->barrier_fd);
	if (dp->prog_fd >= 0)
		close(dp->prog_fd);
	if (dp->dirfd >= 0)
		close(dp->dirfd);
	keel_xdp__destroy(dp->skel);
	free(dp);
}

int lb_dp_unpin(struct lb_dp *dp)
{
	const int n_old = LB_V1_N;
	char old[64];
	int i, err = 0;

	/* lb_dp_unload() opened no pins, hence no directory yet */
	if (dp->dirfd < 0) {
		dp->dirfd = open(dp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dp->dirfd < 0)
			return -errno;
	}
	for (i = 0; i <= LB_MAP__MAX + n_old; i++) {
		const char *name = i < LB_MAP__MAX ? lb_map_pins[i] :
						     LB_DP_PIN_PROG;

		/* and the pins an unfinished migration left aside */
		if (i > LB_MAP__MAX) {
			if (lb_dp_old_name(lb_v1_changed[i - LB_MAP__MAX - 1],
					   old, sizeof(old)))
				continue;
			name = old;
		}
		if (unlinkat(dp->dirfd, name, 0) && errno != ENOENT && !err)
			err = -errno;
	}
	if (unlinkat(dp->dirfd, LB_DP_OLD_RINGS, 0) && errno != ENOENT && !err)
		err = -errno;
	/* Its parent is root's: a process that dropped root leaves the
	 * empty directory (the next load uses it again). */
	if (rmdir(dp->dir) && errno != ENOENT && errno != EACCES && !err)
		err = -errno;
	return err;
}

int lb_dp_unload(const struct lb_dp_opts *o)
{
	struct lb_dp *dp;
	int err;

	err = lb_dp_alloc(o, &dp);
	if (err)
		return err;
	if (access(dp->dir, F_OK))
		err = -errno;
	else
		err = lb_dp_unpin(dp);
	lb_dp_close(dp);
	return err;
}

int lb_dp_pin_owner(struct lb_dp *dp, uid_t uid, gid_t gid)
{
	return fchown(dp->dirfd, uid, gid) ? -errno : 0;
}

const char *lb_dp_pin_dir(const struct lb_dp *dp)
{
	return dp->dir;
}

int lb_dp_prog_fd(const struct lb_dp *dp)
{
	return dp->prog_fd;
}

int lb_dp_map_fd(const struct lb_dp *dp, const char *pin_name)
{
	int i;

	for (i = 0; i < LB_MAP__MAX; i++)
		if (strcmp(lb_map_pins[i], pin_name) == 0)
			return dp->fd[i];
	return -ENOENT;
}

int lb_dp_tx_port_add(struct lb_dp *dp, int ifindex)
{
	uint32_t k = ifindex, v = ifindex;

	if (bpf_map_update_elem(dp->fd[LB_MAP_TX_PORTS], &k, &v, BPF_ANY))
		return -errno;
	return 0;
}

int lb_dp_if_mac_set(struct lb_dp *dp, int ifindex, const uint8_t mac[6])
{
	struct keel_if_mac v = {};
	uint32_t k = ifindex;

	memcpy(v.mac, mac, sizeof(v.mac));
	if (bpf_map_update_elem(dp->fd[LB_MAP_IF_MAC], &k, &v, BPF_ANY))
		return -errno;
	return 0;
}

int lb_dp_if_mac_del(struct lb_dp *dp, int ifindex)
{
	uint32_t k = ifindex;

	if (bpf_map_delete_elem(dp->fd[LB_MAP_IF_MAC], &k) && errno != ENOENT)
		return -errno;
	return 0;
}

int lb_dp_if_mac_refresh(struct lb_dp *dp, int ifindex)
{
	uint8_t mac[6];
	int err = lb_link_mac(ifindex, mac);

	/* No hardware address (not Ethernet): the guard stays off there. */
	if (err == -ENOENT)
		return lb_dp_if_mac_del(dp, ifindex);
	return err ? err : lb_dp_if_mac_set(dp, ifindex, mac);
}

int lb_dp_attach(struct lb_dp *dp, int ifindex, bool generic)
{
	uint32_t flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	int err;

	err = lb_dp_tx_port_add(dp, ifindex);
	if (!err)
		/* Before the program: its first packet knows the MAC. */
		err = lb_dp_if_mac_refresh(dp, ifindex);
	if (err)
		return err;
	/* Replaces any program already there (upgrade) in one step. */
	err = bpf_xdp_attach(ifindex, dp->prog_fd, flags, NULL);
	return err < 0 ? err : 0;
}

int lb_dp_detach(struct lb_dp *dp, int ifindex)
{
	uint32_t k = ifindex;
	int err, err2;

	/*
	 * Detaching a mode that has no program succeeds and does nothing, so
	 * both modes are always detached.
	 */
	err = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	err2 = bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL);
	if (!err)
		err = err2;
	if (bpf_map_delete_elem(dp->fd[LB_MAP_TX_PORTS], &k) &&
	    errno != ENOENT && !err)
		err = -errno;
	err2 = lb_dp_if_mac_del(dp, ifindex);
	if (!err)
		err = err2;
	return err < 0 ? err : 0;
}

int lb_dp_svc_update(struct lb_dp *dp, const struct keel_vip_key *k,
		     const struct keel_svc_info *v)
{
	if (bpf_map_update_elem(dp->fd[LB_MAP_SERVICES], k, v, BPF_ANY))
		return -errno;
	return 0;
}

int lb_dp_svc_delete(struct lb_dp *dp, const struct keel_vip_key *k)
{
	if (bpf_map_delete_elem(dp->fd[LB_MAP_SERVICES], k) && errno != ENOENT)
		return -errno;
	return 0;
}

int lb_dp_svc_foreach(struct lb_dp *dp,
		      int (*cb)(const struct keel_vip_key *,
				const struct keel_svc_info *, void *),
		      void *arg)
{
	struct keel_vip_key key, next;
	struct keel_svc_info info;
	void *prev = NULL;
	int err;

	while (bpf_map_get_next_key(dp->fd[LB_MAP_SERVICES], prev, &next) ==
	       0) {
		if (bpf_map_lookup_elem(dp->fd[LB_MAP_SERVICES], &next,
					&info) == 0) {
			err = cb(&next, &info, arg);
			if (err)
				return err;
		}
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}

/*
 * Rings are read and written through a shared mapping of their map
 * (KEEL_RING_MAP_FLAGS): entry i is the u32 at byte KEEL_RING_STRIDE * i.
 */
static uint32_t *lb_dp_ring_entry(uint32_t *mem, uint32_t i)
{
	return mem + (size_t)i * (KEEL_RING_STRIDE / sizeof(uint32_t));
}

static size_t lb_dp_ring_len(uint32_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((size_t)size * KEEL_RING_STRIDE + page - 1) / page * page;
}

static void lb_dp_ring_forget(struct lb_dp *dp, uint32_t ring_id)
{
	if (dp->ring_mem[ring_id])
		munmap(dp->ring_mem[ring_id],
		       lb_dp_ring_len(dp->ring_size[ring_id]));
	if (dp->ring_fd[ring_id] >= 0)
		close(dp->ring_fd[ring_id]);
	dp->ring_fd[ring_id] = -1;
	dp->ring_mem[ring_id] = NULL;
}

/* fd (a ring's map, size entries) is slot ring_id's from now on. */
static int lb_dp_ring_keep(struct lb_dp *dp, uint32_t ring_id, int fd,
			   uint32_t map_id, uint32_t size)
{
	void *mem;

	/* Populated at once: one call instead of a fault per page. */
	mem = mmap(NULL, lb_dp_ring_len(size), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	lb_dp_ring_forget(dp, ring_id);
	dp->ring_fd[ring_id] = fd;
	dp->ring_id[ring_id] = map_id;
	dp->ring_size[ring_id] = size;
	dp->ring_mem[ring_id] = mem;
	return 0;
}

/*
 * The ring in slot ring_id, mapped: the one kept when its map id is still
 * the slot's, else reached by id and kept (CAP_SYS_ADMIN: at start, or
 * after another process replaced the ring).  One syscall when kept.
 */
static int lb_dp_ring_get(struct lb_dp *dp, uint32_t ring_id)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info), map_id;
	int fd, err;

	if (ring_id >= KEEL_MAX_RINGS)
		return -EINVAL;
	if (bpf_map_lookup_elem(dp->fd[LB_MAP_RINGS], &ring_id, &map_id)) {
		err = -errno;
		if (err == -ENOENT)
			lb_dp_ring_forget(dp, ring_id);
		return err;
	}
	if (dp->ring_mem[ring_id] && dp->ring_id[ring_id] == map_id)
		return 0;
	fd = bpf_map_get_fd_by_id(map_id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if ((info.map_flags & KEEL_RING_MAP_FLAGS) != KEEL_RING_MAP_FLAGS)
		err = -EPROTO; /* the outer map's template refuses these */
	else
		err = lb_dp_ring_keep(dp, ring_id, fd, map_id,
				      info.max_entries);
	if (err)
		close(fd);
	return err;
}

/* A new, zeroed ring's map; its id in *map_id. */
static int lb_dp_ring_new(uint32_t size, uint32_t *map_id)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = KEEL_RING_MAP_FLAGS);
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "keel_ring", sizeof(uint32_t),
			    sizeof(uint32_t), size, &mo);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	*map_id = info.id;
	return fd;
}

int lb_dp_ring_create(struct lb_dp *dp, uint32_t ring_id, uint32_t size)
{
	uint32_t map_id;
	int fd, err;

	if (size == 0 || size > KEEL_RING_SIZE_MAX || ring_id >= KEEL_MAX_RINGS)
		return -EINVAL;
	fd = lb_dp_ring_new(size, &map_id);
	if (fd < 0)
		return fd;
	err = lb_dp_ring_keep(dp, ring_id, fd, map_id, size);
	if (err) {
		close(fd);
		return err;
	}
	if (bpf_map_update_elem(dp->fd[LB_MAP_RINGS], &ring_id, &fd, BPF_ANY)) {
		err = -errno;
		lb_dp_ring_forget(dp, ring_id);
	}
	return err;
}

int lb_dp_ring_delete(struct lb_dp *dp, uint32_t ring_id)
{
	if (ring_id >= KEEL_MAX_RINGS)
		return -EINVAL;
	if (bpf_map_delete_elem(dp->fd[LB_MAP_RINGS], &ring_id) &&
	    errno != ENOENT)
		return -errno;
	lb_dp_ring_forget(dp, ring_id);
	return 0;
}

int lb_dp_ring_size(struct lb_dp *dp, uint32_t ring_id, uint32_t *size)
{
	int err = lb_dp_ring_get(dp, ring_id);

	if (!err)
		*size = dp->ring_size[ring_id];
	return err;
}

/* The mapping of ring_id, which must hold at least size entries. */
static int lb_dp_ring_mem(struct lb_dp *dp, uint32_t ring_id, uint32_t size,
			  uint32_t **mem)
{
	int err = lb_dp_ring_get(dp, ring_id);

	if (err)
		return err;
	if (size > dp->ring_size[ring_id])
		return -EINVAL;
	*mem = dp->ring_mem[ring_id];
	return 0;
}

int lb_dp_ring_read(struct lb_dp *dp, uint32_t ring_id, uint32_t *out,
		    uint32_t size)
{
	uint32_t i, *mem;
	int err;

	err = lb_dp_ring_mem(dp, ring_id, size, &mem);
	if (err)
		return err;
	for (i = 0; i < size; i++)
		out[i] = __atomic_load_n(lb_dp_ring_entry(mem, i),
					 __ATOMIC_RELAXED);
	return 0;
}

/*
 * Each changed entry is one aligned 32-bit store, so a packet reads the
 * old or the new real id, never a mix.  The release fence orders them
 * before whatever the caller publishes next (the service entry of a new
 * ring, lb_model_commit()'s later map updates).
 */
int lb_dp_ring_write(struct lb_dp *dp, uint32_t ring_id, const uint32_t *cur,
		     const uint32_t *next, uint32_t size)
{
	uint32_t i, n = 0, *mem;
	int err;

	err = lb_dp_ring_mem(dp, ring_id, size, &mem);
	if (err)
		return err;
	for (i = 0; i < size; i++) {
		if (cur ? cur[i] == next[i] : next[i] == KEEL_REAL_NONE)
			continue;
		__atomic_store_n(lb_dp_ring_entry(mem, i), next[i],
				 __ATOMIC_RELAXED);
		n++;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return (int)n;
}

int lb_dp_real_write(struct lb_dp *dp, uint32_t id,
		     const struct keel_real_info *info,
		     const struct keel_real_meta *meta)
{
	if (id == KEEL_REAL_NONE || id >= KEEL_MAX_REALS)
		return -EINVAL;
	if (meta &&
	    bpf_map_update_elem(dp->fd[LB_MAP_REAL_META], &id, meta, BPF_ANY))
		return -errno;
	if (info &&
	    bpf_map_update_elem(dp->fd[LB_MAP_REALS], &id, info, BPF_ANY))
		return -errno;
	return 0;
}

int lb_dp_real_read(struct lb_dp *dp, uint32_t id, struct keel_real_info *info,
		    struct keel_real_meta *meta)
{
	if (id >= KEEL_MAX_REALS)
		return -EINVAL;
	if (meta && bpf_map_lookup_elem(dp->fd[LB_MAP_REAL_META], &id, meta))
		return -errno;
	if (info && bpf_map_lookup_elem(dp->fd[LB_MAP_REALS], &id, info))
		return -errno;
	return 0;
}

int lb_dp_sync(struct lb_dp *dp)
{
	uint32_t slot = LB_DP_RING_BARRIER, map_id;

	/*
	 * The kernel waits for an RCU grace period after every update of a
	 * map-in-map from a syscall (maybe_wait_bpf_programs()), so that
	 * userspace knows no program still uses what it replaced.  Putting
	 * the same 1-entry ring into the reserved slot again is enough: no
	 * map is created per barrier.
	 */
	if (dp->barrier_fd < 0) {
		dp->barrier_fd = lb_dp_ring_new(1, &map_id);
		if (dp->barrier_fd < 0)
			return dp->barrier_fd;
	}
	if (bpf_map_update_elem(dp->fd[LB_MAP_RINGS], &slot, &dp->barrier_fd,
				BPF_ANY))
		return -errno;
	return 0;
}

static int lb_dp_percpu_sum(struct lb_dp *dp, int map, uint32_t key,
			    uint64_t *out, int words)
{
	uint64_t *vals;
	int c, w, err = 0;

	vals = calloc((size_t)dp->ncpus * words, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(dp->fd[map], &key, vals)) {
		err = -errno;
		goto out;
	}
	memset(out, 0, words * sizeof(*out));
	for (c = 0; c < dp->ncpus; c++)
		for (w = 0; w < words; w++)
			out[w] += vals[c * words + w];
out:
	free(vals);
	return err;
}

/*
 * Keys [0, n) of a per-CPU array whose values are `words` 64-bit words,
 * summed over CPUs, in as few batched lookups as the kernel allows (one
 * syscall, not one per key: lbd reads thousands of reals' counters).
 */
static int lb_dp_percpu_sum_all(struct lb_dp *dp, int map, uint32_t n,
				uint64_t *out, int words)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	/* Read in chunks: n keys x every CPU at once was megabytes a second. */
	uint32_t i, got, batch, *keys, chunk = n < 1024 ? (n ? n : 1) : 1024;
	uint64_t *vals;
	int c, w, err = 0;

	keys = calloc(chunk, sizeof(*keys));
	vals = calloc((size_t)chunk * dp->ncpus * words, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	memset(out, 0, (size_t)n * words * sizeof(*out));
	for (i = 0; i < n;) {
		got = n - i < chunk ? n - i : chunk;
		if (bpf_map_lookup_batch(dp->fd[map], i ? &batch : NULL, &batch,
					 keys, vals, &got, &bo) &&
		    errno != ENOENT) {
			err = -errno;
			goto out;
		}
		if (got == 0)
			break;
		/* An array answers keys in order, from where it stopped. */
		for (uint32_t k = 0; k < got && keys[k] < n; k++)
			for (c = 0; c < dp->ncpus; c++)
				for (w = 0; w < words; w++)
					out[(size_t)keys[k] * words + w] +=
						vals[((size_t)k * dp->ncpus +
						      c) * words +
						     w];
		i += got;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int lb_dp_stats(struct lb_dp *dp, uint64_t out[KEEL_CNT__MAX])
{
	return lb_dp_percpu_sum_all(dp, LB_MAP_STATS, KEEL_CNT__MAX, out, 1);
}

int lb_dp_real_stats_all(struct lb_dp *dp, uint32_t n, struct keel_traffic *t)
{
	if (n > KEEL_MAX_REALS)
		return -EINVAL;
	return lb_dp_percpu_sum_all(dp, LB_MAP_REAL_STATS, n, (uint64_t *)t,
				    sizeof(*t) / sizeof(uint64_t));
}

int lb_dp_svc_stats_all(struct lb_dp *dp, uint32_t n, struct keel_traffic *t)
{
	if (n > KEEL_MAX_SERVICES)
		return -EINVAL;
	return lb_dp_percpu_sum_all(dp, LB_MAP_SVC_STATS, n, (uint64_t *)t,
				    sizeof(*t) / sizeof(uint64_t));
}

int lb_dp_svc_stats(struct lb_dp *dp, uint32_t svc_id, struct keel_traffic *t)
{
	return lb_dp_percpu_sum(dp, LB_MAP_SVC_STATS, svc_id, (uint64_t *)t,
				sizeof(*t) / sizeof(uint64_t));
}

int lb_dp_real_stats(struct lb_dp *dp, uint32_t id, struct keel_traffic *t)
{
	return lb_dp_percpu_sum(dp, LB_MAP_REAL_STATS, id, (uint64_t *)t,
				sizeof(*t) / sizeof(uint64_t));
}

int lb_dp_clear_stats(struct lb_dp *dp, bool svc, uint32_t id)
{
	int map = svc ? LB_MAP_SVC_STATS : LB_MAP_REAL_STATS;
	struct keel_traffic *zero;
	int err = 0;

	zero = calloc(dp->ncpus, sizeof(*zero));
	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(dp->fd[map], &id, zero, BPF_ANY))
		err = -errno;
	free(zero);
	return err;
}

int lb_dp_conn_capacity(struct lb_dp *dp, uint32_t *n)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(dp->fd[LB_MAP_CONN], &info, &len))
		return -errno;
	*n = info.max_entries;
	return 0;
}

/* Entries of a hash map, a batch of LB_DP_BATCH at a time. */
static int lb_dp_batch_count(int fd, uint32_t key_size, uint32_t value_size,
			     uint64_t *count)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	void *keys, *vals;
	uint64_t batch = 0;
	uint32_t n;
	bool first = true;
	int err = 0;

	*count = 0;
	keys = malloc((size_t)LB_DP_BATCH * key_size);
	vals = malloc((size_t)LB_DP_BATCH * value_size);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		n = LB_DP_BATCH;
		err = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch,
					   keys, vals, &n, &bo);
		if (err)
			err = -errno;
		*count += n;
		first = false;
		if (err)
			break;
	}
	if (err == -ENOENT)
		err = 0;
out:
	free(keys);
	free(vals);
	return err;
}

int lb_dp_conn_count(struct lb_dp *dp, uint64_t *n)
{
	return lb_dp_batch_count(dp->fd[LB_MAP_CONN], sizeof(struct keel_flow),
				 sizeof(struct keel_conn), n);
}

/*
 * A cursor is 1 << 32 | the bucket token: never 0 (the start), and a
 * peer's guess of any other shape is refused.
 */
#define LB_DP_CURSOR_TAG (1ULL << 32)
#define LB_DP_TOKEN_UNSET UINT32_MAX

int lb_dp_conn_page(struct lb_dp *dp, uint64_t cursor, struct keel_flow *keys,
		    struct keel_conn *vals, uint32_t max, uint32_t *n,
		    uint64_t *next, bool *end)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint32_t in = (uint32_t)cursor, out = LB_DP_TOKEN_UNSET, cnt = max;
	int err;

	*n = 0;
	*next = cursor;
	*end = false;
	if (!max || (cursor && cursor >> 32 != 1))
		return -EINVAL;
	if (bpf_map_lookup_batch(dp->fd[LB_MAP_CONN], cursor ? &in : NULL, &out,
				 keys, vals, &cnt, &bo)) {
		err = -errno;
		if (err != -ENOENT)
			return err;
		*end = true;
		/*
		 * A token past the last bucket returns before count and
		 * out are written: count is still max, and means nothing.
		 */
		if (out == LB_DP_TOKEN_UNSET)
			return 0;
	}
	*n = cnt;
	*next = *end ? 0 : LB_DP_CURSOR_TAG | out;
	return 0;
}

int lb_dp_conn_occupancy(struct lb_dp *dp, uint64_t *entries,
			 uint64_t *capacity)
{
	struct keel_info info;
	uint64_t inserts = 0, in;
	uint32_t key = 0, cap;
	int err;

	err = lb_dp_conn_capacity(dp, &cap);
	if (!err)
		err = lb_dp_percpu_sum(dp, LB_MAP_STATS, KEEL_CNT_CONN_INSERTS,
				       &inserts, 1);
	if (err)
		return err;
	if (bpf_map_lookup_elem(dp->fd[LB_MAP_INFO], &key, &info))
		return -errno;
	in = inserts + info.conn_user_inserts;
	in = in > info.conn_user_deletes ? in - info.conn_user_deletes : 0;
	/* An LRU map never holds more than max_entries (it evicts). */
	*entries = in < cap ? in : cap;
	*capacity = cap;
	return 0;
}

int lb_dp_conn_insert_cap(struct lb_dp *dp, uint32_t *cap)
{
	struct keel_config c;
	uint32_t key = 0;

	if (bpf_map_lookup_elem(dp->fd[LB_MAP_CONFIG], &key, &c))
		return -errno;
	*cap = c.conn_insert_cap;
	return 0;
}

int lb_dp_conn_insert_cap_set(struct lb_dp *dp, uint32_t cap)
{
	struct keel_config c;
	uint32_t key = 0;

	if (bpf_map_lookup_elem(dp->fd[LB_MAP_CONFIG], &key, &c))
		return -errno;
	c.conn_insert_cap = cap;
	if (bpf_map_update_elem(dp->fd[LB_MAP_CONFIG], &key, &c, BPF_ANY))
		return -errno;
	return 0;
}

int lb_dp_sync_get(struct lb_dp *dp, struct keel_sync_cfg *out)
{
	uint32_t key = 0;

	if (dp->fd[LB_MAP_SYNC_CFG] < 0)
		return -EOPNOTSUPP;
	return bpf_map_lookup_elem(dp->fd[LB_MAP_SYNC_CFG], &key, out) ?
		       -errno :
		       0;
}

int lb_dp_sync_set(struct lb_dp *dp, bool on, uint16_t reannounce)
{
	struct keel_sync_cfg c;
	uint32_t key = 0;
	int err;

	if (on && (!reannounce || reannounce > KEEL_SYNC_REANNOUNCE_MAX))
		return -EINVAL;
	err = lb_dp_sync_get(dp, &c);
	if (err)
		return err;
	c.flags = on ? KEEL_SYNC_F_ON : 0;
	c.reannounce = on ? reannounce : c.reannounce;
	if (bpf_map_update_elem(dp->fd[LB_MAP_SYNC_CFG], &key, &c, BPF_ANY))
		return -errno;
	return 0;
}

int lb_dp_sync_reader_open(struct lb_dp *dp, struct lb_dp_sync_reader *r)
{
	int fd = dp->fd[LB_MAP_SYNC_RING];
	struct bpf_map_info mi = {};
	uint32_t len = sizeof(mi);
	void *mem;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -EOPNOTSUPP;
	if (bpf_obj_get_info_by_fd(fd, &mi, &len))
		return -errno;
	if (mi.type != BPF_MAP_TYPE_ARRAY || !(mi.map_flags & BPF_F_MMAPABLE) ||
	    mi.value_size != sizeof(struct keel_sync_slot) ||
	    mi.max_entries != KEEL_SYNC_REGION * (uint32_t)dp->ncpus) {
		keel_log(LOG_ERR,
			 "%s/%s: a %s map of %u entries of %u bytes, not "
			 "this keel's per-CPU ring (an older keel loaded the "
			 "program): load it again (keel-xdp load), which "
			 "replaces the ring",
			 dp->dir, KEEL_PIN_SYNC_RING, lb_dp_map_type(mi.type),
			 mi.max_entries, mi.value_size);
		return -EPROTO;
	}
	r->len = (size_t)mi.max_entries * sizeof(struct keel_sync_slot);
	mem = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	r->mem = mem;
	r->ncpus = (uint32_t)dp->ncpus;
	return 0;
}

void lb_dp_sync_reader_close(struct lb_dp_sync_reader *r)
{
	if (r->mem)
		munmap(r->mem, r->len);
	memset(r, 0, sizeof(*r));
}

int lb_dp_sync_drain_region(struct keel_sync_slot *region,
			    struct keel_sync_ev *out, uint32_t max)
{
	uint64_t tail = region[KEEL_SYNC_TAIL].pos;
	/* Pairs with the program's publishing store (keel_sync_submit):
	 * the records below head are complete. */
	uint64_t head =
		__atomic_load_n(&region[KEEL_SYNC_HEAD].pos, __ATOMIC_ACQUIRE);
	uint32_t n = 0;

	if (head - tail > KEEL_SYNC_RING_SLOTS) {
		/* Not the program's: start again from its head. */
		__atomic_store_n(&region[KEEL_SYNC_TAIL].pos, head,
				 __ATOMIC_RELEASE);
		return -EBADMSG;
	}
	for (; tail != head && n < max; tail++)
		out[n++] = region[KEEL_SYNC_RECS +
				  (tail & (KEEL_SYNC_RING_SLOTS - 1))]
				   .ev;
	/* The slots are copied out before the program may reuse them. */
	__atomic_store_n(&region[KEEL_SYNC_TAIL].pos, tail, __ATOMIC_RELEASE);
	return (int)n;
}

int lb_dp_sync_drain(struct lb_dp_sync_reader *r, uint32_t cpu,
		     struct keel_sync_ev *out, uint32_t max)
{
	if (!r->mem || cpu >= r->ncpus)
		return -EINVAL;
	return lb_dp_sync_drain_region(r->mem + (size_t)cpu * KEEL_SYNC_REGION,
				       out, max);
}

int lb_dp_conn_apply(struct lb_dp *dp, const struct keel_sync_apply_rec *recs,
		     uint32_t n, uint16_t reannounce,
		     uint32_t res[KEEL_APPLY__MAX])
{
	struct keel_sync_apply_ctx ctx;
	uint64_t inserted = 0;
	uint32_t done, k;
	int fd, err = 0;
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx));

	memset(res, 0, KEEL_APPLY__MAX * sizeof(res[0]));
	if (!dp->skel)
		return -EOPNOTSUPP; /* opened, not loaded: no program */
	fd = bpf_program__fd(dp->skel->progs.keel_sync_apply);
	for (done = 0; done < n && !err; done += ctx.n) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.recs = (uint64_t)(uintptr_t)(recs + done);
		ctx.n = n - done < KEEL_SYNC_APPLY_MAX ? n - done :
							 KEEL_SYNC_APPLY_MAX;
		ctx.reannounce = reannounce ? reannounce : 1;
		ctx.active = 2;
		ctx.now = lb_dp_seen_now();
		if (bpf_prog_test_run_opts(fd, &o))
			err = -errno;
		else if (o.retval)
			err = -EIO;
		for (k = 0; !err && k < KEEL_APPLY__MAX; k++)
			res[k] += ctx.res[k];
		if (!err)
			inserted += ctx.res[KEEL_APPLY_INSERTED];
		if (!err && ctx.res[KEEL_APPLY_FAULT])
			err = -EFAULT;
	}
	if (inserted) {
		int e = lb_dp_conn_note_user(dp, inserted, 0);

		if (!err)
			err = e;
	}
	return err;
}

/* keel_info's one entry, read and written whole (one writer: lbd). */
static int lb_dp_info_get(struct lb_dp *dp, struct keel_info *info)
{
	uint32_t key = 0;

	return bpf_map_lookup_elem(dp->fd[LB_MAP_INFO], &key, info) ? -errno :
								      0;
}

static int lb_dp_info_put(struct lb_dp *dp, const struct keel_info *info)
{
	uint32_t key = 0;

	return bpf_map_update_elem(dp->fd[LB_MAP_INFO], &key, info, BPF_ANY) ?
		       -errno :
		       0;
}

int lb_dp_generation(struct lb_dp *dp, uint32_t *gen)
{
	struct keel_info info;
	int err = lb_dp_info_get(dp, &info);

	if (!err)
		*gen = info.generation;
	return err;
}

int lb_dp_generation_set(struct lb_dp *dp, uint32_t gen)
{
	struct keel_info info;
	int err = lb_dp_info_get(dp, &info);

	if (err)
		return err;
	info.generation = gen;
	return lb_dp_info_put(dp, &info);
}

int lb_dp_conn_note_user(struct lb_dp *dp, uint64_t inserted, uint64_t deleted)
{
	struct keel_info info;
	int err = lb_dp_info_get(dp, &info);

	if (err)
		return err;
	info.conn_user_inserts += inserted;
	info.conn_user_deletes += deleted;
	return lb_dp_info_put(dp, &info);
}
