/*
 * libFuzzer harness for pol_quarantines_load and pol_quarantines_json: the
 * quarantine document is read back from storage at every start, so a torn
 * or tampered quarantine.json must be refused or restored, never crash.
 *
 * Whatever is accepted must export to a document that loads again into
 * the very same export: a restart must not change the quarantines it
 * restores. Seeds live in tests/corpus/quar/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "pol.h"

#define FUZZ_NOW_MS 1000000u
#define FUZZ_DOC    (64u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pol *mk(const struct cfg *c)
{
	struct pol_params pp = {.cfg = c, .max_pairs = 64, .max_evidence = 4, .max_dest = 4};
	struct pol *p = pol_create(&pp);
	if (p == NULL) {
		abort();
	}
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cfg c;
	static char d1[FUZZ_DOC], d2[FUZZ_DOC];
	cfg_default(&c);
	c.mode = CFG_MODE_BLOCK;
	struct pol *a = mk(&c);
	int n = pol_quarantines_load(a, (const char *)data, size, FUZZ_NOW_MS);
	if (n >= 0) {
		int l1 = pol_quarantines_json(a, FUZZ_NOW_MS, d1, sizeof(d1));
		struct pol *b = mk(&c);
		int m = l1 > 0 ? pol_quarantines_load(b, d1, (size_t)l1, FUZZ_NOW_MS) : -1;
		int l2 = pol_quarantines_json(b, FUZZ_NOW_MS, d2, sizeof(d2));
		if (l1 <= 0 || m < 0 || m > n || l1 != l2 || memcmp(d1, d2, (size_t)l1) != 0) {
			abort();
		}
		pol_destroy(b);
	}
	pol_destroy(a);
	return 0;
}
