/*
 * The "afpacket" datapath: the ops table over the AF_PACKET socket of
 * afpacket.c, for tap, veth and physical netdevs.
 */
#include <errno.h>
#include <string.h>

#include "datapath/afpacket.h"
#include "runtime/runtime.h"

#define TX_MAX 64

static int afp_open(void **state, const vf_endpoint_info *info, void *user_data)
{
	struct vf__afp_opts o = {.qdisc_bypass = true};
	struct vf__afp *a;
	int err;

	(void)user_data;
	/* the underlay: the fabric's frames are IPv4 to the host's MAC (rewrite
	 * mode); the host's own ARP, IPv6, broadcasts are left to its stack */
	if ((info->flags & VF_ENDPOINT_F_UNDERLAY) && !vf__mac_is_zero(&info->mac))
		memcpy(o.only_ipv4_to, info->mac.addr, 6);
	if (info->mtu + 4 > 2048 - 48) /* a transmit slot, its header and a VLAN tag */
		o.frame_size = 1u << (32 - __builtin_clz(info->mtu + 4 + 48));
	if ((err = vf__afp_open(&a, info->name, &o)) < 0)
		return err;
	*state = a;
	return 0;
}

static void afp_close(void *state)
{
	vf__afp_close(state);
}

static int afp_fd(void *state)
{
	return vf__afp_fd(state);
}

static int afp_rx(void *state, vf_frame *frames, int max)
{
	struct vf__afp_frame got[TX_MAX];
	int n;

	if (max > TX_MAX)
		max = TX_MAX;
	if ((n = vf__afp_rx(state, got, max)) <= 0)
		return n;
	for (int i = 0; i < n; i++)
		/* the ring is ours and nothing else reads it */
		frames[i] = (vf_frame){.data = got[i].data,
				       .len = got[i].len,
				       .flags = VF_FRAME_F_WRITABLE};
	return n;
}

static void afp_rx_release(void *state)
{
	vf__afp_rx_release(state);
}

static int afp_tx(void *state, const vf_frame *frames, int n)
{
	struct vf__afp_frame out[TX_MAX];
	int sent = 0;

	while (sent < n) {
		int k = n - sent < TX_MAX ? n - sent : TX_MAX, rc;

		for (int i = 0; i < k; i++)
			out[i] = (struct vf__afp_frame){.data = frames[sent + i].data,
							.len = frames[sent + i].len};
		if ((rc = vf__afp_queue(state, out, k)) < 0)
			return sent ? sent : rc;
		sent += rc;
		if (rc < k)
			break;
	}
	return sent;
}

static int afp_flush(void *state)
{
	return vf__afp_flush(state);
}

static int afp_stats(void *state, vf_datapath_stats *out)
{
	struct vf__afp_stats s;

	vf__afp_stats(state, &s);
	out->rx_packets = s.rx_packets;
	out->rx_dropped = s.rx_drops;
	out->tx_packets = s.tx_packets;
	out->tx_dropped = s.tx_full;
	return 0;
}

const vf_datapath_ops vf__afpacket_ops = {
	.sz = sizeof(vf_datapath_ops),
	.name = "afpacket",
	.flags = VF_DATAPATH_F_NETDEV,
	.open = afp_open,
	.close = afp_close,
	.fd = afp_fd,
	.rx = afp_rx,
	.rx_release = afp_rx_release,
	.tx = afp_tx,
	.stats = afp_stats,
	.flush = afp_flush,
};
