/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_config - rs-agent's configuration (one YAML file, docs/rs-agent.md).
 *
 * ra_config_parse() reads and validates the whole document before the
 * agent does anything with it.  On error it fills struct ra_config_error
 * with the file, line and key at fault and returns -EINVAL (or -ENOMEM);
 * the output is then zeroed.  No I/O but the given buffer, no logging.
 * ra_config_load() reads the file (keel_yaml_load_file); the key file is
 * read at start by keel_report_key_load() (libkeel/keel_report.h), not by
 * the parser, so the parser stays pure.  The ra_config_* views below are
 * what the daemon and `check`/`cleanup` derive from a loaded config.
 */
#ifndef RA_CONFIG_H
#define RA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keel_probe.h"
#include "keel_report.h"
#include "keel_yaml.h"

#define RA_CFG_PATH_MAX 256
#define RA_CFG_NAME_MAX 64
#define RA_CFG_LBS_MAX 16
#define RA_CFG_IFACES_MAX 16
#define RA_CFG_IFNAME_MAX 16 /* IFNAMSIZ */
#define RA_CFG_SUN_PATH_MAX 108

#define RA_CFG_LB_PORT_DEFAULT 9460
#define RA_CFG_SOCKET_DEFAULT "/run/keel/rs-agent.sock"
#define RA_CFG_STATE_DIR_DEFAULT "/var/lib/keel/rs-agent"
#define RA_CFG_USER_DEFAULT "nobody"

struct ra_cfg_addr {
	uint8_t family; /* KEEL_F_INET / KEEL_F_INET6 */
	uint8_t addr[16]; /* network order; IPv4 in addr[0..3] */
};

struct ra_cfg_lb {
	struct ra_cfg_addr a;
	uint16_t port; /* host order */
};

struct ra_cfg_check {
	struct keel_probe_spec spec; /* type, address, port, path, ... */
	uint32_t interval_ms;
	uint16_t rise, fall;
};

struct ra_cfg_service {
	struct ra_cfg_addr vip;
	uint16_t port; /* host order; 0: every port of the VIP */
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	struct ra_cfg_check check;
	int line;
};

struct ra_config {
	struct ra_cfg_lb lbs[RA_CFG_LBS_MAX];
	size_t n_lbs;
	char key_file[RA_CFG_PATH_MAX];
	uint32_t key_id; /* default 1 */
	/* 2 (default); 1 only while some LB runs an lbd older than 2 */
	uint8_t report_version;
	struct ra_cfg_addr real;
	uint32_t interval_ms; /* report interval, default 100 */
	char ifaces[RA_CFG_IFACES_MAX][RA_CFG_IFNAME_MAX];
	size_t n_ifaces; /* 0: every up non-lo interface */
	char ctl_socket[RA_CFG_SUN_PATH_MAX];
	char ctl_group[RA_CFG_NAME_MAX]; /* admin group; "": root's group */
	char ctl_read_group[RA_CFG_NAME_MAX]; /* read-only group; "": none */
	uint32_t ctl_max_conns; /* default KEEL_CTLSOCK_CONNS (64) */
	char state_dir[RA_CFG_PATH_MAX];
	/* Started as root, the agent becomes this user once the VIPs and
	 * sysctls are set, and its command checks run as it; never root. */
	char user[RA_CFG_NAME_MAX];
	bool user_given;
	char metrics_listen[RA_CFG_NAME_MAX]; /* "": off (default) */
	uint32_t metrics_max_conns; /* default KEEL_METRICS_CONNS (64) */
	bool manage_network; /* default true */
	struct ra_cfg_service svc[KEEL_REPORT_MAX];
	size_t n_services;
};

/* file, line, column, dotted key path and message (keel_yaml.h). */
#define ra_config_error keel_yaml_error

int ra_config_parse(const char *buf, size_t len, const char *file,
		    struct ra_config *out, struct ra_config_error *err);
int ra_config_load(const char *file, struct ra_config *out,
		   struct ra_config_error *err);
/*
 * ra_config_load() into a new config (to free); on error msg holds the
 * "file:line: key: msg" line for the log.  0 or -errno.
 */
int ra_config_new(const char *file, struct ra_config **out, char *msg,
		  size_t size);
/* "file:line: key: msg" */
int ra_config_error_format(const struct ra_config_error *e, char *buf,
			   size_t size);

struct ra_vip;
/*
 * The distinct VIPs of the services, in the order they first appear, into
 * out (room for KEEL_REPORT_MAX); how many.
 */
size_t ra_config_vips(const struct ra_config *cfg, struct ra_vip *out);
/*
 * The serving interfaces, NULL-terminated in out; NULL when the config
 * names none (ra_net: "all" and every non-lo interface that is up).
 */
const char *const *ra_config_ifaces(const struct ra_config *cfg,
				    const char *out[RA_CFG_IFACES_MAX + 1]);
/* The file that keeps the sysctl values found before the agent's. */
void ra_config_sysctl_state(const struct ra_config *cfg, char *buf,
			    size_t size);

#endif
