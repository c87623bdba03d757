// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * bench_conn_fill.c - fill a running instance's pinned connection table
 * with N distinct IPv4 TCP flows (batched updates), so that lbd can be
 * measured with a full table (tests/bench/bench_lbd.sh conn); with
 * SECONDS, then keep adding new flows for that long, as fast as the
 * kernel takes them (each evicts the least recent: the table churns).
 * The flows name real id 1, generation 0: no packet ever matches them.
 *
 * usage: bench_conn_fill BPFFS INSTANCE N [SECONDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <endian.h>
#include <bpf/bpf.h>

#include "keel_clock.h"
#include "lb_dp.h"

#define CHUNK 65536

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo, .elem_flags = BPF_ANY);
	struct lb_dp_opts o = {};
	struct keel_flow *keys;
	struct keel_conn *vals;
	uint64_t t0;
	struct lb_dp *dp;
	uint64_t n, i, done = 0, end = 0;
	uint32_t count, k;
	double secs;
	int fd, err;

	if (argc != 4 && argc != 5) {
		fprintf(stderr,
			"usage: bench_conn_fill BPFFS INSTANCE N [SECONDS]\n");
		return 2;
	}
	o.bpffs = argv[1];
	o.instance = argv[2];
	n = strtoull(argv[3], NULL, 0);
	err = lb_dp_open(&o, &dp);
	if (err) {
		fprintf(stderr, "bench_conn_fill: %s\n", strerror(-err));
		return 1;
	}
	fd = lb_dp_map_fd(dp, KEEL_PIN_CONN);
	keys = calloc(CHUNK, sizeof(*keys));
	vals = calloc(CHUNK, sizeof(*vals));
	if (fd < 0 || !keys || !vals)
		return 1;
	t0 = keel_now_ns();
	if (argc == 5)
		end = t0 / 1000000000 + strtoull(argv[4], NULL, 0);
	for (i = 0; i < n || end; i += count) {
		if (i >= n) {
			if (keel_now_ns() / 1000000000 >= end)
				break;
		}
		count = i < n && n - i < CHUNK ? n - i : CHUNK;
		for (k = 0; k < count; k++) {
			uint64_t f = i + k;

			keys[k].family = KEEL_F_INET;
			keys[k].proto = 6;
			keys[k].src[0] =
				htobe32(0x0b000000u + (uint32_t)(f >> 8));
			keys[k].dst[0] = htobe32(0xcb007100u | 10);
			keys[k].sport = htobe16(1024 + (f & 0xff));
			keys[k].dport = htobe16(443);
			vals[k].real_id = 1;
		}
		if (bpf_map_update_batch(fd, keys, vals, &count, &bo)) {
			fprintf(stderr, "bench_conn_fill: update: %s\n",
				strerror(errno));
			return 1;
		}
		done += count;
	}
	secs = (keel_now_ns() - t0) / 1e9;
	printf("added %llu flows in %.2f s (%.0f/s)\n",
	       (unsigned long long)done, secs, done / secs);
	lb_dp_close(dp);
	free(keys);
	free(vals);
	return 0;
}
