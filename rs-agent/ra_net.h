/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * ra_net - a real server's VS/DR set-up, over rtnetlink (libmnl) and the
 * sysctl files of the agent's network namespace; never `ip` or `sysctl`.
 *
 * For direct return the real server must accept packets to the VIP and
 * never answer ARP/ND for it (the LBs own it on the wire):
 *   - each VIP on lo as /32 or /128, tagged with IFA_PROTO RA_IFA_PROTO so
 *     `cleanup` removes exactly what an agent added (stateless: works after
 *     a crash too);
 *   - net.ipv4.conf.{all,<iface>}.arp_ignore = 1, arp_announce = 2 for
 *     "all" and every serving interface;
 *   - rp_filter loose (2) where strict (1) would drop the LB-forwarded
 *     packets (IPv4 only; IPv6 has no rp_filter sysctl).
 * Sysctl values found before the agent changed them are kept in a small
 * state file so `cleanup` can put them back.
 */
#ifndef RA_NET_H
#define RA_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RA_IFA_PROTO 0x4b /* 'K': addresses keel's agent added */
#define RA_IFNAME_MAX 16

struct ra_vip {
	uint8_t family; /* KEEL_F_INET / KEEL_F_INET6 (keel_maps.h) */
	uint8_t addr[16];
};

struct ra_net;

/* An rtnetlink socket in the current network namespace. */
int ra_net_open(struct ra_net **out);
void ra_net_close(struct ra_net *n);

/*
 * Put v on lo (/32 or /128, scope global, IFA_PROTO RA_IFA_PROTO; IPv6
 * with IFA_F_NODAD, usable at once); 0 if added or already on lo (an
 * address already there, tagged or not, is left as it is: only tagged
 * ones are ours), else -errno with a one-line reason in err:
 * -EEXIST when v is on another interface ("203.0.113.10 is on eth0: the
 * real would answer ARP/ND for it ..."; nothing is added then),
 * -EAFNOSUPPORT for an unknown family, the kernel's error otherwise.
 */
int ra_net_vip_add(struct ra_net *n, const struct ra_vip *v, char *err,
		   size_t errlen);
/* Remove every lo address tagged RA_IFA_PROTO; *removed counts them. */
int ra_net_vip_cleanup(struct ra_net *n, unsigned *removed);

/*
 * Apply the ARP / rp_filter sysctls for the serving interfaces (NULL-
 * terminated names; NULL or empty: "all" and every non-lo interface that
 * is up), recording old values in state_path for ra_net_sysctl_restore().
 * Only values that do not already do the job are written (arp_ignore 2 or
 * 8 stays, rp_filter 0 stays).  Every name is read before anything is
 * written: a missing interface (-ENOENT) changes nothing.  state_path
 * (text, replaced atomically) keeps the first value found across runs,
 * so an agent restarted after apply still restores the operator's;
 * NULL: nothing recorded.
 */
int ra_net_sysctl_apply(const char *const *ifaces, const char *state_path,
			char *err, size_t errlen);
/*
 * Put back each recorded value whose sysctl still holds the agent's value
 * (one changed since is the operator's and stays), then delete the state
 * file.  0 also when there is no file; -EBADMSG for a damaged one (nothing
 * restored).
 */
int ra_net_sysctl_restore(const char *state_path);

/* One finding of `rs-agent check`: what, where, the value needed, why. */
struct ra_net_finding {
	char what[200]; /* "arp_ignore is 0 on eth0 (effective ...): ...; needs 1" */
};

/*
 * `rs-agent check`: what is wrong with this host's DR set-up for these
 * VIPs and interfaces, changing nothing.  Fills up to max findings and
 * returns how many there were (0: all good; may exceed max), or -errno.
 * Checks: lo up; each VIP present on lo with a host prefix (IPv6: not
 * tentative); no VIP on another interface; arp_ignore 1, 2 or 8 and
 * arp_announce 2 in effect for every serving interface (the kernel uses
 * the max of all and the interface); rp_filter not strict (1) in effect
 * there.  ifaces as for ra_net_sysctl_apply(); the ARP and rp_filter
 * checks are skipped when every VIP is IPv6 (ND never answers for lo's
 * addresses on another interface).
 */
int ra_net_check(struct ra_net *n, const struct ra_vip *vips, size_t n_vips,
		 const char *const *ifaces, struct ra_net_finding *out,
		 size_t max);

#endif
