/*
 * cfg: the appliance configuration, one JSON document.
 *
 * The same document is read from the state dir at boot, given with
 * --config / --check-config, and edited by the web page. It is parsed and
 * fully validated into a struct cfg before anything uses it, so a bad
 * document never replaces a good one: parse into a scratch struct, then
 * swap. The schema is documented in docs/config.md; keep the two in step.
 */
#ifndef LEAKTAP_CFG_H
#define LEAKTAP_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"

#define CFG_NAME_MAX                                                                               \
	254 /* buffer bound; names are limited to 253 characters without the final dot */
#define CFG_ERR_MAX 256 /* room for one error line */

enum cfg_mode {
	CFG_MODE_LEARN = 0,
	CFG_MODE_MONITOR,
	CFG_MODE_BLOCK,
};

/*
 * An IPv4 or IPv6 prefix. addr holds the network address with host bits
 * zero, except where a host address with its prefix is meant (mgmt.address).
 */
struct cfg_cidr {
	uint8_t family; /* 4 or 6 */
	uint8_t prefix; /* 0..32 or 0..128 */
	uint8_t addr[16];
};

enum cfg_allow_kind {
	CFG_ALLOW_CIDR = 0, /* "203.0.113.0/24", or a bare address (/32, /128) */
	CFG_ALLOW_NAME,     /* "backup.example.com": that name exactly */
	CFG_ALLOW_SUFFIX,   /* "*.example.com": any name below example.com */
};

struct cfg_allow {
	uint8_t kind; /* enum cfg_allow_kind */
	struct cfg_cidr cidr;
	char name[CFG_NAME_MAX + 1]; /* lower case; for SUFFIX without the "*." */
};

/* A remote endpoint for export: a host name or address and a port. */
struct cfg_target {
	char host[CFG_NAME_MAX + 1]; /* empty = disabled */
	uint16_t port;
};

struct cfg {
	uint8_t mode;             /* enum cfg_mode */
	uint64_t threshold_bytes; /* threshold_mb * 10^6 */
	uint32_t window_s;
	uint32_t quarantine_s;
	bool fail_closed;
	bool bulk; /* also alert on large clear-text uploads that are not video */

	size_t n_local;
	struct cfg_cidr local_nets[CONFIG_CFG_MAX_NETS];
	size_t n_allow;
	struct cfg_allow allow[CONFIG_CFG_MAX_ALLOW];

	struct {
		bool dhcp;
		bool has_address;
		struct cfg_cidr address; /* static address and prefix (IPv4) */
		bool has_gateway;
		uint8_t gateway[4];
		bool has_dns;
		struct cfg_cidr dns;        /* an address (/32 or /128) */
		char hostname[64];          /* one DNS label */
		char ntp[CFG_NAME_MAX + 1]; /* NTP server name or address; empty = none */
		bool from_wan;
		bool has_mac;
		uint8_t mac[6]; /* the appliance's own MAC; unset: the board's */
	} mgmt;

	struct {
		struct cfg_target target;
		bool tcp; /* "proto": "tcp"; default "udp" */
	} syslog;

	struct {
		struct cfg_target target;
		char topic_prefix[65];
	} mqtt;
};

/* Fill c with the built-in default configuration. */
void cfg_default(struct cfg *c);

/*
 * Parse and validate a JSON document of len bytes (need not be
 * NUL-terminated). Keys absent from the document keep their defaults.
 * Returns 0 and fills *out; or -EINVAL with one line in err (at most
 * errlen bytes, always terminated) naming the offending key, e.g.
 * "threshold_mb: must be a number from 0 to 1000000". *out is only
 * written on success. -ENOMEM when a scratch copy cannot be allocated.
 */
int cfg_parse(const char *json, size_t len, struct cfg *out, char *err, size_t errlen);

/*
 * Write c as a JSON document into buf (size bytes). Returns the length
 * written (without the NUL), -ENOSPC if buf is too small, or -EINVAL for a
 * struct that no parse could have produced (bad mode or counts).
 * cfg_parse(cfg_format(c)) gives back c.
 */
int cfg_format(const struct cfg *c, char *buf, size_t size);

/*
 * Parse "a.b.c.d/n", "x::y/n" or a bare address (full-length prefix).
 * Host bits must be zero unless allow_host_bits. Returns 0 or -EINVAL.
 */
int cfg_parse_cidr(const char *s, bool allow_host_bits, struct cfg_cidr *out);

/* True when addr (4 or 16 bytes by family) lies inside the prefix. */
bool cfg_cidr_match(const struct cfg_cidr *c, uint8_t family, const uint8_t *addr);

/* True when addr is inside one of c->local_nets. */
bool cfg_is_local(const struct cfg *c, uint8_t family, const uint8_t *addr);

/* "learn", "monitor", "block"; "unknown" for anything else. */
const char *cfg_mode_name(uint8_t mode);

#endif /* LEAKTAP_CFG_H */
