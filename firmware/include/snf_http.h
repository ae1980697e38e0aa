/*
 * snf_http: the HTTP/1.x carrier.
 *
 * Fed both directions of one TCP flow, in order, with arbitrary segment
 * boundaries. The outbound stream (SNF_OUT) is what leaves the office: it is
 * parsed as requests when the LAN host is the client (POST/PUT/PATCH bodies
 * are uploads) and as responses when the LAN host is the server (a LAN
 * camera or NAS pulled from outside). Each message body is reported through
 * the sink on its own (keep-alive and pipelining give several per flow),
 * with chunking removed; multipart/form-data file parts are reported one by
 * one; multipart/x-mixed-replace JPEG frames prove an MJPEG stream.
 *
 * When the LAN host is the server, inbound requests are parsed only to know
 * which responses answer HEAD (and so have no body). Inbound bytes are
 * otherwise ignored.
 *
 * The state is fixed-size, never allocates and keeps no pointer into the
 * caller's buffers or to the sink between calls. Header values are kept up
 * to SNF_HTTP_VAL_MAX - 1 bytes, less the Host kept until the headers end;
 * longer ones are cut (a cut Host is reported cut; a cut boundary is a
 * prefix of the real one, and its rest is skipped as transport padding).
 */
#ifndef LEAKTAP_SNF_HTTP_H
#define LEAKTAP_SNF_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snf.h"

#include <http_parser.h>

#define SNF_HTTP_VAL_MAX   232 /* one header name or value, or one part header line */
#define SNF_HTTP_HOST_MAX  127 /* Host name reported, at most */
#define SNF_HTTP_DELIM_MAX 76  /* "\r\n--" + boundary (RFC 2046: at most 70) */
#define SNF_HTTP_FILE_MAX  96  /* file name reported with a body */

/* JPEG frame check of one multipart/x-mixed-replace part. */
struct snf_http_jpeg {
	uint8_t st;     /* walker state */
	uint8_t marker; /* current JPEG marker */
	uint8_t prev;   /* last content byte that was not a trailing CR/LF */
	uint8_t sof_i;  /* bytes of the SOF header collected */
	bool eoi;       /* content so far ends with FF D9 (then only CR/LF) */
	uint8_t sof[5]; /* precision, height, width */
	uint16_t skip;  /* bytes left in the current segment */
};

struct snf_http {
	struct http_parser hp;    /* outbound messages */
	struct http_parser hp_in; /* inbound requests (LAN server only) */
	bool lan_is_client;
	uint8_t res;         /* enum snf_res once decided, SNF_MORE before */
	bool in_value;       /* last header callback was a value */
	uint8_t hdr;         /* which header the current value belongs to */
	bool body_open;      /* body_begin was called, body_end not yet */
	uint8_t mp_kind;     /* multipart kind of the current message body */
	uint8_t mp_st;       /* multipart parser state */
	bool part_file;      /* the current part is reported as a body */
	bool val_cut;        /* val overflowed: the rest of the line is dropped */
	uint8_t url_slashes; /* slashes seen in the request target */
	bool url_done;       /* '?' or '#' seen: the rest of the URL is not a path */
	uint8_t delim_len;   /* 0 = no usable boundary */
	uint8_t delim_k;     /* bytes of delim matched at the end of the data so far */
	uint8_t frames;      /* x-mixed-replace parts that were whole JPEGs */
	uint8_t n_head;      /* pending inbound requests (max 32) */
	uint8_t host_len;    /* Host kept at the tail of val, not yet reported */
	uint32_t head_bits;  /* bit i: pending request i is HEAD */
	uint16_t val_len;
	uint16_t file_len;
	uint16_t width; /* first JPEG frame size, 0 when unknown */
	uint16_t height;
	struct snf_http_jpeg jpg;
	char val[SNF_HTTP_VAL_MAX];
	uint8_t delim[SNF_HTTP_DELIM_MAX];
	char file[SNF_HTTP_FILE_MAX];
};

/*
 * Start a carrier for one flow. lan_is_client says which end of the flow is
 * the LAN host: true when it opened the connection (it sends requests).
 */
void snf_http_init(struct snf_http *s, bool lan_is_client);

/*
 * Feed the next len bytes of direction dir. sink may be NULL or have NULL
 * members. Returns SNF_MORE while the flow looks like HTTP; SNF_VIDEO once an
 * MJPEG multipart/x-mixed-replace stream is proven (sink->video was called);
 * SNF_NOT when the outbound bytes are not HTTP, or stop being HTTP (parse
 * error, Upgrade or CONNECT tunnel); an open body is ended first. Once the
 * answer is not SNF_MORE it stays so and further bytes are ignored.
 */
enum snf_res snf_http_feed(struct snf_http *s, enum snf_dir dir, const uint8_t *buf, size_t len,
			   const struct snf_sink *sink);

/*
 * The connection closed (FIN/RST or flow eviction). Ends a body that was
 * delimited by the end of the connection (HTTP/1.0 response without
 * Content-Length), or any body left open, with body_end.
 */
void snf_http_close(struct snf_http *s, const struct snf_sink *sink);

#endif /* LEAKTAP_SNF_HTTP_H */
