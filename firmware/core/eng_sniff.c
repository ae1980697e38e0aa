/*
 * The engine's video path: which flows are sniffed, in what order their
 * bytes reach the carriers, what becomes evidence, and what is charged to
 * the policy.
 *
 * A flow gets a sniffer slot (from a pool allocated once) at its first
 * payload packet when exactly one side is the office, the other is not
 * local, and the detector has not called it encrypted. The slot goes back
 * as soon as the flow is known encrypted, its carrier is done, or the flow
 * ends. TCP bytes reach the carriers in sequence order; a gap (a lost or
 * reordered segment) ends sniffing of that direction, not accounting.
 *
 * Outbound payload bytes of office/remote flows are charged to the
 * (office host, remote host) pair once the detector's verdict is final and
 * not encrypted; until then they wait in the flow (pend_out).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "eng_priv.h"
#include "fmt.h"
#include "nam.h"
#include "pol.h"
#include "snf_cont.h"
#include "snf_ftp.h"
#include "snf_http.h"
#include "snf_rtmp.h"
#include "snf_rtp.h"
#include "snf_rtsp.h"

#define FINGERPRINT_BYTES (64u * 1024u)
#define FLUSH_BYTES       (64u * 1024u)
#define EXPECT_TTL_MS     30000u
#define REORDER_BYTES     (64u * 1024u)
#define REORDER_RANGES    32u

/*
 * Out-of-order TCP bytes of one direction, held until the hole before them
 * is filled (a retransmission after a loss). From a small pool: most flows
 * never need one.
 */
struct eng_reorder {
	uint32_t base; /* sequence number of data[0]: the hole's start */
	uint32_t n;    /* ranges held */
	struct {
		uint32_t lo, hi; /* offsets from base; sorted, disjoint */
	} r[REORDER_RANGES];
	uint8_t data[REORDER_BYTES];
};

enum carrier {
	CAR_NONE = 0, /* not chosen yet */
	CAR_HTTP,
	CAR_FTP,
	CAR_FTP_DATA,
	CAR_RTMP,
	CAR_RTSP,
	CAR_RTP,
	CAR_RAW,  /* unknown protocol: container magic at the start of the outbound stream */
	CAR_DONE, /* nothing more to learn from this flow's bytes */
};

struct eng_snf {
	uint8_t carrier;
	bool lan_is_client;
	bool gap[2]; /* per snf_dir: a hole in the sequence, sniffing stopped */
	bool seq_init[2];
	uint32_t next_seq[2];
	uint16_t rb[2];   /* reorder buffer + 1 per direction; 0 = none */
	uint32_t out_fed; /* outbound bytes given to the carrier */
	bool body_on;
	bool cont_done;
	bool sha_on;
	bool ev_ready; /* ev holds proof not yet given to the policy */
	bool ev_sent;
	uint32_t sha_len;
	struct snf_cont cont;
	mbedtls_sha256_context sha;
	char carrier_txt[48];
	char file[128];
	struct pol_evidence ev;
	struct snf_media rtp_media; /* what RTSP's SDP announced for an RTP flow */
	union {
		struct snf_http http;
		struct snf_ftp ftp;
		struct snf_rtmp rtmp;
		struct snf_rtsp rtsp;
		struct snf_rtp rtp;
	} u;
};

/* One pending related connection (FTP data, RTP) announced by a carrier. */
struct eng_expect {
	struct snf_expect e;
	uint64_t until_ms;
	bool used;
};

/* Context of the sink callbacks: which flow and slot the carrier speaks for. */
struct sink_ctx {
	struct eng *e;
	struct flow *f;
	struct eng_snf *s;
	uint64_t now_ms;
};

static struct eng_snf *slot_of(const struct eng *e, const struct flow *f)
{
	return f->snf ? &e->snf_pool[f->snf - 1] : NULL;
}

/* Address of the office side and of the remote side of a flow (LO/HI only). */
static const uint8_t *lan_addr(const struct flow *f)
{
	return f->lan == FLOW_LAN_LO ? f->key.lo : f->key.hi;
}

static const uint8_t *remote_addr(const struct flow *f)
{
	return f->lan == FLOW_LAN_LO ? f->key.hi : f->key.lo;
}

static uint16_t remote_port(const struct flow *f)
{
	return f->lan == FLOW_LAN_LO ? f->key.hi_port : f->key.lo_port;
}

static void rb_release(struct eng *e, struct eng_snf *s, int d)
{
	if (s->rb[d] != 0) {
		if (e->rbufs[s->rb[d] - 1].n != 0) {
			e->snf_gaps++; /* released while still holding bytes after a hole */
		}
		e->rb_free[e->rb_n_free++] = s->rb[d];
		s->rb[d] = 0;
	}
}

static void slot_free(struct eng *e, struct flow *f)
{
	struct eng_snf *s = slot_of(e, f);
	if (s == NULL) {
		return;
	}
	rb_release(e, s, 0);
	rb_release(e, s, 1);
	if (s->sha_on) {
		mbedtls_sha256_free(&s->sha);
	}
	e->snf_free[e->snf_n_free++] = f->snf;
	f->snf = 0;
}

/* ---- evidence ------------------------------------------------------------- */

static void fill_common(struct sink_ctx *c, struct pol_evidence *ev)
{
	const struct flow *f = c->f;
	ev->l4 = f->key.proto;
	ev->remote_port = remote_port(f);
	if (c->e->cur_mac_ok) {
		ev->has_mac = true;
		memcpy(ev->lan_mac, c->e->cur_mac, 6);
	}
}

static void upper(char *dst, size_t size, const char *src)
{
	size_t i = 0;
	for (; i + 1 < size && src[i] != '\0'; i++) {
		dst[i] = src[i] >= 'a' && src[i] <= 'z' ? (char)(src[i] - 32) : src[i];
	}
	dst[i] = '\0';
}

static void flush_bytes(struct eng *e, struct flow *f, uint64_t now_ms);

/* Hand proof to the policy once the detector says the flow is not encrypted. */
static void ev_submit(struct eng *e, struct flow *f, struct eng_snf *s, uint64_t now_ms)
{
	if (!s->ev_ready || f->det.state <= DET_CLASSIFYING || f->det.encrypted) {
		return;
	}
	/*
	 * The detector's final name, and the bytes so far, go with the proof. A
	 * name nDPI only guessed from ports when it gave up is not evidence.
	 */
	snf_strlcpy(s->ev.app,
		    f->det.state == DET_DONE ? det_app_name(e->det, f->det.app) : "Unknown",
		    sizeof(s->ev.app));
	flush_bytes(e, f, now_ms);
	struct pol_pair *pp =
		pol_pair_get(e->pol, f->key.family, lan_addr(f), remote_addr(f), now_ms);
	if (pp != NULL) {
		pol_add_evidence(e->pol, pp, &s->ev, now_ms);
		if (pol_pair_blocked(pp)) {
			f->blocked = 1;
		}
	}
	s->ev_ready = false;
	s->ev_sent = true;
}

static void on_proof(struct sink_ctx *c, const struct snf_media *m, const char *sentence)
{
	struct eng_snf *s = c->s;
	if (s->ev_sent || s->ev_ready) {
		return;
	}
	s->ev.media = *m;
	snf_strlcpy(s->ev.sentence, sentence, sizeof(s->ev.sentence));
	snf_strlcpy(s->ev.file, s->file, sizeof(s->ev.file));
	fill_common(c, &s->ev);
	s->ev_ready = true;
	c->f->proved = 1;
	c->e->proofs++;
	ev_submit(c->e, c->f, s, c->now_ms);
}

/* ---- sink callbacks --------------------------------------------------------- */

static void sk_name(void *ctx, const char *name)
{
	struct sink_ctx *c = ctx;
	enum nam_source src = c->s->carrier == CAR_RTMP   ? NAM_SRC_RTMP
			      : c->s->carrier == CAR_RTSP ? NAM_SRC_RTSP
							  : NAM_SRC_HTTP_HOST;
	nam_learn(c->e->names, c->f->key.family, remote_addr(c->f), name, src, c->now_ms);
	if (c->s->ev.name[0] == '\0') {
		nam_name_norm(name, strlen(name), c->s->ev.name);
	}
}

static void sk_body_begin(void *ctx, const char *carrier, const char *file)
{
	struct sink_ctx *c = ctx;
	struct eng_snf *s = c->s;
	s->body_on = true;
	s->cont_done = false;
	snf_cont_init(&s->cont);
	snf_strlcpy(s->carrier_txt, carrier, sizeof(s->carrier_txt));
	snf_strlcpy(s->file, file, sizeof(s->file));
	if (s->ev_sent || s->ev_ready) {
		return; /* the fingerprint belongs to the body that proved video */
	}
	if (s->sha_on) {
		mbedtls_sha256_free(&s->sha);
	}
	mbedtls_sha256_init(&s->sha);
	mbedtls_sha256_starts_ret(&s->sha, 0);
	s->sha_on = true;
	s->sha_len = 0;
}

static void fingerprint_done(struct sink_ctx *c)
{
	struct eng_snf *s = c->s;
	uint8_t d[32];
	mbedtls_sha256_finish_ret(&s->sha, d);
	mbedtls_sha256_free(&s->sha);
	s->sha_on = false;
	if (!s->ev_ready && !s->ev_sent) {
		return; /* not video: no fingerprint is kept */
	}
	fmt_hex(d, sizeof(d), s->ev.fingerprint, sizeof(s->ev.fingerprint));
	if (s->ev_sent) {
		/* Proof went out before the 64 KiB were in: merge the fingerprint. */
		struct pol_pair *pp = pol_pair_get(c->e->pol, c->f->key.family, lan_addr(c->f),
						   remote_addr(c->f), c->now_ms);
		if (pp != NULL) {
			pol_add_evidence(c->e->pol, pp, &s->ev, c->now_ms);
		}
	}
}

/* The container sniffer proved video in the current body. */
static void cont_proof(struct sink_ctx *c, const struct snf_media *m)
{
	struct eng_snf *s = c->s;
	char kind[16], sentence[160];
	upper(kind, sizeof(kind), m->video);
	snprintf(sentence, sizeof(sentence), "%s (%s) in %s", kind, m->detail, s->carrier_txt);
	s->cont_done = true;
	on_proof(c, m, sentence);
}

static void sk_body(void *ctx, const uint8_t *p, size_t n)
{
	struct sink_ctx *c = ctx;
	struct eng_snf *s = c->s;
	if (s->sha_on) {
		size_t k = n < FINGERPRINT_BYTES - s->sha_len ? n : FINGERPRINT_BYTES - s->sha_len;
		mbedtls_sha256_update_ret(&s->sha, p, k);
		s->sha_len += (uint32_t)k;
	}
	if (!s->cont_done) {
		struct snf_media m;
		memset(&m, 0, sizeof(m));
		enum snf_res r = snf_cont_feed(&s->cont, p, n, &m);
		if (r == SNF_VIDEO) {
			cont_proof(c, &m);
		} else if (r == SNF_NOT) {
			s->cont_done = true;
			if (s->sha_on && !s->ev_ready && !s->ev_sent) {
				/* Not video: no fingerprint will be kept, stop hashing. */
				mbedtls_sha256_free(&s->sha);
				s->sha_on = false;
			}
		}
	}
	if (s->sha_on && s->sha_len == FINGERPRINT_BYTES) {
		fingerprint_done(c);
	}
}

static void sk_body_end(void *ctx)
{
	struct sink_ctx *c = ctx;
	if (!c->s->cont_done) {
		/* A short body can hold a whole proof (a small TS, two JPEG frames). */
		struct snf_media m;
		memset(&m, 0, sizeof(m));
		if (snf_cont_end(&c->s->cont, &m) == SNF_VIDEO) {
			cont_proof(c, &m);
		}
		c->s->cont_done = true;
	}
	if (c->s->sha_on) {
		fingerprint_done(c);
	}
	c->s->body_on = false;
}

static void sk_video(void *ctx, enum snf_dir dir, const struct snf_media *m, const char *evidence)
{
	if (dir == SNF_OUT) {
		on_proof(ctx, m, evidence);
	}
}

static void sk_expect(void *ctx, const struct snf_expect *x)
{
	struct sink_ctx *c = ctx;
	struct eng *e = c->e;
	struct eng_expect *slot = NULL;
	for (size_t i = 0; i < ENG_MAX_EXPECT; i++) {
		if (!e->expect[i].used || e->expect[i].until_ms < c->now_ms) {
			slot = &e->expect[i];
			break;
		}
	}
	if (slot == NULL || !x->upload) {
		return; /* only uploads matter; a full table drops the oldest-first announcement */
	}
	slot->e = *x;
	/*
	 * The related connection runs between the same two hosts as its control
	 * connection. The addresses a carrier read from the payload (all zero
	 * when it gave none) are not trusted: behind NAT a PASV reply names the
	 * server's private address, which never appears on the wire here.
	 */
	slot->e.family = c->f->key.family;
	memcpy(slot->e.lan_addr, lan_addr(c->f), 16);
	memcpy(slot->e.remote_addr, remote_addr(c->f), 16);
	slot->until_ms = c->now_ms + EXPECT_TTL_MS;
	slot->used = true;
	e->n_expect++;
}

static const struct snf_sink sink_tmpl = {
	.name = sk_name,
	.body_begin = sk_body_begin,
	.body = sk_body,
	.body_end = sk_body_end,
	.video = sk_video,
	.expect = sk_expect,
};

/* ---- carrier choice ----------------------------------------------------------- */

static bool starts(const uint8_t *p, size_t n, const char *word)
{
	size_t k = strlen(word);
	return n >= k && memcmp(p, word, k) == 0;
}

/* True when the first line (within the first 256 bytes) contains s. */
static bool first_line_has(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	for (size_t i = 0; i + k <= n && i < 256 && p[i] != '\n'; i++) {
		if (memcmp(p + i, s, k) == 0) {
			return true;
		}
	}
	return false;
}

static bool http_method(const uint8_t *p, size_t n)
{
	static const char *const m[] = {"GET ",   "POST ",   "PUT ",     "HEAD ",
					"PATCH ", "DELETE ", "OPTIONS ", "PROPFIND ",
					"MKCOL ", "COPY ",   "MOVE "};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (starts(p, n, m[i])) {
			return true;
		}
	}
	return false;
}

static const struct eng_expect *expect_match(struct eng *e, const struct flow *f, uint64_t now_ms)
{
	if (e->n_expect == 0 || (f->lan != FLOW_LAN_LO && f->lan != FLOW_LAN_HI)) {
		return NULL;
	}
	uint16_t lport = f->lan == FLOW_LAN_LO ? f->key.lo_port : f->key.hi_port;
	for (size_t i = 0; i < ENG_MAX_EXPECT; i++) {
		struct eng_expect *x = &e->expect[i];
		if (!x->used || x->until_ms < now_ms || x->e.proto != f->key.proto ||
		    x->e.family != f->key.family || memcmp(x->e.lan_addr, lan_addr(f), 16) != 0 ||
		    memcmp(x->e.remote_addr, remote_addr(f), 16) != 0 ||
		    (x->e.lan_port != 0 && x->e.lan_port != lport) ||
		    (x->e.remote_port != 0 && x->e.remote_port != remote_port(f))) {
			continue;
		}
		/* One data connection per FTP transfer; RTP keeps matching (RTCP, re-SETUP). */
		if (x->e.kind == SNF_EXP_FTP_DATA) {
			x->used = false;
			e->n_expect--;
		}
		return x;
	}
	return NULL;
}

static void choose_expected(struct sink_ctx *c, const struct eng_expect *x)
{
	struct eng_snf *s = c->s;
	if (x->e.kind == SNF_EXP_FTP_DATA) {
		s->carrier = CAR_FTP_DATA;
		snf_strlcpy(s->file, x->e.file, sizeof(s->file));
		sk_body_begin(c, "FTP STOR data connection", x->e.file);
		return;
	}
	s->carrier = CAR_RTP;
	s->rtp_media = x->e.media;
	snf_rtp_init(&s->u.rtp, x->e.rtp_pt, x->e.media.codec);
}

/* Pick the carrier from the first payload bytes of a flow (either direction). */
static void choose(struct sink_ctx *c, enum snf_dir d, const uint8_t *p, size_t n)
{
	struct eng_snf *s = c->s;
	const struct eng_expect *x = expect_match(c->e, c->f, c->now_ms);
	if (x != NULL) {
		choose_expected(c, x);
		return;
	}
	if (c->f->key.proto == 17) {
		if (d == SNF_OUT && n >= 188 && p[0] == 0x47) {
			/* MPEG-TS straight in UDP datagrams (IPTV style, no RTP). */
			s->carrier = CAR_RAW;
			sk_body_begin(c, "a UDP datagram stream", "");
			return;
		}
		/* Raw RTP: version 2 in the first byte of an outbound datagram. */
		s->carrier = d == SNF_OUT && n >= 12 && (p[0] >> 6) == 2 ? CAR_RTP : CAR_DONE;
		snf_rtp_init(&s->u.rtp, 0xff, "");
		return;
	}
	bool from_client = (d == SNF_OUT) == s->lan_is_client;
	if (from_client && http_method(p, n) && !first_line_has(p, n, "RTSP/1.")) {
		s->carrier = CAR_HTTP;
		snf_http_init(&s->u.http, s->lan_is_client);
	} else if ((from_client && first_line_has(p, n, "RTSP/1.")) ||
		   (!from_client && starts(p, n, "RTSP/1."))) {
		s->carrier = CAR_RTSP;
		snf_rtsp_init(&s->u.rtsp, s->lan_is_client);
	} else if (!from_client && starts(p, n, "HTTP/1.")) {
		s->carrier = CAR_HTTP;
		snf_http_init(&s->u.http, s->lan_is_client);
	} else if ((!from_client && starts(p, n, "220")) ||
		   (from_client && (starts(p, n, "USER ") || starts(p, n, "AUTH ")))) {
		s->carrier = CAR_FTP;
		snf_ftp_init(&s->u.ftp);
	} else if (from_client && p[0] == 0x03) {
		s->carrier = CAR_RTMP;
		snf_rtmp_init(&s->u.rtmp, s->lan_is_client);
	} else if (d == SNF_OUT) {
		s->carrier = CAR_RAW;
		sk_body_begin(c, "an unknown clear-text TCP stream", "");
	} else {
		/* The remote spoke first in an unknown protocol: wait for outbound bytes. */
		s->carrier = CAR_NONE;
	}
}

/* ---- feeding ---------------------------------------------------------------- */

static void feed_rtp(struct sink_ctx *c, enum snf_dir d, const uint8_t *p, size_t n)
{
	struct eng_snf *s = c->s;
	if (d != SNF_OUT) {
		return;
	}
	struct snf_media m;
	memset(&m, 0, sizeof(m));
	enum snf_res r = snf_rtp_feed(&s->u.rtp, p, n, &m);
	if (r == SNF_VIDEO) {
		if (m.width == 0 && s->rtp_media.width != 0) {
			m.width = s->rtp_media.width;
			m.height = s->rtp_media.height;
		}
		char sentence[160];
		snprintf(sentence, sizeof(sentence), "RTP %s video stream over UDP%s", m.codec,
			 s->rtp_media.video[0] ? " negotiated by RTSP" : "");
		if (s->rtp_media.video[0] != '\0') {
			snf_strlcpy(m.video, s->rtp_media.video, sizeof(m.video));
		}
		on_proof(c, &m, sentence);
	}
	if (r != SNF_MORE) {
		s->carrier = CAR_DONE;
	}
}

static void feed(struct sink_ctx *c, enum snf_dir d, const uint8_t *p, size_t n)
{
	struct eng_snf *s = c->s;
	struct snf_sink sink = sink_tmpl;
	sink.ctx = c;
	enum snf_res r = SNF_MORE;
	switch (s->carrier) {
	case CAR_HTTP:
		r = snf_http_feed(&s->u.http, d, p, n, &sink);
		break;
	case CAR_FTP:
		r = snf_ftp_feed(&s->u.ftp, d, p, n, &sink);
		break;
	case CAR_RTMP:
		r = snf_rtmp_feed(&s->u.rtmp, d, p, n, &sink);
		break;
	case CAR_RTSP:
		r = snf_rtsp_feed(&s->u.rtsp, d, p, n, &sink);
		break;
	case CAR_RTP:
		feed_rtp(c, d, p, n);
		return;
	case CAR_FTP_DATA:
	case CAR_RAW:
		if (d == SNF_OUT) {
			sk_body(c, p, n);
			/*
			 * An unknown stream is judged on its first bytes only; once
			 * judged, it is followed only as long as its fingerprint needs.
			 */
			if (s->carrier == CAR_RAW && s->cont_done && !s->sha_on) {
				sk_body_end(c);
				r = SNF_NOT;
			}
		}
		break;
	default:
		return;
	}
	if (r != SNF_MORE && !s->body_on) {
		s->carrier = CAR_DONE;
	}
}

/* Hand in-order bytes to the carrier (choosing it on the first ones). */
static void deliver(struct sink_ctx *c, enum snf_dir d, const uint8_t *p, size_t n)
{
	if (c->s->carrier == CAR_NONE) {
		choose(c, d, p, n);
	}
	feed(c, d, p, n);
}

/* Stop sniffing direction d: a hole that cannot be filled. */
static void give_up_dir(struct eng *e, struct eng_snf *s, enum snf_dir d)
{
	s->gap[d] = true;
	if (s->rb[d] == 0 || e->rbufs[s->rb[d] - 1].n == 0) {
		e->snf_gaps++; /* else rb_release counts it */
	}
	rb_release(e, s, (int)d);
}

/* Keep an out-of-order segment until the hole before it is filled. */
static void hold(struct sink_ctx *c, enum snf_dir d, uint32_t seq, const uint8_t *p, size_t n)
{
	struct eng *e = c->e;
	struct eng_snf *s = c->s;
	if (s->rb[d] == 0) {
		if (e->rb_n_free == 0) {
			give_up_dir(e, s, d);
			return;
		}
		s->rb[d] = (uint16_t)e->rb_free[--e->rb_n_free];
		struct eng_reorder *r = &e->rbufs[s->rb[d] - 1];
		r->base = s->next_seq[d];
		r->n = 0;
	}
	struct eng_reorder *r = &e->rbufs[s->rb[d] - 1];
	uint32_t lo = seq - r->base;
	if (lo > REORDER_BYTES || n > REORDER_BYTES - lo) {
		give_up_dir(e, s, d);
		return;
	}
	uint32_t hi = lo + (uint32_t)n;
	memcpy(r->data + lo, p, n);
	/* Merge [lo, hi) into the sorted ranges. */
	uint32_t i = 0;
	while (i < r->n && r->r[i].hi < lo) {
		i++;
	}
	uint32_t j = i;
	while (j < r->n && r->r[j].lo <= hi) {
		lo = r->r[j].lo < lo ? r->r[j].lo : lo;
		hi = r->r[j].hi > hi ? r->r[j].hi : hi;
		j++;
	}
	if (i == j && r->n == REORDER_RANGES) {
		give_up_dir(e, s, d);
		return;
	}
	memmove(&r->r[i + 1], &r->r[j], (r->n - j) * sizeof(r->r[0]));
	r->n = r->n - (j - i) + 1;
	r->r[i].lo = lo;
	r->r[i].hi = hi;
}

/* After in-order bytes arrived: deliver what was held and is now in order. */
static void drain_held(struct sink_ctx *c, enum snf_dir d)
{
	struct eng_snf *s = c->s;
	while (s->rb[d] != 0) {
		struct eng_reorder *r = &c->e->rbufs[s->rb[d] - 1];
		uint32_t cur = s->next_seq[d] - r->base;
		while (r->n > 0 && r->r[0].hi <= cur) {
			memmove(&r->r[0], &r->r[1], (r->n - 1) * sizeof(r->r[0]));
			r->n--;
		}
		if (r->n == 0) {
			rb_release(c->e, s, (int)d);
			return;
		}
		if (r->r[0].lo > cur) {
			return; /* still a hole before the held bytes */
		}
		uint32_t hi = r->r[0].hi;
		s->next_seq[d] += hi - cur;
		deliver(c, d, r->data + cur, hi - cur);
	}
}

/*
 * Give TCP payload to the carriers in sequence order: retransmitted bytes
 * are trimmed, bytes after a hole are held (up to 64 KiB) until the hole is
 * filled; a hole that cannot be filled ends sniffing of that direction
 * (bytes are still counted).
 */
static void tcp_segment(struct sink_ctx *c, enum snf_dir d, uint32_t seq, const uint8_t *p,
			size_t n)
{
	struct eng_snf *s = c->s;
	if (s->gap[d]) {
		return;
	}
	if (!s->seq_init[d]) {
		s->seq_init[d] = true;
		s->next_seq[d] = seq;
	}
	int32_t delta = (int32_t)(seq - s->next_seq[d]);
	if (delta > 0) {
		hold(c, d, seq, p, n);
		return;
	}
	size_t old = (size_t)(-(int64_t)delta);
	if (old >= n) {
		return; /* a retransmission of bytes already fed */
	}
	s->next_seq[d] += (uint32_t)(n - old);
	deliver(c, d, p + old, n - old);
	drain_held(c, d);
}

static struct eng_snf *slot_new(struct eng *e, struct flow *f)
{
	if (e->snf_n_free == 0) {
		e->snf_nostate++;
		return NULL;
	}
	f->snf = e->snf_free[--e->snf_n_free];
	struct eng_snf *s = &e->snf_pool[f->snf - 1];
	memset(s, 0, offsetof(struct eng_snf, u));
	s->lan_is_client = (f->lan == FLOW_LAN_LO) == (f->orig == FLOW_DIR_LO_HI);
	return s;
}

/* ---- accounting ------------------------------------------------------------- */

static void flush_bytes(struct eng *e, struct flow *f, uint64_t now_ms)
{
	if (f->pend_out == 0 || f->det.state <= DET_CLASSIFYING) {
		return;
	}
	/*
	 * Only bytes known to be clear are charged: the detector said so, or a
	 * sniffer found video in them. A flow that never got a detector state
	 * (overload) could be TLS: its bytes must not raise a bulk alert.
	 */
	if (!f->det.encrypted && (f->det.state != DET_NOSTATE || f->proved)) {
		struct pol_pair *pp =
			pol_pair_get(e->pol, f->key.family, lan_addr(f), remote_addr(f), now_ms);
		if (pp != NULL) {
			/* What a bulk alert would say about the flow (cfg bulk). */
			struct pol_evidence info;
			memset(&info, 0, sizeof(info));
			snf_strlcpy(info.app,
				    f->det.state == DET_DONE ? det_app_name(e->det, f->det.app)
							     : "Unknown",
				    sizeof(info.app));
			info.l4 = f->key.proto;
			info.remote_port = remote_port(f);
			pol_add_bytes(e->pol, pp, f->pend_out, now_ms, &info);
			if (pol_pair_blocked(pp)) {
				f->blocked = 1;
			}
		}
	}
	f->pend_out = 0;
}

void eng_sniff_packet(struct eng *e, struct flow *f, enum snf_dir d, const struct pkt_info *pi,
		      const uint8_t *frame, uint64_t now_ms)
{
	if (d == SNF_OUT) {
		f->pend_out += pi->payload_wire;
	}
	struct eng_snf *s = slot_of(e, f);
	if (f->det.encrypted) {
		slot_free(e, f);
		f->pend_out = 0;
		return;
	}
	if (f->det.state > DET_CLASSIFYING &&
	    (f->pend_out >= FLUSH_BYTES || (s != NULL && s->ev_ready))) {
		if (s != NULL) {
			ev_submit(e, f, s, now_ms);
		}
		flush_bytes(e, f, now_ms);
	}
	if (pi->payload_len == 0 || f->snf_done) {
		return;
	}
	if (s == NULL && (s = slot_new(e, f)) == NULL) {
		f->snf_done = 1;
		f->uninspected = 1;
		return;
	}
	struct sink_ctx c = {e, f, s, now_ms};
	if (f->key.proto == 6) {
		tcp_segment(&c, d, pi->tcp_seq, frame + pi->payload_off, pi->payload_len);
	} else {
		deliver(&c, d, frame + pi->payload_off, pi->payload_len);
	}
	/*
	 * Proof handed over and fingerprint complete: the rest of the flow can
	 * only repeat it (the pair keeps the first proof), so stop parsing and
	 * only count its bytes from here on.
	 */
	if (s->ev_sent && !s->sha_on) {
		s->carrier = CAR_DONE;
	}
	if (s->carrier == CAR_DONE && !s->ev_ready && !s->sha_on) {
		slot_free(e, f);
		f->snf_done = 1;
	}
}

void eng_sniff_dns(struct eng *e, const struct pkt_info *pi, const uint8_t *frame, uint64_t now_ms)
{
	if (pi->l4proto == 17 && pi->sport == 53 && pi->payload_len > 0) {
		nam_learn_dns(e->names, frame + pi->payload_off, pi->payload_len, now_ms);
	}
}

void eng_sniff_server_name(struct eng *e, struct flow *f, const char *name, uint64_t now_ms)
{
	if (f->lan == FLOW_LAN_LO || f->lan == FLOW_LAN_HI) {
		nam_learn(e->names, f->key.family, remote_addr(f), name, NAM_SRC_SNI, now_ms);
	}
}

void eng_sniff_release(struct eng *e, struct flow *f)
{
	struct eng_snf *s = slot_of(e, f);
	uint64_t now_ms = f->last_ms;
	if (s != NULL) {
		struct sink_ctx c = {e, f, s, now_ms};
		if (s->body_on) {
			sk_body_end(&c);
		}
		ev_submit(e, f, s, now_ms);
		slot_free(e, f);
	}
	flush_bytes(e, f, now_ms);
}

int eng_sniff_init(struct eng *e, uint32_t pool)
{
	e->snf_pool = calloc(pool, sizeof(*e->snf_pool));
	e->snf_free = calloc(pool, sizeof(*e->snf_free));
	e->expect = calloc(ENG_MAX_EXPECT, sizeof(*e->expect));
	/* Reorder buffers: calloc maps zero pages lazily, only used ones cost memory. */
	e->rbufs = calloc(CONFIG_SNF_REORDER_BUFS, sizeof(*e->rbufs));
	e->rb_free = calloc(CONFIG_SNF_REORDER_BUFS, sizeof(*e->rb_free));
	e->names = nam_create(CONFIG_NAM_MAX_ADDRS);
	struct pol_params pp = {
		.cfg = e->cfg,
		.names = e->names,
		.max_pairs = CONFIG_POL_MAX_PAIRS,
		.max_evidence = CONFIG_POL_MAX_EVIDENCE,
		.max_dest = CONFIG_POL_MAX_DEST,
		.alert_line = e->alert_line,
		.ctx = e->ctx,
		.first_alert_id = e->first_alert_id,
	};
	e->pol = e->names ? pol_create(&pp) : NULL;
	if (!e->snf_pool || !e->snf_free || !e->expect || !e->pol || !e->rbufs || !e->rb_free) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < CONFIG_SNF_REORDER_BUFS; i++) {
		e->rb_free[i] = CONFIG_SNF_REORDER_BUFS - i;
	}
	e->rb_n_free = CONFIG_SNF_REORDER_BUFS;
	for (uint32_t i = 0; i < pool; i++) {
		e->snf_free[i] = pool - i;
	}
	e->snf_n_free = pool;
	e->snf_pool_size = pool;
	return 0;
}

void eng_sniff_fini(struct eng *e)
{
	pol_destroy(e->pol);
	nam_destroy(e->names);
	free(e->snf_pool);
	free(e->snf_free);
	free(e->expect);
	free(e->rbufs);
	free(e->rb_free);
}

size_t eng_sniff_slot_size(void)
{
	return sizeof(struct eng_snf);
}
