// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bgpa_config.c - parse and validate bgp-announcer's YAML (libfyaml).
 *
 * Same walk as lb-dataplane/lb_config.c: every mapping has a table of
 * known keys (a typo is an error), the first problem stops the parse and
 * is reported with its line and dotted key path; aliases are followed here
 * with every list counted against its limit first; tags and merge keys
 * are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <libfyaml.h>

#include "bgpa_config.h"
#include "keel_ctlsock.h" /* connection caps */
#include "keel_file.h"
#include "keel_yaml.h"
#include "keel_addr.h"
#include "keel_metrics.h" /* connection caps */

#define BGPA_FILE_MAX ((size_t)1 << 20)
#define BGPA_FIELDS_MAX KEEL_YAML_FIELDS_MAX
#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The walk is libkeel/keel_yaml.c, with this file's message forms
 * (KEEL_YAML_BRIEF); the parsers below keep their short names for it.
 */
#define cfg_ctx keel_yaml
#define cfg_field keel_yaml_field
#define cfg_line keel_yaml_line
#define cfg_push keel_yaml_push
#define cfg_pop keel_yaml_pop
#define cfg_fail keel_yaml_fail
#define cfg_resolve keel_yaml_resolve
#define cfg_is_null keel_yaml_is_null
#define cfg_scalar keel_yaml_scalar
#define cfg_decimal keel_yaml_decimal
#define cfg_uint keel_yaml_uint
#define cfg_bool keel_yaml_bool
#define cfg_duration keel_yaml_duration_ms
#define cfg_map keel_yaml_map
/* No value is an empty collection; the caller says when one is needed. */
#define cfg_collection(c, n, type, out) \
	keel_yaml_collection(c, n, type, true, out)

/* An IPv4 or IPv6 unicast address literal. */
static int cfg_addr(struct cfg_ctx *c, struct fy_node *n, int want, int *family,
		    uint8_t addr[16])
{
	char buf[64];
	int err;

	err = cfg_scalar(c, n, buf, sizeof(buf), false);
	if (err)
		return err;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return cfg_fail(c, n, "not an IPv4 or IPv6 address");
	if (want && *family != want)
		return cfg_fail(c, n, "must be an %s address",
				want == AF_INET ? "IPv4" : "IPv6");
	if ((*family == AF_INET && (addr[0] == 0 || addr[0] >= 224)) ||
	    (*family == AF_INET6 &&
	     (addr[0] == 0xff || !memcmp(addr, (uint8_t[16]){ 0 }, 16))))
		return cfg_fail(c, n,
				"unspecified, multicast or broadcast address");
	return 0;
}

/*
 * Each item of a list (count checked against max first), parsed by fn
 * with its index; obj is passed through.
 */
static int cfg_list(struct cfg_ctx *c, struct fy_node *v, size_t max,
		    int (*fn)(struct cfg_ctx *c, struct fy_node *item, size_t i,
			      void *obj),
		    void *obj, size_t *count)
{
	struct fy_node *seq, *item;
	size_t plen = c->plen, n, i;
	void *it = NULL;
	int err;

	*count = 0;
	err = cfg_collection(c, v, FYNT_SEQUENCE, &seq);
	if (err || !seq)
		return err;
	n = (size_t)fy_node_sequence_item_count(seq);
	if (n > max)
		return cfg_fail(c, v, "too many items (max %zu)", max);
	*count = n;
	for (i = 0; (item = fy_node_sequence_iterate(seq, &it)); i++) {
		cfg_push(c, "[%zu]", i);
		err = fn(c, item, i, obj);
		if (err)
			return err;
		cfg_pop(c, plen);
	}
	return 0;
}

/* ---- communities ---- */

static const struct {
	const char *name;
	uint32_t value;
} cfg_wk_comm[] = {
	/* RFC 1997, RFC 8326, RFC 7999 */
	{ "no_export", 0xffffff01 },
	{ "no_advertise", 0xffffff02 },
	{ "no_export_subconfed", 0xffffff03 },
	{ "graceful_shutdown", 0xffff0000 },
	{ "blackhole", 0xffff029a },
};

static int cfg_comm_item(struct cfg_ctx *c, struct fy_node *item, size_t i,
			 void *obj)
{
	struct bgpa_attrs *a = obj;
	unsigned long hi, lo;
	char buf[48], *colon;
	size_t k;

	if (cfg_scalar(c, item, buf, sizeof(buf), false))
		return -EINVAL;
	for (k = 0; k < N(cfg_wk_comm); k++)
		if (!strcmp(buf, cfg_wk_comm[k].name)) {
			a->comm[i] = cfg_wk_comm[k].value;
			return 0;
		}
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (!colon || !cfg_decimal(buf, 65535, &hi) ||
	    !cfg_decimal(colon + 1, 65535, &lo))
		return cfg_fail(c, item,
				"must be ASN:VALUE (0..65535 each) or a "
				"well-known name such as graceful_shutdown");
	a->comm[i] = (uint32_t)(hi << 16 | lo);
	return 0;
}

static int cfg_large_item(struct cfg_ctx *c, struct fy_node *item, size_t i,
			  void *obj)
{
	struct bgpa_attrs *a = obj;
	unsigned long v[3];
	char buf[48], *s = buf, *e;
	int k;

	if (cfg_scalar(c, item, buf, sizeof(buf), false))
		return -EINVAL;
	for (k = 0; k < 3; k++) {
		e = strchr(s, ':');
		if ((k < 2) != (e != NULL))
			goto bad;
		if (e)
			*e = '\0';
		if (!cfg_decimal(s, 0xffffffffUL, &v[k]))
			goto bad;
		s = e ? e + 1 : s;
	}
	a->large[i] = (struct bgp_large_comm){ (uint32_t)v[0], (uint32_t)v[1],
					       (uint32_t)v[2] };
	return 0;
bad:
	return cfg_fail(c, item, "must be GLOBAL:LOCAL1:LOCAL2 (32 bits each)");
}

/* ---- prefixes ---- */

static int cfg_pfx_prefix(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_prefix *p = obj;
	char buf[64], *slash;
	unsigned long len, bits;
	uint8_t addr[16] = { 0 };
	int fam;
	unsigned int i;

	if (cfg_scalar(c, v, buf, sizeof(buf), false))
		return -EINVAL;
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		fam = AF_INET6;
	else
		return cfg_fail(c, v, "must be ADDRESS or ADDRESS/LENGTH");
	bits = fam == AF_INET ? 32 : 128;
	len = bits;
	if (slash && !cfg_decimal(slash + 1, bits, &len))
		return cfg_fail(c, v, "prefix length must be 0..%lu", bits);
	/* Host bits set is a typo far more often than intent. */
	for (i = 0; i < bits / 8; i++) {
		unsigned int first = i * 8;
		uint8_t mask = first >= len ?
				       0 :
			       first + 8 <= len ?
				       0xff :
				       (uint8_t)(0xff << (8 - (len - first)));

		if (addr[i] & ~mask)
			return cfg_fail(c, v,
					"host bits set past the prefix length");
	}
	p->pfx.afi = fam == AF_INET ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
	p->pfx.len = (uint8_t)len;
	memcpy(p->pfx.addr, addr, 16);
	return 0;
}

static int cfg_pfx_announce(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_bool(c, v, &((struct bgpa_cfg_prefix *)obj)->announce);
}

static int cfg_pfx_prepend(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_prefix *p = obj;
	uint32_t n = 0;
	int err = cfg_uint(c, v, 0, BGPA_PREPEND_MAX, &n);

	p->attrs.prepend = (uint8_t)n;
	return err;
}

static int cfg_pfx_med(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_prefix *p = obj;

	p->attrs.has_med = true;
	return cfg_uint(c, v, 0, 0xffffffffUL, &p->attrs.med);
}

static int cfg_pfx_comm(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_prefix *p = obj;
	size_t n;
	int err = cfg_list(c, v, BGPA_COMM_MAX, cfg_comm_item, &p->attrs, &n);

	p->attrs.n_comm = (unsigned int)n;
	return err;
}

static int cfg_pfx_large(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_prefix *p = obj;
	size_t n;
	int err = cfg_list(c, v, BGPA_LARGE_MAX, cfg_large_item, &p->attrs, &n);

	p->attrs.n_large = (unsigned int)n;
	return err;
}

/* ---- health gating: per-prefix keys (docs/bgp-announcer.md) ---- */

static int cfg_act_announce(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_action *a = obj;

	a->has_announce = true;
	return cfg_bool(c, v, &a->announce);
}

static int cfg_act_prepend(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_action *a = obj;
	uint32_t n = 0;
	int err = cfg_uint(c, v, 0, BGPA_PREPEND_MAX, &n);

	a->has_prepend = true;
	a->attrs.prepend = (uint8_t)n;
	return err;
}

static int cfg_act_med(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_action *a = obj;

	a->has_med = true;
	a->attrs.has_med = true;
	return cfg_uint(c, v, 0, 0xffffffffUL, &a->attrs.med);
}

static int cfg_act_comm(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_action *a = obj;
	size_t n;
	int err = cfg_list(c, v, BGPA_COMM_MAX, cfg_comm_item, &a->attrs, &n);

	a->has_comm = true;
	a->attrs.n_comm = (unsigned int)n;
	return err;
}

static int cfg_act_large(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_action *a = obj;
	size_t n;
	int err = cfg_list(c, v, BGPA_LARGE_MAX, cfg_large_item, &a->attrs, &n);

	a->has_large = true;
	a->attrs.n_large = (unsigned int)n;
	return err;
}

static const struct cfg_field cfg_action_fields[] = {
	{ "announce", cfg_act_announce, false },
	{ "prepend", cfg_act_prepend, false },
	{ "med", cfg_act_med, false },
	{ "communities", cfg_act_comm, false },
	{ "large_communities", cfg_act_large, false },
};

static int cfg_action(struct cfg_ctx *c, struct fy_node *v,
		      struct bgpa_cfg_action *a)
{
	struct fy_node *m;
	int err = cfg_collection(c, v, FYNT_MAPPING, &m);

	return err ?: cfg_map(c, m, cfg_action_fields, N(cfg_action_fields), a);
}

static int cfg_pfx_up(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_action(c, v,
			  &((struct bgpa_cfg_prefix *)obj)->act[BGPA_ACT_UP]);
}

static int cfg_pfx_down(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_action(c, v,
			  &((struct bgpa_cfg_prefix *)obj)->act[BGPA_ACT_DOWN]);
}

static int cfg_pfx_disabled(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_action(
		c, v, &((struct bgpa_cfg_prefix *)obj)->act[BGPA_ACT_DISABLED]);
}

static int cfg_pfx_withdraw_after(struct cfg_ctx *c, struct fy_node *v,
				  void *obj)
{
	return cfg_duration(
		c, v, 0, 3600000,
		&((struct bgpa_cfg_prefix *)obj)->disabled_withdraw_after_ms);
}

static int cfg_service_item(struct cfg_ctx *c, struct fy_node *item, size_t i,
			    void *obj)
{
	struct bgpa_cfg_prefix *p = obj;
	char buf[64];
	size_t j;

	if (cfg_scalar(c, item, buf, sizeof(buf), false))
		return -EINVAL;
	if (keel_vip_parse(buf, &p->services[i]))
		return cfg_fail(
			c, item,
			"must be a service as lbd writes it: "
			"VIP:PORT/PROTO, [VIP6]:PORT/PROTO or VIP/PROTO");
	for (j = 0; j < i; j++)
		if (!memcmp(&p->services[j], &p->services[i],
			    sizeof(p->services[i])))
			return cfg_fail(c, item, "duplicate service");
	return 0;
}

static int cfg_pfx_services(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_prefix *p = obj;
	int err = cfg_list(c, v, BGPA_SERVICES_MAX, cfg_service_item, p,
			   &p->n_services);

	p->has_services = true;
	if (!err && !p->n_services)
		return cfg_fail(c, v,
				"at least one service (leave the key out for "
				"every lbd service inside the prefix)");
	return err;
}

static int cfg_pfx_min_up(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_uint(c, v, 1, 65535,
			&((struct bgpa_cfg_prefix *)obj)->min_up);
}

static int cfg_pfx_rise(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_uint(c, v, 1, 100, &((struct bgpa_cfg_prefix *)obj)->rise);
}

static int cfg_pfx_fall(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_uint(c, v, 1, 100, &((struct bgpa_cfg_prefix *)obj)->fall);
}

static int cfg_probe_type(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_probe *pr = obj;
	char buf[16];

	if (cfg_scalar(c, v, buf, sizeof(buf), true))
		return -EINVAL;
	if (!strcmp(buf, "tcp"))
		pr->spec.type = KEEL_PROBE_TCP;
	else if (!strcmp(buf, "http"))
		pr->spec.type = KEEL_PROBE_HTTP;
	else
		return cfg_fail(c, v, "must be tcp or http");
	return 0;
}

static int cfg_probe_address(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_probe *pr = obj;
	int fam = 0;

	if (cfg_addr(c, v, 0, &fam, pr->spec.addr))
		return -EINVAL;
	pr->has_address = true;
	pr->spec.family = fam == AF_INET ? KEEL_F_INET : KEEL_F_INET6;
	return 0;
}

static int cfg_probe_port(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_probe *pr = obj;
	uint32_t port = 0;
	int err = cfg_uint(c, v, 1, 65535, &port);

	pr->spec.port = (uint16_t)port;
	return err;
}

static int cfg_probe_path(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_probe *pr = obj;
	size_t i;

	if (cfg_scalar(c, v, pr->spec.path, sizeof(pr->spec.path), false))
		return -EINVAL;
	if (pr->spec.path[0] != '/')
		return cfg_fail(c, v, "must start with /");
	for (i = 0; pr->spec.path[i]; i++)
		if ((unsigned char)pr->spec.path[i] <= 0x20 ||
		    (unsigned char)pr->spec.path[i] >= 0x7f ||
		    pr->spec.path[i] == '#')
			return cfg_fail(c, v,
					"visible ASCII only, no spaces or #");
	return 0;
}

static int cfg_probe_host(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_probe *pr = obj;
	size_t i;

	if (cfg_scalar(c, v, pr->spec.host, sizeof(pr->spec.host), false))
		return -EINVAL;
	for (i = 0; pr->spec.host[i]; i++)
		if ((unsigned char)pr->spec.host[i] <= 0x20 ||
		    (unsigned char)pr->spec.host[i] >= 0x7f)
			return cfg_fail(c, v, "visible ASCII only, no spaces");
	return 0;
}

/* "200" or "200-299", within 100..599. */
static int cfg_probe_expect(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_probe *pr = obj;
	unsigned long lo, hi;
	char buf[16], *dash;

	if (cfg_scalar(c, v, buf, sizeof(buf), false))
		return -EINVAL;
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!cfg_decimal(buf, 599, &lo) ||
	    (dash && !cfg_decimal(dash + 1, 599, &hi)))
		return cfg_fail(c, v,
				"must be a status (200) or a range (200-299) "
				"within 100..599");
	if (!dash)
		hi = lo;
	if (lo < 100 || hi < lo)
		return cfg_fail(c, v,
				"must be a status (200) or a range (200-299) "
				"within 100..599");
	pr->spec.status_min = (uint16_t)lo;
	pr->spec.status_max = (uint16_t)hi;
	return 0;
}

static int cfg_probe_interval(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_duration(c, v, 100, 60000,
			    &((struct bgpa_cfg_probe *)obj)->interval_ms);
}

static int cfg_probe_timeout(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_duration(c, v, 10, 60000,
			    &((struct bgpa_cfg_probe *)obj)->spec.timeout_ms);
}

static int cfg_probe_rise(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_uint(c, v, 1, 100, &((struct bgpa_cfg_probe *)obj)->rise);
}

static int cfg_probe_fall(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_uint(c, v, 1, 100, &((struct bgpa_cfg_probe *)obj)->fall);
}

static const struct cfg_field cfg_probe_fields[] = {
	{ "type", cfg_probe_type, true },
	{ "address", cfg_probe_address, false },
	{ "port", cfg_probe_port, true },
	{ "path", cfg_probe_path, false },
	{ "host", cfg_probe_host, false },
	{ "expect", cfg_probe_expect, false },
	{ "interval", cfg_probe_interval, false },
	{ "timeout", cfg_probe_timeout, false },
	{ "rise", cfg_probe_rise, false },
	{ "fall", cfg_probe_fall, false },
};

static int cfg_pfx_probe(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_probe *pr = &((struct bgpa_cfg_prefix *)obj)->probe;
	struct fy_node *m;
	int err = cfg_collection(c, v, FYNT_MAPPING, &m);

	if (err)
		return err;
	if (!m)
		return cfg_fail(c, v, "expected a mapping");
	pr->set = true;
	pr->interval_ms = 1000;
	pr->rise = 2;
	pr->fall = 2;
	err = cfg_map(c, m, cfg_probe_fields, N(cfg_probe_fields), pr);
	if (err)
		return err;
	if (!pr->spec.timeout_ms)
		pr->spec.timeout_ms = pr->interval_ms < 500 ? pr->interval_ms :
							      500;
	if (pr->spec.timeout_ms > pr->interval_ms) {
		cfg_push(c, ".timeout");
		return cfg_fail(c, m, "must not be longer than interval (%ums)",
				pr->interval_ms);
	}
	if (pr->spec.type != KEEL_PROBE_HTTP &&
	    (pr->spec.path[0] || pr->spec.host[0] || pr->spec.status_min))
		return cfg_fail(c, m,
				"path, host and expect are for http only");
	return 0;
}

static void cfg_prefix_defaults(struct bgpa_cfg_prefix *p)
{
	p->min_up = 1;
	p->rise = 3;
	p->fall = 2;
	p->act[BGPA_ACT_UP].announce = true;
}

/*
 * After the whole mapping (keys come in any order): each state's
 * attributes are the prefix's with the action's own keys over them; the
 * probe's address is the prefix's when it is one address.
 */
static int cfg_prefix_finish(struct cfg_ctx *c, struct fy_node *m,
			     struct bgpa_cfg_prefix *p)
{
	unsigned int s;

	for (s = 0; s < BGPA_ACT__MAX; s++) {
		struct bgpa_cfg_action *a = &p->act[s];
		struct bgpa_attrs at = p->attrs;

		if (a->has_prepend)
			at.prepend = a->attrs.prepend;
		if (a->has_med) {
			at.has_med = true;
			at.med = a->attrs.med;
		}
		if (a->has_comm) {
			at.n_comm = a->attrs.n_comm;
			memcpy(at.comm, a->attrs.comm, sizeof(at.comm));
		}
		if (a->has_large) {
			at.n_large = a->attrs.n_large;
			memcpy(at.large, a->attrs.large, sizeof(at.large));
		}
		a->attrs = at;
	}
	if (!p->probe.set || p->probe.has_address)
		return 0;
	if (p->pfx.len != (p->pfx.afi == BGP_AFI_IPV4 ? 32 : 128)) {
		cfg_push(c, ".probe.address");
		return cfg_fail(c, m,
				"required key missing (the prefix is not one "
				"address)");
	}
	p->probe.spec.family = p->pfx.afi == BGP_AFI_IPV4 ? KEEL_F_INET :
							    KEEL_F_INET6;
	memcpy(p->probe.spec.addr, p->pfx.addr,
	       p->pfx.afi == BGP_AFI_IPV4 ? 4 : 16);
	return 0;
}

static const struct cfg_field cfg_prefix_fields[] = {
	{ "prefix", cfg_pfx_prefix, true },
	{ "announce", cfg_pfx_announce, false },
	{ "prepend", cfg_pfx_prepend, false },
	{ "med", cfg_pfx_med, false },
	{ "communities", cfg_pfx_comm, false },
	{ "large_communities", cfg_pfx_large, false },
	{ "services", cfg_pfx_services, false },
	{ "min_up", cfg_pfx_min_up, false },
	{ "rise", cfg_pfx_rise, false },
	{ "fall", cfg_pfx_fall, false },
	{ "up", cfg_pfx_up, false },
	{ "down", cfg_pfx_down, false },
	{ "disabled", cfg_pfx_disabled, false },
	{ "disabled_withdraw_after", cfg_pfx_withdraw_after, false },
	{ "probe", cfg_pfx_probe, false },
};
_Static_assert(N(cfg_prefix_fields) <= BGPA_FIELDS_MAX, "cfg_map() limit");
_Static_assert(N(cfg_probe_fields) <= BGPA_FIELDS_MAX, "cfg_map() limit");

static int cfg_prefix_item(struct cfg_ctx *c, struct fy_node *item, size_t i,
			   void *obj)
{
	struct bgpa_config *cfg = obj;
	struct bgpa_cfg_prefix *p = &cfg->prefixes[i];
	struct fy_node *m;
	size_t j;
	int err;

	p->announce = true;
	cfg_prefix_defaults(p);
	p->line = cfg_line(c, item);
	err = cfg_collection(c, item, FYNT_MAPPING, &m);
	if (!err && !m)
		return cfg_fail(c, item, "expected a mapping");
	if (!err)
		err = cfg_map(c, m, cfg_prefix_fields, N(cfg_prefix_fields), p);
	if (!err)
		err = cfg_prefix_finish(c, m, p);
	if (err)
		return err;
	for (j = 0; j < i; j++)
		if (bgp_prefix_eq(&cfg->prefixes[j].pfx, &p->pfx))
			return cfg_fail(
				c, item,
				"duplicate prefix (same as prefixes[%zu])", j);
	return 0;
}

static int cfg_prefixes(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;
	struct fy_node *seq;
	size_t n;
	int err;

	err = cfg_collection(c, v, FYNT_SEQUENCE, &seq);
	if (err || !seq)
		return err;
	n = (size_t)fy_node_sequence_item_count(seq);
	if (n > BGPA_PREFIXES_MAX)
		return cfg_fail(c, v, "too many prefixes (max %d)",
				BGPA_PREFIXES_MAX);
	cfg->prefixes = calloc(n ? n : 1, sizeof(*cfg->prefixes));
	if (!cfg->prefixes)
		return -ENOMEM;
	err = cfg_list(c, v, BGPA_PREFIXES_MAX, cfg_prefix_item, cfg, &n);
	cfg->n_prefixes = n;
	return err;
}

/* ---- peers ---- */

static int cfg_peer_address(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_peer *p = obj;

	return cfg_addr(c, v, 0, &p->family, p->addr);
}

static int cfg_peer_name(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_peer *p = obj;
	size_t i;

	if (cfg_scalar(c, v, p->name, sizeof(p->name), false))
		return -EINVAL;
	for (i = 0; p->name[i]; i++)
		if ((unsigned char)p->name[i] <= 0x20 || p->name[i] == 0x7f ||
		    p->name[i] == '"' || p->name[i] == '\\')
			return cfg_fail(
				c, v,
				"must be printable, without spaces or quotes");
	if (!p->name[0])
		return cfg_fail(c, v, "must not be empty");
	return 0;
}

static int cfg_peer_as(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_uint(c, v, 1, 0xffffffffUL,
			&((struct bgpa_cfg_peer *)obj)->remote_as);
}

static int cfg_peer_port(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	uint32_t port = 0;
	int err = cfg_uint(c, v, 1, 65535, &port);

	((struct bgpa_cfg_peer *)obj)->port = (uint16_t)port;
	return err;
}

static int cfg_peer_local(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_peer *p = obj;

	p->has_local = true;
	return cfg_addr(c, v, 0, &p->local_family, p->local);
}

static int cfg_peer_password(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_peer *p = obj;

	return cfg_scalar(c, v, p->password, sizeof(p->password), false);
}

static int cfg_hold(struct cfg_ctx *c, struct fy_node *v, uint16_t *out)
{
	uint32_t h = 0;
	int err = cfg_uint(c, v, 0, 65535, &h);

	if (err)
		return err;
	/* RFC 4271 section 4.2: zero or at least three seconds. */
	if (h == 1 || h == 2)
		return cfg_fail(c, v, "must be 0 or 3..65535 seconds");
	*out = (uint16_t)h;
	return 0;
}

static int cfg_peer_hold(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_peer *p = obj;

	p->has_hold = true;
	return cfg_hold(c, v, &p->hold_time);
}

static int cfg_peer_passive(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_bool(c, v, &((struct bgpa_cfg_peer *)obj)->passive);
}

static int cfg_peer_bfd(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_bool(c, v, &((struct bgpa_cfg_peer *)obj)->bfd);
}

static int cfg_peer_bfd_iv(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_duration(c, v, 10, 10000,
			    &((struct bgpa_cfg_peer *)obj)->bfd_interval_ms);
}

static int cfg_peer_bfd_mult(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_uint(c, v, 1, 255,
			&((struct bgpa_cfg_peer *)obj)->bfd_multiplier);
}

static int cfg_peer_nh4(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_peer *p = obj;
	uint8_t a[16];
	int fam;

	if (cfg_addr(c, v, AF_INET, &fam, a))
		return -EINVAL;
	p->has_nh4 = true;
	p->nh4 = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
		 (uint32_t)a[2] << 8 | a[3];
	return 0;
}

static int cfg_peer_nh6(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_cfg_peer *p = obj;
	int fam;

	p->has_nh6 = true;
	return cfg_addr(c, v, AF_INET6, &fam, p->nh6);
}

static const struct cfg_field cfg_peer_fields[] = {
	{ "address", cfg_peer_address, true },
	{ "remote_as", cfg_peer_as, true },
	{ "name", cfg_peer_name, false },
	{ "port", cfg_peer_port, false },
	{ "local_address", cfg_peer_local, false },
	{ "password", cfg_peer_password, false },
	{ "hold_time", cfg_peer_hold, false },
	{ "passive", cfg_peer_passive, false },
	{ "next_hop_ipv4", cfg_peer_nh4, false },
	{ "next_hop_ipv6", cfg_peer_nh6, false },
	{ "bfd", cfg_peer_bfd, false },
	{ "bfd_interval", cfg_peer_bfd_iv, false },
	{ "bfd_multiplier", cfg_peer_bfd_mult, false },
};

static int cfg_peer_item(struct cfg_ctx *c, struct fy_node *item, size_t i,
			 void *obj)
{
	struct bgpa_config *cfg = obj;
	struct bgpa_cfg_peer *p = &cfg->peers[i];
	struct fy_node *m;
	size_t j;
	int err;

	p->port = 179;
	p->bfd_interval_ms = 300;
	p->bfd_multiplier = 3;
	p->line = cfg_line(c, item);
	err = cfg_collection(c, item, FYNT_MAPPING, &m);
	if (!err && !m)
		return cfg_fail(c, item, "expected a mapping");
	if (!err)
		err = cfg_map(c, m, cfg_peer_fields, N(cfg_peer_fields), p);
	if (err)
		return err;
	if (p->has_local && p->local_family != p->family) {
		cfg_push(c, ".local_address");
		return cfg_fail(c,
				fy_node_mapping_lookup_by_string(
					m, "local_address", 13),
				"must be of the peer address's family");
	}
	if (!p->name[0])
		inet_ntop(p->family, p->addr, p->name, sizeof(p->name));
	for (j = 0; j < i; j++) {
		if (cfg->peers[j].family == p->family &&
		    !memcmp(cfg->peers[j].addr, p->addr, 16))
			return cfg_fail(
				c, item,
				"duplicate peer address (same as peers[%zu])",
				j);
		if (!strcmp(cfg->peers[j].name, p->name))
			return cfg_fail(
				c, item,
				"duplicate peer name (same as peers[%zu])", j);
	}
	return 0;
}

static int cfg_peers(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;
	struct fy_node *seq;
	size_t n;
	int err;

	err = cfg_collection(c, v, FYNT_SEQUENCE, &seq);
	if (err)
		return err;
	n = seq ? (size_t)fy_node_sequence_item_count(seq) : 0;
	if (n == 0)
		return cfg_fail(c, v, "at least one peer is required");
	if (n > BGPA_PEERS_MAX)
		return cfg_fail(c, v, "too many peers (max %d)",
				BGPA_PEERS_MAX);
	cfg->peers = calloc(n, sizeof(*cfg->peers));
	if (!cfg->peers)
		return -ENOMEM;
	err = cfg_list(c, v, BGPA_PEERS_MAX, cfg_peer_item, cfg, &n);
	cfg->n_peers = n;
	return err;
}

/* ---- top level ---- */

static int cfg_local_as(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_uint(c, v, 1, 0xffffffffUL,
			&((struct bgpa_config *)obj)->local_as);
}

static int cfg_router_id(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;
	uint8_t a[16];
	int fam;

	/* RFC 6286: any non-zero 32-bit value, written as IPv4. */
	if (cfg_addr(c, v, AF_INET, &fam, a))
		return -EINVAL;
	cfg->router_id = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
			 (uint32_t)a[2] << 8 | a[3];
	return 0;
}

static int cfg_root_hold(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_hold(c, v, &((struct bgpa_config *)obj)->hold_time);
}

static int cfg_retry(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_duration(c, v, 100, 600000,
			    &((struct bgpa_config *)obj)->retry_min_ms);
}

static int cfg_retry_max(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_duration(c, v, 100, 3600000,
			    &((struct bgpa_config *)obj)->retry_max_ms);
}

static int cfg_listen_port(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	uint32_t port = 0;
	int err = cfg_uint(c, v, 0, 65535, &port);

	((struct bgpa_config *)obj)->listen_port = (uint16_t)port;
	return err;
}

static const char cfg_name_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				     "abcdefghijklmnopqrstuvwxyz"
				     "0123456789_.-";

static int cfg_name(struct cfg_ctx *c, struct fy_node *v, char *out,
		    size_t size)
{
	if (cfg_scalar(c, v, out, size, false))
		return -EINVAL;
	if (strspn(out, cfg_name_chars) != strlen(out) || out[0] == '-')
		return cfg_fail(c, v,
				"must be a name (A-Z a-z 0-9 _ . -) or \"\"");
	return 0;
}

static int cfg_user(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;

	if (cfg_name(c, v, cfg->user, sizeof(cfg->user)))
		return -EINVAL;
	/* The BGP parser must never run as root. */
	if (!strcmp(cfg->user, "root"))
		return cfg_fail(
			c, v,
			"bgp-announcer never runs as root: name the user it becomes (default keel-bgp)");
	return 0;
}

static int cfg_shutdown_msg(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;
	size_t i;

	/* RFC 9003: UTF-8 (the whole file is checked), up to 255 bytes. */
	if (cfg_scalar(c, v, cfg->shutdown_message,
		       sizeof(cfg->shutdown_message), false))
		return -EINVAL;
	for (i = 0; cfg->shutdown_message[i]; i++)
		if ((unsigned char)cfg->shutdown_message[i] < 0x20)
			return cfg_fail(c, v, "contains a control character");
	return 0;
}

static int cfg_ctl_socket(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;
	size_t i;

	if (cfg_scalar(c, v, cfg->ctl_socket, sizeof(cfg->ctl_socket), false))
		return -EINVAL;
	if (cfg->ctl_socket[0] != '/')
		return cfg_fail(c, v, "must be an absolute path");
	for (i = 0; cfg->ctl_socket[i]; i++)
		if ((unsigned char)cfg->ctl_socket[i] < 0x20)
			return cfg_fail(c, v, "contains a control character");
	return 0;
}

static int cfg_ctl_group(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;

	return cfg_name(c, v, cfg->ctl_group, sizeof(cfg->ctl_group));
}

static int cfg_ctl_read_group(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;

	return cfg_name(c, v, cfg->ctl_read_group, sizeof(cfg->ctl_read_group));
}

static int cfg_ctl_max_conns(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;

	return cfg_uint(c, v, 1, KEEL_CTLSOCK_CONNS_MAX, &cfg->ctl_max_conns);
}

static const struct cfg_field cfg_control_fields[] = {
	{ "socket", cfg_ctl_socket, false },
	{ "group", cfg_ctl_group, false },
	{ "read_group", cfg_ctl_read_group, false },
	{ "max_connections", cfg_ctl_max_conns, false },
};

static int cfg_control(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct fy_node *m;
	int err = cfg_collection(c, v, FYNT_MAPPING, &m);

	return err   ?:
		       cfg_map(c, m, cfg_control_fields, N(cfg_control_fields),
			       obj);
}

/* ---- health gating: top-level keys ---- */

static int cfg_abs_path(struct cfg_ctx *c, struct fy_node *v, char *out,
			size_t size)
{
	size_t i;

	if (cfg_scalar(c, v, out, size, false))
		return -EINVAL;
	if (out[0] != '/')
		return cfg_fail(c, v, "must be an absolute path");
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20)
			return cfg_fail(c, v, "contains a control character");
	return 0;
}

static int cfg_lbd_socket(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;

	return cfg_abs_path(c, v, cfg->lbd_socket, sizeof(cfg->lbd_socket));
}

static int cfg_lbd_interval(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_duration(c, v, 10, 60000,
			    &((struct bgpa_config *)obj)->lbd_interval_ms);
}

static int cfg_lbd_timeout(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	return cfg_duration(c, v, 10, 60000,
			    &((struct bgpa_config *)obj)->lbd_timeout_ms);
}

static const struct cfg_field cfg_lbd_fields[] = {
	{ "socket", cfg_lbd_socket, true },
	{ "interval", cfg_lbd_interval, false },
	{ "timeout", cfg_lbd_timeout, false },
};

static int cfg_lbd(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;
	struct fy_node *m;
	int err = cfg_collection(c, v, FYNT_MAPPING, &m);

	if (err)
		return err;
	if (!m)
		return cfg_fail(c, v, "expected a mapping with socket:");
	cfg->has_lbd = true;
	return cfg_map(c, m, cfg_lbd_fields, N(cfg_lbd_fields), obj);
}

static int cfg_disable_file(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;

	return cfg_abs_path(c, v, cfg->disable_file, sizeof(cfg->disable_file));
}

static int cfg_metrics_listen(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct bgpa_config *cfg = obj;
	uint8_t fam;
	__be32 a[4];
	uint16_t port;

	if (cfg_scalar(c, v, cfg->metrics_listen, sizeof(cfg->metrics_listen),
		       false))
		return -EINVAL;
	if (!strcmp(cfg->metrics_listen, "off")) {
		cfg->metrics_listen[0] = '\0';
		return 0;
	}
	if (keel_hostport_parse(cfg->metrics_listen,
				strlen(cfg->metrics_listen), true, &fam, a,
				&port))
		return cfg_fail(c, v,
				"must be ADDRESS:PORT or [IPV6]:PORT with an "
				"address literal, or off");
	return 0;
}

static int cfg_metrics_max_conns(struct cfg_ctx *c, struct fy_node *v,
				 void *obj)
{
	struct bgpa_config *cfg = obj;

	return cfg_uint(c, v, 1, KEEL_METRICS_CONNS_MAX,
			&cfg->metrics_max_conns);
}

static const struct cfg_field cfg_metrics_fields[] = {
	{ "listen", cfg_metrics_listen, false },
	{ "max_connections", cfg_metrics_max_conns, false },
};

static int cfg_metrics(struct cfg_ctx *c, struct fy_node *v, void *obj)
{
	struct fy_node *m;
	int err = cfg_collection(c, v, FYNT_MAPPING, &m);

	return err   ?:
		       cfg_map(c, m, cfg_metrics_fields, N(cfg_metrics_fields),
			       obj);
}

/* What needs the whole document: services: only with lbd:. */
static int cfg_check_gating(struct cfg_ctx *c, struct bgpa_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->n_prefixes; i++) {
		if (!cfg->prefixes[i].has_services || cfg->has_lbd)
			continue;
		c->here = (struct keel_yaml_pos){ cfg->prefixes[i].line, 0 };
		snprintf(c->path, sizeof(c->path), "prefixes[%zu].services", i);
		return cfg_fail(c, NULL, "needs lbd: (the socket to ask)");
	}
	return 0;
}

static const struct cfg_field cfg_root_fields[] = {
	{ "local_as", cfg_local_as, true },
	{ "router_id", cfg_router_id, true },
	{ "hold_time", cfg_root_hold, false },
	{ "connect_retry", cfg_retry, false },
	{ "connect_retry_max", cfg_retry_max, false },
	{ "listen_port", cfg_listen_port, false },
	{ "user", cfg_user, false },
	{ "shutdown_message", cfg_shutdown_msg, false },
	{ "control", cfg_control, false },
	{ "peers", cfg_peers, true },
	{ "prefixes", cfg_prefixes, false },
	{ "lbd", cfg_lbd, false },
	{ "disable_file", cfg_disable_file, false },
	{ "metrics", cfg_metrics, false },
};
_Static_assert(N(cfg_root_fields) <= BGPA_FIELDS_MAX, "cfg_map() limit");
_Static_assert(N(cfg_peer_fields) <= BGPA_FIELDS_MAX, "cfg_map() limit");

static int cfg_root(struct cfg_ctx *c, struct fy_node *root, void *obj)
{
	return cfg_map(c, root, cfg_root_fields, N(cfg_root_fields), obj);
}

int bgpa_config_parse(const char *buf, size_t len, const char *file,
		      struct bgpa_config *out, struct bgpa_config_error *err)
{
	struct keel_yaml_error scratch;
	struct cfg_ctx c;
	size_t i;
	int ret;

	if (!err)
		err = &scratch;
	keel_yaml_init(&c, err, file, buf, len,
		       KEEL_YAML_BRIEF | KEEL_YAML_SHORT_INT);
	memset(out, 0, sizeof(*out));
	out->hold_time = 90;
	out->ctl_max_conns = KEEL_CTLSOCK_CONNS;
	out->metrics_max_conns = KEEL_METRICS_CONNS;
	out->retry_min_ms = 1000;
	out->retry_max_ms = 30000;
	out->listen_port = 179;
	out->lbd_interval_ms = 200;
	out->lbd_timeout_ms = 500;
	snprintf(out->ctl_socket, sizeof(out->ctl_socket),
		 "/run/keel/bgp-announcer.sock");
	snprintf(out->shutdown_message, sizeof(out->shutdown_message),
		 "bgp-announcer stopped");
	ret = keel_yaml_load(&c, BGPA_FILE_MAX, cfg_root, out);
	if (ret)
		goto out;
	if (out->retry_max_ms < out->retry_min_ms) {
		c.here = (struct keel_yaml_pos){ 0, 0 };
		snprintf(c.path, sizeof(c.path), "connect_retry_max");
		ret = cfg_fail(&c, NULL, "must not be below connect_retry");
		goto out;
	}
	ret = cfg_check_gating(&c, out);
	if (ret)
		goto out;
	for (i = 0; i < out->n_peers; i++)
		if (!out->peers[i].has_hold)
			out->peers[i].hold_time = out->hold_time;
out:
	if (ret)
		bgpa_config_free(out);
	return ret;
}

static int bgpa_config_parse_any(const char *buf, size_t len, const char *file,
				 void *out, struct keel_yaml_error *err)
{
	return bgpa_config_parse(buf, len, file, out, err);
}

/* bgpa_config_parse() on the file (keel_yaml_load_file), then the
 * passwords' rule, which needs the file's mode. */
int bgpa_config_load(const char *file, struct bgpa_config *out,
		     struct bgpa_config_error *err)
{
	struct bgpa_config_error scratch;
	struct stat st;
	int ret;

	if (!err)
		err = &scratch;
	memset(out, 0, sizeof(*out));
	ret = keel_yaml_load_file(file, BGPA_FILE_MAX, bgpa_config_parse_any,
				  out, err, &st);
	/* TCP-MD5 passwords are secrets: the daemon's group at most. */
	for (size_t i = 0; !ret && i < out->n_peers; i++) {
		if (!out->peers[i].password[0] || !(st.st_mode & S_IROTH))
			continue;
		snprintf(
			err->msg, sizeof(err->msg),
			"holds TCP-MD5 passwords and mode %04o lets others read it (chmod o-r)",
			(unsigned int)(st.st_mode & 07777));
		bgpa_config_free(out);
		ret = -EPERM;
	}
	return ret;
}

void bgpa_config_free(struct bgpa_config *c)
{
	if (!c)
		return;
	free(c->peers);
	free(c->prefixes);
	memset(c, 0, sizeof(*c));
}

int bgpa_config_error_format(const struct bgpa_config_error *e, char *buf,
			     size_t size)
{
	return keel_yaml_error_format(e, buf, size);
}
