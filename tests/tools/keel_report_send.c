// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel-report-send - send rs-agent reports by hand (tests, the lab):
 * signed reports built from the command line, the same datagram several
 * times (a replay), a datagram written to a file, or a file's bytes sent
 * as they are (forged, truncated, captured); record one datagram sent to
 * an address (an agent's report, to replay later); and flood an lbd with
 * junk from spoofed sources (docs/PERFORMANCE.md, "Agent report floods").
 * docs/agent-protocol.md.
 *
 *   keel-report-send --lb 10.10.0.2:9460 --key site.key --real 10.20.0.11 \
 *       --service 203.0.113.10:80/tcp=up:12 [--service ...] [--load 0.5]
 *   keel-report-send --record FILE --listen 10.10.0.2:9461 [--timeout MS]
 *   keel-report-send --lb 10.10.0.2:9460 --flood PPS --duration S \
 *       --mix random:40,wrongkey:30,replay:30 --from 10.66.0.0/16 \
 *       --from 10.20.0.11 --key site.key --real 10.20.0.11 [--raw FILE]
 *
 * Exit: 0 sent (recorded), 1 a send failed (nothing recorded), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sodium.h>

#include "keel_clock.h"
#include "keel_report.h"
#include "keel_addr.h"

#define MAX_LBS 8

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: keel-report-send --lb ADDR:PORT [--lb ...] [--bind ADDR]\n"
		"         (--key FILE --real ADDR [--service VIP:PORT/PROTO=STATE[:CONNS]]...\n"
		"          [--key-id N] [--load X] [--boot-id HEX32] [--seq N] [--flags N]\n"
		"          | --raw FILE)\n"
		"         [--count N] [--interval MS] [--repeat N] [--write FILE]\n"
		"         [--version 1|2] [--boot N]\n"
		"       keel-report-send --record FILE --listen ADDR:PORT [--timeout MS]\n"
		"       keel-report-send --lb ADDR:PORT --flood PPS --duration S --mix SPEC\n"
		"         --from ADDR[/LEN] [--from ...] [report options as above]\n"
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
		"  --write FILE      also write the (last) datagram to FILE\n"
		"  --version V       protocol version 1 or 2 (default 2)\n"
		"  --boot N          version 2's boot counter (default: unix seconds now)\n"
		"  --record FILE     receive one datagram on --listen and write it to FILE\n"
		"  --listen ADDR:PORT  where --record listens\n"
		"  --timeout MS      --record gives up after MS (default 5000; exit 1)\n"
		"  --flood PPS       IPv4 junk at PPS datagrams a second from raw sockets\n"
		"                    (root), each from a source picked among --from\n"
		"  --duration S      how long the flood lasts (default 10)\n"
		"  --mix SPEC        KIND:WEIGHT,... kinds: random (random bytes), wrongkey\n"
		"                    (a report signed with a random key, a new sequence each),\n"
		"                    nextseq (the same from --boot/--seq up: an on-path\n"
		"                    attacker's), replay (--raw FILE, or the report with\n"
		"                    sequence 1, as is)\n"
		"  --from ADDR[/LEN] a source (or a prefix) for the flood; several allowed\n",
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
	if (keel_vip_parse(s, &k))
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

/* --record: one datagram sent to listen, written to path. */
static int record_one(const struct sockaddr_storage *listen, socklen_t llen,
		      const char *path, uint64_t timeout_ms)
{
	uint8_t buf[2048];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct pollfd p;
	char name[64];
	__be32 a[4];
	ssize_t n;
	FILE *f;
	int fd;

	fd = socket(listen->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (const struct sockaddr *)listen, llen)) {
		fprintf(stderr, "keel-report-send: --listen: %m\n");
		return 1;
	}
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, (int)timeout_ms) != 1) {
		fprintf(stderr,
			"keel-report-send: nothing received in %llu ms\n",
			(unsigned long long)timeout_ms);
		close(fd);
		return 1;
	}
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	close(fd);
	if (n < 0)
		return 1;
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "keel-report-send: cannot write %s\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	memset(a, 0, sizeof(a));
	if (from.ss_family == AF_INET)
		a[0] = ((struct sockaddr_in *)&from)->sin_addr.s_addr;
	else
		memcpy(a, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
	keel_addr_format(from.ss_family == AF_INET ? KEEL_F_INET : KEEL_F_INET6,
			 a, name, sizeof(name));
	printf("recorded %zd bytes from %s into %s\n", n, name, path);
	return 0;
}

/* ---- --flood ---- */

enum junk { J_RANDOM, J_WRONGKEY, J_NEXTSEQ, J_REPLAY, J__MAX };
static const char *const junk_names[J__MAX] = { "random", "wrongkey", "nextseq",
						"replay" };

#define FLOOD_POOL 4096 /* distinct datagrams, sent round and round */
#define FLOOD_BATCH 64
#define FLOOD_FROM_MAX 16

struct flood_src {
	uint32_t base, mask; /* host order */
};

struct flood_pkt {
	/* First and aligned: flood_build() writes its headers as structs. */
	uint8_t b[sizeof(struct iphdr) + sizeof(struct udphdr) +
		  KEEL_REPORT_LEN_MAX] __attribute__((aligned(8)));
	uint16_t len;
};

/* "random:40,wrongkey:30,replay:30": weights per kind. */
static int parse_mix(char *spec, unsigned int w[J__MAX])
{
	char *tok, *save = NULL, *colon;
	uint64_t v;
	int i;

	memset(w, 0, J__MAX * sizeof(w[0]));
	for (tok = strtok_r(spec, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		colon = strchr(tok, ':');
		if (!colon || parse_u64(colon + 1, 1000, &v))
			return -EINVAL;
		*colon = '\0';
		for (i = 0; i < J__MAX && strcmp(tok, junk_names[i]); i++)
			;
		if (i == J__MAX)
			return -EINVAL;
		w[i] = (unsigned int)v;
	}
	return 0;
}

static int parse_from(const char *s, struct flood_src *f)
{
	char buf[64], *slash;
	struct in_addr a;
	uint64_t len = 32;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_u64(slash + 1, 32, &len))
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	f->mask = len ? ~0U << (32 - len) : 0;
	f->base = ntohl(a.s_addr) & f->mask;
	return 0;
}

/*
 * One junk datagram: an IPv4 + UDP header (checksum 0: none, RFC 768)
 * from src to the LB, and a payload of the kind.
 */
static void flood_build(struct flood_pkt *p, enum junk kind, uint32_t src,
			const struct sockaddr_in *lb, struct keel_report *r,
			const uint8_t *replay, size_t replay_len, uint64_t i)
{
	struct iphdr *ip = (struct iphdr *)p->b;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	uint8_t *pl = (uint8_t *)(udp + 1), key[KEEL_REPORT_KEY_LEN];
	struct keel_report j;
	size_t n = 0;
	int len;

	switch (kind) {
	case J_RANDOM:
		n = 1 + randombytes_uniform(200);
		randombytes_buf(pl, n);
		break;
	case J_WRONGKEY:
	case J_NEXTSEQ:
		j = *r;
		j.real.family = KEEL_F_INET;
		memset(j.real.addr, 0, sizeof(j.real.addr));
		src = htonl(src);
		memcpy(j.real.addr, &src, 4);
		src = ntohl(src);
		if (kind == J_WRONGKEY) {
			randombytes_buf(j.boot_id, sizeof(j.boot_id));
			j.seq = r->seq + 1000000 + i;
		} else {
			j.seq = r->seq + 1 + i % 1000;
		}
		randombytes_buf(key, sizeof(key));
		len = keel_report_encode(pl, KEEL_REPORT_LEN_MAX, &j, key);
		n = len > 0 ? (size_t)len : 0;
		break;
	case J_REPLAY:
	default:
		n = replay_len;
		memcpy(pl, replay, n);
		break;
	}
	memset(ip, 0, sizeof(*ip) + sizeof(*udp));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = htonl(src);
	ip->daddr = lb->sin_addr.s_addr;
	/* The kernel fills in the total length and checksum (raw(7)). */
	udp->source = htons((uint16_t)(1024 + randombytes_uniform(60000)));
	udp->dest = lb->sin_port;
	udp->len = htons((uint16_t)(sizeof(*udp) + n));
	p->len = (uint16_t)(sizeof(*ip) + sizeof(*udp) + n);
}

static int flood(const struct sockaddr_in *lb, uint64_t pps,
		 uint64_t duration_s, const unsigned int w[J__MAX],
		 const struct flood_src *from, int n_from,
		 struct keel_report *r, const uint8_t *replay,
		 size_t replay_len)
{
	struct mmsghdr msgs[FLOOD_BATCH];
	struct iovec iov[FLOOD_BATCH];
	struct flood_pkt *pool;
	uint64_t counts[J__MAX] = { 0 }, sent = 0, t0, end, due, i;
	enum junk kinds[FLOOD_POOL];
	unsigned int total = 0, pick, k;
	int fd, n, b;

	for (k = 0; k < J__MAX; k++)
		total += w[k];
	pool = calloc(FLOOD_POOL, sizeof(*pool));
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (!total || !pool || fd < 0) {
		fprintf(stderr, "keel-report-send: --flood: %s\n",
			fd < 0 ? strerror(errno) : "nothing to send");
		free(pool);
		return fd < 0 ? 1 : 2;
	}
	/* A pool built ahead: the flood costs the sender no HMAC. */
	for (i = 0; i < FLOOD_POOL; i++) {
		const struct flood_src *f = &from[randombytes_uniform(n_from)];
		uint32_t src = f->base | (randombytes_random() & ~f->mask);

		pick = randombytes_uniform(total);
		for (k = 0; pick >= w[k]; k++)
			pick -= w[k];
		kinds[i] = k;
		flood_build(&pool[i], k, src, lb, r, replay, replay_len, i);
	}
	memset(msgs, 0, sizeof(msgs));
	t0 = keel_now_ns();
	end = t0 + duration_s * 1000000000ULL;
	for (i = 0;;) {
		uint64_t t = keel_now_ns();

		if (t >= end)
			break;
		due = (t - t0) * pps / 1000000000ULL;
		if (sent >= due) {
			struct timespec z = { 0, 50000 };

			nanosleep(&z, NULL);
			continue;
		}
		b = due - sent > FLOOD_BATCH ? FLOOD_BATCH : (int)(due - sent);
		for (n = 0; n < b; n++, i++) {
			struct flood_pkt *p = &pool[i % FLOOD_POOL];

			iov[n].iov_base = p->b;
			iov[n].iov_len = p->len;
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
			msgs[n].msg_hdr.msg_name = (void *)lb;
			msgs[n].msg_hdr.msg_namelen = sizeof(*lb);
			counts[kinds[i % FLOOD_POOL]]++;
		}
		n = sendmmsg(fd, msgs, b, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN) {
			fprintf(stderr, "keel-report-send: --flood: %m\n");
			break;
		}
		/* A full queue drops like a full link: counted as sent. */
		sent += b;
	}
	t0 = keel_now_ns() - t0;
	printf("flood: %llu datagrams in %.2f s (%.0f/s):",
	       (unsigned long long)sent, t0 / 1e9, sent / (t0 / 1e9));
	for (k = 0; k < J__MAX; k++)
		if (w[k])
			printf(" %s %llu", junk_names[k],
			       (unsigned long long)counts[k]);
	printf("\n");
	close(fd);
	free(pool);
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
		{ "version", required_argument, NULL, 'V' },
		{ "boot", required_argument, NULL, 'o' },
		{ "record", required_argument, NULL, 'C' },
		{ "listen", required_argument, NULL, 'N' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "flood", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'D' },
		{ "mix", required_argument, NULL, 'M' },
		{ "from", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_storage lbs[MAX_LBS], src;
	socklen_t lb_len[MAX_LBS], src_len = 0;
	uint8_t key[KEEL_REPORT_KEY_LEN], buf[KEEL_REPORT_LEN_MAX + 512];
	uint8_t filebuf[KEEL_REPORT_LEN_MAX + 512];
	const char *key_file = NULL, *raw = NULL, *out = NULL, *record = NULL;
	struct keel_report r = { .key_id = 1 };
	uint64_t v, count = 1, interval = 100, repeat = 1, seq = 0;
	uint64_t timeout = 5000, pps = 0, duration = 10;
	bool have_real = false, have_seq = false, have_boot = false;
	bool have_counter = false, have_listen = false;
	struct sockaddr_storage listen;
	socklen_t listen_len = 0;
	struct flood_src from[FLOOD_FROM_MAX];
	unsigned int mix[J__MAX] = { 0 };
	int n_from = 0;
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
			    keel_hostport_parse(optarg, strlen(optarg), true,
						&fam, a, &port) ||
			    !port)
				goto bad;
			sockaddr_of(fam, a, port, &lbs[n_lbs], &lb_len[n_lbs]);
			n_lbs++;
			break;
		case 'b':
			if (keel_addr_parse(optarg, &fam, a))
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
			if (keel_addr_parse(optarg, &r.real.family,
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
		case 'V':
			if (parse_u64(optarg, KEEL_REPORT_VERSION, &v) ||
			    v < KEEL_REPORT_VERSION_1)
				goto bad;
			r.version = (uint8_t)v;
			break;
		case 'o':
			if (parse_u64(optarg, UINT64_MAX, &r.boot))
				goto bad;
			have_counter = true;
			break;
		case 'C':
			record = optarg;
			break;
		case 'N':
			if (keel_hostport_parse(optarg, strlen(optarg), true,
						&fam, a, &port))
				goto bad;
			sockaddr_of(fam, a, port, &listen, &listen_len);
			have_listen = true;
			break;
		case 'T':
			if (parse_u64(optarg, 3600000, &timeout))
				goto bad;
			break;
		case 'F':
			if (parse_u64(optarg, 100000000, &pps) || !pps)
				goto bad;
			break;
		case 'D':
			if (parse_u64(optarg, 86400, &duration) || !duration)
				goto bad;
			break;
		case 'M':
			if (parse_mix(optarg, mix))
				goto bad;
			break;
		case 'm':
			if (n_from == FLOOD_FROM_MAX ||
			    parse_from(optarg, &from[n_from]))
				goto bad;
			n_from++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (record) {
		if (optind != argc || !have_listen) {
			usage(stderr);
			return 2;
		}
		return record_one(&listen, listen_len, record, timeout);
	}
	if (optind != argc || (!n_lbs && !out) ||
	    (!raw && (!key_file || !have_real)) || (raw && have_real && !pps) ||
	    (raw && key_file && !pps) ||
	    (pps && (n_lbs != 1 || lbs[0].ss_family != AF_INET || !n_from))) {
		usage(stderr);
		return 2;
	}
	if (!have_counter) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		r.boot = (uint64_t)ts.tv_sec;
	}
	if (key_file) {
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
	if (raw) {
		if (read_file(raw, filebuf, sizeof(filebuf), &len)) {
			fprintf(stderr,
				"keel-report-send: cannot read %s: %m\n", raw);
			return 2;
		}
		count = 1;
	}
	if (pps) {
		int n = 0;

		/* The replayed datagram: --raw's, else the report with
		 * sequence 1 (what the agent sent first: a true replay). */
		r.seq = 1;
		if (!raw && key_file && have_real) {
			n = keel_report_encode(filebuf, sizeof(filebuf), &r,
					       key);
			len = n > 0 ? (size_t)n : 0;
		}
		if (!raw && n <= 0 && mix[J_REPLAY]) {
			fprintf(stderr,
				"keel-report-send: --mix replay needs --raw or a report (--key, --real)\n");
			return 2;
		}
		sodium_memzero(key, sizeof(key));
		r.seq = seq;
		return flood((struct sockaddr_in *)&lbs[0], pps, duration, mix,
			     from, n_from, &r, filebuf, len);
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
