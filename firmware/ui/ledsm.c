/*
 * The status-LED state machine. Inputs only record facts; ledsm_tick()
 * derives each logical LED's pattern from them, computes the level the
 * pattern asks for at the given time, and writes a physical LED only when
 * its level changes, so a slow driver (sysfs) sees a handful of writes a
 * second at most.
 */
#include "ledsm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "brd.h"
#include "cfg.h"

/*
 * A pattern is a ring of nslots time slots of slot_ms each; bit i of mask
 * says whether slot i is lit. OFF and ON are the degenerate rings.
 */
struct ls_shape {
	uint32_t slot_ms;
	uint32_t nslots;
	uint32_t mask;
	const char *name;
};

static const struct ls_shape ls_shapes[LEDSM_PAT_N] = {
	[LEDSM_PAT_OFF] = {1000, 1, 0x0, "off"},       [LEDSM_PAT_ON] = {1000, 1, 0x1, "on"},
	[LEDSM_PAT_SLOW] = {500, 2, 0x1, "slow"},      [LEDSM_PAT_FAST] = {125, 2, 0x1, "fast"},
	[LEDSM_PAT_DOUBLE] = {100, 15, 0x5, "double"}, [LEDSM_PAT_BLIP] = {100, 20, 0x1, "blip"},
};

static const char *const ls_names[LEDSM_N] = {
	[LEDSM_POWER] = "power", [LEDSM_LAN] = "lan",     [LEDSM_WAN] = "wan",
	[LEDSM_MODE] = "mode",   [LEDSM_ALERT] = "alert", [LEDSM_FAULT] = "fault",
};

void ledsm_init(struct ledsm *sm)
{
	memset(sm, 0, sizeof(*sm));
	sm->mode = CFG_MODE_LEARN;
	sm->faults = LEDSM_FAULT_TIME;
}

int ledsm_attach(struct ledsm *sm, const struct brd_led_desc *tab, size_t n, void *drv_ctx)
{
	if (sm == NULL || (tab == NULL && n != 0)) {
		return -EINVAL;
	}
	int opened = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t id = tab[i].logical;
		if (id >= LEDSM_N || sm->bound[id]) {
			continue;
		}
		led_init(&sm->dev[id], tab[i].ops, tab[i].name, tab[i].base, drv_ctx);
		if (led_open(&sm->dev[id]) != 0) {
			sm->errors++;
			continue;
		}
		sm->bound[id] = true;
		sm->driven[id] = false;
		sm->hw_blink[id] = false;
		opened++;
	}
	return opened;
}

void ledsm_detach(struct ledsm *sm)
{
	for (size_t i = 0; i < LEDSM_N; i++) {
		if (sm->bound[i]) {
			led_close(&sm->dev[i]);
			sm->bound[i] = false;
		}
	}
}

void ledsm_set_ready(struct ledsm *sm, bool ready)
{
	sm->ready = ready;
}

void ledsm_set_link(struct ledsm *sm, enum ledsm_port port, bool up)
{
	if ((unsigned)port > LEDSM_PORT_WAN) {
		return;
	}
	sm->link[port] = up;
	if (!up) {
		sm->act_until[port] = 0;
	}
}

void ledsm_activity(struct ledsm *sm, enum ledsm_port port, uint64_t now_ms)
{
	if ((unsigned)port > LEDSM_PORT_WAN || !sm->link[port]) {
		return;
	}
	/* Merge pulses until the LED has been lit again for a whole dip, or it would stay dark. */
	if (sm->act_until[port] == 0 || now_ms >= sm->act_until[port] + CONFIG_LEDSM_ACT_MS) {
		sm->act_until[port] = now_ms + CONFIG_LEDSM_ACT_MS;
	}
}

void ledsm_set_mode(struct ledsm *sm, uint8_t mode)
{
	sm->mode = mode <= CFG_MODE_BLOCK ? mode : CFG_MODE_LEARN;
}

void ledsm_set_alerts(struct ledsm *sm, uint32_t unacked)
{
	sm->unacked = unacked;
}

void ledsm_set_block(struct ledsm *sm, bool active)
{
	sm->block = active;
}

void ledsm_set_fault(struct ledsm *sm, uint32_t cause, bool on)
{
	if (on) {
		sm->faults |= cause;
	} else {
		sm->faults &= ~cause;
	}
}

/* The pattern each logical LED shows for the current inputs (docs/leds.md). */
static enum ledsm_pattern ls_pattern_for(const struct ledsm *sm, enum ledsm_id id)
{
	switch (id) {
	case LEDSM_POWER:
		return sm->ready ? LEDSM_PAT_ON : LEDSM_PAT_FAST;
	case LEDSM_LAN:
		return sm->link[LEDSM_PORT_LAN] ? LEDSM_PAT_ON : LEDSM_PAT_OFF;
	case LEDSM_WAN:
		return sm->link[LEDSM_PORT_WAN] ? LEDSM_PAT_ON : LEDSM_PAT_OFF;
	case LEDSM_MODE:
		if (sm->mode == CFG_MODE_BLOCK) {
			return LEDSM_PAT_DOUBLE;
		}
		return sm->mode == CFG_MODE_MONITOR ? LEDSM_PAT_ON : LEDSM_PAT_SLOW;
	case LEDSM_ALERT:
		/* An enforced block outranks a pending alert: it is the state that needs
		 * explaining. */
		if (sm->block) {
			return LEDSM_PAT_ON;
		}
		return sm->unacked > 0 ? LEDSM_PAT_FAST : LEDSM_PAT_OFF;
	case LEDSM_FAULT:
		if (sm->faults & LEDSM_FAULT_STORAGE) {
			return LEDSM_PAT_ON;
		}
		if (sm->faults & LEDSM_FAULT_OVERLOAD) {
			return LEDSM_PAT_FAST;
		}
		return (sm->faults & LEDSM_FAULT_TIME) ? LEDSM_PAT_BLIP : LEDSM_PAT_OFF;
	default:
		return LEDSM_PAT_OFF;
	}
}

static bool ls_shape_lit(enum ledsm_pattern p, uint64_t now_ms)
{
	const struct ls_shape *s = &ls_shapes[p];
	uint64_t slot = (now_ms / s->slot_ms) % s->nslots;
	return (s->mask >> slot) & 1u;
}

/* Milliseconds until the pattern's level may change (its next slot edge). */
static uint32_t ls_shape_next(enum ledsm_pattern p, uint64_t now_ms)
{
	const struct ls_shape *s = &ls_shapes[p];
	if (p == LEDSM_PAT_OFF || p == LEDSM_PAT_ON) {
		return 1000;
	}
	return (uint32_t)(s->slot_ms - now_ms % s->slot_ms);
}

/* Hand a plain blink to the driver when it can do it; 0 when it took it. */
static int ls_try_hw_blink(struct ledsm *sm, enum ledsm_id id, enum ledsm_pattern p)
{
	if (p != LEDSM_PAT_SLOW && p != LEDSM_PAT_FAST) {
		return -ENOSYS;
	}
	uint32_t ms = ls_shapes[p].slot_ms;
	return led_blink(&sm->dev[id], ms, ms);
}

/* Bring one physical LED to the logical state; drop it when its driver fails. */
static void ls_drive(struct ledsm *sm, enum ledsm_id id, bool pat_changed)
{
	if (!sm->bound[id]) {
		return;
	}
	bool was_hw = sm->hw_blink[id];
	if (pat_changed || !sm->driven[id]) {
		sm->hw_blink[id] = ls_try_hw_blink(sm, id, (enum ledsm_pattern)sm->pat[id]) == 0;
		if (sm->hw_blink[id]) {
			sm->driven[id] = true;
			return;
		}
	}
	if (sm->hw_blink[id]) {
		return;
	}
	uint32_t want = sm->lit[id] ? sm->dev[id].max : 0u;
	/* After a hardware blink the LED's level is unknown, so it is always written. */
	if (sm->driven[id] && !was_hw && sm->dev[id].cur == want) {
		return;
	}
	if (led_set(&sm->dev[id], want) != 0) {
		led_close(&sm->dev[id]);
		sm->bound[id] = false;
		sm->hw_blink[id] = false;
		sm->errors++;
		return;
	}
	sm->driven[id] = true;
}

uint32_t ledsm_tick(struct ledsm *sm, uint64_t now_ms)
{
	uint32_t next = 1000;
	sm->now_ms = now_ms;
	for (size_t i = 0; i < LEDSM_N; i++) {
		enum ledsm_id id = (enum ledsm_id)i;
		enum ledsm_pattern p = ls_pattern_for(sm, id);
		bool changed = p != sm->pat[id];
		sm->pat[id] = (uint8_t)p;
		sm->lit[id] = ls_shape_lit(p, now_ms);
		uint32_t wait = ls_shape_next(p, now_ms);
		if (id == LEDSM_LAN || id == LEDSM_WAN) {
			size_t port = id == LEDSM_LAN ? LEDSM_PORT_LAN : LEDSM_PORT_WAN;
			if (sm->lit[id] && now_ms < sm->act_until[port]) {
				sm->lit[id] = false;
				wait = (uint32_t)(sm->act_until[port] - now_ms);
			}
		}
		if (!sm->hw_blink[id] && wait < next) {
			next = wait;
		}
		ls_drive(sm, id, changed);
	}
	return next;
}

enum ledsm_pattern ledsm_pattern(const struct ledsm *sm, enum ledsm_id id)
{
	return (unsigned)id < LEDSM_N ? (enum ledsm_pattern)sm->pat[id] : LEDSM_PAT_OFF;
}

bool ledsm_lit(const struct ledsm *sm, enum ledsm_id id)
{
	return (unsigned)id < LEDSM_N && sm->lit[id];
}

const char *ledsm_name(enum ledsm_id id)
{
	return (unsigned)id < LEDSM_N ? ls_names[id] : "?";
}

const char *ledsm_pattern_name(enum ledsm_pattern p)
{
	return (unsigned)p < LEDSM_PAT_N ? ls_shapes[p].name : "?";
}

/* Appends to buf at *off; -ENOSPC when it does not fit. */
static int ls_put(char *buf, size_t cap, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ls_put(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	if (*off >= cap) {
		return -ENOSPC;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *off) {
		return -ENOSPC;
	}
	*off += (size_t)n;
	return 0;
}

static const char *const ls_fault_names[] = {"overload", "storage", "time"};

int ledsm_json(const struct ledsm *sm, char *buf, size_t cap)
{
	size_t off = 0;
	int rc = ls_put(buf, cap, &off, "{");
	for (size_t i = 0; i < LEDSM_N && rc == 0; i++) {
		rc = ls_put(buf, cap, &off, "%s\"%s\":{\"pattern\":\"%s\",\"lit\":%s", i ? "," : "",
			    ls_names[i], ledsm_pattern_name((enum ledsm_pattern)sm->pat[i]),
			    sm->lit[i] ? "true" : "false");
		if (rc == 0 && i == LEDSM_FAULT) {
			rc = ls_put(buf, cap, &off, ",\"causes\":[");
			bool first = true;
			for (size_t b = 0; b < 3 && rc == 0; b++) {
				if (sm->faults & (1u << b)) {
					rc = ls_put(buf, cap, &off, "%s\"%s\"", first ? "" : ",",
						    ls_fault_names[b]);
					first = false;
				}
			}
			if (rc == 0) {
				rc = ls_put(buf, cap, &off, "]");
			}
		}
		if (rc == 0) {
			rc = ls_put(buf, cap, &off, "}");
		}
	}
	if (rc == 0) {
		rc = ls_put(buf, cap, &off, "}");
	}
	return rc == 0 ? (int)off : -ENOSPC;
}

int ledsm_json_hook(void *ctx, char *buf, size_t cap)
{
	if (ctx == NULL || buf == NULL) {
		return -EINVAL;
	}
	return ledsm_json(ctx, buf, cap);
}

int ledsm_status_line(const struct ledsm *sm, char *buf, size_t cap)
{
	static const char *const modes[] = {"learn", "monitor", "block"};
	size_t off = 0;
	int rc = ls_put(
		buf, cap, &off, "status: %s lan=%s wan=%s mode=%s alerts=%u block=%s faults=",
		sm->ready ? "ready" : "booting", sm->link[0] ? "up" : "down",
		sm->link[1] ? "up" : "down", modes[sm->mode <= CFG_MODE_BLOCK ? sm->mode : 0],
		sm->unacked, sm->block ? "on" : "off");
	bool any = false;
	for (size_t b = 0; b < 3 && rc == 0; b++) {
		if (sm->faults & (1u << b)) {
			rc = ls_put(buf, cap, &off, "%s%s", any ? "," : "", ls_fault_names[b]);
			any = true;
		}
	}
	if (rc == 0 && !any) {
		rc = ls_put(buf, cap, &off, "none");
	}
	return rc == 0 ? (int)off : -ENOSPC;
}
