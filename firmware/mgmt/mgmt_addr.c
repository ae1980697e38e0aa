/*
 * Addressing of the management stack: DHCP client with the static
 * fallback of cfg.mgmt, DNS servers, the mDNS responder and SNTP.
 *
 * The office router is usually on the wan side, so DHCP runs first; when
 * no lease came within CONFIG_MGMT_DHCP_TIMEOUT_S and an address is
 * configured, that address is put on the netif while DHCP keeps asking,
 * and a lease that arrives later replaces it. Every address change goes
 * through one status callback, which logs it once and (re)starts SNTP.
 */
#include "mgmt_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "brd.h"

#include "lwip/dns.h"
#include "lwip/ip4_addr.h"
#if LWIP_MDNS_RESPONDER
#include "lwip/apps/mdns.h"
#endif
#ifdef CONFIG_MGMT_SNTP
#include "lwip/apps/sntp.h"
#endif

void mgmt_log(const struct mgmt *m, const char *fmt, ...)
{
	if (m->p.log == NULL) {
		return;
	}
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	m->p.log(m->p.log_ctx, line);
}

void mgmt_addr_cfg_copy(struct mgmt_addr_cfg *ac, const struct cfg *c)
{
	memset(ac, 0, sizeof(*ac));
	ac->dhcp = c->mgmt.dhcp;
	ac->has_address = c->mgmt.has_address && c->mgmt.address.family == 4;
	memcpy(ac->addr, c->mgmt.address.addr, 4);
	ac->prefix = c->mgmt.address.prefix;
	ac->has_gateway = c->mgmt.has_gateway;
	memcpy(ac->gateway, c->mgmt.gateway, 4);
	ac->has_dns = c->mgmt.has_dns;
	ac->dns = c->mgmt.dns;
	/* Both strings are NUL-terminated within their arrays by cfg's parser. */
	memcpy(ac->hostname, c->mgmt.hostname, sizeof(ac->hostname));
	ac->hostname[sizeof(ac->hostname) - 1] = '\0';
	if (ac->hostname[0] == '\0') {
		memcpy(ac->hostname, "leaktap", sizeof("leaktap"));
	}
	memcpy(ac->ntp, c->mgmt.ntp, sizeof(ac->ntp));
	ac->ntp[sizeof(ac->ntp) - 1] = '\0';
}

static void ip4_from(ip4_addr_t *a, const uint8_t *b)
{
	IP4_ADDR(a, b[0], b[1], b[2], b[3]);
}

uint8_t mgmt_prefix_len(uint32_t mask_be)
{
	uint32_t h = lwip_ntohl(mask_be);
	uint8_t n = 0;
	while (n < 32 && (h & (0x80000000u >> n)) != 0) {
		n++;
	}
	return n;
}

static void apply_static(struct mgmt *m)
{
	ip4_addr_t a, mask, gw;
	ip4_from(&a, m->ac.addr);
	uint32_t h = m->ac.prefix == 0 ? 0 : 0xffffffffu << (32 - m->ac.prefix);
	ip4_addr_set_u32(&mask, lwip_htonl(h));
	ip4_addr_set_zero(&gw);
	if (m->ac.has_gateway) {
		ip4_from(&gw, m->ac.gateway);
	}
	m->static_applied = true;
	netif_set_addr(&m->nif, &a, &mask, &gw);
}

/* The configured DNS server overrides what DHCP announced. */
static void apply_dns(struct mgmt *m)
{
	if (!m->ac.has_dns) {
		return;
	}
	ip_addr_t d;
#if LWIP_IPV6
	if (m->ac.dns.family == 6) {
		ip_addr_set_zero_ip6(&d);
		memcpy(ip_2_ip6(&d)->addr, m->ac.dns.addr, 16);
		dns_setserver(0, &d);
		return;
	}
#endif
	if (m->ac.dns.family == 4) {
		ip_addr_set_zero_ip4(&d);
		ip4_from(ip_2_ip4(&d), m->ac.dns.addr);
		dns_setserver(0, &d);
	}
}

/*
 * Before DHCP starts: the servers option 42 announces are taken only when
 * the mode says so at the moment the ACK arrives.
 */
static void sntp_configure(struct mgmt *m)
{
#ifdef CONFIG_MGMT_SNTP
	sntp_setoperatingmode(SNTP_OPMODE_POLL);
	if (m->ac.ntp[0] != '\0') {
		sntp_servermode_dhcp(0);
		sntp_setservername(0, m->ac.ntp);
	} else {
		/* No server configured: use the one DHCP announces, if any. */
		sntp_setservername(0, NULL);
		sntp_servermode_dhcp(1);
	}
#else
	(void)m;
#endif
}

/* Once there is an address: the first request goes out within SNTP_STARTUP_DELAY. */
static void sntp_start(struct mgmt *m)
{
#ifdef CONFIG_MGMT_SNTP
	if (!m->sntp_on) {
		sntp_init();
		m->sntp_on = true;
	}
#else
	(void)m;
#endif
}

/* Called by lwIP whenever the netif's IPv4 address (or up state) changes. */
static void on_status(struct netif *nif)
{
	struct mgmt *m = nif->state;
	uint32_t a = ip4_addr_get_u32(netif_ip4_addr(nif));
	if (a == m->last_addr) {
		return;
	}
	m->last_addr = a;
	if (a == 0) {
		mgmt_log(m, "mgmt: address lost");
		if (m->dhcp_running && m->ac.has_address) {
			m->fallback_ms =
				brd_now_ms() + (uint64_t)CONFIG_MGMT_DHCP_TIMEOUT_S * 1000u;
		}
		return;
	}
	bool dhcp = dhcp_supplied_address(nif) != 0;
	if (dhcp) {
		m->static_applied = false;
	}
	m->fallback_ms = 0;
	const uint8_t *b = (const uint8_t *)&a;
	mgmt_log(m, "mgmt: %u.%u.%u.%u/%u %s", b[0], b[1], b[2], b[3],
		 mgmt_prefix_len(ip4_addr_get_u32(netif_ip4_netmask(nif))),
		 dhcp ? "from DHCP" : "static");
	apply_dns(m);
	sntp_start(m);
}

static int mdns_start(struct mgmt *m)
{
#if LWIP_MDNS_RESPONDER
	if (mdns_resp_add_netif(&m->nif, m->ac.hostname, CONFIG_MGMT_MDNS_TTL_S) != ERR_OK) {
		return -ENOMEM;
	}
	m->mdns_on = true;
	if (m->p.http != NULL) {
		/* Lets browsers and discovery tools list the page; failure only loses that. */
		(void)mdns_resp_add_service(&m->nif, m->ac.hostname, "_https", DNSSD_PROTO_TCP, 443,
					    CONFIG_MGMT_MDNS_TTL_S, NULL, NULL);
	}
#else
	(void)m;
#endif
	return 0;
}

int mgmt_addr_start(struct mgmt *m)
{
	netif_set_status_callback(&m->nif, on_status);
	m->last_addr = 0;
	m->fallback_ms = 0;
	m->static_applied = false;
	int rc = mdns_start(m);
	if (rc != 0) {
		return rc;
	}
	sntp_configure(m);
	if (!m->ac.dhcp) {
		if (m->ac.has_address) {
			apply_static(m);
		} else {
			mgmt_log(m,
				 "mgmt: no address (mgmt.dhcp is false and mgmt.address is unset)");
		}
		return 0;
	}
	if (dhcp_start(&m->nif) != ERR_OK) {
		return -ENOMEM;
	}
	m->dhcp_running = true;
	if (m->ac.has_address) {
		m->fallback_ms = brd_now_ms() + (uint64_t)CONFIG_MGMT_DHCP_TIMEOUT_S * 1000u;
	}
	return 0;
}

void mgmt_addr_stop(struct mgmt *m)
{
#ifdef CONFIG_MGMT_SNTP
	if (m->sntp_on) {
		sntp_stop();
		m->sntp_on = false;
	}
#endif
#if LWIP_MDNS_RESPONDER
	if (m->mdns_on) {
		mdns_resp_remove_netif(&m->nif);
		m->mdns_on = false;
	}
#endif
	if (m->dhcp_running) {
		/* Give the lease back: the router may hand it to someone else at once. */
		dhcp_release_and_stop(&m->nif);
		dhcp_cleanup(&m->nif);
		m->dhcp_running = false;
	}
	netif_set_addr(&m->nif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4);
	/* lwIP keeps DNS servers globally: forget the old lease's, they may not fit the new setup.
	 */
	for (uint8_t i = 0; i < DNS_MAX_SERVERS; i++) {
		dns_setserver(i, NULL);
	}
	m->fallback_ms = 0;
	m->static_applied = false;
}

void mgmt_addr_poll(struct mgmt *m)
{
	if (m->fallback_ms == 0 || brd_now_ms() < m->fallback_ms) {
		return;
	}
	m->fallback_ms = 0;
	if (dhcp_supplied_address(&m->nif)) {
		return;
	}
	mgmt_log(m, "mgmt: no DHCP lease after %u s, using the static address",
		 (unsigned)CONFIG_MGMT_DHCP_TIMEOUT_S);
	apply_static(m);
}

uint32_t mgmt_addr_sleep_ms(const struct mgmt *m)
{
	if (m->fallback_ms == 0) {
		return UINT32_MAX;
	}
	uint64_t now = brd_now_ms();
	return now >= m->fallback_ms ? 0 : (uint32_t)(m->fallback_ms - now);
}

#ifdef CONFIG_MGMT_SNTP
/* SNTP_SET_SYSTEM_TIME_US of lwipopts.h: lwIP's SNTP has one global client. */
void mgmt_sntp_synced(uint32_t sec, uint32_t us)
{
	struct mgmt *m = mgmt_current();
	if (m == NULL) {
		return;
	}
	bool first = !m->time_synced;
	m->time_synced = true;
	m->time_sync_us = (uint64_t)sec * 1000000u + us;
	m->time_sync_mono_us = brd_now_us();
	if (first) {
		mgmt_log(m, "mgmt: time synced by SNTP (%lu s since 1970)", (unsigned long)sec);
	}
}
#endif
