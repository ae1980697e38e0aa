/*
 * det without a detector (CONFIG_NDPI=n): boards too small for nDPI.
 * Every flow is "Unknown" and none counts as encrypted; the engine and
 * its callers work unchanged.
 */
#include "det.h"

#include <stdlib.h>

struct det {
	struct det_stats st;
};

struct det *det_create(const struct det_params *params)
{
	if (params == NULL) {
		return NULL;
	}
	return calloc(1, sizeof(struct det));
}

void det_destroy(struct det *d)
{
	free(d);
}

bool det_feed(struct det *d, struct det_flow *df, const uint8_t *ip, size_t len, uint64_t ts_ms)
{
	(void)ip;
	(void)len;
	(void)ts_ms;
	if (df->state == DET_NEW) {
		df->state = DET_GAVEUP;
		d->st.gaveup++;
	}
	return false;
}

void det_release(struct det *d, struct det_flow *df)
{
	(void)d;
	(void)df;
}

const char *det_app_name(const struct det *d, uint16_t app)
{
	(void)d;
	(void)app;
	return "Unknown";
}

const char *det_category_name(const struct det *d, uint8_t category)
{
	(void)d;
	(void)category;
	return "Unspecified";
}

uint16_t det_app_count(const struct det *d)
{
	(void)d;
	return 1;
}

void det_get_stats(const struct det *d, struct det_stats *st)
{
	*st = d->st;
}
