/*
 * Unit tests for the port HAL wrappers (firmware/hal/port.c), the libpcap
 * capture-file drivers (drivers/port/port_pcap.c: port_pcap_file_ops,
 * port_pcap_dump_ops) and the replay loop (firmware/core/loop.c).
 *
 * Captures are written into a private mkdtemp() directory by the dump
 * driver itself, through the HAL (port_init, p.link = PKT_LINK_ETH,
 * port_open, port_tx, port_close), and read back with the file driver
 * through port_rx_poll(). Every frame's bytes, caplen, wirelen and ts_us
 * must come back exactly as written.
 *
 * A small fake driver (fake_ops) fills only the mandatory ops, so the
 * wrappers' -ENOSYS answers and their fault injection can be checked
 * without libpcap in the way; it also counts how often each op ran, which
 * shows that an injected fault never reaches the driver.
 *
 * Fault injection (CONFIG_TEST_FAULTS, defined by the asan build): the
 * countdown set by port_fault_after(n) is shared by every port and counts
 * each wrapper call that reaches its injection point (open, rx_poll, tx,
 * stats). The per-test teardown resets it to 0 so tests stay independent.
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
#include <unistd.h>

#include <cmocka.h>

#include "cfg.h"
#include "eng.h"
#include "loop.h"
#include "port.h"
#include "port/port_pcap.h"

#ifndef CONFIG_TEST_FAULTS
#error "test_port needs CONFIG_TEST_FAULTS (build it with `make asan`)"
#endif

#define T_NFRAMES  10
#define T_MAXFRAME 256
#define T_PATH_MAX 512

/* pcap file layout, to cut a capture at a chosen byte (libpcap savefile format). */
#define T_PCAP_FILE_HDR 24u
#define T_PCAP_REC_HDR  16u

/* ---- fixture: one temporary directory for the whole group ------------- */

static char tmpdir[64];
static unsigned path_seq;

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/leaktap_test_port.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	char p[T_PATH_MAX + 32];

	(void)state;
	/* Files are named f<n>.pcap by tmp_path(); remove them all, then the directory. */
	for (unsigned i = 0; i < path_seq; i++) {
		snprintf(p, sizeof(p), "%s/f%u.pcap", tmpdir, i);
		unlink(p);
	}
	return rmdir(tmpdir);
}

/* Every test leaves the fault countdown off, whatever it asserted. */
static int test_teardown(void **state)
{
	(void)state;
	port_fault_after(0);
	return 0;
}

/* A fresh file name inside the temporary directory. */
static void tmp_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/f%u.pcap", tmpdir, path_seq++);
}

/* ---- frames ------------------------------------------------------------- */

struct tframe {
	uint8_t b[T_MAXFRAME];
	uint32_t len;
	uint64_t ts_us;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Frame i: Ethernet / IPv4 / UDP from 192.168.1.10:40000+i to 8.8.8.8:5000
 * with a payload of 10 + 7 * i bytes of a pattern that depends on i, so no
 * two frames share a length, a timestamp or their contents. The
 * timestamps have non-zero microseconds to catch any rounding.
 */
static void mk_frame(struct tframe *f, unsigned i)
{
	uint32_t plen = 10u + 7u * i;
	uint8_t *b = f->b;

	memset(f, 0, sizeof(*f));
	f->len = 14u + 20u + 8u + plen;
	assert_true(f->len <= sizeof(f->b));
	/* Ethernet: dst, src, IPv4. */
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	put16(b + 12, 0x0800);
	/* IPv4: version 4, IHL 5, total length, DF, TTL 64, UDP. */
	b[14] = 0x45;
	put16(b + 16, (uint16_t)(20u + 8u + plen));
	put16(b + 20, 0x4000);
	b[22] = 64;
	b[23] = 17;
	memcpy(b + 26, "\xc0\xa8\x01\x0a\x08\x08\x08\x08", 8);
	/* UDP. */
	put16(b + 34, (uint16_t)(40000u + i));
	put16(b + 36, 5000);
	put16(b + 38, (uint16_t)(8u + plen));
	for (uint32_t k = 0; k < plen; k++) {
		b[42 + k] = (uint8_t)(i * 31u + k);
	}
	f->ts_us = 1700000000123456ull + (uint64_t)i * 1000003ull;
}

static void mk_frames(struct tframe *fr, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		mk_frame(&fr[i], i);
	}
}

/* Write frames fr[0..n) to a new capture at path with the dump driver, through the HAL. */
static void write_capture(const char *path, const struct tframe *fr, unsigned n)
{
	struct port p;

	port_init(&p, &port_pcap_dump_ops, "out", path);
	p.link = PKT_LINK_ETH;
	assert_int_equal(port_open(&p), 0);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(port_tx(&p, fr[i].b, fr[i].len, fr[i].ts_us), 0);
	}
	port_close(&p);
}

/* Size in bytes of a pcap file holding fr[0..n). */
static long capture_size(const struct tframe *fr, unsigned n)
{
	long sz = T_PCAP_FILE_HDR;

	for (unsigned i = 0; i < n; i++) {
		sz += (long)(T_PCAP_REC_HDR + fr[i].len);
	}
	return sz;
}

/* ---- a recorder for received frames ----------------------------------- */

struct rec {
	unsigned n;
	struct {
		uint8_t b[T_MAXFRAME];
		uint32_t caplen;
		uint32_t wirelen;
		uint64_t ts_us;
	} f[2 * T_NFRAMES];
	struct port *last_port;
};

static void rec_cb(void *ctx, struct port *p, const struct port_frame *f)
{
	struct rec *r = ctx;

	assert_true(r->n < 2 * T_NFRAMES);
	assert_true(f->caplen <= T_MAXFRAME);
	memcpy(r->f[r->n].b, f->data, f->caplen);
	r->f[r->n].caplen = f->caplen;
	r->f[r->n].wirelen = f->wirelen;
	r->f[r->n].ts_us = f->ts_us;
	r->last_port = p;
	r->n++;
}

/* The recorded frames r->f[from..from+n) equal fr[0..n) exactly. */
static void assert_frames(const struct rec *r, unsigned from, const struct tframe *fr, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(r->f[from + i].caplen, fr[i].len);
		assert_int_equal(r->f[from + i].wirelen, fr[i].len);
		assert_int_equal(r->f[from + i].ts_us, fr[i].ts_us);
		assert_memory_equal(r->f[from + i].b, fr[i].b, fr[i].len);
	}
}

/* Open path with the file driver; asserts success and the link type. */
static void open_file(struct port *p, const char *path)
{
	port_init(p, &port_pcap_file_ops, "lan", path);
	assert_int_equal(port_open(p), 0);
	assert_true(p->is_open);
	assert_int_equal(p->link, PKT_LINK_ETH);
}

/* ---- a fake driver with only the mandatory ops ------------------------ */

struct fake {
	unsigned opens, polls, closes;
	int open_rc; /* what open answers */
};

static int fake_open(struct port *p)
{
	struct fake *fk = p->priv;

	fk->opens++;
	p->link = PKT_LINK_RAW;
	return fk->open_rc;
}

static int fake_rx_poll(struct port *p, uint32_t budget, port_rx_cb cb, void *ctx)
{
	struct fake *fk = p->priv;

	(void)budget;
	(void)cb;
	(void)ctx;
	fk->polls++;
	return 0;
}

static void fake_close(struct port *p)
{
	(void)p;
}

static const struct port_ops fake_ops = {
	.open = fake_open,
	.rx_poll = fake_rx_poll,
	.close = fake_close,
};

/* port_close() clears priv, so the fake's state is reattached before each use. */
static void fake_init(struct port *p, struct fake *fk)
{
	memset(fk, 0, sizeof(*fk));
	port_init(p, &fake_ops, "fake", "fake0");
	p->priv = fk;
}

/* ---- capture round trip --------------------------------------------------- */

/* Ten frames written by the dump driver come back byte for byte, then -ENODATA. */
static void test_roundtrip(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[T_NFRAMES];
	static struct rec r;
	struct port p;

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, T_NFRAMES);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, T_NFRAMES);

	open_file(&p, path);
	assert_int_equal(port_rx_poll(&p, 64, rec_cb, &r), T_NFRAMES);
	assert_int_equal(r.n, T_NFRAMES);
	assert_ptr_equal(r.last_port, &p);
	assert_frames(&r, 0, fr, T_NFRAMES);
	/* End of file, and it stays the end. */
	assert_int_equal(port_rx_poll(&p, 64, rec_cb, &r), -ENODATA);
	assert_int_equal(port_rx_poll(&p, 64, rec_cb, &r), -ENODATA);
	assert_int_equal(r.n, T_NFRAMES);
	port_close(&p);
}

/* The capture file has exactly the pcap layout: header plus one record per frame. */
static void test_dump_file_size(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[3];
	FILE *fp;

	(void)state;
	mk_frames(fr, 3);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, 3);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_int_equal(ftell(fp), capture_size(fr, 3));
	fclose(fp);
}

/* A capture with no frames answers -ENODATA on the first poll. */
static void test_empty_capture(void **state)
{
	char path[T_PATH_MAX];
	struct rec r;
	struct port p;

	(void)state;
	memset(&r, 0, sizeof(r));
	tmp_path(path, sizeof(path));
	write_capture(path, NULL, 0);
	open_file(&p, path);
	assert_int_equal(port_rx_poll(&p, 8, rec_cb, &r), -ENODATA);
	assert_int_equal(r.n, 0);
	port_close(&p);
}

/* Budget 3 over 10 frames: 3, 3, 3, 1, then -ENODATA, in order. */
static void test_budget(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[T_NFRAMES];
	static struct rec r;
	struct port p;
	static const int expect[] = {3, 3, 3, 1, -ENODATA};

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, T_NFRAMES);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, T_NFRAMES);
	open_file(&p, path);
	unsigned seen = 0;
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		int n = port_rx_poll(&p, 3, rec_cb, &r);
		assert_int_equal(n, expect[i]);
		if (n > 0) {
			seen += (unsigned)n;
		}
		/* The callback ran exactly as often as the poll said. */
		assert_int_equal(r.n, seen);
	}
	assert_frames(&r, 0, fr, T_NFRAMES);
	port_close(&p);
}

/* ---- wrapper argument checks ------------------------------------------------- */

static void test_args_einval(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[1];
	struct rec r;
	struct port p, d;
	struct port_stats st;
	static const uint8_t byte = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, 1);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, 1);

	/* NULL port everywhere. */
	assert_int_equal(port_open(NULL), -EINVAL);
	assert_int_equal(port_rx_poll(NULL, 1, rec_cb, &r), -EINVAL);
	assert_int_equal(port_tx(NULL, &byte, 1, 0), -EINVAL);
	assert_int_equal(port_stats(NULL, &st), -EINVAL);
	assert_int_equal(port_fd(NULL), -EINVAL);
	assert_int_equal(port_link(NULL), -EINVAL);
	port_close(NULL);

	/* No ops, or no device. */
	port_init(&p, NULL, "lan", path);
	assert_int_equal(port_open(&p), -EINVAL);
	port_init(&p, &port_pcap_file_ops, "lan", NULL);
	assert_int_equal(port_open(&p), -EINVAL);
	assert_false(p.is_open);

	/* Not open yet. */
	port_init(&p, &port_pcap_file_ops, "lan", path);
	assert_int_equal(port_rx_poll(&p, 1, rec_cb, &r), -EINVAL);
	assert_int_equal(port_stats(&p, &st), -EINVAL);
	assert_int_equal(port_fd(&p), -EINVAL);
	assert_int_equal(port_link(&p), -EINVAL);
	port_init(&d, &port_pcap_dump_ops, "out", path);
	d.link = PKT_LINK_ETH;
	assert_int_equal(port_tx(&d, &byte, 1, 0), -EINVAL);

	/* Open, but bad arguments: none reaches the driver, no frame is taken. */
	open_file(&p, path);
	assert_int_equal(port_rx_poll(&p, 1, NULL, &r), -EINVAL);
	assert_int_equal(port_rx_poll(&p, 0, rec_cb, &r), -EINVAL);
	assert_int_equal(port_stats(&p, NULL), -EINVAL);
	assert_int_equal(r.n, 0);
	/* The frame is still there for a good call. */
	assert_int_equal(port_rx_poll(&p, 1, rec_cb, &r), 1);
	assert_frames(&r, 0, fr, 1);
	port_close(&p);

	/* tx on an open dump port: NULL buffer, zero length; nothing is counted. */
	char opath[T_PATH_MAX];
	tmp_path(opath, sizeof(opath));
	port_init(&d, &port_pcap_dump_ops, "out", opath);
	d.link = PKT_LINK_ETH;
	assert_int_equal(port_open(&d), 0);
	assert_int_equal(port_tx(&d, NULL, 10, 0), -EINVAL);
	assert_int_equal(port_tx(&d, &byte, 0, 0), -EINVAL);
	assert_int_equal(port_stats(&d, &st), 0);
	assert_int_equal(st.tx_frames, 0);
	assert_int_equal(st.tx_errors, 0);
	port_close(&d);
}

/* A second open is refused and leaves the first one working. */
static void test_double_open(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[2];
	struct rec r;
	struct port p;

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, 2);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, 2);
	open_file(&p, path);
	void *priv = p.priv;
	assert_int_equal(port_open(&p), -EALREADY);
	assert_true(p.is_open);
	assert_ptr_equal(p.priv, priv);
	assert_int_equal(port_rx_poll(&p, 8, rec_cb, &r), 2);
	assert_frames(&r, 0, fr, 2);
	port_close(&p);
}

/* Optional ops that a driver leaves out answer -ENOSYS; the dump port has nothing to read. */
static void test_optional_enosys(void **state)
{
	char path[T_PATH_MAX], opath[T_PATH_MAX];
	struct tframe fr[1];
	struct rec r;
	struct port p, d, f;
	struct port_stats st;
	struct fake fk;

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, 1);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, 1);

	/* File port: no tx, no fd, no carrier. */
	open_file(&p, path);
	assert_int_equal(port_tx(&p, fr[0].b, fr[0].len, 0), -ENOSYS);
	assert_int_equal(port_fd(&p), -ENOSYS);
	assert_int_equal(port_link(&p), -ENOSYS);
	port_close(&p);

	/* Dump port: rx answers "no data", no fd. */
	tmp_path(opath, sizeof(opath));
	port_init(&d, &port_pcap_dump_ops, "out", opath);
	d.link = PKT_LINK_ETH;
	assert_int_equal(port_open(&d), 0);
	assert_int_equal(port_rx_poll(&d, 8, rec_cb, &r), -ENODATA);
	assert_int_equal(r.n, 0);
	assert_int_equal(port_fd(&d), -ENOSYS);
	assert_int_equal(port_link(&d), -ENOSYS);
	port_close(&d);

	/* A driver with only the mandatory ops: tx, stats, fd and link are all -ENOSYS. */
	fake_init(&f, &fk);
	assert_int_equal(port_open(&f), 0);
	assert_int_equal(fk.opens, 1);
	assert_int_equal(port_tx(&f, fr[0].b, fr[0].len, 0), -ENOSYS);
	assert_int_equal(port_stats(&f, &st), -ENOSYS);
	assert_int_equal(port_fd(&f), -ENOSYS);
	assert_int_equal(port_link(&f), -ENOSYS);
	assert_int_equal(port_rx_poll(&f, 4, rec_cb, &r), 0);
	assert_int_equal(fk.polls, 1);
	port_close(&f);
}

/* Closing twice is harmless, and a closed port can be opened again from the start. */
static void test_close_twice_reopen(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[3];
	struct rec r;
	struct port p;

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, 3);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, 3);
	open_file(&p, path);
	assert_int_equal(port_rx_poll(&p, 2, rec_cb, &r), 2);
	port_close(&p);
	assert_false(p.is_open);
	assert_null(p.priv);
	port_close(&p);
	assert_false(p.is_open);
	/* Use after close is refused, not a crash. */
	assert_int_equal(port_rx_poll(&p, 2, rec_cb, &r), -EINVAL);

	memset(&r, 0, sizeof(r));
	assert_int_equal(port_open(&p), 0);
	assert_int_equal(port_rx_poll(&p, 8, rec_cb, &r), 3);
	assert_frames(&r, 0, fr, 3);
	port_close(&p);
}

/* ---- bad files ------------------------------------------------------------------ */

static void test_open_missing(void **state)
{
	char path[T_PATH_MAX];
	struct port p;

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.pcap", tmpdir);
	port_init(&p, &port_pcap_file_ops, "lan", path);
	int rc = port_open(&p);
	assert_true(rc < 0);
	assert_int_equal(rc, -ENOENT);
	assert_false(p.is_open);
	assert_null(p.priv);
	assert_non_null(strstr(p.err, path));
	port_close(&p); /* not open: a no-op */
}

/* Write len bytes of data to a new file; returns nothing, asserts success. */
static void write_raw(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void test_open_not_capture(void **state)
{
	char path[T_PATH_MAX];
	static const char text[] = "this is a text file, not a packet capture at all\n";
	struct port p;

	(void)state;
	tmp_path(path, sizeof(path));
	write_raw(path, text, sizeof(text) - 1);
	port_init(&p, &port_pcap_file_ops, "lan", path);
	int rc = port_open(&p);
	assert_true(rc < 0);
	assert_int_equal(rc, -EBADMSG);
	assert_false(p.is_open);
	assert_null(p.priv);
	assert_true(p.err[0] != '\0');
	assert_non_null(strstr(p.err, path));

	/* An empty file is no capture either. */
	tmp_path(path, sizeof(path));
	write_raw(path, "", 0);
	port_init(&p, &port_pcap_file_ops, "lan", path);
	assert_true(port_open(&p) < 0);
	assert_false(p.is_open);
	assert_true(p.err[0] != '\0');
}

/*
 * A capture cut inside frame 4 (of 6): frames 0..3 are delivered, then
 * -EBADMSG with a reason in err. Cut twice: inside the record header and
 * inside the frame data.
 */
static void test_truncated(void **state)
{
	struct tframe fr[6];
	static struct rec r;
	struct port p;
	long cuts[2];

	(void)state;
	mk_frames(fr, 6);
	cuts[0] = capture_size(fr, 4) + 7;                         /* record header of frame 4 */
	cuts[1] = capture_size(fr, 4) + (long)T_PCAP_REC_HDR + 20; /* data of frame 4 */
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		char path[T_PATH_MAX];

		memset(&r, 0, sizeof(r));
		tmp_path(path, sizeof(path));
		write_capture(path, fr, 6);
		assert_int_equal(truncate(path, cuts[c]), 0);
		open_file(&p, path);
		int rc = port_rx_poll(&p, 64, rec_cb, &r);
		assert_int_equal(rc, -EBADMSG);
		assert_true(p.err[0] != '\0');
		assert_int_equal(r.n, 4);
		assert_frames(&r, 0, fr, 4);
		port_close(&p);
	}
}

/* ---- statistics ------------------------------------------------------------------ */

static void test_stats(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[4];
	struct rec r;
	struct port d, p;
	struct port_stats st;
	uint64_t bytes = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, 4);
	for (unsigned i = 0; i < 4; i++) {
		bytes += fr[i].len;
	}
	tmp_path(path, sizeof(path));
	port_init(&d, &port_pcap_dump_ops, "out", path);
	d.link = PKT_LINK_ETH;
	assert_int_equal(port_open(&d), 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(port_tx(&d, fr[i].b, fr[i].len, fr[i].ts_us), 0);
	}
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(port_stats(&d, &st), 0);
	assert_int_equal(st.tx_frames, 4);
	assert_int_equal(st.tx_bytes, bytes);
	assert_int_equal(st.tx_errors, 0);
	assert_int_equal(st.rx_frames, 0);
	assert_int_equal(st.rx_bytes, 0);
	assert_int_equal(st.drops, 0);
	port_close(&d);

	open_file(&p, path);
	assert_int_equal(port_stats(&p, &st), 0);
	assert_int_equal(st.rx_frames, 0);
	assert_int_equal(port_rx_poll(&p, 3, rec_cb, &r), 3);
	assert_int_equal(port_stats(&p, &st), 0);
	assert_int_equal(st.rx_frames, 3);
	assert_int_equal(st.rx_bytes, bytes - fr[3].len);
	assert_int_equal(port_rx_poll(&p, 3, rec_cb, &r), 1);
	assert_int_equal(port_rx_poll(&p, 3, rec_cb, &r), -ENODATA);
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(port_stats(&p, &st), 0);
	assert_int_equal(st.rx_frames, 4);
	assert_int_equal(st.rx_bytes, bytes);
	assert_int_equal(st.tx_frames, 0);
	assert_int_equal(st.tx_bytes, 0);
	assert_int_equal(st.tx_errors, 0);
	assert_int_equal(st.drops, 0);
	port_close(&p);
}

/* ---- fault injection ----------------------------------------------------------- */

/* The nth call fails, not the one before; the driver never sees the failed call. */
static void test_fault_open(void **state)
{
	struct port f;
	struct fake fk;

	(void)state;
	fake_init(&f, &fk);
	port_fault_after(1);
	assert_int_equal(port_open(&f), -EIO);
	assert_false(f.is_open);
	assert_int_equal(fk.opens, 0);
	assert_non_null(strstr(f.err, "injected"));
	assert_non_null(strstr(f.err, "open"));
	assert_non_null(strstr(f.err, "fake"));
	/* One fault only: the countdown is spent. */
	assert_int_equal(port_open(&f), 0);
	assert_int_equal(fk.opens, 1);
	assert_int_equal(f.err[0], '\0');
	port_close(&f);

	/* Against the real file driver too. */
	char path[T_PATH_MAX];
	struct tframe fr[1];
	struct port p;
	mk_frames(fr, 1);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, 1);
	port_init(&p, &port_pcap_file_ops, "lan", path);
	port_fault_after(1);
	assert_int_equal(port_open(&p), -EIO);
	assert_false(p.is_open);
	assert_null(p.priv);
	assert_non_null(strstr(p.err, "injected"));
	open_file(&p, path);
	port_close(&p);
}

/* A driver's own open failure gets a default message when the driver left err empty. */
static void test_open_driver_error(void **state)
{
	struct port f;
	struct fake fk;

	(void)state;
	fake_init(&f, &fk);
	fk.open_rc = -ENODEV;
	assert_int_equal(port_open(&f), -ENODEV);
	assert_false(f.is_open);
	assert_int_equal(fk.opens, 1);
	assert_non_null(strstr(f.err, "fake0"));
}

static void test_fault_counts_calls(void **state)
{
	struct port f;
	struct fake fk;
	struct rec r;

	(void)state;
	memset(&r, 0, sizeof(r));
	fake_init(&f, &fk);
	/* open = call 1, rx_poll = 2, 3, 4: the fourth call overall fails. */
	port_fault_after(4);
	assert_int_equal(port_open(&f), 0);
	assert_int_equal(port_rx_poll(&f, 1, rec_cb, &r), 0);
	assert_int_equal(port_rx_poll(&f, 1, rec_cb, &r), 0);
	assert_int_equal(port_rx_poll(&f, 1, rec_cb, &r), -EIO);
	assert_int_equal(fk.polls, 2);
	assert_non_null(strstr(f.err, "injected"));
	assert_non_null(strstr(f.err, "rx_poll"));
	assert_int_equal(port_rx_poll(&f, 1, rec_cb, &r), 0);
	assert_int_equal(fk.polls, 3);

	/* Calls refused by argument checks do not count down. */
	port_fault_after(2);
	assert_int_equal(port_rx_poll(&f, 0, rec_cb, &r), -EINVAL);
	assert_int_equal(port_rx_poll(&f, 1, NULL, &r), -EINVAL);
	assert_int_equal(port_rx_poll(&f, 1, rec_cb, &r), 0);
	assert_int_equal(port_rx_poll(&f, 1, rec_cb, &r), -EIO);

	/* 0 disables a pending fault. */
	port_fault_after(1);
	port_fault_after(0);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(port_rx_poll(&f, 1, rec_cb, &r), 0);
	}
	port_close(&f);
}

/* rx_poll fault on a file port: -EIO, no frame taken; the next poll gets them all. */
static void test_fault_rx(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[4];
	struct rec r;
	struct port p;

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, 4);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, 4);
	open_file(&p, path);
	port_fault_after(1);
	assert_int_equal(port_rx_poll(&p, 8, rec_cb, &r), -EIO);
	assert_int_equal(r.n, 0);
	assert_non_null(strstr(p.err, "injected"));
	assert_non_null(strstr(p.err, "rx_poll"));
	assert_int_equal(port_rx_poll(&p, 8, rec_cb, &r), 4);
	assert_frames(&r, 0, fr, 4);
	port_close(&p);
}

/* tx fault on the dump port: that frame is missing from the file, the others are there. */
static void test_fault_tx(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[3], kept[2];
	struct rec r;
	struct port d, p;
	struct port_stats st;

	(void)state;
	memset(&r, 0, sizeof(r));
	mk_frames(fr, 3);
	tmp_path(path, sizeof(path));
	port_init(&d, &port_pcap_dump_ops, "out", path);
	d.link = PKT_LINK_ETH;
	assert_int_equal(port_open(&d), 0);
	port_fault_after(2);
	assert_int_equal(port_tx(&d, fr[0].b, fr[0].len, fr[0].ts_us), 0);
	assert_int_equal(port_tx(&d, fr[1].b, fr[1].len, fr[1].ts_us), -EIO);
	assert_non_null(strstr(d.err, "injected"));
	assert_non_null(strstr(d.err, "tx"));
	assert_non_null(strstr(d.err, "out"));
	assert_int_equal(port_tx(&d, fr[2].b, fr[2].len, fr[2].ts_us), 0);
	/* The injected failure never reached the driver, so it counted no error. */
	assert_int_equal(port_stats(&d, &st), 0);
	assert_int_equal(st.tx_frames, 2);
	assert_int_equal(st.tx_bytes, fr[0].len + fr[2].len);
	assert_int_equal(st.tx_errors, 0);
	port_close(&d);

	kept[0] = fr[0];
	kept[1] = fr[2];
	open_file(&p, path);
	assert_int_equal(port_rx_poll(&p, 8, rec_cb, &r), 2);
	assert_frames(&r, 0, kept, 2);
	port_close(&p);
}

static void test_fault_stats(void **state)
{
	char path[T_PATH_MAX];
	struct tframe fr[1];
	struct port p;
	struct port_stats st;

	(void)state;
	mk_frames(fr, 1);
	tmp_path(path, sizeof(path));
	write_capture(path, fr, 1);
	open_file(&p, path);
	port_fault_after(1);
	assert_int_equal(port_stats(&p, &st), -EIO);
	assert_non_null(strstr(p.err, "injected"));
	assert_non_null(strstr(p.err, "stats"));
	assert_int_equal(port_stats(&p, &st), 0);
	port_close(&p);
}

/* ---- replay loop ---------------------------------------------------------------- */

/* A replay setup: input capture, recorder, engine. */
struct rig {
	char in_path[T_PATH_MAX];
	char out_path[T_PATH_MAX];
	struct tframe fr[T_NFRAMES];
	struct cfg cfg;
	struct port lan, out;
	struct loop l;
};

/* Write n frames to the input capture, open it and the recorder, create the engine. */
static void rig_start(struct rig *g, unsigned n, long cut)
{
	struct eng_params ep;

	memset(g, 0, sizeof(*g));
	mk_frames(g->fr, n);
	tmp_path(g->in_path, sizeof(g->in_path));
	tmp_path(g->out_path, sizeof(g->out_path));
	write_capture(g->in_path, g->fr, n);
	if (cut > 0) {
		assert_int_equal(truncate(g->in_path, cut), 0);
	}
	cfg_default(&g->cfg);
	memset(&ep, 0, sizeof(ep));
	ep.cfg = &g->cfg;
	ep.max_flows = 64;
	open_file(&g->lan, g->in_path);
	port_init(&g->out, &port_pcap_dump_ops, "out", g->out_path);
	g->out.link = g->lan.link;
	assert_int_equal(port_open(&g->out), 0);
	g->l.eng = eng_create(&ep);
	assert_non_null(g->l.eng);
	g->l.lan = &g->lan;
	g->l.out = &g->out;
	g->l.lan_side = ENG_SIDE_ANY;
}

/* Tear down; returns nothing, leaves the recorded capture on disk. */
static void rig_stop(struct rig *g)
{
	eng_destroy(g->l.eng);
	port_close(&g->lan);
	port_close(&g->out);
}

/* The recorded output holds exactly want[0..n). */
static void assert_output(const struct rig *g, const struct tframe *want, unsigned n)
{
	static struct rec r;
	struct port p;

	memset(&r, 0, sizeof(r));
	open_file(&p, g->out_path);
	int rc = port_rx_poll(&p, 64, rec_cb, &r);
	assert_int_equal(rc, n > 0 ? (int)n : -ENODATA);
	assert_int_equal(r.n, n);
	assert_frames(&r, 0, want, n);
	if (n > 0) {
		assert_int_equal(port_rx_poll(&p, 64, rec_cb, &r), -ENODATA);
	}
	port_close(&p);
}

static void eng_frames(const struct rig *g, uint64_t *frames, uint64_t *bytes)
{
	struct eng_counters c;

	eng_get_counters(g->l.eng, &c);
	*frames = c.frames;
	*bytes = c.bytes;
}

/* No fault: 0, every frame forwarded and recorded unchanged. */
static void test_replay_ok(void **state)
{
	static struct rig g;
	uint64_t frames, bytes, want_bytes = 0;

	(void)state;
	rig_start(&g, T_NFRAMES, 0);
	assert_int_equal(loop_replay(&g.l), 0);
	assert_int_equal(g.l.fwd_frames, T_NFRAMES);
	assert_int_equal(g.l.fwd_errors, 0);
	assert_int_equal(g.l.dropped, 0);
	eng_frames(&g, &frames, &bytes);
	for (unsigned i = 0; i < T_NFRAMES; i++) {
		want_bytes += g.fr[i].len;
	}
	assert_int_equal(frames, T_NFRAMES);
	assert_int_equal(bytes, want_bytes);
	rig_stop(&g);
	assert_output(&g, g.fr, T_NFRAMES);
}

/* The first rx_poll faults: the loop returns its error, nothing was processed. */
static void test_replay_rx_fault_first(void **state)
{
	static struct rig g;
	uint64_t frames, bytes;

	(void)state;
	rig_start(&g, T_NFRAMES, 0);
	port_fault_after(1);
	assert_int_equal(loop_replay(&g.l), -EIO);
	assert_non_null(strstr(g.lan.err, "injected"));
	assert_non_null(strstr(g.lan.err, "rx_poll"));
	eng_frames(&g, &frames, &bytes);
	assert_int_equal(frames, 0);
	assert_int_equal(g.l.fwd_frames, 0);
	rig_stop(&g);
	assert_output(&g, NULL, 0);
}

/*
 * The second rx_poll faults (call 1 is the first poll, calls 2..11 are the
 * ten sends, call 12 the poll that would have seen the end): the frames of
 * the first batch were processed and recorded, then the rx error comes back.
 */
static void test_replay_rx_fault_later(void **state)
{
	static struct rig g;
	uint64_t frames, bytes;

	(void)state;
	rig_start(&g, T_NFRAMES, 0);
	port_fault_after(1 + T_NFRAMES + 1);
	assert_int_equal(loop_replay(&g.l), -EIO);
	assert_non_null(strstr(g.lan.err, "rx_poll"));
	eng_frames(&g, &frames, &bytes);
	assert_int_equal(frames, T_NFRAMES);
	assert_int_equal(g.l.fwd_frames, T_NFRAMES);
	rig_stop(&g);
	assert_output(&g, g.fr, T_NFRAMES);
}

/* A truncated input: the frames before the cut are replayed, then the driver's -EBADMSG. */
static void test_replay_truncated(void **state)
{
	static struct rig g;
	struct tframe fr[T_NFRAMES];
	uint64_t frames, bytes;

	(void)state;
	mk_frames(fr, T_NFRAMES);
	rig_start(&g, T_NFRAMES, capture_size(fr, 6) + (long)T_PCAP_REC_HDR + 3);
	assert_int_equal(loop_replay(&g.l), -EBADMSG);
	assert_true(g.lan.err[0] != '\0');
	eng_frames(&g, &frames, &bytes);
	assert_int_equal(frames, 6);
	assert_int_equal(g.l.fwd_frames, 6);
	rig_stop(&g);
	assert_output(&g, g.fr, 6);
}

/* The recorder's third send faults: the loop answers -EIO and out.err says why. */
static void test_replay_tx_fault(void **state)
{
	static struct rig g;

	(void)state;
	rig_start(&g, T_NFRAMES, 0);
	/* Call 1 is the first rx_poll, 2 and 3 the first two sends. */
	port_fault_after(4);
	assert_int_equal(loop_replay(&g.l), -EIO);
	assert_non_null(strstr(g.out.err, "injected"));
	assert_non_null(strstr(g.out.err, "tx"));
	assert_int_equal(g.lan.err[0], '\0');
	assert_int_equal(g.l.fwd_errors, 1);
	/*
	 * Frames before the failed one were recorded. Note: loop_replay()
	 * notices the failure only after the whole batch, so the frames after
	 * the failed one in that batch are still processed and recorded (today
	 * fwd_frames is 9: the output has a hole). Only the documented part is
	 * asserted here.
	 */
	assert_true(g.l.fwd_frames >= 2);
	rig_stop(&g);
}

/* Replay without a recorder: frames are only counted, nothing is sent. */
static void test_replay_no_out(void **state)
{
	static struct rig g;
	uint64_t frames, bytes;

	(void)state;
	rig_start(&g, 5, 0);
	g.l.out = NULL;
	/* A fault armed for the 2nd call must hit the 2nd rx_poll, since no tx happens. */
	port_fault_after(2);
	assert_int_equal(loop_replay(&g.l), -EIO);
	assert_non_null(strstr(g.lan.err, "rx_poll"));
	eng_frames(&g, &frames, &bytes);
	assert_int_equal(frames, 5);
	assert_int_equal(g.l.fwd_frames, 0);
	rig_stop(&g);
	assert_output(&g, NULL, 0);
}

#define PT(fn) cmocka_unit_test_teardown(fn, test_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PT(test_roundtrip),
		PT(test_dump_file_size),
		PT(test_empty_capture),
		PT(test_budget),
		PT(test_args_einval),
		PT(test_double_open),
		PT(test_optional_enosys),
		PT(test_close_twice_reopen),
		PT(test_open_missing),
		PT(test_open_not_capture),
		PT(test_truncated),
		PT(test_stats),
		PT(test_fault_open),
		PT(test_open_driver_error),
		PT(test_fault_counts_calls),
		PT(test_fault_rx),
		PT(test_fault_tx),
		PT(test_fault_stats),
		PT(test_replay_ok),
		PT(test_replay_rx_fault_first),
		PT(test_replay_rx_fault_later),
		PT(test_replay_truncated),
		PT(test_replay_tx_fault),
		PT(test_replay_no_out),
	};

	return cmocka_run_group_tests_name("port", tests, group_setup, group_teardown);
}
