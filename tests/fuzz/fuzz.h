/*
 * What every fuzz target shares: libFuzzer's entry point, which
 * standalone.c calls for the replay builds, and CHECK(), an invariant
 * that aborts (a crash libFuzzer keeps and the replay test fails on).
 */
#ifndef VF_TESTS_FUZZ_H
#define VF_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

#endif
