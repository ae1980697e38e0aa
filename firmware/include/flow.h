/*
 * flow: the bidirectional flow table.
 *
 * Preallocated at create time, bounded by max_flows, open addressing with
 * linear probing over a power-of-two slot array, keyed by a canonical
 * (direction-independent) 5-tuple plus the outer VLAN id, compared with
 * memcmp. Idle timeouts run on packet time (capture time in replay).
 *
 * Fairness: every flow has an owner host (its LAN-side address, or its
 * initiator when neither or both sides are local). When the table is full,
 * a host that already holds at least its fair share (max_flows divided by
 * the hosts that own flows) can only recycle its own oldest flow; a host
 * below its share takes the oldest flow of a host above its share. So a
 * single host flooding new flows pushes out its own flows, not others'.
 */
#ifndef LEAKTAP_FLOW_H
#define LEAKTAP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "det.h"

/*
 * Canonical key: (lo, lo_port) is the lesser endpoint in memcmp order of
 * (address, port), so both directions of a conversation map to one key.
 * Must be zero-filled before use so memcmp and hashing see no stray bytes.
 */
struct flow_key {
	uint8_t lo[16];
	uint8_t hi[16];
	uint16_t lo_port;
	uint16_t hi_port;
	uint16_t vlan;  /* outer VID, 0 when untagged */
	uint8_t proto;  /* IP protocol */
	uint8_t family; /* 4 or 6 */
};

/* Direction of a packet relative to its flow key. */
enum flow_dir {
	FLOW_DIR_LO_HI = 0, /* from key.lo to key.hi */
	FLOW_DIR_HI_LO = 1,
};

/* Which endpoint of the key is the office (LAN) side. */
enum flow_lan {
	FLOW_LAN_NONE = 0, /* neither endpoint is local */
	FLOW_LAN_LO,
	FLOW_LAN_HI,
	FLOW_LAN_BOTH, /* LAN-to-LAN */
};

/* Why a flow left the table (reported to the release callback). */
enum flow_end {
	FLOW_END_EXPIRED = 0, /* idle timeout */
	FLOW_END_EVICTED,     /* pushed out to make room */
	FLOW_END_FLUSH,       /* table flushed (end of capture, shutdown) */
};

struct flow {
	struct flow_key key;
	uint64_t first_ms;
	uint64_t last_ms;
	uint64_t bytes[2]; /* IP bytes on the wire, indexed by enum flow_dir */
	uint32_t pkts[2];
	uint8_t lan;         /* enum flow_lan */
	uint8_t orig;        /* enum flow_dir of the first packet seen; set by the caller */
	uint8_t tcp_seen[2]; /* PKT_TCP_* flags seen per direction */
	uint8_t est;         /* 1 once TCP saw SYN both ways or ACK both ways */
	uint8_t snf_done;    /* the engine's sniffers are done with this flow */
	uint8_t blocked;     /* block mode cut this flow: drop (and reset) its packets */
	uint8_t uninspected; /* no sniffer slot was free for it (overload) */
	uint8_t rst_sent;    /* resets sent for this blocked flow (saturates) */
	uint8_t proved;      /* a sniffer proved clear-text video in this flow */
	uint32_t snf;        /* the engine's sniffer slot + 1; 0 = none */
	uint32_t pend_out;   /* outbound payload bytes not yet charged to the policy */
	struct det_flow det;
	/* Table-private links; do not touch. */
	uint32_t priv_lru_prev, priv_lru_next;
	uint32_t priv_host_prev, priv_host_next;
	uint32_t priv_host;
	uint32_t priv_hash;
	uint8_t priv_list;
};

struct flow_params {
	uint32_t max_flows;        /* entries; >= 1 */
	uint32_t table_size;       /* hash slots, power of two, > max_flows; 0 = derive */
	uint32_t tcp_timeout_ms;   /* idle timeout of established TCP flows */
	uint32_t other_timeout_ms; /* idle timeout of UDP, ICMP, other and unestablished TCP */
	uint32_t evict_scan;       /* entries examined per idle list to find a victim; 0 = 64 */
	/* Called once for every flow that leaves the table, before its entry is reused. */
	void (*on_release)(void *ctx, struct flow *f, enum flow_end why);
	void *ctx;
};

struct flow_stats {
	uint64_t created;
	uint64_t evicted;
	uint64_t expired;
	uint64_t refused; /* new flows that found no entry and no fair victim */
	uint32_t active;
	uint32_t peak;
	uint32_t hosts; /* hosts owning at least one flow now */
};

struct flow_table;

/* Create a table; allocates everything once. NULL on bad params or no memory. */
struct flow_table *flow_table_create(const struct flow_params *p);
/* Releases every remaining flow (FLOW_END_FLUSH) and frees the table. */
void flow_table_destroy(struct flow_table *ft);

/*
 * Build the canonical key for a packet from (src, sport) to (dst, dport)
 * and tell which direction the packet goes. alen is 4 or 16.
 */
enum flow_dir flow_key_make(struct flow_key *k, uint8_t family, const uint8_t *src,
			    const uint8_t *dst, size_t alen, uint16_t sport, uint16_t dport,
			    uint8_t proto, uint16_t vlan);

uint32_t flow_hash(const struct flow_key *k);

/* Find the flow for key (hash from flow_hash()); NULL when absent. */
struct flow *flow_find(struct flow_table *ft, const struct flow_key *k, uint32_t hash);

/*
 * Insert a new flow. owner is the address (alen bytes) the flow is charged
 * to for fairness; lan is stored in the flow. Expires or evicts as needed.
 * Returns 0 and sets *out, -ENOSPC when no entry could fairly be freed
 * (counted as refused), or -EINVAL for a NULL argument or an alen other
 * than 4 or 16. The key must not already be present (flow_find first).
 */
int flow_insert(struct flow_table *ft, const struct flow_key *k, uint32_t hash,
		const uint8_t *owner, size_t alen, enum flow_lan lan, uint64_t now_ms,
		struct flow **out);

/*
 * Account one packet to f: counters, last-seen time, TCP state, and its
 * place in the idle lists. wire_len is the IP length on the wire.
 */
void flow_touch(struct flow_table *ft, struct flow *f, enum flow_dir dir, uint32_t wire_len,
		uint8_t tcp_flags, uint64_t now_ms);

/*
 * Release flows idle longer than their timeout at now_ms; at most budget of
 * them; returns how many. A flow whose last packet is later than now_ms
 * (capture time going backwards) is not idle.
 */
uint32_t flow_expire(struct flow_table *ft, uint64_t now_ms, uint32_t budget);

/* Release every flow (FLOW_END_FLUSH). */
void flow_flush(struct flow_table *ft);

/* Call fn for each live flow, in no particular order; fn must not modify the table. */
void flow_foreach(struct flow_table *ft, void (*fn)(void *ctx, const struct flow *f), void *ctx);

void flow_get_stats(const struct flow_table *ft, struct flow_stats *st);

/* Bytes the table allocated at create time (entries, slots, host table). */
size_t flow_table_mem(const struct flow_table *ft);

#endif /* LEAKTAP_FLOW_H */
