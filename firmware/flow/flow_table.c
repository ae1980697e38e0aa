/*
 * flow_table: the preallocated, fair flow table declared in flow.h.
 *
 * Everything is allocated once in flow_table_create(); nothing on the packet
 * path allocates.
 *  - flows[max_flows]: the entries. A free entry has priv_list ==
 *    FLOW_LIST_FREE and sits on a singly linked free list through
 *    priv_lru_next.
 *  - slots[table_size]: open addressing with linear probing; 0 is empty,
 *    otherwise entry index + 1. table_size > max_flows, so every probe ends
 *    at an empty slot. Deletion shifts the rest of the cluster back instead
 *    of leaving tombstones, so probe lengths depend only on the live load.
 *    Each entry keeps its hash (priv_hash): removal probes from the home
 *    slot to find it, and the shift needs the home slot of every entry it
 *    moves, without rehashing keys or trusting callers to hash the same.
 *    Storing the slot as well would grow struct flow by 8 bytes.
 *  - hosts[max_flows] + host_slots[]: the owners, same scheme. A host exists
 *    only while it owns a flow and insert adds the owner only after any
 *    eviction, so max_flows host entries always suffice.
 *
 * Every live flow is on exactly one of two idle lists (established TCP and
 * everything else), doubly linked by index with the most recently used flow
 * at the head, and on its owner's list, also most recent first. last_ms is
 * clamped to the table clock (the latest packet time seen by insert or
 * touch), so moving a flow to a head keeps each idle list sorted by last_ms:
 * expiry only looks at the tails, and the least recently used flow of a list
 * or of a host is found in O(1).
 *
 * TCP state, from the PKT_TCP_* flags accumulated per direction:
 *  - est becomes 1 when SYN was seen in both directions (the SYN|ACK of a
 *    handshake) or ACK in both directions (the third handshake packet, or a
 *    flow picked up mid-stream). A scan answered by RST|ACK sees ACK one way
 *    only and never becomes established. est stays 1 once set.
 *  - The flow is on the established list while est is 1 and it is not
 *    closing: RST in either direction (one RST ends a connection) or FIN in
 *    both. A closing flow goes back to the short "other" timeout and stays
 *    there, even if the same 5-tuple is reused before it expires.
 * Protocols other than TCP are always on the "other" list.
 *
 * The release callback runs while the flow is still fully linked, so it may
 * read it and change its non-priv fields (the engine releases f->det there);
 * it must not call into the table, because the slots and lists are about to
 * change under it.
 */
#include "flow.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

#define FLOW_NIL            UINT32_MAX /* end of an index list */
#define FLOW_PROTO_TCP      6u
#define FLOW_EVICT_SCAN_DEF 64u
#define FLOW_FULL_EXPIRE    32u /* expiry budget tried before evicting */
#define FLOW_CACHE_LINE     64u
/* Derived slot counts (>= 2 * max_flows, a power of two) must fit in uint32_t. */
#define FLOW_MAX_FLOWS      (UINT32_C(1) << 30)

#define FLOW_HASH_SEED UINT64_C(0x243f6a8885a308d3)
#define FLOW_HASH_K1   UINT64_C(0x9e3779b97f4a7c15)
#define FLOW_HASH_K2   UINT64_C(0xbf58476d1ce4e5b9)
#define FLOW_HASH_K3   UINT64_C(0xff51afd7ed558ccd)

enum flow_list {
	FLOW_LIST_OTHER = 0, /* UDP, ICMP, other, unestablished or closing TCP */
	FLOW_LIST_EST = 1,   /* established TCP */
	FLOW_LIST_COUNT = 2,
	FLOW_LIST_FREE = 0xff, /* entry not in use */
};

/* The hash reads the key as whole 8-byte words. */
_Static_assert(sizeof(struct flow_key) % 8 == 0, "flow_key must be a multiple of 8 bytes");

/* Fairness owner: an address (IPv4 zero padded) and its family. */
struct flow_owner {
	uint8_t addr[16];
	uint8_t family; /* 4 or 6 */
};

struct flow_host {
	struct flow_owner o;
	uint32_t hash;       /* home slot is hash & host_mask; kept for backward shift */
	uint32_t count;      /* flows owned */
	uint32_t head, tail; /* owned flows, most recent first; head links the free list */
};

struct flow_table {
	struct flow *flows;
	uint32_t *slots;
	struct flow_host *hosts;
	uint32_t *host_slots;
	uint32_t max_flows;
	uint32_t mask;      /* table_size - 1 */
	uint32_t host_mask; /* host slots - 1 */
	uint32_t tcp_timeout_ms;
	uint32_t other_timeout_ms;
	uint32_t evict_scan;
	uint32_t free_head; /* free entries, linked through priv_lru_next */
	uint32_t host_free; /* free host entries, linked through head */
	uint32_t lru_head[FLOW_LIST_COUNT];
	uint32_t lru_tail[FLOW_LIST_COUNT];
	uint64_t clock_ms; /* latest packet time seen; last_ms never exceeds it */
	void (*on_release)(void *ctx, struct flow *f, enum flow_end why);
	void *ctx;
	struct flow_stats st;
	size_t mem;
};

/* --- hashing ------------------------------------------------------------- */

static inline uint64_t flow_load64(const uint8_t *p)
{
	uint64_t v;

	/* memcpy keeps the read alignment-safe; compilers emit one load. */
	memcpy(&v, p, sizeof(v));
	return v;
}

/* One round per word: the multiply spreads low bits up, the xorshift folds high bits down. */
static inline uint64_t flow_mix(uint64_t h, uint64_t w)
{
	h ^= w * FLOW_HASH_K1;
	h *= FLOW_HASH_K2;
	return h ^ (h >> 31);
}

static inline uint32_t flow_final(uint64_t h)
{
	h ^= h >> 33;
	h *= FLOW_HASH_K3;
	h ^= h >> 33;
	return (uint32_t)h;
}

/*
 * Words are read in host byte order, so hash values differ between
 * architectures; they are never stored or sent anywhere.
 */
uint32_t flow_hash(const struct flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = FLOW_HASH_SEED;

	for (size_t i = 0; i < sizeof(*k); i += 8) {
		h = flow_mix(h, flow_load64(p + i));
	}
	return flow_final(h);
}

static uint32_t flow_owner_hash(const struct flow_owner *o)
{
	uint64_t h = FLOW_HASH_SEED;

	h = flow_mix(h, flow_load64(o->addr));
	h = flow_mix(h, flow_load64(o->addr + 8));
	h = flow_mix(h, o->family);
	return flow_final(h);
}

/* --- keys ---------------------------------------------------------------- */

enum flow_dir flow_key_make(struct flow_key *k, uint8_t family, const uint8_t *src,
			    const uint8_t *dst, size_t alen, uint16_t sport, uint16_t dport,
			    uint8_t proto, uint16_t vlan)
{
	size_t n = alen < sizeof(k->lo) ? alen : sizeof(k->lo);
	int c = memcmp(src, dst, n);
	/* Equal endpoints (src == dst, sport == dport) count as lo -> hi. */
	bool src_lo = c < 0 || (c == 0 && sport <= dport);

	memset(k, 0, sizeof(*k));
	memcpy(k->lo, src_lo ? src : dst, n);
	memcpy(k->hi, src_lo ? dst : src, n);
	k->lo_port = src_lo ? sport : dport;
	k->hi_port = src_lo ? dport : sport;
	k->vlan = vlan;
	k->proto = proto;
	k->family = family;
	return src_lo ? FLOW_DIR_LO_HI : FLOW_DIR_HI_LO;
}

/* --- create / destroy ---------------------------------------------------- */

/* Smallest power of two >= n, for 1 <= n <= 2^31. */
static uint32_t flow_pow2(uint64_t n)
{
	uint32_t p = 1;

	while (p < n) {
		p <<= 1;
	}
	return p;
}

/*
 * Zeroed array of n elements of sz bytes starting on a cache line, so a
 * 128-byte flow entry spans exactly two lines. Adds the size to *mem.
 */
static void *flow_alloc(size_t n, size_t sz, size_t *mem)
{
	size_t bytes;
	void *p;

	if (n > (SIZE_MAX - FLOW_CACHE_LINE) / sz) {
		return NULL;
	}
	/* aligned_alloc() wants a size that is a multiple of the alignment. */
	bytes = (n * sz + FLOW_CACHE_LINE - 1) & ~(size_t)(FLOW_CACHE_LINE - 1);
	p = aligned_alloc(FLOW_CACHE_LINE, bytes);
	if (p != NULL) {
		memset(p, 0, bytes);
		*mem += bytes;
	}
	return p;
}

static void flow_free_all(struct flow_table *ft)
{
	free(ft->flows);
	free(ft->slots);
	free(ft->hosts);
	free(ft->host_slots);
	free(ft);
}

/* Checks params and derives the slot count; 0 when params are unusable. */
static uint32_t flow_table_slots(const struct flow_params *p)
{
	if (p == NULL || p->max_flows == 0 || p->max_flows > FLOW_MAX_FLOWS) {
		return 0;
	}
	if (p->table_size == 0) {
		return flow_pow2(2 * (uint64_t)p->max_flows);
	}
	if ((p->table_size & (p->table_size - 1)) != 0 || p->table_size <= p->max_flows) {
		return 0;
	}
	return p->table_size;
}

static void flow_table_init_lists(struct flow_table *ft)
{
	for (uint32_t i = 0; i < ft->max_flows; i++) {
		ft->flows[i].priv_list = FLOW_LIST_FREE;
		ft->flows[i].priv_lru_next = i + 1 < ft->max_flows ? i + 1 : FLOW_NIL;
		ft->hosts[i].head = i + 1 < ft->max_flows ? i + 1 : FLOW_NIL;
	}
	ft->free_head = 0;
	ft->host_free = 0;
	for (uint32_t l = 0; l < FLOW_LIST_COUNT; l++) {
		ft->lru_head[l] = FLOW_NIL;
		ft->lru_tail[l] = FLOW_NIL;
	}
}

struct flow_table *flow_table_create(const struct flow_params *p)
{
	uint32_t size = flow_table_slots(p);
	uint32_t host_size;
	struct flow_table *ft;

	if (size == 0) {
		return NULL;
	}
	ft = calloc(1, sizeof(*ft));
	if (ft == NULL) {
		return NULL;
	}
	ft->mem = sizeof(*ft);
	ft->max_flows = p->max_flows;
	ft->mask = size - 1;
	host_size = flow_pow2(2 * (uint64_t)p->max_flows);
	ft->host_mask = host_size - 1;
	ft->flows = flow_alloc(p->max_flows, sizeof(struct flow), &ft->mem);
	ft->slots = flow_alloc(size, sizeof(uint32_t), &ft->mem);
	ft->hosts = flow_alloc(p->max_flows, sizeof(struct flow_host), &ft->mem);
	ft->host_slots = flow_alloc(host_size, sizeof(uint32_t), &ft->mem);
	if (ft->flows == NULL || ft->slots == NULL || ft->hosts == NULL || ft->host_slots == NULL) {
		flow_free_all(ft);
		return NULL;
	}
	ft->tcp_timeout_ms = p->tcp_timeout_ms;
	ft->other_timeout_ms = p->other_timeout_ms;
	ft->evict_scan = p->evict_scan != 0 ? p->evict_scan : FLOW_EVICT_SCAN_DEF;
	ft->on_release = p->on_release;
	ft->ctx = p->ctx;
	flow_table_init_lists(ft);
	return ft;
}

void flow_table_destroy(struct flow_table *ft)
{
	if (ft == NULL) {
		return;
	}
	flow_flush(ft);
	flow_free_all(ft);
}

/* --- slots (open addressing, backward-shift deletion) -------------------- */

static void flow_slot_add(struct flow_table *ft, uint32_t i, uint32_t hash)
{
	uint32_t s = hash & ft->mask;

	while (ft->slots[s] != 0) {
		s = (s + 1) & ft->mask;
	}
	ft->slots[s] = i + 1;
	ft->flows[i].priv_hash = hash;
}

/*
 * Empty the slot of entry i and pull later members of its cluster back into
 * the hole. An entry at j with home h may fill hole s only if h is not in
 * (s, j] (cyclically); otherwise a probe from h would stop at the hole.
 */
static void flow_slot_del(struct flow_table *ft, uint32_t i)
{
	uint32_t mask = ft->mask;
	uint32_t s = ft->flows[i].priv_hash & mask;
	uint32_t j;

	while (ft->slots[s] != i + 1) {
		s = (s + 1) & mask;
	}
	ft->slots[s] = 0;
	j = s;
	for (;;) {
		uint32_t v, home;

		j = (j + 1) & mask;
		v = ft->slots[j];
		if (v == 0) {
			return;
		}
		home = ft->flows[v - 1].priv_hash & mask;
		if (((j - home) & mask) >= ((j - s) & mask)) {
			ft->slots[s] = v;
			ft->slots[j] = 0;
			s = j;
		}
	}
}

struct flow *flow_find(struct flow_table *ft, const struct flow_key *k, uint32_t hash)
{
	uint32_t mask = ft->mask;
	uint32_t s = hash & mask;
	uint32_t v;

	while ((v = ft->slots[s]) != 0) {
		struct flow *f = &ft->flows[v - 1];

		if (memcmp(&f->key, k, sizeof(*k)) == 0) {
			return f;
		}
		s = (s + 1) & mask;
	}
	return NULL;
}

/* --- hosts ---------------------------------------------------------------- */

static void flow_owner_make(struct flow_owner *o, const uint8_t *addr, size_t alen)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->addr, addr, alen);
	o->family = alen == 4 ? 4 : 6;
}

static uint32_t flow_host_find(const struct flow_table *ft, const struct flow_owner *o,
			       uint32_t hash)
{
	uint32_t s = hash & ft->host_mask;
	uint32_t v;

	while ((v = ft->host_slots[s]) != 0) {
		const struct flow_host *h = &ft->hosts[v - 1];

		if (h->o.family == o->family && memcmp(h->o.addr, o->addr, sizeof(o->addr)) == 0) {
			return v - 1;
		}
		s = (s + 1) & ft->host_mask;
	}
	return FLOW_NIL;
}

/* Caller guarantees a free host entry (see the file comment). */
static uint32_t flow_host_add(struct flow_table *ft, const struct flow_owner *o, uint32_t hash)
{
	uint32_t hi = ft->host_free;
	struct flow_host *h = &ft->hosts[hi];
	uint32_t s = hash & ft->host_mask;

	assert(hi != FLOW_NIL);
	ft->host_free = h->head;
	h->o = *o;
	h->hash = hash;
	h->count = 0;
	h->head = FLOW_NIL;
	h->tail = FLOW_NIL;
	while (ft->host_slots[s] != 0) {
		s = (s + 1) & ft->host_mask;
	}
	ft->host_slots[s] = hi + 1;
	ft->st.hosts++;
	return hi;
}

/* Same backward shift as flow_slot_del(), over the host slots. */
static void flow_host_del(struct flow_table *ft, uint32_t hi)
{
	uint32_t mask = ft->host_mask;
	uint32_t s = ft->hosts[hi].hash & mask;
	uint32_t j;

	while (ft->host_slots[s] != hi + 1) {
		s = (s + 1) & mask;
	}
	ft->host_slots[s] = 0;
	for (j = (s + 1) & mask; ft->host_slots[j] != 0; j = (j + 1) & mask) {
		uint32_t v = ft->host_slots[j];
		uint32_t home = ft->hosts[v - 1].hash & mask;

		if (((j - home) & mask) >= ((j - s) & mask)) {
			ft->host_slots[s] = v;
			ft->host_slots[j] = 0;
			s = j;
		}
	}
	ft->hosts[hi].head = ft->host_free;
	ft->host_free = hi;
	ft->st.hosts--;
}

/* --- lists ---------------------------------------------------------------- */

static void flow_lru_unlink(struct flow_table *ft, uint32_t i)
{
	struct flow *f = &ft->flows[i];
	uint8_t l = f->priv_list;

	if (f->priv_lru_prev != FLOW_NIL) {
		ft->flows[f->priv_lru_prev].priv_lru_next = f->priv_lru_next;
	} else {
		ft->lru_head[l] = f->priv_lru_next;
	}
	if (f->priv_lru_next != FLOW_NIL) {
		ft->flows[f->priv_lru_next].priv_lru_prev = f->priv_lru_prev;
	} else {
		ft->lru_tail[l] = f->priv_lru_prev;
	}
}

static void flow_lru_push(struct flow_table *ft, uint32_t i, uint8_t l)
{
	struct flow *f = &ft->flows[i];

	f->priv_list = l;
	f->priv_lru_prev = FLOW_NIL;
	f->priv_lru_next = ft->lru_head[l];
	if (ft->lru_head[l] != FLOW_NIL) {
		ft->flows[ft->lru_head[l]].priv_lru_prev = i;
	} else {
		ft->lru_tail[l] = i;
	}
	ft->lru_head[l] = i;
}

static void flow_host_unlink(struct flow_table *ft, uint32_t i)
{
	struct flow *f = &ft->flows[i];
	struct flow_host *h = &ft->hosts[f->priv_host];

	if (f->priv_host_prev != FLOW_NIL) {
		ft->flows[f->priv_host_prev].priv_host_next = f->priv_host_next;
	} else {
		h->head = f->priv_host_next;
	}
	if (f->priv_host_next != FLOW_NIL) {
		ft->flows[f->priv_host_next].priv_host_prev = f->priv_host_prev;
	} else {
		h->tail = f->priv_host_prev;
	}
}

static void flow_host_push(struct flow_table *ft, uint32_t i, uint32_t hi)
{
	struct flow *f = &ft->flows[i];
	struct flow_host *h = &ft->hosts[hi];

	f->priv_host = hi;
	f->priv_host_prev = FLOW_NIL;
	f->priv_host_next = h->head;
	if (h->head != FLOW_NIL) {
		ft->flows[h->head].priv_host_prev = i;
	} else {
		h->tail = i;
	}
	h->head = i;
}

/* --- release ------------------------------------------------------------- */

/* The one removal path: callback first, then unlink everything and free the entry. */
static void flow_release(struct flow_table *ft, uint32_t i, enum flow_end why)
{
	struct flow *f = &ft->flows[i];
	uint32_t hi = f->priv_host;

	if (ft->on_release != NULL) {
		ft->on_release(ft->ctx, f, why);
	}
	flow_lru_unlink(ft, i);
	flow_host_unlink(ft, i);
	if (--ft->hosts[hi].count == 0) {
		flow_host_del(ft, hi);
	}
	flow_slot_del(ft, i);
	f->priv_list = FLOW_LIST_FREE;
	f->priv_lru_next = ft->free_head;
	ft->free_head = i;
	ft->st.active--;
	if (why == FLOW_END_EXPIRED) {
		ft->st.expired++;
	} else if (why == FLOW_END_EVICTED) {
		ft->st.evicted++;
	}
}

/* Tail of list l if it has been idle longer than timeout at now, else FLOW_NIL. */
static uint32_t flow_idle_tail(const struct flow_table *ft, uint8_t l, uint64_t now,
			       uint32_t timeout)
{
	uint32_t i = ft->lru_tail[l];

	/* now may lag last_ms (clamped clock); that flow is not idle. */
	if (i == FLOW_NIL || now <= ft->flows[i].last_ms || now - ft->flows[i].last_ms <= timeout) {
		return FLOW_NIL;
	}
	return i;
}

uint32_t flow_expire(struct flow_table *ft, uint64_t now_ms, uint32_t budget)
{
	uint32_t n = 0;

	while (n < budget) {
		uint32_t o = flow_idle_tail(ft, FLOW_LIST_OTHER, now_ms, ft->other_timeout_ms);
		uint32_t e = flow_idle_tail(ft, FLOW_LIST_EST, now_ms, ft->tcp_timeout_ms);
		uint32_t i;

		if (o == FLOW_NIL && e == FLOW_NIL) {
			break;
		}
		/* With a small budget, release the longer-idle of the two first. */
		if (o == FLOW_NIL) {
			i = e;
		} else if (e == FLOW_NIL) {
			i = o;
		} else {
			i = ft->flows[o].last_ms <= ft->flows[e].last_ms ? o : e;
		}
		flow_release(ft, i, FLOW_END_EXPIRED);
		n++;
	}
	return n;
}

void flow_flush(struct flow_table *ft)
{
	for (uint8_t l = 0; l < FLOW_LIST_COUNT; l++) {
		while (ft->lru_tail[l] != FLOW_NIL) {
			flow_release(ft, ft->lru_tail[l], FLOW_END_FLUSH);
		}
	}
}

/* --- insert -------------------------------------------------------------- */

/*
 * Choose the flow to evict for a new flow of owner o, or FLOW_NIL when no
 * victim is fair (see flow.h). The scan examines up to evict_scan entries
 * from the tail of each idle list, "other" first, since short-lived flows
 * are the cheapest to lose.
 */
static uint32_t flow_victim(const struct flow_table *ft, const struct flow_owner *o, uint32_t ohash)
{
	uint32_t hi = flow_host_find(ft, o, ohash);
	uint32_t hosts = ft->st.hosts + (hi == FLOW_NIL ? 1u : 0u);
	uint32_t fair = ft->max_flows / hosts;

	if (fair == 0) {
		fair = 1;
	}
	if (hi != FLOW_NIL && ft->hosts[hi].count >= fair) {
		return ft->hosts[hi].tail;
	}
	for (uint8_t l = 0; l < FLOW_LIST_COUNT; l++) {
		uint32_t i = ft->lru_tail[l];

		for (uint32_t n = 0; n < ft->evict_scan && i != FLOW_NIL; n++) {
			if (ft->hosts[ft->flows[i].priv_host].count > fair) {
				return i;
			}
			i = ft->flows[i].priv_lru_prev;
		}
	}
	return FLOW_NIL;
}

/* Make room for one entry: expire, then evict fairly. 0 or -ENOSPC. */
static int flow_make_room(struct flow_table *ft, const struct flow_owner *o, uint32_t ohash,
			  uint64_t now_ms)
{
	uint32_t v;

	if (ft->st.active < ft->max_flows) {
		return 0;
	}
	flow_expire(ft, now_ms, FLOW_FULL_EXPIRE);
	if (ft->st.active < ft->max_flows) {
		return 0;
	}
	v = flow_victim(ft, o, ohash);
	if (v == FLOW_NIL) {
		ft->st.refused++;
		return -ENOSPC;
	}
	flow_release(ft, v, FLOW_END_EVICTED);
	return 0;
}

int flow_insert(struct flow_table *ft, const struct flow_key *k, uint32_t hash,
		const uint8_t *owner, size_t alen, enum flow_lan lan, uint64_t now_ms,
		struct flow **out)
{
	struct flow_owner o;
	uint32_t ohash, hi, i;
	struct flow *f;
	int rc;

	if (ft == NULL || k == NULL || owner == NULL || out == NULL || (alen != 4 && alen != 16)) {
		return -EINVAL;
	}
	assert(flow_find(ft, k, hash) == NULL);
	flow_owner_make(&o, owner, alen);
	ohash = flow_owner_hash(&o);
	rc = flow_make_room(ft, &o, ohash, now_ms);
	if (rc != 0) {
		return rc;
	}
	/* Look the owner up again: the eviction may have removed it. */
	hi = flow_host_find(ft, &o, ohash);
	if (hi == FLOW_NIL) {
		hi = flow_host_add(ft, &o, ohash);
	}
	i = ft->free_head;
	f = &ft->flows[i];
	ft->free_head = f->priv_lru_next;
	if (now_ms > ft->clock_ms) {
		ft->clock_ms = now_ms;
	}
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->first_ms = ft->clock_ms;
	f->last_ms = ft->clock_ms;
	f->lan = (uint8_t)lan;
	flow_slot_add(ft, i, hash);
	flow_lru_push(ft, i, FLOW_LIST_OTHER);
	flow_host_push(ft, i, hi);
	ft->hosts[hi].count++;
	ft->st.created++;
	if (++ft->st.active > ft->st.peak) {
		ft->st.peak = ft->st.active;
	}
	*out = f;
	return 0;
}

/* --- per packet ---------------------------------------------------------- */

/* Idle list a TCP flow belongs on; updates est (rules in the file comment). */
static uint8_t flow_tcp_list(struct flow *f)
{
	unsigned both = (unsigned)f->tcp_seen[0] & f->tcp_seen[1];
	unsigned any = (unsigned)f->tcp_seen[0] | f->tcp_seen[1];

	if ((both & (PKT_TCP_SYN | PKT_TCP_ACK)) != 0) {
		f->est = 1;
	}
	if ((any & PKT_TCP_RST) != 0 || (both & PKT_TCP_FIN) != 0) {
		return FLOW_LIST_OTHER;
	}
	return f->est ? FLOW_LIST_EST : FLOW_LIST_OTHER;
}

void flow_touch(struct flow_table *ft, struct flow *f, enum flow_dir dir, uint32_t wire_len,
		uint8_t tcp_flags, uint64_t now_ms)
{
	uint32_t i = (uint32_t)(f - ft->flows);
	unsigned d = (unsigned)dir & 1u;
	uint8_t l = f->priv_list;

	assert(i < ft->max_flows && l != FLOW_LIST_FREE);
	f->bytes[d] += wire_len;
	/* Saturate: a long flow at line rate can pass 2^32 packets. */
	if (f->pkts[d] != UINT32_MAX) {
		f->pkts[d]++;
	}
	f->tcp_seen[d] = (uint8_t)(f->tcp_seen[d] | tcp_flags);
	if (now_ms > ft->clock_ms) {
		ft->clock_ms = now_ms;
	}
	f->last_ms = ft->clock_ms;
	if (f->key.proto == FLOW_PROTO_TCP) {
		l = flow_tcp_list(f);
	}
	/* Bursts hit the same flow: skip the relinking when it is already first. */
	if (l != f->priv_list || ft->lru_head[l] != i) {
		flow_lru_unlink(ft, i);
		flow_lru_push(ft, i, l);
	}
	if (ft->hosts[f->priv_host].head != i) {
		flow_host_unlink(ft, i);
		flow_host_push(ft, i, f->priv_host);
	}
}

/* --- inspection ---------------------------------------------------------- */

void flow_foreach(struct flow_table *ft, void (*fn)(void *ctx, const struct flow *f), void *ctx)
{
	for (uint8_t l = 0; l < FLOW_LIST_COUNT; l++) {
		for (uint32_t i = ft->lru_head[l]; i != FLOW_NIL; i = ft->flows[i].priv_lru_next) {
			fn(ctx, &ft->flows[i]);
		}
	}
}

void flow_get_stats(const struct flow_table *ft, struct flow_stats *st)
{
	*st = ft->st;
}

size_t flow_table_mem(const struct flow_table *ft)
{
	return ft->mem;
}
