/*
 * snf_ftp: the FTP control channel carrier.
 *
 * Fed both directions of one FTP control connection (TCP port 21), in
 * order, with arbitrary segment boundaries; line based. It pairs the data
 * address the client announces (PORT, EPRT) or the server announces (227
 * reply to PASV, 229 reply to EPSV) with the next transfer command (STOR,
 * APPE, STOU, RETR) and calls sink->expect() so the engine can attach the
 * data connection to the transfer (kind SNF_EXP_FTP_DATA, proto 6; upload
 * for STOR/APPE/STOU; file = the path as sent, non-printable bytes replaced).
 *
 * Addresses in the expectation: PASV fills remote_addr/remote_port (the
 * server's data address, lan_port 0 = any); PORT/EPRT fill lan_addr/lan_port
 * (remote_port 0 = any, since servers do not always connect from port 20).
 * The side not announced is left all-zero, meaning "the address of that
 * side of the control flow". EPSV, and a 227 reply announcing 0.0.0.0, give
 * family 0: same addresses as the control flow.
 *
 * Lines up to SNF_FTP_LINE_MAX bytes are processed (their first
 * SNF_FTP_KEEP - 1 bytes are kept: a longer path is cut); longer lines are
 * skipped. The state is fixed-size and keeps no pointer between calls.
 */
#ifndef LEAKTAP_SNF_FTP_H
#define LEAKTAP_SNF_FTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snf.h"

#define SNF_FTP_LINE_MAX 512 /* longer lines are skipped */
#define SNF_FTP_KEEP     256 /* bytes of a line kept, with its NUL */

/* One direction's current line. */
struct snf_ftp_line {
	uint16_t len; /* bytes seen in the line, saturating above SNF_FTP_LINE_MAX */
	bool first;   /* the first line of this direction is still to come */
	char b[SNF_FTP_KEEP];
};

struct snf_ftp {
	struct snf_ftp_line cl; /* client commands (SNF_OUT) */
	struct snf_ftp_line sv; /* server replies (SNF_IN) */
	uint8_t res;            /* enum snf_res; SNF_MORE until decided */
	uint16_t multi;         /* code of the multi-line reply in progress, 0 if none */
	bool pend;              /* a data address is announced, no transfer used it yet */
	bool pend_lan;          /* announced by the client (PORT/EPRT), else by the server */
	uint8_t pend_family;    /* 4, 6 or 0 (same addresses as the control flow) */
	uint16_t pend_port;
	uint8_t pend_addr[16];
};

/* Start a carrier for one control connection. */
void snf_ftp_init(struct snf_ftp *s);

/*
 * Feed the next len bytes of direction dir (SNF_OUT = client commands, the
 * LAN host being the client). sink may be NULL or have NULL members.
 * Returns SNF_MORE while the connection looks like FTP, SNF_NOT when the
 * first client line is not an FTP command, the first server line is not a
 * 3-digit reply, or the channel turns to TLS (234 reply to AUTH). Once
 * SNF_NOT, further bytes are ignored. FTP control never returns SNF_VIDEO.
 */
enum snf_res snf_ftp_feed(struct snf_ftp *s, enum snf_dir dir, const uint8_t *buf, size_t len,
			  const struct snf_sink *sink);

#endif /* LEAKTAP_SNF_FTP_H */
