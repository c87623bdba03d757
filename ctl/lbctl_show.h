/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * lbctl_show - lbctl's answer printers: an answer line read through
 * libkeel's codecs (keel_ctl_head_parse, keel_ctl_lbd.h, keel_ctl_bgpa.h)
 * and printed for people.  --json prints the line as received.
 */
#ifndef LBCTL_SHOW_H
#define LBCTL_SHOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One answer line (len bytes) to text on stdout; 0 or -EBADMSG/-ERANGE/
 * -ENOMEM with a message in err. */
typedef int (*lbctl_show_fn)(const char *line, size_t len, char *err,
			     size_t errlen);

int lbctl_show_status(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_services(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_reals(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_stats(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_change(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_empty(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_reload(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_site(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_pair(const char *line, size_t len, char *err, size_t errlen);
int lbctl_show_bgp(const char *line, size_t len, char *err, size_t errlen);

/*
 * A summary status answer: when it is ok and its services count more
 * than max reals, print each service's counts and return true; false
 * (nothing printed) otherwise, also for an lbd without real_count.
 */
bool lbctl_show_summary(const char *line, size_t len, uint64_t max);

/*
 * The answer's envelope: --json prints the line; refused: the code and
 * error on stderr; ok: show().  Returns an enum keel_exit.
 */
int lbctl_answer(const char *peer, const char *path, bool json,
		 lbctl_show_fn show, const char *line, size_t len);

#endif /* LBCTL_SHOW_H */
