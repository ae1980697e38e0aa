/*
 * port: a source and sink of raw frames, and the HAL wrappers over it.
 *
 * A port driver fills one static const struct port_ops. The core calls
 * only the port_*() wrappers below (firmware/hal/port.c), which check
 * arguments, return -ENOSYS for a missing optional op, and are the
 * CONFIG_TEST_FAULTS injection point.
 */
#ifndef LEAKTAP_PORT_H
#define LEAKTAP_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "pkt.h"

#define PORT_ERR_MAX 192

/* One received frame. data is valid only during the rx callback. */
struct port_frame {
	const uint8_t *data;
	uint32_t caplen;  /* bytes in data */
	uint32_t wirelen; /* bytes on the wire (>= caplen) */
	uint64_t ts_us;   /* capture time, microseconds since the epoch (live: now) */
};

struct port_stats {
	uint64_t rx_frames;
	uint64_t rx_bytes;
	uint64_t tx_frames;
	uint64_t tx_bytes;
	uint64_t tx_errors;
	uint64_t drops; /* frames the host or driver dropped before we saw them */
};

struct port;

typedef void (*port_rx_cb)(void *ctx, struct port *p, const struct port_frame *f);

struct port_ops {
	/* Mandatory. */
	/* Open p->dev; set p->link. 0, or negative errno with p->err set. */
	int (*open)(struct port *p);
	/*
	 * Deliver up to budget frames to cb. Returns the number delivered (0 when
	 * nothing is waiting), -ENODATA when a finite source is exhausted, or
	 * another negative errno with p->err set (frames before the fault were
	 * delivered).
	 */
	int (*rx_poll)(struct port *p, uint32_t budget, port_rx_cb cb, void *ctx);
	void (*close)(struct port *p);

	/* Optional: -ENOSYS when absent. */
	/*
	 * Send one frame; the caller keeps buf (a driver that queues copies it).
	 * 0 or negative errno. A driver with a flush op may hold the frame until
	 * the next flush, in order with every other frame sent to this port.
	 */
	int (*tx)(struct port *p, const uint8_t *buf, size_t len, uint64_t ts_us);
	int (*stats)(struct port *p, struct port_stats *st);
	/* A descriptor that becomes readable when frames wait; >= 0, or negative errno. */
	int (*fd)(struct port *p);
	/*
	 * Send the frames tx queued, in order (one system call for many frames
	 * on Linux). 0 when all went out (or none waited); a negative errno
	 * when some could not be sent: they are dropped and counted in
	 * tx_errors, never retried.
	 */
	int (*flush)(struct port *p);
};

struct port {
	const struct port_ops *ops;
	const char *name;   /* logical name: "lan", "wan", "out" */
	const char *dev;    /* interface name or file path */
	enum pkt_link link; /* set by open */
	bool is_open;
	void *priv; /* driver state */
	char err[PORT_ERR_MAX];
};

/* Bind p to ops and dev; does not open. */
void port_init(struct port *p, const struct port_ops *ops, const char *name, const char *dev);

int port_open(struct port *p);
int port_rx_poll(struct port *p, uint32_t budget, port_rx_cb cb, void *ctx);
int port_tx(struct port *p, const uint8_t *buf, size_t len, uint64_t ts_us);
int port_stats(struct port *p, struct port_stats *st);
int port_fd(struct port *p);
/*
 * Send what port_tx() queued on p. Callers flush before they sleep and at
 * the end of each receive batch, so queueing adds at most one batch of
 * latency. -ENOSYS for a driver that sends at once (nothing to flush).
 */
int port_flush(struct port *p);
/* port_close() flushes first: no queued frame is lost silently. */
void port_close(struct port *p);

#ifdef CONFIG_TEST_FAULTS
/* Make the nth port_* call from now fail (1 = the next); 0 disables. */
void port_fault_after(uint32_t nth);
#endif

#endif /* LEAKTAP_PORT_H */
