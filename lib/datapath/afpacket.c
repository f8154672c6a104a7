/*
 * The afpacket datapath's socket: one AF_PACKET socket bound to one netdev,
 * with a TPACKET_V3 receive ring and a transmit ring in one mapping
 * (Documentation/networking/packet_mmap.rst).
 *
 * Receive ring: block_count blocks of block_size bytes. The kernel fills a
 * block with packets (struct tpacket3_hdr each, chained by tp_next_offset),
 * then retires it (full, or retire_ms after its first packet) by setting
 * its block_status to TP_STATUS_USER; we hand its frames out and give it
 * back with TP_STATUS_KERNEL. Blocks are filled and returned in ring order,
 * so the reader keeps a cursor: the block it reads (next), the packets left
 * in it, and how many blocks before it are read but not yet given back
 * (held).
 *
 * Transmit ring: with TPACKET_V3 it is a ring of fixed-size frame slots,
 * each a struct tpacket3_hdr with the frame at TPACKET_ALIGN(sizeof(hdr)).
 * A slot is ours when its tp_status is TP_STATUS_AVAILABLE; we fill it and
 * set TP_STATUS_SEND_REQUEST, and one send(MSG_DONTWAIT) has the kernel
 * transmit every requested slot in ring order; it gives a slot back when
 * the frame's skb is freed. PACKET_LOSS makes the kernel drop a malformed
 * frame instead of stopping the ring on it.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "core/internal.h"
#include "datapath/afpacket.h"
#include "packet/packet.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* A block retires retire_ms after its first packet however little it holds,
 * so at low rates the ring buffers block_count x retire_ms of traffic
 * against a worker that does not run: 64 blocks of 128 KiB ride out a
 * 64 ms stall (8 blocks of 1 MiB, the same 8 MiB, lost frames after 8 ms
 * under a 10,000 frames/s stream on a busy 2-core host). At high rates a
 * block holds ~1,000 small frames or ~80 full-size ones. */
#define DEF_BLOCK_SIZE (1u << 17)
#define DEF_BLOCK_COUNT 64u
#define DEF_FRAME_SIZE 2048u
#define DEF_TX_FRAMES 1024u
#define DEF_RETIRE_MS 1u
/* The rx ring's nominal frame slot: TPACKET_V3 fills blocks with packets of
 * any size, but the kernel checks tp_frame_size/tp_frame_nr all the same. */
#define RX_FRAME_SIZE 2048u
/* Caps that keep the ring sizes well inside 32 bits and a sane mapping. */
#define MAX_BLOCK_SIZE (1u << 30)
#define MAX_RING_BYTES (1ull << 32)

/* Where a transmit slot's frame starts (the kernel's tp_hdrlen minus the
 * sockaddr_ll it reserves for the receive side). */
#define TX_DATA_OFF TPACKET_ALIGN(sizeof(struct tpacket3_hdr))

struct vf__afp {
	int fd;
	int ifindex;
	char ifname[IFNAMSIZ];
	uint8_t *map;
	size_t map_len;
	bool skip_outgoing; /* no PACKET_IGNORE_OUTGOING: filter by pkttype */

	/* receive ring */
	uint32_t block_size, block_count;
	uint32_t next; /* the block being read, or to look at next */
	uint32_t held; /* read blocks before @next not yet given back */
	uint32_t left; /* packets left in block @next; 0: not entered */
	uint32_t pos;  /* offset of the next packet in block @next */
	bool in_block; /* block @next is being read */

	/* transmit ring */
	uint8_t *tx;
	uint32_t tx_block_size, tx_per_block;
	uint32_t frame_size, tx_frames;
	uint32_t tx_head; /* the next slot to fill */

	struct vf__afp_stats stats;
};

static uint32_t load_acquire(const volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static int check_opts(struct vf__afp_opts *o, uint32_t page)
{
	if (!o->block_size)
		o->block_size = DEF_BLOCK_SIZE;
	if (!o->block_count)
		o->block_count = DEF_BLOCK_COUNT;
	if (!o->frame_size)
		o->frame_size = DEF_FRAME_SIZE;
	if (!o->tx_frames)
		o->tx_frames = DEF_TX_FRAMES;
	if (!o->retire_ms)
		o->retire_ms = DEF_RETIRE_MS;

	if (!is_pow2(o->block_size) || o->block_size < page ||
	    o->block_size > MAX_BLOCK_SIZE)
		return vf__fail(NULL, -EINVAL,
				"afpacket: block_size %u is not a power of two "
				"from the page size (%u) to 1 GiB",
				o->block_size, page);
	if ((uint64_t)o->block_size * o->block_count > MAX_RING_BYTES)
		return vf__fail(NULL, -EINVAL,
				"afpacket: %u blocks of %u bytes: rx ring too big",
				o->block_count, o->block_size);
	if (o->frame_size % TPACKET_ALIGNMENT || o->frame_size < TX_DATA_OFF + ETH_HLEN ||
	    o->frame_size > MAX_BLOCK_SIZE)
		return vf__fail(NULL, -EINVAL,
				"afpacket: frame_size %u must be a multiple of "
				"%u from %zu to 1 GiB",
				o->frame_size, TPACKET_ALIGNMENT,
				(size_t)(TX_DATA_OFF + ETH_HLEN));
	if ((uint64_t)o->frame_size * o->tx_frames > MAX_RING_BYTES)
		return vf__fail(NULL, -EINVAL,
				"afpacket: %u tx frames of %u bytes: tx ring too big",
				o->tx_frames, o->frame_size);
	if (o->fanout_group < 0 || o->fanout_group > 0xffff)
		return vf__fail(NULL, -EINVAL,
				"afpacket: fanout_group %d is not in 0..65535",
				o->fanout_group);
	return 0;
}

static int set_int(struct vf__afp *a, int opt, int val, const char *name)
{
	if (setsockopt(a->fd, SOL_PACKET, opt, &val, sizeof(val)) < 0)
		return vf__fail(NULL, -errno, "afpacket: setsockopt(%s): %s", name,
				strerror(errno));
	return 0;
}

/*
 * The transmit ring's geometry: blocks of a whole number of pages holding
 * at least one slot; the slot count is rounded up to fill the last block.
 */
static void tx_geometry(struct vf__afp *a, const struct vf__afp_opts *o, uint32_t page)
{
	uint32_t bs = (o->frame_size + page - 1) / page * page;
	uint32_t nblocks;

	a->frame_size = o->frame_size;
	a->tx_block_size = bs;
	a->tx_per_block = bs / o->frame_size;
	nblocks = (o->tx_frames + a->tx_per_block - 1) / a->tx_per_block;
	a->tx_frames = nblocks * a->tx_per_block;
}

static int setup_rings(struct vf__afp *a, const struct vf__afp_opts *o)
{
	struct tpacket_req3 rx = {0}, tx = {0};
	size_t rx_len, tx_len;
	int rc;

	if ((rc = set_int(a, PACKET_VERSION, TPACKET_V3, "PACKET_VERSION")) < 0 ||
	    (rc = set_int(a, PACKET_LOSS, 1, "PACKET_LOSS")) < 0)
		return rc;

	rx.tp_block_size = a->block_size;
	rx.tp_block_nr = a->block_count;
	rx.tp_frame_size = RX_FRAME_SIZE < a->block_size ? RX_FRAME_SIZE : a->block_size;
	rx.tp_frame_nr = a->block_size / rx.tp_frame_size * a->block_count;
	rx.tp_retire_blk_tov = o->retire_ms;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_RX_RING, &rx, sizeof(rx)) < 0)
		return vf__fail(NULL, -errno,
				"afpacket: PACKET_RX_RING (%u x %u bytes): %s",
				a->block_count, a->block_size, strerror(errno));

	/* a transmit ring takes no retire timeout, private area or features */
	tx.tp_block_size = a->tx_block_size;
	tx.tp_block_nr = a->tx_frames / a->tx_per_block;
	tx.tp_frame_size = a->frame_size;
	tx.tp_frame_nr = a->tx_frames;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof(tx)) < 0)
		return vf__fail(NULL, -errno,
				"afpacket: PACKET_TX_RING (%u x %u bytes): %s",
				a->tx_frames, a->frame_size, strerror(errno));

	/* one mapping: the rx ring, then the tx ring */
	rx_len = (size_t)a->block_size * a->block_count;
	tx_len = (size_t)tx.tp_block_size * tx.tp_block_nr;
	a->map = mmap(NULL, rx_len + tx_len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_POPULATE, a->fd, 0);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		return vf__fail(NULL, -errno, "afpacket: mmap of %zu bytes: %s",
				rx_len + tx_len, strerror(errno));
	}
	a->map_len = rx_len + tx_len;
	a->tx = a->map + rx_len;
	return 0;
}

/* A classic BPF program: accept IPv4 frames whose destination MAC is
 * @mac, drop the rest. */
static int attach_filter(struct vf__afp *a, const uint8_t mac[6])
{
	uint32_t hi = (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 |
		      (uint32_t)mac[2] << 8 | mac[3];
	uint32_t lo = (uint32_t)mac[4] << 8 | mac[5];
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),		     /* ethertype */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 5), /* else drop */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),		     /* MAC, bytes 0-3 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4), /* bytes 4-5 */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, lo, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0x40000), /* accept (up to 256 KiB) */
		BPF_STMT(BPF_RET | BPF_K, 0),	    /* drop */
	};
	struct sock_fprog prog = {.len = VF__ARRAY_SIZE(code), .filter = code};

	if (setsockopt(a->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		return vf__fail(NULL, -errno, "afpacket: socket filter on %s: %s",
				a->ifname, strerror(errno));
	return 0;
}

static int bind_dev(struct vf__afp *a, const char *ifname, const struct vf__afp_opts *o)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = a->ifindex,
	};
	int fanout, rc;

	if (o->qdisc_bypass &&
	    (rc = set_int(a, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS")) < 0)
		return rc;
	/* before the bind: nothing unfiltered is ever queued */
	if (memcmp(o->only_ipv4_to, (uint8_t[6]){0}, 6) &&
	    (rc = attach_filter(a, o->only_ipv4_to)) < 0)
		return rc;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &(int){1},
		       sizeof(int)) < 0) {
		if (errno != ENOPROTOOPT)
			return vf__fail(NULL, -errno,
					"afpacket: PACKET_IGNORE_OUTGOING: %s",
					strerror(errno));
		a->skip_outgoing = true; /* before 4.20: filter in rx */
	}
	if (bind(a->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return vf__fail(NULL, -errno, "afpacket: bind to %s: %s", ifname,
				strerror(errno));
	if (o->fanout_group > 0) {
		fanout = o->fanout_group | PACKET_FANOUT_HASH << 16;
		if (setsockopt(a->fd, SOL_PACKET, PACKET_FANOUT, &fanout,
			       sizeof(fanout)) < 0)
			return vf__fail(NULL, -errno,
					"afpacket: joining fanout group %d on "
					"%s: %s",
					o->fanout_group, ifname, strerror(errno));
	}
	return 0;
}

int vf__afp_open(struct vf__afp **out, const char *ifname,
		 const struct vf__afp_opts *opts)
{
	struct vf__afp_opts o = {0};
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	struct vf__afp *a = NULL;
	int rc;

	if (!out || !ifname)
		return vf__fail(NULL, -EINVAL, "afpacket: no %s",
				out ? "device name" : "out pointer");
	*out = NULL;
	if (opts)
		o = *opts;
	if ((rc = check_opts(&o, page)) < 0)
		return rc;
	if (!ifname[0] || strlen(ifname) >= IFNAMSIZ)
		return vf__fail(NULL, -EINVAL, "afpacket: bad device name '%s'", ifname);

	a = calloc(1, sizeof(*a));
	if (!a)
		return vf__fail(NULL, -ENOMEM, "afpacket: out of memory");
	a->fd = -1;
	a->block_size = o.block_size;
	a->block_count = o.block_count;
	strcpy(a->ifname, ifname); /* shorter than IFNAMSIZ: checked */
	tx_geometry(a, &o, page);

	a->ifindex = (int)if_nametoindex(ifname);
	if (!a->ifindex) {
		if (!errno || errno == ENXIO)
			errno = ENODEV;
		rc = vf__fail(NULL, -errno, "afpacket: no device %s: %s", ifname,
			      strerror(errno));
		goto out;
	}
	/* protocol 0: nothing is queued to the socket before the bind */
	a->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		rc = vf__fail(NULL, -errno, "afpacket: socket(AF_PACKET): %s",
			      strerror(errno));
		goto out;
	}
	if ((rc = setup_rings(a, &o)) < 0 || (rc = bind_dev(a, ifname, &o)) < 0)
		goto out;
	*out = a;
	a = NULL;
out:
	vf__afp_close(a);
	return rc;
}

void vf__afp_close(struct vf__afp *a)
{
	if (!a)
		return;
	if (a->map)
		munmap(a->map, a->map_len);
	if (a->fd >= 0)
		close(a->fd);
	free(a);
}

int vf__afp_fd(const struct vf__afp *a)
{
	return a->fd;
}

static struct tpacket_block_desc *block(const struct vf__afp *a, uint32_t i)
{
	return (struct tpacket_block_desc *)(a->map + (size_t)i * a->block_size);
}

/*
 * Enters block @next if the kernel has handed it over: checks the block
 * header against the block size and sets the packet cursor.
 */
static bool enter_block(struct vf__afp *a)
{
	struct tpacket_block_desc *b = block(a, a->next);
	struct tpacket_hdr_v1 *h = &b->hdr.bh1;

	if (!(load_acquire(&h->block_status) & TP_STATUS_USER))
		return false;
	a->in_block = true;
	a->pos = h->offset_to_first_pkt;
	a->left = h->num_pkts;
	if (a->pos < sizeof(*b) || a->pos >= a->block_size)
		a->left = 0; /* a header we cannot trust: skip the block */
	return true;
}

/* The block is read: keep it until vf__afp_rx_release(), move on. */
static void leave_block(struct vf__afp *a)
{
	a->in_block = false;
	a->left = 0;
	a->held++;
	a->next = (a->next + 1) % a->block_count;
}

/*
 * The kernel hands a VLAN tag it took off (offload, as veth does) in the
 * header, not in the frame: put it back between the MACs, moving them 4
 * bytes down into the room between the header and the frame (the
 * sockaddr_ll, read by then), so the frame is as it was on the wire.
 */
static void put_vlan_back(struct tpacket3_hdr *p, struct vf__afp_frame *f)
{
	uint16_t tpid = ETH_P_8021Q;
	uint8_t *mac = (uint8_t *)p + p->tp_mac;

	if (!(p->tp_status & TP_STATUS_VLAN_VALID) || p->tp_snaplen < 2 * ETH_ALEN ||
	    p->tp_mac < TPACKET_ALIGN(sizeof(*p)) + 4)
		return;
	if (p->tp_status & TP_STATUS_VLAN_TPID_VALID)
		tpid = p->hv1.tp_vlan_tpid;
	memmove(mac - 4, mac, 2 * ETH_ALEN);
	mac[2 * ETH_ALEN - 4] = (uint8_t)(tpid >> 8);
	mac[2 * ETH_ALEN - 3] = (uint8_t)tpid;
	mac[2 * ETH_ALEN - 2] = (uint8_t)(p->hv1.tp_vlan_tci >> 8);
	mac[2 * ETH_ALEN - 1] = (uint8_t)p->hv1.tp_vlan_tci;
	f->data = mac - 4;
	f->len += 4;
}

/*
 * Takes the packet at the cursor into @f, never reading outside the block;
 * returns false if it is not a frame to hand out (outgoing or malformed).
 * Advances the cursor, or ends the block when the chain is broken.
 */
static bool take_packet(struct vf__afp *a, struct vf__afp_frame *f)
{
	uint8_t *base = (uint8_t *)block(a, a->next);
	const struct sockaddr_ll *sll;
	uint32_t room = a->block_size - a->pos;
	struct tpacket3_hdr *p;
	bool ok = true;

	if (room < TPACKET3_HDRLEN) {
		a->left = 0;
		return false;
	}
	p = (struct tpacket3_hdr *)(base + a->pos);
	if (p->tp_mac > room || p->tp_snaplen > room - p->tp_mac) {
		ok = false;
	} else if (a->skip_outgoing) {
		sll = (const struct sockaddr_ll *)((uint8_t *)p +
						   TPACKET_ALIGN(sizeof(*p)));
		ok = sll->sll_pkttype != PACKET_OUTGOING;
	}
	if (ok) {
		f->data = (uint8_t *)p + p->tp_mac;
		f->len = p->tp_snaplen;
		put_vlan_back(p, f);
		/* A local sender (a veth's VM end) left the TCP/UDP checksum to
		 * offload; nothing downstream would fill it in. */
		if ((p->tp_status & TP_STATUS_CSUMNOTREADY) &&
		    vf__csum_complete_l4((uint8_t *)f->data, f->len))
			a->stats.rx_csum_fixed++;
	}
	a->left--;
	if (a->left) {
		if (!p->tp_next_offset || p->tp_next_offset >= room)
			a->left = 0; /* broken chain: drop the rest */
		else
			a->pos += p->tp_next_offset;
	}
	return ok;
}

int vf__afp_rx(struct vf__afp *a, struct vf__afp_frame *frames, int max)
{
	int n = 0;

	if (max < 0 || (max && !frames))
		return vf__fail(NULL, -EINVAL, "afpacket: bad rx batch");
	while (n < max) {
		if (!a->in_block) {
			/* every block held: the next one is ours too */
			if (a->held >= a->block_count || !enter_block(a))
				break;
		}
		if (!a->left) {
			leave_block(a);
			continue;
		}
		if (take_packet(a, &frames[n]))
			n++;
		if (!a->left)
			leave_block(a);
	}
	a->stats.rx_packets += (uint64_t)n;
	return n;
}

void vf__afp_rx_release(struct vf__afp *a)
{
	uint32_t i = (a->next + a->block_count - a->held) % a->block_count;

	for (; a->held; a->held--, i = (i + 1) % a->block_count)
		store_release(&block(a, i)->hdr.bh1.block_status, TP_STATUS_KERNEL);
}

static struct tpacket3_hdr *tx_slot(const struct vf__afp *a, uint32_t i)
{
	size_t off = (size_t)(i / a->tx_per_block) * a->tx_block_size +
		     (size_t)(i % a->tx_per_block) * a->frame_size;

	return (struct tpacket3_hdr *)(a->tx + off);
}

/*
 * Has the kernel transmit every requested slot; 0 or -errno. A link that
 * went down leaves ENETDOWN pending on the socket, which the next send
 * reports once without sending anything: send again, which fails the same
 * way only if the link is still down.
 */
static int tx_kick(struct vf__afp *a)
{
	int tries = 0;

	while (send(a->fd, NULL, 0, MSG_DONTWAIT) < 0) {
		if (errno == ENETDOWN && !tries++)
			continue;
		/* no buffer or memory now: the slots stay requested */
		if (errno == EAGAIN || errno == ENOBUFS || errno == EINTR ||
		    errno == ENOMEM)
			return 0;
		return vf__fail(NULL, -errno, "afpacket: transmit on %s: %s", a->ifname,
				strerror(errno));
	}
	return 0;
}

/*
 * Frames that were queued stay in the ring when the flush fails (they go
 * with the next flush), so the count is returned then; the error shows
 * when nothing could be queued.
 */
int vf__afp_tx(struct vf__afp *a, const struct vf__afp_frame *frames, int n)
{
	int i = vf__afp_queue(a, frames, n), rc;

	if (i < 0)
		return i;
	rc = tx_kick(a);
	return rc < 0 && !i ? rc : i;
}

int vf__afp_flush(struct vf__afp *a)
{
	return tx_kick(a);
}

int vf__afp_queue(struct vf__afp *a, const struct vf__afp_frame *frames, int n)
{
	uint32_t max_len = a->frame_size - (uint32_t)TX_DATA_OFF;
	struct tpacket3_hdr *h;
	int i;

	if (n < 0 || (n && !frames))
		return vf__fail(NULL, -EINVAL, "afpacket: bad tx batch");
	for (i = 0; i < n; i++) {
		if (frames[i].len > max_len)
			return vf__fail(NULL, -EMSGSIZE,
					"afpacket: frame %d of %u bytes does "
					"not fit a %u-byte slot",
					i, frames[i].len, a->frame_size);
		if (frames[i].len < ETH_HLEN || !frames[i].data)
			return vf__fail(NULL, -EINVAL,
					"afpacket: frame %d of %u bytes is "
					"shorter than an Ethernet header",
					i, frames[i].len);
	}
	for (i = 0; i < n; i++) {
		h = tx_slot(a, a->tx_head);
		if (load_acquire(&h->tp_status) != TP_STATUS_AVAILABLE)
			break;
		memcpy((uint8_t *)h + TX_DATA_OFF, frames[i].data, frames[i].len);
		h->tp_len = frames[i].len;
		h->tp_snaplen = frames[i].len;
		h->tp_next_offset = 0;
		store_release(&h->tp_status, TP_STATUS_SEND_REQUEST);
		a->tx_head = (a->tx_head + 1) % a->tx_frames;
	}
	a->stats.tx_packets += (uint64_t)i;
	a->stats.tx_full += (uint64_t)(n - i);
	return i;
}

void vf__afp_stats(struct vf__afp *a, struct vf__afp_stats *out)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	/* the kernel's counters reset on every read: add them up */
	memset(&st, 0, sizeof(st));
	if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		a->stats.rx_drops += st.tp_drops;
	*out = a->stats;
}
