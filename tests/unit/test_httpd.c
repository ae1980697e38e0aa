/*
 * mgmt_httpd + mgmt_tls in a real lwIP stack: the server and its clients
 * (lwIP's altcp_tls client pinned to the server's certificate, plain
 * altcp on port 80) share one lwIP instance whose only netif loops every
 * IP packet back into the stack through a queue the test drains. The
 * board clock is simulated here (brd_* are defined by this file), so the
 * idle and request timeouts run in simulated seconds.
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

#include "auth.h"
#include "brd.h"
#include "mgmt_priv.h"
#include "stor.h"

#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#include <mbedtls/ssl.h>

/* --- simulated board: clock and randomness --------------------------- */

static uint64_t sim_ms = 1000;
static uint32_t sim_rand = 0x2545f491u;

uint64_t brd_now_ms(void)
{
	return sim_ms;
}

uint64_t brd_now_us(void)
{
	return sim_ms * 1000u;
}

uint64_t brd_wall_us(void)
{
	return 1764000000ull * 1000000ull + sim_ms * 1000u; /* late 2025 */
}

int brd_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++) {
		sim_rand ^= sim_rand << 13;
		sim_rand ^= sim_rand >> 17;
		sim_rand ^= sim_rand << 5;
		p[i] = (uint8_t)sim_rand;
	}
	return 0;
}

int brd_wait(const int *fds, size_t n, int timeout_ms)
{
	(void)fds;
	(void)n;
	(void)timeout_ms;
	return 0;
}

/* --- a tiny in-memory stor (the HAL wrappers may not be linked yet) ---- */

#define MEM_OBJS 4
struct mem_stor {
	char name[MEM_OBJS][STOR_NAME_MAX];
	uint8_t data[MEM_OBJS][MGMT_TLS_PEM_MAX];
	size_t len[MEM_OBJS];
	int writes;
	int fail_read;  /* non-zero: reads fail with this */
	int fail_write; /* non-zero: writes fail with this */
};

static int mem_find(struct mem_stor *m, const char *name)
{
	for (int i = 0; i < MEM_OBJS; i++) {
		if (strcmp(m->name[i], name) == 0) {
			return i;
		}
	}
	return -1;
}

static int mem_open(struct stor *s)
{
	(void)s;
	return 0;
}

static int mem_read(struct stor *s, const char *name, uint8_t *buf, size_t cap)
{
	struct mem_stor *m = s->priv;
	int i = mem_find(m, name);
	if (m->fail_read != 0) {
		return m->fail_read;
	}
	if (i < 0) {
		return -ENOENT;
	}
	if (m->len[i] > cap) {
		return -EFBIG;
	}
	memcpy(buf, m->data[i], m->len[i]);
	return (int)m->len[i];
}

static int mem_write(struct stor *s, const char *name, const uint8_t *buf, size_t len)
{
	struct mem_stor *m = s->priv;
	int i = mem_find(m, name);
	if (m->fail_write != 0) {
		return m->fail_write;
	}
	if (i < 0) {
		i = mem_find(m, "");
	}
	if (i < 0 || len > sizeof(m->data[0])) {
		return -ENOSPC;
	}
	snprintf(m->name[i], sizeof(m->name[i]), "%s", name);
	memcpy(m->data[i], buf, len);
	m->len[i] = len;
	m->writes++;
	return 0;
}

static void mem_close(struct stor *s)
{
	(void)s;
}

static const struct stor_ops mem_ops = {
	.open = mem_open,
	.read = mem_read,
	.write = mem_write,
	.close = mem_close,
};

/* Weak: firmware/hal/stor.c provides the real wrappers once it is in the build. */
__attribute__((weak)) int stor_read(struct stor *s, const char *name, uint8_t *buf, size_t cap)
{
	return s->ops->read(s, name, buf, cap);
}

__attribute__((weak)) int stor_write(struct stor *s, const char *name, const uint8_t *buf,
				     size_t len)
{
	return s->ops->write(s, name, buf, len);
}

/* --- the loopback wire -------------------------------------------------- */

#define WIRE_MAX 1024
struct wire {
	struct pbuf *q[WIRE_MAX];
	size_t head;
	size_t n;
};

static struct netif nif;
static struct wire wire;
static struct mgmt_httpd *tick_h; /* the server whose deferred requests each pass runs */

static err_t wire_output(struct netif *n, struct pbuf *p, const ip4_addr_t *dst)
{
	(void)n;
	(void)dst;
	if (wire.n == WIRE_MAX) {
		return ERR_OK; /* dropped, as a full link would; TCP retransmits */
	}
	struct pbuf *c = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
	if (c == NULL) {
		return ERR_OK;
	}
	wire.q[(wire.head + wire.n) % WIRE_MAX] = c;
	wire.n++;
	return ERR_OK;
}

static err_t wire_netif_init(struct netif *n)
{
	n->output = wire_output;
	n->mtu = 1500;
	n->flags = NETIF_FLAG_UP | NETIF_FLAG_LINK_UP;
	return ERR_OK;
}

/* Deliver queued packets and let simulated time pass until done() or max_ms elapse. */
static void run_until(bool (*done)(void *), void *arg, uint64_t max_ms)
{
	uint64_t end = sim_ms + max_ms;
	while (!(done != NULL && done(arg)) && sim_ms < end) {
		size_t burst = 0;
		while (wire.n > 0 && burst++ < 4 * WIRE_MAX) {
			struct pbuf *p = wire.q[wire.head];
			wire.head = (wire.head + 1) % WIRE_MAX;
			wire.n--;
			if (nif.input(p, &nif) != ERR_OK) {
				pbuf_free(p);
			}
			if (done != NULL && done(arg)) {
				return;
			}
		}
		/* As the loop: a deferred request means no sleep, the next pass comes at once. */
		sim_ms += mgmt_httpd_busy(tick_h) ? 1 : 50;
		sys_check_timeouts();
		mgmt_httpd_tick(tick_h);
	}
}

/* --- clients ------------------------------------------------------------ */

struct client {
	struct altcp_pcb *pcb;
	struct altcp_tls_config *cfg;
	const char *req;
	size_t req_len;
	size_t req_off;
	uint8_t *rx;
	size_t rx_len;
	size_t rx_cap;
	bool connected;
	bool closed;    /* FIN from the server */
	bool reset;     /* error callback: reset or aborted */
	bool untrusted; /* TLS: the server's certificate is not the pinned one */
};

static void client_push(struct client *c)
{
	while (c->pcb != NULL && c->req_off < c->req_len) {
		size_t room = altcp_sndbuf(c->pcb);
		size_t n = c->req_len - c->req_off;
		n = n < room ? n : room;
		if (n == 0 || altcp_write(c->pcb, c->req + c->req_off, (u16_t)n,
					  TCP_WRITE_FLAG_COPY) != ERR_OK) {
			break;
		}
		c->req_off += n;
	}
	if (c->pcb != NULL) {
		altcp_output(c->pcb);
	}
}

static err_t client_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct client *c = arg;
	/*
	 * lwIP's TLS client verifies with MBEDTLS_SSL_VERIFY_OPTIONAL: the
	 * handshake completes either way and the verdict is the caller's to
	 * check, as a browser refuses a certificate it does not trust.
	 */
	if (err == ERR_OK && c->cfg != NULL &&
	    mbedtls_ssl_get_verify_result(altcp_tls_context(pcb)) != 0) {
		c->untrusted = true;
		c->pcb = NULL;
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	c->connected = err == ERR_OK;
	client_push(c);
	return ERR_OK;
}

static err_t client_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct client *c = arg;
	(void)err;
	if (p == NULL) {
		c->closed = true;
		return ERR_OK;
	}
	if (c->rx_len + p->tot_len > c->rx_cap) {
		size_t cap = (c->rx_len + p->tot_len) * 2;
		c->rx = realloc(c->rx, cap + 1);
		assert_non_null(c->rx);
		c->rx_cap = cap;
	}
	pbuf_copy_partial(p, c->rx + c->rx_len, p->tot_len, 0);
	c->rx_len += p->tot_len;
	c->rx[c->rx_len] = '\0';
	altcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t client_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	client_push(arg);
	return ERR_OK;
}

static void client_err(void *arg, err_t err)
{
	struct client *c = arg;
	(void)err;
	c->reset = true;
	c->pcb = NULL;
}

static void client_open(struct client *c, const struct mgmt_tls_pem *pin, uint16_t port,
			const char *req)
{
	memset(c, 0, sizeof(*c));
	c->req = req;
	c->req_len = req != NULL ? strlen(req) : 0;
	if (pin != NULL) {
		c->cfg = altcp_tls_create_config_client(pin->crt, pin->crt_len + 1);
		assert_non_null(c->cfg);
		c->pcb = altcp_tls_new(c->cfg, IPADDR_TYPE_V4);
	} else {
		c->pcb = altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
	}
	assert_non_null(c->pcb);
	altcp_arg(c->pcb, c);
	altcp_recv(c->pcb, client_recv);
	altcp_sent(c->pcb, client_sent);
	altcp_err(c->pcb, client_err);
	assert_int_equal(altcp_connect(c->pcb, &nif.ip_addr, port, client_connected), ERR_OK);
}

static void client_send(struct client *c, const char *req)
{
	c->req = req;
	c->req_len = strlen(req);
	c->req_off = 0;
	client_push(c);
}

static void client_close(struct client *c)
{
	if (c->pcb != NULL) {
		altcp_arg(c->pcb, NULL);
		altcp_recv(c->pcb, NULL);
		altcp_err(c->pcb, NULL);
		altcp_sent(c->pcb, NULL);
		if (altcp_close(c->pcb) != ERR_OK) {
			altcp_abort(c->pcb);
		}
		c->pcb = NULL;
	}
	if (c->cfg != NULL) {
		mgmt_tls_free_config(c->cfg);
		c->cfg = NULL;
	}
	free(c->rx);
	c->rx = NULL;
}

static bool client_finished(void *arg)
{
	struct client *c = arg;
	return c->closed || c->reset || c->untrusted;
}

static bool client_connected_or_failed(void *arg)
{
	struct client *c = arg;
	return c->connected || c->reset || c->closed || c->untrusted;
}

struct want_text {
	struct client *c;
	const char *text;
};

static bool client_has(void *arg)
{
	struct want_text *w = arg;
	return (w->c->rx != NULL && strstr((const char *)w->c->rx, w->text) != NULL) ||
	       w->c->reset || w->c->closed || w->c->untrusted;
}

/* --- the server under test ---------------------------------------------- */

#define BIG_LEN (200u * 1024u)
static uint8_t big[BIG_LEN];

/*
 * Deferred answers: "/login" checks the body as a password with a real
 * auth job (one PBKDF2 step per call); "/never" defers forever with a
 * dummy state whose drops are counted.
 */
static struct auth *dauth;
static char dotp[AUTH_OTP_LEN + 1];
static int never_state;
static int never_drops;

static void drop_job(void *job)
{
	auth_job_cancel(job);
}

static void drop_never(void *st)
{
	assert_ptr_equal(st, &never_state);
	never_drops++;
}

static void login_handler(const struct http_req *rq, struct http_resp *rs)
{
	struct auth_job *j = rs->defer;
	struct auth_result res;
	uint32_t retry = 0;
	int rc = 0;

	if (j == NULL) {
		char pw[AUTH_PW_MAX + 1];
		struct auth_src src = {.family = 4};
		snprintf(pw, sizeof(pw), "%.*s", (int)rq->body_len, (const char *)rq->body);
		rc = auth_login_start(dauth, &src, pw, sim_ms, &j, &retry);
	}
	if (rc == 0) {
		rc = auth_job_run(j, sim_ms, &res);
	}
	if (rc == -EINPROGRESS) {
		rs->status = HTTP_DEFER;
		rs->defer = j;
		rs->defer_drop = drop_job;
		return;
	}
	rs->defer = NULL;
	http_resp_json(rs, rc == -EAGAIN ? 503 : 200, "{\"rc\":%d,\"calls\":%u}", rc,
		       (unsigned)rs->defer_calls);
}

static void echo_handler(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	(void)ctx;
	if (strcmp(rq->path, "/login") == 0) {
		login_handler(rq, rs);
		return;
	}
	if (strcmp(rq->path, "/never") == 0) {
		rs->status = HTTP_DEFER;
		rs->defer = &never_state;
		rs->defer_drop = drop_never;
		return;
	}
	if (strcmp(rq->path, "/big") == 0) {
		rs->status = 200;
		rs->content_type = "application/octet-stream";
		rs->body = big;
		rs->len = sizeof(big);
		return;
	}
	http_resp_header(rs, "X-Echo", "1");
	http_resp_json(rs, 200,
		       "{\"m\":%d,\"path\":\"%s\",\"q\":\"%s\",\"s\":\"%s\",\"b\":%zu,\"tls\":%d}",
		       (int)rq->method, rq->path, rq->query, rq->session, rq->body_len,
		       rq->peer.tls ? 1 : 0);
}

struct fixture {
	struct mem_stor ms;
	struct stor st;
	struct mgmt_httpd *h;
	struct mgmt_tls_pem pem; /* what the stor holds after start */
};

static void stor_pem(struct fixture *f)
{
	int k = mem_find(&f->ms, "tls.key");
	int c = mem_find(&f->ms, "tls.crt");
	assert_true(k >= 0 && c >= 0);
	memcpy(f->pem.key, f->ms.data[k], f->ms.len[k]);
	f->pem.key[f->ms.len[k]] = 0;
	f->pem.key_len = f->ms.len[k];
	memcpy(f->pem.crt, f->ms.data[c], f->ms.len[c]);
	f->pem.crt[f->ms.len[c]] = 0;
	f->pem.crt_len = f->ms.len[c];
}

static void server_start(struct fixture *f, struct stor *s)
{
	struct mgmt_httpd_params p = {
		.http = echo_handler,
		.stor = s,
		.hostname = "leaktap-test",
	};
	assert_int_equal(mgmt_httpd_start(&p, &f->h), 0);
	tick_h = f->h;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	stor_init(&f->st, &mem_ops, "mem");
	f->st.priv = &f->ms;
	server_start(f, &f->st);
	stor_pem(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	tick_h = NULL;
	mgmt_httpd_stop(f->h);
	run_until(NULL, NULL, 5000); /* let closing connections finish */
	altcp_tls_free_entropy();
	free(f);
	return 0;
}

/* Weak as well: the HAL's stor_init, until firmware/hal/stor.c is linked. */
__attribute__((weak)) void stor_init(struct stor *s, const struct stor_ops *ops, const char *dev)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->dev = dev;
}

static struct mgmt_httpd_stats stats(struct fixture *f)
{
	struct mgmt_httpd_stats st;
	mgmt_httpd_get_stats(f->h, &st);
	return st;
}

/* --- tests ----------------------------------------------------------------- */

static void test_https_get_keepalive(void **state)
{
	struct fixture *f = *state;
	struct client c;
	const char *two = "GET /api/x?y=1 HTTP/1.1\r\nHost: lt\r\nCookie: lt_session=S1\r\n\r\n"
			  "PUT /p HTTP/1.1\r\nHost: lt\r\nContent-Length: 5\r\n"
			  "Connection: close\r\n\r\nhello";
	client_open(&c, &f->pem, 443, two);
	run_until(client_finished, &c, 20000);
	assert_true(c.connected);
	assert_true(c.closed);
	assert_false(c.reset);
	const char *r = (const char *)c.rx;
	assert_non_null(r);
	assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(
		r, "{\"m\":1,\"path\":\"/api/x\",\"q\":\"y=1\",\"s\":\"S1\",\"b\":0,\"tls\":1}"));
	assert_non_null(strstr(r, "Strict-Transport-Security: max-age="));
	assert_non_null(strstr(r, "Content-Security-Policy: default-src 'self'\r\n"));
	assert_non_null(strstr(r, "X-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(r, "X-Frame-Options: DENY\r\n"));
	assert_non_null(strstr(r, "Referrer-Policy: no-referrer\r\n"));
	assert_non_null(strstr(r, "Cache-Control: no-store\r\n"));
	assert_non_null(strstr(r, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(r, "X-Echo: 1\r\n"));
	assert_non_null(strstr(r, "Connection: keep-alive\r\n"));
	/* The second, pipelined request, answered on the same connection, then closed. */
	const char *second = strstr(r + 1, "HTTP/1.1 200 OK\r\n");
	assert_non_null(second);
	assert_non_null(strstr(
		second, "{\"m\":4,\"path\":\"/p\",\"q\":\"\",\"s\":\"\",\"b\":5,\"tls\":1}"));
	assert_null(strstr(second, "Cache-Control: no-store"));
	assert_non_null(strstr(second, "Connection: close\r\n"));
	client_close(&c);
	run_until(NULL, NULL, 1000);
	struct mgmt_httpd_stats st = stats(f);
	assert_int_equal(st.requests, 2);
	assert_int_equal(st.conns, 0);
	assert_int_equal(st.rejected, 0);
}

static void test_http_redirect(void **state)
{
	struct fixture *f = *state;
	struct client c;
	client_open(&c, NULL, 80, "GET /a%20b/c?q=1&r=%41 HTTP/1.1\r\nHost: box.lan:80\r\n\r\n");
	run_until(client_finished, &c, 10000);
	assert_true(c.closed);
	const char *r = (const char *)c.rx;
	assert_non_null(r);
	assert_true(strncmp(r, "HTTP/1.1 301 Moved Permanently\r\n", 32) == 0);
	assert_non_null(strstr(r, "\r\nLocation: https://box.lan/a%20b/c?q=1&r=%41\r\n"));
	assert_non_null(strstr(r, "Content-Length: 0\r\n"));
	assert_null(strstr(r, "Strict-Transport-Security")); /* meaningless over plain HTTP */
	assert_null(strstr(r, "{\"m\""));                    /* the handler never sees port 80 */
	client_close(&c);

	/* Without a Host (HTTP/1.0): the appliance's own name. A CR/LF smuggled in the path is
	 * re-encoded, never written into the header. */
	client_open(&c, NULL, 80, "GET /x%0d%0aSet-Cookie:%20a=b HTTP/1.0\r\n\r\n");
	run_until(client_finished, &c, 10000);
	r = (const char *)c.rx;
	assert_non_null(r);
	assert_non_null(
		strstr(r, "\r\nLocation: https://leaktap-test.local/x%0D%0ASet-Cookie:%20a=b\r\n"));
	assert_null(strstr(r, "\r\nSet-Cookie"));
	client_close(&c);
	run_until(NULL, NULL, 1000);
	assert_int_equal(stats(f).conns, 0);
}

/* A body of exactly HTTP_BODY_MAX over TLS, in many records, and a HEAD without a body. */
static void test_https_body_and_head(void **state)
{
	struct fixture *f = *state;
	struct client c;
	static char req[HTTP_BODY_MAX + 256];
	int n = snprintf(req, sizeof(req),
			 "PUT /api/config HTTP/1.1\r\nHost: x\r\nContent-Length: %u\r\n\r\n",
			 (unsigned)HTTP_BODY_MAX);
	memset(req + n, '{', HTTP_BODY_MAX);
	req[(size_t)n + HTTP_BODY_MAX] = '\0';
	client_open(&c, &f->pem, 443, req);
	run_until(client_connected_or_failed, &c, 5000);
	assert_true(c.connected);
	struct want_text w = {&c, "\"tls\":1}"};
	run_until(client_has, &w, 30000);
	assert_non_null(c.rx);
	assert_non_null(strstr((const char *)c.rx, "\"m\":4,\"path\":\"/api/config\""));
	assert_non_null(strstr((const char *)c.rx, "\"b\":65536,"));

	/* Same connection (keep-alive): HEAD gets the length, not the body. */
	free(c.rx);
	c.rx = NULL;
	c.rx_len = 0;
	c.rx_cap = 0;
	client_send(&c, "HEAD /api/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	run_until(client_finished, &c, 5000);
	assert_true(c.closed);
	const char *r = (const char *)c.rx;
	assert_non_null(r);
	assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(r, "Content-Length: "));
	const char *end = strstr(r, "\r\n\r\n");
	assert_non_null(end);
	assert_int_equal(c.rx_len, (size_t)(end + 4 - r));
	client_close(&c);
	run_until(NULL, NULL, 500);
	assert_int_equal(stats(f).requests, 2);
}

static void test_malformed_400_closes(void **state)
{
	struct fixture *f = *state;
	struct client c;
	client_open(&c, &f->pem, 443,
		    "GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n");
	run_until(client_finished, &c, 20000);
	assert_true(c.closed);
	const char *r = (const char *)c.rx;
	assert_non_null(r);
	assert_true(strncmp(r, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
	assert_non_null(strstr(r, "Connection: close\r\n"));
	assert_null(strstr(r + 1, "HTTP/1.1")); /* nothing after the 400 */
	client_close(&c);

	/* Too large a body is refused before it is read. */
	client_open(&c, &f->pem, 443,
		    "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n");
	run_until(client_finished, &c, 20000);
	assert_non_null(c.rx);
	assert_true(strncmp((const char *)c.rx, "HTTP/1.1 413 ", 13) == 0);
	client_close(&c);
	run_until(NULL, NULL, 1000);
	assert_int_equal(stats(f).rejected, 2);
}

static void test_big_response(void **state)
{
	struct fixture *f = *state;
	struct client c;
	for (size_t i = 0; i < sizeof(big); i++) {
		big[i] = (uint8_t)(i * 7 + (i >> 10));
	}
	client_open(&c, &f->pem, 443, "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	run_until(client_finished, &c, 120000);
	assert_true(c.closed);
	assert_false(c.reset);
	const char *r = (const char *)c.rx;
	assert_non_null(r);
	assert_non_null(strstr(r, "Content-Length: 204800\r\n"));
	const char *body = strstr(r, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	size_t head = (size_t)(body - r);
	assert_int_equal(c.rx_len - head, sizeof(big));
	assert_memory_equal(body, big, sizeof(big));
	client_close(&c);
}

static void test_pool_limit(void **state)
{
	struct fixture *f = *state;
	static struct client c[CONFIG_MGMT_HTTP_CONNS + 1];
	for (size_t i = 0; i < CONFIG_MGMT_HTTP_CONNS; i++) {
		client_open(&c[i], NULL, 80, NULL);
		run_until(client_connected_or_failed, &c[i], 5000);
		assert_true(c[i].connected);
	}
	run_until(NULL, NULL, 100); /* all younger than the eviction age */
	assert_int_equal(stats(f).conns, CONFIG_MGMT_HTTP_CONNS);
	struct client *extra = &c[CONFIG_MGMT_HTTP_CONNS];
	client_open(extra, NULL, 80, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	run_until(client_finished, extra, 100);
	assert_true(extra->reset);
	assert_null(extra->rx);
	assert_int_equal(stats(f).rejected, 1);
	assert_int_equal(stats(f).conns, CONFIG_MGMT_HTTP_CONNS);
	client_close(extra);

	/* The held slots still work, and a freed slot takes a new connection. */
	client_send(&c[0], "GET /z HTTP/1.1\r\nHost: x\r\n\r\n");
	run_until(client_finished, &c[0], 100);
	assert_non_null(c[0].rx);
	assert_true(strncmp((const char *)c[0].rx, "HTTP/1.1 301 ", 13) == 0);
	client_close(&c[0]);
	client_open(&c[0], NULL, 80, NULL);
	run_until(client_connected_or_failed, &c[0], 100);
	assert_true(c[0].connected);
	run_until(NULL, NULL, 20); /* the server accepts on the handshake's last ACK */
	assert_int_equal(stats(f).conns, CONFIG_MGMT_HTTP_CONNS);
	assert_int_equal(stats(f).evicted, 0);

	/* Once the silent ones have waited long enough, a newcomer takes the oldest's slot
	 * (c[1]: c[1..7] were accepted at the same instant, the first slot wins; c[0] is younger).
	 */
	run_until(NULL, NULL, 1000);
	client_open(extra, NULL, 80, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	run_until(client_finished, extra, 2000);
	assert_false(extra->reset);
	assert_non_null(extra->rx);
	assert_true(strncmp((const char *)extra->rx, "HTTP/1.1 301 ", 13) == 0);
	assert_true(c[1].reset); /* the oldest silent connection */
	assert_false(c[2].reset);
	assert_int_equal(stats(f).evicted, 1);
	client_close(extra);
	for (size_t i = 0; i < CONFIG_MGMT_HTTP_CONNS; i++) {
		client_close(&c[i]);
	}
	run_until(NULL, NULL, 1000);
	assert_int_equal(stats(f).conns, 0);
}

/*
 * A flood: three pools' worth of slow clients (TLS handshakes that never
 * start, requests that trickle) arriving one every 250 ms. A browser that
 * connects in the middle of it is still answered; afterwards the
 * timeouts leave no connection behind.
 */
static void test_flood_slow_clients(void **state)
{
	struct fixture *f = *state;
	enum {
		N = 3 * CONFIG_MGMT_HTTP_CONNS
	};
	static struct client slow[N];
	struct client user;

	for (size_t i = 0; i < N; i++) {
		bool tls_port = i % 2 == 0;
		client_open(&slow[i], NULL, tls_port ? 443 : 80,
			    tls_port ? NULL : "GET / HTTP/1.1\r\nX-Slow: ");
		run_until(NULL, NULL, 250);
	}
	client_open(&user, &f->pem, 443,
		    "GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	run_until(client_finished, &user, 5000);
	assert_true(user.connected);
	assert_non_null(user.rx);
	assert_non_null(strstr((const char *)user.rx, "\"path\":\"/page\""));
	client_close(&user);
	assert_true(stats(f).evicted > 0);
	assert_true(stats(f).conns <= CONFIG_MGMT_HTTP_CONNS);

	run_until(NULL, NULL, (CONFIG_MGMT_HTTP_IDLE_S + 3) * 1000u);
	assert_int_equal(stats(f).conns, 0);
	for (size_t i = 0; i < N; i++) {
		assert_true(slow[i].closed || slow[i].reset);
		client_close(&slow[i]);
	}
}

static void test_timeouts(void **state)
{
	struct fixture *f = *state;
	struct client idle;
	struct client slow;
	struct client tls_idle;

	client_open(&idle, NULL, 80, NULL);
	client_open(&tls_idle, NULL, 443, NULL); /* TCP only: a TLS handshake that never starts */
	client_open(&slow, NULL, 80, "GET / HTTP/1.1\r\nHo");
	run_until(client_connected_or_failed, &slow, 2000);
	uint64_t t0 = sim_ms;

	/* A request trickling in is cut at the request timeout with 408. */
	run_until(client_finished, &slow, (CONFIG_MGMT_HTTP_REQUEST_S + 3) * 1000u);
	assert_true(slow.closed);
	assert_true(sim_ms - t0 >= (uint64_t)CONFIG_MGMT_HTTP_REQUEST_S * 1000u - 1000u);
	assert_non_null(slow.rx);
	assert_true(strncmp((const char *)slow.rx, "HTTP/1.1 408 ", 13) == 0);
	assert_false(idle.closed);

	/* Silent connections are closed at the idle timeout, not before. */
	run_until(client_finished, &idle, (CONFIG_MGMT_HTTP_IDLE_S + 3) * 1000u);
	assert_true(idle.closed);
	assert_true(sim_ms - t0 >= (uint64_t)CONFIG_MGMT_HTTP_IDLE_S * 1000u - 1000u);
	assert_null(idle.rx);
	run_until(client_finished, &tls_idle, 3000);
	assert_true(tls_idle.closed || tls_idle.reset);
	client_close(&idle);
	client_close(&slow);
	client_close(&tls_idle);
	run_until(NULL, NULL, 1000);
	assert_int_equal(stats(f).conns, 0);
}

/* A request the handler has not answered yet (any of the deferred ones). */
static bool one_deferred(void *arg)
{
	struct fixture *f = arg;
	return stats(f).deferred > 0;
}

/*
 * A login whose password check runs over many polls: meanwhile another
 * connection is answered, then the login is answered and the connection
 * keeps serving the pipelined request after it.
 */
static void test_deferred_login(void **state)
{
	struct fixture *f = *state;
	const uint32_t steps =
		(CONFIG_AUTH_PBKDF2_ITER + CONFIG_AUTH_PBKDF2_STEP - 1) / CONFIG_AUTH_PBKDF2_STEP;
	bool first = false;
	char req[512];
	char want[64];
	struct client c, other;

	dauth = auth_create(NULL, dotp, &first);
	assert_non_null(dauth);
	snprintf(req, sizeof(req),
		 "POST /login HTTP/1.1\r\nHost: lt\r\nContent-Length: %d\r\n\r\n%s"
		 "GET /after HTTP/1.1\r\nHost: lt\r\nConnection: close\r\n\r\n",
		 AUTH_OTP_LEN, dotp);
	client_open(&c, &f->pem, 443, req);
	run_until(one_deferred, f, 20000);
	assert_int_equal(stats(f).deferred, 1);
	assert_int_equal(auth_jobs_pending(dauth), 1);

	/* The check does not hold the server: another client is answered meanwhile. */
	client_open(&other, NULL, 80, "GET /x HTTP/1.1\r\nHost: lt\r\n\r\n");
	struct want_text w = {&other, "HTTP/1.1 301 "};
	run_until(client_has, &w, 5000);
	assert_non_null(other.rx);
	assert_null(c.rx);
	assert_int_equal(stats(f).deferred, 1);
	client_close(&other);

	run_until(client_finished, &c, 20000);
	assert_true(c.closed);
	const char *r = (const char *)c.rx;
	assert_non_null(r);
	assert_true(strncmp(r, "HTTP/1.1 200 OK\r\n", 17) == 0);
	snprintf(want, sizeof(want), "{\"rc\":0,\"calls\":%u}", steps - 1);
	assert_non_null(strstr(r, want));
	assert_non_null(strstr(r, "\"path\":\"/after\""));
	assert_int_equal(auth_jobs_pending(dauth), 0);
	client_close(&c);
	run_until(NULL, NULL, 1000);
	assert_int_equal(stats(f).deferred, 0);
	assert_int_equal(stats(f).conns, 0);
	auth_destroy(dauth);
	dauth = NULL;
}

/* A client that leaves mid-check (reset or close) frees the check's slot at once. */
static void test_deferred_client_leaves(void **state)
{
	struct fixture *f = *state;
	bool first = false;
	char req[256];
	struct client c;

	dauth = auth_create(NULL, dotp, &first);
	assert_non_null(dauth);
	snprintf(req, sizeof(req),
		 "POST /login HTTP/1.1\r\nHost: lt\r\nContent-Length: 14\r\n\r\n%s",
		 "wrong password");
	for (int how = 0; how < 2; how++) {
		client_open(&c, &f->pem, 443, req);
		run_until(one_deferred, f, 20000);
		assert_int_equal(auth_jobs_pending(dauth), 1);
		if (how == 0) {
			altcp_abort(c.pcb); /* a reset */
			c.pcb = NULL;
		}
		client_close(&c); /* how == 1: a graceful close (TLS close_notify, FIN) */
		run_until(NULL, NULL, 100);
		assert_int_equal(auth_jobs_pending(dauth), 0);
		assert_int_equal(stats(f).deferred, 0);
		assert_int_equal(stats(f).defer_dropped, (uint64_t)how + 1);
		assert_int_equal(stats(f).conns, 0);
	}
	struct auth_stats as;
	auth_get_stats(dauth, &as);
	assert_int_equal(as.logins_failed, 0); /* an abandoned check is no verdict */
	auth_destroy(dauth);
	dauth = NULL;
}

/* A handler that never answers: 503 with Retry-After at HTTP_DEFER_MAX_MS, its state dropped. */
static void test_deferred_deadline(void **state)
{
	struct fixture *f = *state;
	struct client c;

	never_drops = 0;
	client_open(&c, &f->pem, 443,
		    "GET /never HTTP/1.1\r\nHost: lt\r\n\r\nGET /x HTTP/1.1\r\nHost: lt\r\n"
		    "Connection: close\r\n\r\n");
	run_until(one_deferred, f, 20000);
	uint64_t t0 = sim_ms;
	run_until(client_finished, &c, 3u * HTTP_DEFER_MAX_MS);
	assert_true(c.closed);
	assert_true(sim_ms - t0 >= HTTP_DEFER_MAX_MS - 100);
	const char *r = (const char *)c.rx;
	assert_non_null(r);
	assert_true(strncmp(r, "HTTP/1.1 503 ", 13) == 0);
	assert_non_null(strstr(r, "Retry-After: 1\r\n"));
	assert_non_null(strstr(r, "\"path\":\"/x\"")); /* the connection went on */
	assert_int_equal(never_drops, 1);
	assert_int_equal(stats(f).defer_expired, 1);
	assert_int_equal(stats(f).deferred, 0);
	client_close(&c);
	run_until(NULL, NULL, 1000);
	assert_int_equal(stats(f).conns, 0);
}

struct n_deferred {
	struct fixture *f;
	uint32_t n;
};

static bool n_deferred(void *arg)
{
	struct n_deferred *nd = arg;
	return stats(nd->f).deferred >= nd->n;
}

/* A full pool of password checks answers 503 at once; the checks in progress go on. */
static void test_deferred_pool(void **state)
{
	struct fixture *f = *state;
	bool first = false;
	char req[256];
	static struct client c[CONFIG_AUTH_JOBS + 1];

	dauth = auth_create(NULL, dotp, &first);
	assert_non_null(dauth);
	snprintf(req, sizeof(req),
		 "POST /login HTTP/1.1\r\nHost: lt\r\nContent-Length: 14\r\n\r\n%s",
		 "wrong password");
	for (size_t i = 0; i < CONFIG_AUTH_JOBS; i++) {
		client_open(&c[i], &f->pem, 443, req);
		struct n_deferred nd = {f, (uint32_t)i + 1};
		run_until(n_deferred, &nd, 20000);
		assert_int_equal(stats(f).deferred, i + 1);
		sim_ms += 1000; /* one check per second: under CONFIG_AUTH_HASHES_PER_S */
	}
	assert_int_equal(auth_jobs_pending(dauth), CONFIG_AUTH_JOBS);
	struct client *extra = &c[CONFIG_AUTH_JOBS];
	client_open(extra, &f->pem, 443, req);
	struct want_text w = {extra, "HTTP/1.1 503 "};
	run_until(client_has, &w, 20000);
	assert_non_null(extra->rx);
	assert_true(strncmp((const char *)extra->rx, "HTTP/1.1 503 ", 13) == 0);
	for (size_t i = 0; i < CONFIG_AUTH_JOBS; i++) {
		assert_null(c[i].rx);
		assert_false(c[i].reset);
	}
	for (size_t i = 0; i <= CONFIG_AUTH_JOBS; i++) {
		client_close(&c[i]);
	}
	run_until(NULL, NULL, 1000);
	assert_int_equal(auth_jobs_pending(dauth), 0);
	assert_int_equal(stats(f).conns, 0);
	auth_destroy(dauth);
	dauth = NULL;
}

/* A deferred request is being answered: never evicted for a newcomer, though oldest. */
static void test_deferred_not_evicted(void **state)
{
	struct fixture *f = *state;
	static struct client c[CONFIG_MGMT_HTTP_CONNS + 1];

	never_drops = 0;
	client_open(&c[0], &f->pem, 443, "GET /never HTTP/1.1\r\nHost: lt\r\n\r\n");
	run_until(one_deferred, f, 20000);
	for (size_t i = 1; i < CONFIG_MGMT_HTTP_CONNS; i++) {
		client_open(&c[i], NULL, 80, NULL);
		run_until(client_connected_or_failed, &c[i], 5000);
		assert_true(c[i].connected);
	}
	run_until(NULL, NULL, 1000);
	assert_int_equal(stats(f).conns, CONFIG_MGMT_HTTP_CONNS);
	struct client *extra = &c[CONFIG_MGMT_HTTP_CONNS];
	client_open(extra, NULL, 80, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	run_until(client_finished, extra, 2000);
	assert_non_null(extra->rx);
	assert_false(c[0].reset);
	assert_true(c[1].reset); /* the oldest silent one */
	assert_int_equal(stats(f).evicted, 1);
	assert_int_equal(stats(f).deferred, 1);
	assert_int_equal(never_drops, 0);
	for (size_t i = 0; i <= CONFIG_MGMT_HTTP_CONNS; i++) {
		client_close(&c[i]);
	}
	run_until(NULL, NULL, 1000);
	assert_int_equal(never_drops, 1);
	assert_int_equal(stats(f).conns, 0);
}

static void test_tls_identity_persisted(void **state)
{
	struct fixture *f = *state;
	struct mgmt_tls_pem first = f->pem;

	/* First start wrote both objects once; the next start loads them. */
	assert_int_equal(f->ms.writes, 2);
	assert_non_null(strstr((const char *)first.key, "-----BEGIN EC PRIVATE KEY-----"));
	assert_non_null(strstr((const char *)first.crt, "-----BEGIN CERTIFICATE-----"));
	mgmt_httpd_stop(f->h);
	server_start(f, &f->st);
	assert_int_equal(f->ms.writes, 2);
	stor_pem(f);
	assert_int_equal(f->pem.crt_len, first.crt_len);
	assert_memory_equal(f->pem.crt, first.crt, first.crt_len);

	/* The restarted server presents that same certificate: the pinned client gets in. */
	struct client c;
	client_open(&c, &first, 443, "GET /again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	run_until(client_finished, &c, 20000);
	assert_true(c.connected);
	assert_non_null(c.rx);
	assert_non_null(strstr((const char *)c.rx, "\"path\":\"/again\""));
	client_close(&c);

	/* A corrupt stored key is replaced by a new pair, which is saved. */
	int k = mem_find(&f->ms, "tls.key");
	f->ms.data[k][40] ^= 0x55;
	mgmt_httpd_stop(f->h);
	server_start(f, &f->st);
	assert_int_equal(f->ms.writes, 4);
	stor_pem(f);
	assert_true(f->pem.crt_len != first.crt_len ||
		    memcmp(f->pem.crt, first.crt, first.crt_len) != 0);

	/* And a client pinned to the old certificate is refused by the new one. */
	client_open(&c, &first, 443, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	run_until(client_finished, &c, 20000);
	assert_true(c.untrusted);
	assert_false(c.connected);
	assert_null(c.rx);
	client_close(&c);
}

static void test_tls_without_stor(void **state)
{
	(void)state;
	struct mgmt_tls_pem *a = malloc(sizeof(*a));
	struct mgmt_tls_pem *b = malloc(sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	/* Per-boot identities: valid, different each time, named after the host. */
	assert_int_equal(mgmt_tls_identity(NULL, "office-box", a), 0);
	assert_int_equal(mgmt_tls_identity(NULL, "bad name/with,comma", b), 0);
	assert_true(a->crt_len != b->crt_len || memcmp(a->crt, b->crt, a->crt_len) != 0);
	struct altcp_tls_config *cfg = NULL;
	assert_int_equal(mgmt_tls_server_config(a, &cfg), 0);
	assert_non_null(cfg);
	mgmt_tls_free_config(cfg);
	struct mgmt_tls_pem empty = {.key_len = 0};
	assert_int_equal(mgmt_tls_server_config(&empty, &cfg), -EINVAL);
	free(a);
	free(b);
}

/* Storage that fails: the server still starts, and a good stored pair is never overwritten. */
static void test_tls_stor_failures(void **state)
{
	(void)state;
	static struct mem_stor ms;
	struct stor st;
	struct mgmt_tls_pem *a = malloc(sizeof(*a));
	struct mgmt_tls_pem *b = malloc(sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	memset(&ms, 0, sizeof(ms));
	stor_init(&st, &mem_ops, "mem");
	st.priv = &ms;

	/* Writes fail: a pair for this boot, nothing saved. */
	ms.fail_write = -ENOSPC;
	assert_int_equal(mgmt_tls_identity(&st, "box", a), 0);
	assert_true(a->key_len > 0 && a->crt_len > 0);
	assert_int_equal(ms.writes, 0);

	/* Saved once; then reads fail with -EIO: a new pair for this boot, the saved one stays. */
	ms.fail_write = 0;
	assert_int_equal(mgmt_tls_identity(&st, "box", a), 0);
	assert_int_equal(ms.writes, 2);
	ms.fail_read = -EIO;
	assert_int_equal(mgmt_tls_identity(&st, "box", b), 0);
	assert_int_equal(ms.writes, 2);
	ms.fail_read = 0;
	assert_int_equal(mgmt_tls_identity(&st, "box", b), 0);
	assert_int_equal(b->crt_len, a->crt_len);
	assert_memory_equal(b->crt, a->crt, a->crt_len);

	/* A stored key with a NUL inside is not trusted: replaced and saved. */
	int k = mem_find(&ms, "tls.key");
	ms.data[k][10] = 0;
	assert_int_equal(mgmt_tls_identity(&st, "box", b), 0);
	assert_int_equal(ms.writes, 4);
	free(a);
	free(b);
}

int main(void)
{
	ip4_addr_t ip;
	ip4_addr_t mask;
	ip4_addr_t gw;

	lwip_init();
	IP4_ADDR(&ip, 192, 0, 2, 2);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	assert_non_null(netif_add(&nif, &ip, &mask, &gw, NULL, wire_netif_init, ip_input));
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_https_get_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_body_and_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_redirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_400_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood_slow_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_client_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_not_evicted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_identity_persisted, setup, teardown),
		cmocka_unit_test(test_tls_without_stor),
		cmocka_unit_test(test_tls_stor_failures),
	};
	int rc = cmocka_run_group_tests_name("httpd", tests, NULL, NULL);
	altcp_tls_free_entropy();
	netif_remove(&nif);
	return rc;
}
