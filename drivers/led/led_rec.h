/*
 * Recording LED driver (native_sim, tests): lights nothing, records every
 * change with its time into a ring, and keeps each LED's current state for
 * a one-line picture. d->ctx of every LED bound to led_rec_ops must point
 * to one struct led_rec, which the caller owns and led_rec_init() prepares.
 */
#ifndef LEAKTAP_LED_REC_H
#define LEAKTAP_LED_REC_H

#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "led.h"

extern const struct led_ops led_rec_ops;

/* One recorded change. name points at the LED's (static) physical name. */
struct led_rec_event {
	uint64_t t_ms;
	const char *name;
	uint32_t brightness;
};

struct led_rec {
	struct led_rec_event ring[CONFIG_LED_REC_RING];
	size_t head;   /* next slot to write */
	size_t count;  /* events held, <= CONFIG_LED_REC_RING */
	uint64_t lost; /* events overwritten before anyone read them */
	const char *names[CONFIG_LED_REC_MAX_LEDS];
	uint32_t level[CONFIG_LED_REC_MAX_LEDS];
	size_t n_leds;
	/* Time source: NULL means brd_now_ms(); tests give their simulated clock. */
	uint64_t (*clock)(void *ctx);
	void *clock_ctx;
	/* When set, every change prints the picture through it (the native_sim console). */
	void (*print)(void *ctx, const char *line);
	void *print_ctx;
};

/* Empty the ring and forget all LEDs; clock and print hooks are reset to NULL. */
void led_rec_init(struct led_rec *r);

/* Forget the recorded events, keep the LEDs and their states. */
void led_rec_clear(struct led_rec *r);

/* Number of events held. */
size_t led_rec_count(const struct led_rec *r);

/* The ith event held, oldest first. NULL when i >= led_rec_count(). */
const struct led_rec_event *led_rec_get(const struct led_rec *r, size_t i);

/* Current brightness of the LED with this physical name; -ENOENT when it was never opened. */
int led_rec_level(const struct led_rec *r, const char *name, uint32_t *level);

/*
 * The picture of all LEDs, e.g. "leds: power=* lan=* wan=. mode=* alert=. fault=.",
 * one '*' for a lit LED and '.' for a dark one. Length written, or -ENOSPC.
 */
int led_rec_picture(const struct led_rec *r, char *buf, size_t cap);

#endif /* LEAKTAP_LED_REC_H */
