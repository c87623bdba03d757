// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Adoption of pinned maps of an earlier layout: maps pinned the way keel
 * layout 1 pinned them (8-byte conn values, 16 counters, no keel_info) are
 * migrated by lb_dp_load() with their conn entries and counters, also
 * when an earlier migration stopped half-way; layout 2's rings (an outer
 * map whose template is not mmapable) are copied into mmapable ones, the
 * conn table and the other maps adopted as they are; maps of a layout this keel
 * does not know are refused with a message naming the pin, and left as
 * they were; pair sync's maps are optional, and a sync ring of an older
 * shape is replaced by a load; lb_dp_unload() removes any layout.
 *
 * Needs root and a bpffs on /sys/fs/bpf (run-in-netns.sh).
 */
#include <arpa/inet.h>
#include <check.h>
#include "check_run.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lb_dp.h"
#include "lb_model.h"

#define OLD_CONN_SIZE 65536
#define OLD_ENTRIES 10000 /* more than one batch of lb_dp's copy */
#define V1_COUNTERS 16

static char instance[64], dir[256];
static struct lb_dp_opts opts;

/* Layout 1's maps, as its keel_xdp.bpf.o defined them. */
static const struct v1_map {
	const char *name;
	enum bpf_map_type type;
	uint32_t key, value, max;
} v1_maps[] = {
	{ "keel_services", BPF_MAP_TYPE_HASH, 20, 16, 2 * 1024 },
	{ "keel_rings", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2 * 1024 },
	{ "keel_reals", BPF_MAP_TYPE_ARRAY, 4, 28, 16384 },
	{ "keel_real_meta", BPF_MAP_TYPE_ARRAY, 4, 28, 16384 },
	{ "keel_conn", BPF_MAP_TYPE_LRU_HASH, 40, 8, OLD_CONN_SIZE },
	{ "keel_tx_ports", BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 64 },
	{ "keel_stats", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, V1_COUNTERS },
	{ "keel_svc_stats", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 24, 1024 },
	{ "keel_real_stats", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 24, 16384 },
};

/*
 * Each test runs in a child of the runner (CK_FORK): its instance is
 * named after both, so that main() removes what a failed test left.
 */
static void setup(void)
{
	snprintf(instance, sizeof(instance), "migrate-%d-%d", getppid(),
		 getpid());
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/keel/%s", instance);
	opts.instance = instance;
	mkdir("/sys/fs/bpf/keel", 0700);
	ck_assert_msg(mkdir(dir, 0700) == 0 || errno == EEXIST, "mkdir %s: %s",
		      dir, strerror(errno));
}

static void teardown(void)
{
	lb_dp_unload(&opts);
}

static void pin_path(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static int create(enum bpf_map_type type, uint32_t key, uint32_t value,
		  uint32_t max)
{
	LIBBPF_OPTS(bpf_map_create_opts, o);
	int inner = -1, fd;

	if (type == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
		LIBBPF_OPTS(bpf_map_create_opts, io,
			    .map_flags = BPF_F_INNER_MAP);

		inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "keel_ring", 4, 4,
				       65537, &io);
		ck_assert_int_ge(inner, 0);
		o.inner_map_fd = inner;
	}
	fd = bpf_map_create(type, "keel_v1", key, value, max, &o);
	ck_assert_msg(fd >= 0, "creating a layout-1 map: %s", strerror(errno));
	if (inner >= 0)
		close(inner);
	return fd;
}

static void pin(int fd, const char *name)
{
	char path[512];

	pin_path(name, path, sizeof(path));
	ck_assert_msg(bpf_obj_pin(fd, path) == 0, "pin %s: %s", path,
		      strerror(errno));
}

static struct keel_flow flow_n(uint32_t i)
{
	struct keel_flow f = { .family = KEEL_F_INET, .proto = IPPROTO_TCP };

	f.src[0] = htonl(0xc6336400 + (i >> 16)); /* 198.51.100.x */
	f.dst[0] = htonl(0xcb00710a); /* 203.0.113.10 */
	f.sport = htons(i & 0xffff);
	f.dport = htons(443);
	return f;
}

/* seen's clock when the test pinned the old layout: migrated entries are
 * stamped between it and the check, however slow the machine is. */
static uint32_t load_seen;

/*
 * Layout 1 pinned as its keel left it: every map, OLD_ENTRIES conn
 * entries (real n % 7 + 1, generation n % 3), counter k = (k + 1) * 10 on
 * CPU 0.
 */
static void pin_layout1(void)
{
	struct keel_conn_v1 *vals;
	struct keel_flow *keys;
	uint64_t *pc;
	uint32_t i, n = OLD_ENTRIES;
	int fd, ncpu = libbpf_num_possible_cpus();
	size_t m;
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = BPF_ANY);

	load_seen = lb_dp_seen_now();
	for (m = 0; m < sizeof(v1_maps) / sizeof(v1_maps[0]); m++) {
		const struct v1_map *d = &v1_maps[m];

		fd = create(d->type, d->key, d->value, d->max);
		pin(fd, d->name);
		if (!strcmp(d->name, "keel_conn")) {
			keys = calloc(n, sizeof(*keys));
			vals = calloc(n, sizeof(*vals));
			ck_assert(keys && vals);
			for (i = 0; i < n; i++) {
				keys[i] = flow_n(i);
				vals[i].real_id = i % 7 + 1;
				vals[i].real_gen = i % 3;
			}
			ck_assert_int_eq(bpf_map_update_batch(fd, keys, vals,
							      &n, &bo),
					 0);
			free(keys);
			free(vals);
		} else if (!strcmp(d->name, "keel_stats")) {
			pc = calloc(ncpu, sizeof(*pc));
			ck_assert(pc);
			for (i = 0; i < V1_COUNTERS; i++) {
				pc[0] = (i + 1) * 10;
				ck_assert_int_eq(bpf_map_update_elem(fd, &i, pc,
								     BPF_ANY),
						 0);
			}
			free(pc);
		}
		close(fd);
	}
}

static bool pinned(const char *name)
{
	char path[512];

	pin_path(name, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* stderr (keel_log's lines) into a file until log_end(). */
static int log_begin(int *saved)
{
	char tmpl[] = "/tmp/keel-migrate-XXXXXX";
	int fd;

	fd = mkstemp(tmpl);
	ck_assert_int_ge(fd, 0);
	unlink(tmpl);
	fflush(stderr);
	*saved = dup(2);
	dup2(fd, 2);
	return fd;
}

/* What was logged since log_begin(), into log; stderr back. */
static void log_end(int fd, int saved, char *log, size_t size)
{
	ssize_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, log, size - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
	fprintf(stderr, "%s", log); /* the test's log shows it too */
}

/* lb_dp_load() with stderr (keel_log's lines) captured into log. */
static int load_logged(struct lb_dp **dp, char *log, size_t size)
{
	int saved, fd = log_begin(&saved);
	int err = lb_dp_load(&opts, dp);

	log_end(fd, saved, log, size);
	return err;
}

/* Every old entry in the new table, stamped now; the counters kept. */
static void check_migrated(struct lb_dp *dp)
{
	int conn_fd = lb_dp_map_fd(dp, KEEL_PIN_CONN);
	uint32_t i, now = lb_dp_seen_now();
	struct keel_conn c;
	struct keel_flow f;
	uint64_t entries, cap, cnt[KEEL_CNT__MAX];
	for (i = 0; i < OLD_ENTRIES; i++) {
		f = flow_n(i);
		ck_assert_msg(bpf_map_lookup_elem(conn_fd, &f, &c) == 0,
			      "entry %u lost", i);
		ck_assert_uint_eq(c.real_id, i % 7 + 1);
		ck_assert_uint_eq(c.real_gen, i % 3);
		ck_assert_uint_eq(c.flags, 0);
		ck_assert_msg(c.seen >= load_seen && c.seen <= now,
			      "entry %u seen %u, loaded at %u, now %u", i,
			      c.seen, load_seen, now);
	}
	ck_assert_int_eq(lb_dp_conn_occupancy(dp, &entries, &cap), 0);
	ck_assert_uint_eq(entries, OLD_ENTRIES);
	ck_assert_uint_eq(cap, OLD_CONN_SIZE);
	ck_assert_int_eq(lb_dp_conn_count(dp, &entries), 0);
	ck_assert_uint_eq(entries, OLD_ENTRIES);
	ck_assert_int_eq(lb_dp_stats(dp, cnt), 0);
	for (i = 0; i < KEEL_CNT__MAX; i++) {
		uint64_t want = i < V1_COUNTERS ? (i + 1) * 10 : 0;

		/* That slot's meaning changed: it starts again. */
		if (i == KEEL_CNT_FLOW_RECORDED)
			want = 0;
		ck_assert_msg(cnt[i] == want, "counter %u: %llu, want %llu", i,
			      (unsigned long long)cnt[i],
			      (unsigned long long)want);
	}
	ck_assert(!pinned("keel_conn_layout1"));
	ck_assert(!pinned("keel_stats_layout1"));
	ck_assert(!pinned("keel_rings_layout2"));
	ck_assert(pinned(KEEL_PIN_INFO));
	ck_assert(pinned(KEEL_PIN_SYNC_RING));
}

START_TEST(test_migrates)
{
	struct lb_model m;
	struct lb_dp *dp, *dp2;
	char log[2048];

	pin_layout1();
	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), 0);
	check_migrated(dp);
	ck_assert_msg(strstr(log, "10000 connection entries kept"), "log: %s",
		      log);
	/* What lbd does next: the model adopts the other maps as they were. */
	ck_assert_int_eq(lb_model_init(&m, dp), 0);
	lb_model_free(&m);
	lb_dp_close(dp);
	/* The next start finds layout 2 and changes nothing. */
	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), 0);
	ck_assert_msg(!strstr(log, "migrated"), "migrated twice: %s", log);
	check_migrated(dp);
	ck_assert_int_eq(lb_dp_open(&opts, &dp2), 0);
	lb_dp_close(dp2);
	lb_dp_close(dp);
}
END_TEST

/* A migration that stopped after setting the old conn table aside. */
START_TEST(test_resumes)
{
	char from[512], to[512], log[2048];
	struct lb_dp *dp;

	pin_layout1();
	pin_path("keel_conn", from, sizeof(from));
	pin_path("keel_conn_layout1", to, sizeof(to));
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), 0);
	check_migrated(dp);
	lb_dp_close(dp);
}
END_TEST

/*
 * Layout 2, as its keel left it.  Every map but the rings is the same in
 * layout 3, so a layout-3 load makes them: services and reals through the
 * model, L2_ENTRIES conn entries, keel_info saying 2 (with userspace's
 * counts); then keel_rings is replaced by an outer map whose template is
 * not mmapable, holding plain rings with the same contents (layout 2's).
 * The rings' contents go to want[] (ring_id, size, entries).
 */
#define L2_ENTRIES 1000
#define L2_SVCS 3

struct l2_ring {
	uint32_t ring_id, size, *entries;
};

static void pin_layout2(struct l2_ring want[L2_SVCS])
{
	LIBBPF_OPTS(bpf_map_create_opts, io, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = BPF_ANY);
	static const uint32_t sizes[L2_SVCS] = { 65537, 251, 1021 };
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct keel_vip_key k = { .family = KEEL_F_INET, .proto = IPPROTO_TCP };
	struct keel_conn *vals;
	struct keel_flow *keys;
	struct keel_info info;
	struct lb_service *s;
	struct lb_real *r;
	struct lb_model m;
	struct lb_dp *dp;
	uint32_t i, j, key = 0, n = L2_ENTRIES;
	__be32 addr[4] = {};
	char path[512];
	int outer, ring, fd;

	ck_assert_int_eq(lb_dp_load(&opts, &dp), 0);
	ck_assert_int_eq(lb_model_init(&m, dp), 0);
	k.addr[0] = htonl(0xcb00710a);
	for (i = 0; i < L2_SVCS; i++) {
		k.port = htons(1000 + i);
		ck_assert_int_eq(lb_model_svc_add(&m, &k, 0, sizes[i], &s), 0);
		for (j = 0; j < 5; j++) {
			addr[0] = htonl(0x0a000001 + 16 * i + j);
			ck_assert_int_eq(lb_model_real_add(&m, s, KEEL_F_INET,
							   addr, 1 + j, &r),
					 0);
			lb_model_real_set_state(s, r, KEEL_RS_UP);
			lb_model_real_set_mac(s, r, mac, mac, 1);
		}
	}
	ck_assert_int_eq(lb_model_commit(&m, NULL), 0);

	io.map_flags = BPF_F_INNER_MAP;
	ring = bpf_map_create(BPF_MAP_TYPE_ARRAY, "keel_ring", 4, 4, 65537,
			      &io);
	ck_assert_int_ge(ring, 0);
	{
		LIBBPF_OPTS(bpf_map_create_opts, oo, .inner_map_fd = ring);

		outer = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "keel_rings",
				       4, 4, KEEL_MAX_RINGS, &oo);
	}
	ck_assert_msg(outer >= 0, "layout-2 rings: %s", strerror(errno));
	close(ring);
	for (i = 0; i < m.n_svcs; i++) {
		struct l2_ring *w = &want[i];

		s = m.svcs[i];
		w->ring_id = s->ring_id;
		w->size = s->ring_size;
		w->entries = malloc(w->size * sizeof(uint32_t));
		keys = malloc(w->size * sizeof(*keys));
		ck_assert(w->entries && keys);
		memcpy(w->entries, s->ring, w->size * sizeof(uint32_t));
		ring = bpf_map_create(BPF_MAP_TYPE_ARRAY, "keel_ring", 4, 4,
				      w->size, &io);
		ck_assert_int_ge(ring, 0);
		for (j = 0; j < w->size; j++)
			((uint32_t *)keys)[j] = j;
		n = w->size;
		ck_assert_int_eq(bpf_map_update_batch(ring, keys, w->entries,
						      &n, &bo),
				 0);
		ck_assert_int_eq(bpf_map_update_elem(outer, &w->ring_id, &ring,
						     BPF_ANY),
				 0);
		close(ring);
		free(keys);
	}
	pin_path(KEEL_PIN_RINGS, path, sizeof(path));
	ck_assert_int_eq(unlink(path), 0);
	pin(outer, KEEL_PIN_RINGS);
	close(outer);

	n = L2_ENTRIES;
	keys = calloc(n, sizeof(*keys));
	vals = calloc(n, sizeof(*vals));
	ck_assert(keys && vals);
	for (i = 0; i < n; i++) {
		keys[i] = flow_n(i);
		vals[i].real_id = i % 7 + 1;
		vals[i].real_gen = i % 3;
		vals[i].seen = 12345;
	}
	fd = lb_dp_map_fd(dp, KEEL_PIN_CONN);
	ck_assert_int_eq(bpf_map_update_batch(fd, keys, vals, &n, &bo), 0);
	free(keys);
	free(vals);
	fd = lb_dp_map_fd(dp, KEEL_PIN_INFO);
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &key, &info), 0);
	info.layout = 2;
	info.conn_user_inserts = 77;
	info.conn_user_deletes = 5;
	ck_assert_int_eq(bpf_map_update_elem(fd, &key, &info, BPF_ANY), 0);
	lb_model_free(&m);
	lb_dp_close(dp);
}

/* Rings equal to layout 2's and mapped; conn entries and counts kept. */
static void check_migrated2(struct lb_dp *dp, const struct l2_ring want[])
{
	int fd = lb_dp_map_fd(dp, KEEL_PIN_CONN);
	struct keel_info info;
	struct keel_conn c;
	struct keel_flow f;
	struct lb_model m;
	uint32_t i, j, key = 0, *got;

	for (i = 0; i < L2_ENTRIES; i++) {
		f = flow_n(i);
		ck_assert_msg(bpf_map_lookup_elem(fd, &f, &c) == 0,
			      "entry %u lost", i);
		ck_assert_uint_eq(c.real_id, i % 7 + 1);
		ck_assert_uint_eq(c.real_gen, i % 3);
		ck_assert_uint_eq(c.seen, 12345); /* the same entry */
	}
	fd = lb_dp_map_fd(dp, KEEL_PIN_INFO);
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &key, &info), 0);
	ck_assert_uint_eq(info.layout, KEEL_LAYOUT_VERSION);
	ck_assert_uint_eq(info.conn_user_inserts, 77);
	ck_assert_uint_eq(info.conn_user_deletes, 5);
	ck_assert(!pinned("keel_rings_layout2"));
	ck_assert_int_eq(lb_model_init(&m, dp), 0);
	ck_assert_uint_eq(m.n_svcs, L2_SVCS);
	for (i = 0; i < L2_SVCS; i++) {
		got = calloc(want[i].size, sizeof(*got));
		ck_assert(got);
		ck_assert_int_eq(lb_dp_ring_read(dp, want[i].ring_id, got,
						 want[i].size),
				 0);
		for (j = 0; j < want[i].size; j++)
			ck_assert_msg(got[j] == want[i].entries[j],
				      "ring %u entry %u: %u, want %u",
				      want[i].ring_id, j, got[j],
				      want[i].entries[j]);
		free(got);
	}
	/* A commit over the migrated rings changes nothing. */
	{
		struct lb_commit_stats st;

		for (i = 0; i < m.n_svcs; i++)
			m.svcs[i]->dirty = true;
		ck_assert_int_eq(lb_model_commit(&m, &st), 0);
		ck_assert_uint_eq(st.ring_entries_written, 0);
	}
	lb_model_free(&m);
}

START_TEST(test_migrates_layout2)
{
	struct l2_ring want[L2_SVCS];
	struct lb_dp *dp;
	char log[2048];
	int i;

	pin_layout2(want);
	ck_assert_int_eq(lb_dp_open(&opts, &dp), -EPROTO);
	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), 0);
	ck_assert_msg(strstr(log, "maps of layout 2 migrated to layout 3") &&
			      strstr(log, "3 rings copied"),
		      "log: %s", log);
	check_migrated2(dp, want);
	lb_dp_close(dp);
	/* The next start finds layout 3 and changes nothing. */
	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), 0);
	ck_assert_msg(!strstr(log, "migrated"), "migrated twice: %s", log);
	check_migrated2(dp, want);
	lb_dp_close(dp);
	for (i = 0; i < L2_SVCS; i++)
		free(want[i].entries);
}
END_TEST

/* A migration from layout 2 that stopped after setting the rings aside. */
START_TEST(test_resumes_layout2)
{
	struct l2_ring want[L2_SVCS];
	char from[512], to[512], log[2048];
	struct lb_dp *dp;
	int i;

	pin_layout2(want);
	pin_path(KEEL_PIN_RINGS, from, sizeof(from));
	pin_path("keel_rings_layout2", to, sizeof(to));
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), 0);
	ck_assert_msg(strstr(log, "3 rings copied"), "log: %s", log);
	check_migrated2(dp, want);
	lb_dp_close(dp);
	for (i = 0; i < L2_SVCS; i++)
		free(want[i].entries);
}
END_TEST

START_TEST(test_refuses_unknown)
{
	struct bpf_map_info mi = {};
	uint32_t len = sizeof(mi);
	char path[512], log[2048];
	struct lb_dp *dp = NULL;
	int fd;

	fd = create(BPF_MAP_TYPE_LRU_HASH, 40, 12, 1024);
	pin(fd, "keel_conn");
	close(fd);
	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), -EPROTO);
	ck_assert_msg(strstr(log, "/keel_conn: a conn table of 40-byte keys "
				  "and 12-byte values") &&
			      strstr(log, "unload"),
		      "log: %s", log);
	/* Left as it was. */
	pin_path("keel_conn", path, sizeof(path));
	fd = bpf_obj_get(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bpf_obj_get_info_by_fd(fd, &mi, &len), 0);
	ck_assert_uint_eq(mi.value_size, 12);
	close(fd);
	ck_assert(!pinned(KEEL_PIN_INFO));
	ck_assert_int_eq(lb_dp_open(&opts, &dp), -EPROTO);
}
END_TEST

START_TEST(test_refuses_newer)
{
	struct keel_info info;
	struct lb_dp *dp;
	uint32_t key = 0;
	char log[2048], want[64];
	int fd;

	ck_assert_int_eq(lb_dp_load(&opts, &dp), 0);
	fd = lb_dp_map_fd(dp, KEEL_PIN_INFO);
	ck_assert_int_eq(bpf_map_lookup_elem(fd, &key, &info), 0);
	ck_assert_uint_eq(info.layout, KEEL_LAYOUT_VERSION);
	info.layout = KEEL_LAYOUT_VERSION + 1;
	ck_assert_int_eq(bpf_map_update_elem(fd, &key, &info, BPF_ANY), 0);
	lb_dp_close(dp);
	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), -EPROTO);
	snprintf(want, sizeof(want), "/keel_info: pinned maps of layout %d",
		 KEEL_LAYOUT_VERSION + 1);
	ck_assert_msg(strstr(log, want) && strstr(log, "unload"), "log: %s",
		      log);
	ck_assert_int_eq(lb_dp_open(&opts, &dp), -EPROTO);
}
END_TEST

/*
 * A bpffs path that is not a BPF filesystem (what `ip netns exec` shows
 * at /sys/fs/bpf) is named as such, before anything is created there.
 */
START_TEST(test_refuses_not_bpffs)
{
	char tmpl[] = "/tmp/keel-not-bpffs-XXXXXX", log[2048];
	const char *root = opts.bpffs;
	struct lb_dp *dp;
	int err;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	opts.bpffs = tmpl;
	err = load_logged(&dp, log, sizeof(log));
	opts.bpffs = root;
	ck_assert_int_eq(err, -EMEDIUMTYPE);
	ck_assert_msg(strstr(log, "is not on a BPF filesystem") &&
			      strstr(log, "ip netns exec"),
		      "log: %s", log);
	ck_assert_int_eq(rmdir(tmpl), 0); /* nothing made inside */
}
END_TEST

/* A new instance holding one conn entry, closed. */
static void load_one_entry(const struct keel_flow *f, const struct keel_conn *c)
{
	struct lb_dp *dp;

	ck_assert_int_eq(lb_dp_load(&opts, &dp), 0);
	ck_assert_int_eq(bpf_map_update_elem(lb_dp_map_fd(dp, KEEL_PIN_CONN), f,
					     c, BPF_NOEXIST),
			 0);
	lb_dp_close(dp);
}

static void unpin(const char *name)
{
	char path[512];

	pin_path(name, path, sizeof(path));
	ck_assert_msg(unlink(path) == 0, "unpin %s: %s", path, strerror(errno));
}

/*
 * Layout 3 as the keel before pair sync pinned it: no keel_sync_cfg or
 * keel_sync_ring.  Opening it works (sync unavailable); loading adopts
 * every map as it is and adds the two, sync off; the entries stay.
 */
START_TEST(test_adopts_without_sync_maps)
{
	struct lb_dp_sync_reader rd;
	struct keel_sync_cfg sc;
	struct keel_conn c = { .real_id = 3, .real_gen = 1, .seen = 7 };
	struct keel_flow f = flow_n(42);
	struct lb_dp *dp;

	load_one_entry(&f, &c);
	unpin(KEEL_PIN_SYNC_CFG);
	unpin(KEEL_PIN_SYNC_RING);

	ck_assert_int_eq(lb_dp_open(&opts, &dp), 0);
	ck_assert_int_eq(lb_dp_sync_get(dp, &sc), -EOPNOTSUPP);
	ck_assert_int_eq(lb_dp_sync_set(dp, true, 60), -EOPNOTSUPP);
	ck_assert_int_eq(lb_dp_sync_reader_open(dp, &rd), -EOPNOTSUPP);
	lb_dp_close(dp);

	ck_assert_int_eq(lb_dp_load(&opts, &dp), 0);
	ck_assert(pinned(KEEL_PIN_SYNC_CFG));
	ck_assert(pinned(KEEL_PIN_SYNC_RING));
	ck_assert_int_eq(lb_dp_sync_get(dp, &sc), 0);
	ck_assert_uint_eq(sc.flags, 0);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(bpf_map_lookup_elem(lb_dp_map_fd(dp, KEEL_PIN_CONN),
					     &f, &c),
			 0);
	ck_assert_uint_eq(c.real_id, 3);
	ck_assert_uint_eq(c.seen, 7);
	ck_assert_int_eq(lb_dp_sync_set(dp, true, 60), 0);
	ck_assert_int_eq(lb_dp_sync_set(dp, true, 0), -EINVAL);
	ck_assert_int_eq(lb_dp_sync_get(dp, &sc), 0);
	ck_assert_uint_eq(sc.flags, KEEL_SYNC_F_ON);
	ck_assert_uint_eq(sc.reannounce, 60);
	lb_dp_close(dp);
}
END_TEST

/*
 * keel_sync_ring as the keel before the per-CPU ring pinned it: a BPF
 * ring buffer.  Opened, the instance runs but its ring cannot be read
 * (refused with a message); a load replaces the ring, saying so, and
 * adopts the rest with its entries.
 */
START_TEST(test_replaces_ringbuf_sync_ring)
{
	struct keel_conn c = { .real_id = 3, .real_gen = 1, .seen = 7 };
	struct keel_sync_ev ev[4];
	struct lb_dp_sync_reader rd;
	struct keel_flow f = flow_n(42);
	struct bpf_map_info mi = {};
	uint32_t len = sizeof(mi);
	char log[2048];
	struct lb_dp *dp;
	int fd, saved;

	load_one_entry(&f, &c);
	unpin(KEEL_PIN_SYNC_RING);
	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "keel_sync_ring", 0, 0,
			    8U << 20, NULL);
	ck_assert_int_ge(fd, 0);
	pin(fd, KEEL_PIN_SYNC_RING);
	close(fd);

	ck_assert_int_eq(lb_dp_open(&opts, &dp), 0);
	fd = log_begin(&saved);
	ck_assert_int_eq(lb_dp_sync_reader_open(dp, &rd), -EPROTO);
	log_end(fd, saved, log, sizeof(log));
	ck_assert_msg(strstr(log, KEEL_PIN_SYNC_RING) &&
			      strstr(log, "load it again"),
		      "log: %s", log);
	lb_dp_close(dp);

	ck_assert_int_eq(load_logged(&dp, log, sizeof(log)), 0);
	ck_assert_msg(strstr(log, "replaced by this keel's per-CPU ring"),
		      "log: %s", log);
	ck_assert_int_eq(
		bpf_obj_get_info_by_fd(lb_dp_map_fd(dp, KEEL_PIN_SYNC_RING),
				       &mi, &len),
		0);
	ck_assert_uint_eq(mi.type, BPF_MAP_TYPE_ARRAY);
	ck_assert_uint_eq(mi.value_size, sizeof(struct keel_sync_slot));
	ck_assert_int_eq(lb_dp_sync_reader_open(dp, &rd), 0);
	ck_assert_int_eq(lb_dp_sync_drain(&rd, 0, ev, 4), 0);
	ck_assert_int_eq(lb_dp_sync_drain(&rd, rd.ncpus, ev, 4), -EINVAL);
	lb_dp_sync_reader_close(&rd);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(bpf_map_lookup_elem(lb_dp_map_fd(dp, KEEL_PIN_CONN),
					     &f, &c),
			 0);
	ck_assert_uint_eq(c.real_id, 3);
	lb_dp_close(dp);
}
END_TEST

/* keel-xdp's commands other than load say how to migrate. */
START_TEST(test_open_old)
{
	struct lb_dp *dp;

	pin_layout1();
	ck_assert_int_eq(lb_dp_open(&opts, &dp), -EPROTO);
	ck_assert(pinned("keel_conn"));
}
END_TEST

START_TEST(test_unload_any)
{
	char from[512], to[512];

	pin_layout1();
	pin_path("keel_stats", from, sizeof(from));
	pin_path("keel_stats_layout1", to, sizeof(to));
	ck_assert_int_eq(rename(from, to), 0);
	ck_assert_int_eq(lb_dp_unload(&opts), 0);
	ck_assert_msg(access(dir, F_OK) != 0, "%s still there", dir);
	ck_assert_int_eq(lb_dp_unload(&opts), -ENOENT);
}
END_TEST

/* Instances of this runner's children that a failed test left behind. */
static void cleanup_leftovers(void)
{
	char prefix[32];
	struct dirent *e;
	DIR *d;

	snprintf(prefix, sizeof(prefix), "migrate-%d-", getpid());
	d = opendir("/sys/fs/bpf/keel");
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct lb_dp_opts o = { .instance = e->d_name };

		if (!strncmp(e->d_name, prefix, strlen(prefix)))
			lb_dp_unload(&o);
	}
	closedir(d);
}

int main(void)
{
	Suite *s = suite_create("lb_dp_migrate");
	TCase *tc = tcase_create("adopt");
	int ret;

	if (geteuid() != 0) {
		fprintf(stderr, "test_migrate: needs root, skipped\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_migrates);
	tcase_add_test(tc, test_resumes);
	tcase_add_test(tc, test_migrates_layout2);
	tcase_add_test(tc, test_resumes_layout2);
	tcase_add_test(tc, test_refuses_unknown);
	tcase_add_test(tc, test_refuses_newer);
	tcase_add_test(tc, test_open_old);
	tcase_add_test(tc, test_refuses_not_bpffs);
	tcase_add_test(tc, test_unload_any);
	tcase_add_test(tc, test_adopts_without_sync_maps);
	tcase_add_test(tc, test_replaces_ringbuf_sync_ring);
	suite_add_tcase(s, tc);
	ret = check_run(s);
	cleanup_leftovers();
	return ret;
}
