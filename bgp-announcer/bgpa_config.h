/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * bgpa_config - bgp-announcer's YAML configuration (docs/bgp-announcer.md).
 *
 * bgpa_config_parse() validates the whole document before anything is
 * used; an error names the file, line and dotted key ("file:line: key:
 * message") and leaves the output zeroed.  No I/O but the given buffer,
 * no logging.  The walk follows lb-dataplane/lb_config.c: a table of keys
 * per mapping, aliases followed by hand, tags and merge keys refused,
 * and the same libfyaml 0.7 workarounds (UTF-8/printable check first,
 * no '' inside single-quoted values).
 */
#ifndef BGPA_CONFIG_H
#define BGPA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_msg.h"
#include "keel_maps.h"
#include "keel_probe.h"
#include "keel_yaml.h"

#define BGPA_NAME_MAX 64
#define BGPA_PATH_MAX 108 /* sun_path */
#define BGPA_PASSWORD_MAX 80 /* TCP_MD5SIG_MAXKEYLEN */
#define BGPA_COMM_MAX 32
#define BGPA_LARGE_MAX 16
#define BGPA_PEERS_MAX 64
#define BGPA_PREFIXES_MAX 4096
#define BGPA_PREPEND_MAX 32
#define BGPA_SERVICES_MAX 32 /* services: per prefix */
#define BGPA_FILE_PATH_MAX 256 /* disable_file */
#define BGPA_LISTEN_MAX 64 /* metrics.listen */

/* Attributes a prefix is announced with. */
struct bgpa_attrs {
	uint8_t prepend;
	bool has_med;
	uint32_t med;
	unsigned int n_comm;
	uint32_t comm[BGPA_COMM_MAX];
	unsigned int n_large;
	struct bgp_large_comm large[BGPA_LARGE_MAX];
};

/* Indexes of bgpa_cfg_prefix.act[], the same as enum bgpa_pstate. */
enum { BGPA_ACT_UP, BGPA_ACT_DOWN, BGPA_ACT_DISABLED, BGPA_ACT__MAX };

/*
 * What a state does (up:, down:, disabled:).  After the parse attrs holds
 * the prefix's attributes with the action's own keys applied over them;
 * the has_* flags only say which keys the action gave.
 */
struct bgpa_cfg_action {
	bool announce;
	struct bgpa_attrs attrs;
	bool has_announce, has_prepend, has_med, has_comm, has_large;
};

/* probe: the announcer's own check of the VIP (keel_probe.h). */
struct bgpa_cfg_probe {
	bool set;
	bool has_address;
	struct keel_probe_spec spec;
	uint32_t interval_ms; /* default 1s */
	uint32_t rise, fall; /* default 2, 2 */
};

struct bgpa_cfg_prefix {
	struct bgp_prefix pfx;
	bool announce; /* false: always DISABLED (configured, withdrawn) */
	struct bgpa_attrs attrs;
	/* Health gating (docs/bgp-announcer.md, "Health gating"). */
	bool has_services; /* false: every lbd service inside the prefix */
	size_t n_services;
	struct keel_vip_key services[BGPA_SERVICES_MAX];
	uint32_t min_up; /* default 1 */
	uint32_t rise, fall; /* default 3, 2 */
	struct bgpa_cfg_action act[BGPA_ACT__MAX];
	uint32_t disabled_withdraw_after_ms; /* 0: never (default) */
	struct bgpa_cfg_probe probe;
	int line;
};

struct bgpa_cfg_peer {
	char name[BGPA_NAME_MAX]; /* default: the address */
	int family; /* AF_INET, AF_INET6 */
	uint8_t addr[16];
	uint16_t port; /* default 179 */
	uint32_t remote_as;
	bool has_local;
	int local_family;
	uint8_t local[16]; /* same family as addr */
	char password[BGPA_PASSWORD_MAX + 1]; /* "" : no TCP-MD5 */
	bool has_hold;
	uint16_t hold_time; /* default: the global one */
	bool passive;
	bool has_nh4, has_nh6;
	uint32_t nh4; /* host order */
	uint8_t nh6[16];
	bool bfd;
	uint32_t bfd_interval_ms; /* default 300 */
	uint32_t bfd_multiplier; /* default 3 */
	int line;
};

struct bgpa_config {
	uint32_t local_as;
	uint32_t router_id; /* host order */
	uint16_t hold_time; /* default 90 */
	uint32_t retry_min_ms; /* connect_retry, default 1s */
	uint32_t retry_max_ms; /* connect_retry_max, default 30s */
	uint16_t listen_port; /* default 179; 0: no listener */
	/* Started as root, the user it becomes once its ports are bound
	 * ("": keel-bgp); started as anyone else: "" or that user. */
	char user[BGPA_NAME_MAX];
	char ctl_socket[BGPA_PATH_MAX];
	char ctl_group[BGPA_NAME_MAX]; /* admin group */
	char ctl_read_group[BGPA_NAME_MAX]; /* read-only group; "" : none */
	uint32_t ctl_max_conns; /* default KEEL_CTLSOCK_CONNS (64) */
	uint32_t metrics_max_conns; /* default KEEL_METRICS_CONNS (64) */
	char shutdown_message[BGP_SHUTDOWN_MAX + 1];
	/* lbd: the control socket polled for the site's health. */
	bool has_lbd;
	char lbd_socket[BGPA_PATH_MAX];
	uint32_t lbd_interval_ms; /* default 200 */
	uint32_t lbd_timeout_ms; /* default 500 */
	char disable_file[BGPA_FILE_PATH_MAX]; /* "" : none */
	char metrics_listen[BGPA_LISTEN_MAX]; /* "" : no metrics */
	struct bgpa_cfg_peer *peers;
	size_t n_peers;
	struct bgpa_cfg_prefix *prefixes;
	size_t n_prefixes;
};

/* The shared YAML walker's error: file, line, column, key path, message. */
#define bgpa_config_error keel_yaml_error

int bgpa_config_parse(const char *buf, size_t len, const char *file,
		      struct bgpa_config *out, struct bgpa_config_error *err);
int bgpa_config_load(const char *file, struct bgpa_config *out,
		     struct bgpa_config_error *err);
void bgpa_config_free(struct bgpa_config *c);
/* "file:line: key: msg" */
int bgpa_config_error_format(const struct bgpa_config_error *e, char *buf,
			     size_t size);

#endif /* BGPA_CONFIG_H */
