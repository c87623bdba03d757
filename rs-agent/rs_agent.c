/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/* Placeholder: being written. */
#include <stdio.h>

int main(void)
{
	fputs("rs-agent: not built yet\n", stderr);
	return 1;
}
