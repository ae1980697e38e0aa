/*
 * Unit tests for snf_rtsp: real ANNOUNCE/RECORD sessions recorded between
 * two ffmpeg processes (tools/gen_stream_vectors.sh; LEAKTAP_STREAMS,
 * default build/streams; a missing vector fails), over TCP (interleaved) and
 * UDP, fed in request/response order and cut in many ways; plus hand-made
 * sessions for PLAY served by a LAN camera and the refusals.
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

#include "snf_rtsp.h"
#include "test_blob.h"

struct rec {
	int nvideo, nname, nexp;
	char name[64];
	char ev[160];
	struct snf_media m;
	struct snf_expect e;
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

static void on_expect(void *ctx, const struct snf_expect *e)
{
	struct rec *r = ctx;
	r->nexp++;
	r->e = *e;
}

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Length of the RTSP message or interleaved frame at b[0..n). */
static size_t msg_len(const uint8_t *b, size_t n, bool *text)
{
	*text = b[0] != '$';
	if (!*text) {
		size_t l = n >= 4 ? 4u + (size_t)(b[2] << 8 | b[3]) : n;
		return l < n ? l : n;
	}
	for (size_t i = 0; i + 3 < n; i++) {
		if (memcmp(b + i, "\r\n\r\n", 4) == 0) {
			const char *cl = memmem(b, i, "Content-Length:", 15);
			size_t body = 0;
			if (cl != NULL) {
				body = strtoul(cl + 15, NULL, 10);
			}
			return i + 4 + body < n ? i + 4 + body : n;
		}
	}
	return n;
}

/* How to cut: at offset `cut` of the request stream, and/or random pieces. */
struct how {
	size_t cut;
	uint32_t seed;
};

struct sess {
	struct snf_rtsp s;
	struct snf_sink sink;
	enum snf_res res;
	size_t used; /* request-stream bytes fed when decided */
};

static void feed_span(struct sess *x, enum snf_dir dir, const uint8_t *b, size_t off, size_t n,
		      struct how *h)
{
	size_t end = off + n;
	while (off < end && x->res == SNF_MORE) {
		size_t k = end - off;
		if (h->cut > off && h->cut < end) {
			k = h->cut - off;
		}
		if (h->seed != 0) {
			size_t r = 1 + rnd(&h->seed) % 200;
			k = r < k ? r : k;
		}
		x->res = snf_rtsp_feed(&x->s, dir, b + off, k, &x->sink);
		off += k;
		x->used = off;
	}
}

/*
 * Replay a recorded session: each request (client->server text message)
 * is followed by the server's messages up to its next text message.
 */
static enum snf_res replay(const struct blob *c2s, const struct blob *s2c, bool client,
			   struct how h, struct rec *r, size_t *used)
{
	struct sess x;
	enum snf_dir qdir = client ? SNF_OUT : SNF_IN;
	size_t a = 0, b = 0;
	bool text;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.sink = (struct snf_sink){
		.name = on_name, .video = on_video, .expect = on_expect, .ctx = r};
	x.res = SNF_MORE;
	snf_rtsp_init(&x.s, client);
	while (a < c2s->n && x.res == SNF_MORE) {
		size_t l = msg_len(c2s->b + a, c2s->n - a, &text);
		feed_span(&x, qdir, c2s->b, a, l, &h);
		a += l;
		while (text && b < s2c->n && x.res == SNF_MORE) {
			bool t2;
			size_t l2 = msg_len(s2c->b + b, s2c->n - b, &t2);
			struct how none = {0, 0};
			feed_span(&x, qdir == SNF_OUT ? SNF_IN : SNF_OUT, s2c->b, b, l2, &none);
			b += l2;
			if (t2) {
				break;
			}
		}
	}
	if (b < s2c->n && x.res == SNF_MORE) {
		struct how none = {0, h.seed};
		feed_span(&x, qdir == SNF_OUT ? SNF_IN : SNF_OUT, s2c->b, b, s2c->n - b, &none);
	}
	*used = x.used;
	return x.res;
}

static void test_real_tcp_record(void **st)
{
	struct blob c, s;
	struct rec r, r2;
	size_t used = 0;

	(void)st;
	if (!blob_load("rtsp_tcp_c2s.bin", &c) || !blob_load("rtsp_tcp_s2c.bin", &s) || c.n == 0) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	assert_int_equal(replay(&c, &s, true, (struct how){0, 0}, &r, &used), SNF_VIDEO);
	assert_int_equal(r.nvideo, 1);
	assert_string_equal(r.name, "127.0.0.1");
	assert_string_equal(r.m.video, "rtsp/h264");
	assert_string_equal(r.m.codec, "h264");
	assert_int_equal(r.m.width, 640);
	assert_int_equal(r.m.height, 360);
	assert_int_equal(r.nexp, 0);
	printf("  rtsp RECORD over TCP: video after %zu of %zu request-stream bytes: %s\n", used,
	       c.n, r.ev);
	size_t lim = c.n < 4096 ? c.n : 4096;
	for (size_t cut = 1; cut < lim; cut++) {
		assert_int_equal(replay(&c, &s, true, (struct how){cut, 0}, &r2, &used), SNF_VIDEO);
		assert_string_equal(r2.ev, r.ev);
		assert_string_equal(r2.m.video, r.m.video);
	}
	for (uint32_t seed = 1; seed <= 300; seed++) {
		assert_int_equal(replay(&c, &s, true, (struct how){0, seed}, &r2, &used),
				 SNF_VIDEO);
		assert_string_equal(r2.ev, r.ev);
	}
	/* The LAN host is the server: the camera records into the office. */
	assert_int_equal(replay(&c, &s, false, (struct how){0, 0}, &r2, &used), SNF_NOT);
	free(c.b);
	free(s.b);
}

static void test_real_udp_record(void **st)
{
	struct blob c, s;
	struct rec r;
	size_t used = 0;

	(void)st;
	if (!blob_load("rtsp_udp_c2s.bin", &c) || !blob_load("rtsp_udp_s2c.bin", &s) || c.n == 0) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	assert_int_equal(replay(&c, &s, true, (struct how){0, 0}, &r, &used), SNF_MORE);
	assert_int_equal(r.nexp, 1);
	assert_int_equal(r.e.kind, SNF_EXP_RTP);
	assert_int_equal(r.e.proto, 17);
	assert_int_equal(r.e.family, 0);
	assert_true(r.e.upload);
	assert_int_not_equal(r.e.lan_port, 0);
	assert_int_not_equal(r.e.remote_port, 0);
	assert_int_equal(r.e.rtp_pt, 96);
	assert_string_equal(r.e.media.codec, "h264");
	assert_string_equal(r.e.media.video, "rtsp/h264");
	printf("  rtsp RECORD over UDP: expect RTP lan port %u -> remote port %u, pt %u, after "
	       "%zu bytes\n",
	       (unsigned)r.e.lan_port, (unsigned)r.e.remote_port, (unsigned)r.e.rtp_pt, c.n);
	for (uint32_t seed = 1; seed <= 100; seed++) {
		struct rec r2;
		assert_int_equal(replay(&c, &s, true, (struct how){0, seed}, &r2, &used), SNF_MORE);
		assert_int_equal(r2.nexp, 1);
		assert_int_equal(r2.e.lan_port, r.e.lan_port);
		assert_int_equal(r2.e.remote_port, r.e.remote_port);
	}
	free(c.b);
	free(s.b);
}

/* ---- hand-made sessions ---- */

struct wb {
	uint8_t b[65536];
	size_t n;
};

static void puts_(struct wb *w, const char *s)
{
	size_t l = strlen(s);
	assert_true(w->n + l <= sizeof(w->b));
	memcpy(w->b + w->n, s, l);
	w->n += l;
}

static const char sdp[] = "v=0\r\no=- 0 0 IN IP4 10.0.0.5\r\ns=cam\r\nt=0 0\r\n"
			  "m=audio 0 RTP/AVP 0\r\na=control:track2\r\n"
			  "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
			  "a=framesize:96 1920-1080\r\na=control:track1\r\n";

/* A remote client DESCRIBEs and PLAYs a LAN camera; frames from real RTP. */
static void test_play_served(void **st)
{
	struct blob pk = {0};
	struct wb q, a;
	struct blob bq, ba;
	struct rec r;
	size_t used = 0, off = 0;
	char line[256];

	(void)st;
	if (!blob_load("rtp_h264.bin", &pk) || pk.n == 0) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	q.n = a.n = 0;
	puts_(&q, "OPTIONS rtsp://10.0.0.5/live RTSP/1.0\r\nCSeq: 1\r\n\r\n");
	puts_(&a, "RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: DESCRIBE, SETUP, PLAY\r\n\r\n");
	puts_(&q, "DESCRIBE rtsp://10.0.0.5/live RTSP/1.0\r\nCSeq: 2\r\n\r\n");
	snprintf(line, sizeof(line),
		 "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n",
		 strlen(sdp));
	puts_(&a, line);
	puts_(&a, sdp);
	puts_(&q, "SETUP rtsp://10.0.0.5/live/track2 RTSP/1.0\r\nCSeq: 3\r\n"
		  "Transport: RTP/AVP/TCP;unicast;interleaved=2-3\r\n\r\n");
	puts_(&a, "RTSP/1.0 200 OK\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;interleaved=2-3\r\n\r\n");
	puts_(&q, "SETUP rtsp://10.0.0.5/live/track1 RTSP/1.0\r\nCSeq: 4\r\n"
		  "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n");
	puts_(&a, "RTSP/1.0 200 OK\r\nCSeq: 4\r\nTransport: RTP/AVP/TCP;interleaved=0-1\r\n"
		  "Session: 1234\r\n\r\n");
	puts_(&q, "PLAY rtsp://10.0.0.5/live RTSP/1.0\r\nCSeq: 5\r\nSession: 1234\r\n\r\n");
	puts_(&a, "RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n");
	/* Interleaved RTP on channel 0, an RTCP frame on 1 and audio on 2 between. */
	for (int i = 0; off + 2 <= pk.n && i < 40; i++) {
		size_t len = (size_t)pk.b[off] << 8 | pk.b[off + 1];
		uint8_t fh[4] = {'$', 0, (uint8_t)(len >> 8), (uint8_t)len};
		assert_true(a.n + 4 + len + 24 <= sizeof(a.b));
		memcpy(a.b + a.n, fh, 4);
		memcpy(a.b + a.n + 4, pk.b + off + 2, len);
		a.n += 4 + len;
		memcpy(a.b + a.n, "$\x01\x00\x08\x80\xc8\x00\x06\x00\x00\x00\x01", 12);
		memcpy(a.b + a.n + 12, "$\x02\x00\x08\x80\x00\x00\x06\x00\x00\x00\x01", 12);
		a.n += 24;
		off += 2 + len;
	}
	bq = (struct blob){q.b, q.n};
	ba = (struct blob){a.b, a.n};
	assert_int_equal(replay(&bq, &ba, false, (struct how){0, 0}, &r, &used), SNF_VIDEO);
	for (uint32_t seed = 1; seed <= 100; seed++) {
		struct rec r2;
		size_t u2;
		assert_int_equal(replay(&bq, &ba, false, (struct how){0, seed}, &r2, &u2),
				 SNF_VIDEO);
		assert_string_equal(r2.ev, r.ev);
	}
	assert_int_equal(r.nname, 0);
	assert_string_equal(r.m.video, "rtsp/h264");
	assert_int_equal(r.m.width, 640); /* the SPS wins over a=framesize */
	printf("  rtsp PLAY served by a LAN camera: video after %zu bytes: %s\n", used, r.ev);
	/* The same session with the LAN host as the client: PLAY pulls video in. */
	assert_int_equal(replay(&bq, &ba, true, (struct how){0, 0}, &r, &used), SNF_NOT);
	assert_string_equal(r.name, "10.0.0.5");
	free(pk.b);
}

static void test_refusals(void **st)
{
	struct snf_rtsp s;
	struct rec r;
	struct snf_sink sink = {.name = on_name, .video = on_video, .expect = on_expect, .ctx = &r};
	static const char audio_only[] =
		"ANNOUNCE rtsp://u:p@example.com:8554/a RTSP/1.0\r\nCSeq: 1\r\n"
		"Content-Length: 28\r\n\r\nv=0\r\nm=audio 0 RTP/AVP 0\r\n"
		"RECORD rtsp://example.com:8554/a RTSP/1.0\r\nCSeq: 2\r\n\r\n";
	static const uint8_t bin[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc};

	(void)st;
	memset(&r, 0, sizeof(r));
	snf_rtsp_init(&s, true);
	assert_int_equal(
		snf_rtsp_feed(&s, SNF_OUT, (const uint8_t *)audio_only, strlen(audio_only), &sink),
		SNF_NOT);
	assert_string_equal(r.name, "example.com");
	snf_rtsp_init(&s, true);
	assert_int_equal(snf_rtsp_feed(&s, SNF_OUT, bin, sizeof(bin), &sink), SNF_NOT);
	snf_rtsp_init(&s, true);
	assert_int_equal(
		snf_rtsp_feed(&s, SNF_OUT, (const uint8_t *)"GET / HTTP/1.1\r\n", 16, &sink),
		SNF_NOT);
	/* Answers that are not RTSP. */
	snf_rtsp_init(&s, true);
	assert_int_equal(
		snf_rtsp_feed(&s, SNF_IN, (const uint8_t *)"HTTP/1.1 200 OK\r\n", 17, &sink),
		SNF_NOT);
}

/* UDP SETUP answered by the server: ports both ways, LAN server PLAY = upload. */
static void test_udp_play_served(void **st)
{
	struct snf_rtsp s;
	struct rec r;
	struct snf_sink sink = {.expect = on_expect, .ctx = &r};
	char ans[512];
	static const char q1[] = "SETUP rtsp://10.0.0.5/live/track1 RTSP/1.0\r\nCSeq: 7\r\n"
				 "Transport: RTP/AVP;unicast;client_port=40000-40001\r\n\r\n";
	static const char q2[] = "PLAY rtsp://10.0.0.5/live RTSP/1.0\r\nCSeq: 8\r\n\r\n";

	(void)st;
	memset(&r, 0, sizeof(r));
	snf_rtsp_init(&s, false);
	snprintf(ans, sizeof(ans),
		 "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Length: %zu\r\n\r\n%s"
		 "RTSP/1.0 200 OK\r\nTransport: RTP/AVP;unicast;client_port=40000-40001;"
		 "server_port=6970-6971\r\nCSeq: 7\r\n\r\n",
		 strlen(sdp), sdp);
	static const char q0[] = "DESCRIBE rtsp://10.0.0.5/live RTSP/1.0\r\nCSeq: 2\r\n\r\n";
	assert_int_equal(snf_rtsp_feed(&s, SNF_IN, (const uint8_t *)q0, strlen(q0), &sink),
			 SNF_MORE);
	const char *cut = strstr(ans, "RTSP/1.0 200 OK\r\nTransport");
	assert_non_null(cut);
	assert_int_equal(
		snf_rtsp_feed(&s, SNF_OUT, (const uint8_t *)ans, (size_t)(cut - ans), &sink),
		SNF_MORE);
	assert_int_equal(snf_rtsp_feed(&s, SNF_IN, (const uint8_t *)q1, strlen(q1), &sink),
			 SNF_MORE);
	assert_int_equal(snf_rtsp_feed(&s, SNF_OUT, (const uint8_t *)cut, strlen(cut), &sink),
			 SNF_MORE);
	assert_int_equal(snf_rtsp_feed(&s, SNF_IN, (const uint8_t *)q2, strlen(q2), &sink),
			 SNF_MORE);
	assert_int_equal(r.nexp, 1);
	assert_true(r.e.upload);
	assert_int_equal(r.e.lan_port, 6970);
	assert_int_equal(r.e.remote_port, 40000);
	assert_int_equal(r.e.media.width, 1920);
	assert_int_equal(r.e.media.height, 1080);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_tcp_record), cmocka_unit_test(test_real_udp_record),
		cmocka_unit_test(test_play_served),     cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_udp_play_served),
	};
	printf("sizeof(struct snf_rtsp) = %zu\n", sizeof(struct snf_rtsp));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
