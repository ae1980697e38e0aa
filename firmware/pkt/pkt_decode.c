/*
 * pkt_decode: bounds-checked decode of one captured frame (contract in pkt.h).
 *
 * The frame is walked once, front to back, through a pcur cursor, so a short
 * or lying frame turns into -EBADMSG instead of an over-read. Once the IP
 * header is known, the rest of the walk uses a sub-cursor that ends where the
 * IP length fields say the datagram ends, or where the capture ends if that
 * comes first: Ethernet padding never reaches the transport decoders, and no
 * length field inside the datagram can move a read past the frame.
 *
 * Fields of a layer that was not reached stay zero. For an IP packet, l4_off
 * is where the IP header chain ends, and payload_off/payload_len/payload_wire
 * describe the bytes after the last header decoded: after the TCP, UDP or ICMP
 * header when PKT_F_L4 is set, else right after the IP headers (the body of an
 * unknown transport, of ESP, or of a non-first fragment). That way every IP
 * packet has a byte count, even when it has no ports.
 *
 * This runs for every frame, so it does no allocation and no formatting, and
 * reads each header field once.
 */
#include "pkt.h"

#include <errno.h>
#include <string.h>

#include "pcur.h"

/* Ethertypes and 802.2 values the decoder acts on. */
#define PKT_ETH_IPV4     0x0800u
#define PKT_ETH_IPV6     0x86ddu
#define PKT_ETH_8021Q    0x8100u
#define PKT_ETH_8021AD   0x88a8u
#define PKT_ETH_QINQ_OLD 0x9100u /* pre-802.1ad S-tag, still seen on carrier links */
#define PKT_ETH_MIN_TYPE 0x0600u /* below this the field is an 802.3 length */
#define PKT_VLAN_DEPTH   8u      /* no real network stacks more; deeper is garbage */
#define PKT_VID_MASK     0x0fffu
#define PKT_LLC_SNAP     0xaau /* DSAP and SSAP of a SNAP header */
#define PKT_LLC_UI       0x03u /* unnumbered information control field */
#define PKT_OUI_RFC1042  0x000000u
#define PKT_OUI_8021H    0x0000f8u

/* Linux cooked capture: where the protocol field sits in each version. */
#define PKT_SLL_PRE   14u /* v1: bytes before the protocol */
#define PKT_SLL2_POST 18u /* v2: bytes after the protocol */

/* BSD loopback families: AF_INET is 2 everywhere, AF_INET6 differs by BSD. */
#define PKT_AF_INET          2u
#define PKT_AF_INET6_NETBSD  24u /* NetBSD, OpenBSD, BSD/OS */
#define PKT_AF_INET6_FREEBSD 28u /* FreeBSD, DragonFly */
#define PKT_AF_INET6_DARWIN  30u /* macOS, iOS */

/* IP protocol numbers. */
#define PKT_IPP_HOPOPTS  0u
#define PKT_IPP_ICMP     1u
#define PKT_IPP_TCP      6u
#define PKT_IPP_UDP      17u
#define PKT_IPP_ROUTING  43u
#define PKT_IPP_FRAGMENT 44u
#define PKT_IPP_AH       51u
#define PKT_IPP_ICMPV6   58u
#define PKT_IPP_DSTOPTS  60u
#define PKT_IPP_MOBILITY 135u
#define PKT_IPP_HIP      139u
#define PKT_IPP_SHIM6    140u

#define PKT_IP4_HDR     20u
#define PKT_IP4_MF      0x2000u
#define PKT_IP4_OFFMASK 0x1fffu
#define PKT_IP6_HDR     40u
#define PKT_IP6_MF      0x0001u
#define PKT_IP6_OFFMASK 0xfff8u
#define PKT_IP6_MAX_EXT 16u /* bounds the work a crafted chain can cause */
#define PKT_IP6_PAD1    0x00u
#define PKT_IP6_JUMBO   0xc2u
#define PKT_TCP_HDR     20u
#define PKT_TCP_FLAGS   0x3fu /* FIN..URG; ECE and CWR are not reported */
#define PKT_UDP_HDR     8u
#define PKT_ICMP_HDR    8u

/* State of one decode; lives on the stack of pkt_decode(). */
struct pkt_dec {
	struct pkt_info *info;
	struct pcur ip; /* the IP datagram: min(length fields, capture) */
	size_t base;    /* frame offset of the datagram's first byte */
	uint32_t wire;  /* datagram length on the wire, from the IP header */
	bool nonfirst;  /* non-first fragment: no transport header follows */
};

/*
 * 802.2 LLC after an 802.3 length field. Only SNAP with an OUI that says
 * "the next two bytes are an ethertype", holding a value that can be one,
 * gives an ethertype; any other LLC frame (STP, IPX, CDP, ...) is not IP and
 * leaves *type at 0.
 */
static int llc_decode(struct pcur *c, uint16_t *type)
{
	uint8_t dsap, ssap, ctl, oui[3];
	uint16_t pid;
	uint32_t org;
	int rc;

	*type = 0;
	if ((rc = pcur_u8(c, &dsap)) < 0 || (rc = pcur_u8(c, &ssap)) < 0 ||
	    (rc = pcur_u8(c, &ctl)) < 0) {
		return rc;
	}
	if (dsap != PKT_LLC_SNAP || ssap != PKT_LLC_SNAP || ctl != PKT_LLC_UI) {
		return 0;
	}
	if ((rc = pcur_copy(c, oui, sizeof(oui))) < 0 || (rc = pcur_u16be(c, &pid)) < 0) {
		return rc;
	}
	org = (uint32_t)oui[0] << 16 | (uint32_t)oui[1] << 8 | oui[2];
	if ((org == PKT_OUI_RFC1042 || org == PKT_OUI_8021H) && pid >= PKT_ETH_MIN_TYPE) {
		*type = pid;
	}
	return 0;
}

static bool is_vlan_tpid(uint16_t type)
{
	return type == PKT_ETH_8021Q || type == PKT_ETH_8021AD || type == PKT_ETH_QINQ_OLD;
}

/* Skip a stack of VLAN tags starting with *type; leave the inner type there. */
static int vlan_decode(struct pcur *c, uint16_t *type, struct pkt_info *info)
{
	while (is_vlan_tpid(*type)) {
		uint16_t tci;
		int rc;

		if (info->n_vlan == PKT_VLAN_DEPTH) {
			return -EBADMSG;
		}
		if ((rc = pcur_u16be(c, &tci)) < 0 || (rc = pcur_u16be(c, type)) < 0) {
			return rc;
		}
		if (info->n_vlan < PKT_MAX_VLANS) {
			info->vlan[info->n_vlan] = (uint16_t)(tci & PKT_VID_MASK);
		}
		info->n_vlan++;
		info->flags |= PKT_F_VLAN;
	}
	return 0;
}

static int eth_decode(struct pcur *c, struct pkt_info *info)
{
	uint16_t type;
	int rc;

	if ((rc = pcur_skip(c, 12)) < 0 || (rc = pcur_u16be(c, &type)) < 0 ||
	    (rc = vlan_decode(c, &type, info)) < 0) {
		return rc;
	}
	/* The 802.3 length is not trusted; the IP length fields trim instead. */
	if (type < PKT_ETH_MIN_TYPE && (rc = llc_decode(c, &type)) < 0) {
		return rc;
	}
	info->ethertype = type;
	return 0;
}

/*
 * Linux cooked capture, v1 (pre = 14, post = 0) or v2 (pre = 0, post = 18).
 * Protocol values below 0x600 are Linux pseudo-protocols (802.2, 802.3 raw,
 * CAN, ...), not ethertypes: they are reported as 0, a non-IP frame.
 */
static int sll_decode(struct pcur *c, size_t pre, size_t post, struct pkt_info *info)
{
	uint16_t type;
	int rc;

	if ((rc = pcur_skip(c, pre)) < 0 || (rc = pcur_u16be(c, &type)) < 0 ||
	    (rc = pcur_skip(c, post)) < 0 || (rc = vlan_decode(c, &type, info)) < 0) {
		return rc;
	}
	info->ethertype = type < PKT_ETH_MIN_TYPE ? 0 : type;
	return 0;
}

static int null_decode(struct pcur *c, bool big_endian, uint8_t *l3)
{
	uint32_t fam;
	int rc;

	rc = big_endian ? pcur_u32be(c, &fam) : pcur_u32le(c, &fam);
	if (rc < 0) {
		return rc;
	}
	if (fam == PKT_AF_INET) {
		*l3 = PKT_L3_IPV4;
	} else if (fam == PKT_AF_INET6_NETBSD || fam == PKT_AF_INET6_FREEBSD ||
		   fam == PKT_AF_INET6_DARWIN) {
		*l3 = PKT_L3_IPV6;
	}
	return 0;
}

/* Raw IP: the version nibble is the only type information there is. */
static int raw_decode(const struct pcur *c, uint8_t *l3)
{
	struct pcur peek = *c;
	uint8_t vhl;
	int rc;

	if ((rc = pcur_u8(&peek, &vhl)) < 0) {
		return rc;
	}
	switch (vhl >> 4) {
	case 4:
		*l3 = PKT_L3_IPV4;
		return 0;
	case 6:
		*l3 = PKT_L3_IPV6;
		return 0;
	default:
		return -EBADMSG;
	}
}

/*
 * PPP in HDLC-like framing (RFC 1662): the FF 03 address and control bytes
 * may be omitted, and with protocol field compression a protocol is one
 * byte (its low bit set). 0x21 / 0x0021 is IPv4, 0x57 / 0x0057 IPv6.
 */
static int ppp_decode(struct pcur *c, uint8_t *l3)
{
	struct pcur peek = *c;
	uint8_t a, b;
	uint16_t proto;
	int rc;

	if ((rc = pcur_u8(&peek, &a)) < 0 || (rc = pcur_u8(&peek, &b)) < 0) {
		return rc;
	}
	if (a == 0xff && b == 0x03) {
		*c = peek;
	}
	if ((rc = pcur_u8(c, &a)) < 0) {
		return rc;
	}
	proto = a;
	if (!(a & 1u)) {
		if ((rc = pcur_u8(c, &b)) < 0) {
			return rc;
		}
		proto = (uint16_t)(proto << 8 | b);
	}
	if (proto == 0x21) {
		*l3 = PKT_L3_IPV4;
	} else if (proto == 0x57) {
		*l3 = PKT_L3_IPV6;
	}
	return 0;
}

/* Cisco HDLC: one address byte, one control byte, then an ethertype. */
static int chdlc_decode(struct pcur *c, struct pkt_info *info)
{
	uint16_t type;
	int rc;

	if ((rc = pcur_skip(c, 2)) < 0 || (rc = pcur_u16be(c, &type)) < 0) {
		return rc;
	}
	info->ethertype = type < PKT_ETH_MIN_TYPE ? 0 : type;
	return 0;
}

/* Decode the link header; *l3 says which IP version follows, if any. */
static int link_decode(struct pcur *c, enum pkt_link link, struct pkt_info *info, uint8_t *l3)
{
	int rc;

	switch (link) {
	case PKT_LINK_ETH:
		rc = eth_decode(c, info);
		break;
	case PKT_LINK_SLL:
		rc = sll_decode(c, PKT_SLL_PRE, 0, info);
		break;
	case PKT_LINK_SLL2:
		rc = sll_decode(c, 0, PKT_SLL2_POST, info);
		break;
	case PKT_LINK_RAW:
		return raw_decode(c, l3);
	case PKT_LINK_NULL_LE:
		return null_decode(c, false, l3);
	case PKT_LINK_NULL_BE:
		return null_decode(c, true, l3);
	case PKT_LINK_PPP:
		return ppp_decode(c, l3);
	case PKT_LINK_CHDLC:
		rc = chdlc_decode(c, info);
		break;
	default:
		return -EINVAL;
	}
	if (rc == 0 && info->ethertype == PKT_ETH_IPV4) {
		*l3 = PKT_L3_IPV4;
	} else if (rc == 0 && info->ethertype == PKT_ETH_IPV6) {
		*l3 = PKT_L3_IPV6;
	}
	return rc;
}

/*
 * Split the datagram of wire bytes starting at the cursor off into d->ip,
 * trimmed to what was captured, and record the layer-3 extent in info.
 */
static void ip_take(struct pcur *c, struct pkt_dec *d, uint32_t wire)
{
	size_t n = pcur_left(c) < wire ? pcur_left(c) : wire;

	d->base = c->off;
	d->wire = wire;
	/* Cannot fail: n <= pcur_left(c). */
	(void)pcur_sub(c, n, &d->ip);
	d->info->l3_off = (uint16_t)d->base;
	d->info->l3_len = (uint16_t)n;
	if (n < wire) {
		d->info->flags |= PKT_F_SNAPPED;
	}
}

static int tcp_decode(struct pkt_dec *d)
{
	struct pkt_info *info = d->info;
	struct pcur *c = &d->ip;
	uint16_t sport, dport, offflags, win;
	uint32_t seq, ack;
	size_t hlen;
	int rc;

	if ((rc = pcur_u16be(c, &sport)) < 0 || (rc = pcur_u16be(c, &dport)) < 0 ||
	    (rc = pcur_u32be(c, &seq)) < 0 || (rc = pcur_u32be(c, &ack)) < 0 ||
	    (rc = pcur_u16be(c, &offflags)) < 0 || (rc = pcur_u16be(c, &win)) < 0 ||
	    (rc = pcur_skip(c, 4)) < 0) {
		return rc;
	}
	hlen = (size_t)(offflags >> 12) * 4u;
	if (hlen < PKT_TCP_HDR) {
		return -EBADMSG;
	}
	/* Options are skipped, but they must be captured and inside the datagram. */
	if ((rc = pcur_skip(c, hlen - PKT_TCP_HDR)) < 0) {
		return rc;
	}
	info->sport = sport;
	info->dport = dport;
	info->tcp_seq = seq;
	info->tcp_ack = ack;
	info->tcp_win = win;
	info->tcp_flags = (uint8_t)(offflags & PKT_TCP_FLAGS);
	info->flags |= PKT_F_L4;
	return 0;
}

static int udp_decode(struct pkt_dec *d)
{
	struct pkt_info *info = d->info;
	struct pcur *c = &d->ip;
	uint32_t ip_payload = d->wire - (uint32_t)c->off;
	uint16_t sport, dport, ulen;
	int rc;

	if ((rc = pcur_u16be(c, &sport)) < 0 || (rc = pcur_u16be(c, &dport)) < 0 ||
	    (rc = pcur_u16be(c, &ulen)) < 0 || (rc = pcur_skip(c, 2)) < 0) {
		return rc;
	}
	/*
	 * The UDP length covers the whole reassembled datagram, so in a first
	 * fragment it is legitimately larger than this fragment's payload.
	 */
	if (ulen < PKT_UDP_HDR || (!(info->flags & PKT_F_FRAG) && ulen > ip_payload)) {
		return -EBADMSG;
	}
	info->sport = sport;
	info->dport = dport;
	info->flags |= PKT_F_L4;
	return 0;
}

/*
 * ICMP and ICMPv6 share the layout that matters here. Every message either
 * defines carries at least four bytes after the checksum, so the header is
 * taken as eight bytes for both.
 */
static int icmp_decode(struct pkt_dec *d)
{
	uint8_t type, code;
	int rc;

	if ((rc = pcur_u8(&d->ip, &type)) < 0 || (rc = pcur_u8(&d->ip, &code)) < 0 ||
	    (rc = pcur_skip(&d->ip, PKT_ICMP_HDR - 2u)) < 0) {
		return rc;
	}
	d->info->sport = (uint16_t)(type << 8 | code);
	d->info->dport = 0;
	d->info->flags |= PKT_F_L4;
	return 0;
}

/* Decode the transport header if it is one the decoder knows; else succeed. */
static int l4_hdr_decode(struct pkt_dec *d, uint8_t proto)
{
	uint8_t l3 = d->info->l3;

	if (proto == PKT_IPP_TCP) {
		return tcp_decode(d);
	}
	if (proto == PKT_IPP_UDP) {
		return udp_decode(d);
	}
	/* ICMP under IPv6 or ICMPv6 under IPv4 is some other, unknown, transport. */
	if ((proto == PKT_IPP_ICMP && l3 == PKT_L3_IPV4) ||
	    (proto == PKT_IPP_ICMPV6 && l3 == PKT_L3_IPV6)) {
		return icmp_decode(d);
	}
	return 0;
}

/* Record the transport, decode its header and record where the payload is. */
static int l4_decode(struct pkt_dec *d, uint8_t proto)
{
	struct pkt_info *info = d->info;
	int rc;

	info->l4proto = proto;
	info->l4_off = (uint16_t)(d->base + d->ip.off);
	/* A non-first fragment starts in the middle of a transport PDU. */
	rc = d->nonfirst ? 0 : l4_hdr_decode(d, proto);
	if (rc < 0) {
		return rc;
	}
	info->payload_off = (uint16_t)(d->base + d->ip.off);
	info->payload_len = (uint16_t)pcur_left(&d->ip);
	/* ip.off <= ip.len <= wire, so this cannot wrap. */
	info->payload_wire = d->wire - (uint32_t)d->ip.off;
	return 0;
}

static int ip4_decode(struct pcur *c, struct pkt_dec *d)
{
	struct pkt_info *info = d->info;
	struct pcur h = *c;
	uint8_t vhl, ttl, proto, src[4], dst[4];
	uint16_t total, frag;
	size_t hlen;
	int rc;

	/* Read into locals: an unusable header must leave l3 at PKT_L3_NONE. */
	if ((rc = pcur_u8(&h, &vhl)) < 0 || (rc = pcur_skip(&h, 1)) < 0 ||
	    (rc = pcur_u16be(&h, &total)) < 0 || (rc = pcur_skip(&h, 2)) < 0 ||
	    (rc = pcur_u16be(&h, &frag)) < 0 || (rc = pcur_u8(&h, &ttl)) < 0 ||
	    (rc = pcur_u8(&h, &proto)) < 0 || (rc = pcur_skip(&h, 2)) < 0 ||
	    (rc = pcur_copy(&h, src, sizeof(src))) < 0 ||
	    (rc = pcur_copy(&h, dst, sizeof(dst))) < 0) {
		return rc;
	}
	hlen = (size_t)(vhl & 0x0fu) * 4u;
	if (vhl >> 4 != 4 || hlen < PKT_IP4_HDR || total < hlen) {
		return -EBADMSG;
	}
	/* Options are skipped, but a header cut inside them is unusable. */
	if ((rc = pcur_skip(&h, hlen - PKT_IP4_HDR)) < 0) {
		return rc;
	}
	ip_take(c, d, total);
	/* Cannot fail: the whole header was just read from the same position. */
	(void)pcur_skip(&d->ip, hlen);
	info->l3 = PKT_L3_IPV4;
	info->ttl = ttl;
	memcpy(info->src, src, sizeof(src));
	memcpy(info->dst, dst, sizeof(dst));
	if (frag & (PKT_IP4_MF | PKT_IP4_OFFMASK)) {
		info->flags |= PKT_F_FRAG;
		if (frag & PKT_IP4_OFFMASK) {
			d->nonfirst = true;
		} else {
			info->flags |= PKT_F_FRAG0;
		}
	}
	return l4_decode(d, proto);
}

/*
 * A zero payload length is legal only in a jumbogram (RFC 2675), which has
 * its real length in a hop-by-hop option. Only the option's presence is
 * checked; c is positioned at the hop-by-hop header.
 */
static bool ip6_jumbo(const struct pcur *c)
{
	struct pcur t = *c, opts;
	uint8_t nh, hlen, type, olen;

	if (pcur_u8(&t, &nh) < 0 || pcur_u8(&t, &hlen) < 0 ||
	    pcur_sub(&t, (size_t)hlen * 8u + 6u, &opts) < 0) {
		return false;
	}
	while (pcur_u8(&opts, &type) == 0) {
		if (type == PKT_IP6_JUMBO) {
			return true;
		}
		if (type == PKT_IP6_PAD1) {
			continue;
		}
		if (pcur_u8(&opts, &olen) < 0 || pcur_skip(&opts, olen) < 0) {
			return false;
		}
	}
	return false;
}

static bool ip6_is_ext(uint8_t nh)
{
	switch (nh) {
	case PKT_IPP_HOPOPTS:
	case PKT_IPP_ROUTING:
	case PKT_IPP_FRAGMENT:
	case PKT_IPP_AH:
	case PKT_IPP_DSTOPTS:
	case PKT_IPP_MOBILITY:
	case PKT_IPP_HIP:
	case PKT_IPP_SHIM6:
		return true;
	default:
		/* Includes ESP (50) and No Next Header (59): they end the chain. */
		return false;
	}
}

/* Walk the extension header chain; *nh enters as the first, leaves as the last. */
static int ip6_ext_decode(struct pkt_dec *d, uint8_t *nh)
{
	struct pcur *c = &d->ip;

	for (unsigned int n = 0; ip6_is_ext(*nh) && !d->nonfirst; n++) {
		uint8_t next, hlen;
		uint16_t frag;
		size_t size;
		int rc;

		if (n == PKT_IP6_MAX_EXT) {
			return -EBADMSG;
		}
		if ((rc = pcur_u8(c, &next)) < 0 || (rc = pcur_u8(c, &hlen)) < 0) {
			return rc;
		}
		if (*nh == PKT_IPP_FRAGMENT) {
			/* Fixed 8 bytes; hlen is a reserved byte here. */
			if ((rc = pcur_u16be(c, &frag)) < 0 || (rc = pcur_skip(c, 4)) < 0) {
				return rc;
			}
			if (frag & (PKT_IP6_MF | PKT_IP6_OFFMASK)) {
				d->info->flags |= PKT_F_FRAG;
				if (frag & PKT_IP6_OFFMASK) {
					d->nonfirst = true;
				} else {
					d->info->flags |= PKT_F_FRAG0;
				}
			}
		} else {
			/* AH counts 4-byte words minus 2, the others 8-byte units minus 1. */
			size = *nh == PKT_IPP_AH ? ((size_t)hlen + 2u) * 4u
						 : ((size_t)hlen + 1u) * 8u;
			if ((rc = pcur_skip(c, size - 2u)) < 0) {
				return rc;
			}
		}
		*nh = next;
	}
	return 0;
}

static int ip6_decode(struct pcur *c, struct pkt_dec *d)
{
	struct pkt_info *info = d->info;
	struct pcur h = *c;
	uint8_t nh, hlim, src[16], dst[16];
	uint16_t plen;
	uint32_t vtf, wire;
	int rc;

	if ((rc = pcur_u32be(&h, &vtf)) < 0 || (rc = pcur_u16be(&h, &plen)) < 0 ||
	    (rc = pcur_u8(&h, &nh)) < 0 || (rc = pcur_u8(&h, &hlim)) < 0 ||
	    (rc = pcur_copy(&h, src, sizeof(src))) < 0 ||
	    (rc = pcur_copy(&h, dst, sizeof(dst))) < 0) {
		return rc;
	}
	if (vtf >> 28 != 6) {
		return -EBADMSG;
	}
	wire = PKT_IP6_HDR + (uint32_t)plen;
	if (plen == 0 && nh == PKT_IPP_HOPOPTS && ip6_jumbo(&h)) {
		/* The jumbo length cannot be described by 16-bit offsets anyway. */
		wire = (uint32_t)pcur_left(c);
	}
	ip_take(c, d, wire);
	/* Cannot fail: the 40 bytes were just read from the same position. */
	(void)pcur_skip(&d->ip, PKT_IP6_HDR);
	info->l3 = PKT_L3_IPV6;
	info->ttl = hlim;
	memcpy(info->src, src, sizeof(src));
	memcpy(info->dst, dst, sizeof(dst));
	if ((rc = ip6_ext_decode(d, &nh)) < 0) {
		return rc;
	}
	return l4_decode(d, nh);
}

int pkt_decode(const uint8_t *buf, size_t len, enum pkt_link link, struct pkt_info *info)
{
	struct pkt_dec d = {.info = info};
	struct pcur c;
	uint8_t l3 = PKT_L3_NONE;
	int rc;

	memset(info, 0, sizeof(*info));
	/*
	 * Offsets in pkt_info are 16 bits wide, so only the first 64 KiB - 1
	 * bytes are looked at; a longer capture is treated as cut there.
	 */
	pcur_init(&c, buf, len < UINT16_MAX ? len : UINT16_MAX);
	rc = link_decode(&c, link, info, &l3);
	if (rc == 0 && l3 == PKT_L3_IPV4) {
		rc = ip4_decode(&c, &d);
	} else if (rc == 0 && l3 == PKT_L3_IPV6) {
		rc = ip6_decode(&c, &d);
	}
	if (rc == -EBADMSG) {
		info->flags |= PKT_F_MALFORMED;
	}
	return rc;
}
