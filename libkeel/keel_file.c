// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keel_file.h"

static int keel_file_fail(int ret, char *msg, size_t msglen)
{
	char ebuf[96];

	/* GNU strerror_r(): _GNU_SOURCE is set project-wide. */
	snprintf(msg, msglen, "cannot read: %s",
		 strerror_r(-ret, ebuf, sizeof(ebuf)));
	return ret;
}

int keel_file_read(const char *path, size_t max, char **bufp, size_t *lenp,
		   struct stat *stp, char *msg, size_t msglen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, ret = 0;

	*bufp = NULL;
	*lenp = 0;
	if (msglen)
		msg[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return keel_file_fail(-errno, msg, msglen);
	if (fstat(fd, &st) < 0) {
		ret = keel_file_fail(-errno, msg, msglen);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "not a regular file");
		ret = -EINVAL;
		goto out;
	}
	/* O_NONBLOCK was for opening a FIFO; reads of the file block. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		ret = keel_file_fail(-errno, msg, msglen);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(msg, msglen, "larger than %zu bytes", max);
		ret = -EFBIG;
		goto out;
	}
	/* One byte more than fstat says, to see a file that grew. */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(msg, msglen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	while (len <= (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = keel_file_fail(-errno, msg, msglen);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > (size_t)st.st_size) {
		snprintf(msg, msglen, "changed while read");
		ret = -EAGAIN;
		goto out;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	if (stp)
		*stp = st;
	buf = NULL;
out:
	if (buf) {
		explicit_bzero(buf, len);
		free(buf);
	}
	close(fd);
	return ret;
}

/* "." for a bare name, "/" for a file at the root. */
static void keel_file_dir(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* A rename or a new name survives a power loss once its directory is synced. */
static int keel_file_sync_dir(const char *path)
{
	char dir[PATH_MAX];
	int dfd, ret = 0;

	keel_file_dir(path, dir, sizeof(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fsync(dfd))
		ret = -errno;
	close(dfd);
	return ret;
}

static int keel_file_write_all(int fd, const char *p, size_t len)
{
	ssize_t r;

	while (len) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int keel_file_open_tmp(const char *tmp, mode_t mode)
{
	const int flags = O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW;
	int fd = open(tmp, flags, mode);

	/*
	 * Only this process writes names with its pid: a file already there
	 * was left by an earlier process with the same pid that died
	 * mid-write (pids repeat across reboots).  Without this, every write
	 * would fail until someone removed it.
	 */
	if (fd < 0 && errno == EEXIST) {
		if (unlink(tmp) && errno != ENOENT)
			return -errno;
		fd = open(tmp, flags, mode);
	}
	return fd < 0 ? -errno : fd;
}

int keel_file_write_atomic(const char *path, const void *buf, size_t len,
			   mode_t mode, bool sync_dir)
{
	char tmp[PATH_MAX];
	bool have_tmp = false;
	int fd = -1, ret, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = keel_file_open_tmp(tmp, mode);
	if (fd < 0)
		return fd;
	have_tmp = true;
	ret = keel_file_write_all(fd, buf, len);
	if (ret)
		goto out;
	if (fsync(fd)) {
		ret = -errno;
		goto out;
	}
	/* close() reports delayed write errors on some file systems. */
	ret = close(fd);
	fd = -1;
	if (ret) {
		ret = -errno;
		goto out;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		goto out;
	}
	have_tmp = false;
	ret = sync_dir ? keel_file_sync_dir(path) : 0;
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlink(tmp);
	return ret;
}

int keel_file_set_aside(const char *path, time_t now, char *aside, size_t size)
{
	char stamp[32];
	struct tm tm;
	int i, n, ret;

	if (!gmtime_r(&now, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		return -EINVAL;
	for (i = 1; i < 100; i++) {
		n = i == 1 ? snprintf(aside, size, "%s.bad-%s", path, stamp) :
			     snprintf(aside, size, "%s.bad-%s-%d", path, stamp,
				      i);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		/* Never over an earlier one: each is evidence. */
		ret = renameat2(AT_FDCWD, path, AT_FDCWD, aside,
				RENAME_NOREPLACE);
		if (ret && (errno == EINVAL || errno == ENOSYS)) {
			/* No RENAME_NOREPLACE here: link() never replaces. */
			ret = link(path, aside);
			if (!ret && unlink(path)) {
				ret = -errno;
				unlink(aside);
				return ret;
			}
		}
		if (!ret)
			return keel_file_sync_dir(path);
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int keel_file_check_config(const struct stat *st, char *msg, size_t msglen)
{
	uid_t me = geteuid();

	if (st->st_uid != 0 && st->st_uid != me) {
		snprintf(
			msg, msglen,
			"owned by uid %u: root (or uid %u, who runs the daemon) must own it",
			(unsigned int)st->st_uid, (unsigned int)me);
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(
			msg, msglen,
			"mode %04o lets group or others write to it (chmod go-w)",
			(unsigned int)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}
