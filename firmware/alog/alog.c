/*
 * alog: the alert log, in memory and in a journal.
 *
 * Memory: a ring of entries allocated once (CONFIG_ALOG_RING by default),
 * one per alert_id, in the order alerts first appeared; the oldest is
 * dropped when a new alert needs room. Lookups are linear: the ring is
 * small and only the management plane reads it.
 *
 * Journal: every alert line, and one {"ack": id} line per acknowledgement,
 * is appended to "alerts.jsonl". When the next append would take it past
 * max_bytes, it is renamed to "alerts.1.jsonl" (replacing the older one)
 * first, so storage holds at most about twice max_bytes. At start both
 * files are replayed oldest first; a line that does not parse (a torn last
 * append after a power cut, or damage) is skipped and counted, and the
 * next append starts on a fresh line so the damage does not spread.
 */
#include "alog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"

#include <cjson/cJSON.h>

#define ALOG_JOURNAL  "alerts.jsonl"
#define ALOG_ROTATED  "alerts.1.jsonl"
#define ALOG_FILE_MAX (64u * 1024u * 1024u) /* refuse to load anything larger */

struct alog {
	struct stor *stor;
	size_t max_bytes;
	struct alog_entry *ring; /* cap entries; ring[(head + i) % cap], i = 0 the oldest */
	size_t cap;
	size_t head;
	size_t n;
	uint32_t next_id;
	bool need_nl; /* the journal ends in a torn line: start the next append with "\n" */
	struct alog_stats st;
};

/* What alog needs from one alert line. */
struct alog_line {
	uint32_t id;
	uint32_t update;
	uint64_t ts_us;
	bool block;
};

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: proleptic Gregorian date to days since 1970-01-01. */
	y -= m <= 2;
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

/* "2026-11-28T08:01:02.123Z" to epoch microseconds; 0 when it is not that form. */
static uint64_t parse_ts(const char *s)
{
	int y;
	unsigned mo, d, h, mi, se, ms = 0;
	int64_t days;
	char z = 0;

	if (sscanf(s, "%4d-%2u-%2uT%2u:%2u:%2u.%3u%c", &y, &mo, &d, &h, &mi, &se, &ms, &z) != 8 ||
	    z != 'Z' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60) {
		return 0;
	}
	days = days_from_civil(y, mo, d);
	if (days < 0) {
		return 0;
	}
	return (((uint64_t)days * 86400u + h * 3600u + mi * 60u + se) * 1000u + ms) * 1000u;
}

static bool get_u32(const cJSON *o, const char *key, uint32_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
	    v->valuedouble != (double)(uint32_t)v->valuedouble) {
		return false;
	}
	*out = (uint32_t)v->valuedouble;
	return true;
}

/*
 * Parse one line: 1 for an alert (*al filled), 2 for an ack record (*ack
 * set), -EINVAL for anything else.
 */
static int parse_line(const char *line, size_t len, struct alog_line *al, uint32_t *ack)
{
	cJSON *j = cJSON_ParseWithLength(line, len);
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "ts");
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "action");
	int rc = -EINVAL;

	memset(al, 0, sizeof(*al));
	if (!cJSON_IsObject(j)) {
		rc = -EINVAL;
	} else if (cJSON_GetArraySize(j) == 1 && get_u32(j, "ack", ack)) {
		rc = 2;
	} else if (get_u32(j, "alert_id", &al->id) && al->id != 0 && cJSON_IsString(ts) &&
		   cJSON_IsString(act)) {
		if (!get_u32(j, "update", &al->update)) {
			al->update = 0;
		}
		al->ts_us = parse_ts(ts->valuestring);
		al->block = strcmp(act->valuestring, "block") == 0;
		rc = 1;
	}
	cJSON_Delete(j);
	return rc;
}

static struct alog_entry *at(const struct alog *a, size_t i_oldest)
{
	return &a->ring[(a->head + i_oldest) % a->cap];
}

static struct alog_entry *find(const struct alog *a, uint32_t id)
{
	for (size_t i = 0; i < a->n; i++) {
		struct alog_entry *e = at(a, i);
		if (e->id == id) {
			return e;
		}
	}
	return NULL;
}

/* Keep the line in memory: replace its alert's entry, or take a new one. */
static void mem_add(struct alog *a, const char *line, size_t len, const struct alog_line *al)
{
	struct alog_entry *e = find(a, al->id);

	if (e != NULL) {
		/* A late or replayed older update never replaces a newer one. */
		if (al->update < e->update) {
			return;
		}
		/* ts_us is the alert's first line; an update only fills it when that was lost. */
		if (al->ts_us != 0 && (al->update == 0 || e->ts_us == 0)) {
			e->ts_us = al->ts_us;
		}
	} else {
		if (a->n == a->cap) {
			a->head = (a->head + 1) % a->cap;
			a->n--;
		}
		e = at(a, a->n);
		a->n++;
		memset(e, 0, offsetof(struct alog_entry, line));
		e->id = al->id;
		e->ts_us = al->ts_us;
	}
	e->update = al->update;
	e->block = al->block;
	memcpy(e->line, line, len);
	e->line[len] = '\0';
	e->len = len;
	if (al->id >= a->next_id) {
		a->next_id = al->id + 1;
	}
}

static void mem_ack(struct alog *a, uint32_t id)
{
	for (size_t i = 0; i < a->n; i++) {
		if (id == 0 || at(a, i)->id == id) {
			at(a, i)->acked = true;
		}
	}
}

/* Replay one journal file; lines that do not parse are counted and skipped. */
static void load_file(struct alog *a, const char *name, bool current)
{
	int64_t size = stor_size(a->stor, name);
	char *buf;
	int n;

	if (size <= 0 || (uint64_t)size > ALOG_FILE_MAX) {
		a->st.skipped_on_load += size > 0 ? 1u : 0u;
		return;
	}
	buf = malloc((size_t)size);
	if (buf == NULL) {
		return;
	}
	n = stor_read(a->stor, name, (uint8_t *)buf, (size_t)size);
	for (size_t off = 0; n > 0 && off < (size_t)n;) {
		const char *nl = memchr(buf + off, '\n', (size_t)n - off);
		size_t len = nl != NULL ? (size_t)(nl - (buf + off)) : (size_t)n - off;
		struct alog_line al;
		uint32_t ack = 0;
		int kind = len < ALOG_LINE_MAX ? parse_line(buf + off, len, &al, &ack) : -EINVAL;

		if (kind == 1) {
			mem_add(a, buf + off, len, &al);
		} else if (kind == 2) {
			mem_ack(a, ack);
		} else if (len > 0) {
			a->st.skipped_on_load++;
		}
		off += len + 1;
	}
	if (current && n > 0 && buf[n - 1] != '\n') {
		a->need_nl = true;
	}
	free(buf);
}

struct alog *alog_create(const struct alog_params *p)
{
	struct alog *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		return NULL;
	}
	a->stor = p->stor;
	a->cap = p->ring != 0 ? p->ring : CONFIG_ALOG_RING;
	a->max_bytes = p->max_bytes != 0 ? p->max_bytes : (size_t)CONFIG_ALOG_MAX_KB * 1024u;
	a->next_id = 1;
	a->ring = calloc(a->cap, sizeof(*a->ring));
	if (a->ring == NULL) {
		free(a);
		return NULL;
	}
	if (a->stor != NULL) {
		load_file(a, ALOG_ROTATED, false);
		load_file(a, ALOG_JOURNAL, true);
	}
	return a;
}

void alog_destroy(struct alog *a)
{
	if (a != NULL) {
		free(a->ring);
		free(a);
	}
}

/* Append text (with its "\n") to the journal, rotating first when it would grow too big. */
static int journal(struct alog *a, const char *text, size_t len)
{
	int64_t size;
	int rc;

	if (a->stor == NULL) {
		return 0;
	}
	size = stor_size(a->stor, ALOG_JOURNAL);
	if (size > 0 && (uint64_t)size + len + 1 > a->max_bytes) {
		rc = stor_rename(a->stor, ALOG_JOURNAL, ALOG_ROTATED);
		if (rc != 0) {
			a->st.write_errors++;
			return rc;
		}
		a->need_nl = false;
	}
	if (a->need_nl) {
		rc = stor_append(a->stor, ALOG_JOURNAL, (const uint8_t *)"\n", 1);
		if (rc != 0) {
			a->st.write_errors++;
			return rc;
		}
		a->need_nl = false;
	}
	rc = stor_append(a->stor, ALOG_JOURNAL, (const uint8_t *)text, len);
	if (rc != 0) {
		/* Part of it may have landed: start the next append on a new line. */
		a->need_nl = true;
		a->st.write_errors++;
		return rc;
	}
	a->st.written++;
	return 0;
}

int alog_add(struct alog *a, const char *line, size_t len)
{
	struct alog_line al;
	uint32_t ack;
	char *text;
	int rc;

	/* Strip one trailing newline; anything else inside the line is not one alert. */
	if (len > 0 && line[len - 1] == '\n') {
		len--;
	}
	if (len == 0 || len >= ALOG_LINE_MAX || memchr(line, '\n', len) != NULL ||
	    parse_line(line, len, &al, &ack) != 1) {
		return -EINVAL;
	}
	mem_add(a, line, len, &al);
	text = malloc(len + 1);
	if (text == NULL) {
		a->st.write_errors++;
		return -ENOMEM;
	}
	memcpy(text, line, len);
	text[len] = '\n';
	rc = journal(a, text, len + 1);
	free(text);
	return rc;
}

uint32_t alog_next_id(const struct alog *a)
{
	return a->next_id;
}

int alog_ack(struct alog *a, uint32_t id)
{
	char rec[32];
	int n;

	if (id != 0 && find(a, id) == NULL) {
		return -ENOENT;
	}
	mem_ack(a, id);
	n = snprintf(rec, sizeof(rec), "{\"ack\":%u}\n", (unsigned)id);
	return journal(a, rec, (size_t)n);
}

const struct alog_entry *alog_get(const struct alog *a, size_t i)
{
	if (i >= a->n) {
		return NULL;
	}
	return at(a, a->n - 1 - i);
}

const struct alog_entry *alog_find(const struct alog *a, uint32_t id)
{
	return find(a, id);
}

void alog_get_stats(const struct alog *a, struct alog_stats *st)
{
	*st = a->st;
	st->entries = a->n;
	st->unacked = 0;
	st->blocks_active = 0;
	for (size_t i = 0; i < a->n; i++) {
		st->unacked += at(a, i)->acked ? 0u : 1u;
	}
}
