/*
 * http_resp: helpers a handler uses to fill a struct http_resp, and the
 * reason phrases the server writes in its status lines.
 */
#include "http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int http_resp_header(struct http_resp *r, const char *name, const char *value)
{
	if (r == NULL || name == NULL || value == NULL || name[0] == '\0') {
		return -EINVAL;
	}
	/* A CR or LF would let a value smuggle its own header lines into the answer. */
	if (strpbrk(name, "\r\n: ") != NULL || strpbrk(value, "\r\n") != NULL) {
		return -EINVAL;
	}
	size_t used = strnlen(r->headers, sizeof(r->headers));
	size_t need = strlen(name) + 2 + strlen(value) + 2;
	if (used >= sizeof(r->headers) || need >= sizeof(r->headers) - used) {
		return -ENOSPC;
	}
	char *o = r->headers + used;
	size_t nl = strlen(name);
	size_t vl = strlen(value);
	memcpy(o, name, nl);
	memcpy(o + nl, ": ", 2);
	memcpy(o + nl + 2, value, vl);
	memcpy(o + nl + 2 + vl, "\r\n", 3); /* with the terminating NUL */
	return 0;
}

int http_resp_json(struct http_resp *r, int status, const char *fmt, ...)
{
	static const char overflow[] = "{\"error\":\"response too large\"}";
	va_list ap;

	if (r == NULL || fmt == NULL) {
		return -EINVAL;
	}
	r->status = status;
	r->content_type = "application/json";
	r->content_encoding = NULL;
	r->body = NULL;
	r->len = 0;
	if (r->buf == NULL || r->cap == 0) {
		r->status = 500;
		return -ENOSPC;
	}
	va_start(ap, fmt);
	int n = vsnprintf(r->buf, r->cap, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < r->cap) {
		r->len = (size_t)n;
		return 0;
	}
	/* Never send a truncated JSON document: say what happened instead. */
	r->status = 500;
	if (sizeof(overflow) <= r->cap) {
		memcpy(r->buf, overflow, sizeof(overflow));
		r->len = sizeof(overflow) - 1;
	}
	return -ENOSPC;
}

const char *http_reason(int status)
{
	static const struct {
		int status;
		const char *reason;
	} reasons[] = {
		{100, "Continue"},
		{200, "OK"},
		{201, "Created"},
		{204, "No Content"},
		{301, "Moved Permanently"},
		{302, "Found"},
		{303, "See Other"},
		{304, "Not Modified"},
		{307, "Temporary Redirect"},
		{308, "Permanent Redirect"},
		{400, "Bad Request"},
		{401, "Unauthorized"},
		{403, "Forbidden"},
		{404, "Not Found"},
		{405, "Method Not Allowed"},
		{408, "Request Timeout"},
		{409, "Conflict"},
		{411, "Length Required"},
		{413, "Payload Too Large"},
		{414, "URI Too Long"},
		{415, "Unsupported Media Type"},
		{422, "Unprocessable Entity"},
		{429, "Too Many Requests"},
		{431, "Request Header Fields Too Large"},
		{500, "Internal Server Error"},
		{501, "Not Implemented"},
		{503, "Service Unavailable"},
		{505, "HTTP Version Not Supported"},
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (reasons[i].status == status) {
			return reasons[i].reason;
		}
	}
	return "Unknown";
}
