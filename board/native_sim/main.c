/*
 * leaktap on native_sim: command line, file I/O of the host, and the only
 * place that decides to exit. Everything else lives in the core.
 *
 *   leaktap --replay IN.pcap [--config FILE] [--alerts FILE] [--flows FILE]
 *                            [--destinations FILE] [--out FILE]
 *   leaktap --check-config FILE
 *   leaktap --lan IFACE --wan IFACE [--config FILE] [--state-dir DIR]
 *   leaktap --tap IFACE [--config FILE]
 *
 * Exit codes: 0 success; 1 bad input or run-time failure (corrupt capture,
 * port error); 2 usage or configuration error. Every failure prints one line.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brd.h"
#include "cfg.h"
#include "eng.h"
#include "loop.h"
#include "stor.h"
#include "mgmt.h"
#include "alog.h"
#include "api.h"
#include "app.h"
#include "auth.h"
#include "cli.h"
#include "ledsm.h"
#include "uart.h"
#ifdef CONFIG_LED_REC
#include "led/led_rec.h"
#endif

#define CONFIG_FILE_MAX  (1024 * 1024)
/* run_live's answer when the web page or console asked for a restart. */
#define LIVE_EXIT_REBOOT 3

#ifndef LEAKTAP_VERSION
#define LEAKTAP_VERSION "0.1.0"
#endif

struct args {
	const char *replay, *config, *alerts, *flows, *dests, *out, *check, *lan, *wan, *tap;
	const char *state;
	bool no_video;
};

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: leaktap --replay IN.pcap [--config FILE] [--alerts FILE] [--flows FILE]\n"
		"                       [--destinations FILE] [--out FILE] [--no-video]\n"
		"       leaktap --check-config FILE\n"
		"       leaktap --lan IFACE --wan IFACE [--config FILE] [--state-dir DIR]\n"
		"       leaktap --tap IFACE [--config FILE]\n"
		"       leaktap --version\n");
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct {
		const char *flag;
		size_t off;
	} opts[] = {
		{"--replay", offsetof(struct args, replay)},
		{"--config", offsetof(struct args, config)},
		{"--alerts", offsetof(struct args, alerts)},
		{"--flows", offsetof(struct args, flows)},
		{"--destinations", offsetof(struct args, dests)},
		{"--out", offsetof(struct args, out)},
		{"--check-config", offsetof(struct args, check)},
		{"--lan", offsetof(struct args, lan)},
		{"--wan", offsetof(struct args, wan)},
		{"--tap", offsetof(struct args, tap)},
		{"--state-dir", offsetof(struct args, state)},
	};
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-video") == 0) {
			a->no_video = true;
			continue;
		}
		size_t k = 0;
		while (k < sizeof(opts) / sizeof(opts[0]) && strcmp(argv[i], opts[k].flag) != 0) {
			k++;
		}
		if (k == sizeof(opts) / sizeof(opts[0])) {
			fprintf(stderr, "leaktap: unknown argument '%s'\n", argv[i]);
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "leaktap: %s needs a value\n", argv[i]);
			return -EINVAL;
		}
		*(const char **)(void *)((char *)a + opts[k].off) = argv[++i];
	}
	int modes = !!a->replay + !!a->check + !!(a->lan || a->wan) + !!a->tap;
	if (modes != 1 || (a->lan && !a->wan) || (a->wan && !a->lan) ||
	    ((a->flows || a->out || a->dests) && !a->replay) || (a->state && a->replay)) {
		fprintf(stderr,
			"leaktap: choose one of --replay, --check-config, --lan/--wan, --tap\n");
		return -EINVAL;
	}
	return 0;
}

/* Read and validate a config file into c. Prints one line on failure. */
static int load_config(const char *path, struct cfg *c)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "leaktap: config %s: %s\n", path, strerror(errno));
		return -ENOENT;
	}
	char *buf = malloc(CONFIG_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, CONFIG_FILE_MAX + 1, f) : 0;
	int rd_err = ferror(f);
	fclose(f);
	if (buf == NULL || rd_err || n > CONFIG_FILE_MAX) {
		fprintf(stderr, "leaktap: config %s: %s\n", path,
			buf == NULL ? "out of memory"
			: rd_err    ? "read error"
				    : "larger than 1 MiB");
		free(buf);
		return -EINVAL;
	}
	char err[CFG_ERR_MAX];
	int rc = cfg_parse(buf, n, c, err, sizeof(err));
	free(buf);
	if (rc != 0) {
		fprintf(stderr, "leaktap: config %s: %s\n", path, err);
	}
	return rc;
}

/* Where the engine's lines go. */
struct outputs {
	FILE *flows;       /* --flows, or NULL */
	FILE *alerts;      /* --alerts, default stdout */
	FILE *dests;       /* --destinations, or NULL */
	struct live *live; /* live mode: alert log, export, console; NULL in a replay */
};

struct live;
static void live_alert(struct live *lv, const char *line, size_t len);

static void write_line(FILE *f, const char *line, size_t len)
{
	fwrite(line, 1, len, f);
	fputc('\n', f);
}

static void write_flow(void *ctx, const char *line, size_t len)
{
	write_line(((struct outputs *)ctx)->flows, line, len);
}

static void write_alert(void *ctx, const char *line, size_t len)
{
	struct outputs *o = ctx;
	write_line(o->alerts, line, len);
	/* Alerts are the product: each reaches the file as it happens. */
	fflush(o->alerts);
	if (o->live != NULL) {
		live_alert(o->live, line, len);
	}
}

/* systemd's notify protocol (sd_notify) without libsystemd: one datagram. */
static void sd_notify_msg(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (path == NULL || (path[0] != '/' && path[0] != '@') || strlen(path) >= 108) {
		return;
	}
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, strlen(path));
	if (sa.sun_path[0] == '@') {
		sa.sun_path[0] = '\0'; /* abstract namespace */
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return;
	}
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	(void)sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sa, sl);
	close(fd);
}

/* Loop tick: keep systemd's watchdog fed at half its period (WATCHDOG_USEC). */
static void watchdog_tick(void *ctx)
{
	static uint64_t last_us;
	uint64_t period = *(const uint64_t *)ctx;
	uint64_t now = brd_now_us();
	if (period != 0 && now - last_us >= period / 2) {
		sd_notify_msg("WATCHDOG=1");
		last_us = now;
	}
}

/*
 * --state-dir: the appliance's persistent state, through the board's
 * storage driver (brd_this.storage) and the stor_* wrappers:
 *   config.json      the configuration (when no --config is given)
 *   alerts.jsonl     the alert journal, one line per alert or update,
 *                    kept by the alert log (firmware/alog), rotated to
 *                    alerts.1.jsonl at CONFIG_ALOG_MAX_KB
 *   auth.json, tls.key, tls.crt   the web page's password hash and TLS identity
 *   state.json       {"next_alert_id":N}, so ids never repeat
 *   quarantine.json  the active quarantines (eng_quarantines_json)
 * docs/storage.md has the layout and the crash guarantees. A storage
 * failure (full disk) is reported once on the console; forwarding goes on.
 */
#define STATE_JOURNAL     "alerts.jsonl"
#define STATE_JOURNAL_OLD "alerts.1.jsonl"
#define STATE_IDS         "state.json"
#define STATE_QUAR        "quarantine.json"
#define STATE_DOC_MAX     (256u * 1024u)

struct state {
	struct stor s;
	struct eng *e;    /* set once the engine exists */
	uint32_t next_id; /* next alert id, from state.json and the journal */
	uint32_t q_gen;   /* quarantine generation last written */
	bool fault;       /* a write failed and the console was told */
	char doc[STATE_DOC_MAX];
};

static uint64_t state_now_ms(void)
{
	return brd_wall_us() / 1000u; /* the engine's clock on live ports */
}

/* A write result: tell the console once when saving stops, and when it works again. */
static void state_result(struct state *st, int rc)
{
	if (rc != 0 && !st->fault) {
		fprintf(stderr, "leaktap: FAULT: state dir %s: %s%s; forwarding continues\n",
			st->s.dev, rc == -ENOSPC ? "storage full: " : "", st->s.err);
		st->fault = true;
	} else if (rc == 0 && st->fault) {
		fprintf(stderr, "leaktap: state dir %s: writes work again\n", st->s.dev);
		st->fault = false;
	}
}

/* Whole object into st->doc, NUL-terminated: its length, -ENOENT, or another error. */
static int state_read(struct state *st, const char *name)
{
	int n = stor_read(&st->s, name, (uint8_t *)st->doc, sizeof(st->doc) - 1);
	st->doc[n > 0 ? n : 0] = '\0';
	return n;
}

/* Highest "alert_id" in journal lines; a torn last line is cut off the journal. */
static uint32_t state_scan_journal(struct state *st, const char *name, bool repair)
{
	uint64_t size = (uint64_t)stor_size(&st->s, name);
	if ((int64_t)size <= 0) {
		return 0;
	}
	char *buf = malloc(size + 1);
	int n = buf ? stor_read(&st->s, name, (uint8_t *)buf, size + 1) : -ENOMEM;
	uint32_t max = 0;
	size_t end = 0; /* just past the last newline */
	for (size_t i = 0; n > 0 && i < (size_t)n; i++) {
		if (buf[i] != '\n') {
			continue;
		}
		buf[i] = '\0';
		const char *f = strstr(buf + end, "\"alert_id\":");
		unsigned long id = f ? strtoul(f + 11, NULL, 10) : 0;
		max = id > max && id < UINT32_MAX ? (uint32_t)id : max;
		end = i + 1;
	}
	if (repair && n > 0 && end < (size_t)n) {
		/* kill -9 mid-line: drop the fragment so the next line starts clean. */
		fprintf(stderr, "leaktap: state dir: %s: dropped a torn last line (%zu bytes)\n",
			name, (size_t)n - end);
		state_result(st, stor_truncate(&st->s, name, end));
	}
	free(buf);
	return max;
}

/* Open the state dir and recover what it holds. Prints one line on failure. */
static int state_open(struct state *st, const char *dir)
{
	if (brd_this.storage == NULL) {
		fprintf(stderr, "leaktap: board %s has no storage for --state-dir\n",
			brd_this.name);
		return -ENOSYS;
	}
	stor_init(&st->s, brd_this.storage, dir);
	int rc = stor_open(&st->s);
	if (rc != 0) {
		fprintf(stderr, "leaktap: %s\n", st->s.err);
		return rc;
	}
	uint32_t max = state_scan_journal(st, STATE_JOURNAL, true);
	uint32_t old = state_scan_journal(st, STATE_JOURNAL_OLD, false);
	st->next_id = (max > old ? max : old) + 1u;
	const char *f =
		state_read(st, STATE_IDS) > 0 ? strstr(st->doc, "\"next_alert_id\":") : NULL;
	unsigned long kept = f ? strtoul(f + 16, NULL, 10) : 0;
	if (kept > st->next_id && kept < UINT32_MAX) {
		st->next_id = (uint32_t)kept;
	}
	return 0;
}

/* The configuration kept in the state dir, if any. 0, or non-zero after one line. */
static int state_config(struct state *st, struct cfg *c)
{
	int n = state_read(st, "config.json");
	if (n == -ENOENT) {
		return 0; /* a fresh appliance: the defaults */
	}
	if (n < 0) {
		fprintf(stderr, "leaktap: config: %s\n", st->s.err);
		return n;
	}
	char err[CFG_ERR_MAX];
	int rc = cfg_parse(st->doc, (size_t)n, c, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "leaktap: config %s/config.json: %s\n", st->s.dev, err);
	}
	return rc;
}

/* Rewrite quarantine.json when the set of active quarantines changed. */
static void state_quarantines(struct state *st)
{
	uint64_t now = state_now_ms();
	uint32_t g = eng_quarantine_gen(st->e, now);
	if (g == st->q_gen) {
		return;
	}
	int n = eng_quarantines_json(st->e, now, st->doc, sizeof(st->doc));
	int rc = n < 0 ? n : stor_write(&st->s, STATE_QUAR, (const uint8_t *)st->doc, (size_t)n);
	state_result(st, rc);
	if (rc == 0) {
		st->q_gen = g;
	}
}

/* Restore quarantines kept by an earlier run (after eng_create). */
static void state_restore(struct state *st, struct eng *e)
{
	st->e = e;
	int n = state_read(st, STATE_QUAR);
	int rc = n > 0 ? eng_quarantines_load(e, st->doc, (size_t)n, state_now_ms()) : n;
	if (rc >= 0) {
		fprintf(stderr,
			"leaktap: state dir %s: next alert id %u, %d quarantines restored\n",
			st->s.dev, st->next_id, rc);
	} else if (rc != -ENOENT) {
		fprintf(stderr, "leaktap: state dir %s: %s: %s, ignored\n", st->s.dev, STATE_QUAR,
			rc == -EBADMSG ? "not a quarantine document" : st->s.err);
	}
}

/*
 * After an alert line went to the alert log (alog, which keeps the journal
 * alerts.jsonl): the next id, and the quarantines this alert may have started.
 */
static void state_alert(struct state *st)
{
	char buf[64];
	int rc = 0;
	/* Kept even when the line was not: the id went out on the console. */
	uint32_t next = eng_next_alert_id(st->e);
	if (next > st->next_id) {
		int k = snprintf(buf, sizeof(buf), "{\"next_alert_id\":%u}\n", next);
		rc = stor_write(&st->s, STATE_IDS, (const uint8_t *)buf, (size_t)k);
		st->next_id = rc == 0 ? next : st->next_id;
	}
	state_result(st, rc);
	state_quarantines(st);
}

/*
 * Live mode: everything the appliance runs besides the bridge, wired
 * together here and served from the loop's tick. The parts talk through
 * their headers only: the web API and the console act on the app facade;
 * alerts flow engine -> alert log -> export/console/LEDs.
 */
#define LIVE_STATUS_EVERY_MS 10000u /* MQTT's retained status document */
#define LIVE_REBOOT_DELAY_MS 1000u  /* lets the web answer reach the browser first */

struct live {
	struct state *st; /* --state-dir, or NULL */
	struct alog *alog;
	struct auth *auth;
	struct eng *eng;
	struct loop *l;
	struct mgmt *mgmt;
	struct app *app;
	struct api *api;
	struct uart con;
	struct cli *cli;
	struct ledsm sm;
#ifdef CONFIG_LED_REC
	struct led_rec rec; /* native_sim's LEDs: the recording driver's ring */
#endif
	bool led_log;             /* LEAKTAP_LED_LOG=1: one console line per pattern change */
	uint8_t led_pat[LEDSM_N]; /* patterns last logged */
	uint64_t t0_ms;           /* boot, for the log's timestamps */
	char mgmt_seen[40];       /* management address last shown on the console */
	int con_fd;
	uint64_t wd_us; /* WATCHDOG_USEC, 0 = none */
	uint64_t status_ms;
	uint64_t reboot_ms; /* a reboot was asked for: leave the loop at this time; 0 = none */
	uint64_t rx_seen[2];
	bool rebooting;
	char line[256];
	char doc[1024];
};

/* One line on the console (or stderr when there is none). */
static void live_print(void *ctx, const char *line)
{
	struct live *lv = ctx;
	if (lv->cli != NULL) {
		cli_print(lv->cli, line);
	} else {
		fprintf(stderr, "leaktap: %s\n", line);
	}
}

static void live_alert(struct live *lv, const char *line, size_t len)
{
	(void)alog_add(lv->alog, line, len);
	if (lv->st != NULL) {
		state_alert(lv->st);
	}
	mgmt_export_alert_line(lv->mgmt, line, len);
	/* The console gets the gist; the whole line is on stdout and in the log. */
	const char *id = strstr(line, "\"alert_id\":");
	const char *up = strstr(line, "\"update\":0,");
	if (id != NULL && up != NULL) {
		snprintf(lv->line, sizeof(lv->line), "ALERT %u: %.160s",
			 (unsigned)strtoul(id + 11, NULL, 10),
			 strstr(line, "\"lan_ip\"") != NULL ? strstr(line, "\"lan_ip\"") : line);
		live_print(lv, lv->line);
	}
}

static int live_leds_json(void *ctx, char *buf, size_t cap)
{
	return ledsm_json(&((struct live *)ctx)->sm, buf, cap);
}

static void live_interrupt(void *ctx)
{
	(void)ctx;
	stop_flag = 1;
}

static void live_reboot(void *ctx)
{
	struct live *lv = ctx;
	lv->reboot_ms = brd_now_ms() + LIVE_REBOOT_DELAY_MS;
}

/* A port's link: the driver's carrier, or "open and healthy" when it cannot tell. */
static bool live_link_up(struct port *p)
{
	if (p == NULL || !p->is_open) {
		return false;
	}
	int rc = port_link(p);
	return rc == 1 || (rc == -ENOSYS && p->err[0] == '\0');
}

/* What the LEDs show: links and activity, mode, alerts, blocks, faults. */
static void live_leds(struct live *lv, uint64_t now_ms)
{
	struct port *ports[2] = {lv->l->lan, lv->l->wan};
	for (int i = 0; i < 2; i++) {
		struct port_stats ps;
		bool up = live_link_up(ports[i]);
		ledsm_set_link(&lv->sm, (enum ledsm_port)i, up);
		if (up && port_stats(ports[i], &ps) == 0 && ps.rx_frames != lv->rx_seen[i]) {
			lv->rx_seen[i] = ps.rx_frames;
			ledsm_activity(&lv->sm, (enum ledsm_port)i, now_ms);
		}
	}
	const struct cfg *c = app_cfg(lv->app);
	struct alog_stats as;
	alog_get_stats(lv->alog, &as);
	ledsm_set_mode(&lv->sm, c->mode);
	ledsm_set_alerts(&lv->sm, (uint32_t)as.unacked);
	ledsm_set_block(&lv->sm, eng_quarantine_active(lv->eng, brd_wall_us() / 1000u));
	ledsm_set_fault(&lv->sm, LEDSM_FAULT_OVERLOAD, brd_now_us() < lv->l->shed_until_us);
	ledsm_set_fault(&lv->sm, LEDSM_FAULT_STORAGE, lv->st != NULL && lv->st->fault);
	struct mgmt_status ms;
	mgmt_get_status(lv->mgmt, &ms);
	/* Only a clock that should be synced and is not is a fault. */
	ledsm_set_fault(&lv->sm, LEDSM_FAULT_TIME,
			lv->mgmt != NULL && c->mgmt.ntp[0] != '\0' && !ms.time_synced);
}

/* MQTT's retained status: small, and only what an office dashboard needs. */
static void live_status_doc(struct live *lv, uint64_t now_ms)
{
	if (lv->mgmt == NULL || now_ms - lv->status_ms < LIVE_STATUS_EVERY_MS) {
		return;
	}
	lv->status_ms = now_ms;
	struct alog_stats as;
	alog_get_stats(lv->alog, &as);
	struct eng_counters ec;
	eng_get_counters(lv->eng, &ec);
	int n = snprintf(lv->doc, sizeof(lv->doc),
			 "{\"state\":\"online\",\"version\":\"%s\",\"mode\":\"%s\","
			 "\"alerts\":%zu,\"unacked\":%zu,\"blocked_frames\":%llu,"
			 "\"quarantine\":%s}",
			 LEAKTAP_VERSION, cfg_mode_name(app_cfg(lv->app)->mode), as.entries,
			 as.unacked, (unsigned long long)ec.blocked,
			 eng_quarantine_active(lv->eng, brd_wall_us() / 1000u) ? "true" : "false");
	if (n > 0 && (size_t)n < sizeof(lv->doc)) {
		mgmt_export_status_doc(lv->mgmt, lv->doc, (size_t)n);
	}
}

/*
 * LEAKTAP_LED_LOG=1: a console line whenever a LED's pattern changes, with
 * milliseconds since boot, e.g. "leds: t=1234 power=on lan=on wan=off
 * mode=on alert=fast fault=off". Patterns, not levels: a blinking LED gives
 * one line, not eight a second, so tests get a deterministic timeline.
 */
static void live_led_log(struct live *lv, uint64_t now_ms)
{
	bool changed = false;
	for (int i = 0; i < LEDSM_N; i++) {
		uint8_t p = (uint8_t)ledsm_pattern(&lv->sm, (enum ledsm_id)i);
		changed |= p != lv->led_pat[i];
		lv->led_pat[i] = p;
	}
	if (!lv->led_log || !changed) {
		return;
	}
	int off = snprintf(lv->line, sizeof(lv->line), "leds: t=%llu",
			   (unsigned long long)(now_ms - lv->t0_ms));
	for (int i = 0; i < LEDSM_N && off > 0 && (size_t)off < sizeof(lv->line); i++) {
		off += snprintf(lv->line + off, sizeof(lv->line) - (size_t)off, " %s=%s",
				ledsm_name((enum ledsm_id)i),
				ledsm_pattern_name((enum ledsm_pattern)lv->led_pat[i]));
	}
	live_print(lv, lv->line);
}

/* "10.77.0.250/24 (static)", "(acquiring, dhcp)" or "none": the banner's management line. */
static void live_mgmt_addr(const struct live *lv, char *buf, size_t cap)
{
	struct mgmt_status ms;
	if (lv->mgmt == NULL) {
		snprintf(buf, cap, "none");
		return;
	}
	mgmt_get_status(lv->mgmt, &ms);
	if (!ms.has_addr) {
		snprintf(buf, cap, "(acquiring, dhcp)");
		return;
	}
	snprintf(buf, cap, "%u.%u.%u.%u/%u (%s)", ms.addr[0], ms.addr[1], ms.addr[2], ms.addr[3],
		 ms.prefix, ms.from_dhcp ? "dhcp" : "static");
}

/* A management address that came (DHCP) or changed after the banner gets a console line. */
static void live_mgmt_line(struct live *lv)
{
	char now[sizeof(lv->mgmt_seen)];
	live_mgmt_addr(lv, now, sizeof(now));
	if (strcmp(now, lv->mgmt_seen) != 0) {
		memcpy(lv->mgmt_seen, now, sizeof(now));
		snprintf(lv->line, sizeof(lv->line), "management: %s", now);
		live_print(lv, lv->line);
	}
}

/*
 * The board's LEDs, showing the boot pattern (and logging it with
 * LEAKTAP_LED_LOG=1) while the management plane and console start.
 */
static void live_leds_start(struct live *lv)
{
	const char *log = getenv("LEAKTAP_LED_LOG");
	void *led_ctx = NULL;
	ledsm_init(&lv->sm);
#ifdef CONFIG_LED_REC
	/* The recording driver needs its ring as context (a sysfs board ignores it). */
	led_rec_init(&lv->rec);
	led_ctx = &lv->rec;
#endif
	(void)ledsm_attach(&lv->sm, brd_this.leds, brd_this.n_leds, led_ctx);
	lv->led_log = log != NULL && strcmp(log, "1") == 0;
	lv->t0_ms = brd_now_ms();
	/* Logged from the first tick: "nothing" (all off) differs from the boot pattern. */
	memset(lv->led_pat, LEDSM_PAT_N, sizeof(lv->led_pat));
	(void)ledsm_tick(&lv->sm, lv->t0_ms);
	live_led_log(lv, lv->t0_ms);
}

static void live_tick(void *ctx)
{
	struct live *lv = ctx;
	uint64_t now = brd_now_ms();
	watchdog_tick(&lv->wd_us);
	if (lv->st != NULL && lv->st->e != NULL) {
		state_quarantines(lv->st);
	}
	app_tick(lv->app, now);
	live_leds(lv, now);
	uint32_t led_ms = ledsm_tick(&lv->sm, now);
	live_led_log(lv, now);
	live_mgmt_line(lv);
	if (lv->cli != NULL) {
		if (cli_poll(lv->cli) == -ENODATA) {
			/* stdin ended (a service, a closed terminal): the console only writes. */
			lv->l->n_wake = 0;
		}
		if (ledsm_status_line(&lv->sm, lv->line, sizeof(lv->line)) > 0) {
			cli_status(lv->cli, lv->line);
		}
	}
	live_status_doc(lv, now);
	/* Blinking LEDs need the loop awake; otherwise the loop's own bound. */
	lv->l->max_wait_ms = led_ms < 1000u ? (int)(led_ms > 0 ? led_ms : 1) : 1000;
	if (lv->wd_us != 0 && lv->wd_us < 2000000u &&
	    (uint64_t)lv->l->max_wait_ms > lv->wd_us / 2000u) {
		lv->l->max_wait_ms = (int)(lv->wd_us / 2000u);
	}
	if (lv->reboot_ms != 0 && now >= lv->reboot_ms) {
		lv->rebooting = true;
		stop_flag = 1;
	}
}

static void write_dest(void *ctx, const char *line, size_t len)
{
	write_line(((struct outputs *)ctx)->dests, line, len);
}

/* Open one output file; "-" is stdout. Prints one line on failure. */
static int open_output(const char *path, FILE **f)
{
	if (path == NULL) {
		return 0;
	}
	*f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (*f == NULL) {
		fprintf(stderr, "leaktap: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Close an output; non-zero when anything written to it was lost. */
static int close_output(FILE *f)
{
	if (f == NULL) {
		return 0;
	}
	int bad = ferror(f) != 0;
	bad |= f == stdout ? fflush(f) != 0 : fclose(f) != 0;
	return bad;
}

/* Peak and current resident memory of this process, from Linux's /proc. */
static void print_memory(void)
{
	char line[256];
	unsigned long hwm = 0, rss = 0;
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL) {
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "VmHWM: %lu", &hwm);
		sscanf(line, "VmRSS: %lu", &rss);
	}
	fclose(f);
	fprintf(stderr, "process: peak RSS %lu KiB, RSS now %lu KiB\n", hwm, rss);
}

static void print_summary(const struct eng *e, uint64_t elapsed_us)
{
	static char buf[8192];
	int n = eng_format_summary(e, elapsed_us, buf, sizeof(buf));
	if (n > 0) {
		fputs(buf, stderr);
	}
	print_memory();
}

/* Open the recorder for --out with the input's link type. */
static int open_out(struct port *out, const char *path, enum pkt_link link)
{
	if (brd_this.recorder == NULL) {
		fprintf(stderr, "leaktap: this board has no capture writer for --out\n");
		return -ENOSYS;
	}
	port_init(out, brd_this.recorder, "out", path);
	out->link = link;
	int rc = port_open(out);
	if (rc != 0) {
		fprintf(stderr, "leaktap: %s\n", out->err);
	}
	return rc;
}

static int open_outputs(const struct args *a, struct outputs *o)
{
	memset(o, 0, sizeof(*o));
	if (open_output(a->flows, &o->flows) != 0 ||
	    open_output(a->alerts ? a->alerts : "-", &o->alerts) != 0 ||
	    open_output(a->dests, &o->dests) != 0) {
		close_output(o->flows);
		close_output(o->alerts);
		return -EIO;
	}
	return 0;
}

/* Close every output; names the first file whose writes were lost. */
static int close_outputs(const struct args *a, struct outputs *o)
{
	const char *bad = NULL;
	if (close_output(o->flows)) {
		bad = a->flows;
	}
	if (close_output(o->alerts) && bad == NULL) {
		bad = a->alerts ? a->alerts : "stdout";
	}
	if (close_output(o->dests) && bad == NULL) {
		bad = a->dests;
	}
	if (bad != NULL) {
		fprintf(stderr, "leaktap: %s: write failed\n", bad);
		return -EIO;
	}
	return 0;
}

static int run_replay(const struct args *a, const struct cfg *c)
{
	struct port in, out = {0};
	struct outputs o;
	port_init(&in, brd_this.ports[0].file, "lan", a->replay);
	if (port_open(&in) != 0) {
		fprintf(stderr, "leaktap: %s\n", in.err);
		return 1;
	}
	if ((a->out != NULL && open_out(&out, a->out, in.link) != 0) || open_outputs(a, &o) != 0) {
		port_close(&in);
		port_close(&out);
		return 1;
	}
	struct loop l = {.lan = &in, .out = a->out ? &out : NULL, .lan_side = ENG_SIDE_ANY};
	struct eng_params ep = {.cfg = c,
				.flow_line = o.flows ? write_flow : NULL,
				.alert_line = write_alert,
				.no_video = a->no_video,
				.ctx = &o,
				.inject = loop_inject,
				.inject_ctx = &l};
	struct eng *e = eng_create(&ep);
	if (e == NULL) {
		fprintf(stderr, "leaktap: out of memory creating the engine\n");
		return 1;
	}
	l.eng = e;
	uint64_t t0 = brd_now_us();
	int rc = loop_replay(&l);
	eng_finish(e);
	uint64_t t1 = brd_now_us();
	if (o.dests != NULL) {
		eng_report_destinations(e, write_dest, &o);
	}
	fprintf(stderr, "leaktap: replay of %s\n", a->replay);
	print_summary(e, t1 - t0);
	eng_destroy(e);
	if (rc == -EIO && a->out) {
		fprintf(stderr, "leaktap: %s: write failed\n", a->out);
	} else if (rc != 0) {
		fprintf(stderr, "leaktap: %s: %s\n", a->replay, in.err);
	}
	if (close_outputs(a, &o) != 0 && rc == 0) {
		rc = -EIO;
	}
	port_close(&in);
	port_close(&out);
	return rc == 0 ? 0 : 1;
}

/* The appliance's own address on the bridge (inline mode only; a tap stays silent). */
static struct mgmt *start_mgmt(const struct cfg *c, struct live *lv)
{
	struct mgmt_params mp = {.cfg = c,
				 .tx = loop_mgmt_tx,
				 .tx_ctx = lv->l,
				 .http = api_handle,
				 .http_ctx = lv->api,
				 .stor = lv->st != NULL ? &lv->st->s : NULL,
				 .log = live_print,
				 .log_ctx = lv};
	memcpy(mp.mac, c->mgmt.has_mac ? c->mgmt.mac : brd_this.mgmt_mac, sizeof(mp.mac));
	struct mgmt *m = mgmt_create(&mp);
	if (m == NULL) {
		fprintf(stderr, "leaktap: management stack did not start; forwarding only\n");
	}
	return m;
}

static void stop_mgmt(struct mgmt *m)
{
	if (m == NULL) {
		return;
	}
	struct mgmt_status st;
	mgmt_get_status(m, &st);
	fprintf(stderr,
		"leaktap: mgmt: %llu frames in, %llu out, %llu wan connections refused, "
		"%llu web requests, %llu alerts exported, %llu export drops\n",
		(unsigned long long)st.rx_frames, (unsigned long long)st.tx_frames,
		(unsigned long long)st.refused_wan, (unsigned long long)st.http_requests,
		(unsigned long long)st.export_sent, (unsigned long long)st.export_dropped);
	mgmt_destroy(m);
}

/* The console on the board's UART (stdin/stderr on native_sim), with the boot banner. */
static void start_console(struct live *lv, const struct args *a, const char *otp)
{
	char ports[160];
	lv->con_fd = -1;
	live_mgmt_addr(lv, lv->mgmt_seen, sizeof(lv->mgmt_seen));
	if (brd_this.console.ops == NULL) {
		return;
	}
	uart_init(&lv->con, brd_this.console.ops, brd_this.console.dev);
	int rc = uart_open(&lv->con);
	if (rc != 0) {
		fprintf(stderr, "leaktap: console: %s\n", strerror(-rc));
		return;
	}
	struct cli_params cp = {.uart = &lv->con, .app = lv->app};
	if (brd_this.console.dev == NULL) {
		/* The console is the terminal leaktap was started from: Ctrl-C stops it there. */
		cp.interrupt = live_interrupt;
	}
	lv->cli = cli_create(&cp);
	if (lv->cli == NULL) {
		uart_close(&lv->con);
		return;
	}
	snprintf(ports, sizeof(ports), a->tap ? "tap=%s" : "lan=%s wan=%s",
		 a->tap ? a->tap : a->lan, a->wan);
	struct cli_banner b = {.version = LEAKTAP_VERSION,
			       .board = brd_this.name,
			       .ports = ports,
			       .mgmt_ip = lv->mgmt_seen,
			       .password = otp};
	cli_banner(lv->cli, &b);
	lv->con_fd = uart_fd(&lv->con);
}

static void stop_console(struct live *lv)
{
	if (lv->cli != NULL) {
		cli_destroy(lv->cli);
		lv->cli = NULL;
		uart_close(&lv->con); /* gives the terminal its modes back */
	}
}

/* Alert log, credentials, the app facade, the web API: NULL-safe teardown in reverse. */
static int start_faces(struct live *lv, const struct cfg *c, char *otp, bool *first)
{
	struct stor *s = lv->st != NULL ? &lv->st->s : NULL;
	struct alog_params ap = {.stor = s};
	lv->alog = alog_create(&ap);
	lv->auth = auth_create(s, otp, first);
	if (lv->auth == NULL && s != NULL) {
		/*
		 * A full or failing state dir (the first-boot password cannot be
		 * saved) must not stop the bridge: keep the credentials in memory
		 * for this run and report the storage fault.
		 */
		state_result(lv->st, strstr(s->err, strerror(ENOSPC)) != NULL ? -ENOSPC : -EIO);
		fprintf(stderr, "leaktap: credentials kept in memory only until the next start\n");
		lv->auth = auth_create(NULL, otp, first);
	}
	if (lv->alog == NULL || lv->auth == NULL) {
		fprintf(stderr, "leaktap: out of memory (alert log, credentials)\n");
		return -ENOMEM;
	}
	if (auth_load_error(lv->auth)[0] != '\0') {
		fprintf(stderr, "leaktap: credentials: %s\n", auth_load_error(lv->auth));
	}
	(void)c;
	return 0;
}

static void stop_faces(struct live *lv)
{
	api_destroy(lv->api);
	app_destroy(lv->app);
	auth_destroy(lv->auth);
	alog_destroy(lv->alog);
}

/*
 * A port's counters at exit. The kernel's drop count matters most on a tap:
 * a frame the mirror delivered but our ring had no room for is never seen
 * again, so detection counts fewer bytes than crossed the wire.
 */
static void print_port(struct port *p, const char *dev)
{
	struct port_stats st;
	if (port_stats(p, &st) != 0) {
		return;
	}
	fprintf(stderr, "leaktap: port %s: received %llu frames, sent %llu, kernel drops %llu\n",
		dev, (unsigned long long)st.rx_frames, (unsigned long long)st.tx_frames,
		(unsigned long long)st.drops);
}

static int run_live(const struct args *a, const struct cfg *c, struct state *st)
{
	struct port lan, wan;
	const char *ldev = a->tap ? a->tap : a->lan;
	port_init(&lan, brd_this.ports[0].live, "lan", ldev);
	port_init(&wan, brd_this.ports[1].live, "wan", a->wan);
	if (port_open(&lan) != 0 || (a->wan && port_open(&wan) != 0)) {
		fprintf(stderr, "leaktap: %s\n", lan.err[0] ? lan.err : wan.err);
		port_close(&lan);
		return 1;
	}
	static struct live lv;
	char otp[AUTH_OTP_LEN + 1] = "";
	bool first = false;
	struct outputs o = {.alerts = stdout, .live = &lv};
	const char *wd = getenv("WATCHDOG_USEC");
	lv.st = st;
	lv.wd_us = wd != NULL ? strtoull(wd, NULL, 10) : 0;
	struct loop l = {.lan = &lan,
			 .wan = a->wan ? &wan : NULL,
			 .lan_side = a->tap ? ENG_SIDE_ANY : ENG_SIDE_LAN,
			 .stop = &stop_flag,
			 .tick = live_tick,
			 .tick_ctx = &lv,
			 .max_wait_ms = 1000};
	lv.l = &l;
	if (start_faces(&lv, c, otp, &first) != 0) {
		stop_faces(&lv);
		port_close(&lan);
		port_close(&wan);
		return 1;
	}
	uint32_t next_id = alog_next_id(lv.alog);
	if (st != NULL && st->next_id > next_id) {
		next_id = st->next_id;
	}
	struct eng_params ep = {.cfg = c,
				.alert_line = write_alert,
				.ctx = &o,
				.inject = loop_inject,
				.inject_ctx = &l,
				.first_alert_id = next_id};
	lv.eng = eng_create(&ep);
	if (lv.eng == NULL) {
		fprintf(stderr, "leaktap: out of memory creating the engine\n");
		stop_faces(&lv);
		port_close(&lan);
		port_close(&wan);
		return 1;
	}
	if (st != NULL) {
		state_restore(st, lv.eng);
	}
	l.eng = lv.eng;
	struct app_params pp = {.cfg = c,
				.eng = lv.eng,
				.loop = &l,
				.alog = lv.alog,
				.auth = lv.auth,
				.stor = st != NULL ? &st->s : NULL,
				.version = LEAKTAP_VERSION,
				.board = brd_this.name,
				.hooks = {.ctx = &lv,
					  .leds_json = live_leds_json,
					  .reboot = live_reboot,
					  .log = live_print}};
	lv.app = app_create(&pp);
	struct api_params aa = {.app = lv.app, .auth = lv.auth, .alog = lv.alog};
	lv.api = lv.app != NULL ? api_create(&aa) : NULL;
	if (lv.api == NULL) {
		fprintf(stderr, "leaktap: out of memory creating the web API\n");
		eng_destroy(lv.eng);
		stop_faces(&lv);
		port_close(&lan);
		port_close(&wan);
		return 1;
	}
	/* From here the app's copy of the configuration is the one in force. */
	c = app_cfg(lv.app);
	live_leds_start(&lv);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "leaktap %s on %s: %s %s%s%s, mode %s\n", LEAKTAP_VERSION, brd_this.name,
		a->tap ? "tap" : "lan", ldev, a->wan ? ", wan " : "", a->wan ? a->wan : "",
		cfg_mode_name(c->mode));
	if (a->wan) {
		fprintf(stderr, "leaktap: forwarding between %s and %s\n", ldev, a->wan);
	}
	lv.mgmt = a->wan ? start_mgmt(c, &lv) : NULL;
	l.mgmt = lv.mgmt;
	app_set_mgmt(lv.app, lv.mgmt);
	start_console(&lv, a, otp);
	if (lv.con_fd >= 0) {
		l.wake_fds = &lv.con_fd;
		l.n_wake = 1;
	}
	ledsm_set_ready(&lv.sm, true);
	sd_notify_msg("READY=1");
	uint64_t t0 = brd_now_us();
	int rc = loop_run(&l);
	sd_notify_msg("STOPPING=1");
	eng_finish(lv.eng);
	print_summary(lv.eng, brd_now_us() - t0);
	fprintf(stderr, "leaktap: forwarded %llu frames, %llu send errors\n",
		(unsigned long long)l.fwd_frames, (unsigned long long)l.fwd_errors);
	print_port(&lan, ldev);
	if (a->wan) {
		print_port(&wan, a->wan);
	}
	if (rc != 0) {
		fprintf(stderr, "leaktap: %s\n", lan.err[0] ? lan.err : wan.err);
	}
	stop_console(&lv);
	stop_mgmt(lv.mgmt);
	eng_destroy(lv.eng);
	stop_faces(&lv);
	ledsm_detach(&lv.sm);
	port_close(&lan);
	port_close(&wan);
	if (rc == 0 && lv.rebooting) {
		return LIVE_EXIT_REBOOT;
	}
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct args a;
	static struct cfg cfg;
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("leaktap %s (board %s)\n", LEAKTAP_VERSION, brd_this.name);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (parse_args(argc, argv, &a) != 0) {
		usage(stderr);
		return 2;
	}
	cfg_default(&cfg);
	const char *cpath = a.check ? a.check : a.config;
	/* The state dir (live modes): its config.json unless --config is given. */
	static struct state state;
	struct state *st = a.state != NULL && !a.check ? &state : NULL;
	if (st != NULL && state_open(st, a.state) != 0) {
		return 1;
	}
	if (st != NULL && cpath == NULL && state_config(st, &cfg) != 0) {
		stor_close(&st->s);
		return 2;
	}
	if (cpath != NULL && load_config(cpath, &cfg) != 0) {
		return 2;
	}
	if (a.check) {
		printf("%s: configuration OK\n", a.check);
		return 0;
	}
	int rc = a.replay ? run_replay(&a, &cfg) : run_live(&a, &cfg, st);
	if (st != NULL) {
		stor_close(&st->s);
	}
	if (rc == LIVE_EXIT_REBOOT) {
		/* A reboot of the firmware: the same program, arguments and state dir, anew. */
		fflush(NULL);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "leaktap: reboot: %s\n", strerror(errno));
		return 1;
	}
	return rc;
}
