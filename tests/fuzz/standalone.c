/*
 * Replays fuzz inputs without libFuzzer, so gcc builds run each target's
 * corpus as an ordinary test: every file named on the command line, or in
 * a directory named on it, goes through LLVMFuzzerTestOneInput once.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!fp || fseek(fp, 0, SEEK_END) < 0 || (len = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) < 0 || !(buf = malloc((size_t)len + 1)) ||
	    fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		fprintf(stderr, "cannot read %s\n", path);
		if (fp)
			fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: no such file\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) < 0)
				return 1;
			n++;
			continue;
		}
		if (!(d = opendir(argv[i])))
			return 1;
		while ((e = readdir(d))) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (replay_file(path) < 0) {
				closedir(d);
				return 1;
			}
			n++;
		}
		closedir(d);
	}
	if (!n) {
		fprintf(stderr, "no inputs replayed\n");
		return 1;
	}
	printf("replayed %d inputs\n", n);
	return 0;
}
