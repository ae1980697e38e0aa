/*
 * Unit tests for firmware/alog/alog.c over a storage driver in memory:
 * the ring keeps the newest alerts, an update replaces its alert's entry,
 * acks persist across a reload, the journal rotates at max_bytes, a torn
 * last line is skipped (and does not corrupt the next append), and the
 * next alert id survives a reload.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alog.h"
#include "stor_mem.h"

struct tctx {
	struct smem m;
	struct stor s;
	struct alog *a;
	char line[512];
};

static int setup(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		return -1;
	}
	smem_init(&t->s, &t->m);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tctx *t = *state;

	alog_destroy(t->a);
	stor_close(&t->s);
	free(t);
	return 0;
}

static struct alog *open_log(struct tctx *t, size_t ring, size_t max_bytes)
{
	struct alog_params p = {.stor = &t->s, .ring = ring, .max_bytes = max_bytes};

	alog_destroy(t->a);
	t->a = alog_create(&p);
	assert_non_null(t->a);
	return t->a;
}

/* An alert line as the engine writes it (the keys alog reads, plus a few). */
static const char *mk(struct tctx *t, unsigned id, unsigned update, const char *action)
{
	snprintf(t->line, sizeof(t->line),
		 "{\"ts\":\"2026-11-28T08:%02u:%02u.%03uZ\",\"alert_id\":%u,\"update\":%u,"
		 "\"lan_ip\":\"192.168.1.%u\",\"remote_ip\":\"198.51.100.7\",\"kind\":\"video\","
		 "\"bytes_out\":%u,\"action\":\"%s\"}",
		 id % 60, update % 60, id % 1000, id, update, id % 250, 1000000 * (update + 1),
		 action);
	return t->line;
}

static int add(struct tctx *t, unsigned id, unsigned update, const char *action)
{
	const char *l = mk(t, id, update, action);

	return alog_add(t->a, l, strlen(l));
}

static struct smem_obj *obj(struct tctx *t, const char *name)
{
	return smem_get(&t->s, name, false);
}

static void test_ring_newest_first(void **state)
{
	struct tctx *t = *state;
	struct alog_stats st;

	open_log(t, 4, 0);
	for (unsigned id = 1; id <= 6; id++) {
		assert_int_equal(add(t, id, 0, "alert"), 0);
	}
	alog_get_stats(t->a, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.unacked, 4);
	assert_int_equal(st.written, 6);
	/* Newest first; the two oldest fell out of the ring. */
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(alog_get(t->a, i)->id, 6 - i);
	}
	assert_null(alog_get(t->a, 4));
	assert_null(alog_find(t->a, 2));
	assert_non_null(alog_find(t->a, 3));
	assert_int_equal(alog_next_id(t->a), 7);
	/* The timestamp is the RFC 3339 time of the line, in microseconds. */
	const struct alog_entry *e = alog_find(t->a, 5);
	/* 2026-11-28T08:05:00.005Z */
	assert_int_equal(e->ts_us, (1795824000ull + 8 * 3600 + 5 * 60) * 1000000ull + 5000);
	assert_false(e->block);
}

static void test_update_replaces(void **state)
{
	struct tctx *t = *state;
	const struct alog_entry *e;
	uint64_t first_ts;

	open_log(t, 8, 0);
	assert_int_equal(add(t, 1, 0, "alert"), 0);
	assert_int_equal(add(t, 2, 0, "block"), 0);
	first_ts = alog_find(t->a, 1)->ts_us;
	assert_int_equal(add(t, 1, 1, "alert"), 0);
	assert_int_equal(add(t, 1, 2, "alert"), 0);
	/* A stale update arriving late does not win. */
	assert_int_equal(add(t, 1, 1, "alert"), 0);
	e = alog_find(t->a, 1);
	assert_int_equal(e->update, 2);
	assert_int_equal(e->ts_us, first_ts);
	assert_non_null(strstr(e->line, "\"bytes_out\":3000000"));
	assert_int_equal(e->len, strlen(e->line));
	assert_true(alog_find(t->a, 2)->block);
	/* One entry per alert: alert 1's updates did not take new slots or reorder. */
	assert_int_equal(alog_get(t->a, 0)->id, 2);
	assert_int_equal(alog_get(t->a, 1)->id, 1);
	assert_null(alog_get(t->a, 2));
}

static void test_bad_lines(void **state)
{
	struct tctx *t = *state;
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"alert_id\":1}",
		"{\"alert_id\":0,\"ts\":\"2026-11-28T08:00:00.000Z\",\"action\":\"alert\"}",
		"{\"alert_id\":-1,\"ts\":\"2026-11-28T08:00:00.000Z\",\"action\":\"alert\"}",
		"{\"alert_id\":1.5,\"ts\":\"2026-11-28T08:00:00.000Z\",\"action\":\"alert\"}",
		"{\"alert_id\":\"1\",\"ts\":\"2026-11-28T08:00:00.000Z\",\"action\":\"alert\"}",
		"{\"alert_id\":1,\"ts\":\"x\",\"action\":\"alert\"}\n{\"ack\":1}",
		"{\"ack\":1}",
	};
	struct alog_stats st;
	static char huge[ALOG_LINE_MAX + 10];

	open_log(t, 8, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(alog_add(t->a, bad[i], strlen(bad[i])), -EINVAL);
	}
	memset(huge, 'x', sizeof(huge));
	assert_int_equal(alog_add(t->a, huge, sizeof(huge)), -EINVAL);
	alog_get_stats(t->a, &st);
	assert_int_equal(st.entries, 0);
	assert_null(obj(t, "alerts.jsonl"));
	/* A trailing newline is tolerated; an unparseable ts is kept as 0. */
	const char *ok = "{\"alert_id\":4,\"ts\":\"later\",\"action\":\"alert\"}\n";
	assert_int_equal(alog_add(t->a, ok, strlen(ok)), 0);
	assert_int_equal(alog_find(t->a, 4)->ts_us, 0);
	assert_int_equal(alog_find(t->a, 4)->len, strlen(ok) - 1);
}

static void test_ack_persists(void **state)
{
	struct tctx *t = *state;
	struct alog_stats st;

	open_log(t, 8, 0);
	for (unsigned id = 1; id <= 3; id++) {
		assert_int_equal(add(t, id, 0, "alert"), 0);
	}
	assert_int_equal(alog_ack(t->a, 2), 0);
	assert_int_equal(alog_ack(t->a, 9), -ENOENT);
	assert_true(alog_find(t->a, 2)->acked);
	assert_false(alog_find(t->a, 1)->acked);

	open_log(t, 8, 0);
	assert_true(alog_find(t->a, 2)->acked);
	assert_false(alog_find(t->a, 3)->acked);
	alog_get_stats(t->a, &st);
	assert_int_equal(st.unacked, 2);
	/* An update keeps the acknowledgement. */
	assert_int_equal(add(t, 2, 1, "alert"), 0);
	assert_true(alog_find(t->a, 2)->acked);

	/* Ack all; an alert after it is not acked, also after reload. */
	assert_int_equal(alog_ack(t->a, 0), 0);
	assert_int_equal(add(t, 4, 0, "alert"), 0);
	open_log(t, 8, 0);
	alog_get_stats(t->a, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.unacked, 1);
	assert_false(alog_find(t->a, 4)->acked);
	assert_int_equal(st.skipped_on_load, 0);
	/* A failed journal write is reported and counted, the ack still holds in memory. */
	t->m.fail_writes = 1;
	assert_int_equal(alog_ack(t->a, 4), -EIO);
	assert_true(alog_find(t->a, 4)->acked);
	alog_get_stats(t->a, &st);
	assert_int_equal(st.write_errors, 1);
}

static void test_rotation(void **state)
{
	struct tctx *t = *state;
	size_t one = strlen(mk(t, 10, 0, "alert")) + 1;
	size_t max = 3 * one + one / 2; /* three lines fit, the fourth rotates */

	open_log(t, 64, max);
	for (unsigned id = 10; id < 17; id++) {
		assert_int_equal(add(t, id, 0, "alert"), 0);
		assert_true(obj(t, "alerts.jsonl")->len <= max);
	}
	/* 7 lines: 10..12 rotated and then replaced by 13..15; 16 is current. */
	assert_int_equal(t->m.renames, 2);
	assert_int_equal(obj(t, "alerts.jsonl")->len, one);
	assert_int_equal(obj(t, "alerts.1.jsonl")->len, 3 * one);
	/* A reload sees what both files keep, and ids continue after the newest. */
	open_log(t, 64, max);
	struct alog_stats st;
	alog_get_stats(t->a, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(alog_get(t->a, 0)->id, 16);
	assert_int_equal(alog_get(t->a, 3)->id, 13);
	assert_int_equal(alog_next_id(t->a), 17);
	/* A rename failure is reported, counted, and leaves the journal usable. */
	assert_int_equal(add(t, 17, 0, "alert"), 0);
	assert_int_equal(add(t, 18, 0, "alert"), 0);
	t->m.fail_writes = 1;
	assert_int_equal(add(t, 19, 0, "alert"), -EIO);
	alog_get_stats(t->a, &st);
	assert_int_equal(st.write_errors, 1);
	assert_non_null(alog_find(t->a, 19));
	assert_int_equal(add(t, 20, 0, "alert"), 0);
	assert_int_equal(t->m.renames, 3);
	assert_non_null(alog_find(t->a, 17));
}

static void test_torn_last_line(void **state)
{
	struct tctx *t = *state;
	char buf[2048];
	struct alog_stats st;
	size_t n = 0;

	/* Two good lines, an ack, garbage, then half an alert cut by a power loss. */
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n", mk(t, 5, 0, "alert"));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n", mk(t, 6, 0, "block"));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "{\"ack\":5}\n\x01\xff garbage\n");
	mk(t, 7, 0, "alert");
	memcpy(buf + n, t->line, 40);
	n += 40;
	smem_put(&t->s, "alerts.jsonl", buf, n);

	open_log(t, 8, 0);
	alog_get_stats(t->a, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.skipped_on_load, 2);
	assert_true(alog_find(t->a, 5)->acked);
	assert_true(alog_find(t->a, 6)->block);
	assert_null(alog_find(t->a, 7));
	/* The torn id 7 never made it, so 7 is next again. */
	assert_int_equal(alog_next_id(t->a), 7);

	/* The next append starts on a new line: after a reload it is intact. */
	assert_int_equal(add(t, 7, 0, "alert"), 0);
	open_log(t, 8, 0);
	alog_get_stats(t->a, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.skipped_on_load, 2);
	assert_non_null(alog_find(t->a, 7));
	assert_int_equal(alog_next_id(t->a), 8);
}

/* Ids continue across reloads, and the in-memory log (no storage) works alone. */
static void test_next_id_reload(void **state)
{
	struct tctx *t = *state;
	struct alog_params p = {0};
	struct alog *mem;

	open_log(t, 8, 0);
	assert_int_equal(alog_next_id(t->a), 1);
	assert_int_equal(add(t, 41, 0, "alert"), 0);
	assert_int_equal(add(t, 40, 0, "alert"), 0);
	assert_int_equal(alog_next_id(t->a), 42);
	open_log(t, 8, 0);
	assert_int_equal(alog_next_id(t->a), 42);
	/* Even when the ring is smaller than the history. */
	open_log(t, 1, 0);
	assert_int_equal(alog_next_id(t->a), 42);
	assert_int_equal(alog_get(t->a, 0)->id, 40);

	mem = alog_create(&p);
	assert_non_null(mem);
	const char *l = mk(t, 3, 0, "alert");
	assert_int_equal(alog_add(mem, l, strlen(l)), 0);
	assert_int_equal(alog_ack(mem, 3), 0);
	assert_int_equal(alog_next_id(mem), 4);
	alog_destroy(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ring_newest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_last_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_id_reload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
