/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_yaml - the schema walker behind every keel YAML configuration
 * (lbd, rs-agent, bgp-announcer), on libfyaml.
 *
 * A loader describes each mapping with a table of known keys and walks
 * the document with these helpers: a typo is an error, never an ignored
 * setting, and the first problem stops the parse with the file, line,
 * column and dotted key path (`file:line: key: message`).
 *
 * libfyaml 0.7.12 workarounds live here once: only YAML-printable UTF-8
 * reaches the parser (it loops on malformed UTF-8 in a directive), and
 * single-quoted scalars holding '' are refused (it leaks there).  Aliases
 * are followed here, with every list bounded by its caller; tags and merge
 * keys are refused.
 *
 * No I/O, no logging (keel_yaml_file.c alone reads the file); the loader
 * owns what it builds.
 */
#ifndef KEEL_YAML_H
#define KEEL_YAML_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include <libfyaml.h>

#define KEEL_YAML_FIELDS_MAX 20 /* keys of one mapping table (lbd pair: 17) */

struct keel_yaml_error {
	char file[256];
	int line; /* 1-based; 0 if not known */
	int column;
	char key[128]; /* dotted path, e.g. services[1].reals[0].weight */
	char msg[320]; /* room for "unknown key; expected" and 16 names */
};

struct keel_yaml_pos {
	int line; /* 1-based; 0 unknown */
	int col;
};

/*
 * Each loader keeps the messages its operators and tests know; these
 * select the forms that differ.
 */
enum {
	/* Durations say "10ms..10000ms" rather than "10ms..10s". */
	KEEL_YAML_MS = 1 << 0,
	/* Integers are at most 31 characters ("too long" beyond). */
	KEEL_YAML_SHORT_INT = 1 << 1,
	/*
	 * bgp-announcer's forms: "expected a scalar" / "expected a list"
	 * without what was found, "unknown key" without the list, keys read
	 * as scalars of at most 63 bytes and put in the path unquoted (40
	 * bytes), "500ms or 2s", a NUL as any other character not allowed,
	 * and a syntax error reported before a second document.
	 */
	KEEL_YAML_BRIEF = 1 << 2,
};

/*
 * The walk's state.  A loader may embed it as the first member of its own
 * context and get back to that from the struct keel_yaml * its field
 * parsers receive.
 */
struct keel_yaml {
	struct keel_yaml_error *err;
	const char *buf; /* the raw input, for the '' check */
	size_t len;
	unsigned int flags;
	/* Where to point when a node has no token of its own (null value). */
	struct keel_yaml_pos here;
	char path[sizeof(((struct keel_yaml_error *)0)->key)];
	size_t plen;
};

/* A key of one mapping and the function that parses its value. */
struct keel_yaml_field {
	const char *name;
	int (*parse)(struct keel_yaml *y, struct fy_node *v, void *obj);
	bool required;
};

/* Clears *err and names the file ("-" for NULL). */
void keel_yaml_init(struct keel_yaml *y, struct keel_yaml_error *err,
		    const char *file, const char *buf, size_t len,
		    unsigned int flags);
/*
 * Check buf (at most max bytes) as YAML-printable UTF-8, parse the one
 * document it must hold and pass its root mapping to root().  0 or
 * -EINVAL with *err filled; -ENOMEM says "out of memory".
 */
int keel_yaml_load(struct keel_yaml *y, size_t max,
		   int (*root)(struct keel_yaml *y, struct fy_node *root,
			       void *arg),
		   void *arg);
/* "file:line: key: message" (the parts that are known). */
int keel_yaml_error_format(const struct keel_yaml_error *e, char *buf,
			   size_t size);

/* ---- text checks (YAML 1.2 section 5.1) ---- */

/* One UTF-8 sequence at s (n > 0 bytes left): its length, 0 if malformed. */
size_t keel_yaml_utf8(const unsigned char *s, size_t n, uint32_t *cp);
bool keel_yaml_printable(uint32_t cp);
/* The whole input: UTF-8 of printable characters, no NUL. */
int keel_yaml_check_text(struct keel_yaml *y, const char *buf, size_t len);

/* ---- errors and key paths ---- */

/* User text for a message: printable ASCII, at most 40 bytes then "...". */
void keel_yaml_quote(char *dst, size_t size, const char *s, size_t len);
/* Where n is (a collection: at its first scalar), else y->here. */
void keel_yaml_node_pos(const struct keel_yaml *y, struct fy_node *n,
			struct keel_yaml_pos *pos);
int keel_yaml_line(const struct keel_yaml *y, struct fy_node *n);
__attribute__((format(printf, 2, 3))) void keel_yaml_push(struct keel_yaml *y,
							  const char *fmt, ...);
void keel_yaml_push_key(struct keel_yaml *y, const char *k, size_t len);
void keel_yaml_push_index(struct keel_yaml *y, size_t i);
void keel_yaml_pop(struct keel_yaml *y, size_t plen);
/* Record an error at n (or pos) under the current path; -EINVAL. */
__attribute__((format(printf, 3, 4))) int
keel_yaml_fail(struct keel_yaml *y, struct fy_node *n, const char *fmt, ...);
int keel_yaml_vfail_at(struct keel_yaml *y, const struct keel_yaml_pos *pos,
		       const char *fmt, va_list ap);
/* An error about child key k of the current path (e.g. it is missing). */
__attribute__((format(printf, 4, 5))) int
keel_yaml_fail_key(struct keel_yaml *y, struct fy_node *n, const char *k,
		   const char *fmt, ...);

/* ---- nodes ---- */

const char *keel_yaml_type_name(struct fy_node *n);
/* YAML 1.2 core schema nulls (and no node at all); quoted is never null. */
bool keel_yaml_is_null(struct fy_node *n);
/* Follow an alias and refuse tags; *out NULL for a missing value. */
int keel_yaml_resolve(struct keel_yaml *y, struct fy_node *n,
		      struct fy_node **out);
/* A scalar's text, '' in single quotes refused (libfyaml 0.7.12 leak). */
int keel_yaml_text(struct keel_yaml *y, struct fy_node *n, const char **s,
		   size_t *len);
/*
 * Resolve n and require type; no value is an empty collection (*out
 * NULL) when null_ok, else an error.
 */
int keel_yaml_collection(struct keel_yaml *y, struct fy_node *n,
			 enum fy_node_type type, bool null_ok,
			 struct fy_node **out);
/* The i-th item of seq, aliases followed. */
struct fy_node *keel_yaml_item(struct fy_node *seq, size_t i);
/*
 * Walk mapping n (resolved, or NULL for an empty one) against fields:
 * unknown, duplicate and missing required keys are errors.
 */
int keel_yaml_map(struct keel_yaml *y, struct fy_node *n,
		  const struct keel_yaml_field *fields, size_t nfields,
		  void *obj);
/*
 * Walk list v (no value: empty): at most max items, each passed to item()
 * with the path at "[i]"; *seq (may be NULL) gets the resolved list.
 */
int keel_yaml_list(struct keel_yaml *y, struct fy_node *v, size_t max,
		   const char *what, struct fy_node **seq,
		   int (*item)(struct keel_yaml *y, struct fy_node *n, size_t i,
			       void *obj),
		   void *obj);

/* ---- scalars ---- */

/* NUL-terminated text in buf; plain: must be unquoted (numbers). */
int keel_yaml_scalar(struct keel_yaml *y, struct fy_node *n, char *buf,
		     size_t size, bool plain);
/* Strict unsigned decimal: no sign, no leading zero, no other base. */
bool keel_yaml_decimal(const char *s, unsigned long max, unsigned long *v);
int keel_yaml_uint(struct keel_yaml *y, struct fy_node *n, unsigned long min,
		   unsigned long max, uint32_t *out);
int keel_yaml_bool(struct keel_yaml *y, struct fy_node *n, bool *out);
/* An integer and a unit, "250ms" or "2s", within min..max ms. */
int keel_yaml_duration_ms(struct keel_yaml *y, struct fy_node *n, uint32_t min,
			  uint32_t max, uint32_t *out);
/* An absolute path without control characters, fitting size bytes. */
int keel_yaml_path(struct keel_yaml *y, struct fy_node *n, char *out,
		   size_t size);
/*
 * A user or group name (POSIX portable: A-Z a-z 0-9 _ . -, not starting
 * with '-') fitting size bytes; "" too when empty_ok.  what: "user" or
 * "group", for the message.
 */
int keel_yaml_account(struct keel_yaml *y, struct fy_node *n, char *out,
		      size_t size, const char *what, bool empty_ok);
/* Not unspecified, multicast or (IPv4) broadcast: 16 bytes, KEEL_F_*. */
bool keel_yaml_addr_usable(uint8_t family, const void *addr);
/*
 * An IPv4 or IPv6 address literal a host can use into addr (16 bytes,
 * network order); family KEEL_F_*.
 */
int keel_yaml_addr(struct keel_yaml *y, struct fy_node *n, uint8_t *family,
		   void *addr);
/*
 * ADDRESS:PORT or [IPV6]:PORT as parse() (keel_hostport_parse()) reads it,
 * port 1..65535; "" or off turn the listener off (out "").
 */
int keel_yaml_hostport(struct keel_yaml *y, struct fy_node *n, char *out,
		       size_t size,
		       int (*parse)(const char *s, size_t len, bool need_port,
				    uint8_t *family, __be32 addr[4],
				    uint16_t *port));

/* ---- the file (keel_yaml_file.c) ---- */

/*
 * A loader's parser: buf (len bytes, NUL-terminated) named file, into out;
 * 0 or -errno with *err filled.
 */
typedef int (*keel_yaml_parse_fn)(const char *buf, size_t len, const char *file,
				  void *out, struct keel_yaml_error *err);
/*
 * A daemon's configuration file through its parser: read whole
 * (keel_file_read: a regular file of at most max bytes), refused before
 * parsing when someone else may write it (keel_file_check_config), then
 * parse().  err (may be NULL) is cleared and names file; a read or owner
 * problem is its msg.  st (may be NULL) gets what fstat said of a file
 * that could be read, for checks after the parse.  out is left as it was
 * when the file cannot be used.  0, -errno, or parse()'s error.
 */
struct stat;
int keel_yaml_load_file(const char *file, size_t max, keel_yaml_parse_fn parse,
			void *out, struct keel_yaml_error *err,
			struct stat *st);

#endif
