/*
 * RTP video sniffer: header sanity plus payload-format structure, see
 * snf_rtp.h. Each codec check looks at one packet and at the little the
 * previous packet left in the state (an open fragmentation unit, the next
 * JPEG offset, an unfinished VP9 frame). Those continuity rules are what
 * random (encrypted) payloads fail: a single packet can look like anything,
 * twelve in a row cannot.
 */
#include "snf_rtp.h"

#include <string.h>

#include "pcur.h"

enum {
	RTP_C_H264 = 0x01,
	RTP_C_HEVC = 0x02,
	RTP_C_VP8 = 0x04,
	RTP_C_VP9 = 0x08,
	RTP_C_JPEG = 0x10,
	RTP_C_MP2T = 0x20,
	RTP_C_MP4V = 0x40,
	RTP_C_DYN = RTP_C_H264 | RTP_C_HEVC | RTP_C_VP8 | RTP_C_VP9,
};

enum {
	SNF_RTP_F_ANCHOR = 0x01,  /* ssrc/seq/ts hold the previous packet */
	SNF_RTP_F_VP9OPEN = 0x02, /* the previous VP9 packet did not end its frame */
	SNF_RTP_F_PES = 0x04,     /* an MPEG-TS video PES header was seen */
	SNF_RTP_F_FIXED = 0x80,   /* want was fixed by the SDP codec name */
};

/* Largest sequence step still taken as the same run (a few lost packets). */
#define RTP_MAX_GAP     16
/* Largest timestamp step: 10 s of the 90 kHz clock every video format uses. */
#define RTP_MAX_TS_STEP 900000

/* The captured payload and its length on the wire (padding removed when known). */
struct rtp_pay {
	struct pcur c;
	size_t wire;
	bool exact; /* wire is the exact payload length (padding known) */
	bool cont;  /* the previous packet was valid and directly precedes this one */
	bool newfr; /* cont and the timestamp moved: this packet starts a picture */
};

static const struct {
	const char *name;
	uint8_t bit;
} rtp_names[] = {
	{"h264", RTP_C_H264},    {"h265", RTP_C_HEVC},  {"hevc", RTP_C_HEVC},  {"vp8", RTP_C_VP8},
	{"vp9", RTP_C_VP9},      {"jpeg", RTP_C_JPEG},  {"mjpeg", RTP_C_JPEG}, {"mp2t", RTP_C_MP2T},
	{"mp4v-es", RTP_C_MP4V}, {"mpeg4", RTP_C_MP4V},
};

static bool name_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		if (ca != *b) {
			return false;
		}
	}
	return *a == *b;
}

static uint8_t codec_bit(const char *codec)
{
	for (size_t i = 0; i < sizeof(rtp_names) / sizeof(rtp_names[0]); i++) {
		if (name_eq(codec, rtp_names[i].name)) {
			return rtp_names[i].bit;
		}
	}
	return 0;
}

/* Codecs a payload type can carry when the SDP did not say. */
static uint8_t pt_codecs(uint8_t pt)
{
	if (pt == 26) {
		return RTP_C_JPEG;
	}
	if (pt == 33) {
		return RTP_C_MP2T;
	}
	return pt >= 96 && pt <= 127 ? RTP_C_DYN : 0;
}

void snf_rtp_init(struct snf_rtp *s, uint8_t pt, const char *codec)
{
	memset(s, 0, sizeof(*s));
	s->pt = pt;
	s->res = SNF_MORE;
	if (codec != NULL && codec[0] != '\0') {
		/* An encoding this sniffer cannot parse leaves want 0: SNF_NOT. */
		s->want = codec_bit(codec);
		s->flags = SNF_RTP_F_FIXED;
	}
	s->cand = s->want;
}

/* ---- bit reader for SPS and VP9 headers ---- */

struct bitrd {
	struct pcur c;
	uint8_t cur;
	uint8_t nbits;
	uint8_t zeros; /* zero bytes in a row, for H.264 emulation prevention */
	bool epb;      /* drop 00 00 03 emulation prevention bytes */
	bool err;
};

static uint32_t br_bit(struct bitrd *b)
{
	if (b->nbits == 0) {
		uint8_t v = 0;
		if (pcur_u8(&b->c, &v) < 0) {
			b->err = true;
			return 0;
		}
		if (b->epb && b->zeros >= 2 && v == 3) {
			b->zeros = 0;
			if (pcur_u8(&b->c, &v) < 0) {
				b->err = true;
				return 0;
			}
		}
		b->zeros = v == 0 ? (uint8_t)(b->zeros + 1) : 0;
		b->cur = v;
		b->nbits = 8;
	}
	b->nbits--;
	return (uint32_t)(b->cur >> b->nbits) & 1u;
}

static uint32_t br_bits(struct bitrd *b, unsigned n)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < n; i++) {
		v = v << 1 | br_bit(b);
	}
	return v;
}

/* Exp-Golomb ue(v); values past 2^16 are nonsense in an SPS and flag an error. */
static uint32_t br_ue(struct bitrd *b)
{
	unsigned lz = 0;
	while (br_bit(b) == 0 && !b->err) {
		if (++lz > 16) {
			b->err = true;
			return 0;
		}
	}
	return ((1u << lz) - 1u) + br_bits(b, lz);
}

static void br_skip_scaling(struct bitrd *b, unsigned size)
{
	int32_t last = 8, next = 8;
	for (unsigned j = 0; j < size && !b->err; j++) {
		if (next != 0) {
			uint32_t u = br_ue(b);
			int32_t d = (u & 1u) ? (int32_t)((u + 1) / 2) : -(int32_t)(u / 2);
			next = (last + d + 256) % 256;
		}
		last = next == 0 ? last : next;
	}
}

/* Parse the part of an H.264 SPS before the picture size; false on error. */
static bool sps_head(struct bitrd *b, uint32_t *chroma)
{
	uint32_t prof = br_bits(b, 8);
	br_bits(b, 16); /* constraint flags, level */
	br_ue(b);       /* seq_parameter_set_id */
	*chroma = 1;
	if (prof == 100 || prof == 110 || prof == 122 || prof == 244 || prof == 44 || prof == 83 ||
	    prof == 86 || prof == 118 || prof == 128 || prof == 138 || prof == 139 || prof == 134 ||
	    prof == 135) {
		*chroma = br_ue(b);
		if (*chroma == 3) {
			br_bit(b);
		}
		br_ue(b);
		br_ue(b);
		br_bit(b);
		if (br_bit(b)) {
			for (unsigned i = 0; i < (*chroma != 3 ? 8u : 12u) && !b->err; i++) {
				if (br_bit(b)) {
					br_skip_scaling(b, i < 6 ? 16u : 64u);
				}
			}
		}
	}
	br_ue(b); /* log2_max_frame_num_minus4 */
	uint32_t poc = br_ue(b);
	if (poc == 0) {
		br_ue(b);
	} else if (poc == 1) {
		br_bit(b);
		br_ue(b);
		br_ue(b);
		uint32_t n = br_ue(b);
		for (uint32_t i = 0; i < n && !b->err; i++) {
			br_ue(b);
		}
	}
	br_ue(b);  /* max_num_ref_frames */
	br_bit(b); /* gaps_in_frame_num_value_allowed_flag */
	return !b->err && *chroma <= 3;
}

bool snf_rtp_h264_size(const uint8_t *nal, size_t len, uint16_t *width, uint16_t *height)
{
	struct bitrd b = {.epb = true};
	uint32_t chroma = 1;

	pcur_init(&b.c, nal, len);
	if (br_bits(&b, 8) % 32 != 7 || !sps_head(&b, &chroma)) {
		return false;
	}
	uint32_t w = br_ue(&b) + 1, h = br_ue(&b) + 1;
	uint32_t frame_mbs = br_bit(&b);
	if (!frame_mbs) {
		br_bit(&b);
	}
	br_bit(&b);
	uint32_t cl = 0, cr = 0, ct = 0, cb = 0;
	if (br_bit(&b)) {
		cl = br_ue(&b);
		cr = br_ue(&b);
		ct = br_ue(&b);
		cb = br_ue(&b);
	}
	/* Cropping is in chroma sample units (7.4.2.1.1, CropUnitX/Y). */
	uint32_t ux = (chroma == 1 || chroma == 2) ? 2 : 1;
	uint32_t uy = (chroma == 1 ? 2u : 1u) * (2 - frame_mbs);
	w = w * 16;
	h = h * 16 * (2 - frame_mbs);
	if (b.err || (cl + cr) * ux >= w || (ct + cb) * uy >= h || w > 65535 || h > 65535) {
		return false;
	}
	*width = (uint16_t)(w - (cl + cr) * ux);
	*height = (uint16_t)(h - (ct + cb) * uy);
	return true;
}

static void h264_sps(struct snf_rtp *s, const struct pcur *nal)
{
	(void)snf_rtp_h264_size(pcur_ptr(nal), pcur_left(nal), &s->width, &s->height);
}

/* ---- H.264, RFC 6184 ---- */

/* A NAL unit header as H.264 allows it (F bit clear, nal_ref_idc rules of 7.4.1). */
static bool h264_nal_ok(uint8_t nal)
{
	uint8_t type = nal & 0x1f, nri = (uint8_t)(nal >> 5) & 3;

	if (nal & 0x80) {
		return false;
	}
	switch (type) {
	case 1:
	case 2:
	case 3:
	case 4:
	case 14:
	case 19:
	case 20:
		return true;
	case 5:
	case 7:
	case 8:
	case 13:
	case 15:
		return nri != 0;
	case 6:
	case 9:
	case 10:
	case 11:
	case 12:
		return nri == 0;
	default:
		return false;
	}
}

static bool hevc_type_ok(uint8_t type);
static bool hevc_hdr(struct pcur *c, uint8_t *type);

/* Aggregation packets (H.264 STAP-A, H.265 AP): 16-bit sizes, each unit
 * a valid NAL unit, together filling the payload exactly. Units past the
 * captured head can only be checked against the wire length. */
static bool agg_walk(struct snf_rtp *s, struct rtp_pay *p, size_t off, bool hevc)
{
	size_t pos = off;
	unsigned n = 0;

	while (pos < p->wire) {
		uint16_t size = 0;
		uint8_t t = 0;
		struct pcur c = p->c;
		if (pos + 2 > p->wire) {
			return false;
		}
		if (pcur_skip(&c, pos) < 0 || pcur_u16be(&c, &size) < 0) {
			return true; /* the rest is past the captured head */
		}
		if (size < (hevc ? 2u : 1u) || pos + 2 + size > p->wire) {
			return false;
		}
		struct pcur nal = c;
		if (hevc && pcur_left(&c) >= 2 && (!hevc_hdr(&c, &t) || !hevc_type_ok(t))) {
			return false;
		}
		if (!hevc && pcur_u8(&c, &t) == 0 && !h264_nal_ok(t)) {
			return false;
		}
		if (!hevc && (t & 0x1f) == 7 && pcur_left(&nal) >= size) {
			struct pcur sub;
			(void)pcur_sub(&nal, size, &sub);
			h264_sps(s, &sub);
		}
		pos += 2u + size;
		n++;
	}
	return n > 0 && (!p->exact || pos == p->wire);
}

/* FU-A: start/end bits must pair up across consecutive packets. */
static bool h264_fua(struct snf_rtp *s, struct rtp_pay *p, uint8_t ind, uint8_t fu)
{
	uint8_t inner = (uint8_t)((ind & 0x60) | (fu & 0x1f));
	bool start = fu & 0x80, end = fu & 0x40;

	if ((start && end) || (fu & 0x20) || !h264_nal_ok(inner) || p->wire < 3) {
		return false;
	}
	if (start) {
		if (p->cont && s->fu264 != 0) {
			return false; /* the previous unit never ended */
		}
	} else if (p->cont && s->fu264 != (0x80 | (fu & 0x1f))) {
		return false; /* a middle or end piece of a unit that never started */
	}
	s->fu264 = end ? 0 : (uint8_t)(0x80 | (fu & 0x1f));
	return true;
}

static bool h264_ok(struct snf_rtp *s, struct rtp_pay *p)
{
	struct pcur c = p->c;
	uint8_t ind = 0, fu = 0;
	uint8_t type;

	if (pcur_u8(&c, &ind) < 0 || (ind & 0x80)) {
		return false;
	}
	if (p->newfr && s->fu264 != 0) {
		return false; /* a picture ended inside a fragmented unit */
	}
	type = ind & 0x1f;
	if (type == 28) {
		return pcur_u8(&c, &fu) < 0 ? !p->cont : h264_fua(s, p, ind, fu);
	}
	if (p->cont && s->fu264 != 0) {
		return false;
	}
	s->fu264 = 0;
	if (type == 24) {
		return agg_walk(s, p, 1, false);
	}
	if (!h264_nal_ok(ind)) {
		return false;
	}
	if (type == 7) {
		h264_sps(s, &p->c);
	}
	return true;
}

/* ---- H.265, RFC 7798 ---- */

static bool hevc_type_ok(uint8_t type)
{
	return type <= 9 || (type >= 16 && type <= 21) || (type >= 32 && type <= 40);
}

/* Two-byte header: F clear, nuh_layer_id 0, nuh_temporal_id_plus1 not 0. */
static bool hevc_hdr(struct pcur *c, uint8_t *type)
{
	uint16_t h = 0;
	if (pcur_u16be(c, &h) < 0 || (h & 0x8000) || (h & 0x01f8) != 0 || (h & 7) == 0) {
		return false;
	}
	*type = (uint8_t)(h >> 9) & 0x3f;
	return true;
}

static bool hevc_ok(struct snf_rtp *s, struct rtp_pay *p)
{
	struct pcur c = p->c;
	uint8_t type = 0, fu = 0;

	if (!hevc_hdr(&c, &type) || (p->newfr && s->fu265 != 0)) {
		return false;
	}
	if (type == 49) {
		bool start, end;
		if (pcur_u8(&c, &fu) < 0 || !hevc_type_ok(fu & 0x3f) || p->wire < 4) {
			return false;
		}
		start = fu & 0x80;
		end = fu & 0x40;
		if ((start && end) || (start && p->cont && s->fu265 != 0) ||
		    (!start && p->cont && s->fu265 != (0x80 | (fu & 0x3f)))) {
			return false;
		}
		s->fu265 = end ? 0 : (uint8_t)(0x80 | (fu & 0x3f));
		return true;
	}
	if (p->cont && s->fu265 != 0) {
		return false;
	}
	s->fu265 = 0;
	if (type == 48) {
		return agg_walk(s, p, 2, true);
	}
	return hevc_type_ok(type);
}

/* ---- VP8, RFC 7741 ---- */

static bool vp8_desc(struct pcur *c, uint8_t b0)
{
	uint8_t x = 0, v = 0;
	if (!(b0 & 0x80)) {
		return true;
	}
	if (pcur_u8(c, &x) < 0 || (x & 0x0f)) {
		return false;
	}
	if ((x & 0x80) && pcur_u8(c, &v) < 0) {
		return false;
	}
	if ((x & 0x80) && (v & 0x80) && pcur_skip(c, 1) < 0) {
		return false;
	}
	if ((x & 0x40) && pcur_skip(c, 1) < 0) {
		return false;
	}
	return !(x & 0x30) || pcur_skip(c, 1) == 0;
}

static bool vp8_ok(struct snf_rtp *s, struct rtp_pay *p)
{
	struct pcur c = p->c;
	uint8_t b0 = 0, tag[10];
	bool start;

	if (pcur_u8(&c, &b0) < 0 || (b0 & 0x48) || !vp8_desc(&c, b0) || c.off >= p->wire) {
		return false;
	}
	start = (b0 & 0x10) && (b0 & 0x07) == 0;
	if (p->cont && (p->newfr != start)) {
		return false; /* each picture starts with its own first partition */
	}
	if (!start || pcur_copy(&c, tag, 3) < 0) {
		return true;
	}
	if (((tag[0] >> 1) & 7) > 3) {
		return false;
	}
	if ((tag[0] & 1) == 0 && pcur_copy(&c, tag + 3, 7) == 0) {
		if (tag[3] != 0x9d || tag[4] != 0x01 || tag[5] != 0x2a) {
			return false;
		}
		s->width = (uint16_t)((tag[6] | tag[7] << 8) & 0x3fff);
		s->height = (uint16_t)((tag[8] | tag[9] << 8) & 0x3fff);
	}
	return true;
}

/* ---- VP9, RFC 9628 ---- */

static bool vp9_ss(struct pcur *c)
{
	uint8_t v = 0, ng = 0;
	if (pcur_u8(c, &v) < 0) {
		return false;
	}
	if ((v & 0x10) && pcur_skip(c, 4u * ((v >> 5) + 1u)) < 0) {
		return false;
	}
	if (!(v & 0x08)) {
		return true;
	}
	if (pcur_u8(c, &ng) < 0) {
		return false;
	}
	for (unsigned i = 0; i < ng; i++) {
		uint8_t g = 0;
		if (pcur_u8(c, &g) < 0 || pcur_skip(c, (g >> 2) & 3u) < 0) {
			return false;
		}
	}
	return true;
}

static bool vp9_desc(struct pcur *c, uint8_t b0)
{
	uint8_t v = 0;
	if ((b0 & 0x80) && pcur_u8(c, &v) == 0 && (v & 0x80) && pcur_skip(c, 1) < 0) {
		return false;
	}
	if ((b0 & 0x20) && pcur_skip(c, (b0 & 0x10) ? 1u : 2u) < 0) {
		return false;
	}
	if ((b0 & 0x50) == 0x50) {
		for (unsigned i = 0; i < 3; i++) {
			if (pcur_u8(c, &v) < 0) {
				return false;
			}
			if (!(v & 1)) {
				break;
			}
		}
	}
	return !(b0 & 0x02) || vp9_ss(c);
}

/* Size from a VP9 key frame's uncompressed header (section 6.2 of the spec). */
static void vp9_key(struct snf_rtp *s, struct pcur *c)
{
	struct bitrd b = {.c = *c};
	br_bits(&b, 2);
	uint32_t prof = br_bit(&b) | br_bit(&b) << 1;
	if (prof == 3) {
		br_bit(&b);
	}
	if (br_bit(&b) || br_bit(&b) != 0) {
		return; /* show_existing_frame, or not a key frame */
	}
	br_bits(&b, 2);
	if (br_bits(&b, 24) != 0x498342) {
		return;
	}
	if (prof >= 2) {
		br_bit(&b);
	}
	uint32_t cs = br_bits(&b, 3);
	if (cs != 7) {
		br_bits(&b, (prof == 1 || prof == 3) ? 4u : 1u);
	} else if (prof == 1 || prof == 3) {
		br_bits(&b, 1);
	}
	uint32_t w = br_bits(&b, 16) + 1, h = br_bits(&b, 16) + 1;
	if (!b.err && w <= 65535 && h <= 65535) {
		s->width = (uint16_t)w;
		s->height = (uint16_t)h;
	}
}

static bool vp9_ok(struct snf_rtp *s, struct rtp_pay *p)
{
	struct pcur c = p->c;
	uint8_t b0 = 0, hdr = 0;
	bool begin, open = s->flags & SNF_RTP_F_VP9OPEN;

	if (pcur_u8(&c, &b0) < 0 || !vp9_desc(&c, b0) || c.off >= p->wire) {
		return false;
	}
	begin = b0 & 0x08;
	if (p->cont && ((p->newfr && !begin) || (open && begin) || (!open && !begin))) {
		return false; /* frames are B ... E runs, a new timestamp begins one */
	}
	s->flags =
		(uint8_t)((s->flags & ~SNF_RTP_F_VP9OPEN) | ((b0 & 0x04) ? 0 : SNF_RTP_F_VP9OPEN));
	if (begin) {
		struct pcur h = c;
		if (pcur_u8(&h, &hdr) == 0 && (hdr >> 6) != 2) {
			return false; /* frame_marker */
		}
		vp9_key(s, &c);
	}
	return true;
}

/* ---- JPEG, RFC 2435 ---- */

static bool jpeg_ok(struct snf_rtp *s, struct rtp_pay *p)
{
	struct pcur c = p->c;
	uint32_t off = 0;
	uint8_t type = 0, q = 0, w8 = 0, h8 = 0;
	size_t hlen = 8;

	if (pcur_u32be(&c, &off) < 0 || pcur_u8(&c, &type) < 0 || pcur_u8(&c, &q) < 0 ||
	    pcur_u8(&c, &w8) < 0 || pcur_u8(&c, &h8) < 0) {
		return false;
	}
	off &= 0xffffff;
	if ((type & 0x3e) != 0 || type > 127 || q == 0 || w8 == 0 || h8 == 0) {
		return false; /* types 0/1 and 64/65 (with restart markers) only */
	}
	hlen += type >= 64 ? 4u : 0u;
	if (q >= 128 && off == 0) {
		uint16_t ql = 0;
		if (pcur_skip(&c, hlen - 8 + 2) < 0 || pcur_u16be(&c, &ql) < 0 || ql > 256) {
			return false;
		}
		hlen += 4u + ql;
	}
	if (p->wire <= hlen || (p->newfr && off != 0) ||
	    (p->cont && !p->newfr && off != s->jpeg_next)) {
		return false; /* fragments of one frame tile it in order */
	}
	s->jpeg_next = off + (uint32_t)(p->wire - hlen);
	s->width = (uint16_t)(w8 * 8u);
	s->height = (uint16_t)(h8 * 8u);
	return true;
}

/* ---- MPEG-TS (RFC 2250) and MPEG-4 part 2 (RFC 6416) ---- */

static bool mp2t_ok(struct snf_rtp *s, struct rtp_pay *p)
{
	struct pcur c = p->c;
	if (p->wire == 0 || p->wire % 188 != 0) {
		return false;
	}
	while (pcur_left(&c) > 0) {
		struct pcur tp = c, pl;
		uint8_t h[4], v[4], alen = 0;
		if (pcur_copy(&tp, h, 4) < 0 || h[0] != 0x47) {
			return pcur_left(&c) < 4;
		}
		if ((h[1] & 0x40) && (h[3] & 0x10)) {
			if ((h[3] & 0x20) &&
			    (pcur_u8(&tp, &alen) < 0 || pcur_skip(&tp, alen) < 0)) {
				alen = 0;
			}
			pl = tp;
			if (pcur_copy(&pl, v, 4) == 0 && v[0] == 0 && v[1] == 0 && v[2] == 1 &&
			    (v[3] & 0xf0) == 0xe0) {
				s->flags |= SNF_RTP_F_PES;
			}
		}
		if (pcur_skip(&c, 188) < 0) {
			break;
		}
	}
	return true;
}

static bool mp4v_ok(struct rtp_pay *p)
{
	uint8_t v[3];
	struct pcur c = p->c;
	if (p->wire == 0) {
		return false;
	}
	/* A new picture starts with a start code (VOS, VOL, GOV or VOP). */
	return !p->newfr || (pcur_copy(&c, v, 3) == 0 && v[0] == 0 && v[1] == 0 && v[2] == 1);
}

/* Codecs (of cand) the payload parses as. */
static uint8_t payload_codecs(struct snf_rtp *s, struct rtp_pay *p)
{
	uint8_t ok = 0;
	if ((s->cand & RTP_C_H264) && h264_ok(s, p)) {
		ok |= RTP_C_H264;
	}
	if ((s->cand & RTP_C_HEVC) && hevc_ok(s, p)) {
		ok |= RTP_C_HEVC;
	}
	if ((s->cand & RTP_C_VP8) && vp8_ok(s, p)) {
		ok |= RTP_C_VP8;
	}
	if ((s->cand & RTP_C_VP9) && vp9_ok(s, p)) {
		ok |= RTP_C_VP9;
	}
	if ((s->cand & RTP_C_JPEG) && jpeg_ok(s, p)) {
		ok |= RTP_C_JPEG;
	}
	if ((s->cand & RTP_C_MP2T) && mp2t_ok(s, p)) {
		ok |= RTP_C_MP2T;
	}
	if ((s->cand & RTP_C_MP4V) && mp4v_ok(p)) {
		ok |= RTP_C_MP4V;
	}
	return ok;
}

/* ---- RTP header and the run of valid packets ---- */

struct rtp_hdr {
	uint8_t pt;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
};

/* Parse the fixed header, CSRCs, extension and padding; set up the payload. */
static bool rtp_header(struct pcur *c, size_t wirelen, struct rtp_hdr *h, struct rtp_pay *p)
{
	uint8_t b0 = 0, b1 = 0;
	size_t hlen;

	if (pcur_u8(c, &b0) < 0 || pcur_u8(c, &b1) < 0 || pcur_u16be(c, &h->seq) < 0 ||
	    pcur_u32be(c, &h->ts) < 0 || pcur_u32be(c, &h->ssrc) < 0 || (b0 >> 6) != 2 ||
	    pcur_skip(c, 4u * (b0 & 0x0fu)) < 0) {
		return false;
	}
	h->pt = b1 & 0x7f;
	if (b0 & 0x10) {
		uint16_t prof = 0, words = 0;
		if (pcur_u16be(c, &prof) < 0 || pcur_u16be(c, &words) < 0 ||
		    pcur_skip(c, 4u * words) < 0) {
			return false;
		}
	}
	hlen = c->off;
	p->wire = wirelen - hlen;
	p->exact = true;
	if (b0 & 0x20) {
		uint8_t pad = 0;
		if (c->len < wirelen) {
			p->exact = false; /* the count is in the last byte, not captured */
		} else if (pcur_skip(c, pcur_left(c) - 1) < 0 || pcur_u8(c, &pad) < 0 || pad == 0 ||
			   pad > p->wire) {
			return false;
		} else {
			p->wire -= pad;
		}
		c->off = hlen;
	}
	size_t cap = pcur_left(c) < p->wire ? pcur_left(c) : p->wire;
	return p->wire > 0 && pcur_sub(c, cap, &p->c) == 0;
}

/* Forget the codec continuity after a broken packet: the next one starts a run. */
static void run_reset(struct snf_rtp *s)
{
	s->run = 0;
	s->cand = s->want;
	s->fu264 = 0;
	s->fu265 = 0;
	s->flags &= (uint8_t) ~(SNF_RTP_F_VP9OPEN | SNF_RTP_F_PES);
}

static const char *codec_name(uint8_t bit)
{
	switch (bit) {
	case RTP_C_H264:
		return "h264";
	case RTP_C_HEVC:
		return "hevc";
	case RTP_C_VP8:
		return "vp8";
	case RTP_C_VP9:
		return "vp9";
	case RTP_C_JPEG:
		return "mjpeg";
	case RTP_C_MP2T:
		return "mp2t";
	default:
		return "mpeg4";
	}
}

/* A run long enough: pick the codec (lowest bit first) and describe it. */
static bool rtp_prove(struct snf_rtp *s, struct snf_media *m)
{
	uint8_t bit = (uint8_t)(s->cand & -s->cand);
	const char *name = codec_name(bit);
	char v[16] = "rtp/";

	if (s->run < SNF_RTP_PROOF || bit == 0) {
		return false;
	}
	if (bit == RTP_C_MP2T && !(s->flags & SNF_RTP_F_PES)) {
		return false; /* a TS of audio only is not video */
	}
	memset(m, 0, sizeof(*m));
	snf_strlcpy(v + 4, name, sizeof(v) - 4);
	snf_strlcpy(m->video, v, sizeof(m->video));
	snf_strlcpy(m->codec, bit == RTP_C_MP2T ? "" : name, sizeof(m->codec));
	snf_strlcpy(m->detail, "12 RTP packets of one SSRC parse as ", sizeof(m->detail));
	snf_strlcpy(m->detail + strlen(m->detail), name, sizeof(m->detail) - strlen(m->detail));
	m->width = s->width;
	m->height = s->height;
	return true;
}

/* Does h continue the previous packet's stream? Sets p->cont / p->newfr. */
static bool rtp_in_run(struct snf_rtp *s, const struct rtp_hdr *h, struct rtp_pay *p)
{
	uint16_t step = (uint16_t)(h->seq - s->seq);
	int64_t dts = (int32_t)(h->ts - s->ts);

	if (!(s->flags & SNF_RTP_F_ANCHOR)) {
		return false;
	}
	if (h->ssrc != s->ssrc || step == 0 || step > RTP_MAX_GAP || dts > RTP_MAX_TS_STEP ||
	    dts < -RTP_MAX_TS_STEP) {
		return false;
	}
	p->cont = s->run > 0 && step == 1;
	p->newfr = p->cont && h->ts != s->ts;
	return true;
}

enum snf_res snf_rtp_feed_head(struct snf_rtp *s, const uint8_t *pkt, size_t caplen, size_t wirelen,
			       struct snf_media *m)
{
	struct pcur c;
	struct rtp_hdr h;
	struct rtp_pay p = {.cont = false};

	if (s->res != SNF_MORE) {
		return (enum snf_res)s->res;
	}
	if (++s->npkt >= SNF_RTP_GIVEUP) {
		s->res = SNF_NOT;
		return SNF_NOT;
	}
	pcur_init(&c, pkt, caplen < wirelen ? caplen : wirelen);
	if (!rtp_header(&c, wirelen, &h, &p)) {
		run_reset(s);
		return SNF_MORE;
	}
	if (s->pt == 0xff) {
		s->pt = h.pt;
	}
	if (!(s->flags & SNF_RTP_F_FIXED) && s->want == 0) {
		s->want = pt_codecs(s->pt);
		s->cand = s->want;
	}
	if (s->want == 0) {
		s->res = SNF_NOT; /* audio, or a format this sniffer cannot prove */
		return SNF_NOT;
	}
	if (h.pt != s->pt || !rtp_in_run(s, &h, &p)) {
		run_reset(s);
	}
	s->flags |= SNF_RTP_F_ANCHOR;
	s->ssrc = h.ssrc;
	s->seq = h.seq;
	s->ts = h.ts;
	if (h.pt != s->pt) {
		return SNF_MORE;
	}
	uint8_t ok = payload_codecs(s, &p);
	if (ok == 0) {
		run_reset(s);
		return SNF_MORE;
	}
	s->cand = ok;
	s->run = s->run < 255 ? (uint8_t)(s->run + 1) : s->run;
	if (rtp_prove(s, m)) {
		s->res = SNF_VIDEO;
	}
	return (enum snf_res)s->res;
}

enum snf_res snf_rtp_feed(struct snf_rtp *s, const uint8_t *pkt, size_t len, struct snf_media *m)
{
	return snf_rtp_feed_head(s, pkt, len, len, m);
}
