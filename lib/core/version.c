#include "core/internal.h"

unsigned int vf_version(void)
{
	return VF_VERSION_HEX;
}

const char *vf_version_string(void)
{
	return VF_VERSION_STRING;
}
