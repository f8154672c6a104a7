/*
 * The real io of the gossip state machine (membership.h): one UDP and one
 * listening TCP socket on the same address and port, streams in and out,
 * and the state machine's timer, all on the fabric's libuv loop.
 *
 * Sockets are raw non-blocking descriptors watched by uv_poll_t, written
 * with send()/sendto() and MSG_NOSIGNAL (as lib/ctl/server.c: a peer that
 * vanished must not raise SIGPIPE in the host; libuv's stream writes
 * would). Each stream carries one message each way (memberlist's rule),
 * is bounded in size (VF__GOSSIP_STREAM_MAX) and in time (tcp_timeout),
 * and at most STREAMS_MAX are served at once (memberlist serves 127).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "core/internal.h"
#include "gossip/transport.h"

#define STREAMS_MAX 127
#define IN_MIN 4096

struct conn {
	struct vf__list node;
	struct vf__gtransport *t;
	int fd;
	uv_poll_t poll;
	uv_timer_t timer;
	unsigned int handles;
	bool outbound, connecting, closing;
	uint64_t cookie;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off;
	bool reading; /* the write is done (outbound) or not begun (inbound) */
};

struct vf__gtransport {
	vf_fabric *f;
	struct vf__swim *swim;
	void (*after)(void *ctx); /* after each input: the owner's checks */
	void *after_ctx;
	int udp, tcp;
	int spare; /* a descriptor kept for shedding a connection at EMFILE */
	uv_poll_t udp_poll, tcp_poll;
	uv_timer_t timer;
	unsigned int handles; /* open libuv handles, conns included; freed at 0 */
	struct vf__list conns;
	size_t nin;
	uint32_t tcp_timeout;
	bool closing;
	uint8_t buf[VF__GOSSIP_UDP_MAX];
};

static void t_unref(struct vf__gtransport *t)
{
	if (--t->handles)
		return;
	/* what vf__gtransport_close() left (only the spare, once closing) */
	if (t->udp >= 0)
		close(t->udp);
	if (t->tcp >= 0)
		close(t->tcp);
	if (t->spare >= 0)
		close(t->spare);
	free(t);
}

static void t_closed(uv_handle_t *h)
{
	t_unref(h->data);
}

static void after(struct vf__gtransport *t)
{
	vf__loop_event(t->f);
	if (t->after)
		t->after(t->after_ctx);
}

/* ---- addresses ---- */

static socklen_t to_sockaddr(struct sockaddr_storage *ss, const struct vf__gaddr *a)
{
	memset(ss, 0, sizeof(*ss));
	if (a->len == 4 ||
	    (a->len == 16 && !memcmp(a->ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12))) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->len == 4 ? a->ip : a->ip + 12, 4);
		return sizeof(*in);
	}
	return 0; /* IPv6 peers: not on an IPv4 socket */
}

/* ---- streams ---- */

static void conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct vf__gtransport *t = c->t;

	if (--c->handles)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
	t_unref(t);
}

static void conn_close(struct conn *c, int err)
{
	struct vf__gtransport *t = c->t;

	if (c->closing)
		return;
	c->closing = true;
	vf__list_del(&c->node);
	if (!c->outbound)
		t->nin--;
	else if (err && t->swim)
		vf__swim_stream_fail(t->swim, c->cookie, err);
	uv_close((uv_handle_t *)&c->poll, conn_closed);
	uv_close((uv_handle_t *)&c->timer, conn_closed);
}

static void conn_timeout(uv_timer_t *h)
{
	struct conn *c = h->data;

	conn_close(c, -ETIMEDOUT);
	after(c->t);
}

static void conn_watch(struct conn *c, int events);

/* Writes what it can; true once everything is out. */
static int conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return -errno;
	}
	return 1;
}

/* Hands the bytes read so far to the state machine. */
static void conn_input(struct conn *c, bool eof)
{
	struct vf__gtransport *t = c->t;
	struct vf__gbuf reply = {0};
	int rc;

	if (!t->swim) {
		conn_close(c, -ESHUTDOWN);
		return;
	}
	if (c->outbound) {
		rc = vf__swim_stream_reply(t->swim, c->cookie, c->in, c->in_len, eof);
		if (rc == -EAGAIN)
			return;
		c->cookie = 0;
		conn_close(c, 0); /* the state machine saw the end already */
		return;
	}
	rc = vf__swim_stream_recv(t->swim, c->in, c->in_len, eof, &reply);
	if (rc == -EAGAIN)
		return;
	if (rc < 0 || !reply.len) {
		vf__gbuf_free(&reply);
		conn_close(c, 0);
		return;
	}
	c->out = reply.data;
	c->out_len = reply.len;
	c->reading = false;
	if ((rc = conn_flush(c)) != 0) {
		conn_close(c, 0);
		return;
	}
	conn_watch(c, UV_WRITABLE);
}

static void conn_read(struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? c->in_cap * 2 : IN_MIN;
			uint8_t *p;

			if (c->in_cap >= VF__GOSSIP_STREAM_MAX + 64) {
				conn_close(c, -EMSGSIZE);
				return;
			}
			if (!(p = realloc(c->in, cap))) {
				conn_close(c, -ENOMEM);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (c->in_len)
				conn_input(c, false);
			return;
		}
		/* end of stream or an error: the message must be complete */
		conn_input(c, true);
		if (!c->closing && c->reading)
			conn_close(c, n < 0 ? -errno : -EPIPE);
		return;
	}
}

static void conn_event(uv_poll_t *h, int status, int events)
{
	struct conn *c = h->data;
	int rc;

	if (status < 0) {
		conn_close(c, status);
		goto out;
	}
	if (c->connecting && (events & UV_WRITABLE)) {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			conn_close(c, -err);
			goto out;
		}
		c->connecting = false;
	}
	if (!c->reading && (events & UV_WRITABLE)) {
		if ((rc = conn_flush(c)) < 0) {
			conn_close(c, rc);
			goto out;
		}
		if (rc == 1) {
			if (!c->outbound) { /* the reply is out: done */
				conn_close(c, 0);
				goto out;
			}
			c->reading = true;
			conn_watch(c, UV_READABLE);
		}
	}
	if (c->reading && (events & (UV_READABLE | UV_DISCONNECT)))
		conn_read(c);
out:
	after(c->t);
}

static void conn_watch(struct conn *c, int events)
{
	if (!c->closing)
		uv_poll_start(&c->poll, events, conn_event);
}

static struct conn *conn_new(struct vf__gtransport *t, int fd, bool outbound)
{
	uv_loop_t *loop = vf__fabric_loop(t->f);
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->t = t;
	c->fd = fd;
	c->outbound = outbound;
	if (uv_poll_init(loop, &c->poll, fd) < 0) {
		free(c);
		return NULL;
	}
	uv_timer_init(loop, &c->timer);
	c->poll.data = c->timer.data = c;
	c->handles = 2;
	t->handles++;
	vf__list_add_tail(&t->conns, &c->node);
	uv_timer_start(&c->timer, conn_timeout, t->tcp_timeout, 0);
	return c;
}

static int stream_open(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
		       size_t len, uint64_t cookie)
{
	struct vf__gtransport *t = ctx;
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&ss, to);
	struct conn *c;
	int fd;

	if (!sl)
		return -EAFNOSUPPORT;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!(c = conn_new(t, fd, true))) {
		close(fd);
		return -ENOMEM;
	}
	c->cookie = cookie;
	c->connecting = true;
	if (!(c->out = malloc(len))) {
		c->cookie = 0;
		conn_close(c, -ENOMEM);
		return -ENOMEM;
	}
	memcpy(c->out, p, len);
	c->out_len = len;
	conn_watch(c, UV_WRITABLE);
	vf__loop_kick(t->f);
	return 0;
}

static void on_accept(uv_poll_t *h, int status, int events)
{
	struct vf__gtransport *t = h->data;

	(void)events;
	if (status < 0)
		return;
	for (;;) {
		int fd = accept4(t->tcp, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0 && (errno == EMFILE || errno == ENFILE) && t->spare >= 0) {
			/* out of descriptors (accept says so even with nothing
			 * waiting): a waiting connection would stay in the
			 * backlog and the socket readable for ever, a busy
			 * loop. Shed it with the spare descriptor; the peer
			 * falls back as for any refused stream. */
			close(t->spare);
			fd = accept4(t->tcp, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				close(fd);
			t->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				break; /* nothing was waiting */
			vf_warn(t->f, "gossip: out of descriptors: a stream refused");
			continue;
		}
		if (fd < 0)
			break;
		if (t->nin >= STREAMS_MAX || !t->swim || !(c = conn_new(t, fd, false))) {
			close(fd);
			continue;
		}
		t->nin++;
		c->reading = true;
		conn_watch(c, UV_READABLE);
	}
	after(t);
}

/* ---- UDP ---- */

static int send_packet(void *ctx, const struct vf__gaddr *to, const uint8_t *p,
		       size_t len)
{
	struct vf__gtransport *t = ctx;
	struct sockaddr_storage ss;
	socklen_t sl = to_sockaddr(&ss, to);

	if (!sl)
		return -EAFNOSUPPORT;
	if (sendto(t->udp, p, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&ss,
		   sl) < 0)
		return -errno;
	return 0;
}

static void on_udp(uv_poll_t *h, int status, int events)
{
	struct vf__gtransport *t = h->data;

	(void)events;
	if (status < 0)
		return;
	/* a bounded batch per round, so streams and timers get their turn */
	for (int i = 0; i < 64 && t->swim; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		struct vf__gaddr a = {.len = 4};
		ssize_t n =
			recvfrom(t->udp, t->buf, sizeof(t->buf), MSG_DONTWAIT | MSG_TRUNC,
				 (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		memcpy(a.ip, &from.sin_addr, 4);
		a.port = ntohs(from.sin_port);
		if ((size_t)n > sizeof(t->buf)) { /* truncated: counted, dropped */
			vf__swim_packet(t->swim, &a, t->buf, VF__GOSSIP_UDP_MAX + 1);
			continue;
		}
		vf__swim_packet(t->swim, &a, t->buf, (size_t)n);
	}
	after(t);
}

/* ---- time ---- */

static uint64_t now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_timer(uv_timer_t *h)
{
	struct vf__gtransport *t = h->data;

	if (t->swim)
		vf__swim_tick(t->swim);
	after(t);
}

static void arm(void *ctx, uint64_t due)
{
	struct vf__gtransport *t = ctx;
	uint64_t now = now_ms(ctx);

	if (t->closing)
		return;
	uv_timer_start(&t->timer, on_timer, due > now ? due - now : 0, 0);
}

/* ---- open, close ---- */

static int bind_socket(vf_fabric *f, int type, const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, err;
	char ip[INET_ADDRSTRLEN];

	if (fd < 0)
		return vf__fail(f, -errno, "gossip: socket: %s", strerror(errno));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		err = -errno;
		close(fd);
		inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
		return vf__fail(f, err, "gossip: cannot bind %s %s:%u: %s",
				type == SOCK_STREAM ? "TCP" : "UDP", ip,
				ntohs(sa->sin_port), strerror(-err));
	}
	return fd;
}

int vf__gtransport_open(struct vf__gtransport **out, vf_fabric *f, uint32_t ip,
			uint16_t port, uint32_t tcp_timeout, struct vf__swim_io *io)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	uv_loop_t *loop = vf__fabric_loop(f);
	struct vf__gtransport *t;
	int rc;

	*out = NULL;
	if (!loop)
		return vf__fail(f, -ENOENT, "gossip: the fabric has no control loop");
	if (!(t = calloc(1, sizeof(*t))))
		return vf__fail(f, -ENOMEM, "gossip: no memory");
	t->f = f;
	t->tcp_timeout = tcp_timeout;
	t->udp = t->tcp = -1;
	t->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	vf__list_init(&t->conns);
	sa.sin_addr.s_addr = htonl(ip);
	sa.sin_port = htons(port);
	if ((rc = t->udp = bind_socket(f, SOCK_DGRAM, &sa)) < 0 ||
	    (rc = t->tcp = bind_socket(f, SOCK_STREAM, &sa)) < 0) {
		if (t->udp >= 0)
			close(t->udp);
		if (t->spare >= 0)
			close(t->spare);
		free(t);
		return rc;
	}
	uv_poll_init(loop, &t->udp_poll, t->udp);
	uv_poll_init(loop, &t->tcp_poll, t->tcp);
	uv_timer_init(loop, &t->timer);
	t->udp_poll.data = t->tcp_poll.data = t->timer.data = t;
	t->handles = 3;
	uv_poll_start(&t->udp_poll, UV_READABLE, on_udp);
	uv_poll_start(&t->tcp_poll, UV_READABLE, on_accept);
	*io = (struct vf__swim_io){t, send_packet, stream_open, now_ms, arm};
	*out = t;
	return 0;
}

void vf__gtransport_attach(struct vf__gtransport *t, struct vf__swim *s,
			   void (*fn)(void *ctx), void *ctx)
{
	t->swim = s;
	t->after = fn;
	t->after_ctx = ctx;
	vf__loop_kick(t->f);
}

void vf__gtransport_close(struct vf__gtransport *t)
{
	if (!t || t->closing)
		return;
	t->closing = true;
	t->swim = NULL;
	t->after = NULL;
	while (!vf__list_empty(&t->conns)) {
		struct conn *c = vf__container_of(t->conns.next, struct conn, node);

		conn_close(c, 0);
	}
	uv_close((uv_handle_t *)&t->udp_poll, t_closed);
	uv_close((uv_handle_t *)&t->tcp_poll, t_closed);
	uv_close((uv_handle_t *)&t->timer, t_closed);
	/* Closing a poll handle takes its descriptor out of epoll at once
	 * (libuv's uv__poll_stop()), and libuv does not touch it again: the
	 * ports are free now, so gossip can start again before the loop runs. */
	close(t->udp);
	close(t->tcp);
	t->udp = t->tcp = -1;
	vf__loop_kick(t->f);
}
