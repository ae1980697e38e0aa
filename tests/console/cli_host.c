/*
 * cli_host: the console alone, for tests/console/cli_pty.py.
 *
 * Runs the real console stack of the board (the board table's uart driver
 * on stdio or on --tty PATH, the cli, the LED state machine for the status
 * line) over a small in-memory stand-in for the app facade, because the
 * app and the engine are wired into the firmware by board/native_sim/main.c
 * (not this test). The stand-in validates the keys it knows the way the API
 * does, so the pty script's good and bad inputs mean the same here as on
 * the real binary.
 *
 * Exits 0 when the console hangs up, after reboot / a confirmed factory
 * reset, or after 120 s (a bound, so a forgotten run cannot linger).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "brd.h"
#include "cfg.h"
#include "cli.h"
#include "ledsm.h"
#include "uart.h"

#define H_ALLOW_MAX 16
#define H_NAME_MAX  64
#define H_LIFE_MS   120000u

struct h_alert {
	uint32_t id;
	const char *remote;
	bool acked;
};

struct app {
	uint32_t threshold_mb;
	uint8_t mode;
	char allow[H_ALLOW_MAX][H_NAME_MAX];
	size_t n_allow;
	struct h_alert alerts[2];
	bool stop;
	struct cli *cli;
};

static uint32_t h_unacked(const struct app *a)
{
	uint32_t n = 0;
	for (size_t i = 0; i < 2; i++) {
		n += !a->alerts[i].acked;
	}
	return n;
}

static const char *const h_modes[] = {"learn", "monitor", "block"};

int app_status_json(struct app *a, char *buf, size_t cap)
{
	int n = snprintf(buf, cap,
			 "{\"mode\":\"%s\",\"threshold_mb\":%u,\"alerts_unacked\":%u,"
			 "\"ports\":{\"lan\":{\"link\":true},\"wan\":{\"link\":true}}}",
			 h_modes[a->mode], a->threshold_mb, h_unacked(a));
	return n >= 0 && (size_t)n < cap ? n : -ENOSPC;
}

int app_alerts_json(struct app *a, const char *filter, char *buf, size_t cap)
{
	unsigned limit = 50;
	(void)sscanf(filter, "limit=%u", &limit);
	size_t off = 0;
	int n = snprintf(buf, cap, "[");
	for (size_t i = 0; i < 2 && i < limit && n >= 0 && (size_t)n < cap - off; i++) {
		off += (size_t)n;
		const struct h_alert *al = &a->alerts[1 - i];
		n = snprintf(
			buf + off, cap - off,
			"%s{\"alert_id\":%u,\"ts\":\"2026-11-28T08:00:0%zuZ\",\"lan_ip\":"
			"\"192.168.1.20\",\"remote_ip\":\"203.0.113.9\",\"remote_name\":\"%s\","
			"\"remote_port\":80,\"kind\":\"video\",\"video\":\"mp4\",\"bytes_out\":"
			"31000000,\"action\":\"alert\",\"acked\":%s}",
			i ? "," : "", al->id, i, al->remote, al->acked ? "true" : "false");
	}
	if (n < 0 || (size_t)n >= cap - off) {
		return -ENOSPC;
	}
	off += (size_t)n;
	n = snprintf(buf + off, cap - off, "]");
	return n >= 0 && (size_t)n < cap - off ? (int)(off + (size_t)n) : -ENOSPC;
}

int app_config_get(const struct app *a, const char *key, char *buf, size_t cap)
{
	int n;
	if (strcmp(key, "threshold_mb") == 0) {
		n = snprintf(buf, cap, "%u", a->threshold_mb);
	} else if (strcmp(key, "mode") == 0) {
		n = snprintf(buf, cap, "\"%s\"", h_modes[a->mode]);
	} else {
		return -ENOENT;
	}
	return n >= 0 && (size_t)n < cap ? n : -ENOSPC;
}

static int h_set_threshold(struct app *a, const char *value, char *msg, size_t mcap)
{
	char *end = NULL;
	unsigned long v = strtoul(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' || v < 1 || v > 100000) {
		snprintf(msg, mcap, "threshold_mb: must be an integer from 1 to 100000");
		return -EINVAL;
	}
	a->threshold_mb = (uint32_t)v;
	return 0;
}

int app_config_set(struct app *a, const char *key, const char *value, char *msg, size_t mcap)
{
	if (strcmp(key, "threshold_mb") == 0) {
		return h_set_threshold(a, value, msg, mcap);
	}
	if (strcmp(key, "mode") == 0) {
		for (uint8_t m = 0; m < 3; m++) {
			char q[16];
			snprintf(q, sizeof(q), "\"%s\"", h_modes[m]);
			if (strcmp(value, q) == 0) {
				a->mode = m;
				return 0;
			}
		}
		snprintf(msg, mcap, "mode: must be \"learn\", \"monitor\" or \"block\"");
		return -EINVAL;
	}
	snprintf(msg, mcap, "%s: unknown key", key);
	return -EINVAL;
}

static bool h_entry_ok(const char *e)
{
	size_t n = strlen(e);
	if (n == 0 || n >= H_NAME_MAX) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = e[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '-' || ch == '/' || ch == ':' || (ch == '*' && i == 0))) {
			return false;
		}
	}
	return true;
}

int app_allow(struct app *a, const char *entry, bool add, char *msg, size_t mcap)
{
	if (!h_entry_ok(entry)) {
		snprintf(msg, mcap, "allow: '%s' is not a CIDR, host name or *.domain", entry);
		return -EINVAL;
	}
	for (size_t i = 0; i < a->n_allow; i++) {
		if (strcmp(a->allow[i], entry) == 0) {
			if (add) {
				return -EEXIST;
			}
			memmove(a->allow[i], a->allow[i + 1], (a->n_allow - i - 1) * H_NAME_MAX);
			a->n_allow--;
			return 0;
		}
	}
	if (!add) {
		return -ENOENT;
	}
	if (a->n_allow >= H_ALLOW_MAX) {
		snprintf(msg, mcap, "allow: list full");
		return -EINVAL;
	}
	snprintf(a->allow[a->n_allow++], H_NAME_MAX, "%s", entry);
	return 0;
}

int app_ack(struct app *a, uint32_t id)
{
	bool found = id == 0;
	for (size_t i = 0; i < 2; i++) {
		if (id == 0 || a->alerts[i].id == id) {
			a->alerts[i].acked = true;
			found = true;
		}
	}
	return found ? 0 : -ENOENT;
}

int app_password_reset(struct app *a)
{
	cli_print(a->cli, "new one-time password: host-reset-0001");
	return 0;
}

int app_factory_reset(struct app *a)
{
	a->stop = true;
	return 0;
}

void app_reboot(struct app *a)
{
	a->stop = true;
}

/* Feed the LED state machine from the stand-in, print the status line when it changes. */
static void h_status(struct app *a, struct ledsm *sm, uint64_t now)
{
	char line[160];
	ledsm_set_mode(sm, a->mode);
	ledsm_set_alerts(sm, h_unacked(a));
	ledsm_tick(sm, now);
	if (ledsm_status_line(sm, line, sizeof(line)) > 0) {
		cli_status(a->cli, line);
	}
}

static int h_run(struct app *a, struct uart *u)
{
	struct ledsm sm;
	ledsm_init(&sm);
	ledsm_set_ready(&sm, true);
	ledsm_set_link(&sm, LEDSM_PORT_LAN, true);
	ledsm_set_link(&sm, LEDSM_PORT_WAN, true);
	int fd = uart_fd(u);
	uint64_t t0 = brd_now_ms();
	while (!a->stop && brd_now_ms() - t0 < H_LIFE_MS) {
		if (fd >= 0) {
			(void)brd_wait(&fd, 1, 100);
		}
		int rc = cli_poll(a->cli);
		if (rc == -ENODATA) {
			return 0;
		}
		if (rc < 0) {
			fprintf(stderr, "cli_host: console: error %d\n", rc);
			return 1;
		}
		h_status(a, &sm, brd_now_ms());
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *tty = brd_this.console.dev;
	if (argc == 3 && strcmp(argv[1], "--tty") == 0) {
		tty = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "usage: cli_host [--tty PATH]\n");
		return 2;
	}
	static struct app a = {.threshold_mb = 20, .mode = CFG_MODE_MONITOR};
	a.alerts[0] = (struct h_alert){.id = 1, .remote = "upload.example"};
	a.alerts[1] = (struct h_alert){.id = 2, .remote = "cam.example"};
	struct uart u;
	uart_init(&u, brd_this.console.ops, tty);
	int rc = uart_open(&u);
	if (rc != 0) {
		fprintf(stderr, "cli_host: cannot open console: error %d\n", rc);
		return 1;
	}
	struct cli_params p = {.uart = &u, .app = &a};
	a.cli = cli_create(&p);
	if (a.cli == NULL) {
		uart_close(&u);
		fprintf(stderr, "cli_host: out of memory\n");
		return 1;
	}
	struct cli_banner b = {.version = "cli_host",
			       .board = brd_this.name,
			       .ports = "lan=- wan=-",
			       .mgmt_ip = "192.0.2.1/24 (test)",
			       .password = "cli-host-pass"};
	cli_banner(a.cli, &b);
	rc = h_run(&a, &u);
	cli_destroy(a.cli);
	uart_close(&u);
	return rc;
}
