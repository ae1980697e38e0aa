/*
 * Unit tests for the transmit queue of the live libpcap port
 * (port_pcap_live_ops: tx queues, flush sends with one sendmmsg) and for
 * the port_flush() wrapper (firmware/hal/port.c).
 *
 * The live tests run on the loopback interface of a private network
 * namespace (unshare(CLONE_NEWNET), so root is needed): nothing else sends
 * there, and a frame sent on lo comes straight back as received. One live
 * port sends, a second live port on the same lo reads back what arrived,
 * so the test sees exactly what the wire saw and in which order. The test
 * frames carry the local experimental ethertype 0x88b5 and a sequence
 * number; anything else on lo is ignored.
 *
 * Without the right to make a namespace the live tests are skipped with a
 * reason (tests/run counts a skip as a failure: they must run as root).
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "autoconf.h"
#include "port.h"
#include "port/port_pcap.h"

#ifndef CONFIG_TEST_FAULTS
#error "test_port_live needs CONFIG_TEST_FAULTS (build it with `make asan`)"
#endif

#define T_ETYPE_HI 0x88
#define T_ETYPE_LO 0xb5
#define T_MAXSEEN  2048

static bool have_netns;
static char why_not[160];

/* What the reader saw: the sequence numbers and lengths of our frames, in order. */
struct seen {
	uint32_t n;
	uint32_t seq[T_MAXSEEN];
	uint32_t len[T_MAXSEEN];
};

static void on_rx(void *ctx, struct port *p, const struct port_frame *f)
{
	struct seen *s = ctx;
	(void)p;
	if (f->caplen < 18 || f->data[12] != T_ETYPE_HI || f->data[13] != T_ETYPE_LO ||
	    s->n >= T_MAXSEEN) {
		return;
	}
	s->seq[s->n] = (uint32_t)f->data[14] << 24 | (uint32_t)f->data[15] << 16 |
		       (uint32_t)f->data[16] << 8 | f->data[17];
	s->len[s->n] = f->caplen;
	s->n++;
}

/* A test frame: broadcast, our ethertype, a sequence number, then filler. */
static size_t mk_frame(uint8_t *b, size_t len, uint32_t seq)
{
	memset(b, 0xff, 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x00\x01", 6);
	b[12] = T_ETYPE_HI;
	b[13] = T_ETYPE_LO;
	b[14] = (uint8_t)(seq >> 24);
	b[15] = (uint8_t)(seq >> 16);
	b[16] = (uint8_t)(seq >> 8);
	b[17] = (uint8_t)seq;
	for (size_t i = 18; i < len; i++) {
		b[i] = (uint8_t)(i * 7u + seq);
	}
	return len;
}

/* Read what arrived on lo: poll until want frames came or ~200 ms passed. */
static void drain_rx(struct port *rx, struct seen *s, uint32_t want)
{
	for (int i = 0; i < 200 && s->n < want; i++) {
		int n = port_rx_poll(rx, 256, on_rx, s);
		assert_true(n >= 0);
		if (n == 0) {
			usleep(1000);
		}
	}
}

static int lo_up(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	if (fd < 0) {
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	rc = rc == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

static int group_setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(why_not, sizeof(why_not), "unshare(CLONE_NEWNET): %s (run as root)",
			 strerror(errno));
		return 0;
	}
	int rc = lo_up();
	if (rc != 0) {
		snprintf(why_not, sizeof(why_not), "cannot bring lo up: %s", strerror(-rc));
		return 0;
	}
	have_netns = true;
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	port_fault_after(0);
	return 0;
}

static void open_pair(struct port *tx, struct port *rx)
{
	if (!have_netns) {
		print_message("skipped: %s\n", why_not);
		skip();
	}
	port_init(tx, &port_pcap_live_ops, "tx", "lo");
	port_init(rx, &port_pcap_live_ops, "rx", "lo");
	assert_int_equal(port_open(tx), 0);
	assert_int_equal(port_open(rx), 0);
	assert_int_equal(tx->link, PKT_LINK_ETH);
}

/*
 * Queued frames do not leave before the flush; after it they all arrive,
 * whole and in order, and the counters say so.
 */
static void test_flush_sends_in_order(void **state)
{
	static struct seen s;
	uint8_t b[1514];
	struct port tx, rx;
	struct port_stats st;

	(void)state;
	memset(&s, 0, sizeof(s));
	open_pair(&tx, &rx);
	uint32_t n = CONFIG_PORT_PCAP_TX_BATCH > 1 ? CONFIG_PORT_PCAP_TX_BATCH - 1 : 1;
	size_t bytes = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t len = 60 + (i * 97u) % 1454u;
		bytes += len;
		assert_int_equal(port_tx(&tx, b, mk_frame(b, len, i), 0), 0);
	}
	if (CONFIG_PORT_PCAP_TX_BATCH > 1) {
		drain_rx(&rx, &s, 1);
		assert_int_equal(s.n, 0); /* still queued */
	}
	assert_int_equal(port_flush(&tx), 0);
	assert_int_equal(port_flush(&tx), 0); /* an empty queue is no error */
	drain_rx(&rx, &s, n);
	assert_int_equal(s.n, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(s.seq[i], i);
		assert_int_equal(s.len[i], 60 + (i * 97u) % 1454u);
	}
	assert_int_equal(port_stats(&tx, &st), 0);
	assert_int_equal(st.tx_frames, n);
	assert_int_equal(st.tx_bytes, bytes);
	assert_int_equal(st.tx_errors, 0);
	port_close(&tx);
	port_close(&rx);
}

/* A full queue goes out by itself; so does the queue when the port closes. */
static void test_full_queue_and_close(void **state)
{
	static struct seen s;
	uint8_t b[200];
	struct port tx, rx;

	(void)state;
	memset(&s, 0, sizeof(s));
	open_pair(&tx, &rx);
	uint32_t n = CONFIG_PORT_PCAP_TX_BATCH + 3;
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(port_tx(&tx, b, mk_frame(b, sizeof(b), i), 0), 0);
	}
	drain_rx(&rx, &s, CONFIG_PORT_PCAP_TX_BATCH);
	assert_int_equal(s.n, CONFIG_PORT_PCAP_TX_BATCH);
	port_close(&tx); /* the last 3 were queued: close flushes them */
	drain_rx(&rx, &s, n);
	assert_int_equal(s.n, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(s.seq[i], i);
	}
	port_close(&rx);
}

/*
 * A frame too large for a queue slot is sent alone, after what was queued
 * before it and before what comes after it.
 */
static void test_large_frame_keeps_order(void **state)
{
	static struct seen s;
	static uint8_t big[9000];
	uint8_t b[100];
	struct port tx, rx;

	(void)state;
	memset(&s, 0, sizeof(s));
	open_pair(&tx, &rx);
	assert_int_equal(port_tx(&tx, b, mk_frame(b, sizeof(b), 0), 0), 0);
	assert_int_equal(port_tx(&tx, big, mk_frame(big, sizeof(big), 1), 0), 0);
	assert_int_equal(port_tx(&tx, b, mk_frame(b, sizeof(b), 2), 0), 0);
	assert_int_equal(port_flush(&tx), 0);
	drain_rx(&rx, &s, 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seq[0], 0);
	assert_int_equal(s.seq[1], 1);
	assert_int_equal(s.len[1], sizeof(big));
	assert_int_equal(s.seq[2], 2);
	port_close(&tx);
	port_close(&rx);
}

/*
 * A frame the kernel refuses (larger than lo's MTU, or shorter than a
 * header) is counted as a send error and dropped; the frames around it in
 * the same batch still go, in order.
 */
static void test_refused_frame_counted(void **state)
{
	static struct seen s;
	static uint8_t huge[70000]; /* beyond lo's 64 KiB MTU */
	uint8_t b[100];
	struct port tx, rx;
	struct port_stats st;

	(void)state;
	memset(&s, 0, sizeof(s));
	open_pair(&tx, &rx);
	assert_int_equal(port_tx(&tx, b, mk_frame(b, sizeof(b), 0), 0), 0);
	/* Sent alone (too big for a slot): the kernel's refusal comes back at once. */
	assert_true(port_tx(&tx, huge, mk_frame(huge, sizeof(huge), 1), 0) < 0);
	assert_int_equal(port_tx(&tx, b, mk_frame(b, sizeof(b), 2), 0), 0);
	/* Shorter than an Ethernet header: refused inside the sendmmsg batch. */
	assert_int_equal(port_tx(&tx, b, 5, 0), 0);
	assert_int_equal(port_tx(&tx, b, mk_frame(b, sizeof(b), 3), 0), 0);
	assert_int_equal(port_flush(&tx), -EINVAL);
	drain_rx(&rx, &s, 3);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seq[0], 0);
	assert_int_equal(s.seq[1], 2);
	assert_int_equal(s.seq[2], 3);
	assert_int_equal(port_stats(&tx, &st), 0);
	assert_int_equal(st.tx_frames, 3);
	assert_int_equal(st.tx_errors, 2);
	port_close(&tx);
	port_close(&rx);
}

/*
 * port_flush() checks its argument, answers -ENOSYS for drivers that send
 * at once, and is a fault injection point: an injected failure never
 * reaches the driver, so the queue is still there for the next flush.
 */
static void test_flush_wrapper(void **state)
{
	static struct seen s;
	uint8_t b[100];
	struct port tx, rx, un;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(port_flush(NULL), -EINVAL);
	port_init(&un, &port_pcap_live_ops, "un", "lo");
	assert_int_equal(port_flush(&un), -EINVAL); /* not open */
	port_init(&un, &port_pcap_dump_ops, "out", "/dev/null");
	un.link = PKT_LINK_ETH;
	assert_int_equal(port_open(&un), 0);
	assert_int_equal(port_flush(&un), -ENOSYS);
	port_close(&un);

	open_pair(&tx, &rx);
	assert_int_equal(port_tx(&tx, b, mk_frame(b, sizeof(b), 0), 0), 0);
	port_fault_after(1);
	assert_int_equal(port_flush(&tx), -EIO);
	assert_non_null(strstr(tx.err, "injected fault in flush"));
	assert_int_equal(port_flush(&tx), 0);
	drain_rx(&rx, &s, 1);
	assert_int_equal(s.n, 1);
	port_close(&tx);
	port_close(&rx);
}

#define PT(fn) cmocka_unit_test_teardown(fn, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PT(test_flush_sends_in_order),    PT(test_full_queue_and_close),
		PT(test_large_frame_keeps_order), PT(test_refused_frame_counted),
		PT(test_flush_wrapper),
	};

	return cmocka_run_group_tests_name("port_live", tests, group_setup, NULL);
}
