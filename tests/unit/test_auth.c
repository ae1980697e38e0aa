/*
 * Unit tests for firmware/auth/auth.c: the stored hash really is
 * PBKDF2-HMAC-SHA256 with the configured iterations (checked by computing
 * it here), the one-time password of first boot only allows a password
 * change, lockout after failed logins and its expiry, CSRF, idle expiry,
 * the constant-time helper, persistence through a storage driver in
 * memory, and refusal of a corrupt auth.json. Time is the now_ms argument,
 * stepped by hand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "autoconf.h"
#include "auth.h"
#include "stor_mem.h"

#include <cjson/cJSON.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>

#define T0       1000000u
#define GOOD_PW  "correct horse battery"
#define GOOD_PW2 "another long passphrase"

struct tctx {
	uint64_t step; /* added to every login's time: logins stay under the per-second bound */
	struct smem m;
	struct stor s;
	struct auth *a;
	char otp[AUTH_OTP_LEN + 1];
	bool first;
};

static const struct auth_src src1 = {.family = 4, .addr = {192, 168, 1, 10}};
static const struct auth_src src2 = {.family = 4, .addr = {192, 168, 1, 11}};

static int setup(void **state)
{
	struct tctx *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		return -1;
	}
	smem_init(&t->s, &t->m);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tctx *t = *state;

	auth_destroy(t->a);
	stor_close(&t->s);
	free(t);
	return 0;
}

static void boot(struct tctx *t)
{
	auth_destroy(t->a);
	t->a = auth_create(&t->s, t->otp, &t->first);
	assert_non_null(t->a);
}

static int login(struct tctx *t, const struct auth_src *src, const char *pw, uint64_t now,
		 struct auth_session_out *out)
{
	uint32_t retry = 0;

	t->step += 1000;
	return auth_login(t->a, src, pw, now + t->step, out, &retry);
}

/* Boot fresh, log in with the one-time password and set GOOD_PW; returns that session. */
static void set_good(struct tctx *t, struct auth_session_out *o)
{
	const char *why = NULL;

	boot(t);
	assert_true(t->first);
	assert_int_equal(login(t, &src1, t->otp, T0, o), 0);
	assert_int_equal(auth_set_password(t->a, o->session, t->otp, GOOD_PW, &why), 0);
}

static cJSON *stored(struct tctx *t)
{
	char buf[2048];
	int n = stor_read(&t->s, "auth.json", (uint8_t *)buf, sizeof(buf));

	assert_true(n > 0);
	return cJSON_ParseWithLength(buf, (size_t)n);
}

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(s), n * 2);
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void pbkdf2(const char *pw, const uint8_t *salt, uint32_t iter, uint8_t *out)
{
	mbedtls_md_context_t md;

	mbedtls_md_init(&md);
	assert_int_equal(mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1), 0);
	assert_int_equal(mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)pw, strlen(pw), salt,
						   16, iter, 32, out),
			 0);
	mbedtls_md_free(&md);
}

/* The stored hash is PBKDF2-HMAC-SHA256 of the password with exactly the configured count. */
static void test_pbkdf2_iterations(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o;
	uint8_t salt[16], want[32], got[32];
	struct timespec a, b;

	set_good(t, &o);
	cJSON *j = stored(t);
	assert_non_null(j);
	assert_int_equal((int)cJSON_GetObjectItem(j, "iter")->valuedouble, CONFIG_AUTH_PBKDF2_ITER);
	assert_true(CONFIG_AUTH_PBKDF2_ITER >= 200000);
	assert_string_equal(cJSON_GetObjectItem(j, "kdf")->valuestring, "pbkdf2-sha256");
	unhex(cJSON_GetObjectItem(j, "salt")->valuestring, salt, 16);
	unhex(cJSON_GetObjectItem(j, "hash")->valuestring, want, 32);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "otp")));
	/* The password itself appears nowhere in the file. */
	char *txt = cJSON_PrintUnformatted(j);
	assert_non_null(txt);
	assert_null(strstr(txt, GOOD_PW));
	cJSON_free(txt);
	cJSON_Delete(j);

	clock_gettime(CLOCK_MONOTONIC, &a);
	pbkdf2(GOOD_PW, salt, CONFIG_AUTH_PBKDF2_ITER, got);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_memory_equal(got, want, 32);
	printf("# PBKDF2-HMAC-SHA256 x %d: %.1f ms\n", CONFIG_AUTH_PBKDF2_ITER,
	       (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	pbkdf2(GOOD_PW, salt, CONFIG_AUTH_PBKDF2_ITER - 1, got);
	assert_memory_not_equal(got, want, 32);
}

/* First boot: one-time password, must change, then only the new password works. */
static void test_first_boot_otp(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o, o2;
	const char *why = NULL;
	bool mc = false;
	char otp[AUTH_OTP_LEN + 1];

	boot(t);
	assert_true(t->first);
	assert_int_equal(strlen(t->otp), AUTH_OTP_LEN);
	strcpy(otp, t->otp);
	/* No default password: a well-known one does not work. */
	assert_int_equal(login(t, &src1, "admin", T0, &o), -EACCES);
	assert_int_equal(login(t, &src1, "", T0, &o), -EACCES);
	assert_int_equal(login(t, &src1, otp, T0, &o), 0);
	assert_true(o.must_change);
	assert_int_equal(strlen(o.session), AUTH_TOKEN_LEN);
	assert_int_equal(auth_check(t->a, o.session, T0, &mc), 0);
	assert_true(mc);

	assert_int_equal(auth_set_password(t->a, o.session, otp, "short", &why), -EINVAL);
	assert_non_null(why);
	assert_int_equal(auth_set_password(t->a, o.session, otp, otp, &why), -EINVAL);
	assert_int_equal(auth_set_password(t->a, o.session, "wrong old pw", GOOD_PW, &why),
			 -EACCES);
	assert_int_equal(auth_set_password(t->a, o.session, otp, GOOD_PW, &why), 0);
	assert_int_equal(auth_check(t->a, o.session, T0, &mc), 0);
	assert_false(mc);

	assert_int_equal(login(t, &src2, otp, T0, &o2), -EACCES);
	assert_int_equal(login(t, &src2, GOOD_PW, T0, &o2), 0);
	assert_false(o2.must_change);

	/* A reboot before the change would print a fresh one-time password, not reuse it. */
	struct tctx t2 = {0};
	smem_init(&t2.s, &t2.m);
	boot(&t2);
	char first[AUTH_OTP_LEN + 1];
	strcpy(first, t2.otp);
	boot(&t2);
	assert_true(t2.first);
	assert_string_not_equal(first, t2.otp);
	assert_int_equal(login(&t2, &src1, first, T0, &o), -EACCES);
	auth_destroy(t2.a);
	stor_close(&t2.s);
}

/* Five wrong passwords lock the source out, even for the right one, until the lock ends. */
static void test_lockout(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o;
	struct auth_stats st;
	uint32_t retry = 0;
	uint64_t now = T0;

	set_good(t, &o);
	for (int i = 0; i < CONFIG_AUTH_LOCK_FAILS; i++) {
		assert_int_equal(auth_login(t->a, &src1, "bad password", now, &o, &retry), -EACCES);
		now += 1000;
	}
	assert_int_equal(auth_login(t->a, &src1, GOOD_PW, now, &o, &retry), -EBUSY);
	assert_true(retry > 0 && retry <= CONFIG_AUTH_LOCK_S);
	/* Another source is not affected. */
	assert_int_equal(auth_login(t->a, &src2, GOOD_PW, now, &o, &retry), 0);
	auth_get_stats(t->a, &st);
	assert_int_equal(st.lockouts, 1);
	assert_int_equal(st.logins_failed, CONFIG_AUTH_LOCK_FAILS);

	uint64_t end = now - 1000 + (uint64_t)CONFIG_AUTH_LOCK_S * 1000u;
	assert_int_equal(auth_login(t->a, &src1, GOOD_PW, end - 1, &o, &retry), -EBUSY);
	assert_int_equal(retry, 1);
	assert_int_equal(auth_login(t->a, &src1, GOOD_PW, end, &o, &retry), 0);

	/* Failures spread wider than the window never add up to a lockout. */
	now = end;
	for (int i = 0; i < 3 * CONFIG_AUTH_LOCK_FAILS; i++) {
		assert_int_equal(auth_login(t->a, &src1, "bad password", now, &o, &retry), -EACCES);
		now += (uint64_t)CONFIG_AUTH_LOCK_WINDOW_S * 1000u / (CONFIG_AUTH_LOCK_FAILS - 1) +
		       1;
	}
	/* A success clears the count. */
	assert_int_equal(auth_login(t->a, &src1, GOOD_PW, now, &o, &retry), 0);
}

/* However many sources, at most CONFIG_AUTH_HASHES_PER_S password checks run per second. */
static void test_global_rate(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o;
	struct auth_src s = {.family = 6};
	uint32_t retry = 0;

	boot(t);
	for (int i = 0; i < CONFIG_AUTH_HASHES_PER_S; i++) {
		s.addr[15] = (uint8_t)i;
		assert_int_equal(auth_login(t->a, &s, "wrong password", T0 + 999, &o, &retry),
				 -EACCES);
	}
	s.addr[15] = 200;
	assert_int_equal(auth_login(t->a, &s, t->otp, T0 + 999, &o, &retry), -EBUSY);
	assert_int_equal(retry, 1);
	assert_int_equal(auth_login(t->a, &s, t->otp, T0 + 1999, &o, &retry), 0);
}

static void test_csrf(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o, o2;
	char bad[AUTH_TOKEN_LEN + 1];

	set_good(t, &o);
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o2), 0);
	assert_string_not_equal(o.session, o2.session);
	assert_string_not_equal(o.csrf, o2.csrf);
	assert_int_equal(auth_check_csrf(t->a, o2.session, o2.csrf), 0);
	assert_int_equal(auth_check_csrf(t->a, o2.session, ""), -EPERM);
	assert_int_equal(auth_check_csrf(t->a, o2.session, o.csrf), -EPERM);
	assert_int_equal(auth_check_csrf(t->a, "", ""), -EPERM);
	strcpy(bad, o2.csrf);
	bad[AUTH_TOKEN_LEN - 1] = bad[AUTH_TOKEN_LEN - 1] == 'a' ? 'b' : 'a';
	assert_int_equal(auth_check_csrf(t->a, o2.session, bad), -EPERM);
	/* A prefix or an extension of the token is not the token. */
	bad[AUTH_TOKEN_LEN - 1] = '\0';
	assert_int_equal(auth_check_csrf(t->a, o2.session, bad), -EPERM);
	/* The session token is not a CSRF token. */
	assert_int_equal(auth_check_csrf(t->a, o2.session, o2.session), -EPERM);
	auth_logout(t->a, o2.session);
	assert_int_equal(auth_check_csrf(t->a, o2.session, o2.csrf), -EPERM);
	assert_int_equal(auth_check(t->a, o2.session, T0, NULL), -EACCES);
}

static void test_idle_expiry(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o;
	uint64_t idle = (uint64_t)CONFIG_AUTH_IDLE_S * 1000u;

	set_good(t, &o);
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o), 0);
	/* Each request refreshes the timer. */
	assert_int_equal(auth_check(t->a, o.session, T0 + idle, NULL), 0);
	assert_int_equal(auth_check(t->a, o.session, T0 + 2 * idle, NULL), 0);
	assert_int_equal(auth_check(t->a, o.session, T0 + 3 * idle + 1, NULL), -EACCES);
	/* Gone for good, even back in time. */
	assert_int_equal(auth_check(t->a, o.session, T0 + 2 * idle, NULL), -EACCES);
	assert_int_equal(auth_check(t->a, "not-a-token", T0, NULL), -EACCES);
}

static void test_sessions_full(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o[CONFIG_AUTH_SESSIONS + 1];
	struct auth_stats st;

	set_good(t, &o[0]);
	for (size_t i = 1; i < CONFIG_AUTH_SESSIONS; i++) {
		assert_int_equal(login(t, &src1, GOOD_PW, T0, &o[i]), 0);
	}
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o[CONFIG_AUTH_SESSIONS]), -ENOSPC);
	auth_get_stats(t->a, &st);
	assert_int_equal(st.sessions, CONFIG_AUTH_SESSIONS);
	auth_logout(t->a, o[1].session);
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o[CONFIG_AUTH_SESSIONS]), 0);
	/* Idle sessions make room by themselves. */
	assert_int_equal(
		login(t, &src1, GOOD_PW, T0 + (uint64_t)CONFIG_AUTH_IDLE_S * 1000u + 1, &o[1]), 0);
}

static void test_ct_equal(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	for (size_t i = 0; i < sizeof(a); i++) {
		a[i] = (uint8_t)(i * 7 + 1);
	}
	memcpy(b, a, sizeof(a));
	assert_true(auth_ct_equal(a, b, sizeof(a)));
	assert_true(auth_ct_equal(a, b, 0));
	for (size_t i = 0; i < sizeof(a); i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			assert_false(auth_ct_equal(a, b, sizeof(a)));
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
}

/* Password change survives a reboot; every other session ends; a reset replaces it. */
static void test_persistence(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o, o2, o3;
	const char *why = NULL;
	char otp[AUTH_OTP_LEN + 1];

	set_good(t, &o);
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o2), 0);
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o3), 0);
	assert_int_equal(auth_set_password(t->a, o2.session, GOOD_PW, GOOD_PW2, &why), 0);
	assert_int_equal(auth_check(t->a, o2.session, T0, NULL), 0);
	assert_int_equal(auth_check(t->a, o3.session, T0, NULL), -EACCES);
	assert_int_equal(auth_check(t->a, o.session, T0, NULL), -EACCES);

	boot(t);
	assert_false(t->first);
	assert_string_equal(t->otp, "");
	assert_string_equal(auth_load_error(t->a), "");
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o), -EACCES);
	assert_int_equal(login(t, &src1, GOOD_PW2, T0, &o), 0);
	assert_false(o.must_change);

	/* Console reset: new one-time password, all sessions end, old password gone. */
	assert_int_equal(auth_reset(t->a, otp), 0);
	assert_int_equal(strlen(otp), AUTH_OTP_LEN);
	assert_int_equal(auth_check(t->a, o.session, T0, NULL), -EACCES);
	assert_int_equal(login(t, &src2, GOOD_PW2, T0, &o), -EACCES);
	assert_int_equal(login(t, &src2, otp, T0, &o), 0);
	assert_true(o.must_change);
	/* After a reboot in that state the old password still does not work. */
	boot(t);
	assert_true(t->first);
	assert_int_equal(login(t, &src2, GOOD_PW2, T0, &o), -EACCES);
	assert_int_equal(login(t, &src2, t->otp, T0, &o), 0);
}

/* A failed save keeps the old password in force. */
static void test_save_failure(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o;
	const char *why = NULL;

	set_good(t, &o);
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o), 0);
	t->m.fail_writes = 1;
	assert_int_equal(auth_set_password(t->a, o.session, GOOD_PW, GOOD_PW2, &why), -EIO);
	assert_non_null(why);
	assert_int_equal(auth_check(t->a, o.session, T0, NULL), 0);
	assert_int_equal(login(t, &src1, GOOD_PW2, T0, &o), -EACCES);
	assert_int_equal(login(t, &src1, GOOD_PW, T0, &o), 0);
	/* First boot that cannot store its one-time record fails to start. */
	struct tctx t2 = {0};
	smem_init(&t2.s, &t2.m);
	t2.m.fail_writes = 1;
	assert_null(auth_create(&t2.s, t2.otp, &t2.first));
	stor_close(&t2.s);
}

/* Corrupt files are refused with a reason, never taken as credentials. */
static void test_corrupt(void **state)
{
	struct tctx *t = *state;
	static const char *const bad[] = {
		"garbage",
		"{\"v\":1}",
		"[1,2]",
		"{\"v\":1,\"kdf\":\"md5\",\"iter\":200000,\"salt\":\"00\",\"hash\":\"00\",\"otp\":"
		"false}",
		"{\"v\":1,\"kdf\":\"pbkdf2-sha256\",\"iter\":1000,\"salt\":"
		"\"000102030405060708090a0b0c0d0e0f\",\"hash\":"
		"\"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\",\"otp\":"
		"false}",
		"{\"v\":1,\"kdf\":\"pbkdf2-sha256\",\"iter\":200000,\"salt\":\"zz\",\"hash\":"
		"\"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\",\"otp\":"
		"false}",
		"{\"v\":1,\"kdf\":\"pbkdf2-sha256\",\"iter\":200000,\"salt\":"
		"\"000102030405060708090a0b0c0d0e0f\",\"hash\":\"0001\",\"otp\":false}",
		"{\"v\":1,\"kdf\":\"pbkdf2-sha256\",\"iter\":200000,\"salt\":"
		"\"000102030405060708090a0b0c0d0e0f\",\"hash\":"
		"\"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\"}",
	};
	static const char *const why[] = {
		"not a JSON object",       "unknown kdf", "not a JSON object", "unknown kdf",
		"iterations out of range", "bad salt",    "bad hash",          "bad otp flag",
	};
	struct auth_session_out o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		smem_put(&t->s, "auth.json", bad[i], strlen(bad[i]));
		boot(t);
		assert_true(t->first);
		assert_non_null(strstr(auth_load_error(t->a), "auth.json"));
		assert_non_null(strstr(auth_load_error(t->a), why[i]));
		assert_int_equal(login(t, &src1, t->otp, T0, &o), 0);
		assert_true(o.must_change);
		/* The corrupt file was replaced by a valid one-time record. */
		cJSON *j = stored(t);
		assert_non_null(j);
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "otp")));
		cJSON_Delete(j);
	}
	/* A file too large to be credentials is refused too. */
	static char big[4096];
	memset(big, ' ', sizeof(big));
	smem_put(&t->s, "auth.json", big, sizeof(big));
	boot(t);
	assert_true(t->first);
	assert_non_null(strstr(auth_load_error(t->a), "too large"));
}

/* ---- incremental PBKDF2 and password-check jobs ------------------------------------ */

static double ms_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* The incremental KDF in steps of step iterations; returns the number of steps. */
static uint32_t kdf_steps(const uint8_t *pw, size_t pwl, const uint8_t *salt, size_t sl,
			  uint32_t iter, size_t out_len, uint32_t step, uint8_t *out)
{
	struct auth_kdf *k = malloc(auth_kdf_size());
	uint32_t n = 0;
	int rc;

	assert_non_null(k);
	assert_int_equal(auth_kdf_begin(k, pw, pwl, salt, sl, iter, out_len), 0);
	assert_int_equal(auth_kdf_result(k, out, out_len), -EBUSY);
	do {
		rc = auth_kdf_step(k, step);
		n++;
		assert_true(rc == 0 || rc == -EINPROGRESS);
	} while (rc == -EINPROGRESS);
	assert_int_equal(auth_kdf_result(k, out, out_len), 0);
	free(k);
	return n;
}

static void mbed_pbkdf2(const uint8_t *pw, size_t pwl, const uint8_t *salt, size_t sl,
			uint32_t iter, size_t out_len, uint8_t *out)
{
	mbedtls_md_context_t md;

	mbedtls_md_init(&md);
	assert_int_equal(mbedtls_md_setup(&md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1), 0);
	assert_int_equal(
		mbedtls_pkcs5_pbkdf2_hmac(&md, pw, pwl, salt, sl, iter, (uint32_t)out_len, out), 0);
	mbedtls_md_free(&md);
}

/* RFC 7914 section 11's PBKDF2-HMAC-SHA256 vectors, and agreement with mbedTLS's one-shot. */
static void test_kdf_vectors(void **state)
{
	static const char *const rfc_out[2] = {
		"55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
		"49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
		"4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
		"a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d",
	};
	static const struct {
		const char *pw, *salt;
		uint32_t iter;
		size_t out_len;
	} v[] = {
		{"passwd", "salt", 1, 64},
		{"Password", "NaCl", 80000, 64},
		{"password", "salt", 2, 32},
		{"password", "salt", 4096, 20},
		{"passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 40},
		{"", "salt", 3, 33},
		{"", "", 5, 1},
		/* A key longer than the SHA-256 block is hashed first (RFC 2104). */
		{"a password that is quite a lot longer than the sixty-four bytes of one block",
		 "0123456789abcdef", 1001, 32},
	};
	static const uint32_t steps[] = {1, 7, 1000, UINT32_MAX};
	uint8_t got[AUTH_KDF_OUT_MAX], want[AUTH_KDF_OUT_MAX], rfc[AUTH_KDF_OUT_MAX];
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const uint8_t *pw = (const uint8_t *)v[i].pw;
		const uint8_t *salt = (const uint8_t *)v[i].salt;
		mbed_pbkdf2(pw, strlen(v[i].pw), salt, strlen(v[i].salt), v[i].iter, v[i].out_len,
			    want);
		if (i < 2) {
			unhex(rfc_out[i], rfc, 64);
			assert_memory_equal(want, rfc, 64);
		}
		for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			if (steps[s] == 1 && v[i].iter > 5000) {
				continue; /* 160,000 calls prove nothing more than 7-wide steps */
			}
			memset(got, 0, sizeof(got));
			uint32_t n = kdf_steps(pw, strlen(v[i].pw), salt, strlen(v[i].salt),
					       v[i].iter, v[i].out_len, steps[s], got);
			assert_memory_equal(got, want, v[i].out_len);
			uint32_t blocks = (uint32_t)((v[i].out_len + 31) / 32);
			uint64_t work = (uint64_t)blocks * v[i].iter;
			assert_int_equal(n, work / steps[s] + (work % steps[s] != 0 ? 1u : 0u));
		}
	}
	/* Bad arguments are refused, never overrun. */
	struct auth_kdf *k = malloc(auth_kdf_size());
	uint8_t big[AUTH_KDF_SALT_MAX + 1] = {0};
	assert_non_null(k);
	assert_int_equal(auth_kdf_begin(k, big, 1, big, sizeof(big), 1, 32), -EINVAL);
	assert_int_equal(auth_kdf_begin(k, big, 1, big, 4, 1, 0), -EINVAL);
	assert_int_equal(auth_kdf_begin(k, big, 1, big, 4, 1, AUTH_KDF_OUT_MAX + 1), -EINVAL);
	assert_int_equal(auth_kdf_begin(k, big, 1, big, 4, 0, 32), -EINVAL);
	assert_int_equal(auth_kdf_begin(k, big, 1, big, 4, 1, 32), 0);
	assert_int_equal(auth_kdf_step(k, 1), 0);
	assert_int_equal(auth_kdf_result(k, got, 31), -EBUSY); /* wrong length */
	assert_int_equal(auth_kdf_result(k, got, 32), 0);
	free(k);
}

/* Run a job to its end; returns the result and counts the calls in *calls. */
static int job_finish(struct auth_job *j, uint64_t now, struct auth_result *res, uint32_t *calls,
		      double *max_ms)
{
	int rc;

	*calls = 0;
	do {
		struct timespec a;
		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = auth_job_run(j, now, res);
		double ms = ms_since(&a);
		if (max_ms != NULL && ms > *max_ms) {
			*max_ms = ms;
		}
		(*calls)++;
		assert_true(*calls <= CONFIG_AUTH_PBKDF2_ITER);
	} while (rc == -EINPROGRESS);
	return rc;
}

/*
 * A login check is a job of ITER/STEP calls, and its answer equals the
 * one-shot check. Prints the longest time one call hashed: the time one
 * loop pass spends on one pending check.
 */
static void test_job_login_steps(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o;
	struct auth_result res;
	struct auth_job *j = NULL;
	uint32_t retry = 0, calls = 0;
	double max_ms = 0;
	struct timespec a;
	uint32_t want =
		(CONFIG_AUTH_PBKDF2_ITER + CONFIG_AUTH_PBKDF2_STEP - 1) / CONFIG_AUTH_PBKDF2_STEP;

	set_good(t, &o);
	assert_int_equal(auth_login_start(t->a, &src1, GOOD_PW, T0 + 10000, &j, &retry), 0);
	assert_non_null(j);
	assert_int_equal(auth_jobs_pending(t->a), 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(job_finish(j, T0 + 10000, &res, &calls, &max_ms), 0);
	double total = ms_since(&a);
	assert_int_equal(calls, want);
	assert_int_equal(auth_jobs_pending(t->a), 0);
	assert_int_equal(strlen(res.sess.session), AUTH_TOKEN_LEN);
	assert_int_equal(auth_check(t->a, res.sess.session, T0 + 10000, NULL), 0);
	printf("# login check: %u steps of %d iterations, longest step %.2f ms, total %.1f ms\n",
	       calls, CONFIG_AUTH_PBKDF2_STEP, max_ms, total);

	/* A wrong password: as many steps, then a counted failure. */
	struct auth_stats st;
	auth_get_stats(t->a, &st);
	assert_int_equal(auth_login_start(t->a, &src1, "wrong password", T0 + 20000, &j, &retry),
			 0);
	assert_int_equal(job_finish(j, T0 + 20000, &res, &calls, NULL), -EACCES);
	assert_int_equal(calls, want);
	uint64_t failed = st.logins_failed;
	auth_get_stats(t->a, &st);
	assert_int_equal(st.logins_failed, failed + 1);
	/* Refused before any hashing: too long, or missing. */
	char longpw[AUTH_PW_MAX + 2];
	memset(longpw, 'x', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	assert_int_equal(auth_login_start(t->a, &src2, longpw, T0 + 30000, &j, &retry), -EACCES);
	assert_null(j);
	assert_int_equal(auth_login_start(t->a, &src2, NULL, T0 + 40000, &j, &retry), -EACCES);
	assert_int_equal(auth_jobs_pending(t->a), 0);
}

/* At most CONFIG_AUTH_JOBS checks at once; the next is refused (-EAGAIN), not queued. */
static void test_job_pool(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o;
	struct auth_result res;
	struct auth_job *j[CONFIG_AUTH_JOBS + 1];
	uint32_t retry = 0, calls = 0;
	uint64_t now = T0 + 100000;
	struct auth_stats st;

	set_good(t, &o);
	auth_get_stats(t->a, &st);
	for (size_t i = 0; i < CONFIG_AUTH_JOBS; i++) {
		now += 1000; /* each in its own second: the global rate is another test */
		assert_int_equal(
			auth_login_start(t->a, &src1, "wrong password", now, &j[i], &retry), 0);
		assert_int_equal(auth_job_run(j[i], now, &res), -EINPROGRESS);
	}
	now += 1000;
	assert_int_equal(auth_login_start(t->a, &src2, GOOD_PW, now, &j[CONFIG_AUTH_JOBS], &retry),
			 -EAGAIN);
	assert_int_equal(retry, 1);
	assert_null(j[CONFIG_AUTH_JOBS]);
	assert_int_equal(auth_jobs_pending(t->a), CONFIG_AUTH_JOBS);
	/* A cancelled check (its client left) frees its slot and counts no failure. */
	auth_job_cancel(j[0]);
	auth_job_cancel(NULL);
	assert_int_equal(auth_jobs_pending(t->a), CONFIG_AUTH_JOBS - 1);
	assert_int_equal(auth_login_start(t->a, &src2, GOOD_PW, now, &j[0], &retry), 0);
	assert_int_equal(job_finish(j[0], now, &res, &calls, NULL), 0);
	for (size_t i = 1; i < CONFIG_AUTH_JOBS; i++) {
		auth_job_cancel(j[i]);
	}
	assert_int_equal(auth_jobs_pending(t->a), 0);
	struct auth_stats st2;
	auth_get_stats(t->a, &st2);
	assert_int_equal(st2.logins_failed, st.logins_failed);
	assert_int_equal(st2.logins_ok, st.logins_ok + 1);
}

/* A password change in steps: old checked, new hashed, both across many calls. */
static void test_job_password_change(void **state)
{
	struct tctx *t = *state;
	struct auth_session_out o;
	struct auth_result res;
	struct auth_job *j = NULL, *lj = NULL;
	const char *why = NULL;
	uint32_t retry = 0, calls = 0;
	uint8_t salt[16], want[32];

	set_good(t, &o);
	/* Wrong old: refused after its check, the bad new password not even judged. */
	assert_int_equal(
		auth_password_start(t->a, o.session, "not the password", "short", &j, &why), 0);
	assert_int_equal(job_finish(j, 0, &res, &calls, NULL), -EACCES);
	assert_string_equal(res.why, "wrong password");
	/* Right old, bad new: the new one's problem, after the old one's check. */
	assert_int_equal(auth_password_start(t->a, o.session, GOOD_PW, "short", &j, &why), 0);
	assert_int_equal(job_finish(j, 0, &res, &calls, NULL), -EINVAL);
	assert_non_null(strstr(res.why, "10 to 128"));
	/* No session: refused at once. */
	assert_int_equal(auth_password_start(t->a, "nope", GOOD_PW, GOOD_PW2, &j, &why), -EACCES);

	/* A login check that started before the change ends with "retry", not a verdict. */
	assert_int_equal(auth_login_start(t->a, &src2, GOOD_PW, T0 + 50000, &lj, &retry), 0);
	assert_int_equal(auth_password_start(t->a, o.session, GOOD_PW, GOOD_PW2, &j, &why), 0);
	assert_int_equal(job_finish(j, 0, &res, &calls, NULL), 0);
	assert_true(calls >= 2 * (CONFIG_AUTH_PBKDF2_ITER / CONFIG_AUTH_PBKDF2_STEP));
	assert_int_equal(job_finish(lj, T0 + 50000, &res, &calls, NULL), -EAGAIN);
	assert_int_equal(res.retry_s, 1);

	/* The stored hash is the one-shot PBKDF2 of the new password. */
	cJSON *js = stored(t);
	unhex(cJSON_GetObjectItem(js, "salt")->valuestring, salt, 16);
	unhex(cJSON_GetObjectItem(js, "hash")->valuestring, want, 32);
	cJSON_Delete(js);
	uint8_t got[32];
	pbkdf2(GOOD_PW2, salt, CONFIG_AUTH_PBKDF2_ITER, got);
	assert_memory_equal(got, want, 32);
	assert_int_equal(login(t, &src1, GOOD_PW, T0 + 60000, &o), -EACCES);
	assert_int_equal(login(t, &src1, GOOD_PW2, T0 + 60000, &o), 0);

	/* A change whose session ends meanwhile does not apply. */
	assert_int_equal(auth_password_start(t->a, o.session, GOOD_PW2, GOOD_PW, &j, &why), 0);
	assert_int_equal(auth_job_run(j, 0, &res), -EINPROGRESS);
	auth_logout(t->a, o.session);
	assert_int_equal(job_finish(j, 0, &res, &calls, NULL), -EACCES);
	assert_int_equal(login(t, &src1, GOOD_PW2, T0 + 70000, &o), 0);
	assert_int_equal(auth_jobs_pending(t->a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pbkdf2_iterations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_boot_otp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ct_equal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test(test_kdf_vectors),
		cmocka_unit_test_setup_teardown(test_job_login_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_password_change, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
