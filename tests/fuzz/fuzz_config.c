/*
 * Fuzz target: vfhost's configuration parser (examples/vfhost/config.c)
 * and, for what parses, the dry run that builds the model on a scratch
 * fabric (examples/vfhost/apply.c). Every input must either give an
 * error message naming the file, or a configuration whose dry run
 * succeeds or fails cleanly; a second parse of the same bytes must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CFG_ERR] = "", err2[CFG_ERR] = "", dry[CFG_ERR] = "";
	struct cfg *c = NULL, *again = NULL;
	int rc, rc2;

	rc = cfg_parse_buffer(&c, "fuzz.conf", (const char *)data, size, err,
			      sizeof(err));
	rc2 = cfg_parse_buffer(&again, "fuzz.conf", (const char *)data, size, err2,
			       sizeof(err2));
	if (rc != rc2 || (rc < 0 && strcmp(err, err2)))
		abort(); /* the parser must be deterministic */
	if (rc < 0) {
		if (c || strncmp(err, "fuzz.conf", 9) != 0)
			abort(); /* an error names the file and leaves nothing */
		return 0;
	}
	if (!c || c->ncells > CFG_CELLS_MAX || c->nports > CFG_PORTS_MAX)
		abort();
	if (model_check(c, dry, sizeof(dry)) < 0 && strncmp(dry, "fuzz.conf", 9) != 0)
		abort();
	cfg_free(c);
	cfg_free(again);
	return 0;
}
