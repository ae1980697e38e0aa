/*
 * Unit tests for remote names: the DNS parser (firmware/names/nam_dns.c) and
 * the address -> names cache (firmware/names/nam_cache.c).
 *
 * Well-formed DNS responses come from scapy through tools/gen_dns_vectors.py,
 * read from $LEAKTAP_DNS_VECTORS (default build/dns-vectors). Every message
 * is parsed from a heap copy of exactly its size, so ASan reports any read
 * past the end. The malformed cases are byte arrays here, so they do not
 * depend on scapy. Time is driven by hand through now_ms.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nam.h"

#define T0    UINT64_C(1700000000000) /* an arbitrary packet time, ms */
#define SEC   UINT64_C(1000)
#define V_MAX 4096u

struct vec {
	uint8_t *p;
	size_t len;
};

/* Load NAME.bin into a heap buffer of exactly its size; fail clearly when missing. */
static struct vec vec_load(const char *name)
{
	const char *dir = getenv("LEAKTAP_DNS_VECTORS");
	char path[512];
	uint8_t buf[V_MAX];
	struct vec v = {0};
	FILE *f;

	if (dir == NULL || dir[0] == '\0') {
		dir = "build/dns-vectors";
	}
	snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
	f = fopen(path, "rb");
	if (f == NULL) {
		fail_msg("DNS vector %s missing: run /usr/bin/python3 tools/gen_dns_vectors.py %s "
			 "(or set LEAKTAP_DNS_VECTORS)",
			 path, dir);
	}
	v.len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(v.len > 0 && v.len < sizeof(buf));
	v.p = malloc(v.len);
	assert_non_null(v.p);
	memcpy(v.p, buf, v.len);
	return v;
}

/* Parse a byte array from an exact-size heap copy. */
static int parse_exact(const uint8_t *msg, size_t len, struct nam_dns_result *res)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, msg, len);
	rc = nam_dns_parse(copy, len, res);
	free(copy);
	return rc;
}

static int learn_vec(struct nam_cache *c, const char *name, uint64_t now)
{
	struct vec v = vec_load(name);
	int rc = nam_learn_dns(c, v.p, v.len, now);

	free(v.p);
	return rc;
}

static const uint8_t *v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	static uint8_t buf[4][4];
	static unsigned n;
	uint8_t *p = buf[n++ % 4];

	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
	return p;
}

static void assert_name(struct nam_cache *c, const uint8_t *a4, uint64_t now, const char *want)
{
	const char *got = nam_lookup(c, 4, a4, now);

	if (want == NULL) {
		assert_null(got);
	} else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

/* --- DNS: what is learned -------------------------------------------------- */

static void test_dns_a(void **state)
{
	struct nam_cache *c = nam_create(16);
	struct nam_stats st;

	(void)state;
	assert_int_equal(learn_vec(c, "a", T0), 1);
	assert_name(c, v4(192, 0, 2, 1), T0, "www.example.com");
	/* TTL 300 s: live until just before T0 + 300 s. */
	assert_name(c, v4(192, 0, 2, 1), T0 + 300 * SEC - 1, "www.example.com");
	assert_name(c, v4(192, 0, 2, 1), T0 + 300 * SEC, NULL);
	assert_name(c, v4(192, 0, 2, 2), T0, NULL);
	nam_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.learned, 1);
	assert_int_equal(st.dns_parsed, 1);
	assert_int_equal(st.dns_malformed, 0);
	nam_destroy(c);
}

static void test_dns_aaaa(void **state)
{
	static const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct nam_cache *c = nam_create(16);
	const char *n;

	(void)state;
	assert_int_equal(learn_vec(c, "aaaa", T0), 1);
	n = nam_lookup(c, 6, a6, T0);
	assert_non_null(n);
	assert_string_equal(n, "v6.example.com");
	/* The same first four bytes as IPv4 are a different key. */
	assert_null(nam_lookup(c, 4, a6, T0));
	assert_null(nam_lookup(c, 6, a6, T0 + 600 * SEC));
	nam_destroy(c);
}

static void test_dns_cname_chain(void **state)
{
	struct nam_cache *c = nam_create(16);

	(void)state;
	/* www.example.com -> cdn.example.net -> A x2: both learn the query name. */
	assert_int_equal(learn_vec(c, "cname_chain", T0), 2);
	assert_name(c, v4(198, 51, 100, 1), T0, "www.example.com");
	assert_name(c, v4(198, 51, 100, 2), T0, "www.example.com");
	/* The A records' own TTL (60 s) counts, not the CNAME's (300 s). */
	assert_name(c, v4(198, 51, 100, 1), T0 + 60 * SEC, NULL);
	nam_destroy(c);
}

static void test_dns_cname_unordered(void **state)
{
	struct nam_cache *c = nam_create(16);

	(void)state;
	/* Records out of order; an A record off the chain is ignored. */
	assert_int_equal(learn_vec(c, "cname_unordered", T0), 1);
	assert_name(c, v4(198, 51, 100, 30), T0, "shop.example.org");
	assert_name(c, v4(198, 51, 100, 31), T0, NULL);
	nam_destroy(c);
}

static void test_dns_cname_loop_and_hops(void **state)
{
	struct nam_cache *c = nam_create(16);

	(void)state;
	assert_int_equal(learn_vec(c, "cname_loop", T0), 1);
	assert_name(c, v4(192, 0, 2, 50), T0, "a.loop.example");
	/* h0 -> ... -> h10: only 8 hops are followed, so h8 is the last owner reached. */
	assert_int_equal(learn_vec(c, "cname_long", T0), 1);
	assert_name(c, v4(192, 0, 2, 58), T0, "h0.example");
	assert_name(c, v4(192, 0, 2, 59), T0, NULL);
	assert_name(c, v4(192, 0, 2, 60), T0, NULL);
	nam_destroy(c);
}

static void test_dns_compressed(void **state)
{
	struct nam_cache *c = nam_create(16);

	(void)state;
	assert_int_equal(learn_vec(c, "compressed", T0), 1);
	assert_name(c, v4(203, 0, 113, 7), T0, "www.example.com");
	assert_name(c, v4(203, 0, 113, 7), T0 + 120 * SEC, NULL);
	nam_destroy(c);
}

static void test_dns_bad_pointers(void **state)
{
	struct nam_cache *c = nam_create(16);
	struct nam_stats st;

	(void)state;
	assert_int_equal(learn_vec(c, "ptr_loop", T0), -EBADMSG);
	assert_int_equal(learn_vec(c, "fwd_ptr", T0), -EBADMSG);
	nam_get_stats(c, &st);
	assert_int_equal(st.dns_malformed, 2);
	assert_int_equal(st.entries, 0);
	nam_destroy(c);
}

static void test_dns_unusable(void **state)
{
	struct nam_cache *c = nam_create(16);
	struct nam_stats st;

	(void)state;
	assert_int_equal(learn_vec(c, "nxdomain", T0), 0);
	assert_int_equal(learn_vec(c, "query", T0), 0);
	nam_get_stats(c, &st);
	assert_int_equal(st.dns_parsed, 2);
	assert_int_equal(st.dns_malformed, 0);
	assert_int_equal(st.entries, 0);
	nam_destroy(c);
}

static void test_dns_ttl_clamp(void **state)
{
	struct nam_cache *c = nam_create(16);

	(void)state;
	/* TTL 0 is raised to 30 s. */
	assert_int_equal(learn_vec(c, "ttl0", T0), 1);
	assert_name(c, v4(192, 0, 2, 20), T0 + 30 * SEC - 1, "zero.example.com");
	assert_name(c, v4(192, 0, 2, 20), T0 + 30 * SEC, NULL);
	/* 2^31 - 1 s is cut to one day. */
	assert_int_equal(learn_vec(c, "ttl_big", T0), 1);
	assert_name(c, v4(192, 0, 2, 21), T0 + 86400 * SEC - 1, "big.example.com");
	assert_name(c, v4(192, 0, 2, 21), T0 + 86400 * SEC, NULL);
	/* 0xffffffff has the top bit set: RFC 2181 reads it as 0, so 30 s. */
	assert_int_equal(learn_vec(c, "ttl_neg", T0), 1);
	assert_name(c, v4(192, 0, 2, 22), T0 + 30 * SEC - 1, "neg.example.com");
	assert_name(c, v4(192, 0, 2, 22), T0 + 30 * SEC, NULL);
	nam_destroy(c);
}

static void test_dns_long_names_and_case(void **state)
{
	struct nam_cache *c = nam_create(16);
	const char *n;

	(void)state;
	assert_int_equal(learn_vec(c, "name253", T0), 1);
	n = nam_lookup(c, 4, v4(192, 0, 2, 30), T0);
	assert_non_null(n);
	assert_int_equal(strlen(n), 253);
	assert_int_equal(n[62], 'c');
	assert_int_equal(n[63], '.');
	/* 254 characters need 256 octets on the wire: malformed. */
	assert_int_equal(learn_vec(c, "name254", T0), -EBADMSG);
	assert_name(c, v4(192, 0, 2, 31), T0, NULL);
	assert_int_equal(learn_vec(c, "upper", T0), 1);
	assert_name(c, v4(192, 0, 2, 40), T0, "www.example.com");
	/* A and AAAA of one name; TXT is skipped. */
	assert_int_equal(learn_vec(c, "mixed", T0), 2);
	assert_name(c, v4(192, 0, 2, 60), T0, "dual.example.com");
	nam_destroy(c);
}

/* Every prefix of every vector, from an exact-size heap copy: never crashes. */
static void test_dns_truncated_every_byte(void **state)
{
	static const char *const names[] = {
		"a",          "aaaa",       "cname_chain", "cname_unordered", "cname_loop",
		"cname_long", "compressed", "ptr_loop",    "fwd_ptr",         "nxdomain",
		"query",      "ttl0",       "ttl_big",     "ttl_neg",         "name253",
		"name254",    "upper",      "mixed",
	};
	struct nam_dns_result res;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct vec v = vec_load(names[i]);
		int full = parse_exact(v.p, v.len, &res);

		for (size_t len = 0; len < v.len; len++) {
			int rc = parse_exact(v.p, len, &res);

			/* A usable response cut anywhere misses part of a record. */
			if (full > 0 || len < 12) {
				assert_int_equal(rc, -EBADMSG);
			}
			assert_true(rc <= (int)NAM_DNS_MAX_ADDRS);
			assert_true(strlen(res.qname) <= NAM_NAME_MAX);
		}
		free(v.p);
	}
}

/* --- DNS: hand-made malformed and odd messages ------------------------------ */

#define HDR(an) 0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, (an), 0x00, 0x00, 0x00, 0x00
#define Q_EX    0x02, 'e', 'x', 0x00, 0x00, 0x01, 0x00, 0x01 /* "ex" IN A at offset 12 */
#define A_FIX   0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04

static void test_dns_malformed_arrays(void **state)
{
	static const uint8_t self_ptr[] = {HDR(0), 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01};
	static const uint8_t lab40[] = {HDR(0), 0x41, 'a', 0x00, 0x00, 0x01, 0x00, 0x01};
	static const uint8_t lab80[] = {HDR(0), 0x81, 'a', 0x00, 0x00, 0x01, 0x00, 0x01};
	static const uint8_t past_end[] = {HDR(0), 0x05, 'a', 'b'};
	static const uint8_t a_len5[] = {HDR(1), Q_EX, 0xc0, 0x0c, 0x00, 0x01, 0x00,
					 0x01,   0x00, 0x00, 0x00, 0x3c, 0x00, 0x05,
					 1,      2,    3,    4,    5};
	static const uint8_t half_ptr[] = {HDR(1), Q_EX, 0xc0};
	static const uint8_t extra_an[] = {HDR(2), Q_EX, 0xc0, 0x0c, A_FIX, 192, 0, 2, 1};
	static const uint8_t short_hdr[] = {0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00};
	static const uint8_t ptr_into_hdr[] = {HDR(1), Q_EX, 0xc0, 0x02, A_FIX, 192, 0, 2, 1};
	static const struct {
		const uint8_t *p;
		size_t len;
	} bad[] = {
		{self_ptr, sizeof(self_ptr)},
		{lab40, sizeof(lab40)},
		{lab80, sizeof(lab80)},
		{past_end, sizeof(past_end)},
		{a_len5, sizeof(a_len5)},
		{half_ptr, sizeof(half_ptr)},
		{extra_an, sizeof(extra_an)},
		{short_hdr, sizeof(short_hdr)},
		{NULL, 0},
		{ptr_into_hdr, sizeof(ptr_into_hdr)},
	};
	struct nam_dns_result res;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = bad[i].p == NULL ? nam_dns_parse(NULL, 0, &res)
					  : parse_exact(bad[i].p, bad[i].len, &res);

		if (rc != -EBADMSG) {
			fail_msg("case %zu: rc %d, want -EBADMSG", i, rc);
		}
	}
}

/*
 * Build: question "aaa...a" (one 60-character label), a TXT record whose
 * rdata holds four segments, each a 60-character label and a pointer to the
 * previous one, then an A record whose owner points at segment `to`. Each
 * pointer goes backwards, but the composed name grows by 61 octets a segment.
 */
static size_t build_segments(uint8_t *m, unsigned to)
{
	static const uint8_t hdr[] = {HDR(2)};
	static const uint8_t txt[] = {0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01,
				      0,    0,    0,    60,   0x00, 4 * 63};
	static const uint8_t a_fix[] = {A_FIX, 192, 0, 2, 99};
	size_t off = sizeof(hdr), seg[5];

	memcpy(m, hdr, sizeof(hdr));
	seg[0] = off;
	m[off++] = 60;
	memset(m + off, 'a', 60);
	off += 60;
	m[off++] = 0;
	memcpy(m + off, (const uint8_t[]){0x00, 0x01, 0x00, 0x01}, 4);
	off += 4;
	memcpy(m + off, txt, sizeof(txt));
	off += sizeof(txt);
	for (unsigned k = 1; k <= 4; k++) {
		seg[k] = off;
		m[off++] = 60;
		memset(m + off, (int)('a' + k), 60);
		off += 60;
		m[off++] = (uint8_t)(0xc0u | seg[k - 1] >> 8);
		m[off++] = (uint8_t)seg[k - 1];
	}
	m[off++] = (uint8_t)(0xc0u | seg[to] >> 8);
	m[off++] = (uint8_t)seg[to];
	memcpy(m + off, a_fix, sizeof(a_fix));
	return off + sizeof(a_fix);
}

static void test_dns_pointer_chain_too_long(void **state)
{
	uint8_t m[512];
	struct nam_dns_result res;

	(void)state;
	/* Segment 2: 3 labels, 185 octets: fine, and not on the chain, so nothing learned. */
	assert_int_equal(parse_exact(m, build_segments(m, 2), &res), 0);
	assert_string_equal(res.qname,
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	/* Segment 4: 5 labels, 307 octets: longer than 255, malformed. */
	assert_int_equal(parse_exact(m, build_segments(m, 4), &res), -EBADMSG);
}

static void test_dns_odd_but_wellformed(void **state)
{
	/* A '.' inside a label: valid DNS, unusable as a host name. */
	static const uint8_t dot_label[] = {HDR(1), 0x03, 'a',  '.',   'b', 0x00, 0x00, 0x01, 0x00,
					    0x01,   0xc0, 0x0c, A_FIX, 192, 0,    2,    1};
	static const uint8_t two_q[] = {0x12, 0x34, 0x81, 0x80, 0x00, 0x02, 0x00,
					0x00, 0x00, 0x00, 0x00, 0x00, Q_EX, Q_EX};
	static const uint8_t opcode[] = {0x12, 0x34, 0x89, 0x80, 0x00, 0x01, 0x00,
					 0x00, 0x00, 0x00, 0x00, 0x00, Q_EX};
	static const uint8_t root_q[] = {HDR(0), 0x00, 0x00, 0x01, 0x00, 0x01};
	static const uint8_t ip_q[] = {HDR(1), 0x01, '1',  0x01,  '2', 0x00, 0x00, 0x01, 0x00,
				       0x01,   0xc0, 0x0c, A_FIX, 192, 0,    2,    1};
	static const uint8_t ok[] = {HDR(1), Q_EX, 0xc0, 0x0c, A_FIX, 192, 0, 2, 77};
	struct nam_dns_result res;
	struct nam_cache *c = nam_create(4);

	(void)state;
	assert_int_equal(parse_exact(dot_label, sizeof(dot_label), &res), 0);
	assert_int_equal(parse_exact(two_q, sizeof(two_q), &res), 0);
	assert_int_equal(parse_exact(opcode, sizeof(opcode), &res), 0);
	assert_int_equal(parse_exact(root_q, sizeof(root_q), &res), 0);
	/* "1.2" parses (one address) but is an IP literal, so the cache refuses it. */
	assert_int_equal(parse_exact(ip_q, sizeof(ip_q), &res), 1);
	assert_int_equal(nam_learn_dns(c, ip_q, sizeof(ip_q), T0), 0);
	assert_int_equal(parse_exact(ok, sizeof(ok), &res), 1);
	assert_string_equal(res.qname, "ex");
	assert_int_equal(nam_learn_dns(c, ok, sizeof(ok), T0), 1);
	assert_name(c, v4(192, 0, 2, 77), T0, "ex");
	nam_destroy(c);
}

static void test_dns_too_long_message(void **state)
{
	size_t len = 65536;
	uint8_t *m = calloc(1, len);
	static const uint8_t ok[] = {HDR(1), Q_EX, 0xc0, 0x0c, A_FIX, 192, 0, 2, 77};
	struct nam_dns_result res;

	(void)state;
	assert_non_null(m);
	memcpy(m, ok, sizeof(ok));
	assert_int_equal(nam_dns_parse(m, len, &res), -EBADMSG);
	free(m);
}

/* --- cache ------------------------------------------------------------------ */

static void test_cache_create(void **state)
{
	struct nam_cache *c;

	(void)state;
	assert_null(nam_create(0));
	assert_null(nam_create((UINT32_C(1) << 24) + 1));
	nam_destroy(NULL);
	c = nam_create(4096);
	assert_non_null(c);
	/* Budget stated in nam.h: about 392 bytes per address, ~1.6 MB at 4096. */
	assert_true(nam_cache_mem(c) < (size_t)4096 * 400 + 4096);
	nam_destroy(c);
}

static void test_cache_names_per_addr(void **state)
{
	struct nam_cache *c = nam_create(8);
	const uint8_t *a = v4(203, 0, 113, 9);
	const char *out[8];
	struct nam_stats st;

	(void)state;
	nam_learn(c, 4, a, "one.example", NAM_SRC_SNI, T0);
	nam_learn(c, 4, a, "two.example", NAM_SRC_HTTP_HOST, T0);
	nam_learn(c, 4, a, "three.example", NAM_SRC_RTMP, T0);
	nam_learn(c, 4, a, "four.example", NAM_SRC_RTSP, T0 + 1);
	assert_int_equal(nam_names(c, 4, a, T0 + 1, out, 8), 4);
	assert_string_equal(out[0], "four.example");
	assert_string_equal(out[3], "one.example");
	/* A fifth name pushes out the least recently learned. */
	nam_learn(c, 4, a, "five.example", NAM_SRC_SNI, T0 + 2);
	assert_int_equal(nam_names(c, 4, a, T0 + 2, out, 8), 4);
	assert_string_equal(out[0], "five.example");
	assert_string_equal(out[3], "two.example");
	/* Re-learning an old name makes it the best again. */
	nam_learn(c, 4, a, "Two.Example", NAM_SRC_SNI, T0 + 3);
	assert_name(c, a, T0 + 3, "two.example");
	assert_int_equal(nam_names(c, 4, a, T0 + 3, out, 2), 2);
	assert_string_equal(out[1], "five.example");
	nam_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.replaced, 1);
	assert_int_equal(st.learned, 6);
	nam_destroy(c);
}

static void test_cache_long_names_share_arena(void **state)
{
	struct nam_cache *c = nam_create(8);
	const uint8_t *a = v4(203, 0, 113, 10);
	char n[3][128];
	const char *out[4];

	(void)state;
	for (int i = 0; i < 3; i++) {
		memset(n[i], 'a' + i, 100);
		n[i][50] = '.';
		memcpy(n[i] + 100, ".example", 9);
		nam_learn(c, 4, a, n[i], NAM_SRC_SNI, T0 + (uint64_t)i);
	}
	/* 3 x 109 bytes do not fit in the 256-byte arena: the oldest goes, never truncated. */
	assert_int_equal(nam_names(c, 4, a, T0 + 3, out, 4), 2);
	assert_string_equal(out[0], n[2]);
	assert_string_equal(out[1], n[1]);
	nam_destroy(c);
}

static void test_cache_best_name_rule(void **state)
{
	static const uint8_t msg[] = {HDR(1), Q_EX, 0xc0, 0x0c, A_FIX, 192, 0, 2, 88};
	struct nam_cache *c = nam_create(8);
	const uint8_t *a = v4(192, 0, 2, 88);

	(void)state;
	/* DNS first, then SNI: the newer SNI wins. */
	assert_int_equal(nam_learn_dns(c, msg, sizeof(msg), T0), 1);
	nam_learn(c, 4, a, "sni.example", NAM_SRC_SNI, T0 + 10);
	assert_name(c, a, T0 + 10, "sni.example");
	/* A newer DNS answer wins back, even in the same millisecond. */
	assert_int_equal(nam_learn_dns(c, msg, sizeof(msg), T0 + 10), 1);
	assert_name(c, a, T0 + 10, "ex");
	/* When the DNS name expires (60 s) the SNI name (1 h) is what is left. */
	assert_name(c, a, T0 + 10 + 60 * SEC, "sni.example");
	assert_name(c, a, T0 + 10 + 3600 * SEC, NULL);
	nam_destroy(c);
}

static void test_cache_refresh_keeps_later_expiry(void **state)
{
	static const uint8_t msg[] = {HDR(1), Q_EX, 0xc0, 0x0c, A_FIX, 192, 0, 2, 89};
	struct nam_cache *c = nam_create(8);
	const uint8_t *a = v4(192, 0, 2, 89);

	(void)state;
	nam_learn(c, 4, a, "ex", NAM_SRC_HTTP_HOST, T0);
	/* A 60 s DNS answer for the same name does not shorten the 1 h. */
	assert_int_equal(nam_learn_dns(c, msg, sizeof(msg), T0 + SEC), 1);
	assert_name(c, a, T0 + 3600 * SEC - 1, "ex");
	assert_name(c, a, T0 + 3600 * SEC, NULL);
	nam_destroy(c);
}

static void test_cache_eviction_bounded(void **state)
{
	struct nam_cache *c = nam_create(8);
	struct nam_stats st;
	char name[32];

	(void)state;
	for (uint8_t i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "host%u.example", (unsigned)i);
		nam_learn(c, 4, v4(10, 0, 0, i), name, NAM_SRC_SNI, T0 + i);
	}
	nam_get_stats(c, &st);
	assert_int_equal(st.entries, 8);
	assert_int_equal(st.evicted, 92);
	assert_int_equal(st.expired, 0);
	/* The most recently learned survive, the oldest were pushed out. */
	assert_name(c, v4(10, 0, 0, 99), T0 + 100, "host99.example");
	assert_name(c, v4(10, 0, 0, 92), T0 + 100, "host92.example");
	assert_name(c, v4(10, 0, 0, 91), T0 + 100, NULL);
	assert_name(c, v4(10, 0, 0, 0), T0 + 100, NULL);
	nam_destroy(c);
}

static void test_cache_eviction_prefers_expired(void **state)
{
	static const uint8_t msg[] = {HDR(1), Q_EX, 0xc0, 0x0c, A_FIX, 192, 0, 2, 90};
	struct nam_cache *c = nam_create(4);
	struct nam_stats st;

	(void)state;
	/* Oldest entry lives 1 h; the second oldest (DNS, 60 s) expires first. */
	nam_learn(c, 4, v4(10, 0, 1, 1), "long.example", NAM_SRC_SNI, T0);
	assert_int_equal(nam_learn_dns(c, msg, sizeof(msg), T0 + 1), 1);
	nam_learn(c, 4, v4(10, 0, 1, 3), "c.example", NAM_SRC_SNI, T0 + 2);
	nam_learn(c, 4, v4(10, 0, 1, 4), "d.example", NAM_SRC_SNI, T0 + 3);
	/* Two minutes later the table is full: the expired DNS entry makes room. */
	nam_learn(c, 4, v4(10, 0, 1, 5), "e.example", NAM_SRC_SNI, T0 + 120 * SEC);
	nam_get_stats(c, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.expired, 1);
	assert_name(c, v4(10, 0, 1, 1), T0 + 120 * SEC, "long.example");
	assert_name(c, v4(10, 0, 1, 5), T0 + 120 * SEC, "e.example");
	/* With nothing expired, the entry whose names expire soonest goes. */
	nam_learn(c, 4, v4(10, 0, 1, 6), "f.example", NAM_SRC_SNI, T0 + 121 * SEC);
	nam_get_stats(c, &st);
	assert_int_equal(st.evicted, 1);
	assert_name(c, v4(10, 0, 1, 1), T0 + 121 * SEC, NULL);
	assert_name(c, v4(10, 0, 1, 3), T0 + 121 * SEC, "c.example");
	nam_destroy(c);
}

static void test_cache_tidy_expired(void **state)
{
	struct nam_cache *c = nam_create(64);
	struct nam_stats st;

	(void)state;
	nam_learn(c, 4, v4(10, 0, 2, 1), "old1.example", NAM_SRC_SNI, T0);
	nam_learn(c, 4, v4(10, 0, 2, 2), "old2.example", NAM_SRC_SNI, T0);
	/* Learning after the TTL frees expired entries at the LRU tail. */
	nam_learn(c, 4, v4(10, 0, 2, 3), "new.example", NAM_SRC_SNI, T0 + 3600 * SEC);
	nam_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.expired, 2);
	assert_int_equal(st.evicted, 0);
	nam_destroy(c);
}

static void test_cache_learn_validation(void **state)
{
	static const struct {
		const char *in;
		const char *want; /* NULL: ignored */
	} t[] = {
		{"Upload.Example.NET.", "upload.example.net"},
		{"example.com:8080", "example.com"},
		{"_svc.my-host.example", "_svc.my-host.example"},
		{"localhost", "localhost"},
		{"example.com:", NULL},
		{"example.com:123456", NULL},
		{"example.com:80a", NULL},
		{"192.0.2.1", NULL},
		{"192.0.2.1:443", NULL},
		{"10", NULL},
		{"0x7f.1", NULL},
		{"host.0x7f", NULL},
		{"[2001:db8::1]", NULL},
		{"2001:db8::1", NULL},
		{"", NULL},
		{".", NULL},
		{"a..b", NULL},
		{".example.com", NULL},
		{"bad name.example", NULL},
		{"bad/name.example", NULL},
		{"*.example.com", NULL},
		{"caf\xc3\xa9.example", NULL},
	};
	struct nam_cache *c = nam_create(64);

	(void)state;
	for (uint8_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const uint8_t *a = v4(10, 9, 0, i);

		nam_learn(c, 4, a, t[i].in, NAM_SRC_HTTP_HOST, T0);
		if (t[i].want == NULL && nam_lookup(c, 4, a, T0) != NULL) {
			fail_msg("\"%s\" was learned as \"%s\"", t[i].in, nam_lookup(c, 4, a, T0));
		}
		if (t[i].want != NULL) {
			assert_name(c, a, T0, t[i].want);
		}
	}
	nam_destroy(c);
}

static void test_cache_learn_limits(void **state)
{
	struct nam_cache *c = nam_create(8);
	const uint8_t *a = v4(10, 8, 0, 1);
	char name[300];
	struct nam_fact f = {.family = 4, .src = NAM_SRC_SNI, .addr = a, .ttl_s = 0};

	(void)state;
	/* A 64-character label is invalid; 63 is fine. */
	memset(name, 'x', 64);
	memcpy(name + 64, ".example", 9);
	nam_learn(c, 4, a, name, NAM_SRC_SNI, T0);
	assert_name(c, a, T0, NULL);
	nam_learn(c, 4, a, name + 1, NAM_SRC_SNI, T0);
	assert_name(c, a, T0, name + 1);
	/* 253 characters is the longest name; 254 is refused, as is 299. */
	memset(name, 'y', sizeof(name));
	for (size_t i = 50; i < sizeof(name); i += 51) {
		name[i] = '.';
	}
	name[253] = '\0';
	nam_learn(c, 4, v4(10, 8, 0, 2), name, NAM_SRC_SNI, T0);
	assert_name(c, v4(10, 8, 0, 2), T0, name);
	name[253] = 'y';
	name[254] = '\0';
	nam_learn(c, 4, v4(10, 8, 0, 3), name, NAM_SRC_SNI, T0);
	assert_name(c, v4(10, 8, 0, 3), T0, NULL);
	name[254] = 'y';
	name[299] = '\0';
	nam_learn(c, 4, v4(10, 8, 0, 4), name, NAM_SRC_SNI, T0);
	assert_name(c, v4(10, 8, 0, 4), T0, NULL);
	/* Bad arguments are ignored or refused. */
	nam_learn(c, 5, a, "x.example", NAM_SRC_SNI, T0);
	nam_learn(c, 4, NULL, "x.example", NAM_SRC_SNI, T0);
	nam_learn(c, 4, a, NULL, NAM_SRC_SNI, T0);
	nam_learn(c, 4, a, "x.example", NAM_SRC_COUNT, T0);
	assert_int_equal(nam_learn_fact(c, NULL, T0), -EINVAL);
	assert_int_equal(nam_learn_fact(c, &f, T0), -EINVAL);
	f.name = "fact.example";
	f.family = 7;
	assert_int_equal(nam_learn_fact(c, &f, T0), -EINVAL);
	f.family = 4;
	assert_int_equal(nam_learn_fact(c, &f, T0), 0);
	/* ttl 0 is raised to the 30 s minimum. */
	assert_name(c, a, T0 + 30 * SEC - 1, "fact.example");
	assert_null(nam_lookup(c, 9, a, T0));
	assert_null(nam_lookup(c, 4, NULL, T0));
	nam_destroy(c);
}

static void test_match_table(void **state)
{
	static const struct {
		const char *name, *suffix;
		bool suffix_match, wildcard_match;
	} t[] = {
		{"example.com", "example.com", true, false},
		{"www.example.com", "example.com", true, true},
		{"a.b.example.com", "example.com", true, true},
		{"WWW.Example.COM", "example.com", true, true},
		{"www.example.com", "EXAMPLE.com", true, true},
		{"www.example.com.", "example.com", true, true},
		{"www.example.com", "example.com.", true, true},
		{"badexample.com", "example.com", false, false},
		{"example.com.evil", "example.com", false, false},
		{"com", "example.com", false, false},
		{"example.org", "example.com", false, false},
		{".example.com", "example.com", false, false},
		{"a..example.com", "example.com", false, false},
		{"www.example.com", "", false, false},
		{"", "example.com", false, false},
		{"", "", false, false},
		{"x.com", "com", true, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (nam_match_suffix(t[i].name, t[i].suffix) != t[i].suffix_match ||
		    nam_match_wildcard(t[i].name, t[i].suffix) != t[i].wildcard_match) {
			fail_msg("case %zu: \"%s\" vs \"%s\"", i, t[i].name, t[i].suffix);
		}
	}
	assert_false(nam_match_suffix(NULL, "example.com"));
	assert_false(nam_match_wildcard("example.com", NULL));
}

/* Random learning over a tiny cache: every returned name is valid and live. */
static void test_cache_random(void **state)
{
	struct nam_cache *c = nam_create(16);
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15), now = T0;
	char name[40], norm[NAM_NAME_MAX + 1];
	const char *out[NAM_NAMES_PER_ADDR];
	struct nam_stats st;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		const uint8_t *a;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a = v4(10, 0, (uint8_t)(x >> 8 & 3), (uint8_t)(x & 15));
		now += x >> 40 & 0xfff;
		if ((x >> 20 & 3) != 0) {
			snprintf(name, sizeof(name), "n%u.example", (unsigned)(x >> 24 & 31));
			nam_learn(c, 4, a, name, (enum nam_source)(x >> 30 & 3), now);
			continue;
		}
		size_t n = nam_names(c, 4, a, now, out, NAM_NAMES_PER_ADDR);
		for (size_t k = 0; k < n; k++) {
			assert_true(nam_name_norm(out[k], strlen(out[k]), norm) > 0);
			assert_string_equal(norm, out[k]);
		}
	}
	nam_get_stats(c, &st);
	assert_true(st.entries <= 16);
	nam_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns_a),
		cmocka_unit_test(test_dns_aaaa),
		cmocka_unit_test(test_dns_cname_chain),
		cmocka_unit_test(test_dns_cname_unordered),
		cmocka_unit_test(test_dns_cname_loop_and_hops),
		cmocka_unit_test(test_dns_compressed),
		cmocka_unit_test(test_dns_bad_pointers),
		cmocka_unit_test(test_dns_unusable),
		cmocka_unit_test(test_dns_ttl_clamp),
		cmocka_unit_test(test_dns_long_names_and_case),
		cmocka_unit_test(test_dns_truncated_every_byte),
		cmocka_unit_test(test_dns_malformed_arrays),
		cmocka_unit_test(test_dns_pointer_chain_too_long),
		cmocka_unit_test(test_dns_odd_but_wellformed),
		cmocka_unit_test(test_dns_too_long_message),
		cmocka_unit_test(test_cache_create),
		cmocka_unit_test(test_cache_names_per_addr),
		cmocka_unit_test(test_cache_long_names_share_arena),
		cmocka_unit_test(test_cache_best_name_rule),
		cmocka_unit_test(test_cache_refresh_keeps_later_expiry),
		cmocka_unit_test(test_cache_eviction_bounded),
		cmocka_unit_test(test_cache_eviction_prefers_expired),
		cmocka_unit_test(test_cache_tidy_expired),
		cmocka_unit_test(test_cache_learn_validation),
		cmocka_unit_test(test_cache_learn_limits),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_cache_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
