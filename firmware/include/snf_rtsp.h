/*
 * snf_rtsp: proof of video leaving the office in an RTSP session.
 *
 * Both directions of the control connection are fed. Requests (ANNOUNCE,
 * DESCRIBE, SETUP, RECORD, PLAY) and responses are read line by line with
 * their Content-Length bodies (SDP); interleaved binary frames
 * ("$" channel length16 payload) may appear between messages.
 *
 * Upload = RECORD by a LAN client, or PLAY answered by a LAN server (the
 * remote client pulls a LAN camera). PLAY by a LAN client, RECORD into a
 * LAN server, a session without m=video, and a stream that is not RTSP give
 * SNF_NOT. For an upload over UDP, sink->expect() announces the RTP flow
 * (kind SNF_EXP_RTP, with the SDP's codec and payload type) and the result
 * stays SNF_MORE: the proof will come from that flow. Over TCP, the
 * interleaved frames of the video channel going out are checked by an
 * embedded snf_rtp; after SNF_RTP_PROOF valid packets sink->video() is
 * called with dir SNF_OUT and SNF_VIDEO returned.
 *
 * Limits: lines are looked at in their first SNF_RTSP_LINE - 1 bytes (a
 * SETUP URL longer than that cannot be matched to the video track's
 * a=control), only the first 95 bytes of an interleaved frame are kept, and
 * only the first m=video of the SDP is followed.
 */
#ifndef LEAKTAP_SNF_RTSP_H
#define LEAKTAP_SNF_RTSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snf.h"
#include "snf_rtp.h"

#define SNF_RTSP_LINE 96

/* Parser state of one direction of the connection. */
struct snf_rtsp_dir {
	uint32_t left;              /* body or interleaved frame bytes still to come */
	uint32_t clen;              /* Content-Length of the message being read */
	uint32_t cseq;              /* CSeq of the message being read */
	uint16_t flen;              /* length of the interleaved frame being read */
	uint16_t tp_a;              /* Transport: client_port (first) */
	uint16_t tp_b;              /* Transport: server_port (first) */
	uint8_t tp_ch;              /* Transport: interleaved (first), 0xff none */
	uint8_t mode;               /* message start, line, body, frame header, frame */
	uint8_t n;                  /* bytes used in buf */
	uint8_t chan;               /* channel of the interleaved frame */
	uint8_t msg;                /* method of the request, or response status class */
	uint8_t mflags;             /* private: first line seen, line overflow, video SETUP */
	uint8_t buf[SNF_RTSP_LINE]; /* the current line, or the head of a frame */
};

struct snf_rtsp {
	struct snf_rtp rtp;
	struct snf_rtsp_dir d[2]; /* indexed by enum snf_dir */
	uint32_t setup_cseq;      /* CSeq of the SETUP of the video track */
	uint16_t cport;           /* UDP RTP port of the client, 0 unknown */
	uint16_t sport;           /* UDP RTP port of the server, 0 unknown */
	uint16_t width;           /* from the SDP */
	uint16_t height;
	uint8_t ch;     /* interleaved channel of video RTP, 0xff none */
	uint8_t pt;     /* payload type of m=video, 0xff none */
	uint8_t sdp;    /* private: SDP section state */
	uint8_t flags;  /* private: role, ANNOUNCE/DESCRIBE seen, upload, name sent */
	uint8_t res;    /* enum snf_res */
	char codec[12]; /* encoding name of m=video from a=rtpmap */
	char ctl[24];   /* a=control of m=video */
};

/* Start a connection; lan_is_client: the LAN host opened it. */
void snf_rtsp_init(struct snf_rtsp *s, bool lan_is_client);

/*
 * Feed the next bytes of direction dir, in order. Returns SNF_MORE,
 * SNF_VIDEO (after sink->video()) or SNF_NOT; after a decision the same
 * result is returned and nothing is parsed. buf is only read during the call.
 */
enum snf_res snf_rtsp_feed(struct snf_rtsp *s, enum snf_dir dir, const uint8_t *buf, size_t len,
			   const struct snf_sink *sink);

#endif /* LEAKTAP_SNF_RTSP_H */
