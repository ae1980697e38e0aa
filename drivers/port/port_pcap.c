/*
 * Top half of the libpcap port drivers: the ops tables and counters.
 * Everything that touches libpcap is in port_pcap_host.c, so this file and
 * the core see only the port_ops contract.
 */
#include "port_pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "port_pcap_priv.h"

/*
 * Transmit queue of a live port: frames copied into fixed slots (the
 * caller's buffer is only valid during its rx callback), sent with one
 * pcaph_inject_batch() per flush. Allocated once at open.
 */
#define PP_TX_SLOT 2048u

struct pp_txq {
	uint32_t n;
	uint32_t len[CONFIG_PORT_PCAP_TX_BATCH];
	const uint8_t *ptr[CONFIG_PORT_PCAP_TX_BATCH];
	uint8_t slot[CONFIG_PORT_PCAP_TX_BATCH][PP_TX_SLOT];
};

struct pp_state {
	struct pcaph *h;
	struct port_stats st;
	port_rx_cb user_cb;
	void *user_ctx;
	struct pp_txq *txq; /* live ports only */
};

static struct pp_state *pp_new(struct port *p)
{
	struct pp_state *s = calloc(1, sizeof(*s));
	p->priv = s;
	return s;
}

static int pp_open_live(struct port *p)
{
	struct pp_state *s = pp_new(p);
	if (s == NULL) {
		return -ENOMEM;
	}
	s->txq = calloc(1, sizeof(*s->txq));
	int rc = s->txq == NULL ? -ENOMEM
				: pcaph_open_live(p->dev, CONFIG_PORT_PCAP_SNAPLEN,
						  CONFIG_PORT_PCAP_BUFFER_KB, &s->h, &p->link,
						  p->err, sizeof(p->err));
	if (rc != 0) {
		free(s->txq);
		free(s);
		p->priv = NULL;
	}
	return rc;
}

static int pp_open_file(struct port *p)
{
	struct pp_state *s = pp_new(p);
	if (s == NULL) {
		return -ENOMEM;
	}
	int rc = pcaph_open_file(p->dev, &s->h, &p->link, p->err, sizeof(p->err));
	if (rc != 0) {
		free(s);
		p->priv = NULL;
	}
	return rc;
}

static int pp_open_dump(struct port *p)
{
	struct pp_state *s = pp_new(p);
	if (s == NULL) {
		return -ENOMEM;
	}
	int rc = pcaph_open_dump(p->dev, p->link, &s->h, p->err, sizeof(p->err));
	if (rc != 0) {
		free(s);
		p->priv = NULL;
	}
	return rc;
}

/* Counts each frame on its way to the user's callback. */
static void pp_count(void *ctx, struct port *p, const struct port_frame *f)
{
	struct pp_state *s = ctx;
	s->st.rx_frames++;
	s->st.rx_bytes += f->wirelen;
	s->user_cb(s->user_ctx, p, f);
}

static int pp_rx_poll(struct port *p, uint32_t budget, port_rx_cb cb, void *ctx)
{
	struct pp_state *s = p->priv;
	s->user_cb = cb;
	s->user_ctx = ctx;
	return pcaph_dispatch(s->h, budget, pp_count, s, p, p->err, sizeof(p->err));
}

static int pp_rx_none(struct port *p, uint32_t budget, port_rx_cb cb, void *ctx)
{
	(void)p;
	(void)budget;
	(void)cb;
	(void)ctx;
	return -ENODATA;
}

static int pp_count_tx(struct pp_state *s, size_t len, int rc)
{
	if (rc == 0) {
		s->st.tx_frames++;
		s->st.tx_bytes += len;
	} else {
		s->st.tx_errors++;
	}
	return rc;
}

/* Sends the queue; frames the kernel refused are counted and dropped. */
static int pp_flush(struct port *p)
{
	struct pp_state *s = p->priv;
	struct pp_txq *q = s->txq;
	if (q == NULL || q->n == 0) {
		return 0;
	}
	uint32_t sent = 0;
	int rc = pcaph_inject_batch(s->h, q->ptr, q->len, q->n, &sent);
	for (uint32_t i = 0; i < q->n; i++) {
		/* pcaph_inject_batch reports failures per frame by zeroing len. */
		if (q->len[i] != 0) {
			s->st.tx_frames++;
			s->st.tx_bytes += q->len[i];
		}
	}
	s->st.tx_errors += q->n - sent;
	q->n = 0;
	return rc;
}

/*
 * Queue the frame; the queue goes out when it is full or at the next flush.
 * A frame too large for a slot is sent at once, after the queue, so the
 * order on the wire is the order of the calls.
 */
static int pp_tx_live(struct port *p, const uint8_t *buf, size_t len, uint64_t ts_us)
{
	struct pp_state *s = p->priv;
	struct pp_txq *q = s->txq;
	(void)ts_us;
	if (CONFIG_PORT_PCAP_TX_BATCH == 1 || len > PP_TX_SLOT) {
		int rc = pp_flush(p);
		int r2 = pp_count_tx(s, len, pcaph_inject(s->h, buf, len));
		return rc != 0 ? rc : r2;
	}
	memcpy(q->slot[q->n], buf, len);
	q->ptr[q->n] = q->slot[q->n];
	q->len[q->n] = (uint32_t)len;
	if (++q->n == CONFIG_PORT_PCAP_TX_BATCH) {
		return pp_flush(p);
	}
	return 0;
}

static int pp_tx_dump(struct port *p, const uint8_t *buf, size_t len, uint64_t ts_us)
{
	struct pp_state *s = p->priv;
	return pp_count_tx(s, len, pcaph_dump(s->h, buf, len, ts_us));
}

static int pp_stats(struct port *p, struct port_stats *st)
{
	struct pp_state *s = p->priv;
	int rc = pcaph_drops(s->h, &s->st.drops);
	*st = s->st;
	return rc;
}

static int pp_fd(struct port *p)
{
	struct pp_state *s = p->priv;
	return pcaph_fd(s->h);
}

static void pp_close(struct port *p)
{
	struct pp_state *s = p->priv;
	(void)pp_flush(p);
	pcaph_close(s->h);
	free(s->txq);
	free(s);
}

const struct port_ops port_pcap_live_ops = {
	.open = pp_open_live,
	.rx_poll = pp_rx_poll,
	.close = pp_close,
	.tx = pp_tx_live,
	.stats = pp_stats,
	.fd = pp_fd,
	.flush = pp_flush,
};

const struct port_ops port_pcap_file_ops = {
	.open = pp_open_file,
	.rx_poll = pp_rx_poll,
	.close = pp_close,
	.stats = pp_stats,
};

const struct port_ops port_pcap_dump_ops = {
	.open = pp_open_dump,
	.rx_poll = pp_rx_none,
	.close = pp_close,
	.tx = pp_tx_dump,
	.stats = pp_stats,
};
