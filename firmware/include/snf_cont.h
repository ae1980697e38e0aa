/*
 * snf_cont: the container sniffer. It proves a video container from the
 * first bytes of one file body (MP4/MOV/3GP/fragmented MP4, Matroska/WebM,
 * AVI, FLV, MPEG-TS/M2TS, MPEG-PS, ASF/WMV, Ogg Theora/VP8, MJPEG), from its
 * structure, never from a name, and tells the codec, size and duration when
 * the bytes say so. The decision rule of each format is written at the top
 * of snf_cont.c.
 *
 * Streaming: bytes of the body are fed in order, split anywhere; the answer
 * and snf_cont_fed() do not depend on the split. The state is fixed-size,
 * keeps no pointer into the caller's buffers, allocates nothing, and copies
 * only item headers (box, element, chunk, tag, packet headers) into hb[].
 * Bodies that are not containers are refused within the first 8 bytes.
 */
#ifndef LEAKTAP_SNF_CONT_H
#define LEAKTAP_SNF_CONT_H

#include <stddef.h>
#include <stdint.h>

#include "snf.h"

/* Bytes looked at, at most: undecided after this many, the answer is final. */
#define SNF_CONT_MAX_BYTES (64 * 1024)

/* Largest item header kept (MP4 tkhd v1 is 96 bytes; a TS packet header + PSI start). */
#define SNF_CONT_HB    128
/* Nesting kept: moov > trak > mdia > minf > stbl, Segment > Tracks > TrackEntry > Video. */
#define SNF_CONT_DEPTH 5

/*
 * Sniffer state, one per body. Members are private to snf_cont.c; the
 * struct is public only so that callers can embed it (no allocation).
 */
struct snf_cont {
	uint32_t fed;                    /* bytes consumed */
	uint32_t skip;                   /* bytes to pass over before the next item */
	uint32_t iend;                   /* offset where the current element ends */
	uint32_t end[SNF_CONT_DEPTH];    /* ends of the open containers */
	uint32_t dur_ms;                 /* duration, once known */
	uint16_t need;                   /* bytes the current item needs in hb */
	uint16_t hn;                     /* bytes of it in hb */
	uint16_t width, height;          /* of the video track, once known */
	uint8_t ctx[SNF_CONT_DEPTH];     /* what each open container is */
	uint8_t depth, fmt, st, res;     /* nesting, format, parser state, answer */
	uint8_t kind, codec, flags, pad; /* kind and codec of the answer, FL_* */
	union {
		struct {
			uint32_t brand, last; /* major brand; last top-level box */
			uint16_t tw, th;      /* tkhd size of the current trak */
			uint8_t handler;      /* of the current trak: 0 none, 1 vide, 2 other */
		} mp4;
		struct {
			uint64_t dur_bits; /* Info/Duration, raw float bits */
			uint32_t tcscale;  /* Info/TimecodeScale, ns */
			uint16_t tw, th;   /* of the current TrackEntry */
			uint8_t dur_len, ttype, tcodec, doctype;
		} mkv;
		struct {
			uint32_t handler; /* strh fccHandler of the current strl */
			uint8_t vids;     /* the current strl is a video stream */
		} avi;
		struct {
			uint32_t tsize; /* PreviousTagSize the next tag must carry */
			uint8_t meta;   /* onMetaData parse stage */
			uint8_t vcodec; /* from onMetaData videocodecid */
		} flv;
		struct {
			uint16_t nsync, pmt_pid;
			uint8_t psize, hoff, vtype, pmt; /* pmt: 0 unseen, 1 video, 2 no video */
		} ts;
		struct {
			uint8_t mpeg2;
		} ps;
		struct {
			uint32_t body, pkt1; /* page body size; size of its first packet */
			uint8_t segs, pkt1_done, bos, pages;
		} ogg;
		struct {
			uint8_t frames; /* complete images */
			uint8_t ff;     /* entropy scan: the last byte was 0xFF */
			uint8_t mk;     /* marker of the segment being read */
		} jpg;
	} u;
	uint8_t hb[SNF_CONT_HB];
};

/* Start a new body. */
void snf_cont_init(struct snf_cont *s);

/*
 * Feed the next len bytes of the body (buf may be NULL when len is 0).
 * Returns SNF_MORE (feed more), SNF_VIDEO (m filled: video kind, codec,
 * detail, and width/height/duration when the bytes tell) or SNF_NOT. Once
 * the answer is final, further calls return it again and consume nothing
 * (m is filled again for SNF_VIDEO). m is written only for SNF_VIDEO.
 * Undecided after SNF_CONT_MAX_BYTES: final, see snf_cont_end().
 */
enum snf_res snf_cont_feed(struct snf_cont *s, const uint8_t *buf, size_t len, struct snf_media *m);

/*
 * The body ended (or the caller stops feeding): returns the final answer.
 * Undecided means SNF_NOT, except where the proof is already complete
 * without the part still awaited (a video track already parsed; MPEG-TS sync
 * seen 5 times without a PMT), which is SNF_VIDEO with m filled.
 */
enum snf_res snf_cont_end(struct snf_cont *s, struct snf_media *m);

/* Bytes consumed until the decision (all bytes fed while undecided). */
size_t snf_cont_fed(const struct snf_cont *s);

#endif /* LEAKTAP_SNF_CONT_H */
