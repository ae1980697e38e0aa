/*
 * http: the management web server's request reader and response type.
 *
 * Transport-free: the server (firmware/mgmt/mgmt_httpd.c) feeds the bytes
 * of one connection into http_rx_feed() and, once a request is complete,
 * hands the struct http_req to a handler that fills a struct http_resp.
 * Everything is bounded: a request line, headers or body over the limits
 * below ends the request with the status to answer (400/413/431/501/505),
 * never with a crash or an allocation.
 */
#ifndef LEAKTAP_HTTP_H
#define LEAKTAP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"

#define HTTP_PATH_MAX  256 /* path without the query, '\0' included */
#define HTTP_QUERY_MAX 512 /* query string without '?', '\0' included */
#define HTTP_TOKEN_MAX 72  /* session cookie and CSRF token values, '\0' included */
#define HTTP_HOST_MAX  128
#define HTTP_CTYPE_MAX 64
#define HTTP_HEAD_MAX  8192        /* all header bytes of one request; more: 431 */
#define HTTP_BODY_MAX  (64 * 1024) /* body bytes; more: 413 */

#define HTTP_SESSION_COOKIE "lt_session"
#define HTTP_CSRF_HEADER    "X-CSRF-Token"

enum http_method {
	HTTP_M_OTHER = 0, /* answered 405 or 501 by the handler */
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
};

/* Who is on the other end of the connection; set by the server, not parsed. */
struct http_peer {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	bool from_wan; /* the connection's first frame arrived on the wan port */
	bool tls;      /* the connection is HTTPS */
};

/* One complete request. Strings are NUL-terminated; absent headers are "". */
struct http_req {
	enum http_method method;
	char path[HTTP_PATH_MAX]; /* percent-decoded; never contains NUL or ".." segments */
	char query[HTTP_QUERY_MAX];
	char host[HTTP_HOST_MAX];
	char content_type[HTTP_CTYPE_MAX];
	char session[HTTP_TOKEN_MAX]; /* value of the lt_session cookie */
	char csrf[HTTP_TOKEN_MAX];    /* value of the X-CSRF-Token header */
	bool accept_gzip;             /* Accept-Encoding lists gzip */
	bool keep_alive;
	const uint8_t *body; /* body_len bytes, valid until the next feed/reset */
	size_t body_len;
	struct http_peer peer;
};

struct http_rx; /* opaque: one connection's parser state, see http_rx_size() */

/* Bytes to allocate for one struct http_rx (pool it per connection). */
size_t http_rx_size(void);

/* Start a connection's parser in mem (http_rx_size() bytes, aligned like a pointer). */
struct http_rx *http_rx_init(void *mem, const struct http_peer *peer);

/*
 * Feed len bytes. Returns the number of bytes consumed (> 0 or 0 when
 * len is 0) and sets *status: 0 while the request is incomplete, 200
 * when a complete request is in http_rx_req() (bytes after it, pipelined,
 * were not consumed: feed them again after http_rx_reset()), or the
 * 4xx/5xx status to answer before closing (400 malformed, 413 body too
 * large, 431 headers too large, 501 unsupported transfer coding, 505 bad
 * version). Never reads past len.
 */
size_t http_rx_feed(struct http_rx *rx, const uint8_t *buf, size_t len, int *status);

/* The complete request after http_rx_feed() reported 200. */
const struct http_req *http_rx_req(const struct http_rx *rx);

/* Ready the parser for the next request on the same connection. */
void http_rx_reset(struct http_rx *rx);

/*
 * A handler that cannot answer yet (a password check that runs in steps
 * between frames) sets rs->status = HTTP_DEFER. The server then keeps the
 * request and rs as they are, reads nothing more from that connection,
 * and calls the handler again with the same rq and rs once per loop pass
 * (mgmt_poll) until it answers. After HTTP_DEFER_MAX_MS, or
 * when the client goes away, the server calls rs->defer_drop(rs->defer)
 * instead, and answers 503 (or nothing). A handler that defers sets
 * rs->defer to its state of the request (non-NULL) and rs->defer_drop;
 * when it finally answers it must have released that state and set
 * rs->defer back to NULL.
 */
#define HTTP_DEFER        0
#define HTTP_DEFER_MAX_MS 5000 /* a deferred request is answered 503 after this long */

/* A response the handler fills; the server writes the status line and headers. */
struct http_resp {
	int status;                   /* 200, 204, 301, 400, ..., or HTTP_DEFER */
	const char *content_type;     /* NULL = none (no body) */
	const char *content_encoding; /* "gzip" for embedded assets, or NULL */
	char headers[768];   /* extra header lines, each ending "\r\n" (Set-Cookie, Location) */
	const uint8_t *body; /* either static data (embedded asset) ... */
	char *buf;           /* ... or this buffer of cap bytes, which the server owns */
	size_t cap;
	size_t len;                      /* bytes of body (or buf) to send */
	void *defer;                     /* the handler's state of a deferred request, or NULL */
	void (*defer_drop)(void *defer); /* release defer when the answer is no longer wanted */
	uint32_t defer_calls;            /* calls of this request already answered HTTP_DEFER */
};

/* Append one header line ("Name: value\r\n") to r->headers; -ENOSPC when full. */
int http_resp_header(struct http_resp *r, const char *name, const char *value);

/*
 * Set a small response: status, "application/json" and body printf'd into
 * r->buf. Returns 0 or -ENOSPC (the body is then an error object).
 */
int http_resp_json(struct http_resp *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The reason phrase of a status ("Not Found"), "Unknown" for others. */
const char *http_reason(int status);

#endif /* LEAKTAP_HTTP_H */
