/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_file - read a small regular file whole: the configurations, lbd's
 * state file and the agents' key files.
 *
 * Only a regular file is read (a FIFO or a device could block or never
 * end; it is opened O_NONBLOCK so that a FIFO does not wait for a
 * writer), of at most max bytes, and one byte more than fstat said is
 * asked for so that a file that grew while read is refused rather than
 * cut.  Errors come back as -errno with a message for the operator:
 *
 *	"cannot read: <strerror>"	open, fstat or read failed
 *	"not a regular file"		-EINVAL
 *	"larger than <max> bytes"	-EFBIG
 *	"changed while read"		-EAGAIN
 *	"out of memory"			-ENOMEM
 */
#ifndef KEEL_FILE_H
#define KEEL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/*
 * On success *buf (to free; one byte longer than *len and NUL-terminated)
 * holds the file and *st (may be NULL) what fstat said of it.
 */
int keel_file_read(const char *path, size_t max, char **buf, size_t *len,
		   struct stat *st, char *msg, size_t msglen);

/*
 * A daemon's configuration file, from keel_file_read()'s st: owned by root
 * or by the user the process runs as, and writable by nobody else
 * (whoever can write it decides what the daemon does, as root at its
 * next start).  0, or -EPERM with msg:
 *
 *	"owned by uid N: root (or uid M, who runs the daemon) must own it"
 *	"mode 0664 lets group or others write to it (chmod go-w)"
 */
int keel_file_check_config(const struct stat *st, char *msg, size_t msglen);

#endif /* KEEL_FILE_H */
