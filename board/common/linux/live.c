/*
 * Live mode of a Linux board (--lan/--wan, --tap): everything the
 * appliance runs besides the bridge, wired together and served from the
 * loop's tick: the alert log, credentials, the app facade and web API on
 * the lwIP stack, the console, the LEDs, export, systemd's notify
 * protocol. The parts talk through their headers only.
 */
#include "linux.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "alog.h"
#include "api.h"
#include "app.h"
#include "auth.h"
#include "brd.h"
#include "cli.h"
#include "eng.h"
#include "ledsm.h"
#include "loop.h"
#include "mgmt.h"
#include "stor.h"
#include "uart.h"
#ifdef CONFIG_LED_REC
#include "led/led_rec.h"
#endif

static volatile int lx_stop;

volatile int *lx_stop_flag(void)
{
	return &lx_stop;
}

static void on_signal(int sig)
{
	(void)sig;
	lx_stop = 1;
}

/* systemd's notify protocol (sd_notify) without libsystemd: one datagram. */
void lx_sd_notify(const char *msg)
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
		lx_sd_notify("WATCHDOG=1");
		last_us = now;
	}
}

/*
 * Live mode: everything the appliance runs besides the bridge, wired
 * together here and served from the loop's tick. The parts talk through
 * their headers only: the web API and the console act on the app facade;
 * alerts flow engine -> alert log -> export/console/LEDs.
 */
#define LIVE_STATUS_EVERY_MS 10000u /* MQTT's retained status document */
#define LIVE_REBOOT_DELAY_MS 1000u  /* lets the web answer reach the browser first */
#define LIVE_LED_EVERY_MS    20u    /* LED inputs sampled at most this often */

struct live {
	struct lx_state *st; /* --state-dir, or NULL */
	struct port lan, wan;
	const char *ldev; /* the lan (or tap) interface */
	struct loop loop;
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
	uint64_t leds_ms;   /* LED inputs last sampled */
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
		lx_state_alert(lv->st);
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

/* The engine's alert callback: stdout (one JSON line each, at once), then the rest. */
static void live_write_alert(void *ctx, const char *line, size_t len)
{
	fwrite(line, 1, len, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	live_alert(ctx, line, len);
}

static int live_leds_json(void *ctx, char *buf, size_t cap)
{
	return ledsm_json(&((struct live *)ctx)->sm, buf, cap);
}

static void live_interrupt(void *ctx)
{
	(void)ctx;
	lx_stop = 1;
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
		lx_state_quarantines(lv->st);
	}
	app_tick(lv->app, now);
	/*
	 * The LED inputs read port counters (files under /sys on Linux): not
	 * on every pass of a busy loop, LIVE_LED_EVERY_MS is finer than any
	 * pattern's step.
	 */
	if (now - lv->leds_ms >= LIVE_LED_EVERY_MS) {
		lv->leds_ms = now;
		live_leds(lv, now);
	}
	uint32_t led_ms = ledsm_tick(&lv->sm, now);
	live_led_log(lv, now);
	live_mgmt_line(lv);
	if (lv->cli != NULL) {
		if (lv->loop.n_wake > 0 && cli_poll(lv->cli) == -ENODATA) {
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
		lx_stop = 1;
	}
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

void lx_print_summary(const struct eng *e, uint64_t elapsed_us)
{
	static char buf[8192];
	int n = eng_format_summary(e, elapsed_us, buf, sizeof(buf));
	if (n > 0) {
		fputs(buf, stderr);
	}
	print_memory();
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
static void start_console(struct live *lv, const struct lx_args *a, const char *otp)
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
		lx_state_result(lv->st, strstr(s->err, strerror(ENOSPC)) != NULL ? -ENOSPC : -EIO);
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

/* Both ports (or the tap), open. 0, or 1 after one line. */
static int live_open_ports(struct live *lv, const struct lx_args *a)
{
	lv->ldev = a->tap ? a->tap : a->lan;
	port_init(&lv->lan, brd_this.ports[0].live, "lan", lv->ldev);
	port_init(&lv->wan, brd_this.ports[1].live, "wan", a->wan);
	if (port_open(&lv->lan) != 0 || (a->wan && port_open(&lv->wan) != 0)) {
		fprintf(stderr, "leaktap: %s\n", lv->lan.err[0] ? lv->lan.err : lv->wan.err);
		port_close(&lv->lan);
		return 1;
	}
	return 0;
}

/*
 * The engine, then the app facade and the web API over it. The engine
 * continues the alert ids of the log and the state dir. 0 or -ENOMEM.
 */
static int live_start_core(struct live *lv, const struct cfg *c)
{
	uint32_t next_id = alog_next_id(lv->alog);
	if (lv->st != NULL && lv->st->next_id > next_id) {
		next_id = lv->st->next_id;
	}
	struct eng_params ep = {.cfg = c,
				.alert_line = live_write_alert,
				.ctx = lv,
				.inject = loop_inject,
				.inject_ctx = &lv->loop,
				.first_alert_id = next_id};
	lv->eng = eng_create(&ep);
	if (lv->eng == NULL) {
		fprintf(stderr, "leaktap: out of memory creating the engine\n");
		return -ENOMEM;
	}
	if (lv->st != NULL) {
		lx_state_restore(lv->st, lv->eng);
	}
	lv->loop.eng = lv->eng;
	struct app_params pp = {.cfg = c,
				.eng = lv->eng,
				.loop = &lv->loop,
				.alog = lv->alog,
				.auth = lv->auth,
				.stor = lv->st != NULL ? &lv->st->s : NULL,
				.version = LEAKTAP_VERSION,
				.board = brd_this.name,
				.hooks = {.ctx = lv,
					  .leds_json = live_leds_json,
					  .reboot = live_reboot,
					  .log = live_print}};
	lv->app = app_create(&pp);
	struct api_params aa = {.app = lv->app, .auth = lv->auth, .alog = lv->alog};
	lv->api = lv->app != NULL ? api_create(&aa) : NULL;
	if (lv->api == NULL) {
		fprintf(stderr, "leaktap: out of memory creating the web API\n");
		return -ENOMEM;
	}
	return 0;
}

/* The parts that face the office: LEDs, management stack, console. */
static void live_start_faces(struct live *lv, const struct lx_args *a, const char *otp)
{
	/* From here the app's copy of the configuration is the one in force. */
	const struct cfg *c = app_cfg(lv->app);
	live_leds_start(lv);
	fprintf(stderr, "leaktap %s on %s: %s %s%s%s, mode %s\n", LEAKTAP_VERSION, brd_this.name,
		a->tap ? "tap" : "lan", lv->ldev, a->wan ? ", wan " : "", a->wan ? a->wan : "",
		cfg_mode_name(c->mode));
	if (a->wan) {
		fprintf(stderr, "leaktap: forwarding between %s and %s\n", lv->ldev, a->wan);
	}
	lv->mgmt = a->wan ? start_mgmt(c, lv) : NULL;
	lv->loop.mgmt = lv->mgmt;
	app_set_mgmt(lv->app, lv->mgmt);
	start_console(lv, a, otp);
	if (lv->con_fd >= 0) {
		lv->loop.wake_fds = &lv->con_fd;
		lv->loop.n_wake = 1;
	}
	ledsm_set_ready(&lv->sm, true);
}

/* After the loop: the summary, then everything down in reverse order. */
static void live_stop(struct live *lv, const struct lx_args *a, int rc, uint64_t t0)
{
	if (lv->eng != NULL) {
		eng_finish(lv->eng);
		lx_print_summary(lv->eng, brd_now_us() - t0);
	}
	fprintf(stderr, "leaktap: forwarded %llu frames, %llu send errors\n",
		(unsigned long long)lv->loop.fwd_frames, (unsigned long long)lv->loop.fwd_errors);
	print_port(&lv->lan, lv->ldev);
	if (a->wan) {
		print_port(&lv->wan, a->wan);
	}
	if (rc != 0) {
		fprintf(stderr, "leaktap: %s\n", lv->lan.err[0] ? lv->lan.err : lv->wan.err);
	}
	stop_console(lv);
	stop_mgmt(lv->mgmt);
	eng_destroy(lv->eng);
	stop_faces(lv);
	ledsm_detach(&lv->sm);
	port_close(&lv->lan);
	port_close(&lv->wan);
}

int lx_run_live(const struct lx_args *a, const struct cfg *c, struct lx_state *st)
{
	static struct live lv;
	char otp[AUTH_OTP_LEN + 1] = "";
	bool first = false;
	const char *wd = getenv("WATCHDOG_USEC");
	lv.st = st;
	lv.wd_us = wd != NULL ? strtoull(wd, NULL, 10) : 0;
	if (live_open_ports(&lv, a) != 0) {
		return 1;
	}
	lv.loop = (struct loop){.lan = &lv.lan,
				.wan = a->wan ? &lv.wan : NULL,
				.lan_side = a->tap ? ENG_SIDE_ANY : ENG_SIDE_LAN,
				.stop = &lx_stop,
				.tick = live_tick,
				.tick_ctx = &lv,
				.max_wait_ms = 1000};
	lv.l = &lv.loop;
	if (start_faces(&lv, c, otp, &first) != 0 || live_start_core(&lv, c) != 0) {
		live_stop(&lv, a, 1, 0);
		return 1;
	}
	live_start_faces(&lv, a, otp);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	lx_sd_notify("READY=1");
	uint64_t t0 = brd_now_us();
	int rc = loop_run(&lv.loop);
	lx_sd_notify("STOPPING=1");
	live_stop(&lv, a, rc, t0);
	if (rc == 0 && lv.rebooting) {
		return LX_EXIT_REBOOT;
	}
	return rc == 0 ? 0 : 1;
}
