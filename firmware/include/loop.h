/*
 * loop: the one event loop. Each pass drains at most CONFIG_PKT_BATCH
 * frames per port into the engine, forwards what the engine lets through,
 * and then sleeps until a port is readable or the next timer is due.
 * Driver callbacks do no more than hand a frame to the engine.
 */
#ifndef LEAKTAP_LOOP_H
#define LEAKTAP_LOOP_H

#include <stdbool.h>

#include "eng.h"
#include "port.h"

struct mgmt;

#define LOOP_WAKE_MAX 2

struct loop {
	struct eng *eng;
	struct port *lan;         /* office side (inline) or the only input (replay, tap) */
	struct port *wan;         /* router side; NULL in replay and tap mode */
	struct port *out;         /* optional recorder of forwarded frames (--out) */
	enum eng_side lan_side;   /* ENG_SIDE_LAN inline, ENG_SIDE_ANY for replay/tap */
	volatile const int *stop; /* set non-zero (e.g. by a signal) to end loop_run */
	void (*tick)(void *ctx);  /* called once per pass of loop_run (watchdog); may be NULL */
	int max_wait_ms;          /* longest sleep between passes; 0 = 1000 ms */
	void *tick_ctx;
	/*
	 * The management stack, the bridge's third port, or NULL. Offered every
	 * received frame first; polled every pass; bounds the sleep.
	 */
	struct mgmt *mgmt;
	/*
	 * Other descriptors that end the sleep when readable (the console);
	 * the tick serves them. At most LOOP_WAKE_MAX.
	 */
	const int *wake_fds;
	size_t n_wake;
	/* Counters of the loop itself. */
	uint64_t fwd_frames;
	uint64_t fwd_errors;
	uint64_t dropped;
	uint64_t injected; /* frames the engine made and the loop sent */
	uint64_t mgmt_rx;  /* frames consumed by the management stack */
	uint64_t mgmt_tx;  /* frames it sent (a frame sent out of both ports counts twice) */
	uint64_t overruns; /* batches that overran the inspection budget */
	uint64_t shed_until_us;
	uint32_t slow_batches; /* consecutive full batches over budget */
};

/*
 * The engine's eng_inject_cb (ctx: struct loop *): sends a frame the engine
 * made out of the port on that side; in a replay, to the recorder; on a
 * tap, out of the tap port. Send failures are counted in fwd_errors.
 */
void loop_inject(void *ctx, enum eng_side out, enum pkt_link link, const uint8_t *frame, size_t len,
		 uint64_t ts_us);

/*
 * The management stack's mgmt_tx_cb (ctx: struct loop *): sends a frame
 * lwIP made out of the lan or wan port, or both for ENG_SIDE_ANY. The
 * frame is not inspected. Send failures are counted in fwd_errors.
 */
void loop_mgmt_tx(void *ctx, enum eng_side out, const uint8_t *frame, size_t len);

/*
 * Replay: read l->lan (a capture file) to its end, recording forwarded
 * frames to l->out. Returns 0 at the end of the capture, or the port's
 * negative errno (l->lan->err says why) after the frames before the
 * fault were processed; -EIO when writing to l->out failed.
 */
int loop_replay(struct loop *l);

/*
 * Live: forward between l->lan and l->wan (or only watch l->lan when wan
 * is NULL) until *l->stop becomes non-zero. Returns 0, or a negative errno
 * when a port fails (its err says why).
 */
int loop_run(struct loop *l);

#endif /* LEAKTAP_LOOP_H */
