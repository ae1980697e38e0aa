/*
 * alog: the alert log. Keeps the most recent alerts in memory for the web
 * page, API and console (one entry per alert_id: an update replaces the
 * entry of its alert), appends every alert line durably to storage with
 * bounded size and rotation ("alerts.jsonl" -> "alerts.1.jsonl"), and
 * keeps the next alert id across restarts so ids never repeat.
 *
 * Lines are the engine's alert JSON (docs/alerts.md). Acknowledgement is
 * the office's "I have seen it"; it is kept in the log too.
 */
#ifndef LEAKTAP_ALOG_H
#define LEAKTAP_ALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stor.h"

#define ALOG_LINE_MAX 4096

struct alog_entry {
	uint32_t id;     /* alert_id */
	uint32_t update; /* latest update number seen (0 = the first alert) */
	uint64_t ts_us;  /* time of the first line of this alert */
	bool acked;
	bool block;               /* action was "block" */
	char line[ALOG_LINE_MAX]; /* latest JSON line of this alert, NUL-terminated */
	size_t len;
};

struct alog;

struct alog_params {
	struct stor *stor; /* NULL: memory only (replay) */
	size_t ring;       /* entries kept in memory; 0 = CONFIG_ALOG_RING */
	size_t max_bytes;  /* journal size before rotation; 0 = CONFIG_ALOG_MAX_KB */
};

/*
 * Create the log and load what storage holds (latest entries, acks, the
 * next id; torn or corrupt lines are skipped and counted). NULL when out
 * of memory.
 */
struct alog *alog_create(const struct alog_params *p);
void alog_destroy(struct alog *a);

/*
 * Record one alert line (from the engine's alert callback). Durable
 * before it returns when storage is present. 0, -EINVAL for a line that
 * is not an alert object, or a storage errno (the entry is still kept in
 * memory and counted in alog_stats.write_errors).
 */
int alog_add(struct alog *a, const char *line, size_t len);

/* The id the next new alert must get (feed it to the engine at start). */
uint32_t alog_next_id(const struct alog *a);

/* Acknowledge one alert (id) or all (id 0). 0 or -ENOENT. Durable. */
int alog_ack(struct alog *a, uint32_t id);

/* Entries in memory, newest first: i = 0 is the newest. NULL past the end. */
const struct alog_entry *alog_get(const struct alog *a, size_t i);
const struct alog_entry *alog_find(const struct alog *a, uint32_t id);

struct alog_stats {
	size_t entries;
	size_t unacked;
	size_t blocks_active; /* unused by alog itself; filled by the app */
	uint64_t written;
	uint64_t write_errors;
	uint64_t skipped_on_load; /* torn or corrupt lines found at load */
};
void alog_get_stats(const struct alog *a, struct alog_stats *st);

#endif /* LEAKTAP_ALOG_H */
