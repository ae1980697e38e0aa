/*
 * Unit tests for the status-LED state machine (firmware/ui/ledsm.c) driven
 * through the native_sim board table onto the recording driver
 * (drivers/led/led_rec.c), with a simulated clock: the ring's clock hook
 * returns the test's own time, so every recorded change carries the exact
 * millisecond the state machine produced it at.
 *
 * Each scenario ticks every T_STEP ms over a window and then reads the
 * recorded sequence back: boot, link loss and activity, an alert and its
 * acknowledgement, a block, faults, each mode's pattern, the JSON snapshot
 * and status line, hardware blink, and a LED that dies.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "brd.h"
#include "cfg.h"
#include "led.h"
#include "led/led_rec.h"
#include "ledsm.h"

#define T_STEP 5u

struct fix {
	struct ledsm sm;
	struct led_rec rec;
	uint64_t now;
};

static struct fix F;

static uint64_t t_clock(void *ctx)
{
	return *(const uint64_t *)ctx;
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	led_rec_init(&F.rec);
	F.rec.clock = t_clock;
	F.rec.clock_ctx = &F.now;
	ledsm_init(&F.sm);
	int n = ledsm_attach(&F.sm, brd_this.leds, brd_this.n_leds, &F.rec);
	assert_int_equal(n, (int)brd_this.n_leds);
	assert_int_equal(n, LEDSM_N);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ledsm_detach(&F.sm);
	led_fault_after(0);
	return 0;
}

/* Tick every T_STEP ms until (and including) time `until`. */
static void run_to(uint64_t until)
{
	while (F.now <= until) {
		ledsm_tick(&F.sm, F.now);
		F.now += T_STEP;
	}
	F.now = until;
}

/* The changes of one LED recorded in [t0, t1). */
static size_t events(const char *name, uint64_t t0, uint64_t t1, uint64_t *ts, uint32_t *lv,
		     size_t cap)
{
	size_t k = 0;
	/* A wrapped ring would make every count below wrong. */
	assert_int_equal(F.rec.lost, 0);
	for (size_t i = 0; i < led_rec_count(&F.rec); i++) {
		const struct led_rec_event *e = led_rec_get(&F.rec, i);
		if (strcmp(e->name, name) != 0 || e->t_ms < t0 || e->t_ms >= t1) {
			continue;
		}
		if (k < cap) {
			ts[k] = e->t_ms;
			lv[k] = e->brightness;
		}
		k++;
	}
	return k;
}

static size_t count(const char *name, uint64_t t0, uint64_t t1)
{
	return events(name, t0, t1, NULL, NULL, 0);
}

/* The recorded level of a LED at time t (its last change at or before t). */
static uint32_t level_at(const char *name, uint64_t t)
{
	uint32_t lv = 0;
	bool seen = false;
	for (size_t i = 0; i < led_rec_count(&F.rec); i++) {
		const struct led_rec_event *e = led_rec_get(&F.rec, i);
		if (strcmp(e->name, name) == 0 && e->t_ms <= t) {
			lv = e->brightness;
			seen = true;
		}
	}
	assert_true(seen);
	return lv;
}

/*
 * Check a blink that is lit at t0: edges every half ms, alternating. The
 * edge at t0 itself is only recorded when the LED was dark before (the
 * state machine never writes a level the LED already has).
 */
static void assert_square(const char *name, uint64_t t0, uint64_t t1, uint64_t half)
{
	uint64_t ts[64];
	uint32_t lv[64];
	assert_int_equal(level_at(name, t0), 1);
	size_t n = events(name, t0 + 1, t1, ts, lv, 64);
	assert_int_equal(n, (t1 - t0) / half - 1);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ts[i], t0 + (i + 1) * half);
		assert_int_equal(lv[i], (i % 2 == 0) ? 0 : 1);
	}
}

/* ---- boot --------------------------------------------------------------- */

static void test_boot(void **state)
{
	(void)state;
	run_to(1000);
	/* Booting: power blinks fast from the first tick. */
	assert_square("power", 0, 1000, 125);
	/* Learn mode (the default): slow blink. */
	assert_square("mode", 0, 1000, 500);
	/* Links down: dark, written once so the physical LED starts known. */
	assert_int_equal(count("lan", 0, 1001), 1);
	assert_int_equal(level_at("lan", 0), 0);
	assert_int_equal(level_at("wan", 0), 0);
	assert_int_equal(level_at("alert", 1000), 0);
	/* No time sync yet: the fault LED blips 100 ms every 2 s. */
	assert_int_equal(level_at("fault", 50), 1);
	assert_int_equal(level_at("fault", 150), 0);

	/* Boot finished, ports up: power steady, links lit. */
	ledsm_set_ready(&F.sm, true);
	ledsm_set_link(&F.sm, LEDSM_PORT_LAN, true);
	ledsm_set_link(&F.sm, LEDSM_PORT_WAN, true);
	ledsm_set_fault(&F.sm, LEDSM_FAULT_TIME, false);
	size_t before = count("power", 0, 100000);
	run_to(4000);
	assert_int_equal(level_at("power", 4000), 1);
	/* At most one change after ready (dark phase -> lit), then steady. */
	assert_true(count("power", 0, 100000) - before <= 1);
	assert_int_equal(count("power", 1100, 4001), 0);
	assert_int_equal(level_at("lan", 4000), 1);
	assert_int_equal(level_at("wan", 4000), 1);
	assert_int_equal(count("fault", 1100, 4001), 0);
	assert_int_equal(level_at("fault", 4000), 0);
	assert_int_equal(ledsm_pattern(&F.sm, LEDSM_POWER), LEDSM_PAT_ON);
	assert_int_equal(F.sm.errors, 0);
}

/* ---- link loss and activity --------------------------------------------- */

static void test_link_loss(void **state)
{
	(void)state;
	ledsm_set_ready(&F.sm, true);
	ledsm_set_link(&F.sm, LEDSM_PORT_LAN, true);
	ledsm_set_link(&F.sm, LEDSM_PORT_WAN, true);
	run_to(500);
	assert_int_equal(level_at("lan", 500), 1);

	ledsm_set_link(&F.sm, LEDSM_PORT_LAN, false);
	run_to(1500);
	uint64_t ts[8];
	uint32_t lv[8];
	/* Inputs take effect at the next tick: the one at 500. */
	assert_int_equal(events("lan", 1, 1501, ts, lv, 8), 1);
	assert_int_equal(ts[0], 500);
	assert_int_equal(lv[0], 0);
	/* The other port is not affected. */
	assert_int_equal(count("wan", 1, 1501), 0);
	/* Activity on a dead link lights nothing. */
	ledsm_activity(&F.sm, LEDSM_PORT_LAN, 1500);
	run_to(1600);
	assert_int_equal(count("lan", 1501, 1601), 0);

	ledsm_set_link(&F.sm, LEDSM_PORT_LAN, true);
	run_to(2000);
	assert_int_equal(events("lan", 1600, 2001, ts, lv, 8), 1);
	assert_int_equal(lv[0], 1);
	assert_int_equal(ledsm_lit(&F.sm, LEDSM_LAN), true);
}

static void test_activity_flicker(void **state)
{
	(void)state;
	ledsm_set_ready(&F.sm, true);
	ledsm_set_link(&F.sm, LEDSM_PORT_WAN, true);
	/* Even the very first frame after power-on shows. */
	ledsm_activity(&F.sm, LEDSM_PORT_WAN, 5);
	ledsm_tick(&F.sm, 5);
	assert_false(ledsm_lit(&F.sm, LEDSM_WAN));
	run_to(1000);
	assert_true(ledsm_lit(&F.sm, LEDSM_WAN));
	led_rec_clear(&F.rec);
	/* One frame: a dip of CONFIG_LEDSM_ACT_MS. */
	ledsm_activity(&F.sm, LEDSM_PORT_WAN, 1000);
	uint32_t wait = ledsm_tick(&F.sm, 1000);
	assert_int_equal(wait, CONFIG_LEDSM_ACT_MS);
	run_to(1200);
	uint64_t ts[64];
	uint32_t lv[64];
	assert_int_equal(events("wan", 1000, 1201, ts, lv, 64), 2);
	assert_int_equal(ts[0], 1000);
	assert_int_equal(lv[0], 0);
	assert_int_equal(ts[1], 1000 + CONFIG_LEDSM_ACT_MS);
	assert_int_equal(lv[1], 1);

	/* Steady traffic (a frame every ms): a regular flicker, never stuck dark. */
	for (uint64_t t = 2000; t < 2400; t++) {
		ledsm_activity(&F.sm, LEDSM_PORT_WAN, t);
		F.now = t;
		if (t % T_STEP == 0) {
			ledsm_tick(&F.sm, t);
		}
	}
	size_t n = events("wan", 2000, 2400, ts, lv, 64);
	assert_true(n >= 8);
	for (size_t i = 1; i < n && i < 64; i++) {
		assert_int_equal(ts[i] - ts[i - 1], CONFIG_LEDSM_ACT_MS);
		assert_int_not_equal(lv[i], lv[i - 1]);
	}
}

/* ---- alert, acknowledge, block ------------------------------------------ */

static void test_alert_ack(void **state)
{
	(void)state;
	ledsm_set_ready(&F.sm, true);
	run_to(1000);
	assert_int_equal(count("alert", 1, 1001), 0);

	ledsm_set_alerts(&F.sm, 2);
	F.now = 2000;
	run_to(3000);
	assert_square("alert", 2000, 3000, 125);
	assert_int_equal(ledsm_pattern(&F.sm, LEDSM_ALERT), LEDSM_PAT_FAST);

	/* Acknowledged: dark at the next tick, and it stays dark. */
	ledsm_set_alerts(&F.sm, 0);
	F.now = 3010;
	run_to(5000);
	uint64_t ts[4];
	uint32_t lv[4];
	size_t n = events("alert", 3001, 5001, ts, lv, 4);
	/* 3000 was a lit edge; the ack turns it off at 3010. */
	assert_int_equal(n, 1);
	assert_int_equal(ts[0], 3010);
	assert_int_equal(lv[0], 0);
	assert_int_equal(ledsm_pattern(&F.sm, LEDSM_ALERT), LEDSM_PAT_OFF);
}

static void test_block(void **state)
{
	(void)state;
	ledsm_set_ready(&F.sm, true);
	ledsm_set_mode(&F.sm, CFG_MODE_BLOCK);
	ledsm_set_alerts(&F.sm, 1);
	run_to(1000);
	/* A block is enforced: the alert LED goes solid, even with an alert pending. */
	ledsm_set_block(&F.sm, true);
	F.now = 1010;
	run_to(4000);
	assert_int_equal(level_at("alert", 1010), 1);
	assert_true(count("alert", 1010, 4001) <= 1);
	assert_int_equal(count("alert", 1011, 4001), 0);
	assert_int_equal(ledsm_pattern(&F.sm, LEDSM_ALERT), LEDSM_PAT_ON);

	/* Quarantine over, alert acknowledged: off. */
	ledsm_set_block(&F.sm, false);
	ledsm_set_alerts(&F.sm, 0);
	F.now = 4010;
	run_to(6000);
	assert_int_equal(level_at("alert", 4010), 0);
	assert_int_equal(count("alert", 4010, 6001), 1);

	/* Quarantine over but the alert still unacknowledged: back to blinking. */
	ledsm_set_alerts(&F.sm, 1);
	ledsm_set_block(&F.sm, true);
	F.now = 6000;
	run_to(7000);
	ledsm_set_block(&F.sm, false);
	F.now = 7000;
	run_to(8000);
	assert_square("alert", 7000, 8000, 125);
}

/* ---- faults ------------------------------------------------------------- */

static void test_faults(void **state)
{
	(void)state;
	ledsm_set_ready(&F.sm, true);
	ledsm_set_fault(&F.sm, LEDSM_FAULT_TIME, false);
	run_to(1000);
	assert_int_equal(level_at("fault", 1000), 0);

	ledsm_set_fault(&F.sm, LEDSM_FAULT_OVERLOAD, true);
	F.now = 2000;
	run_to(3000);
	assert_square("fault", 2000, 3000, 125);

	/* Storage failing outranks overload: solid. */
	ledsm_set_fault(&F.sm, LEDSM_FAULT_STORAGE, true);
	F.now = 3000;
	run_to(4000);
	assert_int_equal(level_at("fault", 4000), 1);
	assert_int_equal(ledsm_pattern(&F.sm, LEDSM_FAULT), LEDSM_PAT_ON);
	assert_int_equal(count("fault", 3001, 4001), 0);

	/* Only time missing: a blip of 100 ms every 2 s. */
	ledsm_set_fault(&F.sm, LEDSM_FAULT_STORAGE | LEDSM_FAULT_OVERLOAD, false);
	ledsm_set_fault(&F.sm, LEDSM_FAULT_TIME, true);
	F.now = 4000;
	run_to(8000);
	uint64_t ts[8];
	uint32_t lv[8];
	/* Lit already at 4000 (the storage fault), so the first change is the blip's end. */
	size_t n = events("fault", 4001, 8000, ts, lv, 8);
	assert_int_equal(n, 3);
	assert_int_equal(ts[0], 4100);
	assert_int_equal(lv[0], 0);
	assert_int_equal(ts[1], 6000);
	assert_int_equal(lv[1], 1);
	assert_int_equal(ts[2], 6100);
	assert_int_equal(lv[2], 0);

	ledsm_set_fault(&F.sm, LEDSM_FAULT_TIME, false);
	F.now = 8050;
	run_to(10000);
	assert_int_equal(level_at("fault", 10000), 0);
	assert_int_equal(ledsm_pattern(&F.sm, LEDSM_FAULT), LEDSM_PAT_OFF);
}

/* ---- modes -------------------------------------------------------------- */

/* Lit milliseconds of a LED in [t0, t1), from the recorded changes. */
static uint64_t lit_ms(const char *name, uint64_t t0, uint64_t t1)
{
	uint64_t sum = 0;
	for (uint64_t t = t0; t < t1; t += T_STEP) {
		sum += level_at(name, t) ? T_STEP : 0;
	}
	return sum;
}

static void test_modes_distinct(void **state)
{
	(void)state;
	ledsm_set_ready(&F.sm, true);
	ledsm_set_mode(&F.sm, CFG_MODE_LEARN);
	run_to(3000);
	assert_int_equal(lit_ms("mode", 0, 3000), 1500);
	assert_int_equal(count("mode", 0, 3000), 6);

	ledsm_set_mode(&F.sm, CFG_MODE_MONITOR);
	F.now = 3000;
	run_to(6000);
	assert_int_equal(lit_ms("mode", 3000, 6000), 3000);
	assert_true(count("mode", 3001, 6000) == 0);

	ledsm_set_mode(&F.sm, CFG_MODE_BLOCK);
	F.now = 6000;
	run_to(9000);
	/* Double flash: on 100, off 100, on 100, dark 1200; a 1.5 s period. */
	assert_int_equal(lit_ms("mode", 6000, 9000), 400);
	uint64_t ts[16];
	uint32_t lv[16];
	/* Lit already (monitor), so the first recorded change is the end of the first flash. */
	size_t n = events("mode", 6001, 9000, ts, lv, 16);
	assert_int_equal(n, 7);
	static const uint64_t want[] = {6100, 6200, 6300, 7500, 7600, 7700, 7800};
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(ts[i], want[i]);
		assert_int_equal(lv[i], i % 2 == 0 ? 0 : 1);
	}
	/* An unknown mode value shows as learn rather than as something misleading. */
	ledsm_set_mode(&F.sm, 77);
	ledsm_tick(&F.sm, 9000);
	assert_int_equal(ledsm_pattern(&F.sm, LEDSM_MODE), LEDSM_PAT_SLOW);
}

/* ---- tick deadline ------------------------------------------------------ */

static void test_next_deadline(void **state)
{
	(void)state;
	/* Booting: power blinks every 125 ms. */
	assert_int_equal(ledsm_tick(&F.sm, 0), 100); /* the fault blip ends at 100 */
	assert_int_equal(ledsm_tick(&F.sm, 110), 15);
	ledsm_set_ready(&F.sm, true);
	ledsm_set_fault(&F.sm, LEDSM_FAULT_TIME, false);
	ledsm_set_mode(&F.sm, CFG_MODE_MONITOR);
	/* Nothing blinks: the loop may sleep the maximum. */
	assert_int_equal(ledsm_tick(&F.sm, 200), 1000);
}

/* ---- JSON and status line ----------------------------------------------- */

static void test_json_and_status(void **state)
{
	(void)state;
	char buf[1024];
	ledsm_set_ready(&F.sm, true);
	ledsm_set_link(&F.sm, LEDSM_PORT_LAN, true);
	ledsm_set_mode(&F.sm, CFG_MODE_MONITOR);
	ledsm_set_alerts(&F.sm, 3);
	ledsm_set_fault(&F.sm, LEDSM_FAULT_OVERLOAD, true);
	ledsm_tick(&F.sm, 10);
	int n = ledsm_json(&F.sm, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_non_null(strstr(buf, "\"power\":{\"pattern\":\"on\",\"lit\":true}"));
	assert_non_null(strstr(buf, "\"lan\":{\"pattern\":\"on\",\"lit\":true}"));
	assert_non_null(strstr(buf, "\"wan\":{\"pattern\":\"off\",\"lit\":false}"));
	assert_non_null(strstr(buf, "\"mode\":{\"pattern\":\"on\""));
	assert_non_null(strstr(buf, "\"alert\":{\"pattern\":\"fast\",\"lit\":true}"));
	assert_non_null(strstr(buf, "\"causes\":[\"overload\",\"time\"]"));
	assert_int_equal(buf[0], '{');
	assert_int_equal(buf[n - 1], '}');
	char viahook[1024];
	assert_int_equal(ledsm_json_hook(&F.sm, viahook, sizeof(viahook)), n);
	assert_string_equal(viahook, buf);
	assert_int_equal(ledsm_json_hook(NULL, viahook, sizeof(viahook)), -EINVAL);
	/* Every buffer too small is refused, never cut. */
	for (size_t cap = 0; cap <= (size_t)n; cap++) {
		char small[1024];
		assert_int_equal(ledsm_json(&F.sm, small, cap), -ENOSPC);
	}

	n = ledsm_status_line(&F.sm, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "status: ready lan=up wan=down mode=monitor alerts=3 block=off "
				 "faults=overload,time");
	assert_int_equal(ledsm_status_line(&F.sm, buf, 20), -ENOSPC);
	ledsm_set_fault(&F.sm, LEDSM_FAULT_OVERLOAD | LEDSM_FAULT_TIME, false);
	ledsm_set_block(&F.sm, true);
	ledsm_status_line(&F.sm, buf, sizeof(buf));
	assert_non_null(strstr(buf, "block=on faults=none"));

	assert_string_equal(ledsm_name(LEDSM_FAULT), "fault");
	assert_string_equal(ledsm_name(LEDSM_N), "?");
	assert_string_equal(ledsm_pattern_name(LEDSM_PAT_DOUBLE), "double");
	assert_string_equal(ledsm_pattern_name(LEDSM_PAT_N), "?");
}

/* ---- a driver that blinks in hardware ----------------------------------- */

struct hw {
	uint32_t sets, blinks, on_ms, off_ms, last;
};
static struct hw HW;

static int hw_open(struct led_dev *d)
{
	d->max = 255;
	return 0;
}
static int hw_set(struct led_dev *d, uint32_t b)
{
	(void)d;
	HW.sets++;
	HW.last = b;
	return 0;
}
static void hw_close(struct led_dev *d)
{
	(void)d;
}
static int hw_blink(struct led_dev *d, uint32_t on, uint32_t off)
{
	(void)d;
	HW.blinks++;
	HW.on_ms = on;
	HW.off_ms = off;
	return 0;
}
static const struct led_ops hw_ops = {
	.open = hw_open, .set = hw_set, .close = hw_close, .blink = hw_blink};

static void test_hw_blink(void **state)
{
	(void)state;
	struct ledsm sm;
	memset(&HW, 0, sizeof(HW));
	ledsm_init(&sm);
	const struct brd_led_desc tab[] = {
		{.logical = LEDSM_MODE, .ops = &hw_ops, .name = "m"},
		{.logical = LEDSM_MODE, .ops = &hw_ops, .name = "second row ignored"},
		{.logical = 200, .ops = &hw_ops, .name = "not a logical LED"},
	};
	assert_int_equal(ledsm_attach(&sm, tab, 3, NULL), 1);
	/* Learn = slow blink: handed to the driver once, no software toggling. */
	for (uint64_t t = 0; t < 3000; t += T_STEP) {
		ledsm_tick(&sm, t);
	}
	assert_int_equal(HW.blinks, 1);
	assert_int_equal(HW.on_ms, 500);
	assert_int_equal(HW.off_ms, 500);
	assert_int_equal(HW.sets, 0);
	/* Double flash is not a plain blink: software drives it at full brightness. */
	ledsm_set_mode(&sm, CFG_MODE_BLOCK);
	for (uint64_t t = 3000; t < 4500; t += T_STEP) {
		ledsm_tick(&sm, t);
	}
	assert_int_equal(HW.blinks, 1);
	assert_int_equal(HW.sets, 4);
	/* Monitor: steady at the LED's maximum. */
	ledsm_set_mode(&sm, CFG_MODE_MONITOR);
	ledsm_tick(&sm, 4500);
	assert_int_equal(HW.last, 255);
	ledsm_detach(&sm);
	assert_int_equal(ledsm_attach(NULL, tab, 1, NULL), -EINVAL);
	assert_int_equal(ledsm_attach(&sm, NULL, 1, NULL), -EINVAL);
}

/* ---- a LED that fails --------------------------------------------------- */

static void test_dead_led(void **state)
{
	(void)state;
	/* Open fails for the first LED of the table: the board keeps the other five. */
	ledsm_detach(&F.sm);
	led_rec_init(&F.rec);
	F.rec.clock = t_clock;
	F.rec.clock_ctx = &F.now;
	ledsm_init(&F.sm);
	led_fault_after(1);
	assert_int_equal(ledsm_attach(&F.sm, brd_this.leds, brd_this.n_leds, &F.rec), LEDSM_N - 1);
	assert_int_equal(F.sm.errors, 1);
	run_to(300);
	assert_int_equal(count("power", 0, 1000), 0);
	assert_true(count("mode", 0, 1000) > 0);

	/* A change that fails drops that LED; the others keep going and the state stays readable.
	 */
	ledsm_set_mode(&F.sm, CFG_MODE_MONITOR);
	ledsm_set_ready(&F.sm, true);
	led_fault_after(1);
	F.now = 300;
	run_to(3000);
	assert_int_equal(F.sm.errors, 2);
	size_t alive = 0;
	for (size_t i = 0; i < LEDSM_N; i++) {
		alive += F.sm.bound[i];
	}
	assert_int_equal(alive, LEDSM_N - 2);
	assert_int_equal(ledsm_pattern(&F.sm, LEDSM_MODE), LEDSM_PAT_ON);
	char buf[512];
	assert_true(ledsm_json(&F.sm, buf, sizeof(buf)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activity_flicker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_distinct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_and_status, setup, teardown),
		cmocka_unit_test(test_hw_blink),
		cmocka_unit_test_setup_teardown(test_dead_led, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
