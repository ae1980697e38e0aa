/*
 * The serial console: line editor, commands, banner and status line.
 *
 * The editor keeps one line of at most CONFIG_CLI_LINE_MAX printable
 * characters and echoes what it accepts. Anything else is either an
 * editing key, part of an escape sequence (swallowed whole, so an arrow key
 * never lands in the line as "[A"), or garbage that spoils the line: a
 * spoiled or overlong line is answered with one error when it ends, and
 * never reaches the command parser.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "uart.h"

#include <cjson/cJSON.h>

#define CLI_PROMPT         "leaktap> "
#define CLI_CONFIRM_PROMPT "type yes to confirm: "
#define CLI_KEY_MAX        64
#define CLI_MSG_MAX        160
#define CLI_CSI_MAX        16 /* parameter bytes accepted in one escape sequence */
#define CLI_STATUS_MAX     256
#define CLI_STR2(x)        #x
#define CLI_STR(x)         CLI_STR2(x)

enum cli_esc {
	CLI_ESC_NONE = 0,
	CLI_ESC_START, /* after ESC */
	CLI_ESC_CSI,   /* after ESC [ : parameters until a final byte */
	CLI_ESC_SS3,   /* after ESC O : one more byte */
};

struct cli {
	struct uart *uart;
	struct app *app;
	void (*interrupt)(void *ctx); /* Ctrl-C at an empty prompt; NULL: none */
	void *interrupt_ctx;
	char line[CONFIG_CLI_LINE_MAX + 1];
	size_t len;
	bool overflow; /* the line went past CONFIG_CLI_LINE_MAX */
	bool busy;     /* a command is running: its line is tokenized and already ended */
	bool garbage;  /* the line held a byte that is neither printable nor an editing key */
	bool last_cr;  /* the previous byte was CR, so a following LF ends nothing */
	bool confirm;  /* factory-reset waits for "yes" */
	uint8_t esc;   /* enum cli_esc */
	uint8_t esc_n; /* parameter bytes seen in the current sequence */
	int werr;      /* first uart write error since cli_input began */
	char status[CLI_STATUS_MAX];
	char *out; /* CONFIG_CLI_OUT_MAX bytes for JSON answers */
};

struct cli *cli_create(const struct cli_params *p)
{
	if (p == NULL || p->uart == NULL || p->app == NULL) {
		return NULL;
	}
	struct cli *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return NULL;
	}
	c->out = malloc(CONFIG_CLI_OUT_MAX);
	if (c->out == NULL) {
		free(c);
		return NULL;
	}
	c->uart = p->uart;
	c->app = p->app;
	c->interrupt = p->interrupt;
	c->interrupt_ctx = p->interrupt_ctx;
	return c;
}

void cli_destroy(struct cli *c)
{
	if (c == NULL) {
		return;
	}
	free(c->out);
	free(c);
}

static void cli_write(struct cli *c, const char *s, size_t n)
{
	int rc = uart_write(c->uart, (const uint8_t *)s, n);
	if (rc != 0 && c->werr == 0) {
		c->werr = rc;
	}
}

static void cli_puts(struct cli *c, const char *s)
{
	cli_write(c, s, strlen(s));
}

/*
 * Text that did not come from the console itself: alert fields carry names
 * learned from the network (DNS, SNI, Host), so a hostile name could hold
 * escape sequences that rewrite the operator's screen. Anything but
 * printable ASCII goes out as '?'.
 */
static void cli_text(struct cli *c, const char *s)
{
	char chunk[64];
	size_t n = 0;
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		chunk[n++] = (ch >= 0x20 && ch <= 0x7e) ? (char)ch : '?';
		if (n == sizeof(chunk)) {
			cli_write(c, chunk, n);
			n = 0;
		}
	}
	cli_write(c, chunk, n);
}

/* One output line; the console always ends lines with CR LF, as a serial line needs. */
static void cli_line(struct cli *c, const char *s)
{
	cli_text(c, s);
	cli_puts(c, "\r\n");
}

static void cli_linef(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void cli_linef(struct cli *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		return;
	}
	/*
	 * A longer line is cut. Values of unbounded length (JSON answers, config
	 * values) are printed with cli_puts instead; what comes here is short.
	 */
	cli_line(c, buf);
}

static void cli_prompt(struct cli *c)
{
	cli_puts(c, c->confirm ? CLI_CONFIRM_PROMPT : CLI_PROMPT);
}

static void cli_reset_line(struct cli *c)
{
	c->len = 0;
	c->overflow = false;
	c->garbage = false;
	c->esc = CLI_ESC_NONE;
	c->esc_n = 0;
}

/* ---- answers ------------------------------------------------------------ */

static const char *cli_errstr(int rc)
{
	switch (rc) {
	case -EINVAL:
		return "invalid value";
	case -ENOENT:
		return "not found";
	case -EEXIST:
		return "already present";
	case -ENOSPC:
		return "answer too large";
	case -EIO:
		return "applied, but could not be saved";
	case -ENOSYS:
		return "not available on this board";
	default:
		return "failed";
	}
}

/* "ok", or "error: " with the app's message when it gave one. */
static void cli_result(struct cli *c, int rc, const char *msg, const char *ok)
{
	if (rc == 0) {
		cli_line(c, ok);
	} else if (msg != NULL && msg[0] != '\0') {
		cli_linef(c, "error: %s", msg);
	} else {
		cli_linef(c, "error: %s (%d)", cli_errstr(rc), rc);
	}
}

/* Print a JSON value compactly after a label; large values stay on one line. */
static void cli_json_kv(struct cli *c, const char *key, const cJSON *v)
{
	cli_text(c, key);
	cli_puts(c, ": ");
	if (cJSON_IsString(v)) {
		cli_line(c, v->valuestring);
		return;
	}
	char *s = cJSON_PrintUnformatted(v);
	cli_line(c, s != NULL ? s : "?");
	cJSON_free(s);
}

static const char *cli_jstr(const cJSON *o, const char *k1, const char *k2)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k1);
	if (!cJSON_IsString(v) && k2 != NULL) {
		v = cJSON_GetObjectItemCaseSensitive(o, k2);
	}
	return cJSON_IsString(v) && v->valuestring[0] != '\0' ? v->valuestring : "-";
}

static double cli_jnum(const cJSON *o, const char *k1, const char *k2)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k1);
	if (!cJSON_IsNumber(v) && k2 != NULL) {
		v = cJSON_GetObjectItemCaseSensitive(o, k2);
	}
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void cli_alert_line(struct cli *c, const cJSON *a)
{
	const char *remote = cli_jstr(a, "remote_name", "remote_ip");
	const cJSON *acked = cJSON_GetObjectItemCaseSensitive(a, "acked");
	cli_linef(c, "#%.0f %s %s -> %s:%.0f %s %s %.0f bytes %s%s", cli_jnum(a, "alert_id", "id"),
		  cli_jstr(a, "ts", NULL), cli_jstr(a, "lan_ip", NULL), remote,
		  cli_jnum(a, "remote_port", NULL), cli_jstr(a, "kind", NULL),
		  cli_jstr(a, "video", NULL), cli_jnum(a, "bytes_out", NULL),
		  cli_jstr(a, "action", NULL), cJSON_IsTrue(acked) ? " (acked)" : "");
}

/* The alerts document is an array, or an object holding one under "alerts". */
static void cli_print_alerts(struct cli *c, const char *json)
{
	cJSON *doc = cJSON_Parse(json);
	const cJSON *arr = doc;
	if (cJSON_IsObject(doc)) {
		arr = cJSON_GetObjectItemCaseSensitive(doc, "alerts");
	}
	if (!cJSON_IsArray(arr)) {
		cli_line(c, "error: unreadable alert list");
	} else if (cJSON_GetArraySize(arr) == 0) {
		cli_line(c, "no alerts");
	} else {
		const cJSON *a;
		cJSON_ArrayForEach(a, arr)
		{
			cli_alert_line(c, a);
		}
	}
	cJSON_Delete(doc);
}

/* ---- argument parsing --------------------------------------------------- */

/* Cut the next space-separated word off *p; NULL when none is left. */
static char *cli_word(char **p)
{
	char *s = *p;
	while (*s == ' ') {
		s++;
	}
	if (*s == '\0') {
		*p = s;
		return NULL;
	}
	char *w = s;
	while (*s != '\0' && *s != ' ') {
		s++;
	}
	if (*s == ' ') {
		*s++ = '\0';
	}
	*p = s;
	return w;
}

/* The rest of the line without its surrounding spaces; "" when empty. */
static char *cli_rest(char *p)
{
	while (*p == ' ') {
		p++;
	}
	size_t n = strlen(p);
	while (n > 0 && p[n - 1] == ' ') {
		p[--n] = '\0';
	}
	return p;
}

/* A decimal number in [lo, hi] and nothing else. */
static int cli_uint(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v = 0;
	if (s == NULL || *s == '\0') {
		return -EINVAL;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			return -EINVAL;
		}
		v = v * 10u + (uint64_t)(*s - '0');
		if (v > hi) {
			return -EINVAL;
		}
	}
	if (v < lo) {
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static bool cli_key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > CLI_KEY_MAX) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char ch = k[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
		if (!ok) {
			return false;
		}
	}
	return true;
}

/* ---- commands ----------------------------------------------------------- */

struct cli_cmd {
	const char *name;
	const char *args;
	const char *help;
	void (*run)(struct cli *c, char *args);
};

static void cmd_help(struct cli *c, char *args);

static void cmd_status(struct cli *c, char *args)
{
	if (*cli_rest(args) != '\0') {
		cli_line(c, "error: status takes no arguments");
		return;
	}
	int n = app_status_json(c->app, c->out, CONFIG_CLI_OUT_MAX);
	if (n < 0) {
		cli_result(c, n, NULL, "");
		return;
	}
	cJSON *doc = cJSON_Parse(c->out);
	if (!cJSON_IsObject(doc)) {
		cli_line(c, "error: unreadable status");
	} else {
		const cJSON *v;
		cJSON_ArrayForEach(v, doc)
		{
			cli_json_kv(c, v->string, v);
		}
	}
	cJSON_Delete(doc);
}

static void cmd_alerts(struct cli *c, char *args)
{
	uint32_t n = CONFIG_CLI_ALERTS_DEFAULT;
	char *w = cli_word(&args);
	if ((w != NULL && cli_uint(w, 1, 100, &n) != 0) || cli_word(&args) != NULL) {
		cli_line(c, "error: usage: alerts [N], N from 1 to 100");
		return;
	}
	char filter[32];
	snprintf(filter, sizeof(filter), "limit=%u", n);
	int rc = app_alerts_json(c->app, filter, c->out, CONFIG_CLI_OUT_MAX);
	if (rc < 0) {
		cli_result(c, rc, NULL, "");
		return;
	}
	cli_print_alerts(c, c->out);
}

static void cmd_ack(struct cli *c, char *args)
{
	uint32_t id = 0;
	char *w = cli_word(&args);
	if ((w != NULL && cli_uint(w, 1, UINT32_MAX, &id) != 0) || cli_word(&args) != NULL) {
		cli_line(c, "error: usage: ack [ID]");
		return;
	}
	int rc = app_ack(c->app, id);
	if (rc == -ENOENT && id == 0) {
		/* Nothing to acknowledge is what the user wanted, not a failure. */
		cli_line(c, "ok: no alerts to acknowledge");
	} else if (rc == -ENOENT) {
		cli_linef(c, "error: no alert %u", id);
	} else if (id == 0) {
		cli_result(c, rc, NULL, "ok: all alerts acknowledged");
	} else {
		cli_result(c, rc, NULL, "ok: alert acknowledged");
	}
}

/* config set takes JSON text; a bare word (block, office.example) is taken as a string. */
static char *cli_json_value(const char *text)
{
	cJSON *v = cJSON_Parse(text);
	if (v == NULL) {
		v = cJSON_CreateString(text);
	}
	char *s = v != NULL ? cJSON_PrintUnformatted(v) : NULL;
	cJSON_Delete(v);
	return s;
}

static void cmd_config_set(struct cli *c, const char *key, char *args)
{
	const char *value = cli_rest(args);
	if (value[0] == '\0') {
		cli_line(c, "error: usage: config set KEY VALUE");
		return;
	}
	char *json = cli_json_value(value);
	if (json == NULL) {
		cli_line(c, "error: out of memory");
		return;
	}
	char msg[CLI_MSG_MAX] = "";
	int rc = app_config_set(c->app, key, json, msg, sizeof(msg));
	cJSON_free(json);
	if (rc == -EIO) {
		cli_linef(c, "warning: %s applied but not saved%s%s", key, msg[0] ? ": " : "", msg);
		return;
	}
	cli_result(c, rc, msg, "ok");
}

static void cmd_config(struct cli *c, char *args)
{
	char *op = cli_word(&args);
	char *key = cli_word(&args);
	bool get = op != NULL && strcmp(op, "get") == 0;
	bool set = op != NULL && strcmp(op, "set") == 0;
	if ((!get && !set) || key == NULL) {
		cli_line(c, "error: usage: config get KEY | config set KEY VALUE");
		return;
	}
	if (!cli_key_ok(key)) {
		cli_line(c, "error: bad key (letters, digits, '_', '-' and '.' only)");
		return;
	}
	if (set) {
		cmd_config_set(c, key, args);
		return;
	}
	if (cli_word(&args) != NULL) {
		cli_line(c, "error: usage: config get KEY");
		return;
	}
	int rc = app_config_get(c->app, key, c->out, CONFIG_CLI_OUT_MAX);
	if (rc < 0) {
		cli_linef(c, "error: %s: %s", key,
			  (rc == -ENOENT || rc == -EINVAL) ? "no such key" : cli_errstr(rc));
		return;
	}
	cli_text(c, key);
	cli_puts(c, " = ");
	cli_line(c, c->out);
}

static void cmd_allow(struct cli *c, char *args)
{
	char *op = cli_word(&args);
	char *name = cli_word(&args);
	bool add = op != NULL && strcmp(op, "add") == 0;
	bool del = op != NULL && strcmp(op, "del") == 0;
	if ((!add && !del) || name == NULL || cli_word(&args) != NULL) {
		cli_line(c, "error: usage: allow add|del NAME (CIDR, host name or *.domain)");
		return;
	}
	char msg[CLI_MSG_MAX] = "";
	int rc = app_allow(c->app, name, add, msg, sizeof(msg));
	if (rc == -EEXIST) {
		cli_linef(c, "error: %s is already allowed", name);
	} else if (rc == -ENOENT) {
		cli_linef(c, "error: %s is not in the allow list", name);
	} else {
		cli_result(c, rc, msg, add ? "ok: added" : "ok: removed");
	}
}

static void cmd_passwd_reset(struct cli *c, char *args)
{
	if (*cli_rest(args) != '\0') {
		cli_line(c, "error: passwd-reset takes no arguments");
		return;
	}
	cli_result(c, app_password_reset(c->app), NULL, "ok: password reset");
}

static void cmd_reboot(struct cli *c, char *args)
{
	if (*cli_rest(args) != '\0') {
		cli_line(c, "error: reboot takes no arguments");
		return;
	}
	cli_line(c, "rebooting");
	app_reboot(c->app);
}

static void cmd_factory_reset(struct cli *c, char *args)
{
	if (*cli_rest(args) != '\0') {
		cli_line(c, "error: factory-reset takes no arguments");
		return;
	}
	cli_line(c, "factory reset forgets the configuration, password, TLS key and alerts.");
	c->confirm = true;
}

/* The answer to "type yes to confirm". Anything but exactly "yes" cancels. */
static void cli_confirm(struct cli *c, char *line)
{
	c->confirm = false;
	if (strcmp(cli_rest(line), "yes") != 0) {
		cli_line(c, "factory reset cancelled");
		return;
	}
	cli_line(c, "factory reset: erasing, then rebooting");
	cli_result(c, app_factory_reset(c->app), NULL, "ok");
}

static const struct cli_cmd cli_cmds[] = {
	{"help", "", "this list", cmd_help},
	{"status", "", "ports, mode, counters", cmd_status},
	{"alerts", "[N]", "the N newest alerts (default " CLI_STR(CONFIG_CLI_ALERTS_DEFAULT) ")",
	 cmd_alerts},
	{"ack", "[ID]", "acknowledge one alert, or all", cmd_ack},
	{"config", "get KEY | set KEY VALUE", "read or change one setting", cmd_config},
	{"allow", "add|del NAME", "allow list: CIDR, host name or *.domain", cmd_allow},
	{"passwd-reset", "", "new one-time web password", cmd_passwd_reset},
	{"reboot", "", "restart the firmware", cmd_reboot},
	{"factory-reset", "", "erase everything (asks to confirm)", cmd_factory_reset},
};

#define CLI_NCMDS (sizeof(cli_cmds) / sizeof(cli_cmds[0]))

static void cmd_help(struct cli *c, char *args)
{
	(void)args;
	for (size_t i = 0; i < CLI_NCMDS; i++) {
		char left[48];
		snprintf(left, sizeof(left), "%s %s", cli_cmds[i].name, cli_cmds[i].args);
		cli_linef(c, "  %-34s %s", left, cli_cmds[i].help);
	}
}

static void cli_exec(struct cli *c, char *line)
{
	if (c->confirm) {
		cli_confirm(c, line);
		return;
	}
	char *p = line;
	char *name = cli_word(&p);
	if (name == NULL) {
		return;
	}
	for (size_t i = 0; i < CLI_NCMDS; i++) {
		if (strcmp(name, cli_cmds[i].name) == 0) {
			cli_cmds[i].run(c, p);
			return;
		}
	}
	cli_linef(c, "error: unknown command '%.32s' (try help)", name);
}

/* ---- line editor -------------------------------------------------------- */

static void cli_end_line(struct cli *c)
{
	cli_puts(c, "\r\n");
	if (c->overflow) {
		cli_linef(c, "error: line too long (max %d characters)", CONFIG_CLI_LINE_MAX);
	} else if (c->garbage) {
		cli_line(c, "error: invalid bytes in line (printable ASCII only)");
	} else {
		c->line[c->len] = '\0';
		c->busy = true;
		cli_exec(c, c->line);
		c->busy = false;
	}
	/* A spoiled answer is no "yes": a destructive question must not stay open. */
	if ((c->overflow || c->garbage) && c->confirm) {
		c->confirm = false;
		cli_line(c, "factory reset cancelled");
	}
	cli_reset_line(c);
	cli_prompt(c);
}

/* Inside an escape sequence: swallow it, bounded, whatever it holds. */
static void cli_esc_byte(struct cli *c, uint8_t b)
{
	switch (c->esc) {
	case CLI_ESC_START:
		c->esc = b == '[' ? CLI_ESC_CSI : (b == 'O' ? CLI_ESC_SS3 : CLI_ESC_NONE);
		c->esc_n = 0;
		break;
	case CLI_ESC_CSI:
		/* Final bytes are 0x40..0x7e; parameters and intermediates 0x20..0x3f. */
		if (b >= 0x40 && b <= 0x7e) {
			c->esc = CLI_ESC_NONE;
		} else if (b > 0x7e || ++c->esc_n > CLI_CSI_MAX) {
			c->esc = CLI_ESC_NONE;
			c->garbage = true;
		}
		break;
	default:
		c->esc = CLI_ESC_NONE;
		break;
	}
}

static void cli_erase(struct cli *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cli_puts(c, "\b \b");
	}
}

static void cli_printable(struct cli *c, uint8_t b)
{
	if (c->overflow) {
		return;
	}
	if (c->len >= CONFIG_CLI_LINE_MAX) {
		c->overflow = true;
		return;
	}
	c->line[c->len++] = (char)b;
	if (!c->garbage) {
		cli_write(c, (const char *)&b, 1);
	}
}

static void cli_byte(struct cli *c, uint8_t b)
{
	bool after_cr = c->last_cr;
	c->last_cr = b == '\r';
	if (c->esc != CLI_ESC_NONE) {
		/*
		 * A control byte cannot be part of a sequence: the sequence was cut
		 * (a lone ESC press), so drop it and let Enter or Ctrl-C work.
		 */
		if (b >= 0x20 && b != 0x7f) {
			cli_esc_byte(c, b);
			return;
		}
		c->esc = CLI_ESC_NONE;
	}
	switch (b) {
	case '\n':
		if (!after_cr) {
			cli_end_line(c);
		}
		return;
	case '\r':
		cli_end_line(c);
		return;
	case 0x1b:
		c->esc = CLI_ESC_START;
		return;
	case 0x08:
	case 0x7f:
		if (c->len > 0 && !c->overflow) {
			c->len--;
			cli_erase(c, 1);
		}
		return;
	case 0x15: /* Ctrl-U */
		cli_erase(c, c->overflow ? 0 : c->len);
		cli_reset_line(c);
		return;
	case 0x03: /* Ctrl-C */
		if (c->len == 0 && !c->overflow && !c->garbage && !c->confirm &&
		    c->interrupt != NULL) {
			cli_puts(c, "^C\r\n");
			c->interrupt(c->interrupt_ctx);
			return;
		}
		cli_puts(c, "^C\r\n");
		cli_reset_line(c);
		if (c->confirm) {
			c->confirm = false;
			cli_line(c, "factory reset cancelled");
		}
		cli_prompt(c);
		return;
	case '\t':
		b = ' ';
		break;
	default:
		break;
	}
	if (b >= 0x20 && b <= 0x7e) {
		cli_printable(c, b);
	} else {
		c->garbage = true;
	}
}

int cli_input(struct cli *c, const uint8_t *buf, size_t len)
{
	if (c == NULL || (buf == NULL && len != 0)) {
		return -EINVAL;
	}
	c->werr = 0;
	for (size_t i = 0; i < len; i++) {
		cli_byte(c, buf[i]);
	}
	return c->werr;
}

int cli_poll(struct cli *c)
{
	uint8_t buf[256];
	if (c == NULL) {
		return -EINVAL;
	}
	int n = uart_read(c->uart, buf, sizeof(buf));
	if (n <= 0) {
		return n;
	}
	int rc = cli_input(c, buf, (size_t)n);
	return rc != 0 ? rc : n;
}

/* ---- banner, status, asynchronous lines --------------------------------- */

static const char *cli_or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

void cli_banner(struct cli *c, const struct cli_banner *b)
{
	if (c == NULL || b == NULL) {
		return;
	}
	c->werr = 0;
	cli_line(c, "");
	cli_linef(c, "leaktap %s on %s", cli_or_dash(b->version), cli_or_dash(b->board));
	cli_linef(c, "ports:      %s", cli_or_dash(b->ports));
	cli_linef(c, "management: %s", cli_or_dash(b->mgmt_ip));
	if (b->password != NULL && b->password[0] != '\0') {
		cli_linef(c, "first-boot password: %s (change it on the web page)", b->password);
	}
	cli_line(c, "type help for commands");
	cli_prompt(c);
}

void cli_print(void *cli, const char *line)
{
	struct cli *c = cli;
	if (c == NULL || line == NULL) {
		return;
	}
	if (c->busy) {
		/* Printed by the running command itself: its prompt comes after it. */
		cli_line(c, line);
		return;
	}
	/* Take the half-typed line off the screen, print, then give it back. */
	cli_puts(c, "\r\x1b[K");
	cli_line(c, line);
	cli_prompt(c);
	if (!c->garbage && !c->overflow) {
		cli_write(c, c->line, c->len);
	}
}

void cli_status(struct cli *c, const char *line)
{
	if (c == NULL || line == NULL || strncmp(c->status, line, sizeof(c->status) - 1) == 0) {
		return;
	}
	snprintf(c->status, sizeof(c->status), "%s", line);
	cli_print(c, line);
}
