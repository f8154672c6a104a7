/*
 * Serf queries (serf.md §7) answered by a libvfabric host, so operators
 * can ask a running fabric with the stock `serf query`.
 *
 * Every query that arrives is handled as a Serf agent handles it (§7.2):
 * its LTime is witnessed on the query clock; a query seen before ((LTime,
 * ID), VF__QUERY_SLOTS slots by LTime as Serf's buffer, VF__QUERY_IDS IDs
 * per slot) or older than the slots reach is dropped; any other is
 * rebroadcast unless flag 2 says not to, even when the filters exclude
 * this host; then the filters: node names (type 0), tag regexps (type 1),
 * any other type excludes. Serf matches tags with Go's RE2, here POSIX
 * extended regexps (regcomp REG_EXTENDED|REG_NOSUB, unanchored like Go's
 * MatchString) stand in: the same for what operators write (literals,
 * . * + ? [] ^ $ |, groups); RE2-only syntax (\d, (?i), non-greedy) does
 * not compile, and the query is then not processed, as Serf does with a
 * regexp it cannot compile.
 * A host the filters let in acks at once when flag 1 asks, and answers a
 * query of a name below once, at once (before the deadline, which only a
 * Timeout <= 0 puts behind us): [5] responses by UDP to the asker's
 * Addr:Port, at most VF__SERF_RESPONSE_MAX bytes encoded. With a
 * RelayFactor the ack and the answer also go, wrapped as relays ([9]), to
 * that many other alive members speaking memberlist protocol 5. Relays
 * this host is chosen for are forwarded (only query responses, only to
 * IPv4 addresses).
 *
 * Names answered:
 * - VF__QUERY_WHERE ("vf-where"), payload "CELL VIP" (decimal cell id,
 *   dotted VIP; blanks around and between): the host that has the VM as
 *   a local port answers one line of key=value pairs (vfabric/gossip.h);
 *   other hosts only ack. A payload that does not parse gets the ack and
 *   no answer, and is counted.
 * Internal queries (_serf_ping, _serf_conflict, the key queries) and any
 * other name: the ack only (serf.md §7.2: `serf keys` counts the host as
 * not responding).
 *
 * One thread drives it (the fabric's loop); the state machine is given,
 * not owned.
 */
#ifndef VF_GOSSIP_QUERY_H
#define VF_GOSSIP_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfabric/vfabric.h>

#include "gossip/membership.h"

#define VF__QUERY_SLOTS 512
#define VF__QUERY_IDS 4
#define VF__QUERY_WHERE "vf-where"
/* Longest vf-where payload read; the answer's longest line. */
#define VF__QUERY_WHERE_MAX 64
#define VF__QUERY_ANSWER_MAX 512

struct vf__query;

struct vf__query_stats {
	uint64_t queries;	   /* new queries (not duplicates, not too old) */
	uint64_t duplicates, old;  /* dropped */
	uint64_t filtered;	   /* excluded by their filters */
	uint64_t acks, answers;	   /* sent */
	uint64_t not_ours;	   /* vf-where for a VM this host does not have */
	uint64_t malformed;	   /* undecodable queries and relays, bad payloads */
	uint64_t late, oversized;  /* answers not sent: no time left, too big */
	uint64_t relays_sent;	   /* our acks and answers, wrapped, sent */
	uint64_t relays_forwarded; /* others' relays passed on */
	uint64_t relays_refused;   /* relays not for a response or an IPv4 address */
	uint64_t send_errors;
};

struct vf__query_opts {
	struct vf__swim *swim;	  /* sends through it; borrowed */
	struct vf_fabric *fabric; /* vf-where looks here; NULL: no answers */
	uint64_t seed;		  /* the relay choice; 0: random */
};

int vf__query_create(struct vf__query **out, const struct vf__query_opts *o);
/* NULL: no-op. */
void vf__query_destroy(struct vf__query *q);
/* A user message: true if it was a Serf query or relay, handled here (no
 * one else needs it), false otherwise. */
bool vf__query_user(struct vf__query *q, const uint8_t *p, size_t len);
/* The query clock (Lamport, starts at 1). */
uint64_t vf__query_clock(const struct vf__query *q);
const struct vf__query_stats *vf__query_stats(const struct vf__query *q);

/* vf-where's payload: 0, or -EINVAL. */
int vf__query_where_parse(const uint8_t *p, size_t len, uint32_t *cell, uint32_t *vip);
/* The answer for @l on host @host into @buf: the length, or -ENOSPC. */
int vf__query_where_format(char *buf, size_t size, const vf_location *l,
			   const char *host);

#endif
