/*
 * The packet engine: decode, flow accounting, classification.
 *
 * eng_frame() runs for every frame, so it allocates nothing, formats
 * nothing and gives a flow to the detector only until its verdict is
 * final. Everything that is reported per flow is computed once, when the
 * flow leaves the table (on_release).
 */
#include "eng.h"

#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#include "eng_priv.h"
#include "pkt.h"
#include "pol.h"

static void on_release(void *ctx, struct flow *f, enum flow_end why)
{
	struct eng *e = ctx;
	det_release(e->det, &f->det);
	eng_sniff_release(e, f);
	uint64_t bytes = f->bytes[0] + f->bytes[1];
	uint16_t app = f->det.app < e->n_apps ? f->det.app : 0;
	e->apps[app].bytes += bytes;
	e->apps[app].flows++;
	e->flow_bytes += bytes;
	e->flows_done++;
	if (f->det.encrypted) {
		e->enc_bytes += bytes;
		e->enc_flows++;
	}
	if (e->flow_line != NULL) {
		size_t n = eng_format_flow(e, f, why, e->line, sizeof(e->line));
		e->flow_line(e->ctx, e->line, n);
	}
}

/* The detector names the server (TLS SNI, HTTP Host) of a flow it is done with. */
static void on_det_name(void *ctx, struct det_flow *df, const char *name)
{
	struct eng *e = ctx;
	struct flow *f = (struct flow *)(void *)((char *)df - offsetof(struct flow, det));
	eng_sniff_server_name(e, f, name, f->last_ms);
}

struct eng *eng_create(const struct eng_params *p)
{
	if (p == NULL || p->cfg == NULL) {
		return NULL;
	}
	struct eng *e = calloc(1, sizeof(*e));
	if (e == NULL) {
		return NULL;
	}
	e->cfg = p->cfg;
	e->flow_line = p->flow_line;
	e->alert_line = p->alert_line;
	e->inject = p->inject;
	e->inject_ctx = p->inject_ctx;
	e->video = !p->no_video;
	e->ctx = p->ctx;
	e->first_alert_id = p->first_alert_id;
	uint32_t max_flows = p->max_flows ? p->max_flows : CONFIG_MAX_FLOWS;
	e->max_flows = max_flows;
	struct det_params dp = {
#ifdef CONFIG_NDPI
		.pool_size = CONFIG_DET_POOL < max_flows ? CONFIG_DET_POOL : max_flows,
		.max_pkts = CONFIG_DET_MAX_PKTS,
#else
		.pool_size = 1,
		.max_pkts = 1,
#endif
		.on_name = on_det_name,
		.ctx = e,
	};
	struct flow_params fp = {
		.max_flows = max_flows,
		.tcp_timeout_ms =
			p->tcp_timeout_ms ? p->tcp_timeout_ms : CONFIG_FLOW_TCP_TIMEOUT_S * 1000u,
		.other_timeout_ms = p->other_timeout_ms ? p->other_timeout_ms
							: CONFIG_FLOW_OTHER_TIMEOUT_S * 1000u,
		.on_release = on_release,
		.ctx = e,
	};
	e->det = det_create(&dp);
	if (e->det != NULL) {
		e->n_apps = det_app_count(e->det);
		e->apps = calloc(e->n_apps, sizeof(*e->apps));
		e->ft = flow_table_create(&fp);
	}
	if (e->det == NULL || e->apps == NULL || e->ft == NULL ||
	    eng_sniff_init(e, CONFIG_SNF_POOL) != 0) {
		eng_destroy(e);
		return NULL;
	}
	return e;
}

void eng_destroy(struct eng *e)
{
	if (e == NULL) {
		return;
	}
	/* Flows are released (and reported) while the detector still exists. */
	flow_table_destroy(e->ft);
	eng_sniff_fini(e);
	det_destroy(e->det);
	free(e->apps);
	free(e);
}

void eng_set_cfg(struct eng *e, const struct cfg *cfg)
{
	if (cfg != NULL) {
		e->cfg = cfg;
		if (e->pol != NULL) {
			pol_set_cfg(e->pol, cfg);
		}
	}
}

/*
 * Which endpoint of a new flow is the office. A frame that arrived on the
 * LAN port comes from the office whatever its address; one from the WAN
 * port goes to it. local_nets adds the addresses that are local anyway
 * (the router's own LAN address, LAN-to-LAN traffic seen on a tap).
 */
/*
 * Multicast and broadcast destinations never leave the office as uploads:
 * an IPTV multicast on the LAN is not a leak to a remote host.
 */
static bool is_group(uint8_t family, const uint8_t *a)
{
	if (family == 4) {
		return (a[0] & 0xf0) == 0xe0 ||
		       (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
	}
	return a[0] == 0xff;
}

static enum flow_lan lan_of(const struct eng *e, const struct pkt_info *pi, enum eng_side side,
			    enum flow_dir dir)
{
	uint8_t fam = pi->l3 == PKT_L3_IPV4 ? 4 : 6;
	bool src = side == ENG_SIDE_LAN || cfg_is_local(e->cfg, fam, pi->src);
	bool dst = side == ENG_SIDE_WAN || cfg_is_local(e->cfg, fam, pi->dst) ||
		   is_group(fam, pi->dst);
	if (src && dst) {
		return FLOW_LAN_BOTH;
	}
	if (!src && !dst) {
		return FLOW_LAN_NONE;
	}
	/* dir says whether the source is the key's lo endpoint. */
	bool src_is_lo = dir == FLOW_DIR_LO_HI;
	return src == src_is_lo ? FLOW_LAN_LO : FLOW_LAN_HI;
}

/* Find or create the flow of a decoded IP packet; NULL when refused. */
static struct flow *flow_of(struct eng *e, const struct pkt_info *pi, enum eng_side side,
			    uint64_t now_ms, enum flow_dir *dir)
{
	struct flow_key k;
	bool ports = (pi->flags & PKT_F_L4) &&
		     (pi->l4proto == 6 || pi->l4proto == 17 || pi->l4proto == 132);
	size_t alen = pkt_addr_len(pi);
	*dir = flow_key_make(&k, pi->l3 == PKT_L3_IPV4 ? 4 : 6, pi->src, pi->dst, alen,
			     ports ? pi->sport : 0, ports ? pi->dport : 0, pi->l4proto,
			     pi->n_vlan ? pi->vlan[0] : 0);
	uint32_t h = flow_hash(&k);
	struct flow *f = flow_find(e->ft, &k, h);
	if (f != NULL) {
		return f;
	}
	enum flow_lan lan = lan_of(e, pi, side, *dir);
	/* Charge the flow to its office host, or to its initiator. */
	const uint8_t *owner = pi->src;
	if ((lan == FLOW_LAN_LO && *dir == FLOW_DIR_HI_LO) ||
	    (lan == FLOW_LAN_HI && *dir == FLOW_DIR_LO_HI)) {
		owner = pi->dst;
	}
	if (flow_insert(e->ft, &k, h, owner, alen, lan, now_ms, &f) != 0) {
		return NULL;
	}
	f->orig = (uint8_t)*dir;
	return f;
}

/* A new flow between the hosts of a pair in quarantine is refused. */
static bool quarantined(struct eng *e, const struct flow *fl, uint64_t now_ms)
{
	if (fl->lan != FLOW_LAN_LO && fl->lan != FLOW_LAN_HI) {
		return false;
	}
	const uint8_t *lan = fl->lan == FLOW_LAN_LO ? fl->key.lo : fl->key.hi;
	const uint8_t *rem = fl->lan == FLOW_LAN_LO ? fl->key.hi : fl->key.lo;
	return pol_quarantined(e->pol, fl->key.family, lan, rem, now_ms);
}

/* Office/remote TCP and UDP flows go through the video path. */
static void video_path(struct eng *e, struct flow *fl, enum flow_dir dir, enum pkt_link link,
		       const struct pkt_info *pi, const struct port_frame *f, uint64_t now_ms)
{
	if (pi->l4proto == 17) {
		eng_sniff_dns(e, pi, f->data, now_ms);
	}
	if (fl->lan != FLOW_LAN_LO && fl->lan != FLOW_LAN_HI) {
		return;
	}
	bool out = (fl->lan == FLOW_LAN_LO) == (dir == FLOW_DIR_LO_HI);
	e->cur_mac_ok = out && link == PKT_LINK_ETH && f->caplen >= 12;
	if (e->cur_mac_ok) {
		memcpy(e->cur_mac, f->data + 6, 6);
	}
	eng_sniff_packet(e, fl, out ? SNF_OUT : SNF_IN, pi, f->data, now_ms);
}

enum eng_verdict eng_frame(struct eng *e, enum eng_side side, enum pkt_link link,
			   const struct port_frame *f)
{
	struct pkt_info pi;
	e->c.frames++;
	e->c.bytes += f->wirelen;
	if (e->c.frames == 1) {
		e->c.first_ts_us = f->ts_us;
	}
	e->c.last_ts_us = f->ts_us;

	/* Malformed frames are forwarded: an inline box must not eat traffic it cannot parse. */
	if (pkt_decode(f->data, f->caplen, link, &pi) != 0) {
		e->c.malformed++;
		if (pi.l3 == PKT_L3_NONE) {
			return ENG_FORWARD;
		}
	}
	if (pi.l3 == PKT_L3_NONE) {
		e->c.non_ip++;
		return ENG_FORWARD;
	}
	e->c.ip++;
	if (pi.flags & PKT_F_FRAG) {
		e->c.fragments++;
		/* Later fragments carry no ports; they are counted, not reassembled. */
		if (!(pi.flags & PKT_F_FRAG0)) {
			return ENG_FORWARD;
		}
	}
	if ((pi.flags & PKT_F_MALFORMED) && !(pi.flags & PKT_F_L4)) {
		return ENG_FORWARD;
	}
	uint64_t now_ms = f->ts_us / 1000u;
	if (now_ms >= e->next_expire_ms) {
		flow_expire(e->ft, now_ms, 4096);
		e->next_expire_ms = now_ms + CONFIG_ENG_EXPIRE_EVERY_MS;
	}
	enum flow_dir dir;
	struct flow *fl = flow_of(e, &pi, side, now_ms, &dir);
	if (fl == NULL) {
		/* No room to inspect: forwarding has priority unless the office chose fail_closed.
		 */
		e->c.unflowed++;
		return e->cfg->fail_closed ? ENG_DROP : ENG_FORWARD;
	}
	bool fresh = fl->pkts[0] + fl->pkts[1] == 0;
	uint32_t ip_wire = (pi.flags & PKT_F_L4)
				   ? (uint32_t)(pi.payload_off - pi.l3_off) + pi.payload_wire
				   : (uint32_t)pi.l3_len +
					     (f->wirelen > f->caplen ? f->wirelen - f->caplen : 0);
	flow_touch(e->ft, fl, dir, ip_wire, pi.tcp_flags, now_ms);
	if (fresh && !fl->blocked && quarantined(e, fl, now_ms)) {
		fl->blocked = 1;
	}
	if (fl->blocked) {
		return eng_block(e, fl, side, link, f, &pi);
	}
	if (e->shed && fresh) {
		/*
		 * Overload: flows that start now are not inspected (their bytes are
		 * still counted); flows already under inspection keep it, so an
		 * upload in progress is not left with a hole in its byte stream.
		 */
		fl->uninspected = 1;
		fl->snf_done = 1;
		fl->det.state = DET_NOSTATE;
	}
	if (fl->uninspected && fl->det.state == DET_NOSTATE && fl->snf_done) {
		e->c.shed++;
		return e->cfg->fail_closed ? ENG_DROP : ENG_FORWARD;
	}
	if (fl->det.state <= DET_CLASSIFYING) {
		det_feed(e->det, &fl->det, f->data + pi.l3_off, pi.l3_len, now_ms);
	}
	if (e->video && (pi.flags & PKT_F_L4) && (pi.l4proto == 6 || pi.l4proto == 17)) {
		video_path(e, fl, dir, link, &pi, f, now_ms);
	}
	/* The packet that made the policy decide to block is the first one dropped. */
	if (fl->blocked) {
		return eng_block(e, fl, side, link, f, &pi);
	}
	/* A flow that found no sniffer slot went uninspected: fail_closed drops it. */
	return fl->uninspected && e->cfg->fail_closed ? ENG_DROP : ENG_FORWARD;
}

void eng_set_shed(struct eng *e, bool shed)
{
	e->shed = shed;
}

void eng_finish(struct eng *e)
{
	flow_flush(e->ft);
	pol_finish(e->pol, e->c.last_ts_us / 1000u);
}

void eng_report_destinations(const struct eng *e, eng_line_cb cb, void *ctx)
{
	pol_report_destinations(e->pol, cb, ctx, e->c.last_ts_us / 1000u);
}

void eng_get_counters(const struct eng *e, struct eng_counters *c)
{
	*c = e->c;
}

void eng_get_flow_stats(const struct eng *e, struct flow_stats *st)
{
	flow_get_stats(e->ft, st);
}

void eng_get_det_stats(const struct eng *e, struct det_stats *st)
{
	det_get_stats(e->det, st);
}

uint32_t eng_next_alert_id(const struct eng *e)
{
	return pol_next_alert_id(e->pol);
}

int eng_quarantines_json(const struct eng *e, uint64_t now_ms, char *buf, size_t size)
{
	return pol_quarantines_json(e->pol, now_ms, buf, size);
}

int eng_quarantines_load(struct eng *e, const char *json, size_t len, uint64_t now_ms)
{
	return pol_quarantines_load(e->pol, json, len, now_ms);
}

uint32_t eng_quarantine_gen(struct eng *e, uint64_t now_ms)
{
	return pol_quarantine_gen(e->pol, now_ms);
}

bool eng_quarantine_active(struct eng *e, uint64_t now_ms)
{
	return pol_quarantine_active(e->pol, now_ms);
}
