// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel-conn-find - how many of a client's flows have an entry in a pinned
 * keel conn table (the stress suite: did a flood push established flows
 * out?).  One lookup per flow, never a walk of the table.
 *
 *   keel-conn-find [--missing] PIN < flows
 *
 * PIN is the conn map's pin (/sys/fs/bpf/keel/INSTANCE/keel_conn; reach
 * it from the root mount namespace: nsenter --net, not ip netns exec).
 * Each line of stdin is one IPv4 flow as the LB sees it, client first:
 * "SRC SPORT DST DPORT tcp|udp".  Output: "found F of N"; --missing also
 * prints each flow without an entry ("missing: LINE").
 * Exit 0, 1 on an error, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "keel_maps.h"

int main(int argc, char **argv)
{
	struct keel_conn v;
	char line[256], src[64], dst[64], proto[8];
	unsigned long n = 0, found = 0;
	unsigned int sport, dport;
	int fd, missing = argc == 3 && !strcmp(argv[1], "--missing");
	const char *pin = argv[argc - 1];

	if (argc != 2 + missing) {
		fprintf(stderr,
			"Usage: keel-conn-find [--missing] PIN < flows\n");
		return 2;
	}
	fd = bpf_obj_get(pin);
	if (fd < 0) {
		fprintf(stderr, "keel-conn-find: %s: %s\n", pin,
			strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		struct keel_flow k;

		memset(&k, 0, sizeof(k));
		if (sscanf(line, "%63s %u %63s %u %7s", src, &sport, dst,
			   &dport, proto) != 5 ||
		    inet_pton(AF_INET, src, &k.src[0]) != 1 ||
		    inet_pton(AF_INET, dst, &k.dst[0]) != 1 || sport > 65535 ||
		    dport > 65535 ||
		    (strcmp(proto, "tcp") && strcmp(proto, "udp"))) {
			fprintf(stderr, "keel-conn-find: bad line: %s", line);
			return 2;
		}
		k.family = KEEL_F_INET;
		k.proto = strcmp(proto, "tcp") ? 17 : 6;
		k.sport = htons((uint16_t)sport);
		k.dport = htons((uint16_t)dport);
		n++;
		if (!bpf_map_lookup_elem(fd, &k, &v)) {
			found++;
		} else if (errno != ENOENT) {
			fprintf(stderr, "keel-conn-find: lookup: %s\n",
				strerror(errno));
			return 1;
		} else if (missing) {
			printf("missing: %s", line);
		}
	}
	printf("found %lu of %lu\n", found, n);
	return 0;
}
