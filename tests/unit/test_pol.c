/*
 * Unit tests for upload accounting and the leak verdict (firmware/policy/pol.c).
 *
 * Each test builds its configuration from cfg_default() (local_nets =
 * RFC 1918, link-local, ULA) and then sets a small threshold (1000 bytes)
 * and a 160 s window, so one bucket is 10 s and the window arithmetic stays
 * readable. A real name cache from nam_create() serves the names. Remote
 * hosts use the documentation ranges 198.51.100.0/24, 203.0.113.0/24 and
 * 2001:db8::/32, which are not local under the defaults.
 *
 * Alerts and destination reports come out through a recorder that checks
 * each line is one JSON object (balanced quotes and braces, no raw control
 * characters) and keeps a copy; the tests pick single fields out of it.
 * Time is only the now_ms arguments, stepped explicitly.
 */
#include <arpa/inet.h>
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
#include "nam.h"
#include "pol.h"

#define T_LINES     32u
#define T_LINE_MAX  2048u
#define T_THRESHOLD 1000u
#define T_WINDOW_S  160u
#define T_WINDOW_MS ((uint64_t)T_WINDOW_S * 1000u)
#define T_BUCKET_MS (T_WINDOW_MS / POL_BUCKETS) /* 10 s */

/* ---- fixture ----------------------------------------------------------------- */

struct tctx {
	struct cfg cfg;
	struct cfg cfg2; /* a second configuration for pol_set_cfg */
	struct nam_cache *nam;
	struct pol *p;
	unsigned n;
	char line[T_LINES][T_LINE_MAX];
};

/* One JSON object: braces and quotes balance, no raw control characters. */
static void check_json_shape(const char *s, size_t len)
{
	int depth = 0;
	bool in_str = false;

	assert_true(len >= 2);
	assert_int_equal(s[0], '{');
	assert_int_equal(s[len - 1], '}');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		assert_true(c >= 0x20 && c != 0x7f);
		if (in_str) {
			if (c == '\\') {
				assert_true(i + 1 < len);
				i++;
			} else if (c == '"') {
				in_str = false;
			}
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
			assert_true(depth >= 0);
			/* The outer object closes only at the very end. */
			assert_true(depth > 0 || i == len - 1);
		}
	}
	assert_false(in_str);
	assert_int_equal(depth, 0);
}

static void on_line(void *ctx, const char *line, size_t len)
{
	struct tctx *t = ctx;

	assert_true(t->n < T_LINES);
	assert_true(len < T_LINE_MAX);
	assert_int_equal(strlen(line), len);
	check_json_shape(line, len);
	memcpy(t->line[t->n], line, len);
	t->line[t->n][len] = '\0';
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
	t->cfg.window_s = T_WINDOW_S;
	t->cfg2 = t->cfg;
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
	nam_destroy(t->nam);
	free(t);
	return 0;
}

static struct pol *mk_pol_sized(struct tctx *t, uint32_t max_pairs, uint32_t max_ev,
				uint32_t max_dest)
{
	struct pol_params pp = {
		.cfg = &t->cfg,
		.names = t->nam,
		.max_pairs = max_pairs,
		.max_evidence = max_ev,
		.max_dest = max_dest,
		.alert_line = on_line,
		.ctx = t,
	};

	t->p = pol_create(&pp);
	assert_non_null(t->p);
	return t->p;
}

static struct pol *mk_pol(struct tctx *t)
{
	return mk_pol_sized(t, 64, 16, 16);
}

/* ---- helpers ------------------------------------------------------------------- */

/* Parse an address literal; returns the family (4 or 6). */
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

static struct pol_pair *pair(struct tctx *t, const char *lan, const char *remote, uint64_t now)
{
	uint8_t l[16], r[16];
	uint8_t fam = ip(lan, l);

	assert_int_equal(ip(remote, r), fam);
	return pol_pair_get(t->p, fam, l, r, now);
}

/* A typical first proof: MP4 in a multipart POST, nothing else known. */
static void ev_basic(struct pol_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->media.video, sizeof(ev->media.video), "mp4");
	snprintf(ev->media.codec, sizeof(ev->media.codec), "h264");
	snprintf(ev->media.detail, sizeof(ev->media.detail), "ftyp isom");
	snprintf(ev->sentence, sizeof(ev->sentence), "MP4 (ftyp isom) in multipart POST body");
	snprintf(ev->app, sizeof(ev->app), "HTTP");
	ev->l4 = 6;
	ev->remote_port = 80;
}

static void add_ev(struct tctx *t, struct pol_pair *pp, uint64_t now)
{
	struct pol_evidence ev;

	ev_basic(&ev);
	pol_add_evidence(t->p, pp, &ev, now);
}

/* What the engine passes with bytes: the flow, no media (used by cfg bulk). */
static void info_basic(struct pol_evidence *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->app, sizeof(info->app), "HTTP");
	info->l4 = 6;
	info->remote_port = 8080;
	info->has_mac = true;
	memcpy(info->lan_mac, "\x02\x00\x5e\x00\x00\x07", 6);
}

/* Pointer just past "\"key\":" in line, or NULL. */
static const char *field(const char *line, const char *key)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	return p ? p + strlen(pat) : NULL;
}

static uint64_t get_u64(const char *line, const char *key)
{
	const char *p = field(line, key);
	unsigned long long v = 0;

	assert_non_null(p);
	assert_int_equal(sscanf(p, "%llu", &v), 1);
	return (uint64_t)v;
}

/*
 * The raw (still escaped) text of a string field in out. Returns 1 for a
 * string, 0 for null, -1 when the key is absent.
 */
static int get_str(const char *line, const char *key, char *out, size_t size)
{
	const char *p = field(line, key);
	size_t o = 0;

	out[0] = '\0';
	if (p == NULL) {
		return -1;
	}
	if (strncmp(p, "null", 4) == 0) {
		return 0;
	}
	assert_int_equal(*p, '"');
	for (p++; *p != '"'; p++) {
		assert_true(*p != '\0');
		if (*p == '\\') {
			assert_true(o + 1 < size);
			out[o++] = *p++;
		}
		assert_true(o + 1 < size);
		out[o++] = *p;
	}
	out[o] = '\0';
	return 1;
}

static void assert_str_field(const char *line, const char *key, const char *want)
{
	char got[512];

	assert_int_equal(get_str(line, key, got, sizeof(got)), 1);
	assert_string_equal(got, want);
}

static struct pol_stats stats(const struct tctx *t)
{
	struct pol_stats st;

	pol_get_stats(t->p, &st);
	return st;
}

static void add_allow_cidr(struct cfg *c, const char *s)
{
	assert_true(c->n_allow < CONFIG_CFG_MAX_ALLOW);
	struct cfg_allow *a = &c->allow[c->n_allow++];
	memset(a, 0, sizeof(*a));
	a->kind = CFG_ALLOW_CIDR;
	assert_int_equal(cfg_parse_cidr(s, false, &a->cidr), 0);
}

static void add_allow_name(struct cfg *c, uint8_t kind, const char *name)
{
	assert_true(c->n_allow < CONFIG_CFG_MAX_ALLOW);
	struct cfg_allow *a = &c->allow[c->n_allow++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	snprintf(a->name, sizeof(a->name), "%s", name);
}

/*
 * Evidence at t, then 2 * threshold bytes one second later: alerts unless
 * something (local, allowed, learn) stops it. Returns the lines added.
 */
static unsigned leak(struct tctx *t, const char *lan, const char *remote, const char *ev_name,
		     uint64_t now)
{
	unsigned before = t->n;
	struct pol_pair *pp = pair(t, lan, remote, now);
	struct pol_evidence ev;

	assert_non_null(pp);
	ev_basic(&ev);
	snprintf(ev.name, sizeof(ev.name), "%s", ev_name);
	pol_add_evidence(t->p, pp, &ev, now);
	pol_add_bytes(t->p, pp, 2u * T_THRESHOLD, now + 1000u, NULL);
	return t->n - before;
}

/* ---- tests --------------------------------------------------------------------- */

static void test_create_params(void **state)
{
	struct tctx *t = *state;
	struct pol_params pp = {.cfg = &t->cfg, .max_pairs = 8, .max_evidence = 4};

	assert_null(pol_create(NULL));
	pp.cfg = NULL;
	assert_null(pol_create(&pp));
	pp.cfg = &t->cfg;
	pp.max_pairs = 0;
	assert_null(pol_create(&pp));
	pp.max_pairs = 8;
	pp.max_evidence = 0;
	assert_null(pol_create(&pp));
	pp.max_evidence = 4;
	t->p = pol_create(&pp);
	assert_non_null(t->p);
	/* No callback: counted only. */
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.1", "", 1000), 0);
	assert_int_equal(stats(t).alerts, 1);
	assert_int_equal(stats(t).pairs, 1);
}

/* Bytes alone, however many and however spread, never make an alert. */
static void test_no_evidence(void **state)
{
	struct tctx *t = *state;

	struct pol_evidence info;

	assert_false(t->cfg.bulk);
	info_basic(&info);
	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	uint64_t total = 0;
	for (uint64_t i = 0; i < 40; i++) {
		uint64_t now = i * T_BUCKET_MS;
		/* Flow info does not matter without cfg bulk. */
		pol_add_bytes(t->p, pp, 1000000u, now, i % 2 ? &info : NULL);
		total += 1000000u;
	}
	pol_finish(t->p, 40 * T_BUCKET_MS);
	assert_int_equal(t->n, 0);
	assert_int_equal(stats(t).alerts, 0);
	assert_int_equal(stats(t).updates, 0);
	/* The window still holds the last 16 buckets. */
	assert_int_equal(pol_window_bytes(t->p, pp, 39 * T_BUCKET_MS), 16u * 1000000u);
	assert_true(total > 16u * 1000000u);

	/* The proof arriving later alerts with the window sum at that moment. */
	add_ev(t, pp, 39 * T_BUCKET_MS);
	assert_int_equal(t->n, 1);
	assert_int_equal(get_u64(t->line[0], "bytes_out"), 16u * 1000000u);
}

/* Crossing the threshold: one alert, then at most one update per window. */
static void test_alert_and_updates(void **state)
{
	struct tctx *t = *state;
	const char *l;

	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.7", "198.51.100.20", 1000);
	assert_non_null(pp);
	add_ev(t, pp, 1000);
	pol_add_bytes(t->p, pp, 600, 2000, NULL);
	pol_add_bytes(t->p, pp, 400, 3000, NULL);
	/* The sum equals the threshold: not over it. */
	assert_int_equal(pol_window_bytes(t->p, pp, 3000), T_THRESHOLD);
	assert_int_equal(t->n, 0);
	pol_add_bytes(t->p, pp, 1, 4000, NULL);
	assert_int_equal(t->n, 1);
	l = t->line[0];
	assert_int_equal(get_u64(l, "alert_id"), 1);
	assert_int_equal(get_u64(l, "update"), 0);
	assert_int_equal(get_u64(l, "bytes_out"), 600u + 400u + 1u);
	assert_str_field(l, "lan_ip", "10.0.0.7");
	assert_str_field(l, "remote_ip", "198.51.100.20");
	assert_str_field(l, "action", "alert");
	assert_str_field(l, "video", "mp4");
	assert_str_field(l, "codec", "h264");
	assert_str_field(l, "evidence", "MP4 (ftyp isom) in multipart POST body");
	assert_int_equal(get_u64(l, "remote_port"), 80);
	assert_str_field(l, "l4", "tcp");
	assert_str_field(l, "ts", "1970-01-01T00:00:04.000Z");
	/* Nothing known about the name, no optional fields. */
	char buf[64];
	assert_int_equal(get_str(l, "remote_name", buf, sizeof(buf)), 0);
	assert_int_equal(get_str(l, "file", buf, sizeof(buf)), -1);
	assert_int_equal(get_str(l, "fingerprint", buf, sizeof(buf)), -1);
	assert_int_equal(get_str(l, "lan_mac", buf, sizeof(buf)), -1);
	assert_int_equal(get_str(l, "resolution", buf, sizeof(buf)), -1);
	assert_null(field(l, "duration_s"));

	/* More bytes and more proof within window_s of the alert: silence. */
	pol_add_bytes(t->p, pp, 5000, 4000 + 5 * T_BUCKET_MS, NULL);
	add_ev(t, pp, 4000 + 6 * T_BUCKET_MS);
	pol_add_bytes(t->p, pp, 1, 4000 + T_WINDOW_MS - 1, NULL);
	assert_int_equal(t->n, 1);

	/*
	 * window_s after the alert: one update. Buckets: 1001 bytes in bucket 0
	 * (t < 10 s), 5000 in bucket 5, 1 + 10 in bucket 16; at t = 164 s the
	 * window holds buckets 1..16.
	 */
	uint64_t now = 4000 + T_WINDOW_MS;
	pol_add_bytes(t->p, pp, 10, now, NULL);
	assert_int_equal(t->n, 2);
	l = t->line[1];
	assert_int_equal(get_u64(l, "alert_id"), 1);
	assert_int_equal(get_u64(l, "update"), 1);
	assert_int_equal(get_u64(l, "bytes_out"), 5000u + 1u + 10u);
	assert_int_equal(get_u64(l, "bytes_out"), pol_window_bytes(t->p, pp, now));
	pol_add_bytes(t->p, pp, 10, now + 1, NULL);
	assert_int_equal(t->n, 2);
	struct pol_stats st = stats(t);
	assert_int_equal(st.alerts, 1);
	assert_int_equal(st.updates, 1);
}

static void test_finish(void **state)
{
	struct tctx *t = *state;

	mk_pol(t);
	struct pol_pair *a = pair(t, "10.0.0.1", "198.51.100.1", 0);
	struct pol_pair *b = pair(t, "10.0.0.2", "198.51.100.1", 0);
	assert_non_null(a);
	assert_non_null(b);
	add_ev(t, a, 0);
	add_ev(t, b, 0);
	pol_add_bytes(t->p, a, 1500, 1000, NULL);
	pol_add_bytes(t->p, b, 2500, 1000, NULL);
	assert_int_equal(t->n, 2);

	/* Nothing grew: no final update. */
	pol_finish(t->p, 2000);
	assert_int_equal(t->n, 2);

	/* Only a grew (within the window, so no regular update). */
	pol_add_bytes(t->p, a, 7, 3000, NULL);
	assert_int_equal(t->n, 2);
	pol_finish(t->p, 4000);
	assert_int_equal(t->n, 3);
	const char *l = t->line[2];
	assert_str_field(l, "lan_ip", "10.0.0.1");
	assert_int_equal(get_u64(l, "alert_id"), get_u64(t->line[0], "alert_id"));
	assert_int_equal(get_u64(l, "update"), 1);
	assert_int_equal(get_u64(l, "bytes_out"), 1500u + 7u);
	assert_int_equal(stats(t).updates, 1);

	/* A second finish has nothing new to say. */
	pol_finish(t->p, 5000);
	assert_int_equal(t->n, 3);

	/* A pair with evidence that never alerted gets no final word either. */
	struct pol_pair *c = pair(t, "10.0.0.3", "198.51.100.1", 6000);
	assert_non_null(c);
	add_ev(t, c, 6000);
	pol_add_bytes(t->p, c, 10, 6000, NULL);
	pol_finish(t->p, 7000);
	assert_int_equal(t->n, 3);
}

/*
 * Regression: the final update once carried the window sum at the finish
 * time, so a finish more than window_s after the last bytes reported 0.
 * Alert at 1 s with 1001 bytes, 7 more at 3 s, pol_finish at 3 s + 2 *
 * window_s: bytes_out must be 1008, the window as of the last bytes.
 */
static void test_finish_late(void **state)
{
	struct tctx *t = *state;

	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	add_ev(t, pp, 0);
	pol_add_bytes(t->p, pp, T_THRESHOLD + 1u, 1000, NULL);
	assert_int_equal(t->n, 1);
	pol_add_bytes(t->p, pp, 7, 3000, NULL);
	pol_finish(t->p, 3000 + 2u * T_WINDOW_MS);
	assert_int_equal(t->n, 2);
	assert_int_equal(get_u64(t->line[1], "update"), 1);
	assert_int_equal(get_u64(t->line[1], "bytes_out"), T_THRESHOLD + 1u + 7u);
}

/* 16 buckets of window_s / 16; bytes leave the window bucket by bucket. */
static void test_window_slides(void **state)
{
	struct tctx *t = *state;

	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	pol_add_bytes(t->p, pp, 100, 0, NULL);
	assert_int_equal(pol_window_bytes(t->p, pp, 0), 100);
	assert_int_equal(pol_window_bytes(t->p, pp, T_WINDOW_MS - 1), 100);
	assert_int_equal(pol_window_bytes(t->p, pp, T_WINDOW_MS + T_BUCKET_MS), 0);

	/* Spread over buckets 0, 5, 10, 15 (plus the 100 above in bucket 0). */
	pol_add_bytes(t->p, pp, 200, 5 * T_BUCKET_MS, NULL);
	pol_add_bytes(t->p, pp, 300, 10 * T_BUCKET_MS, NULL);
	pol_add_bytes(t->p, pp, 400, 15 * T_BUCKET_MS, NULL);
	assert_int_equal(pol_window_bytes(t->p, pp, 15 * T_BUCKET_MS), 100u + 200u + 300u + 400u);
	/* Bucket 17: buckets 2..17 count. */
	assert_int_equal(pol_window_bytes(t->p, pp, 17 * T_BUCKET_MS), 200u + 300u + 400u);
	/* Bucket 21: 6..21. */
	assert_int_equal(pol_window_bytes(t->p, pp, 21 * T_BUCKET_MS), 300u + 400u);
	/* Bucket 26: 11..26. */
	assert_int_equal(pol_window_bytes(t->p, pp, 26 * T_BUCKET_MS), 400u);
	assert_int_equal(pol_window_bytes(t->p, pp, 31 * T_BUCKET_MS + 1), 0);

	/* Adding in bucket 17 drops buckets 0 and 1 but keeps the rest. */
	pol_add_bytes(t->p, pp, 50, 17 * T_BUCKET_MS, NULL);
	assert_int_equal(pol_window_bytes(t->p, pp, 17 * T_BUCKET_MS), 200u + 300u + 400u + 50u);
	/* Much later: everything old is gone, only the new bytes count. */
	pol_add_bytes(t->p, pp, 1, 100 * T_WINDOW_MS, NULL);
	assert_int_equal(pol_window_bytes(t->p, pp, 100 * T_WINDOW_MS), 1);
	/* A slot reused after exactly 16 buckets does not keep its old content. */
	pol_add_bytes(t->p, pp, 3, 100 * T_WINDOW_MS + 16 * T_BUCKET_MS, NULL);
	assert_int_equal(pol_window_bytes(t->p, pp, 100 * T_WINDOW_MS + 16 * T_BUCKET_MS), 3);
}

/* The verdict uses the window, not the total. */
static void test_window_verdict(void **state)
{
	struct tctx *t = *state;

	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	add_ev(t, pp, 0);
	pol_add_bytes(t->p, pp, 600, 0, NULL);
	pol_add_bytes(t->p, pp, 600, T_WINDOW_MS + T_BUCKET_MS, NULL);
	assert_int_equal(t->n, 0);
	pol_add_bytes(t->p, pp, 500, T_WINDOW_MS + 2 * T_BUCKET_MS, NULL);
	assert_int_equal(t->n, 1);
	assert_int_equal(get_u64(t->line[0], "bytes_out"), 600u + 500u);
}

/* Out-of-order time: counted in the newest bucket, nothing lost. */
static void test_time_backwards(void **state)
{
	struct tctx *t = *state;
	const uint64_t t0 = 50 * T_BUCKET_MS;

	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", t0);
	assert_non_null(pp);
	pol_add_bytes(t->p, pp, 100, t0, NULL);
	pol_add_bytes(t->p, pp, 50, t0 - 3 * T_BUCKET_MS, NULL);
	pol_add_bytes(t->p, pp, 25, 0, NULL);
	assert_int_equal(pol_window_bytes(t->p, pp, t0), 175);
	/* They sit in bucket 50 and leave with it. */
	assert_int_equal(pol_window_bytes(t->p, pp, t0 + 15 * T_BUCKET_MS), 175);
	assert_int_equal(pol_window_bytes(t->p, pp, t0 + 16 * T_BUCKET_MS), 0);

	/* Backwards bytes still push a pair over the threshold. */
	add_ev(t, pp, t0);
	assert_int_equal(t->n, 0);
	pol_add_bytes(t->p, pp, 900, t0 - 20 * T_BUCKET_MS, NULL);
	assert_int_equal(t->n, 1);
	assert_int_equal(get_u64(t->line[0], "bytes_out"), 1075);

	/* A pair created late whose first bytes come with an earlier time. */
	struct pol_pair *q = pair(t, "10.0.0.2", "198.51.100.1", t0);
	assert_non_null(q);
	pol_add_bytes(t->p, q, 7, 1, NULL);
	assert_int_equal(pol_window_bytes(t->p, q, 1), 7);
}

static void test_threshold_zero(void **state)
{
	struct tctx *t = *state;

	t->cfg.threshold_bytes = 0;
	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	/* Bytes without proof: still nothing. */
	pol_add_bytes(t->p, pp, 100000, 0, NULL);
	assert_int_equal(t->n, 0);

	struct pol_pair *q = pair(t, "10.0.0.2", "198.51.100.2", 1000);
	assert_non_null(q);
	add_ev(t, q, 1000);
	assert_int_equal(t->n, 1);
	assert_int_equal(get_u64(t->line[0], "bytes_out"), 0);
	assert_int_equal(get_u64(t->line[0], "update"), 0);
	assert_str_field(t->line[0], "remote_ip", "198.51.100.2");
	assert_int_equal(stats(t).alerts, 1);
}

static void test_local_remote(void **state)
{
	struct tctx *t = *state;

	assert_true(t->cfg.n_local < CONFIG_CFG_MAX_NETS);
	assert_int_equal(
		cfg_parse_cidr("203.0.113.0/24", false, &t->cfg.local_nets[t->cfg.n_local]), 0);
	t->cfg.n_local++;
	mk_pol(t);
	assert_int_equal(leak(t, "10.0.0.1", "192.168.7.7", "", 0), 0);
	assert_int_equal(leak(t, "10.0.0.1", "172.20.1.1", "", 0), 0);
	assert_int_equal(leak(t, "10.0.0.1", "203.0.113.9", "", 0), 0);
	assert_int_equal(stats(t).alerts, 0);
	/* Just outside the added net: alerts. */
	assert_int_equal(leak(t, "10.0.0.1", "203.0.114.9", "", 0), 1);
	assert_str_field(t->line[0], "remote_ip", "203.0.114.9");
}

static void test_allow_cidr(void **state)
{
	struct tctx *t = *state;
	uint8_t a[16];

	add_allow_cidr(&t->cfg, "198.51.100.0/24");
	mk_pol(t);
	assert_true(pol_is_allowed(t->p, 4, (ip("198.51.100.200", a), a), NULL, 0));
	assert_false(pol_is_allowed(t->p, 4, (ip("198.51.101.1", a), a), NULL, 0));
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.7", "", 0), 0);
	assert_int_equal(stats(t).allowed, 1);
	assert_int_equal(leak(t, "10.0.0.1", "198.51.101.7", "", 0), 1);
	assert_str_field(t->line[0], "remote_ip", "198.51.101.7");
}

/* An exact name given by the flow itself (the evidence's name field). */
static void test_allow_name_evidence(void **state)
{
	struct tctx *t = *state;

	add_allow_name(&t->cfg, CFG_ALLOW_NAME, "backup.example.com");
	mk_pol(t);
	assert_true(pol_is_allowed(t->p, 4, (const uint8_t *)"\xc6\x33\x64\x01",
				   "backup.example.com", 0));
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.1", "backup.example.com", 0), 0);
	/* Name matching ignores case. */
	assert_int_equal(leak(t, "10.0.0.2", "198.51.100.1", "Backup.Example.COM", 0), 0);
	assert_int_equal(stats(t).allowed, 2);
	/* Another name, and a name below the exact one: not allowed. */
	assert_int_equal(leak(t, "10.0.0.3", "198.51.100.2", "backup.example.org", 0), 1);
	assert_str_field(t->line[0], "remote_name", "backup.example.org");
	assert_int_equal(leak(t, "10.0.0.4", "198.51.100.3", "x.backup.example.com", 0), 1);
	assert_int_equal(stats(t).alerts, 2);
}

/* An exact name known only from the name cache (DNS), maybe not the best one. */
static void test_allow_name_cache(void **state)
{
	struct tctx *t = *state;
	uint8_t r1[16], r2[16], r3[16];

	ip("198.51.100.1", r1);
	ip("198.51.100.2", r2);
	ip("198.51.100.3", r3);
	add_allow_name(&t->cfg, CFG_ALLOW_NAME, "backup.example.com");
	mk_pol(t);
	nam_learn(t->nam, 4, r1, "backup.example.com", NAM_SRC_DNS, 0);
	/* r2: the allowed name first, then a newer one that becomes the best. */
	nam_learn(t->nam, 4, r2, "backup.example.com", NAM_SRC_DNS, 0);
	nam_learn(t->nam, 4, r2, "cdn.other.net", NAM_SRC_DNS, 10);
	nam_learn(t->nam, 4, r3, "video.other.net", NAM_SRC_DNS, 0);
	assert_string_equal(nam_lookup(t->nam, 4, r2, 20), "cdn.other.net");

	assert_true(pol_is_allowed(t->p, 4, r1, NULL, 20));
	assert_true(pol_is_allowed(t->p, 4, r2, "", 20));
	assert_false(pol_is_allowed(t->p, 4, r3, NULL, 20));
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.1", "", 20), 0);
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.2", "", 20), 0);
	assert_int_equal(stats(t).allowed, 2);
	/* The alert names the remote from the cache. */
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.3", "", 20), 1);
	assert_str_field(t->line[0], "remote_name", "video.other.net");
}

/* "*.example.com": names below example.com, not example.com itself. */
static void test_allow_suffix(void **state)
{
	struct tctx *t = *state;
	uint8_t r[16];

	ip("198.51.100.9", r);
	add_allow_name(&t->cfg, CFG_ALLOW_SUFFIX, "example.com");
	mk_pol(t);
	assert_true(pol_is_allowed(t->p, 4, r, "sub.example.com", 0));
	assert_true(pol_is_allowed(t->p, 4, r, "a.b.example.com", 0));
	assert_false(pol_is_allowed(t->p, 4, r, "example.com", 0));
	assert_false(pol_is_allowed(t->p, 4, r, "badexample.com", 0));
	assert_false(pol_is_allowed(t->p, 4, r, NULL, 0));

	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.1", "sub.example.com", 0), 0);
	assert_int_equal(stats(t).allowed, 1);
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.2", "example.com", 0), 1);
	assert_str_field(t->line[0], "remote_name", "example.com");
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.3", "badexample.com", 0), 1);
	/* The same rule through the cache. */
	nam_learn(t->nam, 4, r, "cam.example.com", NAM_SRC_DNS, 0);
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.9", "", 0), 0);
	assert_int_equal(stats(t).allowed, 2);
}

/* Counted once per configuration; a new configuration re-decides. */
static void test_allowed_per_cfg(void **state)
{
	struct tctx *t = *state;

	add_allow_cidr(&t->cfg, "198.51.100.0/24");
	t->cfg2 = t->cfg;
	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	add_ev(t, pp, 0);
	for (uint64_t i = 1; i <= 5; i++) {
		pol_add_bytes(t->p, pp, T_THRESHOLD, i * 1000u, NULL);
	}
	assert_int_equal(stats(t).allowed, 1);
	assert_int_equal(t->n, 0);

	/* The same allow list again: one more allowed verdict, still no alert. */
	pol_set_cfg(t->p, &t->cfg2);
	pol_add_bytes(t->p, pp, 1, 6000, NULL);
	pol_add_bytes(t->p, pp, 1, 7000, NULL);
	assert_int_equal(stats(t).allowed, 2);
	assert_int_equal(t->n, 0);

	/* Without the allow entry the same pair alerts at its next bytes. */
	cfg_default(&t->cfg);
	t->cfg.threshold_bytes = T_THRESHOLD;
	t->cfg.window_s = T_WINDOW_S;
	pol_set_cfg(t->p, &t->cfg);
	pol_add_bytes(t->p, pp, 1, 8000, NULL);
	assert_int_equal(t->n, 1);
	assert_int_equal(get_u64(t->line[0], "bytes_out"), 5u * T_THRESHOLD + 3u);
	assert_int_equal(stats(t).allowed, 2);
	assert_int_equal(stats(t).alerts, 1);

	/* pol_set_cfg(NULL) keeps the current configuration. */
	pol_set_cfg(t->p, NULL);
	assert_int_equal(leak(t, "10.0.0.2", "198.51.100.1", "", 9000), 1);
}

static void test_block_mode(void **state)
{
	struct tctx *t = *state;

	t->cfg.mode = CFG_MODE_BLOCK;
	mk_pol(t);
	assert_int_equal(leak(t, "10.0.0.1", "198.51.100.1", "", 0), 1);
	assert_str_field(t->line[0], "action", "block");
	t->cfg2.mode = CFG_MODE_MONITOR;
	pol_set_cfg(t->p, &t->cfg2);
	assert_int_equal(leak(t, "10.0.0.2", "198.51.100.1", "", 0), 1);
	assert_str_field(t->line[1], "action", "alert");
}

/* Find the destination line for remote, or NULL. */
static const char *dest_line(const struct tctx *t, const char *remote)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "\"remote_ip\":\"%s\"", remote);
	for (unsigned i = 0; i < t->n; i++) {
		if (strstr(t->line[i], pat) != NULL) {
			return t->line[i];
		}
	}
	return NULL;
}

static void test_learn_mode(void **state)
{
	struct tctx *t = *state;
	char want[512];
	size_t o = 0;

	t->cfg.mode = CFG_MODE_LEARN;
	mk_pol(t);
	/* Nine office hosts upload to R1; one has proof of video and a name. */
	for (unsigned i = 1; i <= 9; i++) {
		char lan[32];
		snprintf(lan, sizeof(lan), "10.0.0.%u", i);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", i * 1000u);
		assert_non_null(pp);
		if (i == 1) {
			struct pol_evidence ev;
			ev_basic(&ev);
			snprintf(ev.name, sizeof(ev.name), "upload.example.net");
			pol_add_evidence(t->p, pp, &ev, i * 1000u);
		}
		pol_add_bytes(t->p, pp, 2000u + i, i * 1000u, NULL);
	}
	/* R2: three hosts, no proof; named by the cache. */
	uint8_t r2[16];
	ip("198.51.100.2", r2);
	nam_learn(t->nam, 4, r2, "files.example.org", NAM_SRC_DNS, 0);
	for (unsigned i = 1; i <= 3; i++) {
		char lan[32];
		snprintf(lan, sizeof(lan), "10.0.1.%u", i);
		struct pol_pair *pp = pair(t, lan, "198.51.100.2", 10000);
		assert_non_null(pp);
		pol_add_bytes(t->p, pp, 600, 10000, NULL);
		pol_add_bytes(t->p, pp, 600, 11000, NULL);
	}
	/* R3: below the threshold, not a candidate. R4: over it, nameless. */
	struct pol_pair *p3 = pair(t, "10.0.2.1", "198.51.100.3", 12000);
	assert_non_null(p3);
	pol_add_bytes(t->p, p3, T_THRESHOLD, 12000, NULL);
	struct pol_pair *p4 = pair(t, "10.0.2.1", "198.51.100.4", 12000);
	assert_non_null(p4);
	pol_add_bytes(t->p, p4, T_THRESHOLD + 1, 12000, NULL);

	assert_int_equal(t->n, 0);
	assert_int_equal(stats(t).alerts, 0);
	pol_finish(t->p, 13000);
	assert_int_equal(t->n, 0);
	assert_int_equal(stats(t).dests, 3);

	pol_report_destinations(t->p, on_line, t, 14000);
	assert_int_equal(t->n, 3);
	assert_null(dest_line(t, "198.51.100.3"));

	const char *l = dest_line(t, "198.51.100.1");
	assert_non_null(l);
	assert_str_field(l, "remote_name", "upload.example.net");
	/* Bytes of all nine hosts, lan_hosts limited to the first eight. */
	uint64_t sum = 0;
	for (unsigned i = 1; i <= 9; i++) {
		sum += 2000u + i;
	}
	assert_int_equal(get_u64(l, "bytes"), sum);
	assert_non_null(strstr(l, "\"video\":true"));
	o += (size_t)snprintf(want + o, sizeof(want) - o, "\"lan_hosts\":[");
	for (unsigned i = 1; i <= 8; i++) {
		o += (size_t)snprintf(want + o, sizeof(want) - o, "%s\"10.0.0.%u\"",
				      i > 1 ? "," : "", i);
	}
	snprintf(want + o, sizeof(want) - o, "]");
	assert_non_null(strstr(l, want));
	assert_null(strstr(l, "10.0.0.9"));

	l = dest_line(t, "198.51.100.2");
	assert_non_null(l);
	assert_str_field(l, "remote_name", "files.example.org");
	assert_int_equal(get_u64(l, "bytes"), 3u * 1200u);
	assert_non_null(strstr(l, "\"video\":false"));
	assert_non_null(strstr(l, "\"lan_hosts\":[\"10.0.1.1\",\"10.0.1.2\",\"10.0.1.3\"]"));

	l = dest_line(t, "198.51.100.4");
	assert_non_null(l);
	char buf[64];
	assert_int_equal(get_str(l, "remote_name", buf, sizeof(buf)), 0);
	assert_int_equal(get_u64(l, "bytes"), T_THRESHOLD + 1u);
	assert_non_null(strstr(l, "\"lan_hosts\":[\"10.0.2.1\"]"));
}

/* Later proofs fill the empty fields; the first proof's media and sentence win. */
static void test_evidence_merge(void **state)
{
	struct tctx *t = *state;
	struct pol_evidence ev;

	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	add_ev(t, pp, 0);

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.media.video, sizeof(ev.media.video), "webm");
	snprintf(ev.media.codec, sizeof(ev.media.codec), "vp9");
	snprintf(ev.sentence, sizeof(ev.sentence), "WebM (EBML DocType webm) in PUT body");
	snprintf(ev.file, sizeof(ev.file), "clip.mp4");
	snprintf(ev.fingerprint, sizeof(ev.fingerprint), "%064x", 0xabcu);
	snprintf(ev.name, sizeof(ev.name), "up.example.net");
	ev.media.width = 1920;
	ev.media.height = 1080;
	ev.has_mac = true;
	memcpy(ev.lan_mac, "\x02\x00\x5e\x10\x00\x01", 6);
	pol_add_evidence(t->p, pp, &ev, 1000);

	/* A third proof cannot overwrite fields that are now set. */
	snprintf(ev.file, sizeof(ev.file), "other.mov");
	snprintf(ev.fingerprint, sizeof(ev.fingerprint), "%064x", 0xdefu);
	snprintf(ev.name, sizeof(ev.name), "other.example.net");
	ev.media.width = 640;
	ev.media.height = 480;
	memcpy(ev.lan_mac, "\x02\x00\x5e\x10\x00\x02", 6);
	pol_add_evidence(t->p, pp, &ev, 2000);
	assert_int_equal(t->n, 0);

	pol_add_bytes(t->p, pp, T_THRESHOLD + 1, 3000, NULL);
	assert_int_equal(t->n, 1);
	const char *l = t->line[0];
	char fp[65];
	snprintf(fp, sizeof(fp), "%064x", 0xabcu);
	assert_str_field(l, "video", "mp4");
	assert_str_field(l, "codec", "h264");
	assert_str_field(l, "evidence", "MP4 (ftyp isom) in multipart POST body");
	assert_str_field(l, "file", "clip.mp4");
	assert_str_field(l, "fingerprint", fp);
	assert_str_field(l, "remote_name", "up.example.net");
	assert_str_field(l, "resolution", "1920x1080");
	assert_str_field(l, "lan_mac", "02:00:5e:10:00:01");
	assert_int_equal(stats(t).alerts, 1);
}

/* Optional fields of the first proof, and the evidence name over the cache's. */
static void test_alert_optional_fields(void **state)
{
	struct tctx *t = *state;
	struct pol_evidence ev;
	uint8_t r[16];

	ip("198.51.100.5", r);
	nam_learn(t->nam, 4, r, "dns.example.net", NAM_SRC_DNS, 0);
	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.5", 0);
	assert_non_null(pp);
	ev_basic(&ev);
	ev.l4 = 17;
	ev.remote_port = 5004;
	ev.media.width = 1280;
	ev.media.height = 720;
	ev.media.duration_ms = 12345;
	ev.has_mac = true;
	memcpy(ev.lan_mac, "\xaa\xbb\xcc\x0d\x0e\x0f", 6);
	snprintf(ev.name, sizeof(ev.name), "flow.example.net");
	pol_add_evidence(t->p, pp, &ev, 0);
	pol_add_bytes(t->p, pp, T_THRESHOLD + 1, 0, NULL);
	assert_int_equal(t->n, 1);
	const char *l = t->line[0];
	assert_str_field(l, "l4", "udp");
	assert_int_equal(get_u64(l, "remote_port"), 5004);
	assert_str_field(l, "resolution", "1280x720");
	assert_non_null(strstr(l, "\"duration_s\":12.345"));
	assert_str_field(l, "lan_mac", "aa:bb:cc:0d:0e:0f");
	assert_str_field(l, "remote_name", "flow.example.net");
}

/* Pairs without proof are recycled; pairs with proof are kept. */
static void test_table_bounds(void **state)
{
	struct tctx *t = *state;
	char lan[32];

	mk_pol_sized(t, 8, 8, 4);
	for (unsigned i = 0; i < 8; i++) {
		snprintf(lan, sizeof(lan), "10.0.0.%u", i);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", 0);
		assert_non_null(pp);
		pol_add_bytes(t->p, pp, 100u + i, 0, NULL);
		if (i % 2 == 0) {
			add_ev(t, pp, 0);
		}
	}
	assert_int_equal(stats(t).pairs, 8);
	assert_int_equal(stats(t).pairs_evicted, 0);

	/* Four new pairs push out the four without evidence. */
	for (unsigned i = 0; i < 4; i++) {
		snprintf(lan, sizeof(lan), "10.0.1.%u", i);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", 1000);
		assert_non_null(pp);
		assert_int_equal(pol_window_bytes(t->p, pp, 1000), 0);
		pol_add_bytes(t->p, pp, 10u + i, 1000, NULL);
	}
	assert_int_equal(stats(t).pairs, 8);
	assert_int_equal(stats(t).pairs_evicted, 4);
	/* The pairs with evidence kept their bytes; the new ones theirs. */
	for (unsigned i = 0; i < 8; i += 2) {
		snprintf(lan, sizeof(lan), "10.0.0.%u", i);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", 2000);
		assert_non_null(pp);
		assert_int_equal(pol_window_bytes(t->p, pp, 2000), 100u + i);
	}
	for (unsigned i = 0; i < 4; i++) {
		snprintf(lan, sizeof(lan), "10.0.1.%u", i);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", 2000);
		assert_non_null(pp);
		assert_int_equal(pol_window_bytes(t->p, pp, 2000), 10u + i);
	}
	assert_int_equal(stats(t).pairs_evicted, 4);
	/* A kept pair still has its proof: more bytes alert. */
	struct pol_pair *k = pair(t, "10.0.0.2", "198.51.100.1", 3000);
	assert_non_null(k);
	pol_add_bytes(t->p, k, T_THRESHOLD, 3000, NULL);
	assert_int_equal(t->n, 1);
	assert_str_field(t->line[0], "lan_ip", "10.0.0.2");

	/* Proof for the four new pairs too: nothing may be evicted now. */
	for (unsigned i = 0; i < 4; i++) {
		snprintf(lan, sizeof(lan), "10.0.1.%u", i);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", 4000);
		assert_non_null(pp);
		add_ev(t, pp, 4000);
	}
	assert_null(pair(t, "10.0.2.1", "198.51.100.1", 5000));
	assert_null(pair(t, "10.0.2.2", "198.51.100.2", 5000));
	assert_int_equal(stats(t).pairs, 8);
	assert_int_equal(stats(t).pairs_evicted, 4);
	/* Existing pairs are still found. */
	assert_non_null(pair(t, "10.0.1.3", "198.51.100.1", 5000));
	assert_int_equal(t->n, 1);
}

/*
 * Many evictions through a small hash table (backward-shift deletion): the
 * kept pairs and the newest pair are always found again, never duplicated.
 */
static void test_table_churn(void **state)
{
	struct tctx *t = *state;
	char lan[32];

	mk_pol_sized(t, 8, 4, 4);
	for (unsigned i = 0; i < 4; i++) {
		snprintf(lan, sizeof(lan), "10.1.0.%u", i);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", 0);
		assert_non_null(pp);
		add_ev(t, pp, 0);
		pol_add_bytes(t->p, pp, 100u + i, 0, NULL);
	}
	for (unsigned n = 0; n < 300; n++) {
		snprintf(lan, sizeof(lan), "10.2.%u.%u", n / 200u, n % 200u);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", 1000);
		assert_non_null(pp);
		assert_int_equal(pol_window_bytes(t->p, pp, 1000), 0);
		pol_add_bytes(t->p, pp, 1u + n, 1000, NULL);
		/* Found again with its bytes, not created anew. */
		assert_ptr_equal(pair(t, lan, "198.51.100.1", 1000), pp);
		assert_int_equal(pol_window_bytes(t->p, pp, 1000), 1u + n);
		for (unsigned i = 0; i < 4; i++) {
			snprintf(lan, sizeof(lan), "10.1.0.%u", i);
			struct pol_pair *k = pair(t, lan, "198.51.100.1", 1000);
			assert_non_null(k);
			assert_int_equal(pol_window_bytes(t->p, k, 1000), 100u + i);
		}
		assert_int_equal(stats(t).pairs, n < 4 ? 5u + n : 8u);
	}
	/* 4 + 300 pairs through 8 places: 296 recycled. */
	assert_int_equal(stats(t).pairs_evicted, 296);
	assert_int_equal(t->n, 0);
}

/* The evidence pool runs out: the proof is dropped, nothing alerts, nothing breaks. */
static void test_evidence_pool_full(void **state)
{
	struct tctx *t = *state;

	mk_pol_sized(t, 8, 2, 4);
	struct pol_pair *a = pair(t, "10.0.0.1", "198.51.100.1", 0);
	struct pol_pair *b = pair(t, "10.0.0.2", "198.51.100.1", 0);
	assert_non_null(a);
	assert_non_null(b);
	add_ev(t, a, 0);
	add_ev(t, b, 0);
	struct pol_pair *c = pair(t, "10.0.0.3", "198.51.100.1", 0);
	assert_non_null(c);
	add_ev(t, c, 0);
	pol_add_bytes(t->p, c, 10u * T_THRESHOLD, 1000, NULL);
	add_ev(t, c, 2000);
	pol_finish(t->p, 3000);
	assert_int_equal(t->n, 0);
	assert_int_equal(stats(t).alerts, 0);
	/* a and b kept theirs. */
	pol_add_bytes(t->p, a, T_THRESHOLD + 1, 4000, NULL);
	assert_int_equal(t->n, 1);
	assert_str_field(t->line[0], "lan_ip", "10.0.0.1");
}

/*
 * Regression: the recycling scan once stopped after 64 pairs, so a table
 * whose first 64 pairs held evidence refused a new pair although later
 * pairs could be recycled; pol.h promises NULL only when every pair must
 * be kept.
 */
static void test_evict_beyond_scan(void **state)
{
	struct tctx *t = *state;
	char lan[32];

	mk_pol_sized(t, 128, 128, 4);
	for (unsigned i = 0; i < 128; i++) {
		snprintf(lan, sizeof(lan), "10.0.%u.%u", i / 100u, i % 100u + 1u);
		struct pol_pair *pp = pair(t, lan, "198.51.100.1", 0);
		assert_non_null(pp);
		if (i < 64) {
			add_ev(t, pp, 0);
		}
	}
	assert_int_equal(stats(t).pairs, 128);
	assert_non_null(pair(t, "10.9.9.9", "198.51.100.1", 1000));
	assert_int_equal(stats(t).pairs_evicted, 1);
}

static void test_ipv6(void **state)
{
	struct tctx *t = *state;
	uint8_t r[16];

	add_allow_cidr(&t->cfg, "2001:db8:aaaa::/48");
	mk_pol(t);
	/* Local (ULA, link-local) remotes and the allowed prefix: silent. */
	assert_int_equal(leak(t, "fd00::10", "fd12:3456::1", "", 0), 0);
	assert_int_equal(leak(t, "fd00::10", "fe80::1", "", 0), 0);
	assert_int_equal(leak(t, "fd00::10", "2001:db8:aaaa:1::5", "", 0), 0);
	assert_true(pol_is_allowed(t->p, 6, (ip("2001:db8:aaaa::1", r), r), NULL, 0));
	assert_false(pol_is_allowed(t->p, 6, (ip("2001:db8:aaab::1", r), r), NULL, 0));
	assert_int_equal(stats(t).allowed, 1);
	assert_int_equal(t->n, 0);

	/* Longest zero run compressed; the first of two equal runs. */
	assert_int_equal(leak(t, "fd00:0:0:0:0:0:0:10", "2001:db8:0:0:1:0:0:1", "", 0), 1);
	assert_str_field(t->line[0], "lan_ip", "fd00::10");
	assert_str_field(t->line[0], "remote_ip", "2001:db8::1:0:0:1");
	/* A single zero group is not compressed; lower-case hex. */
	assert_int_equal(leak(t, "fd00::10", "2001:DB8:0:1:ABCD:1:1:1", "", 0), 1);
	assert_str_field(t->line[1], "remote_ip", "2001:db8:0:1:abcd:1:1:1");
	assert_int_equal(leak(t, "fd00::10", "2001:db8:0:0:0:1:0:0", "", 0), 1);
	assert_str_field(t->line[2], "remote_ip", "2001:db8::1:0:0");

	/* The window and the threshold work the same. */
	struct pol_pair *pp = pair(t, "fd00::20", "2001:db8::99", 0);
	assert_non_null(pp);
	add_ev(t, pp, 0);
	pol_add_bytes(t->p, pp, T_THRESHOLD, 0, NULL);
	assert_int_equal(t->n, 3);
	pol_add_bytes(t->p, pp, 1, T_WINDOW_MS + T_BUCKET_MS, NULL);
	assert_int_equal(t->n, 3);
	pol_add_bytes(t->p, pp, T_THRESHOLD, T_WINDOW_MS + T_BUCKET_MS, NULL);
	assert_int_equal(t->n, 4);
	assert_int_equal(get_u64(t->line[3], "bytes_out"), T_THRESHOLD + 1u);
	assert_str_field(t->line[3], "remote_ip", "2001:db8::99");

	/* An IPv4 pair with the same leading bytes is a different pair. */
	struct pol_pair *v4 = pair(t, "253.0.0.0", "32.1.13.184", 0);
	assert_non_null(v4);
	assert_ptr_not_equal(v4, pp);
	assert_int_equal(pol_window_bytes(t->p, v4, 0), 0);
}

/*
 * cfg bulk: a pair over the threshold without proof raises a "bulk" alert
 * described by the flow info; proof arriving later gives a video alert.
 */
static void test_bulk(void **state)
{
	struct tctx *t = *state;
	struct pol_evidence info;
	char buf[64];

	t->cfg.bulk = true;
	info_basic(&info);
	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	pol_add_bytes(t->p, pp, T_THRESHOLD, 0, &info);
	assert_int_equal(t->n, 0);
	pol_add_bytes(t->p, pp, 1, 1000, &info);
	assert_int_equal(t->n, 1);
	const char *l = t->line[0];
	assert_str_field(l, "kind", "bulk");
	assert_int_equal(get_str(l, "video", buf, sizeof(buf)), 0);
	assert_str_field(l, "evidence", "large clear-text upload with no proof of video");
	assert_str_field(l, "app", "HTTP");
	assert_int_equal(get_u64(l, "remote_port"), 8080);
	assert_str_field(l, "lan_mac", "02:00:5e:00:00:07");
	assert_int_equal(get_u64(l, "bytes_out"), T_THRESHOLD + 1u);
	assert_int_equal(get_u64(l, "update"), 0);
	assert_int_equal(get_str(l, "codec", buf, sizeof(buf)), -1);

	/* Proof within the window: a video alert follows at once. */
	add_ev(t, pp, 2000);
	assert_int_equal(t->n, 2);
	l = t->line[1];
	assert_str_field(l, "kind", "video");
	assert_str_field(l, "video", "mp4");
	assert_str_field(l, "evidence", "MP4 (ftyp isom) in multipart POST body");
	assert_int_equal(get_u64(l, "alert_id"), get_u64(t->line[0], "alert_id") + 1u);
	assert_int_equal(get_u64(l, "update"), 0);
	assert_int_equal(get_u64(l, "bytes_out"), T_THRESHOLD + 1u);
	assert_int_equal(stats(t).alerts, 2);
	/* And then the usual silence within the window. */
	pol_add_bytes(t->p, pp, 5, 3000, &info);
	add_ev(t, pp, 4000);
	assert_int_equal(t->n, 2);

	/* Without flow info there is nothing to describe: no bulk alert. */
	struct pol_pair *q = pair(t, "10.0.0.2", "198.51.100.1", 0);
	assert_non_null(q);
	pol_add_bytes(t->p, q, 10u * T_THRESHOLD, 5000, NULL);
	assert_int_equal(t->n, 2);
	/* Local and allowed remotes stay silent under bulk too. */
	assert_int_equal(leak(t, "10.0.0.3", "192.168.1.1", "", 6000), 0);
	struct pol_pair *r = pair(t, "10.0.0.3", "192.168.1.2", 6000);
	assert_non_null(r);
	pol_add_bytes(t->p, r, 10u * T_THRESHOLD, 6000, &info);
	assert_int_equal(t->n, 2);
}

static void test_json_escaping(void **state)
{
	struct tctx *t = *state;
	struct pol_evidence ev;

	mk_pol(t);
	struct pol_pair *pp = pair(t, "10.0.0.1", "198.51.100.1", 0);
	assert_non_null(pp);
	ev_basic(&ev);
	snprintf(ev.file, sizeof(ev.file),
		 "a\"b\\c\x01"
		 "d\te.mp4");
	snprintf(ev.sentence, sizeof(ev.sentence), "MP4 in \"quoted\" body");
	pol_add_evidence(t->p, pp, &ev, 0);
	pol_add_bytes(t->p, pp, T_THRESHOLD + 1, 0, NULL);
	assert_int_equal(t->n, 1);
	assert_non_null(strstr(t->line[0], "\"file\":\"a\\\"b\\\\c\\u0001d\\u0009e.mp4\""));
	assert_str_field(t->line[0], "evidence", "MP4 in \\\"quoted\\\" body");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_and_updates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_slides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_verdict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_backwards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threshold_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_remote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_cidr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_name_evidence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_name_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_suffix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowed_per_cfg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_learn_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_optional_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_churn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evidence_pool_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_evict_beyond_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_escaping, setup, teardown),
	};

	return cmocka_run_group_tests_name("pol", tests, NULL, NULL);
}
