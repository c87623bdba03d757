// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel-report-send - send rs-agent reports by hand (tests, the lab):
 * signed reports built from the command line, the same datagram several
 * times (a replay), a datagram written to a file, or a file's bytes sent
 * as they are (forged, truncated, captured).  docs/agent-protocol.md.
 *
 *   keel-report-send --lb 10.10.0.2:9460 --key site.key --real 10.20.0.11 \
 *       --service 203.0.113.10:80/tcp=up:12 [--service ...] [--load 0.5]
 *
 * Exit: 0 sent, 1 a send failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sodium.h>

#include "keel_report.h"
#include "lb_addr.h"

#define MAX_LBS 8

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: keel-report-send --lb ADDR:PORT [--lb ...] [--bind ADDR]\n"
		"         (--key FILE --real ADDR [--service VIP:PORT/PROTO=STATE[:CONNS]]...\n"
		"          [--key-id N] [--load X] [--boot-id HEX32] [--seq N] [--flags N]\n"
		"          | --raw FILE)\n"
		"         [--count N] [--interval MS] [--repeat N] [--write FILE]\n"
		"\n"
		"  --lb ADDR:PORT    an lbd's report address ([V6]:PORT for IPv6); several allowed\n"
		"  --bind ADDR       source address (the report's real must match it)\n"
		"  --key FILE        the site key: 64 hex digits or 32 bytes (sign with\n"
		"                    another key to forge a report)\n"
		"  --key-id N        key id in the header (default 1)\n"
		"  --real ADDR       the reporting real\n"
		"  --service S=ST[:C]  a service (e.g. 203.0.113.10:80/tcp=up:12); ST is up,\n"
		"                    down or draining, C its connections; up to %d\n"
		"  --load X          host load, e.g. 0.75 (default 0)\n"
		"  --boot-id HEX32   16 bytes in hex (default random)\n"
		"  --seq N           first sequence number (default: ms since the epoch,\n"
		"                    so runs with one boot id keep increasing)\n"
		"  --flags N         the header's flags (default 0)\n"
		"  --raw FILE        send FILE's bytes as the datagram, unchanged\n"
		"  --count N         reports, sequence +1 each (default 1)\n"
		"  --interval MS     between reports (default 100)\n"
		"  --repeat N        send each datagram N times: copies after the first\n"
		"                    are replays (default 1)\n"
		"  --write FILE      also write the (last) datagram to FILE\n",
		KEEL_REPORT_MAX);
}

static int read_file(const char *path, uint8_t *buf, size_t size, size_t *len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size);
	close(fd);
	if (n < 0)
		return -errno;
	*len = n;
	return 0;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || *v > max ? -EINVAL : 0;
}

static const char *const states[] = {
	[KEEL_RS_UP] = "up",
	[KEEL_RS_DOWN] = "down",
	[KEEL_RS_DRAINING] = "draining",
};

/* VIP:PORT/PROTO=STATE[:CONNS] */
static int parse_service(char *s, struct keel_report_svc *out)
{
	struct keel_vip_key k;
	char *eq = strrchr(s, '='), *colon;
	uint64_t conns = 0;
	size_t i;

	if (!eq)
		return -EINVAL;
	*eq++ = '\0';
	colon = strchr(eq, ':');
	if (colon) {
		*colon++ = '\0';
		if (parse_u64(colon, UINT32_MAX, &conns))
			return -EINVAL;
	}
	if (lb_vip_parse(s, &k))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->vip.family = k.family;
	memcpy(out->vip.addr, k.addr, 16);
	out->port = ntohs(k.port);
	out->proto = k.proto;
	out->conns = conns;
	for (i = KEEL_RS_UP; i <= KEEL_RS_DRAINING; i++)
		if (!strcmp(eq, states[i])) {
			out->state = i;
			return 0;
		}
	return -EINVAL;
}

static int sockaddr_of(uint8_t family, const __be32 addr[4], uint16_t port,
		       struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == KEEL_F_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = addr[0];
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, addr, 16);
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lb", required_argument, NULL, 'l' },
		{ "bind", required_argument, NULL, 'b' },
		{ "key", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'K' },
		{ "real", required_argument, NULL, 'r' },
		{ "service", required_argument, NULL, 's' },
		{ "load", required_argument, NULL, 'L' },
		{ "boot-id", required_argument, NULL, 'B' },
		{ "seq", required_argument, NULL, 'q' },
		{ "flags", required_argument, NULL, 'f' },
		{ "raw", required_argument, NULL, 'R' },
		{ "count", required_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "repeat", required_argument, NULL, 'p' },
		{ "write", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_storage lbs[MAX_LBS], src;
	socklen_t lb_len[MAX_LBS], src_len = 0;
	uint8_t key[KEEL_REPORT_KEY_LEN], buf[KEEL_REPORT_LEN_MAX + 512];
	uint8_t filebuf[KEEL_REPORT_LEN_MAX + 512];
	const char *key_file = NULL, *raw = NULL, *out = NULL;
	struct keel_report r = { .key_id = 1 };
	uint64_t v, count = 1, interval = 100, repeat = 1, seq = 0;
	bool have_real = false, have_seq = false, have_boot = false;
	int opt, n_lbs = 0, fd = -1, ret = 2, family = AF_INET;
	size_t len = 0, bin_len;
	uint8_t fam;
	__be32 a[4];
	uint16_t port;
	double load;
	char *end;

	if (sodium_init() < 0)
		return 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (n_lbs == MAX_LBS ||
			    lb_hostport_parse(optarg, strlen(optarg), true,
					      &fam, a, &port) ||
			    !port)
				goto bad;
			sockaddr_of(fam, a, port, &lbs[n_lbs], &lb_len[n_lbs]);
			n_lbs++;
			break;
		case 'b':
			if (lb_addr_parse(optarg, &fam, a))
				goto bad;
			sockaddr_of(fam, a, 0, &src, &src_len);
			break;
		case 'k':
			key_file = optarg;
			break;
		case 'K':
			if (parse_u64(optarg, UINT32_MAX, &v))
				goto bad;
			r.key_id = v;
			break;
		case 'r':
			if (lb_addr_parse(optarg, &r.real.family,
					  (__be32 *)r.real.addr))
				goto bad;
			have_real = true;
			break;
		case 's':
			if (r.count == KEEL_REPORT_MAX ||
			    parse_service(optarg, &r.svc[r.count]))
				goto bad;
			r.count++;
			break;
		case 'L':
			errno = 0;
			load = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(load >= 0) ||
			    load > UINT32_MAX / 1000.0)
				goto bad;
			r.load = (uint32_t)(load * 1000 + 0.5);
			break;
		case 'B':
			if (sodium_hex2bin(r.boot_id, sizeof(r.boot_id), optarg,
					   strlen(optarg), NULL, &bin_len,
					   NULL) ||
			    bin_len != sizeof(r.boot_id))
				goto bad;
			have_boot = true;
			break;
		case 'q':
			if (parse_u64(optarg, UINT64_MAX, &seq))
				goto bad;
			have_seq = true;
			break;
		case 'f':
			if (parse_u64(optarg, UINT16_MAX, &v))
				goto bad;
			r.flags = v;
			break;
		case 'R':
			raw = optarg;
			break;
		case 'c':
			if (parse_u64(optarg, 1000000, &count) || !count)
				goto bad;
			break;
		case 'i':
			if (parse_u64(optarg, 3600000, &interval))
				goto bad;
			break;
		case 'p':
			if (parse_u64(optarg, 1000000, &repeat) || !repeat)
				goto bad;
			break;
		case 'w':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || (!n_lbs && !out) ||
	    (!raw && (!key_file || !have_real)) ||
	    (raw && (key_file || have_real))) {
		usage(stderr);
		return 2;
	}
	if (raw) {
		if (read_file(raw, filebuf, sizeof(filebuf), &len)) {
			fprintf(stderr,
				"keel-report-send: cannot read %s: %m\n", raw);
			return 2;
		}
		count = 1;
	} else {
		if (read_file(key_file, filebuf, sizeof(filebuf), &len) ||
		    keel_report_key_parse(filebuf, len, key, NULL, 0)) {
			fprintf(stderr,
				"keel-report-send: %s: not a readable key (64 hex digits or 32 bytes)\n",
				key_file);
			return 2;
		}
		if (!have_boot)
			randombytes_buf(r.boot_id, sizeof(r.boot_id));
		if (!have_seq) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			seq = ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
		}
	}
	if (n_lbs) {
		family = lbs[0].ss_family;
		if (src_len && src.ss_family != family) {
			fprintf(stderr,
				"keel-report-send: --bind and --lb differ in family\n");
			return 2;
		}
		fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 ||
		    (src_len && bind(fd, (struct sockaddr *)&src, src_len))) {
			fprintf(stderr, "keel-report-send: socket: %m\n");
			return 1;
		}
	}
	ret = 0;
	for (v = 0; v < count; v++) {
		struct timespec ts;
		int n;

		if (raw) {
			memcpy(buf, filebuf, len);
			n = len;
		} else {
			clock_gettime(CLOCK_REALTIME, &ts);
			r.ts_ms = ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
			r.seq = seq + v;
			n = keel_report_encode(buf, sizeof(buf), &r, key);
			if (n < 0) {
				fprintf(stderr,
					"keel-report-send: cannot encode: %s\n",
					strerror(-n));
				ret = 2;
				break;
			}
		}
		for (uint64_t k = 0; k < repeat; k++)
			for (int i = 0; i < n_lbs; i++)
				if (sendto(fd, buf, n, 0,
					   (struct sockaddr *)&lbs[i],
					   lb_len[i]) != n) {
					fprintf(stderr,
						"keel-report-send: send: %m\n");
					ret = 1;
				}
		if (out) {
			FILE *f = fopen(out, "wb");

			if (!f || fwrite(buf, 1, n, f) != (size_t)n) {
				fprintf(stderr,
					"keel-report-send: cannot write %s\n",
					out);
				ret = 1;
			}
			if (f)
				fclose(f);
		}
		printf("sent %d bytes, seq %llu, %llu time(s) to %d lb(s)\n", n,
		       (unsigned long long)(raw ? 0 : r.seq),
		       (unsigned long long)repeat, n_lbs);
		if (v + 1 < count)
			usleep(interval * 1000);
	}
	sodium_memzero(key, sizeof(key));
	if (fd >= 0)
		close(fd);
	return ret;
bad:
	fprintf(stderr, "keel-report-send: bad %s '%s'\n", argv[optind - 1],
		optarg);
	usage(stderr);
	return 2;
}
