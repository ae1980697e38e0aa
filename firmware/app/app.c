/*
 * app: the facade between the management faces (API, console) and the
 * packet path: the configuration in force (validated, applied live,
 * persisted), the status document, and the system actions.
 *
 * Not packet-path code: documents are built with cJSON (which escapes every
 * string), and may allocate. The management stack lives in a separate
 * library (libmgmt.a) that an image without it does not link, so the two
 */
#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_priv.h"
#include "brd.h"
#include "fmt.h"
#include "loop.h"
#include "mgmt.h"

#define APP_CFG_TEXT_MAX (64u * 1024u)
#define APP_TOP_FLOWS    10 /* live flows listed on the status page */

const char *app_jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

int app_jprint(cJSON *j, char *buf, size_t cap)
{
	int ok;

	if (j == NULL || cap > (size_t)INT32_MAX) {
		cJSON_Delete(j);
		return -ENOMEM;
	}
	/* cJSON asks for a few spare bytes beyond the text to be safe. */
	ok = cap > 5 && cJSON_PrintPreallocated(j, buf, (int)cap - 5, 0);
	cJSON_Delete(j);
	return ok ? (int)strlen(buf) : -ENOSPC;
}

void app_log(const struct app *a, const char *line)
{
	if (a->hooks.log != NULL) {
		a->hooks.log(a->hooks.ctx, line);
	}
}

struct app *app_create(const struct app_params *p)
{
	struct app *a = calloc(1, sizeof(*a));

	if (a == NULL || p->cfg == NULL || p->eng == NULL) {
		free(a);
		return NULL;
	}
	a->cur = malloc(sizeof(*a->cur));
	a->spare = malloc(sizeof(*a->spare));
	if (a->cur == NULL || a->spare == NULL) {
		app_destroy(a);
		return NULL;
	}
	memcpy(a->cur, p->cfg, sizeof(*a->cur));
	a->eng = p->eng;
	a->loop = p->loop;
	a->mgmt = p->mgmt;
	a->alog = p->alog;
	a->auth = p->auth;
	a->stor = p->stor;
	a->version = p->version != NULL ? p->version : "unknown";
	a->board = p->board != NULL ? p->board : "unknown";
	a->hooks = p->hooks;
	a->start_ms = brd_now_ms();
	/* From here on the engine reads the app's copy, whatever happens to p->cfg. */
	eng_set_cfg(a->eng, a->cur);
	if (a->mgmt != NULL) {
		mgmt_set_cfg(a->mgmt, a->cur);
	}
	return a;
}

void app_set_mgmt(struct app *a, struct mgmt *m)
{
	a->mgmt = m;
	if (m != NULL) {
		mgmt_set_cfg(m, a->cur);
	}
}

void app_destroy(struct app *a)
{
	if (a != NULL) {
		free(a->cur);
		free(a->spare);
		free(a);
	}
}

const struct cfg *app_cfg(const struct app *a)
{
	return a->cur;
}

bool app_can_reboot(const struct app *a)
{
	return a->hooks.reboot != NULL;
}

/* ---- throughput ------------------------------------------------------------------ */

static void port_bytes(struct port *p, uint64_t *rx)
{
	struct port_stats st;

	if (p != NULL && port_stats(p, &st) == 0) {
		*rx = st.rx_bytes;
	}
}

void app_tick(struct app *a, uint64_t now_ms)
{
	uint64_t in = a->tp_last_in, out = a->tp_last_out;

	if (a->loop == NULL) {
		return;
	}
	if (a->tp_base && now_ms - a->tp_last_ms < APP_TP_PERIOD) {
		return;
	}
	port_bytes(a->loop->wan, &in);
	port_bytes(a->loop->lan, &out);
	if (a->tp_base) {
		size_t i = (a->tp_head + a->tp_n) % APP_TP_SAMPLES;
		/* A counter that went backwards (port reopened) restarts from zero. */
		a->tp_in[i] = in >= a->tp_last_in ? in - a->tp_last_in : in;
		a->tp_out[i] = out >= a->tp_last_out ? out - a->tp_last_out : out;
		if (a->tp_n < APP_TP_SAMPLES) {
			a->tp_n++;
		} else {
			a->tp_head = (a->tp_head + 1) % APP_TP_SAMPLES;
		}
	}
	a->tp_base = true;
	a->tp_last_ms = now_ms;
	a->tp_last_in = in;
	a->tp_last_out = out;
}

/* ---- status ---------------------------------------------------------------------- */

static cJSON *port_json(struct port *p)
{
	struct port_stats st;
	cJSON *o;

	if (p == NULL) {
		return cJSON_CreateNull();
	}
	memset(&st, 0, sizeof(st));
	o = cJSON_CreateObject();
	bool counted = p->is_open && port_stats(p, &st) == 0;
	int link = p->is_open ? port_link(p) : 0;
	/* The carrier when the driver can tell; else "open and counting". */
	cJSON_AddBoolToObject(o, "link", link >= 0 ? link == 1 : counted);
	cJSON_AddNullToObject(o, "speed_mbps");
	cJSON_AddNumberToObject(o, "rx_frames", (double)st.rx_frames);
	cJSON_AddNumberToObject(o, "rx_bytes", (double)st.rx_bytes);
	cJSON_AddNumberToObject(o, "tx_frames", (double)st.tx_frames);
	cJSON_AddNumberToObject(o, "tx_bytes", (double)st.tx_bytes);
	cJSON_AddNumberToObject(o, "tx_errors", (double)st.tx_errors);
	cJSON_AddNumberToObject(o, "drops", (double)st.drops);
	return o;
}

static void add_ports(const struct app *a, cJSON *j)
{
	cJSON *ports, *fwd;

	if (a->loop == NULL) {
		cJSON_AddNullToObject(j, "ports");
		cJSON_AddNullToObject(j, "forward");
		return;
	}
	ports = cJSON_AddObjectToObject(j, "ports");
	cJSON_AddItemToObject(ports, "lan", port_json(a->loop->lan));
	cJSON_AddItemToObject(ports, "wan", port_json(a->loop->wan));
	fwd = cJSON_AddObjectToObject(j, "forward");
	cJSON_AddNumberToObject(fwd, "frames", (double)a->loop->fwd_frames);
	cJSON_AddNumberToObject(fwd, "errors", (double)a->loop->fwd_errors);
	cJSON_AddNumberToObject(fwd, "dropped", (double)a->loop->dropped);
	cJSON_AddNumberToObject(fwd, "injected", (double)a->loop->injected);
}

static void add_engine(const struct app *a, cJSON *j)
{
	struct eng_counters c;
	struct flow_stats f;
	cJSON *e = cJSON_AddObjectToObject(j, "engine");
	cJSON *fl = cJSON_AddObjectToObject(j, "flows");

	eng_get_counters(a->eng, &c);
	cJSON_AddNumberToObject(e, "frames", (double)c.frames);
	cJSON_AddNumberToObject(e, "bytes", (double)c.bytes);
	cJSON_AddNumberToObject(e, "ip", (double)c.ip);
	cJSON_AddNumberToObject(e, "non_ip", (double)c.non_ip);
	cJSON_AddNumberToObject(e, "fragments", (double)c.fragments);
	cJSON_AddNumberToObject(e, "malformed", (double)c.malformed);
	cJSON_AddNumberToObject(e, "unflowed", (double)c.unflowed);
	cJSON_AddNumberToObject(e, "blocked", (double)c.blocked);
	cJSON_AddNumberToObject(e, "resets", (double)c.resets);
	cJSON_AddNumberToObject(e, "shed", (double)c.shed);
	eng_get_flow_stats(a->eng, &f);
	cJSON_AddNumberToObject(fl, "active", f.active);
	cJSON_AddNumberToObject(fl, "peak", f.peak);
	cJSON_AddNumberToObject(fl, "hosts", f.hosts);
	cJSON_AddNumberToObject(fl, "created", (double)f.created);
	cJSON_AddNumberToObject(fl, "expired", (double)f.expired);
	cJSON_AddNumberToObject(fl, "evicted", (double)f.evicted);
	cJSON_AddNumberToObject(fl, "refused", (double)f.refused);
	/* The largest live flows, as the engine's flow records (APP_TOP_FLOWS of them). */
	char *top = malloc(APP_TOP_FLOWS * 1024u + 2u);
	cJSON *arr = NULL;
	if (top != NULL &&
	    eng_flows_json(a->eng, APP_TOP_FLOWS, top, APP_TOP_FLOWS * 1024u + 2u) > 0) {
		arr = cJSON_Parse(top);
	}
	free(top);
	cJSON_AddItemToObject(fl, "top", arr != NULL ? arr : cJSON_CreateArray());
}

static void add_throughput(const struct app *a, cJSON *j)
{
	cJSON *t = cJSON_AddObjectToObject(j, "throughput");
	cJSON *in = cJSON_AddArrayToObject(t, "in");
	cJSON *out = cJSON_AddArrayToObject(t, "out");

	cJSON_AddNumberToObject(t, "interval_s", APP_TP_PERIOD / 1000u);
	for (size_t i = 0; i < a->tp_n; i++) {
		size_t k = (a->tp_head + i) % APP_TP_SAMPLES;
		cJSON_AddItemToArray(in, cJSON_CreateNumber((double)a->tp_in[k]));
		cJSON_AddItemToArray(out, cJSON_CreateNumber((double)a->tp_out[k]));
	}
}

/* Block alerts whose quarantine has not run out (the policy keeps no list to read). */
static void add_quarantines(const struct app *a, cJSON *j)
{
	cJSON *q = cJSON_AddArrayToObject(j, "quarantines");
	uint64_t now_us = brd_wall_us();
	uint64_t len_us = (uint64_t)a->cur->quarantine_s * 1000000u;
	const struct alog_entry *e;

	for (size_t i = 0; a->alog != NULL && (e = alog_get(a->alog, i)) != NULL; i++) {
		if (!e->block || e->ts_us == 0 || e->ts_us + len_us <= now_us) {
			continue;
		}
		cJSON *l = cJSON_ParseWithLength(e->line, e->len);
		cJSON *o = cJSON_CreateObject();
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(l, "remote_name");
		cJSON_AddNumberToObject(o, "alert_id", e->id);
		cJSON_AddStringToObject(o, "lan_ip", app_jstr(l, "lan_ip"));
		cJSON_AddStringToObject(o, "remote_ip", app_jstr(l, "remote_ip"));
		if (cJSON_IsString(name)) {
			cJSON_AddStringToObject(o, "remote_name", name->valuestring);
		} else {
			cJSON_AddNullToObject(o, "remote_name");
		}
		cJSON_AddNumberToObject(
			o, "remaining_s",
			(double)((e->ts_us + len_us - now_us + 999999u) / 1000000u));
		cJSON_AddItemToArray(q, o);
		cJSON_Delete(l);
	}
}

static void add_mgmt(const struct app *a, cJSON *j)
{
	struct mgmt_status st;
	char txt[64];
	cJSON *m;

	if (a->mgmt == NULL) {
		cJSON_AddNullToObject(j, "mgmt");
		return;
	}
	memset(&st, 0, sizeof(st));
	mgmt_get_status(a->mgmt, &st);
	m = cJSON_AddObjectToObject(j, "mgmt");
	if (st.has_addr) {
		fmt_addr(4, st.addr, txt, sizeof(txt));
		snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt), "/%u", st.prefix);
		cJSON_AddStringToObject(m, "address", txt);
		static const uint8_t none[4];
		fmt_addr(4, st.gateway, txt, sizeof(txt));
		if (memcmp(st.gateway, none, 4) != 0) {
			cJSON_AddStringToObject(m, "gateway", txt);
		} else {
			cJSON_AddNullToObject(m,
					      "gateway"); /* a static address without a gateway */
		}
	} else {
		cJSON_AddNullToObject(m, "address");
		cJSON_AddNullToObject(m, "gateway");
	}
	cJSON_AddBoolToObject(m, "dhcp", st.from_dhcp);
	cJSON_AddStringToObject(m, "hostname", st.hostname);
	snprintf(txt, sizeof(txt), "%02x:%02x:%02x:%02x:%02x:%02x", st.mac[0], st.mac[1], st.mac[2],
		 st.mac[3], st.mac[4], st.mac[5]);
	cJSON_AddStringToObject(m, "mac", txt);
	cJSON_AddBoolToObject(m, "time_synced", st.time_synced);
}

static void add_leds(const struct app *a, cJSON *j)
{
	char buf[512];
	cJSON *l = NULL;

	if (a->hooks.leds_json != NULL) {
		int n = a->hooks.leds_json(a->hooks.ctx, buf, sizeof(buf));
		if (n > 0 && (size_t)n < sizeof(buf)) {
			l = cJSON_ParseWithLength(buf, (size_t)n);
		}
	}
	if (!cJSON_IsObject(l)) {
		cJSON_Delete(l);
		l = cJSON_CreateNull();
	}
	cJSON_AddItemToObject(j, "leds", l);
}

int app_status_json(struct app *a, char *buf, size_t cap)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *al;
	struct alog_stats as;
	struct auth_stats us;

	cJSON_AddStringToObject(j, "version", a->version);
	cJSON_AddStringToObject(j, "board", a->board);
	cJSON_AddNumberToObject(j, "uptime_s", (double)((brd_now_ms() - a->start_ms) / 1000u));
	add_ports(a, j);
	add_engine(a, j);
	add_throughput(a, j);
	add_quarantines(a, j);
	al = cJSON_AddObjectToObject(j, "alerts");
	memset(&as, 0, sizeof(as));
	if (a->alog != NULL) {
		alog_get_stats(a->alog, &as);
	}
	cJSON_AddNumberToObject(al, "total", (double)as.entries);
	cJSON_AddNumberToObject(al, "unacked", (double)as.unacked);
	add_leds(a, j);
	add_mgmt(a, j);
	cJSON_AddStringToObject(j, "mode", cfg_mode_name(a->cur->mode));
	memset(&us, 0, sizeof(us));
	if (a->auth != NULL) {
		auth_get_stats(a->auth, &us);
	}
	cJSON_AddNumberToObject(j, "sessions", us.sessions);
	return app_jprint(j, buf, cap);
}

int app_system_json(const struct app *a, char *buf, size_t cap)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *b;

	cJSON_AddStringToObject(j, "version", a->version);
	cJSON_AddStringToObject(j, "board", a->board);
	b = cJSON_AddObjectToObject(j, "build");
	cJSON_AddNumberToObject(b, "max_flows", CONFIG_MAX_FLOWS);
	cJSON_AddNumberToObject(b, "cfg_max_allow", CONFIG_CFG_MAX_ALLOW);
	cJSON_AddNumberToObject(b, "cfg_max_nets", CONFIG_CFG_MAX_NETS);
	cJSON_AddNumberToObject(b, "alog_ring", CONFIG_ALOG_RING);
	cJSON_AddNumberToObject(b, "alog_max_kb", CONFIG_ALOG_MAX_KB);
	cJSON_AddNumberToObject(b, "auth_pbkdf2_iter", CONFIG_AUTH_PBKDF2_ITER);
	cJSON_AddNumberToObject(b, "auth_sessions", CONFIG_AUTH_SESSIONS);
	cJSON_AddNumberToObject(b, "auth_idle_s", CONFIG_AUTH_IDLE_S);
#ifdef CONFIG_NDPI
	cJSON_AddBoolToObject(b, "ndpi", true);
#else
	cJSON_AddBoolToObject(b, "ndpi", false);
#endif
	return app_jprint(j, buf, cap);
}

/* ---- configuration ------------------------------------------------------------- */

int app_config_json(const struct app *a, char *buf, size_t cap)
{
	int n = cfg_format(a->cur, buf, cap);

	return n < 0 ? -ENOSPC : n;
}

/*
 * Split cfg's error line "allow[3]: message" into field ("allow": the
 * dotted key, without an array index, so the page can find the input) and
 * msg (the whole line). A line that names no key ("invalid JSON at ...")
 * gives field "".
 */
void app_split_err(const char *err, char *field, size_t fcap, char *msg, size_t mcap)
{
	const char *colon = strstr(err, ": ");
	size_t k = colon != NULL ? (size_t)(colon - err) : 0;
	size_t key = strspn(err, "abcdefghijklmnopqrstuvwxyz_.");

	/* Only a key path, optionally followed by one [index], counts as a field. */
	if (colon == NULL || key == 0 || key > k) {
		key = 0;
	} else if (key != k && (err[key] != '[' || err[k - 1] != ']')) {
		key = 0;
	}
	if (field != NULL && fcap > 0) {
		snprintf(field, fcap, "%.*s", (int)(key < fcap ? key : fcap - 1), err);
	}
	if (msg != NULL && mcap > 0) {
		snprintf(msg, mcap, "%s", err);
	}
}

/* Apply c (already valid, in a->spare) live, then persist it. */
int app_commit(struct app *a)
{
	struct cfg *old = a->cur;
	char *text;
	int n, rc = 0;

	a->cur = a->spare;
	a->spare = old;
	eng_set_cfg(a->eng, a->cur);
	if (a->mgmt != NULL) {
		mgmt_set_cfg(a->mgmt, a->cur);
	}
	app_log(a, "config: new configuration applied");
	if (a->stor == NULL) {
		return 0;
	}
	text = malloc(APP_CFG_TEXT_MAX);
	if (text == NULL) {
		return -EIO;
	}
	n = cfg_format(a->cur, text, APP_CFG_TEXT_MAX);
	if (n < 0 || stor_write(a->stor, "config.json", (const uint8_t *)text, (size_t)n) != 0) {
		app_log(a, "config: applied but could not be saved");
		rc = -EIO;
	}
	free(text);
	return rc;
}

int app_config_put(struct app *a, const char *json, size_t len, char *field, size_t fcap, char *msg,
		   size_t mcap)
{
	char err[CFG_ERR_MAX];
	int rc;

	if (field != NULL && fcap > 0) {
		field[0] = '\0';
	}
	if (msg != NULL && mcap > 0) {
		msg[0] = '\0';
	}
	rc = cfg_parse(json, len, a->spare, err, sizeof(err));
	if (rc != 0) {
		app_split_err(err, field, fcap, msg, mcap);
		return rc == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	rc = app_commit(a);
	if (rc != 0 && msg != NULL) {
		snprintf(msg, mcap, "applied but could not be saved");
	}
	return rc;
}
