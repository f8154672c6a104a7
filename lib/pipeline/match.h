/*
 * Rule matching for security groups and inter-cell policies, compiled
 * from the model into flat arrays the pipeline scans without allocation.
 */
#ifndef VF_PIPELINE_MATCH_H
#define VF_PIPELINE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfabric/vfabric.h>

/* The fields a rule can look at, from the packet. */
struct vf__flow {
	uint32_t src, dst;
	uint16_t sport, dport; /* 0 when !has_ports */
	uint8_t proto;
	bool has_ports; /* TCP/UDP with a readable header */
	bool icmp_echo;	  /* an ICMP echo request or reply ... */
	uint8_t icmp_type; /* ... of this type (8 or 0) */
	uint16_t icmp_id;  /* ... and identifier (conntrack keys on it) */
};

/* One compiled match: the remote (or source/destination) prefixes, the
 * protocol and the destination port range. */
struct vf__match {
	uint32_t rnet, rmask;	/* the remote end: src for ingress, dst for egress */
	uint32_t lnet, lmask;	/* the local end (policies' dst prefix); 0/0 any */
	uint8_t proto;		/* 0 any */
	uint16_t pmin, pmax;	/* 0/0 any */
};

/* A port's security rules in both directions, or a cell's admission
 * policies per source cell. */
struct vf__ruleset {
	struct vf__match *rules[2]; /* [VF_DIR_INGRESS], [VF_DIR_EGRESS] */
	size_t nrules[2];
};

/* Builds the compiled rules of every group in @groups (n of them); 0 or
 * -ENOMEM. */
int vf__ruleset_from_secgroups(struct vf__ruleset *rs, vf_secgroup *const *groups,
			       size_t n);
void vf__ruleset_free(struct vf__ruleset *rs);
/* Whether a rule of direction @dir matches @f: for ingress the remote end
 * is the flow's source, for egress its destination. */
bool vf__ruleset_allows(const struct vf__ruleset *rs, vf_direction dir,
			const struct vf__flow *f);
/* One compiled policy: does it admit @f? */
bool vf__match_policy(const struct vf__match *m, const struct vf__flow *f);
/* Compiles a vf_policy's match (source cell checked by the caller). */
void vf__match_from_policy(struct vf__match *m, const vf_policy_opts *o);

#endif
