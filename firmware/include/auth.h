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
 * Check a login. 0 with a new session; -EACCES wrong password; -EBUSY
 * locked out, or CONFIG_AUTH_HASHES_PER_S checks already ran this second
 * (all sources together), *retry_s says for how long; -ENOSPC no free
 * session slot.
 */
int auth_login(struct auth *a, const struct auth_src *src, const char *password, uint64_t now_ms,
	       struct auth_session_out *out, uint32_t *retry_s);

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
 * Change the password of a valid session: old must match, new must be
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
