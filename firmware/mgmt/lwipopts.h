/*
 * lwIP options of the management stack. Not edited by hand: every size
 * comes from a CONFIG_MGMT_* symbol (firmware/mgmt/Kconfig); the rest is
 * what a NO_SYS, raw-API, single-loop appliance needs.
 */
#ifndef LEAKTAP_LWIPOPTS_H
#define LEAKTAP_LWIPOPTS_H

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
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)

/* Protocols of the appliance's own address. */
#define LWIP_ETHERNET              1
#define LWIP_ARP                   1
#define ARP_QUEUEING               1 /* keep the first packet while ARP resolves */
#define LWIP_IPV4                  1
#define LWIP_IPV6                  1
/* 64-bit hosts: the reassembly helper does not fit the fragment header (lwIP asserts). */
#define IPV6_FRAG_COPYHEADER       1
#define LWIP_ICMP                  1
#define LWIP_RAW                   0
#define LWIP_UDP                   1
#define LWIP_TCP                   1
#define LWIP_DHCP                  1
#define LWIP_AUTOIP                0
#define LWIP_IGMP                  1 /* mDNS joins 224.0.0.251 */
#define LWIP_DNS                   1
#define LWIP_ALTCP                 1
#define SO_REUSE                   1 /* a restarted web server rebinds 80/443 past TIME_WAIT */
#define LWIP_NETIF_HOSTNAME        1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK   1

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

/* HTTPS of the web page: altcp_tls over mbedTLS (Debian's default mbedTLS config). */
#define LWIP_ALTCP_TLS         1
#define LWIP_ALTCP_TLS_MBEDTLS 1

/* No statistics or debug output in the image; the appliance reports its own. */
#define LWIP_STATS 0
#define LWIP_DEBUG 0

#endif /* LEAKTAP_LWIPOPTS_H */
