/* vf_trace(): the pipeline's decisions in words. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"

void vf__trace_add(struct vf__trace *tr, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || tr->oom)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (tr->len + (size_t)n + 2 > tr->cap) {
		size_t cap = (tr->cap ? tr->cap * 2 : 1024) + (size_t)n;
		char *buf = realloc(tr->buf, cap);

		if (!buf) {
			tr->oom = true;
			return;
		}
		tr->buf = buf;
		tr->cap = cap;
	}
	memcpy(tr->buf + tr->len, line, (size_t)n);
	tr->len += (size_t)n;
	tr->buf[tr->len++] = '\n';
	tr->buf[tr->len] = 0;
}

