/*
 * RFC 5424 messages of alerts (exp.h). The alert's fields go into one
 * SD-ELEMENT so a collector can filter on them without parsing MSG; MSG
 * is the human sentence. PARAM-VALUEs escape '"', '\' and ']' (RFC 5424
 * section 6.3.3); names and the hostname are printable US-ASCII.
 */
#include "exp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#define EXP_FACILITY_LOCAL0 16
#define EXP_SEV_WARNING     4
#define EXP_SEV_NOTICE      5

struct out {
	char *p;
	size_t cap;
	size_t len;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n >= o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A PARAM-VALUE: escape the three characters RFC 5424 names; drop controls. */
static void put_value(struct out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\' || c == ']') {
			put(o, "\\", 1);
		}
		if (c >= 0x20 && c != 0x7f) {
			put(o, s, 1);
		}
	}
}

/* HOSTNAME and SD-NAME: PRINTUSASCII without '=', ' ', ']', '"'; '-' when empty. */
static void put_name(struct out *o, const char *s, size_t max)
{
	size_t n = 0;
	for (; *s != '\0' && n < max; s++) {
		unsigned char c = (unsigned char)*s;
		if (c > 32 && c < 127 && c != '=' && c != ']' && c != '"') {
			put(o, s, 1);
			n++;
		}
	}
	if (n == 0) {
		put(o, "-", 1);
	}
}

static void put_param(struct out *o, const cJSON *it)
{
	char num[32];
	const char *v;
	if (cJSON_IsString(it)) {
		v = it->valuestring;
	} else if (cJSON_IsNumber(it)) {
		double d = it->valuedouble;
		if (d == (double)(long long)d) {
			snprintf(num, sizeof(num), "%lld", (long long)d);
		} else {
			snprintf(num, sizeof(num), "%.3f", d);
		}
		v = num;
	} else if (cJSON_IsBool(it)) {
		v = cJSON_IsTrue(it) ? "true" : "false";
	} else {
		return; /* null, arrays and objects carry nothing a collector filters on */
	}
	puts_(o, " ");
	put_name(o, it->string, 32);
	puts_(o, "=\"");
	put_value(o, v);
	puts_(o, "\"");
}

int exp_syslog_alert(const char *line, size_t len, const char *hostname, char *out, size_t cap)
{
	if (cap == 0) {
		return -ENOSPC;
	}
	cJSON *j = cJSON_ParseWithLength(line, len);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "alert_id");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "ts");
	if (!cJSON_IsObject(j) || !cJSON_IsNumber(id) || !cJSON_IsString(ts)) {
		cJSON_Delete(j);
		return -EINVAL;
	}
	const cJSON *act = cJSON_GetObjectItemCaseSensitive(j, "action");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "evidence");
	bool block = cJSON_IsString(act) && strcmp(act->valuestring, "block") == 0;
	struct out o = {out, cap, 0, false};
	char head[16];
	snprintf(head, sizeof(head), "<%d>1 ",
		 EXP_FACILITY_LOCAL0 * 8 + (block ? EXP_SEV_WARNING : EXP_SEV_NOTICE));
	out[0] = '\0';
	puts_(&o, head);
	put_name(&o, ts->valuestring, 32);
	puts_(&o, " ");
	put_name(&o, hostname, 255);
	puts_(&o, " leaktap - alert [" EXP_SD_ID);
	for (const cJSON *it = j->child; it != NULL; it = it->next) {
		if (strcmp(it->string, "ts") != 0 && strcmp(it->string, "evidence") != 0) {
			put_param(&o, it);
		}
	}
	puts_(&o, "]");
	if (cJSON_IsString(ev) && ev->valuestring[0] != '\0') {
		puts_(&o, " ");
		/* MSG is free text; keep it on one line for line-based collectors. */
		for (const char *s = ev->valuestring; *s != '\0'; s++) {
			if ((unsigned char)*s >= 0x20) {
				put(&o, s, 1);
			}
		}
	}
	cJSON_Delete(j);
	return o.full ? -ENOSPC : (int)o.len;
}
