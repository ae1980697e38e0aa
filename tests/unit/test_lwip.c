/*
 * lwIP link test: the stack built from Debian's source with our
 * lwipopts.h starts in NO_SYS mode, announces its address (gratuitous
 * ARP), resolves a peer by ARP and answers its ping. Frames go through a
 * netif whose output is recorded here, as lwIP's own fuzz harness does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define MAX_FRAMES 16

static uint8_t frames[MAX_FRAMES][1514];
static size_t frame_len[MAX_FRAMES];
static size_t n_frames;

static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t our_ip[4] = {192, 0, 2, 2};
static const uint8_t peer_ip[4] = {192, 0, 2, 1};

static err_t record_output(struct netif *nif, struct pbuf *p)
{
	(void)nif;
	if (n_frames < MAX_FRAMES) {
		frame_len[n_frames] = pbuf_copy_partial(p, frames[n_frames], sizeof(frames[0]), 0);
		n_frames++;
	}
	return ERR_OK;
}

static err_t test_netif_init(struct netif *nif)
{
	nif->linkoutput = record_output;
	nif->output = etharp_output;
	nif->mtu = 1500;
	nif->hwaddr_len = 6;
	memcpy(nif->hwaddr, our_mac, 6);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
	return ERR_OK;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2) {
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	}
	if (n & 1) {
		s += (uint32_t)(p[n - 1] << 8);
	}
	while (s >> 16) {
		s = (s & 0xffff) + (s >> 16);
	}
	return (uint16_t)~s;
}

static void inject(struct netif *nif, const uint8_t *buf, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	assert_non_null(p);
	assert_int_equal(pbuf_take(p, buf, (u16_t)len), ERR_OK);
	if (nif->input(p, nif) != ERR_OK) {
		pbuf_free(p); /* lwIP's rule: the caller frees what input rejected */
	}
}

static size_t eth_hdr(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

static size_t ping_frame(uint8_t *f)
{
	size_t o = eth_hdr(f, our_mac, 0x0800);
	uint8_t *ip = f + o;
	memset(ip, 0, 20 + 8 + 16);
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 16;
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, peer_ip, 4);
	memcpy(ip + 16, our_ip, 4);
	uint16_t c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *icmp = ip + 20;
	icmp[0] = 8;    /* echo request */
	icmp[5] = 0x2a; /* id 42 */
	icmp[7] = 7;    /* seq 7 */
	memcpy(icmp + 8, "leaktap-ping!!!!", 16);
	c = csum(icmp, 8 + 16);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return o + 20 + 8 + 16;
}

static size_t arp_reply_frame(uint8_t *f)
{
	size_t o = eth_hdr(f, our_mac, 0x0806);
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 2};
	memcpy(f + o, hdr, 8);
	memcpy(f + o + 8, peer_mac, 6);
	memcpy(f + o + 14, peer_ip, 4);
	memcpy(f + o + 18, our_mac, 6);
	memcpy(f + o + 24, our_ip, 4);
	return o + 28;
}

static void test_arp_and_ping(void **state)
{
	(void)state;
	struct netif nif;
	ip4_addr_t ip, mask, gw;
	IP4_ADDR(&ip, our_ip[0], our_ip[1], our_ip[2], our_ip[3]);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	lwip_init();
	assert_non_null(netif_add(&nif, &ip, &mask, &gw, NULL, test_netif_init, ethernet_input));
	netif_set_up(&nif);
	netif_set_link_up(&nif);

	/* Gratuitous ARP: an ARP request for our own address, broadcast. */
	assert_true(n_frames >= 1);
	assert_int_equal(frames[0][12], 0x08);
	assert_int_equal(frames[0][13], 0x06);
	assert_memory_equal(frames[0] + 14 + 14, our_ip, 4);
	assert_memory_equal(frames[0] + 14 + 24, our_ip, 4);

	/* A ping from an unknown peer: lwIP first asks who the peer is. */
	uint8_t f[128];
	n_frames = 0;
	inject(&nif, f, ping_frame(f));
	assert_int_equal(n_frames, 1);
	assert_int_equal(frames[0][13], 0x06);
	assert_int_equal(frames[0][14 + 7], 1); /* ARP request */
	assert_memory_equal(frames[0] + 14 + 24, peer_ip, 4);

	/* The ARP reply releases the queued echo reply. */
	n_frames = 0;
	inject(&nif, f, arp_reply_frame(f));
	assert_int_equal(n_frames, 1);
	const uint8_t *r = frames[0];
	assert_memory_equal(r, peer_mac, 6);
	assert_int_equal(r[13], 0x00);
	assert_int_equal(r[14 + 9], 1);
	assert_memory_equal(r + 14 + 16, peer_ip, 4);
	assert_int_equal(r[34], 0); /* echo reply */
	assert_int_equal(r[34 + 5], 0x2a);
	assert_int_equal(r[34 + 7], 7);
	assert_int_equal(csum(r + 14, 20), 0);
	assert_int_equal(csum(r + 34, 24), 0);
	sys_check_timeouts();
	netif_remove(&nif);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_and_ping),
	};
	return cmocka_run_group_tests_name("lwip", tests, NULL, NULL);
}
