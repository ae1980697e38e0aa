/*
 * app: edits of the configuration smaller than a whole document (one key,
 * one allow entry), per-key validation for the page, and the system
 * actions (password reset, factory reset, reboot).
 *
 * Every edit ends in the same place as a whole-document put: a complete
 * struct cfg, valid by construction or by cfg_parse, applied by
 * app_commit(). Nothing here bypasses cfg's validation.
 */
#include "app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_priv.h"
#include "fmt.h"

#define APP_CFG_TEXT_MAX (64u * 1024u)

static const char *const app_objects[] = {
	"config.json", "auth.json", "tls.key", "tls.crt", "alerts.jsonl", "alerts.1.jsonl",
};

/* The message of a cfg error line without its "key: " part. */
static const char *err_text(const char *err)
{
	const char *c = strstr(err, ": ");

	return c != NULL ? c + 2 : err;
}

/* Check one {"key": value} (or {"parent": {"key": value}}) document; record its error. */
static void check_one(cJSON *doc, cJSON *errs)
{
	char *text = cJSON_PrintUnformatted(doc);
	char err[CFG_ERR_MAX], field[64];
	struct cfg *tmp = malloc(sizeof(*tmp));

	if (text != NULL && tmp != NULL &&
	    cfg_parse(text, strlen(text), tmp, err, sizeof(err)) != 0) {
		app_split_err(err, field, sizeof(field), NULL, 0);
		/* Cross-key rules (mgmt.address with dhcp off) are the main error's to report. */
		if (field[0] != '\0' && cJSON_GetObjectItemCaseSensitive(errs, field) == NULL) {
			cJSON_AddStringToObject(errs, field, err_text(err));
		}
	}
	free(tmp);
	cJSON_free(text);
}

int app_config_errors(const char *json, size_t len, char *buf, size_t cap)
{
	cJSON *j = cJSON_ParseWithLength(json, len);
	cJSON *errs = cJSON_CreateObject();
	cJSON *top = cJSON_IsObject(j) ? j : NULL;
	cJSON *c;

	cJSON_ArrayForEach(c, top)
	{
		cJSON *doc = cJSON_CreateObject();
		if (cJSON_IsObject(c) && cJSON_GetArraySize(c) > 0) {
			/* Each key of a section on its own, so all its bad fields show. */
			cJSON *g;
			cJSON_ArrayForEach(g, c)
			{
				cJSON *d2 = cJSON_CreateObject();
				cJSON *sec = cJSON_AddObjectToObject(d2, c->string);
				cJSON_AddItemToObject(sec, g->string, cJSON_Duplicate(g, true));
				check_one(d2, errs);
				cJSON_Delete(d2);
			}
		}
		cJSON_AddItemToObject(doc, c->string, cJSON_Duplicate(c, true));
		check_one(doc, errs);
		cJSON_Delete(doc);
	}
	cJSON_Delete(j);
	return app_jprint(errs, buf, cap);
}

/* The current configuration as a cJSON tree (NULL when out of memory). */
static cJSON *cur_tree(const struct app *a)
{
	char *text = malloc(APP_CFG_TEXT_MAX);
	cJSON *j = NULL;
	int n;

	if (text == NULL) {
		return NULL;
	}
	n = cfg_format(a->cur, text, APP_CFG_TEXT_MAX);
	if (n > 0) {
		j = cJSON_ParseWithLength(text, (size_t)n);
	}
	free(text);
	return j;
}

/* The item at a dotted key ("mgmt.hostname") and its parent object; NULL if none. */
static cJSON *walk(cJSON *root, const char *key, cJSON **parent)
{
	char part[64];
	cJSON *cur = root;
	const char *p = key;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n >= sizeof(part) || !cJSON_IsObject(cur)) {
			return NULL;
		}
		memcpy(part, p, n);
		part[n] = '\0';
		*parent = cur;
		cur = cJSON_GetObjectItemCaseSensitive(cur, part);
		if (cur == NULL || dot == NULL) {
			return cur;
		}
		p = dot + 1;
	}
}

int app_config_get(const struct app *a, const char *key, char *buf, size_t cap)
{
	cJSON *root = cur_tree(a);
	cJSON *parent = NULL;
	cJSON *v = root != NULL ? walk(root, key, &parent) : NULL;
	int n;

	if (v == NULL) {
		cJSON_Delete(root);
		return root == NULL ? -ENOMEM : -ENOENT;
	}
	n = app_jprint(cJSON_Duplicate(v, true), buf, cap);
	cJSON_Delete(root);
	return n;
}

int app_config_set(struct app *a, const char *key, const char *value, char *msg, size_t mcap)
{
	cJSON *root = cur_tree(a);
	cJSON *parent = NULL;
	cJSON *v = cJSON_Parse(value);
	const char *leaf = strrchr(key, '.') != NULL ? strrchr(key, '.') + 1 : key;
	char *text;
	int rc = -EINVAL;

	snprintf(msg, mcap, "%s", "");
	if (root == NULL || v == NULL || walk(root, key, &parent) == NULL) {
		snprintf(msg, mcap, "%s",
			 root == NULL ? "out of memory"
			 : v == NULL  ? "value: not a JSON value"
				      : "unknown key");
		rc = root == NULL ? -ENOMEM : v == NULL ? -EINVAL : -ENOENT;
		cJSON_Delete(v);
		cJSON_Delete(root);
		return rc;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(parent, leaf, v);
	text = cJSON_PrintUnformatted(root);
	if (text != NULL) {
		rc = app_config_put(a, text, strlen(text), NULL, 0, msg, mcap);
	}
	cJSON_free(text);
	cJSON_Delete(root);
	return rc;
}

/* Parse one allow entry the way the configuration would; 0 or -EINVAL with msg. */
static int parse_entry(const char *entry, struct cfg_allow *out, char *msg, size_t mcap)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(doc, "allow");
	struct cfg *tmp = malloc(sizeof(*tmp));
	char err[CFG_ERR_MAX];
	char *text;
	int rc = -ENOMEM;

	cJSON_AddItemToArray(arr, cJSON_CreateString(entry));
	text = cJSON_PrintUnformatted(doc);
	if (text != NULL && tmp != NULL) {
		rc = cfg_parse(text, strlen(text), tmp, err, sizeof(err));
		if (rc == 0 && tmp->n_allow == 1) {
			*out = tmp->allow[0];
		} else if (rc != -ENOMEM) {
			snprintf(msg, mcap, "entry: %s", err_text(err));
			rc = -EINVAL;
		}
	}
	free(tmp);
	cJSON_free(text);
	cJSON_Delete(doc);
	return rc;
}

int app_allow(struct app *a, const char *entry, bool add, char *msg, size_t mcap)
{
	struct cfg_allow e;
	size_t i;
	int rc;

	snprintf(msg, mcap, "%s", "");
	memset(&e, 0, sizeof(e));
	rc = parse_entry(entry, &e, msg, mcap);
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < a->cur->n_allow; i++) {
		if (memcmp(&a->cur->allow[i], &e, sizeof(e)) == 0) {
			break;
		}
	}
	if (add && i < a->cur->n_allow) {
		return -EEXIST;
	}
	if (!add && i == a->cur->n_allow) {
		snprintf(msg, mcap, "entry: not in the allow list");
		return -ENOENT;
	}
	if (add && a->cur->n_allow >= CONFIG_CFG_MAX_ALLOW) {
		snprintf(msg, mcap, "allow: at most %d entries", CONFIG_CFG_MAX_ALLOW);
		return -EINVAL;
	}
	memcpy(a->spare, a->cur, sizeof(*a->spare));
	if (add) {
		a->spare->allow[a->spare->n_allow++] = e;
	} else {
		memmove(&a->spare->allow[i], &a->spare->allow[i + 1],
			(a->spare->n_allow - i - 1) * sizeof(e));
		a->spare->n_allow--;
		memset(&a->spare->allow[a->spare->n_allow], 0, sizeof(e));
	}
	rc = app_commit(a);
	if (rc != 0) {
		snprintf(msg, mcap, "applied but could not be saved");
	}
	return rc;
}

int app_allow_alert(struct app *a, uint32_t alert_id, char *entry, size_t ecap, char *msg,
		    size_t mcap)
{
	const struct alog_entry *e = a->alog != NULL ? alog_find(a->alog, alert_id) : NULL;
	cJSON *l;
	const char *name, *ip;

	snprintf(entry, ecap, "%s", "");
	if (e == NULL) {
		snprintf(msg, mcap, "no such alert");
		return -ENOENT;
	}
	l = cJSON_ParseWithLength(e->line, e->len);
	name = app_jstr(l, "remote_name");
	ip = app_jstr(l, "remote_ip");
	snprintf(entry, ecap, "%s", name[0] != '\0' ? name : ip);
	cJSON_Delete(l);
	return app_allow(a, entry, true, msg, mcap);
}

int app_reject(struct app *a, const char *remote_ip)
{
	struct cfg_cidr c;
	char txt[APP_IP_TEXT_MAX];

	if (cfg_parse_cidr(remote_ip, false, &c) != 0 || strchr(remote_ip, '/') != NULL) {
		return -EINVAL;
	}
	fmt_addr(c.family, c.addr, txt, sizeof(txt));
	for (size_t i = 0; i < a->rej_n; i++) {
		if (strcmp(a->rej[(a->rej_head + i) % CONFIG_APP_MAX_REJECT], txt) == 0) {
			return 0;
		}
	}
	if (a->rej_n == CONFIG_APP_MAX_REJECT) {
		a->rej_head = (a->rej_head + 1) % CONFIG_APP_MAX_REJECT;
		a->rej_n--;
	}
	memcpy(a->rej[(a->rej_head + a->rej_n) % CONFIG_APP_MAX_REJECT], txt, sizeof(txt));
	a->rej_n++;
	return 0;
}

bool app_ci_eqn(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char x = a[i] >= 'A' && a[i] <= 'Z' ? (char)(a[i] + 32) : a[i];
		char y = b[i] >= 'A' && b[i] <= 'Z' ? (char)(b[i] + 32) : b[i];
		if (x != y) {
			return false;
		}
		if (x == '\0') {
			return true;
		}
	}
	return true;
}

static bool ci_eq(const char *a, const char *b)
{
	return strlen(a) == strlen(b) && app_ci_eqn(a, b, strlen(a));
}

/* A name is below suffix when it ends in "." + suffix. */
static bool below(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s + 1 && name[n - s - 1] == '.' && ci_eq(name + n - s, suffix);
}

bool app_allowed(const struct cfg *c, const char *ip, const char *name)
{
	struct cfg_cidr addr;
	bool have_ip = ip != NULL && cfg_parse_cidr(ip, false, &addr) == 0;

	for (size_t i = 0; i < c->n_allow; i++) {
		const struct cfg_allow *e = &c->allow[i];
		if (e->kind == CFG_ALLOW_CIDR && have_ip &&
		    cfg_cidr_match(&e->cidr, addr.family, addr.addr)) {
			return true;
		}
		if (name != NULL && name[0] != '\0' &&
		    ((e->kind == CFG_ALLOW_NAME && ci_eq(name, e->name)) ||
		     (e->kind == CFG_ALLOW_SUFFIX && below(name, e->name)))) {
			return true;
		}
	}
	return false;
}

int app_ack(struct app *a, uint32_t id)
{
	return a->alog != NULL ? alog_ack(a->alog, id) : -ENOENT;
}

int app_password_reset(struct app *a)
{
	char otp[AUTH_OTP_LEN + 1] = "";
	char line[128];
	int rc;

	if (a->auth == NULL) {
		return -ENOSYS;
	}
	rc = auth_reset(a->auth, otp);
	if (rc == 0 || otp[0] != '\0') {
		snprintf(line, sizeof(line), "auth: password reset, one-time password: %s%s", otp,
			 rc != 0 ? " (could not be saved: valid until reboot)" : "");
		app_log(a, line);
	}
	memset(otp, 0, sizeof(otp));
	return rc;
}

int app_factory_reset(struct app *a)
{
	int first = 0;

	for (size_t i = 0; a->stor != NULL && i < sizeof(app_objects) / sizeof(app_objects[0]);
	     i++) {
		int rc = stor_remove(a->stor, app_objects[i]);
		if (rc != 0 && first == 0) {
			first = rc;
		}
	}
	app_log(a, first == 0 ? "system: factory reset, rebooting"
			      : "system: factory reset incomplete, rebooting");
	app_reboot(a);
	return first;
}

void app_reboot(struct app *a)
{
	if (a->hooks.reboot != NULL) {
		a->hooks.reboot(a->hooks.ctx);
	}
}
