// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer target: the control answers' parsers (keel_ctl_head and the
 * keel_ctl_lbd, keel_ctl_bgpa and keel_ctl_agent codecs) on arbitrary
 * lines, as lbctl, bgp-announcer and rs-agent read their daemons'
 * answers.  The first byte picks the parser.  A refused line must leave
 * a zeroed struct and a printable message; an accepted one must encode
 * (into 1 MiB: -ENOSPC allowed, nothing else), and what it encodes to
 * must parse and encode again to the same bytes.  The status lines also
 * go through bgp-announcer's narrow reading of them (fuzz_gate()).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keel_ctl.h"
#include "keel_ctl_agent.h"
#include "keel_ctl_bgpa.h"
#include "keel_ctl_lbd.h"
#include "ctl_kind.h"

#define FUZZ_CHECK(x)            \
	do {                     \
		if (!(x))        \
			abort(); \
	} while (0)

#define FUZZ_ENC_MAX (1U << 20)

struct fuzz_empty {
	char unused;
};

static int empty_parse(const char *l, size_t n, void *o, char *e, size_t el)
{
	memset(o, 0, sizeof(struct fuzz_empty));
	return keel_ctl_empty_parse(l, n, e, el);
}

static int empty_encode(char *b, size_t s, const void *i)
{
	(void)i;
	return keel_ctl_empty_encode(b, s);
}

static const struct ctl_kind empty = { "empty", sizeof(struct fuzz_empty),
				       empty_parse, empty_encode, NULL };
CTL_KIND_FREE(status, struct keel_ctl_status, keel_ctl_status,
	      keel_ctl_status_free);
CTL_KIND_FREE(services, struct keel_ctl_services, keel_ctl_services,
	      keel_ctl_services_free);
CTL_KIND_FREE(reals, struct keel_ctl_service, keel_ctl_reals,
	      keel_ctl_service_free);
CTL_KIND_FREE(stats, struct keel_ctl_stats, keel_ctl_stats,
	      keel_ctl_stats_free);
CTL_KIND_FREE(site, struct keel_ctl_site_answer, keel_ctl_site,
	      keel_ctl_site_free);
CTL_KIND(change, struct keel_ctl_change, keel_ctl_change);
CTL_KIND(reload, struct keel_ctl_reload, keel_ctl_reload);
CTL_KIND_FREE(bstatus, struct keel_ctl_bgpa_status, keel_ctl_bgpa_status,
	      keel_ctl_bgpa_status_free);
CTL_KIND_FREE(bprefixes, struct keel_ctl_bgpa_prefixes, keel_ctl_bgpa_prefixes,
	      keel_ctl_bgpa_prefixes_free);
CTL_KIND_FREE(astatus, struct keel_ctl_agent_status, keel_ctl_agent_status,
	      keel_ctl_agent_status_free);
CTL_KIND(adrain, struct keel_ctl_agent_drain, keel_ctl_agent_drain);
CTL_KIND(pair, struct keel_ctl_pair_answer, keel_ctl_pair_answer);

/* Byte 0 of the input, modulo the count, picks one; NULL: the envelope. */
static const struct ctl_kind *const codecs[] = {
	NULL,	 &status, &services, &reals,	 &stats,   &site,   &change,
	&reload, &empty,  &bstatus,  &bprefixes, &astatus, &adrain, &pair,
};

#define N_CODECS (sizeof(codecs) / sizeof(codecs[0]))

static void fuzz_printable(const char *s)
{
	for (; *s; s++)
		FUZZ_CHECK(*s >= 0x20 && *s <= 0x7e);
}

static void fuzz_head(const char *line, size_t len)
{
	struct keel_ctl_head h;
	char err[256];
	int ret;

	ret = keel_ctl_head_parse(line, len, &h, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -ENOMEM);
	if (ret) {
		FUZZ_CHECK(err[0] && !h.ok && !h.code[0] && !h.error[0]);
		fuzz_printable(err);
		return;
	}
	FUZZ_CHECK(!h.ok || (!h.has_code && !h.has_error));
	fuzz_printable(h.code);
	fuzz_printable(h.error);
}

static void fuzz_free(const struct ctl_kind *c, void *p)
{
	if (c->free)
		c->free(p);
}

static void fuzz_answer(const struct ctl_kind *c, const char *line, size_t len)
{
	static char a[FUZZ_ENC_MAX], b[FUZZ_ENC_MAX];
	void *out = malloc(c->size), *back = malloc(c->size);
	void *zero = calloc(1, c->size);
	char err[256];
	int ret, n, m;

	FUZZ_CHECK(out && back && zero);
	memset(out, 0xa5, c->size);
	ret = c->parse(line, len, out, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -ERANGE ||
		   ret == -ENOMEM);
	if (ret) {
		FUZZ_CHECK(err[0] && !memcmp(out, zero, c->size));
		fuzz_printable(err);
		goto out;
	}
	n = c->encode(a, sizeof(a), out);
	FUZZ_CHECK(n > 0 || n == -ENOSPC);
	if (n > 0) {
		FUZZ_CHECK((size_t)n == strlen(a) && a[n - 1] == '\n');
		ret = c->parse(a, (size_t)n, back, err, sizeof(err));
		FUZZ_CHECK(ret == 0);
		m = c->encode(b, sizeof(b), back);
		FUZZ_CHECK(m == n && !memcmp(a, b, (size_t)n));
		fuzz_free(c, back);
	}
	fuzz_free(c, out);
out:
	free(out);
	free(back);
	free(zero);
}

/*
 * lbd's status as bgp-announcer's gate reads it (keel_ctl_status_gate_parse):
 * a refusal leaves a zeroed view and a printable message, and the gate,
 * reading fewer members, accepts every line the full codec accepts, with
 * the same generation and services.
 */
static void fuzz_gate(const char *line, size_t len)
{
	struct keel_ctl_gate_view v, zero;
	struct keel_ctl_status st;
	char err[256];
	int full, ret;

	memset(&zero, 0, sizeof(zero));
	full = keel_ctl_status_parse(line, len, &st, NULL, 0);
	memset(&v, 0xa5, sizeof(v));
	ret = keel_ctl_status_gate_parse(line, len, &v, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -ERANGE ||
		   ret == -ENOMEM);
	if (ret) {
		FUZZ_CHECK(full || ret == -ENOMEM);
		FUZZ_CHECK(err[0] && !memcmp(&v, &zero, sizeof(v)));
		fuzz_printable(err);
	} else {
		FUZZ_CHECK(full || (v.generation == st.generation &&
				    v.has_services == st.has_services &&
				    v.n_services == st.n_services));
		keel_ctl_gate_view_free(&v);
	}
	if (!full)
		keel_ctl_status_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ctl_kind *c;

	if (!size)
		return 0;
	c = codecs[data[0] % N_CODECS];
	if (!c)
		fuzz_head((const char *)data + 1, size - 1);
	else
		fuzz_answer(c, (const char *)data + 1, size - 1);
	if (c == &status)
		fuzz_gate((const char *)data + 1, size - 1);
	return 0;
}
