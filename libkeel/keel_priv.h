/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_priv - how a keel daemon started as root stops being root: look up
 * the user it runs as, check the files it will need afterwards as that
 * user would, then become it keeping only the capabilities named.
 *
 * No libcap: capget/capset and prctl directly (a dozen lines).  After
 * keel_priv_drop() the process has its user's uid and groups in every id
 * (real, effective, saved), the kept capabilities in its permitted and
 * effective sets and nothing else (no inheritable, no ambient, the
 * bounding set cut down when CAP_SETPCAP allowed it), and no_new_privs
 * set; it checks all of that, and that setuid(0) fails, before it returns.
 */
#ifndef KEEL_PRIV_H
#define KEEL_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KEEL_USER_NAME_MAX 64
#define KEEL_USER_GROUPS_MAX 64

struct keel_user {
	char name[KEEL_USER_NAME_MAX];
	uid_t uid;
	gid_t gid;
	gid_t groups[KEEL_USER_GROUPS_MAX]; /* its groups, gid included */
	int n_groups;
};

/*
 * name's ids and groups (NSS: at start only).  0, or -ENOENT ("user X
 * does not exist"), -EPERM (uid 0: a daemon drops root, it never runs as
 * root by name), -E2BIG (too many groups); msg says which.
 */
int keel_user_lookup(const char *name, struct keel_user *u, char *msg,
		     size_t msglen);

/*
 * Where a daemon's start stands.  Started by root: *drop set, u is name's
 * user (keel_user_lookup()'s errors).  Started by anyone else: *drop
 * clear, u holds the current uid and gid, and name, when given, must name
 * that user (-EPERM, "started as uid N, not root: it cannot become NAME").
 */
int keel_user_start(const char *name, bool given, struct keel_user *u,
		    bool *drop, char *msg, size_t msglen);

/*
 * From root: whether u could access path with mode (R_OK, W_OK, X_OK),
 * as faccessat(AT_EACCESS) says under u's ids and groups.  The process's
 * own ids are back when it returns.  0 or -errno (-EACCES...).
 */
int keel_priv_access(const struct keel_user *u, const char *path, int mode);

/*
 * From root: become u keeping the capabilities keep[0..n) (CAP_*
 * numbers).  0, or -errno with msg (the daemon must then exit: it may be
 * half-way).
 */
int keel_priv_drop(const struct keel_user *u, const int *keep, size_t n,
		   char *msg, size_t msglen);

/*
 * keel_priv_drop(), then the log line "running as NAME (uid N),
 * capabilities: CAP_... " (LOG_NOTICE), or its error (LOG_ERR).
 */
int keel_priv_drop_logged(const struct keel_user *u, const int *keep, size_t n);

/* "CAP_NET_ADMIN" for 12; "CAP_42" for one without a name here. */
const char *keel_cap_name(int cap);

/* The effective set, as "CAP_BPF CAP_NET_ADMIN" ("none"), for the log. */
void keel_priv_caps(char *buf, size_t size);

#endif
