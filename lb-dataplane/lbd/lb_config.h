/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lb_config - lbd's declarative configuration (one YAML file).
 *
 * lb_config_parse() reads and validates the whole document before the
 * caller applies anything.  On error it fills struct lb_config_error with
 * the file, line and key at fault and returns -EINVAL (or -ENOMEM); the
 * output config is then left zeroed.  No I/O but reading the given buffer;
 * no logging.  Format: docs/config.md.
 */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include "keel_maps.h"
#include "lb_htab.h"
#include "lb_loadw.h"

#define LB_CFG_NAME_MAX 64
#define LB_CFG_PATH_MAX 256
#define LB_CFG_IFACES_MAX 16

struct lb_cfg_iface {
	char name[16]; /* IFNAMSIZ */
	bool generic; /* mode: native (default) | generic */
};

#define LB_CFG_HC_PATH_MAX 256 /* with its NUL: KEEL_PROBE_PATH_MAX */
#define LB_CFG_HC_HOST_MAX 256 /* KEEL_PROBE_HOST_MAX */

/* How lbd learns a real's health (docs/config.md, "health"). */
enum lb_cfg_hc_type {
	LB_CFG_HC_NONE = 0, /* none: the real is UP unless an operator says */
	LB_CFG_HC_AGENT, /* the real's rs-agent reports */
	LB_CFG_HC_TCP, /* lbd connects */
	LB_CFG_HC_HTTP, /* lbd sends GET path */
};

struct lb_cfg_health {
	uint8_t type; /* enum lb_cfg_hc_type */
	/* tcp, http */
	uint16_t port; /* host order; 0: the service's port */
	uint32_t interval_ms; /* default 1000 */
	uint32_t timeout_ms; /* default 500, at most interval */
	uint16_t rise, fall; /* default 2, 2 */
	/* http */
	uint16_t status_min, status_max; /* expect, default 200-399 */
	char path[LB_CFG_HC_PATH_MAX]; /* default "/" */
	char host[LB_CFG_HC_HOST_MAX]; /* "": the real's address */
	int line, column; /* of the health mapping, for later messages */
};

struct lb_cfg_real {
	uint8_t family; /* KEEL_F_INET / KEEL_F_INET6 */
	__be32 addr[4];
	uint32_t weight; /* 0..65535, default 1 */
	bool sorry; /* a sorry server (lb_model_real_set_sorry()) */
	int line; /* for messages after parsing */
	struct lb_cfg_health *health; /* NULL: the service's */
};

struct lb_cfg_service {
	struct keel_vip_key key; /* vip, port (0: port-less), protocol */
	uint32_t flags; /* KEEL_SVC_F_PERSISTENT */
	uint32_t ring_size; /* prime, default KEEL_RING_SIZE_DEFAULT */
	struct lb_cfg_health health; /* default of its reals; type none */
	struct lb_loadw_cfg load_aware; /* lb_loadw_cfg_default(): off */
	struct lb_cfg_real *reals;
	size_t n_reals;
	struct lb_htab real_idx; /* (family, addr) -> index in reals */
	int line;
};

/* Where rs-agents report to (docs/config.md, "agents"). */
struct lb_cfg_agents {
	char listen[LB_CFG_NAME_MAX]; /* "" : no receiver (default) */
	char key_file[LB_CFG_PATH_MAX]; /* required with listen */
	uint32_t key_id; /* default 1 */
	/* Key rotation: the key agents that were not switched yet sign with. */
	char previous_key_file[LB_CFG_PATH_MAX]; /* "" : none */
	uint32_t previous_key_id; /* required with previous_key_file */
	uint32_t interval_ms; /* the agents' report interval, default 100 */
	uint32_t dead_after_ms; /* default 3 x interval */
	/*
	 * After dead_after, how long a silent agent's real keeps its
	 * established flows (DRAINING, agent-silent) before DOWN moves them:
	 * an agent restart cuts nobody.  Default 5 s; 0: DOWN at dead_after.
	 */
	uint32_t keep_flows_ms;
};

#define LB_CFG_PEERS_MAX 8
#define LB_CFG_PEER_NAME_MAX 33 /* [A-Za-z0-9_.-]{1,32} and its NUL */

/* A peer LB of the pair (docs/config.md, "pair"). */
struct lb_cfg_peer {
	char name[LB_CFG_PEER_NAME_MAX];
	char address[LB_CFG_NAME_MAX]; /* ADDRESS:PORT as written */
	uint8_t family; /* KEEL_F_INET / KEEL_F_INET6 */
	__be32 addr[4];
	uint16_t port; /* host order */
	int line;
};

/*
 * The LB pair (docs/pair.md): parsed and validated; nothing uses it yet.
 * Durations in ms; rates in records or entries per second.
 */
struct lb_cfg_pair {
	bool on; /* pair: was in the file */
	uint16_t node_id; /* 1..65535, unique within the pair */
	char listen[LB_CFG_NAME_MAX]; /* ADDRESS:PORT to bind */
	uint8_t listen_family;
	__be32 listen_addr[4];
	uint16_t listen_port;
	struct lb_cfg_peer peers[LB_CFG_PEERS_MAX];
	size_t n_peers; /* 1..LB_CFG_PEERS_MAX */
	char key_file[LB_CFG_PATH_MAX]; /* never agents.key_file */
	uint32_t key_id; /* default 1 */
	char previous_key_file[LB_CFG_PATH_MAX]; /* "" : none */
	uint32_t previous_key_id; /* required with previous_key_file */
	uint32_t mtu; /* default 1500 */
	uint32_t hello_interval_ms; /* default 200 */
	uint32_t dead_after_ms; /* default 5 x hello_interval */
	uint32_t reannounce_ms; /* default 60 s; below 32768 s */
	uint32_t reannounce_rate_max; /* default 50000 */
	uint32_t records_rate_max; /* default 200000 */
	uint32_t batch_delay_ms; /* default 10 */
	uint32_t bulk_rate; /* default 500000 */
	uint32_t alone_after_ms; /* default 30 s; 0: never */
	uint32_t tables_differ_after_ms; /* default 5 s */
};

struct lb_config {
	char instance[LB_CFG_NAME_MAX]; /* default "default"; [A-Za-z0-9_.-] */
	char bpffs[LB_CFG_PATH_MAX]; /* default /sys/fs/bpf */
	uint32_t conn_table_size; /* default KEEL_CONN_TABLE_SIZE */
	/* New conn entries per CPU per second (keel_config.conn_insert_cap);
	 * 0, the default: no limit. */
	uint32_t conn_insert_limit;
	struct lb_cfg_iface ifaces[LB_CFG_IFACES_MAX];
	size_t n_ifaces; /* at least one */
	/* Started as root, lbd becomes this user once set up (docs/lbd.md,
	 * "Privileges"); default "keel". */
	char user[LB_CFG_NAME_MAX];
	bool user_given; /* user: was in the file */
	char ctl_socket[108]; /* sun_path; default /run/keel/<instance>.sock */
	char ctl_group[LB_CFG_NAME_MAX]; /* admin group; "" : root's group */
	char ctl_read_group[LB_CFG_NAME_MAX]; /* read-only group; "" : none */
	uint32_t ctl_max_conns; /* default KEEL_CTLSOCK_CONNS (64) */
	char metrics_listen[LB_CFG_NAME_MAX]; /* "" off; default 127.0.0.1:9450 */
	uint32_t metrics_max_conns; /* default KEEL_METRICS_CONNS (64) */
	char state_file
		[LB_CFG_PATH_MAX]; /* default /var/lib/keel/<instance>.state */
	uint32_t neigh_refresh_ms; /* default 1000 */
	struct lb_cfg_agents agents;
	struct lb_cfg_pair pair;
	struct lb_cfg_service *services;
	size_t n_services;
	struct lb_htab svc_idx; /* key -> index in services */
};

/*
 * file, line, column, dotted key path and message: keel_yaml.h's, which a
 * caller with one on its stack includes (only lb_config.c needs libfyaml's
 * header).
 */
struct keel_yaml_error;
#define lb_config_error keel_yaml_error

/* Parse and validate buf (len bytes) read from the file named file. */
int lb_config_parse(const char *buf, size_t len, const char *file,
		    struct lb_config *out, struct lb_config_error *err);
/* Read file and parse it. */
int lb_config_load(const char *file, struct lb_config *out,
		   struct lb_config_error *err);
void lb_config_free(struct lb_config *c);
/*
 * Index services by key and each service's reals by address (done by
 * lb_config_parse(); a config built by hand calls it once complete).
 * 0 or -ENOMEM.
 */
int lb_config_index(struct lb_config *c);
/* The config's service with key k, or NULL. */
const struct lb_cfg_service *lb_cfg_find_service(const struct lb_config *cfg,
						 const struct keel_vip_key *k);
/* The real of s at (family, addr), or NULL. */
const struct lb_cfg_real *lb_cfg_find_real(const struct lb_cfg_service *s,
					   uint8_t family,
					   const __be32 addr[4]);
/* The health a real is checked with: its own, else its service's. */
const struct lb_cfg_health *lb_cfg_real_health(const struct lb_cfg_service *s,
					       const struct lb_cfg_real *r);
const char *lb_cfg_hc_name(uint8_t type); /* "none", "agent", "tcp", "http" */
/* "file:line: key: msg" */
int lb_config_error_format(const struct lb_config_error *e, char *buf,
			   size_t size);

#endif /* LB_CONFIG_H */
