/*
 * RTSP sniffer, see snf_rtsp.h. Each direction has its own byte-driven
 * reader (line buffer, body countdown, interleaved frame countdown), so the
 * result does not depend on segment boundaries. Requests travel in the
 * client's direction, responses in the other.
 */
#include "snf_rtsp.h"

#include <stdio.h>
#include <string.h>

#include "pcur.h"

enum {
	RM_START = 0,
	RM_LINE,
	RM_BODY,
	RM_FHDR,
	RM_FRAME
};

/* Request methods (msg of a request direction); responses store their status class. */
enum {
	RQ_OTHER = 0,
	RQ_ANNOUNCE,
	RQ_DESCRIBE,
	RQ_SETUP,
	RQ_RECORD,
	RQ_PLAY,
	RQ_RESP_OK,
	RQ_RESP
};

enum {
	RD_FIRST = 0x01,  /* the start line of this message was read */
	RD_OVER = 0x02,   /* the current line was longer than buf */
	RD_VSETUP = 0x04, /* this SETUP is for the video track */
};

enum {
	RS_CLIENT = 0x01,   /* the LAN host is the RTSP client */
	RS_ANNOUNCE = 0x02, /* ANNOUNCE seen */
	RS_UPLOAD = 0x04,   /* RECORD by LAN client or PLAY by remote client */
	RS_NAMED = 0x08,    /* sink->name() called */
	RS_VIDEO = 0x10,    /* the SDP has an m=video */
	RS_SETUP = 0x20,    /* SETUP of the video track sent, answer pending */
};

enum {
	SDP_NONE = 0,
	SDP_VIDEO,
	SDP_OTHER
};

void snf_rtsp_init(struct snf_rtsp *s, bool lan_is_client)
{
	memset(s, 0, sizeof(*s));
	s->ch = 0xff;
	s->pt = 0xff;
	s->d[0].tp_ch = 0xff;
	s->d[1].tp_ch = 0xff;
	s->flags = lan_is_client ? RS_CLIENT : 0;
	s->res = SNF_MORE;
	snf_rtp_init(&s->rtp, 0xff, "");
}

/* Requests go from the client: SNF_OUT when the LAN host is the client. */
static bool is_req_dir(const struct snf_rtsp *s, enum snf_dir dir)
{
	return (dir == SNF_OUT) == ((s->flags & RS_CLIENT) != 0);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Case-insensitive prefix test (header names and URL schemes ignore case). */
static bool prefix(const char *line, const char *p)
{
	for (; *p != '\0'; line++, p++) {
		if (lower(*line) != lower(*p)) {
			return false;
		}
	}
	return true;
}

/* Unsigned decimal at p; *end past it. Values are capped at 2^32-1. */
static uint32_t num(const char *p, const char **end)
{
	uint64_t v = 0;
	while (*p == ' ') {
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (uint64_t)(*p - '0');
		v = v > 0xffffffffu ? 0xffffffffu : v;
	}
	if (end != NULL) {
		*end = p;
	}
	return (uint32_t)v;
}

/* rtsp://[user@]host[:port]/path -> host, reported once by a LAN client. */
static void url_name(struct snf_rtsp *s, const char *url, const struct snf_sink *sink)
{
	char host[64];
	size_t n = 0;
	const char *at;

	if (!(s->flags & RS_CLIENT) || (s->flags & RS_NAMED) || !prefix(url, "rtsp://") ||
	    sink == NULL || sink->name == NULL) {
		return;
	}
	url += 7;
	at = strpbrk(url, "@/ ");
	if (at != NULL && *at == '@') {
		url = at + 1;
	}
	for (; *url != '\0' && *url != ':' && *url != '/' && *url != ' ' && n + 1 < sizeof(host);
	     url++) {
		host[n++] = *url;
	}
	host[n] = '\0';
	if (n > 0) {
		s->flags |= RS_NAMED;
		sink->name(sink->ctx, host);
	}
}

/* Is a SETUP of url (cut at its first space) for the video track? */
static bool video_url(const struct snf_rtsp *s, const char *url)
{
	size_t ul = strcspn(url, " "), cl = strlen(s->ctl);

	if (!(s->flags & RS_VIDEO)) {
		return false;
	}
	if (cl == 0 || strcmp(s->ctl, "*") == 0) {
		return true; /* one track, or no control attribute to tell */
	}
	if (prefix(s->ctl, "rtsp://")) {
		return ul == cl && strncmp(url, s->ctl, ul) == 0;
	}
	return ul >= cl && strncmp(url + ul - cl, s->ctl, cl) == 0 &&
	       (ul == cl || url[ul - cl - 1] == '/');
}

/* The video codec as snf_media names it ("H265" -> "hevc", "JPEG" -> "mjpeg"). */
static void media_codec(const struct snf_rtsp *s, char *out, size_t size)
{
	static const char *const map[][2] = {
		{"h265", "hevc"}, {"jpeg", "mjpeg"}, {"mp4v-es", "mpeg4"}, {"mp2t", ""}};
	char lc[sizeof(s->codec)];
	size_t i;

	for (i = 0; s->codec[i] != '\0' && i + 1 < sizeof(lc); i++) {
		lc[i] = lower(s->codec[i]);
	}
	lc[i] = '\0';
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(lc, map[i][0]) == 0) {
			snf_strlcpy(out, map[i][1], size);
			return;
		}
	}
	snf_strlcpy(out, lc, size);
}

static void sdp_media(struct snf_rtsp *s, const char *l)
{
	const char *p;

	if (!prefix(l, "m=video ") || (s->flags & RS_VIDEO)) {
		s->sdp = prefix(l, "m=video ") ? SDP_OTHER : (prefix(l, "m=") ? SDP_OTHER : s->sdp);
		return;
	}
	s->sdp = SDP_VIDEO;
	s->flags |= RS_VIDEO;
	/* m=video <port> <proto> <fmt> ...: the first format is the one used. */
	p = strchr(l + 8, ' ');
	p = p != NULL ? strchr(p + 1, ' ') : NULL;
	if (p != NULL && p[1] >= '0' && p[1] <= '9') {
		uint32_t pt = num(p + 1, NULL);
		s->pt = pt <= 127 ? (uint8_t)pt : 0xff;
	}
	if (s->pt == 26) {
		snf_strlcpy(s->codec, "JPEG", sizeof(s->codec));
	} else if (s->pt == 33) {
		snf_strlcpy(s->codec, "MP2T", sizeof(s->codec));
	}
}

static int b64(char c)
{
	if (c >= 'A' && c <= 'Z') {
		return c - 'A';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 26;
	}
	if (c >= '0' && c <= '9') {
		return c - '0' + 52;
	}
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* a=fmtp:96 ...sprop-parameter-sets=<SPS base64>,<PPS>: the size, if the SPS fits the line. */
static void sdp_sprop(struct snf_rtsp *s, const char *l)
{
	const char *p = strstr(l, "sprop-parameter-sets=");
	uint8_t sps[48];
	size_t n = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	int v;

	if (p == NULL) {
		return;
	}
	for (p += 21; (v = b64(*p)) >= 0 && n < sizeof(sps); p++) {
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			sps[n++] = (uint8_t)(acc >> bits);
		}
	}
	(void)snf_rtp_h264_size(sps, n, &s->width, &s->height);
}

/* One SDP line of the video section. */
static void sdp_line(struct snf_rtsp *s, const char *l)
{
	const char *e = NULL;

	if (prefix(l, "m=")) {
		sdp_media(s, l);
		return;
	}
	if (s->sdp != SDP_VIDEO) {
		return;
	}
	if (prefix(l, "a=rtpmap:") && num(l + 9, &e) == s->pt && *e == ' ') {
		size_t n = strcspn(e + 1, "/");
		char name[sizeof(s->codec)];
		snf_strlcpy(name, e + 1, n + 1 < sizeof(name) ? n + 1 : sizeof(name));
		snf_strlcpy(s->codec, name, sizeof(s->codec));
	} else if (prefix(l, "a=fmtp:")) {
		sdp_sprop(s, l);
	} else if (prefix(l, "a=control:")) {
		snf_strlcpy(s->ctl, l + 10, sizeof(s->ctl));
	} else if (prefix(l, "a=framesize:")) {
		(void)num(l + 12, &e); /* payload type */
		uint32_t w = num(e, &e);
		uint32_t h = *e == '-' ? num(e + 1, NULL) : 0;
		s->width = w > 0 && w < 65536 && h > 0 && h < 65536 ? (uint16_t)w : 0;
		s->height = s->width != 0 ? (uint16_t)h : 0;
	} else if (prefix(l, "a=x-dimensions:")) {
		uint32_t w = num(l + 15, &e);
		uint32_t h = *e == ',' ? num(e + 1, NULL) : 0;
		s->width = w > 0 && w < 65536 && h > 0 && h < 65536 ? (uint16_t)w : 0;
		s->height = s->width != 0 ? (uint16_t)h : 0;
	}
}

/* Transport: ...;interleaved=a-b;client_port=a-b;server_port=c-d;... */
static void transport(struct snf_rtsp_dir *d, const char *v)
{
	const char *p;

	if ((p = strstr(v, "interleaved=")) != NULL) {
		uint32_t ch = num(p + 12, NULL);
		d->tp_ch = ch < 255 ? (uint8_t)ch : 0xff;
	}
	if ((p = strstr(v, "client_port=")) != NULL) {
		uint32_t port = num(p + 12, NULL);
		d->tp_a = port < 65536 ? (uint16_t)port : 0;
	}
	if ((p = strstr(v, "server_port=")) != NULL) {
		uint32_t port = num(p + 12, NULL);
		d->tp_b = port < 65536 ? (uint16_t)port : 0;
	}
}

/* The start line of a request; false if it is not RTSP. */
static bool request_line(struct snf_rtsp *s, struct snf_rtsp_dir *d, const char *l,
			 const struct snf_sink *sink)
{
	static const struct {
		const char *m;
		uint8_t id;
	} methods[] = {{"ANNOUNCE ", RQ_ANNOUNCE},   {"DESCRIBE ", RQ_DESCRIBE},
		       {"SETUP ", RQ_SETUP},         {"RECORD ", RQ_RECORD},
		       {"PLAY ", RQ_PLAY},           {"OPTIONS ", RQ_OTHER},
		       {"PAUSE ", RQ_OTHER},         {"TEARDOWN ", RQ_OTHER},
		       {"GET_PARAMETER ", RQ_OTHER}, {"SET_PARAMETER ", RQ_OTHER},
		       {"REDIRECT ", RQ_OTHER}};

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t ml = strlen(methods[i].m);
		if (strncmp(l, methods[i].m, ml) != 0) {
			continue;
		}
		if (!prefix(l + ml, "rtsp://") && !prefix(l + ml, "rtsps://") && l[ml] != '*') {
			return false;
		}
		d->msg = methods[i].id;
		url_name(s, l + ml, sink);
		if (d->msg == RQ_SETUP && video_url(s, l + ml)) {
			d->mflags |= RD_VSETUP;
		}
		return true;
	}
	return false;
}

static void send_expect(struct snf_rtsp *s, const struct snf_sink *sink)
{
	struct snf_expect e;
	char codec[16];

	if (sink == NULL || sink->expect == NULL) {
		return;
	}
	memset(&e, 0, sizeof(e));
	e.kind = SNF_EXP_RTP;
	e.family = 0;
	e.proto = 17;
	e.upload = (s->flags & RS_UPLOAD) != 0;
	e.lan_port = (s->flags & RS_CLIENT) ? s->cport : s->sport;
	e.remote_port = (s->flags & RS_CLIENT) ? s->sport : s->cport;
	media_codec(s, codec, sizeof(codec));
	snf_strlcpy(e.media.video, "rtsp/", sizeof(e.media.video));
	snf_strlcpy(e.media.video + 5, codec[0] != '\0' ? codec : "rtp", sizeof(e.media.video) - 5);
	snf_strlcpy(e.media.codec, codec, sizeof(e.media.codec));
	snf_strlcpy(e.media.detail, "RTSP SETUP of m=video", sizeof(e.media.detail));
	e.media.width = s->width;
	e.media.height = s->height;
	e.rtp_pt = s->pt;
	sink->expect(sink->ctx, &e);
}

/* RECORD or PLAY: decide whether the session sends video out of the office. */
static void session_start(struct snf_rtsp *s, bool record, const struct snf_sink *sink)
{
	bool client = s->flags & RS_CLIENT;

	if (record != client || !(s->flags & RS_VIDEO)) {
		/* PLAY by a LAN client, RECORD into a LAN server, no video: nothing leaves. */
		if (s->ch == 0xff && (s->cport != 0 || s->sport != 0)) {
			send_expect(s, sink); /* upload false: lets the engine skip the flow */
		}
		s->res = SNF_NOT;
		return;
	}
	if (s->flags & RS_UPLOAD) {
		return;
	}
	s->flags |= RS_UPLOAD;
	snf_rtp_init(&s->rtp, s->pt, s->codec);
	if (s->ch == 0xff) {
		send_expect(s, sink);
	}
}

/* A request's headers ended. */
static void request_done(struct snf_rtsp *s, struct snf_rtsp_dir *d, const struct snf_sink *sink)
{
	switch (d->msg) {
	case RQ_ANNOUNCE:
		s->flags |= RS_ANNOUNCE;
		break;
	case RQ_SETUP:
		if (d->mflags & RD_VSETUP) {
			s->flags |= RS_SETUP;
			s->setup_cseq = d->cseq;
			s->ch = d->tp_ch;
			s->cport = d->tp_a;
		}
		break;
	case RQ_RECORD:
	case RQ_PLAY:
		session_start(s, d->msg == RQ_RECORD, sink);
		break;
	default:
		break;
	}
}

/* A response's headers ended: the answer to the video SETUP fixes the transport. */
static void response_done(struct snf_rtsp *s, const struct snf_rtsp_dir *d)
{
	if (d->msg != RQ_RESP_OK || !(s->flags & RS_SETUP) || d->cseq != s->setup_cseq) {
		return;
	}
	s->flags &= (uint8_t)~RS_SETUP;
	if (d->tp_ch != 0xff) {
		s->ch = d->tp_ch;
	}
	if (d->tp_a != 0) {
		s->cport = d->tp_a;
	}
	if (d->tp_b != 0) {
		s->sport = d->tp_b;
	}
}

/* A complete interleaved frame (its first d->n bytes in d->buf). */
static void frame_done(struct snf_rtsp *s, enum snf_dir dir, struct snf_rtsp_dir *d,
		       const struct snf_sink *sink)
{
	struct snf_media m;
	char ev[128];

	if (dir != SNF_OUT || !(s->flags & RS_UPLOAD) || d->chan != s->ch || d->flen == 0) {
		return;
	}
	memset(&m, 0, sizeof(m));
	enum snf_res r = snf_rtp_feed_head(&s->rtp, d->buf, d->n, d->flen, &m);
	if (r != SNF_VIDEO) {
		s->res = (uint8_t)r;
		return;
	}
	snf_strlcpy(m.video, "rtsp/", sizeof(m.video));
	snf_strlcpy(m.video + 5, m.codec[0] != '\0' ? m.codec : "mp2t", sizeof(m.video) - 5);
	if (m.width == 0) {
		m.width = s->width;
		m.height = s->height;
	}
	snf_strlcpy(m.detail,
		    (s->flags & RS_CLIENT) ? "RECORD + interleaved RTP"
					   : "PLAY served + interleaved RTP",
		    sizeof(m.detail));
	(void)snprintf(ev, sizeof(ev), "%s with SDP m=video %s, %u interleaved RTP packets",
		       (s->flags & RS_CLIENT) ? "RTSP RECORD" : "RTSP PLAY served by the LAN host",
		       s->codec[0] != '\0' ? s->codec : "?", (unsigned)SNF_RTP_PROOF);
	s->res = SNF_VIDEO;
	if (sink != NULL && sink->video != NULL) {
		sink->video(sink->ctx, SNF_OUT, &m, ev);
	}
}

static void msg_reset(struct snf_rtsp_dir *d)
{
	d->mode = RM_START;
	d->mflags = 0;
	d->msg = RQ_OTHER;
	d->clen = 0;
	d->cseq = 0;
	d->tp_a = 0;
	d->tp_b = 0;
	d->tp_ch = 0xff;
	d->n = 0;
}

/* The first line of a message; false if the stream is not RTSP. */
static bool start_line(struct snf_rtsp *s, enum snf_dir dir, struct snf_rtsp_dir *d, const char *l,
		       const struct snf_sink *sink)
{
	const char *sp;

	d->mflags |= RD_FIRST;
	if (is_req_dir(s, dir)) {
		return request_line(s, d, l, sink);
	}
	if (!prefix(l, "RTSP/") || (sp = strchr(l, ' ')) == NULL) {
		return false;
	}
	uint32_t status = num(sp + 1, NULL);
	d->msg = status >= 200 && status < 300 ? RQ_RESP_OK : RQ_RESP;
	return true;
}

/* One complete line, NUL-terminated in d->buf. */
static void line_done(struct snf_rtsp *s, enum snf_dir dir, struct snf_rtsp_dir *d,
		      const struct snf_sink *sink)
{
	const char *l = (const char *)d->buf;

	if (d->mode == RM_BODY) {
		sdp_line(s, l);
	} else if (!(d->mflags & RD_FIRST)) {
		if (l[0] == '\0') {
			msg_reset(d); /* stray blank line between messages */
		} else if (!start_line(s, dir, d, l, sink)) {
			s->res = SNF_NOT;
		}
	} else if (l[0] == '\0') {
		if (is_req_dir(s, dir)) {
			request_done(s, d, sink);
		} else {
			response_done(s, d);
		}
		uint32_t clen = d->clen;
		msg_reset(d);
		if (clen > 0) {
			d->mode = RM_BODY;
			d->left = clen;
		}
	} else if (prefix(l, "CSeq:")) {
		d->cseq = num(l + 5, NULL);
	} else if (prefix(l, "Content-Length:")) {
		d->clen = num(l + 15, NULL);
	} else if (prefix(l, "Transport:")) {
		transport(d, l + 10);
	}
}

/*
 * A Transport header longer than buf (servers add source=, ssrc=, mode=):
 * read the parameters complete so far and keep only the last, unfinished
 * one, so that client_port/server_port late in the line are still seen.
 */
static void transport_flush(struct snf_rtsp_dir *d)
{
	char *l = (char *)d->buf;
	char *semi;

	d->buf[d->n] = '\0';
	if (!prefix(l, "Transport:") || (semi = strrchr(l, ';')) == NULL || semi - l <= 10) {
		return;
	}
	*semi = '\0';
	transport(d, l + 10);
	size_t keep = d->n - (size_t)(semi - l);
	memmove(d->buf + 10, semi, keep);
	d->buf[10] = ';';
	d->n = (uint8_t)(10 + keep);
}

/* Text bytes of a header line or a body, up to the end of a line. */
static void text(struct snf_rtsp *s, enum snf_dir dir, struct snf_rtsp_dir *d, struct pcur *c,
		 const struct snf_sink *sink)
{
	uint8_t b = 0;
	bool body = d->mode == RM_BODY;

	while ((!body || d->left > 0) && pcur_u8(c, &b) == 0) {
		d->left -= body ? 1u : 0u;
		if (b == '\n') {
			break;
		}
		if (!body && ((b < 0x20 && b != '\t' && b != '\r') || b == 0x7f)) {
			s->res = SNF_NOT; /* binary where RTSP has text */
			return;
		}
		if (d->n + 1 >= SNF_RTSP_LINE && !body) {
			transport_flush(d);
		}
		if (d->n + 1 < SNF_RTSP_LINE) {
			d->buf[d->n++] = b;
		}
		if (body && d->left == 0) {
			break;
		}
	}
	if (b != '\n' && (!body || d->left > 0)) {
		return; /* the line goes on in the next segment */
	}
	if (d->n > 0 && d->buf[d->n - 1] == '\r') {
		d->n--;
	}
	d->buf[d->n] = '\0';
	d->n = 0;
	line_done(s, dir, d, sink);
	if (body && d->left == 0 && d->mode == RM_BODY) {
		msg_reset(d);
	}
}

/* Bytes of an interleaved frame: "$", channel, length16, then the payload. */
static void frame(struct snf_rtsp *s, enum snf_dir dir, struct snf_rtsp_dir *d, struct pcur *c,
		  const struct snf_sink *sink)
{
	if (d->mode == RM_FHDR) {
		while (d->n < 3 && pcur_u8(c, &d->buf[d->n]) == 0) {
			d->n++;
		}
		if (d->n < 3) {
			return;
		}
		d->chan = d->buf[0];
		d->flen = (uint16_t)(d->buf[1] << 8 | d->buf[2]);
		d->left = d->flen;
		d->n = 0;
		d->mode = RM_FRAME;
	}
	size_t k = pcur_left(c) < d->left ? pcur_left(c) : d->left;
	for (size_t i = 0; i < k; i++) {
		uint8_t b = 0;
		(void)pcur_u8(c, &b);
		if (d->n < SNF_RTSP_LINE - 1) {
			d->buf[d->n++] = b;
		}
	}
	d->left -= (uint32_t)k;
	if (d->left == 0) {
		frame_done(s, dir, d, sink);
		msg_reset(d);
	}
}

enum snf_res snf_rtsp_feed(struct snf_rtsp *s, enum snf_dir dir, const uint8_t *buf, size_t len,
			   const struct snf_sink *sink)
{
	struct snf_rtsp_dir *d = &s->d[dir == SNF_OUT ? 0 : 1];
	struct pcur c;

	pcur_init(&c, buf, len);
	while (s->res == SNF_MORE && pcur_left(&c) > 0) {
		if (d->mode == RM_START) {
			uint8_t b = *pcur_ptr(&c);
			d->n = 0;
			d->mode = b == '$' ? RM_FHDR : RM_LINE;
			if (b == '$') {
				(void)pcur_skip(&c, 1);
			}
		} else if (d->mode == RM_LINE || d->mode == RM_BODY) {
			text(s, dir, d, &c, sink);
		} else {
			frame(s, dir, d, &c, sink);
		}
	}
	return (enum snf_res)s->res;
}
