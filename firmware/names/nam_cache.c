/*
 * nam_cache: the bounded address -> names cache declared in nam.h.
 *
 * Everything is allocated once in nam_create(); nothing on the packet path
 * allocates.
 *  - entries[max_addrs]: one per address. A free entry has family 0 and sits
 *    on a singly linked free list through next.
 *  - slots[]: open addressing with linear probing over a power of two of at
 *    least 2 * max_addrs slots; 0 is empty, otherwise entry index + 1.
 *    Deletion shifts the rest of the cluster back (no tombstones), as in
 *    flow_table.c; each entry keeps its hash for that.
 *  - Every live entry is on one LRU list, most recently learned first.
 *    Lookups do not reorder it: they stay read-only, so the names they return
 *    cannot move under the caller, and an address that is only looked up
 *    keeps its names until they expire or newer learning pushes it out.
 *
 * Names of an entry are packed NUL-terminated into its 256-byte arena; a
 * name slot records offset, length, expiry, a learn sequence number and the
 * source. The sequence number (not the time) decides "most recent", so two
 * names learned in the same millisecond still have an order.
 *
 * Expired names are not removed by lookups (they are skipped). They are
 * dropped when their entry learns again, when the entry reaches the LRU tail
 * (each learn tidies up to NAM_TIDY entries there), or when the entry is
 * chosen to make room. When the table is full the victim is, among the
 * NAM_EVICT_SCAN least recently learned entries, the first with no live name,
 * else the one whose last name expires soonest.
 */
#include "nam.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NAM_NIL        UINT32_MAX
#define NAM_ARENA      256u /* bytes of names per address; >= NAM_NAME_MAX + 1 */
#define NAM_EVICT_SCAN 16u
#define NAM_TIDY       2u
#define NAM_MAX_ADDRS  (UINT32_C(1) << 24)
#define NAM_LABEL_MAX  63u
#define NAM_LEARN_SCAN (NAM_NAME_MAX + 8u) /* name, ":65535", a dot, and one over */
#define NAM_HASH_SEED  UINT64_C(0x243f6a8885a308d3)
#define NAM_HASH_K1    UINT64_C(0x9e3779b97f4a7c15)
#define NAM_HASH_K2    UINT64_C(0xbf58476d1ce4e5b9)
#define NAM_HASH_K3    UINT64_C(0xff51afd7ed558ccd)
#define NAM_MS_PER_S   1000u

_Static_assert(NAM_ARENA >= NAM_NAME_MAX + 1u, "one longest name must always fit");
_Static_assert(NAM_ARENA <= UINT16_MAX, "arena offsets are 16 bits");

struct nam_slot {
	uint64_t expire_ms;
	uint64_t seq; /* learn order; higher is more recent */
	uint16_t off; /* into the arena */
	uint8_t len;  /* without the NUL */
	uint8_t src;  /* enum nam_source */
};

struct nam_entry {
	uint8_t addr[16]; /* IPv4 zero padded */
	uint8_t family;   /* 4 or 6; 0 when free */
	uint8_t n;        /* names in use */
	uint16_t used;    /* arena bytes in use */
	uint32_t hash;
	uint32_t prev, next; /* LRU links; next also links the free list */
	struct nam_slot names[NAM_NAMES_PER_ADDR];
	char arena[NAM_ARENA];
};

struct nam_cache {
	struct nam_entry *entries;
	uint32_t *slots;
	uint32_t max;
	uint32_t mask;
	uint32_t free_head;
	uint32_t head, tail; /* LRU */
	uint64_t seq;
	struct nam_stats st;
	size_t mem;
	struct nam_dns_result dns; /* scratch for nam_learn_dns(), ~1 KB off the stack */
};

/* --- keys and hashing ------------------------------------------------------ */

static uint64_t nam_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t nam_mix(uint64_t h, uint64_t w)
{
	h ^= w * NAM_HASH_K1;
	h *= NAM_HASH_K2;
	return h ^ (h >> 31);
}

static uint32_t nam_hash(const uint8_t *a16, uint8_t family)
{
	uint64_t h = NAM_HASH_SEED;

	h = nam_mix(h, nam_load64(a16));
	h = nam_mix(h, nam_load64(a16 + 8));
	h = nam_mix(h, family);
	h ^= h >> 33;
	h *= NAM_HASH_K3;
	h ^= h >> 33;
	return (uint32_t)h;
}

/* Copy the address into a zero-padded 16-byte key; false for a bad family. */
static bool nam_key(uint8_t family, const uint8_t *addr, uint8_t *a16)
{
	if (addr == NULL || (family != 4 && family != 6)) {
		return false;
	}
	memset(a16, 0, 16);
	memcpy(a16, addr, family == 4 ? 4u : 16u);
	return true;
}

/* --- allocation -------------------------------------------------------------- */

static uint32_t nam_pow2(uint64_t n)
{
	uint64_t p = 1;

	while (p < n) {
		p <<= 1;
	}
	return (uint32_t)p;
}

struct nam_cache *nam_create(uint32_t max_addrs)
{
	struct nam_cache *c;
	uint32_t size;

	if (max_addrs == 0 || max_addrs > NAM_MAX_ADDRS) {
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return NULL;
	}
	size = nam_pow2(2 * (uint64_t)max_addrs);
	c->entries = calloc(max_addrs, sizeof(*c->entries));
	c->slots = calloc(size, sizeof(*c->slots));
	if (c->entries == NULL || c->slots == NULL) {
		nam_destroy(c);
		return NULL;
	}
	c->mem = sizeof(*c) + (size_t)max_addrs * sizeof(*c->entries) + size * sizeof(*c->slots);
	c->max = max_addrs;
	c->mask = size - 1;
	for (uint32_t i = 0; i < max_addrs; i++) {
		c->entries[i].next = i + 1 < max_addrs ? i + 1 : NAM_NIL;
	}
	c->free_head = 0;
	c->head = NAM_NIL;
	c->tail = NAM_NIL;
	return c;
}

void nam_destroy(struct nam_cache *c)
{
	if (c == NULL) {
		return;
	}
	free(c->entries);
	free(c->slots);
	free(c);
}

/* --- slots (open addressing, backward-shift deletion) ------------------------ */

static uint32_t nam_find(const struct nam_cache *c, const uint8_t *a16, uint8_t family,
			 uint32_t hash)
{
	uint32_t s = hash & c->mask;
	uint32_t v;

	while ((v = c->slots[s]) != 0) {
		const struct nam_entry *e = &c->entries[v - 1];

		if (e->family == family && memcmp(e->addr, a16, 16) == 0) {
			return v - 1;
		}
		s = (s + 1) & c->mask;
	}
	return NAM_NIL;
}

static void nam_slot_add(struct nam_cache *c, uint32_t i)
{
	uint32_t s = c->entries[i].hash & c->mask;

	while (c->slots[s] != 0) {
		s = (s + 1) & c->mask;
	}
	c->slots[s] = i + 1;
}

/* An entry at j with home h may fill hole s only if h is not in (s, j] cyclically. */
static void nam_slot_del(struct nam_cache *c, uint32_t i)
{
	uint32_t mask = c->mask;
	uint32_t s = c->entries[i].hash & mask;

	while (c->slots[s] != i + 1) {
		s = (s + 1) & mask;
	}
	c->slots[s] = 0;
	for (uint32_t j = (s + 1) & mask; c->slots[j] != 0; j = (j + 1) & mask) {
		uint32_t v = c->slots[j];
		uint32_t home = c->entries[v - 1].hash & mask;

		if (((j - home) & mask) >= ((j - s) & mask)) {
			c->slots[s] = v;
			c->slots[j] = 0;
			s = j;
		}
	}
}

/* --- LRU ----------------------------------------------------------------------- */

static void nam_lru_unlink(struct nam_cache *c, uint32_t i)
{
	struct nam_entry *e = &c->entries[i];

	if (e->prev != NAM_NIL) {
		c->entries[e->prev].next = e->next;
	} else {
		c->head = e->next;
	}
	if (e->next != NAM_NIL) {
		c->entries[e->next].prev = e->prev;
	} else {
		c->tail = e->prev;
	}
}

static void nam_lru_push(struct nam_cache *c, uint32_t i)
{
	struct nam_entry *e = &c->entries[i];

	e->prev = NAM_NIL;
	e->next = c->head;
	if (c->head != NAM_NIL) {
		c->entries[c->head].prev = i;
	} else {
		c->tail = i;
	}
	c->head = i;
}

/* --- names inside an entry ------------------------------------------------- */

static bool nam_live(const struct nam_slot *s, uint64_t now_ms)
{
	return now_ms < s->expire_ms;
}

/* Remove name k, closing its gap in the arena. */
static void nam_name_drop(struct nam_entry *e, uint8_t k)
{
	uint16_t off = e->names[k].off;
	uint16_t gap = (uint16_t)(e->names[k].len + 1u);

	memmove(e->arena + off, e->arena + off + gap, (size_t)(e->used - off - gap));
	e->used = (uint16_t)(e->used - gap);
	e->names[k] = e->names[--e->n];
	for (uint8_t j = 0; j < e->n; j++) {
		if (e->names[j].off > off) {
			e->names[j].off = (uint16_t)(e->names[j].off - gap);
		}
	}
}

/* Drop the expired names of e; returns how many remain. */
static uint8_t nam_prune(struct nam_cache *c, struct nam_entry *e, uint64_t now_ms)
{
	uint8_t k = 0;

	while (k < e->n) {
		if (nam_live(&e->names[k], now_ms)) {
			k++;
			continue;
		}
		nam_name_drop(e, k);
		c->st.expired++;
	}
	return e->n;
}

static uint8_t nam_oldest(const struct nam_entry *e)
{
	uint8_t best = 0;

	for (uint8_t k = 1; k < e->n; k++) {
		if (e->names[k].seq < e->names[best].seq) {
			best = k;
		}
	}
	return best;
}

/* Add or refresh name (normalised, n characters) in e; expired names are already gone. */
static void nam_put_name(struct nam_cache *c, struct nam_entry *e, const char *name, size_t n,
			 uint8_t src, uint64_t expire_ms)
{
	struct nam_slot *s;

	for (uint8_t k = 0; k < e->n; k++) {
		s = &e->names[k];
		if (s->len == n && memcmp(e->arena + s->off, name, n) == 0) {
			s->seq = ++c->seq;
			s->src = src;
			if (expire_ms > s->expire_ms) {
				s->expire_ms = expire_ms;
			}
			return;
		}
	}
	while (e->n == NAM_NAMES_PER_ADDR || e->used + n + 1u > NAM_ARENA) {
		nam_name_drop(e, nam_oldest(e));
		c->st.replaced++;
	}
	s = &e->names[e->n++];
	s->off = e->used;
	s->len = (uint8_t)n;
	s->src = src;
	s->seq = ++c->seq;
	s->expire_ms = expire_ms;
	memcpy(e->arena + s->off, name, n);
	e->arena[s->off + n] = '\0';
	e->used = (uint16_t)(e->used + n + 1u);
}

/* --- entries --------------------------------------------------------------- */

/* Remove entry i; its remaining names count as expired or its removal as an eviction. */
static void nam_entry_remove(struct nam_cache *c, uint32_t i, uint64_t now_ms)
{
	struct nam_entry *e = &c->entries[i];

	if (nam_prune(c, e, now_ms) != 0) {
		c->st.evicted++;
	}
	nam_slot_del(c, i);
	nam_lru_unlink(c, i);
	e->family = 0;
	e->n = 0;
	e->used = 0;
	e->next = c->free_head;
	c->free_head = i;
	c->st.entries--;
}

static uint64_t nam_last_expiry(const struct nam_entry *e, uint64_t now_ms)
{
	uint64_t last = 0;

	for (uint8_t k = 0; k < e->n; k++) {
		if (nam_live(&e->names[k], now_ms) && e->names[k].expire_ms > last) {
			last = e->names[k].expire_ms;
		}
	}
	return last;
}

/* Free LRU-tail entries whose names all expired, at most NAM_TIDY of them. */
static void nam_tidy(struct nam_cache *c, uint64_t now_ms)
{
	for (uint32_t n = 0; n < NAM_TIDY && c->tail != NAM_NIL; n++) {
		if (nam_last_expiry(&c->entries[c->tail], now_ms) != 0) {
			return;
		}
		nam_entry_remove(c, c->tail, now_ms);
	}
}

/* The entry to free when the table is full (rule in the file comment). */
static uint32_t nam_victim(const struct nam_cache *c, uint64_t now_ms)
{
	uint32_t best = c->tail;
	uint64_t best_exp = UINT64_MAX;
	uint32_t i = c->tail;

	for (uint32_t n = 0; n < NAM_EVICT_SCAN && i != NAM_NIL; n++) {
		uint64_t exp = nam_last_expiry(&c->entries[i], now_ms);

		if (exp < best_exp) {
			best = i;
			best_exp = exp;
			if (exp == 0) {
				break;
			}
		}
		i = c->entries[i].prev;
	}
	return best;
}

/* Find or create the entry of a16, most recently used; never fails (evicts). */
static struct nam_entry *nam_entry_get(struct nam_cache *c, const uint8_t *a16, uint8_t family,
				       uint64_t now_ms)
{
	uint32_t hash = nam_hash(a16, family);
	uint32_t i = nam_find(c, a16, family, hash);
	struct nam_entry *e;

	if (i != NAM_NIL) {
		if (c->head != i) {
			nam_lru_unlink(c, i);
			nam_lru_push(c, i);
		}
		return &c->entries[i];
	}
	if (c->free_head == NAM_NIL) {
		nam_entry_remove(c, nam_victim(c, now_ms), now_ms);
	}
	i = c->free_head;
	e = &c->entries[i];
	c->free_head = e->next;
	memcpy(e->addr, a16, 16);
	e->family = family;
	e->n = 0;
	e->used = 0;
	e->hash = hash;
	nam_slot_add(c, i);
	nam_lru_push(c, i);
	c->st.entries++;
	return e;
}

/* --- learning ---------------------------------------------------------------- */

static uint64_t nam_expiry(uint64_t now_ms, uint32_t ttl_s)
{
	uint64_t ttl_ms;

	if (ttl_s < NAM_TTL_MIN_S) {
		ttl_s = NAM_TTL_MIN_S;
	} else if (ttl_s > NAM_TTL_MAX_S) {
		ttl_s = NAM_TTL_MAX_S;
	}
	ttl_ms = (uint64_t)ttl_s * NAM_MS_PER_S;
	return now_ms > UINT64_MAX - ttl_ms ? UINT64_MAX : now_ms + ttl_ms;
}

/* Learn an already normalised name of n characters. */
static int nam_put(struct nam_cache *c, const struct nam_fact *f, const char *name, size_t n,
		   uint64_t now_ms)
{
	uint8_t a16[16];
	struct nam_entry *e;

	if (c == NULL || f->src >= NAM_SRC_COUNT || !nam_key(f->family, f->addr, a16)) {
		return -EINVAL;
	}
	nam_tidy(c, now_ms);
	e = nam_entry_get(c, a16, f->family, now_ms);
	nam_prune(c, e, now_ms);
	nam_put_name(c, e, name, n, f->src, nam_expiry(now_ms, f->ttl_s));
	c->st.learned++;
	return 0;
}

int nam_learn_fact(struct nam_cache *c, const struct nam_fact *f, uint64_t now_ms)
{
	char norm[NAM_NAME_MAX + 1];
	size_t len = 0;
	int n;

	if (f == NULL || f->name == NULL) {
		return -EINVAL;
	}
	while (len <= NAM_NAME_MAX + 1u && f->name[len] != '\0') {
		len++;
	}
	n = nam_name_norm(f->name, len, norm);
	if (n < 0) {
		return n;
	}
	return nam_put(c, f, norm, (size_t)n, now_ms);
}

/* Length of name without a ":port" suffix (one colon, 1..5 digits after it). */
static size_t nam_strip_port(const char *name, size_t len)
{
	size_t colon = len;

	for (size_t i = 0; i < len; i++) {
		if (name[i] == ':') {
			if (colon != len) {
				return len; /* two colons: an IPv6 literal, left to fail validation
					     */
			}
			colon = i;
		}
	}
	if (colon == len || len - colon < 2 || len - colon > 6) {
		return len;
	}
	for (size_t i = colon + 1; i < len; i++) {
		if (name[i] < '0' || name[i] > '9') {
			return len;
		}
	}
	return colon;
}

void nam_learn(struct nam_cache *c, uint8_t family, const uint8_t *addr, const char *name,
	       enum nam_source src, uint64_t now_ms)
{
	struct nam_fact f = {
		.family = family,
		.src = (uint8_t)src,
		.addr = addr,
		.name = name,
		.ttl_s = NAM_TTL_FLOW_S,
	};
	char norm[NAM_NAME_MAX + 1];
	size_t len = 0;
	int n;

	if (name == NULL || (unsigned)src >= NAM_SRC_COUNT) {
		return;
	}
	while (len < NAM_LEARN_SCAN && name[len] != '\0') {
		len++;
	}
	if (len == NAM_LEARN_SCAN) {
		return;
	}
	n = nam_name_norm(name, nam_strip_port(name, len), norm);
	if (n >= 0) {
		(void)nam_put(c, &f, norm, (size_t)n, now_ms);
	}
}

int nam_learn_dns(struct nam_cache *c, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	int rc = nam_dns_parse(msg, len, &c->dns);
	int learned = 0;

	if (rc < 0) {
		c->st.dns_malformed++;
		return rc;
	}
	c->st.dns_parsed++;
	for (size_t i = 0; i < c->dns.n_addrs; i++) {
		const struct nam_dns_addr *a = &c->dns.addrs[i];
		struct nam_fact f = {
			.family = a->family,
			.src = NAM_SRC_DNS,
			.addr = a->addr,
			.name = c->dns.qname,
			.ttl_s = a->ttl_s,
		};

		if (nam_learn_fact(c, &f, now_ms) == 0) {
			learned++;
		}
	}
	return learned;
}

/* --- lookup ---------------------------------------------------------------- */

static const struct nam_entry *nam_get(const struct nam_cache *c, uint8_t family,
				       const uint8_t *addr)
{
	uint8_t a16[16];
	uint32_t i;

	if (c == NULL || !nam_key(family, addr, a16)) {
		return NULL;
	}
	i = nam_find(c, a16, family, nam_hash(a16, family));
	return i == NAM_NIL ? NULL : &c->entries[i];
}

const char *nam_lookup(struct nam_cache *c, uint8_t family, const uint8_t *addr, uint64_t now_ms)
{
	const char *out[1];

	return nam_names(c, family, addr, now_ms, out, 1) == 1 ? out[0] : NULL;
}

size_t nam_names(struct nam_cache *c, uint8_t family, const uint8_t *addr, uint64_t now_ms,
		 const char **out, size_t max)
{
	const struct nam_entry *e = nam_get(c, family, addr);
	const struct nam_slot *live[NAM_NAMES_PER_ADDR];
	size_t n = 0;

	if (e == NULL || out == NULL) {
		return 0;
	}
	/* Insertion sort by sequence, newest first; at most four names. */
	for (uint8_t k = 0; k < e->n; k++) {
		size_t j = n;

		if (!nam_live(&e->names[k], now_ms)) {
			continue;
		}
		while (j > 0 && live[j - 1]->seq < e->names[k].seq) {
			live[j] = live[j - 1];
			j--;
		}
		live[j] = &e->names[k];
		n++;
	}
	if (n > max) {
		n = max;
	}
	for (size_t k = 0; k < n; k++) {
		out[k] = e->arena + live[k]->off;
	}
	return n;
}

/* --- names as text ----------------------------------------------------------- */

static char nam_lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch + ('a' - 'A')) : ch;
}

static bool nam_host_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/* An all-digit or 0x-hex last label is what inet_aton would read as a number. */
static bool nam_numeric_label(const char *l, size_t n)
{
	size_t i = 0;
	bool hex = n >= 2 && l[0] == '0' && l[1] == 'x';

	for (i = hex ? 2u : 0u; i < n; i++) {
		char ch = l[i];

		if (!((ch >= '0' && ch <= '9') || (hex && ch >= 'a' && ch <= 'f'))) {
			return false;
		}
	}
	return true;
}

int nam_name_norm(const char *in, size_t len, char *out)
{
	size_t label = 0; /* start of the current label */

	if (in == NULL || out == NULL) {
		return -EINVAL;
	}
	if (len > 0 && in[len - 1] == '.') {
		len--;
	}
	if (len == 0 || len > NAM_NAME_MAX) {
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = nam_lower(in[i]);

		if (ch == '.') {
			if (i == label || i - label > NAM_LABEL_MAX) {
				return -EINVAL;
			}
			label = i + 1;
		} else if (!nam_host_char(ch)) {
			return -EINVAL;
		}
		out[i] = ch;
	}
	if (label == len || len - label > NAM_LABEL_MAX ||
	    nam_numeric_label(out + label, len - label)) {
		return -EINVAL;
	}
	out[len] = '\0';
	return (int)len;
}

/* Length without one trailing dot. */
static size_t nam_text_len(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

static bool nam_ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (nam_lower(a[i]) != nam_lower(b[i])) {
			return false;
		}
	}
	return true;
}

/* Does name end with "." + suffix? With below, only if something precedes the dot. */
static bool nam_ends_with(const char *name, const char *suffix, bool exact_ok)
{
	size_t n, s;

	if (name == NULL || suffix == NULL) {
		return false;
	}
	n = nam_text_len(name);
	s = nam_text_len(suffix);
	if (s == 0 || n < s || !nam_ieq(name + n - s, suffix, s)) {
		return false;
	}
	if (n == s) {
		return exact_ok;
	}
	/* "." + suffix, and a non-empty label before that dot. */
	return n - s >= 2 && name[n - s - 1] == '.' && name[n - s - 2] != '.';
}

bool nam_match_suffix(const char *name, const char *suffix)
{
	return nam_ends_with(name, suffix, true);
}

bool nam_match_wildcard(const char *name, const char *suffix)
{
	return nam_ends_with(name, suffix, false);
}

/* --- stats ------------------------------------------------------------------ */

void nam_get_stats(const struct nam_cache *c, struct nam_stats *st)
{
	*st = c->st;
}

size_t nam_cache_mem(const struct nam_cache *c)
{
	return c->mem;
}
