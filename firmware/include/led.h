/*
 * led: one physical LED, and the HAL wrappers over its driver.
 *
 * A LED driver fills one static const struct led_ops. The core calls only
 * the led_*() wrappers below (firmware/hal/led.c), which check arguments
 * once (-EINVAL above the LED's maximum brightness), answer -ENOSYS for a
 * missing optional op, and are the CONFIG_TEST_FAULTS injection point.
 */
#ifndef LEAKTAP_LED_H
#define LEAKTAP_LED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"

struct led_dev;

struct led_ops {
	/* Mandatory. */
	/*
	 * Take the LED over: set d->max (its highest brightness, >= 1). 0, or
	 * -ENODEV when the LED does not exist on this board, or another
	 * negative errno.
	 */
	int (*open)(struct led_dev *d);
	/* Set brightness 0..d->max (0 = off). 0 or negative errno. */
	int (*set)(struct led_dev *d, uint32_t brightness);
	void (*close)(struct led_dev *d);

	/* Optional: -ENOSYS when absent. */
	/* Blink in hardware at full brightness: on_ms lit, off_ms dark, repeating. */
	int (*blink)(struct led_dev *d, uint32_t on_ms, uint32_t off_ms);
};

struct led_dev {
	const struct led_ops *ops;
	const char *name; /* physical name, e.g. "leaktap:green:power" */
	const char *base; /* driver parameter: sysfs class directory, or NULL */
	void *ctx;        /* driver parameter: e.g. the recording ring of led_rec */
	uint32_t max;     /* highest brightness, set by open */
	uint32_t cur;     /* last brightness set */
	bool is_open;
	void *priv; /* driver state */
};

/* Bind d to ops and its parameters; does not open. name is not copied. */
void led_init(struct led_dev *d, const struct led_ops *ops, const char *name, const char *base,
	      void *ctx);

/* Open the LED. 0, -EINVAL (bad binding), -EALREADY, or the driver's error (-ENODEV: no such LED).
 */
int led_open(struct led_dev *d);
/* Set brightness 0..d->max. 0, -EINVAL (closed, or above max), or the driver's error. */
int led_set(struct led_dev *d, uint32_t brightness);
/* Blink in hardware. 0, -EINVAL, -ENOSYS (driver cannot), or the driver's error. */
int led_blink(struct led_dev *d, uint32_t on_ms, uint32_t off_ms);
/* Close; a closed or never-opened LED is ignored. */
void led_close(struct led_dev *d);

#ifdef CONFIG_TEST_FAULTS
/* Make the nth led_open/led_set/led_blink call from now fail with -EIO (1 = next); 0 disables. */
void led_fault_after(uint32_t nth);
#endif

#endif /* LEAKTAP_LED_H */
