/*
 * libFuzzer harness for cfg_parse and cfg_format.
 *
 * Any input may be rejected, but whatever is accepted must format to a
 * document that parses again and formats to the very same text: the web
 * page saves what cfg_format writes, so a config that does not survive
 * its own round trip would be lost at the next boot. Seeds live in
 * tests/corpus/cfg/.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

/* Comfortably above the largest formatted config (about 40 KB). */
#define FUZZ_FMT_MAX (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *a = malloc(sizeof(*a));
	struct cfg *b = malloc(sizeof(*b));
	char *t1 = malloc(FUZZ_FMT_MAX);
	char *t2 = malloc(FUZZ_FMT_MAX);
	char err[CFG_ERR_MAX];
	int n1;
	int n2;

	if (a == NULL || b == NULL || t1 == NULL || t2 == NULL) {
		abort();
	}
	if (cfg_parse((const char *)data, size, a, err, sizeof(err)) != 0) {
		/* The error must be one terminated line. */
		if (memchr(err, '\0', sizeof(err)) == NULL || strchr(err, '\n') != NULL) {
			abort();
		}
		goto out;
	}
	n1 = cfg_format(a, t1, FUZZ_FMT_MAX);
	if (n1 <= 0) {
		abort();
	}
	if (cfg_parse(t1, (size_t)n1, b, err, sizeof(err)) != 0) {
		abort();
	}
	n2 = cfg_format(b, t2, FUZZ_FMT_MAX);
	if (n2 != n1 || memcmp(t1, t2, (size_t)n1) != 0) {
		abort();
	}
out:
	free(a);
	free(b);
	free(t1);
	free(t2);
	return 0;
}
