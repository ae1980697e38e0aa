/*
 * Unit tests for snf_rtmp: real connections recorded between ffmpeg and
 * nginx-rtmp (tools/gen_stream_vectors.sh; LEAKTAP_STREAMS, default
 * build/streams; a missing vector fails) fed whole, split at every offset of
 * the first 4 KiB and in random pieces, plus hand-made chunk streams for
 * the header forms ffmpeg does not use.
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

#include "snf_rtmp.h"
#include "test_blob.h"

/* What the sniffer reported. */
struct rec {
	int nvideo;
	int nname;
	char name[64];
	char ev[160];
	struct snf_media m;
};

static void on_name(void *ctx, const char *name)
{
	struct rec *r = ctx;
	r->nname++;
	snprintf(r->name, sizeof(r->name), "%s", name);
}

static void on_video(void *ctx, enum snf_dir dir, const struct snf_media *m, const char *ev)
{
	struct rec *r = ctx;
	assert_int_equal(dir, SNF_OUT);
	r->nvideo++;
	r->m = *m;
	snprintf(r->ev, sizeof(r->ev), "%s", ev);
}

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * Feed b[0..n) as direction dir in pieces: cut at `cut` (0 = none), then, if
 * seed != 0, in random pieces of 1..300 bytes. *used = bytes fed up to the decision.
 */
static enum snf_res feed(const struct blob *p, bool client, enum snf_dir dir, size_t cut,
			 uint32_t seed, struct rec *r, size_t *used)
{
	struct snf_rtmp s;
	struct snf_sink sink = {.name = on_name, .video = on_video, .ctx = r};
	enum snf_res res = SNF_MORE;
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	snf_rtmp_init(&s, client);
	while (off < p->n && res == SNF_MORE) {
		size_t k = p->n - off;
		if (cut != 0 && off < cut) {
			k = cut - off;
		} else if (seed != 0) {
			k = 1 + rnd(&seed) % 300;
		}
		k = k > p->n - off ? p->n - off : k;
		res = snf_rtmp_feed(&s, dir, p->b + off, k, &sink);
		off += k;
	}
	if (used != NULL) {
		*used = off;
	}
	return res;
}

/* The decision and the report are the same for every way of cutting. */
static void same_for_all_cuts(const struct blob *p, bool client, enum snf_res want,
			      const struct rec *ref)
{
	struct rec r;
	size_t lim = p->n < 4096 ? p->n : 4096;

	for (size_t cut = 1; cut < lim; cut++) {
		assert_int_equal(feed(p, client, SNF_OUT, cut, 0, &r, NULL), want);
		assert_int_equal(r.nvideo, ref->nvideo);
		assert_string_equal(r.ev, ref->ev);
		assert_string_equal(r.name, ref->name);
	}
	for (uint32_t seed = 1; seed <= 200; seed++) {
		assert_int_equal(feed(p, client, SNF_OUT, 0, seed, &r, NULL), want);
		assert_int_equal(r.nvideo, ref->nvideo);
		assert_string_equal(r.ev, ref->ev);
	}
}

/* Bytes needed: fed one byte at a time, the decision comes at exactly this offset. */
static size_t bytes_needed(const struct blob *p, bool client)
{
	struct rec r;
	struct snf_rtmp s;
	struct snf_sink sink = {.name = on_name, .video = on_video, .ctx = &r};
	size_t i;

	memset(&r, 0, sizeof(r));
	snf_rtmp_init(&s, client);
	for (i = 0; i < p->n; i++) {
		if (snf_rtmp_feed(&s, SNF_OUT, p->b + i, 1, &sink) != SNF_MORE) {
			return i + 1;
		}
	}
	return 0;
}

static void test_real_publish(void **st)
{
	struct blob p;
	struct rec r;
	size_t used = 0;

	(void)st;
	if (!blob_load("rtmp_pub_c2s.bin", &p)) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	assert_int_equal(feed(&p, true, SNF_OUT, 0, 0, &r, &used), SNF_VIDEO);
	assert_int_equal(r.nvideo, 1);
	assert_int_equal(r.nname, 1);
	assert_string_equal(r.name, "127.0.0.1");
	assert_string_equal(r.m.video, "rtmp");
	assert_string_equal(r.m.codec, "h264");
	assert_int_equal(r.m.width, 640);
	assert_int_equal(r.m.height, 360);
	assert_string_equal(r.ev, "RTMP publish with 3 video messages (h264 640x360)");
	printf("  rtmp publish: video after %zu of %zu bytes: %s\n", bytes_needed(&p, true), p.n,
	       r.ev);
	same_for_all_cuts(&p, true, SNF_VIDEO, &r);
	/* The same bytes seen as coming in (remote client publishing): ignored. */
	assert_int_equal(feed(&p, true, SNF_IN, 0, 0, &r, &used), SNF_MORE);
	free(p.b);
}

static void test_real_play_client(void **st)
{
	struct blob p;
	struct rec r;
	size_t used = 0;

	(void)st;
	if (!blob_load("rtmp_play_c2s.bin", &p)) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	assert_int_equal(feed(&p, true, SNF_OUT, 0, 0, &r, &used), SNF_NOT);
	assert_int_equal(r.nvideo, 0);
	printf("  rtmp play by LAN client: not video after %zu of %zu bytes\n",
	       bytes_needed(&p, true), p.n);
	same_for_all_cuts(&p, true, SNF_NOT, &r);
	free(p.b);
}

/* A remote client plays from a LAN server: the server->client bytes go out. */
static void test_real_play_served(void **st)
{
	struct blob p;
	struct rec r;
	size_t used = 0;

	(void)st;
	if (!blob_load("rtmp_play_s2c.bin", &p)) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	assert_int_equal(feed(&p, false, SNF_OUT, 0, 0, &r, &used), SNF_VIDEO);
	assert_string_equal(r.m.codec, "h264");
	assert_int_equal(r.nname, 0);
	printf("  rtmp play served by LAN server: video after %zu of %zu bytes: %s\n",
	       bytes_needed(&p, false), p.n, r.ev);
	same_for_all_cuts(&p, false, SNF_VIDEO, &r);
	free(p.b);
	/* A remote client publishing into a LAN server: its onStatus says so. */
	if (!blob_load("rtmp_pub_s2c.bin", &p)) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	assert_int_equal(feed(&p, false, SNF_OUT, 0, 0, &r, &used), SNF_NOT);
	free(p.b);
}

/* ---- hand-made streams ---- */

struct wb {
	uint8_t b[8192];
	size_t n;
};

static void put(struct wb *w, const void *p, size_t n)
{
	assert_true(w->n + n <= sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put8(struct wb *w, uint8_t v)
{
	put(w, &v, 1);
}

static void put_be(struct wb *w, uint32_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		put8(w, (uint8_t)(v >> (8 * i)));
	}
}

static void handshake(struct wb *w)
{
	put8(w, 3);
	for (int i = 0; i < 2 * 1536; i++) {
		put8(w, (uint8_t)(i * 7));
	}
}

static void amf_str(struct wb *w, const char *s)
{
	put8(w, 2);
	put_be(w, (uint32_t)strlen(s), 2);
	put(w, s, strlen(s));
}

static void amf_key(struct wb *w, const char *s)
{
	put_be(w, (uint32_t)strlen(s), 2);
	put(w, s, strlen(s));
}

static void amf_num(struct wb *w, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	put8(w, 0);
	put_be(w, (uint32_t)(u >> 32), 4);
	put_be(w, (uint32_t)u, 4);
}

/*
 * One message on chunk stream csid (3-byte basic header when csid >= 320),
 * fmt 0 header with an extended timestamp, split into chunks of `chunk`
 * bytes with fmt 3 continuation headers (which repeat the extended timestamp).
 */
static void msg(struct wb *w, uint32_t csid, uint8_t type, const uint8_t *body, size_t len,
		size_t chunk)
{
	for (size_t off = 0; off == 0 || off < len; off += chunk) {
		uint8_t fmt = off == 0 ? 0 : 3;
		if (csid < 64) {
			put8(w, (uint8_t)((uint32_t)fmt << 6 | csid));
		} else if (csid < 320) {
			put8(w, (uint8_t)(fmt << 6));
			put8(w, (uint8_t)(csid - 64));
		} else {
			put8(w, (uint8_t)(fmt << 6 | 1));
			put8(w, (uint8_t)((csid - 64) & 0xff));
			put8(w, (uint8_t)((csid - 64) >> 8));
		}
		if (fmt == 0) {
			put_be(w, 0xffffff, 3);
			put_be(w, (uint32_t)len, 3);
			put8(w, type);
			put_be(w, 1, 4);
		}
		put_be(w, 0x01000000, 4); /* extended timestamp */
		put(w, body + off, len - off < chunk ? len - off : chunk);
	}
}

static void build(struct wb *w, const char *cmd, uint8_t codec)
{
	struct wb b;
	uint8_t v[64];

	handshake(w);
	memset(&b, 0, sizeof(b));
	put_be(&b, 64, 4);
	msg(w, 2, 1, b.b, b.n, 128); /* Set Chunk Size 64 */
	b.n = 0;
	amf_str(&b, "connect");
	amf_num(&b, 1);
	put8(&b, 3);
	amf_key(&b, "app");
	amf_str(&b, "live");
	amf_key(&b, "aVeryLongPropertyName");
	amf_num(&b, 5);
	amf_key(&b, "tcUrl");
	amf_str(&b, "rtmp://ingest.example.net:1935/live");
	amf_key(&b, "");
	put8(&b, 9);
	msg(w, 3, 20, b.b, b.n, 64);
	b.n = 0;
	amf_str(&b, cmd);
	amf_num(&b, 4);
	put8(&b, 5);
	amf_str(&b, "stream");
	msg(w, 3, 20, b.b, b.n, 64);
	b.n = 0;
	amf_str(&b, "@setDataFrame");
	amf_str(&b, "onMetaData");
	put8(&b, 8);
	put_be(&b, 3, 4);
	amf_key(&b, "width");
	amf_num(&b, 1280);
	amf_key(&b, "height");
	amf_num(&b, 720);
	amf_key(&b, "duration");
	amf_num(&b, 12.5);
	amf_key(&b, "videocodecid");
	amf_num(&b, codec);
	amf_key(&b, "");
	put8(&b, 9);
	msg(w, 400, 18, b.b, b.n, 64);
	for (int i = 0; i < 3; i++) {
		memset(v, 0, sizeof(v));
		v[0] = 0x17; /* key frame, AVC */
		v[1] = 1;
		v[8] = 50; /* NALU length */
		v[9] = 0x65;
		msg(w, 70, 9, v, 60, 64);
	}
}

static void test_handmade_publish(void **st)
{
	struct wb w;
	struct blob p;
	struct rec r;
	size_t used;

	(void)st;
	memset(&w, 0, sizeof(w));
	build(&w, "publish", 7);
	p.b = w.b;
	p.n = w.n;
	assert_int_equal(feed(&p, true, SNF_OUT, 0, 0, &r, &used), SNF_VIDEO);
	assert_string_equal(r.name, "ingest.example.net");
	assert_int_equal(r.m.width, 1280);
	assert_int_equal(r.m.height, 720);
	assert_int_equal(r.m.duration_ms, 12500);
	assert_string_equal(r.ev, "RTMP publish with 3 video messages (h264 1280x720)");
	same_for_all_cuts(&p, true, SNF_VIDEO, &r);

	/* onMetaData says VP6, the messages are AVC: not consistent, no proof. */
	w.n = 0;
	build(&w, "publish", 4);
	p.n = w.n;
	assert_int_equal(feed(&p, true, SNF_OUT, 0, 0, &r, &used), SNF_MORE);
	/* play: the LAN client pulls. */
	w.n = 0;
	build(&w, "play", 7);
	p.n = w.n;
	assert_int_equal(feed(&p, true, SNF_OUT, 0, 0, &r, &used), SNF_NOT);
}

static void test_garbage(void **st)
{
	struct blob p;
	struct rec r;
	struct wb w;
	uint8_t junk[5000];
	uint32_t x = 99;

	(void)st;
	for (size_t i = 0; i < sizeof(junk); i++) {
		junk[i] = (uint8_t)rnd(&x);
	}
	junk[0] = 'G'; /* an HTTP request, say */
	p.b = junk;
	p.n = sizeof(junk);
	assert_int_equal(feed(&p, true, SNF_OUT, 0, 0, &r, NULL), SNF_NOT);
	junk[0] = 6; /* RTMPE */
	assert_int_equal(feed(&p, true, SNF_OUT, 0, 0, &r, NULL), SNF_NOT);
	/* Right handshake, then chunk garbage: decided within a few headers. */
	junk[0] = 3;
	for (uint32_t seed = 1; seed < 100; seed++) {
		x = seed;
		for (size_t i = 1; i < sizeof(junk); i++) {
			junk[i] = (uint8_t)rnd(&x);
		}
		assert_int_not_equal(feed(&p, true, SNF_OUT, 0, 0, &r, NULL), SNF_VIDEO);
	}
	/* A continuation header on a chunk stream never opened. */
	memset(&w, 0, sizeof(w));
	handshake(&w);
	put8(&w, 0xc5);
	p.b = w.b;
	p.n = w.n;
	assert_int_equal(feed(&p, true, SNF_OUT, 0, 0, &r, NULL), SNF_NOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_publish),     cmocka_unit_test(test_real_play_client),
		cmocka_unit_test(test_real_play_served), cmocka_unit_test(test_handmade_publish),
		cmocka_unit_test(test_garbage),
	};
	printf("sizeof(struct snf_rtmp) = %zu\n", sizeof(struct snf_rtmp));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
