/*
 * Private seams between the files of firmware/mgmt: the stack and
 * addressing (mgmt.c, mgmt_netif.c, mgmt_addr.c) start the web server
 * (mgmt_httpd.c, mgmt_tls.c) through these calls. lwIP types are allowed
 * here; this header is never included outside firmware/mgmt.
 */
#ifndef LEAKTAP_MGMT_PRIV_H
#define LEAKTAP_MGMT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip_addr.h"
#include "mgmt.h"

struct mgmt_httpd;

struct mgmt_httpd_params {
	mgmt_http_cb http; /* the request handler */
	void *http_ctx;
	struct stor *stor;    /* TLS key and certificate; NULL: made for this boot only */
	const char *hostname; /* for the certificate's names and the redirect */
	/* Whether a connection from this peer arrived on the wan port (set by the netif). */
	bool (*from_wan)(void *ctx, const ip_addr_t *addr, uint16_t port);
	void *from_wan_ctx;
};

/* Listen on 443 (TLS) and 80 (redirect only). 0 or negative errno; *out set on success. */
int mgmt_httpd_start(const struct mgmt_httpd_params *p, struct mgmt_httpd **out);
void mgmt_httpd_stop(struct mgmt_httpd *h);

struct mgmt_httpd_stats {
	uint32_t conns;
	uint64_t requests;
	uint64_t rejected;
	uint64_t evicted;       /* waiting connections closed to make room for a new one */
	uint32_t deferred;      /* requests whose handler answered HTTP_DEFER, waiting now */
	uint64_t defer_expired; /* deferred requests answered 503 at HTTP_DEFER_MAX_MS */
	uint64_t defer_dropped; /* deferred requests whose client went away */
};
void mgmt_httpd_get_stats(const struct mgmt_httpd *h, struct mgmt_httpd_stats *st);

/*
 * Call the handler again for every deferred request (HTTP_DEFER, see
 * http.h), once each, and answer 503 those older than HTTP_DEFER_MAX_MS.
 * mgmt_poll() calls it every loop pass; NULL is ignored.
 */
void mgmt_httpd_tick(struct mgmt_httpd *h);

/* Whether a deferred request waits for the next tick (the loop must not sleep). */
bool mgmt_httpd_busy(const struct mgmt_httpd *h);

/*
 * TLS identity of the web server (mgmt_tls.c). The key and certificate
 * are PEM text, NUL-terminated (key_len/crt_len count without the NUL).
 */
#define MGMT_TLS_PEM_MAX 8192 /* room for an RSA-4096 key or a short chain */
struct mgmt_tls_pem {
	uint8_t key[MGMT_TLS_PEM_MAX];
	size_t key_len;
	uint8_t crt[MGMT_TLS_PEM_MAX];
	size_t crt_len;
};

/*
 * Load "tls.key" and "tls.crt" from stor; when stor is NULL, an object is
 * missing, or the pair does not parse or match, make an ECDSA P-256 key
 * and a self-signed certificate for hostname (valid 10 years, SAN
 * <hostname>.local and <hostname>) and save both to stor (when set). A
 * failed save keeps the new pair for this boot. 0 or negative errno
 * (-EIO when key generation failed).
 */
int mgmt_tls_identity(struct stor *stor, const char *hostname, struct mgmt_tls_pem *out);

struct altcp_tls_config;
/* The altcp_tls server configuration for an identity. 0, -EINVAL or -ENOMEM. */
int mgmt_tls_server_config(const struct mgmt_tls_pem *pem, struct altcp_tls_config **out);

/* Free an altcp_tls configuration completely (server or client); NULL is ignored. */
void mgmt_tls_free_config(struct altcp_tls_config *cfg);

#endif /* LEAKTAP_MGMT_PRIV_H */
