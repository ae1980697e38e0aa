/*
 * Unit tests for the packet engine (firmware/core/eng.c, eng_report.c).
 *
 * Each test creates its own small engine (64 flows, short timeouts) with a
 * configuration from cfg_default() (local_nets = RFC 1918, link-local, ULA)
 * or a modified copy (n_local = 0: nothing is local). Frames are built by
 * hand, Ethernet / IPv4 or IPv6 / TCP or UDP, and fed with eng_frame().
 * Capture time is the only clock, so every test steps it explicitly.
 *
 * Finished flows come out through eng_params.flow_line as flat JSON
 * objects; the recorder below keeps a copy of each line and the tests pick
 * single fields out of them with strstr/strtoull. Every expected value
 * (IP lengths, addresses, dates) is computed or written out in the test,
 * never taken from the engine.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"
#include "eng.h"
#include "flow.h"
#include "port.h"

#define T_MAX_FLOWS     64u
#define T_TCP_TIMEOUT   5000u
#define T_OTHER_TIMEOUT 2000u
#define T_LINES         128u
#define T_LINE_MAX      1024u

/* Well past CONFIG_ENG_EXPIRE_EVERY_MS and T_OTHER_TIMEOUT, in microseconds. */
#define T_IDLE_US ((uint64_t)(T_OTHER_TIMEOUT + CONFIG_ENG_EXPIRE_EVERY_MS + 500u) * 1000u)

/* ---- fixture ----------------------------------------------------------------- */

struct tctx {
	struct cfg cfg;
	struct eng *e;
	unsigned n;
	char line[T_LINES][T_LINE_MAX];
};

static void on_line(void *ctx, const char *line, size_t len)
{
	struct tctx *t = ctx;

	assert_true(t->n < T_LINES);
	assert_true(len < T_LINE_MAX);
	assert_int_equal(strlen(line), len);
	memcpy(t->line[t->n], line, len);
	t->line[t->n][len] = '\0';
	t->n++;
}

static int setup(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		return -1;
	}
	cfg_default(&t->cfg);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tctx *t = *state;

	eng_destroy(t->e);
	free(t);
	return 0;
}

/* Create the engine over t->cfg (tests adjust t->cfg first). */
static struct eng *mk_eng(struct tctx *t)
{
	struct eng_params p = {
		.cfg = &t->cfg,
		.max_flows = T_MAX_FLOWS,
		.tcp_timeout_ms = T_TCP_TIMEOUT,
		.other_timeout_ms = T_OTHER_TIMEOUT,
		.flow_line = on_line,
		.ctx = t,
	};

	t->e = eng_create(&p);
	assert_non_null(t->e);
	return t->e;
}

/* ---- frames -------------------------------------------------------------------- */

/* One packet to build. */
struct pk {
	uint8_t fam; /* 4 or 6 */
	uint8_t src[16];
	uint8_t dst[16];
	uint8_t proto; /* 6 or 17 */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint16_t payload; /* transport payload bytes */
	uint16_t frag;    /* IPv4 flags/offset field (host order) */
	uint16_t vlan;    /* 0 = untagged */
};

struct tf {
	uint8_t b[1600];
	uint32_t len;   /* frame bytes */
	uint32_t iplen; /* IPv4 total length, or 40 + IPv6 payload length */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Parse an address literal into k->src or k->dst (sets fam). */
static void addr(struct pk *k, uint8_t *a, const char *s)
{
	if (strchr(s, ':') != NULL) {
		k->fam = 6;
		assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	} else {
		k->fam = 4;
		assert_int_equal(inet_pton(AF_INET, s, a), 1);
	}
}

/* A UDP (or TCP when proto is 6) packet src:sport -> dst:dport with payload bytes. */
static struct pk mk(const char *src, uint16_t sport, const char *dst, uint16_t dport,
		    uint16_t payload)
{
	struct pk k;

	memset(&k, 0, sizeof(k));
	addr(&k, k.src, src);
	addr(&k, k.dst, dst);
	k.proto = 17;
	k.sport = sport;
	k.dport = dport;
	k.payload = payload;
	return k;
}

static void build(struct tf *t, const struct pk *k)
{
	uint8_t *b = t->b;
	size_t off = 12, l4len = (k->proto == 6 ? 20u : 8u) + k->payload;

	memset(t, 0, sizeof(*t));
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (k->vlan != 0) {
		put16(b + off, 0x8100);
		put16(b + off + 2, k->vlan);
		off += 4;
	}
	put16(b + off, k->fam == 4 ? 0x0800 : 0x86dd);
	off += 2;
	if (k->fam == 4) {
		t->iplen = (uint32_t)(20u + l4len);
		b[off] = 0x45;
		put16(b + off + 2, (uint16_t)t->iplen);
		put16(b + off + 6, k->frag);
		b[off + 8] = 64;
		b[off + 9] = k->proto;
		memcpy(b + off + 12, k->src, 4);
		memcpy(b + off + 16, k->dst, 4);
		off += 20;
	} else {
		t->iplen = (uint32_t)(40u + l4len);
		b[off] = 0x60;
		put16(b + off + 4, (uint16_t)l4len);
		b[off + 6] = k->proto;
		b[off + 7] = 64;
		memcpy(b + off + 8, k->src, 16);
		memcpy(b + off + 24, k->dst, 16);
		off += 40;
	}
	put16(b + off, k->sport);
	put16(b + off + 2, k->dport);
	if (k->proto == 6) {
		b[off + 12] = 0x50; /* data offset 5 words */
		b[off + 13] = k->tcp_flags;
		put16(b + off + 14, 65535);
		off += 20;
	} else {
		put16(b + off + 4, (uint16_t)l4len);
		off += 8;
	}
	assert_true(off + k->payload <= sizeof(t->b));
	/* A payload no detector recognises: a counting pattern. */
	for (size_t i = 0; i < k->payload; i++) {
		b[off + i] = (uint8_t)(i * 7u + 1u);
	}
	t->len = (uint32_t)(off + k->payload);
}

/* Build and feed one packet; returns its IP length. */
static uint32_t feed(struct tctx *t, enum eng_side side, const struct pk *k, uint64_t ts_us)
{
	struct tf tf;
	struct port_frame f;

	build(&tf, k);
	f.data = tf.b;
	f.caplen = tf.len;
	f.wirelen = tf.len;
	f.ts_us = ts_us;
	assert_int_equal(eng_frame(t->e, side, PKT_LINK_ETH, &f), ENG_FORWARD);
	return tf.iplen;
}

/* The same packet going the other way. */
static struct pk rev(const struct pk *k)
{
	struct pk r = *k;

	memcpy(r.src, k->dst, 16);
	memcpy(r.dst, k->src, 16);
	r.sport = k->dport;
	r.dport = k->sport;
	return r;
}

/* ---- record fields ----------------------------------------------------------------- */

/* The string value of "key" in line (copied into a static buffer). */
static const char *jstr(const char *line, const char *key)
{
	static char val[128];
	char pat[64];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	p = strstr(line, pat);
	assert_non_null(p);
	p += strlen(pat);
	q = strchr(p, '"');
	assert_non_null(q);
	assert_true((size_t)(q - p) < sizeof(val));
	memcpy(val, p, (size_t)(q - p));
	val[q - p] = '\0';
	return val;
}

/* The number value of "key" in line. */
static uint64_t jnum(const char *line, const char *key)
{
	char pat[64];
	const char *p;
	char *end;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	assert_non_null(p);
	p += strlen(pat);
	assert_true(*p >= '0' && *p <= '9');
	uint64_t v = strtoull(p, &end, 10);
	assert_true(*end == ',' || *end == '}');
	return v;
}

/* The record whose src_port or dst_port is port; fails when there is not exactly one. */
static const char *rec_by_port(const struct tctx *t, uint16_t port)
{
	const char *found = NULL;

	for (unsigned i = 0; i < t->n; i++) {
		if (jnum(t->line[i], "src_port") == port || jnum(t->line[i], "dst_port") == port) {
			assert_null(found);
			found = t->line[i];
		}
	}
	assert_non_null(found);
	return found;
}

/* ---- creation ---------------------------------------------------------------------- */

static void test_create_params(void **state)
{
	struct tctx *t = *state;
	struct eng_params p;

	assert_null(eng_create(NULL));
	memset(&p, 0, sizeof(p));
	assert_null(eng_create(&p)); /* no cfg */
	/* Zero limits take the Kconfig defaults; destroy of a fresh engine reports nothing. */
	p.cfg = &t->cfg;
	p.flow_line = on_line;
	p.ctx = t;
	struct eng *e = eng_create(&p);
	assert_non_null(e);
	eng_destroy(e);
	eng_destroy(NULL);
	assert_int_equal(t->n, 0);
}

/* ---- counters ----------------------------------------------------------------------- */

static void test_counters(void **state)
{
	struct tctx *t = *state;
	struct eng_counters c;
	struct flow_stats fs;
	struct tf tf;
	struct port_frame f;
	uint64_t bytes = 0;

	mk_eng(t);
	/* 1: IPv4 UDP, 142 bytes. */
	struct pk k1 = mk("192.168.1.10", 40000, "8.8.8.8", 5000, 100);
	feed(t, ENG_SIDE_ANY, &k1, 1000000);
	bytes += 14 + 20 + 8 + 100;
	/* 2: IPv6 TCP SYN, 74 bytes. */
	struct pk k2 = mk("fd00::1", 40001, "2001:db8::1", 443, 0);
	k2.proto = 6;
	k2.tcp_flags = 0x02;
	feed(t, ENG_SIDE_ANY, &k2, 1100000);
	bytes += 14 + 40 + 20;
	/* 3: ARP request, 42 bytes. */
	uint8_t arp[42];
	memset(arp, 0, sizeof(arp));
	/* Broadcast, from 02:00:00:00:00:01, ARP; Ethernet/IPv4, request. */
	memcpy(arp, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01\x08\x06", 14);
	memcpy(arp + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
	f.data = arp;
	f.caplen = sizeof(arp);
	f.wirelen = sizeof(arp);
	f.ts_us = 1200000;
	assert_int_equal(eng_frame(t->e, ENG_SIDE_ANY, PKT_LINK_ETH, &f), ENG_FORWARD);
	bytes += 42;
	/* 4: a later IPv4 fragment (offset 1480 bytes): counted, no flow. */
	struct pk k4 = mk("192.168.1.10", 40002, "8.8.8.8", 5000, 50);
	k4.frag = 185;
	feed(t, ENG_SIDE_ANY, &k4, 1300000);
	bytes += 14 + 20 + 8 + 50;
	/* 5: a frame cut inside its IPv4 header; the wire length still counts. */
	build(&tf, &k1);
	f.data = tf.b;
	f.caplen = 14 + 10;
	f.wirelen = tf.len;
	f.ts_us = 1400000;
	assert_int_equal(eng_frame(t->e, ENG_SIDE_ANY, PKT_LINK_ETH, &f), ENG_FORWARD);
	bytes += tf.len;

	eng_get_counters(t->e, &c);
	assert_int_equal(c.frames, 5);
	assert_int_equal(c.bytes, bytes);
	assert_int_equal(c.ip, 3);
	assert_int_equal(c.non_ip, 1);
	assert_int_equal(c.fragments, 1);
	assert_int_equal(c.malformed, 1);
	assert_int_equal(c.unflowed, 0);
	assert_int_equal(c.first_ts_us, 1000000);
	assert_int_equal(c.last_ts_us, 1400000);
	eng_get_flow_stats(t->e, &fs);
	assert_int_equal(fs.created, 2);
	assert_int_equal(fs.active, 2);
	assert_int_equal(t->n, 0);
}

/*
 * Regression: the engine once used first_ts_us == 0 as "no frame yet", so
 * a capture whose first frame is stamped 0 (1970-01-01T00:00:00, as some
 * generators write) took its start time from a later frame and the
 * summary's capture span shrank to 0 s.
 */
static void test_first_ts_zero(void **state)
{
	struct tctx *t = *state;
	struct eng_counters c;

	mk_eng(t);
	struct pk k = mk("192.168.1.10", 40100, "8.8.8.8", 5000, 10);
	feed(t, ENG_SIDE_ANY, &k, 0);
	feed(t, ENG_SIDE_ANY, &k, 5000000);
	eng_get_counters(t->e, &c);
	assert_int_equal(c.frames, 2);
	assert_int_equal(c.last_ts_us, 5000000);
	assert_int_equal(c.first_ts_us, 0);
}

/* Two packets of one conversation, one of another: two flows; none left after finish. */
static void test_flow_stats(void **state)
{
	struct tctx *t = *state;
	struct flow_stats fs;

	mk_eng(t);
	struct pk a = mk("192.168.1.10", 40000, "8.8.8.8", 5000, 10);
	struct pk b = mk("192.168.1.11", 40000, "8.8.8.8", 5000, 10);
	struct pk ar = rev(&a);
	feed(t, ENG_SIDE_ANY, &a, 1000000);
	feed(t, ENG_SIDE_ANY, &ar, 1001000);
	feed(t, ENG_SIDE_ANY, &b, 1002000);
	eng_get_flow_stats(t->e, &fs);
	assert_int_equal(fs.created, 2);
	assert_int_equal(fs.active, 2);
	assert_int_equal(fs.peak, 2);
	assert_int_equal(fs.expired, 0);
	eng_finish(t->e);
	eng_get_flow_stats(t->e, &fs);
	assert_int_equal(fs.active, 0);
	assert_int_equal(fs.created, 2);
	assert_int_equal(t->n, 2);
}

/* ---- direction ----------------------------------------------------------------------- */

/*
 * ENG_SIDE_ANY: the local_nets endpoint is "src" even when the remote side
 * speaks first, whichever of the two is the lesser address in the key.
 * bytes_out/in are the IP lengths sent by/to the office host.
 */
static void test_dir_any_local_src(void **state)
{
	struct tctx *t = *state;
	static const struct {
		const char *local, *remote;
	} cases[] = {
		{"192.168.1.10", "203.0.113.7"}, /* local is the key's lo */
		{"10.0.0.5", "8.8.8.8"},         /* local is the key's hi */
	};

	mk_eng(t);
	for (unsigned i = 0; i < 2; i++) {
		uint16_t lport = (uint16_t)(41000 + i);
		struct pk in = mk(cases[i].remote, 5353, cases[i].local, lport, 30);
		struct pk out1 = rev(&in), out2 = rev(&in);
		out1.payload = 100;
		out2.payload = 200;
		uint64_t bin = feed(t, ENG_SIDE_ANY, &in, 1000000);
		uint64_t bout = feed(t, ENG_SIDE_ANY, &out1, 1010000);
		bout += feed(t, ENG_SIDE_ANY, &out2, 1020000);
		assert_int_equal(bin, 20 + 8 + 30);
		assert_int_equal(bout, (20 + 8 + 100) + (20 + 8 + 200));
		eng_finish(t->e);
		assert_int_equal(t->n, i + 1);
		const char *r = t->line[i];
		assert_string_equal(jstr(r, "lan"), "src");
		assert_string_equal(jstr(r, "l4"), "udp");
		assert_string_equal(jstr(r, "src_ip"), cases[i].local);
		assert_int_equal(jnum(r, "src_port"), lport);
		assert_string_equal(jstr(r, "dst_ip"), cases[i].remote);
		assert_int_equal(jnum(r, "dst_port"), 5353);
		assert_int_equal(jnum(r, "bytes_out"), bout);
		assert_int_equal(jnum(r, "bytes_in"), bin);
		assert_int_equal(jnum(r, "pkts_out"), 2);
		assert_int_equal(jnum(r, "pkts_in"), 1);
		assert_int_equal(jnum(r, "vlan"), 0);
		assert_string_equal(jstr(r, "end"), "flush");
	}
}

/* ENG_SIDE_LAN: the sender is the office side even when no address is local. */
static void test_dir_side_lan(void **state)
{
	struct tctx *t = *state;
	static const char *const office[] = {"203.0.113.7", "192.0.2.1"}; /* hi, then lo */

	t->cfg.n_local = 0;
	mk_eng(t);
	for (unsigned i = 0; i < 2; i++) {
		uint16_t port = (uint16_t)(42000 + i);
		struct pk o = mk(office[i], port, "198.51.100.9", 443, 40);
		o.proto = 6;
		o.tcp_flags = 0x02;
		struct pk reply = rev(&o);
		reply.tcp_flags = 0x12;
		reply.payload = 0;
		uint64_t bout = feed(t, ENG_SIDE_LAN, &o, 2000000);
		/* The reply arrives on the router port. */
		uint64_t bin = feed(t, ENG_SIDE_WAN, &reply, 2001000);
		assert_int_equal(bout, 20 + 20 + 40);
		assert_int_equal(bin, 20 + 20);
		eng_finish(t->e);
		assert_int_equal(t->n, i + 1);
		const char *r = t->line[i];
		assert_string_equal(jstr(r, "l4"), "tcp");
		assert_string_equal(jstr(r, "lan"), "src");
		assert_string_equal(jstr(r, "src_ip"), office[i]);
		assert_int_equal(jnum(r, "src_port"), port);
		assert_string_equal(jstr(r, "dst_ip"), "198.51.100.9");
		assert_int_equal(jnum(r, "bytes_out"), bout);
		assert_int_equal(jnum(r, "bytes_in"), bin);
		assert_int_equal(jnum(r, "pkts_out"), 1);
		assert_int_equal(jnum(r, "pkts_in"), 1);
	}
}

/* ENG_SIDE_WAN: a frame from the router port goes to the office, so its destination is "src". */
static void test_dir_side_wan(void **state)
{
	struct tctx *t = *state;

	t->cfg.n_local = 0;
	mk_eng(t);
	struct pk k = mk("198.51.100.9", 443, "203.0.113.7", 43000, 60);
	uint64_t bin = feed(t, ENG_SIDE_WAN, &k, 3000000);
	eng_finish(t->e);
	assert_int_equal(t->n, 1);
	const char *r = t->line[0];
	assert_string_equal(jstr(r, "lan"), "src");
	assert_string_equal(jstr(r, "src_ip"), "203.0.113.7");
	assert_int_equal(jnum(r, "src_port"), 43000);
	assert_string_equal(jstr(r, "dst_ip"), "198.51.100.9");
	assert_int_equal(jnum(r, "dst_port"), 443);
	assert_int_equal(jnum(r, "bytes_out"), 0);
	assert_int_equal(jnum(r, "bytes_in"), bin);
	assert_int_equal(bin, 20 + 8 + 60);
	assert_int_equal(jnum(r, "pkts_out"), 0);
	assert_int_equal(jnum(r, "pkts_in"), 1);
}

/* Both endpoints local: "both", written from the first sender (here the key's hi). */
static void test_dir_both(void **state)
{
	struct tctx *t = *state;

	mk_eng(t);
	struct pk k = mk("192.168.1.10", 44000, "10.1.2.3", 445, 12);
	struct pk r2 = rev(&k);
	r2.payload = 90;
	uint64_t b1 = feed(t, ENG_SIDE_ANY, &k, 4000000);
	uint64_t b2 = feed(t, ENG_SIDE_ANY, &r2, 4000500);
	eng_finish(t->e);
	assert_int_equal(t->n, 1);
	const char *r = t->line[0];
	assert_string_equal(jstr(r, "lan"), "both");
	assert_string_equal(jstr(r, "src_ip"), "192.168.1.10");
	assert_int_equal(jnum(r, "src_port"), 44000);
	assert_string_equal(jstr(r, "dst_ip"), "10.1.2.3");
	assert_int_equal(jnum(r, "bytes_out"), b1);
	assert_int_equal(jnum(r, "bytes_in"), b2);
}

/* Neither local: "none", written from the sender of the first packet. */
static void test_dir_none(void **state)
{
	struct tctx *t = *state;
	static const char *const first[] = {"8.8.8.8", "1.1.1.1"}; /* hi, then lo */
	static const char *const other[] = {"1.1.1.1", "8.8.8.8"};

	mk_eng(t);
	for (unsigned i = 0; i < 2; i++) {
		uint16_t port = (uint16_t)(45000 + i);
		struct pk k = mk(first[i], port, other[i], 53, 20);
		struct pk kr = rev(&k);
		kr.payload = 80;
		uint64_t b1 = feed(t, ENG_SIDE_ANY, &k, 5000000);
		uint64_t b2 = feed(t, ENG_SIDE_ANY, &kr, 5000100);
		uint64_t b3 = feed(t, ENG_SIDE_ANY, &kr, 5000200);
		eng_finish(t->e);
		const char *r = t->line[i];
		assert_string_equal(jstr(r, "lan"), "none");
		assert_string_equal(jstr(r, "src_ip"), first[i]);
		assert_int_equal(jnum(r, "src_port"), port);
		assert_string_equal(jstr(r, "dst_ip"), other[i]);
		assert_int_equal(jnum(r, "dst_port"), 53);
		assert_int_equal(jnum(r, "bytes_out"), b1);
		assert_int_equal(jnum(r, "bytes_in"), b2 + b3);
		assert_int_equal(jnum(r, "pkts_out"), 1);
		assert_int_equal(jnum(r, "pkts_in"), 2);
	}
}

/* IPv6 byte counts are 40 + payload length; TCP and UDP header sizes are included. */
static void test_bytes_ipv6(void **state)
{
	struct tctx *t = *state;

	mk_eng(t);
	struct pk u = mk("fd00::1", 46000, "2001:db8::1", 4500, 333);
	struct pk ur = rev(&u);
	ur.payload = 1000;
	feed(t, ENG_SIDE_ANY, &u, 6000000);
	feed(t, ENG_SIDE_ANY, &u, 6000001);
	feed(t, ENG_SIDE_ANY, &ur, 6000002);
	struct pk tc = mk("fd00::1", 46001, "2001:db8::1", 443, 517);
	tc.proto = 6;
	tc.tcp_flags = 0x18;
	feed(t, ENG_SIDE_ANY, &tc, 6000003);
	eng_finish(t->e);
	assert_int_equal(t->n, 2);

	const char *r = rec_by_port(t, 46000);
	assert_string_equal(jstr(r, "l4"), "udp");
	assert_string_equal(jstr(r, "lan"), "src");
	assert_string_equal(jstr(r, "src_ip"), "fd00::1");
	assert_string_equal(jstr(r, "dst_ip"), "2001:db8::1");
	assert_int_equal(jnum(r, "bytes_out"), 2 * (40 + 8 + 333));
	assert_int_equal(jnum(r, "bytes_in"), 40 + 8 + 1000);
	assert_int_equal(jnum(r, "pkts_out"), 2);
	assert_int_equal(jnum(r, "pkts_in"), 1);

	r = rec_by_port(t, 46001);
	assert_string_equal(jstr(r, "l4"), "tcp");
	assert_int_equal(jnum(r, "bytes_out"), 40 + 20 + 517);
	assert_int_equal(jnum(r, "bytes_in"), 0);
}

/* The outer VLAN id is part of the flow and of its record. */
static void test_vlan(void **state)
{
	struct tctx *t = *state;

	mk_eng(t);
	struct pk k = mk("192.168.1.10", 47000, "8.8.8.8", 5000, 10);
	k.vlan = 100;
	feed(t, ENG_SIDE_ANY, &k, 7000000);
	k.vlan = 200;
	feed(t, ENG_SIDE_ANY, &k, 7000001);
	eng_finish(t->e);
	assert_int_equal(t->n, 2);
	uint64_t v0 = jnum(t->line[0], "vlan"), v1 = jnum(t->line[1], "vlan");
	assert_true((v0 == 100 && v1 == 200) || (v0 == 200 && v1 == 100));
}

/* ---- lifetime ------------------------------------------------------------------------ */

/* Two packets further apart than the idle timeout make two flows, the first "expired". */
static void test_idle_timeout(void **state)
{
	struct tctx *t = *state;
	struct flow_stats fs;
	const uint64_t t0 = 10000000, t1 = t0 + T_IDLE_US;

	mk_eng(t);
	struct pk k = mk("192.168.1.10", 48000, "8.8.8.8", 5000, 10);
	feed(t, ENG_SIDE_ANY, &k, t0);
	assert_int_equal(t->n, 0);
	feed(t, ENG_SIDE_ANY, &k, t1);
	assert_int_equal(t->n, 1);
	assert_string_equal(jstr(t->line[0], "end"), "expired");
	assert_string_equal(jstr(t->line[0], "first_seen"), "1970-01-01T00:00:10.000Z");
	assert_string_equal(jstr(t->line[0], "last_seen"), "1970-01-01T00:00:10.000Z");
	assert_int_equal(jnum(t->line[0], "pkts_out"), 1);
	eng_get_flow_stats(t->e, &fs);
	assert_int_equal(fs.created, 2);
	assert_int_equal(fs.expired, 1);
	assert_int_equal(fs.active, 1);
	eng_finish(t->e);
	assert_int_equal(t->n, 2);
	assert_string_equal(jstr(t->line[1], "end"), "flush");
	assert_string_equal(jstr(t->line[1], "first_seen"), "1970-01-01T00:00:13.500Z");
	assert_int_equal(jnum(t->line[1], "pkts_out"), 1);
}

/* A gap shorter than the timeout keeps one flow, even though the expiry pass ran. */
static void test_no_timeout_within_idle(void **state)
{
	struct tctx *t = *state;
	struct flow_stats fs;
	const uint64_t t0 = 10000000, t1 = t0 + (uint64_t)(T_OTHER_TIMEOUT - 500u) * 1000u;

	mk_eng(t);
	struct pk k = mk("192.168.1.10", 48001, "8.8.8.8", 5000, 10);
	feed(t, ENG_SIDE_ANY, &k, t0);
	feed(t, ENG_SIDE_ANY, &k, t1);
	assert_int_equal(t->n, 0);
	eng_get_flow_stats(t->e, &fs);
	assert_int_equal(fs.created, 1);
	eng_finish(t->e);
	assert_int_equal(t->n, 1);
	assert_int_equal(jnum(t->line[0], "pkts_out"), 2);
	assert_string_equal(jstr(t->line[0], "last_seen"), "1970-01-01T00:00:11.500Z");
}

/* eng_finish reports every flow once with "flush"; a second finish and destroy add nothing. */
static void test_finish_once(void **state)
{
	struct tctx *t = *state;

	mk_eng(t);
	for (uint16_t i = 0; i < 3; i++) {
		struct pk k = mk("192.168.1.10", (uint16_t)(49000 + i), "8.8.8.8", 5000, 10);
		feed(t, ENG_SIDE_ANY, &k, 1000000 + i);
	}
	eng_finish(t->e);
	assert_int_equal(t->n, 3);
	for (uint16_t i = 0; i < 3; i++) {
		assert_string_equal(jstr(rec_by_port(t, (uint16_t)(49000 + i)), "end"), "flush");
	}
	eng_finish(t->e);
	assert_int_equal(t->n, 3);
	eng_destroy(t->e);
	t->e = NULL;
	assert_int_equal(t->n, 3);
}

/* Without eng_finish, eng_destroy reports the remaining flows, once each. */
static void test_destroy_flushes(void **state)
{
	struct tctx *t = *state;

	mk_eng(t);
	struct pk a = mk("192.168.1.10", 49100, "8.8.8.8", 5000, 10);
	struct pk b = mk("fd00::5", 49101, "2001:db8::1", 5000, 10);
	feed(t, ENG_SIDE_ANY, &a, 1000000);
	feed(t, ENG_SIDE_ANY, &b, 1000001);
	eng_destroy(t->e);
	t->e = NULL;
	assert_int_equal(t->n, 2);
	assert_string_equal(jstr(rec_by_port(t, 49100), "end"), "flush");
	assert_string_equal(jstr(rec_by_port(t, 49101), "end"), "flush");
}

/* ---- fragments and broken frames --------------------------------------------------- */

static void test_fragments(void **state)
{
	struct tctx *t = *state;
	struct flow_stats fs;
	struct eng_counters c;

	mk_eng(t);
	/* A later fragment: no ports, no flow. */
	struct pk k = mk("192.168.1.10", 50000, "8.8.8.8", 5000, 100);
	k.frag = 185;
	feed(t, ENG_SIDE_ANY, &k, 1000000);
	eng_get_flow_stats(t->e, &fs);
	assert_int_equal(fs.created, 0);
	/* The first fragment (MF, offset 0) carries the ports: a flow. */
	k.frag = 0x2000;
	uint64_t b = feed(t, ENG_SIDE_ANY, &k, 1000100);
	eng_get_flow_stats(t->e, &fs);
	assert_int_equal(fs.created, 1);
	eng_get_counters(t->e, &c);
	assert_int_equal(c.fragments, 2);
	assert_int_equal(c.ip, 2);
	assert_int_equal(c.malformed, 0);
	eng_finish(t->e);
	assert_int_equal(t->n, 1);
	assert_int_equal(jnum(t->line[0], "src_port"), 50000);
	assert_int_equal(jnum(t->line[0], "pkts_out"), 1);
	assert_int_equal(jnum(t->line[0], "bytes_out"), b);
}

/* Frames shorter than their headers are counted malformed, make no flow, and pass. */
static void test_truncated(void **state)
{
	struct tctx *t = *state;
	struct tf tf;
	struct port_frame f;
	struct eng_counters c;
	struct flow_stats fs;

	mk_eng(t);
	struct pk k = mk("192.168.1.10", 51000, "8.8.8.8", 5000, 100);
	build(&tf, &k);
	f.data = tf.b;
	f.wirelen = tf.len;
	f.ts_us = 1000000;
	/* Cut inside the Ethernet header, the IPv4 header, then the UDP header. */
	static const uint32_t cuts[] = {10, 14 + 10, 14 + 20 + 4};
	for (unsigned i = 0; i < 3; i++) {
		f.caplen = cuts[i];
		assert_int_equal(eng_frame(t->e, ENG_SIDE_ANY, PKT_LINK_ETH, &f), ENG_FORWARD);
	}
	/* TCP whose header is cut. */
	k.proto = 6;
	build(&tf, &k);
	f.caplen = 14 + 20 + 12;
	f.wirelen = tf.len;
	assert_int_equal(eng_frame(t->e, ENG_SIDE_ANY, PKT_LINK_ETH, &f), ENG_FORWARD);

	eng_get_counters(t->e, &c);
	assert_int_equal(c.frames, 4);
	assert_int_equal(c.malformed, 4);
	assert_int_equal(c.ip, 2); /* the two whose IPv4 header was whole */
	assert_int_equal(c.non_ip, 0);
	eng_get_flow_stats(t->e, &fs);
	assert_int_equal(fs.created, 0);
	eng_finish(t->e);
	assert_int_equal(t->n, 0);
}

/* ---- summary ----------------------------------------------------------------------- */

static void test_summary(void **state)
{
	struct tctx *t = *state;
	char buf[4096], small[4096];
	char want[64];

	mk_eng(t);
	struct pk k = mk("192.168.1.10", 52000, "8.8.8.8", 5000, 100);
	uint32_t total = 0;
	for (int i = 0; i < 3; i++) {
		total += feed(t, ENG_SIDE_ANY, &k, 1000000 + (uint64_t)i) + 14;
	}
	int n = eng_format_summary(t->e, 1000000, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(strlen(buf), (size_t)n);
	snprintf(want, sizeof(want), "frames 3, bytes %u,", total);
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "frames"));
	assert_int_equal(eng_format_summary(t->e, 1000000, small, 8), -ENOSPC);
	/* Exactly too small by the terminator, then exactly big enough. */
	assert_int_equal(eng_format_summary(t->e, 1000000, small, (size_t)n), -ENOSPC);
	assert_int_equal(eng_format_summary(t->e, 1000000, small, (size_t)n + 1), n);
	assert_string_equal(small, buf);
}

/* ---- configuration swap --------------------------------------------------------------- */

static void test_set_cfg(void **state)
{
	struct tctx *t = *state;
	struct cfg other;

	mk_eng(t);
	/* Under the default cfg 192.168.0.0/16 is local. */
	struct pk a = mk("192.168.1.10", 53000, "203.0.113.7", 443, 10);
	feed(t, ENG_SIDE_ANY, &a, 1000000);
	/* Swap in a cfg where only 203.0.113.0/24 is local. */
	cfg_default(&other);
	other.n_local = 1;
	assert_int_equal(cfg_parse_cidr("203.0.113.0/24", false, &other.local_nets[0]), 0);
	eng_set_cfg(t->e, &other);
	eng_set_cfg(t->e, NULL); /* ignored */
	struct pk a2 = rev(&a);
	feed(t, ENG_SIDE_ANY, &a2, 1000100); /* existing flow: unchanged */
	struct pk b = mk("192.168.1.11", 53001, "203.0.113.8", 443, 10);
	feed(t, ENG_SIDE_ANY, &b, 1000200);
	eng_finish(t->e);
	assert_int_equal(t->n, 2);

	const char *r = rec_by_port(t, 53000);
	assert_string_equal(jstr(r, "lan"), "src");
	assert_string_equal(jstr(r, "src_ip"), "192.168.1.10");
	assert_int_equal(jnum(r, "pkts_out"), 1);
	assert_int_equal(jnum(r, "pkts_in"), 1);
	r = rec_by_port(t, 53001);
	assert_string_equal(jstr(r, "lan"), "src");
	assert_string_equal(jstr(r, "src_ip"), "203.0.113.8");
	assert_int_equal(jnum(r, "src_port"), 443);
	assert_string_equal(jstr(r, "dst_ip"), "192.168.1.11");
	assert_int_equal(jnum(r, "pkts_in"), 1);
	assert_int_equal(jnum(r, "pkts_out"), 0);
}

/* ---- text forms --------------------------------------------------------------------- */

/*
 * first_seen/last_seen are RFC 3339 UTC with milliseconds, truncated from
 * the microsecond capture time. The epoch seconds below were computed with
 * `date -u -d ... +%s`; they cover the 400-year leap day (2000-02-29), a
 * year end, an ordinary leap day, and 2100 (not a leap year).
 */
static void test_time_format(void **state)
{
	struct tctx *t = *state;
	static const struct {
		uint64_t ts_us;
		const char *text;
	} cases[] = {
		{1500000ull, "1970-01-01T00:00:01.500Z"},
		{951782400000000ull, "2000-02-29T00:00:00.000Z"},
		{951868800001000ull, "2000-03-01T00:00:00.001Z"},
		{1704067199999999ull, "2023-12-31T23:59:59.999Z"},
		{1709210096789000ull, "2024-02-29T12:34:56.789Z"},
		{4107456000000000ull, "2100-02-28T00:00:00.000Z"},
		{4107628799999000ull, "2100-03-01T23:59:59.999Z"},
	};
	const unsigned nc = sizeof(cases) / sizeof(cases[0]);

	mk_eng(t);
	for (unsigned i = 0; i < nc; i++) {
		struct pk k = mk("192.168.1.10", (uint16_t)(54000 + i), "8.8.8.8", 5000, 10);
		feed(t, ENG_SIDE_ANY, &k, cases[i].ts_us);
		/* A second packet 999 us later is still in the same millisecond. */
		feed(t, ENG_SIDE_ANY, &k, cases[i].ts_us + (cases[i].ts_us % 1000 ? 0 : 999));
	}
	eng_finish(t->e);
	assert_int_equal(t->n, nc);
	for (unsigned i = 0; i < nc; i++) {
		const char *r = rec_by_port(t, (uint16_t)(54000 + i));
		assert_string_equal(jstr(r, "first_seen"), cases[i].text);
		assert_string_equal(jstr(r, "last_seen"), cases[i].text);
		/* Each flow was expired by the next one's (later) timestamp, the last flushed. */
		assert_string_equal(jstr(r, "end"), i + 1 < nc ? "expired" : "flush");
	}
}

/* IPv6 addresses print in RFC 5952 form whatever form they were written in. */
static void test_ipv6_format(void **state)
{
	struct tctx *t = *state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"2001:0DB8:0:0:0:0:0:0001", "2001:db8::1"},
		{"fe80:0:0:0:1:0:0:1", "fe80::1:0:0:1"},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},    /* tie: the first run */
		{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},          /* the longer run */
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* one zero group stays */
		{"0:0:0:0:0:0:0:1", "::1"},
		{"2001:db8:0:0:0:0:0:0", "2001:db8::"},
		{"0:0:1:0:0:0:0:0", "0:0:1::"},
		{"2001:DB8:ABCD:EF01:2345:6789:ABCD:EF01",
		 "2001:db8:abcd:ef01:2345:6789:abcd:ef01"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		{"0:1:0:0:0:0:0:0", "0:1::"},
		{"1:0:0:0:0:0:0:1", "1::1"},
	};
	const unsigned nc = sizeof(cases) / sizeof(cases[0]);

	t->cfg.n_local = 0;
	mk_eng(t);
	for (unsigned i = 0; i < nc; i++) {
		struct pk k =
			mk(cases[i].in, (uint16_t)(55000 + i), "2001:db8:ffff:0:0:0:0:9", 53, 10);
		feed(t, ENG_SIDE_LAN, &k, 1000000 + i);
	}
	eng_finish(t->e);
	assert_int_equal(t->n, nc);
	for (unsigned i = 0; i < nc; i++) {
		const char *r = rec_by_port(t, (uint16_t)(55000 + i));
		assert_string_equal(jstr(r, "src_ip"), cases[i].out);
		assert_string_equal(jstr(r, "dst_ip"), "2001:db8:ffff::9");
		assert_string_equal(jstr(r, "lan"), "src");
	}
}

/* Every record is one flat object with all the documented keys, in order. */
static void test_record_keys(void **state)
{
	struct tctx *t = *state;
	static const char *const keys[] = {
		"l4",       "src_ip",   "src_port", "dst_ip",     "dst_port",  "vlan",
		"lan",      "app",      "category", "encrypted",  "detection", "bytes_out",
		"bytes_in", "pkts_out", "pkts_in",  "first_seen", "last_seen", "end",
	};

	mk_eng(t);
	struct pk k = mk("192.168.1.10", 56000, "8.8.8.8", 5000, 10);
	feed(t, ENG_SIDE_ANY, &k, 1000000);
	eng_finish(t->e);
	assert_int_equal(t->n, 1);
	const char *r = t->line[0], *prev = r;
	assert_int_equal(r[0], '{');
	assert_int_equal(r[strlen(r) - 1], '}');
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char pat[32];
		snprintf(pat, sizeof(pat), "\"%s\":", keys[i]);
		const char *p = strstr(r, pat);
		assert_non_null(p);
		assert_true(p >= prev);
		prev = p;
	}
	/* encrypted is a JSON boolean (nDPI may guess either way from the address). */
	assert_true(strstr(r, "\"encrypted\":false,") != NULL ||
		    strstr(r, "\"encrypted\":true,") != NULL);
}

/*
 * Overload: when the flow table cannot fairly make room (every host holds
 * exactly its share), the frame goes uninspected. Forwarding has priority
 * by default; fail_closed drops it instead. Either way it is counted.
 */
static void refuse_one_more(struct tctx *t, bool fail_closed, enum eng_verdict want)
{
	struct tf tf;
	struct port_frame f;
	struct eng_counters c;
	char a[32];

	t->cfg.fail_closed = fail_closed;
	mk_eng(t);
	for (unsigned i = 0; i < T_MAX_FLOWS; i++) {
		snprintf(a, sizeof(a), "192.168.7.%u", i + 1);
		struct pk k = mk(a, 40000, "8.8.8.8", 53, 10);
		feed(t, ENG_SIDE_ANY, &k, 1000000);
	}
	struct pk extra = mk("192.168.8.1", 40000, "8.8.8.8", 53, 10);
	build(&tf, &extra);
	f.data = tf.b;
	f.caplen = tf.len;
	f.wirelen = tf.len;
	f.ts_us = 1000000;
	assert_int_equal(eng_frame(t->e, ENG_SIDE_ANY, PKT_LINK_ETH, &f), want);
	eng_get_counters(t->e, &c);
	assert_int_equal(c.unflowed, 1);
}

static void test_overload_fail_open(void **state)
{
	refuse_one_more(*state, false, ENG_FORWARD);
}

static void test_overload_fail_closed(void **state)
{
	refuse_one_more(*state, true, ENG_DROP);
}

/*
 * Overload shedding: flows that start while the loop sheds are forwarded
 * uninspected (dropped with fail_closed) and counted; a flow that started
 * before keeps being inspected and is not counted as shed.
 */
static void test_shed_new_flows_only(void **state)
{
	struct tctx *t = *state;
	struct tf tf;
	struct port_frame f;
	struct eng_counters c;

	mk_eng(t);
	struct pk old = mk("192.168.1.10", 40000, "8.8.8.8", 53, 10);
	feed(t, ENG_SIDE_ANY, &old, 1000000);
	eng_set_shed(t->e, true);
	feed(t, ENG_SIDE_ANY, &old, 1001000);
	struct pk fresh = mk("192.168.1.10", 40001, "8.8.4.4", 53, 10);
	feed(t, ENG_SIDE_ANY, &fresh, 1002000);
	feed(t, ENG_SIDE_ANY, &fresh, 1003000);
	eng_get_counters(t->e, &c);
	assert_int_equal(c.shed, 2);
	eng_set_shed(t->e, false);
	/* The shed flow stays uninspected; with fail_closed its frames are dropped. */
	t->cfg.fail_closed = true;
	build(&tf, &fresh);
	f.data = tf.b;
	f.caplen = tf.len;
	f.wirelen = tf.len;
	f.ts_us = 1004000;
	assert_int_equal(eng_frame(t->e, ENG_SIDE_ANY, PKT_LINK_ETH, &f), ENG_DROP);
	build(&tf, &old);
	f.data = tf.b;
	f.caplen = tf.len;
	f.wirelen = tf.len;
	assert_int_equal(eng_frame(t->e, ENG_SIDE_ANY, PKT_LINK_ETH, &f), ENG_FORWARD);
	eng_get_counters(t->e, &c);
	assert_int_equal(c.shed, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overload_fail_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shed_new_flows_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overload_fail_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_ts_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_any_local_src, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_side_lan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_side_wan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bytes_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vlan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_timeout_within_idle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_cfg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_keys, setup, teardown),
	};

	return cmocka_run_group_tests_name("eng", tests, NULL, NULL);
}
