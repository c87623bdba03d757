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

#define LB_CFG_NAME_MAX 64
#define LB_CFG_PATH_MAX 256
#define LB_CFG_IFACES_MAX 16

struct lb_cfg_iface {
	char name[16]; /* IFNAMSIZ */
	bool generic; /* mode: native (default) | generic */
};

struct lb_cfg_real {
	uint8_t family; /* KEEL_F_INET / KEEL_F_INET6 */
	__be32 addr[4];
	uint32_t weight; /* 0..65535, default 1 */
	int line; /* for messages after parsing */
};

struct lb_cfg_service {
	struct keel_vip_key key; /* vip, port (0: port-less), protocol */
	uint32_t flags; /* KEEL_SVC_F_PERSISTENT */
	uint32_t ring_size; /* prime, default KEEL_RING_SIZE_DEFAULT */
	struct lb_cfg_real *reals;
	size_t n_reals;
	int line;
};

struct lb_config {
	char instance[LB_CFG_NAME_MAX]; /* default "default"; [A-Za-z0-9_.-] */
	char bpffs[LB_CFG_PATH_MAX]; /* default /sys/fs/bpf */
	uint32_t conn_table_size; /* default KEEL_CONN_TABLE_SIZE */
	struct lb_cfg_iface ifaces[LB_CFG_IFACES_MAX];
	size_t n_ifaces; /* at least one */
	char ctl_socket[108]; /* sun_path; default /run/keel/<instance>.sock */
	char ctl_group[LB_CFG_NAME_MAX]; /* "" : root only */
	char metrics_listen[LB_CFG_NAME_MAX]; /* "" off; default 127.0.0.1:9450 */
	char state_file
		[LB_CFG_PATH_MAX]; /* default /var/lib/keel/<instance>.state */
	uint32_t neigh_refresh_ms; /* default 1000 */
	struct lb_cfg_service *services;
	size_t n_services;
};

struct lb_config_error {
	char file[LB_CFG_PATH_MAX];
	int line; /* 1-based; 0 if not known */
	int column;
	char key[128]; /* dotted path, e.g. services[1].reals[0].weight */
	char msg[160];
};

/* Parse and validate buf (len bytes) read from the file named file. */
int lb_config_parse(const char *buf, size_t len, const char *file,
		    struct lb_config *out, struct lb_config_error *err);
/* Read file and parse it. */
int lb_config_load(const char *file, struct lb_config *out,
		   struct lb_config_error *err);
void lb_config_free(struct lb_config *c);
/* "file:line: key: msg" */
int lb_config_error_format(const struct lb_config_error *e, char *buf,
			   size_t size);

#endif /* LB_CONFIG_H */
