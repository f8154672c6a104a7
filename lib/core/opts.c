#include <errno.h>
#include <string.h>

#include "core/internal.h"

int vf__copy_out(void *out, const void *src, size_t src_sz, const char *type)
{
	size_t sz;

	memcpy(&sz, out, sizeof(sz));
	if (sz < sizeof(size_t))
		return vf__fail(NULL, -EINVAL, "%s: sz %zu is smaller than its own field", type,
				sz);
	memcpy((char *)out + sizeof(size_t), (const char *)src + sizeof(size_t),
	       (sz < src_sz ? sz : src_sz) - sizeof(size_t));
	if (sz > src_sz)
		memset((char *)out + src_sz, 0, sz - src_sz);
	return 0;
}

int vf__opts_load(void *dst, size_t dst_sz, size_t known, const void *src,
		  const char *type)
{
	size_t sz;

	memset(dst, 0, dst_sz);
	*(size_t *)dst = dst_sz;
	if (!src)
		return 0;
	memcpy(&sz, src, sizeof(sz));
	if (sz < sizeof(size_t))
		return vf__fail(NULL, -EINVAL, "%s: sz %zu is smaller than its own field",
				type, sz);
	/* A newer caller's struct: its fields past ours must be zero. */
	for (size_t i = known; i < sz; i++)
		if (((const unsigned char *)src)[i])
			return vf__fail(
				NULL, -EINVAL,
				"%s: sz %zu with a non-zero byte at offset %zu, past "
				"the %zu bytes this library (%s) knows",
				type, sz, i, known, VF_VERSION_STRING);
	memcpy(dst, src, sz < dst_sz ? sz : dst_sz);
	*(size_t *)dst = dst_sz;
	return 0;
}
