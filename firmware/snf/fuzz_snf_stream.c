/*
 * libFuzzer entry point for the stream carriers: snf_rtmp, snf_rtsp, snf_rtp.
 *
 * Input: byte 0 picks the sniffer (modulo 3) and bit 7 says whether the LAN
 * host is the client; byte 1 is the split parameter; the rest is, for
 * RTMP/RTSP, segments of [dir bit 7 | length 0..127][bytes], and for RTP,
 * packets of [len16 BE][bytes]. Each segment is fed whole, then cut at the
 * split point, then in pieces of 1..8 bytes: the decision and everything
 * reported to the sink must be the same every time, or the harness aborts.
 * RTP (bits 2-3 of byte 0: PT 96 and "H264" given) is fed whole and as
 * heads of at most split + 12 bytes; both must stay in bounds and the whole
 * feed must be repeatable.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snf.h"
#include "snf_rtmp.h"
#include "snf_rtp.h"
#include "snf_rtsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok) {
		abort();
	}
}

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

/* Everything the sink was told, to compare runs. */
struct rec {
	unsigned nname, nvideo, nexp;
	char name[64];
	char ev[128];
	struct snf_media m;
	uint16_t lan_port, remote_port;
	bool upload;
};

static void on_name(void *ctx, const char *name)
{
	struct rec *r = ctx;
	r->nname++;
	snf_strlcpy(r->name, name, sizeof(r->name));
}

static void on_video(void *ctx, enum snf_dir dir, const struct snf_media *m, const char *ev)
{
	struct rec *r = ctx;
	check(dir == SNF_OUT);
	check(terminated(m->video, sizeof(m->video)) && terminated(m->codec, sizeof(m->codec)) &&
	      terminated(m->detail, sizeof(m->detail)));
	r->nvideo++;
	r->m = *m;
	snf_strlcpy(r->ev, ev, sizeof(r->ev));
}

static void on_expect(void *ctx, const struct snf_expect *e)
{
	struct rec *r = ctx;
	r->nexp++;
	r->lan_port = e->lan_port;
	r->remote_port = e->remote_port;
	r->upload = e->upload;
}

union carrier {
	struct snf_rtmp rtmp;
	struct snf_rtsp rtsp;
};

static enum snf_res feed1(union carrier *c, bool rtmp, enum snf_dir dir, const uint8_t *p, size_t n,
			  const struct snf_sink *sink)
{
	return rtmp ? snf_rtmp_feed(&c->rtmp, dir, p, n, sink)
		    : snf_rtsp_feed(&c->rtsp, dir, p, n, sink);
}

/* mode 0: whole segments; 1: cut at split; 2: pieces of split % 8 + 1 bytes. */
static enum snf_res run(const uint8_t *d, size_t n, bool rtmp, bool client, unsigned mode,
			uint8_t split, struct rec *r)
{
	union carrier c;
	struct snf_sink sink = {.name = on_name, .video = on_video, .expect = on_expect, .ctx = r};
	enum snf_res res = SNF_MORE;
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	if (rtmp) {
		snf_rtmp_init(&c.rtmp, client);
	} else {
		snf_rtsp_init(&c.rtsp, client);
	}
	while (off < n) {
		enum snf_dir dir = (d[off] & 0x80) ? SNF_IN : SNF_OUT;
		size_t len = d[off] & 0x7fu, done = 0;
		off++;
		len = len < n - off ? len : n - off;
		while (done < len || (len == 0 && done == 0)) {
			size_t k = len - done;
			if (mode == 1 && done < split && split < len) {
				k = split - done;
			} else if (mode == 2) {
				k = (size_t)(split % 8u) + 1u;
				k = k < len - done ? k : len - done;
			}
			res = feed1(&c, rtmp, dir, d + off + done, k, &sink);
			done += k;
			if (len == 0) {
				break;
			}
		}
		off += len;
	}
	return res;
}

static void stream(const uint8_t *d, size_t n, bool rtmp, bool client, uint8_t split)
{
	struct rec r0, r;

	enum snf_res res0 = run(d, n, rtmp, client, 0, split, &r0);
	for (unsigned mode = 1; mode <= 2; mode++) {
		check(run(d, n, rtmp, client, mode, split, &r) == res0);
		check(r.nname == r0.nname && r.nvideo == r0.nvideo && r.nexp == r0.nexp);
		check(strcmp(r.name, r0.name) == 0 && strcmp(r.ev, r0.ev) == 0);
		check(memcmp(&r.m, &r0.m, sizeof(r.m)) == 0);
		check(r.lan_port == r0.lan_port && r.remote_port == r0.remote_port &&
		      r.upload == r0.upload);
	}
	check(r0.nvideo <= 1 && (r0.nvideo == 1) == (res0 == SNF_VIDEO));
}

static enum snf_res rtp_run(const uint8_t *d, size_t n, uint8_t flags, size_t cap,
			    struct snf_media *m)
{
	struct snf_rtp s;
	enum snf_res res = SNF_MORE;
	size_t off = 0;

	snf_rtp_init(&s, flags & 1 ? 96 : 0xff, flags & 2 ? "H264" : "");
	while (off + 2 <= n) {
		size_t len = (size_t)d[off] << 8 | d[off + 1];
		off += 2;
		len = len < n - off ? len : n - off;
		res = snf_rtp_feed_head(&s, d + off, cap != 0 && cap < len ? cap : len, len, m);
		off += len;
	}
	return res;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snf_media m, m2;

	if (size < 2) {
		return 0;
	}
	uint8_t sel = data[0], split = data[1];
	switch (sel % 3u) {
	case 0:
		stream(data + 2, size - 2, true, sel & 0x80, split);
		break;
	case 1:
		stream(data + 2, size - 2, false, sel & 0x80, split);
		break;
	default:
		memset(&m, 0, sizeof(m));
		memset(&m2, 0, sizeof(m2));
		enum snf_res a = rtp_run(data + 2, size - 2, sel >> 2, 0, &m);
		check(rtp_run(data + 2, size - 2, sel >> 2, 0, &m2) == a);
		check(memcmp(&m, &m2, sizeof(m)) == 0);
		(void)rtp_run(data + 2, size - 2, sel >> 2, (size_t)split + 12u, &m2);
		break;
	}
	return 0;
}
