/*
 * Linux LED class driver: d->base is the class directory (the board table
 * gives "/sys/class/leds"; tests point it at a temporary tree), d->name
 * the LED's directory in it.
 */
#ifndef LEAKTAP_LED_SYSFS_H
#define LEAKTAP_LED_SYSFS_H

#include "led.h"

extern const struct led_ops led_sysfs_ops;

#endif /* LEAKTAP_LED_SYSFS_H */
