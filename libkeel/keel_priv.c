// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_priv.c - dropping root (keel_priv.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "keel_log.h"
#include "keel_priv.h"

static const char *const keel_cap_names[] = {
	[CAP_CHOWN] = "CAP_CHOWN",
	[CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
	[CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
	[CAP_FOWNER] = "CAP_FOWNER",
	[CAP_FSETID] = "CAP_FSETID",
	[CAP_KILL] = "CAP_KILL",
	[CAP_SETGID] = "CAP_SETGID",
	[CAP_SETUID] = "CAP_SETUID",
	[CAP_SETPCAP] = "CAP_SETPCAP",
	[CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
	[CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
	[CAP_NET_ADMIN] = "CAP_NET_ADMIN",
	[CAP_NET_RAW] = "CAP_NET_RAW",
	[CAP_IPC_LOCK] = "CAP_IPC_LOCK",
	[CAP_SYS_PTRACE] = "CAP_SYS_PTRACE",
	[CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
	[CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
	[CAP_PERFMON] = "CAP_PERFMON",
	[CAP_BPF] = "CAP_BPF",
};

const char *keel_cap_name(int cap)
{
	static char other[16];

	if (cap >= 0 &&
	    (size_t)cap < sizeof(keel_cap_names) / sizeof(keel_cap_names[0]) &&
	    keel_cap_names[cap])
		return keel_cap_names[cap];
	snprintf(other, sizeof(other), "CAP_%d", cap);
	return other;
}

/* The three sets as 64-bit masks (capability version 3). */
static int keel_capget(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	*prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	*inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
	return 0;
}

static int keel_capset(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32),
		  (uint32_t)(inh >> 32) },
	};

	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

void keel_priv_caps(char *buf, size_t size)
{
	uint64_t eff = 0, prm = 0, inh = 0;
	size_t len = 0;
	int cap;

	buf[0] = '\0';
	if (keel_capget(&eff, &prm, &inh)) {
		snprintf(buf, size, "?");
		return;
	}
	for (cap = 0; cap < 64 && len < size; cap++)
		if (eff & (1ULL << cap))
			len += snprintf(buf + len, size - len, "%s%s",
					len ? " " : "", keel_cap_name(cap));
	if (!len)
		snprintf(buf, size, "none");
}

int keel_user_lookup(const char *name, struct keel_user *u, char *msg,
		     size_t msglen)
{
	struct passwd *pw;
	int n = KEEL_USER_GROUPS_MAX;

	memset(u, 0, sizeof(*u));
	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		snprintf(msg, msglen, "user %s does not exist", name);
		return -ENOENT;
	}
	if (pw->pw_uid == 0) {
		snprintf(
			msg, msglen,
			"user %s is root: a keel daemon drops root after its start, it never runs as root",
			name);
		return -EPERM;
	}
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (getgrouplist(name, pw->pw_gid, u->groups, &n) < 0) {
		snprintf(msg, msglen, "user %s: more than %d groups", name,
			 KEEL_USER_GROUPS_MAX);
		return -E2BIG;
	}
	u->n_groups = n;
	return 0;
}

int keel_user_start(const char *name, bool given, struct keel_user *u,
		    bool *drop, char *msg, size_t msglen)
{
	struct passwd *pw;
	int err;

	*drop = false;
	if (geteuid() != 0) {
		memset(u, 0, sizeof(*u));
		u->uid = geteuid();
		u->gid = getegid();
		pw = getpwuid(u->uid);
		if (pw)
			snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
		if (given && (!pw || strcmp(pw->pw_name, name))) {
			snprintf(
				msg, msglen,
				"user: %s, but started as uid %u, not root: it cannot become %s",
				name, (unsigned int)u->uid, name);
			return -EPERM;
		}
		return 0;
	}
	err = keel_user_lookup(name, u, msg, msglen);
	if (!err)
		*drop = true;
	return err;
}

int keel_priv_access(const struct keel_user *u, const char *path, int mode)
{
	gid_t groups[KEEL_USER_GROUPS_MAX];
	int n, err = 0;

	n = getgroups(KEEL_USER_GROUPS_MAX, groups);
	if (n < 0)
		return -errno;
	/* The effective ids only: the real and saved ones bring root back. */
	if (setgroups(u->n_groups, u->groups) || setresgid(-1, u->gid, -1) ||
	    setresuid(-1, u->uid, -1) ||
	    faccessat(AT_FDCWD, path, mode, AT_EACCESS))
		err = -errno;
	/* Root's effective capabilities come back with uid 0. */
	if (setresuid(-1, 0, -1) || setresgid(-1, getgid(), -1) ||
	    setgroups(n, groups))
		return -EPERM;
	return err;
}

int keel_priv_drop(const struct keel_user *u, const int *keep, size_t n,
		   char *msg, size_t msglen)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	uint64_t mask = 0, eff = 0, prm = 0, inh = 0;
	size_t i;
	int cap, err;

	for (i = 0; i < n; i++)
		mask |= 1ULL << keep[i];
	if (geteuid() != 0) {
		snprintf(msg, msglen, "not root: cannot become %s", u->name);
		return -EPERM;
	}
	/*
	 * The bounding set (what an execve could gain) while CAP_SETPCAP is
	 * there to cut it; without it (a unit's CapabilityBoundingSet), the
	 * unit has done it already.  CAP_SETPCAP itself goes last.
	 */
	for (cap = 0; cap < 64; cap++) {
		if (cap == CAP_SETPCAP || (mask & (1ULL << cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break; /* past the kernel's last capability */
	}
	if (!(mask & (1ULL << CAP_SETPCAP)))
		prctl(PR_CAPBSET_DROP, CAP_SETPCAP, 0, 0, 0);
	/* Keep the permitted set through setuid, to cut it down after. */
	if (prctl(PR_SET_KEEPCAPS, mask ? 1 : 0, 0, 0, 0) ||
	    setgroups(u->n_groups, u->groups) ||
	    setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid)) {
		err = -errno;
		snprintf(msg, msglen, "becoming %s: %s", u->name,
			 strerror(-err));
		return err;
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	err = keel_capset(mask, mask, 0);
	if (!err && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		err = -errno;
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
	if (err) {
		snprintf(msg, msglen, "as %s, setting capabilities: %s",
			 u->name, strerror(-err));
		return err;
	}
	/* Trust, but check: ids, sets, and no way back. */
	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg) ||
	    keel_capget(&eff, &prm, &inh) || r != u->uid || e != u->uid ||
	    s != u->uid || rg != u->gid || eg != u->gid || sg != u->gid ||
	    eff != mask || prm != mask || inh || setuid(0) == 0) {
		snprintf(
			msg, msglen,
			"as %s, the process is not what it should be (uid %u/%u/%u, caps %llx/%llx/%llx)",
			u->name, (unsigned int)r, (unsigned int)e,
			(unsigned int)s, (unsigned long long)eff,
			(unsigned long long)prm, (unsigned long long)inh);
		return -EPERM;
	}
	return 0;
}

int keel_priv_drop_logged(const struct keel_user *u, const int *keep, size_t n)
{
	char msg[256], caps[160];
	int err;

	err = keel_priv_drop(u, keep, n, msg, sizeof(msg));
	if (err) {
		keel_log(LOG_ERR, "%s", msg);
		return err;
	}
	keel_priv_caps(caps, sizeof(caps));
	keel_log(LOG_NOTICE, "running as %s (uid %u), capabilities: %s",
		 u->name, (unsigned int)u->uid, caps);
	return 0;
}
