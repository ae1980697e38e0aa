/*
 * Text the engine produces: one JSON record per finished flow (--flows)
 * and the human summary. Runs once per flow or once per run, never per
 * packet. Formatting is done here rather than with cJSON because a record
 * is flat and this avoids an allocation per flow.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eng_priv.h"
#include "fmt.h"
#include "nam.h"
#include "pol.h"

static const char *l4_name(uint8_t proto)
{
	switch (proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	default:
		return NULL;
	}
}

static const char *const det_state_names[] = {"none", "classifying", "done", "gaveup", "nostate"};
static const char *const end_names[] = {"expired", "evicted", "flush"};
static const char *const lan_names[] = {"none", "src", "dst", "both"};

/*
 * A flow is written from its office side when exactly one side is local
 * ("src" is the LAN host, "out" is what left the office); otherwise from
 * the side that sent its first packet.
 */
size_t eng_format_flow(const struct eng *e, const struct flow *f, enum flow_end why, char *buf,
		       size_t size)
{
	enum flow_dir out = (enum flow_dir)f->orig;
	uint8_t lan = FLOW_LAN_NONE;
	if (f->lan == FLOW_LAN_LO || f->lan == FLOW_LAN_HI) {
		out = f->lan == FLOW_LAN_LO ? FLOW_DIR_LO_HI : FLOW_DIR_HI_LO;
		lan = 1;
	} else if (f->lan == FLOW_LAN_BOTH) {
		lan = 3;
	}
	const struct flow_key *k = &f->key;
	bool lo_first = out == FLOW_DIR_LO_HI;
	char src[46], dst[46], t0[32], t1[32], l4[8];
	fmt_addr(k->family, lo_first ? k->lo : k->hi, src, sizeof(src));
	fmt_addr(k->family, lo_first ? k->hi : k->lo, dst, sizeof(dst));
	fmt_time(f->first_ms, t0, sizeof(t0));
	fmt_time(f->last_ms, t1, sizeof(t1));
	const char *l4n = l4_name(k->proto);
	if (l4n == NULL) {
		snprintf(l4, sizeof(l4), "%u", k->proto);
		l4n = l4;
	}
	enum flow_dir in = out == FLOW_DIR_LO_HI ? FLOW_DIR_HI_LO : FLOW_DIR_LO_HI;
	struct fmt_buf b;
	fmt_init(&b, buf, size);
	fmt_printf(&b,
		   "{\"l4\":\"%s\",\"src_ip\":\"%s\",\"src_port\":%u,\"dst_ip\":\"%s\","
		   "\"dst_port\":%u,\"vlan\":%u,\"lan\":\"%s\",",
		   l4n, src, lo_first ? k->lo_port : k->hi_port, dst,
		   lo_first ? k->hi_port : k->lo_port, k->vlan, lan_names[lan]);
	fmt_printf(&b, "\"app\":\"%s\",\"category\":\"%s\",\"encrypted\":%s,\"detection\":\"%s\",",
		   det_app_name(e->det, f->det.app), det_category_name(e->det, f->det.category),
		   f->det.encrypted ? "true" : "false",
		   f->det.state < 5 ? det_state_names[f->det.state] : "?");
	fmt_printf(&b, "\"bytes_out\":%llu,\"bytes_in\":%llu,\"pkts_out\":%u,\"pkts_in\":%u,",
		   (unsigned long long)f->bytes[out], (unsigned long long)f->bytes[in],
		   f->pkts[out], f->pkts[in]);
	fmt_printf(&b, "\"first_seen\":\"%s\",\"last_seen\":\"%s\"", t0, t1);
	if ((unsigned)why < sizeof(end_names) / sizeof(end_names[0])) {
		fmt_printf(&b, ",\"end\":\"%s\"", end_names[why]);
	}
	fmt_printf(&b, "}");
	return b.len < size ? b.len : size - 1;
}

/* The largest live flows so far, for eng_flows_json (a small insertion-sorted list). */
struct top_flows {
	const struct flow *f[ENG_TOP_FLOWS_MAX];
	size_t n;
	size_t want;
};

static uint64_t flow_total(const struct flow *f)
{
	return f->bytes[0] + f->bytes[1];
}

static void top_add(void *ctx, const struct flow *f)
{
	struct top_flows *t = ctx;
	size_t i = t->n < t->want ? t->n++ : t->want;
	if (i == t->want && flow_total(f) <= flow_total(t->f[t->want - 1])) {
		return;
	}
	if (i == t->want) {
		i = t->want - 1;
	}
	while (i > 0 && flow_total(t->f[i - 1]) < flow_total(f)) {
		t->f[i] = t->f[i - 1];
		i--;
	}
	t->f[i] = f;
}

int eng_flows_json(const struct eng *e, size_t top, char *buf, size_t size)
{
	struct top_flows t = {.want = top < ENG_TOP_FLOWS_MAX ? top : ENG_TOP_FLOWS_MAX};
	char one[1024];
	if (size < 3) {
		return -ENOSPC;
	}
	if (t.want > 0) {
		flow_foreach(e->ft, top_add, &t);
	}
	struct fmt_buf b;
	fmt_init(&b, buf, size);
	fmt_printf(&b, "[");
	for (size_t i = 0; i < t.n; i++) {
		eng_format_flow(e, t.f[i], (enum flow_end)ENG_FLOW_LIVE, one, sizeof(one));
		fmt_printf(&b, "%s%s", i ? "," : "", one);
	}
	fmt_printf(&b, "]");
	return b.len < size ? (int)b.len : -ENOSPC;
}

static int cmp_app(const void *a, const void *b, void *ctx)
{
	const struct eng_app *apps = ctx;
	uint64_t x = apps[*(const uint16_t *)a].bytes, y = apps[*(const uint16_t *)b].bytes;
	return x < y ? 1 : x > y ? -1 : 0;
}

#define TOP_APPS 10

static void summary_apps(const struct eng *e, struct fmt_buf *b)
{
	uint16_t idx[TOP_APPS + 1];
	size_t n = 0;
	/* Insertion into a small sorted array: n_apps is a few hundred, once per run. */
	for (uint16_t a = 0; a < e->n_apps; a++) {
		if (e->apps[a].flows == 0) {
			continue;
		}
		size_t i = n < TOP_APPS ? n++ : TOP_APPS;
		idx[i] = a;
		while (i > 0 && cmp_app(&idx[i - 1], &idx[i], e->apps) > 0) {
			uint16_t t = idx[i];
			idx[i] = idx[i - 1];
			idx[i - 1] = t;
			i--;
		}
	}
	fmt_printf(b, "top applications by bytes:");
	for (size_t i = 0; i < n; i++) {
		const struct eng_app *ap = &e->apps[idx[i]];
		double pct =
			e->flow_bytes ? 100.0 * (double)ap->bytes / (double)e->flow_bytes : 0.0;
		fmt_printf(b, " %s %.1f%% (%u flows)%s", det_app_name(e->det, idx[i]), pct,
			   ap->flows, i + 1 < n ? "," : "");
	}
	fmt_printf(b, "%s\n", n ? "" : " none");
}

int eng_format_summary(const struct eng *e, uint64_t elapsed_us, char *buf, size_t size)
{
	struct fmt_buf b;
	fmt_init(&b, buf, size);
	struct flow_stats fs;
	struct det_stats ds;
	flow_get_stats(e->ft, &fs);
	det_get_stats(e->det, &ds);
	const struct eng_counters *c = &e->c;
	double secs = (double)elapsed_us / 1e6;
	double span = c->last_ts_us > c->first_ts_us
			      ? (double)(c->last_ts_us - c->first_ts_us) / 1e6
			      : 0.0;
	fmt_printf(&b,
		   "frames %llu, bytes %llu, ip %llu, non-ip %llu, fragments %llu, "
		   "malformed %llu, capture span %.3f s\n",
		   (unsigned long long)c->frames, (unsigned long long)c->bytes,
		   (unsigned long long)c->ip, (unsigned long long)c->non_ip,
		   (unsigned long long)c->fragments, (unsigned long long)c->malformed, span);
	fmt_printf(&b,
		   "flows %llu (peak %u live), expired %llu, evicted %llu, refused %llu, "
		   "unflowed frames %llu\n",
		   (unsigned long long)fs.created, fs.peak, (unsigned long long)fs.expired,
		   (unsigned long long)fs.evicted, (unsigned long long)fs.refused,
		   (unsigned long long)c->unflowed);
	fmt_printf(&b,
		   "detection: %llu detected, %llu gave up, %llu not inspected (pool), "
		   "%llu reclaimed, %llu packets inspected, peak %u states of %u bytes\n",
		   (unsigned long long)ds.detected, (unsigned long long)ds.gaveup,
		   (unsigned long long)ds.nostate, (unsigned long long)ds.reclaimed,
		   (unsigned long long)ds.fed, ds.peak_in_use, ds.state_size);
	size_t tmem = flow_table_mem(e->ft);
	fmt_printf(&b,
		   "memory: flow table %zu KiB for %u flows (%zu bytes per flow with slots "
		   "and hosts), detector state %u bytes per classifying flow\n",
		   tmem / 1024u, e->max_flows, e->max_flows ? tmem / e->max_flows : 0,
		   ds.state_size);
	summary_apps(e, &b);
	struct pol_stats ps;
	struct nam_stats ns;
	pol_get_stats(e->pol, &ps);
	nam_get_stats(e->names, &ns);
	fmt_printf(&b,
		   "video: %llu flows proved video; %llu alerts, %llu updates, %llu allowed; "
		   "%llu flows not sniffed (pool); %u names cached; sniffer slot %zu bytes; "
		   "blocked %llu frames, %llu resets sent; %llu frames shed (overload); "
		   "%llu unfillable TCP holes\n",
		   (unsigned long long)e->proofs, (unsigned long long)ps.alerts,
		   (unsigned long long)ps.updates, (unsigned long long)ps.allowed,
		   (unsigned long long)e->snf_nostate, ns.entries, eng_sniff_slot_size(),
		   (unsigned long long)e->c.blocked, (unsigned long long)e->c.resets,
		   (unsigned long long)e->c.shed, (unsigned long long)e->snf_gaps);
	fmt_printf(&b, "encrypted: %.1f%% of flow bytes (%llu of %llu flows)\n",
		   e->flow_bytes ? 100.0 * (double)e->enc_bytes / (double)e->flow_bytes : 0.0,
		   (unsigned long long)e->enc_flows, (unsigned long long)e->flows_done);
	fmt_printf(&b, "elapsed %.3f s, %.1f Mbit/s, %.2f Mframes/s\n", secs,
		   secs > 0 ? (double)c->bytes * 8.0 / secs / 1e6 : 0.0,
		   secs > 0 ? (double)c->frames / secs / 1e6 : 0.0);
	if (b.len >= size) {
		return -ENOSPC;
	}
	return (int)b.len;
}
