/*
 * Recording LED driver. Tests read the ring instead of scraping console
 * output, which RIOT's printf LEDs would force on them; the picture is for
 * people watching native_sim run.
 */
#include "led_rec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "brd.h"

void led_rec_init(struct led_rec *r)
{
	memset(r, 0, sizeof(*r));
}

void led_rec_clear(struct led_rec *r)
{
	r->head = 0;
	r->count = 0;
	r->lost = 0;
}

size_t led_rec_count(const struct led_rec *r)
{
	return r->count;
}

const struct led_rec_event *led_rec_get(const struct led_rec *r, size_t i)
{
	if (i >= r->count) {
		return NULL;
	}
	size_t oldest = (r->head + CONFIG_LED_REC_RING - r->count) % CONFIG_LED_REC_RING;
	return &r->ring[(oldest + i) % CONFIG_LED_REC_RING];
}

static int lr_slot(const struct led_rec *r, const char *name)
{
	for (size_t i = 0; i < r->n_leds; i++) {
		if (strcmp(r->names[i], name) == 0) {
			return (int)i;
		}
	}
	return -ENOENT;
}

int led_rec_level(const struct led_rec *r, const char *name, uint32_t *level)
{
	int i = lr_slot(r, name);
	if (i < 0) {
		return i;
	}
	*level = r->level[i];
	return 0;
}

int led_rec_picture(const struct led_rec *r, char *buf, size_t cap)
{
	size_t off = 0;
	int n = snprintf(buf, cap, "leds:");
	if (n < 0 || (size_t)n >= cap) {
		return -ENOSPC;
	}
	off = (size_t)n;
	for (size_t i = 0; i < r->n_leds; i++) {
		n = snprintf(buf + off, cap - off, " %s=%c", r->names[i], r->level[i] ? '*' : '.');
		if (n < 0 || (size_t)n >= cap - off) {
			return -ENOSPC;
		}
		off += (size_t)n;
	}
	return (int)off;
}

static int lr_open(struct led_dev *d)
{
	struct led_rec *r = d->ctx;
	if (r == NULL) {
		return -EINVAL;
	}
	int i = lr_slot(r, d->name);
	if (i < 0) {
		if (r->n_leds >= CONFIG_LED_REC_MAX_LEDS) {
			return -ENOSPC;
		}
		i = (int)r->n_leds++;
		r->names[i] = d->name;
	}
	r->level[i] = 0;
	d->max = 1;
	d->priv = r;
	return 0;
}

static int lr_set(struct led_dev *d, uint32_t brightness)
{
	struct led_rec *r = d->priv;
	int i = lr_slot(r, d->name);
	if (i < 0) {
		return -ENODEV;
	}
	r->level[i] = brightness;
	struct led_rec_event *e = &r->ring[r->head];
	e->t_ms = r->clock != NULL ? r->clock(r->clock_ctx) : brd_now_ms();
	e->name = d->name;
	e->brightness = brightness;
	r->head = (r->head + 1) % CONFIG_LED_REC_RING;
	if (r->count < CONFIG_LED_REC_RING) {
		r->count++;
	} else {
		r->lost++;
	}
	if (r->print != NULL) {
		char line[256];
		if (led_rec_picture(r, line, sizeof(line)) > 0) {
			r->print(r->print_ctx, line);
		}
	}
	return 0;
}

static void lr_close(struct led_dev *d)
{
	(void)d;
}

const struct led_ops led_rec_ops = {
	.open = lr_open,
	.set = lr_set,
	.close = lr_close,
};
