// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Trivial XDP programs.  xdp_pass goes on the receiving veth of frames
 * that keel sends with XDP_TX/redirect (a veth only receives such frames
 * when its peer has an XDP program); xdp_drop is the benchmark baseline.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char _license[] SEC("license") = "Dual BSD/GPL";
