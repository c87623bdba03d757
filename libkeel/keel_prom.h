/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_prom - the pure half of the metrics endpoint: Prometheus text
 * exposition format 0.0.4 into an evbuffer (its listen address is parsed
 * by keel_sockaddr_parse, keel_addr.h).  No I/O, so unit tests link this
 * file alone (plus libevent's evbuffer).
 */
#ifndef KEEL_PROM_H
#define KEEL_PROM_H

#include <stddef.h>

struct evbuffer;

/* Names are the caller's constants (never validated); values are escaped. */
struct keel_prom_label {
	const char *name;
	const char *value;
};

/*
 * "# HELP name help\n# TYPE name type\n".  type: counter, gauge, ...;
 * help may hold any text (backslash and newline are escaped).
 */
void keel_prom_help(struct evbuffer *b, const char *name, const char *type,
		    const char *help);
/*
 * name{l1="v1",l2="v2"} value\n   (no braces without labels).
 * Integral values print as integers up to 2^63 ("1000000", not "1e+06"),
 * others in the shortest form that reads back to the same double;
 * NaN, +Inf, -Inf as Prometheus spells them.
 */
void keel_prom_sample(struct evbuffer *b, const char *name,
		      const struct keel_prom_label *labels, size_t nlabels,
		      double value);
/* The value as keel_prom_sample writes it; returns the length or -ENOSPC. */
int keel_prom_value(char *buf, size_t size, double value);

#endif
