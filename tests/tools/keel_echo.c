// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * keel-echo - a tiny TCP (and UDP) line server and client for the
 * end-to-end tests, the stress suite and the lab (IPv4 and IPv6, TCP and UDP).
 *
 *   keel-echo server --name rs1 [--port 80] [--bind ADDR] [--udp-port P]
 *       Listens on the wildcard (dual stack when IPv6 is available, so it
 *       accepts on a VIP held on lo) and answers every received line with
 *       "<name> <line>".  With --udp-port it also answers each UDP
 *       datagram (IPv4 and, where IPv6 is on, IPv6) on port P the same
 *       way, from the address the datagram was sent to (a VIP on lo).  epoll, non-blocking; runs until
 *       SIGTERM/SIGINT.
 *
 *   keel-echo client --connect ADDR [--port 80] [--count N] [--parallel W]
 *                    [--timeout-ms T] [--udp] [--hold [--wait-file PATH]
 *                    [--wait-timeout S]]
 *       Round 1: opens N connections (at most W in flight), sends one line on
 *       each and records which server answered.  With --hold the connections
 *       stay open; the client prints "holding N", waits for a line (or EOF)
 *       on stdin, for PATH to exist (--wait-file) or for SIGUSR1, then
 *       round 2 sends again on every connection and checks that each is
 *       answered by the same server.  Every step has a deadline.  --udp:
 *       each "connection" is a connected UDP socket (a flow: one source
 *       port) that sends its line twice per round, again every 500 ms
 *       until answered; answers to earlier datagrams are skipped.
 *
 * Output (stdout, one fact per line, for scripts):
 *   server ROUND NAME COUNT
 *   round ROUND total T ok K failed F moved M ms E
 *   holding N
 * Exit status: 0 all connections ok and none moved, 1 any failure, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "keel_clock.h"

#define LINE_MAX_LEN 512
#define NAME_MAX_LEN 64
#define MAX_SERVERS 64
#define MAX_CONNS 60000
#define SERVER_OUT_MAX (64 * 1024)
#define ERRORS_SHOWN 10

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t go_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void on_go(int sig)
{
	(void)sig;
	go_flag = 1;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int num_arg(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || !*s || *end || *out < min || *out > max) {
		fprintf(stderr, "keel-echo: bad number '%s' (%ld..%ld)\n", s,
			min, max);
		return -1;
	}
	return 0;
}

/* ADDR (IPv4, IPv6, or [IPv6]) and port into a sockaddr. */
static int addr_parse(const char *s, long port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(s);

	memset(ss, 0, sizeof(*ss));
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		s = buf;
	}
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	fprintf(stderr, "keel-echo: bad address '%s'\n", s);
	return -1;
}

/* ------------------------------------------------------------------ */
/* server                                                              */

struct sconn {
	struct sconn *prev, *next; /* all open connections, freed at exit */
	int fd;
	size_t in_len;
	char in[LINE_MAX_LEN];
	char *out;
	size_t out_len, out_cap;
	bool want_out;
};

struct server {
	const char *name;
	size_t name_len;
	int lfd, efd, ufd, u6fd; /* ufd, u6fd: UDP over IPv4, IPv6, or -1 */
	unsigned long accepted, lines, open, datagrams;
	struct sconn *conns;
};

/* epoll's tags of the UDP sockets (the listener's is NULL). */
static char udp_tag, udp6_tag;

static void sconn_close(struct server *s, struct sconn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	epoll_ctl(s->efd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	free(c);
	s->open--;
}

/* Write what is buffered; 0 ok (maybe partly), -1 the connection is dead. */
static int sconn_flush(struct server *s, struct sconn *c)
{
	struct epoll_event ev = { .data.ptr = c };
	size_t off = 0;
	bool want;

	while (off < c->out_len) {
		ssize_t n = send(c->fd, c->out + off, c->out_len - off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		off += n;
	}
	memmove(c->out, c->out + off, c->out_len - off);
	c->out_len -= off;
	want = c->out_len > 0;
	if (want != c->want_out) {
		ev.events = EPOLLIN | (want ? EPOLLOUT : 0);
		if (epoll_ctl(s->efd, EPOLL_CTL_MOD, c->fd, &ev))
			return -1;
		c->want_out = want;
	}
	return 0;
}

static int sconn_reply(struct server *s, struct sconn *c, const char *line,
		       size_t len)
{
	size_t need = s->name_len + 1 + len + 1;

	if (len && line[len - 1] == '\r')
		len--, need--;
	if (c->out_len + need > SERVER_OUT_MAX)
		return -1; /* the peer does not read: drop it */
	if (c->out_len + need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 1024;
		char *p;

		while (cap < c->out_len + need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -1;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s->name, s->name_len);
	c->out[c->out_len + s->name_len] = ' ';
	memcpy(c->out + c->out_len + s->name_len + 1, line, len);
	c->out[c->out_len + need - 1] = '\n';
	c->out_len += need;
	s->lines++;
	return 0;
}

/* Read what is there, answer every complete line; -1 closes. */
static int sconn_read(struct server *s, struct sconn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->in_len,
				 sizeof(c->in) - c->in_len, 0);
		size_t start = 0, i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return sconn_flush(s, c);
		if (n <= 0)
			return -1;
		c->in_len += n;
		for (i = 0; i < c->in_len; i++) {
			if (c->in[i] != '\n')
				continue;
			if (sconn_reply(s, c, c->in + start, i - start))
				return -1;
			start = i + 1;
		}
		if (start == 0 && c->in_len == sizeof(c->in)) {
			/* an over-long line: answer what we have */
			if (sconn_reply(s, c, c->in, c->in_len))
				return -1;
			start = c->in_len;
		}
		memmove(c->in, c->in + start, c->in_len - start);
		c->in_len -= start;
	}
}

static void server_accept(struct server *s)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct sconn *c;
		int fd = accept4(s->lfd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fprintf(stderr, "keel-echo %s: accept: %s\n",
					s->name, strerror(errno));
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		ev.data.ptr = c;
		if (epoll_ctl(s->efd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->conns;
		if (c->next)
			c->next->prev = c;
		s->conns = c;
		s->accepted++;
		s->open++;
	}
}

static int server_listen(const char *bind_addr, long port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = -1, one = 1, zero = 0;

	if (bind_addr) {
		if (addr_parse(bind_addr, port, &ss, &len))
			return -1;
		fd = socket(ss.ss_family,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		/* Dual stack wildcard; plain IPv4 where IPv6 is off. */
		memset(&ss, 0, sizeof(ss));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = htons(port);
		len = sizeof(*sin6);
		fd = socket(AF_INET6,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
		if (fd < 0 && errno == EAFNOSUPPORT) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			memset(&ss, 0, sizeof(ss));
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
			sin->sin_port = htons(port);
			len = sizeof(*sin);
			fd = socket(AF_INET,
				    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				    0);
		}
	}
	if (fd < 0) {
		perror("keel-echo: socket");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 4096)) {
		fprintf(stderr, "keel-echo: bind/listen port %ld: %s\n", port,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The UDP socket: IPv4 wildcard, told each datagram's destination. */
static int server_udp(long port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		fprintf(stderr, "keel-echo: udp port %ld: %s\n", port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * The IPv6 UDP socket: IPv6 only (IPv4 has its own), told each datagram's
 * destination; -2 when the host has no IPv6 (not an error).
 */
static int server_udp6(long port)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
				     .sin6_addr = IN6ADDR_ANY_INIT,
				     .sin6_port = htons(port) };
	int fd, one = 1;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && errno == EAFNOSUPPORT)
		return -2;
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6))) {
		fprintf(stderr, "keel-echo: udp6 port %ld: %s\n", port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Answer every datagram waiting on fd (IPv4 or IPv6), from the address it
 * was sent to: replies from a VIP held on lo reach the client's connected
 * socket (DR).
 */
static void server_udp_read(struct server *s, int fd, bool v6)
{
	int level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int type = v6 ? IPV6_PKTINFO : IP_PKTINFO;

	for (;;) {
		char in[LINE_MAX_LEN], out[NAME_MAX_LEN + LINE_MAX_LEN + 2];
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct sockaddr_in6 from; /* room for either family */
		struct iovec iov = { in, sizeof(in) };
		struct msghdr m = { .msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		struct in6_pktinfo pi6;
		struct in_pktinfo pi4;
		struct cmsghdr *cm;
		ssize_t n = recvmsg(fd, &m, 0);
		bool has_pi = false;
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN: all read */
		}
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
			if (cm->cmsg_level != level || cm->cmsg_type != type)
				continue;
			if (v6)
				memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
			else
				memcpy(&pi4, CMSG_DATA(cm), sizeof(pi4));
			has_pi = true;
		}
		len = (size_t)n;
		while (len && (in[len - 1] == '\n' || in[len - 1] == '\r'))
			len--;
		memcpy(out, s->name, s->name_len);
		out[s->name_len] = ' ';
		memcpy(out + s->name_len + 1, in, len);
		out[s->name_len + 1 + len] = '\n';
		iov = (struct iovec){ out, s->name_len + len + 2 };
		m.msg_flags = 0;
		m.msg_control = NULL;
		m.msg_controllen = 0;
		if (has_pi) {
			memset(ctl.buf, 0, sizeof(ctl.buf));
			m.msg_control = ctl.buf;
			m.msg_controllen =
				CMSG_SPACE(v6 ? sizeof(pi6) : sizeof(pi4));
			cm = CMSG_FIRSTHDR(&m);
			cm->cmsg_level = level;
			cm->cmsg_type = type;
			if (v6) {
				/* ifindex 0: the route decides */
				struct in6_pktinfo o = {
					.ipi6_addr = pi6.ipi6_addr
				};

				cm->cmsg_len = CMSG_LEN(sizeof(o));
				memcpy(CMSG_DATA(cm), &o, sizeof(o));
			} else {
				struct in_pktinfo o = { .ipi_spec_dst =
								pi4.ipi_addr };

				cm->cmsg_len = CMSG_LEN(sizeof(o));
				memcpy(CMSG_DATA(cm), &o, sizeof(o));
			}
		}
		if (sendmsg(fd, &m, 0) >= 0)
			s->datagrams++;
	}
}

static int server_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'p' },
		{ "bind", required_argument, NULL, 'b' },
		{ "udp-port", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server s = { .name = NULL, .ufd = -1, .u6fd = -1 };
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	struct sigaction sa = { .sa_handler = on_stop };
	const char *bind_addr = NULL;
	long port = 80, udp_port = 0;
	int opt, i;

	while ((opt = getopt_long(argc, argv, "n:p:b:u:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			s.name = optarg;
			break;
		case 'p':
			if (num_arg(optarg, 1, 65535, &port))
				return 2;
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'u':
			if (num_arg(optarg, 1, 65535, &udp_port))
				return 2;
			break;
		case 'h':
			printf("Usage: keel-echo server --name NAME [--port PORT] [--bind ADDR] [--udp-port PORT]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!s.name || !*s.name || strlen(s.name) >= NAME_MAX_LEN ||
	    strchr(s.name, ' ') || optind != argc) {
		fprintf(stderr,
			"Usage: keel-echo server --name NAME [--port PORT] [--bind ADDR] [--udp-port PORT]\n"
			"  (NAME: 1-63 characters, no spaces)\n");
		return 2;
	}
	s.name_len = strlen(s.name);
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	/* No SA_RESTART: epoll_wait returns EINTR and the loop ends. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	s.lfd = server_listen(bind_addr, port);
	if (s.lfd < 0)
		return 1;
	s.efd = epoll_create1(EPOLL_CLOEXEC);
	if (s.efd < 0) {
		perror("keel-echo: epoll_create1");
		return 1;
	}
	ev.data.ptr = NULL; /* the listener */
	if (epoll_ctl(s.efd, EPOLL_CTL_ADD, s.lfd, &ev)) {
		perror("keel-echo: epoll_ctl");
		return 1;
	}
	if (udp_port) {
		s.ufd = server_udp(udp_port);
		ev.data.ptr = &udp_tag;
		if (s.ufd < 0 || epoll_ctl(s.efd, EPOLL_CTL_ADD, s.ufd, &ev))
			return 1;
		s.u6fd = server_udp6(udp_port);
		ev.data.ptr = &udp6_tag;
		if (s.u6fd == -1 ||
		    (s.u6fd >= 0 &&
		     epoll_ctl(s.efd, EPOLL_CTL_ADD, s.u6fd, &ev)))
			return 1;
	}
	printf("keel-echo server %s listening on port %ld\n", s.name, port);
	fflush(stdout);

	while (!stop_flag) {
		int n = epoll_wait(s.efd, evs, sizeof(evs) / sizeof(evs[0]),
				   -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("keel-echo: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct sconn *c = evs[i].data.ptr;
			int bad = 0;

			if (!c) {
				server_accept(&s);
				continue;
			}
			if ((void *)c == &udp_tag) {
				server_udp_read(&s, s.ufd, false);
				continue;
			}
			if ((void *)c == &udp6_tag) {
				server_udp_read(&s, s.u6fd, true);
				continue;
			}
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				bad = sconn_read(&s, c);
			if (!bad && (evs[i].events & EPOLLOUT))
				bad = sconn_flush(&s, c);
			if (bad)
				sconn_close(&s, c);
		}
	}
	printf("keel-echo server %s: %lu connections accepted, %lu lines, %lu open at exit, %lu datagrams answered\n",
	       s.name, s.accepted, s.lines, s.open, s.datagrams);
	fflush(stdout);
	while (s.conns)
		sconn_close(&s, s.conns);
	close(s.efd);
	close(s.lfd);
	if (s.ufd >= 0)
		close(s.ufd);
	if (s.u6fd >= 0)
		close(s.u6fd);
	return 0;
}

/* ------------------------------------------------------------------ */
/* client                                                              */

/* C_SKIP: failed in round 1, not part of round 2. */
enum cstate { C_PENDING, C_CONNECTING, C_WAITING, C_DONE, C_FAILED, C_SKIP };

#define UDP_RESEND_MS 500

struct cconn {
	int fd;
	enum cstate state;
	int64_t deadline;
	int64_t resend_at; /* UDP: when the line goes again unanswered */
	int first_server; /* index into servers[], round 1's answer */
	int server; /* this round's answer */
	size_t len;
	char sent[48];
	char buf[LINE_MAX_LEN];
};

struct client {
	struct sockaddr_storage dst;
	socklen_t dst_len;
	long count, parallel, timeout_ms;
	bool udp;
	struct cconn *conns;
	char servers[MAX_SERVERS][NAME_MAX_LEN];
	int n_servers;
	unsigned long errors_shown;
};

static void cfail(struct client *cl, struct cconn *c, long i, const char *fmt,
		  const char *detail)
{
	if (cl->errors_shown++ < ERRORS_SHOWN) {
		fprintf(stderr, "keel-echo client: connection %ld: ", i);
		fprintf(stderr, fmt, detail);
		fputc('\n', stderr);
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = C_FAILED;
}

static int server_index(struct client *cl, const char *name, size_t len)
{
	int i;

	if (len == 0 || len >= NAME_MAX_LEN)
		return -1;
	for (i = 0; i < cl->n_servers; i++)
		if (strlen(cl->servers[i]) == len &&
		    memcmp(cl->servers[i], name, len) == 0)
			return i;
	if (cl->n_servers == MAX_SERVERS)
		return -1;
	memcpy(cl->servers[cl->n_servers], name, len);
	cl->servers[cl->n_servers][len] = '\0';
	return cl->n_servers++;
}

static void csend(struct client *cl, struct cconn *c, long i, int round)
{
	size_t len = (size_t)snprintf(c->sent, sizeof(c->sent),
				      "round %d conn %ld", round, i);
	char line[sizeof(c->sent) + 1];
	ssize_t n;

	memcpy(line, c->sent, len);
	line[len] = '\n';
	/* A few dozen bytes into an idle socket's empty send buffer. */
	n = send(c->fd, line, len + 1, MSG_NOSIGNAL);
	/*
	 * UDP: twice, as a flow of more than one datagram (a load balancer
	 * may record a UDP flow on its second datagram only); the second
	 * answer is one of the duplicates cevent() skips.
	 */
	if (cl->udp && n == (ssize_t)(len + 1))
		n = send(c->fd, line, len + 1, MSG_NOSIGNAL);
	if (n != (ssize_t)(len + 1)) {
		cfail(cl, c, i, "send: %s",
		      n < 0 ? strerror(errno) : "short write");
		return;
	}
	c->len = 0;
	c->state = C_WAITING;
	c->deadline = (int64_t)keel_now_ms() + cl->timeout_ms;
	c->resend_at = (int64_t)keel_now_ms() + UDP_RESEND_MS;
}

/* UDP: the line again (a datagram, or its answer, may have been lost). */
static void cresend(struct client *cl, struct cconn *c, long i)
{
	char line[sizeof(c->sent) + 1];
	size_t len = strlen(c->sent);

	memcpy(line, c->sent, len);
	line[len] = '\n';
	if (send(c->fd, line, len + 1, MSG_NOSIGNAL) < 0 && errno != EAGAIN &&
	    errno != ENOBUFS) {
		cfail(cl, c, i, "send: %s", strerror(errno));
		return;
	}
	c->resend_at = (int64_t)keel_now_ms() + UDP_RESEND_MS;
}

static void cstart(struct client *cl, long i, int round)
{
	struct cconn *c = &cl->conns[i];
	int one = 1;

	if (round > 1) {
		csend(cl, c, i, round);
		return;
	}
	c->fd = socket(cl->dst.ss_family,
		       (cl->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK |
			       SOCK_CLOEXEC,
		       0);
	if (c->fd < 0) {
		cfail(cl, c, i, "socket: %s", strerror(errno));
		return;
	}
	if (!cl->udp)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->deadline = (int64_t)keel_now_ms() + cl->timeout_ms;
	if (connect(c->fd, (struct sockaddr *)&cl->dst, cl->dst_len) == 0) {
		csend(cl, c, i, round);
		return;
	}
	if (errno != EINPROGRESS) {
		cfail(cl, c, i, "connect: %s", strerror(errno));
		return;
	}
	c->state = C_CONNECTING;
}

/* Handle poll events on an in-flight connection. */
static void cevent(struct client *cl, long i, int round, short revents)
{
	struct cconn *c = &cl->conns[i];
	char *nl, *sp;
	ssize_t n;

	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
			cfail(cl, c, i, "connect: %s",
			      strerror(err ? err : errno));
			return;
		}
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			csend(cl, c, i, round);
		return;
	}
	if (cl->udp)
		c->len = 0; /* a datagram is a whole answer */
	n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		cfail(cl, c, i, "recv: %s", strerror(errno));
		return;
	}
	if (n == 0) {
		cfail(cl, c, i, "%s", "closed by the server");
		return;
	}
	c->len += n;
	c->buf[c->len] = '\0';
	nl = strchr(c->buf, '\n');
	if (!nl) {
		if (c->len == sizeof(c->buf) - 1)
			cfail(cl, c, i, "%s", "over-long reply");
		return;
	}
	*nl = '\0';
	sp = strchr(c->buf, ' ');
	/* UDP: an answer to an earlier (or repeated) datagram is skipped. */
	if (cl->udp && sp && strcmp(sp + 1, c->sent) != 0 &&
	    !strncmp(sp + 1, "round ", 6)) {
		c->len = 0;
		return;
	}
	if (!sp || strcmp(sp + 1, c->sent) != 0 || nl + 1 != c->buf + c->len) {
		cfail(cl, c, i, "unexpected reply '%s'", c->buf);
		return;
	}
	c->server = server_index(cl, c->buf, sp - c->buf);
	if (c->server < 0) {
		cfail(cl, c, i, "bad or too many server names ('%s')", c->buf);
		return;
	}
	if (round == 1)
		c->first_server = c->server;
	c->state = C_DONE;
}

/* One round over the connections in state C_PENDING; returns elapsed ms. */
static int64_t client_round(struct client *cl, int round)
{
	struct pollfd *pfd = calloc(cl->parallel, sizeof(*pfd));
	long *idx = calloc(cl->parallel, sizeof(*idx));
	long next = 0, inflight = 0, k;
	int64_t t0 = (int64_t)keel_now_ms();

	if (!pfd || !idx) {
		fprintf(stderr, "keel-echo client: out of memory\n");
		exit(1);
	}
	for (;;) {
		int64_t now, wait = INT_MAX;
		long j = 0;

		/* Fill the window. */
		while (inflight < cl->parallel && next < cl->count) {
			if (cl->conns[next].state == C_PENDING) {
				cstart(cl, next, round);
				if (cl->conns[next].state == C_CONNECTING ||
				    cl->conns[next].state == C_WAITING)
					idx[inflight++] = next;
			}
			next++;
		}
		if (inflight == 0)
			break;
		now = (int64_t)keel_now_ms();
		for (k = 0; k < inflight; k++) {
			struct cconn *c = &cl->conns[idx[k]];

			pfd[k].fd = c->fd;
			pfd[k].events = c->state == C_CONNECTING ? POLLOUT :
								   POLLIN;
			pfd[k].revents = 0;
			if (c->deadline - now < wait)
				wait = c->deadline - now;
			if (cl->udp && c->state == C_WAITING &&
			    c->resend_at - now < wait)
				wait = c->resend_at - now;
		}
		if (wait < 0)
			wait = 0;
		if (poll(pfd, inflight, (int)wait) < 0 && errno != EINTR) {
			perror("keel-echo client: poll");
			exit(1);
		}
		now = (int64_t)keel_now_ms();
		for (k = 0; k < inflight; k++) {
			struct cconn *c = &cl->conns[idx[k]];

			if (pfd[k].revents)
				cevent(cl, idx[k], round, pfd[k].revents);
			if (cl->udp && c->state == C_WAITING &&
			    now >= c->resend_at && now < c->deadline)
				cresend(cl, c, idx[k]);
			if ((c->state == C_CONNECTING ||
			     c->state == C_WAITING) &&
			    now >= c->deadline)
				cfail(cl, c, idx[k], "%s",
				      c->state == C_CONNECTING ?
					      "connect timed out" :
					      "no reply in time");
			if (c->state == C_CONNECTING || c->state == C_WAITING)
				idx[j++] = idx[k]; /* still in flight */
		}
		inflight = j;
	}
	free(pfd);
	free(idx);
	return (int64_t)keel_now_ms() - t0;
}

/* Print the round's figures; returns true when the round was clean. */
static bool client_report(struct client *cl, int round, int64_t ms)
{
	unsigned long per[MAX_SERVERS] = { 0 };
	unsigned long total = 0, ok = 0, failed = 0, moved = 0;
	long i;
	int s;

	for (i = 0; i < cl->count; i++) {
		struct cconn *c = &cl->conns[i];

		if (c->state == C_PENDING || c->state == C_SKIP)
			continue; /* not part of this round */
		total++;
		if (c->state != C_DONE) {
			failed++;
			continue;
		}
		ok++;
		per[c->server]++;
		if (c->server != c->first_server) {
			moved++;
			if (cl->errors_shown++ < ERRORS_SHOWN)
				fprintf(stderr,
					"keel-echo client: connection %ld moved from %s to %s\n",
					i, cl->servers[c->first_server],
					cl->servers[c->server]);
		}
	}
	for (s = 0; s < cl->n_servers; s++)
		if (per[s])
			printf("server %d %s %lu\n", round, cl->servers[s],
			       per[s]);
	printf("round %d total %lu ok %lu failed %lu moved %lu ms %lld\n",
	       round, total, ok, failed, moved, (long long)ms);
	fflush(stdout);
	return failed == 0 && moved == 0;
}

/* Wait for a line or EOF on stdin, PATH to exist, or SIGUSR1. */
static int client_wait(const char *wait_file, long wait_timeout_s)
{
	int64_t deadline = (int64_t)keel_now_ms() + wait_timeout_s * 1000;

	while (!go_flag) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int64_t left = deadline - (int64_t)keel_now_ms();

		if (left <= 0) {
			fprintf(stderr,
				"keel-echo client: no go signal within %ld s\n",
				wait_timeout_s);
			return -1;
		}
		if (wait_file) {
			if (access(wait_file, F_OK) == 0)
				return 0;
			poll(NULL, 0, left < 20 ? (int)left : 20);
			continue;
		}
		if (poll(&p, 1, left < 1000 ? (int)left : 1000) > 0) {
			char b[256];
			ssize_t n = read(STDIN_FILENO, b, sizeof(b));

			if (n <= 0 || memchr(b, '\n', n))
				return 0; /* EOF, error or a line */
		}
	}
	return 0;
}

static int client_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "parallel", required_argument, NULL, 'P' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "hold", no_argument, NULL, 'H' },
		{ "udp", no_argument, NULL, 'u' },
		{ "wait-file", required_argument, NULL, 'f' },
		{ "wait-timeout", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] =
		"Usage: keel-echo client --connect ADDR [--port PORT] [--count N]\n"
		"         [--parallel W] [--timeout-ms T] [--udp]\n"
		"         [--hold [--wait-file PATH] [--wait-timeout SECONDS]]\n";
	struct client cl = { .count = 1, .parallel = 64, .timeout_ms = 3000 };
	struct sigaction sa_go = { .sa_handler = on_go };
	const char *addr = NULL, *wait_file = NULL;
	long port = 80, wait_timeout = 120, i;
	bool hold = false, clean;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:p:n:P:t:Huf:w:h", opts,
				  NULL)) != -1) {
		switch (opt) {
		case 'c':
			addr = optarg;
			break;
		case 'p':
			if (num_arg(optarg, 1, 65535, &port))
				return 2;
			break;
		case 'n':
			if (num_arg(optarg, 1, MAX_CONNS, &cl.count))
				return 2;
			break;
		case 'P':
			if (num_arg(optarg, 1, 4096, &cl.parallel))
				return 2;
			break;
		case 't':
			if (num_arg(optarg, 1, 600000, &cl.timeout_ms))
				return 2;
			break;
		case 'H':
			hold = true;
			break;
		case 'u':
			cl.udp = true;
			break;
		case 'f':
			wait_file = optarg;
			break;
		case 'w':
			if (num_arg(optarg, 1, 86400, &wait_timeout))
				return 2;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!addr || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (addr_parse(addr, port, &cl.dst, &cl.dst_len))
		return 2;
	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGUSR1, &sa_go, NULL); /* SIGTERM/SIGINT: die at once */

	cl.conns = calloc(cl.count, sizeof(*cl.conns));
	if (!cl.conns) {
		fprintf(stderr, "keel-echo client: out of memory\n");
		return 1;
	}
	for (i = 0; i < cl.count; i++)
		cl.conns[i].fd = -1;

	clean = client_report(&cl, 1, client_round(&cl, 1));
	if (hold) {
		unsigned long held = 0;

		for (i = 0; i < cl.count; i++) {
			if (cl.conns[i].state == C_DONE) {
				cl.conns[i].state = C_PENDING;
				held++;
			} else {
				cl.conns[i].state = C_SKIP;
			}
		}
		printf("holding %lu\n", held);
		fflush(stdout);
		if (client_wait(wait_file, wait_timeout))
			clean = false;
		else
			clean &= client_report(&cl, 2, client_round(&cl, 2));
	}
	for (i = 0; i < cl.count; i++)
		if (cl.conns[i].fd >= 0)
			close(cl.conns[i].fd);
	free(cl.conns);
	return clean ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "server") == 0)
		return server_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "client") == 0)
		return client_main(argc - 1, argv + 1);
	fprintf(stderr,
		"Usage: keel-echo server|client [OPTIONS]  (--help for each)\n");
	return argc >= 2 && (!strcmp(argv[1], "--help") ||
			     !strcmp(argv[1], "-h")) ?
		       0 :
		       2;
}
