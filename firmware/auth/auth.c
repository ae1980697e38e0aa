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
 * A login costs one PBKDF2 run (a noticeable fraction of a second by
 * design) and forwarding shares the loop, so the web API checks
 * passwords as jobs that advance CONFIG_AUTH_PBKDF2_STEP iterations per
 * loop pass (auth_job_run). The synchronous auth_login() and
 * auth_set_password() remain for the console and the tests; first boot
 * (auth_create, before the loop starts) and the console's reset hash in
 * one go.
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
#include <mbedtls/sha256.h>

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

/*
 * PBKDF2-HMAC-SHA256 in steps. HMAC(K, m) = H(K^opad || H(K^ipad || m)):
 * the SHA-256 states after the one-block K^ipad and K^opad prefixes are
 * the same for every iteration, so they are computed once and cloned,
 * which halves the compressions of a plain HMAC loop (4 -> 2).
 */
struct auth_kdf {
	mbedtls_sha256_context inner; /* after K ^ ipad */
	mbedtls_sha256_context outer; /* after K ^ opad */
	uint8_t salt[AUTH_KDF_SALT_MAX];
	size_t salt_len;
	size_t out_len;
	uint32_t iter;
	uint32_t block; /* 1-based block being computed */
	uint32_t done;  /* iterations of this block done; 0 = not started */
	bool finished;
	uint8_t u[AUTH_HASH_LEN];
	uint8_t t[AUTH_HASH_LEN];
	uint8_t out[AUTH_KDF_OUT_MAX];
};

struct auth_cred {
	uint8_t salt[AUTH_SALT_LEN];
	uint8_t hash[AUTH_HASH_LEN];
	uint32_t iter;
	bool otp; /* the current password is one-time: logins must change it */
};

enum auth_job_kind {
	AUTH_JOB_FREE = 0,
	AUTH_JOB_LOGIN,
	AUTH_JOB_OLD, /* password change: checking the old password */
	AUTH_JOB_NEW, /* password change: hashing the new one */
};

struct auth_job {
	struct auth *a;
	enum auth_job_kind kind;
	uint32_t gen; /* a->gen when the check started: credentials unchanged since */
	struct auth_src src;
	char session[AUTH_TOKEN_LEN + 1];
	char new_pw[AUTH_PW_MAX + 1];
	const char *new_why; /* what is wrong with new_pw, NULL when it is acceptable */
	uint8_t new_salt[AUTH_SALT_LEN];
	struct auth_kdf kdf;
};

struct auth {
	struct stor *stor;
	struct auth_cred c;
	uint32_t gen; /* bumped whenever the credentials change */
	struct auth_job jobs[CONFIG_AUTH_JOBS];
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

/* ---- incremental PBKDF2-HMAC-SHA256 --------------------------------------------- */

size_t auth_kdf_size(void)
{
	return sizeof(struct auth_kdf);
}

/* One HMAC with the precomputed key states: out = HMAC(K, m). */
static int kdf_hmac(const struct auth_kdf *k, const uint8_t *m, size_t n, const uint8_t *m2,
		    size_t n2, uint8_t *out)
{
	mbedtls_sha256_context c;
	uint8_t ih[AUTH_HASH_LEN];
	int rc;

	mbedtls_sha256_init(&c);
	mbedtls_sha256_clone(&c, &k->inner);
	rc = mbedtls_sha256_update_ret(&c, m, n);
	if (rc == 0 && n2 > 0) {
		rc = mbedtls_sha256_update_ret(&c, m2, n2);
	}
	if (rc == 0) {
		rc = mbedtls_sha256_finish_ret(&c, ih);
	}
	if (rc == 0) {
		mbedtls_sha256_clone(&c, &k->outer);
		rc = mbedtls_sha256_update_ret(&c, ih, sizeof(ih));
	}
	if (rc == 0) {
		rc = mbedtls_sha256_finish_ret(&c, out);
	}
	mbedtls_sha256_free(&c);
	memset(ih, 0, sizeof(ih));
	return rc == 0 ? 0 : -EIO;
}

/* The inner and outer states of key (hashed first when longer than a block). */
static int kdf_key(struct auth_kdf *k, const uint8_t *key, size_t len)
{
	uint8_t kb[64];
	uint8_t pad[64];
	int rc = 0;

	memset(kb, 0, sizeof(kb));
	if (len > sizeof(kb)) {
		rc = mbedtls_sha256_ret(key, len, kb, 0);
	} else if (len > 0) {
		memcpy(kb, key, len);
	}
	for (size_t i = 0; i < sizeof(pad); i++) {
		pad[i] = (uint8_t)(kb[i] ^ 0x36u);
	}
	if (rc == 0) {
		rc = mbedtls_sha256_starts_ret(&k->inner, 0);
	}
	if (rc == 0) {
		rc = mbedtls_sha256_update_ret(&k->inner, pad, sizeof(pad));
	}
	for (size_t i = 0; i < sizeof(pad); i++) {
		pad[i] = (uint8_t)(kb[i] ^ 0x5cu);
	}
	if (rc == 0) {
		rc = mbedtls_sha256_starts_ret(&k->outer, 0);
	}
	if (rc == 0) {
		rc = mbedtls_sha256_update_ret(&k->outer, pad, sizeof(pad));
	}
	memset(kb, 0, sizeof(kb));
	memset(pad, 0, sizeof(pad));
	return rc == 0 ? 0 : -EIO;
}

int auth_kdf_begin(struct auth_kdf *k, const uint8_t *pw, size_t pw_len, const uint8_t *salt,
		   size_t salt_len, uint32_t iter, size_t out_len)
{
	memset(k, 0, sizeof(*k));
	if (salt_len > AUTH_KDF_SALT_MAX || out_len == 0 || out_len > AUTH_KDF_OUT_MAX ||
	    iter == 0 || (pw == NULL && pw_len > 0) || (salt == NULL && salt_len > 0)) {
		return -EINVAL;
	}
	mbedtls_sha256_init(&k->inner);
	mbedtls_sha256_init(&k->outer);
	if (kdf_key(k, pw, pw_len) != 0) {
		memset(k, 0, sizeof(*k));
		return -EIO;
	}
	if (salt_len > 0) {
		memcpy(k->salt, salt, salt_len);
	}
	k->salt_len = salt_len;
	k->out_len = out_len;
	k->iter = iter;
	k->block = 1;
	return 0;
}

int auth_kdf_step(struct auth_kdf *k, uint32_t max_iter)
{
	while (!k->finished && max_iter > 0) {
		if (k->done == 0) {
			/* U1 = HMAC(P, S || INT(i)), big-endian block index. */
			uint8_t be[4] = {(uint8_t)(k->block >> 24), (uint8_t)(k->block >> 16),
					 (uint8_t)(k->block >> 8), (uint8_t)k->block};
			if (kdf_hmac(k, k->salt, k->salt_len, be, sizeof(be), k->u) != 0) {
				return -EIO;
			}
			memcpy(k->t, k->u, sizeof(k->t));
		} else {
			if (kdf_hmac(k, k->u, sizeof(k->u), NULL, 0, k->u) != 0) {
				return -EIO;
			}
			for (size_t i = 0; i < sizeof(k->t); i++) {
				k->t[i] ^= k->u[i];
			}
		}
		k->done++;
		max_iter--;
		if (k->done == k->iter) {
			size_t off = (size_t)(k->block - 1) * AUTH_HASH_LEN;
			size_t n =
				k->out_len - off < AUTH_HASH_LEN ? k->out_len - off : AUTH_HASH_LEN;
			memcpy(k->out + off, k->t, n);
			k->finished = off + n == k->out_len;
			k->block++;
			k->done = 0;
		}
	}
	return k->finished ? 0 : -EINPROGRESS;
}

int auth_kdf_result(struct auth_kdf *k, uint8_t *out, size_t out_len)
{
	if (!k->finished || out_len != k->out_len) {
		return -EBUSY;
	}
	memcpy(out, k->out, out_len);
	mbedtls_sha256_free(&k->inner);
	mbedtls_sha256_free(&k->outer);
	memset(k, 0, sizeof(*k));
	return 0;
}

/* Wipe a kdf that may not have finished (the key states are secrets). */
static void kdf_wipe(struct auth_kdf *k)
{
	mbedtls_sha256_free(&k->inner);
	mbedtls_sha256_free(&k->outer);
	memset(k, 0, sizeof(*k));
}

/* The whole PBKDF2 in one go (first boot, console reset, synchronous calls). */
static int pw_hash(const char *pw, const uint8_t *salt, uint32_t iter, uint8_t *out)
{
	struct auth_kdf k;
	int rc = auth_kdf_begin(&k, (const uint8_t *)pw, strlen(pw), salt, AUTH_SALT_LEN, iter,
				AUTH_HASH_LEN);

	if (rc == 0) {
		rc = auth_kdf_step(&k, UINT32_MAX);
	}
	if (rc == 0) {
		rc = auth_kdf_result(&k, out, AUTH_HASH_LEN);
	}
	kdf_wipe(&k);
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
	memcpy(a->c.salt, salt, sizeof(salt));
	memcpy(a->c.hash, hash, sizeof(hash));
	a->c.iter = CONFIG_AUTH_PBKDF2_ITER;
	a->c.otp = otp;
	a->gen++;
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
	fmt_hex(a->c.salt, sizeof(a->c.salt), salt, sizeof(salt));
	fmt_hex(a->c.hash, sizeof(a->c.hash), hash, sizeof(hash));
	n = snprintf(doc, sizeof(doc),
		     "{\"v\":1,\"kdf\":\"pbkdf2-sha256\",\"iter\":%" PRIu32
		     ",\"salt\":\"%s\",\"hash\":\"%s\",\"otp\":%s}\n",
		     a->c.iter, salt, hash, a->c.otp ? "true" : "false");
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
	} else if (!cJSON_IsString(salt) ||
		   unhex(salt->valuestring, a->c.salt, AUTH_SALT_LEN) != 0) {
		why = "bad salt";
	} else if (!cJSON_IsString(hash) ||
		   unhex(hash->valuestring, a->c.hash, AUTH_HASH_LEN) != 0) {
		why = "bad hash";
	} else if (!cJSON_IsBool(otp)) {
		why = "bad otp flag";
	} else {
		a->c.iter = (uint32_t)iter->valuedouble;
		a->c.otp = cJSON_IsTrue(otp);
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
	if (rc == 0 && !a->c.otp) {
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
	s->must_change = a->c.otp;
	s->last_ms = now_ms;
	memcpy(out->session, s->tok, sizeof(out->session));
	memcpy(out->csrf, s->csrf, sizeof(out->csrf));
	out->must_change = s->must_change;
	return 0;
}

/* A free job slot bound to a, or NULL. */
static struct auth_job *job_new(struct auth *a, enum auth_job_kind kind)
{
	for (size_t i = 0; i < CONFIG_AUTH_JOBS; i++) {
		struct auth_job *j = &a->jobs[i];
		if (j->kind == AUTH_JOB_FREE) {
			memset(j, 0, sizeof(*j));
			j->a = a;
			j->kind = kind;
			j->gen = a->gen;
			return j;
		}
	}
	return NULL;
}

static void job_free(struct auth_job *j)
{
	kdf_wipe(&j->kdf);
	memset(j->new_pw, 0, sizeof(j->new_pw));
	memset(j, 0, sizeof(*j)); /* kind = AUTH_JOB_FREE */
}

void auth_job_cancel(struct auth_job *job)
{
	if (job != NULL) {
		job_free(job);
	}
}

unsigned auth_jobs_pending(const struct auth *a)
{
	unsigned n = 0;

	for (size_t i = 0; i < CONFIG_AUTH_JOBS; i++) {
		n += a->jobs[i].kind != AUTH_JOB_FREE ? 1u : 0u;
	}
	return n;
}

/* Lockout and the global rate: 0 when a check may start, else -EBUSY with *retry_s. */
static int login_admit(struct auth *a, struct auth_srcent *e, uint64_t now_ms, uint32_t *retry_s)
{
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
	return 0;
}

int auth_login_start(struct auth *a, const struct auth_src *src, const char *password,
		     uint64_t now_ms, struct auth_job **job, uint32_t *retry_s)
{
	struct auth_srcent *e = src_find(a, src, now_ms);
	struct auth_job *j;
	int rc;

	*retry_s = 0;
	*job = NULL;
	rc = login_admit(a, e, now_ms, retry_s);
	if (rc != 0) {
		return rc;
	}
	/* A full pool costs the client nothing but a retry: it was not counted yet. */
	j = job_new(a, AUTH_JOB_LOGIN);
	if (j == NULL) {
		*retry_s = 1;
		return -EAGAIN;
	}
	a->rate_n++;
	if (password == NULL || strnlen(password, AUTH_PW_MAX + 1) > AUTH_PW_MAX ||
	    auth_kdf_begin(&j->kdf, (const uint8_t *)password, strlen(password), a->c.salt,
			   AUTH_SALT_LEN, a->c.iter, AUTH_HASH_LEN) != 0) {
		job_free(j);
		src_fail(a, e, now_ms);
		return -EACCES;
	}
	j->src = *src;
	*job = j;
	return 0;
}

/* The end of a login job whose hash is h: session or failure. */
static int login_finish(struct auth_job *j, const uint8_t *h, uint64_t now_ms,
			struct auth_result *res)
{
	struct auth *a = j->a;
	/* Looked up again: the entry may have been reused while the hash ran. */
	struct auth_srcent *e = src_find(a, &j->src, now_ms);
	int rc;

	if (j->gen != a->gen) {
		/* The password changed under the check: its answer means nothing. */
		res->retry_s = 1;
		return -EAGAIN;
	}
	if (!auth_ct_equal(h, a->c.hash, AUTH_HASH_LEN)) {
		src_fail(a, e, now_ms);
		return -EACCES;
	}
	rc = sess_new(a, now_ms, &res->sess);
	if (rc != 0) {
		return rc;
	}
	if (e != NULL) {
		memset(e, 0, sizeof(*e));
	}
	a->st.logins_ok++;
	return 0;
}

int auth_login(struct auth *a, const struct auth_src *src, const char *password, uint64_t now_ms,
	       struct auth_session_out *out, uint32_t *retry_s)
{
	struct auth_job *j = NULL;
	struct auth_result res;
	int rc = auth_login_start(a, src, password, now_ms, &j, retry_s);

	memset(&res, 0, sizeof(res));
	if (rc == 0) {
		do {
			rc = auth_job_run(j, now_ms, &res);
		} while (rc == -EINPROGRESS);
	}
	if (rc == 0) {
		*out = res.sess;
	} else if (res.retry_s != 0) {
		*retry_s = res.retry_s;
	}
	memset(&res, 0, sizeof(res));
	return rc;
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

/* What is wrong with new_pw as a replacement of old_pw, or NULL. */
static const char *new_pw_problem(const char *old_pw, const char *new_pw)
{
	size_t n = new_pw == NULL ? 0 : strnlen(new_pw, AUTH_PW_MAX + 1);

	if (n < AUTH_PW_MIN || n > AUTH_PW_MAX) {
		return "new password must be 10 to 128 characters";
	}
	if (strcmp(old_pw, new_pw) == 0) {
		return "new password must differ from the current one";
	}
	return NULL;
}

int auth_password_start(struct auth *a, const char *session, const char *old_pw, const char *new_pw,
			struct auth_job **job, const char **why)
{
	struct auth_sess *s = sess_find(a, session);
	struct auth_job *j;

	*why = NULL;
	*job = NULL;
	if (s == NULL || old_pw == NULL || strnlen(old_pw, AUTH_PW_MAX + 1) > AUTH_PW_MAX) {
		*why = "wrong password";
		return -EACCES;
	}
	j = job_new(a, AUTH_JOB_OLD);
	if (j == NULL) {
		*why = "busy";
		return -EAGAIN;
	}
	if (auth_kdf_begin(&j->kdf, (const uint8_t *)old_pw, strlen(old_pw), a->c.salt,
			   AUTH_SALT_LEN, a->c.iter, AUTH_HASH_LEN) != 0) {
		job_free(j);
		*why = "wrong password";
		return -EACCES;
	}
	memcpy(j->session, s->tok, sizeof(j->session));
	/* Judged now, reported only after the old password proved right (as before). */
	j->new_why = new_pw_problem(old_pw, new_pw);
	if (j->new_why == NULL) {
		memcpy(j->new_pw, new_pw, strlen(new_pw) + 1);
	}
	*job = j;
	return 0;
}

/* The old password matched: refuse a bad new one, or start hashing it. */
static int passwd_old_done(struct auth_job *j, const uint8_t *h, struct auth_result *res)
{
	struct auth *a = j->a;

	if (j->gen != a->gen || !auth_ct_equal(h, a->c.hash, AUTH_HASH_LEN)) {
		res->why = "wrong password";
		return -EACCES;
	}
	if (j->new_why != NULL) {
		res->why = j->new_why;
		return -EINVAL;
	}
	if (brd_random(j->new_salt, sizeof(j->new_salt)) != 0 ||
	    auth_kdf_begin(&j->kdf, (const uint8_t *)j->new_pw, strlen(j->new_pw), j->new_salt,
			   AUTH_SALT_LEN, CONFIG_AUTH_PBKDF2_ITER, AUTH_HASH_LEN) != 0) {
		res->why = "could not save the password";
		return -EIO;
	}
	memset(j->new_pw, 0, sizeof(j->new_pw));
	j->kind = AUTH_JOB_NEW;
	return -EINPROGRESS;
}

/* The new password is hashed (h): make it the password, durably. */
static int passwd_new_done(struct auth_job *j, const uint8_t *h, struct auth_result *res)
{
	struct auth *a = j->a;
	struct auth_sess *s = sess_find(a, j->session);
	struct auth_cred saved = a->c;

	if (s == NULL || j->gen != a->gen) {
		/* Logged out, or another change won meanwhile: this one no longer applies. */
		res->why = "wrong password";
		return -EACCES;
	}
	/* Keep the old credentials until the new ones are durable. */
	memcpy(a->c.salt, j->new_salt, AUTH_SALT_LEN);
	memcpy(a->c.hash, h, AUTH_HASH_LEN);
	a->c.iter = CONFIG_AUTH_PBKDF2_ITER;
	a->c.otp = false;
	if (save(a) != 0) {
		a->c = saved;
		res->why = "could not save the password";
		return -EIO;
	}
	a->gen++;
	s->must_change = false;
	end_sessions_except(a, s);
	return 0;
}

int auth_job_run(struct auth_job *job, uint64_t now_ms, struct auth_result *res)
{
	uint8_t h[AUTH_HASH_LEN];
	int rc = auth_kdf_step(&job->kdf, CONFIG_AUTH_PBKDF2_STEP);

	memset(res, 0, sizeof(*res));
	if (rc == -EINPROGRESS) {
		return rc;
	}
	if (rc == 0) {
		rc = auth_kdf_result(&job->kdf, h, sizeof(h));
	}
	if (rc != 0) {
		rc = job->kind == AUTH_JOB_LOGIN ? -EACCES : -EIO;
		res->why = job->kind == AUTH_JOB_LOGIN ? NULL : "could not save the password";
	} else if (job->kind == AUTH_JOB_LOGIN) {
		rc = login_finish(job, h, now_ms, res);
	} else if (job->kind == AUTH_JOB_OLD) {
		rc = passwd_old_done(job, h, res);
	} else {
		rc = passwd_new_done(job, h, res);
	}
	memset(h, 0, sizeof(h));
	if (rc != -EINPROGRESS) {
		job_free(job);
	}
	return rc;
}

int auth_set_password(struct auth *a, const char *session, const char *old_pw, const char *new_pw,
		      const char **why)
{
	struct auth_job *j = NULL;
	struct auth_result res;
	int rc = auth_password_start(a, session, old_pw, new_pw, &j, why);

	memset(&res, 0, sizeof(res));
	if (rc == 0) {
		do {
			rc = auth_job_run(j, 0, &res);
		} while (rc == -EINPROGRESS);
	}
	if (res.why != NULL) {
		*why = res.why;
	}
	return rc;
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
