/*
 * app: the alert list (filtered, JSON or CSV) and the destinations list.
 *
 * Both read the alert log's latest line of each alert and parse it with
 * cJSON: the log keeps the engine's text as it was written, so what the
 * page shows is exactly what went to the journal. The CSV export is meant
 * for spreadsheets, so besides RFC 4180 quoting it defuses cells that a
 * spreadsheet would run as a formula.
 */
#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_priv.h"
#include "fmt.h"

#define APP_ALERTS_DEFAULT 100u
#define APP_FVAL_MAX       256

struct app_filter {
	bool has_id;
	uint32_t id;
	char lan[APP_FVAL_MAX];
	char remote[APP_FVAL_MAX];
	char kind[APP_FVAL_MAX];
	char video[APP_FVAL_MAX];
	char action[APP_FVAL_MAX];
	int acked; /* -1 any, 0, 1 */
	size_t limit;
};

static int hexval(char c)
{
	return (c >= '0' && c <= '9')   ? c - '0'
	       : (c >= 'a' && c <= 'f') ? c - 'a' + 10
	       : (c >= 'A' && c <= 'F') ? c - 'A' + 10
					: -1;
}

/* Percent-decode n bytes of s into out (cap bytes); -EINVAL on a bad escape or overflow. */
static int decode(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			/* %00 would cut the value short: refuse it like a bad escape. */
			if (hi < 0 || lo < 0 || hi * 16 + lo == 0) {
				return -EINVAL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap) {
			return -EINVAL;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

static int parse_uint(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (v[0] == '\0' || strlen(v) > 10) {
		return -EINVAL;
	}
	for (const char *p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return -EINVAL;
		}
		x = x * 10u + (uint64_t)(*p - '0');
	}
	if (x > max) {
		return -EINVAL;
	}
	*out = x;
	return 0;
}

/* Apply one decoded parameter; -EINVAL with msg for a bad value. Unknown names are ignored. */
static int filter_set(struct app_filter *f, const char *k, const char *v, char *msg, size_t mcap)
{
	uint64_t x;

	if (strcmp(k, "id") == 0) {
		if (parse_uint(v, UINT32_MAX, &x) != 0 || x == 0) {
			snprintf(msg, mcap, "id: must be an alert id (1 to 4294967295)");
			return -EINVAL;
		}
		f->has_id = true;
		f->id = (uint32_t)x;
	} else if (strcmp(k, "acked") == 0) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			snprintf(msg, mcap, "acked: must be 0 or 1");
			return -EINVAL;
		}
		f->acked = v[0] - '0';
	} else if (strcmp(k, "limit") == 0) {
		if (parse_uint(v, 1000000u, &x) != 0) {
			snprintf(msg, mcap, "limit: must be a number from 0 (all) to 1000000");
			return -EINVAL;
		}
		f->limit = x == 0 ? SIZE_MAX : (size_t)x;
	} else if (strcmp(k, "kind") == 0 && v[0] != '\0' && strcmp(v, "video") != 0 &&
		   strcmp(v, "bulk") != 0) {
		snprintf(msg, mcap, "kind: must be video or bulk");
		return -EINVAL;
	} else if (strcmp(k, "action") == 0 && v[0] != '\0' && strcmp(v, "alert") != 0 &&
		   strcmp(v, "block") != 0) {
		snprintf(msg, mcap, "action: must be alert or block");
		return -EINVAL;
	} else {
		char *dst = strcmp(k, "lan") == 0      ? f->lan
			    : strcmp(k, "remote") == 0 ? f->remote
			    : strcmp(k, "kind") == 0   ? f->kind
			    : strcmp(k, "video") == 0  ? f->video
			    : strcmp(k, "action") == 0 ? f->action
						       : NULL;
		if (dst != NULL) {
			snprintf(dst, APP_FVAL_MAX, "%s", v);
		}
	}
	return 0;
}

/* Parse "a=1&b=2"; later parameters override earlier ones. field/msg on error. */
static int filter_parse(const char *q, struct app_filter *f, char *field, size_t fcap, char *msg,
			size_t mcap)
{
	memset(f, 0, sizeof(*f));
	f->acked = -1;
	f->limit = APP_ALERTS_DEFAULT;
	for (const char *p = q != NULL ? q : ""; *p != '\0';) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		char k[32], v[APP_FVAL_MAX];
		size_t kn = eq != NULL ? (size_t)(eq - p) : n;
		if (n > 0 && (decode(p, kn, k, sizeof(k)) != 0 ||
			      decode(eq != NULL ? eq + 1 : p + n, eq != NULL ? n - kn - 1 : 0, v,
				     sizeof(v)) != 0)) {
			snprintf(field, fcap, "%.*s", (int)(kn < 31 ? kn : 31), p);
			snprintf(msg, mcap, "%s: bad or too long value", field);
			return -EINVAL;
		}
		if (n > 0 && filter_set(f, k, v, msg, mcap) != 0) {
			snprintf(field, fcap, "%s", k);
			return -EINVAL;
		}
		p += n + (p[n] == '&' ? 1 : 0);
	}
	return 0;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++) {
		if (app_ci_eqn(hay, needle, n)) {
			return true;
		}
	}
	return n == 0;
}

static bool match(const struct app_filter *f, const struct alog_entry *e, const cJSON *l)
{
	if ((f->has_id && e->id != f->id) || (f->acked >= 0 && e->acked != (f->acked == 1))) {
		return false;
	}
	if ((f->lan[0] && strcmp(app_jstr(l, "lan_ip"), f->lan) != 0) ||
	    (f->kind[0] && strcmp(app_jstr(l, "kind"), f->kind) != 0) ||
	    (f->video[0] && strcmp(app_jstr(l, "video"), f->video) != 0) ||
	    (f->action[0] && strcmp(app_jstr(l, "action"), f->action) != 0)) {
		return false;
	}
	return f->remote[0] == '\0' || strcmp(app_jstr(l, "remote_ip"), f->remote) == 0 ||
	       contains_ci(app_jstr(l, "remote_name"), f->remote);
}

/* One alert as the API shows it: the engine's object plus acked and first_ts. */
static cJSON *alert_obj(const struct alog_entry *e)
{
	cJSON *l = cJSON_ParseWithLength(e->line, e->len);
	char ts[32];

	if (!cJSON_IsObject(l)) {
		cJSON_Delete(l);
		return NULL;
	}
	cJSON_AddBoolToObject(l, "acked", e->acked);
	if (e->ts_us != 0) {
		fmt_time(e->ts_us / 1000u, ts, sizeof(ts));
		cJSON_AddStringToObject(l, "first_ts", ts);
	} else {
		cJSON_AddNullToObject(l, "first_ts");
	}
	return l;
}

/* Append one CSV cell: quoted when needed, formula starters defused. */
static void csv_cell(struct fmt_buf *b, const char *s, bool last)
{
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
		       s[0] == '\r';
	bool quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote) {
		fmt_printf(b, "\"");
	}
	if (formula) {
		fmt_printf(b, "'");
	}
	for (const char *p = s; *p != '\0'; p++) {
		fmt_printf(b, *p == '"' ? "\"\"" : "%c", *p);
	}
	fmt_printf(b, "%s%s", quote ? "\"" : "", last ? "\r\n" : ",");
}

static const char *const csv_cols[] = {
	"alert_id", "ts",    "lan_ip", "lan_mac", "remote_ip", "remote_port", "remote_name", "app",
	"kind",     "video", "mb",     "action",  "acked",     "evidence",    "file",
};
#define CSV_NCOLS (sizeof(csv_cols) / sizeof(csv_cols[0]))

static void csv_row(struct fmt_buf *b, const cJSON *o)
{
	for (size_t i = 0; i < CSV_NCOLS; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, csv_cols[i]);
		char num[40] = "";
		const char *s = num;
		if (strcmp(csv_cols[i], "mb") == 0) {
			const cJSON *by = cJSON_GetObjectItemCaseSensitive(o, "bytes_out");
			snprintf(num, sizeof(num), "%.3f",
				 cJSON_IsNumber(by) ? by->valuedouble / 1e6 : 0.0);
		} else if (cJSON_IsString(v)) {
			s = v->valuestring;
		} else if (cJSON_IsNumber(v)) {
			snprintf(num, sizeof(num), "%.0f", v->valuedouble);
		} else if (cJSON_IsBool(v)) {
			s = cJSON_IsTrue(v) ? "true" : "false";
		}
		csv_cell(b, s, i + 1 == CSV_NCOLS);
	}
}

static int alerts_csv(struct app *a, const struct app_filter *f, char *buf, size_t cap)
{
	struct fmt_buf b;
	const struct alog_entry *e;
	size_t shown = 0;

	fmt_init(&b, buf, cap);
	for (size_t i = 0; i < CSV_NCOLS; i++) {
		fmt_printf(&b, "%s%s", csv_cols[i], i + 1 == CSV_NCOLS ? "\r\n" : ",");
	}
	for (size_t i = 0;
	     a->alog != NULL && shown < f->limit && (e = alog_get(a->alog, i)) != NULL; i++) {
		cJSON *o = alert_obj(e);
		if (o != NULL && match(f, e, o)) {
			csv_row(&b, o);
			shown++;
		}
		cJSON_Delete(o);
	}
	return fmt_ok(&b) ? (int)b.len : -ENOSPC;
}

static int alerts_json(struct app *a, const struct app_filter *f, char *buf, size_t cap)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(j, "alerts");
	const struct alog_entry *e;
	struct alog_stats st;
	size_t shown = 0;

	memset(&st, 0, sizeof(st));
	for (size_t i = 0;
	     a->alog != NULL && shown < f->limit && (e = alog_get(a->alog, i)) != NULL; i++) {
		cJSON *o = alert_obj(e);
		if (o != NULL && match(f, e, o)) {
			cJSON_AddItemToArray(arr, o);
			shown++;
		} else {
			cJSON_Delete(o);
		}
	}
	if (a->alog != NULL) {
		alog_get_stats(a->alog, &st);
	}
	cJSON_AddNumberToObject(j, "count", (double)shown);
	cJSON_AddNumberToObject(j, "total", (double)st.entries);
	cJSON_AddNumberToObject(j, "unacked", (double)st.unacked);
	return app_jprint(j, buf, cap);
}

int app_alerts(struct app *a, const char *filter, bool csv, char *buf, size_t cap, char *field,
	       size_t fcap)
{
	struct app_filter *f = malloc(sizeof(*f));
	char dummy[32];
	int rc;

	if (f == NULL) {
		return -ENOMEM;
	}
	if (field == NULL || fcap == 0) {
		field = dummy;
		fcap = sizeof(dummy);
	}
	field[0] = '\0';
	rc = filter_parse(filter, f, field, fcap, buf, cap);
	if (rc == 0) {
		rc = csv ? alerts_csv(a, f, buf, cap) : alerts_json(a, f, buf, cap);
	}
	free(f);
	return rc;
}

int app_alerts_json(struct app *a, const char *filter, char *buf, size_t cap)
{
	return app_alerts(a, filter, false, buf, cap, NULL, 0);
}

/* ---- destinations ------------------------------------------------------------------ */

struct dest_ctx {
	struct app *a;
	cJSON *arr;
};

static cJSON *dest_find(cJSON *arr, const char *ip)
{
	cJSON *d;

	cJSON_ArrayForEach(d, arr)
	{
		if (strcmp(app_jstr(d, "remote_ip"), ip) == 0) {
			return d;
		}
	}
	return NULL;
}

static bool rejected(const struct app *a, const char *ip)
{
	for (size_t i = 0; i < a->rej_n; i++) {
		if (strcmp(a->rej[(a->rej_head + i) % CONFIG_APP_MAX_REJECT], ip) == 0) {
			return true;
		}
	}
	return false;
}

static void add_source(cJSON *d, const char *src)
{
	cJSON *s = cJSON_GetObjectItemCaseSensitive(d, "source");
	cJSON *x;

	if (!cJSON_IsArray(s)) {
		cJSON_DeleteItemFromObjectCaseSensitive(d, "source");
		s = cJSON_AddArrayToObject(d, "source");
	}
	cJSON_ArrayForEach(x, s)
	{
		if (cJSON_IsString(x) && strcmp(x->valuestring, src) == 0) {
			return;
		}
	}
	cJSON_AddItemToArray(s, cJSON_CreateString(src));
}

/* eng_report_destinations' callback: one learn-mode candidate line. */
static void on_dest(void *ctx, const char *line, size_t len)
{
	struct dest_ctx *c = ctx;
	cJSON *d = cJSON_ParseWithLength(line, len);

	if (!cJSON_IsObject(d) || app_jstr(d, "remote_ip")[0] == '\0' ||
	    cJSON_GetArraySize(c->arr) >= CONFIG_APP_MAX_DEST) {
		cJSON_Delete(d);
		return;
	}
	cJSON_AddNumberToObject(d, "alerts", 0);
	add_source(d, "learn");
	cJSON_AddItemToArray(c->arr, d);
}

static void set_num(cJSON *o, const char *k, double v)
{
	cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);

	if (cJSON_IsNumber(x)) {
		cJSON_SetNumberValue(x, v);
	} else {
		cJSON_DeleteItemFromObjectCaseSensitive(o, k);
		cJSON_AddNumberToObject(o, k, v);
	}
}

static bool has_source(const cJSON *d, const char *src)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(d, "source"))
	{
		if (cJSON_IsString(x) && strcmp(x->valuestring, src) == 0) {
			return true;
		}
	}
	return false;
}

static void add_lan_host(cJSON *d, const char *lan)
{
	cJSON *h = cJSON_GetObjectItemCaseSensitive(d, "lan_hosts");
	const cJSON *x;

	if (!cJSON_IsArray(h) || lan[0] == '\0' || cJSON_GetArraySize(h) >= 8) {
		return;
	}
	cJSON_ArrayForEach(x, h)
	{
		if (cJSON_IsString(x) && strcmp(x->valuestring, lan) == 0) {
			return;
		}
	}
	cJSON_AddItemToArray(h, cJSON_CreateString(lan));
}

/* Fold alert l into destination d: name, hosts, bytes, video, times, count. */
static void dest_fold(cJSON *d, const cJSON *l, const cJSON *by)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(l, "remote_name");
	const cJSON *dn = cJSON_GetObjectItemCaseSensitive(d, "remote_name");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(d, "bytes");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "alerts");
	double have = cJSON_IsNumber(b) ? b->valuedouble : 0;
	double add = cJSON_IsNumber(by) ? by->valuedouble : 0;
	const char *first = app_jstr(l, "first_ts"), *last = app_jstr(l, "ts");

	if (!cJSON_IsString(dn) && cJSON_IsString(name)) {
		cJSON_DeleteItemFromObjectCaseSensitive(d, "remote_name");
		cJSON_AddStringToObject(d, "remote_name", name->valuestring);
	}
	add_lan_host(d, app_jstr(l, "lan_ip"));
	/* Learn-mode bytes already count every upload; alerts alone add up per pair. */
	set_num(d, "bytes", has_source(d, "learn") ? (have > add ? have : add) : have + add);
	if (strcmp(app_jstr(l, "kind"), "video") == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(d, "video");
		cJSON_AddBoolToObject(d, "video", true);
	}
	if (first[0] != '\0' && strcmp(first, app_jstr(d, "first_seen")) < 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(d, "first_seen");
		cJSON_AddStringToObject(d, "first_seen", first);
	}
	if (strcmp(last, app_jstr(d, "last_seen")) > 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(d, "last_seen");
		cJSON_AddStringToObject(d, "last_seen", last);
	}
	set_num(d, "alerts", (cJSON_IsNumber(n) ? n->valuedouble : 0) + 1);
	add_source(d, "alert");
}

/* Merge one alert into the destination of its remote. */
static void merge_alert(cJSON *arr, const struct alog_entry *e)
{
	cJSON *l = alert_obj(e);
	const char *ip = app_jstr(l, "remote_ip");
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(l, "bytes_out");
	cJSON *d = ip[0] != '\0' ? dest_find(arr, ip) : NULL;

	if (l == NULL || ip[0] == '\0' ||
	    (d == NULL && cJSON_GetArraySize(arr) >= CONFIG_APP_MAX_DEST)) {
		cJSON_Delete(l);
		return;
	}
	if (d == NULL) {
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "remote_ip", ip);
		cJSON_AddNullToObject(d, "remote_name");
		cJSON_AddArrayToObject(d, "lan_hosts");
		cJSON_AddNumberToObject(d, "bytes", 0);
		cJSON_AddBoolToObject(d, "video", false);
		cJSON_AddStringToObject(d, "first_seen", app_jstr(l, "first_ts"));
		cJSON_AddStringToObject(d, "last_seen", app_jstr(l, "ts"));
		cJSON_AddNumberToObject(d, "alerts", 0);
		cJSON_AddItemToArray(arr, d);
	}
	dest_fold(d, l, by);
	cJSON_Delete(l);
}

int app_destinations_json(struct app *a, char *buf, size_t cap)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(j, "destinations");
	struct dest_ctx c = {.a = a, .arr = arr};
	const struct alog_entry *e;
	cJSON *d, *next;

	eng_report_destinations(a->eng, on_dest, &c);
	for (size_t i = 0; a->alog != NULL && (e = alog_get(a->alog, i)) != NULL; i++) {
		merge_alert(arr, e);
	}
	for (d = arr->child; d != NULL; d = next) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "remote_name");
		next = d->next;
		if (rejected(a, app_jstr(d, "remote_ip"))) {
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, d));
			continue;
		}
		cJSON_AddBoolToObject(d, "allowed",
				      app_allowed(a->cur, app_jstr(d, "remote_ip"),
						  cJSON_IsString(name) ? name->valuestring : NULL));
	}
	cJSON_AddNumberToObject(j, "count", cJSON_GetArraySize(arr));
	return app_jprint(j, buf, cap);
}
