/*
 * libFuzzer harness for the console's line editor and command parser.
 *
 * The input is what a serial line delivers. Whatever it holds, the console
 * must not crash, must never echo a byte a terminal could misread (only
 * printable ASCII, CR, LF, BS and the ESC of its own "ESC [K" erase may
 * come out, even when the app's answers carry hostile names), and must
 * only hand the app arguments that are printable and no longer than a
 * line. Seeds live in tests/corpus/cli/.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "uart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct app {
	int calls;
};

static void fz_arg(const char *s)
{
	size_t n = strlen(s);
	if (n > CONFIG_CLI_LINE_MAX) {
		abort();
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
			abort();
		}
	}
}

int app_status_json(struct app *a, char *buf, size_t cap)
{
	a->calls++;
	/* Hostile text from the network must come out defused (see fz_write). */
	return (int)strlen(
		strncpy(buf, "{\"mode\":\"bl\\u001b[2Jock\",\"n\":[1,\"\\u009b\"]}", cap - 1));
}

int app_alerts_json(struct app *a, const char *filter, char *buf, size_t cap)
{
	a->calls++;
	fz_arg(filter);
	return (int)strlen(
		strncpy(buf, "[{\"alert_id\":1,\"remote_name\":\"a\\u0007\\u00ff\\r\"}]", cap - 1));
}

int app_config_get(const struct app *a, const char *key, char *buf, size_t cap)
{
	(void)a;
	fz_arg(key);
	return (int)strlen(strncpy(buf, "20", cap - 1));
}

int app_config_set(struct app *a, const char *key, const char *value, char *msg, size_t mcap)
{
	a->calls++;
	fz_arg(key);
	/* The value is JSON text the console built: printable, though it may be longer (escapes).
	 */
	if (value == NULL || value[0] == '\0') {
		abort();
	}
	strncpy(msg, "value refused", mcap - 1);
	return value[0] == '1' ? 0 : -EINVAL;
}

int app_allow(struct app *a, const char *entry, bool add, char *msg, size_t mcap)
{
	(void)add;
	(void)msg;
	(void)mcap;
	a->calls++;
	fz_arg(entry);
	return entry[0] == 'x' ? -EEXIST : 0;
}

int app_ack(struct app *a, uint32_t id)
{
	a->calls++;
	return id > 100 ? -ENOENT : 0;
}

int app_password_reset(struct app *a)
{
	a->calls++;
	return 0;
}

int app_factory_reset(struct app *a)
{
	a->calls++;
	return 0;
}

void app_reboot(struct app *a)
{
	a->calls++;
}

static int fz_open(struct uart *u)
{
	(void)u;
	return 0;
}

static int fz_read(struct uart *u, uint8_t *buf, size_t cap)
{
	(void)u;
	(void)buf;
	(void)cap;
	return 0;
}

/* Only what a terminal shows as text or as the console's own cursor moves. */
static int fz_write(struct uart *u, const uint8_t *buf, size_t len)
{
	(void)u;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = buf[i];
		bool own_erase = b == 0x1b && i + 2 < len && buf[i + 1] == '[' && buf[i + 2] == 'K';
		bool ok = (b >= 0x20 && b <= 0x7e) || b == '\r' || b == '\n' || b == '\b' ||
			  own_erase;
		if (!ok) {
			abort();
		}
	}
	return 0;
}

static void fz_close(struct uart *u)
{
	(void)u;
}

static const struct uart_ops fz_ops = {
	.open = fz_open, .read = fz_read, .write = fz_write, .close = fz_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app a = {0};
	struct uart u;
	uart_init(&u, &fz_ops, NULL);
	if (uart_open(&u) != 0) {
		abort();
	}
	struct cli_params p = {.uart = &u, .app = &a};
	struct cli *c = cli_create(&p);
	if (c == NULL) {
		abort();
	}
	/* Two halves, so a state (escape, overflow, confirmation) carries across reads. */
	size_t half = size / 2;
	if (cli_input(c, data, half) != 0 || cli_input(c, data + half, size - half) != 0) {
		abort();
	}
	cli_status(c, "status: fuzz");
	cli_destroy(c);
	uart_close(&u);
	return 0;
}
