/*
 * Top half of the Linux LED class driver: the ops table. Every file access
 * is in led_sysfs_host.c. The driver keeps no state of its own beyond the
 * binding in struct led_dev: a write reopens the brightness file, which
 * costs a syscall or two per change, and LEDs change a few times a second
 * at most.
 */
#include "led_sysfs.h"

#include <errno.h>

#include "led_sysfs_priv.h"

static int ls_open(struct led_dev *d)
{
	if (d->base == NULL) {
		return -EINVAL;
	}
	return ledh_open(d->base, d->name, &d->max);
}

static int ls_set(struct led_dev *d, uint32_t brightness)
{
	return ledh_write(d->base, d->name, brightness);
}

static void ls_close(struct led_dev *d)
{
	/* The LED keeps its last state: a reboot should not blank the status it showed. */
	(void)d;
}

/* No blink: the trigger is "none" so that the kernel never fights the state machine. */
const struct led_ops led_sysfs_ops = {
	.open = ls_open,
	.set = ls_set,
	.close = ls_close,
};
