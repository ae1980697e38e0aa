/*
 * auth: passwords, sessions, CSRF tokens and login rate limiting for the
 * web page and the API.
 *
 * The password is kept only as PBKDF2-HMAC-SHA256(salt, iterations) in
 * "auth.json"; the one-time password of first boot (or of a console reset)
 * is never stored in clear either: only a record saying "one-time" is, and
 * a device that boots in that state makes and prints a fresh one, since
 * the old one cannot be shown again. Sessions and lockouts live in fixed
 * tables sized by Kconfig and are lost on reboot, which is the safe side.
 *
 * Not on the packet path: a login costs one PBKDF2 run (a noticeable
 * fraction of a second by design), which the single loop accepts because
 * logins are rare and rate limited.
 */
#include "auth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "brd.h"
#include "fmt.h"

#include <cjson/cJSON.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#define AUTH_FILE      "auth.json"
#define AUTH_SALT_LEN  16
#define AUTH_HASH_LEN  32
#define AUTH_TOKEN_RAW (AUTH_TOKEN_LEN / 2)
#define AUTH_ITER_MIN  200000u
#define AUTH_ITER_MAX  10000000u
#define AUTH_FILE_MAX  1024
#define AUTH_ERR_MAX   96

_Static_assert(CONFIG_AUTH_PBKDF2_ITER >= AUTH_ITER_MIN, "PBKDF2 iterations below 200000");

/* 32 symbols without 0/O/1/I, so a byte's low 5 bits pick one without bias. */
static const char otp_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

struct auth_sess {
	bool used;
	bool must_change;
	char tok[AUTH_TOKEN_LEN + 1];
	char csrf[AUTH_TOKEN_LEN + 1];
	uint64_t last_ms;
};

struct auth_srcent {
	bool used;
	struct auth_src src;
	uint32_t fails;
	uint64_t first_fail_ms;
	uint64_t locked_until_ms;
};

struct auth {
	struct stor *stor;
	uint8_t salt[AUTH_SALT_LEN];
	uint8_t hash[AUTH_HASH_LEN];
	uint32_t iter;
	bool otp; /* the current password is one-time: logins must change it */
	struct auth_sess sess[CONFIG_AUTH_SESSIONS];
	struct auth_srcent src[CONFIG_AUTH_SOURCES];
	struct auth_stats st;
	uint64_t rate_start_ms; /* start of the current one-second window of password checks */
	uint32_t rate_n;
	char load_err[AUTH_ERR_MAX];
};

bool auth_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a;
	const volatile uint8_t *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++) {
		d = (uint8_t)(d | (x[i] ^ y[i]));
	}
	return d == 0;
}

/* Constant-time equality of a stored token and a caller's string of any length. */
static bool tok_equal(const char *stored, const char *given)
{
	/* The length of a token is public; only its content must not leak. */
	if (given == NULL || strnlen(given, AUTH_TOKEN_LEN + 1) != AUTH_TOKEN_LEN) {
		return false;
	}
	return auth_ct_equal(stored, given, AUTH_TOKEN_LEN);
}

static int pw_hash(const char *pw, const uint8_t *salt, uint32_t iter, uint8_t *out)
{
	mbedtls_md_context_t md;
	const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	int rc;

	if (info == NULL) {
		return -EIO;
	}
	mbedtls_md_init(&md);
	rc = mbedtls_md_setup(&md, info, 1);
	if (rc == 0) {
		rc = mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)pw, strlen(pw), salt,
					       AUTH_SALT_LEN, iter, AUTH_HASH_LEN, out);
	}
	mbedtls_md_free(&md);
	return rc == 0 ? 0 : -EIO;
}

static int rand_hex(char *out, size_t nbytes)
{
	uint8_t raw[AUTH_TOKEN_RAW];

	if (nbytes > sizeof(raw) || brd_random(raw, nbytes) != 0) {
		return -EIO;
	}
	fmt_hex(raw, nbytes, out, nbytes * 2 + 1);
	memset(raw, 0, sizeof(raw));
	return 0;
}

static int make_otp(char *out)
{
	uint8_t raw[AUTH_OTP_LEN];

	if (brd_random(raw, sizeof(raw)) != 0) {
		return -EIO;
	}
	for (size_t i = 0; i < AUTH_OTP_LEN; i++) {
		out[i] = otp_alphabet[raw[i] & 31u];
	}
	out[AUTH_OTP_LEN] = '\0';
	memset(raw, 0, sizeof(raw));
	return 0;
}

/* Replace the in-memory credentials by pw (new random salt, configured iterations). */
static int set_cred(struct auth *a, const char *pw, bool otp)
{
	uint8_t salt[AUTH_SALT_LEN];
	uint8_t hash[AUTH_HASH_LEN];

	if (brd_random(salt, sizeof(salt)) != 0 ||
	    pw_hash(pw, salt, CONFIG_AUTH_PBKDF2_ITER, hash) != 0) {
		return -EIO;
	}
	memcpy(a->salt, salt, sizeof(salt));
	memcpy(a->hash, hash, sizeof(hash));
	a->iter = CONFIG_AUTH_PBKDF2_ITER;
	a->otp = otp;
	return 0;
}

static int save(struct auth *a)
{
	char salt[AUTH_SALT_LEN * 2 + 1];
	char hash[AUTH_HASH_LEN * 2 + 1];
	char doc[AUTH_FILE_MAX];
	int n;

	if (a->stor == NULL) {
		return 0;
	}
	fmt_hex(a->salt, sizeof(a->salt), salt, sizeof(salt));
	fmt_hex(a->hash, sizeof(a->hash), hash, sizeof(hash));
	n = snprintf(doc, sizeof(doc),
		     "{\"v\":1,\"kdf\":\"pbkdf2-sha256\",\"iter\":%" PRIu32
		     ",\"salt\":\"%s\",\"hash\":\"%s\",\"otp\":%s}\n",
		     a->iter, salt, hash, a->otp ? "true" : "false");
	if (n < 0 || (size_t)n >= sizeof(doc)) {
		return -EIO;
	}
	return stor_write(a->stor, AUTH_FILE, (const uint8_t *)doc, (size_t)n) == 0 ? 0 : -EIO;
}

static int unhex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != n * 2) {
		return -EINVAL;
	}
	for (size_t i = 0; i < n * 2; i++) {
		char c = s[i];
		int v = (c >= '0' && c <= '9')   ? c - '0'
			: (c >= 'a' && c <= 'f') ? c - 'a' + 10
			: (c >= 'A' && c <= 'F') ? c - 'A' + 10
						 : -1;
		if (v < 0) {
			return -EINVAL;
		}
		out[i / 2] = (uint8_t)((i % 2) ? (out[i / 2] | v) : (v << 4));
	}
	return 0;
}

/* Parse auth.json into a; on error a one-line reason in a->load_err and -EINVAL. */
static int parse_file(struct auth *a, const char *doc, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(doc, len);
	const cJSON *kdf = cJSON_GetObjectItemCaseSensitive(j, "kdf");
	const cJSON *iter = cJSON_GetObjectItemCaseSensitive(j, "iter");
	const cJSON *salt = cJSON_GetObjectItemCaseSensitive(j, "salt");
	const cJSON *hash = cJSON_GetObjectItemCaseSensitive(j, "hash");
	const cJSON *otp = cJSON_GetObjectItemCaseSensitive(j, "otp");
	const char *why = NULL;

	if (!cJSON_IsObject(j)) {
		why = "not a JSON object";
	} else if (!cJSON_IsString(kdf) || strcmp(kdf->valuestring, "pbkdf2-sha256") != 0) {
		why = "unknown kdf";
	} else if (!cJSON_IsNumber(iter) || iter->valuedouble < AUTH_ITER_MIN ||
		   iter->valuedouble > AUTH_ITER_MAX) {
		why = "iterations out of range";
	} else if (!cJSON_IsString(salt) || unhex(salt->valuestring, a->salt, AUTH_SALT_LEN) != 0) {
		why = "bad salt";
	} else if (!cJSON_IsString(hash) || unhex(hash->valuestring, a->hash, AUTH_HASH_LEN) != 0) {
		why = "bad hash";
	} else if (!cJSON_IsBool(otp)) {
		why = "bad otp flag";
	} else {
		a->iter = (uint32_t)iter->valuedouble;
		a->otp = cJSON_IsTrue(otp);
	}
	cJSON_Delete(j);
	if (why != NULL) {
		snprintf(a->load_err, sizeof(a->load_err), "%s: %s", AUTH_FILE, why);
		return -EINVAL;
	}
	return 0;
}

/* Read the stored credentials: 0 loaded, -ENOENT none, -EINVAL corrupt, -EIO unreadable. */
static int load(struct auth *a)
{
	char doc[AUTH_FILE_MAX];
	int n;

	if (a->stor == NULL) {
		return -ENOENT;
	}
	n = stor_read(a->stor, AUTH_FILE, (uint8_t *)doc, sizeof(doc));
	if (n == -ENOENT) {
		return -ENOENT;
	}
	if (n == -EFBIG) {
		snprintf(a->load_err, sizeof(a->load_err), "%s: too large", AUTH_FILE);
		return -EINVAL;
	}
	if (n < 0) {
		snprintf(a->load_err, sizeof(a->load_err), "%s: cannot read (%d)", AUTH_FILE, n);
		return -EIO;
	}
	return parse_file(a, doc, (size_t)n);
}

struct auth *auth_create(struct stor *stor, char *first_otp, bool *first_boot)
{
	struct auth *a = calloc(1, sizeof(*a));
	int rc;

	if (a == NULL || first_otp == NULL || first_boot == NULL) {
		free(a);
		return NULL;
	}
	a->stor = stor;
	first_otp[0] = '\0';
	*first_boot = false;
	rc = load(a);
	if (rc == 0 && !a->otp) {
		return a;
	}
	/*
	 * No usable password: first boot, a one-time record left by a reset
	 * (its password was printed on an earlier boot and cannot be shown
	 * again), or a corrupt file. Make a new one-time password. An
	 * unreadable file (-EIO) is not overwritten: the stored password
	 * may come back with the storage.
	 */
	if (make_otp(first_otp) != 0 || set_cred(a, first_otp, true) != 0 ||
	    (rc != -EIO && save(a) != 0)) {
		memset(first_otp, 0, AUTH_OTP_LEN + 1);
		free(a);
		return NULL;
	}
	*first_boot = true;
	return a;
}

void auth_destroy(struct auth *a)
{
	if (a != NULL) {
		memset(a, 0, sizeof(*a));
		free(a);
	}
}

const char *auth_load_error(const struct auth *a)
{
	return a->load_err;
}

/*
 * The rate-limit entry of source s: its own, else a free one, else the
 * one with the oldest failures that is not locked now. NULL when every
 * entry is locked (an attacker spraying sources must not unlock others).
 */
static struct auth_srcent *src_find(struct auth *a, const struct auth_src *s, uint64_t now_ms)
{
	struct auth_srcent *victim = NULL;

	for (size_t i = 0; i < CONFIG_AUTH_SOURCES; i++) {
		struct auth_srcent *e = &a->src[i];
		if (e->used && e->src.family == s->family &&
		    memcmp(e->src.addr, s->addr, sizeof(s->addr)) == 0) {
			return e;
		}
	}
	for (size_t i = 0; i < CONFIG_AUTH_SOURCES && (victim == NULL || victim->used); i++) {
		struct auth_srcent *e = &a->src[i];
		if (!e->used) {
			victim = e;
		} else if (e->locked_until_ms <= now_ms &&
			   (victim == NULL || e->first_fail_ms < victim->first_fail_ms)) {
			victim = e;
		}
	}
	if (victim != NULL) {
		memset(victim, 0, sizeof(*victim));
		victim->used = true;
		victim->src = *s;
	}
	return victim;
}

/* Count one failed login of e's source; lock it out at CONFIG_AUTH_LOCK_FAILS. */
static void src_fail(struct auth *a, struct auth_srcent *e, uint64_t now_ms)
{
	a->st.logins_failed++;
	if (e == NULL) {
		return;
	}
	if (e->fails == 0 ||
	    now_ms - e->first_fail_ms > (uint64_t)CONFIG_AUTH_LOCK_WINDOW_S * 1000u) {
		e->fails = 0;
		e->first_fail_ms = now_ms;
	}
	e->fails++;
	if (e->fails >= CONFIG_AUTH_LOCK_FAILS) {
		e->locked_until_ms = now_ms + (uint64_t)CONFIG_AUTH_LOCK_S * 1000u;
		e->fails = 0;
		a->st.lockouts++;
	}
}

static bool sess_expired(const struct auth_sess *s, uint64_t now_ms)
{
	return now_ms > s->last_ms && now_ms - s->last_ms > (uint64_t)CONFIG_AUTH_IDLE_S * 1000u;
}

static int sess_new(struct auth *a, uint64_t now_ms, struct auth_session_out *out)
{
	struct auth_sess *s = NULL;

	for (size_t i = 0; i < CONFIG_AUTH_SESSIONS; i++) {
		if (a->sess[i].used && sess_expired(&a->sess[i], now_ms)) {
			memset(&a->sess[i], 0, sizeof(a->sess[i]));
		}
		if (!a->sess[i].used && s == NULL) {
			s = &a->sess[i];
		}
	}
	if (s == NULL) {
		return -ENOSPC;
	}
	if (rand_hex(s->tok, AUTH_TOKEN_RAW) != 0 || rand_hex(s->csrf, AUTH_TOKEN_RAW) != 0) {
		memset(s, 0, sizeof(*s));
		return -EIO;
	}
	s->used = true;
	s->must_change = a->otp;
	s->last_ms = now_ms;
	memcpy(out->session, s->tok, sizeof(out->session));
	memcpy(out->csrf, s->csrf, sizeof(out->csrf));
	out->must_change = s->must_change;
	return 0;
}

int auth_login(struct auth *a, const struct auth_src *src, const char *password, uint64_t now_ms,
	       struct auth_session_out *out, uint32_t *retry_s)
{
	struct auth_srcent *e = src_find(a, src, now_ms);
	uint8_t h[AUTH_HASH_LEN];
	int rc;

	*retry_s = 0;
	if (e == NULL) {
		/* Every slot holds a locked source: refuse rather than forget one. */
		*retry_s = CONFIG_AUTH_LOCK_S;
		return -EBUSY;
	}
	if (e->locked_until_ms > now_ms) {
		*retry_s = (uint32_t)((e->locked_until_ms - now_ms + 999u) / 1000u);
		return -EBUSY;
	}
	/* Bound the loop time spent hashing, whatever the number of sources. */
	if (now_ms < a->rate_start_ms || now_ms - a->rate_start_ms >= 1000u) {
		a->rate_start_ms = now_ms;
		a->rate_n = 0;
	}
	if (a->rate_n >= CONFIG_AUTH_HASHES_PER_S) {
		*retry_s = 1;
		return -EBUSY;
	}
	a->rate_n++;
	if (password == NULL || strnlen(password, AUTH_PW_MAX + 1) > AUTH_PW_MAX ||
	    pw_hash(password, a->salt, a->iter, h) != 0 || !auth_ct_equal(h, a->hash, sizeof(h))) {
		src_fail(a, e, now_ms);
		return -EACCES;
	}
	rc = sess_new(a, now_ms, out);
	if (rc != 0) {
		return rc;
	}
	memset(e, 0, sizeof(*e));
	a->st.logins_ok++;
	return 0;
}

/* The session whose token is tok, compared in constant time; NULL if none. */
static struct auth_sess *sess_find(const struct auth *a, const char *tok)
{
	const struct auth_sess *hit = NULL;

	/* Look at every slot so the time does not tell which one matched. */
	for (size_t i = 0; i < CONFIG_AUTH_SESSIONS; i++) {
		if (tok_equal(a->sess[i].tok, tok) && a->sess[i].used) {
			hit = &a->sess[i];
		}
	}
	return (struct auth_sess *)(uintptr_t)hit;
}

int auth_check(struct auth *a, const char *session, uint64_t now_ms, bool *must_change)
{
	struct auth_sess *s = sess_find(a, session);

	if (s == NULL) {
		return -EACCES;
	}
	if (sess_expired(s, now_ms)) {
		memset(s, 0, sizeof(*s));
		return -EACCES;
	}
	s->last_ms = now_ms;
	if (must_change != NULL) {
		*must_change = s->must_change;
	}
	return 0;
}

int auth_session_info(const struct auth *a, const char *session, struct auth_session_out *out)
{
	const struct auth_sess *s = sess_find(a, session);

	memset(out, 0, sizeof(*out));
	if (s == NULL) {
		return -EACCES;
	}
	memcpy(out->csrf, s->csrf, sizeof(out->csrf));
	out->must_change = s->must_change;
	return 0;
}

int auth_check_csrf(const struct auth *a, const char *session, const char *csrf)
{
	const struct auth_sess *s = sess_find(a, session);

	if (s == NULL || !tok_equal(s->csrf, csrf)) {
		return -EPERM;
	}
	return 0;
}

void auth_logout(struct auth *a, const char *session)
{
	struct auth_sess *s = sess_find(a, session);

	if (s != NULL) {
		memset(s, 0, sizeof(*s));
	}
}

static void end_sessions_except(struct auth *a, const struct auth_sess *keep)
{
	for (size_t i = 0; i < CONFIG_AUTH_SESSIONS; i++) {
		if (&a->sess[i] != keep) {
			memset(&a->sess[i], 0, sizeof(a->sess[i]));
		}
	}
}

int auth_set_password(struct auth *a, const char *session, const char *old_pw, const char *new_pw,
		      const char **why)
{
	struct auth_sess *s = sess_find(a, session);
	struct auth saved;
	uint8_t h[AUTH_HASH_LEN];
	size_t n;

	*why = NULL;
	if (s == NULL || old_pw == NULL || strnlen(old_pw, AUTH_PW_MAX + 1) > AUTH_PW_MAX ||
	    pw_hash(old_pw, a->salt, a->iter, h) != 0 || !auth_ct_equal(h, a->hash, sizeof(h))) {
		*why = "wrong password";
		return -EACCES;
	}
	n = new_pw == NULL ? 0 : strnlen(new_pw, AUTH_PW_MAX + 1);
	if (n < AUTH_PW_MIN || n > AUTH_PW_MAX) {
		*why = "new password must be 10 to 128 characters";
		return -EINVAL;
	}
	if (strcmp(old_pw, new_pw) == 0) {
		*why = "new password must differ from the current one";
		return -EINVAL;
	}
	/* Keep the old credentials until the new ones are durable. */
	memcpy(&saved, a, sizeof(saved));
	if (set_cred(a, new_pw, false) != 0 || save(a) != 0) {
		memcpy(a, &saved, sizeof(saved));
		*why = "could not save the password";
		return -EIO;
	}
	s->must_change = false;
	end_sessions_except(a, s);
	return 0;
}

int auth_reset(struct auth *a, char *out_otp)
{
	if (make_otp(out_otp) != 0 || set_cred(a, out_otp, true) != 0) {
		return -EIO;
	}
	end_sessions_except(a, NULL);
	/* In force in memory even when it cannot be stored: the console needs a way in. */
	return save(a);
}

void auth_get_stats(const struct auth *a, struct auth_stats *st)
{
	*st = a->st;
	st->sessions = 0;
	for (size_t i = 0; i < CONFIG_AUTH_SESSIONS; i++) {
		st->sessions += a->sess[i].used ? 1u : 0u;
	}
}
