/*
 * Unit tests for snf_rtp: real RTP streams made by ffmpeg
 * (tools/gen_stream_vectors.sh, directory from LEAKTAP_STREAMS, default
 * build/streams; a missing file fails the test) and hand-made packets
 * for the edge cases. Each real stream prints the packets needed to decide.
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

#include "snf_rtp.h"

/* A file of [len16 BE][datagram] records. */
struct pkts {
	uint8_t *b;
	size_t n;
};

static bool load(const char *name, struct pkts *p)
{
	const char *dir = getenv("LEAKTAP_STREAMS");
	char path[512];
	FILE *f;
	long sz;

	(void)snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : "build/streams", name);
	f = fopen(path, "rb");
	if (f == NULL) {
		return false;
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	sz = ftell(f);
	assert_true(sz >= 0);
	rewind(f);
	p->n = (size_t)sz;
	p->b = malloc(p->n + 1);
	assert_non_null(p->b);
	assert_int_equal(fread(p->b, 1, p->n, f), p->n);
	fclose(f);
	return p->n > 0;
}

/* Feed every packet (each cut to cap bytes when cap != 0); *used = packets fed. */
static enum snf_res run(const struct pkts *p, uint8_t pt, const char *codec, size_t cap,
			struct snf_media *m, unsigned *used)
{
	struct snf_rtp s;
	enum snf_res r = SNF_MORE;
	size_t off = 0;

	snf_rtp_init(&s, pt, codec);
	*used = 0;
	while (off + 2 <= p->n && r == SNF_MORE) {
		size_t len = (size_t)p->b[off] << 8 | p->b[off + 1];
		assert_true(off + 2 + len <= p->n);
		r = snf_rtp_feed_head(&s, p->b + off + 2, cap != 0 && cap < len ? cap : len, len,
				      m);
		(*used)++;
		off += 2 + len;
	}
	return r;
}

static void real(const char *file, const char *codec, const char *video, uint16_t w, uint16_t h)
{
	struct pkts p;
	struct snf_media m, m2;
	unsigned used = 0, used2 = 0;

	if (!load(file, &p)) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	memset(&m, 0, sizeof(m));
	assert_int_equal(run(&p, 0xff, "", 0, &m, &used), SNF_VIDEO);
	printf("  %s: video after %u packets: %s %s %ux%u (%s)\n", file, used, m.video, m.codec,
	       (unsigned)m.width, (unsigned)m.height, m.detail);
	assert_string_equal(m.video, video);
	assert_string_equal(m.codec, codec);
	assert_int_equal(m.width, w);
	assert_int_equal(m.height, h);
	/* Only the first 64 bytes of each packet (RTSP interleaved frames): same answer. */
	memset(&m2, 0, sizeof(m2));
	assert_int_equal(run(&p, 0xff, "", 64, &m2, &used2), SNF_VIDEO);
	assert_string_equal(m2.codec, codec);
	assert_int_equal(used2, used);
	free(p.b);
	p.b = NULL;
}

static void test_real_h264(void **st)
{
	(void)st;
	real("rtp_h264.bin", "h264", "rtp/h264", 640, 360);
}

static void test_real_hevc(void **st)
{
	(void)st;
	real("rtp_hevc.bin", "hevc", "rtp/hevc", 0, 0);
}

static void test_real_vp8(void **st)
{
	(void)st;
	real("rtp_vp8.bin", "vp8", "rtp/vp8", 640, 360);
}

static void test_real_vp9(void **st)
{
	(void)st;
	real("rtp_vp9.bin", "vp9", "rtp/vp9", 640, 360);
}

static void test_real_mjpeg(void **st)
{
	(void)st;
	real("rtp_mjpeg.bin", "mjpeg", "rtp/mjpeg", 640, 360);
}

static void test_real_mpegts(void **st)
{
	(void)st;
	real("rtp_mpegts.bin", "", "rtp/mp2t", 0, 0);
}

/* The SDP named the codec and PT: the same stream proves; a wrong name does not. */
static void test_real_known_codec(void **st)
{
	struct pkts p;
	struct snf_media m;
	unsigned used = 0;

	(void)st;
	if (!load("rtp_h264.bin", &p)) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	assert_int_equal(run(&p, 96, "H264", 0, &m, &used), SNF_VIDEO);
	assert_string_equal(m.codec, "h264");
	assert_int_not_equal(run(&p, 96, "VP8", 0, &m, &used), SNF_VIDEO);
	assert_int_not_equal(run(&p, 97, "H264", 0, &m, &used), SNF_VIDEO); /* wrong PT */
	assert_int_equal(run(&p, 96, "H263-1998", 0, &m, &used), SNF_NOT);
	free(p.b);
}

static void audio(const char *file)
{
	struct pkts p;
	struct snf_media m;
	unsigned used = 0;

	if (!load(file, &p)) {
		fail_msg("%s", "stream vector missing: run tools/gen_stream_vectors.sh");
	}
	assert_int_equal(run(&p, 0xff, "", 0, &m, &used), SNF_NOT);
	printf("  %s: not video after %u packets\n", file, used);
	free(p.b);
}

static void test_real_pcmu(void **st)
{
	(void)st;
	audio("rtp_pcmu.bin");
}

static void test_real_opus(void **st)
{
	(void)st;
	audio("rtp_opus.bin"); /* dynamic PT 97: every video structure must fail */
}

/* ---- hand-made packets ---- */

static size_t hdr(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, bool mark)
{
	b[0] = 0x80;
	b[1] = (uint8_t)(pt | (mark ? 0x80 : 0));
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	for (int i = 0; i < 4; i++) {
		b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
		b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
	}
	return 12;
}

/* xorshift32: fixed seed, so every run sees the same "random" bytes. */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* SRTP-like: valid headers, random payloads. Never video, whatever the codec. */
static void test_srtp_random_payloads(void **st)
{
	static const char *const codecs[] = {"", "H264", "H265", "VP8", "VP9", "JPEG"};
	uint8_t pkt[1200];
	struct snf_media m;

	(void)st;
	for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++) {
		for (uint32_t seed = 1; seed <= 50; seed++) {
			struct snf_rtp s;
			uint32_t x = seed * 2654435761u;
			enum snf_res r = SNF_MORE;
			unsigned n = 0;
			snf_rtp_init(&s, c == 5 ? 26 : 96, codecs[c]);
			for (uint16_t i = 0; r == SNF_MORE && i < 200; i++) {
				size_t len = hdr(pkt, c == 5 ? 26 : 96, (uint16_t)(7 + i),
						 1000u + 3000u * (i / 4u), 42, i % 4 == 3);
				size_t plen = 100 + rnd(&x) % 1000;
				for (size_t k = 0; k < plen; k++) {
					pkt[len + k] = (uint8_t)rnd(&x);
				}
				r = snf_rtp_feed(&s, pkt, len + plen, &m);
				n++;
			}
			assert_int_equal(r, SNF_NOT);
			if (seed == 1) {
				printf("  random payloads, codec \"%s\": not video after %u "
				       "packets\n",
				       codecs[c], n);
			}
		}
	}
}

/* H.264 FU-A: start/end pairs prove; a middle piece with no start breaks the run. */
static void test_h264_fua(void **st)
{
	uint8_t pkt[64];
	struct snf_rtp s;
	struct snf_media m;
	enum snf_res r = SNF_MORE;

	(void)st;
	snf_rtp_init(&s, 0xff, "");
	for (uint16_t i = 0; i < 12; i++) {
		size_t n = hdr(pkt, 96, i, 9000u * (i / 3u), 7, i % 3 == 2);
		pkt[n++] = 0x7c; /* NRI 3, FU-A */
		pkt[n++] = (uint8_t)((i % 3 == 0 ? 0x80 : i % 3 == 2 ? 0x40 : 0) | 5);
		memset(pkt + n, 0xab, 20);
		r = snf_rtp_feed(&s, pkt, n + 20, &m);
	}
	assert_int_equal(r, SNF_VIDEO);
	assert_string_equal(m.video, "rtp/h264");

	/* End piece of a different NAL type than the open unit: run broken. */
	snf_rtp_init(&s, 96, "H264");
	for (uint16_t i = 0; i < 30; i++) {
		size_t n = hdr(pkt, 96, i, 9000u * (i / 2u), 7, false);
		pkt[n++] = 0x7c;
		pkt[n++] = (uint8_t)(i % 2 == 0 ? 0x85 : 0x41);
		r = snf_rtp_feed(&s, pkt, n + 10, &m);
		assert_int_not_equal(r, SNF_VIDEO);
	}
}

/* STAP-A: sizes must fill the payload exactly; SPS inside gives the size. */
static void test_h264_stap_sps(void **st)
{
	/* SPS of x264 640x360 High profile, then a PPS. */
	static const uint8_t sps[] = {0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0, 0x2f,
				      0xf9, 0x70, 0x11, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00,
				      0x00, 0x03, 0x00, 0x32, 0x0f, 0x16, 0x2d, 0x96};
	static const uint8_t pps[] = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};
	uint8_t pkt[128];
	struct snf_rtp s;
	struct snf_media m;
	enum snf_res r = SNF_MORE;

	(void)st;
	snf_rtp_init(&s, 96, "h264");
	for (uint16_t i = 0; i < 12; i++) {
		size_t n = hdr(pkt, 96, i, 3000u * i, 9, true);
		pkt[n++] = 0x18;
		pkt[n++] = 0;
		pkt[n++] = sizeof(sps);
		memcpy(pkt + n, sps, sizeof(sps));
		n += sizeof(sps);
		pkt[n++] = 0;
		pkt[n++] = sizeof(pps);
		memcpy(pkt + n, pps, sizeof(pps));
		n += sizeof(pps);
		r = snf_rtp_feed(&s, pkt, i == 11 ? n : n, &m);
		if (i == 5) {
			/* One byte too many: sizes do not sum to the payload. */
			pkt[n] = 0;
			struct snf_rtp bad = s;
			assert_int_equal(snf_rtp_feed(&bad, pkt, n + 1, &m), SNF_MORE);
			assert_int_equal(bad.run, 0);
		}
	}
	assert_int_equal(r, SNF_VIDEO);
	assert_int_equal(m.width, 640);
	assert_int_equal(m.height, 360);
}

/* JPEG fragments must tile the frame in order. */
static void test_jpeg_offsets(void **st)
{
	uint8_t pkt[64];
	struct snf_rtp s;
	struct snf_media m;
	enum snf_res r = SNF_MORE;

	(void)st;
	snf_rtp_init(&s, 0xff, "");
	for (uint16_t i = 0; i < 12; i++) {
		size_t n = hdr(pkt, 26, i, 3600u * (i / 2u), 5, i % 2 == 1);
		uint32_t off = (i % 2) * 40u;
		pkt[n++] = 0;
		pkt[n++] = (uint8_t)(off >> 16);
		pkt[n++] = (uint8_t)(off >> 8);
		pkt[n++] = (uint8_t)off;
		pkt[n++] = 1;
		pkt[n++] = 80;
		pkt[n++] = 40; /* 320 */
		pkt[n++] = 30; /* 240 */
		r = snf_rtp_feed(&s, pkt, n + 40, &m);
	}
	assert_int_equal(r, SNF_VIDEO);
	assert_string_equal(m.video, "rtp/mjpeg");
	assert_int_equal(m.width, 320);
	assert_int_equal(m.height, 240);
	/* A gap in the offsets breaks the run. */
	snf_rtp_init(&s, 0xff, "");
	for (uint16_t i = 0; i < 40; i++) {
		size_t n = hdr(pkt, 26, i, 3600u * (i / 2u), 5, i % 2 == 1);
		memset(pkt + n, 0, 8);
		pkt[n + 3] = (uint8_t)((i % 2) * 41u);
		pkt[n + 4] = 1;
		pkt[n + 5] = 80;
		pkt[n + 6] = 40;
		pkt[n + 7] = 30;
		assert_int_not_equal(snf_rtp_feed(&s, pkt, n + 8 + 40, &m), SNF_VIDEO);
	}
}

/* Header checks: version, CSRC/extension/padding bounds, SSRC and sequence. */
static void test_header(void **st)
{
	uint8_t pkt[64];
	struct snf_rtp s;
	struct snf_media m;
	size_t n;

	(void)st;
	snf_rtp_init(&s, 96, "H264");
	n = hdr(pkt, 96, 1, 0, 1, false);
	pkt[n] = 0x41;
	pkt[0] = 0x40; /* version 1 */
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 4, &m), SNF_MORE);
	assert_int_equal(s.run, 0);
	pkt[0] = 0x8f; /* 15 CSRCs do not fit */
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 4, &m), SNF_MORE);
	assert_int_equal(s.run, 0);
	pkt[0] = 0x90; /* extension header past the end */
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 3, &m), SNF_MORE);
	assert_int_equal(s.run, 0);
	pkt[0] = 0xa0; /* padding count larger than the payload */
	pkt[n + 3] = 9;
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 4, &m), SNF_MORE);
	assert_int_equal(s.run, 0);
	pkt[0] = 0xa0; /* padding 3: one payload byte left, a valid NAL */
	pkt[n + 3] = 3;
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 4, &m), SNF_MORE);
	assert_int_equal(s.run, 1);
	/* Same sequence number again: not in the run. */
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 4, &m), SNF_MORE);
	assert_int_equal(s.run, 1);
	/* Other SSRC: a new run. */
	hdr(pkt, 96, 2, 0, 99, false);
	pkt[n] = 0x41;
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 1, &m), SNF_MORE);
	assert_int_equal(s.run, 1);
	assert_int_equal(snf_rtp_feed(&s, pkt, 0, &m), SNF_MORE);
	assert_int_equal(s.run, 0);
}

/* Static audio PT, and RTCP fed by mistake, are decided at once. */
static void test_audio_pt(void **st)
{
	uint8_t pkt[64];
	struct snf_rtp s;
	struct snf_media m;
	size_t n;

	(void)st;
	snf_rtp_init(&s, 0xff, "");
	n = hdr(pkt, 8, 1, 0, 1, false);
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 160, &m), SNF_NOT);
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 160, &m), SNF_NOT);
	snf_rtp_init(&s, 0xff, "");
	n = hdr(pkt, 72, 1, 0, 1, true); /* RTCP SR: 0x80 0xc8 */
	assert_int_equal(snf_rtp_feed(&s, pkt, n + 16, &m), SNF_NOT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_h264),
		cmocka_unit_test(test_real_hevc),
		cmocka_unit_test(test_real_vp8),
		cmocka_unit_test(test_real_vp9),
		cmocka_unit_test(test_real_mjpeg),
		cmocka_unit_test(test_real_mpegts),
		cmocka_unit_test(test_real_known_codec),
		cmocka_unit_test(test_real_pcmu),
		cmocka_unit_test(test_real_opus),
		cmocka_unit_test(test_srtp_random_payloads),
		cmocka_unit_test(test_h264_fua),
		cmocka_unit_test(test_h264_stap_sps),
		cmocka_unit_test(test_jpeg_offsets),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_audio_pt),
	};
	printf("sizeof(struct snf_rtp) = %zu\n", sizeof(struct snf_rtp));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
