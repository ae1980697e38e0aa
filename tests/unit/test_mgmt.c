/*
 * Management stack as the bridge's third port: frames go in through
 * mgmt_frame(), lwIP's frames come out through the tx callback recorded
 * here, and time is the board clock this file controls (it defines the
 * brd_* services, so the board's own clock is not linked).
 *
 * Covered: ARP answered out of the port the request came from; ICMP echo;
 * what is MINE / ALSO / NOT_MINE; MAC learning and its ageing; DHCP lease
 * from a hand-built offer and ack; the static fallback after the DHCP
 * timeout; static addressing; the wan refusal of TCP connection attempts
 * with the per-connection origin; SNTP sync; mDNS answer for leaktap.local.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "brd.h"
#include "cfg.h"
#include "mgmt.h"
#include "mgmt_int.h"

#include "eng.h"
#include "loop.h"
#include "port.h"

#include "lwip/dns.h"
#include "lwip/tcp.h"

/* ---- the board this test simulates ---------------------------------------- */

static uint64_t clock_ms = 1000000;

uint64_t brd_now_ms(void)
{
	return clock_ms;
}

uint64_t brd_now_us(void)
{
	return clock_ms * 1000u;
}

uint64_t brd_wall_us(void)
{
	return 1700000000000000ull + clock_ms * 1000u;
}

int brd_random(void *buf, size_t len)
{
	/* Fixed, so runs replay exactly. */
	static uint32_t x = 12345;
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		((uint8_t *)buf)[i] = (uint8_t)(x >> 16);
	}
	return 0;
}

int brd_wait(const int *fds, size_t n, int timeout_ms)
{
	(void)fds;
	(void)n;
	(void)timeout_ms;
	return 0;
}

/* ---- frames out --------------------------------------------------------- */

#define MAX_OUT 64

struct out_frame {
	enum eng_side side;
	size_t len;
	uint8_t b[1514];
};

static struct out_frame outq[MAX_OUT];
static size_t n_out;
static char last_log[160];

static void rec_tx(void *ctx, enum eng_side side, const uint8_t *frame, size_t len)
{
	(void)ctx;
	assert_true(len <= sizeof(outq[0].b));
	if (n_out < MAX_OUT) {
		outq[n_out].side = side;
		outq[n_out].len = len;
		memcpy(outq[n_out].b, frame, len);
		n_out++;
	}
}

static void rec_log(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(last_log, sizeof(last_log), "%s", line);
}

/* ---- hosts and frames in ------------------------------------------------ */

static const uint8_t our_mac[6] = {0x02, 0x1e, 0xa7, 0x00, 0x00, 0x01};
static const uint8_t wan_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x0a, 0x01}; /* router */
static const uint8_t lan_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x0b, 0x01}; /* office PC */
static const uint8_t lan2_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x0b, 0x02};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t our_ip[4] = {192, 0, 2, 2};
static const uint8_t wan_ip[4] = {192, 0, 2, 1};
static const uint8_t lan_ip[4] = {192, 0, 2, 10};

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

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static uint32_t sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2) {
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	}
	if (n & 1) {
		s += (uint32_t)(p[n - 1] << 8);
	}
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16) {
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)~s;
}

static size_t eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, type);
	return 14;
}

/* IPv4 header at f + 14 for a payload of plen bytes; returns 14 + 20. */
static size_t ip4(uint8_t *f, uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t plen)
{
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + plen));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, fold(sum(ip, 20, 0)));
	return 34;
}

/* ARP request (op 1, broadcast) or reply to us (op 2) from smac/sip about tip. */
static size_t arp(uint8_t *f, uint16_t op, const uint8_t *smac, const uint8_t *sip,
		  const uint8_t *tip)
{
	static const uint8_t zero[6];
	const uint8_t *dmac = op == 1 ? zero : our_mac;
	size_t o = eth(f, op == 1 ? bcast : our_mac, smac, 0x0806);
	static const uint8_t hdr[6] = {0, 1, 8, 0, 6, 4};
	memcpy(f + o, hdr, 6);
	put16(f + o + 6, op);
	memcpy(f + o + 8, smac, 6);
	memcpy(f + o + 14, sip, 4);
	memcpy(f + o + 18, dmac, 6);
	memcpy(f + o + 24, tip, 4);
	return o + 28;
}

static size_t ping(uint8_t *f, const uint8_t *smac, const uint8_t *sip, uint16_t seq)
{
	eth(f, our_mac, smac, 0x0800);
	size_t o = ip4(f, 1, sip, our_ip, 8 + 16);
	uint8_t *icmp = f + o;
	memset(icmp, 0, 8);
	icmp[0] = 8;
	put16(icmp + 4, 0x2a);
	put16(icmp + 6, seq);
	memcpy(icmp + 8, "leaktap-ping!!!!", 16);
	put16(icmp + 2, fold(sum(icmp, 24, 0)));
	return o + 24;
}

/* A host on one side: its MAC and IPv4 address. */
struct host {
	const uint8_t *mac;
	const uint8_t *ip;
};

static const struct host lan_h = {lan_mac, lan_ip};
static const struct host wan_h = {wan_mac, wan_ip};

static size_t tcp_syn(uint8_t *f, const struct host *h, uint16_t sport, uint16_t dport,
		      uint32_t seq)
{
	const uint8_t *sip = h->ip;
	eth(f, our_mac, h->mac, 0x0800);
	size_t o = ip4(f, 6, sip, our_ip, 20);
	uint8_t *t = f + o;
	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	t[12] = 5 << 4;
	t[13] = 0x02; /* SYN */
	put16(t + 14, 8192);
	uint8_t ph[12];
	memcpy(ph, sip, 4);
	memcpy(ph + 4, our_ip, 4);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, 20);
	put16(t + 16, fold(sum(t, 20, sum(ph, 12, 0))));
	return o + 20;
}

/* One end of a UDP datagram. */
struct udp_end {
	const uint8_t *mac;
	const uint8_t *ip;
	uint16_t port;
};

/* UDP datagram (checksum 0: allowed over IPv4) from one end to the other. */
static size_t udp(uint8_t *f, const struct udp_end *from, const struct udp_end *to,
		  const uint8_t *pl, size_t plen)
{
	eth(f, to->mac, from->mac, 0x0800);
	size_t o = ip4(f, 17, from->ip, to->ip, 8 + plen);
	put16(f + o, from->port);
	put16(f + o + 2, to->port);
	put16(f + o + 4, (uint16_t)(8 + plen));
	put16(f + o + 6, 0);
	memcpy(f + o + 8, pl, plen);
	return o + 8 + plen;
}

/* ---- recorded-frame queries --------------------------------------------- */

/* First recorded IPv4 frame with protocol proto (and, for TCP/UDP, that port; 0 = any). */
static const struct out_frame *find_ip(uint8_t proto, uint16_t dport)
{
	for (size_t i = 0; i < n_out; i++) {
		const uint8_t *b = outq[i].b;
		if (outq[i].len >= 42 && get16(b + 12) == 0x0800 && b[23] == proto &&
		    (dport == 0 || get16(b + 36) == dport)) {
			return &outq[i];
		}
	}
	return NULL;
}

static const struct out_frame *find_arp(uint16_t op, const uint8_t *tip)
{
	for (size_t i = 0; i < n_out; i++) {
		const uint8_t *b = outq[i].b;
		if (outq[i].len >= 42 && get16(b + 12) == 0x0806 && get16(b + 20) == op &&
		    memcmp(b + 38, tip, 4) == 0) {
			return &outq[i];
		}
	}
	return NULL;
}

/* ---- fixture ------------------------------------------------------------ */

static struct cfg cfg;
static struct mgmt *m;

static void set_static(struct cfg *c, bool dhcp)
{
	c->mgmt.dhcp = dhcp;
	c->mgmt.has_address = true;
	c->mgmt.address.family = 4;
	c->mgmt.address.prefix = 24;
	memcpy(c->mgmt.address.addr, our_ip, 4);
	c->mgmt.has_gateway = true;
	memcpy(c->mgmt.gateway, wan_ip, 4);
}

static struct mgmt *start(void)
{
	struct mgmt_params p = {.cfg = &cfg, .tx = rec_tx, .log = rec_log};
	memcpy(p.mac, our_mac, 6);
	n_out = 0;
	last_log[0] = '\0';
	m = mgmt_create(&p);
	assert_non_null(m);
	return m;
}

static int setup_static(void **state)
{
	(void)state;
	cfg_default(&cfg);
	set_static(&cfg, false);
	start();
	return 0;
}

static struct tcp_pcb *listener;

static int teardown(void **state)
{
	(void)state;
	/* A failed test leaves its listener bound in lwIP's global tables. */
	if (listener != NULL) {
		tcp_close(listener);
		listener = NULL;
	}
	mgmt_destroy(m);
	m = NULL;
	return 0;
}

/* Advance the clock in steps of step_ms, polling, until done() or limit_ms passed. */
static bool run_until(bool (*done)(void), uint32_t step_ms, uint32_t limit_ms)
{
	for (uint32_t t = 0; t <= limit_ms; t += step_ms) {
		mgmt_poll(m);
		if (done()) {
			return true;
		}
		clock_ms += step_ms;
	}
	return false;
}

/* ---- tests -------------------------------------------------------------- */

static void test_arp_answered_on_its_port(void **state)
{
	(void)state;
	uint8_t f[128];
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_WAN, f, arp(f, 1, wan_mac, wan_ip, our_ip)),
			 MGMT_RX_ALSO);
	const struct out_frame *r = find_arp(2, wan_ip);
	assert_non_null(r);
	assert_int_equal(r->side, ENG_SIDE_WAN);
	assert_memory_equal(r->b, wan_mac, 6);
	assert_memory_equal(r->b + 22, our_mac, 6); /* sender hw: us */
	assert_memory_equal(r->b + 28, our_ip, 4);

	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, arp(f, 1, lan_mac, lan_ip, our_ip)),
			 MGMT_RX_ALSO);
	r = find_arp(2, lan_ip);
	assert_non_null(r);
	assert_int_equal(r->side, ENG_SIDE_LAN);

	/* An ARP request for somebody else is forwarded and not answered. */
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, arp(f, 1, lan_mac, lan_ip, wan_ip)),
			 MGMT_RX_ALSO);
	assert_null(find_arp(2, lan_ip));
}

static void test_icmp_echo(void **state)
{
	(void)state;
	uint8_t f[128];
	mgmt_frame(m, ENG_SIDE_LAN, f, arp(f, 1, lan_mac, lan_ip, our_ip));
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, ping(f, lan_mac, lan_ip, 7)), MGMT_RX_MINE);
	const struct out_frame *r = find_ip(1, 0);
	assert_non_null(r);
	assert_int_equal(r->side, ENG_SIDE_LAN);
	assert_memory_equal(r->b, lan_mac, 6);
	assert_memory_equal(r->b + 30, lan_ip, 4);
	assert_int_equal(r->b[34], 0); /* echo reply */
	assert_int_equal(get16(r->b + 38), 0x2a);
	assert_int_equal(get16(r->b + 40), 7);
	assert_int_equal(fold(sum(r->b + 14, 20, 0)), 0);
	assert_int_equal(fold(sum(r->b + 34, 24, 0)), 0);
	struct mgmt_status st;
	mgmt_get_status(m, &st);
	assert_true(st.rx_frames >= 2);
	assert_true(st.tx_frames >= 2);
}

static void test_what_is_mine(void **state)
{
	(void)state;
	uint8_t f[128];
	static const uint8_t other[6] = {0x02, 0x99, 0, 0, 0, 1};
	static const uint8_t mdns_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
	static const uint8_t other_group[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
	struct mgmt_status before, after;
	mgmt_get_status(m, &before);

	size_t n = ping(f, lan_mac, lan_ip, 1);
	memcpy(f, other, 6);
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, n), MGMT_RX_NOT_MINE);
	memcpy(f, other_group, 6);
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, n), MGMT_RX_NOT_MINE);
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, 5), MGMT_RX_NOT_MINE);
	assert_int_equal(mgmt_frame(NULL, ENG_SIDE_LAN, f, n), MGMT_RX_NOT_MINE);
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, NULL, n), MGMT_RX_NOT_MINE);
	mgmt_get_status(m, &after);
	assert_int_equal(after.rx_frames, before.rx_frames); /* none reached lwIP */

	/* Broadcast, and the mDNS group lwIP joined: delivered and forwarded. */
	memcpy(f, bcast, 6);
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, n), MGMT_RX_ALSO);
#ifdef CONFIG_MGMT_MDNS
	memcpy(f, mdns_mac, 6);
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, n), MGMT_RX_ALSO);
#else
	(void)mdns_mac;
#endif
	/* A unicast frame to us, even truncated or odd, never goes to the bridge. */
	memcpy(f, our_mac, 6);
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, 20), MGMT_RX_MINE);
	/* Our own frame come back through a loop: not fed to lwIP again. */
	mgmt_get_status(m, &before);
	memcpy(f, bcast, 6);
	memcpy(f + 6, our_mac, 6);
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, n), MGMT_RX_NOT_MINE);
	mgmt_get_status(m, &after);
	assert_int_equal(after.rx_frames, before.rx_frames);
}

static void test_mac_learning(void **state)
{
	(void)state;
	uint8_t f[128];
	/* The router answers on wan: the reply to its ping leaves only by wan. */
	mgmt_frame(m, ENG_SIDE_WAN, f, arp(f, 1, wan_mac, wan_ip, our_ip));
	n_out = 0;
	mgmt_frame(m, ENG_SIDE_WAN, f, ping(f, wan_mac, wan_ip, 1));
	const struct out_frame *r = find_ip(1, 0);
	assert_non_null(r);
	assert_int_equal(r->side, ENG_SIDE_WAN);
	assert_int_equal(mgmt_mac_lookup(m, wan_mac), ENG_SIDE_WAN);
	assert_int_equal(mgmt_mac_lookup(m, lan_mac), ENG_SIDE_ANY); /* never heard */
	assert_int_equal(mgmt_mac_lookup(m, bcast), ENG_SIDE_ANY);

	/*
	 * The router goes quiet past the learning lifetime (lwIP's timers not
	 * run, so its ARP entry stays). A ping with the router's IP but sent by
	 * another host is answered to the router's MAC, now unknown: both ports.
	 */
	clock_ms += (uint64_t)CONFIG_MGMT_MAC_AGE_S * 1000u + 1000u;
	n_out = 0;
	mgmt_frame(m, ENG_SIDE_LAN, f, ping(f, lan2_mac, wan_ip, 2));
	r = find_ip(1, 0);
	assert_non_null(r);
	assert_memory_equal(r->b, wan_mac, 6);
	assert_int_equal(r->side, ENG_SIDE_ANY);
	assert_int_equal(mgmt_mac_lookup(m, lan2_mac), ENG_SIDE_LAN);

	/* A host that moved to the other port is found there after it speaks. */
	mgmt_frame(m, ENG_SIDE_WAN, f, arp(f, 1, lan2_mac, lan_ip, our_ip));
	assert_int_equal(mgmt_mac_lookup(m, lan2_mac), ENG_SIDE_WAN);
}

static void test_mac_table_full(void **state)
{
	(void)state;
	uint8_t f[128];
	uint8_t mac[6] = {0x02, 0x55, 0, 0, 0, 0};
	uint8_t ip[4] = {192, 0, 2, 100};
	/* More hosts than entries: the stalest ones are replaced, the newest kept. */
	for (unsigned i = 0; i < CONFIG_MGMT_MAC_TABLE + 4; i++) {
		mac[5] = (uint8_t)i;
		ip[3] = (uint8_t)(100 + i % 100);
		clock_ms += 10;
		mgmt_frame(m, ENG_SIDE_WAN, f, arp(f, 1, mac, ip, our_ip));
	}
	assert_int_equal(mgmt_mac_lookup(m, mac), ENG_SIDE_WAN);
	mac[5] = 0;
	assert_int_equal(mgmt_mac_lookup(m, mac), ENG_SIDE_ANY);
}

static bool has_addr(void)
{
	struct mgmt_status st;
	mgmt_get_status(m, &st);
	return st.has_addr;
}

static void test_static_address(void **state)
{
	(void)state;
	struct mgmt_status st;
	/* No DNS server configured, none learned. */
	assert_true(ip_addr_isany(dns_getserver(0)));
	mgmt_get_status(m, &st);
	assert_true(st.has_addr);
	assert_false(st.from_dhcp);
	assert_memory_equal(st.addr, our_ip, 4);
	assert_int_equal(st.prefix, 24);
	assert_memory_equal(st.gateway, wan_ip, 4);
	assert_string_equal(st.hostname, "leaktap");
	assert_memory_equal(st.mac, our_mac, 6);
	assert_string_equal(last_log, "mgmt: 192.0.2.2/24 static");
	/* Gratuitous ARP announced the address, out of both ports. */
	const struct out_frame *r = find_arp(1, our_ip);
	assert_non_null(r);
	assert_int_equal(r->side, ENG_SIDE_ANY);
}

/* ---- DHCP --------------------------------------------------------------- */

static const uint8_t srv_ip[4] = {10, 0, 0, 1};
static const uint8_t lease_ip[4] = {10, 0, 0, 77};

/* The client's DHCP message of type t (1 discover, 3 request) among the recorded frames. */
static const struct out_frame *find_dhcp(uint8_t t)
{
	for (size_t i = 0; i < n_out; i++) {
		const uint8_t *b = outq[i].b;
		size_t len = outq[i].len;
		if (len < 42 + 240 || get16(b + 12) != 0x0800 || b[23] != 17 ||
		    get16(b + 36) != 67) {
			continue;
		}
		for (size_t o = 42 + 240; o + 2 < len && b[o] != 255; o += 2u + b[o + 1]) {
			if (b[o] == 53 && b[o + 2] == t) {
				return &outq[i];
			}
		}
	}
	return NULL;
}

static size_t dhcp_reply(uint8_t *f, uint8_t type, const struct out_frame *req)
{
	uint8_t d[300];
	memset(d, 0, sizeof(d));
	d[0] = 2; /* BOOTREPLY */
	d[1] = 1;
	d[2] = 6;
	memcpy(d + 4, req->b + 42 + 4, 4); /* xid */
	memcpy(d + 16, lease_ip, 4);       /* yiaddr */
	memcpy(d + 20, srv_ip, 4);
	memcpy(d + 28, our_mac, 6);
	static const uint8_t cookie[4] = {99, 130, 83, 99};
	memcpy(d + 236, cookie, 4);
	uint8_t *o = d + 240;
	*o++ = 53, *o++ = 1, *o++ = type;
	*o++ = 54, *o++ = 4, memcpy(o, srv_ip, 4), o += 4;
	*o++ = 51, *o++ = 4, put32(o, 3600), o += 4;
	*o++ = 1, *o++ = 4, put32(o, 0xffffff00u), o += 4;
	*o++ = 3, *o++ = 4, memcpy(o, srv_ip, 4), o += 4;
	*o++ = 6, *o++ = 4, memcpy(o, srv_ip, 4), o += 4;
	*o++ = 255;
	const struct udp_end srv = {wan_mac, srv_ip, 67}, cli = {bcast, bcast, 68};
	return udp(f, &srv, &cli, d, (size_t)(o - d));
}

static int setup_dhcp(void **state)
{
	(void)state;
	cfg_default(&cfg);
	set_static(&cfg, true);
	start();
	return 0;
}

static void test_dhcp_lease(void **state)
{
	(void)state;
	uint8_t f[600];
	const struct out_frame *disc = find_dhcp(1);
	assert_non_null(disc);
	assert_int_equal(disc->side, ENG_SIDE_ANY);
	assert_memory_equal(disc->b, bcast, 6);
	struct out_frame req0 = *disc;
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_WAN, f, dhcp_reply(f, 2, &req0)), MGMT_RX_ALSO);
	const struct out_frame *req = find_dhcp(3);
	assert_non_null(req);
	struct out_frame req1 = *req;
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_WAN, f, dhcp_reply(f, 5, &req1)), MGMT_RX_ALSO);
	/* lwIP checks by ARP that nobody holds the address, then binds. */
	assert_true(run_until(has_addr, 100, 5000));
	struct mgmt_status st;
	mgmt_get_status(m, &st);
	assert_true(st.from_dhcp);
	assert_memory_equal(st.addr, lease_ip, 4);
	assert_int_equal(st.prefix, 24);
	assert_memory_equal(st.gateway, srv_ip, 4);
	assert_string_equal(last_log, "mgmt: 10.0.0.77/24 from DHCP");
	/* The resolver uses the DNS server the lease announced. */
	assert_memory_equal(&ip_2_ip4(dns_getserver(0))->addr, srv_ip, 4);
	/* The static fallback never fires while the lease holds. */
	clock_ms += (uint64_t)CONFIG_MGMT_DHCP_TIMEOUT_S * 2000u;
	mgmt_poll(m);
	mgmt_get_status(m, &st);
	assert_memory_equal(st.addr, lease_ip, 4);
}

static void test_dhcp_fallback(void **state)
{
	(void)state;
	struct mgmt_status st;
	assert_false(run_until(has_addr, 250, CONFIG_MGMT_DHCP_TIMEOUT_S * 1000u - 500u));
	assert_true(mgmt_sleep_ms(m) <= 1000u);
	assert_true(run_until(has_addr, 250, 2000));
	mgmt_get_status(m, &st);
	assert_false(st.from_dhcp);
	assert_memory_equal(st.addr, our_ip, 4);
	assert_string_equal(last_log, "mgmt: 192.0.2.2/24 static");
	/* DHCP keeps asking in the background. */
	n_out = 0;
	run_until(has_addr, 1000, 0);
	bool asked = false;
	for (int i = 0; i < 120 && !asked; i++) {
		clock_ms += 1000;
		mgmt_poll(m);
		asked = find_dhcp(1) != NULL || find_dhcp(3) != NULL;
	}
	assert_true(asked);
}

/* ---- wan refusal -------------------------------------------------------- */

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	(void)err;
	tcp_abort(pcb);
	return ERR_ABRT;
}

static void listen_on(uint16_t port)
{
	struct tcp_pcb *p = tcp_new_ip_type(IPADDR_TYPE_ANY);
	assert_non_null(p);
	assert_int_equal(tcp_bind(p, IP_ANY_TYPE, port), ERR_OK);
	listener = tcp_listen(p);
	assert_non_null(listener);
	tcp_accept(listener, on_accept);
}

/* The first recorded TCP segment: its flags, or -1. */
static int tcp_reply_flags(enum eng_side *side)
{
	for (size_t i = 0; i < n_out; i++) {
		const uint8_t *b = outq[i].b;
		if (outq[i].len >= 54 && get16(b + 12) == 0x0800 && b[23] == 6) {
			*side = outq[i].side;
			return b[47];
		}
	}
	return -1;
}

static void test_wan_refused(void **state)
{
	(void)state;
	uint8_t f[128];
	enum eng_side side = ENG_SIDE_ANY;
	listen_on(8443);
	mgmt_frame(m, ENG_SIDE_WAN, f, arp(f, 1, wan_mac, wan_ip, our_ip));
	mgmt_frame(m, ENG_SIDE_LAN, f, arp(f, 1, lan_mac, lan_ip, our_ip));

	/* From the office: the listener answers SYN-ACK. */
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, tcp_syn(f, &lan_h, 40000, 8443, 1)),
			 MGMT_RX_MINE);
	assert_int_equal(tcp_reply_flags(&side), 0x12);
	assert_int_equal(side, ENG_SIDE_LAN);
	ip_addr_t peer;
	IP_ADDR4(&peer, lan_ip[0], lan_ip[1], lan_ip[2], lan_ip[3]);
	assert_false(mgmt_peer_from_wan(m, &peer, 40000));

	/* From the internet side: a reset, counted; the listener never sees it. */
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_WAN, f, tcp_syn(f, &wan_h, 40001, 8443, 1000)),
			 MGMT_RX_MINE);
	assert_int_equal(tcp_reply_flags(&side), 0x14); /* RST+ACK */
	assert_int_equal(side, ENG_SIDE_WAN);
	const struct out_frame *r = find_ip(6, 40001);
	assert_non_null(r);
	assert_int_equal(get32(r->b + 42), 1001); /* acknowledges the SYN */
	struct mgmt_status st;
	mgmt_get_status(m, &st);
	assert_int_equal(st.refused_wan, 1);

	/* Allowed by the config, applied live: the SYN reaches the listener. */
	static struct cfg c2;
	c2 = cfg;
	c2.mgmt.from_wan = true;
	mgmt_set_cfg(m, &c2);
	n_out = 0;
	mgmt_frame(m, ENG_SIDE_WAN, f, tcp_syn(f, &wan_h, 40002, 8443, 2000));
	assert_int_equal(tcp_reply_flags(&side), 0x12);
	assert_int_equal(side, ENG_SIDE_WAN);
	IP_ADDR4(&peer, wan_ip[0], wan_ip[1], wan_ip[2], wan_ip[3]);
	assert_true(mgmt_peer_from_wan(m, &peer, 40002));
	mgmt_get_status(m, &st);
	assert_int_equal(st.refused_wan, 1);
	/* Unknown connection: the stricter answer. */
	assert_true(mgmt_peer_from_wan(m, &peer, 1));
	tcp_close(listener);
	listener = NULL;
	mgmt_set_cfg(m, &cfg);
}

/* IPv4 fragment of a datagram from the router to us: off8 in units of 8 bytes. */
static size_t frag4(uint8_t *f, const uint8_t *pl, size_t n, uint16_t off8, bool more)
{
	eth(f, our_mac, wan_mac, 0x0800);
	ip4(f, 6, wan_ip, our_ip, n);
	put16(f + 14 + 4, 0x4242); /* identification */
	put16(f + 14 + 6, (uint16_t)((more ? 0x2000u : 0u) | off8));
	put16(f + 14 + 10, 0);
	put16(f + 14 + 10, fold(sum(f + 14, 20, 0)));
	memcpy(f + 34, pl, n);
	return 34 + n;
}

/*
 * A SYN from the wan side whose 32-byte TCP header (with options) is
 * split into two IPv4 fragments: the first shows no complete header to
 * the wan check, so only the absence of reassembly keeps it from lwIP.
 */
static void test_wan_fragmented_syn(void **state)
{
	(void)state;
	uint8_t f[128], t[32];
	enum eng_side side;
	listen_on(8443);
	mgmt_frame(m, ENG_SIDE_WAN, f, arp(f, 1, wan_mac, wan_ip, our_ip));
	memset(t, 1, sizeof(t)); /* options: NOPs */
	put16(t, 40030);
	put16(t + 2, 8443);
	put32(t + 4, 5);
	put32(t + 8, 0);
	t[12] = 8 << 4; /* 32-byte header */
	t[13] = 0x02;   /* SYN */
	put16(t + 14, 8192);
	put16(t + 16, 0);
	put16(t + 18, 0);
	uint8_t ph[12];
	memcpy(ph, wan_ip, 4);
	memcpy(ph + 4, our_ip, 4);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, sizeof(t));
	put16(t + 16, fold(sum(t, sizeof(t), sum(ph, 12, 0))));
	n_out = 0;
	mgmt_frame(m, ENG_SIDE_WAN, f, frag4(f, t, 24, 0, true));
	mgmt_frame(m, ENG_SIDE_WAN, f, frag4(f, t + 24, 8, 3, false));
	assert_int_equal(tcp_reply_flags(&side), -1); /* no SYN-ACK */
	tcp_close(listener);
	listener = NULL;
}

/* IPv6 TCP SYN from fe80::99 to the appliance's link-local address (EUI-64 of our_mac). */
static size_t tcp6_syn(uint8_t *f, const uint8_t *smac, uint16_t sport, uint16_t dport)
{
	static const uint8_t src6[16] = {0xfe, 0x80, [15] = 0x99};
	static const uint8_t dst6[16] = {0xfe, 0x80, [8] = 0x00, 0x1e, 0xa7,
					 0xff, 0xfe, 0x00,       0x00, 0x01};
	eth(f, our_mac, smac, 0x86dd);
	uint8_t *ip = f + 14;
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, 20);
	ip[6] = 6;
	ip[7] = 255;
	memcpy(ip + 8, src6, 16);
	memcpy(ip + 24, dst6, 16);
	uint8_t *t = ip + 40;
	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, 77);
	t[12] = 5 << 4;
	t[13] = 0x02;
	put16(t + 14, 8192);
	uint8_t ph[40];
	memcpy(ph, src6, 16);
	memcpy(ph + 16, dst6, 16);
	put32(ph + 32, 20);
	put32(ph + 36, 6);
	put16(t + 16, fold(sum(t, 20, sum(ph, 40, 0))));
	return 14 + 40 + 20;
}

/* Any IPv6 frame (ethertype 86dd) that is not ICMPv6 multicast chatter: a TCP segment. */
static bool tcp6_sent(void)
{
	for (size_t i = 0; i < n_out; i++) {
		const uint8_t *b = outq[i].b;
		if (outq[i].len >= 74 && get16(b + 12) == 0x86dd && b[20] == 6) {
			return true;
		}
	}
	return false;
}

static void test_wan_refused_ipv6(void **state)
{
	(void)state;
	uint8_t f[128];
	listen_on(8443);
	/* Let duplicate address detection finish so the link-local address is usable. */
	for (int i = 0; i < 50; i++) {
		clock_ms += 100;
		mgmt_poll(m);
	}
	struct mgmt_status st;
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_WAN, f, tcp6_syn(f, wan_mac, 40010, 8443)),
			 MGMT_RX_MINE);
	mgmt_get_status(m, &st);
	assert_int_equal(st.refused_wan, 1);
	/* From the office the SYN reaches lwIP, which first resolves the peer (NS, ICMPv6 135). */
	n_out = 0;
	mgmt_frame(m, ENG_SIDE_LAN, f, tcp6_syn(f, lan_mac, 40011, 8443));
	/* lwIP sends its neighbor solicitations from the ND timer. */
	for (int i = 0; i < 12; i++) {
		clock_ms += 100;
		mgmt_poll(m);
	}
	mgmt_get_status(m, &st);
	assert_int_equal(st.refused_wan, 1);
	bool ns = false;
	for (size_t i = 0; i < n_out; i++) {
		ns = ns || (get16(outq[i].b + 12) == 0x86dd && outq[i].b[20] == 58 &&
			    outq[i].b[54] == 135);
	}
	assert_true(ns);
	assert_false(tcp6_sent()); /* the SYN-ACK waits for the neighbor's answer */
	ip_addr_t peer;
	IP_ADDR6(&peer, lwip_htonl(0xfe800000u), 0, 0, lwip_htonl(0x99u));
	assert_false(mgmt_peer_from_wan(m, &peer, 40011));
	assert_true(mgmt_peer_from_wan(m, &peer, 40010)); /* refused ones are not recorded */
	tcp_close(listener);
	listener = NULL;
}

/*
 * Random and mutated frames: whatever arrives, mgmt_frame() answers with
 * one of its three values and the sanitizers stay quiet.
 */
static void test_random_frames(void **state)
{
	(void)state;
	uint8_t f[1600];
	uint32_t x = 0x2545f491u;
	for (int i = 0; i < 20000; i++) {
		size_t n;
		switch (i % 5) {
		case 0:
			n = ping(f, lan_mac, lan_ip, (uint16_t)i);
			break;
		case 1:
			n = tcp_syn(f, &wan_h, (uint16_t)i, 443, (uint32_t)i);
			break;
		case 2:
			n = arp(f, 1, lan_mac, lan_ip, our_ip);
			break;
		case 3:
			n = tcp6_syn(f, lan_mac, (uint16_t)i, 9);
			break;
		default:
			x = x * 1103515245u + 12345u;
			n = (x >> 8) % sizeof(f);
			for (size_t k = 0; k < n; k++) {
				x = x * 1103515245u + 12345u;
				f[k] = (uint8_t)(x >> 16);
			}
			memcpy(f, (x & 1) ? our_mac : bcast, n >= 6 ? 6 : n);
			break;
		}
		/* Flip a few bytes past the MAC header and sometimes cut the frame short. */
		for (int k = 0; k < 3 && n > 14; k++) {
			x = x * 1103515245u + 12345u;
			f[14 + (x >> 8) % (n - 14)] ^= (uint8_t)(x >> 24);
		}
		x = x * 1103515245u + 12345u;
		if ((x & 7) == 0) {
			n = (x >> 8) % (n + 1);
		}
		enum mgmt_rx r = mgmt_frame(m, (i & 1) ? ENG_SIDE_LAN : ENG_SIDE_WAN, f, n);
		assert_true(r == MGMT_RX_NOT_MINE || r == MGMT_RX_MINE || r == MGMT_RX_ALSO);
		if (i % 100 == 0) {
			clock_ms += 50;
			mgmt_poll(m);
			n_out = 0;
		}
	}
}

/* ---- SNTP and mDNS ------------------------------------------------------ */

static bool ntp_sent(void)
{
	return find_ip(17, 123) != NULL;
}

static bool synced(void)
{
	struct mgmt_status st;
	mgmt_get_status(m, &st);
	return st.time_synced;
}

static int setup_sntp(void **state)
{
	(void)state;
	cfg_default(&cfg);
	set_static(&cfg, false);
	snprintf(cfg.mgmt.ntp, sizeof(cfg.mgmt.ntp), "192.0.2.1");
	start();
	return 0;
}

static void test_sntp(void **state)
{
	(void)state;
	uint8_t f[200];
	/* The request needs the server's MAC first. */
	n_out = 0;
	bool arp_seen = false;
	for (int i = 0; i < 100 && !arp_seen; i++) {
		clock_ms += 100;
		mgmt_poll(m);
		arp_seen = find_arp(1, wan_ip) != NULL;
	}
	assert_true(arp_seen);
	mgmt_frame(m, ENG_SIDE_WAN, f, arp(f, 2, wan_mac, wan_ip, our_ip));
	assert_true(run_until(ntp_sent, 100, 20000));
	const struct out_frame *q = find_ip(17, 123);
	assert_int_equal(q->side, ENG_SIDE_WAN);
	uint8_t ntp[48];
	memset(ntp, 0, sizeof(ntp));
	ntp[0] = 0x24;                       /* LI 0, version 4, mode 4 (server) */
	ntp[1] = 1;                          /* stratum 1 */
	memcpy(ntp + 24, q->b + 42 + 40, 8); /* originate = the client's transmit time */
	uint32_t ntp_sec = 3900000000u;      /* 2023-08-01 or so */
	put32(ntp + 32, ntp_sec);
	put32(ntp + 40, ntp_sec);
	put32(ntp + 44, 0x80000000u); /* + 0.5 s */
	uint16_t cport = get16(q->b + 34);
	n_out = 0;
	mgmt_frame(m, ENG_SIDE_WAN, f,
		   udp(f, &(struct udp_end){wan_mac, wan_ip, 123},
		       &(struct udp_end){our_mac, our_ip, cport}, ntp, sizeof(ntp)));
	assert_true(synced());
	struct mgmt_status st;
	mgmt_get_status(m, &st);
	uint64_t unix_s = (uint64_t)ntp_sec - 2208988800u;
	assert_int_equal(st.time_sync_us, unix_s * 1000000u + 500000u);
	clock_ms += 2000;
	assert_int_equal(mgmt_wall_us(m), unix_s * 1000000u + 2500000u);
	assert_string_equal(last_log, "mgmt: time synced by SNTP (1691011200 s since 1970)");
}

#ifdef CONFIG_MGMT_MDNS
/* A legacy (one-shot, port != 5353) mDNS query for <name>.local, type A. */
static size_t mdns_query(uint8_t *f, const char *name)
{
	static const uint8_t group[4] = {224, 0, 0, 251};
	static const uint8_t gmac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
	uint8_t q[64];
	memset(q, 0, 12);
	put16(q, 0x1234);
	put16(q + 4, 1);
	size_t n = 12, l = strlen(name);
	q[n++] = (uint8_t)l;
	memcpy(q + n, name, l);
	n += l;
	q[n++] = 5;
	memcpy(q + n, "local", 5);
	n += 5;
	q[n++] = 0;
	put16(q + n, 1); /* A */
	put16(q + n + 2, 1);
	n += 4;
	const struct udp_end asker = {lan_mac, lan_ip, 40053}, mdns = {gmac, group, 5353};
	return udp(f, &asker, &mdns, q, n);
}

static bool mdns_answered(void)
{
	for (size_t i = 0; i < n_out; i++) {
		const uint8_t *b = outq[i].b;
		size_t len = outq[i].len;
		/* Legacy query: the answer goes back to the asker's port. */
		if (len >= 42 + 12 + 4 && get16(b + 12) == 0x0800 && b[23] == 17 &&
		    get16(b + 36) == 40053 && get16(b + 42) == 0x1234 &&
		    memcmp(b + len - 4, our_ip, 4) == 0) {
			return true;
		}
	}
	return false;
}

static void test_mdns(void **state)
{
	(void)state;
	uint8_t f[200];
	mgmt_frame(m, ENG_SIDE_LAN, f, arp(f, 1, lan_mac, lan_ip, our_ip));
	/* Let the responder probe its name (three probes, a quarter second apart). */
	for (int i = 0; i < 30; i++) {
		clock_ms += 100;
		mgmt_poll(m);
	}
	n_out = 0;
	assert_int_equal(mgmt_frame(m, ENG_SIDE_LAN, f, mdns_query(f, "leaktap")), MGMT_RX_ALSO);
	assert_true(run_until(mdns_answered, 20, 1000));
	n_out = 0;
	mgmt_frame(m, ENG_SIDE_LAN, f, mdns_query(f, "somebody"));
	assert_false(run_until(mdns_answered, 20, 1000));
}
#endif

/* ---- the loop with the stack as its third port ------------------------- */

#define FP_MAX 16

/* A port that hands out queued frames and records what is sent through it. */
struct fport {
	uint8_t in[FP_MAX][128];
	size_t in_len[FP_MAX];
	size_t n_in, next_in;
	uint8_t out[FP_MAX][1514];
	size_t out_len[FP_MAX];
	size_t n_out;
};

static int fp_open(struct port *p)
{
	p->link = PKT_LINK_ETH;
	return 0;
}

static int fp_rx_poll(struct port *p, uint32_t budget, port_rx_cb cb, void *ctx)
{
	struct fport *fp = p->priv;
	int n = 0;
	while (fp->next_in < fp->n_in && (uint32_t)n < budget) {
		struct port_frame f = {.data = fp->in[fp->next_in],
				       .caplen = (uint32_t)fp->in_len[fp->next_in],
				       .wirelen = (uint32_t)fp->in_len[fp->next_in],
				       .ts_us = brd_wall_us()};
		fp->next_in++;
		cb(ctx, p, &f);
		n++;
	}
	return n;
}

static int fp_tx(struct port *p, const uint8_t *buf, size_t len, uint64_t ts_us)
{
	struct fport *fp = p->priv;
	(void)ts_us;
	if (fp->n_out < FP_MAX && len <= sizeof(fp->out[0])) {
		memcpy(fp->out[fp->n_out], buf, len);
		fp->out_len[fp->n_out++] = len;
	}
	return 0;
}

static int fp_fd(struct port *p)
{
	(void)p;
	return 3; /* brd_wait() of this test never looks at it */
}

static void fp_close(struct port *p)
{
	(void)p;
}

static const struct port_ops fp_ops = {
	.open = fp_open, .rx_poll = fp_rx_poll, .close = fp_close, .tx = fp_tx, .fd = fp_fd};

/* Index of the first frame sent through fp with ethertype type and byte at off == v, or -1. */
static int fp_find(const struct fport *fp, uint16_t type, size_t off, uint8_t v)
{
	for (size_t i = 0; i < fp->n_out; i++) {
		if (fp->out_len[i] > off && get16(fp->out[i] + 12) == type &&
		    fp->out[i][off] == v) {
			return (int)i;
		}
	}
	return -1;
}

static volatile int loop_stop;
static int loop_passes;

static void count_pass(void *ctx)
{
	(void)ctx;
	if (++loop_passes >= 3) {
		loop_stop = 1;
	}
}

static void fp_queue(struct fport *fp, const uint8_t *f, size_t n)
{
	assert_true(fp->n_in < FP_MAX && n <= sizeof(fp->in[0]));
	memcpy(fp->in[fp->n_in], f, n);
	fp->in_len[fp->n_in++] = n;
}

/*
 * loop_run() offers every frame to the stack first: the ping to the
 * appliance is answered and not forwarded, the broadcast ARP is answered
 * and forwarded, office traffic to another host is forwarded untouched.
 */
static void test_loop_third_port(void **state)
{
	(void)state;
	static struct fport lanf, wanf;
	static struct port lan, wan;
	static struct loop l;
	memset(&lanf, 0, sizeof(lanf));
	memset(&wanf, 0, sizeof(wanf));
	port_init(&lan, &fp_ops, "lan", "fl0");
	port_init(&wan, &fp_ops, "wan", "fw0");
	assert_int_equal(port_open(&lan), 0);
	assert_int_equal(port_open(&wan), 0);
	lan.priv = &lanf;
	wan.priv = &wanf;
	memset(&l, 0, sizeof(l));
	l.lan = &lan;
	l.wan = &wan;
	l.lan_side = ENG_SIDE_LAN;
	l.stop = &loop_stop;
	l.tick = count_pass;
	struct eng_params ep = {.cfg = &cfg};
	l.eng = eng_create(&ep);
	assert_non_null(l.eng);
	struct mgmt_params mp = {.cfg = &cfg, .tx = loop_mgmt_tx, .tx_ctx = &l};
	memcpy(mp.mac, our_mac, 6);
	m = mgmt_create(&mp);
	assert_non_null(m);
	l.mgmt = m;
	/* Forget what the stack sent while starting (gratuitous ARP, IPv6 and mDNS chatter). */
	lanf.n_out = wanf.n_out = 0;
	uint64_t tx0 = l.mgmt_tx;

	uint8_t f[128];
	static const uint8_t other[6] = {0x02, 0x99, 0, 0, 0, 1};
	fp_queue(&lanf, f, arp(f, 1, lan_mac, lan_ip, our_ip));
	fp_queue(&lanf, f, ping(f, lan_mac, lan_ip, 9));
	size_t n = ping(f, lan_mac, lan_ip, 10);
	memcpy(f, other, 6);
	fp_queue(&lanf, f, n);
	loop_stop = 0;
	loop_passes = 0;
	assert_int_equal(loop_run(&l), 0);

	assert_int_equal(l.mgmt_rx, 1);    /* the ping to us */
	assert_int_equal(l.fwd_frames, 2); /* the ARP broadcast and the ping to "other" */
	assert_int_equal(wanf.n_out, 2);   /* ...both on wan, and nothing of the stack's */
	assert_int_equal(fp_find(&wanf, 0x0806, 21, 1), 0);
	assert_memory_equal(wanf.out[1], other, 6);
	/* The stack's answers went to the office port only. */
	assert_true(fp_find(&lanf, 0x0806, 21, 2) >= 0);
	int e = fp_find(&lanf, 0x0800, 34, 0);
	assert_true(e >= 0);
	assert_int_equal(get16(lanf.out[e] + 40), 9);
	assert_int_equal(l.mgmt_tx - tx0, lanf.n_out);

	mgmt_destroy(m);
	m = NULL;
	eng_destroy(l.eng);
}

static int setup_cfg_static(void **state)
{
	(void)state;
	cfg_default(&cfg);
	set_static(&cfg, false);
	return 0;
}

static void test_lifecycle(void **state)
{
	(void)state;
	assert_null(mgmt_create(NULL));
	struct mgmt_params p = {.cfg = &cfg, .tx = rec_tx};
	/* One stack per process: lwIP's tables are global. */
	assert_null(mgmt_create(&p));
	p.tx = NULL;
	assert_null(mgmt_create(&p));
	mgmt_destroy(NULL);
	mgmt_poll(NULL);
	mgmt_set_cfg(NULL, &cfg);
	struct mgmt_status st;
	mgmt_get_status(NULL, &st);
	assert_false(st.has_addr);
	assert_int_equal(mgmt_sleep_ms(NULL), UINT32_MAX);
	assert_true(mgmt_sleep_ms(m) <= 60000u); /* lwIP always has a timer pending */

	/* Addressing changed live: static to another static. */
	static struct cfg c2;
	c2 = cfg;
	c2.mgmt.address.addr[3] = 3;
	mgmt_set_cfg(m, &c2);
	mgmt_get_status(m, &st);
	assert_int_equal(st.addr[3], 3);
	assert_string_equal(last_log, "mgmt: 192.0.2.3/24 static");
	/* A configured DNS server is used (live, with the addressing restart). */
	c2.mgmt.has_dns = true;
	c2.mgmt.dns.family = 4;
	c2.mgmt.dns.prefix = 32;
	memcpy(c2.mgmt.dns.addr, (const uint8_t[]){9, 9, 9, 9}, 4);
	mgmt_set_cfg(m, &c2);
	assert_memory_equal(&ip_2_ip4(dns_getserver(0))->addr, ((const uint8_t[]){9, 9, 9, 9}), 4);
	mgmt_set_cfg(m, &cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arp_answered_on_its_port, setup_static,
						teardown),
		cmocka_unit_test_setup_teardown(test_icmp_echo, setup_static, teardown),
		cmocka_unit_test_setup_teardown(test_what_is_mine, setup_static, teardown),
		cmocka_unit_test_setup_teardown(test_mac_learning, setup_static, teardown),
		cmocka_unit_test_setup_teardown(test_mac_table_full, setup_static, teardown),
		cmocka_unit_test_setup_teardown(test_static_address, setup_static, teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_lease, setup_dhcp, teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_fallback, setup_dhcp, teardown),
		cmocka_unit_test_setup_teardown(test_wan_refused, setup_static, teardown),
		cmocka_unit_test_setup_teardown(test_wan_fragmented_syn, setup_static, teardown),
#if LWIP_IPV6
		cmocka_unit_test_setup_teardown(test_wan_refused_ipv6, setup_static, teardown),
#endif
		cmocka_unit_test_setup_teardown(test_random_frames, setup_static, teardown),
		cmocka_unit_test_setup_teardown(test_sntp, setup_sntp, teardown),
#ifdef CONFIG_MGMT_MDNS
		cmocka_unit_test_setup_teardown(test_mdns, setup_static, teardown),
#endif
		cmocka_unit_test_setup_teardown(test_lifecycle, setup_static, teardown),
		cmocka_unit_test_setup(test_loop_third_port, setup_cfg_static),
	};
	return cmocka_run_group_tests_name("mgmt", tests, NULL, NULL);
}
