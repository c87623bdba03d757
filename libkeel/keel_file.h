/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * keel_file - read a small regular file whole (the configurations, lbd's
 * state files, the agents' key files), replace one atomically, and set
 * aside one that cannot be used.
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/stat.h>

/*
 * On success *buf (to free; one byte longer than *len and NUL-terminated)
 * holds the file and *st (may be NULL) what fstat said of it.
 */
int keel_file_read(const char *path, size_t max, char **buf, size_t *len,
		   struct stat *st, char *msg, size_t msglen);

/*
 * Replace path with the len bytes of buf: written to "<path>.tmp.<pid>" in
 * the same directory (created exclusively with mode, less the umask),
 * fsync'd and renamed over path, so that a reader (a restart) sees the old
 * file or the new one, never a mix nor a short file.  With sync_dir the
 * directory is fsync'd too, so that the rename itself survives a power
 * loss.  0, or -errno with the temporary file removed and path as it was;
 * except that a failed directory fsync (-errno) comes after the rename:
 * path holds the new bytes, not known to be durable.
 */
int keel_file_write_atomic(const char *path, const void *buf, size_t len,
			   mode_t mode, bool sync_dir);

/*
 * Keep a file that cannot be used out of the way: rename path to
 * "<path>.bad-YYYYmmddTHHMMSSZ" (UTC, from now; "-2", "-3"... when that
 * exists: an earlier one is never replaced) and fsync the directory.
 * The new name in aside.  0 or -errno (path untouched).
 */
int keel_file_set_aside(const char *path, time_t now, char *aside, size_t size);

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
