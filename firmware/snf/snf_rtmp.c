/*
 * RTMP sniffer, see snf_rtmp.h. Everything is a byte-driven state machine
 * (chunk headers are collected into hdr[], AMF0 tokens are decoded one byte
 * at a time, video messages keep their first bytes in head[]), so the
 * result never depends on how the stream was cut into segments.
 */
#include "snf_rtmp.h"

#include <stdio.h>
#include <string.h>

#include "pcur.h"

#define RTMP_HANDSHAKE 1536u

enum {
	RTMP_P_C0 = 0,
	RTMP_P_SKIP,
	RTMP_P_HDR,
	RTMP_P_BODY
};

enum {
	RTMP_F_CLIENT = 0x01, /* the LAN host is the client: we parse client->server */
	RTMP_F_INTENT = 0x02, /* publish (client) or Play.Start (server) seen */
	RTMP_F_NAMED = 0x04,  /* sink->name() was called */
};

/* AMF0 token states. */
enum {
	AMF_TYPE = 0, /* a value type marker */
	AMF_NUM,      /* 8 bytes of a double */
	AMF_SLEN,     /* 2-byte string length */
	AMF_LSLEN,    /* 4-byte long string length */
	AMF_STR,      /* string bytes */
	AMF_KLEN,     /* 2-byte property name length, 0 ends the object */
	AMF_KEY,      /* property name bytes */
	AMF_END,      /* the 0x09 after an empty name */
	AMF_ECMA,     /* 4-byte ECMA array count */
	AMF_SKIP,     /* bytes of a value we do not read */
	AMF_STOP,     /* nothing more of interest, or unsupported */
};

/* What the message being read is. */
enum {
	AMF_W_NONE = 0,
	AMF_W_CONNECT,
	AMF_W_STATUS,
	AMF_W_META
};

/* Private codec ids (FLV ids and enhanced-RTMP FourCCs mapped to one set). */
enum {
	RC_NONE = 0,
	RC_H263,
	RC_VP6,
	RC_H264,
	RC_HEVC,
	RC_AV1,
	RC_VP9
};

static const char *const rc_names[] = {"", "h263", "vp6", "h264", "hevc", "av1", "vp9"};

void snf_rtmp_init(struct snf_rtmp *s, bool lan_is_client)
{
	memset(s, 0, sizeof(*s));
	s->chunk = 128; /* the protocol default until Set Chunk Size */
	s->flags = lan_is_client ? RTMP_F_CLIENT : 0;
	s->res = SNF_MORE;
}

static uint8_t flv_codec(uint8_t id)
{
	switch (id) {
	case 2:
		return RC_H263;
	case 4:
	case 5:
		return RC_VP6;
	case 7:
		return RC_H264;
	case 12:
		return RC_HEVC; /* the de-facto id of pre-enhanced HEVC-in-FLV */
	default:
		return RC_NONE;
	}
}

static uint8_t fourcc_codec(const uint8_t *f)
{
	if (memcmp(f, "avc1", 4) == 0) {
		return RC_H264;
	}
	if (memcmp(f, "hvc1", 4) == 0) {
		return RC_HEVC;
	}
	if (memcmp(f, "av01", 4) == 0) {
		return RC_AV1;
	}
	return memcmp(f, "vp09", 4) == 0 ? RC_VP9 : RC_NONE;
}

/* AVC/HEVC tag body: packet type, and a sane first NAL unit of a coded frame. */
static bool avc_tag_ok(const struct snf_rtmp *s, uint32_t len, bool hevc)
{
	uint8_t pt = s->head[1];

	if (len < 5 || s->headn < 5 || pt > 2) {
		return false;
	}
	if (pt == 0) {
		return len >= 6 && s->headn >= 6 && s->head[5] == 1; /* configurationVersion */
	}
	if (pt == 2) {
		return true; /* end of sequence */
	}
	if (len < 11 || s->headn < 11) {
		return false;
	}
	uint32_t nl = (uint32_t)s->head[5] << 24 | (uint32_t)s->head[6] << 16 |
		      (uint32_t)s->head[7] << 8 | s->head[8];
	if (nl < (hevc ? 2u : 1u) || nl > len - 9) {
		return false;
	}
	return hevc ? (s->head[9] & 0x81) == 0 && (s->head[10] & 0xf8) == 0 && (s->head[10] & 7)
		    : (s->head[9] & 0x80) == 0 && (s->head[9] & 0x1f) != 0;
}

/* Codec of a video message from its tag header, RC_NONE if it is not valid. */
static uint8_t video_tag(const struct snf_rtmp *s, uint32_t len)
{
	uint8_t b0 = s->head[0];
	uint8_t ft = (b0 >> 4) & 7;

	if (len < 2 || s->headn < 2 || ft == 0 || ft > 5) {
		return RC_NONE;
	}
	if (b0 & 0x80) {
		/* Enhanced RTMP: packet type in the low nibble, then a FourCC. */
		return len >= 5 && s->headn >= 5 && (b0 & 0x0f) <= 7 ? fourcc_codec(s->head + 1)
								     : RC_NONE;
	}
	uint8_t c = flv_codec(b0 & 0x0f);
	if (ft == 5) {
		return RC_NONE; /* a video info/command frame carries no picture */
	}
	if (c == RC_H264 || c == RC_HEVC) {
		return avc_tag_ok(s, len, c == RC_HEVC) ? c : RC_NONE;
	}
	if (c == RC_H263) {
		/* Sorenson H.263: a 17-bit picture start code 0000 0000 0000 0000 1. */
		return len >= 4 && s->headn >= 4 && s->head[1] == 0 && s->head[2] == 0 &&
				       (s->head[3] & 0x80)
			       ? c
			       : RC_NONE;
	}
	return c;
}

static void prove(struct snf_rtmp *s, const struct snf_sink *sink)
{
	struct snf_media m;
	char ev[128];
	char res[16] = "";
	const char *name = rc_names[s->codec];

	memset(&m, 0, sizeof(m));
	snf_strlcpy(m.video, "rtmp", sizeof(m.video));
	snf_strlcpy(m.codec, name, sizeof(m.codec));
	snf_strlcpy(m.detail,
		    (s->flags & RTMP_F_CLIENT) ? "publish + video messages"
					       : "play served + video messages",
		    sizeof(m.detail));
	m.width = s->width;
	m.height = s->height;
	m.duration_ms = s->dur_ms;
	if (s->width != 0 && s->height != 0) {
		(void)snprintf(res, sizeof(res), " %ux%u", (unsigned)s->width, (unsigned)s->height);
	}
	(void)snprintf(ev, sizeof(ev), "%s with %u video messages (%s%s)",
		       (s->flags & RTMP_F_CLIENT) ? "RTMP publish"
						  : "RTMP play served by the LAN host",
		       (unsigned)s->nvideo, name, res);
	s->res = SNF_VIDEO;
	if (sink != NULL && sink->video != NULL) {
		sink->video(sink->ctx, SNF_OUT, &m, ev);
	}
}

/* A video message ended: count it when its tag header is valid and consistent. */
static void video_done(struct snf_rtmp *s, uint32_t len, const struct snf_sink *sink)
{
	uint8_t c = video_tag(s, len);

	if (c == RC_NONE || (s->mcodec != RC_NONE && c != s->mcodec)) {
		return;
	}
	if (c != s->codec) {
		s->codec = c;
		s->nvideo = 0; /* proof needs messages of one codec */
	}
	if (s->nvideo < 255) {
		s->nvideo++;
	}
	if ((s->flags & RTMP_F_INTENT) && s->nvideo >= SNF_RTMP_PROOF) {
		prove(s, sink);
	}
}

/* ---- AMF0 values of interest ---- */

static double amf_num(const struct snf_rtmp_amf *a)
{
	uint64_t u = 0;
	double d;
	for (size_t i = 0; i < 8; i++) {
		u = u << 8 | a->num[i];
	}
	memcpy(&d, &u, sizeof(d));
	return d;
}

static uint16_t dim(double d)
{
	return d >= 1.0 && d <= 65535.0 ? (uint16_t)d : 0;
}

/* tcUrl "rtmp://host[:port]/app" -> host, reported once. */
static void tcurl_name(struct snf_rtmp *s, const struct snf_sink *sink)
{
	const char *p = strstr(s->amf.str, "://");
	char host[64];
	size_t n = 0;

	if (p == NULL || (s->flags & RTMP_F_NAMED) || sink == NULL || sink->name == NULL) {
		return;
	}
	for (p += 3; *p != '\0' && *p != ':' && *p != '/' && n + 1 < sizeof(host); p++) {
		host[n++] = *p;
	}
	host[n] = '\0';
	if (n > 0) {
		s->flags |= RTMP_F_NAMED;
		sink->name(sink->ctx, host);
	}
}

static void intent(struct snf_rtmp *s, const struct snf_sink *sink)
{
	s->flags |= RTMP_F_INTENT;
	if (s->nvideo >= SNF_RTMP_PROOF) {
		prove(s, sink);
	}
}

/* The command name (first value of a command message) tells the role. */
static void amf_command(struct snf_rtmp *s, const struct snf_sink *sink)
{
	const char *c = s->amf.str;
	bool client = s->flags & RTMP_F_CLIENT;

	if (client && strcmp(c, "connect") == 0) {
		s->amf.what = AMF_W_CONNECT;
	} else if (client && strcmp(c, "publish") == 0) {
		intent(s, sink);
	} else if (client && strcmp(c, "play") == 0) {
		s->res = SNF_NOT; /* the LAN client pulls: video comes in */
	} else if (!client && strcmp(c, "onStatus") == 0) {
		s->amf.what = AMF_W_STATUS;
	}
}

static void meta_num(struct snf_rtmp *s, const char *k, double d)
{
	if (strcmp(k, "width") == 0) {
		s->width = dim(d);
	} else if (strcmp(k, "height") == 0) {
		s->height = dim(d);
	} else if (strcmp(k, "duration") == 0) {
		s->dur_ms = d > 0.0 && d < 4.0e6 ? (uint32_t)(d * 1000.0) : 0;
	} else if (strcmp(k, "videocodecid") == 0) {
		s->mcodec = d >= 0.0 && d < 16.0 ? flv_codec((uint8_t)d) : RC_NONE;
	}
}

/* A value (kind = its AMF0 marker) completed in the current message. */
static void amf_value(struct snf_rtmp *s, uint8_t kind, uint8_t msgtype,
		      const struct snf_sink *sink)
{
	struct snf_rtmp_amf *a = &s->amf;
	bool key_ok = a->klen < sizeof(a->key);

	if (a->depth == 0 && a->idx == 0 && kind == 0x02) {
		if (msgtype == 20) {
			amf_command(s, sink);
		} else if (strcmp(a->str, "onMetaData") == 0) {
			a->what = AMF_W_META;
		}
	} else if (a->depth == 0 && a->idx == 1 && kind == 0x02 && msgtype == 18 &&
		   strcmp(a->str, "onMetaData") == 0) {
		a->what = AMF_W_META; /* after "@setDataFrame" */
	} else if (a->depth == 1 && key_ok && a->what == AMF_W_CONNECT && kind == 0x02 &&
		   strcmp(a->key, "tcUrl") == 0) {
		tcurl_name(s, sink);
	} else if (a->depth == 1 && key_ok && a->what == AMF_W_STATUS && kind == 0x02 &&
		   strcmp(a->key, "code") == 0) {
		if (strcmp(a->str, "NetStream.Play.Start") == 0) {
			intent(s, sink);
		} else if (strcmp(a->str, "NetStream.Publish.Start") == 0) {
			s->res = SNF_NOT; /* the remote client publishes into the office */
		}
	} else if (a->depth == 1 && key_ok && a->what == AMF_W_META && kind == 0x00) {
		meta_num(s, a->key, amf_num(a));
	}
}

/* After a value: the next top-level value, or the next property name. */
static void amf_next(struct snf_rtmp_amf *a)
{
	if (a->depth == 0) {
		a->idx = a->idx < 255 ? (uint8_t)(a->idx + 1) : a->idx;
		a->st = AMF_TYPE;
	} else {
		a->st = AMF_KLEN;
	}
	a->nb = 0;
}

/* A type marker: start reading its value. */
static void amf_marker(struct snf_rtmp *s, uint8_t t, uint8_t msgtype, const struct snf_sink *sink)
{
	struct snf_rtmp_amf *a = &s->amf;

	a->nb = 0;
	a->slen = 0;
	a->str[0] = '\0';
	switch (t) {
	case 0x00:
		a->st = AMF_NUM;
		break;
	case 0x01:
		a->need = 1;
		a->st = AMF_SKIP;
		break;
	case 0x02:
		a->st = AMF_SLEN;
		break;
	case 0x03:
	case 0x08:
		if (a->depth >= 4) {
			a->st = AMF_STOP;
			break;
		}
		a->depth++;
		a->st = t == 0x08 ? AMF_ECMA : AMF_KLEN;
		break;
	case 0x05:
	case 0x06:
		amf_value(s, t, msgtype, sink);
		amf_next(a);
		break;
	case 0x07:
		a->need = 2;
		a->st = AMF_SKIP;
		break;
	case 0x0b:
		a->need = 10;
		a->st = AMF_SKIP;
		break;
	case 0x0c:
		a->st = AMF_LSLEN;
		break;
	default:
		a->st = AMF_STOP; /* strict arrays, typed objects, AMF3: not needed */
		break;
	}
}

/* Collect a big-endian integer of size bytes into num[]; true once complete. */
static bool amf_int(struct snf_rtmp_amf *a, struct pcur *c, uint8_t size, uint32_t *v)
{
	while (a->nb < size && pcur_u8(c, &a->num[a->nb]) == 0) {
		a->nb++;
	}
	if (a->nb < size) {
		return false;
	}
	*v = 0;
	for (uint8_t i = 0; i < size && size <= 4; i++) {
		*v = *v << 8 | a->num[i];
	}
	a->nb = 0;
	return true;
}

/* Take up to need bytes of a string, keeping the first ones in dst. */
static bool amf_take(struct snf_rtmp_amf *a, struct pcur *c, char *dst, size_t cap, uint8_t *used)
{
	size_t n = pcur_left(c) < a->need ? pcur_left(c) : a->need;
	const uint8_t *p = pcur_ptr(c);

	for (size_t i = 0; i < n && (size_t)*used + 1 < cap; i++) {
		dst[(*used)++] = p[i] == 0 ? '?' : (char)p[i];
	}
	dst[*used] = '\0';
	(void)pcur_skip(c, n);
	a->need -= (uint32_t)n;
	return a->need == 0;
}

/* Property names of an object or ECMA array, and the end marker. */
static void amf_prop(struct snf_rtmp_amf *a, struct pcur *c)
{
	uint32_t v = 0;
	uint8_t t = 0;

	if (a->st == AMF_KLEN) {
		if (amf_int(a, c, 2, &v)) {
			a->need = v;
			/* A name too long for key[] matches none we look for. */
			a->klen = v < sizeof(a->key) ? 0 : 0xff;
			a->key[0] = '\0';
			a->st = v == 0 ? AMF_END : AMF_KEY;
		}
	} else if (a->st == AMF_KEY) {
		uint8_t unused = 0;
		bool done = a->klen == 0xff ? amf_take(a, c, a->str, 1, &unused)
					    : amf_take(a, c, a->key, sizeof(a->key), &a->klen);
		if (done) {
			a->st = AMF_TYPE;
		}
	} else if (pcur_u8(c, &t) == 0) {
		a->depth--;
		if (t != 0x09) {
			a->st = AMF_STOP;
		} else {
			amf_next(a);
		}
	}
}

/* One step of the AMF0 reader; consumes at least one byte unless stopped. */
static void amf_step(struct snf_rtmp *s, struct pcur *c, uint8_t msgtype,
		     const struct snf_sink *sink)
{
	struct snf_rtmp_amf *a = &s->amf;
	uint32_t v = 0;
	uint8_t t = 0;

	switch (a->st) {
	case AMF_TYPE:
		if (pcur_u8(c, &t) == 0) {
			amf_marker(s, t, msgtype, sink);
		}
		break;
	case AMF_NUM:
		while (a->nb < 8 && pcur_u8(c, &a->num[a->nb]) == 0) {
			a->nb++;
		}
		if (a->nb == 8) {
			amf_value(s, 0x00, msgtype, sink);
			amf_next(a);
		}
		break;
	case AMF_SLEN:
	case AMF_LSLEN:
		if (amf_int(a, c, a->st == AMF_SLEN ? 2 : 4, &v)) {
			a->need = v;
			a->st = AMF_STR;
		}
		if (a->st == AMF_STR && v == 0) {
			amf_value(s, 0x02, msgtype, sink);
			amf_next(a);
		}
		break;
	case AMF_STR:
		if (amf_take(a, c, a->str, sizeof(a->str), &a->slen)) {
			amf_value(s, 0x02, msgtype, sink);
			amf_next(a);
		}
		break;
	case AMF_KLEN:
	case AMF_KEY:
	case AMF_END:
		amf_prop(a, c);
		break;
	case AMF_ECMA:
		if (amf_int(a, c, 4, &v)) {
			a->st = AMF_KLEN;
		}
		break;
	case AMF_SKIP:
		if (amf_take(a, c, a->str, 1, &a->slen)) {
			amf_next(a);
		}
		break;
	default:
		(void)pcur_skip(c, pcur_left(c));
		break;
	}
}

/* ---- chunk stream ---- */

static size_t basic_len(uint8_t b0)
{
	uint8_t id = b0 & 0x3f;
	return id == 0 ? 2 : id == 1 ? 3 : 1;
}

static uint32_t hdr_csid(const struct snf_rtmp *s)
{
	uint8_t id = s->hdr[0] & 0x3f;
	if (id == 0) {
		return 64u + s->hdr[1];
	}
	return id == 1 ? 64u + s->hdr[1] + 256u * s->hdr[2] : id;
}

/* Slot of a chunk stream id, -1 if none is in use for it. */
static int find_slot(const struct snf_rtmp *s, uint32_t csid)
{
	for (int i = 0; i < SNF_RTMP_SLOTS; i++) {
		if (s->cs[i].csid != 0 && s->cs[i].csid == csid) {
			return i;
		}
	}
	return -1;
}

/* Total length of the chunk header being collected, as far as it is known. */
static size_t hdr_need(const struct snf_rtmp *s)
{
	static const uint8_t mh[4] = {11, 7, 3, 0};
	size_t b, fmt, need;

	if (s->hn < 1) {
		return 1;
	}
	b = basic_len(s->hdr[0]);
	fmt = s->hdr[0] >> 6;
	need = b + mh[fmt];
	if (s->hn < need) {
		return need;
	}
	if (fmt < 3) {
		bool ext = s->hdr[b] == 0xff && s->hdr[b + 1] == 0xff && s->hdr[b + 2] == 0xff;
		return need + (ext ? 4u : 0u);
	}
	int i = find_slot(s, hdr_csid(s));
	return need + (i >= 0 && s->cs[i].ext ? 4u : 0u);
}

static bool type_ok(uint8_t t, uint32_t len)
{
	if (t >= 1 && t <= 6) {
		return len <= 8 && (t != 1 || len == 4);
	}
	return t == 8 || t == 9 || (t >= 15 && t <= 20) || t == 22;
}

/* A message starts on slot i: decide whether to inspect it. */
static void msg_start(struct snf_rtmp *s, int i)
{
	struct snf_rtmp_cs *cs = &s->cs[i];
	cs->left = cs->len;
	if (s->insp != 0 || cs->len == 0) {
		return; /* one message at a time; interleaved others are not read */
	}
	if (cs->type == 1 || cs->type == 9 || cs->type == 18 || cs->type == 20) {
		s->insp = (uint8_t)(i + 1);
		s->headn = 0;
		memset(&s->amf, 0, sizeof(s->amf));
	}
}

/* Apply a complete chunk header; false on a protocol violation. */
static bool hdr_done(struct snf_rtmp *s)
{
	uint32_t csid = hdr_csid(s);
	size_t b = basic_len(s->hdr[0]);
	uint8_t fmt = s->hdr[0] >> 6;
	int i = find_slot(s, csid);

	if (i < 0) {
		if (fmt != 0 || csid > 65535) {
			return false; /* a chunk stream must start with a full header */
		}
		for (i = 0; i < SNF_RTMP_SLOTS && s->cs[i].csid != 0; i++) {
		}
		if (i == SNF_RTMP_SLOTS) {
			return false;
		}
		memset(&s->cs[i], 0, sizeof(s->cs[i]));
		s->cs[i].csid = (uint16_t)csid;
	}
	struct snf_rtmp_cs *cs = &s->cs[i];
	if (fmt < 3 && cs->left != 0) {
		return false; /* a new header in the middle of a message */
	}
	if (fmt < 3) {
		cs->ext = s->hdr[b] == 0xff && s->hdr[b + 1] == 0xff && s->hdr[b + 2] == 0xff;
	}
	if (fmt < 2) {
		cs->len = (uint32_t)s->hdr[b + 3] << 16 | (uint32_t)s->hdr[b + 4] << 8 |
			  s->hdr[b + 5];
		cs->type = s->hdr[b + 6];
	}
	if (!type_ok(cs->type, cs->len)) {
		return false;
	}
	s->slot = (uint8_t)i;
	if (cs->left == 0) {
		msg_start(s, i);
	}
	s->in_chunk = cs->left < s->chunk ? cs->left : s->chunk;
	return true;
}

/* The inspected message ended. */
static void msg_end(struct snf_rtmp *s, const struct snf_rtmp_cs *cs, const struct snf_sink *sink)
{
	if (cs->type == 1 && s->headn == 4) {
		uint32_t size = ((uint32_t)s->head[0] << 24 | (uint32_t)s->head[1] << 16 |
				 (uint32_t)s->head[2] << 8 | s->head[3]) &
				0x7fffffff;
		if (size == 0) {
			s->res = SNF_NOT;
		} else {
			s->chunk = size;
		}
	} else if (cs->type == 9) {
		video_done(s, cs->len, sink);
	}
	s->insp = 0;
}

/* Payload bytes of the current chunk. */
static void body(struct snf_rtmp *s, struct pcur *c, const struct snf_sink *sink)
{
	struct snf_rtmp_cs *cs = &s->cs[s->slot];
	size_t n = pcur_left(c) < s->in_chunk ? pcur_left(c) : s->in_chunk;
	struct pcur sub;

	(void)pcur_sub(c, n, &sub);
	s->in_chunk -= (uint32_t)n;
	cs->left -= (uint32_t)n;
	if (s->insp == s->slot + 1) {
		if (cs->type == 18 || cs->type == 20) {
			while (pcur_left(&sub) > 0 && s->amf.st != AMF_STOP && s->res == SNF_MORE) {
				amf_step(s, &sub, cs->type, sink);
			}
		}
		while (s->headn < sizeof(s->head) && pcur_u8(&sub, &s->head[s->headn]) == 0) {
			s->headn++;
		}
		if (cs->left == 0) {
			msg_end(s, cs, sink);
		}
	}
	if (s->in_chunk == 0) {
		s->phase = RTMP_P_HDR;
		s->hn = 0;
	}
}

/* One step of the connection state machine. */
static void step(struct snf_rtmp *s, struct pcur *c, const struct snf_sink *sink)
{
	uint8_t v = 0;
	size_t n;

	switch (s->phase) {
	case RTMP_P_C0:
		(void)pcur_u8(c, &v);
		if (v != 3) {
			s->res = SNF_NOT; /* not RTMP, or RTMPE (6) which is encrypted */
		}
		s->skip = 2 * RTMP_HANDSHAKE; /* C1 and C2 (or S1 and S2) */
		s->phase = RTMP_P_SKIP;
		break;
	case RTMP_P_SKIP:
		n = pcur_left(c) < s->skip ? pcur_left(c) : s->skip;
		(void)pcur_skip(c, n);
		s->skip -= (uint32_t)n;
		if (s->skip == 0) {
			s->phase = RTMP_P_HDR;
			s->hn = 0;
		}
		break;
	case RTMP_P_HDR:
		while (s->hn < hdr_need(s) && pcur_u8(c, &s->hdr[s->hn]) == 0) {
			s->hn++;
		}
		if (s->hn == hdr_need(s)) {
			s->phase = RTMP_P_BODY;
			if (!hdr_done(s)) {
				s->res = SNF_NOT;
			} else if (s->in_chunk == 0) {
				body(s, c, sink);
			}
		}
		break;
	default:
		body(s, c, sink);
		break;
	}
}

enum snf_res snf_rtmp_feed(struct snf_rtmp *s, enum snf_dir dir, const uint8_t *buf, size_t len,
			   const struct snf_sink *sink)
{
	struct pcur c;

	/* Only SNF_OUT can carry video out; the other way is ignored. */
	if (s->res != SNF_MORE || dir != SNF_OUT) {
		return (enum snf_res)s->res;
	}
	pcur_init(&c, buf, len);
	while (s->res == SNF_MORE &&
	       (pcur_left(&c) > 0 || (s->phase == RTMP_P_BODY && s->in_chunk == 0))) {
		step(s, &c, sink);
	}
	return (enum snf_res)s->res;
}
