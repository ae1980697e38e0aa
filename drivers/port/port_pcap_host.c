/*
 * Host half of the libpcap port driver: the only file in the project that
 * includes <pcap.h>. libpcap's return codes become negative errno here,
 * before they cross into the top half (port_pcap.c).
 */
#include "port_pcap_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <pcap.h>

struct pcaph {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
};

/* Capture link type to the decoder's link; -EPROTONOSUPPORT for the rest. */
static int link_from_dlt(pcap_t *pc, int dlt, bool file, enum pkt_link *link)
{
	switch (dlt) {
	case DLT_EN10MB:
		*link = PKT_LINK_ETH;
		return 0;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		*link = PKT_LINK_RAW;
		return 0;
	case DLT_NULL:
		/*
		 * The family word is in the byte order of the host that wrote it;
		 * libpcap tells whether a savefile's order differs from ours.
		 */
		*link = (file && pcap_is_swapped(pc)) ? PKT_LINK_NULL_BE : PKT_LINK_NULL_LE;
		if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) {
			*link = *link == PKT_LINK_NULL_LE ? PKT_LINK_NULL_BE : PKT_LINK_NULL_LE;
		}
		return 0;
	case DLT_LOOP:
		*link = PKT_LINK_NULL_BE;
		return 0;
	case DLT_LINUX_SLL:
		*link = PKT_LINK_SLL;
		return 0;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		*link = PKT_LINK_SLL2;
		return 0;
#endif
	case DLT_PPP:
	case DLT_PPP_SERIAL:
		*link = PKT_LINK_PPP;
		return 0;
	case DLT_C_HDLC:
		*link = PKT_LINK_CHDLC;
		return 0;
	default:
		return -EPROTONOSUPPORT;
	}
}

static int dlt_from_link(enum pkt_link link)
{
	switch (link) {
	case PKT_LINK_ETH:
		return DLT_EN10MB;
	case PKT_LINK_RAW:
		return DLT_RAW;
	case PKT_LINK_NULL_LE:
		return DLT_NULL;
	case PKT_LINK_NULL_BE:
		return DLT_LOOP;
	case PKT_LINK_SLL:
		return DLT_LINUX_SLL;
	case PKT_LINK_PPP:
		return DLT_PPP;
	case PKT_LINK_CHDLC:
		return DLT_C_HDLC;
	case PKT_LINK_SLL2:
#ifdef DLT_LINUX_SLL2
		return DLT_LINUX_SLL2;
#endif
		/* FALLTHROUGH */
	case PKT_LINK_COUNT:
	default:
		return -1;
	}
}

static int unsupported_link(pcap_t *pc, const char *what, char *err, size_t errlen)
{
	int dlt = pcap_datalink(pc);
	const char *name = pcap_datalink_val_to_name(dlt);
	snprintf(err, errlen, "%s: unsupported link type %s (%d)", what, name ? name : "?", dlt);
	return -EPROTONOSUPPORT;
}

/*
 * An inline box must see and send frames as they are on the wire: with
 * GRO/LRO the kernel hands us merged super-frames, with GSO/TSO it expects
 * us to send them. Turn them off on our ports, as inline IPSs do. Best
 * effort: a driver without the knob has nothing to turn off. Returns how
 * many settings failed.
 */
static int offloads_off(const char *dev)
{
	static const uint32_t cmds[] = {ETHTOOL_SGRO, ETHTOOL_SGSO, ETHTOOL_STSO};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int failed = 0;
	if (fd < 0) {
		return 1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct ethtool_value ev = {.cmd = cmds[i], .data = 0};
		ifr.ifr_data = (char *)&ev;
		failed += ioctl(fd, SIOCETHTOOL, &ifr) != 0;
	}
	struct ethtool_value fl = {.cmd = ETHTOOL_GFLAGS};
	ifr.ifr_data = (char *)&fl;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && (fl.data & ETH_FLAG_LRO)) {
		fl.cmd = ETHTOOL_SFLAGS;
		fl.data &= ~(uint32_t)ETH_FLAG_LRO;
		failed += ioctl(fd, SIOCETHTOOL, &ifr) != 0;
	}
	close(fd);
	return failed;
}

int pcaph_open_live(const char *dev, uint32_t snaplen, uint32_t buffer_kb, struct pcaph **out,
		    enum pkt_link *link, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_create(dev, ebuf);
	if (pc == NULL) {
		snprintf(err, errlen, "%s: %s", dev, ebuf);
		return -ENODEV;
	}
	(void)offloads_off(dev);
	int rc = -EIO;
	if (pcap_set_snaplen(pc, (int)snaplen) != 0 || pcap_set_promisc(pc, 1) != 0 ||
	    pcap_set_immediate_mode(pc, 1) != 0 ||
	    pcap_set_buffer_size(pc, (int)(buffer_kb * 1024u)) != 0) {
		snprintf(err, errlen, "%s: cannot set capture options", dev);
		goto fail;
	}
	int act = pcap_activate(pc);
	if (act < 0) {
		snprintf(err, errlen, "%s: %s", dev, pcap_geterr(pc));
		rc = act == PCAP_ERROR_NO_SUCH_DEVICE ? -ENODEV
		     : act == PCAP_ERROR_PERM_DENIED  ? -EPERM
						      : -EIO;
		goto fail;
	}
	/*
	 * Inbound only: frames we inject on this interface must not come back
	 * to us as input.
	 */
	if (pcap_setdirection(pc, PCAP_D_IN) != 0 || pcap_setnonblock(pc, 1, ebuf) != 0) {
		snprintf(err, errlen, "%s: %s", dev, pcap_geterr(pc));
		goto fail;
	}
	/*
	 * Frames we send are already whole wire frames: skip the qdisc layer
	 * (as pktgen and DPDK's af_packet do). Saves a lock and a queue per
	 * frame; best effort, older kernels lack it.
	 */
	int one = 1;
	(void)setsockopt(pcap_get_selectable_fd(pc), SOL_PACKET, PACKET_QDISC_BYPASS, &one,
			 sizeof(one));
	if (link_from_dlt(pc, pcap_datalink(pc), false, link) != 0 || *link != PKT_LINK_ETH) {
		rc = unsupported_link(pc, dev, err, errlen);
		goto fail;
	}
	struct pcaph *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	h->pcap = pc;
	*out = h;
	return 0;
fail:
	pcap_close(pc);
	return rc;
}

int pcaph_open_file(const char *path, struct pcaph **out, enum pkt_link *link, char *err,
		    size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc =
		pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (pc == NULL) {
		snprintf(err, errlen, "%s: %s", path, ebuf[0] ? ebuf : "cannot open capture");
		return strstr(ebuf, "No such file") ? -ENOENT : -EBADMSG;
	}
	int rc = link_from_dlt(pc, pcap_datalink(pc), true, link);
	if (rc != 0) {
		rc = unsupported_link(pc, path, err, errlen);
		pcap_close(pc);
		return rc;
	}
	struct pcaph *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		pcap_close(pc);
		return -ENOMEM;
	}
	h->pcap = pc;
	*out = h;
	return 0;
}

int pcaph_open_dump(const char *path, enum pkt_link link, struct pcaph **out, char *err,
		    size_t errlen)
{
	int dlt = dlt_from_link(link);
	if (dlt < 0) {
		snprintf(err, errlen, "%s: no capture link type for this port", path);
		return -EINVAL;
	}
	pcap_t *pc = pcap_open_dead_with_tstamp_precision(dlt, 262144, PCAP_TSTAMP_PRECISION_MICRO);
	if (pc == NULL) {
		return -ENOMEM;
	}
	pcap_dumper_t *d = pcap_dump_open(pc, path);
	if (d == NULL) {
		snprintf(err, errlen, "%s", pcap_geterr(pc));
		pcap_close(pc);
		return -EIO;
	}
	struct pcaph *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		pcap_dump_close(d);
		pcap_close(pc);
		return -ENOMEM;
	}
	h->pcap = pc;
	h->dumper = d;
	*out = h;
	return 0;
}

struct dispatch_ctx {
	port_rx_cb cb;
	void *ctx;
	struct port *port;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *bytes)
{
	const struct dispatch_ctx *dc = (const struct dispatch_ctx *)(void *)user;
	struct port_frame f = {
		.data = bytes,
		.caplen = hdr->caplen,
		.wirelen = hdr->len < hdr->caplen ? hdr->caplen : hdr->len,
		.ts_us = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec,
	};
	dc->cb(dc->ctx, dc->port, &f);
}

int pcaph_dispatch(struct pcaph *h, uint32_t budget, port_rx_cb cb, void *ctx, struct port *p,
		   char *err, size_t errlen)
{
	struct dispatch_ctx dc = {cb, ctx, p};
	int n = pcap_dispatch(h->pcap, (int)budget, on_packet, (u_char *)&dc);
	if (n > 0) {
		return n;
	}
	if (n == 0) {
		/* A savefile answers 0 only at its end; a live handle when idle. */
		return pcap_file(h->pcap) != NULL ? -ENODATA : 0;
	}
	if (n == PCAP_ERROR_BREAK) {
		return 0;
	}
	snprintf(err, errlen, "%s", pcap_geterr(h->pcap));
	return pcap_file(h->pcap) != NULL ? -EBADMSG : -EIO;
}

int pcaph_inject(struct pcaph *h, const uint8_t *buf, size_t len)
{
	return pcap_inject(h->pcap, buf, len) == (int)len ? 0 : -EIO;
}

/* Frames per sendmmsg() call: bounds the arrays on the stack (5 KiB). */
#define PCAPH_MMSG 64u

/*
 * One sendmmsg() on libpcap's own packet socket (already bound to the
 * interface, as pcap_inject() uses it), instead of one send() per frame.
 * sendmmsg stops at the first frame the kernel refuses and returns the
 * count before it; the next call then fails on that frame alone, which is
 * counted, dropped, and skipped.
 */
int pcaph_inject_batch(struct pcaph *h, const uint8_t *const *buf, uint32_t *len, uint32_t n,
		       uint32_t *sent)
{
	struct mmsghdr m[PCAPH_MMSG];
	struct iovec iov[PCAPH_MMSG];
	int fd = pcap_fileno(h->pcap);
	int first_err = 0;
	uint32_t i = 0;
	*sent = 0;
	while (i < n) {
		uint32_t k = n - i < PCAPH_MMSG ? n - i : PCAPH_MMSG;
		memset(m, 0, sizeof(m[0]) * k);
		for (uint32_t j = 0; j < k; j++) {
			iov[j].iov_base = (void *)(uintptr_t)buf[i + j];
			iov[j].iov_len = len[i + j];
			m[j].msg_hdr.msg_iov = &iov[j];
			m[j].msg_hdr.msg_iovlen = 1;
		}
		int r = sendmmsg(fd, m, k, 0);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r <= 0) {
			first_err = first_err != 0 ? first_err : (r < 0 ? -errno : -EIO);
			len[i++] = 0;
			continue;
		}
		*sent += (uint32_t)r;
		i += (uint32_t)r;
	}
	return first_err;
}

int pcaph_dump(struct pcaph *h, const uint8_t *buf, size_t len, uint64_t ts_us)
{
	struct pcap_pkthdr hdr = {
		.ts = {.tv_sec = (time_t)(ts_us / 1000000u),
		       .tv_usec = (suseconds_t)(ts_us % 1000000u)},
		.caplen = (bpf_u_int32)len,
		.len = (bpf_u_int32)len,
	};
	pcap_dump((u_char *)h->dumper, &hdr, buf);
	return ferror(pcap_dump_file(h->dumper)) ? -EIO : 0;
}

int pcaph_fd(struct pcaph *h)
{
	int fd = pcap_get_selectable_fd(h->pcap);
	return fd >= 0 ? fd : -ENOTSUP;
}

int pcaph_drops(struct pcaph *h, uint64_t *drops)
{
	struct pcap_stat st;
	if (pcap_file(h->pcap) != NULL || h->dumper != NULL) {
		*drops = 0;
		return 0;
	}
	if (pcap_stats(h->pcap, &st) != 0) {
		return -EIO;
	}
	*drops = (uint64_t)st.ps_drop + st.ps_ifdrop;
	return 0;
}

void pcaph_close(struct pcaph *h)
{
	if (h == NULL) {
		return;
	}
	if (h->dumper != NULL) {
		pcap_dump_close(h->dumper);
	}
	pcap_close(h->pcap);
	free(h);
}
