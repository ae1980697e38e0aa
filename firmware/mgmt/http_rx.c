/*
 * http_rx: the web server's request reader, on libhttp-parser.
 *
 * http_parser does the framing (request line, header syntax, chunked and
 * Content-Length bodies, keep-alive rules, CL+TE smuggling refusal); this
 * file keeps only what the handlers need (http.h) in fixed buffers and
 * turns every limit and every parser error into the status to answer.
 * Nothing is allocated: one struct http_rx per connection, pooled by the
 * server. A complete request pauses the parser so that pipelined bytes
 * behind it stay unconsumed until the server has answered.
 */
#include "http.h"

#include <errno.h>
#include <string.h>

/* http_parser.h declares its own enum http_method; keep ours visible. */
#define http_method http_parser_method
#include <http_parser.h>
#undef http_method

/* Raw request-target: the decoded path and the query must fit anyway. */
#define HTTP_RX_URL_MAX   (3 * HTTP_PATH_MAX + HTTP_QUERY_MAX)
#define HTTP_RX_NAME_MAX  24   /* longest header name we keep ("Transfer-Encoding") */
#define HTTP_RX_VALUE_MAX 4096 /* longest value of a header we keep (Cookie) */

enum http_rx_hdr {
	HTTP_RX_H_NONE = 0, /* a header we do not keep */
	HTTP_RX_H_HOST,
	HTTP_RX_H_CTYPE,
	HTTP_RX_H_COOKIE,
	HTTP_RX_H_CSRF,
	HTTP_RX_H_AE,
	HTTP_RX_H_TE,
};

struct http_rx {
	http_parser p;
	struct http_req req;
	int status;        /* 0 while reading, then 200 or the error status */
	int verdict;       /* first problem seen in the head, answered once it is complete */
	bool head_done;    /* on_headers_complete ran */
	bool in_value;     /* the last callback was a header value */
	bool host_seen;    /* a second Host header is malformed */
	bool te_bad;       /* Transfer-Encoding other than chunked: 501 */
	size_t head_bytes; /* bytes fed before the headers completed */
	size_t url_len;
	size_t name_len;  /* name_len > HTTP_RX_NAME_MAX: name not kept */
	size_t value_len; /* value_len > HTTP_RX_VALUE_MAX: value overflowed */
	size_t body_len;
	char url[HTTP_RX_URL_MAX + 1];
	char name[HTTP_RX_NAME_MAX + 1];
	char value[HTTP_RX_VALUE_MAX + 1];
	uint8_t body[HTTP_BODY_MAX];
};

static const struct {
	const char *name;
	enum http_rx_hdr id;
} http_rx_kept[] = {
	{"Host", HTTP_RX_H_HOST},          {"Content-Type", HTTP_RX_H_CTYPE},
	{"Cookie", HTTP_RX_H_COOKIE},      {HTTP_CSRF_HEADER, HTTP_RX_H_CSRF},
	{"Accept-Encoding", HTTP_RX_H_AE}, {"Transfer-Encoding", HTTP_RX_H_TE},
};

static struct http_rx *http_rx_of(http_parser *p)
{
	return (struct http_rx *)p->data;
}

/* Stop the parser with a status; http_parser returns at once after a callback fails. */
static int http_rx_fail(struct http_rx *rx, int status)
{
	if (rx->status == 0) {
		rx->status = status;
	}
	return -1;
}

/* RFC 7230 token characters: what a header name may contain. */
static bool http_rx_is_tchar(char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
		return true;
	}
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * Remember a problem of the request head without stopping the parser.
 * http_parser reports a URL or header piece whenever a buffer ends, so
 * stopping at once would make the answer depend on where TCP split the
 * bytes (a syntax error later in the head would win or lose by chance).
 * The verdict is given when the head is complete; a syntax error before
 * that is answered 400 whatever the split.
 */
static int http_rx_note(struct http_rx *rx, int status)
{
	if (rx->verdict == 0) {
		rx->verdict = status;
	}
	return 0;
}

static bool http_rx_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Copy the trimmed bytes [s, s+n) into out (cap with NUL); false if they do not fit. */
static bool http_rx_copy_trim(char *out, size_t cap, const char *s, size_t n)
{
	while (n > 0 && http_rx_is_ows(s[0])) {
		s++;
		n--;
	}
	while (n > 0 && http_rx_is_ows(s[n - 1])) {
		n--;
	}
	if (n >= cap) {
		out[0] = '\0';
		return false;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

static enum http_rx_hdr http_rx_hdr_id(const struct http_rx *rx)
{
	if (rx->name_len > HTTP_RX_NAME_MAX) {
		return HTTP_RX_H_NONE;
	}
	for (size_t i = 0; i < sizeof(http_rx_kept) / sizeof(http_rx_kept[0]); i++) {
		if (strlen(http_rx_kept[i].name) == rx->name_len &&
		    strncasecmp(http_rx_kept[i].name, rx->name, rx->name_len) == 0) {
			return http_rx_kept[i].id;
		}
	}
	return HTTP_RX_H_NONE;
}

/* Find the lt_session cookie in a Cookie header ("a=1; lt_session=xyz; b=2"). */
static void http_rx_cookie(struct http_rx *rx, const char *v, size_t n)
{
	const size_t klen = strlen(HTTP_SESSION_COOKIE);
	size_t i = 0;

	while (i < n && rx->req.session[0] == '\0') {
		size_t end = i;
		while (end < n && v[end] != ';') {
			end++;
		}
		size_t s = i;
		while (s < end && http_rx_is_ows(v[s])) {
			s++;
		}
		if (end - s > klen && memcmp(v + s, HTTP_SESSION_COOKIE, klen) == 0 &&
		    v[s + klen] == '=') {
			const char *val = v + s + klen + 1;
			size_t vlen = end - (s + klen + 1);
			while (vlen > 0 && http_rx_is_ows(val[vlen - 1])) {
				vlen--;
			}
			if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
				val++;
				vlen -= 2;
			}
			/* A value too long to be ours is as good as no session. */
			(void)http_rx_copy_trim(rx->req.session, sizeof(rx->req.session), val,
						vlen);
		}
		i = end + 1;
	}
}

/* Whether the parameters of a list element say q=0 (not acceptable). */
static bool http_rx_q_zero(const char *params)
{
	const char *q = strstr(params, "q=");
	if (q == NULL) {
		return false;
	}
	for (q += 2; *q != '\0' && !http_rx_is_ows(*q) && *q != ';'; q++) {
		if (*q != '0' && *q != '.') {
			return false;
		}
	}
	return true;
}

/* Whether an Accept-Encoding list names gzip with a non-zero q. */
static bool http_rx_accepts_gzip(const char *v, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t end = i;
		while (end < n && v[end] != ',') {
			end++;
		}
		char tok[48];
		if (http_rx_copy_trim(tok, sizeof(tok), v + i, end - i)) {
			char *semi = strchr(tok, ';');
			size_t tlen = semi != NULL ? (size_t)(semi - tok) : strlen(tok);
			while (tlen > 0 && http_rx_is_ows(tok[tlen - 1])) {
				tlen--;
			}
			bool q0 = semi != NULL && http_rx_q_zero(semi + 1);
			if (tlen == 4 && strncasecmp(tok, "gzip", 4) == 0 && !q0) {
				return true;
			}
		}
		i = end + 1;
	}
	return false;
}

/* Keep the media type of Content-Type, without parameters. */
static int http_rx_ctype(struct http_rx *rx, const char *v, size_t n)
{
	const char *semi = memchr(v, ';', n);
	size_t mlen = semi != NULL ? (size_t)(semi - v) : n;
	if (!http_rx_copy_trim(rx->req.content_type, sizeof(rx->req.content_type), v, mlen)) {
		return http_rx_note(rx, 400);
	}
	return 0;
}

/* One complete header (name in rx->name, value in rx->value): keep what http.h names. */
static int http_rx_header_done(struct http_rx *rx)
{
	enum http_rx_hdr id = http_rx_hdr_id(rx);
	const char *v = rx->value;
	size_t n = rx->value_len;

	if (id == HTTP_RX_H_NONE) {
		return 0;
	}
	if (n > HTTP_RX_VALUE_MAX) {
		return http_rx_note(rx, 431);
	}
	switch (id) {
	case HTTP_RX_H_HOST:
		if (rx->host_seen || !http_rx_copy_trim(rx->req.host, sizeof(rx->req.host), v, n)) {
			return http_rx_note(rx, 400);
		}
		rx->host_seen = true;
		return 0;
	case HTTP_RX_H_CTYPE:
		return http_rx_ctype(rx, v, n);
	case HTTP_RX_H_COOKIE:
		http_rx_cookie(rx, v, n);
		return 0;
	case HTTP_RX_H_CSRF:
		/* Too long to be a token we issued: treated as absent (the handler says 403). */
		(void)http_rx_copy_trim(rx->req.csrf, sizeof(rx->req.csrf), v, n);
		return 0;
	case HTTP_RX_H_AE:
		rx->req.accept_gzip = rx->req.accept_gzip || http_rx_accepts_gzip(v, n);
		return 0;
	case HTTP_RX_H_TE: {
		char te[16];
		if (!http_rx_copy_trim(te, sizeof(te), v, n) || strcasecmp(te, "chunked") != 0) {
			rx->te_bad = true;
		}
		return 0;
	}
	case HTTP_RX_H_NONE:
		break;
	}
	return 0;
}

static int http_rx_on_url(http_parser *p, const char *at, size_t n)
{
	struct http_rx *rx = http_rx_of(p);
	if (n > HTTP_RX_URL_MAX - rx->url_len) {
		rx->url_len = HTTP_RX_URL_MAX;
		return http_rx_note(rx, 431);
	}
	memcpy(rx->url + rx->url_len, at, n);
	rx->url_len += n;
	rx->url[rx->url_len] = '\0';
	return 0;
}

static int http_rx_on_field(http_parser *p, const char *at, size_t n)
{
	struct http_rx *rx = http_rx_of(p);
	if (rx->head_done) {
		return 0; /* trailers of a chunked body: nothing we keep */
	}
	if (rx->in_value) {
		(void)http_rx_header_done(rx);
		rx->in_value = false;
		rx->name_len = 0;
		rx->value_len = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!http_rx_is_tchar(at[i])) {
			return http_rx_note(rx, 400);
		}
	}
	if (rx->name_len <= HTTP_RX_NAME_MAX) {
		size_t room = HTTP_RX_NAME_MAX - rx->name_len;
		memcpy(rx->name + rx->name_len, at, n < room ? n : room);
	}
	/* Counting on past the buffer marks a name we do not keep. */
	rx->name_len =
		n > HTTP_RX_NAME_MAX + 1 - rx->name_len ? HTTP_RX_NAME_MAX + 1 : rx->name_len + n;
	return 0;
}

static int http_rx_on_value(http_parser *p, const char *at, size_t n)
{
	struct http_rx *rx = http_rx_of(p);
	if (rx->head_done) {
		return 0;
	}
	rx->in_value = true;
	if (rx->value_len <= HTTP_RX_VALUE_MAX) {
		size_t room = HTTP_RX_VALUE_MAX - rx->value_len;
		memcpy(rx->value + rx->value_len, at, n < room ? n : room);
		rx->value_len = n > room ? HTTP_RX_VALUE_MAX + 1 : rx->value_len + n;
	}
	return 0;
}

static int http_rx_hex(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Percent-decode [s, s+n) into out; refuse bad escapes, NUL, and overlong results. */
static int http_rx_decode(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			if (n - i < 3) {
				return -EBADMSG;
			}
			int hi = http_rx_hex(s[i + 1]);
			int lo = http_rx_hex(s[i + 2]);
			if (hi < 0 || lo < 0) {
				return -EBADMSG;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0') {
			return -EBADMSG;
		}
		if (o + 1 >= cap) {
			return -ENAMETOOLONG;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Whether a decoded path has a ".." segment (which could climb out of the asset tree). */
static bool http_rx_has_dotdot(const char *path)
{
	const char *s = path;
	while (*s != '\0') {
		const char *e = strchr(s, '/');
		size_t n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			return true;
		}
		s += n;
		if (*s == '/') {
			s++;
		}
	}
	return false;
}

/* Split the request-target into a decoded path and the raw query. */
static int http_rx_target(struct http_rx *rx)
{
	const char *u = rx->url;
	size_t n = rx->url_len;

	/* absolute-form ("http://host/path?q"): keep what follows the authority. */
	if (n > 0 && u[0] != '/') {
		const char *sep = strstr(u, "://");
		if (sep == NULL) {
			return 400;
		}
		const char *path = strpbrk(sep + 3, "/?");
		if (path == NULL || path[0] == '?') {
			return 400;
		}
		n -= (size_t)(path - u);
		u = path;
	}
	if (n == 0 || u[0] != '/') {
		return 400;
	}
	const char *hash = memchr(u, '#', n);
	if (hash != NULL) {
		n = (size_t)(hash - u);
	}
	const char *q = memchr(u, '?', n);
	size_t plen = q != NULL ? (size_t)(q - u) : n;
	if (q != NULL) {
		size_t qlen = n - plen - 1;
		if (qlen >= sizeof(rx->req.query)) {
			return 431;
		}
		memcpy(rx->req.query, q + 1, qlen);
		rx->req.query[qlen] = '\0';
	}
	int rc = http_rx_decode(rx->req.path, sizeof(rx->req.path), u, plen);
	if (rc == -ENAMETOOLONG) {
		return 431;
	}
	if (rc != 0 || http_rx_has_dotdot(rx->req.path)) {
		return 400;
	}
	return 0;
}

static enum http_method http_rx_method(unsigned int m)
{
	switch (m) {
	case HTTP_GET:
		return HTTP_M_GET;
	case HTTP_HEAD:
		return HTTP_M_HEAD;
	case HTTP_POST:
		return HTTP_M_POST;
	case HTTP_PUT:
		return HTTP_M_PUT;
	case HTTP_DELETE:
		return HTTP_M_DELETE;
	default:
		return HTTP_M_OTHER;
	}
}

static int http_rx_on_headers(http_parser *p)
{
	struct http_rx *rx = http_rx_of(p);

	if (rx->in_value) {
		(void)http_rx_header_done(rx);
	}
	rx->head_done = true;
	if (rx->verdict != 0) {
		return http_rx_fail(rx, rx->verdict);
	}
	if (p->http_major != 1) {
		return http_rx_fail(rx, 505);
	}
	if (rx->te_bad) {
		return http_rx_fail(rx, 501);
	}
	/* RFC 7230 5.4: an HTTP/1.1 request without Host is malformed. */
	if (p->http_minor >= 1 && !rx->host_seen) {
		return http_rx_fail(rx, 400);
	}
	if ((p->flags & F_CONTENTLENGTH) && p->content_length > HTTP_BODY_MAX) {
		return http_rx_fail(rx, 413);
	}
	int st = http_rx_target(rx);
	if (st != 0) {
		return http_rx_fail(rx, st);
	}
	rx->req.method = http_rx_method(p->method);
	rx->req.keep_alive = http_should_keep_alive(p) != 0 && !p->upgrade;
	return 0;
}

static int http_rx_on_body(http_parser *p, const char *at, size_t n)
{
	struct http_rx *rx = http_rx_of(p);
	if (n > HTTP_BODY_MAX - rx->body_len) {
		return http_rx_fail(rx, 413);
	}
	memcpy(rx->body + rx->body_len, at, n);
	rx->body_len += n;
	return 0;
}

static int http_rx_on_done(http_parser *p)
{
	struct http_rx *rx = http_rx_of(p);
	rx->req.body = rx->body;
	rx->req.body_len = rx->body_len;
	rx->status = 200;
	/* Leave the bytes of the next pipelined request where they are. */
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings http_rx_settings = {
	.on_url = http_rx_on_url,
	.on_header_field = http_rx_on_field,
	.on_header_value = http_rx_on_value,
	.on_headers_complete = http_rx_on_headers,
	.on_body = http_rx_on_body,
	.on_message_complete = http_rx_on_done,
};

size_t http_rx_size(void)
{
	return sizeof(struct http_rx);
}

struct http_rx *http_rx_init(void *mem, const struct http_peer *peer)
{
	struct http_rx *rx = mem;
	if (rx == NULL) {
		return NULL;
	}
	memset(&rx->req.peer, 0, sizeof(rx->req.peer));
	if (peer != NULL) {
		rx->req.peer = *peer;
	}
	http_rx_reset(rx);
	return rx;
}

void http_rx_reset(struct http_rx *rx)
{
	struct http_peer peer = rx->req.peer;

	/* The big buffers need no clearing: lengths say what is valid. */
	memset(&rx->req, 0, sizeof(rx->req));
	rx->req.peer = peer;
	rx->req.body = rx->body;
	rx->status = 0;
	rx->verdict = 0;
	rx->head_done = false;
	rx->in_value = false;
	rx->host_seen = false;
	rx->te_bad = false;
	rx->head_bytes = 0;
	rx->url_len = 0;
	rx->name_len = 0;
	rx->value_len = 0;
	rx->body_len = 0;
	rx->url[0] = '\0';
	http_parser_init(&rx->p, HTTP_REQUEST);
	rx->p.data = rx;
}

/* The status of a parser error that no callback explained. */
static int http_rx_errstatus(enum http_errno e)
{
	if (e == HPE_INVALID_TRANSFER_ENCODING) {
		return 501;
	}
	if (e == HPE_INVALID_VERSION) {
		return 505;
	}
	if (e == HPE_HEADER_OVERFLOW) {
		return 431;
	}
	return 400;
}

size_t http_rx_feed(struct http_rx *rx, const uint8_t *buf, size_t len, int *status)
{
	size_t used = 0;

	while (rx->status == 0 && used < len) {
		size_t n = len - used;
		bool head = !rx->head_done;
		if (head) {
			/* Feed no more than the header allowance, so its overflow is exact. */
			if (rx->head_bytes >= HTTP_HEAD_MAX) {
				rx->status = 431;
				break;
			}
			size_t allow = HTTP_HEAD_MAX - rx->head_bytes;
			n = n < allow ? n : allow;
		}
		size_t got =
			http_parser_execute(&rx->p, &http_rx_settings, (const char *)buf + used, n);
		enum http_errno e = HTTP_PARSER_ERRNO(&rx->p);
		if (head) {
			rx->head_bytes += got;
		}
		used += got;
		if (e == HPE_PAUSED && rx->status == 200) {
			break;
		}
		if (e != HPE_OK) {
			if (rx->status == 0) {
				rx->status = http_rx_errstatus(e);
			}
			break;
		}
		if (got < n && rx->status == 0) {
			/* An upgrade request stops the parser short: no body follows ours. */
			rx->status = 400;
		}
	}
	*status = rx->status;
	return used;
}

const struct http_req *http_rx_req(const struct http_rx *rx)
{
	return &rx->req;
}
