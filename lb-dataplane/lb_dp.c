// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lb_dp.h"
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
};

struct lb_dp {
	char dir[PATH_MAX - 64];
	int prog_fd;
	int fd[LB_MAP__MAX];
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
	for (i = 0; i < LB_MAP__MAX; i++)
		dp->fd[i] = -1;
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

	for (i = 0; i < LB_MAP__MAX; i++) {
		err = lb_dp_path(dp, lb_map_pins[i], path, sizeof(path));
		if (err)
			return err;
		dp->fd[i] = bpf_obj_get(path);
		if (dp->fd[i] < 0)
			return -errno;
	}
	if (!need_prog)
		return 0;
	err = lb_dp_path(dp, LB_DP_PIN_PROG, path, sizeof(path));
	if (err)
		return err;
	dp->prog_fd = bpf_obj_get(path);
	return dp->prog_fd < 0 ? -errno : 0;
}

/* An existing pinned conn table keeps its size: reuse needs equal maps. */
static int lb_dp_pinned_conn_size(struct lb_dp *dp, uint32_t *size)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	err = lb_dp_path(dp, KEEL_PIN_CONN, path, sizeof(path));
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		err = -errno;
	else
		*size = info.max_entries;
	close(fd);
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

int lb_dp_load(const struct lb_dp_opts *o, struct lb_dp **out)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	char path[PATH_MAX];
	struct lb_dp *dp;
	uint32_t conn_size;
	int err;

	err = lb_dp_alloc(o, &dp);
	if (err)
		return err;
	err = lb_dp_mkdirs(dp->dir);
	if (err)
		goto out;
	oo.pin_root_path = dp->dir;
	dp->skel = keel_xdp__open_opts(&oo);
	if (!dp->skel) {
		err = -errno;
		goto out;
	}
	conn_size = o && o->conn_table_size ? o->conn_table_size :
					      KEEL_CONN_TABLE_SIZE;
	/* An adopted conn table keeps its size (and its entries). */
	(void)lb_dp_pinned_conn_size(dp, &conn_size);
	err = bpf_map__set_max_entries(dp->skel->maps.keel_conn, conn_size);
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
	int err;

	err = lb_dp_alloc(o, &dp);
	if (err)
		return err;
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
	if (dp->prog_fd >= 0)
		close(dp->prog_fd);
	keel_xdp__destroy(dp->skel);
	free(dp);
}

int lb_dp_unpin(struct lb_dp *dp)
{
	char path[PATH_MAX];
	int i, err = 0;

	for (i = 0; i <= LB_MAP__MAX; i++) {
		const char *name = i < LB_MAP__MAX ? lb_map_pins[i] :
						     LB_DP_PIN_PROG;

		if (lb_dp_path(dp, name, path, sizeof(path)) == 0 &&
		    unlink(path) && errno != ENOENT && !err)
			err = -errno;
	}
	if (rmdir(dp->dir) && errno != ENOENT && !err)
		err = -errno;
	return err;
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

int lb_dp_attach(struct lb_dp *dp, int ifindex, bool generic)
{
	uint32_t flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	int err;

	err = lb_dp_tx_port_add(dp, ifindex);
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

static int lb_dp_ring_fd(struct lb_dp *dp, uint32_t ring_id)
{
	uint32_t map_id;
	int fd;

	if (bpf_map_lookup_elem(dp->fd[LB_MAP_RINGS], &ring_id, &map_id))
		return -errno;
	fd = bpf_map_get_fd_by_id(map_id);
	return fd < 0 ? -errno : fd;
}

int lb_dp_ring_create(struct lb_dp *dp, uint32_t ring_id, uint32_t size)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_INNER_MAP);
	int fd, err = 0;

	if (size == 0 || size > KEEL_RING_SIZE_MAX)
		return -EINVAL;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "keel_ring", sizeof(uint32_t),
			    sizeof(uint32_t), size, &mo);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(dp->fd[LB_MAP_RINGS], &ring_id, &fd, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
}

int lb_dp_ring_delete(struct lb_dp *dp, uint32_t ring_id)
{
	if (bpf_map_delete_elem(dp->fd[LB_MAP_RINGS], &ring_id) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

int lb_dp_ring_size(struct lb_dp *dp, uint32_t ring_id, uint32_t *size)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);
	int fd, err = 0;

	fd = lb_dp_ring_fd(dp, ring_id);
	if (fd < 0)
		return fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else
		*size = info.max_entries;
	close(fd);
	return err;
}

int lb_dp_ring_read(struct lb_dp *dp, uint32_t ring_id, uint32_t *out,
		    uint32_t size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint32_t i, n, batch, *keys = NULL;
	int fd, err = 0;

	fd = lb_dp_ring_fd(dp, ring_id);
	if (fd < 0)
		return fd;
	keys = calloc(size, sizeof(*keys));
	if (!keys) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < size;) {
		n = size - i;
		if (bpf_map_lookup_batch(fd, i ? &batch : NULL, &batch,
					 keys + i, out + i, &n, &bo) &&
		    errno != ENOENT) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		i += n;
	}
	if (i != size)
		err = -EIO;
out:
	free(keys);
	close(fd);
	return err;
}

int lb_dp_ring_write(struct lb_dp *dp, uint32_t ring_id, const uint32_t *cur,
		     const uint32_t *next, uint32_t size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = BPF_ANY);
	uint32_t i, n = 0, count, *keys = NULL, *vals = NULL;
	int fd, err = 0;

	fd = lb_dp_ring_fd(dp, ring_id);
	if (fd < 0)
		return fd;
	keys = malloc(size * sizeof(*keys));
	vals = malloc(size * sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < size; i++) {
		if (cur && cur[i] == next[i])
			continue;
		keys[n] = i;
		vals[n] = next[i];
		n++;
	}
	count = n;
	if (n && bpf_map_update_batch(fd, keys, vals, &count, &bo))
		err = -errno;
out:
	free(keys);
	free(vals);
	close(fd);
	return err ? err : (int)n;
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
	/*
	 * The kernel waits for an RCU grace period after every update of a
	 * map-in-map from a syscall (maybe_wait_bpf_programs()), so that
	 * userspace knows no program still uses what it replaced.
	 */
	return lb_dp_ring_create(dp, LB_DP_RING_BARRIER, 1);
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
	uint32_t i, got, batch, *keys;
	uint64_t *vals;
	int c, w, err = 0;

	keys = calloc(n ? n : 1, sizeof(*keys));
	vals = calloc((size_t)(n ? n : 1) * dp->ncpus * words, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	memset(out, 0, (size_t)n * words * sizeof(*out));
	for (i = 0; i < n;) {
		got = n - i;
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

int lb_dp_conn_count(struct lb_dp *dp, uint64_t *n)
{
	struct keel_flow key, next;
	void *prev = NULL;

	*n = 0;
	while (bpf_map_get_next_key(dp->fd[LB_MAP_CONN], prev, &next) == 0) {
		(*n)++;
		key = next;
		prev = &key;
	}
	return errno == ENOENT ? 0 : -errno;
}
