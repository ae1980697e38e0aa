/*
 * The state dir of a Linux board (--state-dir): the configuration kept
 * there, the next alert id and the active quarantines, through the board's
 * storage driver and the stor_* wrappers. See docs/storage.md.
 */
#include "linux.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brd.h"
#include "cfg.h"
#include "eng.h"
#include "stor.h"

/*
 * --state-dir: the appliance's persistent state, through the board's
 * storage driver (brd_this.storage) and the stor_* wrappers:
 *   config.json      the configuration (when no --config is given)
 *   alerts.jsonl     the alert journal, one line per alert or update,
 *                    kept by the alert log (firmware/alog), rotated to
 *                    alerts.1.jsonl at CONFIG_ALOG_MAX_KB
 *   auth.json, tls.key, tls.crt   the web page's password hash and TLS identity
 *   state.json       {"next_alert_id":N}, so ids never repeat
 *   quarantine.json  the active quarantines (eng_quarantines_json)
 * docs/storage.md has the layout and the crash guarantees. A storage
 * failure (full disk) is reported once on the console; forwarding goes on.
 */

static uint64_t lx_state_now_ms(void)
{
	return brd_wall_us() / 1000u; /* the engine's clock on live ports */
}

/* A write result: tell the console once when saving stops, and when it works again. */
void lx_state_result(struct lx_state *st, int rc)
{
	if (rc != 0 && !st->fault) {
		fprintf(stderr, "leaktap: FAULT: state dir %s: %s%s; forwarding continues\n",
			st->s.dev, rc == -ENOSPC ? "storage full: " : "", st->s.err);
		st->fault = true;
	} else if (rc == 0 && st->fault) {
		fprintf(stderr, "leaktap: state dir %s: writes work again\n", st->s.dev);
		st->fault = false;
	}
}

/* Whole object into st->doc, NUL-terminated: its length, -ENOENT, or another error. */
static int lx_state_read(struct lx_state *st, const char *name)
{
	int n = stor_read(&st->s, name, (uint8_t *)st->doc, sizeof(st->doc) - 1);
	st->doc[n > 0 ? n : 0] = '\0';
	return n;
}

/* Highest "alert_id" in journal lines; a torn last line is cut off the journal. */
static uint32_t lx_state_scan_journal(struct lx_state *st, const char *name, bool repair)
{
	uint64_t size = (uint64_t)stor_size(&st->s, name);
	if ((int64_t)size <= 0) {
		return 0;
	}
	char *buf = malloc(size + 1);
	int n = buf ? stor_read(&st->s, name, (uint8_t *)buf, size + 1) : -ENOMEM;
	uint32_t max = 0;
	size_t end = 0; /* just past the last newline */
	for (size_t i = 0; n > 0 && i < (size_t)n; i++) {
		if (buf[i] != '\n') {
			continue;
		}
		buf[i] = '\0';
		const char *f = strstr(buf + end, "\"alert_id\":");
		unsigned long id = f ? strtoul(f + 11, NULL, 10) : 0;
		max = id > max && id < UINT32_MAX ? (uint32_t)id : max;
		end = i + 1;
	}
	if (repair && n > 0 && end < (size_t)n) {
		/* kill -9 mid-line: drop the fragment so the next line starts clean. */
		fprintf(stderr, "leaktap: state dir: %s: dropped a torn last line (%zu bytes)\n",
			name, (size_t)n - end);
		lx_state_result(st, stor_truncate(&st->s, name, end));
	}
	free(buf);
	return max;
}

/* Open the state dir and recover what it holds. Prints one line on failure. */
int lx_state_open(struct lx_state *st, const char *dir)
{
	if (brd_this.storage == NULL) {
		fprintf(stderr, "leaktap: board %s has no storage for --state-dir\n",
			brd_this.name);
		return -ENOSYS;
	}
	stor_init(&st->s, brd_this.storage, dir);
	int rc = stor_open(&st->s);
	if (rc != 0) {
		fprintf(stderr, "leaktap: %s\n", st->s.err);
		return rc;
	}
	uint32_t max = lx_state_scan_journal(st, STATE_JOURNAL, true);
	uint32_t old = lx_state_scan_journal(st, STATE_JOURNAL_OLD, false);
	st->next_id = (max > old ? max : old) + 1u;
	const char *f =
		lx_state_read(st, STATE_IDS) > 0 ? strstr(st->doc, "\"next_alert_id\":") : NULL;
	unsigned long kept = f ? strtoul(f + 16, NULL, 10) : 0;
	if (kept > st->next_id && kept < UINT32_MAX) {
		st->next_id = (uint32_t)kept;
	}
	return 0;
}

/* The configuration kept in the state dir, if any. 0, or non-zero after one line. */
int lx_state_config(struct lx_state *st, struct cfg *c)
{
	int n = lx_state_read(st, "config.json");
	if (n == -ENOENT) {
		return 0; /* a fresh appliance: the defaults */
	}
	if (n < 0) {
		fprintf(stderr, "leaktap: config: %s\n", st->s.err);
		return n;
	}
	char err[CFG_ERR_MAX];
	int rc = cfg_parse(st->doc, (size_t)n, c, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "leaktap: config %s/config.json: %s\n", st->s.dev, err);
	}
	return rc;
}

/* Rewrite quarantine.json when the set of active quarantines changed. */
void lx_state_quarantines(struct lx_state *st)
{
	uint64_t now = lx_state_now_ms();
	uint32_t g = eng_quarantine_gen(st->e, now);
	if (g == st->q_gen) {
		return;
	}
	int n = eng_quarantines_json(st->e, now, st->doc, sizeof(st->doc));
	int rc = n < 0 ? n : stor_write(&st->s, STATE_QUAR, (const uint8_t *)st->doc, (size_t)n);
	lx_state_result(st, rc);
	if (rc == 0) {
		st->q_gen = g;
	}
}

/* Restore quarantines kept by an earlier run (after eng_create). */
void lx_state_restore(struct lx_state *st, struct eng *e)
{
	st->e = e;
	int n = lx_state_read(st, STATE_QUAR);
	int rc = n > 0 ? eng_quarantines_load(e, st->doc, (size_t)n, lx_state_now_ms()) : n;
	if (rc >= 0) {
		fprintf(stderr,
			"leaktap: state dir %s: next alert id %u, %d quarantines restored\n",
			st->s.dev, st->next_id, rc);
	} else if (rc != -ENOENT) {
		fprintf(stderr, "leaktap: state dir %s: %s: %s, ignored\n", st->s.dev, STATE_QUAR,
			rc == -EBADMSG ? "not a quarantine document" : st->s.err);
	}
}

/*
 * After an alert line went to the alert log (alog, which keeps the journal
 * alerts.jsonl): the next id, and the quarantines this alert may have started.
 */
void lx_state_alert(struct lx_state *st)
{
	char buf[64];
	int rc = 0;
	/* Kept even when the line was not: the id went out on the console. */
	uint32_t next = eng_next_alert_id(st->e);
	if (next > st->next_id) {
		int k = snprintf(buf, sizeof(buf), "{\"next_alert_id\":%u}\n", next);
		rc = stor_write(&st->s, STATE_IDS, (const uint8_t *)buf, (size_t)k);
		st->next_id = rc == 0 ? next : st->next_id;
	}
	lx_state_result(st, rc);
	lx_state_quarantines(st);
}
