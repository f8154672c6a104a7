#include <stdio.h>

#include "core/internal.h"

void vf__log(const vf_fabric *fabric, vf_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!vf__log_on(fabric, level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fabric->log_fn(fabric->log_user_data, level, msg);
}
