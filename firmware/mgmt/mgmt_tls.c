/*
 * mgmt_tls: the web server's TLS identity.
 *
 * An appliance has no certificate authority to ask, so on first boot it
 * makes its own: an ECDSA P-256 key (small and fast on a microcontroller,
 * accepted by every browser) and a self-signed certificate naming the
 * hostname and <hostname>.local, saved in the state dir so the browser's
 * exception stays valid across reboots. The randomness comes from the
 * board (brd_random) through mbedTLS's CTR-DRBG, never from the host.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "brd.h"
#include "mgmt_priv.h"
#include "stor.h"

#include "lwip/altcp_tls.h"
#include "lwip/init.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#define MGMT_TLS_KEY_NAME "tls.key"
#define MGMT_TLS_CRT_NAME "tls.crt"
#define MGMT_TLS_HOST_MAX 63 /* one DNS label */
#define MGMT_TLS_YEARS    10

struct mgmt_tls_gen {
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context key;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	char host[MGMT_TLS_HOST_MAX + 1];
};

/* mbedTLS entropy callback: the board's seeded source. */
static int mgmt_tls_entropy(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return brd_random(buf, len) == 0 ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

/* The certificate's name: the hostname if it is one DNS label, else "leaktap". */
static void mgmt_tls_host(const char *hostname, char *out, size_t cap)
{
	size_t n = hostname != NULL ? strnlen(hostname, MGMT_TLS_HOST_MAX + 1) : 0;
	bool ok = n > 0 && n <= MGMT_TLS_HOST_MAX && hostname[0] != '-';
	for (size_t i = 0; ok && i < n; i++) {
		char c = hostname[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '-';
	}
	snprintf(out, cap, "%s", ok ? hostname : "leaktap");
}

/* Civil date of a day count since 1970-01-01 (H. Hinnant's days_from_civil inverse). */
static void mgmt_tls_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/*
 * Validity: from today (or 2024-01-01 when the clock was never set, so a
 * board that boots in 1970 before SNTP does not make an expired
 * certificate) for MGMT_TLS_YEARS years.
 */
static int mgmt_tls_validity(mbedtls_x509write_cert *crt)
{
	int64_t days = (int64_t)(brd_wall_us() / 1000000u / 86400u);
	int64_t y;
	unsigned m;
	unsigned d;
	char from[32];
	char to[32];

	mgmt_tls_civil(days, &y, &m, &d);
	if (y < 2024 || y > 9999 - MGMT_TLS_YEARS) {
		y = 2024; /* and a clock beyond X.509's four-digit years is as unset */
		m = 1;
		d = 1;
	}
	if (m == 2 && d == 29) {
		d = 28; /* the end date's year may have no 29 February */
	}
	snprintf(from, sizeof(from), "%04u%02u%02u000000", (unsigned)y, m, d);
	snprintf(to, sizeof(to), "%04u%02u%02u000000", (unsigned)(y + MGMT_TLS_YEARS), m, d);
	return mbedtls_x509write_crt_set_validity(crt, from, to);
}

/*
 * subjectAltName with two dNSNames. mbedTLS 2.28 has no writer for it,
 * so the DER is built here: SEQUENCE { [2] name, [2] name }, short
 * lengths (a label is at most 63 bytes, the whole at most 2 + 2*71).
 */
static int mgmt_tls_san(mbedtls_x509write_cert *crt, const char *host)
{
	uint8_t der[2 + 2 * (2 + MGMT_TLS_HOST_MAX + 6)];
	size_t n = strlen(host);
	size_t o = 2;

	der[o++] = 0x82;
	der[o++] = (uint8_t)(n + 6);
	memcpy(der + o, host, n);
	memcpy(der + o + n, ".local", 6);
	o += n + 6;
	der[o++] = 0x82;
	der[o++] = (uint8_t)n;
	memcpy(der + o, host, n);
	o += n;
	der[0] = 0x30;
	der[1] = (uint8_t)(o - 2);
	return mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
						   MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME),
						   0, der, o);
}

/* Fill the certificate fields; 0 or an mbedTLS error. */
static int mgmt_tls_fill_crt(struct mgmt_tls_gen *g)
{
	char subject[8 + MGMT_TLS_HOST_MAX];
	uint8_t serial[16];
	int rc;

	snprintf(subject, sizeof(subject), "CN=%s", g->host);
	mbedtls_x509write_crt_set_version(&g->crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&g->crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&g->crt, &g->key);
	mbedtls_x509write_crt_set_issuer_key(&g->crt, &g->key);
	rc = mbedtls_ctr_drbg_random(&g->drbg, serial, sizeof(serial));
	if (rc != 0) {
		return rc;
	}
	serial[0] &= 0x7f; /* a positive INTEGER */
	serial[0] |= 0x01; /* and never zero */
	if ((rc = mbedtls_mpi_read_binary(&g->serial, serial, sizeof(serial))) != 0 ||
	    (rc = mbedtls_x509write_crt_set_serial(&g->crt, &g->serial)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_subject_name(&g->crt, subject)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_issuer_name(&g->crt, subject)) != 0 ||
	    (rc = mgmt_tls_validity(&g->crt)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_basic_constraints(&g->crt, 0, -1)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_key_usage(&g->crt,
						      MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) != 0 ||
	    (rc = mbedtls_x509write_crt_set_subject_key_identifier(&g->crt)) != 0) {
		return rc;
	}
	return mgmt_tls_san(&g->crt, g->host);
}

/* Make a new key and certificate into out; 0 or -EIO. */
static int mgmt_tls_generate(const char *hostname, struct mgmt_tls_pem *out)
{
	static const unsigned char pers[] = "leaktap-tls";
	struct mgmt_tls_gen g;
	int rc;

	mgmt_tls_host(hostname, g.host, sizeof(g.host));
	mbedtls_ctr_drbg_init(&g.drbg);
	mbedtls_pk_init(&g.key);
	mbedtls_x509write_crt_init(&g.crt);
	mbedtls_mpi_init(&g.serial);
	rc = mbedtls_ctr_drbg_seed(&g.drbg, mgmt_tls_entropy, NULL, pers, sizeof(pers) - 1);
	if (rc == 0) {
		rc = mbedtls_pk_setup(&g.key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	}
	if (rc == 0) {
		rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(g.key),
					 mbedtls_ctr_drbg_random, &g.drbg);
	}
	if (rc == 0) {
		rc = mgmt_tls_fill_crt(&g);
	}
	if (rc == 0) {
		rc = mbedtls_pk_write_key_pem(&g.key, out->key, sizeof(out->key));
	}
	if (rc == 0) {
		rc = mbedtls_x509write_crt_pem(&g.crt, out->crt, sizeof(out->crt),
					       mbedtls_ctr_drbg_random, &g.drbg);
	}
	if (rc == 0) {
		out->key_len = strlen((const char *)out->key);
		out->crt_len = strlen((const char *)out->crt);
	}
	mbedtls_mpi_free(&g.serial);
	mbedtls_x509write_crt_free(&g.crt);
	mbedtls_pk_free(&g.key);
	mbedtls_ctr_drbg_free(&g.drbg);
	return rc == 0 ? 0 : -EIO;
}

/* Whether a PEM key and certificate parse and belong together. */
static bool mgmt_tls_pair_ok(const struct mgmt_tls_pem *pem)
{
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;
	bool ok;

	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&crt);
	ok = mbedtls_pk_parse_key(&key, pem->key, pem->key_len + 1, NULL, 0) == 0 &&
	     mbedtls_x509_crt_parse(&crt, pem->crt, pem->crt_len + 1) == 0 &&
	     mbedtls_pk_check_pair(&crt.pk, &key) == 0;
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&key);
	return ok;
}

/* Read one PEM object into buf (cap bytes, NUL added); its length or negative errno. */
static int mgmt_tls_read(struct stor *stor, const char *name, uint8_t *buf, size_t cap)
{
	int n = stor_read(stor, name, buf, cap - 1);
	if (n < 0) {
		return n;
	}
	buf[n] = '\0';
	/* A NUL inside would make mbedTLS see a shorter PEM than the file. */
	if (memchr(buf, '\0', (size_t)n) != NULL) {
		return -EBADMSG;
	}
	return n;
}

int mgmt_tls_identity(struct stor *stor, const char *hostname, struct mgmt_tls_pem *out)
{
	bool save = stor != NULL;

	if (out == NULL) {
		return -EINVAL;
	}
	if (stor != NULL) {
		int kn = mgmt_tls_read(stor, MGMT_TLS_KEY_NAME, out->key, sizeof(out->key));
		int cn =
			kn < 0 ? kn
			       : mgmt_tls_read(stor, MGMT_TLS_CRT_NAME, out->crt, sizeof(out->crt));
		if (kn >= 0 && cn >= 0) {
			out->key_len = (size_t)kn;
			out->crt_len = (size_t)cn;
			if (mgmt_tls_pair_ok(out)) {
				return 0;
			}
		} else if (kn == -EIO || cn == -EIO) {
			/* The medium failed, the pair may be fine: do not overwrite it. */
			save = false;
		}
	}
	int rc = mgmt_tls_generate(hostname, out);
	if (rc != 0 || !save) {
		return rc;
	}
	/* The certificate is written last: a pair is only complete with both. */
	if (stor_write(stor, MGMT_TLS_KEY_NAME, out->key, out->key_len) == 0) {
		(void)stor_write(stor, MGMT_TLS_CRT_NAME, out->crt, out->crt_len);
	}
	return 0;
}

int mgmt_tls_server_config(const struct mgmt_tls_pem *pem, struct altcp_tls_config **out)
{
	if (pem == NULL || out == NULL || pem->key_len == 0 || pem->crt_len == 0) {
		return -EINVAL;
	}
	/* mbedTLS parses PEM only with the terminating NUL counted. */
	*out = altcp_tls_create_config_server_privkey_cert(pem->key, pem->key_len + 1, NULL, 0,
							   pem->crt, pem->crt_len + 1);
	return *out != NULL ? 0 : -ENOMEM;
}

/*
 * lwIP 2.1.3's altcp_tls_free_config() frees the key and certificates but
 * never calls mbedtls_ssl_config_free(), leaking what mbedTLS allocated
 * inside the ssl config (the own-cert list, DHM parameters) at every
 * restart of the server. The ssl config is the first member of lwIP's
 * struct altcp_tls_config (altcp_tls_mbedtls.c), so it is freed here
 * first; the version check makes an lwIP update revisit this.
 */
#if LWIP_VERSION_MAJOR != 2 || LWIP_VERSION_MINOR != 1
#error "check whether altcp_tls_free_config() frees the mbedtls_ssl_config now"
#endif
void mgmt_tls_free_config(struct altcp_tls_config *cfg)
{
	if (cfg == NULL) {
		return;
	}
	mbedtls_ssl_config_free((mbedtls_ssl_config *)(void *)cfg);
	altcp_tls_free_config(cfg);
}
