/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A command line run with its stdout and stderr captured, for table
 * tests of a tool's messages: "tool" and a row's NULL-terminated words
 * as argv.  Meant for Check's forked child: the redirection ends with
 * the test.
 */
#ifndef CHECK_CAPTURE_H
#define CHECK_CAPTURE_H

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHECK_CAPTURE_WORDS 15

struct check_output {
	char out[4096], err[4096];
};

static inline void check_capture_read(FILE *f, char *buf, size_t size)
{
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* fn(arg, argc, argv) with its output in o: what fn returned. */
static inline int check_capture(int (*fn)(void *arg, int argc, char **argv),
				void *arg, const char *const *words,
				struct check_output *o)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	char *argv[CHECK_CAPTURE_WORDS + 2];
	int argc = 0, ret;

	ck_assert(fo && fe);
	argv[argc++] = "tool";
	while (argc <= CHECK_CAPTURE_WORDS && words[argc - 1]) {
		argv[argc] = (char *)words[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(fo), STDOUT_FILENO), 0);
	ck_assert_int_ge(dup2(fileno(fe), STDERR_FILENO), 0);
	ret = fn(arg, argc, argv);
	fflush(stdout);
	fflush(stderr);
	check_capture_read(fo, o->out, sizeof(o->out));
	check_capture_read(fe, o->err, sizeof(o->err));
	return ret;
}

/* want: a part of got; NULL: got is empty. */
static inline void check_output_has(const char *name, const char *got,
				    const char *want)
{
	if (want)
		ck_assert_msg(strstr(got, want), "%s lacks '%s': %s", name,
			      want, got);
	else
		ck_assert_msg(!*got, "%s is not empty: %s", name, got);
}

#endif
