/*
 * The event loop (see loop.h). One thread, no locks: ports are polled in
 * turn with a batch bound so one busy port cannot starve the other.
 */
#include "loop.h"

#include <errno.h>

#include "autoconf.h"
#include "brd.h"
#include "mgmt.h"

struct rx_ctx {
	struct loop *l;
	enum eng_side side;
	struct port *to; /* where a forwarded frame goes, or NULL */
	int tx_rc;
};

static void on_frame(void *ctx, struct port *p, const struct port_frame *f)
{
	struct rx_ctx *rc = ctx;
	/* The appliance's own traffic is neither inspected nor forwarded. */
	if (rc->l->mgmt != NULL && p->link == PKT_LINK_ETH &&
	    mgmt_frame(rc->l->mgmt, rc->side, f->data, f->caplen) == MGMT_RX_MINE) {
		rc->l->mgmt_rx++;
		return;
	}
	enum eng_verdict v = eng_frame(rc->l->eng, rc->side, p->link, f);
	if (v != ENG_FORWARD) {
		rc->l->dropped++;
		return;
	}
	if (rc->to == NULL) {
		return;
	}
	int r = port_tx(rc->to, f->data, f->caplen, f->ts_us);
	if (r == 0) {
		rc->l->fwd_frames++;
	} else {
		rc->l->fwd_errors++;
		rc->tx_rc = r;
	}
}

void loop_inject(void *ctx, enum eng_side out, enum pkt_link link, const uint8_t *frame, size_t len,
		 uint64_t ts_us)
{
	struct loop *l = ctx;
	struct port *to = l->out != NULL                          ? l->out
			  : out == ENG_SIDE_WAN && l->wan != NULL ? l->wan
								  : l->lan;
	(void)link;
	if (to == NULL || port_tx(to, frame, len, ts_us) != 0) {
		l->fwd_errors++;
	} else {
		l->injected++;
	}
}

void loop_mgmt_tx(void *ctx, enum eng_side out, const uint8_t *frame, size_t len)
{
	struct loop *l = ctx;
	struct port *to[2] = {out != ENG_SIDE_WAN ? l->lan : NULL,
			      out != ENG_SIDE_LAN ? l->wan : NULL};
	for (size_t i = 0; i < 2; i++) {
		if (to[i] == NULL) {
			continue;
		}
		if (port_tx(to[i], frame, len, brd_wall_us()) != 0) {
			l->fwd_errors++;
		} else {
			l->mgmt_tx++;
		}
	}
}

int loop_replay(struct loop *l)
{
	struct rx_ctx ctx = {l, l->lan_side, l->out, 0};
	for (;;) {
		int n = port_rx_poll(l->lan, CONFIG_PKT_BATCH, on_frame, &ctx);
		if (ctx.tx_rc != 0) {
			return -EIO;
		}
		if (n == -ENODATA) {
			return 0;
		}
		if (n < 0) {
			return n;
		}
	}
}

/*
 * Forwarding has priority over inspection: a batch that took longer than
 * its budget switches inspection off for a while (see Kconfig
 * LOOP_FRAME_BUDGET_US); the engine counts what it let through unseen.
 */
static void budget(struct loop *l, uint64_t t0, int frames)
{
	uint64_t now = brd_now_us();
	/*
	 * Only a backlog counts: full batches (more frames were waiting) that
	 * overran, several in a row. One slow batch is a VM hiccup or a cold
	 * page, not an overload.
	 */
	if (frames == CONFIG_PKT_BATCH &&
	    now - t0 > (uint64_t)frames * CONFIG_LOOP_FRAME_BUDGET_US) {
		if (++l->slow_batches >= 4) {
			l->overruns++;
			l->shed_until_us = now + (uint64_t)CONFIG_LOOP_SHED_MS * 1000u;
		}
	} else {
		l->slow_batches = 0;
	}
	eng_set_shed(l->eng, now < l->shed_until_us);
}

/*
 * Send what the batch queued on a port (forwarded frames, and resets the
 * engine made for either side). A refused frame is counted, not fatal.
 */
static void flush(struct loop *l, struct port *p)
{
	int r = p != NULL ? port_flush(p) : 0;
	if (r != 0 && r != -ENOSYS) {
		l->fwd_errors++;
	}
}

/* Drain one port once; returns frames taken or a negative errno. */
static int drain(struct loop *l, struct port *from, struct port *to, enum eng_side side)
{
	struct rx_ctx ctx = {l, side, to, 0};
	uint64_t t0 = brd_now_us();
	int n = port_rx_poll(from, CONFIG_PKT_BATCH, on_frame, &ctx);
	/* The batch leaves at once: queueing adds no more than one batch of delay. */
	flush(l, to);
	flush(l, from);
	budget(l, t0, n);
	/* A failed send is counted (fwd_errors), not fatal: the link may come back. */
	return n == -ENODATA ? 0 : n;
}

/*
 * Whether to poll again instead of sleeping: for CONFIG_LOOP_BUSY_POLL_US
 * after the last frame. The answer to a frame just forwarded (a TCP ACK, a
 * ping reply) usually comes back within tens of microseconds, and waking
 * from poll() costs about as much again, more when the CPU is shared. An
 * idle box still sleeps: the spin only follows traffic.
 */
static bool keep_polling(uint64_t last_frame_us, uint64_t spin_us)
{
	return spin_us > 0 && brd_now_us() - last_frame_us < spin_us;
}

int loop_run(struct loop *l)
{
	int fds[2 + LOOP_WAKE_MAX];
	size_t nfd = 0;
	int fd = port_fd(l->lan);
	if (fd < 0) {
		return fd;
	}
	fds[nfd++] = fd;
	if (l->wan != NULL) {
		fd = port_fd(l->wan);
		if (fd < 0) {
			return fd;
		}
		fds[nfd++] = fd;
	}
	uint64_t last_frame_us = 0;
	uint64_t spin_us = CONFIG_LOOP_BUSY_POLL_US; /* a variable: 0 must compile too */
	while (!*l->stop) {
		int a = drain(l, l->lan, l->wan, l->lan_side);
		int b = l->wan != NULL ? drain(l, l->wan, l->lan, ENG_SIDE_WAN) : 0;
		if (a < 0) {
			return a;
		}
		if (b < 0) {
			return b;
		}
		if (l->mgmt != NULL) {
			mgmt_poll(l->mgmt);
		}
		/*
		 * Housekeeping after the frames that woke us are on their way:
		 * the tick (watchdog, LEDs, console) never adds to their latency.
		 */
		if (l->tick != NULL) {
			l->tick(l->tick_ctx);
		}
		/* A full batch means more may be waiting: poll again before sleeping. */
		if (a == CONFIG_PKT_BATCH || b == CONFIG_PKT_BATCH) {
			continue;
		}
		if (a > 0 || b > 0) {
			last_frame_us = brd_now_us();
		}
		if (keep_polling(last_frame_us, spin_us)) {
			continue;
		}
		/*
		 * Nothing may stay queued across a sleep: frames sent outside a
		 * receive batch (timers, the management stack) go out now.
		 */
		flush(l, l->lan);
		flush(l, l->wan);
		int wait_ms = l->max_wait_ms > 0 ? l->max_wait_ms : 1000;
		if (l->mgmt != NULL) {
			uint32_t t = mgmt_sleep_ms(l->mgmt);
			wait_ms = t < (uint32_t)wait_ms ? (int)t : wait_ms;
		}
		/* The wake set is read each pass: the tick may drop a descriptor (console EOF). */
		size_t n = nfd;
		for (size_t i = 0; i < l->n_wake && i < LOOP_WAKE_MAX; i++) {
			fds[n++] = l->wake_fds[i];
		}
		int w = brd_wait(fds, n, wait_ms);
		if (w < 0 && w != -EINTR) {
			return w;
		}
	}
	return 0;
}
