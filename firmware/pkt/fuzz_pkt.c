/*
 * libFuzzer entry point for pkt_decode().
 *
 * Input: the first byte picks the link type (modulo PKT_LINK_COUNT), the
 * rest is the frame. The frame is decoded straight from the fuzzer's buffer,
 * which ends exactly at the input's end, so ASan reports any over-read. After
 * decoding, the invariants that callers rely on are checked and a broken one
 * aborts, so the fuzzer keeps it as a crash.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0) {
			return false;
		}
	}
	return true;
}

/* Invariants of an IP packet; len is the frame length the decoder saw. */
static void check_ip(const struct pkt_info *pi, int rc, size_t len)
{
	size_t l3_end = (size_t)pi->l3_off + pi->l3_len;
	size_t hdr = pi->l3 == PKT_L3_IPV4 ? 20u : 40u;

	check(pi->l3_len >= hdr && l3_end <= len);
	check(pi->l3 == PKT_L3_IPV6 || (all_zero(pi->src + 4, 12) && all_zero(pi->dst + 4, 12)));
	check(!(pi->flags & PKT_F_SNAPPED) || l3_end == len);
	check(pi->l4_off == 0 || (pi->l4_off >= pi->l3_off + hdr && pi->l4_off <= l3_end));
	if (rc < 0) {
		/* The payload is recorded only once the transport header decoded. */
		check(pi->payload_off == 0 && pi->payload_len == 0 && pi->payload_wire == 0);
		return;
	}
	check(pi->l4_off != 0);
	check(pi->l3_off <= pi->l4_off && pi->l4_off <= pi->payload_off);
	check((size_t)pi->payload_off + pi->payload_len == l3_end);
	check(pi->payload_len <= pi->payload_wire);
	check(!(pi->flags & PKT_F_SNAPPED) || pi->payload_len < pi->payload_wire);
	if (pi->flags & PKT_F_L4) {
		check(pi->payload_off >= pi->l4_off + (pi->l4proto == 6 ? 20u : 8u));
	}
}

static void check_info(const struct pkt_info *pi, int rc, size_t len)
{
	check(rc == 0 || rc == -EBADMSG);
	check((rc < 0) == ((pi->flags & PKT_F_MALFORMED) != 0));
	check(pi->n_vlan <= 8);
	check((pi->n_vlan != 0) == ((pi->flags & PKT_F_VLAN) != 0));
	for (size_t i = pi->n_vlan; i < PKT_MAX_VLANS; i++) {
		check(pi->vlan[i] == 0);
	}
	for (size_t i = 0; i < PKT_MAX_VLANS; i++) {
		check(pi->vlan[i] <= 0x0fff);
	}
	check(pi->ethertype == 0 || pi->ethertype >= 0x0600);
	check(!(pi->flags & PKT_F_FRAG0) || (pi->flags & PKT_F_FRAG));
	check(!(pi->flags & PKT_F_L4) || pi->l3 != PKT_L3_NONE);
	check(!(pi->flags & PKT_F_L4) || !(pi->flags & PKT_F_FRAG) || (pi->flags & PKT_F_FRAG0));
	check(pi->l3 <= PKT_L3_IPV6);
	if (pi->l3 == PKT_L3_NONE) {
		check(pi->l3_off == 0 && pi->l3_len == 0 && pi->l4_off == 0 && pi->l4proto == 0);
		check(pi->payload_off == 0 && pi->payload_len == 0 && pi->payload_wire == 0);
		check(pi->ttl == 0 && all_zero(pi->src, 16) && all_zero(pi->dst, 16));
		check(!(pi->flags & (PKT_F_FRAG | PKT_F_FRAG0 | PKT_F_SNAPPED | PKT_F_L4)));
	} else {
		check_ip(pi, rc, len);
	}
	if (!(pi->flags & PKT_F_L4)) {
		check(pi->sport == 0 && pi->dport == 0 && pi->tcp_flags == 0);
		check(pi->tcp_seq == 0 && pi->tcp_ack == 0 && pi->tcp_win == 0);
	}
	check((pi->tcp_flags & ~0x3fu) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info a, b;
	enum pkt_link link;
	size_t len;
	int rc;

	if (size == 0) {
		return 0;
	}
	link = (enum pkt_link)(data[0] % PKT_LINK_COUNT);
	len = size - 1;
	/* Garbage first: a field the decoder forgets to set shows up below. */
	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	rc = pkt_decode(data + 1, len, link, &a);
	check(pkt_decode(data + 1, len, link, &b) == rc);
	check(memcmp(&a, &b, sizeof(a)) == 0);
	check_info(&a, rc, len < UINT16_MAX ? len : UINT16_MAX);
	return 0;
}
