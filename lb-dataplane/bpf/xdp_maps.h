/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* xdp_maps.h - map definitions of the keel XDP program (layouts: keel_maps.h) */
#ifndef XDP_MAPS_H
#define XDP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "keel_maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KEEL_MAX_SVC_KEYS);
	__type(key, struct keel_vip_key);
	__type(value, struct keel_svc_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_services SEC(".maps");

/*
 * One Maglev ring per service, each an array of real ids sized to the
 * service's prime.  BPF_F_INNER_MAP lets rings of different sizes share
 * the outer map; a ring of a new size is built aside and swapped in.
 * BPF_F_MMAPABLE: lbd writes entries through a mapping (KEEL_RING_MAP_FLAGS).
 */
struct keel_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KEEL_RING_SIZE_DEFAULT);
	__uint(map_flags, KEEL_RING_MAP_FLAGS);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, KEEL_MAX_RINGS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct keel_ring);
} keel_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KEEL_MAX_REALS);
	__type(key, __u32);
	__type(value, struct keel_real_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_reals SEC(".maps");

/* Never read here: userspace's record of which real each id names. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KEEL_MAX_REALS);
	__type(key, __u32);
	__type(value, struct keel_real_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_real_meta SEC(".maps");

/*
 * Connection table.  The kernel's common LRU keeps per-CPU free and
 * pending lists, refilled from the shared lists in batches, so inserts on
 * different CPUs rarely share a lock; the key space is shared, so a flow
 * that lands on another CPU after an RSS change still finds its real.
 * BPF_F_NO_COMMON_LRU was measured slower here (docs/PERFORMANCE.md) and
 * caps each CPU at max_entries / ncpus, evicting early under uneven RSS.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KEEL_CONN_TABLE_SIZE);
	__type(key, struct keel_flow);
	__type(value, struct keel_conn);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_conn SEC(".maps");

/*
 * SYN hints (struct keel_hint), KEEL_HINT_SLOTS per CPU, each CPU writing
 * only its own: no lock.  max_entries is set at load time to
 * KEEL_HINT_SLOTS x the possible CPUs (lb_dp_load).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KEEL_HINT_SLOTS);
	__type(key, __u32);
	__type(value, struct keel_hint);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_hint SEC(".maps");

/* ifindex -> the interface's MAC, written by lb_dp_attach(). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KEEL_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct keel_if_mac);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_if_mac SEC(".maps");

/* Knobs userspace sets (struct keel_config). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct keel_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_config SEC(".maps");

/* Pair sync (keel_maps.h): lbd's switch, and the records it drains. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct keel_sync_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_sync_cfg SEC(".maps");

/* A region per CPU (keel_maps.h); max_entries is set at load time to
 * KEEL_SYNC_REGION x the possible CPUs (lb_dp_load). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, KEEL_SYNC_REGION);
	__type(key, __u32);
	__type(value, struct keel_sync_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_sync_ring SEC(".maps");

/* The insert cap's per-CPU window (pinned so tests can set it). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct keel_rate);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_rate SEC(".maps");

/* Never read here: the layout version and userspace's conn counts. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct keel_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, KEEL_MAX_IFACES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KEEL_STATS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KEEL_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct keel_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_svc_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KEEL_MAX_REALS);
	__type(key, __u32);
	__type(value, struct keel_traffic);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} keel_real_stats SEC(".maps");

#endif /* XDP_MAPS_H */
