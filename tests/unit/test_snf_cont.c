/*
 * Unit tests for the container sniffer (snf_cont).
 *
 * (a) Hand-made byte strings for the edge cases: bad sizes, truncated
 *     headers, audio-only containers, a single JPEG, MPEG-TS with only 4
 *     syncs, the 64 KiB window.
 * (b) Every file of the generated media set (tools/gen_media.sh; directory
 *     from LEAKTAP_MEDIA, default build/media): verdict, kind, codec and
 *     size, and the same answer and byte count however the body is split.
 * (c) The bytes each kind needs before the decision are printed.
 * (d) Our verdict against libmagic's (file --mime-type), recorded in the
 *     manifest; every difference is listed and explained below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snf_cont.h"

/* ---- building bodies byte by byte ----------------------------------------------------- */

struct fb {
	uint8_t b[80000];
	size_t n;
};

static struct fb g_fb;

static void fb_u8(struct fb *f, uint8_t v)
{
	assert_true(f->n < sizeof(f->b));
	f->b[f->n++] = v;
}

static void fb_u16(struct fb *f, uint16_t v)
{
	fb_u8(f, (uint8_t)(v >> 8));
	fb_u8(f, (uint8_t)v);
}

static void fb_u32(struct fb *f, uint32_t v)
{
	fb_u16(f, (uint16_t)(v >> 16));
	fb_u16(f, (uint16_t)v);
}

static void fb_u32le(struct fb *f, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		fb_u8(f, (uint8_t)(v >> (8 * i)));
	}
}

static void fb_str(struct fb *f, const char *s)
{
	while (*s != '\0') {
		fb_u8(f, (uint8_t)*s++);
	}
}

static void fb_fill(struct fb *f, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fb_u8(f, v);
	}
}

static void fb_put32(struct fb *f, size_t at, uint32_t v)
{
	f->b[at] = (uint8_t)(v >> 24);
	f->b[at + 1] = (uint8_t)(v >> 16);
	f->b[at + 2] = (uint8_t)(v >> 8);
	f->b[at + 3] = (uint8_t)v;
}

/* Open an MP4 box; close it with box_end(). */
static size_t box(struct fb *f, const char *type)
{
	size_t at = f->n;

	fb_u32(f, 0);
	fb_str(f, type);
	return at;
}

static void box_end(struct fb *f, size_t at)
{
	fb_put32(f, at, (uint32_t)(f->n - at));
}

static void ftyp(struct fb *f, const char *brand)
{
	size_t b = box(f, "ftyp");

	fb_str(f, brand);
	fb_u32(f, 0x200);
	fb_str(f, brand);
	fb_str(f, "mp41");
	box_end(f, b);
}

/* A trak with handler hdlr; for "vide" an avc1 sample entry of 320x240. */
static void trak(struct fb *f, const char *hdlr)
{
	size_t t = box(f, "trak");
	size_t m = box(f, "mdia");
	size_t h = box(f, "hdlr");

	fb_u32(f, 0);
	fb_u32(f, 0);
	fb_str(f, hdlr);
	fb_fill(f, 0, 13);
	box_end(f, h);
	size_t mi = box(f, "minf");
	size_t st = box(f, "stbl");
	size_t sd = box(f, "stsd");
	fb_u32(f, 0);
	fb_u32(f, 1);
	size_t e = box(f, strcmp(hdlr, "vide") == 0 ? "avc1" : "mp4a");
	fb_fill(f, 0, 6);
	fb_u16(f, 1);
	fb_fill(f, 0, 16);
	fb_u16(f, 320);
	fb_u16(f, 240);
	fb_fill(f, 0, 50);
	box_end(f, e);
	box_end(f, sd);
	box_end(f, st);
	box_end(f, mi);
	box_end(f, m);
	box_end(f, t);
}

static void moov(struct fb *f, const char *h1, const char *h2)
{
	size_t m = box(f, "moov");
	size_t mv = box(f, "mvhd");

	fb_u32(f, 0);
	fb_u32(f, 0);
	fb_u32(f, 0);
	fb_u32(f, 1000); /* timescale */
	fb_u32(f, 2500); /* duration */
	fb_fill(f, 0, 80);
	box_end(f, mv);
	trak(f, h1);
	if (h2 != NULL) {
		trak(f, h2);
	}
	box_end(f, m);
}

/* EBML element with a 1-byte size (values < 127 bytes). */
static void ebml(struct fb *f, uint32_t id, const void *v, size_t n)
{
	for (int sh = 24; sh >= 0; sh -= 8) {
		if ((id >> sh) != 0) {
			fb_u8(f, (uint8_t)(id >> sh));
		}
	}
	assert_true(n < 127);
	fb_u8(f, (uint8_t)(0x80 | n));
	for (size_t i = 0; i < n; i++) {
		fb_u8(f, ((const uint8_t *)v)[i]);
	}
}

static void ebml_head(struct fb *f, const char *doctype)
{
	struct fb *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	ebml(t, 0x4286, "\x01", 1);
	ebml(t, 0x4282, doctype, strlen(doctype));
	ebml(f, 0x1A45DFA3, t->b, t->n);
	free(t);
}

/* Segment of unknown size, Tracks with one entry of type ttype, then a Cluster. */
static void mkv_body(struct fb *f, uint8_t ttype, const char *codec)
{
	struct fb *e = calloc(1, sizeof(*e));
	struct fb *tr = calloc(1, sizeof(*tr));

	assert_non_null(e);
	assert_non_null(tr);
	ebml(e, 0xD7, "\x01", 1);
	ebml(e, 0x83, &ttype, 1);
	ebml(e, 0x86, codec, strlen(codec));
	ebml(tr, 0xAE, e->b, e->n);
	fb_u32(f, 0x18538067);
	fb_u8(f, 0x01);
	fb_fill(f, 0xFF, 7);
	ebml(f, 0x1654AE6B, tr->b, tr->n);
	fb_u32(f, 0x1F43B675);
	fb_u8(f, 0xFF);
	free(e);
	free(tr);
}

/* A TS packet: PID, payload (padded with 0xFF). */
static void ts_pkt(struct fb *f, uint16_t pid, const uint8_t *pl, size_t n)
{
	fb_u8(f, 0x47);
	fb_u16(f, (uint16_t)(0x4000 | pid));
	fb_u8(f, 0x10);
	for (size_t i = 0; i < 184; i++) {
		fb_u8(f, i < n ? pl[i] : 0xFF);
	}
}

static void ts_psi(struct fb *f, uint8_t stream_type)
{
	static const uint8_t pat[] = {0x00, 0x00, 0xB0, 0x0D, 0x00, 0x01, 0xC1, 0x00, 0x00,
				      0x00, 0x01, 0xF0, 0x00, 0,    0,    0,    0};
	uint8_t pmt[] = {0x00, 0x02, 0xB0,        0x12, 0x00, 0x01, 0xC1, 0x00, 0x00, 0xE1, 0x00,
			 0xF0, 0x00, stream_type, 0xE1, 0x00, 0xF0, 0x00, 0,    0,    0,    0};

	ts_pkt(f, 0, pat, sizeof(pat));
	ts_pkt(f, 0x1000, pmt, sizeof(pmt));
}

/* A tiny baseline JPEG: SOI, DQT, SOF0 16x8, SOS, a few entropy bytes, EOI. */
static void jpeg(struct fb *f, bool mpf)
{
	fb_u16(f, 0xFFD8);
	if (mpf) {
		fb_u16(f, 0xFFE2);
		fb_u16(f, 10);
		fb_str(f, "MPF");
		fb_fill(f, 0, 5);
	}
	fb_u16(f, 0xFFDB);
	fb_u16(f, 67);
	fb_fill(f, 1, 65);
	fb_u16(f, 0xFFC0);
	fb_u16(f, 11);
	fb_u8(f, 8);
	fb_u16(f, 8);
	fb_u16(f, 16);
	fb_u8(f, 1);
	fb_u8(f, 1);
	fb_u8(f, 0x11);
	fb_u8(f, 0);
	fb_u16(f, 0xFFDA);
	fb_u16(f, 8);
	fb_fill(f, 0, 6);
	fb_str(f, "\x12\x34\xFF");
	fb_u8(f, 0x00); /* stuffed FF */
	fb_u16(f, 0xFFD0);
	fb_u8(f, 0x56);
	fb_u16(f, 0xFFD9);
}

/* ---- running the sniffer -------------------------------------------------------------- */

struct run {
	enum snf_res res;
	size_t fed;
	struct snf_media m;
};

/* Feed in pieces of the given sizes (the last piece takes the rest), then end. */
static struct run feed_pieces(const uint8_t *b, size_t n, const size_t *cuts, size_t ncuts)
{
	struct snf_cont s;
	struct run r;
	size_t off = 0;

	memset(&r, 0, sizeof(r));
	snf_cont_init(&s);
	r.res = SNF_MORE;
	for (size_t i = 0; i <= ncuts && r.res == SNF_MORE; i++) {
		size_t k = i < ncuts ? cuts[i] : n - off;

		if (k > n - off) {
			k = n - off;
		}
		r.res = snf_cont_feed(&s, b + off, k, &r.m);
		off += k;
	}
	if (r.res == SNF_MORE) {
		r.res = snf_cont_end(&s, &r.m);
	}
	r.fed = snf_cont_fed(&s);
	return r;
}

static struct run feed_all(const uint8_t *b, size_t n)
{
	return feed_pieces(b, n, NULL, 0);
}

static void assert_same(const struct run *a, const struct run *b, const char *what)
{
	if (a->res != b->res || a->fed != b->fed || memcmp(&a->m, &b->m, sizeof(a->m)) != 0) {
		fail_msg("%s: split answer %d fed %zu '%s' differs from whole %d fed %zu '%s'",
			 what, b->res, b->fed, b->m.detail, a->res, a->fed, a->m.detail);
	}
}

/* Fixed-seed xorshift: the same pieces on every run. */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void check_splits(const uint8_t *b, size_t n, const char *what)
{
	struct run whole = feed_all(b, n);
	size_t lim = n < 4096 ? n : 4096;
	uint32_t seed = 0x2545F491u;
	char msg[160];

	for (size_t at = 0; at <= lim; at++) {
		struct run r = feed_pieces(b, n, &at, 1);

		snprintf(msg, sizeof(msg), "%s split at %zu", what, at);
		assert_same(&whole, &r, msg);
	}
	for (int k = 0; k < 50; k++) {
		size_t cuts[512];
		size_t nc = 0;
		size_t tot = 0;

		while (nc < 512 && tot < n && tot < 70000) {
			/* Mostly small pieces (headers split), sometimes large ones. */
			size_t c = rnd(&seed) % 8 == 0 ? rnd(&seed) % 3000 : rnd(&seed) % 40;

			cuts[nc++] = c;
			tot += c;
		}
		struct run r = feed_pieces(b, n, cuts, nc);
		snprintf(msg, sizeof(msg), "%s random pieces #%d", what, k);
		assert_same(&whole, &r, msg);
	}
}

/* ---- (a) hand-made cases -------------------------------------------------------------- */

struct want {
	enum snf_res res;
	const char *kind;
	const char *codec;
};

static void expect(struct fb *f, struct want w, const char *what)
{
	struct run r = feed_all(f->b, f->n);

	if (r.res != w.res) {
		fail_msg("%s: answer %d, expected %d (fed %zu)", what, r.res, w.res, r.fed);
	}
	if (w.res == SNF_VIDEO) {
		assert_string_equal(r.m.video, w.kind);
		assert_string_equal(r.m.codec, w.codec);
		assert_true(r.m.detail[0] != '\0');
	}
	check_splits(f->b, f->n, what);
}

static const struct want NOT = {SNF_NOT, NULL, NULL};

static struct fb *fresh(void)
{
	memset(&g_fb, 0, sizeof(g_fb));
	return &g_fb;
}

static void test_not_container(void **state)
{
	(void)state;
	struct fb *f = fresh();
	struct snf_cont s;

	fb_str(f, "hello, this is a plain text body");
	expect(f, NOT, "text");
	/* The common case is cheap: 8 bytes at most. */
	snf_cont_init(&s);
	assert_int_equal(snf_cont_feed(&s, f->b, f->n, NULL), SNF_NOT);
	assert_true(snf_cont_fed(&s) <= 8);
	/* A final answer stays, and nothing more is consumed. */
	assert_int_equal(snf_cont_feed(&s, f->b, f->n, NULL), SNF_NOT);
	assert_true(snf_cont_fed(&s) <= 8);

	f = fresh();
	expect(f, NOT, "empty body");
	fb_str(f, "PK\x03\x04");
	expect(f, NOT, "zip");
	f = fresh();
	fb_str(f, "RIFF\x24\x00\x00\x00WAVEfmt ");
	expect(f, NOT, "RIFF WAVE");
}

static void test_mp4_edges(void **state)
{
	(void)state;
	struct fb *f = fresh();

	fb_u32(f, 12); /* ftyp shorter than brand + version */
	fb_str(f, "ftypisom");
	fb_fill(f, 0, 40);
	expect(f, NOT, "ftyp size 12");

	f = fresh();
	fb_u32(f, 0x7FFFFFF0);
	fb_str(f, "ftypisom");
	fb_fill(f, 0, 40);
	expect(f, NOT, "ftyp size 2 GB");

	f = fresh();
	fb_u32(f, 32);
	fb_str(f, "ftypis");
	expect(f, NOT, "truncated ftyp");

	f = fresh();
	ftyp(f, "M4A ");
	moov(f, "soun", NULL);
	expect(f, NOT, "audio brand M4A");

	f = fresh();
	ftyp(f, "heic");
	expect(f, NOT, "image brand heic");

	f = fresh();
	ftyp(f, "isom");
	box_end(f, box(f, "abcd"));
	expect(f, NOT, "unknown top-level box");
}

static void test_mp4_tracks(void **state)
{
	(void)state;
	struct fb *f = fresh();

	ftyp(f, "isom");
	moov(f, "soun", NULL);
	expect(f, NOT, "isom with only an audio track");

	f = fresh();
	ftyp(f, "isom");
	moov(f, "soun", "vide");
	expect(f, (struct want){SNF_VIDEO, "mp4", "h264"}, "isom with audio then video");

	f = fresh();
	ftyp(f, "qt  ");
	box_end(f, box(f, "wide"));
	fb_u32(f, 1000000);
	fb_str(f, "mdat");
	expect(f, (struct want){SNF_VIDEO, "mov", ""}, "qt with a large mdat first");

	f = fresh();
	ftyp(f, "isom");
	fb_u32(f, 1); /* largesize */
	fb_str(f, "mdat");
	fb_u32(f, 1);
	fb_u32(f, 0);
	expect(f, (struct want){SNF_VIDEO, "mp4", ""}, "64-bit mdat size");

	f = fresh();
	ftyp(f, "isom");
	size_t m = box(f, "moov");
	fb_u32(f, 4096); /* a child larger than moov */
	fb_str(f, "trak");
	fb_fill(f, 0, 16);
	box_end(f, m);
	expect(f, NOT, "moov child beyond moov");

	f = fresh();
	ftyp(f, "msdh");
	box_end(f, box(f, "sidx"));
	fb_u32(f, 200000);
	fb_str(f, "moof");
	expect(f, (struct want){SNF_VIDEO, "fmp4", ""}, "dash segment");
}

static void test_mkv_edges(void **state)
{
	(void)state;
	struct fb *f = fresh();

	ebml_head(f, "webm");
	mkv_body(f, 1, "V_VP9");
	expect(f, (struct want){SNF_VIDEO, "webm", "vp9"}, "webm vp9, unknown-size segment");

	f = fresh();
	ebml_head(f, "matroska");
	mkv_body(f, 2, "A_OPUS");
	expect(f, NOT, "matroska audio only");

	f = fresh();
	ebml_head(f, "mka");
	mkv_body(f, 1, "V_VP8");
	expect(f, NOT, "unknown DocType");

	f = fresh();
	ebml_head(f, "webm");
	f->n -= 3; /* header cut in the DocType */
	expect(f, NOT, "truncated EBML header");
}

static void test_riff_flv_edges(void **state)
{
	(void)state;
	struct fb *f = fresh();

	fb_str(f, "FLV\x01\x04");
	fb_u32(f, 9);
	fb_u32(f, 0);
	expect(f, NOT, "FLV audio only");

	f = fresh();
	fb_str(f, "FLV\x01\x01");
	fb_u32(f, 10);
	fb_u32(f, 0);
	expect(f, NOT, "FLV header size 10");

	f = fresh();
	fb_str(f, "FLV\x01\x05");
	fb_u32(f, 9);
	fb_u32(f, 0);
	fb_u8(f, 9); /* video tag of 5 bytes */
	fb_u8(f, 0);
	fb_u16(f, 5);
	fb_fill(f, 0, 7);
	fb_str(f, "\x17\x00\x00\x00\x00");
	fb_u32(f, 16);
	expect(f, (struct want){SNF_VIDEO, "flv", "h264"}, "FLV h264 tag");

	f = fresh();
	fb_str(f, "FLV\x01\x05");
	fb_u32(f, 9);
	fb_u32(f, 7); /* PreviousTagSize0 must be 0 */
	expect(f, NOT, "FLV bad PreviousTagSize0");

	f = fresh();
	fb_str(f, "RIFF");
	fb_u32le(f, 100);
	fb_str(f, "AVI LIST");
	fb_u32le(f, 4);
	fb_str(f, "movi");
	expect(f, NOT, "AVI without hdrl");
}

static void test_ts_ps_edges(void **state)
{
	(void)state;
	struct fb *f = fresh();

	for (int i = 0; i < 4; i++) {
		ts_pkt(f, 0x1FFF, NULL, 0);
	}
	expect(f, NOT, "TS 4 syncs, then the end");
	f->b[f->n++] = 0x12;
	fb_fill(f, 0, 200);
	expect(f, NOT, "TS 4 syncs, then no sync");

	f = fresh();
	for (int i = 0; i < 5; i++) {
		ts_pkt(f, 0x1FFF, NULL, 0);
	}
	expect(f, (struct want){SNF_VIDEO, "mpegts", ""}, "TS 5 syncs without PMT");

	f = fresh();
	ts_psi(f, 0x0F); /* AAC only */
	for (int i = 0; i < 3; i++) {
		ts_pkt(f, 0x1FFF, NULL, 0);
	}
	expect(f, NOT, "TS PMT with audio only");

	f = fresh();
	ts_psi(f, 0x24);
	for (int i = 0; i < 3; i++) {
		ts_pkt(f, 0x1FFF, NULL, 0);
	}
	expect(f, (struct want){SNF_VIDEO, "mpegts", "hevc"}, "TS PMT hevc");

	f = fresh();
	fb_str(f, "\x00\x00\x01\xBA\x44\x00\x04\x00\x04\x01\x01\x89\xC3\xF8");
	fb_str(f, "\x00\x00\x01\xC0\x00\x02\x80\x00");
	fb_str(f, "\x00\x00\x01\xB9");
	expect(f, NOT, "PS audio PES then end code");

	f = fresh();
	fb_str(f, "\x00\x00\x01\xBA\x44\x00\x00\x00\x04\x01\x01\x89\xC3\xF8");
	expect(f, NOT, "PS pack with a bad marker bit");
}

static void test_ogg_jpeg_edges(void **state)
{
	(void)state;
	struct fb *f = fresh();

	/* BOS page with a vorbis header, then a page that is not BOS. */
	fb_str(f, "OggS");
	fb_u8(f, 0);
	fb_u8(f, 2);
	fb_fill(f, 0, 20);
	fb_u8(f, 1);
	fb_u8(f, 30);
	fb_str(f, "\x01vorbis");
	fb_fill(f, 0, 23);
	fb_str(f, "OggS");
	fb_u8(f, 0);
	fb_u8(f, 0);
	fb_fill(f, 0, 20);
	fb_u8(f, 0);
	expect(f, NOT, "Ogg vorbis");

	f = fresh();
	jpeg(f, false);
	expect(f, NOT, "single JPEG");
	fb_str(f, "trailing bytes");
	expect(f, NOT, "single JPEG with a trailer");

	f = fresh();
	jpeg(f, false);
	jpeg(f, false);
	expect(f, (struct want){SNF_VIDEO, "mjpeg", "mjpeg"}, "two JPEG frames");

	f = fresh();
	jpeg(f, true);
	jpeg(f, false);
	expect(f, NOT, "multi-picture JPEG (MPF)");
}

static void test_window(void **state)
{
	(void)state;
	struct fb *f = fresh();
	struct snf_cont s;

	/* One JPEG whose entropy data outlasts the window. */
	jpeg(f, false);
	f->n -= 2;
	fb_fill(f, 0x55, 70000);
	snf_cont_init(&s);
	assert_int_equal(snf_cont_feed(&s, f->b, f->n, NULL), SNF_NOT);
	assert_int_equal(snf_cont_fed(&s), SNF_CONT_MAX_BYTES);
	expect(f, NOT, "JPEG beyond the window");
}

/* ---- (b), (c), (d) the generated media -------------------------------------------------- */

struct entry {
	char file[64];
	char kind[16];
	char codec[16];
	char mime[64];
	char size[16];
};

/*
 * Where libmagic and we disagree, and why. libmagic looks at magic numbers
 * and brands only; we look at the tracks.
 */
static const struct {
	const char *file;
	const char *why;
} magic_diff[] = {
	/* Debian 12's libmagic has no MPEG-TS rule: application/octet-stream. */
	{"h264.ts", "libmagic knows no MPEG-TS"},
	{"h264.m2ts", "libmagic knows no M2TS"},
	/* libmagic sees the first JPEG of the stream only: image/jpeg. */
	{"stream.mjpeg", "libmagic sees one JPEG"},
	/* video/webm from the DocType; the only track is Opus. */
	{"opus.webm", "audio-only WebM"},
	/* video/mp4 from the isom brand; the only track is AAC. */
	{"aac_isom.mp4", "audio-only MP4 with a video brand"},
};

static const char *media_dir(void)
{
	const char *d = getenv("LEAKTAP_MEDIA");

	return d != NULL && d[0] != '\0' ? d : "build/media";
}

static size_t load_manifest(struct entry *e, size_t max)
{
	char path[512];
	char line[512];
	size_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/manifest.tsv", media_dir());
	fp = fopen(path, "r");
	if (fp == NULL) {
		fail_msg("%s is missing: run tools/gen_media.sh %s first (needs ffmpeg)", path,
			 media_dir());
	}
	while (n < max && fgets(line, sizeof(line), fp) != NULL) {
		memset(&e[n], 0, sizeof(e[n]));
		if (sscanf(line, "%63[^\t]\t%15[^\t]\t%15[^\t]\t%63[^\t]\t%15[^\t\n]", e[n].file,
			   e[n].kind, e[n].codec, e[n].mime, e[n].size) == 5) {
			n++;
		}
	}
	fclose(fp);
	assert_true(n > 0);
	return n;
}

static uint8_t *load_file(const char *name, size_t *n)
{
	static uint8_t b[200000];
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", media_dir(), name);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		fail_msg("cannot open %s", path);
	}
	/* The window is 64 KiB: more than 200 kB is never looked at. */
	*n = fread(b, 1, sizeof(b), fp);
	fclose(fp);
	return b;
}

static bool magic_diff_known(const char *file)
{
	for (size_t i = 0; i < sizeof(magic_diff) / sizeof(magic_diff[0]); i++) {
		if (strcmp(magic_diff[i].file, file) == 0) {
			return true;
		}
	}
	return false;
}

static void check_media(const struct entry *e)
{
	size_t n;
	uint8_t *b = load_file(e->file, &n);
	struct run r = feed_all(b, n);
	bool video = strcmp(e->kind, "not") != 0;
	bool magic_video = strncmp(e->mime, "video/", 6) == 0;
	char wh[16];

	if (r.res != (video ? SNF_VIDEO : SNF_NOT)) {
		fail_msg("%s: answer %d, expected %s", e->file, r.res, e->kind);
	}
	if (video) {
		assert_string_equal(r.m.video, e->kind);
		/* "-": the window does not tell (moov beyond it). */
		assert_string_equal(r.m.codec, strcmp(e->codec, "-") == 0 ? "" : e->codec);
		snprintf(wh, sizeof(wh), "%ux%u", r.m.width, r.m.height);
		if (strcmp(e->size, "-") != 0) {
			assert_string_equal(wh, e->size);
		}
		print_message("bytes needed: %-6s %6zu  %-18s %-8s %-7s %ums  \"%s\"\n", e->kind,
			      r.fed, e->file, r.m.codec, wh, r.m.duration_ms, r.m.detail);
	} else {
		print_message("bytes needed: %-6s %6zu  %-18s (%s)\n", "not", r.fed, e->file,
			      e->mime);
	}
	if (magic_video != video && !magic_diff_known(e->file)) {
		fail_msg("%s: libmagic says %s, we say %s; explain it in magic_diff[]", e->file,
			 e->mime, video ? "video" : "not video");
	}
	check_splits(b, n, e->file);
}

static void test_media(void **state)
{
	(void)state;
	static struct entry e[64];
	size_t n = load_manifest(e, 64);

	for (size_t i = 0; i < n; i++) {
		check_media(&e[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_container),  cmocka_unit_test(test_mp4_edges),
		cmocka_unit_test(test_mp4_tracks),     cmocka_unit_test(test_mkv_edges),
		cmocka_unit_test(test_riff_flv_edges), cmocka_unit_test(test_ts_ps_edges),
		cmocka_unit_test(test_ogg_jpeg_edges), cmocka_unit_test(test_window),
		cmocka_unit_test(test_media),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
