// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>

#include "keel_prom.h"

/*
 * Text format 0.0.4: HELP text escapes backslash and newline; label
 * values escape those and the double quote.
 */
static void keel_prom_escape(struct evbuffer *b, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && quote)
			esc = "\\\"";
		if (!esc)
			continue;
		evbuffer_add(b, run, s - run);
		evbuffer_add(b, esc, 2);
		run = s + 1;
	}
	evbuffer_add(b, run, s - run);
}

void keel_prom_help(struct evbuffer *b, const char *name, const char *type,
		    const char *help)
{
	evbuffer_add_printf(b, "# HELP %s ", name);
	keel_prom_escape(b, help, false);
	evbuffer_add_printf(b, "\n# TYPE %s %s\n", name, type);
}

int keel_prom_value(char *buf, size_t size, double v)
{
	int n, prec;

	if (isnan(v))
		n = snprintf(buf, size, "NaN");
	else if (isinf(v))
		n = snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
	/* cppcheck 2.10 misreads the hex float -0x1p63 (a false positive): */
	// cppcheck-suppress incorrectLogicOperator
	else if (v > -0x1p63 && v < 0x1p63 && v == (double)(long long)v)
		/* Counters: "1000000", never "1e+06"; -0 prints as 0. */
		n = snprintf(buf, size, "%lld", (long long)v);
	else
		for (prec = 15;; prec++) {
			/* The shortest text that reads back to v exactly. */
			n = snprintf(buf, size, "%.*g", prec, v);
			if (prec == 17 || (n > 0 && (size_t)n < size &&
					   strtod(buf, NULL) == v))
				break;
		}
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

void keel_prom_sample(struct evbuffer *b, const char *name,
		      const struct keel_prom_label *labels, size_t nlabels,
		      double value)
{
	char num[32];
	size_t i;

	evbuffer_add(b, name, strlen(name));
	for (i = 0; i < nlabels; i++) {
		evbuffer_add_printf(b, "%c%s=\"", i ? ',' : '{',
				    labels[i].name);
		keel_prom_escape(b, labels[i].value, true);
		evbuffer_add(b, "\"", 1);
	}
	if (nlabels)
		evbuffer_add(b, "}", 1);
	/* At most 24 bytes ("-2.2250738585072014e-308"): it cannot fail. */
	(void)keel_prom_value(num, sizeof(num), value);
	evbuffer_add_printf(b, " %s\n", num);
}
