/*
 * Export without the network: RFC 5424 messages of alerts, and the
 * bounded queue that holds messages while a target is away.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exp.h"

static const char ALERT[] =
	"{\"ts\":\"2026-11-28T07:49:42.123Z\",\"alert_id\":7,\"update\":0,\"lan_ip\":\"10.77.0."
	"10\","
	"\"lan_mac\":\"02:77:00:00:00:10\",\"remote_ip\":\"10.77.0.100\",\"remote_port\":80,"
	"\"remote_name\":\"up\\\"load]\\\\x.example\",\"l4\":\"tcp\",\"app\":\"HTTP\",\"kind\":"
	"\"video\","
	"\"video\":\"mp4\",\"evidence\":\"MP4 (ftyp isom) in POST body\",\"bytes_out\":10551296,"
	"\"action\":\"block\",\"duration_s\":12.5,\"codec\":null}";

static void test_syslog_alert_format(void **state)
{
	(void)state;
	char out[2048];
	int n = exp_syslog_alert(ALERT, strlen(ALERT), "leaktap", out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(out));
	/* local0 (16) * 8 + warning (4) for a block */
	assert_non_null(strstr(out, "<132>1 2026-11-28T07:49:42.123Z leaktap leaktap - alert "));
	assert_non_null(strstr(out, "[leaktap@32473 alert_id=\"7\" update=\"0\""));
	assert_non_null(strstr(out, " remote_port=\"80\""));
	assert_non_null(strstr(out, " bytes_out=\"10551296\""));
	assert_non_null(strstr(out, " duration_s=\"12.500\""));
	/* '"', ']' and '\' escaped inside a PARAM-VALUE */
	assert_non_null(strstr(out, "remote_name=\"up\\\"load\\]\\\\x.example\""));
	/* null fields are left out; the evidence is MSG, after the SD */
	assert_null(strstr(out, "codec="));
	assert_null(strstr(out, "evidence="));
	assert_non_null(strstr(out, "\"] MP4 (ftyp isom) in POST body"));
	assert_string_equal(out + strlen(out) - 5, " body");
}

static void test_syslog_alert_monitor_is_notice(void **state)
{
	(void)state;
	const char *a = "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"alert_id\":1,\"action\":\"alert\"}";
	char out[512];
	int n = exp_syslog_alert(a, strlen(a), "", out, sizeof(out));
	assert_true(n > 0);
	/* notice (5); an empty hostname is the NILVALUE */
	assert_string_equal(out, "<133>1 2026-01-01T00:00:00.000Z - leaktap - alert "
				 "[leaktap@32473 alert_id=\"1\" action=\"alert\"]");
}

static void test_syslog_rejects_non_alerts(void **state)
{
	(void)state;
	char out[512];
	const char *bad[] = {"",
			     "null",
			     "[1,2]",
			     "{\"ts\":\"x\"}",
			     "{\"alert_id\":1}",
			     "{\"alert_id\":\"1\",\"ts\":\"x\"}",
			     "{\"alert_id\":1,\"ts\":3}",
			     "{\"alert_id\":1,\"ts\":\"x\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(exp_syslog_alert(bad[i], strlen(bad[i]), "h", out, sizeof(out)),
				 -EINVAL);
	}
}

static void test_syslog_too_small(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(exp_syslog_alert(ALERT, strlen(ALERT), "leaktap", out, sizeof(out)),
			 -ENOSPC);
	assert_true(strlen(out) < sizeof(out));
	assert_int_equal(exp_syslog_alert(ALERT, strlen(ALERT), "leaktap", out, 0), -ENOSPC);
}

static void test_syslog_controls_dropped(void **state)
{
	(void)state;
	const char *a =
		"{\"ts\":\"t\",\"alert_id\":2,\"file\":\"a\\nb\\u0001c\",\"evidence\":\"x\\ny\"}";
	char out[512];
	assert_true(exp_syslog_alert(a, strlen(a), "h o=st", out, sizeof(out)) > 0);
	assert_null(strchr(out, '\n'));
	assert_non_null(strstr(out, "file=\"abc\""));
	assert_non_null(strstr(out, " hos"));
	assert_non_null(strstr(out, "] xy"));
}

static void test_queue_fifo_and_wrap(void **state)
{
	(void)state;
	uint32_t mem[32]; /* 128 bytes */
	struct exp_queue q;
	exp_queue_init(&q, mem, sizeof(mem));
	char msg[40];
	size_t len, pos;
	/* Push and pop many times so records wrap around the end repeatedly. */
	for (int i = 0; i < 200; i++) {
		int n = snprintf(msg, sizeof(msg), "message %d%.*s", i, i % 23,
				 "xxxxxxxxxxxxxxxxxxxxxxx");
		assert_int_equal(exp_queue_push(&q, msg, (size_t)n), 0);
		pos = 0;
		const uint8_t *p = exp_queue_walk(&q, &pos, &len);
		assert_non_null(p);
		assert_int_equal(len, (size_t)n);
		assert_memory_equal(p, msg, len);
		exp_queue_pop(&q);
		assert_int_equal(q.count, 0);
	}
	assert_int_equal(q.dropped, 0);
}

static void test_queue_full_refuses_newest(void **state)
{
	(void)state;
	uint32_t mem[16]; /* 64 bytes: three records of 12 + 4 */
	struct exp_queue q;
	exp_queue_init(&q, mem, sizeof(mem));
	assert_int_equal(exp_queue_push(&q, "aaaaaaaaaaaa", 12), 0);
	assert_int_equal(exp_queue_push(&q, "bbbbbbbbbbbb", 12), 0);
	assert_int_equal(exp_queue_push(&q, "cccccccccccc", 12), 0);
	assert_int_equal(exp_queue_push(&q, "dddddddddddd", 12), 0);
	assert_int_equal(exp_queue_push(&q, "e", 1), -ENOSPC);
	assert_int_equal(exp_queue_push(&q, mem, 100), -ENOSPC);
	assert_int_equal(q.dropped, 2);
	size_t pos = 0, len;
	const uint8_t *p = exp_queue_walk(&q, &pos, &len);
	assert_memory_equal(p, "aaaaaaaaaaaa", 12);
	p = exp_queue_walk(&q, &pos, &len);
	assert_memory_equal(p, "bbbbbbbbbbbb", 12);
	exp_queue_walk(&q, &pos, &len);
	exp_queue_walk(&q, &pos, &len);
	assert_null(exp_queue_walk(&q, &pos, &len));
	exp_queue_pop(&q);
	assert_int_equal(exp_queue_push(&q, "ffff", 4), 0);
	pos = 3;
	p = exp_queue_walk(&q, &pos, &len);
	assert_int_equal(len, 4);
	assert_memory_equal(p, "ffff", 4);
}

/* Model check: random pushes and pops against a plain array of what should be there. */
static void test_queue_model(void **state)
{
	(void)state;
	uint32_t mem[64];
	struct exp_queue q;
	exp_queue_init(&q, mem, sizeof(mem));
	static uint8_t model[64][40];
	static size_t mlen[64];
	size_t mhead = 0, mcount = 0;
	uint32_t seed = 12345;
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 3 != 0) {
			size_t n = (seed >> 8) % 40;
			uint8_t buf[40];
			for (size_t k = 0; k < n; k++) {
				buf[k] = (uint8_t)(step + (int)k);
			}
			if (exp_queue_push(&q, buf, n) == 0) {
				size_t at = (mhead + mcount) % 64;
				memcpy(model[at], buf, n);
				mlen[at] = n;
				mcount++;
			}
		} else if (mcount > 0) {
			exp_queue_pop(&q);
			mhead = (mhead + 1) % 64;
			mcount--;
		}
		assert_int_equal(q.count, mcount);
		size_t pos = 0, len;
		for (size_t k = 0; k < mcount; k++) {
			const uint8_t *p = exp_queue_walk(&q, &pos, &len);
			assert_non_null(p);
			assert_int_equal(len, mlen[(mhead + k) % 64]);
			assert_memory_equal(p, model[(mhead + k) % 64], len);
		}
		assert_null(exp_queue_walk(&q, &pos, &len));
		assert_true(q.used <= q.cap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syslog_alert_format),
		cmocka_unit_test(test_syslog_alert_monitor_is_notice),
		cmocka_unit_test(test_syslog_rejects_non_alerts),
		cmocka_unit_test(test_syslog_too_small),
		cmocka_unit_test(test_syslog_controls_dropped),
		cmocka_unit_test(test_queue_fifo_and_wrap),
		cmocka_unit_test(test_queue_full_refuses_newest),
		cmocka_unit_test(test_queue_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
