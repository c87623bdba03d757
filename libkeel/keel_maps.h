/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_maps.h - every BPF map key/value layout, counter index and limit.
 *
 * Included by the XDP program (clang -target bpf) and by all userspace
 * (lbd, the loader, lbctl, tests).  Fixed-width types only, explicit
 * padding, no pointers: the same bytes mean the same thing on both sides.
 */
#ifndef KEEL_MAPS_H
#define KEEL_MAPS_H

#ifdef __BPF__
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stddef.h>
#endif

/* Limits (map sizes).  Changing one changes the pinned maps' layout. */
#define KEEL_MAX_SERVICES 1024
#define KEEL_MAX_SVC_KEYS (2 * KEEL_MAX_SERVICES) /* services + markers */
#define KEEL_MAX_RINGS (2 * KEEL_MAX_SERVICES) /* room to resize a ring */
#define KEEL_MAX_REALS 16384 /* destinations: (service, real) pairs */
#define KEEL_MAX_IFACES 64
#define KEEL_CONN_TABLE_SIZE 1048576 /* default; set at load time */
#define KEEL_RING_SIZE_DEFAULT 65537
#define KEEL_RING_SIZE_MAX 1048573 /* largest prime below 2^20 */
#define KEEL_IPV6_EXT_MAX 6 /* extension headers walked before giving up */
#define KEEL_STATS_SLOTS 64 /* keel_stats entries: room for new counters */
#define KEEL_HINT_SLOTS 16384 /* SYN hints per CPU (a power of two) */

/*
 * Layout version of the pinned maps, kept in keel_info.  1: the maps
 * before keel_info existed (8-byte keel_conn, 16 counters).  2: rings
 * that are not BPF_F_MMAPABLE.  Bump it with every change of a pinned
 * map's key, value, size or flags (an inner-map template's too), and
 * teach lb_dp's adoption to migrate (or refuse) the previous one.
 */
#define KEEL_LAYOUT_VERSION 3

/*
 * Rings (the inner maps of keel_rings) are mmapable arrays, so that lbd
 * writes changed entries with plain stores instead of a map update per
 * entry.  The outer map's template and every ring carry the same flags
 * (the kernel refuses an inner map whose flags differ).  In the mapping,
 * entry i is the u32 at byte KEEL_RING_STRIDE * i: an array's elements
 * are value_size rounded up to 8 bytes.  (The flags: <linux/bpf.h>.)
 */
#define KEEL_RING_MAP_FLAGS (BPF_F_INNER_MAP | BPF_F_MMAPABLE)
#define KEEL_RING_STRIDE 8

/* Real id 0 is never a real: an empty ring slot holds it. */
#define KEEL_REAL_NONE 0

/* Address family tags used in keys (not AF_*: stable on the wire). */
enum keel_family {
	KEEL_F_INET = 4,
	KEEL_F_INET6 = 6,
};

/*
 * Service key: (VIP, port, protocol).  IPv4 addresses live in addr[0]
 * with addr[1..3] zero.  Port and addresses are in network byte order.
 * A port-less service has port 0.
 */
struct keel_vip_key {
	__be32 addr[4];
	__be16 port;
	__u8 proto; /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u8 family; /* enum keel_family */
};

/* Service flags */
#define KEEL_SVC_F_PERSISTENT (1U << 0) /* hash the source address only */
/*
 * Address marker: key (VIP, 0, proto 0) exists while any service uses the
 * address.  Looked up only on the slow path, so that a fragment for a VIP
 * with no port-less service is dropped and counted instead of passed.
 */
#define KEEL_SVC_F_ADDR_MARKER (1U << 1)
#define KEEL_MARKER_PROTO 0

struct keel_svc_info {
	__u32 svc_id; /* index into svc_stats */
	__u32 ring_id; /* index into the rings outer map */
	__u32 ring_size; /* prime, entries in that ring */
	__u32 flags; /* KEEL_SVC_F_* */
};

/*
 * Real (destination of one service) as the forwarding path needs it.
 * Userspace sets KEEL_REAL_F_USABLE when the real exists, is not DOWN and
 * has a resolved MAC.  Draining is not a flag: a draining real is absent
 * from the ring but stays usable for flows already in the conn table.
 */
#define KEEL_REAL_F_USABLE (1U << 0)

struct keel_real_info {
	__u8 dmac[6]; /* the real's MAC */
	__u8 smac[6]; /* MAC of the egress interface */
	__u32 ifindex; /* egress interface */
	__u32 gen; /* bumped when the id is reused */
	__u32 svc_id; /* the service this destination belongs to */
	__u16 flags; /* KEEL_REAL_F_* */
	__u16 pad;
};

/*
 * Userspace-only description of a real id, pinned so that a restarted
 * daemon can find which id serves which (service, address): conn-table
 * entries name real ids, so ids must survive restarts.
 */
struct keel_real_meta {
	__be32 addr[4];
	__u32 svc_id;
	__u32 weight;
	__u8 family; /* 0: id unused */
	__u8 state; /* enum keel_real_state */
	__u8 flags; /* KEEL_REAL_META_F_*; 0 in what an older lbd wrote */
	__u8 pad;
};
/* A sorry server: in the ring only while no other real is selectable. */
#define KEEL_REAL_META_F_SORRY (1U << 0)

enum keel_real_state {
	KEEL_RS_UNKNOWN = 0,
	KEEL_RS_UP = 1,
	KEEL_RS_DOWN = 2,
	KEEL_RS_DRAINING = 3,
};

/*
 * Connection table key: the client's 5-tuple as received.  IPv4 uses
 * src[0]/dst[0].  Ports in network byte order; zero for protocols
 * without ports.
 */
struct keel_flow {
	__be32 src[4];
	__be32 dst[4];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u8 pad[2];
};

/*
 * Connection table value.  real_id and real_gen come first and together
 * (one 8-byte store rewrites both).  seen is the time of the flow's last
 * packet in units of 2^KEEL_SEEN_SHIFT ns of the kernel's coarse
 * CLOCK_MONOTONIC (about 1.07 s; userspace compares it with its own
 * clock_gettime(CLOCK_MONOTONIC) >> KEEL_SEEN_SHIFT); the program writes it
 * only when it changed, at most once per flow per unit.  It is local to the
 * host: a peer must be told an age, never the stamp.  flags is room for
 * connection sync (KEEL_CONN_F_*); the program writes 0.
 */
#define KEEL_SEEN_SHIFT 30
/* keel_conn.flags: written by a peer's record (pair sync), not used here
 * since (keel_conn_merge.h). */
#define KEEL_CONN_F_PEER (1U << 0)

struct keel_conn {
	__u32 real_id;
	__u32 real_gen;
	__u32 seen;
	__u16 flags; /* KEEL_CONN_F_* */
	/* Pair sync: the low 16 bits of the unit (seen's) in which the entry
	 * was last announced to the peers; 0 in entries of older programs,
	 * which only makes them due for a re-announce (docs/pair.md). */
	__u16 ann;
};

/* The layout-1 value (adoption migrates it; lb_dp.c). */
struct keel_conn_v1 {
	__u32 real_id;
	__u32 real_gen;
};

/*
 * SYN hint: a direct-mapped table per CPU, KEEL_HINT_SLOTS entries each,
 * in one array map (CPU c's slot s is entry c * KEEL_HINT_SLOTS + s; a
 * per-CPU array would cost one more cache miss per lookup, through its
 * table of per-CPU pointers); s = keel_hash_flow() of the 5-tuple modulo
 * KEEL_HINT_SLOTS.  The first packet of a flow that has no
 * conn entry (a SYN, a first datagram) writes the real it was sent to;
 * the next one that finds its own 5-tuple there records the flow with that
 * real, so a ring change between the two does not move it.  Floods only
 * overwrite hints: the conn table never sees a one-packet flow.
 */
struct keel_hint {
	struct keel_flow flow;
	__u32 real_id;
	__u32 real_gen;
};

/* MAC of an interface the program is attached to (keel_if_mac value). */
struct keel_if_mac {
	__u8 mac[6];
	__u8 pad[2];
};

/*
 * keel_config (one entry, written by userspace): knobs the program reads.
 * conn_insert_cap: new conn entries one CPU may insert per 2^30 ns (about
 * a second); 0, the default, is no cap.  Over the cap a flow is forwarded
 * by its hint (or the ring) and recorded by a later packet.
 */
struct keel_config {
	__u32 conn_insert_cap;
	__u32 pad;
};

/*
 * Pair sync (docs/pair.md).  keel_sync_cfg (one entry, written by lbd):
 * KEEL_SYNC_F_ON makes the program announce every flow it records into
 * keel_sync_ring (below), which lbd drains, and re-announce an entry in
 * use once per reannounce units (of seen's clock; below 32768, the 16-bit
 * ann).  Off, the default, the program writes no record.  New maps beside
 * layout 3's: an older instance's pins gain them, nothing is migrated.
 */
#define KEEL_SYNC_F_ON (1U << 0)
#define KEEL_SYNC_REANNOUNCE_MAX 32767

struct keel_sync_cfg {
	__u32 flags; /* KEEL_SYNC_F_* */
	__u16 reannounce; /* units, 1..KEEL_SYNC_REANNOUNCE_MAX */
	__u16 pad;
	__u32 alive; /* reserved for lbd's heartbeat; not written yet */
	__u32 pad2;
};

/* What a record says (keel_sync_ev.kind; the wire's kinds, keel_sync.h). */
enum keel_sync_ev_kind {
	KEEL_SYNC_EV_NEW = 1, /* recorded: a flow's first entry, a SYN on a
			       * reused 5-tuple */
	KEEL_SYNC_EV_RECHOSEN = 2, /* its real was unusable: chosen again */
	KEEL_SYNC_EV_REFRESH = 3, /* in use, announced again */
};

/* One record: 52 bytes, in a 64-byte slot of keel_sync_ring. */
struct keel_sync_ev {
	struct keel_flow flow;
	__u32 real_id;
	__u32 real_gen;
	__u8 kind; /* enum keel_sync_ev_kind */
	__u8 pad[3];
};

/*
 * keel_sync_ring: an array of 64-byte slots (BPF_F_MMAPABLE: lbd reads it
 * mapped, no syscall per record), one region of KEEL_SYNC_REGION slots
 * per possible CPU (max_entries is set at load time).  CPU c's region
 * starts at slot c * KEEL_SYNC_REGION: its head (records the program has
 * written, counting from 0 and never wrapping in 2^64), its tail (records
 * the reader has taken), each alone in its cache line, then
 * KEEL_SYNC_RING_SLOTS record slots, record n in slot KEEL_SYNC_RECS +
 * n % KEEL_SYNC_RING_SLOTS.  Only CPU c's program writes its records and
 * head (XDP does not nest on a CPU), only the reader its tail: no lock,
 * no line shared between CPUs.  The program writes the record, then the
 * head; it finds the region full when head - tail >= KEEL_SYNC_RING_SLOTS
 * (counted, and the entry is left due for a re-announce).
 */
#define KEEL_SYNC_RING_SLOTS 16384 /* records per CPU, a power of two */
#define KEEL_SYNC_HEAD 0
#define KEEL_SYNC_TAIL 1
#define KEEL_SYNC_RECS 2
#define KEEL_SYNC_REGION (KEEL_SYNC_RECS + KEEL_SYNC_RING_SLOTS)

struct keel_sync_slot {
	union {
		struct keel_sync_ev ev; /* a record slot */
		__u64 pos; /* the head or the tail */
	};
	__u64 pad;
};

/*
 * The other way (docs/pair.md): lbd applies its peers' records with one
 * run of the program keel_sync_apply (BPF_PROG_RUN) per at most
 * KEEL_SYNC_APPLY_MAX records, each translated to this LB's real id and
 * generation; the program merges each into keel_conn by
 * keel_conn_merge() and counts the outcomes into the context.
 */
#define KEEL_SYNC_APPLY_MAX 1024

struct keel_sync_apply_rec {
	struct keel_flow flow;
	__u32 real_id;
	__u32 real_gen;
	__u32 idle; /* units since the peer last used the entry */
	__u32 pad;
};

enum keel_sync_apply_res {
	KEEL_APPLY_INSERTED, /* these five are enum keel_merge's, in order */
	KEEL_APPLY_SAME,
	KEEL_APPLY_REPLACED,
	KEEL_APPLY_KEPT_ACTIVE,
	KEEL_APPLY_KEPT_NEWER,
	KEEL_APPLY_RACE, /* an insert lost to the program's own */
	KEEL_APPLY_STALE, /* its real's id was reused or is gone since */
	KEEL_APPLY_DOWN, /* its real is not usable here: not applied */
	KEEL_APPLY_FAULT, /* a record could not be read or written */
	KEEL_APPLY__MAX
};

struct keel_sync_apply_ctx {
	__u64 recs; /* in: user address of n records */
	__u32 n; /* in: at most KEEL_SYNC_APPLY_MAX */
	__u16 reannounce; /* in: units; a new entry's re-announce is spread
			   * over one period */
	__u16 active; /* in: units a use here wins outright (2) */
	/* in: now in seen's units (CLOCK_MONOTONIC >> KEEL_SEEN_SHIFT):
	 * sleepable programs may not read the coarse clock */
	__u32 now;
	__u32 res[KEEL_APPLY__MAX]; /* out: records per outcome */
};

/* Per-CPU state of the cap (keel_rate): inserts in the current unit. */
struct keel_rate {
	__u32 unit; /* now >> KEEL_SEEN_SHIFT */
	__u32 inserts;
};

/*
 * keel_info (one entry, written by userspace only): the layout version of
 * the pinned maps and the conn-table entries userspace added or removed
 * (migration, later sync), which the program's insert counter cannot see.
 */
struct keel_info {
	__u32 layout; /* KEEL_LAYOUT_VERSION */
	/* lbd's config generation, kept across its restarts (0 before). */
	__u32 generation;
	__u64 conn_user_inserts;
	__u64 conn_user_deletes;
};

/* Per-service and per-real traffic counters (per-CPU arrays). */
struct keel_traffic {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
};

/*
 * Global per-CPU counters.  Every packet increments exactly one verdict
 * counter (KEEL_CNT_V_*) and exactly one reason counter (PASS_*, DROP_*,
 * or how a forwarded packet's real was found).  The extras count, in
 * addition: KEEL_CNT_REDIRECT_ERR redirects that found no egress port
 * (dropped); KEEL_CNT_CONN_INSERTS new keys the program put into the conn
 * table (the occupancy estimate, lb_dp_conn_occupancy()); KEEL_CNT_MAC_GUARD_OFF
 * VIP frames balanced on an interface whose MAC keel_if_mac does not hold.
 * Names (metric suffixes): KEEL_CNT_NAMES, keel_cnt_name().  The map has
 * KEEL_STATS_SLOTS entries, so a new counter does not change its layout.
 * Append only: during an upgrade the old program and the new userspace
 * share the map, so an index keeps its meaning.
 */
enum keel_cnt {
	/* verdicts */
	KEEL_CNT_V_PASS = 0,
	KEEL_CNT_V_DROP,
	KEEL_CNT_V_TX,
	KEEL_CNT_V_REDIRECT,
	/* reasons for PASS */
	KEEL_CNT_PASS_NOT_IP, /* ARP, LLDP, runt or unknown frames */
	KEEL_CNT_PASS_NOT_VIP, /* IP, but no service matches */
	KEEL_CNT_PASS_UNPARSED, /* too many IPv6 ext headers */
	/* reasons for DROP */
	KEEL_CNT_DROP_MALFORMED, /* broken IP or L4 header */
	KEEL_CNT_DROP_NO_REAL, /* service without a usable real */
	KEEL_CNT_DROP_FRAG_NO_SERVICE, /* fragment to a VIP, no port-less service */
	/* how a forwarded packet's real was found */
	KEEL_CNT_CONN_HIT,
	/* no entry, its hint found: entry written (slot of layout 1's
	 * conn_miss_new_flow, which migration does not copy) */
	KEEL_CNT_FLOW_RECORDED,
	KEEL_CNT_CONN_RECHOSEN, /* hit on an unusable real, chosen again */
	KEEL_CNT_FRAGMENT, /* IP fragment, hashed on addresses */
	KEEL_CNT_ICMP_TOO_BIG, /* sent to the quoted flow's real */
	/* extra */
	KEEL_CNT_REDIRECT_ERR,
	/* appended in layout 2: reasons, then extras */
	KEEL_CNT_PASS_NOT_OUR_MAC, /* VIP frame addressed to another host */
	KEEL_CNT_PASS_MULTICAST, /* VIP frame to a multicast/broadcast MAC */
	KEEL_CNT_SYN_UNRECORDED, /* SYN, no entry: ring, hint, no entry */
	KEEL_CNT_SYN_REUSED, /* SYN on a 5-tuple with an entry: ring, rewritten */
	KEEL_CNT_MISS_UNRECORDED, /* no entry, no hint: ring, hint, no entry */
	KEEL_CNT_CONN_INSERTS, /* extra: new conn-table keys */
	KEEL_CNT_MAC_GUARD_OFF, /* extra: no MAC known for the interface */
	KEEL_CNT_FLOW_CAPPED, /* its hint, over the insert cap: not recorded */
	KEEL_CNT_SYNC_RECORDS, /* extra: records put in keel_sync_ring */
	KEEL_CNT_SYNC_REFRESH, /* extra: of which re-announces */
	KEEL_CNT_SYNC_RING_FULL, /* extra: no room; announced again later */
	KEEL_CNT__MAX,
};

#define KEEL_CNT_NAMES                                                    \
	{                                                                 \
		[KEEL_CNT_V_PASS] = "verdict_pass",                       \
		[KEEL_CNT_V_DROP] = "verdict_drop",                       \
		[KEEL_CNT_V_TX] = "verdict_tx",                           \
		[KEEL_CNT_V_REDIRECT] = "verdict_redirect",               \
		[KEEL_CNT_PASS_NOT_IP] = "pass_not_ip",                   \
		[KEEL_CNT_PASS_NOT_VIP] = "pass_not_vip",                 \
		[KEEL_CNT_PASS_UNPARSED] = "pass_unparsed",               \
		[KEEL_CNT_DROP_MALFORMED] = "drop_malformed",             \
		[KEEL_CNT_DROP_NO_REAL] = "drop_no_real",                 \
		[KEEL_CNT_DROP_FRAG_NO_SERVICE] = "drop_frag_no_service", \
		[KEEL_CNT_CONN_HIT] = "conn_hit",                         \
		[KEEL_CNT_FLOW_RECORDED] = "flow_recorded",               \
		[KEEL_CNT_CONN_RECHOSEN] = "conn_rechosen",               \
		[KEEL_CNT_FRAGMENT] = "fragment",                         \
		[KEEL_CNT_ICMP_TOO_BIG] = "icmp_too_big",                 \
		[KEEL_CNT_REDIRECT_ERR] = "redirect_error",               \
		[KEEL_CNT_PASS_NOT_OUR_MAC] = "pass_not_our_mac",         \
		[KEEL_CNT_PASS_MULTICAST] = "pass_multicast",             \
		[KEEL_CNT_SYN_UNRECORDED] = "syn_unrecorded",             \
		[KEEL_CNT_SYN_REUSED] = "syn_reused_tuple",               \
		[KEEL_CNT_MISS_UNRECORDED] = "miss_unrecorded",           \
		[KEEL_CNT_CONN_INSERTS] = "conn_inserts",                 \
		[KEEL_CNT_MAC_GUARD_OFF] = "mac_guard_off",               \
		[KEEL_CNT_FLOW_CAPPED] = "flow_unrecorded_capped",        \
		[KEEL_CNT_SYNC_RECORDS] = "sync_records",                 \
		[KEEL_CNT_SYNC_REFRESH] = "sync_refresh",                 \
		[KEEL_CNT_SYNC_RING_FULL] = "sync_ring_full",             \
	}

/* Pinned map names (files under the instance's bpffs directory). */
#define KEEL_PIN_SERVICES "keel_services"
#define KEEL_PIN_RINGS "keel_rings"
#define KEEL_PIN_REALS "keel_reals"
#define KEEL_PIN_REAL_META "keel_real_meta"
#define KEEL_PIN_CONN "keel_conn"
#define KEEL_PIN_TX_PORTS "keel_tx_ports"
#define KEEL_PIN_STATS "keel_stats"
#define KEEL_PIN_SVC_STATS "keel_svc_stats"
#define KEEL_PIN_REAL_STATS "keel_real_stats"
#define KEEL_PIN_HINT "keel_hint"
#define KEEL_PIN_IF_MAC "keel_if_mac"
#define KEEL_PIN_INFO "keel_info"
#define KEEL_PIN_CONFIG "keel_config"
#define KEEL_PIN_RATE "keel_rate"
#define KEEL_PIN_SYNC_CFG "keel_sync_cfg"
#define KEEL_PIN_SYNC_RING "keel_sync_ring"

#ifndef __BPF__
_Static_assert(sizeof(struct keel_vip_key) == 20, "vip key layout");
_Static_assert(sizeof(struct keel_svc_info) == 16, "svc info layout");
_Static_assert(sizeof(struct keel_real_info) == 28, "real info layout");
_Static_assert(sizeof(struct keel_real_meta) == 28, "real meta layout");
_Static_assert(sizeof(struct keel_flow) == 40, "flow layout");
_Static_assert(sizeof(struct keel_conn) == 16, "conn layout");
_Static_assert(offsetof(struct keel_conn, real_gen) == 4, "conn id+gen");
_Static_assert(sizeof(struct keel_conn_v1) == 8, "conn layout 1");
_Static_assert(sizeof(struct keel_hint) == 48, "hint layout");
_Static_assert(sizeof(struct keel_if_mac) == 8, "if mac layout");
_Static_assert(sizeof(struct keel_info) == 24, "info layout");
_Static_assert(sizeof(struct keel_config) == 8, "config layout");
_Static_assert(sizeof(struct keel_rate) == 8, "rate layout");
_Static_assert(sizeof(struct keel_sync_cfg) == 16, "sync cfg layout");
_Static_assert(sizeof(struct keel_sync_ev) == 52, "sync record layout");
_Static_assert(sizeof(struct keel_sync_slot) == 64, "sync slot: a line");
_Static_assert((KEEL_SYNC_RING_SLOTS & (KEEL_SYNC_RING_SLOTS - 1)) == 0,
	       "sync ring slots");
_Static_assert(sizeof(struct keel_sync_apply_rec) == 56, "apply record");
_Static_assert(sizeof(struct keel_sync_apply_ctx) == 56, "apply context");
_Static_assert(KEEL_CNT__MAX <= KEEL_STATS_SLOTS, "stats slots");
_Static_assert((KEEL_HINT_SLOTS & (KEEL_HINT_SLOTS - 1)) == 0, "hint slots");
_Static_assert(offsetof(struct keel_flow, sport) == 32, "flow ports");
_Static_assert(KEEL_RING_STRIDE == ((sizeof(__u32) + 7) & ~7), "ring stride");
#endif

/*
 * lbd's agent report socket filter (lb-dataplane/bpf/keel_agents.bpf.c):
 * the source addresses it lets through, one per real with agent health.
 * Not pinned: lbd makes it at start and fills it from its agents table.
 */
#define KEEL_MAX_AGENTS KEEL_MAX_REALS

struct keel_agent_key {
	__u8 family; /* enum keel_family */
	__u8 pad[3]; /* zero */
	__be32 addr[4]; /* IPv4 in addr[0], the rest zero */
};

#ifndef __BPF__
_Static_assert(sizeof(struct keel_agent_key) == 20, "agent key layout");
#endif

#endif /* KEEL_MAPS_H */
