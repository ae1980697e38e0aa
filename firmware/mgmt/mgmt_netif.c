/*
 * The management stack as the bridge's third, internal port.
 *
 * Receive: the loop offers every frame to mgmt_frame(). A frame to the
 * appliance's MAC is copied into lwIP and kept from the bridge; a
 * broadcast, or a multicast to a group lwIP joined, is copied into lwIP
 * and forwarded as well; anything else is left alone after one MAC
 * compare, so office traffic pays almost nothing for the management plane.
 *
 * Transmit: lwIP's frames leave by the port where their destination MAC
 * was last heard (a small learning table, entries aged out), or by both
 * ports when the destination is a group or unknown. Only hosts that sent
 * something to the appliance are learned, which is every host it talks
 * to: lwIP learns a peer's MAC only from the peer's own frames.
 *
 * The wan rule lives here, before lwIP sees the frame: a TCP connection
 * attempt arriving on the wan port is answered with a reset unless
 * cfg.mgmt.from_wan, and every attempt let in is recorded with its port
 * so the web server can ask where a connection came from.
 */
#include "mgmt_int.h"

#include <string.h>

#include "brd.h"
#include "pkt.h"

#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/igmp.h"
#include "lwip/ip_addr.h"
#include "lwip/mld6.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "netif/ethernet.h"

/* 802.3 header + one 802.1Q tag + MTU: longer frames cannot be for a 1500-byte stack. */
#define MGMT_RX_MAX (MGMT_FRAME_MAX + 4u)

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static bool is_group(const uint8_t *mac)
{
	return (mac[0] & 1u) != 0;
}

/* ---- MAC learning -------------------------------------------------------- */

static bool mac_fresh(const struct mgmt_mac_ent *e, uint64_t now)
{
	return e->side != ENG_SIDE_ANY &&
	       now - e->seen_ms <= (uint64_t)CONFIG_MGMT_MAC_AGE_S * 1000u;
}

/*
 * Remember that src spoke on side. The table is small and filled only by
 * frames delivered to the stack, so a linear scan is cheaper than keeping
 * a hash; a full table replaces its stalest entry.
 */
static void mac_learn(struct mgmt *m, const uint8_t *src, enum eng_side side)
{
	uint64_t now = brd_now_ms();
	struct mgmt_mac_ent *victim = &m->macs[0];
	for (size_t i = 0; i < CONFIG_MGMT_MAC_TABLE; i++) {
		struct mgmt_mac_ent *e = &m->macs[i];
		if (e->side != ENG_SIDE_ANY && memcmp(e->mac, src, 6) == 0) {
			victim = e;
			break;
		}
		if (e->side == ENG_SIDE_ANY ||
		    (victim->side != ENG_SIDE_ANY && e->seen_ms < victim->seen_ms)) {
			victim = e;
		}
	}
	memcpy(victim->mac, src, 6);
	victim->side = (uint8_t)side;
	victim->seen_ms = now;
}

enum eng_side mgmt_mac_lookup(const struct mgmt *m, const uint8_t *dst)
{
	if (is_group(dst)) {
		return ENG_SIDE_ANY;
	}
	uint64_t now = brd_now_ms();
	for (size_t i = 0; i < CONFIG_MGMT_MAC_TABLE; i++) {
		const struct mgmt_mac_ent *e = &m->macs[i];
		if (mac_fresh(e, now) && memcmp(e->mac, dst, 6) == 0) {
			return (enum eng_side)e->side;
		}
	}
	return ENG_SIDE_ANY;
}

/* ---- multicast filter (lwIP tells us which groups it joined) ------------- */

static bool mcast_joined(const struct mgmt *m, const uint8_t *mac)
{
	for (size_t i = 0; i < m->n_mcast; i++) {
		if (memcmp(m->mcast[i], mac, 6) == 0) {
			return true;
		}
	}
	return false;
}

/*
 * lwIP calls the filter once per join and once per leave of a group, but
 * two IP groups may share one MAC; the table keeps one entry per join so
 * a leave removes only its own.
 */
static err_t mcast_filter(struct mgmt *m, const uint8_t *mac, enum netif_mac_filter_action act)
{
	if (act == NETIF_ADD_MAC_FILTER) {
		if (m->n_mcast >= CONFIG_MGMT_MCAST_GROUPS) {
			return ERR_MEM;
		}
		memcpy(m->mcast[m->n_mcast++], mac, 6);
		return ERR_OK;
	}
	for (size_t i = 0; i < m->n_mcast; i++) {
		if (memcmp(m->mcast[i], mac, 6) == 0) {
			memmove(m->mcast[i], m->mcast[i + 1], (m->n_mcast - i - 1) * 6);
			m->n_mcast--;
			return ERR_OK;
		}
	}
	return ERR_VAL;
}

static err_t igmp_filter(struct netif *nif, const ip4_addr_t *group,
			 enum netif_mac_filter_action act)
{
	const uint8_t *g = (const uint8_t *)&group->addr; /* network order */
	uint8_t mac[6] = {0x01, 0x00, 0x5e, (uint8_t)(g[1] & 0x7fu), g[2], g[3]};
	return mcast_filter(nif->state, mac, act);
}

#if LWIP_IPV6
static err_t mld_filter(struct netif *nif, const ip6_addr_t *group,
			enum netif_mac_filter_action act)
{
	const uint8_t *g = (const uint8_t *)&group->addr[3]; /* last 4 bytes, network order */
	uint8_t mac[6] = {0x33, 0x33, g[0], g[1], g[2], g[3]};
	return mcast_filter(nif->state, mac, act);
}
#endif

/* ---- transmit ------------------------------------------------------------ */

static err_t link_out(struct netif *nif, struct pbuf *p)
{
	struct mgmt *m = nif->state;
	if (p->tot_len > sizeof(m->txbuf) || p->tot_len < 14u) {
		m->tx_dropped++;
		return ERR_BUF;
	}
	/* The port wants one flat frame; lwIP's may be a chain (headers + data). */
	u16_t n = pbuf_copy_partial(p, m->txbuf, p->tot_len, 0);
	if (n != p->tot_len) {
		m->tx_dropped++;
		return ERR_BUF;
	}
	m->tx_frames++;
	m->p.tx(m->p.tx_ctx, mgmt_mac_lookup(m, m->txbuf), m->txbuf, n);
	return ERR_OK;
}

err_t mgmt_netif_init(struct netif *nif)
{
	struct mgmt *m = nif->state;
	nif->name[0] = 'm';
	nif->name[1] = 'g';
	nif->mtu = 1500;
	nif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(nif->hwaddr, m->p.mac, ETH_HWADDR_LEN);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		     NETIF_FLAG_IGMP | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->linkoutput = link_out;
	nif->igmp_mac_filter = igmp_filter;
#if LWIP_IPV6
	nif->flags |= NETIF_FLAG_MLD6;
	nif->output_ip6 = ethip6_output;
	nif->mld_mac_filter = mld_filter;
#endif
	netif_set_hostname(nif, m->ac.hostname);
	return ERR_OK;
}

/* ---- receive ------------------------------------------------------------- */

static void addr_from_pkt(ip_addr_t *a, const struct pkt_info *pi, const uint8_t *b,
			  struct netif *nif)
{
#if LWIP_IPV6
	if (pi->l3 == PKT_L3_IPV6) {
		ip_addr_set_zero_ip6(a);
		memcpy(ip_2_ip6(a)->addr, b, 16);
		ip6_addr_assign_zone(ip_2_ip6(a), IP6_UNICAST, nif);
		return;
	}
#else
	(void)pi;
#endif
	(void)nif;
	ip_addr_set_zero_ip4(a);
	memcpy(&ip_2_ip4(a)->addr, b, 4);
}

static void syn_record(struct mgmt *m, const ip_addr_t *peer, uint16_t port, bool wan)
{
	struct mgmt_syn_ent *e = &m->syns[m->syn_next];
	m->syn_next = (m->syn_next + 1) % MGMT_SYN_TABLE;
	ip_addr_copy(e->addr, *peer);
	e->port = port;
	e->wan = wan;
	e->used = true;
}

/*
 * A TCP connection attempt (SYN without ACK) to the appliance: refuse it
 * when it came by the wan port and the config does not allow that, else
 * record its port. Returns true when the frame was refused and must not
 * reach lwIP.
 */
static bool syn_gate(struct mgmt *m, enum eng_side side, const uint8_t *frame, size_t len)
{
	struct pkt_info pi;
	if (pkt_decode(frame, len, PKT_LINK_ETH, &pi) != 0 || (pi.flags & PKT_F_L4) == 0 ||
	    pi.l4proto != 6 || (pi.tcp_flags & (PKT_TCP_SYN | PKT_TCP_ACK)) != PKT_TCP_SYN) {
		return false;
	}
#if !LWIP_IPV6
	if (pi.l3 != PKT_L3_IPV4) {
		return false;
	}
#endif
	ip_addr_t peer;
	addr_from_pkt(&peer, &pi, pi.src, &m->nif);
	bool wan = side == ENG_SIDE_WAN;
	if (wan && !m->cfg->mgmt.from_wan) {
		ip_addr_t self;
		addr_from_pkt(&self, &pi, pi.dst, &m->nif);
		m->refused_wan++;
		/* A reset, as a closed port would answer: the client fails at once. */
		tcp_rst(NULL, 0, pi.tcp_seq + 1u, &self, &peer, pi.dport, pi.sport);
		return true;
	}
	syn_record(m, &peer, pi.sport, wan);
	return false;
}

bool mgmt_peer_from_wan(void *ctx, const ip_addr_t *addr, uint16_t port)
{
	const struct mgmt *m = ctx;
	/* Newest first: a port reused by the same peer counts as its latest attempt. */
	for (size_t k = 1; k <= MGMT_SYN_TABLE; k++) {
		const struct mgmt_syn_ent *e =
			&m->syns[(m->syn_next + MGMT_SYN_TABLE - k) % MGMT_SYN_TABLE];
		if (!e->used || e->port != port) {
			continue;
		}
#if LWIP_IPV6
		if (ip_addr_cmp_zoneless(&e->addr, addr)) {
#else
		if (ip_addr_cmp(&e->addr, addr)) {
#endif
			return e->wan;
		}
	}
	/* Not seen (the table wrapped): assume the stricter origin. */
	return true;
}

static void deliver(struct mgmt *m, const uint8_t *frame, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (p == NULL) {
		return; /* pool empty: dropped, as a NIC without descriptors would */
	}
	if (pbuf_take(p, frame, (u16_t)len) != ERR_OK) {
		pbuf_free(p);
		return;
	}
	m->rx_frames++;
	if (m->nif.input(p, &m->nif) != ERR_OK) {
		pbuf_free(p); /* lwIP's rule: the caller frees what input rejected */
	}
}

enum mgmt_rx mgmt_frame(struct mgmt *m, enum eng_side side, const uint8_t *frame, size_t len)
{
	if (m == NULL || frame == NULL || len < 14u) {
		return MGMT_RX_NOT_MINE;
	}
	const uint8_t *dst = frame;
	const uint8_t *src = frame + 6;
	enum mgmt_rx r;
	if (memcmp(dst, m->p.mac, 6) == 0) {
		r = MGMT_RX_MINE;
	} else if (memcmp(dst, bcast_mac, 6) == 0 || (is_group(dst) && mcast_joined(m, dst))) {
		r = MGMT_RX_ALSO;
	} else {
		return MGMT_RX_NOT_MINE;
	}
	/* Our own frame come back (a loop in the office network): not news to lwIP. */
	if (memcmp(src, m->p.mac, 6) == 0) {
		return r == MGMT_RX_MINE ? MGMT_RX_MINE : MGMT_RX_NOT_MINE;
	}
	if (!is_group(src) && side != ENG_SIDE_ANY) {
		mac_learn(m, src, side);
	}
	if (len > MGMT_RX_MAX) {
		return r; /* not for a 1500-byte stack; a unicast one is still ours to drop */
	}
	if (r == MGMT_RX_MINE && syn_gate(m, side, frame, len)) {
		return r;
	}
	deliver(m, frame, len);
	return r;
}
