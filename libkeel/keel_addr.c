// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "keel_addr.h"

static const struct {
	const char *name;
	uint8_t proto;
} keel_protos[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
};

int keel_proto_parse(const char *s, uint8_t *proto)
{
	unsigned long v;
	char *end;
	size_t i;

	for (i = 0; i < sizeof(keel_protos) / sizeof(keel_protos[0]); i++) {
		if (strcmp(s, keel_protos[i].name) == 0) {
			*proto = keel_protos[i].proto;
			return 0;
		}
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	/* Proto 0 names the address marker, never a service. */
	if (errno || *end || v == 0 || v > 255)
		return -EINVAL;
	*proto = v;
	return 0;
}

const char *keel_proto_name(uint8_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(keel_protos) / sizeof(keel_protos[0]); i++)
		if (keel_protos[i].proto == proto)
			return keel_protos[i].name;
	return NULL;
}

int keel_addr_parse(const char *s, uint8_t *family, __be32 addr[4])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = KEEL_F_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = KEEL_F_INET6;
		return 0;
	}
	return -EINVAL;
}

int keel_addr_format(uint8_t family, const __be32 addr[4], char *buf,
		     size_t size)
{
	int af = family == KEEL_F_INET6 ? AF_INET6 : AF_INET;

	if (family != KEEL_F_INET && family != KEEL_F_INET6)
		return -EINVAL;
	if (!inet_ntop(af, addr, buf, size))
		return -ENOSPC;
	return strlen(buf);
}

static int keel_port_parse(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -ERANGE;
	*port = v;
	return 0;
}

int keel_hostport_parse(const char *s, size_t len, bool need_port,
			uint8_t *family, __be32 addr[4], uint16_t *port)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *h = s, *hend, *colon = NULL, *end = s + len;
	size_t hlen;
	int err;

	*port = 0;
	if (len && *s == '[') {
		h = s + 1;
		hend = memchr(h, ']', end - h);
		if (!hend)
			return -EINVAL;
		if (hend + 1 < end) {
			if (hend[1] != ':')
				return -EINVAL;
			colon = hend + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		/* An unbracketed IPv6 address carries no port. */
		if (colon && memchr(colon + 1, ':', end - colon - 1))
			colon = NULL;
		hend = colon ? colon : end;
	}
	if (colon) {
		err = keel_port_parse(colon + 1, end - colon - 1, port);
		if (err)
			return err;
	} else if (need_port) {
		return -EINVAL;
	}
	hlen = hend - h;
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	err = keel_addr_parse(host, family, addr);
	if (err)
		return err;
	if (*s == '[' && *family != KEEL_F_INET6)
		return -EINVAL;
	return 0;
}

int keel_vip_parse(const char *s, struct keel_vip_key *k)
{
	const char *slash;
	uint16_t port;
	int err;

	memset(k, 0, sizeof(*k));
	slash = strrchr(s, '/');
	if (!slash || !slash[1])
		return -EINVAL;
	if (keel_hostport_parse(s, slash - s, false, &k->family, k->addr,
				&port))
		return -EINVAL;
	err = keel_proto_parse(slash + 1, &k->proto);
	if (err)
		return err;
	k->port = htons(port);
	return 0;
}

int keel_vip_format(const struct keel_vip_key *k, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN], proto[4];
	const char *pn = keel_proto_name(k->proto);
	int n;

	if (keel_addr_format(k->family, k->addr, host, sizeof(host)) < 0)
		return -EINVAL;
	if (!pn) {
		snprintf(proto, sizeof(proto), "%u", k->proto);
		pn = proto;
	}
	if (k->family == KEEL_F_INET6)
		n = snprintf(buf, size, "[%s]:%u/%s", host, ntohs(k->port), pn);
	else
		n = snprintf(buf, size, "%s:%u/%s", host, ntohs(k->port), pn);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int keel_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (s[i * 3] == ' ' || s[i * 3] == '+' || s[i * 3] == '-')
			return -EINVAL;
		mac[i] = b[i];
	}
	return 0;
}

int keel_mac_format(const uint8_t mac[6], char *buf, size_t size)
{
	int n = snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
			 mac[1], mac[2], mac[3], mac[4], mac[5]);

	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int keel_sockaddr_parse(const char *s, struct sockaddr_storage *ss,
			socklen_t *len)
{
	uint16_t port;
	__be32 addr[4];
	uint8_t fam;

	memset(ss, 0, sizeof(*ss));
	/* Brackets are required for IPv6 with a port anyway. */
	if (!s || keel_hostport_parse(s, strlen(s), true, &fam, addr, &port))
		return -EINVAL;
	if (fam == KEEL_F_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		memcpy(&sin6->sin6_addr, addr, 16);
		sin6->sin6_port = htons(port);
		sin6->sin6_family = AF_INET6;
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		memcpy(&sin->sin_addr, addr, 4);
		sin->sin_port = htons(port);
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
	}
	return 0;
}
