/*
 * libFuzzer harness for the API's request handling (api_handle over the
 * real app, alog and auth) and for the alert log's line parser.
 *
 * Input: byte 0 chooses the method (bits 0-2) and whether the request
 * carries the session cookie (bit 3) and its CSRF token (bit 4); then the
 * target ("/api/alerts?acked=0") up to the first '\n'; the rest is the
 * body, which is also offered to alog_add() as an alert line. Whatever
 * comes in, the answer must be a known status, fit its buffer, and every
 * JSON answer must parse.
 *
 * Login, password change and logout are left out: they are dominated by
 * PBKDF2 (by design about 0.1 s each, run in steps over many handler
 * calls) or would end the one session, and test_auth/test_api cover them.
 * A deferred answer (HTTP_DEFER) is driven to its end as the server
 * would. Seeds live in tests/corpus/api/.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alog.h"
#include "api.h"
#include "app.h"
#include "auth.h"
#include "cfg.h"
#include "eng.h"
#include "web.h"

#include <cjson/cJSON.h>

/*
 * Storage is NULL here, so the stor wrappers are never called; weak
 * definitions only let the harness link before firmware/hal/stor.c exists.
 */
__attribute__((weak)) int stor_read(struct stor *s, const char *n, uint8_t *b, size_t c)
{
	(void)s, (void)n, (void)b, (void)c;
	return -ENOSYS;
}
__attribute__((weak)) int stor_write(struct stor *s, const char *n, const uint8_t *b, size_t l)
{
	(void)s, (void)n, (void)b, (void)l;
	return -ENOSYS;
}
__attribute__((weak)) int stor_append(struct stor *s, const char *n, const uint8_t *b, size_t l)
{
	(void)s, (void)n, (void)b, (void)l;
	return -ENOSYS;
}
__attribute__((weak)) int64_t stor_size(struct stor *s, const char *n)
{
	(void)s, (void)n;
	return -ENOSYS;
}
__attribute__((weak)) int stor_remove(struct stor *s, const char *n)
{
	(void)s, (void)n;
	return -ENOSYS;
}
__attribute__((weak)) int stor_rename(struct stor *s, const char *f, const char *t)
{
	(void)s, (void)f, (void)t;
	return -ENOSYS;
}

static const uint8_t fz_gz[] = {0x1f, 0x8b};
static const struct web_asset fz_page = {"/", "text/html", fz_gz, sizeof(fz_gz), 2, "\"x\""};

__attribute__((weak)) const struct web_asset *web_find(const char *path)
{
	return strcmp(path, "/") == 0 ? &fz_page : NULL;
}

struct fz {
	struct cfg cfg;
	struct eng *eng;
	struct alog *alog;
	struct auth *auth;
	struct app *app;
	struct api *api;
	struct auth_session_out s;
	uint64_t now;
};

static uint64_t fz_clock(void *ctx)
{
	return ((struct fz *)ctx)->now;
}

/* One engine, log, auth, app and API for the whole run, with one logged-in session. */
static struct fz *fz_get(void)
{
	static struct fz *f;
	char otp[AUTH_OTP_LEN + 1];
	bool first;
	uint32_t retry;
	const char *why;
	struct auth_src src = {.family = 4};

	if (f != NULL) {
		return f;
	}
	f = calloc(1, sizeof(*f));
	cfg_default(&f->cfg);
	struct eng_params ep = {.cfg = &f->cfg, .max_flows = 64};
	struct alog_params ap = {.ring = 16};
	f->eng = eng_create(&ep);
	f->alog = alog_create(&ap);
	f->auth = auth_create(NULL, otp, &first);
	if (f->eng == NULL || f->alog == NULL || f->auth == NULL ||
	    auth_login(f->auth, &src, otp, 0, &f->s, &retry) != 0 ||
	    auth_set_password(f->auth, f->s.session, otp, "fuzzing password", &why) != 0) {
		abort();
	}
	struct app_params pp = {.cfg = &f->cfg, .eng = f->eng, .alog = f->alog, .auth = f->auth};
	f->app = app_create(&pp);
	struct api_params ip = {
		.app = f->app, .auth = f->auth, .alog = f->alog, .now_ms = fz_clock, .now_ctx = f};
	f->api = api_create(&ip);
	if (f->app == NULL || f->api == NULL) {
		abort();
	}
	return f;
}

static bool known_status(int s)
{
	static const int ok[] = {200, 202, 400, 401, 403, 404, 405, 415, 429, 500, 503};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (s == ok[i]) {
			return true;
		}
	}
	return false;
}

static void check(const struct http_resp *rs)
{
	if (!known_status(rs->status) || (rs->buf != NULL && rs->len > rs->cap)) {
		abort();
	}
	if (rs->content_type != NULL && strcmp(rs->content_type, "application/json") == 0) {
		cJSON *j = cJSON_ParseWithLength(rs->buf, rs->len);
		if (j == NULL) {
			abort();
		}
		cJSON_Delete(j);
	}
	if (memchr(rs->headers, '\0', sizeof(rs->headers)) == NULL) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum http_method methods[] = {HTTP_M_GET,    HTTP_M_POST, HTTP_M_PUT,
						   HTTP_M_DELETE, HTTP_M_HEAD, HTTP_M_OTHER};
	struct fz *f = fz_get();
	struct http_req *rq;
	struct http_resp rs;
	const uint8_t *nl;
	size_t tlen;

	if (size < 1) {
		return 0;
	}
	nl = memchr(data + 1, '\n', size - 1);
	tlen = nl != NULL ? (size_t)(nl - (data + 1)) : size - 1;
	/* The server never hands over a target with NUL or "..", nor one too long. */
	if (memchr(data + 1, '\0', tlen) != NULL || tlen >= HTTP_PATH_MAX) {
		return 0;
	}
	rq = calloc(1, sizeof(*rq));
	memcpy(rq->path, data + 1, tlen);
	char *q = strchr(rq->path, '?');
	if (q != NULL) {
		*q = '\0';
		snprintf(rq->query, sizeof(rq->query), "%s", q + 1);
	}
	if (strstr(rq->path, "..") != NULL || strcmp(rq->path, "/api/login") == 0 ||
	    strcmp(rq->path, "/api/password") == 0 || strcmp(rq->path, "/api/logout") == 0) {
		free(rq);
		return 0;
	}
	rq->method = methods[(data[0] & 7u) % 6u];
	if (data[0] & 8u) {
		memcpy(rq->session, f->s.session, sizeof(f->s.session));
	}
	if (data[0] & 16u) {
		memcpy(rq->csrf, f->s.csrf, sizeof(f->s.csrf));
	}
	rq->body = nl != NULL ? nl + 1 : NULL;
	rq->body_len = nl != NULL ? size - tlen - 2 : 0;
	rq->peer.family = 4;
	strcpy(rq->content_type, "application/json");
	memset(&rs, 0, sizeof(rs));
	api_handle(f->api, rq, &rs);
	for (uint32_t calls = 0; rs.status == HTTP_DEFER; calls++) {
		if (rs.defer == NULL || calls > 100000) {
			abort(); /* a deferral must carry its state and end */
		}
		rs.defer_calls++;
		api_handle(f->api, rq, &rs);
	}
	check(&rs);
	free(rs.buf);
	if (rq->body_len > 0) {
		alog_add(f->alog, (const char *)rq->body, rq->body_len);
	}
	free(rq);
	return 0;
}
