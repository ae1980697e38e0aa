/*
 * libFuzzer harness for the web server's request reader (http_rx).
 *
 * Input: two bytes that seed the piece sizes, then the bytes of one
 * connection. They are fed twice: in one piece, and in random-sized
 * pieces as TCP would deliver them, reading request after request
 * (pipelining) until the reader ends the connection with an error status.
 * Both runs must see the same sequence of results, every status must be
 * one http.h allows, and every accepted request must keep the promises
 * of struct http_req (terminated strings, a decoded path starting with
 * '/' without NUL or ".." segments, a body within HTTP_BODY_MAX). Seeds
 * live in tests/corpus/http/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define FUZZ_MAX_REQS 64

struct fuzz_result {
	int status[FUZZ_MAX_REQS];
	char path[FUZZ_MAX_REQS][HTTP_PATH_MAX];
	size_t body_len[FUZZ_MAX_REQS];
	size_t n;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_req(const struct http_req *rq)
{
	if (memchr(rq->path, '\0', sizeof(rq->path)) == NULL ||
	    memchr(rq->query, '\0', sizeof(rq->query)) == NULL ||
	    memchr(rq->host, '\0', sizeof(rq->host)) == NULL ||
	    memchr(rq->session, '\0', sizeof(rq->session)) == NULL ||
	    memchr(rq->csrf, '\0', sizeof(rq->csrf)) == NULL ||
	    memchr(rq->content_type, '\0', sizeof(rq->content_type)) == NULL) {
		abort();
	}
	if (rq->path[0] != '/' || strstr(rq->path, "/../") != NULL ||
	    strcmp(rq->path + strlen(rq->path) - (strlen(rq->path) >= 3 ? 3 : 0), "/..") == 0) {
		abort();
	}
	if (rq->body_len > HTTP_BODY_MAX || (rq->body_len > 0 && rq->body == NULL)) {
		abort();
	}
}

static bool fuzz_status_ok(int st)
{
	return st == 200 || st == 400 || st == 413 || st == 431 || st == 501 || st == 505;
}

/* Read one connection; piece_seed 0 feeds everything at once. */
static void fuzz_conn(void *mem, const uint8_t *d, size_t n, uint32_t piece_seed,
		      struct fuzz_result *out)
{
	struct http_peer peer = {.family = 4, .port = 1};
	struct http_rx *rx = http_rx_init(mem, &peer);
	uint32_t x = piece_seed | 1u;
	size_t off = 0;

	out->n = 0;
	while (off < n && out->n < FUZZ_MAX_REQS) {
		size_t piece = n - off;
		if (piece_seed != 0) {
			x ^= x << 13; /* xorshift32: cheap, deterministic piece sizes */
			x ^= x >> 17;
			x ^= x << 5;
			size_t want = 1 + (x % 97);
			piece = piece < want ? piece : want;
		}
		int st = 0;
		size_t got = http_rx_feed(rx, d + off, piece, &st);
		if (got > piece || (st == 0 && got != piece)) {
			abort();
		}
		off += got;
		if (st == 0) {
			continue;
		}
		if (!fuzz_status_ok(st)) {
			abort();
		}
		out->status[out->n] = st;
		out->path[out->n][0] = '\0';
		out->body_len[out->n] = 0;
		if (st != 200) {
			out->n++;
			return; /* the server answers and closes */
		}
		const struct http_req *rq = http_rx_req(rx);
		fuzz_check_req(rq);
		memcpy(out->path[out->n], rq->path, sizeof(rq->path));
		out->body_len[out->n] = rq->body_len;
		out->n++;
		http_rx_reset(rx);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_result whole;
	static struct fuzz_result split;

	if (size < 2) {
		return 0;
	}
	void *mem = malloc(http_rx_size());
	if (mem == NULL) {
		abort();
	}
	uint32_t seed = (uint32_t)data[0] << 8 | data[1];
	fuzz_conn(mem, data + 2, size - 2, 0, &whole);
	fuzz_conn(mem, data + 2, size - 2, seed + 1, &split);
	if (whole.n != split.n) {
		abort();
	}
	for (size_t i = 0; i < whole.n; i++) {
		if (whole.status[i] != split.status[i] ||
		    strcmp(whole.path[i], split.path[i]) != 0 ||
		    whole.body_len[i] != split.body_len[i]) {
			abort();
		}
	}
	free(mem);
	return 0;
}
