/*
 * Unit tests for the serial console (firmware/cli/cli.c).
 *
 * The console runs on a fake uart (t_uart_ops: input from a queue the test
 * fills, output appended to a buffer the test searches) and on a test
 * double of the app facade (the app_* functions below, defined here, as
 * app.c belongs to another part of the firmware). The double records every
 * call and its arguments and answers from fields each test sets, so a test
 * can check both what the console printed and what it asked the app.
 *
 * The real tty driver (drivers/uart/uart_tty_host.c) is checked at the end
 * on a pseudo-terminal: raw mode while open, modes restored on close,
 * non-blocking reads, end of input when the other side hangs up.
 */
#define _XOPEN_SOURCE 600
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
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "app.h"
#include "cli.h"
#include "uart.h"
#include "uart/uart_stdio.h"

#ifndef CONFIG_TEST_FAULTS
#error "test_cli needs CONFIG_TEST_FAULTS (build it with `make asan`)"
#endif

/* ---- fake uart ------------------------------------------------------------ */

#define T_OUT_MAX (256 * 1024)

struct t_uart {
	char out[T_OUT_MAX];
	size_t out_len;
	const uint8_t *in;
	size_t in_len;
	size_t in_off;
	bool eof;
};
static struct t_uart TU;

static int tu_open(struct uart *u)
{
	(void)u;
	return 0;
}
static int tu_read(struct uart *u, uint8_t *buf, size_t cap)
{
	(void)u;
	size_t left = TU.in_len - TU.in_off;
	if (left == 0) {
		return TU.eof ? -ENODATA : 0;
	}
	size_t n = left < cap ? left : cap;
	memcpy(buf, TU.in + TU.in_off, n);
	TU.in_off += n;
	return (int)n;
}
static int tu_write(struct uart *u, const uint8_t *buf, size_t len)
{
	(void)u;
	assert_true(TU.out_len + len < T_OUT_MAX);
	memcpy(TU.out + TU.out_len, buf, len);
	TU.out_len += len;
	TU.out[TU.out_len] = '\0';
	return 0;
}
static void tu_close(struct uart *u)
{
	(void)u;
}
static const struct uart_ops t_uart_ops = {
	.open = tu_open, .read = tu_read, .write = tu_write, .close = tu_close};

/* ---- app double ------------------------------------------------------------ */

struct app {
	const char *status_json;
	int status_rc;
	const char *alerts_json;
	int alerts_rc;
	char filter[64];
	unsigned alerts_calls;
	uint32_t ack_id;
	unsigned ack_calls;
	int ack_rc;
	char get_key[80];
	char set_key[80];
	char set_value[256];
	unsigned set_calls;
	int set_rc;
	char allow_entry[128];
	bool allow_add;
	unsigned allow_calls;
	int allow_rc;
	unsigned pw_calls;
	unsigned reset_calls;
	unsigned reboot_calls;
};
static struct app A;

int app_status_json(struct app *a, char *buf, size_t cap)
{
	if (a->status_rc != 0) {
		return a->status_rc;
	}
	int n = snprintf(buf, cap, "%s", a->status_json);
	return (size_t)n < cap ? n : -ENOSPC;
}

int app_alerts_json(struct app *a, const char *filter, char *buf, size_t cap)
{
	a->alerts_calls++;
	snprintf(a->filter, sizeof(a->filter), "%s", filter);
	if (a->alerts_rc != 0) {
		return a->alerts_rc;
	}
	int n = snprintf(buf, cap, "%s", a->alerts_json);
	return (size_t)n < cap ? n : -ENOSPC;
}

/* Two keys, validated the way the API would: enough to see each answer. */
int app_config_get(const struct app *a, const char *key, char *buf, size_t cap)
{
	snprintf(((struct app *)a)->get_key, sizeof(a->get_key), "%s", key);
	if (strcmp(key, "threshold_mb") == 0) {
		return snprintf(buf, cap, "20");
	}
	if (strcmp(key, "mode") == 0) {
		return snprintf(buf, cap, "\"monitor\"");
	}
	if (strcmp(key, "allow") == 0) {
		/* Longer than any fixed line buffer: must come out whole. */
		size_t off = 0;
		buf[off++] = '[';
		for (int i = 0; i < 100; i++) {
			off += (size_t)snprintf(buf + off, cap - off, "%s\"host%03d.example.com\"",
						i ? "," : "", i);
		}
		buf[off++] = ']';
		buf[off] = '\0';
		return (int)off;
	}
	return -ENOENT;
}

int app_config_set(struct app *a, const char *key, const char *value, char *msg, size_t mcap)
{
	a->set_calls++;
	snprintf(a->set_key, sizeof(a->set_key), "%s", key);
	snprintf(a->set_value, sizeof(a->set_value), "%s", value);
	if (a->set_rc != 0) {
		return a->set_rc;
	}
	if (strcmp(key, "threshold_mb") == 0 && (value[0] < '0' || value[0] > '9')) {
		snprintf(msg, mcap, "threshold_mb: must be a number from 1 to 100000");
		return -EINVAL;
	}
	if (strcmp(key, "threshold_mb") != 0 && strcmp(key, "mode") != 0) {
		snprintf(msg, mcap, "%s: unknown key", key);
		return -EINVAL;
	}
	return 0;
}

int app_allow(struct app *a, const char *entry, bool add, char *msg, size_t mcap)
{
	a->allow_calls++;
	snprintf(a->allow_entry, sizeof(a->allow_entry), "%s", entry);
	a->allow_add = add;
	if (a->allow_rc == -EINVAL) {
		snprintf(msg, mcap, "allow: '%s' is not a CIDR, host name or *.domain", entry);
	}
	return a->allow_rc;
}

int app_ack(struct app *a, uint32_t id)
{
	a->ack_calls++;
	a->ack_id = id;
	return a->ack_rc;
}

static struct cli *C;

int app_password_reset(struct app *a)
{
	a->pw_calls++;
	/* As the real app does: the new password goes out through hooks.log -> cli_print. */
	cli_print(C, "auth: new one-time password: ABCDEFGHJKLMNPQR");
	return 0;
}

int app_factory_reset(struct app *a)
{
	a->reset_calls++;
	return 0;
}

void app_reboot(struct app *a)
{
	a->reboot_calls++;
}

/* ---- fixture --------------------------------------------------------------- */

static struct uart U;
static int setup(void **state)
{
	(void)state;
	memset(&TU, 0, sizeof(TU));
	memset(&A, 0, sizeof(A));
	A.status_json = "{\"mode\":\"monitor\",\"uptime_s\":12,\"lan\":{\"link\":true}}";
	A.alerts_json = "[]";
	uart_init(&U, &t_uart_ops, NULL);
	assert_int_equal(uart_open(&U), 0);
	struct cli_params p = {.uart = &U, .app = &A};
	C = cli_create(&p);
	assert_non_null(C);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cli_destroy(C);
	uart_close(&U);
	uart_fault_after(0);
	return 0;
}

static void out_clear(void)
{
	TU.out_len = 0;
	TU.out[0] = '\0';
}

/* Type bytes (may hold NUL) and return what the console printed for them. */
static const char *typen(const void *s, size_t n)
{
	out_clear();
	assert_int_equal(cli_input(C, s, n), 0);
	return TU.out;
}

static const char *type(const char *s)
{
	return typen(s, strlen(s));
}

static void assert_has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL) {
		fail_msg("expected \"%s\" in output:\n%s", needle, hay);
	}
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL) {
		fail_msg("did not expect \"%s\" in output:\n%s", needle, hay);
	}
}

/* ---- banner, help ----------------------------------------------------------- */

static void test_banner(void **state)
{
	(void)state;
	out_clear();
	struct cli_banner b = {.version = "1.2.3",
			       .board = "native_sim",
			       .ports = "lan=veth0 wan=veth1",
			       .mgmt_ip = "192.168.1.2/24 (dhcp)",
			       .password = "tulip-orbit-42"};
	cli_banner(C, &b);
	assert_has(TU.out, "leaktap 1.2.3 on native_sim\r\n");
	assert_has(TU.out, "ports:      lan=veth0 wan=veth1\r\n");
	assert_has(TU.out, "management: 192.168.1.2/24 (dhcp)\r\n");
	assert_has(TU.out, "first-boot password: tulip-orbit-42");
	assert_has(TU.out, "leaktap> ");
	/* Once a password was set, the banner never shows one. */
	out_clear();
	struct cli_banner b2 = {.version = "1.2.3"};
	cli_banner(C, &b2);
	assert_lacks(TU.out, "password");
	assert_has(TU.out, "management: -\r\n");
	cli_banner(C, NULL);
	cli_banner(NULL, &b);
}

static void test_help(void **state)
{
	(void)state;
	const char *o = type("help\r");
	static const char *const cmds[] = {"help",         "status", "alerts",
					   "ack",          "config", "allow",
					   "passwd-reset", "reboot", "factory-reset"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_has(o, cmds[i]);
	}
	assert_has(o, "config get KEY | set KEY VALUE");
	o = type("frobnicate now\r");
	assert_has(o, "error: unknown command 'frobnicate' (try help)");
	/* An empty line, or only spaces, is no command and no error. */
	o = type("\r   \r");
	assert_lacks(o, "error");
}

/* ---- line editing -------------------------------------------------------------- */

static void test_editing(void **state)
{
	(void)state;
	/* Echo, backspace (BS and DEL) and its erase sequence. */
	const char *o = type("stX\x7f"
			     "atuX\b"
			     "s\r");
	assert_has(o, "stX\b \batuX\b \bs\r\n");
	assert_has(o, "mode: monitor");

	/* Ctrl-U drops the whole line. */
	o = type("reboot\x15"
		 "help\r");
	assert_int_equal(A.reboot_calls, 0);
	assert_has(o, "passwd-reset");

	/* Ctrl-C abandons the line and gives a fresh prompt. */
	o = type("reboot\x03");
	assert_has(o, "^C\r\nleaktap> ");
	o = type("\r");
	assert_int_equal(A.reboot_calls, 0);

	/* Arrow keys and other escape sequences are swallowed whole. */
	o = type("\x1b[A\x1b[B\x1b[1;5C\x1bOD"
		 "hel\x1b[Dp\r");
	assert_lacks(o, "[A");
	assert_lacks(o, "error");
	assert_has(o, "passwd-reset");
	/* A lone ESC then Enter: the Enter still ends the line. */
	o = type("help\x1b\r");
	assert_has(o, "passwd-reset");

	/* CR LF is one line end, not two; a bare LF works too; a tab is a space. */
	o = type("ack\r\n");
	assert_int_equal(A.ack_calls, 1);
	assert_int_equal(TU.out_len - strlen(strstr(o, "leaktap> ")), strstr(o, "leaktap> ") - o);
	o = type("ack\n");
	assert_int_equal(A.ack_calls, 2);
	o = type("ack\t5\r");
	assert_int_equal(A.ack_calls, 3);
	assert_int_equal(A.ack_id, 5);
	/* Backspace on an empty line does nothing. */
	o = type("\x7f\x7f");
	assert_int_equal(TU.out_len, 0);
}

static void test_overlong(void **state)
{
	(void)state;
	char line[CONFIG_CLI_LINE_MAX + 64];
	/* Exactly the maximum is a line like any other. */
	memset(line, 'x', CONFIG_CLI_LINE_MAX);
	line[CONFIG_CLI_LINE_MAX] = '\r';
	const char *o = typen(line, CONFIG_CLI_LINE_MAX + 1);
	assert_has(o, "error: unknown command");

	/* One more character is one too many. */
	memset(line, 'x', CONFIG_CLI_LINE_MAX + 1);
	line[CONFIG_CLI_LINE_MAX + 1] = '\r';
	o = typen(line, CONFIG_CLI_LINE_MAX + 2);
	assert_has(o, "error: line too long");
	assert_lacks(o, "unknown command");

	/* Refused, and the rest of that line is dropped, even a valid command. */
	memset(line, ' ', sizeof(line));
	memcpy(line, "reboot", 6);
	memcpy(line + CONFIG_CLI_LINE_MAX - 2, "; reboot factory-reset\r", 23);
	o = typen(line, CONFIG_CLI_LINE_MAX + 21);
	char want[64];
	snprintf(want, sizeof(want), "error: line too long (max %d characters)",
		 CONFIG_CLI_LINE_MAX);
	assert_has(o, want);
	assert_int_equal(A.reboot_calls, 0);
	assert_int_equal(A.reset_calls, 0);
	/* The echo stopped at the limit. */
	assert_lacks(o, "factory");
	/* Backspace after overflow does not resurrect the line. */
	memset(line, 'y', sizeof(line));
	line[sizeof(line) - 2] = '\x7f';
	line[sizeof(line) - 1] = '\r';
	o = typen(line, sizeof(line));
	assert_has(o, want);

	/* The next line is fine again. */
	o = type("ack 3\r");
	assert_int_equal(A.ack_calls, 1);
	assert_int_equal(A.ack_id, 3);

	/* A huge paste of one line: one error, no crash. */
	static char big[100000];
	memset(big, 'z', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	o = typen(big, sizeof(big));
	assert_has(o, want);
	assert_int_equal(strstr(strstr(o, want) + 1, want), NULL);
}

static void test_garbage(void **state)
{
	(void)state;
	/* A NUL in a line spoils it: no command runs on a half-read line. */
	const char *o = typen("rebo\0ot\r", 8);
	assert_has(o, "error: invalid bytes in line (printable ASCII only)");
	assert_int_equal(A.reboot_calls, 0);
	o = type("\xff\xfe\x80status\r");
	assert_has(o, "error: invalid bytes");
	assert_lacks(o, "mode: monitor");
	o = type("ack\x01\r");
	assert_has(o, "error: invalid bytes");
	assert_int_equal(A.ack_calls, 0);
	/* Bytes >= 0x80 inside an escape sequence end it and spoil the line. */
	o = type("\x1b[12\xc3"
		 "help\r");
	assert_has(o, "error: invalid bytes");
	/* An endless escape sequence is bounded. */
	o = type("\x1b[111111111111111111111111111111111111help\r");
	assert_has(o, "error: invalid bytes");

	/* Random bytes, deterministic: never a crash, never a call with garbage. */
	uint32_t x = 0x12345678u;
	static uint8_t noise[65536];
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (uint8_t)(x >> 16);
	}
	/* Ctrl-C would answer factory-reset's question; keep the test on the editor. */
	out_clear();
	assert_int_equal(cli_input(C, noise, sizeof(noise)), 0);
	o = type("\x03"
		 "help\r");
	assert_has(o, "passwd-reset");
	assert_int_equal(cli_input(NULL, noise, 1), -EINVAL);
	assert_int_equal(cli_input(C, NULL, 1), -EINVAL);
	assert_int_equal(cli_input(C, NULL, 0), 0);
}

/* ---- commands -------------------------------------------------------------------- */

static void test_status(void **state)
{
	(void)state;
	const char *o = type("status\r");
	assert_has(o, "mode: monitor\r\n");
	assert_has(o, "uptime_s: 12\r\n");
	assert_has(o, "lan: {\"link\":true}\r\n");
	o = type("status now\r");
	assert_has(o, "error: status takes no arguments");
	A.status_rc = -ENOSPC;
	o = type("status\r");
	assert_has(o, "error: answer too large");
	A.status_rc = 0;
	A.status_json = "{not json";
	o = type("status\r");
	assert_has(o, "error: unreadable status");
}

static void test_alerts(void **state)
{
	(void)state;
	const char *o = type("alerts\r");
	assert_string_equal(A.filter, "limit=10");
	assert_has(o, "no alerts");
	type("alerts 3\r");
	assert_string_equal(A.filter, "limit=3");
	type("alerts 100\r");
	assert_string_equal(A.filter, "limit=100");
	static const char *const bad[] = {"alerts 0\r",   "alerts 101\r",
					  "alerts x\r",   "alerts -1\r",
					  "alerts 5 6\r", "alerts 99999999999999999999\r"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		A.alerts_calls = 0;
		o = type(bad[i]);
		assert_has(o, "error: usage: alerts [N], N from 1 to 100");
		assert_int_equal(A.alerts_calls, 0);
	}
	A.alerts_json =
		"[{\"alert_id\":7,\"ts\":\"2026-11-28T08:00:00Z\",\"lan_ip\":\"192.168.1.20\","
		"\"remote_ip\":\"203.0.113.9\",\"remote_name\":\"upload.example\","
		"\"remote_port\":80,\"kind\":\"video\",\"video\":\"mp4\",\"bytes_out\":"
		"31000000,\"action\":\"block\",\"acked\":true},"
		"{\"alert_id\":6,\"remote_ip\":\"198.51.100.1\",\"remote_port\":21}]";
	o = type("alerts 2\r");
	assert_has(o, "#7 2026-11-28T08:00:00Z 192.168.1.20 -> upload.example:80 video mp4 "
		      "31000000 bytes block (acked)\r\n");
	/* Missing fields show as "-", never as garbage. */
	assert_has(o, "#6 - - -> 198.51.100.1:21 - - -1 bytes -\r\n");
	/* A name learned from the network cannot drive the operator's terminal. */
	A.alerts_json =
		"[{\"alert_id\":8,\"remote_name\":\"evil\\u001b[2J\\u009b31m\\r\\nx\",\"lan_ip\":"
		"\"\\u0007\"}]";
	o = type("alerts\r");
	assert_has(o, "#8 - ? -> evil?[2J??31m??x:-1");
	assert_lacks(o, "\x1b[2J");
	assert_lacks(o, "\x07");
	A.status_json = "{\"name\\u001b]0;pwn\\u0007\":\"a\\u001bb\",\"list\":[\"\\u001b\"]}";
	o = type("status\r");
	assert_has(o, "name?]0;pwn?: a?b\r\n");
	assert_has(o, "list: [\"\\u001b\"]\r\n");
	A.alerts_json = "{\"alerts\":[]}";
	o = type("alerts\r");
	assert_has(o, "no alerts");
	A.alerts_json = "{\"oops\":1}";
	o = type("alerts\r");
	assert_has(o, "error: unreadable alert list");
	A.alerts_rc = -EIO;
	o = type("alerts\r");
	assert_has(o, "error:");
}

static void test_ack(void **state)
{
	(void)state;
	const char *o = type("ack\r");
	assert_int_equal(A.ack_calls, 1);
	assert_int_equal(A.ack_id, 0);
	assert_has(o, "ok: all alerts acknowledged");
	o = type("ack 42\r");
	assert_int_equal(A.ack_id, 42);
	assert_has(o, "ok: alert acknowledged");
	A.ack_rc = -ENOENT;
	o = type("ack 99\r");
	assert_has(o, "error: no alert 99");
	o = type("ack\r");
	assert_has(o, "ok: no alerts to acknowledge");
	static const char *const bad[] = {"ack x\r", "ack 0\r", "ack 1 2\r", "ack 4294967296\r"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		A.ack_calls = 0;
		o = type(bad[i]);
		assert_has(o, "error: usage: ack [ID]");
		assert_int_equal(A.ack_calls, 0);
	}
}

static unsigned interrupts;
static void on_interrupt(void *ctx)
{
	(void)ctx;
	interrupts++;
}

/* Ctrl-C stops native_sim only at an empty prompt; with text typed it clears the line. */
static void test_interrupt(void **state)
{
	(void)state;
	struct cli_params p = {.uart = &U, .app = &A, .interrupt = on_interrupt};
	struct cli *c = cli_create(&p);
	assert_non_null(c);
	interrupts = 0;
	assert_int_equal(cli_input(c, (const uint8_t *)"abc\x03", 4), 0);
	assert_int_equal(interrupts, 0);
	assert_int_equal(cli_input(c, (const uint8_t *)"\x03", 1), 0);
	assert_int_equal(interrupts, 1);
	/* A question open (factory-reset): Ctrl-C cancels it, nothing more. */
	assert_int_equal(cli_input(c, (const uint8_t *)"factory-reset\r\x03", 15), 0);
	assert_int_equal(interrupts, 1);
	cli_destroy(c);
	/* Without the hook (a board's serial console) Ctrl-C never stops anything. */
	out_clear();
	assert_int_equal(cli_input(C, (const uint8_t *)"\x03", 1), 0);
	assert_has(TU.out, "^C");
}

/* A line printed while a command runs comes out whole, and the command is not redrawn. */
static void test_print_during_command(void **state)
{
	(void)state;
	const char *o = type("passwd-reset\r");
	assert_null(memchr(TU.out, '\0', TU.out_len));
	assert_has(o, "auth: new one-time password: ABCDEFGHJKLMNPQR\r\n");
	assert_has(o, "ok: password reset");
	assert_lacks(o, "leaktap> passwd-reset");
	assert_int_equal(A.pw_calls, 1);
}

static void test_config(void **state)
{
	(void)state;
	const char *o = type("config get threshold_mb\r");
	assert_has(o, "threshold_mb = 20\r\n");
	o = type("config get mode\r");
	assert_has(o, "mode = \"monitor\"");
	o = type("config get allow\r");
	assert_has(o, "\"host000.example.com\",");
	assert_has(o, ",\"host099.example.com\"]\r\n");
	o = type("config get nosuch\r");
	assert_has(o, "error: nosuch: no such key");
	o = type("config get bad/key\r");
	assert_has(o, "error: bad key");
	o = type("config get threshold_mb extra\r");
	assert_has(o, "error: usage: config get KEY");
	o = type("config get\r");
	assert_has(o, "error: usage: config get KEY | config set KEY VALUE");
	o = type("config\r");
	assert_has(o, "error: usage");
	o = type("config frob x\r");
	assert_has(o, "error: usage");

	/* A number passes as JSON; a bare word becomes a JSON string. */
	o = type("config set threshold_mb 30\r");
	assert_string_equal(A.set_key, "threshold_mb");
	assert_string_equal(A.set_value, "30");
	assert_has(o, "ok\r\n");
	o = type("config set mode block\r");
	assert_string_equal(A.set_value, "\"block\"");
	assert_has(o, "ok\r\n");
	o = type("config set mode \"monitor\"\r");
	assert_string_equal(A.set_value, "\"monitor\"");
	o = type("config set mode say \"hi\" \\ there \r");
	assert_string_equal(A.set_value, "\"say \\\"hi\\\" \\\\ there\"");
	/* The app's validation message is shown as it is. */
	o = type("config set threshold_mb abc\r");
	assert_has(o, "error: threshold_mb: must be a number from 1 to 100000\r\n");
	o = type("config set nosuch 1\r");
	assert_has(o, "error: nosuch: unknown key");
	A.set_calls = 0;
	o = type("config set threshold_mb   \r");
	assert_has(o, "error: usage: config set KEY VALUE");
	assert_int_equal(A.set_calls, 0);
	/* Applied but not saved is a warning, not an ok. */
	A.set_rc = -EIO;
	o = type("config set threshold_mb 5\r");
	assert_has(o, "warning: threshold_mb applied but not saved");
	A.set_rc = -EPERM;
	o = type("config set threshold_mb 5\r");
	assert_has(o, "error: failed");
}

static void test_allow(void **state)
{
	(void)state;
	const char *o = type("allow add 10.0.0.0/8\r");
	assert_string_equal(A.allow_entry, "10.0.0.0/8");
	assert_true(A.allow_add);
	assert_has(o, "ok: added");
	o = type("allow del *.example.com\r");
	assert_string_equal(A.allow_entry, "*.example.com");
	assert_false(A.allow_add);
	assert_has(o, "ok: removed");
	A.allow_rc = -EEXIST;
	o = type("allow add 10.0.0.0/8\r");
	assert_has(o, "error: 10.0.0.0/8 is already allowed");
	A.allow_rc = -ENOENT;
	o = type("allow del nothere.example\r");
	assert_has(o, "error: nothere.example is not in the allow list");
	A.allow_rc = -EINVAL;
	o = type("allow add 300.1.1.1/99\r");
	assert_has(o, "error: allow: '300.1.1.1/99' is not a CIDR");
	A.allow_calls = 0;
	static const char *const bad[] = {"allow\r", "allow add\r", "allow put x\r",
					  "allow add a b\r"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = type(bad[i]);
		assert_has(o, "error: usage: allow add|del NAME");
	}
	assert_int_equal(A.allow_calls, 0);
}

static void test_passwd_reboot(void **state)
{
	(void)state;
	const char *o = type("passwd-reset\r");
	assert_int_equal(A.pw_calls, 1);
	assert_has(o, "ok: password reset");
	o = type("passwd-reset please\r");
	assert_has(o, "error: passwd-reset takes no arguments");
	assert_int_equal(A.pw_calls, 1);
	o = type("reboot now\r");
	assert_int_equal(A.reboot_calls, 0);
	o = type("reboot\r");
	assert_has(o, "rebooting");
	assert_int_equal(A.reboot_calls, 1);
}

static void test_factory_reset(void **state)
{
	(void)state;
	const char *o = type("factory-reset\r");
	assert_has(o, "type yes to confirm: ");
	assert_int_equal(A.reset_calls, 0);
	o = type("no\r");
	assert_has(o, "factory reset cancelled");
	assert_has(o, "leaktap> ");
	assert_int_equal(A.reset_calls, 0);
	/* Only exactly "yes" confirms. */
	static const char *const refusals[] = {"YES\r", "y\r", "yes please\r", "\r", "ye\x01s\r"};
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		type("factory-reset\r");
		o = type(refusals[i]);
		assert_has(o, "factory reset cancelled");
		if (i == 4) {
			assert_has(o, "error: invalid bytes");
		}
		assert_int_equal(A.reset_calls, 0);
	}
	/* An over-long answer cancels too, and Ctrl-C does. */
	char longyes[CONFIG_CLI_LINE_MAX + 8];
	memset(longyes, 'y', sizeof(longyes));
	longyes[sizeof(longyes) - 1] = '\r';
	type("factory-reset\r");
	o = typen(longyes, sizeof(longyes));
	assert_has(o, "factory reset cancelled");
	type("factory-reset\r");
	o = type("ye\x03");
	assert_has(o, "factory reset cancelled");
	/* The question is closed: a late "yes" is just an unknown command. */
	o = type("yes\r");
	assert_has(o, "error: unknown command 'yes'");
	assert_int_equal(A.reset_calls, 0);

	o = type("factory-reset now\r");
	assert_has(o, "error: factory-reset takes no arguments");
	type("factory-reset\r");
	o = type(" yes \r");
	assert_int_equal(A.reset_calls, 1);
	assert_has(o, "factory reset: erasing, then rebooting");
}

/* ---- status line, asynchronous lines ---------------------------------------------- */

static void test_status_line(void **state)
{
	(void)state;
	type("hel");
	out_clear();
	cli_status(C, "status: ready alerts=1");
	/* The half-typed line is taken off, the status printed, the line given back. */
	assert_string_equal(TU.out, "\r\x1b[Kstatus: ready alerts=1\r\nleaktap> hel");
	out_clear();
	cli_status(C, "status: ready alerts=1");
	assert_int_equal(TU.out_len, 0);
	cli_status(C, "status: ready alerts=0");
	assert_has(TU.out, "alerts=0");
	out_clear();
	cli_print(C, "new password: abc");
	assert_has(TU.out, "new password: abc\r\nleaktap> hel");
	const char *o = type("p\r");
	assert_has(o, "passwd-reset");
	cli_status(NULL, "x");
	cli_status(C, NULL);
	cli_print(NULL, "x");
}

/* ---- uart errors, polling ---------------------------------------------------------- */

static void test_uart_fault_and_poll(void **state)
{
	(void)state;
	/* A write that fails is reported, the input still consumed. */
	uart_fault_after(1);
	assert_int_equal(cli_input(C, (const uint8_t *)"ack\r", 4), -EIO);
	assert_int_equal(A.ack_calls, 1);

	static const uint8_t in[] = "ack 9\rhelp\r";
	TU.in = in;
	TU.in_len = sizeof(in) - 1;
	int n = cli_poll(C);
	assert_int_equal(n, (int)sizeof(in) - 1);
	assert_int_equal(A.ack_id, 9);
	assert_int_equal(cli_poll(C), 0);
	TU.eof = true;
	assert_int_equal(cli_poll(C), -ENODATA);
	uart_fault_after(1);
	assert_int_equal(cli_poll(C), -EIO);
	assert_int_equal(cli_poll(NULL), -EINVAL);

	struct cli_params bad = {.uart = NULL, .app = &A};
	assert_null(cli_create(&bad));
	assert_null(cli_create(NULL));
	cli_destroy(NULL);
}

static void test_uart_hal(void **state)
{
	(void)state;
	struct uart u;
	uint8_t b[4];
	assert_int_equal(uart_open(NULL), -EINVAL);
	uart_init(&u, NULL, NULL);
	assert_int_equal(uart_open(&u), -EINVAL);
	uart_init(&u, &t_uart_ops, NULL);
	assert_int_equal(uart_read(&u, b, sizeof(b)), -EINVAL);
	assert_int_equal(uart_write(&u, b, 1), -EINVAL);
	assert_int_equal(uart_fd(&u), -EINVAL);
	uart_fault_after(1);
	assert_int_equal(uart_open(&u), -EIO);
	assert_int_equal(uart_open(&u), 0);
	assert_int_equal(uart_open(&u), -EALREADY);
	assert_int_equal(uart_read(&u, b, 0), -EINVAL);
	assert_int_equal(uart_write(&u, NULL, 1), -EINVAL);
	assert_int_equal(uart_write(&u, NULL, 0), 0);
	assert_int_equal(uart_puts(&u, NULL), -EINVAL);
	assert_int_equal(uart_fd(&u), -ENOSYS);
	uart_close(&u);
	uart_close(&u);
	uart_close(NULL);
}

/* ---- the real tty driver on a pseudo-terminal --------------------------------------- */

static void test_tty_driver(void **state)
{
	(void)state;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	const char *slave = ptsname(m);
	assert_non_null(slave);
	/* Keep the line open on our side so its modes can be read after the driver closes. */
	int keep = open(slave, O_RDWR | O_NOCTTY);
	assert_true(keep >= 0);
	struct termios before;
	assert_int_equal(tcgetattr(keep, &before), 0);
	assert_true(before.c_lflag & ECHO);

	struct uart u;
	uart_init(&u, &uart_stdio_ops, slave);
	assert_int_equal(uart_open(&u), 0);
	assert_true(uart_fd(&u) >= 0);
	struct termios raw;
	assert_int_equal(tcgetattr(keep, &raw), 0);
	assert_false(raw.c_lflag & (ECHO | ICANON | ISIG));
	assert_false(raw.c_iflag & ICRNL);

	/* Nothing typed: the read returns at once. */
	uint8_t buf[64];
	assert_int_equal(uart_read(&u, buf, sizeof(buf)), 0);
	/* Bytes arrive unprocessed: CR stays CR, Ctrl-C is a byte and no signal. */
	assert_int_equal(write(m, "ab\r\x03\xff", 5), 5);
	usleep(50000);
	int n = uart_read(&u, buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "ab\r\x03\xff", 5);
	assert_int_equal(uart_puts(&u, "hello\n"), 0);
	usleep(50000);
	char echo[64] = "";
	ssize_t r = read(m, echo, sizeof(echo) - 1);
	assert_true(r > 0);
	echo[r] = '\0';
	assert_has(echo, "hello");
	/* A terminal that stopped reading: the write gives up after its timeout, it never hangs. */
	static uint8_t flood[1 << 20];
	memset(flood, 'f', sizeof(flood));
	assert_int_equal(uart_write(&u, flood, sizeof(flood)), -EAGAIN);
	uart_close(&u);
	struct termios after;
	assert_int_equal(tcgetattr(keep, &after), 0);
	assert_int_equal(after.c_lflag, before.c_lflag);
	assert_int_equal(after.c_iflag, before.c_iflag);
	close(keep);

	/* The terminal hangs up: end of input, not an endless stream of zero reads. */
	uart_init(&u, &uart_stdio_ops, slave);
	assert_int_equal(uart_open(&u), 0);
	close(m);
	n = uart_read(&u, buf, sizeof(buf));
	assert_int_equal(n, -ENODATA);
	uart_close(&u);

	uart_init(&u, &uart_stdio_ops, "/nonexistent/tty");
	assert_int_equal(uart_open(&u), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_banner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_editing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alerts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passwd_reboot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_factory_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uart_fault_and_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uart_hal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_print_during_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt, setup, teardown),
		cmocka_unit_test(test_tty_driver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
