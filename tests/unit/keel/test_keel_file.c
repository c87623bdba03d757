// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_file_read() on real files of every kind it must take or refuse
 * (regular, empty, at and over the limit, missing, a directory, a FIFO, a
 * device, a file longer than fstat says), and keel_report_key_load() on
 * key files: both forms, the mode rule, the messages; keel_file_write_atomic()
 * over what may already be at the path, and keel_file_set_aside() (never
 * over an earlier copy).  Links keel_file.c, keel_report_key.c and
 * keel_report.c (the key parser).
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "keel_file.h"
#include "keel_report.h"
#include "tmpdir.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

enum kind { K_FILE, K_NONE, K_DIR, K_FIFO, K_PATH };

/* Makes tmpdir/name as kind (K_FILE: with content, len bytes, mode). */
static void make(char *path, size_t size, const char *name, enum kind kind,
		 const char *content, size_t len, mode_t mode)
{
	int fd;

	snprintf(path, size, "%s/%s", tmpdir, name);
	switch (kind) {
	case K_FILE:
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, content, len), (ssize_t)len);
		ck_assert_int_eq(fchmod(fd, mode), 0);
		close(fd);
		break;
	case K_DIR:
		ck_assert_int_eq(mkdir(path, 0700), 0);
		break;
	case K_FIFO:
		ck_assert_int_eq(mkfifo(path, 0600), 0);
		break;
	case K_PATH:
		snprintf(path, size, "%s", name);
		break;
	case K_NONE:
		break;
	}
}

static const struct read_case {
	const char *name;
	enum kind kind;
	const char *content;
	size_t len, max;
	int err;
	const char *msg; /* the whole message */
} read_cases[] = {
	{ "abc", K_FILE, "abc", 3, 10, 0, "" },
	{ "empty", K_FILE, "", 0, 10, 0, "" },
	{ "at-max", K_FILE, "abcd", 4, 4, 0, "" },
	{ "nul-inside", K_FILE, "a\0b", 3, 4, 0, "" },
	{ "over-max", K_FILE, "abcde", 5, 4, -EFBIG, "larger than 4 bytes" },
	{ "max-0", K_FILE, "a", 1, 0, -EFBIG, "larger than 0 bytes" },
	{ "missing", K_NONE, NULL, 0, 10, -ENOENT,
	  "cannot read: No such file or directory" },
	{ "a-dir", K_DIR, NULL, 0, 10, -EINVAL, "not a regular file" },
	/* O_NONBLOCK: no writer, and yet no wait */
	{ "a-fifo", K_FIFO, NULL, 0, 10, -EINVAL, "not a regular file" },
	{ "/dev/null", K_PATH, NULL, 0, 10, -EINVAL, "not a regular file" },
	/* fstat says 0 bytes, read gives more: refused, not cut */
	{ "/proc/self/status", K_PATH, NULL, 0, 1 << 20, -EAGAIN,
	  "changed while read" },
};

START_TEST(test_read)
{
	const struct read_case *c = &read_cases[_i];
	char path[256], msg[128] = "x", *buf = (char *)1;
	struct stat st = { 0 };
	size_t len = 99;
	int err;

	make(path, sizeof(path), c->name, c->kind, c->content, c->len, 0640);
	err = keel_file_read(path, c->max, &buf, &len, &st, msg, sizeof(msg));
	ck_assert_int_eq(err, c->err);
	ck_assert_str_eq(msg, c->msg);
	if (err) {
		ck_assert_ptr_null(buf);
		ck_assert_uint_eq(len, 0);
		return;
	}
	ck_assert_uint_eq(len, c->len);
	ck_assert_mem_eq(buf, c->content, len);
	ck_assert_int_eq(buf[len], '\0');
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_size, (off_t)c->len);
	free(buf);
}
END_TEST

/* No stat wanted, and a message buffer of size 0. */
START_TEST(test_read_no_stat)
{
	char path[256], *buf;
	size_t len;

	make(path, sizeof(path), "f", K_FILE, "xy", 2, 0600);
	ck_assert_int_eq(keel_file_read(path, 2, &buf, &len, NULL, NULL, 0), 0);
	ck_assert_uint_eq(len, 2);
	free(buf);
	ck_assert_int_eq(keel_file_read(path, 1, &buf, &len, NULL, NULL, 0),
			 -EFBIG);
}
END_TEST

#define HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const struct key_case {
	const char *content;
	size_t len;
	mode_t mode;
	enum kind kind;
	int err;
	const char *msg; /* a part of the message */
} key_cases[] = {
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F\n",
	  65, 0600, K_FILE, 0, NULL },
	{ HEX, 64, 0400, K_FILE, 0, NULL },
	{ HEX "\r\n", 66, 0600, K_FILE, 0, NULL },
	{ "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
	  "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f",
	  32, 0600, K_FILE, 0, NULL },
	{ HEX "\n", 65, 0640, K_FILE, -EPERM,
	  "mode 0640 lets group or others access it (chmod 600)" },
	{ HEX "\n", 65, 0604, K_FILE, -EPERM, "mode 0604" },
	{ HEX "\n", 65, 0610, K_FILE, -EPERM, "mode 0610" },
	{ HEX "\n", 65, 0602, K_FILE, -EPERM, "mode 0602" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", 63,
	  0600, K_FILE, -EINVAL, "holds 63 bytes" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g",
	  64, 0600, K_FILE, -EINVAL, "not a hex digit at byte 63" },
	{ "", 0, 0600, K_FILE, -EINVAL, "holds 0 bytes" },
	{ NULL, 0, 0600, K_NONE, -ENOENT,
	  "cannot read: No such file or directory" },
	{ NULL, 0, 0600, K_DIR, -EINVAL, "not a regular file" },
	{ NULL, 4097, 0600, K_FILE, -EFBIG, "larger than 4096 bytes" },
};

START_TEST(test_key)
{
	const struct key_case *k = &key_cases[_i];
	char path[256], msg[400] = "", want[300], *big = NULL;
	uint8_t key[KEEL_REPORT_KEY_LEN];
	int err, i;

	if (!k->content && k->len) {
		big = malloc(k->len);
		ck_assert_ptr_nonnull(big);
		memset(big, 'a', k->len);
	}
	make(path, sizeof(path), "key", k->kind, big ? big : k->content, k->len,
	     k->mode);
	free(big);
	memset(key, 0xee, sizeof(key));
	err = keel_report_key_load(path, (uid_t)-1, key, msg, sizeof(msg));
	ck_assert_int_eq(err, k->err);
	if (k->msg) {
		snprintf(want, sizeof(want), "key file %s: ", path);
		ck_assert_msg(!strncmp(msg, want, strlen(want)) &&
				      strstr(msg, k->msg),
			      "message: %s", msg);
	}
	for (i = 0; !err && i < KEEL_REPORT_KEY_LEN; i++)
		ck_assert_uint_eq(key[i], i);
}
END_TEST

/* What is at the path before keel_file_write_atomic(). */
enum before { B_NONE, B_FILE, B_STALE_TMP, B_DIR, B_SYMLINK, B_NO_PARENT };

static const struct write_case {
	const char *name;
	enum before before;
	bool sync_dir;
	int err;
	const char *after; /* the path's content after; NULL: not a file */
} write_cases[] = {
	{ "new file", B_NONE, true, 0, "new\n" },
	{ "over an old file", B_FILE, true, 0, "new\n" },
	{ "over an old file, no directory fsync", B_FILE, false, 0, "new\n" },
	/* A crash mid-write by an earlier process with our pid. */
	{ "stale temporary file", B_STALE_TMP, true, 0, "new\n" },
	{ "a directory there", B_DIR, true, -EISDIR, NULL },
	/* The link is replaced, its target untouched. */
	{ "a symlink there", B_SYMLINK, true, 0, "new\n" },
	{ "no parent directory", B_NO_PARENT, true, -ENOENT, NULL },
};

START_TEST(test_write_atomic)
{
	const struct write_case *c = &write_cases[_i];
	char path[256], tmp[300], target[256], *buf;
	struct stat st;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", tmpdir,
		 c->before == B_NO_PARENT ? "nodir/state" : "state");
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	switch (c->before) {
	case B_FILE:
		make(path, sizeof(path), "state", K_FILE, "old", 3, 0600);
		break;
	case B_STALE_TMP:
		make(tmp, sizeof(tmp), strrchr(tmp, '/') + 1, K_FILE, "half", 4,
		     0600);
		break;
	case B_DIR:
		make(path, sizeof(path), "state", K_DIR, NULL, 0, 0);
		break;
	case B_SYMLINK:
		make(target, sizeof(target), "target", K_FILE, "kept", 4, 0600);
		ck_assert_int_eq(symlink(target, path), 0);
		break;
	default:
		break;
	}
	ck_assert_int_eq(keel_file_write_atomic(path, "new\n", 4, 0640,
						c->sync_dir),
			 c->err);
	/* Never a temporary file left behind. */
	ck_assert_int_eq(access(tmp, F_OK), -1);
	if (!c->after)
		return;
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640 & ~umask(0));
	ck_assert_int_eq(keel_file_read(path, 100, &buf, &len, NULL, NULL, 0),
			 0);
	ck_assert_str_eq(buf, c->after);
	free(buf);
	if (c->before == B_SYMLINK) {
		ck_assert_int_eq(keel_file_read(target, 100, &buf, &len, NULL,
						NULL, 0),
				 0);
		ck_assert_str_eq(buf, "kept");
		free(buf);
	}
}
END_TEST

/* Set aside with n earlier copies of the same second already there. */
START_TEST(test_set_aside)
{
	static const char *const want[] = { "state.bad-20251122T080000Z",
					    "state.bad-20251122T080000Z-2",
					    "state.bad-20251122T080000Z-3" };
	const time_t now = 1763798400; /* 2025-11-22 08:00:00 UTC */
	char path[256], aside[300], earlier[300], *buf;
	size_t len;
	int i;

	make(path, sizeof(path), "state", K_FILE, "bad", 3, 0600);
	for (i = 0; i < _i; i++)
		make(earlier, sizeof(earlier), want[i], K_FILE, "earlier", 7,
		     0600);
	ck_assert_int_eq(keel_file_set_aside(path, now, aside, sizeof(aside)),
			 0);
	ck_assert_str_eq(strrchr(aside, '/') + 1, want[_i]);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(keel_file_read(aside, 100, &buf, &len, NULL, NULL, 0),
			 0);
	ck_assert_str_eq(buf, "bad");
	free(buf);
	/* The earlier copies are untouched. */
	for (i = 0; i < _i; i++) {
		snprintf(earlier, sizeof(earlier), "%s/%s", tmpdir, want[i]);
		ck_assert_int_eq(keel_file_read(earlier, 100, &buf, &len, NULL,
						NULL, 0),
				 0);
		ck_assert_str_eq(buf, "earlier");
		free(buf);
	}
}
END_TEST

START_TEST(test_set_aside_missing)
{
	char path[256], aside[300];

	snprintf(path, sizeof(path), "%s/none", tmpdir);
	ck_assert_int_eq(keel_file_set_aside(path, 0, aside, sizeof(aside)),
			 -ENOENT);
	ck_assert_int_eq(access(aside, F_OK), -1);
	ck_assert_int_eq(keel_file_set_aside(path, 0, aside, 10),
			 -ENAMETOOLONG);
}
END_TEST

/*
 * The owner of a key file: root, the process's user, or the user the
 * daemon becomes (as root: chown the file to the row's owner).
 */
#define NOBODY 65534

static const struct key_owner_case {
	uid_t owner, user;
	int err;
} key_owner_cases[] = {
	{ 0, (uid_t)-1, 0 },   { 0, NOBODY, 0 },
	{ NOBODY, NOBODY, 0 }, { NOBODY, (uid_t)-1, -EPERM },
	{ 1, NOBODY, -EPERM },
};

START_TEST(test_key_owner)
{
	const struct key_owner_case *k = &key_owner_cases[_i];
	uint8_t key[KEEL_REPORT_KEY_LEN];
	char path[256], msg[400] = "", want[400];
	int err;

	if (geteuid() != 0)
		return; /* chown() */
	make(path, sizeof(path), "key", K_FILE, HEX "\n", 65, 0600);
	ck_assert_int_eq(chown(path, k->owner, -1), 0);
	err = keel_report_key_load(path, k->user, key, msg, sizeof(msg));
	ck_assert_int_eq(err, k->err);
	if (err) {
		snprintf(
			want, sizeof(want),
			"key file %s: owned by uid %u: root or the daemon's user must own it (chown)",
			path, (unsigned int)k->owner);
		ck_assert_str_eq(msg, want);
	}
}
END_TEST

/*
 * A configuration file: root's (or the process's user's), and writable by
 * nobody else.
 */
static const struct config_case {
	mode_t mode;
	uid_t owner;
	int err;
	const char *msg;
} config_cases[] = {
	{ 0644, 0, 0, "" },
	{ 0600, 0, 0, "" },
	{ 0640, 0, 0, "" },
	{ 0664, 0, -EPERM,
	  "mode 0664 lets group or others write to it (chmod go-w)" },
	{ 0646, 0, -EPERM,
	  "mode 0646 lets group or others write to it (chmod go-w)" },
	{ 0644, NOBODY, -EPERM,
	  "owned by uid 65534: root (or uid 0, who runs the daemon) must own it" },
};

START_TEST(test_config_file)
{
	const struct config_case *c = &config_cases[_i];
	struct stat st = { .st_mode = S_IFREG | c->mode, .st_uid = c->owner };
	char msg[200] = "";

	if (geteuid() != 0)
		return; /* the messages name uid 0 */
	ck_assert_int_eq(keel_file_check_config(&st, msg, sizeof(msg)), c->err);
	ck_assert_str_eq(msg, c->msg);
}
END_TEST

static Suite *file_suite(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_loop_test(tc, test_read, 0, N(read_cases));
	tcase_add_test(tc, test_read_no_stat);
	tcase_add_loop_test(tc, test_key, 0, N(key_cases));
	tcase_add_loop_test(tc, test_write_atomic, 0, N(write_cases));
	tcase_add_loop_test(tc, test_set_aside, 0, 3);
	tcase_add_test(tc, test_set_aside_missing);
	tcase_add_loop_test(tc, test_key_owner, 0, N(key_owner_cases));
	tcase_add_loop_test(tc, test_config_file, 0, N(config_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(file_suite());
}
