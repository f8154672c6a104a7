/*
 * Fuzz target: the gossip membership's receive path (lib/gossip/swim*.c)
 * behind the codec: what a decoded packet or stream does to the member
 * table, the probe and ack bookkeeping, the broadcast queue and the Serf
 * intents. Each input runs on a fresh state machine that knows three
 * members, on an io that sends nowhere. The first byte picks the entry:
 *   0: a UDP packet to a plain node;
 *   1: a stream someone opened to a plain node (push-pull, ping, user);
 *   2: the rest sealed with the test key, then a UDP packet to a keyed
 *      node (the layers under a successful decryption);
 *   3: the answer to a join push-pull the node opened;
 *   4: the rest split in up to 8 packets (2-byte big-endian lengths),
 *      with time passing between them (timers, suspicion, probes).
 * After each input the clock moves on and the timers run. Invariants:
 * self stays member 0 under its name and alive, names stay unique, the
 * table only grows, and every bad input is counted.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gossip/crypto.h"
#include "gossip/swim_internal.h"
#include "fuzz_swim.h"

static const uint8_t test_key[32] = {
	0x85, 0x5c, 0xa6, 0x75, 0x13, 0x49, 0x88, 0xc8, 0xdd, 0x9b, 0xb7,
	0xa7, 0xf1, 0x1b, 0xc8, 0x1f, 0xee, 0xcc, 0xe4, 0x19, 0xdc, 0xef,
	0x57, 0xa0, 0x71, 0xe0, 0x5e, 0x5d, 0x5e, 0xfa, 0xd6, 0x59,
};

struct io {
	uint64_t now, due, cookie;
	size_t sent;
};

static int send_packet(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
		       size_t len)
{
	struct io *io = ctx;

	(void)to;
	CHECK(len > 0 && len <= VF__GOSSIP_UDP_MAX);
	(void)p;
	io->sent++;
	return 0;
}

static int stream_open(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
		       size_t len, uint64_t cookie)
{
	struct io *io = ctx;

	(void)to;
	(void)p;
	CHECK(len > 0);
	io->cookie = cookie;
	return 0;
}

static uint64_t now(void *ctx)
{
	return ((struct io *)ctx)->now;
}

static void arm(void *ctx, uint64_t due)
{
	((struct io *)ctx)->due = due;
}

static void invariants(const struct vf__swim *s, size_t before)
{
	const struct vf__swim_node *self = vf__swim_node_at(s, 0);
	size_t n = vf__swim_count(s);

	CHECK(n >= before);
	CHECK(!strcmp(self->name, "fuzz"));
	CHECK(self->state == VF__GOSSIP_STATE_ALIVE);
	for (size_t i = 0; i < n; i++) {
		const struct vf__swim_node *m = vf__swim_node_at(s, i);

		CHECK(m->index == i);
		CHECK(vf__swim_find(s, m->name) == m);
		CHECK(m->meta_len <= VF__GOSSIP_META_MAX);
		CHECK(m->vsn.len == VF__GOSSIP_VSN_LEN);
	}
}

static void run_timers(struct vf__swim *s, struct io *io, uint64_t until)
{
	for (int k = 0; k < 64 && io->due && io->due <= until; k++) {
		io->now = io->due;
		io->due = 0;
		vf__swim_tick(s);
	}
	io->now = until;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t meta[] = {0xff, 0x81, 0xa4, 'r', 'o', 'l',
				       'e',  0xa4, 'f',	 'u', 'z', 'z'};
	static struct vf__keyring *kr;
	struct io io = {.now = 1000};
	struct vf__swim_io sio = {&io, send_packet, stream_open, now, arm};
	struct vf__swim_opts o = {0};
	struct vf__gaddr from = {{127, 0, 0, 9}, 4, 7946};
	struct vf__gbuf reply = {0}, sealed = {0};
	struct vf__swim *s;
	const struct vf__swim_stats *st;
	uint8_t mode;
	size_t before;

	if (size < 1)
		return 0;
	if (!kr && vf__gossip_crypto_check() == 0)
		CHECK(vf__keyring_create(&kr, test_key, sizeof(test_key)) == 0);
	mode = data[0] % 5;
	data++;
	size--;
	o.name = "fuzz";
	o.addr = (struct vf__gaddr){{127, 0, 0, 1}, 4, 7946};
	o.meta = meta;
	o.meta_len = sizeof(meta);
	o.seed = 7;
	o.kr = mode == 2 ? kr : NULL;
	vf__swim_config_profile(&o.cfg, 0);
	if (mode == 2 && !kr)
		return 0;
	CHECK(vf__swim_create(&s, &o, &sio, NULL) == 0);
	if (!o.kr) {
		fuzz_alive(s, "alpha", 11);
		fuzz_alive(s, "beta", 12);
		fuzz_alive(s, "gamma", 13);
	}
	before = vf__swim_count(s);
	st = vf__swim_stats(s);
	switch (mode) {
	case 0: vf__swim_packet(s, &from, data, size); break;
	case 1: vf__swim_stream_recv(s, data, size, true, &reply); break;
	case 2:
		CHECK(vf__gossip_encrypt(&sealed, kr, 1, data, size, NULL, 0) == 0);
		vf__swim_packet(s, &from, sealed.data, sealed.len);
		break;
	case 3:
		if (vf__swim_join(s, &from) == 0)
			vf__swim_stream_reply(s, io.cookie, data, size, true);
		break;
	case 4:
		for (int k = 0; k < 8 && size >= 2; k++) {
			size_t len = (size_t)data[0] << 8 | data[1];

			data += 2;
			size -= 2;
			if (len > size)
				len = size;
			vf__swim_packet(s, &from, data, len);
			data += len;
			size -= len;
			run_timers(s, &io, io.now + 700);
			invariants(s, before);
		}
		break;
	}
	invariants(s, before);
	run_timers(s, &io, io.now + 30000);
	invariants(s, before);
	CHECK(st->packets_in >= 1 || mode == 1 || mode == 3 || mode == 4);
	vf__gbuf_free(&reply);
	vf__gbuf_free(&sealed);
	vf__swim_destroy(s);
	return 0;
}
