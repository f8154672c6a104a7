/*
 * config.h: vfhost's configuration file, parsed and checked without
 * touching any fabric.
 *
 * The format (README.md, "vfhost", and vfhost.conf.example in this
 * directory) is INI-like: `[type]` or `[type NAME]` section headers and
 * `key = value` lines; `#` or `;` starts a comment at the beginning of a
 * line or after white space. Every key is known per section; a key given
 * twice is refused unless it is a list key (rule, route, remote).
 *
 * cfg_parse_buffer() reads, cfg_check() checks what it can without a
 * fabric (references between sections, unique names, the lengths and
 * ranges of every value, options that contradict each other); what only
 * the library can decide (overlapping prefixes, duplicate addresses) is
 * checked by building the model on a scratch fabric first (apply.h).
 * Every error reads "FILE:LINE: what is wrong".
 *
 * Bounds: a line has at most CFG_LINE_MAX bytes, a file CFG_FILE_MAX,
 * and each kind of object at most its CFG_*_MAX; larger input is refused.
 */
#ifndef VFHOST_CONFIG_H
#define VFHOST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vfabric/vfabric.h>

#define CFG_LINE_MAX 1024
#define CFG_FILE_MAX (1024 * 1024)
#define CFG_CELLS_MAX 255
#define CFG_SUBNETS_MAX 1024
#define CFG_PORTS_MAX 4096
#define CFG_SECGROUPS_MAX 1024
#define CFG_RULES_MAX 256 /* per security group */
#define CFG_POLICIES_MAX 1024
#define CFG_ROUTES_MAX 256 /* per router */
#define CFG_ROUTER_SUBNETS_MAX 64
#define CFG_LOCATIONS_MAX 16384
#define CFG_THREADS_MAX 64
#define CFG_SEEDS_MAX 64 /* vf_gossip_join()'s limit */
#define CFG_KEYS_MAX 16
#define CFG_TAGS_MAX VF_GOSSIP_TAGS_MAX

#define CFG_NAME (VF_NAME_MAX + 1)
#define CFG_IFNAME 16  /* IFNAMSIZ */
#define CFG_SOCKET 108 /* sun_path */
#define CFG_PATH 256
#define CFG_TEXT 256
#define CFG_ERR 512

/* What every section has: the line of its header, and its body in a
 * canonical form ("key=value\n" per line, as given) that a reload
 * compares to tell what changed. */
struct cfg_head {
	unsigned int line;
	char *canon;
};

struct cfg_host {
	struct cfg_head h;
	char name[CFG_NAME];	   /* "" : gethostname() */
	char underlay[CFG_IFNAME]; /* "" : none (callback: no other host) */
	vf_mac mac;		   /* zero: the underlay netdev's */
	uint32_t ip;		   /* 0: unknown */
	unsigned int threads;	   /* worker threads, 1..64; 0: 1 */
	int cpus[CFG_THREADS_MAX]; /* -1: not pinned */
	unsigned int ncpus;	   /* 0, or threads */
	vf_log_level log_level;	   /* default VF_LOG_INFO */
	char pidfile[CFG_PATH];
};

struct cfg_control {
	struct cfg_head h;
	char socket[CFG_SOCKET]; /* "" : no control socket */
	bool has_uid, has_gid;
	uint32_t uid, gid;
	uint32_t mode;	      /* 0: the library's default */
	uint32_t max_clients; /* 0: default */
};

/* [gossip]: present (h.line != 0) means gossip runs, and with it the
 * location service that spreads this host's ports to the others. */
struct cfg_gossip_tag {
	char key[65];	 /* 1..64 bytes, no '=' or ',' */
	char value[256]; /* 0..255 bytes */
};

struct cfg_gossip {
	struct cfg_head h;
	uint32_t bind;		 /* 0: 0.0.0.0 */
	uint32_t advertise;	 /* 0: bind, else [host] ip */
	uint16_t port;		 /* 0: VF_GOSSIP_PORT_DEFAULT */
	uint16_t advertise_port; /* 0: port */
	char name[CFG_NAME];	 /* "" : the host's name */
	char role[CFG_NAME];	 /* "" : "vfabric" */
	char (*seeds)[24];	 /* "a.b.c.d:port" */
	size_t nseeds;
	char (*keys)[48]; /* base64 of 32 bytes; the first encrypts */
	size_t nkeys;
	struct cfg_gossip_tag *tags;
	size_t ntags;
	vf_gossip_profile profile;
	uint32_t probe_interval, probe_timeout, gossip_interval, push_pull; /* ms */
	bool compress;
	uint32_t rejoin;	/* s between joins while alone; 0: once */
	uint32_t leave_timeout; /* ms to wait for a graceful leave */
};

struct cfg_cell {
	struct cfg_head h;
	char name[CFG_NAME];
	uint32_t id;
	char owner[CFG_TEXT];
	vf_verdict intra, inter;
	uint32_t vni;
};

struct cfg_subnet {
	struct cfg_head h;
	char cell[CFG_NAME], name[CFG_NAME];
	uint32_t id;
	vf_subnet_kind kind;
	vf_ipv4_prefix prefix;
	uint32_t gateway, dhcp_start, dhcp_end, lease, mtu;
	uint32_t dns[VF_SUBNET_DNS_MAX];
	char domain[CFG_TEXT];
	vf_dhcp_mode dhcp;
};

struct cfg_route {
	unsigned int line;
	vf_ipv4_prefix dest;
	uint32_t via;
};

struct cfg_router {
	struct cfg_head h;
	char cell[CFG_NAME], name[CFG_NAME];
	char (*subnets)[CFG_NAME];
	size_t nsubnets;
	struct cfg_route *routes;
	size_t nroutes;
};

struct cfg_rule {
	unsigned int line;
	vf_rule rule;
};

struct cfg_secgroup {
	struct cfg_head h;
	char cell[CFG_NAME], name[CFG_NAME];
	uint32_t id;
	struct cfg_rule *rules;
	size_t nrules;
};

struct cfg_policy {
	struct cfg_head h;
	char cell[CFG_NAME], name[CFG_NAME];
	char from[CFG_NAME]; /* the admitted cell's name */
	vf_policy_opts opts; /* all but name and src_cell */
};

/* How a port's netdev comes to be. */
enum cfg_create { CFG_CREATE_NONE = 0, CFG_CREATE_TAP = 1, CFG_CREATE_VETH = 2 };

struct cfg_port {
	struct cfg_head h;
	char name[CFG_NAME];
	char cell[CFG_NAME], subnet[CFG_NAME];
	uint32_t id, vip;
	vf_mac vmac;
	bool admin_down;
	bool bind;		 /* false: "bind = none", an in-process port */
	char datapath[33];	 /* "" : afpacket */
	char ifname[CFG_IFNAME]; /* "" : the port's name */
	enum cfg_create create;
	char peer[CFG_IFNAME];
	char netns[CFG_PATH]; /* a path */
	char (*secgroups)[CFG_NAME];
	size_t nsecgroups;
	uint64_t qos_rate[2]; /* by vf_direction */
	uint32_t qos_burst[2];
};

struct cfg_location {
	unsigned int line;
	char cell[CFG_NAME], subnet[CFG_NAME];
	uint32_t vip, host_ip;
	vf_mac vmac, host_mac;
	char *canon;
};

struct cfg {
	char file[CFG_PATH];
	struct cfg_host host; /* h.line 0: no [host] section */
	struct cfg_control control;
	struct cfg_gossip gossip; /* h.line 0: no gossip */
	struct cfg_cell *cells;
	size_t ncells;
	struct cfg_subnet *subnets;
	size_t nsubnets;
	struct cfg_router *routers;
	size_t nrouters;
	struct cfg_secgroup *secgroups;
	size_t nsecgroups;
	struct cfg_policy *policies;
	size_t npolicies;
	struct cfg_port *ports;
	size_t nports;
	struct cfg_location *locations;
	size_t nlocations;
};

/*
 * Parses @len bytes of @buf (need not be NUL-terminated), naming it @file
 * in errors, and checks it (cfg_check()).
 * Returns 0 and *out (free with cfg_free()), or -1 with *out NULL and the
 * error in @err.
 */
int cfg_parse_buffer(struct cfg **out, const char *file, const char *buf, size_t len,
		     char *err, size_t errlen);

/* Reads and parses the file at @path (at most CFG_FILE_MAX bytes). */
int cfg_parse_file(struct cfg **out, const char *path, char *err, size_t errlen);

/* The checks that need no fabric (done by the parse functions). */
int cfg_check(const struct cfg *c, char *err, size_t errlen);

void cfg_free(struct cfg *c);

/* Look-ups by name, NULL if absent. */
const struct cfg_cell *cfg_cell(const struct cfg *c, const char *name);
const struct cfg_subnet *cfg_subnet(const struct cfg *c, const char *cell,
				    const char *name);
const struct cfg_port *cfg_port(const struct cfg *c, const char *name);
const struct cfg_location *cfg_location(const struct cfg *c, const char *cell,
					uint32_t vip);

#endif
