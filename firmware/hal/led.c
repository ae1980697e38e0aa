/*
 * Thin wrappers over struct led_ops. The core calls these, never the ops
 * directly: arguments are checked once here, a missing optional op answers
 * -ENOSYS, and test builds (CONFIG_TEST_FAULTS) can make the Nth call fail
 * so that the state machine's handling of a dead LED can be reached.
 */
#include "led.h"

#include <errno.h>
#include <string.h>

#include "hal_fault.h"

#ifdef CONFIG_TEST_FAULTS
static uint32_t fault_countdown;

void led_fault_after(uint32_t nth)
{
	fault_countdown = nth;
}
#endif
#define FAULT(rc) HAL_FAULT(&fault_countdown, (void)0, rc)

void led_init(struct led_dev *d, const struct led_ops *ops, const char *name, const char *base,
	      void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->name = name;
	d->base = base;
	d->ctx = ctx;
}

int led_open(struct led_dev *d)
{
	if (d == NULL || d->ops == NULL || d->ops->open == NULL || d->ops->set == NULL ||
	    d->ops->close == NULL || d->name == NULL) {
		return -EINVAL;
	}
	if (d->is_open) {
		return -EALREADY;
	}
	FAULT(-EIO);
	d->max = 1;
	d->cur = 0;
	int rc = d->ops->open(d);
	if (rc != 0) {
		return rc;
	}
	if (d->max == 0) {
		/* A driver that reports no brightness range is unusable, not "always off". */
		d->ops->close(d);
		d->priv = NULL;
		return -ENODEV;
	}
	d->is_open = true;
	return 0;
}

int led_set(struct led_dev *d, uint32_t brightness)
{
	if (d == NULL || !d->is_open || brightness > d->max) {
		return -EINVAL;
	}
	FAULT(-EIO);
	int rc = d->ops->set(d, brightness);
	if (rc == 0) {
		d->cur = brightness;
	}
	return rc;
}

int led_blink(struct led_dev *d, uint32_t on_ms, uint32_t off_ms)
{
	if (d == NULL || !d->is_open || on_ms == 0 || off_ms == 0) {
		return -EINVAL;
	}
	if (d->ops->blink == NULL) {
		return -ENOSYS;
	}
	FAULT(-EIO);
	return d->ops->blink(d, on_ms, off_ms);
}

void led_close(struct led_dev *d)
{
	if (d == NULL || !d->is_open) {
		return;
	}
	d->ops->close(d);
	d->is_open = false;
	d->priv = NULL;
}
