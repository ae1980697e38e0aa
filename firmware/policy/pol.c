/*
 * Upload accounting and the leak verdict (see pol.h).
 *
 * Pairs live in a preallocated open-addressing table (linear probing,
 * backward-shift deletion) keyed by family + both addresses. Evidence
 * records are big (names, file, fingerprint) and rare, so they sit in a
 * separate small pool that only pairs with proof of video use.
 */
#include "pol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "nam.h"

#include <cjson/cJSON.h>

#define POL_NIL      UINT32_MAX
#define POL_MAX_LANS 8

struct pol_pair {
	uint8_t family;
	uint8_t lan[16];
	uint8_t remote[16];
	bool used;
	uint32_t allowed_gen; /* == pol.gen: found allowed under the current config */
	uint32_t ev;          /* evidence index + 1; 0 = none */
	uint32_t alert_id;    /* 0 = never alerted */
	uint32_t updates;
	uint64_t bucket0; /* absolute number of the newest bucket */
	uint64_t buckets[POL_BUCKETS];
	uint64_t total;      /* all bytes ever added */
	uint64_t dest_total; /* part of total already given to the destination */
	uint64_t last_ms;
	uint64_t reported_ms; /* when the last alert or update went out */
	uint64_t reported_bytes;
	bool blocked;           /* a block-mode alert went out: the pair's flows are cut */
	uint64_t quarantine_ms; /* new flows between the two hosts are refused until then */
};

struct pol_dest {
	uint8_t family;
	uint8_t remote[16];
	bool used;
	bool video;
	uint8_t n_lans;
	uint8_t lans[POL_MAX_LANS][16];
	uint64_t bytes;
	uint64_t first_ms, last_ms;
	char name[CFG_NAME_MAX + 1];
};

struct pol {
	const struct cfg *cfg;
	struct nam_cache *names;
	pol_line_cb alert_line;
	void *ctx;
	struct pol_pair *pairs;
	uint32_t *slots; /* pair index + 1; 0 = empty */
	uint32_t mask;
	uint32_t max_pairs, n_pairs, hand;
	struct pol_evidence *ev;
	uint32_t *ev_free;
	uint32_t n_ev_free, max_ev;
	struct pol_dest *dests;
	uint32_t max_dest, n_dest;
	uint32_t next_alert_id;
	uint64_t quarantine_max_ms; /* latest quarantine end of any pair */
	uint64_t q_next_end;        /* earliest end of an active quarantine; UINT64_MAX: none */
	uint32_t q_gen;             /* see pol_quarantine_gen */
	uint32_t gen;               /* configuration generation, from 1 */
	struct pol_stats st;
	char line[4096]; /* worst case: every escapable byte of file and sentence escaped */
};

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t s = 16;
	while (s < n && s < (1u << 30)) {
		s <<= 1;
	}
	return s;
}

struct pol *pol_create(const struct pol_params *pp)
{
	if (pp == NULL || pp->cfg == NULL || pp->max_pairs == 0 || pp->max_evidence == 0) {
		return NULL;
	}
	struct pol *p = calloc(1, sizeof(*p));
	if (p == NULL) {
		return NULL;
	}
	p->cfg = pp->cfg;
	p->names = pp->names;
	p->alert_line = pp->alert_line;
	p->ctx = pp->ctx;
	p->max_pairs = pp->max_pairs;
	p->mask = pow2_at_least(2 * (uint64_t)pp->max_pairs) - 1;
	p->max_ev = pp->max_evidence;
	p->max_dest = pp->max_dest ? pp->max_dest : 1;
	p->pairs = calloc(p->max_pairs, sizeof(*p->pairs));
	p->slots = calloc((size_t)p->mask + 1, sizeof(*p->slots));
	p->ev = calloc(p->max_ev, sizeof(*p->ev));
	p->ev_free = calloc(p->max_ev, sizeof(*p->ev_free));
	p->gen = 1;
	p->next_alert_id = pp->first_alert_id ? pp->first_alert_id - 1 : 0;
	p->q_next_end = UINT64_MAX;
	p->dests = calloc(p->max_dest, sizeof(*p->dests));
	if (!p->pairs || !p->slots || !p->ev || !p->ev_free || !p->dests) {
		pol_destroy(p);
		return NULL;
	}
	for (uint32_t i = 0; i < p->max_ev; i++) {
		p->ev_free[i] = p->max_ev - i;
	}
	p->n_ev_free = p->max_ev;
	return p;
}

void pol_destroy(struct pol *p)
{
	if (p == NULL) {
		return;
	}
	free(p->pairs);
	free(p->slots);
	free(p->ev);
	free(p->ev_free);
	free(p->dests);
	free(p);
}

void pol_set_cfg(struct pol *p, const struct cfg *cfg)
{
	if (cfg != NULL) {
		p->cfg = cfg;
		p->gen++;
	}
}

static uint32_t pair_hash(uint8_t family, const uint8_t *lan, const uint8_t *remote)
{
	/* FNV-1a: once per new flow or evidence, not per packet. */
	uint32_t h = 2166136261u ^ family;
	size_t n = family == 4 ? 4 : 16;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ lan[i]) * 16777619u;
		h = (h ^ remote[i]) * 16777619u;
	}
	return h;
}

static bool pair_is(const struct pol_pair *pp, uint8_t family, const uint8_t *lan,
		    const uint8_t *remote)
{
	return pp->family == family && memcmp(pp->lan, lan, 16) == 0 &&
	       memcmp(pp->remote, remote, 16) == 0;
}

/* Remove the pair at slot s, shifting later entries of its probe run back. */
static void slot_delete(struct pol *p, uint32_t s)
{
	uint32_t hole = s;
	for (uint32_t i = (s + 1) & p->mask; p->slots[i] != 0; i = (i + 1) & p->mask) {
		const struct pol_pair *q = &p->pairs[p->slots[i] - 1];
		uint32_t home = pair_hash(q->family, q->lan, q->remote) & p->mask;
		/* Move back unless home lies cyclically in (hole, i]. */
		bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
		if (!stays) {
			p->slots[hole] = p->slots[i];
			hole = i;
		}
	}
	p->slots[hole] = 0;
}

static uint32_t slot_find(const struct pol *p, uint8_t family, const uint8_t *lan,
			  const uint8_t *remote)
{
	for (uint32_t i = pair_hash(family, lan, remote) & p->mask; p->slots[i] != 0;
	     i = (i + 1) & p->mask) {
		if (pair_is(&p->pairs[p->slots[i] - 1], family, lan, remote)) {
			return i;
		}
	}
	return POL_NIL;
}

/*
 * A victim: the first pair, in clock order, that holds nothing worth
 * keeping. Usually found at once; the whole table is scanned only when
 * nearly every pair holds evidence, which is rare and bounded by max_pairs.
 */
static uint32_t pair_victim(struct pol *p)
{
	for (uint32_t k = 0; k < p->max_pairs; k++) {
		uint32_t i = p->hand;
		p->hand = (p->hand + 1) % p->max_pairs;
		/* A blocked pair without alert is a restored quarantine: kept too. */
		if (p->pairs[i].ev == 0 && p->pairs[i].alert_id == 0 && !p->pairs[i].blocked) {
			return i;
		}
	}
	return POL_NIL;
}

static void keyed(uint8_t family, const uint8_t *in, uint8_t out[16])
{
	memset(out, 0, 16);
	memcpy(out, in, family == 4 ? 4 : 16);
}

struct pol_pair *pol_pair_get(struct pol *p, uint8_t family, const uint8_t *lan,
			      const uint8_t *remote, uint64_t now_ms)
{
	uint8_t l[16], r[16];
	keyed(family, lan, l);
	keyed(family, remote, r);
	uint32_t s = slot_find(p, family, l, r);
	if (s != POL_NIL) {
		return &p->pairs[p->slots[s] - 1];
	}
	uint32_t idx;
	if (p->n_pairs < p->max_pairs) {
		idx = p->n_pairs++;
	} else {
		idx = pair_victim(p);
		if (idx == POL_NIL) {
			return NULL;
		}
		struct pol_pair *old = &p->pairs[idx];
		slot_delete(p, slot_find(p, old->family, old->lan, old->remote));
		p->st.pairs_evicted++;
	}
	struct pol_pair *pp = &p->pairs[idx];
	memset(pp, 0, sizeof(*pp));
	pp->used = true;
	pp->family = family;
	memcpy(pp->lan, l, 16);
	memcpy(pp->remote, r, 16);
	pp->last_ms = now_ms;
	uint32_t i = pair_hash(family, l, r) & p->mask;
	while (p->slots[i] != 0) {
		i = (i + 1) & p->mask;
	}
	p->slots[i] = idx + 1;
	return pp;
}

static uint64_t bucket_ms(const struct pol *p)
{
	uint64_t w = (uint64_t)p->cfg->window_s * 1000u / POL_BUCKETS;
	return w ? w : 1;
}

uint64_t pol_window_bytes(const struct pol *p, const struct pol_pair *pp, uint64_t now_ms)
{
	uint64_t now_b = now_ms / bucket_ms(p);
	uint64_t sum = 0;
	for (uint64_t k = 0; k < POL_BUCKETS && k <= pp->bucket0; k++) {
		uint64_t b = pp->bucket0 - k;
		if (b + POL_BUCKETS > now_b) {
			sum += pp->buckets[b % POL_BUCKETS];
		}
	}
	return sum;
}

static bool name_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
		if (x != y) {
			return false;
		}
	}
	return *a == *b;
}

static bool name_allowed(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_allow; i++) {
		const struct cfg_allow *a = &c->allow[i];
		if ((a->kind == CFG_ALLOW_NAME && name_eq(name, a->name)) ||
		    (a->kind == CFG_ALLOW_SUFFIX && nam_match_wildcard(name, a->name))) {
			return true;
		}
	}
	return false;
}

bool pol_is_allowed(const struct pol *p, uint8_t family, const uint8_t *remote, const char *name,
		    uint64_t now_ms)
{
	const struct cfg *c = p->cfg;
	for (size_t i = 0; i < c->n_allow; i++) {
		if (c->allow[i].kind == CFG_ALLOW_CIDR &&
		    cfg_cidr_match(&c->allow[i].cidr, family, remote)) {
			return true;
		}
	}
	if (name != NULL && name[0] != '\0' && name_allowed(c, name)) {
		return true;
	}
	if (p->names != NULL) {
		const char *names[NAM_NAMES_PER_ADDR];
		size_t n = nam_names(p->names, family, remote, now_ms, names, NAM_NAMES_PER_ADDR);
		for (size_t i = 0; i < n; i++) {
			if (name_allowed(c, names[i])) {
				return true;
			}
		}
	}
	return false;
}

/* The name an alert shows: the flow's own, else the best the cache knows. */
static const char *remote_name(const struct pol *p, const struct pol_pair *pp,
			       const struct pol_evidence *ev, uint64_t now_ms)
{
	if (ev != NULL && ev->name[0] != '\0') {
		return ev->name;
	}
	const char *n = p->names ? nam_lookup(p->names, pp->family, pp->remote, now_ms) : NULL;
	return n;
}

static void format_optional(struct fmt_buf *b, const struct pol_evidence *ev)
{
	const struct snf_media *m = &ev->media;
	if (m->codec[0] != '\0') {
		fmt_printf(b, ",\"codec\":");
		fmt_json_str(b, m->codec);
	}
	if (m->width != 0 && m->height != 0) {
		fmt_printf(b, ",\"resolution\":\"%ux%u\"", m->width, m->height);
	}
	if (m->duration_ms != 0) {
		fmt_printf(b, ",\"duration_s\":%.3f", (double)m->duration_ms / 1000.0);
	}
	if (ev->file[0] != '\0') {
		fmt_printf(b, ",\"file\":");
		fmt_json_str(b, ev->file);
	}
	if (ev->fingerprint[0] != '\0') {
		fmt_printf(b, ",\"fingerprint\":\"%s\"", ev->fingerprint);
	}
}

/* Bookkeeping of a quarantine that begins (block alert or restore). */
static void quarantine_started(struct pol *p, const struct pol_pair *pp)
{
	if (pp->quarantine_ms > p->quarantine_max_ms) {
		p->quarantine_max_ms = pp->quarantine_ms;
	}
	if (pp->quarantine_ms < p->q_next_end) {
		p->q_next_end = pp->quarantine_ms;
	}
	p->q_gen++;
}

static void emit(struct pol *p, struct pol_pair *pp, uint64_t bytes, uint64_t now_ms)
{
	const struct pol_evidence *ev = &p->ev[pp->ev - 1];
	char ts[32], lan[48], rem[48];
	fmt_time(now_ms, ts, sizeof(ts));
	fmt_addr(pp->family, pp->lan, lan, sizeof(lan));
	fmt_addr(pp->family, pp->remote, rem, sizeof(rem));
	const char *name = remote_name(p, pp, ev, now_ms);
	struct fmt_buf b;
	fmt_init(&b, p->line, sizeof(p->line));
	fmt_printf(&b, "{\"ts\":\"%s\",\"alert_id\":%u,\"update\":%u,\"lan_ip\":\"%s\",", ts,
		   pp->alert_id, pp->updates, lan);
	if (ev->has_mac) {
		const uint8_t *m = ev->lan_mac;
		fmt_printf(&b, "\"lan_mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\",", m[0], m[1], m[2],
			   m[3], m[4], m[5]);
	}
	fmt_printf(&b, "\"remote_ip\":\"%s\",\"remote_port\":%u,\"remote_name\":", rem,
		   ev->remote_port);
	if (name != NULL) {
		fmt_json_str(&b, name);
	} else {
		fmt_printf(&b, "null");
	}
	fmt_printf(&b, ",\"l4\":\"%s\",\"app\":", ev->l4 == 17 ? "udp" : "tcp");
	fmt_json_str(&b, ev->app);
	if (ev->media.video[0] != '\0') {
		fmt_printf(&b, ",\"kind\":\"video\",\"video\":");
		fmt_json_str(&b, ev->media.video);
	} else {
		fmt_printf(&b, ",\"kind\":\"bulk\",\"video\":null");
	}
	fmt_printf(&b, ",\"evidence\":");
	fmt_json_str(&b, ev->sentence);
	fmt_printf(&b, ",\"bytes_out\":%llu,\"action\":\"%s\"", (unsigned long long)bytes,
		   p->cfg->mode == CFG_MODE_BLOCK ? "block" : "alert");
	format_optional(&b, ev);
	fmt_printf(&b, "}");
	pp->reported_ms = now_ms;
	pp->reported_bytes = pp->total;
	if (p->cfg->mode == CFG_MODE_BLOCK) {
		pp->blocked = true;
		pp->quarantine_ms = now_ms + (uint64_t)p->cfg->quarantine_s * 1000u;
		quarantine_started(p, pp);
	}
	/* Last: a callback that persists the quarantines already sees this one. */
	if (p->alert_line != NULL && fmt_ok(&b)) {
		p->alert_line(p->ctx, p->line, b.len);
	}
}

bool pol_pair_blocked(const struct pol_pair *pp)
{
	return pp->blocked;
}

bool pol_quarantined(struct pol *p, uint8_t family, const uint8_t *lan, const uint8_t *remote,
		     uint64_t now_ms)
{
	if (now_ms >= p->quarantine_max_ms) {
		return false; /* the common case: no quarantine active at all */
	}
	uint8_t l[16], r[16];
	keyed(family, lan, l);
	keyed(family, remote, r);
	uint32_t s = slot_find(p, family, l, r);
	return s != POL_NIL && now_ms < p->pairs[p->slots[s] - 1].quarantine_ms;
}

static struct pol_dest *dest_get(struct pol *p, const struct pol_pair *pp, uint64_t now_ms)
{
	for (uint32_t i = 0; i < p->n_dest; i++) {
		struct pol_dest *d = &p->dests[i];
		if (d->family == pp->family && memcmp(d->remote, pp->remote, 16) == 0) {
			return d;
		}
	}
	if (p->n_dest == p->max_dest) {
		return NULL;
	}
	struct pol_dest *d = &p->dests[p->n_dest++];
	d->used = true;
	d->family = pp->family;
	memcpy(d->remote, pp->remote, 16);
	d->first_ms = now_ms;
	return d;
}

/* Learn mode: the remote becomes (or stays) a candidate destination. */
static void learn(struct pol *p, struct pol_pair *pp, uint64_t now_ms)
{
	struct pol_dest *d = dest_get(p, pp, now_ms);
	if (d == NULL) {
		return;
	}
	d->bytes += pp->total - pp->dest_total;
	pp->dest_total = pp->total;
	d->last_ms = now_ms;
	d->video |= pp->ev != 0;
	const char *name = remote_name(p, pp, pp->ev ? &p->ev[pp->ev - 1] : NULL, now_ms);
	if (name != NULL) {
		snf_strlcpy(d->name, name, sizeof(d->name));
	}
	for (uint8_t i = 0; i < d->n_lans; i++) {
		if (memcmp(d->lans[i], pp->lan, 16) == 0) {
			return;
		}
	}
	if (d->n_lans < POL_MAX_LANS) {
		memcpy(d->lans[d->n_lans++], pp->lan, 16);
	}
}

static void evaluate(struct pol *p, struct pol_pair *pp, uint64_t now_ms,
		     const struct pol_evidence *info)
{
	const struct cfg *c = p->cfg;
	/* Cheap exits first: this runs each time bytes are flushed to the pair. */
	if (pp->alert_id != 0 && now_ms < pp->reported_ms + (uint64_t)c->window_s * 1000u) {
		return;
	}
	if (pp->allowed_gen == p->gen || (pp->ev == 0 && c->mode != CFG_MODE_LEARN && !c->bulk)) {
		return;
	}
	uint64_t sum = pol_window_bytes(p, pp, now_ms);
	bool over = c->threshold_bytes == 0 ? pp->ev != 0 : sum > c->threshold_bytes;
	if (!over || cfg_is_local(c, pp->family, pp->remote)) {
		return;
	}
	const struct pol_evidence *ev = pp->ev ? &p->ev[pp->ev - 1] : NULL;
	if (pol_is_allowed(p, pp->family, pp->remote, ev ? ev->name : NULL, now_ms)) {
		/* Remembered until the configuration changes (pol_set_cfg). */
		pp->allowed_gen = p->gen;
		p->st.allowed++;
		return;
	}
	if (c->mode == CFG_MODE_LEARN) {
		learn(p, pp, now_ms);
		return;
	}
	if (ev == NULL) {
		/* Only here with cfg bulk: an over-threshold clear upload, no video proof. */
		if (info == NULL || p->n_ev_free == 0) {
			return;
		}
		pp->ev = p->ev_free[--p->n_ev_free];
		p->ev[pp->ev - 1] = *info;
		memset(&p->ev[pp->ev - 1].media, 0, sizeof(struct snf_media));
		snprintf(p->ev[pp->ev - 1].sentence, sizeof(p->ev[0].sentence),
			 "large clear-text upload with no proof of video");
	}
	if (pp->alert_id == 0) {
		pp->alert_id = ++p->next_alert_id;
		p->st.alerts++;
		emit(p, pp, sum, now_ms);
	} else if (now_ms >= pp->reported_ms + (uint64_t)c->window_s * 1000u &&
		   pp->total > pp->reported_bytes) {
		pp->updates++;
		p->st.updates++;
		emit(p, pp, sum, now_ms);
	}
}

void pol_add_bytes(struct pol *p, struct pol_pair *pp, uint64_t n, uint64_t now_ms,
		   const struct pol_evidence *info)
{
	uint64_t b = now_ms / bucket_ms(p);
	if (b > pp->bucket0) {
		/* Clear the buckets the window moved past (at most all of them). */
		uint64_t k = b - pp->bucket0 < POL_BUCKETS ? b - pp->bucket0 : POL_BUCKETS;
		for (uint64_t i = 0; i < k; i++) {
			pp->buckets[(b - i) % POL_BUCKETS] = 0;
		}
		pp->bucket0 = b;
	}
	/* Time going backwards (out-of-order capture): count it in the newest bucket. */
	pp->buckets[pp->bucket0 % POL_BUCKETS] += n;
	pp->total += n;
	if (now_ms > pp->last_ms) {
		pp->last_ms = now_ms;
	}
	evaluate(p, pp, now_ms, info);
}

static void merge_str(char *dst, size_t size, const char *src)
{
	if (dst[0] == '\0' && src[0] != '\0') {
		snf_strlcpy(dst, src, size);
	}
}

void pol_add_evidence(struct pol *p, struct pol_pair *pp, const struct pol_evidence *ev,
		      uint64_t now_ms)
{
	if (pp->ev == 0) {
		if (p->n_ev_free == 0) {
			return; /* counted by the caller's stats: evidence pool full */
		}
		pp->ev = p->ev_free[--p->n_ev_free];
		p->ev[pp->ev - 1] = *ev;
	} else if (p->ev[pp->ev - 1].media.video[0] == '\0' && ev->media.video[0] != '\0') {
		/* Proof of video for a pair alerted as bulk: it becomes a video alert. */
		p->ev[pp->ev - 1] = *ev;
		pp->alert_id = 0;
		pp->updates = 0;
	} else {
		struct pol_evidence *e = &p->ev[pp->ev - 1];
		merge_str(e->file, sizeof(e->file), ev->file);
		merge_str(e->fingerprint, sizeof(e->fingerprint), ev->fingerprint);
		merge_str(e->name, sizeof(e->name), ev->name);
		if (!e->has_mac && ev->has_mac) {
			e->has_mac = true;
			memcpy(e->lan_mac, ev->lan_mac, 6);
		}
		if (e->media.width == 0 && ev->media.width != 0) {
			e->media.width = ev->media.width;
			e->media.height = ev->media.height;
		}
		merge_str(e->media.codec, sizeof(e->media.codec), ev->media.codec);
		if (e->media.duration_ms == 0) {
			e->media.duration_ms = ev->media.duration_ms;
		}
	}
	evaluate(p, pp, now_ms, NULL);
}

void pol_finish(struct pol *p, uint64_t now_ms)
{
	for (uint32_t i = 0; i < p->n_pairs; i++) {
		struct pol_pair *pp = &p->pairs[i];
		if (pp->alert_id != 0 && pp->total > pp->reported_bytes) {
			pp->updates++;
			p->st.updates++;
			/* The window as of the pair's last bytes: a late finish must not empty it.
			 */
			emit(p, pp, pol_window_bytes(p, pp, pp->last_ms), now_ms);
		}
	}
}

void pol_report_destinations(const struct pol *p, pol_line_cb cb, void *ctx, uint64_t now_ms)
{
	(void)now_ms;
	char buf[1024], rem[48], lan[48], t0[32], t1[32];
	for (uint32_t i = 0; i < p->n_dest; i++) {
		const struct pol_dest *d = &p->dests[i];
		struct fmt_buf b;
		fmt_init(&b, buf, sizeof(buf));
		fmt_addr(d->family, d->remote, rem, sizeof(rem));
		fmt_time(d->first_ms, t0, sizeof(t0));
		fmt_time(d->last_ms, t1, sizeof(t1));
		fmt_printf(&b, "{\"remote_ip\":\"%s\",\"remote_name\":", rem);
		if (d->name[0] != '\0') {
			fmt_json_str(&b, d->name);
		} else {
			fmt_printf(&b, "null");
		}
		fmt_printf(&b, ",\"lan_hosts\":[");
		for (uint8_t k = 0; k < d->n_lans; k++) {
			fmt_addr(d->family, d->lans[k], lan, sizeof(lan));
			fmt_printf(&b, "%s\"%s\"", k ? "," : "", lan);
		}
		fmt_printf(
			&b,
			"],\"bytes\":%llu,\"video\":%s,\"first_seen\":\"%s\",\"last_seen\":\"%s\"}",
			(unsigned long long)d->bytes, d->video ? "true" : "false", t0, t1);
		if (fmt_ok(&b)) {
			cb(ctx, buf, b.len);
		}
	}
}

void pol_get_stats(const struct pol *p, struct pol_stats *st)
{
	*st = p->st;
	st->pairs = p->n_pairs;
	st->dests = p->n_dest;
}

uint32_t pol_next_alert_id(const struct pol *p)
{
	return p->next_alert_id + 1u;
}

bool pol_quarantine_active(struct pol *p, uint64_t now_ms)
{
	(void)pol_quarantine_gen(p, now_ms);
	return p->q_next_end != UINT64_MAX;
}

uint32_t pol_quarantine_gen(struct pol *p, uint64_t now_ms)
{
	if (now_ms < p->q_next_end) {
		return p->q_gen;
	}
	/* One or more ended: O(pairs), once per quarantine end, never per packet. */
	p->q_gen++;
	p->q_next_end = UINT64_MAX;
	for (uint32_t i = 0; i < p->n_pairs; i++) {
		uint64_t end = p->pairs[i].quarantine_ms;
		if (end > now_ms && end < p->q_next_end) {
			p->q_next_end = end;
		}
	}
	return p->q_gen;
}

int pol_quarantines_json(const struct pol *p, uint64_t now_ms, char *buf, size_t size)
{
	struct fmt_buf b;
	fmt_init(&b, buf, size);
	fmt_printf(&b, "{\"quarantines\":[");
	bool first = true;
	for (uint32_t i = 0; now_ms < p->quarantine_max_ms && i < p->n_pairs; i++) {
		const struct pol_pair *pp = &p->pairs[i];
		if (!pp->used || pp->quarantine_ms <= now_ms) {
			continue;
		}
		char lan[48], rem[48], ts[32];
		fmt_addr(pp->family, pp->lan, lan, sizeof(lan));
		fmt_addr(pp->family, pp->remote, rem, sizeof(rem));
		fmt_time(pp->quarantine_ms, ts, sizeof(ts));
		fmt_printf(&b,
			   "%s{\"lan_ip\":\"%s\",\"remote_ip\":\"%s\",\"until\":\"%s\","
			   "\"until_ms\":%llu,\"remaining_s\":%llu}",
			   first ? "" : ",", lan, rem, ts, (unsigned long long)pp->quarantine_ms,
			   (unsigned long long)((pp->quarantine_ms - now_ms + 999u) / 1000u));
		first = false;
	}
	fmt_printf(&b, "]}");
	return fmt_ok(&b) && b.len < size ? (int)b.len : -ENOSPC;
}

/* One host address of a quarantine entry; family out. */
static bool parse_host(const cJSON *item, const char *key, struct cfg_cidr *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, key);
	if (!cJSON_IsString(v) || cfg_parse_cidr(v->valuestring, true, out) != 0) {
		return false;
	}
	return out->prefix == (out->family == 4 ? 32 : 128);
}

/* Check every entry before restoring any: a bad document restores nothing. */
static bool quarantines_valid(const cJSON *list)
{
	const cJSON *q;
	cJSON_ArrayForEach(q, list)
	{
		struct cfg_cidr lan, rem;
		const cJSON *until = cJSON_GetObjectItemCaseSensitive(q, "until_ms");
		if (!cJSON_IsObject(q) || !parse_host(q, "lan_ip", &lan) ||
		    !parse_host(q, "remote_ip", &rem) || lan.family != rem.family ||
		    !cJSON_IsNumber(until) || until->valuedouble < 0 ||
		    until->valuedouble > 9.0e15) {
			return false;
		}
	}
	return true;
}

int pol_quarantines_load(struct pol *p, const char *json, size_t len, uint64_t now_ms)
{
	cJSON *root = json ? cJSON_ParseWithLength(json, len) : NULL;
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "quarantines");
	if (!cJSON_IsArray(list) || !quarantines_valid(list)) {
		cJSON_Delete(root);
		return -EBADMSG;
	}
	int n = 0;
	const cJSON *q;
	cJSON_ArrayForEach(q, list)
	{
		struct cfg_cidr lan, rem;
		parse_host(q, "lan_ip", &lan);
		parse_host(q, "remote_ip", &rem);
		uint64_t until =
			(uint64_t)cJSON_GetObjectItemCaseSensitive(q, "until_ms")->valuedouble;
		if (until <= now_ms) {
			continue;
		}
		struct pol_pair *pp = pol_pair_get(p, lan.family, lan.addr, rem.addr, now_ms);
		if (pp == NULL) {
			cJSON_Delete(root);
			return -ENOSPC;
		}
		pp->blocked = true;
		if (until > pp->quarantine_ms) {
			pp->quarantine_ms = until;
		}
		quarantine_started(p, pp);
		n++;
	}
	cJSON_Delete(root);
	return n;
}
