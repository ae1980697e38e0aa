/*
 * leaktap on a Linux board (native_sim, nanopi-r2s): command line, replay,
 * and the only place that decides to exit. The running appliance is live.c;
 * everything else lives in the core.
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
#include "linux.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "brd.h"
#include "cfg.h"
#include "eng.h"
#include "loop.h"
#include "stor.h"

#define CONFIG_FILE_MAX (1024 * 1024)

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

static int parse_args(int argc, char **argv, struct lx_args *a)
{
	static const struct {
		const char *flag;
		size_t off;
	} opts[] = {
		{"--replay", offsetof(struct lx_args, replay)},
		{"--config", offsetof(struct lx_args, config)},
		{"--alerts", offsetof(struct lx_args, alerts)},
		{"--flows", offsetof(struct lx_args, flows)},
		{"--destinations", offsetof(struct lx_args, dests)},
		{"--out", offsetof(struct lx_args, out)},
		{"--check-config", offsetof(struct lx_args, check)},
		{"--lan", offsetof(struct lx_args, lan)},
		{"--wan", offsetof(struct lx_args, wan)},
		{"--tap", offsetof(struct lx_args, tap)},
		{"--state-dir", offsetof(struct lx_args, state)},
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

static int open_outputs(const struct lx_args *a, struct outputs *o)
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
static int close_outputs(const struct lx_args *a, struct outputs *o)
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

static int run_replay(const struct lx_args *a, const struct cfg *c)
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
	lx_print_summary(e, t1 - t0);
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

int main(int argc, char **argv)
{
	struct lx_args a;
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
	static struct lx_state state;
	struct lx_state *st = a.state != NULL && !a.check ? &state : NULL;
	if (st != NULL && lx_state_open(st, a.state) != 0) {
		return 1;
	}
	if (st != NULL && cpath == NULL && lx_state_config(st, &cfg) != 0) {
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
	int rc = a.replay ? run_replay(&a, &cfg) : lx_run_live(&a, &cfg, st);
	if (st != NULL) {
		stor_close(&st->s);
	}
	if (rc == LX_EXIT_REBOOT) {
		/* A reboot of the firmware: the same program, arguments and state dir, anew. */
		fflush(NULL);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "leaktap: reboot: %s\n", strerror(errno));
		return 1;
	}
	return rc;
}
