/*
 * Syslog and MQTT export through lwIP (mgmt_export.h). Everything runs in
 * the loop: mgmt_export_poll() resolves targets, (re)connects with a
 * back-off and moves queued messages out; lwIP's callbacks only record
 * what happened.
 */
#include "mgmt_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/apps/mqtt.h"
#include "lwip/dns.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/udp.h"

#define MX_QUEUE_BYTES (CONFIG_MGMT_EXPORT_QUEUE_KB * 1024)
#define MX_RETRY_MS    (CONFIG_MGMT_EXPORT_RETRY_S * 1000u)
#define MX_MSG_MAX     4096 /* the engine writes alert lines of at most 4095 bytes */
#define MX_SYSLOG_MAX  8192 /* escaping in SD values can double a field */
#define MX_STATUS_MAX  1024

/* One remote endpoint: its name, the address once resolved, and when to try again. */
struct mx_target {
	char host[CFG_NAME_MAX + 1];
	uint16_t port;
	ip_addr_t addr;
	bool resolved;
	bool resolving;
	uint32_t next_try_ms;
	uint32_t attempts;
};

enum mx_conn {
	MX_DOWN = 0,
	MX_CONNECTING,
	MX_UP
};

struct mgmt_export {
	char hostname[64];
	/* syslog */
	struct mx_target sl;
	bool sl_tcp;
	struct udp_pcb *udp;
	struct altcp_pcb *tcp;
	enum mx_conn tcp_state;
	size_t tcp_handed; /* queued messages written to TCP, not yet all acknowledged */
	size_t tcp_acked;  /* bytes TCP acknowledged that do not yet complete a message */
	struct exp_queue slq;
	/* MQTT */
	struct mx_target mq;
	char prefix[65];
	char topic_alert[160];
	char topic_status[160];
	char client_id[80];
	mqtt_client_t *mqc;
	enum mx_conn mq_state;
	bool mq_busy; /* an alert is published and waits for its PUBACK */
	bool status_dirty;
	bool status_busy;
	char status[MX_STATUS_MAX];
	size_t status_len;
	struct exp_queue mqq;
	struct mgmt_export_stats st;
	uint32_t slmem[MX_QUEUE_BYTES / 4];
	uint32_t mqmem[MX_QUEUE_BYTES / 4];
	char msg[MX_SYSLOG_MAX];
};

static void target_set(struct mx_target *t, const struct cfg_target *c)
{
	if (strcmp(t->host, c->host) == 0 && t->port == c->port) {
		return;
	}
	memset(t, 0, sizeof(*t));
	snprintf(t->host, sizeof(t->host), "%s", c->host);
	t->port = c->port;
}

static void on_resolved(const char *name, const ip_addr_t *addr, void *arg)
{
	struct mx_target *t = arg;
	(void)name;
	t->resolving = false;
	if (addr != NULL) {
		ip_addr_copy(t->addr, *addr);
		t->resolved = true;
	} else {
		t->next_try_ms = sys_now() + MX_RETRY_MS;
	}
}

/* Start or finish resolving; true when t->addr is usable. */
static bool target_ready(struct mx_target *t)
{
	if (t->host[0] == '\0') {
		return false;
	}
	if (t->resolved) {
		return true;
	}
	if (t->resolving || (int32_t)(sys_now() - t->next_try_ms) < 0) {
		return false;
	}
	if (ipaddr_aton(t->host, &t->addr)) {
		t->resolved = true;
		return true;
	}
	t->resolving = true;
	err_t e = dns_gethostbyname(t->host, &t->addr, on_resolved, t);
	if (e == ERR_OK) {
		t->resolving = false;
		t->resolved = true;
	} else if (e != ERR_INPROGRESS) {
		t->resolving = false;
		t->next_try_ms = sys_now() + MX_RETRY_MS;
	}
	return t->resolved;
}

/* Back off after a failed or lost connection; the address is looked up again. */
static void target_retry(struct mgmt_export *x, struct mx_target *t)
{
	t->next_try_ms = sys_now() + MX_RETRY_MS;
	t->resolved = false;
	x->st.reconnects++;
}

/* --- syslog ------------------------------------------------------------ */

/* Bytes a message takes on a TCP stream: "LEN SP MSG" (RFC 6587 octet counting). */
static size_t framed_len(size_t len)
{
	char d[24];
	return (size_t)snprintf(d, sizeof(d), "%zu ", len) + len;
}

/* Close the syslog connection; ERR_ABRT when it had to be aborted instead. */
static err_t tcp_down(struct mgmt_export *x)
{
	err_t r = ERR_OK;
	if (x->tcp != NULL) {
		altcp_arg(x->tcp, NULL);
		altcp_recv(x->tcp, NULL);
		altcp_sent(x->tcp, NULL);
		altcp_err(x->tcp, NULL);
		if (altcp_close(x->tcp) != ERR_OK) {
			altcp_abort(x->tcp);
			r = ERR_ABRT;
		}
		x->tcp = NULL;
	}
	x->tcp_state = MX_DOWN;
	/* What was written but not acknowledged goes again on the next connection. */
	x->tcp_handed = 0;
	x->tcp_acked = 0;
	return r;
}

static void on_tcp_err(void *arg, err_t err)
{
	struct mgmt_export *x = arg;
	(void)err;
	x->tcp = NULL; /* lwIP has freed the pcb */
	(void)tcp_down(x);
	target_retry(x, &x->sl);
}

static err_t on_tcp_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	struct mgmt_export *x = arg;
	size_t mlen;
	(void)pcb;
	x->tcp_acked += len;
	for (;;) {
		size_t pos = 0;
		if (x->tcp_handed == 0 || exp_queue_walk(&x->slq, &pos, &mlen) == NULL ||
		    framed_len(mlen) > x->tcp_acked) {
			break;
		}
		x->tcp_acked -= framed_len(mlen);
		exp_queue_pop(&x->slq);
		x->tcp_handed--;
		x->st.syslog_sent++;
	}
	return ERR_OK;
}

static err_t on_tcp_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct mgmt_export *x = arg;
	(void)err;
	if (p == NULL) {
		/* The collector closed the connection. */
		target_retry(x, &x->sl);
		return tcp_down(x);
	}
	/* A syslog collector sends nothing; whatever comes is read and ignored. */
	altcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t on_tcp_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct mgmt_export *x = arg;
	(void)pcb;
	(void)err;
	x->tcp_state = MX_UP;
	x->sl.attempts = 0;
	return ERR_OK;
}

static void tcp_connect(struct mgmt_export *x)
{
	x->tcp = altcp_tcp_new_ip_type(IP_GET_TYPE(&x->sl.addr));
	if (x->tcp == NULL) {
		target_retry(x, &x->sl);
		return;
	}
	altcp_arg(x->tcp, x);
	altcp_err(x->tcp, on_tcp_err);
	altcp_recv(x->tcp, on_tcp_recv);
	altcp_sent(x->tcp, on_tcp_sent);
	x->tcp_state = MX_CONNECTING;
	x->sl.attempts++;
	if (altcp_connect(x->tcp, &x->sl.addr, x->sl.port, on_tcp_connected) != ERR_OK) {
		(void)tcp_down(x);
		target_retry(x, &x->sl);
	}
}

/* Write queued messages the connection has not had yet, as far as the send buffer allows. */
static void tcp_push(struct mgmt_export *x)
{
	size_t pos = x->tcp_handed, mlen;
	const uint8_t *m;
	bool wrote = false;
	while ((m = exp_queue_walk(&x->slq, &pos, &mlen)) != NULL) {
		char pre[24];
		int n = snprintf(pre, sizeof(pre), "%zu ", mlen);
		if (altcp_sndbuf(x->tcp) < (size_t)n + mlen ||
		    altcp_write(x->tcp, pre, (u16_t)n, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE) !=
			    ERR_OK) {
			break;
		}
		if (altcp_write(x->tcp, m, (u16_t)mlen, TCP_WRITE_FLAG_COPY) != ERR_OK) {
			/* The prefix went alone: the stream is now out of step; start over. */
			(void)tcp_down(x);
			target_retry(x, &x->sl);
			return;
		}
		x->tcp_handed++;
		wrote = true;
	}
	if (wrote) {
		altcp_output(x->tcp);
	}
}

static void udp_push(struct mgmt_export *x)
{
	size_t pos, mlen;
	const uint8_t *m;
	if (x->udp == NULL) {
		x->udp = udp_new_ip_type(IPADDR_TYPE_ANY);
		if (x->udp == NULL) {
			return;
		}
	}
	while (pos = 0, (m = exp_queue_walk(&x->slq, &pos, &mlen)) != NULL) {
		struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)mlen, PBUF_RAM);
		if (p == NULL) {
			return;
		}
		memcpy(p->payload, m, mlen);
		err_t e = udp_sendto(x->udp, p, &x->sl.addr, x->sl.port);
		pbuf_free(p);
		if (e != ERR_OK) {
			return; /* no route or no memory now: the message stays queued */
		}
		exp_queue_pop(&x->slq);
		x->st.syslog_sent++;
	}
}

static void syslog_poll(struct mgmt_export *x)
{
	if (!target_ready(&x->sl)) {
		return;
	}
	if (!x->sl_tcp) {
		udp_push(x);
		return;
	}
	if (x->tcp_state == MX_DOWN && (int32_t)(sys_now() - x->sl.next_try_ms) >= 0) {
		tcp_connect(x);
	}
	if (x->tcp_state == MX_UP) {
		tcp_push(x);
	}
}

/* --- MQTT -------------------------------------------------------------- */

static void on_mq_published(void *arg, err_t err)
{
	struct mgmt_export *x = arg;
	x->mq_busy = false;
	if (err == ERR_OK) {
		exp_queue_pop(&x->mqq);
		x->st.mqtt_sent++;
	}
	/* ERR_TIMEOUT: no PUBACK in time; the alert stays first in the queue and goes again. */
}

static void on_mq_status(void *arg, err_t err)
{
	struct mgmt_export *x = arg;
	x->status_busy = false;
	if (err != ERR_OK) {
		x->status_dirty = true;
	}
}

static void on_mq_conn(mqtt_client_t *c, void *arg, mqtt_connection_status_t status)
{
	struct mgmt_export *x = arg;
	(void)c;
	if (status == MQTT_CONNECT_ACCEPTED) {
		x->mq_state = MX_UP;
		x->mq.attempts = 0;
		x->status_dirty = true; /* the retained status says "online" again */
		return;
	}
	/*
	 * Refused or lost. lwIP drops its pending requests without calling
	 * them back, so what was in flight is simply sent again later.
	 */
	x->mq_state = MX_DOWN;
	x->mq_busy = false;
	x->status_busy = false;
	target_retry(x, &x->mq);
}

static void mq_connect(struct mgmt_export *x)
{
	static const char will[] = "{\"state\":\"offline\"}";
	struct mqtt_connect_client_info_t ci = {
		.client_id = x->client_id,
		.keep_alive = CONFIG_MGMT_MQTT_KEEPALIVE_S,
		.will_topic = x->topic_status,
		.will_msg = will,
		.will_qos = 1,
		.will_retain = 1,
	};
	if (x->mqc == NULL && (x->mqc = mqtt_client_new()) == NULL) {
		target_retry(x, &x->mq);
		return;
	}
	x->mq_state = MX_CONNECTING;
	x->mq.attempts++;
	if (mqtt_client_connect(x->mqc, &x->mq.addr, x->mq.port, on_mq_conn, x, &ci) != ERR_OK) {
		x->mq_state = MX_DOWN;
		target_retry(x, &x->mq);
	}
}

static void mq_push(struct mgmt_export *x)
{
	if (x->status_dirty && !x->status_busy && x->status_len > 0) {
		if (mqtt_publish(x->mqc, x->topic_status, x->status, (u16_t)x->status_len, 1, 1,
				 on_mq_status, x) == ERR_OK) {
			x->status_dirty = false;
			x->status_busy = true;
		}
	}
	/* One alert in flight at a time keeps them in order across reconnects. */
	size_t pos = 0, mlen;
	const uint8_t *m = exp_queue_walk(&x->mqq, &pos, &mlen);
	if (!x->mq_busy && m != NULL &&
	    mqtt_publish(x->mqc, x->topic_alert, m, (u16_t)mlen, 1, 0, on_mq_published, x) ==
		    ERR_OK) {
		x->mq_busy = true;
	}
}

static void mqtt_poll(struct mgmt_export *x)
{
	if (!target_ready(&x->mq)) {
		return;
	}
	if (x->mq_state == MX_DOWN && (int32_t)(sys_now() - x->mq.next_try_ms) >= 0) {
		mq_connect(x);
	}
	if (x->mq_state == MX_UP) {
		mq_push(x);
	}
}

/* --- the module -------------------------------------------------------- */

static void set_topics(struct mgmt_export *x)
{
	snprintf(x->topic_alert, sizeof(x->topic_alert), "%s/%s/alert", x->prefix, x->hostname);
	snprintf(x->topic_status, sizeof(x->topic_status), "%s/%s/status", x->prefix, x->hostname);
	snprintf(x->client_id, sizeof(x->client_id), "leaktap-%s", x->hostname);
}

struct mgmt_export *mgmt_export_create(const struct cfg *cfg)
{
	struct mgmt_export *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		return NULL;
	}
	exp_queue_init(&x->slq, x->slmem, sizeof(x->slmem));
	exp_queue_init(&x->mqq, x->mqmem, sizeof(x->mqmem));
	mgmt_export_set_cfg(x, cfg);
	return x;
}

static void mq_down(struct mgmt_export *x)
{
	if (x->mqc != NULL) {
		mqtt_disconnect(x->mqc);
		mqtt_client_free(x->mqc);
		x->mqc = NULL;
	}
	x->mq_state = MX_DOWN;
	x->mq_busy = false;
	x->status_busy = false;
}

void mgmt_export_destroy(struct mgmt_export *x)
{
	if (x == NULL) {
		return;
	}
	(void)tcp_down(x);
	mq_down(x);
	if (x->udp != NULL) {
		udp_remove(x->udp);
	}
	free(x);
}

void mgmt_export_set_cfg(struct mgmt_export *x, const struct cfg *cfg)
{
	bool name_changed = strcmp(x->hostname, cfg->mgmt.hostname) != 0 ||
			    strcmp(x->prefix, cfg->mqtt.topic_prefix) != 0;
	struct mx_target old_sl = x->sl, old_mq = x->mq;
	bool old_tcp = x->sl_tcp;
	snprintf(x->hostname, sizeof(x->hostname), "%s", cfg->mgmt.hostname);
	snprintf(x->prefix, sizeof(x->prefix), "%s",
		 cfg->mqtt.topic_prefix[0] != '\0' ? cfg->mqtt.topic_prefix : "leaktap");
	set_topics(x);
	target_set(&x->sl, &cfg->syslog.target);
	target_set(&x->mq, &cfg->mqtt.target);
	x->sl_tcp = cfg->syslog.tcp;
	if (strcmp(old_sl.host, x->sl.host) != 0 || old_sl.port != x->sl.port ||
	    old_tcp != x->sl_tcp) {
		(void)tcp_down(x);
	}
	if (strcmp(old_mq.host, x->mq.host) != 0 || old_mq.port != x->mq.port || name_changed) {
		mq_down(x);
	}
}

void mgmt_export_alert(struct mgmt_export *x, const char *line, size_t len)
{
	if (len > MX_MSG_MAX) {
		/* Larger than MQTT's output ring could ever take: it would block the queue. */
		x->st.dropped++;
		return;
	}
	if (x->sl.host[0] != '\0') {
		int n = exp_syslog_alert(line, len, x->hostname, x->msg, sizeof(x->msg));
		if (n > 0) {
			(void)exp_queue_push(&x->slq, x->msg, (size_t)n);
		} else {
			x->st.dropped++; /* not an alert object, or too long even for this buffer */
		}
	}
	if (x->mq.host[0] != '\0') {
		(void)exp_queue_push(&x->mqq, line, len);
	}
}

void mgmt_export_status(struct mgmt_export *x, const char *json, size_t len)
{
	if (len >= sizeof(x->status) ||
	    (len == x->status_len && memcmp(x->status, json, len) == 0)) {
		return;
	}
	memcpy(x->status, json, len);
	x->status_len = len;
	x->status_dirty = true;
}

void mgmt_export_poll(struct mgmt_export *x, bool have_addr)
{
	if (!have_addr) {
		return;
	}
	syslog_poll(x);
	mqtt_poll(x);
}

void mgmt_export_get_stats(const struct mgmt_export *x, struct mgmt_export_stats *st)
{
	*st = x->st;
	st->syslog_up = x->sl_tcp ? x->tcp_state == MX_UP : x->sl.resolved;
	st->mqtt_up = x->mq_state == MX_UP;
	st->syslog_queued = x->slq.count;
	st->mqtt_queued = x->mqq.count;
	st->dropped = x->st.dropped + x->slq.dropped + x->mqq.dropped;
}
