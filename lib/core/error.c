#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

static _Thread_local char last_error[512];

const char *vf_strerror(int err)
{
	/* unsigned: -INT_MIN is not an int */
	switch (err < 0 ? 0u - (unsigned int)err : (unsigned int)err) {
	case 0: return "success";
	case EINVAL: return "invalid argument";
	case ENOMEM: return "out of memory";
	case ENOENT: return "no such object, or the object was removed";
	case EEXIST: return "id or name already taken";
	case EADDRINUSE: return "address already in use";
	case ENOSPC: return "nothing free to allocate";
	case EBUSY: return "object in use";
	case EOPNOTSUPP: return "operation not supported";
	case ENODEV: return "no such device";
	case EPROTO: return "protocol error";
	case EAGAIN: return "try again";
	case ETIMEDOUT: return "timed out";
	case EACCES: return "permission denied";
	case EPERM: return "operation not permitted";
	case EPROTONOSUPPORT: return "protocol version not supported";
	case EMSGSIZE: return "message too long";
	case EBADMSG: return "bad message (authentication failed)";
	case ENOTCONN: return "not bound, or not connected";
	case ECONNRESET: return "connection reset by peer";
	case ECONNREFUSED: return "connection refused";
	case EALREADY: return "already running";
	case ESRCH: return "not running";
	case EDEADLK: return "would deadlock";
	case EINTR: return "interrupted";
	case EMFILE: return "too many open files";
	}
	return "unknown error";
}

const char *vf_last_error(void)
{
	return last_error;
}

int vf__fail(const vf_fabric *fabric, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	if (fabric)
		vf__log(fabric, VF_LOG_DEBUG, "%s", last_error);
	return err;
}
