/*
 * pol: per-host upload accounting and the leak verdict.
 *
 * A pair is (office host, remote host). Outbound clear-text payload bytes
 * of all the pair's flows are summed over a sliding window (cfg window_s,
 * 16 buckets), so a chunked upload, HLS segments or parallel connections
 * count as one upload. Evidence (proof of video from a sniffer) is kept
 * per pair. The verdict, from DESIGN.md:
 *
 *   video evidence AND not encrypted AND remote not local AND remote not
 *   allowed AND window sum > threshold (threshold 0: at the first proof)
 *
 * "Not encrypted" is the caller's job: only bytes and evidence of flows the
 * detector did not call encrypted reach this module. One alert per pair
 * when it first crosses, then at most one update per window_s while bytes
 * keep coming. In learn mode nothing is alerted; remotes that received a
 * clear-text upload over the threshold become candidate destinations.
 * With cfg bulk, a pair over the threshold without proof of video raises
 * a "bulk" alert; if proof arrives later, a video alert follows.
 */
#ifndef LEAKTAP_POL_H
#define LEAKTAP_POL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "snf.h"

struct nam_cache;

#define POL_BUCKETS 16

/* What a flow proved, kept with the pair; later reports merge into it. */
struct pol_evidence {
	struct snf_media media;
	char sentence[160];   /* one human sentence: "MP4 (ftyp isom) in multipart POST body" */
	char file[128];       /* "" when the carrier names no file */
	char fingerprint[65]; /* SHA-256 hex of the first 64 KiB of the file body, or "" */
	char name[CFG_NAME_MAX +
		  1]; /* remote name from the flow itself (Host, tcUrl, URL), or "" */
	char app[24]; /* detector's application name */
	uint8_t l4;   /* 6 or 17 */
	uint16_t remote_port;
	bool has_mac;
	uint8_t lan_mac[6];
};

/* One line out (JSON, no newline). */
typedef void (*pol_line_cb)(void *ctx, const char *line, size_t len);

struct pol_params {
	const struct cfg *cfg;   /* borrowed; pol_set_cfg swaps */
	struct nam_cache *names; /* borrowed; may be NULL */
	uint32_t max_pairs;      /* pairs tracked at once */
	uint32_t max_evidence;   /* pairs with evidence at once */
	uint32_t max_dest;       /* learn-mode candidate destinations */
	pol_line_cb alert_line;  /* alerts; NULL = count only */
	void *ctx;
	uint32_t first_alert_id; /* id of the first alert; 0 = 1. Restarts continue the
				  * numbering kept in storage, so ids never repeat. */
};

struct pol_stats {
	uint64_t alerts;  /* first alerts */
	uint64_t updates; /* later reports on the same pair */
	uint64_t allowed; /* verdicts suppressed by the allow list */
	uint64_t pairs_evicted;
	uint32_t pairs;
	uint32_t dests;
};

struct pol;
struct pol_pair;

struct pol *pol_create(const struct pol_params *p);
void pol_destroy(struct pol *p);
void pol_set_cfg(struct pol *p, const struct cfg *cfg);

/*
 * The pair of lan and remote (family 4 or 6), created if absent. NULL when
 * the table is full of pairs that must be kept (with evidence or alerted).
 * The pointer stays valid until pol_destroy or until the pair is evicted,
 * which only happens inside pol_pair_get: do not keep it across calls.
 */
struct pol_pair *pol_pair_get(struct pol *p, uint8_t family, const uint8_t *lan,
			      const uint8_t *remote, uint64_t now_ms);

/*
 * Add n outbound clear-text payload bytes at now_ms, then evaluate. info
 * describes the flow they came from (app, l4, remote port, MAC; media
 * empty); it is used only if the pair raises a "bulk" alert (cfg bulk).
 */
void pol_add_bytes(struct pol *p, struct pol_pair *pp, uint64_t n, uint64_t now_ms,
		   const struct pol_evidence *info);

/* Record proof of video for the pair (first proof wins; empty fields fill in later), then evaluate.
 */
void pol_add_evidence(struct pol *p, struct pol_pair *pp, const struct pol_evidence *ev,
		      uint64_t now_ms);

/* Bytes of the pair within the window ending at now_ms. */
uint64_t pol_window_bytes(const struct pol *p, const struct pol_pair *pp, uint64_t now_ms);

/* True when remote (or one of its known names, or name) is on the allow list. */
bool pol_is_allowed(const struct pol *p, uint8_t family, const uint8_t *remote, const char *name,
		    uint64_t now_ms);

/*
 * End of input (or shutdown): a pair alerted earlier whose bytes grew since
 * its last report gets one final update, so the last word on every leak
 * carries its full size.
 */
void pol_finish(struct pol *p, uint64_t now_ms);

/* One JSON line per candidate destination (learn mode), through cb. */
void pol_report_destinations(const struct pol *p, pol_line_cb cb, void *ctx, uint64_t now_ms);

/*
 * Block mode: true once the pair raised a block alert. The caller cuts the
 * flows of the pair it sees from then on (drop and reset).
 */
bool pol_pair_blocked(const struct pol_pair *pp);

/*
 * True while a blocked pair of these hosts is in quarantine (cfg
 * quarantine_s after its block alert): new flows between them are refused.
 * Costs one comparison when no quarantine is active.
 */
bool pol_quarantined(struct pol *p, uint8_t family, const uint8_t *lan, const uint8_t *remote,
		     uint64_t now_ms);

void pol_get_stats(const struct pol *p, struct pol_stats *st);

/* The id the next new alert will get (persist it to continue after a restart). */
uint32_t pol_next_alert_id(const struct pol *p);

/*
 * Active quarantines (end after now_ms) as one JSON document, for storage:
 *   {"quarantines":[{"lan_ip":"10.0.0.5","remote_ip":"203.0.113.9",
 *     "until":"<RFC 3339>","until_ms":N,"remaining_s":N}, ...]}
 * until_ms is in the engine's clock (capture time: wall-clock ms since the
 * epoch on a live port). Returns the length written (NUL-terminated), or
 * -ENOSPC when size is too small.
 */
int pol_quarantines_json(const struct pol *p, uint64_t now_ms, char *buf, size_t size);

/*
 * Restore quarantines from a pol_quarantines_json() document. Entries that
 * ended by now_ms are skipped. A restored pair is blocked like one blocked
 * in this run: new flows between its hosts are refused until until_ms and
 * flows carrying its clear-text upload are cut. Returns the number
 * restored, -EBADMSG for a document that is not that shape (nothing is
 * restored then), or -ENOSPC when the pair table filled up (the entries
 * before stay restored).
 */
int pol_quarantines_load(struct pol *p, const char *json, size_t len, uint64_t now_ms);

/* True while at least one quarantine is active (the alert LED is solid then). */
bool pol_quarantine_active(struct pol *p, uint64_t now_ms);

/*
 * A counter that changes whenever the set of active quarantines does: one
 * starts (block alert), one is restored, or one reached its end by now_ms.
 * A caller that persists quarantines rewrites them when it changes. Cheap
 * (one comparison) unless a quarantine ended since the last call.
 */
uint32_t pol_quarantine_gen(struct pol *p, uint64_t now_ms);

#endif /* LEAKTAP_POL_H */
