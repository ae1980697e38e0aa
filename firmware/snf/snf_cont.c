/*
 * snf_cont: proof of a video container from the first bytes of a body.
 *
 * How it reads. Every format is a sequence of items: box, element, chunk,
 * tag and packet headers, and the few small header bodies that tell the
 * codec, size or duration. An item's bytes are gathered in hb[] until it is
 * complete; then one step function looks at it and says what comes next:
 * another item, or bytes to pass over (media payload is never copied).
 * Containers that are walked into keep their end offset on a small stack;
 * reaching an end closes the container, which is where most decisions are
 * made. Because every byte goes through this one accumulator, neither the
 * answer nor the byte count depends on how the body was split.
 *
 * Decision rules. VIDEO needs all of the rule; anything off is NOT at once.
 *
 * - First bytes: a body that starts with none of the magics below is NOT
 *   after 4 bytes (8 when bytes 4..7 could be an MP4 box type or an M2TS
 *   sync byte), so the common case costs almost nothing.
 * - MP4/MOV/3GP: first box "ftyp" (or "styp") of 16..4096 bytes, a multiple
 *   of 4, with a known video major brand (audio brands M4A/M4B/M4P/F4A/F4B:
 *   NOT), then only top-level boxes of known type (moov, mdat, moof, free,
 *   skip, wide, uuid, styp, sidx, pdin, meta...) with sane sizes. moov is
 *   walked: trak > mdia > hdlr gives each track's handler, the first 'vide'
 *   track's stsd sample entry the codec (tkhd, else the sample entry, the
 *   size), mvhd the duration, mvex marks a fragmented file. At the end of
 *   moov: VIDEO if a vide track was seen, else NOT. When moov ends beyond
 *   the window, VIDEO as soon as the vide sample entry is read. A top-level
 *   box that reaches beyond the window before any moov (the large mdat of a
 *   file with moov at the end) is VIDEO: the window holds nothing more to
 *   learn; such a file with only audio in a video brand is a known false
 *   positive. A first box "moov" (old QuickTime, no ftyp) is walked the same
 *   way. Kind: "mov" for brand "qt  " or no ftyp, "3gp" for 3gp*, 3g2*
 *   brands, "fmp4" for dash, iso5, iso6, cmfc, msdh, msix brands, a styp, sidx or
 *   moof before mdat, or mvex in moov; "mp4" otherwise.
 * - Matroska/WebM: EBML header (at most 512 bytes) whose DocType is "webm"
 *   or "matroska", then a Segment. Segment > Info gives TimecodeScale and
 *   Duration; Segment > Tracks > TrackEntry gives TrackType, CodecID and
 *   Video > PixelWidth/PixelHeight. At the end of Tracks: VIDEO if a
 *   TrackType 1 entry was seen, else NOT (audio only). A Cluster before any
 *   Tracks is VIDEO from the header alone. Only Segment and Cluster may have
 *   an unknown size (live recordings); every other size must fit its parent.
 * - AVI: "RIFF" size "AVI ", its first chunk LIST hdrl: avih (size,
 *   duration), LIST strl with strh of type 'vids' (handler) and strf
 *   (BITMAPINFOHEADER: compression, size). At the end of hdrl: VIDEO if a
 *   vids stream was seen, else NOT. Other RIFF forms (WAVE...): NOT.
 * - FLV: "FLV" version 1, flags with the video bit and no reserved bit,
 *   header size 9, PreviousTagSize0 = 0, then tags of type 8/9/18 with
 *   stream id 0, each followed by a matching PreviousTagSize. onMetaData
 *   gives width, height, duration, videocodecid. VIDEO at the first video
 *   tag (its first byte, or the enhanced-FLV FourCC, gives the codec).
 * - MPEG-TS: 0x47 at a 188-byte stride (M2TS: 192 bytes, after a 4-byte
 *   timestamp) 5 times in a row. PAT and PMT sections that start in a
 *   packet are parsed: a PMT with a video stream type (MPEG-1/2, MPEG-4,
 *   H.264, HEVC, VVC, CAVS, VC-1) is VIDEO, one with only other streams is
 *   NOT. Sync lost before 5 packets: NOT; lost after 5, or no PMT within the
 *   window (or before the body ends): VIDEO from the sync alone.
 * - MPEG-PS: pack header 000001BA with the MPEG-2 (or MPEG-1) marker bits,
 *   then only start codes 000001BB..FF with their lengths and further packs;
 *   VIDEO at the first PES with stream id E0-EF (codec from its payload
 *   start code, else from the pack type). Program end or any other bytes
 *   first: NOT.
 * - ASF: header object GUID with sane size and reserved bytes 1, 2, then
 *   objects inside it with sane sizes; a Stream Properties object with the
 *   video media GUID gives size and codec, File Properties the duration. At
 *   the end of the header object: VIDEO if a video stream was seen, else NOT.
 * - Ogg: "OggS" version 0, the first page BOS. The first packet of each BOS
 *   page is looked at: "\x80theora" or "OVP80" is VIDEO. The first page that
 *   is not BOS ends the stream headers: NOT (vorbis, opus, flac...).
 * - MJPEG: FFD8, known markers with lengths >= 2, entropy data to FFD9, then
 *   FFD8 again; VIDEO once the second image is complete. After the first
 *   image, anything but another image is NOT (a still), and so is a first
 *   image that says it is a multi-picture file (APP2 "MPF": MPO, gain maps).
 * - Window: undecided after SNF_CONT_MAX_BYTES, the answer is that of
 *   snf_cont_end(): VIDEO only if the proof is already complete (a video
 *   track parsed, MPEG-TS sync seen), else NOT.
 */
#include "snf_cont.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pcur.h"

/* End offset of an element that ends beyond any window (or has no size). */
#define FAR UINT32_MAX

#define FCC(a, b, c, d)                                                                            \
	((uint32_t)(uint8_t)(a) << 24 | (uint32_t)(uint8_t)(b) << 16 |                             \
	 (uint32_t)(uint8_t)(c) << 8 | (uint32_t)(uint8_t)(d))

#define FL_VIDEO 0x01u /* a video track was seen: codec, width, height describe it */
#define FL_HEAD  0x02u /* the leading header (ftyp, EBML header, hdrl) is done */
#define FL_FRAG  0x04u /* MP4: fragmented */

enum fmt {
	F_SNIFF,
	F_MP4,
	F_MKV,
	F_AVI,
	F_FLV,
	F_TS,
	F_PS,
	F_ASF,
	F_OGG,
	F_JPEG
};

enum kind {
	K_NONE,
	K_MP4,
	K_MOV,
	K_3GP,
	K_FMP4,
	K_WEBM,
	K_MKV,
	K_AVI,
	K_FLV,
	K_MPEGTS,
	K_M2TS,
	K_MPEGPS,
	K_ASF,
	K_OGG,
	K_MJPEG,
	K_AUDIO, /* an MP4 brand that says audio only */
	K_COUNT,
};

static const char *const kind_name[K_COUNT] = {
	"",    "mp4",    "mov",  "3gp",    "fmp4", "webm", "mkv",   "avi",
	"flv", "mpegts", "m2ts", "mpegps", "asf",  "ogg",  "mjpeg", "",
};

enum codec {
	C_NONE,
	C_H264,
	C_HEVC,
	C_VP8,
	C_VP9,
	C_AV1,
	C_MPEG4,
	C_MPEG2,
	C_MPEG1,
	C_H263,
	C_THEORA,
	C_MJPEG,
	C_WMV,
	C_VC1,
	C_VP6,
	C_CAVS,
	C_VVC,
	C_COUNT,
};

static const char *const codec_name[C_COUNT] = {
	"",     "h264",   "hevc",  "vp8", "vp9", "av1", "mpeg4", "mpeg2", "mpeg1",
	"h263", "theora", "mjpeg", "wmv", "vc1", "vp6", "cavs",  "vvc",
};

static void mp4_step(struct snf_cont *s);
static void mkv_step(struct snf_cont *s);
static void avi_step(struct snf_cont *s);
static void flv_step(struct snf_cont *s);
static void ts_step(struct snf_cont *s);
static void ps_step(struct snf_cont *s);
static void asf_step(struct snf_cont *s);
static void ogg_step(struct snf_cont *s);
static void jpg_step(struct snf_cont *s);

/* ---- reading the item in hb ------------------------------------------------------------ */

/*
 * A cursor at off in the gathered item; empty when off is beyond it. Reads
 * past what was gathered fail and leave the value at 0, which every caller
 * treats as "not told".
 */
static struct pcur hb_at(const struct snf_cont *s, size_t off)
{
	struct pcur c;

	pcur_init(&c, s->hb, s->hn);
	if (pcur_skip(&c, off) != 0) {
		pcur_init(&c, s->hb, 0);
	}
	return c;
}

static uint8_t hb_u8(const struct snf_cont *s, size_t off)
{
	struct pcur c = hb_at(s, off);
	uint8_t v = 0;

	(void)pcur_u8(&c, &v);
	return v;
}

static uint16_t hb_u16be(const struct snf_cont *s, size_t off)
{
	struct pcur c = hb_at(s, off);
	uint16_t v = 0;

	(void)pcur_u16be(&c, &v);
	return v;
}

static uint32_t hb_u32be(const struct snf_cont *s, size_t off)
{
	struct pcur c = hb_at(s, off);
	uint32_t v = 0;

	(void)pcur_u32be(&c, &v);
	return v;
}

static uint32_t hb_u32le(const struct snf_cont *s, size_t off)
{
	struct pcur c = hb_at(s, off);
	uint32_t v = 0;

	(void)pcur_u32le(&c, &v);
	return v;
}

static uint64_t hb_u64be(const struct snf_cont *s, size_t off)
{
	return (uint64_t)hb_u32be(s, off) << 32 | hb_u32be(s, off + 4);
}

static uint64_t hb_u64le(const struct snf_cont *s, size_t off)
{
	return (uint64_t)hb_u32le(s, off + 4) << 32 | hb_u32le(s, off);
}

/* Big-endian unsigned value of the whole item (EBML integers are 0..8 bytes). */
static uint64_t hb_uint(const struct snf_cont *s)
{
	uint64_t v = 0;

	for (size_t i = 0; i < s->hn && i < 8; i++) {
		v = v << 8 | s->hb[i];
	}
	return v;
}

static bool hb_has(const struct snf_cont *s, size_t off, const char *lit, size_t n)
{
	return (size_t)s->hn >= off + n && memcmp(s->hb + off, lit, n) == 0;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static uint16_t clamp16(uint64_t v)
{
	return v <= UINT16_MAX ? (uint16_t)v : 0;
}

static uint32_t clamp32(uint64_t v)
{
	return v <= UINT32_MAX ? (uint32_t)v : UINT32_MAX;
}

/* d units of 1/scale second, in ms; 0 when unknown. */
static uint32_t ms_of(uint64_t d, uint64_t scale)
{
	uint64_t q;

	if (scale == 0 || d == UINT64_MAX || d == UINT32_MAX) {
		return 0;
	}
	q = d / scale;
	if (q > UINT32_MAX / 1000u) {
		return UINT32_MAX;
	}
	return clamp32(q * 1000u + (d % scale) * 1000u / scale);
}

/* ---- item and container bookkeeping --------------------------------------------------- */

static void decide(struct snf_cont *s, enum snf_res r)
{
	s->res = (uint8_t)r;
}

/* The next item is n bytes in state st; the gathered bytes are done with. */
static void item(struct snf_cont *s, uint8_t st, size_t n)
{
	s->st = st;
	s->hn = 0;
	s->need = (uint16_t)n;
}

/* The current item turned out to need n bytes in all; keep what it has. */
static void more(struct snf_cont *s, size_t n)
{
	s->need = (uint16_t)n;
}

/* Pass over everything up to end, then read an item of n bytes in state st. */
static void skip_to(struct snf_cont *s, uint32_t end, uint8_t st, size_t n)
{
	item(s, st, n);
	s->skip = end > s->fed ? end - s->fed : 0;
}

/* Read up to cap bytes of the body that ends at end in state st; the rest is skipped. */
static void read_val(struct snf_cont *s, uint8_t st, uint32_t end, size_t cap)
{
	s->iend = end;
	item(s, st, min_sz(end - s->fed, cap));
}

/* start + size as an end offset; FAR when it lies beyond anything a window reaches. */
static uint32_t end_of(uint32_t start, uint64_t size)
{
	if (size >= (uint64_t)(FAR - start)) {
		return FAR;
	}
	return start + (uint32_t)size;
}

static uint32_t parent_end(const struct snf_cont *s)
{
	return s->depth > 0 ? s->end[s->depth - 1] : FAR;
}

static uint8_t parent(const struct snf_cont *s)
{
	return s->depth > 0 ? s->ctx[s->depth - 1] : 0;
}

/* Walk into a container; deeper nesting than kept is not something we prove from. */
static bool push(struct snf_cont *s, uint32_t end, uint8_t ctx)
{
	if (s->depth >= SNF_CONT_DEPTH) {
		decide(s, SNF_NOT);
		return false;
	}
	s->end[s->depth] = end;
	s->ctx[s->depth] = ctx;
	s->depth++;
	return true;
}

/* The final answer when no more bytes will be looked at. */
static void settle(struct snf_cont *s)
{
	bool ts = s->fmt == F_TS && s->u.ts.nsync >= 5 && s->u.ts.pmt != 2;

	if (s->res == SNF_MORE) {
		decide(s, (s->flags & FL_VIDEO) || ts ? SNF_VIDEO : SNF_NOT);
	}
}

static void mp4_close(struct snf_cont *s, uint8_t ctx);
static void mkv_close(struct snf_cont *s, uint8_t ctx);
static void avi_close(struct snf_cont *s, uint8_t ctx);
static void asf_close(struct snf_cont *s);

/*
 * Close the containers that end here. Only between items: a pending item
 * (even an empty one) belongs to the container it was found in.
 */
static void close_ended(struct snf_cont *s)
{
	while (s->res == SNF_MORE && s->depth > 0 && s->skip == 0 && s->hn == 0 && s->need > 0 &&
	       s->fed >= s->end[s->depth - 1]) {
		uint8_t ctx = s->ctx[--s->depth];

		if (s->fed > s->end[s->depth]) {
			/* An item ran over its container's end. */
			decide(s, SNF_NOT);
			return;
		}
		switch (s->fmt) {
		case F_MP4:
			mp4_close(s, ctx);
			break;
		case F_MKV:
			mkv_close(s, ctx);
			break;
		case F_AVI:
			avi_close(s, ctx);
			break;
		case F_ASF:
			asf_close(s);
			break;
		default:
			break;
		}
	}
}

/* FourCC codes of AVI, ASF and MP4 sample entries, case-insensitively. */
static uint8_t fourcc_codec(uint32_t f)
{
	static const struct {
		uint32_t fcc;
		uint8_t codec;
	} map[] = {
		{FCC('H', '2', '6', '4'), C_H264},  {FCC('X', '2', '6', '4'), C_H264},
		{FCC('A', 'V', 'C', '1'), C_H264},  {FCC('A', 'V', 'C', '3'), C_H264},
		{FCC('D', 'A', 'V', 'C'), C_H264},  {FCC('H', 'E', 'V', 'C'), C_HEVC},
		{FCC('H', '2', '6', '5'), C_HEVC},  {FCC('H', 'V', 'C', '1'), C_HEVC},
		{FCC('H', 'E', 'V', '1'), C_HEVC},  {FCC('X', 'V', 'I', 'D'), C_MPEG4},
		{FCC('D', 'I', 'V', 'X'), C_MPEG4}, {FCC('D', 'X', '5', '0'), C_MPEG4},
		{FCC('F', 'M', 'P', '4'), C_MPEG4}, {FCC('M', 'P', '4', 'V'), C_MPEG4},
		{FCC('M', 'J', 'P', 'G'), C_MJPEG}, {FCC('J', 'P', 'E', 'G'), C_MJPEG},
		{FCC('W', 'M', 'V', '1'), C_WMV},   {FCC('W', 'M', 'V', '2'), C_WMV},
		{FCC('W', 'M', 'V', '3'), C_WMV},   {FCC('W', 'V', 'C', '1'), C_VC1},
		{FCC('W', 'M', 'V', 'A'), C_VC1},   {FCC('V', 'P', '8', '0'), C_VP8},
		{FCC('V', 'P', '0', '8'), C_VP8},   {FCC('V', 'P', '9', '0'), C_VP9},
		{FCC('V', 'P', '0', '9'), C_VP9},   {FCC('A', 'V', '0', '1'), C_AV1},
		{FCC('H', '2', '6', '3'), C_H263},  {FCC('S', '2', '6', '3'), C_H263},
		{FCC('M', 'P', 'G', '2'), C_MPEG2}, {FCC('V', 'V', 'C', '1'), C_VVC},
	};
	uint32_t up = 0;

	for (int i = 24; i >= 0; i -= 8) {
		uint8_t ch = (uint8_t)(f >> i);

		up = up << 8 | (ch >= 'a' && ch <= 'z' ? (uint8_t)(ch - 32) : ch);
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].fcc == up) {
			return map[i].codec;
		}
	}
	return C_NONE;
}

/* ---- first bytes ------------------------------------------------------------------------ */

static void start(struct snf_cont *s, uint8_t fmt, uint8_t st, uint8_t kind)
{
	s->fmt = fmt;
	s->st = st;
	s->kind = kind;
}

/*
 * Which format, from the first 4 bytes (or 8). The bytes stay in hb: each
 * format's first step reads them as its first item.
 */
static void sniff_step(struct snf_cont *s)
{
	uint32_t m = hb_u32be(s, 0);
	uint32_t t = hb_u32be(s, 4);

	if (s->hn == 4) {
		if (m == 0x1A45DFA3u) {
			s->u.mkv.tcscale = 1000000u;
			start(s, F_MKV, 0, K_MKV);
		} else if (m == FCC('F', 'L', 'V', 1)) {
			start(s, F_FLV, 0, K_FLV);
		} else if (m == 0x000001BAu) {
			start(s, F_PS, 0, K_MPEGPS);
		} else if (m == FCC('O', 'g', 'g', 'S')) {
			start(s, F_OGG, 0, K_OGG);
		} else if (m == FCC('R', 'I', 'F', 'F')) {
			start(s, F_AVI, 0, K_AVI);
		} else if (m == 0x3026B275u) {
			start(s, F_ASF, 0, K_ASF);
		} else if (m >> 8 == 0xFFD8FFu) {
			start(s, F_JPEG, 0, K_MJPEG);
		} else if (m >> 24 == 0x47u) {
			s->u.ts.psize = 188;
			start(s, F_TS, 0, K_MPEGTS);
		} else {
			more(s, 8);
		}
		return;
	}
	if (t == FCC('f', 't', 'y', 'p') || t == FCC('s', 't', 'y', 'p') ||
	    t == FCC('m', 'o', 'o', 'v')) {
		start(s, F_MP4, 0, K_MP4);
	} else if (t >> 24 == 0x47u) {
		s->u.ts.psize = 192;
		s->u.ts.hoff = 4;
		start(s, F_TS, 0, K_M2TS);
	} else {
		decide(s, SNF_NOT);
	}
}

/* ---- MP4 / MOV / 3GP ------------------------------------------------------------------- */

enum {
	MP_TOP,
	MP_IN,
	MP_FTYP,
	MP_MVHD,
	MP_TKHD,
	MP_HDLR,
	MP_STSD
};
enum {
	X_MOOV = 1,
	X_TRAK,
	X_MDIA,
	X_BOX
};

/* What a major brand says: a kind, K_AUDIO, or K_NONE for a brand we do not know. */
static uint8_t mp4_brand(uint32_t b)
{
	static const uint32_t audio[] = {
		FCC('M', '4', 'A', ' '), FCC('M', '4', 'B', ' '), FCC('M', '4', 'P', ' '),
		FCC('F', '4', 'A', ' '), FCC('F', '4', 'B', ' '),
	};
	static const uint32_t frag[] = {
		FCC('d', 'a', 's', 'h'), FCC('i', 's', 'o', '5'), FCC('i', 's', 'o', '6'),
		FCC('c', 'm', 'f', 'c'), FCC('c', 'm', 'f', 'f'), FCC('c', 'm', 'f', 'v'),
		FCC('m', 's', 'd', 'h'), FCC('m', 's', 'i', 'x'),
	};
	static const uint32_t mp4[] = {
		FCC('i', 's', 'o', 'm'), FCC('i', 's', 'o', '2'), FCC('i', 's', 'o', '3'),
		FCC('i', 's', 'o', '4'), FCC('i', 's', 'o', '7'), FCC('i', 's', 'o', '8'),
		FCC('i', 's', 'o', '9'), FCC('m', 'p', '4', '1'), FCC('m', 'p', '4', '2'),
		FCC('m', 'p', '7', '1'), FCC('a', 'v', 'c', '1'), FCC('M', '4', 'V', ' '),
		FCC('M', '4', 'V', 'H'), FCC('M', '4', 'V', 'P'), FCC('f', '4', 'v', ' '),
		FCC('F', '4', 'V', ' '), FCC('F', '4', 'P', ' '), FCC('m', 'm', 'p', '4'),
		FCC('M', 'S', 'N', 'V'), FCC('X', 'A', 'V', 'C'), FCC('N', 'D', 'A', 'S'),
		FCC('K', 'D', 'D', 'I'), FCC('k', 'd', 'd', 'i'), FCC('C', 'A', 'E', 'P'),
		FCC('m', 'p', '2', '1'), FCC('m', 'j', 'p', '2'), FCC('d', 'b', 'y', '1'),
	};
	uint32_t p3 = b >> 8;

	if (b == FCC('q', 't', ' ', ' ')) {
		return K_MOV;
	}
	if (p3 == FCC(0, '3', 'g', 'p') || p3 == FCC(0, '3', 'g', '2') ||
	    p3 == FCC(0, '3', 'g', 'e') || p3 == FCC(0, '3', 'g', 'g') ||
	    p3 == FCC(0, '3', 'g', 's') || p3 == FCC(0, '3', 'g', 'r')) {
		return K_3GP;
	}
	for (size_t i = 0; i < sizeof(audio) / sizeof(audio[0]); i++) {
		if (audio[i] == b) {
			return K_AUDIO;
		}
	}
	for (size_t i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
		if (frag[i] == b) {
			return K_FMP4;
		}
	}
	for (size_t i = 0; i < sizeof(mp4) / sizeof(mp4[0]); i++) {
		if (mp4[i] == b) {
			return K_MP4;
		}
	}
	return K_NONE;
}

static bool mp4_top_known(uint32_t t)
{
	static const uint32_t top[] = {
		FCC('m', 'o', 'o', 'v'), FCC('m', 'd', 'a', 't'), FCC('m', 'o', 'o', 'f'),
		FCC('m', 'f', 'r', 'a'), FCC('f', 'r', 'e', 'e'), FCC('s', 'k', 'i', 'p'),
		FCC('w', 'i', 'd', 'e'), FCC('u', 'u', 'i', 'd'), FCC('s', 't', 'y', 'p'),
		FCC('s', 'i', 'd', 'x'), FCC('s', 's', 'i', 'x'), FCC('p', 'd', 'i', 'n'),
		FCC('m', 'e', 't', 'a'), FCC('p', 'r', 'f', 't'), FCC('e', 'm', 's', 'g'),
		FCC('p', 'n', 'o', 't'),
	};

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		if (top[i] == t) {
			return true;
		}
	}
	return false;
}

static uint8_t mp4_kind(const struct snf_cont *s)
{
	uint8_t k = s->u.mp4.brand ? mp4_brand(s->u.mp4.brand) : K_MOV;

	if (k == K_MP4 && (s->flags & FL_FRAG)) {
		return K_FMP4;
	}
	return k;
}

/* Box header in hb: 0 read (type, end set), 1 more bytes needed, -1 invalid. */
static int mp4_hdr(struct snf_cont *s, uint32_t *type, uint32_t *end)
{
	uint32_t sz = hb_u32be(s, 0);
	uint32_t start = s->fed - s->hn;
	uint64_t size = sz;
	uint64_t hdr = 8;

	*type = hb_u32be(s, 4);
	if (sz == 1) {
		if (s->hn < 16) {
			more(s, 16);
			return 1;
		}
		size = hb_u64be(s, 8);
		hdr = 16;
	}
	if (sz == 0) {
		/* "To the end of the file": only the last top-level box may say so. */
		*end = FAR;
		return s->depth == 0 ? 0 : -1;
	}
	if (size < hdr) {
		return -1;
	}
	*end = end_of(start, size);
	return *end <= parent_end(s) ? 0 : -1;
}

static void mp4_moov(struct snf_cont *s, uint32_t end)
{
	if (push(s, end, X_MOOV)) {
		item(s, MP_IN, 8);
	}
}

/* The first box: ftyp or styp (read its brands), or a bare moov. */
static void mp4_first(struct snf_cont *s, uint32_t type, uint32_t end)
{
	uint32_t size = end - (s->fed - s->hn);

	s->flags |= FL_HEAD;
	if (type == FCC('m', 'o', 'o', 'v')) {
		mp4_moov(s, end);
		return;
	}
	if (end == FAR || size < 16 || size > 4096 || size % 4 != 0) {
		decide(s, SNF_NOT);
		return;
	}
	if (type == FCC('s', 't', 'y', 'p')) {
		s->flags |= FL_FRAG;
	}
	read_val(s, MP_FTYP, end, 40);
}

static void mp4_top(struct snf_cont *s)
{
	uint32_t type;
	uint32_t end;
	int r = mp4_hdr(s, &type, &end);

	if (r > 0) {
		return;
	}
	if (r < 0) {
		decide(s, SNF_NOT);
		return;
	}
	if (!(s->flags & FL_HEAD)) {
		mp4_first(s, type, end);
		return;
	}
	if (!mp4_top_known(type)) {
		decide(s, SNF_NOT);
		return;
	}
	s->u.mp4.last = type;
	if (type == FCC('m', 'o', 'o', 'v')) {
		mp4_moov(s, end);
		return;
	}
	if (type == FCC('m', 'o', 'o', 'f') || type == FCC('s', 't', 'y', 'p') ||
	    type == FCC('s', 'i', 'd', 'x')) {
		s->flags |= FL_FRAG;
	}
	if (end > SNF_CONT_MAX_BYTES) {
		/* ftyp and a valid box that outlasts the window: all there is to see. */
		decide(s, SNF_VIDEO);
		return;
	}
	skip_to(s, end, MP_TOP, 8);
}

static void mp4_ftyp(struct snf_cont *s)
{
	uint32_t brand = hb_u32be(s, 0);
	uint8_t k = mp4_brand(brand);

	if (k == K_NONE || k == K_AUDIO) {
		decide(s, SNF_NOT);
		return;
	}
	s->u.mp4.brand = brand;
	for (size_t off = 8; off + 4 <= s->hn; off += 4) {
		if (hb_u32be(s, off) == FCC('d', 'a', 's', 'h')) {
			s->flags |= FL_FRAG;
		}
	}
	skip_to(s, s->iend, MP_TOP, 8);
}

/* A box inside moov: walk the containers on the path to stsd, read the few we need. */
static void mp4_in(struct snf_cont *s)
{
	uint32_t type;
	uint32_t end;
	int r = mp4_hdr(s, &type, &end);

	if (r > 0) {
		return;
	}
	if (r < 0) {
		decide(s, SNF_NOT);
		return;
	}
	switch (type) {
	case FCC('t', 'r', 'a', 'k'):
		s->u.mp4.handler = 0;
		s->u.mp4.tw = 0;
		s->u.mp4.th = 0;
		if (push(s, end, X_TRAK)) {
			item(s, MP_IN, 8);
		}
		return;
	case FCC('m', 'd', 'i', 'a'):
		if (push(s, end, X_MDIA)) {
			item(s, MP_IN, 8);
		}
		return;
	case FCC('m', 'i', 'n', 'f'):
	case FCC('s', 't', 'b', 'l'):
		if (push(s, end, X_BOX)) {
			item(s, MP_IN, 8);
		}
		return;
	case FCC('m', 'v', 'e', 'x'):
		s->flags |= FL_FRAG;
		break;
	case FCC('m', 'v', 'h', 'd'):
		read_val(s, MP_MVHD, end, 32);
		return;
	case FCC('t', 'k', 'h', 'd'):
		read_val(s, MP_TKHD, end, 96);
		return;
	case FCC('h', 'd', 'l', 'r'):
		/* QuickTime has a second (data) hdlr in minf: only mdia's says the media. */
		if (parent(s) == X_MDIA) {
			read_val(s, MP_HDLR, end, 12);
			return;
		}
		break;
	case FCC('s', 't', 's', 'd'):
		if (s->u.mp4.handler == 1 && !(s->flags & FL_VIDEO)) {
			read_val(s, MP_STSD, end, 44);
			return;
		}
		break;
	default:
		break;
	}
	skip_to(s, end, MP_IN, 8);
}

/* The body of a full box read in moov: mvhd, tkhd, hdlr or stsd. */
static void mp4_val(struct snf_cont *s)
{
	bool v1 = hb_u8(s, 0) == 1;

	switch (s->st) {
	case MP_MVHD:
		s->dur_ms = v1 ? ms_of(hb_u64be(s, 24), hb_u32be(s, 20))
			       : ms_of(hb_u32be(s, 16), hb_u32be(s, 12));
		break;
	case MP_TKHD:
		/* 16.16 fixed point; audio tracks say 0. */
		s->u.mp4.tw = (uint16_t)(hb_u32be(s, v1 ? 88 : 76) >> 16);
		s->u.mp4.th = (uint16_t)(hb_u32be(s, v1 ? 92 : 80) >> 16);
		break;
	case MP_HDLR:
		s->u.mp4.handler = hb_u32be(s, 8) == FCC('v', 'i', 'd', 'e') ? 1 : 2;
		break;
	default: /* MP_STSD: the first visual sample entry */
		s->flags |= FL_VIDEO;
		s->codec = fourcc_codec(hb_u32be(s, 12));
		/* Coded size; tkhd has the display size (aspect ratio applied). */
		s->width = hb_u16be(s, 40) ? hb_u16be(s, 40) : s->u.mp4.tw;
		s->height = hb_u16be(s, 42) ? hb_u16be(s, 42) : s->u.mp4.th;
		if (s->end[0] > SNF_CONT_MAX_BYTES) {
			/* The rest of moov is out of reach: this track is the proof. */
			decide(s, SNF_VIDEO);
			return;
		}
		break;
	}
	skip_to(s, s->iend, MP_IN, 8);
}

static void mp4_close(struct snf_cont *s, uint8_t ctx)
{
	if (ctx == X_TRAK && s->u.mp4.handler == 1 && !(s->flags & FL_VIDEO)) {
		/* A video track without a sample description: size from tkhd only. */
		s->flags |= FL_VIDEO;
		s->width = s->u.mp4.tw;
		s->height = s->u.mp4.th;
	} else if (ctx == X_MOOV) {
		decide(s, (s->flags & FL_VIDEO) ? SNF_VIDEO : SNF_NOT);
	}
}

static void mp4_step(struct snf_cont *s)
{
	switch (s->st) {
	case MP_TOP:
		mp4_top(s);
		break;
	case MP_IN:
		mp4_in(s);
		break;
	case MP_FTYP:
		mp4_ftyp(s);
		break;
	default:
		mp4_val(s);
		break;
	}
}

/* ---- Matroska / WebM ------------------------------------------------------------------- */

enum {
	EB_HDR,
	EB_DOCTYPE,
	EB_TCS,
	EB_DUR,
	EB_TTYPE,
	EB_CODEC,
	EB_PW,
	EB_PH
};
enum {
	X_EBML = 1,
	X_SEG,
	X_INFO,
	X_TRACKS,
	X_ENTRY,
	X_VIDEO
};

#define EB_ID_EBML    0x1A45DFA3u
#define EB_ID_SEGMENT 0x18538067u
#define EB_ID_CLUSTER 0x1F43B675u

/* Length of a variable-size integer from its first byte; 0 if invalid. */
static size_t vint_len(uint8_t b)
{
	size_t n = 1;

	for (uint8_t m = 0x80; m != 0; m >>= 1, n++) {
		if (b & m) {
			return n;
		}
	}
	return 0;
}

/* Element header in hb: 0 read, 1 more bytes needed, -1 invalid. */
static int mkv_hdr(struct snf_cont *s, uint32_t *id, uint64_t *size, bool *unknown)
{
	size_t il = vint_len(hb_u8(s, 0));
	size_t sl;
	uint8_t mask;
	uint64_t v;

	if (il == 0 || il > 4) {
		return -1;
	}
	if (s->hn < il + 1) {
		more(s, il + 1);
		return 1;
	}
	sl = vint_len(hb_u8(s, il));
	if (sl == 0) {
		return -1;
	}
	if (s->hn < il + sl) {
		more(s, il + sl);
		return 1;
	}
	*id = 0;
	for (size_t i = 0; i < il; i++) {
		*id = *id << 8 | s->hb[i];
	}
	mask = (uint8_t)(0xFFu >> sl);
	v = s->hb[il] & mask;
	*unknown = v == mask;
	for (size_t i = 1; i < sl; i++) {
		v = v << 8 | s->hb[il + i];
		*unknown = *unknown && s->hb[il + i] == 0xFF;
	}
	*size = v;
	return 0;
}

static uint8_t mkv_codec(const struct snf_cont *s)
{
	static const struct {
		const char *id;
		uint8_t codec;
	} map[] = {
		{"V_MPEG4/ISO/AVC", C_H264},
		{"V_MPEGH/ISO/HEVC", C_HEVC},
		{"V_VP8", C_VP8},
		{"V_VP9", C_VP9},
		{"V_AV1", C_AV1},
		{"V_MPEG4/ISO/", C_MPEG4},
		{"V_MPEG2", C_MPEG2},
		{"V_MPEG1", C_MPEG1},
		{"V_THEORA", C_THEORA},
		{"V_MJPEG", C_MJPEG},
		{"V_MPEGI/ISO/VVC", C_VVC},
	};

	/* Prefix match: "V_MPEG4/ISO/" covers SP, ASP and AP after AVC was tried. */
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (hb_has(s, 0, map[i].id, strlen(map[i].id))) {
			return map[i].codec;
		}
	}
	return C_NONE;
}

/* A string element value equals lit, allowing the NUL padding EBML permits. */
static bool mkv_str_is(const struct snf_cont *s, const char *lit)
{
	size_t n = strlen(lit);

	if (!hb_has(s, 0, lit, n)) {
		return false;
	}
	for (size_t i = n; i < s->hn; i++) {
		if (s->hb[i] != 0) {
			return false;
		}
	}
	return true;
}

static void mkv_enter(struct snf_cont *s, uint32_t end, uint8_t ctx)
{
	if (push(s, end, ctx)) {
		item(s, EB_HDR, 1);
	}
}

/* Top level: the EBML header first, then the Segment. */
static void mkv_top(struct snf_cont *s, uint32_t id, uint32_t end)
{
	if (!(s->flags & FL_HEAD)) {
		if (id == EB_ID_EBML && end != FAR && end - s->fed <= 512) {
			mkv_enter(s, end, X_EBML);
		} else {
			decide(s, SNF_NOT);
		}
	} else if (id == EB_ID_SEGMENT) {
		mkv_enter(s, end, X_SEG);
	} else if (id == 0xECu) {
		skip_to(s, end, EB_HDR, 1);
	} else {
		decide(s, SNF_NOT);
	}
}

/* A child of a container: the elements we read or walk into, by parent. */
static void mkv_child(struct snf_cont *s, uint32_t id, uint32_t end)
{
	uint8_t pc = parent(s);

	if (pc == 0) {
		mkv_top(s, id, end);
		return;
	}
	if (pc == X_EBML && id == 0x4282u) {
		read_val(s, EB_DOCTYPE, end, 16);
	} else if (pc == X_SEG && id == 0x1549A966u) {
		mkv_enter(s, end, X_INFO);
	} else if (pc == X_SEG && id == 0x1654AE6Bu) {
		mkv_enter(s, end, X_TRACKS);
	} else if (pc == X_SEG && id == EB_ID_CLUSTER) {
		/* Media before any Tracks: the header is all the proof there is. */
		decide(s, SNF_VIDEO);
	} else if (pc == X_INFO && id == 0x2AD7B1u) {
		read_val(s, EB_TCS, end, 8);
	} else if (pc == X_INFO && id == 0x4489u) {
		read_val(s, EB_DUR, end, 8);
	} else if (pc == X_TRACKS && id == 0xAEu) {
		s->u.mkv.ttype = 0;
		s->u.mkv.tcodec = C_NONE;
		s->u.mkv.tw = 0;
		s->u.mkv.th = 0;
		mkv_enter(s, end, X_ENTRY);
	} else if (pc == X_ENTRY && id == 0x83u) {
		read_val(s, EB_TTYPE, end, 8);
	} else if (pc == X_ENTRY && id == 0x86u) {
		read_val(s, EB_CODEC, end, 24);
	} else if (pc == X_ENTRY && id == 0xE0u) {
		mkv_enter(s, end, X_VIDEO);
	} else if (pc == X_VIDEO && id == 0xB0u) {
		read_val(s, EB_PW, end, 8);
	} else if (pc == X_VIDEO && id == 0xBAu) {
		read_val(s, EB_PH, end, 8);
	} else {
		skip_to(s, end, EB_HDR, 1);
	}
}

static void mkv_elem(struct snf_cont *s)
{
	uint32_t id = 0;
	uint64_t size = 0;
	bool unknown = false;
	uint32_t end;
	int r = mkv_hdr(s, &id, &size, &unknown);

	if (r > 0) {
		return;
	}
	if (r < 0 || (unknown && id != EB_ID_SEGMENT && id != EB_ID_CLUSTER)) {
		decide(s, SNF_NOT);
		return;
	}
	end = unknown ? FAR : end_of(s->fed, size);
	if (!unknown && end > parent_end(s)) {
		decide(s, SNF_NOT);
		return;
	}
	mkv_child(s, id, end);
}

static void mkv_val(struct snf_cont *s)
{
	uint64_t v = hb_uint(s);

	switch (s->st) {
	case EB_DOCTYPE:
		s->u.mkv.doctype = mkv_str_is(s, "webm") ? 1 : mkv_str_is(s, "matroska") ? 2 : 0;
		break;
	case EB_TCS:
		s->u.mkv.tcscale = v > 0 ? clamp32(v) : s->u.mkv.tcscale;
		break;
	case EB_DUR:
		s->u.mkv.dur_bits = v;
		s->u.mkv.dur_len = (uint8_t)s->hn;
		break;
	case EB_TTYPE:
		s->u.mkv.ttype = (uint8_t)(v <= 0xFF ? v : 0);
		break;
	case EB_CODEC:
		s->u.mkv.tcodec = mkv_codec(s);
		break;
	case EB_PW:
		s->u.mkv.tw = clamp16(v);
		break;
	default: /* EB_PH */
		s->u.mkv.th = clamp16(v);
		break;
	}
	skip_to(s, s->iend, EB_HDR, 1);
}

/* Info/Duration (a float in TimecodeScale ns units) in ms; 0 when absent or absurd. */
static uint32_t mkv_dur_ms(const struct snf_cont *s)
{
	double d;

	if (s->u.mkv.dur_len == 4) {
		uint32_t b = (uint32_t)s->u.mkv.dur_bits;
		float f;

		memcpy(&f, &b, sizeof(f));
		d = (double)f;
	} else if (s->u.mkv.dur_len == 8) {
		memcpy(&d, &s->u.mkv.dur_bits, sizeof(d));
	} else {
		return 0;
	}
	d = d * (double)s->u.mkv.tcscale / 1e6;
	return d >= 0.0 && d < 4e9 ? (uint32_t)d : 0;
}

static void mkv_close(struct snf_cont *s, uint8_t ctx)
{
	switch (ctx) {
	case X_EBML:
		if (s->u.mkv.doctype == 0) {
			decide(s, SNF_NOT);
		}
		s->kind = s->u.mkv.doctype == 1 ? K_WEBM : K_MKV;
		s->flags |= FL_HEAD;
		break;
	case X_ENTRY:
		if (s->u.mkv.ttype == 1 && !(s->flags & FL_VIDEO)) {
			s->flags |= FL_VIDEO;
			s->codec = s->u.mkv.tcodec;
			s->width = s->u.mkv.tw;
			s->height = s->u.mkv.th;
		}
		break;
	case X_TRACKS:
		decide(s, (s->flags & FL_VIDEO) ? SNF_VIDEO : SNF_NOT);
		break;
	case X_SEG:
		settle(s);
		break;
	default:
		break;
	}
}

static void mkv_step(struct snf_cont *s)
{
	if (s->st == EB_HDR) {
		mkv_elem(s);
	} else {
		mkv_val(s);
	}
}

/* ---- AVI ------------------------------------------------------------------------------- */

enum {
	AV_RIFF,
	AV_CHUNK,
	AV_AVIH,
	AV_STRH,
	AV_STRF
};
enum {
	X_RIFF = 1,
	X_HDRL,
	X_STRL
};

static void avi_riff(struct snf_cont *s)
{
	uint32_t size = hb_u32le(s, 4);

	if (s->hn < 12) {
		more(s, 12);
		return;
	}
	if (hb_u32be(s, 8) != FCC('A', 'V', 'I', ' ') || (size != 0 && size < 4)) {
		decide(s, SNF_NOT);
		return;
	}
	/* A writer that could not seek back leaves the size 0. */
	if (push(s, size == 0 ? FAR : end_of(8, size), X_RIFF)) {
		item(s, AV_CHUNK, 8);
	}
}

static void avi_list(struct snf_cont *s, uint32_t list, uint32_t end)
{
	uint8_t pc = parent(s);

	if (pc == X_RIFF && list == FCC('h', 'd', 'r', 'l') && !(s->flags & FL_HEAD)) {
		s->flags |= FL_HEAD;
		if (push(s, end, X_HDRL)) {
			item(s, AV_CHUNK, 8);
		}
	} else if (pc == X_RIFF && !(s->flags & FL_HEAD)) {
		decide(s, SNF_NOT);
	} else if (pc == X_HDRL && list == FCC('s', 't', 'r', 'l')) {
		s->u.avi.vids = 0;
		s->u.avi.handler = 0;
		if (push(s, end, X_STRL)) {
			item(s, AV_CHUNK, 8);
		}
	} else {
		skip_to(s, end, AV_CHUNK, 8);
	}
}

static void avi_chunk(struct snf_cont *s)
{
	uint32_t id = hb_u32be(s, 0);
	uint32_t size = hb_u32le(s, 4);
	uint32_t end = end_of(s->fed - s->hn, 8 + (uint64_t)size + (size & 1));
	uint8_t pc = parent(s);

	if (id == FCC('L', 'I', 'S', 'T') && s->hn < 12) {
		more(s, 12);
		return;
	}
	if (end > parent_end(s) || (id == FCC('L', 'I', 'S', 'T') && size < 4)) {
		decide(s, SNF_NOT);
		return;
	}
	if (id == FCC('L', 'I', 'S', 'T')) {
		avi_list(s, hb_u32be(s, 8), end);
	} else if (pc == X_RIFF && !(s->flags & FL_HEAD)) {
		decide(s, SNF_NOT);
	} else if (pc == X_HDRL && id == FCC('a', 'v', 'i', 'h')) {
		read_val(s, AV_AVIH, end, 40);
	} else if (pc == X_STRL && id == FCC('s', 't', 'r', 'h')) {
		read_val(s, AV_STRH, end, 8);
	} else if (pc == X_STRL && id == FCC('s', 't', 'r', 'f') && s->u.avi.vids) {
		read_val(s, AV_STRF, end, 20);
	} else {
		skip_to(s, end, AV_CHUNK, 8);
	}
}

/* The stream is video: codec from strf's compression, else strh's handler. */
static void avi_video(struct snf_cont *s, uint32_t compression)
{
	if (s->flags & FL_VIDEO) {
		return;
	}
	s->flags |= FL_VIDEO;
	s->codec = fourcc_codec(compression);
	if (s->codec == C_NONE) {
		s->codec = fourcc_codec(s->u.avi.handler);
	}
}

static void avi_val(struct snf_cont *s)
{
	uint32_t h;

	switch (s->st) {
	case AV_AVIH:
		s->dur_ms = clamp32((uint64_t)hb_u32le(s, 0) * hb_u32le(s, 16) / 1000u);
		s->width = clamp16(hb_u32le(s, 32));
		s->height = clamp16(hb_u32le(s, 36));
		break;
	case AV_STRH:
		s->u.avi.vids = hb_u32be(s, 0) == FCC('v', 'i', 'd', 's');
		s->u.avi.handler = hb_u32be(s, 4);
		break;
	default: /* AV_STRF of a video stream: BITMAPINFOHEADER */
		if (!(s->flags & FL_VIDEO) && s->width == 0) {
			/* biHeight is negative for top-down bitmaps. */
			h = hb_u32le(s, 8);
			s->width = clamp16(hb_u32le(s, 4));
			s->height = clamp16(h & 0x80000000u ? 0u - h : h);
		}
		avi_video(s, hb_u32be(s, 16));
		break;
	}
	skip_to(s, s->iend, AV_CHUNK, 8);
}

static void avi_close(struct snf_cont *s, uint8_t ctx)
{
	if (ctx == X_STRL && s->u.avi.vids) {
		avi_video(s, 0);
	} else if (ctx == X_HDRL) {
		decide(s, (s->flags & FL_VIDEO) ? SNF_VIDEO : SNF_NOT);
	} else if (ctx == X_RIFF) {
		settle(s);
	}
}

static void avi_step(struct snf_cont *s)
{
	switch (s->st) {
	case AV_RIFF:
		avi_riff(s);
		break;
	case AV_CHUNK:
		avi_chunk(s);
		break;
	default:
		avi_val(s);
		break;
	}
}

/* ---- FLV ------------------------------------------------------------------------------- */

enum {
	FV_HDR,
	FV_PTS,
	FV_TAG,
	FV_VDATA,
	FV_META
};
enum {
	FM_NAME,
	FM_ARRAY,
	FM_PROP,
	FM_DONE
};

static void flv_hdr(struct snf_cont *s)
{
	uint8_t flags = hb_u8(s, 4);

	if (s->hn < 9) {
		more(s, 9);
		return;
	}
	if ((flags & 0xFAu) != 0 || !(flags & 0x01u) || hb_u32be(s, 5) != 9) {
		decide(s, SNF_NOT);
		return;
	}
	s->u.flv.tsize = 0;
	item(s, FV_PTS, 4);
}

static void flv_tag(struct snf_cont *s)
{
	uint8_t type = hb_u8(s, 0);
	uint32_t size = hb_u32be(s, 0) & 0x00FFFFFFu;
	uint32_t sid = hb_u32be(s, 7) & 0x00FFFFFFu;

	/* Reserved and filter (encrypted) bits clear; stream id 0. */
	if ((type & 0xE0u) != 0 || (type != 8 && type != 9 && type != 18) || sid != 0) {
		decide(s, SNF_NOT);
		return;
	}
	s->u.flv.tsize = size + 11;
	s->iend = end_of(s->fed, size);
	if (type == 9 && size > 0) {
		read_val(s, FV_VDATA, s->iend, 5);
	} else if (type == 18 && s->u.flv.meta != FM_DONE && size >= 13) {
		read_val(s, FV_META, s->iend, 13);
	} else {
		skip_to(s, s->iend, FV_PTS, 4);
	}
}

static uint8_t flv_codec_id(uint32_t id)
{
	switch (id) {
	case 2:
		return C_H263; /* Sorenson H.263 */
	case 4:
	case 5:
		return C_VP6;
	case 7:
		return C_H264;
	case 12:
		return C_HEVC; /* the common non-standard extension */
	default:
		return C_NONE;
	}
}

static void flv_video(struct snf_cont *s)
{
	uint8_t b = hb_u8(s, 0);

	if (b & 0x80u) {
		/* Enhanced FLV: a FourCC (avc1, hvc1, vp09, av01) follows. */
		s->codec = fourcc_codec(hb_u32be(s, 1));
	} else {
		s->codec = flv_codec_id(b & 0x0Fu);
	}
	if (s->codec == C_NONE) {
		s->codec = s->u.flv.vcodec;
	}
	decide(s, SNF_VIDEO);
}

/* Give up on onMetaData (unknown value type, or item beyond the tag). */
static void flv_meta_done(struct snf_cont *s)
{
	s->u.flv.meta = FM_DONE;
	skip_to(s, s->iend, FV_PTS, 4);
}

/* The current meta item needs n bytes; false (and meta given up) if the tag is shorter. */
static bool flv_meta_need(struct snf_cont *s, size_t n)
{
	if ((uint64_t)(s->fed - s->hn) + n > s->iend || n > SNF_CONT_HB) {
		flv_meta_done(s);
		return false;
	}
	more(s, n);
	return s->hn >= n;
}

static void flv_meta_number(struct snf_cont *s, size_t nl)
{
	uint64_t bits = hb_u64be(s, 3 + nl);
	double d;

	memcpy(&d, &bits, sizeof(d));
	if (!(d >= 0.0 && d < 4e6)) {
		return;
	}
	if (nl == 5 && hb_has(s, 2, "width", 5)) {
		s->width = clamp16((uint64_t)d);
	} else if (nl == 6 && hb_has(s, 2, "height", 6)) {
		s->height = clamp16((uint64_t)d);
	} else if (nl == 8 && hb_has(s, 2, "duration", 8)) {
		s->dur_ms = (uint32_t)(d * 1000.0);
	} else if (nl == 12 && hb_has(s, 2, "videocodecid", 12)) {
		s->u.flv.vcodec = flv_codec_id((uint32_t)d);
	}
}

/* One property of onMetaData: u16 name length, name, AMF0 type, value. */
static void flv_meta_prop(struct snf_cont *s)
{
	size_t nl = hb_u16be(s, 0);
	uint8_t t;

	if (nl == 0 || !flv_meta_need(s, 2 + nl + 1)) {
		if (nl == 0) {
			flv_meta_done(s); /* object end marker */
		}
		return;
	}
	t = hb_u8(s, 2 + nl);
	if (t == 0 && flv_meta_need(s, 2 + nl + 1 + 8)) {
		flv_meta_number(s, nl);
	} else if (t == 1 && flv_meta_need(s, 2 + nl + 1 + 1)) {
		/* boolean: nothing we use */
	} else if (t == 2 && flv_meta_need(s, 2 + nl + 1 + 2)) {
		uint32_t end = s->fed + hb_u16be(s, 2 + nl + 1);

		/* Room for at least the object end marker after the string. */
		if (end + 3 > s->iend) {
			flv_meta_done(s);
		} else {
			skip_to(s, end, FV_META, 2);
		}
		return;
	} else if (t > 2) {
		flv_meta_done(s);
		return;
	}
	if (s->hn == s->need && s->u.flv.meta != FM_DONE) {
		item(s, FV_META, 2);
		(void)flv_meta_need(s, 2);
	}
}

static void flv_meta(struct snf_cont *s)
{
	switch (s->u.flv.meta) {
	case FM_NAME:
		if (!hb_has(s, 0, "\x02\x00\x0aonMetaData", 13)) {
			flv_meta_done(s);
			return;
		}
		s->u.flv.meta = FM_ARRAY;
		item(s, FV_META, 1);
		(void)flv_meta_need(s, 1);
		return;
	case FM_ARRAY:
		/* ECMA array (type 8, with a count) or object (type 3). */
		if (hb_u8(s, 0) == 8 && !flv_meta_need(s, 5)) {
			return;
		}
		if (hb_u8(s, 0) != 8 && hb_u8(s, 0) != 3) {
			flv_meta_done(s);
			return;
		}
		s->u.flv.meta = FM_PROP;
		item(s, FV_META, 2);
		(void)flv_meta_need(s, 2);
		return;
	default:
		flv_meta_prop(s);
		return;
	}
}

static void flv_step(struct snf_cont *s)
{
	switch (s->st) {
	case FV_HDR:
		flv_hdr(s);
		break;
	case FV_PTS:
		if (hb_u32be(s, 0) != s->u.flv.tsize) {
			decide(s, SNF_NOT);
		} else {
			item(s, FV_TAG, 11);
		}
		break;
	case FV_TAG:
		flv_tag(s);
		break;
	case FV_VDATA:
		flv_video(s);
		break;
	default:
		flv_meta(s);
		break;
	}
}

/* ---- MPEG-TS / M2TS -------------------------------------------------------------------- */

enum {
	TS_HDR,
	TS_PSI
};

/* Video stream types of a PMT and their codec. */
static bool ts_video(uint8_t type, uint8_t *codec)
{
	static const uint8_t map[][2] = {
		{0x01, C_MPEG1}, {0x02, C_MPEG2}, {0x10, C_MPEG4}, {0x1B, C_H264}, {0x1F, C_H264},
		{0x20, C_H264},  {0x24, C_HEVC},  {0x33, C_VVC},   {0x42, C_CAVS}, {0xEA, C_VC1},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i][0] == type) {
			*codec = map[i][1];
			return true;
		}
	}
	return false;
}

static void ts_pat(struct snf_cont *s, struct pcur *sec)
{
	uint16_t prog;
	uint16_t pid;

	while (pcur_u16be(sec, &prog) == 0 && pcur_u16be(sec, &pid) == 0) {
		if (prog != 0) {
			s->u.ts.pmt_pid = pid & 0x1FFFu;
			return;
		}
	}
}

/* whole: the section was not cut by hb, so "no video stream" can be concluded. */
static void ts_pmt(struct snf_cont *s, struct pcur *sec, bool whole)
{
	uint16_t v;
	uint8_t type;
	uint8_t codec = C_NONE;

	if (pcur_skip(sec, 2) != 0 || pcur_u16be(sec, &v) != 0 ||
	    pcur_skip(sec, v & 0x0FFFu) != 0) {
		return;
	}
	while (pcur_u8(sec, &type) == 0) {
		if (ts_video(type, &codec)) {
			s->u.ts.pmt = 1;
			s->u.ts.vtype = type;
			s->codec = codec;
			return;
		}
		if (pcur_skip(sec, 2) != 0 || pcur_u16be(sec, &v) != 0 ||
		    pcur_skip(sec, v & 0x0FFFu) != 0) {
			return;
		}
	}
	if (whole) {
		s->u.ts.pmt = 2;
	}
}

/* A PAT or PMT section starting in this packet (its first part is in hb). */
static void ts_psi(struct snf_cont *s)
{
	size_t h = s->u.ts.hoff;
	struct pcur c = hb_at(s, h + 4);
	struct pcur sec;
	uint8_t afl = 0;
	uint8_t ptr;
	uint8_t tid;
	uint16_t sl;
	size_t n;

	if ((hb_u8(s, h + 3) & 0x20u) && (pcur_u8(&c, &afl) != 0 || pcur_skip(&c, afl) != 0)) {
		return;
	}
	if (pcur_u8(&c, &ptr) != 0 || pcur_skip(&c, ptr) != 0 || pcur_u8(&c, &tid) != 0 ||
	    pcur_u16be(&c, &sl) != 0) {
		return;
	}
	sl &= 0x0FFFu;
	/* 5 bytes of table header, then entries, then the CRC (4). */
	if (sl < 9 || pcur_skip(&c, 5) != 0) {
		return;
	}
	n = min_sz((size_t)sl - 9, pcur_left(&c));
	(void)pcur_sub(&c, n, &sec);
	if (tid == 0 && (hb_u16be(s, h + 1) & 0x1FFFu) == 0) {
		ts_pat(s, &sec);
	} else if (tid == 2) {
		ts_pmt(s, &sec, n == (size_t)sl - 9);
	}
}

/* After a packet: decide when the proof is complete, else pass over the rest of it. */
static void ts_next(struct snf_cont *s)
{
	if (s->u.ts.nsync >= 5 && s->u.ts.pmt != 0) {
		decide(s, s->u.ts.pmt == 1 ? SNF_VIDEO : SNF_NOT);
		return;
	}
	skip_to(s, s->fed - s->hn + s->u.ts.psize, TS_HDR, (size_t)s->u.ts.hoff + 4);
}

static void ts_hdr(struct snf_cont *s)
{
	size_t h = s->u.ts.hoff;
	uint8_t b1 = hb_u8(s, h + 1);
	uint8_t b3 = hb_u8(s, h + 3);
	uint16_t pid = hb_u16be(s, h + 1) & 0x1FFFu;
	bool psi;

	/* Sync byte, no transport error, a valid adaptation field control. */
	if (hb_u8(s, h) != 0x47 || (b1 & 0x80u) || (b3 & 0x30u) == 0) {
		settle(s);
		return;
	}
	if (s->u.ts.nsync < UINT16_MAX) {
		s->u.ts.nsync++;
	}
	psi = (b1 & 0x40u) && (b3 & 0x10u) && s->u.ts.pmt == 0 &&
	      (pid == 0 || (s->u.ts.pmt_pid != 0 && pid == s->u.ts.pmt_pid));
	if (psi) {
		s->st = TS_PSI;
		more(s, min_sz(s->u.ts.psize, SNF_CONT_HB));
		return;
	}
	ts_next(s);
}

static void ts_step(struct snf_cont *s)
{
	if (s->st == TS_PSI) {
		ts_psi(s);
		ts_next(s);
	} else {
		ts_hdr(s);
	}
}

/* ---- MPEG-PS --------------------------------------------------------------------------- */

enum {
	PS_PACK,
	PS_SC,
	PS_PES
};

static void ps_pack(struct snf_cont *s)
{
	uint8_t b4 = hb_u8(s, 4);
	bool ok;

	if (s->hn < 5) {
		more(s, 5);
		return;
	}
	if ((b4 & 0xC0u) == 0x40u) {
		if (s->hn < 14) {
			more(s, 14);
			return;
		}
		ok = (b4 & 0xC4u) == 0x44u && (hb_u8(s, 6) & 0x04u) && (hb_u8(s, 8) & 0x04u) &&
		     (hb_u8(s, 9) & 0x01u) && (hb_u8(s, 12) & 0x03u) == 0x03u;
		s->u.ps.mpeg2 = 1;
		/* Stuffing bytes follow the MPEG-2 pack header. */
		skip_to(s, s->fed + (hb_u8(s, 13) & 0x07u), PS_SC, 4);
	} else if ((b4 & 0xF0u) == 0x20u) {
		if (s->hn < 12) {
			more(s, 12);
			return;
		}
		ok = (b4 & 0xF1u) == 0x21u && (hb_u8(s, 6) & 0x01u) && (hb_u8(s, 8) & 0x01u) &&
		     (hb_u8(s, 9) & 0x80u) && (hb_u8(s, 11) & 0x01u);
		item(s, PS_SC, 4);
	} else {
		ok = false;
	}
	if (!ok) {
		decide(s, SNF_NOT);
	}
}

/* The codec from the first start code of a video PES payload; the pack type if none. */
static void ps_pes(struct snf_cont *s)
{
	size_t total = (size_t)hb_u16be(s, 4) + 6;
	size_t n;
	size_t p;
	uint8_t x;

	s->codec = s->u.ps.mpeg2 ? C_MPEG2 : C_MPEG1;
	if (s->u.ps.mpeg2 && total >= 9) {
		if (s->hn < 9) {
			more(s, 9);
			return;
		}
		p = 9 + (size_t)hb_u8(s, 8);
		n = min_sz(min_sz(p + 6, total), SNF_CONT_HB);
		if (s->hn < n) {
			more(s, n);
			return;
		}
		if (hb_u32be(s, p) == 1) {
			p++; /* 4-byte start code */
		}
		x = hb_u8(s, p + 3);
		if ((hb_u32be(s, p) >> 8) != 1 || x == 0xB3 || x == 0xB8 || x == 0x00) {
			/* MPEG video sequence or GOP header: the pack type says which. */
		} else if ((x == 0x40 || x == 0x42 || x == 0x44 || x == 0x46) &&
			   hb_u8(s, p + 4) == 0x01) {
			s->codec = C_HEVC; /* VPS, SPS, PPS or AUD NAL unit header */
		} else if ((x & 0x1Fu) == 7 || (x & 0x1Fu) == 9) {
			s->codec = C_H264; /* SPS or access unit delimiter */
		}
	}
	decide(s, SNF_VIDEO);
}

static void ps_sc(struct snf_cont *s)
{
	uint8_t id = hb_u8(s, 3);

	if (hb_u32be(s, 0) >> 8 != 1) {
		decide(s, SNF_NOT);
		return;
	}
	if (id == 0xBA) {
		s->st = PS_PACK;
		more(s, 5);
		return;
	}
	if (id < 0xBB) {
		/* Program end, or a start code that does not belong at this level. */
		settle(s);
		return;
	}
	if (s->hn < 6) {
		more(s, 6);
		return;
	}
	if (id >= 0xE0 && id <= 0xEF) {
		s->st = PS_PES;
		ps_pes(s);
		return;
	}
	skip_to(s, s->fed + hb_u16be(s, 4), PS_SC, 4);
}

static void ps_step(struct snf_cont *s)
{
	switch (s->st) {
	case PS_PACK:
		ps_pack(s);
		break;
	case PS_SC:
		ps_sc(s);
		break;
	default:
		ps_pes(s);
		break;
	}
}

/* ---- ASF / WMV ------------------------------------------------------------------------- */

enum {
	AS_HDR,
	AS_OBJ,
	AS_FPROP,
	AS_SPROP
};

static const uint8_t asf_header[16] = {0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11,
				       0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62, 0xCE, 0x6C};
static const uint8_t asf_fprop[16] = {0xA1, 0xDC, 0xAB, 0x8C, 0x47, 0xA9, 0xCF, 0x11,
				      0x8E, 0xE4, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65};
static const uint8_t asf_sprop[16] = {0x91, 0x07, 0xDC, 0xB7, 0xB7, 0xA9, 0xCF, 0x11,
				      0x8E, 0xE6, 0x00, 0xC0, 0x0C, 0x20, 0x53, 0x65};
static const uint8_t asf_video[16] = {0xC0, 0xEF, 0x19, 0xBC, 0x4D, 0x5B, 0xCF, 0x11,
				      0xA8, 0xFD, 0x00, 0x80, 0x5F, 0x5C, 0x44, 0x2B};

static bool hb_guid(const struct snf_cont *s, size_t off, const uint8_t guid[16])
{
	return (size_t)s->hn >= off + 16 && memcmp(s->hb + off, guid, 16) == 0;
}

static void asf_hdr(struct snf_cont *s)
{
	uint64_t size = hb_u64le(s, 16);

	if (s->hn < 30) {
		more(s, 30);
		return;
	}
	if (!hb_guid(s, 0, asf_header) || size < 30 + 24 || hb_u32le(s, 24) == 0 ||
	    hb_u8(s, 28) != 1 || hb_u8(s, 29) != 2) {
		decide(s, SNF_NOT);
		return;
	}
	if (push(s, end_of(0, size), 1)) {
		item(s, AS_OBJ, 24);
	}
}

static void asf_obj(struct snf_cont *s)
{
	uint64_t size = hb_u64le(s, 16);
	uint32_t end = end_of(s->fed - s->hn, size);

	if (size < 24 || end > parent_end(s)) {
		decide(s, SNF_NOT);
	} else if (hb_guid(s, 0, asf_fprop)) {
		read_val(s, AS_FPROP, end, 64);
	} else if (hb_guid(s, 0, asf_sprop) && !(s->flags & FL_VIDEO)) {
		read_val(s, AS_SPROP, end, 85);
	} else {
		skip_to(s, end, AS_OBJ, 24);
	}
}

static void asf_val(struct snf_cont *s)
{
	uint64_t play = hb_u64le(s, 40);    /* 100 ns units */
	uint64_t preroll = hb_u64le(s, 56); /* ms */

	if (s->st == AS_FPROP) {
		s->dur_ms = play / 10000u >= preroll ? clamp32(play / 10000u - preroll) : 0;
	} else if (hb_guid(s, 0, asf_video)) {
		s->flags |= FL_VIDEO;
		s->width = clamp16(hb_u32le(s, 54));
		s->height = clamp16(hb_u32le(s, 58));
		s->codec = fourcc_codec(hb_u32be(s, 81));
	}
	skip_to(s, s->iend, AS_OBJ, 24);
}

static void asf_close(struct snf_cont *s)
{
	decide(s, (s->flags & FL_VIDEO) ? SNF_VIDEO : SNF_NOT);
}

static void asf_step(struct snf_cont *s)
{
	switch (s->st) {
	case AS_HDR:
		asf_hdr(s);
		break;
	case AS_OBJ:
		asf_obj(s);
		break;
	default:
		asf_val(s);
		break;
	}
}

/* ---- Ogg ------------------------------------------------------------------------------- */

enum {
	OG_PAGE,
	OG_SEGS,
	OG_PKT
};

static void ogg_page(struct snf_cont *s)
{
	uint8_t flags = hb_u8(s, 5);

	if (s->hn < 27) {
		more(s, 27);
		return;
	}
	if (hb_u32be(s, 0) != FCC('O', 'g', 'g', 'S') || hb_u8(s, 4) != 0 || (flags & 0xF8u) ||
	    !(flags & 0x02u)) {
		/* Not a page, or the first page after the BOS pages: no video stream. */
		decide(s, SNF_NOT);
		return;
	}
	s->u.ogg.segs = hb_u8(s, 26);
	s->u.ogg.body = 0;
	s->u.ogg.pkt1 = 0;
	s->u.ogg.pkt1_done = 0;
	if (s->u.ogg.segs == 0) {
		item(s, OG_PAGE, 27);
	} else {
		item(s, OG_SEGS, min_sz(s->u.ogg.segs, SNF_CONT_HB));
	}
}

/* Lacing values: the page body size, and the size of its first packet. */
static void ogg_segs(struct snf_cont *s)
{
	for (size_t i = 0; i < s->hn; i++) {
		s->u.ogg.body += s->hb[i];
		if (!s->u.ogg.pkt1_done) {
			s->u.ogg.pkt1 += s->hb[i];
			s->u.ogg.pkt1_done = s->hb[i] < 255;
		}
	}
	s->u.ogg.segs = (uint8_t)(s->u.ogg.segs - s->hn);
	if (s->u.ogg.segs > 0) {
		item(s, OG_SEGS, min_sz(s->u.ogg.segs, SNF_CONT_HB));
	} else if (s->u.ogg.pkt1 == 0) {
		skip_to(s, s->fed + s->u.ogg.body, OG_PAGE, 27);
	} else {
		read_val(s, OG_PKT, s->fed + s->u.ogg.body, min_sz(s->u.ogg.pkt1, 24));
	}
}

/* The first packet of a BOS page: the identification header of its stream. */
static void ogg_pkt(struct snf_cont *s)
{
	if (hb_has(s, 0, "\x80theora", 7) && s->hn >= 20) {
		s->codec = C_THEORA;
		s->width = clamp16(hb_u32be(s, 13) & 0x00FFFFFFu);
		s->height = clamp16(hb_u32be(s, 16) & 0x00FFFFFFu);
		decide(s, SNF_VIDEO);
	} else if (hb_has(s, 0, "OVP80\x01", 6) && s->hn >= 12) {
		s->codec = C_VP8;
		s->width = hb_u16be(s, 8);
		s->height = hb_u16be(s, 10);
		decide(s, SNF_VIDEO);
	} else {
		skip_to(s, s->iend, OG_PAGE, 27);
	}
}

static void ogg_step(struct snf_cont *s)
{
	switch (s->st) {
	case OG_PAGE:
		ogg_page(s);
		break;
	case OG_SEGS:
		ogg_segs(s);
		break;
	default:
		ogg_pkt(s);
		break;
	}
}

/* ---- MJPEG ----------------------------------------------------------------------------- */

enum {
	JP_START,
	JP_MARK,
	JP_SEG,
	JP_VAL,
	JP_SCAN,
	JP_NEXT
};

static bool jpg_sof(uint8_t m)
{
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* Markers with a length that may come between SOI and the first scan, or between scans. */
static bool jpg_known(uint8_t m)
{
	return (m >= 0xC0 && m <= 0xCF) || (m >= 0xDA && m <= 0xDF) || (m >= 0xE0 && m <= 0xEF) ||
	       m == 0xFE;
}

/* hb holds FF and a marker byte. */
static void jpg_mark(struct snf_cont *s)
{
	uint8_t m = hb_u8(s, 1);

	if (hb_u8(s, 0) != 0xFF) {
		decide(s, SNF_NOT);
	} else if (m == 0xFF) {
		/* Fill byte: the second FF starts the marker. */
		s->hn = 1;
	} else if (!jpg_known(m)) {
		decide(s, SNF_NOT);
	} else {
		s->st = JP_SEG;
		more(s, 4);
	}
}

static void jpg_seg(struct snf_cont *s)
{
	uint8_t m = hb_u8(s, 1);
	uint16_t len = hb_u16be(s, 2);
	uint32_t end = s->fed + len - 2u;

	if (len < 2) {
		decide(s, SNF_NOT);
		return;
	}
	s->u.jpg.mk = m;
	if (m == 0xDA) {
		s->u.jpg.ff = 0;
		skip_to(s, end, JP_SCAN, 1);
	} else if (s->u.jpg.frames == 0 && (jpg_sof(m) || m == 0xE2)) {
		read_val(s, JP_VAL, end, 5);
	} else {
		skip_to(s, end, JP_MARK, 2);
	}
}

static void jpg_val(struct snf_cont *s)
{
	if (s->u.jpg.mk == 0xE2) {
		if (hb_has(s, 0, "MPF\0", 4)) {
			/* A multi-picture still (MPO, gain map): its images are not frames. */
			decide(s, SNF_NOT);
			return;
		}
	} else if (s->width == 0) {
		s->height = hb_u16be(s, 1);
		s->width = hb_u16be(s, 3);
	}
	skip_to(s, s->iend, JP_MARK, 2);
}

/* A marker ended the entropy-coded data. */
static void jpg_scan_end(struct snf_cont *s, uint8_t m)
{
	if (m == 0xD9) {
		s->u.jpg.frames++;
		if (s->u.jpg.frames >= 2) {
			s->codec = C_MJPEG;
			decide(s, SNF_VIDEO);
		} else {
			item(s, JP_NEXT, 2);
		}
		return;
	}
	/* Another segment (progressive scans, DHT): parse it like a header marker. */
	s->st = JP_MARK;
	s->hb[0] = 0xFF;
	s->hb[1] = m;
	s->hn = 2;
	s->need = 2;
}

/*
 * Entropy-coded data: only its end matters. Scanned in place with memchr;
 * FF00 (stuffing) and FFD0..D7 (restart) do not end it.
 */
static void jpg_scan(struct snf_cont *s, struct pcur *c, size_t room)
{
	const uint8_t *p = pcur_ptr(c);
	size_t n = min_sz(pcur_left(c), room);
	size_t i = 0;

	while (i < n) {
		uint8_t b = p[i++];

		if (!s->u.jpg.ff) {
			const uint8_t *f;

			if (b == 0xFF) {
				s->u.jpg.ff = 1;
				continue;
			}
			f = memchr(p + i, 0xFF, n - i);
			i = f != NULL ? (size_t)(f - p) : n;
		} else if (b == 0x00 || (b >= 0xD0 && b <= 0xD7)) {
			s->u.jpg.ff = 0;
		} else if (b != 0xFF) {
			s->u.jpg.ff = 0;
			(void)pcur_skip(c, i);
			s->fed += (uint32_t)i;
			jpg_scan_end(s, b);
			return;
		}
	}
	(void)pcur_skip(c, n);
	s->fed += (uint32_t)n;
}

static void jpg_step(struct snf_cont *s)
{
	switch (s->st) {
	case JP_START:
		/* hb holds FFD8 FF xx: keep the marker. */
		s->hb[0] = s->hb[2];
		s->hb[1] = s->hb[3];
		s->hn = 2;
		s->need = 2;
		s->st = JP_MARK;
		break;
	case JP_MARK:
		jpg_mark(s);
		break;
	case JP_SEG:
		jpg_seg(s);
		break;
	case JP_VAL:
		jpg_val(s);
		break;
	default: /* JP_NEXT: after the first image, only another image */
		if (hb_u16be(s, 0) == 0xFFD8u) {
			item(s, JP_MARK, 2);
		} else {
			decide(s, SNF_NOT);
		}
		break;
	}
}

/* ---- driver ---------------------------------------------------------------------------- */

static void step(struct snf_cont *s)
{
	switch (s->fmt) {
	case F_SNIFF:
		sniff_step(s);
		break;
	case F_MP4:
		mp4_step(s);
		break;
	case F_MKV:
		mkv_step(s);
		break;
	case F_AVI:
		avi_step(s);
		break;
	case F_FLV:
		flv_step(s);
		break;
	case F_TS:
		ts_step(s);
		break;
	case F_PS:
		ps_step(s);
		break;
	case F_ASF:
		asf_step(s);
		break;
	case F_OGG:
		ogg_step(s);
		break;
	default:
		jpg_step(s);
		break;
	}
}

/* Take what the input offers: bytes to skip, entropy data, or the current item's bytes. */
static void consume(struct snf_cont *s, struct pcur *c)
{
	size_t room = SNF_CONT_MAX_BYTES - s->fed;
	size_t n;

	if (s->skip > 0) {
		n = min_sz(min_sz(s->skip, pcur_left(c)), room);
		(void)pcur_skip(c, n);
		s->fed += (uint32_t)n;
		s->skip -= (uint32_t)n;
		close_ended(s);
		return;
	}
	if (s->fmt == F_JPEG && s->st == JP_SCAN) {
		jpg_scan(s, c, room);
		return;
	}
	n = min_sz(min_sz((size_t)(s->need - s->hn), pcur_left(c)), room);
	(void)pcur_copy(c, s->hb + s->hn, n);
	s->hn = (uint16_t)(s->hn + n);
	s->fed += (uint32_t)n;
	/* A step may leave a complete item (a re-read header, an empty body): run it too. */
	while (s->res == SNF_MORE && s->skip == 0 && s->hn == s->need) {
		step(s);
		close_ended(s);
	}
}

/* A FourCC as text: printable, trailing spaces cut ("qt  " is "qt"). */
static void fcc_text(uint32_t f, char out[5])
{
	for (size_t i = 0; i < 4; i++) {
		uint8_t ch = (uint8_t)(f >> (24 - 8 * i));

		out[i] = ch >= 0x20 && ch < 0x7F ? (char)ch : '?';
	}
	out[4] = '\0';
	for (size_t i = 3; i > 0 && out[i] == ' '; i--) {
		out[i] = '\0';
	}
}

/* The short proof for the evidence sentence. */
static void detail(const struct snf_cont *s, char *d, size_t dn)
{
	char b[5];
	char l[5];

	switch (s->fmt) {
	case F_MP4:
		fcc_text(s->u.mp4.brand, b);
		fcc_text(s->u.mp4.last, l);
		if (s->u.mp4.brand == 0) {
			snprintf(d, dn, "moov with a video track");
		} else {
			snprintf(d, dn, "ftyp %s, %s", b,
				 (s->flags & FL_VIDEO) ? "video track" : l);
		}
		break;
	case F_MKV:
		snprintf(d, dn, "EBML DocType %s%s", s->u.mkv.doctype == 1 ? "webm" : "matroska",
			 (s->flags & FL_VIDEO) ? ", video track" : ", cluster");
		break;
	case F_AVI:
		snprintf(d, dn, "RIFF AVI with vids stream");
		break;
	case F_FLV:
		snprintf(d, dn, "FLV header with video");
		break;
	case F_TS:
		if (s->u.ts.pmt == 1) {
			snprintf(d, dn, "%u-byte TS sync x%u, PMT %s", s->u.ts.psize, s->u.ts.nsync,
				 s->codec != C_NONE ? codec_name[s->codec] : "video");
		} else {
			snprintf(d, dn, "%u-byte TS sync x%u, no PMT", s->u.ts.psize,
				 s->u.ts.nsync);
		}
		break;
	case F_PS:
		snprintf(d, dn, "MPEG-%c pack, video PES", s->u.ps.mpeg2 ? '2' : '1');
		break;
	case F_ASF:
		snprintf(d, dn, "ASF header with video stream");
		break;
	case F_OGG:
		snprintf(d, dn, "Ogg %s BOS page", s->codec == C_THEORA ? "Theora" : "VP8");
		break;
	default:
		snprintf(d, dn, "%u JPEG frames", s->u.jpg.frames);
		break;
	}
}

static void fill(const struct snf_cont *s, struct snf_media *m)
{
	uint8_t kind = s->fmt == F_MP4 ? mp4_kind(s) : s->kind;

	memset(m, 0, sizeof(*m));
	snf_strlcpy(m->video, kind_name[kind < K_COUNT ? kind : 0], sizeof(m->video));
	snf_strlcpy(m->codec, codec_name[s->codec < C_COUNT ? s->codec : 0], sizeof(m->codec));
	m->width = s->width;
	m->height = s->height;
	m->duration_ms = s->fmt == F_MKV ? mkv_dur_ms(s) : s->dur_ms;
	detail(s, m->detail, sizeof(m->detail));
}

void snf_cont_init(struct snf_cont *s)
{
	memset(s, 0, sizeof(*s));
	s->res = SNF_MORE;
	s->fmt = F_SNIFF;
	s->need = 4;
}

enum snf_res snf_cont_feed(struct snf_cont *s, const uint8_t *buf, size_t len, struct snf_media *m)
{
	struct pcur c;

	pcur_init(&c, buf, buf != NULL ? len : 0);
	while (s->res == SNF_MORE && pcur_left(&c) > 0 && s->fed < SNF_CONT_MAX_BYTES) {
		consume(s, &c);
	}
	if (s->res == SNF_MORE && s->fed >= SNF_CONT_MAX_BYTES) {
		settle(s);
	}
	if (s->res == SNF_VIDEO && m != NULL) {
		fill(s, m);
	}
	return (enum snf_res)s->res;
}

enum snf_res snf_cont_end(struct snf_cont *s, struct snf_media *m)
{
	settle(s);
	if (s->res == SNF_VIDEO && m != NULL) {
		fill(s, m);
	}
	return (enum snf_res)s->res;
}

size_t snf_cont_fed(const struct snf_cont *s)
{
	return s->fed;
}
