/*
 * det: application and encryption identification, one adapter per engine.
 *
 * With CONFIG_NDPI the adapter is firmware/detect/det_ndpi.c (the only file
 * that includes nDPI); without it, firmware/detect/det_none.c answers
 * "unknown" for every flow, as a microcontroller build without nDPI must.
 *
 * Per flow the caller keeps one struct det_flow (small, inside its flow
 * entry). While a flow is being classified it borrows a detector state
 * from a pool preallocated at det_create(); the state goes back to the pool
 * as soon as the verdict is final, the give-up packet count is reached, or
 * the caller releases the flow.
 */
#ifndef LEAKTAP_DET_H
#define LEAKTAP_DET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum det_state {
	DET_NEW = 0,     /* nothing fed yet */
	DET_CLASSIFYING, /* detector state attached */
	DET_DONE,        /* verdict final; detector state freed */
	DET_GAVEUP,      /* give-up count reached; best guess kept */
	DET_NOSTATE,     /* pool was empty when the flow began: never inspected */
};

/* Verdict kept per flow after detection (8 bytes plus the pool handle). */
struct det_flow {
	uint32_t slot;     /* pool index + 1 while DET_CLASSIFYING, else 0 */
	uint16_t app;      /* application protocol id (det_app_name) */
	uint16_t master;   /* carrier protocol id, e.g. TLS under an app; 0 if none */
	uint8_t category;  /* detector's category id (det_category_name) */
	uint8_t state;     /* enum det_state */
	uint8_t encrypted; /* 1 when the detector says the flow is encrypted */
	uint8_t pkts;      /* packets fed so far (saturates) */
};

struct det_params {
	uint32_t pool_size; /* flows that may be under classification at once */
	uint8_t max_pkts;   /* give up after this many packets of one flow */
	/*
	 * Called once per flow, when its detector state is released, with the
	 * server name the detector saw (TLS SNI, QUIC, HTTP Host); may be NULL.
	 */
	void (*on_name)(void *ctx, struct det_flow *df, const char *name);
	void *ctx;
};

struct det_stats {
	uint64_t fed;       /* packets given to the detector */
	uint64_t detected;  /* flows with a final verdict */
	uint64_t gaveup;    /* flows that reached the give-up count */
	uint64_t nostate;   /* flows not inspected because the pool was empty */
	uint64_t reclaimed; /* states taken back from the flow fed longest ago */
	uint32_t in_use;    /* detector states attached now */
	uint32_t peak_in_use;
	uint32_t state_size; /* bytes of one detector state (0 without a detector) */
};

struct det;

/*
 * Create the detection module. Allocates the state pool once; nothing on
 * the packet path allocates afterwards (the detector library may still
 * allocate small strings internally; they are freed with the state).
 * Returns NULL when memory is short or the library fails to start.
 */
struct det *det_create(const struct det_params *params);
void det_destroy(struct det *d);

/*
 * Feed one IP packet (l3 header first, len bytes captured) of a flow, with
 * its capture time. Returns true while the flow still wants packets, false
 * once df->state is final. Safe to call on a final flow (returns false).
 */
bool det_feed(struct det *d, struct det_flow *df, const uint8_t *ip, size_t len, uint64_t ts_ms);

/*
 * The flow ends: if it is still classifying, take the detector's best guess
 * and return its state to the pool. df keeps the verdict.
 */
void det_release(struct det *d, struct det_flow *df);

/* Printable names; never NULL. */
const char *det_app_name(const struct det *d, uint16_t app);
const char *det_category_name(const struct det *d, uint8_t category);

/* Largest app id + 1 that det_flow.app can hold. */
uint16_t det_app_count(const struct det *d);

void det_get_stats(const struct det *d, struct det_stats *st);

#endif /* LEAKTAP_DET_H */
