/*
 * snf_http: the HTTP/1.x carrier (see snf_http.h for the contract).
 *
 * libhttp-parser does the framing (request/status line, headers, chunked
 * and Content-Length bodies, keep-alive); this file keeps the few header
 * values it needs, and runs its own streaming multipart parser over the
 * decoded body. The multipart delimiter is matched byte by byte; the bytes
 * of a partial match are not kept from the input, since they are by
 * definition a prefix of the delimiter, which the state already holds. This
 * replaces the "tail buffer" a copy-based parser would need for a boundary
 * that straddles two segments.
 */
#include "snf_http.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "snf.h"

#include <http_parser.h>

/* Which header value is being collected. */
enum {
	HDR_NONE = 0,
	HDR_HOST,
	HDR_CTYPE,
	HDR_CDISP,
};

/* Multipart kind of the current message body. */
enum {
	MP_NONE = 0,
	MP_FORM,  /* multipart/form-data: parts with a filename are files */
	MP_OTHER, /* multipart/related, mixed...: every part is reported */
	MP_MJPEG, /* multipart/x-mixed-replace: every part should be a JPEG */
};

/* Multipart parser states. */
enum {
	MPS_PREAMBLE = 0, /* before the first delimiter: discarded */
	MPS_AFTER,        /* after a delimiter: padding up to the line end */
	MPS_AFTER_DASH,   /* one '-' after a delimiter: maybe the close delimiter */
	MPS_HDRS,         /* part header lines */
	MPS_PART,         /* part content */
	MPS_EPILOGUE,     /* after the close delimiter: discarded */
};

/* JPEG walker states; the frame starts well once the state is J_MARK or later. */
enum {
	J_S0 = 0,
	J_S1,
	J_S2,
	J_BAD,
	J_MARK,
	J_FF,
	J_LEN1,
	J_LEN2,
	J_SKIP,
	J_SOF,
	J_DONE,
};

/* What the parser callbacks reach through http_parser.data during one feed. */
struct run {
	struct snf_http *s;
	const struct snf_sink *sink;
};

static void sk_begin(struct run *r, const char *carrier, const char *file)
{
	r->s->body_open = true;
	if (r->sink != NULL && r->sink->body_begin != NULL) {
		r->sink->body_begin(r->sink->ctx, carrier, file);
	}
}

static void sk_body(struct run *r, const uint8_t *p, size_t n)
{
	if (n > 0 && r->sink != NULL && r->sink->body != NULL) {
		r->sink->body(r->sink->ctx, p, n);
	}
}

static void sk_end(struct run *r)
{
	if (!r->s->body_open) {
		return;
	}
	r->s->body_open = false;
	if (r->sink != NULL && r->sink->body_end != NULL) {
		r->sink->body_end(r->sink->ctx);
	}
}

static char lc(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ci_prefix(const char *s, const char *pre)
{
	for (; *pre != '\0'; s++, pre++) {
		if (lc(*s) != *pre) {
			return false;
		}
	}
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	c = lc(c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/*
 * Find parameter name= in a header value; the name must start the value or
 * follow ';' or white space, so "xfilename=" is not "filename=".
 */
static const char *param_find(const char *v, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = v; *p != '\0'; p++) {
		bool start = p == v || p[-1] == ';' || p[-1] == ' ' || p[-1] == '\t';
		if (start && ci_prefix(p, name) && p[n] == '=') {
			return p + n + 1;
		}
	}
	return NULL;
}

/* Copy a parameter value (quoted-string with \ escapes, or token), cut to size. */
static size_t param_copy(const char *v, char *out, size_t size)
{
	size_t n = 0;

	if (*v == '"') {
		for (v++; *v != '\0' && *v != '"'; v++) {
			if (*v == '\\' && v[1] != '\0') {
				v++;
			}
			if (n + 1 < size) {
				out[n++] = *v;
			}
		}
	} else {
		for (; *v != '\0' && *v != ';' && *v != ' ' && *v != '\t'; v++) {
			if (n + 1 < size) {
				out[n++] = *v;
			}
		}
	}
	out[n] = '\0';
	return n;
}

/*
 * Make s->file the reported name from n raw bytes already in it: optionally
 * percent-decode (in place: the output never overtakes the input), keep the
 * last path component (browsers may send a Windows path), and replace what
 * is not printable ASCII, since the name ends up in alerts and logs.
 */
static void file_finish(struct snf_http *s, size_t n, bool pct)
{
	char *f = s->file;
	size_t o = 0;
	size_t base = 0;

	for (size_t i = 0; i < n; i++) {
		char c = f[i];
		if (pct && c == '%' && i + 2 < n && hexval(f[i + 1]) >= 0 &&
		    hexval(f[i + 2]) >= 0) {
			c = (char)(hexval(f[i + 1]) * 16 + hexval(f[i + 2]));
			i += 2;
		}
		f[o++] = c;
		if (c == '/' || c == '\\') {
			base = o;
		}
	}
	memmove(f, f + base, o - base);
	o -= base;
	for (size_t i = 0; i < o; i++) {
		if ((unsigned char)f[i] < 0x20 || (unsigned char)f[i] > 0x7e) {
			f[i] = '_';
		}
	}
	f[o] = '\0';
	s->file_len = (uint16_t)o;
}

/*
 * Take the file name from a Content-Disposition value: filename= first, the
 * RFC 5987 filename*=charset'lang'pct-encoded form only when it is alone.
 * Returns whether a filename parameter was there.
 */
static bool cdisp_file(struct snf_http *s, const char *v)
{
	const char *p = param_find(v, "filename");
	bool ext = false;

	if (p == NULL) {
		p = param_find(v, "filename*");
		if (p == NULL) {
			return false;
		}
		ext = true;
	}
	size_t n = param_copy(p, s->file, sizeof(s->file));
	if (ext) {
		const char *q = strchr(s->file, '\'');
		q = q != NULL ? strchr(q + 1, '\'') : NULL;
		if (q != NULL) {
			n -= (size_t)(q + 1 - s->file);
			memmove(s->file, q + 1, n);
		}
	}
	file_finish(s, n, ext);
	return true;
}

/*
 * Keep the Host value as reported: host only, lower case, no port, no IPv6
 * brackets. It is kept at the tail of val (the header values that follow get
 * the rest) and reported only when the headers are complete: a parse error
 * may end the message before that, and whether http_parser has delivered the
 * value by then depends on where the segments were cut.
 */
static void host_finish(struct snf_http *s)
{
	char *v = s->val;
	size_t n = 0;

	if (s->host_len > 0) {
		return; /* the first Host counts */
	}
	while (*v == ' ' || *v == '\t') {
		v++;
	}
	if (*v == '[') {
		v++;
		while (v[n] != '\0' && v[n] != ']') {
			n++;
		}
	} else {
		while (v[n] != '\0' && v[n] != ':' && v[n] != ' ' && v[n] != '\t') {
			n++;
		}
	}
	while (n > 0 && v[n - 1] == '.') {
		n--;
	}
	if (n > SNF_HTTP_HOST_MAX) {
		n = SNF_HTTP_HOST_MAX;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)lc(v[i]);
		v[i] = (c < 0x21 || c > 0x7e) ? '_' : (char)c;
	}
	memmove(s->val + sizeof(s->val) - 1 - n, v, n);
	s->val[sizeof(s->val) - 1] = '\0';
	s->host_len = (uint8_t)n;
	s->val_len = 0;
}

static void host_report(struct run *r)
{
	struct snf_http *s = r->s;

	if (s->host_len > 0 && r->sink != NULL && r->sink->name != NULL) {
		r->sink->name(r->sink->ctx, s->val + sizeof(s->val) - 1 - s->host_len);
	}
	s->host_len = 0;
}

/* Take the multipart kind and delimiter from Content-Type. */
static void ctype_finish(struct snf_http *s)
{
	const char *v = s->val;
	char b[SNF_HTTP_DELIM_MAX - 4];

	while (*v == ' ' || *v == '\t') {
		v++;
	}
	s->mp_kind = MP_NONE;
	s->delim_len = 0;
	if (!ci_prefix(v, "multipart/")) {
		return;
	}
	const char *p = param_find(v, "boundary");
	size_t n = p != NULL ? param_copy(p, b, sizeof(b)) : 0;
	for (size_t i = 0; i < n; i++) {
		/* A CR in the boundary would break the matcher's reset rule. */
		if ((unsigned char)b[i] < 0x20 || (unsigned char)b[i] > 0x7e) {
			return;
		}
	}
	if (n == 0) {
		return;
	}
	memcpy(s->delim, "\r\n--", 4);
	memcpy(s->delim + 4, b, n);
	s->delim_len = (uint8_t)(n + 4);
	if (ci_prefix(v, "multipart/form-data")) {
		s->mp_kind = MP_FORM;
	} else if (ci_prefix(v, "multipart/x-mixed-replace")) {
		s->mp_kind = MP_MJPEG;
	} else {
		s->mp_kind = MP_OTHER;
	}
}

static void val_append(struct snf_http *s, const char *p, size_t n)
{
	/* A kept Host and its NUL take the tail of val. */
	size_t cap = sizeof(s->val) - 1 - (s->host_len > 0 ? s->host_len + 1u : 0u);
	size_t room = cap - s->val_len;

	if (n > room) {
		n = room;
		s->val_cut = true;
	}
	memcpy(s->val + s->val_len, p, n);
	s->val_len = (uint16_t)(s->val_len + n);
	s->val[s->val_len] = '\0';
}

static uint8_t hdr_id(const struct snf_http *s)
{
	const char *v = s->val;

	if (s->val_cut) {
		return HDR_NONE;
	}
	if (s->lan_is_client && s->val_len == 4 && ci_prefix(v, "host")) {
		return HDR_HOST;
	}
	if (s->val_len == 12 && ci_prefix(v, "content-type")) {
		return HDR_CTYPE;
	}
	/* A request names its body by its URL; a response may name it here. */
	if (!s->lan_is_client && s->val_len == 19 && ci_prefix(v, "content-disposition")) {
		return HDR_CDISP;
	}
	return HDR_NONE;
}

static void hdr_finish(struct run *r)
{
	struct snf_http *s = r->s;

	switch (s->hdr) {
	case HDR_HOST:
		host_finish(s);
		break;
	case HDR_CTYPE:
		ctype_finish(s);
		break;
	case HDR_CDISP:
		(void)cdisp_file(s, s->val);
		break;
	default:
		break;
	}
	s->hdr = HDR_NONE;
}

/*
 * Keep the last path segment of the request target, raw, up to the query.
 * Bit 7 of url_slashes marks an absolute-form target ("http://h/p"), whose
 * first three slashes belong to the scheme and authority.
 */
static void url_feed(struct snf_http *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !s->url_done; i++) {
		char c = p[i];
		if (s->url_slashes == 0 && s->file_len == 0 && c != '/') {
			s->url_slashes = 0x80;
		}
		if (c == '?' || c == '#') {
			s->url_done = true;
		} else if (c == '/') {
			if ((s->url_slashes & 0x7f) < 0x7f) {
				s->url_slashes++;
			}
			s->file_len = 0;
		} else if (s->file_len + 1u < sizeof(s->file)) {
			s->file[s->file_len++] = c;
		}
	}
}

static void url_finish(struct snf_http *s)
{
	if ((s->url_slashes & 0x80) != 0 && (s->url_slashes & 0x7f) < 3) {
		s->file_len = 0;
	}
	file_finish(s, s->file_len, true);
}

static void carrier_str(const struct snf_http *s, char *out, size_t size)
{
	const char *what = s->lan_is_client ? http_method_str((enum http_method)s->hp.method)
					    : "HTTP response";

	(void)snprintf(out, size, "%s%s%s body", (s->hp.flags & F_CHUNKED) ? "chunked " : "",
		       s->mp_kind != MP_NONE ? "multipart " : "", what);
}

static void body_begin(struct run *r)
{
	char carrier[48];

	carrier_str(r->s, carrier, sizeof(carrier));
	sk_begin(r, carrier, r->s->file);
}

/* The low length byte of a marker segment: skip it, or read it if it is a SOF. */
static void jpeg_seg_len(struct snf_http_jpeg *j, uint8_t c)
{
	j->skip = (uint16_t)(j->skip | c);
	if (j->skip < 2) {
		j->st = J_DONE;
		return;
	}
	j->skip = (uint16_t)(j->skip - 2);
	j->sof_i = 0;
	/* SOF0 baseline, SOF1 extended, SOF2 progressive: what cameras send. */
	if (j->marker >= 0xc0 && j->marker <= 0xc2 && j->skip >= 5) {
		j->st = J_SOF;
	} else {
		j->st = j->skip > 0 ? J_SKIP : J_FF;
	}
}

/* SOF header: precision, height, width; the first frame's size is kept. */
static void jpeg_sof(struct snf_http *s, uint8_t c)
{
	struct snf_http_jpeg *j = &s->jpg;

	j->sof[j->sof_i++] = c;
	if (j->sof_i < 5) {
		return;
	}
	if (s->width == 0) {
		s->height = (uint16_t)(j->sof[1] << 8 | j->sof[2]);
		s->width = (uint16_t)(j->sof[3] << 8 | j->sof[4]);
	}
	j->st = J_DONE;
}

/* Walk the JPEG marker segments of a frame up to SOS, for the SOF size. */
static void jpeg_walk(struct snf_http *s, uint8_t c)
{
	struct snf_http_jpeg *j = &s->jpg;

	switch (j->st) {
	case J_S0:
		j->st = c == 0xff ? J_S1 : J_BAD;
		break;
	case J_S1:
		j->st = c == 0xd8 ? J_S2 : J_BAD;
		break;
	case J_S2:
		j->st = c == 0xff ? J_MARK : J_BAD;
		break;
	case J_MARK:
		if (c == 0xff) {
			break; /* fill byte */
		}
		j->marker = c;
		if (c == 0xda || c == 0xd9 || c == 0x00) {
			j->st = J_DONE; /* entropy-coded data or end: no SOF to find */
		} else if ((c >= 0xd0 && c <= 0xd7) || c == 0x01) {
			j->st = J_FF; /* markers without a length */
		} else {
			j->st = J_LEN1;
		}
		break;
	case J_FF:
		j->st = c == 0xff ? J_MARK : J_DONE;
		break;
	case J_LEN1:
		j->skip = (uint16_t)(c << 8);
		j->st = J_LEN2;
		break;
	case J_LEN2:
		jpeg_seg_len(j, c);
		break;
	case J_SKIP:
		j->skip--;
		j->st = j->skip > 0 ? J_SKIP : J_FF;
		break;
	case J_SOF:
		jpeg_sof(s, c);
		break;
	default:
		break;
	}
}

static void jpeg_bytes(struct snf_http *s, const uint8_t *p, size_t n)
{
	struct snf_http_jpeg *j = &s->jpg;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (j->st != J_DONE && j->st != J_BAD) {
			jpeg_walk(s, c);
		}
		/* Servers end a frame with CRLFs of their own before the delimiter. */
		if (j->eoi && (c == '\r' || c == '\n')) {
			continue;
		}
		j->eoi = j->prev == 0xff && c == 0xd9;
		j->prev = c;
	}
}

/* Content bytes of the current multipart state. */
static void mp_emit(struct run *r, const uint8_t *p, size_t n)
{
	struct snf_http *s = r->s;

	if (s->mp_st != MPS_PART || n == 0) {
		return;
	}
	if (s->mp_kind == MP_MJPEG) {
		jpeg_bytes(s, p, n);
	} else if (s->part_file) {
		sk_body(r, p, n);
	}
}

static void mjpeg_frame_end(struct run *r)
{
	struct snf_http *s = r->s;
	struct snf_media m;

	if (s->jpg.st < J_MARK || !s->jpg.eoi) {
		return;
	}
	if (s->frames < UINT8_MAX) {
		s->frames++;
	}
	if (s->frames < 2) {
		return;
	}
	memset(&m, 0, sizeof(m));
	snf_strlcpy(m.video, "mjpeg", sizeof(m.video));
	snf_strlcpy(m.codec, "mjpeg", sizeof(m.codec));
	snf_strlcpy(m.detail, "multipart/x-mixed-replace JPEG frames", sizeof(m.detail));
	m.width = s->width;
	m.height = s->height;
	s->res = SNF_VIDEO;
	if (r->sink != NULL && r->sink->video != NULL) {
		r->sink->video(r->sink->ctx, SNF_OUT, &m,
			       s->lan_is_client ? "MJPEG camera stream (multipart/x-mixed-replace) "
						  "uploaded in an HTTP request"
						: "MJPEG camera stream (multipart/x-mixed-replace) "
						  "served to a remote client");
	}
}

/* A delimiter was matched: the part (if any) ends. */
static void mp_delim(struct run *r)
{
	struct snf_http *s = r->s;

	if (s->mp_st == MPS_PART) {
		if (s->mp_kind == MP_MJPEG) {
			mjpeg_frame_end(r);
		} else if (s->part_file) {
			sk_end(r);
		}
	}
	s->mp_st = MPS_AFTER;
}

/*
 * Scan content for the delimiter. On entry delim_k bytes of the delimiter
 * are pending from earlier data; positions below are counted from the
 * first pending byte, so those k0 bytes come from delim[] and the rest from
 * p. On a mismatch the pending bytes become content; the new partial match
 * can only start at the current byte, because the delimiter's first byte
 * (CR) occurs nowhere else in it. Returns the bytes of p consumed.
 */
static size_t mp_scan(struct run *r, const uint8_t *p, size_t n)
{
	struct snf_http *s = r->s;
	size_t k0 = s->delim_k;
	size_t k = k0;
	size_t i = 0;
	size_t upto; /* content ends before this position */

	for (; i < n; i++) {
		if (p[i] == s->delim[k]) {
			k++;
			if (k == s->delim_len) {
				break;
			}
		} else {
			k = p[i] == s->delim[0] ? 1 : 0;
		}
	}
	upto = (i < n ? i + 1 : n) + k0 - k;
	if (upto > 0 && k0 > 0) {
		mp_emit(r, s->delim, upto < k0 ? upto : k0);
	}
	if (upto > k0) {
		mp_emit(r, p, upto - k0);
	}
	if (i < n) {
		s->delim_k = 0;
		mp_delim(r);
		return i + 1;
	}
	s->delim_k = (uint8_t)k;
	return n;
}

static void part_begin(struct run *r)
{
	struct snf_http *s = r->s;

	s->mp_st = MPS_PART;
	s->delim_k = 0;
	if (s->mp_kind == MP_MJPEG) {
		memset(&s->jpg, 0, sizeof(s->jpg));
		return;
	}
	if (s->mp_kind == MP_OTHER) {
		s->part_file = true;
	}
	if (s->part_file) {
		body_begin(r);
	}
}

/* One byte of the part header lines; val holds the current line. */
static void part_hdr_byte(struct run *r, uint8_t c)
{
	struct snf_http *s = r->s;

	if (c != '\n') {
		char ch = (char)c;
		val_append(s, &ch, 1);
		return;
	}
	if (s->val_len > 0 && s->val[s->val_len - 1] == '\r') {
		s->val[--s->val_len] = '\0';
	}
	if (s->val_len == 0 && !s->val_cut) {
		part_begin(r);
	} else if (s->mp_kind != MP_MJPEG && ci_prefix(s->val, "content-disposition:")) {
		if (cdisp_file(s, s->val + 20)) {
			s->part_file = true;
		}
	}
	s->val_len = 0;
	s->val_cut = false;
}

static void mp_after(struct snf_http *s, uint8_t c)
{
	if (c == '\n') {
		s->mp_st = MPS_HDRS;
		s->val_len = 0;
		s->val_cut = false;
		s->part_file = false;
		s->file[0] = '\0';
		s->file_len = 0;
	} else if (c == '-') {
		s->mp_st = s->mp_st == MPS_AFTER_DASH ? MPS_EPILOGUE : MPS_AFTER_DASH;
	} else {
		s->mp_st = MPS_AFTER; /* transport padding */
	}
}

static void mp_feed(struct run *r, const uint8_t *p, size_t n)
{
	struct snf_http *s = r->s;
	size_t i = 0;

	while (i < n && s->res == SNF_MORE) {
		switch (s->mp_st) {
		case MPS_PREAMBLE:
		case MPS_PART:
			i += mp_scan(r, p + i, n - i);
			break;
		case MPS_AFTER:
		case MPS_AFTER_DASH:
			mp_after(s, p[i++]);
			break;
		case MPS_HDRS:
			part_hdr_byte(r, p[i++]);
			break;
		default:
			return; /* epilogue */
		}
	}
}

static int on_message_begin(http_parser *hp)
{
	struct snf_http *s = ((struct run *)hp->data)->s;

	s->in_value = false;
	s->hdr = HDR_NONE;
	s->val_len = 0;
	s->val_cut = false;
	s->host_len = 0;
	s->mp_kind = MP_NONE;
	s->delim_len = 0;
	s->frames = 0;
	s->url_slashes = 0;
	s->url_done = false;
	s->file_len = 0;
	s->file[0] = '\0';
	return 0;
}

static int on_url(http_parser *hp, const char *at, size_t n)
{
	url_feed(((struct run *)hp->data)->s, at, n);
	return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t n)
{
	struct run *r = hp->data;
	struct snf_http *s = r->s;

	if (s->in_value) {
		hdr_finish(r);
		s->in_value = false;
		s->val_len = 0;
		s->val_cut = false;
	}
	val_append(s, at, n);
	return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t n)
{
	struct snf_http *s = ((struct run *)hp->data)->s;

	if (!s->in_value) {
		s->hdr = hdr_id(s);
		s->in_value = true;
		s->val_len = 0;
		s->val_cut = false;
		s->val[0] = '\0';
	}
	if (s->hdr != HDR_NONE) {
		val_append(s, at, n);
	}
	return 0;
}

/* For a response: does it answer a HEAD request (so it has no body)? */
static bool answers_head(struct snf_http *s)
{
	bool head;

	if (s->hp.status_code / 100 == 1 || s->n_head == 0) {
		return false; /* interim responses answer nothing yet */
	}
	head = (s->head_bits & 1u) != 0;
	s->head_bits >>= 1;
	s->n_head--;
	return head;
}

static int on_headers_complete(http_parser *hp)
{
	struct run *r = hp->data;
	struct snf_http *s = r->s;

	if (s->in_value) {
		hdr_finish(r);
		s->in_value = false;
	}
	host_report(r);
	s->val_len = 0;
	s->val_cut = false;
	if (s->lan_is_client) {
		url_finish(s);
	} else if (answers_head(s)) {
		return 1; /* tells http_parser there is no body */
	}
	s->mp_st = MPS_PREAMBLE;
	/* The first delimiter has no CRLF before it: start as if one was seen. */
	s->delim_k = 2;
	return 0;
}

static int on_body(http_parser *hp, const char *at, size_t n)
{
	struct run *r = hp->data;
	struct snf_http *s = r->s;
	const uint8_t *p = (const uint8_t *)at;

	if (s->mp_kind != MP_NONE) {
		mp_feed(r, p, n);
	} else {
		if (!s->body_open) {
			body_begin(r);
		}
		sk_body(r, p, n);
	}
	/* Non-zero stops the parser where the video was proven. */
	return s->res == SNF_MORE ? 0 : -1;
}

static int on_message_complete(http_parser *hp)
{
	struct run *r = hp->data;

	sk_end(r);
	r->s->mp_kind = MP_NONE;
	if (hp->upgrade) {
		/*
		 * CONNECT or a protocol switch: what follows is a tunnel. Decided
		 * here, where the parser stops, not where a segment happens to end.
		 */
		r->s->res = SNF_NOT;
	}
	return 0;
}

static const http_parser_settings out_settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

/* Inbound requests to a LAN server: only remember which are HEAD. */
static int in_headers_complete(http_parser *hp)
{
	struct snf_http *s = ((struct run *)hp->data)->s;

	if (s->n_head < 32) {
		if (hp->method == HTTP_HEAD) {
			s->head_bits |= 1u << s->n_head;
		}
		s->n_head++;
	}
	return 0;
}

static const http_parser_settings in_settings = {
	.on_headers_complete = in_headers_complete,
};

void snf_http_init(struct snf_http *s, bool lan_is_client)
{
	memset(s, 0, sizeof(*s));
	s->lan_is_client = lan_is_client;
	s->res = SNF_MORE;
	http_parser_init(&s->hp, lan_is_client ? HTTP_REQUEST : HTTP_RESPONSE);
	http_parser_init(&s->hp_in, HTTP_REQUEST);
}

static void run_parser(struct run *r, struct http_parser *hp, const http_parser_settings *set,
		       const uint8_t *buf, size_t len)
{
	hp->data = r;
	(void)http_parser_execute(hp, set, (const char *)buf, len);
	hp->data = NULL; /* no pointer to the caller's stack survives the call */
}

enum snf_res snf_http_feed(struct snf_http *s, enum snf_dir dir, const uint8_t *buf, size_t len,
			   const struct snf_sink *sink)
{
	struct run r = {.s = s, .sink = sink};

	/* len 0 would tell http_parser the connection ended. */
	if (s->res != SNF_MORE || len == 0) {
		return (enum snf_res)s->res;
	}
	if (dir != SNF_OUT) {
		if (!s->lan_is_client && HTTP_PARSER_ERRNO(&s->hp_in) == HPE_OK) {
			run_parser(&r, &s->hp_in, &in_settings, buf, len);
		}
		return SNF_MORE;
	}
	run_parser(&r, &s->hp, &out_settings, buf, len);
	if (s->res == SNF_MORE && HTTP_PARSER_ERRNO(&s->hp) != HPE_OK) {
		/* Not HTTP, or no longer. */
		sk_end(&r);
		s->res = SNF_NOT;
	}
	return (enum snf_res)s->res;
}

void snf_http_close(struct snf_http *s, const struct snf_sink *sink)
{
	struct run r = {.s = s, .sink = sink};

	if (s->res == SNF_MORE && HTTP_PARSER_ERRNO(&s->hp) == HPE_OK) {
		run_parser(&r, &s->hp, &out_settings, NULL, 0);
	}
	sk_end(&r);
}
