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
};
void mgmt_httpd_get_stats(const struct mgmt_httpd *h, struct mgmt_httpd_stats *st);

#endif /* LEAKTAP_MGMT_PRIV_H */
