// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
