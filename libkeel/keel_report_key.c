// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel_report_key.c - reading a shared key file: the one piece of the
 * report code that does I/O, kept out of the codec (keel_report.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sodium.h>

#include "keel_file.h"
#include "keel_report.h"

#define KEEL_KEY_FILE_MAX 4096

int keel_report_key_load(const char *path, uid_t user,
			 uint8_t key[KEEL_REPORT_KEY_LEN], char *msg,
			 size_t msglen)
{
	char why[160];
	struct stat st;
	size_t len;
	char *buf;
	int ret;

	ret = keel_file_read(path, KEEL_KEY_FILE_MAX, &buf, &len, &st, why,
			     sizeof(why));
	if (ret) {
		snprintf(msg, msglen, "key file %s: %s", path, why);
		return ret;
	}
	/* A key others can read is a key others can sign with; a key
	 * someone else owns is theirs to change or read. */
	if (st.st_uid != 0 && st.st_uid != geteuid() && st.st_uid != user) {
		snprintf(
			msg, msglen,
			"key file %s: owned by uid %u: root or the daemon's user must own it (chown)",
			path, (unsigned int)st.st_uid);
		ret = -EPERM;
	} else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(
			msg, msglen,
			"key file %s: mode %04o lets group or others access it (chmod 600)",
			path, (unsigned int)(st.st_mode & 07777));
		ret = -EPERM;
	} else {
		ret = keel_report_key_parse((const uint8_t *)buf, len, key, why,
					    sizeof(why));
		if (ret)
			snprintf(msg, msglen, "key file %s: %s", path, why);
	}
	/* The key stays in key[] only. */
	sodium_memzero(buf, len);
	free(buf);
	return ret;
}
