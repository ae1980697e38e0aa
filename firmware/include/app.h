/*
 * app: the narrow interface between the management faces (web API,
 * console CLI) and the packet path. The faces never reach into the engine,
 * flow table or policy: they read status and alerts, and replace the
 * configuration as one validated unit, through these calls.
 *
 * The app owns the current configuration (a copy), applies a new one live
 * to the engine and the management stack, and persists it ("config.json").
 * All calls run in the one loop.
 */
#ifndef LEAKTAP_APP_H
#define LEAKTAP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alog.h"
#include "auth.h"
#include "cfg.h"
#include "eng.h"
#include "stor.h"

struct app;
struct mgmt;
struct loop;

/* Optional hooks the board's main provides (NULL: not available). */
struct app_hooks {
	void *ctx;
	/* Write the LEDs' current states as a JSON object into buf; length or negative errno. */
	int (*leds_json)(void *ctx, char *buf, size_t cap);
	/* Restart the firmware (after the answer is sent). */
	void (*reboot)(void *ctx);
	/* A line for the console ("config: threshold_mb changed to 20"). */
	void (*log)(void *ctx, const char *line);
};

struct app_params {
	const struct cfg *cfg; /* initial configuration, copied */
	struct eng *eng;
	struct loop *loop; /* port counters; NULL in tests */
	struct mgmt *mgmt; /* NULL: no management stack */
	struct alog *alog;
	struct auth *auth;
	struct stor *stor; /* NULL: configuration changes are not persisted */
	const char *version;
	const char *board;
	struct app_hooks hooks;
};

/*
 * From app_create() on, the engine and mgmt read the app's own copy of the
 * configuration (it calls eng_set_cfg/mgmt_set_cfg), so p->cfg may go
 * away; destroy the engine and mgmt before the app. NULL when out of
 * memory or cfg/eng missing.
 */
struct app *app_create(const struct app_params *p);
void app_destroy(struct app *a);

/*
 * Attach the management stack once it exists (it is created after the app,
 * because its web server answers through the app). NULL detaches.
 */
void app_set_mgmt(struct app *a, struct mgmt *m);

/* The configuration in force. */
const struct cfg *app_cfg(const struct app *a);

/* Once per loop pass: samples throughput for the one-hour graph, expires things. */
void app_tick(struct app *a, uint64_t now_ms);

/*
 * JSON documents of the faces (docs/api.md). Each returns the length
 * written (NUL-terminated) or -ENOSPC.
 */
int app_status_json(struct app *a, char *buf, size_t cap);
/* Alerts newest first; filter is the API's query string ("lan=..&kind=..&acked=0&limit=50"), may be
 * "". */
int app_alerts_json(struct app *a, const char *filter, char *buf, size_t cap);
int app_config_json(const struct app *a, char *buf, size_t cap);
int app_destinations_json(struct app *a, char *buf, size_t cap);

/*
 * Replace the whole configuration with a JSON document: validated fully,
 * then applied live and persisted. 0; -EINVAL with the offending key in
 * field (e.g. "threshold_mb") and one line in msg; -EIO when it applied
 * but could not be persisted.
 */
int app_config_put(struct app *a, const char *json, size_t len, char *field, size_t fcap, char *msg,
		   size_t mcap);

/* One key by its dotted name ("threshold_mb", "mgmt.hostname"); value as JSON text. Same rules. */
int app_config_get(const struct app *a, const char *key, char *buf, size_t cap);
int app_config_set(struct app *a, const char *key, const char *value, char *msg, size_t mcap);

/* Add or remove one allow entry (CIDR, name, *.suffix). 0, -EINVAL (msg), -EEXIST, -ENOENT. */
int app_allow(struct app *a, const char *entry, bool add, char *msg, size_t mcap);

/* Acknowledge one alert or all (id 0). */
int app_ack(struct app *a, uint32_t id);

/*
 * The alert list with its filter (see app_alerts_json) as JSON (csv false)
 * or as the CSV export (csv true). Length written, -ENOSPC, or -EINVAL for
 * a bad filter value: field (fcap bytes) names the parameter and buf
 * holds a one-line message.
 */
int app_alerts(struct app *a, const char *filter, bool csv, char *buf, size_t cap, char *field,
	       size_t fcap);

/*
 * Every bad key of a configuration document as one JSON object
 * {"threshold_mb": "must be ...", "mgmt.address": "..."} (each key checked
 * on its own over the defaults), for the page to mark all fields at once.
 * Length written or -ENOSPC.
 */
int app_config_errors(const char *json, size_t len, char *buf, size_t cap);

/* Allow the remote of an alert (its name when known, else its address); entry receives it. */
int app_allow_alert(struct app *a, uint32_t alert_id, char *entry, size_t ecap, char *msg,
		    size_t mcap);

/* Hide a destination (an IP address) from app_destinations_json until reboot. 0 or -EINVAL. */
int app_reject(struct app *a, const char *remote_ip);

/* The system document of GET /api/system (version, board, build options). */
int app_system_json(const struct app *a, char *buf, size_t cap);

/* True when the board can reboot (hooks.reboot set). */
bool app_can_reboot(const struct app *a);

/* Console: reset the password; prints the new one-time password through hooks.log. */
int app_password_reset(struct app *a);

/* Factory reset: forget config, credentials, TLS key, alerts; then reboot. */
int app_factory_reset(struct app *a);
void app_reboot(struct app *a);

#endif /* LEAKTAP_APP_H */
