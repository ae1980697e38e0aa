/*
 * auth: the web page's and API's authentication.
 *
 * No default password: on first boot auth_create() makes a random one-time
 * password that the console prints; logging in with it only allows setting
 * a new password. Passwords are kept only as salted PBKDF2-HMAC-SHA256
 * (CONFIG_AUTH_PBKDF2_ITER iterations, at least 200,000). Sessions are
 * random 256-bit tokens with an idle expiry; each has its own CSRF token
 * that every state-changing request must echo. Failed logins are rate
 * limited per source address, with lockout. Every secret comparison is
 * constant-time. Time comes from the caller (now_ms), randomness from
 * brd_random().
 */
#ifndef LEAKTAP_AUTH_H
#define LEAKTAP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stor.h"

#define AUTH_TOKEN_LEN 64 /* hex characters of a session or CSRF token */
#define AUTH_PW_MIN    10 /* shortest new password accepted */
#define AUTH_PW_MAX    128
#define AUTH_OTP_LEN   16 /* characters of the one-time password */

struct auth;

/*
 * Load credentials from stor ("auth.json") or, when there are none, make
 * a one-time password: *first_otp (AUTH_OTP_LEN + 1 bytes) receives it and
 * *first_boot is set; otherwise first_otp is "". stor may be NULL (tests:
 * memory only). NULL when out of memory or the stored file is corrupt
 * and cannot be replaced.
 */
struct auth *auth_create(struct stor *stor, char *first_otp, bool *first_boot);
void auth_destroy(struct auth *a);

/* A source address as the key of rate limiting. */
struct auth_src {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16];
};

struct auth_session_out {
	char session[AUTH_TOKEN_LEN + 1];
	char csrf[AUTH_TOKEN_LEN + 1];
	bool must_change; /* logged in with the one-time password: only password change allowed */
};

/*
 * Check a login synchronously (auth_login_start() run to the end: blocks
 * for the whole PBKDF2, for the console and tests). 0 with a new session; -EACCES wrong password;
 * -EBUSY locked out, or CONFIG_AUTH_HASHES_PER_S checks already ran this second (all sources
 * together), *retry_s says for how long; -ENOSPC no free session slot.
 */
int auth_login(struct auth *a, const struct auth_src *src, const char *password, uint64_t now_ms,
	       struct auth_session_out *out, uint32_t *retry_s);

/*
 * Incremental password checks, so that a login never stalls the loop that
 * forwards frames: a check is a job (one of CONFIG_AUTH_JOBS, kept in the
 * struct auth) that auth_job_run() advances by at most
 * CONFIG_AUTH_PBKDF2_STEP PBKDF2 iterations per call. The caller (the web
 * API) runs each pending job once per loop pass until it answers.
 */
struct auth_job;

/* What a finished job reports (fields by kind: login or password change). */
struct auth_result {
	struct auth_session_out sess; /* login: the new session when 0 */
	uint32_t retry_s;             /* -EBUSY, -EAGAIN: seconds to wait */
	const char *why;              /* password change: why refused, static text */
};

/*
 * Start checking a login. 0 with *job set; -EBUSY locked out or over
 * CONFIG_AUTH_HASHES_PER_S (*retry_s set); -EAGAIN every job slot is busy
 * (*retry_s = 1, nothing counted); -EACCES refused at once (password
 * missing or too long; counted as a failure like a wrong one).
 */
int auth_login_start(struct auth *a, const struct auth_src *src, const char *password,
		     uint64_t now_ms, struct auth_job **job, uint32_t *retry_s);

/*
 * Start a password change of a valid session (see auth_set_password()).
 * The new password is kept in the job until it is hashed, then wiped.
 * 0 with *job set; -EACCES no such session or old too long (*why set);
 * -EAGAIN every job slot is busy.
 */
int auth_password_start(struct auth *a, const char *session, const char *old_pw, const char *new_pw,
			struct auth_job **job, const char **why);

/*
 * Advance job by at most CONFIG_AUTH_PBKDF2_STEP iterations.
 * -EINPROGRESS: call again later (the job stays the caller's). Anything
 * else is the final result and the job slot is free again: for a login
 * what auth_login() returns (res->sess, res->retry_s) or -EAGAIN when the
 * password was changed during the check (retry, res->retry_s = 1); for a
 * password change what auth_set_password() returns (res->why).
 */
int auth_job_run(struct auth_job *job, uint64_t now_ms, struct auth_result *res);

/*
 * Drop a job that is no longer wanted (the client went away); NULL is
 * ignored. Jobs live inside a: every holder must drop its jobs (or be
 * stopped) before auth_destroy(a).
 */
void auth_job_cancel(struct auth_job *job);

/* Jobs in progress (for the server's sleep decision and the tests). */
unsigned auth_jobs_pending(const struct auth *a);

/*
 * Incremental PBKDF2-HMAC-SHA256 itself, exposed for the test vectors:
 * the HMAC key is absorbed once (inner and outer SHA-256 states), so each
 * iteration costs two SHA-256 block compressions. No allocation.
 */
#define AUTH_KDF_SALT_MAX 64
#define AUTH_KDF_OUT_MAX  64
struct auth_kdf;

/* Bytes of a struct auth_kdf (the tests allocate one). */
size_t auth_kdf_size(void);

/*
 * Start PBKDF2(pw, salt, iter) with out_len bytes of output into k.
 * 0, or -EINVAL (salt over AUTH_KDF_SALT_MAX, out_len 0 or over
 * AUTH_KDF_OUT_MAX, iter 0). The password is not kept.
 */
int auth_kdf_begin(struct auth_kdf *k, const uint8_t *pw, size_t pw_len, const uint8_t *salt,
		   size_t salt_len, uint32_t iter, size_t out_len);

/* At most max_iter more HMAC iterations: 0 finished, -EINPROGRESS more to do, -EIO. */
int auth_kdf_step(struct auth_kdf *k, uint32_t max_iter);

/* Copy the finished output (out_len bytes) and wipe k. 0, or -EBUSY if not finished. */
int auth_kdf_result(struct auth_kdf *k, uint8_t *out, size_t out_len);

/*
 * Validate a session cookie and refresh its idle timer. 0 when valid
 * (*must_change says whether only a password change is allowed),
 * -EACCES otherwise.
 */
int auth_check(struct auth *a, const char *session, uint64_t now_ms, bool *must_change);

/*
 * The CSRF token and must-change state of a valid session (for a page
 * reloaded with its cookie). Does not refresh the idle timer. 0 or
 * -EACCES; out->session is left "".
 */
int auth_session_info(const struct auth *a, const char *session, struct auth_session_out *out);

/* 0 when csrf is the session's CSRF token, -EPERM otherwise. */
int auth_check_csrf(const struct auth *a, const char *session, const char *csrf);

/* End a session (logout). */
void auth_logout(struct auth *a, const char *session);

/*
 * Change the password of a valid session synchronously (the whole job of
 * auth_password_start()): old must match, new must be
 * AUTH_PW_MIN..AUTH_PW_MAX characters. Persists, ends every other session.
 * 0, -EACCES (old wrong), -EINVAL (new too short/long; *why set), -EIO.
 */
int auth_set_password(struct auth *a, const char *session, const char *old_pw, const char *new_pw,
		      const char **why);

/*
 * Console "passwd-reset": replace the password by a new one-time password
 * (out, AUTH_OTP_LEN + 1 bytes), end every session. 0 or -EIO.
 */
int auth_reset(struct auth *a, char *out_otp);

struct auth_stats {
	uint32_t sessions;
	uint64_t logins_ok;
	uint64_t logins_failed;
	uint64_t lockouts;
};
void auth_get_stats(const struct auth *a, struct auth_stats *st);

/*
 * Why the stored credentials were not used at auth_create() ("auth.json:
 * bad salt"), or "" when they loaded (or there were none). When set, the
 * device started as on first boot with a one-time password.
 */
const char *auth_load_error(const struct auth *a);

/*
 * Compare n bytes of a and b in time that depends only on n. True when
 * equal. For every secret comparison (hashes, tokens).
 */
bool auth_ct_equal(const void *a, const void *b, size_t n);

#endif /* LEAKTAP_AUTH_H */
