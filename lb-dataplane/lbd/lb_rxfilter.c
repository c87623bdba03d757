// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* lb_rxfilter: the agent report socket filter (lb_rxfilter.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "keel_agents.skel.h"
#include "lb_rxfilter.h"

struct lb_rxfilter {
	struct keel_agents *skel;
	int prog_fd, map_fd, drop_fd;
	struct keel_agent_key *keys; /* in the map now, sorted */
	size_t n;
};

static int lb_rxf_cmp(const struct keel_agent_key *a,
		      const struct keel_agent_key *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

int lb_rxfilter_open(struct lb_rxfilter **out)
{
	struct lb_rxfilter *f;
	int err;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->skel = keel_agents__open_and_load();
	if (!f->skel) {
		/* libbpf sets errno; a 0 there still must not read as success */
		err = errno ? -errno : -EINVAL;
		free(f);
		return err;
	}
	f->prog_fd = bpf_program__fd(f->skel->progs.keel_agents_filter);
	f->map_fd = bpf_map__fd(f->skel->maps.keel_agents);
	f->drop_fd = bpf_map__fd(f->skel->maps.keel_agents_dropped);
	*out = f;
	return 0;
}

int lb_rxfilter_attach(struct lb_rxfilter *f, int sock)
{
	if (setsockopt(sock, SOL_SOCKET, SO_ATTACH_BPF, &f->prog_fd,
		       sizeof(f->prog_fd)))
		return -errno;
	return 0;
}

int lb_rxfilter_detach(int sock)
{
	int dummy = 0;

	if (setsockopt(sock, SOL_SOCKET, SO_DETACH_BPF, &dummy, sizeof(dummy)))
		return -errno;
	return 0;
}

int lb_rxfilter_sync(struct lb_rxfilter *f, const struct lb_agents *t)
{
	static const uint8_t one = 1;
	struct keel_agent_key *keys = NULL, k;
	size_t i = 0, j = 0;
	int d;

	if (t->n) {
		keys = calloc(t->n, sizeof(*keys));
		if (!keys)
			return -ENOMEM;
	}
	/* t->v is sorted by family and address, as keys are. */
	for (i = 0; i < t->n; i++) {
		keys[i].family = t->v[i].a.family;
		memcpy(keys[i].addr, t->v[i].a.addr, sizeof(keys[i].addr));
	}
	/* Merge the old and new lists: write only what differs. */
	for (i = 0; i < t->n || j < f->n;) {
		d = i == t->n ? 1 :
		    j == f->n ? -1 :
				lb_rxf_cmp(&keys[i], &f->keys[j]);
		if (d < 0) {
			k = keys[i++];
			if (bpf_map_update_elem(f->map_fd, &k, &one, BPF_ANY))
				goto fail;
		} else if (d > 0) {
			k = f->keys[j++];
			if (bpf_map_delete_elem(f->map_fd, &k) &&
			    errno != ENOENT)
				goto fail;
		} else {
			i++;
			j++;
		}
	}
	free(f->keys);
	f->keys = keys;
	f->n = t->n;
	return 0;
fail:
	d = -errno;
	free(keys);
	return d;
}

uint64_t lb_rxfilter_dropped(struct lb_rxfilter *f)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v, sum = 0;
	uint32_t zero = 0;
	int i;

	if (ncpu <= 0)
		return 0;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return 0;
	if (!bpf_map_lookup_elem(f->drop_fd, &zero, v))
		for (i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

void lb_rxfilter_close(struct lb_rxfilter *f)
{
	if (!f)
		return;
	keel_agents__destroy(f->skel);
	free(f->keys);
	free(f);
}
