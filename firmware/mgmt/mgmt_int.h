/*
 * Internal state of the management stack, shared by mgmt.c (life cycle,
 * status), mgmt_netif.c (the bridge's third port: frames in and out,
 * MAC learning, multicast filter, wan refusal) and mgmt_addr.c (DHCP,
 * static fallback, mDNS, SNTP, DNS). Never included outside firmware/mgmt.
 *
 * lwIP keeps its own state in globals (netif list, timers, PCBs), so one
 * process runs at most one struct mgmt at a time; mgmt_create() refuses a
 * second one rather than letting two share lwIP's tables.
 */
#ifndef LEAKTAP_MGMT_INT_H
#define LEAKTAP_MGMT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "mgmt.h"
#include "mgmt_priv.h"

#include "lwip/dhcp.h"
#include "lwip/netif.h"

struct tcp_pcb;

/* Largest frame the stack sends: Ethernet header + MTU (no VLAN tag, no FCS). */
#define MGMT_FRAME_MAX 1514u

/* Where a host was last heard (MAC learning). */
struct mgmt_mac_ent {
	uint8_t mac[6];
	uint8_t side; /* enum eng_side; 0 (ENG_SIDE_ANY) marks a free slot */
	uint64_t seen_ms;
};

/* Which port a TCP connection attempt to the appliance came in by. */
struct mgmt_syn_ent {
	ip_addr_t addr;
	uint16_t port;
	bool wan;
	bool used;
};

/* The addressing part of cfg.mgmt, copied so a swap can tell what changed. */
struct mgmt_addr_cfg {
	bool dhcp;
	bool has_address;
	uint8_t addr[4];
	uint8_t prefix;
	bool has_gateway;
	uint8_t gateway[4];
	bool has_dns;
	struct cfg_cidr dns;
	char hostname[64];
	char ntp[CFG_NAME_MAX + 1];
};

#define MGMT_SYN_TABLE (2 * CONFIG_MGMT_TCP_PCBS)

struct mgmt {
	struct mgmt_params p;
	const struct cfg *cfg;
	struct mgmt_addr_cfg ac;
	struct netif nif;
	struct mgmt_httpd *httpd;
	struct mgmt_export *exp;       /* syslog and MQTT */
	struct tcp_pcb *test_listener; /* test builds: TCP discard on port 9 */

	/* Addressing state. */
	bool dhcp_running;
	bool static_applied;  /* the static fallback is on the netif now */
	uint64_t fallback_ms; /* when the static fallback is due; 0 = not armed */
	uint32_t last_addr;   /* address last reported (network order), to log changes once */
	bool mdns_on;
	bool sntp_on;
	bool time_synced;
	uint64_t time_sync_us;
	uint64_t time_sync_mono_us; /* brd_now_us() at the sync, to derive wall time later */

	/* Bridge port state. */
	struct mgmt_mac_ent macs[CONFIG_MGMT_MAC_TABLE];
	uint8_t mcast[CONFIG_MGMT_MCAST_GROUPS][6];
	size_t n_mcast;
	struct mgmt_syn_ent syns[MGMT_SYN_TABLE];
	size_t syn_next;
	enum eng_side rx_side; /* side of the frame being input, for the SYN table */

	/* Counters. */
	uint64_t rx_frames;
	uint64_t tx_frames;
	uint64_t tx_dropped; /* frames too long for txbuf or pbuf copies that failed */
	uint64_t refused_wan;

	uint8_t txbuf[MGMT_FRAME_MAX];
};

/* mgmt.c */

/* The one running instance (lwIP's apps, such as SNTP, have global callbacks), or NULL. */
struct mgmt *mgmt_current(void);

/* mgmt_netif.c */

/* netif_add() init function: sets MAC, MTU, flags, outputs and the multicast filters. */
err_t mgmt_netif_init(struct netif *nif);

/* Where to send a frame to dst: the learned side, or ENG_SIDE_ANY (both). */
enum eng_side mgmt_mac_lookup(const struct mgmt *m, const uint8_t *dst);

/* The httpd's from_wan callback (ctx: struct mgmt *). */
bool mgmt_peer_from_wan(void *ctx, const ip_addr_t *addr, uint16_t port);

/* mgmt_addr.c */

/* Copy the addressing part of c into ac. */
void mgmt_addr_cfg_copy(struct mgmt_addr_cfg *ac, const struct cfg *c);

/* Start addressing (DHCP or static), mDNS and SNTP for m->ac. 0 or negative errno. */
int mgmt_addr_start(struct mgmt *m);

/* Stop what mgmt_addr_start() started; the netif keeps no address. */
void mgmt_addr_stop(struct mgmt *m);

/* Apply the static fallback when its time has come; called from mgmt_poll(). */
void mgmt_addr_poll(struct mgmt *m);

/* Milliseconds until mgmt_addr_poll() has work (UINT32_MAX: none). */
uint32_t mgmt_addr_sleep_ms(const struct mgmt *m);

/* Prefix length of a netmask given in network order (leading one bits). */
uint8_t mgmt_prefix_len(uint32_t mask_be);

/* Log one line through the log callback, if any. */
void mgmt_log(const struct mgmt *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* LEAKTAP_MGMT_INT_H */
