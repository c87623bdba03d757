// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel-flood - spoofed SYN, ACK and UDP floods at a VIP, from a network
 * namespace of the stress suite (tests/stress/README.md): one Ethernet
 * frame per spoofed 5-tuple, or two back to back (the flood that records
 * conn entries, docs/dataplane.md "What a flood can still do").
 *
 *   keel-flood --dev eth0 --dst-mac MAC --dst 203.0.113.10 --dport 80 \
 *       --kind syn|ack|handshake|udp [--per-tuple 1|2] --from 10.128.0.0/9 \
 *       [--rate PPS] [--duration S] [--mode live|packet|ring] [--threads N]
 *
 * Three ways to put the frames on the wire, to measure which is fastest:
 *   live    BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES: the kernel
 *           runs keel_flood.bpf.c on copies of one template frame and
 *           transmits each (XDP_TX) on --dev; the program writes the
 *           spoofed source.  The veth peer of --dev must run an XDP
 *           program (a veth only receives XDP frames then).
 *   packet  AF_PACKET, sendmmsg of 64 frames built here, qdisc bypassed.
 *   ring    AF_PACKET with a PACKET_TX_RING (TPACKET_V2), qdisc bypassed.
 * Every mode sends the same tuples (a hash of the frame's number and a
 * seed), with correct IPv4 and TCP/UDP checksums.
 *
 * Output, one line: "flood MODE KIND: F frames in T s: R pps (cpu C s)";
 * exit 0, 1 on a failure, 2 usage.
 *
 *   keel-flood --sink --dev eth0 --from 10.128.0.0/9
 * attaches an XDP program that drops every IPv4 frame from the prefix to
 * --dev (a real server's interface: the reals' defences, so that servers
 * simulated on this machine do not spend its CPU on the flood) and exits;
 * the program stays until the interface goes.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "keel_flood.skel.h"

#define FRAME_LEN 60 /* the Ethernet minimum without FCS */
#define BATCH 64
#define MAX_THREADS 8
#define RING_FRAMES 512
#define RING_FRAME_SIZE 2048

enum mode { M_LIVE, M_PACKET, M_RING };
static const char *const mode_names[] = { "live", "packet", "ring" };

struct cfg {
	enum mode mode;
	int ifindex;
	uint8_t dst_mac[6], src_mac[6];
	uint32_t dst; /* network order */
	uint16_t dport; /* host order */
	bool tcp;
	uint16_t fw_first, fw_next; /* TCP doff/flags words, memory order */
	uint32_t per_tuple_shift;
	uint32_t src_base, src_mask; /* host order; mask: bits that vary */
	uint64_t rate; /* frames a second in all, 0: as fast as possible */
	uint64_t duration_ms;
	uint32_t batch; /* live: frames per kernel batch */
	const char *kind;
};

struct worker {
	const struct cfg *c;
	int id, nthreads;
	uint32_t seed;
	uint64_t sent;
	double cpu_s;
	int err;
	pthread_t th;
};

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Internet checksum of len bytes (16-bit words in memory order). */
static uint16_t csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	uint16_t w;

	for (; len > 1; len -= 2, b += 2) {
		memcpy(&w, b, 2);
		sum += w;
	}
	if (len) {
		w = 0;
		memcpy(&w, b, 1);
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t fmix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

/*
 * The template: source address 0, source port 0, the first frame's flags.
 * *l4_0 is its TCP/UDP checksum (pseudo header included); the frame
 * carries it too.  Headers are built aside and copied in: at offset 14 of
 * a frame they are not aligned for their structs.
 */
static void build_template(const struct cfg *c, uint8_t *f, uint16_t *ip0,
			   uint16_t *l4_0, uint16_t *fw0)
{
	struct ethhdr eth = { .h_proto = htons(ETH_P_IP) };
	struct iphdr ip = { .version = 4, .ihl = 5, .ttl = 64 };
	union {
		struct tcphdr t;
		struct {
			struct udphdr u;
			char payload[18];
		} u;
		uint8_t b[sizeof(struct tcphdr)];
	} l4 = { 0 };
	size_t l4_len = c->tcp ? sizeof(struct tcphdr) :
				 sizeof(struct udphdr) + 18;
	uint8_t pseudo[12];
	uint32_t sum = 0;
	uint16_t w;
	size_t i;

	_Static_assert(sizeof(l4) >= sizeof(struct udphdr) + 18, "l4 room");
	memcpy(eth.h_dest, c->dst_mac, 6);
	memcpy(eth.h_source, c->src_mac, 6);
	ip.protocol = c->tcp ? IPPROTO_TCP : IPPROTO_UDP;
	ip.tot_len = htons((uint16_t)(sizeof(ip) + l4_len));
	ip.frag_off = htons(0x4000); /* DF */
	ip.saddr = 0;
	ip.daddr = c->dst;
	ip.check = csum(&ip, sizeof(ip), 0);
	*ip0 = ip.check;
	if (c->tcp) {
		l4.t.dest = htons(c->dport);
		l4.t.seq = htonl(0x4b45454c);
		l4.t.ack_seq = htonl(0x464c4f4f);
		l4.t.window = htons(64240);
		memcpy((uint8_t *)&l4 + 12, &c->fw_first, 2);
	} else {
		l4.u.u.dest = htons(c->dport);
		l4.u.u.len = htons((uint16_t)l4_len);
		memcpy(l4.u.payload, "keel-flood junk!\r\n", 18);
	}
	memcpy(pseudo, &ip.saddr, 4);
	memcpy(pseudo + 4, &ip.daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = ip.protocol;
	w = htons((uint16_t)l4_len);
	memcpy(pseudo + 10, &w, 2);
	for (i = 0; i < sizeof(pseudo); i += 2) {
		memcpy(&w, pseudo + i, 2);
		sum += w;
	}
	w = csum(&l4, l4_len, sum);
	if (!c->tcp && !w)
		w = 0xffff;
	memcpy((uint8_t *)&l4 + (c->tcp ? 16 : 6), &w, 2);
	*l4_0 = w;
	*fw0 = c->fw_first;
	memset(f, 0, FRAME_LEN);
	memcpy(f, &eth, sizeof(eth));
	memcpy(f + sizeof(eth), &ip, sizeof(ip));
	memcpy(f + sizeof(eth) + sizeof(ip), &l4, l4_len);
}

/* Byte offsets in the frame (its headers are not aligned). */
#define OFF_IP_CHECK (14 + 10)
#define OFF_IP_SADDR (14 + 12)
#define OFF_L4 (14 + 20)

/* Userspace twin of keel_flood.bpf.c: frame n of this worker. */
static void rewrite(const struct cfg *c, uint32_t seed, uint64_t n, uint8_t *f,
		    uint16_t ip0, uint16_t l40, uint16_t fw0)
{
	uint8_t *l4 = f + OFF_L4;
	uint32_t t = (uint32_t)(n >> c->per_tuple_shift), h1, h2, src, add, s;
	uint16_t sport, hi, lo, fw, ck;

	h1 = fmix32(t ^ seed);
	h2 = fmix32(h1 ^ 0x9e3779b9);
	src = htonl(c->src_base | (h1 & c->src_mask));
	sport = htons((uint16_t)(1024 + h2 % 64512));
	memcpy(f + OFF_IP_SADDR, &src, 4);
	hi = (uint16_t)src;
	lo = (uint16_t)(src >> 16);
	s = (uint16_t)~ip0 + (uint32_t)hi + lo;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	ck = (uint16_t)~s;
	memcpy(f + OFF_IP_CHECK, &ck, 2);
	add = (uint32_t)hi + lo + sport;
	if (c->tcp) {
		fw = (n & ((1U << c->per_tuple_shift) - 1)) ? c->fw_next :
							      c->fw_first;
		memcpy(l4 + 12, &fw, 2);
		add += (uint16_t)~fw0 + (uint32_t)fw;
	}
	memcpy(l4, &sport, 2);
	s = (uint16_t)~l40 + add;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	ck = (uint16_t)~s;
	/* s is 0xffff when the sum is; cppcheck misses the folds above: */
	// cppcheck-suppress knownConditionTrueFalse
	if (!c->tcp && !ck)
		ck = 0xffff;
	memcpy(l4 + (c->tcp ? 16 : 6), &ck, 2);
}

/* Frames due by now at this worker's share of the rate. */
static uint64_t due(const struct worker *w, uint64_t t0, uint64_t t)
{
	return (uint64_t)((double)(t - t0) / 1e9 * w->c->rate / w->nthreads);
}

static void pace(const struct worker *w, uint64_t t0)
{
	struct timespec z = { 0, 200000 };

	while (!stop_flag && w->c->rate && due(w, t0, now_ns()) <= w->sent &&
	       now_ns() < t0 + w->c->duration_ms * 1000000ULL)
		nanosleep(&z, NULL);
}

static int run_live(struct worker *w)
{
	const struct cfg *c = w->c;
	struct keel_flood *skel;
	/* data_end must be the frame's length (the kernel checks it). */
	struct xdp_md ctx = { .data_end = FRAME_LEN,
			      .ingress_ifindex = c->ifindex };
	uint8_t frame[FRAME_LEN];
	uint16_t ip0, l40, fw0;
	uint64_t t0, end;
	int fd, err;

	build_template(c, frame, &ip0, &l40, &fw0);
	skel = keel_flood__open();
	if (!skel)
		return -errno;
	skel->rodata->src_base = c->src_base;
	skel->rodata->src_span_mask = c->src_mask;
	skel->rodata->seed = w->seed;
	skel->rodata->ip_csum0 = ip0;
	skel->rodata->l4_csum0 = l40;
	skel->rodata->flags_word0 = fw0;
	skel->rodata->flags_word_first = c->fw_first;
	skel->rodata->flags_word_next = c->fw_next;
	skel->rodata->is_tcp = c->tcp;
	skel->rodata->per_tuple_shift = (uint8_t)c->per_tuple_shift;
	bpf_program__set_autoload(skel->progs.keel_flood_sink, false);
	err = keel_flood__load(skel);
	if (err)
		goto out;
	fd = bpf_program__fd(skel->progs.keel_flood_rewrite);
	t0 = now_ns();
	end = t0 + c->duration_ms * 1000000ULL;
	while (!stop_flag && now_ns() < end) {
		/* At full speed 8192 frames are a few ms: the clock and a
		 * signal are looked at often enough. */
		uint64_t n = 8192;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame,
			    .data_size_in = sizeof(frame), .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			    .batch_size = c->batch);

		if (c->rate) {
			pace(w, t0);
			n = due(w, t0, now_ns()) - w->sent;
			if (!n)
				continue;
			if (n > 8192)
				n = 8192;
		}
		o.repeat = (uint32_t)n;
		err = bpf_prog_test_run_opts(fd, &o);
		if (err) {
			err = -errno;
			fprintf(stderr, "keel-flood: BPF_PROG_TEST_RUN: %s\n",
				strerror(errno));
			goto out;
		}
		w->sent += n;
	}
	/* The program's own count: what the kernel really ran. */
	w->sent = skel->bss->frames;
out:
	keel_flood__destroy(skel);
	return err;
}

static int packet_socket(const struct cfg *c)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_IP),
				   .sll_ifindex = c->ifindex };
	int fd, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Straight to the driver: a flood does not queue. */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int run_packet(struct worker *w)
{
	const struct cfg *c = w->c;
	static __thread uint8_t frames[BATCH][FRAME_LEN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint16_t ip0, l40, fw0;
	uint64_t t0, end, n = 0;
	int fd, i, b, r;

	fd = packet_socket(c);
	if (fd < 0)
		return fd;
	for (i = 0; i < BATCH; i++)
		build_template(c, frames[i], &ip0, &l40, &fw0);
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ frames[i], FRAME_LEN };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now_ns();
	end = t0 + c->duration_ms * 1000000ULL;
	while (!stop_flag && now_ns() < end) {
		b = BATCH;
		if (c->rate) {
			uint64_t d;

			pace(w, t0);
			d = due(w, t0, now_ns()) - w->sent;
			if (!d)
				continue;
			b = d < BATCH ? (int)d : BATCH;
		}
		for (i = 0; i < b; i++)
			rewrite(c, w->seed, n + i, frames[i], ip0, l40, fw0);
		r = sendmmsg(fd, msgs, b, 0);
		if (r < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		n += r;
		w->sent += r;
	}
	close(fd);
	return 0;
}

static int run_ring(struct worker *w)
{
	const struct cfg *c = w->c;
	struct tpacket_req req = { .tp_block_size = RING_FRAME_SIZE * 16,
				   .tp_frame_size = RING_FRAME_SIZE,
				   .tp_block_nr = RING_FRAMES / 16,
				   .tp_frame_nr = RING_FRAMES };
	uint8_t tmpl[FRAME_LEN], *ring;
	uint16_t ip0, l40, fw0;
	uint64_t t0, end, n = 0;
	int fd, v = TPACKET_V2, err = 0;
	size_t size = (size_t)RING_FRAME_SIZE * RING_FRAMES;
	unsigned int slot = 0;

	fd = packet_socket(c);
	if (fd < 0)
		return fd;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req))) {
		err = -errno;
		close(fd);
		return err;
	}
	ring = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED) {
		err = -errno;
		close(fd);
		return err;
	}
	build_template(c, tmpl, &ip0, &l40, &fw0);
	t0 = now_ns();
	end = t0 + c->duration_ms * 1000000ULL;
	while (!stop_flag && now_ns() < end) {
		int b = BATCH, i, queued = 0;

		if (c->rate) {
			uint64_t d;

			pace(w, t0);
			d = due(w, t0, now_ns()) - w->sent;
			if (!d)
				continue;
			b = d < BATCH ? (int)d : BATCH;
		}
		for (i = 0; i < b; i++) {
			struct tpacket2_hdr *h =
				(void *)(ring + (size_t)slot * RING_FRAME_SIZE);
			uint8_t *data = (uint8_t *)h + TPACKET2_HDRLEN -
					sizeof(struct sockaddr_ll);

			if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) !=
			    TP_STATUS_AVAILABLE)
				break; /* the kernel has not sent it yet */
			memcpy(data, tmpl, FRAME_LEN);
			rewrite(c, w->seed, n, data, ip0, l40, fw0);
			h->tp_len = FRAME_LEN;
			__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
					 __ATOMIC_RELEASE);
			slot = (slot + 1) % RING_FRAMES;
			n++;
			queued++;
		}
		if (send(fd, NULL, 0, 0) < 0 && errno != ENOBUFS &&
		    errno != EAGAIN && errno != EINTR) {
			err = -errno;
			break;
		}
		w->sent += queued;
	}
	munmap(ring, size);
	close(fd);
	return err;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	double c0 = thread_cpu_s();

	switch (w->c->mode) {
	case M_LIVE:
		w->err = run_live(w);
		break;
	case M_PACKET:
		w->err = run_packet(w);
		break;
	case M_RING:
		w->err = run_ring(w);
		break;
	}
	w->cpu_s = thread_cpu_s() - c0;
	return NULL;
}

/* --sink: the drop program on c->ifindex, left attached. */
static int sink_attach(const struct cfg *c)
{
	struct keel_flood *skel;
	int err;

	skel = keel_flood__open();
	if (!skel)
		return -errno;
	skel->rodata->src_base = c->src_base;
	skel->rodata->src_span_mask = c->src_mask;
	bpf_program__set_autoload(skel->progs.keel_flood_rewrite, false);
	err = keel_flood__load(skel);
	if (!err)
		err = bpf_xdp_attach(
			c->ifindex,
			bpf_program__fd(skel->progs.keel_flood_sink),
			XDP_FLAGS_DRV_MODE, NULL);
	keel_flood__destroy(skel);
	return err;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int if_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

static int parse_num(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end || *v > max ? -EINVAL : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: keel-flood --dev IFACE --dst-mac MAC [--src-mac MAC]\n"
		"         --dst IPV4 --dport PORT --kind syn|ack|handshake|udp\n"
		"         --from ADDR/LEN [--per-tuple 1|2] [--rate PPS]\n"
		"         [--duration S] [--mode live|packet|ring] [--threads N]\n"
		"         [--batch N] [--seed N]\n"
		"       keel-flood --sink --dev IFACE --from ADDR/LEN\n"
		"\n"
		"  --sink        attach a program dropping IPv4 from --from to IFACE\n"
		"                (a real server's defences) and exit\n"
		"  --kind        syn: SYN; ack: ACK; handshake: SYN then ACK\n"
		"                (with --per-tuple 2); udp: a small datagram\n"
		"  --per-tuple   frames per spoofed 5-tuple, back to back (default 1)\n"
		"  --from        spoofed sources (random in the prefix)\n"
		"  --rate        frames a second in all (default 0: as fast as possible)\n"
		"  --duration    seconds, decimals allowed (default 10)\n"
		"  --mode        live (XDP live frames, default), packet (sendmmsg),\n"
		"                ring (PACKET_TX_RING)\n"
		"  --threads     senders, thread i on CPU i (default 1)\n"
		"  --batch       live: frames per kernel batch (default 64)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "dst-mac", required_argument, NULL, 'M' },
		{ "src-mac", required_argument, NULL, 'S' },
		{ "dst", required_argument, NULL, 'a' },
		{ "dport", required_argument, NULL, 'p' },
		{ "kind", required_argument, NULL, 'k' },
		{ "per-tuple", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'D' },
		{ "mode", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 'T' },
		{ "batch", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 's' },
		{ "sink", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cfg c = { .mode = M_LIVE, .duration_ms = 10000, .batch = 64 };
	struct worker w[MAX_THREADS];
	const char *dev = NULL;
	bool have_dst_mac = false, have_src_mac = false, have_seed = false;
	bool sink = false;
	uint64_t v, threads = 1, per_tuple = 1, seed = 0, sent = 0;
	double cpu = 0, secs, d;
	struct sigaction sa = { .sa_handler = on_stop };
	char *end, *slash;
	struct in_addr a;
	uint64_t t0;
	int opt, i, err = 0;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'M':
			if (parse_mac(optarg, c.dst_mac))
				goto bad;
			have_dst_mac = true;
			break;
		case 'S':
			if (parse_mac(optarg, c.src_mac))
				goto bad;
			have_src_mac = true;
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				goto bad;
			c.dst = a.s_addr;
			break;
		case 'p':
			if (parse_num(optarg, 65535, &v) || !v)
				goto bad;
			c.dport = (uint16_t)v;
			break;
		case 'k':
			c.kind = optarg;
			break;
		case 't':
			if (parse_num(optarg, 2, &per_tuple) || !per_tuple)
				goto bad;
			break;
		case 'f':
			slash = strchr(optarg, '/');
			if (!slash || parse_num(slash + 1, 32, &v))
				goto bad;
			*slash = '\0';
			if (inet_pton(AF_INET, optarg, &a) != 1)
				goto bad;
			c.src_mask = v == 32 ? 0 : ~0U >> v;
			c.src_base = ntohl(a.s_addr) & ~c.src_mask;
			break;
		case 'r':
			if (parse_num(optarg, 100000000, &c.rate))
				goto bad;
			break;
		case 'D':
			errno = 0;
			d = strtod(optarg, &end);
			if (errno || *end || !(d > 0) || d > 86400)
				goto bad;
			c.duration_ms = (uint64_t)(d * 1000);
			break;
		case 'm':
			for (i = 0; i < 3 && strcmp(optarg, mode_names[i]); i++)
				;
			if (i == 3)
				goto bad;
			c.mode = (enum mode)i;
			break;
		case 'T':
			if (parse_num(optarg, MAX_THREADS, &threads) ||
			    !threads)
				goto bad;
			break;
		case 'b':
			if (parse_num(optarg, 256, &v) || !v)
				goto bad;
			c.batch = (uint32_t)v;
			break;
		case 's':
			if (parse_num(optarg, UINT32_MAX, &seed))
				goto bad;
			have_seed = true;
			break;
		case 'K':
			sink = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (sink && optind == argc && dev && c.src_base) {
		c.ifindex = (int)if_nametoindex(dev);
		err = c.ifindex ? sink_attach(&c) : -errno;
		if (err) {
			fprintf(stderr, "keel-flood: --sink on %s: %s\n", dev,
				strerror(-err));
			return 1;
		}
		printf("sink on %s drops IPv4 from the flood's prefix\n", dev);
		return 0;
	}
	if (sink || optind != argc || !dev || !have_dst_mac || !c.dst ||
	    !c.dport || !c.kind) {
		usage(stderr);
		return 2;
	}
	/* doff 5, then the flags: memory order of bytes 12 and 13. */
	if (!strcmp(c.kind, "syn") || !strcmp(c.kind, "ack") ||
	    !strcmp(c.kind, "handshake")) {
		uint8_t syn[2] = { 5 << 4, 0x02 }, ack[2] = { 5 << 4, 0x10 };

		c.tcp = true;
		memcpy(&c.fw_first, strcmp(c.kind, "ack") ? syn : ack, 2);
		memcpy(&c.fw_next, strcmp(c.kind, "syn") ? ack : syn, 2);
	} else if (strcmp(c.kind, "udp")) {
		fprintf(stderr, "keel-flood: unknown --kind '%s'\n", c.kind);
		return 2;
	}
	c.per_tuple_shift = per_tuple == 2;
	c.ifindex = (int)if_nametoindex(dev);
	if (!c.ifindex) {
		fprintf(stderr, "keel-flood: %s: %m\n", dev);
		return 1;
	}
	if (!have_src_mac && if_mac(dev, c.src_mac)) {
		fprintf(stderr, "keel-flood: %s: no MAC: %m\n", dev);
		return 1;
	}
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 16;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	libbpf_set_print(NULL);
	t0 = now_ns();
	for (i = 0; i < (int)threads; i++) {
		pthread_attr_t at;
		cpu_set_t set;

		w[i] = (struct worker){ .c = &c,
					.id = i,
					.nthreads = (int)threads,
					.seed = fmix32((uint32_t)seed + i) };
		pthread_attr_init(&at);
		if (threads > 1) {
			CPU_ZERO(&set);
			CPU_SET(i, &set);
			pthread_attr_setaffinity_np(&at, sizeof(set), &set);
		}
		if (pthread_create(&w[i].th, &at, worker_main, &w[i])) {
			fprintf(stderr, "keel-flood: cannot start a thread\n");
			return 1;
		}
		pthread_attr_destroy(&at);
	}
	for (i = 0; i < (int)threads; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].err && !err) {
			err = w[i].err;
			fprintf(stderr, "keel-flood: %s mode: %s\n",
				mode_names[c.mode], strerror(-err));
		}
		sent += w[i].sent;
		cpu += w[i].cpu_s;
	}
	secs = (now_ns() - t0) / 1e9;
	printf("flood %s %s%s: %llu frames in %.2f s: %.0f pps (cpu %.2f s, %llu thread%s)\n",
	       mode_names[c.mode], c.kind, per_tuple == 2 ? " x2" : "",
	       (unsigned long long)sent, secs, sent / secs, cpu,
	       (unsigned long long)threads, threads > 1 ? "s" : "");
	return err ? 1 : 0;
bad:
	fprintf(stderr, "keel-flood: bad %s '%s'\n", argv[optind - 1], optarg);
	usage(stderr);
	return 2;
}
