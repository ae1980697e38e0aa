/*
 * lwIP options of the management stack. Not edited by hand: every size
 * comes from a CONFIG_MGMT_* symbol (firmware/mgmt/Kconfig); the rest is
 * what a NO_SYS, raw-API, single-loop appliance needs.
 */
#ifndef LEAKTAP_LWIPOPTS_H
#define LEAKTAP_LWIPOPTS_H

#include <stdint.h>

#include "autoconf.h"

/* One loop, no threads: raw API only, timers run by sys_check_timeouts(). */
#define NO_SYS               1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN         0
#define LWIP_SOCKET          0

/* Memory: lwIP's heap and pools, sized from Kconfig. */
#define MEM_ALIGNMENT        8
#define MEM_SIZE             (CONFIG_MGMT_MEM_SIZE_KB * 1024)
#define PBUF_POOL_SIZE       CONFIG_MGMT_PBUF_POOL_SIZE
/* The web server's pool comes on top, so a full pool still leaves a pcb to reset the next one. */
#define MEMP_NUM_TCP_PCB     (CONFIG_MGMT_TCP_PCBS + CONFIG_MGMT_HTTP_CONNS)
#define MEMP_NUM_TCP_SEG     (4 * CONFIG_MGMT_TCP_PCBS)
#define MEMP_NUM_UDP_PCB     8 /* DHCP, DNS, mDNS, SNTP, syslog and spares */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8) /* + mDNS probes, SNTP */
/* Groups joined: all-hosts and mDNS on IPv4, all-nodes, solicited-node and mDNS on IPv6. */
#define MEMP_NUM_IGMP_GROUP  CONFIG_MGMT_MCAST_GROUPS
#define MEMP_NUM_MLD6_GROUP  CONFIG_MGMT_MCAST_GROUPS

/* Protocols of the appliance's own address. */
#define LWIP_ETHERNET 1
#define LWIP_ARP      1
#define ARP_QUEUEING  1 /* keep the first packet while ARP resolves */
#define LWIP_IPV4     1
#ifdef CONFIG_MGMT_IPV6
#define LWIP_IPV6 1
#define LWIP_IPV6_AUTOCONFIG                                                                       \
	1 /* link-local from the MAC; a router's prefix if one is advertised                       \
	   */
#define LWIP_IPV6_DHCP6      0
/* Reassembly keeps a pointer where the 8-byte fragment header was: too small on 64-bit hosts. */
#define IPV6_FRAG_COPYHEADER 1
#else
#define LWIP_IPV6 0
#endif
/*
 * No reassembly: the wan refusal looks at each frame's TCP header before
 * lwIP does, and a SYN split into fragments would be put together behind
 * its back. Nothing the management plane receives needs fragments (TCP
 * MSS 1460, DNS answers within 512 bytes). Fragments are dropped.
 */
#define IP_REASSEMBLY                  0
#define LWIP_IPV6_REASS                0
#define LWIP_ICMP                      1
#define LWIP_RAW                       0
#define LWIP_UDP                       1
#define LWIP_TCP                       1
#define LWIP_DHCP                      1
#define LWIP_AUTOIP                    0
#define LWIP_IGMP                      1 /* mDNS joins 224.0.0.251 */
#define LWIP_DNS                       1
#define DNS_TABLE_SIZE                 CONFIG_MGMT_DNS_CACHE
#define LWIP_ALTCP                     1
#define SO_REUSE                       1 /* a restarted web server rebinds 80/443 past TIME_WAIT */
#define LWIP_NETIF_HOSTNAME            1 /* DHCP option 12: the router's lease list shows the name */
#define LWIP_NETIF_STATUS_CALLBACK     1
#define LWIP_NETIF_LINK_CALLBACK       1
/* mDNS re-announces by itself when the address changes. */
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1

/* mDNS responder: one netif client-data slot is its per-netif state. */
#ifdef CONFIG_MGMT_MDNS
#define LWIP_MDNS_RESPONDER        1
#define LWIP_NUM_NETIF_CLIENT_DATA 1
#define MDNS_MAX_SERVICES          1 /* _https._tcp, for browsers and discovery tools */
#endif

/* SNTP: poll mode, the server by name (mgmt.ntp) or from DHCP option 42. */
#ifdef CONFIG_MGMT_SNTP
#define LWIP_DHCP_GET_NTP_SRV 1
#define SNTP_SERVER_DNS       1
#define SNTP_CHECK_RESPONSE   1 /* only the server asked may answer */
#define SNTP_UPDATE_DELAY                                                                          \
	(CONFIG_MGMT_SNTP_UPDATE_S * 1000) /* plain int: sntp.c tests it in #if                    \
					    */
#define SNTP_RECV_TIMEOUT                (CONFIG_MGMT_SNTP_RETRY_S * 1000)
#define SNTP_RETRY_TIMEOUT_MAX           SNTP_UPDATE_DELAY
/* Record the sync in the management state (firmware/mgmt/mgmt_addr.c). */
#define SNTP_SET_SYSTEM_TIME_US(sec, us) mgmt_sntp_synced((sec), (us))
void mgmt_sntp_synced(uint32_t sec, uint32_t us);
#endif

/* TCP sized for a small web page and a few exports. */
#define TCP_MSS     1460
/*
 * altcp_tls hands data up only per complete TLS record and opens the TCP
 * window only for what it handed up, so the window must hold a whole
 * record (16 KiB of content plus overhead, what browsers send) or the
 * connection stalls with a half record and a closed window.
 */
#define TCP_WND     (12 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)

/* Randomness for DHCP transaction ids, TCP ISNs and ports: the board's source. */
#define LWIP_RAND() mgmt_rand()
unsigned int mgmt_rand(void);

/* MQTT client of the export: a message must fit its output ring whole. */
#define MQTT_OUTPUT_RINGBUF_SIZE 4608
#define MQTT_REQ_MAX_IN_FLIGHT   4

/* HTTPS of the web page: altcp_tls over mbedTLS (Debian's default mbedTLS config). */
#define LWIP_ALTCP_TLS         1
#define LWIP_ALTCP_TLS_MBEDTLS 1

/* No statistics or debug output in the image; the appliance reports its own. */
#define LWIP_STATS 0
#define LWIP_DEBUG 0

#endif /* LEAKTAP_LWIPOPTS_H */
