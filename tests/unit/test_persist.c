/*
 * Unit tests for the policy state that survives a restart
 * (firmware/policy/pol.c, firmware/core/eng.c): the first alert id a
 * caller gives, and the export/import of active quarantines with their end
 * time, including expiry, refusal of bad documents and a full pair table.
 *
 * Block mode with a 1000-byte threshold and quarantine_s 600; time is only
 * the now_ms arguments. Remote hosts are documentation addresses (not
 * local under cfg_default()).
 */
#include <arpa/inet.h>
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

#include "cfg.h"
#include "eng.h"
#include "nam.h"
#include "pol.h"

#define T_THRESHOLD 1000u
#define T_QUAR_S    600u
#define T_QUAR_MS   ((uint64_t)T_QUAR_S * 1000u)

struct tctx {
	struct cfg cfg;
	struct nam_cache *nam;
	struct pol *p, *p2;
	unsigned n;
	char last[2048];
	char doc[8192];
};

static void on_line(void *ctx, const char *line, size_t len)
{
	struct tctx *t = ctx;

	assert_true(len < sizeof(t->last));
	memcpy(t->last, line, len);
	t->last[len] = '\0';
	t->n++;
}

static int setup(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		return -1;
	}
	cfg_default(&t->cfg);
	t->cfg.threshold_bytes = T_THRESHOLD;
	t->cfg.window_s = 160;
	t->cfg.mode = CFG_MODE_BLOCK;
	t->cfg.quarantine_s = T_QUAR_S;
	t->nam = nam_create(64);
	if (t->nam == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tctx *t = *state;

	pol_destroy(t->p);
	pol_destroy(t->p2);
	nam_destroy(t->nam);
	free(t);
	return 0;
}

static struct pol *mk(struct tctx *t, uint32_t max_pairs, uint32_t first_id)
{
	struct pol_params pp = {
		.cfg = &t->cfg,
		.names = t->nam,
		.max_pairs = max_pairs,
		.max_evidence = 16,
		.max_dest = 4,
		.alert_line = on_line,
		.ctx = t,
		.first_alert_id = first_id,
	};
	struct pol *p = pol_create(&pp);

	assert_non_null(p);
	return p;
}

static uint8_t ip(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (strchr(s, ':') != NULL) {
		assert_int_equal(inet_pton(AF_INET6, s, out), 1);
		return 6;
	}
	assert_int_equal(inet_pton(AF_INET, s, out), 1);
	return 4;
}

/* Proof of video and bytes over the threshold: one alert (a block in block mode). */
static void leak(struct tctx *t, struct pol *p, const char *lan, const char *remote, uint64_t now)
{
	uint8_t l[16], r[16];
	uint8_t fam = ip(lan, l);
	struct pol_evidence ev;

	assert_int_equal(ip(remote, r), fam);
	struct pol_pair *pp = pol_pair_get(p, fam, l, r, now);
	assert_non_null(pp);
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.media.video, sizeof(ev.media.video), "mp4");
	snprintf(ev.sentence, sizeof(ev.sentence), "MP4 in a POST body");
	snprintf(ev.app, sizeof(ev.app), "HTTP");
	ev.l4 = 6;
	ev.remote_port = 80;
	unsigned before = t->n;
	pol_add_evidence(p, pp, &ev, now);
	pol_add_bytes(p, pp, 2u * T_THRESHOLD, now, NULL);
	assert_int_equal(t->n, before + 1);
}

static bool quar(struct pol *p, const char *lan, const char *remote, uint64_t now)
{
	uint8_t l[16], r[16];
	uint8_t fam = ip(lan, l);

	assert_int_equal(ip(remote, r), fam);
	return pol_quarantined(p, fam, l, r, now);
}

static uint64_t alert_id(const char *line)
{
	const char *f = strstr(line, "\"alert_id\":");
	assert_non_null(f);
	return strtoull(f + strlen("\"alert_id\":"), NULL, 10);
}

static void test_first_alert_id(void **state)
{
	struct tctx *t = *state;

	t->p = mk(t, 16, 0);
	assert_int_equal(pol_next_alert_id(t->p), 1);
	leak(t, t->p, "10.0.0.1", "198.51.100.1", 1000);
	assert_int_equal(alert_id(t->last), 1);
	assert_int_equal(pol_next_alert_id(t->p), 2);

	/* A restart that continues the numbering. */
	t->p2 = mk(t, 16, 42);
	assert_int_equal(pol_next_alert_id(t->p2), 42);
	leak(t, t->p2, "10.0.0.1", "198.51.100.1", 1000);
	assert_int_equal(alert_id(t->last), 42);
	leak(t, t->p2, "10.0.0.2", "198.51.100.2", 2000);
	assert_int_equal(alert_id(t->last), 43);
	assert_int_equal(pol_next_alert_id(t->p2), 44);
}

static void test_quarantine_round_trip(void **state)
{
	struct tctx *t = *state;
	const uint64_t t0 = 1700000000000ull; /* wall-clock ms, as on a live port */

	t->p = mk(t, 16, 0);
	uint32_t g0 = pol_quarantine_gen(t->p, t0);
	leak(t, t->p, "10.0.0.1", "198.51.100.1", t0);
	leak(t, t->p, "fd00::5", "2001:db8::9", t0 + 1000);
	uint32_t g1 = pol_quarantine_gen(t->p, t0 + 2000);
	assert_true(g1 != g0);
	/* No change while both run. */
	assert_int_equal(pol_quarantine_gen(t->p, t0 + 3000), g1);

	int n = pol_quarantines_json(t->p, t0 + 100000, t->doc, sizeof(t->doc));
	assert_true(n > 0);
	assert_int_equal(strlen(t->doc), (size_t)n);
	assert_non_null(strstr(t->doc, "\"lan_ip\":\"10.0.0.1\",\"remote_ip\":\"198.51.100.1\""));
	assert_non_null(strstr(t->doc, "\"lan_ip\":\"fd00::5\",\"remote_ip\":\"2001:db8::9\""));
	assert_non_null(strstr(t->doc, "\"remaining_s\":500"));
	assert_non_null(strstr(t->doc, "\"until\":\"2023-11-14T22:23:20"));

	/* The restart: a fresh policy restores both, 100 s later. */
	t->p2 = mk(t, 16, 0);
	uint32_t h0 = pol_quarantine_gen(t->p2, t0 + 100000);
	assert_false(quar(t->p2, "10.0.0.1", "198.51.100.1", t0 + 100000));
	assert_int_equal(pol_quarantines_load(t->p2, t->doc, (size_t)n, t0 + 100000), 2);
	assert_true(pol_quarantine_gen(t->p2, t0 + 100000) != h0);
	assert_true(quar(t->p2, "10.0.0.1", "198.51.100.1", t0 + 100000));
	assert_true(quar(t->p2, "fd00::5", "2001:db8::9", t0 + T_QUAR_MS));
	assert_false(quar(t->p2, "10.0.0.2", "198.51.100.1", t0 + 100000));
	/* Same end as before the restart, not a fresh 600 s. */
	assert_true(quar(t->p2, "10.0.0.1", "198.51.100.1", t0 + T_QUAR_MS - 1));
	assert_false(quar(t->p2, "10.0.0.1", "198.51.100.1", t0 + T_QUAR_MS));
	/* Expiry: the generation moves and the export drops the ended one. */
	uint32_t h1 = pol_quarantine_gen(t->p2, t0 + T_QUAR_MS - 1);
	uint32_t h2 = pol_quarantine_gen(t->p2, t0 + T_QUAR_MS);
	assert_true(h2 != h1);
	n = pol_quarantines_json(t->p2, t0 + T_QUAR_MS, t->doc, sizeof(t->doc));
	assert_true(n > 0);
	assert_null(strstr(t->doc, "198.51.100.1"));
	assert_non_null(strstr(t->doc, "2001:db8::9"));
	assert_true(pol_quarantine_gen(t->p2, t0 + T_QUAR_MS + 1000) != h2);
	n = pol_quarantines_json(t->p2, t0 + T_QUAR_MS + 1000, t->doc, sizeof(t->doc));
	assert_string_equal(t->doc, "{\"quarantines\":[]}");
	assert_int_equal(n, (int)strlen(t->doc));
}

static void test_quarantine_load_expired(void **state)
{
	struct tctx *t = *state;
	const char *doc = "{\"quarantines\":[{\"lan_ip\":\"10.0.0.1\",\"remote_ip\":"
			  "\"198.51.100.1\",\"until_ms\":5000},{\"lan_ip\":\"10.0.0.2\","
			  "\"remote_ip\":\"198.51.100.2\",\"until_ms\":9000}]}";

	t->p = mk(t, 16, 0);
	/* One ended while the appliance was down: only the other comes back. */
	assert_int_equal(pol_quarantines_load(t->p, doc, strlen(doc), 6000), 1);
	assert_false(quar(t->p, "10.0.0.1", "198.51.100.1", 6000));
	assert_true(quar(t->p, "10.0.0.2", "198.51.100.2", 6000));
	assert_int_equal(pol_quarantines_load(t->p, doc, strlen(doc), 9000), 0);
	/* An empty list is valid. */
	assert_int_equal(pol_quarantines_load(t->p, "{\"quarantines\":[]}", 18, 1), 0);
}

static void test_quarantine_load_bad(void **state)
{
	struct tctx *t = *state;
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"{}",
		"{\"quarantines\":{}}",
		"{\"quarantines\":[1]}",
		"{\"quarantines\":[{\"lan_ip\":\"10.0.0.1\",\"remote_ip\":\"198.51.100.1\"}]}",
		"{\"quarantines\":[{\"lan_ip\":\"10.0.0.1\",\"remote_ip\":\"x\",\"until_ms\":9}]}",
		"{\"quarantines\":[{\"lan_ip\":\"10.0.0.0/8\",\"remote_ip\":\"198.51.100.1\","
		"\"until_ms\":9}]}",
		"{\"quarantines\":[{\"lan_ip\":\"10.0.0.1\",\"remote_ip\":\"2001:db8::1\","
		"\"until_ms\":9}]}",
		"{\"quarantines\":[{\"lan_ip\":\"10.0.0.1\",\"remote_ip\":\"198.51.100.1\","
		"\"until_ms\":-1}]}",
		"{\"quarantines\":[{\"lan_ip\":\"10.0.0.1\",\"remote_ip\":\"198.51.100.1\","
		"\"until_ms\":\"9\"}]}",
		/* A good entry before a bad one: all or nothing. */
		"{\"quarantines\":[{\"lan_ip\":\"10.0.0.7\",\"remote_ip\":\"198.51.100.7\","
		"\"until_ms\":99999},{\"lan_ip\":1}]}",
	};

	t->p = mk(t, 16, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pol_quarantines_load(t->p, bad[i], strlen(bad[i]), 1), -EBADMSG);
	}
	assert_int_equal(pol_quarantines_load(t->p, NULL, 0, 1), -EBADMSG);
	assert_false(quar(t->p, "10.0.0.7", "198.51.100.7", 2));
	/* A truncated copy of a good document (torn file) is refused too. */
	const char *good = "{\"quarantines\":[{\"lan_ip\":\"10.0.0.7\",\"remote_ip\":"
			   "\"198.51.100.7\",\"until_ms\":99999}]}";
	assert_int_equal(pol_quarantines_load(t->p, good, strlen(good) - 2, 1), -EBADMSG);
	assert_int_equal(pol_quarantines_load(t->p, good, strlen(good), 1), 1);
}

static void test_quarantine_table_full(void **state)
{
	struct tctx *t = *state;
	char doc[1024];
	struct {
		char *p;
		size_t n;
	} b = {doc, 0};

	b.n = (size_t)snprintf(doc, sizeof(doc), "{\"quarantines\":[");
	for (int i = 0; i < 3; i++) {
		b.n += (size_t)snprintf(
			doc + b.n, sizeof(doc) - b.n,
			"%s{\"lan_ip\":\"10.0.0.%d\",\"remote_ip\":\"198.51.100.%d\","
			"\"until_ms\":900000}",
			i ? "," : "", i + 1, i + 1);
	}
	b.n += (size_t)snprintf(doc + b.n, sizeof(doc) - b.n, "]}");
	/* Two pairs only, and restored quarantines are never evicted. */
	t->p = mk(t, 2, 0);
	assert_int_equal(pol_quarantines_load(t->p, doc, b.n, 1000), -ENOSPC);
	assert_true(quar(t->p, "10.0.0.1", "198.51.100.1", 1000));
	assert_true(quar(t->p, "10.0.0.2", "198.51.100.2", 1000));
	/* A room-sized table keeps a restored pair through churn of other pairs. */
	t->p2 = mk(t, 4, 0);
	assert_int_equal(pol_quarantines_load(t->p2, doc, b.n, 1000), 3);
	uint8_t l[16], r[16];
	for (int i = 0; i < 20; i++) {
		char rem[32];
		snprintf(rem, sizeof(rem), "203.0.113.%d", i + 1);
		ip("10.0.1.1", l);
		ip(rem, r);
		(void)pol_pair_get(t->p2, 4, l, r, 2000);
	}
	assert_true(quar(t->p2, "10.0.0.1", "198.51.100.1", 3000));
	assert_true(quar(t->p2, "10.0.0.3", "198.51.100.3", 3000));
}

static void test_quarantine_json_space(void **state)
{
	struct tctx *t = *state;
	char small[24];

	t->p = mk(t, 16, 0);
	leak(t, t->p, "10.0.0.1", "198.51.100.1", 1000);
	assert_int_equal(pol_quarantines_json(t->p, 2000, small, sizeof(small)), -ENOSPC);
	assert_true(pol_quarantines_json(t->p, 2000, t->doc, sizeof(t->doc)) > 0);
}

/* The engine passes the first id to its policy and exposes the state. */
static void test_eng_wrappers(void **state)
{
	struct tctx *t = *state;
	struct eng_params ep = {.cfg = &t->cfg, .max_flows = 64, .first_alert_id = 77};
	struct eng *e = eng_create(&ep);

	assert_non_null(e);
	assert_int_equal(eng_next_alert_id(e), 77);
	const char *doc = "{\"quarantines\":[{\"lan_ip\":\"10.0.0.1\",\"remote_ip\":"
			  "\"198.51.100.1\",\"until_ms\":50000}]}";
	uint32_t g = eng_quarantine_gen(e, 1000);
	assert_int_equal(eng_quarantines_load(e, doc, strlen(doc), 1000), 1);
	assert_true(eng_quarantine_gen(e, 1000) != g);
	int n = eng_quarantines_json(e, 1000, t->doc, sizeof(t->doc));
	assert_true(n > 0);
	assert_non_null(strstr(t->doc, "\"until_ms\":50000,\"remaining_s\":49"));
	eng_destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_alert_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_load_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_load_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine_json_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eng_wrappers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
