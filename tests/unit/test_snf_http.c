/*
 * Unit tests for the HTTP carrier (snf_http). The upload vectors are the raw
 * bytes real curl sent to a listener (tools/gen_http_vectors.sh writes them
 * to build/http-vectors, or to $LEAKTAP_HTTP_VECTORS); the others are built
 * here byte by byte. Every test also checks that the sink calls do not
 * depend on how the bytes were split: body bytes are merged in the log, as
 * a body may arrive in any number of pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snf.h"
#include "snf_http.h"

#define LOG_MAX    (1u << 16)
#define BODIES_MAX 8

struct tbody {
	char carrier[64];
	char file[256];
	uint8_t *data;
	size_t len;
	bool ended;
};

/* A sink that records every call. */
struct rec {
	char log[LOG_MAX];
	size_t log_len;
	size_t pend; /* body bytes not yet written to the log */
	uint32_t hash;
	struct tbody b[BODIES_MAX];
	size_t nb;
	char name[512];
	unsigned names;
	unsigned videos;
	struct snf_media media;
};

static void logf_(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->log + r->log_len, LOG_MAX - r->log_len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < LOG_MAX - r->log_len);
	r->log_len += (size_t)n;
}

static void flush_body(struct rec *r)
{
	if (r->pend > 0) {
		logf_(r, "D %zu %08x\n", r->pend, r->hash);
		r->pend = 0;
	}
}

static void t_name(void *ctx, const char *name)
{
	struct rec *r = ctx;
	flush_body(r);
	logf_(r, "N %s\n", name);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->names++;
}

static void t_begin(void *ctx, const char *carrier, const char *file)
{
	struct rec *r = ctx;
	flush_body(r);
	logf_(r, "B %s|%s\n", carrier, file);
	assert_true(r->nb < BODIES_MAX);
	struct tbody *b = &r->b[r->nb++];
	snprintf(b->carrier, sizeof(b->carrier), "%s", carrier);
	snprintf(b->file, sizeof(b->file), "%s", file);
	r->hash = 2166136261u;
}

static void t_body(void *ctx, const uint8_t *p, size_t n)
{
	struct rec *r = ctx;
	assert_true(r->nb > 0 && !r->b[r->nb - 1].ended);
	assert_true(n > 0);
	struct tbody *b = &r->b[r->nb - 1];
	b->data = realloc(b->data, b->len + n);
	assert_non_null(b->data);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	for (size_t i = 0; i < n; i++) {
		r->hash = (r->hash ^ p[i]) * 16777619u;
	}
	r->pend += n;
}

static void t_end(void *ctx)
{
	struct rec *r = ctx;
	flush_body(r);
	logf_(r, "E\n");
	assert_true(r->nb > 0 && !r->b[r->nb - 1].ended);
	r->b[r->nb - 1].ended = true;
}

static void t_video(void *ctx, enum snf_dir dir, const struct snf_media *m, const char *ev)
{
	struct rec *r = ctx;
	flush_body(r);
	logf_(r, "V %d %s|%s|%s|%ux%u|%s\n", (int)dir, m->video, m->codec, m->detail, m->width,
	      m->height, ev);
	r->videos++;
	r->media = *m;
}

static struct rec *rec_new(void)
{
	struct rec *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	return r;
}

static void rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->nb; i++) {
		free(r->b[i].data);
	}
	free(r);
}

static struct snf_sink sink_of(struct rec *r)
{
	struct snf_sink k = {.name = t_name,
			     .body_begin = t_begin,
			     .body = t_body,
			     .body_end = t_end,
			     .video = t_video,
			     .ctx = r};
	return k;
}

/* One conversation: inbound bytes first (requests to a LAN server), then outbound. */
struct conv {
	bool client;
	const uint8_t *in;
	size_t in_len;
	const uint8_t *out;
	size_t out_len;
};

/* Feed out in pieces ending at cuts[] (ascending), then close; log the results. */
static enum snf_res run_cuts(const struct conv *c, const size_t *cuts, size_t ncuts, struct rec *r)
{
	struct snf_http h;
	struct snf_sink k = sink_of(r);
	enum snf_res res;
	size_t at = 0;

	snf_http_init(&h, c->client);
	res = snf_http_feed(&h, SNF_IN, c->in, c->in_len, &k);
	assert_int_equal(res, SNF_MORE);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : c->out_len;
		res = snf_http_feed(&h, SNF_OUT, c->out + at, end - at, &k);
		if (res != SNF_MORE) {
			flush_body(r);
			logf_(r, "R %d\n", (int)res);
			at = end;
			break;
		}
		at = end;
	}
	if (at < c->out_len) {
		/* Once decided, further bytes change nothing. */
		assert_int_equal(snf_http_feed(&h, SNF_OUT, c->out + at, c->out_len - at, &k), res);
	}
	snf_http_close(&h, &k);
	flush_body(r);
	logf_(r, "= %d\n", (int)res);
	return res;
}

static enum snf_res run_whole(const struct conv *c, struct rec *r)
{
	return run_cuts(c, NULL, 0, r);
}

static uint32_t prng = 1;

static uint32_t rnd(void)
{
	prng ^= prng << 13;
	prng ^= prng >> 17;
	prng ^= prng << 5;
	return prng;
}

static void same_log(const struct rec *a, const struct rec *b, const char *how)
{
	if (strcmp(a->log, b->log) != 0) {
		fail_msg("split %s changed the sink calls:\n--- whole\n%s--- split\n%s", how,
			 a->log, b->log);
	}
}

/*
 * The calls must not depend on the split: the input cut in two at every offset
 * (when short), then in random pieces of up to max_piece bytes.
 */
static void check_splits(const struct conv *c, size_t max_piece, unsigned runs)
{
	struct rec *ref = rec_new();
	size_t *cuts = calloc(c->out_len + 1, sizeof(*cuts));
	char how[64];

	assert_non_null(cuts);
	run_whole(c, ref);
	for (size_t i = 0; c->out_len <= 8192 && i <= c->out_len; i++) {
		struct rec *r = rec_new();
		run_cuts(c, &i, 1, r);
		snprintf(how, sizeof(how), "at %zu", i);
		same_log(ref, r, how);
		rec_free(r);
	}
	prng = 0x2545f491u;
	for (unsigned n = 0; n < runs; n++) {
		struct rec *r = rec_new();
		size_t nc = 0;
		for (size_t at = 0;;) {
			at += 1 + rnd() % max_piece;
			if (at >= c->out_len) {
				break;
			}
			cuts[nc++] = at;
		}
		run_cuts(c, cuts, nc, r);
		snprintf(how, sizeof(how), "in random pieces (run %u)", n);
		same_log(ref, r, how);
		rec_free(r);
	}
	free(cuts);
	rec_free(ref);
}

/* --- vectors recorded from curl ------------------------------------------ */

static uint8_t *load(const char *name, size_t *len)
{
	const char *dir = getenv("LEAKTAP_HTTP_VECTORS");
	char path[512];
	uint8_t *p;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "build/http-vectors", name);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fail_msg("missing test vector %s: run tools/gen_http_vectors.sh first "
			 "(or set LEAKTAP_HTTP_VECTORS)",
			 path);
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static void assert_body(const struct rec *r, size_t i, const char *carrier, const char *file,
			const uint8_t *want, size_t want_len)
{
	assert_true(i < r->nb);
	assert_string_equal(r->b[i].carrier, carrier);
	assert_string_equal(r->b[i].file, file);
	assert_true(r->b[i].ended);
	assert_int_equal(r->b[i].len, want_len);
	assert_memory_equal(r->b[i].data, want, want_len);
}

/* Load a vector, feed it whole as a LAN client's requests, check splits too. */
static struct rec *curl_vector(const char *name, uint8_t **payload, size_t *plen)
{
	size_t len;
	uint8_t *req = load(name, &len);
	struct conv c = {.client = true, .out = req, .out_len = len};
	struct rec *r = rec_new();

	*payload = load("payload.bin", plen);
	assert_int_equal(run_whole(&c, r), SNF_MORE);
	check_splits(&c, 3000, 6);
	free(req);
	return r;
}

static void test_curl_multipart(void **state)
{
	uint8_t *pl;
	size_t pl_len;
	struct rec *r = curl_vector("multipart.req", &pl, &pl_len);

	(void)state;
	assert_int_equal(r->names, 1);
	assert_string_equal(r->name, "upload.example.com");
	/* The note=hello field is not a file: one body only. */
	assert_int_equal(r->nb, 1);
	assert_body(r, 0, "multipart POST body", "payload.bin", pl, pl_len);
	free(pl);
	rec_free(r);
}

static void test_curl_put(void **state)
{
	uint8_t *pl;
	size_t pl_len;
	struct rec *r = curl_vector("put.req", &pl, &pl_len);

	(void)state;
	assert_string_equal(r->name, "upload.example.com");
	assert_int_equal(r->nb, 1);
	assert_body(r, 0, "PUT body", "rec one.ts", pl, pl_len);
	free(pl);
	rec_free(r);
}

static void test_curl_chunked(void **state)
{
	uint8_t *pl;
	size_t pl_len;
	struct rec *r = curl_vector("chunked.req", &pl, &pl_len);

	(void)state;
	assert_int_equal(r->nb, 1);
	assert_body(r, 0, "chunked POST body", "chunk.m4s", pl, pl_len);
	free(pl);
	rec_free(r);
}

static void test_curl_keepalive(void **state)
{
	uint8_t *pl;
	size_t pl_len;
	struct rec *r = curl_vector("keepalive.req", &pl, &pl_len);

	(void)state;
	assert_int_equal(r->names, 2);
	assert_int_equal(r->nb, 2);
	assert_body(r, 0, "PUT body", "one.ts", pl, pl_len);
	assert_body(r, 1, "POST body", "two.m4s", pl, pl_len);
	free(pl);
	rec_free(r);
}

static void test_curl_get(void **state)
{
	uint8_t *pl;
	size_t pl_len;
	struct rec *r = curl_vector("get.req", &pl, &pl_len);

	(void)state;
	assert_int_equal(r->names, 1);
	assert_string_equal(r->name, "upload.example.com");
	assert_int_equal(r->nb, 0);
	free(pl);
	rec_free(r);
}

/* --- hand-made vectors --------------------------------------------------- */

/* A real 16x8 JPEG: ffmpeg -f lavfi -i color=c=red:s=16x8 -frames:v 1 -q:v 31 */
static const uint8_t JPEG[] = {
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0x00, 0x00,
	0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x10, 0x4c, 0x61, 0x76, 0x63, 0x35, 0x39,
	0x2e, 0x33, 0x37, 0x2e, 0x31, 0x30, 0x30, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x08, 0x3e,
	0x3e, 0x49, 0x3e, 0x49, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x64, 0x5d, 0x64, 0x68, 0x68,
	0x68, 0x64, 0x64, 0x64, 0x64, 0x68, 0x68, 0x68, 0x70, 0x70, 0x70, 0x83, 0x83, 0x83, 0x70,
	0x70, 0x70, 0x68, 0x68, 0x70, 0x70, 0x7c, 0x7c, 0x83, 0x83, 0x8f, 0x93, 0x8f, 0x87, 0x87,
	0x83, 0x87, 0x93, 0x93, 0x9b, 0x9b, 0x9b, 0xba, 0xba, 0xb2, 0xb2, 0xd9, 0xd9, 0xe0, 0xff,
	0xff, 0xff, 0xff, 0xc4, 0x00, 0x4c, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x07, 0x10,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x10, 0x03,
	0x01, 0x22, 0x00, 0x02, 0x11, 0x00, 0x03, 0x11, 0x00, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01,
	0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0x8b, 0x00, 0x51, 0x7f, 0x7f, 0xff, 0xd9,
};

/* A message under construction. */
struct mb {
	uint8_t b[16384];
	size_t n;
};

static void mb_put(struct mb *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void mb_str(struct mb *m, const char *s)
{
	mb_put(m, s, strlen(s));
}

/* Wrap n bytes in one chunk and the last chunk. */
static void mb_chunked(struct mb *m, const void *p, size_t n)
{
	char size[32];

	snprintf(size, sizeof(size), "%zx\r\n", n);
	mb_str(m, size);
	mb_put(m, p, n);
	mb_str(m, "\r\n0\r\n\r\n");
}

static const char GET_STREAM[] = "GET /video.mjpg HTTP/1.1\r\nHost: cam.lan\r\n\r\n";

/* A LAN camera serving MJPEG as multipart/x-mixed-replace, three frames. */
static void mjpeg_response(struct mb *m, const char *boundary_param, const char *delim)
{
	char line[128];

	mb_str(m, "HTTP/1.0 200 OK\r\nServer: cam\r\nCache-Control: no-cache\r\n"
		  "Content-Type: multipart/x-mixed-replace;");
	mb_str(m, boundary_param);
	mb_str(m, "\r\n\r\n");
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "%s\r\nContent-Type: image/jpeg\r\n", delim);
		mb_str(m, line);
		snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", sizeof(JPEG));
		mb_str(m, line);
		mb_put(m, JPEG, sizeof(JPEG));
		mb_str(m, "\r\n");
	}
}

static void test_mjpeg_server(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct rec *r = rec_new();
	struct conv c = {.client = false, .in = (const uint8_t *)GET_STREAM};

	(void)state;
	c.in_len = strlen(GET_STREAM);
	mjpeg_response(m, " boundary=\"myboundary\"", "--myboundary");
	c.out = m->b;
	c.out_len = m->n;
	assert_int_equal(run_whole(&c, r), SNF_VIDEO);
	assert_int_equal(r->videos, 1);
	assert_string_equal(r->media.video, "mjpeg");
	assert_string_equal(r->media.codec, "mjpeg");
	assert_string_equal(r->media.detail, "multipart/x-mixed-replace JPEG frames");
	assert_int_equal(r->media.width, 16);
	assert_int_equal(r->media.height, 8);
	assert_non_null(strstr(r->log, "served to a remote client"));
	/* Frames are not file bodies. */
	assert_int_equal(r->nb, 0);
	check_splits(&c, 64, 40);
	free(m);
	rec_free(r);
}

/* Parts that are not whole JPEGs prove nothing. */
static void test_mjpeg_not_jpeg(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct mb *body = calloc(1, sizeof(*body));
	struct rec *r = rec_new();
	struct conv c = {.client = false};

	(void)state;
	mb_str(m, "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=b\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n");
	/* A frame cut short, a text part, one good frame: not two whole JPEGs. */
	mb_str(body, "--b\r\n\r\n");
	mb_put(body, JPEG, 48);
	mb_str(body, "\r\n--b\r\n\r\nhello\r\n--b\r\n\r\n");
	mb_put(body, JPEG, sizeof(JPEG));
	mb_str(body, "\r\n--b--\r\n");
	mb_chunked(m, body->b, body->n);
	free(body);
	c.out = m->b;
	c.out_len = m->n;
	assert_int_equal(run_whole(&c, r), SNF_MORE);
	assert_int_equal(r->videos, 0);
	check_splits(&c, 16, 20);
	free(m);
	rec_free(r);
}

static struct rec *feed_one(bool client, const char *msg, enum snf_res want)
{
	struct rec *r = rec_new();
	struct conv c = {.client = client, .out = (const uint8_t *)msg, .out_len = strlen(msg)};

	assert_int_equal(run_whole(&c, r), want);
	check_splits(&c, 32, 20);
	return r;
}

static void test_host_forms(void **state)
{
	static const struct {
		const char *host;
		const char *want;
	} cases[] = {
		{"WWW.Example.ORG:8080", "www.example.org"},   {"[2001:DB8::1]:443", "2001:db8::1"},
		{"upload.example.com.", "upload.example.com"}, {"198.51.100.7", "198.51.100.7"},
		{"  spaced.example  ", "spaced.example"},
	};
	char msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", cases[i].host);
		struct rec *r = feed_one(true, msg, SNF_MORE);
		assert_int_equal(r->names, 1);
		assert_string_equal(r->name, cases[i].want);
		rec_free(r);
	}
}

/* Boundary text that almost matches, a boundary cut by every split offset. */
static const char FORM_BODY[] =
	"------WebKitFormBoundaryX3\r\n"
	"Content-Disposition: form-data; name=\"title\"\r\n\r\n"
	"Board meeting\r\n"
	"------WebKitFormBoundaryX3\r\n"
	"Content-Disposition: form-data; name=\"media\"; filename=\"C:\\\\rec\\\\q3 "
	"\\\"final\\\".mp4\"\r\n"
	"Content-Type: video/mp4\r\n\r\n"
	"\x00\x00\x00\x18"
	"ftypisom\r\n------WebKitFormBoundaryX\r\r\n--\r\n------WebKitFormBoundaryX4"
	"\r\n------WebKitFormBoundaryX3--\r\n";

static void form_message(struct mb *m)
{
	char head[256];

	snprintf(head, sizeof(head),
		 "POST /api/upload?sid=1 HTTP/1.1\r\nHost: share.example.net\r\n"
		 "Content-Type: multipart/form-data; boundary=----WebKitFormBoundaryX3\r\n"
		 "Content-Length: %zu\r\n\r\n",
		 sizeof(FORM_BODY) - 1);
	mb_str(m, head);
	mb_put(m, FORM_BODY, sizeof(FORM_BODY) - 1);
}

static void test_form_file_and_field(void **state)
{
	static const char want[] = "\x00\x00\x00\x18"
				   "ftypisom\r\n------WebKitFormBoundaryX\r\r\n--"
				   "\r\n------WebKitFormBoundaryX4";
	struct mb *m = calloc(1, sizeof(*m));
	struct conv c = {.client = true};
	struct rec *r = rec_new();

	(void)state;
	form_message(m);
	c.out = m->b;
	c.out_len = m->n;
	assert_int_equal(run_whole(&c, r), SNF_MORE);
	assert_string_equal(r->name, "share.example.net");
	assert_int_equal(r->nb, 1);
	/* The Windows path is cut to its base name; the escaped quotes are kept. */
	assert_body(r, 0, "multipart POST body", "q3 \"final\".mp4", (const uint8_t *)want,
		    sizeof(want) - 1);
	check_splits(&c, 8, 50);
	free(m);
	rec_free(r);
}

/* multipart/related (e.g. API uploads): every part is a body, named or not. */
static void test_multipart_related(void **state)
{
	static const char msg[] = "PUT /upload/v3/files HTTP/1.1\r\nHost: api.example\r\n"
				  "Content-Type: multipart/related; boundary=xx\r\n"
				  "Transfer-Encoding: chunked\r\n\r\n"
				  "2c\r\n--xx\r\nContent-Type: application/json\r\n\r\n{}\r\n"
				  "\r\n17\r\n--xx\r\n\r\nMEDIA\r\n--xx--\r\n\r\n0\r\n\r\n";
	struct rec *r = feed_one(true, msg, SNF_MORE);

	(void)state;
	assert_int_equal(r->nb, 2);
	assert_body(r, 0, "chunked multipart PUT body", "", (const uint8_t *)"{}", 2);
	assert_body(r, 1, "chunked multipart PUT body", "", (const uint8_t *)"MEDIA", 5);
	rec_free(r);
}

static void test_url_names(void **state)
{
	static const struct {
		const char *target;
		const char *want;
	} cases[] = {
		{"/a/b/clip%20%28final%29.mp4?sig=x/y", "clip (final).mp4"},
		{"http://proxy.example/live/seg_0001.ts", "seg_0001.ts"},
		{"http://proxy.example", ""},
		{"/dir/", ""},
		{"/x/%2e%2E%2fetc%2Fpasswd", "passwd"},
		{"/x/a%00b%0a%ZZ%4", "a_b_%ZZ%4"},
	};
	char msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(msg, sizeof(msg), "POST %s HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
			 cases[i].target);
		struct rec *r = feed_one(true, msg, SNF_MORE);
		assert_int_equal(r->nb, 1);
		assert_body(r, 0, "POST body", cases[i].want, (const uint8_t *)"abc", 3);
		rec_free(r);
	}
}

static void test_overlong_headers(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct conv c = {.client = true};
	struct rec *r = rec_new();

	(void)state;
	mb_str(m, "PUT /");
	for (int i = 0; i < 300; i++) {
		mb_str(m, "n");
	}
	mb_str(m, ".mp4 HTTP/1.1\r\nHost: ");
	for (int i = 0; i < 1000; i++) {
		mb_str(m, "h");
	}
	mb_str(m, "\r\nX-");
	for (int i = 0; i < 600; i++) {
		mb_str(m, "Long-Name");
	}
	mb_str(m, ": v\r\nContent-Type: multipart/form-data; x=");
	for (int i = 0; i < 400; i++) {
		mb_str(m, "y");
	}
	mb_str(m, "; boundary=zz\r\nContent-Length: 4\r\n\r\nbody");
	c.out = m->b;
	c.out_len = m->n;
	assert_int_equal(run_whole(&c, r), SNF_MORE);
	/* Cut, never overflowed: the names are prefixes of what was sent. */
	assert_int_equal(strlen(r->name), SNF_HTTP_HOST_MAX);
	assert_int_equal(strspn(r->name, "h"), SNF_HTTP_HOST_MAX);
	/* The boundary was beyond what is kept: the body is reported whole. */
	assert_int_equal(r->nb, 1);
	assert_int_equal(strlen(r->b[0].file), SNF_HTTP_FILE_MAX - 1);
	assert_body(r, 0, "PUT body", r->b[0].file, (const uint8_t *)"body", 4);
	check_splits(&c, 100, 10);
	free(m);
	rec_free(r);
}

/* More header bytes than http_parser accepts: not HTTP we can follow. */
static void test_header_flood(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct snf_http h;
	enum snf_res res = SNF_MORE;

	(void)state;
	mb_str(m, "GET / HTTP/1.1\r\n");
	snf_http_init(&h, true);
	assert_int_equal(snf_http_feed(&h, SNF_OUT, m->b, m->n, NULL), SNF_MORE);
	m->n = 0;
	for (int i = 0; i < 400; i++) {
		mb_str(m, "X-Pad: 0123456789012345678901234\r\n");
	}
	for (int i = 0; i < 10 && res == SNF_MORE; i++) {
		res = snf_http_feed(&h, SNF_OUT, m->b, m->n, NULL);
	}
	assert_int_equal(res, SNF_NOT);
	free(m);
}

static void test_not_http(void **state)
{
	static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03};
	struct conv c = {.client = true, .out = tls, .out_len = sizeof(tls)};
	struct rec *r = rec_new();

	(void)state;
	assert_int_equal(run_whole(&c, r), SNF_NOT);
	assert_string_equal(r->log, "R 2\n= 2\n");
	rec_free(r);
	r = feed_one(true, "SSH-2.0-OpenSSH_9.2\r\n", SNF_NOT);
	assert_int_equal(r->names + r->nb, 0);
	rec_free(r);
	/* A LAN server that does not answer HTTP. */
	r = feed_one(false, "220 ftp.example FTP server ready\r\n", SNF_NOT);
	rec_free(r);
}

/* Garbage after a valid message: the open body is ended first. */
static void test_error_after_message(void **state)
{
	struct rec *r =
		feed_one(true,
			 "POST /up/a.bin HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
			 "\r\n4\r\nabcd\r\nzz\r\n",
			 SNF_NOT);

	(void)state;
	assert_int_equal(r->nb, 1);
	assert_body(r, 0, "chunked POST body", "a.bin", (const uint8_t *)"abcd", 4);
	rec_free(r);
	r = feed_one(true, "GET / HTTP/1.1\r\n\r\n\x01\x02\x03", SNF_NOT);
	assert_int_equal(r->nb, 0);
	rec_free(r);
}

/* Inbound responses are not the LAN client's upload: ignored. */
static void test_response_when_client(void **state)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
	struct rec *r = rec_new();
	struct snf_sink k = sink_of(r);
	struct snf_http h;

	(void)state;
	snf_http_init(&h, true);
	assert_int_equal(snf_http_feed(&h, SNF_IN, (const uint8_t *)resp, sizeof(resp) - 1, &k),
			 SNF_MORE);
	assert_int_equal(snf_http_feed(&h, SNF_IN, (const uint8_t *)"\x16\x03garbage", 9, &k),
			 SNF_MORE);
	assert_int_equal(r->log_len, 0);
	rec_free(r);
}

/* A LAN server's responses; the one answering HEAD has no body. */
static void test_server_responses(void **state)
{
	static const char req[] = "HEAD /rec/a.mp4 HTTP/1.1\r\nHost: nas\r\n\r\n"
				  "GET /rec/a.mp4 HTTP/1.1\r\nHost: nas\r\n\r\n";
	static const char resp[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n"
		"HTTP/1.1 100 Continue\r\n\r\n"
		"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n"
		"Content-Disposition: attachment; filename=\"meeting 2020.mp4\"\r\n\r\n"
		"abcdef";
	struct conv c = {.client = false,
			 .in = (const uint8_t *)req,
			 .in_len = sizeof(req) - 1,
			 .out = (const uint8_t *)resp,
			 .out_len = sizeof(resp) - 1};
	struct rec *r = rec_new();

	(void)state;
	assert_int_equal(run_whole(&c, r), SNF_MORE);
	assert_int_equal(r->names, 0);
	assert_int_equal(r->nb, 1);
	assert_body(r, 0, "HTTP response body", "meeting 2020.mp4", (const uint8_t *)"abcdef", 6);
	check_splits(&c, 16, 20);
	rec_free(r);
}

/* An HTTP/1.0 body that ends with the connection is ended by close. */
static void test_body_until_close(void **state)
{
	struct rec *r =
		feed_one(false, "HTTP/1.0 200 OK\r\nContent-Type: video/mp4\r\n\r\nxyz", SNF_MORE);

	(void)state;
	assert_int_equal(r->nb, 1);
	assert_body(r, 0, "HTTP response body", "", (const uint8_t *)"xyz", 3);
	rec_free(r);
}

/* After CONNECT or an Upgrade the bytes are no longer HTTP. */
static void test_tunnels(void **state)
{
	struct rec *r =
		feed_one(true,
			 "CONNECT upload.example:443 HTTP/1.1\r\nHost: upload.example:443\r\n"
			 "\r\n\x16\x03\x01",
			 SNF_NOT);

	(void)state;
	assert_string_equal(r->name, "upload.example");
	rec_free(r);
	r = feed_one(
		true,
		"GET /ws HTTP/1.1\r\nHost: w\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
		SNF_NOT);
	rec_free(r);
}

/* A LAN camera pushing MJPEG to a remote server in a POST. */
static void test_mjpeg_post(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct mb *body = calloc(1, sizeof(*body));
	struct rec *r = rec_new();
	struct conv c = {.client = true};

	(void)state;
	mb_str(m,
	       "POST /push HTTP/1.1\r\nHost: Relay.Example:8000\r\nTransfer-Encoding: chunked\r\n"
	       "Content-Type: multipart/x-mixed-replace; boundary=fr\r\n\r\n");
	for (int i = 0; i < 2; i++) {
		mb_str(body, "--fr\r\nContent-Type: image/jpeg\r\n\r\n");
		mb_put(body, JPEG, sizeof(JPEG));
		mb_str(body, "\r\n\r\n");
	}
	mb_str(body, "--fr\r\n");
	mb_chunked(m, body->b, body->n);
	free(body);
	c.out = m->b;
	c.out_len = m->n;
	assert_int_equal(run_whole(&c, r), SNF_VIDEO);
	assert_string_equal(r->name, "relay.example");
	assert_non_null(strstr(r->log, "uploaded in an HTTP request"));
	check_splits(&c, 64, 20);
	free(m);
	rec_free(r);
}

static void test_null_sink(void **state)
{
	struct mb *m = calloc(1, sizeof(*m));
	struct snf_http h;
	struct snf_sink empty = {0};

	(void)state;
	form_message(m);
	snf_http_init(&h, true);
	assert_int_equal(snf_http_feed(&h, SNF_OUT, m->b, m->n, NULL), SNF_MORE);
	snf_http_close(&h, NULL);
	snf_http_init(&h, true);
	assert_int_equal(snf_http_feed(&h, SNF_OUT, m->b, m->n, &empty), SNF_MORE);
	free(m);
	assert_int_equal(snf_http_feed(&h, SNF_OUT, (const uint8_t *)"", 0, &empty), SNF_MORE);
	printf("sizeof(struct snf_http) = %zu\n", sizeof(h));
	assert_true(sizeof(h) <= 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_curl_multipart),
		cmocka_unit_test(test_curl_put),
		cmocka_unit_test(test_curl_chunked),
		cmocka_unit_test(test_curl_keepalive),
		cmocka_unit_test(test_curl_get),
		cmocka_unit_test(test_mjpeg_server),
		cmocka_unit_test(test_mjpeg_not_jpeg),
		cmocka_unit_test(test_host_forms),
		cmocka_unit_test(test_form_file_and_field),
		cmocka_unit_test(test_multipart_related),
		cmocka_unit_test(test_url_names),
		cmocka_unit_test(test_overlong_headers),
		cmocka_unit_test(test_header_flood),
		cmocka_unit_test(test_not_http),
		cmocka_unit_test(test_error_after_message),
		cmocka_unit_test(test_response_when_client),
		cmocka_unit_test(test_server_responses),
		cmocka_unit_test(test_body_until_close),
		cmocka_unit_test(test_tunnels),
		cmocka_unit_test(test_mjpeg_post),
		cmocka_unit_test(test_null_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
