/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * A temporary directory for each test of a tcase: the checked fixtures
 * tmpdir_setup (mkdtemp, in the test's own process under CK_FORK, so each
 * test gets a fresh one) and tmpdir_teardown (removed with all it holds).
 */
#ifndef TMPDIR_H
#define TMPDIR_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

static char tmpdir[] = "/tmp/keel-test.XXXXXX";

static inline void tmpdir_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline void tmpdir_teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

#endif
