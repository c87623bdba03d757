// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_priv.c alone (and keel_log.c): looking a user up, where a start
 * stands, checking a path as the user, and the drop itself.  The drops
 * run in Check's forked children; they need root (skipped otherwise).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check_run.h"
#include "keel_priv.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define NOBODY 65534

static const struct {
	const char *name;
	int err;
	uid_t uid;
	const char *msg; /* a part of it */
} lookup_cases[] = {
	{ "nobody", 0, NOBODY, "" },
	{ "root", -EPERM, 0, "is root: a keel daemon drops root" },
	{ "keel-no-such-user-priv", -ENOENT, 0,
	  "user keel-no-such-user-priv does not exist" },
};

START_TEST(test_lookup)
{
	struct keel_user u;
	char msg[256] = "";

	ck_assert_int_eq(keel_user_lookup(lookup_cases[_i].name, &u, msg,
					  sizeof(msg)),
			 lookup_cases[_i].err);
	ck_assert_msg(strstr(msg, lookup_cases[_i].msg), "%s", msg);
	if (!lookup_cases[_i].err) {
		ck_assert_uint_eq(u.uid, lookup_cases[_i].uid);
		ck_assert_str_eq(u.name, lookup_cases[_i].name);
		ck_assert_int_ge(u.n_groups, 1);
	}
}
END_TEST

/* A field of /proc/self/status ("CapEff", "NoNewPrivs"...). */
static void status_field(const char *key, char *out, size_t size)
{
	char line[256];
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/status", "r");

	out[0] = '\0';
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_ge(size, 64);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			sscanf(line + n + 1, "%63s", out);
	fclose(f);
}

/*
 * Where a start stands: from root the user is looked up and dropped to;
 * from another user (a child that became uid 1, daemon), a name given
 * must be that user.
 */
static const struct {
	const char *name;
	bool given;
	uid_t as; /* 0: root */
	int err;
	bool drop;
} start_cases[] = {
	{ "nobody", true, 0, 0, true },
	{ "nobody", false, 0, 0, true },
	{ "keel-no-such-user-priv", false, 0, -ENOENT, false },
	{ "daemon", true, 1, 0, false },
	{ "nobody", true, 1, -EPERM, false },
	{ "keel", false, 1, 0, false }, /* the default, not given: stays */
};

START_TEST(test_start)
{
	struct keel_user u;
	char msg[256] = "";
	bool drop = !start_cases[_i].drop;

	if (geteuid() != 0)
		return;
	if (start_cases[_i].as)
		ck_assert_int_eq(setuid(start_cases[_i].as), 0);
	ck_assert_int_eq(keel_user_start(start_cases[_i].name,
					 start_cases[_i].given, &u, &drop, msg,
					 sizeof(msg)),
			 start_cases[_i].err);
	ck_assert_int_eq(drop, start_cases[_i].drop);
	if (start_cases[_i].err == -EPERM)
		ck_assert_str_eq(
			msg,
			"user: nobody, but started as uid 1, not root: it cannot become nobody");
	if (!start_cases[_i].err && !drop)
		ck_assert_uint_eq(u.uid, start_cases[_i].as);
}
END_TEST

/*
 * The drop: nobody, each row's capabilities kept and nothing else, in
 * every set; no_new_privs; and no way back to root.
 */
static const struct {
	int keep[2];
	size_t n;
	const char *caps; /* CapEff = CapPrm = CapBnd */
} drop_cases[] = {
	{ { 0 }, 0, "0000000000000000" },
	{ { CAP_NET_ADMIN }, 1, "0000000000001000" },
	{ { CAP_BPF, CAP_NET_ADMIN }, 2, "0000008000001000" },
};

START_TEST(test_drop)
{
	struct keel_user u;
	char msg[256], v[64];
	uid_t r, e, s;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(keel_user_lookup("nobody", &u, msg, sizeof(msg)), 0);
	ck_assert_int_eq(keel_priv_drop(&u, drop_cases[_i].keep,
					drop_cases[_i].n, msg, sizeof(msg)),
			 0);
	ck_assert_int_eq(getresuid(&r, &e, &s), 0);
	ck_assert(r == NOBODY && e == NOBODY && s == NOBODY);
	status_field("CapEff", v, sizeof(v));
	ck_assert_str_eq(v, drop_cases[_i].caps);
	status_field("CapPrm", v, sizeof(v));
	ck_assert_str_eq(v, drop_cases[_i].caps);
	status_field("CapBnd", v, sizeof(v));
	ck_assert_str_eq(v, drop_cases[_i].caps);
	status_field("CapAmb", v, sizeof(v));
	ck_assert_str_eq(v, "0000000000000000");
	status_field("NoNewPrivs", v, sizeof(v));
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(setuid(0), -1);
	keel_priv_caps(msg, sizeof(msg));
	ck_assert_str_eq(msg, drop_cases[_i].n == 0 ? "none" :
			      drop_cases[_i].n == 1 ? "CAP_NET_ADMIN" :
						      "CAP_NET_ADMIN CAP_BPF");
}
END_TEST

/* From anyone but root, the drop refuses (nothing half done). */
START_TEST(test_drop_not_root)
{
	struct keel_user u;
	char msg[256];

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(keel_user_lookup("nobody", &u, msg, sizeof(msg)), 0);
	ck_assert_int_eq(setuid(1), 0);
	ck_assert_int_eq(keel_priv_drop(&u, NULL, 0, msg, sizeof(msg)), -EPERM);
	ck_assert_str_eq(msg, "not root: cannot become nobody");
}
END_TEST

/* A path as nobody would open it; root's own ids are back after. */
static const struct {
	const char *what;
	mode_t mode;
	bool dir, nobodys;
	int access, err;
} access_cases[] = {
	{ "a file 0600 of root's, read", 0600, false, false, R_OK, -EACCES },
	{ "a file 0644 of root's, read", 0644, false, false, R_OK, 0 },
	{ "a file 0600 of nobody's, read", 0600, false, true, R_OK, 0 },
	{ "a directory 0755 of root's, write", 0755, true, false, W_OK | X_OK,
	  -EACCES },
	{ "a directory 0700 of nobody's, write", 0700, true, true, W_OK | X_OK,
	  0 },
};

START_TEST(test_access)
{
	char dir[] = "/tmp/test_priv.XXXXXX", path[64], v[64];
	struct keel_user u;
	char msg[256];
	int fd;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(keel_user_lookup("nobody", &u, msg, sizeof(msg)), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0711), 0);
	snprintf(path, sizeof(path), "%s/x", dir);
	if (access_cases[_i].dir) {
		ck_assert_int_eq(mkdir(path, access_cases[_i].mode), 0);
	} else {
		fd = open(path, O_CREAT | O_WRONLY, access_cases[_i].mode);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	ck_assert_int_eq(chmod(path, access_cases[_i].mode), 0);
	if (access_cases[_i].nobodys)
		ck_assert_int_eq(chown(path, NOBODY, -1), 0);
	ck_assert_int_eq(keel_priv_access(&u, path, access_cases[_i].access),
			 access_cases[_i].err);
	ck_assert_uint_eq(geteuid(), 0);
	status_field("CapEff", v, sizeof(v));
	ck_assert_str_ne(v, "0000000000000000");
	if (access_cases[_i].dir)
		rmdir(path);
	else
		unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("priv");
	TCase *tc = tcase_create("priv");

	tcase_add_loop_test(tc, test_lookup, 0, N(lookup_cases));
	tcase_add_loop_test(tc, test_start, 0, N(start_cases));
	tcase_add_loop_test(tc, test_drop, 0, N(drop_cases));
	tcase_add_test(tc, test_drop_not_root);
	tcase_add_loop_test(tc, test_access, 0, N(access_cases));
	suite_add_tcase(s, tc);
	return check_run(s);
}
