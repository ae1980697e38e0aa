/*
 * Engine internals shared by eng.c (packet path) and eng_report.c
 * (formatting of flow records and the summary). Not part of the API.
 */
#ifndef LEAKTAP_ENG_PRIV_H
#define LEAKTAP_ENG_PRIV_H

#include "eng.h"
#include "pkt.h"
#include "snf.h"

#define ENG_MAX_EXPECT 64 /* related connections announced and not yet seen */

struct eng_snf;
struct eng_expect;
struct eng_reorder;
struct nam_cache;
struct pol;

/* Per-application totals, indexed by det app id. */
struct eng_app {
	uint64_t bytes;
	uint32_t flows;
};

struct eng {
	const struct cfg *cfg;
	struct flow_table *ft;
	struct det *det;
	struct eng_counters c;
	eng_line_cb flow_line;
	void *ctx;
	uint64_t next_expire_ms;
	uint32_t max_flows;
	struct eng_app *apps; /* det_app_count() entries */
	uint16_t n_apps;
	uint64_t flow_bytes; /* bytes of released flows */
	uint64_t enc_bytes;  /* of which in encrypted flows */
	uint64_t flows_done; /* released flows */
	uint64_t enc_flows;
	eng_line_cb alert_line;
	eng_inject_cb inject;
	void *inject_ctx;
	bool video;              /* video path on (eng_params.no_video clear) */
	bool shed;               /* overload: forward without inspection */
	uint32_t first_alert_id; /* eng_params.first_alert_id, for pol_create */
	/* Video path (eng_sniff.c). */
	struct nam_cache *names;
	struct pol *pol;
	struct eng_snf *snf_pool;
	uint32_t *snf_free;
	uint32_t snf_n_free;
	uint32_t snf_pool_size;
	uint64_t snf_nostate; /* flows not sniffed: slot pool empty */
	uint64_t proofs;      /* flows that proved video */
	struct eng_expect *expect;
	struct eng_reorder *rbufs; /* CONFIG_SNF_REORDER_BUFS out-of-order buffers */
	uint32_t *rb_free;
	uint32_t rb_n_free;
	uint64_t snf_gaps; /* directions whose sniffing ended at an unfillable hole */
	uint32_t n_expect;
	bool cur_mac_ok; /* cur_mac is the office host's MAC of the current frame */
	uint8_t cur_mac[6];
	char line[1024]; /* one flow record */
};

/* Block mode (eng_block.c): drop the frame, reset both ends of TCP. */
enum eng_verdict eng_block(struct eng *e, struct flow *fl, enum eng_side from, enum pkt_link link,
			   const struct port_frame *f, const struct pkt_info *pi);

/* Video path (eng_sniff.c). */
int eng_sniff_init(struct eng *e, uint32_t pool);
void eng_sniff_fini(struct eng *e);
/* One packet with its decoded headers; d is relative to the office. */
void eng_sniff_packet(struct eng *e, struct flow *f, enum snf_dir d, const struct pkt_info *pi,
		      const uint8_t *frame, uint64_t now_ms);
/* DNS answers teach names, whatever flow they belong to. */
void eng_sniff_dns(struct eng *e, const struct pkt_info *pi, const uint8_t *frame, uint64_t now_ms);
void eng_sniff_server_name(struct eng *e, struct flow *f, const char *name, uint64_t now_ms);
/* The flow ends: close bodies, hand over evidence and bytes. */
void eng_sniff_release(struct eng *e, struct flow *f);
size_t eng_sniff_slot_size(void);

/* Format one flow record (JSON, no newline) into buf; returns its length. */
/* eng_format_flow() of a flow still in the table: no "end" field. */
#define ENG_FLOW_LIVE 255

size_t eng_format_flow(const struct eng *e, const struct flow *f, enum flow_end why, char *buf,
		       size_t size);

#endif /* LEAKTAP_ENG_PRIV_H */
