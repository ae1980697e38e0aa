/*
 * det adapter over nDPI 4.2: the only file that includes nDPI.
 *
 * The sequence follows nDPI's own examples (ndpiSimpleIntegration.c,
 * reader_util.c): one detection module for the process, one flow state per
 * flow fed IP packets with their capture time, give-up after a packet
 * budget, and the flow state dropped as soon as the verdict is final.
 * Unlike the examples, flow states come from a pool allocated once, so the
 * packet path does not call malloc (nDPI may still allocate small strings
 * inside a state; ndpi_free_flow_data() returns them).
 */
#include "det.h"

#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

struct det {
	struct ndpi_detection_module_struct *mod;
	uint8_t *pool;  /* pool_size states of state_size bytes */
	uint32_t *free; /* stack of free slot numbers (1-based) */
	uint32_t n_free;
	/*
	 * States in use, most recently fed first (indexes are slot numbers, 0 =
	 * none), with the flow that owns each. When the pool is empty, the
	 * state fed longest ago is taken back (that flow keeps nDPI's best
	 * guess): a host flooding one-packet flows then recycles its own
	 * states instead of leaving every other host's new flows uninspected.
	 */
	uint32_t *lru_prev, *lru_next;
	struct det_flow **owner;
	uint32_t lru_head, lru_tail;
	uint32_t pool_size;
	uint32_t state_size;
	uint8_t max_pkts;
	uint16_t n_apps;
	void (*on_name)(void *ctx, struct det_flow *df, const char *name);
	void *ctx;
	struct det_stats st;
};

struct det *det_create(const struct det_params *params)
{
	if (params == NULL || params->pool_size == 0 || params->max_pkts == 0) {
		return NULL;
	}
	struct det *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		return NULL;
	}
	d->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (d->mod == NULL) {
		free(d);
		return NULL;
	}
	NDPI_PROTOCOL_BITMASK all;
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(d->mod, &all);
	ndpi_finalize_initialization(d->mod);

	d->state_size = ndpi_detection_get_sizeof_ndpi_flow_struct();
	/* Keep states 16-byte aligned: nDPI's struct holds 64-bit fields. */
	d->state_size = (d->state_size + 15u) & ~15u;
	d->pool_size = params->pool_size;
	d->max_pkts = params->max_pkts;
	d->on_name = params->on_name;
	d->ctx = params->ctx;
	/*
	 * calloc of a large block maps zero pages lazily: untouched states cost
	 * no resident memory, so the pool may be sized for the worst case.
	 */
	d->pool = calloc(d->pool_size, d->state_size);
	d->free = malloc(sizeof(*d->free) * d->pool_size);
	d->lru_prev = calloc((size_t)d->pool_size + 1, sizeof(*d->lru_prev));
	d->lru_next = calloc((size_t)d->pool_size + 1, sizeof(*d->lru_next));
	d->owner = calloc((size_t)d->pool_size + 1, sizeof(*d->owner));
	if (d->pool == NULL || d->free == NULL || !d->lru_prev || !d->lru_next || !d->owner) {
		det_destroy(d);
		return NULL;
	}
	/* Stack with slot 1 on top, so the lowest (warmest) states are reused. */
	for (uint32_t i = 0; i < d->pool_size; i++) {
		d->free[i] = d->pool_size - i;
	}
	d->n_free = d->pool_size;
	u_int n = ndpi_get_num_supported_protocols(d->mod);
	d->n_apps = (uint16_t)(n > UINT16_MAX ? UINT16_MAX : n);
	d->st.state_size = d->state_size;
	return d;
}

void det_destroy(struct det *d)
{
	if (d == NULL) {
		return;
	}
	free(d->pool);
	free(d->free);
	free(d->lru_prev);
	free(d->lru_next);
	free(d->owner);
	if (d->mod != NULL) {
		ndpi_exit_detection_module(d->mod);
	}
	free(d);
}

static struct ndpi_flow_struct *state_of(struct det *d, uint32_t slot)
{
	return (struct ndpi_flow_struct *)(void *)(d->pool + (size_t)(slot - 1u) * d->state_size);
}

static void lru_unlink(struct det *d, uint32_t s)
{
	uint32_t p = d->lru_prev[s], n = d->lru_next[s];
	if (p != 0) {
		d->lru_next[p] = n;
	} else {
		d->lru_head = n;
	}
	if (n != 0) {
		d->lru_prev[n] = p;
	} else {
		d->lru_tail = p;
	}
	d->lru_prev[s] = d->lru_next[s] = 0;
}

static void lru_push(struct det *d, uint32_t s)
{
	d->lru_prev[s] = 0;
	d->lru_next[s] = d->lru_head;
	if (d->lru_head != 0) {
		d->lru_prev[d->lru_head] = s;
	} else {
		d->lru_tail = s;
	}
	d->lru_head = s;
}

static void put_state(struct det *d, struct det_flow *df)
{
	lru_unlink(d, df->slot);
	d->owner[df->slot] = NULL;
	ndpi_free_flow_data(state_of(d, df->slot));
	d->free[d->n_free++] = df->slot;
	df->slot = 0;
	d->st.in_use--;
}

/*
 * guessed: nDPI named the flow from its ports or addresses, not its bytes.
 * Such a guess names the flow but never makes it "encrypted": a clear-text
 * upload to an address nDPI files under, say, Google must still be seen.
 */
static void keep_verdict(struct det *d, struct det_flow *df, ndpi_protocol proto, bool guessed)
{
	df->app = proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ? proto.app_protocol
							      : proto.master_protocol;
	df->master = proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ? proto.master_protocol : 0;
	df->category = (uint8_t)proto.category;
	df->encrypted = !guessed && ndpi_is_encrypted_proto(d->mod, proto) ? 1 : 0;
}

static void finish(struct det *d, struct det_flow *df, enum det_state how)
{
	struct ndpi_flow_struct *nf = state_of(d, df->slot);
	ndpi_protocol proto =
		nf->detected_protocol_stack[0] != NDPI_PROTOCOL_UNKNOWN
			? (ndpi_protocol){nf->detected_protocol_stack[1],
					  nf->detected_protocol_stack[0], nf->category}
			: (ndpi_protocol){0, 0, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED};
	uint8_t guessed = 0;
	if (how == DET_GAVEUP) {
		proto = ndpi_detection_giveup(d->mod, nf, 1, &guessed);
		d->st.gaveup++;
	} else {
		d->st.detected++;
	}
	keep_verdict(d, df, proto, guessed != 0);
	df->state = (uint8_t)how;
	if (d->on_name != NULL && nf->host_server_name[0] != '\0') {
		char name[sizeof(nf->host_server_name) + 1];
		memcpy(name, nf->host_server_name, sizeof(nf->host_server_name));
		name[sizeof(nf->host_server_name)] = '\0';
		d->on_name(d->ctx, df, name);
	}
	put_state(d, df);
}

bool det_feed(struct det *d, struct det_flow *df, const uint8_t *ip, size_t len, uint64_t ts_ms)
{
	if (df->state == DET_NEW) {
		if (d->n_free == 0 && d->lru_tail != 0) {
			/* Take back the state fed longest ago; its flow keeps the best guess. */
			struct det_flow *victim = d->owner[d->lru_tail];
			finish(d, victim,
			       state_of(d, victim->slot)->detected_protocol_stack[0] !=
					       NDPI_PROTOCOL_UNKNOWN
				       ? DET_DONE
				       : DET_GAVEUP);
			d->st.reclaimed++;
		}
		if (d->n_free == 0) {
			df->state = DET_NOSTATE;
			d->st.nostate++;
			return false;
		}
		df->slot = d->free[--d->n_free];
		memset(state_of(d, df->slot), 0, d->state_size);
		df->state = DET_CLASSIFYING;
		d->owner[df->slot] = df;
		lru_push(d, df->slot);
		if (++d->st.in_use > d->st.peak_in_use) {
			d->st.peak_in_use = d->st.in_use;
		}
	} else if (df->state != DET_CLASSIFYING) {
		return false;
	} else if (d->lru_head != df->slot) {
		lru_unlink(d, df->slot);
		lru_push(d, df->slot);
	}
	struct ndpi_flow_struct *nf = state_of(d, df->slot);
	unsigned short n = (unsigned short)(len > 65535u ? 65535u : len);
	ndpi_protocol proto = ndpi_detection_process_packet(d->mod, nf, ip, n, ts_ms);
	d->st.fed++;
	if (df->pkts < UINT8_MAX) {
		df->pkts++;
	}
	if (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
	    !ndpi_extra_dissection_possible(d->mod, nf)) {
		finish(d, df, DET_DONE);
		return false;
	}
	if (df->pkts >= d->max_pkts) {
		/* Known but still dissecting extras: the verdict stands, not a give-up. */
		finish(d, df, proto.app_protocol != NDPI_PROTOCOL_UNKNOWN ? DET_DONE : DET_GAVEUP);
		return false;
	}
	return true;
}

void det_release(struct det *d, struct det_flow *df)
{
	if (df->state == DET_CLASSIFYING) {
		struct ndpi_flow_struct *nf = state_of(d, df->slot);
		finish(d, df,
		       nf->detected_protocol_stack[0] != NDPI_PROTOCOL_UNKNOWN ? DET_DONE
									       : DET_GAVEUP);
	}
}

const char *det_app_name(const struct det *d, uint16_t app)
{
	if (app >= d->n_apps) {
		return "Unknown";
	}
	const char *n = ndpi_get_proto_name(d->mod, app);
	return n != NULL ? n : "Unknown";
}

const char *det_category_name(const struct det *d, uint8_t category)
{
	const char *n = ndpi_category_get_name(d->mod, (ndpi_protocol_category_t)category);
	return n != NULL ? n : "Unspecified";
}

uint16_t det_app_count(const struct det *d)
{
	return d->n_apps;
}

void det_get_stats(const struct det *d, struct det_stats *st)
{
	*st = d->st;
}
