// Compiled by tests/header/CMakeLists.txt with g++ -std=c++11 -pedantic
// -Wall -Wextra -Werror: the umbrella header must be usable from C++, with
// C linkage (VF_BEGIN_DECLS). C++11 has no designated initialisers, so
// VF_OPTS is C-only; C++ callers value-initialise and set sz.
#include <vfabric/vfabric.h>

#include <cstdio>
#include <cstring>

int main()
{
	vf_cell_opts cell = vf_cell_opts();
	cell.sz = sizeof(cell);
	cell.id = 7;
	cell.name = "blue";
	vf_port_opts port = vf_port_opts();
	port.sz = sizeof(port);
	port.flags = VF_PORT_F_ADMIN_DOWN;

	// Pointers to API functions have C linkage and the declared types.
	int (*create)(vf_cell **, vf_fabric *, const vf_cell_opts *) = vf_cell_create;
	const char *(*err)(void) = vf_last_error;
	unsigned int (*version)(void) = vf_version;

	if (cell.sz != sizeof(vf_cell_opts) || !create || !err || !version)
		return 1;
	if (version() != VF_VERSION_HEX ||
	    std::strcmp(vf_version_string(), VF_VERSION_STRING) != 0) {
		std::fprintf(stderr, "headertest (C++): headers %s, library %s\n",
			     VF_VERSION_STRING, vf_version_string());
		return 1;
	}
	std::printf("headertest (C++): vfabric %s\n", vf_version_string());
	return port.flags == VF_PORT_F_ADMIN_DOWN ? 0 : 1;
}
