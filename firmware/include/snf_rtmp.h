/*
 * snf_rtmp: proof of video leaving the office in a clear RTMP connection.
 *
 * Only the stream that carries the video out is parsed: the client->server
 * bytes when the LAN host is the client (it may publish), the server->client
 * bytes when the LAN host is the server (a remote client may play from it).
 * The parser walks the handshake and the chunk stream, keeps the header
 * state of a few chunk streams and reads only what it needs: AMF0 commands
 * (connect tcUrl, publish, play, onStatus codes), onMetaData (size, duration,
 * codec) and the first bytes of each video message (FLV video tag header).
 *
 * Proof: an upload intent (publish by the LAN client, or onStatus
 * NetStream.Play.Start sent by the LAN server) and SNF_RTMP_PROOF video
 * messages with a valid tag header of one codec. Then sink->video() is
 * called once with dir SNF_OUT and SNF_VIDEO is returned. A LAN client that
 * plays, a remote client that publishes, RTMPE (C0 = 6) and handshake or
 * chunk garbage give SNF_NOT.
 *
 * Limits: SNF_RTMP_SLOTS chunk streams at once (real clients use 3 to 5);
 * chunk stream ids above 65535 are refused; AMF0 only (AMF3 commands are
 * ignored); strings are looked at in their first 63 bytes.
 */
#ifndef LEAKTAP_SNF_RTMP_H
#define LEAKTAP_SNF_RTMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snf.h"

#define SNF_RTMP_SLOTS 8
/* Video messages with a valid tag header that prove video after the intent. */
#define SNF_RTMP_PROOF 3

/* Header state of one chunk stream. */
struct snf_rtmp_cs {
	uint32_t len;  /* message length of the last header */
	uint32_t left; /* bytes of the current message still to come, 0 between messages */
	uint16_t csid; /* 0 = free slot (ids 0 and 1 are header escapes, never ids) */
	uint8_t type;  /* message type id */
	uint8_t ext;   /* the last full header carried an extended timestamp */
};

/* Streaming AMF0 reader for one command or data message. */
struct snf_rtmp_amf {
	uint32_t need; /* bytes still to come of the current token */
	uint8_t st;    /* token state */
	uint8_t depth; /* object nesting, 0 = top level */
	uint8_t idx;   /* index of the top-level value */
	uint8_t what;  /* which command or data message this is */
	uint8_t klen;  /* length of the current key (capped) */
	uint8_t slen;  /* bytes of str[] used */
	uint8_t nb;    /* bytes of num[] collected */
	uint8_t num[8];
	char key[13];
	char str[64];
};

struct snf_rtmp {
	struct snf_rtmp_cs cs[SNF_RTMP_SLOTS];
	struct snf_rtmp_amf amf;
	uint32_t skip;     /* handshake bytes still to skip */
	uint32_t chunk;    /* chunk size of the parsed direction */
	uint32_t in_chunk; /* payload bytes left in the current chunk */
	uint32_t dur_ms;   /* onMetaData duration */
	uint16_t width;    /* onMetaData width/height */
	uint16_t height;
	uint8_t hdr[18]; /* chunk header being collected */
	uint8_t hn;
	uint8_t slot;     /* slot of the current chunk */
	uint8_t insp;     /* slot + 1 of the message being inspected, 0 = none */
	uint8_t head[12]; /* first bytes of the inspected message */
	uint8_t headn;
	uint8_t phase;  /* handshake / header / body */
	uint8_t codec;  /* codec of the counted video messages (private id) */
	uint8_t mcodec; /* codec onMetaData announced, 0 = none */
	uint8_t nvideo; /* valid video messages of that codec */
	uint8_t flags;  /* private bits: client role, intent, name reported */
	uint8_t res;    /* enum snf_res */
};

/*
 * Start a connection. lan_is_client: the LAN host opened it (it is the RTMP
 * client). No resources are held; a struct may be dropped at any time.
 */
void snf_rtmp_init(struct snf_rtmp *s, bool lan_is_client);

/*
 * Feed the next bytes of direction dir, in order. Bytes of the direction
 * that cannot carry the upload are ignored. Returns SNF_MORE, SNF_VIDEO
 * (once sink->video() was called) or SNF_NOT; after a decision the same
 * result is returned and nothing is parsed. buf is only read during the call.
 */
enum snf_res snf_rtmp_feed(struct snf_rtmp *s, enum snf_dir dir, const uint8_t *buf, size_t len,
			   const struct snf_sink *sink);

#endif /* LEAKTAP_SNF_RTMP_H */
