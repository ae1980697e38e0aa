/*
 * api: routing and access control of the JSON API (docs/api.md), and the
 * embedded page for every other path.
 *
 * One table lists each endpoint with its methods and what it needs; the
 * checks run in a fixed order for every request (endpoint, method,
 * session, CSRF, must-change) before any handler sees it, so no handler
 * can forget one. Handlers only parse their body and call the app or auth.
 * Every JSON answer is built with cJSON or copied from a document that
 * cfg/app produced, so strings are always escaped.
 *
 * Logins and password changes hash a password (PBKDF2, a large fraction
 * of a second) and the loop that forwards frames must not wait for that:
 * they start an auth job, run one step of it, and answer HTTP_DEFER with
 * the job in rs->defer; the server calls api_handle() again every loop
 * pass, which runs the next step (api_resume) until the job answers.
 */
#include "api.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "brd.h"
#include "web.h"

#include <cjson/cJSON.h>

#define API_FIELD_MAX 64
#define API_MSG_MAX   256

/* What an endpoint requires. */
#define NEED_SESSION 0x1u
#define NEED_CSRF    0x2u
#define MC_OK        0x4u /* allowed for a must-change session */

struct api {
	struct app *app;
	struct auth *auth;
	struct alog *alog;
	uint64_t (*now_ms)(void *ctx);
	void *now_ctx;
};

/* One request in flight. */
struct api_rq {
	struct api *api;
	const struct http_req *rq;
	struct http_resp *rs;
	cJSON *body; /* the parsed body of a POST/PUT, or NULL */
};

typedef void (*api_fn)(struct api_rq *r);

struct api_route {
	const char *path;
	enum http_method method;
	unsigned need;
	api_fn fn;
};

/* ---- responses ------------------------------------------------------------------ */

static void hdr(struct http_resp *rs, const char *name, const char *value)
{
	size_t used = strnlen(rs->headers, sizeof(rs->headers));
	int n = snprintf(rs->headers + used, sizeof(rs->headers) - used, "%s: %s\r\n", name, value);

	if (n < 0 || (size_t)n >= sizeof(rs->headers) - used) {
		rs->headers[used] = '\0'; /* never half a header line */
	}
}

/* Make sure rs has a body buffer (see api.h); false when none can be had. */
static bool have_buf(struct http_resp *rs)
{
	if (rs->buf == NULL) {
		rs->buf = malloc((size_t)CONFIG_API_RESP_KB * 1024u);
		rs->cap = rs->buf != NULL ? (size_t)CONFIG_API_RESP_KB * 1024u : 0;
	}
	return rs->buf != NULL && rs->cap > 64;
}

/* Answer with text of n bytes already in rs->buf, or an overflow error. */
static void send_buf(struct http_resp *rs, int status, const char *ctype, int n)
{
	if (n < 0) {
		/* The one answer that must always fit. */
		snprintf(rs->buf, rs->cap, "{\"error\":\"response too large\"}");
		status = 500;
		ctype = "application/json";
		n = (int)strlen(rs->buf);
	}
	rs->status = status;
	rs->content_type = ctype;
	rs->body = NULL;
	rs->len = (size_t)n;
}

static void send_json(struct http_resp *rs, int status, cJSON *j)
{
	int ok = j != NULL && have_buf(rs) && rs->cap < (size_t)INT32_MAX &&
		 cJSON_PrintPreallocated(j, rs->buf, (int)rs->cap - 5, 0);

	cJSON_Delete(j);
	if (rs->buf == NULL) {
		rs->status = 500;
		rs->content_type = NULL;
		rs->len = 0;
		return;
	}
	send_buf(rs, status, "application/json", ok ? (int)strlen(rs->buf) : -ENOSPC);
}

/* {"error": msg, "field": field} (field only when not NULL). */
__attribute__((format(printf, 4, 5))) static void send_err(struct http_resp *rs, int status,
							   const char *field, const char *fmt, ...)
{
	char msg[API_MSG_MAX];
	va_list ap;
	cJSON *j = cJSON_CreateObject();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(j, "error", msg);
	if (field != NULL) {
		cJSON_AddStringToObject(j, "field", field);
	}
	send_json(rs, status, j);
}

static void send_ok(struct http_resp *rs, int status)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddBoolToObject(j, "ok", true);
	send_json(rs, status, j);
}

/* ---- body helpers ---------------------------------------------------------------- */

static const cJSON *field_of(struct api_rq *r, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(r->body, key);
}

/* A string field, or NULL after answering 400 naming it. */
static const char *need_str(struct api_rq *r, const char *key)
{
	const cJSON *v = field_of(r, key);

	if (!cJSON_IsString(v)) {
		send_err(r->rs, 400, key, "%s: missing or not a string", key);
		return NULL;
	}
	return v->valuestring;
}

/* An unsigned 32-bit integer field; false after answering 400 naming it. */
static bool need_u32(struct api_rq *r, const char *key, uint32_t *out)
{
	const cJSON *v = field_of(r, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 4294967295.0 ||
	    v->valuedouble != (double)(uint32_t)v->valuedouble) {
		send_err(r->rs, 400, key, "%s: must be an integer from 0 to 4294967295", key);
		return false;
	}
	*out = (uint32_t)v->valuedouble;
	return true;
}

static uint64_t now(const struct api *api)
{
	return api->now_ms != NULL ? api->now_ms(api->now_ctx) : brd_now_ms();
}

/* ---- authentication endpoints ---------------------------------------------------- */

static void set_cookie(struct http_resp *rs, const char *tok)
{
	char v[160];

	snprintf(v, sizeof(v), "%s=%s; Path=/;%s HttpOnly; Secure; SameSite=Strict",
		 HTTP_SESSION_COOKIE, tok, tok[0] == '\0' ? " Max-Age=0;" : "");
	hdr(rs, "Set-Cookie", v);
}

/* The server no longer waits for this job's answer (client gone, deadline). */
static void job_drop(void *job)
{
	auth_job_cancel(job);
}

static void send_retry(struct http_resp *rs, int status, uint32_t retry, const char *msg)
{
	char sec[16];
	cJSON *j = cJSON_CreateObject();

	snprintf(sec, sizeof(sec), "%u", (unsigned)retry);
	hdr(rs, "Retry-After", sec);
	cJSON_AddStringToObject(j, "error", msg);
	cJSON_AddNumberToObject(j, "retry_s", retry);
	send_json(rs, status, j);
}

/* Answer a login whose check ended with rc. */
static void login_answer(struct http_resp *rs, int rc, struct auth_result *res)
{
	if (rc == 0) {
		cJSON *j = cJSON_CreateObject();
		set_cookie(rs, res->sess.session);
		cJSON_AddStringToObject(j, "csrf", res->sess.csrf);
		cJSON_AddBoolToObject(j, "must_change", res->sess.must_change);
		cJSON_AddNumberToObject(j, "idle_s", CONFIG_AUTH_IDLE_S);
		send_json(rs, 200, j);
	} else if (rc == -EBUSY) {
		send_retry(rs, 429, res->retry_s, "too many failed logins, try again later");
	} else if (rc == -EAGAIN) {
		send_retry(rs, 503, res->retry_s != 0 ? res->retry_s : 1,
			   "too many password checks in progress, try again");
	} else if (rc == -ENOSPC) {
		send_err(rs, 503, NULL, "too many sessions");
	} else if (rc == -EACCES) {
		send_err(rs, 401, NULL, "wrong password");
	} else {
		send_err(rs, 500, NULL, "login failed (%d)", rc);
	}
	memset(res, 0, sizeof(*res));
}

/* Answer a password change that ended with rc. */
static void password_answer(struct http_resp *rs, int rc, const char *why)
{
	if (rc == 0) {
		send_ok(rs, 200);
	} else if (rc == -EACCES) {
		send_err(rs, 400, "old", "wrong password");
	} else if (rc == -EINVAL) {
		send_err(rs, 400, "new", "%s", why != NULL ? why : "bad new password");
	} else if (rc == -EAGAIN) {
		send_retry(rs, 503, 1, "too many password checks in progress, try again");
	} else {
		send_err(rs, 500, NULL, "could not save the password");
	}
}

/*
 * Run one step of the request's job (rs->defer). true when it finished:
 * *rc and *res hold its result and the job is gone; false after
 * answering HTTP_DEFER.
 */
static bool job_step(struct api *api, struct http_resp *rs, int *rc, struct auth_result *res)
{
	*rc = auth_job_run(rs->defer, now(api), res);
	if (*rc == -EINPROGRESS) {
		rs->status = HTTP_DEFER;
		rs->defer_drop = job_drop;
		return false;
	}
	rs->defer = NULL;
	rs->defer_drop = NULL;
	return true;
}

static void ep_login(struct api_rq *r)
{
	struct auth_src src;
	struct auth_result res;
	struct auth_job *job = NULL;
	const char *pw = need_str(r, "password");
	int rc;

	if (pw == NULL) {
		return;
	}
	memset(&src, 0, sizeof(src));
	memset(&res, 0, sizeof(res));
	src.family = r->rq->peer.family;
	memcpy(src.addr, r->rq->peer.addr, sizeof(src.addr));
	rc = auth_login_start(r->api->auth, &src, pw, now(r->api), &job, &res.retry_s);
	if (rc == 0) {
		r->rs->defer = job;
		if (!job_step(r->api, r->rs, &rc, &res)) {
			return;
		}
	}
	login_answer(r->rs, rc, &res);
}

static void ep_logout(struct api_rq *r)
{
	auth_logout(r->api->auth, r->rq->session);
	set_cookie(r->rs, "");
	send_ok(r->rs, 200);
}

static void ep_session(struct api_rq *r)
{
	struct auth_session_out out;
	cJSON *j;

	if (auth_session_info(r->api->auth, r->rq->session, &out) != 0) {
		send_err(r->rs, 401, NULL, "not logged in");
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "logged_in", true);
	cJSON_AddBoolToObject(j, "must_change", out.must_change);
	cJSON_AddStringToObject(j, "csrf", out.csrf);
	cJSON_AddNumberToObject(j, "idle_s", CONFIG_AUTH_IDLE_S);
	send_json(r->rs, 200, j);
}

static void ep_password(struct api_rq *r)
{
	const char *old_pw = need_str(r, "old");
	const char *new_pw = old_pw != NULL ? need_str(r, "new") : NULL;
	struct auth_result res;
	struct auth_job *job = NULL;
	const char *why = NULL;
	int rc;

	if (new_pw == NULL) {
		return;
	}
	memset(&res, 0, sizeof(res));
	rc = auth_password_start(r->api->auth, r->rq->session, old_pw, new_pw, &job, &why);
	if (rc == 0) {
		r->rs->defer = job;
		if (!job_step(r->api, r->rs, &rc, &res)) {
			return;
		}
		why = res.why;
	}
	password_answer(r->rs, rc, why);
}

/* The next step of a deferred login or password change (rs->defer is its job). */
static void api_resume(struct api *api, const struct http_req *rq, struct http_resp *rs)
{
	struct auth_result res;
	int rc;

	memset(&res, 0, sizeof(res));
	if (!job_step(api, rs, &rc, &res)) {
		return;
	}
	if (!have_buf(rs)) {
		rs->status = 500;
		return;
	}
	if (strcmp(rq->path, "/api/login") == 0) {
		login_answer(rs, rc, &res);
	} else {
		password_answer(rs, rc, res.why);
	}
}

/* ---- documents ---------------------------------------------------------------------- */

/* Answer with a document an app function writes into rs->buf. */
static void send_doc(struct api_rq *r, int n, const char *ctype)
{
	send_buf(r->rs, 200, ctype, n);
}

static void ep_status(struct api_rq *r)
{
	send_doc(r, app_status_json(r->api->app, r->rs->buf, r->rs->cap), "application/json");
}

static void ep_system(struct api_rq *r)
{
	send_doc(r, app_system_json(r->api->app, r->rs->buf, r->rs->cap), "application/json");
}

static void alerts(struct api_rq *r, bool export, bool csv)
{
	char field[API_FIELD_MAX];
	char *q = malloc(HTTP_QUERY_MAX + 16);
	int n;

	if (q == NULL) {
		send_err(r->rs, 500, NULL, "out of memory");
		return;
	}
	/* Exports default to every alert; a limit in the query still wins (it comes later). */
	snprintf(q, HTTP_QUERY_MAX + 16, "%s%s", export ? "limit=0&" : "", r->rq->query);
	n = app_alerts(r->api->app, q, csv, r->rs->buf, r->rs->cap, field, sizeof(field));
	free(q);
	if (n == -EINVAL) {
		char msg[API_MSG_MAX];
		snprintf(msg, sizeof(msg), "%s", r->rs->buf);
		send_err(r->rs, 400, field, "%s", msg);
		return;
	}
	if (export) {
		hdr(r->rs, "Content-Disposition",
		    csv ? "attachment; filename=\"leaktap-alerts.csv\""
			: "attachment; filename=\"leaktap-alerts.json\"");
	}
	send_doc(r, n, csv ? "text/csv; charset=utf-8" : "application/json");
}

static void ep_alerts(struct api_rq *r)
{
	alerts(r, false, false);
}

static void ep_alerts_json(struct api_rq *r)
{
	alerts(r, true, false);
}

static void ep_alerts_csv(struct api_rq *r)
{
	alerts(r, true, true);
}

static void ep_ack(struct api_rq *r)
{
	uint32_t id = 0;
	struct alog_stats st;
	cJSON *j;

	if (!cJSON_IsTrue(field_of(r, "all")) && !need_u32(r, "id", &id)) {
		return;
	}
	if (app_ack(r->api->app, id) != 0 && id != 0) {
		send_err(r->rs, 404, "id", "no such alert");
		return;
	}
	memset(&st, 0, sizeof(st));
	if (r->api->alog != NULL) {
		alog_get_stats(r->api->alog, &st);
	}
	j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", true);
	cJSON_AddNumberToObject(j, "unacked", (double)st.unacked);
	send_json(r->rs, 200, j);
}

/* Answer an app edit that failed with rc and msg ("field: text"). */
static void send_edit_err(struct api_rq *r, int rc, const char *msg)
{
	char field[API_FIELD_MAX];
	const char *colon = strstr(msg, ": ");
	size_t k = colon != NULL ? (size_t)(colon - msg) : 0;

	snprintf(field, sizeof(field), "%.*s", (int)(k < sizeof(field) ? k : 0), msg);
	if (rc == -ENOENT) {
		send_err(r->rs, 404, field[0] ? field : NULL, "%s", msg[0] ? msg : "not found");
	} else if (rc == -EINVAL) {
		send_err(r->rs, 400, field, "%s", msg);
	} else {
		send_err(r->rs, 500, NULL, "%s", msg[0] ? msg : "failed");
	}
}

static void ep_allow(struct api_rq *r)
{
	char entry[CFG_NAME_MAX + 1], msg[API_MSG_MAX] = "";
	bool remove = cJSON_IsTrue(field_of(r, "remove"));
	uint32_t id;
	int rc;

	if (field_of(r, "alert_id") != NULL && !remove) {
		if (!need_u32(r, "alert_id", &id)) {
			return;
		}
		rc = app_allow_alert(r->api->app, id, entry, sizeof(entry), msg, sizeof(msg));
		if (rc == -ENOENT && entry[0] == '\0') {
			send_err(r->rs, 404, "alert_id", "no such alert");
			return;
		}
	} else {
		const char *e = need_str(r, "entry");
		if (e == NULL) {
			return;
		}
		snprintf(entry, sizeof(entry), "%s", e);
		rc = app_allow(r->api->app, e, !remove, msg, sizeof(msg));
	}
	if (rc != 0 && rc != -EEXIST) {
		send_edit_err(r, rc, msg);
		return;
	}
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", true);
	cJSON_AddStringToObject(j, "entry", entry);
	cJSON_AddBoolToObject(j, remove ? "removed" : "added", rc == 0);
	if (app_config_get(r->api->app, "allow", r->rs->buf, r->rs->cap) > 0) {
		cJSON_AddItemToObject(j, "allow", cJSON_Parse(r->rs->buf));
	}
	send_json(r->rs, 200, j);
}

static void ep_config_get(struct api_rq *r)
{
	send_doc(r, app_config_json(r->api->app, r->rs->buf, r->rs->cap), "application/json");
}

static void ep_backup(struct api_rq *r)
{
	hdr(r->rs, "Content-Disposition", "attachment; filename=\"leaktap-config.json\"");
	ep_config_get(r);
}

static void ep_config_put(struct api_rq *r)
{
	char field[API_FIELD_MAX], msg[API_MSG_MAX];
	const char *body = (const char *)r->rq->body;
	size_t len = r->rq->body_len;
	int rc = app_config_put(r->api->app, body != NULL ? body : "", body != NULL ? len : 0,
				field, sizeof(field), msg, sizeof(msg));
	cJSON *j = cJSON_CreateObject();

	if (rc == 0) {
		cJSON_AddBoolToObject(j, "ok", true);
		if (app_config_json(r->api->app, r->rs->buf, r->rs->cap) > 0) {
			cJSON_AddItemToObject(j, "config", cJSON_Parse(r->rs->buf));
		}
		send_json(r->rs, 200, j);
		return;
	}
	if (rc != -EINVAL) {
		cJSON_AddStringToObject(j, "error",
					rc == -EIO ? "applied but could not be saved"
						   : "could not apply the configuration");
		send_json(r->rs, 500, j);
		return;
	}
	cJSON_AddStringToObject(j, "error", msg);
	cJSON_AddStringToObject(j, "field", field);
	/* All bad keys, each checked alone, so the page can mark every field at once. */
	if (body != NULL && app_config_errors(body, len, r->rs->buf, r->rs->cap) > 0) {
		cJSON *errs = cJSON_Parse(r->rs->buf);
		if (field[0] != '\0' && cJSON_GetObjectItemCaseSensitive(errs, field) == NULL) {
			const char *c = strstr(msg, ": ");
			cJSON_AddStringToObject(errs, field, c != NULL ? c + 2 : msg);
		}
		cJSON_AddItemToObject(j, "errors", errs);
	}
	send_json(r->rs, 400, j);
}

static void ep_destinations(struct api_rq *r)
{
	send_doc(r, app_destinations_json(r->api->app, r->rs->buf, r->rs->cap), "application/json");
}

static void ep_reject(struct api_rq *r)
{
	const char *ip = need_str(r, "remote_ip");

	if (ip == NULL) {
		return;
	}
	if (app_reject(r->api->app, ip) != 0) {
		send_err(r->rs, 400, "remote_ip", "remote_ip: not an IPv4 or IPv6 address");
		return;
	}
	send_ok(r->rs, 200);
}

static void ep_reboot(struct api_rq *r)
{
	if (!app_can_reboot(r->api->app)) {
		send_err(r->rs, 500, NULL, "reboot not available");
		return;
	}
	send_ok(r->rs, 202);
	/* The board's hook restarts after this answer has been sent. */
	app_reboot(r->api->app);
}

static void ep_factory(struct api_rq *r)
{
	const cJSON *c = field_of(r, "confirm");

	if (!cJSON_IsString(c) || strcmp(c->valuestring, "factory-reset") != 0) {
		send_err(r->rs, 400, "confirm", "confirm: must be \"factory-reset\"");
		return;
	}
	send_ok(r->rs, 202);
	app_factory_reset(r->api->app);
}

/* ---- routing ------------------------------------------------------------------------ */

#define RAW_BODY 0x8u /* the handler reads the body itself (a configuration document) */
#define S        NEED_SESSION
#define SC       (NEED_SESSION | NEED_CSRF)

static const struct api_route routes[] = {
	{"/api/login", HTTP_M_POST, 0, ep_login},
	{"/api/logout", HTTP_M_POST, SC | MC_OK, ep_logout},
	{"/api/session", HTTP_M_GET, S | MC_OK, ep_session},
	{"/api/password", HTTP_M_POST, SC | MC_OK, ep_password},
	{"/api/status", HTTP_M_GET, S, ep_status},
	{"/api/system", HTTP_M_GET, S, ep_system},
	{"/api/alerts", HTTP_M_GET, S, ep_alerts},
	{"/api/alerts.json", HTTP_M_GET, S, ep_alerts_json},
	{"/api/alerts.csv", HTTP_M_GET, S, ep_alerts_csv},
	{"/api/alerts/ack", HTTP_M_POST, SC, ep_ack},
	{"/api/allow", HTTP_M_POST, SC, ep_allow},
	{"/api/config", HTTP_M_GET, S, ep_config_get},
	{"/api/config", HTTP_M_PUT, SC | RAW_BODY, ep_config_put},
	{"/api/config/backup", HTTP_M_GET, S, ep_backup},
	{"/api/config/restore", HTTP_M_POST, SC | RAW_BODY, ep_config_put},
	{"/api/destinations", HTTP_M_GET, S, ep_destinations},
	{"/api/destinations/reject", HTTP_M_POST, SC, ep_reject},
	{"/api/reboot", HTTP_M_POST, SC, ep_reboot},
	{"/api/factory-reset", HTTP_M_POST, SC, ep_factory},
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *method_name(enum http_method m)
{
	switch (m) {
	case HTTP_M_GET:
		return "GET";
	case HTTP_M_HEAD:
		return "HEAD";
	case HTTP_M_POST:
		return "POST";
	case HTTP_M_PUT:
		return "PUT";
	case HTTP_M_DELETE:
		return "DELETE";
	default:
		return "";
	}
}

/* The route for path and method; *path_known says whether the path exists at all. */
static const struct api_route *find_route(const char *path, enum http_method m, char *allow,
					  size_t acap, bool *path_known)
{
	const struct api_route *hit = NULL;

	*path_known = false;
	allow[0] = '\0';
	for (size_t i = 0; i < N_ROUTES; i++) {
		if (strcmp(routes[i].path, path) != 0) {
			continue;
		}
		*path_known = true;
		size_t used = strlen(allow);
		snprintf(allow + used, acap - used, "%s%s", used ? ", " : "",
			 method_name(routes[i].method));
		/* HEAD is answered like GET (the server sends no body). */
		if (routes[i].method == m || (m == HTTP_M_HEAD && routes[i].method == HTTP_M_GET)) {
			hit = &routes[i];
		}
	}
	return hit;
}

/* Session, CSRF and must-change checks; false after answering 401/403. */
static bool access_ok(struct api_rq *r, unsigned need)
{
	bool must_change = false;

	if (!(need & NEED_SESSION)) {
		return true;
	}
	if (auth_check(r->api->auth, r->rq->session, now(r->api), &must_change) != 0) {
		send_err(r->rs, 401, NULL, "not logged in");
		return false;
	}
	if ((need & NEED_CSRF) && auth_check_csrf(r->api->auth, r->rq->session, r->rq->csrf) != 0) {
		send_err(r->rs, 403, NULL, "CSRF token missing or wrong");
		return false;
	}
	if (must_change && !(need & MC_OK)) {
		send_err(r->rs, 403, NULL, "password change required");
		return false;
	}
	return true;
}

/* "application/json", optionally with parameters ("; charset=utf-8"), any case. */
static bool is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	for (size_t i = 0; i < n; i++) {
		char c = ct[i] >= 'A' && ct[i] <= 'Z' ? (char)(ct[i] + 32) : ct[i];
		if (c != want[i]) {
			return false;
		}
	}
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void api_route(struct api *api, const struct http_req *rq, struct http_resp *rs)
{
	struct api_rq r = {.api = api, .rq = rq, .rs = rs};
	char allow[64];
	bool known;
	const struct api_route *rt = find_route(rq->path, rq->method, allow, sizeof(allow), &known);

	hdr(rs, "Cache-Control", "no-store");
	if (!have_buf(rs)) {
		return; /* 500 without a body: nothing else can be said */
	}
	if (!known) {
		send_err(rs, 404, NULL, "no such endpoint");
		return;
	}
	if (rt == NULL) {
		hdr(rs, "Allow", allow);
		send_err(rs, 405, NULL, "method not allowed");
		return;
	}
	/*
	 * A cross-site page can POST text/plain without a preflight, but not
	 * application/json: requiring it keeps other sites from driving
	 * logins (guessing, or locking the office out) through a browser.
	 */
	if ((rq->method == HTTP_M_POST || rq->method == HTTP_M_PUT) && rt->fn != ep_logout &&
	    !is_json_type(rq->content_type)) {
		send_err(rs, 415, NULL, "Content-Type must be application/json");
		return;
	}
	if (!access_ok(&r, rt->need)) {
		return;
	}
	if ((rq->method == HTTP_M_POST || rq->method == HTTP_M_PUT) && !(rt->need & RAW_BODY) &&
	    rt->fn != ep_logout) {
		r.body = cJSON_ParseWithLength((const char *)rq->body, rq->body_len);
		if (!cJSON_IsObject(r.body)) {
			cJSON_Delete(r.body);
			send_err(rs, 400, "", "the body must be a JSON object");
			return;
		}
	}
	rt->fn(&r);
	cJSON_Delete(r.body);
}

/* Every path outside /api/: the embedded page. */
static void asset(const struct http_req *rq, struct http_resp *rs)
{
	const struct web_asset *w;

	if (rq->method != HTTP_M_GET && rq->method != HTTP_M_HEAD) {
		hdr(rs, "Allow", "GET, HEAD");
		send_err(rs, 405, NULL, "method not allowed");
		return;
	}
	w = web_find(rq->path);
	if (w == NULL) {
		send_err(rs, 404, NULL, "not found");
		return;
	}
	hdr(rs, "ETag", w->etag);
	hdr(rs, "Cache-Control", "no-cache");
	hdr(rs, "Content-Security-Policy",
	    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
	    "frame-ancestors 'none'");
	rs->status = 200;
	rs->content_type = w->content_type;
	/* Assets exist only compressed; every browser accepts gzip. */
	rs->content_encoding = "gzip";
	rs->body = w->gz;
	rs->len = w->gz_len;
}

struct api *api_create(const struct api_params *p)
{
	struct api *api;

	if (p == NULL || p->app == NULL || p->auth == NULL) {
		return NULL;
	}
	api = calloc(1, sizeof(*api));
	if (api != NULL) {
		api->app = p->app;
		api->auth = p->auth;
		api->alog = p->alog;
		api->now_ms = p->now_ms;
		api->now_ctx = p->now_ctx;
	}
	return api;
}

void api_destroy(struct api *api)
{
	free(api);
}

void api_handle(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct api *api = ctx;

	if (rs->defer != NULL) {
		/* Called again for a request that answered HTTP_DEFER: headers are set. */
		api_resume(api, rq, rs);
		return;
	}
	rs->status = 500;
	rs->content_type = NULL;
	rs->content_encoding = NULL;
	rs->body = NULL;
	rs->len = 0;
	hdr(rs, "X-Content-Type-Options", "nosniff");
	hdr(rs, "X-Frame-Options", "DENY");
	hdr(rs, "Referrer-Policy", "no-referrer");
	if (rq->peer.tls) {
		hdr(rs, "Strict-Transport-Security", "max-age=31536000");
	}
	if (strncmp(rq->path, "/api/", 5) == 0 || strcmp(rq->path, "/api") == 0) {
		api_route(api, rq, rs);
	} else {
		asset(rq, rs);
	}
}
