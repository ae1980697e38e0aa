/*
 * Unit tests for the embedded web page (build/gen/web_assets.c, generated
 * by tools/embed from firmware/web/ and implementing firmware/include/web.h).
 *
 * Every asset is inflated with zlib from a heap copy of exactly gz_len
 * bytes (so ASan catches a length that overstates the array) and checked
 * against its own gzip footer and raw_len, and its ETag against the SHA-256
 * of the inflated bytes. The page's own rules are checked on the inflated
 * text: every file the page links is embedded, and nothing
 * breaks the Content-Security-Policy "default-src 'self'" (no inline script
 * or style, no event-handler attributes, no external URL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <mbedtls/sha256.h>
#include <zlib.h>

#include "web.h"

#define GZ_HDR   10u /* fixed gzip header: magic, method, flags, mtime, xfl, os */
#define GZ_TAIL  8u  /* CRC-32 and ISIZE, little-endian */
#define RAW_MAX  (1024u * 1024u)
#define ETAG_HEX 16u

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Inflate one asset into a fresh heap buffer (NUL-terminated); fails the test on any error. */
static char *inflate_asset(const struct web_asset *w)
{
	uint8_t *in = malloc(w->gz_len);
	char *out = malloc(w->raw_len + 1);
	z_stream z;

	assert_non_null(in);
	assert_non_null(out);
	memcpy(in, w->gz, w->gz_len);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK); /* 16: gzip wrapper */
	z.next_in = in;
	z.avail_in = (uInt)w->gz_len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)w->raw_len;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END); /* also checks CRC and ISIZE */
	assert_int_equal(z.total_out, w->raw_len);
	assert_int_equal(z.avail_in, 0); /* no trailing garbage after the member */
	inflateEnd(&z);
	out[w->raw_len] = '\0';
	free(in);
	return out;
}

static void check_gzip_frame(const struct web_asset *w, const char *raw)
{
	const uint8_t *t;
	uLong crc;

	assert_true(w->gz_len > GZ_HDR + GZ_TAIL);
	assert_int_equal(w->gz[0], 0x1f);
	assert_int_equal(w->gz[1], 0x8b);
	assert_int_equal(w->gz[2], 8);        /* deflate */
	assert_int_equal(w->gz[3], 0);        /* no name, comment or extra: nothing host-specific */
	assert_int_equal(le32(w->gz + 4), 0); /* mtime 0: reproducible builds */
	t = w->gz + w->gz_len - GZ_TAIL;
	crc = crc32(0L, (const Bytef *)raw, (uInt)w->raw_len);
	assert_int_equal(le32(t), (uint32_t)crc);
	assert_int_equal(le32(t + 4), (uint32_t)w->raw_len);
}

/* The ETag is the quoted first 16 hex digits of the raw content's SHA-256. */
static void check_etag(const char *etag, const char *raw, size_t raw_len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char sum[32];
	char want[ETAG_HEX + 3];
	size_t i;

	assert_int_equal(mbedtls_sha256_ret((const unsigned char *)raw, raw_len, sum, 0), 0);
	want[0] = '"';
	for (i = 0; i < ETAG_HEX / 2; i++) {
		want[1 + 2 * i] = hex[sum[i] >> 4];
		want[2 + 2 * i] = hex[sum[i] & 0xf];
	}
	want[ETAG_HEX + 1] = '"';
	want[ETAG_HEX + 2] = '\0';

	assert_non_null(etag);
	assert_int_equal(strlen(etag), ETAG_HEX + 2);
	assert_int_equal(etag[0], '"');
	assert_int_equal(etag[ETAG_HEX + 1], '"');
	assert_string_equal(etag, want);
}

static void test_all_assets_valid(void **state)
{
	size_t n = 0, i, j;
	const struct web_asset *all = web_all(&n);

	(void)state;
	assert_non_null(all);
	assert_true(n >= 3); /* page, script, style */
	for (i = 0; i < n; i++) {
		char *raw;

		assert_non_null(all[i].path);
		assert_int_equal(all[i].path[0], '/');
		assert_true(all[i].raw_len > 0 && all[i].raw_len <= RAW_MAX);
		assert_non_null(all[i].content_type);
		assert_true(strlen(all[i].content_type) > 0);
		assert_ptr_equal(web_find(all[i].path), &all[i]);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(all[i].path, all[j].path);
			assert_string_not_equal(all[i].etag, all[j].etag);
		}
		raw = inflate_asset(&all[i]);
		check_gzip_frame(&all[i], raw);
		check_etag(all[i].etag, raw, all[i].raw_len);
		free(raw);
	}
}

static void test_page_paths(void **state)
{
	const struct web_asset *idx = web_find("/");

	(void)state;
	assert_non_null(idx);
	assert_string_equal(idx->content_type, "text/html; charset=utf-8");
	assert_ptr_equal(web_find("/index.html"), idx);
	assert_non_null(web_find("/app.js"));
	assert_string_equal(web_find("/app.js")->content_type, "text/javascript; charset=utf-8");
	assert_non_null(web_find("/style.css"));
	assert_string_equal(web_find("/style.css")->content_type, "text/css; charset=utf-8");
	assert_null(web_find("/nope.js"));
	assert_null(web_find(""));
	assert_null(web_find(NULL));
	assert_null(web_find("app.js"));      /* paths are absolute */
	assert_null(web_find("/app.js?v=1")); /* the query is the server's to strip */
	assert_null(web_find("/APP.JS"));
	assert_null(web_find("//"));
	assert_null(web_find("/api/status"));
}

/* Every other src="..." / href="..." of the page must be an embedded asset. */
static void check_links(const char *html)
{
	static const char *const attrs[] = {"src=\"", "href=\""};
	size_t a;

	for (a = 0; a < sizeof(attrs) / sizeof(attrs[0]); a++) {
		const char *p = html;

		while ((p = strstr(p, attrs[a])) != NULL) {
			char path[128];
			const char *q;
			size_t len;

			p += strlen(attrs[a]);
			q = strchr(p, '"');
			assert_non_null(q);
			len = (size_t)(q - p);
			/* In-page anchors and API downloads (exports, backup) are not assets. */
			if ((len > 0 && p[0] == '#') || (len > 5 && strncmp(p, "/api/", 5) == 0)) {
				p = q;
				continue;
			}
			assert_true(len > 0 && len < sizeof(path));
			memcpy(path, p, len);
			path[len] = '\0';
			if (web_find(path) == NULL) {
				fail_msg("index.html links %s, which is not embedded", path);
			}
			p = q;
		}
	}
}

/* What CSP default-src 'self' would block, or what would fetch from outside. */
static void check_csp_clean(const char *path, const char *text)
{
	static const char *const banned[] = {
		"<script>",   "<style",      " style=\"", " onclick=",    " onload=", " onsubmit=",
		" onchange=", "javascript:", "eval(",     "new Function", "@import",  "@font-face"};
	const char *p = text;
	size_t i;

	for (i = 0; i < sizeof(banned) / sizeof(banned[0]); i++) {
		if (strstr(text, banned[i]) != NULL) {
			fail_msg("%s contains %s", path, banned[i]);
		}
	}
	/* The only absolute URL allowed is the SVG namespace name, which is never fetched. */
	while ((p = strstr(p, "://")) != NULL) {
		if (p - text < 5 || strncmp(p - 4, "http://www.w3.org/2000/svg", 26) != 0) {
			fail_msg("%s contains an absolute URL near \"%.40s\"", path, p - 5);
		}
		p += 3;
	}
}

static void test_page_rules(void **state)
{
	size_t n = 0, i;
	const struct web_asset *all = web_all(&n);
	char *html = inflate_asset(web_find("/"));

	(void)state;
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "name=\"viewport\"")); /* phone-width layout */
	check_links(html);
	free(html);
	for (i = 0; i < n; i++) {
		char *raw;

		if (strncmp(all[i].content_type, "text/", 5) != 0 &&
		    strcmp(all[i].content_type, "image/svg+xml") != 0) {
			continue;
		}
		raw = inflate_asset(&all[i]);
		check_csp_clean(all[i].path, raw);
		free(raw);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_assets_valid),
		cmocka_unit_test(test_page_paths),
		cmocka_unit_test(test_page_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
