/*
 * Test helper: read a recorded vector (tools/gen_stream_vectors.sh) into
 * memory. Directory from LEAKTAP_STREAMS, default build/streams.
 */
#ifndef LEAKTAP_TEST_BLOB_H
#define LEAKTAP_TEST_BLOB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct blob {
	uint8_t *b; /* n bytes, plus a NUL so text vectors can be searched */
	size_t n;
};

/* false when the file is missing or empty; the caller frees p->b. */
static inline bool blob_load(const char *name, struct blob *p)
{
	const char *dir = getenv("LEAKTAP_STREAMS");
	char path[512];
	FILE *f;
	long sz;

	(void)snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "build/streams", name);
	f = fopen(path, "rb");
	if (f == NULL) {
		return false;
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	rewind(f);
	p->n = (size_t)sz;
	p->b = malloc(p->n + 1);
	assert_non_null(p->b);
	assert_int_equal(fread(p->b, 1, p->n, f), p->n);
	fclose(f);
	p->b[p->n] = 0;
	if (p->n == 0) {
		free(p->b);
		return false;
	}
	return true;
}

#endif /* LEAKTAP_TEST_BLOB_H */
