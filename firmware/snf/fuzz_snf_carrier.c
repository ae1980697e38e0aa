/*
 * libFuzzer harness for the HTTP and FTP carriers.
 *
 * Input: byte 0 selects the carrier (mod 3: HTTP with the LAN host as
 * client, HTTP with the LAN host as server, FTP control); byte 1 is a split
 * point; the rest is a dialog of records, each a flags byte (bit 0: 1 =
 * inbound, SNF_IN) and a length byte followed by that many bytes (cut at the
 * end of the input). The dialog is fed twice: each record whole, then each
 * record cut in two at the split point. Both runs must give the same sink
 * calls (bodies merged, as their pieces may differ) and the same results;
 * every string the carriers hand over must be terminated and printable
 * where the contract says so, and bodies must nest properly.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "snf.h"
#include "snf_ftp.h"
#include "snf_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of the sink calls of one run. */
struct fz_log {
	uint64_t h;
	uint64_t body_h; /* body bytes not yet folded into h */
	size_t body_n;
	bool open;
};

static void mix(struct fz_log *l, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		l->h = (l->h ^ b[i]) * 0x100000001b3ull;
	}
}

static void flush(struct fz_log *l)
{
	if (l->body_n > 0) {
		mix(l, "D", 1);
		mix(l, &l->body_n, sizeof(l->body_n));
		mix(l, &l->body_h, sizeof(l->body_h));
		l->body_n = 0;
		l->body_h = 0xcbf29ce484222325ull;
	}
}

/* A string the carrier promised to be printable ASCII. */
static void mix_str(struct fz_log *l, const char *s, bool printable)
{
	size_t n = strlen(s);

	for (size_t i = 0; printable && i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
			abort();
		}
	}
	mix(l, s, n + 1);
}

/* A fixed field must hold its terminating NUL. */
static void mix_field(struct fz_log *l, const char *f, size_t size)
{
	if (memchr(f, '\0', size) == NULL) {
		abort();
	}
	mix_str(l, f, false);
}

static void fz_name(void *ctx, const char *name)
{
	struct fz_log *l = ctx;

	flush(l);
	mix(l, "N", 1);
	mix_str(l, name, true);
}

static void fz_begin(void *ctx, const char *carrier, const char *file)
{
	struct fz_log *l = ctx;

	if (l->open) {
		abort(); /* bodies do not nest */
	}
	l->open = true;
	flush(l);
	mix(l, "B", 1);
	mix_str(l, carrier, true);
	mix_str(l, file, true);
}

static void fz_body(void *ctx, const uint8_t *p, size_t n)
{
	struct fz_log *l = ctx;

	if (!l->open || n == 0) {
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		l->body_h = (l->body_h ^ p[i]) * 0x100000001b3ull;
	}
	l->body_n += n;
}

static void fz_end(void *ctx)
{
	struct fz_log *l = ctx;

	if (!l->open) {
		abort();
	}
	l->open = false;
	flush(l);
	mix(l, "E", 1);
}

static void fz_video(void *ctx, enum snf_dir dir, const struct snf_media *m, const char *ev)
{
	struct fz_log *l = ctx;

	flush(l);
	mix(l, "V", 1);
	mix(l, &dir, sizeof(dir));
	mix_field(l, m->video, sizeof(m->video));
	mix_field(l, m->codec, sizeof(m->codec));
	mix_field(l, m->detail, sizeof(m->detail));
	mix(l, &m->width, sizeof(m->width));
	mix(l, &m->height, sizeof(m->height));
	mix_str(l, ev, true);
}

static void fz_expect(void *ctx, const struct snf_expect *e)
{
	struct fz_log *l = ctx;

	flush(l);
	mix(l, "X", 1);
	mix_field(l, e->file, sizeof(e->file));
	(void)strlen(e->file);
	mix(l, e, offsetof(struct snf_expect, file));
	mix(l, &e->rtp_pt, sizeof(e->rtp_pt));
}

/* Both carriers, so one run can drive either. */
struct fz_run {
	unsigned mode;
	struct snf_http http;
	struct snf_ftp ftp;
};

static enum snf_res fz_feed(struct fz_run *r, enum snf_dir dir, const uint8_t *p, size_t n,
			    const struct snf_sink *k)
{
	if (r->mode == 2) {
		return snf_ftp_feed(&r->ftp, dir, p, n, k);
	}
	return snf_http_feed(&r->http, dir, p, n, k);
}

/* Feed the dialog; results[] gets the result after each record. */
static size_t run(unsigned mode, const uint8_t *d, size_t size, size_t split, bool cut,
		  enum snf_res *results, struct fz_log *l)
{
	static struct fz_run r;
	struct snf_sink k = {fz_name, fz_begin, fz_body, fz_end, fz_video, fz_expect, l};
	size_t nrec = 0;

	memset(l, 0, sizeof(*l));
	l->h = 0xcbf29ce484222325ull;
	l->body_h = l->h;
	r.mode = mode;
	snf_http_init(&r.http, mode == 0);
	snf_ftp_init(&r.ftp);
	for (size_t at = 0; at + 2 <= size; nrec++) {
		enum snf_dir dir = (d[at] & 1) != 0 ? SNF_IN : SNF_OUT;
		size_t n = d[at + 1];
		enum snf_res res;
		at += 2;
		n = n < size - at ? n : size - at;
		size_t s = cut ? split % (n + 1) : n;
		res = fz_feed(&r, dir, d + at, s, &k);
		if (s < n) {
			res = fz_feed(&r, dir, d + at + s, n - s, &k);
		}
		results[nrec] = res;
		at += n;
	}
	if (mode != 2) {
		snf_http_close(&r.http, &k);
	}
	if (l->open) {
		abort(); /* every body was ended by the end of the dialog */
	}
	flush(l);
	return nrec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static enum snf_res ra[1u << 16];
	static enum snf_res rb[1u << 16];
	struct fz_log la;
	struct fz_log lb;

	if (size < 2 || size > (1u << 16)) {
		return 0;
	}
	unsigned mode = data[0] % 3u;
	size_t split = data[1];
	size_t na = run(mode, data + 2, size - 2, split, false, ra, &la);
	size_t nb = run(mode, data + 2, size - 2, split, true, rb, &lb);
	if (na != nb || la.h != lb.h || memcmp(ra, rb, na * sizeof(ra[0])) != 0) {
		abort();
	}
	return 0;
}
