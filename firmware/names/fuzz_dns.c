/*
 * libFuzzer entry point for the DNS answer parser and the names cache.
 *
 * The input is one DNS message, learned into a small cache straight from the
 * fuzzer's buffer (which ends exactly at the input's end, so ASan reports any
 * over-read). Then the parser's own result is checked against the cache:
 * every reported address is looked up at a few times around its TTL, and a
 * few fixed addresses are looked up too. Every name that comes back must be
 * NUL-terminated within NAM_NAME_MAX characters and already normalised
 * (nam_name_norm() returns it unchanged); anything else aborts, so the
 * fuzzer keeps it as a crash. Seeds: tests/corpus/dns/.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nam.h"

#define FUZZ_T0    UINT64_C(1000000)
#define FUZZ_ADDRS 4u /* small, so learning also evicts */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static void check_name(const char *name)
{
	char norm[NAM_NAME_MAX + 1];
	size_t len = 0;

	while (len <= NAM_NAME_MAX && name[len] != '\0') {
		len++;
	}
	check(len <= NAM_NAME_MAX);
	check(nam_name_norm(name, len, norm) == (int)len);
	check(memcmp(norm, name, len + 1) == 0);
}

static void check_addr(struct nam_cache *c, uint8_t family, const uint8_t *addr, uint64_t now)
{
	const char *names[NAM_NAMES_PER_ADDR];
	const char *best = nam_lookup(c, family, addr, now);
	size_t n = nam_names(c, family, addr, now, names, NAM_NAMES_PER_ADDR);

	check(n <= NAM_NAMES_PER_ADDR);
	check((best == NULL) == (n == 0));
	if (best != NULL) {
		check(best == names[0]);
	}
	for (size_t i = 0; i < n; i++) {
		check_name(names[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fixed[3][16] = {
		{192, 0, 2, 1},
		{198, 51, 100, 1},
		{0x20, 0x01, 0x0d, 0xb8, [15] = 1},
	};
	static struct nam_dns_result res;
	struct nam_cache *c = nam_create(FUZZ_ADDRS);
	int learned, parsed;

	check(c != NULL);
	learned = nam_learn_dns(c, data, size, FUZZ_T0);
	parsed = nam_dns_parse(data, size, &res);
	check(learned == -EBADMSG || (learned >= 0 && learned <= (int)NAM_DNS_MAX_ADDRS));
	check((learned < 0) == (parsed < 0));
	check(learned <= parsed);
	check(strlen(res.qname) <= NAM_NAME_MAX);
	for (int i = 0; i < parsed; i++) {
		const struct nam_dns_addr *a = &res.addrs[i];

		check(a->family == 4 || a->family == 6);
		check(a->addr >= data && a->addr + (a->family == 4 ? 4 : 16) <= data + size);
		check_addr(c, a->family, a->addr, FUZZ_T0);
		check_addr(c, a->family, a->addr, FUZZ_T0 + (uint64_t)NAM_TTL_MIN_S * 1000u);
		check_addr(c, a->family, a->addr, FUZZ_T0 + (uint64_t)NAM_TTL_MAX_S * 1000u);
	}
	for (size_t i = 0; i < 3; i++) {
		check_addr(c, i < 2 ? 4 : 6, fixed[i], FUZZ_T0);
	}
	nam_destroy(c);
	return 0;
}
