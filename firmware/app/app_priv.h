/*
 * Private state of the app facade, shared by app.c (configuration,
 * status, system actions) and app_alerts.c (alerts, exports,
 * destinations).
 */
#ifndef LEAKTAP_APP_PRIV_H
#define LEAKTAP_APP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "autoconf.h"

#include <cjson/cJSON.h>

#define APP_TP_SAMPLES  60     /* one hour of minutes */
#define APP_TP_PERIOD   60000u /* ms per throughput sample */
#define APP_IP_TEXT_MAX 46

struct app {
	/*
	 * Two configuration buffers: the engine and mgmt borrow the current
	 * one, so a new configuration is built in the spare and the pointers
	 * swap; the old one is only reused by the put after next.
	 */
	struct cfg *cur;
	struct cfg *spare;
	struct eng *eng;
	struct loop *loop;
	struct mgmt *mgmt;
	struct alog *alog;
	struct auth *auth;
	struct stor *stor;
	const char *version;
	const char *board;
	struct app_hooks hooks;
	uint64_t start_ms;

	/* Throughput: bytes per minute, tp[(tp_head + i) % N], i = 0 the oldest. */
	uint64_t tp_in[APP_TP_SAMPLES];
	uint64_t tp_out[APP_TP_SAMPLES];
	size_t tp_head, tp_n;
	bool tp_base;
	uint64_t tp_last_ms, tp_last_in, tp_last_out;

	/* Rejected destinations, a small ring of address texts. */
	char rej[CONFIG_APP_MAX_REJECT][APP_IP_TEXT_MAX];
	size_t rej_n, rej_head;
};

/* A string member of o, or "" (never NULL). */
const char *app_jstr(const cJSON *o, const char *key);

/* Print j into buf (cap bytes): length, or -ENOSPC. Deletes j. */
int app_jprint(cJSON *j, char *buf, size_t cap);

/* True when a remote (address text, name or NULL) is covered by the allow list of c. */
bool app_allowed(const struct cfg *c, const char *ip, const char *name);

/* ASCII case-insensitive equality of n bytes (names are ASCII; no locale, no OS header). */
bool app_ci_eqn(const char *a, const char *b, size_t n);

/* One line to the console through hooks.log, when there is one. */
void app_log(const struct app *a, const char *line);

/* Apply the configuration built in a->spare live and persist it: 0 or -EIO. */
int app_commit(struct app *a);

/* Split a cfg error line into its field (dotted key, no index) and the message. */
void app_split_err(const char *err, char *field, size_t fcap, char *msg, size_t mcap);

#endif /* LEAKTAP_APP_PRIV_H */
