/*
 * mgmt_httpd: the web server of the management plane, on lwIP's altcp.
 *
 * HTTPS on 443 (altcp_tls over mbedTLS) serves the handler; plain HTTP
 * on 80 answers every request with a 301 to the same path over HTTPS and
 * nothing else. lwIP's own httpd cannot read request headers on GET or
 * take a PUT, so this is a small server around http_rx instead.
 *
 * Everything is bounded, so that a flood of connections or slow clients
 * cannot take the page (or the packet path, which shares the loop) down:
 * a fixed pool of CONFIG_MGMT_HTTP_CONNS connection states allocated at
 * start (a connection beyond it is reset at accept), a request must
 * arrive within CONFIG_MGMT_HTTP_REQUEST_S, an idle connection is closed
 * after CONFIG_MGMT_HTTP_IDLE_S, a keep-alive connection serves at most
 * CONFIG_MGMT_HTTP_KEEPALIVE_REQS requests, and received bytes are only
 * acknowledged to TCP (altcp_recved) as the reader consumes them, so a
 * client that pipelines faster than it reads answers is throttled by
 * its own TCP window. Responses larger than the send buffer are written
 * as the peer acknowledges (sent callback), polled every second as a
 * fallback when lwIP's heap was momentarily full.
 *
 * A handler may answer "not yet" (HTTP_DEFER: a login whose password
 * check runs in steps between frames). The connection then keeps its
 * request, reads nothing more (its unread bytes throttle the peer as
 * above), is never evicted, and mgmt_httpd_tick() calls the handler again
 * once per loop pass until it answers or HTTP_DEFER_MAX_MS passes (503).
 * Whenever such a connection goes away, the handler's state is dropped
 * through rs->defer_drop, so a client that leaves mid-check frees its
 * password-check slot at once.
 */
#include "mgmt_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brd.h"
#include "http.h"

#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

#define MGMT_HTTPD_PORT_TLS   443
#define MGMT_HTTPD_PORT_PLAIN 80
#define MGMT_HTTPD_POLL_TICKS 2 /* altcp poll interval in TCP slow ticks (500 ms) */
#define MGMT_HTTPD_HDR_MAX    2048
#define MGMT_HTTPD_RESP_CAP   ((size_t)CONFIG_MGMT_HTTP_RESP_KB * 1024u)
#define MGMT_HTTPD_HOST_MAX   64
#define MGMT_HTTPD_EVICT_MS   250 /* a waiting connection older than this may be evicted */
#define MGMT_HTTPD_LOC_MAX    (HTTP_HOST_MAX + 3 * HTTP_PATH_MAX + 3 * HTTP_QUERY_MAX + 16)

struct mgmt_httpd_conn {
	struct mgmt_httpd *h;
	struct altcp_pcb *pcb; /* NULL: the slot is free */
	struct http_rx *rx;
	char *respbuf;    /* MGMT_HTTPD_RESP_CAP bytes for the handler */
	struct pbuf *inq; /* received, not yet fed to the reader */
	bool tls;
	bool reading;       /* bytes of the current request have arrived */
	bool sending;       /* an answer is being written */
	bool close_after;   /* close once the answer is written */
	bool drain;         /* an error was answered: read and discard until the peer stops */
	uint64_t t_drain;   /* ms: draining started */
	bool deferred;      /* the handler answered HTTP_DEFER: call it again on the next tick */
	uint64_t t_defer;   /* ms: when the request was first deferred */
	uint32_t nreq;      /* requests answered on this connection */
	uint64_t t_req;     /* ms: first byte of the current request */
	uint64_t t_act;     /* ms: last byte received or acknowledged */
	const uint8_t *out; /* the part being written: head, then body */
	size_t out_len;
	size_t out_off;
	const uint8_t *body; /* written after the head */
	size_t body_len;
	struct http_resp resp;
	char head[MGMT_HTTPD_HDR_MAX];
};

struct mgmt_httpd {
	struct mgmt_httpd_params p;
	char hostname[MGMT_HTTPD_HOST_MAX];
	struct altcp_tls_config *tls;
	struct tcp_pcb *l_tls; /* listeners */
	struct tcp_pcb *l_plain;
	struct mgmt_httpd_stats st;
	uint8_t *mem; /* readers and response buffers of all connections */
	struct mgmt_httpd_conn conns[CONFIG_MGMT_HTTP_CONNS];
};

/*
 * After an error answer (413, 431, 400, ...) the client may still be
 * sending what we refused. Closing at once would reset the connection
 * (lwIP resets a close with unread data, and with TLS a partial record is
 * always unread), and a reset can throw away the answer before the client
 * read it. So the connection lingers: whatever still arrives is read and
 * dropped until the peer closes, stops for a moment, or this bound passes.
 */
#define MGMT_HTTPD_DRAIN_MS 2000u

static err_t mgmt_httpd_pump(struct mgmt_httpd_conn *c);

/* Let the handler free the state of a deferred request nobody waits for any more. */
static void mgmt_httpd_undefer(struct mgmt_httpd_conn *c)
{
	struct http_resp *r = &c->resp;

	if (r->defer != NULL && r->defer_drop != NULL) {
		r->defer_drop(r->defer);
	}
	r->defer = NULL;
	r->defer_drop = NULL;
	if (c->deferred) {
		c->deferred = false;
		c->h->st.deferred--;
	}
}

/* Give a connection's slot back; the pcb is the caller's to close or already gone. */
static void mgmt_httpd_release(struct mgmt_httpd_conn *c)
{
	if (c->deferred) {
		c->h->st.defer_dropped++;
	}
	mgmt_httpd_undefer(c);
	if (c->inq != NULL) {
		pbuf_free(c->inq);
		c->inq = NULL;
	}
	c->pcb = NULL;
	c->sending = false;
	c->h->st.conns--;
}

/* Tell TCP that n received bytes were consumed (altcp_recved takes 16 bits). */
static void mgmt_httpd_recved(struct altcp_pcb *pcb, size_t n)
{
	while (n > 0) {
		u16_t part = (u16_t)(n > 0xffff ? 0xffff : n);
		altcp_recved(pcb, part);
		n -= part;
	}
}

/*
 * Close gracefully (queued data still goes out). Everything received is
 * acknowledged first: lwIP resets instead of closing a connection with
 * unread data, which would throw away the answer just queued.
 */
static err_t mgmt_httpd_close(struct mgmt_httpd_conn *c)
{
	struct altcp_pcb *pcb = c->pcb;
	size_t unread = c->inq != NULL ? c->inq->tot_len : 0;

	mgmt_httpd_release(c);
	altcp_arg(pcb, NULL);
	altcp_recv(pcb, NULL);
	altcp_sent(pcb, NULL);
	altcp_err(pcb, NULL);
	altcp_poll(pcb, NULL, 0);
	mgmt_httpd_recved(pcb, unread);
	if (altcp_close(pcb) != ERR_OK) {
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	return ERR_OK;
}

static err_t mgmt_httpd_abort(struct mgmt_httpd_conn *c)
{
	struct altcp_pcb *pcb = c->pcb;

	mgmt_httpd_release(c);
	altcp_arg(pcb, NULL);
	altcp_err(pcb, NULL);
	altcp_abort(pcb);
	return ERR_ABRT;
}

/* Percent-encode src into dst (cap bytes), leaving RFC 3986 path/query characters. */
static bool mgmt_httpd_encode(char *dst, size_t cap, size_t *o, const char *src)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *s = (const unsigned char *)src; *s != '\0'; s++) {
		bool plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			     (*s >= '0' && *s <= '9') || strchr("/-._~!$&'()*+,;=:@?%", *s) != NULL;
		if (*o + 4 > cap) {
			return false;
		}
		if (plain) {
			dst[(*o)++] = (char)*s;
		} else {
			dst[(*o)++] = '%';
			dst[(*o)++] = hex[*s >> 4];
			dst[(*o)++] = hex[*s & 15];
		}
	}
	dst[*o] = '\0';
	return true;
}

/* The host part of a Host header ("name", "1.2.3.4", "[v6]"), without the port; "" if odd. */
static void mgmt_httpd_host(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	const char *end = in[0] == '[' ? strchr(in, ']') : strchr(in, ':');
	size_t len = end == NULL ? strlen(in) : (size_t)(end - in) + (in[0] == '[');

	out[0] = '\0';
	if (len == 0 || len >= cap) {
		return;
	}
	for (n = 0; n < len; n++) {
		char ch = in[n];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || strchr(".-[]:", ch) != NULL;
		if (!ok) {
			return;
		}
		out[n] = ch;
	}
	out[n] = '\0';
}

/* Port 80: every request is sent to the same place over HTTPS, nothing else. */
static void mgmt_httpd_redirect(struct mgmt_httpd_conn *c, const struct http_req *rq)
{
	struct http_resp *r = &c->resp;
	char host[HTTP_HOST_MAX];
	char loc[MGMT_HTTPD_LOC_MAX];
	size_t o;

	mgmt_httpd_host(rq->host, host, sizeof(host));
	if (host[0] == '\0') {
		snprintf(host, sizeof(host), "%s.local", c->h->hostname);
	}
	o = (size_t)snprintf(loc, sizeof(loc), "https://%s", host);
	bool ok = mgmt_httpd_encode(loc, sizeof(loc), &o, rq->path);
	if (ok && rq->query[0] != '\0') {
		loc[o++] = '?';
		ok = mgmt_httpd_encode(loc, sizeof(loc), &o, rq->query);
	}
	r->status = 301;
	if (!ok || http_resp_header(r, "Location", loc) != 0) {
		r->status = 400; /* cannot happen with the reader's limits; never a bad Location */
	}
	c->close_after = true;
}

/* Append to c->head at *o; false once it does not fit. */
static bool mgmt_httpd_put(struct mgmt_httpd_conn *c, size_t *o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool mgmt_httpd_put(struct mgmt_httpd_conn *c, size_t *o, const char *fmt, ...)
{
	va_list ap;
	if (*o >= sizeof(c->head)) {
		return false;
	}
	va_start(ap, fmt);
	int n = vsnprintf(c->head + *o, sizeof(c->head) - *o, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(c->head) - *o) {
		*o = sizeof(c->head);
		return false;
	}
	*o += (size_t)n;
	return true;
}

/*
 * Write the status line and headers of c->resp into c->head; false if
 * they do not fit. The security headers go on every answer: the page is
 * the appliance's only door, so it must not be framed, sniffed, leak its
 * URLs in Referer, or be cached when it carries API data.
 */
static bool mgmt_httpd_head(struct mgmt_httpd_conn *c, const char *path, size_t body_len)
{
	const struct http_resp *r = &c->resp;
	bool no_body = r->status == 204 || r->status == 304 || r->status < 200;
	size_t o = 0;

	mgmt_httpd_put(c, &o, "HTTP/1.1 %d %s\r\n", r->status, http_reason(r->status));
	if (!no_body) {
		mgmt_httpd_put(c, &o, "Content-Length: %zu\r\n", body_len);
	}
	if (r->content_type != NULL) {
		mgmt_httpd_put(c, &o, "Content-Type: %s\r\n", r->content_type);
	}
	if (r->content_encoding != NULL) {
		/* Caches must not hand a gzip body to a client that did not ask for it. */
		mgmt_httpd_put(c, &o, "Content-Encoding: %s\r\nVary: Accept-Encoding\r\n",
			       r->content_encoding);
	}
	if (c->tls) {
		mgmt_httpd_put(c, &o, "Strict-Transport-Security: max-age=31536000\r\n");
	}
	mgmt_httpd_put(c, &o,
		       "Content-Security-Policy: default-src 'self'\r\n"
		       "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
		       "Referrer-Policy: no-referrer\r\n");
	if (path == NULL || strncmp(path, "/api", 4) == 0) {
		mgmt_httpd_put(c, &o, "Cache-Control: no-store\r\n");
	}
	mgmt_httpd_put(c, &o, "Connection: %s\r\n", c->close_after ? "close" : "keep-alive");
	if (!mgmt_httpd_put(c, &o, "%s\r\n", r->headers)) {
		return false;
	}
	c->out = (const uint8_t *)c->head;
	c->out_len = o;
	c->out_off = 0;
	return true;
}

/*
 * After a handler call: an answer (anything but HTTP_DEFER) must be sane
 * and must not leave deferred state behind; a handler bug must not send
 * garbage, read out of bounds or leak its state.
 */
static void mgmt_httpd_checked(struct mgmt_httpd_conn *c)
{
	struct http_resp *r = &c->resp;

	if (r->status == HTTP_DEFER) {
		return;
	}
	if (r->defer != NULL || r->status < 100 || r->status > 599 ||
	    (r->body == NULL && (r->len > r->cap || r->buf != c->respbuf))) {
		mgmt_httpd_undefer(c);
		http_resp_json(r, 500, "{\"error\":\"handler\"}");
		r->headers[0] = '\0';
	}
}

/* Let the handler (or the redirect) fill c->resp for a complete request. */
static void mgmt_httpd_handle(struct mgmt_httpd_conn *c, const struct http_req *rq)
{
	struct http_resp *r = &c->resp;

	c->close_after = !rq->keep_alive || c->nreq + 1 >= CONFIG_MGMT_HTTP_KEEPALIVE_REQS;
	if (!c->tls) {
		mgmt_httpd_redirect(c, rq);
		return;
	}
	c->h->p.http(c->h->p.http_ctx, rq, r);
	mgmt_httpd_checked(c);
}

static void mgmt_httpd_respond(struct mgmt_httpd_conn *c, const struct http_req *rq);

/* Answer the request the reader finished with status st (200: complete). */
static void mgmt_httpd_answer(struct mgmt_httpd_conn *c, int st)
{
	struct http_resp *r = &c->resp;
	const struct http_req *rq = st == 200 ? http_rx_req(c->rx) : NULL;

	memset(r, 0, sizeof(*r));
	r->buf = c->respbuf;
	r->cap = MGMT_HTTPD_RESP_CAP;
	c->h->st.requests++;
	c->reading = false;
	if (rq != NULL) {
		mgmt_httpd_handle(c, rq);
		if (r->status == HTTP_DEFER) {
			c->deferred = true;
			c->t_defer = brd_now_ms();
			c->h->st.deferred++;
			return;
		}
	} else {
		c->h->st.rejected++;
		c->close_after = true;
		c->drain = true;
		c->t_drain = brd_now_ms();
		http_resp_json(r, st, "{\"error\":\"%s\"}", http_reason(st));
	}
	mgmt_httpd_respond(c, rq);
}

/* Queue the head and body of the answer in c->resp (rq: its request, NULL if unparsed). */
static void mgmt_httpd_respond(struct mgmt_httpd_conn *c, const struct http_req *rq)
{
	struct http_resp *r = &c->resp;
	const uint8_t *body = r->body != NULL ? r->body : (const uint8_t *)r->buf;
	size_t len = r->len;
	if (!mgmt_httpd_head(c, rq != NULL ? rq->path : NULL, len)) {
		c->close_after = true;
		http_resp_json(r, 500, "{\"error\":\"headers too large\"}");
		r->headers[0] = '\0';
		r->content_encoding = NULL;
		body = (const uint8_t *)r->buf;
		len = r->len;
		(void)mgmt_httpd_head(c, NULL, len);
	}
	bool no_body = (rq != NULL && rq->method == HTTP_M_HEAD) || r->status == 204 ||
		       r->status == 304 || r->status < 200;
	c->body = body;
	c->body_len = no_body ? 0 : len;
	c->sending = true;
}

/* Hand as much of the answer to lwIP as its send buffer takes. */
static err_t mgmt_httpd_write(struct mgmt_httpd_conn *c)
{
	for (;;) {
		if (c->out_off == c->out_len) {
			if (c->body == NULL || c->out == c->body) {
				c->sending = false;
				break;
			}
			c->out = c->body;
			c->out_len = c->body_len;
			c->out_off = 0;
			continue;
		}
		size_t left = c->out_len - c->out_off;
		size_t room = altcp_sndbuf(c->pcb);
		if (room == 0) {
			break;
		}
		u16_t n = (u16_t)(left < room ? left : room);
		bool more = n < left || (c->out != c->body && c->body_len > 0);
		err_t err = altcp_write(c->pcb, c->out + c->out_off, n,
					TCP_WRITE_FLAG_COPY | (more ? TCP_WRITE_FLAG_MORE : 0));
		if (err == ERR_MEM) {
			break; /* queue or heap full: the sent callback or the poll retries */
		}
		if (err != ERR_OK) {
			return mgmt_httpd_abort(c);
		}
		c->out_off += n;
	}
	if (altcp_output(c->pcb) != ERR_OK) {
		return mgmt_httpd_abort(c);
	}
	return ERR_OK;
}

/* Feed queued bytes to the reader; returns its status (0: needs more). */
static int mgmt_httpd_feed(struct mgmt_httpd_conn *c)
{
	size_t used = 0;
	int st = 0;

	while (c->inq != NULL && st == 0) {
		struct pbuf *q = c->inq;
		if (q->len == 0) {
			c->inq = pbuf_dechain(q);
			pbuf_free(q);
			continue;
		}
		size_t got = http_rx_feed(c->rx, q->payload, q->len, &st);
		if (got > 0 && !c->reading) {
			c->reading = true;
			c->t_req = brd_now_ms();
		}
		used += got;
		c->inq = pbuf_free_header(q, (u16_t)got);
	}
	mgmt_httpd_recved(c->pcb, used);
	return st;
}

/* Read, answer and write until the connection waits for the network. */
static err_t mgmt_httpd_pump(struct mgmt_httpd_conn *c)
{
	for (;;) {
		if (c->deferred) {
			return ERR_OK; /* the tick answers; more input waits in c->inq */
		}
		if (c->sending) {
			err_t err = mgmt_httpd_write(c);
			if (err != ERR_OK || c->sending) {
				return err;
			}
			c->nreq++;
			if (c->close_after && c->drain) {
				if (c->inq != NULL) {
					mgmt_httpd_recved(c->pcb, c->inq->tot_len);
					pbuf_free(c->inq);
					c->inq = NULL;
				}
				return ERR_OK; /* the poll or the peer's close ends it */
			}
			if (c->close_after) {
				return mgmt_httpd_close(c);
			}
			http_rx_reset(c->rx);
		}
		if (c->inq == NULL) {
			return ERR_OK;
		}
		int st = mgmt_httpd_feed(c);
		if (st == 0) {
			return ERR_OK;
		}
		mgmt_httpd_answer(c, st);
	}
}

static err_t mgmt_httpd_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct mgmt_httpd_conn *c = arg;

	if (c == NULL || err != ERR_OK) {
		if (p != NULL) {
			altcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (p == NULL) {
		/*
		 * The peer is done sending: finish the answer in progress, then
		 * close. A request still deferred is abandoned (the client went
		 * away, or at least stopped talking): its check is not worth a
		 * slot that a waiting browser could use.
		 */
		c->close_after = true;
		c->drain = false;
		return c->sending ? ERR_OK : mgmt_httpd_close(c);
	}
	c->t_act = brd_now_ms();
	if (c->drain) {
		altcp_recved(pcb, p->tot_len);
		pbuf_free(p);
		return ERR_OK;
	}
	if (c->inq == NULL) {
		c->inq = p;
	} else {
		pbuf_cat(c->inq, p);
	}
	return mgmt_httpd_pump(c);
}

static err_t mgmt_httpd_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	struct mgmt_httpd_conn *c = arg;
	(void)pcb;
	(void)len;
	if (c == NULL) {
		return ERR_OK;
	}
	c->t_act = brd_now_ms();
	return mgmt_httpd_pump(c);
}

/*
 * A deferred request: past HTTP_DEFER_MAX_MS drop the handler's state and
 * answer 503; otherwise, when call is set, ask the handler again. Writes
 * the answer once there is one.
 */
static err_t mgmt_httpd_resume(struct mgmt_httpd_conn *c, bool call)
{
	struct http_resp *r = &c->resp;
	const struct http_req *rq = http_rx_req(c->rx);

	if (brd_now_ms() - c->t_defer >= HTTP_DEFER_MAX_MS) {
		mgmt_httpd_undefer(c);
		c->h->st.defer_expired++;
		memset(r, 0, sizeof(*r));
		r->buf = c->respbuf;
		r->cap = MGMT_HTTPD_RESP_CAP;
		http_resp_json(r, 503, "{\"error\":\"busy, try again\"}");
		(void)http_resp_header(r, "Retry-After", "1");
	} else if (call) {
		r->defer_calls++;
		c->h->p.http(c->h->p.http_ctx, rq, r);
		mgmt_httpd_checked(c);
		if (r->status == HTTP_DEFER) {
			return ERR_OK;
		}
		if (c->deferred) { /* else mgmt_httpd_checked() ended it already */
			c->deferred = false;
			c->h->st.deferred--;
		}
	} else {
		return ERR_OK;
	}
	mgmt_httpd_respond(c, rq);
	return mgmt_httpd_pump(c);
}

/* Every second: retry a stalled write, and enforce the idle and request timeouts. */
static err_t mgmt_httpd_poll(void *arg, struct altcp_pcb *pcb)
{
	struct mgmt_httpd_conn *c = arg;
	(void)pcb;
	if (c == NULL) {
		return ERR_OK;
	}
	uint64_t now = brd_now_ms();
	if (c->deferred) {
		/* The tick calls the handler; this only enforces the deadline without one. */
		return mgmt_httpd_resume(c, false);
	}
	if (c->drain && !c->sending) {
		/* Quiet for a poll period, or lingering too long: close now. */
		bool quiet = now - c->t_act >= 500u;
		return quiet || now - c->t_drain >= MGMT_HTTPD_DRAIN_MS ? mgmt_httpd_close(c)
									: ERR_OK;
	}
	if (c->sending) {
		err_t err = mgmt_httpd_pump(c);
		if (err != ERR_OK || c->pcb == NULL || !c->sending) {
			return err;
		}
		/* A peer that stopped reading holds the slot: drop it. */
		return now - c->t_act >= (uint64_t)CONFIG_MGMT_HTTP_IDLE_S * 1000u
			       ? mgmt_httpd_abort(c)
			       : ERR_OK;
	}
	if (c->reading && now - c->t_req >= (uint64_t)CONFIG_MGMT_HTTP_REQUEST_S * 1000u) {
		mgmt_httpd_answer(c, 408);
		return mgmt_httpd_pump(c);
	}
	if (!c->reading && now - c->t_act >= (uint64_t)CONFIG_MGMT_HTTP_IDLE_S * 1000u) {
		return mgmt_httpd_close(c);
	}
	return ERR_OK;
}

static void mgmt_httpd_err(void *arg, err_t err)
{
	struct mgmt_httpd_conn *c = arg;
	(void)err;
	if (c != NULL && c->pcb != NULL) {
		mgmt_httpd_release(c); /* lwIP already freed the pcb */
	}
}

/* Who is connecting, for the handler (address, port, wan side, TLS). */
static void mgmt_httpd_peer(struct mgmt_httpd *h, struct altcp_pcb *pcb, bool tls,
			    struct http_peer *peer)
{
	ip_addr_t *ra = altcp_get_ip(pcb, 0);

	memset(peer, 0, sizeof(*peer));
	peer->tls = tls;
	peer->port = altcp_get_port(pcb, 0);
	if (ra == NULL) {
		return;
	}
	if (IP_IS_V6(ra)) {
		peer->family = 6;
		memcpy(peer->addr, ip_2_ip6(ra)->addr, 16);
	} else {
		peer->family = 4;
		memcpy(peer->addr, &ip_2_ip4(ra)->addr, 4);
	}
	if (h->p.from_wan != NULL) {
		peer->from_wan = h->p.from_wan(h->p.from_wan_ctx, ra, peer->port);
	}
}

/*
 * A free slot, or the slot of the connection that has waited longest
 * without finishing a request (idle keep-alive, a stalled TLS handshake,
 * a trickling request) once that wait passed MGMT_HTTPD_EVICT_MS: a flood
 * of silent or slow connections then cannot lock the page out until the
 * timeouts expire, while connections that are being answered, and fresh
 * ones, are never taken. Under a flood of r connections per second a
 * newcomer keeps its slot for about CONFIG_MGMT_HTTP_CONNS / r seconds,
 * ample for a LAN browser's handshake and request; only a flood faster
 * than CONFIG_MGMT_HTTP_CONNS per MGMT_HTTPD_EVICT_MS (32/s by default)
 * makes newcomers be refused. NULL: refuse the new connection.
 */
static struct mgmt_httpd_conn *mgmt_httpd_slot(struct mgmt_httpd *h)
{
	struct mgmt_httpd_conn *victim = NULL;
	uint64_t now = brd_now_ms();
	uint64_t oldest = MGMT_HTTPD_EVICT_MS - 1;

	for (size_t i = 0; i < CONFIG_MGMT_HTTP_CONNS; i++) {
		struct mgmt_httpd_conn *c = &h->conns[i];
		if (c->pcb == NULL) {
			return c;
		}
		uint64_t since = c->reading ? c->t_req : c->t_act;
		if (!c->sending && !c->deferred && now - since > oldest) {
			oldest = now - since;
			victim = c;
		}
	}
	if (victim != NULL) {
		h->st.evicted++;
		(void)mgmt_httpd_abort(victim);
	}
	return victim;
}

static err_t mgmt_httpd_accept(struct mgmt_httpd *h, struct altcp_pcb *pcb, err_t err, bool tls)
{
	struct mgmt_httpd_conn *c = NULL;
	struct http_peer peer;

	if (err != ERR_OK || pcb == NULL) {
		return ERR_VAL;
	}
	c = mgmt_httpd_slot(h);
	if (c == NULL) {
		/* Out of slots: a reset now is kinder than a connection that never answers. */
		h->st.rejected++;
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	mgmt_httpd_peer(h, pcb, tls, &peer);
	http_rx_init(c->rx, &peer);
	c->pcb = pcb;
	c->tls = tls;
	c->inq = NULL;
	c->reading = false;
	c->sending = false;
	c->close_after = false;
	c->drain = false;
	c->deferred = false;
	memset(&c->resp, 0, sizeof(c->resp));
	c->nreq = 0;
	c->t_act = brd_now_ms();
	h->st.conns++;
	altcp_arg(pcb, c);
	altcp_recv(pcb, mgmt_httpd_recv);
	altcp_sent(pcb, mgmt_httpd_sent);
	altcp_err(pcb, mgmt_httpd_err);
	altcp_poll(pcb, mgmt_httpd_poll, MGMT_HTTPD_POLL_TICKS);
	/*
	 * No Nagle: an answer's last partial segment would otherwise wait for
	 * the client's delayed ACK (~40 ms per request). Answers are written
	 * whole, so this sends no more segments than needed.
	 */
	altcp_nagle_disable(pcb);
	return ERR_OK;
}

/*
 * The listeners are raw tcp_pcbs and each accepted connection is wrapped
 * into altcp here (TCP, then TLS on 443). Closing an altcp *listener* in
 * lwIP 2.1.3 reads tcp_pcb fields past the smaller tcp_pcb_listen
 * (altcp_tcp_close) and, for altcp_tls, sets a poll callback on it that
 * tcp_poll() asserts against; wrapping at accept is what altcp's own
 * listeners do, without those close paths.
 */
static err_t mgmt_httpd_accept_raw(struct mgmt_httpd *h, struct tcp_pcb *tpcb, err_t err, bool tls)
{
	if (err != ERR_OK || tpcb == NULL) {
		return ERR_VAL;
	}
	struct altcp_pcb *pcb = altcp_tcp_wrap(tpcb);
	struct altcp_pcb *top = pcb;
	if (pcb != NULL && tls) {
		top = altcp_tls_wrap(h->tls, pcb);
	}
	if (top == NULL) {
		h->st.rejected++;
		if (pcb != NULL) {
			altcp_abort(pcb);
		} else {
			tcp_abort(tpcb);
		}
		return ERR_ABRT;
	}
	return mgmt_httpd_accept(h, top, err, tls);
}

static err_t mgmt_httpd_accept_tls(void *arg, struct tcp_pcb *tpcb, err_t err)
{
	return mgmt_httpd_accept_raw(arg, tpcb, err, true);
}

static err_t mgmt_httpd_accept_plain(void *arg, struct tcp_pcb *tpcb, err_t err)
{
	return mgmt_httpd_accept_raw(arg, tpcb, err, false);
}

static int mgmt_httpd_listen(struct mgmt_httpd *h, bool tls, struct tcp_pcb **out)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (pcb == NULL) {
		return -ENOMEM;
	}
	/* Connections of a previous start may linger in TIME_WAIT on the same port. */
	ip_set_option(pcb, SOF_REUSEADDR);
	if (tcp_bind(pcb, IP_ANY_TYPE, tls ? MGMT_HTTPD_PORT_TLS : MGMT_HTTPD_PORT_PLAIN) !=
	    ERR_OK) {
		tcp_abort(pcb);
		return -EADDRINUSE;
	}
	struct tcp_pcb *l = tcp_listen(pcb);
	if (l == NULL) {
		tcp_abort(pcb);
		return -ENOMEM;
	}
	tcp_arg(l, h);
	tcp_accept(l, tls ? mgmt_httpd_accept_tls : mgmt_httpd_accept_plain);
	*out = l;
	return 0;
}

/* The TLS identity and the per-connection buffers; 0 or negative errno. */
static int mgmt_httpd_setup(struct mgmt_httpd *h)
{
	size_t rx_sz = (http_rx_size() + 15u) & ~(size_t)15u;
	struct mgmt_tls_pem *pem = malloc(sizeof(*pem));

	if (pem == NULL) {
		return -ENOMEM;
	}
	int rc = mgmt_tls_identity(h->p.stor, h->hostname, pem);
	if (rc == 0) {
		rc = mgmt_tls_server_config(pem, &h->tls);
	}
	/* The private key stays only inside mbedTLS's parsed config. */
	memset(pem, 0, sizeof(*pem));
	free(pem);
	if (rc != 0) {
		return rc;
	}
	h->mem = calloc(CONFIG_MGMT_HTTP_CONNS, rx_sz + MGMT_HTTPD_RESP_CAP);
	if (h->mem == NULL) {
		return -ENOMEM;
	}
	for (size_t i = 0; i < CONFIG_MGMT_HTTP_CONNS; i++) {
		uint8_t *base = h->mem + i * (rx_sz + MGMT_HTTPD_RESP_CAP);
		h->conns[i].h = h;
		h->conns[i].rx = http_rx_init(base, NULL);
		h->conns[i].respbuf = (char *)(base + rx_sz);
	}
	return 0;
}

int mgmt_httpd_start(const struct mgmt_httpd_params *p, struct mgmt_httpd **out)
{
	if (p == NULL || out == NULL || p->http == NULL) {
		return -EINVAL;
	}
	struct mgmt_httpd *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		return -ENOMEM;
	}
	h->p = *p;
	snprintf(h->hostname, sizeof(h->hostname), "%s",
		 p->hostname != NULL && p->hostname[0] != '\0' ? p->hostname : "leaktap");
	h->p.hostname = h->hostname;
	int rc = mgmt_httpd_setup(h);
	if (rc == 0) {
		rc = mgmt_httpd_listen(h, true, &h->l_tls);
	}
	if (rc == 0) {
		rc = mgmt_httpd_listen(h, false, &h->l_plain);
	}
	if (rc != 0) {
		mgmt_httpd_stop(h);
		return rc;
	}
	*out = h;
	return 0;
}

void mgmt_httpd_stop(struct mgmt_httpd *h)
{
	if (h == NULL) {
		return;
	}
	for (size_t i = 0; i < CONFIG_MGMT_HTTP_CONNS; i++) {
		if (h->conns[i].pcb != NULL) {
			(void)mgmt_httpd_abort(&h->conns[i]);
		}
	}
	if (h->l_tls != NULL) {
		tcp_arg(h->l_tls, NULL);
		tcp_close(h->l_tls); /* a listener's close cannot fail */
	}
	if (h->l_plain != NULL) {
		tcp_arg(h->l_plain, NULL);
		tcp_close(h->l_plain);
	}
	if (h->tls != NULL) {
		mgmt_tls_free_config(h->tls);
		altcp_tls_free_entropy();
	}
	free(h->mem);
	free(h);
}

void mgmt_httpd_tick(struct mgmt_httpd *h)
{
	if (h == NULL || h->st.deferred == 0) {
		return;
	}
	for (size_t i = 0; i < CONFIG_MGMT_HTTP_CONNS; i++) {
		struct mgmt_httpd_conn *c = &h->conns[i];
		if (c->pcb != NULL && c->deferred) {
			(void)mgmt_httpd_resume(c, true);
		}
	}
}

bool mgmt_httpd_busy(const struct mgmt_httpd *h)
{
	return h != NULL && h->st.deferred > 0;
}

void mgmt_httpd_get_stats(const struct mgmt_httpd *h, struct mgmt_httpd_stats *st)
{
	if (h == NULL || st == NULL) {
		return;
	}
	*st = h->st;
}
