/*
 * api: the web page's JSON API and asset server, as one mgmt_http_cb.
 *
 * Routes the /api/ paths as docs/api.md describes (authentication, CSRF, JSON in
 * and out) over the app facade and auth; every other GET/HEAD path is an
 * embedded asset from web_find(). Runs in the loop and never blocks: a
 * login or password change answers HTTP_DEFER (http.h) while its PBKDF2
 * runs in steps of CONFIG_AUTH_PBKDF2_STEP iterations, one per call.
 *
 * Response buffer: when the server hands a request over with rs->buf set
 * (rs->cap bytes), the answer is written there. When rs->buf is NULL the
 * handler allocates CONFIG_API_RESP_KB KiB with malloc() and stores it in
 * rs->buf/rs->cap; the server owns it from then on and free()s it after
 * sending. Asset bodies point to static data (rs->body) instead.
 */
#ifndef LEAKTAP_API_H
#define LEAKTAP_API_H

#include <stdint.h>

#include "alog.h"
#include "app.h"
#include "auth.h"
#include "http.h"

struct api_params {
	struct app *app;
	struct auth *auth;
	struct alog *alog; /* for the unacked count after an ack; may be NULL */
	/* Monotonic milliseconds for session expiry and lockout; NULL = brd_now_ms(). */
	uint64_t (*now_ms)(void *ctx);
	void *now_ctx;
};

struct api;

/* NULL when out of memory or app/auth missing. */
struct api *api_create(const struct api_params *p);
void api_destroy(struct api *api);

/*
 * The mgmt_http_cb: answer rq into rs (ctx is the struct api *). rs must
 * be zeroed by the server except buf/cap. Always sets rs->status.
 */
void api_handle(void *ctx, const struct http_req *rq, struct http_resp *rs);

#endif /* LEAKTAP_API_H */
