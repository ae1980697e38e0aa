/*
 * Unit tests for pkt_decode(). Frames are built byte by byte so each test
 * shows exactly what is on the wire; every error path of the decoder is
 * reached by at least one test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pkt.h"

/* A frame under construction. */
struct fb {
	uint8_t b[2048];
	size_t n;
};

static void fb_u8(struct fb *f, uint8_t v)
{
	assert_true(f->n < sizeof(f->b));
	f->b[f->n++] = v;
}

static void fb_u16(struct fb *f, uint16_t v)
{
	fb_u8(f, (uint8_t)(v >> 8));
	fb_u8(f, (uint8_t)v);
}

static void fb_u32(struct fb *f, uint32_t v)
{
	fb_u16(f, (uint16_t)(v >> 16));
	fb_u16(f, (uint16_t)v);
}

static void fb_fill(struct fb *f, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fb_u8(f, v);
	}
}

static void fb_put16(struct fb *f, size_t at, uint16_t v)
{
	f->b[at] = (uint8_t)(v >> 8);
	f->b[at + 1] = (uint8_t)v;
}

static const uint8_t SRC4[4] = {192, 0, 2, 1};
static const uint8_t DST4[4] = {198, 51, 100, 7};
static const uint8_t SRC6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef};

/* Ethernet II header with the given ethertype (or 802.3 length). */
static void fb_eth(struct fb *f, uint16_t type)
{
	fb_fill(f, 0x02, 6);
	fb_fill(f, 0x04, 6);
	fb_u16(f, type);
}

static void fb_vlan(struct fb *f, uint16_t tpid, uint16_t tci)
{
	fb_u16(f, tpid);
	fb_u16(f, tci);
}

/*
 * IPv4 header with optlen bytes of options (NOPs); returns its offset.
 * The total length is patched by fb_ip4_end().
 */
static size_t fb_ip4(struct fb *f, uint8_t proto, size_t optlen, uint16_t frag)
{
	size_t at = f->n;

	fb_u8(f, (uint8_t)(0x40 | (20 + optlen) / 4));
	fb_u8(f, 0);
	fb_u16(f, 0);
	fb_u16(f, 0x1234);
	fb_u16(f, frag);
	fb_u8(f, 64);
	fb_u8(f, proto);
	fb_u16(f, 0);
	for (size_t i = 0; i < 4; i++) {
		fb_u8(f, SRC4[i]);
	}
	for (size_t i = 0; i < 4; i++) {
		fb_u8(f, DST4[i]);
	}
	fb_fill(f, 0x01, optlen);
	return at;
}

static void fb_ip4_end(struct fb *f, size_t at)
{
	fb_put16(f, at + 2, (uint16_t)(f->n - at));
}

/* IPv6 header; the payload length is patched by fb_ip6_end(). */
static size_t fb_ip6(struct fb *f, uint8_t nh)
{
	size_t at = f->n;

	fb_u32(f, 0x60000000u);
	fb_u16(f, 0);
	fb_u8(f, nh);
	fb_u8(f, 255);
	for (size_t i = 0; i < 16; i++) {
		fb_u8(f, SRC6[i]);
	}
	for (size_t i = 0; i < 16; i++) {
		fb_u8(f, DST6[i]);
	}
	return at;
}

static void fb_ip6_end(struct fb *f, size_t at)
{
	fb_put16(f, at + 4, (uint16_t)(f->n - at - 40));
}

/* Generic IPv6 extension header of (units + 1) * 8 bytes. */
static void fb_ext(struct fb *f, uint8_t nh, uint8_t units)
{
	fb_u8(f, nh);
	fb_u8(f, units);
	fb_fill(f, 0, (size_t)units * 8 + 6);
}

static void fb_frag6(struct fb *f, uint8_t nh, uint16_t offlg)
{
	fb_u8(f, nh);
	fb_u8(f, 0);
	fb_u16(f, offlg);
	fb_u32(f, 0xcafef00du);
}

/* TCP header with optlen bytes of options (NOPs). */
static void fb_tcp(struct fb *f, size_t optlen, uint8_t flags)
{
	fb_u16(f, 40000);
	fb_u16(f, 443);
	fb_u32(f, 0x11223344u);
	fb_u32(f, 0x55667788u);
	fb_u8(f, (uint8_t)(((20 + optlen) / 4) << 4));
	fb_u8(f, flags);
	fb_u16(f, 0xfaf0);
	fb_u32(f, 0);
	fb_fill(f, 0x01, optlen);
}

static void fb_udp(struct fb *f, uint16_t ulen)
{
	fb_u16(f, 5353);
	fb_u16(f, 53);
	fb_u16(f, ulen);
	fb_u16(f, 0);
}

static void fb_icmp(struct fb *f, uint8_t type, uint8_t code)
{
	fb_u8(f, type);
	fb_u8(f, code);
	fb_u16(f, 0);
	fb_u32(f, 0x00010002u);
}

static void assert_ip4_addrs(const struct pkt_info *pi)
{
	static const uint8_t zero[12];

	assert_int_equal(pkt_addr_len(pi), 4);
	assert_memory_equal(pi->src, SRC4, 4);
	assert_memory_equal(pi->dst, DST4, 4);
	assert_memory_equal(pi->src + 4, zero, 12);
	assert_memory_equal(pi->dst + 4, zero, 12);
}

static void assert_ip6_addrs(const struct pkt_info *pi)
{
	assert_int_equal(pkt_addr_len(pi), 16);
	assert_memory_equal(pi->src, SRC6, 16);
	assert_memory_equal(pi->dst, DST6, 16);
}

/* Transport fields that must stay zero when PKT_F_L4 is not set. */
static void assert_no_l4(const struct pkt_info *pi)
{
	assert_false(pi->flags & PKT_F_L4);
	assert_int_equal(pi->sport, 0);
	assert_int_equal(pi->dport, 0);
	assert_int_equal(pi->tcp_flags, 0);
	assert_int_equal(pi->tcp_seq, 0);
	assert_int_equal(pi->tcp_ack, 0);
	assert_int_equal(pi->tcp_win, 0);
}

/* Everything above layer 2 must be zero (non-IP frame or unusable IP header). */
static void assert_no_l3(const struct pkt_info *pi)
{
	static const uint8_t zero[16];

	assert_int_equal(pi->l3, PKT_L3_NONE);
	assert_int_equal(pi->l4proto, 0);
	assert_memory_equal(pi->src, zero, 16);
	assert_memory_equal(pi->dst, zero, 16);
	assert_int_equal(pi->ttl, 0);
	assert_int_equal(pi->l3_off, 0);
	assert_int_equal(pi->l3_len, 0);
	assert_int_equal(pi->l4_off, 0);
	assert_int_equal(pi->payload_off, 0);
	assert_int_equal(pi->payload_len, 0);
	assert_int_equal(pi->payload_wire, 0);
	assert_false(pi->flags & (PKT_F_FRAG | PKT_F_FRAG0 | PKT_F_SNAPPED));
	assert_no_l4(pi);
}

static void assert_no_vlan(const struct pkt_info *pi)
{
	assert_int_equal(pi->n_vlan, 0);
	assert_int_equal(pi->vlan[0], 0);
	assert_int_equal(pi->vlan[1], 0);
	assert_false(pi->flags & PKT_F_VLAN);
}

/* Decode with garbage in info first, so a field the decoder forgets shows. */
static int decode(const struct fb *f, enum pkt_link link, struct pkt_info *pi)
{
	memset(pi, 0xa5, sizeof(*pi));
	return pkt_decode(f->b, f->n, link, pi);
}

/* Ethernet, IPv4 with 4 option bytes, TCP with 12 option bytes, 10 data bytes. */
static void build_eth_ip4_tcp(struct fb *f)
{
	size_t ip;

	fb_eth(f, 0x0800);
	ip = fb_ip4(f, 6, 4, 0x4000);
	fb_tcp(f, 12, 0x52);
	fb_fill(f, 'x', 10);
	fb_ip4_end(f, ip);
}

static void test_ip4_tcp_options(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	build_eth_ip4_tcp(&f);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_no_vlan(&pi);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.l4proto, 6);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_ip4_addrs(&pi);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.dport, 443);
	/* ECE (0x40) is dropped, ACK|SYN kept. */
	assert_int_equal(pi.tcp_flags, PKT_TCP_ACK | PKT_TCP_SYN);
	assert_int_equal(pi.ttl, 64);
	assert_int_equal(pi.tcp_seq, 0x11223344u);
	assert_int_equal(pi.tcp_ack, 0x55667788u);
	assert_int_equal(pi.tcp_win, 0xfaf0);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.l4_off, 14 + 24);
	assert_int_equal(pi.payload_off, 14 + 24 + 32);
	assert_int_equal(pi.l3_len, 24 + 32 + 10);
	assert_int_equal(pi.payload_len, 10);
	assert_int_equal(pi.payload_wire, 10);
}

static void test_ip4_udp(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x0800);
	ip = fb_ip4(&f, 17, 0, 0);
	fb_udp(&f, 8 + 30);
	fb_fill(&f, 'u', 30);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.l4proto, 17);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_ip4_addrs(&pi);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.tcp_flags, 0);
	assert_int_equal(pi.tcp_seq, 0);
	assert_int_equal(pi.tcp_ack, 0);
	assert_int_equal(pi.tcp_win, 0);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.payload_off, 42);
	assert_int_equal(pi.l3_len, 58);
	assert_int_equal(pi.payload_len, 30);
	assert_int_equal(pi.payload_wire, 30);
}

static void test_ip4_icmp(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x0800);
	ip = fb_ip4(&f, 1, 0, 0);
	fb_icmp(&f, 3, 1);
	fb_fill(&f, 0, 28);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.l4proto, 1);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pi.sport, 0x0301);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.payload_off, 42);
	assert_int_equal(pi.payload_len, 28);
	assert_int_equal(pi.payload_wire, 28);
	assert_int_equal(pi.tcp_seq, 0);
}

/* An unknown transport (GRE) is success: l4proto and l4_off, no ports. */
static void test_ip4_other_transport(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x0800);
	ip = fb_ip4(&f, 47, 0, 0);
	fb_fill(&f, 0, 12);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.l4proto, 47);
	assert_int_equal(pi.flags, 0);
	assert_no_l4(&pi);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.payload_off, 34);
	assert_int_equal(pi.payload_len, 12);
	assert_int_equal(pi.payload_wire, 12);
}

static void test_ip6_tcp(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 6);
	fb_tcp(&f, 0, PKT_TCP_FIN | PKT_TCP_PSH | PKT_TCP_ACK | 0x80);
	fb_fill(&f, 'y', 7);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.ethertype, 0x86dd);
	assert_no_vlan(&pi);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.l4proto, 6);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_ip6_addrs(&pi);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.dport, 443);
	assert_int_equal(pi.tcp_flags, PKT_TCP_FIN | PKT_TCP_PSH | PKT_TCP_ACK);
	assert_int_equal(pi.ttl, 255);
	assert_int_equal(pi.tcp_seq, 0x11223344u);
	assert_int_equal(pi.tcp_ack, 0x55667788u);
	assert_int_equal(pi.tcp_win, 0xfaf0);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.l4_off, 54);
	assert_int_equal(pi.payload_off, 74);
	assert_int_equal(pi.l3_len, 40 + 20 + 7);
	assert_int_equal(pi.payload_len, 7);
	assert_int_equal(pi.payload_wire, 7);
}

static void test_ip6_icmpv6(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 58);
	fb_icmp(&f, 128, 0);
	fb_fill(&f, 'p', 16);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.l4proto, 58);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pi.sport, 0x8000);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.l4_off, 54);
	assert_int_equal(pi.payload_off, 62);
	assert_int_equal(pi.payload_len, 16);
	assert_int_equal(pi.payload_wire, 16);
}

/* Protocol 1 under IPv6 is not ICMPv6: an unknown transport. */
static void test_ip6_icmp4_is_unknown(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 1);
	fb_icmp(&f, 8, 0);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.l4proto, 1);
	assert_int_equal(pi.flags, 0);
	assert_no_l4(&pi);
	assert_int_equal(pi.payload_off, 54);
	assert_int_equal(pi.payload_len, 8);
}

/* Hop-by-hop (8) + routing (24) + destination options (16) + AH (24) + UDP. */
static void build_ip6_chain(struct fb *f)
{
	size_t ip;

	fb_eth(f, 0x86dd);
	ip = fb_ip6(f, 0);
	fb_ext(f, 43, 0);
	fb_ext(f, 60, 2);
	fb_ext(f, 51, 1);
	/* AH: payload length 4 means (4 + 2) * 4 = 24 bytes. */
	fb_u8(f, 17);
	fb_u8(f, 4);
	fb_fill(f, 0xab, 22);
	fb_udp(f, 8 + 5);
	fb_fill(f, 'z', 5);
	fb_ip6_end(f, ip);
}

static void test_ip6_ext_chain(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	build_ip6_chain(&f);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.l4proto, 17);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_ip6_addrs(&pi);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.l4_off, 14 + 40 + 8 + 24 + 16 + 24);
	assert_int_equal(pi.payload_off, pi.l4_off + 8);
	assert_int_equal(pi.l3_len, 40 + 8 + 24 + 16 + 24 + 8 + 5);
	assert_int_equal(pi.payload_len, 5);
	assert_int_equal(pi.payload_wire, 5);
}

static void test_ip6_ext_truncated(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 43);
	fb_u8(&f, 6);
	fb_u8(&f, 4); /* claims 40 bytes, only 10 present */
	fb_fill(&f, 0, 8);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	/* The IPv6 header itself was fine and stays decoded. */
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_ip6_addrs(&pi);
	assert_int_equal(pi.l3_off, 14);
	assert_int_equal(pi.l3_len, 50);
	assert_int_equal(pi.l4proto, 0);
	assert_int_equal(pi.l4_off, 0);
	assert_int_equal(pi.payload_off, 0);
	assert_no_l4(&pi);
}

static void test_ip6_frag_first(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 44);
	fb_frag6(&f, 17, 0x0001);
	/* The UDP length covers the reassembled datagram, beyond this fragment. */
	fb_udp(&f, 3000);
	fb_fill(&f, 'f', 16);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_FRAG | PKT_F_FRAG0 | PKT_F_L4);
	assert_int_equal(pi.l4proto, 17);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.l4_off, 62);
	assert_int_equal(pi.payload_off, 70);
	assert_int_equal(pi.payload_len, 16);
	assert_int_equal(pi.payload_wire, 16);
}

static void test_ip6_frag_nonfirst(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 0);
	fb_ext(&f, 44, 0);
	fb_frag6(&f, 6, (uint16_t)(185 << 3));
	/* Looks like a TCP header with a bad data offset: must not be parsed. */
	fb_fill(&f, 0, 24);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_FRAG);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.l4proto, 6);
	assert_no_l4(&pi);
	assert_int_equal(pi.l4_off, 14 + 40 + 8 + 8);
	assert_int_equal(pi.payload_off, pi.l4_off);
	assert_int_equal(pi.payload_len, 24);
	assert_int_equal(pi.payload_wire, 24);
}

/* Offset 0 without M is an atomic fragment (RFC 6946), not a fragment. */
static void test_ip6_frag_atomic(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 44);
	fb_frag6(&f, 6, 0);
	fb_tcp(&f, 0, PKT_TCP_RST);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pi.tcp_flags, PKT_TCP_RST);
	assert_int_equal(pi.l4_off, 62);
}

static void build_ip6_n_ext(struct fb *f, unsigned int n)
{
	size_t ip;

	fb_eth(f, 0x86dd);
	ip = fb_ip6(f, n ? 60 : 59);
	for (unsigned int i = 0; i < n; i++) {
		fb_ext(f, i + 1 < n ? 60 : 59, 0);
	}
	fb_ip6_end(f, ip);
}

static void test_ip6_ext_limit(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	build_ip6_n_ext(&f, 16);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.l4proto, 59);
	assert_int_equal(pi.flags, 0);
	assert_int_equal(pi.l4_off, 14 + 40 + 16 * 8);
	assert_int_equal(pi.payload_len, 0);
	assert_int_equal(pi.payload_wire, 0);

	memset(&f, 0, sizeof(f));
	build_ip6_n_ext(&f, 17);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.l4proto, 0);
	assert_int_equal(pi.l4_off, 0);
}

static void test_ip6_esp(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 60);
	fb_ext(&f, 50, 0);
	fb_fill(&f, 0xee, 32);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.l4proto, 50);
	assert_int_equal(pi.flags, 0);
	assert_no_l4(&pi);
	assert_int_equal(pi.l4_off, 62);
	assert_int_equal(pi.payload_off, 62);
	assert_int_equal(pi.payload_len, 32);
	assert_int_equal(pi.payload_wire, 32);
}

/* Payload length 0 with a jumbo option: the captured length is used. */
static void test_ip6_jumbo(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	fb_eth(&f, 0x86dd);
	fb_ip6(&f, 0);
	fb_u8(&f, 6);
	fb_u8(&f, 0);
	fb_u8(&f, 0xc2);
	fb_u8(&f, 4);
	fb_u32(&f, 70000);
	fb_tcp(&f, 0, PKT_TCP_ACK);
	fb_fill(&f, 'j', 20);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pi.l4proto, 6);
	assert_int_equal(pi.l3_len, 40 + 8 + 20 + 20);
	assert_int_equal(pi.l4_off, 14 + 40 + 8);
	assert_int_equal(pi.payload_off, 14 + 40 + 8 + 20);
	assert_int_equal(pi.payload_len, 20);
	assert_int_equal(pi.payload_wire, 20);

	/* The same without the jumbo option (PadN instead) is inconsistent. */
	f.b[14 + 40 + 2] = 0x01;
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.l3_len, 40);
}

static void test_ip4_frag_first(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x0800);
	ip = fb_ip4(&f, 17, 0, 0x2000);
	fb_udp(&f, 1480);
	fb_fill(&f, 'a', 24);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_FRAG | PKT_F_FRAG0 | PKT_F_L4);
	assert_int_equal(pi.sport, 5353);
	assert_int_equal(pi.dport, 53);
	assert_int_equal(pi.payload_off, 42);
	assert_int_equal(pi.payload_len, 24);
	assert_int_equal(pi.payload_wire, 24);
}

static void test_ip4_frag_middle_last(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x0800);
	ip = fb_ip4(&f, 6, 0, 0x2000 | 185);
	fb_fill(&f, 0, 16); /* would be a TCP header with data offset 0 */
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_FRAG);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.l4proto, 6);
	assert_no_l4(&pi);
	assert_int_equal(pi.l4_off, 34);
	assert_int_equal(pi.payload_off, 34);
	assert_int_equal(pi.payload_len, 16);
	assert_int_equal(pi.payload_wire, 16);

	/* Last fragment: MF clear, offset set. */
	fb_put16(&f, 14 + 6, 370);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_FRAG);
}

/* A short frame padded to 60 bytes: the padding is not payload. */
static void test_eth_padding_trimmed(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x0800);
	ip = fb_ip4(&f, 17, 0, 0);
	fb_udp(&f, 10);
	fb_fill(&f, 'q', 2);
	fb_ip4_end(&f, ip);
	fb_fill(&f, 0, 60 - f.n);
	assert_int_equal(f.n, 60);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pi.l3_len, 30);
	assert_int_equal(pi.payload_off, 42);
	assert_int_equal(pi.payload_len, 2);
	assert_int_equal(pi.payload_wire, 2);
}

static void test_snapped(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x0800);
	ip = fb_ip4(&f, 6, 0, 0);
	fb_tcp(&f, 0, PKT_TCP_ACK);
	fb_fill(&f, 'd', 1000);
	fb_ip4_end(&f, ip);
	/* Capture cut at 100 bytes (snaplen). */
	assert_int_equal(pkt_decode(f.b, 100, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_L4 | PKT_F_SNAPPED);
	assert_int_equal(pi.l3_len, 86);
	assert_int_equal(pi.payload_off, 54);
	assert_int_equal(pi.payload_len, 46);
	assert_int_equal(pi.payload_wire, 1000);
	assert_int_equal(pi.tcp_flags, PKT_TCP_ACK);
}

/* More than 64 KiB captured: offsets are 16 bits, the rest is ignored. */
static void test_oversized_capture(void **state)
{
	size_t len = 70000;
	uint8_t *buf = calloc(1, len);
	struct pkt_info pi;

	(void)state;
	assert_non_null(buf);
	buf[12] = 0x08;
	buf[14] = 0x45;
	buf[16] = 0xff;
	buf[17] = 0xff;
	buf[23] = 17;
	buf[14 + 20 + 4] = 0xff;
	buf[14 + 20 + 5] = 0xff - 20;
	assert_int_equal(pkt_decode(buf, len, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_L4 | PKT_F_SNAPPED);
	assert_int_equal(pi.l3_len, UINT16_MAX - 14);
	assert_int_equal(pi.payload_off, 42);
	assert_int_equal(pi.payload_len, UINT16_MAX - 42);
	assert_int_equal(pi.payload_wire, UINT16_MAX - 28);
	free(buf);
}

static void test_vlan(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x8100);
	fb_u16(&f, 0xe00a); /* PCP 7, VID 10 */
	fb_u16(&f, 0x0800);
	ip = fb_ip4(&f, 17, 0, 0);
	fb_udp(&f, 8);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_VLAN | PKT_F_L4);
	assert_int_equal(pi.n_vlan, 1);
	assert_int_equal(pi.vlan[0], 10);
	assert_int_equal(pi.vlan[1], 0);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_int_equal(pi.l3_off, 18);
	assert_int_equal(pi.l4_off, 38);
	assert_int_equal(pi.payload_off, 46);
	assert_int_equal(pi.payload_len, 0);
}

static void test_qinq(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x88a8);
	fb_u16(&f, 100);
	fb_vlan(&f, 0x8100, 0x1fff);
	fb_u16(&f, 0x86dd);
	ip = fb_ip6(&f, 6);
	fb_tcp(&f, 0, PKT_TCP_SYN);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_VLAN | PKT_F_L4);
	assert_int_equal(pi.n_vlan, 2);
	assert_int_equal(pi.vlan[0], 100);
	assert_int_equal(pi.vlan[1], 0xfff);
	assert_int_equal(pi.ethertype, 0x86dd);
	assert_int_equal(pi.l3_off, 22);
	assert_int_equal(pi.l4_off, 62);
}

/* Eight tags (0x9100, 0x88a8, 0x8100...) decode; only two VIDs are kept. */
static void test_vlan_depth(void **state)
{
	static const uint16_t tpid[3] = {0x9100, 0x88a8, 0x8100};
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	fb_eth(&f, tpid[0]);
	for (unsigned int i = 0; i < 8; i++) {
		fb_u16(&f, (uint16_t)(i + 1));
		fb_u16(&f, i + 1 < 8 ? tpid[(i + 1) % 3] : (uint16_t)0x0806);
	}
	fb_fill(&f, 0, 28);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_VLAN);
	assert_int_equal(pi.n_vlan, 8);
	assert_int_equal(pi.vlan[0], 1);
	assert_int_equal(pi.vlan[1], 2);
	assert_int_equal(pi.ethertype, 0x0806);
	assert_no_l3(&pi);

	/* A ninth tag is malformed. */
	fb_put16(&f, 14 + 7 * 4 + 2, 0x8100);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_VLAN | PKT_F_MALFORMED);
	assert_int_equal(pi.n_vlan, 8);
	assert_int_equal(pi.ethertype, 0);
	assert_no_l3(&pi);
}

static void test_llc_snap(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0);
	fb_u8(&f, 0xaa);
	fb_u8(&f, 0xaa);
	fb_u8(&f, 0x03);
	fb_fill(&f, 0, 3);
	fb_u16(&f, 0x0800);
	ip = fb_ip4(&f, 1, 0, 0);
	fb_icmp(&f, 8, 0);
	fb_ip4_end(&f, ip);
	fb_put16(&f, 12, (uint16_t)(f.n - 14));
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_no_vlan(&pi);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pi.l3_off, 22);
	assert_int_equal(pi.sport, 0x0800);
	assert_ip4_addrs(&pi);

	/* A vendor OUI means the PID is not an ethertype: not IP. */
	f.b[19] = 0x0c;
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.ethertype, 0);
	assert_int_equal(pi.flags, 0);
	assert_no_l3(&pi);

	/* RFC 1042 OUI, but a PID below 0x600 cannot be an ethertype (fuzzer find). */
	f.b[19] = 0;
	fb_put16(&f, 20, 0x0202);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.ethertype, 0);
	assert_no_l3(&pi);
}

static void test_llc_other(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	fb_eth(&f, 38); /* STP BPDU */
	fb_u8(&f, 0x42);
	fb_u8(&f, 0x42);
	fb_u8(&f, 0x03);
	fb_fill(&f, 0, 35);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.ethertype, 0);
	assert_int_equal(pi.flags, 0);
	assert_no_vlan(&pi);
	assert_no_l3(&pi);

	/* LLC header cut short. */
	assert_int_equal(pkt_decode(f.b, 16, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	/* SNAP header cut short. */
	f.b[14] = 0xaa;
	f.b[15] = 0xaa;
	assert_int_equal(pkt_decode(f.b, 20, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.ethertype, 0);
}

static void test_arp(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	fb_eth(&f, 0x0806);
	fb_u16(&f, 1);
	fb_u16(&f, 0x0800);
	fb_fill(&f, 0, 24);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.ethertype, 0x0806);
	assert_int_equal(pi.flags, 0);
	assert_no_vlan(&pi);
	assert_no_l3(&pi);
}

static void test_eth_truncated_header(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	fb_eth(&f, 0x0800);
	assert_int_equal(pkt_decode(f.b, 13, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.ethertype, 0);
	/* Ethertype IPv4 but nothing after it. */
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_no_l3(&pi);
}

static void test_link_raw(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	ip = fb_ip4(&f, 6, 0, 0);
	fb_tcp(&f, 0, PKT_TCP_SYN);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_RAW, &pi), 0);
	assert_int_equal(pi.ethertype, 0);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pi.l3_off, 0);
	assert_int_equal(pi.l4_off, 20);
	assert_int_equal(pi.payload_off, 40);
	assert_ip4_addrs(&pi);

	memset(&f, 0, sizeof(f));
	ip = fb_ip6(&f, 17);
	fb_udp(&f, 8);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_RAW, &pi), 0);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pi.l4_off, 40);
	assert_ip6_addrs(&pi);

	f.b[0] = 0x50;
	assert_int_equal(decode(&f, PKT_LINK_RAW, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_no_l3(&pi);
	assert_int_equal(pkt_decode(f.b, 0, PKT_LINK_RAW, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
}

static void test_link_null(void **state)
{
	static const uint8_t v6fam[3] = {24, 28, 30};
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_u32(&f, 0x02000000u); /* AF_INET, little-endian */
	ip = fb_ip4(&f, 17, 0, 0);
	fb_udp(&f, 8);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_NULL_LE, &pi), 0);
	assert_int_equal(pi.ethertype, 0);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.l3_off, 4);
	assert_int_equal(pi.l4_off, 24);
	assert_int_equal(pi.flags, PKT_F_L4);
	/* Read big-endian, the same family is 0x02000000: not IP. */
	assert_int_equal(decode(&f, PKT_LINK_NULL_BE, &pi), 0);
	assert_int_equal(pi.flags, 0);
	assert_no_l3(&pi);

	for (unsigned int i = 0; i < 3; i++) {
		memset(&f, 0, sizeof(f));
		fb_u32(&f, v6fam[i]); /* big-endian */
		ip = fb_ip6(&f, 58);
		fb_icmp(&f, 129, 0);
		fb_ip6_end(&f, ip);
		assert_int_equal(decode(&f, PKT_LINK_NULL_BE, &pi), 0);
		assert_int_equal(pi.l3, PKT_L3_IPV6);
		assert_int_equal(pi.sport, 0x8100);
		assert_int_equal(pi.l4_off, 44);
	}
	assert_int_equal(pkt_decode(f.b, 3, PKT_LINK_NULL_LE, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
}

static void test_link_sll(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_u16(&f, 0);      /* packet type: to us */
	fb_u16(&f, 1);      /* ARPHRD_ETHER */
	fb_u16(&f, 6);      /* address length */
	fb_fill(&f, 2, 8);  /* address, padded */
	fb_u16(&f, 0x0800); /* protocol */
	ip = fb_ip4(&f, 6, 8, 0);
	fb_tcp(&f, 0, PKT_TCP_ACK);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_SLL, &pi), 0);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.l3_off, 16);
	assert_int_equal(pi.l4_off, 44);
	assert_int_equal(pi.payload_off, 64);
	assert_int_equal(pi.flags, PKT_F_L4);

	/* Protocol 4 (802.2) is a Linux pseudo-protocol, not an ethertype. */
	fb_put16(&f, 14, 4);
	assert_int_equal(decode(&f, PKT_LINK_SLL, &pi), 0);
	assert_int_equal(pi.ethertype, 0);
	assert_no_l3(&pi);
	assert_int_equal(pkt_decode(f.b, 15, PKT_LINK_SLL, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
}

static void test_link_sll2(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_u16(&f, 0x86dd); /* protocol */
	fb_u16(&f, 0);      /* reserved */
	fb_u32(&f, 3);      /* interface index */
	fb_u16(&f, 1);      /* ARPHRD_ETHER */
	fb_u8(&f, 4);       /* packet type: outgoing */
	fb_u8(&f, 6);       /* address length */
	fb_fill(&f, 2, 8);
	ip = fb_ip6(&f, 17);
	fb_udp(&f, 8 + 3);
	fb_fill(&f, 'w', 3);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_SLL2, &pi), 0);
	assert_int_equal(pi.ethertype, 0x86dd);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.l3_off, 20);
	assert_int_equal(pi.l4_off, 60);
	assert_int_equal(pi.payload_off, 68);
	assert_int_equal(pi.payload_len, 3);
	assert_int_equal(pi.flags, PKT_F_L4);
	assert_int_equal(pkt_decode(f.b, 19, PKT_LINK_SLL2, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.ethertype, 0);
}

static void test_link_ppp(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	/* HDLC-like framing: FF 03, then the 2-byte protocol 0x0021. */
	fb_u8(&f, 0xff);
	fb_u8(&f, 0x03);
	fb_u16(&f, 0x0021);
	ip = fb_ip4(&f, 6, 0, 0);
	fb_tcp(&f, 0, PKT_TCP_SYN);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_PPP, &pi), 0);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.l3_off, 4);
	assert_int_equal(pi.l4_off, 24);
	assert_ip4_addrs(&pi);

	/* No address/control, compressed 1-byte protocol 0x57: IPv6. */
	memset(&f, 0, sizeof(f));
	fb_u8(&f, 0x57);
	ip = fb_ip6(&f, 17);
	fb_udp(&f, 8);
	fb_ip6_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_PPP, &pi), 0);
	assert_int_equal(pi.l3, PKT_L3_IPV6);
	assert_int_equal(pi.l3_off, 1);
	assert_ip6_addrs(&pi);

	/* LCP (0xc021) is not IP; a lone FF 03 is truncated. */
	memset(&f, 0, sizeof(f));
	fb_u8(&f, 0xff);
	fb_u8(&f, 0x03);
	fb_u16(&f, 0xc021);
	fb_fill(&f, 0, 8);
	assert_int_equal(decode(&f, PKT_LINK_PPP, &pi), 0);
	assert_no_l3(&pi);
	assert_int_equal(pkt_decode(f.b, 2, PKT_LINK_PPP, &pi), -EBADMSG);
	assert_int_equal(pkt_decode(f.b, 3, PKT_LINK_PPP, &pi), -EBADMSG);
}

static void test_link_chdlc(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_u8(&f, 0x0f);
	fb_u8(&f, 0x00);
	fb_u16(&f, 0x0800);
	ip = fb_ip4(&f, 17, 0, 0);
	fb_udp(&f, 8);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_CHDLC, &pi), 0);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_int_equal(pi.l4_off, 24);
	assert_ip4_addrs(&pi);
	/* Cisco keepalives (SLARP, 0x8035) are not IP. */
	fb_put16(&f, 2, 0x8035);
	assert_int_equal(decode(&f, PKT_LINK_CHDLC, &pi), 0);
	assert_no_l3(&pi);
	assert_int_equal(pkt_decode(f.b, 3, PKT_LINK_CHDLC, &pi), -EBADMSG);
}

static void test_link_unknown(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	build_eth_ip4_tcp(&f);
	assert_int_equal(decode(&f, PKT_LINK_COUNT, &pi), -EINVAL);
	assert_int_equal(pi.flags, 0);
	assert_int_equal(pi.ethertype, 0);
	assert_no_l3(&pi);
	assert_int_equal(decode(&f, (enum pkt_link)200, &pi), -EINVAL);
}

static void test_ip4_bad_header(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	build_eth_ip4_tcp(&f);
	/* IHL 4. */
	f.b[14] = 0x44;
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.ethertype, 0x0800);
	assert_no_l3(&pi);
	/* Version 6 behind ethertype IPv4. */
	f.b[14] = 0x66;
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_no_l3(&pi);
	/* Total length 20 < IHL 24. */
	f.b[14] = 0x46;
	fb_put16(&f, 16, 20);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_no_l3(&pi);
	/* Options cut by the capture. */
	fb_put16(&f, 16, 66);
	assert_int_equal(pkt_decode(f.b, 36, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_no_l3(&pi);
}

static void test_ip6_bad_version(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x86dd);
	ip = fb_ip6(&f, 59);
	fb_ip6_end(&f, ip);
	f.b[14] = 0x40;
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.ethertype, 0x86dd);
	assert_no_l3(&pi);
}

static void test_tcp_bad(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;

	(void)state;
	build_eth_ip4_tcp(&f);
	/* Data offset 4. */
	f.b[14 + 24 + 12] = 0x40;
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	/* The IP layer was decoded; the TCP layer was not. */
	assert_int_equal(pi.l3, PKT_L3_IPV4);
	assert_ip4_addrs(&pi);
	assert_int_equal(pi.l4proto, 6);
	assert_int_equal(pi.l4_off, 38);
	assert_int_equal(pi.payload_off, 0);
	assert_int_equal(pi.payload_len, 0);
	assert_int_equal(pi.payload_wire, 0);
	assert_no_l4(&pi);

	/* Data offset 15 (60 bytes) runs past the 42 TCP bytes there are. */
	f.b[14 + 24 + 12] = 0xf0;
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_no_l4(&pi);

	/* Header beyond the capture: total length fine, capture cut in options. */
	f.b[14 + 24 + 12] = 0x80;
	assert_int_equal(pkt_decode(f.b, 14 + 24 + 25, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED | PKT_F_SNAPPED);
	assert_int_equal(pi.l3_len, 49);
	assert_no_l4(&pi);
}

static void test_udp_bad_length(void **state)
{
	struct fb f = {0};
	struct pkt_info pi;
	size_t ip;

	(void)state;
	fb_eth(&f, 0x0800);
	ip = fb_ip4(&f, 17, 0, 0);
	fb_udp(&f, 7);
	fb_fill(&f, 0, 4);
	fb_ip4_end(&f, ip);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	assert_int_equal(pi.l4proto, 17);
	assert_no_l4(&pi);
	/* 13 > 12 bytes of IP payload. */
	fb_put16(&f, 38, 13);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), -EBADMSG);
	assert_int_equal(pi.flags, PKT_F_MALFORMED);
	/* 12 is exact; smaller than the IP payload is accepted. */
	fb_put16(&f, 38, 12);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	fb_put16(&f, 38, 8);
	assert_int_equal(decode(&f, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.payload_len, 4);
	/* A snapped UDP datagram: the length is checked against the wire. */
	fb_put16(&f, 38, 12);
	assert_int_equal(pkt_decode(f.b, 43, PKT_LINK_ETH, &pi), 0);
	assert_int_equal(pi.flags, PKT_F_L4 | PKT_F_SNAPPED);
	assert_int_equal(pi.payload_len, 1);
	assert_int_equal(pi.payload_wire, 4);
}

/*
 * Decode every proper prefix of a valid frame from a heap buffer of exactly
 * that size, so ASan reports any read past the end. A prefix either fails
 * as malformed or succeeds with every offset inside the prefix.
 */
static void check_prefixes(const struct fb *f, enum pkt_link link)
{
	struct pkt_info pi;

	assert_int_equal(pkt_decode(f->b, f->n, link, &pi), 0);
	for (size_t n = 0; n < f->n; n++) {
		uint8_t *buf = malloc(n ? n : 1);
		int rc;

		assert_non_null(buf);
		memcpy(buf, f->b, n);
		rc = pkt_decode(buf, n, link, &pi);
		free(buf);
		assert_true(rc == 0 || rc == -EBADMSG);
		assert_int_equal(rc < 0, (pi.flags & PKT_F_MALFORMED) != 0);
		assert_true((size_t)pi.l3_off + pi.l3_len <= n);
		assert_true(pi.l4_off <= n);
		assert_true((size_t)pi.payload_off + pi.payload_len <= n);
		if (rc == 0 && pi.l3 != PKT_L3_NONE) {
			assert_true(pi.l3_off <= pi.l4_off && pi.l4_off <= pi.payload_off);
			assert_int_equal(pi.payload_off + pi.payload_len, pi.l3_off + pi.l3_len);
			assert_true(pi.payload_len <= pi.payload_wire);
		}
		if (pi.flags & PKT_F_SNAPPED) {
			assert_int_equal(pi.l3_off + pi.l3_len, n);
		}
	}
}

static void test_truncated_every_byte(void **state)
{
	struct fb f;
	size_t ip;

	(void)state;
	memset(&f, 0, sizeof(f));
	build_eth_ip4_tcp(&f);
	check_prefixes(&f, PKT_LINK_ETH);

	memset(&f, 0, sizeof(f));
	build_ip6_chain(&f);
	check_prefixes(&f, PKT_LINK_ETH);

	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x88a8);
	fb_u16(&f, 5);
	fb_vlan(&f, 0x8100, 6);
	fb_u16(&f, 0);
	fb_u8(&f, 0xaa);
	fb_u8(&f, 0xaa);
	fb_u8(&f, 0x03);
	fb_fill(&f, 0, 3);
	fb_u16(&f, 0x0800);
	ip = fb_ip4(&f, 1, 0, 0);
	fb_icmp(&f, 0, 0);
	fb_ip4_end(&f, ip);
	check_prefixes(&f, PKT_LINK_ETH);

	memset(&f, 0, sizeof(f));
	fb_u16(&f, 0x86dd);
	fb_fill(&f, 0, 18);
	ip = fb_ip6(&f, 44);
	fb_frag6(&f, 58, 1);
	fb_icmp(&f, 128, 0);
	fb_ip6_end(&f, ip);
	check_prefixes(&f, PKT_LINK_SLL2);

	memset(&f, 0, sizeof(f));
	fb_u32(&f, 2);
	ip = fb_ip4(&f, 17, 8, 0);
	fb_udp(&f, 8 + 4);
	fb_fill(&f, 'e', 4);
	fb_ip4_end(&f, ip);
	check_prefixes(&f, PKT_LINK_NULL_BE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_tcp_options),
		cmocka_unit_test(test_ip4_udp),
		cmocka_unit_test(test_ip4_icmp),
		cmocka_unit_test(test_ip4_other_transport),
		cmocka_unit_test(test_ip6_tcp),
		cmocka_unit_test(test_ip6_icmpv6),
		cmocka_unit_test(test_ip6_icmp4_is_unknown),
		cmocka_unit_test(test_ip6_ext_chain),
		cmocka_unit_test(test_ip6_ext_truncated),
		cmocka_unit_test(test_ip6_frag_first),
		cmocka_unit_test(test_ip6_frag_nonfirst),
		cmocka_unit_test(test_ip6_frag_atomic),
		cmocka_unit_test(test_ip6_ext_limit),
		cmocka_unit_test(test_ip6_esp),
		cmocka_unit_test(test_ip6_jumbo),
		cmocka_unit_test(test_ip4_frag_first),
		cmocka_unit_test(test_ip4_frag_middle_last),
		cmocka_unit_test(test_eth_padding_trimmed),
		cmocka_unit_test(test_snapped),
		cmocka_unit_test(test_oversized_capture),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_vlan_depth),
		cmocka_unit_test(test_llc_snap),
		cmocka_unit_test(test_llc_other),
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_eth_truncated_header),
		cmocka_unit_test(test_link_raw),
		cmocka_unit_test(test_link_null),
		cmocka_unit_test(test_link_sll),
		cmocka_unit_test(test_link_sll2),
		cmocka_unit_test(test_link_ppp),
		cmocka_unit_test(test_link_chdlc),
		cmocka_unit_test(test_link_unknown),
		cmocka_unit_test(test_ip4_bad_header),
		cmocka_unit_test(test_ip6_bad_version),
		cmocka_unit_test(test_tcp_bad),
		cmocka_unit_test(test_udp_bad_length),
		cmocka_unit_test(test_truncated_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
