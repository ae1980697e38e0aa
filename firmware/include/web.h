/*
 * web: the page's assets, embedded in the firmware image gzip-compressed
 * (generated at build time from firmware/web/ by tools/embed).
 */
#ifndef LEAKTAP_WEB_H
#define LEAKTAP_WEB_H

#include <stddef.h>
#include <stdint.h>

struct web_asset {
	const char *path;         /* "/", "/app.js", "/style.css", ... */
	const char *content_type; /* "text/html; charset=utf-8", ... */
	const uint8_t *gz;        /* gzip-compressed body */
	size_t gz_len;
	size_t raw_len;   /* uncompressed size */
	const char *etag; /* quoted strong ETag of the content */
};

/* The asset at path ("/" is the page), or NULL. */
const struct web_asset *web_find(const char *path);

/* All assets, for the page-weight figure; n set to their count. */
const struct web_asset *web_all(size_t *n);

#endif /* LEAKTAP_WEB_H */
