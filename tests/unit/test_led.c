/*
 * Unit tests for the LED HAL wrappers (firmware/hal/led.c), the Linux LED
 * class driver (drivers/led/led_sysfs*.c) and the recording driver
 * (drivers/led/led_rec.c).
 *
 * The sysfs driver runs against a fake /sys/class/leds tree built in a
 * mkdtemp() directory: the base path comes from the board table row (here
 * the test's own rows), so the driver code is the one that runs on
 * hardware. Each fake LED has trigger, brightness and max_brightness
 * files; tests check that open writes "none" to the trigger, that changes
 * land in brightness, and that broken trees give the documented errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "brd.h"
#include "led.h"
#include "led/led_rec.h"
#include "led/led_sysfs.h"
#include "ledsm.h"

#ifndef CONFIG_TEST_FAULTS
#error "test_led needs CONFIG_TEST_FAULTS (build it with `make asan`)"
#endif

static char base[64];

static void put(const char *led, const char *file, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s/%s", base, led, file);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void get(const char *led, const char *file, char *out, size_t cap)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s/%s", base, led, file);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
}

/* A LED directory as the kernel shows it: a trigger in force, dark, a range. */
static void mkled(const char *led, const char *max)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", base, led);
	assert_int_equal(mkdir(p, 0755), 0);
	put(led, "trigger", "[heartbeat] none timer\n");
	put(led, "brightness", "0\n");
	if (max != NULL) {
		put(led, "max_brightness", max);
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/lu_leds.XXXXXX");
	assert_non_null(mkdtemp(base));
	mkled("green:power", "255\n");
	mkled("red:alert", "1\n");
	mkled("nomax", NULL);
	mkled("badmax", "lots\n");
	mkled("zeromax", "0\n");
	mkled("trigdir", "1\n");
	char p[512];
	snprintf(p, sizeof(p), "%s/trigdir/trigger", base);
	unlink(p);
	assert_int_equal(mkdir(p, 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
	led_fault_after(0);
	return 0;
}

static void test_sysfs_open_set(void **state)
{
	(void)state;
	struct led_dev d;
	char buf[64];
	led_init(&d, &led_sysfs_ops, "green:power", base, NULL);
	assert_int_equal(led_open(&d), 0);
	assert_int_equal(d.max, 255);
	/* The kernel's trigger is switched off so that it never fights the state machine. */
	get("green:power", "trigger", buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_int_equal(led_set(&d, 255), 0);
	get("green:power", "brightness", buf, sizeof(buf));
	assert_string_equal(buf, "255\n");
	assert_int_equal(led_set(&d, 7), 0);
	get("green:power", "brightness", buf, sizeof(buf));
	assert_string_equal(buf, "7\n");
	assert_int_equal(led_set(&d, 0), 0);
	get("green:power", "brightness", buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	/* Above the LED's range: refused by the wrapper, the file is untouched. */
	assert_int_equal(led_set(&d, 256), -EINVAL);
	get("green:power", "brightness", buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	assert_int_equal(led_open(&d), -EALREADY);
	/* No blink in hardware: the trigger stays "none". */
	assert_int_equal(led_blink(&d, 100, 100), -ENOSYS);
	assert_int_equal(d.cur, 0);
	led_close(&d);
	assert_int_equal(led_set(&d, 1), -EINVAL);
	led_close(&d);
}

static void test_sysfs_errors(void **state)
{
	(void)state;
	struct led_dev d;

	led_init(&d, &led_sysfs_ops, "blue:missing", base, NULL);
	assert_int_equal(led_open(&d), -ENODEV);
	led_init(&d, &led_sysfs_ops, "green:power", "/nonexistent/leds", NULL);
	assert_int_equal(led_open(&d), -ENODEV);
	/* No max_brightness: an on/off LED. */
	led_init(&d, &led_sysfs_ops, "nomax", base, NULL);
	assert_int_equal(led_open(&d), 0);
	assert_int_equal(d.max, 1);
	led_close(&d);
	led_init(&d, &led_sysfs_ops, "badmax", base, NULL);
	assert_int_equal(led_open(&d), -EIO);
	led_init(&d, &led_sysfs_ops, "zeromax", base, NULL);
	assert_int_equal(led_open(&d), -EIO);
	led_init(&d, &led_sysfs_ops, "trigdir", base, NULL);
	assert_int_equal(led_open(&d), -EIO);
	/* Names that would leave the class directory. */
	led_init(&d, &led_sysfs_ops, "../x", base, NULL);
	assert_int_equal(led_open(&d), -EINVAL);
	led_init(&d, &led_sysfs_ops, "..", base, NULL);
	assert_int_equal(led_open(&d), -EINVAL);
	led_init(&d, &led_sysfs_ops, "", base, NULL);
	assert_int_equal(led_open(&d), -EINVAL);
	/* No base in the board row. */
	led_init(&d, &led_sysfs_ops, "green:power", NULL, NULL);
	assert_int_equal(led_open(&d), -EINVAL);
	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	led_init(&d, &led_sysfs_ops, longname, base, NULL);
	assert_int_equal(led_open(&d), -ENAMETOOLONG);

	/* The LED vanishes after open (a hot-unplugged USB LED): the write fails, no crash. */
	led_init(&d, &led_sysfs_ops, "red:alert", base, NULL);
	assert_int_equal(led_open(&d), 0);
	char p[512];
	snprintf(p, sizeof(p), "%s/red:alert/brightness", base);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(led_set(&d, 1), -ENOENT);
	led_close(&d);
}

/* ---- HAL wrappers -------------------------------------------------------- */

static int nop_open(struct led_dev *d)
{
	(void)d;
	return 0;
}
static int zero_open(struct led_dev *d)
{
	d->max = 0;
	return 0;
}
static int nop_set(struct led_dev *d, uint32_t b)
{
	(void)d;
	(void)b;
	return 0;
}
static void nop_close(struct led_dev *d)
{
	(void)d;
}
static const struct led_ops nop_ops = {.open = nop_open, .set = nop_set, .close = nop_close};
static const struct led_ops zero_ops = {.open = zero_open, .set = nop_set, .close = nop_close};
static const struct led_ops half_ops = {.open = nop_open, .close = nop_close};

static void test_hal(void **state)
{
	(void)state;
	struct led_dev d;
	assert_int_equal(led_open(NULL), -EINVAL);
	assert_int_equal(led_set(NULL, 0), -EINVAL);
	assert_int_equal(led_blink(NULL, 1, 1), -EINVAL);
	led_close(NULL);
	led_init(&d, NULL, "x", NULL, NULL);
	assert_int_equal(led_open(&d), -EINVAL);
	led_init(&d, &half_ops, "x", NULL, NULL);
	assert_int_equal(led_open(&d), -EINVAL);
	led_init(&d, &nop_ops, NULL, NULL, NULL);
	assert_int_equal(led_open(&d), -EINVAL);
	led_init(&d, &zero_ops, "x", NULL, NULL);
	assert_int_equal(led_open(&d), -ENODEV);
	assert_false(d.is_open);

	led_init(&d, &nop_ops, "x", NULL, NULL);
	assert_int_equal(led_open(&d), 0);
	assert_int_equal(d.max, 1); /* the default when a driver says nothing */
	assert_int_equal(led_set(&d, 2), -EINVAL);
	assert_int_equal(led_blink(&d, 0, 10), -EINVAL);
	assert_int_equal(led_blink(&d, 10, 10), -ENOSYS);
	/* Fault injection: the nth call fails and never reaches the driver. */
	led_fault_after(2);
	assert_int_equal(led_set(&d, 1), 0);
	assert_int_equal(led_set(&d, 0), -EIO);
	assert_int_equal(d.cur, 1);
	assert_int_equal(led_set(&d, 0), 0);
	led_close(&d);
	led_fault_after(1);
	assert_int_equal(led_open(&d), -EIO);
	assert_false(d.is_open);
}

/* ---- recording driver ------------------------------------------------------ */

static uint64_t fake_now;
static uint64_t t_clock(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static char printed[256];
static unsigned nprinted;
static void t_print(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(printed, sizeof(printed), "%s", line);
	nprinted++;
}

static void test_rec(void **state)
{
	(void)state;
	static struct led_rec r;
	led_rec_init(&r);
	r.clock = t_clock;
	struct led_dev a, b, none;
	led_init(&a, &led_rec_ops, "power", NULL, &r);
	led_init(&b, &led_rec_ops, "alert", NULL, &r);
	led_init(&none, &led_rec_ops, "ctxless", NULL, NULL);
	assert_int_equal(led_open(&none), -EINVAL);
	assert_int_equal(led_open(&a), 0);
	assert_int_equal(led_open(&b), 0);
	fake_now = 42;
	assert_int_equal(led_set(&a, 1), 0);
	fake_now = 43;
	assert_int_equal(led_set(&b, 1), 0);
	assert_int_equal(led_rec_count(&r), 2);
	assert_int_equal(led_rec_get(&r, 0)->t_ms, 42);
	assert_string_equal(led_rec_get(&r, 0)->name, "power");
	assert_int_equal(led_rec_get(&r, 1)->t_ms, 43);
	assert_null(led_rec_get(&r, 2));
	uint32_t lv = 9;
	assert_int_equal(led_rec_level(&r, "alert", &lv), 0);
	assert_int_equal(lv, 1);
	assert_int_equal(led_rec_level(&r, "nope", &lv), -ENOENT);

	char pic[64];
	int n = led_rec_picture(&r, pic, sizeof(pic));
	assert_string_equal(pic, "leds: power=* alert=*");
	assert_int_equal(n, (int)strlen(pic));
	for (size_t cap = 0; cap <= (size_t)n; cap++) {
		assert_int_equal(led_rec_picture(&r, pic, cap), -ENOSPC);
	}
	/* The console picture follows every change. */
	r.print = t_print;
	assert_int_equal(led_set(&a, 0), 0);
	assert_int_equal(nprinted, 1);
	assert_string_equal(printed, "leds: power=. alert=*");
	r.print = NULL;

	/* The ring keeps the newest CONFIG_LED_REC_RING changes, oldest first, and counts the rest.
	 */
	led_rec_clear(&r);
	for (uint64_t i = 0; i < CONFIG_LED_REC_RING + 10u; i++) {
		fake_now = 1000 + i;
		assert_int_equal(led_set(&a, (uint32_t)(i & 1)), 0);
	}
	assert_int_equal(led_rec_count(&r), CONFIG_LED_REC_RING);
	assert_int_equal(r.lost, 10);
	assert_int_equal(led_rec_get(&r, 0)->t_ms, 1010);
	assert_int_equal(led_rec_get(&r, CONFIG_LED_REC_RING - 1)->t_ms,
			 1000 + CONFIG_LED_REC_RING + 9);

	/* One ring tracks at most CONFIG_LED_REC_MAX_LEDS LEDs. */
	static char names[CONFIG_LED_REC_MAX_LEDS + 1][8];
	struct led_dev many;
	for (size_t i = 0; i < CONFIG_LED_REC_MAX_LEDS - 2; i++) {
		snprintf(names[i], sizeof(names[i]), "l%zu", i);
		led_init(&many, &led_rec_ops, names[i], NULL, &r);
		assert_int_equal(led_open(&many), 0);
	}
	led_init(&many, &led_rec_ops, "onetoomany", NULL, &r);
	assert_int_equal(led_open(&many), -ENOSPC);
}

/* ---- the state machine on sysfs LEDs, one of them missing ------------------ */

static void test_ledsm_on_sysfs(void **state)
{
	(void)state;
	const struct brd_led_desc tab[] = {
		{.logical = LEDSM_POWER,
		 .ops = &led_sysfs_ops,
		 .name = "green:power",
		 .base = base},
		{.logical = LEDSM_ALERT, .ops = &led_sysfs_ops, .name = "red:alert", .base = base},
		{.logical = LEDSM_FAULT, .ops = &led_sysfs_ops, .name = "amber:gone", .base = base},
	};
	struct ledsm sm;
	ledsm_init(&sm);
	/* The fault LED is not on this board: skipped, the rest runs. */
	assert_int_equal(ledsm_attach(&sm, tab, 3, NULL), 2);
	assert_int_equal(sm.errors, 1);
	ledsm_set_ready(&sm, true);
	ledsm_set_block(&sm, true);
	ledsm_tick(&sm, 1000);
	char buf[64];
	get("green:power", "brightness", buf, sizeof(buf));
	assert_string_equal(buf, "255\n");
	get("red:alert", "brightness", buf, sizeof(buf));
	assert_string_equal(buf, "1\n");
	ledsm_set_block(&sm, false);
	ledsm_tick(&sm, 1005);
	get("red:alert", "brightness", buf, sizeof(buf));
	assert_string_equal(buf, "0\n");
	ledsm_detach(&sm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sysfs_open_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledsm_on_sysfs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
