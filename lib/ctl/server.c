/*
 * The control socket's server (ctl.h), on the fabric's libuv loop.
 *
 * Each client is a non-blocking socket watched by a uv_poll_t (its own
 * send() with MSG_NOSIGNAL, so a vanished client never raises SIGPIPE in
 * the host; libuv's stream writes would), and an idle timer. A client
 * has at most one request in work: once a whole request is in, reading
 * stops until its response is written, so a client that never reads its
 * responses costs one response and its socket buffer, and a slow or
 * stalled client only ever waits for itself. A request's length is checked as soon as its
 * 4-byte header is in, before any of its body is read; the input buffer
 * grows to the announced length (at most max_msg) only then.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "ctl/ctl.h"

#define IN_MIN 4096
#define BACKLOG 64
#define CLIENTS_DEFAULT 32
#define CLIENTS_MAX 1024
#define IDLE_DEFAULT 30000
#define IDLE_MIN 100
#define IDLE_MAX 3600000
#define MSG_MIN 64

struct client {
	struct vf__list node;
	struct vf__ctl_server *s;
	int fd;
	uv_poll_t poll;
	uv_timer_t timer;
	uint8_t *in;
	size_t in_len, in_cap;
	struct vf__ctl_out out; /* the response being written */
	size_t out_off;
	unsigned int handles; /* open libuv handles; freed at 0 */
	int events;	      /* what poll watches */
	bool writing, closing, close_after_write;
	uid_t uid;
	pid_t pid;
};

struct vf__ctl_server {
	vf_fabric *f;
	int fd;
	uv_poll_t poll;
	uv_timer_t retry; /* accepting again after EMFILE */
	vf_ctl_opts o;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	uid_t self;
	struct vf__list clients;
	vf_ctl_stats st;
	unsigned int refs; /* two handles, and each client not yet freed */
	bool closing;
	struct vf__ctl_req req; /* the request in work (one at a time) */
	struct vf__ctl_out data;
};

static void server_unref(struct vf__ctl_server *s)
{
	if (--s->refs)
		return;
	vf__ctl_out_free(&s->data);
	free(s);
}

/* ---- clients ---- */

static void client_closed(uv_handle_t *h)
{
	struct client *c = h->data;

	if (--c->handles)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	vf__ctl_out_free(&c->out);
	server_unref(c->s);
	free(c);
}

static void client_close(struct client *c)
{
	if (c->closing)
		return;
	c->closing = true;
	vf__list_del(&c->node);
	c->s->st.clients--;
	uv_close((uv_handle_t *)&c->poll, client_closed);
	uv_close((uv_handle_t *)&c->timer, client_closed);
}

static void on_idle(uv_timer_t *t)
{
	struct client *c = t->data;

	c->s->st.timeouts++;
	vf_dbg(c->s->f, "control client uid %u pid %d: idle, disconnected",
	       (unsigned int)c->uid, (int)c->pid);
	client_close(c);
	vf__loop_event(c->s->f);
}

static void idle_restart(struct client *c)
{
	uv_timer_start(&c->timer, on_idle, c->s->o.idle_ms, 0);
}

/* Writes what it can of the response in work (send() with MSG_NOSIGNAL:
 * a client that went away must not raise SIGPIPE in the host). */
static void flush(struct client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return; /* the rest when the socket is writable */
		client_close(c);
		return;
	}
	c->writing = false;
	if (c->out.cap > IN_MIN)
		vf__ctl_out_free(&c->out);
	c->out.len = c->out_off = 0;
	if (c->close_after_write)
		client_close(c);
	else
		idle_restart(c);
}

/* Sends one response; with @then_close, disconnects after it. */
static void respond(struct client *c, int err, const char *msg, const char *data,
		    size_t data_len, bool then_close)
{
	struct vf__ctl_server *s = c->s;
	int e;

	c->out.len = c->out_off = 0;
	e = vf__ctl_encode_resp(&c->out, err, msg, data, data_len, VF_CTL_MSG_MAX);
	if (e == -EMSGSIZE) {
		char text[160];

		snprintf(text, sizeof(text),
			 "the response of %zu bytes is over the limit of %u bytes",
			 data_len, VF_CTL_MSG_MAX);
		e = vf__ctl_encode_resp(&c->out, -EMSGSIZE, text, NULL, 0,
					VF_CTL_MSG_MAX);
	}
	if (e < 0) {
		vf_warn(s->f, "control client uid %u: no memory for a response",
			(unsigned int)c->uid);
		client_close(c);
		return;
	}
	c->writing = true;
	c->close_after_write = then_close;
	idle_restart(c);
	flush(c);
}

/* Executes one request body. */
static void handle(struct client *c, const uint8_t *body, size_t len)
{
	struct vf__ctl_server *s = c->s;
	int rc;

	s->st.requests++;
	if ((rc = vf__ctl_decode_req(&s->req, body, len)) < 0) {
		s->st.bad++;
		vf_dbg(s->f, "control client uid %u: %s", (unsigned int)c->uid,
		       vf_last_error());
		respond(c, rc, vf_last_error(), NULL, 0, false);
		return;
	}
	s->data.len = 0;
	rc = vf__ctl_exec(s->f, &s->req, &s->data);
	if (rc < 0)
		respond(c, rc, vf_last_error(), NULL, 0, false);
	else
		respond(c, rc, "", s->data.p ? (const char *)s->data.p : "", s->data.len,
			false);
	if (s->data.cap > VF_CTL_MSG_DEFAULT)
		vf__ctl_out_free(&s->data);
}

static void on_poll(uv_poll_t *h, int status, int events);

/* Watches for what the client's state needs: writable while a response
 * is in work, else readable. */
static void watch(struct client *c)
{
	int ev = c->writing ? UV_WRITABLE : c->close_after_write ? 0 : UV_READABLE;

	if (c->closing || ev == c->events)
		return;
	c->events = ev;
	if (!ev)
		uv_poll_stop(&c->poll);
	else if (uv_poll_start(&c->poll, ev, on_poll) < 0)
		client_close(c);
}

/* Handles the whole requests in the input buffer, one at a time, while
 * no response is in work. */
static void process(struct client *c)
{
	struct vf__ctl_server *s = c->s;

	while (!c->writing && !c->closing && c->in_len >= VF__CTL_HDR) {
		uint32_t n = vf__ctl_frame_len(c->in);
		size_t whole = VF__CTL_HDR + (size_t)n;

		if (n > s->o.max_msg) {
			char text[160];

			s->st.requests++;
			s->st.bad++;
			snprintf(text, sizeof(text),
				 "control request of %u bytes is over the limit of %u "
				 "bytes",
				 n, s->o.max_msg);
			c->in_len = 0;
			respond(c, -EMSGSIZE, text, NULL, 0, true);
			break;
		}
		if (c->in_len < whole) {
			if (c->in_cap < whole) {
				uint8_t *p = realloc(c->in, whole);

				if (!p) {
					c->in_len = 0;
					respond(c, -ENOMEM, "no memory for the request",
						NULL, 0, true);
					break;
				}
				c->in = p;
				c->in_cap = whole;
			}
			break;
		}
		handle(c, c->in + VF__CTL_HDR, n);
		memmove(c->in, c->in + whole, c->in_len - whole);
		c->in_len -= whole;
	}
	if (c->closing)
		return;
	if (!c->in_len && c->in_cap > IN_MIN) {
		uint8_t *p = realloc(c->in, IN_MIN);

		if (p) {
			c->in = p;
			c->in_cap = IN_MIN;
		}
	}
	watch(c);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct client *c = h->data;

	vf__loop_event(c->s->f);
	if (status < 0) {
		client_close(c);
		return;
	}
	if ((events & UV_WRITABLE) && c->writing)
		flush(c);
	if ((events & UV_READABLE) && !c->writing && !c->closing &&
	    c->in_len < c->in_cap) {
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len,
				 MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			       errno != EINTR)) {
			client_close(c); /* EOF, or the connection broke */
			return;
		}
		if (n > 0)
			c->in_len += (size_t)n;
	}
	if (!c->closing)
		process(c);
}

/* Whether the peer's credentials admit it (ctl.h says who may connect). */
static bool allowed(const struct vf__ctl_server *s, int fd, const struct ucred *cr)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool ok = false;

	if (cr->uid == 0 || cr->uid == s->self ||
	    ((s->o.flags & VF_CTL_F_ALLOW_UID) && cr->uid == s->o.allow_uid))
		return true;
	if (!(s->o.flags & VF_CTL_F_ALLOW_GID))
		return false;
	if (cr->gid == s->o.allow_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno != ERANGE || !(groups = malloc(len)) ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
			if (groups != small)
				free(groups);
			return false;
		}
	}
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == s->o.allow_gid)
			ok = true;
	if (groups != small)
		free(groups);
	return ok;
}

/* Takes one accepted connection. */
static void client_new(struct vf__ctl_server *s, int fd)
{
	uv_loop_t *loop = s->poll.loop;
	struct client *c;
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	char text[200];

	if (!(c = calloc(1, sizeof(*c))) || !(c->in = malloc(IN_MIN)) ||
	    uv_poll_init(loop, &c->poll, fd) < 0) {
		vf_warn(s->f, "control socket: no memory for a client");
		if (c)
			free(c->in);
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->in_cap = IN_MIN;
	c->s = s;
	uv_timer_init(loop, &c->timer);
	c->poll.data = c->timer.data = c;
	c->handles = 2;
	s->refs++;
	vf__list_add_tail(&s->clients, &c->node);
	s->st.clients++;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) < 0) {
		client_close(c);
		return;
	}
	c->uid = cr.uid;
	c->pid = cr.pid;
	idle_restart(c);
	if (!allowed(s, fd, &cr)) {
		s->st.refused++;
		snprintf(text, sizeof(text),
			 "uid %u (pid %d) may not use the control socket of fabric '%s'",
			 (unsigned int)cr.uid, (int)cr.pid, vf_fabric_host_name(s->f));
		vf_warn(s->f, "%s", text);
		respond(c, -EACCES, text, NULL, 0, true);
		watch(c);
		return;
	}
	if (s->st.clients > s->o.max_clients) {
		s->st.busy++;
		snprintf(text, sizeof(text),
			 "the control socket of fabric '%s' has its %u clients already",
			 vf_fabric_host_name(s->f), s->o.max_clients);
		vf_warn(s->f, "%s", text);
		respond(c, -EBUSY, text, NULL, 0, true);
		watch(c);
		return;
	}
	s->st.accepted++;
	vf_dbg(s->f, "control client uid %u pid %d connected", (unsigned int)cr.uid,
	       (int)cr.pid);
	process(c);
}

static void on_listen(uv_poll_t *h, int status, int events);

static void on_retry(uv_timer_t *t)
{
	struct vf__ctl_server *s = t->data;

	if (!s->closing)
		uv_poll_start(&s->poll, UV_READABLE, on_listen);
}

static void on_listen(uv_poll_t *h, int status, int events)
{
	struct vf__ctl_server *s = h->data;

	(void)events;
	vf__loop_event(s->f);
	if (status < 0 || s->closing)
		return;
	for (int i = 0; i < BACKLOG; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			client_new(s, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* the connection waits in the backlog; try again soon
			 * rather than spin on a readable socket */
			vf_warn(s->f, "control socket: accept: %s", strerror(errno));
			uv_poll_stop(&s->poll);
			uv_timer_start(&s->retry, on_retry, 200, 0);
		}
		break;
	}
}

/* ---- listening ---- */

static void listener_closed(uv_handle_t *h)
{
	struct vf__ctl_server *s = h->data;

	if (h == (uv_handle_t *)&s->poll)
		close(s->fd);
	server_unref(s);
}

static void server_close(struct vf__ctl_server *s)
{
	struct vf__list *n;
	struct stat st;

	s->closing = true;
	while ((n = vf__list_next(&s->clients, NULL)))
		client_close(vf__container_of(n, struct client, node));
	/* the file goes only if it is still ours */
	if (!lstat(s->path, &st) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	uv_close((uv_handle_t *)&s->poll, listener_closed);
	uv_close((uv_handle_t *)&s->retry, listener_closed);
	vf__loop_kick(s->f);
}

static int check_opts(const vf_fabric *f, vf_ctl_opts *o)
{
	if (!o->path || !o->path[0])
		return vf__fail(f, -EINVAL, "vf_ctl_opts: path is required");
	if (strlen(o->path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return vf__fail(
			f, -EINVAL,
			"vf_ctl_opts: path '%s' is longer than the %zu bytes a unix "
			"socket's path may have",
			o->path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	if (o->flags & ~(VF_CTL_F_ALLOW_UID | VF_CTL_F_ALLOW_GID))
		return vf__fail(f, -EINVAL, "vf_ctl_opts: unknown flags 0x%x",
				o->flags & ~(VF_CTL_F_ALLOW_UID | VF_CTL_F_ALLOW_GID));
	if (o->mode > 0777)
		return vf__fail(f, -EINVAL, "vf_ctl_opts: mode 0%o has bits past 0777",
				o->mode);
	if (!o->mode)
		o->mode = 0600 | (o->flags & VF_CTL_F_ALLOW_GID ? 0060 : 0) |
			  (o->flags & VF_CTL_F_ALLOW_UID ? 0006 : 0);
	if (!o->max_msg)
		o->max_msg = VF_CTL_MSG_DEFAULT;
	if (o->max_msg < MSG_MIN || o->max_msg > VF_CTL_MSG_MAX)
		return vf__fail(f, -EINVAL, "vf_ctl_opts: max_msg %u is not in %u..%u",
				o->max_msg, MSG_MIN, VF_CTL_MSG_MAX);
	if (!o->max_clients)
		o->max_clients = CLIENTS_DEFAULT;
	if (o->max_clients > CLIENTS_MAX)
		return vf__fail(f, -EINVAL, "vf_ctl_opts: max_clients %u is not in 1..%u",
				o->max_clients, CLIENTS_MAX);
	if (!o->idle_ms)
		o->idle_ms = IDLE_DEFAULT;
	if (o->idle_ms < IDLE_MIN || o->idle_ms > IDLE_MAX)
		return vf__fail(f, -EINVAL, "vf_ctl_opts: idle_ms %u is not in %u..%u",
				o->idle_ms, IDLE_MIN, IDLE_MAX);
	return 0;
}

/* A socket file at @path from an earlier run that nobody serves goes;
 * a live one, or another kind of file, stays and is an error. */
static int clear_stale(const vf_fabric *f, const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
				       : vf__fail(f, -errno, "control socket %s: %s",
						  path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return vf__fail(f, -EEXIST,
				"control socket %s: a file that is not a socket "
				"is there",
				path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return vf__fail(f, -errno, "control socket: %s", strerror(errno));
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc < 0 && errno == ECONNREFUSED) {
		close(fd);
		if (unlink(path) < 0 && errno != ENOENT)
			return vf__fail(f, -errno, "control socket %s: stale, and: %s",
					path, strerror(errno));
		return 0;
	}
	close(fd);
	return vf__fail(f, -EADDRINUSE, "control socket %s: a server listens there",
			path);
}

static int open_socket(struct vf__ctl_server *s)
{
	const vf_fabric *f = s->f;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, err;

	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	if ((err = clear_stale(f, s->path, &sa)) < 0)
		return err;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return vf__fail(f, -errno, "control socket: %s", strerror(errno));
	/* Nobody can connect before listen(): the mode and group are set in
	 * between. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = vf__fail(f, -errno, "control socket %s: %s", s->path,
			       strerror(errno));
		close(fd);
		return err;
	}
	if (chmod(s->path, s->o.mode) < 0 ||
	    ((s->o.flags & VF_CTL_F_ALLOW_GID) &&
	     chown(s->path, (uid_t)-1, (gid_t)s->o.allow_gid) < 0) ||
	    lstat(s->path, &st) < 0) {
		err = vf__fail(f, -errno, "control socket %s: %s", s->path,
			       strerror(errno));
		unlink(s->path);
		close(fd);
		return err;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	return fd;
}

int vf_fabric_ctl_listen(vf_fabric *f, const vf_ctl_opts *opts)
{
	struct vf__ctl_server *s;
	uv_loop_t *loop;
	vf_ctl_opts o;
	int fd, err;

	if ((err = vf__obj_check(f ? &f->obj : NULL, "vf_fabric_ctl_listen")) < 0)
		return err;
	if ((err = VF__OPTS_LOAD(&o, opts, vf_ctl_opts)) < 0 ||
	    (err = check_opts(f, &o)) < 0)
		return err;
	if (f->ctl && f->ctl->server)
		return vf__fail(f, -EALREADY,
				"fabric '%s' serves a control socket already (%s)",
				f->host_name, f->ctl->server->path);
	if (!(loop = vf__fabric_loop(f)))
		return vf__fail(f, -ENOENT, "fabric '%s' has no control loop",
				f->host_name);
	if (!f->ctl && !(f->ctl = calloc(1, sizeof(*f->ctl))))
		return vf__fail(f, -ENOMEM, "no memory for the control socket");
	if (!(s = calloc(1, sizeof(*s))))
		return vf__fail(f, -ENOMEM, "no memory for the control socket");
	s->f = f;
	s->o = o;
	s->o.path = NULL; /* the copy in s->path is the one kept */
	memcpy(s->path, o.path, strlen(o.path) + 1);
	s->self = geteuid();
	s->st.sz = sizeof(s->st);
	vf__list_init(&s->clients);
	if ((fd = open_socket(s)) < 0) {
		free(s);
		return fd;
	}
	if (listen(fd, BACKLOG) < 0) {
		err = vf__fail(f, -errno, "control socket %s: %s", s->path,
			       strerror(errno));
		unlink(s->path);
		close(fd);
		free(s);
		return err;
	}
	s->fd = fd;
	s->poll.data = s->retry.data = s;
	uv_timer_init(loop, &s->retry);
	if ((err = uv_poll_init(loop, &s->poll, fd)) < 0) {
		err = vf__fail(f, err, "control socket %s: %s", s->path,
			       uv_strerror(err));
		s->refs = 1; /* the timer's: s goes with it */
		uv_close((uv_handle_t *)&s->retry, listener_closed);
		unlink(s->path);
		close(fd);
		return err;
	}
	s->refs = 2;
	if ((err = uv_poll_start(&s->poll, UV_READABLE, on_listen)) < 0) {
		err = vf__fail(f, err, "control socket %s: %s", s->path,
			       uv_strerror(err));
		server_close(s); /* unlinks; the descriptor goes with the handle */
		return err;
	}
	f->ctl->server = s;
	vf__loop_kick(f);
	vf_info(f, "control socket %s: listening (mode 0%o)", s->path, s->o.mode);
	return 0;
}

int vf_fabric_ctl_close(vf_fabric *f)
{
	if (!f)
		return vf__fail(NULL, -EINVAL, "vf_fabric_ctl_close: NULL fabric");
	if (!f->ctl || !f->ctl->server)
		return vf__fail(f, -ENOTCONN, "fabric '%s' serves no control socket",
				f->host_name);
	vf_info(f, "control socket %s: closed", f->ctl->server->path);
	server_close(f->ctl->server);
	f->ctl->server = NULL;
	return 0;
}

int vf_fabric_ctl_stats(const vf_fabric *f, vf_ctl_stats *out)
{
	vf_ctl_stats zero = {.sz = sizeof(zero)};

	if (!f || !out)
		return vf__fail(NULL, -EINVAL, "vf_fabric_ctl_stats: NULL argument");
	return vf__copy_out(out, f->ctl && f->ctl->server ? &f->ctl->server->st : &zero,
			    sizeof(zero), "vf_ctl_stats");
}

void vf__ctl_fabric_remove(vf_fabric *f)
{
	struct vf__ctl *ctl = f->ctl;

	if (!ctl)
		return;
	if (ctl->server)
		server_close(ctl->server);
	for (size_t i = 0; i < ctl->nowned; i++)
		vf_port_destroy(ctl->owned[i]);
	free(ctl->owned);
	free(ctl);
	f->ctl = NULL;
}
