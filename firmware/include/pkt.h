/*
 * pkt: bounds-checked decode of one captured frame.
 *
 * Layers: Ethernet (with 802.1Q / 802.1ad / QinQ stacks), or a capture
 * link header (raw IP, BSD loopback, Linux cooked v1/v2, PPP, Cisco HDLC);
 * IPv4 with options
 * and fragments; IPv6 with its extension header chain; TCP, UDP, ICMP and
 * ICMPv6. The decoder never copies or changes the frame and never reads past
 * the captured length it is given.
 */
#ifndef LEAKTAP_PKT_H
#define LEAKTAP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link layer of a frame, as the port reports it. */
enum pkt_link {
	PKT_LINK_ETH = 0, /* Ethernet II / 802.3 */
	PKT_LINK_RAW,     /* bare IPv4 or IPv6, version nibble decides */
	PKT_LINK_NULL_LE, /* BSD loopback, 4-byte family in little-endian order */
	PKT_LINK_NULL_BE, /* BSD loopback (DLT_LOOP or big-endian writer) */
	PKT_LINK_SLL,     /* Linux cooked capture v1, 16-byte header */
	PKT_LINK_SLL2,    /* Linux cooked capture v2, 20-byte header */
	PKT_LINK_PPP,     /* PPP, optional FF 03 address/control, 1- or 2-byte protocol */
	PKT_LINK_CHDLC,   /* Cisco HDLC: address, control, then an ethertype */
	PKT_LINK_COUNT,
};

enum pkt_l3 {
	PKT_L3_NONE = 0, /* not IP (ARP, LLDP, ...), or IP header unusable */
	PKT_L3_IPV4,
	PKT_L3_IPV6,
};

/* Flags describing what the decoder saw. */
#define PKT_F_FRAG      0x01u /* IP fragment (any); ports are valid only with PKT_F_FRAG0 */
#define PKT_F_FRAG0     0x02u /* first fragment (offset 0) */
#define PKT_F_L4        0x04u /* sport/dport/transport fields are valid */
#define PKT_F_MALFORMED 0x08u /* a header was truncated or inconsistent; see pkt_decode() */
#define PKT_F_SNAPPED   0x10u /* captured bytes end before the IP datagram does */
#define PKT_F_VLAN      0x20u /* at least one 802.1Q/802.1ad tag */

#define PKT_MAX_VLANS 2 /* tags whose VID is kept; deeper stacks are still skipped */

/* TCP flag bits (host order, low byte of the flags field). */
#define PKT_TCP_FIN 0x01u
#define PKT_TCP_SYN 0x02u
#define PKT_TCP_RST 0x04u
#define PKT_TCP_PSH 0x08u
#define PKT_TCP_ACK 0x10u

/*
 * Result of decoding one frame. Offsets are from the start of the frame;
 * addresses are kept in network order in src/dst (IPv4 uses the first four
 * bytes, the rest is zero).
 */
struct pkt_info {
	uint16_t ethertype;           /* innermost ethertype; 0 for link types without one */
	uint16_t vlan[PKT_MAX_VLANS]; /* VIDs, outermost first */
	uint8_t n_vlan;               /* tags seen (may exceed PKT_MAX_VLANS) */
	uint8_t l3;                   /* enum pkt_l3 */
	uint8_t l4proto;              /* IP protocol after extension headers (6 TCP, 17 UDP, ...) */
	uint8_t flags;                /* PKT_F_* */
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport; /* TCP/UDP ports; ICMP: type << 8 | code in sport */
	uint16_t dport;
	uint8_t tcp_flags; /* PKT_TCP_* */
	uint8_t ttl;       /* IPv4 TTL / IPv6 hop limit */
	uint32_t tcp_seq;
	uint32_t tcp_ack;
	uint16_t tcp_win;
	uint16_t l3_off;       /* start of the IP header */
	uint16_t l4_off;       /* start of the transport header */
	uint16_t payload_off;  /* start of the transport payload */
	uint16_t l3_len;       /* IP datagram bytes present: min(total length, captured) */
	uint16_t payload_len;  /* transport payload bytes present in the capture */
	uint32_t payload_wire; /* transport payload bytes on the wire (from IP lengths) */
};

/*
 * Decode one frame of link type link from buf[0..len).
 *
 * Returns 0 when every header that the frame claims to carry was decoded
 * (a non-IP frame, an IP fragment or an unknown transport is success: the
 * fields that apply are filled and the flags say which).
 * Returns -EBADMSG when a header is truncated or inconsistent; info then
 * holds the layers decoded before the fault and has PKT_F_MALFORMED set.
 * Returns -EINVAL for an unknown link type. The caller still owns buf; info
 * points into nothing (offsets only) and may be kept after buf is gone.
 */
int pkt_decode(const uint8_t *buf, size_t len, enum pkt_link link, struct pkt_info *info);

/* Address length in bytes for info->l3 (4, 16, or 0). */
static inline size_t pkt_addr_len(const struct pkt_info *info)
{
	return info->l3 == PKT_L3_IPV4 ? 4u : info->l3 == PKT_L3_IPV6 ? 16u : 0u;
}

#endif /* LEAKTAP_PKT_H */
