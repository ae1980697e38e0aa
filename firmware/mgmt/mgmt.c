/*
 * Life cycle and status of the management stack (see mgmt.h).
 *
 * lwIP is initialised once per process and never torn down (it has no
 * deinit); mgmt_create() adds the appliance's netif to it and
 * mgmt_destroy() removes that netif again, so tests can create and
 * destroy instances one after another.
 */
#include "mgmt.h"

#include <stdlib.h>
#include <string.h>

#include "brd.h"
#include "mgmt_int.h"

#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "mgmt_export.h"
#if LWIP_MDNS_RESPONDER
#include "lwip/apps/mdns.h"
#endif

/*
 * lwIP's own state is global, so these two are too: whether lwip_init()
 * ran, and the instance lwIP's global callbacks (SNTP) report to.
 */
static bool lwip_ready;
static struct mgmt *current;

struct mgmt *mgmt_current(void)
{
	return current;
}

static void lwip_once(void)
{
	if (lwip_ready) {
		return;
	}
	lwip_init();
#if LWIP_MDNS_RESPONDER
	mdns_resp_init();
#endif
	lwip_ready = true;
}

#ifdef CONFIG_TEST_FAULTS
/*
 * Test builds listen on TCP port 9 (discard, RFC 863): lab tests need a
 * listener to tell a connection refused at the wan port from one that
 * reached the stack, and must not depend on the web server being built.
 */
static err_t discard_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)err;
	if (p == NULL) {
		tcp_close(pcb);
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static err_t discard_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK || pcb == NULL) {
		return ERR_VAL;
	}
	tcp_recv(pcb, discard_recv);
	return ERR_OK;
}

static void discard_start(struct mgmt *m)
{
	struct tcp_pcb *p = tcp_new_ip_type(IPADDR_TYPE_ANY);
	if (p == NULL || tcp_bind(p, IP_ANY_TYPE, 9) != ERR_OK) {
		if (p != NULL) {
			tcp_close(p);
		}
		return;
	}
	m->test_listener = tcp_listen(p);
	if (m->test_listener == NULL) {
		tcp_close(p);
		return;
	}
	tcp_accept(m->test_listener, discard_accept);
}
#endif

static int httpd_start(struct mgmt *m)
{
	if (m->p.http == NULL) {
		return 0;
	}
	struct mgmt_httpd_params hp = {
		.http = m->p.http,
		.http_ctx = m->p.http_ctx,
		.stor = m->p.stor,
		.hostname = m->ac.hostname,
		.from_wan = mgmt_peer_from_wan,
		.from_wan_ctx = m,
	};
	return mgmt_httpd_start(&hp, &m->httpd);
}

struct mgmt *mgmt_create(const struct mgmt_params *p)
{
	if (p == NULL || p->cfg == NULL || p->tx == NULL || current != NULL) {
		return NULL;
	}
	struct mgmt *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return NULL;
	}
	lwip_once();
	m->p = *p;
	m->cfg = p->cfg;
	mgmt_addr_cfg_copy(&m->ac, p->cfg);
	if (netif_add_noaddr(&m->nif, m, mgmt_netif_init, ethernet_input) == NULL) {
		free(m);
		return NULL;
	}
	current = m;
	netif_set_default(&m->nif);
	netif_set_up(&m->nif);
#if LWIP_IPV6
	/* fe80::/64 from the MAC, checked for duplicates before use. */
	netif_create_ip6_linklocal_address(&m->nif, 1);
	netif_set_ip6_autoconfig_enabled(&m->nif, 1);
#endif
#ifdef CONFIG_TEST_FAULTS
	discard_start(m);
#endif
	m->exp = mgmt_export_create(p->cfg);
	if (m->exp == NULL || mgmt_addr_start(m) != 0 || httpd_start(m) != 0) {
		mgmt_destroy(m);
		return NULL;
	}
	return m;
}

void mgmt_destroy(struct mgmt *m)
{
	if (m == NULL) {
		return;
	}
	if (m->httpd != NULL) {
		mgmt_httpd_stop(m->httpd);
	}
#ifdef CONFIG_TEST_FAULTS
	if (m->test_listener != NULL) {
		tcp_close(m->test_listener);
	}
#endif
	mgmt_export_destroy(m->exp);
	/* Going away is not an address loss worth a log line. */
	netif_set_status_callback(&m->nif, NULL);
	mgmt_addr_stop(m);
	netif_remove(&m->nif);
	if (current == m) {
		current = NULL;
	}
	free(m);
}

void mgmt_poll(struct mgmt *m)
{
	if (m == NULL) {
		return;
	}
	sys_check_timeouts();
	mgmt_httpd_tick(m->httpd);
	mgmt_addr_poll(m);
	mgmt_export_poll(m->exp, ip4_addr_get_u32(netif_ip4_addr(&m->nif)) != 0);
}

uint32_t mgmt_sleep_ms(const struct mgmt *m)
{
	if (m == NULL) {
		return UINT32_MAX;
	}
	if (mgmt_httpd_busy(m->httpd)) {
		return 0; /* a deferred request (password check) advances every pass */
	}
	uint32_t t = sys_timeouts_sleeptime();
	uint32_t a = mgmt_addr_sleep_ms(m);
	return a < t ? a : t;
}

void mgmt_set_cfg(struct mgmt *m, const struct cfg *cfg)
{
	if (m == NULL || cfg == NULL) {
		return;
	}
	struct mgmt_addr_cfg ac;
	mgmt_addr_cfg_copy(&ac, cfg);
	m->cfg = cfg; /* from_wan is read from here on every connection attempt */
	mgmt_export_set_cfg(m->exp, cfg);
	if (memcmp(&ac, &m->ac, sizeof(ac)) == 0) {
		return;
	}
	/* Addressing changed: start over, as after a reboot, with the new settings. */
	mgmt_log(m, "mgmt: addressing changed, restarting DHCP/static, mDNS and SNTP");
	mgmt_addr_stop(m);
	m->ac = ac;
	netif_set_hostname(&m->nif, m->ac.hostname);
	if (mgmt_addr_start(m) != 0) {
		mgmt_log(m, "mgmt: out of memory restarting the addressing");
	}
}

uint64_t mgmt_wall_us(const struct mgmt *m)
{
	if (m == NULL || !m->time_synced) {
		return brd_wall_us();
	}
	return m->time_sync_us + (brd_now_us() - m->time_sync_mono_us);
}

void mgmt_get_status(const struct mgmt *m, struct mgmt_status *st)
{
	memset(st, 0, sizeof(*st));
	if (m == NULL) {
		return;
	}
	uint32_t a = ip4_addr_get_u32(netif_ip4_addr(&m->nif));
	uint32_t gw = ip4_addr_get_u32(netif_ip4_gw(&m->nif));
	st->has_addr = a != 0;
	st->from_dhcp = dhcp_supplied_address(&m->nif) != 0;
	memcpy(st->addr, &a, 4);
	memcpy(st->gateway, &gw, 4);
	st->prefix =
		st->has_addr ? mgmt_prefix_len(ip4_addr_get_u32(netif_ip4_netmask(&m->nif))) : 0;
	memcpy(st->hostname, m->ac.hostname, sizeof(st->hostname));
	st->time_synced = m->time_synced;
	st->time_sync_us = m->time_sync_us;
	memcpy(st->mac, m->p.mac, 6);
	st->rx_frames = m->rx_frames;
	st->tx_frames = m->tx_frames;
	st->refused_wan = m->refused_wan;
	if (m->httpd != NULL) {
		struct mgmt_httpd_stats hs;
		mgmt_httpd_get_stats(m->httpd, &hs);
		st->http_conns = hs.conns;
		st->http_requests = hs.requests;
		st->http_rejected = hs.rejected;
	}
	struct mgmt_export_stats xs;
	mgmt_export_get_stats(m->exp, &xs);
	st->syslog_up = xs.syslog_up;
	st->mqtt_up = xs.mqtt_up;
	st->export_queued = xs.syslog_queued + xs.mqtt_queued;
	st->export_sent = xs.syslog_sent + xs.mqtt_sent;
	st->export_dropped = xs.dropped;
}

void mgmt_export_alert_line(struct mgmt *m, const char *line, size_t len)
{
	if (m != NULL) {
		mgmt_export_alert(m->exp, line, len);
	}
}

void mgmt_export_status_doc(struct mgmt *m, const char *json, size_t len)
{
	if (m != NULL) {
		mgmt_export_status(m->exp, json, len);
	}
}
