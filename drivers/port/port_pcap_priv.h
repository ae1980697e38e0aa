/*
 * Private seam between the libpcap port driver's two halves.
 *
 * port_pcap.c (top) fills the port_ops tables and keeps the counters;
 * port_pcap_host.c (host) is the only file that includes <pcap.h>. Only
 * fixed-width types, project structs and negative errno cross this seam.
 */
#ifndef LEAKTAP_PORT_PCAP_PRIV_H
#define LEAKTAP_PORT_PCAP_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"

struct pcaph;

/* Live interface: promiscuous, immediate, non-blocking, inbound only. */
int pcaph_open_live(const char *dev, uint32_t snaplen, uint32_t buffer_kb, struct pcaph **out,
		    enum pkt_link *link, char *err, size_t errlen);
/* Capture file (pcap or pcapng) for reading. */
int pcaph_open_file(const char *path, struct pcaph **out, enum pkt_link *link, char *err,
		    size_t errlen);
/* Capture file for writing, with the link type of the frames to come. */
int pcaph_open_dump(const char *path, enum pkt_link link, struct pcaph **out, char *err,
		    size_t errlen);

/*
 * Deliver up to budget frames to cb(ctx, p, frame). Returns frames
 * delivered, -ENODATA at the end of a file, -EBADMSG for a corrupt or
 * truncated file, -EIO for another failure (err filled).
 */
int pcaph_dispatch(struct pcaph *h, uint32_t budget, port_rx_cb cb, void *ctx, struct port *p,
		   char *err, size_t errlen);
int pcaph_inject(struct pcaph *h, const uint8_t *buf, size_t len);
/*
 * Send n frames in order with as few system calls as the host allows
 * (sendmmsg). Sets *sent to the frames the kernel took; a frame it refused
 * has its len[i] set to 0 and the rest are still tried. 0 when all went,
 * else the negative errno of the first refusal.
 */
int pcaph_inject_batch(struct pcaph *h, const uint8_t *const *buf, uint32_t *len, uint32_t n,
		       uint32_t *sent);
int pcaph_dump(struct pcaph *h, const uint8_t *buf, size_t len, uint64_t ts_us);
int pcaph_fd(struct pcaph *h);
/* Frames the kernel dropped for this handle. 0, or -EIO. */
int pcaph_drops(struct pcaph *h, uint64_t *drops);
void pcaph_close(struct pcaph *h);

#endif /* LEAKTAP_PORT_PCAP_PRIV_H */
