/*
 * Block mode: cut a flow. The packet is dropped and, for TCP, both ends get
 * a reset built from that very packet, so its sequence numbers are the
 * ones each end expects next (RFC 5961: a reset is accepted at once only
 * when its sequence number is exactly the receiver's next expected one):
 *
 *   packet A->B with seq S, ack K, L payload bytes (SYN/FIN count 1), dropped
 *   reset to B, as if from A: seq S, ack K       (B has not seen S yet)
 *   reset to A, as if from B: seq K, ack S+L     (A expects K from B)
 *
 * A SYN (no ACK yet) only gets a reset back to its sender. Resets are never
 * answered with resets. The frames already in flight when the block fell
 * would each earn a pair: after the first few, only every 32nd dropped
 * frame of the flow does, which still resets an end that ignored the first.
 */
#include <string.h>

#include "eng_priv.h"

#define RST_MAX_FRAME 256

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2) {
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	}
	if (n & 1u) {
		s += (uint32_t)(p[n - 1] << 8);
	}
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16) {
		s = (s & 0xffffu) + (s >> 16);
	}
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One reset from (src, sport) to (dst, dport); returns the frame length. */
struct rst {
	const uint8_t *l2; /* link header to copy */
	size_t l2_len;
	bool swap_mac; /* reverse direction of an Ethernet frame */
	uint8_t family;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
};

static size_t build_ip(const struct rst *r, uint8_t *ip)
{
	if (r->family == 4) {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, 40);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, r->src, 4);
		memcpy(ip + 16, r->dst, 4);
		put16(ip + 10, fold(sum16(ip, 20, 0)));
		return 20;
	}
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, 20);
	ip[6] = 6;
	ip[7] = 64;
	memcpy(ip + 8, r->src, 16);
	memcpy(ip + 24, r->dst, 16);
	return 40;
}

static size_t build_rst(const struct rst *r, uint8_t *out)
{
	memcpy(out, r->l2, r->l2_len);
	if (r->swap_mac) {
		uint8_t mac[6];
		memcpy(mac, out, 6);
		memcpy(out, out + 6, 6);
		memcpy(out + 6, mac, 6);
	}
	uint8_t *ip = out + r->l2_len;
	size_t ihl = build_ip(r, ip);
	uint8_t *tcp = ip + ihl;
	memset(tcp, 0, 20);
	put16(tcp, r->sport);
	put16(tcp + 2, r->dport);
	put32(tcp + 4, r->seq);
	put32(tcp + 8, r->ack);
	tcp[12] = 5u << 4;
	tcp[13] = PKT_TCP_RST | PKT_TCP_ACK;
	/* Checksum over the pseudo-header (addresses, protocol, length) and the header. */
	size_t alen = r->family == 4 ? 4 : 16;
	uint32_t s = sum16(r->src, alen, 0);
	s = sum16(r->dst, alen, s);
	s += 6u + 20u;
	put16(tcp + 16, fold(sum16(tcp, 20, s)));
	return r->l2_len + ihl + 20;
}

static enum eng_side reverse_side(enum eng_side from)
{
	return from;
}

static enum eng_side forward_side(enum eng_side from)
{
	return from == ENG_SIDE_LAN ? ENG_SIDE_WAN : from == ENG_SIDE_WAN ? ENG_SIDE_LAN : from;
}

static void send_resets(struct eng *e, enum eng_side from, enum pkt_link link,
			const struct port_frame *f, const struct pkt_info *pi)
{
	uint8_t frame[RST_MAX_FRAME];
	if (pi->l3_off + 60u > RST_MAX_FRAME) {
		return; /* a link header too long to copy (deep tag stacks): drop only */
	}
	uint32_t span = pi->payload_wire + ((pi->tcp_flags & PKT_TCP_SYN) ? 1u : 0u) +
			((pi->tcp_flags & PKT_TCP_FIN) ? 1u : 0u);
	struct rst back = {
		.l2 = f->data,
		.l2_len = pi->l3_off,
		.swap_mac = link == PKT_LINK_ETH,
		.family = pi->l3 == PKT_L3_IPV4 ? 4 : 6,
		.src = pi->dst,
		.dst = pi->src,
		.sport = pi->dport,
		.dport = pi->sport,
		.seq = (pi->tcp_flags & PKT_TCP_ACK) ? pi->tcp_ack : 0,
		.ack = pi->tcp_seq + span,
	};
	size_t n = build_rst(&back, frame);
	e->inject(e->inject_ctx, reverse_side(from), link, frame, n, f->ts_us);
	e->c.resets++;
	if (!(pi->tcp_flags & PKT_TCP_ACK)) {
		return; /* a SYN: the other end has not heard of this connection */
	}
	struct rst fwd = back;
	fwd.swap_mac = false;
	fwd.src = pi->src;
	fwd.dst = pi->dst;
	fwd.sport = pi->sport;
	fwd.dport = pi->dport;
	fwd.seq = pi->tcp_seq;
	fwd.ack = pi->tcp_ack;
	n = build_rst(&fwd, frame);
	e->inject(e->inject_ctx, forward_side(from), link, frame, n, f->ts_us);
	e->c.resets++;
}

#define RST_FIRST 4u  /* dropped frames of a flow answered with resets each */
#define RST_EVERY 32u /* then one in this many */

enum eng_verdict eng_block(struct eng *e, struct flow *fl, enum eng_side from, enum pkt_link link,
			   const struct port_frame *f, const struct pkt_info *pi)
{
	e->c.blocked++;
	if (e->inject == NULL || pi->l4proto != 6 || !(pi->flags & PKT_F_L4) ||
	    (pi->tcp_flags & PKT_TCP_RST)) {
		return ENG_DROP;
	}
	if (fl->rst_sent < RST_FIRST || (fl->pkts[0] + fl->pkts[1]) % RST_EVERY == 0) {
		send_resets(e, from, link, f, pi);
		if (fl->rst_sent < UINT8_MAX) {
			fl->rst_sent++;
		}
	}
	return ENG_DROP;
}
