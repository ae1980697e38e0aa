/*
 * nam: names of remote hosts, learned from what the appliance saw.
 *
 * Alerts name the remote host ("upload.example.net") and the allow list
 * matches names, but packets carry addresses. This module keeps a bounded
 * cache from address to the names it was seen under: DNS answers (the name
 * the client asked for, after following CNAMEs, with the record's TTL), and
 * names carried by a flow itself (TLS SNI, HTTP Host, RTMP tcUrl, RTSP URL)
 * with a default TTL.
 *
 * Memory: everything is allocated once by nam_create(). Each cached address
 * costs one fixed entry (struct size reported by nam_cache_mem(), 384 bytes
 * on LP64) plus two 4-byte hash slots: up to NAM_NAMES_PER_ADDR names packed
 * NUL-terminated into a 256-byte arena per entry. Four names of up to 63
 * characters always fit; one name of the maximum 253 characters always fits;
 * a longer name pushes out the least recently learned names of that address
 * rather than being truncated, because a truncated name would break allow
 * matching. About 1.6 MB at 4096 addresses.
 *
 * "Best" name: the most recently learned unexpired one, whatever its source.
 * A name from the flow itself (SNI, Host) therefore wins over a DNS answer
 * only when it was learned later, and vice versa. Learning a name the
 * address already has refreshes it (it becomes the most recent) and extends
 * its expiry to the later of the old and new expiries.
 *
 * Time comes only from the now_ms arguments (packet time, milliseconds); a
 * name is live while now_ms < its expiry. Names are lower case, without the
 * trailing dot, at most NAM_NAME_MAX characters of [a-z0-9-_.].
 *
 * Not thread safe: one cache belongs to one loop.
 */
#ifndef LEAKTAP_NAM_H
#define LEAKTAP_NAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAM_NAMES_PER_ADDR 4u     /* names kept per address (CDN addresses serve many) */
#define NAM_NAME_MAX       253u   /* characters, without the trailing dot */
#define NAM_TTL_MIN_S      30u    /* shorter TTLs are raised to this */
#define NAM_TTL_MAX_S      86400u /* longer TTLs are cut to one day */
#define NAM_TTL_FLOW_S     3600u  /* TTL of names learned from a flow */
#define NAM_DNS_MAX_ADDRS  32u    /* A/AAAA records of one message considered */
#define NAM_DNS_MAX_HOPS   8u     /* CNAMEs followed from the query name */

enum nam_source {
	NAM_SRC_DNS = 0,   /* DNS answer */
	NAM_SRC_SNI,       /* TLS ClientHello server_name */
	NAM_SRC_HTTP_HOST, /* HTTP Host header */
	NAM_SRC_RTMP,      /* RTMP connect tcUrl */
	NAM_SRC_RTSP,      /* RTSP request URL */
	NAM_SRC_COUNT,
};

struct nam_stats {
	uint32_t entries;       /* addresses cached now */
	uint64_t learned;       /* names added or refreshed */
	uint64_t expired;       /* names dropped because their TTL passed */
	uint64_t evicted;       /* addresses pushed out, with live names, to make room */
	uint64_t replaced;      /* live names pushed out of a full address by newer ones */
	uint64_t dns_parsed;    /* DNS messages that parsed (usable or not) */
	uint64_t dns_malformed; /* DNS messages rejected with -EBADMSG */
};

/* A name to learn with an explicit TTL (the general form of nam_learn()). */
struct nam_fact {
	uint8_t family;      /* 4 (addr has 4 bytes) or 6 (16 bytes) */
	uint8_t src;         /* enum nam_source */
	const uint8_t *addr; /* network order */
	const char *name;    /* NUL-terminated; validated and lower-cased on learn */
	uint32_t ttl_s;      /* clamped to [NAM_TTL_MIN_S, NAM_TTL_MAX_S] */
};

/* One address record found by nam_dns_parse(). */
struct nam_dns_addr {
	uint8_t family;      /* 4 (A) or 6 (AAAA) */
	const uint8_t *addr; /* points into the parsed message */
	uint32_t ttl_s;      /* as on the wire; RFC 2181 values >= 2^31 read as 0 */
};

/* What one DNS response says about its query name. */
struct nam_dns_result {
	char qname[NAM_NAME_MAX + 1]; /* lower case, no trailing dot */
	size_t n_addrs;
	struct nam_dns_addr addrs[NAM_DNS_MAX_ADDRS];
};

struct nam_cache;

/*
 * Create a cache for max_addrs addresses (1 .. 2^24); allocates everything
 * once. NULL on a bad size or no memory.
 */
struct nam_cache *nam_create(uint32_t max_addrs);

/* Free the cache; NULL is accepted. Invalidates every returned name. */
void nam_destroy(struct nam_cache *c);

/*
 * Parse one DNS message (a UDP payload, or a DNS-over-TCP message after its
 * 2-byte length, which the caller strips) without touching any cache. The
 * message must be a standard-query response (QR=1, opcode 0) with RCODE 0
 * and exactly one question of class IN; otherwise it is "unusable" and 0 is
 * returned. The answer section is walked in full; CNAMEs are followed from
 * the query name (at most NAM_DNS_MAX_HOPS, never twice to the same name)
 * and every class-IN A/AAAA record whose owner is on that chain is reported
 * (the first NAM_DNS_MAX_ADDRS of them). Compression pointers must point
 * before the name segment that holds them, so they cannot loop.
 *
 * Returns the number of addresses in res (0 .. NAM_DNS_MAX_ADDRS), or
 * -EBADMSG for a malformed message (truncated, bad label, name longer than
 * 255 octets, forward or looping pointer, A/AAAA of the wrong length, longer
 * than 65535 bytes), with res->qname empty and no addresses. Never reads
 * past len. res->addrs point into msg.
 */
int nam_dns_parse(const uint8_t *msg, size_t len, struct nam_dns_result *res);

/*
 * Parse a DNS message (see nam_dns_parse()) and learn every address for the
 * query name with the record's TTL. Returns the number of addresses learned
 * (0 for a response with nothing usable) or -EBADMSG for a malformed
 * message. Invalidates names returned earlier.
 */
int nam_learn_dns(struct nam_cache *c, const uint8_t *msg, size_t len, uint64_t now_ms);

/*
 * Learn addr -> name from a flow (src: SNI, Host, tcUrl, RTSP URL) with
 * NAM_TTL_FLOW_S. A trailing dot and a ":port" suffix are stripped; names
 * that are invalid, longer than NAM_NAME_MAX or IP literals are ignored.
 * Invalidates names returned earlier.
 */
void nam_learn(struct nam_cache *c, uint8_t family, const uint8_t *addr, const char *name,
	       enum nam_source src, uint64_t now_ms);

/*
 * Learn one fact. Returns 0 when learned (or refreshed), -EINVAL for a bad
 * family, source or name. Invalidates names returned earlier.
 */
int nam_learn_fact(struct nam_cache *c, const struct nam_fact *f, uint64_t now_ms);

/*
 * The best (most recently learned) unexpired name of the address, or NULL.
 * The string belongs to the cache and stays valid until the next learn call
 * or nam_destroy(); lookups do not change the cache.
 */
const char *nam_lookup(struct nam_cache *c, uint8_t family, const uint8_t *addr, uint64_t now_ms);

/*
 * All unexpired names of the address, most recent first (out[0] is what
 * nam_lookup() returns), at most max of them; returns how many were stored.
 * Same lifetime as nam_lookup().
 */
size_t nam_names(struct nam_cache *c, uint8_t family, const uint8_t *addr, uint64_t now_ms,
		 const char **out, size_t max);

/*
 * Validate and normalise a host name of len characters (no NUL needed):
 * lower-cased, one trailing dot removed, labels of 1..63 characters of
 * [A-Za-z0-9-_], at most NAM_NAME_MAX characters, and not an IP literal (a
 * name whose last label is all digits or 0x-hex, the forms inet_aton reads).
 * out holds NAM_NAME_MAX + 1 bytes. Returns the length or -EINVAL.
 */
int nam_name_norm(const char *in, size_t len, char *out);

/*
 * name == suffix, or name ends with "." + suffix. Case-insensitive; one
 * trailing dot on either is ignored; an empty suffix matches nothing. This
 * is the rule for an exact allow entry that also covers its subdomains.
 */
bool nam_match_suffix(const char *name, const char *suffix);

/*
 * The "*.suffix" rule (CFG_ALLOW_SUFFIX): name ends with "." + suffix with
 * at least one more label before it; suffix itself does NOT match, as with
 * TLS certificate and DNS wildcards. Case and trailing dots as above.
 */
bool nam_match_wildcard(const char *name, const char *suffix);

void nam_get_stats(const struct nam_cache *c, struct nam_stats *st);

/* Bytes the cache allocated at create time. */
size_t nam_cache_mem(const struct nam_cache *c);

#endif /* LEAKTAP_NAM_H */
