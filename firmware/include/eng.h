/*
 * eng: the packet engine. One frame in, decode, flow accounting,
 * classification, verdict out. No I/O: results leave through callbacks
 * and the summary API; time comes from the frames' capture timestamps.
 */
#ifndef LEAKTAP_ENG_H
#define LEAKTAP_ENG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "det.h"
#include "flow.h"
#include "port.h"

/* Where a frame came from. */
enum eng_side {
	ENG_SIDE_ANY = 0, /* replay/tap: the office side comes from local_nets only */
	ENG_SIDE_LAN,     /* arrived on the office port */
	ENG_SIDE_WAN,     /* arrived on the router port */
};

enum eng_verdict {
	ENG_FORWARD = 0,
	ENG_DROP,
};

/*
 * Send a frame the engine made (a TCP reset) out of the port on side out
 * (ENG_SIDE_ANY: the only port of a tap or a replay's recorder). The frame
 * is valid only during the call.
 */
typedef void (*eng_inject_cb)(void *ctx, enum eng_side out, enum pkt_link link,
			      const uint8_t *frame, size_t len, uint64_t ts_us);

/* One line of output (no trailing newline), e.g. a --flows record. */
typedef void (*eng_line_cb)(void *ctx, const char *line, size_t len);

struct eng_params {
	const struct cfg *cfg;     /* borrowed; must outlive the engine (eng_set_cfg swaps) */
	uint32_t max_flows;        /* 0 = CONFIG_MAX_FLOWS */
	uint32_t tcp_timeout_ms;   /* 0 = CONFIG_FLOW_TCP_TIMEOUT_S */
	uint32_t other_timeout_ms; /* 0 = CONFIG_FLOW_OTHER_TIMEOUT_S */
	eng_line_cb flow_line;     /* one JSON line per finished flow; NULL = off */
	eng_line_cb alert_line;    /* one JSON line per alert or update; NULL = off */
	bool no_video;             /* flows and applications only, no sniffers or policy
				    * (what the foundation did; for benchmarks) */
	void *ctx;                 /* passed to both callbacks */
	eng_inject_cb inject;      /* block mode's resets; NULL = drop only */
	void *inject_ctx;
	uint32_t first_alert_id; /* id of the first alert; 0 = 1 (see eng_next_alert_id) */
};

/* Frame and byte counters since eng_create(). */
struct eng_counters {
	uint64_t frames;
	uint64_t bytes;     /* wire bytes */
	uint64_t ip;        /* IPv4/IPv6 frames */
	uint64_t non_ip;    /* ARP, LLDP, ... */
	uint64_t fragments; /* IP fragments (forwarded, not reassembled) */
	uint64_t malformed; /* headers truncated or inconsistent (forwarded) */
	uint64_t unflowed;  /* IP frames with no flow (table refused): forwarded
			     * uninspected, or dropped with cfg fail_closed */
	uint64_t blocked;   /* frames dropped by block mode */
	uint64_t resets;    /* TCP resets sent by block mode */
	uint64_t shed;      /* frames of flows left uninspected under overload */
	uint64_t first_ts_us;
	uint64_t last_ts_us;
};

struct eng;

struct eng *eng_create(const struct eng_params *p);
/* Flushes the remaining flows (reporting them) and frees everything. */
void eng_destroy(struct eng *e);

/* Replace the configuration; takes effect for the next frame. */
void eng_set_cfg(struct eng *e, const struct cfg *cfg);

/* Process one frame. The caller keeps f; returns what to do with it. */
enum eng_verdict eng_frame(struct eng *e, enum eng_side side, enum pkt_link link,
			   const struct port_frame *f);

/*
 * Overload: while shed is true, flows that start are not inspected: their
 * frames are forwarded (or dropped with cfg fail_closed) and counted.
 * Flows already under inspection and blocked flows are not affected.
 */
void eng_set_shed(struct eng *e, bool shed);

/* End of input: report and release every flow. */
void eng_finish(struct eng *e);

void eng_get_counters(const struct eng *e, struct eng_counters *c);
void eng_get_flow_stats(const struct eng *e, struct flow_stats *st);
void eng_get_det_stats(const struct eng *e, struct det_stats *st);

#define ENG_TOP_FLOWS_MAX 32

/*
 * The top live flows by bytes (both ways), largest first, as a JSON array
 * of flow records (docs/alerts.md, without "end"). O(flows in the table):
 * for the status page, not for the packet path. Length, or -ENOSPC.
 */
int eng_flows_json(const struct eng *e, size_t top, char *buf, size_t size);

/* Learn mode: one JSON line per candidate destination, through cb. */
void eng_report_destinations(const struct eng *e, eng_line_cb cb, void *ctx);

/*
 * Write the human summary (several lines) into buf. elapsed_us is the wall
 * time the caller measured. Returns the length, or -ENOSPC.
 */
int eng_format_summary(const struct eng *e, uint64_t elapsed_us, char *buf, size_t size);

/*
 * Persistence of the policy state across restarts (the caller owns the
 * storage; the engine only formats and parses):
 *
 * eng_next_alert_id: the id the next new alert gets. Keep it (or the
 * highest alert_id written + 1) and pass it as first_alert_id at the next
 * start, so alert ids never repeat in a journal spanning restarts.
 *
 * eng_quarantines_json / eng_quarantines_load: the active quarantines as
 * a JSON document with their end time (pol_quarantines_json() has the
 * shape), and their restore; load returns the number restored, -EBADMSG
 * or -ENOSPC.
 *
 * eng_quarantine_gen: changes when a quarantine starts or ends (as of
 * now_ms, the engine's clock: capture time, wall-clock ms on live ports);
 * rewrite the stored document when it does.
 */
uint32_t eng_next_alert_id(const struct eng *e);
int eng_quarantines_json(const struct eng *e, uint64_t now_ms, char *buf, size_t size);
int eng_quarantines_load(struct eng *e, const char *json, size_t len, uint64_t now_ms);
uint32_t eng_quarantine_gen(struct eng *e, uint64_t now_ms);
/* True while a quarantine is active (block mode cut a pair off). */
bool eng_quarantine_active(struct eng *e, uint64_t now_ms);

#endif /* LEAKTAP_ENG_H */
