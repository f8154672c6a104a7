/*
 * The control socket's client (ctl.h): blocking calls with a deadline,
 * one request and its response at a time. Any transport failure (a
 * timeout, a reset, a response that does not parse) breaks the connection:
 * later calls return -ENOTCONN, since what is still in flight is unknown.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <vfabric/datapath.h>

#include "core/internal.h"
#include "ctl/proto.h"

#define TIMEOUT_DEFAULT 5000
#define TIMEOUT_MAX 3600000

struct vf_ctl {
	int fd;
	int timeout_ms;
	bool broken;
	char host[VF_NAME_MAX + 1];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until @fd polls @events before @deadline (-1: no deadline). */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int t = -1, n;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return vf__fail(
					NULL, -ETIMEDOUT,
					"the control socket did not answer in time");
			t = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		n = poll(&p, 1, t);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return vf__fail(NULL, -errno, "control socket: poll: %s",
					strerror(errno));
	}
}

static int send_all(struct vf_ctl *c, const uint8_t *p, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		int err;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return vf__fail(NULL, -errno, "control socket: send: %s",
					strerror(errno));
		if ((err = wait_fd(c->fd, POLLOUT, deadline)) < 0)
			return err;
	}
	return 0;
}

static int recv_all(struct vf_ctl *c, uint8_t *p, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t n = recv(c->fd, p, len, MSG_DONTWAIT);
		int err;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return vf__fail(
				NULL, -ECONNRESET,
				"the control socket's server closed the connection");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return vf__fail(NULL, -errno, "control socket: recv: %s",
					strerror(errno));
		if ((err = wait_fd(c->fd, POLLIN, deadline)) < 0)
			return err;
	}
	return 0;
}

/* Sends @r and reads its response; returns the server's result with its
 * message as this thread's vf_last_error(), and its text in *data (NULL
 * when it sent none, or @data is NULL). */
static int call(struct vf_ctl *c, const struct vf__ctl_req *r, char **data)
{
	struct vf__ctl_out o = {0};
	struct vf__ctl_resp resp;
	int64_t deadline = c->timeout_ms < 0 ? -1 : now_ms() + c->timeout_ms;
	uint8_t hdr[VF__CTL_HDR], *body;
	uint32_t n;
	int err, sent;

	if (data)
		*data = NULL;
	if (c->broken)
		return vf__fail(NULL, -ENOTCONN,
				"this control connection broke earlier; connect again");
	if ((err = vf__ctl_encode_req(&o, r, VF_CTL_MSG_MAX)) < 0)
		return err;
	sent = send_all(c, o.p, o.len, deadline);
	vf__ctl_out_free(&o);
	/* The server may have refused the request before reading all of it
	 * (too long): its answer says why, so read it even after EPIPE. */
	if (sent < 0 && sent != -EPIPE && sent != -ECONNRESET)
		goto broken;
	if ((err = recv_all(c, hdr, sizeof(hdr), deadline)) < 0)
		goto broken;
	if ((n = vf__ctl_frame_len(hdr)) > VF_CTL_MSG_MAX) {
		err = vf__fail(NULL, -EPROTO,
			       "control response of %u bytes is over the limit of %u", n,
			       VF_CTL_MSG_MAX);
		goto broken;
	}
	if (!(body = malloc(n ? n : 1))) {
		err = vf__fail(NULL, -ENOMEM, "no memory for a control response");
		goto broken;
	}
	if ((err = recv_all(c, body, n, deadline)) < 0 ||
	    (err = vf__ctl_decode_resp(&resp, body, n)) < 0) {
		free(body);
		goto broken;
	}
	free(body);
	if (sent < 0)
		c->broken = true;
	if (resp.err < 0) {
		free(resp.data);
		/* the server's own words, as an in-process caller gets them */
		return vf__fail(NULL, resp.err, "%s", resp.msg);
	}
	if (data)
		*data = resp.data;
	else
		free(resp.data);
	return resp.err;
broken:
	c->broken = true;
	return err;
}

int vf_ctl_connect(vf_ctl **out, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vf__ctl_req r = {.op = VF__CTL_HELLO};
	struct vf_ctl *c;
	char *hello = NULL;
	const char *h;
	int err;

	if (!out)
		return vf__fail(NULL, -EINVAL, "vf_ctl_connect: NULL out");
	*out = NULL;
	if (!path || !path[0])
		return vf__fail(NULL, -EINVAL, "vf_ctl_connect: no path");
	if (strlen(path) >= sizeof(sa.sun_path))
		return vf__fail(NULL, -EINVAL,
				"vf_ctl_connect: path '%s' is longer than %zu bytes",
				path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (!(c = calloc(1, sizeof(*c))))
		return vf__fail(NULL, -ENOMEM, "no memory for a control connection");
	c->timeout_ms = TIMEOUT_DEFAULT;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		err = vf__fail(NULL, -errno, "control socket: %s", strerror(errno));
		free(c);
		return err;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = vf__fail(NULL, -errno, "control socket %s: %s", path,
			       strerror(errno));
		goto fail;
	}
	if ((err = call(c, &r, &hello)) < 0)
		goto fail;
	/* {"host":"<name>",...}: names are [A-Za-z0-9._:-], so no escapes */
	if (!hello || strncmp(hello, "{\"host\":\"", 9) ||
	    !(h = strchr(hello + 9, '"')) || h - (hello + 9) > VF_NAME_MAX) {
		err = vf__fail(NULL, -EPROTO, "control socket %s: a bad greeting", path);
		goto fail;
	}
	memcpy(c->host, hello + 9, (size_t)(h - (hello + 9)));
	free(hello);
	*out = c;
	return 0;
fail:
	free(hello);
	close(c->fd);
	free(c);
	return err;
}

void vf_ctl_close(vf_ctl *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}

int vf_ctl_set_timeout(vf_ctl *c, int timeout_ms)
{
	if (!c)
		return vf__fail(NULL, -EINVAL, "vf_ctl_set_timeout: NULL connection");
	if (timeout_ms != -1 && (timeout_ms < 1 || timeout_ms > TIMEOUT_MAX))
		return vf__fail(NULL, -EINVAL,
				"vf_ctl_set_timeout: %d ms is neither -1 nor in 1..%d",
				timeout_ms, TIMEOUT_MAX);
	c->timeout_ms = timeout_ms;
	return 0;
}

const char *vf_ctl_host_name(const vf_ctl *c)
{
	return c ? c->host : NULL;
}

static int need(const void *p, const char *what, const char *fn)
{
	return p ? 0 : vf__fail(NULL, -EINVAL, "%s: NULL %s", fn, what);
}

int vf_ctl_attach(vf_ctl *c, const char *cell, const char *subnet,
		  const vf_port_opts *port, const vf_bind_opts *bind, char **out)
{
	struct vf__ctl_req r = {.op = VF__CTL_ATTACH, .cell = cell, .subnet = subnet};
	vf_port_opts po;
	vf_bind_opts bo;
	char *data = NULL;
	int err;

	if (out)
		*out = NULL;
	if ((err = need(c, "connection", "vf_ctl_attach")) < 0 ||
	    (err = need(cell, "cell", "vf_ctl_attach")) < 0 ||
	    (err = need(subnet, "subnet", "vf_ctl_attach")) < 0 ||
	    (err = VF__OPTS_LOAD(&po, port, vf_port_opts)) < 0)
		return err;
	r.port = po.name;
	r.id = po.id;
	r.vip = po.vip;
	r.flags = po.flags;
	if (!vf__mac_is_zero(&po.vmac)) {
		r.vmac = po.vmac;
		r.has_vmac = true;
	}
	if (bind) {
		if ((err = VF__OPTS_LOAD(&bo, bind, vf_bind_opts)) < 0)
			return err;
		r.has_bind = true;
		r.bind.datapath = bo.datapath;
		r.bind.ifname = bo.ifname;
		r.bind.flags = bo.flags;
		r.bind.peer = bo.peer;
		r.bind.netns = bo.netns;
	}
	err = call(c, &r, out ? &data : NULL);
	if (out && err >= 0)
		*out = data;
	else
		free(data);
	return err;
}

int vf_ctl_detach(vf_ctl *c, const char *port)
{
	struct vf__ctl_req r = {.op = VF__CTL_DETACH, .port = port};
	int err;

	if ((err = need(c, "connection", "vf_ctl_detach")) < 0 ||
	    (err = need(port, "port", "vf_ctl_detach")) < 0)
		return err;
	return call(c, &r, NULL);
}

/* A call whose result is text: *out must come back set on success. */
static int text_call(vf_ctl *c, const struct vf__ctl_req *r, char **out, const char *fn)
{
	int err;

	if (out)
		*out = NULL;
	if ((err = need(c, "connection", fn)) < 0 || (err = need(out, "out", fn)) < 0)
		return err;
	if ((err = call(c, r, out)) >= 0 && !*out) {
		c->broken = true;
		return vf__fail(NULL, -EPROTO, "%s: the server sent no text", fn);
	}
	return err;
}

int vf_ctl_list(vf_ctl *c, char **out)
{
	struct vf__ctl_req r = {.op = VF__CTL_LIST};

	return text_call(c, &r, out, "vf_ctl_list");
}

int vf_ctl_counters(vf_ctl *c, const char *port, char **out)
{
	struct vf__ctl_req r = {.op = VF__CTL_COUNTERS, .port = port};

	return text_call(c, &r, out, "vf_ctl_counters");
}

int vf_ctl_trace(vf_ctl *c, const char *port, const void *frame, size_t len, char **out)
{
	struct vf__ctl_req r = {.op = VF__CTL_TRACE, .port = port};

	if (out)
		*out = NULL;
	if (!frame)
		return vf__fail(NULL, -EINVAL, "vf_ctl_trace: NULL frame");
	if (len > UINT32_MAX)
		return vf__fail(NULL, -EINVAL, "vf_ctl_trace: a frame of %zu bytes", len);
	r.frame = frame;
	r.frame_len = (uint32_t)len;
	return text_call(c, &r, out, "vf_ctl_trace");
}

int vf_ctl_locations(vf_ctl *c, char **out)
{
	struct vf__ctl_req r = {.op = VF__CTL_LOCATIONS};

	return text_call(c, &r, out, "vf_ctl_locations");
}

int vf_ctl_members(vf_ctl *c, char **out)
{
	struct vf__ctl_req r = {.op = VF__CTL_MEMBERS};

	return text_call(c, &r, out, "vf_ctl_members");
}
