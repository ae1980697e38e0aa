/*
 * Private seam between the sysfs LED driver's halves. led_sysfs.c fills
 * the ops table; led_sysfs_host.c is the only file with OS headers. Only
 * strings, fixed-width types and negative errno cross this seam.
 */
#ifndef LEAKTAP_LED_SYSFS_PRIV_H
#define LEAKTAP_LED_SYSFS_PRIV_H

#include <stddef.h>
#include <stdint.h>

/* Longest "<base>/<name>/max_brightness" path the driver accepts, with its NUL. */
#define LEDH_PATH_MAX 256

/*
 * Take over base/name: check the directory exists (-ENODEV if not), write
 * "none" to its trigger (-EIO if that fails), read max_brightness into
 * *max (1 when the file is absent; -EIO when it is unreadable or 0).
 * -ENAMETOOLONG when a path would not fit LEDH_PATH_MAX.
 */
int ledh_open(const char *base, const char *name, uint32_t *max);

/* Write brightness to base/name/brightness. 0, or negative errno. */
int ledh_write(const char *base, const char *name, uint32_t brightness);

#endif /* LEAKTAP_LED_SYSFS_PRIV_H */
