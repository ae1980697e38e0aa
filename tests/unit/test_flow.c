/*
 * Unit tests for the flow table (firmware/flow/flow_table.c).
 *
 * Each test builds its own small table. Time is driven by hand, and the
 * randomized test uses a fixed-seed xorshift generator, so any failure
 * replays exactly.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow.h"
#include "pkt.h"

#define T_TCP  6u
#define T_UDP  17u
#define T_ICMP 1u

#define T_TCP_TIMEOUT   10000u
#define T_OTHER_TIMEOUT 1000u

/* Release log: counts per reason, and an address whose flows must never be evicted. */
struct rel_log {
	uint32_t n[3];
	uint32_t total;
	uint8_t protect[4]; /* IPv4 address; all zero = none */
	uint32_t protected_hits;
};

static void rel_count(void *ctx, struct flow *f, enum flow_end why)
{
	struct rel_log *log = ctx;
	static const uint8_t zero[4];

	assert_true((unsigned)why < 3);
	log->n[why]++;
	log->total++;
	if (memcmp(log->protect, zero, 4) != 0 && why == FLOW_END_EVICTED &&
	    (memcmp(f->key.lo, log->protect, 4) == 0 || memcmp(f->key.hi, log->protect, 4) == 0)) {
		log->protected_hits++;
	}
}

static struct flow_table *mk_table(uint32_t max, uint32_t tsize, uint32_t scan, struct rel_log *log)
{
	struct flow_params p = {
		.max_flows = max,
		.table_size = tsize,
		.tcp_timeout_ms = T_TCP_TIMEOUT,
		.other_timeout_ms = T_OTHER_TIMEOUT,
		.evict_scan = scan,
		.on_release = rel_count,
		.ctx = log,
	};
	struct flow_table *ft;

	memset(log, 0, sizeof(*log));
	ft = flow_table_create(&p);
	assert_non_null(ft);
	return ft;
}

static void v4(uint8_t a[4], uint32_t addr)
{
	a[0] = (uint8_t)(addr >> 24);
	a[1] = (uint8_t)(addr >> 16);
	a[2] = (uint8_t)(addr >> 8);
	a[3] = (uint8_t)addr;
}

/* Key for an IPv4 packet src:sport -> dst:dport; returns its hash. */
static uint32_t key4(struct flow_key *k, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		     uint8_t proto, enum flow_dir *dir)
{
	uint8_t s[4], d[4];
	enum flow_dir dd;

	v4(s, src);
	v4(d, dst);
	dd = flow_key_make(k, 4, s, d, 4, sport, dport, proto, 0);
	if (dir != NULL) {
		*dir = dd;
	}
	return flow_hash(k);
}

/* Insert the IPv4 flow src:sport -> dst:dport charged to src; NULL when refused. */
static struct flow *ins4(struct flow_table *ft, uint32_t src, uint32_t dst, uint16_t sport,
			 uint16_t dport, uint8_t proto, uint64_t now)
{
	struct flow_key k;
	uint32_t h = key4(&k, src, dst, sport, dport, proto, NULL);
	uint8_t owner[4];
	struct flow *f = NULL;
	int rc;

	v4(owner, src);
	assert_null(flow_find(ft, &k, h));
	rc = flow_insert(ft, &k, h, owner, 4, FLOW_LAN_LO, now, &f);
	if (rc != 0) {
		assert_int_equal(rc, -ENOSPC);
		return NULL;
	}
	assert_non_null(f);
	assert_ptr_equal(flow_find(ft, &k, h), f);
	return f;
}

static struct flow *find4(struct flow_table *ft, uint32_t src, uint32_t dst, uint16_t sport,
			  uint16_t dport, uint8_t proto)
{
	struct flow_key k;
	uint32_t h = key4(&k, src, dst, sport, dport, proto, NULL);

	return flow_find(ft, &k, h);
}

#define A_HOST 0x0a000001u /* 10.0.0.1 */
#define B_HOST 0x0a000002u
#define C_HOST 0x0a000003u
#define SERVER 0x08080808u /* 8.8.8.8 */

/* --- layout and parameters ---------------------------------------------- */

static void test_sizeof_flow(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct flow_key), 40);
	assert_true(sizeof(struct flow) <= 192);
	print_message("sizeof(struct flow) = %zu\n", sizeof(struct flow));
}

static void test_create_params(void **state)
{
	struct flow_params p = {.max_flows = 8, .tcp_timeout_ms = 1, .other_timeout_ms = 1};
	struct flow_table *ft;

	(void)state;
	assert_null(flow_table_create(NULL));
	p.max_flows = 0;
	assert_null(flow_table_create(&p));
	p.max_flows = 8;
	p.table_size = 8; /* not > max_flows */
	assert_null(flow_table_create(&p));
	p.table_size = 24; /* not a power of two */
	assert_null(flow_table_create(&p));
	p.table_size = 16;
	ft = flow_table_create(&p);
	assert_non_null(ft);
	assert_true(flow_table_mem(ft) >= 8 * sizeof(struct flow) + 16 * sizeof(uint32_t));
	flow_table_destroy(ft);
	p.table_size = 0; /* derived: 16 slots */
	ft = flow_table_create(&p);
	assert_non_null(ft);
	flow_table_destroy(ft);
	flow_table_destroy(NULL);
}

/* --- keys --------------------------------------------------------------- */

static void test_key_v4_direction(void **state)
{
	struct flow_key a, b;
	enum flow_dir da, db;

	(void)state;
	key4(&a, A_HOST, SERVER, 40000, 443, T_TCP, &da);
	key4(&b, SERVER, A_HOST, 443, 40000, T_TCP, &db);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(flow_hash(&a), flow_hash(&b));
	/* 8.8.8.8 sorts before 10.0.0.1, so the packet from 10.0.0.1 goes hi -> lo. */
	assert_int_equal(da, FLOW_DIR_HI_LO);
	assert_int_equal(db, FLOW_DIR_LO_HI);
	assert_int_equal(a.lo[0], 8);
	assert_int_equal(a.lo_port, 443);
	assert_int_equal(a.hi[0], 10);
	assert_int_equal(a.hi_port, 40000);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.proto, T_TCP);
	/* IPv4 leaves the rest of the address fields zero. */
	for (size_t i = 4; i < 16; i++) {
		assert_int_equal(a.lo[i], 0);
		assert_int_equal(a.hi[i], 0);
	}
	/* Same address pair, the port decides. */
	key4(&a, A_HOST, A_HOST, 5, 7, T_UDP, &da);
	key4(&b, A_HOST, A_HOST, 7, 5, T_UDP, &db);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(da, FLOW_DIR_LO_HI);
	assert_int_equal(db, FLOW_DIR_HI_LO);
	/* Protocol and VLAN are part of the key. */
	key4(&b, A_HOST, A_HOST, 5, 7, T_TCP, NULL);
	assert_memory_not_equal(&a, &b, sizeof(a));
}

static void test_key_v4_dir_value(void **state)
{
	struct flow_key k;
	enum flow_dir d;

	(void)state;
	/* 10.0.0.1 < 10.0.0.2 in byte order, so the packet from .1 goes lo -> hi. */
	key4(&k, A_HOST, B_HOST, 9, 1, T_UDP, &d);
	assert_int_equal(d, FLOW_DIR_LO_HI);
	assert_int_equal(k.lo[3], 1);
	assert_int_equal(k.lo_port, 9);
	key4(&k, B_HOST, A_HOST, 1, 9, T_UDP, &d);
	assert_int_equal(d, FLOW_DIR_HI_LO);
	assert_int_equal(k.lo[3], 1);
}

static void test_key_v6_direction(void **state)
{
	uint8_t x[16], y[16];
	struct flow_key a, b;
	enum flow_dir da, db;

	(void)state;
	memset(x, 0, sizeof(x));
	memset(y, 0, sizeof(y));
	x[0] = 0x20;
	x[1] = 0x01;
	x[15] = 0x09;
	y[0] = 0x20;
	y[1] = 0x01;
	y[14] = 0x01; /* y > x although x[15] > y[15]: earlier bytes decide */
	da = flow_key_make(&a, 6, x, y, 16, 1000, 53, T_UDP, 42);
	db = flow_key_make(&b, 6, y, x, 16, 53, 1000, T_UDP, 42);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(da, FLOW_DIR_LO_HI);
	assert_int_equal(db, FLOW_DIR_HI_LO);
	assert_memory_equal(a.lo, x, 16);
	assert_memory_equal(a.hi, y, 16);
	assert_int_equal(a.vlan, 42);
	assert_int_equal(a.family, 6);
	assert_int_equal(flow_hash(&a), flow_hash(&b));
	/* A different VLAN is a different flow. */
	flow_key_make(&b, 6, x, y, 16, 1000, 53, T_UDP, 43);
	assert_memory_not_equal(&a, &b, sizeof(a));
}

static void test_key_same_endpoint(void **state)
{
	uint8_t x[16] = {0xfe, 0x80, [15] = 1};
	struct flow_key k;

	(void)state;
	assert_int_equal(flow_key_make(&k, 6, x, x, 16, 80, 80, T_TCP, 0), FLOW_DIR_LO_HI);
	assert_memory_equal(k.lo, k.hi, 16);
	assert_int_equal(k.lo_port, 80);
	assert_int_equal(k.hi_port, 80);
}

static void test_key_zero_fills(void **state)
{
	struct flow_key a, b;

	(void)state;
	/* Stray bytes from earlier use must not reach memcmp or the hash. */
	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	key4(&a, A_HOST, SERVER, 1, 2, T_UDP, NULL);
	key4(&b, A_HOST, SERVER, 1, 2, T_UDP, NULL);
	assert_memory_equal(&a, &b, sizeof(a));
}

/* --- find, insert, touch, expire ------------------------------------------ */

static void test_find_insert_expire(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(8, 0, 0, &log);
	struct flow *f;

	(void)state;
	assert_null(find4(ft, A_HOST, SERVER, 1000, 53, T_UDP));
	f = ins4(ft, A_HOST, SERVER, 1000, 53, T_UDP, 100);
	assert_non_null(f);
	assert_int_equal(f->first_ms, 100);
	assert_int_equal(f->last_ms, 100);
	assert_int_equal(f->pkts[0] + f->pkts[1], 0);
	assert_int_equal(f->lan, FLOW_LAN_LO);
	assert_int_equal(f->det.state, 0);
	/* Both directions find the same entry. */
	assert_ptr_equal(find4(ft, SERVER, A_HOST, 53, 1000, T_UDP), f);
	assert_null(find4(ft, A_HOST, SERVER, 1000, 53, T_TCP));
	flow_touch(ft, f, FLOW_DIR_HI_LO, 60, 0, 150);
	flow_touch(ft, f, FLOW_DIR_HI_LO, 40, 0, 160);
	assert_int_equal(f->bytes[FLOW_DIR_HI_LO], 100);
	assert_int_equal(f->pkts[FLOW_DIR_HI_LO], 2);
	assert_int_equal(f->bytes[FLOW_DIR_LO_HI], 0);
	assert_int_equal(f->last_ms, 160);
	assert_int_equal(f->first_ms, 100);
	assert_int_equal(flow_expire(ft, 160 + T_OTHER_TIMEOUT, 100), 0);
	assert_non_null(find4(ft, A_HOST, SERVER, 1000, 53, T_UDP));
	assert_int_equal(flow_expire(ft, 161 + T_OTHER_TIMEOUT, 100), 1);
	assert_null(find4(ft, A_HOST, SERVER, 1000, 53, T_UDP));
	assert_int_equal(log.n[FLOW_END_EXPIRED], 1);
	flow_table_destroy(ft);
	assert_int_equal(log.total, 1);
}

static void test_time_never_backwards(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(8, 0, 0, &log);
	struct flow *f = ins4(ft, A_HOST, SERVER, 1, 2, T_UDP, 1000);

	(void)state;
	flow_touch(ft, f, FLOW_DIR_LO_HI, 1, 0, 500); /* reordered capture */
	assert_int_equal(f->last_ms, 1000);
	/* An expiry call behind the flow's time must not wrap around. */
	assert_int_equal(flow_expire(ft, 10, 100), 0);
	assert_non_null(find4(ft, A_HOST, SERVER, 1, 2, T_UDP));
	flow_table_destroy(ft);
}

static void test_timeouts_tcp_vs_udp(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(16, 0, 0, &log);
	struct flow *t, *u, *syn;

	(void)state;
	t = ins4(ft, A_HOST, SERVER, 40000, 443, T_TCP, 0);
	/* 10.0.0.1 > 8.8.8.8, so client -> server is hi -> lo. */
	flow_touch(ft, t, FLOW_DIR_HI_LO, 60, PKT_TCP_SYN, 0);
	assert_int_equal(t->est, 0);
	flow_touch(ft, t, FLOW_DIR_LO_HI, 60, PKT_TCP_SYN | PKT_TCP_ACK, 1);
	assert_int_equal(t->est, 1);
	flow_touch(ft, t, FLOW_DIR_HI_LO, 52, PKT_TCP_ACK, 2);
	assert_int_equal(t->tcp_seen[FLOW_DIR_HI_LO], PKT_TCP_SYN | PKT_TCP_ACK);
	syn = ins4(ft, A_HOST, SERVER, 40001, 443, T_TCP, 2);
	flow_touch(ft, syn, FLOW_DIR_HI_LO, 60, PKT_TCP_SYN, 2);
	u = ins4(ft, A_HOST, SERVER, 5000, 53, T_UDP, 2);
	flow_touch(ft, u, FLOW_DIR_HI_LO, 80, 0, 2);
	/* Flags on a non-TCP flow never make it established. */
	flow_touch(ft, u, FLOW_DIR_LO_HI, 80, PKT_TCP_SYN | PKT_TCP_ACK, 2);
	flow_touch(ft, u, FLOW_DIR_HI_LO, 80, PKT_TCP_SYN | PKT_TCP_ACK, 2);
	assert_int_equal(flow_expire(ft, 2 + T_OTHER_TIMEOUT, 100), 0);
	assert_int_equal(flow_expire(ft, 3 + T_OTHER_TIMEOUT, 100), 2);
	assert_null(find4(ft, A_HOST, SERVER, 5000, 53, T_UDP));
	assert_null(find4(ft, A_HOST, SERVER, 40001, 443, T_TCP));
	assert_ptr_equal(find4(ft, A_HOST, SERVER, 40000, 443, T_TCP), t);
	assert_int_equal(flow_expire(ft, 2 + T_TCP_TIMEOUT, 100), 0);
	assert_int_equal(flow_expire(ft, 3 + T_TCP_TIMEOUT, 100), 1);
	assert_null(find4(ft, A_HOST, SERVER, 40000, 443, T_TCP));
	assert_int_equal(log.n[FLOW_END_EXPIRED], 3);
	flow_table_destroy(ft);
}

/* A flow picked up mid-stream is established by ACKs both ways; closing moves it back. */
static void test_tcp_midstream_and_close(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(16, 0, 0, &log);
	struct flow *m, *fin, *rst, *scan;

	(void)state;
	m = ins4(ft, A_HOST, SERVER, 1, 443, T_TCP, 0);
	flow_touch(ft, m, FLOW_DIR_LO_HI, 1500, PKT_TCP_ACK | PKT_TCP_PSH, 0);
	assert_int_equal(m->est, 0);
	flow_touch(ft, m, FLOW_DIR_HI_LO, 52, PKT_TCP_ACK, 0);
	assert_int_equal(m->est, 1);

	fin = ins4(ft, A_HOST, SERVER, 2, 443, T_TCP, 0);
	flow_touch(ft, fin, FLOW_DIR_LO_HI, 52, PKT_TCP_ACK, 0);
	flow_touch(ft, fin, FLOW_DIR_HI_LO, 52, PKT_TCP_ACK | PKT_TCP_FIN, 0);
	flow_touch(ft, fin, FLOW_DIR_LO_HI, 52, PKT_TCP_ACK | PKT_TCP_FIN, 0);

	rst = ins4(ft, A_HOST, SERVER, 3, 443, T_TCP, 0);
	flow_touch(ft, rst, FLOW_DIR_LO_HI, 52, PKT_TCP_SYN, 0);
	flow_touch(ft, rst, FLOW_DIR_HI_LO, 52, PKT_TCP_SYN | PKT_TCP_ACK, 0);
	flow_touch(ft, rst, FLOW_DIR_LO_HI, 40, PKT_TCP_RST, 0);
	assert_int_equal(rst->est, 1); /* est records history; the list follows the close */

	/* A SYN answered by RST|ACK (closed port) never becomes established. */
	scan = ins4(ft, A_HOST, SERVER, 4, 443, T_TCP, 0);
	flow_touch(ft, scan, FLOW_DIR_HI_LO, 40, PKT_TCP_SYN, 0);
	flow_touch(ft, scan, FLOW_DIR_LO_HI, 40, PKT_TCP_RST | PKT_TCP_ACK, 0);
	assert_int_equal(scan->est, 0);

	assert_int_equal(flow_expire(ft, 1 + T_OTHER_TIMEOUT, 100), 3);
	assert_ptr_equal(find4(ft, A_HOST, SERVER, 1, 443, T_TCP), m);
	assert_null(find4(ft, A_HOST, SERVER, 2, 443, T_TCP));
	assert_null(find4(ft, A_HOST, SERVER, 3, 443, T_TCP));
	assert_null(find4(ft, A_HOST, SERVER, 4, 443, T_TCP));
	flow_table_destroy(ft);
	assert_int_equal(log.n[FLOW_END_FLUSH], 1);
}

static void test_expire_budget(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(32, 0, 0, &log);
	struct flow_stats st;

	(void)state;
	for (uint16_t i = 0; i < 10; i++) {
		assert_non_null(ins4(ft, A_HOST, SERVER, i, 53, T_UDP, i));
	}
	assert_int_equal(flow_expire(ft, 100000, 3), 3);
	assert_int_equal(log.n[FLOW_END_EXPIRED], 3);
	/* The oldest go first. */
	for (uint16_t i = 0; i < 3; i++) {
		assert_null(find4(ft, A_HOST, SERVER, i, 53, T_UDP));
	}
	assert_non_null(find4(ft, A_HOST, SERVER, 3, 53, T_UDP));
	assert_int_equal(flow_expire(ft, 100000, 0), 0);
	assert_int_equal(flow_expire(ft, 100000, 100), 7);
	flow_get_stats(ft, &st);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.hosts, 0);
	assert_int_equal(st.expired, 10);
	flow_table_destroy(ft);
	assert_int_equal(log.total, 10);
}

/* --- bounds and fairness ------------------------------------------------- */

static void test_bounds_max_flows(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(16, 32, 0, &log);
	struct flow_stats st;

	(void)state;
	for (uint32_t i = 0; i < 200; i++) {
		(void)ins4(ft, 0x0a000000u + (i % 7), SERVER, (uint16_t)i, 80, T_UDP, i);
		flow_get_stats(ft, &st);
		assert_true(st.active <= 16);
	}
	assert_int_equal(st.active, 16);
	assert_int_equal(st.peak, 16);
	assert_int_equal(st.created, st.active + st.evicted + st.expired);
	flow_table_destroy(ft);
	assert_int_equal(log.total, st.created);
}

/* A floods 10x max_flows new flows; B keeps a few busy flows. */
static void test_fair_flood_recycles_own(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(64, 0, 0, &log);
	struct flow *b[4];
	struct flow_stats st;
	uint64_t now = 0;

	(void)state;
	v4(log.protect, B_HOST);
	for (uint16_t i = 0; i < 4; i++) {
		b[i] = ins4(ft, B_HOST, SERVER, (uint16_t)(100 + i), 443, T_UDP, now);
		assert_non_null(b[i]);
	}
	for (uint32_t i = 0; i < 640; i++) {
		now++;
		assert_non_null(ins4(ft, A_HOST, SERVER, (uint16_t)(1000 + i), 80, T_UDP, now));
		if (i % 8 == 0) {
			for (uint16_t j = 0; j < 4; j++) {
				flow_touch(ft, b[j], FLOW_DIR_HI_LO, 100, 0, now);
			}
		}
	}
	assert_int_equal(log.protected_hits, 0);
	for (uint16_t i = 0; i < 4; i++) {
		assert_ptr_equal(find4(ft, B_HOST, SERVER, (uint16_t)(100 + i), 443, T_UDP), b[i]);
	}
	/* A's newest flows are the ones kept. */
	assert_non_null(find4(ft, A_HOST, SERVER, 1000 + 639, 80, T_UDP));
	assert_null(find4(ft, A_HOST, SERVER, 1000, 80, T_UDP));
	flow_get_stats(ft, &st);
	assert_int_equal(st.evicted, 640 - 60);
	assert_int_equal(st.refused, 0);
	assert_int_equal(st.hosts, 2);
	flow_table_destroy(ft);
}

/* Even when B's flows are idle (oldest in LRU), A's flood does not take them. */
static void test_fair_flood_idle_victim(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(32, 0, 4, &log);

	(void)state;
	v4(log.protect, B_HOST);
	for (uint16_t i = 0; i < 3; i++) {
		assert_non_null(ins4(ft, B_HOST, SERVER, i, 443, T_UDP, 0));
	}
	for (uint32_t i = 0; i < 320; i++) {
		assert_non_null(ins4(ft, A_HOST, SERVER, (uint16_t)(1000 + i), 80, T_UDP, 1));
	}
	assert_int_equal(log.protected_hits, 0);
	flow_table_destroy(ft);
	assert_int_equal(log.n[FLOW_END_FLUSH], 32);
}

static void test_fair_newcomer(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(16, 0, 0, &log);
	struct flow_stats st;

	(void)state;
	for (uint16_t i = 0; i < 16; i++) {
		assert_non_null(ins4(ft, A_HOST, SERVER, i, 80, T_UDP, i));
	}
	/* C has no flow; the table is full of A's. fair = 16 / 2 = 8. */
	for (uint16_t i = 0; i < 8; i++) {
		assert_non_null(ins4(ft, C_HOST, SERVER, i, 80, T_UDP, 100));
	}
	flow_get_stats(ft, &st);
	assert_int_equal(st.evicted, 8);
	assert_int_equal(st.hosts, 2);
	/* A's oldest went first. */
	assert_null(find4(ft, A_HOST, SERVER, 7, 80, T_UDP));
	assert_non_null(find4(ft, A_HOST, SERVER, 8, 80, T_UDP));
	/* C at its share now recycles its own least recently used flow. */
	flow_touch(ft, find4(ft, C_HOST, SERVER, 0, 80, T_UDP), FLOW_DIR_HI_LO, 1, 0, 101);
	assert_non_null(ins4(ft, C_HOST, SERVER, 8, 80, T_UDP, 102));
	assert_null(find4(ft, C_HOST, SERVER, 1, 80, T_UDP));
	assert_non_null(find4(ft, C_HOST, SERVER, 0, 80, T_UDP));
	for (uint16_t i = 8; i < 16; i++) {
		assert_non_null(find4(ft, A_HOST, SERVER, i, 80, T_UDP));
	}
	flow_table_destroy(ft);
}

/* Every host holds exactly one flow = its share: a newcomer finds no fair victim. */
static void test_refused_all_at_share(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(8, 0, 0, &log);
	struct flow_stats st;

	(void)state;
	for (uint32_t h = 0; h < 8; h++) {
		assert_non_null(ins4(ft, 0x0a000100u + h, SERVER, 1, 80, T_UDP, 0));
	}
	assert_null(ins4(ft, C_HOST, SERVER, 1, 80, T_UDP, 1));
	assert_null(ins4(ft, C_HOST, SERVER, 2, 80, T_UDP, 1));
	flow_get_stats(ft, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.active, 8);
	/* An existing host at its share recycles its own flow instead. */
	assert_non_null(ins4(ft, 0x0a000100u, SERVER, 2, 80, T_UDP, 1));
	assert_null(find4(ft, 0x0a000100u, SERVER, 1, 80, T_UDP));
	/* Once a flow expires there is room again. */
	assert_non_null(ins4(ft, C_HOST, SERVER, 1, 80, T_UDP, 1 + T_OTHER_TIMEOUT + 1));
	flow_get_stats(ft, &st);
	assert_int_equal(st.refused, 2);
	assert_int_equal(st.evicted, 1);
	assert_true(st.expired >= 1);
	flow_table_destroy(ft);
	assert_int_equal(log.n[FLOW_END_EVICTED], 1);
}

/* The victim scan looks at evict_scan entries only. */
static void test_refused_scan_limit(void **state)
{
	struct rel_log log;
	struct flow_table *ft;
	struct flow_stats st;

	(void)state;
	for (uint32_t scan = 2; scan <= 64; scan += 62) {
		ft = mk_table(16, 0, scan, &log);
		/* Six single-flow hosts are the oldest, then A with ten flows. */
		for (uint32_t h = 0; h < 6; h++) {
			assert_non_null(ins4(ft, 0x0a000100u + h, SERVER, 1, 80, T_UDP, h));
		}
		for (uint16_t i = 0; i < 10; i++) {
			assert_non_null(ins4(ft, A_HOST, SERVER, i, 80, T_UDP, 10 + i));
		}
		/* Newcomer: 8 hosts, fair 2; only A (10) is above it. */
		if (scan == 2) {
			assert_null(ins4(ft, C_HOST, SERVER, 1, 80, T_UDP, 30));
		} else {
			assert_non_null(ins4(ft, C_HOST, SERVER, 1, 80, T_UDP, 30));
			assert_null(find4(ft, A_HOST, SERVER, 0, 80, T_UDP));
		}
		flow_get_stats(ft, &st);
		assert_int_equal(st.refused, scan == 2 ? 1 : 0);
		assert_int_equal(st.evicted, scan == 2 ? 0 : 1);
		flow_table_destroy(ft);
	}
}

/* The scan reaches the established list when the other list has no victim. */
static void test_evict_from_established(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(4, 0, 0, &log);
	struct flow *f;

	(void)state;
	assert_non_null(ins4(ft, B_HOST, SERVER, 1, 53, T_UDP, 0));
	for (uint16_t i = 0; i < 3; i++) {
		f = ins4(ft, A_HOST, SERVER, i, 443, T_TCP, 1);
		flow_touch(ft, f, FLOW_DIR_LO_HI, 40, PKT_TCP_ACK, 1);
		flow_touch(ft, f, FLOW_DIR_HI_LO, 40, PKT_TCP_ACK, 1);
		assert_int_equal(f->est, 1);
	}
	/* C: 3 hosts, fair 1; B (1) is not above it, A (3) is. */
	assert_non_null(ins4(ft, C_HOST, SERVER, 1, 53, T_UDP, 2));
	assert_non_null(find4(ft, B_HOST, SERVER, 1, 53, T_UDP));
	assert_null(find4(ft, A_HOST, SERVER, 0, 443, T_TCP));
	flow_table_destroy(ft);
	assert_int_equal(log.n[FLOW_END_EVICTED], 1);
}

/* --- release accounting -------------------------------------------------- */

static void test_release_once_destroy(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(16, 0, 0, &log);
	struct flow_stats st;

	(void)state;
	/* 30 flows in 30 ms (16 fit, 14 evicted), then 10 more after everything idled out. */
	for (uint32_t i = 0; i < 40; i++) {
		uint64_t now = i < 30 ? i : 5000 + i;

		assert_non_null(
			ins4(ft, 0x0a000000u + (i % 3), SERVER, (uint16_t)i, 80, T_UDP, now));
	}
	flow_get_stats(ft, &st);
	assert_int_equal(st.expired, 16);
	assert_int_equal(st.evicted, 14);
	assert_int_equal(st.active, 10);
	assert_int_equal(log.n[FLOW_END_EXPIRED], st.expired);
	assert_int_equal(log.n[FLOW_END_EVICTED], st.evicted);
	assert_int_equal(log.n[FLOW_END_FLUSH], 0);
	flow_table_destroy(ft);
	assert_int_equal(log.n[FLOW_END_FLUSH], st.active);
	assert_int_equal(log.total, st.created);
}

static void test_flush(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(16, 0, 0, &log);
	struct flow_stats st;

	(void)state;
	for (uint16_t i = 0; i < 10; i++) {
		assert_non_null(ins4(ft, A_HOST, SERVER, i, 80, T_UDP, 0));
	}
	flow_flush(ft);
	assert_int_equal(log.n[FLOW_END_FLUSH], 10);
	flow_get_stats(ft, &st);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.hosts, 0);
	assert_null(find4(ft, A_HOST, SERVER, 0, 80, T_UDP));
	/* The table is usable again after a flush. */
	assert_non_null(ins4(ft, A_HOST, SERVER, 0, 80, T_UDP, 1));
	flow_table_destroy(ft);
	assert_int_equal(log.total, 11);
}

struct fe_ctx {
	uint32_t n;
	uint64_t bytes;
};

static void fe_count(void *ctx, const struct flow *f)
{
	struct fe_ctx *c = ctx;

	c->n++;
	c->bytes += f->bytes[0] + f->bytes[1];
}

static void test_foreach_and_stats(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(8, 0, 0, &log);
	struct fe_ctx c = {0};
	struct flow_stats st;
	struct flow *f;

	(void)state;
	for (uint16_t i = 0; i < 5; i++) {
		f = ins4(ft, (i & 1) ? A_HOST : B_HOST, SERVER, i, 80, T_UDP, 0);
		flow_touch(ft, f, FLOW_DIR_LO_HI, 10, 0, 0);
	}
	f = ins4(ft, C_HOST, SERVER, 9, 443, T_TCP, 0);
	flow_touch(ft, f, FLOW_DIR_LO_HI, 10, PKT_TCP_ACK, 0);
	flow_touch(ft, f, FLOW_DIR_HI_LO, 10, PKT_TCP_ACK, 0); /* established list */
	flow_foreach(ft, fe_count, &c);
	assert_int_equal(c.n, 6);
	assert_int_equal(c.bytes, 70);
	flow_get_stats(ft, &st);
	assert_int_equal(st.created, 6);
	assert_int_equal(st.active, 6);
	assert_int_equal(st.peak, 6);
	assert_int_equal(st.hosts, 3);
	assert_int_equal(st.expired + st.evicted + st.refused, 0);
	assert_int_equal(flow_expire(ft, 2 * T_OTHER_TIMEOUT, 100), 5);
	flow_get_stats(ft, &st);
	assert_int_equal(st.active, 1);
	assert_int_equal(st.peak, 6);
	assert_int_equal(st.hosts, 1);
	assert_int_equal(st.expired, 5);
	flow_table_destroy(ft);
}

static void test_insert_einval(void **state)
{
	struct rel_log log;
	struct flow_table *ft = mk_table(8, 0, 0, &log);
	struct flow_key k;
	uint32_t h = key4(&k, A_HOST, SERVER, 1, 2, T_UDP, NULL);
	uint8_t owner[16] = {10, 0, 0, 1};
	struct flow *f = NULL;
	struct flow_stats st;

	(void)state;
	assert_int_equal(flow_insert(ft, &k, h, owner, 5, FLOW_LAN_LO, 0, &f), -EINVAL);
	assert_int_equal(flow_insert(ft, &k, h, NULL, 4, FLOW_LAN_LO, 0, &f), -EINVAL);
	assert_int_equal(flow_insert(ft, &k, h, owner, 4, FLOW_LAN_LO, 0, NULL), -EINVAL);
	assert_null(f);
	/* The same address as IPv4 and as a 16-byte owner are two hosts. */
	assert_int_equal(flow_insert(ft, &k, h, owner, 4, FLOW_LAN_LO, 0, &f), 0);
	h = key4(&k, A_HOST, SERVER, 3, 4, T_UDP, NULL);
	assert_int_equal(flow_insert(ft, &k, h, owner, 16, FLOW_LAN_LO, 0, &f), 0);
	flow_get_stats(ft, &st);
	assert_int_equal(st.hosts, 2);
	flow_table_destroy(ft);
}

/* --- randomized check against a reference model -------------------------- */

#define R_KEYS 700u

struct model {
	struct flow_key key[R_KEYS];
	uint32_t hash[R_KEYS];
	bool live[R_KEYS];
	uint64_t last[R_KEYS];
	uint32_t nlive;
	uint32_t released[3];
	uint32_t nhosts;            /* owners in use: key i belongs to owner i % nhosts */
	uint32_t host_live[R_KEYS]; /* live flows per owner */
	uint64_t now;
	bool bad;
};

/* Owners holding at least one live flow, which the table reports as hosts. */
static uint32_t model_hosts(const struct model *m)
{
	uint32_t n = 0;

	for (uint32_t h = 0; h < m->nhosts; h++) {
		n += m->host_live[h] != 0 ? 1u : 0u;
	}
	return n;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Key i has source port 1000 + i; the callback maps a flow back to i with it. */
static uint32_t model_index(const struct flow_key *k)
{
	uint32_t p = k->lo_port >= 1000 ? k->lo_port : k->hi_port;

	return p - 1000u;
}

static void model_release(void *ctx, struct flow *f, enum flow_end why)
{
	struct model *m = ctx;
	uint32_t i = model_index(&f->key);

	/* Failing assertions inside the callback would longjmp through the table. */
	if (i >= R_KEYS || !m->live[i] || memcmp(&f->key, &m->key[i], sizeof(f->key)) != 0 ||
	    f->last_ms != m->last[i] ||
	    (why == FLOW_END_EXPIRED && m->now - f->last_ms <= T_OTHER_TIMEOUT)) {
		m->bad = true;
		return;
	}
	m->live[i] = false;
	m->nlive--;
	m->host_live[i % m->nhosts]--;
	m->released[why]++;
}

static void model_check_all(struct flow_table *ft, struct model *m)
{
	struct flow_stats st;

	for (uint32_t i = 0; i < R_KEYS; i++) {
		struct flow *f = flow_find(ft, &m->key[i], m->hash[i]);

		assert_int_equal(f != NULL, m->live[i]);
		if (f != NULL) {
			assert_memory_equal(&f->key, &m->key[i], sizeof(f->key));
		}
	}
	flow_get_stats(ft, &st);
	assert_int_equal(st.active, m->nlive);
	assert_int_equal(st.hosts, model_hosts(m));
}

/* Insert key i if absent, else touch it; the model follows. */
static void model_use(struct flow_table *ft, struct model *m, uint32_t i)
{
	struct flow *f = flow_find(ft, &m->key[i], m->hash[i]);
	uint32_t o = i % m->nhosts;
	uint8_t owner[4] = {10, 1, (uint8_t)(o >> 8), (uint8_t)o};
	int rc;

	assert_int_equal(f != NULL, m->live[i]);
	if (f != NULL) {
		flow_touch(ft, f, FLOW_DIR_LO_HI, 64, 0, m->now);
		m->last[i] = m->now;
		return;
	}
	rc = flow_insert(ft, &m->key[i], m->hash[i], owner, 4, FLOW_LAN_LO, m->now, &f);
	assert_false(m->bad);
	if (rc == 0) {
		m->live[i] = true;
		m->nlive++;
		m->host_live[o]++;
		m->last[i] = m->now;
	} else {
		assert_int_equal(rc, -ENOSPC);
	}
}

/* Key i: 10.0.x.y:(1000 + i) -> 192.168.1.1:53, every third one TCP. */
static void model_keys(struct model *m)
{
	for (uint32_t i = 0; i < R_KEYS; i++) {
		uint8_t s[4] = {10, 0, (uint8_t)(i >> 8), (uint8_t)i};
		uint8_t d[4] = {192, 168, 1, 1};

		flow_key_make(&m->key[i], 4, s, d, 4, (uint16_t)(1000 + i), 53,
			      (uint8_t)(i % 3 == 0 ? T_TCP : T_UDP), 0);
		m->hash[i] = flow_hash(&m->key[i]);
	}
}

/* One random operation; r supplies the key, the kind, the time step and the budget. */
static void model_step(struct flow_table *ft, struct model *m, uint32_t op, uint64_t r)
{
	uint32_t k = (uint32_t)((r >> 16) % R_KEYS);
	uint32_t kind = (uint32_t)(r % 100);

	/* Alternate slow time (table fills, eviction) and fast time (expiry). */
	m->now += ((op / 5000) & 1) != 0 ? (r >> 40) % 8 : (r >> 40) & 1;
	if (kind < 50) {
		model_use(ft, m, k);
	} else if (kind < 85) {
		assert_int_equal(flow_find(ft, &m->key[k], m->hash[k]) != NULL, m->live[k]);
	} else if (kind < 97) {
		(void)flow_expire(ft, m->now, (uint32_t)((r >> 32) % 8));
	} else {
		(void)flow_expire(ft, m->now, UINT32_MAX);
		for (uint32_t i = 0; i < R_KEYS; i++) {
			assert_false(m->live[i] && m->now - m->last[i] > T_OTHER_TIMEOUT);
		}
	}
	assert_false(m->bad);
}

static void run_random(uint32_t max, uint32_t tsize, uint32_t nhosts, uint64_t seed)
{
	struct model *m = calloc(1, sizeof(*m));
	struct flow_params p = {
		.max_flows = max,
		.table_size = tsize,
		.tcp_timeout_ms = T_TCP_TIMEOUT,
		.other_timeout_ms = T_OTHER_TIMEOUT,
		.evict_scan = 8,
		.on_release = model_release,
	};
	struct flow_table *ft;
	struct flow_stats st;

	assert_non_null(m);
	p.ctx = m;
	m->nhosts = nhosts;
	ft = flow_table_create(&p);
	assert_non_null(ft);
	model_keys(m);
	for (uint32_t op = 0; op < 100000; op++) {
		model_step(ft, m, op, xorshift64(&seed));
		if (op % 500 == 0) {
			model_check_all(ft, m);
		}
	}
	model_check_all(ft, m);
	flow_get_stats(ft, &st);
	assert_int_equal(st.expired, m->released[FLOW_END_EXPIRED]);
	assert_int_equal(st.evicted, m->released[FLOW_END_EVICTED]);
	/* The mix must have exercised every path. */
	assert_true(st.expired > 1000);
	assert_true(st.evicted > 100);
	assert_int_equal(st.created, st.expired + st.evicted + st.active);
	flow_table_destroy(ft);
	assert_false(m->bad);
	assert_int_equal(m->nlive, 0);
	assert_int_equal(m->released[FLOW_END_FLUSH], st.active);
	free(m);
}

/* Nearly full slot array: long clusters stress backward-shift deletion. */
static void test_random_dense(void **state)
{
	(void)state;
	run_random(250, 256, 5, 0x9e3779b97f4a7c15u);
}

static void test_random_default(void **state)
{
	(void)state;
	run_random(256, 0, 5, 0x0123456789abcdefu);
}

/* Many owners: the host table sees collisions and backward shifts too. */
static void test_random_many_hosts(void **state)
{
	(void)state;
	run_random(250, 256, 230, 0x5851f42d4c957f2du);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizeof_flow),
		cmocka_unit_test(test_create_params),
		cmocka_unit_test(test_key_v4_direction),
		cmocka_unit_test(test_key_v4_dir_value),
		cmocka_unit_test(test_key_v6_direction),
		cmocka_unit_test(test_key_same_endpoint),
		cmocka_unit_test(test_key_zero_fills),
		cmocka_unit_test(test_find_insert_expire),
		cmocka_unit_test(test_time_never_backwards),
		cmocka_unit_test(test_timeouts_tcp_vs_udp),
		cmocka_unit_test(test_tcp_midstream_and_close),
		cmocka_unit_test(test_expire_budget),
		cmocka_unit_test(test_bounds_max_flows),
		cmocka_unit_test(test_fair_flood_recycles_own),
		cmocka_unit_test(test_fair_flood_idle_victim),
		cmocka_unit_test(test_fair_newcomer),
		cmocka_unit_test(test_refused_all_at_share),
		cmocka_unit_test(test_refused_scan_limit),
		cmocka_unit_test(test_evict_from_established),
		cmocka_unit_test(test_release_once_destroy),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_foreach_and_stats),
		cmocka_unit_test(test_insert_einval),
		cmocka_unit_test(test_random_dense),
		cmocka_unit_test(test_random_default),
		cmocka_unit_test(test_random_many_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
