/*
 * http_rx / http_resp: the web server's request reader. Valid requests
 * (GET/PUT/POST, Content-Length and chunked bodies, cookies, CSRF header,
 * gzip) come out as http.h says; every malformed or oversized request
 * gets its status (400/413/431/501/505); the result does not depend on
 * how the bytes are split; pipelined requests are read one at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

struct rxbox {
	struct http_rx *rx;
	void *mem;
};

static struct http_rx *new_rx(void **mem)
{
	*mem = malloc(http_rx_size());
	assert_non_null(*mem);
	struct http_peer peer = {.family = 4, .addr = {192, 0, 2, 9}, .port = 4242, .tls = true};
	struct http_rx *rx = http_rx_init(*mem, &peer);
	assert_non_null(rx);
	return rx;
}

/* Feed s in pieces of at most piece bytes; returns the status, *used the bytes consumed. */
static int feed_pieces(struct http_rx *rx, const char *s, size_t len, size_t piece, size_t *used)
{
	size_t off = 0;
	int st = 0;
	while (off < len && st == 0) {
		size_t n = len - off < piece ? len - off : piece;
		size_t got = http_rx_feed(rx, (const uint8_t *)s + off, n, &st);
		assert_true(got <= n);
		if (st == 0) {
			assert_int_equal(got, n); /* an incomplete request takes everything */
		}
		off += got;
	}
	if (used != NULL) {
		*used = off;
	}
	return st;
}

static int parse_status(const char *s)
{
	void *mem;
	struct http_rx *rx = new_rx(&mem);
	int st = feed_pieces(rx, s, strlen(s), strlen(s) + 1, NULL);
	free(mem);
	return st;
}

static void test_get_headers(void **state)
{
	(void)state;
	const char *s = "GET /api/status%20x?since=5&x=%41 HTTP/1.1\r\n"
			"Host: leaktap.local\r\n"
			"User-Agent: test\r\n"
			"Cookie: theme=dark; lt_session=abc123DEF; other=1\r\n"
			"X-CSRF-Token: tok-456\r\n"
			"Accept-Encoding: deflate, GZIP;q=0.8\r\n"
			"\r\n";
	void *mem;
	struct http_rx *rx = new_rx(&mem);
	int st;
	size_t used = http_rx_feed(rx, (const uint8_t *)s, strlen(s), &st);
	assert_int_equal(st, 200);
	assert_int_equal(used, strlen(s));
	const struct http_req *rq = http_rx_req(rx);
	assert_int_equal(rq->method, HTTP_M_GET);
	assert_string_equal(rq->path, "/api/status x");
	assert_string_equal(rq->query, "since=5&x=%41");
	assert_string_equal(rq->host, "leaktap.local");
	assert_string_equal(rq->session, "abc123DEF");
	assert_string_equal(rq->csrf, "tok-456");
	assert_true(rq->accept_gzip);
	assert_true(rq->keep_alive);
	assert_int_equal(rq->body_len, 0);
	assert_int_equal(rq->peer.port, 4242);
	assert_true(rq->peer.tls);
	/* Feeding more without a reset changes nothing. */
	assert_int_equal(http_rx_feed(rx, (const uint8_t *)s, strlen(s), &st), 0);
	assert_int_equal(st, 200);
	free(mem);
}

static void test_header_variants(void **state)
{
	(void)state;
	const char *s = "HEAD /x HTTP/1.0\r\n"
			"Accept-Encoding: gzip;q=0, br\r\n"
			"Cookie: lt_session_old=zzz; lt_session=\"q1\"\r\n"
			"X-Csrf-Token:\r\n"
			"Content-Type: application/json; charset=utf-8\r\n"
			"\r\n";
	void *mem;
	struct http_rx *rx = new_rx(&mem);
	assert_int_equal(feed_pieces(rx, s, strlen(s), 1000, NULL), 200);
	const struct http_req *rq = http_rx_req(rx);
	assert_int_equal(rq->method, HTTP_M_HEAD);
	assert_false(rq->accept_gzip);
	assert_false(rq->keep_alive); /* HTTP/1.0 without keep-alive */
	assert_string_equal(rq->session, "q1");
	assert_string_equal(rq->csrf, "");
	assert_string_equal(rq->host, "");
	assert_string_equal(rq->content_type, "application/json");
	free(mem);

	rx = new_rx(&mem);
	s = "DELETE http://leaktap/api/x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	assert_int_equal(feed_pieces(rx, s, strlen(s), 7, NULL), 200);
	rq = http_rx_req(rx);
	assert_int_equal(rq->method, HTTP_M_DELETE);
	assert_string_equal(rq->path, "/api/x");
	assert_string_equal(rq->query, "y=1");
	assert_false(rq->keep_alive);
	free(mem);

	rx = new_rx(&mem);
	s = "OPTIONS /a HTTP/1.1\r\nHost: a\r\n\r\n";
	assert_int_equal(feed_pieces(rx, s, strlen(s), 100, NULL), 200);
	assert_int_equal(http_rx_req(rx)->method, HTTP_M_OTHER);
	free(mem);
}

static void test_put_post_bodies(void **state)
{
	(void)state;
	const char *put = "PUT /api/config HTTP/1.1\r\nHost: h\r\n"
			  "Content-Type: application/json\r\nContent-Length: 11\r\n\r\n"
			  "{\"mode\":1}\n";
	void *mem;
	struct http_rx *rx = new_rx(&mem);
	assert_int_equal(feed_pieces(rx, put, strlen(put), 5, NULL), 200);
	const struct http_req *rq = http_rx_req(rx);
	assert_int_equal(rq->method, HTTP_M_PUT);
	assert_int_equal(rq->body_len, 11);
	assert_memory_equal(rq->body, "{\"mode\":1}\n", 11);
	free(mem);

	const char *post = "POST /api/login HTTP/1.1\r\nHost: h\r\n"
			   "Transfer-Encoding: chunked\r\n\r\n"
			   "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
	rx = new_rx(&mem);
	assert_int_equal(feed_pieces(rx, post, strlen(post), 3, NULL), 200);
	rq = http_rx_req(rx);
	assert_int_equal(rq->method, HTTP_M_POST);
	assert_int_equal(rq->body_len, 11);
	assert_memory_equal(rq->body, "hello world", 11);

	/* A body of exactly HTTP_BODY_MAX is accepted. */
	http_rx_reset(rx);
	char head[128];
	snprintf(head, sizeof(head), "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: %u\r\n\r\n",
		 (unsigned)HTTP_BODY_MAX);
	size_t hl = strlen(head);
	char *big = malloc(hl + HTTP_BODY_MAX);
	assert_non_null(big);
	memcpy(big, head, hl);
	memset(big + hl, 'b', HTTP_BODY_MAX);
	assert_int_equal(feed_pieces(rx, big, hl + HTTP_BODY_MAX, 1400, NULL), 200);
	assert_int_equal(http_rx_req(rx)->body_len, HTTP_BODY_MAX);
	free(big);
	free(mem);
}

static void test_malformed_400(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"GARBAGE\r\n\r\n",
		"GET\r\n\r\n",
		"GET /a HTTP/1.1\r\nNoColonHere\r\n\r\n",
		"GET /a HTTP/1.1\r\n\r\n", /* HTTP/1.1 without Host */
		"GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a%4 HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a/%2e%2e/b HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a/..%2Fb HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a/.. HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET a/b HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET http://nopath?x HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\nHost: i\r\n\r\n",
		"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
		"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n",
		"POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n",
		"GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: h\r\nContent-Type: "
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = parse_status(bad[i]);
		if (st != 400) {
			print_error("case %zu: status %d\n", i, st);
		}
		assert_int_equal(st, 400);
	}
}

static void test_limits(void **state)
{
	(void)state;
	/* Headers beyond HTTP_HEAD_MAX: 431, exactly at the limit. */
	size_t n = HTTP_HEAD_MAX + 100;
	char *s = malloc(n + 1);
	assert_non_null(s);
	const char *start = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
	memcpy(s, start, strlen(start));
	memset(s + strlen(start), 'p', n - strlen(start));
	s[n] = '\0';
	void *mem;
	struct http_rx *rx = new_rx(&mem);
	size_t used;
	assert_int_equal(feed_pieces(rx, s, n, 333, &used), 431);
	assert_true(used <= HTTP_HEAD_MAX);
	free(mem);
	free(s);

	/* A path that does not fit once decoded, a query that does not fit: 431. */
	char req[4096];
	char pad[1100];
	memset(pad, 'a', sizeof(pad) - 1);
	pad[HTTP_PATH_MAX] = '\0';
	snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: h\r\n\r\n", pad);
	assert_int_equal(parse_status(req), 431);
	memset(pad, 'a', sizeof(pad) - 1);
	pad[HTTP_QUERY_MAX] = '\0';
	snprintf(req, sizeof(req), "GET /?%s HTTP/1.1\r\nHost: h\r\n\r\n", pad);
	assert_int_equal(parse_status(req), 431);
	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(req, sizeof(req), "GET /%s%s HTTP/1.1\r\nHost: h\r\n\r\n", pad, pad);
	assert_int_equal(parse_status(req), 431);

	/* A Cookie header beyond what we keep: 431. */
	s = malloc(6000);
	assert_non_null(s);
	memset(s, 'c', 6000);
	memcpy(s, "GET / HTTP/1.1\r\nHost: h\r\nCookie: ", 33);
	memcpy(s + 5000, "\r\n\r\n", 5);
	assert_int_equal(parse_status(s), 431);
	free(s);

	/* Bodies: announced too large, or chunked past the limit: 413. */
	snprintf(req, sizeof(req), "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: %u\r\n\r\n",
		 (unsigned)HTTP_BODY_MAX + 1);
	assert_int_equal(parse_status(req), 413);
	rx = new_rx(&mem);
	const char *ch = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
	int st = 0;
	assert_int_equal(http_rx_feed(rx, (const uint8_t *)ch, strlen(ch), &st), strlen(ch));
	assert_int_equal(st, 0);
	char chunk[4096 + 16];
	int hl = snprintf(chunk, sizeof(chunk), "1000\r\n");
	memset(chunk + hl, 'x', 4096);
	memcpy(chunk + hl + 4096, "\r\n", 2);
	size_t clen = (size_t)hl + 4096 + 2;
	for (int i = 0; i < 40 && st == 0; i++) {
		http_rx_feed(rx, (const uint8_t *)chunk, clen, &st);
	}
	assert_int_equal(st, 413);
	free(mem);

	/* Unsupported transfer codings: 501; versions other than 1.x: 505. */
	assert_int_equal(
		parse_status("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"), 501);
	assert_int_equal(parse_status("POST / HTTP/1.1\r\nHost: h\r\n"
				      "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
			 501);
	assert_int_equal(parse_status("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505);
	assert_int_equal(parse_status("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), 505);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 200);
}

/* Compare the parts of two requests that the reader fills. */
static void assert_same_req(const struct http_req *a, const struct http_req *b)
{
	assert_int_equal(a->method, b->method);
	assert_string_equal(a->path, b->path);
	assert_string_equal(a->query, b->query);
	assert_string_equal(a->host, b->host);
	assert_string_equal(a->content_type, b->content_type);
	assert_string_equal(a->session, b->session);
	assert_string_equal(a->csrf, b->csrf);
	assert_int_equal(a->accept_gzip, b->accept_gzip);
	assert_int_equal(a->keep_alive, b->keep_alive);
	assert_int_equal(a->body_len, b->body_len);
	assert_memory_equal(a->body, b->body, a->body_len);
}

static void check_every_split(const char *s, int want)
{
	size_t len = strlen(s);
	void *mem_a;
	void *mem_b;
	struct http_rx *whole = new_rx(&mem_a);
	struct http_rx *split = new_rx(&mem_b);
	assert_int_equal(feed_pieces(whole, s, len, len, NULL), want);
	for (size_t cut = 0; cut <= len; cut++) {
		http_rx_reset(split);
		int st = 0;
		size_t got = http_rx_feed(split, (const uint8_t *)s, cut, &st);
		if (st == 0) {
			got += http_rx_feed(split, (const uint8_t *)s + cut, len - cut, &st);
		}
		assert_int_equal(st, want);
		if (want == 200) {
			assert_int_equal(got, len);
			assert_same_req(http_rx_req(whole), http_rx_req(split));
		}
	}
	/* And one byte at a time. */
	http_rx_reset(split);
	assert_int_equal(feed_pieces(split, s, len, 1, NULL), want);
	if (want == 200) {
		assert_same_req(http_rx_req(whole), http_rx_req(split));
	}
	free(mem_a);
	free(mem_b);
}

static void test_split_every_byte(void **state)
{
	(void)state;
	check_every_split("POST /api/x%2Fy?q=1 HTTP/1.1\r\nHost: leaktap\r\n"
			  "Cookie: a=b; lt_session=S355ION\r\nX-CSRF-Token: C5RF\r\n"
			  "Accept-Encoding: gzip\r\nContent-Type: application/json\r\n"
			  "Transfer-Encoding: chunked\r\n\r\n"
			  "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n",
			  200);
	check_every_split("PUT /cfg HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nBODY", 200);
	check_every_split("GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	check_every_split("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: x\r\n\r\n", 501);
}

static void test_pipelined(void **state)
{
	(void)state;
	const char *s = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
			"PUT /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz"
			"GET /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
	const char *paths[] = {"/one", "/two", "/three"};
	void *mem;
	struct http_rx *rx = new_rx(&mem);
	size_t off = 0;
	size_t len = strlen(s);
	for (int i = 0; i < 3; i++) {
		int st;
		size_t got = http_rx_feed(rx, (const uint8_t *)s + off, len - off, &st);
		assert_int_equal(st, 200);
		assert_string_equal(http_rx_req(rx)->path, paths[i]);
		assert_int_equal(http_rx_req(rx)->keep_alive, i < 2);
		off += got;
		if (i == 1) {
			assert_int_equal(http_rx_req(rx)->body_len, 3);
		}
		http_rx_reset(rx);
		/* The peer survives a reset. */
		assert_int_equal(http_rx_req(rx)->peer.port, 4242);
	}
	assert_int_equal(off, len);
	free(mem);
}

static void test_resp_helpers(void **state)
{
	(void)state;
	struct http_resp r;
	char buf[64];
	memset(&r, 0, sizeof(r));
	r.buf = buf;
	r.cap = sizeof(buf);
	assert_int_equal(http_resp_header(&r, "Location", "https://x/"), 0);
	assert_int_equal(http_resp_header(&r, "Set-Cookie", "a=b"), 0);
	assert_string_equal(r.headers, "Location: https://x/\r\nSet-Cookie: a=b\r\n");
	assert_int_equal(http_resp_header(&r, "X", "a\r\nInjected: 1"), -EINVAL);
	assert_int_equal(http_resp_header(&r, "Bad:Name", "v"), -EINVAL);
	char longv[800];
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(http_resp_header(&r, "Big", longv), -ENOSPC);
	assert_string_equal(r.headers, "Location: https://x/\r\nSet-Cookie: a=b\r\n");

	assert_int_equal(http_resp_json(&r, 201, "{\"n\":%d}", 42), 0);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.content_type, "application/json");
	assert_int_equal(r.len, 8);
	assert_memory_equal(r.buf, "{\"n\":42}", 8);
	assert_int_equal(http_resp_json(&r, 200, "{\"s\":\"%s\"}", longv), -ENOSPC);
	assert_int_equal(r.status, 500);
	assert_memory_equal(r.buf, "{\"error\":\"response too large\"}", r.len);

	assert_string_equal(http_reason(404), "Not Found");
	assert_string_equal(http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(http_reason(299), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_headers),     cmocka_unit_test(test_header_variants),
		cmocka_unit_test(test_put_post_bodies), cmocka_unit_test(test_malformed_400),
		cmocka_unit_test(test_limits),          cmocka_unit_test(test_split_every_byte),
		cmocka_unit_test(test_pipelined),       cmocka_unit_test(test_resp_helpers),
	};
	return cmocka_run_group_tests_name("http", tests, NULL, NULL);
}
