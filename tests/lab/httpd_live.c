/*
 * Lab harness for the web server against real clients: lwIP with the
 * project's lwipopts on one live interface (the pcap port driver), and
 * mgmt_httpd with a small test handler, for tests/lab/httpd_live.sh to
 * talk to with curl, openssl and python from another namespace. It is
 * not the appliance (no bridge, no mgmt.c): it tests the server alone.
 *
 *   httpd_live DEV A.B.C.D SECONDS
 *
 * Handler: /big answers 200 KiB of a known pattern, anything else echoes
 * method, path, body length and a checksum of the body as JSON. Exits
 * after SECONDS, printing the server's counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brd.h"
#include "mgmt_priv.h"
#include "port.h"
#include "port/port_pcap.h"

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define LIVE_BIG (200u * 1024u)

struct live {
	struct port port;
	struct netif nif;
	uint8_t big[LIVE_BIG];
};

/*
 * The harness runs with no storage (a per-boot certificate); until
 * firmware/hal/stor.c is in the build these weak stand-ins satisfy the
 * linker and are never called.
 */
__attribute__((weak)) int stor_read(struct stor *s, const char *name, uint8_t *buf, size_t cap)
{
	(void)s;
	(void)name;
	(void)buf;
	(void)cap;
	return -ENOSYS;
}

__attribute__((weak)) int stor_write(struct stor *s, const char *name, const uint8_t *buf,
				     size_t len)
{
	(void)s;
	(void)name;
	(void)buf;
	(void)len;
	return -ENOSYS;
}

static err_t live_output(struct netif *nif, struct pbuf *p)
{
	struct live *lv = nif->state;
	uint8_t frame[1600];
	u16_t n = pbuf_copy_partial(p, frame, sizeof(frame), 0);
	/* The live port queues frames for a batched send: this harness sends each at once. */
	if (port_tx(&lv->port, frame, n, 0) != 0) {
		return ERR_IF;
	}
	int rc = port_flush(&lv->port);
	return rc == 0 || rc == -ENOSYS ? ERR_OK : ERR_IF;
}

static err_t live_netif_init(struct netif *nif)
{
	static const uint8_t mac[6] = {0x02, 0x88, 0x00, 0x00, 0x00, 0x02};
	nif->linkoutput = live_output;
	nif->output = etharp_output;
	nif->mtu = 1500;
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, mac, 6);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

static void live_rx(void *ctx, struct port *p, const struct port_frame *f)
{
	struct live *lv = ctx;
	(void)p;
	if (f->caplen == 0 || f->caplen > 0xffff) {
		return;
	}
	struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)f->caplen, PBUF_POOL);
	if (q == NULL) {
		return; /* out of receive buffers: dropped, as on a busy board */
	}
	if (pbuf_take(q, f->data, (u16_t)f->caplen) != ERR_OK ||
	    lv->nif.input(q, &lv->nif) != ERR_OK) {
		pbuf_free(q);
	}
}

static void live_handler(void *ctx, const struct http_req *rq, struct http_resp *rs)
{
	struct live *lv = ctx;
	uint32_t sum = 0;
	if (strcmp(rq->path, "/big") == 0) {
		rs->status = 200;
		rs->content_type = "application/octet-stream";
		rs->body = lv->big;
		rs->len = sizeof(lv->big);
		return;
	}
	for (size_t i = 0; i < rq->body_len; i++) {
		sum = sum * 31u + rq->body[i];
	}
	http_resp_json(rs, 200, "{\"m\":%d,\"path\":\"%s\",\"len\":%zu,\"sum\":%u,\"gzip\":%d}",
		       (int)rq->method, rq->path, rq->body_len, (unsigned)sum,
		       rq->accept_gzip ? 1 : 0);
}

static int live_run(struct live *lv, uint64_t seconds)
{
	struct mgmt_httpd *h = NULL;
	struct mgmt_httpd_params prm = {
		.http = live_handler,
		.http_ctx = lv,
		.hostname = "leaktap-lab",
	};
	int rc = mgmt_httpd_start(&prm, &h);
	if (rc != 0) {
		fprintf(stderr, "httpd_live: mgmt_httpd_start: %s\n", strerror(-rc));
		return 1;
	}
	printf("httpd_live: listening\n");
	fflush(stdout);
	uint64_t end = brd_now_ms() + seconds * 1000u;
	int fd = port_fd(&lv->port);
	while (brd_now_ms() < end) {
		int n = port_rx_poll(&lv->port, 64, live_rx, lv);
		sys_check_timeouts();
		if (n == 0 && fd >= 0) {
			(void)brd_wait(&fd, 1, 20);
		}
	}
	struct mgmt_httpd_stats st;
	mgmt_httpd_get_stats(h, &st);
	printf("httpd_live: conns %u requests %llu rejected %llu evicted %llu\n",
	       (unsigned)st.conns, (unsigned long long)st.requests, (unsigned long long)st.rejected,
	       (unsigned long long)st.evicted);
	mgmt_httpd_stop(h);
	return 0;
}

int main(int argc, char **argv)
{
	ip4_addr_t ip;
	ip4_addr_t mask;
	ip4_addr_t gw;

	if (argc != 4 || ip4addr_aton(argv[2], &ip) == 0 || atoi(argv[3]) <= 0) {
		fprintf(stderr, "usage: httpd_live DEV A.B.C.D SECONDS\n");
		return 2;
	}
	struct live *lv = calloc(1, sizeof(*lv));
	if (lv == NULL) {
		return 1;
	}
	for (size_t i = 0; i < sizeof(lv->big); i++) {
		lv->big[i] = (uint8_t)(i * 7 + (i >> 10));
	}
	port_init(&lv->port, &port_pcap_live_ops, "lan", argv[1]);
	if (port_open(&lv->port) != 0) {
		fprintf(stderr, "httpd_live: %s\n", lv->port.err);
		free(lv);
		return 1;
	}
	lwip_init();
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	netif_add(&lv->nif, &ip, &mask, &gw, lv, live_netif_init, ethernet_input);
	netif_set_default(&lv->nif);
	netif_set_up(&lv->nif);
	netif_set_link_up(&lv->nif);
	int rc = live_run(lv, (uint64_t)atoi(argv[3]));
	netif_remove(&lv->nif);
	port_close(&lv->port);
	free(lv);
	return rc;
}
