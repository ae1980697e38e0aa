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

#define CONFIG_FILE_MAX (1024 * 1024)

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
	FILE *flows;         /* --flows, or NULL */
	FILE *alerts;        /* --alerts, default stdout */
	FILE *dests;         /* --destinations, or NULL */
	struct state *state; /* --state-dir, or NULL */
};

static void state_alert(struct state *st, const char *line, size_t len);

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
	if (o->state != NULL) {
		state_alert(o->state, line, len);
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
 *                    rotated to alerts.1.jsonl at STATE_JOURNAL_MAX
 *   state.json       {"next_alert_id":N}, so ids never repeat
 *   quarantine.json  the active quarantines (eng_quarantines_json)
 * docs/storage.md has the layout and the crash guarantees. A storage
 * failure (full disk) is reported once on the console; forwarding goes on.
 */
#define STATE_JOURNAL     "alerts.jsonl"
#define STATE_JOURNAL_OLD "alerts.1.jsonl"
#define STATE_JOURNAL_MAX (1024u * 1024u)
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
 * The alert journal: one durable append per alert line, rotation at
 * STATE_JOURNAL_MAX, then the next id and the quarantines this alert may
 * have started. (The alog module takes this over: this function is the seam.)
 */
static void state_alert(struct state *st, const char *line, size_t len)
{
	char buf[4200];
	size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	int64_t size = stor_size(&st->s, STATE_JOURNAL);
	if (size > 0 && (uint64_t)size + n > STATE_JOURNAL_MAX) {
		(void)stor_rename(&st->s, STATE_JOURNAL, STATE_JOURNAL_OLD);
	}
	int rc = stor_append(&st->s, STATE_JOURNAL, (const uint8_t *)buf, n);
	/* Kept even when the line was not: the id went out on the console. */
	uint32_t next = eng_next_alert_id(st->e);
	if (next > st->next_id) {
		int k = snprintf(buf, sizeof(buf), "{\"next_alert_id\":%u}\n", next);
		int wrc = stor_write(&st->s, STATE_IDS, (const uint8_t *)buf, (size_t)k);
		st->next_id = wrc == 0 ? next : st->next_id;
		rc = rc != 0 ? rc : wrc;
	}
	state_result(st, rc);
	state_quarantines(st);
}

/* What the live loop's tick serves: systemd's watchdog, expiring quarantines. */
struct live_tick {
	uint64_t wd_us;      /* WATCHDOG_USEC, 0 = none */
	struct state *state; /* --state-dir, or NULL */
};

static void live_tick(void *ctx)
{
	struct live_tick *t = ctx;
	watchdog_tick(&t->wd_us);
	if (t->state != NULL && t->state->e != NULL) {
		state_quarantines(t->state);
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

static void mgmt_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "leaktap: %s\n", line);
}

/* The appliance's own address on the bridge (inline mode only; a tap stays silent). */
static struct mgmt *start_mgmt(const struct cfg *c, struct loop *l)
{
	struct mgmt_params mp = {.cfg = c, .tx = loop_mgmt_tx, .tx_ctx = l, .log = mgmt_line};
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
	fprintf(stderr, "leaktap: mgmt: %llu frames in, %llu out, %llu wan connections refused\n",
		(unsigned long long)st.rx_frames, (unsigned long long)st.tx_frames,
		(unsigned long long)st.refused_wan);
	mgmt_destroy(m);
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
	struct outputs o = {.alerts = stdout, .state = st};
	const char *wd = getenv("WATCHDOG_USEC");
	uint64_t wd_us = wd != NULL ? strtoull(wd, NULL, 10) : 0;
	struct live_tick tk = {.wd_us = wd_us, .state = st};
	struct loop l = {.lan = &lan,
			 .wan = a->wan ? &wan : NULL,
			 .lan_side = a->tap ? ENG_SIDE_ANY : ENG_SIDE_LAN,
			 .stop = &stop_flag,
			 .tick = live_tick,
			 .tick_ctx = &tk,
			 /* Wake at least twice per watchdog period, even when idle. */
			 .max_wait_ms =
				 wd_us != 0 && wd_us < 2000000u ? (int)(wd_us / 2000u) : 1000};
	struct eng_params ep = {.cfg = c,
				.alert_line = write_alert,
				.ctx = &o,
				.inject = loop_inject,
				.inject_ctx = &l,
				.first_alert_id = st ? st->next_id : 0};
	struct eng *e = eng_create(&ep);
	if (e == NULL) {
		fprintf(stderr, "leaktap: out of memory creating the engine\n");
		port_close(&lan);
		port_close(&wan);
		return 1;
	}
	if (st != NULL) {
		state_restore(st, e);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "leaktap %s on %s: %s %s%s%s, mode %s\n", LEAKTAP_VERSION, brd_this.name,
		a->tap ? "tap" : "lan", ldev, a->wan ? ", wan " : "", a->wan ? a->wan : "",
		cfg_mode_name(c->mode));
	if (a->wan) {
		fprintf(stderr, "leaktap: forwarding between %s and %s\n", ldev, a->wan);
	}
	l.eng = e;
	l.mgmt = a->wan ? start_mgmt(c, &l) : NULL;
	sd_notify_msg("READY=1");
	uint64_t t0 = brd_now_us();
	int rc = loop_run(&l);
	sd_notify_msg("STOPPING=1");
	eng_finish(e);
	print_summary(e, brd_now_us() - t0);
	fprintf(stderr, "leaktap: forwarded %llu frames, %llu send errors\n",
		(unsigned long long)l.fwd_frames, (unsigned long long)l.fwd_errors);
	if (rc != 0) {
		fprintf(stderr, "leaktap: %s\n", lan.err[0] ? lan.err : wan.err);
	}
	stop_mgmt(l.mgmt);
	eng_destroy(e);
	port_close(&lan);
	port_close(&wan);
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
	return rc;
}
