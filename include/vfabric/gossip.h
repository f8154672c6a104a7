/**
 * @file vfabric/gossip.h
 * @defgroup gossip Gossip membership
 * @brief The fabric's hosts find each other, and notice failures, by
 * gossip: SWIM with the Lifeguard refinements on HashiCorp memberlist's
 * wire protocol, so a stock Serf agent (Debian's `serf`, memberlist 0.2.2)
 * can sit in the same cluster and list the hosts with their tags.
 *
 * Gossip runs on the fabric's control loop (loop.h): UDP and TCP on one
 * address and port, probes every second, gossip every 200 ms, a full
 * state exchange (push-pull over TCP) every 30 s, with memberlist's LAN
 * timings unless told otherwise. Nothing happens while the host does not
 * drive the loop (vf_fabric_process(), vf_fabric_run() or the library's
 * loop thread); the calls here only start things, which the loop then
 * carries out.
 *
 * Each host is a member with a name (by default the fabric's host name),
 * an address, a state and Serf tags: @c role (default "vfabric") and
 * @c underlay (the fabric's host IP, else the advertised address) are
 * always there, plus the caller's own. `serf members` prints them.
 *
 * With keys (vf_gossip_opts.keys) every packet and stream is encrypted
 * with AES-256-GCM in memberlist's framing (the agents' `-encrypt` with a
 * `serf keygen` key). That needs a CPU with AES-NI and PCLMUL (libsodium's
 * crypto_aead_aes256gcm_is_available()); vf_gossip_start() refuses keys
 * with -EOPNOTSUPP elsewhere.
 *
 * As a Serf agent does, gossip retries a random failed member every 30 s
 * (so two sides of a healed partition merge again) and forgets members
 * failed or left for 24 hours.
 *
 * Events (a member joined, failed, left, was updated) go to the callback
 * set with vf_gossip_set_event_fn(), only inside vf_fabric_process() /
 * vf_fabric_run() or on the loop thread, as every callback (loop.h).
 *
 * Queries: hosts take part in Serf queries (`serf query` through any agent
 * of the cluster) as an agent does: each query is spread further unless
 * its sender says not to, copies are dropped, `-node` and `-tag` filters
 * apply (tag expressions are POSIX extended regexps, which agree with
 * Go's RE2 on what operators write: literals, `.` `*` `+` `?` `[]` `^`
 * `$` `|` and groups; RE2-only syntax, such as Perl classes and `(?i)`,
 * does not compile, and the host then does not take part, as an agent
 * does with a regexp it cannot compile), and the asker gets an ack (unless
 * `-no-ack`), also through `-relay-factor` other members. One name is
 * answered:
 * - `vf-where`, payload `"CELL VIP"`: the cell id in decimal and the VM's
 *   IPv4 address, separated by blanks, as in
 *   `serf query vf-where "7 10.1.0.5"`. Only the host that has the VM as
 *   a local port answers,
 *   with one line of space-separated key=value pairs, in this order:
 *   `cell=7 vip=10.1.0.5 vmac=02:00:0a:01:00:05 subnet=3 host=NAME
 *   underlay=192.0.2.1 hmac=02:00:00:00:00:01` (subnet: the subnet's id
 *   in the cell; host: the member name; underlay and hmac: the host's
 *   underlay IP and MAC). Keys may be added at the end in later versions;
 *   readers should ignore keys they do not know. A payload that does not
 *   parse is acked, not answered, and counted (queries_malformed).
 * Any other name, Serf's internal `_serf_*` queries included, is acked
 * and not answered (`serf keys` counts a fabric host as not responding).
 * @{
 */
#ifndef VFABRIC_GOSSIP_H
#define VFABRIC_GOSSIP_H

#include <stdbool.h>

#include <vfabric/common.h>

VF_BEGIN_DECLS

/** The default gossip port (memberlist's). */
#define VF_GOSSIP_PORT_DEFAULT 7946
/** Most tags a member may have (the encoded tags must also fit in 512
 *  bytes, memberlist's limit). */
#define VF_GOSSIP_TAGS_MAX 32

/** vf_gossip_opts.flags: compress TCP messages (push-pull) with LZW, as
 *  Go's memberlist does by default. It is the default here too: the flag
 *  is accepted and changes nothing. */
#define VF_GOSSIP_F_COMPRESS (1u << 0)
/** vf_gossip_opts.flags: do not compress what this host sends (memberlist's
 *  EnableCompression = false). Compressed input is read either way.
 *  Setting it together with VF_GOSSIP_F_COMPRESS is refused (-EINVAL). */
#define VF_GOSSIP_F_NO_COMPRESS (1u << 1)

/** memberlist's timing profiles (serf agent -profile). */
typedef enum vf_gossip_profile {
	VF_GOSSIP_PROFILE_LAN = 0,   /**< probes every 1 s, 500 ms timeout */
	VF_GOSSIP_PROFILE_WAN = 1,   /**< probes every 5 s, 3 s timeout */
	VF_GOSSIP_PROFILE_LOCAL = 2, /**< probes every 1 s, 200 ms timeout */
} vf_gossip_profile;

/** A member's state as Serf shows it. */
typedef enum vf_member_state {
	VF_MEMBER_ALIVE = 0,   /**< answering probes */
	VF_MEMBER_SUSPECT = 1, /**< missed a probe; dead unless it refutes in time */
	VF_MEMBER_FAILED = 2,  /**< declared dead without leaving */
	VF_MEMBER_LEFT = 3,    /**< left gracefully */
} vf_member_state;

/** What happened to a member (vf_gossip_event_fn). */
typedef enum vf_gossip_event {
	VF_GOSSIP_EV_JOINED = 1,  /**< new, or back from failed/left */
	VF_GOSSIP_EV_FAILED = 2,  /**< declared dead */
	VF_GOSSIP_EV_LEFT = 3,	  /**< left gracefully */
	VF_GOSSIP_EV_UPDATED = 4, /**< new tags or address */
} vf_gossip_event;

/** Where gossip is: vf_gossip_status(). */
typedef enum vf_gossip_status {
	VF_GOSSIP_STOPPED = 0, /**< not started, or stopped */
	VF_GOSSIP_RUNNING = 1,
	VF_GOSSIP_LEAVING = 2, /**< vf_gossip_leave() in progress */
	VF_GOSSIP_LEFT = 3,    /**< left; sockets closed; vf_gossip_stop() next */
} vf_gossip_status;

/** One Serf tag (a frozen value type). */
typedef struct vf_gossip_tag {
	const char *key;   /**< 1..64 bytes, no '=' or ',' */
	const char *value; /**< 0..255 bytes */
} vf_gossip_tag;

/** Options of vf_gossip_start(). */
typedef struct vf_gossip_opts {
	size_t sz; /**< sizeof(vf_gossip_opts) */
	/** IPv4 address to bind UDP and TCP to, dotted; NULL: "0.0.0.0". */
	const char *bind_addr;
	/** IPv4 address the others should use, dotted; NULL: @c bind_addr,
	 *  or the fabric's host IP when binding to 0.0.0.0. */
	const char *advertise_addr;
	/** This member's name; NULL: the fabric's host name. Unique in the
	 *  cluster; 1..255 bytes. */
	const char *node_name;
	/** The @c role tag; NULL: "vfabric". */
	const char *role;
	/** More tags (at most VF_GOSSIP_TAGS_MAX, @c role and @c underlay
	 *  excluded: those are set above). */
	const vf_gossip_tag *tags;
	/** Keys as `serf keygen` prints them (base64 of 32 bytes); the first
	 *  encrypts, all decrypt. NULL: no encryption. */
	const char *const *keys;
	uint32_t ntags; /**< entries in @c tags */
	uint32_t nkeys; /**< entries in @c keys, at most 64 */
	/** Port for UDP and TCP; 0: VF_GOSSIP_PORT_DEFAULT. */
	uint16_t bind_port;
	/** Advertised port; 0: @c bind_port. */
	uint16_t advertise_port;
	/** Timing profile; LAN by default. */
	vf_gossip_profile profile;
	/** Overrides of the profile, in ms; 0: the profile's value. */
	uint32_t probe_interval_ms;
	uint32_t probe_timeout_ms;   /**< direct ack wait */
	uint32_t gossip_interval_ms; /**< gossip round */
	uint32_t push_pull_ms;	     /**< full state exchange */
	/** VF_GOSSIP_F_* flags; unknown bits are refused. */
	uint32_t flags;
	uint32_t reserved_; /**< zero: fills what would be padding */
	size_t : 0;	    /**< aligns the end; fields are only ever added before it */
} vf_gossip_opts;
/** The last field of vf_gossip_opts this version knows. */
#define vf_gossip_opts__last_field flags

/** A member, as vf_gossip_member_get() fills it. Versioned like an option
 *  struct: set @c sz first. Strings and @c tags are borrowed: valid until
 *  the control loop runs again or a gossip call is made. */
typedef struct vf_gossip_member {
	size_t sz;		   /**< sizeof(vf_gossip_member) */
	const char *name;	   /**< the member's name */
	char addr[46];		   /**< its address, as text */
	uint16_t port;		   /**< its gossip port */
	vf_member_state state;	   /**< its state */
	uint32_t incarnation;	   /**< memberlist's incarnation number */
	uint32_t ntags;		   /**< entries in @c tags */
	const vf_gossip_tag *tags; /**< its Serf tags */
	uint8_t protocol_max;	   /**< memberlist protocol range, highest */
	uint8_t delegate_cur;	   /**< Serf protocol it speaks */
	bool self;		   /**< this fabric's own member */
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_gossip_member;
/** The last field of vf_gossip_member this version knows. */
#define vf_gossip_member__last_field self

/** What gossip counted since vf_gossip_start(). Versioned: set @c sz. */
typedef struct vf_gossip_stats {
	size_t sz;		   /**< sizeof(vf_gossip_stats) */
	uint64_t packets_in;	   /**< UDP packets received */
	uint64_t packets_out;	   /**< UDP packets sent */
	uint64_t bytes_in;	   /**< UDP and stream bytes received */
	uint64_t bytes_out;	   /**< UDP bytes sent */
	uint64_t streams_in;	   /**< TCP streams served */
	uint64_t streams_out;	   /**< TCP streams opened */
	uint64_t bad_malformed;	   /**< packets the decoder refused */
	uint64_t bad_crc;	   /**< packets with a wrong CRC */
	uint64_t bad_decrypt;	   /**< packets or streams no key opened */
	uint64_t bad_oversized;	   /**< packets or streams over a size limit */
	uint64_t bad_unknown_type; /**< messages of a type memberlist drops */
	uint64_t bad_unknown_node; /**< pings for another member's name */
	uint64_t bad_stream; /**< streams refused (malformed, wrong key, refused merge) */
	uint64_t send_errors;	 /**< sends the kernel refused */
	uint64_t probes;	 /**< probes started */
	uint64_t probe_failures; /**< probes that ended in a suspicion */
	uint64_t suspicions;	 /**< members marked suspect */
	uint64_t refutes;	 /**< suspicions about this member refuted */
	uint64_t push_pulls;	 /**< state exchanges done */
	uint64_t awareness;	 /**< Lifeguard's health score now (0: healthy) */
	uint64_t queries_in;	 /**< Serf queries received (not counting copies) */
	uint64_t queries_acked;	 /**< acks sent to askers */
	uint64_t queries_answered; /**< answers sent (vf-where for a local VM) */
	/** queries or relays that did not decode, vf-where payloads that did
	 *  not parse (acked, not answered) */
	uint64_t queries_malformed;
	uint64_t queries_relayed; /**< relays sent (RelayFactor) or passed on */
	/** alive, suspect and dead messages (in packets) that changed
	 *  nothing: not newer than what this host knows of the member (an
	 *  older incarnation; for an alive, not a newer one), or about a member
	 *  that failed or left: the duplicates gossip makes, and replays.
	 *  Ignored. */
	uint64_t stale_members;
	/** location records received (broadcasts, anti-entropy, answers to
	 *  misses) */
	uint64_t records_in;
	/** of those, not newer than the record known for their (origin,
	 *  cell, VIP): duplicates and replays, ignored */
	uint64_t records_stale;
	/** Serf queries already seen (LTime and ID) or older than the query
	 *  clock's window: relayed copies and replays, ignored */
	uint64_t queries_duplicate;
	/** withdrawn location records (their port is gone) dropped after
	 *  they were kept an hour, so a late copy of the record could not
	 *  bring the VM back; each host drops its own copies */
	uint64_t records_expired;
	size_t : 0; /**< aligns the end; fields are only ever added before it */
} vf_gossip_stats;
/** The last field of vf_gossip_stats this version knows. */
#define vf_gossip_stats__last_field records_expired

/**
 * @brief A member changed. @p m is valid during the call only.
 * @param fabric the fabric
 * @param ev what happened
 * @param m the member, as it is now
 * @param user_data as given to vf_gossip_set_event_fn()
 */
typedef void (*vf_gossip_event_fn)(vf_fabric *fabric, vf_gossip_event ev,
				   const vf_gossip_member *m, void *user_data);

/**
 * @brief Starts gossip on @p fabric: binds UDP and TCP and becomes a
 * one-member cluster (vf_gossip_join() to meet others).
 * @param fabric the fabric
 * @param opts options; NULL: defaults (0.0.0.0:7946, the host name)
 * @return 0, or -errno: -EINVAL (bad options, a bad key or tag), -EALREADY
 * (started), -EADDRINUSE, -EADDRNOTAVAIL (cannot bind), -EOPNOTSUPP (keys
 * on a CPU without AES-NI/PCLMUL), -EMSGSIZE (tags over 512 bytes),
 * -ENOENT (destroyed fabric), -ENOMEM
 * @since 0.1
 */
VF_API int vf_gossip_start(vf_fabric *fabric, const vf_gossip_opts *opts);

/**
 * @brief Joins the cluster of any of @p seeds: a state exchange with each
 * (over TCP, in the background); one answer is enough. Members then show
 * up in vf_gossip_member_count() and through events.
 * @param fabric the fabric
 * @param seeds "a.b.c.d" or "a.b.c.d:port" (default port 7946)
 * @param nseeds entries in @p seeds, 1..64
 * @return how many seeds were contacted (the exchanges go on on the
 * loop), or -errno: -EINVAL (a bad address), -ENOTCONN (gossip not
 * running), -ESHUTDOWN (leaving)
 * @since 0.1
 */
VF_API int vf_gossip_join(vf_fabric *fabric, const char *const *seeds, size_t nseeds);

/**
 * @brief Leaves gracefully: a Serf leave intent, then memberlist's dead
 * message about itself, so agents show the host as left, not failed.
 * Gossip goes on until both were spread (at most 5 s) and one more
 * second, then vf_gossip_status() becomes VF_GOSSIP_LEFT.
 * @return 0, or -ENOTCONN (not running), -EALREADY (leaving already)
 * @since 0.1
 */
VF_API int vf_gossip_leave(vf_fabric *fabric);

/**
 * @brief Stops gossip at once, closing its sockets: without a leave the
 * others will declare this member failed. vf_fabric_destroy() does this.
 * @return 0, or -EINVAL (NULL), -ENOTCONN (not started), -EBUSY (from a
 * gossip callback)
 * @since 0.1
 */
VF_API int vf_gossip_stop(vf_fabric *fabric);

/**
 * @brief Where gossip is (a vf_gossip_status value).
 * @return VF_GOSSIP_STOPPED for a NULL fabric too
 * @since 0.1
 */
VF_API vf_gossip_status vf_gossip_status_get(const vf_fabric *fabric);

/**
 * @brief How many members this fabric knows, itself included (index 0),
 * in every state.
 * @return the count, 0 when gossip is not running, or -EINVAL (NULL)
 * @since 0.1
 */
VF_API int vf_gossip_member_count(const vf_fabric *fabric);

/**
 * @brief Reads member @p index (0 .. count - 1; 0 is this fabric).
 * @param fabric the fabric
 * @param index which member; the order changes as members come and go
 * @param[out] out filled up to @c out->sz, which the caller sets
 * @return 0, or -EINVAL, -ENOTCONN (gossip not running), -ERANGE (no
 * such index)
 * @since 0.1
 */
VF_API int vf_gossip_member_get(const vf_fabric *fabric, size_t index,
				vf_gossip_member *out);

/**
 * @brief Reads the member named @p name.
 * @return 0, or -EINVAL, -ENOTCONN, -ENOENT (unknown name)
 * @since 0.1
 */
VF_API int vf_gossip_member_find(const vf_fabric *fabric, const char *name,
				 vf_gossip_member *out);

/**
 * @brief Sets (or, with NULL @p fn, clears) the member event callback.
 * It may be set before vf_gossip_start() and stays across restarts.
 * @return 0, or -EINVAL (NULL fabric), -ENOENT (destroyed)
 * @since 0.1
 */
VF_API int vf_gossip_set_event_fn(vf_fabric *fabric, vf_gossip_event_fn fn,
				  void *user_data);

/**
 * @brief Reads gossip's counters (all zero when not running).
 * @param fabric the fabric
 * @param[out] out filled up to @c out->sz, which the caller sets
 * @return 0, or -EINVAL
 * @since 0.1
 */
VF_API int vf_gossip_stats_get(const vf_fabric *fabric, vf_gossip_stats *out);

/**
 * @brief Adds a key to the running keyring (key rotation without a
 * restart, as `serf keys -install`): it decrypts at once, and encrypts
 * after vf_gossip_key_use(). Every member needs it before it is used.
 * @param fabric the fabric
 * @param key base64 of 32 bytes, as `serf keygen` prints it
 * @return 0 (also when installed already), or -errno: -EINVAL (not such
 * a key, or gossip runs without encryption), -ENOTCONN (not running),
 * -ENOSPC (64 keys already)
 * @since 0.1
 */
VF_API int vf_gossip_key_install(vf_fabric *fabric, const char *key);

/**
 * @brief Makes an installed key the one that encrypts (`serf keys -use`).
 * @param fabric the fabric
 * @param key base64 of 32 bytes
 * @return 0, or -EINVAL, -ENOTCONN, -ENOENT (not installed)
 * @since 0.1
 */
VF_API int vf_gossip_key_use(vf_fabric *fabric, const char *key);

/**
 * @brief Removes a key from the keyring (`serf keys -remove`).
 * @param fabric the fabric
 * @param key base64 of 32 bytes
 * @return 0, or -EINVAL, -ENOTCONN, -ENOENT (not installed), -EBUSY (the
 * key in use: vf_gossip_key_use() another first)
 * @since 0.1
 */
VF_API int vf_gossip_key_remove(vf_fabric *fabric, const char *key);

/**
 * @brief How many keys the running keyring holds.
 * @param fabric the fabric
 * @return the count (0 without encryption or when not running), or
 * -EINVAL (NULL)
 * @since 0.1
 */
VF_API int vf_gossip_key_count(const vf_fabric *fabric);

VF_END_DECLS

/** @} */
#endif
