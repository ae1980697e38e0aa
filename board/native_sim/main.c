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
	FILE *flows;  /* --flows, or NULL */
	FILE *alerts; /* --alerts, default stdout */
	FILE *dests;  /* --destinations, or NULL */
	int journal;  /* --state-dir's alerts.jsonl, or -1 */
};

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
	if (o->journal >= 0) {
		/*
		 * One write per line in O_APPEND mode, then fdatasync: a crash or
		 * kill -9 loses at most the alert being written, never earlier ones.
		 */
		char buf[4200];
		size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n++] = '\n';
		if (write(o->journal, buf, n) == (ssize_t)n) {
			fdatasync(o->journal);
		}
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

/* --state-dir: the config kept there, and the alert journal appended there. */
static int open_state(const char *dir, struct outputs *o)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/alerts.jsonl", dir);
	o->journal = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (o->journal < 0) {
		fprintf(stderr, "leaktap: %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
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
	o->journal = -1;
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

static int run_live(const struct args *a, const struct cfg *c)
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
	struct outputs o = {.alerts = stdout, .journal = -1};
	const char *wd = getenv("WATCHDOG_USEC");
	uint64_t wd_us = wd != NULL ? strtoull(wd, NULL, 10) : 0;
	struct loop l = {.lan = &lan,
			 .wan = a->wan ? &wan : NULL,
			 .lan_side = a->tap ? ENG_SIDE_ANY : ENG_SIDE_LAN,
			 .stop = &stop_flag,
			 .tick = watchdog_tick,
			 .tick_ctx = &wd_us,
			 /* Wake at least twice per watchdog period, even when idle. */
			 .max_wait_ms =
				 wd_us != 0 && wd_us < 2000000u ? (int)(wd_us / 2000u) : 1000};
	if (a->state != NULL && open_state(a->state, &o) != 0) {
		port_close(&lan);
		port_close(&wan);
		return 1;
	}
	struct eng_params ep = {.cfg = c,
				.alert_line = write_alert,
				.ctx = &o,
				.inject = loop_inject,
				.inject_ctx = &l};
	struct eng *e = eng_create(&ep);
	if (e == NULL) {
		fprintf(stderr, "leaktap: out of memory creating the engine\n");
		port_close(&lan);
		port_close(&wan);
		return 1;
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
	sd_notify_msg("READY=1");
	uint64_t t0 = brd_now_us();
	int rc = loop_run(&l);
	sd_notify_msg("STOPPING=1");
	eng_finish(e);
	print_summary(e, brd_now_us() - t0);
	fprintf(stderr, "leaktap: forwarded %llu frames, %llu send errors\n",
		(unsigned long long)l.fwd_frames, (unsigned long long)l.fwd_errors);
	print_port(&lan, ldev);
	if (a->wan) {
		print_port(&wan, a->wan);
	}
	if (rc != 0) {
		fprintf(stderr, "leaktap: %s\n", lan.err[0] ? lan.err : wan.err);
	}
	eng_destroy(e);
	port_close(&lan);
	port_close(&wan);
	if (o.journal >= 0) {
		close(o.journal);
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
	char kept[4096];
	if (cpath == NULL && a.state != NULL) {
		/* The configuration the appliance keeps in its state dir, when there is one. */
		snprintf(kept, sizeof(kept), "%s/config.json", a.state);
		if (access(kept, F_OK) == 0) {
			cpath = kept;
		}
	}
	if (cpath != NULL && load_config(cpath, &cfg) != 0) {
		return 2;
	}
	if (a.check) {
		printf("%s: configuration OK\n", a.check);
		return 0;
	}
	return a.replay ? run_replay(&a, &cfg) : run_live(&a, &cfg);
}
