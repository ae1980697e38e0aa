/*
 * snf_rtp: proof of video from RTP packets (RFC 3550), one packet per call.
 *
 * Fed the UDP payloads of one flow direction (or the interleaved frames of
 * an RTSP connection). A packet counts when its RTP header is sane and in
 * sequence with the previous one (same SSRC, same payload type, sequence
 * number a little ahead, timestamp near) and its payload parses as one video
 * payload format: H.264 (RFC 6184), H.265 (RFC 7798), VP8 (RFC 7741), VP9
 * (RFC 9628), JPEG (RFC 2435), MPEG-TS (RFC 2250) or MPEG-4 part 2
 * (RFC 6416, only when the SDP names it). Proof is SNF_RTP_PROOF consecutive
 * packets that all parse for one codec. An SRTP stream keeps a clear header
 * but its payload is random, so it fails the payload structure long before
 * SNF_RTP_PROOF packets. The state is fixed-size and keeps no pointer into
 * the caller's packets.
 */
#ifndef LEAKTAP_SNF_RTP_H
#define LEAKTAP_SNF_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snf.h"

/* Consecutive valid packets that prove video. */
#define SNF_RTP_PROOF  12
/* Packets after which an unproven stream is declared not video. */
#define SNF_RTP_GIVEUP 64

struct snf_rtp {
	uint32_t ssrc;
	uint32_t ts;        /* timestamp of the previous packet */
	uint32_t jpeg_next; /* JPEG fragment offset the next packet must carry */
	uint16_t seq;       /* sequence number of the previous packet */
	uint16_t width;     /* from an SPS, VP8/VP9 key frame or JPEG header */
	uint16_t height;
	uint8_t pt;    /* expected payload type, 0xff until the first packet */
	uint8_t want;  /* codecs the SDP allows, or those the PT allows */
	uint8_t cand;  /* codecs every packet of the current run parsed as */
	uint8_t run;   /* consecutive valid packets */
	uint8_t npkt;  /* packets seen (saturates at SNF_RTP_GIVEUP) */
	uint8_t fu264; /* 0x80 | inner type of an open H.264 FU-A, else 0 */
	uint8_t fu265; /* same for an H.265 FU */
	uint8_t flags; /* private SNF_RTP_F_* bits */
	uint8_t res;   /* enum snf_res once decided */
};

/*
 * Start a stream. pt is the payload type the SDP negotiated for video, or
 * 0xff to learn it from the first packet. codec is the SDP encoding name
 * ("H264", "H265", "VP8", "VP9", "JPEG", "MP2T", "MP4V-ES"; case does not
 * matter) or "" to infer it: then a dynamic PT may be H.264, H.265, VP8 or
 * VP9, PT 26 is JPEG and PT 33 MPEG-TS; other static types are audio or
 * formats this sniffer cannot prove, and give SNF_NOT.
 */
void snf_rtp_init(struct snf_rtp *s, uint8_t pt, const char *codec);

/*
 * Feed one whole RTP packet (len captured bytes). Returns SNF_MORE until
 * decided; on SNF_VIDEO *m is filled (video "rtp/<codec>"); once decided the
 * same result is returned for every later packet and *m is left alone.
 * The packet is only read during the call.
 */
enum snf_res snf_rtp_feed(struct snf_rtp *s, const uint8_t *pkt, size_t len, struct snf_media *m);

/*
 * Same, when only the first caplen bytes of a packet of wirelen bytes are
 * at hand (an interleaved RTSP frame split over TCP segments is not kept
 * whole). Checks that need bytes past caplen (padding count, later STAP-A
 * units) are limited to what the lengths alone tell. caplen <= wirelen.
 */
enum snf_res snf_rtp_feed_head(struct snf_rtp *s, const uint8_t *pkt, size_t caplen, size_t wirelen,
			       struct snf_media *m);

/*
 * Picture size from an H.264 sequence parameter set (nal: the NAL unit from
 * its header byte, emulation prevention bytes still in). Used by RTSP for
 * the SDP sprop-parameter-sets. Returns false, leaving *width and *height
 * alone, when it is not an SPS or does not parse within len.
 */
bool snf_rtp_h264_size(const uint8_t *nal, size_t len, uint16_t *width, uint16_t *height);

#endif /* LEAKTAP_SNF_RTP_H */
