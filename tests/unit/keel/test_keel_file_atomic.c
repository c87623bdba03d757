// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The order of keel_file_write_atomic()'s system calls, and what each
 * failure leaves behind.  The test is linked with the linker's --wrap for
 * open (open64), write, fsync, close and rename: while a row runs, each
 * call is logged (what it was done to) and passed on to the real one,
 * unless the row injects an error at the n-th call of one of them.
 *
 * The promise under test: the temporary file's bytes are fsync'd before
 * the rename puts them in place and the directory is fsync'd after it, so
 * that a crash at any point leaves the old file or the whole new one; a
 * failure before the rename leaves the old file and no temporary file; a
 * failed directory fsync comes back with the new bytes in place.  Links
 * keel_file.c alone.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "keel_file.h"
#include "tmpdir.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

int __real_open64(const char *path, int flags, ...);
ssize_t __real_write(int fd, const void *buf, size_t len);
int __real_fsync(int fd);
int __real_close(int fd);
int __real_rename(const char *from, const char *to);

enum call { C_OPEN, C_WRITE, C_FSYNC, C_CLOSE, C_RENAME, C__N };
static const char *const call_names[C__N] = { "open", "write", "fsync", "close",
					      "rename" };

/* While a row runs: what to inject, and the log. */
static struct {
	bool on;
	enum call fail_call;
	int fail_nth; /* 1-based; 0: inject nothing */
	int fail_errno;
	int seen[C__N];
	char log[512];
	ino_t synced_ino; /* the regular file fsync'd last */
	const char *path, *tmp, *dir;
} w;

/* What fd, or a path, is: "tmp", "path", "dir" or "other". */
static const char *what_path(const char *p)
{
	if (!strcmp(p, w.tmp))
		return "tmp";
	if (!strcmp(p, w.path))
		return "path";
	if (!strcmp(p, w.dir))
		return "dir";
	return "other";
}

static const char *what_fd(int fd)
{
	struct stat st, tst;

	if (fstat(fd, &st))
		return "bad";
	if (S_ISDIR(st.st_mode))
		return "dir";
	if (S_ISREG(st.st_mode) && !stat(w.tmp, &tst) &&
	    tst.st_ino == st.st_ino && tst.st_dev == st.st_dev)
		return "tmp";
	return "other";
}

static void wlog(const char *fmt, ...)
{
	size_t used = strlen(w.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w.log + used, sizeof(w.log) - used, fmt, ap);
	va_end(ap);
}

/* Logs the call; true when this one is to fail (errno set). */
static bool hook(enum call c, const char *what)
{
	if (!w.on)
		return false;
	wlog("%s%s:%s", w.log[0] ? " " : "", call_names[c], what);
	if (++w.seen[c] == w.fail_nth && c == w.fail_call) {
		wlog("!");
		errno = w.fail_errno;
		return true;
	}
	return false;
}

/* open() is open64() with _FILE_OFFSET_BITS=64 (meson's default). */
int __wrap_open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (w.on && hook(C_OPEN, what_path(path)))
		return -1;
	return __real_open64(path, flags, mode);
}

ssize_t __wrap_write(int fd, const void *buf, size_t len)
{
	if (w.on && hook(C_WRITE, what_fd(fd)))
		return -1;
	return __real_write(fd, buf, len);
}

int __wrap_fsync(int fd)
{
	struct stat st;

	if (w.on && !fstat(fd, &st) && S_ISREG(st.st_mode))
		w.synced_ino = st.st_ino;
	if (w.on && hook(C_FSYNC, what_fd(fd)))
		return -1;
	return __real_fsync(fd);
}

int __wrap_close(int fd)
{
	/* The descriptor is gone either way, as after a real failed close. */
	if (w.on && hook(C_CLOSE, what_fd(fd))) {
		__real_close(fd);
		errno = w.fail_errno;
		return -1;
	}
	return __real_close(fd);
}

int __wrap_rename(const char *from, const char *to)
{
	char what[32];

	if (!w.on)
		return __real_rename(from, to);
	snprintf(what, sizeof(what), "%s>%s", what_path(from), what_path(to));
	if (hook(C_RENAME, what))
		return -1;
	return __real_rename(from, to);
}

/* The whole sequence of a save with the directory fsync'd. */
#define SAVE_TMP "open:tmp write:tmp fsync:tmp close:tmp rename:tmp>path"
#define SAVE_DIR " open:dir fsync:dir close:dir"

static const struct order_case {
	const char *name;
	bool stale; /* a temporary file of a dead process with our pid */
	bool sync_dir;
	enum call fail_call;
	int fail_nth, fail_errno;
	int err;
	const char *after; /* the path's content after */
	const char *log;
} order_cases[] = {
	{ "a save", false, true, C_OPEN, 0, 0, 0, "new\n", SAVE_TMP SAVE_DIR },
	{ "a save, no directory fsync", false, false, C_OPEN, 0, 0, 0, "new\n",
	  SAVE_TMP },
	/* The stale one is removed (unlink, not logged), then created anew. */
	{ "a stale temporary file", true, true, C_OPEN, 0, 0, 0, "new\n",
	  "open:tmp open:tmp write:tmp fsync:tmp close:tmp "
	  "rename:tmp>path" SAVE_DIR },
	{ "the temporary file cannot be created", false, true, C_OPEN, 1,
	  EACCES, -EACCES, "old", "open:tmp!" },
	{ "the write fails", false, true, C_WRITE, 1, ENOSPC, -ENOSPC, "old",
	  "open:tmp write:tmp! close:tmp" },
	{ "an interrupted write is retried", false, true, C_WRITE, 1, EINTR, 0,
	  "new\n",
	  "open:tmp write:tmp! write:tmp fsync:tmp close:tmp "
	  "rename:tmp>path" SAVE_DIR },
	{ "the fsync of the temporary file fails", false, true, C_FSYNC, 1, EIO,
	  -EIO, "old", "open:tmp write:tmp fsync:tmp! close:tmp" },
	/* A delayed write error (NFS, quotas) is reported by close(). */
	{ "the close fails", false, true, C_CLOSE, 1, EIO, -EIO, "old",
	  "open:tmp write:tmp fsync:tmp close:tmp!" },
	{ "the rename fails", false, true, C_RENAME, 1, EIO, -EIO, "old",
	  "open:tmp write:tmp fsync:tmp close:tmp rename:tmp>path!" },
	/* After the rename: the new bytes are in place, durability unknown. */
	{ "the directory cannot be opened", false, true, C_OPEN, 2, EACCES,
	  -EACCES, "new\n", SAVE_TMP " open:dir!" },
	{ "the fsync of the directory fails", false, true, C_FSYNC, 2, EIO,
	  -EIO, "new\n", SAVE_TMP " open:dir fsync:dir! close:dir" },
};

START_TEST(test_order)
{
	const struct order_case *c = &order_cases[_i];
	char path[256], tmp[300], *buf;
	struct stat st;
	size_t len;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/state", tmpdir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	fd = __real_open64(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(__real_write(fd, "old", 3), 3);
	__real_close(fd);
	if (c->stale) {
		fd = __real_open64(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(__real_write(fd, "half", 4), 4);
		__real_close(fd);
	}

	memset(&w, 0, sizeof(w));
	w.fail_call = c->fail_call;
	w.fail_nth = c->fail_nth;
	w.fail_errno = c->fail_errno;
	w.path = path;
	w.tmp = tmp;
	w.dir = tmpdir;
	w.on = true;
	ret = keel_file_write_atomic(path, "new\n", 4, 0640, c->sync_dir);
	w.on = false;

	ck_assert_msg(ret == c->err, "%s: %d, expected %d", c->name, ret,
		      c->err);
	ck_assert_msg(!strcmp(w.log, c->log), "%s: calls\n  %s\nexpected\n  %s",
		      c->name, w.log, c->log);
	/* Never a temporary file left behind. */
	ck_assert_msg(access(tmp, F_OK) == -1, "%s: %s left", c->name, tmp);
	ck_assert_int_eq(keel_file_read(path, 100, &buf, &len, &st, NULL, 0),
			 0);
	ck_assert_msg(!strcmp(buf, c->after), "%s: '%s', expected '%s'",
		      c->name, buf, c->after);
	free(buf);
	/* The file fsync'd is the one now in place, not a copy. */
	if (!strcmp(c->after, "new\n"))
		ck_assert_uint_eq(st.st_ino, w.synced_ino);
}
END_TEST

static Suite *file_atomic_suite(void)
{
	Suite *s = suite_create("file_atomic");
	TCase *tc = tcase_create("order");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_loop_test(tc, test_order, 0, N(order_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(file_atomic_suite());
}
