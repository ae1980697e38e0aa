/*
 * ledsm: the status-LED state machine. Inputs are set by calls (links,
 * activity pulses, mode, unacknowledged alerts, an active block, faults);
 * ledsm_tick() turns them, at the board clock time it is given, into one
 * pattern per logical LED and drives the physical LEDs the board table
 * binds to them. Patterns are documented in docs/leds.md.
 *
 * Blink phases are computed from the absolute time, so two LEDs with the
 * same pattern blink together and a replayed clock replays the LEDs.
 */
#ifndef LEAKTAP_LEDSM_H
#define LEAKTAP_LEDSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "led.h"

struct brd_led_desc;

enum ledsm_id {
	LEDSM_POWER = 0,
	LEDSM_LAN,
	LEDSM_WAN,
	LEDSM_MODE,
	LEDSM_ALERT,
	LEDSM_FAULT,
	LEDSM_N,
};

enum ledsm_pattern {
	LEDSM_PAT_OFF = 0,
	LEDSM_PAT_ON,
	LEDSM_PAT_SLOW,   /* 500 ms on, 500 ms off */
	LEDSM_PAT_FAST,   /* 125 ms on, 125 ms off */
	LEDSM_PAT_DOUBLE, /* two 100 ms flashes, then 1100 ms dark (1.5 s period) */
	LEDSM_PAT_BLIP,   /* one 100 ms flash every 2 s */
	LEDSM_PAT_N,
};

/* Which port an input is about. */
enum ledsm_port {
	LEDSM_PORT_LAN = 0,
	LEDSM_PORT_WAN,
};

/* Fault causes, as bits. */
#define LEDSM_FAULT_OVERLOAD 0x1u /* inspection overloaded: frames forwarded uninspected */
#define LEDSM_FAULT_STORAGE  0x2u /* storage failing */
#define LEDSM_FAULT_TIME     0x4u /* no time sync */

/* Fields are private to ledsm.c; the struct is public so a board can hold one statically. */
struct ledsm {
	struct led_dev dev[LEDSM_N];
	bool bound[LEDSM_N];    /* a physical LED is open behind this logical one */
	bool hw_blink[LEDSM_N]; /* the driver blinks it in hardware for the current pattern */
	uint8_t pat[LEDSM_N];   /* enum ledsm_pattern in force */
	bool lit[LEDSM_N];      /* the level the pattern asks for now */
	bool driven[LEDSM_N];   /* the physical LED has been set at least once */
	bool ready;
	bool link[2];
	uint64_t act_until[2]; /* activity dip ends here (ms) */
	uint8_t mode;          /* enum cfg_mode */
	uint32_t unacked;
	bool block;
	uint32_t faults; /* LEDSM_FAULT_* */
	uint64_t now_ms; /* time of the last tick */
	uint32_t errors; /* LEDs that failed to open or to change, and were dropped */
};

/* Start state: booting, links down, learn mode, no alert, no block, time not synced. */
void ledsm_init(struct ledsm *sm);

/*
 * Open the physical LEDs of a board table (tab[i].logical is an enum
 * ledsm_id; a row for a logical LED already open is ignored, so a board
 * may list a fallback after a LED that might be missing). drv_ctx is
 * given to every driver (the led_rec ring on native_sim). A LED that fails
 * to open (-ENODEV: not on this board) is skipped and counted in errors;
 * the board keeps running. Returns the number of LEDs opened, or -EINVAL.
 */
int ledsm_attach(struct ledsm *sm, const struct brd_led_desc *tab, size_t n, void *drv_ctx);

/* Close every physical LED; the logical state stays readable. */
void ledsm_detach(struct ledsm *sm);

/* Inputs. Each takes effect at the next ledsm_tick(). */
void ledsm_set_ready(struct ledsm *sm, bool ready);
void ledsm_set_link(struct ledsm *sm, enum ledsm_port port, bool up);
/* A frame crossed port at now_ms: the link LED dips dark briefly (CONFIG_LEDSM_ACT_MS). */
void ledsm_activity(struct ledsm *sm, enum ledsm_port port, uint64_t now_ms);
/* mode is an enum cfg_mode; unknown values show as learn. */
void ledsm_set_mode(struct ledsm *sm, uint8_t mode);
void ledsm_set_alerts(struct ledsm *sm, uint32_t unacked);
/* A block or quarantine is in force. */
void ledsm_set_block(struct ledsm *sm, bool active);
/* Set or clear fault causes (LEDSM_FAULT_* bits). */
void ledsm_set_fault(struct ledsm *sm, uint32_t cause, bool on);

/*
 * Recompute every pattern at now_ms and drive the physical LEDs whose
 * level changed. A LED whose driver fails is closed and dropped (counted
 * in errors). Returns the milliseconds until the LEDs next need a tick
 * (1..1000), for the loop's sleep.
 */
uint32_t ledsm_tick(struct ledsm *sm, uint64_t now_ms);

/* Pattern and level of a logical LED as of the last tick. */
enum ledsm_pattern ledsm_pattern(const struct ledsm *sm, enum ledsm_id id);
bool ledsm_lit(const struct ledsm *sm, enum ledsm_id id);

/* "power", "lan", ...; "?" when out of range. */
const char *ledsm_name(enum ledsm_id id);
/* "off", "on", "slow", "fast", "double", "blip"; "?" when out of range. */
const char *ledsm_pattern_name(enum ledsm_pattern p);

/*
 * The LEDs for the web status page, as one JSON object:
 * {"power":{"pattern":"on","lit":true},...,"fault":{...,"causes":["time"]}}.
 * Length written (NUL-terminated), or -ENOSPC.
 */
int ledsm_json(const struct ledsm *sm, char *buf, size_t cap);

/* ledsm_json() in the shape of app_hooks.leds_json: ctx is the struct ledsm. */
int ledsm_json_hook(void *ctx, char *buf, size_t cap);

/*
 * One status line for the console, e.g.
 * "status: ready lan=up wan=down mode=monitor alerts=2 block=off faults=time".
 * Length written, or -ENOSPC.
 */
int ledsm_status_line(const struct ledsm *sm, char *buf, size_t cap);

#endif /* LEAKTAP_LEDSM_H */
