/*
 * An AF_PACKET socket on one netdev with TPACKET_V3 rings: the socket
 * layer of the afpacket datapath (issue 4), which the datapath ops table
 * will wrap.
 *
 * Receive: a TPACKET_V3 block ring (blocks retire on timeout or when
 * full); vf__afp_rx() returns up to @max frames that point into the ring
 * and stay valid until vf__afp_rx_release(). Transmit: a TPACKET_V2-style
 * frame ring (TPACKET_V3 transmit rings use the same frame layout)
 * filled by vf__afp_tx() and flushed with one send(); PACKET_QDISC_BYPASS
 * on request. Nothing sent out of the device is received back
 * (PACKET_IGNORE_OUTGOING: the host stack's own frames included). Fanout
 * groups let several workers share a device.
 *
 * - A VLAN tag the kernel took off a received frame is put back in it (in
 *   the ring), so frames are byte-exact as they were on the wire.
 * - A frame waits in the receive ring until its block is full or
 *   @retire_ms passes: on a quiet link, up to @retire_ms.
 * - A transmit slot carries frame_size - 48 bytes of frame; tx_frames is
 *   rounded up to fill the last page of the ring.
 */
#ifndef VF_DATAPATH_AFPACKET_H
#define VF_DATAPATH_AFPACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vf__afp;

struct vf__afp_opts {
	uint32_t block_size;	 /* rx block, bytes (power of two, >= page); 0: 1 MiB */
	uint32_t block_count;	 /* rx blocks; 0: 8 */
	uint32_t frame_size;	 /* tx frame slot, bytes; 0: 2048 */
	uint32_t tx_frames;	 /* tx slots; 0: 1024 */
	uint32_t retire_ms;	 /* rx block timeout; 0: 1 */
	bool qdisc_bypass;	 /* PACKET_QDISC_BYPASS */
	int fanout_group;	 /* > 0: join this PACKET_FANOUT_HASH group */
	/* Receive only IPv4 frames sent to this unicast MAC (a socket filter
	 * in the kernel: the rest is not even copied into the ring); all
	 * zero: everything. The underlay's: the host's own traffic (ARP,
	 * IPv6, broadcasts) stays with the host. */
	uint8_t only_ipv4_to[6];
};

/* A received frame, pointing into the ring. */
struct vf__afp_frame {
	const uint8_t *data;
	uint32_t len;
};

/* Opens the socket on @ifname (which must exist); 0 or -errno. */
int vf__afp_open(struct vf__afp **out, const char *ifname, const struct vf__afp_opts *opts);
void vf__afp_close(struct vf__afp *a);
/* Becomes readable when a block is ready (poll/epoll). */
int vf__afp_fd(const struct vf__afp *a);
/* Up to @max frames; 0 if none is ready; -errno. */
int vf__afp_rx(struct vf__afp *a, struct vf__afp_frame *frames, int max);
/* Gives back the blocks the last vf__afp_rx() read to the end; a block
 * read part way is kept (its frames stay valid) until a later release. */
void vf__afp_rx_release(struct vf__afp *a);
/* Queues @n frames for transmit and flushes; returns how many were
 * queued (fewer when the ring is full: the rest is the caller's), or
 * -errno when none could be. Frames queued while sending failed go out
 * with the next call; @n 0 only flushes. */
int vf__afp_tx(struct vf__afp *a, const struct vf__afp_frame *frames, int n);
/* The two halves of vf__afp_tx(): queue frames into the ring (copied;
 * how many were, or -errno) without sending, and send what is queued. */
int vf__afp_queue(struct vf__afp *a, const struct vf__afp_frame *frames, int n);
int vf__afp_flush(struct vf__afp *a);

struct vf__afp_stats {
	uint64_t rx_packets, rx_drops; /* drops: the kernel's (ring full) */
	uint64_t tx_packets, tx_full;  /* tx_full: frames not queued, ring full */
	uint64_t rx_csum_fixed;	       /* TCP/UDP checksums completed (offload) */
};
void vf__afp_stats(struct vf__afp *a, struct vf__afp_stats *out);

#endif
