/*
 * Engine internals shared by eng.c (packet path) and eng_report.c
 * (formatting of flow records and the summary). Not part of the API.
 */
#ifndef LEAKTAP_ENG_PRIV_H
#define LEAKTAP_ENG_PRIV_H

#include "eng.h"

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
	char line[1024]; /* one flow record */
};

/* Format one flow record (JSON, no newline) into buf; returns its length. */
size_t eng_format_flow(const struct eng *e, const struct flow *f, enum flow_end why, char *buf,
		       size_t size);

#endif /* LEAKTAP_ENG_PRIV_H */
