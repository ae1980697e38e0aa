/*
 * snf: proof of video from clear-text bytes, and what it tells.
 *
 * Sniffers are small parsers that take (buf, len) in order, one direction
 * of one flow at a time, keep a bounded state each (no allocation) and
 * never read past len. Segment boundaries are arbitrary: every sniffer must
 * give the same answer whatever the bytes were split into.
 *
 * Two kinds:
 * - carriers (HTTP, FTP, RTMP, RTSP, RTP, MJPEG streams) understand a
 *   protocol; they report names, file names, the bytes of uploaded file
 *   bodies, related connections to come, and proof of video for streams;
 * - the container sniffer (snf_cont.h) looks at the first bytes of a file
 *   body (from any carrier, or the start of an unknown clear-text stream)
 *   and proves a video container from its structure, never from a name.
 *
 * Carriers report through a struct snf_sink the engine provides. Names and
 * Content-Type are supporting evidence only.
 */
#ifndef LEAKTAP_SNF_H
#define LEAKTAP_SNF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Direction of bytes relative to the office. */
enum snf_dir {
	SNF_OUT = 0, /* from the LAN host to the remote host (leaving the office) */
	SNF_IN = 1,  /* from the remote host to the LAN host */
};

/* Result of feeding bytes to a sniffer. */
enum snf_res {
	SNF_MORE = 0, /* undecided: feed more */
	SNF_VIDEO,    /* proof of video found; the media description is filled */
	SNF_NOT,      /* decided: not (this kind of) video; stop feeding */
};

/* What proved video and what the bytes tell about it. Strings are NUL-terminated. */
struct snf_media {
	char video[16];  /* kind for the alert: "mp4", "mov", "3gp", "fmp4", "webm",
			  * "mkv", "avi", "flv", "mpegts", "m2ts", "mpegps", "asf",
			  * "ogg", "mjpeg", "rtmp", "rtsp/h264", "rtp/vp8", ... */
	char codec[16];  /* "h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2",
			  * "theora", "mjpeg", "wmv", ...; "" when unknown */
	char detail[48]; /* short proof for the evidence sentence, e.g. "ftyp isom",
			  * "EBML DocType webm", "publish + video messages" */
	uint16_t width;  /* pixels; 0 when unknown */
	uint16_t height;
	uint32_t duration_ms; /* 0 when unknown */
};

/* Kinds of related connection a carrier announces. */
enum snf_expect_kind {
	SNF_EXP_FTP_DATA = 0, /* TCP data connection of an FTP transfer */
	SNF_EXP_RTP,          /* UDP RTP (and RTCP on port+1) negotiated by RTSP SETUP */
};

/*
 * A connection that is about to appear: the engine keeps it briefly and
 * attaches the matching flow to the carrier's transfer. Addresses are in
 * network order, 4 or 16 bytes by family; port 0 means "any".
 */
struct snf_expect {
	uint8_t kind;   /* enum snf_expect_kind */
	uint8_t family; /* 4 or 6; 0 = same addresses as the control flow */
	uint8_t proto;  /* 6 TCP, 17 UDP */
	bool upload;    /* bytes of interest go out of the office (STOR/APPE, RECORD) */
	uint8_t lan_addr[16];
	uint16_t lan_port; /* 0 = any */
	uint8_t remote_addr[16];
	uint16_t remote_port;
	char file[128];         /* FTP path; "" if none */
	struct snf_media media; /* RTP: what the SDP said (codec, size); video[] empty for FTP */
	uint8_t rtp_pt;         /* RTP payload type negotiated for video, 0xff if unknown */
};

/*
 * Callbacks a carrier uses. Any member may be NULL. Strings are only valid
 * during the call; copy what you keep.
 */
struct snf_sink {
	/* The remote host's name as the carrier names it (HTTP Host, RTMP tcUrl, RTSP URL). */
	void (*name)(void *ctx, const char *name);
	/*
	 * A file body starts (uploaded file, PUT body, multipart part, FTP data,
	 * camera frame stream). carrier says how it travels, e.g. "multipart
	 * POST body", "PUT body", "FTP STOR data", "HTTP response body"; file is
	 * its name when the carrier gives one ("" otherwise).
	 */
	void (*body_begin)(void *ctx, const char *carrier, const char *file);
	/* Decoded bytes of the current body, in order (chunking and multipart removed). */
	void (*body)(void *ctx, const uint8_t *p, size_t n);
	void (*body_end)(void *ctx);
	/* A stream carrier proved video going in direction dir; evidence is one sentence. */
	void (*video)(void *ctx, enum snf_dir dir, const struct snf_media *m, const char *evidence);
	/* A related connection is about to appear. */
	void (*expect)(void *ctx, const struct snf_expect *e);
	void *ctx;
};

/* Copy a C string into a fixed field, always terminated, cut if too long. */
static inline void snf_strlcpy(char *dst, const char *src, size_t size)
{
	size_t i = 0;
	if (size == 0) {
		return;
	}
	for (; i + 1 < size && src[i] != '\0'; i++) {
		dst[i] = src[i];
	}
	dst[i] = '\0';
}

#endif /* LEAKTAP_SNF_H */
